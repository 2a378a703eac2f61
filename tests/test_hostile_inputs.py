"""Issue 13: Excel's own text files, look-alike spellings, and hostile files.

Each test here failed before the issue: Windows-1252, UTF-16 and semicolon tables were
refused or misread, Arabic-Indic digits passed as URNs, an invisible character made a
second school out of one, FIFOs hung the reader and alias bombs or zip bombs ran for
minutes.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import zipfile
from pathlib import Path

import pytest

from allocator.inputs.issues import InputError
from allocator.inputs.limits import LIMITS
from allocator.inputs.load import load
from allocator.inputs.tables import clean_text, read_table

from .conftest import ScenarioCopy

ROWS = [["urn", "name", "hub"], ["100001", "Café Académie", "Nörth Hub"], ["100002", "B;C School", "North"]]


def _text(rows: list[list[str]], separator: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=separator, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


# The four text forms Excel writes: (bytes of ROWS, encoding named, separator named).
EXCEL_FORMS = {
    "CSV (Comma delimited)": (_text(ROWS, ",").encode("cp1252"), "Windows-1252", "comma"),
    "CSV UTF-8": (codecs.BOM_UTF8 + _text(ROWS, ",").encode("utf-8"), "UTF-8 with BOM", "comma"),
    "Unicode Text": (codecs.BOM_UTF16_LE + _text(ROWS, "\t").encode("utf-16-le"), "UTF-16 (Unicode Text)", "tab"),
    "European CSV": (_text(ROWS, ";").encode("cp1252"), "Windows-1252", "semicolon"),
    "plain UTF-8": (_text(ROWS, ",").encode("utf-8"), "UTF-8", "comma"),
}


@pytest.mark.parametrize("form", sorted(EXCEL_FORMS))
def test_excel_text_forms_read_the_same_rows(tmp_path: Path, form: str) -> None:
    data, encoding, separator = EXCEL_FORMS[form]
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    table = read_table(path, "t.csv")
    assert table.columns == ("urn", "name", "hub")
    assert [record for _, record in table.rows] == [dict(zip(ROWS[0], row, strict=True)) for row in ROWS[1:]]
    assert table.read_as == f"{encoding}, {separator} separated"


def test_check_says_how_each_table_was_read(demo: ScenarioCopy) -> None:
    rows = demo.rows("schools")
    demo.table("schools").write_bytes(codecs.BOM_UTF16_LE + _text(rows, "\t").encode("utf-16-le"))
    demo.set_cell("specialists", 2, "name", "Zoë Brontë")  # not ASCII, so the encoding shows
    rows = demo.rows("specialists")
    demo.table("specialists").write_bytes(_text(rows, ";").encode("cp1252"))
    result = demo.check()
    assert result.exit_code == 0, result.output
    assert f"{demo.display('schools')}: UTF-16 (Unicode Text), tab separated" in result.output
    assert f"{demo.display('specialists')}: Windows-1252, semicolon separated" in result.output
    assert f"{demo.display('work_groups')}: UTF-8, comma separated" in result.output


def test_windows_1252_names_are_read_as_written(demo: ScenarioCopy) -> None:
    demo.set_cell("schools", 2, "name", "Ærø Café – “St Mary’s”")
    rows = demo.rows("schools")
    demo.table("schools").write_bytes(_text(rows, ",").encode("cp1252"))
    assert demo.load().problem.schools[0].name == "Ærø Café – “St Mary’s”"


def test_a_file_mixing_utf8_and_windows_1252_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("urn,name\n100001,Café\n100002,".encode() + "Café".encode("cp1252") + b"\n")
    with pytest.raises(InputError) as info:
        read_table(path, "t.csv")
    (issue,) = info.value.issues
    assert (issue.row, issue.column) == (3, "name")
    assert "mixes two encodings" in issue.message


def test_utf16_with_an_unpaired_surrogate_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    body = "urn\tname\r\n100001\tA\r\n".encode("utf-16-le") + b"\x00\xd8" + "x\r\n".encode("utf-16-le")
    path.write_bytes(codecs.BOM_UTF16_LE + body)
    with pytest.raises(InputError) as info:
        read_table(path, "t.csv")
    assert info.value.issues[0].row == 3
    assert "not UTF-16" in info.value.issues[0].message


# ------------------------------------------------------------------ look-alikes


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("urn", "١٠٠٠٠١"),  # Arabic-Indic digits
        ("urn", "１００００１"),  # fullwidth digits
        ("priority", "٢"),
        ("advocate_1_trn", "１２３４５６７"),
        ("latitude", "٥١.٢"),
    ],
)
def test_numbers_take_ascii_digits_only(demo: ScenarioCopy, column: str, value: str) -> None:
    demo.set_cell("schools", 2, column, value)
    result = demo.check()
    assert result.exit_code == 2, result.output
    assert f"{demo.display('schools')}:2: {column}:" in result.output


def test_cohort_in_fullwidth_digits_is_bad_input(demo: ScenarioCopy) -> None:
    demo.set_cell("specialists", 2, "cohort", "２")
    result = demo.check()
    assert result.exit_code == 2
    assert f"{demo.display('specialists')}:2: cohort:" in result.output


def test_clean_text_removes_invisibles_and_composes() -> None:
    assert clean_text("MS\u200b01\u200e") == ("MS01", True)
    assert clean_text("Ele\u0301na") == ("Eléna", False)  # NFC: e + combining acute = é
    assert clean_text("soft\u00adhyphen\ufeff") == ("softhyphen", True)


def test_an_invisible_character_cannot_make_a_second_school(demo: ScenarioCopy) -> None:
    urn = demo.cell("schools", 2, "urn")
    demo.set_cell("schools", 3, "urn", urn[:3] + "\u200b" + urn[3:])
    result = demo.check()
    assert result.exit_code == 2, result.output
    assert f"{demo.display('schools')}:3: urn: URN {urn} appears again (first at row 2)" in result.output


def test_invisible_characters_are_removed_with_a_warning(demo: ScenarioCopy) -> None:
    demo.set_cell("specialists", 2, "id", "\u200f" + demo.cell("specialists", 2, "id") + "\u200b")
    loaded = demo.load()
    (warning,) = [w for w in loaded.warnings if w.column == "id"]
    assert (warning.file, warning.row) == (demo.display("specialists"), 2)
    assert "invisible characters" in warning.message
    assert loaded.problem.specialists[0].id == demo.cell("specialists", 2, "id").strip("\u200f\u200b")


def test_invisible_characters_make_one_warning_per_column(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("urn,name\n100001,A\u200b\n100002,B\n100003,C\u2060\n100004,D\u00ad\n", encoding="utf-8")
    (warning,) = read_table(path, "t.csv").warnings
    assert (warning.row, warning.column, warning.warning) == (2, "name", True)
    assert warning.message.endswith("removed (also rows 4, 5)")


def test_a_decomposed_hub_name_matches_the_composed_one(demo: ScenarioCopy) -> None:
    # The same hub typed with é composed in one table and e + U+0301 in the other.
    for key in ("schools", "specialists", "work_groups"):
        rows = demo.rows(key)
        col = rows[0].index("hub")
        for row in rows[1:]:
            row[col] = "Hub Montréal" if key == "schools" else "Hub Montre\u0301al"
        demo.write_rows(key, rows)
    problem = demo.load().problem
    assert {s.hub for s in problem.schools} == {p.hub for p in problem.specialists} == {"Hub Montréal"}


def test_an_invisible_character_in_a_pin_is_removed_with_a_warning(demo_pins: ScenarioCopy) -> None:
    demo_pins.replace_yaml('specialist: "MS05"', 'specialist: "MS\\u200b05"')
    loaded = demo_pins.load()
    (warning,) = [w for w in loaded.warnings if w.file == demo_pins.yml_display]
    assert (warning.row, warning.column) == (demo_pins.line_of("MS\\u200b05"), "pins[1].specialist")
    assert loaded.problem.specialists[loaded.problem.pins[0].specialist_idx].id == "MS05"


def test_duplicate_yaml_keys_name_the_later_line(demo: ScenarioCopy) -> None:
    demo.append_yaml("name: second name")
    result = demo.check()
    assert result.exit_code == 2
    line = len(demo.yaml_text().splitlines())
    assert f"{demo.yml_display}:{line}: name: is written twice (first at line {demo.line_of('name:')})" in (
        result.output
    )


def test_duplicate_nested_yaml_keys(demo: ScenarioCopy) -> None:
    demo.replace_yaml("  place: 1000", "  place: 1000\n  place: 2000")
    result = demo.check()
    assert result.exit_code == 2
    assert f"{demo.yml_display}:{demo.line_of('place: 2000')}: weights.place: is written twice" in result.output


# ------------------------------------------------------------------ hostile files


def test_a_yaml_alias_bomb_is_refused(demo: ScenarioCopy) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, 10):
        prev = f"*a{n - 1}"
        lines.append(f"a{n}: &a{n} [{', '.join([prev] * 9)}]")
    demo.append_yaml("\n".join(lines))
    result = demo.check()
    assert result.exit_code == 2
    assert f"expands to more than {LIMITS.yaml_values:,} values" in result.output


def test_deeply_nested_yaml_is_refused(demo: ScenarioCopy) -> None:
    demo.append_yaml("deep: " + "[" * 5000 + "]" * 5000)
    result = demo.check()
    assert result.exit_code == 2
    assert "nest" in result.output


def _zip_bomb(path: Path, megabytes: int) -> None:
    """A workbook-shaped zip whose one sheet unpacks to `megabytes` MB of zeros."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b"0" * (1 << 20)
            for _ in range(megabytes):
                sheet.write(block)


