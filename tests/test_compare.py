"""Comparing two runs (allocator.analysis.compare): in memory, from output folders, on the command line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from allocator.analysis.api import Scenario, allocate, load_scenario
from allocator.analysis.compare import compare_command, compare_runs
from tests.builders import PLAIN, group, problem, school, specialist


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The demo, and the demo without MS05 and with a 40 km limit, solved and written."""
    from tests.conftest import copy_demo

    base = tmp_path_factory.mktemp("compare")
    scenario = load_scenario(copy_demo(base / "demo").yml)
    variant = scenario.without_specialists("MS05").with_rules(max_travel_km=40)
    a = allocate(scenario, time_limit_s=20, recommendations=False)
    b = allocate(variant, time_limit_s=20, recommendations=False)
    a.write(base / "before")
    b.write(base / "after")
    return a, b, base / "before", base / "after"


def tiny_scenario() -> Scenario:
    """Two development schools, each nearest to its own specialist: a unique optimum.

    S1 at km 0 and S2 at km 10, development schools at km 1 and km 9, a sustaining school
    next to G1's venue: objective 3 * 1000 - 1 - 1 - 0 = 2998, less G1's lead travel (S1 at 0,
    the venue at 2 km: 2) = 2996.
    """
    return Scenario.from_problem(
        problem(
            [school("100001", km=1), school("100002", km=9), school("100003", "sustaining", km=2)],
            [specialist("S1", km=0, capacity=1), specialist("S2", km=10, capacity=1)],
            [group("G1", km=2)],
            weights=PLAIN,
        )
    )


def test_a_run_and_its_own_folder_are_the_same(runs):
    a, _, before, _ = runs
    comparison = compare_runs(a, before)
    assert comparison.same
    assert comparison.moved.empty
    assert "No school moved." in str(comparison)
    assert comparison.labels == ("A", "before")


def test_withdrawing_a_specialist_moves_their_schools(runs):
    a, b, before, after = runs
    comparison = compare_runs(before, after)
    moved = comparison.moved.set_index("urn")
    had_ms05 = a.allocations[a.allocations["specialist"] == "MS05"]["urn"]
    assert len(had_ms05) > 0
    for urn in had_ms05:
        assert urn in moved.index
        assert moved.loc[urn, "specialist_a"] == "MS05"
        assert moved.loc[urn, "specialist_b"] != "MS05"
    # Terms side by side: B minus A, and the objective is their sum.
    terms = comparison.terms
    assert terms.loc["objective", "a"] == a.objective and terms.loc["objective", "b"] == b.objective
    assert (terms["change"] == terms["b"] - terms["a"]).all()
    assert terms.loc["objective", "change"] == terms["change"].drop("objective").sum()
    # Placed by stage.
    by_stage = comparison.by_stage
    assert list(by_stage.index) == ["development", "embedding", "sustaining", "all"]
    assert by_stage.loc["all", "a"] == a.key_figures()["placed"]
    assert by_stage.loc["all", "change"] == b.key_figures()["placed"] - a.key_figures()["placed"]
    # In memory or from the folders: the same comparison.
    in_memory = compare_runs(a, b)
    assert in_memory.moved.equals(comparison.moved)
    assert comparison.figures.loc["total_km", "a"] == a.key_figures()["total_km"]


def test_exact_moves_on_a_unique_optimum():
    scenario = tiny_scenario()
    a = allocate(scenario, time_limit_s=5, recommendations=False)
    assert a.objective == 2996
    # S1 withdraws and 100003 withdraws its application. S2 (capacity 1) keeps 100002
    # (1 km) rather than take 100001 (9 km), so 100001 is no longer placed.
    b = allocate(scenario.without_specialists("S1").without_schools("100003"), time_limit_s=5, recommendations=False)
    comparison = compare_runs(a, b, labels=("before", "after"))
    moved = comparison.moved.set_index("urn")
    assert b.objective == 1000 - 1
    assert set(moved.index) == {"100001", "100003"}
    assert moved.loc["100001", "change"] == "placed in A only"
    assert moved.loc["100001", "specialist_a"] == "S1"
    assert moved.loc["100003", "change"] == "applies in A only"
    assert comparison.by_stage.loc["all"].tolist() == [3, 1, -2]
    assert comparison.terms.loc["place"].tolist() == [3000, 1000, -2000]
    text = str(comparison)
    assert text.startswith("A: before\nB: after")
    assert "100001 School 100001 (development): placed in A only: S1 -> unplaced" in text
    assert "100003 School 100003 (sustaining): applies in A only: G1 -> not applying" in text


def test_compare_command(runs, tmp_path):
    _, _, before, after = runs
    result = CliRunner().invoke(compare_command, [str(before), str(after), "--csv", str(tmp_path / "moved.csv")])
    assert result.exit_code == 0, result.output
    assert f"A: {before}" in result.output
    assert "Schools that moved" in result.output
    assert "objective" in result.output
    assert (tmp_path / "moved.csv").read_text(encoding="utf-8").startswith("urn,name,stage,change")


def test_compare_command_refuses_a_folder_allocate_did_not_write(runs, tmp_path):
    _, _, before, _ = runs
    result = CliRunner().invoke(compare_command, [str(before), str(tmp_path)])
    assert result.exit_code == 2
    assert "has no summary.json" in result.output


def test_a_run_without_allocation_counts_every_school_unplaced():
    scenario = tiny_scenario()
    # Pinning 100002 to S1 as well as 100001 breaks S1's capacity of 1: INFEASIBLE.
    from dataclasses import replace

    from allocator.problem.data import Requirement

    pins = (Requirement(0, specialist_idx=0, index=0), Requirement(1, specialist_idx=0, index=1))
    impossible = Scenario.from_problem(replace(scenario.problem, pins=pins))
    a = allocate(scenario, time_limit_s=5, recommendations=False)
    b = allocate(impossible, time_limit_s=5, recommendations=False)
    assert b.status == "INFEASIBLE"
    comparison = compare_runs(a, b)
    assert set(comparison.moved["change"]) == {"placed in A only"}
    assert len(comparison.moved) == 3
    assert comparison.by_stage.loc["all"].tolist() == [3, 0, -3]
