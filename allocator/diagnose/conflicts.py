"""Why the rules cannot all hold: a minimal set of conflicting requirements.

The conflict finder builds a feasibility-only model from the allocation model's own rule
functions (`allocator.model.constraints`), with every requirement a hub lead could change
behind an assumption literal (a "switch"): each pin and forbid, each specialist's
capacities and lead limit, each group's minimum and maximum size, the travel limit and
the hub rule. Pairs that only the travel limit, the hub rule or a forbid reject are
variables here, banned while their switch is on (`add_pair_bans`). CP-SAT returns a
sufficient set of assumptions for infeasibility; it is shrunk by deletion until removing
any one element makes the rest feasible. Without pins placing nobody is feasible, so
every such set contains a pin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from allocator.model import constraints
from allocator.model.constraints import RequirementKey
from allocator.model.variables import Variables
from allocator.problem.data import ProblemData, Stage
from allocator.problem.eligibility import Eligibility, Reason, pair_rules, venue_triples


@dataclass(frozen=True)
class Requirement:
    """One requirement that could be relaxed, in the hub lead's words."""

    key: tuple
    text: str
    remedy: str


# Rules a hub lead can change by a setting: pairs they alone reject are variables here.
RELAXABLE_PAIR = (Reason.ALLOWED, Reason.HUB, Reason.FORBIDDEN, Reason.TOO_FAR)
# A capacity of 0 is a capacity (rule 2, switched), not a reason to drop the pair.
_SWITCHED_ELSEWHERE = (Reason.NO_CAPACITY,)

Bans = dict[tuple[str, int, int], list[RequirementKey]]


def _pairs_and_bans(problem: ProblemData, elig: Eligibility) -> tuple[list, list, Bans]:
    """The pairs every unchangeable rule allows (every rule's verdict, not only the first
    reason eligibility kept), and the switchable rules that reject each of them."""
    rules = pair_rules(problem, measure_all=True)  # cross-hub distances too
    forbid_sp = {(f.school_idx, f.specialist_idx): f.index for f in problem.forbids if f.specialist_idx is not None}
    forbid_sg = {(f.school_idx, f.group_idx): f.index for f in problem.forbids if f.group_idx is not None}
    school_limit = rules.school_limit_km
    own_km = [p.max_travel_km for p in problem.specialists]
    bans: Bans = {}
    specialist_pairs: list[tuple[int, int]] = []
    group_pairs: list[tuple[int, int]] = []
    for kind, masks, forbids, pairs in (
        ("support", rules.specialist, forbid_sp, specialist_pairs),
        ("member", rules.group, forbid_sg, group_pairs),
    ):
        hard = [m for r, m in masks.items() if r not in RELAXABLE_PAIR and r not in _SWITCHED_ELSEWHERE]
        allowed = ~np.logical_or.reduce(hard) if hard else np.ones(masks[Reason.HUB].shape, dtype=bool)
        for s, other in np.argwhere(allowed).tolist():
            pairs.append((s, other))
            keys: list[RequirementKey] = []
            if masks[Reason.TOO_FAR][s, other]:
                keys.append(_travel_key(problem, kind, s, other, school_limit, own_km))
            if masks[Reason.HUB][s, other]:
                keys.append(("hub",) if problem.schools[s].allow_cross_hub is None else ("hub_school", s))
            if (s, other) in forbids:
                keys.append(("forbid", forbids[s, other]))
            if keys:
                bans[kind, s, other] = keys
    return specialist_pairs, group_pairs, bans


def _travel_key(
    problem: ProblemData, kind: str, s: int, other: int, school_limit: np.ndarray, own_km: list[float | None]
) -> RequirementKey:
    """The travel limit that rejects a pair: the specialist's own (when lower), the
    school's own, or the rule's."""
    own = own_km[other] if kind == "support" else None
    if own is not None and own < float(school_limit[s]):
        return ("travel_sp", other)
    if problem.schools[s].max_travel_km is not None:
        return ("travel_school", s)
    return ("travel",)


