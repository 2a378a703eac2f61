"""report.html: one self-contained page a hub lead can open anywhere, with no network.

The page shows the summary, a map of schools, specialists and work group venues
with a line for every placement (coloured by stage; unplaced schools marked), a
histogram of trip distances, and the tables. Everything is inline: the map and
histogram are SVG drawn here, the land under the map is the simplified outline of
Great Britain in `data/gb_outline.csv.gz` (OS Code-Point Open, Open Government
Licence v3.0), and a few lines of hand-written JavaScript add zoom, pan,
highlighting, sortable tables and an optional OpenStreetMap background that is
off until the reader ticks it (the only thing that ever uses the network). The
script and style sheet are package files, `report/assets/report.js` and
`report.css`, inlined into the page.

The map uses the Web Mercator projection, so the optional tiles line up exactly;
at the size of a hub it looks like any local map. Advocates' personal data is
never put in the page.
"""

from __future__ import annotations

import gzip
import html
import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from allocator.problem.data import STAGES
from allocator.problem.venues import venue_used
from allocator.report.calendar import sessions_html
from allocator.report.workbook import UNPLACED_COLUMNS, numeric_columns

if TYPE_CHECKING:
    from allocator.outcome import Outcome
    from allocator.problem.data import Location, ProblemData, School
    from allocator.solving.solution import Allocation

CROSS = '<path class="cross" d="M-3.5-3.5L3.5 3.5M-3.5 3.5L3.5-3.5"/>'
STAGE_COLOURS = {"development": "#1b9e77", "embedding": "#d95f02", "sustaining": "#7570b3"}
MAP_W, MAP_H = 1000, 680
EARTH_CIRCUMFERENCE_KM = 40_075.017  # at the equator (WGS-84): one Web Mercator world width
OUTLINE = Path(__file__).resolve().parents[1] / "data" / "gb_outline.csv.gz"
OUTLINE_CREDIT = (
    "Outline of Great Britain derived from OS Code-Point Open: contains OS data © Crown "
    "copyright and database right; Royal Mail data © Royal Mail copyright and database right; "
    "National Statistics data © Crown copyright and database right (Open Government Licence v3.0)."
)


def write_html(path: Path, solved: Outcome) -> None:
    """Write the report of `solved` as one self-contained HTML file at `path`."""
    path.write_text(render_html(solved), encoding="utf-8")


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


# --------------------------------------------------------------------------- map


def mercator(lat: float, lon: float) -> tuple[float, float]:
    """Web Mercator in world units: x, y in [0, 1], y down (as map tiles number them)."""
    phi = math.radians(max(-85.0, min(85.0, lat)))
    x = (lon + 180.0) / 360.0
    y = (1.0 - math.log(math.tan(phi) + 1.0 / math.cos(phi)) / math.pi) / 2.0
    return x, y


