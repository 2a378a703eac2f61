"""The `allocate` command: parses, calls the library, maps outcomes to exit codes."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any

import click

from allocator.inputs.issues import InputError, Issue

EXIT_OK, EXIT_INFEASIBLE, EXIT_INPUT, EXIT_INTERNAL, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4
LOCATION_LEVELS = ["auto", "exact", "sector", "district"]


_LAZY_COMMANDS = {
    "compare": ("allocator.analysis.compare", "compare_command"),
    "sweep": ("allocator.analysis.sweep", "sweep_command"),
    "generate": ("allocator.analysis.generate", "generate_command"),
}


class _DefaultToRun(click.Group):
    """`allocate SCENARIO.yml` means `allocate run SCENARIO.yml`; the analysts' commands
    are imported only when used, so start-up stays quick."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in _LAZY_COMMANDS and name not in self.commands:
            import importlib

            module, attribute = _LAZY_COMMANDS[name]
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in _LAZY_COMMANDS and not args[0].startswith("-"):
            args = ["run", *args]
        elif args and args[0].startswith("-") and args[0] not in ("--help", "-h", "--version"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


def _print_issues(issues: tuple[Issue, ...] | list[Issue], *, header: str | None = None) -> None:
    if header:
        click.echo(header, err=True)
    for issue in issues:
        click.echo(f"  {issue}", err=True)


def _load(scenario: str, locations: str | None, online: bool):
    from allocator.inputs.load import load

    return load(scenario, locations=locations, online=online)


def _bad_input(exc: InputError) -> None:
    errors = [i for i in exc.issues if not i.warning]
    _print_issues(
        errors,
        header=f"error: the input has {len(errors)} problem{'s' if len(errors) != 1 else ''}; nothing was written:",
    )
    sys.exit(EXIT_INPUT)


@click.group(cls=_DefaultToRun, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="allocator")
def main() -> None:
    """Place schools with Mastery Specialists and Work Groups.

    \b
      allocate SCENARIO.yml [OPTIONS]     solve and write the tables (same as `allocate run`)
      allocate check SCENARIO.yml         validate and summarise, solve nothing

    Exit codes: 0 written, 1 the rules cannot all hold, 2 bad input, 3 internal error,
    4 no allocation found in the time limit.
    """


_location_option = click.option(
    "--locations",
    type=click.Choice(LOCATION_LEVELS),
    default=None,
    help="Postcode lookup level (overrides the scenario): auto = exact postcode if the "
    "optional table is installed, else sector.",
)
_online_option = click.option(
    "--online-geocoding",
    "online",
    is_flag=True,
    default=False,
    help="Geocode postcodes the offline tables do not know with OpenStreetMap Nominatim "
    "(network; results cached in ~/.cache/allocator).",
)


@main.command("check")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=str))
@_location_option
@_online_option
def check_command(scenario: str, locations: str | None, online: bool) -> None:
    """Validate SCENARIO.yml and summarise it; solve nothing."""
    from allocator.analysis.supply import check_lines

    try:
        loaded = _load(scenario, locations, online)
    except InputError as exc:
        _bad_input(exc)
        return
    for line in check_lines(
        loaded.problem, loaded.locator_level, [str(w) for w in loaded.warnings], loaded.tables["schools"].file
    ):
        click.echo(line)
    click.echo("")
    click.echo("OK: the scenario is valid.")


@main.command("run")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: the scenario's output.dir, else out/<scenario stem>).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds of search (default: the scenario's solver.time_limit_s, 60).",
)
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Random seed (default 0).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="CP-SAT search workers (default 8; several help even on 2 cores).",
)
@click.option(
    "--deterministic",
    is_flag=True,
    default=None,
    help="Byte-identical reruns; the time limit then counts deterministic time.",
)
@click.option(
    "--format",
    "formats",
    default=None,
    help="Output formats, comma separated: csv, xlsx, html (default: the scenario's, csv).",
)
@_location_option
@_online_option
@click.option("-q", "--quiet", is_flag=True, default=False, help="Print nothing but errors.")
@click.option(
    "--raw-csv",
    is_flag=True,
    default=False,
    help="Write CSV cells exactly; by default a text cell starting with =, +, -, @, "
    "tab or carriage return gets a leading ' so spreadsheets never run it as a formula.",
)
@click.option(
    "--redact",
    is_flag=True,
    default=False,
    help="Leave the Mastery Advocates' names, emails and roles out of every output.",
)
@click.option(
    "--no-recommendations",
    "no_recommendations",
    is_flag=True,
    default=False,
    help="Skip the what-if re-solves that recommend a change for each unplaced school.",
)
@click.option(
    "--explain-seconds",
    type=click.FloatRange(min=0),
    default=20.0,
    show_default=True,
    help="Time for those what-if re-solves; schools not reached are marked as not analysed.",
)
def run_command(**options: Any) -> None:
    """Solve SCENARIO.yml and write the allocation tables."""
    try:
        _run(**options)
    except KeyboardInterrupt:
        click.echo("\nerror: stopped by Ctrl-C before an allocation was found; nothing was written.", err=True)
        sys.exit(EXIT_NO_SOLUTION)


