#!/usr/bin/env python3
"""Where one run's time and memory go: import, load, then `allocator.run.allocate`'s stages.

    python benchmarks/profile_stages.py SCENARIO.yml [--time-limit 60] [--no-recommendations]
                                         [--cprofile 25]

Prints wall and CPU seconds (user + system of this process, all threads) for importing
and loading, `Solved.seconds` for the stages inside `allocate` (eligibility, solve, check,
tables, explain, ...), and the peak resident memory (VmHWM) after each step, so the step
that raised the peak shows. `--cprofile N` adds the N costliest functions of `allocate`.
Wall times are only meaningful on an otherwise idle machine; CPU times are steadier.
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
import time
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--no-recommendations", action="store_true")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N")
    args = parser.parse_args(argv)

    rows: list[tuple[str, float, float | None, float]] = []
    wall, cpu = time.perf_counter(), _cpu()
    from dataclasses import replace

    from allocator.load import load
    from allocator.run import allocate

    rows.append(("import", time.perf_counter() - wall, _cpu() - cpu, _peak_mb()))
    wall, cpu = time.perf_counter(), _cpu()
    problem = load(args.scenario).problem
    rows.append(("load", time.perf_counter() - wall, _cpu() - cpu, _peak_mb()))

    settings = replace(problem.solver, time_limit_s=args.time_limit)
    kwargs = {}
    if "recommendations" in inspect.signature(allocate).parameters:
        kwargs["recommendations"] = not args.no_recommendations
    profiler = None
    if args.cprofile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    wall, cpu = time.perf_counter(), _cpu()
    solved = allocate(problem, settings, **kwargs)
    total_wall, total_cpu = time.perf_counter() - wall, _cpu() - cpu
    if profiler is not None:
        profiler.disable()
    for stage, seconds in solved.seconds.items():
        rows.append((f"  allocate: {stage}", seconds, None, float("nan")))
    rows.append(("allocate (total)", total_wall, total_cpu, _peak_mb()))

    print(f"{args.scenario}: {problem.num_schools} schools, {problem.num_specialists} "
          f"specialists, {problem.num_groups} groups; {solved.status.value} "
          f"{solved.result.objective}")
    print(f"{'step':32s} {'wall s':>8s} {'CPU s':>8s} {'peak MB':>8s}")
    for name, w, c, peak in rows:
        cpu_text = "" if c is None else f"{c:8.2f}"
        peak_text = "" if peak != peak else f"{peak:8.0f}"
        print(f"{name:32s} {w:8.2f} {cpu_text:>8s} {peak_text:>8s}")
    if profiler is not None:
        import pstats

        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(
            args.cprofile
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
