"""Builds the CP-SAT model from `ProblemData` and reads an `Allocation` back."""

from __future__ import annotations

import numpy as np
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
                self.model.add(self.vars.var(self.vars.placed[s]) == 1)

    def prefer_placed(self, school_indices: tuple[int, ...], avoided: tuple[int, ...] = ()) -> int:
        """Among the optima, prefer those placing more of these schools and fewer of
        `avoided`: the objective becomes the SPEC objective times the returned weight,
        plus the number of the first placed, less the number of the second placed
        (`objective.prefer_placed`)."""
        return objective.prefer_placed(self.model, self.eligibility, self.vars, school_indices, avoided)

    def fix_objective(self, value: int) -> None:
        """Drop the objective (the SPEC objective, or `prefer_placed`'s) and require it to
        reach `value`, the proven optimum, so to equal it (for the canonical pass of
        deterministic mode). Written `>=`: the same allocations, and a pass after it
        finds what it looks for sooner (demo recommendations' closest-optimum passes: 1
        move instead of 3 within the 1 s limit)."""
        objective.require_at_least(self.model, value)

    def closest_optimum(
        self, value: int | None, base: Allocation, ignore: tuple[int, ...] = ()
    ) -> tuple[list[int], list[int]]:
        """Among the optima, prefer the one changing fewest schools' placements from
        `base` (a school placed elsewhere, newly placed or unplaced counts once; `ignore`
        not at all); `value`: the proven optimum, which the SPEC objective must reach.
        Returns the SPEC objective's terms (proto indices, coefficients).

        The objective maximised is the SPEC objective times (n + 1) less the changes, n
        the schools that could change: any allocation of a larger SPEC objective scores
        more, so its optimum is an optimum of the SPEC objective with the fewest changes.
        Given `value`, the SPEC objective stays in it as well as in the constraint: one
        search then proves the fewest changes where minimising the changes alone, under
        the constraint, stalled (on national-tight's first 150 pin recommendations, 219
        changes in all, each proven, in 4.2 s, against 565 in 5.0 s by time-limited
        passes minimising the changes alone); without it, one search finds the optimum
        and its closest allocation together (4.1 s against 8.7 s for a search and then a
        pass; BENCHMARKS.md, "Sixth session")."""
        spec = objective.maximised(self.model)
        if value is not None:
            objective.require_at_least(self.model, value)
        count = self._minimise_changes(base, ignore)
        objective.weigh_above(self.model, spec, count + 1)
        return spec

    def _minimise_changes(self, base: Allocation, ignore: tuple[int, ...]) -> int:
        """Make the objective the number of schools whose placement differs from `base`
        (see `closest_optimum`), minimised; return how many schools could count."""
        v, changed = self.vars, []
        for s in v.placed:
            if s in ignore:
                continue
            was = (base.school_specialist[s], base.school_group[s])
            if was == (None, None):
                changed.append(v.var(v.placed[s]))  # newly placed
                continue
            held = [v.support.get((s, was[0])) if was[0] is not None else None]
            held.append(v.member.get((s, was[1])) if was[1] is not None else None)
            if any(index is None for index, where in zip(held, was, strict=True) if where is not None):
                changed.append(1)  # type: ignore[arg-type]  # its old pair is gone: always changed
                continue
            same = self.model.new_bool_var(f"same[{s}]")
            for index in held:
                if index is not None:
                    self.model.add_implication(same, v.var(index))
            changed.append(1 - same)  # type: ignore[arg-type]
        self.model.minimize(sum(changed))
        return len(changed)

    def add_hint(self, allocation: Allocation) -> None:
        """Warm start from an allocation (unknown pairs are ignored). Written into the
        proto at once, as `CpModel.add_hint` writes it one variable at a time; the
        placed, support and member variables (nearly all) from arrays."""
        v = self.vars
        specialist, group = _codes(allocation.school_specialist), _codes(allocation.school_group)
        schools = np.fromiter(v.placed, dtype=np.int64, count=len(v.placed))
        indices = [np.arange(v.placed_first, v.placed_first + len(schools), dtype=np.int64)]
        values = [(specialist[schools] >= 0) | (group[schools] >= 0)]
        for first, pairs, held_by in (
            (v.support_first, self.eligibility.specialist_pairs, specialist),
            (v.member_first, self.eligibility.group_pairs, group),
        ):  # the families `Variables.create` made from these pairs, in their order
            indices.append(np.arange(first, first + len(pairs), dtype=np.int64))
            values.append(held_by[pairs[:, 0]] == pairs[:, 1] if len(pairs) else np.zeros(0, dtype=bool))
        rest: list[tuple[int, bool]] = [(v.runs[g].index, allocation.group_lead[g] is not None) for g in v.runs]
        rest += [(var.index, allocation.group_lead[g] == p) for (g, p), var in v.leads.items()]
        for school, was_with, was_in in self.eligibility.keep_targets:
            if school in v.kept_both:  # the others are pair variables, hinted above
                held = allocation.school_specialist[school] == was_with and allocation.school_group[school] == was_in
                rest.append((v.kept[school], held))
        hint = self.model.proto.solution_hint
        hint.vars.extend(np.concatenate(indices).tolist() + [index for index, _ in rest])
        hint.values.extend(np.concatenate(values).astype(np.int64).tolist() + [int(value) for _, value in rest])

    def read(self, solver: cp_model.CpSolver) -> Allocation:
        """The allocation of the solver's solution (support, member and lead variables
        set to 1)."""
        v = self.vars
        solution = np.asarray(solver.response_proto.solution, dtype=np.int64)
        school_specialist: list[int | None] = [None] * self.problem.num_schools
        school_group: list[int | None] = [None] * self.problem.num_schools
        group_lead: list[int | None] = [None] * self.problem.num_groups
        for first, pairs, out in (
            (v.support_first, self.eligibility.specialist_pairs, school_specialist),
            (v.member_first, self.eligibility.group_pairs, school_group),
        ):
            chosen = pairs[np.flatnonzero(solution[first : first + len(pairs)])]
            for s, t in chosen.tolist():
                out[s] = t
        for (g, p), var in v.leads.items():
            if solution[var.index]:
                group_lead[g] = p
        return Allocation(tuple(school_specialist), tuple(school_group), tuple(group_lead))


def _codes(choices: tuple[int | None, ...]) -> np.ndarray:
    """Each school's specialist or group index, -1 for none."""
    return np.array([-1 if c is None else c for c in choices], dtype=np.int64)
