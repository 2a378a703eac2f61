"""Recommendations are edits of the scenario's files that do what they say.

For each kind of change: a scenario where it is the best recommendation, the edit made
by `apply-recommendation` in a copy, and a re-solve of the copy that confirms
`objective_after` and the school placed. Distances follow `tests.builders`: every place
is on the Greenwich meridian, `km` north of latitude 52, so a trip is the difference of
the two `km` (travel costs 1 per km, a place is worth 1000, nothing else counts unless
said).
"""

from __future__ import annotations

import os
from dataclasses import fields, replace
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.cli.main import main
from allocator.diagnose.apply_edits import EditError, add_pin, copy_scenario, set_key
from allocator.diagnose.candidates import Loads
from allocator.diagnose.edits import Cell, apply_changes
from allocator.diagnose.recommend import recommend
from allocator.inputs.load import load
from allocator.pipeline import run
from allocator.problem.data import School
from allocator.problem.eligibility import compute_eligibility
from allocator.solving.search import search
from tests.builders import KM_PER_DEGREE, group, problem, school, specialist
from tests.strategies import tiny_problems

EXAMPLES = int(os.environ.get("REC_EXAMPLES", "40"))  # more by hand: REC_EXAMPLES=500
SCHOOL_CELLS = {f.name for f in fields(School)} >= {"max_travel_km", "allow_cross_hub"}
needs_school_cells = pytest.mark.skipif(
    not SCHOOL_CELLS, reason="per-school max_travel_km / allow_cross_hub columns come with the programme issue"
)


def _lat(km: float) -> str:
    return f"{52.0 + km / KM_PER_DEGREE:.9f}"


PLAIN_WEIGHTS = (
    "place: 1000, priority: 0, travel_per_km: 1, focus_rank: [0, 0, 0, 0], continuity: 0, lone_department: 0"
)