class Frame:
    """Maps world units to SVG pixels so that `points` fill a MAP_W × MAP_H box."""

    def __init__(self, points: Sequence[tuple[float, float]], pad: float = 0.08) -> None:
        xs = [p[0] for p in points] or [mercator(52.5, -1.5)[0]]
        ys = [p[1] for p in points] or [mercator(52.5, -1.5)[1]]
        min_span = 8e-5  # about 3 km at English latitudes: one school still gets a map
        dx = max(max(xs) - min(xs), min_span)
        dy = max(max(ys) - min(ys), min_span)
        self.scale = min(MAP_W / (dx * (1 + 2 * pad)), MAP_H / (dy * (1 + 2 * pad)))
        cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
        self.x0 = cx - MAP_W / (2 * self.scale)
        self.y0 = cy - MAP_H / (2 * self.scale)

    def __call__(self, loc: Location) -> tuple[float, float]:
        x, y = mercator(loc.lat, loc.lon)
        return round((x - self.x0) * self.scale, 2), round((y - self.y0) * self.scale, 2)

    def lonlat(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = mercator(lat, lon)
        return round((x - self.x0) * self.scale, 1), round((y - self.y0) * self.scale, 1)


@lru_cache(maxsize=1)
def outline_rings() -> tuple[tuple[tuple[float, float], ...], ...]:
    """The rings of the Great Britain outline as (lon, lat) tuples."""
    rings: dict[str, list[tuple[float, float]]] = {}
    with gzip.open(OUTLINE, "rt", encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            ring, lon, lat = line.strip().split(",")
            rings.setdefault(ring, []).append((float(lon), float(lat)))
    return tuple(tuple(r) for r in rings.values())


def _outline_path(frame: Frame) -> str:
    parts = []
    for ring in outline_rings():
        pts = [frame.lonlat(lon, lat) for lon, lat in ring]
        parts.append("M" + "L".join(f"{x:g} {y:g}" for x, y in pts) + "Z")
    return "".join(parts)


def _marker(kind: str, x: float, y: float, classes: str, data: dict[str, str], title: str, shape: str) -> str:
    attrs = "".join(f' data-{k}="{_e(v)}"' for k, v in data.items())
    return (
        f'<g class="marker {kind} {classes}" transform="translate({x} {y})" data-x="{x}" '
        f'data-y="{y}"{attrs}><title>{_e(title)}</title>{shape}</g>'
    )


def map_svg(solved: Outcome) -> str:
    """The map: land, a line per placement, venues, specialists and one marker per school."""
    problem = solved.problem
    allocation = solved.result.allocation
    assert allocation is not None  # the report is written only for a found allocation
    shown = [
        p
        for p, sp in enumerate(problem.specialists)
        if sp.available or p in allocation.school_specialist or p in allocation.group_lead
    ]
    world = [mercator(s.location.lat, s.location.lon) for s in problem.schools]
    world += [mercator(problem.specialists[p].location.lat, problem.specialists[p].location.lon) for p in shown]
    world += [mercator(g.venue.lat, g.venue.lon) for g in problem.work_groups]
    frame = Frame(world)
    links, schools, fit = _school_layers(problem, allocation, solved.tables["allocations"], frame)
    specialists = [_specialist_marker(problem, allocation, frame, p) for p in shown]
    venues = [_venue_marker(problem, allocation, frame, g) for g in range(problem.num_groups)]
    return (
        f'<svg id="map" viewBox="0 0 {MAP_W} {MAP_H}" {_frame_attrs(frame, fit)} role="img" '
        f'aria-label="Map of schools, specialists and work group venues">'
        f'<rect class="sea" x="-100000" y="-100000" width="200000" height="200000"/>'
        f'<g id="tiles"></g>'
        f'<path id="land" d="{_outline_path(frame)}"/>'
        f'<g id="links">{"".join(links)}</g>'
        f'<g id="venues">{"".join(venues)}</g>'
        f'<g id="specialists">{"".join(specialists)}</g>'
        f'<g id="schools">{"".join(schools)}</g>'
        "</svg>"
    )


def _school_layers(
    problem: ProblemData, allocation: Allocation, rows: pd.DataFrame, frame: Frame
) -> tuple[list[str], list[str], list[tuple[float, float]]]:
    """Each school's marker and its placement lines, and the points "Zoom to placements" shows."""
    status = dict(zip(rows["urn"], rows["status"], strict=True))
    km = {
        "specialist": dict(zip(rows["urn"], rows["km_to_specialist"], strict=True)),
        "venue": dict(zip(rows["urn"], rows["km_to_venue"], strict=True)),
    }
    links, markers = [], []
    fit: list[tuple[float, float]] = []
    for s, school in enumerate(problem.schools):
        x, y = frame(school.location)
        placed = status.get(school.urn) == "placed"
        p = allocation.school_specialist[s] if placed else None
        g = allocation.school_group[s] if placed else None
        what = []
        if placed:
            fit.append((x, y))
        if p is not None:
            specialist = problem.specialists[p]
            ends = ("specialist", "specialist", specialist.id, specialist.location)
            links.append(_link(school, (x, y), ends, km["specialist"], frame, fit))
            what.append(f"specialist {specialist.id}")
        if g is not None:
            group = problem.work_groups[g]
            venue = venue_used(problem, g, allocation.group_lead[g]).location or group.venue
            links.append(_link(school, (x, y), ("venue", "group", group.id, venue), km["venue"], frame, fit))
            what.append(f"work group {group.id}")
        title = f"{school.name} ({school.urn}), {school.phase} {school.stage}: " + (
            ", ".join(what) if placed else "unplaced"
        )
        shape = '<circle r="6"/>' + ("" if placed else CROSS)
        classes = f"stage-{school.stage} {'placed' if placed else 'unplaced'}"
        markers.append(_marker("school", x, y, classes, {"urn": school.urn}, title, shape))
    return links, markers, fit


def _link(
    school: School,
    start: tuple[float, float],
    end: tuple[str, str, str, Location],
    km: dict[str, Any],
    frame: Frame,
    fit: list[tuple[float, float]],
) -> str:
    """A school's line to its specialist or venue; `end` is (to, data key, id, location)."""
    to, key, end_id, location = end
    x, y = start
    ex, ey = frame(location)
    fit.append((ex, ey))
    label = "specialist" if to == "specialist" else "work group"
    return (
        f'<line class="link to-{to} stage-{school.stage}" x1="{x}" y1="{y}" '
        f'x2="{ex}" y2="{ey}" data-urn="{_e(school.urn)}" '
        f'data-{key}="{_e(end_id)}"><title>{_e(school.name)} – '
        f"{label} {_e(end_id)}: {_e(km.get(school.urn))} km"
        "</title></line>"
    )


def _specialist_marker(problem: ProblemData, allocation: Allocation, frame: Frame, p: int) -> str:
    sp = problem.specialists[p]
    x, y = frame(sp.location)
    load = sum(1 for v in allocation.school_specialist if v == p)
    used = load > 0 or p in allocation.group_lead
    title = (
        f"{sp.name} ({sp.id}), {sp.phase} specialist, cohort {sp.cohort}: "
        f"{load} school{'s' if load != 1 else ''}" + ("" if sp.available else " (not available this year)")
    )
    classes = ("used" if used else "idle") + ("" if sp.available else " unavailable")
    return _marker("specialist", x, y, classes, {"specialist": sp.id}, title, '<path d="M0-8L7 4.5H-7Z"/>')


def _venue_marker(problem: ProblemData, allocation: Allocation, frame: Frame, g: int) -> str:
    group = problem.work_groups[g]
    size = sum(1 for v in allocation.school_group if v == g)
    lead = allocation.group_lead[g]
    used = venue_used(problem, g, lead if size else None)
    x, y = frame(used.location or group.venue)
    runs = size > 0
    focus = f", focus {group.focus}" if group.focus else ""
    state = f"{size} schools, lead {problem.specialists[lead].id}" if runs and lead is not None else "does not run"
    where = used.postcode or ("its chosen lead's school" if used.source == "chosen lead" else "its venue")
    title = f"work group {group.id} ({group.phase}{focus}) at {where}: {state}"
    shape = '<rect x="-6" y="-6" width="12" height="12"/>'
    return _marker("venue", x, y, "runs" if runs else "idle", {"group": group.id}, title, shape)


def _frame_attrs(frame: Frame, fit: list[tuple[float, float]]) -> str:
    """What the page's script needs: the projection, ground km per SVG unit, the placements' box."""
    fit = fit or [(0.0, 0.0), (MAP_W, MAP_H)]
    fx0, fy0 = min(x for x, _ in fit), min(y for _, y in fit)
    fx1, fy1 = max(x for x, _ in fit), max(y for _, y in fit)
    # Ground km per SVG unit at the map's middle latitude (Mercator stretches by 1/cos).
    mid_y = frame.y0 + MAP_H / 2 / frame.scale
    mid_lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * mid_y))))
    km_per_unit = EARTH_CIRCUMFERENCE_KM * math.cos(math.radians(mid_lat)) / frame.scale
    return (
        f'data-x0="{frame.x0!r}" data-y0="{frame.y0!r}" data-scale="{frame.scale!r}" '
        f'data-km-per-unit="{km_per_unit:.6g}" '
        f'data-fit="{fx0:g} {fy0:g} {fx1 - fx0:g} {fy1 - fy0:g}"'
    )


