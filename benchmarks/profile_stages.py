#!/usr/bin/env python3
"""Where one run's time and memory go: the CLI's imports, load, `allocate`'s stages, writing.

    python benchmarks/profile_stages.py SCENARIO.yml [--time-limit 60] [--locations LEVEL]
                                         [--no-recommendations] [--explain-seconds 20]
                                         [--cprofile 25]

Runs what `allocate SCENARIO.yml --out DIR` runs, in this process, step by step: the
imports the CLI needs on its way to solving, loading the scenario, `allocator.pipeline.run`
(its eligibility, the search's model building and CP-SAT searches, the checker, the tables,
the explanations and recommendations) and writing the CSV tables. Each step's wall and CPU
seconds (user + system of this process, all threads, so CP-SAT's worker threads count)
are timed by wrapping the functions `allocate` calls; nested steps are indented under the
step that called them (model builds and searches inside the recommendations' what-if
re-solves are counted there, not under "solve"). *peak MB* is the peak resident memory
(VmHWM) after the step, so the step that raised the peak shows. `--cprofile N` adds the N
costliest functions of `allocate`. Wall times mean something only on an otherwise idle
machine; CPU times are steadier.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def _peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


@dataclass
class Step:
    label: str
    depth: int
    calls: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    peak: float = float("nan")


class Timers:
    """Wall and CPU seconds of wrapped functions, keyed by the chain of enclosing steps."""

    def __init__(self) -> None:
        self.steps: dict[tuple[str, ...], Step] = {}
        self.stack: list[str] = []

    def add(self, label: str, wall: float, cpu: float) -> None:
        key = (*self.stack, label)
        step = self.steps.setdefault(key, Step(label, len(self.stack)))
        step.calls += 1
        step.wall += wall
        step.cpu += cpu
        step.peak = _peak_mb()

    def wrap(self, module: object, name: str, label: str, kind=None) -> None:
        original = getattr(module, name)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            sub = label if kind is None else f"{label} ({kind(args, kwargs)})"
            self.steps.setdefault((*self.stack, sub), Step(sub, len(self.stack)))  # call order
            self.stack.append(sub)
            wall, cpu = time.perf_counter(), _cpu()
            try:
                return original(*args, **kwargs)
            finally:
                wall, cpu = time.perf_counter() - wall, _cpu() - cpu
                self.stack.pop()
                self.add(sub, wall, cpu)

        setattr(module, name, timed)


def _search_kind(args: tuple, kwargs: dict) -> str:
    """Which of `allocator.solving.search`'s searches: the quick single thread without presolve,
    the parallel portfolio, or deterministic mode's single-thread pass."""
    params = args[1] if len(args) > 1 else kwargs.get("params", {})
    if params.get("cp_model_presolve") is False:
        return "quick: 1 thread, no presolve"
    workers = params.get("num_workers") or params.get("num_search_workers") or 0
    return "1 thread" if workers == 1 else f"portfolio, {workers or 'default'} workers"


