"""Every CP-SAT variable of the allocation model, in sparse dicts keyed by indices."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model, cp_model_helper

from allocator.problem.data import ProblemData
from allocator.problem.eligibility import Eligibility
from allocator.problem.rules import meets_at_chosen_lead


@dataclass
class Variables:
    """Variables exist only for allowed pairs and possible leads.

    placed[s]            school s is placed completely
    support[s, p]        specialist p supports school s
    member[s, g]         school s joins work group g
      (these three families, nearly every variable, as proto indices: `var` wraps one
      where an expression needs it)
    runs[g]              work group g runs
    leads[g, p]          specialist p leads work group g
    venue_member[s, g, p] school s joins group g, which meets at its chosen lead p
    lone[p]              specialist p's development load is exactly 1 (capacity >= 2)
    """

    placed: dict[int, int] = field(default_factory=dict)
    support: dict[tuple[int, int], int] = field(default_factory=dict)
    member: dict[tuple[int, int], int] = field(default_factory=dict)
    runs: dict[int, cp_model.IntVar] = field(default_factory=dict)
    leads: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    # kept[s]: school s is placed exactly as in the previous run (re-runs, `add_kept`);
    # for embedding schools a new variable (both pairs held), else the pair's own. A
    # proto index.
    kept: dict[int, int] = field(default_factory=dict)
    kept_both: set[int] = field(default_factory=set)
    venue_member: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)
    lone: dict[int, cp_model.IntVar] = field(default_factory=dict)
    member2venue: dict[tuple[int, int], list[int]] = field(default_factory=dict)  # (s, g) -> leads
    at_lead_groups: set[int] = field(default_factory=set)  # groups meeting at their chosen lead
    # Lookups by one index, for the constraints.
    school2support: dict[int, list[int]] = field(default_factory=dict)
    specialist2support: dict[int, list[int]] = field(default_factory=dict)
    school2member: dict[int, list[int]] = field(default_factory=dict)
    group2member: dict[int, list[int]] = field(default_factory=dict)
    specialist2leads: dict[int, list[int]] = field(default_factory=dict)
    group2leads: dict[int, list[int]] = field(default_factory=dict)
    halves: dict[int, str] = field(default_factory=dict)  # school -> the one side placing it here
    # Proto indices of the first `placed`, `support` and `member` variable: each family
    # is made in one run, in the order of its dict, so the objective can be written
    # from arrays (`allocator.model.objective`) instead of one variable at a time.
    placed_first: int = 0
    support_first: int = 0
    member_first: int = 0
    proto: cp_model_helper.CpModelProto | None = None

    def var(self, index: int) -> cp_model.IntVar:
        """The variable of a proto index, for an expression."""
        return cp_model.IntVar(self.proto, index)

    @classmethod
    def create(
        cls,
        model: cp_model.CpModel,
        problem: ProblemData,
        eligibility: Eligibility,
        schools: list[int] | None = None,
        groups: list[int] | None = None,
    ) -> Variables:
        """Variables for the given schools and groups (default: all); the eligibility's
        pairs must lie among them (see `allocator.solving.components`)."""
        v = cls.from_pairs(
            model,
            problem,
            _tuples(eligibility.specialist_pairs),
            _tuples(eligibility.group_pairs),
            eligibility.group_leads,
            schools,
            groups,
        )
        v.add_venue_members(model, eligibility.venue_triples.tolist())
        return v

    def add_venue_members(self, model: cp_model.CpModel, triples: Iterable[Sequence[int]]) -> None:
        """`venue_member[s, g, p]` for each (school, group, lead) of a group meeting at its
        chosen lead (only for pairs and leads of this model)."""
        for s, g, p in triples:
            if (s, g) in self.member and (g, p) in self.leads:
                self.venue_member[s, g, p] = model.new_bool_var(f"venue_member[{s},{g},{p}]")
                self.member2venue.setdefault((s, g), []).append(p)

    @classmethod
    def from_pairs(
        cls,
        model: cp_model.CpModel,
        problem: ProblemData,
        specialist_pairs: Iterable[tuple[int, int]],
        group_pairs: Iterable[tuple[int, int]],
        group_leads: Sequence[Sequence[int]],
        schools: list[int] | None = None,
        groups: list[int] | None = None,
    ) -> Variables:
        """Variables for exactly these (school, specialist) and (school, group) pairs and
        these possible leads (the conflict finder adds pairs eligibility rejects)."""
        v, new = cls(proto=model.proto), _bool_maker(model)
        schools = list(range(problem.num_schools)) if schools is None else list(schools)
        sp, sg = list(specialist_pairs), list(group_pairs)
        # The three families in one run each, straight into the proto (a seventh of the
        # time of one `new_bool_var` each: most of a re-solve's model building).
        v.placed_first = first = len(model.proto.variables)
        model.proto.variables.extend([_BOOL] * (len(schools) + len(sp) + len(sg)))
        v.support_first = first + len(schools)
        v.member_first = v.support_first + len(sp)
        v.placed = dict(zip(schools, range(first, v.support_first), strict=True))
        v.support = dict(zip(sp, range(v.support_first, v.member_first), strict=True))
        v.member = dict(zip(sg, range(v.member_first, v.member_first + len(sg)), strict=True))
        for s in schools:
            v.school2support[s] = []
            v.school2member[s] = []
        for s, p in sp:
            v.school2support[s].append(p)
            v.specialist2support.setdefault(p, []).append(s)
        for s, g in sg:
            v.school2member[s].append(g)
            v.group2member.setdefault(g, []).append(s)
        for g in range(problem.num_groups) if groups is None else groups:
            v.runs[g] = new(f"runs[{g}]")
            if meets_at_chosen_lead(problem.work_groups[g]):
                v.at_lead_groups.add(g)
            v.group2leads[g] = list(group_leads[g])
            for p in group_leads[g]:
                v.leads[g, p] = new(f"leads[{g},{p}]")
                v.specialist2leads.setdefault(p, []).append(g)
        return v


def _tuples(pairs: np.ndarray) -> list[tuple[int, int]]:
    """An eligibility's (k, 2) pairs as tuples (the dict keys), made column by column."""
    return list(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), strict=True)) if len(pairs) else []


