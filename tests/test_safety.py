"""Spreadsheet safety (no formulas from text) and personal data (advocates) in the outputs.

Issue 5: CSV text cells that a spreadsheet would run as formulas are prefixed with `'`
unless `--raw-csv`; XLSX text is always a string cell; advocates' names, emails and roles
reach allocations.csv and the workbook (never the console, never their TRNs), and
`--redact` leaves them out of every output.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from allocator import pipeline
from allocator.cli.main import main
from allocator.report.tables import neutralise, neutralise_cell, write_outputs

from .conftest import ScenarioCopy, copy_demo

DANGEROUS = '=HYPERLINK("http://x","y")'
# The demo's unplaced schools: left out so that runs need no what-if re-solves (fast).
UNPLACED = {"916003", "965110", "955058", "924302"}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> ScenarioCopy:
    demo = copy_demo(tmp_path_factory.mktemp("safety") / "demo")
    rows = demo.rows("schools")
    demo.write_rows("schools", [rows[0]] + [r for r in rows[1:] if r[0] not in UNPLACED])
    demo.set_cell("schools", 2, "name", DANGEROUS)
    demo.set_cell("schools", 3, "name", "@SUM(A1:A9)")
    demo.set_cell("schools", 4, "name", "-2+3 Academy")
    demo.set_cell("schools", 5, "advocate_1_role", "+Head of Maths")
    return demo


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def school_rows(demo: ScenarioCopy) -> list[dict[str, str]]:
    rows = demo.rows("schools")
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def personal(demo: ScenarioCopy) -> dict[str, set[str]]:
    """Every advocate name, email, role and TRN of the input."""
    out: dict[str, set[str]] = {"name": set(), "email": set(), "role": set(), "trn": set()}
    for row in school_rows(demo):
        for n in (1, 2):
            for part in out:
                if row.get(f"advocate_{n}_{part}"):
                    out[part].add(row[f"advocate_{n}_{part}"])
    return out


def all_text(folder: Path) -> str:
    """Every output file as text, the workbook's cells included."""
    parts = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):  # calendars/*.ics too
        if path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path)
            for ws in wb.worksheets:
                for row in ws.iter_rows(values_only=True):
                    parts.append("\t".join("" if v is None else str(v) for v in row))
        else:
            parts.append(path.read_text(encoding="utf-8"))
    return "\n".join(parts)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def default_run(scenario: ScenarioCopy, tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("default") / "out"
    result = run(str(scenario.yml), "--out", str(out), "--format", "csv,xlsx,html")
    assert result.exit_code == 0, result.output
    return out, result.output


# ------------------------------------------------------------------ spreadsheet safety


def test_csv_text_that_looks_like_a_formula_is_neutralised(default_run, scenario):
    out, _ = default_run
    by_urn = {r["urn"]: r for r in read_csv(out / "allocations.csv")}
    rows = school_rows(scenario)
    assert by_urn[rows[0]["urn"]]["name"] == "'" + DANGEROUS
    assert by_urn[rows[1]["urn"]]["name"] == "'@SUM(A1:A9)"
    assert by_urn[rows[2]["urn"]]["name"] == "'-2+3 Academy"
    assert by_urn[rows[3]["urn"]]["advocate_1_role"] == "'+Head of Maths"
    # No cell of any CSV starts like a formula any more.
    for name in ("allocations.csv", "specialists.csv", "work_groups.csv", "calendar.csv", "letters.csv"):
        for row in read_csv(out / name):
            for value in row.values():
                assert not value.startswith(("=", "+", "@", "\t", "\r")), (name, value)
                assert not value.startswith("-") or value[1:].replace(".", "", 1).isdigit()


def test_raw_csv_writes_the_exact_text(scenario, tmp_path):
    out = tmp_path / "out"
    result = run(str(scenario.yml), "--out", str(out), "--raw-csv", "-q")
    assert result.exit_code == 0, result.output
    names = {r["name"] for r in read_csv(out / "allocations.csv")}
    assert {DANGEROUS, "@SUM(A1:A9)", "-2+3 Academy"} <= names


def test_neutralising_changes_text_cells_only(scenario, tmp_path):
    """One allocation written both ways: cells differ only by a leading ' on formula-like text."""
    solved = pipeline.run(scenario.load().problem, recommendations=False)
    # A negative number in a text column and in numeric columns must survive untouched.
    tables = dict(solved.tables)
    tables["allocations"] = tables["allocations"].assign(
        delta_text=["-1.5"] * len(tables["allocations"]),
        delta_int=[-3] * len(tables["allocations"]),
        delta_float=[-0.25] * len(tables["allocations"]),
    )
    safe = write_outputs(tmp_path / "safe", tables, solved.summary_json)
    raw = write_outputs(tmp_path / "raw", tables, solved.summary_json, raw_csv=True)
    changed = 0
    for safe_path, raw_path in zip(safe, raw, strict=True):
        if safe_path.suffix != ".csv":
            continue
        safe_rows = list(csv.reader(safe_path.open(encoding="utf-8")))
        raw_rows = list(csv.reader(raw_path.open(encoding="utf-8")))
        assert safe_rows[0] == raw_rows[0]
        for safe_row, raw_row in zip(safe_rows, raw_rows, strict=True):
            for a, b in zip(safe_row, raw_row, strict=True):
                if a != b:
                    changed += safe_path.name == "allocations.csv"  # names recur in calendar and letters
                    assert a == "'" + b and b[0] in "=+-@\t\r", (a, b)
    assert changed == 4
    allocations = read_csv(tmp_path / "safe" / "allocations.csv")
    assert {r["delta_text"] for r in allocations} == {"-1.5"}
    assert {r["delta_int"] for r in allocations} == {"-3"}
    assert {r["delta_float"] for r in allocations} == {"-0.25"}


def test_neutralise_cell():
    assert neutralise_cell("=1+1") == "'=1+1"
    assert neutralise_cell("\tcmd") == "'\tcmd"
    assert neutralise_cell("\rcmd") == "'\rcmd"
    assert neutralise_cell("-12.5") == "-12.5"
    assert neutralise_cell("+3") == "+3"
    assert neutralise_cell(-4) == -4
    assert neutralise_cell("Ada's school") == "Ada's school"
    frame = pd.DataFrame({"n": [-1, 2], "x": [-0.5, 1.0], "t": ["-a", "b"]})
    assert neutralise(frame).to_dict("list") == {"n": [-1, 2], "x": [-0.5, 1.0], "t": ["'-a", "b"]}


def test_workbook_stores_text_as_strings_never_formulas(default_run):
    out, _ = default_run
    path = out / "allocation.xlsx"
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml, name
    wb = openpyxl.load_workbook(path)
    cells = [c for row in wb["Allocations"].iter_rows() for c in row if c.value == DANGEROUS]
    assert len(cells) == 1 and cells[0].data_type == "s"
    assert cells[0].quotePrefix  # Excel keeps it text even when the cell is edited


# ------------------------------------------------------------------ personal data


def test_advocates_are_in_allocations_and_workbook_but_never_trns(default_run, scenario):
    out, _ = default_run
    data = personal(scenario)
    rows = read_csv(out / "allocations.csv")
    header = list(rows[0])
    for n in (1, 2):
        for part in ("name", "email", "role"):
            assert f"advocate_{n}_{part}" in header
    assert not any("trn" in column for column in header)
    by_urn = {r["urn"]: r for r in rows}
    for school in school_rows(scenario):
        row = by_urn[school["urn"]]
        assert row["advocate_1_email"] == school["advocate_1_email"]
        assert row["advocate_2_name"] == school["advocate_2_name"]
    everything = all_text(out)
    assert all(email in everything for email in data["email"])
    for trn in data["trn"]:
        assert trn not in everything, "a TRN was exported"
    # The HTML report carries no advocate data at all (it is for sharing).
    html = (out / "report.html").read_text(encoding="utf-8")
    assert not any(v in html for v in data["email"] | data["name"])


def test_console_never_shows_advocate_data(default_run, scenario):
    _, output = default_run
    check = run("check", str(scenario.yml))
    assert check.exit_code == 0, check.output
    data = personal(scenario)
    for text in (output, check.output):
        for value in data["name"] | data["email"] | data["trn"]:
            assert value not in text


def test_redact_leaves_advocates_out_of_every_output(scenario, tmp_path):
    out = tmp_path / "out"
    result = run(str(scenario.yml), "--out", str(out), "--format", "csv,xlsx,html", "--redact", "-q")
    assert result.exit_code == 0, result.output
    assert result.output == ""
    everything = all_text(out)
    data = personal(scenario)
    for value in data["name"] | data["email"] | data["trn"]:
        assert value not in everything
    assert "advocate_" not in everything
    header = next(csv.reader(io.StringIO((out / "allocations.csv").read_text(encoding="utf-8"))))
    assert "reason" in header and not any(c.startswith("advocate") for c in header)
