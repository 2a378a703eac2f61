"""Word (.docx) Expression of Interest forms → (label, value, section) pairs.

Two layouts are read, in any mix: tables whose label cells sit beside their value
cells (or above them, or as a grid with one column per person), and paragraphs of
the form "Label: value" (a label alone on its line takes the paragraphs below it as
its value, as a statement does). Headings that name a person ("Mastery Advocate 2")
say whose details the unlabelled fields below them are. Ticked boxes (Word's check
boxes, content controls or symbols) read as ☒, pictures (a pasted signature) as
[image]. A .docx is a zip archive: its sizes are checked before it is opened, as for
XLSX files.
"""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from allocator.intake.fields import _part_of, match_field, normalise_label, school_field, subject_of

MAX_FILE_BYTES = 20_000_000  # a form with a few pasted pictures is well under this
MAX_UNPACKED_BYTES = 100_000_000  # sum of the archive's declared sizes
MAX_ENTRIES = 1_000
IMAGE = "[image]"

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Wingdings characters Word uses for boxes: ticked and empty.
_SYMBOLS = {"F0FE": "☒", "F0FD": "☒", "F078": "☒", "F0FC": "☒", "F0A8": "☐", "F06F": "☐", "F071": "☐"}


class UnreadableForm(Exception):
    """The file cannot be read as a Word form (the message says why, for the report)."""


@dataclass(frozen=True)
class Pair:
    """A label, its value, and the person of the section it was found in (or None)."""

    label: str
    value: str
    context: str | None


@dataclass(frozen=True)
class DocxForm:
    """What a Word form holds: its label-value pairs in document order, and when it was saved."""

    pairs: tuple[Pair, ...]
    saved: date | None  # the document's own "last modified" date, when it has one


