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

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.inputs.issues import Issue
from allocator.inputs.limits import EXPLAIN_SECONDS
from allocator.inputs.rows import REQUIRED_COLUMNS
from allocator.outcome import TERMS, Outcome, key_figures
from allocator.problem import variants
from allocator.problem.data import ProblemData, key
from allocator.problem.variants import RuleDefaults, VariantError
from allocator.solving.search import Progress

# --------------------------------------------------------------------------------------
# Solving (before `Scenario`, whose `solve` method is this function)


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
    explain_seconds: float | None = None,
) -> Outcome:
    """Solve a scenario and verify the allocation with the independent checker.

    ``scenario.solve(...)`` is the same call.

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
    explain_seconds
        Time for the recommendations' re-solves, as ``allocate --explain-seconds``
        (default 300 s); unplaced schools not reached say "Not analysed".

    Returns
    -------
    Outcome
        "No allocation" is a status (INFEASIBLE, UNKNOWN), never an exception.

    Raises
    ------
    allocator.pipeline.CheckerFailure
        When the independent checker finds a broken rule (a bug to report).
    """
    from allocator.pipeline import run

    if isinstance(scenario, ProblemData):
        scenario = Scenario.from_problem(scenario)
    scenario = scenario.with_solver(time_limit_s=time_limit_s, workers=workers, seed=seed, deterministic=deterministic)
    problem = scenario.problem
    if previous is not None:
        from allocator.inputs.previous import previous_of

        problem = previous_of(problem, previous)
    outcome = run(
        problem,
        problem.solver,
        on_progress=on_progress,
        locations_level=scenario.locations_level,
        recommendations=recommendations,
        explain_seconds=EXPLAIN_SECONDS if explain_seconds is None else explain_seconds,
    )
    outcome.scenario = scenario
    if outcome.summary_json and scenario.changes:
        # The run's inputs are no longer the bytes of the files: say so rather than
        # quoting a hash that would claim they are.
        summary = dict(outcome.summary_json)
        summary["variant_of_sha256"] = summary.get("scenario_sha256", "")
        summary["scenario_sha256"] = ""
        summary["changes"] = list(scenario.changes)
        outcome.summary_json = summary
    return outcome


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
        columns = (*REQUIRED_COLUMNS["schools"], "latitude", "longitude", "location_source", "focus_choices",
                   "previous_specialist", "priority", "trust")  # fmt: skip
        return _frame(
            self.problem.schools,
            columns,
            latitude=lambda s: s.location.lat,
            longitude=lambda s: s.location.lon,
            location_source=lambda s: s.location.source,
            focus_choices=lambda s: ";".join(s.focus_choices),
            previous_specialist=lambda s: s.previous_specialist or "",
            trust=lambda s: s.trust or "",
        )

    @property
    def specialists(self) -> pd.DataFrame:
        """One row per specialist, with rule defaults applied and availability decided."""
        columns = ("id", "name", "hub", "phase", "cohort", "available", "capacity", "embedding_capacity", "max_groups",
                   "max_travel_km", "school_urn", "postcode", "latitude", "longitude", "trust")  # fmt: skip
        return _frame(
            self.problem.specialists,
            columns,
            school_urn=lambda p: p.school_urn or "",
            latitude=lambda p: p.location.lat,
            longitude=lambda p: p.location.lon,
            trust=lambda p: p.trust or "",
        )

    @property
    def work_groups(self) -> pd.DataFrame:
        """One row per work group that could run, with its venue."""
        columns = ("id", "hub", "phase", "focus", "fixed_lead", "min_schools", "max_schools", "venue_postcode",
                   "latitude", "longitude")  # fmt: skip
        specialists = self.problem.specialists
        return _frame(
            self.problem.work_groups,
            columns,
            focus=lambda g: g.focus or "",
            fixed_lead=lambda g: "" if g.lead_idx is None else specialists[g.lead_idx].id,
            venue_postcode=lambda g: g.venue_postcode or "",
            latitude=lambda g: g.venue.lat,
            longitude=lambda g: g.venue.lon,
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

    # ``scenario.solve(...)`` is ``allocator.allocate(scenario, ...)``: one signature, one docstring.
    solve = allocate


def _frame(items: Iterable[Any], columns: Sequence[str], **computed: Callable[[Any], Any]) -> pd.DataFrame:
    """One row per item and one column per name: the item's attribute of that name, or
    ``computed[name](item)`` for a column that is not a plain attribute."""
    rows = [{c: computed[c](item) if c in computed else getattr(item, c) for c in columns} for item in items]
    return pd.DataFrame(rows, columns=list(columns))


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
    "TERMS",
    "Outcome",
    "Scenario",
    "VariantError",
    "fewest_specialists",
    "key_figures",
    "load_scenario",
    "allocate",
]
