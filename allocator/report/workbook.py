"""allocation.xlsx: one workbook a hub lead can open, filter and share.

Sheets: Summary, Allocations, By specialist, Work groups, Unplaced, Objective
breakdown, Inputs. Table sheets are written generically from the DataFrames of
`Outcome.tables`, so columns added there appear here too. Every text cell is
stored as a string (never a formula, whatever it starts with); numbers are stored
as numbers, except ids (URNs, specialist and group ids), which are text everywhere.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from allocator.problem.data import STAGES

if TYPE_CHECKING:
    from allocator.outcome import Outcome

SHEETS = (
    "Summary",
    "Allocations",
    "By specialist",
    "Work groups",
    "Unplaced",
    "Recommendations",  # with recommendations on (the default)
    "Objective breakdown",
    "Inputs",
)
# Columns that hold ids or lists of ids: text even when every value looks like a number.
ID_COLUMNS = frozenset(
    {
        "urn",
        "id",
        "name",
        "specialist",
        "specialist_name",
        "work_group",
        "lead",
        "previous_specialist",
        "school_urn",
        "schools",
        "leads",
        "best_alternative",
        "postcode",
        "venue_postcode",
        "trust",
        "hub",
    }
)
UNPLACED_COLUMNS = (
    "urn",
    "name",
    "hub",
    "phase",
    "stage",
    "priority",
    "previous_specialist",
    "reason",
    "recommendation",
    "best_alternative",
)
TERM_MEANING = {
    "place": "per school placed",
    "priority": "per priority point of a placed school",
    "travel": "minus round(travel_per_km × km) for every school–specialist and school–venue trip",
    "focus": "minus focus_rank[r] when a school's group has its (r+1)th choice of focus",
    "continuity": "per embedding school kept with its previous specialist",
    "keep": "per school placed exactly as in the previous run (re-runs)",
    "lead_travel": "minus round(travel_per_km × km) from each running group's lead to its venue",
    "lone_department": "minus lone_department per specialist with one development school where two fit",
}
_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
SECTION_FONT = Font(bold=True)


def write_workbook(path: Path, solved: Outcome) -> None:
    """Write `solved` as an XLSX workbook at `path`."""
    build_workbook(solved).save(path)


def build_workbook(solved: Outcome) -> Workbook:
    """The workbook of a solved scenario (see the module docstring for its sheets)."""
    wb = Workbook()
    wb.remove(wb.active)
    tables = solved.tables
    allocations = tables["allocations"]
    _summary_sheet(wb.create_sheet("Summary"), solved)
    _frame_sheet(wb.create_sheet("Allocations"), allocations)
    _frame_sheet(wb.create_sheet("By specialist"), tables["specialists"])
    _frame_sheet(wb.create_sheet("Work groups"), tables["work_groups"])
    unplaced = allocations[allocations["status"] == "unplaced"]
    _frame_sheet(
        wb.create_sheet("Unplaced"),
        unplaced[[c for c in UNPLACED_COLUMNS if c in unplaced.columns]],
    )
    if "changes" in tables:  # re-runs: what changed since the previous run, and why
        _frame_sheet(wb.create_sheet("Changes"), tables["changes"])
    if "recommendations" in tables:  # the edit that would place each unplaced school
        _frame_sheet(wb.create_sheet("Recommendations"), tables["recommendations"])
    _objective_sheet(wb.create_sheet("Objective breakdown"), solved)
    _inputs_sheet(wb.create_sheet("Inputs"), solved)
    from allocator.report.rosters import add_schedule_sheets

    add_schedule_sheets(wb, solved, _frame_sheet)  # Calendar, Letters and rosters
    return wb


# --------------------------------------------------------------------------- cells


def numeric_columns(frame: pd.DataFrame) -> set[str]:
    """Columns to store as numbers: numeric dtypes, and text columns (not ids) whose
    every non-blank value is a plain decimal number (distances are written as text)."""
    out = set()
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_bool_dtype(series):
            continue
        if pd.api.types.is_numeric_dtype(series):
            out.add(column)
            continue
        if column in ID_COLUMNS or column.endswith(("_urn", "_id")):
            continue
        values = [v for v in series if isinstance(v, str) and v != ""]
        if (
            values
            and len(values) == sum(1 for v in series if not _blank(v))
            and all(_NUMBER.fullmatch(v) for v in values)
        ):
            out.add(column)
    return out


def _blank(value: Any) -> bool:
    if value is None or (isinstance(value, str) and value == ""):
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value: Any, numeric: bool) -> Any:
    """A value openpyxl stores as we mean it: None, bool, int, float or str."""
    if _blank(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        value = value.item()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value if not (isinstance(value, float) and math.isinf(value)) else str(value)
    text = str(value)
    if numeric and _NUMBER.fullmatch(text):
        return float(text) if "." in text else int(text)
    return text


def _put(ws: Worksheet, row: int, col: int, value: Any, number_format: str | None = None) -> None:
    """Write one cell; text is always a string cell, never a formula."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters Excel refuses
        cell.value = value
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
        if value.startswith(_FORMULA_START):
            cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    else:
        cell.value = value
        if number_format and isinstance(value, float):
            cell.number_format = number_format


