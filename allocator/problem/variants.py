"""Scenario variants, derived in memory: the files on disk are never touched.

Every function takes a validated `ProblemData` and returns a new one that is valid on
the same terms as a scenario file: values are checked by the same pydantic models that
check scenario.yml (`allocator.inputs.scenario`), so a variant that the file could not express
raises `VariantError` instead of reaching the solver.

Two things need care, and each is handled in exactly one place here:

* Pins, forbids and fixed leads refer to schools, specialists and work groups by
  index. Removing any of them goes through `subset`, which remaps every index and
  drops (and reports) the pins and forbids that named what was removed.
* `load` applies the rule defaults (`departments_per_specialist`, ...) to every
  specialist whose cell was blank, so `ProblemData` alone cannot tell a defaulted
  capacity of 2 from a written one. `RuleDefaults` records which specialists took each
  default (read from the raw table rows that `load` keeps), and `with_rules` updates
  exactly those.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from allocator.inputs import geo
from allocator.inputs.scenario import RulesSpec, SolverSpec, WeightsSpec, scenario_messages
from allocator.inputs.tables import Table
from allocator.problem.data import (
    PHASES_SCHOOL,
    STAGES,
    Location,
    ProblemData,
    Requirement,
    Rules,
    School,
    Weights,
    WorkGroup,
)
from allocator.problem.rules import cohort_available

if TYPE_CHECKING:
    from allocator.inputs.rows import SchoolRow

DEFAULTED_FIELDS = {
    # specialist field: the rule whose value it takes when its cell is blank
    "capacity": "departments_per_specialist",
    "embedding_capacity": "embedding_per_specialist",
    "max_groups": "groups_per_lead",
}
SPECIALIST_FIELDS = ("capacity", "embedding_capacity", "max_groups", "max_travel_km", "cohort")


class VariantError(ValueError):
    """A variant the scenario file could not express: a bad value, an unknown id, ...

    Attributes
    ----------
    messages
        One plain sentence per problem, each starting with what it concerns
        (``rules.max_travel_km: ...``).
    """

    def __init__(self, messages: Iterable[str]):
        self.messages = tuple(messages)
        super().__init__("; ".join(self.messages))


@dataclass(frozen=True)
class RuleDefaults:
    """Which specialists took each rule default because their cell was blank.

    Attributes
    ----------
    capacity, embedding_capacity, max_groups
        Specialist ids whose value came from ``rules.departments_per_specialist``,
        ``rules.embedding_per_specialist`` and ``rules.groups_per_lead``.
    """

    capacity: frozenset[str] = frozenset()
    embedding_capacity: frozenset[str] = frozenset()
    max_groups: frozenset[str] = frozenset()

    @classmethod
    def from_table(cls, table: Table | None) -> RuleDefaults:
        """Read the specialists table's raw rows: a blank or missing cell took the default."""
        if table is None:
            return cls()
        found: dict[str, set[str]] = {name: set() for name in DEFAULTED_FIELDS}
        for _row, record in table.rows:
            specialist_id = record.get("id", "").strip()
            for name in DEFAULTED_FIELDS:
                if not record.get(name, "").strip():
                    found[name].add(specialist_id)
        return cls(**{name: frozenset(ids) for name, ids in found.items()})

    @classmethod
    def everyone(cls, problem: ProblemData) -> RuleDefaults:
        """As if the table had no capacity columns: every specialist takes every default."""
        ids = frozenset(s.id for s in problem.specialists)
        return cls(ids, ids, ids)

    def written(self, specialist_id: str, names: Iterable[str]) -> RuleDefaults:
        """The record once `names` of this specialist have been set explicitly."""
        changes = {name: getattr(self, name) - {specialist_id} for name in names if name in DEFAULTED_FIELDS}
        return replace(self, **changes) if changes else self


# --------------------------------------------------------------------------------------
# Rules, weights and solver settings


def _validated(model: type[BaseModel], prefix: str, values: dict[str, Any]) -> BaseModel:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise VariantError(
            f"{prefix}.{'.'.join(str(p) for p in loc)}: {message}" for loc, message in scenario_messages(exc)
        ) from None


def _unknown(prefix: str, changes: Mapping[str, Any], known: Iterable[str]) -> None:
    known = tuple(known)
    bad = [name for name in changes if name not in known]
    if bad:
        raise VariantError(f"{prefix}.{name}: is not a known key (use one of {', '.join(known)})" for name in bad)


