"""Independent checker: re-verify every SPEC rule and recompute the objective.

This module is deliberately separate from the model and the cost code: it
imports only the plain data types and the standard library, and it
recomputes distances, rounding and every objective term itself. Tests use it
as their oracle and the CLI runs it before writing anything, so a bug in the
eligibility rules or the integer costs cannot hide in both places at once.

Violations are plain sentences that name the school URN, specialist id or
work group id involved and the SPEC rule broken ("rule 1" to "rule 4"; the
pair conditions listed above the numbered rules are called "allowed pair").
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from allocator.problem.data import Location, ProblemData, School, Specialist, Stage, WorkGroup, key
from allocator.solving.solution import Allocation

# SPEC: "the great-circle distance on a sphere of radius 6371.009 km" (geopy's radius).
EARTH_RADIUS_KM = 6371.009

EITHER_PHASE_SCHOOLS = ("special", "all-through")

TERMS = ("place", "priority", "travel", "focus", "continuity", "lead_travel", "lone_department")
KEEP = "keep"  # a term of re-runs only (a problem with `previous`)


@dataclass(frozen=True)
class CheckReport:
    """What the checker found.

    Attributes
    ----------
    violations
        One plain sentence per broken rule; empty when the allocation is valid.
    objective
        The objective recomputed term by term (meaningful when `ok`).
    terms
        Contributions ``place``, ``priority``, ``travel``, ``focus``,
        ``continuity``, ``lead_travel`` (leads to venues), ``lone_department``, and
        ``keep`` in a re-run; travel, focus, lead travel and lone departments are
        negative. They sum to `objective`.
    """

    violations: tuple[str, ...]
    objective: int
    terms: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations


# --------------------------------------------------------------------------
# Arithmetic, done here and nowhere else in this module


def round_half_away(x: float) -> int:
    """Round to the nearest integer, halves away from zero (0.5 -> 1, -0.5 -> -1).

    `Decimal(x)` is the exact binary value of the float, so ties are decided
    on the value actually computed, without a second rounding in ``x + 0.5``.
    """
    return int(Decimal(x).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@functools.lru_cache(maxsize=65536)
def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # geopy's great_circle formula, step for step (tests compare the two); written out here
    # because importing geopy.distance imports every online geocoder with it.
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    delta = math.radians(lon2) - math.radians(lon1)
    sin1, cos1, sin2, cos2 = math.sin(phi1), math.cos(phi1), math.sin(phi2), math.cos(phi2)
    cos_d, sin_d = math.cos(delta), math.sin(delta)
    arc = math.atan2(
        math.sqrt((cos2 * sin_d) ** 2 + (cos1 * sin2 - sin1 * cos2 * cos_d) ** 2),
        sin1 * sin2 + cos1 * cos2 * cos_d,
    )
    return EARTH_RADIUS_KM * arc


def km_between(a: Location, b: Location) -> float:
    """Great-circle km between two locations on a sphere of radius 6371.009 km."""
    return _km(a.lat, a.lon, b.lat, b.lon)


def travel_cost(problem: ProblemData, km: float) -> int:
    """round(travel_per_km * km), halves away from zero."""
    return round_half_away(problem.weights.travel_per_km * km)


# --------------------------------------------------------------------------
# Pair conditions: each returns the reasons a pair is not allowed, as
# (rule, clause) tuples; an empty list means allowed. A forbidden pair is
# rule 4; the other conditions are SPEC's "allowed pair" definitions.

ALLOWED = "allowed pair"
Reasons = list[tuple[str, str]]


# --------------------------------------------------------------------------
# The specialists' limits, recomputed from the scenario as written: loading
# applies the rule defaults and decides availability, and a bug there must not
# pass both the model and this checker.

_RULE_DEFAULTS = {
    "capacity": "departments_per_specialist",
    "embedding_capacity": "embedding_per_specialist",
    "max_groups": "groups_per_lead",
}


def specialist_limit(problem: ProblemData, spec: Specialist, name: str) -> int:
    """`capacity`, `embedding_capacity` or `max_groups` as SPEC defines it: the table's
    cell, or the rule's default when the cell is blank.

    A specialist built in code (no cells recorded) has no defaults applied: its values
    are as given.
    """
    if spec.written is None:
        return int(getattr(spec, name))
    cell = getattr(spec.written, name)
    return int(getattr(problem.rules, _RULE_DEFAULTS[name])) if cell is None else int(cell)


def is_available(problem: ProblemData, spec: Specialist) -> bool:
    """SPEC: available when the cohort is in `available_cohorts`; without that list the
    table has one cohort, which is available.

    Several cohorts without the list cannot be loaded (exit 2); for a problem built in
    code that way, the specialist's own flag is all there is.
    """
    cohorts = problem.rules.available_cohorts
    if cohorts is not None:
        return spec.cohort in cohorts
    if len({p.cohort for p in problem.specialists}) == 1:
        return True
    return spec.available


def _same_id(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip() == b.strip()


def _forbids(
    problem: ProblemData,
    school_idx: int,
    *,
    specialist_idx: int | None = None,
    group_idx: int | None = None,
) -> list[str]:
    return [
        f.source or f"forbid {f.index + 1}"
        for f in problem.forbids
        if f.school_idx == school_idx
        and (
            (specialist_idx is not None and f.specialist_idx == specialist_idx)
            or (group_idx is not None and f.group_idx == group_idx)
        )
    ]


def specialist_pair_problems(problem: ProblemData, school_idx: int, specialist_idx: int) -> Reasons:
    """Why school `school_idx` may not be supported by specialist `specialist_idx`.

    Returns
    -------
    list[tuple[str, str]]
        (rule, clause) for each condition broken; empty when the pair is allowed.
    """
    school = problem.schools[school_idx]
    spec = problem.specialists[specialist_idx]
    rules = problem.rules
    reasons: Reasons = []
    if not is_available(problem, spec):
        reasons.append((ALLOWED, f"the specialist's cohort {spec.cohort} is not available"))
    if school.phase != spec.phase and school.phase not in EITHER_PHASE_SCHOOLS:
        reasons.append((ALLOWED, f"phases do not fit (school {school.phase}, specialist {spec.phase})"))
    if not _cross_hub_for(problem, school) and key(school.hub) != key(spec.hub):
        reasons.append((ALLOWED, f"hubs differ (school {school.hub!r}, specialist {spec.hub!r})"))
    if _same_id(spec.school_urn, school.urn):
        reasons.append((ALLOWED, "it is the specialist's own school"))
    if rules.separate_trusts and key(school.trust) and key(school.trust) == key(spec.trust):
        reasons.append((ALLOWED, f"both are in trust {school.trust!r} and separate_trusts is on"))
    for label in _forbids(problem, school_idx, specialist_idx=specialist_idx):
        reasons.append(("rule 4", f"the pair is forbidden ({label})"))
    limit = _school_limit(problem, school)
    if spec.max_travel_km is not None:
        limit = min(limit, spec.max_travel_km)
    km = km_between(school.location, spec.location)
    if km > limit:
        reasons.append((ALLOWED, f"{km:.3f} km is above the limit of {limit:g} km"))
    return reasons


def _school_limit(problem: ProblemData, school: School) -> float:
    """A school's own `max_travel_km` replaces the rule's (Readings 1)."""
    return problem.rules.max_travel_km if school.max_travel_km is None else school.max_travel_km


def _cross_hub_for(problem: ProblemData, school: School) -> bool:
    """A school's own `allow_cross_hub` overrides the rule."""
    return problem.rules.allow_cross_hub if school.allow_cross_hub is None else school.allow_cross_hub


