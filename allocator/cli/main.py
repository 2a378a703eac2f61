"""The `allocate` command: parses, calls the library, maps outcomes to exit codes."""

from __future__ import annotations

import math
import sys
import time
import traceback
from pathlib import Path
from typing import Any, NoReturn

import click

from allocator.cli.options import locations_option, out_dir_option, quiet_option, seed_option, workers_option
from allocator.inputs.issues import InputError, Issue, printable
from allocator.inputs.limits import EXPLAIN_SECONDS, MAX_TIME_LIMIT_S

EXIT_OK, EXIT_INFEASIBLE, EXIT_INPUT, EXIT_INTERNAL, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4


_LAZY_COMMANDS = {
    "verify": ("allocator.cli.verify", "verify_command"),
    "compare": ("allocator.analysis.compare", "compare_command"),
    "sweep": ("allocator.analysis.sweep", "sweep_command"),
    "generate": ("allocator.analysis.generate", "generate_command"),
    "init": ("allocator.cli.intake", "init_command"),
    "import-eoi": ("allocator.cli.intake", "import_eoi_command"),
    "apply-recommendation": ("allocator.cli.apply", "apply_recommendation_command"),
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


def _load(scenario: str, locations: str | None, online: bool, clock: Any = None):
    from allocator.inputs.load import load

    return load(scenario, locations=locations, online=online, clock=clock)


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
      allocate verify SCENARIO.yml OUT    check a (hand-edited) allocation against every rule

    Exit codes: 0 written, 1 the rules cannot all hold, 2 bad input, 3 internal error,
    4 no allocation found in the time limit.
    """


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
@locations_option
@_online_option
def check_command(scenario: str, locations: str | None, online: bool) -> None:
    """Validate SCENARIO.yml and summarise it; solve nothing."""
    from allocator.analysis.supply import check_lines
    from allocator.inputs.previous import with_previous

    try:
        loaded = with_previous(_load(scenario, locations, online), None)  # `previous:` is input too
    except InputError as exc:
        _bad_input(exc)
        return
    for line in check_lines(
        loaded.problem, loaded.locator_level, [str(w) for w in loaded.warnings], loaded.tables["schools"].file
    ):
        click.echo(printable(line))
    click.echo("")
    click.echo("Tables read as:")
    for table in loaded.tables.values():
        click.echo(printable(f"  {table.file}: {table.read_as}"))
    click.echo("")
    click.echo("OK: the scenario is valid.")


class _Seconds(click.ParamType):
    """A finite number of seconds within bounds (click's FloatRange lets nan and inf through)."""

    name = "seconds"

    def __init__(self, low: float, high: float, low_open: bool) -> None:
        self.low, self.high, self.low_open = low, high, low_open

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        too_low = number <= self.low if self.low_open else number < self.low
        if not math.isfinite(number) or too_low or number > self.high:
            above = "above" if self.low_open else "from"
            self.fail(f"{value!r} is not a number of seconds {above} {self.low:g} up to {self.high:,g}", param, ctx)
        return number


@main.command("run")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=str))
@out_dir_option("Output folder (default: the scenario's output.dir, else out/<scenario stem>).")
@click.option(
    "--time-limit",
    type=_Seconds(0, MAX_TIME_LIMIT_S, low_open=True),
    default=None,
    help="Seconds for the whole run, reading included (default: the scenario's solver.time_limit_s, 60).",
)
@seed_option
@workers_option("CP-SAT search workers (default 8; several help even on 2 cores).")
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
@locations_option
@_online_option
@quiet_option
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
    help="Leave the Mastery Advocates' names, emails and roles, and specialists' emails and phones, "
    "out of every output.",
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
    type=_Seconds(0, MAX_TIME_LIMIT_S, low_open=False),
    default=EXPLAIN_SECONDS,
    show_default=True,
    help="Time for those what-if re-solves; schools not reached are marked as not analysed.",
)
@click.option(
    "--previous",
    type=click.Path(path_type=Path),
    default=None,
    help="An earlier output folder (or its allocations.csv / allocation.xlsx): keep its "
    "places where possible (weight `keep`), hold its locked rows, list the changes.",
)
def run_command(**options: Any) -> None:
    """Solve SCENARIO.yml and write the allocation tables."""
    from allocator.interrupts import handling_stops

    started = time.monotonic()  # the time limit covers reading as well as the search
    with handling_stops() as stops:
        try:
            _run(started, **options)
            stops.finish()  # written: a Ctrl-C from here to exit changes nothing
        except (KeyboardInterrupt, Exception) as exc:
            # A stop that lands inside compiled code may surface as another exception (an
            # import's "initialization failed" ImportError): still a stop, not a bug.
            if not isinstance(exc, KeyboardInterrupt) and not stops.requested:
                raise
            click.echo("", err=True)
            _fail("error: stopped before an allocation was found; nothing was written.", EXIT_NO_SOLUTION)


