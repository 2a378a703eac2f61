"""Builds the CP-SAT model from `ProblemData` and reads an `Allocation` back."""

from __future__ import annotations

from ortools.sat.python import cp_model

from allocator.model import constraints, objective
from allocator.model.variables import Variables, add_kept
from allocator.problem.data import ProblemData
from allocator.problem.eligibility import Eligibility
from allocator.solving.solution import Allocation


class AllocationModel:
    """The CP-SAT model of one scenario."""

    def __init__(
        self,
        problem: ProblemData,
        eligibility: Eligibility,
        schools: list[int] | None = None,
        groups: list[int] | None = None,
        halves: tuple[tuple[int, str], ...] = (),
    ):
        """`halves`: schools placed in this model by one side of their stage alone
        (`allocator.solving.components.Component.halves`)."""
        self.problem = problem
        self.eligibility = eligibility
        self.model = cp_model.CpModel()
        self.vars = Variables.create(self.model, problem, eligibility, schools, groups)
        self.vars.halves = dict(halves)
        add_kept(self.model, eligibility, self.vars)
        constraints.add_all(self.model, problem, eligibility, self.vars)
        objective.set_objective(self.model, eligibility, self.vars)

    def require_placed(self, school_indices: tuple[int, ...]) -> None:
        """Every one of these schools must be placed (what-if explanations)."""
        for s in school_indices:
            if s in self.vars.placed:
                self.model.add(self.vars.placed[s] == 1)

    def fix_objective(self, value: int) -> None:
        """Drop the objective and require it to reach `value`, the proven optimum, so to
        equal it (for the canonical pass and the closest optimum). Written `>=`: the same
        allocations, and the closest-optimum pass finds fewer changes in its time (demo
        recommendations: 1 move instead of 3 within the 1 s limit)."""
        self.model.clear_objective()
        objective.require_at_least(self.model, self.eligibility, self.vars, value)

    def minimise_changes(self, base: Allocation, ignore: tuple[int, ...] = ()) -> None:
        """Replace the objective: change as few schools' placements from `base` as possible
        (a school placed elsewhere, newly placed or unplaced counts once; `ignore` not at
        all). Call after `fix_objective`, to pick the optimum closest to `base`."""
        v, changed = self.vars, []
        for s in v.placed:
            if s in ignore:
                continue
            was = (base.school_specialist[s], base.school_group[s])
            if was == (None, None):
                changed.append(v.placed[s])  # newly placed
                continue
            held = [v.support.get((s, was[0])) if was[0] is not None else None]
            held.append(v.member.get((s, was[1])) if was[1] is not None else None)
            if any(var is None for var, where in zip(held, was, strict=True) if where is not None):
                changed.append(1)  # type: ignore[arg-type]  # its old pair is gone: always changed
                continue
            same = self.model.new_bool_var(f"same[{s}]")
            for var in held:
                if var is not None:
                    self.model.add_implication(same, var)
            changed.append(1 - same)  # type: ignore[arg-type]
        self.model.minimize(sum(changed))

    def add_hint(self, allocation: Allocation) -> None:
        """Warm start from an allocation (unknown pairs are ignored). Written into the
        proto at once, as `CpModel.add_hint` writes it one variable at a time."""
        v = self.vars
        hints: list[tuple[cp_model.IntVar, bool]] = []
        for s in v.placed:
            sp, grp = allocation.school_specialist[s], allocation.school_group[s]
            hints.append((v.placed[s], sp is not None or grp is not None))
            hints += [(v.support[s, p], p == sp) for p in v.school2support[s]]
            hints += [(v.member[s, g], g == grp) for g in v.school2member[s]]
        hints += [(v.runs[g], allocation.group_lead[g] is not None) for g in v.runs]
        hints += [(var, allocation.group_lead[g] == p) for (g, p), var in v.leads.items()]
        for school, was_with, was_in in self.eligibility.keep_targets:
            if school in v.kept_both:  # the others are pair variables, hinted above
                held = allocation.school_specialist[school] == was_with and allocation.school_group[school] == was_in
                hints.append((v.kept[school], held))
        proto = self.model.proto.solution_hint
        proto.vars.extend([var.index for var, _ in hints])
        proto.values.extend([int(value) for _, value in hints])

    def read(self, value) -> Allocation:  # value: a callable var -> int (solver or callback)
        """The allocation of the current solution; `value` is `solver.value` or a callback's."""
        v = self.vars
        school_specialist: list[int | None] = [None] * self.problem.num_schools
        school_group: list[int | None] = [None] * self.problem.num_schools
        group_lead: list[int | None] = [None] * self.problem.num_groups
        for (s, p), var in v.support.items():
            if value(var):
                school_specialist[s] = p
        for (s, g), var in v.member.items():
            if value(var):
                school_group[s] = g
        for (g, p), var in v.leads.items():
            if value(var):
                group_lead[g] = p
        return Allocation(tuple(school_specialist), tuple(school_group), tuple(group_lead))
