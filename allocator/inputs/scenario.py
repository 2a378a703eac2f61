"""The scenario file (scenario.yml): pydantic models with SPEC's defaults."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, time
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from allocator.inputs.limits import LIMITS, MAX_COUNT, MAX_SEED, MAX_TIME_LIMIT_S, MAX_TRAVEL_KM, MAX_WEIGHT
from allocator.inputs.rows import carried
from allocator.inputs.tables import clean_text
from allocator.problem.data import Rules, Weights


def _id_text(value: Any) -> Any:
    """Ids are text: a YAML number is read as its decimal text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    return clean_text(value)[0].strip() if isinstance(value, str) else value


IdText = Annotated[str, BeforeValidator(_id_text)]
Weight = Annotated[int, Field(ge=0, le=MAX_WEIGHT, strict=True)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT, strict=True)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RulesSpec(_Strict):
    available_cohorts: list[Annotated[int, Field(ge=1, le=MAX_COUNT, strict=True)]] | None = None
    departments_per_specialist: Count = 2
    embedding_per_specialist: Count = 2
    groups_per_lead: Count = 1
    max_travel_km: Annotated[float, Field(gt=0, le=MAX_TRAVEL_KM, allow_inf_nan=False)] = 80.0
    allow_cross_hub: Annotated[bool, Field(strict=True)] = False
    separate_trusts: Annotated[bool, Field(strict=True)] = False
    whole_pairs: Annotated[bool, Field(strict=True)] = False

    def rules(self) -> Rules:
        """These rules as the problem holds them (loading and variants share this)."""
        cohorts = None if self.available_cohorts is None else tuple(self.available_cohorts)
        return carried(self, Rules, available_cohorts=cohorts, max_travel_km=float(self.max_travel_km))


class WeightsSpec(_Strict):
    place: Weight = 1000
    priority: Weight = 200
    travel_per_km: Weight = 1
    focus_rank: list[Weight] | None = None
    continuity: Weight = 50
    keep: Weight = 300
    lone_department: Weight = 400

    def weights(self, focus_rank: tuple[int, ...]) -> Weights:
        """These weights as the problem holds them, with `focus_rank` (one per focus code)."""
        return carried(self, Weights, focus_rank=focus_rank)


Pounds = Annotated[int, Field(ge=0, le=10_000_000, strict=True)]


class FundingSpec(_Strict):
    """Pounds per placed school, by stage (a stage left out counts 0)."""

    development: Pounds = 0
    embedding: Pounds = 0
    sustaining: Pounds = 0


class FocusSpec(_Strict):
    """A focus code's title and project code (`foci` as a mapping)."""

    title: str = ""
    code: str = ""


def _focus_detail(value: Any) -> Any:
    """A mapping's value: a mapping (title, code), a string (the title) or empty."""
    if value is None:
        return {}
    if isinstance(value, str):
        return {"title": value.strip()}
    if isinstance(value, dict):
        return {k: (v.strip() if isinstance(v, str) else _id_text(v)) for k, v in value.items()}
    return value


FocusDetail = Annotated[FocusSpec, BeforeValidator(_focus_detail)]


class RequirementSpec(_Strict):
    school: IdText
    specialist: IdText | None = None
    group: IdText | None = None

    @model_validator(mode="after")
    def _one_target(self) -> RequirementSpec:
        if (self.specialist is None) == (self.group is None):
            raise ValueError("names one school and exactly one of specialist or group")
        return self


class SolverSpec(_Strict):
    time_limit_s: Annotated[float, Field(gt=0, le=MAX_TIME_LIMIT_S, allow_inf_nan=False)] = 60.0
    workers: Annotated[int, Field(ge=1, le=64, strict=True)] = 8
    seed: Annotated[int, Field(ge=0, le=MAX_SEED, strict=True)] = 0
    deterministic: Annotated[bool, Field(strict=True)] = False


