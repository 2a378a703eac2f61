"""calendar.csv, one .ics file per work group and per specialist, and the report's sessions.

The schedule (`allocator.schedule`) is made once, after the allocation is checked, and
kept as the `calendar` table; everything here reads that table. The .ics files are made
with the `icalendar` library: each event has a UID that stays the same on reruns (so a
re-imported file updates the events rather than adding copies), DTSTAMP, DTSTART/DTEND
in Europe/London time (with its VTIMEZONE, as Outlook and Google Calendar expect),
SUMMARY, LOCATION and DESCRIPTION. Specialists' emails and phones never go in them.
"""

from __future__ import annotations

import html
import math
import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pandas as pd

from allocator.problem.data import ProblemData
from allocator.schedule.plan import Schedule, make_schedule

if TYPE_CHECKING:
    import icalendar

    from allocator.outcome import Outcome

LONDON = ZoneInfo("Europe/London")
CALENDAR_FOLDER = "calendars"
CALENDAR_END = b"END:VCALENDAR\r\n"
CALENDAR_COLUMNS = [
    "kind",
    "group",
    "session",
    "sessions",
    "date",
    "weekday",
    "start",
    "end",
    "twilight_start",
    "twilight_end",
    "host_urn",
    "host_name",
    "postcode",
    "lead",
    "lead_name",
    "host_latitude",
    "host_longitude",
]


def calendar_table(problem: ProblemData, schedule: Schedule) -> pd.DataFrame:
    """One row per meeting: kind (group/pair), group (or the pair's specialist id), session,
    date, times, host and lead. Undated meetings have blank date and times."""
    cal = problem.calendar
    rows = []
    for m in schedule.meetings:
        lead = problem.specialists[m.specialist_idx]
        dated = m.date is not None and cal is not None
        twilight = dated and m.kind == "group" and cal is not None and cal.twilight is not None
        rows.append(
            {
                "kind": m.kind,
                "group": m.key,
                "session": m.number,
                "sessions": m.total,
                "date": m.date.isoformat() if m.date is not None else "",
                "weekday": f"{m.date:%A}" if m.date is not None else "",
                "start": f"{cal.afternoon[0]:%H:%M}" if dated and cal else "",
                "end": f"{cal.afternoon[1]:%H:%M}" if dated and cal else "",
                "twilight_start": f"{cal.twilight[0]:%H:%M}" if twilight and cal and cal.twilight else "",
                "twilight_end": f"{cal.twilight[1]:%H:%M}" if twilight and cal and cal.twilight else "",
                "host_urn": m.host.urn,
                "host_name": m.host.name,
                "postcode": m.host.postcode,
                "lead": lead.id,
                "lead_name": lead.name,
                "host_latitude": round(m.host.location.lat, 5),
                "host_longitude": round(m.host.location.lon, 5),
            }
        )
    return pd.DataFrame(rows, columns=CALENDAR_COLUMNS)


def add_schedule(solved: Outcome) -> None:
    """Plan the year's meetings of a solved scenario and add its tables `calendar` and `letters`.

    The schedule's warnings go to `summary["calendar_warnings"]`.
    """
    from allocator.report.letters import letters_table

    problem, allocation = solved.problem, solved.result.allocation
    if allocation is None:
        return
    schedule = make_schedule(problem, allocation)
    solved.tables["calendar"] = calendar_table(problem, schedule)
    solved.tables["letters"] = letters_table(solved, schedule)
    dated = sum(1 for m in schedule.meetings if m.date is not None)
    solved.summary_json["calendar"] = {"meetings": len(schedule.meetings), "dated": dated}
    solved.summary_json["calendar_warnings"] = list(schedule.warnings)


