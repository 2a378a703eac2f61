"""An earlier run's allocations (`--previous`, `previous:`), read as a user file.

The table is allocations.csv (or the Allocations sheet of allocation.xlsx) as allocate
wrote it, perhaps edited by hand: only `urn` is required; `stage`, `status`,
`specialist`, `work_group` and `locked` are read when present, every other column is
ignored. Bad content is exit 2 with every problem listed as `file:row: column: message`.

`apply_previous` puts the rows into `ProblemData.previous` (for the `keep` weight) and
turns locked rows into requirements: a locked placed row pins the school to its
specialist and/or group; a locked unplaced row forbids every pair of the school, so it
stays unplaced.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from allocator.inputs.issues import Collector, InputError, Issue
from allocator.inputs.tables import Table, read_table
from allocator.problem.data import STAGES, Previous, PreviousPlacement, ProblemData, Requirement

ALLOCATIONS_CSV = "allocations.csv"
WORKBOOK = "allocation.xlsx"
SHEET = "Allocations"
YES = ("yes", "y", "true", "1")
NO = ("", "no", "n", "false", "0")
# CSV cells allocate prefixed with ' so that spreadsheets never run them as formulas.
_NEUTRALISED = ("'=", "'+", "'-", "'@", "'\t", "'\r")


@dataclass(frozen=True)
class AllocationsFile:
    """The rows of an allocations table, as read (`file` is how messages name it)."""

    file: str
    path: Path
    rows: tuple[PreviousPlacement, ...]
    columns: tuple[str, ...] = ()


def locate_allocations(path: Path) -> tuple[Path, str | None]:
    """The table to read for `path`: a folder's allocations.csv (else its allocation.xlsx),
    or the file itself; and the sheet to read (Allocations for a workbook that has one).

    Raises
    ------
    InputError
        When there is no such file or folder, or the folder holds neither table.
    """
    from allocator.inputs.load import display_path

    if path.is_dir():
        for name in (ALLOCATIONS_CSV, WORKBOOK):
            if (path / name).is_file():
                return locate_allocations(path / name)
        raise InputError(
            [
                Issue(
                    display_path(path),
                    None,
                    "",
                    f"holds neither {ALLOCATIONS_CSV} nor {WORKBOOK}: is it an output folder?",
                )
            ]
        )
    if not path.exists():
        raise InputError([Issue(display_path(path), None, "", "file or folder not found")])
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return path, _sheet_of(path)
    return path, None


def _sheet_of(path: Path) -> str | None:
    """Allocations when the workbook has that sheet, else None (its first sheet)."""
    from allocator.inputs.tables import workbook_within_limits

    if not workbook_within_limits(path):
        return None  # read_table then reports what is wrong with it
    try:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        try:
            names = list(book.sheetnames)
        finally:
            book.close()
    except Exception:  # noqa: BLE001 - read_table reports an unreadable workbook itself
        return None
    return SHEET if SHEET in names else None


def _text(record: dict[str, str], column: str) -> str:
    value = record.get(column, "").strip()
    if value.startswith(_NEUTRALISED):
        value = value[1:]  # allocate's own protection against formulas, undone
    return value


def read_allocations(path: str | Path) -> AllocationsFile:
    """Read an allocations table (a folder, allocations.csv or allocation.xlsx).

    Raises
    ------
    InputError
        With every problem found: a missing `urn` column, a repeated or blank URN, an
        unknown status, stage or `locked` value, a placed row naming nothing, or an
        unplaced row naming a specialist or group.
    """
    from allocator.inputs.load import display_path

    found, sheet = locate_allocations(Path(path))
    shown = display_path(found) + ("" if sheet is None else f"#{sheet}")
    return _rows_of_table(read_table(found, shown, sheet))


def rows_of_frame(frame: Any, file: str = "allocations") -> AllocationsFile:
    """An allocations table given as a DataFrame (rows numbered as a spreadsheet shows
    them: the first row of data is row 2).

    Raises
    ------
    InputError
        As `read_allocations`.
    """
    from allocator.inputs.tables import cell_text, normalise_column

    columns = tuple(normalise_column(c) for c in frame.columns)
    rows = []
    for offset, values in enumerate(frame.itertuples(index=False, name=None)):
        record = {name: cell_text(value) for name, value in zip(columns, values, strict=True)}
        if any(record.values()):
            rows.append((offset + 2, record))
    return _rows_of_table(Table(file, Path(file), columns, tuple(rows)))


def _rows_of_table(table: Table) -> AllocationsFile:
    issues = Collector()
    shown = table.file
    if "urn" not in table.columns:
        issues.error(shown, 1, "urn", "required column is missing (is this an allocations table?)")
        issues.raise_if_any()
    rows = [row for row in (_row(table, n, record, issues) for n, record in table.rows) if row is not None]
    first: dict[str, int] = {}
    for row in rows:
        if row.urn in first:
            issues.error(shown, row.row, "urn", f"URN {row.urn} appears again (first at row {first[row.urn]})")
        else:
            first[row.urn] = row.row
    issues.raise_if_any()
    return AllocationsFile(shown, table.path, tuple(rows), table.columns)


def _row(table: Table, row_no: int, record: dict[str, str], issues: Collector) -> PreviousPlacement | None:
    """One row, or None (with the problems recorded) when it cannot be read."""
    file = table.file
    before = len(issues.errors)
    urn = _text(record, "urn")
    if not urn:
        issues.error(file, row_no, "urn", "is blank: every row names a school")
    stage = _text(record, "stage").lower() or None
    if stage is not None and stage not in STAGES:
        issues.error(file, row_no, "stage", f"{stage!r} is not a stage ({', '.join(STAGES)})")
    specialist = _text(record, "specialist") or None
    group = _text(record, "work_group") or None
    status = _text(record, "status").lower()
    if status not in ("", "placed", "unplaced"):
        issues.error(file, row_no, "status", f"{status!r} is neither placed nor unplaced")
    elif status == "placed" and specialist is None and group is None:
        issues.error(file, row_no, "status", "is placed but the row names no specialist and no work group")
    elif status == "unplaced" and (specialist is not None or group is not None):
        column = "specialist" if specialist is not None else "work_group"
        issues.error(file, row_no, column, "is filled but status is unplaced: clear the cell or set status to placed")
    locked_text = _text(record, "locked").lower()
    if locked_text not in YES + NO:
        issues.error(file, row_no, "locked", f"{locked_text!r} is not yes or blank")
    if len(issues.errors) > before:
        return None
    placed = status == "placed" or (status == "" and (specialist is not None or group is not None))
    return PreviousPlacement(
        urn,
        stage,
        placed,
        specialist,
        group,
        locked_text in YES,
        row_no,
        _text(record, "name"),
        _text(record, "specialist_name"),
    )


# --------------------------------------------------------------------------------------
# Attaching the previous run to a problem


def previous_path(problem: ProblemData, given: str | Path | None) -> Path | None:
    """The `--previous` path, else the scenario's `previous:` (relative to the scenario file)."""
    if given is not None:
        return Path(given)
    if problem.scenario_path is None:
        return None
    import yaml

    try:
        data = yaml.safe_load(problem.scenario_path.read_text(encoding="utf-8-sig"))
    except (OSError, yaml.YAMLError):  # load() has read this very file: not expected
        return None
    written = data.get("previous") if isinstance(data, dict) else None
    if not isinstance(written, str) or not written.strip():
        return None
    return problem.scenario_path.parent / written.strip()


