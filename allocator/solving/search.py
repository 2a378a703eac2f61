"""search(problem) -> SearchResult: the only place that talks to CpSolver.

Each independent part is searched first by a single thread without presolve, which
on these assignment models usually proves the optimum far faster than CP-SAT's
parallel portfolio (measured in BENCHMARKS.md); only a part it cannot prove within a
short limit goes on to the portfolio, starting from its best allocation.

Deterministic mode. A single thread is repeatable for the same model, seed and
OR-Tools version when stopped by deterministic time, so a part the quick search
proves is done. The portfolio is not repeatable (and CP-SAT's repeatable interleaved
mode costs 30-60 times more on the demo), so when the portfolio proves the optimum a
single-thread search finds the canonical allocation with exactly that objective;
when it does not, a single thread continues from the quick search's best.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from allocator.interrupts import held, released, stop_requested
from allocator.model import AllocationModel
from allocator.problem.data import ProblemData, SolverSettings
from allocator.problem.eligibility import Eligibility, compute_eligibility
from allocator.solving.components import Component, components
from allocator.solving.solution import Allocation, SearchResult, SolveStatus

_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.UNKNOWN: SolveStatus.UNKNOWN,
    cp_model.MODEL_INVALID: SolveStatus.MODEL_INVALID,
}


@dataclass(frozen=True)
class Progress:
    """What the search has reached so far (for live progress displays)."""

    elapsed_s: float
    solutions: int
    objective: float | None
    bound: float | None

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return max(0.0, (self.bound - self.objective) / max(1.0, abs(self.objective)))


class _Watcher(cp_model.CpSolverSolutionCallback):
    def __init__(self) -> None:
        super().__init__()
        self.solutions = 0
        self.objective: float | None = None
        self.bound: float | None = None
        self.lock = threading.Lock()

    def on_solution_callback(self) -> None:
        with self.lock:
            self.solutions += 1
            self.objective = self.objective_value
            self.bound = self.best_objective_bound

    def on_bound(self, bound: float) -> None:
        """CP-SAT's bound improved (called between solutions too)."""
        with self.lock:
            self.bound = bound


def solver_parameters(settings: SolverSettings) -> dict[str, object]:
    """CP-SAT parameters of the main search.

    In deterministic mode the limit counts CP-SAT's deterministic time, so where the
    search stops does not depend on the machine's speed or load.
    """
    params: dict[str, object] = {
        "num_workers": settings.workers,
        "random_seed": settings.seed,
        "catch_sigint_signal": False,  # we stop the search ourselves and keep the best found
    }
    if settings.deterministic:
        params["max_deterministic_time"] = settings.time_limit_s
    else:
        params["max_time_in_seconds"] = settings.time_limit_s
    return params


def _single_thread(settings: SolverSettings) -> dict[str, object]:
    """A single search thread: repeatable for the same model, seed and OR-Tools version."""
    return {
        "num_workers": 1,
        "random_seed": settings.seed,
        "catch_sigint_signal": False,
        "max_deterministic_time": settings.time_limit_s,
    }


@dataclass
class _CpSat:
    status: SolveStatus
    solver: cp_model.CpSolver
    interrupted: bool
    seconds: float


# Searches under way, so that none outlives the process: a CP-SAT thread still running
# at exit aborts it ("terminate called without an active exception"), which can happen
# when a stop ends the run while a recommendation's search runs in another thread.
_RUNNING: dict[threading.Thread, cp_model.CpSolver] = {}
# In a thread searching parts side by side (`_search_parts_side_by_side`): the event the
# calling thread sets on Ctrl-C or SIGTERM, which only it receives.
_PARTS_THREAD = threading.local()


@atexit.register
def _stop_running_searches() -> None:
    for worker, solver in list(_RUNNING.items()):
        solver.stop_search()
        worker.join(timeout=30)


