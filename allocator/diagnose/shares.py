"""Each school's share of the objective, and its best alternative placement."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from allocator.problem.data import ProblemData, Stage
from allocator.problem.eligibility import Eligibility
from allocator.problem.rules import may_be_lone
from allocator.solving.solution import Allocation


@dataclass(frozen=True)
class Share:
    """One school's contribution to the objective, by term (all in objective units)."""

    place: int = 0
    priority: int = 0
    travel: int = 0  # minus the rounded travel costs
    focus: int = 0  # minus the focus-rank cost
    continuity: int = 0
    keep: int = 0  # placed exactly as in the previous run (re-runs)
    lead_travel: int = 0  # its part of its group's lead travel (split evenly among members)
    lone_department: int = 0  # minus lone_department when it is its specialist's only development school

    @property
    def total(self) -> int:
        return (
            self.place
            + self.priority
            + self.travel
            + self.focus
            + self.continuity
            + self.keep
            + self.lead_travel
            + self.lone_department
        )


def _pair_values(elig: Eligibility) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:
    sp = {
        (s, p): v for (s, p), v in zip(elig.specialist_pairs.tolist(), elig.specialist_pair_value.tolist(), strict=True)
    }
    sg = {(s, g): v for (s, g), v in zip(elig.group_pairs.tolist(), elig.group_pair_value.tolist(), strict=True)}
    return sp, sg


def school_shares(problem: ProblemData, elig: Eligibility, allocation: Allocation) -> list[Share]:
    """Each school's share; the shares sum to the objective of `allocation`."""
    weights = problem.weights
    sp_values, sg_values = _pair_values(elig)
    kept_as = {s: (p, g) for s, p, g in elig.keep_targets}
    lead_parts, lone_parts, venue_travel = _programme_parts(problem, elig, allocation)
    out = []
    for s, school in enumerate(problem.schools):
        p, g = allocation.school_specialist[s], allocation.school_group[s]
        if p is None and g is None:
            out.append(Share())
            continue
        share = Share(place=weights.place, priority=weights.priority * school.priority)
        travel = focus = continuity = 0
        if p is not None:
            kept = (
                school.stage == Stage.EMBEDDING
                and school.previous_specialist is not None
                and school.previous_specialist.strip() == problem.specialists[p].id.strip()
            )
            continuity = weights.continuity if kept else 0
            # The pair's value is −travel + continuity (computed once in eligibility).
            travel += sp_values[s, p] - continuity
        if g is not None:
            focus = -int(elig.focus_cost[s, g])
            travel += sg_values[s, g] - focus + venue_travel.get(s, 0)
        keep = elig.keep_value if kept_as.get(s) == (p, g) else 0
        out.append(
            Share(
                share.place,
                share.priority,
                travel=travel,
                focus=focus,
                continuity=continuity,
                keep=keep,
                lead_travel=lead_parts.get(s, 0),
                lone_department=lone_parts.get(s, 0),
            )
        )
    return out


def _programme_parts(
    problem: ProblemData, elig: Eligibility, allocation: Allocation
) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """Per school: its part of its group's lead travel (split evenly among the members,
    the remainder to the first), the lone-department cost when it is its specialist's
    only development school, and its trip to a group meeting at its chosen lead."""
    members: dict[int, list[int]] = {}
    for s, g in enumerate(allocation.school_group):
        if g is not None:
            members.setdefault(g, []).append(s)
    lead_parts: dict[int, int] = {}
    for g, schools in members.items():
        lead = allocation.group_lead[g]
        if lead is None or lead not in elig.group_leads[g]:
            continue
        value = elig.lead_value[g][elig.group_leads[g].index(lead)]
        base, extra = divmod(-value, len(schools))
        for n, s in enumerate(schools):
            lead_parts[s] = -(base + (1 if n < extra else 0))
    development: dict[int, list[int]] = {}
    for s, p in enumerate(allocation.school_specialist):
        if p is not None and problem.schools[s].stage == Stage.DEVELOPMENT:
            development.setdefault(p, []).append(s)
    lone_parts = {
        schools[0]: -elig.lone_department
        for p, schools in development.items()
        if len(schools) == 1 and may_be_lone(problem.specialists[p])
    }
    triples = {
        (s, g, p): v for (s, g, p), v in zip(elig.venue_triples.tolist(), elig.venue_triple_value.tolist(), strict=True)
    }
    venue_travel = {}
    for s, g in enumerate(allocation.school_group):
        if g is not None and (s, g, allocation.group_lead[g]) in triples:
            venue_travel[s] = triples[s, g, allocation.group_lead[g]]
    return lead_parts, lone_parts, venue_travel


@dataclass(frozen=True)
class Alternative:
    """The best other place for a placed school, everyone else held where they are."""

    description: str  # e.g. "specialist MS05" or "group WD-S-A"; "" when there is none
    loss: int | None  # how much the objective would fall (None: no alternative)


def best_alternatives(problem: ProblemData, elig: Eligibility, allocation: Allocation) -> list[Alternative]:
    """For each placed school, the next-best allowed specialist or group with free room.

    A specialist has room when below their capacity for the school's stage. A group has
    room when it runs below `max_schools`, or when it does not run yet, would run with
    this one school (`min_schools` <= 1) and one of its possible leads has a group to
    spare. Leaving the current group must not take it below its minimum.
    """
    sp_values, sg_values = _pair_values(elig)
    stage_load: Counter[tuple[int, str]] = Counter()
    for s, p in enumerate(allocation.school_specialist):
        if p is not None:
            stage_load[p, problem.schools[s].stage] += 1
    size = Counter(g for g in allocation.school_group if g is not None)
    leading = Counter(p for p in allocation.group_lead if p is not None)
    by_school_sp: dict[int, list[int]] = {}
    for s, p in sp_values:
        by_school_sp.setdefault(s, []).append(p)
    by_school_sg: dict[int, list[int]] = {}
    for s, g in sg_values:
        by_school_sg.setdefault(s, []).append(g)

    out = []
    for s, school in enumerate(problem.schools):
        p_now, g_now = allocation.school_specialist[s], allocation.school_group[s]
        if p_now is None and g_now is None:
            out.append(Alternative("", None))
            continue
        options: list[tuple[int, str]] = []
        if p_now is not None:
            for p in by_school_sp.get(s, []):
                if p == p_now:
                    continue
                sp = problem.specialists[p]
                capacity = sp.capacity_for(school.stage)
                if stage_load[p, school.stage] < capacity:
                    options.append((sp_values[s, p] - sp_values[s, p_now], f"specialist {sp.id}"))
        if g_now is not None and size[g_now] - 1 >= problem.work_groups[g_now].min_schools:
            for g in by_school_sg.get(s, []):
                if g == g_now:
                    continue
                group = problem.work_groups[g]
                if size[g] > 0:
                    has_room = size[g] < group.max_schools
                else:
                    has_room = group.min_schools <= 1 and any(
                        leading[p] < problem.specialists[p].max_groups for p in elig.group_leads[g]
                    )
                if has_room:
                    options.append((sg_values[s, g] - sg_values[s, g_now], f"group {group.id}"))
        if not options:
            out.append(Alternative("", None))
            continue
        gain, description = max(options, key=lambda o: (o[0], o[1]))
        out.append(Alternative(description, -gain))
    return out
