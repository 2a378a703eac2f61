"""Input problems, collected and reported together as `file:row: column: message`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


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
        return f"{where}:{column} {self.message}"


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
