"""Hypothesis strategies drawing small, valid `ProblemData` directly (no files).

Locations fall in a box 0.6 degrees of latitude by 1 of longitude around
(52, -1.5), so distances span 0 to about 95 km and the travel limits (30-120 km) bite
sometimes. Hub and trust names come in several spellings that `key()`
treats as equal, so name comparison is exercised too.
"""

from __future__ import annotations

from hypothesis import strategies as st

from allocator.problem.data import (
    Location,
    ProblemData,
    Requirement,
    Rules,
    School,
    Specialist,
    Weights,
    WorkGroup,
)

FOCI = ("A", "B", "C")
HUBS = ("North", "South")
HUB_SPELLINGS = {"North": ("North", "north ", " NORTH"), "South": ("South", "south")}
TRUSTS = (None, None, "Oak Trust", " oak trust", "Elm Trust")
COHORTS = (1, 2, 3)


@st.composite
def locations(draw: st.DrawFn) -> Location:
    lat = draw(st.floats(51.7, 52.3, allow_nan=False, allow_infinity=False))
    lon = draw(st.floats(-2.0, -1.0, allow_nan=False, allow_infinity=False))
    return Location(lat=lat, lon=lon, source="given")


@st.composite
def _hub_name(draw: st.DrawFn, hubs: tuple[str, ...]) -> str:
    return draw(st.sampled_from(HUB_SPELLINGS[draw(st.sampled_from(hubs))]))


@st.composite
def _focus_choices(draw: st.DrawFn, min_size: int) -> tuple[str, ...]:
    codes = draw(st.lists(st.sampled_from(FOCI), min_size=min_size, max_size=3, unique=True))
    return tuple(codes)


@st.composite
def tiny_problems(
    draw: st.DrawFn,
    max_schools: int = 5,
    max_specialists: int = 3,
    max_groups: int = 2,
    with_pins: bool = False,
) -> ProblemData:
    """A random valid problem small enough for `brute_force_optimum`.

    Parameters
    ----------
    max_schools, max_specialists, max_groups
        Upper bounds on the table sizes (each at least 1 school/specialist, 0+ groups).
    with_pins
        Add 0-2 pins (consistent with each other and with the forbids, and of
        a kind the school's stage allows); the rules may then be impossible.
    """
    hubs = HUBS[: draw(st.integers(1, 2))]
    available_cohorts = tuple(sorted(draw(st.sets(st.sampled_from(COHORTS), min_size=1, max_size=3))))
    rules = Rules(
        available_cohorts=available_cohorts,
        max_travel_km=float(draw(st.integers(30, 120))),
        allow_cross_hub=draw(st.booleans()),
        separate_trusts=draw(st.integers(0, 2)) == 0,
        whole_pairs=draw(st.integers(0, 3)) == 0,
    )
    weights = Weights(
        place=draw(st.integers(0, 300)),
        priority=draw(st.integers(0, 50)),
        travel_per_km=draw(st.integers(0, 3)),
        focus_rank=tuple(draw(st.lists(st.integers(0, 60), min_size=3, max_size=3))),
        continuity=draw(st.integers(0, 60)),
        lone_department=draw(st.sampled_from((0, 0, 40, 400))),
    )

    num_schools = draw(st.integers(1, max_schools))
    num_specialists = draw(st.integers(1, max_specialists))
    num_groups = draw(st.integers(0, max_groups))
    urns = tuple(f"1000{i:02d}" for i in range(num_schools))
    specialist_ids = tuple(f"S{j + 1}" for j in range(num_specialists))

    schools = []
    for i, urn in enumerate(urns):
        phase = draw(st.sampled_from(("primary", "secondary", "all-through", "special")))
        stage = draw(st.sampled_from(("development", "embedding", "sustaining")))
        if phase == "secondary" and stage == "sustaining":
            choices = draw(_focus_choices(min_size=1))
        elif draw(st.integers(0, 3)) == 0:
            choices = draw(_focus_choices(min_size=0))
        else:
            choices = ()
        previous = draw(st.sampled_from((None, None, "S9", *specialist_ids)))
        schools.append(
            School(
                urn=urn,
                name=f"School {i}",
                hub=draw(_hub_name(hubs)),
                phase=phase,
                stage=stage,
                postcode="CV1 1AA",
                location=draw(locations()),
                focus_choices=choices,
                previous_specialist=previous,
                priority=draw(st.integers(0, 3)),
                trust=draw(st.sampled_from(TRUSTS)),
                row=i + 2,
                max_travel_km=float(draw(st.integers(20, 120))) if draw(st.integers(0, 3)) == 0 else None,
                allow_cross_hub=draw(st.sampled_from((None, None, True, False))),
            )
        )

    specialists = []
    for j, sid in enumerate(specialist_ids):
        # Mostly available, so that most tiny problems have something to place.
        if draw(st.integers(0, 4)) > 0:
            cohort = draw(st.sampled_from(available_cohorts))
        else:
            cohort = draw(st.sampled_from(COHORTS))
        can_lead = draw(st.integers(0, 5)) > 0
        lead_foci = None
        if can_lead and draw(st.booleans()):
            lead_foci = frozenset(draw(st.sets(st.sampled_from(FOCI), min_size=1, max_size=2)))
        own = draw(st.sampled_from(urns)) if draw(st.integers(0, 4)) == 0 else None
        personal = None
        if draw(st.integers(0, 2)) == 0:
            personal = float(draw(st.integers(20, 120)))
        specialists.append(
            Specialist(
                id=sid,
                name=f"Specialist {j}",
                hub=draw(_hub_name(hubs)),
                phase=draw(st.sampled_from(("primary", "secondary"))),
                cohort=cohort,
                postcode="CV1 1AA",
                location=draw(locations()),
                available=cohort in available_cohorts,
                capacity=draw(st.integers(0, 2)),
                embedding_capacity=draw(st.integers(0, 2)),
                max_groups=draw(st.integers(0, 2)),
                lead_foci=lead_foci,
                can_lead=can_lead,
                school_urn=own,
                max_travel_km=personal,
                trust=draw(st.sampled_from(TRUSTS)),
                row=j + 2,
            )
        )
    available_idx = [j for j, spec in enumerate(specialists) if spec.available]

    groups = []
    for g in range(num_groups):
        lead_idx = None
        if available_idx and draw(st.integers(0, 3)) == 0:
            lead_idx = draw(st.sampled_from(available_idx))
        min_schools = draw(st.integers(1, 3))
        max_schools = draw(st.integers(max(min_schools, 2), 4))
        stage = draw(st.sampled_from(("sustaining", "sustaining", "development")))
        # No venue columns: at the fixed lead's location, or at the chosen lead's.
        at_lead = draw(st.integers(0, 3)) == 0
        venue = specialists[lead_idx].location if at_lead and lead_idx is not None else draw(locations())
        groups.append(
            WorkGroup(
                id=f"G{g + 1}",
                hub=draw(_hub_name(hubs)),
                phase=draw(st.sampled_from(("primary", "secondary", "special"))),
                venue=venue,
                focus=None if stage == "development" else draw(st.sampled_from((None, *FOCI))),
                venue_postcode=None if at_lead else "CV1 1AA",
                lead_idx=lead_idx,
                min_schools=min_schools,
                max_schools=max_schools,
                row=g + 2,
                venue_at_lead=at_lead,
                stage=stage,
                cross_hub=draw(st.integers(0, 3)) == 0,
            )
        )

    pins: list[Requirement] = []
    if with_pins:
        for _ in range(draw(st.integers(0, 2))):
            pin = draw(_requirement(schools, num_specialists, groups, len(pins), pin=True))
            if pin is not None and _consistent(pin, pins, schools):
                pins.append(pin)
    forbids: list[Requirement] = []
    if draw(st.integers(0, 3)) == 0:
        forbid = draw(_requirement(schools, num_specialists, groups, 0))
        if forbid is not None and not any(_same_pair(forbid, pin) for pin in pins):
            forbids.append(forbid)

    return ProblemData(
        name="tiny",
        year="2025/26",
        foci=FOCI,
        schools=tuple(schools),
        specialists=tuple(specialists),
        work_groups=tuple(groups),
        rules=rules,
        weights=weights,
        pins=tuple(pins),
        forbids=tuple(forbids),
    )


