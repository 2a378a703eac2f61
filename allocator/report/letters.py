"""letters.csv: one row per school for a mail merge, and `--redact` for the new outputs.

Each row carries the school's contacts (its Mastery Advocates' names, emails and roles),
its outcome in plain words, its specialist's name and email (when the specialists table
gives one), its work group and venue, its first meeting, and for an unplaced school the
reason in words a school can read (no other school is named). TRNs are never exported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from allocator.problem.data import ProblemData
from allocator.problem.eligibility import Eligibility, Reason
from allocator.report.tables import ADVOCATE_COLUMNS, _advocate_cells, is_placed
from allocator.schedule.hosts import hosting_of
from allocator.schedule.plan import Meeting, Schedule, members_by
from allocator.solving.solution import Allocation

if TYPE_CHECKING:
    from allocator.outcome import Outcome

LETTER_COLUMNS = [
    "urn",
    "school_name",
    "hub",
    "stage",
    "status",
    "outcome",
    "specialist_name",
    "specialist_email",
    "work_group",
    "group_lead",
    "venue",
    "first_meeting_date",
    "first_meeting_time",
    "first_meeting_host",
    "first_meeting_postcode",
    "funding",
    "reason",
]
PERSONAL_SPECIALIST_COLUMNS = ("specialist_email", "specialist_phone", "email", "phone")


def _focus(problem: ProblemData, g: int) -> str:
    focus = problem.work_groups[g].focus
    detail = problem.focus_detail(focus)
    title = f": {detail.title}" if detail is not None and detail.title else ""
    return f" (focus {focus}{title})" if focus else ""


def _outcome(problem: ProblemData, allocation: Allocation, s: int, supported: list[list[int]]) -> str:
    school = problem.schools[s]
    p, g = allocation.school_specialist[s], allocation.school_group[s]
    if not is_placed(problem, allocation, s):
        return f"We are sorry that we cannot offer {school.name} a place in the {school.stage} programme this year."
    if school.stage == "development" and p is not None:
        partners = [
            problem.schools[o].name for o in supported[p] if o != s and problem.schools[o].stage == "development"
        ]
        with_whom = f" with {' and '.join(partners)}" if partners else " as a lone department"
        return (
            f"{school.name}'s mathematics department will work with Mastery Specialist "
            f"{problem.specialists[p].name} in a Development Work Group{with_whom}."
        )
    assert g is not None
    if school.stage == "development":  # placed by a development work group (issue 11)
        group = problem.work_groups[g]
        return f"{school.name}'s mathematics department has a place in Development Work Group {group.id}."
    if school.stage == "embedding" and p is not None:
        return (
            f"{school.name} will have embedding support from Mastery Specialist {problem.specialists[p].name} "
            f"and a place in work group {problem.work_groups[g].id}{_focus(problem, g)}."
        )
    return f"{school.name} has a place in Sustaining Work Group {problem.work_groups[g].id}{_focus(problem, g)}."


def letter_reason(problem: ProblemData, elig: Eligibility, allocation: Allocation, s: int) -> str:
    """Why school `s` is unplaced, in words for the school itself (no other school named)."""
    school = problem.schools[s]
    needs: list[tuple[str, np.ndarray]] = []
    if school.stage in ("development", "embedding") and allocation.school_specialist[s] is None:
        needs.append(("specialist", elig.specialist_reason[s]))
    if school.stage in ("embedding", "sustaining") and allocation.school_group[s] is None:
        needs.append(("group", elig.group_reason[s]))
    sentences = []
    for kind, reasons in needs:
        thing = "Mastery Specialist" if kind == "specialist" else "work group"
        allowed = int(np.count_nonzero(reasons == Reason.ALLOWED))
        if allowed:
            sentences.append(
                f"every {thing} your school could work with already has a full programme this year"
                if kind == "specialist"
                else "the work groups your school could join were full or did not have enough schools to run"
            )
            continue
        near = reasons[(reasons != Reason.PHASE) & (reasons != Reason.HUB) & (reasons != Reason.STAGE)]
        if near.size and np.all(near == Reason.TOO_FAR):
            sentences.append(f"no {thing} is within travelling distance of your school this year")
        elif kind == "group" and near.size and np.any(near == Reason.FOCUS):
            sentences.append("none of this year's work groups within reach has one of your chosen foci")
        else:
            sentences.append(f"there is no {thing} your school can work with in the hub this year")
    if not sentences:
        sentences.append("the places available this year went to other schools")
    text = "; ".join(sentences)
    return text[0].upper() + text[1:] + "."


def _venue(problem: ProblemData, g: int) -> str:
    group = problem.work_groups[g]
    if hosting_of(group) == "rotate":
        return "meetings rotate between the group's schools, starting at the lead's school"
    if group.venue_at_lead:
        return "the lead's school"
    return group.venue_postcode or "the group's venue"


def _funding(problem: ProblemData, stage: str, placed: bool) -> int | str:
    """The school's funding in pounds when placed (blank unplaced, or without `funding:`)."""
    if not placed or problem.funding is None:
        return ""
    return problem.funding.for_stage(stage)