def with_rules(problem: ProblemData, defaults: RuleDefaults | None, **changes: Any) -> ProblemData:
    """The problem under other rules (the keys of ``rules:`` in scenario.yml).

    Parameters
    ----------
    problem
        A validated problem.
    defaults
        Which specialists took the rule defaults; needed only when a per-specialist
        default (``departments_per_specialist``, ``embedding_per_specialist``,
        ``groups_per_lead``) changes, and then applied to exactly those specialists.
        None: unknown (such a change raises).
    **changes
        Rule values, e.g. ``max_travel_km=40``, ``available_cohorts=[1, 2, 3, 4, 5]``.

    Raises
    ------
    VariantError
        For an unknown key, a value the scenario file would reject, a per-specialist
        default changed while `defaults` is None, or a fixed lead who would no longer
        be available.
    """
    names = [f.name for f in fields(Rules)]
    _unknown("rules", changes, names)
    current = {name: getattr(problem.rules, name) for name in names}
    if current["available_cohorts"] is not None:
        current["available_cohorts"] = list(current["available_cohorts"])
    changes = {k: list(v) if isinstance(v, tuple) else v for k, v in changes.items()}
    spec = _validated(RulesSpec, "rules", {**current, **changes})
    assert isinstance(spec, RulesSpec)
    cohorts = spec.available_cohorts
    if cohorts is None and len({s.cohort for s in problem.specialists}) > 1:
        raise VariantError(["rules.available_cohorts: is required because the specialists have several cohorts"])
    rules = spec.rules()
    changed_defaults = [
        field for field, rule in DEFAULTED_FIELDS.items() if getattr(rules, rule) != getattr(problem.rules, rule)
    ]
    if changed_defaults and defaults is None:
        raise VariantError(
            f"rules.{DEFAULTED_FIELDS[field]}: which specialists took the rule's default is "
            "unknown for this problem (it was not loaded from files); set their values with "
            "with_specialist, or pass RuleDefaults"
            for field in changed_defaults
        )
    specialists = []
    for specialist in problem.specialists:
        update: dict[str, Any] = {"available": cohort_available(specialist.cohort, cohorts)}
        for field in changed_defaults:
            assert defaults is not None
            if specialist.id in getattr(defaults, field):
                update[field] = getattr(rules, DEFAULTED_FIELDS[field])
        specialists.append(replace(specialist, **update))
    out = replace(problem, rules=rules, specialists=tuple(specialists))
    _require_available_fixed_leads(out, "rules.available_cohorts")
    return out


def with_weights(problem: ProblemData, **changes: Any) -> ProblemData:
    """The problem with other objective weights (the keys of ``weights:``).

    Raises
    ------
    VariantError
        For an unknown key, a weight outside 0 to 1,000,000, or a ``focus_rank`` whose
        length differs from the number of focus codes.
    """
    names = [f.name for f in fields(Weights)]
    _unknown("weights", changes, names)
    current = {name: getattr(problem.weights, name) for name in names}
    current["focus_rank"] = list(current["focus_rank"])
    changes = {k: list(v) if isinstance(v, tuple) else v for k, v in changes.items()}
    spec = _validated(WeightsSpec, "weights", {**current, **changes})
    assert isinstance(spec, WeightsSpec)
    focus_rank = tuple(spec.focus_rank or ())
    if len(focus_rank) != len(problem.foci):
        raise VariantError(
            [
                f"weights.focus_rank: has {len(focus_rank)} values but there are "
                f"{len(problem.foci)} focus codes: give one cost per focus code"
            ]
        )
    return replace(problem, weights=spec.weights(focus_rank))


def with_solver(problem: ProblemData, **changes: Any) -> ProblemData:
    """The problem with other solver settings (``time_limit_s``, ``workers``, ``seed``,
    ``deterministic``); None values are ignored.

    Raises
    ------
    VariantError
        For an unknown key or a value the scenario file would reject.
    """
    changes = {k: v for k, v in changes.items() if v is not None}
    names = [f.name for f in fields(type(problem.solver))]
    _unknown("solver", changes, names)
    if not changes:
        return problem
    current = {name: getattr(problem.solver, name) for name in names}
    spec = _validated(SolverSpec, "solver", {**current, **changes})
    return replace(problem, solver=replace(problem.solver, **spec.model_dump()))


