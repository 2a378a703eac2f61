"""`allocate import-eoi`: Word forms in two layouts and response spreadsheets become a
schools table and an intake report with every doubt; synthetic forms only."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from allocator.cli.main import main
from allocator.intake import docx_form
from allocator.intake.fields import match_field, parse_date, yes_no
from tests.conftest import run_check
from tests.intake_builders import (
    HUB,
    RESPONSE_HEADER,
    SPECIALIST_HEADER,
    eoi_answers,
    gias_row,
    response_row,
    word_form_paragraphs,
    word_form_tables,
    write_csv,
    write_gias,
)

LAYOUTS = {"tables": word_form_tables, "paragraphs": word_form_paragraphs}


def import_eoi(tmp_path: Path, *files: Path, extra: tuple[str, ...] = ()) -> Result:
    out = tmp_path / "out" / "schools.csv"
    out.parent.mkdir(exist_ok=True)
    return CliRunner().invoke(main, ["import-eoi", *map(str, files), "--hub", HUB, "-o", str(out), *extra])


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def outputs(tmp_path: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    return read(tmp_path / "out" / "schools.csv"), read(tmp_path / "out" / "intake_report.csv")


def specialists_file(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "specialists.csv",
        SPECIALIST_HEADER,
        [
            ["MS01", "Ada Example", HUB, "secondary", 1, "ME16 8AH", ""],
            ["MS02", "Ben Example", HUB, "secondary", 1, "ME5 0LP", ""],
        ],
    )


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_each_word_layout_reads_the_whole_form(tmp_path: Path, layout: str) -> None:
    form = LAYOUTS[layout](tmp_path / "form.docx", eoi_answers(worked="Yes", who="Ada Example"))
    result = import_eoi(tmp_path, form, extra=("--specialists", str(specialists_file(tmp_path))))
    assert result.exit_code == 0, result.output
    schools, report = outputs(tmp_path)
    assert len(schools) == 1 and len(report) == 1
    row = schools[0]
    expected = {
        "urn": "140001",
        "name": "Élan Academy",
        "hub": HUB,
        "phase": "secondary",  # from the advocates' year groups (7-9, 10 and 11)
        "stage": "development",
        "postcode": "TN13 3LE",  # parsed from the address
        "previous_specialist": "MS01",  # "Ada Example" matched in --specialists
        "advocate_1_name": "Alex Advocate",
        "advocate_2_email": "b.backer@elan.example.org",
        "advocate_2_role": "Teacher of mathematics",
        "headteacher_name": "Dr Rowan Example",
        "head_of_department_email": "s.sample@elan.example.org",
        "telephone": "01732 000000",
        "eoi_date": "2026-03-14",
    }
    assert {k: row[k] for k in expected} == expected
    assert not [c for c in row if "trn" in c]  # TRNs are checked, never written
    assert report[0]["imported"] == "yes" and report[0]["doubts"] == ""


def test_responses_spreadsheet_one_school_per_row(tmp_path: Path) -> None:
    sheet = write_csv(
        tmp_path / "responses.csv",
        RESPONSE_HEADER,
        [
            response_row(1, eoi_answers("140003", school="Old Mill", worked="Yes", who="Mrs A. Example")),
            response_row(2, eoi_answers("140004", school="Hall Place", address="Hall Lane, Chatham ME5 0LP")),
        ],
    )
    result = import_eoi(tmp_path, sheet, extra=("--specialists", str(specialists_file(tmp_path))))
    assert result.exit_code == 0, result.output
    assert "columns not used: 'id', 'start time', 'email', 'name'" in result.output
    schools, report = outputs(tmp_path)
    assert [(s["urn"], s["name"], s["postcode"]) for s in schools] == [
        ("140003", "Old Mill", "TN13 3LE"),
        ("140004", "Hall Place", "ME5 0LP"),
    ]
    assert schools[0]["previous_specialist"] == "MS01"  # title and initial: one specialist fits
    assert schools[0]["eoi_date"] == "2026-03-14"  # "3/14/26 10:15:00": month first, as exported
    assert [(r["file"].endswith("responses.csv"), r["row"], r["doubts"]) for r in report] == [
        (True, "2", ""),
        (True, "3", ""),
    ]


def test_responses_workbook_and_columns_map(tmp_path: Path) -> None:
    import pandas as pd

    answers = eoi_answers("140005")
    row = response_row(1, answers)
    header = [
        f"Q{n}" if name.startswith(("School URN", "What is the name")) else name
        for n, name in enumerate(RESPONSE_HEADER)
    ]
    book = tmp_path / "responses.xlsx"
    pd.DataFrame([row], columns=header).to_excel(book, index=False)
    mapping = tmp_path / "map.yml"
    mapping.write_text("urn: Q6\nname: q5\n", encoding="utf-8")
    result = import_eoi(tmp_path, book, extra=("--columns", str(mapping)))
    assert result.exit_code == 0, result.output
    schools, _ = outputs(tmp_path)
    assert (schools[0]["urn"], schools[0]["name"]) == ("140005", "Élan Academy")


def test_columns_map_with_unknown_field_or_column_is_refused(tmp_path: Path) -> None:
    sheet = write_csv(tmp_path / "responses.csv", RESPONSE_HEADER, [response_row(1, eoi_answers())])
    mapping = tmp_path / "map.yml"
    mapping.write_text("school_urn: School URN\n", encoding="utf-8")
    result = import_eoi(tmp_path, sheet, extra=("--columns", str(mapping)))
    assert result.exit_code == 2 and "school_urn: is not a field" in result.output
    mapping.write_text("urn: URN of the school\n", encoding="utf-8")
    result = import_eoi(tmp_path, sheet, extra=("--columns", str(mapping)))
    assert result.exit_code == 2 and "URN of the school: is named in --columns but is not a column" in result.output
    assert not (tmp_path / "out" / "schools.csv").exists()


def _doubts(tmp_path: Path, name: str, **changes: Any) -> str:
    form = word_form_tables(tmp_path / f"{name}.docx", eoi_answers(**changes))
    result = import_eoi(tmp_path, form, extra=("--force",))
    assert result.exit_code == 0, result.output
    return outputs(tmp_path)[1][0]["doubts"]


def test_every_doubt_is_reported(tmp_path: Path) -> None:
    adv = eoi_answers()["adv"]
    assert "urn: missing, so the form is not imported" in _doubts(tmp_path, "no_urn", urn="")
    assert "'12345' is not a URN (6 digits)" in _doubts(tmp_path, "short_urn", urn="12345")
    assert "head_of_department_trn: not a TRN (7 digits)" in _doubts(tmp_path, "trn", hod_trn="123456")
    assert "advocate_1_email: not an email address (left blank)" in _doubts(
        tmp_path, "email", adv=[{**adv[0], "email": "alex.example.org"}, adv[1]]
    )
    assert "the second Mastery Advocate is missing" in _doubts(tmp_path, "one", adv=[adv[0]])
    assert "no Mastery Advocate has a senior role" in _doubts(
        tmp_path, "roles", adv=[{**adv[0], "role": "Class teacher"}, adv[1]]
    )
    unsigned = _doubts(tmp_path, "unsigned", signatures={"Headteacher": "R Example", "Head of department": ""})
    assert "signatures missing: head of department, Mastery Advocate 1, Mastery Advocate 2" in unsigned
    assert "statement: 240 words, far beyond the 150 asked for" in _doubts(tmp_path, "long", statement="word " * 240)
    assert "missing: telephone, statement" in _doubts(tmp_path, "gaps", telephone="", statement="")
    assert "previous specialist 'Cy Nobody' named: give --specialists" in _doubts(
        tmp_path, "who", worked="Yes", who="Cy Nobody"
    )
    assert "says it worked with a Mastery Specialist but does not say who" in _doubts(tmp_path, "who2", worked="Yes")
    assert "hub: the form names 'Kent Maths Hub'" in _doubts(tmp_path, "hub", hub="Kent Maths Hub")
    assert "hub:" not in _doubts(tmp_path, "hub2", hub="weald & downs maths hub")  # the same hub, loosely


def test_unmatched_previous_specialist_is_flagged(tmp_path: Path) -> None:
    form = word_form_tables(tmp_path / "f.docx", eoi_answers(worked="Yes", who="Cy Nobody"))
    assert import_eoi(tmp_path, form, extra=("--specialists", str(specialists_file(tmp_path)))).exit_code == 0
    schools, report = outputs(tmp_path)
    assert "previous specialist 'Cy Nobody' matches no specialist in" in report[0]["doubts"]
    assert schools[0].get("previous_specialist", "") == "" and schools[0]["previous_specialist_name"] == "Cy Nobody"


def test_same_school_twice_the_later_form_wins(tmp_path: Path) -> None:
    later = word_form_tables(tmp_path / "a_later.docx", eoi_answers(date="20/03/2026", telephone="01732 111111"))
    earlier = word_form_paragraphs(tmp_path / "b_earlier.docx", eoi_answers(date="14/03/2026"))
    result = import_eoi(tmp_path, later, earlier)  # command-line order says b; the dates say a
    assert result.exit_code == 0, result.output
    schools, report = outputs(tmp_path)
    assert [s["telephone"] for s in schools] == ["01732 111111"]
    assert report[0]["imported"] == "yes" and "this later form wins (by the forms' dates)" in report[0]["doubts"]
    assert report[1]["imported"] == "no" and "applied again in" in report[1]["doubts"]


def test_same_school_twice_without_dates_command_line_order_wins(tmp_path: Path) -> None:
    first = word_form_tables(tmp_path / "first.docx", eoi_answers(date="", telephone="01732 111111"))
    second = word_form_tables(tmp_path / "second.docx", eoi_answers(date="", telephone="01732 222222"))
    import_eoi(tmp_path, first, second)
    schools, report = outputs(tmp_path)
    assert [s["telephone"] for s in schools] == ["01732 222222"]
    assert "(by command-line order)" in report[0]["doubts"] and report[0]["imported"] == "no"


def test_unreadable_and_oversized_forms_are_reported_and_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "forms").mkdir()
    (tmp_path / "forms" / "old.docx").write_bytes(b"\xd0\xcf\x11\xe0 an old .doc renamed")
    word_form_tables(tmp_path / "forms" / "good.docx", eoi_answers())
    (tmp_path / "forms" / "~$good.docx").write_bytes(b"Word's lock file")
    result = import_eoi(tmp_path, tmp_path / "forms")
    assert result.exit_code == 0, result.output
    schools, report = outputs(tmp_path)
    assert len(schools) == 1
    assert [(Path(r["file"]).name, r["imported"]) for r in report] == [("good.docx", "yes"), ("old.docx", "no")]
    assert "unreadable: is not a Word .docx file" in report[1]["doubts"]
    # A zip that would unpack beyond the limit is refused before python-docx opens it.
    monkeypatch.setattr(docx_form, "MAX_UNPACKED_BYTES", 10_000)
    result = import_eoi(tmp_path, tmp_path / "forms" / "good.docx", extra=("--force",))
    assert "would unpack to" in outputs(tmp_path)[1][0]["doubts"]


def test_existing_outputs_are_kept_unless_force(tmp_path: Path) -> None:
    form = word_form_tables(tmp_path / "f.docx", eoi_answers())
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "intake_report.csv").write_text("mine\n", encoding="utf-8")
    result = import_eoi(tmp_path, form)
    assert result.exit_code == 2 and "give --force" in result.output
    assert not (tmp_path / "out" / "schools.csv").exists()  # nothing half-written
    assert (tmp_path / "out" / "intake_report.csv").read_text(encoding="utf-8") == "mine\n"
    assert import_eoi(tmp_path, form, extra=("--force",)).exit_code == 0
    assert len(outputs(tmp_path)[0]) == 1


def test_no_trn_and_no_personal_data_on_the_console(tmp_path: Path) -> None:
    answers = eoi_answers(hod_trn="1234567")
    form = word_form_tables(tmp_path / "f.docx", answers)
    result = import_eoi(tmp_path, form)
    written = (tmp_path / "out" / "schools.csv").read_text(encoding="utf-8")
    written += (tmp_path / "out" / "intake_report.csv").read_text(encoding="utf-8")
    for trn in ("1234567", "7654321", "2345678"):
        assert trn not in written
    assert "@" not in result.output and "Alex Advocate" not in result.output


def test_imported_forms_check_clean_with_the_register(tmp_path: Path) -> None:
    """Done when: forms and a responses sheet become a schools table allocate check accepts."""
    folder = tmp_path / "forms"
    folder.mkdir()
    adv = eoi_answers()["adv"]
    no_years = [{**a, "years": ""} for a in adv]  # phase then comes from the register
    word_form_tables(folder / "a.docx", eoi_answers("140001", adv=no_years))
    word_form_paragraphs(folder / "b.docx", eoi_answers("140002", school="Brookside", address="Longfield DA3 7PH"))
    sheet = write_csv(tmp_path / "responses.csv", RESPONSE_HEADER, [response_row(1, eoi_answers("140003"))])
    gias = write_gias(
        tmp_path / "gias.csv", [gias_row("140001", "Élan Academy", "TN13 3LE", **{"Trusts (name)": "Weald Trust"})]
    )
    specialists = specialists_file(tmp_path)
    result = import_eoi(tmp_path, folder, sheet, extra=("--gias", str(gias), "--specialists", str(specialists)))
    assert result.exit_code == 0, result.output
    schools, report = outputs(tmp_path)
    assert [(s["urn"], s["phase"], s.get("trust", "")) for s in schools] == [
        ("140001", "secondary", "Weald Trust"),
        ("140002", "secondary", ""),
        ("140003", "secondary", ""),
    ]
    assert "urn: 140002 is not in the register" in report[1]["doubts"]
    yml = tmp_path / "out" / "scenario.yml"
    (tmp_path / "out" / "specialists.csv").write_bytes(specialists.read_bytes())
    yml.write_text(
        "name: intake\nyear: 2026/27\nschools: schools.csv\nspecialists: specialists.csv\nlocations: sector\n",
        encoding="utf-8",
    )
    checked = run_check(yml)
    assert checked.exit_code == 0, checked.output


@pytest.mark.parametrize(
    ("label", "context", "field"),
    [
        ("Unique Reference Number (URN)", None, "urn"),
        ("Email address of your second advocate", None, "advocate_2_email"),
        ("What is the teacher reference number (TRN) of the first advocate?", None, "advocate_1_trn"),
        ("E-mail", "advocate_1", "advocate_1_email"),
        ("Name", "head_of_department", "head_of_department_name"),
        ("Head of Maths email", None, "head_of_department_email"),
        ("Headteacher / Principal", None, "headteacher_name"),
        ("Which Maths Hub are you applying to?", None, "hub"),
        ("Has your school worked with a Maths Hub Mastery Specialist?", None, "worked_with"),
        ("If so, which specialist?", None, "previous_specialist_name"),
        ("Name", None, None),  # a respondent's name in a form export is nobody's field
        ("Comments", "advocate_1", None),
    ],
)
def test_labels_are_matched_loosely(label: str, context: str | None, field: str | None) -> None:
    assert match_field(label, context) == field


def test_answers_and_dates() -> None:
    assert [yes_no(t) for t in ("☒ Yes ☐ No", "Yes ☐ No ☒", "☐ Yes ☐ No", "no thanks", "")] == [
        "yes",
        "no",
        None,
        "no",
        None,
    ]
    assert str(parse_date("Signed 3rd April 2026")) == "2026-04-03"
    assert str(parse_date("04/03/2026")) == "2026-03-04"  # day first, as in the UK
    assert parse_date("no date") is None


def test_a_fifo_named_like_a_form_is_skipped(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.docx"
    os.mkfifo(fifo)
    result = import_eoi(tmp_path, fifo)
    assert result.exit_code == 0, result.output
    assert "unreadable: is not a regular file" in outputs(tmp_path)[1][0]["doubts"]


def test_damaged_word_files_never_raise(tmp_path: Path) -> None:
    """Truncated, corrupted and hand-made archives: each read or reported, never a traceback."""
    import random
    import zipfile

    from allocator.intake.forms import read_word_form

    good = word_form_tables(tmp_path / "good.docx", eoi_answers()).read_bytes()
    rng = random.Random(14)
    damaged = [good[: len(good) * k // 10] for k in range(1, 10)]
    for _ in range(20):
        data = bytearray(good)
        for _ in range(8):
            data[rng.randrange(len(data))] = rng.randrange(256)
        damaged.append(bytes(data))
    for n, data in enumerate(damaged):
        path = tmp_path / f"d{n}.docx"
        path.write_bytes(data)
        form = read_word_form(path, path.name, n)  # never raises
        if n < 9:  # truncated: the zip's directory at the end is gone
            assert form.unreadable is not None and "not a Word .docx file" in form.unreadable
    bad_xml = tmp_path / "bad.docx"
    with zipfile.ZipFile(bad_xml, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document><unclosed>")
    assert "cannot be read as a Word document" in (read_word_form(bad_xml, "bad.docx", 0).unreadable or "")


def test_phase_unknown_without_years_or_register(tmp_path: Path) -> None:
    adv = [{**a, "years": ""} for a in eoi_answers()["adv"]]
    assert "phase: not on the form; fill it in, or give --gias" in _doubts(tmp_path, "phase", adv=adv)
    assert outputs(tmp_path)[0][0]["phase"] == ""