def _fail(message: str, code: int, details: list[str] | tuple[str, ...] = ()) -> NoReturn:
    """Print an error (and its detail lines), escaping control characters, and exit."""
    click.echo(printable(message), err=True)
    for line in details:
        click.echo(f"  {printable(line)}", err=True)
    sys.exit(code)


def _run(
    started: float,
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
    previous: Path | None = None,
) -> None:
    from allocator.cli.console import Console
    from allocator.inputs.limits import TimeLimitReached, WallClock
    from allocator.inputs.previous import with_previous

    console = Console(quiet=quiet)
    try:
        clock = WallClock(started, time_limit, deterministic)
        loaded = with_previous(_load(scenario, locations, online, clock), previous)
    except InputError as exc:
        _bad_input(exc)
        return
    except TimeLimitReached:
        _fail(
            f"error: no allocation was found before the time limit ran out: reading the inputs took "
            f"all of it ({time.monotonic() - started:.1f} s); nothing was written. Try a longer --time-limit.",
            EXIT_NO_SOLUTION,
        )
    problem = loaded.problem
    chosen_formats = _chosen_formats(formats, problem.output.formats)
    target = out_dir if out_dir is not None else _default_output_dir(problem)
    folder_state = _preflight(target)
    settings = _settings(problem, started, time_limit=time_limit, seed=seed, workers=workers, det=deterministic)
    for warning in loaded.warnings:
        console.warn(str(warning))
    solved = _solve(problem, settings, console, loaded.locator_level, no_recommendations, explain_seconds)
    from allocator.interrupts import held

    with held():  # an allocation exists: Ctrl-C or SIGTERM no longer stops the writing
        console.done(solved)
        _exit_without_allocation(solved, settings)
        written = _write(solved, target, folder_state, chosen_formats, raw_csv=raw_csv, redact=redact)
        console.written(target, written)


def _chosen_formats(formats: str | None, scenario_formats: tuple[str, ...]) -> tuple[str, ...]:
    """--format, else the scenario's formats; an unknown one is exit 2."""
    if formats is None:
        return scenario_formats
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in formats.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in ("csv", "xlsx", "html")]
    if unknown or not chosen:
        _fail(f"error: --format: unknown format {', '.join(unknown) or '(none)'}; use csv, xlsx, html", EXIT_INPUT)
    return chosen


def _default_output_dir(problem: Any) -> Path:
    from allocator.report.tables import default_output_dir

    return default_output_dir(problem)


def _preflight(target: Path) -> Any:
    """Refuse, before solving, an output folder allocate may not write (exit 2)."""
    from allocator.report.outdir import OutputError
    from allocator.report.tables import check_output_dir

    try:
        return check_output_dir(target)
    except OutputError as exc:
        _fail(f"error: {exc}", EXIT_INPUT)


def _settings(problem: Any, started: float, *, time_limit: float | None, seed: int | None, workers: int | None,
              det: bool | None) -> Any:  # fmt: skip
    """The solver settings: the scenario's with the flags applied, and a wall-clock limit
    that counts the time already spent reading (exit 4 when none is left)."""
    from dataclasses import replace

    flags = {"time_limit_s": time_limit, "seed": seed, "workers": workers, "deterministic": det}
    settings = replace(problem.solver, **{k: v for k, v in flags.items() if v is not None})
    if settings.deterministic:
        return settings  # deterministic time counts the search alone, so reruns match
    left = settings.time_limit_s - (time.monotonic() - started)
    if left <= 0:
        _fail(
            f"error: no allocation was found before the time limit ran out: reading the inputs took "
            f"all of it ({time.monotonic() - started:.1f} s); nothing was written. Try a longer --time-limit.",
            EXIT_NO_SOLUTION,
        )
    return replace(settings, time_limit_s=left)


