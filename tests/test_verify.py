"""`allocate verify` and `allocator.verify` (issue 15): hand-edited tables against every rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import allocator
from allocator.cli.main import main
from tests.conftest import copy_demo
from tests.test_rerun_cli import edit_rows, read_csv, run

FAST = ("--no-recommendations", "--time-limit", "20")


@pytest.fixture(scope="module")
def solved_demo(tmp_path_factory):
    """The demo and the demo with pins, each solved once into an output folder."""
    root = tmp_path_factory.mktemp("verify")
    out = {}
    for yml in ("scenario.yml", "scenario_pins.yml"):
        demo = copy_demo(root / yml.split(".")[0], yml)
        folder = root / f"out_{yml.split('.')[0]}"
        result = run(demo.yml, "--out", folder, *FAST)
        assert result.exit_code == 0, result.output
        out[yml] = (demo, folder)
    return out


@pytest.fixture
def edited(solved_demo, tmp_path):
    """(scenario yml, a copy of its allocations.csv) for `name`."""

    def make(name: str = "scenario.yml") -> tuple[Path, Path, Path]:
        demo, folder = solved_demo[name]
        copy = tmp_path / "out"
        shutil.copytree(folder, copy)
        return demo.yml, copy / "allocations.csv", folder

    return make


def verify(*args) -> tuple[int, str]:
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["verify", *map(str, args), "--time-limit", "20"], catch_exceptions=False)
    return result.exit_code, result.output


def row_number(table: Path, **match: str) -> int:
    """The spreadsheet row of the first row whose columns hold these values."""
    for n, row in enumerate(read_csv(table), start=2):
        if all(row[k] == v for k, v in match.items()):
            return n
    raise KeyError(match)


def set_row(table: Path, n: int, **values: str) -> None:
    edit_rows(table, lambda rows: rows[n - 2].update(values))


def test_an_untouched_table_passes_with_the_folders_optimum(edited):
    yml, table, _ = edited()
    code, output = verify(yml, table.parent)
    assert code == 0, output
    assert output.startswith("Every rule holds in ")
    assert "(optimum: from " in output and "summary.json" in output
    objective = next(line for line in output.splitlines() if line.startswith("objective ") and "by" not in line)
    assert objective.split()[-1] == "+0"  # the table is the optimum


def test_rule_1_an_embedding_school_without_its_group(edited):
    yml, table, _ = edited()
    n = row_number(table, stage="embedding", status="placed")
    set_row(table, n, work_group="")
    code, output = verify(yml, table)
    assert code == 1
    assert f"allocations.csv:{n}: rule 1: school " in output
    assert "must be placed completely with one specialist and one work group" in output


def test_rule_2_a_specialist_over_capacity(edited):
    yml, table, _ = edited()
    # MS03 takes one development school (capacity 1 in the demo); give them another.
    other = next(r for r in read_csv(table) if r["stage"] == "development" and r["specialist"] not in ("", "MS03"))
    n = row_number(table, urn=other["urn"])
    set_row(table, n, specialist="MS03")
    code, output = verify(yml, table)
    assert code == 1
    assert "rule 2: specialist MS03 (Daniel Dunmore) supports 2 development schools" in output
    assert f":{n}" in output or f"row {n}" in output or f"rows {n}" in output


def test_rule_3_a_group_below_its_minimum_and_one_above_its_maximum(edited, solved_demo):
    yml, table, folder = edited()
    groups = read_csv(folder / "work_groups.csv")
    at_min = next(g for g in groups if g["runs"] == "yes" and int(g["size"]) == int(g["min_schools"]))
    full = next(g for g in groups if g["runs"] == "yes" and int(g["size"]) == int(g["max_schools"]))
    leaver = at_min["schools"].split(";")[0]
    n = row_number(table, urn=leaver)
    set_row(table, n, status="unplaced", specialist="", work_group="", focus="")
    donor = next(
        r
        for r in read_csv(table)
        if r["work_group"] not in ("", full["id"])
        and r["phase"] in (full["phase"], "special", "all-through")
        and r["work_group"] != at_min["id"]
    )
    set_row(table, row_number(table, urn=donor["urn"]), work_group=full["id"])
    code, output = verify(yml, table)
    assert code == 1
    assert (
        f"rule 3: work group {at_min['id']} runs with {int(at_min['size']) - 1} schools, below its min_schools"
        in output
    )
    assert f"rule 3: work group {full['id']} runs with {int(full['size']) + 1} schools, above its max_schools" in output


def test_a_pair_that_is_not_allowed(edited):
    yml, table, _ = edited()
    n = row_number(table, phase="primary", stage="development", status="placed")
    set_row(table, n, specialist="MS01")  # a secondary specialist
    code, output = verify(yml, table)
    assert code == 1
    assert f"allocations.csv:{n}: allowed pair: school " in output
    assert "may not be supported by specialist MS01 (Niamh Brackley): phases do not fit" in output


def test_rule_4_a_pin_that_no_longer_holds(edited):
    yml, table, _ = edited("scenario_pins.yml")
    n = row_number(table, urn="970374")  # pinned to MS05
    set_row(table, n, status="unplaced", specialist="", work_group="", focus="")
    code, output = verify(yml, table)
    assert code == 1
    assert f"allocations.csv:{n}: rule 4: pin 1 (school 970374 (" in output
    assert "does not hold: it is not placed completely" in output


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("urn", "999999", "school 999999 is not in the schools table."),
        ("specialist", "MS99", "specialist MS99 (school {urn}) is not in the specialists table."),
        ("work_group", "WG-NONE", "work group WG-NONE (school {urn}) is not in the work groups table."),
    ],
)
def test_an_unknown_id_counts_as_broken(edited, column, value, words):
    yml, table, _ = edited()
    row = next(r for r in read_csv(table) if r["stage"] == "embedding" and r["status"] == "placed")
    n = row_number(table, urn=row["urn"])
    set_row(table, n, **{column: value})
    code, output = verify(yml, table)
    assert code == 1
    assert f"allocations.csv:{n}: " + words.format(urn=row["urn"]) in output


def test_unreadable_input_is_exit_2(edited, tmp_path):
    yml, table, _ = edited()
    bad = tmp_path / "bad.csv"
    bad.write_text("school,specialist\n100001,MS01\n", encoding="utf-8")
    code, output = verify(yml, bad)
    assert code == 2
    assert "bad.csv:1: urn: required column is missing" in output
    code, output = verify(yml, tmp_path / "missing")
    assert code == 2 and "file or folder not found" in output


def test_the_api_verifies_an_outcome_and_a_hand_edited_frame(solved_demo):
    demo, folder = solved_demo["scenario.yml"]
    scenario = allocator.load_scenario(demo.yml)
    outcome = allocator.Outcome.read(folder)
    # The folder's table against a solve of the scenario: every rule holds, and its
    # objective is the optimum's (both proven optimal).
    checked = allocator.verify(scenario, folder)
    assert checked.ok and checked.objective == outcome.objective
    assert checked.comparison.loc["objective", "difference"] == 0
    frame = outcome.allocations.copy()
    n = frame.index[(frame["stage"] == "embedding") & (frame["status"] == "placed")][0]
    frame.loc[n, "work_group"] = ""
    broken = allocator.verify(scenario, frame, optimum=outcome)
    assert not broken.ok
    assert str(broken.violations[0]).startswith(f"allocations:{n + 2}: rule 1: ")
    assert broken.optimum == outcome.objective and broken.objective < outcome.objective


def test_the_api_solves_a_rerun_from_an_outcome(solved_demo):
    demo, folder = solved_demo["scenario.yml"]
    scenario = allocator.load_scenario(demo.yml)
    first = allocator.Outcome.read(folder)
    busy = first.allocations["specialist"].replace("", None).value_counts().index[0]
    rerun = scenario.without_specialists(busy).solve(previous=first, time_limit_s=20, recommendations=False)
    assert rerun.status == "OPTIMAL"
    had = set(first.allocations.loc[first.allocations["specialist"] == busy, "urn"])
    # Schools that did not have the specialist move only to make room for one that did
    # (a higher priority school, worth more than keep).
    for change in rerun.changes.to_dict("records"):
        assert change["urn"] in had or "to make room with" in change["reason"], change
    assert rerun.terms["keep"] == 300 * rerun.summary_json["since_previous"]["kept"]
    assert "changes" in rerun.tables
    # With a keep worth more than anything else, only the specialist's schools change.
    strict = scenario.with_weights(keep=100_000).without_specialists(busy)
    assert set(strict.solve(previous=first, time_limit_s=20, recommendations=False).changes["urn"]) == had
