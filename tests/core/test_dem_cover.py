"""A DEM that gives no height over the case is named by its cause (issue 18): every cell
nodata, nodata over the case, far away (both extents in the zone CRS and the distance),
or a CRS that looks wrong (the extent read in another CGCS2000 CRS would cover the case)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine

from ree_damage.core.geo.crs import zone_from_epsg
from ree_damage.core.geo.dem import Dem, dem_coverage_problem, dem_grid
from ree_damage.core.survey.zones import functional_zones

X0, Y0 = 500_000.0, 2_766_000.0  # EPSG:4547 (CGCS2000 3-degree zone 38, CM 114 E), about 114 E 25 N
ZONE = zone_from_epsg(4547)
CASE = (X0, Y0, X0 + 200, Y0 + 200)


def _dem(x0, y0, crs="EPSG:4547", cell=10.0, values=None, nodata=-9999.0, shape=(40, 40)):
    array = np.full(shape, 100.0) if values is None else values
    return Dem(array, Affine(cell, 0, x0, 0, -cell, y0), crs, nodata)


def _layer(geoms, crs="EPSG:4547", **columns):
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(list(geoms), crs=crs), crs=crs)


def _run(dem):
    boundary = _layer([shapely.box(*CASE)])
    holes = _layer([shapely.Point(X0 + 50, Y0 + 50)], depth_m=[8.0])
    return functional_zones(boundary, holes, dem=dem)


def test_all_nodata_is_named_not_coverage(tmp_path):
    import rasterio

    path = tmp_path / "dem.tif"
    profile = dict(driver="GTiff", width=40, height=40, count=1, dtype="float32", crs="EPSG:4547",
                   transform=Affine(10, 0, X0 - 50, 0, -10, Y0 + 300), nodata=-9999)
    with rasterio.open(path, "w", **profile) as out:
        out.write(np.full((40, 40), -9999, "float32"), 1)
    result = _run(path)
    notes = [w for w in result.warnings if getattr(w, "code", "") == "ZONES_DEM_NOT_USED"]
    assert [str(n) for n in notes] == [
        "the DEM holds no height: every cell is nodata (nodata value -9999): "
        "the flow-through part of COLL is not mapped"
    ]
    assert "does not cover" not in " ".join(result.warnings)
    assert "DEM 没有任何高程值" in notes[0].text("zh")


def test_nodata_over_the_case_only():
    values = np.full((40, 40), 100.0)
    values[5:30, 5:30] = -9999.0  # the DEM spans x X0-50..X0+350; the case X0..X0+200 falls in the hole
    message = dem_coverage_problem(_dem(X0 - 50, Y0 + 250, values=values), ZONE, CASE)
    assert message.code == "DEM_NODATA_OVER_CASE"


def test_far_away_gives_both_extents_and_the_distance():
    # 400 m x 400 m DEM starting 5 km east of the case: gap 5000 - 200 = 4800 m along x, none along y
    message = dem_coverage_problem(_dem(X0 + 5000, Y0 + 300), ZONE, CASE)
    assert message.code == "DEM_FAR_FROM_CASE"
    assert str(message) == (
        "the DEM lies away from the case area: in EPSG:4547 the DEM spans x 505000 to 505400 m, "
        "y 2765900 to 2766300 m and the case x 500000 to 500200 m, y 2766000 to 2766200 m, 4,800 m apart"
    )


def test_degrees_declared_as_metres_suspects_the_geographic_crs():
    lon, lat = ZONE_LONLAT = (113.99, 25.01)  # noqa: F841 - the case lies near 114.0 E 25.0 N
    dem = _dem(lon, lat, crs="EPSG:4547", cell=0.001, shape=(30, 30))  # 0.03 degrees each way
    message = dem_coverage_problem(dem, ZONE, CASE)
    assert message.code == "DEM_FAR_FROM_CASE"
    assert "read in EPSG:4490 instead of the declared EPSG:4547, its extent would cover the case" in str(message)


def test_another_zone_is_suspected():
    # the DEM's coordinates are zone 38 (CM 114 E) metres around the case, declared zone 39 (CM 117 E)
    message = dem_coverage_problem(_dem(X0 - 50, Y0 + 250, crs="EPSG:4548"), ZONE, CASE)
    assert message.code == "DEM_FAR_FROM_CASE"
    assert "read in EPSG:4547 instead of the declared EPSG:4548" in str(message)
    assert "apart; read in" in str(message)


def test_through_functional_zones_far_away_is_named():
    result = _run(_dem(X0 + 5000, Y0 + 300))
    assert any("4,800 m apart: the flow-through part of COLL is not mapped" in w for w in result.warnings)


def test_dem_grid_returns_its_warnings():
    grid = dem_grid(_dem(X0 - 50, Y0 + 250, cell=1.0, shape=(300, 300)), ZONE, CASE, max_cells=100, min_cell_m=1.0)
    assert grid.cell_size == pytest.approx(20.0)  # sqrt(200 * 200 / 100)
    assert [str(w) for w in grid.warnings] == [
        "DEM: resampled from about 1.00 m to 20.00 m cells for routing (dem_max_cells=100)"
    ]
    assert np.isfinite(grid.heights).any()


def test_metres_declared_as_degrees_cannot_be_placed_and_names_the_zone():
    result = _run(_dem(X0 - 50, Y0 + 250, crs="EPSG:4490"))  # latitude 2766250 "degrees"
    notes = [str(w) for w in result.warnings if getattr(w, "code", "") == "ZONES_DEM_NOT_USED"]
    assert len(notes) == 1
    assert "cannot be placed in EPSG:4547 from its declared CRS EPSG:4490" in notes[0]
    assert "read in EPSG:4547 instead of the declared EPSG:4490" in notes[0]


def test_depth_schedule_says_why_an_all_nodata_dem_gives_no_flow_direction():
    from ree_damage.core.survey.depth import water_positions

    zones = _layer([shapely.box(*CASE)], zone=["INJ"])
    values = np.full((40, 40), -9999.0)
    _, warnings = water_positions(zones, dem=_dem(X0 - 50, Y0 + 250, values=values))
    assert "the DEM holds no height: every cell is nodata (nodata value -9999): the DEM gives no groundwater flow " \
           "direction" in warnings
    assert any("direction unknown" in w for w in warnings)
