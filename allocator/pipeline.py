"""The whole job, as a library call: eligibility → search → independent check → tables.

`run` is the one function for it; `allocator.allocate` (the analysts' API) and the
command line call it and get an `allocator.outcome.Outcome` back.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pandas as pd

from allocator.check import check_allocation
from allocator.diagnose.changes import add_changes
from allocator.diagnose.conflicts import conflict_lines, minimal_conflict
from allocator.diagnose.reasons import infeasible_message, pin_conflicts
from allocator.diagnose.recommend import recommend
from allocator.diagnose.shares import best_alternatives, school_shares
from allocator.inputs.limits import EXPLAIN_SECONDS
from allocator.interrupts import held, stop_requested
from allocator.outcome import Outcome
from allocator.problem.data import ProblemData, SolverSettings
from allocator.problem.eligibility import Eligibility, compute_eligibility
from allocator.report.recommendations import recommendation_table, recommendation_text
from allocator.report.tables import allocation_table, specialist_table, summary_dict, work_group_table
from allocator.solving.hint import previous_hint
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
    explain_seconds: float = EXPLAIN_SECONDS,
    on_stage: Callable[[str], None] | None = None,
    on_explain: Callable[[int, int], None] | None = None,
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
    on_explain
        Told (schools analysed, unplaced schools to analyse) about five times a second
        while recommendations are worked out.

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
    if hint is None and problem.previous is not None:  # re-runs start from the previous placements
        hint = previous_hint(problem, elig)
    outcome.result = search(problem, settings, eligibility=elig, hint=hint, on_progress=on_progress)
    with held():  # from here a stop waits (the checker above all: nothing unchecked is written)
        outcome.timings["solve"] = outcome.result.solve_seconds
        if outcome.status != SolveStatus.INFEASIBLE and outcome.result.allocation is not None:
            _verify(outcome)
            _timed(outcome, "tables", lambda: _build_tables(outcome))
    if outcome.status == SolveStatus.INFEASIBLE:
        outcome.conflicts = tuple(_why_infeasible(problem, elig, infeasible_message(problem, elig)))
        return outcome
    if outcome.result.allocation is None:
        return outcome
    cut_short = False

    def explain() -> None:
        nonlocal cut_short
        cut_short = _explain_unless_stopped(outcome, recommendations, explain_seconds, on_stage, on_explain)

    _timed(outcome, "explain", explain)
    with held():
        _finish(outcome, locations_level, cut_short, explain_seconds)
    return outcome


def _finish(outcome: Outcome, locations_level: str, cut_short: bool, explain_seconds: float) -> None:
    """summary.json, then what follows from the allocation without changing it: the
    changes since a previous run and the meetings' hosts and dates."""
    problem = outcome.problem
    assert outcome.report is not None and outcome.result.allocation is not None
    outcome.summary_json = summary_dict(
        problem, outcome.result.allocation, outcome.result, outcome.report, locations_level
    )
    outcome.summary_json["seconds"] = {k: round(v, 3) for k, v in outcome.timings.items()}
    if cut_short:  # stopped after the search: explanations were skipped or cut short
        outcome.summary_json["interrupted"] = True
    if "recommendations" in outcome.tables:
        outcome.summary_json["recommendations"] = _coverage(outcome.tables["recommendations"], explain_seconds)
    if problem.previous is not None:  # re-runs: what changed since the previous run, and why
        add_changes(outcome)
    from allocator.report.calendar import add_schedule  # hosts and dates: after, never changing, the allocation

    add_schedule(outcome)


def _coverage(table: pd.DataFrame, budget: float) -> dict[str, Any]:
    """How many unplaced schools got a recommendation within `--explain-seconds` (no
    time in it: summary.json keeps its timings under `seconds`, so that deterministic
    runs write the same file; `all_at_this_rate_s` gives the estimate)."""
    unplaced = len(table)
    analysed = int((table["kind"] != "not_analysed").sum()) if unplaced else 0
    return {"unplaced": unplaced, "analysed": analysed, "not_analysed": unplaced - analysed, "budget_seconds": budget}


