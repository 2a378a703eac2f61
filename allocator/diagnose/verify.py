"""`allocate verify`: check an allocations table (perhaps edited by hand) against every rule.

The table is read as a user file (`allocator.inputs.previous.read_allocations`), turned
into an `Allocation` by id, and judged by the independent checker (`allocator.check`),
which also recomputes its objective term by term. Every violation is a plain sentence
on the row(s) it concerns; an id the scenario does not know is itself a violation. The
table does not say who leads each group: the leads are taken from work_groups.csv
beside it where still valid, and otherwise found by a matching over the specialists the
checker allows (a running group nobody may lead is then a broken rule).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.check import check_allocation, lead_problems
from allocator.inputs.limits import LIMITS
from allocator.inputs.previous import AllocationsFile, read_allocations, rows_of_frame
from allocator.problem.data import ProblemData
from allocator.solving.solution import Allocation


@dataclass(frozen=True)
class Violation:
    """One broken rule, on the rows of the table it concerns (none for a whole-table one)."""

    file: str
    rows: tuple[int, ...]
    text: str

    def __str__(self) -> str:
        if not self.rows:
            return f"{self.file}: {self.text}"
        more = f" (also row{'s' if len(self.rows) > 2 else ''} {', '.join(map(str, self.rows[1:]))})"
        return f"{self.file}:{self.rows[0]}: {self.text}" + (more if len(self.rows) > 1 else "")


@dataclass(frozen=True)
class Verification:
    """What `verify` found.

    Attributes
    ----------
    violations
        Every broken rule (empty when the table is valid).
    notes
        Things that are not broken rules (schools without a row, read as unplaced).
    terms, objective
        The table's objective by term, recomputed by the independent checker.
    optimum_terms, optimum, optimum_source
        The optimum's, and where it came from (the folder's summary.json, or a solve).
    """

    file: str
    violations: tuple[Violation, ...]
    notes: tuple[str, ...]
    terms: dict[str, int]
    objective: int
    optimum_terms: dict[str, int] | None = None
    optimum: int | None = None
    optimum_source: str = ""
    allocation: Allocation | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def comparison(self) -> pd.DataFrame:
        """The objective by term: this table beside the optimum, and the difference."""
        names = list(dict.fromkeys([*self.terms, *(self.optimum_terms or {})]))
        rows = []
        for name in names:
            mine = self.terms.get(name, 0)
            best = None if self.optimum_terms is None else self.optimum_terms.get(name, 0)
            rows.append({"term": name, "this_table": mine, "optimum": best})
        rows.append({"term": "objective", "this_table": self.objective, "optimum": self.optimum})
        frame = pd.DataFrame(rows, columns=["term", "this_table", "optimum"])
        frame["optimum"] = frame["optimum"].astype("Int64")
        frame["difference"] = frame["this_table"] - frame["optimum"]
        return frame.set_index("term")

    def lines(self) -> list[str]:
        """What `allocate verify` prints."""
        out = []
        if self.ok:
            out.append(f"Every rule holds in {self.file}.")
        else:
            n = len(self.violations)
            out.append(f"{n} broken rule{'s' if n != 1 else ''} in {self.file}:")
            out += [f"  {v}" for v in self.violations]
        out += [f"  note: {note}" for note in self.notes]
        out.append("")
        out.append(f"{'objective by term':<20} {'this table':>12} {'optimum':>12} {'difference':>12}")
        for term, row in self.comparison.iterrows():
            best = "-" if pd.isna(row["optimum"]) else f"{int(row['optimum']):,}"
            diff = "-" if pd.isna(row["difference"]) else f"{int(row['difference']):+,}"
            out.append(f"{term!s:<20} {int(row['this_table']):>12,} {best:>12} {diff:>12}")
        if self.optimum_source:
            out.append(f"(optimum: {self.optimum_source})")
        return out


def table_allocation(
    problem: ProblemData, table: AllocationsFile, leads: dict[str, str] | None = None
) -> tuple[Allocation, list[Violation], list[str]]:
    """The allocation a table describes, the unknown ids in it, and notes.

    A row whose school is unknown is a violation and is otherwise ignored; an unknown
    specialist or group is a violation and is read as blank. A school without a row is
    read as unplaced (a note).
    """
    school_index = {s.urn.strip(): i for i, s in enumerate(problem.schools)}
    specialist_index = {p.id.strip(): i for i, p in enumerate(problem.specialists)}
    group_index = {g.id.strip(): i for i, g in enumerate(problem.work_groups)}
    school_specialist: list[int | None] = [None] * problem.num_schools
    school_group: list[int | None] = [None] * problem.num_schools
    violations: list[Violation] = []
    seen: set[int] = set()
    for row in table.rows:
        s = school_index.get(row.urn)
        if s is None:
            violations.append(Violation(table.file, (row.row,), f"school {row.urn} is not in the schools table."))
            continue
        seen.add(s)
        if row.specialist is not None:
            school_specialist[s] = specialist_index.get(row.specialist)
            if school_specialist[s] is None:
                text = f"specialist {row.specialist} (school {row.urn}) is not in the specialists table."
                violations.append(Violation(table.file, (row.row,), text))
        if row.group is not None:
            school_group[s] = group_index.get(row.group)
            if school_group[s] is None:
                text = f"work group {row.group} (school {row.urn}) is not in the work groups table."
                violations.append(Violation(table.file, (row.row,), text))
    notes = [
        f"school {school.urn} ({school.name}) has no row: read as unplaced"
        for s, school in enumerate(problem.schools)
        if s not in seen
    ]
    group_lead = choose_leads(problem, school_group, leads or {})
    return Allocation(tuple(school_specialist), tuple(school_group), tuple(group_lead)), violations, notes


def choose_leads(problem: ProblemData, school_group: list[int | None], written: dict[str, str]) -> list[int | None]:
    """A lead for each running group: the one written in work_groups.csv when the checker
    allows it, else one found by a bipartite matching within everyone's `max_groups`."""
    specialist_index = {p.id.strip(): i for i, p in enumerate(problem.specialists)}
    running = sorted({g for g in school_group if g is not None})
    lead: list[int | None] = [None] * problem.num_groups
    used = [0] * problem.num_specialists
    for g in running:
        p = specialist_index.get(written.get(problem.work_groups[g].id, ""))
        if p is not None and not lead_problems(problem, g, p) and used[p] < problem.specialists[p].max_groups:
            lead[g], used[p] = p, used[p] + 1
    candidates = {
        g: [p for p in range(problem.num_specialists) if not lead_problems(problem, g, p)]
        for g in running
        if lead[g] is None
    }
    holders: dict[int, list[int]] = {}  # specialist -> groups they lead in the matching
    for g, p in enumerate(lead):
        if p is not None:
            holders.setdefault(p, []).append(g)

    def augment(g: int, visited: set[int]) -> bool:
        for p in candidates.get(g, []):
            if p in visited:
                continue
            visited.add(p)
            mine = holders.setdefault(p, [])
            if len(mine) < problem.specialists[p].max_groups:
                mine.append(g)
                return True
            for other in list(mine):
                if other in candidates and augment(other, visited):
                    mine.remove(other)
                    mine.append(g)
                    return True
        return False

    for g in candidates:
        augment(g, set())
    for p, groups in holders.items():
        for g in groups:
            lead[g] = p
    return lead


