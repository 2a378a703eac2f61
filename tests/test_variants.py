"""Variants derived in memory (allocator.problem.variants): values checked as the scenario file
checks them, rule defaults applied to the right specialists, and indices remapped in
one place (`subset`) whatever is removed."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from allocator.analysis.api import Scenario, allocate, load_scenario
from allocator.check import check_allocation
from allocator.problem.data import ProblemData
from allocator.problem.variants import (
    RuleDefaults,
    VariantError,
    new_school,
    parse_vary,
    subset,
    with_rules,
    with_school,
    with_setting,
    with_specialist,
    with_weights,
    without_schools,
    without_specialists,
)
from tests.builders import group, problem, school, specialist

# ----------------------------------------------------------------------------- fixtures


@pytest.fixture
def demo_scenario(demo) -> Scenario:
    return load_scenario(demo.yml)


def pinned() -> ProblemData:
    """Three schools, three specialists, two groups; pins and forbids on every index."""
    return problem(
        [school("100001", "development", 1), school("100002", "embedding", 2), school("100003", "sustaining", 3)],
        [specialist("S1", 0), specialist("S2", 5), specialist("S3", 10)],
        [group("G1", 2, lead_idx=2), group("G2", 4)],
        pins=[("100001", "S2"), ("100002", "S3"), ("100002", "G2"), ("100003", "G1")],
        forbids=[("100001", "S1"), ("100003", "G2"), ("100002", "S2")],
    )


def named(p: ProblemData, items) -> set[tuple[int, str, str]]:
    """Pins or forbids by what they name: (position in the YAML list, URN, target id)."""
    out = set()
    for r in items:
        target = p.specialists[r.specialist_idx].id if r.specialist_idx is not None else p.work_groups[r.group_idx].id
        out.add((r.index, p.schools[r.school_idx].urn, target))
    return out


# ----------------------------------------------------------------------------- rules


def test_rule_change_is_checked_like_the_scenario_file(demo_scenario):
    p = demo_scenario.problem
    assert with_rules(p, None, max_travel_km=40).rules.max_travel_km == 40.0
    with pytest.raises(VariantError, match=r"rules\.max_travel_km"):
        with_rules(p, None, max_travel_km=-5)
    with pytest.raises(VariantError, match=r"rules\.max_travelkm: is not a known key"):
        with_rules(p, None, max_travelkm=40)
    with pytest.raises(VariantError, match=r"rules\.allow_cross_hub"):
        with_rules(p, None, allow_cross_hub="maybe")


def test_departments_per_specialist_changes_only_blank_capacities(demo):
    # MS02 (capacity 0) and MS03 (capacity 1) have their own values; MS04 now gets a
    # written 2, equal to the default: it must stay 2 when the default becomes 3.
    demo.set_cell("specialists", demo.row_of("specialists", "id", "MS04"), "capacity", "2")
    scenario = load_scenario(demo.yml)
    assert "MS04" not in scenario.defaults.capacity
    variant = scenario.with_rules(departments_per_specialist=3)
    capacity = dict(zip(variant.specialists["id"], variant.specialists["capacity"], strict=True))
    assert capacity["MS02"] == 0
    assert capacity["MS03"] == 1
    assert capacity["MS04"] == 2
    assert capacity["MS05"] == 3 and capacity["MS25"] == 3
    # Nothing else changes.
    assert variant.problem.specialists == tuple(
        s if s.id in ("MS02", "MS03", "MS04", "MS14") else replace(s, capacity=3) for s in scenario.problem.specialists
    )


def test_embedding_and_group_defaults_follow_their_rules(demo_scenario):
    variant = demo_scenario.with_rules(embedding_per_specialist=1, groups_per_lead=2)
    by_id = {s.id: s for s in variant.problem.specialists}
    assert by_id["MS02"].embedding_capacity == 3 and by_id["MS02"].max_groups == 2  # written
    assert by_id["MS17"].embedding_capacity == 3  # written
    assert by_id["MS20"].max_groups == 0  # written
    assert by_id["MS05"].embedding_capacity == 1 and by_id["MS05"].max_groups == 2


def test_changing_a_default_needs_to_know_who_took_it(demo_scenario):
    bare = Scenario.from_problem(demo_scenario.problem)
    with pytest.raises(VariantError, match="departments_per_specialist: which specialists"):
        bare.with_rules(departments_per_specialist=3)
    assert bare.with_rules(max_travel_km=40).problem.rules.max_travel_km == 40  # others are fine
    p = demo_scenario.problem
    everyone = Scenario.from_problem(p, RuleDefaults.everyone(p)).with_rules(departments_per_specialist=3)
    assert {s.capacity for s in everyone.problem.specialists} == {3}


def test_available_cohorts_decide_who_is_available(demo_scenario):
    variant = demo_scenario.with_rules(available_cohorts=[1, 2, 3, 4, 5])
    available = {s.id: s.available for s in variant.problem.specialists}
    assert available["MS08"] and available["MS23"]  # cohort 5
    assert not available["MS10"]  # cohort 6
    assert variant.problem.rules.available_cohorts == (1, 2, 3, 4, 5)


def test_a_fixed_lead_must_stay_available(demo_scenario):
    # MS13 (cohort 1) is the fixed lead of WD-P-1: SPEC rule 3 makes that bad input.
    with pytest.raises(VariantError, match="MS13 is the fixed lead of work group WD-P-1"):
        demo_scenario.with_rules(available_cohorts=[2, 3, 4])
    with pytest.raises(VariantError, match="MS13 is the fixed lead"):
        demo_scenario.with_specialist("MS13", cohort=6)


def test_weights_are_checked(demo_scenario):
    p = demo_scenario.problem
    assert with_weights(p, travel_per_km=5).weights.travel_per_km == 5
    assert with_weights(p, focus_rank=(0, 10, 20, 30)).weights.focus_rank == (0, 10, 20, 30)
    with pytest.raises(VariantError, match="focus_rank: has 3 values but there are 4"):
        with_weights(p, focus_rank=[0, 1, 2])
    with pytest.raises(VariantError, match=r"weights\.place"):
        with_weights(p, place=2_000_000)
    with pytest.raises(VariantError, match=r"weights\.travel_per_km"):
        with_weights(p, travel_per_km=1.5)


def test_specialist_values_are_their_own_afterwards(demo_scenario):
    variant = demo_scenario.with_specialist("MS05", capacity=1).with_rules(departments_per_specialist=3)
    by_id = {s.id: s for s in variant.problem.specialists}
    assert by_id["MS05"].capacity == 1
    assert by_id["MS06"].capacity == 3
    with pytest.raises(VariantError, match="MS99 is not a specialist id"):
        with_specialist(demo_scenario.problem, "MS99", capacity=1)
    with pytest.raises(VariantError, match="is not a whole number, 0 or more"):
        with_specialist(demo_scenario.problem, "MS05", capacity=-1)
    with pytest.raises(VariantError, match="is not a known key"):
        with_specialist(demo_scenario.problem, "MS05", capcity=1)


# ----------------------------------------------------------------------------- subset


def test_removing_a_specialist_remaps_pins_forbids_and_leads():
    p = pinned()
    out, notes = without_specialists(p, ["S1"])
    assert [s.id for s in out.specialists] == ["S2", "S3"]
    assert named(out, out.pins) == named(p, p.pins)  # no pin named S1
    assert named(out, out.forbids) == named(p, p.forbids) - {(0, "100001", "S1")}
    assert notes == ("forbid[1] (school 100001, specialist S1) was dropped",)
    assert out.work_groups[0].lead_idx == 1 and out.specialists[1].id == "S3"


def test_removing_a_fixed_lead_lets_the_optimiser_choose():
    p = pinned()
    out, notes = without_specialists(p, ["S3"])
    assert out.work_groups[0].lead_idx is None
    assert "work group G1: its fixed lead S3 was removed" in notes[0]
    assert named(out, out.pins) == named(p, p.pins) - {(1, "100002", "S3")}


@pytest.mark.parametrize(
    "keep",
    [
        (schools, specialists, groups)
        for schools in itertools.combinations(range(3), 2)
        for specialists in itertools.combinations(range(3), 2)
        for groups in [(0, 1), (0,), (1,)]
    ],
)
def test_subset_keeps_every_reference_to_what_remains(keep):
    """Whatever is removed, each kept pin or forbid names the same school and target as
    before, and exactly those naming something removed are dropped (one note each)."""
    p = pinned()
    schools, specialists, groups = keep
    out, notes = subset(p, schools=schools, specialists=specialists, work_groups=groups)
    kept_urns = {p.schools[i].urn for i in schools}
    kept_targets = {p.specialists[i].id for i in specialists}
    kept_targets |= {p.work_groups[i].id for i in groups}
    for before, after in ((p.pins, out.pins), (p.forbids, out.forbids)):
        expected = {n for n in named(p, before) if n[1] in kept_urns and n[2] in kept_targets}
        assert named(out, after) == expected
    dropped = len(p.pins) + len(p.forbids) - len(out.pins) - len(out.forbids)
    lead_removed = 2 not in specialists and 0 in groups
    assert len(notes) == dropped + lead_removed
    for g in out.work_groups:
        if g.id == "G1":
            assert (g.lead_idx is None) == lead_removed
            if g.lead_idx is not None:
                assert out.specialists[g.lead_idx].id == "S3"


def test_removing_schools_and_solving_the_variant(demo_scenario):
    variant = demo_scenario.without_schools("917030", "964162")
    assert variant.problem.num_schools == demo_scenario.problem.num_schools - 2
    assert "917030" not in set(variant.schools["urn"])
    with pytest.raises(VariantError, match="999999 is not a school URN"):
        without_schools(demo_scenario.problem, ["999999"])
    outcome = allocate(variant, time_limit_s=10, recommendations=False)
    assert outcome.status == "OPTIMAL"


def test_removing_from_a_pinned_scenario_solves_and_checks(demo_pins):
    scenario = load_scenario(demo_pins.yml)
    assert len(scenario.problem.pins) == 2
    variant = scenario.without_specialists("MS05")  # pins[1] names MS05
    assert len(variant.problem.pins) == 1
    assert "pins[1] (school 970374, specialist MS05) was dropped" in variant.changes[-1]
    outcome = allocate(variant, time_limit_s=10, recommendations=False)
    assert outcome.status == "OPTIMAL"
    placed = outcome.allocations.set_index("urn")
    assert placed.loc["904445", "work_group"] == "WD-S-B"  # the other pin still holds


# ----------------------------------------------------------------------------- adding


def test_adding_a_school_located_like_a_table_row(demo_scenario):
    variant = demo_scenario.with_school(
        "999001",
        "Newfield Academy",
        stage="sustaining",
        phase="secondary",
        postcode="tn9 2he",
        focus_choices=["D", "A"],
        priority=2,
    )
    added = variant.problem.schools[-1]
    assert added.urn == "999001" and added.postcode == "TN9 2HE"
    assert added.location.source == "sector"
    assert added.focus_choices == ("D", "A") and added.priority == 2
    assert added.hub == "Weald and Downs Maths Hub"
    outcome = allocate(variant, time_limit_s=10, recommendations=False)
    row = outcome.allocations.set_index("urn").loc["999001"]
    assert row["status"] == "placed" and row["work_group"] in ("WD-S-D", "WD-S-A")


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"urn": "917030"}, "urn: is already a school"),
        ({"urn": "12345"}, "is not a URN"),
        ({"stage": "year 4"}, "stage"),
        ({"focus_choices": "Z"}, "Z is not a focus code"),
        ({"postcode": "not a postcode"}, "is not a UK postcode"),
        ({"focus_choices": ""}, "needs ranked focus choices"),
    ],
)
def test_adding_a_bad_school_is_refused(demo_scenario, columns, message):
    row = dict(urn="999002", name="Bad", stage="sustaining", phase="secondary", postcode="TN9 2HE", focus_choices="A")
    row.update(columns)
    with pytest.raises(VariantError, match=message):
        demo_scenario.with_school(**row)


def test_with_school_keeps_indices_and_refuses_duplicates():
    p = pinned()
    extra = new_school(
        p,
        urn="100009",
        name="New",
        stage="development",
        phase="secondary",
        postcode="TN9 2HE",
        latitude=52.0,
        longitude=0.0,
    )
    out = with_school(p, extra)
    assert out.pins == p.pins and out.forbids == p.forbids
    assert out.schools[-1].location.source == "given"
    with pytest.raises(VariantError, match="already a school"):
        with_school(out, extra)


# ----------------------------------------------------------------------------- dotted settings


def test_parse_vary():
    assert parse_vary("weights.travel_per_km=0,1,2,5") == ("weights.travel_per_km", [0, 1, 2, 5])
    assert parse_vary("rules.max_travel_km=40,60.5") == ("rules.max_travel_km", [40.0, 60.5])
    assert parse_vary("rules.available_cohorts=1;2;3,1;2;3;4") == ("rules.available_cohorts", [[1, 2, 3], [1, 2, 3, 4]])
    assert parse_vary("rules.allow_cross_hub=true,no") == ("rules.allow_cross_hub", [True, False])
    assert parse_vary("specialists.MS05.capacity=0,1") == ("specialists.MS05.capacity", [0, 1])
    with pytest.raises(VariantError, match="is not a setting that can vary"):
        parse_vary("rules.nonsense=1")
    with pytest.raises(VariantError, match="is not a whole number"):
        parse_vary("weights.place=lots")
    with pytest.raises(VariantError, match="SETTING=VALUE"):
        parse_vary("weights.place")


def test_with_setting_updates_the_defaults_record(demo_scenario):
    p, defaults = demo_scenario.problem, demo_scenario.defaults
    out, after = with_setting(p, defaults, "specialists.MS05.capacity", 1)
    assert "MS05" not in after.capacity and "MS05" in defaults.capacity
    out, _ = with_setting(out, after, "rules.departments_per_specialist", 3)
    assert {s.id: s.capacity for s in out.specialists}["MS05"] == 1
    varied = demo_scenario.vary({"weights.travel_per_km": 2, "solver.time_limit_s": 5})
    assert varied.problem.weights.travel_per_km == 2 and varied.problem.solver.time_limit_s == 5
    assert varied.changes == ("weights.travel_per_km = 2",)  # how to solve is no change


def test_defaults_read_from_a_table_without_capacity_columns(data_scenario):
    scenario = load_scenario(data_scenario("located_by_latlon").yml)
    assert scenario.defaults.capacity == {"S01", "S02"}
    variant = scenario.with_rules(departments_per_specialist=1)
    assert {s.capacity for s in variant.problem.specialists} == {1}


def test_variant_allocations_pass_the_independent_checker(demo_scenario):
    variant = demo_scenario.with_rules(
        available_cohorts=[1, 2, 3, 4, 5], departments_per_specialist=3
    ).without_specialists("MS01", "MS13")
    outcome = allocate(variant, time_limit_s=10, recommendations=False)
    assert outcome.status == "OPTIMAL"
    assert check_allocation(variant.problem, outcome.result.allocation).ok
