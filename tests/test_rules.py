"""One test per SPEC rule on a tiny problem: a case where it bites and one where it does not.

Weights are PLAIN unless a test says otherwise: 1000 per placed school, 1 per km of
every school–specialist and school–venue trip, no priority, focus or continuity terms.
Places sit on one meridian; `km=` is the distance north of the origin.
"""

from __future__ import annotations

from dataclasses import replace

from allocator.check import check_allocation
from allocator.problem.data import Weights
from allocator.solving.search import search
from allocator.solving.solution import SolveStatus
from tests.builders import PLAIN, group, ids, problem, school, specialist


def solved(p):
    """Solve, and insist that the independent checker agrees with the solver."""
    result = search(p)
    if result.allocation is not None:
        report = check_allocation(p, result.allocation)
        assert report.violations == ()
        assert report.objective == result.objective
    return result


# Rule 1: each school is placed completely or not at all.


def test_embedding_school_needs_a_group_as_well_as_a_specialist():
    # The only group is primary: the secondary embedding school cannot join it, so
    # although a specialist 10 km away is free it must stay unplaced: objective 0.
    p = problem([school("100001", "embedding")], [specialist("S1", km=10)], [group("G1", phase="primary")])
    r = solved(p)
    assert r.status == SolveStatus.OPTIMAL
    assert r.objective == 0
    assert ids(p, r)["100001"] == (None, None)


def test_embedding_school_placed_with_specialist_and_group():
    # Specialist 10 km, venue 4 km: 1000 - 10 - 4 = 986, less the lead's travel (S1 at 10 km
    # to the venue at 4 km: 6) = 980.
    p = problem([school("100001", "embedding")], [specialist("S1", km=10)], [group("G1", km=4)])
    r = solved(p)
    assert r.objective == 980
    assert ids(p, r)["100001"] == ("S1", "G1")


def test_sustaining_school_gets_a_group_and_no_specialist():
    # 1000 - 7 km to the venue = 993; the specialist is not used for support, but leads:
    # 6 km from 1 km to the venue at 7 km -> 987.
    p = problem([school("100001", "sustaining")], [specialist("S1", km=1)], [group("G1", km=7)])
    r = solved(p)
    assert r.objective == 987
    assert ids(p, r)["100001"] == (None, "G1")


# Rule 2: capacities per stage.


def test_development_capacity_bites():
    # Three schools at 1, 2 and 3 km, one specialist at 0 with capacity 2: the two nearest
    # are placed, 2000 - 1 - 2 = 1997.
    p = problem(
        [school("100001", km=1), school("100002", km=2), school("100003", km=3)],
        [specialist("S1", capacity=2)],
    )
    r = solved(p)
    assert r.objective == 1997
    assert ids(p, r)["100003"] == (None, None)


def test_development_capacity_does_not_bite_with_room():
    # Capacity 3: all placed, 3000 - 1 - 2 - 3 = 2994.
    p = problem(
        [school("100001", km=1), school("100002", km=2), school("100003", km=3)],
        [specialist("S1", capacity=3)],
    )
    assert solved(p).objective == 2994


def test_embedding_capacity_is_separate_from_development_capacity():
    # Capacity 0 development, 1 embedding: the development school at 1 km cannot be placed;
    # the embedding school (5 km, venue 0 km) can: 1000 - 5 - 0 = 995; the lead S1 (at 0)
    # travels 5 km to the venue at 5: 990.
    p = problem(
        [school("100001", km=1), school("100002", "embedding", km=5)],
        [specialist("S1", capacity=0, embedding_capacity=1)],
        [group("G1", km=5)],
    )
    r = solved(p)
    assert r.objective == 990
    assert ids(p, r) == {"100001": (None, None), "100002": ("S1", "G1")}


# Rule 3: groups run with min..max schools and a lead; leads within max_groups.


def test_group_below_minimum_does_not_run():
    # Two sustaining schools, group minimum 3: the group cannot run, objective 0.
    p = problem(
        [school("100001", "sustaining", km=1), school("100002", "sustaining", km=2)],
        [specialist("S1")],
        [group("G1", min_schools=3)],
    )
    r = solved(p)
    assert r.objective == 0
    assert r.allocation.group_lead == (None,)


def test_group_at_minimum_runs_with_a_lead():
    # Minimum 2: both join, 2000 - 1 - 2 = 1997, and S1 leads.
    p = problem(
        [school("100001", "sustaining", km=1), school("100002", "sustaining", km=2)],
        [specialist("S1")],
        [group("G1", min_schools=2)],
    )
    r = solved(p)
    assert r.objective == 1997
    assert r.allocation.group_lead == (0,)


def test_group_maximum_bites():
    # Maximum 2 of three schools at 1, 2, 3 km: 2000 - 1 - 2 = 1997.
    p = problem(
        [school(f"10000{i}", "sustaining", km=i) for i in (1, 2, 3)],
        [specialist("S1")],
        [group("G1", max_schools=2)],
    )
    assert solved(p).objective == 1997


