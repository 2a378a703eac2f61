"""Start-up pays only for what the run uses (issue 10, item 7).

Each test runs `allocate` in a fresh interpreter, in-process through `main`, and reads
`sys.modules` when it is done: a CSV-only run imports no workbook, HTML, notebook or
online-geocoding code, and pyproj only when a table has easting/northing. The time this
saves is measured in benchmarks/startup.py, not asserted here.
"""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

from geopy.distance import great_circle

from allocator.check import EARTH_RADIUS_KM, km_between
from allocator.problem.data import Location

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]

# Runs `allocate ARGS...` as the console script does, then writes the imported modules.
RUN_AND_LIST = """
import json, sys
from allocator.cli.main import main
out, args = sys.argv[1], sys.argv[2:]
try:
    main.main(args=args, prog_name="allocate")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
with open(out, "w") as handle:
    json.dump({"code": code, "modules": sorted(sys.modules)}, handle)
"""

NEVER_IN_A_CSV_RUN = (
    "openpyxl",  # workbook reading and writing
    "allocator.report.workbook",
    "allocator.report.html",
    "matplotlib",  # notebooks
    "IPython",
    "nbformat",
    "geopy",  # its package imports every online geocoder
    "geopy.geocoders",
    "allocator.analysis.api",
    "allocator.analysis.sweep",
    "allocator.analysis.generate",
)


def modules_of_run(tmp_path: Path, *args: str) -> set[str]:
    listing = tmp_path / "modules.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST, str(listing), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(listing.read_text())
    assert result["code"] == 0, done.stdout + done.stderr
    return set(result["modules"])


def test_a_csv_run_with_coordinates_imports_no_workbook_html_notebook_geocoder_or_pyproj(tmp_path: Path) -> None:
    modules = modules_of_run(tmp_path, str(DATA / "located_by_latlon" / "scenario.yml"), "--out", str(tmp_path / "out"))
    assert (tmp_path / "out" / "allocations.csv").exists()  # the run did write its tables
    assert "allocator.check" in modules  # and was checked
    assert sorted(m for m in NEVER_IN_A_CSV_RUN if m in modules) == []
    assert "pyproj" not in modules


def test_a_table_with_easting_northing_imports_pyproj(tmp_path: Path) -> None:
    modules = modules_of_run(tmp_path, str(DATA / "located_by_grid" / "scenario.yml"), "--out", str(tmp_path / "out"))
    assert "pyproj" in modules
    assert sorted(m for m in NEVER_IN_A_CSV_RUN if m in modules) == []


def test_asking_for_html_and_xlsx_imports_them(tmp_path: Path) -> None:
    # The other side of laziness: the formats still load when a run asks for them.
    scenario = str(DATA / "located_by_latlon" / "scenario.yml")
    modules = modules_of_run(tmp_path, scenario, "--out", str(tmp_path / "out"), "--format", "csv,xlsx,html")
    assert {"allocator.report.html", "allocator.report.workbook", "openpyxl"} <= modules
    assert (tmp_path / "out" / "report.html").exists()


def test_the_checkers_own_great_circle_equals_geopys() -> None:
    # The checker computes great-circle km itself (geopy's import pulls in its geocoders);
    # it must agree with geopy's great_circle exactly, not nearly, across Great Britain.
    rng = random.Random(10)
    for _ in range(2000):
        a = Location(rng.uniform(49.8, 60.9), rng.uniform(-8.2, 1.8), "given")
        b = Location(rng.uniform(49.8, 60.9), rng.uniform(-8.2, 1.8), "given")
        expected = great_circle((a.lat, a.lon), (b.lat, b.lon), radius=EARTH_RADIUS_KM).km
        assert km_between(a, b) == expected
    # One by hand: a quarter of a meridian is a quarter of the circumference.
    equator, pole = Location(0.0, 0.0, "given"), Location(90.0, 0.0, "given")
    assert math.isclose(km_between(equator, pole), EARTH_RADIUS_KM * math.pi / 2)


def test_the_startup_benchmark_runs_and_prints_its_ratios(tmp_path: Path) -> None:
    # benchmarks/startup.py end to end, one round, on a tiny generated hub; no timing asserted.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "startup.py"), "--repeat", "1", "--seed", "3"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "scenario: allocate generate hub --seed 3 (61 schools" in done.stdout
    assert "ratio of medians to bare imports: allocate " in done.stdout
