"""`allocate verify SCENARIO.yml ALLOCATIONS`: check a (hand-edited) allocation against every rule."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from allocator.cli.main import EXIT_INFEASIBLE, EXIT_NO_SOLUTION, EXIT_OK, _bad_input
from allocator.cli.options import locations_option
from allocator.inputs.issues import InputError


@click.command("verify")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=str))
@click.argument("allocations", type=click.Path(path_type=Path))
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds for solving the optimum to compare with, when the folder holds none "
    "(default: the scenario's solver.time_limit_s).",
)
@locations_option
def verify_command(scenario: str, allocations: Path, time_limit: float | None, locations: str | None) -> None:
    """Check ALLOCATIONS (an output folder, allocations.csv or allocation.xlsx, perhaps
    edited by hand) against every rule of SCENARIO.yml, and compare its objective with
    the optimum's.

    Exit codes: 0 every rule holds, 1 a rule is broken (an unknown id counts), 2 the
    scenario or the table cannot be read.
    """
    from allocator.diagnose.verify import verify_table
    from allocator.inputs.load import load
    from allocator.inputs.previous import read_allocations, with_previous

    try:
        loaded = with_previous(load(scenario, locations=locations), None)
        table = read_allocations(allocations)
    except InputError as exc:
        _bad_input(exc)
        return
    try:
        verification = verify_table(loaded.problem, table, time_limit_s=time_limit)
    except KeyboardInterrupt:
        click.echo("\nerror: stopped by Ctrl-C.", err=True)
        sys.exit(EXIT_NO_SOLUTION)
    for line in verification.lines():
        click.echo(line)
    sys.exit(EXIT_OK if verification.ok else EXIT_INFEASIBLE)
