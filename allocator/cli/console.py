"""What `allocate` shows while it works: live progress, then a readable summary.

Progress goes to stderr (updated in place on a terminal, plain occasional lines
otherwise); the summary goes to stdout. Personal data (advocates) is never printed.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from allocator.inputs.issues import printable

if TYPE_CHECKING:
    from allocator.outcome import Outcome
    from allocator.problem.data import ProblemData, SolverSettings
    from allocator.solving.search import Progress


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def progress_text(p: Progress, time_limit_s: float | None = None) -> str:
    """One line: elapsed time, solutions found, best objective, bound and gap."""
    found = p.solutions > 0  # before the first solution there is no best (nor gap) to show
    gap = "-" if p.gap is None or not found else f"{100 * p.gap:.2f}%"
    best = _fmt(p.objective if found else None)
    limit = f" of {time_limit_s:g}" if time_limit_s else ""
    return (
        f"  {p.elapsed_s:6.1f} s{limit}  solutions {p.solutions:>4}  best {best:>10}  "
        f"bound {_fmt(p.bound):>10}  gap {gap:>7}"
    )


class Console:
    """Prints progress and summaries; `quiet` prints nothing but errors.

    On a terminal the progress line is redrawn in place (cut to the terminal's width so
    it never wraps); elsewhere (a log file, CI) a plain line is printed every
    `line_every_s` seconds.
    """

    def __init__(self, quiet: bool = False, stream: TextIO | None = None, line_every_s: float = 5.0) -> None:
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.line_every_s = line_every_s
        self.time_limit_s: float | None = None
        self._last_line = 0.0
        self._drawn = False
        self._explain_started: float | None = None
        self._search_drawn = True  # the line drawn last is the search's (not the recommendations')

    def warn(self, text: str) -> None:
        if not self.quiet:
            click.echo(printable(f"warning: {text}"), err=True)

    def note(self, text: str) -> None:
        """A line about a step of the work (after any progress line)."""
        if self.quiet:
            return
        if self._drawn:
            self.stream.write("\n")
            self._drawn = False
        click.echo(printable(text), file=self.stream)

    def start(self, problem: ProblemData, settings: SolverSettings) -> None:
        if self.quiet:
            return
        mode = ", deterministic" if settings.deterministic else ""
        click.echo(
            f"Solving {printable(problem.name)}: {problem.num_schools} schools, {problem.num_specialists} "
            f"specialists, {problem.num_groups} work groups (limit {settings.time_limit_s:g} s, "
            f"{settings.workers} workers, seed {settings.seed}{mode}; "
            "Ctrl-C stops and keeps the best)",
            file=self.stream,
        )
        # A deterministic limit counts CP-SAT's own time units, not the clock's.
        self.time_limit_s = None if settings.deterministic else settings.time_limit_s
        self._last_line = time.monotonic()

    def progress(self, p: Progress) -> None:
        """Show how the search is going (called about every 0.5 s while it runs)."""
        if self.quiet:
            return
        self._line(progress_text(p, self.time_limit_s))

    def explaining(self, analysed: int, total: int) -> None:
        """Show how far recommendations have got (called about five times a second):
        schools analysed, and once some are, about how long the rest will take at the
        rate so far (two at a time; the lower-priority schools come last)."""
        if self.quiet:
            return
        now = time.monotonic()
        if self._explain_started is None:
            self._explain_started = now
        elapsed = now - self._explain_started
        left = ""
        if 0 < analysed < total and elapsed >= 1.0:
            left = f" (about {elapsed / analysed * (total - analysed):,.0f} s left)"
        self._line(
            f"  Recommendations: {analysed:,} of {total:,} unplaced schools analysed in {elapsed:,.0f} s{left}",
            search=False,
        )

    def _line(self, text: str, search: bool = True) -> None:
        """A progress line (the search's, or `search` False the recommendations'):
        redrawn in place on a terminal, else printed every `line_every_s`."""
        self._search_drawn = search
        if self.tty:
            width = shutil.get_terminal_size((100, 24)).columns - 1
            self.stream.write("\r" + text[:width] + "\x1b[K")
            self.stream.flush()
            self._drawn = True
        elif time.monotonic() - self._last_line >= self.line_every_s:
            self.stream.write(text + "\n")
            self.stream.flush()
            self._last_line = time.monotonic()

    def done(self, outcome: Outcome) -> None:
        """End the progress display, then print the summary table."""
        if self.quiet:
            return
        if self._drawn:
            # Redraw the search's last line from the final result, so what stays on
            # screen is exactly what the summary says.
            result = outcome.result
            if result.objective is not None and self._search_drawn:
                from allocator.solving.search import Progress

                final = Progress(result.solve_seconds, result.num_solutions or 1, float(result.objective), result.bound)
                width = shutil.get_terminal_size((100, 24)).columns - 1
                self.stream.write("\r" + progress_text(final, self.time_limit_s)[:width] + "\x1b[K")
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
        if outcome.result.allocation is None:
            return
        for warning in outcome.summary_json.get("calendar_warnings", []):
            self.warn(warning)
        for line in summary_lines(outcome):
            click.echo(printable(line))

    def written(self, folder: Path, files: list[Path]) -> None:
        if not self.quiet:
            click.echo(printable(f"Wrote {', '.join(f.name for f in files)} to {folder}"))


def summary_lines(outcome: Outcome) -> list[str]:
    """A readable summary of a solved scenario."""
    s = outcome.summary_json
    result = outcome.result
    lines = _change_lines(outcome) if "since_previous" in s else []
    gap = s["gap"]
    state = s["status"] + (" (interrupted)" if s["interrupted"] else "")
    lines.append(
        f"Status {state}: objective {s['objective']:,}, bound {s['bound']:,.0f}, "
        f"gap {100 * (gap or 0):.2f}%, {result.solve_seconds:.2f} s"
    )
    lines.append(f"{'stage':<12} {'applied':>7} {'placed':>7} {'unplaced':>8}")
    for stage, c in s["by_stage"].items():
        lines.append(f"{stage:<12} {c['applied']:>7} {c['placed']:>7} {c['unplaced']:>8}")
    applied = s["placed"] + s["unplaced"]
    lines.append(f"{'total':<12} {applied:>7} {s['placed']:>7} {s['unplaced']:>8}")
    allocations = outcome.tables["allocations"]
    specialists = outcome.tables["specialists"]
    used = int(((specialists["load"] + specialists["embedding_load"]) > 0).sum())
    available = int((specialists["available"] == "yes").sum())
    trips = [float(x) for x in allocations["km_to_specialist"] if x != ""]
    trips += [float(x) for x in allocations["km_to_venue"] if x != ""]
    total = sum(trips)
    mean = total / len(trips) if trips else 0.0
    lines.append(
        f"Specialists used: {used} of {available} available; groups running: "
        f"{s['groups_running']} of {len(outcome.tables['work_groups'])}"
    )
    lines.append(f"Travel: {total:,.1f} km in {len(trips)} trips, mean {mean:.1f} km")
    terms = s.get("objective_terms") or {}
    if terms:
        lines.append("Objective by term: " + ", ".join(f"{k} {v:+,}" for k, v in terms.items()))
    lines += _coverage_lines(s.get("recommendations"), float((s.get("seconds") or {}).get("explain", 0.0)))
    unplaced = allocations[allocations["status"] == "unplaced"]
    for _, row in unplaced.head(10).iterrows():
        lines.append(f"  unplaced {row['urn']} {row['name']} ({row['stage']}): {row['reason']}")
        if row.get("recommendation"):
            lines.append(f"      recommendation: {row['recommendation']}")
    if len(unplaced) > 10:
        lines.append(f"  ... and {len(unplaced) - 10} more unplaced (see allocations.csv)")
    return lines


def _coverage_lines(coverage: dict[str, Any] | None, seconds: float) -> list[str]:
    """Where `--explain-seconds` ran out before every unplaced school was analysed: how
    many were (in the explain stage's `seconds`), and a budget that would reach more."""
    from allocator.pipeline import all_at_this_rate_s

    if not coverage or not coverage["not_analysed"]:
        return []
    line = (
        f"Recommendations: {coverage['analysed']:,} of {coverage['unplaced']:,} unplaced schools analysed in "
        f'{seconds:.1f} s; {coverage["not_analysed"]:,} say "Not analysed"'
    )
    estimate = all_at_this_rate_s(coverage, seconds)
    if estimate:
        line += (
            f" (at this rate all would take about {estimate:,} s, and the later, lower-priority ones may be "
            f"slower: run again with --explain-seconds {estimate} or more)"
        )
    else:
        line += " (run again with a larger --explain-seconds)"
    return [line]


def _change_lines(solved: Outcome, shown: int = 10) -> list[str]:
    """Re-runs: the headline count of changes, then the first few, each with its reason."""
    from allocator.diagnose.changes import headline

    lines = [f"Since the previous run: {headline(solved.summary_json['since_previous'])}."]
    changes = solved.tables.get("changes")
    if changes is None:
        return lines
    for _, row in changes.head(shown).iterrows():
        before = "/".join(v for v in (row["specialist_before"], row["work_group_before"]) if v) or row["status_before"]
        after = "/".join(v for v in (row["specialist_after"], row["work_group_after"]) if v) or row["status_after"]
        move = f"{before or '-'} -> {after or '-'}"
        lines.append(f"  {row['change']} {row['urn']} {row['name']}: {move}. {row['reason']}")
    if len(changes) > shown:
        lines.append(f"  ... and {len(changes) - shown} more changes (see changes.csv)")
    return lines
