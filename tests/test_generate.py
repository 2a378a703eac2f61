"""`allocate generate`: valid, reproducible, realistic scenarios of each kind (issue 7)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from allocator.analysis.generate import generate, generate_command
from allocator.inputs.load import load
from tests.conftest import REPO_DIR, run_check

# Small sizes: a hub of ~20 schools, five hubs of ~10, forty hubs of ~5.
SMALL = {"hub": 0.3, "region": 0.1, "national": 0.05}
FILES = ("scenario.yml", "schools.csv", "specialists.csv", "work_groups.csv")
POSITIONS = REPO_DIR.parent / "shared" / "data" / "england_state_secondary_2018_with_coords.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("tight", [False, True], ids=["normal", "tight"])
@pytest.mark.parametrize("kind", ["hub", "region", "national"])
def test_each_kind_passes_allocate_check(tmp_path, kind, tight):
    made = generate(kind, tmp_path, seed=1, tight=tight, scale=SMALL[kind])
    result = run_check(made.scenario)
    assert result.exit_code == 0, result.output
    assert "OK: the scenario is valid." in result.output
    problem = load(made.scenario).problem
    assert problem.num_schools == made.num_schools
    assert problem.num_specialists == made.num_specialists
    assert problem.num_groups == made.num_groups
    # Coordinates are given on every row: no postcode is looked up.
    assert {s.location.source for s in problem.schools} == {"given"}
    assert {p.location.source for p in problem.specialists} == {"given"}
    hubs = {s.hub for s in problem.schools}
    assert len(hubs) == made.num_hubs == {"hub": 1, "region": 5, "national": 40}[kind]
    assert problem.rules.allow_cross_hub is (kind == "region")


def test_national_sizes_at_full_scale_are_as_the_issue_asks(tmp_path):
    made = generate("national", tmp_path, seed=1)
    assert made.num_hubs == 40
    assert 3_800 <= made.num_schools <= 4_200
    assert 1_100 <= made.num_specialists <= 1_300
    assert 200 <= made.num_groups <= 300


def test_hub_has_60_to_100_schools(tmp_path):
    for seed in (1, 2):
        made = generate("hub", tmp_path / str(seed), seed=seed)
        assert 60 <= made.num_schools <= 100


def test_same_seed_same_bytes_other_seed_other_scenario(tmp_path):
    a = generate("region", tmp_path / "a", seed=2, scale=0.1)
    b = generate("region", tmp_path / "b", seed=2, scale=0.1)
    c = generate("region", tmp_path / "c", seed=1, scale=0.1)
    for name in FILES:
        assert (a.scenario.parent / name).read_bytes() == (b.scenario.parent / name).read_bytes()
    assert (a.scenario.parent / "schools.csv").read_bytes() != (c.scenario.parent / "schools.csv").read_bytes()


def _demand_supply(problem) -> dict[str, tuple[int, int]]:
    """Schools against places, over the whole scenario."""
    stages = Counter(s.stage for s in problem.schools)
    available = [p for p in problem.specialists if p.available]
    return {
        "development": (stages["development"], sum(p.capacity for p in available)),
        "group seats": (
            stages["embedding"] + stages["sustaining"],
            sum(g.max_schools for g in problem.work_groups),
        ),
    }


def test_tight_has_demand_above_supply_and_the_same_schools(tmp_path):
    normal = generate("region", tmp_path / "normal", seed=1, scale=0.4)
    tight = generate("region", tmp_path / "tight", seed=1, scale=0.4, tight=True)
    counts_normal = _demand_supply(load(normal.scenario).problem)
    counts_tight = _demand_supply(load(tight.scenario).problem)
    for what in ("development", "group seats"):
        demand, supply = counts_tight[what]
        assert demand > supply, what
        demand, supply = counts_normal[what]
        assert demand <= supply, what
    # The same applications; only the supply differs.
    keep = ("urn", "phase", "stage", "latitude", "longitude", "focus_choices")
    schools = [{k: r[k] for k in keep} for r in _rows(normal.scenario.parent / "schools.csv")]
    assert schools == [{k: r[k] for k in keep} for r in _rows(tight.scenario.parent / "schools.csv")]


def test_rows_look_like_a_hub_leads_files(tmp_path):
    made = generate("hub", tmp_path, seed=1)
    schools = _rows(tmp_path / "schools.csv")
    specialists = _rows(tmp_path / "specialists.csv")
    groups = _rows(tmp_path / "work_groups.csv")
    assert all(r["urn"].startswith("9") and len(r["urn"]) == 6 for r in schools)
    assert len({r["urn"] for r in schools}) == len(schools)
    stages = Counter(r["stage"] for r in schools)
    assert set(stages) == {"development", "embedding", "sustaining"}
    assert Counter(r["phase"] for r in schools)["primary"] > len(schools) / 3
    # Secondary sustaining schools rank foci; embedding schools mostly name last year's specialist.
    assert all(r["focus_choices"] for r in schools if r["phase"] == "secondary" and r["stage"] == "sustaining")
    ids = {r["id"] for r in specialists}
    named = [r["previous_specialist"] for r in schools if r["stage"] == "embedding"]
    assert sum(1 for x in named if x in ids) >= len(named) / 2
    # Some specialists are still training (a cohort that is not available).
    assert any(int(r["cohort"]) > 7 for r in specialists) or made.num_specialists < 10
    assert all(r["email"].endswith("@example.org") for r in ({"email": r["advocate_1_email"]} for r in schools))
    assert {r["phase"] for r in groups} >= {"primary", "secondary"}


def test_positions_file_places_secondary_schools_there(tmp_path):
    # Six made-up points around Leeds and Bristol (not real schools).
    points = [(53.80, -1.55), (53.82, -1.50), (53.78, -1.60), (51.45, -2.58), (51.47, -2.55), (51.43, -2.60)]
    positions = tmp_path / "positions.csv"
    positions.write_text(
        "Name,LAT,Lon,postcode\n" + "".join(f"x{n},{lat},{lon},\n" for n, (lat, lon) in enumerate(points)),
        encoding="utf-8",
    )
    made = generate("national", tmp_path / "out", seed=1, scale=0.1, positions=positions)
    assert run_check(made.scenario).exit_code == 0
    rows = _rows(tmp_path / "out" / "schools.csv") + _rows(tmp_path / "out" / "specialists.csv")
    used = {(float(r["latitude"]), float(r["longitude"])) for r in rows}
    assert used & set(points)


@pytest.mark.skipif(not POSITIONS.exists(), reason="reference data folder is absent")
def test_real_secondary_positions_from_the_reference_data(tmp_path):
    made = generate("hub", tmp_path, seed=1, positions=POSITIONS)
    assert run_check(made.scenario).exit_code == 0
    with POSITIONS.open(newline="", encoding="utf-8") as handle:
        real = {(float(r["lat"]), float(r["lon"])) for r in csv.DictReader(handle) if r["lat"]}
    secondary = [r for r in _rows(tmp_path / "schools.csv") if r["phase"] == "secondary"]
    assert any((float(r["latitude"]), float(r["longitude"])) in real for r in secondary)


def test_command_writes_the_files_and_reports_counts(tmp_path):
    result = CliRunner().invoke(
        generate_command, ["hub", "--seed", "3", str(tmp_path / "s"), "--tight", "--scale", "0.3"]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output and "schools" in result.output
    for name in FILES:
        assert (tmp_path / "s" / name).exists()


def test_command_rejects_a_positions_file_without_coordinates(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,postcode\nx,NW3 2BQ\n", encoding="utf-8")
    result = CliRunner().invoke(generate_command, ["hub", str(tmp_path / "s"), "--positions", str(bad)])
    assert result.exit_code == 2
    assert "lat" in result.output
