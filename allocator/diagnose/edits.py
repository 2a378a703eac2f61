"""Edits a hub lead can make to the scenario's files, and what each does in memory.

A recommendation is one edit (or two): a cell of a table or a key of scenario.yml, with
its old and new value. `Change` is one such edit together with the in-memory change of
`ProblemData` it stands for, so that the re-solve behind a recommendation is exactly
what the hub lead gets by making the edit and running allocate again.

Per-school settings (a school's own `max_travel_km` and `allow_cross_hub` cells) are
applied to the eligibility by re-deciding that school's row on a one-school problem
whose rules are the school's own; this gives the same pairs whether or not the loaded
`School` carries those fields, so recommendations of those kinds work on either data
model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from allocator.problem.data import ProblemData, Requirement, School, Stage
from allocator.problem.eligibility import Eligibility, compute_eligibility, lead_values, venue_triples
from allocator.problem.keep import kept_placements
from allocator.problem.rules import cohort_available, lead_candidates, meets_at_chosen_lead

SCHOOL_SETTINGS = ("max_travel_km", "allow_cross_hub")


@dataclass(frozen=True)
class Cell:
    """One edit of a file: a table cell (`row` = spreadsheet row) or a scenario key (`row`
    None, `column` the key path such as ``rules.available_cohorts`` or ``pins``)."""

    file: str
    row: int | None
    column: str
    old: str
    new: str


@dataclass(frozen=True)
class Change:
    """One edit and its meaning for the problem.

    Attributes
    ----------
    kind
        ``capacity`` (a specialist's capacity or embedding_capacity), ``travel`` (a
        school's max_travel_km), ``cross_hub`` (a school's allow_cross_hub),
        ``max_schools`` and ``min_schools`` (a group's), ``cohort`` (one more available
        cohort) or ``pin``.
    text
        What the hub lead does, in plain words.
    cell
        The edit of the file.
    target
        Index of the specialist, group or school the edit changes (the cohort for
        ``cohort``).
    field, value
        The field changed and its new value (a `Requirement` for a pin).
    """

    kind: str
    text: str
    cell: Cell
    target: int
    field: str = ""
    value: Any = None

    @property
    def key(self) -> tuple[Any, ...]:
        """Identity of the edit: two schools blocked by the same thing share it."""
        return (self.kind, self.target, self.field, repr(self.value))


@dataclass(frozen=True)
class Files:
    """How the scenario names its files (for the `file` column)."""

    scenario: str = "scenario.yml"
    schools: str = "schools table"
    specialists: str = "specialists table"
    work_groups: str = "work groups table"

    @classmethod
    def of(cls, problem: ProblemData) -> Files:
        """Read the table names from scenario.yml (the names as written there)."""
        path = problem.scenario_path
        if path is None:
            return cls()
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            data = {}
        names = {k: str(data.get(k) or getattr(cls, k)).strip() for k in ("schools", "specialists", "work_groups")}
        return cls(path.name, **names)


def named(problem: ProblemData, kind: str, index: int) -> str:
    """``MS01 Jo Taylor``, ``Ashford Oaks Academy (985822)`` or ``WG-B1``."""
    if kind == "specialist":
        sp = problem.specialists[index]
        return f"{sp.id} {sp.name}".strip()
    if kind == "school":
        school = problem.schools[index]
        return f"{school.name} ({school.urn})"
    return problem.work_groups[index].id


# ----------------------------------------------------------------------------- kinds


def capacity_change(problem: ProblemData, files: Files, p: int, stage: Stage) -> Change:
    """One more place of `stage` for specialist `p` (their capacity cell + 1)."""
    sp, field = problem.specialists[p], stage.capacity_field
    value = getattr(sp, field)
    written = getattr(sp.written, field) if sp.written is not None else value
    cell = Cell(files.specialists, sp.row or None, field, "" if written is None else str(written), str(value + 1))
    text = f"give {named(problem, 'specialist', p)} one more {stage} place ({value} → {value + 1})"
    return Change("capacity", text, cell, p, field, value + 1)


def travel_change(problem: ProblemData, files: Files, s: int, km: float, reach: str) -> Change:
    """This school's own travel limit: the smallest whole km reaching `reach`."""
    school = problem.schools[s]
    limit = float(max(1, math.ceil(km - 1e-9)))
    old = getattr(school, "max_travel_km", None)
    cell = Cell(files.schools, school.row or None, "max_travel_km", "" if old is None else f"{old:g}", f"{limit:g}")
    text = f"set this school's max_travel_km to {limit:g} km to reach {reach} ({km:.1f} km)"
    return Change("travel", text, cell, s, "max_travel_km", limit)


