"""Synthetic but realistic scenarios for benchmarks: `allocate generate KIND OUT_DIR`.

Three kinds, drawn from one map of 40 Maths Hubs over England:

``hub``
    one hub, 60-100 applying schools (what a hub lead allocates each spring);
``region``
    five neighbouring hubs (about 500 schools) with ``allow_cross_hub: true``;
``national``
    all 40 hubs: about 4,000 schools, 1,200 specialists and 250 work groups.

With ``tight`` demand exceeds supply: fewer specialists are available and there
are fewer work-group seats than schools that need one.

Hubs are geographic clusters: a weighted k-means of England's postcode-sector
centroids (the package's own ``data/postcode_sectors.csv.gz``, weighted by their
number of postcodes, so hubs hold similar populations). Primary and special
schools, and the venues, are drawn around sector centroids; secondary and
all-through schools come from ``positions`` (a CSV of real school locations with
``lat``/``lon`` or ``latitude``/``longitude`` columns, and ``postcode`` if known)
when it is given, else around sector centroids too. Every row carries latitude
and longitude, so no postcode is looked up; postcodes are plausible (a real
sector plus two letters, or the position file's own). Names, URNs (9xxxxx),
people, e-mail addresses (example.org) and TRNs are invented.

The same kind, seed, scale, positions file and package versions give byte-identical files.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import click
import numpy as np

from allocator.inputs.rows import ADVOCATE_FIELDS, REQUIRED_COLUMNS

KINDS = ("hub", "region", "national")
NUM_HUBS = 40
FOCI = ("A", "B", "C", "D")
YEAR = "2025/26"
MAX_TRAVEL_KM = 60
COHORTS_AVAILABLE = (1, 2, 3, 4, 5, 6, 7)
COHORTS_TRAINING = (8, 9)

# Mix of applying schools (England's state schools, roughly) and of the stages they apply for.
PHASE_MIX = {"primary": 0.62, "secondary": 0.30, "special": 0.05, "all-through": 0.03}
STAGE_MIX = {"development": 0.44, "embedding": 0.20, "sustaining": 0.36}
SPECIALISTS_PER_SCHOOL = 0.30
# Supply over demand: available development places per development school, and work-group
# seats per school that needs one. Below 1 for the tight variant.
SUPPLY = {False: (1.1, 1.0), True: (0.70, 0.75)}
# How popular each focus is as a first choice (secondary sustaining schools).
FOCUS_POPULARITY = (0.32, 0.36, 0.12, 0.20)

# England only: Maths Hubs are English. Postcode areas wholly (or almost) in Scotland or Wales.
_NOT_ENGLAND = {
    "AB",
    "DD",
    "DG",
    "EH",
    "FK",
    "G",
    "HS",
    "IV",
    "KA",
    "KW",
    "KY",
    "ML",
    "PA",
    "PH",
    "TD",
    "ZE",
    "CF",
    "LD",
    "LL",
    "NP",
    "SA",
}
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON = 111.320 * math.cos(math.radians(52.5))

_PLACE_START = [
    "Oak",
    "Hazel",
    "Bramble",
    "Lark",
    "Kestrel",
    "Willow",
    "Fern",
    "Heron",
    "Rowan",
    "Elder",
    "Thorn",
    "Linden",
    "Chalk",
    "Beacon",
    "Orchard",
    "Hop",
    "Wren",
    "Swallow",
    "Alder",
    "Birch",
    "Cherry",
    "Furze",
    "Heath",
    "Medlar",
    "Sorrel",
    "Teasel",
    "Quince",
    "Yarrow",
    "Bluebell",
    "Cowslip",
    "Plover",
    "Sedge",
    "Mallow",
    "Nettle",
    "Tansy",
    "Ash",
    "Bracken",
    "Clover",
    "Dunnock",
    "Eyebright",
    "Foxglove",
    "Gorse",
    "Holly",
    "Ivy",
    "Juniper",
    "Kingfisher",
    "Lapwing",
    "Marten",
    "Nightjar",
    "Osier",
    "Pippin",
    "Rush",
    "Sloe",
    "Tern",
    "Vetch",
    "Whin",
    "Yew",
    "Burdock",
    "Cinder",
    "Dormouse",
]
_PLACE_END = [
    "combe",
    "mead",
    "hurst",
    "den",
    "ley",
    "ridge",
    "stead",
    "wick",
    "hollow",
    "croft",
    "dale",
    "brook",
    "down",
    "holt",
    "shaw",
    "field",
    "wood",
    "gate",
    "bourne",
    "lea",
    "ford",
    "thorpe",
    "by",
    "ton",
    "worth",
    "well",
    "moor",
    "fold",
    "bank",
    "side",
]
_SCHOOL_KIND = {
    "primary": [
        "Primary School",
        "Community Primary School",
        "Church of England Primary School",
        "Primary Academy",
        "Infant and Junior School",
        "Junior School",
    ],
    "secondary": ["Academy", "School", "High School", "Community College", "Grammar School"],
    "special": ["School", "Academy", "Special School"],
    "all-through": ["All-Through Academy", "All-Through School"],
}
# Synthetic people's names (also the demo script's): common first names and surnames.
FIRST_NAMES = [
    "Amelia",
    "Oliver",
    "Isla",
    "George",
    "Ava",
    "Harry",
    "Mia",
    "Noah",
    "Ivy",
    "Jack",
    "Freya",
    "Leo",
    "Lily",
    "Oscar",
    "Grace",
    "Arthur",
    "Evie",
    "Charlie",
    "Ruby",
    "Thomas",
    "Sophie",
    "James",
    "Poppy",
    "William",
    "Daisy",
    "Henry",
    "Alice",
    "Samuel",
    "Florence",
    "Joseph",
    "Emily",
    "Daniel",
    "Hannah",
    "Adam",
    "Zara",
    "Ibrahim",
    "Priya",
    "Kwame",
    "Aisha",
    "Tomasz",
    "Niamh",
    "Rhys",
    "Chloe",
    "Mohammed",
    "Eleanor",
    "Callum",
    "Megan",
    "Rohan",
    "Yasmin",
    "Ethan",
    "Harriet",
    "Owen",
    "Nadia",
    "Marcus",
    "Bethany",
    "Felix",
]
LAST_NAMES = [
    "Ashworth",
    "Bexley",
    "Carrow",
    "Dunmore",
    "Ellery",
    "Fairbrother",
    "Gresham",
    "Hadley",
    "Ingram",
    "Jessop",
    "Kendrick",
    "Lowther",
    "Marchant",
    "Norcott",
    "Oakes",
    "Pennell",
    "Quayle",
    "Redfern",
    "Stanier",
    "Thorley",
    "Underhill",
    "Varley",
    "Wetherall",
    "Yardley",
    "Aldous",
    "Brackley",
    "Cresswell",
    "Dabney",
    "Everard",
    "Fenwick",
    "Goddard",
    "Hollis",
    "Iveson",
    "Jarrold",
    "Kershaw",
    "Lidgate",
    "Mabey",
    "Nutley",
    "Okafor",
    "Patel",
    "Rahman",
    "Sandoval",
    "Tremayne",
    "Usher",
    "Vickery",
    "Whitlock",
    "Kowalski",
    "Nguyen",
    "Osei",
]
_ROLES = {
    "primary": ["Maths Lead", "Headteacher", "Deputy Headteacher", "Year 6 Teacher", "KS1 Lead"],
    "secondary": ["Head of Mathematics", "KS3 Maths Lead", "Second in Mathematics", "Teacher of Mathematics"],
    "special": ["Maths Lead", "Deputy Headteacher", "Class Teacher"],
    "all-through": ["Head of Mathematics", "Primary Maths Lead"],
}
_TRUST_KIND = ["Learning Trust", "Academy Trust", "Schools Partnership", "Education Trust", "Multi-Academy Trust"]

SCHOOL_COLUMNS = [
    *REQUIRED_COLUMNS["schools"],
    "latitude",
    "longitude",
    "focus_choices",
    "previous_specialist",
    "priority",
    "trust",
    *ADVOCATE_FIELDS,
]
SPECIALIST_COLUMNS = [
    *REQUIRED_COLUMNS["specialists"],
    "latitude",
    "longitude",
    "school_urn",
    "capacity",
    "embedding_capacity",
    "max_groups",
    "foci",
    "max_travel_km",
    "trust",
]
GROUP_COLUMNS = [
    "id",
    "hub",
    "phase",
    "focus",
    "venue_postcode",
    "venue_latitude",
    "venue_longitude",
    "lead",
    "min_schools",
    "max_schools",
]


class PositionsError(ValueError):
    """The positions file cannot be used (missing columns, no usable rows)."""


@dataclass(frozen=True)
class Site:
    """A position in England with a plausible postcode."""

    lat: float
    lon: float
    postcode: str


@dataclass
class _Hub:
    index: int
    name: str
    code: str
    centre: np.ndarray  # (x, y) km
    sectors: np.ndarray  # indices into the sector table
    weight: float  # postcodes in the hub's sectors
    secondary_pool: list[Site] = field(default_factory=list)
    cumulative: np.ndarray | None = None  # sector weights, cumulated (for drawing sites)


@dataclass(frozen=True)
class Generated:
    """What `generate` wrote."""

    scenario: Path
    num_hubs: int
    num_schools: int
    num_specialists: int
    num_groups: int


# --------------------------------------------------------------------------- positions


def _project(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """(n, 2) km on a plane tangent at 52.5 N: good enough to cluster and rank by distance."""
    return np.column_stack([np.asarray(lon) * _KM_PER_DEG_LON, np.asarray(lat) * _KM_PER_DEG_LAT])


def _read_sectors() -> dict[str, np.ndarray]:
    """England's postcode-sector centroids from the package data."""
    # Next to this module (importlib.resources cannot read a namespace-style editable install).
    path = Path(__file__).resolve().parents[1] / "data" / "postcode_sectors.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    col = {name: header.index(name) for name in ("sector", "lat", "lon", "n_postcodes")}
    keep = [r for r in rows if _area(r[col["sector"]]) not in _NOT_ENGLAND]
    return {
        "sector": np.array([r[col["sector"]] for r in keep], dtype=object),
        "lat": np.array([float(r[col["lat"]]) for r in keep]),
        "lon": np.array([float(r[col["lon"]]) for r in keep]),
        "n": np.array([float(r[col["n_postcodes"]]) for r in keep]),
    }


