"""What `allocate` shows while it works: live progress, then a readable summary.

Progress goes to stderr (updated in place on a terminal, plain occasional lines
otherwise); the summary goes to stdout. Personal data (advocates) is never printed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

if TYPE_CHECKING:
    from allocator.problem import ProblemData, SolverSettings
    from allocator.run import Solved
    from allocator.solve import Progress


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


class Console:
    """Prints progress and summaries; `quiet` prints nothing but errors."""

    def __init__(self, quiet: bool = False, stream: TextIO | None = None, line_every_s: float = 5.0):
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.line_every_s = line_every_s
        self._last_line = 0.0
        self._drawn = False

    def warn(self, text: str) -> None:
        if not self.quiet:
            click.echo(f"warning: {text}", err=True)

    def start(self, problem: ProblemData, settings: SolverSettings) -> None:
        if self.quiet:
            return
        mode = ", deterministic" if settings.deterministic else ""
        click.echo(
            f"Solving {problem.name}: {problem.num_schools} schools, {problem.num_specialists} "
            f"specialists, {problem.num_groups} work groups (limit {settings.time_limit_s:g} s, "
            f"{settings.workers} workers, seed {settings.seed}{mode}; Ctrl-C stops and keeps the best)",
            file=self.stream,
        )
        self._last_line = time.monotonic()

    def progress(self, p: Progress) -> None:
        if self.quiet:
            return
        gap = "-" if p.gap is None else f"{100 * p.gap:.2f}%"
        text = (
            f"  {p.elapsed_s:6.1f} s  solutions {p.solutions:>4}  best {_fmt(p.objective):>12}  "
            f"bound {_fmt(p.bound):>12}  gap {gap:>7}"
        )
        if self.tty:
            self.stream.write("\r" + text + "\x1b[K")
            self.stream.flush()
            self._drawn = True
        elif time.monotonic() - self._last_line >= self.line_every_s:
            self.stream.write(text + "\n")
            self.stream.flush()
            self._last_line = time.monotonic()

    def done(self, solved: Solved) -> None:
        if self.quiet:
            return
        if self._drawn:
            self.stream.write("\n")
            self._drawn = False
        if solved.result.allocation is None:
            return
        for line in summary_lines(solved):
            click.echo(line)

    def written(self, folder: Path, files: list[Path]) -> None:
        if not self.quiet:
            click.echo(f"Wrote {', '.join(f.name for f in files)} to {folder}")


def summary_lines(solved: Solved) -> list[str]:
    """A readable summary of a solved scenario."""
    s = solved.summary
    result = solved.result
    lines = []
    gap = s["gap"]
    state = s["status"] + (" (interrupted)" if s["interrupted"] else "")
    lines.append(
        f"Status {state}: objective {s['objective']:,}, bound {s['bound']:,.0f}, "
        f"gap {100 * (gap or 0):.2f}%, {result.solve_seconds:.2f} s"
    )
    lines.append(f"{'stage':<12} {'applied':>7} {'placed':>7} {'unplaced':>8}")
    for stage, c in s["by_stage"].items():
        lines.append(f"{stage:<12} {c['applied']:>7} {c['placed']:>7} {c['unplaced']:>8}")
    lines.append(f"{'total':<12} {s['placed'] + s['unplaced']:>7} {s['placed']:>7} {s['unplaced']:>8}")
    allocations = solved.tables["allocations"]
    specialists = solved.tables["specialists"]
    used = int(((specialists["load"] + specialists["embedding_load"]) > 0).sum())
    available = int((specialists["available"] == "yes").sum())
    trips = [float(x) for x in allocations["km_to_specialist"] if x != ""]
    trips += [float(x) for x in allocations["km_to_venue"] if x != ""]
    total = sum(trips)
    mean = total / len(trips) if trips else 0.0
    lines.append(
        f"Specialists used: {used} of {available} available; groups running: "
        f"{s['groups_running']} of {len(solved.tables['work_groups'])}"
    )
    lines.append(f"Travel: {total:,.1f} km in {len(trips)} trips, mean {mean:.1f} km")
    terms = s.get("objective_terms") or {}
    if terms:
        lines.append("Objective by term: " + ", ".join(f"{k} {v:+,}" for k, v in terms.items()))
    unplaced = allocations[allocations["status"] == "unplaced"]
    for _, row in unplaced.head(10).iterrows():
        lines.append(f"  unplaced {row['urn']} {row['name']} ({row['stage']}): {row['reason']}")
    if len(unplaced) > 10:
        lines.append(f"  ... and {len(unplaced) - 10} more unplaced (see allocations.csv)")
    return lines
