"""The conflict finder (allocator.diagnose.conflicts): each requirement switch, where it
bites (named in the minimal conflict) and where it does not (the scenario is feasible).

The conflict model is the allocation model's own rule functions with switches, so these
tests also exercise `allocator.model.constraints` with enforcement literals. Places sit
on the Greenwich meridian, `km` north of latitude 52 (tests/builders.py).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from allocator.diagnose.conflicts import conflict_lines, conflict_model, minimal_conflict
from allocator.problem.data import ProblemData
from allocator.problem.eligibility import compute_eligibility
from tests.builders import group, problem, school, specialist


def conflict_keys(p: ProblemData) -> list[tuple]:
    return sorted(r.key for r in minimal_conflict(p, compute_eligibility(p)))


def _sustaining(n: int, **kw) -> list:
    return [school(f"10000{i}", "sustaining", **kw) for i in range(n)]


def test_group_maximum_bites() -> None:
    """Three schools pinned into a group of at most 2: the maximum and all three pins
    conflict (dropping any one pin leaves two, which fit)."""
    schools = _sustaining(3)
    pins = [(s.urn, "G1") for s in schools]
    p = problem(schools, [specialist("S1")], [group("G1", max_schools=2)], pins=pins)
    assert conflict_keys(p) == [("max", 0), ("pin", 0), ("pin", 1), ("pin", 2)]


def test_group_maximum_does_not_bite_when_the_pins_fit() -> None:
    schools = _sustaining(3)
    pins = [(s.urn, "G1") for s in schools]
    p = problem(schools, [specialist("S1")], [group("G1", max_schools=3)], pins=pins)
    assert conflict_keys(p) == []


def test_lead_limit_bites() -> None:
    """Two groups, each with a pinned school, and one possible lead who may lead one."""
    schools = _sustaining(2)
    p = problem(
        schools,
        [specialist("S1", max_groups=1)],
        [group("G1"), group("G2")],
        pins=[(schools[0].urn, "G1"), (schools[1].urn, "G2")],
    )
    assert conflict_keys(p) == [("lead_limit", 0), ("pin", 0), ("pin", 1)]
    texts = [r.text for r in minimal_conflict(p, compute_eligibility(p))]
    assert "S1's limit of 1 group(s) to lead" in texts


def test_lead_limit_does_not_bite_with_room() -> None:
    schools = _sustaining(2)
    p = problem(
        schools,
        [specialist("S1", max_groups=2)],
        [group("G1"), group("G2")],
        pins=[(schools[0].urn, "G1"), (schools[1].urn, "G2")],
    )
    assert conflict_keys(p) == []


def test_specialists_own_travel_limit_bites() -> None:
    """S1's own 5 km limit (below the rule's 80) keeps out a school 10 km away."""
    p = problem([school("100001", km=10.0)], [specialist("S1", max_travel_km=5.0)], pins=[("100001", "S1")])
    conflict = minimal_conflict(p, compute_eligibility(p))
    assert sorted(r.key for r in conflict) == [("pin", 0), ("travel_sp", 0)]
    assert any(r.text == "S1's own 5 km travel limit" for r in conflict)


def test_specialists_own_travel_limit_does_not_bite_within_it() -> None:
    p = problem([school("100001", km=4.0)], [specialist("S1", max_travel_km=5.0)], pins=[("100001", "S1")])
    assert conflict_keys(p) == []


def test_forbid_bites() -> None:
    """An embedding school pinned into a group also needs a specialist; its only one is
    forbidden."""
    p = problem(
        [school("100001", "embedding")],
        [specialist("S1")],
        [group("G1")],
        pins=[("100001", "G1")],
        forbids=[("100001", "S1")],
    )
    conflict = minimal_conflict(p, compute_eligibility(p))
    assert sorted(r.key for r in conflict) == [("forbid", 0), ("pin", 0)]
    assert "forbid 1 (school 100001 with specialist S1)" in [r.text for r in conflict]


def test_forbid_does_not_bite_with_another_specialist() -> None:
    p = problem(
        [school("100001", "embedding")],
        [specialist("S1"), specialist("S2")],
        [group("G1")],
        pins=[("100001", "G1")],
        forbids=[("100001", "S1")],
    )
    assert conflict_keys(p) == []


def test_capacity_of_zero_is_a_capacity_not_a_lost_pair() -> None:
    """Eligibility rejects a pair with capacity 0 (NO_CAPACITY), but here it is the
    capacity a hub lead can raise."""
    p = problem([school("100001")], [specialist("S1", capacity=0)], pins=[("100001", "S1")])
    conflict = minimal_conflict(p, compute_eligibility(p))
    assert sorted(r.key for r in conflict) == [("capacity", 0, "development"), ("pin", 0)]
    capacity = next(r for r in conflict if r.key[0] == "capacity")
    assert (capacity.text, capacity.remedy) == ("S1's development capacity of 0", "raise S1's capacity")


def test_a_pin_on_a_pair_no_setting_allows_stands_alone() -> None:
    """A primary school pinned to a secondary specialist: no switch relaxes the phase
    rule, so the pin alone cannot hold."""
    p = problem([school("100001", phase="primary")], [specialist("S1")], pins=[("100001", "S1")])
    assert conflict_keys(p) == [("pin", 0)]
    lines = conflict_lines(minimal_conflict(p, compute_eligibility(p)))
    assert lines[0] == "this requirement cannot hold whatever else is done:"
    assert lines[1] == "  - pin 1 (school 100001 with specialist S1): remove or change the pin"


def test_conflict_model_is_feasible_with_every_switch_off() -> None:
    """With no requirement enforced (all switches false) nothing is asked: feasible."""
    schools = _sustaining(3)
    pins = [(s.urn, "G1") for s in schools]
    p = problem(schools, [specialist("S1")], [group("G1", max_schools=2)], pins=pins)
    model, switches = conflict_model(p, compute_eligibility(p))
    assert set(switches.literals) == {("max", 0), ("min", 0), ("pin", 0), ("pin", 1), ("pin", 2)}
    for literal in switches.literals.values():
        model.add(literal == 0)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
