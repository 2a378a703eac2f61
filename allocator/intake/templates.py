"""`allocate init`: a ready-to-fill scenario folder.

scenario.yml with every rule and weight commented; empty schools, specialists and work
groups tables as CSV, and the same three as sheets of one workbook (tables.xlsx) with
a Notes sheet that explains each column and shows one example row of each table, and
drop-down lists for the phase, stage and focus cells.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from allocator.problem.data import PHASES_GROUP, PHASES_SCHOOL, PHASES_SPECIALIST, STAGES

FOCI = ("A", "B", "C", "D")
DATA_ROWS = 1000  # rows of the workbook that get drop-down lists


@dataclass(frozen=True)
class Column:
    name: str
    required: str
    meaning: str
    example: str
    choices: tuple[str, ...] = ()  # a drop-down list in the workbook
    text: bool = False  # an id: stored as text so Excel keeps leading zeros


SCHOOLS = (
    Column("urn", "yes", "DfE Unique Reference Number, 6 digits, unique", "140001", text=True),
    Column("name", "yes (or from gias)", "school name", "Example Academy"),
    Column(
        "hub", "yes, unless scenario.yml sets hub", "Maths Hub name, as in the specialists table", "Example Maths Hub"
    ),
    Column("phase", "yes (or from gias)", "primary, secondary, all-through or special", "secondary", PHASES_SCHOOL),
    Column("stage", "yes", "development, embedding or sustaining", "development", STAGES),
    Column("postcode", "yes (or from gias)", "the school's postcode", "TN13 3LE"),
    Column("focus_choices", "secondary sustaining", "ranked focus codes from foci, e.g. B;A;C", ""),
    Column("previous_specialist", "no", "id of the specialist it had before (continuity for embedding)", "", text=True),
    Column("priority", "no", "0 to 3, default 0 (e.g. Education Investment Areas)", "0"),
    Column("trust", "no", "multi-academy trust name (or from gias)", ""),
    Column("advocate_1_name", "no", "Mastery Advocate 1 (personal data: never printed)", "Alex Advocate"),
    Column("advocate_1_email", "no", "their email", "a.advocate@example.org"),
    Column("advocate_1_role", "no", "their role in the department", "Second in department"),
    Column("advocate_2_name", "no", "Mastery Advocate 2", "Bo Backer"),
    Column("advocate_2_email", "no", "their email", "b.backer@example.org"),
    Column("advocate_2_role", "no", "their role in the department", "Teacher of mathematics"),
    Column("max_travel_km", "no", "this school's own travel limit (replaces the rule's)", ""),
    Column("allow_cross_hub", "no", "yes or no: overrides the rule for this school", "", ("yes", "no")),
)
SPECIALISTS = (
    Column("id", "yes", "unique id", "MS01", text=True),
    Column("name", "yes", "the specialist's name", "Ada Example"),
    Column("hub", "yes, unless scenario.yml sets hub", "Maths Hub name", "Example Maths Hub"),
    Column(
        "phase", "yes", "primary or secondary (their programme, not their school's)", "secondary", PHASES_SPECIALIST
    ),
    Column("cohort", "yes", "training cohort, 1 or more", "3"),
    Column("postcode", "yes (or from gias by school_urn)", "postcode of their own school", "ME16 8AH"),
    Column("school_urn", "no", "URN of their own school (never allocated to them)", "140002", text=True),
    Column("capacity", "no", "development schools this year; blank: the rule's default", ""),
    Column("embedding_capacity", "no", "embedding schools this year; blank: the rule's default", ""),
    Column("max_groups", "no", "running groups they may lead; blank: the rule's default", ""),
    Column("foci", "no", "groups they may lead: A;C, blank = any, none = never", ""),
    Column("max_travel_km", "no", "their own travel limit (the lower of it and the rule's applies)", ""),
    Column("trust", "no", "multi-academy trust of their school", ""),
)
WORK_GROUPS = (
    Column("id", "yes", "unique id", "WG-S-A", text=True),
    Column("hub", "yes, unless scenario.yml sets hub", "the hub that runs it", "Example Maths Hub"),
    Column("phase", "yes", "primary, secondary or special (special schools only)", "secondary", PHASES_GROUP),
    Column("focus", "no", "one focus code; blank: a group without a focus", "A", FOCI),
    Column("venue_postcode", "no", "where it meets; blank: at its lead's school", "TN13 3SL"),
    Column("lead", "no", "specialist id; blank: the optimiser chooses a lead", "", text=True),
    Column("min_schools", "no", "default 3: with fewer schools it does not run", ""),
    Column("max_schools", "no", "default 8", ""),
    Column("stage", "no", "sustaining (default) or development", "", ("sustaining", "development")),
    Column("cross_hub", "no", "yes: takes schools from any hub (default no)", "", ("yes", "no")),
)
TABLES = {"Schools": SCHOOLS, "Specialists": SPECIALISTS, "Work groups": WORK_GROUPS}
CSV_FILES = {"Schools": "schools.csv", "Specialists": "specialists.csv", "Work groups": "work_groups.csv"}
WORKBOOK = "tables.xlsx"

SCENARIO = """\
# {title}: a scenario made by `allocate init`. Fill the three tables (the CSV files
# here, or the sheets of tables.xlsx: see its Notes sheet), then run
#   allocate check scenario.yml      validate, solve nothing
#   allocate scenario.yml            solve and write the tables
# Every key below shows its default; delete a line to keep the default.
name: {name}
year: "{year}"                     # the school year, YYYY/YY
{hub_line}
schools: schools.csv               # or tables.xlsx#Schools
specialists: specialists.csv       # or tables.xlsx#Specialists
work_groups: work_groups.csv       # or "tables.xlsx#Work groups"; needed when any school is embedding or sustaining
# gias: edubasealldata.csv         # DfE "Get Information about Schools" extract: fills blank phase, postcode,
#                                  # trust and position by URN, and warns of closed or independent schools
foci: [A, B, C, D]                 # this year's focus codes for secondary sustaining groups
rules:
  # available_cohorts: [1, 2, 3]   # REQUIRED when the specialists are in several cohorts: those taking schools
  departments_per_specialist: 2    # development schools per specialist (a specialist's `capacity` overrides)
  embedding_per_specialist: 2      # embedding schools per specialist (`embedding_capacity` overrides)
  groups_per_lead: 1               # running groups one specialist may lead (`max_groups` overrides)
  max_travel_km: 80                # farthest school-specialist and school-venue trip; a specialist's own may be lower
  allow_cross_hub: false           # true: schools may be placed with another hub's specialists and groups
  separate_trusts: false           # true: a specialist never supports a school of their own trust
  whole_pairs: false               # true: a specialist with room for two never has just one development school
