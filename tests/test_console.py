"""What `allocate` prints: live progress in place on a terminal, plain lines otherwise, quiet."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from allocator.cli import console as console_module
from allocator.cli.console import Console, progress_text, summary_lines
from allocator.cli.main import main
from allocator.pipeline import run
from allocator.problem.data import SolverSettings
from allocator.solving.search import Progress

from .conftest import copy_demo


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def problem(tmp_path_factory):
    return copy_demo(tmp_path_factory.mktemp("console") / "demo").load().problem


SETTINGS = SolverSettings(time_limit_s=10, workers=8, seed=0)
STEPS = [
    Progress(0.5, 0, None, 60_000.0),
    Progress(1.0, 1, 58_000.0, 59_500.0),
    Progress(1.5, 3, 59_100.0, 59_128.0),
]


def test_progress_line_shows_elapsed_solutions_best_bound_gap():
    text = progress_text(Progress(12.34, 7, 59_000.0, 59_590.0), 60)
    pattern = r"12\.3 s of 60\s+solutions\s+7\s+best\s+59,000\s+bound\s+59,590\s+gap\s+1\.00%"
    assert re.search(pattern, text), text
    # Before the first solution there is no best and no gap to show.
    first = progress_text(STEPS[0])
    assert re.search(r"best\s+-\s+bound\s+60,000\s+gap\s+-", first), first


def test_on_a_terminal_progress_is_redrawn_in_place(problem, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    stream = FakeTerminal()
    console = Console(stream=stream)
    console.start(problem, SETTINGS)
    start = stream.getvalue()
    assert start.startswith("Solving ") and start.endswith("\n")
    for step in STEPS:
        console.progress(step)
    drawn = stream.getvalue()[len(start) :]
    # Three redraws of one line: carriage return, text, clear to end of line; no newline.
    assert drawn.count("\r") == 3 and drawn.count("\x1b[K") == 3 and "\n" not in drawn
    assert drawn.rsplit("\r", 1)[1].startswith("     1.5 s of 10  solutions    3")
    unsolved = SimpleNamespace(result=SimpleNamespace(allocation=None, objective=None))
    console.done(unsolved)
    assert stream.getvalue().endswith("\x1b[K\n")  # the last state stays on screen


def test_on_a_narrow_terminal_the_line_never_wraps(problem, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    stream = FakeTerminal()
    console = Console(stream=stream)
    console.progress(STEPS[2])
    line = stream.getvalue().removeprefix("\r").removesuffix("\x1b[K")
    assert len(line) == 39


def test_elsewhere_plain_lines_now_and_then(problem, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(console_module.time, "monotonic", clock)
    stream = io.StringIO()
    console = Console(stream=stream, line_every_s=5.0)
    console.start(problem, SETTINGS)
    for second in range(1, 13):  # progress every second for 12 s: a line at 5 s and 10 s
        clock.now += 1
        console.progress(Progress(float(second), second, 1000.0 * second, 20_000.0))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3  # the start line and two progress lines
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()
    assert lines[1].strip().startswith("5.0 s of 10") and lines[2].strip().startswith("10.0 s")


def test_quiet_prints_nothing(problem, capsys):
    stream = FakeTerminal()
    console = Console(quiet=True, stream=stream)
    console.warn("something")
    console.start(problem, SETTINGS)
    for step in STEPS:
        console.progress(step)
    solved = run(problem, recommendations=False)
    console.done(solved)
    console.written(problem.scenario_path.parent, [])
    captured = capsys.readouterr()
    assert stream.getvalue() == "" and captured.out == "" and captured.err == ""


def test_a_real_solve_draws_progress_then_the_summary_table(problem, capsys):
    stream = FakeTerminal()
    console = Console(stream=stream)
    console.start(problem, SETTINGS)
    solved = run(problem, SETTINGS, on_progress=console.progress, recommendations=False)
    console.progress(Progress(9.9, 1, 1.0, 2.0))  # whatever the last report said...
    console.done(solved)
    assert "\r" in stream.getvalue() and "solutions" in stream.getvalue()
    # ...the line left on screen is the final result's.
    last = stream.getvalue().rsplit("\r", 1)[1]
    assert f"best {solved.result.objective:>10,}" in last and last.endswith("gap   0.00%\x1b[K\n")
    out = capsys.readouterr().out
    assert out.startswith("Status OPTIMAL")
    assert re.search(r"^development\s+27\s+\d+\s+\d+$", out, re.M)
    assert re.search(r"^total\s+64\s+\d+\s+\d+$", out, re.M)
    assert out.splitlines()[:5] == summary_lines(solved)[:5]


def test_cli_quiet_prints_nothing_and_default_prints_the_summary(tmp_path):
    demo = copy_demo(tmp_path / "demo")
    rows = demo.rows("schools")
    # Without the demo's unplaced schools the run needs no what-if re-solves (fast).
    unplaced = {"916003", "965110", "955058", "924302"}
    demo.write_rows("schools", [rows[0]] + [r for r in rows[1:] if r[0] not in unplaced])
    quiet = CliRunner().invoke(main, [str(demo.yml), "--out", str(tmp_path / "q"), "-q"])
    assert quiet.exit_code == 0 and quiet.output == ""
    loud = CliRunner().invoke(main, [str(demo.yml), "--out", str(tmp_path / "l")])
    assert loud.exit_code == 0, loud.output
    assert "Solving Weald and Downs" in loud.output
    assert "Status OPTIMAL" in loud.output
    assert re.search(r"^total\s+60\s+60\s+0$", loud.output, re.M)
    assert "Wrote allocations.csv" in loud.output


def test_recommendations_show_how_many_schools_are_analysed_and_the_line_stays(problem, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    stream = FakeTerminal()
    console = Console(stream=stream)
    console.start(problem, SETTINGS)
    told: list[tuple[int, int]] = []

    def explaining(analysed: int, total: int) -> None:
        told.append((analysed, total))
        console.explaining(analysed, total)

    solved = run(problem, SETTINGS, on_progress=console.progress, on_explain=explaining, on_stage=console.note)
    unplaced = int((solved.tables["allocations"]["status"] == "unplaced").sum())
    assert unplaced > 0
    # Told from the start to the end: counts never go back, and the last is all of them.
    assert told[-1] == (unplaced, unplaced)
    assert all(a <= b for (a, _), (b, _) in zip(told, told[1:], strict=False))
    console.done(solved)
    last = stream.getvalue().rsplit("\r", 1)[1]
    # The recommendations' line stays on screen: the search's is not redrawn over it.
    assert last.startswith(f"  Recommendations: {unplaced} of {unplaced} unplaced schools analysed in ")
    assert last.endswith("\x1b[K\n")


def test_recommendations_estimate_the_time_left_from_the_rate_so_far(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(console_module.time, "monotonic", clock)
    stream = io.StringIO()
    console = Console(stream=stream, line_every_s=5.0)
    console.explaining(0, 100)  # the clock starts: no rate yet
    clock.now += 10
    console.explaining(20, 100)  # 20 schools in 10 s: the other 80 take about 40 s
    lines = stream.getvalue().splitlines()
    assert lines == [
        "  Recommendations: 0 of 100 unplaced schools analysed in 0 s",
        "  Recommendations: 20 of 100 unplaced schools analysed in 10 s (about 40 s left)",
    ]
