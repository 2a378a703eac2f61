"""The analysts' Python API: load a scenario, derive variants, solve, read the tables.

A `Scenario` is a loaded, validated scenario plus what is needed to derive variants from
it in memory (`allocator.problem.variants`): every ``with_*`` / ``without_*`` method returns a
new `Scenario` and leaves the files alone. `allocate` returns an `Outcome` whose tables are
pandas DataFrames, the same tables `allocate` writes.

Examples
--------
>>> import allocator
>>> demo = allocator.load_scenario("scenarios/demo/scenario.yml", locations="sector")
>>> shorter = demo.with_rules(max_travel_km=40).without_specialists("MS05")
>>> outcome = allocator.allocate(shorter, time_limit_s=10)
>>> outcome.status, outcome.terms["travel"]  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.inputs.issues import Issue
from allocator.problem import variants
from allocator.problem.data import STAGES, ProblemData, key
from allocator.problem.variants import RuleDefaults, VariantError
from allocator.report.tables import SUMMARY
from allocator.solving.solve import Progress

TERMS = ("place", "priority", "travel", "focus", "continuity")


# --------------------------------------------------------------------------------------
# Scenario


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated scenario, and the variants derived from it.

    Attributes
    ----------
    problem
        The frozen, index-based problem every layer works on.
    defaults
        Which specialists took the rule defaults (capacity, ...); None when unknown
        (a problem built in code), in which case changing those rules raises.
    warnings
        Warnings found while loading (they do not stop a run).
    locations_level
        The postcode lookup level used: ``exact``, ``sector`` or ``district``.
    changes
        What each variant step changed, in order (empty for the scenario as loaded).
    schools_file
        How messages name the schools table.
    """

    problem: ProblemData
    defaults: RuleDefaults | None = None
    warnings: tuple[Issue, ...] = ()
    locations_level: str = "sector"
    changes: tuple[str, ...] = ()
    schools_file: str = "schools"

    @classmethod
    def from_problem(cls, problem: ProblemData, defaults: RuleDefaults | None = None) -> Scenario:
        """Wrap a `ProblemData` built in code (its defaults are unknown unless given)."""
        return cls(problem, defaults)

    # ------------------------------------------------------------------ what it holds

    @property
    def name(self) -> str:
        return self.problem.name

    @property
    def schools(self) -> pd.DataFrame:
        """One row per applying school, with its location (no personal data)."""
        return pd.DataFrame(
            [
                {
                    "urn": s.urn,
                    "name": s.name,
                    "hub": s.hub,
                    "phase": s.phase,
                    "stage": s.stage,
                    "postcode": s.postcode,
                    "latitude": s.location.lat,
                    "longitude": s.location.lon,
                    "location_source": s.location.source,
                    "focus_choices": ";".join(s.focus_choices),
                    "previous_specialist": s.previous_specialist or "",
                    "priority": s.priority,
                    "trust": s.trust or "",
                }
                for s in self.problem.schools
            ],
            columns=[
                "urn",
                "name",
                "hub",
                "phase",
                "stage",
                "postcode",
                "latitude",
                "longitude",
                "location_source",
                "focus_choices",
                "previous_specialist",
                "priority",
                "trust",
            ],
        )

    @property
    def specialists(self) -> pd.DataFrame:
        """One row per specialist, with rule defaults applied and availability decided."""
        return pd.DataFrame(
            [
                {
                    "id": p.id,
                    "name": p.name,
                    "hub": p.hub,
                    "phase": p.phase,
                    "cohort": p.cohort,
                    "available": p.available,
                    "capacity": p.capacity,
                    "embedding_capacity": p.embedding_capacity,
                    "max_groups": p.max_groups,
                    "max_travel_km": p.max_travel_km,
                    "school_urn": p.school_urn or "",
                    "postcode": p.postcode,
                    "latitude": p.location.lat,
                    "longitude": p.location.lon,
                    "trust": p.trust or "",
                }
                for p in self.problem.specialists
            ],
            columns=[
                "id",
                "name",
                "hub",
                "phase",
                "cohort",
                "available",
                "capacity",
                "embedding_capacity",
                "max_groups",
                "max_travel_km",
                "school_urn",
                "postcode",
                "latitude",
                "longitude",
                "trust",
            ],
        )

    @property
    def work_groups(self) -> pd.DataFrame:
        """One row per work group that could run, with its venue."""
        return pd.DataFrame(
            [
                {
                    "id": g.id,
                    "hub": g.hub,
                    "phase": g.phase,
                    "focus": g.focus or "",
                    "fixed_lead": "" if g.lead_idx is None else self.problem.specialists[g.lead_idx].id,
                    "min_schools": g.min_schools,
                    "max_schools": g.max_schools,
                    "venue_postcode": g.venue_postcode or "",
                    "latitude": g.venue.lat,
                    "longitude": g.venue.lon,
                }
                for g in self.problem.work_groups
            ],
            columns=[
                "id",
                "hub",
                "phase",
                "focus",
                "fixed_lead",
                "min_schools",
                "max_schools",
                "venue_postcode",
                "latitude",
                "longitude",
            ],
        )

    def supply(self) -> pd.DataFrame:
        """Places against applications per hub, phase and stage (as `allocate check` lists
        them), with ``short`` = demand beyond supply."""
        from dataclasses import asdict

        from allocator.analysis.supply import supply_demand

        rows = [{**asdict(r), "short": max(0, r.demand - r.supply)} for r in supply_demand(self.problem)]
        return pd.DataFrame(rows)

    def check(self) -> str:
        """What `allocate check` prints: what was read, supply against demand, warnings."""
        from allocator.analysis.supply import check_lines

        lines = check_lines(self.problem, self.locations_level, [str(w) for w in self.warnings], self.schools_file)
        if self.changes:
            lines += ["", "Changed from the scenario file:", *(f"  {c}" for c in self.changes)]
        return "\n".join(lines)

    # ------------------------------------------------------------------ variants

    def _derived(
        self,
        problem: ProblemData,
        change: str,
        defaults: RuleDefaults | None = None,
        notes: Iterable[str] = (),
    ) -> Scenario:
        notes = tuple(notes)
        text = change + (f" ({'; '.join(notes)})" if notes else "")
        return replace(
            self,
            problem=problem,
            defaults=self.defaults if defaults is None else defaults,
            changes=(*self.changes, text),
        )

    def with_rules(self, **changes: Any) -> Scenario:
        """A variant under other rules, e.g. ``with_rules(max_travel_km=40)``.

        Keys are those of ``rules:`` in scenario.yml. A new
        ``departments_per_specialist`` (``embedding_per_specialist``,
        ``groups_per_lead``) applies to the specialists whose table cell was blank, as
        it would in the file; new ``available_cohorts`` decide who is available.

        Raises
        ------
        VariantError
            For a key or value the scenario file would reject.
        """
        problem = variants.with_rules(self.problem, self.defaults, **changes)
        return self._derived(problem, _change_text("rules", changes))

    def with_weights(self, **changes: Any) -> Scenario:
        """A variant with other objective weights, e.g. ``with_weights(travel_per_km=5)``.

        Raises
        ------
        VariantError
            For a key or value the scenario file would reject.
        """
        problem = variants.with_weights(self.problem, **changes)
        return self._derived(problem, _change_text("weights", changes))

    def with_solver(self, **changes: Any) -> Scenario:
        """A variant with other solver settings (``time_limit_s``, ``workers``, ``seed``,
        ``deterministic``); None values are ignored."""
        problem = variants.with_solver(self.problem, **changes)
        if problem is self.problem:
            return self
        return replace(self, problem=problem)  # how to solve is not a change of the scenario

    def with_specialist(self, specialist_id: str, **changes: Any) -> Scenario:
        """A variant with one specialist's values set, e.g. ``with_specialist("MS03", capacity=2)``.

        Keys: ``capacity``, ``embedding_capacity``, ``max_groups``, ``max_travel_km``,
        ``cohort``. A value set here is the specialist's own: later rule changes leave it.

        Raises
        ------
        VariantError
            For an unknown id or key, or a bad value.
        """
        problem = variants.with_specialist(self.problem, specialist_id, **changes)
        defaults = None if self.defaults is None else self.defaults.written(specialist_id, changes)
        return self._derived(problem, _change_text(f"specialists.{specialist_id}", changes), defaults)

    def without_specialists(self, *specialist_ids: str) -> Scenario:
        """A variant in which these specialists withdraw.

        Pins and forbids naming them are dropped, and a group they were the fixed lead
        of gets a lead chosen by the optimiser; `changes` records both.

        Raises
        ------
        VariantError
            For an id that is not a specialist of the scenario.
        """
        problem, notes = variants.without_specialists(self.problem, specialist_ids)
        text = f"without specialist {', '.join(specialist_ids)}"
        return self._derived(problem, text, notes=notes)

    def without_schools(self, *urns: str) -> Scenario:
        """A variant in which these schools withdraw their applications.

        Raises
        ------
        VariantError
            For a URN that is not a school of the scenario.
        """
        problem, notes = variants.without_schools(self.problem, urns)
        return self._derived(problem, f"without school {', '.join(urns)}", notes=notes)

    def without_work_groups(self, *group_ids: str) -> Scenario:
        """A variant in which these work groups cannot run.

        Raises
        ------
        VariantError
            For an id that is not a work group of the scenario.
        """
        problem, notes = variants.without_work_groups(self.problem, group_ids)
        return self._derived(problem, f"without work group {', '.join(group_ids)}", notes=notes)

    def with_school(
        self,
        urn: str,
        name: str,
        *,
        stage: str,
        phase: str,
        postcode: str,
        **columns: Any,
    ) -> Scenario:
        """A variant with one more applying school, given as a row of the schools table.

        Parameters
        ----------
        urn, name, stage, phase, postcode
            As in the schools table.
        **columns
            Any other column: ``hub`` (default: the hub of most specialists),
            ``latitude``/``longitude`` or ``easting``/``northing``, ``focus_choices``
            (``["B", "A"]`` or ``"B;A"``), ``previous_specialist``, ``priority``,
            ``trust``. The postcode is located at the scenario's level.

        Raises
        ------
        VariantError
            For a value the schools table would reject, or a URN already present.
        """
        school = variants.new_school(
            self.problem,
            urn=urn,
            name=name,
            stage=stage,
            phase=phase,
            postcode=postcode,
            locations=self.locations_level,
            **columns,
        )
        problem = variants.with_school(self.problem, school)
        return self._derived(problem, f"with school {school.urn} ({school.stage}, {school.phase})")

    def vary(self, settings: Mapping[str, Any]) -> Scenario:
        """A variant from dotted settings, as ``allocate sweep --vary`` names them.

        Examples
        --------
        >>> scenario.vary({"weights.travel_per_km": 2, "rules.max_travel_km": 40})  # doctest: +SKIP
        """
        out = self
        for path, value in settings.items():
            problem, defaults = variants.with_setting(out.problem, out.defaults, path, value)
            if path.startswith("solver."):
                out = replace(out, problem=problem)
            else:
                out = out._derived(problem, f"{path} = {_value_text(value)}", defaults)
        return out

    # ------------------------------------------------------------------ solving

    def solve(
        self,
        *,
        time_limit_s: float | None = None,
        workers: int | None = None,
        seed: int | None = None,
        deterministic: bool | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        recommendations: bool = True,
        previous: Outcome | str | Path | None = None,
    ) -> Outcome:
        """Solve this scenario: ``scenario.solve(...)`` is `allocator.allocate(scenario, ...)`.

        ``previous`` (an earlier `Outcome`, output folder or allocations table) makes it a
        re-run: places are kept where possible, locked rows hold, and the outcome's
        `changes` say what moved and why.
        """
        return allocate(
            self,
            time_limit_s=time_limit_s,
            workers=workers,
            seed=seed,
            deterministic=deterministic,
            on_progress=on_progress,
            recommendations=recommendations,
            previous=previous,
        )


