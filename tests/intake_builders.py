"""Synthetic intake files: GIAS-format register extracts, Expression of Interest forms
(.docx, in two layouts) and online-form response spreadsheets. No real personal data:
every school, person and URN here is invented (postcodes are real places)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

# The columns of a real GIAS extract that intake reads, among some it does not.
GIAS_HEADER = [
    "URN",
    "LA (code)",
    "LA (name)",
    "EstablishmentNumber",
    "EstablishmentName",
    "TypeOfEstablishment (name)",
    "EstablishmentStatus (name)",
    "PhaseOfEducation (name)",
    "StatutoryLowAge",
    "StatutoryHighAge",
    "Trusts (name)",
    "Street",
    "Town",
    "Postcode",
    "Easting",
    "Northing",
]


def gias_row(urn: str, name: str, postcode: str, **kw: str) -> dict[str, str]:
    row = dict.fromkeys(GIAS_HEADER, "")
    row.update(
        {
            "URN": urn,
            "LA (code)": "886",
            "LA (name)": "Kent",
            "EstablishmentNumber": urn[-4:],
            "EstablishmentName": name,
            "TypeOfEstablishment (name)": "Academy converter",
            "EstablishmentStatus (name)": "Open",
            "PhaseOfEducation (name)": "Secondary",
            "StatutoryLowAge": "11",
            "StatutoryHighAge": "18",
            "Postcode": postcode,
        }
    )
    row.update(kw)
    return row


def write_gias(path: Path, rows: list[dict[str, str]], encoding: str = "cp1252") -> Path:
    """A register extract as GIAS serves it: Windows-1252, CRLF lines, every cell quoted."""
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(handle, fieldnames=GIAS_HEADER, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


HUB = "Weald and Downs Maths Hub"
SCHOOL_HEADER = ["urn", "name", "hub", "phase", "stage", "postcode"]
SPECIALIST_HEADER = ["id", "name", "hub", "phase", "cohort", "postcode", "school_urn"]


def tiny_scenario(
    folder: Path,
    schools: list[list[Any]],
    *,
    school_header: list[str] = SCHOOL_HEADER,
    specialists: list[list[Any]] | None = None,
    specialist_header: list[str] = SPECIALIST_HEADER,
    extra_yaml: str = "",
) -> Path:
    """A development-only scenario at sector level; one Kent specialist unless given."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "schools.csv", school_header, schools)
    if specialists is None:
        specialists = [["MS01", "Ada Example", HUB, "secondary", 1, "ME16 8AH", ""]]
    write_csv(folder / "specialists.csv", specialist_header, specialists)
    yml = folder / "scenario.yml"
    yml.write_text(
        "name: tiny intake scenario\nyear: 2026/27\nschools: schools.csv\nspecialists: specialists.csv\n"
        "locations: sector\n" + extra_yaml,
        encoding="utf-8",
    )
    return yml


# --------------------------------------------------------------------------- Expression of Interest forms

STATEMENT = (
    "Our department wants every pupil to reason about mathematics. We will release both "
    "advocates for the work group meetings and share what we learn in department time."
)


def eoi_answers(urn: str = "140001", **changes: Any) -> dict[str, Any]:
    """A complete, valid set of synthetic answers; `changes` replace any of them."""
    answers: dict[str, Any] = {
        "school": "Élan Academy",
        "address": "1 Example Road, Sevenoaks, Kent TN13 3LE",
        "urn": urn,
        "telephone": "01732 000000",
        "head_name": "Dr Rowan Example",
        "head_email": "head@elan.example.org",
        "hod_name": "Sam Sample",
        "hod_email": "s.sample@elan.example.org",
        "hod_trn": "1234567",
        "hub": HUB,
        "adv": [
            {
                "name": "Alex Advocate",
                "email": "a.advocate@elan.example.org",
                "trn": "7654321",
                "years": "Years 7-9",
                "role": "Second in department",
            },
            {
                "name": "Bo Backer",
                "email": "b.backer@elan.example.org",
                "trn": "2345678",
                "years": "Years 10 and 11",
                "role": "Teacher of mathematics",
            },
        ],
        "worked": "No",
        "who": "",
        "statement": STATEMENT,
        "signatures": {
            "Headteacher": "R Example",
            "Head of department": "S Sample",
            "Mastery Advocate 1": "A Advocate",
            "Mastery Advocate 2": "B Backer",
        },
        "date": "14/03/2026",
    }
    answers.update(changes)
    return answers


def _two_columns(document: Any, rows: list[tuple[str, str]]) -> None:
    table = document.add_table(rows=0, cols=2)
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value


