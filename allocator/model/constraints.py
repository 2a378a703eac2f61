"""One function per SPEC rule. Each adds its constraints to the model; call order is in cpmodel.

Every function takes an optional `switch`: the conflict finder (`allocator.diagnose.conflicts`)
passes one that maps a requirement a hub lead could change (a capacity, a group's size
limits, a lead limit, a pin, ...) to an assumption literal, and the constraint then holds
only while that literal is true. The allocation model passes none: every rule holds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ortools.sat.python import cp_model

from allocator.model.variables import Variables
from allocator.problem.data import SUPPORTED_STAGES, ProblemData, Stage
from allocator.problem.eligibility import Eligibility
from allocator.problem.rules import may_be_lone

RequirementKey = tuple[str | int, ...]
Switch = Callable[[RequirementKey], cp_model.IntVar]
"""Maps a requirement's key, e.g. ``("capacity", p, "development")``, to its literal."""


def _switched(
    constraint: cp_model.Constraint, switch: Switch | None, key: RequirementKey, *also: cp_model.IntVar
) -> None:
    """Enforce `constraint` only while `also` and the requirement's switch (if any) hold."""
    literals = list(also)
    if switch is not None:
        literals.append(switch(key))
    if literals:
        constraint.only_enforce_if(literals)


def _add_linear(model: cp_model.CpModel, terms: list[tuple[int, int]], lo: int, hi: int) -> None:
    """sum(coef · variable) within [lo, hi], the variables by proto index, written into
    the proto as `CpModel.add` writes it (the variables in index order; a lone negated
    variable turned round), without building the expression in Python: the placement
    and capacity rows are most of a model's constraints (the same proto, checked on
    every part of the national benchmarks)."""
    if len(terms) == 1 and terms[0][1] == -1:  # -x in [lo, hi]: written x in [-hi, -lo]
        terms, lo, hi = [(terms[0][0], 1)], -hi, -lo
    indexed = sorted(terms)
    linear = model.proto.constraints.add().linear
    linear.vars.extend([index for index, _ in indexed])
    linear.coeffs.extend([coef for _, coef in indexed])
    linear.domain.extend([lo, hi])


def _add_sum(model: cp_model.CpModel, plus: list[int], minus: int | None, lo: int, hi: int) -> None:
    """sum(plus) - minus within [lo, hi], by proto indices (`_add_linear`)."""
    _add_linear(model, [(index, 1) for index in plus] + ([(minus, -1)] if minus is not None else []), lo, hi)


def add_whole_placement(model: cp_model.CpModel, problem: ProblemData, v: Variables) -> None:
    """Rule 1: a school gets exactly what its stage needs, or nothing.

    development: one specialist; embedding: one specialist and one group;
    sustaining: one group.
    """
    for s in v.placed:
        stage = Stage(problem.schools[s].stage)
        side = v.halves.get(s)
        if side is not None:  # placed here by this side alone (its other is in another part)
            pairs = v.school2support[s] if side == "specialist" else v.school2member[s]
            variables = v.support if side == "specialist" else v.member
            _add_sum(model, [variables[s, t] for t in pairs], v.placed[s], 0, 0)
            continue
        if stage is Stage.DEVELOPMENT:
            # One specialist or one development group, never both (eligibility offers a
            # development school development groups only).
            supports = [v.support[s, p] for p in v.school2support[s]]
            members = [v.member[s, g] for g in v.school2member[s]]
            _add_sum(model, supports + members, v.placed[s], 0, 0)
            continue
        if stage.needs_specialist:
            _add_sum(model, [v.support[s, p] for p in v.school2support[s]], v.placed[s], 0, 0)
        if stage.needs_group:
            _add_sum(model, [v.member[s, g] for g in v.school2member[s]], v.placed[s], 0, 0)


