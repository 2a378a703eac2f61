"""The independent checker on hand-built problems, one rule at a time.

Every location sits on the meridian lon = -1.5, so distances are arcs of a
meridian: 0.1 degrees of latitude is 6371.009 * pi / 1800 = 11.1195 km.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from allocator.check import TERMS, CheckReport, check_allocation, km_between, round_half_away
from allocator.problem.data import (
    Location,
    ProblemData,
    Requirement,
    Rules,
    School,
    Specialist,
    Weights,
    WorkGroup,
)
from allocator.solving.solution import Allocation
from tests.bruteforce import brute_force_optimum
from tests.strategies import tiny_problems

KM_01 = 6371.009 * math.pi / 1800  # 0.1 degree of a meridian: 11.1195 km


# --------------------------------------------------------------------------
# Builders


def loc(lat: float) -> Location:
    return Location(lat=lat, lon=-1.5, source="given")


def school(urn: str = "100001", stage: str = "development", **kw: Any) -> School:
    values: dict = dict(name=f"School {urn}", hub="North", phase="secondary", postcode="CV1 1AA", location=loc(52.0))
    values.update(kw)
    return School(urn=urn, stage=stage, **values)


def specialist(sid: str = "S1", **kw: Any) -> Specialist:
    values: dict = dict(
        name=f"Specialist {sid}",
        hub="North",
        phase="secondary",
        cohort=1,
        postcode="CV1 1AA",
        location=loc(52.1),
        available=True,
        capacity=2,
        embedding_capacity=2,
        max_groups=1,
    )
    values.update(kw)
    return Specialist(id=sid, **values)


def group(gid: str = "G1", **kw: Any) -> WorkGroup:
    values: dict = dict(hub="North", phase="secondary", venue=loc(52.2), min_schools=1, max_schools=3)
    values.update(kw)
    return WorkGroup(id=gid, **values)


def problem(
    schools: tuple[School, ...],
    specialists: tuple[Specialist, ...] = (),
    groups: tuple[WorkGroup, ...] = (),
    **kw: Any,
) -> ProblemData:
    return ProblemData(
        name="test",
        year="2025/26",
        foci=("A", "B", "C"),
        schools=schools,
        specialists=specialists,
        work_groups=groups,
        **kw,
    )


def alloc(specs: tuple, groups: tuple = (), leads: tuple = ()) -> Allocation:
    """Allocation from per-school specialists, per-school groups (default none) and leads."""
    groups = groups or (None,) * len(specs)
    return Allocation(tuple(specs), tuple(groups), tuple(leads))


def only(report: CheckReport, *fragments: str) -> str:
    """The report's single violation, which must contain every fragment."""
    assert len(report.violations) == 1, report.violations
    violation = report.violations[0]
    for fragment in fragments:
        assert fragment in violation, violation
    return violation


# --------------------------------------------------------------------------
# Arithmetic


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (0.5, 1),
        (1.5, 2),
        (2.5, 3),
        (-0.5, -1),
        (-1.5, -2),
        (-2.5, -3),
        (0.0, 0),
        (0.49999999999999994, 0),
        (2.4999, 2),
        (2.5001, 3),
        (-2.4999, -2),
        (7.0, 7),
    ],
)
def test_round_half_away_from_zero(x: float, expected: int) -> None:
    assert round_half_away(x) == expected


def test_distance_is_great_circle_on_radius_6371_009() -> None:
    assert km_between(loc(52.0), loc(52.1)) == pytest.approx(KM_01, rel=1e-12)
    assert km_between(loc(52.0), loc(52.2)) == pytest.approx(2 * KM_01, rel=1e-12)


# --------------------------------------------------------------------------
# A valid allocation, objective by hand


