"""One function per objective term of SPEC; all coefficients come from eligibility.

Each gives its variables' proto indices and their coefficients as two arrays: the
placement, support and membership terms (nearly every variable) straight from the
eligibility's arrays, as `Variables` makes those families in one run each.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ortools.sat.python import cp_model

from allocator.model.variables import Variables
from allocator.problem.eligibility import Eligibility

Terms = tuple[np.ndarray, np.ndarray]  # proto indices, coefficients (int64)


def _run(first: int, coefficients: np.ndarray) -> Terms:
    """A family made in one run from `first`, one variable per coefficient."""
    coefficients = np.asarray(coefficients, dtype=np.int64)
    return np.arange(first, first + len(coefficients), dtype=np.int64), coefficients


def _each(terms: list[tuple[cp_model.IntVar, int]]) -> Terms:
    return np.array([var.index for var, _ in terms], dtype=np.int64), np.array(
        [coef for _, coef in terms], dtype=np.int64
    )


def placement_terms(eligibility: Eligibility, v: Variables) -> Terms:
    """place + priority * school.priority for each placed school."""
    schools = np.fromiter(v.placed, dtype=np.int64, count=len(v.placed))
    return _run(v.placed_first, eligibility.school_value[schools])


def support_terms(eligibility: Eligibility, v: Variables) -> Terms:
    """−round(travel_per_km · km) per school–specialist pair, + continuity where kept."""
    assert len(v.support) == len(eligibility.specialist_pairs)  # made from these pairs, in order
    return _run(v.support_first, eligibility.specialist_pair_value)


def membership_terms(eligibility: Eligibility, v: Variables) -> Terms:
    """−(round(travel_per_km · km to venue) + focus_rank[r]) per school–group pair."""
    assert len(v.member) == len(eligibility.group_pairs)
    return _run(v.member_first, eligibility.group_pair_value)


def venue_member_terms(eligibility: Eligibility, v: Variables) -> Terms:
    """−round(travel_per_km · km to the lead) per member of a group meeting at its chosen lead."""
    triples = eligibility.venue_triples.tolist()
    values = eligibility.venue_triple_value.tolist()
    return _each(
        [
            (v.venue_member[s, g, p], int(value))
            for (s, g, p), value in zip(triples, values, strict=True)
            if (s, g, p) in v.venue_member
        ]
    )


def lead_terms(eligibility: Eligibility, v: Variables) -> Terms:
    """−round(travel_per_km · km) from each running group's lead to its venue (once per group)."""
    out = []
    for g in v.runs:
        for p, value in zip(eligibility.group_leads[g], eligibility.lead_value[g], strict=True):
            out.append((v.leads[g, p], int(value)))
    return _each(out)


def lone_terms(eligibility: Eligibility, v: Variables) -> Terms:
    """−lone_department per specialist with a development load of exactly 1 (capacity >= 2)."""
    return _each([(var, -eligibility.lone_department) for var in v.lone.values()])


def keep_terms(eligibility: Eligibility, v: Variables) -> Terms:
    """+keep per school placed exactly as in the previous run (re-runs; see `add_kept`)."""
    indices = np.fromiter(v.kept.values(), dtype=np.int64, count=len(v.kept))
    return indices, np.full(len(indices), eligibility.keep_value, dtype=np.int64)


def objective_terms(eligibility: Eligibility, v: Variables) -> Terms:
    """Every term of the SPEC objective: proto indices and coefficients, zero
    coefficients left out, a variable in two terms (a kept pair's) once with their sum,
    in the order of first appearance."""
    parts = [
        term(eligibility, v)
        for term in (
            placement_terms,
            support_terms,
            membership_terms,
            venue_member_terms,
            lead_terms,
            lone_terms,
            keep_terms,
        )
    ]
    indices = np.concatenate([index for index, _ in parts])
    coefficients = np.concatenate([coef for _, coef in parts])
    nonzero = coefficients != 0
    indices, coefficients = indices[nonzero], coefficients[nonzero]
    unique, first, inverse = np.unique(indices, return_index=True, return_inverse=True)
    if len(unique) == len(indices):
        return indices, coefficients  # no variable twice: as they came
    sums = np.zeros(len(unique), dtype=np.int64)
    np.add.at(sums, inverse, coefficients)
    order = np.argsort(first, kind="stable")
    return unique[order], sums[order]


