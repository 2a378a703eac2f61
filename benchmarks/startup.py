#!/usr/bin/env python3
"""Start-up: a hub's default run against the bare imports every run needs.

    python benchmarks/startup.py [--repeat 9] [--seed 3] [--scenario SCENARIO.yml]

Times, in child processes, `allocate SCENARIO.yml --out DIR` (the default run: CSV tables,
recommendations on) and `python -c "import pandas, ortools.sat.python.cp_model"` (what no
run can avoid), alternating the two so that a busy moment of a shared machine hits both
alike, and prints each one's median wall time and their ratio. Without `--scenario` the
scenario is `allocate generate hub --seed 3` (61 schools, 18 specialists, 5 work groups,
latitude and longitude given), written to a temporary folder. A fresh output folder per run.
"""

from __future__ import annotations

import argparse
import os
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


def wall(cmd: list[str]) -> float:
    """Seconds from start to exit of `cmd`; a failing run stops the benchmark."""
    started = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9, help="runs of each command (default 9)")
    parser.add_argument("--seed", type=int, default=3, help="seed of the generated hub (default 3: 61 schools)")
    parser.add_argument("--scenario", type=Path, default=None, help="a scenario instead of the generated hub")
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
        wall(BARE)  # warm the file cache for both before timing
        wall(run + ["--out", str(folder / "warm")])
        bare, full = [], []
        for n in range(args.repeat):
            bare.append(wall(BARE))
            full.append(wall(run + ["--out", str(folder / f"out{n}")]))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    b, f = statistics.median(bare), statistics.median(full)
    print(f"bare imports  median {b:.3f} s  (min {min(bare):.3f}, max {max(bare):.3f}; {args.repeat} runs)")
    print(f"allocate      median {f:.3f} s  (min {min(full):.3f}, max {max(full):.3f}; {args.repeat} runs)")
    print(f"ratio {f / b:.2f}  (load average after: {load}; {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