def at_chosen_lead(group: WorkGroup) -> bool:
    """No venue columns and no fixed lead: the group meets at its chosen lead's location."""
    return group.venue_at_lead and group.lead_idx is None


def venue_of(problem: ProblemData, group: WorkGroup, lead_idx: int | None) -> Location | None:
    """Where a group meets: its venue, or its chosen lead's location (None: no lead yet)."""
    if at_chosen_lead(group):
        return None if lead_idx is None else problem.specialists[lead_idx].location
    return group.venue


def group_pair_problems(problem: ProblemData, school_idx: int, group_idx: int, lead_idx: int | None = None) -> Reasons:
    """Why school `school_idx` may not join work group `group_idx` (empty when allowed).

    For a group meeting at its chosen lead the venue distance is checked only when
    `lead_idx` names the lead (it depends on the lead).
    """
    school = problem.schools[school_idx]
    group = problem.work_groups[group_idx]
    reasons: Reasons = []
    if group.phase == "special":
        phase_fits = school.phase == "special"
    else:
        phase_fits = school.phase == group.phase or school.phase in EITHER_PHASE_SCHOOLS
    if not phase_fits:
        reasons.append((ALLOWED, f"phases do not fit (school {school.phase}, group {group.phase})"))
    if not _cross_hub_for(problem, school) and not group.cross_hub and key(school.hub) != key(group.hub):
        reasons.append((ALLOWED, f"hubs differ (school {school.hub!r}, group {group.hub!r})"))
    if group.focus is not None and school.focus_choices and group.focus not in school.focus_choices:
        reasons.append(
            (
                ALLOWED,
                f"the group's focus {group.focus} is not among the school's choices {';'.join(school.focus_choices)}",
            )
        )
    for label in _forbids(problem, school_idx, group_idx=group_idx):
        reasons.append(("rule 4", f"the pair is forbidden ({label})"))
    venue = venue_of(problem, group, lead_idx)
    if venue is not None:
        km = km_between(school.location, venue)
        limit = _school_limit(problem, school)
        if km > limit:
            reasons.append((ALLOWED, f"{km:.3f} km to the venue is above the limit of {limit:g} km"))
    return reasons