def add_specialist_capacity(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, switch: Switch | None = None
) -> None:
    """Rule 2: at most `capacity` development and `embedding_capacity` embedding schools."""
    for p, schools in v.specialist2support.items():
        specialist = problem.specialists[p]
        for stage in SUPPORTED_STAGES:
            capacity = specialist.capacity_for(stage)
            supported = [v.support[s, p] for s in schools if problem.schools[s].stage == stage]
            if len(supported) <= capacity:
                continue
            if switch is None:
                _add_sum(model, supported, None, cp_model.INT_MIN, capacity)
            else:
                at_most = sum(v.var(index) for index in supported) <= capacity
                _switched(model.add(at_most), switch, ("capacity", p, stage.value))


def add_group_size_and_lead(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, switch: Switch | None = None
) -> None:
    """Rule 3: a group with any school runs, with min..max schools and exactly one lead."""
    for g in v.runs:
        group = problem.work_groups[g]
        members = [v.var(v.member[s, g]) for s in v.group2member.get(g, [])]
        size = sum(members)
        runs = v.runs[g]
        if not members:
            model.add(runs == 0)
        else:
            if switch is not None and len(members) > group.max_schools:
                # Any school makes the group run whether or not the maximum holds.
                model.add(size <= len(members) * runs)
                _switched(model.add(size <= group.max_schools), switch, ("max", g))
            else:
                model.add(size <= group.max_schools * runs)
            _switched(model.add(size >= group.min_schools * runs), switch, ("min", g))
            model.add_bool_or(members).only_enforce_if(runs)  # runs only with a school
        model.add(sum(v.leads[g, p] for p in v.group2leads[g]) == runs)


def add_lead_limit(model: cp_model.CpModel, problem: ProblemData, v: Variables, switch: Switch | None = None) -> None:
    """Rule 3: a specialist leads at most `max_groups` running groups."""
    for p, groups in v.specialist2leads.items():
        limit = problem.specialists[p].max_groups
        if len(groups) > limit:
            _switched(model.add(sum(v.leads[g, p] for g in groups) <= limit), switch, ("lead_limit", p))


def add_pins(model: cp_model.CpModel, problem: ProblemData, v: Variables, switch: Switch | None = None) -> None:
    """Rule 4: a pinned school is placed completely, with that specialist or in that group.

    A pin on a pair without a variable (not allowed) makes the model infeasible, which is
    what SPEC asks; `explain` names such pins before solving. Forbidden pairs have no
    variable at all (eligibility).
    """
    for pin in problem.pins:
        if pin.school_idx not in v.placed:
            continue  # another component's pin
        key = ("pin", pin.index)
        _switched(model.add(v.var(v.placed[pin.school_idx]) == 1), switch, key)
        targets = []
        if pin.specialist_idx is not None:
            targets.append(v.support.get((pin.school_idx, pin.specialist_idx)))
        if pin.group_idx is not None:
            targets.append(v.member.get((pin.school_idx, pin.group_idx)))
        for index in targets:
            _switched(model.add(v.var(index) == 1) if index is not None else model.add_bool_or([]), switch, key)


def add_pair_bans(
    model: cp_model.CpModel,
    v: Variables,
    bans: Mapping[tuple[str, int, int], Sequence[RequirementKey]],
    switch: Switch,
) -> None:
    """Allowed pairs: a pair that a switchable rule rejects (travel, hub, a forbid) is not
    used while that rule's switch is on.

    The allocation model needs none of this: eligibility gives such pairs no variable.
    `bans` maps ``("support", s, p)`` / ``("member", s, g)`` to the rules that reject it.
    """
    for (kind, s, other), keys in bans.items():
        var = v.var(v.support[s, other] if kind == "support" else v.member[s, other])
        for key in keys:
            _switched(model.add(var == 0), switch, key)


