"""Make allocator/data/gb_outline.csv.gz: a simplified outline of Great Britain.

The HTML report draws it under the map of schools. It is made offline from the
postcode sector centroids the package already ships (OS Code-Point Open, Open
Government Licence v3.0), so the report needs no map download:

1. give each sector centroid a disk on the British National Grid (1 km cells)
   whose radius follows the local spacing of centroids: `--spread` times the
   distance to its 3rd nearest neighbour, within `--min-radius`..`--max-radius`
   km, so sparse Highland sectors join up while dense towns keep their estuaries;
2. fill every hole that the sea cannot reach, then shrink the land by
   `--shrink` km (less than it grew: centroids lie inland of the coast);
3. smooth the edge (Gaussian, `--smooth` km), trace it with marching squares
   (contourpy), drop islands under `--min-area` km², simplify each ring with
   Douglas-Peucker (`--tolerance` km);
4. convert to WGS-84 with pyproj (EPSG:27700 → EPSG:4326, no grid download) and
   round to 3 decimals (about 100 m).

Output columns: ring (0, 1, ...: one closed ring per island, largest first), lon, lat.

    python scripts/make_gb_outline.py          # needs numpy, pandas, pyproj, contourpy

It is a picture, not a boundary: estuaries narrower than the local spacing of sectors
are filled and the coast is drawn to within a few kilometres.
"""

from __future__ import annotations

import argparse
from collections import deque
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "allocator" / "data"


def disk_grow(mask: np.ndarray, radius: int) -> np.ndarray:
    """Cells within `radius` cells of a marked cell (FFT convolution with a disk)."""
    r = radius
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    disk = (xx**2 + yy**2 <= r * r).astype(float)
    shape = (mask.shape[0] + 2 * r + 1, mask.shape[1] + 2 * r + 1)
    conv = np.fft.irfft2(np.fft.rfft2(mask.astype(float), shape) * np.fft.rfft2(disk, shape), shape)
    return conv[r : r + mask.shape[0], r : r + mask.shape[1]] > 0.5


def third_nearest(xy: np.ndarray, chunk: int = 1000) -> np.ndarray:
    """Distance from each point to its 3rd nearest other point (brute force, in chunks)."""
    out = np.empty(len(xy))
    for start in range(0, len(xy), chunk):
        block = xy[start : start + chunk]
        d = np.hypot(block[:, None, 0] - xy[None, :, 0], block[:, None, 1] - xy[None, :, 1])
        out[start : start + chunk] = np.partition(d, 3, axis=1)[:, 3]  # [:, 0] is the point itself
    return out


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """`mask` with every unmarked region that does not touch the border marked."""
    rows, cols = mask.shape
    sea = np.zeros_like(mask)
    queue: deque[tuple[int, int]] = deque()
    for r in range(rows):
        for c in (0, cols - 1):
            if not mask[r, c] and not sea[r, c]:
                sea[r, c] = True
                queue.append((r, c))
    for c in range(cols):
        for r in (0, rows - 1):
            if not mask[r, c] and not sea[r, c]:
                sea[r, c] = True
                queue.append((r, c))
    while queue:
        r, c = queue.popleft()
        for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            nr, nc = r + dr, c + dc
            if 0 <= nr < rows and 0 <= nc < cols and not mask[nr, nc] and not sea[nr, nc]:
                sea[nr, nc] = True
                queue.append((nr, nc))
    return ~sea


def gaussian(field: np.ndarray, sigma: float) -> np.ndarray:
    ky = np.fft.fftfreq(field.shape[0])[:, None]
    kx = np.fft.rfftfreq(field.shape[1])[None, :]
    kernel = np.exp(-2 * (np.pi * sigma) ** 2 * (kx**2 + ky**2))
    return np.fft.irfft2(np.fft.rfft2(field) * kernel, field.shape)