# --------------------------------------------------------------------------- histogram


def trips(solved: Outcome) -> list[tuple[str, str, float]]:
    """(stage, "specialist" or "venue", km) for every trip of a placed school."""
    out = []
    rows = solved.tables["allocations"]
    for stage, status, sp, wg in zip(
        rows["stage"], rows["status"], rows["km_to_specialist"], rows["km_to_venue"], strict=True
    ):
        if status != "placed":
            continue
        for kind, km in (("specialist", sp), ("venue", wg)):
            if km not in ("", None) and not pd.isna(km):
                out.append((stage, kind, float(km)))
    return out


def _bin_width(top: float) -> float:
    for width in (1, 2, 5, 10, 20, 25, 50, 100):
        if top / width <= 16:
            return float(width)
    return 200.0


def histogram_svg(solved: Outcome) -> str:
    """Stacked bars: how many trips fall in each distance band, by stage."""
    data = trips(solved)
    w, h, left, bottom, top_pad = 720, 260, 44, 36, 12
    if not data:
        return '<svg id="histogram" viewBox="0 0 720 60"><text x="10" y="30">No trips.</text></svg>'
    width = _bin_width(max(km for _, _, km in data))
    bins = int(max(km for _, _, km in data) // width) + 1
    counts = {stage: [0] * bins for stage in STAGE_COLOURS}
    for stage, _, km in data:
        counts.setdefault(stage, [0] * bins)[min(int(km // width), bins - 1)] += 1
    totals = [sum(c[i] for c in counts.values()) for i in range(bins)]
    peak = max(totals) or 1
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10**9) if peak / s <= 6)
    y_top = math.ceil(peak / step) * step
    plot_w, plot_h = w - left - 10, h - bottom - top_pad
    bar_w = plot_w / bins

    def yp(v: float) -> float:
        return round(top_pad + plot_h * (1 - v / y_top), 2)

    parts = [f'<svg id="histogram" viewBox="0 0 {w} {h}" role="img" aria-label="Histogram of trip distances">']
    for v in range(0, y_top + 1, step):
        parts.append(
            f'<line class="grid" x1="{left}" x2="{w - 10}" y1="{yp(v)}" y2="{yp(v)}"/>'
            f'<text class="tick" x="{left - 6}" y="{yp(v) + 4}" text-anchor="end">{v}</text>'
        )
    for i in range(bins):
        base = 0
        x = round(left + i * bar_w + 1, 2)
        for stage, c in counts.items():
            if not c[i]:
                continue
            lo, hi = i * width, (i + 1) * width
            trip_s = "trip" if c[i] == 1 else "trips"
            parts.append(
                f'<rect class="bar stage-{stage}" x="{x}" y="{yp(base + c[i])}" '
                f'width="{round(bar_w - 2, 2)}" height="{round(yp(base) - yp(base + c[i]), 2)}">'
                f"<title>{c[i]} {stage} {trip_s} of {lo:g}–{hi:g} km</title></rect>"
            )
            base += c[i]
    label_every = max(1, math.ceil(bins / 10))
    for i in range(0, bins + 1, label_every):
        x = round(left + i * bar_w, 2)
        parts.append(f'<text class="tick" x="{x}" y="{h - bottom + 16}" text-anchor="middle">{i * width:g}</text>')
    parts.append(
        f'<text class="axis" x="{left + plot_w / 2}" y="{h - 4}" text-anchor="middle">'
        "km (school to specialist, school to work group venue)</text>"
    )
    parts.append(
        f'<text class="axis" x="12" y="{top_pad + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 12 {top_pad + plot_h / 2})">trips</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- tables


def table_html(frame: pd.DataFrame, table_id: str, caption: str) -> str:
    """A sortable, filterable table of `frame` (advocate columns are never shown)."""
    frame = frame[[c for c in frame.columns if not str(c).startswith("advocate_")]]
    numeric = numeric_columns(frame)
    # Sentences (reasons, recommendations) wrap; short cells stay on one line.
    wrap = {
        c
        for c in frame.columns
        if c not in numeric and frame[c].map(lambda v: len(v) if isinstance(v, str) else 0).max() > 60
    }
    head = "".join(
        f'<th class="{"num" if c in numeric else ""}" data-col="{i}">{_e(c)}</th>' for i, c in enumerate(frame.columns)
    )
    body = []
    for values in frame.itertuples(index=False, name=None):
        cells = []
        for c, v in zip(frame.columns, values, strict=True):
            text = "" if v is None or (not isinstance(v, str) and pd.isna(v)) else v
            kind = "num" if c in numeric else ("wrap" if c in wrap else "")
            cells.append(f'<td class="{kind}">{_e(text)}</td>' if kind else f"<td>{_e(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<section class="table-block" id="{table_id}-section"><h2>{_e(caption)} '
        f"<small>{len(frame)} row{'s' if len(frame) != 1 else ''}</small></h2>"
        f'<input type="search" class="filter" placeholder="Filter rows…" data-table="{table_id}" '
        f'aria-label="Filter {_e(caption)}">'
        f'<div class="scroll"><table id="{table_id}" class="data"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div></section>"
    )


def _small_table(header: Sequence[str], rows: Iterable[Sequence[Any]], num_from: int = 1) -> str:
    head = "".join(f'<th class="{"num" if i >= num_from else ""}">{_e(h)}</th>' for i, h in enumerate(header))
    body = "".join(
        "<tr>"
        + "".join(f'<td class="{"num" if i >= num_from else ""}">{_e(v)}</td>' for i, v in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f'<table class="small"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def summary_html(solved: Outcome) -> str:
    s = solved.summary_json
    gap = s.get("gap")
    cards = [
        ("Status", s["status"] + (" (stopped early)" if s.get("interrupted") else "")),
        ("Placed", f"{s['placed']} of {s['placed'] + s['unplaced']}"),
        ("Unplaced", s["unplaced"]),
        ("Work groups running", f"{s['groups_running']} of {solved.problem.num_groups}"),
        ("Objective", _fmt(s["objective"])),
        ("Bound", _fmt(s.get("bound"))),
        ("Gap", "–" if gap is None else f"{100 * gap:.2f}%"),
        ("Solve time", f"{s['solve_seconds']:.1f} s"),
    ]
    card_html = "".join(
        f'<div class="card"><div class="label">{_e(k)}</div><div class="value">{_e(v)}</div></div>' for k, v in cards
    )
    stages = s.get("by_stage", {})
    stage_rows = [(k, v["applied"], v["placed"], v["unplaced"]) for k, v in stages.items()]
    applied = sum(v["applied"] for v in stages.values())
    stage_rows.append(("total", applied, s["placed"], s["unplaced"]))
    terms = s.get("objective_terms") or {}
    term_rows = [(k, f"{v:+,}") for k, v in terms.items()] + [("total", f"{sum(terms.values()):,}")]
    trip_km = [km for _, _, km in trips(solved)]
    travel = (
        f"{sum(trip_km):,.1f} km in {len(trip_km)} trips, mean "
        f"{sum(trip_km) / len(trip_km):.1f} km, longest {max(trip_km):.1f} km"
        if trip_km
        else "no trips"
    )
    sources = ", ".join(f"{k} {v}" for k, v in s.get("location_sources", {}).items())
    note = ""
    if s["status"] != "OPTIMAL":
        note = (
            '<p class="note">The search stopped before proving this allocation optimal: '
            "it is the best found; the bound says how much better one could be.</p>"
        )
    return (
        f'<section id="summary"><div class="cards">{card_html}</div>{note}'
        '<div class="row">'
        "<div><h3>Schools by stage</h3>"
        f"{_small_table(['stage', 'applied', 'placed', 'unplaced'], stage_rows)}</div>"
        f"<div><h3>Objective by term</h3>{_small_table(['term', 'value'], term_rows)}</div>"
        f"<div><h3>Travel</h3><p>{_e(travel)}</p><h3>Locations</h3>"
        f"<p>{_e(s.get('locations', ''))} level: {_e(sources)}</p></div>"
        f"{_programme_html(s)}"
        "</div></section>"
    )


def _programme_html(s: dict[str, Any]) -> str:
    """Development pairs and lone departments by hub, and funding (when the scenario has it)."""
    pairs = s.get("development_pairs") or {}
    out = (
        "<div><h3>Development pairs</h3>"
        + _small_table(
            ["hub", "pairs", "lone departments"],
            [(hub, v["pairs"], v["lone_departments"]) for hub, v in pairs.items()],
        )
        + "</div>"
    )
    funding = s.get("funding")
    if funding:
        rows = [
            (hub, *(f"£{v[stage]:,}" for stage in STAGES), f"£{v['total']:,}") for hub, v in funding["by_hub"].items()
        ]
        rows.append(("all hubs", *(f"£{funding['by_stage'][stage]:,}" for stage in STAGES), f"£{funding['total']:,}"))
        out += f"<div><h3>Funding</h3>{_small_table(['hub', *STAGES, 'total'], rows)}</div>"
    return out


# --------------------------------------------------------------------------- page


def render_html(solved: Outcome) -> str:
    """The whole report as one HTML string."""
    problem = solved.problem
    tables = solved.tables
    from allocator.report.tables import without_advocates

    allocations = without_advocates(tables["allocations"], problem)  # no contacts in the page
    unplaced = allocations[allocations["status"] == "unplaced"]
    unplaced = unplaced[[c for c in UNPLACED_COLUMNS if c in unplaced.columns]]
    legend_stages = "".join(
        f'<span class="key"><svg viewBox="-8 -8 16 16"><circle r="6" class="stage-{st}"/></svg>{st}</span>'
        for st in STAGE_COLOURS
    )
    versions = solved.summary_json.get("versions", {})
    title = f"{problem.name} {problem.year}: allocation"
    body = f"""
<header>
  <h1>{_e(problem.name)} <span class="year">{_e(problem.year)}</span></h1>
  <p class="sub">Work group allocation · {_e(problem.num_schools)} schools,
  {_e(problem.num_specialists)} specialists, {_e(problem.num_groups)} work groups</p>
</header>
{summary_html(solved)}
{_map_section(map_svg(solved), legend_stages)}
<section id="histogram-section">
  <h2>Trip distances</h2>
  {histogram_svg(solved)}
  <div class="legend">{legend_stages}</div>
</section>
{table_html(tables["changes"], "changes", "Changes since the previous run") if "changes" in tables else ""}
{sessions_html(solved)}
{table_html(unplaced, "unplaced", "Unplaced schools")}
{table_html(tables["recommendations"], "recommendations", "Recommendations") if "recommendations" in tables else ""}
{table_html(allocations, "allocations", "Allocations")}
{table_html(tables["specialists"], "specialists", "By specialist")}
{table_html(tables["work_groups"], "work-groups", "Work groups")}
<footer>
  <p>Written by allocator {_e(versions.get("allocator", ""))}
  (OR-Tools {_e(versions.get("ortools", ""))}),
  scenario SHA-256 {_e(solved.summary_json.get("scenario_sha256", ""))}.</p>
  <p>{_e(OUTLINE_CREDIT)}</p>
</footer>
"""
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{_e(title)}</title>\n<style>{_STAGE_CSS}\n{asset('report.css')}</style>\n</head>\n<body>{body}"
        f"<script>\n{asset('report.js')}</script>\n</body>\n</html>\n"
    )


def _map_section(map_html: str, legend_stages: str) -> str:
    """The map with its legend, layer switches and zoom buttons."""
    return f"""<section id="map-section">
  <h2>Map</h2>
  <div class="legend">
    {legend_stages}
    <span class="key"><svg viewBox="-8 -8 16 16"><g class="school unplaced"><circle r="6"/>
      {CROSS}</g></svg>unplaced</span>
    <span class="key"><svg viewBox="-8 -9 16 16"><path class="specialist-key"
      d="M0-8L7 4.5H-7Z"/></svg>specialist</span>
    <span class="key"><svg viewBox="-8 -8 16 16"><rect class="venue-key" x="-6" y="-6"
      width="12" height="12"/></svg>work group venue</span>
    <span class="key"><svg viewBox="0 -4 24 8"><line class="key-line" x1="0" y1="0" x2="24"
      y2="0"/></svg>to specialist</span>
    <span class="key"><svg viewBox="0 -4 24 8"><line class="key-line dashed" x1="0" y1="0"
      x2="24" y2="0"/></svg>to venue</span>
  </div>
  <div class="controls">
    <label><input type="checkbox" data-layer="to-specialist" checked> lines to specialists</label>
    <label><input type="checkbox" data-layer="to-venue" checked> lines to venues</label>
    <label><input type="checkbox" data-layer="idle" checked> idle specialists and venues</label>
    <label><input type="checkbox" id="tiles-toggle"> OpenStreetMap background (online)</label>
    <button type="button" data-zoom="1.5" title="Zoom in">+</button>
    <button type="button" data-zoom="0.6667" title="Zoom out">−</button>
    <button type="button" id="fit"
      title="Zoom to placed schools, their specialists and venues">Zoom to placements</button>
    <button type="button" id="reset"
      title="Show every school, specialist and venue">Show all</button>
  </div>
  <div class="map-wrap">{map_html}
    <div id="scale-bar"><div id="scale-line"></div><span id="scale-label"></span></div>
    <div id="tile-credit" hidden>Background ©
      <a href="https://www.openstreetmap.org/copyright">OpenStreetMap contributors</a></div>
  </div>
  <p class="hint">Scroll to zoom, drag to pan, click a school, specialist or venue to show its links
  (click the sea to clear). Hover for details.</p>
</section>"""


_STAGE_CSS = "".join(f".stage-{st}{{--c:{c}}}" for st, c in STAGE_COLOURS.items())


@lru_cache(maxsize=2)
def asset(name: str) -> str:
    """A file of `report/assets/` (the page's style sheet and script), to inline in the page."""
    return resources.files("allocator.report").joinpath("assets", name).read_text(encoding="utf-8")
