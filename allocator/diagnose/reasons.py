"""Plain-language reasons: why a school is unplaced, why the rules cannot all hold."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from allocator.problem.data import SUPPORTED_STAGES, ProblemData, Requirement, Stage
from allocator.problem.eligibility import Eligibility, Reason
from allocator.solving.solution import Allocation


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _school_limit(problem: ProblemData, elig: Eligibility, s: int) -> float:
    """The school's travel limit: its own, else the rule's."""
    if len(elig.school_limit_km) > s:
        return float(elig.school_limit_km[s])
    return problem.rules.max_travel_km


def _pair_limit(problem: ProblemData, elig: Eligibility, s: int, p: int) -> float:
    """A school–specialist pair's limit: the school's, or the specialist's own if lower."""
    own = problem.specialists[p].max_travel_km
    limit = _school_limit(problem, elig, s)
    return limit if own is None else min(limit, own)


def _specialist_reasons(problem: ProblemData, elig: Eligibility, s: int) -> str:
    """Why no specialist may support school `s` (every candidate rejected)."""
    school = problem.schools[s]
    reasons = elig.specialist_reason[s]
    phase_ok = reasons != Reason.PHASE
    candidates = np.flatnonzero(phase_ok & (reasons != Reason.HUB))
    phase_word = school.phase if school.phase in ("primary", "secondary") else "primary or secondary"
    if len(candidates) == 0:
        others = int(np.count_nonzero(phase_ok))
        where = "" if problem.rules.allow_cross_hub else f" in {school.hub}"
        tail = (
            f" ({_plural(others, 'more')} in other hubs; cross-hub placement is off)"
            if others and not problem.rules.allow_cross_hub
            else ""
        )
        return f"there is no {phase_word} specialist{where}{tail}"
    parts = []
    counts = Counter(int(reasons[p]) for p in candidates)
    stage_word = Stage.DEVELOPMENT if school.stage == Stage.DEVELOPMENT else Stage.EMBEDDING
    for reason, n in sorted(counts.items()):
        indices = [int(p) for p in candidates if reasons[p] == reason]
        ids = [problem.specialists[p] for p in indices]
        if reason == Reason.TOO_FAR:
            nearest = min(float(elig.specialist_km[s, p]) for p in indices)
            limits = sorted({_pair_limit(problem, elig, s, p) for p in indices})
            limit = f"{limits[0]:g} km" if len(limits) == 1 else "travel"
            parts.append(f"{n} beyond the {limit} limit (nearest {nearest:.1f} km)")
        elif reason == Reason.UNAVAILABLE:
            cohorts = sorted({p.cohort for p in ids})
            parts.append(
                f"{n} in cohort{'s' if len(cohorts) > 1 else ''} "
                f"{_join([str(c) for c in cohorts])}, which {'are' if len(cohorts) > 1 else 'is'} not available"
            )
        elif reason == Reason.NO_CAPACITY:
            parts.append(f"{n} with no {stage_word} places this year")
        elif reason == Reason.OWN_SCHOOL:
            parts.append(f"{n} from this school itself")
        elif reason == Reason.SAME_TRUST:
            parts.append(f"{n} in the same trust (separate_trusts)")
        elif reason == Reason.FORBIDDEN:
            parts.append(f"{n} forbidden by the scenario ({', '.join(f'{p.id} {p.name}' for p in ids)})")
    scope = "" if problem.rules.allow_cross_hub else f" in {school.hub}"
    counted = _plural(len(candidates), phase_word + " specialist")
    return f"no specialist may support it: {counted}{scope}: {'; '.join(parts)}"


def _group_reasons(problem: ProblemData, elig: Eligibility, s: int) -> str:
    school = problem.schools[s]
    reasons = elig.group_reason[s]
    if len(reasons) == 0:
        return "there is no work group in the scenario"
    candidates = np.flatnonzero((reasons != Reason.PHASE) & (reasons != Reason.HUB) & (reasons != Reason.STAGE))
    if len(candidates) == 0:
        where = "" if problem.rules.allow_cross_hub else f" in {school.hub}"
        return f"there is no work group for a {school.phase} {school.stage} school{where}"
    parts = []
    counts = Counter(int(reasons[g]) for g in candidates)
    for reason, n in sorted(counts.items()):
        groups = [g for g in candidates if reasons[g] == reason]
        if reason == Reason.TOO_FAR:
            nearest = min(float(elig.group_km[s, g]) for g in groups)
            limit = _school_limit(problem, elig, s)
            parts.append(f"{n} with a venue beyond the {limit:g} km limit (nearest {nearest:.1f} km)")
        elif reason == Reason.FOCUS:
            foci = sorted({problem.work_groups[g].focus or "" for g in groups})
            parts.append(f"{n} with focus {_join(foci)}, not among its choices")
        elif reason == Reason.FORBIDDEN:
            parts.append(f"{n} forbidden by the scenario ({', '.join(problem.work_groups[g].id for g in groups)})")
    return f"no work group may take it: {_plural(len(candidates), 'group')}: {'; '.join(parts)}"


