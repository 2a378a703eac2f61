"""CSV/XLSX tables → records that remember their file and spreadsheet row.

Hub leads save tables from Excel, so the four text forms Excel writes are read as they
come: "CSV UTF-8" (UTF-8 with a BOM), "CSV (Comma delimited)" (Windows-1252), "Unicode
Text" (UTF-16 with a BOM, tab separated) and the semicolon-separated CSV of European
settings. The encoding is decided by rule, not guessed from statistics: a BOM names it;
without one the bytes must be strict UTF-8, else strict Windows-1252 (the only other
encoding Excel writes for CSV). A statistical detector (charset-normalizer, chardet) was
not used: on short tables of names it may pick a different single-byte code page, and a
rule the README can state is easier to trust. Bytes that fit neither are an error naming
the row; so is a file that mixes UTF-8 and Windows-1252 (it would read as mojibake).

Every cell is put in Unicode NFC form and loses invisible characters (zero-width spaces,
BOMs, direction marks, soft hyphens): a warning names each cell that had them, so that
the same school or specialist cannot hide twice under two spellings.

Hostile files are refused before they cost time or memory: only regular files are
opened (never a device, FIFO or folder), and sizes are bounded (`LIMITS`).
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from allocator.inputs.issues import InputError, Issue
from allocator.inputs.limits import LIMITS, Limits, check_deadline


@dataclass(frozen=True)
class Table:
    """A table's rows as text, with normalised column names.

    `rows` holds (spreadsheet row, {column: trimmed text}) for every non-blank row;
    the header is row 1. `encoding` and `separator` say how a CSV file was read (blank
    for a workbook); `warnings` name cells that held invisible characters.
    """

    file: str  # how messages name the file
    path: Path
    columns: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]
    encoding: str = ""
    separator: str = ""
    warnings: tuple[Issue, ...] = field(default=(), compare=False)

    @property
    def read_as(self) -> str:
        """How the file was read, in words: 'Windows-1252, semicolon separated'."""
        if not self.encoding:
            return "Excel workbook"
        return f"{self.encoding}, {SEPARATOR_NAMES.get(self.separator, repr(self.separator))} separated"


SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}

# Format characters that print as nothing: zero-width space/joiners, direction marks and
# embeddings, word joiner, BOM, soft hyphen, and the other invisible operators.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")


def clean_text(text: str) -> tuple[str, bool]:
    """`text` in NFC form without invisible characters; True when any were removed."""
    if text.isascii():  # every invisible character is outside ASCII: the common case is quick
        return text, False
    cleaned, removed = _INVISIBLE.subn("", text)
    if not cleaned.isascii():
        cleaned = unicodedata.normalize("NFC", cleaned)
    return cleaned, removed > 0


def normalise_column(name: Any) -> str:
    return clean_text(str(name))[0].strip().lower()


def cell_text(value: Any) -> str:
    """Text of a cell: whole numbers lose '.0' (an XLSX cell 100001.0 is '100001')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return str(value).strip()


def split_sheet(spec: str) -> tuple[str, str | None]:
    """'book.xlsx#Sheet' → ('book.xlsx', 'Sheet'); CSV paths have no sheet."""
    if "#" in spec and spec.split("#", 1)[0].lower().endswith((".xlsx", ".xlsm")):
        path, sheet = spec.split("#", 1)
        return path, sheet
    return spec, None


def _whole(display: str, message: str) -> InputError:
    return InputError([Issue(display, None, "", message)])


