"""Issue 16: who hosts each meeting and when it is held (allocator/schedule).

Places come from tests/builders.py: every place lies on one meridian, `km` north of
latitude 52, so the distance between two places is the difference of their `km`.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import replace
from datetime import date, time, timedelta

import pytest

from allocator.problem.data import Calendar
from allocator.schedule.dates import Booking, assign_dates, first_half_term_end, school_days
from allocator.schedule.hosts import group_hosts, pair_hosts, rotation, sessions_of
from allocator.schedule.plan import make_schedule
from allocator.solving.solution import Allocation
from tests.builders import group, problem, school, specialist

# --------------------------------------------------------------------------- rotation


def brute_force(costs: list[int], later: int, cap: int, not_first: int | None) -> int | None:
    """The cheapest valid order's cost, trying every sequence of hosts (None: none valid)."""
    best = None
    for seq in itertools.product(range(len(costs)), repeat=later):
        if any(seq.count(h) > cap for h in set(seq)):
            continue
        if any(a == b for a, b in zip((not_first, *seq), seq, strict=False)):
            continue
        cost = sum(costs[h] for h in seq)
        best = cost if best is None else min(best, cost)
    return best


def valid(seq: list[int], later: int, cap: int, not_first: int | None) -> bool:
    return (
        len(seq) == later
        and all(seq.count(h) <= cap for h in set(seq))
        and all(a != b for a, b in zip((not_first, *seq), seq, strict=False))
    )


def test_rotation_equals_brute_force_on_small_groups():
    rng = random.Random(16)
    for _ in range(400):
        members = rng.randint(1, 4)
        later = rng.randint(1, 6)
        cap = math.ceil(later / members)
        costs = [rng.choice([0, 5, 10, 10, 25, 40]) for _ in range(members + rng.randint(0, 1))]
        not_first = rng.choice([None, *range(len(costs))])
        expected = brute_force(costs, later, cap, not_first)
        found = rotation(costs, later, cap, not_first)
        if expected is None:
            assert found is None, (costs, later, cap, not_first)
        else:
            assert found is not None and valid(found, later, cap, not_first), (costs, later, cap, not_first, found)
            assert sum(costs[h] for h in found) == expected


def test_rotation_that_cannot_avoid_repeats_is_none():
    # One host for two sessions: it would host twice in a row.
    assert rotation([7], later=2, cap=2) is None
    assert rotation([7], later=2, cap=2, adjacent=False) == [0, 0]


def rotate_problem(lead_school_urn: str | None = None, member_kms=(0.0, 10.0, 30.0), sessions=6):
    members = [school(f"10000{n}", "sustaining", km) for n, km in enumerate(member_kms)]
    lead = specialist("L", km=100.0, school_urn=lead_school_urn)
    wg = group("WG", km=100.0, phase="primary", lead_idx=0, venue_at_lead=True, sessions=sessions)
    data = problem(members, [lead], [wg])
    allocation = Allocation((None,) * len(members), (0,) * len(members), (0,))
    return data, allocation


def test_rotating_group_starts_at_the_lead_and_minimises_travel():
    data, allocation = rotate_problem()
    hosts, note = group_hosts(data, allocation, 0)
    assert note == ""
    # Session 1 at the lead's school; 5 later sessions, each member hosting at most ceil(5/3) = 2.
    assert hosts[0].kind == "lead" and hosts[0].postcode == data.specialists[0].postcode
    later = [h.urn for h in hosts[1:]]
    # A session's cost is the members' travel to its host: at km 0: 10 + 30 = 40; at km 10:
    # 10 + 20 = 30; at km 30: 30 + 20 = 50. Cheapest: km 10 twice, km 0 twice, km 30 once
    # (2*30 + 2*40 + 50 = 190 km), never twice in a row: 10, 0, 10, 0, 30.
    assert later == ["100001", "100000", "100001", "100000", "100002"]
    assert all(a != b for a, b in zip(later, later[1:], strict=False))


