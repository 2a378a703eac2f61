"""Expressions of Interest → the schools table and the intake report.

Each form is assessed on its own (every doubt about it is listed), then forms of the
same school are settled (the later form wins, both are reported), then the rows of
the schools table are built. Nothing here writes files: see `write_outputs`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from allocator.inputs.geo import normalise_postcode
from allocator.inputs.rows import REQUIRED_COLUMNS
from allocator.intake.fields import PEOPLE, PERSON_WORDS, after_yes_no, normalise_label, yes_no
from allocator.intake.fill import register_cells
from allocator.intake.forms import Form
from allocator.intake.gias import Establishment

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTCODE_IN_TEXT = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b", re.IGNORECASE)
_SENIOR = re.compile(
    r"head of|\bhod\b|second in|2nd in|\bdeputy\b|assistant head|\blead(er)?\b|co ?ordinator|"
    r"\bks ?[345]\b|key stage|director|\bmanager\b|\bsubject lead",
)
STATEMENT_WORDS = 150
STATEMENT_LIMIT = 225  # "far beyond" 150 words: half as many again

# The school's contact details, asked on every form and kept beside the schools table.
_CONTACTS = (
    "address",
    "telephone",
    "headteacher_name",
    "headteacher_email",
    "head_of_department_name",
    "head_of_department_email",
)
_ADVOCATE_PARTS = ("name", "email", "trn", "years", "role")
# Fields every form should answer (a second advocate's are counted separately).
REQUIRED = (
    "name",
    *_CONTACTS,
    "head_of_department_trn",
    *(f"advocate_1_{part}" for part in _ADVOCATE_PARTS),
    "worked_with",
    "statement",
)
ADVOCATE_2 = tuple(f"advocate_2_{part}" for part in _ADVOCATE_PARTS)

# The schools table: allocate's own columns, then the form's extra fields (never a TRN).
SCHOOL_COLUMNS = (
    *REQUIRED_COLUMNS["schools"],
    "easting",
    "northing",
    "trust",
    "previous_specialist",
    *(f"advocate_{n}_{part}" for n in (1, 2) for part in ("name", "email", "role")),
)
EXTRA_COLUMNS = (
    *_CONTACTS,
    "advocate_1_years",
    "advocate_2_years",
    "previous_specialist_name",
    "eoi_form",
    "eoi_date",
)
REPORT_COLUMNS = ("file", "row", "urn", "school", "imported", "doubts")
_PHASE_WORDS = {"primary": "primary", "secondary": "secondary", "all through": "all-through", "special": "special"}
_STAGES = ("development", "embedding", "sustaining")


@dataclass
class Assessed:
    """A form, the schools-table row it gives (None: not imported), and its doubts."""

    form: Form
    row: dict[str, str] | None
    urn: str
    school: str
    doubts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    """What every form is assessed against."""

    hub: str
    stage: str = "development"
    specialists: tuple[tuple[str, str], ...] | None = None  # (id, name); None: no table given
    specialists_file: str = ""
    register: dict[str, Establishment] | None = None
    register_file: str = ""


def _word(text: str) -> str:
    return normalise_label(text).replace(" ", "")


def postcode_in(text: str) -> str | None:
    """The last UK postcode written in an address, normalised; None when there is none."""
    for match in reversed(list(_POSTCODE_IN_TEXT.finditer(text.upper()))):
        found = normalise_postcode(match.group(1) + match.group(2))
        if found is not None:
            return found
    return None


def assess(form: Form, context: Context) -> Assessed:
    """The schools-table row of one form and every doubt about it."""
    v = form.values
    raw_urn = v.get("urn", "")
    urn = re.sub(r"\s", "", raw_urn)
    school = v.get("name", "")
    result = Assessed(form, None, urn if re.fullmatch(r"\d{6}", urn) else "", school)
    doubts = result.doubts
    if not raw_urn:
        doubts.append("urn: missing, so the form is not imported")
    elif not result.urn:
        doubts.append(f"urn: {raw_urn!r} is not a URN (6 digits), so the form is not imported")
    missing = [name for name in REQUIRED if name in form.asked and not v.get(name)]
    second = any(v.get(name) for name in ADVOCATE_2)
    if second:
        missing += [name for name in ADVOCATE_2 if name in form.asked and not v.get(name)]
    elif any(name in form.asked for name in ADVOCATE_2):
        doubts.append("the second Mastery Advocate is missing")
    if missing:
        doubts.append("missing: " + ", ".join(missing))
    row = _row(form, context, result, doubts)
    _people_doubts(form, doubts)
    if result.urn:
        result.row = row
        result.school = row["name"]
    return result


def _people_doubts(form: Form, doubts: list[str]) -> None:
    """Emails, TRNs (checked, never written out), roles, signatures, the statement's length."""
    v = form.values
    for person in PEOPLE:
        email = v.get(f"{person}_email", "")
        if email and not _EMAIL.match(email):
            doubts.append(f"{person}_email: not an email address (left blank)")
        trn = v.get(f"{person}_trn", "")
        if trn and not re.fullmatch(r"\d{7}", re.sub(r"\s", "", trn)):
            doubts.append(f"{person}_trn: not a TRN (7 digits)")
    roles = [v.get(f"advocate_{n}_role", "") for n in (1, 2)]
    if any(roles) and not any(_SENIOR.search(role.lower()) for role in roles):
        doubts.append(
            "no Mastery Advocate has a senior role in the department "
            "(head or second in department, KS3 lead or similar)"
        )
    if any(f"{p}_signature" in form.asked for p in PEOPLE):
        unsigned = [PERSON_WORDS[p] for p in PEOPLE if not v.get(f"{p}_signature")]
        if unsigned:
            doubts.append("signatures missing: " + ", ".join(unsigned))
    words = len(v.get("statement", "").split())
    if words > STATEMENT_LIMIT:
        doubts.append(f"statement: {words} words, far beyond the {STATEMENT_WORDS} asked for")


