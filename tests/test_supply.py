"""Supply against demand: counts and quantitative remedies."""

from __future__ import annotations

from allocator.analysis.supply import supply_demand
from tests.builders import group, problem, school, specialist


def test_shortfall_names_numbers_and_remedies():
    # 5 secondary development schools, 2 available specialists with 2 places each, one
    # more in cohort 5 (not available): short by 1.
    p = problem(
        [school(f"10000{i}") for i in range(5)],
        [specialist("S1"), specialist("S2"), specialist("S3", cohort=5, available=False)],
    )
    [row] = [r for r in supply_demand(p) if r.stage == "development" and r.phase == "secondary"]
    assert (row.demand, row.supply, row.short) == (5, 4, 1)
    assert row.sentence == (
        "H secondary development: 5 schools; 2 available specialists offer 4 development places; "
        "short by 1: add 1 secondary specialist(s), raise capacity for 1 place, or make cohort 5 "
        "available (1 specialist, 2 places)"
    )


def test_no_shortfall_no_remedy_and_flexible_schools_use_spare_places():
    p = problem(
        [school("100001"), school("100002", phase="special"), school("100003", "sustaining")],
        [specialist("S1", capacity=2)],
        [group("G1", max_schools=4)],
    )
    rows = {(r.phase, r.stage): r for r in supply_demand(p)}
    assert rows["secondary", "development"].short == 0
    assert "short" not in rows["secondary", "development"].sentence
    assert rows["special/all-through", "development"].supply == 1  # 2 places, 1 used
    assert rows["secondary", "work group seats"].demand == 1
