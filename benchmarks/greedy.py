"""A greedy baseline: what a hub lead does by hand, for benchmarks and tests.

Schools are taken in application order (the order of the schools table; pinned
schools first). Each gets the nearest allowed specialist with a free place of its
stage (an embedding school keeps last year's specialist when it can) and the nearest
allowed work group with a free seat, whose focus is among its choices. A group
opens with its first school and takes its lead then: the fixed lead, else the
nearest specialist who may lead it and has a lead slot left; a group nobody can
lead is skipped. A school that cannot get everything its stage needs gets nothing.

At the end, groups below `min_schools` close (smallest first): their schools move to
the nearest open group with a free seat, or are unplaced (an embedding school then
gives its specialist back). Groups holding a pinned school stay open.

Every rule is respected by construction when there are no pins (check the result
with `allocator.check.check_allocation`); pins are honoured when they fit, and a pin
the greedy cannot honour shows up as a checker violation rather than an exception.
It never looks ahead, so it is a lower bound on what the optimiser should reach.
"""

from __future__ import annotations

import numpy as np

from allocator.problem.data import ProblemData
from allocator.problem.distances import coordinates, great_circle_km
from allocator.problem.eligibility import Eligibility, Reason, compute_eligibility
from allocator.problem.rules import may_be_lone, meets_at_chosen_lead
from allocator.solving.solution import Allocation


def greedy_allocation(problem: ProblemData, eligibility: Eligibility | None = None) -> Allocation:
    """Place schools one by one, nearest first, as a hub lead would by hand.

    Parameters
    ----------
    problem
        The validated scenario.
    eligibility
        Precomputed eligibility (computed here when None).

    Returns
    -------
    Allocation
        A complete allocation (every rule holds when there are no pins).
    """
    elig = eligibility if eligibility is not None else compute_eligibility(problem)
    return _Greedy(problem, elig).run()


