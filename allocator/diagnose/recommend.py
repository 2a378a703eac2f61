"""For each unplaced school, the edit of the scenario that places it at the best objective.

Candidates, for school s: one more development or embedding place for a named
specialist; s's own `max_travel_km` cell (the smallest whole km reaching a named
specialist or venue); s's own `allow_cross_hub` cell; one more seat in a named group;
running a named group (its `min_schools` lowered to the schools that can join); a named
cohort made available; or a pin when no rule needs to change. Each is an edit of one
cell or key (`allocator.diagnose.edits`), and its figures come from re-solving the
edited scenario: only the independent parts the edit touches (several when it joins
them), from the base allocation as a hint. The rest of the allocation cannot gain from
the edit, so the whole objective after it is the base objective plus the touched parts'
gain.

Ranking is by the objective after the edit alone; ties go to fewer displaced schools,
then to completing a development pair, then to the smaller edit. A candidate counts
only when an optimum of the edited scenario places s; `displaced` and `moved` are read
from the optimum that places s and changes fewest other placements. Edits are shared:
the re-solve of "one more place for MS03" is made once for all the schools MS03 could
take. A cheap bound skips what cannot beat the best found: a development place can add
at most the best value of one development pair of that specialist (development
placement is a transportation problem, whose marginal value of capacity is its dual).
A school that no single edit places gets the best pair of edits that together would.
"""

from __future__ import annotations

import itertools
import math
import os
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import InitVar, dataclass, field, replace
from functools import partial
from typing import Any, Literal

import numpy as np

from allocator.diagnose.candidates import (
    Chains,
    Loads,
    Singles,
    cohorts_within_reach,
    single_changes,
    two_change_candidates,
)
from allocator.diagnose.edits import Change, Files, apply_changes, cohort_change, named, pin_change
from allocator.diagnose.shares import school_shares
from allocator.interrupts import stop_requested
from allocator.problem.data import ProblemData, SolverSettings, Stage
from allocator.problem.eligibility import Eligibility
from allocator.solving.components import Component, components
from allocator.solving.search import closest_optimum, search
from allocator.solving.solution import Allocation, SolveStatus

NO_BOUND = math.inf
PLACEABLE_ROUNDS = 3  # searches for which schools an edit's optima can place (`_at_optimum`)
MIN_SOLVE_S = 0.05  # a re-solve with less time than this left in the budget is not started


# A school's first turn: re-solves started within this many seconds of its start. On
# real national-tight (20 s, three runs each) 0.5 s analysed 195-208 schools, 1.5 s
# 166-183 (the top 48 of the 50 of highest priority either way); 0.3-0.4 s cut too many.
SLICE_S = 0.5
SLICE_MEDIANS = 3  # ... or within this many times the median time of the schools finished
# Turns are taken only when the schools left might not all finish in the budget: at
# this many seconds a school (about the median of the national benchmarks' schools, on
# one core) until three have finished, then at their median, with this margin.
EXPECTED_S = 0.25
TURN_MARGIN = 2.0


class _OutOfTime(Exception):
    """The budget ended a school's analysis: it is reported as not analysed."""


class _Later(Exception):
    """A school's first turn ended: it waits behind the schools not started yet, and its
    finished re-solves stay cached for its second turn."""


KIND_ORDER = ("pin", "capacity", "max_schools", "min_schools", "travel", "cross_hub", "cohort")
SCHOOL_KINDS = ("travel", "cross_hub")  # edits that change the pairs of their school alone


def _edit_key(changes: tuple[Change, ...]) -> tuple:
    """An edit's cache key: its changes' keys, in any order."""
    return tuple(sorted(c.key for c in changes))


def _part_key(part: Component, changes: tuple[Change, ...]) -> tuple:
    """The cache key of one part's optimum under an edit (`_Engine._part_optima`): the
    part itself and the changes that reach it. A school's own edit (travel, cross-hub)
    changes that school's pairs alone, and a pin binds that school alone, so a part
    without the school has the same optimum with or without it: a cohort paired with
    one school's travel edit or pin shares the cohort's other thirty-odd parts instead
    of searching them again."""
    relevant = tuple(c for c in changes if c.kind not in (*SCHOOL_KINDS, "pin") or c.target in part.schools)
    return (tuple(part.schools), tuple(part.groups), part.halves, *_edit_key(relevant))


def _one_more(values: list[int], limit: int, pinned: bool) -> int:
    """The most one more place (or seat) beyond `limit` can add, given the values of the
    schools that could take one: the (limit + 1)-th largest, as an optimum using it,
    less its least valuable school there, is an allocation without it; the largest
    where a pin may keep that school in; never below 0 (the edit only adds
    allocations)."""
    values = sorted(values, reverse=True)
    rank = 0 if pinned else limit
    return max(0, values[rank]) if rank < len(values) else 0


def _lone_weight(problem: ProblemData) -> int:
    """The `lone_department` weight where the data model has it (the programme issue's)."""
    return int(getattr(problem.weights, "lone_department", 0) or 0)


@dataclass(frozen=True)
class Effect:
    """The edited scenario re-solved: its whole objective and allocation."""

    objective: int
    allocation: Allocation
    # A forced optimum whose closest-optimum pass has not run yet (`_Engine._nearest`):
    # the edited problem, the part holding the school, the optimum's value there, and
    # whether the pass is to be brief (a cohort's: its other parts get none).
    pending: tuple[ProblemData, Component, int, bool] | None = None


@dataclass(frozen=True)
class Recommendation:
    """What to edit to place one school, and what that edit does.

    `kind` is the first change's kind, ``two_changes`` when it takes two, ``none`` when
    no edit of the listed kinds places it, or ``not_analysed`` (out of time).
    """

    school_idx: int
    text: str
    kind: str = ""
    objective: int | None = None  # objective after the edit, re-solved
    delta: int | None = None  # objective after − objective before
    changes: tuple[Change, ...] = ()
    placed: bool = False
    displaced: tuple[int, ...] = ()  # schools placed before, not after
    moved: int = 0  # other schools placed before and after, with another specialist or group
    tie: bool = False  # the edited scenario also has an optimum without the school


@dataclass
class _Option:
    changes: tuple[Change, ...]
    effect: Effect
    forced: Effect | None = None  # the optimum placing s that changes fewest others


@dataclass(frozen=True)
class _Placeable:
    """Of some of a part's schools under an edit: those an optimum places (or leaves
    out, `_Engine._rounds`), each with one such optimum; no optimum does for the rest,
    but `unknown`."""

    witnesses: dict[int, Allocation]
    unknown: frozenset[int]


