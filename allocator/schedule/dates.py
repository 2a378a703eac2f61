"""When each meeting is held: school days from the scenario's `calendar:`.

A school day is a day of a term, not in a holiday, on an allowed weekday. An entity (a
work group or a development pair) with n meetings has its school days split into n
equal runs; meeting k is held on the free day of run k nearest the run's middle (the
first meeting also within the first half term), so meetings spread across the terms.
A specialist is booked by every group they lead and by their pair's meetings, and is
never booked twice on one day. Entities are dated one specialist at a time, those
with more meetings first; an entity that cannot get a free day for every meeting gets
no dates at all (and a warning).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from allocator.problem.data import Calendar


@dataclass(frozen=True)
class Booking:
    """One entity to date: `key` names it, `specialist_idx` is who it books."""

    key: tuple[str, str]  # ("group", id) or ("pair", specialist id)
    specialist_idx: int
    meetings: int


def school_days(calendar: Calendar) -> list[date]:
    """Every day of the terms that is not a holiday and falls on an allowed weekday."""
    days = []
    for start, end in calendar.terms:
        day = start
        while day <= end:
            if day.weekday() in calendar.weekdays and not any(a <= day <= b for a, b in calendar.holidays):
                days.append(day)
            day += timedelta(days=1)
    return days


def calendar_line(calendar: Calendar) -> str:
    """One line for `allocate check`: the calendar's terms, school days and session times."""
    days = school_days(calendar)
    names = ", ".join(f"{date(2024, 1, 1 + d):%A}" for d in calendar.weekdays)  # 1 January 2024 was a Monday
    twilight = (
        "" if calendar.twilight is None else f", twilight {calendar.twilight[0]:%H:%M}-{calendar.twilight[1]:%H:%M}"
    )
    return (
        f"Calendar: {len(calendar.terms)} term{'s' if len(calendar.terms) != 1 else ''} from "
        f"{calendar.terms[0][0]} to {calendar.terms[-1][1]}, {len(days)} school days ({names}), "
        f"first half term to {first_half_term_end(calendar)}; afternoons "
        f"{calendar.afternoon[0]:%H:%M}-{calendar.afternoon[1]:%H:%M}{twilight}"
    )


def first_half_term_end(calendar: Calendar) -> date:
    """The last day of the first half term: the day before the first holiday that starts
    inside the first term, else the middle of the first term."""
    start, end = calendar.terms[0]
    breaks = [a for a, _ in calendar.holidays if start < a <= end]
    if breaks:
        return min(breaks) - timedelta(days=1)
    return start + (end - start) // 2


def windows(days: Sequence[date], meetings: int, first_end: date) -> list[list[date]]:
    """The days each meeting may use: n equal runs of `days`, the first cut at `first_end`."""
    cuts = [round(k * len(days) / meetings) for k in range(meetings + 1)]
    out = [list(days[cuts[k] : cuts[k + 1]]) for k in range(meetings)]
    if out:
        out[0] = [d for d in out[0] if d <= first_end]
    return out


def assign_dates(calendar: Calendar, bookings: Sequence[Booking]) -> dict[tuple[str, str], list[date] | None]:
    """A date for every meeting of every booking, or None for a booking that cannot be dated.

    No specialist is booked twice on one day; every date is a school day.
    """
    days = school_days(calendar)
    first_end = first_half_term_end(calendar)
    booked: dict[int, set[date]] = {}
    out: dict[tuple[str, str], list[date] | None] = {}
    for booking in sorted(bookings, key=lambda b: (b.specialist_idx, -b.meetings, b.key)):
        taken = booked.setdefault(booking.specialist_idx, set())
        chosen: list[date] = []
        if len(days) >= booking.meetings:
            for window in windows(days, booking.meetings, first_end):
                free = [d for d in window if d not in taken]
                if not free:
                    break
                middle = window[len(window) // 2]
                chosen.append(min(free, key=lambda d: (abs((d - middle).days), d)))
        if len(chosen) == booking.meetings:
            taken.update(chosen)
            out[booking.key] = chosen
        else:
            out[booking.key] = None
    return out
