#!/usr/bin/env python3
"""Generate the synthetic demo scenario in ``scenarios/demo/``.

The demo is a fictional hub, the "Weald and Downs Maths Hub", set in west Kent
(Tonbridge, Tunbridge Wells, Sevenoaks, Maidstone, Medway; about 45 km across).
Every school name, person, e-mail address, TRN and URN is invented; only the
postcodes (and, on a few rows, the coordinates of those postcodes) are real,
drawn from the DfE 2017/18 school lists so that rows can be located offline.

Usage (from the repository root)::

    python scripts/make_demo_scenario.py \\
        --secondary PATH/england_state_secondary_2018_with_coords.csv \\
        --details PATH/dfe_school_details_2018.csv \\
        --sectors PATH/gb_sector_centroids_codepointopen.csv

``--sectors`` (GB postcode-sector centroids) keeps only postcodes whose sector
can be located offline; ``--out`` defaults to ``scenarios/demo`` next to this
script. A fixed seed makes the output byte-for-byte reproducible.

Design (what a good optimiser should show):

* development: 12 secondary applicants for 11 secondary development places
  (one secondary specialist takes no development school, one only one, and one
  has a personal 15 km limit), so at least one secondary school stays unplaced
  because every secondary specialist in reach is full;
* one primary development school lies about 100 km from every specialist and
  venue, beyond both the scenario's 60 km and the default 80 km limit;
* primary groups: 17 primary embedding/sustaining schools for two primary
  groups of 8, so one primary school misses out on a group place;
* one school belongs to a neighbouring hub, which has no specialists or groups
  in this file, so it cannot be placed without ``allow_cross_hub``;
* one embedding school names a previous specialist who is not in this year's
  table (a warning), one leaves it blank; one specialist's own school applies.

Contains public sector information licensed under the Open Government Licence
v3.0. Contains OS data (c) Crown copyright and database right; Royal Mail data
(c) Royal Mail copyright and database right; National Statistics data (c) Crown
copyright and database right.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from allocator.analysis.generate import FIRST_NAMES, LAST_NAMES

SEED = 20250601
HUB = "Weald and Downs Maths Hub"
OTHER_HUB = "Thames Estuary Maths Hub"
CENTRE = (51.20, 0.35)  # between Tonbridge and Maidstone
RADIUS_KM = 22.0
FAR_KM = (96.0, 104.0)  # the distant school: nearest specialist/venue in this band
EARTH_KM = 6371.009
FOCI = ["A", "B", "C", "D"]

OGL = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right; Royal Mail data © Royal Mail "
    "copyright and database right; National Statistics data © Crown copyright and database "
    "right."
)

# ---------------------------------------------------------------------------
# name material (invented; combinations that match a real school are rejected)

PLACE_START = [
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
]
PLACE_END = [
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
]
KIND = {
    "primary": [
        "Primary School",
        "Community Primary School",
        "Church of England Primary School",
        "Primary Academy",
        "Infant and Junior School",
    ],
    "secondary": ["Academy", "School", "High School", "Community College", "Academy"],
    "special": ["School", "Academy"],
    "all-through": ["All-Through Academy"],
}
FIRST, LAST = FIRST_NAMES, LAST_NAMES  # the same synthetic names as `allocate generate`
ROLES = {
    "primary": [
        "Maths Lead",
        "Headteacher",
        "Deputy Headteacher",
        "Assistant Headteacher",
        "Year 6 Teacher",
        "KS1 Lead",
        "Year 4 Teacher",
    ],
    "secondary": [
        "Head of Mathematics",
        "KS3 Maths Lead",
        "Teacher of Mathematics",
        "Second in Mathematics",
        "Assistant Head of Mathematics",
    ],
}
ROLES["special"] = ["Maths Lead", "Deputy Headteacher", "Class Teacher"]
ROLES["all-through"] = ["Head of Mathematics", "Primary Maths Lead"]
TRUSTS = ["Greensand Schools Partnership", "Wealden Ridge Academy Trust", "Medway Vale Learning Trust"]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(a))


def norm_postcode(pc: str) -> str:
    pc = "".join(str(pc).split()).upper()
    return f"{pc[:-3]} {pc[-3:]}"


def sector_of(pc: str) -> str:
    return norm_postcode(pc)[:-2]


@dataclass
class Site:
    """A real postcode (and, for secondary schools, its coordinates)."""

    postcode: str
    lat: float  # where the package will put it (sector centroid unless coordinates given)
    lon: float
    exact_lat: float | None = None
    exact_lon: float | None = None
    easting: int | None = None
    northing: int | None = None


@dataclass
class Namer:
    rng: random.Random
    real_names: set[str]
    real_words: set[str]
    used_places: set[str] = field(default_factory=set)
    used_people: set[str] = field(default_factory=set)
    used_trn: set[str] = field(default_factory=set)
    used_urn: set[str] = field(default_factory=set)
    real_urns: set[str] = field(default_factory=set)

    def place(self) -> str:
        while True:
            w = self.rng.choice(PLACE_START) + self.rng.choice(PLACE_END)
            if w not in self.used_places and w.lower() not in self.real_words:
                self.used_places.add(w)
                return w

    def school(self, phase: str) -> str:
        while True:
            name = f"{self.place()} {self.rng.choice(KIND[phase])}"
            if name.lower() not in self.real_names:
                return name

    def person(self) -> tuple[str, str]:
        while True:
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            if (first, last) not in self.used_people:
                self.used_people.add((first, last))
                return first, last

    def trn(self) -> str:
        while True:
            t = str(self.rng.randint(1_000_000, 9_999_999))
            if t not in self.used_trn:
                self.used_trn.add(t)
                return t

    def urn(self) -> str:
        while True:
            u = str(self.rng.randint(900_000, 999_999))
            if u not in self.used_urn and u not in self.real_urns:
                self.used_urn.add(u)
                return u


# ---------------------------------------------------------------------------
# reading the reference data


def load_pools(args: argparse.Namespace, rng: random.Random):
    sectors = pd.read_csv(args.sectors)
    sector_ll = {s: (la, lo) for s, la, lo in zip(sectors.sector, sectors.lat, sectors.lon, strict=True)}

    sec = pd.read_csv(args.secondary)
    det = pd.read_csv(args.details, encoding="cp1252", dtype={"URN": str})

    def locate(pc: str):
        return sector_ll.get(sector_of(pc)) if isinstance(pc, str) and len(pc) >= 5 else None

    # secondary sites: exact coordinates known
    sec = sec[(sec.coord_source == "postcode") & sec.Postcode.notna()].sort_values("URN")
    sec_sites = []
    for r in sec.itertuples():
        ll = locate(r.Postcode)
        if ll is None or haversine_km(*CENTRE, r.lat, r.lon) > RADIUS_KM:
            continue
        sec_sites.append(
            Site(
                norm_postcode(r.Postcode),
                ll[0],
                ll[1],
                round(r.lat, 5),
                round(r.lon, 5),
                int(r.easting),
                int(r.northing),
            )
        )

    det = det[(det.Status == 1) & (det.Type != "Independent School") & det.Postcode.notna()]
    det = det.sort_values("URN")
    primary_rows = det[(det.Primary == 1) & (det.Secondary == 0) & (det.Type != "Special School")]
    special_rows = det[det.Type == "Special School"]
    through_rows = det[
        (det.Primary == 1)
        & (det.Secondary == 1)
        & (det.Type != "Special School")
        & (det["Age From"] <= 5)
        & (det["Age To"] >= 16)
    ]

    def sites(rows, radius):
        out, seen = [], set()
        for pc in rows.Postcode:
            ll = locate(pc)
            if ll is None or norm_postcode(pc) in seen:
                continue
            if haversine_km(*CENTRE, *ll) <= radius:
                seen.add(norm_postcode(pc))
                out.append(Site(norm_postcode(pc), ll[0], ll[1]))
        return out

    pools = {
        "secondary": sec_sites,
        "primary": sites(primary_rows, RADIUS_KM - 2),
        "special": sites(special_rows, RADIUS_KM),
    }
    through = sorted(sites(through_rows, 40), key=lambda s: haversine_km(*CENTRE, s.lat, s.lon))
    pools["all-through"] = through[:1]
    far_candidates = sites(primary_rows, 200)
    for k in ("secondary", "primary", "special"):
        rng.shuffle(pools[k])

    real_names = {str(n).strip().lower() for n in det.Name}
    real_words = {str(n).split()[0].lower() for n in det.Name if str(n).split()}
    real_words |= {str(c).strip().lower() for c in det.City.dropna()}
    real_urns = set(det.URN.astype(str))
    return pools, far_candidates, real_names, real_words, real_urns


# ---------------------------------------------------------------------------
# the scenario design

# specialists: (id, phase, cohort, overrides)
SPECIALISTS = [
    ("MS01", "secondary", 1, {"foci": "A;C", "trust": TRUSTS[0], "own_school": True}),
    ("MS02", "secondary", 2, {"capacity": 0, "embedding_capacity": 3, "max_groups": 2}),
    ("MS03", "secondary", 2, {"capacity": 1, "own_school": True}),
    ("MS04", "secondary", 3, {"foci": "none"}),
    ("MS05", "secondary", 3, {"grid": True}),
    ("MS06", "secondary", 4, {"max_travel_km": 15}),
    ("MS07", "secondary", 4, {"trust": TRUSTS[1], "own_school": "applies", "grid": True}),
    ("MS08", "secondary", 5, {}),
    ("MS09", "secondary", 5, {}),
    ("MS10", "secondary", 6, {}),
    ("MS11", "primary", 1, {"own_school": True}),
    ("MS12", "primary", 1, {"trust": TRUSTS[0]}),
    ("MS13", "primary", 1, {}),
    ("MS14", "primary", 2, {"capacity": 1}),
    ("MS15", "primary", 2, {"own_school": True}),
    ("MS16", "primary", 2, {}),
    ("MS17", "primary", 3, {"embedding_capacity": 3}),
    ("MS18", "primary", 3, {"trust": TRUSTS[1], "own_school": True}),
    ("MS19", "primary", 3, {}),
    ("MS20", "primary", 4, {"max_groups": 0}),
    ("MS21", "primary", 4, {"trust": TRUSTS[2]}),
    ("MS22", "primary", 4, {}),
    ("MS23", "primary", 5, {}),
    ("MS24", "primary", 5, {}),
    ("MS25", "primary", 6, {}),
]
MISSING_SPECIALIST = "MS31"  # last year's specialist, no longer in the table

# schools: (phase, stage, count); extras added in build()
SCHOOL_PLAN = [
    ("secondary", "development", 12),
    ("primary", "development", 10),
    ("special", "development", 1),
    ("secondary", "embedding", 7),
    ("primary", "embedding", 8),
    ("all-through", "embedding", 1),
    ("secondary", "sustaining", 10),
    ("primary", "sustaining", 9),
    ("special", "sustaining", 1),
]
# ranked choices of the 10 secondary sustaining schools (A and B popular, D rare)
FOCUS_CHOICES = ["B;A;C", "A;B", "A", "C;A", "A;C;B;D", "B;C", "D;A", "B;A;C", "A;D", "C;B;A"]
# previous specialists of the embedding schools, in order (last year's pairs)
PREVIOUS = {
    "secondary": ["MS01", "MS01", "MS05", "MS05", "MS02", "MS02", "MS03"],
    "primary": ["MS11", "MS11", "MS15", "MS15", "MS17", "MS17", MISSING_SPECIALIST, ""],
    "all-through": ["MS04"],
}
PRIORITY = {
    ("secondary", "development"): [3, 1],
    ("primary", "development"): [2, 1],
    ("primary", "embedding"): [1],
    ("secondary", "sustaining"): [2],
    ("special", "development"): [1],
}

SCHOOL_COLUMNS = [
    "urn",
    "name",
    "hub",
    "phase",
    "stage",
    "postcode",
    "latitude",
    "longitude",
    "easting",
    "northing",
    "focus_choices",
    "previous_specialist",
    "priority",
    "trust",
    "advocate_1_name",
    "advocate_1_email",
    "advocate_1_trn",
    "advocate_1_role",
    "advocate_2_name",
    "advocate_2_email",
    "advocate_2_trn",
    "advocate_2_role",
    "max_travel_km",  # issue 11: the school's own settings
    "allow_cross_hub",
]
SPECIALIST_COLUMNS = [
    "id",
    "name",
    "hub",
    "phase",
    "cohort",
    "postcode",
    "latitude",
    "longitude",
    "easting",
    "northing",
    "school_urn",
    "capacity",
    "embedding_capacity",
    "max_groups",
    "foci",
    "max_travel_km",
    "trust",
    "pair_meetings",
    "email",
    "phone",
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
    "sessions",
    "hosting",
    "stage",  # issue 11: development groups and regional groups
    "cross_hub",
]


def build(args: argparse.Namespace):
    rng = random.Random(SEED)
    pools, far_candidates, real_names, real_words, real_urns = load_pools(args, rng)
    namer = Namer(rng, real_names, real_words, real_urns=real_urns)
    need = {"secondary": 38, "primary": 43, "special": 2, "all-through": 1}
    for k, n in need.items():
        if len(pools[k]) < n:
            sys.exit(f"not enough {k} postcodes near the centre: {len(pools[k])} < {n}")
    take = {k: iter(v) for k, v in pools.items()}

    # --- schools -------------------------------------------------------
    schools: list[dict] = []
    sites: dict[str, Site] = {}  # urn -> site (for checks)

    def add_school(phase, stage, site, hub=HUB, **extra):
        urn = namer.urn()
        row = {c: "" for c in SCHOOL_COLUMNS}
        row.update(urn=urn, name=namer.school(phase), hub=hub, phase=phase, stage=stage, postcode=site.postcode)
        row.update(extra)
        schools.append(row)
        sites[urn] = site
        return row

    for phase, stage, n in SCHOOL_PLAN:
        prios = list(PRIORITY.get((phase, stage), []))
        for i in range(n):
            extra = {}
            if phase == "secondary" and stage == "sustaining":
                extra["focus_choices"] = FOCUS_CHOICES[i]
            if stage == "embedding":
                extra["previous_specialist"] = PREVIOUS[phase][i]
            if i < len(prios):
                extra["priority"] = str(prios[i])
            add_school(phase, stage, next(take[phase]), **extra)

    # a school of a neighbouring hub (placed only with allow_cross_hub), on the northern edge
    rest = list(take["primary"])
    edge = max(rest, key=lambda site: site.lat)
    rest.remove(edge)
    take["primary"] = iter(rest)
    add_school("primary", "sustaining", edge, hub=OTHER_HUB)

    # --- specialists ---------------------------------------------------
    specialists: list[dict] = []
    spec_sites: dict[str, Site] = {}
    emb_secondary = [s for s in schools if s["phase"] == "secondary" and s["stage"] == "embedding"]
    for sid, phase, cohort, opts in SPECIALISTS:
        row = {c: "" for c in SPECIALIST_COLUMNS}
        first, last = namer.person()
        if opts.get("own_school") == "applies":
            # this specialist's own school is an applicant (last year taught by MS01)
            own = emb_secondary[1]
            site, urn = sites[own["urn"]], own["urn"]
        else:
            site = next(take[phase])
            urn = namer.urn() if opts.get("own_school") else ""
        row.update(
            id=sid,
            name=f"{first} {last}",
            hub=HUB,
            phase=phase,
            cohort=str(cohort),
            postcode=site.postcode,
            school_urn=urn,
        )
        for k in ("capacity", "embedding_capacity", "max_groups", "foci", "max_travel_km", "trust"):
            if k in opts:
                row[k] = str(opts[k])
        if opts.get("grid"):
            row.update(easting=str(site.easting), northing=str(site.northing))
            site = Site(site.postcode, site.exact_lat, site.exact_lon)
        specialists.append(row)
        spec_sites[sid] = site
    emb_secondary[1]["trust"] = TRUSTS[1]  # MS07's own school, in MS07's trust
    # Contacts (synthetic: example.org, Ofcom's drama numbers) and one pair meeting at its specialist.
    for n, row in enumerate(specialists, start=1):
        first, last = row["name"].lower().split()[0], row["name"].lower().split()[-1]
        row.update(email=f"{first}.{last}@example.org", phone=f"01632 960{100 + n:03d}")
        row["pair_meetings"] = "at specialist" if row["id"] == "MS12" else ""

    # --- explicit coordinates on some secondary school rows -------------
    sec_rows = [s for s in schools if s["phase"] == "secondary" and s["hub"] == HUB]
    picks = rng.sample(sec_rows, 13)
    for row in picks[:10]:
        site = sites[row["urn"]]
        row.update(latitude=f"{site.exact_lat:.5f}", longitude=f"{site.exact_lon:.5f}")
        sites[row["urn"]] = Site(site.postcode, site.exact_lat, site.exact_lon)
    for row in picks[10:]:
        site = sites[row["urn"]]
        row.update(easting=str(site.easting), northing=str(site.northing))
        sites[row["urn"]] = Site(site.postcode, site.exact_lat, site.exact_lon)

    # --- trusts on a few schools ----------------------------------------
    candidates = [s for s in schools if s["hub"] == HUB and s["trust"] == "" and s["phase"] in ("primary", "secondary")]
    for i, row in enumerate(rng.sample(candidates, 8)):
        row["trust"] = TRUSTS[i % len(TRUSTS)]

    # --- work groups ---------------------------------------------------
    unused_sec = list(take["secondary"])
    venue_sites = {}
    groups = []
    for gid, focus, site, limits in [
        ("WD-S-A", "A", spec_sites["MS05"], {}),
        ("WD-S-B", "B", spec_sites["MS03"], {}),
        ("WD-S-C", "C", sites[sec_rows[-1]["urn"]], {"max_schools": "6"}),
        ("WD-S-D", "D", unused_sec[0], {"min_schools": "4"}),
    ]:
        row = {c: "" for c in GROUP_COLUMNS}
        row.update(id=gid, hub=HUB, phase="secondary", focus=focus, venue_postcode=site.postcode, **limits)
        groups.append(row)
        venue_sites[gid] = site
    # primary group 1: fixed lead, meets at the lead's school (postcode given)
    row = {c: "" for c in GROUP_COLUMNS}
    row.update(
        id="WD-P-1",
        hub=HUB,
        phase="primary",
        venue_postcode=spec_sites["MS13"].postcode,
        lead="MS13",
        min_schools="3",
        max_schools="8",
        hosting="rotate",  # the first session at MS13's school, then around its schools
    )
    groups.append(row)
    venue_sites["WD-P-1"] = spec_sites["MS13"]
    # primary group 2: venue given by coordinates (a hired hall), lead chosen by the optimiser
    v = unused_sec[1]
    row = {c: "" for c in GROUP_COLUMNS}
    row.update(
        id="WD-P-2",
        hub=HUB,
        phase="primary",
        venue_latitude=f"{v.exact_lat:.5f}",
        venue_longitude=f"{v.exact_lon:.5f}",
        hosting="rotate",  # the first session at its chosen lead's school
    )
    groups.append(row)
    venue_sites["WD-P-2"] = Site(v.postcode, v.exact_lat, v.exact_lon)

    # --- the distant school ----------------------------------------------
    points = [(s.lat, s.lon) for s in spec_sites.values()] + [(s.lat, s.lon) for s in venue_sites.values()]
    band = []
    for site in far_candidates:
        d = min(haversine_km(site.lat, site.lon, la, lo) for la, lo in points)
        if FAR_KM[0] <= d <= FAR_KM[1]:
            band.append(site)
    if not band:
        sys.exit("no distant primary postcode found")
    far = rng.choice(band)
    # insert it among the primary development schools
    row = add_school("primary", "development", far)
    schools.remove(row)
    last_pd = max(i for i, s in enumerate(schools) if s["phase"] == "primary" and s["stage"] == "development")
    schools.insert(last_pd + 1, row)

    # --- mastery advocates ---------------------------------------------
    single = [s for s in schools if s["phase"] == "secondary"][3::11][:2]
    for row in schools:
        n = 1 if row in single else 2
        roles = rng.sample(ROLES[row["phase"]], 2)
        for k in range(1, n + 1):
            first, last = namer.person()
            row[f"advocate_{k}_name"] = f"{first} {last}"
            row[f"advocate_{k}_email"] = f"{first}.{last}@example.org".lower()
            row[f"advocate_{k}_trn"] = namer.trn()
            row[f"advocate_{k}_role"] = roles[k - 1]

    return schools, specialists, groups, sites, spec_sites, venue_sites, far, real_names


# ---------------------------------------------------------------------------
# writing


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


SCENARIO_YML = """\
# Synthetic demo: a fictional hub in west Kent. Names, URNs and people are invented;
# postcodes are real (see README.md for the Open Government Licence attribution).
name: {hub} demo (synthetic)
year: "2025/26"
schools: schools.csv
specialists: specialists.csv
work_groups: work_groups.csv
foci:                                 # this year's focus codes, with titles and project codes
  A: {{title: Developing mathematical thinking, code: NCP24-14a}}
  B: {{title: Fluency with multiplicative reasoning in KS3, code: NCP24-14b}}
  C: {{title: Coherence across maths and science, code: NCP24-14c}}
  D: {{title: Bespoke, code: NCP24-14d}}
