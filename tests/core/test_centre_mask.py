"""centre_mask_by_tiles (core/geo/raster_io.py), shared by vegetation_damage's case-area mask
and mined_volume's boundary mask: by tiles, the same answer as testing every cell centre."""

from __future__ import annotations

import numpy as np
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st

from ree_damage.core.geo.raster_io import centre_mask_by_tiles

X0, Y0, CELL = 500_000.0, 2_800_000.0, 2.0


def every_centre(geometry, transform, shape):
    rows, cols = np.indices(shape)
    return shapely.contains_xy(geometry, transform.c + transform.a * (cols + 0.5),
                               transform.f + transform.e * (rows + 0.5))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.lists(st.tuples(st.floats(-10, 90), st.floats(-10, 70)), min_size=3, max_size=12),
    st.integers(1, 9),
    st.integers(20, 40), st.integers(20, 50),
)
def test_tiles_give_the_answer_of_every_centre(points, tile, rows, cols):
    transform = Affine(CELL, 0.0, X0, 0.0, -CELL, Y0)
    hull = shapely.convex_hull(shapely.multipoints([(X0 + x * CELL, Y0 - y * CELL) for x, y in points]))
    area = shapely.buffer(hull, CELL * 3.3)  # a polygon even from collinear points

    def centres(rows_, cols_, tile_transform):
        # the tile's transform must place its first cell where the grid's does
        assert tile_transform.c == X0 + CELL * cols_.start and tile_transform.f == Y0 - CELL * rows_.start
        return every_centre(area, tile_transform, (rows_.stop - rows_.start, cols_.stop - cols_.start))

    got = centre_mask_by_tiles(area, transform, (rows, cols), tile, centres)
    expected = every_centre(area, transform, (rows, cols))
    if got is True or got is False:
        assert expected.all() if got else not expected.any()
    else:
        np.testing.assert_array_equal(got, expected)


def test_a_grid_wholly_inside_or_outside_is_answered_without_a_cell_tested():
    transform = Affine(CELL, 0.0, X0, 0.0, -CELL, Y0)

    def never(*_):
        raise AssertionError("no tile should be tested")

    big = shapely.box(X0 - 10, Y0 - 100, X0 + 100, Y0 + 10)
    assert centre_mask_by_tiles(big, transform, (20, 20), 4, never) is True
    far = shapely.box(X0 + 500, Y0 + 500, X0 + 600, Y0 + 600)
    assert centre_mask_by_tiles(far, transform, (20, 20), 4, never) is False
    # the grid inside a polygon with a hole in the middle tile (8 m tiles; the hole 17.5-22.5 m):
    # of the 25 tiles only the middle one is crossed by a ring and tested
    ring = shapely.box(X0 - 10, Y0 - 50, X0 + 50, Y0 + 10).difference(
        shapely.box(X0 + 17.5, Y0 - 22.5, X0 + 22.5, Y0 - 17.5))
    tested = []

    def record(rows, cols, tile_transform):
        tested.append((rows.start, cols.start))
        return every_centre(ring, tile_transform, (rows.stop - rows.start, cols.stop - cols.start))

    got = centre_mask_by_tiles(ring, transform, (20, 20), 4, record)
    np.testing.assert_array_equal(got, every_centre(ring, transform, (20, 20)))
    assert tested == [(8, 8)]
    # the hole holds the centres at 19 and 21 m: cells 9 and 10 in both directions
    assert not got[9:11, 9:11].any() and got.sum() == 400 - 4