def with_specialist(problem: ProblemData, specialist_id: str, **changes: Any) -> ProblemData:
    """The problem with one specialist's table values changed.

    Parameters
    ----------
    specialist_id
        The specialist's id.
    **changes
        Any of ``capacity``, ``embedding_capacity``, ``max_groups`` (whole numbers, 0 or
        more), ``max_travel_km`` (above 0, or None for the rule's limit) and ``cohort``
        (1 or more; availability follows ``rules.available_cohorts``).

    Raises
    ------
    VariantError
        For an unknown id or key, or a bad value.
    """
    index = _specialist_index(problem, specialist_id)
    _unknown(f"specialists.{specialist_id}", changes, SPECIALIST_FIELDS)
    problems = []
    update: dict[str, Any] = {}
    for name, value in changes.items():
        where = f"specialists.{specialist_id}.{name}"
        if name == "max_travel_km":
            if value is None:
                update[name] = None
            elif _is_number(value) and value > 0 and math.isfinite(value):
                update[name] = float(value)
            else:
                problems.append(f"{where}: {value!r} is not a distance above 0 km")
        else:
            low = 1 if name == "cohort" else 0
            if isinstance(value, int) and not isinstance(value, bool) and value >= low:
                update[name] = value
            else:
                problems.append(f"{where}: {value!r} is not a whole number, {low} or more")
    if problems:
        raise VariantError(problems)
    specialist = problem.specialists[index]
    if "cohort" in update:
        update["available"] = cohort_available(update["cohort"], problem.rules.available_cohorts)
    specialists = list(problem.specialists)
    specialists[index] = specialist.with_values(**update)  # the specialist's own, as if written
    out = replace(problem, specialists=tuple(specialists))
    _require_available_fixed_leads(out, f"specialists.{specialist_id}.cohort")
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _require_available_fixed_leads(problem: ProblemData, where: str) -> None:
    """SPEC rule 3: a fixed lead must be an available specialist (else bad input)."""
    problems = []
    for group in problem.work_groups:
        if group.lead_idx is not None and not problem.specialists[group.lead_idx].available:
            lead = problem.specialists[group.lead_idx]
            problems.append(
                f"{where}: {lead.id} is the fixed lead of work group {group.id} but would be "
                f"in cohort {lead.cohort}, which is not available: a fixed lead must be available"
            )
    if problems:
        raise VariantError(problems)


# --------------------------------------------------------------------------------------
# Removing schools, specialists and work groups: the one place that remaps indices


def subset(
    problem: ProblemData,
    *,
    schools: Sequence[int] | None = None,
    specialists: Sequence[int] | None = None,
    work_groups: Sequence[int] | None = None,
) -> tuple[ProblemData, tuple[str, ...]]:
    """Keep only some schools, specialists and work groups, remapping every index.

    Parameters
    ----------
    schools, specialists, work_groups
        Indices to keep (None: keep all); their order in the problem is kept.

    Returns
    -------
    ProblemData
        The smaller problem. Pins and forbids that name a removed school, specialist or
        group are dropped (the others keep their position in the scenario's list, so
        messages still say ``pins[3]``); a work group whose fixed lead was removed gets
        a lead chosen by the optimiser.
    tuple of str
        One sentence for each pin, forbid or fixed lead dropped.
    """

    school_map = _remap(schools, problem.num_schools)
    specialist_map = _remap(specialists, problem.num_specialists)
    group_map = _remap(work_groups, problem.num_groups)
    notes: list[str] = []
    groups = _remapped_groups(problem, group_map, specialist_map, notes)
    maps = (school_map, specialist_map, group_map)
    out = replace(
        problem,
        schools=tuple(problem.schools[i] for i in school_map),
        specialists=tuple(problem.specialists[i] for i in specialist_map),
        work_groups=groups,
        pins=_remapped_requirements(problem, problem.pins, "pins", maps, notes),
        forbids=_remapped_requirements(problem, problem.forbids, "forbid", maps, notes),
    )
    return out, tuple(notes)


def _remap(keep: Sequence[int] | None, size: int) -> dict[int, int]:
    """Old index -> new index of the kept items (None: all), in their order."""
    kept = range(size) if keep is None else sorted(set(keep))
    for i in kept:
        if not 0 <= i < size:
            raise IndexError(f"index {i} is out of range (0 to {size - 1})")
    return {old: new for new, old in enumerate(kept)}


