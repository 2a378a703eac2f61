"""The one result type (allocator.outcome.Outcome) as `pipeline.run` makes it, written and
read back. Tiny problems from tests/builders.py: 1000 per school placed, 1 per km."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocator import pipeline
from allocator.outcome import Outcome
from allocator.solving.solution import SolveStatus
from tests.builders import problem, school, specialist


def _two_schools():
    return problem([school("100001", km=10.0), school("100002", km=20.0)], [specialist("S1", capacity=1)])


def test_run_gives_one_outcome_with_search_check_and_tables() -> None:
    """Capacity 1: the nearer school is placed, objective 1000 − 10 = 990."""
    outcome = pipeline.run(_two_schools(), recommendations=False)
    assert outcome.status == SolveStatus.OPTIMAL == "OPTIMAL"
    assert outcome.objective == 990 == outcome.report.objective
    assert outcome.result.allocation is not None and outcome.result.allocation.school_specialist == (0, None)
    assert outcome.allocations["status"].tolist() == ["placed", "unplaced"]
    assert set(outcome.tables) == {"allocations", "specialists", "work_groups", "calendar", "letters"}
    assert outcome.summary_json["objective"] == 990
    assert outcome.terms["objective"] == 990 and outcome.terms["travel"] == -10
    assert list(outcome.timings) == ["eligibility", "solve", "check", "tables", "explain"]
    assert outcome.problem.num_schools == 2


def test_pins_that_cannot_hold_give_an_infeasible_outcome_with_reasons() -> None:
    p = problem([school("100001", phase="primary")], [specialist("S1")], pins=[("100001", "S1")])
    outcome = pipeline.run(p, recommendations=False)
    assert outcome.status == SolveStatus.INFEASIBLE
    assert not outcome.has_allocation
    assert any("pin 1" in line for line in outcome.conflicts)
    assert outcome.allocations.empty and outcome.summary_json == {}
    with pytest.raises(ValueError, match="no allocation"):
        outcome.write("unused")


def test_written_and_read_back(tmp_path: Path) -> None:
    outcome = pipeline.run(_two_schools(), recommendations=False)
    outcome.write(tmp_path / "out")
    back = Outcome.read(tmp_path / "out")
    assert back.status == outcome.status and back.objective == outcome.objective
    assert back.gap == outcome.summary_json["gap"]
    assert back.label == "out"
    assert back.allocations["urn"].tolist() == ["100001", "100002"]
    assert back.key_figures()["placed"] == 1
    with pytest.raises(ValueError, match="read from a folder"):
        back.problem  # noqa: B018 - the property raises
