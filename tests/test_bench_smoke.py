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
@pytest.mark.parametrize("by_parts", [True, False], ids=["by-part", "whole"])
def test_highs_model_agrees_with_cp_sat_on_the_demo(by_parts):
    solve_highs = _bench_module("highs_model").solve_highs
    from allocator.check import check_allocation
    from allocator.inputs.load import load
    from allocator.problem.data import SolverSettings
    from allocator.solving.search import search

    for yml in ("scenario.yml", "scenario_pins.yml"):
        problem = load(REPO_DIR / "scenarios" / "demo" / yml, locations="sector").problem
        highs = solve_highs(problem, time_limit_s=30, by_parts=by_parts)
        cp = search(problem, SolverSettings(time_limit_s=30, workers=8, seed=0))
        assert highs.status == cp.status.value == "OPTIMAL"
        assert highs.objective == cp.objective
        assert check_allocation(problem, highs.allocation).ok


def _programme_problem(whole_pairs: bool = False):
    """Lone departments, groups meeting at their chosen lead, lead travel and two parts.

    Weights: place 1000, 1 per km, lone_department 400 (tests/builders.py: places on one
    meridian, distances are differences of `km`). Hub H: development schools at 0, 1
    and 2 km; S1 at 0 and S2 at 30 (development capacity 2, one group each).
    - S1 takes the schools at 0 and 1 (a pair), S2 the one at 2, alone: 3000 - (0 + 1 +
      28) - 400 = 2571 (any other split travels further; leaving it out loses 572).
    - G1 meets at its chosen lead; sustaining schools at 0 and 2: led by S1, 1000 + 1000
      - 0 - 2 = 1998.
    - G2 meets at its venue (40 km), one sustaining school there: led by S2, who travels
      10 km: 1000 - 0 - 10 = 990 (S1 leads G1; swapping costs far more).
    Hub K, a part of its own: a development school at 0, S5 at 5 (capacity 2), alone:
    1000 - 5 - 400 = 595.
    Total 2571 + 1998 + 990 + 595 = 6154. With whole_pairs no specialist may be lone: the
    school at 2 and K's school stay out: 1999 + 1998 + 990 = 4987.
    """
    from dataclasses import replace

    from tests.builders import PLAIN, group, problem, school, specialist

    schools = [school("100001", km=0), school("100002", km=1), school("100003", km=2)]
    schools += [school("100004", "sustaining", km=0), school("100005", "sustaining", km=2)]
    schools += [school("100006", "sustaining", km=40), school("200001", km=0, hub="K")]
    specialists = [specialist("S1", km=0), specialist("S2", km=30), specialist("S5", km=5, hub="K")]
    groups = [group("G1", km=99, venue_at_lead=True, venue_postcode=None), group("G2", km=40)]
    weights = replace(PLAIN, lone_department=400)
    return problem(schools, specialists, groups, weights=weights, whole_pairs=whole_pairs)


@pytest.mark.skipif(not HAS_HIGHS, reason="highspy is not installed")
@pytest.mark.parametrize("by_parts", [True, False], ids=["by-part", "whole"])
@pytest.mark.parametrize(("whole_pairs", "expected"), [(False, 6154), (True, 4987)])
def test_highs_model_prices_lone_departments_and_leads_as_allocator_does(by_parts, whole_pairs, expected):
    solve_highs = _bench_module("highs_model").solve_highs
    from allocator.check import check_allocation
    from allocator.solving.search import search

    p = _programme_problem(whole_pairs)
    highs = solve_highs(p, time_limit_s=30, by_parts=by_parts)
    cp = search(p)
    assert highs.status == cp.status.value == "OPTIMAL"
    assert highs.parts == (2 if by_parts else 1)
    assert highs.objective == cp.objective == expected
    report = check_allocation(p, highs.allocation)
    assert report.ok and report.objective == expected
    assert report.terms["lone_department"] == (0 if whole_pairs else -800)


@pytest.mark.skipif(not HAS_HIGHS, reason="highspy is not installed")
@pytest.mark.parametrize("by_parts", [True, False], ids=["by-part", "whole"])
def test_highs_model_earns_keep_as_allocator_does(by_parts):
    # tests/test_keep.py's hand-checked re-run: 3000 - 65 (travel) - 5 (lead) + 900 = 3830.
    solve_highs = _bench_module("highs_model").solve_highs
    from dataclasses import replace

    from allocator.check import check_allocation
    from allocator.solving.solution import Allocation
    from tests.builders import PLAIN, group, problem, school, specialist
    from tests.test_keep import rerun, rows_of

    p = problem(
        [school("100001", km=10), school("100002", "embedding", km=20), school("100003", "sustaining", km=25)],
        [specialist("A", km=0), specialist("B", km=10)],
        [group("G1", km=5)],
        weights=replace(PLAIN, keep=300),
    )
    p2 = rerun(p, rows_of(p, Allocation((0, 0, None), (None, 0, 0), (0,))))
    highs = solve_highs(p2, time_limit_s=30, by_parts=by_parts)
    assert highs.status == "OPTIMAL" and highs.objective == 3830
    report = check_allocation(p2, highs.allocation)
    assert report.ok and report.terms["keep"] == 900 and report.objective == 3830


@pytest.mark.skipif(not HAS_HIGHS, reason="highspy is not installed")
@pytest.mark.parametrize("by_parts", [True, False], ids=["by-part", "whole"])
def test_highs_model_finds_a_pin_on_a_forbidden_pair_infeasible_as_allocator_does(by_parts):
    # 100001's only specialist is forbidden to it, so its pin has no pair: no part holds
    # the school (by part) and the whole model has no variable for the pin.
    solve_highs = _bench_module("highs_model").solve_highs
    from allocator.solving.search import search
    from tests.builders import problem, school, specialist

    p = problem(
        [school("100001", km=1), school("100002", km=2)],
        [specialist("S1", km=0)],
        pins=[("100001", "S1")],
        forbids=[("100001", "S1")],
    )
    highs = solve_highs(p, time_limit_s=30, by_parts=by_parts)
    assert highs.status == search(p).status.value == "INFEASIBLE"
    assert highs.allocation is None
