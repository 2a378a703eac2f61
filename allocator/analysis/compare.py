"""Compare two runs: which schools moved and where, objective terms, placed by stage.

A run is an `Outcome` (solved in this session) or an output folder that `allocate` wrote;
both are compared from the same tables, so comparing a run with its own folder shows
no difference.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pandas as pd

from allocator.outcome import TERMS, Outcome
from allocator.problem.data import STAGES

MOVED_COLUMNS = [
    "urn",
    "name",
    "stage",
    "change",
    "status_a",
    "status_b",
    "specialist_a",
    "specialist_b",
    "work_group_a",
    "work_group_b",
    "focus_rank_a",
    "focus_rank_b",
    "km_a",
    "km_b",
]
FIGURES = [
    "status",
    "objective",
    "bound",
    "gap",
    "seconds",
    "placed",
    "unplaced",
    "groups_running",
    "trips",
    "total_km",
    "mean_km",
]


@dataclass(frozen=True, eq=False)
class Comparison:
    """Run A against run B.

    Attributes
    ----------
    labels
        Names of the two runs (for printing; columns always say ``a`` and ``b``).
    moved
        One row per school whose placement differs: ``change`` is one of ``placed in
        B only``, ``placed in A only``, ``other specialist``, ``other work group``,
        ``other specialist and work group``, ``applies in A only``, ``applies in B
        only``; then status, specialist, work group, focus rank and km (to specialist
        plus to venue) in each run.
    terms
        The objective and its terms (rows) in ``a``, ``b`` and ``change`` (b − a).
    by_stage
        Schools placed by stage (rows, plus ``all``): ``a``, ``b``, ``change``.
    figures
        Key figures side by side (status, objective, km, ...): ``a``, ``b``.
    """

    labels: tuple[str, str]
    moved: pd.DataFrame
    terms: pd.DataFrame
    by_stage: pd.DataFrame
    figures: pd.DataFrame

    @property
    def same(self) -> bool:
        """True when no school moved and the objective is the same."""
        return self.moved.empty and bool((self.terms["change"].fillna(0) == 0).all())

    def lines(self) -> list[str]:
        """A plain-text report, as `allocate compare` prints it."""
        a, b = self.labels
        out = [f"A: {a}", f"B: {b}", ""]
        width = max(12, len(a), len(b))
        out.append(f"{'placed':<14}{'A':>{width}}{'B':>{width}}{'change':>10}")
        for stage, row in self.by_stage.iterrows():
            out.append(f"{stage:<14}{_fmt(row['a']):>{width}}{_fmt(row['b']):>{width}}{_signed(row['change']):>10}")
        out += ["", f"{'objective':<14}{'A':>{width}}{'B':>{width}}{'change':>10}"]
        for term, row in self.terms.iterrows():
            out.append(f"{term:<14}{_fmt(row['a']):>{width}}{_fmt(row['b']):>{width}}{_signed(row['change']):>10}")
        out += ["", f"{'figure':<14}{'A':>{width}}{'B':>{width}}"]
        for figure, row in self.figures.iterrows():
            out.append(f"{figure:<14}{_fmt(row['a']):>{width}}{_fmt(row['b']):>{width}}")
        out.append("")
        if self.moved.empty:
            out.append("No school moved.")
            return out
        out.append(f"Schools that moved ({len(self.moved)}):")
        for school in self.moved.itertuples(index=False):
            out.append(
                f"  {school.urn} {school.name} ({school.stage}): {school.change}: "
                f"{_where(school, 'a')} -> {_where(school, 'b')}"
            )
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "-"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _signed(value: object) -> str:
    text = _fmt(value)
    if text not in ("-", "0") and not text.startswith("-"):
        return "+" + text
    return text


def _where(row: Any, side: str) -> str:
    status = getattr(row, f"status_{side}")
    if status == "absent":
        return "not applying"
    if status != "placed":
        return "unplaced"
    parts = [getattr(row, f"specialist_{side}"), getattr(row, f"work_group_{side}")]
    return " + ".join(p for p in parts if p) or "placed"


def _as_outcome(run: Outcome | str | Path, label: str | None) -> Outcome:
    if isinstance(run, Outcome):
        if label is not None:
            from dataclasses import replace

            return replace(run, label=label)
        return run
    return Outcome.read(run, label)


def _allocations(outcome: Outcome) -> pd.DataFrame:
    table = outcome.allocations
    columns = [
        "urn",
        "name",
        "stage",
        "status",
        "specialist",
        "work_group",
        "focus_rank",
        "km_to_specialist",
        "km_to_venue",
    ]
    if table.empty and outcome.scenario is not None:
        # No allocation (INFEASIBLE, UNKNOWN): its schools applied, none was placed.
        table = outcome.scenario.schools[["urn", "name", "stage"]].assign(
            status="unplaced",
            specialist="",
            work_group="",
            focus_rank="",
            km_to_specialist="",
            km_to_venue="",
        )
    if table.empty:
        return pd.DataFrame(columns=[*columns[1:-2], "km"], index=pd.Index([], name="urn"))
    frame = table[columns].copy()
    for column in columns:
        frame[column] = frame[column].astype(str).replace("nan", "")
    km = pd.to_numeric(frame["km_to_specialist"], errors="coerce").fillna(0) + pd.to_numeric(
        frame["km_to_venue"], errors="coerce"
    ).fillna(0)
    frame["km"] = km.round(1).where(frame["status"] == "placed")
    return frame.drop(columns=["km_to_specialist", "km_to_venue"]).set_index("urn")


def compare_runs(
    a: Outcome | str | Path,
    b: Outcome | str | Path,
    *,
    labels: tuple[str, str] | None = None,
) -> Comparison:
    """Compare run A with run B.

    Parameters
    ----------
    a, b
        Each an `Outcome` or an output folder written by `allocate`.
    labels
        Names to print (default: the outcomes' labels or folder names, else A and B).

    Returns
    -------
    Comparison

    Raises
    ------
    FileNotFoundError
        When a folder is not an allocate output folder.
    """
    run_a = _as_outcome(a, None if labels is None else labels[0])
    run_b = _as_outcome(b, None if labels is None else labels[1])
    names = (run_a.label or "A", run_b.label or "B")
    if names[0] == names[1]:
        names = (f"A ({names[0]})", f"B ({names[1]})")

    left, right = _allocations(run_a), _allocations(run_b)
    joined = pd.merge(left, right, how="outer", left_index=True, right_index=True, suffixes=("_a", "_b"))
    for side, table in (("a", left), ("b", right)):
        missing = ~joined.index.isin(table.index)
        joined.loc[missing, f"status_{side}"] = "absent"
        for column in ("specialist", "work_group", "focus_rank"):
            joined.loc[missing, f"{column}_{side}"] = ""
    joined["name"] = joined["name_a"].where(joined["name_a"].notna(), joined["name_b"])
    joined["stage"] = joined["stage_a"].where(joined["stage_a"].notna(), joined["stage_b"])
    joined["change"] = [_change(row) for row in joined.itertuples()]
    moved = joined[joined["change"] != ""].reset_index()
    moved = moved[MOVED_COLUMNS].reset_index(drop=True)
    # In the order a hub lead reads them: by stage, then URN.
    stage_order = {stage: n for n, stage in enumerate(STAGES)}
    moved = moved.sort_values(
        ["stage", "urn"], key=lambda s: s.map(stage_order) if s.name == "stage" else s
    ).reset_index(drop=True)

    terms_a, terms_b = run_a.terms, run_b.terms
    terms = pd.DataFrame({"a": terms_a, "b": terms_b}).reindex(["objective", *TERMS])
    terms["change"] = terms["b"] - terms["a"]

    stage_a, stage_b = run_a.by_stage["placed"], run_b.by_stage["placed"]
    by_stage = pd.DataFrame({"a": stage_a, "b": stage_b}).astype("Int64")
    by_stage.loc["all"] = by_stage.sum()
    by_stage["change"] = by_stage["b"] - by_stage["a"]
    by_stage.index.name = "stage"

    num_ranks = _num_ranks(run_a, run_b)
    fig_a, fig_b = run_a.key_figures(num_ranks), run_b.key_figures(num_ranks)
    ranks = sorted({k for k in (*fig_a, *fig_b) if k.startswith("focus_rank_")}, key=lambda k: int(k.rsplit("_", 1)[1]))
    rows = [*FIGURES, *ranks]
    figures = pd.DataFrame(
        {"a": [fig_a.get(k) for k in rows], "b": [fig_b.get(k) for k in rows]},
        index=pd.Index(rows, name="figure"),
        dtype=object,
    )
    return Comparison(names, moved, terms, by_stage, figures)


def _num_ranks(*runs: Outcome) -> int:
    """How many focus ranks to count: a solved run knows its focus codes, a folder does not
    (then: the highest rank either run gave)."""
    for run in runs:
        if run.scenario is not None:
            return len(run.scenario.problem.foci)
    ranks = [int(k.rsplit("_", 1)[1]) for run in runs for k in run.key_figures(0) if k.startswith("focus_rank_")]
    return max(ranks, default=0)


def _change(row: Any) -> str:
    status_a, status_b = row.status_a, row.status_b
    if status_a == "absent":
        return "applies in B only"
    if status_b == "absent":
        return "applies in A only"
    placed_a, placed_b = status_a == "placed", status_b == "placed"
    if placed_a != placed_b:
        return "placed in B only" if placed_b else "placed in A only"
    if not placed_a:
        return ""
    other_specialist = row.specialist_a != row.specialist_b
    other_group = row.work_group_a != row.work_group_b
    if other_specialist and other_group:
        return "other specialist and work group"
    if other_specialist:
        return "other specialist"
    if other_group:
        return "other work group"
    return ""


@click.command("compare")
@click.argument("out_a", type=click.Path(file_okay=False, path_type=Path))
@click.argument("out_b", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the schools that moved to this CSV file.",
)
def compare_command(out_a: Path, out_b: Path, csv_path: Path | None) -> None:
    """Compare two output folders: schools moved, objective terms, placed by stage.

    \b
      allocate compare out/before out/after
    """
    try:
        comparison = compare_runs(out_a, out_b, labels=(str(out_a), str(out_b)))
    except FileNotFoundError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(str(comparison))
    if csv_path is not None:
        comparison.moved.to_csv(csv_path, index=False, lineterminator="\n")
        click.echo(f"\nWrote {csv_path}")