def test_valid_allocation_objective_by_hand() -> None:
    # School 100001: development, priority 2, at 52.0; S1 at 52.1: 11.1195 km.
    # School 100002: embedding, choices A;B, previously with S1, at 52.0;
    #   S1 (11.1195 km) and G1 (focus B, venue 52.2: 22.2390 km).
    # School 100003: sustaining, choices B, at 52.1; G1 venue 11.1195 km away.
    # G1 runs with 2 schools (min 2, max 3) and lead S2 (same hub, spelled otherwise).
    p = problem(
        (
            school("100001", "development", priority=2),
            school("100002", "embedding", focus_choices=("A", "B"), previous_specialist="S1"),
            school("100003", "sustaining", focus_choices=("B",), location=loc(52.1)),
        ),
        (specialist("S1"), specialist("S2", hub=" north ", location=loc(52.0))),
        (group("G1", focus="B", min_schools=2),),
        weights=Weights(place=1000, priority=200, travel_per_km=1, focus_rank=(0, 30, 60), continuity=50),
    )
    report = check_allocation(p, alloc((0, 0, None), (None, 0, 0), (1,)))
    assert report.ok, report.violations
    # place      3 schools x 1000                                =  3000
    # priority   200 x 2 (school 100001)                          =   400
    # travel     round(11.12) + round(11.12) + round(22.24) + round(11.12)
    #            = 11 + 11 + 22 + 11                             =   -55
    # focus      100002 in a B group: B is its 2nd choice (r = 1) =   -30
    #            100003: B is its 1st choice (r = 0)              =    -0
    # continuity 100002 keeps S1                                  =   +50
    # lead travel S2 (52.0) to G1's venue (52.2): round(22.24)     =   -22
    # lone dept. S1 has one development school, capacity 2        =  -400
    assert report.terms == {
        "place": 3000,
        "priority": 400,
        "travel": -55,
        "focus": -30,
        "continuity": 50,
        "lead_travel": -22,
        "lone_department": -400,
    }
    assert report.objective == 2943


def test_travel_rounds_the_product_not_the_km() -> None:
    # Sustaining school at 52.0, venue at 52.2: 22.2390 km.
    # travel_per_km 3: round(3 x 22.2390) = round(66.717) = 67 (rounding km first gives 66).
    # Lead S1 at 52.1 to the venue: round(3 x 11.1195) = round(33.36) = 33.
    p = problem(
        (school("100001", "sustaining"),),
        (specialist(),),
        (group(),),
        weights=Weights(place=100, travel_per_km=3),
    )
    report = check_allocation(p, Allocation((None,), (0,), (0,)))
    assert report.ok, report.violations
    assert report.terms["travel"] == -67
    assert report.terms["lead_travel"] == -33
    assert report.objective == 100 - 67 - 33


def test_no_focus_cost_without_choices_or_without_focus() -> None:
    p = problem(
        (school("100001", "sustaining"), school("100002", "sustaining", focus_choices=("C", "A"))),
        (specialist(max_groups=2),),
        (group("G1", focus="A"), group("G2", focus=None)),
        weights=Weights(place=0, travel_per_km=0, focus_rank=(0, 30, 60)),
    )
    # 100001 has no choices (G1 costs it nothing); G2 has no focus.
    report = check_allocation(p, Allocation((None, None), (0, 1), (0, 0)))
    assert report.ok, report.violations
    assert report.objective == 0
    # 100002 in G1 (focus A, its 2nd choice) pays focus_rank[1] = 30.
    report = check_allocation(p, Allocation((None, None), (None, 0), (0, None)))
    assert report.ok, report.violations
    assert report.terms["focus"] == -30


def test_continuity_only_for_placed_embedding_schools_with_trimmed_ids() -> None:
    p = problem(
        (
            school("100001", "embedding", previous_specialist=" S1 "),
            school("100002", "development", previous_specialist="S1"),
        ),
        (specialist(" S1"),),
        (group(),),
        weights=Weights(place=0, travel_per_km=0, continuity=50, lone_department=0),
    )
    report = check_allocation(p, Allocation((0, 0), (0, None), (0,)))
    assert report.ok, report.violations
    assert report.terms["continuity"] == 50
    assert report.objective == 50


def test_empty_allocation_is_valid_and_worth_nothing() -> None:
    p = problem((school(),), (specialist(),), (group(),))
    report = check_allocation(p, Allocation.empty(1, 1))
    assert report.ok
    assert report.objective == 0
    assert report.terms == dict.fromkeys(TERMS, 0)


# --------------------------------------------------------------------------
# Shape of the allocation


def test_wrong_lengths_are_named() -> None:
    p = problem((school(),), (specialist(),), (group(),))
    report = check_allocation(p, Allocation((0,), (None,), ()))
    only(report, "group_lead", "0 entries", "expected 1")


def test_index_out_of_range_is_named() -> None:
    p = problem((school(),), (specialist(),))
    only(check_allocation(p, alloc((5,))), "school_specialist[0]")


# --------------------------------------------------------------------------
# Rule 1: placed completely or not at all


