"""Every CP-SAT variable of the allocation model, in sparse dicts keyed by indices."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from allocator.problem.data import ProblemData
from allocator.problem.eligibility import Eligibility
from allocator.problem.rules import meets_at_chosen_lead


@dataclass
class Variables:
    """Variables exist only for allowed pairs and possible leads.

    placed[s]            school s is placed completely
    support[s, p]        specialist p supports school s
    member[s, g]         school s joins work group g
    runs[g]              work group g runs
    leads[g, p]          specialist p leads work group g
    venue_member[s, g, p] school s joins group g, which meets at its chosen lead p
    lone[p]              specialist p's development load is exactly 1 (capacity >= 2)
    """

    placed: dict[int, cp_model.IntVar] = field(default_factory=dict)
    support: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    member: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    runs: dict[int, cp_model.IntVar] = field(default_factory=dict)
    leads: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    # kept[s]: school s is placed exactly as in the previous run (re-runs, `add_kept`);
    # for embedding schools a new variable (both pairs held), else the pair's own.
    kept: dict[int, cp_model.IntVar] = field(default_factory=dict)
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
            eligibility.specialist_pairs.tolist(),
            eligibility.group_pairs.tolist(),
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
        specialist_pairs: Iterable[Sequence[int]],
        group_pairs: Iterable[Sequence[int]],
        group_leads: Sequence[Sequence[int]],
        schools: list[int] | None = None,
        groups: list[int] | None = None,
    ) -> Variables:
        """Variables for exactly these (school, specialist) and (school, group) pairs and
        these possible leads (the conflict finder adds pairs eligibility rejects)."""
        v, new = cls(), _bool_maker(model)
        v.placed_first = len(model.proto.variables)
        for s in range(problem.num_schools) if schools is None else schools:
            v.placed[s] = new(f"placed[{s}]")
            v.school2support[s] = []
            v.school2member[s] = []
        v.support_first = len(model.proto.variables)
        for s, p in specialist_pairs:
            v.support[s, p] = new(f"support[{s},{p}]")
            v.school2support[s].append(p)
            v.specialist2support.setdefault(p, []).append(s)
        v.member_first = len(model.proto.variables)
        for s, g in group_pairs:
            v.member[s, g] = new(f"member[{s},{g}]")
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


def _bool_maker(model: cp_model.CpModel) -> Callable[[str], cp_model.IntVar]:
    """`model.new_bool_var`, less its new `Domain` per call: a national re-solve creates
    some 400,000 variables, and this is a third faster."""
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
        pairs = []
        if p is not None:
            pairs.append(v.support.get((s, p)))
        if g is not None:
            pairs.append(v.member.get((s, g)))
        if not pairs or any(var is None for var in pairs):
            continue
        if len(pairs) == 1:
            v.kept[s] = pairs[0]  # type: ignore[assignment]
            continue
        both = model.new_bool_var(f"kept[{s}]")
        for var in pairs:
            model.add_implication(both, var)  # type: ignore[arg-type]
        model.add_bool_or([both, *(var.Not() for var in pairs)])  # type: ignore[union-attr]
        v.kept[s] = both
        v.kept_both.add(s)