def _area(sector: str) -> str:
    out = ""
    for ch in sector:
        if not ch.isalpha():
            break
        out += ch
    return out


def read_positions(path: Path) -> list[Site]:
    """Real school positions: a CSV with `lat`/`lon` (or `latitude`/`longitude`) columns.

    A `postcode` column is used when its cells are valid postcodes; rows without both
    coordinates, or outside England's rough box, are skipped.

    Raises
    ------
    PositionsError
        When the columns are missing or no row is usable.
    """
    from allocator.inputs.geo import normalise_postcode

    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise PositionsError(f"{path}: the file is empty") from None
        rows = list(reader)
    lat_col = next((header.index(c) for c in ("lat", "latitude") if c in header), None)
    lon_col = next((header.index(c) for c in ("lon", "lng", "longitude") if c in header), None)
    if lat_col is None or lon_col is None:
        raise PositionsError(f"{path}: needs lat and lon (or latitude and longitude) columns")
    pc_col = header.index("postcode") if "postcode" in header else None
    sites = []
    for row in rows:
        try:
            lat, lon = float(row[lat_col]), float(row[lon_col])
        except (ValueError, IndexError):
            continue
        if not (49.8 <= lat <= 55.9 and -6.5 <= lon <= 1.8):
            continue
        postcode = None
        if pc_col is not None and pc_col < len(row):
            postcode = normalise_postcode(row[pc_col])
        sites.append(Site(round(lat, 5), round(lon, 5), postcode or ""))
    if not sites:
        raise PositionsError(f"{path}: no row has usable lat and lon")
    return sites