def test_rotation_spreads_over_many_members():
    # Eight members, six sessions: five later sessions, at most ceil(5/8) = 1 each.
    data, allocation = rotate_problem(member_kms=tuple(float(k) for k in range(8)))
    hosts, _ = group_hosts(data, allocation, 0)
    later = [h.urn for h in hosts[1:]]
    assert len(set(later)) == 5
    # The five with the least total travel are the middle ones: km 1..5 (not 0, 6 or 7).
    assert sorted(later) == [f"10000{k}" for k in range(1, 6)]


def test_lead_school_in_the_group_does_not_host_session_two():
    # The lead's own school (100001, the cheapest host) is a member: session 1 is there, so
    # session 2 may not be; with ceil(3/3) = 1 each, every member hosts one later session.
    data, allocation = rotate_problem(lead_school_urn="100001", sessions=4)
    hosts, _ = group_hosts(data, allocation, 0)
    assert hosts[0].urn == "100001" and hosts[1].urn != "100001"
    assert sorted(h.urn for h in hosts[1:]) == ["100000", "100001", "100002"]


def test_one_school_group_alternates_with_the_lead_school():
    data, allocation = rotate_problem(member_kms=(5.0,), sessions=6)
    hosts, note = group_hosts(data, allocation, 0)
    assert "too few schools" in note
    kinds = [h.kind for h in hosts]
    assert kinds == ["lead", "school", "lead", "school", "lead", "school"]


def test_venue_groups_meet_at_the_venue_and_chosen_leads_count():
    members = [school(f"10000{n}", "sustaining", n) for n in range(3)]
    sps = [specialist("A", km=50.0), specialist("B", km=70.0, school_urn="200000")]
    venue = group("V", km=20.0, venue_postcode="TN1 1AA")
    # No venue columns and no fixed lead: it meets at whoever leads (here B, chosen).
    at_lead = group("AL", km=0.0, venue_at_lead=True, hosting="venue")
    data = problem(members, sps, [venue, at_lead])
    allocation = Allocation((None,) * 3, (0, 1, 1), (0, 1))
    hosts, _ = group_hosts(data, allocation, 0)
    assert len(hosts) == sessions_of(data.work_groups[0]) == 4  # secondary: 4 by default
    assert {(h.kind, h.postcode) for h in hosts} == {("venue", "TN1 1AA")}
    hosts, _ = group_hosts(data, allocation, 1)
    assert {(h.kind, h.urn) for h in hosts} == {("lead", "200000")}


def test_pairs_alternate_or_meet_at_the_specialist():
    schools = [school("100000", km=1.0), school("100001", km=2.0), school("100002", km=3.0)]
    sps = [specialist("P"), specialist("Q", school_urn="300000"), specialist("R", pair_meetings="at specialist")]
    data = problem(schools, sps)
    allocation = Allocation((0, 0, 1), (None,) * 3, ())
    assert [h.urn for h in pair_hosts(data, allocation, 0)] == ["100000", "100001", "100000", "100001"]
    # A lone department meets at its own school.
    assert [h.urn for h in pair_hosts(data, allocation, 1)] == ["100002"] * 4
    assert pair_hosts(data, allocation, 2) == []  # no departments, no meetings
    at_specialist = Allocation((2, 2, None), (None,) * 3, ())
    assert {h.kind for h in pair_hosts(data, at_specialist, 2)} == {"lead"}


# --------------------------------------------------------------------------- dates

YEAR = Calendar(
    terms=((date(2025, 9, 3), date(2025, 12, 19)), (date(2026, 1, 5), date(2026, 3, 27))),
    holidays=((date(2025, 10, 27), date(2025, 10, 31)), (date(2026, 2, 16), date(2026, 2, 20))),
    weekdays=(1, 3),  # Tuesday, Thursday
    afternoon=(time(13, 30), time(15, 30)),
)


def test_school_days_skip_holidays_and_other_weekdays():
    days = school_days(YEAR)
    assert days[0] == date(2025, 9, 4)  # 3 September 2025 is a Wednesday; the Thursday is first
    assert all(d.weekday() in (1, 3) for d in days)
    assert not any(date(2025, 10, 27) <= d <= date(2025, 10, 31) for d in days)
    assert first_half_term_end(YEAR) == date(2025, 10, 26)


