"""Doubtful applications, found before solving and reported as warnings naming file and row.

None of these is bad input on its own terms, but each usually means a mistake that would
leave a school unplaced for the wrong reason: a school far from every specialist of its
hub (a wrong hub or postcode), a hub name that nearly matches one in the specialists
table, a postcode of valid format that the postcode tables do not know (it was located
at its sector or district instead). Embedding schools without a previous specialist are
reported by `allocate check` itself (`analysis.supply.advocate_warnings`).
"""

from __future__ import annotations

import difflib
import re

from allocator.inputs.issues import Issue
from allocator.inputs.tables import Table
from allocator.problem.data import ProblemData, key
from allocator.problem.distances import coordinates, great_circle_km

# Coarser than the level asked for: the postcode itself was not found.
_FALLBACK = {"exact": ("sector", "district"), "sector": ("district",), "district": ()}
_AREA = {"sector": "its postcode sector's centroid", "district": "its postcode district's centroid"}
NEAR_RATIO = 0.85  # difflib ratio above which two hub names are taken for spellings of one


def find_doubts(problem: ProblemData, tables: dict[str, Table], level: str) -> list[Issue]:
    """Every doubt about `problem`, as warnings (see the module docstring)."""
    files = {k: tables[k].file if k in tables else k for k in ("schools", "specialists", "work_groups")}
    return [
        *far_from_hub(problem, files["schools"]),
        *near_hub_names(problem, files["schools"], files["work_groups"]),
        *unknown_postcodes(problem, files, level),
    ]


def far_from_hub(problem: ProblemData, file: str) -> list[Issue]:
    """Schools farther than the travel limit from every specialist of their own hub."""
    if not problem.schools or not problem.specialists:
        return []
    places = coordinates([p.location for p in problem.specialists])
    names = {key(p.hub): p.hub.strip() for p in problem.specialists}
    members: dict[str, list[int]] = {}
    for p, specialist in enumerate(problem.specialists):
        members.setdefault(key(specialist.hub), []).append(p)
    by_hub: dict[str, list[int]] = {}
    for s, school in enumerate(problem.schools):
        if key(school.hub) in members:  # a hub without specialists: see near_hub_names
            by_hub.setdefault(key(school.hub), []).append(s)
    limit = problem.rules.max_travel_km
    far: list[tuple[int, float]] = []
    for hub, schools in by_hub.items():  # one hub at a time: national scale stays quick
        km = great_circle_km(coordinates([problem.schools[s].location for s in schools]), places[members[hub]])
        nearest = km.min(axis=1)
        far += [(s, float(d)) for s, d in zip(schools, nearest, strict=True) if d > limit]
    out = []
    for s, nearest_own in sorted(far):
        school = problem.schools[s]
        km_all = great_circle_km(coordinates([school.location]), places)[0]
        others = {hub: float(km_all[idx].min()) for hub, idx in members.items() if hub != key(school.hub)}
        hint = ""
        if others:
            best = min(others, key=lambda hub: (others[hub], hub))
            hint = f"; the nearest hub by its specialists is {names[best]} ({others[best]:.1f} km)"
        out.append(
            Issue(
                file,
                school.row,
                "hub",
                f"{school.name} ({school.urn}, {school.postcode}) is {nearest_own:.1f} km from the nearest "
                f"specialist of {school.hub.strip()}, beyond the {limit:g} km travel limit: is the hub or the "
                f"postcode wrong?{hint}",
                warning=True,
            )
        )
    return out


def _plain(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", " ", name.casefold().replace("&", " and "))
    return " ".join(text.split())


def loose_hub(name: str) -> str:
    """A hub name for loose comparison: case, '&'/'and', punctuation and 'Maths Hub' aside."""
    text = name.casefold().replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(r"\b(maths|mathematics|math)?\s*hub\b", " ", text)
    return " ".join(text.split())


def nearly(name: str, known: dict[str, str]) -> str | None:
    """The known hub (by its key) that `name` nearly matches, if exactly one does."""
    loose = loose_hub(name)
    same = [hub for k, hub in known.items() if loose_hub(hub) == loose]
    if len(same) == 1:
        return same[0]
    plain = _plain(name)
    close = [hub for hub in known.values() if difflib.SequenceMatcher(None, plain, _plain(hub)).ratio() >= NEAR_RATIO]
    return close[0] if len(close) == 1 else None


def near_hub_names(problem: ProblemData, school_file: str, group_file: str) -> list[Issue]:
    """Hub cells of schools and work groups that match no specialist's hub but nearly match one."""
    known = {key(p.hub): p.hub.strip() for p in problem.specialists}
    out = []
    rows = [(school_file, s.row, s.hub) for s in problem.schools]
    rows += [(group_file, g.row, g.hub) for g in problem.work_groups]
    for file, row, hub in rows:
        if key(hub) in known:
            continue
        match = nearly(hub, known)
        if match is not None:
            out.append(
                Issue(
                    file,
                    row,
                    "hub",
                    f"{hub.strip()!r} matches no hub in the specialists table but nearly matches {match!r}: "
                    "write it the same way, or it can be placed only across hubs",
                    warning=True,
                )
            )
    return out


def unknown_postcodes(problem: ProblemData, files: dict[str, str], level: str) -> list[Issue]:
    """Postcodes of valid format that the postcode tables do not know at the level asked for."""
    coarser = _FALLBACK.get(level, ())
    rows = [(files["schools"], s.row, "postcode", s.postcode, s.location.source) for s in problem.schools]
    rows += [(files["specialists"], p.row, "postcode", p.postcode, p.location.source) for p in problem.specialists]
    rows += [
        (files["work_groups"], g.row, "venue_postcode", g.venue_postcode, g.venue.source)
        for g in problem.work_groups
        # A venue taken from its fixed lead is the lead's postcode, reported on the lead's row.
        if g.venue_postcode is not None and (g.lead_idx is None or g.venue != problem.specialists[g.lead_idx].location)
    ]
    out = []
    for file, row, column, postcode, source in rows:
        if source in coarser and postcode:
            found_at = "exact postcode table" if level == "exact" else "postcode sector table"
            out.append(
                Issue(
                    file,
                    row,
                    column,
                    f"postcode {postcode} is not in the {found_at}: located at {_AREA[source]}; check it",
                    warning=True,
                )
            )
    return out
