"""Recommendations at national scale: coverage, time, and a check of the edits they name.

    python benchmarks/recommendations.py [--dir DIR] [--explain-seconds S] [--verify N]

For the national benchmark (`allocate generate national --seed 1`) and its tight
variant, in one run so that the ratios compare like with like on a shared machine:

1. `allocate SCENARIO.yml -q` (the default run, recommendations on) and the same with
   `--no-recommendations`, each in a child process, wall and CPU seconds;
2. recommendations.csv of the default run: unplaced schools, how many got a
   recommendation (or a stated "no change places it") and how many say "Not analysed",
   by kind;
3. for up to N rows (`--verify`, default 3 per instance, of kinds this data model can
   re-solve from files), `allocate apply-recommendation --from` makes the edit in a copy
   and `allocate --no-recommendations` re-solves it: its objective must equal the row's
   `objective_after` and the school must be placed.

Prints a Markdown table for BENCHMARKS.md.

    python benchmarks/recommendations.py --all-schools 2,3 [--repeat R] [--dir DIR]

instead times what the issue's target asks for, every unplaced school analysed: in this
process, the national instance loaded and solved once, then `recommend` for all its
unplaced schools with no budget, with each number of threads in turn (interleaved over R
rounds, so a busy moment hits all alike): wall and CPU seconds, and how many were
analysed (all, unless a re-solve is not proven in its time).

    python benchmarks/recommendations.py --floor [--dir DIR]

instead times the least that any recommendation verified by a CP-SAT re-solve of the
school's part must take: one search per unplaced school that has a part, of that part
with the school required to be placed (what a pin's figure needs), from the base
allocation as a hint, one thread, nothing else (no other edit, no closest-optimum pass,
no tie check). Model building and searching are timed apart.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

FILE_KINDS = ("capacity", "max_schools", "min_schools", "cohort", "pin")


def _allocate(*args: str) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Run `allocate` in a child process: wall seconds, CPU seconds (user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "allocator.cli", *args], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done


def _verify(yml: Path, rows: list[dict[str, str]], work: Path, limit: int) -> tuple[int, int, list[str]]:
    """Apply up to `limit` rows' edits and re-solve: (checked, agreed, notes)."""
    checked = agreed = 0
    notes = []
    for row in [r for r in rows if r["kind"] in FILE_KINDS][:limit]:
        folder = work / f"edited-{row['urn']}"
        table = work / f"row-{row['urn']}.csv"
        out = work / f"out-{row['urn']}"
        for old in (folder, out):  # this script's own folders from an earlier run
            shutil.rmtree(old, ignore_errors=True)
        with table.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(row))
            writer.writeheader()
            writer.writerow(row)
        _, _, applied = _allocate(
            "apply-recommendation", str(yml), row["urn"], "--out", str(folder), "--from", str(table)
        )
        if applied.returncode != 0:
            notes.append(f"{row['urn']}: apply-recommendation failed: {applied.stderr.strip()[-200:]}")
            continue
        _, _, solved = _allocate(str(folder / yml.name), "--out", str(out), "-q", "--no-recommendations")
        checked += 1
        if solved.returncode != 0:
            notes.append(f"{row['urn']}: re-solve exit {solved.returncode}")
            continue
        objective = json.loads((out / "summary.json").read_text())["objective"]
        placed = any(
            r["urn"].lstrip("'") == row["urn"] and r["status"] == "placed"
            for r in csv.DictReader((out / "allocations.csv").open(encoding="utf-8"))
        )
        if objective == int(row["objective_after"]) and (placed or row.get("tie") == "yes"):
            agreed += 1  # a tie: the row says a re-run may leave the school out
            if not placed:
                notes.append(f"{row['urn']} ({row['kind']}): a tie, as the row says: {objective}, school left out")
        else:
            notes.append(f"{row['urn']} ({row['kind']}): re-solved {objective}, row says {row['objective_after']}")
    return checked, agreed, notes


def measure(name: str, yml: Path, work: Path, explain: float | None, verify: int) -> dict[str, object]:
    out = work / f"out-{name}"
    extra = [] if explain is None else ["--explain-seconds", str(explain)]
    wall, cpu, done = _allocate(str(yml), "--out", str(out), "-q", *extra)
    plain_wall, plain_cpu, _ = _allocate(str(yml), "--out", str(work / f"plain-{name}"), "-q", "--no-recommendations")
    if done.returncode != 0:
        return {"instance": name, "error": done.stderr.strip()[-300:]}
    rows = list(csv.DictReader((out / "recommendations.csv").open(encoding="utf-8")))
    for row in rows:
        row["urn"] = row["urn"].lstrip("'")
    kinds = Counter(row["kind"] for row in rows)
    summary = json.loads((out / "summary.json").read_text())
    checked, agreed, notes = _verify(yml, [r for r in rows if r["kind"] != "not_analysed"], work, verify)
    return {
        "instance": name,
        "unplaced": len(rows),
        "analysed": len(rows) - kinds.get("not_analysed", 0),
        "not_analysed": kinds.get("not_analysed", 0),
        "kinds": ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()) if k != "not_analysed"),
        "explain_s": summary.get("seconds", {}).get("explain"),
        "wall": wall,
        "cpu": cpu,
        "plain_wall": plain_wall,
        "plain_cpu": plain_cpu,
        "verified": f"{agreed} / {checked}",
        "notes": notes,
    }