def douglas_peucker(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Keep the vertices of an open polyline that matter at `tolerance`."""
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        a, b = points[first], points[last]
        seg = b - a
        length = np.hypot(*seg)
        inner = points[first + 1 : last]
        if length == 0:
            dist = np.hypot(*(inner - a).T)
        else:
            dist = np.abs(seg[0] * (inner[:, 1] - a[1]) - seg[1] * (inner[:, 0] - a[0])) / length
        i = int(np.argmax(dist))
        if dist[i] > tolerance:
            mid = first + 1 + i
            keep[mid] = True
            stack += [(first, mid), (mid, last)]
    return points[keep]


def simplify_ring(ring: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker on a closed ring, split at its two mutually farthest-ish vertices."""
    if np.allclose(ring[0], ring[-1]):
        ring = ring[:-1]
    far = int(np.argmax(np.hypot(*(ring - ring[0]).T)))
    left = douglas_peucker(ring[: far + 1], tolerance)
    right = douglas_peucker(np.vstack([ring[far:], ring[:1]]), tolerance)
    return np.vstack([left, right[1:]])


def area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spread", type=float, default=0.8, help="(default 0.8)")
    parser.add_argument("--min-radius", type=int, default=3, help="km (default 3)")
    parser.add_argument("--max-radius", type=int, default=25, help="km (default 25)")
    parser.add_argument("--shrink", type=int, default=2, help="km (default 2)")
    parser.add_argument("--smooth", type=float, default=1.5, help="km (default 1.5)")
    parser.add_argument("--tolerance", type=float, default=0.6, help="km (default 0.6)")
    parser.add_argument("--min-area", type=float, default=40.0, help="km² (default 40)")
    parser.add_argument("--out", type=Path, default=DATA / "gb_outline.csv.gz")
    args = parser.parse_args()

    import contourpy
    from pyproj import Transformer

    sectors = pd.read_csv(DATA / "postcode_sectors.csv.gz")
    cell = 1000.0
    xy = sectors[["easting", "northing"]].to_numpy(float) / cell
    radius = np.clip(np.round(args.spread * third_nearest(xy)), args.min_radius, args.max_radius)
    margin = args.max_radius + 10
    x0 = xy[:, 0].min() // 1 - margin
    y0 = xy[:, 1].min() // 1 - margin
    cols = int(xy[:, 0].max() // 1 - x0 + margin + 1)
    rows = int(xy[:, 1].max() // 1 - y0 + margin + 1)
    land = np.zeros((rows, cols), dtype=bool)
    for r in np.unique(radius):
        mask = np.zeros((rows, cols), dtype=bool)
        chosen = xy[radius == r]
        mask[(chosen[:, 1] // 1 - y0).astype(int), (chosen[:, 0] // 1 - x0).astype(int)] = True
        land |= disk_grow(mask, int(r))
    land = fill_holes(land)
    land = ~disk_grow(~land, args.shrink)
    field = gaussian(land.astype(float), args.smooth)

    lines = contourpy.contour_generator(z=field).lines(0.5)
    rings = []
    for line in lines:
        km = np.asarray(line)  # (column, row) = (easting, northing) in km from the corner
        if len(km) < 4 or area(km) < args.min_area:
            continue
        rings.append(simplify_ring(km, args.tolerance))
    rings.sort(key=area, reverse=True)

    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    records = []
    for number, ring in enumerate(rings):
        easting = (ring[:, 0] + x0 + 0.5) * cell
        northing = (ring[:, 1] + y0 + 0.5) * cell
        lon, lat = to_wgs84.transform(easting, northing)
        previous = None
        for a, b in zip(lon, lat, strict=True):
            point = (f"{a:.3f}", f"{b:.3f}")
            if point != previous:  # rounding can make neighbours equal
                records.append((number, *point))
            previous = point
    out = pd.DataFrame(records, columns=["ring", "lon", "lat"])
    gzip = {"method": "gzip", "mtime": 0}  # mtime 0: the same bytes on every run
    out.to_csv(args.out, index=False, lineterminator="\n", compression=gzip)
    print(f"{args.out}: {len(rings)} rings, {len(out)} points, {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
