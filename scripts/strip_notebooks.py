#!/usr/bin/env python3
"""Strip outputs from the notebooks before committing them (the test suite runs them).

Usage (from the repository root)::

    python scripts/strip_notebooks.py            # every notebooks/*.ipynb
    python scripts/strip_notebooks.py --check    # exit 1 if any has outputs (for CI)

Clears every code cell's outputs and execution count and drops per-run metadata
(execution timings, widget state); the notebook's JSON is otherwise kept as it is.
Plain JSON, so it needs nothing beyond the standard library.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
RUN_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")


def strip(book: dict) -> dict:
    for cell in book.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        for key in RUN_METADATA:
            cell.get("metadata", {}).pop(key, None)
    book.get("metadata", {}).pop("widgets", None)
    return book


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: notebooks/*.ipynb)")
    parser.add_argument("--check", action="store_true", help="only report notebooks with outputs")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    dirty = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        stripped = json.dumps(strip(json.loads(text)), indent=1, ensure_ascii=False) + "\n"
        if stripped != text:
            dirty.append(path)
            if not args.check:
                path.write_text(stripped, encoding="utf-8")
    for path in dirty:
        print(f"{'has outputs' if args.check else 'stripped'}: {path}")
    return 1 if (args.check and dirty) else 0


if __name__ == "__main__":
    sys.exit(main())