def test_dates_never_in_a_holiday_nor_double_booking_a_specialist():
    # Specialist 0 leads two six-session groups and has a pair: 16 bookings on distinct days.
    bookings = [Booking(("group", "G1"), 0, 6), Booking(("group", "G2"), 0, 6), Booking(("pair", "S0"), 0, 4)]
    bookings.append(Booking(("group", "G3"), 1, 6))  # another specialist: may share days with 0
    dated = assign_dates(YEAR, bookings)
    allowed = set(school_days(YEAR))
    mine = [d for key in (("group", "G1"), ("group", "G2"), ("pair", "S0")) for d in dated[key] or []]
    assert len(mine) == 16 and len(set(mine)) == 16
    for key, days in dated.items():
        assert days is not None and set(days) <= allowed, key
        assert days == sorted(days) and days[0] <= first_half_term_end(YEAR), key
    # Spread across the terms: the last of six sessions is in the spring term.
    assert dated[("group", "G3")][-1] >= date(2026, 1, 5)


def test_too_few_days_leaves_meetings_undated():
    one_week = Calendar(terms=((date(2025, 9, 1), date(2025, 9, 5)),), weekdays=(1,))  # one Tuesday
    dated = assign_dates(one_week, [Booking(("group", "G"), 0, 4), Booking(("pair", "S"), 1, 1)])
    assert dated[("group", "G")] is None
    assert dated[("pair", "S")] == [date(2025, 9, 2)]


def test_schedule_without_calendar_has_hosts_but_no_dates_and_warns():
    data, allocation = rotate_problem()
    schedule = make_schedule(data, allocation)
    assert [m.number for m in schedule.meetings] == [1, 2, 3, 4, 5, 6]
    assert all(m.date is None and m.host.name for m in schedule.meetings)
    assert any("no calendar" in w for w in schedule.warnings)
    dated = make_schedule(replace(data, calendar=YEAR), allocation)
    assert all(m.date is not None for m in dated.meetings) and dated.warnings == ()
    tight = replace(YEAR, terms=((date(2025, 9, 3), date(2025, 9, 12)),), holidays=())
    short = make_schedule(replace(data, calendar=tight), allocation)
    assert all(m.date is None for m in short.meetings)
    assert any("too few free days" in w for w in short.warnings)


def test_a_group_lead_and_their_pair_never_share_a_day():
    schools = [school("100000", km=1.0), school("100001", km=2.0)]
    members = [school(f"20000{n}", "sustaining", km=n) for n in range(3)]
    lead = specialist("P")
    wg = group("WG", km=0.0, lead_idx=0)
    data = problem(schools + members, [lead], [wg])
    data = replace(data, calendar=replace(YEAR, weekdays=(1,)))  # Tuesdays only: scarcer days
    allocation = Allocation((0, 0, None, None, None), (None, None, 0, 0, 0), (0,))
    schedule = make_schedule(data, allocation)
    days = [m.date for m in schedule.meetings]
    assert len(days) == 8 and None not in days and len(set(days)) == 8
    assert all(d is not None and d.weekday() == 1 for d in days)


@pytest.mark.parametrize("meetings", [1, 4, 6])
def test_first_meeting_in_the_first_half_term(meetings):
    dated = assign_dates(YEAR, [Booking(("group", "G"), 0, meetings)])
    days = dated[("group", "G")]
    assert days is not None and days[0] <= first_half_term_end(YEAR)
    assert all(b - a >= timedelta(days=1) for a, b in zip(days, days[1:], strict=False))


def test_group_meeting_at_a_chosen_lead_rotates_from_that_lead():
    # No venue columns and no fixed lead (allowed by a later issue): whoever leads hosts session 1.
    members = [school(f"10000{n}", "sustaining", km=float(n)) for n in range(3)]
    sps = [specialist("A", km=40.0, school_urn="200001"), specialist("B", km=60.0, school_urn="200002")]
    wg = group("WG", km=0.0, venue_at_lead=True)  # lead_idx None: chosen
    data = problem(members, sps, [wg])
    for lead in (0, 1):
        allocation = Allocation((None,) * 3, (0, 0, 0), (lead,))
        hosts, _ = group_hosts(data, allocation, 0)
        assert hosts[0].urn == sps[lead].school_urn and hosts[0].location == sps[lead].location
        assert {h.kind for h in hosts[1:]} == {"school"}
