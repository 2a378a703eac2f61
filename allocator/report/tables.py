"""Output tables, summary.json, and writing them whole or not at all."""

from __future__ import annotations

import json
import platform
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.check import CheckReport
from allocator.diagnose.reasons import Loads, unplaced_reason
from allocator.problem.data import STAGES, ProblemData, School, Stage
from allocator.problem.distances import display_km
from allocator.problem.eligibility import Eligibility
from allocator.problem.venues import km_to_venue, lead_km, venue_used
from allocator.report.outdir import FolderState, preflight, write_folder
from allocator.report.programme import (
    development_group,
    development_loads,
    focus_cells,
    funding_totals,
    pairs_by_hub,
    school_funding,
)
from allocator.schedule.plan import members_by
from allocator.solving.solution import Allocation, SearchResult

SUMMARY = "summary.json"


def default_output_dir(problem: ProblemData) -> Path:
    """out/<scenario stem> relative to the working directory, unless the scenario says."""
    if problem.output.dir is not None:
        base = problem.scenario_path.parent if problem.scenario_path else Path.cwd()
        return base / problem.output.dir
    stem = problem.scenario_path.stem if problem.scenario_path else "scenario"
    return Path("out") / stem


def check_output_dir(path: Path) -> FolderState:
    """Refuse, before solving, a folder allocate may not replace (see `allocator.report.outdir`)."""
    return preflight(path)


def is_placed(problem: ProblemData, allocation: Allocation, s: int) -> bool:
    has = (allocation.school_specialist[s] is not None, allocation.school_group[s] is not None)
    return Stage(problem.schools[s].stage).placed_with(*has)


ADVOCATE_FIELDS = ("name", "email", "role")  # never the TRN: it is not exported
ADVOCATE_COLUMNS = [f"advocate_{n}_{part}" for n in (1, 2) for part in ADVOCATE_FIELDS]


def _advocate_cells(school: School) -> dict[str, str]:
    cells = dict.fromkeys(ADVOCATE_COLUMNS, "")
    for n, advocate in enumerate(school.advocates[:2], start=1):
        for part in ADVOCATE_FIELDS:
            cells[f"advocate_{n}_{part}"] = getattr(advocate, part) or ""
    return cells


def extra_columns(problem: ProblemData | None) -> set[str]:
    """The schools table's own extra columns (form contacts and the like) in allocations."""
    return set() if problem is None else {name for school in problem.schools for name, _ in school.extra}


def without_advocates(frame: pd.DataFrame, problem: ProblemData | None = None) -> pd.DataFrame:
    """`frame` without the Mastery Advocates' personal data, nor (given `problem`) the
    schools table's extra columns such as headteacher contacts (for `--redact`)."""
    extra = extra_columns(problem)
    return frame.drop(columns=[c for c in frame.columns if c.startswith("advocate_") or c in extra])


def allocation_table(
    problem: ProblemData, elig: Eligibility, allocation: Allocation, *, redact: bool = False
) -> pd.DataFrame:
    """One row per school; with the advocates' names, emails and roles unless `redact`.

    Advocates are personal data: they go only to files the hub lead asked for, never
    to the console or logs, and their TRNs are never exported.
    """
    rows = []
    loads = Loads.of(problem, allocation)
    for s, school in enumerate(problem.schools):
        p = allocation.school_specialist[s]
        g = allocation.school_group[s]
        placed = is_placed(problem, allocation, s)
        group = problem.work_groups[g] if g is not None else None
        rank = ""
        if group is not None and group.focus is not None and group.focus in school.focus_choices:
            rank = str(school.focus_choices.index(group.focus) + 1)
        rows.append(
            {
                "urn": school.urn,
                "name": school.name,
                "hub": school.hub,
                "phase": school.phase,
                "stage": school.stage,
                "status": "placed" if placed else "unplaced",
                "specialist": problem.specialists[p].id if p is not None else "",
                "specialist_name": problem.specialists[p].name if p is not None else "",
                "work_group": group.id if group is not None else "",
                "focus": (group.focus or "") if group is not None else "",
                "focus_rank": rank,
                **focus_cells(problem, group.focus if group is not None else None),
                "km_to_specialist": display_km(float(elig.specialist_km[s, p]) if p is not None else None),
                "km_to_venue": display_km(
                    km_to_venue(problem, elig.group_km, s, g, allocation.group_lead[g]) if g is not None else None
                ),
                "venue_postcode": venue_used(problem, g, allocation.group_lead[g]).postcode if g is not None else "",
                "venue_source": venue_used(problem, g, allocation.group_lead[g]).source if g is not None else "",
                **_funding_cell(problem, school.stage, placed),
                "priority": school.priority,
                "previous_specialist": school.previous_specialist or "",
                "location_source": school.location.source,
                "reason": "" if placed else unplaced_reason(problem, elig, allocation, s, loads),
                **({} if redact else _advocate_cells(school)),
            }
        )
        if not redact:  # the schools table's extra columns; allocator's own names win
            rows[-1].update({name: value for name, value in school.extra if name not in rows[-1]})
    empty = ALLOCATION_COLUMNS + ([] if redact else ADVOCATE_COLUMNS)
    return pd.DataFrame(rows, columns=list(rows[0]) if rows else empty)