def lead_problems(problem: ProblemData, group_idx: int, specialist_idx: int) -> Reasons:
    """Why specialist `specialist_idx` may not lead running group `group_idx` (rule 3).

    Ignores `max_groups`, which depends on the other groups.
    """
    group = problem.work_groups[group_idx]
    spec = problem.specialists[specialist_idx]
    reasons: Reasons = []
    if group.lead_idx is not None:
        if specialist_idx != group.lead_idx:
            fixed = problem.specialists[group.lead_idx].id
            reasons.append(("rule 3", f"the group's fixed lead is {fixed}"))
        elif not is_available(problem, spec):
            reasons.append(("rule 3", f"the fixed lead's cohort {spec.cohort} is not available"))
        # A fixed lead is the hub lead's decision: no hub, phase, foci or distance check.
        return reasons
    if not is_available(problem, spec):
        reasons.append(("rule 3", f"the specialist's cohort {spec.cohort} is not available"))
    if key(spec.hub) != key(group.hub):
        reasons.append(("rule 3", f"hubs differ (specialist {spec.hub!r}, group {group.hub!r})"))
    if group.phase != "special" and spec.phase != group.phase:
        reasons.append(("rule 3", f"phases differ (specialist {spec.phase}, group {group.phase})"))
    if not spec.can_lead:
        reasons.append(("rule 3", "the specialist may not be chosen as a lead (foci: none)"))
    elif spec.lead_foci is not None and group.focus is not None and group.focus not in spec.lead_foci:
        reasons.append(
            (
                "rule 3",
                f"the specialist's foci {';'.join(sorted(spec.lead_foci))} do not allow focus {group.focus}",
            )
        )
    return reasons


# --------------------------------------------------------------------------
# The checker


def _school_name(school: School) -> str:
    return f"school {school.urn}"


def _spec_name(spec: Specialist) -> str:
    return f"specialist {spec.id}"


def _group_name(group: WorkGroup) -> str:
    return f"work group {group.id}"


def _bad_index(value: object, size: int) -> bool:
    return value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < size)


def _shape_violations(problem: ProblemData, allocation: Allocation) -> list[str]:
    violations: list[str] = []
    expected = (
        ("school_specialist", allocation.school_specialist, problem.num_schools),
        ("school_group", allocation.school_group, problem.num_schools),
        ("group_lead", allocation.group_lead, problem.num_groups),
    )
    for name, values, size in expected:
        if len(values) != size:
            violations.append(f"allocation: {name} has {len(values)} entries, expected {size}.")
    if violations:
        return violations
    bounds = (
        ("school_specialist", allocation.school_specialist, problem.num_specialists),
        ("school_group", allocation.school_group, problem.num_groups),
        ("group_lead", allocation.group_lead, problem.num_specialists),
    )
    for name, values, size in bounds:
        for i, value in enumerate(values):
            if _bad_index(value, size):
                violations.append(f"allocation: {name}[{i}] = {value!r} is not an index below {size}.")
    return violations


