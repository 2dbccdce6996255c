"""Functional zones: priorities, boundary, hole field shape, bad input, D8 flow routing."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ree_damage.core.common.errors import InputError
from ree_damage.core.geo.dem import Dem
from ree_damage.core.geo.flow import fill_and_route, trace_downslope
from ree_damage.core.survey.zones import ZONE_CODES, ZoneParams, collect_sources, functional_zones

X0, Y0 = 500000.0, 2800000.0  # EPSG:4547, CGCS2000 / 3-degree GK CM 114E
CRS = 4547


def gdf(geoms, crs=CRS, **cols):
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=crs)


def case(seed=0, n_holes=120):
    """A 400 m x 300 m hillside: hole field up-slope, a ditch and a pond below it."""
    rng = np.random.default_rng(seed)
    boundary = gdf([shapely.box(X0, Y0, X0 + 400, Y0 + 300)])
    hx = X0 + 100 + rng.uniform(0, 150, n_holes)
    hy = Y0 + 180 + rng.uniform(0, 80, n_holes)
    holes = gdf(shapely.points(hx, hy), depth_m=rng.uniform(5, 20, n_holes))
    ditches = gdf([shapely.LineString([(X0 + 50, Y0 + 100), (X0 + 350, Y0 + 100)])])
    ponds = gdf([shapely.box(X0 + 300, Y0 + 40, X0 + 330, Y0 + 70)], depth_m=[2.5])
    pools = gdf([shapely.Point(X0 + 170, Y0 + 285)])
    return boundary, holes, pools, ditches, ponds


def slope_dem(noise=0.2, seed=0):
    """2 m DEM falling to the south (0.3 m/m) with noise and one closed pit."""
    rng = np.random.default_rng(seed)
    rows, cols, res = 200, 250, 2.0
    transform = Affine(res, 0, X0 - 50, 0, -res, Y0 + 350)
    yy = Y0 + 350 - (np.arange(rows) + 0.5) * res
    z = np.repeat(((yy - Y0) * 0.3)[:, None], cols, axis=1) + rng.normal(0, noise, (rows, cols))
    z[60:64, 100:104] -= 5.0  # a pit inside the flow path
    return Dem(z, transform, CRS)


def test_four_zones_do_not_overlap_and_stay_inside_the_boundary():
    res = functional_zones(*case())
    zones = res.zones
    assert list(zones["zone"]) == list(ZONE_CODES)
    bnd = res.boundary.geometry.iloc[0]
    for g in zones.geometry:
        assert shapely.area(shapely.difference(g, bnd)) < 1e-6
    for a, b in itertools.combinations(zones.geometry, 2):
        # disjoint zones are checked by the predicate: GEOS < 3.12 flags an empty intersection
        assert not shapely.intersects(a, b) or shapely.area(shapely.intersection(a, b)) < 1e-6
    assert np.allclose(zones["area_m2"], shapely.area(zones.geometry.values), atol=0.01)
    for col in ("name_zh", "name_en", "priority", "method", "sources", "n_sources"):
        assert col in zones.columns
    assert zones.set_index("zone").loc["INJ", "sources"] == "holes:0-119"
    assert zones.set_index("zone").loc["SETL", "name_zh"] == "浸出液沉淀区"
    assert res.zone_crs.epsg == CRS


def test_priority_settles_overlaps_setl_first():
    boundary, holes, _, _, _ = case()
    pond_in_field = gdf([shapely.box(X0 + 150, Y0 + 200, X0 + 170, Y0 + 220)])
    res = functional_zones(boundary, holes, ponds=pond_in_field)
    z = res.zones.set_index("zone")
    pond = pond_in_field.geometry.iloc[0]
    assert shapely.covers(z.loc["SETL", "geometry"].buffer(1e-6), pond)
    assert shapely.area(shapely.intersection(z.loc["INJ", "geometry"], pond)) < 1e-6
    # an editable priority: INJ first
    params = ZoneParams(priority=("INJ", "SETL", "PREP", "COLL"))
    res2 = functional_zones(boundary, holes, ponds=pond_in_field, params=params)
    assert "SETL" not in set(res2.zones["zone"])
    assert any("wholly covered" in w for w in res2.warnings)


def test_injection_zone_follows_the_hole_field_not_its_bounding_box():
    boundary = gdf([shapely.box(X0, Y0, X0 + 600, Y0 + 600)])
    # an L of holes, 3 m apart, plus a separate cluster 200 m away
    leg1 = [(X0 + 50 + 3 * i, Y0 + 50) for i in range(60)]
    leg2 = [(X0 + 50, Y0 + 50 + 3 * i) for i in range(60)]
    far = [(X0 + 450 + 3 * i, Y0 + 450) for i in range(10)]
    pts = leg1 + leg2 + far
    holes = gdf([shapely.Point(p) for p in pts], depth_m=[8.0] * len(pts))
    res = functional_zones(boundary, holes)
    inj = res.zones.set_index("zone").loc["INJ", "geometry"]
    hull = shapely.envelope(shapely.multipoints(pts))
    assert shapely.area(inj) < 0.2 * shapely.area(hull)
    assert len(shapely.get_parts(inj)) == 2  # the far cluster stays apart
    assert shapely.covers(inj.buffer(1e-6), shapely.multipoints(pts).buffer(4.9))


def test_geographic_input_is_reprojected_never_measured_in_degrees():
    b, h, p, d, s = case()
    res_m = functional_zones(b, h, p, d, s)
    res_g = functional_zones(*(x.to_crs(4490) for x in (b, h, p, d, s)))
    assert res_g.zone_crs.epsg == CRS
    assert any("geographic CRS" in w for w in res_g.warnings)
    a_m = res_m.zones.set_index("zone")["area_m2"]
    a_g = res_g.zones.set_index("zone")["area_m2"]
    assert np.allclose(a_m, a_g.loc[a_m.index], rtol=1e-3)


def test_same_inputs_same_zones():
    a = functional_zones(*case(), dem=slope_dem())
    b = functional_zones(*case(), dem=slope_dem())
    assert list(shapely.to_wkb(a.zones.geometry.values)) == list(shapely.to_wkb(b.zones.geometry.values))
    assert a.sources.equals(b.sources)


@pytest.mark.parametrize(
    "mutate, layer, feature",
    [
        (lambda c: (c[0], c[1].iloc[:0], *c[2:]), "holes", None),
        (lambda c: (c[0], gdf([shapely.box(X0, Y0, X0 + 5, Y0 + 5)], depth_m=[3.0]), *c[2:]), "holes", 0),
        (lambda c: (*c[:3], gdf([shapely.LineString([(X0 - 900, Y0), (X0 - 800, Y0)])]), c[4]), "ditches", 0),
        (
            lambda c: (
                *c[:4],
                gdf([shapely.Polygon([(X0 + 10, Y0 + 10), (X0 + 20, Y0 + 20), (X0 + 30, Y0 + 30)])]),
            ),
            "ponds",
            0,
        ),
    ],
    ids=["empty layer", "wrong geometry type", "wholly outside", "unrepairable geometry"],
)
def test_bad_layers_are_refused_naming_layer_and_feature(mutate, layer, feature):
    with pytest.raises(InputError) as err:
        functional_zones(*mutate(case()))
    assert err.value.layer == layer
    assert err.value.feature == feature


def test_invalid_geometry_is_repaired_and_reported():
    b, h, p, d, _ = case()
    bowtie = shapely.Polygon(
        [(X0 + 300, Y0 + 40), (X0 + 330, Y0 + 70), (X0 + 330, Y0 + 40), (X0 + 300, Y0 + 70)]
    )
    ponds = gpd.GeoDataFrame({"depth_m": [2.0]}, geometry=[bowtie], crs=CRS, index=[17])
    res = functional_zones(b, h, p, d, ponds)
    assert any("repaired" in w and "17" in w for w in res.warnings)
    assert "SETL" in set(res.zones["zone"])


def test_hole_depths_are_checked():
    b, h, *_ = case()
    with pytest.raises(InputError) as err:
        functional_zones(b, h.rename(columns={"depth_m": "d"}))
    assert err.value.column == "depth_m"
    bad = h.copy()
    bad.loc[5, "depth_m"] = -1.0
    with pytest.raises(InputError) as err:
        functional_zones(b, bad)
    assert err.value.feature == 5
    # a default depth is used where the field is missing, with a warning
    res = functional_zones(
        b, h.rename(columns={"depth_m": "d"}), params=ZoneParams(default_hole_depth_m=12.0)
    )
    assert (res.sources.query("source_type == 'hole'")["bottom_m"] == 12.0).all()


def test_no_crs_no_sources_refused():
    b, h, *_ = case()
    with pytest.raises(InputError):
        functional_zones(b.set_crs(None, allow_override=True), h)
    with pytest.raises(InputError):
        functional_zones(b)


def test_partly_outside_feature_is_clipped_and_reported():
    b, h, p, _, s = case()
    ditch = gdf([shapely.LineString([(X0 + 50, Y0 + 100), (X0 + 600, Y0 + 100)])])
    res = functional_zones(b, h, p, ditch, s)
    assert any("beyond the case boundary" in w for w in res.warnings)
    coll = res.zones.set_index("zone").loc["COLL", "geometry"]
    assert shapely.bounds(coll)[2] <= X0 + 400 + 1e-6


def test_dem_flow_through_joins_injection_zone_to_the_ditch():
    res = functional_zones(*case(), dem=slope_dem())
    assert res.flow is not None
    assert "D8" in res.flow.method
    assert res.flow.n_reaching_targets > 0
    z = res.zones.set_index("zone")
    coll = z.loc["COLL", "geometry"]
    # the strip between INJ (y >= ~175) and the ditch (y = 100) is now flow-through COLL
    probe = shapely.box(X0 + 120, Y0 + 120, X0 + 230, Y0 + 160)
    assert shapely.area(shapely.intersection(coll, probe)) > 0.3 * shapely.area(probe)
    assert "dem:flow-through" in z.loc["COLL", "sources"]
    flow = res.sources.query("source_type == 'flow'")
    assert len(flow) and (flow["weight"] >= 1).all()
    assert shapely.covers(coll.buffer(1e-6), shapely.multipoints(flow.geometry.values))
    # without a DEM: ditch band only
    res2 = functional_zones(*case())
    assert res2.zones.set_index("zone").loc["COLL", "area_m2"] < 0.5 * z.loc["COLL", "area_m2"]
    assert any("no DEM" in w for w in res2.warnings)


def test_dem_in_geographic_crs_is_reprojected():
    dem = slope_dem()
    import rasterio.warp

    dst, transform = rasterio.warp.reproject(
        dem.array,
        src_transform=dem.transform,
        src_crs=CRS,
        dst_crs=4490,
        resampling=rasterio.warp.Resampling.bilinear,
        dst_nodata=np.nan,
    )
    res = functional_zones(*case(), dem=Dem(dst[0], transform, 4490))
    assert any("DEM: geographic CRS" in w for w in res.warnings)
    assert res.flow is not None and res.flow.n_reaching_targets > 0


def test_collect_sources_matches_functional_zones_without_flow():
    b, h, p, d, s = case()
    res = functional_zones(b, h, p, d, s)
    src, _ = collect_sources(h, p, d, s, zone=res.zone_crs, boundary=b)
    assert src.drop(columns="geometry").equals(res.sources.drop(columns="geometry"))


# --------------------------------------------------------------------------- D8 on random DEMs


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(2, 14), st.integers(2, 14)),
        elements=st.floats(0, 50, allow_nan=False),
    )
)
def test_routing_fills_pits_and_every_path_ends(z):
    rec, filled = fill_and_route(z, 1.0)
    assert np.all(filled >= z - 1e-9)
    f = filled.ravel()
    # heights never rise along a path and every path reaches an outlet within n steps
    cur = np.arange(z.size)
    for _ in range(z.size + 1):
        alive = cur >= 0
        if not alive.any():
            break
        nxt = rec[cur[alive]]
        ok = nxt >= 0
        assert np.all(f[nxt[ok]] <= f[cur[alive][ok]] + 1e-9)
        cur[alive] = nxt
    assert np.all(cur < 0)
    counts, _, ends = trace_downslope(rec, np.ones(z.size, bool), np.zeros(z.size, bool))
    assert counts.min() >= 1 and ends >= 1


def test_dem_from_a_raster_file(tmp_path):
    import rasterio

    dem = slope_dem()
    path = tmp_path / "dem.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=dem.array.shape[1], height=dem.array.shape[0], count=1,
        dtype="float32", crs=f"EPSG:{CRS}", transform=dem.transform, nodata=-9999.0,
    ) as dst:  # fmt: skip
        dst.write(dem.array.astype("float32"), 1)
    res = functional_zones(*case(), dem=str(path))
    assert res.flow is not None and res.flow.n_reaching_targets > 0
    with pytest.raises(InputError):
        functional_zones(*case(), dem=str(tmp_path / "missing.tif"))
