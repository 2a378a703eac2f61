"""Every bound on input, in one place (the README's "Limits and hostile input" lists them).

Past a bound the input is bad (exit 2, naming where), never a crash, a hang, or an
integer overflow inside the solver.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Sizes past which a file is refused (exit 2) before it is parsed further."""

    bytes: int = 20_000_000  # a CSV file (a national table of 4,000 schools is under 2 MB)
    rows: int = 50_000  # data rows of one table
    columns: int = 500
    cells: int = 2_000_000  # data rows x header columns
    xlsx_unpacked: int = 20_000_000  # the sum of a workbook's uncompressed zip entries (national: ~5 MB)
    xlsx_entries: int = 1_000
    scenario_bytes: int = 1_000_000  # scenario.yml
    yaml_values: int = 100_000  # scalars, lists and mappings of scenario.yml, aliases expanded
    yaml_depth: int = 100


LIMITS = Limits()

MAX_COUNT = 10_000  # capacities, group sizes, lead limits and cohorts: far below CP-SAT's integer range
MAX_WEIGHT = 1_000_000  # each objective weight
MAX_TIME_LIMIT_S = 604_800  # one week, for solver.time_limit_s, --time-limit and --explain-seconds
# The default --explain-seconds: enough for every unplaced school of the national-tight
# benchmark (1,306 schools in about 112 s on two cores, BENCHMARKS.md) on a slower machine.
EXPLAIN_SECONDS = 300.0
MAX_SEED = 2**31 - 1  # CP-SAT's random_seed is a 32-bit integer
MAX_TRAVEL_KM = 100_000


class TimeLimitReached(Exception):
    """The run's wall-clock limit passed while the inputs were being read (exit code 4)."""


@dataclass(frozen=True)
class WallClock:
    """When a run started and which limit bounds it, so that reading counts against it.

    `time_limit_s` and `deterministic` are the command line's overrides; otherwise the
    scenario's `solver` settings decide. A deterministic run's limit counts the search's
    deterministic time alone, so reading is not bounded by it.
    """

    started: float  # time.monotonic() when the run began
    time_limit_s: float | None = None
    deterministic: bool | None = None

    def deadline(self, time_limit_s: float, deterministic: bool) -> float | None:
        """The monotonic time by which reading must end (None: unbounded)."""
        if self.deterministic if self.deterministic is not None else deterministic:
            return None
        return self.started + (self.time_limit_s if self.time_limit_s is not None else time_limit_s)


def check_deadline(deadline: float | None) -> None:
    """Raise TimeLimitReached once `deadline` (monotonic seconds) has passed."""
    if deadline is not None and time.monotonic() > deadline:
        raise TimeLimitReached
