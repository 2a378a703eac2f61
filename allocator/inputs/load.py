"""Read a scenario: YAML and tables → validated, located `ProblemData`.

Two tiers, and every problem is collected before failing: row models check single
fields (`rows.py`), then one cross-table pass checks references, duplicates and pins.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from allocator.inputs import geo
from allocator.inputs.issues import Collector, InputError, Issue
from allocator.inputs.rows import (
    REQUIRED_COLUMNS,
    ROW_MODELS,
    SchoolRow,
    SpecialistRow,
    WorkGroupRow,
    validation_messages,
)
from allocator.inputs.scenario import (
    ScenarioSpec,
    line_of,
    scenario_messages,
    yaml_lines,
    yaml_scalars,
)
from allocator.inputs.tables import Table, read_table, split_sheet
from allocator.problem.data import (
    Advocate,
    CapacityCells,
    Location,
    OutputSettings,
    ProblemData,
    Requirement,
    Rules,
    School,
    SolverSettings,
    Specialist,
    Weights,
    WorkGroup,
    rule_default,
)
from allocator.problem.rules import cohort_available

TABLE_KEYS = ("schools", "specialists", "work_groups")


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

    Raises
    ------
    InputError
        With every problem found, when the input is bad (exit code 2).
    """
    path = Path(scenario_path)
    shown = display_path(path)
    issues = Collector()
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Issue(shown, None, "", "file not found")]) from None
    except OSError as exc:
        raise InputError([Issue(shown, None, "", f"cannot be read: {exc.strerror}")]) from None
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError([Issue(shown, None, "", "is not UTF-8 text")]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError([Issue(shown, line, "", f"YAML syntax error: {problem}")]) from None
    if not isinstance(data, dict):
        raise InputError([Issue(shown, None, "", "is not a scenario: expected keys such as name:")])
    lines = yaml_lines(text)

    spec = _validated_spec(data, lines, shown, issues)

    foci = _best_effort_foci(spec, data)
    base = path.parent
    tables: dict[str, Table] = {}
    file_bytes: list[bytes] = [raw_bytes]
    for key in TABLE_KEYS:
        written = data.get(key)
        if not isinstance(written, str) or not written.strip():
            continue
        file_part, sheet = split_sheet(written.strip())
        table_path = base / file_part
        try:
            file_bytes.append(table_path.read_bytes())
            # A named sheet is part of the name: two tables may share one workbook.
            shown_table = display_path(table_path) + ("" if sheet is None else f"#{sheet}")
            tables[key] = read_table(table_path, shown_table, sheet)
        except FileNotFoundError:
            issues.error(
                shown,
                line_of(lines, (key,)),
                key,
                f"file not found: {written!r} (looked for {display_path(table_path)})",
            )
        except IsADirectoryError:
            issues.error(shown, line_of(lines, (key,)), key, f"{written!r} is a folder, not a file")
        except InputError as exc:
            issues.errors.extend(exc.issues)

    rows: dict[str, list[tuple[int, Any]]] = {key: [] for key in TABLE_KEYS}
    for key, table in tables.items():
        rows[key] = _validate_rows(table, key, foci, issues)

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
        problem = _cross_check(spec, data, lines, shown, tables, rows, locator, issues, written=yaml_scalars(text))
    issues.raise_if_any()
    assert problem is not None  # spec is valid when no error was collected
    digest = hashlib.sha256()
    for chunk in file_bytes:
        digest.update(chunk)
    problem = _with(problem, scenario_path=path, scenario_sha256=digest.hexdigest())
    return Loaded(problem, issues.warnings, tables, locator.effective_level)


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
                del parent[parent_key]  # type: ignore[attr-defined]
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


def _validate_rows(table: Table, key: str, foci: tuple[str, ...], issues: Collector) -> list[tuple[int, Any]]:
    missing = [c for c in REQUIRED_COLUMNS[key] if c not in table.columns]
    for column in missing:
        issues.error(table.file, 1, column, "required column is missing")
    if missing:
        return []
    model: type[BaseModel] = ROW_MODELS[key]
    valid = []
    for row_no, record in table.rows:
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


def _cross_check(
    spec: ScenarioSpec,
    data: dict[str, Any],
    lines: dict[tuple[Any, ...], int],
    shown: str,
    tables: dict[str, Table],
    rows: dict[str, list[tuple[int, Any]]],
    locator: geo.Locator,
    issues: Collector,
    written: dict[tuple[Any, ...], str] | None = None,
) -> ProblemData | None:
    rules_spec = spec.rules
    school_file = tables["schools"].file if "schools" in tables else "schools"
    spec_file = tables["specialists"].file if "specialists" in tables else "specialists"
    group_file = tables["work_groups"].file if "work_groups" in tables else "work_groups"

    # Duplicates.
    def unique(entries: list[tuple[int, Any]], attr: str, file: str, what: str) -> None:
        first: dict[str, int] = {}
        for row_no, entry in entries:
            value = getattr(entry, attr)
            if value in first:
                issues.error(file, row_no, attr, f"{what} {value} appears again (first at row {first[value]})")
            else:
                first[value] = row_no

    unique(rows["schools"], "urn", school_file, "URN")
    unique(rows["specialists"], "id", spec_file, "specialist id")
    unique(rows["work_groups"], "id", group_file, "work group id")

    # Cohorts.
    cohorts = sorted({r.cohort for _, r in rows["specialists"]})
    available_cohorts = rules_spec.available_cohorts
    if available_cohorts is None:
        if len(cohorts) > 1:
            issues.error(
                shown,
                line_of(lines, ("rules",)),
                "rules.available_cohorts",
                f"is required because the specialists table has cohorts "
                f"{', '.join(map(str, cohorts))}: name those that take schools this year",
            )

    # Schools.
    schools: list[School] = []
    for row_no, r in rows["schools"]:
        r: SchoolRow  # type: ignore[no-redef]
        location = _locate(
            locator,
            r.latitude,
            r.longitude,
            r.easting,
            r.northing,
            r.postcode,
            ("latitude", "longitude", "easting", "northing", "postcode"),
            school_file,
            row_no,
            issues,
        )
        advocates = tuple(
            Advocate(
                getattr(r, f"advocate_{n}_name") or "",
                getattr(r, f"advocate_{n}_email") or "",
                getattr(r, f"advocate_{n}_trn") or "",
                getattr(r, f"advocate_{n}_role") or "",
            )
            for n in (1, 2)
            if any(getattr(r, f"advocate_{n}_{p}") for p in ("name", "email", "trn", "role"))
        )
        if location is None:
            continue
        schools.append(
            School(
                urn=r.urn,
                name=r.name,
                hub=r.hub,
                phase=r.phase,
                stage=r.stage,
                postcode=r.postcode,
                location=location,
                focus_choices=r.focus_choices,
                previous_specialist=r.previous_specialist,
                priority=r.priority or 0,
                trust=r.trust,
                advocates=advocates,
                row=row_no,
            )
        )

    # Specialists.
    specialists: list[Specialist] = []
    for row_no, r in rows["specialists"]:
        r: SpecialistRow  # type: ignore[no-redef]
        location = _locate(
            locator,
            r.latitude,
            r.longitude,
            r.easting,
            r.northing,
            r.postcode,
            ("latitude", "longitude", "easting", "northing", "postcode"),
            spec_file,
            row_no,
            issues,
        )
        if location is None:
            continue
        specialists.append(
            Specialist(
                id=r.id,
                name=r.name,
                hub=r.hub,
                phase=r.phase,
                cohort=r.cohort,
                postcode=r.postcode,
                location=location,
                available=cohort_available(r.cohort, available_cohorts),
                capacity=rule_default(r.capacity, rules_spec.departments_per_specialist),
                embedding_capacity=rule_default(r.embedding_capacity, rules_spec.embedding_per_specialist),
                max_groups=rule_default(r.max_groups, rules_spec.groups_per_lead),
                written=CapacityCells(r.capacity, r.embedding_capacity, r.max_groups),
                lead_foci=r.lead_foci,
                can_lead=r.can_lead,
                school_urn=r.school_urn,
                max_travel_km=r.max_travel_km,
                trust=r.trust,
                row=row_no,
            )
        )
    specialist_index = {s.id: i for i, s in enumerate(specialists)}
    all_specialist_ids = _listed_ids(tables, data, "specialists", "id")

    # Work groups.
    groups: list[WorkGroup] = []
    for row_no, r in rows["work_groups"]:
        r: WorkGroupRow  # type: ignore[no-redef]
        lead_idx = None
        if r.lead is not None:
            if all_specialist_ids is not None and r.lead not in all_specialist_ids:
                issues.error(group_file, row_no, "lead", f"{r.lead} is not in the specialists table")
            elif r.lead in specialist_index:
                lead_idx = specialist_index[r.lead]
                lead = specialists[lead_idx]
                if not lead.available:
                    issues.error(
                        group_file,
                        row_no,
                        "lead",
                        f"{r.lead} is in cohort {lead.cohort}, which is not available "
                        "this year (rules.available_cohorts): a fixed lead must be available",
                    )
        has_venue = (
            r.venue_postcode is not None
            or (r.venue_latitude is not None and r.venue_longitude is not None)
            or (r.venue_easting is not None and r.venue_northing is not None)
        )
        if has_venue:
            venue = _locate(
                locator,
                r.venue_latitude,
                r.venue_longitude,
                r.venue_easting,
                r.venue_northing,
                r.venue_postcode,
                ("venue_latitude", "venue_longitude", "venue_easting", "venue_northing", "venue_postcode"),
                group_file,
                row_no,
                issues,
            )
        elif lead_idx is not None:
            venue = specialists[lead_idx].location
        else:
            venue = None
        if venue is None:
            continue
        groups.append(
            WorkGroup(
                id=r.id,
                hub=r.hub,
                phase=r.phase,
                venue=venue,
                focus=r.focus,
                venue_postcode=r.venue_postcode
                or (specialists[lead_idx].postcode if lead_idx is not None and not has_venue else None),
                lead_idx=lead_idx,
                min_schools=3 if r.min_schools is None else r.min_schools,
                max_schools=8 if r.max_schools is None else r.max_schools,
                row=row_no,
            )
        )
    group_index = {g.id: i for i, g in enumerate(groups)}
    school_index = {s.urn: i for i, s in enumerate(schools)}

    # Warnings that do not stop a run.
    for school in schools:
        if (
            school.previous_specialist
            and all_specialist_ids is not None
            and school.previous_specialist not in all_specialist_ids
        ):
            issues.warn(
                school_file,
                school.row,
                "previous_specialist",
                f"{school.previous_specialist} is not in this year's specialists table "
                "(no continuity bonus is possible)",
            )

    listed = {
        "school": _listed_ids(tables, data, "schools", "urn"),
        "specialist": all_specialist_ids,
        "group": _listed_ids(tables, data, "work_groups", "id"),
    }
    pins = _requirements(
        spec,
        data,
        "pins",
        lines,
        shown,
        school_index,
        specialist_index,
        group_index,
        schools,
        issues,
        listed,
        written or {},
    )
    forbids = _requirements(
        spec,
        data,
        "forbid",
        lines,
        shown,
        school_index,
        specialist_index,
        group_index,
        schools,
        issues,
        listed,
        written or {},
    )
    _check_pins(pins, forbids, spec, lines, shown, schools, issues)

    if issues.errors:
        return None
    return ProblemData(
        name=spec.name,
        year=spec.year,
        foci=tuple(spec.foci),
        schools=tuple(schools),
        specialists=tuple(specialists),
        work_groups=tuple(groups),
        rules=Rules(
            available_cohorts=tuple(available_cohorts) if available_cohorts is not None else None,
            departments_per_specialist=rules_spec.departments_per_specialist,
            embedding_per_specialist=rules_spec.embedding_per_specialist,
            groups_per_lead=rules_spec.groups_per_lead,
            max_travel_km=float(rules_spec.max_travel_km),
            allow_cross_hub=rules_spec.allow_cross_hub,
            separate_trusts=rules_spec.separate_trusts,
        ),
        weights=Weights(
            place=spec.weights.place,
            priority=spec.weights.priority,
            travel_per_km=spec.weights.travel_per_km,
            focus_rank=spec.focus_rank,
            continuity=spec.weights.continuity,
        ),
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
    spec: ScenarioSpec,
    data: dict[str, Any],
    key: str,
    lines: dict[tuple[Any, ...], int],
    shown: str,
    school_index: dict[str, int],
    specialist_index: dict[str, int],
    group_index: dict[str, int],
    schools: list[School],
    issues: Collector,
    listed: dict[str, set[str] | None],
    written: dict[tuple[Any, ...], str],
) -> list[Requirement]:
    out = []
    raw_list = data.get(key) or []
    for n, req in enumerate(spec.pins if key == "pins" else spec.forbid):
        if req.school == _SKIP:
            continue
        raw = raw_list[n] if n < len(raw_list) and isinstance(raw_list[n], dict) else {}
        ok = True
        for field_name, index, what in (
            ("school", school_index, "school (URN) in the schools table"),
            ("specialist", specialist_index, "specialist id in the specialists table"),
            ("group", group_index, "work group id in the work groups table"),
        ):
            value = getattr(req, field_name)
            if value is None:
                continue
            if value not in index:
                ok = False
                known = listed[field_name]
                if known is not None and value in known:
                    continue  # its row is invalid or unlocated, and reported as such
                hint = ""
                if isinstance(raw.get(field_name), int | float) and not isinstance(raw.get(field_name), bool):
                    as_written = written.get((key, n, field_name), str(raw.get(field_name)))
                    hint = (
                        f" (YAML read the unquoted {as_written} as the number {value}; "
                        f'quote ids, e.g. {field_name}: "{as_written}")'
                    )
                issues.error(
                    shown,
                    line_of(lines, (key, n, field_name)),
                    f"{key}[{n + 1}].{field_name}",
                    f"{value} is not a {what}{hint}",
                )
        if ok:
            out.append(
                Requirement(
                    school_index[req.school],
                    None if req.specialist is None else specialist_index[req.specialist],
                    None if req.group is None else group_index[req.group],
                    index=n,
                )
            )
    return out


def _check_pins(
    pins: list[Requirement],
    forbids: list[Requirement],
    spec: ScenarioSpec,
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
        if pin.group_idx is not None and school.stage == "development":
            issues.error(
                shown,
                where,
                column,
                f"school {school.urn} applies for development, which has no work group: pin it to a specialist",
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