def _venue_triples_and_bans(
    problem: ProblemData, elig: Eligibility, group_pairs: list[tuple[int, int]]
) -> tuple[list[tuple[int, int, int]], dict[tuple[int, int, int], RequirementKey]]:
    """Every (school, group, lead) of the groups meeting at their chosen lead, and the
    travel limit that bans each one beyond the school's limit."""
    pairs = np.array(group_pairs, dtype=np.int64).reshape(-1, 2)
    limits = np.array(
        [problem.rules.max_travel_km if x.max_travel_km is None else x.max_travel_km for x in problem.schools]
    )
    any_lead = frozenset((int(s), int(g)) for s, g in pairs.tolist())
    triples, _ = venue_triples(problem, pairs, elig.group_leads, limits, any_lead)
    within, _ = venue_triples(problem, pairs, elig.group_leads, limits)
    allowed = {tuple(t) for t in within.tolist()}
    out = [tuple(t) for t in triples.tolist()]
    bans = {t: _travel_key(problem, "member", t[0], t[1], limits, []) for t in out if t not in allowed}
    return out, bans  # type: ignore[return-value]


class _Switches:
    """One assumption literal per requirement, made when a rule first asks for it."""

    def __init__(self, model: cp_model.CpModel, problem: ProblemData):
        self.model = model
        self.problem = problem
        self.literals: dict[RequirementKey, cp_model.IntVar] = {}
        self.requirements: dict[int, Requirement] = {}  # literal index -> requirement

    def __call__(self, key: RequirementKey) -> cp_model.IntVar:
        if key not in self.literals:
            literal = self.model.new_bool_var(str(key))
            self.literals[key] = literal
            self.requirements[literal.index] = Requirement(key, *self._words(key))
        return self.literals[key]

    def _words(self, key: RequirementKey) -> tuple[str, str]:
        """The requirement's text and remedy."""
        problem = self.problem
        kind = key[0]
        if kind == "hub":
            return "the hub rule (schools are placed within their own hub)", "set allow_cross_hub: true"
        if kind == "travel":
            return f"the {problem.rules.max_travel_km:g} km travel limit", "raise max_travel_km"
        if kind == "whole_pairs":
            return "rules.whole_pairs (no specialist with room for two has just one development school)", (
                "set whole_pairs: false"
            )
        if kind in ("travel_school", "hub_school"):
            own = problem.schools[int(key[1])]
            if kind == "hub_school":
                return f"school {own.urn}'s allow_cross_hub: no", f"set {own.urn}'s allow_cross_hub to yes"
            return f"school {own.urn}'s own {own.max_travel_km:g} km travel limit", f"raise {own.urn}'s max_travel_km"
        if kind in ("pin", "forbid"):
            item = next(r for r in (problem.pins if kind == "pin" else problem.forbids) if r.index == key[1])
            school = problem.schools[item.school_idx].urn
            if item.source and kind == "forbid":  # a locked unplaced row: one requirement for its pairs
                return f"{item.source} (school {school} not placed)", "unlock the row"
            if item.specialist_idx is not None:
                target = f"specialist {problem.specialists[item.specialist_idx].id}"
            else:
                target = f"group {problem.work_groups[item.group_idx].id}"  # type: ignore[index]
            if item.source:  # a locked row of the previous allocations
                return f"{item.source} (school {school} with {target})", "unlock the row"
            remedy = "remove or change the pin" if kind == "pin" else "remove the forbid"
            return f"{kind} {item.index + 1} (school {school} with {target})", remedy
        if kind in ("min", "max"):
            group = problem.work_groups[int(key[1])]
            if kind == "min":
                return f"{group.id}'s minimum of {group.min_schools} schools", f"lower {group.id}'s min_schools"
            return f"{group.id}'s maximum of {group.max_schools} schools", f"raise {group.id}'s max_schools"
        specialist = problem.specialists[int(key[1])]
        if kind == "travel_sp":
            return f"{specialist.id}'s own {specialist.max_travel_km:g} km travel limit", "raise max_travel_km"
        if kind == "capacity":
            stage = Stage(str(key[2]))
            return (
                f"{specialist.id}'s {stage} capacity of {specialist.capacity_for(stage)}",
                f"raise {specialist.id}'s {stage.capacity_field}",
            )
        return (
            f"{specialist.id}'s limit of {specialist.max_groups} group(s) to lead",
            f"raise {specialist.id}'s max_groups",
        )


