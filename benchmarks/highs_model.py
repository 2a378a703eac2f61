"""The allocation model as a MIP for HiGHS (`highspy`, an optional benchmark dependency).

The same variables, constraints and objective as `allocator/model/` (variables.py,
constraints.py, objective.py, in cpmodel.py's order), built from
`allocator.problem.eligibility.compute_eligibility`, so the same allowed pairs, possible
leads and integer objective coefficients (never recomputed here)::

    placed[s], support[s,p], member[s,g], runs[g], leads[g,p]      binary
    venue_member[s,g,p]  s joins g, which meets at its chosen lead p  binary
    lone[p], pair[p]     binary; more[p] integer 0..n-2               (development pairs)
    kept[s]              binary, for a re-run's embedding school held in both pairs

    rule 1  development: sum_p support[s,p] + sum_g member[s,g] = placed[s]
            embedding:   sum_p support[s,p] = placed[s];  sum_g member[s,g] = placed[s]
            sustaining:  sum_g member[s,g] = placed[s]
    rule 2  sum_{s of stage} support[s,p] <= that stage's capacity (when it can bind)
    rule 3  min*runs[g] <= sum_s member[s,g] <= max*runs[g];  runs[g] <= sum_s member[s,g]
            (runs[g] = 0 when nobody may join);  sum_p leads[g,p] = runs[g]
            sum_g leads[g,p] <= max_groups[p] (when it can bind)
    venue   a group meeting at its chosen lead: sum_p venue_member[s,g,p] = member[s,g],
            venue_member[s,g,p] <= leads[g,p]; member[s,g] = 0 when no lead is near enough
    pairs   for an available specialist with development capacity >= 2 and any
            development pair (only when lone_department > 0 or whole_pairs), with n the
            most development schools they could take (min of pairs and capacity):
            n < 2: lone = load;  else load = lone + 2 pair + more, lone + pair <= 1,
            more <= (n-2) pair;  whole_pairs: lone = 0
    rule 4  pins fix their variables to 1 (a pin on a pair with no variable: infeasible)
    keep    kept[s] <= each held pair,  kept[s] >= sum held pairs - 1

    maximise  sum school_value placed + sum pair values support + sum pair values member
              + sum triple values venue_member + sum lead values leads
              - lone_department sum lone + keep sum kept

By default it solves one connected part at a time (`allocator.solving.components`, as
`allocator` does); `--whole` solves the whole instance as one MIP.

Usage, as the benchmark runs it (in its own process, so wall time and peak memory are its own)::

    python benchmarks/highs_model.py SCENARIO.yml --time-limit 60 --json result.json
    python benchmarks/highs_model.py SCENARIO.yml --whole --summary OUT/summary.json
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # run from a checkout without installing

from allocator.problem.data import SUPPORTED_STAGES, ProblemData, Stage  # noqa: E402
from allocator.problem.eligibility import Eligibility, compute_eligibility  # noqa: E402
from allocator.problem.rules import may_be_lone, meets_at_chosen_lead  # noqa: E402
from allocator.solving.components import components  # noqa: E402
from allocator.solving.solution import Allocation  # noqa: E402

INF = float("inf")


@dataclass
class MipModel:
    """The MIP's arrays (row-wise matrix) and how to read an allocation back."""

    cost: list[float] = field(default_factory=list)  # objective coefficients (maximised)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    starts: list[int] = field(default_factory=lambda: [0])  # CSR: row k is index[starts[k]:starts[k+1]]
    index: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    support: dict[tuple[int, int], int] = field(default_factory=dict)  # (s, p) -> column
    member: dict[tuple[int, int], int] = field(default_factory=dict)  # (s, g) -> column
    leads: dict[tuple[int, int], int] = field(default_factory=dict)  # (g, p) -> column
    infeasible: bool = False  # a pin on a pair that has no variable

    @property
    def num_cols(self) -> int:
        return len(self.cost)

    @property
    def num_rows(self) -> int:
        return len(self.row_lower)

    def col(self, cost: float = 0.0, upper: float = 1.0) -> int:
        """A new integer column in 0..upper."""
        self.cost.append(float(cost))
        self.lower.append(0.0)
        self.upper.append(float(upper))
        return len(self.cost) - 1

    def row(self, terms: Iterable[tuple[int, float]], low: float, high: float) -> None:
        """low <= sum coef * column <= high (each column at most once)."""
        for col, coef in terms:
            self.index.append(col)
            self.value.append(float(coef))
        self.starts.append(len(self.index))
        self.row_lower.append(float(low))
        self.row_upper.append(float(high))


