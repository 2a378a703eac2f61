"""A corpus of one-defect scenarios (issue 13, item 7): each is the demo with one thing
wrong, and each must end in its exit code with its message, naming where, and write nothing.

The scenarios are built here from the demo rather than stored as folders, so that a
change to the demo cannot leave the corpus stale. `{schools}`, `{specialists}`,
`{work_groups}` and `{yml}` in a message stand for how messages name those files.
"""

from __future__ import annotations

import codecs
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from allocator.cli.main import main
from allocator.inputs.limits import LIMITS

from .conftest import ScenarioCopy

Edit = Callable[[ScenarioCopy], None]


@dataclass(frozen=True)
class Defect:
    name: str
    edit: Edit
    message: str
    code: int = 2
    flags: tuple[str, ...] = ()  # given: the defect is in how `allocate` is run, not in `check`


def cell(key: str, row: int, column: str, value: str) -> Edit:
    return lambda copy: copy.set_cell(key, row, column, value)


def yaml(old: str, new: str) -> Edit:
    return lambda copy: copy.replace_yaml(old, new)


def append(text: str) -> Edit:
    return lambda copy: copy.append_yaml(text)


def table_bytes(key: str, make: Callable[[ScenarioCopy], bytes]) -> Edit:
    return lambda copy: copy.table(key).write_bytes(make(copy))


def nothing(copy: ScenarioCopy) -> None:
    return None


def _csv_text(copy: ScenarioCopy, key: str, separator: str = ",") -> str:
    return "\n".join(separator.join(row) for row in copy.rows(key)) + "\n"


def _schools_path(value: str) -> Edit:
    return yaml("schools: schools.csv", f"schools: {value}")


def _fifo(copy: ScenarioCopy) -> None:
    os.mkfifo(copy.folder / "pipe.csv")
    copy.replace_yaml("schools: schools.csv", "schools: pipe.csv")


def _zip(entries: int, megabytes: int) -> Edit:
    def edit(copy: ScenarioCopy) -> None:
        with zipfile.ZipFile(copy.folder / "book.xlsx", "w", zipfile.ZIP_DEFLATED) as archive:
            for n in range(entries):
                archive.writestr(f"xl/extra{n}.xml", "<x/>")
            if megabytes:
                with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
                    for _ in range(megabytes):
                        sheet.write(b" " * (1 << 20))
        copy.replace_yaml("schools: schools.csv", "schools: book.xlsx")

    return edit


def _sparse(size: int) -> Edit:
    def edit(copy: ScenarioCopy) -> None:
        with copy.table("schools").open("r+b") as handle:
            handle.truncate(size)

    return edit


def _many_rows(copy: ScenarioCopy) -> None:
    rows = copy.rows("schools")
    line = ",".join(rows[1]) + "\n"
    copy.table("schools").write_text(",".join(rows[0]) + "\n" + line * (LIMITS.rows + 1), encoding="utf-8")


def _alias_bomb(copy: ScenarioCopy) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    copy.append_yaml("\n".join(lines))


def _big_scenario(copy: ScenarioCopy) -> None:
    copy.append_yaml("# " + "x" * LIMITS.scenario_bytes)


def _fake_xlsx(copy: ScenarioCopy) -> None:
    (copy.folder / "fake.xlsx").write_text("urn\n100001\n")
    copy.replace_yaml("schools: schools.csv", "schools: fake.xlsx")


def _out_under_a_file(copy: ScenarioCopy) -> None:
    (copy.folder / "afile").write_text("not a folder")


def _lead_in_cohort(cohort: str) -> Edit:
    def edit(copy: ScenarioCopy) -> None:
        row = copy.row_of("specialists", "cohort", cohort)
        copy.set_cell("work_groups", 2, "lead", copy.cell("specialists", row, "id"))

    return edit


def _urn_of_row_2_again_with(invisible: str) -> Edit:
    def edit(copy: ScenarioCopy) -> None:
        urn = copy.cell("schools", 2, "urn")
        copy.set_cell("schools", 3, "urn", urn[:2] + invisible + urn[2:])

    return edit


