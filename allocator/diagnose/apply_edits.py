"""Make a recommendation's edits in a copy of the scenario (the original is never touched).

Every file the scenario names (its tables, `gias:`, `previous:`) is copied into the new
folder, at the same path relative to the scenario when it lies beside or below it, else
under its own name (and the scenario's key then names the copy). Table cells are edited
in place, keeping the file's encoding, separator and line ends (a column the table lacks,
such as a school's own `max_travel_km`, is added); scenario keys are edited in the YAML
text, so its comments stay.
"""

from __future__ import annotations

import codecs
import csv
import io
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from allocator.diagnose.edits import Cell
from allocator.inputs.tables import decode, detect_separator, normalise_column, split_sheet

NAMED_FILES = ("schools", "specialists", "work_groups", "gias", "previous")
_CODECS = {"UTF-8": "utf-8", "UTF-8 with BOM": "utf-8-sig", "Windows-1252": "cp1252"}


class EditError(Exception):
    """The edit cannot be made (a message for the hub lead)."""


def copy_scenario(scenario: Path, out_dir: Path, cells: Sequence[Cell]) -> Path:
    """Copy `scenario` and every file it names into `out_dir`, then make `cells`' edits.

    Returns
    -------
    Path
        The new scenario file.

    Raises
    ------
    EditError
        When `out_dir` exists and is not empty, or an edit cannot be made.
    """
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise EditError(f"{out_dir}: exists and is not an empty folder; choose a new --out")
    text = scenario.read_text(encoding="utf-8-sig")
    data = yaml.safe_load(text) or {}
    staging = out_dir.with_name(f".{out_dir.name}.partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        renamed = _copy_named_files(scenario.parent, staging, data)
        for key, new_name in renamed.items():
            text = set_key(text, (key,), new_name)
        local = {key: renamed.get(key, str(data.get(key) or "")) for key in NAMED_FILES}
        for cell in cells:
            if cell.row is None:
                text = _edit_key(text, cell)
            else:
                _edit_table(staging, local, cell)
        (staging / scenario.name).write_text(text, encoding="utf-8")
        if out_dir.exists():
            out_dir.rmdir()
        staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir / scenario.name


def _copy_named_files(base: Path, target: Path, data: dict[str, Any]) -> dict[str, str]:
    """Copy the named files; the keys whose copy has another relative name, and that name."""
    renamed: dict[str, str] = {}
    for key in NAMED_FILES:
        written = data.get(key)
        if not isinstance(written, str) or not written.strip():
            continue
        file_part, sheet = split_sheet(written.strip())
        source = (base / file_part).resolve()
        relative = Path(file_part)
        inside = not relative.is_absolute() and ".." not in relative.parts
        destination = target / (relative if inside else source.name)
        if not source.exists():
            continue  # a missing file: the copy is as broken as the original, and check says so
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            if not destination.exists():
                shutil.copytree(source, destination)
        elif not destination.exists():
            shutil.copy2(source, destination)
        if not inside:
            renamed[key] = source.name + ("" if sheet is None else f"#{sheet}")
    return renamed


def _table_for(local: dict[str, str], cell: Cell) -> tuple[str, str | None]:
    for key in ("schools", "specialists", "work_groups"):
        if local.get(key) and cell.file in (local[key], Path(split_sheet(local[key])[0]).name, local[key]):
            return split_sheet(local[key])
    return split_sheet(cell.file)


def _edit_table(folder: Path, local: dict[str, str], cell: Cell) -> None:
    file_part, sheet = _table_for(local, cell)
    path = folder / file_part
    if not path.is_file():
        raise EditError(f"{cell.file}: is not a file of the scenario")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        _edit_workbook(path, sheet, cell)
    else:
        _edit_csv(path, cell)


def _edit_csv(path: Path, cell: Cell) -> None:
    data = path.read_bytes()
    text, encoding = decode(data, str(path))
    separator = detect_separator(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    grid = list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    column = _column(grid[0], cell.column, lambda name: grid[0].append(name))
    assert cell.row is not None
    if cell.row - 1 >= len(grid) or cell.row < 2:
        raise EditError(f"{path.name}:{cell.row}: no such row")
    row = grid[cell.row - 1]
    row.extend([""] * (column + 1 - len(row)))
    row[column] = cell.new
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=separator, lineterminator=newline).writerows(grid)
    if encoding.startswith("UTF-16"):
        payload = codecs.BOM_UTF16_LE + out.getvalue().encode("utf-16-le")
    else:
        payload = out.getvalue().encode(_CODECS.get(encoding, "utf-8"))
    path.write_bytes(payload)


def _column(header: list[str], name: str, add: Any) -> int:
    """The index of column `name` (case and spaces aside); added at the end when missing."""
    names = [normalise_column(h) for h in header]
    if name in names:
        return names.index(name)
    add(name)
    return len(names)


def _edit_workbook(path: Path, sheet: str | None, cell: Cell) -> None:
    from openpyxl import load_workbook

    book = load_workbook(path)
    ws = book[sheet] if sheet else book.worksheets[0]
    header = [str(c.value or "") for c in ws[1]]
    column = _column(header, cell.column, lambda name: ws.cell(row=1, column=len(header) + 1, value=name))
    value: Any = cell.new
    if value.replace(".", "", 1).isdigit():
        value = float(value) if "." in value else int(value)
    assert cell.row is not None
    ws.cell(row=cell.row, column=column + 1, value=value)
    book.save(path)


# ----------------------------------------------------------------------------- YAML


def _edit_key(text: str, cell: Cell) -> str:
    if cell.column == "pins":
        return add_pin(text, cell.new)
    return set_key(text, tuple(cell.column.split(".")), cell.new)


def set_key(text: str, path: tuple[str, ...], value: str) -> str:
    """`text` with the scalar or flow value at `path` replaced by `value` (YAML text);
    a missing key is added. Comments elsewhere stay."""
    root = yaml.compose(text)
    node = root
    for depth, key in enumerate(path):
        found = _child(node, key) if node is not None else None
        if found is None:
            return _insert_key(text, node, path[depth:], value, depth)
        node = found
    assert node is not None
    start, end = node.start_mark.index, node.end_mark.index
    out = text[:start] + value + text[end:]
    return _checked(out, path, value)


def _child(node: Any, key: str) -> Any:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None


def _insert_key(text: str, mapping: Any, rest: tuple[str, ...], value: str, depth: int) -> str:
    """Add `rest` (keys, then value) under `mapping` (None: at the end of the file)."""
    if mapping is not None and isinstance(mapping, yaml.MappingNode) and not mapping.flow_style and mapping.value:
        first_key = mapping.value[0][0]
        indent = first_key.start_mark.column
        line_start = text.rfind("\n", 0, first_key.start_mark.index) + 1
        lines = _nested(rest, value, indent)
        return _checked(text[:line_start] + lines + text[line_start:], None, None)
    body = text if text.endswith("\n") else text + "\n"
    return _checked(body + _nested(rest, value, 0), None, None)


def _nested(keys: tuple[str, ...], value: str, indent: int) -> str:
    out = ""
    for n, key in enumerate(keys):
        pad = " " * (indent + 2 * n)
        out += f"{pad}{key}:" + (f" {value}\n" if n == len(keys) - 1 else "\n")
    return out


def add_pin(text: str, item: str) -> str:
    """`text` with one more item in `pins:` (added when there is none)."""
    root = yaml.compose(text)
    pins = _child(root, "pins")
    if pins is None or (isinstance(pins, yaml.ScalarNode) and pins.value in ("", "~", "null")):
        if pins is None:
            body = text if text.endswith("\n") else text + "\n"
            return _checked(body + f"pins:\n  - {item}\n", None, None)
        return _checked(text[: pins.start_mark.index] + f"[{item}]" + text[pins.end_mark.index :], None, None)
    if not isinstance(pins, yaml.SequenceNode):
        raise EditError("pins: is not a list")
    if pins.flow_style or not pins.value:
        inner = text[pins.start_mark.index + 1 : pins.end_mark.index - 1].strip()
        new = f"[{inner}, {item}]" if inner else f"[{item}]"
        return _checked(text[: pins.start_mark.index] + new + text[pins.end_mark.index :], None, None)
    last = pins.value[-1]
    dash_column = pins.value[0].start_mark.column - 2
    line_end = text.find("\n", last.end_mark.index)
    line_end = len(text) if line_end == -1 else line_end
    insert = "\n" + " " * max(0, dash_column) + f"- {item}"
    return _checked(text[:line_end] + insert + text[line_end:], None, None)


def _checked(text: str, path: tuple[str, ...] | None, value: str | None) -> str:
    """The edited text, after making sure it is still YAML with the intended value."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise EditError(f"the edited scenario would not be valid YAML: {exc}") from None
    if path is not None and value is not None:
        node: Any = data
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if node != yaml.safe_load(value):
            raise EditError(f"{'.'.join(path)}: could not be set to {value}")
    return text
