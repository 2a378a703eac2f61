"""The edits that could place one unplaced school, read from its pairs' reasons."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from allocator.diagnose.edits import (
    Change,
    Files,
    capacity_change,
    cohort_change,
    cross_hub_change,
    max_schools_change,
    min_schools_change,
    named,
    pin_change,
    school_settings,
    travel_change,
)
from allocator.problem.data import ProblemData, Stage
from allocator.problem.eligibility import Eligibility, Reason, pair_rules
from allocator.problem.rules import may_be_chosen_lead
from allocator.solving.solution import Allocation

# A school's own travel limit is raised to reach one of the nearest few specialists or
# venues beyond it: farther ones join whole regions into one re-solve, and a hub lead
# would hardly send a school there.
TRAVEL_TARGETS = 3

# Reasons that one listed edit lifts (the others, such as phase or a forbid, none does).
LIFTABLE = {Reason.HUB, Reason.UNAVAILABLE, Reason.NO_CAPACITY, Reason.TOO_FAR}


@dataclass
class Singles:
    """One school's single-edit candidates by kind (travel: nearest first)."""

    specialist_side: list[Change] = field(default_factory=list)  # capacity, cohort
    group_side: list[Change] = field(default_factory=list)  # max_schools, min_schools
    travel: list[Change] = field(default_factory=list)
    cross_hub: Change | None = None

    def all(self) -> list[Change]:
        out = self.specialist_side + self.group_side + self.travel[-1:]
        return out + ([self.cross_hub] if self.cross_hub is not None else [])


@dataclass(frozen=True)
class Chains:
    """Where each school may go and who holds each place now: one more place for a
    specialist (or seat in a group) that a school cannot reach itself can still place it,
    when the schools along a chain move on (s takes x's place at p, x moves to p2, whose
    new place the edit made)."""

    specialists_of: dict[int, list[int]]  # school -> the specialists it may have
    groups_of: dict[int, list[int]]  # school -> the groups it may join
    supported: dict[int, list[int]]  # specialist -> the schools they support now
    members: dict[int, list[int]]  # group -> its schools now

    @classmethod
    def of(cls, problem: ProblemData, elig: Eligibility, allocation: Allocation) -> Chains:
        specialists_of: dict[int, list[int]] = {}
        groups_of: dict[int, list[int]] = {}
        # A specialist of no places (capacity 0) is a place one more would open too.
        no_places = np.argwhere(elig.specialist_reason == Reason.NO_CAPACITY)
        for pairs, out in (
            (elig.specialist_pairs, specialists_of),
            (no_places, specialists_of),
            (elig.group_pairs, groups_of),
        ):
            for x, target in pairs.tolist():
                out.setdefault(x, []).append(target)
        supported: dict[int, list[int]] = {}
        members: dict[int, list[int]] = {}
        for x, (p, g) in enumerate(zip(allocation.school_specialist, allocation.school_group, strict=True)):
            if p is not None:
                supported.setdefault(p, []).append(x)
            if g is not None:
                members.setdefault(g, []).append(x)
        return cls(specialists_of, groups_of, supported, members)

    def reach(
        self,
        first: list[int],
        holders: dict[int, list[int]],
        options: dict[int, list[int]],
        full: Callable[[int], bool],
        same: Callable[[int], bool],
    ) -> list[int]:
        """The full places a chain from `first` passes: each held by schools (those
        `same` accepts) that could move to the next."""
        seen: set[int] = set()
        frontier = [t for t in first if full(t)]
        while frontier:
            t = frontier.pop()
            if t in seen:
                continue
            seen.add(t)
            for x in holders.get(t, []):
                if same(x):
                    frontier.extend(u for u in options.get(x, []) if u not in seen and full(u))
        return sorted(seen)


@dataclass(frozen=True)
class Loads:
    """Development and embedding load of each specialist, size of each group; `chains`
    (from the allocation) adds the places a chain of moves could free."""

    support: dict[tuple[int, str], int]
    group_size: list[int]
    chains: Chains | None = None