def set_objective(model: cp_model.CpModel, eligibility: Eligibility, v: Variables) -> None:
    """Maximise the SPEC objective, written into the model's proto at once: what
    `CpModel.maximize` writes (negated coefficients, scaling factor -1), without its
    per-term Python loop."""
    indices, coefficients = objective_terms(eligibility, v)
    model.clear_objective()
    objective = model.proto.objective
    objective.vars.extend(indices.tolist())
    objective.coeffs.extend((-coefficients).tolist())
    objective.scaling_factor = -1.0


def prefer_placed(
    model: cp_model.CpModel,
    eligibility: Eligibility,
    v: Variables,
    schools: Sequence[int],
    avoided: Sequence[int] = (),
) -> int:
    """Maximise the SPEC objective times `weight`, plus the number of `schools` placed,
    less the number of `avoided` placed; `weight` = len(schools) + len(avoided) + 1,
    which it returns. Any allocation of a larger SPEC objective scores more than any of
    a smaller one whatever it places, so the optimum is a SPEC optimum placing as many
    of `schools`, and as few of `avoided`, as one can."""
    indices, coefficients = objective_terms(eligibility, v)
    weight = len(schools) + len(avoided) + 1
    extra = [(v.placed[s], 1) for s in schools if s in v.placed]
    extra += [(v.placed[s], -1) for s in avoided if s in v.placed]
    indices = np.concatenate([indices, np.array([i for i, _ in extra], dtype=np.int64)])
    coefficients = np.concatenate([coefficients * weight, np.array([c for _, c in extra], dtype=np.int64)])
    _write(model, indices, coefficients, maximise=True)
    return weight


def maximised(model: cp_model.CpModel) -> tuple[list[int], list[int]]:
    """The objective the model maximises, as written by `set_objective` or
    `prefer_placed`: its variables' proto indices and their coefficients."""
    objective = model.proto.objective
    assert objective.scaling_factor == -1.0 and not objective.offset  # as `set_objective` writes it
    return list(objective.vars), [-c for c in objective.coeffs]


def weigh_above(model: cp_model.CpModel, first: tuple[list[int], list[int]], weight: int) -> None:
    """Make the objective `first` (variables, coefficients, maximised) times `weight`,
    less the model's present objective (minimised), whose value must stay below
    `weight`: any allocation of a larger `first` then scores more, whatever the other."""
    now = model.proto.objective
    assert now.scaling_factor in (0.0, 1.0)  # as `CpModel.minimize` writes it
    indices = np.array(first[0] + list(now.vars), dtype=np.int64)
    coefficients = np.array([-weight * c for c in first[1]] + list(now.coeffs), dtype=np.int64)
    _write(model, indices, coefficients, maximise=False, offset=now.offset)


def _write(
    model: cp_model.CpModel, indices: np.ndarray, coefficients: np.ndarray, *, maximise: bool, offset: float = 0.0
) -> None:
    """Write the objective into the proto at once, a variable listed twice (a placed
    variable in both sums) once with its coefficients summed: maximised as
    `CpModel.maximize` writes it (negated coefficients, scaling factor -1), else
    minimised, with `offset`."""
    unique, inverse = np.unique(indices, return_inverse=True)
    sums = np.zeros(len(unique), dtype=np.int64)
    np.add.at(sums, inverse, coefficients)
    model.clear_objective()
    objective = model.proto.objective
    objective.vars.extend(unique.tolist())
    objective.coeffs.extend((-sums if maximise else sums).tolist())
    if maximise:
        objective.scaling_factor = -1.0
    else:
        objective.offset = offset


def require_at_least(model: cp_model.CpModel, value: int) -> None:
    """The objective the model maximises (the SPEC objective, or `prefer_placed`'s) >=
    `value`, as one linear constraint written into the proto; the objective dropped."""
    objective = model.proto.objective
    assert objective.scaling_factor == -1.0 and not objective.offset  # as `set_objective` writes it
    linear = model.proto.constraints.add().linear
    linear.vars.extend(objective.vars)
    linear.coeffs.extend(-c for c in objective.coeffs)
    linear.domain.extend([value, cp_model.INT_MAX])
    model.clear_objective()
