"""report.html: self-contained, renders in headless Chromium without errors, one marker per school.

The browser test drives Debian's `chromium` through the DevTools protocol over a pipe
(`--remote-debugging-pipe`: standard library only, no driver, no websocket client). It
fails, never skips, when Chromium is missing: `make test` installs it, or run
`apt-get update && apt-get install -y chromium` (set ALLOCATOR_CHROMIUM to use another
Chromium or Chrome binary).
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from allocator.cli.main import main
from allocator.problem.data import ProblemData
from allocator.report.html import Frame, mercator, outline_rings

from .conftest import ScenarioCopy

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--mute-audio",
    "--remote-debugging-pipe",
]


def chromium_path() -> str:
    for candidate in (os.environ.get("ALLOCATOR_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)  # type: ignore[return-value]
    pytest.fail(
        "Chromium is needed to test report.html but was not found. Install it with "
        "`make test` (as root, or with sudo), or `apt-get update && apt-get install -y chromium`, "
        "or set ALLOCATOR_CHROMIUM to a Chromium/Chrome binary.",
        pytrace=False,
    )


class Browser:
    """Headless Chromium driven through the DevTools protocol on fds 3 and 4."""

    def __init__(self, exe: str, profile: Path, log: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        self._log = log.open("wb")
        # Chromium reads commands on fd 3 and answers on fd 4: a tiny Python exec
        # wrapper puts the pipe ends there (sh cannot redirect fds above 9).
        move_fds = (
            "import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
            "os.execv(sys.argv[3], sys.argv[3:])"
        )
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                move_fds,
                str(to_chrome_r),
                str(from_chrome_w),
                exe,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
            pass_fds=(to_chrome_r, from_chrome_w),
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def send(
        self, method: str, params: dict[str, Any] | None = None, timeout: float = 15.0, session: bool = True
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._read(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_chrome], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe (see its log)")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, url: str, width: int = 1280, height: int = 900) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, session=False)
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        self.events.clear()
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> None:
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = self.send("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True})
        path.write_bytes(base64.b64decode(shot["data"]))

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and browser log errors seen so far."""
        out = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                text = details.get("exception", {}).get("description") or details
                out.append(f"uncaught: {text}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                out.append(
                    "console: " + " ".join(str(a.get("value", a.get("description"))) for a in params.get("args", []))
                )
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                out.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
        return out

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False, timeout=5)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        self._log.close()


def write_report(demo: ScenarioCopy, out: Path, *extra: str) -> Path:
    result = CliRunner().invoke(
        main,
        [str(demo.yml), "--out", str(out), "--format", "csv,html", "--time-limit", "20", "-q", *extra],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return out / "report.html"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame, ProblemData]:
    from .conftest import copy_demo

    base = tmp_path_factory.mktemp("html")
    demo = copy_demo(base / "demo")
    # Names that must come out as text, not markup or formulas.
    demo.set_cell("schools", 2, "name", '=HYPERLINK("http://x","y")')
    demo.set_cell("schools", 3, "name", "<script>alert(1)</script> & Co")
    path = write_report(demo, base / "out")
    allocations = pd.read_csv(base / "out" / "allocations.csv", dtype=str, keep_default_na=False)
    return path, allocations, demo.load().problem


def test_report_is_self_contained(report):
    path, allocations, _ = report
    text = path.read_text(encoding="utf-8")
    # Nothing is loaded from elsewhere: no external scripts, styles, images or fonts.
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+rel=\"stylesheet\"", text)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)
    assert not re.search(r"<(img|image|iframe)[^>]+(src|href)=\"https?:", text)
    # The only remote address in the page is the optional tile layer's (off by default)
    # and the OpenStreetMap copyright link shown with it.
    # (http://x is in the school name planted above, shown as text.)
    remote = set(re.findall(r"https?://[^\"' <)&]+", text))
    assert remote <= {
        "https://tile.openstreetmap.org/",
        "https://www.openstreetmap.org/copyright",
        "http://www.w3.org/2000/svg",
        "http://x",
    }, remote
    # Text is escaped, never markup; advocates' personal data is never in the page.
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in text
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in text
    assert "@example.org" not in text and "advocate_" not in text
    # One school marker per school in the markup itself (before any script runs).
    assert text.count('class="marker school ') == len(allocations)