def _written_leads(table: AllocationsFile) -> dict[str, str]:
    """Group id -> lead id from work_groups.csv beside the table (or the workbook's Work
    groups sheet), if there is one."""
    try:
        if table.path.suffix.lower() in (".xlsx", ".xlsm"):
            from allocator.inputs.tables import workbook_within_limits

            if not workbook_within_limits(table.path):
                return {}
            frame = pd.read_excel(table.path, sheet_name="Work groups", dtype=str, keep_default_na=False)
        else:
            path = table.path.parent / "work_groups.csv"
            if table.path.suffix.lower() != ".csv" or not path.is_file() or path.stat().st_size > LIMITS.bytes:
                return {}
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception:  # noqa: BLE001 - no readable leads: they are found by matching
        return {}
    if "id" not in frame.columns or "lead" not in frame.columns:
        return {}
    return {str(i).strip(): str(v).strip() for i, v in zip(frame["id"], frame["lead"], strict=True) if str(v).strip()}


def _with_rows_and_names(problem: ProblemData, table: AllocationsFile, sentence: str) -> Violation:
    """A checker sentence on the rows it concerns, with names beside ids.

    The rows are those of the schools it names; a sentence naming no school (a group's
    size) is on the rows of the group's or specialist's schools.
    """
    row_of = {row.urn: row.row for row in table.rows}
    schools = {s.urn: s.name for s in problem.schools}
    specialists = {p.id: p.name for p in problem.specialists}
    tokens = [t.rstrip(".") for t in re.findall(r"[^\s,;:()]+", sentence)]
    rows = tuple(dict.fromkeys(row_of[t] for t in tokens if t in row_of))
    if not rows:
        named = re.search(r"\b(work group|specialist) ([^\s,;:()]+?)(?=[\s,;:().]|$)", sentence)
        if named is not None:
            ident = named.group(2)
            rows = tuple(
                row.row
                for row in table.rows
                if ident == (row.group if named.group(1) == "work group" else row.specialist)
            )

    def name(match: re.Match[str]) -> str:
        kind, ident = match.group(1), match.group(2)
        known = schools.get(ident) if kind == "school" else specialists.get(ident)
        return f"{kind} {ident} ({known})" if known else match.group(0)

    text = re.sub(r"\b(school|specialist) ([^\s,;:()]+?)(?=[\s,;:().]|$)", name, sentence)
    return Violation(table.file, rows, text)