@pytest.mark.parametrize(
    ("stage", "spec", "grp"),
    [
        ("development", 0, 0),
        ("development", None, 0),
        ("embedding", 0, None),
        ("embedding", None, 0),
        ("sustaining", 0, None),
        ("sustaining", 0, 0),
    ],
)
def test_rule1_incomplete_or_extra_placement(stage: str, spec: int | None, grp: int | None) -> None:
    p = problem((school("100001", stage),), (specialist(),), (group(),))
    leads = (0,) if grp is not None else (None,)
    only(check_allocation(p, Allocation((spec,), (grp,), leads)), "rule 1", "school 100001", stage)


@pytest.mark.parametrize(
    ("stage", "spec", "grp"),
    [("development", 0, None), ("embedding", 0, 0), ("sustaining", None, 0)],
)
def test_rule1_complete_placement(stage: str, spec: int | None, grp: int | None) -> None:
    p = problem((school("100001", stage),), (specialist(),), (group(),))
    leads = (0,) if grp is not None else (None,)
    assert check_allocation(p, Allocation((spec,), (grp,), leads)).ok


# --------------------------------------------------------------------------
# Allowed school-specialist pairs


def _spec_pair(sch: School, spec: Specialist, **kw: Any) -> CheckReport:
    return check_allocation(problem((sch,), (spec,), **kw), alloc((0,)))


@pytest.mark.parametrize(
    ("sch", "spec", "kw", "fragment"),
    [
        # Availability is recomputed from the cohort and rules.available_cohorts.
        (school(), specialist(cohort=5, available=False), {"rules": Rules(available_cohorts=(1, 2))}, "not available"),
        (school(phase="primary"), specialist(), {}, "phases do not fit"),
        (school(), specialist(phase="primary"), {}, "phases do not fit"),
        (school(hub="South"), specialist(), {}, "hubs differ"),
        (school(), specialist(school_urn=" 100001 "), {}, "own school"),
        (
            school(trust="Oak Trust"),
            specialist(trust=" oak TRUST"),
            {"rules": Rules(separate_trusts=True)},
            "trust",
        ),
        (school(), specialist(), {"forbids": (Requirement(0, specialist_idx=0),)}, "forbidden"),
        (school(), specialist(), {"rules": Rules(max_travel_km=11.0)}, "above the limit"),
        (school(), specialist(max_travel_km=11.0), {}, "above the limit"),
        # The rule's limit applies when the personal one is higher.
        (
            school(),
            specialist(max_travel_km=100.0),
            {"rules": Rules(max_travel_km=11.0)},
            "above the limit",
        ),
    ],
)
def test_specialist_pair_not_allowed(sch: School, spec: Specialist, kw: dict, fragment: str) -> None:
    violation = only(_spec_pair(sch, spec, **kw), "school 100001", "specialist S1", fragment)
    assert violation.startswith("rule 4" if fragment == "forbidden" else "allowed pair")


@pytest.mark.parametrize(
    ("sch", "spec", "kw"),
    [
        (school(phase="special"), specialist(phase="primary"), {}),
        (school(phase="all-through"), specialist(phase="primary"), {}),
        (school(phase="all-through"), specialist(phase="secondary"), {}),
        (school(hub=" NORTH "), specialist(), {}),
        (school(hub="South"), specialist(), {"rules": Rules(allow_cross_hub=True)}),
        (school(), specialist(school_urn="100002"), {}),
        (school(trust="Oak Trust"), specialist(trust="Oak Trust"), {}),  # separate_trusts off
        (school(trust=None), specialist(trust=None), {"rules": Rules(separate_trusts=True)}),
        (school(trust=" "), specialist(trust=""), {"rules": Rules(separate_trusts=True)}),
        (school(trust="Oak"), specialist(trust="Elm"), {"rules": Rules(separate_trusts=True)}),
        (school(), specialist(), {"forbids": (Requirement(0, specialist_idx=1),)}),
        (school(), specialist(), {"rules": Rules(max_travel_km=11.2)}),
        (school(), specialist(max_travel_km=11.2), {}),
    ],
)
def test_specialist_pair_allowed(sch: School, spec: Specialist, kw: dict) -> None:
    report = (
        _spec_pair(sch, spec, **kw)
        if "forbids" not in kw
        else check_allocation(problem((sch,), (spec, specialist("S2")), **kw), alloc((0,)))
    )
    assert report.ok, report.violations


