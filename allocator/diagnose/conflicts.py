"""Why the rules cannot all hold: a minimal set of conflicting requirements.

A separate feasibility-only CP-SAT model puts every requirement a hub lead could change
behind an assumption literal: each pin and forbid, each specialist's capacities and
lead limit, each group's minimum and maximum size, the travel limit and the hub rule.
Pairs the eligibility layer removed only for the travel limit, the hub rule or a
forbid are variables here, switched off by their literal. CP-SAT returns a sufficient
set of assumptions for infeasibility; it is shrunk by deletion until removing any one
element makes the rest feasible. Without pins placing nobody is feasible, so every such
set contains a pin.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from allocator.problem.data import ProblemData
from allocator.problem.data import Requirement as PinOrForbid
from allocator.problem.distances import coordinates, great_circle_km
from allocator.problem.eligibility import Eligibility, Reason


@dataclass(frozen=True)
class Requirement:
    """One requirement that could be relaxed, in the hub lead's words."""

    key: tuple
    text: str
    remedy: str


RELAXABLE_PAIR = (Reason.ALLOWED, Reason.HUB, Reason.FORBIDDEN, Reason.TOO_FAR)


def _hard_ok_specialist(problem: ProblemData, s: int, p: int) -> bool:
    """The pair passes every rule except travel, hub and forbid (checked here independently
    of the first-reason record, which may hide a later reason)."""
    school, sp = problem.schools[s], problem.specialists[p]
    if school.stage == "sustaining" or not sp.available:
        return False
    if school.phase in ("primary", "secondary") and sp.phase != school.phase:
        return False
    if sp.school_urn is not None and sp.school_urn == school.urn:
        return False
    if problem.rules.separate_trusts and school.trust and sp.trust:
        if school.trust.strip().casefold() == sp.trust.strip().casefold():
            return False
    return True


def _hard_ok_group(problem: ProblemData, s: int, g: int) -> bool:
    school, group = problem.schools[s], problem.work_groups[g]
    if school.stage == "development":
        return False
    if group.phase == "special":
        if school.phase != "special":
            return False
    elif not (school.phase in ("special", "all-through") or school.phase == group.phase):
        return False
    if group.focus is not None and school.focus_choices and group.focus not in school.focus_choices:
        return False
    return True


