"""Which school–specialist and school–group pairs are allowed, and why the others are not.

Pure functions of `ProblemData`, vectorised with NumPy. The model creates variables
only for allowed pairs; explanations of unplaced schools reuse the rejection reasons.
Every integer coefficient of the objective is computed here, once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

import numpy as np

from allocator.problem.data import ProblemData, key
from allocator.problem.distances import coordinates, great_circle_km_where, travel_cost
from allocator.problem.keep import kept_placements


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


def _codes(values: list[str]) -> np.ndarray:
    lookup: dict[str, int] = {}
    return np.array([lookup.setdefault(v, len(lookup)) for v in values], dtype=np.int64)


def compute_eligibility(problem: ProblemData) -> Eligibility:
    """Decide every pair of `problem` (see `Reason`) and price the allowed ones."""
    schools, specialists, groups = problem.schools, problem.specialists, problem.work_groups
    rules, weights = problem.rules, problem.weights
    num_s, num_p, num_g = len(schools), len(specialists), len(groups)

    hubs = _codes([key(x.hub) for x in (*schools, *specialists, *groups)])
    school_hub, spec_hub, group_hub = hubs[:num_s], hubs[num_s : num_s + num_p], hubs[num_s + num_p :]
    trust_keys = [key(x.trust) for x in (*schools, *specialists)]
    trusts = _codes(trust_keys)
    trusts[[k == "" for k in trust_keys]] = -1  # a blank trust matches no trust
    school_trust, spec_trust = trusts[:num_s], trusts[num_s:]

    stage = np.array([s.stage for s in schools], dtype=object).reshape(num_s)
    school_phase = np.array([s.phase for s in schools], dtype=object).reshape(num_s)
    is_dev = stage == "development"
    is_emb = stage == "embedding"
    is_sus = stage == "sustaining"
    either_phase = (school_phase == "special") | (school_phase == "all-through")

    school_xy = coordinates([s.location for s in schools])
    spec_xy = coordinates([p.location for p in specialists])
    group_xy = coordinates([g.venue for g in groups])

    # School–specialist pairs.
    spec_phase = np.array([p.phase for p in specialists], dtype=object).reshape(num_p)
    available = np.array([p.available for p in specialists], dtype=bool).reshape(num_p)
    cap_dev = np.array([p.capacity for p in specialists], dtype=np.int64).reshape(num_p)
    cap_emb = np.array([p.embedding_capacity for p in specialists], dtype=np.int64).reshape(num_p)
    limit = np.array(
        [
            rules.max_travel_km if p.max_travel_km is None else min(rules.max_travel_km, p.max_travel_km)
            for p in specialists
        ],
        dtype=float,
    ).reshape(num_p)
    urn_index = {s.urn: i for i, s in enumerate(schools)}
    own = np.zeros((num_s, num_p), dtype=bool)
    for p_idx, p in enumerate(specialists):
        if p.school_urn is not None and p.school_urn in urn_index:
            own[urn_index[p.school_urn], p_idx] = True
    forbidden_sp = np.zeros((num_s, num_p), dtype=bool)
    forbidden_sg = np.zeros((num_s, num_g), dtype=bool)
    for f in problem.forbids:
        if f.specialist_idx is not None:
            forbidden_sp[f.school_idx, f.specialist_idx] = True
        if f.group_idx is not None:
            forbidden_sg[f.school_idx, f.group_idx] = True

    # Distances only where they can matter: pairs of a fitting stage and phase, in one hub
    # unless cross-hub placement is allowed (the others are rejected whatever the
    # distance; inf keeps every comparison honest). Nationally that is about 1/40 of them.
    phase_ok_sp = either_phase[:, None] | (school_phase[:, None] == spec_phase[None, :])
    same_hub_sp = (school_hub[:, None] == spec_hub[None, :]) | rules.allow_cross_hub
    sp_km = great_circle_km_where(school_xy, spec_xy, phase_ok_sp & ~is_sus[:, None] & same_hub_sp)
    reason_sp = np.full((num_s, num_p), Reason.ALLOWED, dtype=np.int8)
    checks_sp = [
        (Reason.TOO_FAR, sp_km > limit[None, :]),
        (Reason.FORBIDDEN, forbidden_sp),
        (
            Reason.SAME_TRUST,
            (school_trust[:, None] == spec_trust[None, :]) & (school_trust[:, None] >= 0)
            if rules.separate_trusts
            else np.zeros((num_s, num_p), dtype=bool),
        ),
        (Reason.OWN_SCHOOL, own),
        (Reason.NO_CAPACITY, (is_dev[:, None] & (cap_dev[None, :] <= 0)) | (is_emb[:, None] & (cap_emb[None, :] <= 0))),
        (Reason.UNAVAILABLE, np.broadcast_to(~available[None, :], (num_s, num_p))),
        (
            Reason.HUB,
            (school_hub[:, None] != spec_hub[None, :])
            if not rules.allow_cross_hub
            else np.zeros((num_s, num_p), dtype=bool),
        ),
        (Reason.PHASE, ~phase_ok_sp),
        (Reason.STAGE, np.broadcast_to(is_sus[:, None], (num_s, num_p))),
    ]
    # Apply in reverse priority so the first reason in `Reason` order wins.
    for reason, mask in checks_sp:
        reason_sp[mask] = reason

    # School–group pairs.
    group_phase = np.array([g.phase for g in groups], dtype=object).reshape(num_g)
    phase_ok_g = np.where(
        (group_phase == "special")[None, :],
        (school_phase == "special")[:, None],
        either_phase[:, None] | (school_phase[:, None] == group_phase[None, :]),
    ).reshape(num_s, num_g)
    same_hub_sg = (school_hub[:, None] == group_hub[None, :]) | rules.allow_cross_hub
    sg_km = great_circle_km_where(school_xy, group_xy, phase_ok_g & ~is_dev[:, None] & same_hub_sg)
    focus_ok = np.ones((num_s, num_g), dtype=bool)
    focus_cost = np.zeros((num_s, num_g), dtype=np.int64)
    for s_idx, s in enumerate(schools):
        if not s.focus_choices:
            continue
        for g_idx, g in enumerate(groups):
            if g.focus is None:
                continue
            if g.focus in s.focus_choices:
                focus_cost[s_idx, g_idx] = weights.focus_rank[s.focus_choices.index(g.focus)]
            else:
                focus_ok[s_idx, g_idx] = False
    reason_sg = np.full((num_s, num_g), Reason.ALLOWED, dtype=np.int8)
    checks_sg = [
        (Reason.TOO_FAR, sg_km > rules.max_travel_km),
        (Reason.FORBIDDEN, forbidden_sg),
        (Reason.FOCUS, ~focus_ok),
        (
            Reason.HUB,
            (school_hub[:, None] != group_hub[None, :])
            if not rules.allow_cross_hub
            else np.zeros((num_s, num_g), dtype=bool),
        ),
        (Reason.PHASE, ~phase_ok_g),
        (Reason.STAGE, np.broadcast_to(is_dev[:, None], (num_s, num_g))),
    ]
    for reason, mask in checks_sg:
        reason_sg[mask] = reason

    sp_pairs, sp_value, sg_pairs, sg_value = _price(problem, reason_sp, reason_sg, sp_km, sg_km, focus_cost)
    school_value = np.array([weights.place + weights.priority * s.priority for s in schools], dtype=np.int64).reshape(
        num_s
    )

    return Eligibility(
        specialist_reason=reason_sp,
        group_reason=reason_sg,
        specialist_km=sp_km,
        group_km=sg_km,
        specialist_limit_km=limit,
        specialist_pairs=sp_pairs,
        group_pairs=sg_pairs,
        specialist_pair_value=sp_value,
        group_pair_value=sg_value,
        school_value=school_value,
        group_leads=_all_lead_candidates(problem),
        focus_cost=focus_cost,
        keep_targets=kept_placements(problem),
        keep_value=int(weights.keep),
    )


def _price(
    problem: ProblemData,
    reason_sp: np.ndarray,
    reason_sg: np.ndarray,
    sp_km: np.ndarray,
    sg_km: np.ndarray,
    focus_cost: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Allowed pairs and the objective value of using each (the only place costs are made)."""
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
            schools[s].stage == "embedding"
            and schools[s].previous_specialist is not None
            and schools[s].previous_specialist.strip() == specialists[p].id.strip()
            for s, p in sp_pairs.tolist()
        ],
        dtype=bool,
    ).reshape(-1)
    sp_value = sp_value + weights.continuity * continuity.astype(np.int64)
    sg_value = -(
        travel_cost(sg_km[sg_pairs[:, 0], sg_pairs[:, 1]], weights.travel_per_km)
        + focus_cost[sg_pairs[:, 0], sg_pairs[:, 1]]
    )
    return sp_pairs, sp_value.astype(np.int64), sg_pairs, sg_value.astype(np.int64)


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
    sp_pairs, sp_value, sg_pairs, sg_value = _price(problem, reason_sp, reason_sg, sp_km, sg_km, elig.focus_cost)
    return replace(
        elig,
        specialist_km=sp_km,
        group_km=sg_km,
        specialist_reason=reason_sp,
        group_reason=reason_sg,
        specialist_pairs=sp_pairs,
        specialist_pair_value=sp_value,
        group_pairs=sg_pairs,
        group_pair_value=sg_value,
    )


def _all_lead_candidates(problem: ProblemData) -> tuple[tuple[int, ...], ...]:
    """Specialists who may lead each group (SPEC rule 3), with hub keys computed once per
    specialist; a fixed lead is the hub lead's choice and is not checked."""
    by_hub: dict[str, list[int]] = {}
    for p_idx, p in enumerate(problem.specialists):
        if p.available and p.max_groups > 0 and p.can_lead:
            by_hub.setdefault(key(p.hub), []).append(p_idx)
    out = []
    for group in problem.work_groups:
        if group.lead_idx is not None:
            lead = problem.specialists[group.lead_idx]
            out.append((group.lead_idx,) if lead.available and lead.max_groups > 0 else ())
            continue
        chosen = []
        for p_idx in by_hub.get(key(group.hub), []):
            p = problem.specialists[p_idx]
            if group.phase != "special" and p.phase != group.phase:
                continue
            if p.lead_foci is not None and group.focus is not None and group.focus not in p.lead_foci:
                continue
            chosen.append(p_idx)
        out.append(tuple(chosen))
    return tuple(out)