def cross_hub_change(problem: ProblemData, files: Files, s: int) -> Change:
    school = problem.schools[s]
    old = getattr(school, "allow_cross_hub", None)
    cell = Cell(files.schools, school.row or None, "allow_cross_hub", "" if old is None else _yes_no(old), "yes")
    return Change("cross_hub", "allow cross-hub placement for this school", cell, s, "allow_cross_hub", True)


def max_schools_change(problem: ProblemData, files: Files, g: int) -> Change:
    group = problem.work_groups[g]
    cell = Cell(files.work_groups, group.row or None, "max_schools", str(group.max_schools), str(group.max_schools + 1))
    text = f"give work group {group.id} one more seat (max_schools {group.max_schools} → {group.max_schools + 1})"
    return Change("max_schools", text, cell, g, "max_schools", group.max_schools + 1)


def min_schools_change(problem: ProblemData, files: Files, g: int, can_join: int) -> Change:
    """Run group `g`: its min_schools lowered to the number of schools that can join."""
    group = problem.work_groups[g]
    cell = Cell(files.work_groups, group.row or None, "min_schools", str(group.min_schools), str(can_join))
    text = (
        f"run work group {group.id}: lower its min_schools from {group.min_schools} to {can_join}, "
        f"the number of schools that can join"
    )
    return Change("min_schools", text, cell, g, "min_schools", can_join)


def cohort_change(problem: ProblemData, files: Files, cohort: int) -> Change:
    current = sorted(problem.rules.available_cohorts or ())
    new = sorted({*current, cohort})
    cell = Cell(files.scenario, None, "rules.available_cohorts", _list(current), _list(new))
    return Change("cohort", f"make cohort {cohort} available", cell, cohort, "available_cohorts", tuple(new))


def pin_change(problem: ProblemData, files: Files, s: int, specialist: int | None, group: int | None) -> Change:
    school = problem.schools[s]
    if specialist is not None:
        target, entry = named(problem, "specialist", specialist), f"specialist: {problem.specialists[specialist].id}"
    else:
        assert group is not None
        target, entry = f"work group {problem.work_groups[group].id}", f"group: {problem.work_groups[group].id}"
    cell = Cell(files.scenario, None, "pins", "", f'{{school: "{school.urn}", {entry}}}')
    pin = Requirement(s, specialist, group, index=len(problem.pins))
    return Change("pin", f"pin it to {target}", cell, s, "pins", pin)


def _list(values: Sequence[int]) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


# ----------------------------------------------------------------------------- in memory


def school_settings(problem: ProblemData, s: int, overrides: dict[str, Any] | None = None) -> tuple[float, bool]:
    """School `s`'s travel limit and cross-hub setting: its own cells (or `overrides`),
    else the rules'. A school's own limit replaces the rule's, even when larger."""
    school, rules = problem.schools[s], problem.rules
    values = {name: getattr(school, name, None) for name in SCHOOL_SETTINGS}
    values.update(overrides or {})
    km = rules.max_travel_km if values["max_travel_km"] is None else float(values["max_travel_km"])
    cross = rules.allow_cross_hub if values["allow_cross_hub"] is None else bool(values["allow_cross_hub"])
    return km, cross


def school_row(
    problem: ProblemData, s: int, km: float, cross: bool, leads_of: Eligibility | None = None
) -> Eligibility:
    """School `s`'s pairs under its own travel limit and cross-hub setting: the eligibility
    of a one-school problem whose rules are the school's (same specialists and groups, so
    `leads_of`, an eligibility of this problem, gives the possible leads)."""
    forbids = tuple(replace(f, school_idx=0) for f in problem.forbids if f.school_idx == s)
    one = replace(
        problem,
        schools=(problem.schools[s],),
        rules=replace(problem.rules, max_travel_km=km, allow_cross_hub=cross),
        pins=(),
        forbids=forbids,
        previous=None,
    )
    return compute_eligibility(one, leads_of)