def minimal_conflict(problem: ProblemData, elig: Eligibility, time_limit_s: float = 30.0) -> list[Requirement]:
    """A minimal set of requirements that cannot all hold, or [] when they can."""
    model = cp_model.CpModel()
    requirements: dict[int, Requirement] = {}  # literal index -> requirement
    literals: dict[tuple, cp_model.IntVar] = {}

    def literal(key: tuple, text: str, remedy: str) -> cp_model.IntVar:
        if key not in literals:
            lit = model.new_bool_var(str(key))
            literals[key] = lit
            requirements[lit.index] = Requirement(key, text, remedy)
        return literals[key]

    def hub_rule() -> cp_model.IntVar:
        return literal(("hub",), "the hub rule (schools are placed within their own hub)", "set allow_cross_hub: true")

    def forbid(f: PinOrForbid, target: str) -> cp_model.IntVar:
        school = problem.schools[f.school_idx].urn
        if f.source:  # a locked unplaced row: one requirement for all its forbidden pairs
            return literal(("forbid", f.index), f"{f.source} (school {school} not placed)", "unlock the row")
        return literal(
            ("forbid", f.index), f"forbid {f.index + 1} (school {school} with {target})", "remove the forbid"
        )

    S, P, G = problem.num_schools, problem.num_specialists, problem.num_groups
    # Every distance, cross-hub pairs included (eligibility skips those it rejects anyway).
    school_xy = coordinates([s.location for s in problem.schools])
    km_sp = great_circle_km(school_xy, coordinates([p.location for p in problem.specialists]))
    km_sg = great_circle_km(school_xy, coordinates([g.venue for g in problem.work_groups]))
    limit_p = elig.specialist_limit_km
    hub = [s.hub.strip().casefold() for s in problem.schools]
    sp_hub = [p.hub.strip().casefold() for p in problem.specialists]
    g_hub = [g.hub.strip().casefold() for g in problem.work_groups]
    forbid_sp = {(f.school_idx, f.specialist_idx): f for f in problem.forbids if f.specialist_idx is not None}
    forbid_sg = {(f.school_idx, f.group_idx): f for f in problem.forbids if f.group_idx is not None}
    travel_text = f"the {problem.rules.max_travel_km:g} km travel limit"

    x: dict[tuple[int, int], cp_model.IntVar] = {}
    y: dict[tuple[int, int], cp_model.IntVar] = {}
    for s in range(S):
        for p in range(P):
            if not _hard_ok_specialist(problem, s, p):
                continue
            var = model.new_bool_var(f"x{s},{p}")
            x[s, p] = var
            if km_sp[s, p] > limit_p[p]:
                sp = problem.specialists[p]
                own = sp.max_travel_km is not None and sp.max_travel_km < problem.rules.max_travel_km
                key = ("travel_sp", p) if own else ("travel",)
                text = f"{sp.id}'s own {sp.max_travel_km:g} km travel limit" if own else travel_text
                model.add(var == 0).only_enforce_if(literal(key, text, "raise max_travel_km"))
            if not problem.rules.allow_cross_hub and hub[s] != sp_hub[p]:
                model.add(var == 0).only_enforce_if(hub_rule())
            if (s, p) in forbid_sp:
                model.add(var == 0).only_enforce_if(forbid(forbid_sp[s, p], f"specialist {problem.specialists[p].id}"))
        for g in range(G):
            if not _hard_ok_group(problem, s, g):
                continue
            var = model.new_bool_var(f"y{s},{g}")
            y[s, g] = var
            if km_sg[s, g] > problem.rules.max_travel_km:
                model.add(var == 0).only_enforce_if(literal(("travel",), travel_text, "raise max_travel_km"))
            if not problem.rules.allow_cross_hub and hub[s] != g_hub[g]:
                model.add(var == 0).only_enforce_if(hub_rule())
            if (s, g) in forbid_sg:
                model.add(var == 0).only_enforce_if(forbid(forbid_sg[s, g], f"group {problem.work_groups[g].id}"))

    placed = [model.new_bool_var(f"placed{s}") for s in range(S)]
    for s, school in enumerate(problem.schools):
        if school.stage in ("development", "embedding"):
            model.add(sum(x[s, p] for p in range(P) if (s, p) in x) == placed[s])
        if school.stage in ("embedding", "sustaining"):
            model.add(sum(y[s, g] for g in range(G) if (s, g) in y) == placed[s])
    for p, sp in enumerate(problem.specialists):
        for stage, cap, word in (
            ("development", sp.capacity, "capacity"),
            ("embedding", sp.embedding_capacity, "embedding_capacity"),
        ):
            terms = [x[s, p] for s in range(S) if (s, p) in x and problem.schools[s].stage == stage]
            if len(terms) > cap:
                model.add(sum(terms) <= cap).only_enforce_if(
                    literal(("capacity", p, stage), f"{sp.id}'s {stage} capacity of {cap}", f"raise {sp.id}'s {word}")
                )
    runs = [model.new_bool_var(f"runs{g}") for g in range(G)]
    leads: dict[tuple[int, int], cp_model.IntVar] = {}
    for g, group in enumerate(problem.work_groups):
        members = [y[s, g] for s in range(S) if (s, g) in y]
        if not members:
            model.add(runs[g] == 0)
        else:
            model.add_max_equality(runs[g], members)
            model.add(sum(members) >= group.min_schools).only_enforce_if(
                runs[g],
                literal(
                    ("min", g),
                    f"{group.id}'s minimum of {group.min_schools} schools",
                    f"lower {group.id}'s min_schools",
                ),
            )
            if len(members) > group.max_schools:
                model.add(sum(members) <= group.max_schools).only_enforce_if(
                    literal(
                        ("max", g),
                        f"{group.id}'s maximum of {group.max_schools} schools",
                        f"raise {group.id}'s max_schools",
                    )
                )
        for p in elig.group_leads[g]:
            leads[g, p] = model.new_bool_var(f"lead{g},{p}")
        model.add(sum(leads[g, p] for p in elig.group_leads[g]) == runs[g])
    for p, sp in enumerate(problem.specialists):
        mine = [leads[g, q] for (g, q) in leads if q == p]
        if len(mine) > sp.max_groups:
            model.add(sum(mine) <= sp.max_groups).only_enforce_if(
                literal(
                    ("lead_limit", p),
                    f"{sp.id}'s limit of {sp.max_groups} group(s) to lead",
                    f"raise {sp.id}'s max_groups",
                )
            )
    for pin in problem.pins:
        s = pin.school_idx
        school = problem.schools[s]
        if pin.specialist_idx is not None:
            target = f"specialist {problem.specialists[pin.specialist_idx].id}"
            var = x.get((s, pin.specialist_idx))
        else:
            target = f"group {problem.work_groups[pin.group_idx].id}"  # type: ignore[index]
            var = y.get((s, pin.group_idx))  # type: ignore[arg-type]
        lit = literal(
            ("pin", pin.index),
            f"{pin.source or f'pin {pin.index + 1}'} (school {school.urn} with {target})",
            "unlock the row" if pin.source else "remove or change the pin",
        )
        model.add(placed[s] == 1).only_enforce_if(lit)
        if var is None:
            model.add_bool_or([lit.Not()])  # the pair breaks a rule that cannot be relaxed
        else:
            model.add(var == 1).only_enforce_if(lit)

    order = sorted(literals.items(), key=lambda kv: (kv[0][0] == "pin", kv[0]))
    assumptions = [lit for _, lit in order]
    core = _infeasible_core(model, assumptions, time_limit_s)
    if core is None:
        return []
    # Deletion: try dropping each element (non-pins first); keep it only if needed.
    needed = list(core)
    for lit in list(core):
        trial = [other for other in needed if other.index != lit.index]
        smaller = _infeasible_core(model, trial, time_limit_s)
        if smaller is not None:
            keep = {v.index for v in smaller}
            needed = [v for v in trial if v.index in keep]
    return [requirements[lit.index] for lit in needed]


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