def national_instances(work: Path) -> list[tuple[str, Path]]:
    """The national benchmark and its tight variant (`allocate generate national [--tight]
    --seed 1`), generated into `work` where missing: (name, scenario.yml)."""
    out = []
    for name, tight in (("national", False), ("national-tight", True)):
        folder = work / name
        if not (folder / "scenario.yml").exists():
            done = _allocate("generate", "national", *(["--tight"] if tight else []), "--seed", "1", str(folder))[2]
            if done.returncode != 0:
                raise SystemExit(f"allocate generate failed: {done.stderr}")
        out.append((name, folder / "scenario.yml"))
    return out


def unplaced_schools(problem: Any, allocation: Any) -> list[int]:
    """The schools `allocation` leaves unplaced (or placed by one side only)."""
    from allocator.problem.data import Stage

    return [
        s
        for s, school in enumerate(problem.schools)
        if not Stage(school.stage).placed_with(
            allocation.school_specialist[s] is not None, allocation.school_group[s] is not None
        )
    ]


def all_schools(yml: Path, threads: list[int], repeat: int) -> None:
    """Recommendations for every unplaced school of `yml`, no budget, by thread count."""
    from allocator.diagnose.recommend import recommend
    from allocator.inputs.load import load
    from allocator.problem.eligibility import compute_eligibility
    from allocator.solving.search import search

    problem = load(yml).problem
    elig = compute_eligibility(problem)
    started = time.perf_counter()
    base = search(problem, eligibility=elig)
    print(f"base solve (in process): {time.perf_counter() - started:.1f} s, {base.status.name}")
    allocation = base.allocation
    assert allocation is not None and base.objective is not None
    unplaced = unplaced_schools(problem, allocation)
    print(f"cores: {os.cpu_count()}, unplaced: {len(unplaced)}")
    print("| round | threads | wall s | CPU s | analysed |")
    print("|---:|---:|---:|---:|---:|")
    for round_ in range(1, repeat + 1):
        for n in threads:
            wall, cpu = time.perf_counter(), time.process_time()
            recs = recommend(problem, elig, allocation, int(base.objective), unplaced, threads=n)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            analysed = sum(r.kind != "not_analysed" for r in recs)
            print(f"| {round_} | {n} | {wall:.1f} | {cpu:.1f} | {analysed} / {len(unplaced)} |", flush=True)


def floor(yml: Path) -> None:
    """One forced search per unplaced school of its part, one thread (see the docstring)."""
    from dataclasses import replace

    from allocator.inputs.load import load
    from allocator.model.cpmodel import AllocationModel
    from allocator.problem.eligibility import compute_eligibility
    from allocator.solving.components import components
    from allocator.solving.search import search

    problem = load(yml).problem
    elig = compute_eligibility(problem)
    base = search(problem, eligibility=elig)
    assert base.allocation is not None
    unplaced = unplaced_schools(problem, base.allocation)
    part_of = {s: part for part in components(problem, elig) for s in part.schools}
    settings = replace(problem.solver, time_limit_s=10.0, workers=1)
    building = searching = 0.0
    statuses: Counter[str] = Counter()
    searched = [s for s in unplaced if s in part_of]
    for s in searched:
        part = part_of[s]
        started = time.perf_counter()
        AllocationModel(problem, part.eligibility, part.schools, part.groups, part.halves)  # timed alone
        building += time.perf_counter() - started
        started = time.perf_counter()
        found = search(
            problem, settings, eligibility=elig, hint=base.allocation, parts=[part], require_placed=(s,), watch=False
        )
        searching += time.perf_counter() - started
        statuses[found.status.name] += 1
    each = searching / max(1, len(searched))
    print(
        f"{yml.parent.name}: {len(unplaced)} unplaced, {len(searched)} in a part; one forced search each: "
        f"{searching:.1f} s on one thread ({1000 * each:.1f} ms each, of which building the model "
        f"{1000 * building / max(1, len(searched)):.1f} ms), {searching / 2:.1f} s if two cores shared them "
        f"perfectly; {dict(statuses)}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=None, help="where to generate the instances (default: a temp dir)")
    parser.add_argument("--explain-seconds", type=float, default=None, help="default: allocate's (300 s)")
    parser.add_argument("--verify", type=int, default=3, help="rows per instance re-solved from files")
    parser.add_argument("--all-schools", default=None, help="thread counts, e.g. 2,3: time every school instead")
    parser.add_argument("--repeat", type=int, default=2, help="rounds of --all-schools")
    parser.add_argument("--floor", action="store_true", help="time one forced search per unplaced school instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.dir or Path(tmp)
        results = []
        for name, yml in national_instances(work):
            if args.floor:
                floor(yml)
                continue
            if args.all_schools:
                all_schools(yml, [int(n) for n in args.all_schools.split(",")], args.repeat)
                return
            results.append(measure(name, yml, work, args.explain_seconds, args.verify))
    if args.floor:
        return
    print(f"cores: {os.cpu_count()}, load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    header = "| instance | unplaced | analysed | not analysed | by kind | explain s | CLI s (CPU s) "
    print(header + "| without recommendations CLI s (CPU s) | verified from files |")
    print("|---|---:|---:|---:|---|---:|---:|---:|---|")
    for r in results:
        if "error" in r:
            print(f"| {r['instance']} | error: {r['error']} |")
            continue
        print(
            f"| {r['instance']} | {r['unplaced']} | {r['analysed']} | {r['not_analysed']} | {r['kinds']} | "
            f"{r['explain_s']} | {r['wall']:.1f} ({r['cpu']:.1f}) | {r['plain_wall']:.1f} ({r['plain_cpu']:.1f}) | "
            f"{r['verified']} |"
        )
    for r in results:
        for note in r.get("notes", []):
            print(f"- {r['instance']}: {note}")


if __name__ == "__main__":
    main()
