"""Which placement of each school counts as "as before" for the `keep` weight (re-runs).

An earlier run's rows (`ProblemData.previous`) hold ids as written; here they become
indices of the current problem. A school is kept when it is placed exactly as before:

- development: the same specialist (issue 11 adds "or the same development group":
  a second kind of target for development schools, see `kept_placements`);
- embedding: the same specialist and the same work group;
- sustaining: the same work group.

A row whose school, specialist or group is no longer in the tables, or whose school
now applies for another stage, has no target: nothing of it can be kept.
"""

from __future__ import annotations

from allocator.problem.data import ProblemData

KeepTarget = tuple[int, int | None, int | None]  # (school_idx, specialist_idx, group_idx)


def kept_placements(problem: ProblemData) -> tuple[KeepTarget, ...]:
    """For each school placed in the previous run whose place still exists, what it had.

    Returns
    -------
    tuple of (school_idx, specialist_idx or None, group_idx or None)
        The specialist for development (or its development group), both for embedding,
        the group for sustaining.
    """
    if problem.previous is None:
        return ()
    school_index = {s.urn.strip(): i for i, s in enumerate(problem.schools)}
    specialist_index = {p.id.strip(): i for i, p in enumerate(problem.specialists)}
    group_index = {g.id.strip(): i for i, g in enumerate(problem.work_groups)}
    out: list[KeepTarget] = []
    for row in problem.previous.placements:
        s = school_index.get(row.urn.strip())
        if s is None or not row.placed:
            continue
        stage = problem.schools[s].stage
        if row.stage is not None and row.stage != stage:
            continue  # applies for another stage now: a new application, not a place to keep
        needs_specialist = stage in ("development", "embedding")
        needs_group = stage in ("embedding", "sustaining")
        if stage == "development" and not row.specialist and row.group:
            needs_specialist, needs_group = False, True  # placed by a development group (issue 11)
        p = specialist_index.get((row.specialist or "").strip()) if needs_specialist else None
        g = group_index.get((row.group or "").strip()) if needs_group else None
        if (needs_specialist and p is None) or (needs_group and g is None):
            continue
        out.append((s, p, g))
    return tuple(out)