def _run_cp_sat(
    model: cp_model.CpModel,
    params: dict[str, object],
    watcher: _Watcher | None,
    report: Callable[[], None] | None,
    progress_every_s: float,
) -> _CpSat:
    """Run CP-SAT in a worker thread so that Ctrl-C (KeyboardInterrupt in this thread)
    stops the search and keeps the best allocation found, and progress can be shown.

    With no `watcher` CP-SAT calls no Python code while it searches: each solution or
    bound callback holds the search until it gets the interpreter, which another thread
    building a model holds for milliseconds at a time (recommendations' two threads:
    6.5-6.8 s instead of 7.1-8.6 s at national scale)."""
    solver = cp_model.CpSolver()
    for name, value in params.items():
        setattr(solver.parameters, name, value)
    if watcher is not None and hasattr(solver, "best_bound_callback"):
        solver.best_bound_callback = watcher.on_bound
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["status"] = solver.solve(model, watcher)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            outcome["error"] = exc

    began = time.perf_counter()
    stop: threading.Event | None = getattr(_PARTS_THREAD, "stop", None)
    if stop_requested() or (stop is not None and stop.is_set()):  # a stop arrived while the model was built
        return _CpSat(SolveStatus.UNKNOWN, solver, True, 0.0)
    worker = threading.Thread(target=run, name="cp-sat", daemon=True)
    interrupted = False
    _RUNNING[worker] = solver
    worker.start()
    try:
        with released():  # only here may Ctrl-C raise: the search stops, the best is kept
            while worker.is_alive():
                worker.join(progress_every_s if stop is None else min(progress_every_s, 0.05))
                if stop is not None and stop.is_set():
                    raise KeyboardInterrupt  # the calling thread was stopped
                if report is not None and worker.is_alive():
                    report()
    except KeyboardInterrupt:
        interrupted = True
        solver.stop_search()
        worker.join()
    finally:
        if not worker.is_alive():
            _RUNNING.pop(worker, None)
    if "error" in outcome:
        raise outcome["error"]
    status = _STATUS[outcome["status"]] if outcome.get("status") in _STATUS else SolveStatus.UNKNOWN
    return _CpSat(status, solver, interrupted, time.perf_counter() - began)


def search(
    problem: ProblemData,
    settings: SolverSettings | None = None,
    *,
    eligibility: Eligibility | None = None,
    hint: Allocation | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    progress_every_s: float = 0.5,
    require_placed: tuple[int, ...] = (),
    decompose: bool = True,
    only_parts_with: tuple[int, ...] = (),
    parts: list[Component] | None = None,
    closest_to: Allocation | None = None,
    watch: bool = True,
    prefer_placed: tuple[int, ...] = (),
    avoid_placing: tuple[int, ...] = (),
) -> SearchResult:
    """Find the best allocation of `problem` (SPEC rules and objective).

    Parameters
    ----------
    problem
        The validated scenario.
    settings
        Solver settings; default: the scenario's.
    eligibility
        Precomputed eligibility (computed here when None).
    hint
        An allocation to start the search from.
    require_placed
        Schools that must be placed (for what-if explanations).
    decompose
        Solve the independent parts of the problem (`allocator.solving.components`) one after
        another instead of one model of everything.
    only_parts_with
        Solve only the parts holding these schools (the result's objective and
        allocation then cover those parts alone; for what-if explanations).
    parts
        Solve exactly these parts (already computed by the caller); as with
        `only_parts_with`, the result covers them alone.
    closest_to
        Among a part's optimal allocations, return the one that changes fewest schools'
        placements from this one (the required schools' own aside): one more
        single-thread pass with the objective fixed (for recommendations' side effects).
    on_progress
        Called from the calling thread about every `progress_every_s` seconds while the
        search runs, and once at the end.
    watch
        False: CP-SAT reports no solutions or bounds while it searches (`_run_cp_sat`),
        for searches whose progress nobody reads (recommendations' re-solves): the
        result's `num_solutions` is then 0.
    prefer_placed
        Among the optima, find one placing as many of these schools as possible (for
        recommendations: which unplaced schools an optimum can place). The result's
        objective is then the SPEC objective times `len(prefer_placed) + 1` plus the
        number of them placed (`AllocationModel.prefer_placed`).
    avoid_placing
        The same for as few of these placed as possible: each one placed counts -1.

    Returns
    -------
    SearchResult
        A status, never an exception: OPTIMAL/FEASIBLE carry an allocation. Ctrl-C
        (KeyboardInterrupt) stops the search and keeps the best allocation found
        (`interrupted` is then True).

    See the module's docstring for how the parts are searched.
    """
    settings = settings or problem.solver
    eligibility = eligibility if eligibility is not None else compute_eligibility(problem)
    run = _Run(problem, settings, time.perf_counter(), watch)
    plan = _plan(problem, eligibility, require_placed, decompose, only_parts_with, parts)
    if plan.required - plan.covered:  # a school that must be placed has no allowed pair at all
        return run.result(SolveStatus.INFEASIBLE)
    wanted = _Wanted(require_placed, prefer_placed, avoid_placing)
    if settings.workers > 1 and len(plan.parts) > 1 and PART_THREADS > 1 and closest_to is None:
        return _search_parts_side_by_side(problem, settings, plan, run, hint, wanted, on_progress)
    return _search_parts(problem, settings, plan, run, hint, wanted, on_progress, progress_every_s, closest_to)


