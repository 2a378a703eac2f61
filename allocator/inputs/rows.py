"""Row models: each field of one row of the schools, specialists and work-group tables.

Every model takes a row's text cells (blank = "") and the scenario's focus codes as
validation context. Messages about Mastery Advocates never quote what the cell holds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import fields
from typing import Annotated, Any, TypeVar, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from allocator.inputs.geo import normalise_postcode
from allocator.inputs.limits import MAX_COUNT, MAX_TRAVEL_KM
from allocator.problem.data import (
    PHASES_GROUP,
    PHASES_SCHOOL,
    PHASES_SPECIALIST,
    STAGES,
    Advocate,
    Location,
    School,
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9\s().-]{7,20}$")
PAIR_MEETINGS = ("alternate", "at specialist")
HOSTING = ("rotate", "venue")
# ASCII digits only: Python's \d and float() also take Arabic-Indic or fullwidth digits.
_INTEGER = re.compile(r"[+-]?[0-9]+(\.0+)?")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?")
T = TypeVar("T")
ADVOCATE_FIELDS = tuple(f"advocate_{n}_{part}" for n in (1, 2) for part in ("name", "email", "trn", "role"))


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value


def _required_text(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("is required but blank")
    return str(value).strip()


def _word(choices: tuple[str, ...]):
    def check(value: Any) -> str:
        text = _required_text(value).lower()
        if text not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(choices)}")
        return text

    return check


def _opt_word(choices: tuple[str, ...]):
    def check(value: Any) -> str | None:
        return None if value is None else _word(choices)(value)

    return check


def _integer(low: int | None = None, high: int | None = None, label: str = "a whole number"):
    def check(value: Any) -> int | None:
        if value is None:
            return None
        text = str(value).strip()
        if not _INTEGER.fullmatch(text):
            raise ValueError(f"{text!r} is not {label}")
        number = int(text.split(".")[0])
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValueError(f"{number} is not {label}")
        return number

    return check


def _number(value: Any) -> float | None:
    if value is None:
        return None
    text = str(value).strip()
    if not _DECIMAL.fullmatch(text):
        comma = re.fullmatch(r"[+-]?[0-9]+,[0-9]+", text)
        raise ValueError(f"{text!r} is not a number" + (" (write decimals with a point: 51.5)" if comma else ""))
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text!r} is not a finite number")
    return number


def _yes_no(value: Any) -> bool | None:
    """A yes/no cell in any case (blank: None, the rule's or the default)."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if text not in ("yes", "no"):
        raise ValueError(f"{value!r} is not yes or no")
    return text == "yes"


def _travel_km(value: float | None) -> float | None:
    """A travel limit: finite, above 0, at most MAX_TRAVEL_KM."""
    if value is not None and not 0 < value <= MAX_TRAVEL_KM:
        raise ValueError(f"{value:g} is not a distance above 0 km and at most {MAX_TRAVEL_KM:,} km")
    return value


def _urn(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not re.fullmatch(r"[0-9]{6}", text):
        raise ValueError(f"{text!r} is not a URN (6 digits)")
    return text


def _postcode(value: Any) -> str | None:
    if value is None:
        return None
    normal = normalise_postcode(str(value))
    if normal is None:
        raise ValueError(f"{value!r} is not a UK postcode")
    return normal


def _codes(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    parts = [p.strip().upper() for p in re.split(r"[;,\s]+", str(value)) if p.strip()]
    return tuple(parts)


Text = Annotated[str, BeforeValidator(_required_text)]
OptText = Annotated[str | None, BeforeValidator(_blank_to_none)]
OptNumber = Annotated[float | None, BeforeValidator(lambda v: _number(_blank_to_none(v)))]
Urn = Annotated[str, BeforeValidator(lambda v: _urn(_required_text(v)))]
OptUrn = Annotated[str | None, BeforeValidator(lambda v: _urn(_blank_to_none(v)))]
Postcode = Annotated[str, BeforeValidator(lambda v: _postcode(_required_text(v)))]
OptPostcode = Annotated[str | None, BeforeValidator(lambda v: _postcode(_blank_to_none(v)))]
Codes = Annotated[tuple[str, ...], BeforeValidator(lambda v: _codes(_blank_to_none(v)))]
OptYesNo = Annotated[bool | None, BeforeValidator(lambda v: _yes_no(_blank_to_none(v)))]
OptTravelKm = Annotated[float | None, BeforeValidator(lambda v: _travel_km(_number(_blank_to_none(v))))]


def _matching(pattern: re.Pattern[str], what: str):
    def check(value: Any) -> Any:
        text = _blank_to_none(value)
        if isinstance(text, str) and not pattern.fullmatch(text):
            raise ValueError(f"is not {what}")  # never quote personal data
        return text

    return check


OptEmail = Annotated[str | None, BeforeValidator(_matching(_EMAIL, "an email address"))]
OptPhone = Annotated[str | None, BeforeValidator(_matching(_PHONE, "a phone number"))]
OptTrn = Annotated[str | None, BeforeValidator(_matching(re.compile(r"[0-9]{7}"), "a TRN (7 digits)"))]
GROUP_STAGES = ("sustaining", "development")


def _opt_int(low: int, high: int | None = None, label: str = "a whole number"):
    check = _integer(low, high, label)
    return Annotated[int | None, BeforeValidator(lambda v: check(_blank_to_none(v)))]


def _check_codes(codes: tuple[str, ...], info: ValidationInfo, what: str) -> tuple[str, ...]:
    foci = tuple((info.context or {}).get("foci", ("A", "B", "C", "D")))
    unknown = [c for c in codes if c not in foci]
    if unknown:
        raise ValueError(
            f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not {what} of this year ({', '.join(foci)})"
        )
    if len(set(codes)) != len(codes):
        raise ValueError("a focus code is repeated")
    return codes


def _within(bound: float, what: str):
    def check(value: float | None) -> float | None:
        if value is not None and not -bound <= value <= bound:
            raise ValueError(f"{value} is not {what}")
        return value

    return check


class _Located(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    latitude: Annotated[OptNumber, AfterValidator(_within(90, "a latitude (-90 to 90)"))] = None
    longitude: Annotated[OptNumber, AfterValidator(_within(180, "a longitude (-180 to 180)"))] = None
    easting: OptNumber = None
    northing: OptNumber = None


class SchoolRow(_Located):
    urn: Urn
    name: Text
    hub: Text
    phase: Annotated[str, BeforeValidator(_word(PHASES_SCHOOL))]
    stage: Annotated[str, BeforeValidator(_word(STAGES))]
    postcode: Postcode
    focus_choices: Codes = ()
    previous_specialist: OptText = None
    priority: _opt_int(0, 3, "a priority from 0 to 3") = None  # type: ignore[valid-type]
    trust: OptText = None
    advocate_1_name: OptText = None
    advocate_1_email: OptEmail = None
    advocate_1_trn: OptTrn = None
    advocate_1_role: OptText = None
    advocate_2_name: OptText = None
    advocate_2_email: OptEmail = None
    advocate_2_trn: OptTrn = None
    advocate_2_role: OptText = None
    max_travel_km: OptTravelKm = None  # replaces the rule's limit for this school
    allow_cross_hub: OptYesNo = None  # overrides the rule for this school

    @field_validator("focus_choices")
    @classmethod
    def _foci(cls, codes: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        return _check_codes(codes, info, "a focus code")

    @model_validator(mode="after")
    def _needs_choices(self) -> SchoolRow:
        if self.phase == "secondary" and self.stage == "sustaining" and not self.focus_choices:
            raise ValueError("focus_choices|a secondary sustaining school needs ranked focus choices, e.g. B;A;C")
        return self

    def school(self, location: Location, row: int = 0) -> School:
        """The school this row describes, found at ``location`` (loading and variants share it).

        Parameters
        ----------
        location : Location
            Where the school is, as loading located it.
        row : int
            The spreadsheet row (header = 1); 0 for a school that no table holds.

        Returns
        -------
        School
            The school, with the advocates whose cells are not all blank.
        """
        advocates = tuple(
            Advocate(
                getattr(self, f"advocate_{n}_name") or "",
                getattr(self, f"advocate_{n}_email") or "",
                getattr(self, f"advocate_{n}_trn") or "",
                getattr(self, f"advocate_{n}_role") or "",
            )
            for n in (1, 2)
            if any(getattr(self, f"advocate_{n}_{p}") for p in ("name", "email", "trn", "role"))
        )
        return carried(self, School, location=location, priority=self.priority or 0, advocates=advocates, row=row)


_cohort = _integer(1, MAX_COUNT, f"a cohort number (1 to {MAX_COUNT:,})")
_COUNT = f"a whole number from 0 to {MAX_COUNT:,}"
_SIZE = f"a whole number from 1 to {MAX_COUNT:,}"


class SpecialistRow(_Located):
    id: Text
    name: Text
    hub: Text
    phase: Annotated[str, BeforeValidator(_word(PHASES_SPECIALIST))]
    cohort: Annotated[int, BeforeValidator(lambda v: _cohort(_required_text(v)))]
    postcode: Postcode
    school_urn: OptUrn = None
    capacity: _opt_int(0, MAX_COUNT, _COUNT) = None  # type: ignore[valid-type]
    embedding_capacity: _opt_int(0, MAX_COUNT, _COUNT) = None  # type: ignore[valid-type]
    max_groups: _opt_int(0, MAX_COUNT, _COUNT) = None  # type: ignore[valid-type]
    foci: Annotated[str | None, BeforeValidator(_blank_to_none)] = None
    max_travel_km: OptNumber = None
    trust: OptText = None
    pair_meetings: OptText = None
    email: OptEmail = None
    phone: OptPhone = None

    @field_validator("pair_meetings")
    @classmethod
    def _pair_meetings(cls, value: str | None) -> str:
        text = " ".join((value or "alternate").replace("_", " ").lower().split())
        if text not in PAIR_MEETINGS:
            raise ValueError(f"{value!r} is not one of {', '.join(PAIR_MEETINGS)} (blank: alternate)")
        return text

    @field_validator("foci")
    @classmethod
    def _foci(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or value.strip().lower() == "none":
            return value
        _check_codes(_codes(value), info, "a focus code")
        return value

    @field_validator("max_travel_km")
    @classmethod
    def _travel(cls, value: float | None) -> float | None:
        if value is not None and value <= 0:
            raise ValueError(f"{value} is not a distance above 0 km")
        return value

    @property
    def lead_foci(self) -> frozenset[str] | None:
        if self.foci is None or self.foci.strip().lower() == "none":
            return None
        return frozenset(_codes(self.foci))

    @property
    def can_lead(self) -> bool:
        return self.foci is None or self.foci.strip().lower() != "none"


class WorkGroupRow(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: Text
    hub: Text
    phase: Annotated[str, BeforeValidator(_word(PHASES_GROUP))]
    focus: Annotated[str | None, BeforeValidator(lambda v: _blank_to_none(v))] = None
    venue_postcode: OptPostcode = None
    venue_latitude: OptNumber = None
    venue_longitude: OptNumber = None
    venue_easting: OptNumber = None
    venue_northing: OptNumber = None
    lead: OptText = None
    min_schools: _opt_int(1, MAX_COUNT, _SIZE) = None  # type: ignore[valid-type]
    max_schools: _opt_int(1, MAX_COUNT, _SIZE) = None  # type: ignore[valid-type]
    sessions: _opt_int(1, 30, "a number of sessions from 1 to 30") = None  # type: ignore[valid-type]
    hosting: Annotated[str | None, BeforeValidator(lambda v: _opt_word(HOSTING)(_blank_to_none(v)))] = None
    stage: Annotated[str, BeforeValidator(lambda v: _opt_word(GROUP_STAGES)(_blank_to_none(v)) or "sustaining")] = (
        "sustaining"
    )
    cross_hub: Annotated[bool, BeforeValidator(lambda v: bool(_yes_no(_blank_to_none(v))))] = False

    @field_validator("focus")
    @classmethod
    def _focus(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        codes = _codes(value)
        if len(codes) != 1:
            raise ValueError(f"{value!r} is not one focus code")
        _check_codes(codes, info, "a focus code")
        return codes[0]

    @model_validator(mode="after")
    def _sizes(self) -> WorkGroupRow:
        low = 3 if self.min_schools is None else self.min_schools
        high = 8 if self.max_schools is None else self.max_schools
        if low > high:
            raise ValueError(f"min_schools|min_schools {low} is above max_schools {high}")
        if self.stage == "development" and self.focus is not None:
            raise ValueError("focus|a development group has no focus (its members are development schools)")
        return self


def carried(source: BaseModel, target: Callable[..., T], /, **values: Any) -> T:
    """`target` (a dataclass) built from `values` and, for its other fields, the cells of
    `source` of the same names, as validated: only what is derived needs spelling out.

    Parameters
    ----------
    source : BaseModel
        A validated row or scenario section.
    target : type
        The dataclass to build.
    **values
        The fields that are not a cell of the same name, or not as written.

    Returns
    -------
    The built `target`.
    """
    names = {f.name for f in fields(cast(Any, target))} & set(type(source).model_fields) - set(values)
    return target(**{name: getattr(source, name) for name in names}, **values)


def validation_messages(error: ValidationError) -> list[tuple[str, str]]:
    """(column, message) pairs of a row's validation errors.

    Model-level messages name their column as `column|message`.
    """
    out = []
    for item in error.errors(include_input=False, include_url=False):
        column = str(item["loc"][0]) if item["loc"] else ""
        message = item["msg"]
        for prefix in ("Value error, ", "Assertion failed, "):
            if message.startswith(prefix):
                message = message[len(prefix) :]
        if not column and "|" in message:
            column, message = message.split("|", 1)
        out.append((column, message))
    return out


REQUIRED_COLUMNS = {
    "schools": ("urn", "name", "hub", "phase", "stage", "postcode"),
    "specialists": ("id", "name", "hub", "phase", "cohort", "postcode"),
    "work_groups": ("id", "hub", "phase"),
}
ROW_MODELS: dict[str, type[BaseModel]] = {
    "schools": SchoolRow,
    "specialists": SpecialistRow,
    "work_groups": WorkGroupRow,
}
