"""Great-circle distances agree with geopy; integer costs round half away from zero."""

from __future__ import annotations

import numpy as np
from geopy.distance import great_circle
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.problem.distances import great_circle_km, great_circle_km_where, round_half_away, travel_cost

GB = st.tuples(st.floats(49.9, 60.8), st.floats(-8.0, 1.7))


@settings(max_examples=50, deadline=None)
@given(st.lists(GB, min_size=1, max_size=6), st.lists(GB, min_size=1, max_size=6))
def test_vectorised_distances_match_geopy_within_a_micrometre_per_km(a, b):
    km = great_circle_km(np.array(a), np.array(b))
    mask = np.ones((len(a), len(b)), dtype=bool)
    mask[0, 0] = False
    where = great_circle_km_where(np.array(a), np.array(b), mask)
    for i, p in enumerate(a):
        for j, q in enumerate(b):
            expected = great_circle(p, q, radius=6371.009).km
            assert abs(km[i, j] - expected) < 1e-6
            if mask[i, j]:
                assert abs(where[i, j] - expected) < 1e-6
    assert where[0, 0] == np.inf


def test_a_known_distance():
    # London (51.5074, -0.1278) to Manchester (53.4808, -2.2426): about 262.3 km.
    km = great_circle_km(np.array([[51.5074, -0.1278]]), np.array([[53.4808, -2.2426]]))[0, 0]
    assert abs(km - great_circle((51.5074, -0.1278), (53.4808, -2.2426)).km) < 1e-6
    assert 255 < km < 265


def test_rounding_is_half_away_from_zero():
    assert round_half_away(np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.49, 2.51])).tolist() == [1, 2, 3, -1, -2, 0, 3]
    assert travel_cost(np.array([1.4, 2.5]), 3).tolist() == [4, 8]  # 4.2 -> 4, 7.5 -> 8
