"""The frozen, index-based problem every later layer works on.

`ProblemData` is what the scenario files say once they have been read,
validated and located: plain values, no pandas, no pydantic, no files.
Everything downstream (eligibility, the CP-SAT model, the independent
checker, the reports) reads only this.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import date, time
from pathlib import Path
from typing import Any


class Stage(enum.StrEnum):
    """The programme stage a school applies for (a `str`, so it equals its cell word)."""

    DEVELOPMENT = "development"  # year 1: a specialist
    EMBEDDING = "embedding"  # year 2: a specialist and a work group
    SUSTAINING = "sustaining"  # year 3+: a work group

    @property
    def needs_specialist(self) -> bool:
        """A school of this stage is placed only with a specialist."""
        return self is not Stage.SUSTAINING

    @property
    def needs_group(self) -> bool:
        """A school of this stage is placed only in a work group."""
        return self is not Stage.DEVELOPMENT

    def placed_with(self, specialist: bool, group: bool) -> bool:
        """Whether a school of this stage, with or without a specialist and a group, is
        placed: development one of the two, embedding both, sustaining a group."""
        if self is Stage.DEVELOPMENT:
            return specialist != group
        return (specialist or not self.needs_specialist) and (group or not self.needs_group)

    @property
    def capacity_field(self) -> str:
        """The specialist column that limits how many schools of this stage they support."""
        return "capacity" if self is Stage.DEVELOPMENT else "embedding_capacity"


PHASES_SCHOOL = ("primary", "secondary", "all-through", "special")
PHASES_SPECIALIST = ("primary", "secondary")
PHASES_GROUP = ("primary", "secondary", "special")
STAGES = tuple(stage.value for stage in Stage)
SUPPORTED_STAGES = (Stage.DEVELOPMENT, Stage.EMBEDDING)  # the stages a specialist supports
LOCATION_SOURCES = ("given", "grid", "postcode", "sector", "district", "online")


@dataclass(frozen=True)
class Location:
    """A WGS-84 position and where it came from (one of `LOCATION_SOURCES`)."""

    lat: float
    lon: float
    source: str


@dataclass(frozen=True)
class Advocate:
    """A Mastery Advocate of a school. Personal data: never logged or quoted."""

    name: str = ""
    email: str = ""
    trn: str = ""
    role: str = ""


@dataclass(frozen=True)
class School:
    urn: str
    name: str
    hub: str
    phase: str  # one of PHASES_SCHOOL
    stage: str  # one of STAGES (a `Stage` value; compare with `Stage` members)
    postcode: str
    location: Location
    focus_choices: tuple[str, ...] = ()  # ranked, upper-case codes
    previous_specialist: str | None = None  # specialist id as written (trimmed)
    priority: int = 0
    trust: str | None = None  # as written (trimmed); compare with `key()`
    advocates: tuple[Advocate, ...] = ()
    row: int = 0  # spreadsheet row (header = 1)
    extra: tuple[tuple[str, str], ...] = ()  # other columns of its row (form contacts): outputs only, never a TRN
    # Per-school settings (schools table cells); None: the rule's.
    max_travel_km: float | None = None  # replaces rules.max_travel_km for this school (even when larger)
    allow_cross_hub: bool | None = None  # overrides rules.allow_cross_hub for this school


@dataclass(frozen=True)
class CapacityCells:
    """A specialist's capacity cells as the table wrote them: None where a cell was blank
    (the rule's default then applies; `rule_default` says which)."""

    capacity: int | None = None
    embedding_capacity: int | None = None
    max_groups: int | None = None


def rule_default(written: int | None, default: int) -> int:
    """A capacity cell's effective value: as written, or the rule's default when blank."""
    return default if written is None else written


@dataclass(frozen=True)
class Specialist:
    id: str
    name: str
    hub: str
    phase: str  # one of PHASES_SPECIALIST
    cohort: int
    postcode: str
    location: Location
    available: bool
    capacity: int  # development schools this year (rule default applied)
    embedding_capacity: int  # embedding schools this year (rule default applied)
    max_groups: int  # running groups they may lead (rule default applied)
    lead_foci: frozenset[str] | None = None  # None: any group; else groups with these foci or none
    can_lead: bool = True  # False when the `foci` cell says `none`
    school_urn: str | None = None
    max_travel_km: float | None = None  # personal limit (the lower of it and the rule applies)
    trust: str | None = None
    row: int = 0
    pair_meetings: str = "alternate"  # or "at specialist": where development pair meetings are held
    email: str = ""  # personal data: outputs for the hub lead only, never logs
    phone: str = ""  # personal data, as `email`
    # The capacity cells as written, beside the effective values above; None for a
    # specialist built in code, whose values above are then as given.
    written: CapacityCells | None = None

    def with_values(self, **changes: Any) -> Specialist:
        """A copy with table values changed as if written in the table: a new capacity,
        embedding_capacity or max_groups is also the written cell (so the checker, which
        recomputes capacities from the cells, sees the same value)."""
        cells = {name: changes[name] for name in ("capacity", "embedding_capacity", "max_groups") if name in changes}
        if self.written is not None and cells:
            changes["written"] = replace(self.written, **cells)
        return replace(self, **changes)

    def capacity_for(self, stage: str) -> int:
        """The effective capacity for schools of `stage` (0 for sustaining: no support)."""
        if stage == Stage.DEVELOPMENT:
            return self.capacity
        if stage == Stage.EMBEDDING:
            return self.embedding_capacity
        return 0


@dataclass(frozen=True)
class WorkGroup:
    id: str
    hub: str
    phase: str  # one of PHASES_GROUP
    venue: Location
    focus: str | None = None
    venue_postcode: str | None = None
    lead_idx: int | None = None  # fixed lead (index into specialists); None: chosen
    min_schools: int = 3
    max_schools: int = 8
    row: int = 0
    sessions: int | None = None  # meetings this year; None: 6 for a primary group, else 4
    hosting: str | None = None  # "rotate" or "venue"; None: rotate when the group meets at its lead
    venue_at_lead: bool = False  # no venue columns: the group meets at its lead's location
    stage: str = "sustaining"  # "sustaining" (embedding and sustaining schools) or "development"
    cross_hub: bool = False  # a regional group: takes schools from any hub (its lead is still of its hub)

    @property
    def is_development(self) -> bool:
        """A development work group: its members are development schools."""
        return self.stage == Stage.DEVELOPMENT


@dataclass(frozen=True)
class Rules:
    available_cohorts: tuple[int, ...] | None = None
    departments_per_specialist: int = 2
    embedding_per_specialist: int = 2
    groups_per_lead: int = 1
    max_travel_km: float = 80.0
    allow_cross_hub: bool = False
    separate_trusts: bool = False
    whole_pairs: bool = False  # True: no available specialist of development capacity >= 2 has a load of exactly 1


@dataclass(frozen=True)
class Weights:
    place: int = 1000
    priority: int = 200
    travel_per_km: int = 1
    focus_rank: tuple[int, ...] = (0, 30, 60, 90)
    continuity: int = 50
    keep: int = 300  # per school placed exactly as in the previous run (`--previous`)
    lone_department: int = 400  # per available specialist with development load 1 and capacity >= 2


@dataclass(frozen=True)
class Requirement:
    """A pin (must hold) or forbid (must not hold): one school and one specialist or group."""

    school_idx: int
    specialist_idx: int | None = None
    group_idx: int | None = None
    index: int = 0  # position in the scenario's `pins:` / `forbid:` list (0-based)
    source: str = ""  # how messages name it when it is not a scenario entry (a locked row)


@dataclass(frozen=True)
class PreviousPlacement:
    """One school's row in an earlier run's allocations, as read (ids as written).

    `specialist` and `group` are the ids in the row (None when blank); `placed` is the
    row's status. The keep weight and the independent checker compare ids, not indices.
    """

    urn: str
    stage: str | None
    placed: bool
    specialist: str | None = None
    group: str | None = None
    locked: bool = False
    row: int = 0
    name: str = ""  # the school's name as the row gives it (for schools that withdrew)
    specialist_name: str = ""  # as the row gives it (for specialists who withdrew)


@dataclass(frozen=True)
class Previous:
    """An earlier run's allocations (`--previous`): rows of schools still applying, and
    rows of schools no longer in the schools table (`gone`)."""

    file: str
    placements: tuple[PreviousPlacement, ...] = ()
    gone: tuple[PreviousPlacement, ...] = ()
    sha256: str = ""  # of the table's bytes, for summary.json ("" when not read from a file)


@dataclass(frozen=True)
class SolverSettings:
    time_limit_s: float = 60.0
    workers: int = 8
    seed: int = 0
    deterministic: bool = False


@dataclass(frozen=True)
class OutputSettings:
    dir: Path | None = None  # None: out/<scenario stem> relative to the working directory
    formats: tuple[str, ...] = ("csv",)


@dataclass(frozen=True)
class Calendar:
    """When sessions may be held (scenario `calendar:`): date ranges include both ends."""

    terms: tuple[tuple[date, date], ...]
    holidays: tuple[tuple[date, date], ...] = ()
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    afternoon: tuple[time, time] = (time(13, 30), time(15, 30))
    twilight: tuple[time, time] | None = None


@dataclass(frozen=True)
class Focus:
    """A focus code with its optional title and project code (scenario `foci` as a mapping)."""

    key: str  # the upper-case letter code schools choose (`focus_choices`)
    title: str = ""
    code: str = ""  # project code, e.g. NCP24-14a


@dataclass(frozen=True)
class Funding:
    """Pounds per placed school, by stage (scenario `funding`; a stage left out is 0)."""

    development: int = 0
    embedding: int = 0
    sustaining: int = 0

    def for_stage(self, stage: str) -> int:
        """Pounds for one placed school of `stage`."""
        return int(getattr(self, Stage(stage).value))


@dataclass(frozen=True)
class ProblemData:
    """A validated, located scenario. Indices into the tuples are the ids every layer uses."""

    name: str
    year: str
    foci: tuple[str, ...]
    schools: tuple[School, ...]
    specialists: tuple[Specialist, ...]
    work_groups: tuple[WorkGroup, ...]
    rules: Rules = field(default_factory=Rules)
    weights: Weights = field(default_factory=Weights)
    pins: tuple[Requirement, ...] = ()
    forbids: tuple[Requirement, ...] = ()
    solver: SolverSettings = field(default_factory=SolverSettings)
    output: OutputSettings = field(default_factory=OutputSettings)
    locations: str = "auto"
    scenario_path: Path | None = None
    scenario_sha256: str = ""
    previous: Previous | None = None  # an earlier run's placements (`--previous`), if any
    calendar: Calendar | None = None
    funding: Funding | None = None  # None: the scenario has no `funding:`
    focus_details: tuple[Focus, ...] = ()  # titles and project codes, when `foci` is a mapping

    def focus_detail(self, code: str | None) -> Focus | None:
        """The title and project code of focus `code` (None when it has none)."""
        for focus in self.focus_details:
            if focus.key == code:
                return focus
        return None

    @property
    def num_schools(self) -> int:
        return len(self.schools)

    @property
    def num_specialists(self) -> int:
        return len(self.specialists)

    @property
    def num_groups(self) -> int:
        return len(self.work_groups)


def key(text: str | None) -> str:
    """Comparison key for hub and trust names: trimmed, case-folded ('' for blank)."""
    return (text or "").strip().casefold()