def _row(form: Form, context: Context, result: Assessed, doubts: list[str]) -> dict[str, str]:
    v = form.values
    row = dict.fromkeys(SCHOOL_COLUMNS + EXTRA_COLUMNS, "")
    row.update({k: v.get(k, "") for k in EXTRA_COLUMNS if k in v})
    row.update({k: v.get(k, "") for k in SCHOOL_COLUMNS if k.startswith("advocate_")})
    for person in PEOPLE:  # an address allocate would refuse is left blank (and reported)
        key = f"{person}_email"
        if key in row and row[key] and not _EMAIL.match(row[key]):
            row[key] = ""
    row.update(urn=result.urn, name=v.get("name", ""), hub=context.hub, trust=v.get("trust", ""))
    row["stage"] = _stage(v.get("stage", ""), context.stage)
    row["eoi_form"] = form.where
    row["eoi_date"] = form.date.isoformat() if form.date else ""
    written = v.get("postcode") or ""
    row["postcode"] = normalise_postcode(written) or postcode_in(written) or postcode_in(v.get("address", "")) or ""
    if written and not row["postcode"]:
        doubts.append(f"postcode: {written!r} is not a UK postcode")
    _hub_doubt(v.get("hub", ""), context, doubts)
    _previous(v, context, row, doubts)
    row["phase"] = _phase(v)
    _register(row, context, doubts)
    if not row["postcode"]:
        doubts.append("postcode: not found in the address" + ("" if context.register is None else " or the register"))
    if not row["phase"]:
        doubts.append(
            "phase: not on the form"
            + ("; fill it in, or give --gias" if context.register is None else " or in the register; fill it in")
        )
    return row


def _stage(written: str, default: str) -> str:
    word = written.strip().lower()
    return next((stage for stage in _STAGES if stage in word), default)


def _phase(values: dict[str, str]) -> str:
    """The phase the form states, else the one its advocates' year groups show."""
    stated = normalise_label(values.get("phase", ""))
    for word, phase in _PHASE_WORDS.items():
        if word in stated:
            return phase
    years: set[int] = set()
    for n in (1, 2):
        text = values.get(f"advocate_{n}_years", "").lower()
        years |= {int(y) for y in re.findall(r"\b(?:y|year|years)?\s*(\d{1,2})\b", text) if 0 < int(y) <= 13}
        if re.search(r"\bks ?[12]\b|reception|eyfs", text):
            years.add(1)
        if re.search(r"\bks ?[345]\b", text):
            years.add(7)
    if years and max(years) <= 6:
        return "primary"
    if years and min(years) >= 7:
        return "secondary"
    return ""


def _hub_doubt(written: str, context: Context, doubts: list[str]) -> None:
    if (
        written
        and _word(written) != _word(context.hub)
        and normalise_label(written) not in ("not known", "unknown", "dont know")
    ):
        doubts.append(f"hub: the form names {written!r}, not {context.hub!r}")


def _register(row: dict[str, str], context: Context, doubts: list[str]) -> None:
    if context.register is None or not row["urn"]:
        return
    found = context.register.get(row["urn"])
    if found is None:
        doubts.append(f"urn: {row['urn']} is not in the register {context.register_file}")
        return
    doubts.extend(f"urn: {row['urn']} {doubt}" for doubt in found.doubts())
    row.update(register_cells(row, found, school=True))


