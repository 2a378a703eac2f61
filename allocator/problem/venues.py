"""Where a work group meets once its lead is known, and how the outputs name it.

A group with venue columns meets there (`given`); one without them meets at its lead's
location: the fixed lead's (`fixed lead`, known before solving) or the chosen lead's
(`chosen lead`, known only once the allocation chose one).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.problem.data import Location, ProblemData
from allocator.problem.distances import coordinates, great_circle_km
from allocator.problem.rules import meets_at_chosen_lead

VENUE_SOURCES = ("given", "fixed lead", "chosen lead")


@dataclass(frozen=True)
class Venue:
    """Where a group meets: its location (None: at a chosen lead not yet chosen), postcode
    and source (one of `VENUE_SOURCES`)."""

    location: Location | None
    postcode: str
    source: str


def venue_used(problem: ProblemData, group_idx: int, lead_idx: int | None) -> Venue:
    """The venue group `group_idx` meets at with lead `lead_idx` (None: no lead)."""
    group = problem.work_groups[group_idx]
    if meets_at_chosen_lead(group):
        if lead_idx is None:
            return Venue(None, "", "chosen lead")
        lead = problem.specialists[lead_idx]
        return Venue(lead.location, lead.postcode, "chosen lead")
    source = "fixed lead" if group.venue_at_lead else "given"
    return Venue(group.venue, group.venue_postcode or "", source)


def km_to_venue(
    problem: ProblemData, group_km: np.ndarray, school_idx: int, group_idx: int, lead_idx: int | None
) -> float | None:
    """km from a school to the venue its group actually meets at (None: not known)."""
    venue = venue_used(problem, group_idx, lead_idx)
    if venue.source != "chosen lead":
        return float(group_km[school_idx, group_idx])
    if venue.location is None:
        return None
    here = coordinates([problem.schools[school_idx].location])
    return float(great_circle_km(here, coordinates([venue.location]))[0, 0])


def lead_km(problem: ProblemData, group_idx: int, lead_idx: int | None) -> float | None:
    """km from a group's lead to its venue (0 when it meets at the lead; None: no lead)."""
    if lead_idx is None:
        return None
    venue = venue_used(problem, group_idx, lead_idx)
    if venue.location is None:
        return None
    lead = coordinates([problem.specialists[lead_idx].location])
    return float(great_circle_km(lead, coordinates([venue.location]))[0, 0])
