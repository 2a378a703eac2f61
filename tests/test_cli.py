"""The command line: exit codes, and files written whole or not at all."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from allocator.cli.main import main

DEMO = Path(__file__).resolve().parents[1] / "scenarios" / "demo"


def demo_copy(tmp: Path, **changes) -> Path:
    """A copy of the demo scenario with top-level YAML keys changed; returns the YAML path."""
    folder = tmp / "scenario"
    shutil.copytree(DEMO, folder)
    path = folder / "scenario.yml"
    data = yaml.safe_load(path.read_text())
    data.update(changes)
    data["locations"] = "sector"  # the same whether or not the exact table is installed
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_exit_0_writes_every_table(tmp_path):
    scenario = demo_copy(tmp_path)
    out = tmp_path / "out"
    result = run(str(scenario), "--out", str(out), "--time-limit", "20")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        ".allocator-output.json",
        "allocations.csv",
        "calendar.csv",
        "calendars",
        "letters.csv",
        "recommendations.csv",
        "specialists.csv",
        "summary.json",
        "work_groups.csv",
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "OPTIMAL"
    assert summary["gap"] == 0
    allocations = pd.read_csv(out / "allocations.csv", dtype=str, keep_default_na=False)
    assert len(allocations) == 64
    assert summary["placed"] == (allocations["status"] == "placed").sum()
    # Every unplaced school has a reason, every placed one none.
    assert (allocations["reason"] != "").equals(allocations["status"] == "unplaced")
    # Distances to one decimal.
    assert allocations["km_to_specialist"].str.fullmatch(r"(\d+\.\d)?").all()
    assert "Status OPTIMAL" in result.output


def test_default_output_folder_is_out_slash_stem(tmp_path, monkeypatch):
    scenario = demo_copy(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run(str(scenario), "-q").exit_code == 0
    assert (tmp_path / "out" / "scenario" / "summary.json").is_file()


def test_exit_1_when_pins_cannot_hold_and_nothing_written(tmp_path):
    # School 965110 (primary) is about 100 km from every primary specialist: a pin to one
    # (MS19) breaks the travel rule.
    scenario = demo_copy(tmp_path, pins=[{"school": "965110", "specialist": "MS19"}])
    out = tmp_path / "out"
    result = run(str(scenario), "--out", str(out))
    assert result.exit_code == 1
    assert "pin 1 (school 965110 with specialist MS19)" in result.output
    assert "the 60 km travel limit: raise max_travel_km" in result.output
    assert not out.exists()


def test_exit_2_bad_input_lists_problems_and_writes_nothing(tmp_path):
    scenario = demo_copy(tmp_path, year="2025-26", pins=[{"school": "000001", "specialist": "MS08"}])
    out = tmp_path / "out"
    result = run(str(scenario), "--out", str(out))
    assert result.exit_code == 2
    assert "scenario.yml:2: year:" in result.output
    assert "pins[1].school: 000001 is not a school" in result.output
    assert not out.exists()


def test_exit_2_refuses_a_folder_allocate_did_not_write(tmp_path):
    scenario = demo_copy(tmp_path)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    result = run(str(scenario), "--out", str(out))
    assert result.exit_code == 2
    assert "not written by allocate" in result.output
    assert (out / "precious.txt").read_text() == "keep me"


def test_rerun_replaces_its_own_folder_whole(tmp_path):
    scenario = demo_copy(tmp_path)
    out = tmp_path / "out"
    assert run(str(scenario), "--out", str(out), "-q").exit_code == 0
    (out / "allocations.csv").unlink()  # removing a file loses nothing: still allocate's folder
    assert run(str(scenario), "--out", str(out), "-q").exit_code == 0
    assert (out / "allocations.csv").is_file()
    assert (out / "summary.json").is_file()


def test_rerun_refuses_a_folder_with_an_added_file(tmp_path):
    scenario = demo_copy(tmp_path)
    out = tmp_path / "out"
    assert run(str(scenario), "--out", str(out), "-q").exit_code == 0
    (out / "notes.txt").write_text("mine")
    result = run(str(scenario), "--out", str(out), "-q")
    assert result.exit_code == 2
    assert "notes.txt" in result.output and "--out" in result.output
    assert (out / "notes.txt").read_text() == "mine"


def test_exit_4_when_no_allocation_is_found_in_time(tmp_path):
    # With pins, a feasible allocation must be searched for; 10 microseconds is too short.
    scenario = demo_copy(
        tmp_path, pins=[{"school": "970374", "specialist": "MS05"}, {"school": "904445", "group": "WD-S-B"}]
    )
    out = tmp_path / "out"
    result = run(str(scenario), "--out", str(out), "--time-limit", "0.00001")
    assert result.exit_code == 4
    assert "longer --time-limit" in result.output
    assert not out.exists()


def test_inputs_are_never_modified(tmp_path):
    scenario = demo_copy(tmp_path)
    before = {p.name: p.read_bytes() for p in scenario.parent.iterdir()}
    assert run(str(scenario), "--out", str(tmp_path / "out"), "-q").exit_code == 0
    after = {p.name: p.read_bytes() for p in scenario.parent.iterdir()}
    assert before == after


def test_deterministic_runs_write_identical_tables(tmp_path):
    scenario = demo_copy(tmp_path)
    outs = []
    for n in (1, 2):
        out = tmp_path / f"out{n}"
        result = run(str(scenario), "--out", str(out), "--deterministic", "--time-limit", "30", "-q")
        assert result.exit_code == 0
        outs.append(out)
    for name in ("allocations.csv", "specialists.csv", "work_groups.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes()
    s1, s2 = (json.loads((o / "summary.json").read_text()) for o in outs)
    for timing in ("solve_seconds", "seconds"):
        s1.pop(timing), s2.pop(timing)
    assert s1 == s2
    assert s1["deterministic"] is True


def test_two_optimal_runs_report_the_same_objective(tmp_path):
    scenario = demo_copy(tmp_path)
    objectives = set()
    for seed in ("0", "7"):
        out = tmp_path / f"out{seed}"
        assert run(str(scenario), "--out", str(out), "--seed", seed, "-q").exit_code == 0
        summary = json.loads((out / "summary.json").read_text())
        assert summary["status"] == "OPTIMAL"
        objectives.add(summary["objective"])
    assert len(objectives) == 1


@pytest.mark.parametrize("flag", ["--format", "--workers"])
def test_bad_option_values_are_exit_2(tmp_path, flag):
    scenario = demo_copy(tmp_path)
    value = {"--format": "pdf", "--workers": "0"}[flag]
    result = CliRunner().invoke(main, [str(scenario), flag, value, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert not (tmp_path / "o").exists()


def test_exit_3_when_the_checker_finds_a_broken_rule(tmp_path, monkeypatch):
    """A computed allocation the independent checker rejects is a bug: never written."""
    import allocator.pipeline as run_module
    from allocator.check import CheckReport

    real = run_module.check_allocation

    def broken(problem, allocation):
        report = real(problem, allocation)
        return CheckReport(("rule 2: specialist MS01 is over capacity (simulated)",), report.objective, report.terms)

    monkeypatch.setattr(run_module, "check_allocation", broken)
    scenario = demo_copy(tmp_path)
    out = tmp_path / "out"
    result = run(str(scenario), "--out", str(out))
    assert result.exit_code == 3
    assert "simulated" in result.output and "nothing was written" in result.output
    assert not out.exists()