def apply_previous(problem: ProblemData, allocations: AllocationsFile) -> tuple[ProblemData, list[Issue]]:
    """`problem` with the earlier run's placements and its locked rows as requirements.

    Rows of schools no longer in the schools table are kept apart (`Previous.gone`);
    their specialists and groups may be gone too: nothing of them is kept.

    Returns
    -------
    (ProblemData, warnings)
        Warnings: a locked row of a school that no longer applies (its lock is dropped).

    Raises
    ------
    InputError
        A locked row naming a specialist or group no longer in the tables, a locked
        row that a pin, forbid or another lock contradicts, or a locked specialist for a
        sustaining school (group for a development school).
    """
    school_index = {s.urn.strip(): i for i, s in enumerate(problem.schools)}
    current = tuple(r for r in allocations.rows if r.urn in school_index)
    gone = tuple(r for r in allocations.rows if r.urn not in school_index)
    issues = Collector()
    for row in gone:
        if row.locked:
            issues.warn(allocations.file, row.row, "locked", f"school {row.urn} no longer applies: its lock is dropped")
    pins, forbids = _locks(problem, allocations.file, current, school_index, issues)
    issues.raise_if_any()
    changed = replace(
        problem,
        previous=Previous(allocations.file, current, gone, _sha256(allocations.path)),
        pins=problem.pins + tuple(pins),
        forbids=problem.forbids + tuple(forbids),
    )
    return changed, issues.warnings