def test_group_without_possible_lead_does_not_run():
    # The only specialist is primary; a secondary group needs a secondary lead: objective 0.
    p = problem([school("100001", "sustaining")], [specialist("S1", phase="primary")], [group("G1")])
    assert solved(p).objective == 0


def test_special_group_may_be_led_by_either_phase():
    # A special group takes special schools; a primary specialist may lead it: 1000 - 3.
    p = problem(
        [school("100001", "sustaining", km=3, phase="special")],
        [specialist("S1", phase="primary")],
        [group("G1", phase="special")],
    )
    assert solved(p).objective == 997


def test_lead_limit_bites_across_groups():
    # One possible lead with max_groups 1 and two groups, one school each (1 and 2 km away
    # from their venues): only one group runs, the nearer school: 1000 - 1 = 999.
    p = problem(
        [school("100001", "sustaining", km=1), school("100002", "sustaining", km=12)],
        [specialist("S1", max_groups=1)],
        [group("G1", km=0, max_schools=1), group("G2", km=10, max_schools=1)],
    )
    r = solved(p)
    assert r.objective == 999
    # With max_groups 2 both run: 2000 - 1 - 2 = 1997, less S1's travel to G2's venue
    # (10 km; G1's is 0) = 1987.
    p2 = problem(
        [school("100001", "sustaining", km=1), school("100002", "sustaining", km=12)],
        [specialist("S1", max_groups=2)],
        [group("G1", km=0, max_schools=1), group("G2", km=10, max_schools=1)],
    )
    assert solved(p2).objective == 1987


def test_lead_foci_limit_who_may_lead():
    # S1 may lead only focus A groups (or groups without focus); the group has focus B.
    p = problem(
        [school("100001", "sustaining", focus_choices=("B",))],
        [specialist("S1", lead_foci=frozenset({"A"}))],
        [group("G1", focus="B")],
    )
    assert solved(p).objective == 0
    p2 = replace(p, specialists=(specialist("S1", lead_foci=frozenset({"A", "B"})),))
    assert solved(p2).objective == 1000


def test_specialist_with_foci_none_is_never_chosen_but_may_be_fixed():
    s = school("100001", "sustaining")
    p = problem([s], [specialist("S1", can_lead=False)], [group("G1")])
    assert solved(p).objective == 0
    p2 = problem([s], [specialist("S1", can_lead=False)], [group("G1", lead_idx=0)])
    assert solved(p2).objective == 1000


def test_fixed_lead_with_max_groups_zero_means_group_cannot_run():
    p = problem([school("100001", "sustaining")], [specialist("S1", max_groups=0)], [group("G1", lead_idx=0)])
    assert solved(p).objective == 0


def test_chosen_lead_must_be_of_the_groups_hub_even_cross_hub():
    # School and group in hub H, the only specialist in hub K: with allow_cross_hub the
    # school could be placed across hubs, but a chosen lead must still be of H.
    p = problem(
        [school("100001", "sustaining")],
        [specialist("S1", hub="K")],
        [group("G1")],
        allow_cross_hub=True,
    )
    assert solved(p).objective == 0


# Allowed pairs.


def test_travel_limit_and_personal_limit():
    # 70 km is within the 80 km default but beyond S1's personal 60 km.
    s = school("100001", km=70)
    assert solved(problem([s], [specialist("S1")])).objective == 930
    assert solved(problem([s], [specialist("S1", max_travel_km=60)])).objective == 0
    assert solved(problem([s], [specialist("S1")], max_travel_km=69.9)).objective == 0


def test_venue_travel_limit_uses_the_rule():
    s = school("100001", "sustaining", km=85)
    assert solved(problem([s], [specialist("S1")], [group("G1")])).objective == 0
    assert solved(problem([s], [specialist("S1")], [group("G1")], max_travel_km=90)).objective == 915


def test_hubs_must_match_unless_cross_hub():
    s = school("100001", km=5)
    assert solved(problem([s], [specialist("S1", hub="K")])).objective == 0
    assert solved(problem([s], [specialist("S1", hub="K")], allow_cross_hub=True)).objective == 995
    # Hub names compare trimmed and case-insensitively.
    assert solved(problem([s], [specialist("S1", hub=" h ")])).objective == 995


def test_unavailable_specialist_supports_nobody():
    s = school("100001", km=5)
    assert solved(problem([s], [specialist("S1", available=False)])).objective == 0


def test_phase_fit_special_and_all_through_may_take_either():
    primary = specialist("S1", phase="primary", km=2)
    assert solved(problem([school("100001", phase="secondary")], [primary])).objective == 0
    assert solved(problem([school("100001", phase="special")], [primary])).objective == 998
    assert solved(problem([school("100001", phase="all-through")], [primary])).objective == 998


def test_special_group_takes_special_schools_only():
    g = group("G1", phase="special")
    assert solved(problem([school("100001", "sustaining")], [specialist("S1")], [g])).objective == 0
    # A special school may also join a secondary group.
    p = problem([school("100001", "sustaining", phase="special")], [specialist("S1")], [group("G1")])
    assert solved(p).objective == 1000