# --------------------------------------------------------------------------
# Allowed school-group pairs (sustaining schools, so no specialist is involved)


def _group_pair(sch: School, grp: WorkGroup, **kw: Any) -> CheckReport:
    # The lead S1 is given the group's phase (secondary for a special group) so it may lead.
    lead_phase = "primary" if grp.phase == "primary" else "secondary"
    p = problem((sch,), (specialist(phase=lead_phase),), (grp,), **kw)
    return check_allocation(p, Allocation((None,), (0,), (0,)))


@pytest.mark.parametrize(
    ("sch", "grp", "kw", "fragment"),
    [
        (school(stage="sustaining", phase="primary"), group(), {}, "phases do not fit"),
        (school(stage="sustaining"), group(phase="primary"), {}, "phases do not fit"),
        (
            school(stage="sustaining", phase="all-through"),
            group(phase="special"),
            {},
            "phases do not fit",
        ),
        (
            school(stage="sustaining", phase="secondary"),
            group(phase="special"),
            {},
            "phases do not fit",
        ),
        (school(stage="sustaining", hub="South"), group(), {}, "hubs differ"),
        (
            school(stage="sustaining", focus_choices=("A", "C")),
            group(focus="B"),
            {},
            "focus B is not among",
        ),
        (
            school(stage="sustaining"),
            group(),
            {"forbids": (Requirement(0, group_idx=0),)},
            "forbidden",
        ),
        (school(stage="sustaining"), group(), {"rules": Rules(max_travel_km=22.0)}, "to the venue"),
    ],
)
def test_group_pair_not_allowed(sch: School, grp: WorkGroup, kw: dict, fragment: str) -> None:
    violation = only(_group_pair(sch, grp, **kw), "school 100001", "work group G1", fragment)
    assert violation.startswith("rule 4" if fragment == "forbidden" else "allowed pair")


@pytest.mark.parametrize(
    ("sch", "grp", "kw"),
    [
        (school(stage="sustaining", phase="special"), group(phase="special"), {}),
        (school(stage="sustaining", phase="special"), group(phase="primary"), {}),
        (school(stage="sustaining", phase="all-through"), group(phase="primary"), {}),
        (school(stage="sustaining", phase="all-through"), group(phase="secondary"), {}),
        (school(stage="sustaining", hub="South"), group(), {"rules": Rules(allow_cross_hub=True)}),
        (school(stage="sustaining", focus_choices=("A", "B")), group(focus="B"), {}),
        (school(stage="sustaining"), group(focus="B"), {}),
        (school(stage="sustaining", focus_choices=("A",)), group(focus=None), {}),
        (school(stage="sustaining"), group(), {"rules": Rules(max_travel_km=22.3)}),
    ],
)
def test_group_pair_allowed(sch: School, grp: WorkGroup, kw: dict) -> None:
    report = _group_pair(sch, grp, **kw)
    assert report.ok, report.violations


def test_personal_travel_limit_does_not_apply_to_the_venue() -> None:
    # Embedding school: specialist 11.12 km (personal limit 12), venue 22.24 km (rule 80).
    p = problem((school(stage="embedding"),), (specialist(max_travel_km=12.0),), (group(),))
    assert check_allocation(p, Allocation((0,), (0,), (0,))).ok


# --------------------------------------------------------------------------
# Rule 2: capacities per stage


def test_rule2_capacity() -> None:
    p = problem((school("100001"), school("100002")), (specialist(capacity=1),))
    only(
        check_allocation(p, alloc((0, 0))),
        "rule 2",
        "specialist S1",
        "2 development",
        "100001",
        "100002",
        "capacity of 1",
    )
    assert check_allocation(p, alloc((0, None))).ok


def test_rule2_embedding_capacity() -> None:
    p = problem((school("100001", "embedding"),), (specialist(embedding_capacity=0),), (group(),))
    only(
        check_allocation(p, Allocation((0,), (0,), (0,))),
        "rule 2",
        "specialist S1",
        "embedding_capacity of 0",
    )


def test_rule2_capacities_are_per_stage() -> None:
    p = problem(
        (school("100001"), school("100002", "embedding")),
        (specialist(capacity=1, embedding_capacity=1),),
        (group(),),
    )
    assert check_allocation(p, Allocation((0, 0), (None, 0), (0,))).ok


# --------------------------------------------------------------------------
# Rule 3: group sizes and leads


