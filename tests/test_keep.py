"""Re-runs (issue 15): the `keep` term, minimal disruption and locks, on tiny problems.

Weights are PLAIN (1000 per placed school, 1 per km, nothing else) plus `keep`. Places
sit on one meridian; `km=` is the distance north of the origin, so every distance is a
difference of two `km` values.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.check import check_allocation
from allocator.inputs.issues import InputError
from allocator.inputs.previous import AllocationsFile, apply_previous
from allocator.problem import variants
from allocator.problem.data import PreviousPlacement, ProblemData, SolverSettings
from allocator.solving.search import search
from allocator.solving.solution import Allocation, SolveStatus
from tests.bruteforce import brute_force_best, brute_force_optimum
from tests.builders import PLAIN, group, problem, school, specialist
from tests.strategies import tiny_problems

FAST = SolverSettings(time_limit_s=20, workers=8, seed=0)


def rows_of(p: ProblemData, allocation: Allocation, locked: tuple[str, ...] = ()) -> AllocationsFile:
    """The allocations table `allocate` would write for `allocation`, as read back."""
    rows = []
    for i, s in enumerate(p.schools):
        sp, g = allocation.school_specialist[i], allocation.school_group[i]
        placed = {"development": sp is not None, "embedding": sp is not None and g is not None}.get(
            s.stage, g is not None
        )
        rows.append(
            PreviousPlacement(
                s.urn,
                s.stage,
                placed,
                p.specialists[sp].id if placed and sp is not None else None,
                p.work_groups[g].id if placed and g is not None else None,
                s.urn in locked,
                i + 2,
            )
        )
    return AllocationsFile("allocations.csv", Path("allocations.csv"), tuple(rows))


def rerun(p: ProblemData, previous: AllocationsFile) -> ProblemData:
    return apply_previous(p, previous)[0]


def solved(p: ProblemData):
    """Solve; the independent checker must agree with the solver, term `keep` included."""
    result = search(p, FAST)
    assert result.status == SolveStatus.OPTIMAL
    report = check_allocation(p, result.allocation)
    assert report.violations == ()
    assert report.objective == result.objective
    return result, report


def placed_with(p: ProblemData, result) -> dict[str, str | None]:
    a = result.allocation
    return {
        s.urn: (p.specialists[a.school_specialist[i]].id if a.school_specialist[i] is not None else None)
        for i, s in enumerate(p.schools)
    }


# ------------------------------------------------------------------ the keep term by hand


def test_keep_term_by_hand():
    # Previous run: 100001 (development) with A; 100002 (embedding) with A and in G1;
    # 100003 (sustaining) in G1. All three are placed the same way again, so
    #   keep = 3 x 300 = 900
    #   place = 3 x 1000 = 3000
    #   travel = 100001-A 10 + 100002-A 20 + 100002-G1 |20-5| 15 + 100003-G1 |25-5| 20 = 65
    #   lead travel = A (at 0) to G1's venue (at 5) = 5
    #   objective = 3000 - 65 - 5 + 900 = 3830
    # Moving 100001 to B (at 10 km, 0 km away) would save 10 km but lose keep 300.
    p = problem(
        [school("100001", km=10), school("100002", "embedding", km=20), school("100003", "sustaining", km=25)],
        [specialist("A", km=0), specialist("B", km=10)],
        [group("G1", km=5)],
        weights=replace(PLAIN, keep=300),
    )
    a = Allocation((0, 0, None), (None, 0, 0), (0,))
    p2 = rerun(p, rows_of(p, a))
    report = check_allocation(p2, a)
    assert report.terms["keep"] == 900
    assert report.objective == 3830
    result, _ = solved(p2)
    assert result.objective == 3830
    assert placed_with(p2, result)["100001"] == "A"


def test_keep_needs_both_pairs_for_an_embedding_school():
    # 100002 embedding was with A in G1. Same specialist A but group G2: not kept.
    p = problem(
        [school("100002", "embedding", km=0)],
        [specialist("A", km=0)],
        [group("G1", km=0), group("G2", km=0)],
        weights=replace(PLAIN, keep=300),
    )
    previous = rows_of(p, Allocation((0,), (0,), (0, None)))
    p2 = rerun(p, previous)
    assert check_allocation(p2, Allocation((0,), (1,), (None, 0))).terms["keep"] == 0
    assert check_allocation(p2, Allocation((0,), (0,), (0, None))).terms["keep"] == 300


def test_no_keep_term_without_a_previous_run():
    p = problem([school("100001")], [specialist("A")])
    assert "keep" not in check_allocation(p, Allocation((0,), (None,), ())).terms


# ------------------------------------------------------------------ minimal disruption


def test_specialist_withdrawal_moves_only_their_schools_when_keep_outweighs_the_gain():
    # Before: 100001 (0 km) with A (0 km); 100002 (60 km) with B (50 km); C at 100 km.
    # A withdraws. 100001 can go to B (50 km) or C (100 km).
    #  - keep 300: 100002 stays with B (keep 300 > the 20 km it would save by moving to C):
    #    objective = 2000 - 100 (100001-C) - 10 (100002-B) + 300 = 2190.
    #  - keep 10: moving 100002 to C and 100001 to B costs 50 + 40 = 90 km, against
    #    110 km + keep 10: 2000 - 90 = 1910 beats 2000 - 110 + 10 = 1900.
    base = problem(
        [school("100001", km=0), school("100002", km=60)],
        [specialist("A", km=0, capacity=1), specialist("B", km=50, capacity=1), specialist("C", km=100, capacity=1)],
        max_travel_km=200,
    )
    previous = rows_of(base, Allocation((0, 1), (None, None), ()))
    without_a, _ = variants.without_specialists(base, ["A"])
    for keep, objective, where in (
        (300, 2190, {"100001": "C", "100002": "B"}),
        (10, 1910, {"100001": "B", "100002": "C"}),
    ):
        p = rerun(replace(without_a, weights=replace(PLAIN, keep=keep)), previous)
        result, _ = solved(p)
        assert result.objective == objective == brute_force_optimum(p)
        assert placed_with(p, result) == where


def test_late_application_is_placed_without_moving_others():
    # Before: 100001 (10 km) with A (0 km, capacity 1); B (30 km) has room.
    # 100003 applies late, at 0 km. Without keep the best swaps: 100003-A 0 km and
    # 100001-B 20 km (20 km) beat 100003-B 30 km and 100001-A 10 km (40 km).
    # With keep 300, 100001 stays: 2000 - 40 + 300 = 2260 against 2000 - 20 = 1980.
    base = problem([school("100001", km=10)], [specialist("A", km=0, capacity=1), specialist("B", km=30, capacity=1)])
    previous = rows_of(base, Allocation((0,), (None,), ()))
    late = variants.with_school(base, school("100003", km=0))
    moved, _ = solved(rerun(replace(late, weights=replace(PLAIN, keep=0)), previous))
    assert placed_with(late, moved) == {"100001": "B", "100003": "A"}
    p = rerun(replace(late, weights=replace(PLAIN, keep=300)), previous)
    kept, _ = solved(p)
    assert placed_with(p, kept) == {"100001": "A", "100003": "B"}
    assert kept.objective == 2260 == brute_force_optimum(p)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_problems(), st.integers(0, 4), st.booleans(), st.integers(0, 500))
def test_a_withdrawal_moves_no_school_that_need_not_move(problem_, which, a_school, keep):
    # Solve, then withdraw one school or one specialist and re-run with --previous.
    # The re-run's objective (keep included) equals brute force's optimum; with a keep
    # weight larger than every other term can add up to, it keeps as many schools in
    # place as any valid allocation can.
    first = search(problem_, FAST)
    previous = rows_of(problem_, first.allocation)
    if a_school:
        urn = problem_.schools[which % problem_.num_schools].urn
        after, _ = variants.without_schools(problem_, [urn]) if problem_.num_schools > 1 else (problem_, ())
    else:
        after, _ = variants.without_specialists(problem_, [problem_.specialists[which % problem_.num_specialists].id])
    p = rerun(replace(after, weights=replace(after.weights, keep=keep)), previous)
    result, _ = solved(p)
    assert result.objective == brute_force_optimum(p)
    dominant = rerun(replace(after, weights=replace(after.weights, keep=10_000)), previous)
    result, report = solved(dominant)
    assert report.terms["keep"] == brute_force_best(dominant, lambda r, _: r.terms["keep"])


# ------------------------------------------------------------------ locks


def test_locks_hold_even_when_moving_would_be_better():
    # 100001 (10 km) locked with A (0 km); 100002 locked unplaced. keep 0, so nothing
    # but the locks holds them: without them 100001 would move to B (10 km, 0 km away)
    # and 100002 would be placed (+1000).
    # Objective = 1000 - 10 = 990 (100002 stays unplaced).
    p = problem(
        [school("100001", km=10), school("100002", km=10)],
        [specialist("A", km=0), specialist("B", km=10, capacity=1)],
        weights=replace(PLAIN, keep=0),
    )
    previous = rows_of(p, Allocation((0, None), (None, None), ()), locked=("100001", "100002"))
    locked = rerun(p, previous)
    result, report = solved(locked)
    assert placed_with(locked, result) == {"100001": "A", "100002": None}
    assert result.objective == 990 == brute_force_optimum(locked)
    # The checker sees a broken lock as a broken pin or forbid, naming the row.
    broken = check_allocation(locked, Allocation((1, 0), (None, None), ()))
    assert any("locked row 2 of allocations.csv" in v and "does not hold" in v for v in broken.violations)
    assert any("locked row 3 of allocations.csv" in v and "forbidden" in v for v in broken.violations)


def test_a_lock_that_breaks_a_rule_makes_the_rules_impossible():
    # Two rows locked with A, whose capacity is now 1 (rule 2): infeasible, exit 1.
    p = problem([school("100001"), school("100002")], [specialist("A", capacity=2)])
    previous = rows_of(p, Allocation((0, 0), (None, None), ()), locked=("100001", "100002"))
    tighter = replace(p, specialists=(replace(p.specialists[0], capacity=1),))
    assert search(rerun(tighter, previous), FAST).status == SolveStatus.INFEASIBLE


def test_a_locked_row_naming_a_specialist_no_longer_there_is_bad_input():
    p = problem([school("100001")], [specialist("A"), specialist("B")])
    previous = rows_of(p, Allocation((1,), (None,), ()), locked=("100001",))
    without_b, _ = variants.without_specialists(p, ["B"])
    with pytest.raises(InputError) as error:
        rerun(without_b, previous)
    assert str(error.value.issues[0]) == (
        "allocations.csv:2: specialist: B is locked here but is no longer in the specialists table"
    )
