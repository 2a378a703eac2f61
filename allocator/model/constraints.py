"""One function per SPEC rule. Each adds its constraints to the model; call order is in cpmodel."""

from __future__ import annotations

from ortools.sat.python import cp_model

from allocator.model.variables import Variables
from allocator.problem.data import ProblemData
from allocator.problem.eligibility import Eligibility


def add_whole_placement(model: cp_model.CpModel, problem: ProblemData, v: Variables) -> None:
    """Rule 1: a school gets exactly what its stage needs, or nothing.

    development: one specialist; embedding: one specialist and one group;
    sustaining: one group.
    """
    for s in v.placed:
        school = problem.schools[s]
        if school.stage in ("development", "embedding"):
            model.add(sum(v.support[s, p] for p in v.school2support[s]) == v.placed[s])
        if school.stage in ("embedding", "sustaining"):
            model.add(sum(v.member[s, g] for g in v.school2member[s]) == v.placed[s])


def add_specialist_capacity(model: cp_model.CpModel, problem: ProblemData, v: Variables) -> None:
    """Rule 2: at most `capacity` development and `embedding_capacity` embedding schools."""
    for p, schools in v.specialist2support.items():
        specialist = problem.specialists[p]
        for stage, capacity in (
            ("development", specialist.capacity),
            ("embedding", specialist.embedding_capacity),
        ):
            supported = [v.support[s, p] for s in schools if problem.schools[s].stage == stage]
            if len(supported) > capacity:
                model.add(sum(supported) <= capacity)


def add_group_size_and_lead(model: cp_model.CpModel, problem: ProblemData, v: Variables) -> None:
    """Rule 3: a group with any school runs, with min..max schools and exactly one lead."""
    for g in v.runs:
        group = problem.work_groups[g]
        members = [v.member[s, g] for s in v.group2member.get(g, [])]
        size = sum(members)
        runs = v.runs[g]
        if not members:
            model.add(runs == 0)
        else:
            model.add(size <= group.max_schools * runs)
            model.add(size >= group.min_schools * runs)
            model.add_bool_or(members).only_enforce_if(runs)  # runs only with a school
        model.add(sum(v.leads[g, p] for p in v.group2leads[g]) == runs)


def add_lead_limit(model: cp_model.CpModel, problem: ProblemData, v: Variables) -> None:
    """Rule 3: a specialist leads at most `max_groups` running groups."""
    for p, groups in v.specialist2leads.items():
        limit = problem.specialists[p].max_groups
        if len(groups) > limit:
            model.add(sum(v.leads[g, p] for g in groups) <= limit)


def add_pins(model: cp_model.CpModel, problem: ProblemData, v: Variables) -> None:
    """Rule 4: a pinned school is placed completely, with that specialist or in that group.

    A pin on a pair without a variable (not allowed) makes the model infeasible, which is
    what SPEC asks; `explain` names such pins before solving. Forbidden pairs have no
    variable at all (eligibility).
    """
    for pin in problem.pins:
        if pin.school_idx not in v.placed:
            continue  # another component's pin
        model.add(v.placed[pin.school_idx] == 1)
        if pin.specialist_idx is not None:
            var = v.support.get((pin.school_idx, pin.specialist_idx))
            model.add(var == 1) if var is not None else model.add_bool_or([])
        if pin.group_idx is not None:
            var = v.member.get((pin.school_idx, pin.group_idx))
            model.add(var == 1) if var is not None else model.add_bool_or([])


def add_all(model: cp_model.CpModel, problem: ProblemData, eligibility: Eligibility, v: Variables) -> None:
    """Every rule, in SPEC order."""
    add_whole_placement(model, problem, v)
    add_specialist_capacity(model, problem, v)
    add_group_size_and_lead(model, problem, v)
    add_lead_limit(model, problem, v)
    add_pins(model, problem, v)
