"""`allocate apply-recommendation`: write an edited copy of a scenario that places a school."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from allocator.cli.options import out_dir_option
from allocator.diagnose.edits import Cell
from allocator.inputs.issues import InputError, printable

EXIT_INPUT = 2


def _stop(message: str, code: int = EXIT_INPUT) -> None:
    click.echo(printable(message), err=True)
    sys.exit(code)


@click.command("apply-recommendation")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("urn")
@out_dir_option("New folder for the edited copy (must not exist, or be empty).", required=True)
@click.option(
    "--from",
    "source",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="recommendations.csv (or the output folder holding it) to take the row from; "
    "default: solve the scenario and recommend now.",
)
@click.option("--locations", type=click.Choice(["auto", "exact", "sector", "district"]), default=None)
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True, max=604_800), default=None)
def apply_recommendation_command(
    scenario: Path, urn: str, out_dir: Path, source: Path | None, locations: str | None, time_limit: float | None
) -> None:
    """Copy SCENARIO.yml and every file it names into --out, with the edit that
    recommendations.csv gives for school URN made in the copy. The original is never touched."""
    from allocator.diagnose.apply_edits import EditError, copy_scenario

    urn = urn.strip()
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        _stop(f"error: {out_dir}: exists and is not an empty folder; choose a new --out. Nothing was written.")
    if source is not None:
        cells, change = _cells_from_table(source, urn)
    else:
        cells, change = _cells_by_solving(scenario, urn, locations, time_limit)
    try:
        written = copy_scenario(scenario, out_dir, cells)
    except EditError as exc:
        _stop(f"error: {exc}; nothing was written.")
    click.echo(printable(f"{urn}: {change}"))
    click.echo(f"wrote {written} (the original is unchanged); run: allocate {written}")


def _cells_from_table(source: Path, urn: str) -> tuple[list[Cell], str]:
    import pandas as pd

    path = source / "recommendations.csv" if source.is_dir() else source
    if not path.is_file():
        _stop(f"error: {path}: not found; nothing was written.")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = table[table["urn"].str.lstrip("'").str.strip() == urn]
    if rows.empty:
        _stop(f"error: {path}: has no row for school {urn}; nothing was written.")
    record = rows.iloc[0].to_dict()
    cells = []
    for suffix in ("", "_2"):
        if record.get(f"column{suffix}", ""):
            row = record.get(f"row{suffix}", "")
            cells.append(
                Cell(
                    record[f"file{suffix}"],
                    int(float(row)) if row else None,
                    record[f"column{suffix}"],
                    record.get(f"old_value{suffix}", ""),
                    record[f"new_value{suffix}"],
                )
            )
    if not cells:
        _stop(f"error: school {urn}: {record.get('change', '')}; nothing was written.")
    return cells, record.get("change", "")


def _cells_by_solving(
    scenario: Path, urn: str, locations: str | None, time_limit: float | None
) -> tuple[list[Cell], str]:
    from dataclasses import replace

    from allocator.diagnose.recommend import recommend
    from allocator.inputs.load import load
    from allocator.pipeline import run

    try:
        problem = load(scenario, locations=locations).problem
    except InputError as exc:
        for issue in exc.issues:
            click.echo(f"  {issue}", err=True)
        _stop("error: the scenario has problems; nothing was written.")
        raise  # pragma: no cover - _stop exits
    settings = replace(problem.solver, time_limit_s=time_limit or problem.solver.time_limit_s)
    index = {school.urn: s for s, school in enumerate(problem.schools)}
    if urn not in index:
        _stop(f"error: {urn} is not a school of {scenario}; nothing was written.")
    solved = run(problem, settings, recommendations=False)
    allocation = solved.result.allocation
    if allocation is None or solved.objective is None:
        _stop(f"error: no allocation was found ({solved.status}); nothing was written.", 1)
        raise AssertionError  # pragma: no cover - _stop exits
    s = index[urn]
    if allocation.school_specialist[s] is not None or allocation.school_group[s] is not None:
        _stop(f"error: school {urn} is placed already: there is nothing to recommend; nothing was written.")
    [rec] = recommend(problem, solved.eligibility, allocation, solved.objective, [s])  # type: ignore[arg-type]
    if not rec.changes:
        _stop(f"error: school {urn}: no change of the listed kinds places it; nothing was written.", 1)
    return [c.cell for c in rec.changes], rec.text
