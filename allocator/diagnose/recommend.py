"""For each unplaced school, the single change that places it at the smallest loss.

First the school is forced in with no change at all: when that runs a group that was
idle, the recommendation is to run that named group (with the school pinned to it);
otherwise pinning it may displace others. Then the candidate changes: one more place of
the school's stage for a named specialist; a travel limit raised (for this school) to
reach a named specialist or venue; cross-hub placement for this school. A change is
recommended only when it does better than forcing the school in without it. Every
figure is verified by re-solving the scenario with the change and the school required
to be placed; the reported effect on the objective is that re-solve's, not an estimate.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from allocator.diagnose.shares import school_shares
from allocator.problem.data import ProblemData, SolverSettings, Stage
from allocator.problem.eligibility import Eligibility, Reason, compute_eligibility, relax
from allocator.solving.components import Component, components
from allocator.solving.search import search
from allocator.solving.solution import Allocation


@dataclass(frozen=True)
class Change:
    kind: str  # "capacity", "travel", "cross_hub"
    text: str  # what the hub lead would do, in plain words
    problem: ProblemData
    eligibility: Eligibility


@dataclass(frozen=True)
class Recommendation:
    school_idx: int
    text: str  # "" when no single change places the school
    kind: str = ""
    objective: int | None = None  # objective after the change, re-solved
    delta: int | None = None  # objective after − objective before
    change: Change | None = None  # the change re-solved (with keep_changes; None for a plain pin)


def _candidates(
    problem: ProblemData,
    elig: Eligibility,
    allocation: Allocation,
    s: int,
    per_kind: int,
    cache: dict[str, Eligibility],
) -> list[Change]:
    """The single changes worth re-solving for school `s`, nearest first per kind."""
    stage = Stage(problem.schools[s].stage)
    out: list[Change] = []
    if stage.needs_specialist:
        out += _specialist_changes(problem, elig, s, stage, per_kind)
    if stage.needs_group:
        out += _group_changes(problem, elig, s, per_kind)
    if not problem.rules.allow_cross_hub:
        out += _cross_hub_change(problem, elig, s, cache)
    return out


def _specialist_changes(problem: ProblemData, elig: Eligibility, s: int, stage: Stage, per_kind: int) -> list[Change]:
    """One more place for a specialist who may support `s` but is full (or has none); a
    travel limit raised for `s` to reach a specialist beyond it."""
    out: list[Change] = []
    reasons = elig.specialist_reason[s]
    km = elig.specialist_km[s]
    eligible = [int(p) for p in np.flatnonzero((reasons == Reason.ALLOWED) | (reasons == Reason.NO_CAPACITY))]
    for p in sorted(eligible, key=lambda p: km[p])[:per_kind]:
        sp = problem.specialists[p]
        field = stage.capacity_field
        changed = sp.with_values(**{field: getattr(sp, field) + 1})
        variant = replace(problem, specialists=problem.specialists[:p] + (changed,) + problem.specialists[p + 1 :])
        out.append(
            Change(
                "capacity",
                f"give {sp.id} one more {stage} place ({getattr(sp, field)} → {getattr(sp, field) + 1})",
                variant,
                compute_eligibility(variant) if reasons[p] == Reason.NO_CAPACITY else elig,
            )
        )
    far = [int(p) for p in np.flatnonzero(reasons == Reason.TOO_FAR)]
    for p in sorted(far, key=lambda p: km[p])[:per_kind]:
        need = math.ceil(km[p] * 10) / 10
        out.append(
            Change(
                "travel",
                f"raise the travel limit to {need:.1f} km for this school to reach {problem.specialists[p].id}",
                problem,
                relax(problem, elig, specialist_pairs=[(s, p)]),
            )
        )
    return out


def _group_changes(problem: ProblemData, elig: Eligibility, s: int, per_kind: int) -> list[Change]:
    """A travel limit raised for `s` to reach a group's venue beyond it."""
    reasons = elig.group_reason[s]
    km = elig.group_km[s]
    far = [int(g) for g in np.flatnonzero(reasons == Reason.TOO_FAR)]
    return [
        Change(
            "travel",
            f"raise the travel limit to {math.ceil(km[g] * 10) / 10:.1f} km for this school to reach the venue of "
            f"{problem.work_groups[g].id}",
            problem,
            relax(problem, elig, group_pairs=[(s, g)]),
        )
        for g in sorted(far, key=lambda g: km[g])[:per_kind]
    ]


