"""Hypothesis fuzzing of every reader (issue 13, item 7): CSV in each of Excel's text
forms, XLSX and scenario YAML. Whatever the bytes, a reader returns rows or raises
InputError; text written in a supported form reads back as written.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from pathlib import Path

import openpyxl
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.inputs.issues import InputError
from allocator.inputs.load import load
from allocator.inputs.tables import cell_text, clean_text, read_table

from .conftest import copy_demo

HEADER = ["urn", "name", "hub"]
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Windows-1252 text that cannot also be read as UTF-8: letters from 0xC0 up (a UTF-8 lead
# byte followed by anything but 0x80-0xBF is invalid). Text of 0xC2-0xF4 followed by
# 0x80-0xBF (say "Ã©") is valid UTF-8 too and is read as such: the one ambiguity of the
# rule, and one that real names do not hit.
CP1252_SAFE = st.text(
    alphabet=st.sampled_from(list("abcXYZ 0189-;,'\"\t") + list("àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿÀÉÖÜß")), max_size=10
)
ANY_TEXT = st.text(max_size=10)


def _encoded(rows: list[list[str]], form: str) -> bytes:
    separator = {"utf8": ",", "utf8-bom": ",", "utf16": "\t", "cp1252": ",", "cp1252-semicolon": ";"}[form]
    out = io.StringIO()
    csv.writer(out, delimiter=separator, lineterminator="\r\n").writerows(rows)
    text = out.getvalue()
    return {
        "utf8": lambda: text.encode("utf-8"),
        "utf8-bom": lambda: codecs.BOM_UTF8 + text.encode("utf-8"),
        "utf16": lambda: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        "cp1252": lambda: text.encode("cp1252"),
        "cp1252-semicolon": lambda: text.encode("cp1252"),
    }[form]()


def _expected(rows: list[list[str]]) -> list[tuple[int, dict[str, str]]]:
    out = []
    for number, row in enumerate(rows[1:], start=2):
        record = {name: clean_text(cell_text(cell))[0].strip() for name, cell in zip(HEADER, row, strict=True)}
        if any(record.values()):
            out.append((number, record))
    return out


@st.composite
def tables(draw: st.DrawFn) -> tuple[str, list[list[str]]]:
    form = draw(st.sampled_from(["utf8", "utf8-bom", "utf16", "cp1252", "cp1252-semicolon"]))
    cells = CP1252_SAFE if form.startswith("cp1252") else ANY_TEXT.filter(lambda t: "\x00" not in t)
    body = draw(st.lists(st.lists(cells, min_size=3, max_size=3), max_size=6))
    return form, [HEADER, *body]


@FAST
@given(table=tables())
def test_csv_in_each_excel_form_reads_back_as_written(table: tuple[str, list[list[str]]]) -> None:
    form, rows = table
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        path.write_bytes(_encoded(rows, form))
        read = read_table(path, "t.csv")
    assert read.columns == tuple(HEADER)
    assert list(read.rows) == _expected(rows)


@FAST
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_any_bytes_are_rows_or_input_errors(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"t{suffix}"
        path.write_bytes(data)
        try:
            read_table(path, f"t{suffix}")
        except InputError as exc:
            assert exc.issues and all(issue.file == f"t{suffix}" for issue in exc.issues)


XLSX_CELL = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.integers(min_value=-(10**6), max_value=10**6).map(lambda n: n / 8),  # exact in a workbook's XML
    # openpyxl writes text starting with "=" as a formula, which has no value until Excel computes it
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=10).filter(
        lambda t: not t.startswith("=")
    ),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.lists(st.lists(XLSX_CELL, min_size=3, max_size=3), max_size=5))
def test_xlsx_cells_read_back_as_their_text(body: list[list[object]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.xlsx"
        book = openpyxl.Workbook()
        for row in [HEADER, *body]:
            book.active.append(row)
        book.save(path)
        read = read_table(path, "t.xlsx")
    assert list(read.rows) == _expected([HEADER, *[[cell_text(v) for v in row] for row in body]])


YAML_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=8,
)
KEYS = ["name", "year", "schools", "foci", "rules", "weights", "pins", "forbid", "solver", "output", "other"]


@FAST
@given(
    changes=st.dictionaries(st.sampled_from(KEYS), YAML_VALUE, max_size=3),
    junk=st.text(max_size=30),
)
def test_any_scenario_yaml_loads_or_is_bad_input(changes: dict[str, object], junk: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        demo = copy_demo(Path(tmp) / "demo")
        data = yaml.safe_load(demo.yaml_text())
        data.update(changes)
        demo.write_yaml(yaml.safe_dump(data, allow_unicode=True) + junk)
        try:
            load(demo.yml)
        except InputError as exc:
            assert exc.issues
