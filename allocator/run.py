"""The whole job, as a library call: eligibility → solve → independent check → tables."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from allocator.check import CheckReport, check_allocation
from allocator.eligibility import Eligibility, compute_eligibility
from allocator.explain import infeasible_message, pin_conflicts
from allocator.problem import ProblemData, SolverSettings
from allocator.report import allocation_table, specialist_table, summary_dict, work_group_table
from allocator.solution import Allocation, Result, SolveStatus
from allocator.solve import Progress, solve


class CheckerFailure(Exception):
    """The independent checker found a broken rule in a computed allocation (a bug)."""

    def __init__(self, violations: list[str]):
        self.violations = violations
        super().__init__("; ".join(violations))


@dataclass
class Solved:
    """A solved scenario: the result, its independent check and its tables."""

    problem: ProblemData
    eligibility: Eligibility
    result: Result
    report: CheckReport | None = None
    conflicts: list[str] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def status(self) -> SolveStatus:
        return self.result.status


def allocate(
    problem: ProblemData,
    settings: SolverSettings | None = None,
    *,
    hint: Allocation | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    locations_level: str = "",
) -> Solved:
    """Solve `problem`, verify the allocation independently and build the output tables.

    Raises
    ------
    CheckerFailure
        When the independent checker disagrees with the solver (a bug; exit code 3).
    """
    started = time.perf_counter()
    elig = compute_eligibility(problem)
    seconds = {"eligibility": time.perf_counter() - started}
    settings = settings or problem.solver
    conflicts = pin_conflicts(problem, elig)
    if conflicts:
        result = Result(SolveStatus.INFEASIBLE, None, None, None, 0.0, seed=settings.seed,
                        workers=settings.workers, deterministic=settings.deterministic)
        return Solved(problem, elig, result, conflicts=conflicts, seconds=seconds)
    result = solve(problem, settings, eligibility=elig, hint=hint, on_progress=on_progress)
    seconds["solve"] = result.solve_seconds
    solved = Solved(problem, elig, result, seconds=seconds)
    if result.status == SolveStatus.INFEASIBLE:
        solved.conflicts = infeasible_message(problem, elig)
        return solved
    if result.allocation is None:
        return solved
    t0 = time.perf_counter()
    report = check_allocation(problem, result.allocation)
    seconds["check"] = time.perf_counter() - t0
    problems = list(report.violations)
    if report.objective != result.objective:
        problems.append(
            f"the checker's objective {report.objective} differs from the solver's {result.objective}"
        )
    if problems:
        raise CheckerFailure(problems)
    solved.report = report
    t0 = time.perf_counter()
    solved.tables = {
        "allocations": allocation_table(problem, elig, result.allocation),
        "specialists": specialist_table(problem, elig, result.allocation),
        "work_groups": work_group_table(problem, result.allocation),
    }
    solved.summary = summary_dict(problem, result.allocation, result, report, locations_level)
    seconds["tables"] = time.perf_counter() - t0
    return solved
