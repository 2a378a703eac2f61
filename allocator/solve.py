"""solve(problem) -> Result: the only place that talks to CpSolver."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from allocator.eligibility import Eligibility, compute_eligibility
from allocator.model import AllocationModel
from allocator.problem import ProblemData, SolverSettings
from allocator.solution import Allocation, Result, SolveStatus

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
class _Search:
    status: SolveStatus
    solver: cp_model.CpSolver
    interrupted: bool
    seconds: float


def _search(
    model: cp_model.CpModel,
    params: dict[str, object],
    watcher: _Watcher,
    on_progress: Callable[[Progress], None] | None,
    progress_every_s: float,
    start: float,
) -> _Search:
    """Run CP-SAT in a worker thread so that Ctrl-C (KeyboardInterrupt in this thread)
    stops the search and keeps the best allocation found, and progress can be shown."""
    solver = cp_model.CpSolver()
    for name, value in params.items():
        setattr(solver.parameters, name, value)
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["status"] = solver.solve(model, watcher)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            outcome["error"] = exc

    began = time.perf_counter()
    worker = threading.Thread(target=run, name="cp-sat", daemon=True)
    interrupted = False
    worker.start()
    try:
        while worker.is_alive():
            worker.join(progress_every_s)
            if on_progress is not None and worker.is_alive():
                on_progress(_progress(watcher, start))
    except KeyboardInterrupt:
        interrupted = True
        solver.stop_search()
        worker.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    status = _STATUS.get(outcome.get("status"), SolveStatus.UNKNOWN)  # type: ignore[arg-type]
    return _Search(status, solver, interrupted, time.perf_counter() - began)


def solve(
    problem: ProblemData,
    settings: SolverSettings | None = None,
    *,
    eligibility: Eligibility | None = None,
    hint: Allocation | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    progress_every_s: float = 0.5,
    require_placed: tuple[int, ...] = (),
) -> Result:
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
    on_progress
        Called from the calling thread about every `progress_every_s` seconds while the
        search runs, and once at the end.

    Returns
    -------
    Result
        A status, never an exception: OPTIMAL/FEASIBLE carry an allocation. Ctrl-C
        (KeyboardInterrupt) stops the search and keeps the best allocation found
        (`interrupted` is then True).

    Notes
    -----
    Deterministic mode. CP-SAT's parallel portfolio is fast but not repeatable, and its
    repeatable interleaved mode costs 30-60 times more on the demo. So the portfolio runs
    first, on a deterministic-time limit; when it proves the optimum, a single-thread
    search (repeatable) finds the canonical allocation with exactly that objective. When
    it does not, a single-thread search with the objective gives the (repeatable) result.
    """
    settings = settings or problem.solver
    eligibility = eligibility if eligibility is not None else compute_eligibility(problem)
    def build() -> AllocationModel:
        built = AllocationModel(problem, eligibility)
        built.require_placed(require_placed)
        return built

    model = build()
    if hint is not None:
        model.add_hint(hint)
    watcher = _Watcher()
    start = time.perf_counter()
    main = _search(model.model, solver_parameters(settings), watcher, on_progress, progress_every_s, start)
    status, solver, interrupted, reader = main.status, main.solver, main.interrupted, model
    objective_value = solver.objective_value if status.has_allocation else None
    bound = solver.best_objective_bound if status.has_allocation else None
    if settings.deterministic and not interrupted and status != SolveStatus.INFEASIBLE:
        if status == SolveStatus.OPTIMAL:
            canonical = build()
            canonical.fix_objective(int(round(solver.objective_value)))
            second = _search(canonical.model, _single_thread(settings), _Watcher(), None, progress_every_s, start)
            if second.status.has_allocation:  # else keep the portfolio's (valid) allocation
                solver, reader, interrupted = second.solver, canonical, second.interrupted
        else:
            single = build()
            second = _search(single.model, _single_thread(settings), watcher, on_progress, progress_every_s, start)
            status, solver, reader, interrupted = second.status, second.solver, single, second.interrupted
            objective_value = solver.objective_value if status.has_allocation else None
            bound = solver.best_objective_bound if status.has_allocation else None
    elapsed = time.perf_counter() - start
    if on_progress is not None:
        on_progress(_progress(watcher, start))
    allocation = reader.read(solver.value) if status.has_allocation else None
    return Result(
        status=status,
        allocation=allocation,
        objective=None if objective_value is None else int(round(objective_value)),
        bound=None if bound is None else float(bound),
        solve_seconds=elapsed,
        interrupted=interrupted,
        deterministic=settings.deterministic,
        seed=settings.seed,
        workers=settings.workers,
        num_solutions=watcher.solutions,
    )


def _progress(watcher: _Watcher, start: float) -> Progress:
    with watcher.lock:
        return Progress(time.perf_counter() - start, watcher.solutions, watcher.objective, watcher.bound)


def with_settings(problem: ProblemData, **overrides: object) -> ProblemData:
    """The problem with some solver settings replaced (None values are ignored)."""
    changes = {k: v for k, v in overrides.items() if v is not None}
    return replace(problem, solver=replace(problem.solver, **changes)) if changes else problem
