"""One function per objective term of SPEC; all coefficients come from eligibility."""

from __future__ import annotations

from ortools.sat.python import cp_model

from allocator.model.variables import Variables
from allocator.problem.eligibility import Eligibility


def placement_terms(eligibility: Eligibility, v: Variables) -> list[tuple[cp_model.IntVar, int]]:
    """place + priority * school.priority for each placed school."""
    values = eligibility.school_value
    return [(var, int(values[s])) for s, var in v.placed.items()]


def support_terms(eligibility: Eligibility, v: Variables) -> list[tuple[cp_model.IntVar, int]]:
    """−round(travel_per_km · km) per school–specialist pair, + continuity where kept."""
    return [
        (v.support[s, p], int(value))
        for (s, p), value in zip(
            eligibility.specialist_pairs.tolist(), eligibility.specialist_pair_value.tolist(), strict=True
        )
    ]


def membership_terms(eligibility: Eligibility, v: Variables) -> list[tuple[cp_model.IntVar, int]]:
    """−(round(travel_per_km · km to venue) + focus_rank[r]) per school–group pair."""
    return [
        (v.member[s, g], int(value))
        for (s, g), value in zip(eligibility.group_pairs.tolist(), eligibility.group_pair_value.tolist(), strict=True)
    ]


def venue_member_terms(eligibility: Eligibility, v: Variables) -> list[tuple[cp_model.IntVar, int]]:
    """−round(travel_per_km · km to the lead) per member of a group meeting at its chosen lead."""
    triples = eligibility.venue_triples.tolist()
    values = eligibility.venue_triple_value.tolist()
    return [
        (v.venue_member[s, g, p], int(value))
        for (s, g, p), value in zip(triples, values, strict=True)
        if (s, g, p) in v.venue_member
    ]


def lead_terms(eligibility: Eligibility, v: Variables) -> list[tuple[cp_model.IntVar, int]]:
    """−round(travel_per_km · km) from each running group's lead to its venue (once per group)."""
    out = []
    for g in v.runs:
        for p, value in zip(eligibility.group_leads[g], eligibility.lead_value[g], strict=True):
            out.append((v.leads[g, p], int(value)))
    return out


def lone_terms(eligibility: Eligibility, v: Variables) -> list[tuple[cp_model.IntVar, int]]:
    """−lone_department per specialist with a development load of exactly 1 (capacity >= 2)."""
    return [(var, -eligibility.lone_department) for var in v.lone.values()]


def keep_terms(eligibility: Eligibility, v: Variables) -> list[tuple[cp_model.IntVar, int]]:
    """+keep per school placed exactly as in the previous run (re-runs; see `add_kept`)."""
    return [(var, eligibility.keep_value) for var in v.kept.values()]


def objective_terms(eligibility: Eligibility, v: Variables) -> dict[int, tuple[cp_model.IntVar, int]]:
    """Every term of the SPEC objective, by variable index (a variable in two terms, a
    kept pair's, has their coefficients summed); zero coefficients left out."""
    terms = placement_terms(eligibility, v) + support_terms(eligibility, v) + membership_terms(eligibility, v)
    terms += venue_member_terms(eligibility, v) + lead_terms(eligibility, v) + lone_terms(eligibility, v)
    terms += keep_terms(eligibility, v)
    merged: dict[int, tuple[cp_model.IntVar, int]] = {}
    for var, coef in terms:
        if coef:
            merged[var.index] = (var, merged[var.index][1] + coef if var.index in merged else coef)
    return merged


def objective_expression(eligibility: Eligibility, v: Variables) -> cp_model.LinearExprT:
    """The SPEC objective as one linear expression (to be maximised)."""
    terms = list(objective_terms(eligibility, v).values())
    if not terms:
        return 0
    variables, coefficients = zip(*terms, strict=True)
    return cp_model.LinearExpr.weighted_sum(list(variables), list(coefficients))


def set_objective(model: cp_model.CpModel, eligibility: Eligibility, v: Variables) -> None:
    """Maximise the SPEC objective, written into the model's proto at once: what
    `CpModel.maximize` writes (negated coefficients, scaling factor -1), without its
    per-term Python loop (a fifth of building a national part's model)."""
    terms = objective_terms(eligibility, v)
    model.clear_objective()
    objective = model.proto.objective
    objective.vars.extend(list(terms))
    objective.coeffs.extend([-coef for _, coef in terms.values()])
    objective.scaling_factor = -1.0