@dataclass
class _Vars:
    """Column indices of each variable family, keyed as in `allocator.model.variables`."""

    placed: dict[int, int] = field(default_factory=dict)
    runs: dict[int, int] = field(default_factory=dict)
    venue_member: dict[tuple[int, int, int], int] = field(default_factory=dict)
    kept: dict[int, int] = field(default_factory=dict)
    school2support: dict[int, list[int]] = field(default_factory=dict)
    specialist2support: dict[int, list[int]] = field(default_factory=dict)
    school2member: dict[int, list[int]] = field(default_factory=dict)
    group2member: dict[int, list[int]] = field(default_factory=dict)
    specialist2leads: dict[int, list[int]] = field(default_factory=dict)
    group2leads: dict[int, list[int]] = field(default_factory=dict)
    member2venue: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    at_lead_groups: set[int] = field(default_factory=set)


def _columns(
    m: MipModel, problem: ProblemData, elig: Eligibility, schools: Iterable[int], groups: Iterable[int]
) -> _Vars:
    """`Variables.create`: placed, support, member, runs, leads and venue_member columns,
    each with its objective coefficient (placement, support, membership, lead and venue
    member terms)."""
    v = _Vars()
    for s in schools:
        v.placed[s] = m.col(int(elig.school_value[s]))
        v.school2support[s] = []
        v.school2member[s] = []
    for (s, p), value in zip(elig.specialist_pairs.tolist(), elig.specialist_pair_value.tolist(), strict=True):
        m.support[s, p] = m.col(value)
        v.school2support[s].append(p)
        v.specialist2support.setdefault(p, []).append(s)
    for (s, g), value in zip(elig.group_pairs.tolist(), elig.group_pair_value.tolist(), strict=True):
        m.member[s, g] = m.col(value)
        v.school2member[s].append(g)
        v.group2member.setdefault(g, []).append(s)
    for g in groups:
        v.runs[g] = m.col(0)
        if meets_at_chosen_lead(problem.work_groups[g]):
            v.at_lead_groups.add(g)
        v.group2leads[g] = list(elig.group_leads[g])
        for p, value in zip(elig.group_leads[g], elig.lead_value[g], strict=True):
            m.leads[g, p] = m.col(value)
            v.specialist2leads.setdefault(p, []).append(g)
    for (s, g, p), value in zip(elig.venue_triples.tolist(), elig.venue_triple_value.tolist(), strict=True):
        if (s, g) in m.member and (g, p) in m.leads:
            v.venue_member[s, g, p] = m.col(value)
            v.member2venue.setdefault((s, g), []).append(p)
    return v


def _kept(m: MipModel, elig: Eligibility, v: _Vars) -> None:
    """`add_kept` and `keep_terms`: +keep on the held pair, or on a new `kept` column equal
    to both held pairs of an embedding school."""
    if elig.keep_value == 0:
        return
    for s, p, g in elig.keep_targets:
        if s not in v.placed:
            continue  # another part's school
        pairs: list[int | None] = []
        if p is not None:
            pairs.append(m.support.get((s, p)))
        if g is not None:
            pairs.append(m.member.get((s, g)))
        if not pairs or any(col is None for col in pairs):
            continue
        held = [col for col in pairs if col is not None]
        if len(held) == 1:
            v.kept[s] = held[0]
            continue
        both = m.col(0)
        for col in held:
            m.row([(both, 1), (col, -1)], -INF, 0)  # both -> each held pair
        m.row([(both, 1)] + [(col, -1) for col in held], 1 - len(held), INF)  # all held -> both
        v.kept[s] = both
    for col in v.kept.values():
        m.cost[col] += elig.keep_value


def _whole_placement(m: MipModel, problem: ProblemData, v: _Vars) -> None:
    """Rule 1 (`add_whole_placement`)."""
    for s, placed in v.placed.items():
        stage = Stage(problem.schools[s].stage)
        supports = [(m.support[s, p], 1) for p in v.school2support[s]]
        members = [(m.member[s, g], 1) for g in v.school2member[s]]
        if stage is Stage.DEVELOPMENT:
            m.row([*supports, *members, (placed, -1)], 0, 0)
            continue
        if stage.needs_specialist:
            m.row([*supports, (placed, -1)], 0, 0)
        if stage.needs_group:
            m.row([*members, (placed, -1)], 0, 0)