def all_at_this_rate_s(coverage: dict[str, Any], seconds: float) -> int | None:
    """Where some unplaced schools were not analysed: about how long all would take at
    the rate of those analysed in the explain stage's `seconds` (highest priority first,
    two at a time), rounded up to the next 10 s; a floor more than a forecast, as the
    schools analysed first are the quickest. None when all or none were analysed."""
    analysed, unplaced = coverage["analysed"], coverage["unplaced"]
    if not analysed or analysed >= unplaced:
        return None
    return int(math.ceil(seconds / analysed * unplaced / 10.0) * 10)


_NOT_ANALYSED = "Not analysed: recommendations stopped (their time, --explain-seconds, ran out, or Ctrl-C)."


def _explain_unless_stopped(
    outcome: Outcome,
    recommendations: bool,
    explain_seconds: float,
    on_stage: Callable[[str], None] | None,
    on_explain: Callable[[int, int], None] | None = None,
) -> bool:
    """Explanations, skipped (what-if re-solves) once a stop was asked for and cut short
    by Ctrl-C or SIGTERM while they run; the allocation is written either way.
    True when a stop cut them short."""
    cut_short = False
    try:
        _add_explanations(outcome, recommendations and not stop_requested(), explain_seconds, on_stage, on_explain)
    except KeyboardInterrupt:
        cut_short = True
    with held():
        cut_short = cut_short or stop_requested()
        table = outcome.tables["allocations"]
        blank = pd.array([pd.NA] * len(table), dtype="Int64")
        for column, empty in (("objective_share", blank), ("best_alternative", ""), ("alternative_loss", blank)):
            if column not in table.columns:
                table[column] = empty
        if cut_short and recommendations:
            unplaced = table["status"] == "unplaced"
            if "recommendations" not in outcome.tables:  # stopped before any was made
                missing = table.index[unplaced].tolist()
                outcome.tables["recommendations"] = recommendation_table(outcome.problem, [], missing)
            texts = table["recommendation"] if "recommendation" in table.columns else pd.Series("", index=table.index)
            table["recommendation"] = texts.where(~unplaced | (texts != ""), _NOT_ANALYSED)
        elif "recommendation" not in table.columns:
            table["recommendation"] = ""
    return cut_short


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
    explain_seconds: float = EXPLAIN_SECONDS,
    on_stage: Callable[[str], None] | None = None,
    on_explain: Callable[[int, int], None] | None = None,
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
        # A --deterministic run limits the re-solves and closest passes by CP-SAT's
        # deterministic time too: with wall time a busy machine cuts a closest pass
        # sooner, and the same run would say "3 other schools would move" one time and
        # "1" the next. (Which schools are analysed still depends on --explain-seconds.)
        settings = replace(
            what_if_settings(outcome),
            deterministic=outcome.result.deterministic,
            time_limit_s=min(5.0, max(0.5, explain_seconds / 4)),
        )
        totals = [share.total for share in shares]
        recs = recommend(
            problem,
            elig,
            allocation,
            result.objective,
            unplaced,
            settings,
            budget_s=explain_seconds,
            shares=totals,
            on_progress=on_explain,
        )
        for rec in recs:
            texts[rec.school_idx] = recommendation_text(problem, rec)
        outcome.tables["recommendations"] = recommendation_table(problem, recs)
    table["recommendation"] = texts


def what_if_settings(outcome: Outcome) -> SolverSettings:
    """Solver settings for what-if re-solves: the run's seed and workers, a short limit."""
    r = outcome.result
    limit = min(10.0, outcome.problem.solver.time_limit_s)
    return SolverSettings(time_limit_s=limit, workers=r.workers, seed=r.seed)
