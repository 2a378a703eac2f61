"""CP-SAT settings of the quick single-thread search, replayed on the searches they serve.

    python benchmarks/cpsat_params.py [--dir DIR] [--seeds 0,1]

For the national benchmark and its tight variant (`allocate generate national [--tight]
--seed 1`, generated into DIR if missing), every CP-SAT search of the base solve and of
recommendations for every unplaced school of national is recorded (the model with its
hint, the parameters it ran with and its status), then each is solved again, one after
another in this process, with the parameters as they are now (`lean`) and without the
settings `allocator.solving.search._LEAN` adds (`default`): total and median seconds,
how many searches lean made faster, and how many of the recorded proven optima each
failed to prove again (a different optimum would be a bug; one not reached in the
search's time limit, a closest pass's 0.3 s say, is slowness).

Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ortools.sat.python import cp_model
from recommendations import national_instances, unplaced_schools  # this folder's (run as a script)


@dataclass
class Recorded:
    text: str  # the model, hint included, in text format
    params: dict[str, object]
    status: str
    objective: float | None


def record(yml: Path, recommendations: bool) -> tuple[list[Recorded], list[Recorded]]:
    """Every CP-SAT search of the base solve of `yml`, and of recommendations for all its
    unplaced schools (no budget) if asked."""
    import allocator.solving.search as search_module
    from allocator.diagnose.recommend import recommend
    from allocator.inputs.load import load
    from allocator.problem.eligibility import compute_eligibility

    recorded: list[Recorded] = []
    original = search_module._run_cp_sat

    def recording(model, params, *args, **kwargs):  # type: ignore[no-untyped-def]
        text = str(model.proto)  # before the search: the model as it was given
        found = original(model, params, *args, **kwargs)
        objective = found.solver.objective_value if found.status.has_allocation else None
        recorded.append(Recorded(text, dict(params), found.status.name, objective))
        return found

    search_module._run_cp_sat = recording
    try:
        problem = load(yml).problem
        elig = compute_eligibility(problem)
        base = search_module.search(problem, eligibility=elig)
        base_count = len(recorded)
        if recommendations:
            allocation = base.allocation
            assert allocation is not None and base.objective is not None
            unplaced = unplaced_schools(problem, allocation)
            recommend(problem, elig, allocation, int(base.objective), unplaced, threads=1)
    finally:
        search_module._run_cp_sat = original
    return recorded[:base_count], recorded[base_count:]


def replay(searches: list[Recorded], lean: bool, seed: int) -> tuple[list[float], int]:
    """Seconds of each search solved again, and how many proven optima differ."""
    from allocator.solving.search import _LEAN

    seconds, differ = [], 0
    for one in searches:
        model = cp_model.CpModel()
        model.proto.parse_text_format(one.text)
        params = dict(one.params, random_seed=seed)
        if not lean:
            for name in _LEAN:
                params.pop(name, None)
        solver = cp_model.CpSolver()
        for name, value in params.items():
            setattr(solver.parameters, name, value)
        started = time.perf_counter()
        status = solver.solve(model)
        seconds.append(time.perf_counter() - started)
        if one.status == "OPTIMAL" and (
            solver.status_name(status) != "OPTIMAL" or abs(solver.objective_value - (one.objective or 0)) > 0.5
        ):
            differ += 1
            print(
                f"differs: recorded {one.status} {one.objective}, replayed {solver.status_name(status)} "
                f"{solver.objective_value if solver.status_name(status) in ('OPTIMAL', 'FEASIBLE') else ''} "
                f"in {seconds[-1]:.2f} s of {params.get('max_time_in_seconds')} (lean: {lean})",
                file=sys.stderr,
            )
    return seconds, differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=None, help="where to generate the instances (default: a temp dir)")
    parser.add_argument("--seeds", default="0,1", help="CP-SAT random seeds to replay with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.dir or Path(tmp)
        sets = []
        for name, yml in national_instances(work):
            base, recommendations = record(yml, recommendations=name == "national")
            sets.append((f"{name}: base solve", base))
            if recommendations:
                sets.append((f"{name}: recommendations, every unplaced school", recommendations))
    print(
        "| searches | seed | count | default s (median ms) | lean s (median ms) | faster with lean "
        "| proven optima not proven again, default / lean |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, searches in sets:
        for seed in (int(s) for s in args.seeds.split(",")):
            default, differ_default = replay(searches, lean=False, seed=seed)
            lean, differ_lean = replay(searches, lean=True, seed=seed)
            faster = sum(a < b for a, b in zip(lean, default, strict=True))
            default_s = f"{sum(default):.2f} ({1000 * statistics.median(default):.0f})"
            lean_s = f"{sum(lean):.2f} ({1000 * statistics.median(lean):.0f})"
            print(
                f"| {label} | {seed} | {len(searches)} | {default_s} | {lean_s} | {faster} | "
                f"{differ_default} / {differ_lean} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