def with_school_row(elig: Eligibility, s: int, row: Eligibility) -> Eligibility:
    """`elig` with school `s`'s pairs replaced by `row`'s (a one-school eligibility).

    Only the pairs, their values and the school's trips to the possible leads of groups
    meeting at their chosen lead change (what the search reads); the reason and km
    arrays stay the base's, to avoid copying them for every candidate.
    """
    keep_sp = elig.specialist_pairs[:, 0] != s
    keep_sg = elig.group_pairs[:, 0] != s
    keep_vt = elig.venue_triples[:, 0] != s
    new_sp = row.specialist_pairs.copy()
    new_sp[:, 0] = s
    new_sg = row.group_pairs.copy()
    new_sg[:, 0] = s
    new_vt = row.venue_triples.copy()
    new_vt[:, 0] = s
    return replace(
        elig,
        specialist_pairs=np.concatenate([elig.specialist_pairs[keep_sp], new_sp]).reshape(-1, 2),
        specialist_pair_value=np.concatenate([elig.specialist_pair_value[keep_sp], row.specialist_pair_value]),
        group_pairs=np.concatenate([elig.group_pairs[keep_sg], new_sg]).reshape(-1, 2),
        group_pair_value=np.concatenate([elig.group_pair_value[keep_sg], row.group_pair_value]),
        venue_triples=np.concatenate([elig.venue_triples[keep_vt], new_vt]).reshape(-1, 3),
        venue_triple_value=np.concatenate([elig.venue_triple_value[keep_vt], row.venue_triple_value]),
    )


def _with_specialist_columns(problem: ProblemData, elig: Eligibility, changed: Sequence[int]) -> Eligibility:
    """`elig` with the pairs of specialists `changed` decided again (their capacity went
    from 0, or their cohort became available), in the order deciding every pair gives."""
    index = {p: n for n, p in enumerate(changed)}
    forbids = tuple(
        replace(f, specialist_idx=index[f.specialist_idx]) for f in problem.forbids if f.specialist_idx in index
    )
    some = replace(
        problem, specialists=tuple(problem.specialists[p] for p in changed), work_groups=(), pins=(), forbids=forbids
    )
    columns = compute_eligibility(some)
    keep = ~np.isin(elig.specialist_pairs[:, 1], np.asarray(changed, dtype=np.int64))
    new = columns.specialist_pairs.copy()
    new[:, 1] = np.asarray(changed, dtype=np.int64)[new[:, 1]]
    out = replace(
        elig,
        specialist_pairs=np.concatenate([elig.specialist_pairs[keep], new]).reshape(-1, 2),
        specialist_pair_value=np.concatenate([elig.specialist_pair_value[keep], columns.specialist_pair_value]),
    )
    return _in_order(_school_rows_again(problem, out, {int(x) for x in new[:, 0].tolist()}))


def _in_order(elig: Eligibility) -> Eligibility:
    """Pairs and trips in the order deciding every pair gives (by school, then
    specialist or group, then lead), so that the model's variables come in the same
    order as for the scenario decided from scratch."""
    out = {}
    for rows, values in (
        ("specialist_pairs", "specialist_pair_value"),
        ("group_pairs", "group_pair_value"),
        ("venue_triples", "venue_triple_value"),
    ):
        table = getattr(elig, rows)
        order = np.lexsort(table.T[::-1]) if len(table) else np.zeros(0, dtype=np.int64)
        out[rows], out[values] = table[order], getattr(elig, values)[order]
    return replace(elig, **out)


