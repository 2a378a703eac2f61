"""Interrupted runs (issue 13, item 6): Ctrl-C and SIGTERM after an allocation is found
keep and write it (exit 0, `interrupted`); SIGKILL at any moment leaves no output folder,
the previous complete one, or the new complete one.

The in-process tests send the signal to this very process from inside one step of the
real pipeline (the checker, the explanations, the writing), so the step is known; the
real-process tests signal `allocate` at moments spread over a whole run.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import allocator.pipeline
import allocator.report.tables
from allocator.cli.main import main
from allocator.report.outdir import OutputError, debris, inspect_folder

from .conftest import ScenarioCopy


def _signalling(real, *signals: int):
    """`real`, after sending `signals` to this process (their handlers run at once)."""

    def wrapper(*args, **kwargs):
        for sig in signals:
            os.kill(os.getpid(), sig)
        return real(*args, **kwargs)

    return wrapper


def _run(demo: ScenarioCopy, out: Path, *extra: str):
    return CliRunner().invoke(main, [str(demo.yml), "--out", str(out), "--time-limit", "20", *extra])


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_during_the_checker_waits_for_it_and_writes(demo, tmp_path, monkeypatch, sig):
    checked = []
    real = allocator.pipeline.check_allocation

    def check_then_note(*args, **kwargs):
        report = real(*args, **kwargs)
        checked.append(report)
        return report

    monkeypatch.setattr(allocator.pipeline, "check_allocation", _signalling(check_then_note, sig, sig))
    result = _run(demo, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert len(checked) == 1 and not checked[0].violations  # the checker ran to its end
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["interrupted"] is True
    assert summary["status"] == "OPTIMAL"  # the search itself had finished
    inspect_folder(tmp_path / "out")  # complete: every file matches allocate's marker


def test_ctrl_c_during_explanations_cuts_them_short_and_writes(demo, tmp_path, monkeypatch):
    monkeypatch.setattr(
        allocator.pipeline, "best_alternatives", _signalling(allocator.pipeline.best_alternatives, signal.SIGINT)
    )
    result = _run(demo, tmp_path / "out")
    assert result.exit_code == 0, result.output
    rows = (tmp_path / "out" / "allocations.csv").read_text().splitlines()
    header = rows[0].split(",")
    assert {"objective_share", "best_alternative", "recommendation"} <= set(header)
    assert "Not analysed: recommendations stopped" in (tmp_path / "out" / "allocations.csv").read_text()
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["interrupted"] is True


def test_ctrl_c_twice_while_writing_still_writes_whole(demo, tmp_path, monkeypatch):
    real = allocator.report.tables.write_outputs
    monkeypatch.setattr(allocator.report.tables, "write_outputs", _signalling(real, signal.SIGINT, signal.SIGINT))
    result = _run(demo, tmp_path / "out", "--no-recommendations")
    assert result.exit_code == 0, result.output
    assert "nothing was found" not in result.output
    state = inspect_folder(tmp_path / "out")
    assert state.run_id is not None


def test_ctrl_c_before_any_allocation_is_exit_4(demo, tmp_path, monkeypatch):
    monkeypatch.setattr(allocator.pipeline, "compute_eligibility", _signalling(allocator.pipeline.compute_eligibility,
                                                                               signal.SIGINT))  # fmt: skip
    result = _run(demo, tmp_path / "out")
    assert result.exit_code == 4
    assert "stopped before an allocation was found; nothing was written" in result.output
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ real processes


def _allocate(scenario: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "allocator.cli.main", str(scenario), "--out", str(out), "--time-limit", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(allocator.__file__).resolve().parents[1])},
    )


@pytest.fixture(scope="module")
def previous(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScenarioCopy, Path, str]:
    """The demo and one complete earlier output of it, whose run id later runs are compared to."""
    from .conftest import copy_demo

    base = tmp_path_factory.mktemp("signals")
    demo = copy_demo(base / "demo")
    out = base / "first"
    child = _allocate(demo.yml, out)
    _, stderr = child.communicate(timeout=120)
    assert child.returncode == 0, stderr
    state = inspect_folder(out)
    assert state.run_id is not None
    return demo, out, state.run_id


def _copy_output(source: Path, dest: Path) -> None:
    import shutil

    shutil.copytree(source, dest)


def _assert_previous_or_complete(out: Path, previous_id: str) -> str:
    """The folder is absent, the previous output, or a new complete one; returns which."""
    if not out.exists():
        return "absent"
    try:
        state = inspect_folder(out)  # every file matches the marker: complete
    except OutputError as exc:  # pragma: no cover - the failure this test exists to catch
        raise AssertionError(f"a mixed or partial output folder: {exc}") from exc
    assert state.run_id is not None
    return "previous" if state.run_id == previous_id else "new"


MOMENTS = random.Random(13).sample([x / 10 for x in range(2, 30)], 4)


def test_sigkill_at_any_moment_leaves_the_previous_or_a_complete_folder(previous, tmp_path):
    demo, first, first_id = previous
    out = tmp_path / "out"
    _copy_output(first, out)
    seen = set()
    for delay in MOMENTS:
        child = _allocate(demo.yml, out)
        time.sleep(delay)
        child.kill()
        child.communicate(timeout=60)
        seen.add(_assert_previous_or_complete(out, first_id))
    # The next run cleans whatever staging a killed one left (it holds advocates' emails).
    again = _allocate(demo.yml, out)
    _, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr
    assert _assert_previous_or_complete(out, first_id) == "new"
    assert debris(tmp_path) == [] and not [p for p in tmp_path.iterdir() if p.name.startswith(".allocator")]


@pytest.mark.parametrize(
    ("sig", "delay"), [(signal.SIGINT, d) for d in MOMENTS[:2]] + [(signal.SIGTERM, d) for d in MOMENTS[2:]]
)
def test_stop_signals_at_any_moment_write_whole_or_nothing(previous, tmp_path, sig, delay):
    demo, first, first_id = previous
    out = tmp_path / "out"
    _copy_output(first, out)
    child = _allocate(demo.yml, out)
    time.sleep(delay)
    child.send_signal(sig)
    _, stderr = child.communicate(timeout=120)
    assert child.returncode in (0, 4), stderr  # 4 only when no allocation existed yet
    assert "Traceback" not in stderr and "internal error" not in stderr
    which = _assert_previous_or_complete(out, first_id)
    if child.returncode == 0:
        assert which == "new"
    else:
        assert which == "previous"
        assert "before an allocation was found" in stderr


def test_library_ctrl_c_during_explanations_keeps_the_allocation(demo, monkeypatch):
    # Without the command line's handlers Python raises KeyboardInterrupt itself.
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(allocator.pipeline, "best_alternatives", interrupted)
    loaded = demo.load()
    solved = allocator.pipeline.run(loaded.problem)
    assert solved.result.allocation is not None and solved.report is not None
    assert solved.summary_json["interrupted"] is True
    table = solved.tables["allocations"]
    unplaced = table[table["status"] == "unplaced"]
    assert len(unplaced) and unplaced["recommendation"].str.startswith("Not analysed").all()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_while_the_search_reads_its_solution_keeps_the_allocation(demo, tmp_path, monkeypatch, sig):
    # CP-SAT has finished and the allocation is being read back: a stop then used to be
    # taken for one "while a model was built" and dropped the part's allocation.
    from allocator.model.cpmodel import AllocationModel

    reads = []
    real = AllocationModel.read

    def read_after_stop(self, value):
        reads.append(1)
        if len(reads) == 1:
            os.kill(os.getpid(), sig)
        return real(self, value)

    monkeypatch.setattr(AllocationModel, "read", read_after_stop)
    result = _run(demo, tmp_path / "out", "--no-recommendations")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["interrupted"] is True
    placed = sum(stage["placed"] for stage in summary["by_stage"].values())
    assert placed > 50  # the demo's allocation, not an empty one (57 of 61 are placed)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("delay", [0.0, 0.4, 0.8, 0.9])
def test_a_stop_during_recommendations_writes_and_exits_cleanly(demo, tmp_path, sig, delay):
    # Recommendations search in two threads; a stop ended the run while one of their
    # CP-SAT searches still ran, and the process aborted at exit (-6, "terminate called
    # without an active exception") after writing everything.
    out = tmp_path / "out"
    child = _allocate(demo.yml, out)
    assert child.stderr is not None
    for line in child.stderr:
        if line.startswith("Looking for the change"):
            break
    time.sleep(delay)
    child.send_signal(sig)
    _, rest = child.communicate(timeout=120)
    assert child.returncode == 0, rest
    assert "terminate called" not in rest and "Traceback" not in rest
    assert _assert_previous_or_complete(out, "") == "new"
