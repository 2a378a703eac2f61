"""Solver-independent results: plain frozen dataclasses, no CP-SAT objects."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class SolveStatus(enum.StrEnum):
    OPTIMAL = "OPTIMAL"  # proven best allocation
    FEASIBLE = "FEASIBLE"  # best found before the time limit or Ctrl-C
    INFEASIBLE = "INFEASIBLE"  # the rules (with the pins) cannot all hold
    UNKNOWN = "UNKNOWN"  # no allocation found before the search stopped
    MODEL_INVALID = "MODEL_INVALID"  # a bug

    @property
    def has_allocation(self) -> bool:
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True)
class Allocation:
    """Who goes where, by index into `ProblemData`'s tuples.

    school_specialist[school_idx]: the supporting specialist's index, or None.
    school_group[school_idx]: the work group's index, or None.
    group_lead[group_idx]: the lead of a running group, or None when it does not run.
    A school is placed when it has everything its stage needs.
    """

    school_specialist: tuple[int | None, ...]
    school_group: tuple[int | None, ...]
    group_lead: tuple[int | None, ...]

    @classmethod
    def empty(cls, num_schools: int, num_groups: int) -> Allocation:
        return cls((None,) * num_schools, (None,) * num_schools, (None,) * num_groups)


@dataclass(frozen=True)
class SearchResult:
    """What one search found: the solver-level record inside an `allocator.outcome.Outcome`."""

    status: SolveStatus
    allocation: Allocation | None
    objective: int | None
    bound: float | None
    solve_seconds: float
    interrupted: bool = False
    deterministic: bool = False
    seed: int = 0
    workers: int = 8
    num_solutions: int = 0
    unsolved_schools: tuple[int, ...] = ()  # in parts the search never reached (Ctrl-C)

    @property
    def gap(self) -> float | None:
        """(bound - objective) / max(1, |objective|); 0 when OPTIMAL."""
        if self.objective is None or self.bound is None:
            return None
        if self.status == SolveStatus.OPTIMAL:
            return 0.0
        return max(0.0, (self.bound - self.objective) / max(1, abs(self.objective)))
