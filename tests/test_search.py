"""The search (allocator.solving.search) on tiny hand-checkable problems.

Places sit on the Greenwich meridian, `km` north of latitude 52 (tests/builders.py);
weights are 1000 per school placed and 1 per km, nothing else.
"""

from __future__ import annotations

from dataclasses import replace

from allocator.check import check_allocation
from allocator.problem.data import SolverSettings
from allocator.problem.eligibility import compute_eligibility
from allocator.solving import search as search_module
from allocator.solving.components import components
from allocator.solving.search import search
from allocator.solving.solution import SearchResult, SolveStatus
from tests.builders import PLAIN, problem, school, specialist


def test_objective_of_two_placed_schools() -> None:
    """Both schools with S1 (capacity 2): 2 × 1000 − 10 km − 20 km = 1970."""
    p = problem([school("100001", km=10.0), school("100002", km=20.0)], [specialist("S1")])
    result = search(p)
    assert result.status == SolveStatus.OPTIMAL
    assert result.objective == 1970
    assert result.gap == 0.0
    assert result.allocation is not None and result.allocation.school_specialist == (0, 0)


def test_capacity_bites_and_the_nearer_school_is_placed() -> None:
    """Capacity 1: only one school; the nearer loses less, 1000 − 10 = 990."""
    p = problem([school("100001", km=10.0), school("100002", km=20.0)], [specialist("S1", capacity=1)])
    result = search(p)
    assert result.objective == 990
    assert result.allocation is not None and result.allocation.school_specialist == (0, None)


def test_a_school_that_must_be_placed_without_any_pair_is_infeasible() -> None:
    """The school is 100 km away, beyond the 80 km limit: requiring it cannot hold."""
    p = problem([school("100001", km=100.0)], [specialist("S1")])
    assert search(p).status == SolveStatus.OPTIMAL  # not required: placing nobody is fine
    result = search(p, require_placed=(0,))
    assert result.status == SolveStatus.INFEASIBLE
    assert result.allocation is None


def test_parts_are_searched_separately_and_merged() -> None:
    """Two hubs are two independent parts; the merged objective is their sum
    (1000 − 10) + (1000 − 30) = 1960, as one model of everything finds."""
    p = problem(
        [school("100001", km=10.0), school("100002", km=30.0, hub="South")],
        [specialist("S1"), specialist("S2", hub="South")],
    )
    assert len(components(p, compute_eligibility(p))) == 2
    merged, whole = search(p), search(p, decompose=False)
    assert merged.objective == whole.objective == 1960
    assert merged.allocation == whole.allocation


def test_parts_side_by_side_give_what_one_after_another_gives(monkeypatch) -> None:
    """Four hubs, four parts, each a pair and a lone school: searched two at a time
    (settings with more than one worker) or one after another (one worker), the merged
    allocation and objective are the same, 4 × (3000 − 1 − 2 − 3 − 400) = 10376."""
    monkeypatch.setattr(search_module, "PART_THREADS", 2)
    hubs = ["North", "South", "East", "West"]
    schools = [school(f"10{h}{k}", km=k, hub=hub) for h, hub in enumerate(hubs) for k in (1, 2, 3)]
    specialists = [specialist(f"S{h}{n}", hub=hub) for h, hub in enumerate(hubs) for n in (1, 2)]
    p = problem(schools, specialists, weights=replace(PLAIN, lone_department=400))
    assert len(components(p, compute_eligibility(p))) == 4
    side_by_side = search(p, SolverSettings(time_limit_s=30, workers=2))
    one_by_one = search(p, SolverSettings(time_limit_s=30, workers=1))
    assert side_by_side.status == one_by_one.status == SolveStatus.OPTIMAL
    assert side_by_side.objective == one_by_one.objective == 10376
    assert side_by_side.allocation is not None
    assert check_allocation(p, side_by_side.allocation).objective == 10376


def test_only_parts_with_covers_those_parts_alone() -> None:
    p = problem(
        [school("100001", km=10.0), school("100002", km=30.0, hub="South")],
        [specialist("S1"), specialist("S2", hub="South")],
    )
    result = search(p, only_parts_with=(1,))
    assert result.objective == 970  # the South part alone: 1000 − 30
    assert result.allocation is not None and result.allocation.school_specialist == (None, 1)