class _Greedy:
    def __init__(self, problem: ProblemData, elig: Eligibility):
        self.problem = problem
        self.elig = elig
        num_s, num_g = problem.num_schools, problem.num_groups
        self.specialist = [None] * num_s  # type: list[int | None]
        self.group = [None] * num_s  # type: list[int | None]
        self.lead = [None] * num_g  # type: list[int | None]
        self.size = [0] * num_g
        self.closed = [False] * num_g
        self.dev_load = [0] * problem.num_specialists
        self.emb_load = [0] * problem.num_specialists
        self.leading = [0] * problem.num_specialists
        self.pinned_specialist: dict[int, int] = {}
        self.pinned_group: dict[int, int] = {}
        for pin in problem.pins:
            if pin.specialist_idx is not None:
                self.pinned_specialist[pin.school_idx] = pin.specialist_idx
            if pin.group_idx is not None:
                self.pinned_group[pin.school_idx] = pin.group_idx
        if num_g and problem.num_specialists:
            spec_xy = coordinates([p.location for p in problem.specialists])
            venue_xy = coordinates([g.venue for g in problem.work_groups])
            self.lead_km = great_circle_km(venue_xy, spec_xy)
        else:
            self.lead_km = np.zeros((num_g, problem.num_specialists))
        # Groups meeting at their chosen lead: the (school, group, lead) within the school's limit.
        self.triples = {tuple(t) for t in elig.venue_triples.tolist()}
        self.at_lead = {g for g, group in enumerate(problem.work_groups) if meets_at_chosen_lead(group)}

    # -------------------------------------------------------------- choices

    def _specialist_for(self, s: int) -> int | None:
        school = self.problem.schools[s]
        allowed = np.flatnonzero(self.elig.specialist_reason[s] == Reason.ALLOWED)
        if s in self.pinned_specialist:
            allowed = allowed[allowed == self.pinned_specialist[s]]
        if school.stage == "development":
            free = [int(p) for p in allowed if self.dev_load[p] < self.problem.specialists[p].capacity]
        else:
            free = [int(p) for p in allowed if self.emb_load[p] < self.problem.specialists[p].embedding_capacity]
        if not free:
            return None
        if school.stage == "embedding" and school.previous_specialist:
            previous = school.previous_specialist.strip()
            for p in free:
                if self.problem.specialists[p].id.strip() == previous:
                    return p
        km = self.elig.specialist_km[s]
        return min(free, key=lambda p: (km[p], p))

    def _lead_for(self, g: int, s: int | None = None) -> int | None:
        group = self.problem.work_groups[g]
        candidates = [p for p in self.elig.group_leads[g] if self.leading[p] < self.problem.specialists[p].max_groups]
        if g in self.at_lead and s is not None:  # the group meets where this first school can reach
            candidates = [p for p in candidates if (s, g, p) in self.triples]
        if not candidates:
            return None
        if group.lead_idx is not None:
            return candidates[0]
        km = self.lead_km[g]
        return min(candidates, key=lambda p: (km[p], p))

    def _group_for(self, s: int, exclude: int | None = None) -> int | None:
        allowed = np.flatnonzero(self.elig.group_reason[s] == Reason.ALLOWED)
        if s in self.pinned_group:
            allowed = allowed[allowed == self.pinned_group[s]]
        km = self.elig.group_km[s]
        for g in sorted((int(g) for g in allowed), key=lambda g: (km[g], g)):
            if g == exclude or self.closed[g]:
                continue
            if self.size[g] >= self.problem.work_groups[g].max_schools:
                continue
            if self.size[g] == 0 and self._lead_for(g, s) is None:
                continue
            if self.size[g] > 0 and g in self.at_lead and (s, g, self.lead[g]) not in self.triples:
                continue
            return g
        return None

    # -------------------------------------------------------------- moves

    def _join(self, s: int, g: int) -> None:
        if self.size[g] == 0:
            lead = self._lead_for(g, s)
            assert lead is not None  # _group_for only offers groups someone can lead
            self.lead[g] = lead
            self.leading[lead] += 1
        self.group[s] = g
        self.size[g] += 1

    def _support(self, s: int, p: int) -> None:
        self.specialist[s] = p
        if self.problem.schools[s].stage == "development":
            self.dev_load[p] += 1
        else:
            self.emb_load[p] += 1

    def _unplace(self, s: int) -> None:
        p = self.specialist[s]
        if p is not None:
            if self.problem.schools[s].stage == "development":
                self.dev_load[p] -= 1
            else:
                self.emb_load[p] -= 1
        self.specialist[s] = None
        self.group[s] = None

    def _close(self, g: int) -> None:
        """Close an under-filled group: move its schools on, or unplace them."""
        self.closed[g] = True
        members = [s for s, x in enumerate(self.group) if x == g]
        lead = self.lead[g]
        if lead is not None:
            self.leading[lead] -= 1
        self.lead[g] = None
        self.size[g] = 0
        for s in members:
            self.group[s] = None
            target = self._open_group_for(s, g)
            if target is None:
                self._unplace(s)
            else:
                self.group[s] = target
                self.size[target] += 1

    def _open_group_for(self, s: int, closing: int) -> int | None:
        allowed = np.flatnonzero(self.elig.group_reason[s] == Reason.ALLOWED)
        km = self.elig.group_km[s]
        for g in sorted((int(g) for g in allowed), key=lambda g: (km[g], g)):
            if g == closing or self.closed[g] or self.size[g] == 0:
                continue
            if g in self.at_lead and (s, g, self.lead[g]) not in self.triples:
                continue
            if self.size[g] < self.problem.work_groups[g].max_schools:
                return g
        return None

    # -------------------------------------------------------------- the run

    def run(self) -> Allocation:
        problem = self.problem
        pinned = set(self.pinned_specialist) | set(self.pinned_group)
        order = sorted(range(problem.num_schools), key=lambda s: (s not in pinned, s))
        for s in order:
            stage = problem.schools[s].stage
            p = self._specialist_for(s) if stage in ("development", "embedding") else None
            g = self._group_for(s) if stage in ("embedding", "sustaining") else None
            if stage in ("development", "embedding") and p is None:
                continue
            if stage in ("embedding", "sustaining") and g is None:
                continue
            if p is not None:
                self._support(s, p)
            if g is not None:
                self._join(s, g)
        protected = {self.group[s] for s in pinned if self.group[s] is not None}
        while True:
            short = [
                g
                for g in range(problem.num_groups)
                if 0 < self.size[g] < problem.work_groups[g].min_schools and g not in protected
            ]
            if not short:
                break
            self._close(min(short, key=lambda g: (self.size[g], g)))
        if problem.rules.whole_pairs:  # a lone department is not allowed: leave it unplaced
            for p, specialist in enumerate(problem.specialists):
                alone = [
                    s
                    for s in range(problem.num_schools)
                    if self.specialist[s] == p and problem.schools[s].stage == "development"
                ]
                if len(alone) == 1 and may_be_lone(specialist) and alone[0] not in pinned:
                    self._unplace(alone[0])
        return Allocation(tuple(self.specialist), tuple(self.group), tuple(self.lead))