def _run(
    scenario: str,
    out_dir: Path | None,
    time_limit: float | None,
    seed: int | None,
    workers: int | None,
    deterministic: bool | None,
    formats: str | None,
    locations: str | None,
    online: bool,
    quiet: bool,
    raw_csv: bool,
    redact: bool,
    no_recommendations: bool,
    explain_seconds: float,
) -> None:
    from dataclasses import replace

    from allocator.cli.console import Console
    from allocator.pipeline import CheckerFailure, run
    from allocator.report.outdir import OutputError
    from allocator.report.tables import (
        check_output_dir,
        default_output_dir,
        without_advocates,
        write_outputs,
    )

    console = Console(quiet=quiet)
    try:
        loaded = _load(scenario, locations, online)
    except InputError as exc:
        _bad_input(exc)
        return
    problem = loaded.problem
    chosen_formats = problem.output.formats
    if formats is not None:
        chosen_formats = tuple(dict.fromkeys(f.strip().lower() for f in formats.split(",") if f.strip()))
        unknown = [f for f in chosen_formats if f not in ("csv", "xlsx", "html")]
        if unknown or not chosen_formats:
            click.echo(
                f"error: --format: unknown format {', '.join(unknown) or '(none)'}; use csv, xlsx, html", err=True
            )
            sys.exit(EXIT_INPUT)
    target = out_dir if out_dir is not None else default_output_dir(problem)
    try:
        folder_state = check_output_dir(target)
    except OutputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    settings = replace(
        problem.solver,
        **{
            k: v
            for k, v in {
                "time_limit_s": time_limit,
                "seed": seed,
                "workers": workers,
                "deterministic": deterministic,
            }.items()
            if v is not None
        },
    )
    for warning in loaded.warnings:
        console.warn(str(warning))
    from allocator.analysis.supply import supply_demand

    for row in supply_demand(problem):
        if row.short:
            console.note(f"short: {row.sentence}")
    console.start(problem, settings)
    try:
        solved = run(
            problem,
            settings,
            on_progress=console.progress,
            locations_level=loaded.locator_level,
            recommendations=not no_recommendations,
            explain_seconds=explain_seconds,
            on_stage=console.note,
        )
    except CheckerFailure as exc:
        click.echo(
            "internal error: the independent checker found broken rules in the computed "
            "allocation; nothing was written. Please report this bug:",
            err=True,
        )
        for v in exc.violations:
            click.echo(f"  {v}", err=True)
        sys.exit(EXIT_INTERNAL)
    console.done(solved)
    status = solved.status.value
    if status == "INFEASIBLE":
        click.echo("error: the rules cannot all hold; nothing was written:", err=True)
        for line in solved.conflicts:
            click.echo(f"  {line}", err=True)
        sys.exit(EXIT_INFEASIBLE)
    if status in ("UNKNOWN", "MODEL_INVALID"):
        if status == "MODEL_INVALID":
            click.echo("internal error: CP-SAT rejected the model; please report this bug", err=True)
            sys.exit(EXIT_INTERNAL)
        why = "Ctrl-C" if solved.result.interrupted else f"the time limit ({settings.time_limit_s:g} s)"
        click.echo(
            f"error: no allocation was found before {why} stopped the search; nothing was "
            "written. Try a longer --time-limit.",
            err=True,
        )
        sys.exit(EXIT_NO_SOLUTION)
    if redact:
        solved.tables = {**solved.tables, "allocations": without_advocates(solved.tables["allocations"])}
    extra = {}
    if "xlsx" in chosen_formats:
        from allocator.report.workbook import write_workbook

        extra["xlsx"] = lambda folder: write_workbook(folder / "allocation.xlsx", solved)
    if "html" in chosen_formats:
        from allocator.report.html import write_html

        extra["html"] = lambda folder: write_html(folder / "report.html", solved)
    try:
        written = write_outputs(
            target, solved.tables, solved.summary_json, chosen_formats, extra, raw_csv=raw_csv, expected=folder_state
        )
    except OutputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    console.written(target, written)


def entry() -> None:
    """Console script: any unexpected error is exit 3 with a short message, not a traceback."""
    try:
        main.main(prog_name="allocate")
    except Exception as exc:  # noqa: BLE001 - click exits itself on every expected outcome
        click.echo(
            f"internal error: {type(exc).__name__}: {exc}\nPlease report this bug "
            "(run with ALLOCATOR_DEBUG=1 to see the traceback).",
            err=True,
        )
        import os

        if os.environ.get("ALLOCATOR_DEBUG"):
            traceback.print_exc()
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":  # python -m allocator.cli.main
    entry()
