"""The schools table's own extra columns (an imported form's contacts, a hub lead's notes),
carried through to allocations.csv and the workbook. A column that looks like a TRN is
never carried: outputs hold no TRN, whatever the inputs held."""

from __future__ import annotations

import re
from dataclasses import replace

from allocator.inputs.rows import SchoolRow
from allocator.inputs.tables import Table
from allocator.problem.data import ProblemData

_KNOWN = frozenset(SchoolRow.model_fields)
_TRN = re.compile(r"(^|[^a-z])trn([^a-z]|$)|teacher.?reference")


def is_trn_column(name: str) -> bool:
    """A column that holds Teacher Reference Numbers, by its name."""
    return bool(_TRN.search(name.lower()))


def extra_names(table: Table) -> tuple[str, ...]:
    """The columns of a schools table that allocate does not read itself (never a TRN's)."""
    return tuple(c for c in table.columns if c not in _KNOWN and not is_trn_column(c))


def with_extra_columns(problem: ProblemData, table: Table | None) -> ProblemData:
    """`problem` with each school's extra cells (in the table's column order)."""
    if table is None:
        return problem
    names = extra_names(table)
    if not names:
        return problem
    records = dict(table.rows)
    schools = tuple(
        replace(school, extra=tuple((name, records.get(school.row, {}).get(name, "")) for name in names))
        for school in problem.schools
    )
    return replace(problem, schools=schools)