def add_venue_at_lead(model: cp_model.CpModel, v: Variables) -> None:
    """A group meeting at its chosen lead: each member meets at exactly the lead chosen,
    and only at a lead within its travel limit (`venue_member` exists only for those)."""
    for (s, g), index in v.member.items():
        leads = v.member2venue.get((s, g))
        if leads is None:
            if g in v.at_lead_groups:
                model.add(v.var(index) == 0)  # no possible lead within the school's limit
            continue
        model.add(sum(v.venue_member[s, g, p] for p in leads) == v.var(index))
        for p in leads:
            model.add_implication(v.venue_member[s, g, p], v.leads[g, p])


def add_development_pairs(
    model: cp_model.CpModel,
    problem: ProblemData,
    v: Variables,
    whole_pairs: bool,
    switch: Switch | None = None,
    lone_department: int = 1,
) -> None:
    """`lone[p]` is 1 exactly when specialist p (available, development capacity >= 2) has
    a development load of 1; with `whole_pairs` that load is not allowed.

    Exact both ways (not only forced up by the objective), so that any solution's
    objective equals the checker's: load = lone + 2·pair + more, lone + pair <= 1 and
    0 <= more <= (n-2)·pair, n being the most development schools they could take: the
    number that could be placed with them, and with rule 2 in force (no `switch`) their
    capacity too (load 1 is lone; 2 or more a pair). The capacity matters: with `more`
    bounded only by the schools, the LP relaxation makes a load of 2 from half a pair
    and one `more`, and so never sees that an odd number of development schools needs a
    lone department; a capacity-2 specialist has no `more` at all. Of the formulations
    measured on the national benchmark this one proves parts fastest (BENCHMARKS.md).
    Nothing is added when `lone_department` is 0 and `whole_pairs` is off.
    """
    if lone_department == 0 and not whole_pairs:
        return  # the term costs nothing and no rule needs it
    pairs = []
    for p, schools in v.specialist2support.items():
        specialist = problem.specialists[p]
        if not may_be_lone(specialist):
            continue
        supported = [v.support[s, p] for s in schools if problem.schools[s].stage == Stage.DEVELOPMENT]
        if not supported:
            continue
        load = [(index, 1) for index in supported]
        # The conflict finder switches rule 2 off, so there the number of possible
        # schools alone bounds the load.
        n = len(supported) if switch is not None else min(len(supported), specialist.capacity)
        lone = model.new_bool_var(f"lone[{p}]")
        if n < 2:
            # lone == load: one school at most
            _add_linear(model, [(lone.index, 1), *((index, -1) for index in supported)], 0, 0)
        else:
            # load = lone + 2·pair + more, with `more` (a third school on) only in a pair.
            pair = model.new_bool_var(f"pair[{p}]")
            pairs.append(pair)
            model.add(lone + pair <= 1)
            if n > 2:
                more = model.new_int_var(0, n - 2, f"more[{p}]")
                model.add(more <= (n - 2) * pair)
                _add_linear(model, [*load, (lone.index, -1), (pair.index, -2), (more.index, -1)], 0, 0)
            else:
                _add_linear(model, [*load, (lone.index, -1), (pair.index, -2)], 0, 0)
        v.lone[p] = lone
        if whole_pairs:
            _switched(model.add(lone == 0), switch, ("whole_pairs",))
    if len(pairs) > 1:
        # The number of pairs as one integer: the sum of the loads less the lone and
        # `more` schools is twice it, and from that one row the search derives that an
        # odd number of development schools leaves a lone department or a third school
        # (national what-ifs: parts proven in 0.05-1.6 s that took 1-8 s or more).
        model.add(model.new_int_var(0, len(pairs), "pairs") == sum(pairs))


def add_all(model: cp_model.CpModel, problem: ProblemData, eligibility: Eligibility, v: Variables) -> None:
    """Every rule, in SPEC order."""
    add_whole_placement(model, problem, v)
    add_specialist_capacity(model, problem, v)
    add_group_size_and_lead(model, problem, v)
    add_lead_limit(model, problem, v)
    add_venue_at_lead(model, v)
    add_development_pairs(model, problem, v, eligibility.whole_pairs, lone_department=eligibility.lone_department)
    add_pins(model, problem, v)