def _solve(problem: Any, settings: Any, console: Any, level: str, no_recommendations: bool, explain_s: float) -> Any:
    """Supply notes, then the pipeline; the checker finding a broken rule is exit 3."""
    from allocator.analysis.supply import supply_demand
    from allocator.pipeline import CheckerFailure, run

    for row in supply_demand(problem):
        if row.short:
            console.note(f"short: {row.sentence}")
    console.start(problem, settings)
    try:
        return run(
            problem,
            settings,
            on_progress=console.progress,
            locations_level=level,
            recommendations=not no_recommendations,
            explain_seconds=explain_s,
            on_stage=console.note,
            on_explain=console.explaining,
        )
    except CheckerFailure as exc:
        _fail(
            "internal error: the independent checker found broken rules in the computed "
            "allocation; nothing was written. Please report this bug:",
            EXIT_INTERNAL,
            exc.violations,
        )


def _exit_without_allocation(solved: Any, settings: Any) -> None:
    """Exit 1 (the rules cannot all hold), 3 (model rejected) or 4 (nothing found in time)."""
    status = solved.status.value
    if status == "INFEASIBLE":
        _fail("error: the rules cannot all hold; nothing was written:", EXIT_INFEASIBLE, solved.conflicts)
    if status == "MODEL_INVALID":
        _fail("internal error: CP-SAT rejected the model; please report this bug", EXIT_INTERNAL)
    if status == "UNKNOWN":
        why = "Ctrl-C" if solved.result.interrupted else f"the time limit ({settings.time_limit_s:g} s)"
        _fail(
            f"error: no allocation was found before {why} stopped the search; nothing was "
            "written. Try a longer --time-limit.",
            EXIT_NO_SOLUTION,
        )


def _write(solved: Any, target: Path, folder_state: Any, formats: tuple[str, ...], *, raw_csv: bool,
           redact: bool) -> list[Path]:  # fmt: skip
    """Every output, whole, into `target` (exit 2 when another run wrote it meanwhile)."""
    from allocator.report.outdir import OutputError
    from allocator.report.tables import without_advocates, write_outputs

    if redact:
        allocations = without_advocates(solved.tables["allocations"], solved.problem)
        solved.tables = {**solved.tables, "allocations": allocations}
        from allocator.report.letters import redacted

        solved.tables = redacted(solved.tables)  # also letters' contacts, specialists' emails and phones
    from allocator.report.calendar import write_calendars

    extra = {"csv": lambda folder: write_calendars(folder, solved)}
    if "xlsx" in formats:
        from allocator.report.workbook import write_workbook

        extra["xlsx"] = lambda folder: write_workbook(folder / "allocation.xlsx", solved)
    if "html" in formats:
        from allocator.report.html import write_html

        extra["html"] = lambda folder: write_html(folder / "report.html", solved)
    try:
        return write_outputs(target, solved.tables, solved.summary_json, formats, extra, raw_csv=raw_csv,
                             expected=folder_state)  # fmt: skip
    except OutputError as exc:
        _fail(f"error: {exc}", EXIT_INPUT)


def entry() -> None:
    """Console script: any unexpected error is exit 3 with a short message, not a traceback."""
    try:
        main.main(prog_name="allocate")
    except Exception as exc:  # noqa: BLE001 - click exits itself on every expected outcome
        click.echo(
            printable(f"internal error: {type(exc).__name__}: {exc}")
            + "\nPlease report this bug (run with ALLOCATOR_DEBUG=1 to see the traceback).",
            err=True,
        )
        import os

        if os.environ.get("ALLOCATOR_DEBUG"):
            traceback.print_exc()
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":  # python -m allocator.cli.main
    entry()
