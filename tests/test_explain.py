"""Explanations are true: reasons, recommendations, conflicts and the cost breakdown."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from allocator.check import check_allocation
from allocator.diagnose.conflicts import minimal_conflict
from allocator.diagnose.edits import apply_changes
from allocator.diagnose.recommend import recommend
from allocator.diagnose.shares import best_alternatives, school_shares
from allocator.inputs.load import load
from allocator.pipeline import run
from allocator.problem.data import Requirement
from allocator.problem.eligibility import compute_eligibility
from allocator.solving.search import search
from allocator.solving.solution import SolveStatus
from tests.builders import group, problem, school, specialist

DEMO = Path(__file__).resolve().parents[1] / "scenarios" / "demo" / "scenario.yml"


@pytest.fixture(scope="module")
def demo():
    return run(load(DEMO, locations="sector").problem)


def test_shares_sum_to_the_objective_and_terms_match_the_checker(demo):
    table = demo.tables["allocations"]
    assert int(table["objective_share"].sum()) == demo.result.objective
    shares = school_shares(demo.problem, demo.eligibility, demo.result.allocation)
    terms = {
        "place": sum(s.place for s in shares),
        "priority": sum(s.priority for s in shares),
        "travel": sum(s.travel for s in shares),
        "focus": sum(s.focus for s in shares),
        "continuity": sum(s.continuity for s in shares),
        "lead_travel": sum(s.lead_travel for s in shares),
        "lone_department": sum(s.lone_department for s in shares),
    }
    assert terms == demo.report.terms
    assert demo.summary_json["objective_terms"] == terms


def test_every_unplaced_reason_is_true(demo):
    """Forcing each unplaced school in is infeasible when the reason says no candidate is
    allowed, and lowers the objective when it says the candidates are full."""
    table = demo.tables["allocations"]
    unplaced = table.index[table["status"] == "unplaced"].tolist()
    assert unplaced  # the demo is built to leave some out
    for s in unplaced:
        reason = table.at[s, "reason"]
        forced = search(demo.problem, demo.problem.solver, eligibility=demo.eligibility, require_placed=(s,))
        if reason.startswith(("No specialist may support", "There is no", "No work group may")):
            assert forced.status == SolveStatus.INFEASIBLE, reason
        else:
            assert "full" in reason or "objective" in reason
            assert forced.status == SolveStatus.OPTIMAL
            assert forced.objective < demo.result.objective, reason


def test_demo_outputs_carry_recommendations_for_every_unplaced_school(demo):
    table = demo.tables["allocations"]
    unplaced = table[table["status"] == "unplaced"]
    assert (unplaced["recommendation"] != "").all()
    assert (table.loc[table["status"] == "placed", "recommendation"] == "").all()


def test_demo_recommendations_match_a_full_re_solve(demo):
    """Recommendations re-solve only the parts the edit touches; a re-solve of the whole
    edited scenario gives the same objective."""
    unplaced = demo.tables["allocations"].index[demo.tables["allocations"]["status"] == "unplaced"]
    recs = recommend(demo.problem, demo.eligibility, demo.result.allocation, demo.result.objective, unplaced.tolist())
    kinds = set()
    for rec in recs:
        assert rec.objective is not None and rec.placed
        variant, variant_elig, _ = apply_changes(demo.problem, demo.eligibility, rec.changes)
        full = search(variant, eligibility=variant_elig, decompose=False)
        assert full.objective == rec.objective, rec.text
        kinds.add(rec.kind)
    assert {"cohort", "travel", "max_schools"} <= kinds


def test_recommend_capacity():
    # S1 (capacity 1) holds the nearer school; the other one is left out. One more place
    # for S1 places it: 2000 - 1 - 2 = 1997, i.e. +998 over 999.
    p = problem([school("100001", km=1), school("100002", km=2)], [specialist("S1", capacity=1)])
    r = search(p)
    assert r.objective == 999
    [rec] = recommend(p, compute_eligibility(p), r.allocation, r.objective, [1])
    assert rec.kind == "capacity" and "S1 Specialist S1 one more development place" in rec.text
    assert rec.objective == 1997 and rec.delta == 998
    bigger = replace(p, specialists=(specialist("S1", capacity=2),))
    assert search(bigger).objective == rec.objective


def test_recommend_travel():
    # 85 km is beyond the 80 km limit; raising it for this school gives 1000 - 85 = 915.
    p = problem([school("100001", km=85)], [specialist("S1")])
    r = search(p)
    [rec] = recommend(p, compute_eligibility(p), r.allocation, r.objective, [0])
    assert rec.kind == "travel" and "85 km" in rec.text and "S1" in rec.text
    assert rec.objective == 915
    assert search(replace(p, rules=replace(p.rules, max_travel_km=85.5))).objective == 915


def test_recommend_cross_hub():
    p = problem([school("100001", km=5)], [specialist("S1", hub="K")])
    r = search(p)
    [rec] = recommend(p, compute_eligibility(p), r.allocation, r.objective, [0])
    assert rec.kind == "cross_hub" and rec.objective == 995


def test_recommend_running_a_group():
    # School 1 (0 km) fills G1 (venue 0 km, max 1). School 2 is 35 km from G2's venue
    # (5 km); place is 30, so joining scores 30 - 35 = -5 and G2 stays idle: objective 30.
    # Running G2 with school 2 pinned to it gives 30 - 5 = 25, less its lead's trip (S1 or
    # S2, at 0 km) of 5 km to G2's venue: 20 (the swap would give 25 - 10 - 5 = 10; a seat
    # more in G1 leaves school 2 out), and no rule needs to change.
    schools = [school("100001", "sustaining", km=0), school("100002", "sustaining", km=40)]
    groups = [group("G1", km=0, max_schools=1), group("G2", km=5, max_schools=1)]
    sps = [specialist("S1", max_groups=1), specialist("S2", max_groups=1)]
    p = problem(schools, sps, groups, weights=replace(problem(schools).weights, place=30))
    p = replace(p, work_groups=(replace(groups[0], min_schools=1), replace(groups[1], min_schools=1)))
    r = search(p)
    assert r.objective == 30
    [rec] = recommend(p, compute_eligibility(p), r.allocation, r.objective, [1])
    assert rec.kind == "pin" and rec.text.startswith("Pin it to work group G2")
    assert rec.objective == 20 and rec.delta == -10


def test_no_recommendation_when_nothing_places_it():
    # A secondary school and only a primary specialist: no listed change helps.
    p = problem([school("100001")], [specialist("S1", phase="primary")])
    r = search(p)
    [rec] = recommend(p, compute_eligibility(p), r.allocation, r.objective, [0])
    assert rec.text == "" and rec.kind == "none"


def test_best_alternative_is_the_next_best_with_room():
    # S1 at 1 km, S2 at 3 km (room), S3 at 2 km (full with another school): the best
    # alternative for school 1 is S2, costing 3 - 1 = 2 more.
    p = problem(
        [school("100001", km=0), school("100002", km=2)],
        [specialist("S1", km=1, capacity=1), specialist("S2", km=3, capacity=1), specialist("S3", km=2, capacity=1)],
    )
    r = search(p)
    alt = best_alternatives(p, compute_eligibility(p), r.allocation)
    s1_school = [i for i in range(2) if p.specialists[r.allocation.school_specialist[i]].id == "S1"]
    assert s1_school == [0]
    assert alt[0].description == "specialist S2" and alt[0].loss == 2


# Minimal conflicting sets.


def _feasible_without(p, key):
    """Re-solve with one requirement of a conflict relaxed."""
    kind = key[0]
    if kind == "pin":
        p = replace(p, pins=tuple(q for q in p.pins if q.index != key[1]))
    elif kind == "capacity":
        sp = p.specialists[key[1]]
        p = replace(
            p,
            specialists=tuple(replace(x, capacity=99, embedding_capacity=99) if x is sp else x for x in p.specialists),
        )
    elif kind == "min":
        g = p.work_groups[key[1]]
        p = replace(p, work_groups=tuple(replace(x, min_schools=1) if x is g else x for x in p.work_groups))
    elif kind == "travel":
        p = replace(p, rules=replace(p.rules, max_travel_km=10_000))
    elif kind == "hub":
        p = replace(p, rules=replace(p.rules, allow_cross_hub=True))
    return search(p).status == SolveStatus.OPTIMAL


def _assert_minimal(p, conflict):
    assert search(p).status == SolveStatus.INFEASIBLE
    assert any(r.key[0] == "pin" for r in conflict)
    for r in conflict:
        assert _feasible_without(p, r.key), r.text


def test_minimal_conflict_pins_beyond_capacity():
    # Three pins on S1 (capacity 2) and one harmless pin on S2: the minimal set is the
    # three S1 pins and S1's capacity; the S2 pin is not part of it.
    p = problem(
        [school(f"10000{i}", km=i) for i in range(1, 5)],
        [specialist("S1", capacity=2), specialist("S2")],
        pins=[("100004", "S2"), ("100001", "S1"), ("100002", "S1"), ("100003", "S1")],
    )
    conflict = minimal_conflict(p, compute_eligibility(p))
    keys = sorted(r.key for r in conflict)
    assert keys == sorted([("pin", 1), ("pin", 2), ("pin", 3), ("capacity", 0, "development")])
    _assert_minimal(p, conflict)


def test_minimal_conflict_group_minimum():
    # One school pinned to G1 (minimum 3); only one other school may join: pin + minimum.
    p = problem(
        [school("100001", "sustaining"), school("100002", "sustaining")],
        [specialist("S1")],
        [group("G1", min_schools=3)],
        pins=[("100001", "G1")],
    )
    conflict = minimal_conflict(p, compute_eligibility(p))
    assert sorted(r.key for r in conflict) == [("min", 0), ("pin", 0)]
    _assert_minimal(p, conflict)


def test_minimal_conflict_travel_and_hub_pairs_removed_by_eligibility():
    far = problem([school("100001", km=100)], [specialist("S1")], pins=[("100001", "S1")])
    conflict = minimal_conflict(far, compute_eligibility(far))
    assert sorted(r.key for r in conflict) == [("pin", 0), ("travel",)]
    _assert_minimal(far, conflict)
    other_hub = problem([school("100001", km=1)], [specialist("S1", hub="K")], pins=[("100001", "S1")])
    conflict = minimal_conflict(other_hub, compute_eligibility(other_hub))
    assert sorted(r.key for r in conflict) == [("hub",), ("pin", 0)]
    _assert_minimal(other_hub, conflict)


def test_no_conflict_when_feasible():
    p = problem([school("100001", km=1)], [specialist("S1")], pins=[("100001", "S1")])
    assert minimal_conflict(p, compute_eligibility(p)) == []


def test_checker_agrees_with_forced_solutions(demo):
    # A sanity link between explanations and the checker: any forced allocation is valid.
    p = replace(demo.problem, pins=(Requirement(0, demo.result.allocation.school_specialist[0], None),))
    r = search(p)
    assert check_allocation(p, r.allocation).ok