@st.composite
def _requirement(
    draw: st.DrawFn,
    schools: list[School],
    num_specialists: int,
    groups: list[WorkGroup],
    index: int,
    pin: bool = False,
) -> Requirement | None:
    """One school and one specialist or group of a kind its stage uses (None if impossible).

    A pin onto a group takes a group of the school's kind (development schools onto
    development groups, others onto work groups): the other pins are bad input.
    """
    school_idx = draw(st.integers(0, len(schools) - 1))
    stage = schools[school_idx].stage
    fitting = [
        g for g, group in enumerate(groups) if not pin or (group.stage == "development") == (stage == "development")
    ]
    kinds = []
    if stage in ("development", "embedding"):
        kinds.append("specialist")
    if fitting:
        kinds.append("group")
    if not kinds:
        return None
    if draw(st.sampled_from(kinds)) == "specialist":
        return Requirement(school_idx, specialist_idx=draw(st.integers(0, num_specialists - 1)), index=index)
    return Requirement(school_idx, group_idx=draw(st.sampled_from(fitting)), index=index)


def _same_pair(a: Requirement, b: Requirement) -> bool:
    return (a.school_idx, a.specialist_idx, a.group_idx) == (
        b.school_idx,
        b.specialist_idx,
        b.group_idx,
    )


def _consistent(pin: Requirement, pins: list[Requirement], schools: list[School]) -> bool:
    """Pins that agree are fine; two placing one school differently are bad input, and so
    is a development school pinned to a specialist and a development group."""
    for other in pins:
        if other.school_idx != pin.school_idx:
            continue
        if schools[pin.school_idx].stage == "development" and (pin.specialist_idx is None) != (
            other.specialist_idx is None
        ):
            return False
        if pin.specialist_idx is not None and other.specialist_idx not in (
            None,
            pin.specialist_idx,
        ):
            return False
        if pin.group_idx is not None and other.group_idx not in (None, pin.group_idx):
            return False
    return True
