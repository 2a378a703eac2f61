"""Validation of a scenario (issue 2): every rule with an input that passes and one that fails.

Each failing case asserts the exact file, row (the row a spreadsheet shows, header = 1;
for the YAML, its line), column and a fragment of the message, and that it is the
only problem: one defect must not cascade into others. The inputs are edited copies
of scenarios/demo (see conftest.py), always at `locations: sector`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from allocator.cli.main import main
from allocator.inputs.issues import InputError, Issue
from allocator.inputs.load import display_path, load

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.conftest import ScenarioCopy

DEMO_YML = Path(__file__).resolve().parents[1] / "scenarios" / "demo" / "scenario.yml"
DATA = Path(__file__).resolve().parent / "data"

# Demo rows used below (spreadsheet rows, header = 1).
SCHOOL = 3  # 964162, secondary development, located by postcode alone
SCHOOL_LATLON = 4  # 916399, latitude/longitude given
SCHOOL_GRID = 2  # 917030, easting/northing given
SECONDARY_SUSTAINING = 42  # 973873, focus_choices B;A;C
SPECIALIST = 3  # MS02, cohort 2
GROUP = 2  # WD-S-A, focus A, venue TN13 3SL
GROUP_MAX_6 = 4  # WD-S-C, max_schools 6
GROUP_MIN_4 = 5  # WD-S-D, min_schools 4
GROUP_FIXED_LEAD = 6  # WD-P-1, lead MS13
GROUP_VENUE_LATLON = 8  # WD-SEN-D, venue latitude/longitude, no venue postcode


def errors_of(copy: ScenarioCopy) -> list[Issue]:
    with pytest.raises(InputError) as info:
        copy.load()
    errors = [issue for issue in info.value.issues if not issue.warning]
    assert errors, "an InputError must carry at least one error"
    return errors


def only_error(copy: ScenarioCopy) -> Issue:
    errors = errors_of(copy)
    assert len(errors) == 1, "expected one problem, got:\n" + "\n".join(map(str, errors))
    return errors[0]


def assert_issue(issue: Issue, file: str, row: int | None, column: str, fragment: str) -> None:
    assert (issue.file, issue.row, issue.column) == (file, row, column), str(issue)
    assert fragment in issue.message, str(issue)
    assert str(issue).startswith(f"{file}:{row}: {column}: " if row else f"{file}: {column}: ")


# ======================================================================== cells


BAD_CELLS = [
    # schools
    ("schools", SCHOOL, "urn", "12345", "is not a URN (6 digits)"),
    ("schools", SCHOOL, "urn", "1234567", "is not a URN (6 digits)"),
    ("schools", SCHOOL, "urn", "abcdef", "is not a URN (6 digits)"),
    ("schools", SCHOOL, "urn", "", "is required"),
    ("schools", SCHOOL, "name", " ", "is required"),
    ("schools", SCHOOL, "hub", "", "is required"),
    (
        "schools",
        SCHOOL,
        "phase",
        "middle",
        "is not one of primary, secondary, all-through, special",
    ),
    ("schools", SCHOOL, "stage", "year 4", "is not one of development, embedding, sustaining"),
    ("schools", SCHOOL, "postcode", "NOTAPC", "is not a UK postcode"),
    ("schools", SCHOOL, "postcode", "SW1A", "is not a UK postcode"),  # a district only
    ("schools", SCHOOL, "postcode", "", "is required"),
    # 'Z' is never a postcode's second letter: format error, before any look-up.
    ("schools", SCHOOL, "postcode", "ZZ99 9ZZ", "is not a UK postcode"),
    ("schools", SECONDARY_SUSTAINING, "focus_choices", "A;A", "repeated"),
    ("schools", SECONDARY_SUSTAINING, "focus_choices", "b;B", "repeated"),
    ("schools", SECONDARY_SUSTAINING, "focus_choices", "Z", "Z is not a focus code"),
    ("schools", SECONDARY_SUSTAINING, "focus_choices", "B;E", "E is not a focus code"),
    ("schools", SCHOOL, "focus_choices", "A;A", "repeated"),  # checked on any school
    ("schools", SECONDARY_SUSTAINING, "focus_choices", "", "needs ranked focus choices"),
    ("schools", SCHOOL, "priority", "7", "is not a priority from 0 to 3"),
    ("schools", SCHOOL, "priority", "-1", "is not a priority from 0 to 3"),
    ("schools", SCHOOL, "priority", "1.5", "is not a priority from 0 to 3"),
    ("schools", SCHOOL, "priority", "high", "is not a priority from 0 to 3"),
    ("schools", SCHOOL, "latitude", "north", "is not a number"),
    ("schools", SCHOOL_LATLON, "latitude", "91", "is not a latitude"),
    ("schools", SCHOOL_LATLON, "longitude", "nan", "is not a number"),
    # specialists
    ("specialists", SPECIALIST, "id", "", "is required"),
    ("specialists", SPECIALIST, "phase", "all-through", "is not one of primary, secondary"),
    ("specialists", SPECIALIST, "cohort", "0", "is not a cohort number (1 to 10,000)"),
    ("specialists", SPECIALIST, "cohort", "x", "is not a cohort number (1 to 10,000)"),
    ("specialists", SPECIALIST, "cohort", "-2", "is not a cohort number (1 to 10,000)"),
    ("specialists", SPECIALIST, "cohort", "2.5", "is not a cohort number (1 to 10,000)"),
    ("specialists", SPECIALIST, "cohort", "", "is required"),
    ("specialists", SPECIALIST, "postcode", "NOTAPC", "is not a UK postcode"),
    ("specialists", SPECIALIST, "capacity", "-1", "a whole number from 0 to 10,000"),
    ("specialists", SPECIALIST, "capacity", "two", "a whole number from 0 to 10,000"),
    ("specialists", SPECIALIST, "embedding_capacity", "-1", "a whole number from 0 to 10,000"),
    ("specialists", SPECIALIST, "max_groups", "-1", "a whole number from 0 to 10,000"),
    ("specialists", SPECIALIST, "foci", "Z", "Z is not a focus code"),
    ("specialists", SPECIALIST, "foci", "A;a", "repeated"),
    ("specialists", SPECIALIST, "school_urn", "12345", "is not a URN (6 digits)"),
    ("specialists", SPECIALIST, "max_travel_km", "0", "above 0 km"),
    # work groups
    ("work_groups", GROUP, "id", "", "is required"),
    ("work_groups", GROUP, "phase", "all-through", "is not one of primary, secondary, special"),
    ("work_groups", GROUP, "focus", "Z", "Z is not a focus code"),
    ("work_groups", GROUP, "focus", "A;B", "is not one focus code"),
    ("work_groups", GROUP_MAX_6, "min_schools", "7", "min_schools 7 is above max_schools 6"),
    ("work_groups", GROUP, "min_schools", "9", "min_schools 9 is above max_schools 8"),
    # The pair is reported on min_schools whichever of the two was mistyped.
    ("work_groups", GROUP_MIN_4, "max_schools", "3", "min_schools 4 is above max_schools 3"),
    ("work_groups", GROUP, "min_schools", "0", "a whole number from 1 to 10,000"),
    ("work_groups", GROUP, "max_schools", "-3", "a whole number from 1 to 10,000"),
    ("work_groups", GROUP, "venue_postcode", "NOTAPC", "is not a UK postcode"),
    # issue 11: group stage and cross_hub, per-school settings
    ("work_groups", GROUP, "stage", "embedding", "is not one of sustaining, development"),
    ("work_groups", GROUP, "cross_hub", "maybe", "is not yes or no"),
    ("schools", SCHOOL, "max_travel_km", "0", "is not a distance above 0 km"),
    ("schools", SCHOOL, "max_travel_km", "far", "is not a number"),
    ("schools", SCHOOL, "max_travel_km", "200000", "at most 100,000 km"),
    ("schools", SCHOOL, "allow_cross_hub", "true", "is not yes or no"),
]


@pytest.mark.parametrize(("key", "row", "column", "value", "fragment"), BAD_CELLS)
def test_bad_cell_is_reported_at_its_file_row_and_column(
    demo: ScenarioCopy, key: str, row: int, column: str, value: str, fragment: str
) -> None:
    demo.set_cell(key, row, column, value)
    reported = "min_schools" if column == "max_schools" and "above" in fragment else column
    assert_issue(only_error(demo), demo.display(key), row, reported, fragment)


GOOD_CELLS = [
    ("schools", SCHOOL, "urn", "012345"),  # leading zero: still 6 digits
    ("schools", SCHOOL, "urn", " 100001 "),
    ("schools", SCHOOL, "phase", "Primary"),  # words are case-insensitive
    ("schools", SCHOOL, "phase", " SECONDARY "),
    ("schools", SCHOOL, "phase", "All-Through"),
    ("schools", SCHOOL, "stage", "Development"),
    ("schools", SCHOOL, "postcode", " da37ph "),
    ("schools", SECONDARY_SUSTAINING, "focus_choices", "b;a;c"),
    ("schools", SECONDARY_SUSTAINING, "focus_choices", "D"),
    ("schools", SCHOOL, "priority", "0"),
    ("schools", SCHOOL, "priority", "3"),
    ("schools", SCHOOL, "priority", ""),
    ("schools", SCHOOL, "advocate_1_trn", "0123456"),
    ("specialists", SPECIALIST, "phase", "Primary"),
    ("specialists", SPECIALIST, "cohort", "4"),
    ("specialists", SPECIALIST, "capacity", "0"),
    ("specialists", SPECIALIST, "embedding_capacity", "0"),
    ("specialists", SPECIALIST, "max_groups", "0"),
    ("specialists", SPECIALIST, "foci", "none"),
    ("specialists", SPECIALIST, "foci", "a;C"),
    ("work_groups", GROUP, "phase", "Special"),
    ("work_groups", GROUP, "focus", "b"),
    ("work_groups", GROUP, "focus", ""),
    ("work_groups", GROUP_MAX_6, "min_schools", "6"),  # min = max is fine
    ("work_groups", GROUP, "min_schools", "8"),  # = the default max
    ("work_groups", GROUP_FIXED_LEAD, "venue_postcode", ""),  # venue: the lead's school
]


@pytest.mark.parametrize(("key", "row", "column", "value"), GOOD_CELLS)
def test_good_cell_loads(demo: ScenarioCopy, key: str, row: int, column: str, value: str) -> None:
    demo.set_cell(key, row, column, value)
    demo.load()


def test_demo_loads_with_words_as_given() -> None:
    loaded = load(DEMO_YML, locations="sector")
    school = loaded.problem.schools[SECONDARY_SUSTAINING - 2]
    assert (school.urn, school.phase, school.stage) == ("973873", "secondary", "sustaining")
    assert school.focus_choices == ("B", "A", "C")


def test_words_are_normalised(demo: ScenarioCopy) -> None:
    demo.set_cell("schools", SCHOOL, "phase", " Primary")
    demo.set_cell("schools", SCHOOL, "stage", "EMBEDDING")
    demo.set_cell("schools", SCHOOL, "postcode", "da37ph")
    demo.set_cell("schools", SECONDARY_SUSTAINING, "focus_choices", " c ; a ")
    problem = demo.load().problem
    school = problem.schools[SCHOOL - 2]
    assert (school.phase, school.stage, school.postcode) == ("primary", "embedding", "DA3 7PH")
    assert problem.schools[SECONDARY_SUSTAINING - 2].focus_choices == ("C", "A")


def test_sustaining_schools_of_other_phases_need_no_focus_choices(demo: ScenarioCopy) -> None:
    problem = demo.load().problem
    no_choices = {s.phase for s in problem.schools if s.stage == "sustaining" and not s.focus_choices}
    assert no_choices == {"primary", "special"}


def test_focus_codes_come_from_the_scenario(demo: ScenarioCopy) -> None:
    demo.set_cell("schools", SECONDARY_SUSTAINING, "focus_choices", "E;A")
    assert_issue(
        only_error(demo),
        demo.display("schools"),
        SECONDARY_SUSTAINING,
        "focus_choices",
        "E is not a focus code of this year (A, B, C, D)",
    )
    demo.replace_yaml("foci: [A, B, C, D]", "foci: [A, B, C, D, E]")
    demo.replace_yaml("focus_rank: [0, 30, 60, 90]", "focus_rank: [0, 30, 60, 90, 120]")
    assert demo.load().problem.schools[SECONDARY_SUSTAINING - 2].focus_choices == ("E", "A")


# ------------------------------------------------------------------ Mastery Advocates


ADVOCATE_ROW = SCHOOL  # 964162: Jack Osei, jack.osei@example.org, 2742355


@pytest.mark.parametrize("trn", ["123456", "12345678", "T274235", "2742355x"])
def test_bad_trn_is_reported_without_personal_data(demo: ScenarioCopy, trn: str) -> None:
    name = demo.cell("schools", ADVOCATE_ROW, "advocate_1_name")
    email = demo.cell("schools", ADVOCATE_ROW, "advocate_1_email")
    assert name and email
    demo.set_cell("schools", ADVOCATE_ROW, "advocate_1_trn", trn)
    issue = only_error(demo)
    assert_issue(issue, demo.display("schools"), ADVOCATE_ROW, "advocate_1_trn", "TRN (7 digits)")
    result = demo.check()
    assert result.exit_code == 2
    for private in (trn, name, email, name.split()[-1]):
        assert private not in str(issue)
        assert private not in result.output


def test_bad_email_is_reported_without_personal_data(demo: ScenarioCopy) -> None:
    name = demo.cell("schools", ADVOCATE_ROW, "advocate_2_name")
    demo.set_cell("schools", ADVOCATE_ROW, "advocate_2_email", "freya.nguyen-at-example.org")
    issue = only_error(demo)
    assert_issue(issue, demo.display("schools"), ADVOCATE_ROW, "advocate_2_email", "not an email address")
    result = demo.check()
    for private in ("freya.nguyen", name):
        assert private not in result.output


# ======================================================================== scenario.yml


BAD_YAML = [
    # (old text, new text, line holding, column, fragment)
    ("place: 1000", "place: 1.5", "place:", "weights.place", "valid integer"),
    ("place: 1000", "place: -1", "place:", "weights.place", "greater than or equal to 0"),
    ("place: 1000", "place: 1000001", "place:", "weights.place", "less than or equal to 1000000"),
    ("place: 1000", 'place: "1000"', "place:", "weights.place", "valid integer"),
    ("continuity: 50", "continuity: true", "continuity:", "weights.continuity", "integer"),
    (
        "focus_rank: [0, 30, 60, 90]",
        "focus_rank: [0, 30, 60]",
        "focus_rank:",
        "weights.focus_rank",
        "has 3 values but foci lists 4 codes",
    ),
    (
        "focus_rank: [0, 30, 60, 90]",
        "focus_rank: [0, 30, 60, 90, 120]",
        "focus_rank:",
        "weights.focus_rank",
        "has 5 values but foci lists 4 codes",
    ),
    (
        "focus_rank: [0, 30, 60, 90]",
        "focus_rank: [0, 30, 60, 2000000]",
        "focus_rank:",
        "weights.focus_rank[4]",
        "less than or equal to 1000000",
    ),
    ('year: "2025/26"', "year: 2025/27", "year:", "year", "is not a school year like 2025/26"),
    ('year: "2025/26"', 'year: "2025-26"', "year:", "year", "is not a school year"),
    ('year: "2025/26"', "year: 25/26", "year:", "year", "is not a school year"),
    ("foci: [A, B, C, D]", "foci: [A, B, C, A]", "foci:", "foci", "repeated"),
    (
        "departments_per_specialist: 2",
        "departments_per_specialist: -1",
        "departments_per_specialist",
        "rules.departments_per_specialist",
        "greater than or equal",
    ),
    ("max_travel_km: 60", "max_travel_km: 0", "max_travel_km", "rules.max_travel_km", "greater"),
    (
        "available_cohorts: [1, 2, 3, 4]",
        "available_cohorts: [0, 1]",
        "available_cohorts",
        "rules.available_cohorts[1]",
        "greater than or equal to 1",
    ),
    ("workers: 8", "workers: 0", "workers:", "solver.workers", "greater than or equal to 1"),
    ("formats: [csv]", "formats: [pdf]", "formats:", "output.formats[1]", "csv"),
    ("name: Weald", "nmae: Weald", "nmae:", "nmae", "is not a known key"),
    (
        "  allow_cross_hub: false",
        "  allow_crosshub: false",
        "allow_crosshub",
        "rules.allow_crosshub",
        "is not a known key",
    ),
]


@pytest.mark.parametrize(("old", "new", "needle", "column", "fragment"), BAD_YAML)
def test_bad_scenario_value_is_reported_at_its_line(
    demo: ScenarioCopy, old: str, new: str, needle: str, column: str, fragment: str
) -> None:
    demo.replace_yaml(old, new)
    issues = errors_of(demo)
    if column == "nmae":  # the misspelt key is unknown, and `name` is then missing
        assert any(i.column == "name" and "is required" in i.message for i in issues)
        issues = [i for i in issues if i.column != "name"]
    assert len(issues) == 1, "\n".join(map(str, issues))
    assert_issue(issues[0], demo.yml_display, demo.line_of(needle), column, fragment)


GOOD_YAML = [
    ('year: "2025/26"', "year: 2024/25"),  # unquoted is read as text too
    ('year: "2025/26"', 'year: "1999/00"'),
    ("place: 1000", "place: 1000000"),
    ("place: 1000", "place: 0"),
    ("travel_per_km: 1", "travel_per_km: 0"),
    ("  focus_rank: [0, 30, 60, 90]\n", ""),  # default 30 x (rank - 1)
    ("foci: [A, B, C, D]", "foci: [a, b, c, d]"),
]


@pytest.mark.parametrize(("old", "new"), GOOD_YAML)
def test_good_scenario_value_loads(demo: ScenarioCopy, old: str, new: str) -> None:
    demo.replace_yaml(old, new)
    demo.load()


def test_weights_and_defaults_reach_the_problem(demo: ScenarioCopy) -> None:
    demo.replace_yaml("  focus_rank: [0, 30, 60, 90]\n", "")
    demo.replace_yaml("place: 1000", "place: 1000000")
    problem = demo.load().problem
    assert problem.weights.place == 1_000_000
    assert problem.weights.focus_rank == (0, 30, 60, 90)


def test_missing_required_key(demo: ScenarioCopy) -> None:
    demo.replace_yaml("specialists: specialists.csv\n", "")
    issue = only_error(demo)
    assert (issue.file, issue.column) == (demo.yml_display, "specialists")
    assert "is required" in issue.message


@pytest.mark.parametrize("blank", ['""', "' '"])
def test_blank_table_path_is_required(demo: ScenarioCopy, blank: str) -> None:
    demo.replace_yaml("specialists: specialists.csv", f"specialists: {blank}")
    assert_issue(
        only_error(demo),
        demo.yml_display,
        demo.line_of("specialists:"),
        "specialists",
        "is required",
    )


def test_yaml_syntax_error_names_its_line(demo: ScenarioCopy) -> None:
    demo.replace_yaml("foci: [A, B, C, D]", "foci: [A, B, C, D")
    issue = only_error(demo)
    assert issue.file == demo.yml_display
    assert issue.row == demo.line_of("foci:") + 1  # where the parser noticed
    assert "YAML syntax error" in issue.message


def test_yaml_bad_indentation_names_its_line(demo: ScenarioCopy) -> None:
    demo.replace_yaml("  place: 1000", "   place: 1000")
    issue = only_error(demo)
    assert issue.row in (demo.line_of("place:"), demo.line_of("place:") + 1)
    assert "YAML syntax error" in issue.message


def test_unknown_keys_are_all_reported(demo: ScenarioCopy) -> None:
    demo.replace_yaml("rules:", "rules:\n  max_travel: 30")
    demo.append_yaml("colour: blue\nsolver_options: {}")
    issues = errors_of(demo)
    assert sorted((i.row, i.column) for i in issues) == [
        (demo.line_of("max_travel:"), "rules.max_travel"),
        (demo.line_of("colour:"), "colour"),
        (demo.line_of("solver_options:"), "solver_options"),
    ]
    assert all("is not a known key" in i.message for i in issues)


@pytest.mark.parametrize("text", ["", "- a list\n- of things\n", "just text\n"])
def test_a_yaml_file_that_is_not_a_scenario(demo: ScenarioCopy, text: str) -> None:
    demo.write_yaml(text)
    issue = only_error(demo)
    assert issue.file == demo.yml_display


def test_missing_scenario_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load(tmp_path / "nowhere.yml")
    (issue,) = info.value.issues
    assert issue.file.endswith("nowhere.yml")
    assert "not found" in issue.message


# ------------------------------------------------------------------ table paths


def test_paths_are_relative_to_the_scenario_file(
    demo: ScenarioCopy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables = demo.folder / "tables"
    tables.mkdir()
    for key in ("schools", "specialists", "work_groups"):
        demo.table(key).rename(tables / demo.table(key).name)
        demo.replace_yaml(f"{key}: {key}.csv", f"{key}: tables/{key}.csv")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    loaded = load(Path("..") / "demo" / "scenario.yml")
    assert len(loaded.problem.schools) == 64
    # Messages name a table so that it can be opened from the working directory.
    (tables / "schools.csv").write_text((tables / "schools.csv").read_text().replace("917030,", "91703,", 1))
    with pytest.raises(InputError) as info:
        load(Path("..") / "demo" / "scenario.yml")
    (issue,) = info.value.issues
    assert Path(issue.file).resolve() == (tables / "schools.csv").resolve()
    assert (issue.row, issue.column) == (2, "urn")


def test_missing_table_file_names_the_path_as_written(demo: ScenarioCopy) -> None:
    demo.replace_yaml("schools: schools.csv", "schools: EOI/Schools 2025.csv")
    issue = only_error(demo)
    assert_issue(issue, demo.yml_display, demo.line_of("schools:"), "schools", "file not found")
    assert "'EOI/Schools 2025.csv'" in issue.message


def test_missing_sheet_is_an_error(demo: ScenarioCopy) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Schools"
    book.save(demo.folder / "eoi.xlsx")
    demo.replace_yaml("schools: schools.csv", "schools: eoi.xlsx#Applications")
    issue = only_error(demo)
    assert issue.file.endswith("eoi.xlsx#Applications")
    assert "has no sheet named 'Applications'" in issue.message


def test_missing_required_column(demo: ScenarioCopy) -> None:
    rows = demo.rows("specialists")
    rows[0][rows[0].index("cohort")] = "cohort_no"
    demo.write_rows("specialists", rows)
    assert_issue(only_error(demo), demo.display("specialists"), 1, "cohort", "required column is missing")


def test_work_groups_table_needed_for_embedding_and_sustaining(demo: ScenarioCopy) -> None:
    demo.replace_yaml("work_groups: work_groups.csv\n", "")
    issue = only_error(demo)
    assert (issue.file, issue.column) == (demo.yml_display, "work_groups")
    assert "embedding or sustaining" in issue.message


def test_work_groups_table_not_needed_for_development_only(
    data_scenario: Callable[[str], ScenarioCopy],
) -> None:
    copy = data_scenario("located_by_postcode")
    rows = copy.rows("schools")
    copy.write_rows("schools", [row for row in rows if row[4] not in ("embedding", "sustaining")])
    copy.replace_yaml("work_groups: work_groups.csv\n", "")
    assert [s.stage for s in copy.load().problem.schools] == ["development", "development"]


# ======================================================================== cross-table


def test_duplicate_urn(demo: ScenarioCopy) -> None:
    demo.set_cell("schools", 5, "urn", "917030")
    assert_issue(
        only_error(demo),
        demo.display("schools"),
        5,
        "urn",
        "URN 917030 appears again (first at row 2)",
    )


def test_duplicate_specialist_id(demo: ScenarioCopy) -> None:
    demo.set_cell("specialists", 4, "id", " MS01")  # ids compare after trimming
    assert_issue(
        only_error(demo),
        demo.display("specialists"),
        4,
        "id",
        "MS01 appears again (first at row 2)",
    )


def test_duplicate_work_group_id(demo: ScenarioCopy) -> None:
    demo.set_cell("work_groups", 3, "id", "WD-S-A")
    assert_issue(
        only_error(demo),
        demo.display("work_groups"),
        3,
        "id",
        "WD-S-A appears again (first at row 2)",
    )


def test_unknown_lead(demo: ScenarioCopy) -> None:
    demo.set_cell("work_groups", GROUP, "lead", "MS99")
    assert_issue(
        only_error(demo),
        demo.display("work_groups"),
        GROUP,
        "lead",
        "MS99 is not in the specialists table",
    )


@pytest.mark.parametrize("lead", ["MS01", " MS01 ", "MS20"])  # MS20 has max_groups 0: valid
def test_known_available_lead(demo: ScenarioCopy, lead: str) -> None:
    demo.set_cell("work_groups", GROUP, "lead", lead)
    problem = demo.load().problem
    group = problem.work_groups[GROUP - 2]
    assert group.lead_idx is not None
    assert problem.specialists[group.lead_idx].id == lead.strip()


def test_fixed_lead_who_is_not_available(demo: ScenarioCopy) -> None:
    demo.set_cell("work_groups", GROUP, "lead", "MS08")  # cohort 5
    assert_issue(
        only_error(demo),
        demo.display("work_groups"),
        GROUP,
        "lead",
        "MS08 is in cohort 5, which is not available",
    )


def test_an_invalid_specialist_row_is_reported_once(demo: ScenarioCopy) -> None:
    """MS13 leads WD-P-1: its bad cohort must not also make it 'not in the table'."""
    row = demo.row_of("specialists", "id", "MS13")
    demo.set_cell("specialists", row, "cohort", "x")
    assert_issue(only_error(demo), demo.display("specialists"), row, "cohort", "cohort number")


def test_an_unlocated_specialist_is_reported_once(demo: ScenarioCopy) -> None:
    row = demo.row_of("specialists", "id", "MS13")
    demo.set_cell("specialists", row, "postcode", "ZA1 1AA")
    assert_issue(only_error(demo), demo.display("specialists"), row, "postcode", "not found")


def test_secondary_sustaining_school_without_focus_choices(demo: ScenarioCopy) -> None:
    demo.set_cell("schools", SECONDARY_SUSTAINING, "focus_choices", "")
    assert_issue(
        only_error(demo),
        demo.display("schools"),
        SECONDARY_SUSTAINING,
        "focus_choices",
        "a secondary sustaining school needs ranked focus choices",
    )


# ------------------------------------------------------------------ cohorts


def test_available_cohorts_required_with_several_cohorts(demo: ScenarioCopy) -> None:
    demo.replace_yaml("  available_cohorts: [1, 2, 3, 4]   # cohorts 5 and 6 are still training\n", "")
    assert_issue(
        only_error(demo),
        demo.yml_display,
        demo.line_of("rules:"),
        "rules.available_cohorts",
        "is required because the specialists table has cohorts 1, 2, 3, 4, 5, 6",
    )


def test_available_cohorts_not_required_with_one_cohort(demo: ScenarioCopy) -> None:
    demo.replace_yaml("  available_cohorts: [1, 2, 3, 4]   # cohorts 5 and 6 are still training\n", "")
    for row in range(2, demo.num_rows("specialists") + 1):
        demo.set_cell("specialists", row, "cohort", "3")
    problem = demo.load().problem
    assert all(s.available for s in problem.specialists)


def test_available_cohorts_decide_availability(demo: ScenarioCopy) -> None:
    problem = demo.load().problem
    assert {s.cohort for s in problem.specialists if not s.available} == {5, 6}


# ------------------------------------------------------------------ pins and forbids


def pin_issue(copy: ScenarioCopy, needle: str, column: str, fragment: str) -> None:
    assert_issue(only_error(copy), copy.yml_display, copy.line_of(needle), column, fragment)


def test_demo_pins_load(demo_pins: ScenarioCopy) -> None:
    problem = demo_pins.load().problem
    assert len(problem.pins) == 2 and len(problem.forbids) == 1


@pytest.mark.parametrize(
    ("old", "new", "column", "fragment"),
    [
        ('"970374"', '"970375"', "pins[1].school", "970375 is not a school (URN)"),
        ('"MS05"', '"MS55"', "pins[1].specialist", "MS55 is not a specialist id"),
        ('"WD-S-B"', '"WD-S-Z"', "pins[2].group", "WD-S-Z is not a work group id"),
        ('"930435"', '"930436"', "forbid[1].school", "930436 is not a school (URN)"),
        ('"MS13"', "MS99", "forbid[1].specialist", "MS99 is not a specialist id"),
    ],
)
def test_unknown_pin_and_forbid_ids(demo_pins: ScenarioCopy, old: str, new: str, column: str, fragment: str) -> None:
    demo_pins.replace_yaml(old, new)
    pin_issue(demo_pins, new, column, fragment)
    assert "quote" not in only_error(demo_pins).message


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        ('school: "970374"', "school: 970375", "pins[1].school"),
        ('school: "970374"', "school: 0712", "pins[1].school"),  # YAML 1.1: octal 458
        ('specialist: "MS05"', "specialist: 5", "pins[1].specialist"),
        ('group: "WD-S-B"', "group: 12", "pins[2].group"),
        ('specialist: "MS13"', "specialist: 13", "forbid[1].specialist"),
    ],
)
def test_yaml_number_that_matches_nothing_gets_a_hint_to_quote_it(
    demo_pins: ScenarioCopy, old: str, new: str, column: str
) -> None:
    demo_pins.replace_yaml(old, new)
    issue = only_error(demo_pins)
    assert_issue(issue, demo_pins.yml_display, demo_pins.line_of(new), column, "quote ids")
    key, typed = new.split(": ")
    assert f'{key}: "{typed}"' in issue.message  # the id as typed, in quotes


def test_yaml_number_that_matches_an_id_is_fine(demo_pins: ScenarioCopy) -> None:
    demo_pins.replace_yaml('"970374"', "970374")
    problem = demo_pins.load().problem
    assert problem.schools[problem.pins[0].school_idx].urn == "970374"


@pytest.mark.parametrize(
    ("pins", "forbid", "needle", "column", "fragment"),
    [
        (
            '[{school: "970374", specialist: MS05}]',
            '[{school: "970374", specialist: MS05}]',
            "pins:",
            "pins[1]",
            "both pinned and forbidden",
        ),
        (
            '[{school: "904445", group: WD-S-B}]',
            '[{school: "904445", group: WD-S-B}]',
            "pins:",
            "pins[1]",
            "both pinned and forbidden",
        ),
        (
            '\n  - {school: "970374", specialist: MS05}\n  - {school: "970374", specialist: MS06}',
            "[]",
            "MS06",
            "pins[2]",
            "pinned to two different specialists (see pins[1])",
        ),
        (
            '\n  - {school: "970374", group: WD-S-A}\n  - {school: "970374", group: WD-S-B}',
            "[]",
            "WD-S-B",
            "pins[2]",
            "pinned to two different groups (see pins[1])",
        ),
        (
            '[{school: "904445", specialist: MS05}]',
            "[]",
            "pins:",
            "pins[1]",
            "applies for sustaining",
        ),
        (
            '[{school: "917030", group: WD-S-A}]',
            "[]",
            "pins:",
            "pins[1]",
            "applies for development",
        ),
        (
            '[{school: "917030"}]',
            "[]",
            "pins:",
            "pins[1]",
            "names one school and exactly one of specialist or group",
        ),
        (
            '[{school: "970374", specialist: MS05, group: WD-S-A}]',
            "[]",
            "pins:",
            "pins[1]",
            "names one school and exactly one of specialist or group",
        ),
    ],
)
def test_malformed_pins(demo: ScenarioCopy, pins: str, forbid: str, needle: str, column: str, fragment: str) -> None:
    demo.append_yaml(f"pins: {pins}\nforbid: {forbid}")
    pin_issue(demo, needle, column, fragment)
    assert demo.check().exit_code == 2


@pytest.mark.parametrize(
    "pins",
    [
        # Pins that agree, and an embedding school with a specialist and a group.
        '\n  - {school: "970374", specialist: MS05}\n  - {school: "970374", specialist: MS05}',
        '\n  - {school: "970374", specialist: MS05}\n  - {school: "970374", group: WD-S-A}',
        '[{school: "904445", group: WD-S-B}]',
        '[{school: "917030", specialist: MS05}]',
    ],
)
def test_well_formed_pins_load(demo: ScenarioCopy, pins: str) -> None:
    demo.append_yaml(f'pins: {pins}\nforbid: [{{school: "930435", specialist: MS13}}]')
    assert demo.load().problem.pins


# ------------------------------------------------------------------ warnings


def test_previous_specialist_not_in_the_table_is_a_warning(demo: ScenarioCopy) -> None:
    demo.set_cell("schools", 26, "previous_specialist", "MS99")
    loaded = demo.load()
    found = {(w.file, w.row, w.column) for w in loaded.warnings if "MS" in w.message}
    assert found == {
        (demo.display("schools"), 26, "previous_specialist"),
        (demo.display("schools"), 39, "previous_specialist"),  # MS31, in the demo itself
    }
    assert all(w.warning for w in loaded.warnings)
    result = demo.check()
    assert result.exit_code == 0, result.output
    assert "MS99 is not in this year's specialists table" in result.output


# ======================================================================== locations


def test_located_by_latitude_longitude(data_scenario: Callable[[str], ScenarioCopy]) -> None:
    problem = data_scenario("located_by_latlon").load().problem
    assert {s.location.source for s in problem.schools} == {"given"}
    assert {s.location.source for s in problem.specialists} == {"given"}
    assert {g.venue.source for g in problem.work_groups} == {"given"}
    assert (problem.schools[0].location.lat, problem.schools[0].location.lon) == (51.28219, 0.19045)


def test_located_by_easting_northing(data_scenario: Callable[[str], ScenarioCopy]) -> None:
    problem = data_scenario("located_by_grid").load().problem
    given = data_scenario("located_by_latlon").load().problem
    assert {s.location.source for s in problem.schools} == {"grid"}
    assert {s.location.source for s in problem.specialists} == {"grid"}
    assert {g.venue.source for g in problem.work_groups} == {"grid"}
    # The grid folder holds the latlon folder's places, rounded to the metre.
    pairs = [
        *zip(problem.schools, given.schools, strict=True),
        *zip(problem.specialists, given.specialists, strict=True),
    ]
    for grid, latlon in pairs:
        assert grid.location.lat == pytest.approx(latlon.location.lat, abs=2e-5)
        assert grid.location.lon == pytest.approx(latlon.location.lon, abs=2e-5)


def test_located_by_postcode_alone(data_scenario: Callable[[str], ScenarioCopy]) -> None:
    copy = data_scenario("located_by_postcode")
    problem = copy.load().problem
    assert {s.location.source for s in problem.schools} == {"sector"}
    assert {g.venue.source for g in problem.work_groups} == {"sector"}
    given = data_scenario("located_by_latlon").load().problem
    for by_postcode, latlon in zip(problem.schools, given.schools, strict=True):
        assert by_postcode.location.lat == pytest.approx(latlon.location.lat, abs=1e-5)
    # At the auto level the source is the exact postcode when its table is installed.
    auto = load(copy.yml, locations="auto").problem
    assert {s.location.source for s in auto.schools} <= {"postcode", "sector"}


@pytest.mark.parametrize("name", ["located_by_latlon", "located_by_grid", "located_by_postcode"])
def test_located_scenarios_pass_check(name: str) -> None:
    result = CliRunner().invoke(main, ["check", str(DATA / name / "scenario.yml"), "--locations", "sector"])
    assert result.exit_code == 0, result.output


def test_first_complete_pair_wins(demo: ScenarioCopy) -> None:
    """Latitude/longitude before easting/northing before the postcode; a half pair is ignored."""
    demo.set_cell("schools", SCHOOL_GRID, "latitude", "51.3")
    demo.set_cell("schools", SCHOOL_GRID, "longitude", "0.2")
    demo.set_cell("schools", SCHOOL, "latitude", "51.3")  # no longitude: the postcode is used
    problem = demo.load().problem
    assert problem.schools[SCHOOL_GRID - 2].location.source == "given"
    assert problem.schools[SCHOOL - 2].location.source == "sector"


@pytest.mark.parametrize(
    ("row", "cells", "column"),
    [
        (SCHOOL_LATLON, {"latitude": "48.8566", "longitude": "2.3522"}, "latitude"),  # Paris
        (SCHOOL_LATLON, {"latitude": "54.6", "longitude": "-5.93"}, "latitude"),  # Belfast
        (SCHOOL_GRID, {"easting": "900000", "northing": "100000"}, "easting"),  # off the map
    ],
)
def test_location_outside_great_britain(demo: ScenarioCopy, row: int, cells: dict[str, str], column: str) -> None:
    for name, value in cells.items():
        demo.set_cell("schools", row, name, value)
    assert_issue(only_error(demo), demo.display("schools"), row, column, "lies outside Great Britain")


def test_venue_outside_great_britain(demo: ScenarioCopy) -> None:
    demo.set_cell("work_groups", GROUP_VENUE_LATLON, "venue_latitude", "48.85")
    assert_issue(
        only_error(demo),
        demo.display("work_groups"),
        GROUP_VENUE_LATLON,
        "venue_latitude",
        "lies outside Great Britain",
    )


@pytest.mark.parametrize(
    ("key", "row", "column"),
    [
        ("schools", SCHOOL, "postcode"),
        ("specialists", SPECIALIST, "postcode"),
        ("work_groups", GROUP, "venue_postcode"),
    ],
)
def test_unknown_postcode_names_the_row(demo: ScenarioCopy, key: str, row: int, column: str) -> None:
    demo.set_cell(key, row, column, "ZA1 1AA")  # valid format; no such district
    assert_issue(only_error(demo), demo.display(key), row, column, "ZA1 1AA was not found")


def test_unknown_postcode_is_fine_when_coordinates_are_given(demo: ScenarioCopy) -> None:
    demo.set_cell("schools", SCHOOL_LATLON, "postcode", "ZA1 1AA")
    assert demo.load().problem.schools[SCHOOL_LATLON - 2].location.source == "given"


# ======================================================================== everything at once


DEFECTS = DATA / "defects_in_every_file"

# Every defect planted in tests/data/defects_in_every_file: (file, row, column, fragment).
PLANTED = [
    ("scenario.yml", 4, "year", "is not a school year"),
    ("scenario.yml", 10, "weights.place", "greater than or equal to 0"),
    ("scenario.yml", 11, "colour", "is not a known key"),
    ("scenario.yml", 13, "pins[1].school", "100009 is not a school"),
    ("schools.csv", 2, "urn", "is not a URN"),
    ("schools.csv", 3, "phase", "is not one of"),
    ("schools.csv", 5, "urn", "appears again (first at row 4)"),
    ("schools.csv", 6, "priority", "is not a priority"),
    ("specialists.csv", 2, "cohort", "is not a cohort number"),
    ("specialists.csv", 3, "postcode", "is not a UK postcode"),
    ("work_groups.csv", 2, "min_schools", "is above max_schools"),
    ("work_groups.csv", 3, "lead", "S99 is not in the specialists table"),
]


def test_every_defect_is_listed(data_scenario: Callable[[str], ScenarioCopy]) -> None:
    copy = data_scenario("defects_in_every_file")
    issues = errors_of(copy)
    assert len(issues) == len(PLANTED), "\n".join(map(str, issues))
    for (file, row, column, fragment), issue in zip(
        PLANTED,
        sorted(issues, key=lambda i: (PLANTED_ORDER[Path(i.file).name], i.row or 0)),
        strict=True,
    ):
        assert_issue(issue, display_path(copy.folder / file), row, column, fragment)


PLANTED_ORDER = {"scenario.yml": 0, "schools.csv": 1, "specialists.csv": 2, "work_groups.csv": 3}


def test_check_lists_every_defect_without_traceback() -> None:
    result = CliRunner().invoke(main, ["check", str(DEFECTS / "scenario.yml"), "--locations", "sector"])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert f"the input has {len(PLANTED)} problems; nothing was written" in result.stderr
    listed = [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]
    assert len(listed) == len(PLANTED)
    for file, row, column, fragment in PLANTED:
        where = f"{display_path(DEFECTS / file)}:{row}: {column}: "
        assert any(line.startswith(where) and fragment in line for line in listed), where


def test_run_with_defects_writes_nothing(tmp_path: Path) -> None:
    before = sorted(p.name for p in DEFECTS.iterdir())
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [str(DEFECTS / "scenario.yml"), "--out", str(out), "--locations", "sector"])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert not out.exists()
    assert sorted(p.name for p in DEFECTS.iterdir()) == before


def test_check_demo_exits_0() -> None:
    result = CliRunner().invoke(main, ["check", str(DEMO_YML), "--locations", "sector"])
    assert result.exit_code == 0, result.output
    assert result.exception is None
    assert "OK: the scenario is valid." in result.output


def test_check_prints_file_row_column_message(demo: ScenarioCopy) -> None:
    demo.set_cell("schools", SCHOOL, "priority", "7")
    result = demo.check()
    assert result.exit_code == 2
    assert f"  {demo.display('schools')}:{SCHOOL}: priority: 7 is not a priority" in result.stderr
