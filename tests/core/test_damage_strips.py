"""damage_extent by strips of rows: the same patches, polygons and areas as the whole grid.

The whole-grid oracle is what damage_extent did before it worked by strips: the damaged
mask of the whole raster sieved by :func:`sieve` (GDAL's polygonize of the whole grid, the
small patches burnt back as 0), coded by zone and polygonised by :func:`polygonize` (GDAL on
the whole array), dissolved per zone. Strips of 1-6 rows put seams through every patch.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio.features import rasterize
from shapely.geometry import box

from ree_damage.core.common.errors import Canceled, InputError
from ree_damage.core.damage.extent import SurfaceInput, damage_extent
from ree_damage.core.damage.points import DepthLayer
from ree_damage.core.damage.polygonize import StripPatches, polygonize, polygonize_raster, sieve
from ree_damage.core.geo.raster_io import GridSpec, write_geotiff

CRS = "EPSG:4547"
X0, Y0 = 500_000.0, 2_800_100.0
T = Affine(2.0, 0, X0, 0, -2.0, Y0)  # 2 m cells: 4 m2 each
LAYER = DepthLayer("0-50", 0.0, 0.5)


def _zones(cols):
    """INJ: the west half (x < X0 + cols m, i.e. the first cols / 2 columns), COLL: the rest."""
    return gpd.GeoDataFrame(
        {"zone": ["INJ", "COLL"]},
        geometry=[box(X0, Y0 - 400, X0 + cols, Y0), box(X0 + cols, Y0 - 400, X0 + 2 * cols, Y0)],
        crs=CRS,
    )


def _write(tmp, name, values):
    grid = GridSpec(T, values.shape[1], values.shape[0], CRS)
    return write_geotiff(tmp / f"{name}.tif", values, grid)


def _oracle(cd, baseline, min_area_m2, zones):
    """Per zone: (damaged cells, dissolved polygon) by the whole-grid path."""
    exceed = (np.isfinite(cd) & (cd > baseline)).astype(np.uint8)
    sieve(exceed, T, min_area_m2)
    zone = rasterize(zip(zones.geometry, [1, 2]), out_shape=cd.shape, transform=T, fill=0, dtype="uint8")
    patches = polygonize(exceed * (zone + 1), T)
    names = {1: "(no zone)", 2: "INJ", 3: "COLL"}
    out = {}
    for v in np.unique(patches.values):
        pick = patches.values == v
        out[names[int(v)]] = (int(patches.cells[pick].sum()), shapely.multipolygons(patches.geometry[pick]))
    return out


def _run(tmp, cd, block_rows, min_area_m2=0.0, prob=None, zn=None):
    zones = _zones(cd.shape[1])
    surfaces = [SurfaceInput("Cd", LAYER, _write(tmp, "Cd", cd), _write(tmp, "Cd_p", prob) if prob is not None else None)]
    base = {"Cd": 0.2}
    if zn is not None:
        surfaces.append(SurfaceInput("Zn", LAYER, _write(tmp, "Zn", zn)))
        base["Zn"] = 0.6
    return damage_extent(surfaces, base, zones, min_area_m2=min_area_m2, block_rows=block_rows)


def _same_result(a, b):
    """Two ExtentResults equal: the tables exactly, the polygons exactly (same vertices, same order)."""
    assert a.areas.equals(b.areas)
    for x, y in ((a.polygons, b.polygons), (a.union, b.union)):
        assert x.drop(columns="geometry").equals(y.drop(columns="geometry"))
        assert [g.wkb for g in x.geometry] == [g.wkb for g in y.geometry]


def _check_against_oracle(r, cd, min_area_m2):
    expected = _oracle(cd, 0.2, min_area_m2, _zones(cd.shape[1]))
    got = r.polygons[r.polygons.indicator == "Cd"].set_index("zone")
    assert sorted(got.index) == sorted(expected)
    for zone, (cells, geom) in expected.items():
        assert got.loc[zone, "cells"] == cells
        assert shapely.equals(got.loc[zone, "geometry"], geom)
    areas = r.areas[r.areas.indicator == "Cd"].set_index("zone")
    for zone in areas.index:
        assert areas.loc[zone, "cells"] == (expected[zone][0] if zone in expected else 0) or zone == "ALL"


# ------------------------------------------------------------------ hand-built seams
def test_a_patch_crossing_several_strip_seams_is_one_polygon(tmp_path):
    # a snake of 13 cells over rows 0-8 in the INJ half (columns 0-4 of 10), strips of 2 rows:
    # seams after rows 1, 3, 5, 7 cut it four times
    cd = np.full((10, 10), 0.1)
    cd[0:9, 1] = 0.5  # 9 cells down column 1
    cd[8, 2:4] = 0.5  # 2 cells east on row 8
    cd[6:8, 3] = 0.5  # 2 cells up column 3 (rows 6, 7)
    r = _run(tmp_path, cd, block_rows=2, min_area_m2=13 * 4.0)  # the unit is exactly its 13 cells
    assert len(r.polygons) == 1
    row = r.polygons.iloc[0]
    assert (row["zone"], row["cells"], row["area_m2"]) == ("INJ", 13, 52.0)
    geom = row["geometry"]
    assert len(geom.geoms) == 1 and shapely.area(geom) == pytest.approx(52.0)
    _check_against_oracle(r, cd, 13 * 4.0)
    _same_result(r, _run(tmp_path, cd, block_rows=100, min_area_m2=13 * 4.0))
    # one cell more than the snake: dropped whole, in every strip
    r = _run(tmp_path, cd, block_rows=2, min_area_m2=14 * 4.0)
    assert r.empty and (r.areas["cells"] == 0).all()


def test_a_ring_with_a_hole_across_a_seam_keeps_its_hole(tmp_path):
    # ring: rows 1-6, columns 1-4 (24 cells), hole rows 3-4, columns 2-3 (4 cells) -> 20 cells;
    # strips of 4 rows: the seam between rows 3 and 4 runs through the hole
    cd = np.full((8, 10), 0.1)
    cd[1:7, 1:5] = 0.5
    cd[3:5, 2:4] = 0.1
    for block_rows in (1, 2, 3, 4):
        r = _run(tmp_path, cd, block_rows=block_rows, min_area_m2=5.0)
        poly = r.polygons.set_index("zone").loc["INJ", "geometry"].geoms[0]
        assert len(poly.interiors) == 1
        assert shapely.area(shapely.Polygon(poly.interiors[0])) == pytest.approx(4 * 4.0)
        assert r.polygons.iloc[0]["cells"] == 20 and r.polygons.iloc[0]["area_m2"] == 80.0
        _check_against_oracle(r, cd, 5.0)
    _same_result(_run(tmp_path, cd, block_rows=4, min_area_m2=5.0), _run(tmp_path, cd, block_rows=100, min_area_m2=5.0))


def test_a_patch_below_the_unit_split_by_a_seam_is_dropped_and_one_above_kept(tmp_path):
    # strips of 4 rows: seam between rows 3 and 4
    #   A: rows 3-4, column 1 (2 cells, 8 m2): a part of 1 cell on each side -> below a 10 m2 unit
    #   B: rows 2-4, column 7 (3 cells, 12 m2): parts of 2 and 1 cells, each below the unit,
    #      the whole patch above it -> kept (only if the parts are joined across the seam)
    cd = np.full((8, 10), 0.1)
    cd[3:5, 1] = 0.5
    cd[2:5, 7] = 0.5
    r = _run(tmp_path, cd, block_rows=4, min_area_m2=10.0)
    got = r.polygons.set_index("zone")
    assert list(got.index) == ["COLL"] and got.loc["COLL", "cells"] == 3
    a = r.areas.set_index(["indicator", "zone"])
    assert a.loc[("Cd", "INJ"), "cells"] == 0 and a.loc[("Cd", "COLL"), "area_m2"] == 12.0
    assert a.loc[("Cd", "ALL"), "volume_m3"] == 12.0 * 0.5
    assert a.loc[("ANY", "ALL"), "cells"] == 3
    _check_against_oracle(r, cd, 10.0)
    # the same unit on the probability levels: P = 0.9 on A and B, 0.6 on B's top cell
    p = np.where(cd > 0.2, 0.9, 0.1)
    p[2, 7] = 0.6
    r = _run(tmp_path, cd, block_rows=4, min_area_m2=10.0, prob=p)
    row = r.areas.set_index(["indicator", "zone"]).loc[("Cd", "ALL")]
    # >= 50 %: B whole (3 cells); >= 80 %: B without its top cell, 2 cells < unit -> 0; A never
    assert (row["area_p50_m2"], row["area_p80_m2"], row["area_p95_m2"]) == (12.0, 0.0, 0.0)


def test_strips_one_row_high_and_the_union_of_two_indicators(tmp_path):
    rng = np.random.default_rng(7)
    cd, zn, p = rng.random((9, 14)), rng.random((9, 14)), rng.random((9, 14))
    whole = _run(tmp_path, cd, block_rows=1000, min_area_m2=12.0, prob=p, zn=zn)
    assert len(whole.polygons) and len(whole.union)
    for block_rows in (1, 2, 5):
        _same_result(_run(tmp_path, cd, block_rows=block_rows, min_area_m2=12.0, prob=p, zn=zn), whole)
    _check_against_oracle(whole, cd, 12.0)


def test_block_rows_below_one_and_cancel_between_strips(tmp_path):
    cd = np.full((6, 6), 0.5)
    with pytest.raises(InputError, match="block_rows"):
        _run(tmp_path, cd, block_rows=0)
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3  # a few strips in

    zones = _zones(6)
    with pytest.raises(Canceled):
        damage_extent([SurfaceInput("Cd", LAYER, _write(tmp_path, "Cd", cd))], {"Cd": 0.2}, zones,
                      block_rows=1, is_canceled=cancel)


# ------------------------------------------------------------------ properties
@settings(max_examples=60, deadline=None)
@given(st.integers(1, 24), st.integers(1, 24), st.floats(0.1, 0.9), st.integers(1, 12), st.integers(1, 6),
       st.integers(0, 2**31 - 1))
def test_strip_sieve_equals_the_whole_grid_sieve(h, w, density, min_cells, strip, seed):
    mask = np.random.default_rng(seed).random((h, w)) < density
    patches = StripPatches()
    for r0 in range(0, h, strip):
        patches.add(mask[r0 : r0 + strip])
    patches.resolve(min_cells)
    ours = np.concatenate([patches.sieve(i, mask[r0 : r0 + strip]) for i, r0 in enumerate(range(0, h, strip))])
    expected = sieve(mask.astype(np.uint8), T, min_cells * 4.0)
    np.testing.assert_array_equal(ours, expected.astype(bool))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 20), st.integers(1, 20), st.sampled_from(["uint8", "int16", "int32"]), st.integers(0, 2**31 - 1))
def test_polygonize_raster_reads_a_file_as_polygonize_reads_the_array(tmp_path_factory, h, w, dtype, seed):
    rng = np.random.default_rng(seed)
    v = ((rng.random((h, w)) < 0.5) * rng.integers(1, 4, (h, w))).astype(dtype)
    path = tmp_path_factory.mktemp("pr") / "v.tif"
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype=dtype, transform=T) as dst:
        dst.write(v, 1)
    a, b = polygonize(v, T), polygonize_raster(path)
    assert a.values.tolist() == b.values.tolist() and a.cells.tolist() == b.cells.tolist()
    assert [g.wkb for g in a.geometry] == [g.wkb for g in b.geometry]


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 16), st.integers(2, 16), st.floats(0.0, 40.0), st.integers(1, 6), st.integers(0, 2**31 - 1))
def test_damage_extent_by_strips_equals_the_whole_grid(tmp_path_factory, h, w, mmu, strip, seed):
    tmp = tmp_path_factory.mktemp("strips")
    rng = np.random.default_rng(seed)
    cd, zn, p = rng.random((h, w)), rng.random((h, w)), rng.random((h, w))
    cd[rng.random((h, w)) < 0.1] = np.nan  # outside the case area
    by_strips = _run(tmp, cd, block_rows=strip, min_area_m2=mmu, prob=p, zn=zn)
    _same_result(by_strips, _run(tmp, cd, block_rows=h, min_area_m2=mmu, prob=p, zn=zn))
    _check_against_oracle(by_strips, cd, mmu)


def test_progress_rises_to_one_and_a_cancel_stops_the_polygonising(tmp_path):
    cd = np.full((12, 10), 0.1)
    cd[2:9, 1:8] = 0.5
    seen = []
    _ = damage_extent([SurfaceInput("Cd", LAYER, _write(tmp_path, "Cd", cd))], {"Cd": 0.2}, _zones(10),
                      block_rows=3, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 4  # per strip, not per surface
    path = tmp_path / "v.tif"
    with rasterio.open(path, "w", driver="GTiff", width=10, height=12, count=1, dtype="uint8", transform=T) as dst:
        dst.write((cd > 0.2).astype(np.uint8), 1)
    assert len(polygonize_raster(path)) == 1
    with pytest.raises(Canceled):
        polygonize_raster(path, is_canceled=lambda: True)


def test_a_union_of_33_indicators_beyond_32_bit_cells(tmp_path):
    # codes of 33 bits cannot be polygonised by GDAL as they are: their ranks are, by strips
    cd = np.full((4, 6), 0.5)
    surfaces, base = [], {}
    for i in range(33):
        values = cd.copy()
        if i == 32:
            values[:, 3:] = 0.1  # the 33rd indicator exceeds in columns 0-2 only (12 cells)
        surfaces.append(SurfaceInput(f"X{i:02d}", LAYER, _write(tmp_path, f"X{i:02d}", values)))
        base[f"X{i:02d}"] = 0.2
    results = [damage_extent(surfaces, base, _zones(6), block_rows=n) for n in (1, 100)]
    _same_result(*results)
    union = results[0].union.set_index("n_indicators")
    assert sorted(union.index) == [32, 33]
    assert union.loc[33, "indicators"].split(";")[-1] == "X32" and union.loc[33, "cells"] == 12
    assert union.loc[32, "area_m2"] == 12 * 4.0
