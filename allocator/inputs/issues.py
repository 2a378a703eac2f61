"""Input problems, collected and reported together as `file:row: column: message`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# C0 and C1 control characters and DEL: an ESC in a cell must never drive the terminal,
# and a newline must not forge a line of output. Direction overrides would reorder it.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with control characters shown as escapes (`\\x1b`), safe to print on a terminal."""
    return _CONTROL.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}", text
    )


@dataclass(frozen=True, order=True)
class Issue:
    """One problem in the input.

    `row` is the row a spreadsheet shows (header = 1) or, for the YAML file, its line;
    None when the problem concerns the whole file.
    """

    file: str
    row: int | None
    column: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        column = f" {self.column}:" if self.column else ""
        return printable(f"{where}:{column} {self.message}")


class InputError(Exception):
    """Bad input: carries every problem found (exit code 2)."""

    def __init__(self, issues: Iterable[Issue]):
        self.issues = tuple(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


class Collector:
    """Collects errors and warnings while a validation pass runs."""

    def __init__(self) -> None:
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []

    def error(self, file: str, row: int | None, column: str, message: str) -> None:
        self.errors.append(Issue(file, row, column, message))

    def warn(self, file: str, row: int | None, column: str, message: str) -> None:
        self.warnings.append(Issue(file, row, column, message, warning=True))

    def raise_if_any(self) -> None:
        if self.errors:
            raise InputError(self.errors)
