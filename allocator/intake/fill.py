"""Cells a scenario fills before its rows are validated: the scenario's `hub`, and blanks
taken from the DfE register (`gias:`) by URN."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from allocator.inputs.geo import normalise_postcode
from allocator.inputs.issues import Collector, InputError
from allocator.inputs.scenario import line_of
from allocator.inputs.tables import Table
from allocator.intake.gias import Establishment, read_register


def _display(path: Path) -> str:
    from allocator.inputs.load import display_path

    return display_path(path)


def fill_tables(
    tables: dict[str, Table],
    data: dict[str, Any],
    base: Path,
    shown: str,
    lines: dict[tuple[Any, ...], int],
    issues: Collector,
) -> tuple[dict[str, Table], list[Path]]:
    """`tables` with blank hub cells set to the scenario's `hub` and blank school details
    taken from the register named by `gias`; also the extra files read (for the hash).

    Register problems (a URN it does not know, a closed, independent or non-English
    establishment) are warnings on the row; an unreadable register is an error.
    """
    out = dict(tables)
    hub = data.get("hub")
    if isinstance(hub, str) and hub.strip():
        for key in ("schools", "specialists", "work_groups"):
            if key in out:
                filled = _with_cells(out[key], lambda record: {"hub": hub.strip()} if not record.get("hub") else {})
                columns = filled.columns if "hub" in filled.columns else (*filled.columns, "hub")
                out[key] = replace(filled, columns=columns)
    gias = data.get("gias")
    if not isinstance(gias, str) or not gias.strip():
        return out, []
    path = base / gias.strip()
    urns = [r.get("urn", "") for _, r in out["schools"].rows] if "schools" in out else []
    urns += [r.get("school_urn", "") for _, r in out["specialists"].rows] if "specialists" in out else []
    try:
        register = read_register(path, _display(path), urns)
    except InputError as exc:
        for issue in exc.issues:
            where = line_of(lines, ("gias",)) if issue.row is None else issue.row
            file = shown if issue.row is None else issue.file
            column = "gias" if issue.row is None else issue.column
            message = f"{gias.strip()!r} {issue.message}" if issue.row is None else issue.message
            issues.error(file, where, column, message)
        return out, []
    name = _display(path)
    if "schools" in out:
        out["schools"] = _fill(out["schools"], "urn", register, name, issues, school=True)
    if "specialists" in out:
        out["specialists"] = _fill(out["specialists"], "school_urn", register, name, issues, school=False)
    return out, [path]


def register_cells(record: dict[str, str], found: Establishment, *, school: bool) -> dict[str, str]:
    """The blank cells of `record` that the register fills (phase and name only for schools:
    a specialist's phase is their programme's, not their school's)."""
    cells: dict[str, str] = {}
    if school and not record.get("name") and found.name:
        cells["name"] = found.name
    if school and not record.get("phase") and found.programme_phase:
        cells["phase"] = found.programme_phase
    if not record.get("trust") and found.trust:
        cells["trust"] = found.trust
    written = record.get("postcode", "")
    if not written and found.postcode:
        cells["postcode"] = found.postcode
    located = (record.get("latitude") and record.get("longitude")) or (record.get("easting") and record.get("northing"))
    same_place = not written or normalise_postcode(written) == found.postcode
    if not located and same_place and found.easting is not None and found.northing is not None:
        if not record.get("easting") and not record.get("northing"):
            cells["easting"] = f"{found.easting:g}"
            cells["northing"] = f"{found.northing:g}"
    return cells


def _fill(
    table: Table, column: str, register: dict[str, Establishment], name: str, issues: Collector, *, school: bool
) -> Table:
    def cells(row_no: int, record: dict[str, str]) -> dict[str, str]:
        urn = record.get(column, "").strip()
        if not urn or not urn.isdigit() or len(urn) != 6:
            return {}  # the row check reports it
        found = register.get(urn)
        if found is None:
            issues.warn(table.file, row_no, column, f"URN {urn} is not in the register {name} (new, or mistyped?)")
            return {}
        for doubt in found.doubts():
            issues.warn(table.file, row_no, column, f"URN {urn} {doubt}")
        return register_cells(record, found, school=school)

    return _with_cells(table, cells, with_row=True)


def _with_cells(table: Table, cells: Any, with_row: bool = False) -> Table:
    """`table` with each row's record updated by `cells(record)` (or `cells(row, record)`)."""
    rows = []
    columns = list(table.columns)
    for row_no, record in table.rows:
        update = cells(row_no, record) if with_row else cells(record)
        if update:
            record = {**record, **update}
            columns += [c for c in update if c not in columns]
        rows.append((row_no, record))
    return replace(table, columns=tuple(columns), rows=tuple(rows))