@dataclass(frozen=True)
class _Wanted:
    """Schools a search must place, and schools it should place (or leave out) where an
    optimum can."""

    required: tuple[int, ...] = ()
    preferred: tuple[int, ...] = ()
    avoided: tuple[int, ...] = ()


def _search_parts(
    problem: ProblemData,
    settings: SolverSettings,
    plan: _Plan,
    run: _Run,
    hint: Allocation | None,
    wanted: _Wanted,
    on_progress: Callable[[Progress], None] | None,
    progress_every_s: float,
    closest_to: Allocation | None = None,
) -> SearchResult:
    """Search the plan's parts one after another and merge their allocations."""
    run.tracker = _Tracker(run.start, [_upper_bound(problem, part) for part in plan.parts], run.tracker.watch)
    total_size = sum(part.size for part in plan.parts) or 1
    for n, part in enumerate(plan.parts):
        needed = bool(plan.required & set(part.schools))
        if run.interrupted:
            if (ended := run.take(n, part, None, needed)) is not None:
                return ended
            continue
        limit = _part_limit(settings, part, total_size, run.start)
        # Held: a stop while a model is built or a solution read is remembered, and the
        # next wait for CP-SAT acts on it, so a found allocation is never dropped.
        with held():
            found = None
            if closest_to is not None and not (wanted.preferred or wanted.avoided):
                found = _closest_at_once(problem, part, replace(settings, time_limit_s=limit), hint, wanted, closest_to)
            outcome = found or _solve_part(
                problem,
                part,
                replace(settings, time_limit_s=limit),
                hint,
                wanted,
                run.tracker,
                on_progress,
                progress_every_s,
            )
            if (
                found is None
                and closest_to is not None
                and outcome.status == SolveStatus.OPTIMAL
                and not outcome.interrupted
            ):
                outcome = _closest(problem, part, settings, outcome, closest_to, wanted.required)
        run.interrupted = outcome.interrupted
        if (ended := run.take(n, part, outcome, needed)) is not None:
            return ended
    if on_progress is not None:
        on_progress(run.tracker.progress())
    return run.final(len(plan.parts))


def _search_parts_side_by_side(
    problem: ProblemData,
    settings: SolverSettings,
    plan: _Plan,
    run: _Run,
    hint: Allocation | None,
    wanted: _Wanted,
    on_progress: Callable[[Progress], None] | None,
) -> SearchResult:
    """Search the plan's parts in `PART_THREADS` threads, largest first, and merge their
    allocations as `_search_parts` does. CP-SAT releases the interpreter while it
    searches, so one thread's search runs while the other builds its next model.
    Ctrl-C or SIGTERM (raised in this thread only) stops every search under way; each
    keeps its best allocation, and parts not started are skipped."""
    run.tracker = _Tracker(run.start, [_upper_bound(problem, part) for part in plan.parts], run.tracker.watch)
    total_size = sum(part.size for part in plan.parts) or 1
    outcomes: dict[int, _PartOutcome] = {}
    errors: list[BaseException] = []
    queue, lock, stop = iter(list(enumerate(plan.parts))), threading.Lock(), threading.Event()

    def work() -> None:
        _PARTS_THREAD.stop = stop
        while not stop.is_set():
            with lock:
                item = next(queue, None)
            if item is None:
                return
            n, part = item
            try:
                limit = _part_limit(settings, part, total_size, run.start)
                one = _Tracker(run.start, [run.tracker.bounds[n]], run.tracker.watch)
                outcome = _solve_part(
                    problem, part, replace(settings, time_limit_s=limit), hint, wanted, one, None, 1.0
                )
                with lock:
                    run.tracker.solutions += one.solutions + one.watcher.solutions
                    outcomes[n] = outcome
            except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
                errors.append(exc)
                stop.set()

    threads = [threading.Thread(target=work, name=f"parts-{n}", daemon=True) for n in range(PART_THREADS)]
    for thread in threads:
        thread.start()
    run.interrupted = _wait_for_parts(threads, stop, run, outcomes, on_progress)
    if errors:
        raise errors[0]
    return _merge_parts(run, plan, outcomes)


