"""The checker trusts nothing that loading computed (issue 10, item 4).

Loading applies the rule defaults to blank capacity cells and decides availability from
``rules.available_cohorts``; the model then works from those values. A bug there would
pass the model, so the checker recomputes both from the scenario as written. Each test
plants a wrong value in loading and shows the checker refuses the allocation.

The scenario: one secondary specialist (cohort 1) at latitude 52.0 and three development
schools a few km north of them, all in one hub; 1000 per school placed, 1 per km.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import allocator.inputs.load as load_module
from allocator import pipeline
from allocator.check import check_allocation, is_available, specialist_limit
from allocator.cli.main import main
from allocator.inputs.load import load
from allocator.pipeline import CheckerFailure
from allocator.solving.search import search

SCHOOLS = """urn,name,hub,phase,stage,postcode,latitude,longitude
100001,School A,North,secondary,development,CV1 1AA,52.01,-1.5
100002,School B,North,secondary,development,CV1 1AB,52.02,-1.5
100003,School C,North,secondary,development,CV1 1AD,52.03,-1.5
"""


def _scenario(folder: Path, specialists: str, rules: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
    (folder / "specialists.csv").write_text(specialists, encoding="utf-8")
    yml = folder / "scenario.yml"
    yml.write_text(
        "name: checker trusts nothing\nyear: 2025/26\nschools: schools.csv\nspecialists: specialists.csv\n"
        f"rules:\n  max_travel_km: 60\n{rules}"
        "solver:\n  time_limit_s: 10\n  workers: 2\n",
        encoding="utf-8",
    )
    return yml


ONE_SPECIALIST = """id,name,hub,phase,cohort,postcode,latitude,longitude,capacity
S1,Specialist One,North,secondary,1,CV1 1AA,52.0,-1.5,
"""


def test_blank_capacity_takes_the_rule_default_as_written(tmp_path: Path) -> None:
    """Control: unplanted, the blank cell means departments_per_specialist = 2, so two of
    the three schools are placed and the checker agrees."""
    problem = load(_scenario(tmp_path, ONE_SPECIALIST), locations="sector").problem
    spec = problem.specialists[0]
    assert spec.written is not None and spec.written.capacity is None  # blank stays blank
    assert spec.capacity == 2 == specialist_limit(problem, spec, "capacity")
    outcome = pipeline.run(problem, recommendations=False)
    assert outcome.summary_json["by_stage"]["development"]["placed"] == 2


def test_checker_catches_a_wrong_capacity_default_applied_by_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plant the bug: loading applies default + 1 to blank cells. The model then lets S1
    support all three schools; the checker recomputes the capacity (2) from the rule and
    the blank cell and finds rule 2 broken: exit 3, nothing written."""
    real = load_module.rule_default
    monkeypatch.setattr(load_module, "rule_default", lambda written, default: real(written, default + 1))
    yml = _scenario(tmp_path / "scenario", ONE_SPECIALIST)
    problem = load(yml, locations="sector").problem
    assert problem.specialists[0].capacity == 3  # the planted bug
    with pytest.raises(CheckerFailure) as failure:
        pipeline.run(problem, recommendations=False)
    assert any("rule 2" in v and "specialist S1" in v and "capacity of 2" in v for v in failure.value.violations)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [str(yml), "--out", str(out), "-q"])
    assert result.exit_code == 3, result.output
    assert not out.exists()


def test_a_written_capacity_is_not_replaced_by_the_default(tmp_path: Path) -> None:
    """A written 3 stays 3 for the checker: all three schools placed, no violation."""
    problem = load(_scenario(tmp_path, ONE_SPECIALIST.replace("-1.5,\n", "-1.5,3\n")), locations="sector").problem
    spec = problem.specialists[0]
    assert spec.written is not None and spec.written.capacity == 3
    outcome = pipeline.run(problem, recommendations=False)
    assert outcome.summary_json["by_stage"]["development"]["placed"] == 3


TWO_COHORTS = """id,name,hub,phase,cohort,postcode,latitude,longitude
S1,Specialist One,North,secondary,1,CV1 1AA,52.0,-1.5
S2,Specialist Two,North,secondary,2,CV1 1AA,52.0,-1.5
"""


def test_checker_catches_availability_decided_wrongly_by_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plant the bug: loading makes every cohort available. Cohort 2 is not in
    available_cohorts [1], yet the model may use S2 for the third school; the checker
    recomputes availability from the cohort and the rule and refuses S2."""
    rules = "  available_cohorts: [1]\n"
    unplanted = load(_scenario(tmp_path / "a", TWO_COHORTS, rules), locations="sector").problem
    assert [is_available(unplanted, p) for p in unplanted.specialists] == [True, False]
    assert pipeline.run(unplanted, recommendations=False).summary_json["placed"] == 2
    monkeypatch.setattr(load_module, "cohort_available", lambda cohort, cohorts: True)
    problem = load(_scenario(tmp_path / "b", TWO_COHORTS, rules), locations="sector").problem
    assert problem.specialists[1].available  # the planted bug
    allocation = search(problem).allocation
    assert allocation is not None and 1 in allocation.school_specialist  # the model used S2
    report = check_allocation(problem, allocation)
    assert any("specialist S2" in v and "cohort 2 is not available" in v for v in report.violations)
    with pytest.raises(CheckerFailure):
        pipeline.run(problem, recommendations=False)


def test_a_variants_capacity_counts_as_written_for_the_checker(tmp_path: Path) -> None:
    """`with_specialist(capacity=3)` on a blank cell: the checker must see 3 too (the cell
    is updated with the value), so all three schools are placed without a violation."""
    from allocator.analysis.api import load_scenario

    scenario = load_scenario(_scenario(tmp_path, ONE_SPECIALIST), locations="sector")
    variant = scenario.with_specialist("S1", capacity=3)
    spec = variant.problem.specialists[0]
    assert spec.written is not None and spec.written.capacity == 3
    assert specialist_limit(variant.problem, spec, "capacity") == 3
    outcome = variant.solve(recommendations=False)
    assert outcome.summary_json["by_stage"]["development"]["placed"] == 3


def test_checker_imports_nothing_from_the_model_rules_or_cost_code() -> None:
    """The checker restates the rules on purpose: it must not share code with what it checks."""
    import ast

    import allocator.check

    tree = ast.parse(Path(allocator.check.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    shared = {"allocator.problem.data", "allocator.solving.solution"}  # plain data types
    assert {m for m in imported if m.startswith("allocator")} <= shared
