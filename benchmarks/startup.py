#!/usr/bin/env python3
"""Start-up: a hub's default run against the bare imports every run needs.

    python benchmarks/startup.py [--repeat 9] [--seed 3] [--scenario SCENARIO.yml]
                                 [--baseline DIR]

Times, in child processes, `allocate SCENARIO.yml --out DIR` (the default run: CSV tables,
recommendations on) and `python -c "import pandas, ortools.sat.python.cp_model"` (what no
run can avoid), alternating the two so that a busy moment of a shared machine hits both
alike, and prints each one's median (and fastest) wall and CPU time and their ratios;
CPU time (user + system, all threads) is the steadier on a shared machine. Without `--scenario` the
scenario is `allocate generate hub --seed 3` (61 schools, 18 specialists, 5 work groups,
latitude and longitude given), written to a temporary folder. A fresh output folder per run.
`--baseline DIR` also times allocate with the `allocator` package of DIR first on the path
(e.g. `git archive OLD allocator | tar -x -C DIR`), interleaved with the others, so that
a change is measured against its parent under the same load.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = [sys.executable, "-c", "import pandas, ortools.sat.python.cp_model"]


def allocate_command() -> list[str]:
    """The `allocate` console script of this interpreter's environment, else the module."""
    exe = Path(sys.executable).parent / "allocate"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "allocator.cli"]


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds from start to exit of `cmd`, and its CPU seconds (user + system, all
    threads); a failing run stops the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False, env=env)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9, help="runs of each command (default 9)")
    parser.add_argument("--seed", type=int, default=3, help="seed of the generated hub (default 3: 61 schools)")
    parser.add_argument("--scenario", type=Path, default=None, help="a scenario instead of the generated hub")
    parser.add_argument("--baseline", type=Path, default=None, help="a folder holding an older allocator package")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="allocator-startup-") as tmp:
        folder = Path(tmp)
        scenario = args.scenario
        if scenario is None:
            from allocator.analysis.generate import generate

            made = generate("hub", folder / "hub", seed=args.seed)
            scenario = made.scenario
            print(
                f"scenario: allocate generate hub --seed {args.seed} ({made.num_schools} schools, "
                f"{made.num_specialists} specialists, {made.num_groups} work groups)"
            )
        run = allocate_command() + [str(scenario)]
        # Byte-code caches as an installed package has them (PYTHONDONTWRITEBYTECODE would
        # compile every module of a source tree on every run), kept in the temporary folder.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
        commands: dict[str, tuple[list[str], dict[str, str]]] = {"bare imports": (BARE, env)}
        commands["allocate"] = (run, env)
        if args.baseline is not None:
            path = os.pathsep.join(filter(None, [str(args.baseline.resolve()), os.environ.get("PYTHONPATH")]))
            commands["baseline allocate"] = (run, {**env, "PYTHONPATH": path})
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for n in range(args.repeat + 1):  # the first round warms the caches and is dropped
            for name, (cmd, env) in commands.items():
                out = ["--out", str(folder / f"{name}-{n}")] if cmd is run else []
                measured = timed(cmd + out, env)
                if n:
                    times[name].append(measured)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    for what, i in (("wall", 0), ("CPU", 1)):
        medians = {name: statistics.median(t[i] for t in runs) for name, runs in times.items()}
        parts = [f"{name} median {m:.3f} s (min {min(t[i] for t in times[name]):.3f})" for name, m in medians.items()]
        ratios = [f"{name} {m / medians['bare imports']:.2f}" for name, m in medians.items() if name != "bare imports"]
        print(f"{what:4s}  {'; '.join(parts)}; ratio of medians to bare imports: {', '.join(ratios)}")
    print(f"{args.repeat} runs each, interleaved; load average after: {load}; {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
