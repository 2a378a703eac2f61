"""What changed since the previous run (`--previous`), and why, in the hub lead's words.

Every school whose status, specialist or work group differs from its row in the
previous allocations is listed with its place before and after and one reason:
its specialist withdrew or is no longer available, its group is gone or no longer
runs, a rule or setting changed (the old pair is no longer allowed, or a pin or lock
now says otherwise), its place went to a named school that could then be placed (or that had to
move itself), it moved for a better allocation worth more than `keep`, or it newly
applied. Schools of
the previous run that no longer apply are listed as withdrawn.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pandas as pd

from allocator.problem.data import PreviousPlacement, ProblemData, Stage
from allocator.problem.eligibility import Eligibility, Reason
from allocator.solving.solution import Allocation

CHANGE_COLUMNS = [
    "urn",
    "name",
    "stage",
    "change",
    "status_before",
    "specialist_before",
    "work_group_before",
    "status_after",
    "specialist_after",
    "work_group_after",
    "reason",
]
# Counted in summary.json under "since_previous"; the console leads with the first four.
COUNTS = ("kept", "moved", "newly_placed", "lost_place", "withdrew", "still_unplaced", "new_unplaced")

_PAIR_WORDS = {
    Reason.PHASE: "the phases no longer fit",
    Reason.HUB: "they are in different hubs and cross-hub placement is off",
    Reason.UNAVAILABLE: "the specialist's cohort is not available",
    Reason.NO_CAPACITY: "the specialist has no places of this stage",
    Reason.OWN_SCHOOL: "it is the specialist's own school",
    Reason.SAME_TRUST: "they are in one trust and separate_trusts is on",
    Reason.FOCUS: "the group's focus is not among the school's choices",
    Reason.FORBIDDEN: "the pair is forbidden",
    Reason.TOO_FAR: "it is beyond the travel limit",
}


@dataclass(frozen=True)
class Changes:
    """The changes table (columns `CHANGE_COLUMNS`) and the counts by kind (`COUNTS`)."""

    table: pd.DataFrame
    counts: dict[str, int]


def headline(counts: dict[str, Any]) -> str:
    """'N schools keep their places, M move, K newly placed, L lose their place'."""
    text = (
        f"{counts.get('kept', 0)} school{'s' if counts.get('kept', 0) != 1 else ''} keep their places, "
        f"{counts.get('moved', 0)} move, {counts.get('newly_placed', 0)} newly placed, "
        f"{counts.get('lost_place', 0)} lose their place"
    )
    if counts.get("withdrew"):
        text += f" ({counts['withdrew']} withdrew)"
    return text


class _Context:
    """Lookups shared by the reasons: current indices by id and who took whose place."""

    def __init__(self, problem: ProblemData, elig: Eligibility, allocation: Allocation) -> None:
        assert problem.previous is not None
        self.problem, self.elig, self.allocation = problem, elig, allocation
        self.rows = {r.urn: r for r in problem.previous.placements}
        self.gone = problem.previous.gone
        self.specialist_index = {p.id.strip(): i for i, p in enumerate(problem.specialists)}
        self.group_index = {g.id.strip(): i for i, g in enumerate(problem.work_groups)}
        self.pinned = {r.school_idx: r for r in problem.pins}
        self.placed = [_placed(problem, allocation, s) for s in range(problem.num_schools)]
        self.before = [self._row_placed(s) for s in range(problem.num_schools)]
        # Who is now with each specialist and group but was not before (one pass).
        self._takers: dict[tuple[str, str], list[int]] = {}
        for t, school in enumerate(problem.schools):
            row = self.rows.get(school.urn)
            for kind, now, had in (
                ("specialist", self.specialist_id(t), row.specialist if row else None),
                ("group", self.group_id(t), row.group if row else None),
            ):
                if now and now != (had or ""):
                    self._takers.setdefault((kind, now), []).append(t)

    def _row_placed(self, s: int) -> bool:
        row = self.rows.get(self.problem.schools[s].urn)
        return row is not None and row.placed

    def specialist_id(self, s: int) -> str:
        p = self.allocation.school_specialist[s]
        return self.problem.specialists[p].id if p is not None else ""

    def group_id(self, s: int) -> str:
        g = self.allocation.school_group[s]
        return self.problem.work_groups[g].id if g is not None else ""

    def takers(self, kind: str, target: str, s: int) -> list[int]:
        """Schools now with `target` (a specialist or group id) that were not before."""
        return [t for t in self._takers.get((kind, target), []) if t != s]

    def newly_placed_root(self, t: int, seen: set[int]) -> int | None:
        """The newly placed school at the start of the chain of moves that ends at `t`."""
        if t in seen:
            return None
        seen.add(t)
        if self.placed[t] and not self.before[t]:
            return t
        row = self.rows.get(self.problem.schools[t].urn)
        if row is None:
            return None
        for kind, now, had in (
            ("specialist", self.specialist_id(t), row.specialist),
            ("group", self.group_id(t), row.group),
        ):
            if had and had != now:
                for taker in self.takers(kind, had, t):
                    root = self.newly_placed_root(taker, seen)
                    if root is not None:
                        return root
        return None

    def school_name(self, t: int) -> str:
        school = self.problem.schools[t]
        return f"{school.name} ({school.urn})"


def _placed(problem: ProblemData, allocation: Allocation, s: int) -> bool:
    has = (allocation.school_specialist[s] is not None, allocation.school_group[s] is not None)
    return Stage(problem.schools[s].stage).placed_with(*has)


def _specialist_gone(ctx: _Context, s: int, row: PreviousPlacement) -> str | None:
    """Why the previous specialist can no longer support this school, if so."""
    if not row.specialist or row.specialist == ctx.specialist_id(s):
        return None
    p = ctx.specialist_index.get(row.specialist)
    if p is None:
        who = f"{row.specialist_name} ({row.specialist})" if row.specialist_name else row.specialist
        return f"its specialist {who} withdrew (no longer in the specialists table)"
    specialist = ctx.problem.specialists[p]
    who = f"{specialist.name} ({specialist.id})"
    if not specialist.available:
        return f"its specialist {who} is no longer available (cohort {specialist.cohort})"
    stage = ctx.problem.schools[s].stage
    capacity = specialist.capacity if stage == "development" else specialist.embedding_capacity
    if stage in ("development", "embedding") and capacity == 0:
        return f"its specialist {who} takes no {stage} schools this year"
    reason = Reason(int(ctx.elig.specialist_reason[s, p]))
    if reason not in (Reason.ALLOWED, Reason.STAGE):
        return f"a rule or setting changed: {who} may no longer support it ({_PAIR_WORDS.get(reason, reason.name)})"
    return None


def _group_gone(ctx: _Context, s: int, row: PreviousPlacement) -> str | None:
    """Why the previous work group can no longer take this school, if so."""
    if not row.group or row.group == ctx.group_id(s):
        return None
    g = ctx.group_index.get(row.group)
    if g is None:
        return f"its work group {row.group} is gone (no longer in the work groups table)"
    reason = Reason(int(ctx.elig.group_reason[s, g]))
    if reason not in (Reason.ALLOWED, Reason.STAGE):
        words = _PAIR_WORDS.get(reason, reason.name)
        return f"a rule or setting changed: work group {row.group} may no longer take it ({words})"
    if ctx.allocation.group_lead[g] is None:
        return f"its work group {row.group} no longer runs (too few schools for its minimum, or no lead)"
    return None


def _why_moved_or_lost(
    ctx: _Context, s: int, row: PreviousPlacement, table_reason: str, seen: frozenset[int] = frozenset()
) -> str:
    """One reason, the first that applies, in the order the module docstring gives.

    `seen`: schools whose reason is being explained further up a chain of moves.
    """
    school = ctx.problem.schools[s]
    if row.stage is not None and row.stage != school.stage:
        return f"its application changed from {row.stage} to {school.stage}"
    for gone in (_specialist_gone(ctx, s, row), _group_gone(ctx, s, row)):
        if gone is not None:
            return gone
    pin = ctx.pinned.get(s)
    if pin is not None and ctx.placed[s]:
        return f"a rule or setting changed: {pin.source or f'pin {pin.index + 1}'} places it here"
    verb = "moved" if ctx.placed[s] else "lost its place"
    for kind, had, now in (
        ("specialist", row.specialist, ctx.specialist_id(s)),
        ("group", row.group, ctx.group_id(s)),
    ):
        if not had or had == now:
            continue
        takers = ctx.takers(kind, had, s)
        for taker in takers:
            root = ctx.newly_placed_root(taker, {s})
            if root is not None:
                via = "" if root == taker else f" (through {ctx.school_name(taker)}, which moved there)"
                return f"{verb} so that {ctx.school_name(root)} could be placed{via}"
        for taker in takers:  # a school that had to move took this place
            taker_row = ctx.rows.get(ctx.problem.schools[taker].urn)
            if taker_row is None or not taker_row.placed or taker in seen or len(seen) > 20:
                continue
            why = _why_moved_or_lost(ctx, taker, taker_row, "", seen | {s})
            if not why.startswith("moved for a better allocation"):
                return f"{verb} to make room with {had} for {ctx.school_name(taker)}, which moved: {why}"
        if takers and not ctx.placed[s]:
            return f"its place with {had} went to {ctx.school_name(takers[0])}"
    if ctx.placed[s]:
        keep = ctx.problem.weights.keep
        return f"moved for a better allocation overall: the gain is worth more than keep ({keep})"
    return "not placed now: " + (table_reason or "placing it would lower the objective").rstrip(".")


def _why_newly_placed(ctx: _Context, s: int, row: PreviousPlacement | None) -> str:
    if row is None:
        return "newly applied"
    pin = ctx.pinned.get(s)
    if pin is not None:
        return f"a rule or setting changed: {pin.source or f'pin {pin.index + 1}'} places it here"
    for gone in ctx.gone:
        freed = (gone.specialist and gone.specialist == ctx.specialist_id(s)) or (
            gone.group and gone.group == ctx.group_id(s)
        )
        if gone.placed and freed:
            return f"placed in the room left by school {gone.urn}, which withdrew"
    return "placed this time (it was unplaced before): room or a rule changed"


def compute_changes(
    problem: ProblemData, elig: Eligibility, allocation: Allocation, reasons: list[str] | None = None
) -> Changes:
    """The changes since `problem.previous`, with a reason for each, and their counts.

    Parameters
    ----------
    reasons
        The allocations table's `reason` for each school (used for schools that lose
        their place for no reason named above).
    """
    ctx = _Context(problem, elig, allocation)
    counts: Counter[str] = Counter({k: 0 for k in COUNTS})
    records = []
    for s, school in enumerate(problem.schools):
        row = ctx.rows.get(school.urn)
        now_placed = ctx.placed[s]
        after = ("placed" if now_placed else "unplaced", ctx.specialist_id(s), ctx.group_id(s))
        if row is None:
            kind = "newly_placed" if now_placed else "new_unplaced"
            why = _why_newly_placed(ctx, s, None)
            if not now_placed:
                why += "; not placed: " + ((reasons or [""] * (s + 1))[s] or "see allocations.csv").rstrip(".")
            before = ("", "", "")
        else:
            before = ("placed" if row.placed else "unplaced", row.specialist or "", row.group or "")
            if row.placed and now_placed:
                same = before[1:] == after[1:]
                kind, why = ("kept", "") if same else ("moved", _why_moved_or_lost(ctx, s, row, ""))
            elif row.placed:
                text = (reasons or [""] * (s + 1))[s]
                kind, why = "lost_place", _why_moved_or_lost(ctx, s, row, text)
            elif now_placed:
                kind, why = "newly_placed", _why_newly_placed(ctx, s, row)
            else:
                kind, why = "still_unplaced", ""
        counts[kind] += 1
        if kind in ("kept", "still_unplaced"):
            continue
        records.append(_record(school.urn, school.name, school.stage, kind, before, after, why))
    for gone in ctx.gone:
        counts["withdrew"] += 1
        before = ("placed" if gone.placed else "unplaced", gone.specialist or "", gone.group or "")
        why = "no longer in the schools table"
        records.append(_record(gone.urn, gone.name, gone.stage or "", "withdrew", before, ("", "", ""), why))
    return Changes(pd.DataFrame(records, columns=CHANGE_COLUMNS), dict(counts))


_KIND_WORDS = {
    "moved": "moved",
    "newly_placed": "newly placed",
    "lost_place": "lost its place",
    "new_unplaced": "not placed (new)",
    "withdrew": "withdrew",
}


def _record(
    urn: str, name: str, stage: str, kind: str, before: tuple[str, str, str], after: tuple[str, str, str], why: str
) -> dict[str, str]:
    return {
        "urn": urn,
        "name": name,
        "stage": stage,
        "change": _KIND_WORDS[kind],
        "status_before": before[0],
        "specialist_before": before[1],
        "work_group_before": before[2],
        "status_after": after[0],
        "specialist_after": after[1],
        "work_group_after": after[2],
        "reason": why[:1].upper() + why[1:] + ("." if why and not why.endswith(".") else ""),
    }


def locked_column(problem: ProblemData) -> list[str]:
    """`yes` for each school whose previous row was locked (carried into allocations.csv)."""
    if problem.previous is None:
        return [""] * problem.num_schools
    locked = {r.urn for r in problem.previous.placements if r.locked}
    return ["yes" if s.urn in locked else "" for s in problem.schools]


def add_changes(solved: Any) -> None:
    """Add the `changes` table, the `locked` column and summary counts to a solved re-run.

    `solved` is `allocator.outcome.Outcome` with its tables and summary built. Schools
    locked as unplaced get that as their reason.
    """
    problem, result = solved.problem, solved.result
    if problem.previous is None or result.allocation is None or "allocations" not in solved.tables:
        return
    table = solved.tables["allocations"]
    locked = locked_column(problem)
    position = list(table.columns).index("reason") if "reason" in table.columns else len(table.columns)
    table.insert(position, "locked", locked)
    rows = {r.urn: r for r in problem.previous.placements}
    for s, school in enumerate(problem.schools):
        row = rows.get(school.urn)
        if row is not None and row.locked and not row.placed:
            table.at[s, "reason"] = f"Locked as unplaced (row {row.row} of {problem.previous.file})."
            if "recommendation" in table.columns:
                table.at[s, "recommendation"] = "Unlock the row to let allocate place it."
    changes = compute_changes(problem, solved.eligibility, result.allocation, list(table["reason"]))
    solved.tables["changes"] = changes.table
    solved.summary_json["since_previous"] = {
        "previous": problem.previous.file,
        "previous_sha256": problem.previous.sha256,
        **changes.counts,
    }