def _capacity(m: MipModel, problem: ProblemData, v: _Vars) -> None:
    """Rule 2 (`add_specialist_capacity`)."""
    for p, schools in v.specialist2support.items():
        specialist = problem.specialists[p]
        for stage in SUPPORTED_STAGES:
            capacity = specialist.capacity_for(stage)
            supported = [m.support[s, p] for s in schools if problem.schools[s].stage == stage]
            if len(supported) > capacity:
                m.row([(col, 1) for col in supported], -INF, capacity)


def _groups(m: MipModel, problem: ProblemData, v: _Vars) -> None:
    """Rule 3 (`add_group_size_and_lead`, `add_lead_limit`)."""
    for g, runs in v.runs.items():
        group = problem.work_groups[g]
        members = [(m.member[s, g], 1) for s in v.group2member.get(g, [])]
        if not members:
            m.upper[runs] = 0.0
        else:
            m.row([*members, (runs, -group.max_schools)], -INF, 0)
            m.row([*members, (runs, -group.min_schools)], 0, INF)
            m.row([*members, (runs, -1)], 0, INF)  # runs only with a school
        m.row([(m.leads[g, p], 1) for p in v.group2leads[g]] + [(runs, -1)], 0, 0)
    for p, groups in v.specialist2leads.items():
        limit = problem.specialists[p].max_groups
        if len(groups) > limit:
            m.row([(m.leads[g, p], 1) for g in groups], -INF, limit)


def _venue_at_lead(m: MipModel, v: _Vars) -> None:
    """`add_venue_at_lead`: each member of a group meeting at its chosen lead meets at
    exactly that lead, one within its travel limit."""
    for (s, g), col in m.member.items():
        leads = v.member2venue.get((s, g))
        if leads is None:
            if g in v.at_lead_groups:
                m.upper[col] = 0.0  # no possible lead within the school's limit
            continue
        m.row([(v.venue_member[s, g, p], 1) for p in leads] + [(col, -1)], 0, 0)
        for p in leads:
            m.row([(v.venue_member[s, g, p], 1), (m.leads[g, p], -1)], -INF, 0)


def _development_pairs(m: MipModel, problem: ProblemData, elig: Eligibility, v: _Vars) -> None:
    """`add_development_pairs` and `lone_terms`: lone[p] = 1 exactly when p's development
    load is 1, costing lone_department; with whole_pairs it is 0."""
    if elig.lone_department == 0 and not elig.whole_pairs:
        return
    for p, schools in v.specialist2support.items():
        specialist = problem.specialists[p]
        if not may_be_lone(specialist):
            continue
        load = [(m.support[s, p], 1) for s in schools if problem.schools[s].stage == Stage.DEVELOPMENT]
        if not load:
            continue
        n = min(len(load), specialist.capacity)
        lone = m.col(-elig.lone_department)
        if n < 2:
            m.row([*load, (lone, -1)], 0, 0)
        else:
            pair = m.col(0)
            m.row([(lone, 1), (pair, 1)], -INF, 1)
            if n > 2:
                more = m.col(0, upper=n - 2)
                m.row([(more, 1), (pair, -(n - 2))], -INF, 0)
                m.row([*load, (lone, -1), (pair, -2), (more, -1)], 0, 0)
            else:
                m.row([*load, (lone, -1), (pair, -2)], 0, 0)
        if elig.whole_pairs:
            m.upper[lone] = 0.0


def _pins(m: MipModel, problem: ProblemData, v: _Vars) -> None:
    """Rule 4 (`add_pins`): a pin on a pair without a column makes the model infeasible."""
    for pin in problem.pins:
        if pin.school_idx not in v.placed:
            continue  # another part's pin
        m.lower[v.placed[pin.school_idx]] = 1.0
        targets = []
        if pin.specialist_idx is not None:
            targets.append(m.support.get((pin.school_idx, pin.specialist_idx)))
        if pin.group_idx is not None:
            targets.append(m.member.get((pin.school_idx, pin.group_idx)))
        for col in targets:
            if col is None:
                m.infeasible = True
            else:
                m.lower[col] = 1.0