def file_stem(text: str) -> str:
    """An id as a safe file name part (letters, digits, `-`, `_` and `.`)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "unnamed"


def _london_timezone() -> icalendar.Timezone:
    """Europe/London as a VTIMEZONE with yearly rules (as Outlook writes it)."""
    import icalendar  # only when .ics files are written: it takes a while to import

    tz = icalendar.Timezone()
    tz.add("tzid", "Europe/London")
    for kind, name, start, month, offsets in (
        (icalendar.TimezoneDaylight, "BST", datetime(1970, 3, 29, 1), 3, ("+0000", "+0100")),
        (icalendar.TimezoneStandard, "GMT", datetime(1970, 10, 25, 2), 10, ("+0100", "+0000")),
    ):
        part = kind()
        part.add("tzname", name)
        part.add("dtstart", start)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        part.add("tzoffsetfrom", datetime.strptime(offsets[0], "%z").utcoffset())
        part.add("tzoffsetto", datetime.strptime(offsets[1], "%z").utcoffset())
        tz.add_component(part)
    return tz


def _at(day: str, clock: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=LONDON)


def _events(row: dict[str, Any], stamp: datetime, domain: str) -> bytes:
    """One meeting's VEVENTs (its afternoon, and its twilight session when there is one), serialised."""
    import icalendar  # only when .ics files are written: it takes a while to import

    where = ", ".join(v for v in (row["host_name"], row["postcode"]) if v)
    if row["kind"] == "group":
        what = f"Maths Hub work group {row['group']}: session {row['session']} of {row['sessions']}"
        about = f"Work group {row['group']}, led by {row['lead_name']}. Hosted by {row['host_name']}."
    else:
        what = f"Development work group meeting {row['session']} of {row['sessions']} ({row['lead_name']})"
        about = f"Development pair of Mastery Specialist {row['lead_name']}. Hosted by {row['host_name']}."
    parts = [("", row["start"], row["end"])]
    if row["twilight_start"]:
        parts.append(("-twilight", row["twilight_start"], row["twilight_end"]))
    out = b""
    for suffix, start, end in parts:
        event = icalendar.Event()
        event.add("uid", f"{row['kind']}-{file_stem(str(row['group']))}-{row['session']}{suffix}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", _at(row["date"], start))
        event.add("dtend", _at(row["date"], end))
        event.add("summary", what + (" (twilight)" if suffix else ""))
        event.add("location", where)
        event.add("description", about)
        out += event.to_ical()
    return out


def _calendar_head(name: str) -> bytes:
    """A VCALENDAR with its properties and the Europe/London VTIMEZONE, up to its events."""
    import icalendar  # only when .ics files are written: it takes a while to import

    cal = icalendar.Calendar()
    cal.add("prodid", "-//Maths Hubs allocator//calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/London")
    cal.add_component(_london_timezone())
    text = cal.to_ical()
    assert text.endswith(CALENDAR_END)
    return text[: -len(CALENDAR_END)]


def write_calendars(out_dir: Path, solved: Outcome) -> None:
    """The .ics files of a solved scenario, in `out_dir`/calendars (nothing when no meeting has a date)."""
    table = solved.tables.get("calendar")
    if table is not None:
        write_ics_files(out_dir / CALENDAR_FOLDER, solved.problem, table)


def write_ics_files(folder: Path, problem: ProblemData, table: pd.DataFrame) -> list[Path]:
    """One .ics file per work group (`group-ID.ics`) and per specialist (`specialist-ID.ics`,
    every group they lead and their pair's meetings) with dated meetings, in `folder`.

    Each meeting's events are made once by the library and go into both files that hold
    them (a national scenario has thousands)."""
    rows = [r for r in table.to_dict("records") if r["date"]]
    if not rows:
        return []
    folder.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).replace(microsecond=0)
    domain = file_stem(problem.name).lower()[:40] + ".allocator"
    events = [_events(row, stamp, domain) for row in rows]
    files: dict[tuple[str, str], list[int]] = {}
    titles: dict[tuple[str, str], str] = {}
    for i, row in enumerate(rows):
        if row["kind"] == "group":
            files.setdefault(("group", str(row["group"])), []).append(i)
            titles[("group", str(row["group"]))] = f"Work group {row['group']}"
        files.setdefault(("specialist", str(row["lead"])), []).append(i)
        titles[("specialist", str(row["lead"]))] = f"{row['lead_name']}: meetings"
    written = []
    used: set[str] = set()
    for key in [k for k in files if k[0] == "group"] + [k for k in files if k[0] == "specialist"]:
        stem = unique = f"{key[0]}-{file_stem(key[1])}"
        n = 1
        while unique.lower() in used:  # ids that differ only in unsafe characters or case
            n += 1
            unique = f"{stem}-{n}"
        used.add(unique.lower())
        path = folder / f"{unique}.ics"
        path.write_bytes(_calendar_head(titles[key]) + b"".join(events[i] for i in files[key]) + CALENDAR_END)
        written.append(path)
    return written


