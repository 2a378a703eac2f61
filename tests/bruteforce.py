"""Exhaustive optimum of a tiny problem, judged by the independent checker.

Every allocation is enumerated: each school unplaced or given any specialist
and/or group its stage needs, and each running group any lead. The checker
decides validity and the objective. The only pruning drops choices the
checker would reject whatever the other schools do:

- a school-specialist or school-group pair, or a lead, that the checker's own
  pair functions reject (they depend on that pair alone);
- a partial allocation already over a capacity or a group's `max_schools`
  (counts only grow as schools are added);
- a complete one with a running group below `min_schools`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from allocator.check import (
    CheckReport,
    check_allocation,
    group_pair_problems,
    lead_problems,
    specialist_pair_problems,
)
from allocator.problem.data import ProblemData
from allocator.solving.solution import Allocation

Option = tuple[int | None, int | None]  # (specialist_idx, group_idx)


def school_options(problem: ProblemData, school_idx: int) -> list[Option]:
    """Unplaced, or every allowed specialist/group combination the school's stage needs."""
    stage = problem.schools[school_idx].stage
    specialists = [j for j in range(problem.num_specialists) if not specialist_pair_problems(problem, school_idx, j)]
    # Development schools join development groups, the others work groups (rule 1); a
    # group meeting at its chosen lead has its venue distance checked with the lead.
    groups = [
        g
        for g in range(problem.num_groups)
        if not group_pair_problems(problem, school_idx, g)
        and (problem.work_groups[g].stage == "development") == (stage == "development")
    ]
    options: list[Option] = [(None, None)]
    if stage == "development":
        options += [(j, None) for j in specialists] + [(None, g) for g in groups]
    elif stage == "embedding":
        options += [(j, g) for j in specialists for g in groups]
    elif stage == "sustaining":
        options += [(None, g) for g in groups]
    return options


def brute_force_optimum(problem: ProblemData) -> int | None:
    """The best objective over all valid allocations, or None when there is none.

    Without pins the empty allocation is valid, so None means the pins make the
    rules impossible. The objective is the checker's, so in a re-run (a problem with
    `previous`) it includes the `keep` term.
    """
    return brute_force_best(problem, lambda report, _: report.objective)


def brute_force_best(problem: ProblemData, score: Callable[[CheckReport, Allocation], int]) -> int | None:
    """The best `score` of the checker's report and the allocation over all valid
    allocations (None: none)."""
    options = [school_options(problem, i) for i in range(problem.num_schools)]
    leads = [
        [j for j in range(problem.num_specialists) if not lead_problems(problem, g, j)]
        for g in range(problem.num_groups)
    ]
    best: int | None = None

    def over_limits(chosen: list[Option]) -> bool:
        development = [0] * problem.num_specialists
        embedding = [0] * problem.num_specialists
        sizes = [0] * problem.num_groups
        for i, (s, g) in enumerate(chosen):
            if s is not None and problem.schools[i].stage == "development":
                development[s] += 1
            if s is not None and problem.schools[i].stage == "embedding":
                embedding[s] += 1
            if g is not None:
                sizes[g] += 1
        return (
            any(n > spec.capacity for n, spec in zip(development, problem.specialists, strict=True))
            or any(n > spec.embedding_capacity for n, spec in zip(embedding, problem.specialists, strict=True))
            or any(n > grp.max_schools for n, grp in zip(sizes, problem.work_groups, strict=True))
        )

    def evaluate(chosen: list[Option]) -> None:
        nonlocal best
        sizes = [sum(1 for _, h in chosen if h == g) for g in range(problem.num_groups)]
        running = [g for g in range(problem.num_groups) if sizes[g] > 0]
        if any(sizes[g] < problem.work_groups[g].min_schools for g in running):
            return
        school_specialist = tuple(s for s, _ in chosen)
        school_group = tuple(h for _, h in chosen)
        for lead_choice in itertools.product(*(leads[g] for g in running)):
            group_lead: list[int | None] = [None] * problem.num_groups
            for g, lead in zip(running, lead_choice, strict=True):
                group_lead[g] = lead
            allocation = Allocation(school_specialist, school_group, tuple(group_lead))
            report = check_allocation(problem, allocation)
            # Leads travel (and a group meeting at its lead moves with it): try them all.
            if report.ok and (best is None or score(report, allocation) > best):
                best = score(report, allocation)

    def search(chosen: list[Option]) -> None:
        if len(chosen) == problem.num_schools:
            evaluate(chosen)
            return
        for option in options[len(chosen)]:
            chosen.append(option)
            if not over_limits(chosen):
                search(chosen)
            chosen.pop()

    search([])
    return best