def _cross_hub_change(problem: ProblemData, elig: Eligibility, s: int, cache: dict[str, Eligibility]) -> list[Change]:
    """Cross-hub placement for this school alone (when it opens any pair)."""
    if "crossed" not in cache:  # one cross-hub eligibility serves every school
        cache["crossed"] = compute_eligibility(replace(problem, rules=replace(problem.rules, allow_cross_hub=True)))
    crossed = cache["crossed"]
    sp_pairs = [
        (s, int(p))
        for p in np.flatnonzero(
            (crossed.specialist_reason[s] == Reason.ALLOWED) & (elig.specialist_reason[s] == Reason.HUB)
        )
    ]
    sg_pairs = [
        (s, int(g))
        for g in np.flatnonzero((crossed.group_reason[s] == Reason.ALLOWED) & (elig.group_reason[s] == Reason.HUB))
    ]
    if not (sp_pairs or sg_pairs):
        return []
    return [
        Change(
            "cross_hub",
            "allow cross-hub placement for this school",
            problem,
            relax(problem, elig, specialist_pairs=sp_pairs, group_pairs=sg_pairs, distances_from=crossed),
        )
    ]


class _PartIndex:
    """The independent parts of the unchanged problem, to find the part a change for one
    school touches without recomputing the components of the whole problem."""

    def __init__(self, problem: ProblemData, elig: Eligibility):
        self.problem = problem
        self.parts = components(problem, elig)
        self.of_school: dict[int, int] = {}
        self.of_specialist: dict[int, int] = {}
        self.of_group: dict[int, int] = {}
        for n, part in enumerate(self.parts):
            for s in part.schools:
                self.of_school[s] = n
            for g in part.groups:
                self.of_group[g] = n
                for p in elig.group_leads[g]:
                    self.of_specialist[p] = n
            for p in part.eligibility.specialist_pairs[:, 1].tolist():
                self.of_specialist[p] = n
        self.group_leads = elig.group_leads

    def part_with(self, s: int, elig: Eligibility) -> Component | None:
        """The part holding `s` under `elig`, which may allow `s` new pairs (only `s`'s)."""
        sp = elig.specialist_pairs[elig.specialist_pairs[:, 0] == s][:, 1].tolist()
        sg = elig.group_pairs[elig.group_pairs[:, 0] == s][:, 1].tolist()
        if not sp and not sg:
            return None
        touched = {self.of_school.get(s)} | {self.of_specialist.get(p) for p in sp}
        touched |= {self.of_group.get(g) for g in sg}
        for g in sg:  # a group in no part yet joins the parts of its possible leads
            if g not in self.of_group:
                touched |= {self.of_specialist.get(p) for p in self.group_leads[g]}
        found = {n for n in touched if n is not None}
        schools = sorted({s} | {x for n in found for x in self.parts[n].schools})
        groups = sorted(set(sg) | {g for n in found for g in self.parts[n].groups})
        keep = np.zeros(self.problem.num_schools, dtype=bool)
        keep[schools] = True
        empty = np.zeros(0, dtype=np.int64)
        sp_rows = np.flatnonzero(keep[elig.specialist_pairs[:, 0]]) if len(elig.specialist_pairs) else empty
        sg_rows = np.flatnonzero(keep[elig.group_pairs[:, 0]]) if len(elig.group_pairs) else empty
        sub = replace(
            elig,
            specialist_pairs=elig.specialist_pairs[sp_rows],
            specialist_pair_value=elig.specialist_pair_value[sp_rows],
            group_pairs=elig.group_pairs[sg_rows],
            group_pair_value=elig.group_pair_value[sg_rows],
        )
        return Component(schools, groups, sub)


def _describe_forced(problem: ProblemData, before: Allocation, after: Allocation, s: int) -> tuple[str, str]:
    """What placing school `s` with no change of rules does: run an idle group, or displace."""
    g = after.school_group[s]
    running_before = {x for x in before.school_group if x is not None}
    displaced = [
        problem.schools[i].urn
        for i in range(problem.num_schools)
        if i != s
        and (before.school_specialist[i] is not None or before.school_group[i] is not None)
        and after.school_specialist[i] is None
        and after.school_group[i] is None
    ]
    tail = f"; {', '.join(displaced)} would lose {'its' if len(displaced) == 1 else 'their'} place" if displaced else ""
    if g is not None and g not in running_before:
        return "run_group", f"Run {problem.work_groups[g].id} with this school in it (pin it there){tail}"
    return "pin", f"Pin it: no rule needs to change{tail}"