def _previous(values: dict[str, str], context: Context, row: dict[str, str], doubts: list[str]) -> None:
    """ "Has your school worked with a Mastery Specialist?" and who: matched to an id."""
    answer = values.get("worked_with", "")
    said = yes_no(answer) if answer else None
    name = values.get("previous_specialist_name", "") or (after_yes_no(answer) if answer else "")
    if answer and said is None and not name:
        doubts.append("worked_with: neither yes nor no is given")
    if said == "no" or not (said == "yes" or name):
        return
    if not name:
        doubts.append("says it worked with a Mastery Specialist but does not say who")
        return
    row["previous_specialist_name"] = name
    if context.specialists is None:
        doubts.append(f"previous specialist {name!r} named: give --specialists to match it to an id")
        return
    found = match_specialist(name, context.specialists)
    if found is None:
        doubts.append(f"previous specialist {name!r} matches no specialist in {context.specialists_file}")
    else:
        row["previous_specialist"] = found


_TITLES = re.compile(r"^(mr|mrs|ms|miss|mx|dr|prof)\.?\s+", re.IGNORECASE)


def match_specialist(written: str, specialists: tuple[tuple[str, str], ...]) -> str | None:
    """The id of the specialist a form names: by id, by full name (titles and case aside),
    else by surname and first initial when only one specialist fits."""
    text = written.strip()
    for sid, _ in specialists:
        if text.lower() == sid.lower():
            return sid

    def key(name: str) -> list[str]:
        return normalise_label(_TITLES.sub("", name.strip())).split()

    wanted = key(text)
    if not wanted:
        return None
    exact = [sid for sid, name in specialists if key(name) == wanted]
    if len(exact) == 1:
        return exact[0]
    loose = [
        sid
        for sid, name in specialists
        if key(name) and key(name)[-1] == wanted[-1] and key(name)[0][:1] == wanted[0][:1]
    ]
    return loose[0] if len(loose) == 1 else None


def settle_duplicates(assessed: list[Assessed]) -> None:
    """Forms of the same school: the later wins (by the forms' own dates when every one
    has a date, else by command-line order); both are reported and only the winner kept."""
    by_urn: dict[str, list[Assessed]] = {}
    for item in assessed:
        if item.row is not None:
            by_urn.setdefault(item.urn, []).append(item)
    index = {id(item): n for n, item in enumerate(assessed)}
    for urn, items in by_urn.items():
        if len(items) < 2:
            continue
        dated = all(item.form.date is not None for item in items)

        def when(item: Assessed, dated: bool = dated) -> tuple[Any, ...]:
            return (item.form.date if dated else None, item.form.order, index[id(item)])

        winner = max(items, key=when)
        by_date = dated and all(item.form.date < winner.form.date for item in items if item is not winner)  # type: ignore[operator]
        how = "by the forms' dates" if by_date else "by command-line order"
        others = [item.form.where for item in items if item is not winner]
        winner.doubts.append(
            f"the same school (URN {urn}) also applied in {', '.join(others)}; this later form wins ({how})"
        )
        for item in items:
            if item is not winner:
                item.row = None
                item.doubts.append(
                    f"the same school (URN {urn}) applied again in {winner.form.where}, "
                    f"which is later ({how}): not imported"
                )


def report_rows(assessed: list[Assessed]) -> list[dict[str, str]]:
    """One row per form: its file, school, whether it was imported, every doubt."""
    return [
        {
            "file": item.form.file,
            "row": "" if item.form.row is None else str(item.form.row),
            "urn": item.urn,
            "school": item.school,
            "imported": "yes" if item.row is not None else "no",
            "doubts": " | ".join(item.doubts),
        }
        for item in assessed
    ]


def unreadable(form: Form) -> Assessed:
    return Assessed(form, None, "", "", [f"unreadable: {form.unreadable}; skipped"])


def school_rows(assessed: list[Assessed]) -> list[dict[str, str]]:
    """The schools table's rows, in the order of the forms; columns no form filled are dropped
    (allocate's required columns always stay)."""
    rows = [item.row for item in assessed if item.row is not None]
    keep = [
        c
        for c in SCHOOL_COLUMNS + EXTRA_COLUMNS
        if c in ("urn", "name", "hub", "phase", "stage", "postcode") or any(r.get(c) for r in rows)
    ]
    return [{c: r.get(c, "") for c in keep} for r in rows] if rows else [dict.fromkeys(keep, "")][:0]