def write_scenario(folder: Path, schools, specialists, groups=(), rules="", weights="") -> Path:
    """A scenario folder. schools: (urn, stage, km, extra dict); specialists: (id, km,
    extra dict); groups: (id, km, extra dict)."""
    folder.mkdir(parents=True, exist_ok=True)
    school_rows = [
        {
            "urn": u,
            "name": f"School {u}",
            "hub": "H",
            "phase": "secondary",
            "stage": st_,
            "postcode": "TN1 1AA",
            "latitude": _lat(km),
            "longitude": "0",
            "focus_choices": "A",
            **extra,
        }  # fmt: skip
        for u, st_, km, extra in schools
    ]
    specialist_rows = [
        {
            "id": i,
            "name": f"Jo {i}",
            "hub": "H",
            "phase": "secondary",
            "cohort": "1",
            "postcode": "TN1 1AA",
            "latitude": _lat(km),
            "longitude": "0",
            **extra,
        }  # fmt: skip
        for i, km, extra in specialists
    ]
    group_rows = [
        {
            "id": i,
            "hub": "H",
            "phase": "secondary",
            "venue_latitude": _lat(km),
            "venue_longitude": "0",
            "min_schools": "1",
            "max_schools": "8",
            **extra,
        }  # fmt: skip
        for i, km, extra in groups
    ]
    pd.DataFrame(school_rows).to_csv(folder / "schools.csv", index=False)
    pd.DataFrame(specialist_rows).to_csv(folder / "specialists.csv", index=False)
    lines = ["name: test", "year: 2025/26", "schools: schools.csv", "specialists: specialists.csv"]
    if group_rows:
        pd.DataFrame(group_rows).to_csv(folder / "work_groups.csv", index=False)
        lines.append("work_groups: work_groups.csv")
    lines += ["locations: sector", rules or "rules: {max_travel_km: 80}"]
    lines.append(
        # lone_department 0: each test measures its own kind of change (test_programme prices pairs)
        weights or f"weights: {{{PLAIN_WEIGHTS}}}"
    )
    (folder / "scenario.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "scenario.yml"


def recommendations(yml: Path) -> tuple[pd.DataFrame, int]:
    outcome = run(load(yml).problem)
    return outcome.tables["recommendations"], outcome.objective


def apply_and_resolve(yml: Path, row: pd.Series, out: Path) -> tuple[int, str]:
    """Make the row's edits with apply-recommendation (--from the table), re-solve the copy."""
    table_file = out.parent / f"{out.name}-recommendations.csv"
    pd.DataFrame([row]).to_csv(table_file, index=False)
    result = CliRunner().invoke(
        main, ["apply-recommendation", str(yml), row["urn"], "--out", str(out), "--from", str(table_file)]
    )
    assert result.exit_code == 0, result.output
    edited = run(load(out / yml.name).problem, recommendations=False)
    status = edited.tables["allocations"].set_index("urn").at[row["urn"], "status"]
    return edited.objective, status


def only_row(table: pd.DataFrame, urn: str) -> pd.Series:
    [row] = [r for _, r in table.iterrows() if r["urn"] == urn]
    return row


def test_capacity(tmp_path):
    # MS1 (capacity 1) holds 100001 (1 km): 999. One more place places 100002 (2 km):
    # 999 + 998 = 1997, nobody displaced.
    yml = write_scenario(
        tmp_path / "s", [("100001", "development", 1, {}), ("100002", "development", 2, {})],
        [("MS1", 0, {"capacity": "1"})],
    )  # fmt: skip
    table, before = recommendations(yml)
    assert before == 999
    row = only_row(table, "100002")
    assert (row["kind"], row["file"], row["row"], row["column"]) == ("capacity", "specialists.csv", 2, "capacity")
    assert (row["old_value"], row["new_value"], row["objective_after"]) == ("1", "2", 1997)
    assert row["placed_after"] == "yes" and row["displaced"] == "" and row["moved"] == 0
    assert "MS1 Jo MS1" in row["change"]
    assert apply_and_resolve(yml, row, tmp_path / "edited") == (1997, "placed")
    assert (tmp_path / "s" / "specialists.csv").read_text().count(",1,") >= 1  # the original is unchanged


def test_max_schools(tmp_path):
    # G1 takes one school: 100001 (1 km) is in, 999. One more seat: + 998 = 1997.
    yml = write_scenario(
        tmp_path / "s", [("100001", "sustaining", 1, {}), ("100002", "sustaining", 2, {})],
        [("MS1", 0, {})], [("G1", 0, {"max_schools": "1"})],
    )  # fmt: skip
    table, before = recommendations(yml)
    row = only_row(table, "100002")
    assert (row["kind"], row["column"], row["old_value"], row["new_value"]) == ("max_schools", "max_schools", "1", "2")
    assert row["objective_after"] == 1997 and before == 999
    assert apply_and_resolve(yml, row, tmp_path / "edited") == (1997, "placed")


def test_running_a_group_lowers_its_minimum_to_the_schools_that_can_join(tmp_path):
    # G1 needs 3 schools; only 2 may join, so it does not run (objective 0). Its
    # min_schools set to 2 runs it with both: 999 + 998 = 1997.
    yml = write_scenario(
        tmp_path / "s", [("100001", "sustaining", 1, {}), ("100002", "sustaining", 2, {})],
        [("MS1", 0, {})], [("G1", 0, {"min_schools": "3"})],
    )  # fmt: skip
    table, before = recommendations(yml)
    assert before == 0 and len(table) == 2
    row = only_row(table, "100001")
    assert (row["kind"], row["column"], row["old_value"], row["new_value"]) == ("min_schools", "min_schools", "3", "2")
    assert row["objective_after"] == 1997 and row["moved"] == 0 and row["displaced"] == ""
    assert apply_and_resolve(yml, row, tmp_path / "edited") == (1997, "placed")


def test_cohort(tmp_path):
    # MS2 (1 km) is in cohort 2, not available; MS1 is 100 km away. Cohort 2 made
    # available: 1000 - 1 = 999 (raising the school's limit to reach MS1 gives 900).
    yml = write_scenario(
        tmp_path / "s", [("100001", "development", 0, {})],
        [("MS1", 100, {}), ("MS2", 1, {"cohort": "2"})],
        rules="rules: {max_travel_km: 80, available_cohorts: [1]}",
    )  # fmt: skip
    table, _ = recommendations(yml)
    row = only_row(table, "100001")
    assert (row["kind"], row["file"], row["column"]) == ("cohort", "scenario.yml", "rules.available_cohorts")
    assert pd.isna(row["row"]) and (row["old_value"], row["new_value"]) == ("[1]", "[1, 2]")
    assert row["objective_after"] == 999
    assert apply_and_resolve(yml, row, tmp_path / "edited") == (999, "placed")
    assert "max_travel_km: 80" in (tmp_path / "edited" / "scenario.yml").read_text()


def test_pin_when_no_rule_needs_to_change(tmp_path):
    # A place is worth 10 and MS1 (room to spare) is 30 km away: the optimum leaves the
    # school out (0). No rule keeps it out; pinning it costs 10 - 30 = -20.
    yml = write_scenario(
        tmp_path / "s", [("100001", "development", 30, {})], [("MS1", 0, {})],
        weights=f"weights: {{{PLAIN_WEIGHTS.replace('place: 1000', 'place: 10')}}}",
    )  # fmt: skip
    table, before = recommendations(yml)
    row = only_row(table, "100001")
    assert before == 0
    assert (row["kind"], row["column"], row["objective_after"]) == ("pin", "pins", -20)
    assert row["new_value"] == '{school: "100001", specialist: MS1}'
    assert apply_and_resolve(yml, row, tmp_path / "edited") == (-20, "placed")


def test_two_changes_when_no_single_one_places_it(tmp_path):
    # MS2 (1 km) is in cohort 2 (not available) and has no development places; MS1 is
    # primary. Both edits together: 1000 - 1 = 999.
    yml = write_scenario(
        tmp_path / "s", [("100001", "development", 0, {})],
        [("MS1", 0, {"phase": "primary"}), ("MS2", 1, {"cohort": "2", "capacity": "0"})],
        rules="rules: {max_travel_km: 80, available_cohorts: [1]}",
    )  # fmt: skip
    table, _ = recommendations(yml)
    row = only_row(table, "100001")
    cells = {(row["column"], row["new_value"]), (row["column_2"], row["new_value_2"])}
    assert row["kind"] == "two_changes" and row["change"].startswith("No single change places it")
    assert cells == {("rules.available_cohorts", "[1, 2]"), ("capacity", "1")}
    assert row["objective_after"] == 999
    assert apply_and_resolve(yml, row, tmp_path / "edited") == (999, "placed")


@needs_school_cells
@pytest.mark.parametrize(
    ("specialist_hub", "km", "kind", "expected"),
    [("H", 85, "travel", 915), ("K", 5, "cross_hub", 995)],
)
def test_school_cells_by_file(tmp_path, specialist_hub, km, kind, expected):
    yml = write_scenario(tmp_path / "s", [("100001", "development", km, {})], [("MS1", 0, {"hub": specialist_hub})])
    table, _ = recommendations(yml)
    row = only_row(table, "100001")
    assert row["kind"] == kind and row["objective_after"] == expected
    assert apply_and_resolve(yml, row, tmp_path / "edited") == (expected, "placed")


def test_travel_and_cross_hub_in_memory_and_in_the_copy(tmp_path):
    # 85 km beyond the 80 km limit: the school's own limit, the smallest whole km that
    # reaches MS1 (85), gives 1000 - 85 = 915. MS1 in another hub at 5 km: 995.
    for hub, km, kind, expected, column, new in (
        ("H", 85, "travel", 915, "max_travel_km", "85"),
        ("K", 5, "cross_hub", 995, "allow_cross_hub", "yes"),
    ):
        p = problem([school("100001", km=km)], [specialist("S1", hub=hub)])
        base = search(p)
        elig = compute_eligibility(p)
        [rec] = recommend(p, elig, base.allocation, base.objective, [0])
        assert rec.kind == kind and rec.objective == expected and rec.placed
        assert (rec.changes[0].cell.column, rec.changes[0].cell.new) == (column, new)
        variant, variant_elig, _ = apply_changes(p, elig, rec.changes)
        assert search(variant, eligibility=variant_elig, decompose=False).objective == expected
    yml = write_scenario(tmp_path / "s", [("100001", "development", 85, {})], [("MS1", 0, {})])
    table, _ = recommendations(yml)
    row = only_row(table, "100001")
    copy_scenario(yml, tmp_path / "edited", [Cell("schools.csv", 2, "max_travel_km", "", "85")])
    edited = pd.read_csv(tmp_path / "edited" / "schools.csv", dtype=str)
    assert edited.at[0, "max_travel_km"] == "85" and row["new_value"] == "85"
    assert "max_travel_km" not in pd.read_csv(yml.parent / "schools.csv").columns


def test_travel_to_a_group_meeting_at_its_chosen_lead():
    # G1 meets at its lead; its only possible lead S1 is 85 km from the sustaining school,
    # beyond the 80 km limit. The school's own limit of 85 km places it: 1000 - 85 = 915
    # (its trip to the lead is what it pays; the patched row must carry that trip too).
    p = problem(
        [school("100001", stage="sustaining", km=85)],
        [specialist("S1", km=0, max_groups=1)],
        [group("G1", km=0, venue_at_lead=True)],
    )
    base = search(p)
    assert base.objective == 0
    elig = compute_eligibility(p)
    [rec] = recommend(p, elig, base.allocation, base.objective, [0])
    assert rec.kind == "travel" and rec.objective == 915 and rec.placed
    variant, _, _ = apply_changes(p, elig, rec.changes)
    assert search(variant, decompose=False).objective == 915


def test_one_more_place_where_places_are_left_when_pairs_are_whole():
    # Whole pairs: a specialist's development load may not be 1. 100001 and 100002
    # (45 km) are a pair with S2 (40 km): 2000 - 5 - 5 = 1990. 100003 (121 km) reaches
    # only S3 (60 km), which has two places left but would be a lone department. One more
    # place for S3 (2 -> 3) takes all three there: 3000 - 15 - 15 - 61 = 2909 (+919),
    # better than pinning it (a pair with S3 leaves the other school alone: 1924).
    p = problem(
        [school("100001", km=45), school("100002", km=45), school("100003", km=121)],
        [specialist("S2", km=40, capacity=2), specialist("S3", km=60, capacity=2)],
        whole_pairs=True,
    )
    base = search(p)
    assert base.objective == 1990
    elig = compute_eligibility(p)
    [rec] = recommend(p, elig, base.allocation, base.objective, [2])
    assert rec.kind == "capacity" and rec.objective == 2909 and rec.placed
    assert rec.changes[0].target == 1 and rec.moved == 2 and rec.displaced == ()
    variant, _, _ = apply_changes(p, elig, rec.changes)
    assert search(variant, decompose=False).objective == 2909


def test_an_embedding_school_joining_two_parts_is_re_solved_one_side_in_each(monkeypatch):
    # Hub H: S1 (0 km) supports 100001 and leads G1 (-20 km): 1000 - 20 - 20 (S1's
    # trip to G1) = 960. Hub K: 100002 in G2 (10 km), led by L2 (30 km): 1000 - 20 =
    # 980. Base 1940; 100003 (embedding, hub K, 5 km) has no specialist. Allowed across
    # hubs it takes S1 (5 km) and G2 (5 km): +990, to 2930 (L2 one more place: 25 + 5 km,
    # +970). S1's part and G2's are joined only through it, so each is re-solved with
    # it placed by one side there: S1's part with it supported, G2's with it a member.
    import allocator.diagnose.recommend as rec_module

    p = problem(
        [
            school("100001", stage="embedding", km=0),
            school("100002", stage="sustaining", km=10, hub="K"),
            school("100003", stage="embedding", km=5, hub="K"),
        ],
        [specialist("S1", km=0), specialist("L2", km=30, hub="K", capacity=0, embedding_capacity=0)],
        [group("G1", km=-20), group("G2", km=10, hub="K", min_schools=1)],
    )
    base = search(p)
    assert base.objective == 1940
    sides = []
    original = rec_module._Engine._half

    def half(engine, problem_, elig_, s, n, side, targets):
        sides.append(side)
        return original(engine, problem_, elig_, s, n, side, targets)

    monkeypatch.setattr(rec_module._Engine, "_half", half)
    elig = compute_eligibility(p)
    [rec] = recommend(p, elig, base.allocation, base.objective, [2])
    assert rec.kind == "cross_hub" and rec.objective == 2930 and rec.placed and rec.moved == 0
    assert sorted(set(sides)) == ["group", "specialist"]
    variant, _, _ = apply_changes(p, elig, rec.changes)
    after = search(variant, decompose=False)
    assert after.objective == 2930
    assert (after.allocation.school_specialist[2], after.allocation.school_group[2]) == (0, 1)


def test_a_tie_says_a_re_run_may_leave_the_school_out():
    # S1 (capacity 1) holds 100001 (1 km); 100002 and 100003 (both 2 km) are unplaced.
    # One more place for S1 places either: 999 + 998 = 1997 both ways, so for each an
    # optimum leaves it out, and each recommendation says a re-run may (a tie). With
    # 100003 3 km away instead, one more place goes to 100002 alone (999 + 998 = 1997
    # against 999 + 997): no tie for it.
    from allocator.report.recommendations import recommendation_table

    def recs(third_km):
        p = problem(
            [school("100001", km=1), school("100002", km=2), school("100003", km=third_km)],
            [specialist("S1", capacity=1)],
        )
        base = search(p)
        assert base.objective == 999
        return p, recommend(p, compute_eligibility(p), base.allocation, base.objective, [1, 2])

    p, tied = recs(2)
    assert [(r.kind, r.objective, r.placed, r.tie) for r in tied] == [("capacity", 1997, True, True)] * 2
    assert all("a re-run may too: also pin it to S1" in r.text for r in tied)
    table = recommendation_table(p, tied)
    assert list(table["tie"]) == ["yes", "yes"] and list(table["placed_after"]) == ["yes", "yes"]
    _, clear = recs(3)
    assert (clear[0].kind, clear[0].objective, clear[0].tie) == ("capacity", 1997, False)
    assert "re-run" not in clear[0].text


def test_one_search_tells_every_unplaced_school_whether_an_edit_can_place_it(monkeypatch):
    # S1 (capacity 1) holds 100001 (1 km): 999. Unplaced: 100002 and 100003 (2 km) and
    # 100004 (3 km). One more place for S1: 999 + 998 = 1997, by 100002 or 100003 (a
    # tie); 100004 would give 999 + 997 = 1996. The plain re-solve places one of the
    # two; one search preferring the other two places the other (3 x 1997 + 1), and a
    # second preferring 100004 alone places nobody (2 x 1997 + 0): so no optimum places
    # 100004, and no school was re-solved forced in.
    from allocator.diagnose import recommend as rec_module
    from allocator.diagnose.edits import Files, capacity_change
    from allocator.diagnose.recommend import _Option
    from allocator.problem.data import Stage

    p = problem(
        [school("100001", km=1), school("100002", km=2), school("100003", km=2), school("100004", km=3)],
        [specialist("S1", capacity=1)],
    )
    engine = _engine(p)
    assert engine.objective == 999
    searches: list[tuple[tuple[int, ...], int]] = []
    original = rec_module._Engine._search

    def counted(self, problem, elig, parts, required, nearest, preferred=(), start=None, avoided=()):
        found = original(self, problem, elig, parts, required, nearest, preferred, start, avoided)
        searches.append((required, len(preferred)))
        return found

    monkeypatch.setattr(rec_module._Engine, "_search", counted)
    change = capacity_change(p, Files.of(p), 0, Stage.DEVELOPMENT)
    plain = engine.effect((change,), 1)
    assert plain.objective == 1997
    answers = {s: engine._at_optimum(_Option((change,), plain), s) for s in (1, 2, 3)}
    for s in (1, 2):
        assert answers[s].objective == 1997 and answers[s].allocation.school_specialist[s] == 0
        assert answers[s].pending is not None  # its closest-optimum pass is still to come
    assert answers[3] is False
    assert [n for required, n in searches if n] == [2, 1] and all(not required for required, _ in searches)
    forced = search(
        apply_changes(p, engine.elig, (change,))[0], decompose=False, require_placed=(3,)
    )  # 100004 forced in: less than the edit's optimum
    assert forced.objective == 1996


def test_one_search_tells_whether_an_optimum_of_an_edit_can_leave_a_school_out(monkeypatch):
    # As in the tie test: S1 (capacity 1) holds 100001 (1 km), 999. One more place: 1997.
    # With 100002 and 100003 both 2 km away, one search for the optima placing as few of
    # the school the plain re-solve placed finds one leaving it out (2 x 1997 - 0): a
    # tie. With 100003 at 3 km, it cannot leave 100002 out (2 x 1997 - 1): no tie. No
    # re-solve without the school is made.
    from allocator.diagnose import recommend as rec_module
    from allocator.diagnose.edits import Files, capacity_change
    from allocator.diagnose.recommend import _Option
    from allocator.problem.data import Stage

    searches: list[tuple[int, int]] = []
    original = rec_module._Engine._search

    def counted(self, problem, elig, parts, required, nearest, preferred=(), start=None, avoided=()):
        searches.append((len(preferred), len(avoided)))
        return original(self, problem, elig, parts, required, nearest, preferred, start, avoided)

    monkeypatch.setattr(rec_module._Engine, "_search", counted)
    for third_km, tie in ((2, True), (3, False)):
        p = problem(
            [school("100001", km=1), school("100002", km=2), school("100003", km=third_km)],
            [specialist("S1", capacity=1)],
        )
        engine = _engine(p)
        change = capacity_change(p, Files.of(p), 0, Stage.DEVELOPMENT)
        plain = engine.effect((change,), 1)
        s = next(x for x in (1, 2) if engine.placed(plain.allocation, x))
        searches.clear()
        assert plain.objective == 1997 and engine._tie(_Option((change,), plain), s) is tie
        assert searches == [(0, 1)]


def test_a_cross_hub_edit_is_re_solved_through_the_school_it_joins_parts_by():
    # Hub H: S1 (capacity 1) holds 100001 (1 km): 999; 100002 (2 km) is unplaced. Hub K:
    # S2 at 10 km holds 100003 (11 km) alone: 1000 - 1 - 400 (lone department) = 599.
    # Base 999 + 599 = 1598. Allowing 100002 cross-hub joins the hubs' parts through it
    # alone; with S2 (8 km) the lone department becomes a pair: 999 + 999 + 992 = 2990,
    # better than one more place for S1 (999 + 998 + 599 = 2596).
    p = problem(
        [school("100001", km=1), school("100002", km=2), school("100003", km=11, hub="K")],
        [specialist("S1", capacity=1), specialist("S2", km=10, hub="K")],
        weights=replace(problem([school("1")]).weights, lone_department=400),
    )
    base = search(p)
    assert base.objective == 1598
    elig = compute_eligibility(p)
    [rec] = recommend(p, elig, base.allocation, base.objective, [1])
    assert rec.kind == "cross_hub" and rec.objective == 2990 and rec.placed
    assert rec.displaced == () and rec.moved == 0
    variant, variant_elig, _ = apply_changes(p, elig, rec.changes)
    assert search(variant, eligibility=variant_elig, decompose=False).objective == 2990


def test_a_spent_budget_leaves_schools_not_analysed():
    # No time at all: nothing is re-solved, and every school says so.
    p = problem([school("100001", km=1), school("100002", km=2)], [specialist("S1", capacity=1)])
    base = search(p)
    recs = recommend(p, compute_eligibility(p), base.allocation, base.objective, [1], budget_s=0.0)
    assert [r.kind for r in recs] == ["not_analysed"]


def _counting_turns(monkeypatch):
    """Two unplaced schools (100002: S1 is full; 100003: 90 km), first turns of no time,
    and the list of the turns taken, school by school."""
    import allocator.diagnose.recommend as rec_module

    p = problem(
        [school("100001", km=1), school("100002", km=2), school("100003", km=90)],
        [specialist("S1", capacity=1), specialist("S2", km=5, capacity=0)],
    )
    monkeypatch.setattr(rec_module, "SLICE_S", 0.0)
    turns: list[int] = []
    original = rec_module._Engine.recommend_one

    def counted(engine, s):
        turns.append(s)
        return original(engine, s)

    monkeypatch.setattr(rec_module._Engine, "recommend_one", counted)
    return p, search(p), turns


def test_a_school_whose_first_turn_ends_is_analysed_in_its_second(monkeypatch):
    # With no time in a first turn every school is put back before its first re-solve,
    # and analysed whole in its second: the same recommendations as in one turn (no
    # budget: no turns). Turns are taken only where the budget might not reach every
    # school: here each school is expected to take an hour.
    import allocator.diagnose.recommend as rec_module

    p, base, turns = _counting_turns(monkeypatch)
    elig = compute_eligibility(p)
    whole = recommend(p, elig, base.allocation, base.objective, [1, 2], threads=1)
    assert turns == [1, 2]
    turns.clear()
    monkeypatch.setattr(rec_module, "EXPECTED_S", 3600.0)
    sliced = recommend(p, elig, base.allocation, base.objective, [1, 2], threads=1, budget_s=600.0)
    assert turns == [1, 2, 1, 2]
    assert [(r.kind, r.objective, r.text) for r in sliced] == [(r.kind, r.objective, r.text) for r in whole]
    assert all(r.kind not in ("not_analysed", "none") for r in sliced)


def test_a_school_takes_no_turns_where_the_budget_reaches_every_school(monkeypatch):
    # The same two schools with a first turn of no time: expected at EXPECTED_S (0.25 s)
    # each, with a margin of 2, they need about 1 s of a 600 s budget, so each is
    # analysed in one go (turns would put both back once: [1, 2, 1, 2]).
    p, base, turns = _counting_turns(monkeypatch)
    recs = recommend(p, compute_eligibility(p), base.allocation, base.objective, [1, 2], threads=1, budget_s=600.0)
    assert turns == [1, 2]
    assert all(r.kind not in ("not_analysed", "none") for r in recs)


def test_an_analysed_school_leaves_nothing_only_it_would_use_in_the_cache():
    # 100002 (own limit 1 km, S1 full) and 100003 (90 km) are unplaced. Analysing
    # 100002 re-solves edits of its own travel limit (with S2's capacity: two changes)
    # and their forced optima: all school 1's alone, so `forget(1)` drops them, and
    # 100003's recommendation is the same as in a run of its own.
    from allocator.diagnose.recommend import SCHOOL_KINDS, _Engine

    p = problem(
        [school("100001", km=1), school("100002", km=2, max_travel_km=1.0), school("100003", km=90)],
        [specialist("S1", capacity=1), specialist("S2", km=5, capacity=0)],
    )
    base = search(p)
    elig = compute_eligibility(p)
    engine = _Engine(p, elig, base.allocation, base.objective, replace(p.solver, workers=1))

    def of_school_1() -> list[tuple]:
        own = [key for key in engine.cache if any(k[0] in (*SCHOOL_KINDS, "pin") and k[1] == 1 for k in key)]
        forced = [key for key in engine.cache_forced if key[0] == 1 or key == ("pin", 1)]
        searches = [key for key in engine.cache_others if key[:2] in (("through", 1), ("half", 1))]
        return own + forced + searches + [key for key in engine.nearest if key[0] == 1]

    first = engine.recommend_one(1)
    assert first.kind == "two_changes" and of_school_1()
    engine.forget(1)
    assert of_school_1() == []
    alone = recommend(p, elig, base.allocation, base.objective, [2], threads=1)[0]
    assert (engine.recommend_one(2).text, engine.recommend_one(2).kind) == (alone.text, alone.kind)


def test_a_forced_re_solve_starts_from_the_base_with_the_school_where_there_is_room():
    # 100002's own limit (1 km) leaves it unplaced; S1 (capacity 1) holds 100001. With
    # the limit lifted it could go to S1 (full), S2 (room, 5 km) or S3 (room, 9 km): the
    # hint is the base with 100002 at S2, the nearest with room. With S2 holding 100003
    # (capacity 1) and S3 of no places there is no hint.
    from allocator.diagnose.recommend import _Engine

    def hint(specialists, extra=()):
        schools = [school("100001", km=1), school("100002", km=2, max_travel_km=1.0), *extra]
        p = problem(schools, specialists)
        base = search(p)
        assert base.allocation.school_specialist[1] is None
        lifted = replace(p, schools=(p.schools[0], replace(p.schools[1], max_travel_km=None), *p.schools[2:]))
        engine = _Engine(p, compute_eligibility(p), base.allocation, base.objective, p.solver)
        return base.allocation, engine._inserted(lifted, compute_eligibility(lifted), 1)

    base, inserted = hint([specialist("S1", capacity=1), specialist("S2", km=7), specialist("S3", km=11)])
    assert inserted is not None
    assert inserted.school_specialist == (base.school_specialist[0], 1)
    assert inserted.school_group == base.school_group and inserted.group_lead == base.group_lead
    _, inserted = hint(
        [specialist("S1", capacity=1), specialist("S2", km=7, capacity=1), specialist("S3", km=11, capacity=0)],
        [school("100003", km=7)],
    )
    assert inserted is None


def test_displaced_lists_exactly_the_schools_that_lose_their_place():
    # S1 (capacity 1) holds 100001 (1 km): 999; S3 (capacity 1, 60 km south) holds
    # 100003 (0 km): 1000. 100002 has priority 3 (worth 1000 + 3 x 200 = 1600) but lies
    # 85 km from S1 and 145 km from S3. Its own limit raised to 85 km: it takes S1,
    # 1600 - 85 = 1515, and 100001 loses its place (moving it to S3, 61 km, would
    # displace 100003 for less: 939 < 1000). 100003 keeps its place and is not listed.
    weights = replace(problem([school("1")]).weights, priority=200)
    p = problem(
        [school("100001", km=1), school("100002", km=85, priority=3), school("100003", km=-60)],
        [specialist("S1", capacity=1), specialist("S3", km=-60, capacity=1)],
        weights=weights,
    )
    base = search(p)
    assert base.objective == 999 + 1000
    elig = compute_eligibility(p)
    [rec] = recommend(p, elig, base.allocation, base.objective, [1])
    assert rec.kind == "travel" and rec.changes[0].cell.new == "85"
    assert rec.objective == 1515 + 1000
    assert rec.displaced == (0,) and rec.moved == 0
    assert "School 100001 (100001) would lose its place" in rec.text


def test_yaml_edits_keep_comments_and_add_missing_keys():
    text = 'name: x  # the name\nrules:\n  max_travel_km: 60   # km\npins:\n  - {school: "1", specialist: A}\n'
    edited = add_pin(set_key(text, ("rules", "available_cohorts"), "[1, 2]"), '{school: "2", group: G}')
    assert "# the name" in edited and "# km" in edited
    import yaml

    data = yaml.safe_load(edited)
    assert data["rules"] == {"available_cohorts": [1, 2], "max_travel_km": 60}
    assert data["pins"] == [{"school": "1", "specialist": "A"}, {"school": "2", "group": "G"}]
    assert yaml.safe_load(add_pin("name: x\n", '{school: "2", group: G}'))["pins"] == [{"school": "2", "group": "G"}]
    assert yaml.safe_load(add_pin("name: x\npins: []\n", '{school: "2", group: G}'))["pins"][0]["group"] == "G"


def test_apply_refuses_a_folder_that_is_not_empty(tmp_path):
    yml = write_scenario(tmp_path / "s", [("100001", "development", 1, {})], [("MS1", 0, {})])
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "note.txt").write_text("mine")
    with pytest.raises(EditError):
        copy_scenario(yml, tmp_path / "taken", [])
    result = CliRunner().invoke(main, ["apply-recommendation", str(yml), "100001", "--out", str(tmp_path / "taken")])
    assert result.exit_code == 2 and "not an empty folder" in result.output
    assert (tmp_path / "taken" / "note.txt").read_text() == "mine"