def _id_of_row_2_again_with(invisible: str) -> Edit:
    def edit(copy: ScenarioCopy) -> None:
        copy.set_cell("specialists", 3, "id", invisible + copy.cell("specialists", 2, "id"))

    return edit


BIG = "100000000000000000000"  # 10^20

DEFECTS = [
    # ---------------------------------------------------------------- single cells
    Defect("urn-short", cell("schools", 2, "urn", "12345"), "{schools}:2: urn: '12345' is not a URN (6 digits)"),
    Defect("urn-letters", cell("schools", 2, "urn", "abcdef"), "{schools}:2: urn: 'abcdef' is not a URN"),
    Defect("name-blank", cell("schools", 3, "name", ""), "{schools}:3: name: is required but blank"),
    Defect("phase-unknown", cell("schools", 2, "phase", "middle"), "{schools}:2: phase: 'middle' is not one of"),
    Defect("stage-unknown", cell("schools", 2, "stage", "year 4"), "{schools}:2: stage: 'year 4' is not one of"),
    Defect("focus-repeated", cell("schools", 2, "focus_choices", "A;A"), "{schools}:2: focus_choices: a focus code"),
    Defect("focus-unknown", cell("schools", 2, "focus_choices", "Z"), "{schools}:2: focus_choices: Z is not"),
    Defect("priority-high", cell("schools", 2, "priority", "7"), "{schools}:2: priority: 7 is not a priority"),
    Defect("postcode-bad", cell("schools", 2, "postcode", "NOTAPC"), "{schools}:2: postcode: 'NOTAPC' is not a UK"),
    Defect("postcode-zz99", cell("schools", 2, "postcode", "ZZ99 9ZZ"), "{schools}:2: postcode:"),
    Defect("trn-short", cell("schools", 2, "advocate_1_trn", "12345"), "{schools}:2: advocate_1_trn: is not a TRN"),
    Defect("email-bad", cell("schools", 2, "advocate_1_email", "nobody"), "{schools}:2: advocate_1_email: is not an"),
    Defect("latitude-word", cell("schools", 2, "latitude", "north"), "{schools}:2: latitude: 'north' is not a number"),
    Defect("latitude-comma", cell("schools", 2, "latitude", "51,2"), "(write decimals with a point: 51.5)"),
    Defect("latitude-1e999", cell("schools", 2, "latitude", "1e999"), "{schools}:2: latitude: '1e999' is not a finite"),
    Defect(
        "outside-gb",
        lambda c: (
            (c.set_cell("schools", 2, "latitude", "48.85"), c.set_cell("schools", 2, "longitude", "2.35")) and None
        ),
        "{schools}:2: latitude: lies outside Great Britain",
    ),
    Defect("cohort-zero", cell("specialists", 2, "cohort", "0"), "{specialists}:2: cohort: 0 is not a cohort number"),
    Defect("specialist-phase", cell("specialists", 2, "phase", "all-through"), "{specialists}:2: phase:"),
    Defect("capacity-negative", cell("specialists", 2, "capacity", "-1"), "{specialists}:2: capacity: -1 is not"),
    Defect("lead-foci-unknown", cell("specialists", 2, "foci", "Z"), "{specialists}:2: foci: Z is not a focus"),
    Defect("group-phase", cell("work_groups", 2, "phase", "all-through"), "{work_groups}:2: phase:"),
    Defect("group-min-above-max", cell("work_groups", 2, "min_schools", "9"), "{work_groups}:2: min_schools: min"),
    # ---------------------------------------------------------------- issue 11's columns and keys
    Defect("group-stage", cell("work_groups", 2, "stage", "year 1"), "{work_groups}:2: stage: 'year 1' is not one of"),
    Defect(
        "development-group-focus",
        cell("work_groups", 2, "stage", "development"),
        "{work_groups}:2: focus: a development group has no focus",
    ),
    Defect("group-cross-hub", cell("work_groups", 2, "cross_hub", "maybe"), "{work_groups}:2: cross_hub: 'maybe' is"),
    Defect("school-travel", cell("schools", 2, "max_travel_km", "-5"), "{schools}:2: max_travel_km: -5 is not a"),
    Defect("school-cross-hub", cell("schools", 2, "allow_cross_hub", "y"), "{schools}:2: allow_cross_hub: 'y' is not"),
    Defect("funding-key", append("funding: {development: 2000, bonus: 5}"), "funding.bonus: is not a known key"),
    Defect("funding-pence", append("funding: {development: 20.50}"), "funding.development:"),
    Defect("funding-negative", append("funding: {embedding: -1}"), "funding.embedding:"),
    Defect("foci-title-list", yaml("foci: [A, B, C, D]", "foci: {A: {title: [x]}, B: , C: , D: }"), "foci.A.title:"),
    Defect("foci-unknown-detail", yaml("foci: [A, B, C, D]", "foci: {A: {name: x}, B: , C: , D: }"), "foci.A.name:"),
    Defect("lone-weight", yaml("continuity: 50", "continuity: 50\n  lone_department: -1"), "weights.lone_department"),
    Defect(
        "whole-pairs-word",
        yaml("separate_trusts: false", "separate_trusts: false\n  whole_pairs: often"),
        "rules.whole_pairs",
    ),
    Defect(
        "pin-sustaining-on-development-group",
        lambda c: (
            (
                c.set_cell("work_groups", 2, "stage", "development"),
                c.set_cell("work_groups", 2, "focus", ""),
                c.append_yaml('pins:\n  - {school: "973873", group: WD-S-A}'),
            )
            and None
        ),
        "WD-S-A is a development group",
    ),
    Defect(
        "pin-development-twice",
        lambda c: (
            (
                c.set_cell("work_groups", 2, "stage", "development"),
                c.set_cell("work_groups", 2, "focus", ""),
                c.append_yaml('pins:\n  - {school: "917030", specialist: MS01}\n  - {school: "917030", group: WD-S-A}'),
            )
            and None
        ),
        "pinned to a specialist and to a development group",
    ),
    # ---------------------------------------------------------------- across tables
    Defect("urn-twice", cell("schools", 3, "urn", "917030"), "{schools}:3: urn: URN 917030 appears again"),
    Defect("id-twice", cell("specialists", 3, "id", "MS01"), "{specialists}:3: id: specialist id MS01 appears again"),
    Defect("group-twice", cell("work_groups", 3, "id", "WD-S-A"), "{work_groups}:3: id: work group id WD-S-A appears"),
    Defect("lead-unknown", cell("work_groups", 2, "lead", "MS99"), "{work_groups}:2: lead: MS99 is not in the"),
    Defect("lead-unavailable", _lead_in_cohort("5"), "{work_groups}:2: lead: MS"),
    Defect("column-missing", lambda c: c.write_rows("schools", [r[1:] for r in c.rows("schools")]), "urn: required"),
    Defect("table-missing", _schools_path("nowhere.csv"), "{yml}:5: schools: file not found: 'nowhere.csv'"),
    Defect("pin-unknown", append('pins:\n  - {school: "999999", specialist: MS01}'), "pins[1].school: 999999 is not"),
    Defect("pin-unquoted", append("pins:\n  - {school: 917031, specialist: MS01}"), "quote ids"),
    Defect(
        "pin-and-forbid",
        append('pins:\n  - {school: "917030", specialist: MS01}\nforbid:\n  - {school: "917030", specialist: MS01}'),
        "is both pinned and forbidden",
    ),
    Defect(
        "two-pins",
        append('pins:\n  - {school: "917030", specialist: MS01}\n  - {school: "917030", specialist: MS03}'),
        "is pinned to two different specialists",
    ),
    # ---------------------------------------------------------------- the scenario file
    Defect("yaml-syntax", append("rules: [unclosed"), "YAML syntax error"),
    Defect("yaml-unknown-key", append("colour: blue"), "colour: is not a known key"),
    Defect("yaml-required", yaml("name: Weald", "nam: Weald"), "name: is required"),
    Defect("yaml-year", yaml('year: "2025/26"', 'year: "2025/27"'), "year: '2025/27' is not a school year"),
    Defect("yaml-duplicate-key", append("year: 2026/27"), "year: is written twice (first at line 4)"),
    Defect("yaml-duplicate-nested", yaml("  place: 1000", "  place: 1000\n  place: 1"), "weights.place: is written"),
    Defect("yaml-alias-bomb", _alias_bomb, f"{{yml}}: expands to more than {LIMITS.yaml_values:,} values"),
    Defect("yaml-too-deep", append("deep: " + "[" * 3000 + "]" * 3000), "nest"),
    Defect("yaml-too-big", _big_scenario, f"more than the limit of {LIMITS.scenario_bytes:,}"),
    # ---------------------------------------------------------------- absurd numbers (item 3)
    Defect("capacity-1e20", cell("specialists", 2, "capacity", BIG), f"{{specialists}}:2: capacity: {BIG} is not"),
    Defect("embedding-1e20", cell("specialists", 2, "embedding_capacity", BIG), "embedding_capacity: 1000000"),
    Defect("max-groups-1e20", cell("specialists", 2, "max_groups", BIG), "{specialists}:2: max_groups:"),
    Defect("cohort-1e20", cell("specialists", 2, "cohort", BIG), "{specialists}:2: cohort:"),
    Defect("max-schools-1e20", cell("work_groups", 2, "max_schools", BIG), "{work_groups}:2: max_schools:"),
    Defect("min-schools-big", cell("work_groups", 2, "min_schools", "10001"), "{work_groups}:2: min_schools: 10001"),
    Defect("rule-capacity-1e20", yaml("departments_per_specialist: 2", f"departments_per_specialist: {BIG}"), "{yml}:"),
    Defect("rule-leads-1e20", yaml("groups_per_lead: 1", f"groups_per_lead: {BIG}"), "rules.groups_per_lead:"),
    Defect("rule-cohorts-1e20", yaml("[1, 2, 3, 4]", f"[1, {BIG}]"), "rules.available_cohorts[2]:"),
    Defect("weight-1e20", yaml("place: 1000", f"place: {BIG}"), "weights.place:"),
    Defect("seed-past-int32", yaml("seed: 0", "seed: 4294967296"), "solver.seed:"),
    Defect("time-limit-inf", yaml("time_limit_s: 30", "time_limit_s: .inf"), "solver.time_limit_s:"),
    Defect("time-limit-nan", yaml("time_limit_s: 30", "time_limit_s: .nan"), "solver.time_limit_s:"),
    Defect("travel-inf", yaml("max_travel_km: 60", "max_travel_km: .inf"), "rules.max_travel_km:"),
    Defect("flag-time-limit-nan", nothing, "--time-limit", flags=("--time-limit", "nan")),
    Defect("flag-time-limit-inf", nothing, "--time-limit", flags=("--time-limit", "inf")),
    Defect("flag-time-limit-negative", nothing, "--time-limit", flags=("--time-limit", "-5")),
    Defect("flag-explain-nan", nothing, "--explain-seconds", flags=("--explain-seconds", "nan")),
    Defect("flag-seed-1e20", nothing, "--seed", flags=("--seed", BIG)),
    Defect("flag-out-under-file", _out_under_a_file, "is a file, so no folder can be made", flags=("--out", "afile/x")),
    Defect("flag-out-too-long", nothing, "longer than 255 bytes", flags=("--out", "x" * 300)),
    Defect("time-limit-spent-reading", nothing, "reading the inputs took all of it", 4, ("--time-limit", "0.001")),
    Defect("flag-format", nothing, "--format: unknown format pdf", flags=("--format", "pdf")),
    # ---------------------------------------------------------------- look-alikes (item 4)
    Defect("urn-arabic-indic", cell("schools", 2, "urn", "٩١٧٠٣٠"), "{schools}:2: urn:"),
    Defect("urn-fullwidth", cell("schools", 2, "urn", "９１７０３０"), "{schools}:2: urn:"),
    Defect("trn-fullwidth", cell("schools", 2, "advocate_1_trn", "１２３４５６７"), "{schools}:2: advocate_1_trn:"),
    Defect("cohort-arabic-indic", cell("specialists", 2, "cohort", "١"), "{specialists}:2: cohort:"),
    Defect("priority-fullwidth", cell("schools", 2, "priority", "２"), "{schools}:2: priority:"),
    Defect("urn-twice-zero-width", _urn_of_row_2_again_with("\u200b"), "{schools}:3: urn: URN 917030 appears again"),
    Defect("id-twice-bom", _id_of_row_2_again_with("\ufeff"), "{specialists}:3: id: specialist id MS01 appears again"),
    Defect("id-twice-rtl-mark", _id_of_row_2_again_with("\u200f"), "{specialists}:3: id: specialist id MS01"),
    # ---------------------------------------------------------------- encodings (item 2)
    Defect(
        "bytes-fit-no-encoding",
        table_bytes("schools", lambda c: _csv_text(c, "schools").replace("Thorncombe", "Thorn\x81").encode("latin-1")),
        "{schools}:2: name: byte",
    ),
    Defect(
        "mixed-encodings",
        table_bytes(
            "schools",
            lambda c: _csv_text(c, "schools").replace("Thorncombe", "Thörncombe").encode() + "x,é\n".encode("cp1252"),
        ),
        "mixes two encodings",
    ),
    Defect("nul-byte", table_bytes("schools", lambda c: _csv_text(c, "schools").encode() + b"1\x002\n"), "NUL"),
    Defect(
        "utf16-broken",
        table_bytes("schools", lambda c: codecs.BOM_UTF16_LE + _csv_text(c, "schools").encode("utf-16-le") + b"\x00"),
        "is not UTF-16",
    ),
    # ---------------------------------------------------------------- hostile files (item 5)
    Defect("table-is-fifo", _fifo, "pipe.csv: is not a regular file"),
    Defect("table-is-device", _schools_path("/dev/zero"), "/dev/zero: is not a regular file"),
    Defect("table-is-folder", _schools_path("."), "is a folder, not a file"),
    Defect("table-too-many-bytes", _sparse(LIMITS.bytes + 1), f"more than the limit of {LIMITS.bytes:,}"),
    Defect("table-too-many-rows", _many_rows, f"has more than {LIMITS.rows:,} rows"),
    Defect("xlsx-zip-bomb", _zip(1, 60), f"more than the limit of {LIMITS.xlsx_unpacked:,}"),
    Defect("xlsx-many-entries", _zip(LIMITS.xlsx_entries + 1, 0), "more than a workbook's limit of"),
    Defect("xlsx-not-a-zip", _fake_xlsx, "fake.xlsx: cannot be read as an Excel workbook"),
    Defect("empty-table", table_bytes("schools", lambda c: b""), "{schools}: is empty"),
    # ---------------------------------------------------------------- terminal control characters
    Defect("escape-in-lead", cell("work_groups", 2, "lead", "\x1b[2J\x1b]0;pwned\x07"), "\\x1b[2J\\x1b]0;pwned\\x07"),
    Defect("escape-in-pin", append('pins:\n  - {school: "917030", specialist: "\\e[31mMS99"}'), "\\x1b[31mMS99"),
]