_BOOL = cp_model_helper.IntegerVariableProto()
_BOOL.domain.extend([0, 1])


def _bool_maker(model: cp_model.CpModel) -> Callable[[str], cp_model.IntVar]:
    """`model.new_bool_var`, less its new `Domain` per call (runs and leads)."""
    proto, zero_one = model.proto, cp_model.Domain(0, 1)

    def new(name: str) -> cp_model.IntVar:
        return cp_model.IntVar(proto).with_name(name).with_domain(zero_one)

    return new


def add_kept(model: cp_model.CpModel, eligibility: Eligibility, v: Variables) -> None:
    """`kept[s]` for each school of this model that could be placed as before.

    Development: the support variable of its previous specialist; sustaining: the member
    variable of its previous group; embedding: a new variable equal to both held (exactly,
    so that the solver's objective always equals the checker's). Nothing when the `keep`
    weight is 0 or a previous pair is no longer allowed.
    """
    if eligibility.keep_value == 0:
        return
    for s, p, g in eligibility.keep_targets:
        if s not in v.placed or s in v.halves:
            continue  # another part's school, or one placed here by one side alone
        found = []
        if p is not None:
            found.append(v.support.get((s, p)))
        if g is not None:
            found.append(v.member.get((s, g)))
        pairs = [index for index in found if index is not None]
        if not pairs or len(pairs) < len(found):
            continue
        if len(pairs) == 1:
            v.kept[s] = pairs[0]
            continue
        both = model.new_bool_var(f"kept[{s}]")
        for index in pairs:
            model.add_implication(both, v.var(index))
        model.add_bool_or([both, *(v.var(index).Not() for index in pairs)])
        v.kept[s] = both.index
        v.kept_both.add(s)