class OutputSpec(_Strict):
    dir: str | None = None
    formats: list[Literal["csv", "xlsx", "html"]] = ["csv"]

    @field_validator("formats", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [v for v in re.split(r"[,\s]+", value) if v]
        if isinstance(value, list):
            return [v.lower().strip() if isinstance(v, str) else v for v in value]
        return value


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _clock(value: Any) -> Any:
    """A time of day: "13:30", or the number YAML reads from an unquoted 13:30 (810 minutes)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a time like 13:30")
    if isinstance(value, int) and 0 <= value < 24 * 60:
        return time(value // 60, value % 60)
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", value)
        if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
            return time(int(match.group(1)), int(match.group(2)))
    if isinstance(value, time):
        return value
    raise ValueError(f"{value!r} is not a time like 13:30")


def _weekday(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip().lower()
        for day in WEEKDAYS:
            if text in (day, day[:3]):
                return day
    raise ValueError(f"{value!r} is not a weekday (monday ... sunday)")


Clock = Annotated[time, BeforeValidator(_clock)]
Weekday = Annotated[str, BeforeValidator(_weekday)]


class DatesSpec(_Strict):
    """A range of dates, both ends included."""

    start: date
    end: date

    @model_validator(mode="after")
    def _order(self) -> DatesSpec:
        if self.end < self.start:
            raise ValueError(f"ends ({self.end}) before it starts ({self.start})")
        return self


def _one_day(value: Any) -> Any:
    """A holiday may be one date instead of a range."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"{value!r} is not a date like 2026-05-04 (or a range: {{start: ..., end: ...}})"
            ) from None
    if isinstance(value, date):
        return {"start": value, "end": value}
    return value


class TimesSpec(_Strict):
    start: Clock
    end: Clock

    @model_validator(mode="after")
    def _order(self) -> TimesSpec:
        if self.end <= self.start:
            raise ValueError(f"ends ({self.end:%H:%M}) before it starts ({self.start:%H:%M})")
        return self


class CalendarSpec(_Strict):
    """When sessions may be held: terms, holidays, weekdays and session times."""

    terms: Annotated[list[DatesSpec], Field(min_length=1)]
    holidays: list[Annotated[DatesSpec, BeforeValidator(_one_day)]] = []
    weekdays: Annotated[list[Weekday], Field(min_length=1)] = list(WEEKDAYS[:5])
    afternoon: TimesSpec = TimesSpec(start=time(13, 30), end=time(15, 30))
    twilight: TimesSpec | None = None

    @field_validator("terms")
    @classmethod
    def _terms_in_order(cls, terms: list[DatesSpec]) -> list[DatesSpec]:
        for before, after in zip(terms, terms[1:], strict=False):
            if after.start <= before.end:
                raise ValueError(f"term starting {after.start} does not start after the term before it ends")
        return terms

    @model_validator(mode="after")
    def _twilight_after(self) -> CalendarSpec:
        if self.twilight is not None and self.twilight.start < self.afternoon.end:
            raise ValueError(
                f"calendar.twilight|starts ({self.twilight.start:%H:%M}) before the afternoon session "
                f"ends ({self.afternoon.end:%H:%M})"
            )
        return self