def _wait_for_parts(
    threads: list[threading.Thread],
    stop: threading.Event,
    run: _Run,
    outcomes: dict[int, _PartOutcome],
    on_progress: Callable[[Progress], None] | None,
) -> bool:
    """Wait for the part threads, reporting progress; True when a stop ended them."""
    try:
        with released():
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.5)
                    if on_progress is not None:
                        on_progress(_side_by_side_progress(run, dict(outcomes)))
    except KeyboardInterrupt:
        stop.set()
        for thread in threads:
            thread.join()
        return True
    return False


def _side_by_side_progress(run: _Run, outcomes: dict[int, _PartOutcome]) -> Progress:
    """Finished parts' objectives; their bounds plus the trivial bounds of the others."""
    objective = sum(outcome.objective for outcome in outcomes.values()) if outcomes else None
    bound = sum(outcomes[n].bound if n in outcomes else b for n, b in enumerate(run.tracker.bounds))
    return Progress(time.perf_counter() - run.start, run.tracker.solutions, objective, bound)


def _merge_parts(run: _Run, plan: _Plan, outcomes: dict[int, _PartOutcome]) -> SearchResult:
    """The parts' outcomes in order, as `_search_parts` takes them one by one."""
    for n, part in enumerate(plan.parts):
        if (ended := run.take(n, part, outcomes.get(n), bool(plan.required & set(part.schools)))) is not None:
            return ended
    return run.final(len(plan.parts))


@dataclass
class _Plan:
    """The parts to search, the schools they cover and the schools that must be placed."""

    parts: list[Component]
    covered: set[int]
    required: set[int]


def _plan(
    problem: ProblemData,
    eligibility: Eligibility,
    require_placed: tuple[int, ...],
    decompose: bool,
    only_parts_with: tuple[int, ...],
    parts: list[Component] | None,
) -> _Plan:
    """Which parts `search` solves (see its parameters) and which schools must be placed."""
    given_parts = parts is not None
    if parts is not None:
        parts = list(parts)
    elif decompose:
        parts = components(problem, eligibility)
    else:
        parts = [Component(list(range(problem.num_schools)), list(range(problem.num_groups)), eligibility)]
    covered = {s for part in parts for s in part.schools}
    required = set(require_placed) | {pin.school_idx for pin in problem.pins}
    if given_parts:
        required &= covered | set(require_placed)
    if only_parts_with:
        wanted = set(only_parts_with)
        parts = [part for part in parts if wanted & set(part.schools)]
        required &= {s for part in parts for s in part.schools} | (required - covered)
    return _Plan(parts, covered, required)


def _part_limit(settings: SolverSettings, part: Component, total_size: int, start: float) -> float:
    """A part's time limit: in deterministic mode a share fixed by sizes alone, else what is left."""
    if settings.deterministic:
        return settings.time_limit_s * part.size / total_size
    return max(0.01, settings.time_limit_s - (time.perf_counter() - start))