def word_form_tables(path: Path, a: dict[str, Any]) -> Path:
    """Layout 1, like the programme's form: label cells beside value cells, a grid with a
    column per advocate, a check-box answer, the statement under its label, a signature grid."""
    import docx

    document = docx.Document()
    document.add_heading("Expression of Interest: Secondary Mastery Specialist Programme", 1)
    _two_columns(
        document,
        [
            ("Name of school", a["school"]),
            ("Address", a["address"]),
            ("School URN", a["urn"]),
            ("Contact telephone", a["telephone"]),
            ("Headteacher or senior leader name", a["head_name"]),
            ("Headteacher or senior leader email", a["head_email"]),
            ("Head of department name", a["hod_name"]),
            ("Head of department email", a["hod_email"]),
            ("Head of department TRN", a["hod_trn"]),
            ("Maths Hub (if known)", a["hub"]),
        ],
    )
    document.add_paragraph("Mastery Advocates")
    grid = document.add_table(rows=1, cols=3)
    grid.rows[0].cells[1].text, grid.rows[0].cells[2].text = "Mastery Advocate 1", "Mastery Advocate 2"
    for label, key in (
        ("Name", "name"),
        ("Email", "email"),
        ("TRN", "trn"),
        ("Year groups taught", "years"),
        ("Role in the department", "role"),
    ):
        cells = grid.add_row().cells
        cells[0].text = label
        for n, advocate in enumerate(a["adv"][:2], start=1):
            cells[n].text = advocate.get(key, "")
    ticks = "☒ Yes ☐ No" if a["worked"].lower() == "yes" else "☐ Yes ☒ No"
    _two_columns(
        document,
        [("Has your school worked with a Maths Hub Mastery Specialist?", ticks), ("If yes, who?", a["who"])],
    )
    statement = document.add_table(rows=2, cols=1)
    statement.rows[0].cells[0].text = "Head of department statement (about 150 words)"
    statement.rows[1].cells[0].text = a["statement"]
    signatures = document.add_table(rows=1, cols=3)
    signatures.rows[0].cells[1].text, signatures.rows[0].cells[2].text = "Signature", "Date"
    for person, signed in a["signatures"].items():
        cells = signatures.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = person, signed, a["date"] if signed else ""
    document.save(path)
    return path


def word_form_paragraphs(path: Path, a: dict[str, Any]) -> Path:
    """Layout 2, reworded and reordered: "Label: value" paragraphs under person headings,
    the statement in paragraphs below its label."""
    import docx

    document = docx.Document()
    document.add_heading("Mastery programme: expression of interest", 1)
    for line in (
        f"School URN: {a['urn']}",
        f"School name: {a['school']}",
        f"School address: {a['address']}",
        f"Telephone: {a['telephone']}",
        f"Which Maths Hub are you applying to: {a['hub']}",
    ):
        document.add_paragraph(line)
    for n, heading in ((0, "First Mastery Advocate"), (1, "Second Mastery Advocate")):
        if n >= len(a["adv"]):
            continue
        document.add_heading(heading, 2)
        advocate = a["adv"][n]
        document.add_paragraph(f"Full name: {advocate['name']}")
        document.add_paragraph(f"Email address: {advocate['email']}")
        document.add_paragraph(f"Teacher reference number: {advocate['trn']}")
        document.add_paragraph(f"Years taught: {advocate['years']}")
        document.add_paragraph(f"Role: {advocate['role']}")
    document.add_heading("Head of Department", 2)
    document.add_paragraph(f"Name: {a['hod_name']}")
    document.add_paragraph(f"Email: {a['hod_email']}")
    document.add_paragraph(f"TRN: {a['hod_trn']}")
    document.add_heading("Headteacher", 2)
    document.add_paragraph(f"Name: {a['head_name']}")
    document.add_paragraph(f"Email: {a['head_email']}")
    document.add_heading("Background", 2)
    worked = a["worked"] + (f", {a['who']}" if a["who"] else "")
    document.add_paragraph(f"Previous work with a Mastery Specialist: {worked}")
    document.add_paragraph("Supporting statement from the head of department:")
    for part in a["statement"].split(". "):
        document.add_paragraph(part)
    for person, signed in a["signatures"].items():
        document.add_paragraph(f"Signed ({person}): {signed}" + (f"  Date: {a['date']}" if signed else ""))
    document.save(path)
    return path


RESPONSE_HEADER = [
    "ID",
    "Start time",
    "Completion time",
    "Email",
    "Name",
    "What is the name of your school?",
    "School URN",
    "School address including postcode",
    "School telephone number",
    "Name of headteacher",
    "Headteacher email address",
    "Name of head of department",
    "Head of department email address",
    "Head of department TRN",
    "Mastery Advocate 1: name",
    "Mastery Advocate 1: email",
    "Mastery Advocate 1: TRN",
    "Mastery Advocate 1: year groups taught",
    "Mastery Advocate 1: role in department",
    "Mastery Advocate 2: name",
    "Mastery Advocate 2: email",
    "Mastery Advocate 2: TRN",
    "Mastery Advocate 2: year groups taught",
    "Mastery Advocate 2: role in department",
    "Has your school worked with a Maths Hub Mastery Specialist?",
    "If yes, which Mastery Specialist?",
    "Head of department statement (up to 150 words)",
]


def response_row(n: int, a: dict[str, Any], completed: str = "3/14/26 10:15:00") -> list[str]:
    adv = a["adv"] + [{}] * (2 - len(a["adv"]))
    return [
        str(n), "3/14/26 10:02:00", completed, "respondent@example.org", "Respondent",
        a["school"], a["urn"], a["address"], a["telephone"], a["head_name"], a["head_email"],
        a["hod_name"], a["hod_email"], a["hod_trn"],
        *(adv[i].get(k, "") for i in (0, 1) for k in ("name", "email", "trn", "years", "role")),
        a["worked"], a["who"], a["statement"],
    ]  # fmt: skip