def recommend(
    problem: ProblemData,
    elig: Eligibility,
    allocation: Allocation,
    objective: int,
    unplaced: list[int],
    settings: SolverSettings | None = None,
    per_kind: int = 1,
    budget_s: float | None = None,
    keep_changes: bool = False,
) -> list[Recommendation]:
    """The best single change for each unplaced school, verified by re-solving.

    Parameters
    ----------
    objective
        The objective of `allocation` (before any change).
    per_kind
        How many candidates of each kind to try (the nearest first).
    budget_s
        Stop starting new what-if solves after this many seconds; schools not reached
        (lowest priority last) are reported as not analysed.
    keep_changes
        Keep each recommended `Change` (its variant problem and eligibility) on the
        recommendation, to re-solve it; off by default, as nationally each holds tens of MB.
    """
    started = time.perf_counter()
    settings = settings or replace(
        problem.solver, time_limit_s=min(10.0, problem.solver.time_limit_s), deterministic=False
    )
    what_if = _WhatIf(problem, elig, allocation, objective, settings)
    cache: dict[str, Eligibility] = {}
    out = []
    order = sorted(unplaced, key=lambda s: (-problem.schools[s].priority, s))
    stopped = False
    for s in order:
        if stopped or (budget_s is not None and time.perf_counter() - started > budget_s):
            out.append(Recommendation(s, "", "not_analysed"))
            continue
        try:
            out.append(_recommend_one(what_if, s, per_kind, cache, keep_changes))
        except KeyboardInterrupt:  # Ctrl-C: keep the allocation, stop recommending
            stopped = True
            out.append(Recommendation(s, "", "not_analysed"))
    position = {s: n for n, s in enumerate(unplaced)}
    return sorted(out, key=lambda rec: position[rec.school_idx])


class _WhatIf:
    """Re-solves of the allocation under a change, one independent part at a time."""

    def __init__(
        self,
        problem: ProblemData,
        elig: Eligibility,
        allocation: Allocation,
        objective: int,
        settings: SolverSettings,
    ):
        self.problem = problem
        self.elig = elig
        self.allocation = allocation
        self.objective = objective
        self.settings = settings
        self.shares = [share.total for share in school_shares(problem, elig, allocation)]
        self.base = _PartIndex(problem, elig)

    def objective_with(
        self, variant: ProblemData, variant_elig: Eligibility, s: int
    ) -> tuple[int | None, Allocation | None]:
        """The whole objective with `s` placed under a change. Only the independent part
        holding `s` is re-solved; the rest of the allocation cannot gain from the change."""
        part = (
            self.base.part_with(s, variant_elig)
            if variant.specialists is self.problem.specialists
            else next((c for c in components(variant, variant_elig) if s in c.schools), None)
        )
        if part is None:
            return None, None
        result = search(
            variant, self.settings, eligibility=variant_elig, hint=self.allocation, require_placed=(s,), parts=[part]
        )
        if result.interrupted:
            raise KeyboardInterrupt  # Ctrl-C: stop recommending, keep the allocation
        if not result.status.has_allocation or result.objective is None or result.allocation is None:
            return None, None
        before = sum(self.shares[x] for x in part.schools)
        return self.objective + result.objective - before, self._merged(result.allocation, part)

    def _merged(self, found: Allocation, part: Component) -> Allocation:
        """The allocation with `part` replaced by what the re-solve found."""
        now, schools, groups = self.allocation, set(part.schools), set(part.groups)
        return Allocation(
            tuple(
                found.school_specialist[x] if x in schools else now.school_specialist[x]
                for x in range(len(now.school_specialist))
            ),
            tuple(found.school_group[x] if x in schools else now.school_group[x] for x in range(len(now.school_group))),
            tuple(found.group_lead[g] if g in groups else now.group_lead[g] for g in range(len(now.group_lead))),
        )


def _recommend_one(
    what_if: _WhatIf, s: int, per_kind: int, cache: dict[str, Eligibility], keep_changes: bool
) -> Recommendation:
    """The best single change that places school `s`, or forcing it in when no change helps."""
    problem, elig, allocation, objective = what_if.problem, what_if.elig, what_if.allocation, what_if.objective
    # Forcing it in with no change at all: another school may give up its place.
    floor, forced_allocation = what_if.objective_with(problem, elig, s)
    best: tuple[int, Change, int] | None = None
    for change in _candidates(problem, elig, allocation, s, per_kind, cache):
        changed, _ = what_if.objective_with(change.problem, change.eligibility, s)
        if changed is None:
            continue
        if floor is not None and changed <= floor:
            continue  # the change does nothing that forcing it in would not
        if best is None or changed > best[0]:
            best = (changed, change, changed - objective)
    if best is None:
        if floor is None or forced_allocation is None:
            return Recommendation(s, "")
        kind, text = _describe_forced(problem, allocation, forced_allocation, s)
        return Recommendation(
            s, f"{text}: objective {floor - objective:+,} (to {floor:,})", kind, floor, floor - objective
        )
    new_objective, change, delta = best
    effect = f"objective {delta:+,} (to {new_objective:,})"
    return Recommendation(
        s,
        f"{change.text[0].upper()}{change.text[1:]}: places it, {effect}",
        change.kind,
        new_objective,
        delta,
        change if keep_changes else None,
    )