def letters_table(solved: Outcome, schedule: Schedule) -> pd.DataFrame:
    """One row per school, in the schools table's order (see the module docstring)."""
    problem, elig = solved.problem, solved.eligibility
    assert elig is not None  # a solved run always has its eligibility
    allocation = solved.result.allocation
    assert allocation is not None
    first: dict[tuple[str, str], Meeting] = {(m.kind, m.key): m for m in schedule.meetings if m.number == 1}
    cal = problem.calendar
    statuses = list(solved.tables["allocations"]["status"])
    stopped = set(solved.result.unsolved_schools)
    supported = members_by(allocation.school_specialist, problem.num_specialists)
    rows = []
    for s, school in enumerate(problem.schools):
        p, g = allocation.school_specialist[s], allocation.school_group[s]
        placed = is_placed(problem, allocation, s)
        meeting = None
        if placed and school.stage == "development" and p is not None:
            meeting = first.get(("pair", problem.specialists[p].id))
        elif placed and g is not None:
            meeting = first.get(("group", problem.work_groups[g].id))
        if not placed and s in stopped:
            reason = "The allocation was stopped before your school was considered; the hub will be in touch."
        else:
            reason = "" if placed else letter_reason(problem, elig, allocation, s)
        lead = allocation.group_lead[g] if g is not None else None
        rows.append(
            {
                "urn": school.urn,
                "school_name": school.name,
                "hub": school.hub,
                "stage": school.stage,
                "status": statuses[s],
                "outcome": _outcome(problem, allocation, s, supported),
                "specialist_name": problem.specialists[p].name if placed and p is not None else "",
                "specialist_email": problem.specialists[p].email if placed and p is not None else "",
                "work_group": problem.work_groups[g].id if placed and g is not None else "",
                "group_lead": problem.specialists[lead].name if placed and lead is not None else "",
                "venue": _venue(problem, g) if placed and g is not None else "",
                "first_meeting_date": "" if meeting is None or meeting.date is None else f"{meeting.date:%A %d %B %Y}",
                "first_meeting_time": (
                    f"{cal.afternoon[0]:%H:%M}–{cal.afternoon[1]:%H:%M}"
                    if meeting is not None and meeting.date is not None and cal is not None
                    else ""
                ),
                "first_meeting_host": meeting.host.name if meeting is not None else "",
                "first_meeting_postcode": meeting.host.postcode if meeting is not None else "",
                "funding": _funding(problem, school.stage, placed),
                "reason": reason,
                **_advocate_cells(school),
            }
        )
    return pd.DataFrame(rows, columns=LETTER_COLUMNS + ADVOCATE_COLUMNS)


def redacted(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """`tables` without personal data (`--redact`): advocates' names, emails and roles,
    and specialists' emails and phones, from every table."""
    out = {}
    for name, frame in tables.items():
        drop = [c for c in frame.columns if str(c).startswith("advocate_") or c in PERSONAL_SPECIALIST_COLUMNS]
        out[name] = frame.drop(columns=drop)
    return out