def single_changes(problem: ProblemData, elig: Eligibility, files: Files, loads: Loads, s: int) -> Singles:
    """Every single edit of the listed kinds that opens or frees a place for school `s`."""
    stage = Stage(problem.schools[s].stage)
    out = Singles()
    travel: dict[float, tuple[float, str]] = {}
    cohorts: set[int] = set()
    if stage.needs_specialist:
        reasons, km = elig.specialist_reason[s], elig.specialist_km[s]
        allowed = np.flatnonzero(reasons == Reason.ALLOWED).tolist()
        places = _full_within_reach(problem, loads, allowed, stage)
        if stage is Stage.EMBEDDING and _joins_a_group_not_running(elig, loads, s):
            # A group reaching its minimum may need more embedding schools with one
            # specialist than they have places for, though they have some left.
            places = sorted(set(places) | set(allowed))
        if stage is Stage.DEVELOPMENT and (elig.whole_pairs or elig.lone_department):
            # Pairs may need one more place where some are left: a school that would be a
            # lone department (or is not allowed to be one) joins a pair moved there.
            places = sorted(set(places) | set(allowed))
        no_places = np.flatnonzero(reasons == Reason.NO_CAPACITY).tolist()
        for p in sorted(set(places) | set(no_places)):
            out.specialist_side.append(capacity_change(problem, files, p, stage))
        for p in np.flatnonzero(reasons == Reason.TOO_FAR).tolist():
            own = problem.specialists[p].max_travel_km
            if own is None or km[p] <= own:  # a specialist's own lower limit still applies
                reach = named(problem, "specialist", p)
                travel.setdefault(math.ceil(float(km[p]) - 1e-9), (float(km[p]), reach))
        limit = elig.specialist_limit_km
        cohorts |= {  # only cohorts with someone who would then be allowed (near enough, with places)
            problem.specialists[p].cohort
            for p in np.flatnonzero(reasons == Reason.UNAVAILABLE).tolist()
            if km[p] <= limit[p] and problem.specialists[p].capacity_for(stage) > 0
        }
        if np.any(reasons == Reason.HUB):
            out.cross_hub = cross_hub_change(problem, files, s)
    if stage.needs_group or stage is Stage.DEVELOPMENT:  # a development group may take it
        _group_side(problem, elig, files, loads, s, out, travel)
    out.specialist_side += [cohort_change(problem, files, c) for c in sorted(cohorts)]
    nearest = sorted(travel.items())[:TRAVEL_TARGETS]
    out.travel = [travel_change(problem, files, s, km, reach) for _, (km, reach) in nearest]
    return out


def _group_side(
    problem: ProblemData,
    elig: Eligibility,
    files: Files,
    loads: Loads,
    s: int,
    out: Singles,
    travel: dict[float, tuple[float, str]],
) -> None:
    reasons, km = elig.group_reason[s], elig.group_km[s]
    joiners = np.bincount(elig.group_pairs[:, 1], minlength=problem.num_groups) if len(elig.group_pairs) else None
    allowed = np.flatnonzero(reasons == Reason.ALLOWED).tolist()
    for g in _full_groups_within_reach(problem, loads, allowed):
        out.group_side.append(max_schools_change(problem, files, g))
    for g in allowed:
        group, size = problem.work_groups[g], loads.group_size[g]
        if size == 0 and joiners is not None and 0 < joiners[g] < group.min_schools and elig.group_leads[g]:
            out.group_side.append(min_schools_change(problem, files, g, int(joiners[g])))
    for g in np.flatnonzero(reasons == Reason.TOO_FAR).tolist():
        if not math.isfinite(float(km[g])):
            continue  # a group meeting at its chosen lead: no one venue to reach
        travel.setdefault(
            math.ceil(float(km[g]) - 1e-9), (float(km[g]), f"the venue of work group {problem.work_groups[g].id}")
        )
    if np.any(reasons == Reason.HUB) and out.cross_hub is None:
        out.cross_hub = cross_hub_change(problem, files, s)


def cohorts_within_reach(problem: ProblemData, elig: Eligibility, schools: list[int], groups: list[int]) -> set[int]:
    """The unavailable cohorts that could change the optimum of the part holding these
    schools and groups: one of their specialists, once available, could support one of
    the schools or lead one of the groups (a chain of moves may then free a place for
    any school of the part). A cohort with no such specialist leaves the part as it is."""
    cohorts: set[int] = set()
    if schools:
        rows = elig.specialist_reason[schools]
        for p in np.flatnonzero((rows == Reason.UNAVAILABLE).any(axis=0)).tolist():
            cohorts.add(problem.specialists[p].cohort)
    for g in groups:
        group = problem.work_groups[g]
        if group.lead_idx is not None:
            could = [group.lead_idx]
        else:  # the unavailable specialists who would be chosen-lead candidates if available
            could = [
                p
                for p, sp in enumerate(problem.specialists)
                if not sp.available and may_be_chosen_lead(replace(sp, available=True), group)
            ]
        cohorts.update(problem.specialists[p].cohort for p in could if not problem.specialists[p].available)
    return cohorts


def _joins_a_group_not_running(elig: Eligibility, loads: Loads, s: int) -> bool:
    """Whether school s may join a group that does not run in the allocation."""
    return any(loads.group_size[g] == 0 for g in np.flatnonzero(elig.group_reason[s] == Reason.ALLOWED).tolist())


def _full_within_reach(problem: ProblemData, loads: Loads, allowed: list[int], stage: Stage) -> list[int]:
    """The full specialists (for `stage`) among `allowed`, and with `loads.chains` those a
    chain of same-stage schools moving on from them reaches."""

    def full(p: int) -> bool:
        return loads.support.get((p, stage.value), 0) >= problem.specialists[p].capacity_for(stage)

    chains = loads.chains
    if chains is None:
        return [p for p in allowed if full(p)]
    return chains.reach(
        allowed, chains.supported, chains.specialists_of, full, lambda x: problem.schools[x].stage == stage
    )


def _full_groups_within_reach(problem: ProblemData, loads: Loads, allowed: list[int]) -> list[int]:
    """The full groups among `allowed`, and with `loads.chains` those a chain of members
    moving on from them reaches."""

    def full(g: int) -> bool:
        return loads.group_size[g] >= problem.work_groups[g].max_schools

    chains = loads.chains
    if chains is None:
        return [g for g in allowed if full(g)]
    return chains.reach(allowed, chains.members, chains.groups_of, full, lambda x: True)