def _sustaining(n: int) -> tuple[School, ...]:
    return tuple(school(f"10000{i + 1}", "sustaining") for i in range(n))


def test_rule3_below_min_schools() -> None:
    p = problem(_sustaining(1), (specialist(),), (group(min_schools=2),))
    only(
        check_allocation(p, Allocation((None,), (0,), (0,))),
        "rule 3",
        "work group G1",
        "min_schools of 2",
    )


def test_rule3_above_max_schools() -> None:
    p = problem(_sustaining(3), (specialist(),), (group(max_schools=2),))
    only(
        check_allocation(p, Allocation((None,) * 3, (0, 0, 0), (0,))),
        "rule 3",
        "work group G1",
        "max_schools of 2",
    )


def test_rule3_running_group_needs_a_lead() -> None:
    p = problem(_sustaining(1), (specialist(),), (group(),))
    only(
        check_allocation(p, Allocation((None,), (0,), (None,))),
        "rule 3",
        "work group G1",
        "no lead",
    )


def test_rule3_group_without_schools_has_no_lead() -> None:
    p = problem(_sustaining(1), (specialist(),), (group(),))
    only(
        check_allocation(p, Allocation((None,), (None,), (0,))),
        "rule 3",
        "work group G1",
        "does not run",
    )


def test_rule3_fixed_lead_is_respected_and_not_checked() -> None:
    # S2 is in another hub, of the other phase and may not be chosen: as a fixed lead it may lead.
    other = specialist("S2", hub="South", phase="primary", can_lead=False)
    p = problem(_sustaining(1), (specialist(), other), (group(lead_idx=1),))
    assert check_allocation(p, Allocation((None,), (0,), (1,))).ok
    only(
        check_allocation(p, Allocation((None,), (0,), (0,))),
        "rule 3",
        "specialist S1",
        "work group G1",
        "fixed lead is S2",
    )


def test_rule3_fixed_lead_must_be_available() -> None:
    p = problem(
        _sustaining(1),
        (specialist(cohort=5, available=False),),
        (group(lead_idx=0),),
        rules=Rules(available_cohorts=(1, 2)),
    )
    only(
        check_allocation(p, Allocation((None,), (0,), (0,))),
        "rule 3",
        "specialist S1",
        "not available",
    )


@pytest.mark.parametrize(
    ("spec", "grp", "kw", "fragment"),
    [
        (specialist(cohort=5, available=False), group(), {"rules": Rules(available_cohorts=(1, 2))}, "not available"),
        (specialist(hub="South"), group(), {}, "hubs differ"),
        # Cross-hub placement does not allow a lead from another hub.
        (specialist(hub="South"), group(), {"rules": Rules(allow_cross_hub=True)}, "hubs differ"),
        (specialist(phase="primary"), group(), {}, "phases differ"),
        (specialist(can_lead=False), group(), {}, "may not be chosen"),
        (specialist(lead_foci=frozenset({"A"})), group(focus="B"), {}, "do not allow focus B"),
    ],
)
def test_rule3_chosen_lead_not_allowed(spec: Specialist, grp: WorkGroup, kw: dict, fragment: str) -> None:
    p = problem(_sustaining(1), (spec,), (grp,), **kw)
    only(
        check_allocation(p, Allocation((None,), (0,), (0,))),
        "rule 3",
        "specialist S1",
        "work group G1",
        fragment,
    )


@pytest.mark.parametrize(
    ("spec", "grp"),
    [
        (specialist(hub=" north"), group()),
        (specialist(phase="primary"), group(phase="special")),
        (specialist(phase="secondary"), group(phase="special")),
        (specialist(lead_foci=frozenset({"A", "B"})), group(focus="B")),
        (specialist(lead_foci=frozenset({"A"})), group(focus=None)),
        (specialist(location=loc(60.0)), group()),  # leads have no travel limit
    ],
)
def test_rule3_chosen_lead_allowed(spec: Specialist, grp: WorkGroup) -> None:
    sch = school(stage="sustaining", phase="special")
    p = problem((sch,), (spec,), (grp,))
    report = check_allocation(p, Allocation((None,), (0,), (0,)))
    assert report.ok, report.violations


def test_rule3_max_groups_counts_fixed_and_chosen() -> None:
    p = problem(_sustaining(2), (specialist(max_groups=1),), (group("G1", lead_idx=0), group("G2")))
    only(
        check_allocation(p, Allocation((None, None), (0, 1), (0, 0))),
        "rule 3",
        "specialist S1",
        "leads 2 running groups",
        "G1, G2",
        "max_groups of 1",
    )
    # A group that does not run needs no lead and counts for nothing.
    assert check_allocation(p, Allocation((None, None), (0, 0), (0, None))).ok


