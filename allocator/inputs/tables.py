"""CSV/XLSX tables → records that remember their file and spreadsheet row."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.inputs.issues import InputError, Issue


@dataclass(frozen=True)
class Table:
    """A table's rows as text, with normalised column names.

    `rows` holds (spreadsheet row, {column: trimmed text}) for every non-blank row;
    the header is row 1.
    """

    file: str  # how messages name the file
    path: Path
    columns: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]


def normalise_column(name: Any) -> str:
    return str(name).strip().lower()


def cell_text(value: Any) -> str:
    """Text of a cell: whole numbers lose '.0' (an XLSX cell 100001.0 is '100001')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return str(value).strip()


def split_sheet(spec: str) -> tuple[str, str | None]:
    """'book.xlsx#Sheet' → ('book.xlsx', 'Sheet'); CSV paths have no sheet."""
    if "#" in spec and spec.split("#", 1)[0].lower().endswith((".xlsx", ".xlsm")):
        path, sheet = spec.split("#", 1)
        return path, sheet
    return spec, None


def read_table(path: Path, display: str, sheet: str | None = None) -> Table:
    """Read a CSV (UTF-8, with or without BOM) or XLSX (first sheet or `sheet`) table.

    Raises
    ------
    InputError
        When the file cannot be read as a table.
    """
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(
                path,
                sheet_name=sheet if sheet is not None else 0,
                header=None,
                dtype=object,
                engine="openpyxl",
            )
        else:
            frame = pd.read_csv(
                path,
                header=None,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                encoding="utf-8-sig",
            )
    except UnicodeDecodeError:
        raise InputError([Issue(display, None, "", "is not UTF-8 text; save it as CSV UTF-8")]) from None
    except ValueError as exc:  # e.g. a worksheet that does not exist
        raise InputError([Issue(display, None, "", f"cannot be read: {exc}")]) from None
    except Exception as exc:  # noqa: BLE001 - any parser failure is bad input, not a crash
        raise InputError([Issue(display, None, "", f"cannot be read as a table: {exc}")]) from None
    if frame.empty:
        raise InputError([Issue(display, None, "", "is empty: a header row is needed")])
    header = [normalise_column(cell_text(v)) for v in frame.iloc[0].tolist()]
    issues = []
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            issues.append(Issue(display, 1, name, "column appears twice"))
        seen.add(name)
    if issues:
        raise InputError(issues)
    rows = []
    for offset, values in enumerate(frame.iloc[1:].itertuples(index=False, name=None)):
        record = {name: cell_text(value) for name, value in zip(header, values, strict=False) if name}
        if any(record.values()):
            rows.append((offset + 2, record))
    return Table(display, path, tuple(h for h in header if h), tuple(rows))