def output_columns(rows: list[dict[str, str]]) -> list[str]:
    return list(rows[0]) if rows else ["urn", "name", "hub", "phase", "stage", "postcode"]


def read_specialists(path: Path, display: str) -> tuple[tuple[str, str], ...]:
    """(id, name) of every row of a specialists table."""
    from allocator.inputs.tables import read_table

    table = read_table(path, display)
    return tuple((r.get("id", ""), r.get("name", "")) for _, r in table.rows if r.get("id"))


# --------------------------------------------------------------------------- the whole import

FORM_SUFFIXES = (".docx",)


def expand(paths: list[Path]) -> list[Path]:
    """Files in command-line order; a folder gives its forms and spreadsheets sorted by name
    (Word's `~$` lock files and hidden files left out)."""
    from allocator.intake.forms import SPREADSHEET_SUFFIXES

    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(
                p
                for p in path.iterdir()
                if p.is_file()
                and p.suffix.lower() in FORM_SUFFIXES + SPREADSHEET_SUFFIXES
                and not p.name.startswith(("~$", "."))
            )
        else:
            out.append(path)
    return out


@dataclass
class Imported:
    """What an import found: the schools table's rows, the report's rows, notes for the console."""

    schools: list[dict[str, str]]
    report: list[dict[str, str]]
    notes: list[str]
    forms: int
    skipped: int


def read_forms(
    files: list[Path], overrides: dict[str, str] | None = None, display: Any = str
) -> tuple[list[Form], list[str]]:
    """Every form of `files` (Word files and response spreadsheets) and notes for the console.

    Raises
    ------
    InputError
        When an `overrides` column is missing from a spreadsheet (the user's map is wrong).
    """
    from allocator.inputs.issues import InputError
    from allocator.intake.forms import read_responses, read_word_form

    forms: list[Form] = []
    notes: list[str] = []
    for order, path in enumerate(files):
        shown = display(path)
        if path.suffix.lower() in FORM_SUFFIXES:
            forms.append(read_word_form(path, shown, order))
            continue
        try:
            rows, columns, unused = read_responses(path, shown, order, overrides)
        except InputError as exc:
            if any("--columns" in issue.message for issue in exc.issues):
                raise
            reason = "; ".join(issue.message for issue in exc.issues)
            forms.append(Form(shown, None, order, unreadable=f"cannot be read as a table: {reason}"))
            continue
        used = ", ".join(f"{column!r} → {name}" for column, name in columns.items())
        notes.append(f"{shown}: {len(rows)} responses; columns used: {used}")
        if unused:
            notes.append(f"{shown}: columns not used: " + ", ".join(repr(c) for c in unused))
        forms += rows
    return forms, notes


def form_urns(forms: list[Form]) -> set[str]:
    """The URNs the forms give (what to look up in the register)."""
    return {re.sub(r"\s", "", f.values.get("urn", "")) for f in forms} - {""}


def assess_forms(forms: list[Form], context: Context, notes: list[str] | None = None) -> Imported:
    """Assess every form, settle schools that applied twice, build both tables."""
    assessed = [unreadable(f) if f.unreadable else assess(f, context) for f in forms]
    settle_duplicates(assessed)
    return Imported(
        school_rows(assessed),
        report_rows(assessed),
        list(notes or []),
        forms=len(forms),
        skipped=sum(1 for f in forms if f.unreadable),
    )


def write_csv_files(outputs: dict[Path, tuple[list[str], list[dict[str, str]]]], force: bool) -> None:
    """Write each CSV whole: every file to a temporary name first, then all renamed into
    place; an existing file is replaced only with `force`. Text cells that a spreadsheet
    would run as a formula get a leading `'`.

    Raises
    ------
    FileExistsError
        When a file exists and not `force` (nothing is written).
    """
    import csv
    import os
    import tempfile

    from allocator.report.tables import neutralise_cell

    existing = [p for p in outputs if p.exists()]
    if existing and not force:
        raise FileExistsError(", ".join(str(p) for p in existing))
    staged: list[tuple[str, Path]] = []
    try:
        for path, (columns, rows) in outputs.items():
            handle = tempfile.NamedTemporaryFile(
                "w", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False, newline="", encoding="utf-8"
            )
            staged.append((handle.name, path))
            with handle:
                writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
                writer.writeheader()
                writer.writerows({k: neutralise_cell(v) for k, v in row.items()} for row in rows)
        for temporary, path in staged:
            os.replace(temporary, path)
    finally:
        for temporary, _ in staged:
            if os.path.exists(temporary):
                os.unlink(temporary)