def unplaced_reason(
    problem: ProblemData, elig: Eligibility, allocation: Allocation, s: int, loads: Loads | None = None
) -> str:
    """A plain sentence: which rule kept every candidate out, or which were full.

    Pass `loads` (`Loads.of(problem, allocation)`) when explaining many schools."""
    loads = loads if loads is not None else Loads.of(problem, allocation)
    school = problem.schools[s]
    needs_specialist, needs_group = Stage(school.stage).needs_specialist, Stage(school.stage).needs_group
    sentences = []
    if needs_specialist:
        allowed = np.flatnonzero(elig.specialist_reason[s] == Reason.ALLOWED)
        if len(allowed) == 0:
            sentences.append(_specialist_reasons(problem, elig, s))
        else:
            full = [p for p in allowed if loads.is_full(problem, int(p), school.stage)]
            if len(full) == len(allowed):
                sentences.append(
                    f"all {_plural(len(allowed), 'allowed specialist')} are full: "
                    + "; ".join(loads.describe(problem, int(p), school.stage) for p in full[:6])
                    + ("; and more" if len(full) > 6 else "")
                )
    if needs_group:
        allowed_g = np.flatnonzero(elig.group_reason[s] == Reason.ALLOWED)
        if len(allowed_g) == 0:
            sentences.append(_group_reasons(problem, elig, s))
        else:
            sizes = loads.group_sizes
            full_g = [int(g) for g in allowed_g if sizes[int(g)] >= problem.work_groups[int(g)].max_schools]
            idle = [int(g) for g in allowed_g if sizes[int(g)] == 0]
            if len(full_g) == len(allowed_g):
                sentences.append(
                    f"all {_plural(len(allowed_g), 'allowed work group')} are full ("
                    + ", ".join(f"{problem.work_groups[g].id} has {sizes[g]}" for g in full_g)
                    + ")"
                )
            elif len(full_g) + len(idle) == len(allowed_g):
                no_lead = [g for g in idle if not elig.group_leads[g]]
                bits = []
                if no_lead:
                    bits.append(
                        f"{', '.join(problem.work_groups[g].id for g in no_lead)} cannot run: no specialist may lead"
                    )
                rest = [g for g in idle if g not in no_lead]
                if rest:
                    bits.append(
                        f"{', '.join(problem.work_groups[g].id for g in rest)} does not run: too few schools "
                        f"to reach its minimum size, or no lead is free"
                    )
                if full_g:
                    bits.append(f"{', '.join(problem.work_groups[g].id for g in full_g)} is full")
                sentences.append("no allowed work group runs with room: " + "; ".join(bits))
    if not sentences:
        sentences.append(
            "placing it would lower the objective: its travel and focus costs outweigh the place "
            "weight, or its place is worth more to other schools"
        )
    text = "; ".join(sentences)
    return text[0].upper() + text[1:] + "."


@dataclass(frozen=True)
class Loads:
    """Who each specialist supports (school indices by stage) and each group's size,
    counted in one pass over an allocation; every unplaced school's reason asks about
    several of them."""

    supported: dict[tuple[int, str], list[int]]
    group_sizes: Counter[int]

    @classmethod
    def of(cls, problem: ProblemData, allocation: Allocation) -> Loads:
        supported: dict[tuple[int, str], list[int]] = {}
        for s, p in enumerate(allocation.school_specialist):
            if p is not None:
                supported.setdefault((p, problem.schools[s].stage), []).append(s)
        return cls(supported, Counter(g for g in allocation.school_group if g is not None))

    def is_full(self, problem: ProblemData, p: int, stage: str) -> bool:
        specialist = problem.specialists[p]
        capacity = specialist.capacity_for(stage)
        return len(self.supported.get((p, stage), [])) >= capacity

    def describe(self, problem: ProblemData, p: int, stage: str) -> str:
        """``MS01 Jo Taylor is full: Ashford Oaks Academy (985822) and ...`` (no bare URNs)."""
        specialist = problem.specialists[p]
        schools = [f"{problem.schools[s].name} ({problem.schools[s].urn})" for s in self.supported.get((p, stage), [])]
        who = f"{specialist.id} {specialist.name}".strip()
        if not schools:
            return f"{who} has no {stage} places"
        return f"{who} is full: {_join(schools)}"


