"""recommendations.csv: one row per unplaced school, the edit that would place it."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from allocator.diagnose.edits import named
from allocator.diagnose.recommend import Recommendation
from allocator.problem.data import ProblemData

CELL_COLUMNS = ("file", "row", "column", "old_value", "new_value")
COLUMNS = (
    "urn",
    "name",
    "change",
    *CELL_COLUMNS,
    "objective_after",
    "placed_after",
    "displaced",
    "moved",
    *(f"{c}_2" for c in CELL_COLUMNS),
    "kind",
    "objective_change",
    "tie",
)
NOT_ANALYSED = "Not analysed: recommendations stopped (their time, --explain-seconds, ran out, or Ctrl-C)."
NO_CHANGE = "No change of the listed kinds, alone or two together, places it."


def recommendation_table(
    problem: ProblemData, recommendations: Iterable[Recommendation], not_analysed: Iterable[int] = ()
) -> pd.DataFrame:
    """The rows of recommendations.csv (see the README's *Outputs*), in school order.

    Parameters
    ----------
    recommendations
        One per analysed unplaced school.
    not_analysed
        Unplaced schools with no recommendation (out of time, or Ctrl-C).
    """
    rows = {rec.school_idx: _row(problem, rec) for rec in recommendations}
    for s in not_analysed:
        rows.setdefault(s, _row(problem, Recommendation(s, "", "not_analysed")))
    frame = pd.DataFrame([rows[s] for s in sorted(rows)], columns=list(COLUMNS))
    for column in ("row", "row_2", "objective_after", "moved", "objective_change"):
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    return frame


def _row(problem: ProblemData, rec: Recommendation) -> dict[str, object]:
    school = problem.schools[rec.school_idx]
    row: dict[str, object] = {c: "" for c in COLUMNS}
    row.update(urn=school.urn, name=school.name, kind=rec.kind)
    for column in ("row", "row_2", "objective_after", "moved", "objective_change"):
        row[column] = None
    if rec.kind == "not_analysed":
        row["change"] = NOT_ANALYSED
        return row
    if not rec.changes:
        row["change"] = NO_CHANGE
        row["placed_after"] = "no"
        return row
    texts = [c.text for c in rec.changes]
    change = " and ".join(texts)
    if len(texts) == 2:
        change = f"no single change places it; together: {change}"
    row["change"] = change[0].upper() + change[1:]
    for n, c in enumerate(rec.changes[:2]):
        suffix = "" if n == 0 else "_2"
        cell = c.cell
        row.update(
            {
                f"file{suffix}": cell.file,
                f"row{suffix}": cell.row,
                f"column{suffix}": cell.column,
                f"old_value{suffix}": cell.old,
                f"new_value{suffix}": cell.new,
            }
        )
    row["objective_after"] = rec.objective
    row["objective_change"] = rec.delta
    row["placed_after"] = "yes" if rec.placed else "no"
    row["displaced"] = "; ".join(f"{problem.schools[x].urn} {problem.schools[x].name}" for x in rec.displaced)
    row["moved"] = rec.moved
    row["tie"] = "yes" if rec.tie else "no"
    return row


def recommendation_text(problem: ProblemData, rec: Recommendation) -> str:
    """The allocations table's `recommendation` sentence for one school."""
    if rec.kind == "not_analysed":
        return NOT_ANALYSED
    if not rec.changes:
        return NO_CHANGE
    return rec.text or named(problem, "school", rec.school_idx)
