"""`Outcome`: what a run gives back, shared by the CLI, the analysts' API and the reports.

One type for a solved scenario and for an output folder read back. Its parts:

* `result`: the search's own record (`allocator.solving.solution.SearchResult`:
  status, allocation by index, objective, bound, timings), as PyJobShop's solver-level
  `Result`;
* `report`: the independent checker's verdict and objective terms;
* `tables` and `summary_json`: the output tables and summary.json exactly as written;
* `conflicts`: why the rules cannot all hold, when INFEASIBLE.

`allocator.pipeline.run` makes one; `allocator.allocate` adds the scenario it solved.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from allocator.problem.data import STAGES, ProblemData
from allocator.solving.solution import SearchResult, SolveStatus

if TYPE_CHECKING:
    from allocator.analysis.api import Scenario
    from allocator.check import CheckReport
    from allocator.problem.eligibility import Eligibility

TERMS = ("place", "priority", "travel", "focus", "continuity", "lead_travel", "lone_department")
TABLES = ("allocations", "specialists", "work_groups")


@dataclass(eq=False)
class Outcome:
    """A solved scenario (or an output folder read back): status, figures and tables.

    Attributes
    ----------
    result
        The search's record: status, allocation (by index), objective, bound, seconds.
    problem_data, eligibility
        What was solved (None for an output folder read back; `problem` raises then).
    report
        The independent checker's verdict and objective terms (None without an allocation).
    conflicts
        Why the rules cannot all hold, when INFEASIBLE.
    tables
        The output tables by name (``allocations``, ``specialists``, ``work_groups``);
        empty when there is no allocation.
    summary_json
        The run summary exactly as summary.json holds it.
    timings
        Wall-clock seconds of each step of the run (eligibility, solve, check, ...).
    scenario
        The scenario solved, when solved through the API (None otherwise).
    label
        A name for comparisons (the folder's name when read back).
    """

    result: SearchResult
    problem_data: ProblemData | None = None
    eligibility: Eligibility | None = None
    report: CheckReport | None = None
    conflicts: tuple[str, ...] = ()
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary_json: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    scenario: Scenario | None = None
    label: str = ""

    @property
    def problem(self) -> ProblemData:
        """The problem solved.

        Raises
        ------
        ValueError
            For an output folder read back, which holds tables but no scenario.
        """
        if self.problem_data is None:
            raise ValueError(f"{self.label or 'this outcome'} was read from a folder: it has no scenario")
        return self.problem_data

    # ------------------------------------------------------------------ the search

    @property
    def status(self) -> SolveStatus:
        """``OPTIMAL``, ``FEASIBLE`` (best found in the time limit), ``INFEASIBLE`` (the
        rules and pins cannot all hold: see `conflicts`) or ``UNKNOWN`` (nothing found)."""
        return self.result.status

    @property
    def objective(self) -> int | None:
        return self.result.objective

    @property
    def bound(self) -> float | None:
        """CP-SAT's proven bound on the objective."""
        return self.result.bound

    @property
    def gap(self) -> float | None:
        """(bound − objective) / max(1, |objective|); as summary.json holds it when read back."""
        if self.problem_data is None:
            return self.summary_json.get("gap")
        return self.result.gap

    @property
    def seconds(self) -> float:
        """Wall-clock seconds of the search."""
        return self.result.solve_seconds

    @property
    def has_allocation(self) -> bool:
        return self.status.has_allocation

    # ------------------------------------------------------------------ the tables

    def _table(self, name: str) -> pd.DataFrame:
        return self.tables.get(name, pd.DataFrame())

    @property
    def allocations(self) -> pd.DataFrame:
        """One row per school, as allocations.csv."""
        return self._table("allocations")

    @property
    def specialists(self) -> pd.DataFrame:
        """One row per specialist, as specialists.csv."""
        return self._table("specialists")

    @property
    def work_groups(self) -> pd.DataFrame:
        """One row per work group, as work_groups.csv."""
        return self._table("work_groups")

    @property
    def changes(self) -> pd.DataFrame:
        """A re-run's changes since the previous run, as changes.csv (empty otherwise)."""
        return self._table("changes")

    @property
    def terms(self) -> pd.Series:
        """The objective by term (place, priority, travel, focus, continuity) and in total.

        Travel and focus are costs, so negative; the terms sum to the objective.
        """
        terms = self.summary_json.get("objective_terms") or {}
        values = {t: terms.get(t) for t in (*TERMS, *(t for t in terms if t not in TERMS))}  # + keep in re-runs
        values["objective"] = self.objective
        return pd.Series(values, name="value", dtype="Int64")

    @property
    def by_stage(self) -> pd.DataFrame:
        """Schools applied, placed and unplaced by stage."""
        counts = self.summary_json.get("by_stage") or {}
        frame = pd.DataFrame(
            [{"stage": s, **counts.get(s, {"applied": 0, "placed": 0, "unplaced": 0})} for s in STAGES],
            columns=["stage", "applied", "placed", "unplaced"],
        )
        return frame.set_index("stage")

    @property
    def summary(self) -> pd.DataFrame:
        """Key figures as one table (figure → value): see `key_figures`."""
        figures = self.key_figures()
        return pd.DataFrame({"value": pd.Series(figures, dtype=object)}).rename_axis("figure")

    def key_figures(self, num_ranks: int | None = None) -> dict[str, Any]:
        """The run's key figures, as `allocate sweep` tabulates them.

        Parameters
        ----------
        num_ranks
            How many ``focus_rank_N`` counts to give (default: the scenario's number of
            focus codes, or the highest rank in the table).

        Returns
        -------
        dict
            ``status``, ``objective``, ``bound``, ``gap``, ``seconds``; ``placed``,
            ``unplaced`` and ``placed_<stage>``; ``groups_running``; ``trips``,
            ``total_km`` and ``mean_km`` (every school–specialist and school–venue trip
            of a placed school, from the tables' one-decimal km, so a run and its output
            folder agree); ``focus_rank_1``, ... (placed schools given their 1st, 2nd,
            ... focus choice); ``term_<name>`` for each objective term.
        """
        if num_ranks is None and self.problem_data is not None:
            num_ranks = len(self.problem_data.foci)
        return key_figures(self.allocations, self.summary_json, str(self.status), num_ranks)

    def trips(self) -> pd.DataFrame:
        """One row per school–specialist and school–venue trip, with both ends' positions.

        For maps. Needs the scenario (not available for an output folder read back).
        """
        if self.problem_data is None:
            raise ValueError("trips need the scenario: solve it rather than reading a folder")
        problem = self.problem
        schools = {s.urn: s for s in problem.schools}
        specialists = {p.id: p for p in problem.specialists}
        groups = {g.id: g for g in problem.work_groups}
        rows = []
        for record in self.allocations.to_dict("records"):
            if record["status"] != "placed":
                continue
            school = schools[str(record["urn"])]
            for kind, target, km in (
                ("specialist", str(record["specialist"]), str(record["km_to_specialist"])),
                ("work_group", str(record["work_group"]), str(record["km_to_venue"])),
            ):
                if not target:
                    continue
                where = specialists[target].location if kind == "specialist" else groups[target].venue
                rows.append(
                    {
                        "urn": school.urn,
                        "stage": school.stage,
                        "to": kind,
                        "id": target,
                        "school_latitude": school.location.lat,
                        "school_longitude": school.location.lon,
                        "latitude": where.lat,
                        "longitude": where.lon,
                        "km": float(km),
                    }
                )
        return pd.DataFrame(
            rows,
            columns=["urn", "stage", "to", "id", "school_latitude", "school_longitude", "latitude", "longitude", "km"],
        )

    # ------------------------------------------------------------------ files

    def write(self, out_dir: str | Path, formats: Sequence[str] = ("csv",)) -> list[Path]:
        """Write the tables and summary.json as `allocate` does (whole or not at all).

        Raises
        ------
        ValueError
            When there is no allocation to write.
        allocator.report.outdir.OutputError
            When `out_dir` exists and was not written by allocate.
        """
        from allocator.report.tables import write_outputs

        if not self.has_allocation:
            raise ValueError(f"there is no allocation to write (status {self.status})")
        extra: dict[str, Callable[[Path], None]] = {}
        if "xlsx" in formats or "html" in formats:
            if self.problem_data is None:
                raise ValueError("xlsx and html need a solved run, not a folder read back")
            if "xlsx" in formats:
                from allocator.report.workbook import write_workbook

                extra["xlsx"] = lambda folder: write_workbook(folder / "allocation.xlsx", self)
            if "html" in formats:
                from allocator.report.html import write_html

                extra["html"] = lambda folder: write_html(folder / "report.html", self)
        if self.problem_data is None:
            tables = {name: self._table(name) for name in TABLES}
        else:  # every table of the run (changes, calendar, letters) and the .ics files
            from allocator.report.calendar import write_calendars

            tables = dict(self.tables)
            extra["csv"] = lambda folder: write_calendars(folder, self)
        return write_outputs(Path(out_dir), tables, self.summary_json, tuple(formats), extra)

    @classmethod
    def read(cls, folder: str | Path, label: str | None = None) -> Outcome:
        """Read an output folder written by `allocate` (summary.json and the CSV tables).

        Raises
        ------
        FileNotFoundError
            When the folder lacks summary.json or allocations.csv.
        """
        from allocator.report.tables import SUMMARY

        folder = Path(folder)
        summary_path = folder / SUMMARY
        if not summary_path.is_file():
            raise FileNotFoundError(f"{folder}: has no {SUMMARY}; is it an allocate output folder?")
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        tables = {}
        for name in TABLES:
            path = folder / f"{name}.csv"
            if path.is_file():
                tables[name] = pd.read_csv(path, dtype=str, keep_default_na=False)
            elif name == "allocations":
                raise FileNotFoundError(f"{folder}: has no allocations.csv")
            else:
                tables[name] = pd.DataFrame()
        status = str(summary.get("status", ""))
        result = SearchResult(
            status=SolveStatus(status) if status in SolveStatus.__members__ else SolveStatus.UNKNOWN,
            allocation=None,
            objective=summary.get("objective"),
            bound=summary.get("bound"),
            solve_seconds=float(summary.get("solve_seconds") or 0.0),
            interrupted=bool(summary.get("interrupted", False)),
            deterministic=bool(summary.get("deterministic", False)),
        )
        return cls(
            result=result,
            tables=tables,
            summary_json=summary,
            label=folder.name if label is None else label,
        )


def key_figures(
    allocations: pd.DataFrame,
    summary_json: Mapping[str, Any],
    status: str,
    num_ranks: int | None = None,
) -> dict[str, Any]:
    """Key figures of a run from its allocations table and summary (see `Outcome.key_figures`)."""
    figures: dict[str, Any] = {
        "status": status,
        "objective": summary_json.get("objective"),
        "bound": summary_json.get("bound"),
        "gap": summary_json.get("gap"),
        "seconds": summary_json.get("solve_seconds"),
    }
    by_stage = summary_json.get("by_stage") or {}
    has = bool(by_stage)
    figures["placed"] = summary_json.get("placed") if has else None
    figures["unplaced"] = summary_json.get("unplaced") if has else None
    for stage in STAGES:
        figures[f"placed_{stage}"] = by_stage.get(stage, {}).get("placed") if has else None
    figures["groups_running"] = summary_json.get("groups_running")
    km: list[float] = []
    ranks: Counter[int] = Counter()
    if has and len(allocations):
        placed = allocations[allocations["status"] == "placed"]
        for column in ("km_to_specialist", "km_to_venue"):
            km += [float(v) for v in placed[column].astype(str) if v not in ("", "nan")]
        for value in placed["focus_rank"].astype(str):
            if value not in ("", "nan"):
                ranks[int(float(value))] += 1
    figures["trips"] = len(km) if has else None
    figures["total_km"] = round(sum(km), 1) if has else None
    figures["mean_km"] = round(sum(km) / len(km), 1) if km else None
    if num_ranks is None:
        num_ranks = max(ranks, default=0)
    for rank in range(1, max(num_ranks, max(ranks, default=0)) + 1):
        figures[f"focus_rank_{rank}"] = ranks.get(rank, 0) if has else None
    terms = summary_json.get("objective_terms") or {}
    for term in TERMS:
        figures[f"term_{term}"] = terms.get(term)
    return figures
