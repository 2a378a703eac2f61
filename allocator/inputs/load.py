"""Read a scenario: YAML and tables → validated, located `ProblemData`.

Two tiers, and every problem is collected before failing: row models check single
fields (`rows.py`), then one cross-table pass checks references, duplicates and pins.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from allocator.inputs import geo
from allocator.inputs.issues import Collector, InputError, Issue
from allocator.inputs.limits import WallClock, check_deadline
from allocator.inputs.rows import (
    REQUIRED_COLUMNS,
    ROW_MODELS,
    SpecialistRow,
    WorkGroupRow,
    carried,
    validation_messages,
)
from allocator.inputs.scenario import (
    WEEKDAYS,
    ScenarioSpec,
    SolverSpec,
    line_of,
    scenario_messages,
    yaml_lines,
    yaml_scalars,
    yaml_structure_issues,
)
from allocator.inputs.tables import LIMITS, Table, clean_text, read_file, read_table, split_sheet
from allocator.problem.data import (
    Calendar,
    CapacityCells,
    Focus,
    Funding,
    Location,
    OutputSettings,
    ProblemData,
    Requirement,
    School,
    SolverSettings,
    Specialist,
    WorkGroup,
    rule_default,
)
from allocator.problem.data import (
    key as name_key,
)
from allocator.problem.rules import cohort_available

TABLE_KEYS = ("schools", "specialists", "work_groups")


class _DatesAsText(yaml.SafeLoader):
    """SafeLoader that leaves dates as text: pydantic then checks them and reports the line
    (PyYAML itself fails without one on a date such as 2026-02-30)."""


_DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


@dataclass
class Loaded:
    """A loaded scenario: the problem, the warnings found on the way, and the raw rows."""

    problem: ProblemData
    warnings: list[Issue] = field(default_factory=list)
    tables: dict[str, Table] = field(default_factory=dict)
    locator_level: str = "sector"


def display_path(path: Path) -> str:
    """A path as messages show it: relative to the working directory when below it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def load(
    scenario_path: str | Path,
    *,
    locations: str | None = None,
    online: bool = False,
    clock: WallClock | None = None,
) -> Loaded:
    """Read, validate and locate a scenario.

    Parameters
    ----------
    scenario_path
        The scenario YAML file; table paths in it are relative to it.
    locations
        Override of the scenario's `locations` level (auto, exact, sector, district).
    online
        Geocode postcodes the offline tables do not know, online (cached on disk).
    clock
        When the run started and its limit: reading counts against the wall-clock
        limit, and stops with TimeLimitReached once it has passed.

    Raises
    ------
    InputError
        With every problem found, when the input is bad (exit code 2).
    TimeLimitReached
        When the run's time limit passed while reading (exit code 4).
    """
    path = Path(scenario_path)
    shown = display_path(path)
    issues = Collector()
    raw_bytes, data, text = _read_scenario(path, shown, issues)
    lines = yaml_lines(text)
    spec = _validated_spec(data, lines, shown, issues)
    solver = spec.solver if spec is not None else SolverSpec()
    deadline = None if clock is None else clock.deadline(solver.time_limit_s, solver.deterministic)
    foci = _best_effort_foci(spec, data)
    tables, file_bytes = _read_tables(path.parent, data, lines, shown, issues, deadline)

    from allocator.intake.fill import fill_tables  # the scenario's hub, the DfE register

    tables, register_files = fill_tables(tables, data, path.parent, shown, lines, issues)
    rows: dict[str, list[tuple[int, Any]]] = {key: [] for key in TABLE_KEYS}
    for key, table in tables.items():
        rows[key] = _validate_rows(table, key, foci, issues, deadline)
        issues.warnings.extend(table.warnings)
    check_deadline(deadline)

    needs_groups = any(r.stage in ("embedding", "sustaining") for _, r in rows["schools"])
    if needs_groups and "work_groups" not in tables and data.get("work_groups") in (None, ""):
        issues.error(
            shown,
            None,
            "work_groups",
            "is required because some schools apply for embedding or sustaining",
        )

    level = locations or (spec.locations if spec else "auto")
    try:
        locator = geo.Locator(level=level, online=online)
    except geo.LocatorUnavailable as exc:
        issues.error(shown, line_of(lines, ("locations",)), "locations", str(exc))
        issues.raise_if_any()
        raise  # pragma: no cover - raise_if_any raised
    problem = None
    if spec is not None:
        context = _Context(spec, data, lines, shown, tables, issues, yaml_scalars(text), deadline)
        problem = _cross_check(context, rows, locator)
    issues.raise_if_any()
    assert problem is not None  # spec is valid when no error was collected
    problem = _with(problem, scenario_path=path, scenario_sha256=_inputs_sha256(raw_bytes, file_bytes, register_files))
    from allocator.inputs.extras import with_extra_columns  # carried to the outputs

    problem = with_extra_columns(problem, tables.get("schools"))
    from allocator.inputs.doubts import find_doubts  # doubtful applications: warnings only

    issues.warnings.extend(find_doubts(problem, tables, locator.effective_level))
    return Loaded(problem, issues.warnings, tables, locator.effective_level)