funding: {{development: 2000, embedding: 0, sustaining: 0}}   # pounds per placed school
rules:
  available_cohorts: [1, 2, 3, 4]   # cohorts 5 and 6 are still training
  departments_per_specialist: 2
  embedding_per_specialist: 2
  groups_per_lead: 1
  max_travel_km: 60
  allow_cross_hub: false
  separate_trusts: false
  whole_pairs: false                # true: never leave a specialist with one development school
weights:
  place: 1000
  priority: 200
  travel_per_km: 1
  focus_rank: [0, 30, 60, 90]
  continuity: 50
  lone_department: 400              # a specialist with one development school where two fit
{extra}solver:
  time_limit_s: 30
  workers: 8
  seed: 0
output:
  formats: [csv]
calendar:                             # when work groups and development pairs meet
  terms:
    - {{start: 2025-09-03, end: 2025-12-19}}
    - {{start: 2026-01-05, end: 2026-03-27}}
    - {{start: 2026-04-13, end: 2026-07-21}}
  holidays:
    - {{start: 2025-10-27, end: 2025-10-31}}   # half terms
    - {{start: 2026-02-16, end: 2026-02-20}}
    - {{start: 2026-05-25, end: 2026-05-29}}
    - 2026-05-04                              # early May bank holiday
  weekdays: [tuesday, wednesday, thursday]
  afternoon: {{start: "13:30", end: "15:30"}}
  twilight: {{start: "15:45", end: "17:00"}}  # optional
