"""Properties of validation on the demo scenario with one cell changed.

1. A cell corrupted with a known-bad value gives exit 2, and the message names the
   corrupted file, row and column.
2. Any text at all in any cell (header included) gives exit 0 or 2: never a traceback.

Each example writes its copy into a fresh temporary directory (hypothesis reuses a
test's function-scoped fixtures across examples, so tmp_path would be shared).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.inputs.load import display_path

if TYPE_CHECKING:
    from tests.conftest import ScenarioCopy

Copier = Callable[[Path], "ScenarioCopy"]

# (table, column, invalid value, column the message names)
CORRUPTIONS = [
    ("schools", "urn", "12345", "urn"),
    ("schools", "urn", "abcdef", "urn"),
    ("schools", "urn", "1000001", "urn"),
    ("schools", "name", "", "name"),
    ("schools", "phase", "middle", "phase"),
    ("schools", "stage", "year 4", "stage"),
    ("schools", "stage", "", "stage"),
    ("schools", "focus_choices", "A;A", "focus_choices"),
    ("schools", "focus_choices", "Z", "focus_choices"),
    ("schools", "priority", "7", "priority"),
    ("schools", "priority", "-1", "priority"),
    ("schools", "postcode", "NOTAPC", "postcode"),
    ("schools", "postcode", "ZZ99 9ZZ", "postcode"),
    ("schools", "advocate_1_trn", "12345", "advocate_1_trn"),
    ("schools", "advocate_2_trn", "12345678", "advocate_2_trn"),
    ("schools", "latitude", "north", "latitude"),
    ("specialists", "id", "", "id"),
    ("specialists", "phase", "all-through", "phase"),
    ("specialists", "cohort", "0", "cohort"),
    ("specialists", "cohort", "x", "cohort"),
    ("specialists", "capacity", "-1", "capacity"),
    ("specialists", "embedding_capacity", "-2", "embedding_capacity"),
    ("specialists", "max_groups", "-1", "max_groups"),
    ("specialists", "foci", "Z", "foci"),
    ("specialists", "postcode", "NOTAPC", "postcode"),
    ("specialists", "school_urn", "12345", "school_urn"),
    ("work_groups", "phase", "all-through", "phase"),
    ("work_groups", "focus", "Z", "focus"),
    ("work_groups", "min_schools", "9", "min_schools"),  # above every max_schools
    ("work_groups", "max_schools", "2", "min_schools"),  # below every min: named on min_schools
    ("work_groups", "min_schools", "0", "min_schools"),
    ("work_groups", "venue_postcode", "NOTAPC", "venue_postcode"),
]

ROWS = {"schools": 65, "specialists": 26, "work_groups": 8}  # last spreadsheet row of each


@settings(max_examples=40, deadline=None)
@given(corruption=st.sampled_from(CORRUPTIONS), data=st.data())
def test_corrupted_cell_is_exit_2_naming_file_row_and_column(
    demo_copier: Copier, corruption: tuple[str, str, str, str], data: st.DataObject
) -> None:
    key, column, value, named = corruption
    row = data.draw(st.integers(min_value=2, max_value=ROWS[key]), label="row")
    with tempfile.TemporaryDirectory() as tmp:
        copy = demo_copier(Path(tmp) / "demo")
        assert copy.num_rows(key) == ROWS[key]
        copy.set_cell(key, row, column, value)
        result = copy.check()
        assert result.exit_code == 2, result.output
        assert isinstance(result.exception, SystemExit)
        where = f"  {display_path(copy.table(key))}:{row}: {named}: "
        assert any(line.startswith(where) for line in result.stderr.splitlines()), where + "\n" + result.stderr


# Text worth trying on top of hypothesis's own: numbers at the edges, words the
# tables use, separators, and what spreadsheets and CSV writers put in cells.
INTERESTING = [
    "",
    " ",
    "0",
    "-0",
    "1",
    "3",
    "-1",
    "1.0",
    "1e400",
    "-1e400",
    "1e-400",
    "nan",
    "inf",
    "NaN",
    "99999999999999999999999",
    "0x10",
    "1_000",
    "none",
    "None",
    "null",
    "yes",
    "true",
    "A",
    "a;b;c",
    "A;A",
    "Z",
    ";",
    ",",
    '"',
    "'",
    "#",
    "\n",
    "\r\n",
    "\t",
    "=1+1",
    "primary",
    "Secondary",
    "special",
    "all-through",
    "development",
    "EMBEDDING",
    "sustaining",
    "MS01",
    "MS08",
    "WD-S-A",
    "917030",
    "TN13 3LE",
    "ZA1 1AA",
    "NOTAPC",
    "51.5",
    "-0.1",
    "90",
    "-180",
    "552379",
    "156501",
    "0",
    "700000",
    "1300000",
    "é",
    "\u00a0",
    "\ufeff",
    "\u202e",
    "😀",
    "x" * 300,
]

CELL_TEXT = st.one_of(st.sampled_from(INTERESTING), st.text(max_size=40))


@settings(max_examples=40, deadline=None)
@given(key=st.sampled_from(sorted(ROWS)), text=CELL_TEXT, data=st.data())
def test_any_text_in_any_cell_never_crashes(demo_copier: Copier, key: str, text: str, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        copy = demo_copier(Path(tmp) / "demo")
        header = copy.header(key)
        row = data.draw(st.integers(min_value=1, max_value=ROWS[key]), label="row")
        column = data.draw(st.sampled_from(header), label="column")
        copy.set_cell(key, row, column, text)
        result = copy.check()
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code in (0, 2), result.output
        assert "Traceback" not in result.output