def _remapped_groups(
    problem: ProblemData, group_map: dict[int, int], specialist_map: dict[int, int], notes: list[str]
) -> tuple[WorkGroup, ...]:
    """The kept groups; a fixed lead that was removed becomes a lead the optimiser chooses."""
    groups = []
    for old, group in enumerate(problem.work_groups):
        if old not in group_map:
            continue
        lead_idx = group.lead_idx
        if lead_idx is not None:
            if lead_idx in specialist_map:
                lead_idx = specialist_map[lead_idx]
            else:
                notes.append(
                    f"work group {group.id}: its fixed lead "
                    f"{problem.specialists[lead_idx].id} was removed; the optimiser chooses a lead"
                )
                lead_idx = None
        groups.append(replace(group, lead_idx=lead_idx))
    return tuple(groups)


def _remapped_requirements(
    problem: ProblemData,
    items: tuple[Requirement, ...],
    what: str,
    maps: tuple[dict[int, int], dict[int, int], dict[int, int]],
    notes: list[str],
) -> tuple[Requirement, ...]:
    """Pins or forbids whose school, specialist and group were all kept, remapped."""
    school_map, specialist_map, group_map = maps
    out = []
    for item in items:
        school_ok = item.school_idx in school_map
        specialist_ok = item.specialist_idx is None or item.specialist_idx in specialist_map
        group_ok = item.group_idx is None or item.group_idx in group_map
        if school_ok and specialist_ok and group_ok:
            out.append(
                replace(
                    item,
                    school_idx=school_map[item.school_idx],
                    specialist_idx=None if item.specialist_idx is None else specialist_map[item.specialist_idx],
                    group_idx=None if item.group_idx is None else group_map[item.group_idx],
                )
            )
        else:
            notes.append(f"{what}[{item.index + 1}] ({_describe(problem, item)}) was dropped")
    return tuple(out)


def _describe(problem: ProblemData, item: Requirement) -> str:
    target = (
        f"specialist {problem.specialists[item.specialist_idx].id}"
        if item.specialist_idx is not None
        else f"group {problem.work_groups[item.group_idx].id}"  # type: ignore[index]
    )
    return f"school {problem.schools[item.school_idx].urn}, {target}"


def _specialist_index(problem: ProblemData, specialist_id: str) -> int:
    wanted = str(specialist_id).strip()
    for i, specialist in enumerate(problem.specialists):
        if specialist.id == wanted:
            return i
    raise VariantError([f"specialists: {wanted} is not a specialist id of this scenario"])


def without_specialists(problem: ProblemData, specialist_ids: Iterable[str]) -> tuple[ProblemData, tuple[str, ...]]:
    """Withdraw specialists (see `subset` for what happens to pins, forbids and leads)."""
    drop = {_specialist_index(problem, i) for i in specialist_ids}
    keep = [i for i in range(problem.num_specialists) if i not in drop]
    return subset(problem, specialists=keep)


def _indices_of(items: Iterable[object], field: str, wanted: Iterable[object], unknown: str) -> set[int]:
    """Indices of the items whose `field` is among `wanted` (trimmed text); every unknown
    one is reported (`unknown` formats the id)."""
    index = {getattr(item, field): i for i, item in enumerate(items)}
    found, problems = set(), []
    for value in wanted:
        text = str(value).strip()
        if text in index:
            found.add(index[text])
        else:
            problems.append(unknown.format(text))
    if problems:
        raise VariantError(problems)
    return found


def without_schools(problem: ProblemData, urns: Iterable[str]) -> tuple[ProblemData, tuple[str, ...]]:
    """Withdraw schools' applications (see `subset` for what happens to pins and forbids)."""
    drop = _indices_of(problem.schools, "urn", urns, "schools: {} is not a school URN of this scenario")
    keep = [i for i in range(problem.num_schools) if i not in drop]
    return subset(problem, schools=keep)


def without_work_groups(problem: ProblemData, group_ids: Iterable[str]) -> tuple[ProblemData, tuple[str, ...]]:
    """Drop work groups (see `subset` for what happens to pins and forbids)."""
    drop = _indices_of(problem.work_groups, "id", group_ids, "work_groups: {} is not a work group id of this scenario")
    keep = [i for i in range(problem.num_groups) if i not in drop]
    return subset(problem, work_groups=keep)