class _Run:
    """The search over the parts so far: their allocations merged, statuses, what was skipped."""

    def __init__(self, problem: ProblemData, settings: SolverSettings, start: float, watch: bool = True):
        self.settings = settings
        self.start = start
        self.tracker = _Tracker(start, [], watch)  # its `watch`: CP-SAT reports solutions and bounds
        self.school_specialist: list[int | None] = [None] * problem.num_schools
        self.school_group: list[int | None] = [None] * problem.num_schools
        self.group_lead: list[int | None] = [None] * problem.num_groups
        self.statuses: list[SolveStatus] = []
        self.unsolved: list[int] = []
        self.interrupted = False

    def result(
        self,
        status: SolveStatus,
        allocation: Allocation | None = None,
        objective: float | None = None,
        bound: float | None = None,
        interrupted: bool = False,
        solutions: int = 0,
    ) -> SearchResult:
        settings = self.settings
        return SearchResult(
            status=status,
            allocation=allocation,
            objective=None if objective is None else int(round(objective)),
            bound=None if bound is None else float(bound),
            solve_seconds=time.perf_counter() - self.start,
            interrupted=interrupted,
            deterministic=settings.deterministic,
            seed=settings.seed,
            workers=settings.workers,
            num_solutions=solutions,
            unsolved_schools=tuple(sorted(self.unsolved)),
        )

    def take(self, n: int, part: Component, outcome: _PartOutcome | None, needed: bool) -> SearchResult | None:
        """A part's outcome (None: never searched, after a stop) into the run; the
        result when it ends the search: a part with required schools not searched or not
        solved, or an infeasible part."""
        if outcome is None:
            if needed:
                return self.result(SolveStatus.UNKNOWN, interrupted=True)
            self.skip(n, part)
            return None
        if outcome.status == SolveStatus.INFEASIBLE:
            return self.result(SolveStatus.INFEASIBLE, solutions=self.tracker.solutions)
        if not outcome.status.has_allocation or outcome.allocation is None:
            if not (self.interrupted and not needed):
                return self.result(outcome.status, interrupted=self.interrupted, solutions=self.tracker.solutions)
            self.skip(n, part)  # stopped before this part's first solution: placing nobody in it is valid
            return None
        self.keep(n, part, outcome)
        return None

    def skip(self, n: int, part: Component) -> None:
        """A part never searched (Ctrl-C): nobody placed in it, its trivial bound."""
        self.tracker.finish(0.0, self.tracker.bounds[n])
        self.statuses.append(SolveStatus.FEASIBLE)
        self.unsolved.extend(part.schools)

    def keep(self, n: int, part: Component, outcome: _PartOutcome) -> None:
        """A part's allocation joins the others'."""
        assert outcome.allocation is not None
        self.statuses.append(outcome.status)
        self.tracker.finish(outcome.objective, min(outcome.bound, self.tracker.bounds[n]))
        for s in part.schools:
            self.school_specialist[s] = outcome.allocation.school_specialist[s]
            self.school_group[s] = outcome.allocation.school_group[s]
        for g in part.groups:
            self.group_lead[g] = outcome.allocation.group_lead[g]

    def final(self, num_parts: int) -> SearchResult:
        """Every part searched (or skipped): the merged allocation."""
        optimal = all(s == SolveStatus.OPTIMAL for s in self.statuses)
        status = SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE
        if self.interrupted and status == SolveStatus.OPTIMAL and len(self.statuses) < num_parts:
            status = SolveStatus.FEASIBLE
        tracker = self.tracker
        return self.result(
            status,
            Allocation(tuple(self.school_specialist), tuple(self.school_group), tuple(self.group_lead)),
            tracker.done_objective,
            tracker.done_bound if status != SolveStatus.OPTIMAL else tracker.done_objective,
            self.interrupted,
            tracker.solutions,
        )


def _upper_bound(problem: ProblemData, part: Component) -> float:
    """A trivial bound on a part's objective: every school placed at its best pair values."""
    elig = part.eligibility
    schools = np.asarray(part.schools, dtype=np.int64)
    best = elig.school_value[schools].astype(np.int64)
    position = np.full(problem.num_schools, -1, dtype=np.int64)
    position[schools] = np.arange(len(schools))
    for values, pairs in (
        (elig.specialist_pair_value, elig.specialist_pairs),
        (elig.group_pair_value, elig.group_pairs),
    ):
        if not len(pairs):
            continue
        top = np.full(len(schools), np.iinfo(np.int64).min, dtype=np.int64)
        at = position[pairs[:, 0]]
        np.maximum.at(top, at[at >= 0], values[at >= 0])
        best += np.where(top > 0, top, 0)
    for s, _, _ in elig.keep_targets:  # re-runs: a school placed as before earns `keep`
        if position[s] >= 0:
            best[position[s]] += elig.keep_value
    return float(np.maximum(best, 0).sum())