def test_gap() -> None:
    """(bound − objective) / max(1, |objective|); 0 when OPTIMAL."""
    assert SearchResult(SolveStatus.FEASIBLE, None, 100, 110.0, 0.0).gap == 0.1
    assert SearchResult(SolveStatus.FEASIBLE, None, 0, 0.5, 0.0).gap == 0.5  # divided by 1, not 0
    assert SearchResult(SolveStatus.OPTIMAL, None, 100, 110.0, 0.0).gap == 0.0
    assert SearchResult(SolveStatus.UNKNOWN, None, None, None, 0.0).gap is None


def test_component_labels_are_each_components_smallest_node():
    # Nodes 0-7; edges 5-3, 3-6 and 1-7 join {3, 5, 6} and {1, 7}; 0, 2, 4 stand alone.
    # Each node's label is its component's smallest node: 0 1 2 3 4 3 3 1.
    import numpy as np

    from allocator.solving.components import _labels

    edges = np.array([[5, 3], [3, 6], [1, 7]], dtype=np.int64)
    assert _labels(8, edges).tolist() == [0, 1, 2, 3, 4, 3, 3, 1]


def test_component_labels_match_a_search_of_the_graph():
    # Random graphs: the labels against a breadth-first search from each node in turn.
    import numpy as np
    from hypothesis import given
    from hypothesis import strategies as st

    from allocator.solving.components import _labels

    @given(
        st.integers(1, 30).flatmap(
            lambda n: st.tuples(
                st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=40)
            )
        )
    )
    def check(case):
        n, pairs = case
        neighbours: dict[int, set[int]] = {x: set() for x in range(n)}
        for a, b in pairs:
            neighbours[a].add(b)
            neighbours[b].add(a)
        expected = [-1] * n
        for start in range(n):
            if expected[start] >= 0:
                continue
            seen, todo = {start}, [start]
            while todo:
                for y in neighbours[todo.pop()] - seen:
                    seen.add(y)
                    todo.append(y)
            for x in seen:
                expected[x] = min(seen)
        assert _labels(n, np.array(pairs, dtype=np.int64).reshape(-1, 2)).tolist() == expected

    check()


def test_a_search_nobody_watches_calls_no_python_while_it_searches(monkeypatch) -> None:
    """Recommendations' re-solves pass watch=False: CP-SAT gets no solution or bound
    callback (each would wait for the interpreter), finds the same optimum (capacity
    1: 1000 − 10 = 990), and reports no solutions counted."""
    p = problem([school("100001", km=10.0), school("100002", km=20.0)], [specialist("S1", capacity=1)])
    called: list[str] = []
    monkeypatch.setattr(search_module._Watcher, "on_solution_callback", lambda self: called.append("solution"))
    monkeypatch.setattr(search_module._Watcher, "on_bound", lambda self, bound: called.append("bound"))
    quiet = search(p, watch=False)
    assert (quiet.status, quiet.objective, quiet.num_solutions) == (SolveStatus.OPTIMAL, 990, 0)
    assert called == []
    watched = search(p)
    assert watched.objective == 990 and watched.allocation == quiet.allocation
    assert "solution" in called


def test_preferred_schools_are_placed_among_the_optima_only() -> None:
    """`prefer_placed`: the objective becomes the SPEC objective times (number preferred
    + 1) plus the number of them placed. S1 (capacity 1), both schools 10 km away: either
    optimum is 990, so preferring 100002 places it, 2 × 990 + 1 = 1981. With 100002 at
    20 km (980) the optimum keeps 100001 (990) whatever is preferred: 2 × 990 + 0 = 1980."""
    tied = problem([school("100001", km=10.0), school("100002", km=10.0)], [specialist("S1", capacity=1)])
    for wanted in (0, 1):
        result = search(tied, prefer_placed=(wanted,), watch=False)
        assert result.status == SolveStatus.OPTIMAL and result.objective == 1981
        assert result.allocation is not None and result.allocation.school_specialist[wanted] == 0
    apart = problem([school("100001", km=10.0), school("100002", km=20.0)], [specialist("S1", capacity=1)])
    result = search(apart, prefer_placed=(1,))
    assert result.objective == 1980
    assert result.allocation is not None and result.allocation.school_specialist == (0, None)
    for wanted in (0, 1):  # deterministic mode's canonical pass keeps the preference
        result = search(tied, replace(tied.solver, deterministic=True), prefer_placed=(wanted,))
        assert result.objective == 1981 and result.allocation.school_specialist[wanted] == 0
        # avoiding it: the other school is placed, 2 × 990 − 0
        result = search(tied, replace(tied.solver, deterministic=True), avoid_placing=(wanted,))
        assert result.objective == 1980 and result.allocation.school_specialist[1 - wanted] == 0
