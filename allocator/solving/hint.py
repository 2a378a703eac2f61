"""A warm start for re-runs: the previous run's placements as a CP-SAT hint."""

from __future__ import annotations

from collections import Counter

from allocator.problem.data import ProblemData
from allocator.problem.eligibility import Eligibility
from allocator.solving.solution import Allocation


def previous_hint(problem: ProblemData, elig: Eligibility) -> Allocation | None:
    """The previous placements that still exist, each running group with a possible lead.

    A hint need not be valid (CP-SAT repairs it); it only starts the search close to
    the previous allocation. None when there is no previous run.
    """
    if problem.previous is None:
        return None
    school_specialist: list[int | None] = [None] * problem.num_schools
    school_group: list[int | None] = [None] * problem.num_schools
    for s, p, g in elig.keep_targets:
        school_specialist[s], school_group[s] = p, g
    group_lead: list[int | None] = [None] * problem.num_groups
    leading: Counter[int] = Counter()
    for g in sorted({g for g in school_group if g is not None}):
        for p in elig.group_leads[g]:
            if leading[p] < problem.specialists[p].max_groups:
                group_lead[g] = p
                leading[p] += 1
                break
    return Allocation(tuple(school_specialist), tuple(school_group), tuple(group_lead))
