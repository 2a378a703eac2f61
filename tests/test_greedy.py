"""The greedy baseline (issue 7): valid by the checker, never better than the optimum."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings

from allocator.analysis.generate import generate
from allocator.check import check_allocation
from allocator.inputs.load import load
from allocator.problem.data import SolverSettings
from allocator.solving.search import search
from allocator.solving.solution import SolveStatus
from benchmarks.greedy import greedy_allocation
from tests import builders as b
from tests.bruteforce import brute_force_optimum
from tests.conftest import DEMO_DIR
from tests.strategies import tiny_problems

FAST = SolverSettings(time_limit_s=20, workers=8, seed=0)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_problems())
def test_greedy_is_valid_and_never_beats_brute_force(problem):
    allocation = greedy_allocation(problem)
    report = check_allocation(problem, allocation)
    assert report.violations == ()
    # Without pins an optimum always exists (placing nobody is allowed).
    assert report.objective <= brute_force_optimum(problem)


@pytest.mark.parametrize("yml", ["scenario.yml", "scenario_pins.yml"])
def test_demo_greedy_is_valid_and_below_the_optimum(yml):
    problem = load(DEMO_DIR / yml, locations="sector").problem
    allocation = greedy_allocation(problem)
    report = check_allocation(problem, allocation)
    assert report.violations == ()
    for pin in problem.pins:
        if pin.specialist_idx is not None:
            assert allocation.school_specialist[pin.school_idx] == pin.specialist_idx
        if pin.group_idx is not None:
            assert allocation.school_group[pin.school_idx] == pin.group_idx
    result = search(problem, FAST)
    assert result.status == SolveStatus.OPTIMAL
    assert report.objective <= result.objective


@pytest.mark.parametrize("tight", [False, True], ids=["normal", "tight"])
@pytest.mark.parametrize("kind,scale", [("hub", 0.3), ("region", 0.06)])
def test_generated_scenarios_greedy_is_valid_and_below_the_optimum(tmp_path, kind, scale, tight):
    made = generate(kind, tmp_path, seed=1, tight=tight, scale=scale)
    problem = load(made.scenario).problem
    report = check_allocation(problem, greedy_allocation(problem))
    assert report.violations == ()
    result = search(problem, FAST)
    assert result.status == SolveStatus.OPTIMAL
    assert report.objective <= result.objective


def test_schools_in_application_order_take_the_nearest_free_specialist():
    # S1 at 0 km has one place; school 1 (at 1 km) applies first and takes it, so
    # school 2 (at 0 km) gets S2 at 10 km. The optimum swaps nothing here: both
    # orders cost 11 km. Greedy: 2000 - 1 - 10 = 1989.
    p = b.problem(
        [b.school("100001", km=1), b.school("100002", km=0)],
        [b.specialist("S1", km=0, capacity=1), b.specialist("S2", km=10)],
    )
    allocation = greedy_allocation(p)
    assert allocation.school_specialist == (0, 1)
    assert check_allocation(p, allocation).objective == 1989


def test_an_embedding_school_keeps_last_years_specialist_when_it_can():
    # S1 is nearer, but S2 supported the school last year.
    p = b.problem(
        [b.school("100001", "embedding", km=0, previous_specialist="S2")],
        [b.specialist("S1", km=1), b.specialist("S2", km=5)],
        [b.group("G", km=0)],
    )
    allocation = greedy_allocation(p)
    assert allocation.school_specialist == (1,)
    assert allocation.school_group == (0,)
    assert allocation.group_lead[0] is not None


def test_an_embedding_school_without_a_group_gets_no_specialist_either():
    p = b.problem(
        [b.school("100001", "embedding", km=0)],
        [b.specialist("S1", km=1)],
        [b.group("G", km=0, phase="primary")],
    )
    allocation = greedy_allocation(p)
    assert allocation.school_specialist == (None,)
    assert allocation.school_group == (None,)
    assert check_allocation(p, allocation).ok


def test_a_group_nobody_can_lead_is_skipped_for_the_next_nearest():
    # G1 is nearest but S1 may not lead (max_groups 0); G2 has a lead.
    p = b.problem(
        [b.school("100001", "sustaining", km=0)],
        [b.specialist("S1", km=0, max_groups=0), b.specialist("S2", km=30)],
        [b.group("G1", km=1, lead_idx=0), b.group("G2", km=3)],
    )
    allocation = greedy_allocation(p)
    assert allocation.school_group == (1,)
    assert allocation.group_lead == (None, 1)
    assert check_allocation(p, allocation).ok


def test_a_group_below_min_schools_is_closed_and_its_schools_unplaced():
    problem = load(DEMO_DIR / "scenario.yml", locations="sector").problem
    # Every group needs more schools than apply: none can run.
    groups = tuple(replace(g, min_schools=60, max_schools=60) for g in problem.work_groups)
    problem = replace(problem, work_groups=groups)
    allocation = greedy_allocation(problem)
    assert check_allocation(problem, allocation).ok
    assert all(g is None for g in allocation.school_group)
    assert all(lead is None for lead in allocation.group_lead)
    for s, school in enumerate(problem.schools):
        if school.stage == "embedding":  # placed completely or not at all
            assert allocation.school_specialist[s] is None