def build_mip(
    problem: ProblemData,
    elig: Eligibility,
    schools: list[int] | None = None,
    groups: list[int] | None = None,
) -> MipModel:
    """The model of `allocator/model/` for these schools and groups (default: all), whose
    pairs `elig` holds (a part's eligibility, see `allocator.solving.components`)."""
    m = MipModel()
    v = _columns(
        m,
        problem,
        elig,
        range(problem.num_schools) if schools is None else schools,
        range(problem.num_groups) if groups is None else groups,
    )
    _kept(m, elig, v)
    _whole_placement(m, problem, v)
    _capacity(m, problem, v)
    _groups(m, problem, v)
    _venue_at_lead(m, v)
    _development_pairs(m, problem, elig, v)
    _pins(m, problem, v)
    return m


def read_allocation(problem: ProblemData, mips: Iterable[tuple[MipModel, np.ndarray]]) -> Allocation:
    """The allocation of 0/1 solution vectors of one or more parts' MIPs."""
    school_specialist: list[int | None] = [None] * problem.num_schools
    school_group: list[int | None] = [None] * problem.num_schools
    group_lead: list[int | None] = [None] * problem.num_groups
    for mip, x in mips:
        for (s, p), col in mip.support.items():
            if x[col] > 0.5:
                school_specialist[s] = p
        for (s, g), col in mip.member.items():
            if x[col] > 0.5:
                school_group[s] = g
        for (g, p), col in mip.leads.items():
            if x[col] > 0.5:
                group_lead[g] = p
    return Allocation(tuple(school_specialist), tuple(school_group), tuple(group_lead))


@dataclass
class HighsResult:
    status: str  # OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN
    objective: int | None
    bound: float | None
    gap: float | None
    build_seconds: float
    solve_seconds: float
    allocation: Allocation | None
    version: str
    mode: str = "parts"  # "parts" (one connected part at a time) or "whole"
    parts: int = 1


@dataclass
class _PartResult:
    status: str
    objective: int | None  # of the rounded solution, exactly (integer coefficients)
    bound: float | None
    x: np.ndarray | None