ALLOCATION_COLUMNS = [
    "urn",
    "name",
    "hub",
    "phase",
    "stage",
    "status",
    "specialist",
    "specialist_name",
    "work_group",
    "focus",
    "focus_rank",
    "km_to_specialist",
    "km_to_venue",
    "priority",
    "previous_specialist",
    "location_source",
    "reason",
]


def _funding_cell(problem: ProblemData, stage: str, placed: bool) -> dict[str, int]:
    """The `funding` column (pounds when placed), only when the scenario has `funding:`."""
    pounds = school_funding(problem, stage, placed)
    return {} if pounds is None else {"funding": pounds}


def specialist_table(problem: ProblemData, elig: Eligibility, allocation: Allocation) -> pd.DataFrame:
    rows = []
    loads = development_loads(problem, allocation)
    supported_by = members_by(allocation.school_specialist, problem.num_specialists)
    led_by = members_by(allocation.group_lead, problem.num_specialists)
    for p, sp in enumerate(problem.specialists):
        supported = supported_by[p]
        dev = [s for s in supported if problem.schools[s].stage == Stage.DEVELOPMENT]
        emb = [s for s in supported if problem.schools[s].stage == Stage.EMBEDDING]
        leads = [problem.work_groups[g].id for g in led_by[p]]
        total = sum(float(elig.specialist_km[s, p]) for s in supported)
        rows.append(
            {
                "id": sp.id,
                "name": sp.name,
                "hub": sp.hub,
                "phase": sp.phase,
                "cohort": sp.cohort,
                "available": "yes" if sp.available else "no",
                "capacity": sp.capacity,
                "embedding_capacity": sp.embedding_capacity,
                "load": len(dev),
                "development_group": development_group(problem, loads[p], p),
                "embedding_load": len(emb),
                "schools": ";".join(problem.schools[s].urn for s in supported),
                "leads": ";".join(leads),
                "total_km": display_km(total) if supported else "0.0",
            }
        )
    columns = [
        "id",
        "name",
        "hub",
        "phase",
        "cohort",
        "available",
        "capacity",
        "embedding_capacity",
        "load",
        "development_group",
        "embedding_load",
        "schools",
        "leads",
        "total_km",
    ]
    return pd.DataFrame(rows, columns=columns)