# --------------------------------------------------------------------------------------
# Adding a school


def new_school(
    problem: ProblemData,
    *,
    urn: str,
    name: str,
    stage: str,
    phase: str,
    postcode: str,
    hub: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    easting: float | None = None,
    northing: float | None = None,
    focus_choices: Sequence[str] | str = (),
    previous_specialist: str | None = None,
    priority: int = 0,
    trust: str | None = None,
    locations: str = "sector",
) -> School:
    """A school row, validated and located exactly as a row of the schools table.

    Parameters
    ----------
    problem
        The scenario it joins (for its focus codes and, by default, its hub).
    urn, name, stage, phase, postcode, latitude, longitude, easting, northing,
    focus_choices, previous_specialist, priority, trust
        As the columns of the schools table; `focus_choices` as a list or ``"B;A;C"``.
    hub
        Default: the hub most of the scenario's specialists belong to.
    locations
        Postcode lookup level (``exact``, ``sector`` or ``district``); use the level the
        scenario was loaded with.

    Raises
    ------
    VariantError
        For a value the schools table would reject or a place that cannot be located.
    """
    from allocator.inputs.rows import SchoolRow, validation_messages

    hub = _most_common_hub(problem) if hub is None else hub
    choices = focus_choices if isinstance(focus_choices, str) else ";".join(focus_choices)
    record = {
        "urn": urn,
        "name": name,
        "hub": hub,
        "phase": phase,
        "stage": stage,
        "postcode": postcode,
        "latitude": latitude,
        "longitude": longitude,
        "easting": easting,
        "northing": northing,
        "focus_choices": choices,
        "previous_specialist": previous_specialist,
        "priority": priority,
        "trust": trust,
    }
    record = {k: "" if v is None else str(v) for k, v in record.items()}
    try:
        row = SchoolRow.model_validate(record, context={"foci": problem.foci})
    except ValidationError as exc:
        raise VariantError(
            f"school {urn}: {column}: {message}" for column, message in validation_messages(exc)
        ) from None
    location = _locate_row(row, urn, locations)
    return row.school(location)


def _most_common_hub(problem: ProblemData) -> str:
    """The hub most of the scenario's specialists (else schools) belong to."""
    hubs = [s.hub for s in problem.specialists] or [s.hub for s in problem.schools]
    return max(set(hubs), key=hubs.count) if hubs else ""


def _locate_row(row: SchoolRow, urn: str, locations: str) -> Location:
    """A new school's location, as loading finds it: coordinates, grid or postcode."""
    locator = geo.Locator(level=locations if locations != "auto" else "sector")
    location: Location | None
    if row.latitude is not None and row.longitude is not None:
        location = Location(row.latitude, row.longitude, "given")
    elif row.easting is not None and row.northing is not None:
        location = locator.locate_grid(row.easting, row.northing)
    else:
        location = locator.locate_postcode(row.postcode)
        if location is None:
            raise VariantError(
                [
                    f"school {urn}: postcode: {row.postcode} was not found in the offline postcode "
                    "tables; give latitude and longitude"
                ]
            )
    if not geo.in_great_britain(location.lat, location.lon):
        raise VariantError([f"school {urn}: lies outside Great Britain"])
    return location


def with_school(problem: ProblemData, school: School) -> ProblemData:
    """The problem with one more applying school (appended, so no index moves).

    Raises
    ------
    VariantError
        When its URN is already taken, or its stage, phase or focus codes are unknown.
    """
    problems = []
    if any(s.urn == school.urn for s in problem.schools):
        problems.append(f"school {school.urn}: urn: is already a school of this scenario")
    if school.stage not in STAGES:
        problems.append(f"school {school.urn}: stage: {school.stage!r} is not one of {', '.join(STAGES)}")
    if school.phase not in PHASES_SCHOOL:
        problems.append(f"school {school.urn}: phase: {school.phase!r} is not one of {', '.join(PHASES_SCHOOL)}")
    unknown = [c for c in school.focus_choices if c not in problem.foci]
    if unknown:
        problems.append(f"school {school.urn}: focus_choices: {', '.join(unknown)} not among {', '.join(problem.foci)}")
    if problems:
        raise VariantError(problems)
    return replace(problem, schools=(*problem.schools, school))


