"""Properties over random tiny scenarios: the solver against the checker and brute force."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings

from allocator.check import check_allocation
from allocator.diagnose.reasons import pin_conflicts
from allocator.problem.data import SolverSettings
from allocator.problem.eligibility import compute_eligibility
from allocator.solving.search import search
from allocator.solving.solution import SolveStatus
from tests.bruteforce import brute_force_optimum
from tests.strategies import tiny_problems

FAST = SolverSettings(time_limit_s=20, workers=8, seed=0)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(tiny_problems())
def test_solution_passes_the_checker_and_equals_brute_force(problem):
    result = search(problem, FAST)
    # Without pins, placing nobody is always allowed, so an optimum exists.
    assert result.status == SolveStatus.OPTIMAL
    report = check_allocation(problem, result.allocation)
    assert report.violations == ()
    assert report.objective == result.objective
    assert sum(report.terms.values()) == result.objective
    assert result.objective == brute_force_optimum(problem)


@SETTINGS
@given(tiny_problems(with_pins=True))
def test_with_pins_solver_and_brute_force_agree_on_feasibility_and_optimum(problem):
    result = search(problem, FAST)
    best = brute_force_optimum(problem)
    if best is None:
        assert result.status == SolveStatus.INFEASIBLE
    else:
        assert result.status == SolveStatus.OPTIMAL
        assert check_allocation(problem, result.allocation).violations == ()
        assert result.objective == best
    # The pre-solve pin diagnosis never claims a conflict that is not one.
    if pin_conflicts(problem, compute_eligibility(problem)):
        assert best is None


@settings(max_examples=25, deadline=None)
@given(tiny_problems())
def test_deterministic_mode_repeats_the_same_allocation(problem):
    det = replace(FAST, deterministic=True)
    first = search(problem, det)
    second = search(problem, det)
    assert first.allocation == second.allocation
    assert first.objective == second.objective


@settings(max_examples=40, deadline=None)
@given(tiny_problems(max_schools=6, max_specialists=4, max_groups=3, with_pins=True))
def test_solving_independent_parts_equals_solving_the_whole(problem):
    whole = search(problem, FAST, decompose=False)
    parts = search(problem, FAST)
    assert parts.status == whole.status
    assert parts.objective == whole.objective
    if parts.allocation is not None:
        assert check_allocation(problem, parts.allocation).violations == ()
