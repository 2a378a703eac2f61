"""Rosters: who each specialist works with and who is in each work group, as workbook sheets.

One sheet per specialist with schools or a group (`Specialist ID`) and one per running
group (`Group ID`), each listing the schools with their Mastery Advocates (unless
`--redact`); a hub with more than `SHEET_LIMIT` rosters gets two combined sheets instead,
filtered by their first column. The workbook also gets the Calendar and Letters tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from allocator.problem.data import ProblemData
from allocator.problem.distances import display_km
from allocator.problem.eligibility import Eligibility
from allocator.report.tables import ADVOCATE_COLUMNS, _advocate_cells
from allocator.schedule.plan import members_by
from allocator.solving.solution import Allocation

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from allocator.outcome import Outcome

SHEET_LIMIT = 60  # beyond this many rosters, one combined sheet per kind
ROSTER_COLUMNS = [
    "role",
    "urn",
    "name",
    "stage",
    "work_group",
    "postcode",
    "km",
    "specialist_email",
    "specialist_phone",
]


def _school_row(problem: ProblemData, s: int, role: str, km: float | None, group: str = "") -> dict[str, object]:
    school = problem.schools[s]
    return {
        "role": role,
        "urn": school.urn,
        "name": school.name,
        "stage": school.stage,
        "work_group": group,
        "postcode": school.postcode,
        "km": display_km(km),
        **_advocate_cells(school),
    }


Rows = dict[str, list[dict[str, object]]]
SPECIALIST_ROSTER_COLUMNS = [c for c in ROSTER_COLUMNS if c not in ("specialist_email", "specialist_phone")]


def specialist_rosters(problem: ProblemData, elig: Eligibility, allocation: Allocation) -> dict[str, pd.DataFrame]:
    """For each specialist with schools or a running group: their schools, then the members
    of each group they lead (km: to the specialist, or to the group's venue)."""
    columns = SPECIALIST_ROSTER_COLUMNS + ADVOCATE_COLUMNS
    return {k: pd.DataFrame(rows, columns=columns) for k, rows in _specialist_rows(problem, elig, allocation).items()}


def group_rosters(problem: ProblemData, elig: Eligibility, allocation: Allocation) -> dict[str, pd.DataFrame]:
    """For each running group: its lead (with their email and phone), then its schools."""
    columns = ROSTER_COLUMNS + ADVOCATE_COLUMNS
    return {k: pd.DataFrame(rows, columns=columns) for k, rows in _group_rows(problem, elig, allocation).items()}


def _specialist_rows(problem: ProblemData, elig: Eligibility, allocation: Allocation) -> Rows:
    out = {}
    supported = members_by(allocation.school_specialist, problem.num_specialists)
    members = members_by(allocation.school_group, problem.num_groups)
    led = members_by(allocation.group_lead, problem.num_specialists)
    for p, sp in enumerate(problem.specialists):
        rows = []
        for s in supported[p]:
            stage = problem.schools[s].stage
            role = "development department" if stage == "development" else "embedding school"
            rows.append(_school_row(problem, s, role, float(elig.specialist_km[s, p])))
        for g in led[p]:
            group_id = problem.work_groups[g].id
            for s in members[g]:
                rows.append(
                    _school_row(problem, s, f"member of {group_id} (leads)", float(elig.group_km[s, g]), group_id)
                )
        if rows:
            out[sp.id] = rows
    return out


def _group_rows(problem: ProblemData, elig: Eligibility, allocation: Allocation) -> Rows:
    out = {}
    members_of = members_by(allocation.school_group, problem.num_groups)
    for g, group in enumerate(problem.work_groups):
        lead = allocation.group_lead[g]
        members = members_of[g]
        if lead is None or not members:
            continue
        sp = problem.specialists[lead]
        rows: list[dict[str, object]] = [
            {
                "role": "lead",
                "urn": sp.school_urn or "",
                "name": sp.name,
                "stage": "",
                "work_group": group.id,
                "postcode": sp.postcode,
                "km": "",
                "specialist_email": sp.email,
                "specialist_phone": sp.phone,
                **dict.fromkeys(ADVOCATE_COLUMNS, ""),
            }
        ]
        blank = {"specialist_email": "", "specialist_phone": ""}
        rows += [{**_school_row(problem, s, "member", float(elig.group_km[s, g]), group.id), **blank} for s in members]
        out[group.id] = rows
    return out


def sheet_name(title: str, used: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique ignoring case."""
    base = re.sub(r"[\[\]:*?/\\]", "_", title)[:31]
    name, n = base, 1
    while name.lower() in used:
        n += 1
        name = f"{base[: 31 - len(str(n)) - 1]}~{n}"
    used.add(name.lower())
    return name


def add_schedule_sheets(wb: Workbook, solved: Outcome, frame_sheet: Callable[[Worksheet, pd.DataFrame], None]) -> None:
    """Add Calendar, Letters and the roster sheets to the workbook `wb` (`frame_sheet`
    writes a table on a sheet, as the workbook's own sheets are written)."""
    tables = solved.tables
    allocation = solved.result.allocation
    if "calendar" not in tables or allocation is None:
        return
    frame_sheet(wb.create_sheet("Calendar"), tables["calendar"])
    if "letters" in tables:
        frame_sheet(wb.create_sheet("Letters"), tables["letters"])
    # Rosters carry personal data only when the run's tables do (`--redact` removed it there).
    redact = "advocate_1_name" not in tables["allocations"].columns
    kept = [
        c
        for c in ROSTER_COLUMNS + ADVOCATE_COLUMNS
        if not (redact and (c.startswith("advocate_") or c in ("specialist_email", "specialist_phone")))
    ]
    problem, elig = solved.problem, solved.eligibility
    assert elig is not None  # a solved run always has its eligibility
    rosters = [
        ("Specialist", "specialist", _specialist_rows(problem, elig, allocation), SPECIALIST_ROSTER_COLUMNS),
        ("Group", "group", _group_rows(problem, elig, allocation), ROSTER_COLUMNS),
    ]
    used = {ws.title.lower() for ws in wb.worksheets}
    per_sheet = sum(len(r) for _, _, r, _ in rosters) <= SHEET_LIMIT
    for title, column, by_key, own in rosters:
        columns = [c for c in own + ADVOCATE_COLUMNS if c in kept]
        if per_sheet:
            for key, rows in by_key.items():
                frame_sheet(wb.create_sheet(sheet_name(f"{title} {key}", used)), pd.DataFrame(rows, columns=columns))
        elif by_key:  # one table, filtered by its first column
            rows = [{column: key, **row} for key, key_rows in by_key.items() for row in key_rows]
            joined = pd.DataFrame(rows, columns=[column, *columns])
            frame_sheet(wb.create_sheet(sheet_name(f"{title} rosters", used)), joined)