def test_own_school_is_never_allocated_to_its_specialist():
    s = school("100001", km=1)
    assert solved(problem([s], [specialist("S1", school_urn="100001")])).objective == 0
    assert solved(problem([s], [specialist("S1", school_urn="100002")])).objective == 999


def test_separate_trusts():
    s = school("100001", km=1, trust="Oak Trust")
    sp = specialist("S1", trust=" oak trust ")
    assert solved(problem([s], [sp])).objective == 999
    assert solved(problem([s], [sp], separate_trusts=True)).objective == 0
    # A blank trust matches no trust.
    blank = problem([school("100001", km=1)], [specialist("S1")], separate_trusts=True)
    assert solved(blank).objective == 999


def test_focus_fit_and_rank_cost():
    # Choices B;A: group B is 1st choice (cost 0), group A 2nd (cost 30), group C not allowed.
    weights = replace(PLAIN, focus_rank=(0, 30, 60, 90))
    s = school("100001", "sustaining", focus_choices=("B", "A"))
    assert solved(problem([s], [specialist("S1")], [group("GA", focus="A")], weights=weights)).objective == 970
    assert solved(problem([s], [specialist("S1")], [group("GB", focus="B")], weights=weights)).objective == 1000
    assert solved(problem([s], [specialist("S1")], [group("GC", focus="C")], weights=weights)).objective == 0
    # A group without focus fits anyone and costs nothing.
    assert solved(problem([s], [specialist("S1")], [group("G0")], weights=weights)).objective == 1000


# Objective terms.


def test_priority_and_continuity_terms():
    # One embedding school, priority 2, previously with S2. S1 is 3 km nearer.
    # With S1: 1000 + 200*2 - 2 (S1) - 0 (venue) = 1398.
    # With S2: 1000 + 400 - 5 + 50 (continuity) = 1445: continuity wins.
    # Either way the nearer lead S1 leads G1 (venue 0): lead travel 2 -> 1443.
    weights = Weights(place=1000, priority=200, travel_per_km=1, focus_rank=(0, 0, 0, 0), continuity=50)
    s = school("100001", "embedding", priority=2, previous_specialist="S2")
    p = problem([s], [specialist("S1", km=2), specialist("S2", km=5)], [group("G1")], weights=weights)
    r = solved(p)
    assert r.objective == 1443
    assert ids(p, r)["100001"] == ("S2", "G1")
    # With continuity 1 the nearer S1 wins: 1398 > 1000 + 400 - 5 + 1 = 1396; S1 also
    # leads (2 km to the venue): 1396.
    p2 = replace(p, weights=replace(weights, continuity=1))
    assert solved(p2).objective == 1396


def test_travel_weight_scales_and_rounds_each_trip():
    # travel_per_km 3, a trip of 1.4 km: round(4.2) = 4 → 996.
    p = problem([school("100001", km=1.4)], [specialist("S1")], weights=replace(PLAIN, travel_per_km=3))
    assert solved(p).objective == 996


def test_a_school_too_costly_to_place_stays_unplaced():
    # place 50, travel 1/km, 70 km away: placing would score -20, so it is not placed.
    p = problem([school("100001", km=70)], [specialist("S1")], weights=replace(PLAIN, place=50))
    assert solved(p).objective == 0


# Rule 4: pins and forbids.


def test_pin_forces_a_worse_specialist():
    # Without the pin S1 (1 km) is used: 999. Pinned to S2 (9 km): 991.
    s = school("100001", km=1)
    sps = [specialist("S1"), specialist("S2", km=10)]
    assert solved(problem([s], sps)).objective == 999
    assert solved(problem([s], sps, pins=[("100001", "S2")])).objective == 991


def test_pin_forces_placement_even_at_a_loss():
    # place 50 and 70 km: unplaced by choice, but a pin places it: 50 - 70 = -20.
    p = problem(
        [school("100001", km=70)], [specialist("S1")], weights=replace(PLAIN, place=50), pins=[("100001", "S1")]
    )
    r = solved(p)
    assert r.objective == -20


def test_forbid_removes_a_pair():
    s = school("100001", km=1)
    sps = [specialist("S1"), specialist("S2", km=10)]
    assert solved(problem([s], sps, forbids=[("100001", "S1")])).objective == 991


def test_pin_on_a_pair_that_is_not_allowed_is_infeasible():
    p = problem([school("100001", km=100)], [specialist("S1")], pins=[("100001", "S1")])
    assert solved(p).status == SolveStatus.INFEASIBLE


def test_pins_beyond_capacity_are_infeasible():
    p = problem(
        [school("100001"), school("100002")],
        [specialist("S1", capacity=1)],
        pins=[("100001", "S1"), ("100002", "S1")],
    )
    assert solved(p).status == SolveStatus.INFEASIBLE


def test_pinned_group_must_reach_its_minimum():
    # One sustaining school pinned to a group with minimum 2 and no other candidate.
    p = problem(
        [school("100001", "sustaining")], [specialist("S1")], [group("G1", min_schools=2)], pins=[("100001", "G1")]
    )
    assert solved(p).status == SolveStatus.INFEASIBLE