def sessions_map_svg(rows: pd.DataFrame, width: int = 260, height: int = 170, pad: int = 16) -> str:
    """A small map of one group's sessions: each host a numbered point (the sessions it
    holds), joined in session order, north up, with a scale bar; nothing for a group that
    meets at one place all year."""
    e = html.escape
    places: dict[tuple[float, float], list[str]] = {}
    route = []
    for r in rows.itertuples(index=False):
        point = (float(r.host_latitude), float(r.host_longitude))
        places.setdefault(point, []).append(str(r.session))
        route.append(point)
    if len(places) < 2:
        return ""  # every session at one place (a venue): the table says where
    lats = [lat for lat, _ in places]
    mid = math.radians(sum(lats) / len(lats))
    xs = [lon * math.cos(mid) for _, lon in places]
    span = max(max(xs) - min(xs), max(lats) - min(lats), 0.02)  # degrees of latitude; at least ~2 km
    scale = min(width, height) - 2 * pad

    def xy(point: tuple[float, float]) -> tuple[float, float]:
        x = (point[1] * math.cos(mid) - (min(xs) + max(xs)) / 2) / span * scale + width / 2
        y = ((min(lats) + max(lats)) / 2 - point[0]) / span * scale + height / 2
        return round(x, 1), round(y, 1)

    line = " ".join(f"{x},{y}" for x, y in map(xy, route))
    dots = "".join(
        f'<g class="host"><title>{e(", ".join(numbers))}</title><circle cx="{x}" cy="{y}" r="8"/>'
        f'<text x="{x}" y="{y + 3.5}" text-anchor="middle">{e(numbers[0])}</text></g>'
        for (x, y), numbers in ((xy(point), numbers) for point, numbers in places.items())
    )
    km = span * 111.2 / scale * 40  # the scale bar is 40 px long
    return (
        f'<svg class="sessions-map" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="where the sessions meet"><polyline points="{e(line)}"/>{dots}'
        f'<path d="M{pad} {height - 6}h40"/><text x="{pad + 44}" y="{height - 3}">{km:.1f} km</text></svg>'
    )


def sessions_html(solved: Outcome) -> str:
    """The report's per-group section: each running group's sessions (date, time, host)."""
    table = solved.tables.get("calendar")
    if table is None or table.empty:
        return ""
    e = html.escape
    blocks = []
    for group_id, rows in table[table["kind"] == "group"].groupby("group", sort=False):
        first = rows.iloc[0]
        body = "".join(
            "<tr>"
            + "".join(
                f"<td>{e(str(v))}</td>"
                for v in (
                    r.session,
                    f"{r.weekday} {r.date}".strip() or "no date",
                    f"{r.start}–{r.end}" if r.start else "",
                    f"{r.twilight_start}–{r.twilight_end}" if r.twilight_start else "",
                    r.host_name,
                    r.postcode,
                )
            )
            + "</tr>"
            for r in rows.itertuples(index=False)
        )
        blocks.append(
            f'<div class="group-sessions" data-group="{e(str(group_id))}"><h3>Work group {e(str(group_id))} '
            f"<small>led by {e(str(first['lead_name']))}</small></h3>{sessions_map_svg(rows)}"
            '<table class="small"><thead><tr><th>session</th><th>date</th><th>afternoon</th>'
            f"<th>twilight</th><th>host</th><th>postcode</th></tr></thead><tbody>{body}</tbody></table></div>"
        )
    notes = "".join(f'<p class="note">{e(w)}</p>' for w in solved.summary_json.get("calendar_warnings", []))
    return (
        '<section id="sessions-section"><h2>Work group sessions</h2>'
        f'{notes}{"".join(blocks)}<p class="hint">Each small map shows where a group meets, session by '
        "session (numbers are the sessions a host holds; hover for all); development pairs' meetings "
        "are in calendar.csv.</p></section>"
    )
