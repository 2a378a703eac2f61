#!/usr/bin/env python3
"""Benchmark allocator against a greedy baseline and HiGHS on generated scenarios.

    python benchmarks/run.py [--quick] [--kinds demo,hub,hub100,region,national] [--repeat N]

For the demo scenario (`scenarios/demo/scenario.yml`, `--locations sector`) and for each
generated kind (hub, a 100-school hub, region, national) with its tight variant, in one run:

1. `allocator.analysis.generate` writes the scenario into benchmarks/generated/ (git-ignored),
   with ../shared/data/england_state_secondary_2018_with_coords.csv as positions when
   that folder exists (the demo is copied there, with `locations: sector`);
2. the `allocate` CLI solves it in a child process with `--no-recommendations` (the
   like-for-like comparison: greedy and HiGHS explain nothing): end-to-end wall time
   (start-up, load, solve, check, tables, writing), CPU time and peak memory (the
   child's rusage); the tables it wrote are read back and re-verified with
   `check_allocation`;
3. the CLI runs once more with recommendations on (the default `--explain-seconds`
   budget): the explain stage's seconds and how many unplaced schools were analysed
   (the rest say "Not analysed" in allocations.csv);
4. the greedy baseline (`benchmarks.greedy`, what a hub lead does by hand) runs and is
   checked the same way;
5. the same model as a MIP (`benchmarks/highs_model.py`) is solved by HiGHS in a
   child process, one connected part at a time (its default), when `highspy` is installed;
6. on the instances named by `--determinism` (default demo and region), the CLI runs
   with and without `--deterministic`, alternately, to show what repeatability costs.

Results go to the "National scale" section of BENCHMARKS.md (between its result
markers; the rest of the file is kept), and to benchmarks/generated/results.json.
`--quick` runs small instances with a short time limit and writes its report to
benchmarks/generated/BENCHMARKS-quick.md instead.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from allocator.analysis.generate import generate  # noqa: E402
from allocator.check import check_allocation  # noqa: E402
from allocator.inputs.load import load  # noqa: E402
from allocator.problem.data import ProblemData  # noqa: E402
from allocator.problem.eligibility import Eligibility, compute_eligibility  # noqa: E402
from allocator.solving.solution import Allocation  # noqa: E402
from benchmarks.greedy import greedy_allocation  # noqa: E402

DEFAULT_POSITIONS = REPO.parent / "shared" / "data" / "england_state_secondary_2018_with_coords.csv"
DEMO = REPO / "scenarios" / "demo"
SECTION = "## National scale"
START = "<!-- national-scale:results:start (written by benchmarks/run.py) -->"
END = "<!-- national-scale:results:end -->"
KINDS = ("demo", "hub", "hub100", "region", "national")
HUB100_SCHOOLS = 100  # the explanation target's "hub with 100 schools" (times --scale)
NOT_ANALYSED = "Not analysed"


@dataclass
class Child:
    """One child process: exit code, wall seconds, peak resident memory."""

    returncode: int
    wall_s: float
    peak_mb: float
    cpu_s: float = 0.0  # user + system, all threads
    stderr: str = ""


@dataclass
class Row:
    name: str
    schools: int = 0
    specialists: int = 0
    groups: int = 0
    # allocator (CLI)
    status: str = ""
    objective: int | None = None
    gap: float | None = None
    solve_s: float | None = None
    wall_s: float | None = None
    cpu_s: float | None = None
    walls: list[float] = field(default_factory=list)
    peak_mb: float | None = None
    stages: dict[str, float] = field(default_factory=dict)
    placed: int | None = None
    km: float | None = None
    verified: str = ""
    # greedy
    greedy_objective: int | None = None
    greedy_placed: int | None = None
    greedy_km: float | None = None
    greedy_s: float | None = None
    greedy_ok: bool | None = None
    # HiGHS
    highs_status: str = ""
    highs_objective: int | None = None
    highs_gap: float | None = None
    highs_solve_s: float | None = None
    highs_build_s: float | None = None
    highs_wall_s: float | None = None
    highs_cpu_s: float | None = None
    highs_peak_mb: float | None = None
    highs_ok: bool | None = None
    # allocator with recommendations on (one run, default --explain-seconds)
    rec_status: str = ""
    rec_objective: int | None = None
    rec_wall_s: float | None = None
    rec_cpu_s: float | None = None
    rec_peak_mb: float | None = None
    rec_explain_s: float | None = None
    explain_s: float | None = None  # the explain stage of the timed runs (no recommendations)
    unplaced: int | None = None
    not_analysed: int | None = None
    # --deterministic against without (None: not measured on this instance)
    determinism: dict[str, object] | None = None
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- children


def run_child(cmd: list[str], cwd: Path, timeout: float) -> Child:
    """Run `cmd`, measuring its wall time and peak RSS (os.wait4 gives the child's own)."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=devnull, stderr=subprocess.PIPE)
        deadline = start + timeout
        stderr_chunks: list[bytes] = []
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                stderr_chunks.append(b"killed: benchmark timeout")
                break
            time.sleep(0.005)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.stderr is not None:
            stderr_chunks.insert(0, proc.stderr.read())
    return Child(
        proc.returncode,
        wall,
        usage.ru_maxrss / 1024.0,
        usage.ru_utime + usage.ru_stime,
        b"".join(stderr_chunks).decode("utf-8", "replace"),
    )


def allocate_command() -> list[str]:
    exe = Path(sys.executable).parent / "allocate"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("allocate")
    if found:
        return [found]
    return [sys.executable, "-c", "from allocator.cli.main import entry; entry()"]


def run_cli(
    scenario: Path,
    out_dir: Path,
    *,
    time_limit: float,
    args: list[str],
    cwd: Path,
    timeout: float,
) -> tuple[Child, dict | None]:
    """One `allocate` run in a child process, and the summary.json it wrote (None if none).
    `out_dir` (inside the benchmark's workdir) is removed first: no stale tables, and the
    CLI writes only into a folder it wrote before or a new one."""
    summary_path = out_dir / "summary.json"
    if out_dir.exists():
        shutil.rmtree(out_dir)
    child = run_child(
        [*allocate_command(), str(scenario), "--out", str(out_dir), "-q", "--time-limit", f"{time_limit:g}", *args],
        cwd=cwd,
        timeout=timeout,
    )
    summary = None
    if child.returncode == 0 and summary_path.exists():
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    return child, summary


def count_recommendations(out_dir: Path) -> tuple[int, int]:
    """Unplaced schools in allocations.csv, and how many of them say "Not analysed"."""
    unplaced = not_analysed = 0
    with open(out_dir / "allocations.csv", newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if row.get("status") == "unplaced":
                unplaced += 1
            if (row.get("recommendation") or "").lstrip("'").startswith(NOT_ANALYSED):
                not_analysed += 1
    return unplaced, not_analysed


# --------------------------------------------------------------------------- measures


def is_placed(problem: ProblemData, allocation: Allocation, s: int) -> bool:
    stage = problem.schools[s].stage
    p, g = allocation.school_specialist[s], allocation.school_group[s]
    if stage == "development":
        return p is not None
    if stage == "embedding":
        return p is not None and g is not None
    return g is not None


def placed_and_km(problem: ProblemData, elig: Eligibility, allocation: Allocation) -> tuple[int, float]:
    placed = sum(is_placed(problem, allocation, s) for s in range(problem.num_schools))
    km = 0.0
    for s in range(problem.num_schools):
        p, g = allocation.school_specialist[s], allocation.school_group[s]
        if p is not None:
            km += float(elig.specialist_km[s, p])
        if g is not None:
            km += float(elig.group_km[s, g])
    return placed, km


def read_cli_allocation(problem: ProblemData, out_dir: Path) -> Allocation:
    """The allocation the CLI wrote, back as indices (to re-verify it independently)."""
    school_idx = {s.urn: i for i, s in enumerate(problem.schools)}
    spec_idx = {p.id: i for i, p in enumerate(problem.specialists)}
    group_idx = {g.id: i for i, g in enumerate(problem.work_groups)}
    school_specialist: list[int | None] = [None] * problem.num_schools
    school_group: list[int | None] = [None] * problem.num_schools
    group_lead: list[int | None] = [None] * problem.num_groups
    with open(out_dir / "allocations.csv", newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            s = school_idx[row["urn"].lstrip("'")]
            if row.get("specialist"):
                school_specialist[s] = spec_idx[row["specialist"].lstrip("'")]
            if row.get("work_group"):
                school_group[s] = group_idx[row["work_group"].lstrip("'")]
    with open(out_dir / "work_groups.csv", newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if row.get("lead"):
                group_lead[group_idx[row["id"].lstrip("'")]] = spec_idx[row["lead"].lstrip("'")]
    return Allocation(tuple(school_specialist), tuple(school_group), tuple(group_lead))


# --------------------------------------------------------------------------- one instance


def bench_instance(
    name: str,
    scenario: Path,
    workdir: Path,
    *,
    time_limit: float,
    repeat: int,
    highs: bool,
    cli_args: tuple[str, ...] = (),
    locations: str | None = None,
    determinism: bool = False,
) -> Row:
    row = Row(name)
    problem = load(scenario, locations=locations).problem
    elig = compute_eligibility(problem)
    row.schools, row.specialists, row.groups = (problem.num_schools, problem.num_specialists, problem.num_groups)

    # Greedy baseline.
    t0 = time.perf_counter()
    greedy = greedy_allocation(problem, elig)
    row.greedy_s = time.perf_counter() - t0
    report = check_allocation(problem, greedy)
    row.greedy_ok = report.ok
    row.greedy_objective = report.objective
    row.greedy_placed, row.greedy_km = placed_and_km(problem, elig, greedy)
    if not report.ok:
        row.notes.append(f"greedy breaks rules: {report.violations[0]}")

    # allocator, end to end through the CLI, without recommendations (like for like:
    # greedy and HiGHS explain nothing). The fastest of `repeat` runs is reported.
    timeout = 20 * time_limit + 300
    plain = [*cli_args, "--no-recommendations"]
    summary: dict | None = None
    for i in range(repeat):
        out_dir = workdir / "out" / f"{name}-run{i + 1}"
        child, run_summary = run_cli(scenario, out_dir, time_limit=time_limit, args=plain, cwd=workdir, timeout=timeout)
        row.walls.append(child.wall_s)
        row.peak_mb = max(row.peak_mb or 0.0, child.peak_mb)
        if child.returncode != 0 or run_summary is None:
            row.status = f"exit {child.returncode}"
            row.notes.append(f"allocate: {child.stderr.strip().splitlines()[-1:]}")
            break
        if row.wall_s is None or child.wall_s < row.wall_s:
            # Report the fastest run, with its own stage timings and tables.
            row.wall_s, row.cpu_s = child.wall_s, child.cpu_s
            summary, fastest_dir = run_summary, out_dir
    if not row.status and summary is not None:
        row.status = summary["status"]
        row.objective = summary["objective"]
        row.gap = summary.get("gap")
        row.solve_s = summary.get("solve_seconds")
        row.stages = dict(summary.get("seconds", {}))
        row.explain_s = row.stages.get("explain")
        allocation = read_cli_allocation(problem, fastest_dir)
        check = check_allocation(problem, allocation)
        row.placed, row.km = placed_and_km(problem, elig, allocation)
        row.verified = "yes" if check.ok and check.objective == row.objective else "NO"
        if row.verified != "yes":
            row.notes.append("the CLI's tables do not re-verify")

    # allocator with recommendations on (the default --explain-seconds budget), once.
    out_dir = workdir / "out" / f"{name}-recommendations"
    child, rec = run_cli(scenario, out_dir, time_limit=time_limit, args=list(cli_args), cwd=workdir, timeout=timeout)
    row.rec_wall_s, row.rec_cpu_s, row.rec_peak_mb = child.wall_s, child.cpu_s, child.peak_mb
    if rec is None:
        row.rec_status = f"exit {child.returncode}"
        row.notes.append(f"allocate with recommendations: {child.stderr.strip().splitlines()[-1:]}")
    else:
        row.rec_status, row.rec_objective = rec["status"], rec["objective"]
        row.rec_explain_s = rec.get("seconds", {}).get("explain")
        row.unplaced, row.not_analysed = count_recommendations(out_dir)
        if row.rec_status == row.status == "OPTIMAL" and row.rec_objective != row.objective:
            row.notes.append(f"with recommendations the objective differs: {row.rec_objective} vs {row.objective}")

    # HiGHS on the same model.
    if highs:
        json_path = workdir / "out" / f"{name}.highs.json"
        json_path.unlink(missing_ok=True)
        child = run_child(
            [
                sys.executable,
                str(REPO / "benchmarks" / "highs_model.py"),
                str(scenario),
                "--time-limit",
                f"{time_limit:g}",
                "--json",
                str(json_path),
            ],
            cwd=REPO,
            timeout=timeout,
        )
        row.highs_wall_s, row.highs_peak_mb = child.wall_s, child.peak_mb
        row.highs_cpu_s = child.cpu_s
        if child.returncode == 0 and json_path.exists():
            h = json.loads(json_path.read_text(encoding="utf-8"))
            row.highs_status = h["status"]
            row.highs_objective = h["objective"]
            row.highs_gap = h["gap"]
            row.highs_solve_s = h["solve_seconds"]
            row.highs_build_s = h["build_seconds"]
            row.highs_ok = not h.get("violations") and h.get("checked_objective") == h["objective"]
            if row.highs_ok is False:
                row.notes.append("HiGHS's allocation does not re-verify")
            if row.status == row.highs_status == "OPTIMAL" and row.objective != row.highs_objective:
                row.notes.append(f"both OPTIMAL but objectives differ: {row.objective} vs {row.highs_objective}")
        else:
            row.highs_status = f"exit {child.returncode}"
            row.notes.append(f"HiGHS: {child.stderr.strip().splitlines()[-1:]}")
    if determinism:
        row.determinism = measure_determinism(
            name, scenario, workdir, time_limit=time_limit, repeat=repeat, cli_args=plain, timeout=timeout
        )
        for note in row.determinism.pop("notes"):
            row.notes.append(note)
    if row.objective is not None and row.greedy_objective is not None and row.objective < row.greedy_objective:
        row.notes.append("allocator is WORSE than greedy")
    return row


def measure_determinism(
    name: str,
    scenario: Path,
    workdir: Path,
    *,
    time_limit: float,
    repeat: int,
    cli_args: list[str],
    timeout: float,
) -> dict[str, object]:
    """The CLI with and without `--deterministic`, alternately, `repeat` times each
    (fastest of each reported); same other arguments (no recommendations)."""
    out: dict[str, object] = {"notes": []}
    for _ in range(repeat):
        for mode, extra in (("default", []), ("deterministic", ["--deterministic"])):
            out_dir = workdir / "out" / f"{name}-{mode}"
            child, summary = run_cli(
                scenario, out_dir, time_limit=time_limit, args=[*cli_args, *extra], cwd=workdir, timeout=timeout
            )
            if summary is None:
                if f"{mode}_wall_s" not in out:
                    out[f"{mode}_status"] = f"exit {child.returncode}"
                out["notes"].append(
                    f"allocate {' '.join(extra) or '(default)'}: {child.stderr.strip().splitlines()[-1:]}"
                )
                continue
            best = out.get(f"{mode}_wall_s")
            if best is None or child.wall_s < best:
                out[f"{mode}_wall_s"] = child.wall_s
                out[f"{mode}_cpu_s"] = child.cpu_s
                out[f"{mode}_solve_s"] = summary.get("solve_seconds")
                out[f"{mode}_status"] = summary["status"]
                out[f"{mode}_objective"] = summary["objective"]
    if out.get("default_status") == out.get("deterministic_status") == "OPTIMAL" and out.get(
        "default_objective"
    ) != out.get("deterministic_objective"):
        out["notes"].append("deterministic and default runs both OPTIMAL with different objectives")
    return out


# --------------------------------------------------------------------------- report


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {"nproc": str(os.cpu_count()), "memory": mem, "cpu": cpu, "load": load}


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for package in ("allocator", "ortools", "highspy", "numpy"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, text=True, capture_output=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=REPO, text=True, capture_output=True, check=True
        ).stdout.strip()
        out["commit"] = head + (" + uncommitted or untracked files" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        out["commit"] = "unknown"
    return out


def _f(x: float | int | None, fmt: str = "{:.2f}") -> str:
    return "–" if x is None else fmt.format(x)


def _ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or not b else f"{a / b:.2f}"


def render(rows: list[Row], meta: dict[str, object]) -> str:
    m, v = meta["machine"], meta["versions"]
    lines = [
        f"Run {meta['date']} with `{meta['command']}` (time limit {meta['time_limit']:g} s, "
        f"best of {meta['repeat']} CLI run{'s' if meta['repeat'] != 1 else ''}; positions: "
        f"{meta['positions']}).",
        "",
        f"Machine: {m['nproc']} cores, {m['memory']}, {m['cpu']}; load average before the run "
        f"{m['load']}. Python {v['python']}, OR-Tools {v['ortools']}, highspy {v['highspy']}, "
        f"commit {v['commit']}.",
        "",
        "allocator (end to end through the CLI with `--no-recommendations`, in a child "
        "process) against HiGHS on the same model (`benchmarks/highs_model.py`, one connected "
        "part at a time, as allocator solves). *CLI s*: wall time from start-up to tables "
        "written (*CPU s*: the child's user and system time, all threads; steadier than wall "
        "time on a shared machine); *solve s*: CP-SAT's search as summary.json reports it; "
        "*ratio*: allocator's CLI wall time over HiGHS's (child process: start-up, load, "
        "build, solve, check); *MB*: peak resident memory. *demo* is "
        "`scenarios/demo/scenario.yml` with `--locations sector`; *hub100* a generated hub "
        "scaled to 100 schools.",
        "",
        "| instance | schools / specialists / groups | status | objective | gap | solve s | "
        "CLI s | CPU s | MB | HiGHS status | HiGHS objective | HiGHS solve s | HiGHS s | "
        "HiGHS CPU s | HiGHS MB | ratio |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.schools} / {r.specialists} / {r.groups} | {r.status} | "
            f"{_f(r.objective, '{:,}')} | {_f(r.gap, '{:.4f}')} | {_f(r.solve_s)} | "
            f"{_f(r.wall_s)} | {_f(r.cpu_s)} | {_f(r.peak_mb, '{:.0f}')} | "
            f"{r.highs_status or '–'} | {_f(r.highs_objective, '{:,}')} | {_f(r.highs_solve_s)} | "
            f"{_f(r.highs_wall_s)} | {_f(r.highs_cpu_s)} | {_f(r.highs_peak_mb, '{:.0f}')} | "
            f"{_ratio(r.wall_s, r.highs_wall_s)} |"
        )
    lines += [
        "",
        "Against the greedy baseline (schools in application order, nearest free specialist, "
        "nearest group with a chosen focus; checked by `check_allocation`). *km*: every "
        "school–specialist and school–venue trip of the allocation.",
        "",
        "| instance | placed (allocator / greedy) | km (allocator / greedy) | km per placed school "
        "(allocator / greedy) | objective (allocator / greedy) | greedy s | checks |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        per = (
            f"{r.km / max(1, r.placed):.1f} / {r.greedy_km / max(1, r.greedy_placed):.1f}"
            if r.km is not None and r.greedy_km is not None and r.placed is not None and r.greedy_placed is not None
            else "–"
        )
        checks = []
        checks.append(f"allocator tables re-verified: {r.verified or '–'}")
        checks.append(f"greedy valid: {'yes' if r.greedy_ok else 'NO'}")
        if r.highs_ok is not None:
            checks.append(f"HiGHS valid: {'yes' if r.highs_ok else 'NO'}")
        lines.append(
            f"| {r.name} | {_f(r.placed, '{}')} / {_f(r.greedy_placed, '{}')} | "
            f"{_f(r.km, '{:,.0f}')} / {_f(r.greedy_km, '{:,.0f}')} | {per} | "
            f"{_f(r.objective, '{:,}')} / {_f(r.greedy_objective, '{:,}')} | "
            f"{_f(r.greedy_s)} | {'; '.join(checks)} |"
        )
    stage_names = sorted({k for r in rows for k in r.stages}, key=_stage_order)
    if stage_names:
        lines += [
            "",
            "Where the CLI's time goes (`seconds` in summary.json; *other* = CLI wall time minus "
            "those: interpreter start-up, imports, loading and validating the files, writing "
            "the tables).",
            "",
            "| instance | " + " | ".join(stage_names) + " | other | CLI s |",
            "|---|" + "---:|" * (len(stage_names) + 2),
        ]
        for r in rows:
            if r.wall_s is None or not r.stages:
                continue
            other = r.wall_s - sum(r.stages.values())
            lines.append(
                f"| {r.name} | "
                + " | ".join(_f(r.stages.get(k)) for k in stage_names)
                + f" | {other:.2f} | {r.wall_s:.2f} |"
            )
    rec_rows = [r for r in rows if r.rec_status]
    if rec_rows:
        lines += [
            "",
            "With recommendations on (one more CLI run per instance, default `--explain-seconds` "
            "budget, so the what-if re-solves run). *explain s*: the explain stage in "
            "summary.json (shares, alternatives and the recommendations' re-solves); *without*: "
            "the same stage in the `--no-recommendations` run above; *analysed*: unplaced "
            'schools that got a recommendation, the rest say "Not analysed" in '
            "allocations.csv; *CLI s*, *CPU s*, *MB*: that whole run.",
            "",
            "| instance | status | unplaced | analysed | not analysed | explain s | without | CLI s | CPU s | MB |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rec_rows:
            analysed = None if r.unplaced is None or r.not_analysed is None else r.unplaced - r.not_analysed
            lines.append(
                f"| {r.name} | {r.rec_status} | {_f(r.unplaced, '{}')} | {_f(analysed, '{}')} | "
                f"{_f(r.not_analysed, '{}')} | {_f(r.rec_explain_s)} | {_f(r.explain_s)} | "
                f"{_f(r.rec_wall_s)} | {_f(r.rec_cpu_s)} | {_f(r.rec_peak_mb, '{:.0f}')} |"
            )
    det_rows = [r for r in rows if r.determinism]
    if det_rows:
        lines += [
            "",
            "What `--deterministic` costs (CLI with `--no-recommendations`, run with and "
            "without `--deterministic` alternately, fastest of each; *solve s* from "
            "summary.json).",
            "",
            "| instance | status (default / deterministic) | objective (default / deterministic) | "
            "solve s (default / deterministic) | CLI s (default / deterministic) | "
            "CPU s (default / deterministic) | extra CLI s | extra CPU s |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in det_rows:
            d = r.determinism or {}

            def pair(key: str, fmt: str = "{:.2f}", d=d) -> str:
                a, b = d.get(f"default_{key}"), d.get(f"deterministic_{key}")
                return f"{_f(a, fmt)} / {_f(b, fmt)}"

            def extra(key: str, d=d) -> str:
                a, b = d.get(f"default_{key}"), d.get(f"deterministic_{key}")
                return "–" if a is None or b is None else f"{b - a:+.2f}"

            lines.append(
                f"| {r.name} | {d.get('default_status', '–')} / "
                f"{d.get('deterministic_status', '–')} | {pair('objective', '{:,}')} | "
                f"{pair('solve_s')} | {pair('wall_s')} | {pair('cpu_s')} | {extra('wall_s')} | "
                f"{extra('cpu_s')} |"
            )
    notes = [f"- {r.name}: {n}" for r in rows for n in r.notes]
    if notes:
        lines += ["", "Notes:", "", *notes]
    return "\n".join(lines)


def _stage_order(name: str) -> tuple[int, str]:
    order = ["eligibility", "components", "build", "solve", "check", "tables", "explain"]
    return (order.index(name) if name in order else len(order), name)


def write_report(path: Path, block: str) -> None:
    """Replace the results block of the National scale section, keeping everything else."""
    body = f"{START}\n{block}\n{END}"
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if START in text and END in text:
            before, rest = text.split(START, 1)
            after = rest.split(END, 1)[1]
            text = before + body + after
        elif SECTION in text:
            head, tail = text.split(SECTION, 1)
            text = head + SECTION + "\n\n" + body + "\n" + tail
        else:
            text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{body}\n"
    else:
        text = f"# Benchmarks\n\n{SECTION}\n\n{body}\n"
    path.write_text(text, encoding="utf-8")


def copy_demo(folder: Path) -> Path:
    """The demo scenario copied into `folder`, its YAML saying `locations: sector` so that
    every reader (the CLI is also given `--locations sector`, HiGHS, the baselines) agrees."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in DEMO.glob("*.csv"):
        shutil.copyfile(path, folder / path.name)
    text = (DEMO / "scenario.yml").read_text(encoding="utf-8")
    if not any(line.startswith("locations:") for line in text.splitlines()):
        text = text.rstrip("\n") + "\nlocations: sector\n"
    scenario = folder / "scenario.yml"
    scenario.write_text(text, encoding="utf-8")
    return scenario


def generate_instance(kind: str, folder: Path, *, seed: int, tight: bool, positions: Path | None, scale: float):
    """`allocator.analysis.generate`; the hub100 kind is the seed's hub scaled to 100 schools."""
    if kind != "hub100":
        return generate(kind, folder, seed=seed, tight=tight, positions=positions, scale=scale)
    base = generate("hub", folder, seed=seed, tight=tight, positions=positions, scale=1.0)
    return generate(
        "hub", folder, seed=seed, tight=tight, positions=positions, scale=scale * HUB100_SCHOOLS / base.num_schools
    )


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark allocator against greedy and HiGHS.")
    parser.add_argument(
        "--quick", action="store_true", help="small instances (scale 0.1) and a 10 s limit; report in the workdir"
    )
    parser.add_argument(
        "--kinds",
        default=",".join(KINDS),
        help="comma-separated kinds: demo, hub, hub100, region, national (default: all)",
    )
    parser.add_argument("--no-tight", action="store_true", help="skip the tight variants")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--scale", type=float, default=None, help="multiply the number of schools (default 1, or 0.1 with --quick)"
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="seconds for allocator and HiGHS each (default 60, or 10 with --quick)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="CLI runs per instance (best wall)")
    parser.add_argument(
        "--positions",
        type=Path,
        default=None,
        help=f"CSV of school positions (default: {DEFAULT_POSITIONS} if present)",
    )
    parser.add_argument("--no-positions", action="store_true", help="synthetic positions only")
    parser.add_argument("--no-highs", action="store_true", help="skip HiGHS")
    parser.add_argument(
        "--determinism",
        default="demo,region",
        help="comma-separated instances (e.g. demo,region-tight) on which to "
        "time --deterministic against without; empty: none (default: %(default)s)",
    )
    parser.add_argument("--workdir", type=Path, default=REPO / "benchmarks" / "generated")
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        help="markdown file to update (default BENCHMARKS.md; with --quick, WORKDIR/BENCHMARKS-quick.md)",
    )
    args = parser.parse_args(argv)

    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        parser.error(f"unknown kind(s) {', '.join(unknown)}; use {', '.join(KINDS)}")
    scale = args.scale if args.scale is not None else (0.1 if args.quick else 1.0)
    time_limit = args.time_limit if args.time_limit is not None else (10.0 if args.quick else 60.0)
    positions = (
        None if args.no_positions else (args.positions or (DEFAULT_POSITIONS if DEFAULT_POSITIONS.exists() else None))
    )
    highs = not args.no_highs and importlib.util.find_spec("highspy") is not None
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    default_report = workdir / "BENCHMARKS-quick.md" if args.quick else REPO / "BENCHMARKS.md"
    report = args.report or default_report
    given = list(argv if argv is not None else sys.argv[1:])
    meta: dict[str, object] = {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "command": " ".join(["python benchmarks/run.py", *given]),
        "machine": machine(),
        "versions": versions(),
        "time_limit": time_limit,
        "repeat": args.repeat,
        "scale": scale,
        "positions": f"`{positions.name}`" if positions else "synthetic",
    }
    if not highs:
        print("highspy is not installed (or --no-highs): skipping HiGHS", file=sys.stderr)

    determinism = {n.strip() for n in args.determinism.split(",") if n.strip()}
    rows: list[Row] = []
    for kind in kinds:
        variants = (False,) if args.no_tight or kind == "demo" else (False, True)
        for tight in variants:
            name = kind + ("-tight" if tight else "")
            folder = workdir / name
            if kind == "demo":
                scenario = copy_demo(folder)
                cli_args: tuple[str, ...] = ("--locations", "sector")
            else:
                made = generate_instance(kind, folder, seed=args.seed, tight=tight, positions=positions, scale=scale)
                scenario, cli_args = made.scenario, ()
            print(f"{name}: {scenario} ...", file=sys.stderr, flush=True)
            row = bench_instance(
                name,
                scenario,
                workdir,
                time_limit=time_limit,
                repeat=args.repeat,
                highs=highs,
                cli_args=cli_args,
                locations="sector" if kind == "demo" else None,
                determinism=name in determinism,
            )
            rows.append(row)
            print(
                f"  {row.schools} schools, {row.specialists} specialists, {row.groups} groups; "
                f"allocator {row.status} {row.objective} in {_f(row.wall_s)} s "
                f"({_f(row.peak_mb, '{:.0f}')} MB); with recommendations "
                f"{_f(row.rec_wall_s)} s (explain {_f(row.rec_explain_s)} s); greedy "
                f"{row.greedy_objective}; HiGHS {row.highs_status or '–'} "
                f"{row.highs_objective} in {_f(row.highs_wall_s)} s",
                file=sys.stderr,
                flush=True,
            )

    (workdir / "results.json").write_text(
        json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, indent=2), encoding="utf-8"
    )
    write_report(report, render(rows, meta))
    print(f"Wrote {report}", file=sys.stderr)
    bad = [r for r in rows if r.verified == "NO" or r.greedy_ok is False or r.highs_ok is False]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
