"""Click options that several commands share, declared once: name, type, limits, help.

A command's own wording (what its ``--out`` folder holds and defaults to, what its
``--workers`` count per) is the one argument. `analysis/` commands use these too, so
that ``allocate run`` and ``allocate sweep`` accept the same values.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from allocator.inputs.limits import MAX_SEED

LOCATION_LEVELS = ["auto", "exact", "sector", "district"]

Command = TypeVar("Command", bound=Callable[..., Any])

locations_option = click.option(
    "--locations",
    type=click.Choice(LOCATION_LEVELS),
    default=None,
    help="Postcode lookup level (overrides the scenario): auto = exact postcode if the "
    "optional table is installed, else sector.",
)
seed_option = click.option("--seed", type=click.IntRange(0, MAX_SEED), default=None, help="Random seed (default 0).")
quiet_option = click.option("-q", "--quiet", is_flag=True, default=False, help="Print nothing but errors.")


def out_dir_option(text: str, required: bool = False) -> Callable[[Command], Command]:
    """``--out`` (the parameter ``out_dir``): the command's output folder, described by `text`."""
    folder = click.Path(file_okay=False, path_type=Path)
    return click.option("--out", "out_dir", type=folder, default=None, required=required, help=text)


def workers_option(text: str) -> Callable[[Command], Command]:
    """``--workers``: CP-SAT search workers, 1 to 64, described by `text`."""
    return click.option("--workers", type=click.IntRange(1, 64), default=None, help=text)
