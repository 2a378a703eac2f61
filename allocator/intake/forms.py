"""Expressions of Interest as records: from Word forms and from spreadsheets of online
form responses (one row per school, columns matched to fields by their question text)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from allocator.inputs.issues import InputError
from allocator.inputs.tables import read_table
from allocator.intake.docx_form import DocxForm, Pair, UnreadableForm, read_docx
from allocator.intake.fields import FIELDS, clean_value, match_field, parse_date

SPREADSHEET_SUFFIXES = (".csv", ".xlsx", ".xlsm")


@dataclass
class Form:
    """One school's answers. `values` holds each field's first non-blank answer."""

    file: str  # as the report names it
    row: int | None  # spreadsheet row (header = 1); None for a Word form
    order: int  # position on the command line: the later form wins a tie
    values: dict[str, str] = field(default_factory=dict)
    dates: list[date] = field(default_factory=list)  # every date written on the form
    asked: frozenset[str] = frozenset(FIELDS)  # fields the form has a place for
    saved: date | None = None  # the file's own date (Word's "last modified")
    unreadable: str | None = None

    @property
    def where(self) -> str:
        return self.file if self.row is None else f"{self.file}:{self.row}"

    @property
    def date(self) -> date | None:
        """The form's own date: the latest date written on it, else the document's date."""
        return max(self.dates) if self.dates else self.saved


def form_from_pairs(file: str, order: int, pairs: list[Pair] | tuple[Pair, ...], saved: date | None = None) -> Form:
    """A form from its label/value pairs: the first non-blank answer to a field wins."""
    form = Form(file, None, order, saved=saved)
    for pair in pairs:
        name = match_field(pair.label, pair.context)
        if name is None:
            continue
        _add(form, name, pair.value)
    return form


def _add(form: Form, name: str, raw: str) -> None:
    """Record an answer: dates wherever they are written; the first non-blank value wins."""
    if name == "date" or name.endswith(("_date", "_signature")):
        found = parse_date(raw)
        if found is not None:
            form.dates.append(found)
    value = raw.strip() if name == "worked_with" else clean_value(raw)
    if value and not form.values.get(name):
        form.values[name] = value


def read_word_form(path: Path, display: str, order: int) -> Form:
    """A Word form; an unreadable one comes back with `unreadable` set."""
    try:
        parsed: DocxForm = read_docx(path)
    except UnreadableForm as exc:
        return Form(display, None, order, unreadable=str(exc))
    return form_from_pairs(display, order, parsed.pairs, parsed.saved)


def spreadsheet_columns(columns: tuple[str, ...], overrides: dict[str, str] | None) -> dict[str, str]:
    """Column → field. `overrides` maps field → column header (compared ignoring case)."""
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    for name, header in (overrides or {}).items():
        column = header.strip().lower()
        if column in columns:
            chosen[column] = name
            taken.add(name)
    for column in columns:
        if column in chosen:
            continue
        found = match_field(column)
        if found is not None and found not in taken:
            chosen[column] = found
            taken.add(found)
    return chosen


def read_responses(
    path: Path, display: str, order: int, overrides: dict[str, str] | None = None
) -> tuple[list[Form], dict[str, str], list[str]]:
    """The forms of a responses spreadsheet, the column → field map used, and the columns
    that matched no field.

    Raises
    ------
    InputError
        When the spreadsheet cannot be read as a table, or an override names a column it lacks.
    """
    table = read_table(path, display)
    missing = [h for h in (overrides or {}).values() if h.strip().lower() not in table.columns]
    if missing:
        raise _missing_columns(display, missing)
    columns = spreadsheet_columns(table.columns, overrides)
    asked = frozenset(columns.values())
    forms = []
    for row_no, record in table.rows:
        form = Form(display, row_no, order, asked=asked)
        for column, name in columns.items():
            _add(form, name, record.get(column, ""))
        forms.append(form)
    unused = [c for c in table.columns if c not in columns]
    return forms, columns, unused


def _missing_columns(display: str, missing: list[str]) -> InputError:
    from allocator.inputs.issues import Issue

    return InputError(
        [
            Issue(display, 1, header, "is named in --columns but is not a column of this spreadsheet")
            for header in missing
        ]
    )