def _with_leads_again(problem: ProblemData, elig: Eligibility, group_leads: tuple[tuple[int, ...], ...]) -> Eligibility:
    """`elig` with the possible leads `group_leads` (and what follows from them: their
    travel, the trips to a lead where a group meets at it) and the previous placements
    that still count, after specialists' availability changed (no group meeting at its
    chosen lead gained or lost one: who may join it would change too)."""
    triples, triple_value = venue_triples(problem, elig.group_pairs, group_leads, elig.school_limit_km)
    return replace(
        elig,
        group_leads=group_leads,
        lead_value=lead_values(problem, group_leads),
        venue_triples=triples,
        venue_triple_value=triple_value,
        keep_targets=kept_placements(problem),
    )


def _school_rows_again(problem: ProblemData, elig: Eligibility, schools: set[int]) -> Eligibility:
    """Re-decide the rows of schools with settings of their own (idempotent when the
    eligibility already honours them)."""
    for s in sorted(schools):
        school = problem.schools[s]
        if any(getattr(school, name, None) is not None for name in SCHOOL_SETTINGS):
            elig = with_school_row(elig, s, school_row(problem, s, *school_settings(problem, s), elig))
    return elig


def apply_changes(
    problem: ProblemData, elig: Eligibility, changes: Sequence[Change]
) -> tuple[ProblemData, Eligibility, set[int]]:
    """The problem and eligibility after `changes`, and the schools whose pairs changed.

    Cohorts first (they re-decide every pair), then the rest in order.
    """
    touched: set[int] = set()
    settings: dict[int, dict[str, Any]] = {}  # per school: its own settings changed so far
    ordered = sorted(changes, key=lambda c: c.kind != "cohort")
    for change in ordered:
        problem, elig = _apply_one(problem, elig, change, touched, settings)
    return problem, elig, touched


def _apply_one(
    problem: ProblemData,
    elig: Eligibility,
    change: Change,
    touched: set[int],
    settings: dict[int, dict[str, Any]],
) -> tuple[ProblemData, Eligibility]:
    kind, target = change.kind, change.target
    if kind == "capacity":
        sp = problem.specialists[target]
        was = getattr(sp, change.field)
        specialists = list(problem.specialists)
        specialists[target] = sp.with_values(**{change.field: change.value})
        problem = replace(problem, specialists=tuple(specialists))
        if was == 0:  # pairs that "no places" ruled out now exist
            elig = _with_specialist_columns(problem, elig, [target])
        return problem, elig
    if kind in ("max_schools", "min_schools"):
        groups = list(problem.work_groups)
        groups[target] = replace(groups[target], **{change.field: change.value})
        return replace(problem, work_groups=tuple(groups)), elig
    if kind in ("travel", "cross_hub"):
        school = problem.schools[target]
        if change.field in {f.name for f in fields(School)}:
            schools = list(problem.schools)
            schools[target] = replace(school, **{change.field: change.value})
            problem = replace(problem, schools=tuple(schools))
        overrides = settings.setdefault(target, {})
        overrides[change.field] = change.value
        row = school_row(problem, target, *school_settings(problem, target, overrides), elig)
        touched.add(target)
        return problem, with_school_row(elig, target, row)
    if kind == "cohort":
        # Only the specialists whose availability changed have other pairs, and the
        # possible leads may change; the rest is as it was (the same as deciding every
        # pair again, a third of a second at national scale, checked by the tests).
        cohorts = tuple(change.value)
        available = tuple(replace(p, available=cohort_available(p.cohort, cohorts)) for p in problem.specialists)
        changed = [
            p for p, (a, b) in enumerate(zip(available, problem.specialists, strict=True)) if a.available != b.available
        ]
        problem = replace(problem, rules=replace(problem.rules, available_cohorts=cohorts), specialists=available)
        touched.update(range(problem.num_schools))
        if not changed:
            return problem, elig
        group_leads = lead_candidates(problem)
        if any(
            meets_at_chosen_lead(g) and group_leads[n] != elig.group_leads[n] for n, g in enumerate(problem.work_groups)
        ):  # who may join such a group depends on where its possible leads are
            return problem, compute_eligibility(problem)
        return problem, _with_leads_again(problem, _with_specialist_columns(problem, elig, changed), group_leads)
    if kind == "pin":
        return replace(problem, pins=(*problem.pins, change.value)), elig
    raise ValueError(f"unknown kind of change: {kind}")
