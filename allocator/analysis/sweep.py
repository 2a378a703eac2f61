"""Sweeps: solve every combination of some settings, in parallel, and tabulate key figures.

``allocate sweep SCENARIO.yml --vary weights.travel_per_km=0,1,2,5 --vary
rules.max_travel_km=40,60,80`` solves the 12 variants in worker processes and writes
one row of key figures per variant. From Python, `run_sweep` takes the same settings as a
dict and any `concurrent.futures.Executor`.

How the machine's cores are shared between parallel solves (``--jobs``) and CP-SAT's
own workers within each solve (``--workers``) is decided by `plan_parallelism`; the
measurements behind its rule are in its docstring. In a script (not a notebook), call
`run_sweep` with ``jobs`` above 1 under ``if __name__ == "__main__":``, as Python
requires wherever worker processes are started fresh.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import click
import pandas as pd

from allocator.analysis.api import Scenario, allocate
from allocator.cli.options import locations_option, out_dir_option, quiet_option, seed_option, workers_option
from allocator.problem.data import ProblemData
from allocator.problem.variants import VariantError, parse_vary


def available_cores() -> int:
    """Cores this process may run on (the affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def plan_parallelism(
    num_variants: int,
    jobs: int | None = None,
    workers: int | None = None,
    cores: int | None = None,
    min_workers: int = 8,
) -> tuple[int, int]:
    """How many solves run at once (jobs) and how many CP-SAT workers each gets.

    Rule: every solve keeps at least `min_workers` CP-SAT workers (the scenario's
    ``solver.workers``, 8 by default), and solves run side by side only when the
    cores allow that many workers each: jobs = cores // min_workers (at least 1, at
    most the number of variants), workers = max(min_workers, cores // jobs). On a
    2-core machine that is one solve at a time with 8 workers, in this process.

    Why, measured on the project's 2-core machine (issue 6). Demo: ``allocate sweep
    scenarios/demo/scenario.yml --vary weights.travel_per_km=0,1,2,5 --vary
    rules.max_travel_km=40,60,80`` (12 variants; wall seconds of three interleaved
    rounds). Region: a generated 5-hub scenario of 501 schools (``allocate generate
    region --seed 1``), ``--vary weights.travel_per_km=1,5 --vary
    rules.max_travel_km=40,80 --time-limit 30`` (4 variants)::

        jobs x workers   demo (s)           region
        1 x 8            3.6, 2.9, 2.9      19.6 s, 19.4 s; all proven optimal
        2 x 8            7.6, 5.5, 4.9      24.2 s, 18.7 s; all proven optimal
        1 x 2            7.6, 6.8, 5.6      95.7 s; 2 of 4 not proven, mean gap 1.4 %
        2 x 1            10.5, 7.4, 5.9     49.1 s; 2 of 4 not proven, mean gap 1.4 %
        2 x 2            11.4, 10.0, 7.9    54.8 s; 2 of 4 not proven, mean gap 1.4 %
        2 x 4            17.1, 15.6, 11.9   65.7 s; none proven, mean gap 2.6 %,
                                            objectives 2 % below the optimum

    CP-SAT's portfolio with 8 workers proves optima that 1, 2 or 4 workers do not
    prove within the limit (so splitting 2 cores into small solves loses answers,
    not just time), and two 8-worker solves side by side on 2 cores gain nothing on
    the region and lose on the demo (process start-up, contention). The machine was
    shared with other work during these runs (load average 6 to 12), so absolute
    times are pessimistic; the ranking held in every round.

    Parameters
    ----------
    num_variants
        How many solves the sweep runs.
    jobs, workers
        Explicit choices (None: decided here); an explicit `jobs` still gets
        max(min_workers, cores // jobs) workers each.
    cores
        Cores available (default: this process's).
    min_workers
        The fewest CP-SAT workers a solve gets by default.

    Returns
    -------
    tuple of int
        (jobs, workers per job).
    """
    cores = cores or available_cores()
    min_workers = max(1, min_workers)
    if jobs is None:
        jobs = max(1, min(num_variants, cores // min_workers))
    if workers is None:
        workers = max(min_workers, cores // jobs)
    return jobs, workers


def grid(vary: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the settings' values, the last setting varying fastest."""
    paths = list(vary)
    for path in paths:
        if isinstance(vary[path], str) or not isinstance(vary[path], Sequence):
            raise VariantError([f"{path}: give a list of values"])
        if not vary[path]:
            raise VariantError([f"{path}: lists no values"])
    return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*vary.values())]


def _solve_variant(problem: ProblemData, locations_level: str, num_ranks: int) -> dict[str, Any]:
    """Solve one variant (in a worker process) and return its key figures."""
    started = time.perf_counter()
    outcome = allocate(Scenario(problem, locations_level=locations_level), recommendations=False)
    figures = outcome.key_figures(num_ranks)
    figures["wall_seconds"] = round(time.perf_counter() - started, 3)
    if outcome.conflicts:
        figures["note"] = " ".join(outcome.conflicts)
    return figures


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return value


def default_executor(jobs: int) -> ProcessPoolExecutor:
    """Worker processes started fresh (forkserver where the OS has it, else spawn), so that
    no solver thread of the calling process is copied into them."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method))


def run_sweep(
    scenario: Scenario,
    vary: Mapping[str, Sequence[Any]],
    *,
    executor: Executor | None = None,
    jobs: int | None = None,
    workers: int | None = None,
    time_limit_s: float | None = None,
    seed: int | None = None,
    on_result: Callable[[int, dict[str, Any]], None] | None = None,
) -> pd.DataFrame:
    """Solve every combination of `vary` and tabulate each variant's key figures.

    Parameters
    ----------
    scenario
        The base scenario.
    vary
        Dotted settings and their values, e.g. ``{"weights.travel_per_km": [0, 1, 2],
        "rules.max_travel_km": [40, 60]}`` (see `allocator.problem.variants.setting_kind`).
    executor
        Where to run the solves: any `concurrent.futures.Executor` (it is not shut
        down). Default: `jobs` worker processes, or this process when `jobs` is 1.
    jobs, workers
        Parallel solves and CP-SAT workers per solve (default: `plan_parallelism`,
        which on a 2-core machine means one solve at a time with 8 workers: measured
        fastest there). A ``solver.workers`` setting in `vary` overrides `workers` for
        its variants.
    time_limit_s, seed
        Override the scenario's solver settings for every variant.
    on_result
        Called in this process as each variant finishes, with its number (1-based)
        and its row.

    Returns
    -------
    pandas.DataFrame
        One row per variant (index ``variant``, from 1): the varied settings, then
        `Outcome.key_figures` (status, objective, placed by stage, km, focus ranks,
        objective terms, seconds) and ``wall_seconds``. ``attrs`` holds ``jobs``,
        ``workers`` and the sweep's ``wall_seconds``.

    Raises
    ------
    VariantError
        Before anything is solved, when any variant is invalid.
    """
    combos = grid(vary)
    if executor is not None and jobs is None:
        jobs = getattr(executor, "_max_workers", None)
    jobs, workers = plan_parallelism(len(combos), jobs, workers, min_workers=scenario.problem.solver.workers)
    base = scenario.with_solver(time_limit_s=time_limit_s, seed=seed, workers=workers)
    problems = [base.vary(combo).problem for combo in combos]  # every variant checked first
    num_ranks = len(scenario.problem.foci)
    started = time.perf_counter()
    results: dict[int, dict[str, Any]] = {}

    def record(number: int, figures: dict[str, Any]) -> None:
        row = {path: _cell(value) for path, value in combos[number - 1].items()}
        row.update(figures)
        results[number] = row
        if on_result is not None:
            on_result(number, row)

    _solve_all(problems, scenario.locations_level, num_ranks, executor, jobs, record)
    frame = pd.DataFrame(
        [results[n] for n in sorted(results)], index=pd.RangeIndex(1, len(results) + 1, name="variant")
    )
    frame.attrs.update(jobs=jobs, workers=workers, wall_seconds=round(time.perf_counter() - started, 3))
    return frame


def _solve_all(
    problems: list[ProblemData],
    locations_level: str,
    num_ranks: int,
    executor: Executor | None,
    jobs: int,
    record: Callable[[int, dict[str, Any]], None],
) -> None:
    """Solve each variant, here or in `executor`, and `record` its number and figures as it ends."""
    if executor is None and jobs == 1:
        for number, problem in enumerate(problems, start=1):
            record(number, _solve_variant(problem, locations_level, num_ranks))
        return
    own = executor is None
    pool = default_executor(jobs) if executor is None else executor
    try:
        futures: dict[Future[dict[str, Any]], int] = {
            pool.submit(_solve_variant, problem, locations_level, num_ranks): number
            for number, problem in enumerate(problems, start=1)
        }
        for future in as_completed(futures):
            record(futures[future], future.result())
    finally:
        if own:
            pool.shutdown(cancel_futures=True)


def pareto_front(
    frame: pd.DataFrame,
    *,
    minimize: Sequence[str] = (),
    maximize: Sequence[str] = (),
) -> pd.Series:
    """Which rows no other row beats: as good on every column and better on one.

    Parameters
    ----------
    frame
        E.g. a sweep's table.
    minimize, maximize
        Columns where less (more) is better; rows with a missing value are never on
        the front.

    Returns
    -------
    pandas.Series of bool
        True for the rows on the Pareto front, aligned with `frame`.
    """
    columns = [*minimize, *maximize]
    if not columns:
        raise ValueError("name at least one column to minimize or maximize")
    values = frame[columns].apply(pd.to_numeric, errors="coerce")
    signs = [1.0] * len(minimize) + [-1.0] * len(maximize)
    costs = (values * signs).to_numpy(dtype=float)
    complete = ~pd.isna(costs).any(axis=1)
    on_front = []
    for i in range(len(costs)):
        if not complete[i]:
            on_front.append(False)
            continue
        beaten = False
        for j in range(len(costs)):
            if j == i or not complete[j]:
                continue
            if (costs[j] <= costs[i]).all() and (costs[j] < costs[i]).any():
                beaten = True
                break
        on_front.append(not beaten)
    return pd.Series(on_front, index=frame.index, name="pareto")


SHOWN = [
    "status",
    "objective",
    "placed",
    "placed_development",
    "placed_embedding",
    "placed_sustaining",
    "total_km",
    "mean_km",
    "focus_rank_1",
    "seconds",
]


@click.command("sweep")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--vary",
    "vary_options",
    multiple=True,
    required=True,
    metavar="SETTING=V1,V2,...",
    help="A setting and its values, e.g. weights.travel_per_km=0,1,2,5 (repeat for a "
    "grid; lists inside a value use ';', e.g. rules.available_cohorts=1;2;3,1;2;3;4).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Solves run at once, in worker processes (default: cores / 8, at least 1: "
    "one at a time on a 2-core machine, where that is fastest).",
)
@workers_option("CP-SAT workers per solve (default: cores / jobs, at least the scenario's solver.workers, 8).")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds of search per variant (default: the scenario's).",
)
@seed_option
@out_dir_option("Output folder for sweep.csv and summary.json (default: out/<scenario stem>-sweep).")
@locations_option
@quiet_option
def sweep_command(
    scenario: str,
    vary_options: tuple[str, ...],
    jobs: int | None,
    workers: int | None,
    time_limit: float | None,
    seed: int | None,
    out_dir: Path | None,
    locations: str | None,
    quiet: bool,
) -> None:
    """Solve every combination of the --vary settings and tabulate key figures.

    \b
      allocate sweep SCENARIO.yml --vary weights.travel_per_km=0,1,2,5 \\
                                  --vary rules.max_travel_km=40,60,80 --jobs 2

    Writes one row per variant to OUT/sweep.csv: the settings, status, objective and
    its terms, schools placed by stage, total and mean km, focus choices met by rank,
    seconds.
    """
    from allocator.analysis.api import load_scenario
    from allocator.inputs.issues import InputError
    from allocator.report.outdir import OutputError
    from allocator.report.tables import check_output_dir, write_outputs

    try:
        vary = dict(parse_vary(option) for option in vary_options)
    except VariantError as exc:
        _fail([f"--vary: {m}" for m in exc.messages], 2)
        return
    try:
        base = load_scenario(scenario, locations=locations)
    except InputError as exc:
        errors = [str(i) for i in exc.issues if not i.warning]
        _fail(errors, 2, f"the input has {len(errors)} problem{'s' if len(errors) != 1 else ''}; nothing was written:")
        return
    target = out_dir if out_dir is not None else Path("out") / f"{Path(scenario).stem}-sweep"
    try:
        check_output_dir(target)
    except OutputError as exc:
        _fail([str(exc)], 2)
        return
    num = len(grid(vary))
    planned_jobs, planned_workers = plan_parallelism(num, jobs, workers, min_workers=base.problem.solver.workers)
    if not quiet:
        click.echo(
            f"{base.name}: {num} variant{'s' if num != 1 else ''}, "
            f"{planned_jobs} at a time, {planned_workers} CP-SAT workers each"
        )

    def progress(number: int, row: dict[str, Any]) -> None:
        if not quiet:
            settings = ", ".join(f"{p}={_cell(row[p])}" for p in vary)
            click.echo(
                f"  [{number}/{num}] {settings}: {row['status']}, objective "
                f"{row['objective']}, placed {row['placed']}, {row['wall_seconds']:.1f} s"
            )

    try:
        table = run_sweep(
            base,
            vary,
            jobs=planned_jobs,
            workers=planned_workers,
            time_limit_s=time_limit,
            seed=seed,
            on_result=progress,
        )
    except VariantError as exc:
        _fail([f"--vary: {m}" for m in exc.messages], 2)
        return
    try:
        write_outputs(target, {"sweep": table.reset_index()}, _summary(base, vary, table), ("csv",))
    except OutputError as exc:
        _fail([str(exc)], 2)
        return
    if not quiet:
        _echo_table(table, vary, target)


def _echo_table(table: pd.DataFrame, vary: Mapping[str, Sequence[Any]], target: Path) -> None:
    shown = [c for c in [*vary, *SHOWN] if c in table.columns]
    click.echo("")
    click.echo(table[shown].to_string())
    click.echo(f"\nWrote {target / 'sweep.csv'} ({table.attrs['wall_seconds']:.1f} s)")


def _summary(base: Scenario, vary: Mapping[str, Sequence[Any]], table: pd.DataFrame) -> dict[str, Any]:
    """The sweep's summary.json."""
    return {
        "kind": "sweep",
        "scenario": base.name,
        "scenario_sha256": base.problem.scenario_sha256,
        "vary": {p: [_cell(v) for v in values] for p, values in vary.items()},
        "variants": len(table),
        "jobs": table.attrs["jobs"],
        "workers": table.attrs["workers"],
        "wall_seconds": table.attrs["wall_seconds"],
        "statuses": {k: int(v) for k, v in table["status"].value_counts().sort_index().items()},
    }


def _fail(messages: list[str], code: int, header: str | None = None) -> None:
    if header:
        click.echo(f"error: {header}", err=True)
        for m in messages:
            click.echo(f"  {m}", err=True)
    else:
        for m in messages:
            click.echo(f"error: {m}", err=True)
    sys.exit(code)