class _Tracker:
    """Progress over the parts: finished parts' totals plus the part being searched."""

    def __init__(self, start: float, bounds: list[float], watch: bool = True):
        self.start = start
        self.watch = watch  # else CP-SAT gets no watcher (`_run_cp_sat`)
        self.bounds = bounds
        self.done_objective = 0.0
        self.done_bound = 0.0
        self.finished = 0
        self.solutions = 0
        self.watcher = _Watcher()

    def new_watcher(self) -> _Watcher | None:
        self.solutions += self.watcher.solutions
        self.watcher = _Watcher()
        return self.watcher if self.watch else None

    def finish(self, objective: float, bound: float) -> None:
        """A part is done: its totals move from the watcher to the finished sums."""
        self.done_objective += objective
        self.done_bound += bound
        self.finished += 1
        self.new_watcher()

    def progress(self) -> Progress:
        with self.watcher.lock:
            current_obj, current_bound = self.watcher.objective, self.watcher.bound
            solutions = self.solutions + self.watcher.solutions
        if self.finished == 0 and current_obj is None:
            objective = None
        else:
            objective = self.done_objective + (current_obj or 0.0)
        if self.finished < len(self.bounds):
            head = self.bounds[self.finished]
            if current_bound is not None:
                head = min(head, current_bound)  # CP-SAT's bound may start weaker than ours
            bound = self.done_bound + head + sum(self.bounds[self.finished + 1 :])
        else:
            bound = self.done_bound
        return Progress(time.perf_counter() - self.start, solutions, objective, bound)


@dataclass
class _PartOutcome:
    status: SolveStatus
    allocation: Allocation | None
    objective: float
    bound: float
    interrupted: bool


def _solve_part(
    problem: ProblemData,
    part: Component,
    settings: SolverSettings,
    hint: Allocation | None,
    wanted: _Wanted,
    tracker: _Tracker,
    on_progress: Callable[[Progress], None] | None,
    progress_every_s: float,
) -> _PartOutcome:
    """One independent part: a quick single-thread search, then if needed CP-SAT's
    portfolio, then (deterministic mode) a repeatable single-thread pass."""

    def build() -> AllocationModel:
        built = AllocationModel(problem, part.eligibility, part.schools, part.groups, part.halves)
        built.require_placed(wanted.required)
        if wanted.preferred or wanted.avoided:
            built.prefer_placed(wanted.preferred, wanted.avoided)
        return built

    def report() -> None:
        if on_progress is not None:
            on_progress(tracker.progress())

    def run(built: AllocationModel, params: dict[str, object]) -> _CpSat:
        return _run_cp_sat(built.model, params, tracker.new_watcher(), report, progress_every_s)

    # 1. A quick single-thread search without presolve: on these models it usually proves
    #    the optimum in a fraction of the portfolio's time (presolve and probing dominate
    #    the portfolio on small parts), and a single thread is repeatable.
    model = build()
    first, first_allocation, spent = _quick_search(model, run, settings, hint)
    if first.status in (SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE) or first.interrupted:
        return _outcome(first, first_allocation)
    # 2. CP-SAT's parallel portfolio for the rest of the time, from the quick search's best.
    remaining = settings.time_limit_s - spent
    rest = replace(settings, time_limit_s=max(0.01, remaining))
    portfolio = build()
    start_from = first_allocation if first_allocation is not None else hint
    if start_from is not None:
        portfolio.add_hint(start_from)
    main = run(portfolio, solver_parameters(rest))
    if not main.status.has_allocation and main.status != SolveStatus.INFEASIBLE:
        return _outcome(first, first_allocation, interrupted=main.interrupted)
    if not settings.deterministic or main.interrupted or main.status == SolveStatus.INFEASIBLE:
        return _outcome(main, portfolio.read(main.solver) if main.status.has_allocation else None)
    # 3. Deterministic mode: the portfolio is not repeatable. With the optimum proven, a
    #    single thread finds the canonical allocation of exactly that objective; without
    #    it, a single thread continues from the quick search's (repeatable) best.
    if main.status == SolveStatus.OPTIMAL:
        optimum = int(round(main.solver.objective_value))
        canonical = build()
        canonical.fix_objective(optimum)
        watcher = _Watcher() if tracker.watch else None
        second = _run_cp_sat(canonical.model, _single_thread(settings), watcher, None, progress_every_s)
        if second.status.has_allocation:
            allocation = canonical.read(second.solver)
            return _PartOutcome(SolveStatus.OPTIMAL, allocation, float(optimum), float(optimum), second.interrupted)
        return _outcome(main, portfolio.read(main.solver))
    single = build()
    if first_allocation is not None:
        single.add_hint(first_allocation)
    second = run(single, _single_thread(rest))
    if not second.status.has_allocation:
        return _outcome(first, first_allocation, interrupted=second.interrupted)
    return _outcome(second, single.read(second.solver))