def work_group_table(problem: ProblemData, allocation: Allocation) -> pd.DataFrame:
    rows = []
    members_of = members_by(allocation.school_group, problem.num_groups)
    for g, group in enumerate(problem.work_groups):
        members = members_of[g]
        lead = allocation.group_lead[g]
        runs = bool(members)
        venue = venue_used(problem, g, lead if runs else None)
        lead_trip = lead_km(problem, g, lead) if runs else None
        rows.append(
            {
                "id": group.id,
                "hub": group.hub,
                "phase": group.phase,
                "stage": group.stage,
                "cross_hub": "yes" if group.cross_hub else "no",
                "focus": group.focus or "",
                **focus_cells(problem, group.focus),
                "runs": "yes" if runs else "no",
                "lead": problem.specialists[lead].id if (runs and lead is not None) else "",
                "fixed_lead": "yes" if group.lead_idx is not None else "no",
                "schools": ";".join(problem.schools[s].urn for s in members),
                "size": len(members),
                "min_schools": group.min_schools,
                "max_schools": group.max_schools,
                "venue_postcode": venue.postcode,
                "venue_source": venue.source,
                "lead_km": display_km(lead_trip),
            }
        )
    columns = [
        "id",
        "hub",
        "phase",
        "stage",
        "cross_hub",
        "focus",
        "focus_title",
        "focus_code",
        "runs",
        "lead",
        "fixed_lead",
        "schools",
        "size",
        "min_schools",
        "max_schools",
        "venue_postcode",
        "venue_source",
        "lead_km",
    ]
    return pd.DataFrame(rows, columns=columns)


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("allocator", "ortools", "pandas", "numpy", "pydantic", "geopy", "pyproj"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def summary_dict(
    problem: ProblemData,
    allocation: Allocation,
    result: SearchResult,
    report: CheckReport,
    locations_level: str,
) -> dict[str, Any]:
    counts: dict[str, dict[str, int]] = {}
    for stage in STAGES:
        idx = [s for s, school in enumerate(problem.schools) if school.stage == stage]
        placed = sum(is_placed(problem, allocation, s) for s in idx)
        counts[stage] = {"applied": len(idx), "placed": placed, "unplaced": len(idx) - placed}
    sources = Counter(s.location.source for s in problem.schools)
    gap = result.gap
    return {
        "scenario": problem.name,
        "year": problem.year,
        "status": result.status.value,
        "objective": result.objective,
        "bound": None if result.bound is None else round(result.bound, 6),
        "gap": None if gap is None else round(gap, 9),
        "objective_terms": report.terms,
        "solve_seconds": round(result.solve_seconds, 3),
        "interrupted": result.interrupted,
        "deterministic": result.deterministic,
        "placed": sum(c["placed"] for c in counts.values()),
        "unplaced": sum(c["unplaced"] for c in counts.values()),
        "by_stage": counts,
        "groups_running": sum(1 for g in allocation.group_lead if g is not None),
        "development_pairs": pairs_by_hub(problem, allocation),
        "funding": funding_totals(problem, [is_placed(problem, allocation, s) for s in range(problem.num_schools)]),
        "location_sources": dict(sorted(sources.items())),
        "locations": locations_level,
        "seed": result.seed,
        "workers": result.workers,
        "scenario_sha256": problem.scenario_sha256,
        "versions": package_versions(),
    }


# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise_cell(value: Any) -> Any:
    """Prefix `'` to a text cell a spreadsheet would run as a formula.

    Numbers, and text that is just a number (a negative distance written as "-1.5"),
    are left alone: a spreadsheet reads them as numbers, never as formulas.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        if not _PLAIN_NUMBER.fullmatch(value):
            return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every text cell neutralised (numeric columns untouched)."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        # Only the text cells that start like a formula, found at once (a cell that is
        # not text is NaN to `.str` and so not matched), go through `neutralise_cell`.
        cells = values.astype(object)
        suspect = cells.str.startswith(_FORMULA_START, na=False).to_numpy(dtype=bool)
        if suspect.any():
            cells[suspect] = [neutralise_cell(value) for value in cells[suspect]]
            out[column] = cells
    return out


def _csv(frame: pd.DataFrame, path: Path, raw: bool = False) -> None:
    """Write `frame` as UTF-8 CSV; unless `raw`, text cells that start like a formula
    are prefixed with `'` so a spreadsheet shows them instead of running them."""
    (frame if raw else neutralise(frame)).to_csv(path, index=False, lineterminator="\n")


def write_outputs(
    out_dir: Path,
    tables: dict[str, pd.DataFrame],
    summary: dict[str, Any],
    formats: tuple[str, ...] = ("csv",),
    extra_writers: dict[str, Callable[[Path], None]] | None = None,
    raw_csv: bool = False,
    expected: FolderState | None = None,
) -> list[Path]:
    """Write every output into a staging folder, then put it in place whole.

    An existing `out_dir` is replaced only when allocate wrote it and nothing in it was
    edited since (`allocator.report.outdir`); `expected` is what the check before solving saw.
    CSV text cells that start like a formula (`=`, `+`, `-`, `@`, tab, carriage return)
    get a leading `'` unless `raw_csv`.
    """

    def fill(staging: Path) -> None:
        if "csv" in formats:
            for name, frame in tables.items():
                _csv(frame, staging / f"{name}.csv", raw=raw_csv)
        for fmt, writer in (extra_writers or {}).items():
            if fmt in formats:
                writer(staging)
        (staging / SUMMARY).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")

    return write_folder(Path(out_dir), fill, expected)