def conflict_model(problem: ProblemData, elig: Eligibility) -> tuple[cp_model.CpModel, _Switches]:
    """The allocation model's rules, each requirement behind its switch (no objective)."""
    model = cp_model.CpModel()
    switches = _Switches(model, problem)
    specialist_pairs, group_pairs, bans = _pairs_and_bans(problem, elig)
    v = Variables.from_pairs(model, problem, specialist_pairs, group_pairs, elig.group_leads)
    triples, triple_bans = _venue_triples_and_bans(problem, elig, group_pairs)
    v.add_venue_members(model, triples)
    constraints.add_whole_placement(model, problem, v)
    constraints.add_specialist_capacity(model, problem, v, switches)
    constraints.add_group_size_and_lead(model, problem, v, switches)
    constraints.add_lead_limit(model, problem, v, switches)
    constraints.add_venue_at_lead(model, v)
    constraints.add_development_pairs(model, problem, v, problem.rules.whole_pairs, switches, lone_department=0)
    constraints.add_pins(model, problem, v, switches)
    constraints.add_pair_bans(model, v, bans, switches)
    for (s, g, p), key in triple_bans.items():
        if (s, g, p) in v.venue_member:
            model.add(v.venue_member[s, g, p] == 0).only_enforce_if(switches(key))
    return model, switches


def minimal_conflict(problem: ProblemData, elig: Eligibility, time_limit_s: float = 30.0) -> list[Requirement]:
    """A minimal set of requirements that cannot all hold, or [] when they can."""
    model, switches = conflict_model(problem, elig)
    order = sorted(switches.literals.items(), key=lambda kv: (kv[0][0] == "pin", kv[0]))
    core = _infeasible_core(model, [literal for _, literal in order], time_limit_s)
    if core is None:
        return []
    return [switches.requirements[literal.index] for literal in _shrink(model, core, time_limit_s)]


def _shrink(model: cp_model.CpModel, core: list, time_limit_s: float) -> list:
    """Deletion: try dropping each element (non-pins first); keep it only if needed."""
    needed = list(core)
    for literal in list(core):
        trial = [other for other in needed if other.index != literal.index]
        smaller = _infeasible_core(model, trial, time_limit_s)
        if smaller is not None:
            keep = {v.index for v in smaller}
            needed = [v for v in trial if v.index in keep]
    return needed


def _infeasible_core(model: cp_model.CpModel, assumptions: list, time_limit_s: float) -> list | None:
    """The assumptions CP-SAT names as sufficient for infeasibility, or None when feasible."""
    model.clear_assumptions()
    model.add_assumptions(assumptions)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # assumptions-based cores need a single worker
    solver.parameters.max_time_in_seconds = time_limit_s
    status = solver.solve(model)
    if status != cp_model.INFEASIBLE:
        return None
    by_index = {lit.index: lit for lit in assumptions}
    core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in by_index]
    return core or list(assumptions)


def conflict_lines(requirements: list[Requirement]) -> list[str]:
    """Plain sentences for exit 1."""
    if not requirements:
        return ["the pins cannot all hold together with the rules (no smaller set was found)"]
    if len(requirements) == 1:
        lines = ["this requirement cannot hold whatever else is done:"]
    else:
        lines = [
            f"these {len(requirements)} requirements cannot all hold; dropping any one of them makes the rest possible:"
        ]
    for r in requirements:
        lines.append(f"  - {r.text}: {r.remedy}")
    return lines