def _solve_mip(h, mip: MipModel, time_limit_s: float) -> _PartResult:
    """Solve one MIP with `h` (a `highspy.Highs`, options set) to proven optimality."""
    import highspy

    if mip.infeasible:
        return _PartResult("INFEASIBLE", None, None, None)
    lp = highspy.HighsLp()
    lp.num_col_ = mip.num_cols
    lp.num_row_ = mip.num_rows
    lp.col_cost_ = np.asarray(mip.cost)
    lp.col_lower_ = np.asarray(mip.lower)
    lp.col_upper_ = np.asarray(mip.upper)
    lp.row_lower_ = np.asarray(mip.row_lower)
    lp.row_upper_ = np.asarray(mip.row_upper)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = mip.num_cols
    lp.a_matrix_.num_row_ = mip.num_rows
    lp.a_matrix_.start_ = np.asarray(mip.starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(mip.index, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(mip.value)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * mip.num_cols
    h.clearModel()
    h.setOptionValue("time_limit", float(max(0.01, time_limit_s)))
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    ms = highspy.HighsModelStatus
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if status == ms.kOptimal:
        name = "OPTIMAL"
    elif status == ms.kInfeasible:
        name = "INFEASIBLE"
    else:
        name = "FEASIBLE" if has_solution else "UNKNOWN"
    if not has_solution:
        return _PartResult(name, None, None, None)
    x = np.round(np.array(h.getSolution().col_value))
    objective = int(round(float(np.dot(np.asarray(mip.cost), x))))
    return _PartResult(name, objective, float(info.mip_dual_bound), x)


def _overall(statuses: list[str]) -> str:
    if "INFEASIBLE" in statuses:
        return "INFEASIBLE"
    if "UNKNOWN" in statuses:
        return "UNKNOWN"
    return "OPTIMAL" if all(s == "OPTIMAL" for s in statuses) else "FEASIBLE"


def solve_highs(
    problem: ProblemData,
    elig: Eligibility | None = None,
    *,
    time_limit_s: float = 60.0,
    threads: int = 0,
    by_parts: bool = True,
) -> HighsResult:
    """Solve the MIP with HiGHS to proven optimality (zero gap) or the time limit.

    `by_parts`: one MIP per connected part (`allocator.solving.components`), each given
    the time left, as `allocator` solves; else one MIP of the whole instance.
    """
    import highspy

    start = time.perf_counter()
    elig = elig if elig is not None else compute_eligibility(problem)
    jobs: list[tuple[Eligibility, list[int] | None, list[int] | None]]
    if by_parts:
        parts = components(problem, elig)
        jobs = [(part.eligibility, part.schools, part.groups) for part in parts]
        covered = {s for part in parts for s in part.schools}
        # A pin on a school with no allowed pair is in no part: infeasible, as in `search`.
        pinned_outside = any(pin.school_idx not in covered for pin in problem.pins)
    else:
        jobs = [(elig, None, None)]
        pinned_outside = False
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    # Integer objective: an absolute gap below 1 is a proof of optimality, as CP-SAT's.
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.999)
    if threads:
        h.setOptionValue("threads", int(threads))
    version = f"{h.version()}" if hasattr(h, "version") else highspy.__name__
    build_s = time.perf_counter() - start
    solve_s = 0.0
    results: list[tuple[MipModel, _PartResult]] = []
    for part_elig, schools, groups in [] if pinned_outside else jobs:
        t0 = time.perf_counter()
        mip = build_mip(problem, part_elig, schools, groups)
        t1 = time.perf_counter()
        part = _solve_mip(h, mip, time_limit_s - (t1 - start))
        solve_s += time.perf_counter() - t1
        build_s += t1 - t0
        results.append((mip, part))
        if part.status in ("INFEASIBLE", "UNKNOWN"):
            break
    mode, num_parts = ("parts" if by_parts else "whole"), len(jobs)
    status = "INFEASIBLE" if pinned_outside else _overall([part.status for _, part in results])
    if status in ("INFEASIBLE", "UNKNOWN"):
        return HighsResult(status, None, None, None, build_s, solve_s, None, version, mode, num_parts)
    objective = sum(part.objective or 0 for _, part in results)
    bound = float(sum(part.bound or 0.0 for _, part in results))
    gap = 0.0 if status == "OPTIMAL" else max(0.0, (bound - objective) / max(1, abs(objective)))
    allocation = read_allocation(problem, ((mip, part.x) for mip, part in results if part.x is not None))
    return HighsResult(status, objective, bound, gap, build_s, solve_s, allocation, version, mode, num_parts)


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--whole", action="store_true", help="one MIP of the whole instance (default: by part)")
    parser.add_argument("--locations", default=None, help="as allocate's --locations (default: the scenario's)")
    parser.add_argument("--summary", type=Path, default=None, help="allocator's summary.json, to compare objectives")
    parser.add_argument("--json", type=Path, default=None, help="write the result here")
    args = parser.parse_args(argv)

    from allocator.check import check_allocation
    from allocator.inputs.load import load

    t0 = time.perf_counter()
    problem = load(args.scenario, locations=args.locations).problem
    load_s = time.perf_counter() - t0
    result = solve_highs(problem, time_limit_s=args.time_limit, threads=args.threads, by_parts=not args.whole)
    out: dict[str, object] = {
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "mode": result.mode,
        "parts": result.parts,
        "load_seconds": load_s,
        "build_seconds": result.build_seconds,
        "solve_seconds": result.solve_seconds,
        "version": result.version,
    }
    if result.allocation is not None:
        report = check_allocation(problem, result.allocation)
        out["violations"] = list(report.violations)
        out["checked_objective"] = report.objective
        out["allocation"] = {
            "school_specialist": list(result.allocation.school_specialist),
            "school_group": list(result.allocation.school_group),
            "group_lead": list(result.allocation.group_lead),
        }
    if args.summary is not None:
        theirs = json.loads(args.summary.read_text(encoding="utf-8"))
        out["allocator_status"], out["allocator_objective"] = theirs.get("status"), theirs.get("objective")
        out["agrees"] = out["allocator_objective"] == result.objective
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # From main's start (the interpreter's start-up and imports before it are not included;
    # the benchmark measures the whole child process).
    out["wall_seconds"] = time.perf_counter() - started
    out["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    text = json.dumps(out)
    if args.json is not None:
        args.json.write_text(text, encoding="utf-8")
    else:
        summary = {k: out[k] for k in out if k != "allocation"}
        sys.stdout.write(json.dumps(summary) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
