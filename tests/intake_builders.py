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