weights:                           # whole numbers from 0 to 1,000,000; the optimiser maximises
  place: 1000                      # per school placed
  priority: 200                    # per priority point of a placed school
  travel_per_km: 1                 # cost per km of every school-specialist and school-venue trip
  focus_rank: [0, 30, 60, 90]      # cost of a school's 1st, 2nd, 3rd, 4th choice of focus (one per code)
  continuity: 50                   # an embedding school kept with its previous specialist
  keep: 300                        # re-runs (--previous): a school placed exactly as in the previous run
  lone_department: 400             # lost per specialist with one development school where two fit
pins: []                           # must hold, e.g. - {{school: "140001", specialist: MS01}}
forbid: []                         # must not hold, e.g. - {{school: "140001", group: WG-S-A}}
solver:
  time_limit_s: 60                 # seconds of search
  workers: 8                       # CP-SAT search workers (several help even on 2 cores)
  seed: 0
  deterministic: false             # true: byte-identical reruns, slower
locations: auto                    # auto | exact | sector | district: how postcodes are located
# previous: out/scenario           # a re-run: keep the places of this earlier output where possible
# calendar:                        # dates for the meetings (see the README, "Meetings, calendars and letters")
#   terms: [{{start: 2026-09-02, end: 2026-12-18}}, {{start: 2027-01-04, end: 2027-03-26}}]
#   holidays: [{{start: 2026-10-26, end: 2026-10-30}}]
#   weekdays: [tuesday, wednesday, thursday]
output:
  formats: [csv]                   # add xlsx (a workbook) or html (a page with a map)
