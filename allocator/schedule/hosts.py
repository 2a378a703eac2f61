"""Who hosts each meeting of a running work group and of a specialist's development pair.

Hosting is chosen after the allocation and never changes it. A `rotate` group meets
first at its lead's school, then at member schools: each member hosts at most
ceil((sessions - 1) / members) of the later sessions, never two in a row, chosen to
minimise the members' total travel to the hosts. `rotation` finds that order exactly, by
a depth-first branch and bound (the instances are tiny: at most a few dozen sessions and
members); `tests/test_schedule.py` checks it against brute force. A `venue` group meets
at its venue every time. A development pair alternates between its two schools, or
meets at the specialist's school when `pair_meetings` says `at specialist`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from allocator.problem.data import Location, ProblemData, WorkGroup
from allocator.problem.distances import coordinates, great_circle_km
from allocator.solving.solution import Allocation

PAIR_MEETINGS = 4  # a development pair's meetings in the year


@dataclass(frozen=True)
class Host:
    """Where one meeting is held: a member school, a specialist's own school, or a venue."""

    kind: str  # "school", "lead" (the lead's or pair specialist's school) or "venue"
    urn: str  # blank when the place has no known URN
    name: str
    postcode: str
    location: Location


def sessions_of(group: WorkGroup) -> int:
    """A group's sessions this year: its `sessions` cell, else 6 for a primary group and 4 otherwise."""
    if group.sessions is not None:
        return group.sessions
    return 6 if group.phase == "primary" else 4


def hosting_of(group: WorkGroup) -> str:
    """`rotate` or `venue`: the `hosting` cell, else rotate for a group that meets at its lead."""
    if group.hosting is not None:
        return group.hosting
    return "rotate" if group.venue_at_lead else "venue"


def rotation(
    costs: Sequence[int], later: int, cap: int, not_first: int | None = None, adjacent: bool = True
) -> list[int] | None:
    """The cheapest order of hosts for the `later` sessions after the first.

    Parameters
    ----------
    costs
        For each candidate host, what one session there costs (the members' total travel).
    later
        Sessions to place.
    cap
        Most sessions one host may hold.
    not_first
        A candidate that may not hold the first of them (it held the session before).
    adjacent
        False to allow one host two sessions in a row.

    Returns
    -------
    The candidate index of each session, or None when the rules cannot hold. Among
    equally cheap orders the first in (cost, index) order is returned, so it is repeatable.
    """
    order = sorted(range(len(costs)), key=lambda h: (costs[h], h))
    counts = [0] * len(costs)
    sequence: list[int] = []
    best: list[int] | None = None
    best_cost = math.inf

    def bound(remaining: int) -> float:
        # Cheapest fill of the remaining sessions, ignoring the rule on repeats: a lower bound.
        total = 0
        for h in order:
            if remaining == 0:
                break
            take = min(cap - counts[h], remaining)
            total += take * costs[h]
            remaining -= take
        return total if remaining == 0 else math.inf

    def search(cost: int) -> None:
        nonlocal best, best_cost
        if len(sequence) == later:
            if cost < best_cost:
                best, best_cost = list(sequence), cost
            return
        if cost + bound(later - len(sequence)) >= best_cost:
            return
        previous = sequence[-1] if sequence else not_first
        for h in order:
            if counts[h] >= cap or (adjacent and h == previous):
                continue
            counts[h] += 1
            sequence.append(h)
            search(cost + costs[h])
            sequence.pop()
            counts[h] -= 1

    search(0)
    return best


def lead_school(problem: ProblemData, p: int, school_names: Mapping[str, str] | None = None) -> Host:
    """Specialist `p`'s own school, as a host (named when it is in the schools table;
    pass `school_names`, URN to name, when asking for many)."""
    sp = problem.specialists[p]
    if school_names is None:
        school_names = {school.urn: school.name for school in problem.schools}
    name = school_names.get(sp.school_urn or "", f"{sp.name}'s school")
    return Host("lead", sp.school_urn or "", name, sp.postcode, sp.location)


def _school_host(problem: ProblemData, s: int) -> Host:
    school = problem.schools[s]
    return Host("school", school.urn, school.name, school.postcode, school.location)


def _venue(problem: ProblemData, g: int, lead: int, school_names: Mapping[str, str] | None) -> Host:
    group = problem.work_groups[g]
    if group.venue_at_lead:
        return lead_school(problem, lead, school_names)
    return Host("venue", "", f"venue of work group {group.id}", group.venue_postcode or "", group.venue)


def group_hosts(
    problem: ProblemData,
    allocation: Allocation,
    g: int,
    members: Sequence[int] | None = None,
    school_names: Mapping[str, str] | None = None,
) -> tuple[list[Host], str]:
    """Each session's host for running group `g`, and a note when a rule had to give way.

    `members` (the group's schools) and `school_names` (URN to name) save looking them up
    when asking for many groups.

    A group too small to rotate (one school) lets its lead's school host later sessions
    too; if even that cannot keep hosts from repeating, a host may hold two in a row.
    """
    group, lead = problem.work_groups[g], allocation.group_lead[g]
    assert lead is not None  # only running groups meet
    total = sessions_of(group)
    if hosting_of(group) == "venue":
        return [_venue(problem, g, lead, school_names)] * total, ""
    first = lead_school(problem, lead, school_names)
    if members is None:
        members = [s for s, v in enumerate(allocation.school_group) if v == g]
    if total == 1:
        return [first], ""
    later = total - 1
    cap = math.ceil(later / len(members))
    candidates = [_school_host(problem, s) for s in members]
    tries: list[tuple[list[Host], bool, str]] = [(candidates, True, "")]
    if first.urn == "" or first.urn not in {h.urn for h in candidates}:
        tries.append(
            (
                candidates + [first],
                True,
                f"work group {group.id} has too few schools to rotate: its lead's school hosts later sessions too",
            )
        )
    tries.append(
        (
            tries[-1][0],
            False,
            f"work group {group.id} has too few schools to rotate: a host holds two sessions in a row",
        )
    )
    member_points = coordinates([problem.schools[s].location for s in members])
    for hosts, adjacent, note in tries:
        km = great_circle_km(member_points, coordinates([h.location for h in hosts]))
        costs = [int(c) for c in np.rint(km.sum(axis=0) * 1000)]  # metres, summed over members
        not_first = next((i for i, h in enumerate(hosts) if h.urn and h.urn == first.urn), None)
        if not_first is None and hosts[-1] is first:
            not_first = len(hosts) - 1
        order = rotation(costs, later, cap if adjacent else later, not_first, adjacent)
        if order is not None:
            return [first] + [hosts[i] for i in order], note
    raise AssertionError("a rotation without the rule on repeats always exists")  # pragma: no cover


def pair_hosts(
    problem: ProblemData,
    allocation: Allocation,
    p: int,
    supported: Sequence[int] | None = None,
    school_names: Mapping[str, str] | None = None,
) -> list[Host]:
    """The development pair's meetings of specialist `p` (empty without development schools).

    They alternate between the departments in the schools table's order (a lone
    department meets at its own school), or are all at the specialist's school when
    the specialists table's `pair_meetings` says `at specialist`.
    """
    if supported is None:  # the schools the specialist supports
        supported = [s for s, v in enumerate(allocation.school_specialist) if v == p]
    departments = [s for s in supported if problem.schools[s].stage == "development"]
    if not departments:
        return []
    if problem.specialists[p].pair_meetings == "at specialist":
        return [lead_school(problem, p, school_names)] * PAIR_MEETINGS
    return [_school_host(problem, departments[k % len(departments)]) for k in range(PAIR_MEETINGS)]
