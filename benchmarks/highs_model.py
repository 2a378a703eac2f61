"""The allocation model as a MIP for HiGHS (`highspy`, an optional benchmark dependency).

Same variables and constraints as `allocator/model/` (built from
`allocator.problem.eligibility.compute_eligibility`, so the same allowed pairs and integer
objective coefficients), written as one sparse matrix:

    placed[s], support[s,p], member[s,g], runs[g], leads[g,p]   all binary

    rule 1  sum_p support[s,p] = placed[s]          (development, embedding)
            sum_g member[s,g]  = placed[s]          (embedding, sustaining)
    rule 2  sum_{s of stage} support[s,p] <= capacity of that stage
    rule 3  min*runs[g] <= sum_s member[s,g] <= max*runs[g];  runs[g] <= sum_s member[s,g]
            sum_p leads[g,p] = runs[g];  sum_g leads[g,p] <= max_groups[p]
    rule 4  pins fix their variables to 1 (a pin on a pair with no variable: infeasible)

    maximise  sum school_value*placed + sum pair values*support + sum pair values*member

Usage, as the benchmark runs it (in its own process, so wall time and peak memory are its own)::

    python benchmarks/highs_model.py SCENARIO.yml --time-limit 60 --json result.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from allocator.problem.data import ProblemData
from allocator.problem.eligibility import Eligibility, compute_eligibility
from allocator.solving.solution import Allocation

INF = float("inf")


@dataclass
class MipModel:
    """The MIP's arrays and how to read an allocation back from a solution vector."""

    cost: np.ndarray  # objective coefficients (maximised)
    lower: np.ndarray
    upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    rows: np.ndarray  # constraint matrix in coordinate form
    cols: np.ndarray
    values: np.ndarray
    support: np.ndarray  # (k, 2) school, specialist of each support column
    member: np.ndarray  # (k, 2) school, group of each member column
    leads: np.ndarray  # (k, 2) group, specialist of each leads column
    offsets: dict[str, int]  # first column of each variable family

    @property
    def num_cols(self) -> int:
        return len(self.cost)

    @property
    def num_rows(self) -> int:
        return len(self.row_lower)


