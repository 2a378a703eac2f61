"""The analysts' Python API (allocator.analysis.api and the names `import allocator` offers)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

import allocator
from allocator.analysis.api import Outcome, Scenario, allocate, fewest_specialists, load_scenario
from allocator.inputs.issues import InputError
from tests.builders import group, problem, school, specialist
from tests.conftest import REPO_DIR

# The README's example, run as written from the repository root.
README_SNIPPET = """
import allocator

demo = allocator.load_scenario("scenarios/demo/scenario.yml", locations="sector")
print(demo.check())                              # what `allocate check` prints

# A variant, in memory: the files are not touched.
what_if = (
    demo.with_rules(max_travel_km=40, available_cohorts=[1, 2, 3, 4, 5])
    .with_weights(travel_per_km=2)
    .without_specialists("MS05")
)
before, after = demo.solve(time_limit_s=20), what_if.solve(time_limit_s=20)
print(after.status, after.objective)
print(after.terms)                               # the objective by term
print(after.by_stage)                            # applied / placed / unplaced
print(after.allocations.query("status == 'unplaced'")[["urn", "name", "reason"]])

comparison = allocator.compare_runs(before, after)
print(comparison.moved[["urn", "name", "change", "specialist_a", "specialist_b"]])

# Every combination; on more than 8 cores several solves run at once in worker
# processes (in a script, then call it under `if __name__ == "__main__":`).
table = allocator.run_sweep(demo, {"weights.travel_per_km": [0, 1, 5],
                                   "rules.max_travel_km": [40, 60]}, time_limit_s=20)
