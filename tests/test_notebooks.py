"""The notebooks under notebooks/: committed without outputs, importing only from allocator
(plus matplotlib and the standard library), and each executed here in under 60 s."""

from __future__ import annotations

import ast
import json
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_DIR

NOTEBOOK_DIR = REPO_DIR / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
LIMIT_S = 60.0
ALLOWED_IMPORTS = {"allocator", "matplotlib", "pathlib", "tempfile"}


def _code_cells(path: Path) -> list[dict]:
    book = json.loads(path.read_text(encoding="utf-8"))
    return [cell for cell in book["cells"] if cell["cell_type"] == "code"]


def _source(cell: dict) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def test_the_four_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == [
        "01_quick_start.ipynb",
        "02_trade_offs.ipynb",
        "03_what_if.ipynb",
        "04_comparing_runs.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    for cell in _code_cells(path):
        assert cell.get("outputs") == [], f"{path.name}: run scripts/strip_notebooks.py"
        assert cell.get("execution_count") is None, f"{path.name}: run scripts/strip_notebooks.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_imports_only_from_allocator(path):
    for cell in _code_cells(path):
        for node in ast.walk(ast.parse(_source(cell))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in ALLOWED_IMPORTS, f"{path.name} imports {name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_under_a_minute(path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    book = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        book,
        timeout=int(LIMIT_S),
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    started = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - started
    assert seconds < LIMIT_S, f"{path.name} took {seconds:.1f} s"
    errors = [
        o
        for cell in book.cells
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