def build_mip(problem: ProblemData, elig: Eligibility) -> MipModel:
    """The model of `allocator/model/` as arrays (see the module docstring)."""
    num_s, num_g = problem.num_schools, problem.num_groups
    sp, sg = elig.specialist_pairs, elig.group_pairs
    leads = np.array([(g, p) for g in range(num_g) for p in elig.group_leads[g]], dtype=np.int64).reshape(-1, 2)
    o_placed = 0
    o_support = num_s
    o_member = o_support + len(sp)
    o_runs = o_member + len(sg)
    o_leads = o_runs + num_g
    num_cols = o_leads + len(leads)
    cost = np.zeros(num_cols)
    cost[o_placed:o_support] = elig.school_value
    cost[o_support:o_member] = elig.specialist_pair_value
    cost[o_member:o_runs] = elig.group_pair_value
    lower = np.zeros(num_cols)
    upper = np.ones(num_cols)

    r: list[np.ndarray] = []
    c: list[np.ndarray] = []
    v: list[np.ndarray] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    next_row = 0

    def block(row_of: np.ndarray, col: np.ndarray, val: np.ndarray | float) -> None:
        r.append(np.asarray(row_of, dtype=np.int64))
        c.append(np.asarray(col, dtype=np.int64))
        v.append(np.broadcast_to(np.asarray(val, dtype=float), np.shape(row_of)).copy())

    def bounds(n: int, low: np.ndarray | float, high: np.ndarray | float) -> int:
        nonlocal next_row
        lo.append(np.broadcast_to(np.asarray(low, dtype=float), (n,)).copy())
        hi.append(np.broadcast_to(np.asarray(high, dtype=float), (n,)).copy())
        first = next_row
        next_row += n
        return first

    stage = np.array([s.stage for s in problem.schools], dtype=object).reshape(num_s)
    schools = np.arange(num_s)

    # Rule 1: sum support = placed (development, embedding); sum member = placed (emb, sus).
    needs_sp = np.flatnonzero((stage == "development") | (stage == "embedding"))
    first = bounds(len(needs_sp), 0.0, 0.0)
    row_of_school = np.full(num_s, -1)
    row_of_school[needs_sp] = first + np.arange(len(needs_sp))
    block(row_of_school[needs_sp], o_placed + needs_sp, -1.0)
    block(row_of_school[sp[:, 0]], o_support + np.arange(len(sp)), 1.0)
    needs_sg = np.flatnonzero((stage == "embedding") | (stage == "sustaining"))
    first = bounds(len(needs_sg), 0.0, 0.0)
    row_of_school = np.full(num_s, -1)
    row_of_school[needs_sg] = first + np.arange(len(needs_sg))
    block(row_of_school[needs_sg], o_placed + needs_sg, -1.0)
    block(row_of_school[sg[:, 0]], o_member + np.arange(len(sg)), 1.0)
    # A school that needs a specialist (or group) but has no allowed one cannot be placed:
    # the equality rows above already force placed = 0 then.
    del schools

    # Rule 2: capacities per specialist and stage.
    num_p = problem.num_specialists
    for stage_name, attr in (("development", "capacity"), ("embedding", "embedding_capacity")):
        cap = np.array([getattr(p, attr) for p in problem.specialists], dtype=float).reshape(num_p)
        first = bounds(num_p, -INF, cap)
        of_stage = stage[sp[:, 0]] == stage_name if len(sp) else np.zeros(0, dtype=bool)
        cols = np.flatnonzero(of_stage)
        block(first + sp[cols, 1], o_support + cols, 1.0)

    # Rule 3: group size and lead.
    min_s = np.array([g.min_schools for g in problem.work_groups], dtype=float).reshape(num_g)
    max_s = np.array([g.max_schools for g in problem.work_groups], dtype=float).reshape(num_g)
    member_cols = o_member + np.arange(len(sg))
    runs_cols = o_runs + np.arange(num_g)
    first = bounds(num_g, -INF, 0.0)  # size - max*runs <= 0
    block(first + sg[:, 1], member_cols, 1.0)
    block(first + np.arange(num_g), runs_cols, -max_s)
    first = bounds(num_g, 0.0, INF)  # size - min*runs >= 0
    block(first + sg[:, 1], member_cols, 1.0)
    block(first + np.arange(num_g), runs_cols, -min_s)
    first = bounds(num_g, 0.0, INF)  # size - runs >= 0 (runs only with a school)
    block(first + sg[:, 1], member_cols, 1.0)
    block(first + np.arange(num_g), runs_cols, -1.0)
    first = bounds(num_g, 0.0, 0.0)  # sum leads = runs
    block(first + leads[:, 0], o_leads + np.arange(len(leads)), 1.0)
    block(first + np.arange(num_g), runs_cols, -1.0)
    max_groups = np.array([p.max_groups for p in problem.specialists], dtype=float).reshape(num_p)
    first = bounds(num_p, -INF, max_groups)  # sum_g leads[g,p] <= max_groups
    block(first + leads[:, 1], o_leads + np.arange(len(leads)), 1.0)

    # Rule 4: pins.
    sp_col = {(int(s), int(p)): o_support + k for k, (s, p) in enumerate(sp.tolist())}
    sg_col = {(int(s), int(g)): o_member + k for k, (s, g) in enumerate(sg.tolist())}
    for pin in problem.pins:
        lower[o_placed + pin.school_idx] = 1.0
        pairs = []
        if pin.specialist_idx is not None:
            pairs.append(sp_col.get((pin.school_idx, pin.specialist_idx)))
        if pin.group_idx is not None:
            pairs.append(sg_col.get((pin.school_idx, pin.group_idx)))
        for col in pairs:
            if col is None:
                upper[o_placed + pin.school_idx] = 0.0  # lower 1 > upper 0: infeasible
            else:
                lower[col] = 1.0

    rows = np.concatenate(r) if r else np.zeros(0, dtype=np.int64)
    cols = np.concatenate(c) if c else np.zeros(0, dtype=np.int64)
    values = np.concatenate(v) if v else np.zeros(0)
    keep = rows >= 0
    return MipModel(
        cost=cost,
        lower=lower,
        upper=upper,
        row_lower=np.concatenate(lo) if lo else np.zeros(0),
        row_upper=np.concatenate(hi) if hi else np.zeros(0),
        rows=rows[keep],
        cols=cols[keep],
        values=values[keep],
        support=sp,
        member=sg,
        leads=leads,
        offsets={"placed": o_placed, "support": o_support, "member": o_member, "runs": o_runs, "leads": o_leads},
    )