def recommend(
    problem: ProblemData,
    elig: Eligibility,
    allocation: Allocation,
    objective: int,
    unplaced: list[int],
    settings: SolverSettings | None = None,
    budget_s: float | None = None,
    threads: int | None = None,
    shares: list[int] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[Recommendation]:
    """The best edit for each unplaced school, verified by re-solving.

    Parameters
    ----------
    objective
        The objective of `allocation` (an optimum of `problem`).
    budget_s
        Stop starting new schools after this many seconds; schools not reached (lowest
        priority last) are reported as not analysed.
    threads
        Schools analysed at once (default: 2, or 1 on a one-core machine: model building
        holds the interpreter, so three threads on two cores were slower on a 100-school
        hub, 6.6 s against 6.1 s, and no faster at national scale, BENCHMARKS.md).
    shares
        Each school's objective share in `allocation` (`school_shares`), where the
        caller has them already.
    on_progress
        Told (schools analysed, schools in all) from the calling thread about five times
        a second while the schools are analysed, and once at the end.
    """
    started = time.perf_counter()
    settings = settings or replace(
        problem.solver, time_limit_s=min(10.0, problem.solver.time_limit_s), deterministic=False
    )
    # Schools are analysed two at a time, one CP-SAT thread each: a portfolio of eight
    # workers on two cores proved less than one thread does (BENCHMARKS.md).
    settings = replace(settings, workers=1)
    engine = _Engine(problem, elig, allocation, objective, settings, shares)
    order = sorted(unplaced, key=lambda s: (-problem.schools[s].priority, s))
    deadline = None if budget_s is None else started + budget_s
    engine.deadline = deadline
    workers = threads if threads is not None else min(2, os.cpu_count() or 1)
    done = _analyse(engine, order, deadline, workers, on_progress)
    return [done.get(s) or Recommendation(s, "", "not_analysed") for s in unplaced]


def _analyse(
    engine: _Engine,
    order: list[int],
    deadline: float | None,
    threads: int,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[int, Recommendation]:
    """Recommendations for the schools in `order`, by `threads` threads sharing the
    engine's re-solves (CP-SAT searches release the interpreter, so two threads use two
    cores). A school is started only before `deadline`; Ctrl-C or SIGTERM stops the
    starting, and the schools not finished are left out."""
    done: dict[int, Recommendation] = {}
    errors: list[BaseException] = []
    # Where the budget might not reach every school, each first gets a turn, so that a
    # few slow ones (a cohort's re-solve over thirty parts, say) do not keep the rest
    # from being analysed: SLICE_S, or SLICE_MEDIANS times the median time of the
    # schools finished so far where schools are slow alike (a tight region's), so that
    # turns do not spread the budget over every school and finish none. Those not
    # finished go again, without a limit, once every school has had its turn; their
    # finished re-solves are cached meanwhile. Where the budget reaches every school,
    # turns would only put the slow ones last, where one thread finishes them while the
    # other has nothing left to do.
    pending: list[tuple[int, bool]] = [(s, True) for s in order]
    took: dict[int, float] = {}  # per school, the seconds of its turns so far
    finished: list[float] = []
    lock, stop = threading.Lock(), engine.stop

    def work() -> None:
        while not stop.is_set():
            with lock:
                s, first = pending.pop(0) if pending else (None, False)
                turn = max(SLICE_S, SLICE_MEDIANS * statistics.median(finished)) if finished else SLICE_S
                short = _short_of_time(deadline, len(pending) + 1, finished, threads)
            if s is None or (deadline is not None and time.perf_counter() > deadline) or stop_requested():
                return
            started = time.perf_counter()
            engine.turn.ends = started + turn if first and short else None
            try:
                done[s] = engine.recommend_one(s)
                engine.forget(s)
                with lock:
                    finished.append(took.get(s, 0.0) + time.perf_counter() - started)
            except _Later:
                with lock:
                    took[s] = time.perf_counter() - started
                    pending.append((s, False))
            except _OutOfTime:
                return
            except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
                errors.append(exc)
                stop.set()

    workers = [threading.Thread(target=work, name=f"recommend-{n}", daemon=True) for n in range(max(1, threads))]
    for worker in workers:
        worker.start()
    try:
        for worker in workers:
            while worker.is_alive():
                worker.join(0.2)
                if on_progress is not None:
                    on_progress(len(done), len(order))
        if on_progress is not None:
            on_progress(len(done), len(order))
    except KeyboardInterrupt:  # Ctrl-C: keep what is done, after the searches under way end
        stop.set()
        for worker in workers:  # (a process must not exit while CP-SAT threads run)
            worker.join()
        return dict(done)
    if errors and not isinstance(errors[0], KeyboardInterrupt):
        raise errors[0]
    return dict(done)


def _short_of_time(deadline: float | None, left: int, finished: list[float], threads: int) -> bool:
    """Whether the schools `left` might not all be analysed before `deadline`."""
    if deadline is None:
        return False
    each = statistics.median(finished) if len(finished) >= 3 else EXPECTED_S
    return time.perf_counter() + TURN_MARGIN * each * left / max(1, threads) > deadline


class _Parts:
    """The independent parts of the unchanged problem, indexed by what they hold."""

    def __init__(self, problem: ProblemData, elig: Eligibility):
        self.num_schools = problem.num_schools
        self.parts = components(problem, elig)
        self.of_school: dict[int, int] = {}
        self.of_specialist: dict[int, int] = {}
        self.of_group: dict[int, int] = {}
        for n, part in enumerate(self.parts):
            for s in part.schools:
                self.of_school[s] = n
            for g in part.groups:
                self.of_group[g] = n
                for p in elig.group_leads[g]:
                    self.of_specialist[p] = n
            for p in part.eligibility.specialist_pairs[:, 1].tolist():
                self.of_specialist[p] = n

    def region(
        self, elig: Eligibility, schools: set[int], specialists: set[int], groups: set[int]
    ) -> tuple[list[int], list[int]]:
        """Schools and groups connected to the seeds under `elig`: whole base parts, joined
        where the edit's new pairs link them."""
        found: set[int] = set()
        region_schools, region_groups = set(schools), set(groups)
        sp, sg = elig.specialist_pairs, elig.group_pairs
        while True:
            mask = np.zeros(self.num_schools, dtype=bool)
            mask[sorted(region_schools)] = True
            seeds_sp = set(specialists) | (set(sp[mask[sp[:, 0]], 1].tolist()) if len(sp) else set())
            seeds_g = set(sg[mask[sg[:, 0]], 1].tolist()) if len(sg) else set()
            for g in seeds_g - region_groups:  # a group in no part yet: its leads' parts join
                seeds_sp.update(elig.group_leads[g])
            region_groups |= seeds_g
            near = [self.of_school.get(s) for s in region_schools]
            near += [self.of_specialist.get(p) for p in seeds_sp] + [self.of_group.get(g) for g in region_groups]
            new = {n for n in near if n is not None} - found
            if not new:
                break
            found |= new
            for n in new:
                region_schools.update(self.parts[n].schools)
                region_groups.update(self.parts[n].groups)
        return sorted(region_schools), sorted(region_groups)


def _own_pairs(elig: Eligibility, s: int, specialists: set[int], groups: set[int]) -> tuple:
    """School s's allowed pairs with these specialists and groups, with their values (and
    its trips to chosen leads): all a model of parts holding s takes from s's settings."""
    out: list[tuple] = []
    for pairs, values, targets in (
        (elig.specialist_pairs, elig.specialist_pair_value, specialists),
        (elig.group_pairs, elig.group_pair_value, groups),
        (elig.venue_triples, elig.venue_triple_value, groups),
    ):
        if not len(pairs):
            out.append(())
            continue
        rows = (pairs[:, 0] == s) & np.isin(pairs[:, 1], sorted(targets))
        out.append(tuple(zip(map(tuple, pairs[rows].tolist()), values[rows].tolist(), strict=True)))
    return tuple(out)


def _restricted(
    elig: Eligibility,
    num_schools: int,
    schools: list[int],
    groups: list[int],
    only: tuple[int, set[int], set[int]] | None = None,
) -> Component:
    """The part of these schools and groups, with their pairs under `elig`; `only`
    (school, specialists, groups): that school's pairs with these alone."""
    keep = np.zeros(num_schools, dtype=bool)
    keep[schools] = True
    empty = np.zeros(0, dtype=np.int64)
    sp_keep = keep[elig.specialist_pairs[:, 0]] if len(elig.specialist_pairs) else np.zeros(0, dtype=bool)
    sg_keep = keep[elig.group_pairs[:, 0]] if len(elig.group_pairs) else np.zeros(0, dtype=bool)
    if only is not None:
        s, specialists, allowed_groups = only
        for pairs, mask, allowed in (
            (elig.specialist_pairs, sp_keep, specialists),
            (elig.group_pairs, sg_keep, allowed_groups),
        ):
            if len(pairs):
                mine = pairs[:, 0] == s
                mask &= ~mine | np.isin(pairs[:, 1], sorted(allowed))
    sp_rows = np.flatnonzero(sp_keep) if len(sp_keep) else empty
    sg_rows = np.flatnonzero(sg_keep) if len(sg_keep) else empty
    sub = replace(
        elig,
        specialist_pairs=elig.specialist_pairs[sp_rows].reshape(-1, 2),
        specialist_pair_value=elig.specialist_pair_value[sp_rows],
        group_pairs=elig.group_pairs[sg_rows].reshape(-1, 2),
        group_pair_value=elig.group_pair_value[sg_rows],
    )
    return Component(schools, groups, sub)


@dataclass
class _Through:
    """An edit that changes school s's pairs alone, re-solved one placement at a time.

    Such an edit can join parts only through s, so with s's placement fixed to the parts
    one placement touches (`options`: one part, or for an embedding school its
    specialist's and its group's) the rest of the allocation cannot gain: every other
    part keeps its base optimum, whose value is its schools' shares. The edited
    scenario's optimum is therefore the base objective or, placing s, the best option's
    re-solve, each over one or two hubs' parts rather than all of them joined.
    """

    options: list[tuple[frozenset[int], Component, int]]  # parts, their model with s, base value
    found: list[tuple[int, Allocation] | None]  # each option's re-solve placing s

    def best(self) -> int | None:
        values = [
            (found[0] - before, -n)
            for n, ((_, _, before), found) in enumerate(zip(self.options, self.found, strict=True))
            if found is not None
        ]
        return -max(values)[1] if values else None

    def plain(self, engine: _Engine) -> Effect:
        n = self.best()
        if n is None or self._gain(n) < 0:
            return Effect(engine.objective, engine.allocation)
        return self._effect(engine, n, self.found[n])

    def forced(self, engine: _Engine, problem: ProblemData, elig: Eligibility, s: int, nearest: bool) -> Effect | None:
        """The best option's optimum placing s that changes fewest other placements (with
        `nearest`; else that pass is left pending)."""
        n = self.best()
        if n is None:
            return None
        found = self.found[n]
        assert found is not None
        effect = replace(self._effect(engine, n, found), pending=(problem, self.options[n][1], found[0], False))
        return engine._nearest(effect, s) if nearest else effect

    def _gain(self, n: int) -> int:
        found = self.found[n]
        assert found is not None
        return found[0] - self.options[n][2]

    def _effect(self, engine: _Engine, n: int, found: tuple[int, Allocation] | None) -> Effect:
        assert found is not None
        part = self.options[n][1]
        return Effect(
            engine.objective + found[0] - self.options[n][2], engine._merged(found[1], [part], engine.allocation)
        )


@dataclass
class _Engine:
    problem: ProblemData
    elig: Eligibility
    allocation: Allocation
    objective: int
    settings: SolverSettings
    known_shares: InitVar[list[int] | None] = None  # each school's objective share, if known
    files: Files = field(init=False)
    shares: list[int] = field(init=False)
    parts: _Parts = field(init=False)
    cache: dict[tuple, Effect | None] = field(init=False, default_factory=dict)
    cache_others: dict[tuple, tuple[int, Allocation] | None] = field(init=False, default_factory=dict)
    cache_forced: dict[tuple, Effect | None] = field(init=False, default_factory=dict)  # per school and edit
    cache_placeable: dict[tuple, _Placeable | None] = field(init=False, default_factory=dict)  # per edit and part
    nearest: dict[tuple[int, int], tuple[Effect, Effect]] = field(init=False, default_factory=dict)  # school, id
    variants: dict[tuple, tuple] = field(init=False, default_factory=dict)
    stop: threading.Event = field(init=False, default_factory=threading.Event)
    deadline: float | None = None  # time.perf_counter() at which re-solves stop
    part_cohorts: dict[int, set[int]] = field(init=False, default_factory=dict)
    lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    underway: dict[tuple, threading.Event] = field(init=False, default_factory=dict)
    dev_bound: dict[int, int] = field(init=False)
    seat_bound: dict[int, int] = field(init=False)
    stages: np.ndarray = field(init=False)  # each school's stage
    most: np.ndarray = field(init=False)  # per school, the most it can add to an allocation
    most_development: int = field(init=False)  # ... the largest of a development school's
    own_gain: np.ndarray | None = field(init=False)  # per school, the most its own edit can add
    embedding_gain: int | None = field(init=False)  # the most one more embedding place can add
    turn: threading.local = field(init=False, default_factory=threading.local)  # .ends: this thread's school's turn

    def __post_init__(self, known_shares: list[int] | None) -> None:
        self.files = Files.of(self.problem)
        self.shares = known_shares or [share.total for share in school_shares(self.problem, self.elig, self.allocation)]
        self.parts = _Parts(self.problem, self.elig)
        self.stages = np.array([school.stage for school in self.problem.schools])
        self.dev_bound = self._development_bounds()
        self.seat_bound = self._seat_bounds()
        self.most = self._most()
        development = self.stages == Stage.DEVELOPMENT.value
        self.most_development = int(self.most[development].max()) if development.any() else 0
        self.own_gain = self._own_gains()
        # One more embedding place: an optimum using it, less one of its schools there
        # (which leaves its group too, mended as `_own_gains` says), is an allocation as
        # it was, so it adds at most the most an embedding school's leaving can cost;
        # none where a pin could hold that school or another of its group.
        embedding = self.stages == Stage.EMBEDDING.value
        self.embedding_gain = (
            int(self.own_gain[embedding].max())
            if self.own_gain is not None and not self.problem.pins and embedding.any()
            else None
        )
        self.dev_load = [0] * self.problem.num_specialists
        self.group_size = [0] * self.problem.num_groups
        for s, p in enumerate(self.allocation.school_specialist):
            if p is not None and self.problem.schools[s].stage == Stage.DEVELOPMENT:
                self.dev_load[p] += 1
        for g in self.allocation.school_group:
            if g is not None:
                self.group_size[g] += 1
        self._loads = self.loads()

    def _development_bounds(self) -> dict[int, int]:
        """Per specialist with development places, the most one more place can add.

        An optimum after the edit that uses the new place holds capacity + 1
        development schools there; less any one of them it is an allocation of the
        scenario as it was (a development school placed with a specialist is in no
        group, so nothing else breaks), worth that school's value less. So the place
        adds at most the smallest value among those schools, and that is at most the
        (capacity + 1)-th largest value of the specialist's development pairs (school
        value, pair value, and `keep` where it is the school's previous specialist;
        never below 0: the edit only adds allocations). With lone departments priced
        this still holds: the load goes from capacity + 1 to capacity, and a specialist
        of one place has no lone department before the edit and none at a load of 2
        after. A specialist with pins: the largest value (a pinned school may not be
        the one taken out).
        """
        elig, out = self.elig, dict[int, int]()
        dev = np.array([s.stage == Stage.DEVELOPMENT for s in self.problem.schools], dtype=bool)
        pairs = elig.specialist_pairs
        rows = np.flatnonzero(dev[pairs[:, 0]]) if len(pairs) else np.zeros(0, np.int64)
        values = elig.school_value[pairs[rows, 0]] + elig.specialist_pair_value[rows]
        kept = {(s, p) for s, p, _ in elig.keep_targets if p is not None}  # re-runs: + keep there
        by_specialist: dict[int, list[int]] = {}
        for s, p, value in zip(pairs[rows, 0].tolist(), pairs[rows, 1].tolist(), values.tolist(), strict=True):
            by_specialist.setdefault(p, []).append(value + (elig.keep_value if (s, p) in kept else 0))
        pinned = {pin.specialist_idx for pin in self.problem.pins if pin.specialist_idx is not None}
        for p, found in by_specialist.items():
            capacity = self.problem.specialists[p].capacity
            if capacity > 0:  # else their pairs exist only after the edit (`bound`)
                out[p] = _one_more(found, capacity, p in pinned)
        return out

    def _seat_bounds(self) -> dict[int, int]:
        """Per group, the most one more seat can add (`max_schools` + 1), as for one more
        place: an optimum using the seat, less one of its members, is an allocation of
        the scenario as it was (the group keeps `max_schools` >= `min_schools` members;
        an embedding member leaves its specialist too, which no rule minds: lone
        departments count development schools). A member is worth at most its school
        value, its pair value with the group, for an embedding school its best
        specialist pair's value, and `keep` in a re-run (a meeting-at-the-lead trip
        only costs)."""
        elig, problem = self.elig, self.problem
        best_specialist = np.full(problem.num_schools, np.iinfo(np.int64).min // 4, dtype=np.int64)
        if len(elig.specialist_pairs):
            np.maximum.at(best_specialist, elig.specialist_pairs[:, 0], elig.specialist_pair_value)
        embedding = self.stages == Stage.EMBEDDING.value
        kept = np.zeros(problem.num_schools, dtype=np.int64)
        for x, _, _ in elig.keep_targets:
            kept[x] = elig.keep_value
        pairs = elig.group_pairs
        if not len(pairs):
            return {}
        members = pairs[:, 0]
        values = elig.school_value[members] + elig.group_pair_value + kept[members]
        values = values + np.where(embedding[members], best_specialist[members], 0)
        by_group: dict[int, list[int]] = {}
        for g, value in zip(pairs[:, 1].tolist(), values.tolist(), strict=True):
            by_group.setdefault(g, []).append(value)
        pinned = {pin.group_idx for pin in problem.pins if pin.group_idx is not None}
        return {g: _one_more(found, problem.work_groups[g].max_schools, g in pinned) for g, found in by_group.items()}

    def _most(self) -> np.ndarray:
        """Per school, the most it can add to any allocation: its school value +
        continuity (an embedding school with a previous specialist) + keep (a school of
        the previous run); a pair's travel and focus only cost."""
        problem, elig = self.problem, self.elig
        continued = np.array(  # continuity is paid to an embedding school's previous specialist
            [x.stage == Stage.EMBEDDING and bool((x.previous_specialist or "").strip()) for x in problem.schools],
            dtype=bool,
        )
        kept = np.zeros(problem.num_schools, dtype=bool)
        kept[[x for x, _, _ in elig.keep_targets]] = True
        most = elig.school_value.astype(np.int64) + max(0, problem.weights.continuity) * continued
        return most + max(0, elig.keep_value) * kept

    def _own_gains(self) -> np.ndarray | None:
        """Per school s, the most an edit of its own cells (travel, cross-hub) can add.

        Such an edit only gives s more pairs. An optimum after it that places s, less s,
        is an allocation of the scenario as it was once what s's leaving breaks is
        mended: a group g it leaves below `min_schools` no longer runs (its other
        members, at most min_schools - 1, leave too: its lead's and venue's terms only
        cost, and no rule minds a school leaving a specialist but a lone department);
        a specialist it leaves with one development school has a lone department (its
        weight) or, with `whole_pairs`, loses that school too. So the edit adds at most
        c(s) (`_most`), plus (min_schools - 1) x the largest c of the groups s's stage
        may join, plus for a development school the lone weight or, with whole pairs,
        the largest c. Where pins hold, mending could break one: None (no bound) unless
        neither groups nor whole pairs need mending.
        """
        problem, elig, c = self.problem, self.elig, self.most
        largest = int(c.max()) if len(c) else 0
        group_extra = {
            dev: max(
                (
                    (g.min_schools - 1) * largest
                    for g in problem.work_groups
                    if g.min_schools >= 2 and (g.stage == Stage.DEVELOPMENT) == dev
                ),
                default=0,
            )
            for dev in (True, False)
        }
        development = self.stages == Stage.DEVELOPMENT.value
        extra = np.where(development, group_extra[True], group_extra[False])
        pairs = largest if elig.whole_pairs else _lone_weight(problem)
        extra = extra + np.where(development, pairs, 0)
        if problem.pins and (any(group_extra.values()) or elig.whole_pairs):
            return None
        return c + extra

    # ------------------------------------------------------------------ re-solves

    def _solve(self, changes: tuple[Change, ...], s: int, forced: bool, nearest: bool = True) -> Effect | None:
        """The edited scenario re-solved over the parts the edit touches; `forced`: its
        optimum with s placed that changes fewest other placements (in s's own part; the
        other parts an edit touches, a cohort's, are re-solved once per edit), or without
        `nearest` any optimum placing s, the pass that picks the nearest left pending."""
        problem, elig, touched, whole = self._variant(changes)
        if whole is None and touched <= {s} and all(c.kind in SCHOOL_KINDS for c in changes):
            through = self._through(problem, elig, changes, s)
            if through is not None:
                return through.forced(self, problem, elig, s, nearest) if forced else through.plain(self)
        parts = self._touched_parts(problem, elig, changes, touched, s, whole)
        if not parts:
            return None
        searched: tuple[list[Component], ...]
        if len(parts) > 1:  # a cohort's: s's part, and every other part's optimum once per edit
            mine = [part for part in parts if forced and s in part.schools]
            others = [part for part in parts if not (forced and s in part.schools)]
            own = self._search(problem, elig, mine, (s,) if forced else (), nearest)
            rest = self._part_optima(problem, elig, others, changes) if own is not None else None
            found: list[tuple[int, Allocation] | None] = [own, rest]
            searched = (mine, others)
        else:
            found = [self._search(problem, elig, parts, (s,) if forced else (), forced and nearest)]
            searched = (parts,)
        if any(f is None for f in found):
            return None
        allocation = self.allocation
        for (_, part_allocation), these in zip(found, searched, strict=True):  # type: ignore[misc]
            allocation = self._merged(part_allocation, these, allocation)
        before = sum(self.shares[x] for part in parts for x in part.schools)
        effect = Effect(self.objective + sum(value for value, _ in found) - before, allocation)  # type: ignore[misc]
        with_s = searched[0]  # the parts searched with s required
        if forced and not nearest and len(with_s) == 1:
            effect = replace(effect, pending=(problem, with_s[0], found[0][0], len(parts) > 1))  # type: ignore[index]
        return effect

    def _part_optima(
        self, problem: ProblemData, elig: Eligibility, parts: list[Component], changes: tuple[Change, ...]
    ) -> tuple[int, Allocation] | None:
        """The edited parts' optima, each searched once per edit and shared (the plain
        re-solve of a cohort and every school's forced one read the same parts); their
        summed value and the allocation with them merged in."""
        keys = [_part_key(part, changes) for part in parts]
        with self.lock:  # parts the other thread is searching are read last (it shares the work)
            later = {key for key in keys if key in self.underway}
        allocation, value = self.allocation, 0
        for part, key in sorted(zip(parts, keys, strict=True), key=lambda item: item[1] in later):
            # Not the nearest optimum (a pass per part would cost seconds per cohort): the
            # re-solve from the allocation as a hint, whose moves may overstate `moved`.
            found = self._once(self.cache_others, key, partial(self._search, problem, elig, [part], (), False))
            if found is None:
                return None
            value += found[0]
            allocation = self._merged(found[1], [part], allocation)
        return value, allocation

    def _search(
        self,
        problem: ProblemData,
        elig: Eligibility,
        parts: list[Component],
        required: tuple[int, ...],
        nearest: bool,
        preferred: tuple[int, ...] = (),
        start: Allocation | None = None,
        avoided: tuple[int, ...] = (),
    ) -> tuple[int, Allocation] | None:
        if any(not any(x in part.schools for part in parts) for x in required):
            return None  # a school no part holds has no pair: it cannot be placed
        if not parts:
            return 0, self.allocation
        if self.stop.is_set() or stop_requested():
            raise KeyboardInterrupt  # stop recommending: the thread's school is left out
        if getattr(self.turn, "ends", None) is not None and time.perf_counter() > self.turn.ends:
            raise _Later
        settings, cut = self.settings, False
        if self.deadline is not None:  # no re-solve outlives the budget
            left = self.deadline - time.perf_counter()
            if left < MIN_SOLVE_S:
                raise _OutOfTime
            cut = left < settings.time_limit_s
            settings = replace(settings, time_limit_s=min(settings.time_limit_s, left))
        # The base allocation leaves a required school out, and a hint it breaks slowed
        # proofs down (0.5 s without against 1.1 s with, on a national part); the base with
        # the school put where there is room is a whole solution, often the optimum.
        hint: Allocation | None = start or self.allocation
        if required:
            hint = self._inserted(problem, elig, required[0]) if len(required) == 1 else None
        result = search(
            problem,
            settings,
            eligibility=elig,
            hint=hint,
            parts=parts,
            require_placed=required,
            closest_to=self.allocation if nearest else None,
            watch=False,
            prefer_placed=preferred,
            avoid_placing=avoided,
        )
        if result.interrupted:
            raise KeyboardInterrupt
        if result.status != SolveStatus.OPTIMAL or result.objective is None or result.allocation is None:
            if cut and result.status != SolveStatus.INFEASIBLE:
                raise _OutOfTime  # the budget ended it: the school is not analysed
            return None  # not proven in its time: no verified figure, so the edit is not offered
        return result.objective, result.allocation

    def _inserted(self, problem: ProblemData, elig: Eligibility, s: int) -> Allocation | None:
        """The base allocation with school s added at its best allowed specialist and group
        that have room (no one else moved), or None when it needs a place that is full."""
        stage = Stage(problem.schools[s].stage)
        specialist = group = None
        if stage.needs_specialist:
            sp = elig.specialist_pairs
            rows = np.flatnonzero(sp[:, 0] == s) if len(sp) else np.zeros(0, np.int64)
            room = [
                (int(elig.specialist_pair_value[r]), int(sp[r, 1]))
                for r in rows.tolist()
                if self._loads.support.get((int(sp[r, 1]), stage), 0)
                < problem.specialists[int(sp[r, 1])].capacity_for(stage)
            ]
            specialist = max(room)[1] if room else None
        if stage.needs_group or (stage is Stage.DEVELOPMENT and specialist is None):
            sg = elig.group_pairs
            rows = np.flatnonzero(sg[:, 0] == s) if len(sg) else np.zeros(0, np.int64)
            room = [
                (int(elig.group_pair_value[r]), int(sg[r, 1]))
                for r in rows.tolist()
                if self.allocation.group_lead[int(sg[r, 1])] is not None
                and self.group_size[int(sg[r, 1])] < problem.work_groups[int(sg[r, 1])].max_schools
            ]
            group = max(room)[1] if room else None
        if not stage.placed_with(specialist is not None, group is not None):
            return None
        with_s = list(self.allocation.school_specialist), list(self.allocation.school_group)
        with_s[0][s], with_s[1][s] = specialist, group
        return Allocation(tuple(with_s[0]), tuple(with_s[1]), self.allocation.group_lead)

    def _nearest(self, effect: Effect, s: int) -> Effect:
        """`effect` after its pending closest-optimum pass (none needed when it changes
        nobody but s)."""
        if effect.pending is None:
            return effect
        if self._others_unchanged(effect.allocation, s):
            return replace(effect, pending=None)
        known = self.nearest.get((s, id(effect)))  # the pass made in the school's earlier turn
        if known is not None and known[0] is effect:
            return known[1]
        if self.stop.is_set() or stop_requested():
            raise KeyboardInterrupt
        problem, part, value, brief = effect.pending  # the closest-optimum pass alone, no re-solve
        allocation, interrupted = closest_optimum(
            problem, self.settings, part, effect.allocation, value, self.allocation, (s,), brief
        )
        if interrupted:
            raise KeyboardInterrupt
        nearest = Effect(effect.objective, self._merged(allocation, [part], effect.allocation))
        with self.lock:
            self.nearest[s, id(effect)] = (effect, nearest)
        return nearest

    def _variant(
        self, changes: tuple[Change, ...]
    ) -> tuple[ProblemData, Eligibility, set[int], list[Component] | None]:
        """The edited problem; a cohort's (every pair decided again, and its parts) is
        kept, and with other changes made on top of the cohort's alone (cohorts are
        applied first: the same problem)."""
        cohorts = tuple(c for c in changes if c.kind == "cohort")
        if not cohorts:
            return (*apply_changes(self.problem, self.elig, changes), None)
        key = _edit_key(changes)
        if key not in self.variants:
            rest = tuple(c for c in changes if c.kind != "cohort")
            if rest:
                problem, elig, touched, _ = self._variant(cohorts)
                problem, elig, more = apply_changes(problem, elig, rest)
                touched = touched | more
            else:
                problem, elig, touched = apply_changes(self.problem, self.elig, changes)
            self.variants[key] = (problem, elig, touched, components(problem, elig))
        return self.variants[key]

    def _through(self, problem: ProblemData, elig: Eligibility, changes: tuple[Change, ...], s: int) -> _Through | None:
        """The edit's re-solves one placement of s at a time (see `_Through`); None when
        s could join a group that no base part holds (its leads' parts would join)."""
        sp, sg = elig.specialist_pairs, elig.group_pairs
        spec_of = {p: self.parts.of_specialist.get(p, -1) for p in sp[sp[:, 0] == s, 1].tolist()}
        group_of = {g: self.parts.of_group.get(g) for g in sg[sg[:, 0] == s, 1].tolist()}
        if None in group_of.values():
            return None
        stage = Stage(self.problem.schools[s].stage)
        spec_parts, group_parts = set(spec_of.values()), {n for n in group_of.values() if n is not None}
        if stage is Stage.DEVELOPMENT:
            sets = {frozenset({n}) for n in spec_parts | group_parts}
        elif stage is Stage.EMBEDDING:
            sets = {frozenset({a, b}) for a in spec_parts for b in group_parts}
        else:
            sets = {frozenset({n}) for n in group_parts}
        options, found = [], []
        for parts in sorted(sets, key=sorted):
            schools = sorted({s}.union(*(self.parts.parts[n].schools for n in parts if n >= 0)))
            groups = sorted(set().union(*(self.parts.parts[n].groups for n in parts if n >= 0)))
            allowed_p = {p for p, n in spec_of.items() if n in parts}
            allowed_g = {g for g, n in group_of.items() if n in parts}
            part = _restricted(elig, problem.num_schools, schools, groups, (s, allowed_p, allowed_g))
            before = sum(self.shares[x] for x in schools)
            # Keyed by s's own pairs there, not by the edit: the pin, travel and cross-hub
            # edits that give s the same pairs in these parts share one re-solve.
            key = ("through", s, parts, _own_pairs(elig, s, allowed_p, allowed_g))
            options.append((parts, part, before))
            if stage is Stage.EMBEDDING and len(parts) == 2 and not any(t[0] == s for t in elig.keep_targets):
                found.append(self._split(problem, elig, s, parts, spec_of, group_of))
                continue
            found.append(self._once(self.cache_others, key, partial(self._search, problem, elig, [part], (s,), False)))
        return _Through(options, found)

    def _split(
        self,
        problem: ProblemData,
        elig: Eligibility,
        s: int,
        parts: frozenset[int],
        spec_of: dict[int, int],
        group_of: dict[int, int | None],
    ) -> tuple[int, Allocation] | None:
        """An embedding school placed with a specialist of base part x and a group of base
        part y (x, y the two `parts`, either way round): s alone joins them, so the best of
        the joined parts is the best of x with s placed by its specialist side plus the
        best of y with s placed by its group side (s's own value counted once). Two models
        of one part each, shared by every option of s with the same side, instead of one
        of both parts per option. With s wholly in x the option is x's own (`_through`)."""
        best: tuple[int, Allocation] | None = None
        for x, y in sorted({tuple(sorted(parts)), tuple(sorted(parts, reverse=True))}):
            specialists = {p for p, n in spec_of.items() if n == x}
            groups = {g for g, n in group_of.items() if n == y}
            if not specialists or not groups:
                continue
            spec_half = self._half(problem, elig, s, x, "specialist", specialists)
            group_half = self._half(problem, elig, s, y, "group", groups)
            if spec_half is None or group_half is None:
                continue
            (spec_part, (spec_value, spec_allocation)), (group_part, (group_value, group_allocation)) = (
                spec_half,
                group_half,
            )
            value = spec_value + group_value - int(elig.school_value[s])
            if best is not None and value <= best[0]:
                continue
            allocation = self._merged(
                group_allocation, [group_part], self._merged(spec_allocation, [spec_part], self.allocation)
            )
            school_specialist = list(allocation.school_specialist)
            school_specialist[s] = spec_allocation.school_specialist[s]  # the group half set s's other side
            best = value, Allocation(tuple(school_specialist), allocation.school_group, allocation.group_lead)
        return best

    def _half(
        self, problem: ProblemData, elig: Eligibility, s: int, n: int, side: str, targets: set[int]
    ) -> tuple[Component, tuple[int, Allocation]] | None:
        """Base part n (none when n < 0) with s placed there by one side alone, re-solved."""
        schools = sorted({s}.union(self.parts.parts[n].schools if n >= 0 else ()))
        groups = sorted(self.parts.parts[n].groups) if n >= 0 else []
        own = (targets, set()) if side == "specialist" else (set(), targets)
        half = replace(_restricted(elig, problem.num_schools, schools, groups, (s, *own)), halves=((s, side),))
        key = ("half", s, n, side, _own_pairs(elig, s, *own))
        found = self._once(self.cache_others, key, partial(self._search, problem, elig, [half], (s,), False))
        return None if found is None else (half, found)

    def effect(self, changes: tuple[Change, ...], s: int) -> Effect | None:
        """The plain re-solve of an edit (shared by every school it could place)."""
        key = _edit_key(changes)
        return self._once(self.cache, key, lambda: self._solve(changes, s, forced=False))

    def _once(self, cache: dict, key: tuple, compute: Callable[[], Any]) -> Any:
        """`cache[key]`, computed by one thread only: a thread needing a re-solve that the
        other is computing (a cohort's, some 30 parts) waits for it instead of repeating it."""
        with self.lock:
            if key in cache:
                return cache[key]
            underway = self.underway.get(key)
            if underway is None:
                self.underway[key] = threading.Event()
        if underway is not None:
            while not underway.wait(0.1):
                if self.stop.is_set() or stop_requested():
                    raise KeyboardInterrupt
            with self.lock:
                if key in cache:
                    return cache[key]
            return compute()  # the other thread ran out of time or was stopped
        try:
            value = cache[key] = compute()
            return value
        finally:
            with self.lock:
                self.underway.pop(key).set()

    def _touched_parts(
        self,
        problem: ProblemData,
        elig: Eligibility,
        changes: tuple[Change, ...],
        touched: set[int],
        s: int,
        whole: list[Component] | None,
    ) -> list[Component]:
        if whole is not None:  # a cohort: the parts where someone became available, and s's
            changed = {
                p
                for p, (a, b) in enumerate(zip(problem.specialists, self.problem.specialists, strict=True))
                if a.available != b.available
            }
            out = []
            for part in whole:
                leads = {p for g in part.groups for p in elig.group_leads[g]}
                if (
                    s in part.schools
                    or leads & changed
                    or set(part.eligibility.specialist_pairs[:, 1].tolist()) & changed
                ):
                    out.append(part)
            return out
        schools, specialists, groups = {s} | touched, set(), set()
        for c in changes:
            if c.kind == "capacity":
                specialists.add(c.target)
                schools.update(elig.specialist_pairs[elig.specialist_pairs[:, 1] == c.target, 0].tolist())
            elif c.kind in ("max_schools", "min_schools"):
                groups.add(c.target)
        region_schools, region_groups = self.parts.region(elig, schools, specialists, groups)
        return [_restricted(elig, problem.num_schools, region_schools, region_groups)]

    def _merged(self, found: Allocation, parts: list[Component], now: Allocation) -> Allocation:
        """`now` with the searched parts' schools and groups taken from `found`."""
        if not parts:
            return now
        specialist, group, lead = list(now.school_specialist), list(now.school_group), list(now.group_lead)
        for part in parts:
            for x in part.schools:
                specialist[x], group[x] = found.school_specialist[x], found.school_group[x]
            for g in part.groups:
                lead[g] = found.group_lead[g]
        return Allocation(tuple(specialist), tuple(group), tuple(lead))

    def forget(self, s: int) -> None:
        """Drop what only school `s`'s analysis uses, once it is done: its forced optima
        and closest passes, its own cells' edits (alone or with another) re-solved, and
        its one-placement searches. Kept, they grew the cache with every school analysed
        (national-tight with --explain-seconds 150: 1.15 GB at 905 schools)."""

        def own(key: tuple) -> bool:  # an edit key naming one of s's own cells
            return any(
                isinstance(k, tuple) and len(k) == 4 and k[0] in (*SCHOOL_KINDS, "pin") and k[1] == s for k in key
            )

        for cache, mine in (
            (self.cache_forced, lambda key: key[0] == s or key == ("pin", s)),
            (self.nearest, lambda key: key[0] == s),
            (self.cache, own),
            (self.variants, own),
            (self.cache_others, lambda key: key[:2] in (("through", s), ("half", s)) or own(key[3:])),
        ):
            for key in [key for key in list(cache) if mine(key)]:
                cache.pop(key, None)

    def placed(self, allocation: Allocation, s: int) -> bool:
        has = (allocation.school_specialist[s] is not None, allocation.school_group[s] is not None)
        return Stage(self.problem.schools[s].stage).placed_with(*has)

    # ------------------------------------------------------------------ one school

    def loads(self) -> Loads:
        support: dict[tuple[int, str], int] = {}
        for s, p in enumerate(self.allocation.school_specialist):
            if p is not None:
                key = (p, self.problem.schools[s].stage)
                support[key] = support.get(key, 0) + 1
        return Loads(support, list(self.group_size), Chains.of(self.problem, self.elig, self.allocation))

    def bound(self, change: Change, s: int) -> float:
        """An upper bound on the objective after `change` (inf where none is cheap)."""
        if change.kind == "capacity" and change.field == "capacity":
            if self.problem.specialists[change.target].capacity == 0:
                # Their pairs exist only after the edit, and the one place holds one
                # school, less which an optimum after it is an allocation as it was (a
                # specialist of one place has no lone department): at most its value.
                return self.objective + self.most_development
            return self.objective + self.dev_bound.get(change.target, 0)
        if change.kind == "capacity" and self.embedding_gain is not None:
            return self.objective + self.embedding_gain
        if change.kind == "max_schools" and self.problem.work_groups[change.target].max_schools >= max(
            1, self.problem.work_groups[change.target].min_schools
        ):
            return self.objective + self.seat_bound.get(change.target, 0)
        if change.kind in SCHOOL_KINDS and self.own_gain is not None:
            return self.objective + int(self.own_gain[s])
        return NO_BOUND

    def recommend_one(self, s: int) -> Recommendation:
        """The best edit placing school `s` (see the module docstring)."""
        singles = single_changes(self.problem, self.elig, self.files, self._loads, s)
        listed = {c.target for c in singles.specialist_side if c.kind == "cohort"}
        singles.specialist_side += [
            cohort_change(self.problem, self.files, c) for c in sorted(self._cohorts(s) - listed)
        ]
        options: list[_Option] = []
        confirmed = -math.inf
        candidates = sorted(
            ((self.bound(c, s), self._rank_first(c), (c,)) for c in singles.all()),
            key=lambda item: (-item[0], item[1]),
        )
        for bound, _, changes in candidates:
            if bound < confirmed:
                break  # sorted by bound: nothing left can beat what is confirmed
            if self._cohort_leaves_out(changes, s):
                continue
            effect = self.effect(changes, s)
            if effect is None:
                continue
            options.append(_Option(changes, effect))
            if self.placed(effect.allocation, s):
                confirmed = max(confirmed, effect.objective)
        if confirmed <= self.objective:  # a pin (never above the objective) may tie or win
            pin = self._pin_option(s)
            if pin is not None:
                options.append(pin)
        chosen = self._choose(options, s)
        if chosen is not None and chosen.changes[0].kind == "travel":
            chosen = self._smallest_travel(chosen, [(t,) for t in singles.travel], s)
        if chosen is None:
            chosen = self._two_changes(singles, s)
        return self._recommendation(s, chosen)

    def _two_changes(self, singles: Singles, s: int) -> _Option | None:
        """The best pair of edits. Pairs that differ only in the travel limit form a family
        whose objective grows with the limit: its largest is re-solved first, and the
        smallest limit reaching the same objective is found only for the chosen family."""
        families: dict[tuple, list[tuple[Change, ...]]] = {}
        family_of: dict[int, list[tuple[Change, ...]]] = {}
        for pair in two_change_candidates(self.problem, self.elig, self.files, singles, self._loads, s):
            rest = tuple(sorted(c.key for c in pair if c.kind != "travel"))
            travel = [c for c in pair if c.kind == "travel"]
            families.setdefault((rest, bool(travel)), []).append(pair)
        options: list[_Option] = []
        for (_, with_travel), members in families.items():
            if with_travel:
                members.sort(key=lambda pair: max(float(c.value) for c in pair if c.kind == "travel"))
            for edits in members[-1:] if with_travel else members:
                if self._cohort_leaves_out(edits, s):
                    continue
                effect = self.effect(edits, s)
                if effect is not None:
                    options.append(_Option(edits, effect))
                    if with_travel:
                        family_of[id(options[-1])] = members
        chosen = self._choose(options, s)
        if chosen is not None and id(chosen) in family_of:
            chosen = self._smallest_travel(chosen, family_of[id(chosen)], s)
        return chosen

    def _cohorts(self, s: int) -> set[int]:
        """The unavailable cohorts that could change the optimum of s's part (chains and
        leads included), once per part; for a school in no part, of s and its groups."""
        n = self.parts.of_school.get(s)
        if n is None:
            groups = (
                self.elig.group_pairs[self.elig.group_pairs[:, 0] == s, 1].tolist()
                if len(self.elig.group_pairs)
                else []
            )
            return cohorts_within_reach(self.problem, self.elig, [s], groups)
        if n not in self.part_cohorts:
            part = self.parts.parts[n]
            self.part_cohorts[n] = cohorts_within_reach(self.problem, self.elig, part.schools, part.groups)
        return self.part_cohorts[n]

    def _rank_first(self, change: Change) -> tuple[int, int]:
        """Among equal bounds: a lone department's specialist first (pairs), then by kind."""
        lone = (
            change.kind == "capacity"
            and change.field == "capacity"
            and bool(_lone_weight(self.problem))
            and self.dev_load[change.target] == 1
        )
        return (0 if lone else 1, KIND_ORDER.index(change.kind))

    def _pin_option(self, s: int) -> _Option | None:
        """Forcing `s` in with no rule changed: a pin to where that optimum places it."""
        forced = self._once(self.cache_forced, ("pin", s), lambda: self._solve((), s, forced=True))
        if forced is None:
            return None
        stage = Stage(self.problem.schools[s].stage)
        p, g = forced.allocation.school_specialist[s], forced.allocation.school_group[s]
        specialist = p if stage.needs_specialist else None  # a development school: or its group
        change = pin_change(self.problem, self.files, s, specialist, g if specialist is None else None)
        return _Option((change,), forced, forced)

    def _forced(self, option: _Option, s: int) -> Effect | None:
        """The edited scenario's optimum placing `s` that changes fewest others; the plain
        re-solve's own when it places `s` and changes nobody else (none can change fewer).
        None when no allocation places `s`, or for an edit shared by several schools,
        when no optimum of the edit does (`_at_optimum`)."""
        if option.forced is None:
            plain = option.effect.allocation
            if self.placed(plain, s) and self._others_unchanged(plain, s):
                option.forced = option.effect
                return option.forced
            known = self._at_optimum(option, s)
            if known is not None:
                option.forced = known or None
                return option.forced
            key = (s, *_edit_key(option.changes))  # kept for the school's next turn
            option.forced = self._once(
                self.cache_forced, key, lambda: self._solve(option.changes, s, forced=True, nearest=False)
            )
        return option.forced

    def _at_optimum(self, option: _Option, s: int) -> Effect | Literal[False] | None:
        """For an edit that does not name `s` (a place, a seat, a group run, a cohort):
        an optimum of it placing `s`, its closest-optimum pass pending; False when no
        optimum places `s`; None when this cannot tell (then `s` is re-solved forced in).

        The plain re-solve is such an optimum when it places `s`. Otherwise one search of
        the part holding `s`, among the optima placing as many of its unplaced schools as
        possible (`search(prefer_placed=...)`), answers for all of them at once: the
        schools it places are placed by an optimum, and when it places none, no optimum
        places any. Each school it places is left out of the next round. In a tight
        region a seat's re-solve leaves out dozens of schools that each asked whether an
        optimum could place them, one forced re-solve each (BENCHMARKS.md)."""
        located = self._located(option, s)
        if located is None:
            return None
        problem, elig, part, value, joined = located
        effect = option.effect
        if self.placed(effect.allocation, s):
            return replace(effect, pending=(problem, part, value, joined))
        key = ("placeable", *_part_key(part, option.changes))
        found = self._once(
            self.cache_placeable, key, partial(self._placeable, problem, elig, part, value, effect.allocation)
        )
        if found is None or s in found.unknown:
            return None
        witness = found.witnesses.get(s)
        if witness is None:
            return False
        allocation = self._merged(witness, [part], effect.allocation)
        return Effect(effect.objective, allocation, (problem, part, value, joined))

    def _located(self, option: _Option, s: int) -> tuple[ProblemData, Eligibility, Component, int, bool] | None:
        """For an edit naming no school (one its schools share): the edited problem, the
        part of it holding `s` that the plain re-solve searched, that part's optimum
        value, and whether the re-solve searched other parts too (a cohort's); None for
        an edit of a school's own cells or a pin, or when it did not search that part."""
        if any(c.kind in (*SCHOOL_KINDS, "pin") for c in option.changes):
            return None
        found = self._part_of(option.changes, s)
        if found is None:
            return None
        problem, elig, parts, part = found
        if len(parts) == 1:  # the plain re-solve's gain is this part's
            before = sum(self.shares[x] for x in part.schools)
            return problem, elig, part, option.effect.objective - self.objective + before, False
        known = self.cache_others.get(_part_key(part, option.changes))  # a cohort's part
        return None if known is None else (problem, elig, part, known[0], True)

    def _cohort_leaves_out(self, changes: tuple[Change, ...], s: int) -> bool:
        """For an edit making a cohort available (re-solved over every part its
        specialists reach), alone or with another: whether no optimum places `s`, told by
        the part holding `s` alone, before the others are searched. That part's optimum
        and which of its unplaced schools an optimum can place (`_placeable`) are the
        ones the edit's re-solve and `_at_optimum` would read, so nothing is searched
        twice; the other parts only add to the objective, and an edit that places `s` in
        no optimum is never chosen."""
        if not any(c.kind == "cohort" for c in changes):
            return False
        found = self._part_of(changes, s)
        if found is None or len(found[2]) == 1:
            return False  # the cohort's re-solve is of that part alone
        problem, elig, _, part = found
        key = _part_key(part, changes)
        optimum = self._once(self.cache_others, key, partial(self._search, problem, elig, [part], (), False))
        if optimum is None or self.placed(optimum[1], s):
            return False
        placeable = self._once(
            self.cache_placeable, ("placeable", *key), partial(self._placeable, problem, elig, part, *optimum)
        )
        return placeable is not None and s not in placeable.unknown and s not in placeable.witnesses

    def _part_of(
        self, changes: tuple[Change, ...], s: int
    ) -> tuple[ProblemData, Eligibility, list[Component], Component] | None:
        """The edited problem, the parts its plain re-solve searches, and the one of them
        holding `s` (None unless exactly one does)."""
        problem, elig, touched, whole = self._variant(changes)
        parts = self._touched_parts(problem, elig, changes, touched, s, whole)
        mine = [part for part in parts if s in part.schools]
        return (problem, elig, parts, mine[0]) if len(mine) == 1 else None

    def _placeable(
        self, problem: ProblemData, elig: Eligibility, part: Component, value: int, plain: Allocation
    ) -> _Placeable | None:
        """Which of the part's unplaced schools an optimum (of `value` there) places (see
        `_at_optimum`)."""
        unplaced = [x for x in part.schools if not self.placed(self.allocation, x)]
        witnesses: dict[int, Allocation] = {x: plain for x in unplaced if self.placed(plain, x)}
        rest = [x for x in unplaced if x not in witnesses]
        found = self._rounds(problem, elig, part, value, plain, rest, place=True)
        return None if found is None else _Placeable(witnesses | found.witnesses, found.unknown)

    def _rounds(
        self,
        problem: ProblemData,
        elig: Eligibility,
        part: Component,
        value: int,
        start: Allocation,
        schools: list[int],
        place: bool,
    ) -> _Placeable | None:
        """Of `schools`, those that an optimum of the part (of `value`) places (`place`)
        or leaves out (not `place`), each with one such optimum: each round searches the
        optima placing as many (as few) of the rest as possible, and a round that finds
        none settles the rest. `unknown`: those not settled in `PLACEABLE_ROUNDS`
        rounds. None when a search is not proven or reaches another value."""
        witnesses: dict[int, Allocation] = {}
        rest = list(schools)
        for _ in range(PLACEABLE_ROUNDS):
            if not rest:
                break
            preferred, avoided = (tuple(rest), ()) if place else ((), tuple(rest))
            found = self._search(problem, elig, [part], (), False, preferred, start, avoided)
            if found is None:
                return None
            placed = [x for x in rest if self.placed(found[1], x)]
            if found[0] != value * (len(rest) + 1) + (len(placed) if place else -len(placed)):
                return None  # not this part's optimum after all: tell nothing
            newly = placed if place else [x for x in rest if x not in placed]
            if not newly:
                return _Placeable(witnesses, frozenset())
            witnesses.update((x, found[1]) for x in newly)
            rest = [x for x in rest if x not in witnesses]
        return _Placeable(witnesses, frozenset(rest))

    def _left_out(self, option: _Option, s: int) -> bool | None:
        """For an edit that does not name `s`, whose plain re-solve places it: whether an
        optimum leaves `s` out, answered for every school the re-solve newly places by
        one search (or a few) of the optima placing as few of them as possible, as
        `_at_optimum` does the other way round (None: not known this way)."""
        located = self._located(option, s)
        if located is None:
            return None
        problem, elig, part, value, _ = located
        plain = option.effect.allocation
        newly = [x for x in part.schools if self.placed(plain, x) and not self.placed(self.allocation, x)]
        key = ("left out", *_part_key(part, option.changes))
        found = self._once(
            self.cache_placeable, key, partial(self._rounds, problem, elig, part, value, plain, newly, False)
        )
        if found is None or s in found.unknown or s not in newly:
            return None
        return s in found.witnesses

    def _others_unchanged(self, after: Allocation, s: int) -> bool:
        before = self.allocation
        return all(
            was[:s] == now[:s] and was[s + 1 :] == now[s + 1 :]
            for was, now in (
                (before.school_specialist, after.school_specialist),
                (before.school_group, after.school_group),
            )
        )

    def _choose(self, options: list[_Option], s: int, per_tie: int = 6) -> _Option | None:
        """The option of the highest objective whose optimum can place `s`; among ties,
        fewer displaced, completing a pair, the smaller edit."""
        by_objective: dict[int, list[_Option]] = {}
        for option in options:
            by_objective.setdefault(option.effect.objective, []).append(option)
        for value in sorted(by_objective, reverse=True):
            tied = sorted(by_objective[value], key=self._static_key)[:per_tie]
            placing = (option for option in tied if self._places_at(option, s, value))
            first = next(placing, None)
            if first is None:
                continue
            second = next(placing, None)
            if second is None:
                # The only one: its closest-optimum pass, which only ties need to rank
                # them, waits for the edit finally chosen (a smaller travel limit of the
                # same value may replace this one, `_smallest_travel`).
                return first
            best: tuple[tuple, _Option] | None = None
            for option in itertools.chain((first, second), placing):  # forced only as far as needed
                assert option.forced is not None
                forced = option.forced = self._nearest(option.forced, s)
                key = (len(self._side_effects(forced.allocation, s)[0]), *self._static_key(option))
                if best is None or key < best[0]:
                    best = (key, option)
                if key[0] == 0:
                    break  # sorted by the rest of the key: none after it ranks higher
            if best is not None:
                return best[1]
        return None

    def _places_at(self, option: _Option, s: int, value: int) -> bool:
        """Whether an optimum of the option's edit, of `value`, places `s`."""
        forced = self._forced(option, s)
        return forced is not None and forced.objective == value

    def _static_key(self, option: _Option) -> tuple:
        """Ties after the displaced count: completing a pair (when lone departments are
        priced), then the kind of edit, then the smaller edit."""
        completes = _lone_weight(self.problem) > 0 and any(
            c.kind == "capacity" and c.field == "capacity" and self.dev_load[c.target] == 1 for c in option.changes
        )
        size = sum(float(c.value) for c in option.changes if isinstance(c.value, int | float))
        return (not completes, [KIND_ORDER.index(c.kind) for c in option.changes], size)

    def _smallest_travel(self, chosen: _Option, family: list[tuple[Change, ...]], s: int) -> _Option:
        """The smallest travel limit giving the same objective (larger limits only add
        pairs); `family`: the same edits with travel limits in increasing order."""
        target = chosen.effect.objective
        low, high = 0, len(family) - 1
        while low < high:  # the objective grows with the limit: find the first that reaches target
            mid = (low + high) // 2
            effect = self.effect(family[mid], s)
            if effect is not None and effect.objective >= target:
                high = mid
            else:
                low = mid + 1
        for changes in family[low : low + 3]:
            effect = self.effect(changes, s)
            if effect is None or effect.objective != target:
                continue
            option = _Option(changes, effect)
            forced = self._forced(option, s)
            if forced is not None and forced.objective == target:
                return option
        return chosen

    def _side_effects(self, after: Allocation, s: int) -> tuple[list[int], int]:
        """Schools losing their place, and how many others change specialist or group."""
        before, displaced, moved = self.allocation, [], 0
        for x in range(self.problem.num_schools):
            if x == s:
                continue
            was = (before.school_specialist[x], before.school_group[x])
            now = (after.school_specialist[x], after.school_group[x])
            if was == (None, None) or was == now:
                continue
            if now == (None, None):
                displaced.append(x)
            else:
                moved += 1
        return displaced, moved

    def _tie(self, option: _Option, s: int) -> bool:
        """Whether the edited scenario also has an optimum without s (a re-run may choose
        it): its re-solve left s out, or the part holding s, re-solved with s unable to be
        placed, reaches the same value. An edit of s's own cells changes nothing for the
        others, so there it is a tie exactly when the edit gains nothing."""
        if not self.placed(option.effect.allocation, s):
            return True
        if all(c.kind in SCHOOL_KINDS for c in option.changes):
            return option.effect.objective == self.objective
        known = self._left_out(option, s)
        if known is not None:
            return known
        located = self._part_of(option.changes, s)
        if located is None:
            return False
        problem, elig, parts, part = located
        without = _restricted(elig, problem.num_schools, part.schools, part.groups, (s, set(), set()))
        found = self._search(problem, elig, [without], (), False)
        if found is None:
            return False
        if len(parts) == 1:  # the plain re-solve was of this part alone
            before = sum(self.shares[x] for x in part.schools)
            return self.objective - before + found[0] == option.effect.objective
        plain = self.cache_others.get(_part_key(part, option.changes))
        return plain is not None and found[0] == plain[0]

    def _recommendation(self, s: int, chosen: _Option | None) -> Recommendation:
        if chosen is None:
            return Recommendation(s, "", "none")
        assert chosen.forced is not None
        forced = chosen.forced = self._nearest(chosen.forced, s)
        displaced, moved = self._side_effects(forced.allocation, s)
        delta = forced.objective - self.objective
        what = " and ".join(c.text for c in chosen.changes)
        if len(chosen.changes) == 2:
            what = f"no single change places it; together: {what}"
        elif chosen.changes[0].kind == "pin":
            what += " (no rule needs to change)"
        effect = f"objective {delta:+,} (to {forced.objective:,})"
        if displaced:
            names = "; ".join(named(self.problem, "school", x) for x in displaced)
            effect += f"; {names} would lose {'its' if len(displaced) == 1 else 'their'} place"
        if moved:
            effect += f"; {moved} other school{'s' if moved != 1 else ''} would move"
        tie = chosen.changes[0].kind != "pin" and self._tie(chosen, s)
        if tie:
            # The edit's re-solve found an optimum without s: a re-run may choose it too.
            p, g = forced.allocation.school_specialist[s], forced.allocation.school_group[s]
            specialist = p if Stage(self.problem.schools[s].stage).needs_specialist else None
            pin = pin_change(self.problem, self.files, s, specialist, g if specialist is None else None)
            effect += f"; an allocation as good leaves it out, so a re-run may too: also {pin.text} to be sure"
        kind = chosen.changes[0].kind if len(chosen.changes) == 1 else "two_changes"
        text = f"{what[0].upper()}{what[1:]}: places it, {effect}"
        return Recommendation(
            s, text, kind, forced.objective, delta, chosen.changes, True, tuple(displaced), moved, tie
        )