def _quick_search(
    model: AllocationModel,
    run: Callable[[AllocationModel, dict[str, object]], _CpSat],
    settings: SolverSettings,
    hint: Allocation | None,
) -> tuple[_CpSat, Allocation | None, float]:
    """The quick single-thread searches of one part, each from the best found so far:
    their last search, its allocation, and the time they took (in deterministic mode the
    time they were allowed, so that what follows is repeatable).

    A part that prices lone departments gets two: without presolve, then with it, for
    the rare part that only the presolved search proves in time (BENCHMARKS.md).
    """
    pairs = bool(model.vars.lone)
    # With one worker the portfolio would be one more single thread: these get it all.
    share = 1.0 if settings.workers <= 1 else QUICK_SHARE
    total = min(QUICK_PAIRS_LIMIT_S if pairs else QUICK_LIMIT_S, share * settings.time_limit_s)
    limits = [PAIRS_FIRST_SHARE * total, (1 - PAIRS_FIRST_SHARE) * total] if pairs else [total]
    start, allocation, found, spent = hint, None, None, 0.0
    for n, limit in enumerate(limits):
        if start is not None:
            model.model.clear_hints()
            model.add_hint(start)
        found = run(model, _quick(settings, limit, pairs=pairs, presolve=n > 0))
        spent += limit if settings.deterministic else found.seconds
        if found.status.has_allocation:
            allocation = start = model.read(found.solver)
        if found.status in (SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE) or found.interrupted:
            break
    assert found is not None
    return found, allocation, spent


def _closest_at_once(
    problem: ProblemData,
    part: Component,
    settings: SolverSettings,
    hint: Allocation | None,
    wanted: _Wanted,
    closest_to: Allocation,
) -> _PartOutcome | None:
    """The part's optimum and, among its optima, the one closest to `closest_to`, by one
    search (`AllocationModel.closest_optimum` without a value); None when that search
    proves nothing within `CLOSEST_AT_ONCE_S` (then a search and a closest pass do)."""
    model = AllocationModel(problem, part.eligibility, part.schools, part.groups, part.halves)
    model.require_placed(wanted.required)
    indices, coefficients = model.closest_optimum(None, closest_to, wanted.required)
    if hint is not None:
        model.add_hint(hint)
    limit = min(CLOSEST_AT_ONCE_S, settings.time_limit_s)
    found = _run_cp_sat(model.model, _quick(settings, limit, pairs=bool(model.vars.lone)), None, None, 1.0)
    if found.interrupted:  # a stop: the part is left unsolved, as a search cut short leaves it
        return _PartOutcome(SolveStatus.UNKNOWN, None, 0.0, 0.0, True)
    if found.status == SolveStatus.INFEASIBLE:
        return _PartOutcome(SolveStatus.INFEASIBLE, None, 0.0, 0.0, False)
    if found.status != SolveStatus.OPTIMAL:
        return None
    solution = found.solver.response_proto.solution
    value = float(sum(c * solution[i] for i, c in zip(indices, coefficients, strict=True)))
    return _PartOutcome(SolveStatus.OPTIMAL, model.read(found.solver), value, value, False)


def _closest(
    problem: ProblemData,
    part: Component,
    settings: SolverSettings,
    found: _PartOutcome,
    closest_to: Allocation,
    require_placed: tuple[int, ...],
    brief: bool = False,
) -> _PartOutcome:
    """The part's optimum that changes fewest placements from `closest_to` (same
    objective), found within `CLOSEST_LIMIT_S` (`brief`: `CLOSEST_FIRST_S`)."""
    assert found.allocation is not None
    if not _changed(part, found.allocation, closest_to, require_placed):
        return found  # it changes nobody else: none changes fewer
    model = AllocationModel(problem, part.eligibility, part.schools, part.groups, part.halves)
    model.require_placed(require_placed)
    model.closest_optimum(int(round(found.objective)), closest_to, require_placed)
    model.add_hint(found.allocation)
    # One search, from the optimum found: every allocation it finds is an optimum (the
    # objective is held at its value), so one cut short is still one, with the fewest
    # changes found so far.
    limit = min(CLOSEST_FIRST_S if brief else CLOSEST_LIMIT_S, settings.time_limit_s)
    nearest = _run_cp_sat(model.model, _quick(settings, limit, pairs=bool(model.vars.lone)), None, None, 1.0)
    if not nearest.status.has_allocation:
        return found  # out of time: the optimum found first is still an optimum
    return replace(found, allocation=model.read(nearest.solver), interrupted=nearest.interrupted)