def read_file(path: Path, display: str, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes.

    A device, FIFO or folder is refused without being opened (reading one could block
    or never end), and so is a file past the limit.

    Raises
    ------
    FileNotFoundError
        When nothing is at `path`.
    InputError
        When `path` is not a regular file, is too large, or cannot be read.
    """
    try:
        _check_regular(os.stat(path), display, limit)
        # Non-blocking, and checked again once open: a file swapped for a FIFO since the
        # check cannot make the open wait.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise _whole(display, f"cannot be read: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        _check_regular(os.fstat(fd), display, limit)
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise _whole(display, f"cannot be read: {exc.strerror}") from None
    if len(data) > limit:  # grew since it was measured
        raise _whole(display, f"is more than the limit of {limit:,} bytes")
    return data


def _check_regular(info: os.stat_result, display: str, limit: int) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise _whole(display, "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise _whole(display, "is not a regular file (a device, FIFO or socket); give the path of a saved file")
    if info.st_size > limit:
        raise _whole(display, f"is {info.st_size:,} bytes, more than the limit of {limit:,}")


def read_table(
    path: Path,
    display: str,
    sheet: str | None = None,
    data: bytes | None = None,
    limits: Limits = LIMITS,
    deadline: float | None = None,
) -> Table:
    """Read a CSV (see the module's notes on encodings) or XLSX (first sheet or `sheet`) table.

    `data` is the file's bytes when the caller has already read them (`read_file`);
    `limits` may be raised for files that are large by nature (a register extract);
    past `deadline` (monotonic seconds) reading stops with `TimeLimitReached`.

    Raises
    ------
    InputError
        When the file cannot be read as a table, or is past `LIMITS`.
    """
    suffix = path.suffix.lower()
    if data is None:
        try:
            data = read_file(path, display, limits.xlsx_unpacked if suffix in (".xlsx", ".xlsm") else limits.bytes)
        except FileNotFoundError:
            raise _whole(display, "file not found") from None
    if suffix in (".xlsx", ".xlsm"):
        grid, encoding, separator = _xlsx_rows(data, display, sheet, limits, deadline), "", ""
    else:
        text, encoding = decode(data, display)
        separator = detect_separator(text)
        grid = _csv_rows(text, separator, display, limits, deadline)
    return _table(grid, path, display, encoding, separator)


# ------------------------------------------------------------------ encodings


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def decode(data: bytes, display: str) -> tuple[str, str]:
    """The text of a CSV file and the name of its encoding.

    Raises
    ------
    InputError
        Naming the row (and column) of the first byte that fits no encoding.
    """
    for bom, codec, name in (
        (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 (Unicode Text)"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 (Unicode Text)"),
    ):
        if data.startswith(bom):
            return _no_nul(_strict(data[len(bom) :], codec, name, display, len(bom)), display), name
    try:
        return _no_nul(data.decode("utf-8"), display), "UTF-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if _UTF8_MULTIBYTE.search(data[: utf8_error.start]):
        # Valid UTF-8 letters before an invalid byte: one file, two encodings.
        prefix = data[: utf8_error.start].decode("utf-8")
        raise _decode_error(
            prefix,
            display,
            f"byte {utf8_error.start + 1:,} is not UTF-8 although earlier rows are (the file mixes two "
            "encodings); save the table as CSV UTF-8",
        )
    return _no_nul(_strict(data, "cp1252", "Windows-1252", display, 0), display), "Windows-1252"


def _strict(data: bytes, codec: str, name: str, display: str, skipped: int) -> str:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode(codec, errors="replace")
        raise _decode_error(
            prefix, display, f"byte {skipped + exc.start + 1:,} is not {name} text; save the table as CSV UTF-8"
        ) from None
    return text


def _no_nul(text: str, display: str) -> str:
    """Text files hold no NUL: one means a binary file, or UTF-16 saved without its BOM."""
    if "\x00" in text:
        raise _decode_error(text[: text.index("\x00")], display, "holds a NUL character: it is not a text table")
    return text


def _decode_error(prefix: str, display: str, message: str) -> InputError:
    """An error at the row (and column) that follows the readable text `prefix`."""
    try:
        records = list(csv.reader(io.StringIO(prefix, newline=""), delimiter=detect_separator(prefix)))
    except csv.Error:
        records = []
    if not records or prefix.endswith(("\n", "\r")):
        row, cells_before = len(records) + 1, 0
    else:
        row, cells_before = len(records), len(records[-1]) - 1
    header = [normalise_column(c) for c in records[0]] if records and row > 1 else []
    column = header[cells_before] if cells_before < len(header) else ""
    return InputError([Issue(display, row, column, message)])


def detect_separator(text: str) -> str:
    """Comma, semicolon or tab: whichever splits the header row into the most cells."""
    first = text.split("\n", 1)[0]
    best, best_count = ",", 1
    for candidate in (",", ";", "\t"):
        try:
            count = len(next(csv.reader([first], delimiter=candidate), []))
        except csv.Error:
            continue
        if count > best_count:
            best, best_count = candidate, count
    return best


# ------------------------------------------------------------------ parsing


def _limit_error(display: str, row: int | None, what: str) -> InputError:
    return InputError([Issue(display, row, "", f"has more than {what} (the limit); split the table")])


def _csv_rows(text: str, separator: str, display: str, limits: Limits, deadline: float | None) -> list[list[Any]]:
    """Rows of cells, stopping (with an error) at the first limit passed."""
    grid: list[list[Any]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    width = 0
    try:
        for cells in reader:
            if not grid:
                width = len(cells)
                if width > limits.columns:
                    raise _limit_error(display, 1, f"{limits.columns:,} columns")
            grid.append(cells)
            _check_size(grid, width, display, limits, deadline)
    except csv.Error as exc:
        raise InputError([Issue(display, reader.line_num, "", f"cannot be read as CSV: {exc}")]) from None
    return grid


def _check_size(grid: list[list[Any]], width: int, display: str, limits: Limits, deadline: float | None) -> None:
    data_rows = len(grid) - 1
    if data_rows % 1024 == 0:
        check_deadline(deadline)
    if data_rows > limits.rows:
        raise _limit_error(display, len(grid), f"{limits.rows:,} rows")
    if data_rows * width > limits.cells:
        raise _limit_error(display, len(grid), f"{limits.cells:,} cells")


def workbook_within_limits(path: Path, limits: Limits = LIMITS) -> bool:
    """Whether a workbook file is a regular file whose zip directory passes the limits,
    so that a library may open it (callers that only peek, such as at sheet names)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode) or os.path.getsize(path) > limits.xlsx_unpacked:
            return False
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return False
    return len(entries) <= limits.xlsx_entries and sum(e.file_size for e in entries) <= limits.xlsx_unpacked


def _xlsx_rows(data: bytes, display: str, sheet: str | None, limits: Limits, deadline: float | None) -> list[list[Any]]:
    """Rows of a workbook's sheet, streamed, after its zip directory passed the limits."""
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _whole(display, f"cannot be read as an Excel workbook (.xlsx): {exc}") from None
    if len(entries) > limits.xlsx_entries:
        raise _whole(display, f"holds {len(entries):,} files, more than a workbook's limit of {limits.xlsx_entries:,}")
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > limits.xlsx_unpacked:
        raise _whole(display, f"unpacks to {unpacked:,} bytes, more than the limit of {limits.xlsx_unpacked:,}")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any parser failure is bad input, not a crash
        raise _whole(display, f"cannot be read as an Excel workbook (.xlsx): {exc}") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise _whole(display, f"cannot be read: it has no sheet named {sheet!r} ({', '.join(book.sheetnames)})")
        if not book.worksheets:
            raise _whole(display, "has no worksheet")
        worksheet = book[sheet] if sheet is not None else book.worksheets[0]
        grid: list[list[Any]] = []
        width = blank = 0
        for values in worksheet.iter_rows(values_only=True):
            if grid and all(v is None or v == "" for v in values):
                # Blank rows count only when data follows them: a sheet whose stated
                # size runs to Excel's last row (formatting) is not a long table.
                blank += 1
                continue
            if not grid:
                width = len(values)
                if width > limits.columns:
                    raise _limit_error(display, 1, f"{limits.columns:,} columns")
            grid.extend([] for _ in range(blank))
            blank = 0
            grid.append(list(values))
            _check_size(grid, width, display, limits, deadline)
        return grid
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken sheet is bad input, not a crash
        raise _whole(display, f"cannot be read as an Excel workbook (.xlsx): {exc}") from None
    finally:
        book.close()


def _invisible_warning(display: str, column: str, rows: list[int]) -> Issue:
    """One warning per column, at its first such row (a whole column of them is one line)."""
    more = "" if len(rows) == 1 else f" (also rows {', '.join(map(str, rows[1:6]))}{', ...' if len(rows) > 6 else ''})"
    return Issue(
        display, rows[0], column, f"invisible characters (zero-width, BOM or direction marks) removed{more}", True
    )


def _table(grid: list[list[Any]], path: Path, display: str, encoding: str, separator: str) -> Table:
    """Header and records, with invisible characters removed (and warned about)."""
    if not grid or not any(cell_text(v) for v in grid[0]):
        raise _whole(display, "is empty: a header row is needed")
    header = [normalise_column(cell_text(v)) for v in grid[0]]
    seen: set[str] = set()
    issues = []
    for name in header:
        if name and name in seen:
            issues.append(Issue(display, 1, name, "column appears twice"))
        seen.add(name)
    if issues:
        raise InputError(issues)
    rows = []
    cleaned: dict[str, list[int]] = {}  # column -> rows whose cells lost invisible characters
    for row_no, values in enumerate(grid[1:], start=2):
        record = {}
        for name, value in zip(header, values, strict=False):
            if not name:
                continue
            text, removed = clean_text(value.strip() if isinstance(value, str) else cell_text(value))
            record[name] = text.strip()
            if removed:
                cleaned.setdefault(name, []).append(row_no)
        if any(record.values()):
            rows.append((row_no, record))
    warnings = [_invisible_warning(display, name, found) for name, found in cleaned.items()]
    return Table(display, path, tuple(h for h in header if h), tuple(rows), encoding, separator, tuple(warnings))
