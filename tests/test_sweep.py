"""Sweeps (allocator.analysis.sweep): the grid, the jobs/workers plan, executors, the table, the CLI."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from click.testing import CliRunner

from allocator.analysis.api import load_scenario
from allocator.analysis.sweep import grid, pareto_front, plan_parallelism, run_sweep, sweep_command
from allocator.problem.variants import VariantError


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory):
    from tests.conftest import copy_demo

    return copy_demo(tmp_path_factory.mktemp("sweep") / "demo")


@pytest.fixture(scope="module")
def scenario(demo_copy):
    return load_scenario(demo_copy.yml)


def test_grid_varies_the_last_setting_fastest():
    assert grid({"a": [1, 2], "b": ["x", "y", "z"]}) == [
        {"a": 1, "b": "x"},
        {"a": 1, "b": "y"},
        {"a": 1, "b": "z"},
        {"a": 2, "b": "x"},
        {"a": 2, "b": "y"},
        {"a": 2, "b": "z"},
    ]
    with pytest.raises(VariantError, match="lists no values"):
        grid({"a": []})
    with pytest.raises(VariantError, match="give a list"):
        grid({"a": "12"})


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((12, None, None, 2), {}, (1, 8)),  # 2 cores: one solve at a time, full portfolio
        ((12, None, None, 16), {}, (2, 8)),
        ((12, None, None, 64), {}, (8, 8)),
        ((3, None, None, 64), {}, (3, 21)),  # never more jobs than variants
        ((12, 2, None, 2), {}, (2, 8)),  # explicit jobs keep 8 workers each
        ((12, 2, 3, 2), {}, (2, 3)),  # explicit workers are kept
        ((12, None, None, 8), {"min_workers": 2}, (4, 2)),  # a scenario asking for 2 workers
    ],
)
def test_plan_parallelism(args, kwargs, expected):
    assert plan_parallelism(*args, **kwargs) == expected


def test_pareto_front():
    frame = pd.DataFrame(
        {
            "km": [10, 12, 8, 10, 9, None],
            "placed": [50, 52, 48, 49, 48, 60],
        }
    )
    front = pareto_front(frame, minimize=["km"], maximize=["placed"])
    # Row 3 is beaten by row 0 (same km, more placed), row 4 by row 2 (fewer km, as many
    # placed); row 5 has no km, so it is never on the front.
    assert front.tolist() == [True, True, True, False, False, False]
    with pytest.raises(ValueError):
        pareto_front(frame)


def test_sweep_in_this_process(scenario):
    table = run_sweep(
        scenario, {"weights.travel_per_km": [0, 2], "rules.max_travel_km": [60]}, jobs=1, workers=2, time_limit_s=10
    )
    assert list(table.index) == [1, 2] and table.index.name == "variant"
    assert table.attrs["jobs"] == 1 and table.attrs["workers"] == 2
    assert table["weights.travel_per_km"].tolist() == [0, 2]
    assert (table["status"] == "OPTIMAL").all()
    assert table.loc[1, "term_travel"] == 0  # travel costs nothing at 0 per km
    assert table.loc[2, "term_travel"] < 0
    for column in [
        "placed",
        "placed_development",
        "placed_embedding",
        "placed_sustaining",
        "total_km",
        "mean_km",
        "focus_rank_1",
        "focus_rank_4",
        "objective",
        "seconds",
        "wall_seconds",
    ]:
        assert column in table.columns
    # Pricing travel higher never makes the allocation longer.
    assert table.loc[2, "total_km"] <= table.loc[1, "total_km"]


def test_sweep_agrees_with_single_solves(scenario):
    from allocator.analysis.api import allocate

    table = run_sweep(scenario, {"rules.max_travel_km": [40]}, jobs=1, time_limit_s=10)
    single = allocate(scenario.with_rules(max_travel_km=40), time_limit_s=10, recommendations=False)
    assert table.loc[1, "objective"] == single.objective  # both OPTIMAL


def test_sweep_with_any_executor(scenario):
    seen = []
    with ThreadPoolExecutor(max_workers=2) as executor:
        table = run_sweep(
            scenario,
            {"rules.available_cohorts": [[1, 2, 3, 4], [1, 2, 3, 4, 5]]},
            executor=executor,
            time_limit_s=10,
            on_result=lambda n, row: seen.append(n),
        )
    assert sorted(seen) == [1, 2]
    assert table["rules.available_cohorts"].tolist() == ["1;2;3;4", "1;2;3;4;5"]
    assert table.attrs["jobs"] == 2
    # More specialists available never places fewer schools.
    assert table.loc[2, "placed"] >= table.loc[1, "placed"]


def test_sweep_in_worker_processes(scenario):
    table = run_sweep(scenario, {"weights.travel_per_km": [1, 5]}, jobs=2, workers=1, time_limit_s=10)
    assert table["status"].tolist() == ["OPTIMAL", "OPTIMAL"]
    assert table.attrs["jobs"] == 2 and table.attrs["workers"] == 1


def test_a_bad_variant_stops_the_sweep_before_solving(scenario):
    with pytest.raises(VariantError, match="MS13 is the fixed lead"):
        run_sweep(scenario, {"rules.available_cohorts": [[1, 2, 3, 4], [2, 3, 4]]}, jobs=1)


def test_sweep_command(demo_copy, tmp_path):
    out = tmp_path / "sweep"
    result = CliRunner().invoke(
        sweep_command,
        [
            str(demo_copy.yml),
            "--vary",
            "weights.travel_per_km=0,1",
            "--vary",
            "rules.max_travel_km=40,60",
            "--jobs",
            "1",
            "--workers",
            "2",
            "--time-limit",
            "10",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "4 variants, 1 at a time, 2 CP-SAT workers each" in result.output
    assert "[4/4]" in result.output
    table = pd.read_csv(out / "sweep.csv")
    assert len(table) == 4
    assert table[["weights.travel_per_km", "rules.max_travel_km"]].values.tolist() == [
        [0, 40.0],
        [0, 60.0],
        [1, 40.0],
        [1, 60.0],
    ]
    assert (table["status"] == "OPTIMAL").all()
    import json

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["kind"] == "sweep" and summary["variants"] == 4
    assert summary["vary"] == {"weights.travel_per_km": [0, 1], "rules.max_travel_km": [40.0, 60.0]}
    # Run again into the same folder: allocate wrote it, so it is replaced.
    again = CliRunner().invoke(
        sweep_command,
        [
            str(demo_copy.yml),
            "--vary",
            "weights.travel_per_km=3",
            "--jobs",
            "1",
            "--time-limit",
            "10",
            "--out",
            str(out),
            "-q",
        ],
    )
    assert again.exit_code == 0, again.output
    assert again.output == ""
    assert len(pd.read_csv(out / "sweep.csv")) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vary", "rules.max_travel_km=-1"], "rules.max_travel_km"),
        (["--vary", "weights.nonsense=1"], "is not a setting that can vary"),
        (["--vary", "weights.place=many"], "is not a whole number"),
    ],
)
def test_sweep_command_bad_vary_is_exit_2(demo_copy, tmp_path, args, message):
    result = CliRunner().invoke(sweep_command, [str(demo_copy.yml), *args, "--jobs", "1", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "x").exists()


def test_sweep_command_bad_scenario_is_exit_2(tmp_path):
    (tmp_path / "scenario.yml").write_text("name: x\n", encoding="utf-8")
    result = CliRunner().invoke(sweep_command, [str(tmp_path / "scenario.yml"), "--vary", "weights.place=1"])
    assert result.exit_code == 2
    assert "problem" in result.output


def test_sweep_command_refuses_a_folder_it_did_not_write(demo_copy, tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(
        sweep_command, [str(demo_copy.yml), "--vary", "weights.place=1", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "was not written by allocate" in result.output


def test_sweep_takes_the_same_seed_and_locations_as_run(demo_copy, tmp_path):
    # One declaration of --seed (cli/options.py): CP-SAT's seed is 32-bit, so 2**31 is refused
    # by the option itself, as `allocate run` refuses it, before anything is read or written.
    out = tmp_path / "x"
    result = CliRunner().invoke(
        sweep_command, [str(demo_copy.yml), "--vary", "weights.place=1", "--seed", "2147483648", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "--seed" in result.output and "2147483647" in result.output
    assert not out.exists()
    result = CliRunner().invoke(
        sweep_command, [str(demo_copy.yml), "--vary", "weights.place=1", "--locations", "postcode"]
    )
    assert result.exit_code == 2 and "auto" in result.output  # the choices are listed
