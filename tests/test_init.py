"""`allocate init`: a commented scenario and empty tables that check clean once filled."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from allocator.cli.main import main
from allocator.inputs.scenario import RulesSpec, WeightsSpec
from allocator.intake.templates import TABLES, default_year
from tests.conftest import run_check

HUB = "Example Maths Hub"


def init(folder: Path, *args: str):
    return CliRunner().invoke(main, ["init", str(folder), *args])


def fill_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([[row.get(c, "") for c in header] for row in rows])


SCHOOLS = [
    {"urn": "140001", "name": "Élan Academy", "phase": "secondary", "stage": "development", "postcode": "TN13 3LE"},
    {"urn": "140002", "name": "Brookside School", "phase": "special", "stage": "embedding", "postcode": "DA3 7PH",
     "previous_specialist": "MS01"},
    {"urn": "140003", "name": "Old Mill School", "phase": "secondary", "stage": "sustaining", "postcode": "ME5 0LP",
     "focus_choices": "B;A"},
]  # fmt: skip
SPECIALISTS = [
    {"id": "MS01", "name": "Ada Example", "phase": "secondary", "cohort": "1", "postcode": "ME16 8AH"},
    {"id": "MS02", "name": "Ben Example", "phase": "secondary", "cohort": "1", "postcode": "ME5 0LP"},
]
GROUPS = [{"id": "WG-S-B", "phase": "secondary", "focus": "B", "venue_postcode": "TN13 3SL", "min_schools": "1"}]


def test_init_writes_a_commented_scenario_and_empty_tables(tmp_path: Path) -> None:
    folder = tmp_path / "hub"
    result = init(folder, "--hub", HUB, "--year", "2026/27")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == [
        "scenario.yml",
        "schools.csv",
        "specialists.csv",
        "tables.xlsx",
        "work_groups.csv",
    ]
    text = (folder / "scenario.yml").read_text(encoding="utf-8")
    assert f'hub: "{HUB}"' in text and 'year: "2026/27"' in text
    lines = text.splitlines()
    for key in [*RulesSpec.model_fields, *WeightsSpec.model_fields]:  # every rule and weight, commented
        line = next(line for line in lines if line.lstrip("# ").startswith(f"{key}:"))
        assert "#" in line.split(":", 1)[1], line
    assert (folder / "schools.csv").read_text(encoding="utf-8").startswith("urn,name,hub,phase,stage,postcode")


def test_filled_csv_tables_check_clean(tmp_path: Path) -> None:
    folder = tmp_path / "hub"
    assert init(folder, "--hub", HUB, "--year", "2026/27").exit_code == 0
    fill_csv(folder / "schools.csv", SCHOOLS)  # hub cells blank: the scenario's hub
    fill_csv(folder / "specialists.csv", SPECIALISTS)
    fill_csv(folder / "work_groups.csv", GROUPS)
    result = run_check(folder / "scenario.yml")
    assert result.exit_code == 0, result.output
    assert "Schools: 3" in result.output


def test_workbook_sheets_notes_and_drop_down_lists(tmp_path: Path) -> None:
    folder = tmp_path / "hub"
    assert init(folder, "--year", "2026/27").exit_code == 0
    book = load_workbook(folder / "tables.xlsx")
    assert book.sheetnames == ["Schools", "Specialists", "Work groups", "Notes"]
    lists = {
        sheet: {str(v.sqref).split(":")[0]: v.formula1 for v in book[sheet].data_validations.dataValidation}
        for sheet in TABLES
    }
    assert lists["Schools"] == {
        "D2": '"primary,secondary,all-through,special"',
        "E2": '"development,embedding,sustaining"',
        "R2": '"yes,no"',  # allow_cross_hub (issue 11)
    }
    assert lists["Specialists"] == {"D2": '"primary,secondary"'}
    assert lists["Work groups"] == {
        "C2": '"primary,secondary,special"',
        "D2": '"A,B,C,D"',
        "I2": '"sustaining,development"',  # stage and cross_hub (issue 11)
        "J2": '"yes,no"',
    }
    notes = [[c.value for c in row] for row in book["Notes"].iter_rows()]
    explained = {(row[0], row[1]) for row in notes if len(row) > 3 and row[3]}
    for sheet, columns in TABLES.items():
        assert {(sheet, c.name) for c in columns} <= explained
        assert [c.value for c in book[sheet][1]] == [c.name for c in columns]
        assert all(c.value is None for row in book[sheet].iter_rows(min_row=2) for c in row)  # no example data here
    assert "Schools: one example row (the layout, not data to keep)" in [row[0] for row in notes]


def test_filled_workbook_checks_clean(tmp_path: Path) -> None:
    folder = tmp_path / "hub"
    assert init(folder, "--hub", HUB, "--year", "2026/27").exit_code == 0
    book = load_workbook(folder / "tables.xlsx")
    for sheet, rows in (("Schools", SCHOOLS), ("Specialists", SPECIALISTS), ("Work groups", GROUPS)):
        header = [c.value for c in book[sheet][1]]
        for row in rows:
            book[sheet].append([row.get(c, "") or None for c in header])
    book.save(folder / "tables.xlsx")
    yml = folder / "scenario.yml"
    text = yml.read_text(encoding="utf-8")
    text = text.replace("schools: schools.csv", "schools: tables.xlsx#Schools")
    text = text.replace("specialists: specialists.csv", "specialists: tables.xlsx#Specialists")
    text = text.replace("work_groups: work_groups.csv", 'work_groups: "tables.xlsx#Work groups"')
    yml.write_text(text, encoding="utf-8")
    result = run_check(yml)
    assert result.exit_code == 0, result.output


def test_init_never_overwrites(tmp_path: Path) -> None:
    folder = tmp_path / "hub"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    result = init(folder)
    assert result.exit_code == 2 and "init never overwrites" in result.output
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert init(tmp_path / "empty", "--year", "2026/2027").exit_code == 2
    (tmp_path / "empty").mkdir()
    assert init(tmp_path / "empty").exit_code == 0  # an empty folder is fine


def test_default_year() -> None:
    from datetime import date

    assert default_year(date(2026, 11, 27)) == "2027/28"  # allocating next September's programme
    assert default_year(date(2027, 3, 1)) == "2027/28"
    assert default_year(date(2099, 9, 1)) == "2100/01"