# --------------------------------------------------------------------------------------
# Dotted settings, as `allocate sweep --vary` names them

SETTING_KINDS: dict[str, str] = {
    "rules.available_cohorts": "int list",
    "rules.departments_per_specialist": "int",
    "rules.embedding_per_specialist": "int",
    "rules.groups_per_lead": "int",
    "rules.max_travel_km": "float",
    "rules.allow_cross_hub": "bool",
    "rules.separate_trusts": "bool",
    "rules.whole_pairs": "bool",
    "weights.place": "int",
    "weights.priority": "int",
    "weights.travel_per_km": "int",
    "weights.focus_rank": "int list",
    "weights.continuity": "int",
    "weights.keep": "int",
    "weights.lone_department": "int",
    "solver.time_limit_s": "float",
    "solver.workers": "int",
    "solver.seed": "int",
    "solver.deterministic": "bool",
}
SPECIALIST_KINDS = {
    "capacity": "int",
    "embedding_capacity": "int",
    "max_groups": "int",
    "max_travel_km": "optional float",
    "cohort": "int",
}


def setting_kind(path: str) -> str:
    """What a dotted setting holds: ``int``, ``float``, ``bool``, ``int list``, ...

    Paths are ``rules.<key>``, ``weights.<key>``, ``solver.<key>`` and
    ``specialists.<id>.<field>`` (field: capacity, embedding_capacity, max_groups,
    max_travel_km, cohort).

    Raises
    ------
    VariantError
        For a path that names no setting.
    """
    if path in SETTING_KINDS:
        return SETTING_KINDS[path]
    parts = path.split(".")
    if len(parts) >= 3 and parts[0] == "specialists" and parts[-1] in SPECIALIST_KINDS:
        return SPECIALIST_KINDS[parts[-1]]
    raise VariantError(
        [
            f"{path}: is not a setting that can vary; use one of {', '.join(SETTING_KINDS)} "
            f"or specialists.<id>.<{'|'.join(SPECIALIST_KINDS)}>"
        ]
    )


def parse_value(path: str, text: str) -> Any:
    """One value of a dotted setting, from command-line text (lists separated by ``;``)."""
    kind = setting_kind(path)
    text = text.strip()
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "optional float":
            return None if text.lower() in ("", "none") else float(text)
        if kind == "bool":
            lowered = text.lower()
            if lowered in ("true", "yes", "1"):
                return True
            if lowered in ("false", "no", "0"):
                return False
            raise ValueError(text)
        return [int(part) for part in text.split(";") if part.strip()]
    except ValueError:
        raise VariantError([f"{path}: {text!r} is not {_kind_words(kind)}"]) from None


def _kind_words(kind: str) -> str:
    return {
        "int": "a whole number",
        "float": "a number",
        "optional float": "a number or none",
        "bool": "true or false",
        "int list": "whole numbers separated by ';' (e.g. 1;2;3)",
    }[kind]


def parse_vary(option: str) -> tuple[str, list[Any]]:
    """``"weights.travel_per_km=0,1,2"`` → ``("weights.travel_per_km", [0, 1, 2])``."""
    if "=" not in option:
        raise VariantError([f"{option!r}: write SETTING=VALUE,VALUE,... (e.g. rules.max_travel_km=40,60)"])
    path, _, values = option.partition("=")
    path = path.strip()
    setting_kind(path)
    parsed = [parse_value(path, v) for v in values.split(",") if v.strip()]
    if not parsed:
        raise VariantError([f"{path}: lists no values"])
    return path, parsed


def with_setting(
    problem: ProblemData, defaults: RuleDefaults | None, path: str, value: Any
) -> tuple[ProblemData, RuleDefaults | None]:
    """Set one dotted setting (see `setting_kind`); returns the problem and the defaults record."""
    setting_kind(path)
    section, _, rest = path.partition(".")
    if section == "rules":
        return with_rules(problem, defaults, **{rest: value}), defaults
    if section == "weights":
        return with_weights(problem, **{rest: value}), defaults
    if section == "solver":
        return with_solver(problem, **{rest: value}), defaults
    specialist_id, _, name = rest.rpartition(".")
    out = with_specialist(problem, specialist_id, **{name: value})
    return out, None if defaults is None else defaults.written(specialist_id, [name])