print(table[["weights.travel_per_km", "rules.max_travel_km", "placed", "total_km"]])
"""


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory):
    from tests.conftest import copy_demo

    return copy_demo(tmp_path_factory.mktemp("api") / "demo")


@pytest.fixture(scope="module")
def scenario(demo_copy) -> Scenario:
    return load_scenario(demo_copy.yml)


@pytest.fixture(scope="module")
def outcome(scenario) -> Outcome:
    return allocate(scenario, time_limit_s=20)


def test_public_names_resolve_lazily():
    for name in allocator.__all__:
        assert getattr(allocator, name) is not None
    assert allocator.allocate is allocate
    with pytest.raises(AttributeError):
        allocator.no_such_name  # noqa: B018
    # `import allocator` stays light: the solver is loaded only when used.
    code = "import sys, allocator; print('ortools' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_scenario_frames_name_every_column_even_when_empty():
    # The columns are the frames' contract: the same names, in this order, with or
    # without rows (an empty frame from a problem with no schools still has them).
    schools = ["urn", "name", "hub", "phase", "stage", "postcode", "latitude", "longitude", "location_source"]
    schools += ["focus_choices", "previous_specialist", "priority", "trust"]
    specialists = ["id", "name", "hub", "phase", "cohort", "available", "capacity", "embedding_capacity"]
    specialists += ["max_groups", "max_travel_km", "school_urn", "postcode", "latitude", "longitude", "trust"]
    groups = ["id", "hub", "phase", "focus", "fixed_lead", "min_schools", "max_schools", "venue_postcode"]
    groups += ["latitude", "longitude"]
    one_of_each = problem([school("100001", focus_choices=("B", "A"))], [specialist("MS1")], [group("G1")])
    tiny = Scenario.from_problem(one_of_each)
    empty = Scenario.from_problem(problem([], [], []))
    for scenario in (tiny, empty):
        assert list(scenario.schools.columns) == schools
        assert list(scenario.specialists.columns) == specialists
        assert list(scenario.work_groups.columns) == groups
    assert len(empty.schools) == len(empty.specialists) == len(empty.work_groups) == 0
    row = tiny.schools.iloc[0]
    assert (row["focus_choices"], row["previous_specialist"], row["trust"]) == ("B;A", "", "")
    assert tiny.work_groups.iloc[0]["fixed_lead"] == ""  # no fixed lead: blank, not None


def test_load_scenario_tables(scenario):
    assert scenario.name.startswith("Weald and Downs")
    assert scenario.locations_level == "sector"
    assert len(scenario.schools) == 64 and len(scenario.specialists) == 25
    assert len(scenario.work_groups) == 7
    assert not any("advocate" in c for c in scenario.schools.columns)  # personal data stays out
    assert scenario.schools["urn"].map(type).eq(str).all()
    assert scenario.specialists.set_index("id").loc["MS08", "available"] == False  # noqa: E712
    assert scenario.work_groups.set_index("id").loc["WD-P-1", "fixed_lead"] == "MS13"
    text = scenario.check()
    assert "Supply and demand" in text and "Specialists: 25 (19 available)" in text
    supply = scenario.supply()
    assert {"hub", "phase", "demand", "supply", "short"} <= set(supply.columns)
    assert (supply["short"] > 0).any()  # the demo is short of places somewhere


def test_bad_input_raises_input_error(tmp_path):
    (tmp_path / "scenario.yml").write_text("name: x\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(tmp_path / "scenario.yml")
    assert any("year" in str(issue) for issue in info.value.issues)


def test_outcome_tables_and_figures(outcome):
    assert outcome.status == "OPTIMAL" and outcome.has_allocation
    tables = ["allocations", "specialists", "work_groups", "recommendations", "calendar", "letters"]
    assert list(outcome.tables) == tables
    assert isinstance(outcome.allocations, pd.DataFrame) and len(outcome.allocations) == 64
    terms = outcome.terms
    assert list(terms.index) == [
        "place",
        "priority",
        "travel",
        "focus",
        "continuity",
        "lead_travel",
        "lone_department",
        "objective",
    ]
    assert terms.drop("objective").sum() == terms["objective"] == outcome.objective
    assert terms["place"] == 1000 * int(outcome.by_stage["placed"].sum())
    by_stage = outcome.by_stage
    assert list(by_stage.index) == ["development", "embedding", "sustaining"]
    assert (by_stage["applied"] == by_stage["placed"] + by_stage["unplaced"]).all()
    figures = outcome.key_figures()
    assert figures["placed"] == sum(figures[f"placed_{s}"] for s in by_stage.index)
    placed = outcome.allocations[outcome.allocations["status"] == "placed"]
    trips = (placed["km_to_specialist"] != "").sum() + (placed["km_to_venue"] != "").sum()
    assert figures["trips"] == trips
    assert figures["mean_km"] == pytest.approx(figures["total_km"] / trips, abs=0.051)
    ranked = placed["focus_rank"][placed["focus_rank"] != ""]
    assert sum(figures[f"focus_rank_{r}"] for r in range(1, 5)) == len(ranked)
    assert figures["term_travel"] == terms["travel"]
    summary = outcome.summary
    assert summary.loc["objective", "value"] == outcome.objective
    assert summary.index.name == "figure"


def test_trips_have_both_ends(outcome, scenario):
    trips = outcome.trips()
    assert len(trips) == outcome.key_figures()["trips"]
    assert set(trips["to"]) == {"specialist", "work_group"}
    venues = scenario.work_groups.set_index("id")
    row = trips[trips["to"] == "work_group"].iloc[0]
    assert row["latitude"] == venues.loc[row["id"], "latitude"]


def test_write_and_read_back(outcome, tmp_path):
    written = outcome.write(tmp_path / "out")
    assert {p.name for p in written} >= {"allocations.csv", "summary.json"}
    back = Outcome.read(tmp_path / "out")
    assert back.label == "out" and back.status == outcome.status
    assert back.objective == outcome.objective
    assert back.key_figures(4) == outcome.key_figures()
    pd.testing.assert_series_equal(back.terms, outcome.terms)
    with pytest.raises(FileNotFoundError, match="no summary.json"):
        Outcome.read(tmp_path)


def test_variant_summary_names_its_changes(scenario):
    variant = scenario.with_rules(max_travel_km=40).without_specialists("MS05")
    result = variant.solve(time_limit_s=20, workers=2, seed=3, recommendations=False)
    summary = result.summary_json
    assert summary["changes"] == ["rules.max_travel_km = 40", "without specialist MS05"]
    assert summary["scenario_sha256"] == ""
    assert summary["variant_of_sha256"] == scenario.problem.scenario_sha256 != ""
    assert summary["workers"] == 2 and summary["seed"] == 3
    assert "MS05" not in set(result.specialists["id"])
    json.dumps(summary)  # still writable as summary.json


def test_no_allocation_is_a_status():
    # The only specialist is 30 km away but the school is pinned to them with a 20 km limit.
    tiny = problem([school("100001", km=0)], [specialist("S1", km=30)], max_travel_km=20, pins=[("100001", "S1")])
    result = allocate(tiny, time_limit_s=5)
    assert result.status == "INFEASIBLE" and not result.has_allocation
    assert result.conflicts
    assert result.allocations.empty
    figures = result.key_figures()
    assert figures["status"] == "INFEASIBLE" and figures["placed"] is None
    with pytest.raises(ValueError, match="no allocation to write"):
        result.write("unused")


def test_fewest_specialists_on_a_tiny_hub():
    # Four development schools; three specialists of capacity 2 within reach, so two
    # suffice. A sustaining group needs a lead: S4 only may lead it (foci), so S4 stays.
    tiny = problem(
        [school(f"10000{n}", km=n) for n in range(1, 5)] + [school("100005", "sustaining", km=1, focus_choices=("A",))],
        [
            specialist("S1", km=1),
            specialist("S2", km=2),
            specialist("S3", km=3),
            specialist("S4", km=9, capacity=0, lead_foci=frozenset({"A"})),
        ],
        [group("G1", km=1, focus="A")],
    )
    for s in tiny.specialists[:3]:
        assert s.lead_foci is None
    # Only S4 may lead G1 when the others may lead no group.
    from dataclasses import replace

    tiny = replace(tiny, specialists=tuple(replace(s, can_lead=False) if s.id != "S4" else s for s in tiny.specialists))
    table = fewest_specialists(Scenario.from_problem(tiny), time_limit_s=5)
    row = table.iloc[0]
    assert row["schools"] == 5 and row["placeable"] == 5 and row["available"] == 4
    assert row["needed"] == 3
    kept = row["kept"].split(";")
    assert "S4" in kept and len(kept) == 3
    assert row["proven"]


def test_readme_snippet_runs(monkeypatch, capsys):
    monkeypatch.chdir(REPO_DIR)
    exec(compile(textwrap.dedent(README_SNIPPET), "README", "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out
    assert "OPTIMAL" in out and "Supply and demand" in out


def test_explain_seconds_bounds_the_recommendations_as_the_command_line_does(scenario):
    # With no time for them, every unplaced school says "Not analysed" (the budget is
    # spent before the first school starts); with the default, every one is analysed.
    none = scenario.solve(time_limit_s=20, explain_seconds=0.0)
    table = none.tables["recommendations"]
    assert len(table) > 0 and set(table["kind"]) == {"not_analysed"}
    assert none.summary_json["recommendations"]["budget_seconds"] == 0.0
    full = scenario.solve(time_limit_s=20)
    assert "not_analysed" not in set(full.tables["recommendations"]["kind"])
    assert full.summary_json["recommendations"]["budget_seconds"] == 300.0