def _number_format(column: str) -> str | None:
    return "0.0" if "km" in column.split("_") else None


def _header(ws: Worksheet, row: int, names: Sequence[str]) -> None:
    for col, name in enumerate(names, start=1):
        _put(ws, row, col, str(name))
        cell = ws.cell(row=row, column=col)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")


def _finish(ws: Worksheet, num_cols: int, last_row: int) -> None:
    """Freeze and filter the header row; widths that fit the content (within reason)."""
    ws.freeze_panes = "A2"
    if num_cols:
        ws.auto_filter.ref = f"A1:{get_column_letter(num_cols)}{max(1, last_row)}"
    widths: dict[int, int] = {}
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 1000)):
        for cell in row:
            if cell.value is None:
                continue
            if isinstance(cell.value, float):
                length = len(f"{cell.value:,.1f}")
            else:
                length = max(len(line) for line in str(cell.value).split("\n"))
            widths[cell.column] = max(widths.get(cell.column, 0), length)
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 70)


def _rows_sheet(ws: Worksheet, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """A header and rows of already plain values; returns the last row written."""
    _header(ws, 1, header)
    r = 1
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            _put(ws, r, c, _plain(value, numeric=False), "0.00%" if header[c - 1] == "share" else None)
    return r


def _frame_sheet(ws: Worksheet, frame: pd.DataFrame) -> None:
    columns = [str(c) for c in frame.columns]
    numeric = numeric_columns(frame)
    formats = {c: _number_format(c) for c in columns}
    _header(ws, 1, columns)
    for r, values in enumerate(frame.itertuples(index=False, name=None), start=2):
        for c, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
            _put(ws, r, c, _plain(value, column in numeric), formats[column])
    _finish(ws, len(columns), len(frame) + 1)


# --------------------------------------------------------------------------- sheets


def _summary_sheet(ws: Worksheet, solved: Outcome) -> None:
    s = solved.summary_json
    labels = {
        "scenario": "Scenario",
        "year": "Year",
        "status": "Status",
        "interrupted": "Interrupted",
        "objective": "Objective",
        "bound": "Bound",
        "gap": "Gap",
        "solve_seconds": "Solve seconds",
        "deterministic": "Deterministic",
        "seed": "Seed",
        "workers": "Workers",
        "placed": "Schools placed",
        "unplaced": "Schools unplaced",
        "groups_running": "Work groups running",
        "locations": "Location level",
        "scenario_sha256": "Scenario SHA-256",
    }
    nested = ("by_stage", "location_sources", "versions", "objective_terms", "development_pairs", "funding")
    rows: list[tuple[str, Any]] = [(labels[k], s[k]) for k in labels if k in s]
    # Keys other developers add to summary.json appear too, after the known ones.
    rows += [(k, v) for k, v in s.items() if k not in labels and k not in nested and not isinstance(v, dict | list)]
    _header(ws, 1, ["item", "value"])
    r = 1
    for r, (label, value) in enumerate(rows, start=2):
        _put(ws, r, 1, label)
        _put(ws, r, 2, _plain(value, numeric=False), "0.00%" if label == "Gap" else None)
    last = r

    def block(title: Sequence[str], body: Iterable[Sequence[Any]]) -> None:
        nonlocal r
        r += 2
        for c, name in enumerate(title, start=1):
            _put(ws, r, c, name)
            ws.cell(row=r, column=c).font = SECTION_FONT
        for values in body:
            r += 1
            for c, value in enumerate(values, start=1):
                _put(ws, r, c, _plain(value, numeric=False))

    by_stage = s.get("by_stage", {})
    block(
        ["stage", "applied", "placed", "unplaced"],
        [(k, v["applied"], v["placed"], v["unplaced"]) for k, v in by_stage.items()]
        + [("total", sum(v["applied"] for v in by_stage.values()), s.get("placed"), s.get("unplaced"))],
    )
    pairs = s.get("development_pairs") or {}
    block(
        ["hub", "development pairs", "lone departments"],
        [(hub, v["pairs"], v["lone_departments"]) for hub, v in pairs.items()],
    )
    funding = s.get("funding")
    if funding:
        block(
            ["funding (£)", *STAGES, "total"],
            [(hub, *(v[stage] for stage in STAGES), v["total"]) for hub, v in funding["by_hub"].items()]
            + [("all hubs", *(funding["by_stage"][stage] for stage in STAGES), funding["total"])],
        )
    block(["location source", "schools"], list(s.get("location_sources", {}).items()))
    block(["package", "version"], list(s.get("versions", {}).items()))
    _finish(ws, 2, last)


def _objective_sheet(ws: Worksheet, solved: Outcome) -> None:
    weights = solved.problem.weights
    terms: dict[str, int] = solved.summary_json.get("objective_terms") or {}
    weight_of = {
        "place": weights.place,
        "priority": weights.priority,
        "travel": weights.travel_per_km,
        "focus": ";".join(str(w) for w in weights.focus_rank),
        "continuity": weights.continuity,
        "keep": weights.keep,
        "lead_travel": weights.travel_per_km,
        "lone_department": weights.lone_department,
    }
    total = sum(terms.values())
    rows = [
        (term, weight_of.get(term, ""), value, (value / total) if total else None, TERM_MEANING.get(term, ""))
        for term, value in terms.items()
    ]
    rows.append(("total", "", total, 1.0 if total else None, "the objective (maximised)"))
    last = _rows_sheet(ws, ["term", "weight", "value", "share", "meaning"], rows)
    allocations = solved.tables["allocations"]
    if "objective_share" in allocations.columns:
        # Per school: what each school adds to the objective, largest first.
        wanted = [
            c
            for c in ("urn", "name", "stage", "status", "objective_share", "recommendation", "best_alternative")
            if c in allocations.columns
        ]
        frame = allocations[wanted].copy()
        frame["_key"] = pd.to_numeric(frame["objective_share"], errors="coerce")
        frame = frame.sort_values("_key", ascending=False, kind="stable").drop(columns="_key")
        r = last + 2
        _header(ws, r, wanted)
        numeric = numeric_columns(frame)
        for values in frame.itertuples(index=False, name=None):
            r += 1
            for c, (column, value) in enumerate(zip(wanted, values, strict=True), start=1):
                _put(ws, r, c, _plain(value, column in numeric))
    _finish(ws, 5, last)


def _inputs_sheet(ws: Worksheet, solved: Outcome) -> None:
    problem = solved.problem
    s = solved.summary_json

    def text(value: Any) -> Any:
        if value is None:
            return "all"
        if isinstance(value, tuple | list | frozenset | set):
            return ";".join(str(v) for v in value)
        return value

    rows: list[tuple[str, str, Any]] = [
        ("scenario", "name", problem.name),
        ("scenario", "year", problem.year),
        ("scenario", "file", str(problem.scenario_path.name) if problem.scenario_path else ""),
        ("scenario", "sha256", problem.scenario_sha256),
        ("scenario", "foci", text(problem.foci)),
        *(("focus " + f.key, "title; project code", f"{f.title}; {f.code}") for f in problem.focus_details),
        *(("funding", stage, funding.for_stage(stage)) for funding in [problem.funding] if funding for stage in STAGES),
        ("scenario", "schools", problem.num_schools),
        ("scenario", "specialists", problem.num_specialists),
        ("scenario", "work groups", problem.num_groups),
    ]
    rows += [("rules", f.name, text(getattr(problem.rules, f.name))) for f in fields(problem.rules)]
    rows += [("weights", f.name, text(getattr(problem.weights, f.name))) for f in fields(problem.weights)]
    rows += [
        ("solver", "time_limit_s (scenario)", problem.solver.time_limit_s),
        ("solver", "workers", s.get("workers", problem.solver.workers)),
        ("solver", "seed", s.get("seed", problem.solver.seed)),
        ("solver", "deterministic", "yes" if s.get("deterministic") else "no"),
        ("locations", "level", s.get("locations") or problem.locations),
    ]
    for kind, requirements in (("pin", problem.pins), ("forbid", problem.forbids)):
        for req in requirements:
            school = problem.schools[req.school_idx]
            if req.specialist_idx is not None:
                other = f"specialist {problem.specialists[req.specialist_idx].id}"
            else:
                other = f"work group {problem.work_groups[req.group_idx].id}"  # type: ignore[index]
            if req.source and any(r[1] == req.source for r in rows):
                continue  # a locked unplaced row forbids every pair: one line says it
            if req.source and req.specialist_idx is not None and kind == "forbid":
                other = "nobody (locked unplaced)"
            label = req.source or f"{kind} {req.index + 1}"
            rows.append((f"{kind}s", label, f"school {school.urn} ({school.name}) with {other}"))
    last = _rows_sheet(ws, ["section", "setting", "value"], rows)
    _finish(ws, 3, last)