def _folder_optimum(table: AllocationsFile, problem: ProblemData) -> tuple[dict[str, int], int] | None:
    """The optimum recorded in the folder's summary.json, when it is of this very scenario."""
    path = table.path.parent / "summary.json"
    if not path.is_file() or not problem.scenario_sha256:
        return None
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = summary.get("scenario_sha256") == problem.scenario_sha256 and summary.get("status") == "OPTIMAL"
    has_keep = "keep" in (summary.get("objective_terms") or {})
    if not same or has_keep != (problem.previous is not None):
        return None
    return dict(summary.get("objective_terms") or {}), int(summary["objective"])


def verify_table(
    problem: ProblemData,
    table: AllocationsFile,
    *,
    optimum: tuple[dict[str, int], int, str] | None = None,
    solve_optimum: bool = True,
    time_limit_s: float | None = None,
) -> Verification:
    """Check `table` against every rule of `problem` and compare its objective with the optimum.

    Parameters
    ----------
    optimum
        (terms, objective, where from) when known; else the folder's summary.json is
        used when it is of this scenario and OPTIMAL, else the scenario is solved
        (unless `solve_optimum` is False).
    """
    allocation, violations, notes = table_allocation(problem, table, _written_leads(table))
    report = check_allocation(problem, allocation)
    violations += [_with_rows_and_names(problem, table, v) for v in report.violations]
    if optimum is None:
        recorded = _folder_optimum(table, problem)
        if recorded is not None:
            optimum = (*recorded, f"from {table.path.parent / 'summary.json'}")
        elif solve_optimum:
            optimum = _solve(problem, time_limit_s)
    return Verification(
        table.file,
        tuple(violations),
        tuple(notes),
        dict(report.terms),
        report.objective,
        None if optimum is None else optimum[0],
        None if optimum is None else optimum[1],
        "" if optimum is None else optimum[2],
        allocation,
    )


def _solve(problem: ProblemData, time_limit_s: float | None) -> tuple[dict[str, int], int, str] | None:
    from dataclasses import replace

    from allocator.pipeline import run

    settings = problem.solver if time_limit_s is None else replace(problem.solver, time_limit_s=time_limit_s)
    solved = run(problem, settings, recommendations=False)
    if solved.report is None or solved.result.objective is None:
        return None
    return dict(solved.report.terms), solved.result.objective, f"solved now, {solved.status.value}"


def verify(
    scenario: Any,
    allocations: str | Path | pd.DataFrame | Any,
    *,
    optimum: Any = None,
    time_limit_s: float | None = None,
    locations: str | None = None,
) -> Verification:
    """Check an allocation against every rule of a scenario (the analysts' `allocate verify`).

    Parameters
    ----------
    scenario
        A `Scenario`, a `ProblemData`, or the path of a scenario file.
    allocations
        An output folder, allocations.csv, allocation.xlsx, a DataFrame shaped like
        allocations.csv (rows numbered as a spreadsheet would show them), or an
        `Outcome`.
    optimum
        An `Outcome` of the optimum, if at hand; else the scenario is solved.
    time_limit_s
        For that solve.
    locations
        Postcode lookup level when `scenario` is a path.

    Raises
    ------
    allocator.InputError
        When the scenario or the table cannot be read.
    """
    problem = _problem_of(scenario, locations)
    if isinstance(allocations, str | Path):
        table = read_allocations(allocations)
    else:
        frame = allocations if isinstance(allocations, pd.DataFrame) else allocations.allocations
        table = rows_of_frame(frame, "allocations")
    known = None
    if optimum is not None and getattr(optimum, "objective", None) is not None:
        terms = dict(optimum.summary_json.get("objective_terms") or {})
        known = (terms, int(optimum.objective), f"{optimum.status} outcome given")
    return verify_table(problem, table, optimum=known, time_limit_s=time_limit_s)


def _problem_of(scenario: Any, locations: str | None) -> ProblemData:
    if isinstance(scenario, ProblemData):
        return scenario
    if isinstance(scenario, str | Path):
        from allocator.inputs.load import load
        from allocator.inputs.previous import with_previous

        return with_previous(load(scenario, locations=locations), None).problem
    return scenario.problem