def pin_conflicts(problem: ProblemData, elig: Eligibility) -> list[str]:
    """Pins that cannot hold whatever else happens, in plain sentences (exit 1).

    Checks each pin's pair against the rules, the other need of an embedding school,
    capacities and group sizes counted over pins alone, and pinned groups without a
    possible lead.
    """
    out: list[str] = []
    describe = _describe_pin(problem)
    for pin in problem.pins:
        s = pin.school_idx
        school = problem.schools[s]
        if pin.specialist_idx is not None:
            reason = Reason(int(elig.specialist_reason[s, pin.specialist_idx]))
            if reason != Reason.ALLOWED:
                out.append(f"{describe(pin)}: the pair is not allowed ({_pair_rule(problem, elig, pin, reason)})")
        if pin.group_idx is not None:
            reason = Reason(int(elig.group_reason[s, pin.group_idx]))
            if reason != Reason.ALLOWED:
                out.append(f"{describe(pin)}: the pair is not allowed ({_pair_rule(problem, elig, pin, reason)})")
            elif not elig.group_leads[pin.group_idx]:
                out.append(f"{describe(pin)}: the group cannot run, no specialist may lead it (rule 3)")
        by_group = school.stage == Stage.DEVELOPMENT and np.any(elig.group_reason[s] == Reason.ALLOWED)
        no_specialist = not np.any(elig.specialist_reason[s] == Reason.ALLOWED)
        if Stage(school.stage).needs_specialist and no_specialist and not by_group:
            out.append(f"{describe(pin)}: no specialist may support school {school.urn} (rule 1)")
        if Stage(school.stage).needs_group and not np.any(elig.group_reason[s] == Reason.ALLOWED):
            out.append(f"{describe(pin)}: no work group may take school {school.urn} (rule 1)")
    for p, specialist in enumerate(problem.specialists):
        for stage in SUPPORTED_STAGES:
            capacity = specialist.capacity_for(stage)
            pinned = [
                pin
                for pin in problem.pins
                if pin.specialist_idx == p and problem.schools[pin.school_idx].stage == stage
            ]
            schools = {pin.school_idx for pin in pinned}
            if len(schools) > capacity:
                out.append(
                    f"{_join([describe(pin) for pin in pinned])}: {len(schools)} {stage} schools pinned to "
                    f"{specialist.id}, whose {stage} capacity is {capacity} (rule 2)"
                )
    for g, group in enumerate(problem.work_groups):
        pinned = [pin for pin in problem.pins if pin.group_idx == g]
        schools = {pin.school_idx for pin in pinned}
        if len(schools) > group.max_schools:
            out.append(
                f"{_join([describe(pin) for pin in pinned])}: {len(schools)} schools pinned to {group.id}, "
                f"whose max_schools is {group.max_schools} (rule 3)"
            )
    return list(dict.fromkeys(out))


def _describe_pin(problem: ProblemData):
    def describe(pin: Requirement) -> str:
        school = problem.schools[pin.school_idx]
        target = (
            f"specialist {problem.specialists[pin.specialist_idx].id}"
            if pin.specialist_idx is not None
            else f"group {problem.work_groups[pin.group_idx].id}"  # type: ignore[index]
        )
        return f"{pin.source or f'pin {pin.index + 1}'} (school {school.urn} with {target})"

    return describe


def _pair_rule(problem: ProblemData, elig: Eligibility, pin: Requirement, reason: Reason) -> str:
    s = pin.school_idx
    if pin.specialist_idx is not None:
        p = problem.specialists[pin.specialist_idx]
        km = float(elig.specialist_km[s, pin.specialist_idx])
        limit = float(elig.specialist_limit_km[pin.specialist_idx])
    else:
        km = float(elig.group_km[s, pin.group_idx])  # type: ignore[index]
        limit = problem.rules.max_travel_km
        p = None
    school = problem.schools[s]
    return {
        Reason.STAGE: f"a {school.stage} school does not take one",
        Reason.PHASE: "phases do not fit",
        Reason.HUB: "different hubs and allow_cross_hub is false",
        Reason.UNAVAILABLE: f"cohort {p.cohort if p else ''} is not available",
        Reason.NO_CAPACITY: f"the specialist has no {school.stage} places (rule 2)",
        Reason.OWN_SCHOOL: "it is the specialist's own school",
        Reason.SAME_TRUST: "same trust and separate_trusts is true",
        Reason.FOCUS: "the group's focus is not among the school's choices",
        Reason.FORBIDDEN: "it is also forbidden",
        Reason.TOO_FAR: f"{km:.1f} km is beyond the {limit:g} km limit",
    }.get(reason, reason.name)


def infeasible_message(problem: ProblemData, elig: Eligibility) -> list[str]:
    """Sentences for exit 1: the pins that cannot hold, or all pins when no single one is to blame."""
    conflicts = pin_conflicts(problem, elig)
    if conflicts:
        return conflicts
    describe = _describe_pin(problem)
    return [
        "the pins cannot all hold together with rules 1-3 (group minimum sizes, capacities, "
        "leads): " + _join([describe(pin) for pin in problem.pins])
    ]