"""


def default_year(today: date | None = None) -> str:
    """The next school year to allocate: from September on, the one after the current."""
    today = today or date.today()
    start = today.year + 1 if today.month >= 9 else today.year
    return f"{start}/{(start + 1) % 100:02d}"


def scenario_text(hub: str | None, year: str) -> str:
    title = f"{hub}, {year}" if hub else f"Maths Hub work groups, {year}"
    name = f"{hub} work groups {year}" if hub else f"Maths Hub work groups {year}"
    hub_line = (
        f"hub: {json.dumps(hub, ensure_ascii=False)}          # the hub of every row whose hub cell is blank"
        if hub
        else "# hub: Example Maths Hub         # a one-hub scenario: the hub of every row whose hub cell is blank"
    )
    return SCENARIO.format(title=title, name=json.dumps(name, ensure_ascii=False), year=year, hub_line=hub_line)


def write_template(folder: Path, hub: str | None, year: str) -> list[Path]:
    """Create `folder` holding the scenario and its empty tables; refuse one that holds anything.

    The files are written into a staging folder beside it, then renamed into place in one
    step, so the folder is either complete or not there.

    Raises
    ------
    FileExistsError
        When `folder` exists and is not empty (nothing is written), or is a file.
    """
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise FileExistsError(str(folder))
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.init-", dir=folder.parent))
    try:
        (staging / "scenario.yml").write_text(scenario_text(hub, year), encoding="utf-8")
        for sheet, columns in TABLES.items():
            (staging / CSV_FILES[sheet]).write_text(",".join(c.name for c in columns) + "\n", encoding="utf-8")
        build_workbook(hub).save(staging / WORKBOOK)
        os.chmod(staging, 0o777 & ~_umask())
        os.rename(staging, folder)  # replaces an empty folder; fails if one appeared meanwhile
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if folder.exists() and any(folder.iterdir()):
            raise FileExistsError(str(folder)) from None
        raise
    return sorted(folder.iterdir())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def build_workbook(hub: str | None):  # -> openpyxl.Workbook
    """The three tables as sheets (headers, drop-down lists, ids as text) and a Notes sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.remove(book.active)
    bold, fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
    for sheet_name, columns in TABLES.items():
        sheet = book.create_sheet(sheet_name)
        for n, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=n, value=column.name)
            cell.font, cell.fill = bold, fill
            letter = get_column_letter(n)
            sheet.column_dimensions[letter].width = max(12, len(column.name) + 4)
            cells = f"{letter}2:{letter}{DATA_ROWS + 1}"
            if column.choices:
                rule = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True)
                rule.error, rule.errorTitle = f"Choose one of: {', '.join(column.choices)}", column.name
                rule.showErrorMessage = True
                sheet.add_data_validation(rule)
                rule.add(cells)
            if column.text:
                for row in range(2, DATA_ROWS + 2):
                    sheet.cell(row=row, column=n).number_format = "@"
        sheet.freeze_panes = "A2"
    _notes_sheet(book.create_sheet("Notes"), hub, bold, fill)
    return book


def _notes_sheet(sheet, hub: str | None, bold, fill) -> None:  # type: ignore[no-untyped-def]
    rows: list[tuple[str, ...]] = [
        ("How to fill these tables",),
        ("One row per school, specialist or work group, from row 2 of its sheet. Column names must stay as they are.",),
        (
            "Point scenario.yml at a sheet as tables.xlsx#Schools (or keep the CSV files); "
            "then run: allocate check scenario.yml",
        ),
        (),
        ("table", "column", "required", "meaning"),
    ]
    for sheet_name, columns in TABLES.items():
        rows += [(sheet_name, c.name, c.required, c.meaning) for c in columns]
    for sheet_name, columns in TABLES.items():
        rows += [(), (f"{sheet_name}: one example row (the layout, not data to keep)",)]
        rows += [tuple(c.name for c in columns)]
        rows += [tuple((hub or c.example) if c.name == "hub" else c.example for c in columns)]
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            cell.data_type = "s"
            if values in (("table", "column", "required", "meaning"),) or r == 1:
                cell.font, cell.fill = bold, fill
    for letter, width in zip("ABCDEFGHIJKLMNOP", (18, 22, 30, 70), strict=False):
        sheet.column_dimensions[letter].width = width
