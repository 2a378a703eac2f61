"""Which school–specialist and school–group pairs are allowed, and why the others are not.

Pure functions of `ProblemData`, vectorised with NumPy. The model creates variables
only for allowed pairs; explanations of unplaced schools reuse the rejection reasons.
Every integer coefficient of the objective is computed here, once.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from allocator.problem.data import ProblemData, Stage, key
from allocator.problem.distances import coordinates, great_circle_km, great_circle_km_where, travel_cost
from allocator.problem.keep import kept_placements
from allocator.problem.rules import (
    focus_fits,
    focus_rank,
    group_hubs_fit,
    group_phase_fits,
    group_stage_fits,
    hubs_fit,
    is_own_school,
    lead_candidates,
    meets_at_chosen_lead,
    school_allows_cross_hub,
    school_limit_km,
    shares_trust,
    specialist_limit_km,
    specialist_phase_fits,
    within_travel,
)


class Reason(enum.IntEnum):
    """Why a pair is not allowed; checked in this order, the first that applies is kept."""

    ALLOWED = 0
    STAGE = 1  # the school's stage needs no specialist (sustaining) / no group (development)
    PHASE = 2
    HUB = 3
    UNAVAILABLE = 4  # specialist's cohort not available
    NO_CAPACITY = 5  # specialist's capacity for the school's stage is 0
    OWN_SCHOOL = 6
    SAME_TRUST = 7
    FOCUS = 8  # group's focus is not among the school's choices
    FORBIDDEN = 9
    TOO_FAR = 10


@dataclass(frozen=True)
class Eligibility:
    """Allowed pairs with their objective coefficients, and the reason for every rejection.

    Attributes
    ----------
    specialist_reason, group_reason
        (num_schools, num_specialists) and (num_schools, num_groups) arrays of `Reason`.
    specialist_km, group_km
        Great-circle km school→specialist and school→venue.
    specialist_pairs, group_pairs
        (k, 2) int arrays of allowed (school_idx, specialist_idx) / (school_idx, group_idx).
    specialist_pair_value, group_pair_value
        Objective contribution of using each allowed pair: minus the rounded travel cost
        (and focus cost), plus the continuity bonus where it applies.
    school_value
        place + priority * school.priority, for each school.
    group_leads
        For each group, the specialists who may lead it (a fixed lead alone; empty when
        nobody may, so the group cannot run).
    """

    specialist_reason: np.ndarray
    group_reason: np.ndarray
    specialist_km: np.ndarray
    group_km: np.ndarray
    specialist_limit_km: np.ndarray
    specialist_pairs: np.ndarray
    group_pairs: np.ndarray
    specialist_pair_value: np.ndarray
    group_pair_value: np.ndarray
    school_value: np.ndarray
    group_leads: tuple[tuple[int, ...], ...]
    focus_cost: np.ndarray  # (num_schools, num_groups) focus_rank cost where the focus fits
    # Re-runs (`--previous`): each school's previous place, and the `keep` weight earned by
    # placing it there again (see `allocator.problem.keep`).
    keep_targets: tuple[tuple[int, int | None, int | None], ...] = ()
    keep_value: int = 0
    # Groups meeting at their chosen lead (no venue columns, no fixed lead): a member's
    # trip is to its lead. venue_triples (k, 3) are the allowed (school, group, lead)
    # with the school within its limit of that lead, each with -round(travel_per_km · km);
    # such a group's `group_pair_value` then holds the focus cost alone.
    venue_triples: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), dtype=np.int64))
    venue_triple_value: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # For each group, aligned with `group_leads`: -round(travel_per_km · km) from that
    # lead's location to the venue (0 for a group meeting at its lead).
    lead_value: tuple[tuple[int, ...], ...] = ()
    lone_department: int = 0  # the weight lost per lone department (see `model.constraints`)
    whole_pairs: bool = False
    school_limit_km: np.ndarray = field(default_factory=lambda: np.zeros(0))  # each school's own or the rule's


@dataclass(frozen=True)
class _Columns:
    """What the pair rules read of each specialist and each group: the same for every
    school, so the one-school rows of what-if re-solves (thousands at national scale)
    reuse them instead of reading 1,200 specialists each time."""

    spec_hub: list[str]
    spec_phase: np.ndarray
    available: np.ndarray
    capacity: np.ndarray  # (len(Stage), num_specialists)
    own_km: np.ndarray  # each specialist's own max_travel_km, inf when blank
    spec_trust: list[str]
    spec_school_urn: list[str]
    spec_xy: np.ndarray
    group_hub: list[str]
    group_phase: np.ndarray
    group_stage: np.ndarray
    group_cross: np.ndarray
    venue_xy: np.ndarray


# The columns of the last few problems' specialists and groups, by the tuples' id (the
# tuples are held, so an id is not reused while its entry lives).
_COLUMNS: dict[tuple[int, int], tuple[tuple, tuple, _Columns]] = {}
_COLUMNS_LOCK = threading.Lock()


def _columns(problem: ProblemData) -> _Columns:
    specialists, groups = problem.specialists, problem.work_groups
    ids = (id(specialists), id(groups))
    hit = _COLUMNS.get(ids)
    if hit is not None and hit[0] is specialists and hit[1] is groups:
        return hit[2]
    num_p, num_g = len(specialists), len(groups)
    columns = _Columns(
        spec_hub=[key(p.hub) for p in specialists],
        spec_phase=np.array([p.phase for p in specialists], dtype=object).reshape(num_p),
        available=np.array([p.available for p in specialists], dtype=bool).reshape(num_p),
        capacity=np.array([[p.capacity_for(stage) for p in specialists] for stage in Stage], dtype=np.int64).reshape(
            len(Stage), num_p
        ),
        own_km=np.array(
            [np.inf if p.max_travel_km is None else p.max_travel_km for p in specialists], dtype=float
        ).reshape(num_p),
        spec_trust=[key(p.trust) for p in specialists],
        spec_school_urn=[p.school_urn or "" for p in specialists],
        spec_xy=coordinates([p.location for p in specialists]),
        group_hub=[key(g.hub) for g in groups],
        group_phase=np.array([g.phase for g in groups], dtype=object).reshape(num_g),
        group_stage=np.array([g.stage for g in groups], dtype=object).reshape(num_g),
        group_cross=np.array([g.cross_hub for g in groups], dtype=bool).reshape(num_g),
        venue_xy=coordinates([g.venue for g in groups]),
    )
    with _COLUMNS_LOCK:  # recommendations decide rows in several threads
        while len(_COLUMNS) >= 4:
            _COLUMNS.pop(next(iter(_COLUMNS)))
        _COLUMNS[ids] = (specialists, groups, columns)
    return columns


def _codes(values: list[str]) -> np.ndarray:
    lookup: dict[str, int] = {}
    return np.array([lookup.setdefault(v, len(lookup)) for v in values], dtype=np.int64)


@dataclass(frozen=True)
class PairRules:
    """Every pair rule's verdict on every pair, before the first reason is picked.

    Attributes
    ----------
    specialist, group
        For each `Reason`, a (num_schools, num_specialists) / (num_schools, num_groups)
        bool mask, True where that rule rejects the pair (several may).
    specialist_km, group_km
        Great-circle km; inf where not measured (see `pair_rules`).
    specialist_limit_km
        Each specialist's travel limit (the rule's, or their own if lower).
    focus_cost
        (num_schools, num_groups) focus_rank cost where the focus fits.
    """

    specialist: dict[Reason, np.ndarray]
    group: dict[Reason, np.ndarray]
    specialist_km: np.ndarray
    group_km: np.ndarray
    specialist_limit_km: np.ndarray
    focus_cost: np.ndarray
    school_limit_km: np.ndarray  # each school's limit (its own, else the rule's)


@dataclass(frozen=True)
class SchoolSettings:
    """Each school's own settings, with the rule's where its cell is blank."""

    allow_cross_hub: np.ndarray  # (num_schools,) bool
    limit_km: np.ndarray  # (num_schools,) float


def pair_rules(problem: ProblemData, measure_all: bool = False) -> PairRules:
    """Apply each pair rule of `allocator.problem.rules` to every pair.

    Distances are measured only where they can matter (pairs of a fitting stage and
    phase, in one hub unless cross-hub placement is allowed; nationally about 1/40 of
    them), unless `measure_all` (the conflict finder relaxes the hub rule).
    """
    schools, specialists = problem.schools, problem.specialists
    num_s, num_p = len(schools), len(specialists)
    columns = _columns(problem)
    hubs = _codes([key(x.hub) for x in schools] + columns.spec_hub + columns.group_hub)
    school_hub, spec_hub, group_hub = hubs[:num_s], hubs[num_s : num_s + num_p], hubs[num_s + num_p :]
    stage = np.array([s.stage for s in schools], dtype=object).reshape(num_s)
    school_phase = np.array([s.phase for s in schools], dtype=object).reshape(num_s)
    needs_specialist = np.array([Stage(s.stage).needs_specialist for s in schools], dtype=bool).reshape(num_s)
    school_xy = coordinates([s.location for s in schools])
    rules = problem.rules
    settings = SchoolSettings(
        allow_cross_hub=np.array(
            [school_allows_cross_hub(rules.allow_cross_hub, s.allow_cross_hub) for s in schools], dtype=bool
        ).reshape(num_s),
        limit_km=np.array(
            [school_limit_km(rules.max_travel_km, s.max_travel_km) for s in schools], dtype=float
        ).reshape(num_s),
    )
    specialist, sp_km, limit = _specialist_masks(
        problem, school_hub, spec_hub, stage, school_phase, needs_specialist, school_xy, measure_all, settings
    )
    group, sg_km, focus_cost = _group_masks(
        problem, school_hub, group_hub, school_phase, stage, school_xy, measure_all, settings
    )
    return PairRules(specialist, group, sp_km, sg_km, limit, focus_cost, settings.limit_km)


def _specialist_masks(
    problem: ProblemData,
    school_hub: np.ndarray,
    spec_hub: np.ndarray,
    stage: np.ndarray,
    school_phase: np.ndarray,
    needs_specialist: np.ndarray,
    school_xy: np.ndarray,
    measure_all: bool,
    settings: SchoolSettings,
) -> tuple[dict[Reason, np.ndarray], np.ndarray, np.ndarray]:
    """School–specialist masks by reason, the km and each specialist's limit (the rule's
    or their own; a school's own limit replaces the rule's for its pairs)."""
    schools, specialists, rules = problem.schools, problem.specialists, problem.rules
    num_s, num_p = len(schools), len(specialists)
    columns = _columns(problem)
    spec_phase, available, capacity = columns.spec_phase, columns.available, columns.capacity
    stage_row = np.array([list(Stage).index(Stage(s)) for s in stage.tolist()], dtype=np.int64).reshape(num_s)
    limit = np.array(
        [specialist_limit_km(rules.max_travel_km, p.max_travel_km) for p in specialists], dtype=float
    ).reshape(num_p)
    trust_keys = [key(x.trust) for x in schools] + columns.spec_trust
    trusts = _codes(trust_keys)
    trusts[[k == "" for k in trust_keys]] = -1
    # URNs as codes: a school's own index; a specialist's school's index, or -1.
    urn_index = {s.urn: i for i, s in enumerate(schools)}
    school_urn = np.arange(num_s, dtype=np.int64)
    spec_urn = np.array([urn_index.get(u, -1) for u in columns.spec_school_urn], dtype=np.int64).reshape(num_p)
    phase_ok = _pairwise(specialist_phase_fits, school_phase.tolist(), spec_phase.tolist())
    hub_ok = hubs_fit(school_hub[:, None], spec_hub[None, :], settings.allow_cross_hub[:, None])
    measure = np.ones((num_s, num_p), dtype=bool) if measure_all else phase_ok & needs_specialist[:, None] & hub_ok
    pair_limit = np.minimum(settings.limit_km[:, None], columns.own_km[None, :])
    km = great_circle_km_where(school_xy, columns.spec_xy, measure)
    forbidden = np.zeros((num_s, num_p), dtype=bool)
    for f in problem.forbids:
        if f.specialist_idx is not None:
            forbidden[f.school_idx, f.specialist_idx] = True
    masks = {
        Reason.STAGE: np.broadcast_to(~needs_specialist[:, None], (num_s, num_p)),
        Reason.PHASE: ~phase_ok,
        Reason.HUB: ~np.broadcast_to(hub_ok, (num_s, num_p)),
        Reason.UNAVAILABLE: np.broadcast_to(~available[None, :], (num_s, num_p)),
        Reason.NO_CAPACITY: capacity[stage_row] <= 0,
        Reason.OWN_SCHOOL: is_own_school(school_urn[:, None], spec_urn[None, :]),
        Reason.SAME_TRUST: np.broadcast_to(
            shares_trust(trusts[:num_s, None], trusts[None, num_s:], rules.separate_trusts, blank=-1), (num_s, num_p)
        ),
        Reason.FORBIDDEN: forbidden,
        Reason.TOO_FAR: ~within_travel(km, pair_limit),
    }
    return masks, km, limit


def _group_masks(
    problem: ProblemData,
    school_hub: np.ndarray,
    group_hub: np.ndarray,
    school_phase: np.ndarray,
    stage: np.ndarray,
    school_xy: np.ndarray,
    measure_all: bool,
    settings: SchoolSettings,
) -> tuple[dict[Reason, np.ndarray], np.ndarray, np.ndarray]:
    """School–group masks by reason, the km to each venue and the focus costs.

    For a group meeting at its chosen lead the km is to its nearest possible lead, so the
    pair is within the school's limit when at least one possible lead is.
    """
    schools, groups = problem.schools, problem.work_groups
    num_s, num_g = len(schools), len(groups)
    columns = _columns(problem)
    group_phase, group_stage, cross = columns.group_phase, columns.group_stage, columns.group_cross
    phase_ok = _pairwise(group_phase_fits, school_phase.tolist(), group_phase.tolist())
    stage_ok = _pairwise(group_stage_fits, stage.tolist(), group_stage.tolist())
    hub_ok = group_hubs_fit(school_hub[:, None], group_hub[None, :], settings.allow_cross_hub[:, None], cross[None, :])
    measure = np.ones((num_s, num_g), dtype=bool) if measure_all else phase_ok & stage_ok & hub_ok
    km = great_circle_km_where(school_xy, columns.venue_xy, measure)
    at_lead = [g for g, group in enumerate(groups) if meets_at_chosen_lead(group)]
    if at_lead:
        leads = lead_candidates(problem)
        for g in at_lead:
            rows = np.flatnonzero(measure[:, g])
            km[:, g] = np.inf
            if leads[g] and len(rows):
                lead_xy = coordinates([problem.specialists[p].location for p in leads[g]])
                km[rows, g] = great_circle_km(school_xy[rows], lead_xy).min(axis=1)
    choices = [s.focus_choices for s in schools]
    foci = [g.focus for g in groups]
    focus_ok = _pairwise(lambda c, f: focus_fits(f, c), choices, foci)
    rank_cost = problem.weights.focus_rank

    def cost(c: tuple[str, ...], f: str | None) -> int:
        rank = focus_rank(f, c)
        return 0 if rank is None else rank_cost[rank]

    focus_cost = _pairwise(cost, choices, foci, dtype=np.int64)
    forbidden = np.zeros((num_s, num_g), dtype=bool)
    for f in problem.forbids:
        if f.group_idx is not None:
            forbidden[f.school_idx, f.group_idx] = True
    masks = {
        Reason.STAGE: ~stage_ok,
        Reason.PHASE: ~phase_ok,
        Reason.HUB: ~np.broadcast_to(hub_ok, (num_s, num_g)),
        Reason.FOCUS: ~focus_ok,
        Reason.FORBIDDEN: forbidden,
        Reason.TOO_FAR: ~within_travel(km, settings.limit_km[:, None]),
    }
    return masks, km, focus_cost


def _distinct(values: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """Codes of `values` (by first appearance) and the distinct values in code order."""
    lookup: dict[Any, int] = {}
    codes = np.array([lookup.setdefault(v, len(lookup)) for v in values], dtype=np.int64).reshape(len(values))
    return codes, list(lookup)


def _pairwise(rule: Callable[[Any, Any], Any], left: list[Any], right: list[Any], dtype: type = bool) -> np.ndarray:
    """`rule(l, r)` for every pair of `left` × `right`, evaluated once per distinct pair of
    values (a handful of phases or focus choices) and spread to every pair."""
    left_codes, left_values = _distinct(left)
    right_codes, right_values = _distinct(right)
    table: np.ndarray = np.array([[rule(lv, rv) for rv in right_values] for lv in left_values], dtype=dtype).reshape(
        len(left_values), len(right_values)
    )
    return table[left_codes][:, right_codes]


def first_reason(masks: dict[Reason, np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    """Per pair, the first rule in `Reason` order that rejects it (ALLOWED when none)."""
    reason = np.full(shape, Reason.ALLOWED, dtype=np.int8)
    # Applied in reverse order so that the first reason in `Reason` order wins.
    for rule in sorted(masks, reverse=True):
        reason[masks[rule]] = rule
    return reason


def compute_eligibility(problem: ProblemData, leads_of: Eligibility | None = None) -> Eligibility:
    """Decide every pair of `problem` (see `Reason`) and price the allowed ones.

    `leads_of`: an eligibility of the same specialists and groups, whose possible leads
    and their travel values are taken instead of decided again (what-if rows of one
    school re-decide only its pairs).
    """
    rules = pair_rules(problem)
    num_s, num_p, num_g = problem.num_schools, problem.num_specialists, problem.num_groups
    reason_sp = first_reason(rules.specialist, (num_s, num_p))
    reason_sg = first_reason(rules.group, (num_s, num_g))
    priced = _price(problem, reason_sp, reason_sg, rules.specialist_km, rules.group_km, rules.focus_cost)
    weights = problem.weights
    group_leads = lead_candidates(problem) if leads_of is None else leads_of.group_leads
    triples, triple_value = venue_triples(problem, priced["group_pairs"], group_leads, rules.school_limit_km)
    school_value = np.array(
        [weights.place + weights.priority * s.priority for s in problem.schools], dtype=np.int64
    ).reshape(num_s)
    return Eligibility(
        **priced,
        specialist_limit_km=rules.specialist_limit_km,
        school_value=school_value,
        group_leads=group_leads,
        focus_cost=rules.focus_cost,
        keep_targets=kept_placements(problem),
        keep_value=int(weights.keep),
        venue_triples=triples,
        venue_triple_value=triple_value,
        lead_value=lead_values(problem, group_leads) if leads_of is None else leads_of.lead_value,
        lone_department=int(weights.lone_department),
        whole_pairs=problem.rules.whole_pairs,
        school_limit_km=rules.school_limit_km,
    )


def venue_triples(
    problem: ProblemData,
    group_pairs: np.ndarray,
    group_leads: tuple[tuple[int, ...], ...],
    school_limit: np.ndarray,
    any_lead: frozenset[tuple[int, int]] = frozenset(),
) -> tuple[np.ndarray, np.ndarray]:
    """(school, group, lead) for each allowed pair of a group meeting at its chosen lead and
    each possible lead within the school's limit (any possible lead for the pairs in
    `any_lead`, relaxed for what-if re-solves), with -round(travel_per_km · km) to that lead."""
    at_lead = {g for g, group in enumerate(problem.work_groups) if meets_at_chosen_lead(group)}
    rows: list[tuple[int, int, int]] = []
    kms: list[float] = []
    for s, g in group_pairs.tolist():
        if g not in at_lead or not group_leads[g]:
            continue
        here = coordinates([problem.schools[s].location])
        there = coordinates([problem.specialists[p].location for p in group_leads[g]])
        for p, km in zip(group_leads[g], great_circle_km(here, there)[0].tolist(), strict=True):
            if within_travel(km, school_limit[s]) or (s, g) in any_lead:
                rows.append((s, g, p))
                kms.append(km)
    value = -travel_cost(np.array(kms, dtype=float), problem.weights.travel_per_km)
    return np.array(rows, dtype=np.int64).reshape(-1, 3), value.astype(np.int64).reshape(-1)


def lead_values(problem: ProblemData, group_leads: tuple[tuple[int, ...], ...]) -> tuple[tuple[int, ...], ...]:
    """For each group and each possible lead: -round(travel_per_km · km) from the lead's
    location to the venue; 0 for a group meeting at its chosen lead (it meets where they are)."""
    out = []
    for g, group in enumerate(problem.work_groups):
        if meets_at_chosen_lead(group) or not group_leads[g]:
            out.append(tuple(0 for _ in group_leads[g]))
            continue
        there = coordinates([problem.specialists[p].location for p in group_leads[g]])
        km = great_circle_km(coordinates([group.venue]), there)[0]
        out.append(tuple(int(-c) for c in travel_cost(km, problem.weights.travel_per_km).tolist()))
    return tuple(out)


def _price(
    problem: ProblemData,
    reason_sp: np.ndarray,
    reason_sg: np.ndarray,
    sp_km: np.ndarray,
    sg_km: np.ndarray,
    focus_cost: np.ndarray,
) -> dict[str, Any]:
    """Allowed pairs and the objective value of using each (the only place costs are made).

    Returns the `Eligibility` fields that follow from the pairs' reasons and km (computing
    and relaxing eligibility share this).
    """
    schools, specialists, weights = problem.schools, problem.specialists, problem.weights
    sp_pairs = np.argwhere(reason_sp == Reason.ALLOWED).reshape(-1, 2)
    sg_pairs = np.argwhere(reason_sg == Reason.ALLOWED).reshape(-1, 2)
    if not (
        np.isfinite(sp_km[sp_pairs[:, 0], sp_pairs[:, 1]]).all()
        and np.isfinite(sg_km[sg_pairs[:, 0], sg_pairs[:, 1]]).all()
    ):
        raise RuntimeError("an allowed pair has no measured distance (a bug in eligibility)")
    sp_value = -travel_cost(sp_km[sp_pairs[:, 0], sp_pairs[:, 1]], weights.travel_per_km)
    continuity = np.array(
        [
            schools[s].stage == Stage.EMBEDDING
            and (schools[s].previous_specialist or "").strip() == specialists[p].id.strip()
            for s, p in sp_pairs.tolist()
        ],
        dtype=bool,
    ).reshape(-1)
    sp_value = sp_value + weights.continuity * continuity.astype(np.int64)
    # A group meeting at its chosen lead: the members' trips are priced per lead (`venue_triples`).
    at_lead = np.array([meets_at_chosen_lead(g) for g in problem.work_groups], dtype=bool).reshape(-1)
    venue_travel = travel_cost(
        np.where(at_lead[sg_pairs[:, 1]], 0.0, sg_km[sg_pairs[:, 0], sg_pairs[:, 1]]), weights.travel_per_km
    )
    sg_value = -(venue_travel + focus_cost[sg_pairs[:, 0], sg_pairs[:, 1]])
    return {
        "specialist_reason": reason_sp,
        "group_reason": reason_sg,
        "specialist_km": sp_km,
        "group_km": sg_km,
        "specialist_pairs": sp_pairs,
        "specialist_pair_value": sp_value.astype(np.int64),
        "group_pairs": sg_pairs,
        "group_pair_value": sg_value.astype(np.int64),
    }


def relax(
    problem: ProblemData,
    elig: Eligibility,
    specialist_pairs: list[tuple[int, int]] = (),  # type: ignore[assignment]
    group_pairs: list[tuple[int, int]] = (),  # type: ignore[assignment]
    distances_from: Eligibility | None = None,
) -> Eligibility:
    """The same eligibility with some rejected pairs allowed (for what-if explanations).

    `distances_from` supplies the km of relaxed pairs this eligibility did not measure
    (cross-hub pairs, say, which it skips).
    """
    reason_sp = elig.specialist_reason.copy()
    reason_sg = elig.group_reason.copy()
    sp_km, sg_km = elig.specialist_km, elig.group_km
    if distances_from is not None:
        sp_km, sg_km = sp_km.copy(), sg_km.copy()
    for s, p in specialist_pairs:
        reason_sp[s, p] = Reason.ALLOWED
        if distances_from is not None:
            sp_km[s, p] = distances_from.specialist_km[s, p]
    for s, g in group_pairs:
        reason_sg[s, g] = Reason.ALLOWED
        if distances_from is not None:
            sg_km[s, g] = distances_from.group_km[s, g]
    priced = _price(problem, reason_sp, reason_sg, sp_km, sg_km, elig.focus_cost)
    relaxed = frozenset((int(s), int(g)) for s, g in group_pairs)
    triples, triple_value = venue_triples(
        problem, priced["group_pairs"], elig.group_leads, elig.school_limit_km, relaxed
    )
    return replace(elig, **priced, venue_triples=triples, venue_triple_value=triple_value)
