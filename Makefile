# Quick start: `make demo` (set up, then solve the bundled demo) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test browser check lint bench clean

setup: $(STAMP)

# One virtual environment with the package, its optional exact-postcode table, the test
# tools and the linters, at the pinned versions the suite was run with.
$(STAMP): pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c requirements/constraints.txt -e ".[test,exact,dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/allocate check scenarios/demo/scenario.yml
	$(BIN)/allocate scenarios/demo/scenario.yml

# The linters run first, so CI (.ci/run: `make test`) fails on a lint or type error too.
test: lint browser
	$(BIN)/python -m pytest -q

# Headless Chromium for the HTML report test (Debian's package). Installed quietly when
# missing, as root or with passwordless sudo; otherwise the test fails with instructions.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; \
	  else sudo="false"; fi; \
	  echo "Installing chromium for the HTML report test (apt-get)..."; \
	  { $$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends chromium; } >/dev/null 2>&1 \
	  || echo "warning: could not install chromium; run 'apt-get update && apt-get install -y chromium' as root (tests/test_html.py will fail without it)"; }

LINT_PATHS := allocator tests benchmarks scripts

lint: $(STAMP)
	$(BIN)/python -m ruff check $(LINT_PATHS)
	$(BIN)/python -m ruff format --check $(LINT_PATHS)
	$(BIN)/python -m mypy allocator

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements/constraints.txt highspy
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis .mypy_cache .ruff_cache