def instrument(timers: Timers) -> None:
    """Wrap the functions `allocate` calls (names as the modules import them)."""
    import allocator.pipeline as run
    import allocator.solving.search as search

    timers.wrap(run, "compute_eligibility", "eligibility")
    timers.wrap(run, "search", "search")
    timers.wrap(search, "components", "components")
    timers.wrap(search, "AllocationModel", "model build")
    timers.wrap(search, "_run_cp_sat", "CP-SAT search", _search_kind)
    timers.wrap(run, "check_allocation", "check")
    for name in ("allocation_table", "specialist_table", "work_group_table"):
        timers.wrap(run, name, "tables")
    timers.wrap(run, "_add_explanations", "explain")
    timers.wrap(run, "school_shares", "objective shares")
    timers.wrap(run, "best_alternatives", "best alternatives")
    timers.wrap(run, "recommend", "recommendations (what-if re-solves)")
    import allocator.diagnose.recommend as recommend

    for name, label in (
        ("compute_eligibility", "eligibility of a variant"),
        ("relax", "relax (eligibility with pairs allowed)"),
        ("components", "components"),
    ):
        if hasattr(recommend, name):
            timers.wrap(recommend, name, label)
    if hasattr(run, "summary_dict"):
        timers.wrap(run, "summary_dict", "summary")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--locations", default=None, help="as the CLI's --locations")
    parser.add_argument("--no-recommendations", action="store_true")
    parser.add_argument(
        "--explain-seconds", type=float, default=None, help="budget of the recommendations (default: allocate's, 20 s)"
    )
    parser.add_argument("--cprofile", type=int, default=0, metavar="N")
    args = parser.parse_args(argv)

    top: list[tuple[str, float, float, float]] = []
    wall, cpu = time.perf_counter(), _cpu()
    from dataclasses import replace

    import allocator.cli.main  # noqa: F401 - what the console script imports first
    from allocator.analysis.supply import supply_demand
    from allocator.cli.console import Console  # noqa: F401 - imported by `allocate run`
    from allocator.inputs.load import load
    from allocator.pipeline import run as run_pipeline
    from allocator.report.tables import write_outputs

    top.append(("import (CLI, load, run, report)", time.perf_counter() - wall, _cpu() - cpu, _peak_mb()))
    wall, cpu = time.perf_counter(), _cpu()
    loaded = load(args.scenario, locations=args.locations)
    problem = loaded.problem
    supply_demand(problem)  # the CLI's "short:" notes
    top.append(("load (and supply notes)", time.perf_counter() - wall, _cpu() - cpu, _peak_mb()))

    settings = replace(problem.solver, time_limit_s=args.time_limit)
    kwargs: dict[str, object] = {}
    params = inspect.signature(run_pipeline).parameters
    if "recommendations" in params:
        kwargs["recommendations"] = not args.no_recommendations
    if "explain_seconds" in params and args.explain_seconds is not None:
        kwargs["explain_seconds"] = args.explain_seconds
    if "locations_level" in params:
        kwargs["locations_level"] = loaded.locator_level
    timers = Timers()
    instrument(timers)
    profiler = None
    if args.cprofile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    wall, cpu = time.perf_counter(), _cpu()
    solved = run_pipeline(problem, settings, **kwargs)
    allocate_wall, allocate_cpu = time.perf_counter() - wall, _cpu() - cpu
    allocate_peak = _peak_mb()
    if profiler is not None:
        profiler.disable()

    wall, cpu = time.perf_counter(), _cpu()
    with tempfile.TemporaryDirectory() as tmp:
        write_outputs(Path(tmp) / "out", solved.tables, solved.summary_json, ("csv",))
    write = ("write tables (csv)", time.perf_counter() - wall, _cpu() - cpu, _peak_mb())

    print(
        f"{args.scenario}: {problem.num_schools} schools, {problem.num_specialists} "
        f"specialists, {problem.num_groups} groups; {solved.status.value} "
        f"{solved.result.objective}"
    )
    print(f"{'step':46s} {'calls':>6s} {'wall s':>8s} {'CPU s':>8s} {'peak MB':>8s}")
    for name, w, c, peak in top:
        print(f"{name:46s} {'':>6s} {w:8.2f} {c:8.2f} {peak:8.0f}")
    print(f"{'allocate':46s} {'':>6s} {allocate_wall:8.2f} {allocate_cpu:8.2f} {allocate_peak:8.0f}")
    for step in timers.steps.values():
        if not step.calls:
            continue
        name = "  " * (step.depth + 1) + step.label
        print(f"{name:46s} {step.calls:6d} {step.wall:8.2f} {step.cpu:8.2f} {step.peak:8.0f}")
    name, w, c, peak = write
    print(f"{name:46s} {'':>6s} {w:8.2f} {c:8.2f} {peak:8.0f}")
    total_wall = sum(x[1] for x in top) + allocate_wall + write[1]
    total_cpu = sum(x[2] for x in top) + allocate_cpu + write[2]
    print(f"{'total (no interpreter start-up)':46s} {'':>6s} {total_wall:8.2f} {total_cpu:8.2f} {_peak_mb():8.0f}")
    print(f"(Outcome.timings: {', '.join(f'{k} {v:.2f}' for k, v in solved.timings.items())})")
    if profiler is not None:
        import pstats

        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(args.cprofile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
