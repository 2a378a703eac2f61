"""The benchmark command runs end to end on a tiny instance (issue 7); no timings asserted."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from tests.conftest import REPO_DIR

RUN = REPO_DIR / "benchmarks" / "run.py"
HAS_HIGHS = importlib.util.find_spec("highspy") is not None


def test_quick_benchmark_on_a_tiny_hub(tmp_path):
    report = tmp_path / "BENCH.md"
    args = [
        sys.executable,
        str(RUN),
        "--quick",
        "--kinds",
        "hub",
        "--no-tight",
        "--workdir",
        str(tmp_path / "work"),
        "--report",
        str(report),
        "--no-positions",
    ]
    if not HAS_HIGHS:
        args.append("--no-highs")
    done = subprocess.run(args, cwd=REPO_DIR, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr

    results = json.loads((tmp_path / "work" / "results.json").read_text(encoding="utf-8"))
    (row,) = results["rows"]
    assert row["name"] == "hub"
    assert row["status"] == "OPTIMAL"
    assert row["verified"] == "yes"  # the CLI's tables pass the independent checker
    assert row["greedy_ok"] is True
    assert row["greedy_objective"] <= row["objective"]
    assert row["wall_s"] > 0 and row["peak_mb"] > 0
    if HAS_HIGHS:
        assert row["highs_status"] == "OPTIMAL"
        assert row["highs_ok"] is True
        assert row["highs_objective"] == row["objective"]
    else:
        assert row["highs_status"] == ""

    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks")
    assert "## National scale" in text
    assert "| hub |" in text
    assert "Machine:" in text and "python benchmarks/run.py --quick" in text


def _bench_module(name: str):
    """A module of benchmarks/ (not a package), loaded from its file."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", RUN.parent / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def test_report_update_keeps_the_rest_of_the_file(tmp_path):
    bench = _bench_module("run")
    path = tmp_path / "BENCHMARKS.md"
    bench.write_report(path, "first results")
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("## National scale\n", "## National scale\n\nHand-written notes.\n")
        + "\n## Another section\n\nKept.\n",
        encoding="utf-8",
    )
    bench.write_report(path, "second results")
    text = path.read_text(encoding="utf-8")
    assert "second results" in text and "first results" not in text
    assert "Hand-written notes." in text and "## Another section\n\nKept." in text
    assert text.count("## National scale") == 1


@pytest.mark.skipif(not HAS_HIGHS, reason="highspy is not installed")
def test_highs_model_agrees_with_cp_sat_on_the_demo():
    solve_highs = _bench_module("highs_model").solve_highs
    from allocator.check import check_allocation
    from allocator.inputs.load import load
    from allocator.problem.data import SolverSettings
    from allocator.solving.search import search

    for yml in ("scenario.yml", "scenario_pins.yml"):
        problem = load(REPO_DIR / "scenarios" / "demo" / yml, locations="sector").problem
        highs = solve_highs(problem, time_limit_s=30)
        cp = search(problem, SolverSettings(time_limit_s=30, workers=8, seed=0))
        assert highs.status == cp.status.value == "OPTIMAL"
        assert highs.objective == cp.objective
        assert check_allocation(problem, highs.allocation).ok
