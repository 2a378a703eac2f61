"""Great-circle distances (vectorised) and the integer costs the model uses.

Rounding to integers happens here and only here.
"""

from __future__ import annotations

import warnings

import numpy as np

from allocator.problem.data import Location

EARTH_RADIUS_KM = 6371.009  # geopy.distance.EARTH_RADIUS, the sphere SPEC names
LARGE_COEFFICIENT = 10**12  # beyond this an objective could overflow CP-SAT's int64 sums


def coordinates(locations: list[Location] | tuple[Location, ...]) -> np.ndarray:
    """(n, 2) array of latitude, longitude in degrees."""
    return np.array([(loc.lat, loc.lon) for loc in locations], dtype=float).reshape(-1, 2)


def _arc_km(lat1: np.ndarray, lng1: np.ndarray, lat2: np.ndarray, lng2: np.ndarray) -> np.ndarray:
    """geopy's great_circle formula (atan2 form) on radians; any broadcastable shapes."""
    sin_lat1, cos_lat1 = np.sin(lat1), np.cos(lat1)
    sin_lat2, cos_lat2 = np.sin(lat2), np.cos(lat2)
    delta = lng2 - lng1
    cos_delta, sin_delta = np.cos(delta), np.sin(delta)
    d = np.arctan2(
        np.sqrt((cos_lat2 * sin_delta) ** 2 + (cos_lat1 * sin_lat2 - sin_lat1 * cos_lat2 * cos_delta) ** 2),
        sin_lat1 * sin_lat2 + cos_lat1 * cos_lat2 * cos_delta,
    )
    return EARTH_RADIUS_KM * d


def great_circle_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise great-circle km between rows of `a` (n, 2) and `b` (m, 2): an (n, m) array.

    The same formula as geopy's `great_circle` (radius 6371.009 km).
    """
    a, b = np.radians(a), np.radians(b)
    return _arc_km(a[:, 0][:, None], a[:, 1][:, None], b[:, 0][None, :], b[:, 1][None, :])


def great_circle_km_where(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Like `great_circle_km`, computed only where `mask` (n, m) is true; inf elsewhere."""
    out = np.full(mask.shape, np.inf)
    rows, cols = np.nonzero(mask)
    if len(rows):
        a, b = np.radians(a), np.radians(b)
        out[rows, cols] = _arc_km(a[rows, 0], a[rows, 1], b[cols, 0], b[cols, 1])
    return out


def round_half_away(values: np.ndarray) -> np.ndarray:
    """Round half away from zero, to int64."""
    values = np.asarray(values, dtype=float)
    return (np.sign(values) * np.floor(np.abs(values) + 0.5)).astype(np.int64)


def travel_cost(km: np.ndarray, travel_per_km: int) -> np.ndarray:
    """round(travel_per_km * km) for each trip, as int64."""
    cost = round_half_away(travel_per_km * np.asarray(km, dtype=float))
    if cost.size and int(cost.max()) > LARGE_COEFFICIENT:
        warnings.warn(
            f"travel costs up to {int(cost.max())} are very large; lower travel_per_km",
            stacklevel=2,
        )
    return cost


def display_km(km: float | None) -> str:
    """Distances as printed: km to one decimal ('' when there is none)."""
    return "" if km is None else f"{km:.1f}"
