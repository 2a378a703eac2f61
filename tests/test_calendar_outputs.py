"""Issue 16: calendar.csv, the .ics files, letters.csv, rosters and the report's sessions,
written by `allocate` for the demo (which has a calendar for 2025/26)."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import icalendar
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from allocator.cli.main import main
from tests.conftest import copy_demo


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def all_text(folder: Path) -> str:
    parts = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".xlsx":
            for ws in openpyxl.load_workbook(path).worksheets:
                for row in ws.iter_rows(values_only=True):
                    parts.append("\t".join("" if v is None else str(v) for v in row))
        else:
            parts.append(path.read_text(encoding="utf-8"))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    scenario = copy_demo(tmp_path_factory.mktemp("cal") / "demo")
    out = scenario.folder / "out"
    result = run(str(scenario.yml), "--out", str(out), "--format", "csv,xlsx,html", "--no-recommendations")
    assert result.exit_code == 0, result.output
    return scenario, out, result.output


def test_calendar_csv_has_every_meeting_dated_in_term(demo_run):
    scenario, out, _ = demo_run
    rows = read_csv(out / "calendar.csv")
    assert list(rows[0])[:4] == ["kind", "group", "session", "sessions"]
    groups = {r["id"]: r for r in read_csv(out / "work_groups.csv") if r["runs"] == "yes"}
    # Every running group has its sessions: 6 for a primary group, 4 otherwise.
    for gid, g in groups.items():
        sessions = [r for r in rows if r["kind"] == "group" and r["group"] == gid]
        assert [int(r["session"]) for r in sessions] == list(range(1, (6 if g["phase"] == "primary" else 4) + 1))
        assert {r["lead"] for r in sessions} == {g["lead"]}
    holidays = [(date(2025, 10, 27), date(2025, 10, 31)), (date(2026, 2, 16), date(2026, 2, 20))]
    holidays += [(date(2026, 5, 25), date(2026, 5, 29)), (date(2026, 5, 4), date(2026, 5, 4))]
    booked: dict[tuple[str, str], int] = {}
    for r in rows:
        day = date.fromisoformat(r["date"])
        assert day.weekday() in (1, 2, 3) and not any(a <= day <= b for a, b in holidays), r
        assert (r["start"], r["end"]) == ("13:30", "15:30")
        booked[(r["lead"], r["date"])] = booked.get((r["lead"], r["date"]), 0) + 1
        if r["session"] == "1":
            assert day <= date(2025, 10, 24), r  # within the first half term
    assert max(booked.values()) == 1, "a specialist is booked twice on one day"


def test_rotating_group_starts_at_its_lead_school(demo_run):
    _, out, _ = demo_run
    rows = [r for r in read_csv(out / "calendar.csv") if r["group"] == "WD-P-1"]
    members = next(r for r in read_csv(out / "work_groups.csv") if r["id"] == "WD-P-1")["schools"].split(";")
    assert rows[0]["host_name"].startswith("Ivy Oakes")  # MS13, its fixed lead, has no school URN
    hosts = [r["host_urn"] for r in rows[1:]]
    assert set(hosts) <= set(members) and all(a != b for a, b in zip(hosts, hosts[1:], strict=False))
    assert max(hosts.count(h) for h in hosts) <= -(-5 // len(members))


def test_ics_files_parse_and_hold_the_right_events(demo_run):
    _, out, _ = demo_run
    rows = read_csv(out / "calendar.csv")
    folder = out / "calendars"
    for gid in {r["group"] for r in rows if r["kind"] == "group"}:
        cal = icalendar.Calendar.from_ical((folder / f"group-{gid}.ics").read_bytes())
        events = list(cal.walk("VEVENT"))
        mine = [r for r in rows if r["kind"] == "group" and r["group"] == gid]
        assert len(events) == 2 * len(mine)  # each session's afternoon and its twilight
        assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/London"
        for event in events:
            for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "LOCATION"):
                assert prop in event, prop
            assert str(event["DTSTART"].dt.tzinfo) == "Europe/London"
        afternoons = sorted(e["DTSTART"].dt for e in events if "twilight" not in str(e["SUMMARY"]))
        assert [d.date().isoformat() for d in afternoons] == [r["date"] for r in mine]
        assert afternoons[0].hour == 13 and afternoons[0].minute == 30
        assert mine[0]["postcode"] in str(events[0]["LOCATION"]) or mine[0]["postcode"] == ""
    # A specialist's file holds the groups they lead and their pair's meetings.
    lead = next(r["lead"] for r in rows if r["kind"] == "group")
    cal = icalendar.Calendar.from_ical((folder / f"specialist-{lead}.ics").read_bytes())
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    mine = [r for r in rows if r["lead"] == lead]
    twilights = sum(1 for r in mine if r["twilight_start"])
    assert len(uids) == len(mine) + twilights == len(set(uids))


def test_letters_have_one_row_per_school_and_no_trn(demo_run):
    scenario, out, _ = demo_run
    letters = read_csv(out / "letters.csv")
    schools = scenario.rows("schools")
    assert [r["urn"] for r in letters] == [row[0] for row in schools[1:]]
    assert not any("trn" in column for column in letters[0])
    header = schools[0]
    trns = {row[header.index(c)] for row in schools[1:] for c in ("advocate_1_trn", "advocate_2_trn")} - {""}
    text = (out / "letters.csv").read_text(encoding="utf-8")
    assert trns and not any(trn in text for trn in trns)
    for r in letters:
        if r["status"] == "unplaced":
            assert r["reason"] and "MS" not in r["reason"]  # plain words, no ids of others
        else:
            assert r["outcome"] and not r["reason"] and r["first_meeting_date"]
        if r["stage"] == "development" and r["status"] == "placed" and r["work_group"]:
            assert "Development Work Group " + r["work_group"] in r["outcome"]  # a development group (issue 11)
        elif r["stage"] == "development" and r["status"] == "placed":
            assert r["specialist_name"] in r["outcome"] and r["specialist_email"].endswith("@example.org")
    assert any(r["advocate_1_email"] for r in letters)


def test_workbook_has_rosters_and_the_report_lists_sessions(demo_run):
    _, out, _ = demo_run
    wb = openpyxl.load_workbook(out / "allocation.xlsx")
    assert "Calendar" in wb.sheetnames and "Letters" in wb.sheetnames
    roster = wb["Group WD-P-1"]
    rows = list(roster.iter_rows(values_only=True))
    assert rows[0][:3] == ("role", "urn", "name") and rows[1][0] == "lead"
    assert rows[1][rows[0].index("specialist_email")].endswith("@example.org")
    assert any(name.startswith("Specialist MS") for name in wb.sheetnames)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="sessions-section"' in page and 'data-group="WD-P-1"' in page
    assert "@example.org" not in page and "01632" not in page  # no contact details in the shared page


def test_specialist_contacts_never_on_the_console(demo_run):
    scenario, _, output = demo_run
    rows = scenario.rows("specialists")
    emails = {row[rows[0].index("email")] for row in rows[1:]}
    phones = {row[rows[0].index("phone")] for row in rows[1:]}
    assert not any(v in output for v in emails | phones)


def test_redact_removes_emails_and_phones_everywhere(tmp_path):
    scenario = copy_demo(tmp_path / "demo")
    out = tmp_path / "out"
    result = run(str(scenario.yml), "--out", str(out), "--format", "csv,xlsx,html", "--redact", "-q")
    assert result.exit_code == 0, result.output
    everything = all_text(out)
    assert "@example.org" not in everything and "01632" not in everything
    assert "specialist_email" not in everything and "advocate_" not in everything
    assert (out / "calendars").is_dir() and read_csv(out / "letters.csv")


def test_without_a_calendar_meetings_have_no_dates_and_a_warning(tmp_path):
    scenario = copy_demo(tmp_path / "demo")
    text = scenario.yaml_text()
    scenario.write_yaml(text[: text.index("calendar:")])
    out = tmp_path / "out"
    result = run(str(scenario.yml), "--out", str(out), "--no-recommendations")
    assert result.exit_code == 0, result.output
    assert "warning: the scenario has no calendar" in result.output
    rows = read_csv(out / "calendar.csv")
    assert rows and all(r["date"] == "" and r["host_name"] and r["session"] for r in rows)
    assert not (out / "calendars").exists()


@pytest.mark.parametrize(
    ("old", "new", "column", "message"),
    [
        ("{start: 2026-01-05, end: 2026-03-27}", "{start: 2026-01-05, end: 2026-01-01}", "calendar.terms[2]", "before"),
        ("weekdays: [tuesday, wednesday, thursday]", "weekdays: [tuesday, funday]", "calendar.weekdays[2]", "weekday"),
        ('end: "15:30"', 'end: "25:00"', "calendar.afternoon.end", "not a time"),
        ("- 2026-05-04", "- 2026-02-30", "calendar.holidays[4]", "not a date"),
        ("twilight:", "twilite:", "calendar.twilite", "not a known key"),
        ('twilight: {start: "15:45"', 'twilight: {start: "15:00"', "calendar.twilight", "before the afternoon"),
    ],
)
def test_bad_calendar_values_are_exit_2_at_their_line(demo, old, new, column, message):
    demo.replace_yaml(old, new)
    line = demo.line_of(new)
    result = demo.check()
    assert result.exit_code == 2, result.output
    assert f"{demo.yml_display}:{line}: {column}: " in result.output
    assert message in result.output


def test_rerun_replaces_the_calendars_folder(demo_run, tmp_path):
    scenario, _, _ = demo_run
    out = tmp_path / "again"
    for _ in range(2):
        result = run(str(scenario.yml), "--out", str(out), "--no-recommendations", "-q")
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "calendars").iterdir())[0] == "group-WD-P-1.ics"


def test_check_describes_the_calendar(demo):
    result = demo.check()
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("Calendar:"))
    assert line.startswith("Calendar: 3 terms from 2025-09-03 to 2026-07-21, ")
    assert "(Tuesday, Wednesday, Thursday), first half term to 2025-10-26" in line


def test_many_rosters_go_into_two_combined_sheets(demo, monkeypatch):
    from allocator.pipeline import run as allocate
    from allocator.report import rosters
    from allocator.report.workbook import build_workbook

    solved = allocate(demo.load().problem, recommendations=False)
    monkeypatch.setattr(rosters, "SHEET_LIMIT", 2)
    wb = build_workbook(solved)
    assert not any(n.startswith(("Specialist MS", "Group WD")) for n in wb.sheetnames)
    rows = list(wb["Group rosters"].iter_rows(values_only=True))
    assert rows[0][:2] == ("group", "role")
    running = {r for r in solved.tables["work_groups"].query("runs == 'yes'")["id"]}
    assert {r[0] for r in rows[1:]} == running
    specialist_rows = list(wb["Specialist rosters"].iter_rows(values_only=True))
    assert specialist_rows[0][0] == "specialist" and "specialist_email" not in specialist_rows[0]


def test_each_group_section_maps_its_hosts_in_session_order(demo_run):
    # Every running group's section carries a small map: one numbered point per distinct
    # host (the calendar's host_latitude/host_longitude) and a route through the sessions.
    _, out, _ = demo_run
    page = (out / "report.html").read_text(encoding="utf-8")
    calendar = pd.read_csv(out / "calendar.csv", dtype=str, keep_default_na=False)
    groups = calendar[calendar["kind"] == "group"]
    rotating = []
    for group_id, rows in groups.groupby("group"):
        start = page.index(f'class="group-sessions" data-group="{group_id}"')
        section = page[start : page.index("</div>", start)]
        hosts = {(r.host_latitude, r.host_longitude) for r in rows.itertuples()}
        if len(hosts) == 1:  # a group meeting at its venue all year: no map, the table says where
            assert "sessions-map" not in section
            continue
        rotating.append(group_id)
        svg = section[section.index('<svg class="sessions-map"') : section.index("</svg>")]
        assert svg.count("<circle") == len(hosts)
        points = re.search(r'<polyline points="([^"]*)"', svg)
        assert points is not None and len(points.group(1).split()) == len(rows)  # one vertex per session
    assert rotating  # the demo's primary groups rotate between member schools