def two_change_candidates(
    problem: ProblemData,
    elig: Eligibility,
    files: Files,
    singles: Singles,
    loads: Loads,
    s: int,
    limit: int = 40,
) -> list[tuple[Change, Change]]:
    """Pairs of edits that together could place `s`: a specialist or venue kept out by
    exactly two liftable rules; one kept out by one rule and full (a place or seat more),
    or pinned; for an embedding school, one edit on each side."""
    stage = Stage(problem.schools[s].stage)
    km_limit, cross = school_settings(problem, s)
    one = replace(
        problem,
        schools=(problem.schools[s],),
        pins=(),
        forbids=tuple(replace(f, school_idx=0) for f in problem.forbids if f.school_idx == s),
        previous=None,
        rules=replace(problem.rules, max_travel_km=km_limit, allow_cross_hub=cross),
    )
    rules = pair_rules(one, measure_all=True)
    found: list[tuple[tuple[bool, float], tuple[Change, Change]]] = []
    for p, sp in enumerate(problem.specialists):
        blocked = {r for r, mask in rules.specialist.items() if mask[0, p]}
        km = float(rules.specialist_km[0, p])
        reach = named(problem, "specialist", p)
        if len(blocked) == 2 and blocked <= LIFTABLE:
            made = _both([_edit(problem, files, s, stage, r, km, reach, sp.cohort, p) for r in sorted(blocked)])
            if made is not None:
                found.append(((False, km), made))
        elif len(blocked) == 1 and blocked <= LIFTABLE - {Reason.NO_CAPACITY}:
            lifted = _edit(problem, files, s, stage, min(blocked), km, reach, sp.cohort, p)
            if lifted is not None:
                if loads.support.get((p, stage.value), 0) >= sp.capacity_for(stage):
                    found.append(((False, km), (lifted, capacity_change(problem, files, p, stage))))
                found.append(((True, km), (lifted, pin_change(problem, files, s, p, None))))
    for g, group in enumerate(problem.work_groups):
        blocked = {r for r, mask in rules.group.items() if mask[0, g]}
        km = float(rules.group_km[0, g])
        reach = f"the venue of work group {group.id}"
        if blocked == {Reason.HUB, Reason.TOO_FAR}:
            made = _both([_edit(problem, files, s, stage, r, km, reach, 0, None) for r in sorted(blocked)])
            if made is not None:
                found.append(((False, km), made))
        elif len(blocked) == 1 and blocked <= {Reason.HUB, Reason.TOO_FAR}:
            lifted = _edit(problem, files, s, stage, min(blocked), km, reach, 0, None)
            if lifted is not None:
                if loads.group_size[g] >= group.max_schools:
                    found.append(((False, km), (lifted, max_schools_change(problem, files, g))))
                if not stage.needs_specialist:
                    found.append(((True, km), (lifted, pin_change(problem, files, s, None, g))))
    if stage.needs_specialist and stage.needs_group:
        sides = (singles.specialist_side + singles.travel[:1])[:3], (singles.group_side + singles.travel[:1])[:3]
        for a in sides[0]:
            for b in sides[1]:
                if a.key != b.key and not (a.kind == b.kind == "travel"):
                    found.append(((False, math.inf), (a, b)))
    found.sort(key=lambda item: item[0])
    unique: dict[tuple, tuple[Change, Change]] = {}
    per_family: dict[tuple, int] = {}
    for _, pair in found:
        family = tuple(sorted(c.key for c in pair if c.kind != "travel"))
        if any(c.kind == "travel" for c in pair):
            if per_family.get(family, 0) >= TRAVEL_TARGETS:
                continue  # only the nearest few places beyond the limit
            per_family[family] = per_family.get(family, 0) + 1
        unique.setdefault(tuple(sorted(c.key for c in pair)), pair)
    return list(unique.values())[:limit]


def _edit(
    problem: ProblemData,
    files: Files,
    s: int,
    stage: Stage,
    reason: Reason,
    km: float,
    reach: str,
    cohort: int,
    p: int | None,
) -> Change | None:
    """The edit that lifts `reason` for a specialist (`p`) or venue, if one can."""
    if reason == Reason.HUB:
        return cross_hub_change(problem, files, s)
    if reason == Reason.UNAVAILABLE:
        return cohort_change(problem, files, cohort)
    if reason == Reason.NO_CAPACITY and p is not None:
        return capacity_change(problem, files, p, stage)
    own = problem.specialists[p].max_travel_km if p is not None else None
    if reason == Reason.TOO_FAR and math.isfinite(km) and (own is None or km <= own):
        return travel_change(problem, files, s, km, reach)
    return None


def _both(changes: list[Change | None]) -> tuple[Change, Change] | None:
    """The two edits, when each of the two blocking rules could be lifted."""
    if len(changes) != 2 or changes[0] is None or changes[1] is None:
        return None
    return (changes[0], changes[1])
