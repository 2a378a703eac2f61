"""The pair rules (allocator.problem.rules), each where it bites and where it does not,
and how eligibility combines them into one reason per pair."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.problem import rules
from allocator.problem.data import Stage
from allocator.problem.eligibility import Reason, compute_eligibility, first_reason, pair_rules
from tests.builders import group, problem, school, specialist

# --------------------------------------------------------------------------
# Stage


def test_stage_needs() -> None:
    assert (Stage.DEVELOPMENT.needs_specialist, Stage.DEVELOPMENT.needs_group) == (True, False)
    assert (Stage.EMBEDDING.needs_specialist, Stage.EMBEDDING.needs_group) == (True, True)
    assert (Stage.SUSTAINING.needs_specialist, Stage.SUSTAINING.needs_group) == (False, True)
    assert rules.stage_needs("sustaining") == (False, True)


def test_stage_equals_its_cell_word() -> None:
    """Other code compares stages with the literal words: the enum must equal them."""
    assert Stage.EMBEDDING == "embedding" and "development" == Stage.DEVELOPMENT
    assert {"embedding": 1}[Stage.EMBEDDING] == 1
    assert f"{Stage.SUSTAINING}" == "sustaining"
    assert Stage.DEVELOPMENT.capacity_field == "capacity"
    assert Stage.EMBEDDING.capacity_field == "embedding_capacity"


# --------------------------------------------------------------------------
# Each rule on single values: a case where it bites and one where it does not


@pytest.mark.parametrize(
    ("school_phase", "specialist_phase", "fits"),
    [
        ("secondary", "secondary", True),
        ("primary", "secondary", False),  # bites
        ("special", "primary", True),  # either phase
        ("all-through", "secondary", True),
    ],
)
def test_specialist_phase_fits(school_phase: str, specialist_phase: str, fits: bool) -> None:
    assert bool(rules.specialist_phase_fits(school_phase, specialist_phase)) is fits


@pytest.mark.parametrize(
    ("school_phase", "group_phase", "fits"),
    [
        ("primary", "primary", True),
        ("primary", "secondary", False),  # bites
        ("all-through", "primary", True),
        ("special", "secondary", True),
        ("special", "special", True),
        ("all-through", "special", False),  # a special group takes special schools only
        ("secondary", "special", False),
    ],
)
def test_group_phase_fits(school_phase: str, group_phase: str, fits: bool) -> None:
    assert bool(rules.group_phase_fits(school_phase, group_phase)) is fits


def test_hubs_fit() -> None:
    assert rules.hubs_fit("north", "north", False)
    assert not rules.hubs_fit("north", "south", False)  # bites
    assert rules.hubs_fit("north", "south", True)  # allow_cross_hub


def test_is_own_school() -> None:
    assert rules.is_own_school("100001", "100001")  # bites
    assert not rules.is_own_school("100001", "100002")
    assert not rules.is_own_school("100001", None)  # no school_urn


def test_shares_trust() -> None:
    assert rules.shares_trust("oak", "oak", True)  # bites
    assert not rules.shares_trust("oak", "elm", True)
    assert not rules.shares_trust("oak", "oak", False)  # separate_trusts off
    assert not rules.shares_trust("", "", True)  # a blank trust matches no trust
    assert not rules.shares_trust(-1, -1, True, blank=-1)  # the same with codes


def test_travel_limit() -> None:
    assert rules.specialist_limit_km(60.0, None) == 60.0
    assert rules.specialist_limit_km(60.0, 25.0) == 25.0  # the lower applies
    assert rules.specialist_limit_km(60.0, 90.0) == 60.0
    assert rules.within_travel(60.0, 60.0)  # compared unrounded: equal is within
    assert not rules.within_travel(60.0001, 60.0)  # bites


def test_cohort_available() -> None:
    assert rules.cohort_available(3, (1, 2, 3))
    assert not rules.cohort_available(5, (1, 2, 3))  # bites
    assert rules.cohort_available(5, None)  # one cohort in the table: available


def test_offers_places() -> None:
    assert rules.offers_places(specialist("S1", capacity=1), Stage.DEVELOPMENT)
    assert not rules.offers_places(specialist("S1", capacity=0), Stage.DEVELOPMENT)  # bites
    assert rules.offers_places(specialist("S1", capacity=0, embedding_capacity=1), Stage.EMBEDDING)
    assert not rules.offers_places(specialist("S1", available=False), Stage.DEVELOPMENT)
    assert not rules.offers_places(specialist("S1"), Stage.SUSTAINING)  # a specialist supports no sustaining school


def test_focus_fits_and_rank() -> None:
    assert rules.focus_fits("B", ("B", "A"))
    assert not rules.focus_fits("C", ("B", "A"))  # bites
    assert rules.focus_fits(None, ("B", "A"))  # a group without a focus
    assert rules.focus_fits("C", ())  # a school without choices
    assert rules.focus_rank("A", ("B", "A")) == 1
    assert rules.focus_rank("C", ("B", "A")) is None
    assert rules.focus_rank(None, ("B",)) is None


def test_lead_rules() -> None:
    g = group("G1", phase="secondary", focus="B")
    assert rules.may_be_chosen_lead(specialist("S1"), g)
    assert not rules.may_be_chosen_lead(specialist("S1", hub="Other"), g)  # bites: hub
    assert not rules.may_be_chosen_lead(specialist("S1", phase="primary"), g)  # phase
    assert rules.may_be_chosen_lead(specialist("S1", phase="primary"), group("G2", phase="special"))
    assert not rules.may_be_chosen_lead(specialist("S1", lead_foci=frozenset({"A"})), g)  # foci
    assert not rules.may_be_chosen_lead(specialist("S1", can_lead=False), g)
    assert not rules.may_be_chosen_lead(specialist("S1", max_groups=0), g)
    assert rules.may_be_fixed_lead(specialist("S1", hub="Other", phase="primary"))  # not checked
    assert not rules.may_be_fixed_lead(specialist("S1", available=False))


# --------------------------------------------------------------------------
# The same functions on arrays, as eligibility calls them


def test_rules_broadcast_over_arrays() -> None:
    school_phase = np.array(["primary", "special"], dtype=object)
    spec_phase = np.array(["primary", "secondary"], dtype=object)
    fits = rules.specialist_phase_fits(school_phase[:, None], spec_phase[None, :])
    assert fits.tolist() == [[True, False], [True, True]]
    group_phase = np.array(["primary", "special"], dtype=object)
    assert rules.group_phase_fits(school_phase[:, None], group_phase[None, :]).tolist() == [
        [True, False],
        [True, True],
    ]


# --------------------------------------------------------------------------
# Eligibility: every rule's mask, then the first reason in `Reason` order


def test_masks_keep_every_reason_and_first_reason_picks_the_first() -> None:
    """A pair in another hub, 100 km away and forbidden: the masks hold all three, the
    recorded reason is the first of them (HUB)."""
    p = problem(
        [school("100001", hub="South")],
        [specialist("S1", km=100.0)],
        forbids=[("100001", "S1")],
        max_travel_km=60,
    )
    masks = pair_rules(p, measure_all=True).specialist
    rejecting = {reason for reason, mask in masks.items() if mask[0, 0]}
    assert rejecting == {Reason.HUB, Reason.FORBIDDEN, Reason.TOO_FAR}
    assert first_reason(masks, (1, 1))[0, 0] == Reason.HUB
    assert compute_eligibility(p).specialist_reason[0, 0] == Reason.HUB


def test_eligibility_allows_a_pair_no_rule_rejects() -> None:
    p = problem([school("100001", km=10.0)], [specialist("S1")])
    elig = compute_eligibility(p)
    assert elig.specialist_reason[0, 0] == Reason.ALLOWED
    assert elig.specialist_pairs.tolist() == [[0, 0]]
    # Value of the pair: −round(1 per km × 10 km) = −10.
    assert elig.specialist_pair_value.tolist() == [-10]


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"school": {"stage": "sustaining"}}, Reason.STAGE),
        ({"school": {"phase": "primary"}}, Reason.PHASE),
        ({"school": {"hub": "South"}}, Reason.HUB),
        ({"spec": {"available": False}}, Reason.UNAVAILABLE),
        ({"spec": {"capacity": 0}}, Reason.NO_CAPACITY),
        ({"spec": {"school_urn": "100001"}}, Reason.OWN_SCHOOL),
        (
            {"school": {"trust": "Oak"}, "spec": {"trust": " oak "}, "rules": {"separate_trusts": True}},
            Reason.SAME_TRUST,
        ),
        ({"rules": {"max_travel_km": 5}}, Reason.TOO_FAR),
    ],
)
def test_each_specialist_rule_bites_in_eligibility(kw: dict, reason: Reason) -> None:
    p = problem(
        [school("100001", km=10.0, **kw.get("school", {}))],
        [specialist("S1", **kw.get("spec", {}))],
        **kw.get("rules", {}),
    )
    assert compute_eligibility(p).specialist_reason[0, 0] == reason


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"school": {"stage": "development"}}, Reason.STAGE),
        ({"school": {"phase": "primary"}}, Reason.PHASE),
        ({"school": {"hub": "South"}}, Reason.HUB),
        ({"school": {"focus_choices": ("A",)}, "group": {"focus": "B"}}, Reason.FOCUS),
        ({"rules": {"max_travel_km": 5}}, Reason.TOO_FAR),
        ({}, Reason.ALLOWED),
    ],
)
def test_each_group_rule_bites_in_eligibility(kw: dict, reason: Reason) -> None:
    cells = {"stage": "sustaining", **kw.get("school", {})}
    s = school("100001", km=10.0, **cells)
    p = problem([s], [specialist("S1")], [group("G1", **kw.get("group", {}))], **kw.get("rules", {}))
    assert compute_eligibility(p).group_reason[0, 0] == reason