def _inputs_sha256(scenario: bytes, tables: list[bytes], register_files: list[Path]) -> str:
    """SHA-256 over the scenario's bytes, then its tables', then any register file's."""
    digest = hashlib.sha256(scenario)
    for chunk in tables:
        digest.update(chunk)
    for register_file in register_files:  # after the tables: a scenario without `gias:` keeps its hash
        with register_file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _read_scenario(path: Path, shown: str, issues: Collector) -> tuple[bytes, dict[str, Any], str]:
    """The scenario file's bytes, its mapping and its text; errors that stop reading raise.

    Keys written twice are collected (PyYAML would silently keep the last one).
    """
    try:
        raw_bytes = read_file(path, shown, LIMITS.scenario_bytes)
    except FileNotFoundError:
        raise InputError([Issue(shown, None, "", "file not found")]) from None
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError([Issue(shown, None, "", "is not UTF-8 text")]) from None
    fatal, duplicates = yaml_structure_issues(text)
    if fatal is not None:
        raise InputError([Issue(shown, None, "", fatal)])
    for line, key, message in duplicates:
        issues.error(shown, line, key, message)
    try:
        data = yaml.load(text, Loader=_DatesAsText)  # noqa: S506 - a SafeLoader that keeps dates as text
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError([Issue(shown, where, "", f"YAML syntax error: {problem}")]) from None
    except RecursionError:
        raise InputError([Issue(shown, None, "", "is nested too deeply to be a scenario")]) from None
    if not isinstance(data, dict):
        raise InputError([Issue(shown, None, "", "is not a scenario: expected keys such as name:")])
    return raw_bytes, data, text


def _read_tables(
    base: Path,
    data: dict[str, Any],
    lines: dict[tuple[Any, ...], int],
    shown: str,
    issues: Collector,
    deadline: float | None,
) -> tuple[dict[str, Table], list[bytes]]:
    """Every table the scenario names, and their bytes in order (for the scenario's hash)."""
    tables: dict[str, Table] = {}
    file_bytes: list[bytes] = []
    for key in TABLE_KEYS:
        written = data.get(key)
        if not isinstance(written, str) or not written.strip():
            continue
        file_part, sheet = split_sheet(written.strip())
        table_path = base / file_part
        # A named sheet is part of the name: two tables may share one workbook.
        shown_table = display_path(table_path) + ("" if sheet is None else f"#{sheet}")
        workbook = table_path.suffix.lower() in (".xlsx", ".xlsm")
        try:
            raw = read_file(table_path, display_path(table_path), LIMITS.xlsx_unpacked if workbook else LIMITS.bytes)
            file_bytes.append(raw)
            tables[key] = read_table(table_path, shown_table, sheet, data=raw, deadline=deadline)
        except FileNotFoundError:
            issues.error(
                shown,
                line_of(lines, (key,)),
                key,
                f"file not found: {written!r} (looked for {display_path(table_path)})",
            )
        except InputError as exc:
            issues.errors.extend(exc.issues)
    return tables, file_bytes