def test_apply_recommendation_solves_when_no_table_is_given(tmp_path):
    yml = write_scenario(
        tmp_path / "s", [("100001", "development", 1, {}), ("100002", "development", 2, {})],
        [("MS1", 0, {"capacity": "1"})],
    )  # fmt: skip
    result = CliRunner().invoke(main, ["apply-recommendation", str(yml), "100002", "--out", str(tmp_path / "e")])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(tmp_path / "e" / "specialists.csv", dtype=str).at[0, "capacity"] == "2"
    placed = CliRunner().invoke(main, ["apply-recommendation", str(yml), "100001", "--out", str(tmp_path / "f")])
    assert placed.exit_code == 2 and "placed already" in placed.output and not (tmp_path / "f").exists()


# Brute force: no single change of the listed kinds does better than the recommended one.


def _single_changes(p, s):
    """Every single edit of the listed kinds for school s, in memory (brute force)."""
    from allocator.diagnose.candidates import single_changes
    from allocator.diagnose.edits import (
        Files,
        capacity_change,
        cohort_change,
        cross_hub_change,
        max_schools_change,
        min_schools_change,
        pin_change,
    )
    from allocator.problem.data import Stage

    files, stage = Files(), Stage(p.schools[s].stage)
    out = []
    if stage.needs_specialist:
        out += [capacity_change(p, files, i, stage) for i in range(p.num_specialists)]
        out += [pin_change(p, files, s, i, None) for i in range(p.num_specialists)]
    if not stage.needs_specialist or stage == Stage.DEVELOPMENT:  # a development group too
        out += [pin_change(p, files, s, None, g) for g in range(p.num_groups)]
    elig = compute_eligibility(p)
    for g, wg in enumerate(p.work_groups):
        out.append(max_schools_change(p, files, g))
        can_join = int((elig.group_pairs[:, 1] == g).sum())
        if 0 < can_join < wg.min_schools:  # running a named group: its minimum, the schools that can join
            out.append(min_schools_change(p, files, g, can_join))
    out += [cohort_change(p, files, c) for c in {x.cohort for x in p.specialists}]
    out.append(cross_hub_change(p, files, s))
    # Travel: the school's own limit to reach each of the nearest few beyond it (as listed).
    out += single_changes(p, compute_eligibility(p), files, _loads(p), s).travel
    return out