def _is_placed(stage: str, specialist_idx: int | None, group_idx: int | None) -> bool:
    """Whether the school has everything its stage needs (SPEC rule 1)."""
    if stage == Stage.DEVELOPMENT:  # one specialist or one development group, never both
        return (specialist_idx is not None) != (group_idx is not None)
    if stage == Stage.EMBEDDING:
        return specialist_idx is not None and group_idx is not None
    return group_idx is not None


def _rule1(problem: ProblemData, allocation: Allocation) -> list[str]:
    needs: dict[str, tuple[bool, bool, str]] = {
        Stage.DEVELOPMENT: (True, False, "one specialist or one development group, not both"),
        Stage.EMBEDDING: (True, True, "one specialist and one work group"),
        Stage.SUSTAINING: (False, True, "one work group and no specialist"),
    }
    violations = []
    for i, school in enumerate(problem.schools):
        s, g = allocation.school_specialist[i], allocation.school_group[i]
        if s is None and g is None:
            continue  # unplaced
        if school.stage not in needs:
            violations.append(f"rule 1: {_school_name(school)} has unknown stage {school.stage!r}.")
            continue
        want_s, want_g, text = needs[school.stage]
        if g is not None and (school.stage == Stage.DEVELOPMENT) != (problem.work_groups[g].stage == Stage.DEVELOPMENT):
            group = problem.work_groups[g]
            violations.append(
                f"rule 1: {_school_name(school)} ({school.stage}) may not be placed in {_group_name(group)}, "
                f"a {group.stage} group (development schools join development groups, others work groups)."
            )
            continue
        if school.stage == Stage.DEVELOPMENT and s is None and g is not None:
            continue  # placed by one development group
        if (s is not None) != want_s or (g is not None) != want_g:
            has = []
            has.append(f"specialist {problem.specialists[s].id}" if s is not None else "no specialist")
            has.append(f"work group {problem.work_groups[g].id}" if g is not None else "no work group")
            violations.append(
                f"rule 1: {_school_name(school)} ({school.stage}) must be placed completely "
                f"with {text}, or not at all; it has {' and '.join(has)}."
            )
    return violations


def _pair_violations(problem: ProblemData, allocation: Allocation) -> list[str]:
    violations = []
    for i, school in enumerate(problem.schools):
        s, g = allocation.school_specialist[i], allocation.school_group[i]
        if s is not None:
            for rule, reason in specialist_pair_problems(problem, i, s):
                violations.append(
                    f"{rule}: {_school_name(school)} may not be supported by "
                    f"{_spec_name(problem.specialists[s])}: {reason}."
                )
        if g is not None:
            for rule, reason in group_pair_problems(problem, i, g, allocation.group_lead[g]):
                violations.append(
                    f"{rule}: {_school_name(school)} may not join {_group_name(problem.work_groups[g])}: {reason}."
                )
    return violations


def _rule2(problem: ProblemData, allocation: Allocation) -> list[str]:
    violations = []
    supported: dict[tuple[int, str], list[str]] = {}  # one pass over the schools
    for i, school in enumerate(problem.schools):
        j = allocation.school_specialist[i]
        if j is not None:
            supported.setdefault((j, school.stage), []).append(school.urn)
    for j, spec in enumerate(problem.specialists):
        for stage, what in ((Stage.DEVELOPMENT, "capacity"), (Stage.EMBEDDING, "embedding_capacity")):
            urns = supported.get((j, stage), [])
            violations += _above_limit(problem, spec, what, urns, f"rule 2: {{}} supports {{}} {stage} schools")
    return violations