def closest_optimum(
    problem: ProblemData,
    settings: SolverSettings,
    part: Component,
    optimum: Allocation,
    objective: int,
    base: Allocation,
    require_placed: tuple[int, ...] = (),
    brief: bool = False,
) -> tuple[Allocation, bool]:
    """Among the part's allocations of `objective` (its proven optimum, `optimum` one of
    them, with `require_placed` placed), the one that changes fewest placements from
    `base`, found within `CLOSEST_LIMIT_S` (`brief`: `CLOSEST_FIRST_S`), else the
    closest so far; and whether a stop cut it short. For a what-if whose
    optimum is already known: the pass alone."""
    found = _PartOutcome(SolveStatus.OPTIMAL, optimum, float(objective), float(objective), False)
    with held():
        outcome = _closest(problem, part, settings, found, base, require_placed, brief)
    assert outcome.allocation is not None
    return outcome.allocation, outcome.interrupted


def _changed(part: Component, found: Allocation, base: Allocation, ignore: tuple[int, ...]) -> bool:
    """Whether `found` places any of the part's schools (but `ignore`) otherwise than `base`."""
    return any(
        (found.school_specialist[s], found.school_group[s]) != (base.school_specialist[s], base.school_group[s])
        for s in part.schools
        if s not in ignore
    )


# The pass that picks, among optima, the one closest to a given allocation stops after
# this long with the closest found so far (still an optimum: its objective is fixed).
CLOSEST_LIMIT_S = 0.3
CLOSEST_FIRST_S = 0.02  # a brief pass's (a cohort's re-solve: one per school, over a part each)
# A search for the optimum and the closest of its optima at once (`_closest_at_once`)
# that proves nothing in this long gives way to a search and then a closest pass.
CLOSEST_AT_ONCE_S = 1.0
# Parts searched side by side when the settings allow more than one worker (what-if
# re-solves, which run one worker each, search theirs one after another).
PART_THREADS = min(2, os.cpu_count() or 1)
QUICK_LIMIT_S = 5.0  # at most this long for the quick single-thread search of a part
QUICK_SHARE = 0.25  # and at most this share of the part's time limit
# A part pricing lone departments: a single thread proves it where the portfolio
# stalls, so it gets longer before the portfolio takes over.
QUICK_PAIRS_LIMIT_S = 15.0
PAIRS_FIRST_SHARE = 0.7  # of which the search without presolve gets this share


# The single-thread search's settings without presolve (see `_quick`).
_LEAN: dict[str, object] = {
    "cp_model_probing_level": 0,
    "use_sat_inprocessing": False,
    "add_lp_constraints_lazily": False,
}


def _quick(settings: SolverSettings, limit: float, pairs: bool = False, presolve: bool = False) -> dict[str, object]:
    """Single thread, no presolve unless asked: fast on these assignment models, and
    repeatable.

    A part that prices lone departments (`pairs`) also gets linearization level 2: the
    lone-department constraints then enter the LP relaxation, whose bound sees that an
    odd number of development schools needs a lone department; with it one thread proved
    every part of the national benchmark in 1.7 s in all (BENCHMARKS.md).

    Without presolve, probing, SAT inprocessing and lazily added LP constraints are off
    too: each costs more than it saves on these models. Replaying the 271 searches of
    the national benchmark's recommendations, they took 6.4 s instead of 11.3 s, 245 of
    them faster, with the same optima; the base solves of national and national-tight
    1.9 s → 0.7 s and 0.6 s → 0.2 s (BENCHMARKS.md, "Recommendations as edits", third
    session of 2026-11-27; `benchmarks/cpsat_params.py` replays them).
    """
    params = _single_thread(replace(settings, time_limit_s=limit))
    params["cp_model_presolve"] = presolve
    if not presolve:
        params.update(_LEAN)
    if pairs:
        params["linearization_level"] = 2
    if not settings.deterministic:
        del params["max_deterministic_time"]
        params["max_time_in_seconds"] = limit
    return params


def _outcome(search: _CpSat, allocation: Allocation | None, interrupted: bool | None = None) -> _PartOutcome:
    has = search.status.has_allocation and allocation is not None
    return _PartOutcome(
        search.status if has or search.status == SolveStatus.INFEASIBLE else SolveStatus.UNKNOWN,
        allocation if has else None,
        search.solver.objective_value if has else 0.0,
        search.solver.best_objective_bound if has else 0.0,
        search.interrupted if interrupted is None else (interrupted or search.interrupted),
    )