"""


def add_programme_features(schools: list[dict], specialists: list[dict], groups: list[dict]) -> None:
    """What issue 11 added by hand, applied the same way: a special schools' development
    group across hubs (WD-SEN-D, at Willowholt School, with two new special schools, one
    of the Thames Estuary hub), WD-P-2 meeting at its chosen lead's school (no venue
    columns), and a primary school with its own 4 km travel limit that only MS22 (own
    limit 4 km) reaches: the one lone department the optimiser cannot avoid."""
    advocates = {
        "915501": (("Ruby Ashdown", "5120437", "Maths Lead"), ("Omar Penrose", "6231548", "Class Teacher")),
        "915502": (("Hana Kilbride", "7342659", "Maths Lead"), ("Evan Thorley", "8453760", "Class Teacher")),
        "915503": (("Lily Marchant", "9564871", "Maths Lead"), ("Sam Oduya", "1675982", "Year 5 Teacher")),
    }
    new = [
        ("915501", "Kingfisher Brook School", HUB, "special", "ME4 6JB", "1", ""),
        ("915502", "Reedmarsh School", OTHER_HUB, "special", "DA3 8BL", "0", ""),
        ("915503", "Cobnut Hill Primary School", HUB, "primary", "ME19 5NX", "0", "4"),
    ]
    for urn, name, hub, phase, postcode, priority, km in new:
        row = {c: "" for c in SCHOOL_COLUMNS}
        row.update(urn=urn, name=name, hub=hub, phase=phase, stage="development", postcode=postcode)
        row.update(priority=priority, max_travel_km=km)
        for n, (person, trn, role) in enumerate(advocates[urn], start=1):
            email = person.lower().replace(" ", ".") + "@example.org"
            row.update({f"advocate_{n}_name": person, f"advocate_{n}_email": email})
            row.update({f"advocate_{n}_trn": trn, f"advocate_{n}_role": role})
        schools.append(row)
    for row in specialists:
        if row["id"] == "MS22":
            row["max_travel_km"] = "4"
    for row in groups:
        if row["id"] == "WD-P-2":
            row["venue_latitude"] = row["venue_longitude"] = ""
    special = {c: "" for c in GROUP_COLUMNS}
    special.update(id="WD-SEN-D", hub=HUB, phase="special", venue_latitude="51.3577", venue_longitude="0.4805")
    special.update(stage="development", cross_hub="yes")
    groups.append(special)


def write_all(out: Path, schools, specialists, groups, pins_block: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    add_programme_features(schools, specialists, groups)
    write_csv(out / "schools.csv", SCHOOL_COLUMNS, schools)
    write_csv(out / "specialists.csv", SPECIALIST_COLUMNS, specialists)
    write_csv(out / "work_groups.csv", GROUP_COLUMNS, groups)
    (out / "scenario.yml").write_text(SCENARIO_YML.format(hub=HUB, extra=""), encoding="utf-8")
    (out / "scenario_pins.yml").write_text(
        SCENARIO_YML.format(hub=HUB, extra=pins_block).replace(
            "demo (synthetic)", "demo with hub lead decisions (synthetic)"
        ),
        encoding="utf-8",
    )
    (out / "README.md").write_text(
        f"# Demo scenario: {HUB}\n\n"
        f"A fictional Maths Hub in west Kent for trying `allocate`: {len(schools)} applying "
        f"schools, {len(specialists)} Mastery Specialists and {len(groups)} work groups "
        "(`scenario.yml`; `scenario_pins.yml` adds two pins and one forbid). It shows the "
        "programme's shape: specialists' development pairs, one lone department the optimiser "
        "cannot avoid (Cobnut Hill Primary School, with its own 4 km travel limit, reaches only "
        "MS22), a special schools' Development Work Group across hubs (WD-SEN-D), a primary "
        "group meeting at its chosen lead's school (WD-P-2), foci with titles and project "
        "codes, and funding per placed school. All school "
        "names, people, e-mail addresses (example.org), TRNs and URNs (9xxxxx) are synthetic; "
        "the postcodes and coordinates are real, taken from the DfE 2017/18 school lists, "
        "so no row describes a real school or person. Both scenarios have a `calendar:` "
        "for 2025/26 (terms, half terms, a bank holiday). The tables are regenerated "
        "reproducibly by `scripts/make_demo_scenario.py`. " + OGL + "\n",
        encoding="utf-8",
    )


def pins_for(schools, specialists, groups, sites, spec_sites) -> str:
    """Two pins that hold under the rules and one forbid, all with quoted ids."""
    emb = next(
        s
        for s in schools
        if s["stage"] == "embedding" and s["phase"] == "secondary" and s["previous_specialist"] == "MS05"
    )
    sus = next(
        s
        for s in schools
        if s["stage"] == "sustaining"
        and s["phase"] == "secondary"
        and "B" in s["focus_choices"].split(";")
        and s["focus_choices"][0] != "B"
    )
    dev = next(s for s in schools if s["stage"] == "development" and s["phase"] == "primary" and s["hub"] == HUB)
    near = min(
        (p for p in specialists if p["phase"] == "primary" and int(p["cohort"]) <= 4),
        key=lambda p: haversine_km(
            sites[dev["urn"]].lat, sites[dev["urn"]].lon, spec_sites[p["id"]].lat, spec_sites[p["id"]].lon
        ),
    )
    return (
        "pins:                               # hub lead decisions\n"
        f'  - {{school: "{emb["urn"]}", specialist: "MS05"}}   # keep last year\'s specialist\n'
        f'  - {{school: "{sus["urn"]}", group: "WD-S-B"}}      # B is among its choices\n'
        "forbid:\n"
        f'  - {{school: "{dev["urn"]}", specialist: "{near["id"]}"}}   # its nearest specialist\n'
    )


# ---------------------------------------------------------------------------
# checks (pandas)


def check(out: Path, sites, spec_sites, venue_sites, far, real_names) -> None:
    sc = pd.read_csv(out / "schools.csv", dtype=str, keep_default_na=False)
    sp = pd.read_csv(out / "specialists.csv", dtype=str, keep_default_na=False)
    wg = pd.read_csv(out / "work_groups.csv", dtype=str, keep_default_na=False)
    sectors = set(pd.read_csv(args_global.sectors).sector)
    problems = []

    def need(cond, msg):
        if not cond:
            problems.append(msg)

    need(sc.urn.is_unique and sc.urn.str.fullmatch(r"9\d{5}").all(), "school URNs")
    need(sp.id.is_unique and wg.id.is_unique, "ids unique")
    need(not (set(sp.id) & set(wg.id)), "specialist and group ids distinct")
    ids = set(sp.id)
    need(set(wg.lead[wg.lead != ""]) <= ids, "group leads exist")
    prev = set(sc.previous_specialist[sc.previous_specialist != ""])
    need(prev - ids == {MISSING_SPECIALIST}, f"previous specialists {prev - ids}")
    own = sp.school_urn[sp.school_urn != ""]
    need(own.is_unique and not (set(own) & set(sc.urn)) - {own[sp.id == "MS07"].iloc[0]}, "specialist school URNs")
    venues = list(wg.venue_postcode[wg.venue_postcode != ""])
    for pc in list(sc.postcode) + list(sp.postcode) + venues:
        need(sector_of(pc) in sectors, f"sector of {pc}")
    susec = sc[(sc.phase == "secondary") & (sc.stage == "sustaining")]
    for ch in susec.focus_choices:
        codes = ch.split(";")
        need(len(codes) == len(set(codes)) and set(codes) <= set(FOCI), f"choices {ch}")
    need(sc.advocate_1_trn.str.fullmatch(r"\d{7}").all(), "TRNs")
    need((sc.advocate_2_name == "").sum() >= 1, "a school with one advocate")
    names = list(sc.name) + list(sp.name)
    need(len(set(names)) == len(names), "names unique")
    need(not {n.lower() for n in sc.name} & real_names, "a real school name")

    avail = sp[sp.cohort.astype(int) <= 4]
    lim = {r.id: min(60.0, float(r.max_travel_km or 60)) for r in avail.itertuples()}
    few = []
    for r in sc.itertuples():
        s = sites[r.urn]
        phases = {"primary", "secondary"} if r.phase in ("special", "all-through") else {r.phase}
        near = [
            p.id
            for p in avail.itertuples()
            if p.phase in phases and haversine_km(s.lat, s.lon, spec_sites[p.id].lat, spec_sites[p.id].lon) <= lim[p.id]
        ]
        if len(near) < 3:
            few.append((r.urn, r.stage, len(near)))
    far_rows = sc[sc.postcode == far.postcode]
    need(len(far_rows) == 1, "far school")
    need(few == [(far_rows.urn.iloc[0], "development", 0)], f"schools with few specialists: {few}")
    if problems:
        sys.exit("checks failed:\n  " + "\n  ".join(problems))


def summary(out: Path, sites, spec_sites, venue_sites) -> None:
    sc = pd.read_csv(out / "schools.csv", dtype=str, keep_default_na=False)
    sp = pd.read_csv(out / "specialists.csv", dtype=str, keep_default_na=False)
    wg = pd.read_csv(out / "work_groups.csv", dtype=str, keep_default_na=False)
    print(pd.crosstab(sc.stage, sc.phase, margins=True).to_string(), "\n")
    print(pd.crosstab(sp.cohort, sp.phase, margins=True).to_string(), "\n")
    print(wg.to_string(index=False), "\n")
    d = [haversine_km(sites[u].lat, sites[u].lon, s.lat, s.lon) for u in sc.urn for s in spec_sites.values()]
    xs = [(sites[u].lat, sites[u].lon) for u in sc.urn] + [(s.lat, s.lon) for s in spec_sites.values()]
    span = max(
        haversine_km(*a, *b) for a in xs for b in xs if max(haversine_km(*a, *CENTRE), haversine_km(*b, *CENTRE)) < 50
    )
    print(
        f"school-specialist km: median {sorted(d)[len(d) // 2]:.1f}; "
        f"area span (excluding the distant school) {span:.1f} km"
    )


args_global: argparse.Namespace


def main(argv: list[str] | None = None) -> None:
    global args_global
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--secondary", required=True, type=Path, help="england_state_secondary_2018_with_coords.csv")
    ap.add_argument("--details", required=True, type=Path, help="dfe_school_details_2018.csv (cp1252)")
    ap.add_argument("--sectors", required=True, type=Path, help="gb_sector_centroids_codepointopen.csv")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "scenarios" / "demo")
    ap.add_argument("--quiet", action="store_true")
    args = args_global = ap.parse_args(argv)

    schools, specialists, groups, sites, spec_sites, venue_sites, far, real_names = build(args)
    pins = pins_for(schools, specialists, groups, sites, spec_sites)
    write_all(args.out, schools, specialists, groups, pins)
    check(args.out, sites, spec_sites, venue_sites, far, real_names)
    if not args.quiet:
        summary(args.out, sites, spec_sites, venue_sites)
        print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