def _locks(
    problem: ProblemData,
    file: str,
    rows: tuple[PreviousPlacement, ...],
    school_index: dict[str, int],
    issues: Collector,
) -> tuple[list[Requirement], list[Requirement]]:
    """Pins and forbids of the locked rows (their `source` names the row)."""
    specialist_index = {p.id.strip(): i for i, p in enumerate(problem.specialists)}
    group_index = {g.id.strip(): i for i, g in enumerate(problem.work_groups)}
    pinned = {(r.school_idx, r.specialist_idx, r.group_idx) for r in problem.pins}
    pinned_schools = {r.school_idx: r for r in problem.pins}
    forbidden = {(r.school_idx, r.specialist_idx, r.group_idx) for r in problem.forbids}
    pins: list[Requirement] = []
    forbids: list[Requirement] = []
    next_pin = 1 + max((r.index for r in problem.pins), default=-1)
    next_forbid = 1 + max((r.index for r in problem.forbids), default=-1)
    for row in rows:
        if not row.locked:
            continue
        s = school_index[row.urn]
        school = problem.schools[s]
        source = f"locked row {row.row} of {file}"
        if not row.placed:
            if s in pinned_schools:
                issues.error(file, row.row, "locked", f"school {row.urn} is locked unplaced but the scenario pins it")
                continue
            forbids += [Requirement(s, p, None, next_forbid, source) for p in range(problem.num_specialists)]
            forbids += [Requirement(s, None, g, next_forbid, source) for g in range(problem.num_groups)]
            next_forbid += 1
            continue
        targets: list[tuple[int | None, int | None]] = []
        for column, written, index, what in (
            ("specialist", row.specialist, specialist_index, "specialists"),
            ("work_group", row.group, group_index, "work groups"),
        ):
            if written is None:
                continue
            found = index.get(written)
            if found is None:
                issues.error(file, row.row, column, f"{written} is locked here but is no longer in the {what} table")
                continue
            targets.append((found, None) if column == "specialist" else (None, found))
        if row.specialist is not None and school.stage == "sustaining":
            issues.error(
                file, row.row, "specialist", f"school {row.urn} now applies for sustaining, which has no specialist"
            )
            continue
        if row.group is not None and school.stage == "development" and not _development_group(problem, row.group):
            issues.error(
                file,
                row.row,
                "work_group",
                f"school {row.urn} now applies for development: only a development group can take it",
            )
            continue
        for p, g in targets:
            if (s, p, g) in forbidden:
                issues.error(file, row.row, "locked", f"school {row.urn}: the scenario forbids the pair this row locks")
            other = pinned_schools.get(s)
            if other is not None and (s, p, g) not in pinned and _same_kind(other, p, g):
                issues.error(
                    file, row.row, "locked", f"school {row.urn}: pins[{other.index + 1}] places it differently"
                )
            pins.append(Requirement(s, p, g, next_pin, source))
            next_pin += 1
    return pins, forbids


def _same_kind(pin: Requirement, specialist_idx: int | None, group_idx: int | None) -> bool:
    """Whether `pin` is of the same kind (specialist or group) as the locked target."""
    return (pin.specialist_idx is not None) == (specialist_idx is not None) and (pin.group_idx is not None) == (
        group_idx is not None
    )


def attach_previous(problem: ProblemData, given: str | Path | None) -> tuple[ProblemData, list[Issue]]:
    """Read the previous run named by `--previous` (or `previous:`) and apply it.

    Returns the problem unchanged, with no warnings, when neither names one.

    Raises
    ------
    InputError
        For an unreadable table or bad locks (see `read_allocations`, `apply_previous`).
    """
    path = previous_path(problem, given)
    if path is None:
        return problem, []
    if given is None and not path.exists() and problem.scenario_path is not None:
        from allocator.inputs.load import display_path

        shown = display_path(problem.scenario_path)
        message = f"not found: looked for {display_path(path)} (relative to the scenario file)"
        raise InputError([Issue(shown, None, "previous", message)])
    return apply_previous(problem, read_allocations(path))


def with_previous(loaded: Any, given: str | Path | None) -> Any:
    """`allocator.inputs.load.Loaded` with the previous run applied (its warnings added).

    Raises
    ------
    InputError
        As `attach_previous`.
    """
    loaded.problem, warnings = attach_previous(loaded.problem, given)
    loaded.warnings = [*loaded.warnings, *warnings]
    return loaded


def previous_of(problem: ProblemData, previous: Any) -> ProblemData:
    """`problem` as a re-run of `previous`: an `Outcome` (its allocations table), an
    output folder, or an allocations table (the analysts' ``solve(previous=...)``).

    Raises
    ------
    InputError
        As `read_allocations` and `apply_previous`.
    """
    if isinstance(previous, str | Path):
        table = read_allocations(previous)
    else:
        label = getattr(previous, "label", "") or "previous outcome"
        table = rows_of_frame(previous.allocations, label)
    return apply_previous(problem, table)[0]


def _sha256(path: Path) -> str:
    """SHA-256 of a file's bytes ("" when it is not a readable file, e.g. a DataFrame)."""
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    except OSError:
        return ""


def _development_group(problem: ProblemData, group_id: str) -> bool:
    """`group_id` names a development work group (which takes development schools)."""
    return any(g.id.strip() == group_id.strip() and g.is_development for g in problem.work_groups)