def _kmeans(xy: np.ndarray, weight: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Weighted k-means (k-means++ start, Lloyd steps); returns the (k, 2) centres."""
    p = weight / weight.sum()
    centres = np.empty((k, 2))
    centres[0] = xy[rng.choice(len(xy), p=p)]
    d2 = ((xy - centres[0]) ** 2).sum(1)
    for j in range(1, k):
        q = weight * d2
        centres[j] = xy[rng.choice(len(xy), p=q / q.sum())]
        d2 = np.minimum(d2, ((xy - centres[j]) ** 2).sum(1))
    for _ in range(100):
        label = _nearest(xy, centres)
        total = np.bincount(label, weights=weight, minlength=k)
        new = centres.copy()
        mine = total > 0
        for axis in (0, 1):
            sums = np.bincount(label, weights=weight * xy[:, axis], minlength=k)
            new[mine, axis] = sums[mine] / total[mine]
        if np.allclose(new, centres, atol=1e-3):
            break
        centres = new
    return centres


def _nearest(xy: np.ndarray, centres: np.ndarray) -> np.ndarray:
    d = (centres**2).sum(1)[None, :] - 2.0 * xy @ centres.T
    return np.argmin(d, axis=1)


# --------------------------------------------------------------------------- names


class _Namer:
    """Invented names, URNs, people and TRNs.

    Each hub draws its URNs from its own block of 9xxxxx numbers, so hubs can be
    generated independently without two schools sharing a URN.
    """

    def __init__(self, rng: np.random.Generator, block: int = 0):
        self.rng = rng
        self.block = block
        self.urns: set[str] = set()
        self.trns: set[str] = set()
        self.places: set[str] = set()

    def pick(self, items: list[str]) -> str:
        return items[int(self.rng.integers(len(items)))]

    def place(self, unique: bool = False) -> str:
        for _ in range(10_000):
            name = self.pick(_PLACE_START) + self.pick(_PLACE_END)
            if not unique or name not in self.places:
                self.places.add(name)
                return name
        raise RuntimeError("ran out of place names")

    def school(self, phase: str) -> str:
        return f"{self.place()} {self.pick(_SCHOOL_KIND[phase])}"

    def person(self) -> tuple[str, str]:
        return self.pick(FIRST_NAMES), self.pick(LAST_NAMES)

    def urn(self) -> str:
        size = 100_000 // NUM_HUBS
        low = 900_000 + self.block * size
        if len(self.urns) >= size // 2:
            raise ValueError("too many schools in one hub; lower --scale")
        while True:
            urn = str(int(self.rng.integers(low, low + size)))
            if urn not in self.urns:
                self.urns.add(urn)
                return urn

    def trn(self) -> str:
        while True:
            trn = str(int(self.rng.integers(1_000_000, 10_000_000)))
            if trn not in self.trns:
                self.trns.add(trn)
                return trn


# --------------------------------------------------------------------------- the map


@functools.lru_cache(maxsize=4)
def _hub_map(
    seed: int,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """Sectors, their projected positions, hub centres, each sector's hub, hub names."""
    rng = np.random.default_rng([seed, 0])
    sectors = _read_sectors()
    xy = _project(sectors["lat"], sectors["lon"])
    centres = _kmeans(xy, sectors["n"], NUM_HUBS, rng)
    # Number hubs north to south, so codes read like a map.
    centres = centres[np.argsort(-centres[:, 1], kind="stable")]
    label = _nearest(xy, centres)
    namer = _Namer(rng)
    names = tuple(f"{namer.place(unique=True)} Maths Hub" for _ in range(NUM_HUBS))
    for array in (xy, centres, label, *sectors.values()):
        array.flags.writeable = False
    return sectors, xy, centres, label, names


class _Map:
    """England's 40 hubs and the positions they can draw schools and venues from."""

    def __init__(self, seed: int, positions: list[Site] | None):
        self.sectors, self.xy, centres, label, names = _hub_map(seed)
        weight = self.sectors["n"]
        self.hubs = [
            _Hub(
                index=j,
                name=names[j],
                code=f"H{j + 1:02d}",
                centre=centres[j],
                sectors=np.flatnonzero(label == j),
                weight=float(weight[label == j].sum()),
            )
            for j in range(NUM_HUBS)
        ]
        if positions:
            rng = np.random.default_rng([seed, 1])
            pos_xy = _project(np.array([s.lat for s in positions]), np.array([s.lon for s in positions]))
            # A school belongs to the hub of the nearest centre, as the sectors do.
            hub_of = _nearest(pos_xy, centres).tolist()
            for n, (site, j) in enumerate(zip(positions, hub_of, strict=True)):
                hub = self.hubs[j]
                if not site.postcode:
                    near = _nearest(pos_xy[[n]], self.xy[hub.sectors])[0]
                    site = Site(site.lat, site.lon, self._postcode_in(int(hub.sectors[near]), rng))
                hub.secondary_pool.append(site)
            for hub in self.hubs:
                order = rng.permutation(len(hub.secondary_pool))
                hub.secondary_pool = [hub.secondary_pool[i] for i in order]

    def _postcode_in(self, sector: int, rng: np.random.Generator) -> str:
        a, b = rng.integers(len(_INWARD_LETTERS), size=2).tolist()
        return f"{self.sectors['sector'][sector]}{_INWARD_LETTERS[a]}{_INWARD_LETTERS[b]}"

    def site_near_sector(self, hub: _Hub, rng: np.random.Generator, jitter_km: float = 0.6) -> Site:
        """A point near a sector centroid of the hub (sectors weighted by their postcodes)."""
        if hub.cumulative is None:
            w = np.cumsum(self.sectors["n"][hub.sectors])
            hub.cumulative = w / w[-1]
        pick = min(int(np.searchsorted(hub.cumulative, rng.random())), len(hub.sectors) - 1)
        sector = int(hub.sectors[pick])
        dx, dy = rng.normal(0.0, jitter_km, size=2).tolist()
        x, y = self.xy[sector].tolist()
        lat, lon = (y + dy) / _KM_PER_DEG_LAT, (x + dx) / _KM_PER_DEG_LON
        return Site(round(lat, 5), round(lon, 5), self._postcode_in(sector, rng))

    def secondary_site(self, hub: _Hub, rng: np.random.Generator) -> Site:
        """A real secondary school's position while the hub's pool lasts, else a synthetic one."""
        if hub.secondary_pool:
            return hub.secondary_pool.pop()
        return self.site_near_sector(hub, rng, jitter_km=0.8)


# --------------------------------------------------------------------------- one hub's rows


@dataclass
class _Rows:
    schools: list[dict[str, str]] = field(default_factory=list)
    specialists: list[dict[str, str]] = field(default_factory=list)
    groups: list[dict[str, str]] = field(default_factory=list)


def _fmt(x: float) -> str:
    return f"{x:.5f}"


def _km(a: Site, b: Site) -> float:
    dy = (a.lat - b.lat) * _KM_PER_DEG_LAT
    dx = (a.lon - b.lon) * _KM_PER_DEG_LON
    return math.hypot(dx, dy)


def _choice(rng: np.random.Generator, mix: dict[str, float]) -> str:
    """A key of `mix`, drawn with its weight."""
    r = rng.random() * sum(mix.values())
    for key, weight in mix.items():
        r -= weight
        if r < 0:
            return key
    return key


def _advocates(namer: _Namer, phase: str, rng: np.random.Generator) -> dict[str, str]:
    out: dict[str, str] = {}
    count = 2 if rng.random() < (0.9 if phase == "secondary" else 0.7) else 1
    for n in (1, 2):
        if n > count:
            for part in ("name", "email", "trn", "role"):
                out[f"advocate_{n}_{part}"] = ""
            continue
        first, last = namer.person()
        out[f"advocate_{n}_name"] = f"{first} {last}"
        out[f"advocate_{n}_email"] = f"{first}.{last}{int(rng.integers(1, 99))}@example.org".lower()
        out[f"advocate_{n}_trn"] = namer.trn()
        out[f"advocate_{n}_role"] = namer.pick(_ROLES[phase])
    return out


def _specialist_phase(school_phase: str, rng: np.random.Generator) -> str:
    if school_phase in ("primary", "secondary"):
        return school_phase
    return "primary" if rng.random() < 0.5 else "secondary"


@dataclass
class _School:
    """An applying school while its hub is drawn: the row and what later steps read."""

    phase: str
    stage: str
    site: Site
    choices: str  # focus choices, ";"-separated
    side: str  # the specialist phase that serves it (primary or secondary)
    row: dict[str, str]
    own_of_specialist: bool = False


@dataclass
class _Specialist:
    """A specialist while its hub is drawn."""

    limits: dict[str, str]  # the row's own limit cells (see _specialist_limits)
    site: Site
    school_urn: str
    available: bool
    cohort: int
    id: str = ""

    @property
    def phase(self) -> str:
        return self.limits["phase"]


def _hub_rows(world: _Map, hub: _Hub, num_schools: int, tight: bool, seed: int, kind: str) -> _Rows:
    # Two streams: the applying schools are the same with and without `tight`;
    # only the supply (specialists, groups) differs. The steps below draw from them in
    # this order, so the same arguments give the same rows.
    rng_s = np.random.default_rng([seed, 3, KINDS.index(kind), hub.index])
    rng = np.random.default_rng([seed, 4, KINDS.index(kind), hub.index, int(tight)])
    namer_s = _Namer(rng_s, block=hub.index)
    namer = _Namer(rng, block=hub.index)
    namer.urns = namer_s.urns  # one set of URNs per hub
    dev_ratio, seat_ratio = SUPPLY[tight]
    trusts = [f"{namer_s.place()} {namer_s.pick(_TRUST_KIND)}" for _ in range(int(rng_s.integers(2, 6)))]

    schools = [_draw_school(world, hub, namer_s, trusts, rng_s) for _ in range(num_schools)]
    specialists = _draw_specialists(world, hub, schools, dev_ratio, namer, rng)
    rows = _Rows()
    rows.specialists = [_specialist_row(spec, hub, namer, trusts, rng) for spec in specialists]
    _name_previous_specialists(schools, specialists, rng)
    rows.schools = [school.row for school in schools]
    rows.groups = _draw_groups(world, hub, schools, specialists, tight, seat_ratio, rng)
    return rows


def _draw_school(world: _Map, hub: _Hub, namer: _Namer, trusts: list[str], rng: np.random.Generator) -> _School:
    """One applying school of the hub, its position and its row."""
    phase = _choice(rng, PHASE_MIX)
    stage = _choice(rng, STAGE_MIX)
    site = world.secondary_site(hub, rng) if phase in ("secondary", "all-through") else world.site_near_sector(hub, rng)
    choices = ""
    if phase == "secondary" and stage == "sustaining":
        k = int(rng.choice([1, 2, 3], p=[0.25, 0.45, 0.30]))
        choices = ";".join(rng.choice(FOCI, size=k, replace=False, p=FOCUS_POPULARITY))
    priority = int(rng.choice([0, 1, 2, 3], p=[0.75, 0.10, 0.10, 0.05]))
    side = _specialist_phase(phase, rng)
    row = {
        "urn": namer.urn(),
        "name": namer.school(phase),
        "hub": hub.name,
        "phase": phase,
        "stage": stage,
        "postcode": site.postcode,
        "latitude": _fmt(site.lat),
        "longitude": _fmt(site.lon),
        "focus_choices": choices,
        "previous_specialist": "",
        "priority": str(priority) if priority else "",
        "trust": trusts[int(rng.integers(len(trusts)))] if rng.random() < 0.4 else "",
        **_advocates(namer, phase, rng),
    }
    return _School(phase, stage, site, choices, side, row)


def _draw_specialists(
    world: _Map, hub: _Hub, schools: list[_School], dev_ratio: float, namer: _Namer, rng: np.random.Generator
) -> list[_Specialist]:
    """The hub's specialists, in a random order with their ids.

    Available ones give `dev_ratio` development places per development school of their
    phase; the others are still training (a later cohort).
    """
    dev_need = Counter(s.side for s in schools if s.stage == "development")
    total = max(2, round(SPECIALISTS_PER_SCHOOL * len(schools)))
    need_all = max(1, sum(dev_need.values()))
    specialists: list[_Specialist] = []
    for phase in ("primary", "secondary"):
        count = max(1, round(total * dev_need[phase] / need_all))
        places = 0
        for _ in range(count):
            limits = _specialist_limits(phase, rng)
            own = _own_school(phase, schools, rng)
            if own is not None:
                site, school_urn = own.site, own.row["urn"]
            else:
                site = world.secondary_site(hub, rng) if phase == "secondary" else world.site_near_sector(hub, rng)
                school_urn = namer.urn()
            available = places < dev_ratio * dev_need[phase]
            if available:
                places += 2 if limits["capacity"] == "" else int(limits["capacity"])
                cohort = int(rng.choice(COHORTS_AVAILABLE, p=_cohort_weights()))
            else:
                cohort = int(rng.choice(COHORTS_TRAINING))
            specialists.append(_Specialist(limits, site, school_urn, available, cohort))
    specialists = [specialists[i] for i in rng.permutation(len(specialists))]
    for n, spec in enumerate(specialists, start=1):
        spec.id = f"{hub.code}-MS{n:02d}"
    return specialists


def _own_school(phase: str, schools: list[_School], rng: np.random.Generator) -> _School | None:
    """Sometimes a secondary specialist's own school applies (never allocated to them)."""
    if phase != "secondary" or rng.random() >= 0.08:
        return None
    mine = [s for s in schools if s.phase == "secondary" and not s.own_of_specialist]
    if not mine:
        return None
    own = mine[int(rng.integers(len(mine)))]
    own.own_of_specialist = True
    return own


def _specialist_row(
    spec: _Specialist, hub: _Hub, namer: _Namer, trusts: list[str], rng: np.random.Generator
) -> dict[str, str]:
    first, last = namer.person()
    return {
        "id": spec.id,
        "name": f"{first} {last}",
        "hub": hub.name,
        "phase": spec.phase,
        "cohort": str(spec.cohort),
        "postcode": spec.site.postcode,
        "latitude": _fmt(spec.site.lat),
        "longitude": _fmt(spec.site.lon),
        "school_urn": spec.school_urn,
        "capacity": spec.limits["capacity"],
        "embedding_capacity": spec.limits["embedding_capacity"],
        "max_groups": spec.limits["max_groups"],
        "foci": spec.limits["foci"],
        "max_travel_km": spec.limits["max_travel_km"],
        "trust": trusts[int(rng.integers(len(trusts)))] if rng.random() < 0.4 else "",
    }


def _name_previous_specialists(
    schools: list[_School], specialists: list[_Specialist], rng: np.random.Generator
) -> None:
    """Embedding schools name last year's specialist: usually one of the nearest few."""
    for school in schools:
        if school.stage == "embedding" and rng.random() < 0.9:
            phase = school.phase
            fitting = [p for p in specialists if phase not in ("primary", "secondary") or p.phase == phase]
            fitting.sort(key=lambda p: _km(school.site, p.site))
            if fitting:
                choice = fitting[int(rng.integers(min(3, len(fitting))))]
                school.row["previous_specialist"] = choice.id


def _draw_groups(
    world: _Map,
    hub: _Hub,
    schools: list[_School],
    specialists: list[_Specialist],
    tight: bool,
    seat_ratio: float,
    rng: np.random.Generator,
) -> list[dict[str, str]]:
    """Work groups: seats for the embedding and sustaining schools of each phase."""
    seats: Counter[str] = Counter(
        ("special" if s.phase == "special" and rng.random() < 0.5 else s.side)
        for s in schools
        if s.stage in ("embedding", "sustaining")
    )
    first_choice = Counter(s.choices.split(";")[0] for s in schools if s.choices)
    foci_by_demand = [f for f, _ in first_choice.most_common()] + [f for f in FOCI if f not in first_choice]
    groups: list[dict[str, str]] = []
    g_no = 0  # numbers run on across phases and count a group drawn but not offered
    for phase in ("special", "primary", "secondary"):
        need = seats[phase]
        if phase == "special" and (need < 3 or rng.random() < 0.4):
            seats["primary"] += need  # no special group: special schools join primary groups
            continue
        leaders = [
            p
            for p in specialists
            if p.available
            and (phase == "special" or p.phase == phase)
            and p.limits["max_groups"] != "0"
            and p.limits["foci"] != "none"
        ]
        offered = 0
        target = need if phase == "special" else seat_ratio * need
        n = 0
        while offered < target:
            g_no += 1
            focus = foci_by_demand[n % len(foci_by_demand)] if phase == "secondary" else ""
            maximum = int(rng.choice([8, 10, 12], p=[0.25, 0.35, 0.40]))
            if tight and offered + maximum > target and n > 0:
                break  # tight: fewer seats than schools that need one
            offered += maximum
            n += 1
            group_id = f"{hub.code}-{_GROUP_LETTER[phase]}{g_no:02d}"
            groups.append(_group_row(world, hub, group_id, phase, focus, maximum, leaders, rng))
    return groups


def _group_row(
    world: _Map,
    hub: _Hub,
    group_id: str,
    phase: str,
    focus: str,
    maximum: int,
    leaders: list[_Specialist],
    rng: np.random.Generator,
) -> dict[str, str]:
    """One work group's row: a venue at a possible leader's site or near a sector, sometimes a fixed lead."""
    if leaders and rng.random() < 0.5:
        venue = leaders[int(rng.integers(len(leaders)))].site
    else:
        venue = world.site_near_sector(hub, rng)
    lead = ""
    if leaders and rng.random() < 0.1:
        fits = [p for p in leaders if not p.limits["foci"] or not focus or focus in p.limits["foci"]]
        if fits:
            lead = fits[int(rng.integers(len(fits)))].id
    return {
        "id": group_id,
        "hub": hub.name,
        "phase": phase,
        "focus": focus,
        "venue_postcode": venue.postcode,
        "venue_latitude": _fmt(venue.lat),
        "venue_longitude": _fmt(venue.lon),
        "lead": lead,
        "min_schools": "4" if rng.random() < 0.15 else "",
        "max_schools": "" if maximum == 8 else str(maximum),
    }


_GROUP_LETTER = {"primary": "P", "secondary": "S", "special": "X"}


def _specialist_limits(phase: str, rng: np.random.Generator) -> dict[str, str]:
    """A specialist's own limits: mostly the rule defaults (blank cells), some overrides."""
    spec = {"phase": phase, "capacity": "", "embedding_capacity": "", "max_groups": "", "foci": "", "max_travel_km": ""}
    r = rng.random()
    if r < 0.04:
        spec["capacity"] = "0"
    elif r < 0.08:
        spec["capacity"] = "1"
    elif r < 0.11:
        spec["capacity"] = "3"
    r = rng.random()
    if r < 0.05:
        spec["embedding_capacity"] = "0"
    elif r < 0.10:
        spec["embedding_capacity"] = "3"
    r = rng.random()
    if r < 0.05:
        spec["max_groups"] = "0"
    elif r < 0.10:
        spec["max_groups"] = "2"
    r = rng.random()
    if phase == "secondary" and r < 0.2:
        spec["foci"] = ";".join(sorted(rng.choice(FOCI, size=2, replace=False)))
    elif r > 0.93:
        spec["foci"] = "none"
    if rng.random() < 0.10:
        spec["max_travel_km"] = str(int(rng.choice([20, 25, 30, 40])))
    return spec


def _cohort_weights() -> np.ndarray:
    # Later cohorts are larger: the programme has grown.
    w = np.arange(1, len(COHORTS_AVAILABLE) + 1, dtype=float)
    return w / w.sum()


# --------------------------------------------------------------------------- the scenario


def _hubs_for(kind: str, world: _Map, rng: np.random.Generator) -> list[_Hub]:
    if kind == "national":
        return world.hubs
    first = world.hubs[int(rng.integers(NUM_HUBS))]
    if kind == "hub":
        return [first]
    d = [float(np.hypot(*(h.centre - first.centre))) for h in world.hubs]
    return [world.hubs[j] for j in np.argsort(d, kind="stable")[:5]]


def _school_counts(kind: str, hubs: list[_Hub], scale: float, rng: np.random.Generator) -> list[int]:
    if kind == "hub":
        return [max(6, round(int(rng.integers(60, 101)) * scale))]
    total = (4000 if kind == "national" else 500) * scale
    w = np.array([h.weight for h in hubs])
    w = 0.5 * w / w.sum() + 0.5 / len(hubs)  # real hubs vary, but less than population does
    return [max(6, round(total * x)) for x in w]


def scenario_yaml(kind: str, seed: int, tight: bool, hubs: int) -> str:
    """The scenario.yml text of a generated scenario."""
    label = f"{kind}{' tight' if tight else ''}"
    cohorts = ", ".join(map(str, COHORTS_AVAILABLE))
    return f"""# Generated by `allocate generate {kind} --seed {seed}{" --tight" if tight else ""}`:
# synthetic names, URNs, people and TRNs; positions from postcode-sector centroids
# (Open Government Licence v3.0: contains OS data (c) Crown copyright and database
# right; Royal Mail data (c) Royal Mail copyright and database right; National
# Statistics data (c) Crown copyright and database right) or the --positions file.
name: "Synthetic {label} scenario ({hubs} hub{"s" if hubs != 1 else ""}, seed {seed})"
year: "{YEAR}"
schools: schools.csv
specialists: specialists.csv
work_groups: work_groups.csv
foci: [A, B, C, D]
rules:
  available_cohorts: [{cohorts}]
  departments_per_specialist: 2
  embedding_per_specialist: 2
  groups_per_lead: 1
  max_travel_km: {MAX_TRAVEL_KM}
  allow_cross_hub: {"true" if kind == "region" else "false"}
  separate_trusts: false
weights:
  place: 1000
  priority: 200
  travel_per_km: 1
  focus_rank: [0, 30, 60, 90]
  continuity: 50
solver:
  time_limit_s: 60
  workers: 8
  seed: 0
locations: sector
"""


def _write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def generate(
    kind: str,
    out_dir: Path | str,
    *,
    seed: int = 0,
    tight: bool = False,
    positions: Path | str | None = None,
    scale: float = 1.0,
) -> Generated:
    """Write a synthetic scenario (scenario.yml and three CSV tables) into `out_dir`.

    Parameters
    ----------
    kind
        ``hub``, ``region`` or ``national`` (see the module docstring).
    out_dir
        Folder to write into (created; the four files are replaced).
    seed
        Random seed; the same arguments give byte-identical files.
    tight
        Demand exceeds supply: fewer available specialists and work-group seats.
    positions
        CSV of real school locations (``lat``/``lon``) for secondary and all-through
        schools; None: synthetic positions around postcode-sector centroids.
    scale
        Multiplies the number of schools (specialists and groups follow).

    Raises
    ------
    PositionsError
        When the positions file cannot be used.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    sites = read_positions(Path(positions)) if positions is not None else None
    world = _Map(seed, sites)
    rng = np.random.default_rng([seed, 2, KINDS.index(kind)])
    hubs = _hubs_for(kind, world, rng)
    counts = _school_counts(kind, hubs, scale, rng)
    rows = _Rows()
    for hub, count in zip(hubs, counts, strict=True):
        part = _hub_rows(world, hub, count, tight, seed, kind)
        rows.schools += part.schools
        rows.specialists += part.specialists
        rows.groups += part.groups
    # Expressions of interest arrive in no particular hub order.
    order = rng.permutation(len(rows.schools))
    rows.schools = [rows.schools[i] for i in order]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / "schools.csv", SCHOOL_COLUMNS, rows.schools)
    _write_csv(out / "specialists.csv", SPECIALIST_COLUMNS, rows.specialists)
    _write_csv(out / "work_groups.csv", GROUP_COLUMNS, rows.groups)
    scenario = out / "scenario.yml"
    scenario.write_text(scenario_yaml(kind, seed, tight, len(hubs)), encoding="utf-8")
    return Generated(scenario, len(hubs), len(rows.schools), len(rows.specialists), len(rows.groups))


@click.command("generate")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Random seed: the same arguments write byte-identical files.",
)
@click.option(
    "--tight", is_flag=True, default=False, help="Demand exceeds supply (fewer available specialists and group seats)."
)
@click.option(
    "--positions",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="CSV of real school locations (lat, lon; postcode if known) for secondary "
    "schools; default: synthetic positions around postcode-sector centroids.",
)
@click.option(
    "--scale",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Multiply the number of schools (e.g. 0.1 for a small test).",
)
def generate_command(kind: str, out_dir: Path, seed: int, tight: bool, positions: Path | None, scale: float) -> None:
    """Write a synthetic KIND scenario (hub, region or national) into OUT_DIR.

    \b
      hub       one Maths Hub, 60-100 applying schools
      region    five neighbouring hubs, cross-hub placement allowed (~500 schools)
      national  40 hubs: ~4,000 schools, 1,200 specialists, 240 work groups
    """
    try:
        made = generate(kind, out_dir, seed=seed, tight=tight, positions=positions, scale=scale)
    except PositionsError as exc:
        raise click.BadParameter(str(exc), param_hint="--positions") from None
    click.echo(
        f"Wrote {made.scenario}: {made.num_hubs} hub{'s' if made.num_hubs != 1 else ''}, "
        f"{made.num_schools} schools, {made.num_specialists} specialists, "
        f"{made.num_groups} work groups."
    )
