"""The whole job, as a library call: eligibility → search → independent check → tables.

`run` is the one function for it; `allocator.allocate` (the analysts' API) and the
command line call it and get an `allocator.outcome.Outcome` back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import pandas as pd

from allocator.check import check_allocation
from allocator.diagnose.conflicts import conflict_lines, minimal_conflict
from allocator.diagnose.reasons import infeasible_message, pin_conflicts
from allocator.diagnose.recommend import recommend
from allocator.diagnose.shares import best_alternatives, school_shares
from allocator.outcome import Outcome
from allocator.problem.data import ProblemData, SolverSettings
from allocator.problem.eligibility import Eligibility, compute_eligibility
from allocator.report.tables import allocation_table, specialist_table, summary_dict, work_group_table
from allocator.solving.search import Progress, search
from allocator.solving.solution import Allocation, SearchResult, SolveStatus


class CheckerFailure(Exception):
    """The independent checker found a broken rule in a computed allocation (a bug)."""

    def __init__(self, violations: list[str]):
        self.violations = violations
        super().__init__("; ".join(violations))


def run(
    problem: ProblemData,
    settings: SolverSettings | None = None,
    *,
    hint: Allocation | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    locations_level: str = "",
    recommendations: bool = True,
    explain_seconds: float = 20.0,
    on_stage: Callable[[str], None] | None = None,
) -> Outcome:
    """The whole job: eligibility, search, independent check, tables and explanations.

    Parameters
    ----------
    recommendations
        Re-solve what-if variants to recommend, for each unplaced school, the single
        change that places it at the smallest loss (adds a few solves per school).
    explain_seconds
        Time for those what-if solves; schools not reached are marked as not analysed.
    on_stage
        Told, in words, when a long step after the search starts.

    Raises
    ------
    CheckerFailure
        When the independent checker disagrees with the solver (a bug; exit code 3).
    """
    started = time.perf_counter()
    elig = compute_eligibility(problem)
    outcome = Outcome(_no_search(settings or problem.solver), problem, elig)
    outcome.timings["eligibility"] = time.perf_counter() - started
    settings = settings or problem.solver
    conflicts = pin_conflicts(problem, elig)
    if conflicts:  # certain to be infeasible: no need to search
        outcome.conflicts = tuple(_why_infeasible(problem, elig, conflicts))
        return outcome
    outcome.result = search(problem, settings, eligibility=elig, hint=hint, on_progress=on_progress)
    outcome.timings["solve"] = outcome.result.solve_seconds
    if outcome.status == SolveStatus.INFEASIBLE:
        outcome.conflicts = tuple(_why_infeasible(problem, elig, infeasible_message(problem, elig)))
        return outcome
    if outcome.result.allocation is None:
        return outcome
    _verify(outcome)
    _timed(outcome, "tables", lambda: _build_tables(outcome))
    _timed(outcome, "explain", lambda: _add_explanations(outcome, recommendations, explain_seconds, on_stage))
    assert outcome.report is not None and outcome.result.allocation is not None
    outcome.summary_json = summary_dict(
        problem, outcome.result.allocation, outcome.result, outcome.report, locations_level
    )
    outcome.summary_json["seconds"] = {k: round(v, 3) for k, v in outcome.timings.items()}
    return outcome


def _no_search(settings: SolverSettings) -> SearchResult:
    """The record of a search not made (the pins are certain to be infeasible)."""
    return SearchResult(
        SolveStatus.INFEASIBLE,
        None,
        None,
        None,
        0.0,
        seed=settings.seed,
        workers=settings.workers,
        deterministic=settings.deterministic,
    )


def _timed(outcome: Outcome, step: str, work: Callable[[], None]) -> None:
    started = time.perf_counter()
    work()
    outcome.timings[step] = time.perf_counter() - started


def _verify(outcome: Outcome) -> None:
    """The independent checker re-verifies every rule and the objective.

    Raises
    ------
    CheckerFailure
        When it finds a broken rule or another objective.
    """
    assert outcome.result.allocation is not None
    started = time.perf_counter()
    report = check_allocation(outcome.problem, outcome.result.allocation)
    outcome.timings["check"] = time.perf_counter() - started
    problems = list(report.violations)
    if report.objective != outcome.objective:
        problems.append(f"the checker's objective {report.objective} differs from the solver's {outcome.objective}")
    if problems:
        raise CheckerFailure(problems)
    outcome.report = report


def _build_tables(outcome: Outcome) -> None:
    problem, elig, allocation = outcome.problem, outcome.eligibility, outcome.result.allocation
    assert elig is not None and allocation is not None
    outcome.tables = {
        "allocations": allocation_table(problem, elig, allocation),
        "specialists": specialist_table(problem, elig, allocation),
        "work_groups": work_group_table(problem, allocation),
    }


def _why_infeasible(problem: ProblemData, elig: Eligibility, details: list[str]) -> list[str]:
    """A minimal conflicting set in plain sentences, then the specific pin problems."""
    lines = conflict_lines(minimal_conflict(problem, elig))
    specific = [d for d in details if d.startswith("pin ")]
    if specific:
        lines.append("in detail:")
        lines += [f"  - {d}" for d in specific]
    return lines


def _add_explanations(
    outcome: Outcome,
    recommendations: bool,
    explain_seconds: float = 20.0,
    on_stage: Callable[[str], None] | None = None,
) -> None:
    """Objective shares, best alternatives and recommendations as allocation columns."""
    problem, elig, result = outcome.problem, outcome.eligibility, outcome.result
    allocation = result.allocation
    assert elig is not None
    assert allocation is not None and result.objective is not None
    table = outcome.tables["allocations"]
    for s in result.unsolved_schools:
        table.at[s, "reason"] = (
            "Not placed because the search was stopped (Ctrl-C) before the part of "
            "the scenario holding this school was solved; run again to place it."
        )
    shares = school_shares(problem, elig, allocation)
    table["objective_share"] = [share.total for share in shares]
    alternatives = best_alternatives(problem, elig, allocation)
    table["best_alternative"] = [a.description for a in alternatives]
    table["alternative_loss"] = pd.array([a.loss for a in alternatives], dtype="Int64")
    unsolved = set(result.unsolved_schools)
    unplaced = [s for s in range(problem.num_schools) if table.at[s, "status"] == "unplaced" and s not in unsolved]
    texts = [""] * problem.num_schools
    if recommendations and unplaced:
        if on_stage is not None:
            on_stage(
                f"Looking for the change that would place each of the {len(unplaced)} unplaced "
                f"schools (up to {explain_seconds:g} s; --no-recommendations skips this)"
            )
        settings = replace(
            what_if_settings(outcome), deterministic=False, time_limit_s=min(5.0, max(0.5, explain_seconds / 4))
        )
        for rec in recommend(problem, elig, allocation, result.objective, unplaced, settings, budget_s=explain_seconds):
            if rec.kind == "not_analysed":
                texts[rec.school_idx] = (
                    "Not analysed: recommendations stopped (their time, --explain-seconds, ran out, or Ctrl-C)."
                )
            else:
                texts[rec.school_idx] = rec.text or "No single change places it."
    table["recommendation"] = texts


def what_if_settings(outcome: Outcome) -> SolverSettings:
    """Solver settings for what-if re-solves: the run's seed and workers, a short limit."""
    r = outcome.result
    limit = min(10.0, outcome.problem.solver.time_limit_s)
    return SolverSettings(time_limit_s=limit, workers=r.workers, seed=r.seed)