def check_archive(path: Path) -> None:
    """Refuse, before opening it, a file that is not a .docx or would unpack too large."""
    try:
        info = path.stat()
    except OSError as exc:
        raise UnreadableForm(f"cannot be read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
        raise UnreadableForm("is not a regular file")
    size = info.st_size
    if size > MAX_FILE_BYTES:
        raise UnreadableForm(f"is {size / 1e6:.0f} MB, beyond the {MAX_FILE_BYTES / 1e6:.0f} MB limit for a form")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile:
        raise UnreadableForm("is not a Word .docx file (a .doc from older Word must be saved as .docx first)") from None
    except OSError as exc:
        raise UnreadableForm(f"cannot be read: {exc.strerror or exc}") from None
    if len(infos) > MAX_ENTRIES:
        raise UnreadableForm(f"holds {len(infos)} parts, beyond the {MAX_ENTRIES} of any Word form")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise UnreadableForm(
            f"would unpack to {unpacked / 1e6:.0f} MB, beyond the {MAX_UNPACKED_BYTES / 1e6:.0f} MB limit"
        )
    if "word/document.xml" not in {info.filename for info in infos}:
        raise UnreadableForm("is a zip archive but not a Word document")


def read_docx(path: Path) -> DocxForm:
    """The label/value pairs of a Word form, in document order.

    Raises
    ------
    UnreadableForm
        When the file is not a readable .docx (or too large to be a form).
    """
    check_archive(path)
    import docx  # python-docx: imported only when a form is read

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # noqa: BLE001 - any damage in the file: reported, skipped
        raise UnreadableForm(f"cannot be read as a Word document ({type(exc).__name__})") from None
    reader = _Reader()
    for kind, content in _blocks(document.element.body):
        if kind == "p":
            reader.paragraph(content)
        else:
            reader.table(content)
    reader.flush()
    modified = getattr(document.core_properties, "modified", None)
    return DocxForm(tuple(reader.pairs), modified.date() if modified is not None else None)


# --------------------------------------------------------------------------- XML → text


def _text(element: Any) -> str:
    """The visible text of a paragraph or cell: runs, tabs, breaks, ticked boxes, pictures."""
    out: list[str] = []
    for node in element.iter():
        tag = node.tag
        if tag == f"{_W}t":
            out.append(node.text or "")
        elif tag in (f"{_W}tab",):
            out.append(" ")
        elif tag in (f"{_W}br", f"{_W}cr"):
            out.append("\n")
        elif tag == f"{_W}p" and out and node is not element:
            out.append("\n")
        elif tag == f"{_W}checkBox":
            out.append("☒ " if _legacy_checked(node) else "☐ ")
        elif tag == f"{_W}sym":
            out.append(_SYMBOLS.get((node.get(f"{_W}char") or "").upper(), ""))
        elif tag in (f"{_W}drawing", f"{_W}pict", f"{_W}object"):
            out.append(f" {IMAGE} ")
    return "".join(out)


def _legacy_checked(box: Any) -> bool:
    for child in box:
        if child.tag in (f"{_W}checked", f"{_W}default"):
            value = child.get(f"{_W}val")
            if child.tag == f"{_W}checked":
                return value not in ("0", "false")
            if value in ("1", "true"):
                return True
    return False


def _blocks(body: Any) -> Iterator[tuple[str, Any]]:
    """("p", text) and ("tbl", rows of (grid column, text)) in document order."""
    for child in body.iterchildren():
        if child.tag == f"{_W}p":
            yield "p", _text(child)
        elif child.tag == f"{_W}tbl":
            yield "tbl", _table_rows(child)
        elif child.tag == f"{_W}sdt":  # a content control around paragraphs or tables
            for content in child.iterchildren(f"{_W}sdtContent"):
                yield from _blocks(content)


def _table_rows(table: Any) -> list[list[tuple[int, str]]]:
    rows = []
    for tr in table.iter(f"{_W}tr"):
        if tr.getparent() is not table and tr.getparent().tag != f"{_W}sdtContent":
            continue  # a nested table's rows are part of their cell's text
        cells, column = [], 0
        for tc in tr.iter(f"{_W}tc"):
            if tc.getparent() is not tr and tc.getparent().tag != f"{_W}sdtContent":
                continue
            span = tc.find(f"{_W}tcPr/{_W}gridSpan")
            cells.append((column, _text(tc).strip()))
            column += int(span.get(f"{_W}val", "1")) if span is not None else 1
        rows.append(cells)
    return rows


# --------------------------------------------------------------------------- reading


def _is_label(text: str, context: str | None) -> bool:
    return len(text) <= 200 and match_field(text, context) is not None


def _heading_subject(text: str) -> str | None:
    """The person a heading names ("Mastery Advocate 2", "Section 4: Head of department")."""
    label = normalise_label(text)
    if not label or len(label.split()) > 8 or _part_of(label) is not None or school_field(label) is not None:
        return None
    return subject_of(label)


class _Reader:
    """Walks paragraphs and tables, keeping the section's person and a label awaiting its value."""

    def __init__(self) -> None:
        self.pairs: list[Pair] = []
        self.context: str | None = None
        self.pending: tuple[str, str | None, list[str]] | None = None

    def flush(self) -> None:
        if self.pending is not None:
            label, context, values = self.pending
            self.pairs.append(Pair(label, "\n".join(values), context))
            self.pending = None

    def paragraph(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        first, _, rest = text.partition("\n")
        label, colon, value = first.partition(":")
        if colon and len(label) <= 100 and _is_label(label, self.context) and _heading_subject(label) is None:
            self.flush()
            value = "\n".join(v for v in (value.strip(), rest.strip()) if v)
            if value:
                self.pairs.append(Pair(label.strip(), value, self.context))
            else:
                self.pending = (label.strip(), self.context, [])
            return
        if colon and _heading_subject(label) is not None and value.strip() and not rest:
            self.flush()  # "Headteacher: Ms A Example": the person alone labels their name
            self.pairs.append(Pair(label.strip(), value.strip(), self.context))
            return
        subject = _heading_subject(text.rstrip(":"))
        if subject is not None:
            self.flush()
            self.context = subject
            return
        # A label on its own line: a question, or a few words (not while a value is being read).
        short = len(text.split()) <= 8 and not text.endswith(".") and self.pending is None
        if (text.endswith("?") or short) and "\n" not in text and _is_label(text, self.context):
            self.flush()
            self.pending = (text, self.context, [])
            return
        if self.pending is not None:
            self.pending[2].append(text)
            return
        if len(text.split()) <= 6 and not text.endswith((".", "?")):
            self.context = None  # another section's heading: its fields are not the last person's

    def table(self, rows: list[list[tuple[int, str]]]) -> None:
        self.flush()
        self._table(rows)
        self.flush()

    def _table(self, rows: list[list[tuple[int, str]]]) -> None:
        header_at = next((n for n, row in enumerate(rows) if len(row) >= 3), None)
        if header_at is not None and self._is_grid(rows[header_at]):
            for row in rows[:header_at]:
                self._row(row)
            self._grid(rows[header_at], rows[header_at + 1 :])
            return
        for row in rows:
            self._row(row)

    @staticmethod
    def _is_grid(header: list[tuple[int, str]]) -> bool:
        """A header row naming people or parts across its columns (after a first, label column)."""
        names = [text for _, text in header[1:]]
        return all(
            text and len(text) <= 60 and "@" not in text and (subject_of(text) or _part_of(normalise_label(text)))
            for text in names
        )

    def _grid(self, header: list[tuple[int, str]], rows: list[list[tuple[int, str]]]) -> None:
        self.flush()
        titles = dict(header)
        for row in rows:
            if len(row) < 2:
                self._row(row)
                continue
            row_label = row[0][1]
            for column, value in row[1:]:
                title = titles.get(column, "")
                self.pairs.append(Pair(f"{row_label} {title}".strip(), value, self.context))

    def _row(self, cells: list[tuple[int, str]]) -> None:
        texts = [text for _, text in cells]
        if len(texts) == 1 or all(not t for t in texts[1:]) and not _is_label(texts[0], self.context):
            self.paragraph(texts[0])
            return
        i = 0
        while i < len(texts):
            text = texts[i]
            subject = _heading_subject(text.rstrip(":"))
            value = texts[i + 1] if i + 1 < len(texts) else ""
            if subject is not None and not value:
                self.flush()
                self.context = subject
                i += 1
            elif _is_label(text.rstrip(":"), self.context) or subject is not None:
                self.flush()  # a blank value cell is a blank answer: nothing below belongs to it
                self.pairs.append(Pair(text.rstrip(":").strip(), value, self.context))
                i += 2
            elif text:
                self.paragraph(text)  # "Label: value" inside one cell, or text under a pending label
                i += 1
            else:
                i += 1
