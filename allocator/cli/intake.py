"""`allocate init` and `allocate import-eoi`: parse, call `allocator.intake`, report."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from allocator.inputs.issues import InputError, Issue

EXIT_INPUT = 2


def _fail(issues: tuple[Issue, ...] | list[Issue]) -> None:
    click.echo(f"error: {len(issues)} problem{'s' if len(issues) != 1 else ''}; nothing was written:", err=True)
    for issue in issues:
        click.echo(f"  {issue}", err=True)
    sys.exit(EXIT_INPUT)


def _column_map(path: Path | None) -> dict[str, str] | None:
    """The --columns map: field → column header, every field known."""
    if path is None:
        return None
    import yaml

    from allocator.inputs.load import display_path
    from allocator.intake.fields import FIELDS

    shown = display_path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        _fail([Issue(shown, None, "", f"cannot be read as YAML: {exc}")])
    if not isinstance(data, dict):
        _fail([Issue(shown, None, "", "must map fields to column headers, e.g. urn: School URN")])
    problems = []
    out: dict[str, str] = {}
    for key, value in data.items():
        if str(key) not in FIELDS:
            problems.append(Issue(shown, None, str(key), f"is not a field; fields are: {', '.join(FIELDS)}"))
        elif value is not None:
            out[str(key)] = str(value)
    if problems:
        _fail(problems)
    return out


@click.command("import-eoi")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--hub", required=True, help="The Maths Hub the schools applied to (the hub column).")
@click.option(
    "--stage",
    type=click.Choice(["development", "embedding", "sustaining"], case_sensitive=False),
    default="development",
    show_default=True,
    help="The stage of a school whose form does not say.",
)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The schools table to write (CSV); intake_report.csv is written beside it.",
)
@click.option(
    "--specialists",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Specialists table, to match a named previous specialist to an id.",
)
@click.option(
    "--gias",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="DfE GIAS establishment extract, to fill phase, postcode and trust by URN.",
)
@click.option(
    "--columns",
    "columns",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML map of field → column header for response spreadsheets.",
)
@click.option("--force", is_flag=True, default=False, help="Replace the output files if they exist.")
def import_eoi_command(
    files: tuple[Path, ...],
    hub: str,
    stage: str,
    output: Path,
    specialists: Path | None,
    gias: Path | None,
    columns: Path | None,
    force: bool,
) -> None:
    """Read Expression of Interest forms (Word .docx) and form responses (CSV/XLSX) into a
    schools table, and list every doubt about each form in intake_report.csv."""
    from allocator.inputs.load import display_path
    from allocator.intake import eoi
    from allocator.intake.gias import read_register

    if not hub.strip():
        _fail([Issue("--hub", None, "", "is blank")])
    if output.suffix.lower() != ".csv":
        _fail([Issue(str(output), None, "", "the schools table is written as CSV: name it .csv")])
    report = output.parent / "intake_report.csv"
    overrides = _column_map(columns)
    paths = eoi.expand(list(files))
    if not paths:
        _fail([Issue(", ".join(map(str, files)), None, "", "holds no .docx, .csv or .xlsx files")])
    try:
        known = None if specialists is None else eoi.read_specialists(specialists, display_path(specialists))
        forms, notes = eoi.read_forms(paths, overrides, display=display_path)
        register = None if gias is None else read_register(gias, display_path(gias), eoi.form_urns(forms))
        context = eoi.Context(
            hub=hub.strip(),
            stage=stage.lower(),
            specialists=known,
            specialists_file="" if specialists is None else display_path(specialists),
            register=register,
            register_file="" if gias is None else display_path(gias),
        )
        imported = eoi.assess_forms(forms, context, notes)
    except InputError as exc:
        _fail(exc.issues)
        return
    report_columns = list(eoi.REPORT_COLUMNS)
    try:
        eoi.write_csv_files(
            {
                output: (eoi.output_columns(imported.schools), imported.schools),
                report: (report_columns, imported.report),
            },
            force,
        )
    except FileExistsError as exc:
        _fail([Issue(str(exc), None, "", "exists: give --force to replace it, or another -o")])
    except OSError as exc:
        _fail([Issue(str(output), None, "", f"cannot be written: {exc.strerror or exc}")])
    for note in imported.notes:
        click.echo(note)
    doubtful = sum(1 for row in imported.report if row["doubts"])
    click.echo(
        f"{imported.forms} forms read ({imported.skipped} unreadable, skipped); "
        f"{len(imported.schools)} schools written to {display_path(output)}; "
        f"{doubtful} forms with doubts listed in {display_path(report)}."
    )


@click.command("init")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--hub", default=None, help="The hub of a one-hub scenario (blank hub cells take it).")
@click.option("--year", default=None, help="School year, e.g. 2026/27 (default: the next one to allocate).")
def init_command(folder: Path, hub: str | None, year: str | None) -> None:
    """Create FOLDER with a commented scenario.yml and empty tables (CSV and tables.xlsx) to fill."""
    import re

    from allocator.inputs.load import display_path
    from allocator.intake.templates import default_year, write_template

    chosen = year.strip() if year else default_year()
    match = re.fullmatch(r"(\d{4})/(\d{2})", chosen)
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        _fail([Issue("--year", None, "", f"{chosen!r} is not a school year like 2026/27")])
    if hub is not None and not hub.strip():
        _fail([Issue("--hub", None, "", "is blank")])
    try:
        written = write_template(folder, hub.strip() if hub else None, chosen)
    except FileExistsError:
        _fail([Issue(display_path(folder), None, "", "exists and is not an empty folder: init never overwrites")])
        return
    except OSError as exc:
        _fail([Issue(display_path(folder), None, "", f"cannot be created: {exc.strerror or exc}")])
        return
    click.echo(f"Created {display_path(folder)}: " + ", ".join(p.name for p in written))
    click.echo(f"Fill the tables, then: allocate check {display_path(folder / 'scenario.yml')}")