class ScenarioSpec(_Strict):
    name: Annotated[str, Field(min_length=1)]
    year: str
    schools: str
    specialists: str
    work_groups: str | None = None
    hub: str | None = None  # one-hub scenario: the hub of every row whose hub cell is blank
    gias: str | None = None  # DfE "Get Information about Schools" extract: fills blank cells by URN
    foci: list[IdText] = ["A", "B", "C", "D"]
    # Filled from `foci` when it is a mapping (code -> title and project code); not a key
    # of its own (its problems are reported under `foci`).
    focus_details: dict[IdText, FocusDetail] = {}
    funding: FundingSpec | None = None
    rules: RulesSpec = RulesSpec()
    weights: WeightsSpec = WeightsSpec()
    pins: list[RequirementSpec] = []
    forbid: list[RequirementSpec] = []
    solver: SolverSpec = SolverSpec()
    locations: Literal["auto", "exact", "sector", "district"] = "auto"
    output: OutputSpec = OutputSpec()
    previous: str | None = None  # an earlier output folder or allocations table (re-runs)
    calendar: CalendarSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _foci_mapping(cls, data: Any) -> Any:
        """`foci` as a mapping code -> details: the codes in order, and the details."""
        if not isinstance(data, dict):
            return data
        if "focus_details" in data:
            raise ValueError("focus_details|is not a known key (check its spelling)")
        foci = data.get("foci")
        if isinstance(foci, dict):
            return {**data, "foci": list(foci), "focus_details": {k: v for k, v in foci.items()}}
        return data

    @field_validator("schools", "specialists")
    @classmethod
    def _table(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is required: the path of the table")
        return value

    @field_validator("year")
    @classmethod
    def _year(cls, value: str) -> str:
        match = re.fullmatch(r"(\d{4})/(\d{2})", str(value).strip())
        if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
            raise ValueError(f"{value!r} is not a school year like 2025/26")
        return str(value).strip()

    @field_validator("foci")
    @classmethod
    def _foci(cls, value: list[str]) -> list[str]:
        codes = [v.strip().upper() for v in value]
        if not codes:
            raise ValueError("lists no focus codes")
        if len(set(codes)) != len(codes):
            raise ValueError("a focus code is repeated")
        for code in codes:
            if not re.fullmatch(r"[A-Z0-9]{1,8}", code):
                raise ValueError(f"{code!r} is not a focus code (letters or digits)")
        return codes

    @model_validator(mode="after")
    def _focus_rank(self) -> ScenarioSpec:
        ranks = self.weights.focus_rank
        if ranks is not None and len(ranks) != len(self.foci):
            raise ValueError(
                f"weights.focus_rank|has {len(ranks)} values but foci lists {len(self.foci)} "
                "codes: give one cost per focus code"
            )
        return self

    @property
    def focus_rank(self) -> tuple[int, ...]:
        if self.weights.focus_rank is not None:
            return tuple(self.weights.focus_rank)
        return tuple(30 * rank for rank in range(len(self.foci)))


def _yaml_nodes(text: str) -> Iterator[tuple[tuple[Any, ...], Any, Any]]:
    """Every node of a YAML document in document order: (path, node, its key node or None).

    Nothing for a document that does not parse (loading reports that elsewhere).
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return
    stack: list[tuple[tuple[Any, ...], Any, Any]] = [] if root is None else [((), root, None)]
    while stack:
        path, node, key = stack.pop()
        yield path, node, key
        if isinstance(node, yaml.MappingNode):
            children = [((*path, k.value), v, k) for k, v in node.value]
        elif isinstance(node, yaml.SequenceNode):
            children = [((*path, index), item, None) for index, item in enumerate(node.value)]
        else:
            children = []
        stack.extend(reversed(children))


def yaml_lines(text: str) -> dict[tuple[Any, ...], int]:
    """Line (1-based) of every key and list item of a YAML document, by path."""
    return {path: (key or node).start_mark.line + 1 for path, node, key in _yaml_nodes(text)}


def yaml_scalars(text: str) -> dict[tuple[Any, ...], str]:
    """Every scalar of a YAML document as written (`0712`, not the number 458), by path."""
    return {path: node.value for path, node, _ in _yaml_nodes(text) if isinstance(node, yaml.ScalarNode)}


def line_of(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest known prefix of `loc`."""
    for end in range(len(loc), -1, -1):
        if tuple(loc[:end]) in lines:
            return lines[tuple(loc[:end])]
    return None


def scenario_messages(error: ValidationError) -> list[tuple[tuple[Any, ...], str]]:
    """(path, message) for each problem in the scenario file."""
    out = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        message = item["msg"]
        for prefix in ("Value error, ", "Assertion failed, "):
            if message.startswith(prefix):
                message = message[len(prefix) :]
        if "|" in message:
            where, message = message.split("|", 1)
            loc = tuple(int(part) if part.isdigit() else part for part in where.split("."))
        if loc and loc[0] == "focus_details":
            loc = ("foci", *loc[1:])  # the mapping form of `foci`
        if item["type"] == "extra_forbidden":
            message = "is not a known key (check its spelling)"
        elif item["type"] == "missing":
            message = "is required"
        out.append((loc, message))
    return out


def yaml_structure_issues(text: str) -> tuple[str | None, list[tuple[int, str, str]]]:
    """What is wrong with a YAML document's shape before it is read as values.

    Returns (fatal, duplicates): `fatal` is a message when the document cannot be read
    safely at all (nested too deeply, or more than `LIMITS.yaml_values` values once its
    aliases are expanded: a "billion laughs" file is refused here in milliseconds);
    `duplicates` lists (line, key path, message) for each key written twice in one
    mapping (PyYAML would silently keep the last).
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        return "is nested too deeply to be a scenario", []
    except yaml.YAMLError:
        return None, []  # reported with its line by the reader
    duplicates: list[tuple[int, str, str]] = []
    visits = 0
    stack: list[tuple[Any, str, int]] = [] if root is None else [(root, "", 0)]
    seen_mappings: set[int] = set()
    while stack:
        node, path, depth = stack.pop()
        visits += 1
        if visits > LIMITS.yaml_values or depth > LIMITS.yaml_depth:
            return (
                f"expands to more than {LIMITS.yaml_values:,} values, or nests deeper than {LIMITS.yaml_depth} levels "
                "(YAML aliases?); a scenario needs far fewer",
                [],
            )
        if isinstance(node, yaml.MappingNode):
            keys: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value)
                child = f"{path}.{key}" if path else key
                if id(node) not in seen_mappings and key_node.tag != "tag:yaml.org,2002:merge":
                    line = key_node.start_mark.line + 1
                    if key in keys:
                        duplicates.append((line, child, f"is written twice (first at line {keys[key]}); keep one"))
                    else:
                        keys[key] = line
                stack.append((value_node, child, depth + 1))
            seen_mappings.add(id(node))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, f"{path}[{n + 1}]", depth + 1) for n, item in enumerate(node.value))
    return None, duplicates
