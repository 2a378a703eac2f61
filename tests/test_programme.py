"""Issue 11: the programme as it runs. Each new term and rule on a tiny hand-checkable
problem, once where it bites and once where it does not; the solver, the independent
checker and brute force agree on every objective.

Places sit on one meridian, `km` north of a point, so distances are differences of `km`
(see tests/builders.py). PLAIN weights: place 1000, 1 per km, nothing else; a test that
prices lone departments says so.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings

from allocator.check import check_allocation
from allocator.problem.data import Weights
from allocator.problem.eligibility import compute_eligibility
from allocator.solving.search import search
from allocator.solving.solution import Allocation, SolveStatus
from tests.bruteforce import brute_force_optimum
from tests.builders import PLAIN, group, ids, problem, school, specialist
from tests.strategies import tiny_problems

LONE = replace(PLAIN, lone_department=400)


def solved(p):
    """Solve; the checker agrees with the solver and brute force finds the same optimum."""
    result = search(p)
    assert result.status == SolveStatus.OPTIMAL
    report = check_allocation(p, result.allocation)
    assert report.violations == ()
    assert report.objective == result.objective
    assert brute_force_optimum(p) == result.objective
    return result


# ---------------------------------------------------------------- development pairs


def test_lone_department_is_charged_when_one_school_is_placed():
    # One development school 3 km from S1 (capacity 2): 1000 - 3 - 400 = 597.
    p = problem([school("100001", km=3)], [specialist("S1")], weights=LONE)
    r = solved(p)
    assert r.objective == 597
    assert check_allocation(p, r.allocation).terms["lone_department"] == -400


def test_a_pair_is_not_charged():
    # Two development schools (3 and 4 km) with S1: 2000 - 3 - 4 = 1993, no lone department.
    p = problem([school("100001", km=3), school("100002", km=4)], [specialist("S1")], weights=LONE)
    assert solved(p).objective == 1993


def test_an_odd_number_of_schools_leaves_one_lone_department_or_a_third_school():
    # Three development schools 1, 2 and 3 km north; S1 and S2 at 0 km, capacity 2.
    # All three placed: a pair and a lone department, 3000 - 1 - 2 - 3 - 400 = 2594,
    # beating two placed as a pair, 2000 - 1 - 2 = 1997. (The LP relaxation could take
    # half pairs; the exact formulation must still charge the lone department.)
    three = [school("100001", km=1), school("100002", km=2), school("100003", km=3)]
    r = solved(problem(three, [specialist("S1"), specialist("S2")], weights=LONE))
    assert r.objective == 2594
    # S1 of capacity 3 takes all three: no lone department, 3000 - 6 = 2994; the
    # capacity-2 S2 takes nobody.
    r3 = solved(problem(three, [specialist("S1", capacity=3), specialist("S2")], weights=LONE))
    assert r3.objective == 2994
    assert r3.allocation.school_specialist == (0, 0, 0)


def test_capacity_one_is_never_lone():
    # S1's development capacity is 1: one school is all they take, 1000 - 3 = 997.
    p = problem([school("100001", km=3)], [specialist("S1", capacity=1)], weights=LONE)
    assert solved(p).objective == 997


def test_lone_department_prefers_completing_a_pair():
    # Two schools; S1 at 0 and S2 at 10 (both capacity 2); schools at 4 and 6.
    # Split (nearest each): 2000 - 4 - 4 - 400 - 400 = 1192; together with S1:
    # 2000 - 4 - 6 = 1990; together with S2: 2000 - 6 - 4 = 1990. A pair wins: 1990.
    p = problem(
        [school("100001", km=4), school("100002", km=6)],
        [specialist("S1", km=0), specialist("S2", km=10)],
        weights=LONE,
    )
    r = solved(p)
    assert r.objective == 1990
    a = r.allocation
    assert a.school_specialist[0] == a.school_specialist[1]


def test_lone_department_not_worth_placing_leaves_the_school_out():
    # place 300 < lone_department 400: placing it alone loses 300 - 3 - 400 = -103: 0.
    p = problem([school("100001", km=3)], [specialist("S1")], weights=replace(LONE, place=300))
    assert solved(p).objective == 0


def test_whole_pairs_forbids_a_lone_department():
    # whole_pairs: one school cannot be placed alone with S1 (capacity 2): objective 0;
    # with lone_department 0 the weight is not what keeps it out.
    p = problem([school("100001", km=3)], [specialist("S1")], whole_pairs=True)
    assert solved(p).objective == 0
    # A capacity-1 specialist is never lone, so whole_pairs does not bite: 1000 - 3 = 997.
    p1 = problem([school("100001", km=3)], [specialist("S1", capacity=1)], whole_pairs=True)
    assert solved(p1).objective == 997
    # Two schools make a pair: 2000 - 3 - 5 = 1992.
    p2 = problem([school("100001", km=3), school("100002", km=5)], [specialist("S1")], whole_pairs=True)
    assert solved(p2).objective == 1992


def test_only_schools_placed_with_a_specialist_count_towards_a_load():
    # 100001 (3 km) and 100002 (5 km); S1 at 0 (capacity 2); development group DG for one
    # school at 5 km with fixed lead S2 at 5 km (lead travel 0).
    # 100001 with S1, 100002 in DG: S1's load is 1 (a group member does not count):
    #   2000 - 3 - 0 - 400 (lone) = 1597;
    # 100002 with S1, 100001 in DG: 2000 - 5 - 2 - 400 = 1593;
    # both with S1 (DG idle): 2000 - 3 - 5 = 1992, the optimum.
    p = problem(
        [school("100001", km=3), school("100002", km=5)],
        [specialist("S1", km=0), specialist("S2", km=5, capacity=0)],
        [group("DG", km=5, stage="development", lead_idx=1, min_schools=1, max_schools=1)],
        weights=LONE,
    )
    r = solved(p)
    assert r.objective == 1992
    planted = Allocation((0, None), (None, 0), (1,))
    report = check_allocation(p, planted)
    assert report.ok and report.terms["lone_department"] == -400 and report.objective == 1597


def test_checker_catches_a_lone_department_the_objective_did_not_charge():
    # The model solved without the term (lone_department 0) reports 997; the scenario's
    # weight is 400, so the checker recomputes 597 for the same allocation: a bug in the
    # model's cost would show as this mismatch (the pipeline stops with exit 3).
    p = problem([school("100001", km=3)], [specialist("S1")], weights=LONE)
    blind = search(replace(p, weights=PLAIN))
    assert blind.objective == 997
    report = check_allocation(p, blind.allocation)
    assert report.ok and report.objective == 597 != blind.objective
    # And whole_pairs makes the same allocation a violation.
    strict = replace(p, rules=replace(p.rules, whole_pairs=True))
    assert any("lone department" in v for v in check_allocation(strict, blind.allocation).violations)


# ---------------------------------------------------------------- leads travel


def test_the_nearer_lead_is_chosen():
    # A sustaining school at the venue (km 0); S1 at 7 km, S2 at 2 km may both lead.
    # Lead travel: S2 2 km -> 1000 - 0 - 2 = 998 (S1 would give 993).
    p = problem(
        [school("100001", "sustaining", km=0)],
        [specialist("S1", km=7), specialist("S2", km=2)],
        [group("G1", km=0)],
    )
    r = solved(p)
    assert r.objective == 998
    assert r.allocation.group_lead == (1,)


def test_a_fixed_lead_travels_too_and_a_lead_at_the_venue_costs_nothing():
    # Fixed lead S1 at 7 km, venue at 0: 1000 - 7 = 993 (S2, nearer, may not lead).
    p = problem(
        [school("100001", "sustaining", km=0)],
        [specialist("S1", km=7), specialist("S2", km=2)],
        [group("G1", km=0, lead_idx=0)],
    )
    assert solved(p).objective == 993
    # A group without venue columns and with a fixed lead meets at the lead: travel 0;
    # the school is 7 km from it: 1000 - 7 = 993, lead travel 0.
    at_lead = group("G1", km=7, lead_idx=0, venue_at_lead=True, venue_postcode=None)
    p2 = problem([school("100001", "sustaining", km=0)], [specialist("S1", km=7)], [at_lead])
    r = solved(p2)
    assert r.objective == 993
    assert check_allocation(p2, r.allocation).terms["lead_travel"] == 0


def test_a_group_without_venue_meets_at_its_chosen_lead():
    # No venue columns, no fixed lead: the group meets where its lead is. Schools at 0 and
    # 2 km; S1 at 10, S2 at 1. With S2: 2000 - 1 - 1 = 1998 (lead travel 0); with S1:
    # 2000 - 10 - 8 = 1982. S2 is chosen: 1998.
    meets_at_lead = group("G1", km=99, venue_at_lead=True, venue_postcode=None)
    p = problem(
        [school("100001", "sustaining", km=0), school("100002", "sustaining", km=2)],
        [specialist("S1", km=10), specialist("S2", km=1)],
        [meets_at_lead],
    )
    r = solved(p)
    assert r.objective == 1998
    assert r.allocation.group_lead == (1,)
    assert check_allocation(p, r.allocation).terms["lead_travel"] == 0


def test_the_travel_limit_applies_to_the_chosen_lead():
    # As above, but S2 (1 km) may not lead (max_groups 0), and S1 is 10 km away: within
    # a 60 km limit both schools join, 2000 - 10 - 8 = 1982; with a 9 km limit school
    # 100001 (10 km from S1) may not, and 100002 (8 km) joins alone: 1000 - 8 = 992.
    meets_at_lead = group("G1", km=99, venue_at_lead=True, venue_postcode=None)
    schools = [school("100001", "sustaining", km=0), school("100002", "sustaining", km=2)]
    specialists = [specialist("S1", km=10), specialist("S2", km=1, max_groups=0)]
    assert solved(problem(schools, specialists, [meets_at_lead], max_travel_km=60.0)).objective == 1982
    r = solved(problem(schools, specialists, [meets_at_lead], max_travel_km=9.0))
    assert r.objective == 992


# ---------------------------------------------------------------- development groups


def test_a_development_school_may_be_placed_by_a_development_group():
    # Three special development schools (0, 1, 2 km), no specialist with capacity, and a
    # special development group at 1 km led by S1 (at 1 km): 3000 - 1 - 0 - 1 = 2998.
    schools = [school(f"10000{i}", km=i, phase="special") for i in range(3)]
    dg = group("DG", km=1, phase="special", stage="development", min_schools=3)
    p = problem(schools, [specialist("S1", km=1, capacity=0)], [dg])
    r = solved(p)
    assert r.objective == 2998
    assert all(v == (None, "DG") for v in ids(p, r).values())


def test_a_development_school_has_a_specialist_or_a_group_never_both():
    # The checker refuses both; embedding and sustaining schools never join a development group.
    p = problem(
        [school("100001", km=0, phase="special"), school("100002", "sustaining", km=0, phase="special")],
        [specialist("S1", km=0)],
        [group("DG", km=0, phase="special", stage="development", min_schools=1), group("G", km=0, phase="special")],
    )
    both = check_allocation(p, Allocation((0, None), (0, None), (0, None)))
    assert any(v.startswith("rule 1") and "not both" in v for v in both.violations)
    wrong = check_allocation(p, Allocation((None, None), (None, 0), (0, None)))
    assert any(v.startswith("rule 1") and "development group" in v for v in wrong.violations)
    # The eligibility never offers those pairs.
    elig = compute_eligibility(p)
    assert {tuple(x) for x in elig.group_pairs.tolist()} == {(0, 0), (1, 1)}


def test_a_development_group_does_not_bite_when_specialists_are_nearer():
    # Two development schools at 0 and 1 km; S1 at 0 (capacity 2); a development group
    # at 20 km (fixed lead S2 at 20): with S1 2000 - 0 - 1 = 1999; in the group
    # 2000 - 20 - 19 = 1961. S1 wins: 1999.
    p = problem(
        [school("100001", km=0), school("100002", km=1)],
        [specialist("S1", km=0), specialist("S2", km=20, capacity=0)],
        [group("DG", km=20, stage="development", lead_idx=1, min_schools=1)],
    )
    r = solved(p)
    assert r.objective == 1999
    assert ids(p, r) == {"100001": ("S1", None), "100002": ("S1", None)}


# ---------------------------------------------------------------- regional groups


def test_a_cross_hub_group_takes_schools_of_any_hub_with_a_lead_of_its_own_hub():
    # A school of hub K, a group of hub H at the school (lead S1 of H at 0), S2 of K.
    # cross_hub: 1000 - 0 = 1000 (S1 leads); without it the school cannot join: 0.
    s = school("100001", "sustaining", km=0, hub="K")
    sps = [specialist("S1", km=0), specialist("S2", km=0, hub="K")]
    regional = group("G1", km=0, cross_hub=True)
    r = solved(problem([s], sps, [regional]))
    assert r.objective == 1000 and r.allocation.group_lead == (0,)
    assert solved(problem([s], sps, [replace(regional, cross_hub=False)])).objective == 0
    # A school that says allow_cross_hub: no still joins the regional group (Readings 6).
    assert solved(problem([replace(s, allow_cross_hub=False)], sps, [regional])).objective == 1000


# ---------------------------------------------------------------- per-school settings


def test_a_school_travel_limit_replaces_the_rules_even_when_larger():
    # Rule 10 km; the school is 30 km from S1. Its own 40 km lets it in: 1000 - 30 = 970;
    # without its own limit it is out: 0.
    far = school("100001", km=30)
    assert solved(problem([far], [specialist("S1", capacity=1)], max_travel_km=10.0)).objective == 0
    own = replace(far, max_travel_km=40.0)
    assert solved(problem([own], [specialist("S1", capacity=1)], max_travel_km=10.0)).objective == 970
    # A specialist's own lower limit (20 km) still applies: 0.
    assert solved(problem([own], [specialist("S1", capacity=1, max_travel_km=20.0)], max_travel_km=10.0)).objective == 0


def test_a_school_travel_limit_can_be_lower_and_applies_to_venues():
    # Rule 80 km; the venue is 30 km away: 1000 - 30 - 0 (lead at venue) = 970; the
    # school's own 20 km keeps it out: 0.
    s = school("100001", "sustaining", km=0)
    p = problem([s], [specialist("S1", km=30)], [group("G1", km=30)])
    assert solved(p).objective == 970
    assert solved(replace(p, schools=(replace(s, max_travel_km=20.0),))).objective == 0


def test_a_school_cross_hub_setting_overrides_the_rule():
    # A school of hub K, its only specialist in H at 2 km: rule no, school yes -> 998;
    # rule yes, school no -> 0.
    s = school("100001", km=2, hub="K")
    sp = [specialist("S1", capacity=1)]
    assert solved(problem([replace(s, allow_cross_hub=True)], sp)).objective == 998
    assert solved(problem([replace(s, allow_cross_hub=False)], sp, allow_cross_hub=True)).objective == 0
    assert solved(problem([s], sp, allow_cross_hub=True)).objective == 998


# ---------------------------------------------------------------- properties


def _programme(p):
    """Tiny problems where placing pays and most pairs fit (one hub name, one phase, every
    specialist available and free to lead), so that pairs, lone departments, leads'
    travel, groups meeting at their chosen lead and development groups all come up."""
    cohort = p.rules.available_cohorts[0]
    specialists = tuple(
        replace(x, hub="North", phase="secondary", cohort=cohort, available=True, can_lead=True, lead_foci=None)
        for x in p.specialists
    )
    schools = tuple(replace(x, hub="North", phase="secondary" if x.phase == "primary" else x.phase) for x in p.schools)
    groups = tuple(replace(g, phase="secondary" if g.phase == "primary" else g.phase) for g in p.work_groups)
    weights = replace(p.weights, place=1500, travel_per_km=min(p.weights.travel_per_km, 1))
    return replace(p, specialists=specialists, schools=schools, work_groups=groups, weights=weights)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_problems(with_pins=True).map(_programme))
def test_programme_terms_solver_checker_and_brute_force_agree(p):
    best = brute_force_optimum(p)
    result = search(p)
    if best is None:
        assert result.status == SolveStatus.INFEASIBLE
        return
    assert result.status == SolveStatus.OPTIMAL
    report = check_allocation(p, result.allocation)
    assert report.violations == ()
    assert report.objective == result.objective == best


def test_weights_default_prices_lone_departments():
    assert Weights().lone_department == 400


def test_variants_keep_the_programme_settings():
    # Changing another weight or rule keeps lone_department and whole_pairs as they were.
    from allocator.problem.variants import with_rules, with_weights

    p = problem(
        [school("100001", km=3)], [specialist("S1")], weights=replace(LONE, lone_department=7), whole_pairs=True
    )
    assert with_weights(p, travel_per_km=2).weights.lone_department == 7
    assert with_rules(p, None, max_travel_km=50.0).rules.whole_pairs is True
    assert with_weights(p, lone_department=0).weights.lone_department == 0


# ---------------------------------------------------------------- the demo, end to end


def test_the_demo_shows_every_programme_feature(tmp_path):
    import csv
    import json

    import openpyxl
    from click.testing import CliRunner

    from allocator.cli.main import main
    from tests.conftest import copy_demo

    demo = copy_demo(tmp_path / "demo")
    out = tmp_path / "out"
    args = [str(demo.yml), "--out", str(out), "--format", "csv,xlsx,html", "--no-recommendations"]
    result = CliRunner().invoke(main, [*args, "--locations", "sector"])
    assert result.exit_code == 0, result.output

    def rows(name):
        with (out / name).open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    # Pairs, and the one lone department it cannot avoid: MS22 with Cobnut Hill (4 km limits).
    hub = summary["development_pairs"]["Weald and Downs Maths Hub"]
    assert hub["pairs"] >= 5 and hub["lone_departments"] == 1
    specialists = {r["id"]: r for r in rows("specialists.csv")}
    assert specialists["MS22"]["development_group"] == "lone" and specialists["MS22"]["schools"] == "915503"
    assert summary["objective_terms"]["lone_department"] == -400
    # The special schools' development group across hubs, and a group at its chosen lead.
    groups = {r["id"]: r for r in rows("work_groups.csv")}
    special = groups["WD-SEN-D"]
    assert special["runs"] == "yes" and special["stage"] == "development" and special["cross_hub"] == "yes"
    assert "915502" in special["schools"].split(";")  # Reedmarsh School, Thames Estuary hub
    chosen = groups["WD-P-2"]
    assert chosen["runs"] == "yes" and chosen["venue_source"] == "chosen lead" and chosen["lead_km"] == "0.0"
    table = demo.rows("specialists")
    lead_row = next(r for r in table[1:] if r[0] == chosen["lead"])
    assert chosen["venue_postcode"] == lead_row[table[0].index("postcode")]
    # Foci with titles and codes; funding per placed school and in total.
    allocations = {r["urn"]: r for r in rows("allocations.csv")}
    a_member = next(r for r in allocations.values() if r["work_group"] == "WD-S-A")
    assert (a_member["focus_title"], a_member["focus_code"]) == ("Developing mathematical thinking", "NCP24-14a")
    assert groups["WD-S-B"]["focus_code"] == "NCP24-14b"
    placed_development = sum(1 for r in allocations.values() if r["stage"] == "development" and r["status"] == "placed")
    assert summary["funding"]["total"] == 2000 * placed_development
    assert summary["funding"]["by_hub"]["Thames Estuary Maths Hub"]["development"] == 2000
    letters = {r["urn"]: r for r in rows("letters.csv")}
    assert letters["915502"]["funding"] == "2000" and letters["916003"]["funding"] == ""  # 916003 is unplaced
    # The workbook's Summary and the report say the same.
    summary_sheet = [
        [c for c in row if c is not None] for row in openpyxl.load_workbook(out / "allocation.xlsx")["Summary"].values
    ]
    assert ["Weald and Downs Maths Hub", hub["pairs"], 1] in summary_sheet
    assert [
        "all hubs",
        summary["funding"]["by_stage"]["development"],
        0,
        0,
        summary["funding"]["total"],
    ] in summary_sheet
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Development pairs" in page and "Funding" in page


def test_conflicts_name_whole_pairs_and_a_schools_own_limit():
    from allocator.diagnose.conflicts import minimal_conflict

    # One development school pinned to S1 (capacity 2) under whole_pairs: the pin and the
    # rule conflict; dropping either makes the rest possible.
    p = problem([school("100001", km=3)], [specialist("S1")], whole_pairs=True, pins=[("100001", "S1")])
    assert search(p).status == SolveStatus.INFEASIBLE
    keys = sorted(r.key for r in minimal_conflict(p, compute_eligibility(p)))
    assert keys == [("pin", 0), ("whole_pairs",)]
    # A pin beyond the school's own 2 km limit (S1 is 3 km away): the school's limit is named.
    q = problem([replace(school("100001", km=3), max_travel_km=2.0)], [specialist("S1")], pins=[("100001", "S1")])
    conflict = minimal_conflict(q, compute_eligibility(q))
    assert sorted(r.key for r in conflict) == [("pin", 0), ("travel_school", 0)]
    assert any("school 100001's own 2 km travel limit" in r.text for r in conflict)


def test_foci_mapping_forms_and_funding_load(demo):
    # A value may be a mapping (title, code), a string (the title) or empty; the list
    # form still works (tests/conftest.py turns the demo's mapping back into it).
    demo.replace_yaml("foci: [A, B, C, D]", 'foci: {a: {title: Thinking, code: NCP24-14a}, B: "Fluency", C: , D: }')
    problem_data = demo.load().problem
    assert problem_data.foci == ("A", "B", "C", "D")
    assert problem_data.focus_detail("A").title == "Thinking" and problem_data.focus_detail("A").code == "NCP24-14a"
    assert problem_data.focus_detail("B").title == "Fluency" and problem_data.focus_detail("B").code == ""
    assert problem_data.focus_detail("C").title == ""
    assert problem_data.funding is not None and problem_data.funding.for_stage("development") == 2000
    assert problem_data.funding.for_stage("sustaining") == 0