def test_rule3_fixed_lead_with_max_groups_0_cannot_run() -> None:
    p = problem(_sustaining(1), (specialist(max_groups=0),), (group(lead_idx=0),))
    only(check_allocation(p, Allocation((None,), (0,), (0,))), "rule 3", "max_groups of 0")
    assert check_allocation(p, Allocation((None,), (None,), (None,))).ok


# --------------------------------------------------------------------------
# Rule 4: pins


def test_rule4_specialist_pin() -> None:
    p = problem(
        (school(),),
        (specialist(), specialist("S2")),
        pins=(Requirement(0, specialist_idx=0, index=0),),
    )
    only(
        check_allocation(p, alloc((None,))),
        "rule 4",
        "pin 1",
        "school 100001",
        "specialist S1",
        "not placed",
    )
    only(check_allocation(p, alloc((1,))), "rule 4", "pin 1", "not with specialist S1")
    assert check_allocation(p, alloc((0,))).ok


def test_rule4_group_pin_needs_complete_placement() -> None:
    p = problem(
        (school(stage="embedding"),),
        (specialist(),),
        (group(),),
        pins=(Requirement(0, group_idx=0, index=1),),
    )
    report = check_allocation(p, Allocation((None,), (0,), (0,)))
    assert sorted(v.split(":")[0] for v in report.violations) == ["rule 1", "rule 4"]
    assert any("pin 2" in v and "not placed completely" in v for v in report.violations)
    assert check_allocation(p, Allocation((0,), (0,), (0,))).ok


# --------------------------------------------------------------------------
# Brute force


def test_brute_force_on_a_hand_built_problem() -> None:
    # One development school 11.12 km from S1 (capacity 2, so a lone department):
    # place 1000 - round(11.12) - lone_department 400 = 589.
    p = problem((school(),), (specialist(),))
    assert brute_force_optimum(p) == 589
    # Not worth placing when travel costs more than the place is worth.
    assert brute_force_optimum(replace(p, weights=Weights(place=5))) == 0
    # A pin on a pair that is not allowed makes the rules impossible.
    pinned = replace(p, rules=Rules(max_travel_km=10.0), pins=(Requirement(0, specialist_idx=0),))
    assert brute_force_optimum(pinned) is None


def test_brute_force_chooses_among_leads() -> None:
    # 100001 (choices A) at 52.0 fits only G1 (focus A, venue 52.0); 100002 (choices B) at
    # 52.1 fits only G2 (focus B, venue 52.1); each group takes one school.
    # S1 may lead either group, S2 (foci A) only G1; each leads at most one group.
    # Both groups run only with S2 -> G1 and S1 -> G2: 2 x 100 - 0 km - 0 km = 200, less
    # S2's lead travel (52.1 to G1's venue at 52.0): round(11.12) = 11 -> 189.
    p = problem(
        (
            school("100001", "sustaining", focus_choices=("A",)),
            school("100002", "sustaining", focus_choices=("B",), location=loc(52.1)),
        ),
        (specialist(), specialist("S2", lead_foci=frozenset({"A"}))),
        (
            group("G1", focus="A", venue=loc(52.0), max_schools=1),
            group("G2", focus="B", venue=loc(52.1), max_schools=1),
        ),
        weights=Weights(place=100),
    )
    assert brute_force_optimum(p) == 189
    assert check_allocation(p, Allocation((None, None), (0, 1), (1, 0))).objective == 189


# --------------------------------------------------------------------------
# Properties on random tiny problems

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(tiny_problems())
def test_empty_allocation_always_valid(p: ProblemData) -> None:
    report = check_allocation(p, Allocation.empty(p.num_schools, p.num_groups))
    assert report.ok, report.violations
    assert report.objective == 0


@PROPERTY
@given(tiny_problems())
def test_brute_force_without_pins_is_at_least_zero(p: ProblemData) -> None:
    best = brute_force_optimum(p)
    assert best is not None
    assert best >= 0


@PROPERTY
@given(tiny_problems(with_pins=True))
def test_brute_force_is_none_only_with_pins(p: ProblemData) -> None:
    best = brute_force_optimum(p)
    if best is None:
        assert p.pins