def test_an_xlsx_that_unpacks_to_hundreds_of_megabytes_is_refused(demo: ScenarioCopy) -> None:
    _zip_bomb(demo.folder / "bomb.xlsx", 300)
    assert (demo.folder / "bomb.xlsx").stat().st_size < 2_000_000
    demo.replace_yaml("schools: schools.csv", "schools: bomb.xlsx")
    result = demo.check()
    assert result.exit_code == 2
    assert f"unpacks to {300 * 2**20 + len('<Types/>'):,} bytes" in result.output
    assert f"more than the limit of {LIMITS.xlsx_unpacked:,}" in result.output


def test_an_xml_entity_bomb_inside_a_workbook_is_refused(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["urn", "name"])
    book.active.append([1, "x"])
    book.save(tmp_path / "plain.xlsx")
    entities = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as source, zipfile.ZipFile(tmp_path / "bomb.xlsx", "w") as bomb:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = text.split("?>", 1)[1] if text.startswith("<?xml") else text  # the DOCTYPE comes first
                data = (f"<!DOCTYPE lolz [{entities}]>" + text.replace("<v>1</v>", "<v>&lol9;</v>", 1)).encode()
            bomb.writestr(item, data)
    with pytest.raises(InputError, match="cannot be read as an Excel workbook"):
        read_table(tmp_path / "bomb.xlsx", "bomb.xlsx")  # 10^9 "lol"s, refused by the XML parser


