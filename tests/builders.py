"""Tiny hand-checkable problems, built in code.

Every place sits on the Greenwich meridian, `km` north of latitude 52, so the
great-circle distance between two places is exactly the difference of their `km`
(up to floating-point rounding far below 0.001 km).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from allocator.problem.data import (
    Location,
    ProblemData,
    Requirement,
    Rules,
    School,
    SolverSettings,
    Specialist,
    Weights,
    WorkGroup,
)

KM_PER_DEGREE = 6371.009 * math.pi / 180


def at(km: float) -> Location:
    return Location(52.0 + km / KM_PER_DEGREE, 0.0, "given")


def school(urn: str, stage: str = "development", km: float = 0.0, **kw: Any) -> School:
    defaults: dict[str, Any] = dict(name=f"School {urn}", hub="H", phase="secondary", postcode="TN1 1AA")
    defaults.update(kw)
    return School(urn=urn, stage=stage, location=at(km), **defaults)


def specialist(id: str, km: float = 0.0, **kw: Any) -> Specialist:
    defaults: dict[str, Any] = dict(
        name=f"Specialist {id}",
        hub="H",
        phase="secondary",
        cohort=1,
        postcode="TN1 1AA",
        available=True,
        capacity=2,
        embedding_capacity=2,
        max_groups=1,
    )
    defaults.update(kw)
    return Specialist(id=id, location=at(km), **defaults)


def group(id: str, km: float = 0.0, **kw: Any) -> WorkGroup:
    defaults: dict[str, Any] = dict(hub="H", phase="secondary", min_schools=1, max_schools=8)
    defaults.update(kw)
    return WorkGroup(id=id, venue=at(km), **defaults)


# Weights that make objectives easy to derive: 1000 per school, 1 per km, nothing else.
PLAIN = Weights(place=1000, priority=0, travel_per_km=1, focus_rank=(0, 0, 0, 0), continuity=0, lone_department=0)


def problem(
    schools: list[School],
    specialists: list[Specialist] = (),  # type: ignore[assignment]
    groups: list[WorkGroup] = (),  # type: ignore[assignment]
    *,
    rules: Rules | None = None,
    weights: Weights = PLAIN,
    pins: list[tuple[str, str]] = (),  # type: ignore[assignment]
    forbids: list[tuple[str, str]] = (),  # type: ignore[assignment]
    **rule_changes: Any,
) -> ProblemData:
    """A problem; pins/forbids as (urn, specialist or group id) pairs."""
    schools, specialists, groups = list(schools), list(specialists), list(groups)
    urns = {s.urn: i for i, s in enumerate(schools)}
    sids = {p.id: i for i, p in enumerate(specialists)}
    gids = {g.id: i for i, g in enumerate(groups)}

    def req(pairs: list[tuple[str, str]]) -> tuple[Requirement, ...]:
        return tuple(Requirement(urns[u], sids.get(t), gids.get(t), index=n) for n, (u, t) in enumerate(pairs))

    return ProblemData(
        name="tiny",
        year="2025/26",
        foci=("A", "B", "C", "D"),
        schools=tuple(schools),
        specialists=tuple(specialists),
        work_groups=tuple(groups),
        rules=replace(rules or Rules(), **rule_changes),
        weights=weights,
        pins=req(list(pins)),
        forbids=req(list(forbids)),
        solver=SolverSettings(time_limit_s=10, workers=8, seed=0),
    )


def ids(p: ProblemData, result: Any) -> dict[str, tuple[str | None, str | None]]:
    """{urn: (specialist id, group id)} of a search result's allocation."""
    a = result.allocation
    return {
        s.urn: (
            p.specialists[a.school_specialist[i]].id if a.school_specialist[i] is not None else None,
            p.work_groups[a.school_group[i]].id if a.school_group[i] is not None else None,
        )
        for i, s in enumerate(p.schools)
    }