def _rule3(problem: ProblemData, allocation: Allocation) -> list[str]:
    violations = []
    led: dict[int, list[str]] = {}
    sizes: dict[int, int] = {}
    for value in allocation.school_group:
        if value is not None:
            sizes[value] = sizes.get(value, 0) + 1
    for g, group in enumerate(problem.work_groups):
        size = sizes.get(g, 0)
        lead = allocation.group_lead[g]
        name = _group_name(group)
        if size == 0:
            if lead is not None:
                violations.append(
                    f"rule 3: {name} has no schools, so it does not run, but has lead {problem.specialists[lead].id}."
                )
            continue
        if size < group.min_schools:
            violations.append(f"rule 3: {name} runs with {size} schools, below its min_schools of {group.min_schools}.")
        if size > group.max_schools:
            violations.append(f"rule 3: {name} runs with {size} schools, above its max_schools of {group.max_schools}.")
        if lead is None:
            violations.append(f"rule 3: {name} runs with {size} schools but has no lead.")
            continue
        for rule, reason in lead_problems(problem, g, lead):
            violations.append(f"{rule}: {_spec_name(problem.specialists[lead])} may not lead {name}: {reason}.")
        led.setdefault(lead, []).append(group.id)
    for j, groups in led.items():
        spec = problem.specialists[j]
        violations += _above_limit(problem, spec, "max_groups", groups, "rule 3: {} leads {} running groups")
    return violations


def _above_limit(problem: ProblemData, spec: Specialist, what: str, items: list[str], says: str) -> list[str]:
    """The violation when `spec` holds more `items` than its limit `what`; `says` names them in."""
    limit = specialist_limit(problem, spec, what)
    if len(items) <= limit:
        return []
    return [f"{says.format(_spec_name(spec), len(items))} ({', '.join(items)}), above their {what} of {limit}."]


def _rule4_pins(problem: ProblemData, allocation: Allocation) -> list[str]:
    violations = []
    for pin in problem.pins:
        school = problem.schools[pin.school_idx]
        name = pin.source or f"pin {pin.index + 1}"
        s = allocation.school_specialist[pin.school_idx]
        g = allocation.school_group[pin.school_idx]
        if pin.specialist_idx is not None:
            target = _spec_name(problem.specialists[pin.specialist_idx])
            held = s == pin.specialist_idx
        elif pin.group_idx is not None:
            target = _group_name(problem.work_groups[pin.group_idx])
            held = g == pin.group_idx
        else:
            violations.append(f"rule 4: {name} ({_school_name(school)}) names no specialist and no group.")
            continue
        placed = _is_placed(school.stage, s, g)
        if not (held and placed):
            why = "it is not placed completely" if not placed else f"it is not with {target}"
            violations.append(f"rule 4: {name} ({_school_name(school)} with {target}) does not hold: {why}.")
    return violations


def _objective_terms(problem: ProblemData, allocation: Allocation) -> tuple[dict[str, int], list[str]]:
    weights = problem.weights
    terms = dict.fromkeys(TERMS, 0)
    problems: list[str] = []
    for i, school in enumerate(problem.schools):
        s, g = allocation.school_specialist[i], allocation.school_group[i]
        placed = _is_placed(school.stage, s, g)
        if placed:
            terms["place"] += weights.place
            terms["priority"] += weights.priority * school.priority
        if s is not None:
            spec = problem.specialists[s]
            terms["travel"] -= travel_cost(problem, km_between(school.location, spec.location))
            if placed and school.stage == Stage.EMBEDDING and _same_id(spec.id, school.previous_specialist):
                terms["continuity"] += weights.continuity
        if g is not None:
            group = problem.work_groups[g]
            venue = venue_of(problem, group, allocation.group_lead[g])
            if venue is not None:  # a member of a group without a lead is a rule 3 violation
                terms["travel"] -= travel_cost(problem, km_between(school.location, venue))
            if group.focus is not None and group.focus in school.focus_choices:
                rank = school.focus_choices.index(group.focus)
                if rank < len(weights.focus_rank):
                    terms["focus"] -= weights.focus_rank[rank]
                else:
                    problems.append(
                        f"weights: focus_rank has no cost for choice {rank + 1} "
                        f"({_school_name(school)} in {_group_name(group)})."
                    )
    terms["lead_travel"] = _lead_travel(problem, allocation)
    terms["lone_department"] = -weights.lone_department * len(lone_departments(problem, allocation))
    if problem.previous is not None:
        terms[KEEP] = _keep_term(problem, allocation)
    return terms, problems


