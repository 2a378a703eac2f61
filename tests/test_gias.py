"""The DfE register (`gias:`): blanks filled by URN, doubtful establishments reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocator.inputs.issues import InputError
from allocator.inputs.load import load
from allocator.intake.gias import read_register
from tests.conftest import run_check
from tests.intake_builders import HUB, gias_row, tiny_scenario, write_gias


def _register(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_gias(
        folder / "edubasealldata.csv",
        [
            gias_row(
                "140001",
                "Élan Academy",
                "TN13 3LE",
                **{"Trusts (name)": "Greensand Trust", "Easting": "552379", "Northing": "156501"},
            ),
            gias_row(
                "140002",
                "Brookside Special School",
                "DA3 7PH",
                **{
                    "TypeOfEstablishment (name)": "Community special school",
                    "PhaseOfEducation (name)": "Not applicable",
                },
            ),
            gias_row("140003", "Old Mill School", "ME5 0LP", **{"EstablishmentStatus (name)": "Closed"}),
            gias_row(
                "140004", "Hall Place School", "ME16 0TJ", **{"TypeOfEstablishment (name)": "Other independent school"}
            ),
            gias_row("140005", "Ysgol Example", "CF10 1AA", **{"TypeOfEstablishment (name)": "Welsh establishment"}),
            gias_row(
                "140006",
                "Quarry Hill School",
                "ME16 8AH",
                **{
                    "Trusts (name)": "Quarry Trust",
                    "PhaseOfEducation (name)": "Primary",
                    "Easting": "574000",
                    "Northing": "155500",
                },
            ),
        ],
    )


def test_blank_cells_come_from_the_register(tmp_path: Path) -> None:
    _register(tmp_path)
    yml = tiny_scenario(
        tmp_path,
        [
            ["140001", "", HUB, "", "development", ""],  # name, phase, postcode, trust, grid from GIAS
            ["140002", "Brookside", HUB, "", "development", "DA3 7PH"],  # special by type
        ],
        specialists=[["MS01", "Ada Example", HUB, "secondary", 1, "", "140006"]],
        extra_yaml="gias: edubasealldata.csv\n",
    )
    loaded = load(yml)
    first, second = loaded.problem.schools
    assert (first.name, first.phase, first.postcode, first.trust) == (
        "Élan Academy",  # Windows-1252 é read as é
        "secondary",
        "TN13 3LE",
        "Greensand Trust",
    )
    assert first.location.source == "grid"  # the register's easting/northing: postcode was blank
    assert (second.name, second.phase) == ("Brookside", "special")  # a written name is kept
    specialist = loaded.problem.specialists[0]
    # The specialist's school is primary, but GIAS never sets a specialist's phase.
    assert (specialist.phase, specialist.postcode, specialist.trust) == ("secondary", "ME16 8AH", "Quarry Trust")
    assert specialist.location.source == "grid"
    assert loaded.warnings == []


def test_register_position_only_for_the_same_postcode(tmp_path: Path) -> None:
    _register(tmp_path)
    yml = tiny_scenario(
        tmp_path,
        [["140001", "Élan", HUB, "secondary", "development", "ME5 0LP"]],  # not the register's TN13 3LE
        extra_yaml="gias: edubasealldata.csv\n",
    )
    school = load(yml).problem.schools[0]
    assert school.postcode == "ME5 0LP" and school.location.source == "sector"
    assert school.trust == "Greensand Trust"  # other blanks still filled


def test_doubtful_establishments_are_warnings(tmp_path: Path) -> None:
    _register(tmp_path)
    yml = tiny_scenario(
        tmp_path,
        [
            ["140003", "Old Mill", HUB, "secondary", "development", "ME5 0LP"],
            ["140004", "Hall Place", HUB, "secondary", "development", "ME16 0TJ"],
            ["140005", "Ysgol", HUB, "secondary", "development", "TN13 3LE"],
            ["149999", "Newly Opened", HUB, "secondary", "development", "DA3 7PH"],
        ],
        extra_yaml="gias: edubasealldata.csv\n",
    )
    warnings = [str(w) for w in load(yml).warnings]
    assert any(":2: urn: URN 140003 is closed in the register" in w for w in warnings)
    assert any(":3: urn: URN 140004 is an independent school" in w for w in warnings)
    assert any(":4: urn: URN 140005 is outside England" in w for w in warnings)
    assert any(":5: urn: URN 149999 is not in the register" in w for w in warnings)
    result = run_check(yml)
    assert result.exit_code == 0, result.output
    assert "140003 is closed" in result.output


def test_unfillable_blank_is_still_an_error(tmp_path: Path) -> None:
    _register(tmp_path)
    yml = tiny_scenario(
        tmp_path,
        [["149999", "Newly Opened", HUB, "", "development", "DA3 7PH"]],
        extra_yaml="gias: edubasealldata.csv\n",
    )
    result = run_check(yml)
    assert result.exit_code == 2
    assert "schools.csv:2: phase: is required but blank" in result.output


def test_missing_register_and_missing_column(tmp_path: Path) -> None:
    yml = tiny_scenario(
        tmp_path, [["140001", "Élan", HUB, "secondary", "development", "TN13 3LE"]], extra_yaml="gias: nowhere.csv\n"
    )
    result = run_check(yml)
    assert result.exit_code == 2
    assert "scenario.yml:6: gias: 'nowhere.csv' file not found" in result.output
    (tmp_path / "nowhere.csv").write_text("URN,EstablishmentName\n140001,Élan\n", encoding="utf-8")
    result = run_check(yml)
    assert result.exit_code == 2
    assert "nowhere.csv:1: Postcode: required column is missing" in result.output


def test_register_reads_only_the_urns_asked_for(tmp_path: Path) -> None:
    path = _register(tmp_path)
    found = read_register(path, "reg.csv", ["140002", "140005", "999999"])
    assert sorted(found) == ["140002", "140005"]
    assert found["140002"].programme_phase == "special"
    assert found["140005"].outside_england


def test_register_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a regular file"):
        read_register(tmp_path, "reg", ["140001"])


def test_register_changes_the_scenario_hash(tmp_path: Path) -> None:
    path = _register(tmp_path)
    yml = tiny_scenario(
        tmp_path,
        [["140001", "Élan", HUB, "secondary", "development", "TN13 3LE"]],
        extra_yaml="gias: edubasealldata.csv\n",
    )
    before = load(yml).problem.scenario_sha256
    path.write_bytes(path.read_bytes() + b'"140099","x"\r\n')
    assert load(yml).problem.scenario_sha256 != before


def test_scenario_hub_fills_blank_hub_cells(tmp_path: Path) -> None:
    yml = tiny_scenario(
        tmp_path,
        [["140001", "Élan", "secondary", "development", "TN13 3LE"]],
        school_header=["urn", "name", "phase", "stage", "postcode"],  # no hub column at all
        specialists=[["MS01", "Ada Example", "", "secondary", 1, "ME16 8AH", ""]],  # a blank hub cell
        extra_yaml=f"hub: {HUB}\n",
    )
    loaded = load(yml)
    assert loaded.problem.schools[0].hub == HUB and loaded.problem.specialists[0].hub == HUB
    result = run_check(yml)
    assert result.exit_code == 0, result.output