def _validated_spec(
    data: dict[str, Any], lines: dict[tuple[Any, ...], int], shown: str, issues: Collector
) -> ScenarioSpec | None:
    """The scenario model; when invalid, every problem is reported and the invalid entries
    are dropped so that the tables can still be cross-checked (up to a few rounds, since
    whole-model checks only run once the fields are valid)."""
    import copy

    repaired = data
    reported: set[tuple[tuple[Any, ...], str]] = set()
    for _ in range(5):
        try:
            spec = ScenarioSpec.model_validate(repaired)
        except ValidationError as exc:
            if repaired is data:
                repaired = copy.deepcopy(data)
            for loc, message in scenario_messages(exc):
                if (loc, message) not in reported:
                    reported.add((loc, message))
                    issues.error(shown, line_of(lines, loc), yaml_path(loc), message)
                _drop(repaired, loc)
            continue
        return spec
    return None


def yaml_path(loc: tuple[Any, ...]) -> str:
    """('pins', 0, 'school') → 'pins[1].school' (list items counted from 1, as people do)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out


_PLACEHOLDERS = {"name": "scenario", "year": "2000/01", "schools": "-", "specialists": "-"}
_SKIP = "\x00invalid"  # a pin or forbid already reported as invalid


def _drop(data: Any, loc: tuple[Any, ...]) -> None:
    """Remove the entry at `loc`, so that its default applies.

    A pin or forbid is replaced by a placeholder (later indices, and their lines, stay);
    invalid cohorts leave the valid ones; any other list goes whole (a focus_rank with
    one item dropped would then have the wrong length). A required key gets a stand-in.
    """
    if not loc:
        return
    if loc[0] == "calendar" and isinstance(data, dict):
        data.pop("calendar", None)  # all its problems are reported at once; the rest is checked without it
        return
    if len(loc) == 1 and loc[0] in _PLACEHOLDERS and isinstance(data, dict):
        data[loc[0]] = _PLACEHOLDERS[loc[0]]
        return
    node, parent, parent_key = data, None, None
    for depth, part in enumerate(loc):
        last = depth == len(loc) - 1
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            if depth == 1 and loc[0] in ("pins", "forbid"):
                node[part] = {"school": _SKIP, "group": _SKIP}
            elif loc[:2] == ("rules", "available_cohorts"):
                parent[parent_key] = [  # type: ignore[index]
                    v for v in node if isinstance(v, int) and not isinstance(v, bool) and v >= 1
                ]
            else:
                del parent[parent_key]  # type: ignore[attr-defined,union-attr]
            return
        if not isinstance(node, dict) or part not in node:
            return
        if last:
            del node[part]
            return
        node, parent, parent_key = node[part], node, part


def _with(problem: ProblemData, **changes: Any) -> ProblemData:
    from dataclasses import replace

    return replace(problem, **changes)


def _best_effort_foci(spec: ScenarioSpec | None, data: dict[str, Any]) -> tuple[str, ...]:
    if spec is not None:
        return tuple(spec.foci)
    raw = data.get("foci")
    if isinstance(raw, list) and all(isinstance(v, str) for v in raw):
        return tuple(v.strip().upper() for v in raw)
    return ("A", "B", "C", "D")


def _validate_rows(
    table: Table, key: str, foci: tuple[str, ...], issues: Collector, deadline: float | None = None
) -> list[tuple[int, Any]]:
    missing = [c for c in REQUIRED_COLUMNS[key] if c not in table.columns]
    for column in missing:
        issues.error(table.file, 1, column, "required column is missing")
    if missing:
        return []
    model: type[BaseModel] = ROW_MODELS[key]
    valid = []
    for n, (row_no, record) in enumerate(table.rows):
        if n % 1024 == 0:
            check_deadline(deadline)
        try:
            valid.append((row_no, model.model_validate(record, context={"foci": foci})))
        except ValidationError as exc:
            for column, message in validation_messages(exc):
                issues.error(table.file, row_no, column, message)
    return valid


def _locate(
    locator: geo.Locator,
    lat: float | None,
    lon: float | None,
    easting: float | None,
    northing: float | None,
    postcode: str | None,
    names: tuple[str, str, str, str, str],
    file: str,
    row: int,
    issues: Collector,
) -> Location | None:
    """The first complete pair: latitude/longitude, easting/northing, else the postcode."""
    lat_col, _lon_col, east_col, _north_col, postcode_col = names
    if lat is not None and lon is not None:
        location, column = Location(lat, lon, "given"), lat_col
    elif easting is not None and northing is not None:
        location, column = locator.locate_grid(easting, northing), east_col
    elif postcode is not None:
        found = locator.locate_postcode(postcode)
        if found is None:
            issues.error(
                file,
                row,
                postcode_col,
                f"postcode {postcode} was not found in the offline postcode tables; "
                "give latitude and longitude (or easting and northing)",
            )
            return None
        location, column = found, postcode_col
    else:
        return None
    if not geo.in_great_britain(location.lat, location.lon):
        issues.error(
            file,
            row,
            column,
            f"lies outside Great Britain ({location.lat:.4f}, {location.lon:.4f})",
        )
        return None
    return location


@dataclass
class _Context:
    """What every step of the cross-table pass reads: the scenario and where to report."""

    spec: ScenarioSpec
    data: dict[str, Any]
    lines: dict[tuple[Any, ...], int]
    shown: str
    tables: dict[str, Table]
    issues: Collector
    written: dict[tuple[Any, ...], str]
    deadline: float | None = None

    def file(self, key: str) -> str:
        """How messages name a table (its key when it could not be read)."""
        return self.tables[key].file if key in self.tables else key


_COORDINATES = ("latitude", "longitude", "easting", "northing", "postcode")
_VENUE = ("venue_latitude", "venue_longitude", "venue_easting", "venue_northing", "venue_postcode")


def _cross_check(ctx: _Context, rows: dict[str, list[tuple[int, Any]]], locator: geo.Locator) -> ProblemData | None:
    """The second tier: references, duplicates, cohorts, locations and pins, in that order."""
    _report_duplicates(ctx, rows)
    available = _available_cohorts(ctx, rows["specialists"])
    schools = _schools(ctx, rows["schools"], locator)
    specialists = _specialists(ctx, rows["specialists"], locator, available)
    specialist_index = {s.id: i for i, s in enumerate(specialists)}
    all_specialist_ids = _listed_ids(ctx.tables, ctx.data, "specialists", "id")
    groups = _work_groups(ctx, rows["work_groups"], locator, specialists, all_specialist_ids)
    _warn_unknown_previous(ctx, schools, all_specialist_ids)
    indexes = {
        "school": {s.urn: i for i, s in enumerate(schools)},
        "specialist": specialist_index,
        "group": {g.id: i for i, g in enumerate(groups)},
    }
    listed = {
        "school": _listed_ids(ctx.tables, ctx.data, "schools", "urn"),
        "specialist": all_specialist_ids,
        "group": _listed_ids(ctx.tables, ctx.data, "work_groups", "id"),
    }
    _warn_yaml_invisibles(ctx)
    _calendar_warnings(ctx.spec, ctx.lines, ctx.shown, ctx.issues)
    pins = _requirements(ctx, "pins", indexes, listed)
    forbids = _requirements(ctx, "forbid", indexes, listed)
    _check_pins(pins, forbids, ctx.lines, ctx.shown, schools, ctx.issues)
    _check_group_pins(pins, ctx.lines, ctx.shown, schools, groups, ctx.issues)
    if ctx.issues.errors:
        return None
    return _problem_data(ctx.spec, schools, specialists, groups, pins, forbids)


def _report_duplicates(ctx: _Context, rows: dict[str, list[tuple[int, Any]]]) -> None:
    """Ids are unique per table (compared after the readers' NFC and invisible-character cleaning)."""
    for key, attr, what in (
        ("schools", "urn", "URN"),
        ("specialists", "id", "specialist id"),
        ("work_groups", "id", "work group id"),
    ):
        first: dict[str, int] = {}
        for row_no, entry in rows[key]:
            value = getattr(entry, attr)
            if value in first:
                ctx.issues.error(
                    ctx.file(key), row_no, attr, f"{what} {value} appears again (first at row {first[value]})"
                )
            else:
                first[value] = row_no


def _available_cohorts(ctx: _Context, specialist_rows: list[tuple[int, Any]]) -> set[int]:
    cohorts = sorted({r.cohort for _, r in specialist_rows})
    named = ctx.spec.rules.available_cohorts
    if named is not None:
        return set(named)
    if len(cohorts) > 1:
        ctx.issues.error(
            ctx.shown,
            line_of(ctx.lines, ("rules",)),
            "rules.available_cohorts",
            f"is required because the specialists table has cohorts "
            f"{', '.join(map(str, cohorts))}: name those that take schools this year",
        )
    return set(cohorts)


def _located(
    ctx: _Context, table: str, rows: list[tuple[int, Any]], locator: geo.Locator
) -> Iterator[tuple[int, Any, Location]]:
    """(row number, row, location) of each row of `table` that can be located; the others
    are reported and left out."""
    for n, (row_no, r) in enumerate(rows):
        if n % 1024 == 0:
            check_deadline(ctx.deadline)
        location = _locate(
            locator, r.latitude, r.longitude, r.easting, r.northing, r.postcode,
            _COORDINATES, ctx.file(table), row_no, ctx.issues,
        )  # fmt: skip
        if location is not None:
            yield row_no, r, location


def _schools(ctx: _Context, school_rows: list[tuple[int, Any]], locator: geo.Locator) -> list[School]:
    return [r.school(location, row_no) for row_no, r, location in _located(ctx, "schools", school_rows, locator)]


def _specialists(
    ctx: _Context, specialist_rows: list[tuple[int, Any]], locator: geo.Locator, available: set[int]
) -> list[Specialist]:
    rules = ctx.spec.rules
    specialists: list[Specialist] = []
    for row_no, r, location in _located(ctx, "specialists", specialist_rows, locator):
        r: SpecialistRow  # type: ignore[no-redef]
        specialists.append(
            carried(
                r,
                Specialist,
                location=location,
                available=cohort_available(r.cohort, rules.available_cohorts),
                capacity=rule_default(r.capacity, rules.departments_per_specialist),
                embedding_capacity=rule_default(r.embedding_capacity, rules.embedding_per_specialist),
                max_groups=rule_default(r.max_groups, rules.groups_per_lead),
                written=CapacityCells(r.capacity, r.embedding_capacity, r.max_groups),
                lead_foci=r.lead_foci,
                can_lead=r.can_lead,
                row=row_no,
                pair_meetings=r.pair_meetings or "alternate",
                email=r.email or "",
                phone=r.phone or "",
            )
        )
    return specialists


def _fixed_lead(
    ctx: _Context, row_no: int, lead_id: str, specialists: list[Specialist], listed: set[str] | None
) -> int | None:
    """The index of a group's fixed lead; an unknown or unavailable lead is reported."""
    group_file = ctx.file("work_groups")
    if listed is not None and lead_id not in listed:
        ctx.issues.error(group_file, row_no, "lead", f"{lead_id} is not in the specialists table")
        return None
    lead_idx = next((i for i, s in enumerate(specialists) if s.id == lead_id), None)
    if lead_idx is not None and not specialists[lead_idx].available:
        ctx.issues.error(
            group_file,
            row_no,
            "lead",
            f"{lead_id} is in cohort {specialists[lead_idx].cohort}, which is not available "
            "this year (rules.available_cohorts): a fixed lead must be available",
        )
    return lead_idx


def _work_groups(
    ctx: _Context,
    group_rows: list[tuple[int, Any]],
    locator: geo.Locator,
    specialists: list[Specialist],
    listed: set[str] | None,
) -> list[WorkGroup]:
    groups: list[WorkGroup] = []
    for row_no, r in group_rows:
        r: WorkGroupRow  # type: ignore[no-redef]
        lead_idx = None if r.lead is None else _fixed_lead(ctx, row_no, r.lead, specialists, listed)
        has_venue = (
            r.venue_postcode is not None
            or (r.venue_latitude is not None and r.venue_longitude is not None)
            or (r.venue_easting is not None and r.venue_northing is not None)
        )
        if has_venue:
            venue = _locate(
                locator, r.venue_latitude, r.venue_longitude, r.venue_easting, r.venue_northing,
                r.venue_postcode, _VENUE, ctx.file("work_groups"), row_no, ctx.issues,
            )  # fmt: skip
        elif lead_idx is not None:
            venue = specialists[lead_idx].location
        else:
            # Meets at its chosen lead's location (known once solved): this stands in for
            # the venue only where a group that does not run is drawn.
            venue = _placeholder_venue(r.hub, specialists)
        if venue is None:
            continue
        groups.append(
            carried(
                r,
                WorkGroup,
                venue=venue,
                venue_postcode=r.venue_postcode
                or (specialists[lead_idx].postcode if lead_idx is not None and not has_venue else None),
                lead_idx=lead_idx,
                min_schools=3 if r.min_schools is None else r.min_schools,
                max_schools=8 if r.max_schools is None else r.max_schools,
                row=row_no,
                venue_at_lead=not has_venue,
            )
        )
    return groups


def _placeholder_venue(hub: str, specialists: list[Specialist]) -> Location:
    """Where a group meeting at its chosen lead is drawn before it has one: the first
    specialist of its hub (any specialist, else the middle of England)."""
    for specialist in specialists:
        if name_key(specialist.hub) == name_key(hub):
            return Location(specialist.location.lat, specialist.location.lon, "lead")
    if specialists:
        return Location(specialists[0].location.lat, specialists[0].location.lon, "lead")
    return Location(52.5, -1.5, "lead")


def _warn_unknown_previous(ctx: _Context, schools: list[School], listed: set[str] | None) -> None:
    """A previous specialist not in this year's table only loses the continuity bonus."""
    for school in schools:
        if school.previous_specialist and listed is not None and school.previous_specialist not in listed:
            ctx.issues.warn(
                ctx.file("schools"),
                school.row,
                "previous_specialist",
                f"{school.previous_specialist} is not in this year's specialists table "
                "(no continuity bonus is possible)",
            )


def _warn_yaml_invisibles(ctx: _Context) -> None:
    """Ids in pins and forbids lose invisible characters (as table cells do): say where."""
    for path, text in ctx.written.items():
        if path and path[0] in ("pins", "forbid") and clean_text(text)[1]:
            ctx.issues.warn(
                ctx.shown,
                line_of(ctx.lines, path),
                yaml_path(path),
                "invisible characters (zero-width, BOM or direction marks) removed",
            )


def _problem_data(
    spec: ScenarioSpec,
    schools: list[School],
    specialists: list[Specialist],
    groups: list[WorkGroup],
    pins: list[Requirement],
    forbids: list[Requirement],
) -> ProblemData:
    return ProblemData(
        name=spec.name,
        year=spec.year,
        foci=tuple(spec.foci),
        schools=tuple(schools),
        specialists=tuple(specialists),
        work_groups=tuple(groups),
        rules=spec.rules.rules(),
        weights=spec.weights.weights(spec.focus_rank),
        pins=tuple(pins),
        forbids=tuple(forbids),
        solver=SolverSettings(
            time_limit_s=spec.solver.time_limit_s,
            workers=spec.solver.workers,
            seed=spec.solver.seed,
            deterministic=spec.solver.deterministic,
        ),
        output=OutputSettings(
            dir=None if spec.output.dir is None else Path(spec.output.dir),
            formats=tuple(dict.fromkeys(spec.output.formats)),
        ),
        locations=spec.locations,
        calendar=_calendar(spec),
        funding=None if spec.funding is None else Funding(**spec.funding.model_dump()),
        focus_details=tuple(
            Focus(code.strip().upper(), detail.title, detail.code) for code, detail in spec.focus_details.items()
        ),
    )


def _calendar_warnings(spec: ScenarioSpec, lines: dict[tuple[Any, ...], int], shown: str, issues: Collector) -> None:
    """A term outside the scenario's school year is probably last year's dates: say so."""
    if spec.calendar is None:
        return
    first = int(spec.year[:4])
    low, high = date(first, 8, 1), date(first + 1, 7, 31)
    for n, term in enumerate(spec.calendar.terms):
        if term.start < low or term.end > high:
            issues.warn(
                shown,
                line_of(lines, ("calendar", "terms", n)),
                f"calendar.terms[{n + 1}]",
                f"{term.start} to {term.end} is outside the school year {spec.year} ({low} to {high})",
            )


def _calendar(spec: ScenarioSpec) -> Calendar | None:
    """The scenario's `calendar:` as plain dates and times (None when it has none)."""
    c = spec.calendar
    if c is None:
        return None
    return Calendar(
        terms=tuple((t.start, t.end) for t in c.terms),
        holidays=tuple((h.start, h.end) for h in c.holidays),
        weekdays=tuple(sorted({WEEKDAYS.index(day) for day in c.weekdays})),
        afternoon=(c.afternoon.start, c.afternoon.end),
        twilight=None if c.twilight is None else (c.twilight.start, c.twilight.end),
    )


def _listed_ids(tables: dict[str, Table], data: dict[str, Any], key: str, column: str) -> set[str] | None:
    """The ids on every row of a table, valid or not; None when the table is unusable
    (missing, unreadable or without a required column: already reported)."""
    if key not in tables:
        return set() if key == "work_groups" and not data.get(key) else None
    table = tables[key]
    if any(c not in table.columns for c in REQUIRED_COLUMNS[key]):
        return None
    return {record.get(column, "") for _, record in table.rows} - {""}


def _requirements(
    ctx: _Context,
    key: str,
    indexes: dict[str, dict[str, int]],
    listed: dict[str, set[str] | None],
) -> list[Requirement]:
    """The pins or forbids (`key`) whose every id is known; unknown ids are reported."""
    out = []
    raw_list = ctx.data.get(key) or []
    for n, req in enumerate(ctx.spec.pins if key == "pins" else ctx.spec.forbid):
        if req.school == _SKIP:
            continue
        raw = raw_list[n] if n < len(raw_list) and isinstance(raw_list[n], dict) else {}
        ok = True
        for field_name, what in (
            ("school", "school (URN) in the schools table"),
            ("specialist", "specialist id in the specialists table"),
            ("group", "work group id in the work groups table"),
        ):
            value = getattr(req, field_name)
            if value is None or value in indexes[field_name]:
                continue
            ok = False
            known = listed[field_name]
            if known is not None and value in known:
                continue  # its row is invalid or unlocated, and reported as such
            hint = ""
            if isinstance(raw.get(field_name), int | float) and not isinstance(raw.get(field_name), bool):
                as_written = ctx.written.get((key, n, field_name), str(raw.get(field_name)))
                hint = (
                    f" (YAML read the unquoted {as_written} as the number {value}; "
                    f'quote ids, e.g. {field_name}: "{as_written}")'
                )
            ctx.issues.error(
                ctx.shown,
                line_of(ctx.lines, (key, n, field_name)),
                f"{key}[{n + 1}].{field_name}",
                f"{value} is not a {what}{hint}",
            )
        if ok:
            out.append(
                Requirement(
                    indexes["school"][req.school],
                    None if req.specialist is None else indexes["specialist"][req.specialist],
                    None if req.group is None else indexes["group"][req.group],
                    index=n,
                )
            )
    return out


def _check_pins(
    pins: list[Requirement],
    forbids: list[Requirement],
    lines: dict[tuple[Any, ...], int],
    shown: str,
    schools: list[School],
    issues: Collector,
) -> None:
    """The malformed pins of SPEC rule 4 (bad input, exit 2)."""
    forbidden = {(f.school_idx, f.specialist_idx, f.group_idx) for f in forbids}
    by_school: dict[tuple[int, str], Requirement] = {}
    for pin in pins:
        school = schools[pin.school_idx]
        where = line_of(lines, ("pins", pin.index))
        column = f"pins[{pin.index + 1}]"
        if (pin.school_idx, pin.specialist_idx, pin.group_idx) in forbidden:
            issues.error(shown, where, column, f"school {school.urn} is both pinned and forbidden on the same pair")
        if pin.specialist_idx is not None and school.stage == "sustaining":
            issues.error(
                shown,
                where,
                column,
                f"school {school.urn} applies for sustaining, which has no specialist: pin it to a group",
            )
        kind = "specialist" if pin.specialist_idx is not None else "group"
        target = pin.specialist_idx if pin.specialist_idx is not None else pin.group_idx
        earlier = by_school.get((pin.school_idx, kind))
        if earlier is not None:
            earlier_target = earlier.specialist_idx if kind == "specialist" else earlier.group_idx
            if earlier_target != target:
                issues.error(
                    shown,
                    where,
                    column,
                    f"school {school.urn} is pinned to two different {kind}s (see pins[{earlier.index + 1}])",
                )
        else:
            by_school[(pin.school_idx, kind)] = pin


def _check_group_pins(
    pins: list[Requirement],
    lines: dict[tuple[Any, ...], int],
    shown: str,
    schools: list[School],
    groups: list[WorkGroup],
    issues: Collector,
) -> None:
    """Group pins of the wrong kind (bad input, exit 2): a development school onto a work
    group, an embedding or sustaining school onto a development group, and a development
    school pinned both to a specialist and to a development group."""
    pinned_to: dict[int, set[str]] = {}
    for pin in pins:
        school = schools[pin.school_idx]
        where, column = line_of(lines, ("pins", pin.index)), f"pins[{pin.index + 1}]"
        pinned_to.setdefault(pin.school_idx, set()).add("specialist" if pin.specialist_idx is not None else "group")
        if pin.group_idx is None:
            continue
        group = groups[pin.group_idx]
        if school.stage == "development" and group.stage != "development":
            issues.error(
                shown,
                where,
                column,
                f"school {school.urn} applies for development: pin it to a specialist or a development group, "
                f"not to work group {group.id}",
            )
        elif school.stage != "development" and group.stage == "development":
            issues.error(
                shown,
                where,
                column,
                f"school {school.urn} applies for {school.stage}: {group.id} is a development group",
            )
    for pin in pins:  # reported at each of its pins of the second kind
        school = schools[pin.school_idx]
        if school.stage == "development" and pin.group_idx is not None and "specialist" in pinned_to[pin.school_idx]:
            issues.error(
                shown,
                line_of(lines, ("pins", pin.index)),
                f"pins[{pin.index + 1}]",
                f"school {school.urn} is pinned to a specialist and to a development group: "
                "a development school has one or the other",
            )