def _lead_travel(problem: ProblemData, allocation: Allocation) -> int:
    """−round(travel_per_km · km) from each running group's lead to its venue, once per
    group, rounded per group (0 for a group meeting at its chosen lead)."""
    total = 0
    for g, group in enumerate(problem.work_groups):
        lead = allocation.group_lead[g]
        if lead is None or at_chosen_lead(group):
            continue
        total -= travel_cost(problem, km_between(problem.specialists[lead].location, group.venue))
    return total


def development_loads(problem: ProblemData, allocation: Allocation) -> list[int]:
    """Each specialist's development load: development schools placed with them."""
    loads = [0] * problem.num_specialists
    for i, school in enumerate(problem.schools):
        j = allocation.school_specialist[i]
        if j is not None and school.stage == Stage.DEVELOPMENT:
            loads[j] += 1
    return loads


def lone_departments(problem: ProblemData, allocation: Allocation) -> list[int]:
    """Specialists with a lone department: available, development capacity of at least 2
    (as written, or the rule's default), and a development load of exactly 1."""
    loads = development_loads(problem, allocation)
    return [
        j
        for j, spec in enumerate(problem.specialists)
        if loads[j] == 1 and is_available(problem, spec) and specialist_limit(problem, spec, "capacity") >= 2
    ]


def _whole_pairs(problem: ProblemData, allocation: Allocation) -> list[str]:
    """rules.whole_pairs: no lone department at all."""
    if not problem.rules.whole_pairs:
        return []
    return [
        f"rule 2: {_spec_name(problem.specialists[j])} has a lone department (one development school, "
        "capacity of at least 2) and rules.whole_pairs is on."
        for j in lone_departments(problem, allocation)
    ]


def _keep_term(problem: ProblemData, allocation: Allocation) -> int:
    """`keep` for each school placed exactly as in the previous run's rows, compared by id.

    As before means: development, the same specialist; embedding, the same specialist
    and the same work group; sustaining, the same work group. The row must say placed
    and name the stage the school applies for now (or no stage).
    """
    if problem.previous is None or problem.weights.keep == 0:
        return 0
    rows = {row.urn.strip(): row for row in problem.previous.placements}
    total = 0
    for i, school in enumerate(problem.schools):
        row = rows.get(school.urn.strip())
        s, g = allocation.school_specialist[i], allocation.school_group[i]
        if row is None or not row.placed or not _is_placed(school.stage, s, g):
            continue
        if row.stage is not None and row.stage != school.stage:
            continue
        same_specialist = s is not None and _same_id(problem.specialists[s].id, row.specialist)
        same_group = g is not None and _same_id(problem.work_groups[g].id, row.group)
        kept = {  # development: the same specialist, or the same development group
            "development": same_specialist or (s is None and not (row.specialist or "").strip() and same_group),
            "embedding": same_specialist and same_group,
            "sustaining": same_group,
        }.get(school.stage, False)
        if kept:
            total += problem.weights.keep
    return total


def check_allocation(problem: ProblemData, allocation: Allocation) -> CheckReport:
    """Re-verify every SPEC rule for `allocation` and recompute its objective.

    Parameters
    ----------
    problem
        The validated scenario.
    allocation
        Who goes where, by index.

    Returns
    -------
    CheckReport
        Every violation found (empty when valid), the objective and its terms.
        When the tuples have the wrong length or hold bad indices nothing else
        is checked and the objective is 0.
    """
    shape = _shape_violations(problem, allocation)
    if shape:
        return CheckReport(tuple(shape), 0, dict.fromkeys(TERMS, 0))
    violations: list[str] = []
    violations += _rule1(problem, allocation)
    violations += _pair_violations(problem, allocation)
    violations += _rule2(problem, allocation)
    violations += _whole_pairs(problem, allocation)
    violations += _rule3(problem, allocation)
    violations += _rule4_pins(problem, allocation)
    terms, weight_problems = _objective_terms(problem, allocation)
    violations += weight_problems
    return CheckReport(tuple(violations), sum(terms.values()), terms)