def _value_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def _change_text(prefix: str, changes: Mapping[str, Any]) -> str:
    return ", ".join(f"{prefix}.{k} = {_value_text(v)}" for k, v in changes.items())


def load_scenario(path: str | Path, *, locations: str | None = None, online: bool = False) -> Scenario:
    """Read, validate and locate a scenario file.

    Parameters
    ----------
    path
        The scenario YAML; table paths in it are relative to it.
    locations
        Postcode lookup level, overriding the scenario's: ``auto``, ``exact``,
        ``sector`` (the same on every machine) or ``district``.
    online
        Geocode postcodes the offline tables do not know, online (cached on disk).

    Returns
    -------
    Scenario

    Raises
    ------
    allocator.InputError
        With every problem found, each ``file:row: column: message``.
    """
    from allocator.inputs.load import load

    loaded = load(path, locations=locations, online=online)
    return Scenario(
        problem=loaded.problem,
        defaults=RuleDefaults.from_table(loaded.tables.get("specialists")),
        warnings=tuple(loaded.warnings),
        locations_level=loaded.locator_level,
        schools_file=loaded.tables["schools"].file if "schools" in loaded.tables else "schools",
    )


# --------------------------------------------------------------------------------------
# Outcome


@dataclass(frozen=True, eq=False)
class Outcome:
    """A solved scenario (or an output folder read back): status, figures and tables.

    Attributes
    ----------
    status
        ``OPTIMAL``, ``FEASIBLE`` (best found in the time limit), ``INFEASIBLE`` (the
        rules and pins cannot all hold: see `conflicts`) or ``UNKNOWN`` (nothing found).
    objective, bound, gap
        The objective reached, CP-SAT's proven bound, and their relative gap.
    seconds
        Wall-clock seconds of the search.
    allocations, specialists, work_groups
        The output tables (as allocations.csv, specialists.csv, work_groups.csv); empty
        when there is no allocation.
    summary_json
        The run summary exactly as summary.json holds it.
    conflicts
        Why the rules cannot all hold, when INFEASIBLE.
    scenario
        The scenario solved (None for an output folder read back).
    label
        A name for comparisons (the folder's name when read back).
    """

    status: str
    objective: int | None
    bound: float | None
    gap: float | None
    seconds: float
    allocations: pd.DataFrame
    specialists: pd.DataFrame
    work_groups: pd.DataFrame
    summary_json: dict[str, Any] = field(default_factory=dict)
    conflicts: tuple[str, ...] = ()
    scenario: Scenario | None = None
    label: str = ""
    solved: Any = None  # allocator.pipeline.Solved, for the xlsx/html writers

    @property
    def has_allocation(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE")

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        tables = {
            "allocations": self.allocations,
            "specialists": self.specialists,
            "work_groups": self.work_groups,
        }
        if self.solved is not None and "changes" in self.solved.tables:
            tables["changes"] = self.changes  # a re-run's changes.csv
        return tables

    @property
    def changes(self) -> pd.DataFrame:
        """A re-run's changes since the previous run, as changes.csv (empty otherwise)."""
        if self.solved is None:
            return pd.DataFrame()
        return self.solved.tables.get("changes", pd.DataFrame())

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
        if num_ranks is None and self.scenario is not None:
            num_ranks = len(self.scenario.problem.foci)
        return key_figures(self.allocations, self.summary_json, self.status, num_ranks)

    def trips(self) -> pd.DataFrame:
        """One row per school–specialist and school–venue trip, with both ends' positions.

        For maps. Needs the scenario (not available for an output folder read back).
        """
        if self.scenario is None:
            raise ValueError("trips need the scenario: solve it rather than reading a folder")
        problem = self.scenario.problem
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
            if self.solved is None:
                raise ValueError("xlsx and html need a solved run, not a folder read back")
            if "xlsx" in formats:
                from allocator.report.workbook import write_workbook  # type: ignore[import-not-found]

                extra["xlsx"] = lambda folder: write_workbook(folder / "allocation.xlsx", self.solved)
            if "html" in formats:
                from allocator.report.html import write_html  # type: ignore[import-not-found]

                extra["html"] = lambda folder: write_html(folder / "report.html", self.solved)
        return write_outputs(Path(out_dir), self.tables, self.summary_json, tuple(formats), extra)

    @classmethod
    def read(cls, folder: str | Path, label: str | None = None) -> Outcome:
        """Read an output folder written by `allocate` (summary.json and the CSV tables).

        Raises
        ------
        FileNotFoundError
            When the folder lacks summary.json or allocations.csv.
        """
        folder = Path(folder)
        summary_path = folder / SUMMARY
        if not summary_path.is_file():
            raise FileNotFoundError(f"{folder}: has no {SUMMARY}; is it an allocate output folder?")
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        tables = {}
        for name in ("allocations", "specialists", "work_groups"):
            path = folder / f"{name}.csv"
            if path.is_file():
                tables[name] = pd.read_csv(path, dtype=str, keep_default_na=False)
            elif name == "allocations":
                raise FileNotFoundError(f"{folder}: has no allocations.csv")
            else:
                tables[name] = pd.DataFrame()
        return cls(
            status=str(summary.get("status", "")),
            objective=summary.get("objective"),
            bound=summary.get("bound"),
            gap=summary.get("gap"),
            seconds=float(summary.get("solve_seconds") or 0.0),
            allocations=tables["allocations"],
            specialists=tables["specialists"],
            work_groups=tables["work_groups"],
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


# --------------------------------------------------------------------------------------
# Solving


def allocate(
    scenario: Scenario | ProblemData,
    *,
    time_limit_s: float | None = None,
    workers: int | None = None,
    seed: int | None = None,
    deterministic: bool | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    recommendations: bool = True,
    previous: Outcome | str | Path | None = None,
) -> Outcome:
    """Solve a scenario and verify the allocation with the independent checker.

    Parameters
    ----------
    scenario
        A `Scenario` (or a bare `ProblemData`).
    time_limit_s, workers, seed, deterministic
        Override the scenario's ``solver:`` settings.
    on_progress
        Called about twice a second with the search's progress.
    recommendations
        Fill the allocations table's ``recommendation`` column by re-solving what-if
        variants for each unplaced school, as `allocate` does (a few solves more per
        unplaced school); False leaves it blank and is much faster for searches.
    previous
        An earlier `Outcome`, output folder or allocations table: a re-run that keeps
        places where possible (weight ``keep``), holds locked rows and lists changes.

    Returns
    -------
    Outcome
        "No allocation" is a status (INFEASIBLE, UNKNOWN), never an exception.

    Raises
    ------
    allocator.pipeline.CheckerFailure
        When the independent checker finds a broken rule (a bug to report).
    """
    from allocator.pipeline import allocate as run_allocate

    if isinstance(scenario, ProblemData):
        scenario = Scenario.from_problem(scenario)
    scenario = scenario.with_solver(time_limit_s=time_limit_s, workers=workers, seed=seed, deterministic=deterministic)
    problem = scenario.problem
    if previous is not None:
        from allocator.inputs.previous import previous_of

        problem = previous_of(problem, previous)
    solved = run_allocate(
        problem,
        problem.solver,
        on_progress=on_progress,
        locations_level=scenario.locations_level,
        recommendations=recommendations,
    )
    return outcome_of(solved, scenario)


def outcome_of(solved: Any, scenario: Scenario) -> Outcome:
    """An `Outcome` from `allocator.pipeline.allocate`'s `Solved`."""
    result = solved.result
    summary = dict(solved.summary)
    if summary and scenario.changes:
        # The run's inputs are no longer the bytes of the files: say so rather than
        # quoting a hash that would claim they are.
        summary["variant_of_sha256"] = summary.get("scenario_sha256", "")
        summary["scenario_sha256"] = ""
        summary["changes"] = list(scenario.changes)
    empty = pd.DataFrame()
    return Outcome(
        status=result.status.value,
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        seconds=result.solve_seconds,
        allocations=solved.tables.get("allocations", empty),
        specialists=solved.tables.get("specialists", empty),
        work_groups=solved.tables.get("work_groups", empty),
        summary_json=summary,
        conflicts=tuple(solved.conflicts),
        scenario=scenario,
        solved=solved,
    )


# --------------------------------------------------------------------------------------
# How many specialists does each hub need?


def fewest_specialists(
    scenario: Scenario,
    *,
    hubs: Sequence[str] | None = None,
    time_limit_s: float = 10.0,
    workers: int | None = None,
) -> pd.DataFrame:
    """For each hub, a smallest set of its specialists that still places every school
    that can be placed at all.

    How it is found (a search over solves):

    1. Solve with every available specialist and count the hub's schools placed:
       that is the target. Only placing counts here (weights: place 1, all else 0), so
       each solve proves its optimum quickly.
    2. Withdraw every specialist the allocation did not use: the allocation still
       holds without them, so the target is still reached.
    3. Try withdrawing the others one at a time, least loaded first (schools
       supported plus groups led); keep a withdrawal when the solve still reaches the
       target (then also withdraw whoever the new allocation leaves unused), else
       bring the specialist back.

    Each specialist kept was tried and found needed, and withdrawing more never
    places more, so no single kept specialist can go: the set is minimal. It is not
    proven to be the smallest possible (that would need every subset), but it is an
    honest upper bound found in a few dozen solves.

    Parameters
    ----------
    scenario
        The scenario (use a variant to ask, e.g., with cohort 5 available).
    hubs
        Hub names (default: every hub with applying schools).
    time_limit_s, workers
        For each solve.

    Returns
    -------
    pandas.DataFrame
        One row per hub: ``hub``, ``schools`` (applying), ``placeable`` (the target),
        ``available`` (available specialists of the hub), ``needed``, ``kept`` (their
        ids, ``;``-separated), ``solves``, ``proven`` (every solve OPTIMAL).
    """
    counting = scenario.with_weights(
        place=1,
        priority=0,
        travel_per_km=0,
        continuity=0,
        focus_rank=[0] * len(scenario.problem.foci),
    ).with_solver(time_limit_s=time_limit_s, workers=workers)
    names: dict[str, str] = {}
    for school in scenario.problem.schools:
        names.setdefault(key(school.hub), school.hub.strip())
    wanted = [key(h) for h in hubs] if hubs is not None else list(names)
    rows = []
    for hub in wanted:
        rows.append(_fewest_for_hub(counting, hub, names.get(hub, hub)))
    return pd.DataFrame(
        rows,
        columns=["hub", "schools", "placeable", "available", "needed", "kept", "solves", "proven"],
    )


def _fewest_for_hub(counting: Scenario, hub: str, hub_name: str) -> dict[str, Any]:
    problem = counting.problem
    hub_urns = {s.urn for s in problem.schools if key(s.hub) == hub}
    candidates = [p.id for p in problem.specialists if p.available and key(p.hub) == hub]

    def attempt(withdrawn: set[str]) -> tuple[int, Outcome]:
        variant = counting.without_specialists(*sorted(withdrawn)) if withdrawn else counting
        outcome = allocate(variant, recommendations=False)
        if not outcome.has_allocation:
            return -1, outcome
        table = outcome.allocations
        placed = int(((table["status"] == "placed") & table["urn"].isin(hub_urns)).sum())
        return placed, outcome

    def load_of(outcome: Outcome) -> Counter[str]:
        used: Counter[str] = Counter(v for v in outcome.allocations["specialist"] if v)
        used.update(v for v in outcome.work_groups["lead"] if v)
        return used

    target, outcome = attempt(set())
    solves, proven = 1, outcome.status == "OPTIMAL"
    withdrawn: set[str] = set()
    if target > 0:
        used = load_of(outcome)
        withdrawn = {p for p in candidates if used[p] == 0}
        for candidate in sorted((p for p in candidates if p not in withdrawn), key=lambda p: (used[p], p)):
            if candidate in withdrawn:
                continue
            placed, trial = attempt(withdrawn | {candidate})
            solves += 1
            proven = proven and trial.status == "OPTIMAL"
            if placed >= target:
                now_used = load_of(trial)
                withdrawn |= {candidate} | {p for p in candidates if now_used[p] == 0}
    else:
        withdrawn = set(candidates)
    kept = [p for p in candidates if p not in withdrawn]
    return {
        "hub": hub_name,
        "schools": len(hub_urns),
        "placeable": max(target, 0),
        "available": len(candidates),
        "needed": len(kept),
        "kept": ";".join(kept),
        "solves": solves,
        "proven": proven,
    }


__all__ = [
    "Outcome",
    "Scenario",
    "VariantError",
    "fewest_specialists",
    "key_figures",
    "load_scenario",
    "allocate",
]