def test_a_fifo_is_refused_without_being_opened(demo: ScenarioCopy) -> None:
    os.mkfifo(demo.folder / "pipe.csv")  # opening it to read would wait for a writer forever
    demo.replace_yaml("schools: schools.csv", "schools: pipe.csv")
    result = demo.check()
    assert result.exit_code == 2
    assert "pipe.csv: is not a regular file" in result.output


@pytest.mark.parametrize(("path", "message"), [("/dev/zero", "is not a regular file"), (".", "is a folder")])
def test_a_device_or_folder_is_refused(demo: ScenarioCopy, path: str, message: str) -> None:
    demo.replace_yaml("schools: schools.csv", f"schools: {path}")
    result = demo.check()
    assert result.exit_code == 2
    assert message in result.output


def test_the_scenario_itself_may_not_be_a_device(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is not a regular file"):
        load("/dev/zero")


def test_a_table_past_the_byte_limit_is_refused_unread(demo: ScenarioCopy) -> None:
    with demo.table("schools").open("r+b") as handle:
        handle.truncate(LIMITS.bytes + 1)  # sparse: no time spent writing it
    result = demo.check()
    assert result.exit_code == 2
    assert f"more than the limit of {LIMITS.bytes:,}" in result.output


def test_a_200000_row_table_is_refused_at_the_row_limit(demo: ScenarioCopy) -> None:
    rows = demo.rows("schools")
    header = ",".join(rows[0][:6])
    row = ",".join(rows[1][:6])
    demo.table("schools").write_text(header + "\n" + (row + "\n") * 200_000, encoding="utf-8")
    result = demo.check()
    assert result.exit_code == 2
    assert f"{demo.display('schools')}:{LIMITS.rows + 2}: has more than {LIMITS.rows:,} rows" in result.output


def test_a_200000_row_table_with_a_15_second_limit_is_refused_before_solving(
    demo: ScenarioCopy, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from allocator.cli.main import main

    rows = demo.rows("schools")
    demo.table("schools").write_text(
        ",".join(rows[0][:6]) + "\n" + (",".join(rows[1][:6]) + "\n") * 200_000, encoding="utf-8"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [str(demo.yml), "--out", str(out), "--time-limit", "15"])
    assert result.exit_code == 2, result.output
    assert f"has more than {LIMITS.rows:,} rows" in result.output
    assert "Solving" not in result.output and not out.exists()


def test_a_table_past_the_cell_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    width = LIMITS.columns
    rows = LIMITS.cells // width + 1
    path.write_text(",".join(f"c{n}" for n in range(width)) + "\n" + ("1" + "," * (width - 1) + "\n") * rows)
    with pytest.raises(InputError, match=f"more than {LIMITS.cells:,} cells"):
        read_table(path, "t.csv")


def test_a_table_past_the_column_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(",".join(f"c{n}" for n in range(LIMITS.columns + 1)) + "\n1\n")
    with pytest.raises(InputError, match=f"more than {LIMITS.columns:,} columns"):
        read_table(path, "t.csv")


def test_control_characters_in_names_never_reach_the_console_raw(demo: ScenarioCopy, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from allocator.cli.main import main

    row = demo.row_of("schools", "urn", "916003")  # a school the demo cannot place: its name is printed
    demo.set_cell("schools", row, "name", "Evil\x1b[2J\x9b31m School\nerror: forged line")
    demo.replace_yaml("name: Weald and Downs Maths Hub demo (synthetic)", 'name: "\\e]0;title\\a Weald"')
    result = CliRunner().invoke(main, [str(demo.yml), "--out", str(tmp_path / "out"), "--no-recommendations"])
    assert result.exit_code == 0, result.output
    assert "Evil\\x1b[2J\\x9b31m School\\x0aerror: forged line" in result.output
    assert "\\x1b]0;title\\x07 Weald" in result.output
    assert not any(ch in result.output for ch in "\x1b\x9b\x07")
    assert "\nerror: forged line" not in result.output


def test_reading_counts_against_the_wall_clock_limit(demo: ScenarioCopy) -> None:
    import time

    from allocator.inputs.limits import TimeLimitReached, WallClock

    long_ago = time.monotonic() - 100
    with pytest.raises(TimeLimitReached):
        load(demo.yml, clock=WallClock(long_ago, time_limit_s=15))
    with pytest.raises(TimeLimitReached):  # the scenario's own limit (30 s) when no flag is given
        load(demo.yml, clock=WallClock(long_ago))
    # A deterministic run's limit counts the search's deterministic time alone.
    assert load(demo.yml, clock=WallClock(long_ago, time_limit_s=15, deterministic=True)).problem.num_schools == 64
    assert load(demo.yml, clock=WallClock(time.monotonic(), time_limit_s=15)).problem.num_schools == 64