def test_report_renders_in_chromium(report, tmp_path_factory):
    path, allocations, problem = report
    exe = chromium_path()
    work = tmp_path_factory.mktemp("chromium")
    browser = Browser(exe, work / "profile", work / "chromium.log")
    try:
        browser.open(path.resolve().as_uri())
        counts = browser.evaluate(
            "({schools: document.querySelectorAll('#map .marker.school').length,"
            " unplaced: document.querySelectorAll('#map .marker.school.unplaced').length,"
            " links: document.querySelectorAll('#map .link').length,"
            " bars: document.querySelectorAll('#histogram .bar').length,"
            " rows: document.querySelectorAll('#allocations tbody tr').length,"
            " mapWidth: document.getElementById('map').getBoundingClientRect().width,"
            " scaled: document.querySelector('#map .marker').getAttribute('transform')})"
        )
        # The script ran: markers got their zoom-independent scale.
        assert "scale(" in counts["scaled"]
        shot = work / "report.png"  # for inspection: the page as it first opens
        browser.screenshot(shot)
        # Click the first school: its links are highlighted, nothing breaks.
        browser.evaluate(
            "document.querySelector('#map .marker.school.placed')"
            ".dispatchEvent(new MouseEvent('click', {bubbles: true}))"
        )
        focused = browser.evaluate("document.querySelectorAll('#map .link.on').length")
        browser.evaluate("document.querySelector('#allocations th').click()")
        browser.evaluate("document.getElementById('fit').click()")
        browser.evaluate("document.querySelector('[data-zoom]').click()")
        errors = browser.errors()
        urls = browser.requested_urls()
        browser.evaluate("document.getElementById('reset').click()")
        # The scale bar against the ground: the two schools farthest apart on screen.
        on_screen = browser.evaluate(
            "Array.from(document.querySelectorAll('#map .marker.school')).map(m => {"
            " const r = m.getBoundingClientRect();"
            " return [m.dataset.urn, r.x + r.width / 2, r.y + r.height / 2]; })"
        )
        bar = browser.evaluate(
            "[document.getElementById('scale-label').textContent,"
            " document.getElementById('scale-line').getBoundingClientRect().width]"
        )
        # The optional background: asked for, it requests the map tiles under every school
        # (blocked here: the test uses no network).
        browser.send("Network.setBlockedURLs", {"urls": ["*tile.openstreetmap.org*"]})
        browser.evaluate("document.getElementById('tiles-toggle').click()")
        tiles = browser.evaluate(
            "Array.from(document.querySelectorAll('#tiles image')).map(i => i.getAttribute('href'))"
        )
    finally:
        browser.close()
    print(f"screenshot: {shot}")
    assert errors == [], errors
    assert all(u.startswith(("file:", "data:")) for u in urls), urls
    placed = allocations["status"] == "placed"
    assert counts["schools"] == len(allocations)
    assert counts["unplaced"] == (~placed).sum() > 0
    # A line for every placement: one per specialist, one per work group.
    expected_links = ((allocations["specialist"] != "") & placed).sum() + (
        (allocations["work_group"] != "") & placed
    ).sum()
    assert counts["links"] == expected_links
    assert counts["bars"] > 0
    assert counts["rows"] == len(allocations)
    assert counts["mapWidth"] > 800
    assert focused >= 1
    assert shot.stat().st_size > 20_000

    where = {school.urn: school.location for school in problem.schools}
    (a, ax, ay), (b, bx, by) = max(
        ((p, q) for p in on_screen for q in on_screen),
        key=lambda pq: math.hypot(pq[0][1] - pq[1][1], pq[0][2] - pq[1][2]),
    )
    km_per_px = float(bar[0].removesuffix(" km")) / bar[1]
    assert math.hypot(ax - bx, ay - by) * km_per_px == pytest.approx(great_circle_km(where[a], where[b]), rel=0.05)

    found = {tuple(int(v) for v in re.search(r"/(\d+)/(\d+)/(\d+)\.png$", t).groups()) for t in tiles}
    zoom = {z for z, _, _ in found}
    assert len(zoom) == 1 and 6 <= min(zoom) <= 14, found
    for location in where.values():
        assert osm_tile(location.lat, location.lon, min(zoom)) in found


def great_circle_km(p, q) -> float:
    """Haversine on the SPEC's sphere (radius 6371.009 km)."""
    phi1, phi2 = math.radians(p.lat), math.radians(q.lat)
    dphi, dlon = phi2 - phi1, math.radians(q.lon - p.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.009 * math.asin(math.sqrt(h))


def osm_tile(lat: float, lon: float, zoom: int) -> tuple[int, int, int]:
    """The slippy-map tile holding a point (OpenStreetMap's published formula)."""
    n = 2**zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return zoom, x, y


def test_projection_fits_points_in_the_map():
    points = [mercator(51.2, 0.2), mercator(51.5, 0.6), mercator(51.0, 0.9)]
    frame = Frame(points)
    from allocator.problem.data import Location

    places = ((51.2, 0.2), (51.5, 0.6), (51.0, 0.9))
    xy = [frame(Location(lat, lon, "given")) for lat, lon in places]
    assert all(0 <= x <= 1000 and 0 <= y <= 680 for x, y in xy)
    # North is up, east is right.
    assert xy[1][1] < xy[0][1] and xy[2][0] > xy[1][0]


def test_outline_of_great_britain_is_small_and_plausible():
    rings = outline_rings()
    assert 1 <= len(rings) <= 20
    mainland = rings[0]
    lons = [p[0] for p in mainland]
    lats = [p[1] for p in mainland]
    # From Land's End to the north of Scotland, from Wales' west coast to East Anglia.
    assert min(lats) < 50.2 and max(lats) > 58.3
    assert min(lons) < -5.5 and max(lons) > 1.6
    assert sum(len(r) for r in rings) < 3000
