# Quick start: `make demo` (set up, then solve the bundled demo) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test check lint bench clean

setup: $(STAMP)

# One virtual environment with the package, its optional exact-postcode table and the
# test tools, at the pinned versions the suite was run with.
$(STAMP): pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c requirements/constraints.txt -e ".[test,exact]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/allocate check scenarios/demo/scenario.yml
	$(BIN)/allocate scenarios/demo/scenario.yml

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/python -m ruff check allocator tests

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
