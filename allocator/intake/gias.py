"""The DfE register: a "Get Information about Schools" (GIAS) establishment extract.

The extract is downloaded as `edubasealldata<date>.csv`: Windows-1252 text, one row per
establishment ever registered (about 50,000 rows and 130 columns, 60-70 MB). Only the
columns below are read, in chunks, and only the rows of the URNs asked for are kept, so
memory stays small whatever the file's size.
"""

from __future__ import annotations

import codecs
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from allocator.inputs.geo import normalise_postcode
from allocator.inputs.issues import InputError, Issue

COLUMNS = {
    "urn": "URN",
    "name": "EstablishmentName",
    "status": "EstablishmentStatus (name)",
    "phase": "PhaseOfEducation (name)",
    "type": "TypeOfEstablishment (name)",
    "trust": "Trusts (name)",
    "postcode": "Postcode",
    "easting": "Easting",
    "northing": "Northing",
}
OPTIONAL_COLUMNS = {"region": "GOR (name)", "country": "Country (name)"}
MAX_BYTES = 1_000_000_000  # the real extract is under 100 MB; beyond this it is not one
_CHUNK_ROWS = 20_000
_SNIFF_BYTES = 1 << 16

# Postcode areas wholly outside England (Scotland, Wales, Northern Ireland, islands).
_NOT_ENGLAND_AREAS = frozenset("AB DD DG EH FK G HS IV KA KW KY ML PA PH ZE CF LD LL NP SA BT GY JE IM".split())
_NOT_ENGLAND_TYPES = ("welsh", "overseas", "offshore", "service children")


@dataclass(frozen=True)
class Establishment:
    """One row of the register (text as written; postcode normalised, or None)."""

    urn: str
    name: str
    status: str
    phase: str
    type: str
    trust: str
    postcode: str | None
    easting: float | None
    northing: float | None
    region: str = ""
    country: str = ""

    @property
    def programme_phase(self) -> str | None:
        """The schools table's phase: special schools by type, others by phase of education."""
        if "special" in self.type.lower():
            return "special"
        phase = self.phase.strip().lower()
        if phase in ("primary", "middle deemed primary"):
            return "primary"
        if phase in ("secondary", "middle deemed secondary"):
            return "secondary"
        if phase.replace(" ", "-") == "all-through":
            return "all-through"
        return None  # nursery, 16 plus, not applicable: no programme phase

    @property
    def closed(self) -> bool:
        return self.status.strip().lower().startswith("closed")

    @property
    def independent(self) -> bool:
        return "independent" in self.type.lower()

    @property
    def outside_england(self) -> bool:
        if any(word in self.type.lower() for word in _NOT_ENGLAND_TYPES):
            return True
        if "wales" in self.region.lower() or self.country.strip().lower() not in ("", "england", "united kingdom"):
            return True
        if self.postcode is not None:
            area = "".join(ch for ch in self.postcode.split(" ")[0] if ch.isalpha())
            return area in _NOT_ENGLAND_AREAS
        return False

    def doubts(self) -> list[str]:
        """Why this establishment may not take part (empty when none)."""
        out = []
        if self.closed:
            out.append(
                f"is closed in the register (status {self.status!r}): check the URN "
                "(a school that became an academy has a new one)"
            )
        if self.independent:
            out.append(f"is an independent school in the register ({self.type}): check that it is eligible")
        if self.outside_england:
            where = self.type if any(w in self.type.lower() for w in _NOT_ENGLAND_TYPES) else self.postcode
            out.append(f"is outside England in the register ({where}): Maths Hubs serve schools in England")
        return out


def _encoding(path: Path) -> str:
    """'utf-8-sig' for a file with a BOM, 'utf-8' when the first 64 KB are UTF-8 with some
    non-ASCII text (a re-saved extract), else Windows-1252 as downloaded."""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8" if any(byte > 127 for byte in head) else "cp1252"


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    # Blank, 0 or not a number: no position (GIAS leaves some establishments unplaced).
    return value if value == value and 0 < value < 2_000_000 else None


def _check_file(path: Path, display: str) -> None:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError([Issue(display, None, "", "file not found")]) from None
    except OSError as exc:
        raise InputError([Issue(display, None, "", f"cannot be read: {exc.strerror}")]) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError([Issue(display, None, "", "is not a regular file")])
    if info.st_size > MAX_BYTES:
        raise InputError(
            [Issue(display, None, "", f"is {info.st_size / 1e6:.0f} MB, beyond the {MAX_BYTES / 1e6:.0f} MB limit")]
        )
    if not os.access(path, os.R_OK):
        raise InputError([Issue(display, None, "", "cannot be read (permission denied)")])


def read_register(path: Path, display: str, urns: Iterable[str]) -> dict[str, Establishment]:
    """The register's rows for `urns`, read in chunks of the needed columns only.

    Parameters
    ----------
    path
        A GIAS establishment extract (CSV; Windows-1252 as downloaded, or UTF-8).
    display
        How messages name the file.
    urns
        The URNs wanted; other rows are dropped as they are read.

    Raises
    ------
    InputError
        When the file is missing, not a regular file, too large, not CSV or lacks a column.
    """
    _check_file(path, display)
    wanted = {u.strip() for u in urns if u and u.strip()}
    encoding = _encoding(path)
    names = {v.lower(): k for k, v in {**COLUMNS, **OPTIONAL_COLUMNS}.items()}
    try:
        header = pd.read_csv(path, nrows=0, encoding=encoding, encoding_errors="replace")
        present = {str(c).strip().lower(): str(c) for c in header.columns}
        missing = [v for v in COLUMNS.values() if v.lower() not in present]
        if missing:
            raise InputError(
                [
                    Issue(display, 1, column, "required column is missing (is this a GIAS establishment extract?)")
                    for column in missing
                ]
            )
        use = {present[k]: names[k] for k in names if k in present}
        found: dict[str, Establishment] = {}
        reader = pd.read_csv(
            path,
            usecols=list(use),
            dtype=str,
            keep_default_na=False,
            encoding=encoding,
            encoding_errors="replace",
            chunksize=_CHUNK_ROWS,
        )
        for chunk in reader:
            chunk = chunk.rename(columns=use)
            chunk["urn"] = chunk["urn"].str.strip()
            for record in chunk[chunk["urn"].isin(wanted)].to_dict("records"):
                found[record["urn"]] = _establishment(record)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is bad input, not a crash
        raise InputError([Issue(display, None, "", f"cannot be read as a CSV table: {exc}")]) from None
    return found


def _establishment(record: dict[str, str]) -> Establishment:
    text = {k: str(v).strip() for k, v in record.items()}
    return Establishment(
        urn=text["urn"],
        name=text.get("name", ""),
        status=text.get("status", ""),
        phase=text.get("phase", ""),
        type=text.get("type", ""),
        trust=text.get("trust", ""),
        postcode=normalise_postcode(text.get("postcode", "")),
        easting=_number(text.get("easting", "")),
        northing=_number(text.get("northing", "")),
        region=text.get("region", ""),
        country=text.get("country", ""),
    )
