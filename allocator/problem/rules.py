"""SPEC's pair rules, each written once as a named pure function.

Eligibility calls them on NumPy arrays (broadcast school × specialist or school × group),
the conflict finder reads the per-rule masks eligibility builds from them, and the
supply/demand table calls them on single values: each works on scalars and on arrays
alike, using only ``==``, ``!=``, ``&``, ``|`` and ``<=``. Identifiers (hubs, trusts,
URNs) may be passed as comparison keys or as integer codes of those keys.

The independent checker (`allocator.check`) restates these rules on purpose and does not
import this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from allocator.problem.data import ProblemData, Specialist, Stage, WorkGroup, key

EITHER_PHASE_SCHOOLS = ("special", "all-through")


def either_phase(school_phase: Any) -> Any:
    """A special or all-through school may work with either phase."""
    return (school_phase == "special") | (school_phase == "all-through")


def specialist_phase_fits(school_phase: Any, specialist_phase: Any) -> Any:
    """A school may be supported by a specialist of its own phase; a special or
    all-through school by a specialist of either phase."""
    return either_phase(school_phase) | (school_phase == specialist_phase)


def group_phase_fits(school_phase: Any, group_phase: Any) -> Any:
    """A school may join a group of its own phase; a special or all-through school one of
    either phase; a `special` group takes special schools only."""
    own_or_either = either_phase(school_phase) | (school_phase == group_phase)
    return ((group_phase == "special") & (school_phase == "special")) | ((group_phase != "special") & own_or_either)


def hubs_fit(school_hub: Any, other_hub: Any, allow_cross_hub: Any) -> Any:
    """Hubs match (keys or codes of trimmed, case-folded names), unless cross-hub is allowed
    (`allow_cross_hub`: the rule's bool, or each school's setting as an array)."""
    return (school_hub == other_hub) | allow_cross_hub


def is_own_school(school_urn: Any, specialist_school_urn: Any) -> Any:
    """The school is the specialist's own school (never allocated to them)."""
    return school_urn == specialist_school_urn


def shares_trust(school_trust: Any, specialist_trust: Any, separate_trusts: bool, blank: Any = "") -> Any:
    """With `separate_trusts`, a school and specialist of one trust may not pair; a blank
    trust (`blank`: the empty key, or its code) matches no trust."""
    return (school_trust == specialist_trust) & (school_trust != blank) & separate_trusts


def specialist_limit_km(rule_km: float, own_km: float | None) -> float:
    """A school–specialist pair's travel limit: the rule's, or the specialist's own if lower."""
    return rule_km if own_km is None else min(rule_km, own_km)


def within_travel(km: Any, limit_km: Any) -> Any:
    """km ≤ the limit, compared unrounded."""
    return km <= limit_km


def cohort_available(cohort: int, available_cohorts: Sequence[int] | None) -> bool:
    """A specialist is available when their cohort is in `available_cohorts` (None: the
    table has one cohort, which is available)."""
    return available_cohorts is None or cohort in available_cohorts


def offers_places(specialist: Specialist, stage: str) -> bool:
    """An available specialist with capacity above 0 for `stage` may support such schools."""
    return specialist.available and specialist.capacity_for(stage) > 0


def focus_fits(group_focus: str | None, school_choices: Sequence[str]) -> bool:
    """The group has no focus, or the school has no choices, or the focus is among them."""
    return group_focus is None or not school_choices or group_focus in school_choices


def focus_rank(group_focus: str | None, school_choices: Sequence[str]) -> int | None:
    """0-based rank of the group's focus among the school's choices; None when it costs nothing."""
    if group_focus is None or group_focus not in school_choices:
        return None
    return list(school_choices).index(group_focus)


def stage_needs(stage: str) -> tuple[bool, bool]:
    """(needs a specialist, needs a work group) for a school of `stage`."""
    s = Stage(stage)
    return s.needs_specialist, s.needs_group


def may_be_chosen_lead(specialist: Specialist, group: WorkGroup) -> bool:
    """SPEC rule 3, a chosen lead: available, may lead at all, of the group's hub (even when
    cross-hub placement is allowed), of its phase (any for a `special` group), and with
    `foci` that allow its focus."""
    if not (specialist.available and specialist.max_groups > 0 and specialist.can_lead):
        return False
    if key(specialist.hub) != key(group.hub):
        return False
    if group.phase != "special" and specialist.phase != group.phase:
        return False
    return specialist.lead_foci is None or group.focus is None or group.focus in specialist.lead_foci


def may_be_fixed_lead(specialist: Specialist) -> bool:
    """SPEC rule 3, a fixed lead: the hub lead's decision, checked only for availability
    and a lead limit above 0 (else the group cannot run)."""
    return specialist.available and specialist.max_groups > 0


def lead_candidates(problem: ProblemData) -> tuple[tuple[int, ...], ...]:
    """Specialists who may lead each group: a fixed lead alone, else every chosen-lead
    candidate (empty when nobody may, so the group cannot run)."""
    by_hub: dict[str, list[int]] = {}
    for p_idx, p in enumerate(problem.specialists):
        by_hub.setdefault(key(p.hub), []).append(p_idx)
    out: list[tuple[int, ...]] = []
    for group in problem.work_groups:
        if group.lead_idx is not None:
            fixed = problem.specialists[group.lead_idx]
            out.append((group.lead_idx,) if may_be_fixed_lead(fixed) else ())
            continue
        hub = by_hub.get(key(group.hub), [])
        out.append(tuple(p for p in hub if may_be_chosen_lead(problem.specialists[p], group)))
    return tuple(out)


# Issue 11: per-school settings, development groups, regional groups and pairs.


def school_limit_km(rule_km: float, school_km: float | None) -> float:
    """A school's travel limit: its own `max_travel_km` replaces the rule's (even when
    larger); for a school–specialist pair the specialist's own lower limit still applies
    (`specialist_limit_km(school_limit_km(...), specialist_km)`)."""
    return rule_km if school_km is None else school_km


def school_allows_cross_hub(rule_allow: bool, school_allow: bool | None) -> bool:
    """A school's `allow_cross_hub` cell overrides the rule for that school."""
    return rule_allow if school_allow is None else school_allow


def group_hubs_fit(school_hub: Any, group_hub: Any, school_allow: Any, group_cross_hub: Any) -> Any:
    """A school may join a group of its hub, any group when cross-hub placement is allowed
    for it, and a regional (`cross_hub`) group of any hub, whatever its own setting."""
    return hubs_fit(school_hub, group_hub, school_allow) | group_cross_hub


def group_stage_fits(school_stage: Any, group_stage: Any) -> Any:
    """Development schools join development groups; embedding and sustaining schools join
    (sustaining) work groups."""
    school_dev = school_stage == Stage.DEVELOPMENT.value
    group_dev = group_stage == Stage.DEVELOPMENT.value
    return (school_dev & group_dev) | (
        (school_stage != Stage.DEVELOPMENT.value) & (group_stage != Stage.DEVELOPMENT.value)
    )


def meets_at_chosen_lead(group: WorkGroup) -> bool:
    """A group with no venue columns and no fixed lead meets at its chosen lead's location."""
    return group.venue_at_lead and group.lead_idx is None


def may_be_lone(specialist: Specialist) -> bool:
    """An available specialist with development capacity of at least 2: a development
    load of exactly 1 is then a lone department."""
    return specialist.available and specialist.capacity >= 2