def read_allocation(problem: ProblemData, mip: MipModel, x: np.ndarray) -> Allocation:
    """The allocation of a 0/1 solution vector."""
    on = np.asarray(x) > 0.5
    school_specialist: list[int | None] = [None] * problem.num_schools
    school_group: list[int | None] = [None] * problem.num_schools
    group_lead: list[int | None] = [None] * problem.num_groups
    o = mip.offsets
    for k in np.flatnonzero(on[o["support"] : o["member"]]).tolist():
        s, p = mip.support[k]
        school_specialist[int(s)] = int(p)
    for k in np.flatnonzero(on[o["member"] : o["runs"]]).tolist():
        s, g = mip.member[k]
        school_group[int(s)] = int(g)
    for k in np.flatnonzero(on[o["leads"] :]).tolist():
        g, p = mip.leads[k]
        group_lead[int(g)] = int(p)
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


def solve_highs(
    problem: ProblemData,
    elig: Eligibility | None = None,
    *,
    time_limit_s: float = 60.0,
    threads: int = 0,
) -> HighsResult:
    """Solve the MIP with HiGHS to proven optimality (zero gap) or the time limit."""
    import highspy

    t0 = time.perf_counter()
    elig = elig if elig is not None else compute_eligibility(problem)
    mip = build_mip(problem, elig)
    lp = highspy.HighsLp()
    lp.num_col_ = mip.num_cols
    lp.num_row_ = mip.num_rows
    lp.col_cost_ = mip.cost
    lp.col_lower_ = mip.lower
    lp.col_upper_ = mip.upper
    lp.row_lower_ = mip.row_lower
    lp.row_upper_ = mip.row_upper
    lp.sense_ = highspy.ObjSense.kMaximize
    # Column-wise (CSC) matrix.
    order = np.lexsort((mip.rows, mip.cols))
    counts = np.bincount(mip.cols, minlength=mip.num_cols)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = mip.num_cols
    lp.a_matrix_.num_row_ = mip.num_rows
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    lp.a_matrix_.index_ = mip.rows[order].astype(np.int32)
    lp.a_matrix_.value_ = mip.values[order]
    lp.integrality_ = [highspy.HighsVarType.kInteger] * mip.num_cols
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    # Integer objective: an absolute gap below 1 is a proof of optimality, as CP-SAT's.
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.999)
    if threads:
        h.setOptionValue("threads", int(threads))
    h.passModel(lp)
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    h.run()
    solve_s = time.perf_counter() - t1
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
    allocation = objective = bound = gap = None
    if has_solution:
        x = np.array(h.getSolution().col_value)
        allocation = read_allocation(problem, mip, x)
        objective = int(round(info.objective_function_value))
        bound = float(info.mip_dual_bound)
        gap = 0.0 if name == "OPTIMAL" else max(0.0, (bound - objective) / max(1, abs(objective)))
    version = f"{h.version()}" if hasattr(h, "version") else highspy.__name__
    return HighsResult(name, objective, bound, gap, build, solve_s, allocation, version)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="write the result here")
    args = parser.parse_args(argv)

    from allocator.check import check_allocation
    from allocator.inputs.load import load

    t0 = time.perf_counter()
    problem = load(args.scenario).problem
    load_s = time.perf_counter() - t0
    result = solve_highs(problem, time_limit_s=args.time_limit, threads=args.threads)
    out: dict[str, object] = {
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
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
    text = json.dumps(out)
    if args.json is not None:
        args.json.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
