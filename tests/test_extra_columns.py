"""Extra columns of the schools table (an imported form's contacts) reach allocations.csv
and the workbook, leave with `--redact`, never reach the HTML page; no TRN ever does."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from allocator.cli.main import main
from tests.intake_builders import HUB, tiny_scenario

HEADER = ["urn", "name", "hub", "phase", "stage", "postcode", "headteacher_email", "head_of_department_trn", "notes"]


def _run(tmp_path: Path, *flags: str) -> Path:
    yml = tiny_scenario(
        tmp_path,
        [
            [
                "140001",
                "Élan Academy",
                HUB,
                "secondary",
                "development",
                "TN13 3LE",
                "head@elan.example.org",
                "1234567",
                "=1+1",
            ]
        ],
        school_header=HEADER,
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["run", str(yml), "--out", str(out), "--no-recommendations", "--format", "csv,xlsx,html", "-q", *flags]
    )
    assert result.exit_code == 0, result.output
    return out


def test_extra_columns_are_carried_through(tmp_path: Path) -> None:
    out = _run(tmp_path)
    with (out / "allocations.csv").open(encoding="utf-8", newline="") as handle:
        row = next(csv.DictReader(handle))
    assert row["headteacher_email"] == "head@elan.example.org"
    assert row["notes"] == "'=1+1"  # neutralised like every text cell
    assert not [c for c in row if "trn" in c]
    sheet = load_workbook(out / "allocation.xlsx")["Allocations"]
    header = [c.value for c in sheet[1]]
    assert "headteacher_email" in header and "head_of_department_trn" not in header
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "head@elan.example.org" not in page and "1234567" not in page


def test_redact_leaves_extra_columns_out(tmp_path: Path) -> None:
    out = _run(tmp_path, "--redact")
    text = (out / "allocations.csv").read_text(encoding="utf-8")
    assert "headteacher_email" not in text and "notes" not in text
    book = load_workbook(out / "allocation.xlsx")
    cells = {str(c.value) for sheet in book for row in sheet.iter_rows() for c in row}
    assert "head@elan.example.org" not in cells and "headteacher_email" not in cells
