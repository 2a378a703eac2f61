"""`allocate SCENARIO.yml --previous OUT_DIR` (issue 15) on the demo: changes, locks, hand edits."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from allocator.cli.main import main
from tests.conftest import ScenarioCopy, copy_demo

FAST = ("--no-recommendations", "--time-limit", "20")


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> tuple[ScenarioCopy, Path]:
    """The demo solved once: its copy and its output folder (tests copy both)."""
    root = tmp_path_factory.mktemp("first")
    demo = copy_demo(root / "demo")
    out = root / "out1"
    result = run(demo.yml, "--out", out, *FAST)
    assert result.exit_code == 0, result.output
    return demo, out


@pytest.fixture
def rerun_setup(first_run, tmp_path) -> tuple[ScenarioCopy, Path]:
    demo, out = first_run
    copy = copy_demo(tmp_path / "demo")
    shutil.copytree(out, tmp_path / "out1")
    return copy, tmp_path / "out1"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def edit_rows(path: Path, edit) -> None:
    """Rewrite allocations.csv with `edit(rows)` applied (rows as dicts; header kept)."""
    rows = read_csv(path)
    header = list(rows[0])
    edit(rows)
    for row in rows:
        for key in row:
            if key not in header:
                header.append(key)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n", restval="")
        writer.writeheader()
        writer.writerows(rows)


def by_urn(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["urn"]: row for row in rows}


def test_withdrawals_and_a_late_application_change_only_what_must(rerun_setup, tmp_path):
    demo, out1 = rerun_setup
    before = by_urn(read_csv(out1 / "allocations.csv"))
    # Two schools and a specialist withdraw; a school applies late.
    with_ms06 = [urn for urn, row in before.items() if row["specialist"] == "MS06"]
    assert with_ms06, "the demo's optimum uses MS06"
    rows = demo.rows("schools")
    header = rows[0]
    urn_col = header.index("urn")
    withdrawn = [r[urn_col] for r in rows[1:] if before[r[urn_col]]["status"] == "placed"][:2]
    kept_rows = [r for r in rows[1:] if r[urn_col] not in withdrawn]
    late = list(kept_rows[0])
    late[urn_col], late[header.index("name")] = "999001", "Larkspur Late Academy"
    demo.write_rows("schools", [header, *kept_rows, late])
    specialists = demo.rows("specialists")
    demo.write_rows("specialists", [r for r in specialists if r[0] != "MS06"])

    out2 = tmp_path / "out2"
    result = run(demo.yml, "--out", out2, "--previous", out1, *FAST)
    assert result.exit_code == 0, result.output
    # The summary leads with the changes.
    assert result.output.index("Since the previous run:") < result.output.index("Status OPTIMAL")
    changes = by_urn(read_csv(out2 / "changes.csv"))
    summary = json.loads((out2 / "summary.json").read_text())
    counts = summary["since_previous"]
    # Every school still applying keeps its place unless MS06 held it (or it is new,
    # or it is placed in room the withdrawals freed).
    for urn in changes:
        row = changes[urn]
        if row["change"] == "withdrew":
            assert urn in withdrawn and row["reason"] == "No longer in the schools table."
        elif row["change"] in ("moved", "lost its place"):
            assert before[urn]["specialist"] == "MS06", row
            assert "(MS06) withdrew" in row["reason"]
        else:
            assert row["change"] == "newly placed", row
    assert changes["999001"]["reason"] == "Newly applied."
    assert counts["withdrew"] == 2
    assert counts["moved"] + counts["lost_place"] == len(with_ms06)
    placed_before = sum(1 for r in before.values() if r["status"] == "placed")
    assert counts["kept"] == placed_before - 2 - len(with_ms06)
    headline = (
        f"{counts['kept']} schools keep their places, {counts['moved']} move, "
        f"{counts['newly_placed']} newly placed, {counts['lost_place']} lose their place"
    )
    assert headline in result.output
    assert summary["objective_terms"]["keep"] == 300 * counts["kept"]


def test_previous_in_the_scenario_file_is_relative_to_it(rerun_setup):
    demo, out1 = rerun_setup
    shutil.move(out1, demo.folder / "last_year")
    demo.append_yaml("previous: last_year")
    out = demo.folder / "again"
    result = run(demo.yml, "--out", out, *FAST)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["since_previous"]["moved"] == summary["since_previous"]["lost_place"] == 0
    assert summary["since_previous"]["kept"] == summary["placed"]
    assert (out / "changes.csv").read_text().count("\n") == 1  # the header alone


def test_the_previous_workbook_is_read_from_its_allocations_sheet(rerun_setup, tmp_path):
    demo, out1 = rerun_setup
    out2 = tmp_path / "xlsx"
    assert run(demo.yml, "--out", out2, "--previous", out1, "--format", "xlsx,html", *FAST).exit_code == 0
    out3 = tmp_path / "again"
    result = run(demo.yml, "--out", out3, "--previous", out2 / "allocation.xlsx", *FAST)
    assert result.exit_code == 0, result.output
    assert "0 move, 0 newly placed, 0 lose their place" in result.output
    from openpyxl import load_workbook

    assert "Changes" in load_workbook(out2 / "allocation.xlsx", read_only=True).sheetnames
    assert "Changes since the previous run" in (out2 / "report.html").read_text(encoding="utf-8")


def test_bad_content_in_the_previous_table_is_exit_2_with_file_row_column(rerun_setup, tmp_path):
    demo, out1 = rerun_setup
    table = tmp_path / "edited.csv"
    shutil.copy(out1 / "allocations.csv", table)
    edit_rows(table, lambda rows: rows[2].update(status="maybe", locked="perhaps"))
    result = run(demo.yml, "--out", tmp_path / "o", "--previous", table, *FAST)
    assert result.exit_code == 2
    shown = result.output
    assert "edited.csv:4: status: 'maybe' is neither placed nor unplaced" in shown
    assert "edited.csv:4: locked: 'perhaps' is not yes or blank" in shown
    assert not (tmp_path / "o").exists()


def test_locks_are_pins_and_are_carried_forward(rerun_setup, tmp_path):
    demo, out1 = rerun_setup
    table = tmp_path / "locked.csv"
    shutil.copy(out1 / "allocations.csv", table)
    rows = read_csv(table)
    placed = next(r for r in rows if r["status"] == "placed" and r["stage"] == "development")
    unplaced_urn = next(r["urn"] for r in rows if r["status"] == "placed" and r["stage"] == "sustaining")

    def lock(rows):
        for row in rows:
            if row["urn"] == placed["urn"]:
                row["locked"] = "yes"
            if row["urn"] == unplaced_urn:  # the lead takes it out by hand, and locks that
                row.update(status="unplaced", work_group="", locked="Yes")

    edit_rows(table, lock)
    out = tmp_path / "out"
    result = run(demo.yml, "--out", out, "--previous", table, "--format", "csv,xlsx,html", *FAST)
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    inputs = load_workbook(out / "allocation.xlsx", read_only=True)["Inputs"]
    settings = [row[1] for row in inputs.iter_rows(values_only=True)]
    assert sum(1 for s in settings if str(s).startswith("locked row ")) == 2  # one line per locked row
    after = by_urn(read_csv(out / "allocations.csv"))
    assert after[placed["urn"]]["specialist"] == placed["specialist"]
    assert after[placed["urn"]]["locked"] == after[unplaced_urn]["locked"] == "yes"
    assert after[unplaced_urn]["status"] == "unplaced"
    assert after[unplaced_urn]["reason"].startswith("Locked as unplaced (row ")
    assert sum(1 for r in after.values() if r["locked"] == "yes") == 2


def test_a_locked_row_that_breaks_a_rule_is_exit_1_naming_it(rerun_setup, tmp_path):
    demo, out1 = rerun_setup
    table = tmp_path / "locked.csv"
    shutil.copy(out1 / "allocations.csv", table)
    rows = read_csv(table)
    row_no, row = next((n, r) for n, r in enumerate(rows, start=2) if r["specialist"] == "MS01")
    edit_rows(table, lambda rows: rows[row_no - 2].update(locked="yes"))
    # MS01 now takes no development schools or embedding schools.
    spec_row = demo.row_of("specialists", "id", "MS01")
    demo.set_cell("specialists", spec_row, "capacity", "0")
    demo.set_cell("specialists", spec_row, "embedding_capacity", "0")
    result = run(demo.yml, "--out", tmp_path / "o", "--previous", table, *FAST)
    assert result.exit_code == 1, result.output
    assert f"locked row {row_no} of" in result.output
    assert f"school {row['urn']} with specialist MS01" in result.output


def test_a_locked_row_naming_a_specialist_no_longer_there_is_exit_2(rerun_setup, tmp_path):
    demo, out1 = rerun_setup
    table = tmp_path / "locked.csv"
    shutil.copy(out1 / "allocations.csv", table)
    rows = read_csv(table)
    row_no = next(n for n, r in enumerate(rows, start=2) if r["specialist"] == "MS06")
    edit_rows(table, lambda rows: rows[row_no - 2].update(locked="yes"))
    demo.write_rows("specialists", [r for r in demo.rows("specialists") if r[0] != "MS06"])
    result = run(demo.yml, "--out", tmp_path / "o", "--previous", table, *FAST)
    assert result.exit_code == 2
    assert f"locked.csv:{row_no}: specialist: MS06 is locked here but is no longer in the specialists table" in (
        result.output
    )


def test_a_rerun_into_its_previous_folder_works_untouched_and_is_refused_once_edited(rerun_setup):
    demo, out1 = rerun_setup
    # Untouched: the previous run is read first, then the folder is replaced.
    result = run(demo.yml, "--out", out1, "--previous", out1, *FAST)
    assert result.exit_code == 0, result.output
    assert (out1 / "changes.csv").is_file()
    # The lead edits allocations.csv (a lock): the folder now holds a hand edit.
    edit_rows(out1 / "allocations.csv", lambda rows: rows[0].update(locked="yes"))
    edited = (out1 / "allocations.csv").read_bytes()
    result = run(demo.yml, "--out", out1, "--previous", out1, *FAST)
    assert result.exit_code == 2
    assert "allocations.csv" in result.output and "--out" in result.output
    assert (out1 / "allocations.csv").read_bytes() == edited  # the hand edit is never lost
    # Written elsewhere, the edited table is honoured.
    result = run(demo.yml, "--out", out1.parent / "new", "--previous", out1, *FAST)
    assert result.exit_code == 0, result.output


def test_keep_is_validated_like_the_other_weights(rerun_setup, tmp_path):
    demo, _ = rerun_setup
    demo.replace_yaml("  continuity: 50", "  continuity: 50\n  keep: -1")
    result = run(demo.yml, "--out", tmp_path / "o", *FAST)
    assert result.exit_code == 2
    assert "weights.keep: Input should be greater than or equal to 0" in result.output


def test_check_reads_the_previous_run_named_in_the_scenario(rerun_setup, tmp_path):
    demo, out1 = rerun_setup
    edit_rows(out1 / "allocations.csv", lambda rows: rows[1].update(status="gone"))
    demo.append_yaml(f"previous: {out1}")
    result = run("check", demo.yml)
    assert result.exit_code == 2
    assert "allocations.csv:3: status: 'gone' is neither placed nor unplaced" in result.output


def test_a_lock_on_a_school_that_withdrew_is_dropped_with_a_warning(rerun_setup, tmp_path):
    demo, out1 = rerun_setup
    urn_row = 2
    urn = demo.cell("schools", urn_row, "urn")
    edit_rows(out1 / "allocations.csv", lambda rows: next(r for r in rows if r["urn"] == urn).update(locked="yes"))
    demo.write_rows("schools", [r for n, r in enumerate(demo.rows("schools"), start=1) if n != urn_row])
    result = run(demo.yml, "--out", tmp_path / "o", "--previous", out1, *FAST)
    assert result.exit_code == 0, result.output
    assert f"locked: school {urn} no longer applies: its lock is dropped" in result.output


def test_a_previous_folder_named_in_the_scenario_that_is_not_there_is_exit_2(rerun_setup, tmp_path):
    demo, _ = rerun_setup
    demo.append_yaml("previous: nowhere")
    result = run(demo.yml, "--out", tmp_path / "o", *FAST)
    assert result.exit_code == 2
    assert "scenario.yml: previous: not found: looked for " in result.output
