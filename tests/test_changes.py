"""changes.csv (issue 15): every change since the previous run, with its reason in words."""

from __future__ import annotations

from dataclasses import replace

import pytest

from allocator.diagnose.changes import compute_changes, headline
from allocator.inputs.issues import InputError
from allocator.inputs.previous import read_allocations
from allocator.problem import variants
from allocator.problem.eligibility import compute_eligibility
from allocator.solving.search import search
from allocator.solving.solution import Allocation
from tests.builders import PLAIN, group, problem, school, specialist
from tests.test_keep import FAST, rerun, rows_of


def changes_of(p):
    result = search(p, FAST)
    changes = compute_changes(p, compute_eligibility(p), result.allocation)
    return {row["urn"]: row for row in changes.table.to_dict("records")}, changes.counts


def test_a_specialist_who_withdrew_and_one_no_longer_available():
    # 100001 was with A, 100002 with B. A withdraws; B's cohort is no longer available.
    # C (capacity 1) takes one of them: the higher priority 100001 (objective +200).
    p = problem(
        [school("100001", km=0, priority=1), school("100002", km=0)],
        [specialist("A"), specialist("B", cohort=2), specialist("C", km=5, capacity=1)],
        weights=replace(PLAIN, priority=200),
    )
    previous = rows_of(p, Allocation((0, 1), (None, None), ()))
    after, _ = variants.without_specialists(p, ["A"])
    after = replace(after, specialists=tuple(replace(s, available=s.id != "B") for s in after.specialists))
    rows, counts = changes_of(rerun(after, previous))
    assert rows["100001"]["change"] == "moved"
    assert rows["100001"]["reason"] == "Its specialist A withdrew (no longer in the specialists table)."
    assert rows["100002"]["change"] == "lost its place"
    assert rows["100002"]["reason"] == "Its specialist Specialist B (B) is no longer available (cohort 2)."
    assert counts["moved"] == counts["lost_place"] == 1 and counts["kept"] == 0


def test_a_school_moved_so_that_a_named_school_could_be_placed():
    # 100001 (0 km) was with A (capacity 1). 100003 applies late, with priority 3 and
    # no other specialist in reach; 100001 can go to B (20 km). Placing both beats
    # keeping 100001 where it was: +1000 + 600 - 20 against keep 300.
    p = problem(
        [school("100001", km=0), school("100003", km=-50, priority=3)],
        [specialist("A", km=-30, capacity=1), specialist("B", km=20, capacity=1)],
        weights=replace(PLAIN, priority=200, keep=300),
        max_travel_km=40,
    )
    base, _ = variants.without_schools(p, ["100003"])
    previous = rows_of(base, Allocation((0,), (None,), ()))
    rows, counts = changes_of(rerun(p, previous))
    assert rows["100001"]["reason"] == "Moved so that School 100003 (100003) could be placed."
    assert rows["100003"]["reason"] == "Newly applied."
    assert counts == {**counts, "moved": 1, "newly_placed": 1, "kept": 0}


def test_a_group_that_no_longer_runs_and_a_rule_that_changed():
    # 100001 and 100002 (sustaining) were in G1 (minimum 2). 100002 withdraws, so G1
    # cannot run: 100001 goes to G2. 100004 was with A at 30 km; the limit is now 20 km.
    p = problem(
        [school("100001", "sustaining"), school("100002", "sustaining"), school("100004", km=30)],
        [specialist("A"), specialist("B", km=25)],
        [group("G1", min_schools=2), group("G2", km=1)],
        max_travel_km=40,
    )
    previous = rows_of(p, Allocation((None, None, 0), (0, 0, None), (0, None)))
    after, _ = variants.without_schools(p, ["100002"])
    after = replace(after, rules=replace(after.rules, max_travel_km=20))
    rows, counts = changes_of(rerun(after, previous))
    assert rows["100001"]["reason"] == (
        "Its work group G1 no longer runs (too few schools for its minimum, or no lead)."
    )
    assert rows["100004"]["reason"] == (
        "A rule or setting changed: Specialist A (A) may no longer support it (it is beyond the travel limit)."
    )
    assert rows["100002"]["change"] == "withdrew"
    assert headline(counts) == "0 schools keep their places, 2 move, 0 newly placed, 0 lose their place (1 withdrew)"


def test_the_previous_table_undoes_csv_formula_protection_and_reads_blank_status(tmp_path):
    # allocate writes an id starting with "-" as "'-..." so spreadsheets do not run it.
    table = tmp_path / "allocations.csv"
    table.write_text(
        "urn,status,specialist,work_group,locked\n100001,placed,'-S1,,\n100002,,,G1,YES\n100003,unplaced,,,\n",
        encoding="utf-8",
    )
    rows = {r.urn: r for r in read_allocations(tmp_path).rows}
    assert rows["100001"].specialist == "-S1" and rows["100001"].placed
    assert rows["100002"].placed and rows["100002"].group == "G1" and rows["100002"].locked
    assert not rows["100003"].placed and rows["100003"].row == 4


def test_repeated_urns_and_contradictory_rows_are_bad_input(tmp_path):
    table = tmp_path / "allocations.csv"
    table.write_text(
        "urn,status,specialist\n100001,placed,\n100001,unplaced,S1\n,placed,S1\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as error:
        read_allocations(table)
    shown = [str(i).replace(str(table.parent) + "/", "") for i in error.value.issues]
    assert any(
        s.endswith("allocations.csv:2: status: is placed but the row names no specialist and no work group")
        for s in shown
    )
    assert any(
        s.endswith(
            "allocations.csv:3: specialist: is filled but status is unplaced: clear the cell or set status to placed"
        )
        for s in shown
    )
    assert any(s.endswith("allocations.csv:4: urn: is blank: every row names a school") for s in shown)


def test_a_school_moved_to_make_room_for_one_whose_specialist_withdrew():
    # 100001 (secondary) was with A, 100002 (special) with B (secondary, capacity 1); C
    # is primary. A withdraws: 100001 can only go to B, and 100002 (a special school may
    # take either phase) moves to C. Placing 100001 (+1000) is worth more than keeping
    # 100002 where it was (keep 300).
    p = problem(
        [school("100001"), school("100002", phase="special")],
        [specialist("A"), specialist("B", capacity=1), specialist("C", phase="primary")],
        weights=replace(PLAIN, keep=300),
    )
    previous = rows_of(p, Allocation((0, 1), (None, None), ()))
    after, _ = variants.without_specialists(p, ["A"])
    rows, counts = changes_of(rerun(after, previous))
    assert rows["100002"]["reason"] == (
        "Moved to make room with B for School 100001 (100001), which moved: "
        "its specialist A withdrew (no longer in the specialists table)."
    )
    assert counts["moved"] == 2