def _loads(p):
    base = search(p).allocation
    support, sizes = {}, [0] * p.num_groups
    for x, sp in enumerate(base.school_specialist):
        if sp is not None:
            support[(sp, p.schools[x].stage)] = support.get((sp, p.schools[x].stage), 0) + 1
    for g in base.school_group:
        if g is not None:
            sizes[g] += 1
    return Loads(support, sizes)


def _best_single(p, elig, s):
    best = None
    for change in _single_changes(p, s):
        try:
            variant, variant_elig, _ = apply_changes(p, elig, (change,))
        except (IndexError, ValueError):
            continue
        # The edited problem's pairs decided from scratch, not patched as recommend does.
        variant_elig = compute_eligibility(variant)
        plain = search(variant, eligibility=variant_elig, decompose=False)
        if plain.objective is None:
            continue
        forced = search(variant, eligibility=variant_elig, decompose=False, require_placed=(s,))
        if forced.objective == plain.objective and (best is None or plain.objective > best):
            best = plain.objective
    return best


@settings(
    max_examples=int(__import__("os").environ.get("REC_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(tiny_problems(max_schools=4, max_specialists=3, max_groups=2), st.data())
def test_recommended_change_is_never_worse_than_any_single_change(p, data):
    base = search(p)
    if base.allocation is None:
        return
    unplaced = [
        s
        for s in range(p.num_schools)
        if base.allocation.school_specialist[s] is None and base.allocation.school_group[s] is None
    ]
    if not unplaced:
        return
    s = data.draw(st.sampled_from(unplaced))
    elig = compute_eligibility(p)
    [rec] = recommend(p, elig, base.allocation, base.objective, [s])
    best = _best_single(p, elig, s)
    if best is None:
        assert rec.kind in ("two_changes", "none")
        return
    assert rec.kind not in ("two_changes", "none")
    assert rec.objective == best
    variant, _, _ = apply_changes(p, elig, rec.changes)
    assert search(variant, decompose=False).objective == rec.objective


def test_apply_edits_a_workbook_table(tmp_path):
    # The specialists table as a sheet of a workbook: the cell is edited in that sheet.
    from openpyxl import Workbook, load_workbook

    yml = write_scenario(
        tmp_path / "s", [("100001", "development", 1, {}), ("100002", "development", 2, {})],
        [("MS1", 0, {"capacity": "1"})],
    )  # fmt: skip
    frame = pd.read_csv(tmp_path / "s" / "specialists.csv", dtype=str)
    book = Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("Specialists")
    sheet.append(list(frame.columns))
    for record in frame.itertuples(index=False):
        sheet.append(list(record))
    book.save(tmp_path / "s" / "tables.xlsx")
    yml.write_text(yml.read_text().replace("specialists: specialists.csv", "specialists: tables.xlsx#Specialists"))
    table, _ = recommendations(yml)
    row = only_row(table, "100002")
    assert row["file"] == "tables.xlsx#Specialists" and row["new_value"] == "2"
    assert apply_and_resolve(yml, row, tmp_path / "edited") == (1997, "placed")
    edited = load_workbook(tmp_path / "edited" / "tables.xlsx")["Specialists"]
    assert [c.value for c in edited[2]][list(frame.columns).index("capacity")] == 2


def test_reasons_name_full_specialists_and_their_schools():
    # MS1 (capacity 1) is full with 100001; 100002's reason names both, with names.
    p = problem([school("100001", km=1), school("100002", km=2)], [specialist("S1", capacity=1)])
    outcome = run(p, recommendations=False)
    reason = outcome.tables["allocations"].set_index("urn").at["100002", "reason"]
    assert "S1 Specialist S1 is full: School 100001 (100001)" in reason


def _engine(p):
    from allocator.diagnose.recommend import _Engine

    base = search(p)
    return _Engine(p, compute_eligibility(p), base.allocation, int(base.objective), p.solver)


def test_a_cohort_that_cannot_place_the_school_in_its_own_part_is_not_searched_elsewhere():
    # Rules: 25 km. Hub H: S1 (0 km, one place) holds 100002 (1 km, priority 1) over
    # 100001 (0 km, priority 0); S3 (30 km, one place) holds 100003 (24 km). Cohort 2 (not
    # available) has S2 (20 km) in H, forbidden to 100001 and 100002, and S4 in hub K,
    # which only 100004 (K, 500 km) can reach. Making cohort 2 available moves 100003 to
    # S2 (4 km instead of 6) and places 100004, but 100001 stays out: it reaches only S1,
    # whose school cannot move. That is told by H's part alone, so K's part is never
    # searched for 100001, whose best edit is one more place for S1: 1000 - 0 km, to
    # (1010 - 1) + (1000 - 6) + 1000 = 3003.
    from allocator.problem.data import Weights

    weights = Weights(place=1000, priority=10, travel_per_km=1, focus_rank=(0, 0, 0, 0), continuity=0)
    p = problem(
        [
            school("100001", km=0, priority=0),
            school("100002", km=1, priority=1),
            school("100003", km=24),
            school("100004", km=500, hub="K"),
        ],
        [
            specialist("S1", km=0, capacity=1),
            specialist("S2", km=20, capacity=1, cohort=2, available=False),
            specialist("S3", km=30, capacity=1),
            specialist("S4", km=500, capacity=1, cohort=2, available=False, hub="K"),
        ],
        weights=weights,
        forbids=[("100001", "S2"), ("100002", "S2")],
        max_travel_km=25,
        available_cohorts=(1,),
    )
    engine = _engine(p)
    assert engine.objective == 1009 + 994
    rec = engine.recommend_one(0)
    assert rec.kind == "capacity" and rec.objective == 3003 and rec.placed
    # Parts searched under an edit are keyed by their schools first (`_part_key`).
    searched = {school for key in engine.cache_others if isinstance(key[0], tuple) for school in key[0]}
    assert 2 in searched and 3 not in searched  # H's part under the cohort, not K's
    # The cohort itself: 100003 moves (2 km less) and 100004 is placed, 100001 is not.
    from allocator.diagnose.edits import Files, cohort_change

    cohort = engine.effect((cohort_change(p, Files.of(p), 2),), 0)
    assert cohort.objective == 2003 + 2 + 1000 and not engine.placed(cohort.allocation, 0)


def test_one_more_place_is_bounded_by_the_value_of_the_school_it_could_add_with_lone_departments_priced():
    # S1 (capacity 2) and four development schools at 1-4 km, lone_department 400. The
    # optimum holds 100001 and 100002: 999 + 998 = 1997. One more place for S1: an
    # optimum using it holds three schools, and less any one of them is an allocation of
    # the scenario as it was, so the place adds at most the third largest value, 997
    # (100003's): bound 1997 + 997 = 2994, which the re-solve reaches exactly
    # (999 + 998 + 997).
    from allocator.diagnose.edits import Files, capacity_change
    from allocator.problem.data import Stage

    p = problem(
        [school(f"10000{n}", km=n) for n in range(1, 5)],
        [specialist("S1", capacity=2)],
        weights=replace(problem([school("1")]).weights, lone_department=400),
    )
    engine = _engine(p)
    assert engine.objective == 1997
    change = capacity_change(p, Files.of(p), 0, Stage.DEVELOPMENT)
    assert engine.bound(change, 2) == 2994
    assert engine.effect((change,), 2).objective == 2994


def test_a_development_group_keeps_a_travel_edit_from_being_bounded_by_the_school_alone():
    # Rules: 40 km. Development group G (min 3) at 50 km, led by S1 (no places) there;
    # 100002 and 100003 at 50 km can join only G, which two cannot run: nobody is
    # placed, objective 0. S3 (cohort 2, not available, 2 places) at -10 km.
    # For 100001 (0 km): making cohort 2 available places it and 100004 (-12 km) with
    # S3: 990 + 998 = 1988. Its own travel limit of 50 km lets it complete G: 950 +
    # 1000 + 1000 = 2950, three schools. Taking 100001 out of that optimum leaves G
    # below its minimum, so "at most its own place" (1000) is no bound here; had it
    # been one, the cohort's 1988 would have ruled the travel edit out unsolved.
    p = problem(
        [school("100001", km=0), school("100002", km=50), school("100003", km=50), school("100004", km=-12)],
        [specialist("S1", km=50, capacity=0), specialist("S3", km=-10, cohort=2, available=False)],
        [group("G", km=50, stage="development", min_schools=3)],
        max_travel_km=40,
        available_cohorts=(1,),
    )
    engine = _engine(p)
    assert engine.objective == 0
    [rec] = recommend(p, engine.elig, engine.allocation, engine.objective, [0])
    assert rec.kind == "travel" and rec.objective == 2950 and rec.placed
    # The bound that does hold: its own place, 1000, plus G's other two members it could
    # complete, (3 - 1) x 1000 (the largest school value; no continuity, keep or lone
    # weight here): 3000 >= 2950.
    assert engine.bound(rec.changes[0], 0) == 3000
    variant, variant_elig, _ = apply_changes(p, engine.elig, rec.changes)
    assert search(variant, eligibility=compute_eligibility(variant), decompose=False).objective == 2950


def test_a_sustaining_school_s_own_edit_is_bounded_by_the_group_it_could_complete():
    # Work group G (min 2) at 50 km, led by S1 there; 100002 (sustaining, 50 km) alone
    # cannot run it: nobody is placed, objective 0. 100001 (sustaining, 0 km; rules 40
    # km) completes it with its own limit raised to 50 km: 950 + 1000 = 1950. Less
    # 100001, G would fall below its minimum, so the bound adds G's other member: 1000
    # (its own place) + (2 - 1) x 1000 (the largest school value; no continuity, keep or
    # lone weight here) = 2000 >= 1950.
    p = problem(
        [school("100001", stage="sustaining", km=0), school("100002", stage="sustaining", km=50)],
        [specialist("S1", km=50)],
        [group("G", km=50, min_schools=2)],
        max_travel_km=40,
    )
    engine = _engine(p)
    assert engine.objective == 0
    [rec] = recommend(p, engine.elig, engine.allocation, engine.objective, [0])
    assert rec.kind == "travel" and rec.objective == 1950 and rec.placed
    assert engine.bound(rec.changes[0], 0) == 2000


def test_a_first_place_is_bounded_by_the_most_a_development_school_adds():
    # S1 offers no development places; 100001 (1 km) and 100002 (5 km), development,
    # have nowhere else: objective 0. S1's first place holds one school, less which an
    # optimum after it is the scenario as it was (one place is never a lone department),
    # so it adds at most the largest school value, 1000: bound 1000; the re-solve gives
    # 1000 - 1 = 999.
    from allocator.diagnose.edits import Files, capacity_change
    from allocator.problem.data import Stage

    p = problem([school("100001", km=1), school("100002", km=5)], [specialist("S1", capacity=0)])
    engine = _engine(p)
    assert engine.objective == 0
    change = capacity_change(p, Files.of(p), 0, Stage.DEVELOPMENT)
    assert engine.bound(change, 0) == 1000
    assert engine.effect((change,), 0).objective == 999


def test_one_more_embedding_place_is_bounded_by_the_most_an_embedding_school_adds():
    # S1 (one embedding place) and work group G (min 1) at 0 km; embedding schools
    # 100001 (1 km) and 100002 (2 km): 100001 takes the place and G, 1000 - 1 - 1 = 998.
    # One more embedding place: an optimum using it, less one of its schools there (which
    # leaves G too; G's minimum of 1 needs no mending), is the scenario as it was, so
    # the place adds at most an embedding school's value, 1000: bound 998 + 1000 =
    # 1998; the re-solve places 100002 too, 998 + (1000 - 2 - 2) = 1994.
    from allocator.diagnose.edits import Files, capacity_change
    from allocator.problem.data import Stage

    p = problem(
        [school("100001", stage="embedding", km=1), school("100002", stage="embedding", km=2)],
        [specialist("S1", capacity=0, embedding_capacity=1)],
        [group("G")],
    )
    engine = _engine(p)
    assert engine.objective == 998
    change = capacity_change(p, Files.of(p), 0, Stage.EMBEDDING)
    assert engine.bound(change, 1) == 1998
    assert engine.effect((change,), 1).objective == 1994


def test_one_more_seat_is_bounded_by_the_value_of_the_member_it_could_add():
    # Work group G (max 2) at 0 km, led by S1 there; sustaining schools at 1-3 km. The
    # optimum seats 100001 and 100002: 999 + 998 = 1997. One more seat: an optimum using
    # it has three members, and less any one of them is an allocation of the scenario as
    # it was, so the seat adds at most the third largest value, 997 (100003's): bound
    # 1997 + 997 = 2994, which the re-solve reaches exactly.
    from allocator.diagnose.edits import Files, max_schools_change

    p = problem(
        [school(f"10000{n}", stage="sustaining", km=n) for n in range(1, 4)],
        [specialist("S1")],
        [group("G", max_schools=2)],
    )
    engine = _engine(p)
    assert engine.objective == 1997
    change = max_schools_change(p, Files.of(p), 0)
    assert engine.bound(change, 2) == 2994
    assert engine.effect((change,), 2).objective == 2994


def _each_unplaced_school(p):
    """The engine of `p` with, for each school its optimum leaves unplaced, the school and
    its single edits; nothing when `p` has no proven optimum."""
    from allocator.diagnose.candidates import single_changes

    base = search(p)
    if base.allocation is None or base.status.name != "OPTIMAL":
        return
    engine = _engine(p)
    for s in range(p.num_schools):
        if not engine.placed(engine.allocation, s):
            yield engine, s, single_changes(p, engine.elig, engine.files, engine.loads(), s)


@settings(max_examples=EXAMPLES * 3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_problems(max_schools=5, max_specialists=3, max_groups=2, with_pins=True))
def test_no_edit_s_re_solve_beats_its_bound(p):
    # Every cheap bound (one more place or seat, a school's own travel or cross-hub
    # cell) is an upper bound on the edit's re-solved objective, on random scenarios
    # with groups of minimum 1-3, all three stages and pins.
    for engine, s, singles in _each_unplaced_school(p):
        for change in singles.specialist_side + singles.group_side + singles.travel + [singles.cross_hub]:
            if change is None:
                continue
            effect = engine.effect((change,), s)
            if effect is not None:
                assert effect.objective <= engine.bound(change, s), change.text


@settings(max_examples=EXAMPLES * 3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_problems(max_schools=4, max_specialists=3, max_groups=2))
def test_whether_an_edit_s_optima_can_place_or_leave_out_a_school_agrees_with_brute_force(p):
    # For every shared edit (a place, a seat, a group run, a cohort) of every unplaced
    # school: `_at_optimum` says an optimum places it exactly when, brute force, the
    # edited scenario's optimum equals its optimum with the school required; `_left_out`
    # says an optimum leaves it out exactly when forbidding the school every pair keeps
    # the optimum (the checker's enumeration, `tests/bruteforce.py`).
    from allocator.diagnose.recommend import _Option
    from allocator.problem.data import Requirement
    from tests.bruteforce import brute_force_optimum

    for engine, s, singles in _each_unplaced_school(p):
        for change in singles.specialist_side + singles.group_side:
            effect = engine.effect((change,), s)
            if effect is None:
                continue
            variant = apply_changes(p, engine.elig, (change,))[0]
            best = brute_force_optimum(variant)
            assert effect.objective == best
            forced = search(variant, decompose=False, require_placed=(s,))
            option = _Option((change,), effect)
            answer = engine._at_optimum(option, s)
            if answer is not None:
                assert (answer is not False) == (forced.objective == best), change.text
                if answer is not False:
                    assert answer.objective == best and engine.placed(answer.allocation, s)
            if engine.placed(effect.allocation, s):
                nowhere = tuple(Requirement(s, specialist_idx=j) for j in range(p.num_specialists))
                nowhere += tuple(Requirement(s, group_idx=g) for g in range(p.num_groups))
                without = brute_force_optimum(replace(variant, forbids=(*variant.forbids, *nowhere)))
                left = engine._left_out(option, s)
                if left is not None:
                    assert left == (without == best), change.text


def test_the_optimum_closest_to_the_base_displaces_the_one_school_in_the_way():
    # Six schools x1..x6 of priority 1 hold the six places of A1..A6 (one each, all at
    # km 0, so travel costs nothing); s, of priority 0, may only have A1. Base: the six
    # placed, 6 x (1000 + 10) = 6060, s out. With s placed, one x must go: 5 x 1010 +
    # 1000 = 6050 however it is done, but only displacing A1's school changes one other
    # school; any other optimum moves that school too, or more. Both the search with
    # the closest optimum at once and the closest pass from a far optimum (every x moved
    # round by one, x6 out) find that one change.
    from allocator.problem.data import Weights
    from allocator.solving.components import Component
    from allocator.solving.search import closest_optimum
    from allocator.solving.solution import Allocation

    xs = [school(f"10000{n}", priority=1) for n in range(1, 7)]
    s = school("100099", priority=0)
    specialists = [specialist(f"A{n}", capacity=1) for n in range(1, 7)]
    weights = Weights(place=1000, priority=10, travel_per_km=0, focus_rank=(0, 0, 0, 0), continuity=0)
    p = problem([*xs, s], specialists, weights=weights, forbids=[("100099", f"A{n}") for n in range(2, 7)])
    base = search(p, decompose=False)
    assert base.objective == 6060
    holder = base.allocation.school_specialist.index(0)  # A1's school in the base

    def changed(allocation):
        return [x for x in range(6) if allocation.school_specialist[x] != base.allocation.school_specialist[x]]

    at_once = search(p, decompose=False, require_placed=(6,), closest_to=base.allocation)
    assert at_once.objective == 6050 and at_once.allocation.school_specialist[6] == 0
    assert changed(at_once.allocation) == [holder] and at_once.allocation.school_specialist[holder] is None
    far = [base.allocation.school_specialist[(x + 1) % 6] for x in range(6)]  # each x takes the next one's place
    far[far.index(0)] = None  # ... and the one that would take A1 is out instead
    far_allocation = Allocation((*far, 0), (None,) * 7, ())
    assert len(changed(far_allocation)) == 6
    whole = Component(list(range(7)), [], compute_eligibility(p))
    nearest, _ = closest_optimum(p, p.solver, whole, far_allocation, 6050, base.allocation, (6,))
    assert changed(nearest) == [holder] and nearest.school_specialist[6] == 0


@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_problems(max_schools=5, max_specialists=3, max_groups=2))
def test_the_optimum_closest_to_the_base_agrees_with_brute_force(p):
    # For each school the base optimum leaves out: the search that requires it with the
    # closest optimum at once (`search(closest_to=...)`), and the closest pass from an
    # optimum found first (`closest_optimum`), reach the best objective with it placed
    # and, among those optima, the fewest schools placed otherwise than in the base
    # (elsewhere, newly, or no longer): brute force, the best of
    # objective x (n + 1) - changes over allocations placing it, n + 1 above any count.
    # Travel, focus and priority weigh nothing, so that optima tie and only the changes
    # tell them apart.
    from allocator.problem.data import Stage
    from allocator.solving.components import Component
    from allocator.solving.search import closest_optimum
    from tests.bruteforce import brute_force_best

    p = replace(p, weights=replace(p.weights, travel_per_km=0, focus_rank=(0, 0, 0), priority=0))
    base = search(p, decompose=False).allocation
    assert base is not None
    weight = p.num_schools + 1

    def placed(allocation, x):
        has = (allocation.school_specialist[x] is not None, allocation.school_group[x] is not None)
        return Stage(p.schools[x].stage).placed_with(*has)

    def changes(allocation, s):
        now = zip(allocation.school_specialist, allocation.school_group, strict=True)
        was = zip(base.school_specialist, base.school_group, strict=True)
        return sum(1 for x, (a, b) in enumerate(zip(now, was, strict=True)) if x != s and a != b)

    elig = compute_eligibility(p)
    whole = Component(list(range(p.num_schools)), list(range(p.num_groups)), elig)
    nowhere = -(10**12)  # the score of an allocation leaving the school out
    for s in (x for x in range(p.num_schools) if not placed(base, x)):

        def score(report, allocation, s=s):
            return report.objective * weight - changes(allocation, s) if placed(allocation, s) else nowhere

        best = brute_force_best(p, score)
        at_once = search(p, decompose=False, require_placed=(s,), closest_to=base)
        if best is None or best == nowhere:
            assert at_once.allocation is None
            continue
        objective, fewest = -(-best // weight), -(-best // weight) * weight - best
        assert at_once.objective == objective and placed(at_once.allocation, s)
        assert changes(at_once.allocation, s) == fewest
        first = search(p, decompose=False, require_placed=(s,))
        assert first.objective == objective
        nearest, _ = closest_optimum(p, p.solver, whole, first.allocation, objective, base, (s,))
        assert changes(nearest, s) == fewest and placed(nearest, s)


@settings(max_examples=EXAMPLES * 5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_problems(max_schools=5, max_specialists=4, max_groups=3))
def test_an_edit_decides_the_same_pairs_as_deciding_every_pair_again(p):
    # A cohort made available re-decides only its specialists' pairs and the possible
    # leads, one more place for a specialist with none only theirs: the same pairs,
    # values, leads and trips as deciding the edited scenario from scratch.
    from allocator.diagnose.edits import Files, capacity_change, cohort_change
    from allocator.problem.data import Stage

    elig, files = compute_eligibility(p), Files.of(p)
    changes = [cohort_change(p, files, c) for c in sorted({x.cohort for x in p.specialists if not x.available})]
    changes += [capacity_change(p, files, n, Stage.DEVELOPMENT) for n, x in enumerate(p.specialists) if x.capacity == 0]
    for change in changes:
        variant, edited, _ = apply_changes(p, elig, (change,))
        scratch = compute_eligibility(variant)
        for name in ("specialist_pairs", "specialist_pair_value", "group_pairs", "venue_triples", "venue_triple_value"):
            assert getattr(edited, name).tolist() == getattr(scratch, name).tolist(), (change.text, name)
        for name in ("group_leads", "lead_value", "keep_targets"):
            assert getattr(edited, name) == getattr(scratch, name), (change.text, name)


def test_coverage_estimates_the_budget_that_would_reach_every_school():
    # 4 of 10 unplaced schools analysed in a 2.0 s explain stage: 0.5 s a school, so all
    # 10 would take about 5 s, rounded up to the next 10 s: 10. All analysed: no estimate.
    from allocator.pipeline import _coverage, all_at_this_rate_s

    coverage = _coverage(pd.DataFrame({"kind": ["travel"] * 4 + ["not_analysed"] * 6}), 2.0)
    assert coverage == {"unplaced": 10, "analysed": 4, "not_analysed": 6, "budget_seconds": 2.0}
    assert all_at_this_rate_s(coverage, 2.0) == 10
    assert all_at_this_rate_s(_coverage(pd.DataFrame({"kind": ["pin"] * 3}), 20.0), 1.0) is None


def test_a_run_that_analyses_nobody_says_so_and_asks_for_more_time():
    # No time at all: both unplaced schools say "Not analysed"; summary.json counts them
    # and the console asks for a larger --explain-seconds (no rate to estimate from).
    from allocator.cli.console import summary_lines

    p = problem(
        [school("100001", km=1), school("100002", km=2), school("100003", km=3)], [specialist("S1", capacity=1)]
    )
    outcome = run(p, explain_seconds=0.0)
    coverage = outcome.summary_json["recommendations"]
    assert (coverage["unplaced"], coverage["analysed"], coverage["not_analysed"]) == (2, 0, 2)
    [line] = [x for x in summary_lines(outcome) if x.startswith("Recommendations:")]
    assert line.startswith("Recommendations: 0 of 2 unplaced schools analysed in ")
    assert line.endswith('2 say "Not analysed" (run again with a larger --explain-seconds)')
