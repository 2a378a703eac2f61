"""The year's meetings of an allocation: hosts (`hosts`), then dates (`dates`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from allocator.problem.data import ProblemData
from allocator.schedule.dates import Booking, assign_dates
from allocator.schedule.hosts import Host, group_hosts, pair_hosts
from allocator.solving.solution import Allocation


@dataclass(frozen=True)
class Meeting:
    """One session of a running work group (`kind` "group") or a development pair ("pair")."""

    kind: str
    key: str  # the work group id, or the pair's specialist id
    specialist_idx: int  # who is booked: the group's lead or the pair's specialist
    number: int  # 1, 2, ...
    total: int
    host: Host
    date: date | None


@dataclass(frozen=True)
class Schedule:
    meetings: tuple[Meeting, ...]
    warnings: tuple[str, ...] = ()


def members_by(assignment: tuple[int | None, ...], size: int) -> list[list[int]]:
    """For each of `size` targets (groups or specialists), the schools assigned to it (one pass)."""
    out: list[list[int]] = [[] for _ in range(size)]
    for s, target in enumerate(assignment):
        if target is not None:
            out[target].append(s)
    return out


def make_schedule(problem: ProblemData, allocation: Allocation) -> Schedule:
    """Hosts and dates for every running group and every development pair.

    Never changes the allocation. Dates need the scenario's `calendar:`; without one, or
    for an entity the calendar leaves too few free days for, meetings have no date and
    the schedule carries a warning.
    """
    planned: list[tuple[str, str, int, list[Host]]] = []
    warnings: list[str] = []
    names = {school.urn: school.name for school in problem.schools}
    members = members_by(allocation.school_group, problem.num_groups)
    supported = members_by(allocation.school_specialist, problem.num_specialists)
    for g, group in enumerate(problem.work_groups):
        lead = allocation.group_lead[g]
        if lead is None or not members[g]:
            continue
        hosts, note = group_hosts(problem, allocation, g, members[g], names)
        if note:
            warnings.append(note)
        planned.append(("group", group.id, lead, hosts))
    for p, specialist in enumerate(problem.specialists):
        hosts = pair_hosts(problem, allocation, p, supported[p], names)
        if hosts:
            planned.append(("pair", specialist.id, p, hosts))
    dated: dict[tuple[str, str], list[date] | None] = {}
    if problem.calendar is None:
        if planned:
            warnings.append(
                "the scenario has no calendar: meetings have numbers and hosts but no dates "
                "(add calendar: to the scenario to date them)"
            )
    else:
        dated = assign_dates(problem.calendar, [Booking((k, key), p, len(h)) for k, key, p, h in planned])
        short = [f"{k} {key}" for k, key, _, _ in planned if dated.get((k, key)) is None]
        if short:
            warnings.append(
                f"the calendar leaves too few free days for {len(short)} of {len(planned)} groups and pairs "
                f"({', '.join(short[:5])}{', ...' if len(short) > 5 else ''}): their meetings have no dates"
            )
    meetings = []
    for kind, key, p, hosts in planned:
        days = dated.get((kind, key))
        for n, host in enumerate(hosts, start=1):
            meetings.append(Meeting(kind, key, p, n, len(hosts), host, None if days is None else days[n - 1]))
    return Schedule(tuple(meetings), tuple(warnings))
