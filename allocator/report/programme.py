"""The programme's own figures: development pairs and lone departments, funding, and
focus titles and project codes (issue 11). Read by the tables, summary.json, the
workbook and the HTML report."""

from __future__ import annotations

from typing import Any

from allocator.problem.data import STAGES, ProblemData, Stage
from allocator.problem.rules import may_be_lone
from allocator.solving.solution import Allocation

PAIR, LONE = "pair", "lone"


def development_loads(problem: ProblemData, allocation: Allocation) -> list[int]:
    """Each specialist's development load (development schools placed with them)."""
    loads = [0] * problem.num_specialists
    for s, p in enumerate(allocation.school_specialist):
        if p is not None and problem.schools[s].stage == Stage.DEVELOPMENT:
            loads[p] += 1
    return loads


def development_group(problem: ProblemData, load: int, specialist_idx: int) -> str:
    """`pair` (two or more development schools), `lone` (exactly one while their
    development capacity is at least 2) or blank."""
    if load >= 2:
        return PAIR
    if load == 1 and may_be_lone(problem.specialists[specialist_idx]):
        return LONE
    return ""


def pairs_by_hub(problem: ProblemData, allocation: Allocation) -> dict[str, dict[str, int]]:
    """Development pairs and lone departments by the specialists' hub (sorted by hub)."""
    out: dict[str, dict[str, int]] = {}
    for p, load in enumerate(development_loads(problem, allocation)):
        kind = development_group(problem, load, p)
        counts = out.setdefault(problem.specialists[p].hub, {"pairs": 0, "lone_departments": 0})
        if kind == PAIR:
            counts["pairs"] += 1
        elif kind == LONE:
            counts["lone_departments"] += 1
    return dict(sorted(out.items()))


def school_funding(problem: ProblemData, stage: str, placed: bool) -> int | None:
    """A school's funding in pounds when placed (0 unplaced); None without `funding:`."""
    if problem.funding is None:
        return None
    return problem.funding.for_stage(stage) if placed else 0


def funding_totals(problem: ProblemData, placed: list[bool]) -> dict[str, Any] | None:
    """Pounds for placed schools: total, by stage, and by hub and stage (None without `funding:`)."""
    if problem.funding is None:
        return None
    by_hub: dict[str, dict[str, int]] = {}
    by_stage = dict.fromkeys(STAGES, 0)
    for school, is_placed in zip(problem.schools, placed, strict=True):
        if not is_placed:
            continue
        pounds = problem.funding.for_stage(school.stage)
        by_stage[school.stage] += pounds
        hub = by_hub.setdefault(school.hub, {**dict.fromkeys(STAGES, 0), "total": 0})
        hub[school.stage] += pounds
        hub["total"] += pounds
    return {
        "per_school": {stage: problem.funding.for_stage(stage) for stage in STAGES},
        "total": sum(by_stage.values()),
        "by_stage": by_stage,
        "by_hub": dict(sorted(by_hub.items())),
    }


def focus_cells(problem: ProblemData, focus: str | None) -> dict[str, str]:
    """`focus_title` and `focus_code` (project code) of a focus, blank when it has none."""
    detail = problem.focus_detail(focus) if focus else None
    return {
        "focus_title": detail.title if detail is not None else "",
        "focus_code": detail.code if detail is not None else "",
    }
