"""Doubtful applications: `allocate check` warnings naming file and row."""

from __future__ import annotations

from pathlib import Path

from allocator.inputs.doubts import loose_hub, nearly
from allocator.inputs.load import load
from tests.conftest import ScenarioCopy, run_check
from tests.intake_builders import HUB, tiny_scenario

KENT = "Kent & Medway Maths Hub"
SUFFOLK = "Suffolk and Norfolk Maths Hub"
SPECIALISTS = [
    ["MS01", "Ada Example", KENT, "secondary", 1, "ME16 8AH", ""],
    ["MS02", "Ben Example", SUFFOLK, "secondary", 1, "IP31 3LZ", ""],
]


def warnings(yml: Path) -> list[str]:
    return [str(w) for w in load(yml).warnings]


def test_school_far_from_its_hub_names_the_nearest_hub(tmp_path: Path) -> None:
    yml = tiny_scenario(
        tmp_path,
        [
            ["140001", "Ixworth Example", KENT, "secondary", "development", "IP31 3LZ"],  # Suffolk, filed under Kent
            ["140002", "Élan Academy", KENT, "secondary", "development", "TN13 3LE"],  # 20-odd km from MS01: fine
        ],
        specialists=SPECIALISTS,
    )
    found = [w for w in warnings(yml) if ": hub: " in w]
    assert len(found) == 1
    assert (
        found[0].startswith("schools.csv:2: hub: Ixworth Example (140001, IP31 3LZ) is ")
        or ":2: hub: Ixworth" in found[0]
    )
    assert "beyond the 80 km travel limit" in found[0]
    assert f"the nearest hub by its specialists is {SUFFOLK} (0.0 km)" in found[0]  # MS02 is at the same sector


def test_the_demo_suffolk_school_is_doubted(demo: ScenarioCopy) -> None:
    row = demo.row_of("schools", "postcode", "IP31 3LZ")
    result = demo.check()
    assert result.exit_code == 0
    assert f"schools.csv:{row}: hub: " in result.output and "beyond the 60 km travel limit" in result.output


def test_hub_cell_nearly_matching_a_specialists_hub(tmp_path: Path) -> None:
    yml = tiny_scenario(
        tmp_path,
        [
            ["140001", "Élan Academy", "Kent and Medway Maths Hub", "secondary", "development", "TN13 3LE"],
            ["140002", "Brookside", "Kent & Medway Maths Hub", "secondary", "development", "DA3 7PH"],  # exact: fine
            ["140003", "Old Mill", "Essex Maths Hub", "secondary", "development", "ME5 0LP"],  # no near match
        ],
        specialists=SPECIALISTS,
    )
    found = [w for w in warnings(yml) if "nearly matches" in w]
    assert len(found) == 1 and found[0].endswith(
        "schools.csv:2: hub: 'Kent and Medway Maths Hub' matches no hub in the specialists table but nearly "
        "matches 'Kent & Medway Maths Hub': write it the same way, or it can be placed only across hubs"
    )


def test_loose_hub_names() -> None:
    known = {"kent & medway maths hub": KENT, "glow maths hub": "GLOW Maths Hub"}
    assert loose_hub("Kent and Medway Maths Hub") == loose_hub(KENT) == "kent and medway"
    assert nearly("Kent & Medway Hub", known) == KENT
    assert nearly("GLOW Maths Hubb", known) == "GLOW Maths Hub"  # a typo
    assert nearly("Essex Maths Hub", known) is None


def test_postcode_of_valid_format_but_unknown(tmp_path: Path) -> None:
    # ME16 5AB is a well-formed postcode whose sector ME16 5 is not in the tables: district centroid.
    yml = tiny_scenario(
        tmp_path,
        [
            ["140001", "Élan Academy", HUB, "secondary", "development", "ME16 5AB"],
            ["140002", "Brookside", HUB, "secondary", "development", "ME16 8AH"],
        ],
    )
    found = [w for w in warnings(yml) if "postcode" in w]
    assert len(found) == 1 and found[0].endswith(
        "schools.csv:2: postcode: postcode ME16 5AB is not in the postcode sector table: located at its "
        "postcode district's centroid; check it"
    )
    assert load(yml).problem.schools[0].location.source == "district"


def test_embedding_school_without_previous_specialist(tmp_path: Path) -> None:
    yml = tiny_scenario(tmp_path, [["140001", "Élan Academy", HUB, "secondary", "embedding", "TN13 3LE"]])
    (tmp_path / "work_groups.csv").write_text(f"id,hub,phase,venue_postcode\nWG1,{HUB},secondary,TN13 3SL\n")
    yml.write_text(yml.read_text(encoding="utf-8") + "work_groups: work_groups.csv\n", encoding="utf-8")
    result = run_check(yml)
    assert result.exit_code == 0, result.output
    assert "schools.csv:2: embedding school 140001 has no previous_specialist (no continuity)" in result.output


def test_work_group_hub_nearly_matching(tmp_path: Path) -> None:
    yml = tiny_scenario(
        tmp_path, [["140001", "Élan Academy", KENT, "secondary", "sustaining", "TN13 3LE"]], specialists=SPECIALISTS
    )
    (tmp_path / "schools.csv").write_text(
        "urn,name,hub,phase,stage,postcode,focus_choices\n"
        f"140001,Élan Academy,{KENT},secondary,sustaining,TN13 3LE,A\n",
        encoding="utf-8",
    )
    (tmp_path / "work_groups.csv").write_text(
        "id,hub,phase,focus,venue_postcode\nWG1,kent and medway,secondary,A,TN13 3SL\n", encoding="utf-8"
    )
    yml.write_text(yml.read_text(encoding="utf-8") + "work_groups: work_groups.csv\n", encoding="utf-8")
    found = [w for w in warnings(yml) if "nearly matches" in w]
    assert len(found) == 1 and "work_groups.csv:2: hub: 'kent and medway' matches no hub" in found[0]