def display(copy: ScenarioCopy, message: str) -> str:
    return message.format(
        schools=copy.display("schools"),
        specialists=copy.display("specialists"),
        work_groups=copy.display("work_groups"),
        yml=copy.yml_display,
    )


def test_the_corpus_is_large_and_named_uniquely() -> None:
    assert len(DEFECTS) >= 60
    assert len({d.name for d in DEFECTS}) == len(DEFECTS)


@pytest.mark.parametrize("defect", DEFECTS, ids=[d.name for d in DEFECTS])
def test_one_defect(demo: ScenarioCopy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, defect: Defect) -> None:
    defect.edit(demo)
    out = tmp_path / "out"
    if defect.flags:
        monkeypatch.chdir(demo.folder)  # a relative --out is below the scenario's folder
        where = () if "--out" in defect.flags else ("--out", str(out))
        args = [str(demo.yml), *where, "--no-recommendations", "--locations", "sector", *defect.flags]
        result = CliRunner().invoke(main, args)
    else:
        result = demo.check()
    assert result.exit_code == defect.code, result.output
    assert isinstance(result.exception, SystemExit), result.output
    assert display(demo, defect.message) in result.output, result.output
    assert "\x1b" not in result.output and "Traceback" not in result.output
    assert "Solving" not in result.output  # refused before the search started
    assert not out.exists()
