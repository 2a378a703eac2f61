"""allocation.xlsx: the sheets, headers and rows match the CSV tables; numbers are numbers."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from allocator.cli.main import main
from allocator.report.workbook import SHEETS, numeric_columns

from .conftest import copy_demo

TABLE_SHEETS = {"Allocations": "allocations", "By specialist": "specialists", "Work groups": "work_groups"}


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("workbook")
    demo = copy_demo(base / "demo")
    # The scenario asks for the workbook (no --format): output.formats is honoured.
    demo.replace_yaml("  formats: [csv]", "  formats: [csv, xlsx]")
    folder = base / "out"
    result = CliRunner().invoke(
        main, [str(demo.yml), "--out", str(folder), "--time-limit", "20", "-q"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def workbook(out: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(out / "allocation.xlsx")


def values(ws) -> list[list]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_sheets_in_order(workbook):
    names = workbook.sheetnames
    assert names[: len(SHEETS)] == list(SHEETS)
    # Then the meetings (issue 16): the calendar, the letters and one roster per specialist and group.
    assert names[len(SHEETS) : len(SHEETS) + 2] == ["Calendar", "Letters"]
    rosters = names[len(SHEETS) + 2 :]
    assert rosters and all(n.startswith(("Specialist ", "Group ")) for n in rosters)


@pytest.mark.parametrize("sheet", list(TABLE_SHEETS))
def test_table_sheets_match_the_csv_tables(out, workbook, sheet):
    rows = read_csv(out / f"{TABLE_SHEETS[sheet]}.csv")
    cells = values(workbook[sheet])
    assert cells[0] == rows[0]
    assert len(cells) == len(rows)
    numeric = set()
    for csv_row, xlsx_row in zip(rows[1:], cells[1:], strict=True):
        for column, text, cell in zip(rows[0], csv_row, xlsx_row, strict=True):
            if cell is None:
                assert text == "", (column, text)
            elif isinstance(cell, int | float):
                numeric.add(column)
                assert float(text) == pytest.approx(cell), (column, text, cell)
            else:
                assert cell == text, (column, text, cell)
    # Distances and counts are numbers; ids (URNs look like numbers) stay text.
    if sheet == "Allocations":
        assert {"km_to_specialist", "km_to_venue", "priority"} <= numeric
        assert "urn" not in numeric
        assert all(isinstance(r[0], str) for r in cells[1:])
    if sheet == "By specialist":
        assert {"cohort", "load", "total_km"} <= numeric
    if sheet == "Work groups":
        assert {"size", "min_schools"} <= numeric and "schools" not in numeric


def test_every_sheet_has_a_frozen_styled_filtered_header(workbook):
    for ws in workbook.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        header = ws[1]
        assert all(c.font.bold for c in header if c.value is not None), ws.title
        assert header[0].fill.fgColor.rgb.endswith("1F4E79"), ws.title
        for col in range(1, ws.max_column + 1):
            width = ws.column_dimensions[openpyxl.utils.get_column_letter(col)].width
            assert 8 <= width <= 72, (ws.title, col, width)


def test_unplaced_sheet_lists_unplaced_schools_with_reasons(out, workbook):
    allocations = pd.read_csv(out / "allocations.csv", dtype=str, keep_default_na=False)
    unplaced = allocations[allocations["status"] == "unplaced"]
    cells = values(workbook["Unplaced"])
    header = cells[0]
    assert header[:2] == ["urn", "name"] and "reason" in header
    assert [r[0] for r in cells[1:]] == list(unplaced["urn"])
    assert all(r[header.index("reason")] for r in cells[1:])
    assert len(cells) - 1 == len(unplaced) > 0


def test_summary_and_objective_breakdown_agree_with_summary_json(out, workbook):
    summary = json.loads((out / "summary.json").read_text())
    items = {r[0]: r[1] for r in values(workbook["Summary"]) if r[0] is not None}
    assert items["Status"] == summary["status"]
    assert items["Objective"] == summary["objective"]
    assert items["Schools placed"] == summary["placed"]
    breakdown = values(workbook["Objective breakdown"])
    assert breakdown[0][:3] == ["term", "weight", "value"]
    terms = {r[0]: r[2] for r in breakdown[1:] if r[0] in summary["objective_terms"]}
    assert terms == summary["objective_terms"]
    total = next(r for r in breakdown if r[0] == "total")
    assert total[2] == summary["objective"]
    allocations = pd.read_csv(out / "allocations.csv", dtype=str, keep_default_na=False)
    if "objective_share" in allocations.columns:
        # A per-school block follows: one row per school, largest share first.
        start = next(i for i, r in enumerate(breakdown) if r[0] == "urn")
        shares = breakdown[start + 1 :]
        col = breakdown[start].index("objective_share")
        assert len(shares) == len(allocations)
        assert [r[col] for r in shares] == sorted((r[col] for r in shares), reverse=True)


def test_inputs_sheet_lists_rules_and_weights(workbook):
    rows = {(r[0], r[1]): r[2] for r in values(workbook["Inputs"])[1:]}
    assert rows[("rules", "max_travel_km")] == 60
    assert rows[("rules", "available_cohorts")] == "1;2;3;4"
    assert rows[("weights", "place")] == 1000
    assert rows[("weights", "focus_rank")] == "0;30;60;90"
    assert rows[("scenario", "schools")] == 64


def test_ids_that_look_like_numbers_stay_text():
    frame = pd.DataFrame(
        {
            "urn": ["100001", "100002"],
            "specialist": ["0712", "12"],
            "km_to_venue": ["1.5", ""],
            "load": [1, 2],
            "code": ["0712", "12"],
            "note": ["-3", "x"],
        }
    )
    # A leading zero is text, and so is a column with any text in it.
    assert numeric_columns(frame) == {"km_to_venue", "load"}
