"""Reading tables (SPEC "Files"): CSV with or without BOM, XLSX sheets, forgiving headers.

Row numbers are those a spreadsheet shows (header = 1), blank rows included, so that
a message's `file:row` leads the hub lead to the right line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import pytest

from allocator.inputs.issues import InputError
from allocator.inputs.tables import cell_text, normalise_column, read_table, split_sheet

if TYPE_CHECKING:
    from tests.conftest import ScenarioCopy


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    """A workbook whose sheets, in order, hold the given rows (None = empty cell)."""
    book = openpyxl.Workbook()
    first = True
    for title, rows in sheets.items():
        sheet = book.active if first else book.create_sheet()
        sheet.title = title
        first = False
        for row in rows:
            sheet.append(row)
    book.save(path)


def workbook_rows(copy: ScenarioCopy, key: str) -> list[list[object]]:
    """A table of the copy as XLSX rows: the URN/id column stored as numbers where it can be."""
    rows: list[list[object]] = [list(row) for row in copy.rows(key)]
    for row in rows[1:]:
        if row[0].isdigit():
            row[0] = float(row[0])  # as Excel stores 100001: the number 100001.0
    return rows


# ------------------------------------------------------------------ cells and names


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (100001.0, "100001"),
        (100001, "100001"),
        (0.5, "0.5"),
        (None, ""),
        (float("nan"), ""),
        ("  MS01 ", "MS01"),
        (True, "yes"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize("name", [" URN ", "Urn", "URN", "\turn\t"])
def test_column_names_ignore_case_and_surrounding_spaces(name: str) -> None:
    assert normalise_column(name) == "urn"


@pytest.mark.parametrize(
    ("spec", "parts"),
    [
        ("book.xlsx#Applications", ("book.xlsx", "Applications")),
        ("book.XLSX#Sheet 2", ("book.XLSX", "Sheet 2")),
        ("book.xlsx", ("book.xlsx", None)),
        ("data#1.csv", ("data#1.csv", None)),  # '#' belongs to a CSV's name
    ],
)
def test_split_sheet(spec: str, parts: tuple[str, str | None]) -> None:
    assert split_sheet(spec) == parts


# ------------------------------------------------------------------ CSV


def test_csv_headers_are_case_and_space_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(" URN ,Name, Hub\n100001,Alder,North\n", encoding="utf-8")
    table = read_table(path, "t.csv")
    assert table.columns == ("urn", "name", "hub")
    assert table.rows == ((2, {"urn": "100001", "name": "Alder", "hub": "North"}),)


def test_csv_with_a_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbfurn,name\n100001,Caf\xc3\xa9 School\n")
    table = read_table(path, "t.csv")
    assert table.columns == ("urn", "name")  # not '\ufeffurn'
    assert table.rows[0][1]["name"] == "Café School"


def test_blank_rows_are_skipped_but_rows_keep_spreadsheet_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("urn,name\n100001,A\n,\n\n100002,B\n  ,  \n100003,C\n", encoding="utf-8")
    table = read_table(path, "t.csv")
    assert [(row, record["urn"]) for row, record in table.rows] == [
        (2, "100001"),
        (5, "100002"),
        (7, "100003"),
    ]


def test_csv_cells_are_text_and_trimmed(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('urn,id,note\n 012345 ,NA,"a, b"\n', encoding="utf-8")
    ((_, record),) = read_table(path, "t.csv").rows
    # Leading zeros kept, 'NA' is not a missing value, quoted commas stay in the cell.
    assert record == {"urn": "012345", "id": "NA", "note": "a, b"}


def test_a_column_named_twice_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("urn,URN \n1,2\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_table(path, "t.csv")
    (issue,) = info.value.issues
    assert (issue.file, issue.row, issue.column) == ("t.csv", 1, "urn")


def test_a_csv_that_fits_no_encoding_names_its_row_and_column(tmp_path: Path) -> None:
    # 0x81 is undefined in Windows-1252 and cannot start a UTF-8 character.
    path = tmp_path / "t.csv"
    path.write_bytes(b"urn,name\n100001,Alder\n100002,Caf\x81\n")
    with pytest.raises(InputError) as info:
        read_table(path, "t.csv")
    (issue,) = info.value.issues
    assert (issue.file, issue.row, issue.column) == ("t.csv", 3, "name")
    assert "byte 33 is not Windows-1252 text" in issue.message


def test_an_empty_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_table(path, "t.csv")
    assert info.value.issues[0].file == "t.csv"


# ------------------------------------------------------------------ XLSX


def test_xlsx_first_sheet_and_numbers_as_text(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_xlsx(
        path,
        {
            "Applications": [
                [" URN ", "Name", "Priority"],
                [100001.0, "Alder", 2],
                [None, None, None],
                [100002, "Birch", 0.5],
            ],
            "Other": [["urn"], [999999]],
        },
    )
    table = read_table(path, "t.xlsx")
    assert table.columns == ("urn", "name", "priority")
    assert table.rows == (
        (2, {"urn": "100001", "name": "Alder", "priority": "2"}),
        (4, {"urn": "100002", "name": "Birch", "priority": "0.5"}),
    )


def test_xlsx_named_sheet(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_xlsx(path, {"Notes": [["read me"]], "Schools": [["urn"], [100001.0]]})
    table = read_table(path, "t.xlsx#Schools", sheet="Schools")
    assert table.rows == ((2, {"urn": "100001"}),)


def test_xlsx_missing_sheet_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_xlsx(path, {"Schools": [["urn"], [100001]]})
    with pytest.raises(InputError) as info:
        read_table(path, "t.xlsx", sheet="Nope")
    assert "Nope" in info.value.issues[0].message


def test_a_file_that_is_not_a_workbook_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_text("urn\n100001\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_table(path, "t.xlsx")
    assert info.value.issues[0].file == "t.xlsx"


# ------------------------------------------------------------------ through a scenario


def load_with_csv(copy: ScenarioCopy):
    """Load the copy as it was before its YAML was pointed at a workbook."""
    text = copy.yaml_text()
    copy.write_yaml(
        text.replace("schools: eoi.xlsx\n", "schools: schools.csv\n").replace(
            "specialists: eoi.xlsx#Specialists", "specialists: specialists.csv"
        )
    )
    try:
        return copy.load()
    finally:
        copy.write_yaml(text)


def test_scenario_with_messy_headers_loads(demo: ScenarioCopy) -> None:
    rows = demo.rows("schools")
    rows[0][0], rows[0][1], rows[0][3] = " URN ", "Name", "PHASE  "
    demo.write_rows("schools", rows)
    urns = [s.urn for s in demo.load().problem.schools]
    assert urns == [row[0] for row in rows[1:]]


def test_scenario_with_bom_csv_names_spreadsheet_rows(demo: ScenarioCopy) -> None:
    demo.set_cell("schools", 3, "phase", "sideways")
    path = demo.table("schools")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    with pytest.raises(InputError) as info:
        demo.load()
    (issue,) = info.value.issues
    assert (issue.file, issue.row, issue.column) == (demo.display("schools"), 3, "phase")


def test_scenario_with_blank_rows_names_spreadsheet_rows(demo: ScenarioCopy) -> None:
    rows = demo.rows("schools")
    width = len(rows[0])
    rows[2:2] = [[""] * width, []]  # spreadsheet rows 3 and 4 are blank
    demo.write_rows("schools", rows)
    demo.set_cell("schools", 6, "priority", "7")
    with pytest.raises(InputError) as info:
        demo.load()
    (issue,) = info.value.issues
    assert (issue.file, issue.row, issue.column) == (demo.display("schools"), 6, "priority")
    # Rows still map to schools: the blank rows made nothing up.
    demo.set_cell("schools", 6, "priority", "")
    loaded = demo.load()
    assert len(loaded.problem.schools) == demo.num_rows("schools") - 3
    assert {s.row for s in loaded.problem.schools}.isdisjoint({3, 4})


def test_scenario_with_xlsx_tables(demo: ScenarioCopy) -> None:
    """Schools on the first sheet, specialists on a named sheet of the same workbook."""
    book = demo.folder / "eoi.xlsx"
    write_xlsx(
        book,
        {
            "Schools": workbook_rows(demo, "schools"),
            "Specialists": workbook_rows(demo, "specialists"),
        },
    )
    demo.replace_yaml("schools: schools.csv", "schools: eoi.xlsx")
    demo.replace_yaml("specialists: specialists.csv", "specialists: eoi.xlsx#Specialists")
    from_csv = load_with_csv(demo)
    demo.table("schools").unlink()
    demo.table("specialists").unlink()
    loaded = demo.load()
    assert loaded.problem.schools[0].urn == "917030"  # stored as the number 917030.0
    # The same schools and specialists, at the same spreadsheet rows, as from the CSVs.
    assert loaded.problem.schools == from_csv.problem.schools
    assert loaded.problem.specialists == from_csv.problem.specialists
    # A named sheet is part of the name messages use: two tables share the workbook.
    assert loaded.tables["schools"].file.endswith("eoi.xlsx")
    assert loaded.tables["specialists"].file.endswith("eoi.xlsx#Specialists")


def test_xlsx_errors_name_the_workbook_and_row(demo: ScenarioCopy) -> None:
    rows = workbook_rows(demo, "schools")
    rows[4][rows[0].index("priority")] = 7  # spreadsheet row 5
    write_xlsx(demo.folder / "eoi.xlsx", {"Cover": [["see next sheet"]], "Apps": rows})
    demo.replace_yaml("schools: schools.csv", "schools: eoi.xlsx#Apps")
    with pytest.raises(InputError) as info:
        demo.load()
    (issue,) = info.value.issues
    assert issue.file.endswith("eoi.xlsx#Apps")
    assert (issue.row, issue.column) == (5, "priority")
    assert "0 to 3" in issue.message


def test_xlsx_urn_stored_as_a_float_matches_a_pin(demo_pins: ScenarioCopy) -> None:
    write_xlsx(demo_pins.folder / "eoi.xlsx", {"Schools": workbook_rows(demo_pins, "schools")})
    demo_pins.replace_yaml("schools: schools.csv", "schools: eoi.xlsx")
    problem = demo_pins.load().problem
    pinned = {problem.schools[p.school_idx].urn for p in problem.pins}
    assert pinned == {"970374", "904445"}
