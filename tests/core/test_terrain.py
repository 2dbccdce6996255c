"""Mined volume and the block-method resource estimate (core/terrain, core/standards/oxides)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from numpy.testing import assert_allclose
from shapely.geometry import Point, box

from ree_damage.core.common.errors import InputError
from ree_damage.core.standards.oxides import OXIDE_FACTORS, reo_mg_per_kg
from ree_damage.core.terrain.blocks import TABLE3, TABLE4, TABLE5, BlockParams, block_resources, grid_blocks
from ree_damage.core.terrain.volume import VolumeParams, dem_difference, grid_method

CRS = "EPSG:4547"
X0, Y0 = 500_000.0, 2_700_000.0


def _write(path, z, cell=1.0, x0=X0, y0=Y0, crs=CRS, unit=None, nodata=-9999.0):
    rows, cols = z.shape
    profile = dict(driver="GTiff", width=cols, height=rows, count=1, dtype="float32", crs=crs,
                   transform=Affine(cell, 0, x0, 0, -cell, y0 + rows * cell), nodata=nodata)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(z.astype("float32"), 1)
        if unit:
            dst.set_band_unit(1, unit)
    return path


def _surface(size_m, cell, shape_fn):
    centres = (np.arange(int(size_m / cell)) + 0.5) * cell
    x, y = np.meshgrid(centres, centres[::-1])
    return shape_fn(x, y)


def _cone(height, radius, cx, cy):
    return lambda x, y: np.maximum(0.0, height * (1.0 - np.hypot(x - cx, y - cy) / radius))


def _paraboloid_pit(depth, radius, cx, cy):
    return lambda x, y: -np.maximum(0.0, depth * (1.0 - ((x - cx) ** 2 + (y - cy) ** 2) / radius**2))


@pytest.mark.parametrize("spacing", [10.0, 5.0])
def test_cone_heap_and_paraboloid_pit_within_one_percent(tmp_path, spacing):
    """Fill: a cone of 12 m on r = 80 m (V = pi r^2 h / 3); cut: a paraboloid pit 6 m deep on
    r = 60 m (V = pi r^2 d / 2); both volume methods within 1 % of the formulas."""
    size, cell = 400.0, 1.0
    before = _surface(size, cell, lambda x, y: 300.0 + 0.05 * x + 0.02 * y)  # a sloping hillside
    heap = _surface(size, cell, _cone(12.0, 80.0, 110.0, 120.0))
    pit = _surface(size, cell, _paraboloid_pit(6.0, 60.0, 280.0, 270.0))
    _write(tmp_path / "b.tif", before)
    _write(tmp_path / "a.tif", before + heap + pit)
    boundary = gpd.GeoDataFrame(geometry=[box(X0 + 5, Y0 + 5, X0 + 395, Y0 + 395)], crs=CRS)
    result = dem_difference(tmp_path / "b.tif", tmp_path / "a.tif", boundary,
                            params=VolumeParams(grid_spacing_m=spacing, strip_cells=50_000), work_dir=tmp_path)
    cone = math.pi * 80.0**2 * 12.0 / 3.0  # 80,424.77 m3
    bowl = math.pi * 60.0**2 * 6.0 / 2.0  # 33,929.20 m3
    assert result.fill_m3 == pytest.approx(cone, rel=0.01)
    assert result.cut_m3 == pytest.approx(bowl, rel=0.01)
    assert result.grid_fill_m3 == pytest.approx(cone, rel=0.01)
    assert result.grid_cut_m3 == pytest.approx(bowl, rel=0.01)
    assert result.warnings == []
    table = result.table()
    assert table.iloc[2, 1] == pytest.approx(result.grid_cut_m3 - result.cut_m3)
    written = result.write({"cut_fill": tmp_path / "cut_fill.tif", "contours": tmp_path / "contours.gpkg",
                            "volumes": tmp_path / "volumes.csv"})
    with rasterio.open(written["cut_fill"]) as src:
        dz = src.read(1, masked=True)
        assert dz.min() == pytest.approx(-6.0, abs=0.05) and dz.max() == pytest.approx(12.0, abs=0.15)  # apex between cell centres
        assert float(dz.sum()) == pytest.approx(result.net_m3, rel=1e-5)  # 1 m2 cells
    contours = gpd.read_file(written["contours"])
    assert {-5.0, 0.0, 11.0} <= set(contours["dz_m"])
    assert (tmp_path / "volumes.csv.provenance.json").exists()
    assert not list(tmp_path.glob(".cut_fill.*"))  # the staged raster was moved, not left


def test_grid_method_weights_by_hand():
    """3 x 3 nodes, 2 m squares, dz = 1 everywhere except the centre node, 5:
    weights corner 1 x4, edge 2 x4, centre 4; V = 4/4 x (4 x 1 + 8 x 1 + 4 x 5) = 32 m3."""
    dz = np.ones((3, 3))
    dz[1, 1] = 5.0
    cut, fill, squares, counts = grid_method(dz, 2.0)
    assert (cut, fill, squares) == (0.0, 32.0, 4)
    assert counts == {1: 4, 2: 4, 3: 0, 4: 1}
    dz[0, 0] = np.nan  # an L shape: the removed corner square drops, the centre becomes a re-entrant corner
    cut, fill, squares, counts = grid_method(dz, 2.0)
    assert squares == 3 and counts[3] == 1


def test_dems_on_different_grids_are_resampled_to_the_finer(tmp_path):
    """A 2 m before-DEM and a 0.5 m after-DEM shifted by a quarter cell: the 0.5 m grid is
    kept, the 2 m DEM resampled bilinearly, and the warning says so."""
    plane = _surface(200.0, 2.0, lambda x, y: 100.0 + 0.1 * x)
    _write(tmp_path / "b.tif", plane, cell=2.0)
    fine = _surface(199.0, 0.5, lambda x, y: 100.0 + 0.1 * (x + 0.5) - 1.0)
    _write(tmp_path / "a.tif", fine, cell=0.5, x0=X0 + 0.5, y0=Y0 + 0.5)
    boundary = gpd.GeoDataFrame(geometry=[box(X0 + 10, Y0 + 10, X0 + 110, Y0 + 60)], crs=CRS)
    result = dem_difference(tmp_path / "b.tif", tmp_path / "a.tif", boundary, work_dir=tmp_path)
    assert result.parameters["cell_size_m"] == 0.5
    assert result.parameters["resampling_applied"] == "bilinear"
    assert any("resampled (bilinear)" in w for w in result.warnings)
    assert result.cut_m3 == pytest.approx(100.0 * 50.0 * 1.0, rel=1e-3)  # 1 m lowered over 5000 m2
    result.discard()


def test_a_dem_in_feet_is_converted_and_warned_and_a_huge_difference_warns(tmp_path):
    z = np.full((50, 50), 1000.0)
    _write(tmp_path / "b.tif", z)
    _write(tmp_path / "a.tif", z - 10.0, unit="ft")  # 1000 ft = 304.8 m: the heights drop 700 m
    result = dem_difference(tmp_path / "b.tif", tmp_path / "a.tif", work_dir=tmp_path)
    codes = [w.code for w in result.warnings]
    assert codes == ["TERRAIN_DEM_IN_FEET", "TERRAIN_DIFFERENCE_TOO_LARGE"]
    assert result.max_cut_m == pytest.approx(1000.0 - 990.0 * 0.3048, rel=1e-6)
    result.discard()


def test_bad_dems_and_boundaries_are_refused(tmp_path):
    z = np.full((20, 20), 10.0)
    _write(tmp_path / "b.tif", z)
    _write(tmp_path / "geo.tif", z, cell=0.0001, x0=114.0, y0=25.0, crs="EPSG:4490")
    with pytest.raises(InputError, match="geographic CRS"):
        dem_difference(tmp_path / "b.tif", tmp_path / "geo.tif", work_dir=tmp_path)
    far = gpd.GeoDataFrame(geometry=[box(X0 + 5000, Y0, X0 + 5100, Y0 + 100)], crs=CRS)
    with pytest.raises(InputError, match="does not overlap"):
        dem_difference(tmp_path / "b.tif", tmp_path / "b.tif", far, work_dir=tmp_path)
    assert not list(tmp_path.glob(".cut_fill.*"))


def test_oxide_factors_are_domain_md():
    assert len(OXIDE_FACTORS) == 16 and "Pm" not in OXIDE_FACTORS
    assert OXIDE_FACTORS["Pr"].oxide == "Pr6O11" and OXIDE_FACTORS["Y"].factor == 1.2699
    assert_allclose(reo_mg_per_kg({"La": [100.0, np.nan], "Pb": [9.0, 9.0]}), [117.28, 0.0])


# --------------------------------------------------------------------------- the block method
def _hand_case():
    """Two blocks written out by hand (m, mg/kg):

    B1: 100 m x 50 m = 5,000 m2, thickness 8 m, density 1.6 t/m3 -> ore 64,000 t.
        samples: La 1000 + Ce 1000 -> 1000 x 1.1728 + 1000 x 1.2284 = 2,401.2 mg/kg = 0.24012 %
                 La 500             ->  500 x 1.1728                 =   586.4 mg/kg = 0.05864 %
                 a sample at 1200 cm, below the 8 m ore body, is left out.
        mean grade 0.14938 % -> REO 64,000 x 0.0014938 = 95.6032 t.
    B2: 40 m x 50 m = 2,000 m2, thickness 5 m, density 1.5 -> ore 15,000 t;
        one sample Y 1000 -> 1,269.9 mg/kg = 0.12699 % -> REO 19.0485 t.
    Totals: area 7,000 m2; volume 40,000 + 10,000 = 50,000 m3; ore 79,000 t; REO 114.6517 t;
    mean thickness 50,000 / 7,000 = 7.142857 m; mean grade 100 x 114.6517 / 79,000 = 0.145129 %.
    """
    blocks = gpd.GeoDataFrame(
        {"block_id": ["B1", "B2"], "thickness_m": [8.0, 5.0], "density_t_m3": [1.6, 1.5]},
        geometry=[box(X0, Y0, X0 + 100, Y0 + 50), box(X0 + 100, Y0, X0 + 140, Y0 + 50)], crs=CRS)
    samples = gpd.GeoDataFrame(
        {"La": [1000.0, 500.0, 9000.0, 0.0], "Ce": [1000.0, 0.0, 0.0, 0.0], "Y": [0.0, 0.0, 0.0, 1000.0],
         "depth_cm": [50, 200, 1200, 50]},
        geometry=[Point(X0 + 10, Y0 + 10), Point(X0 + 60, Y0 + 30), Point(X0 + 50, Y0 + 25), Point(X0 + 120, Y0 + 20)],
        crs=CRS)
    return blocks, samples


def test_block_method_against_the_hand_computed_example(tmp_path):
    blocks, samples = _hand_case()
    result = block_resources(blocks, samples=samples, dem_bounds=(X0 - 10, Y0 - 10, X0 + 200, Y0 + 100), dem_crs=CRS)
    b = result.blocks.set_index("block_id")
    assert_allclose(b["area_m2"], [5000.0, 2000.0])
    assert_allclose(b["grade_pct"], [0.14938, 0.12699])
    assert list(b["n_samples"]) == [2, 1]
    assert_allclose(b["ore_t"], [64000.0, 15000.0])
    assert_allclose(b["reo_t"], [95.6032, 19.0485])
    t = result.totals
    assert_allclose([t["area_m2"], t["volume_m3"], t["ore_t"], t["reo_t"]], [7000.0, 50000.0, 79000.0, 114.6517])
    assert_allclose([t["thickness_m"], t["grade_pct"]], [50000.0 / 7000.0, 100 * 114.6517 / 79000.0])
    tables = result.annex_tables()
    title, header, rows, _ = tables[TABLE4]
    assert title == "附表4 块段资源量估算表" and header[-1] == "REO 资源量（t）"
    assert rows[-1][0] == "合计" and rows[-1][-1] == pytest.approx(114.6517)
    assert tables[TABLE5][2][-1][2] == 2  # two blocks in the summary's totals row
    written = result.write({"workbook": tmp_path / "annex.xlsx", "table3": tmp_path / "t3.csv",
                            "table4": tmp_path / "t4.csv", "table5": tmp_path / "t5.csv"})
    from openpyxl import load_workbook

    book = load_workbook(written["workbook"])
    assert book.sheetnames == [TABLE3, TABLE4, TABLE5]
    sheet = book[TABLE3]
    assert sheet["A1"].value == "附表3 块段面积、平均品位及平均厚度表" and sheet["B2"].value == "面积（m²）"
    assert sheet["A5"].value == "合计" and sheet["B5"].value == pytest.approx(7000.0)
    assert (tmp_path / "t3.csv").read_text(encoding="utf-8-sig").splitlines()[0].startswith("块段编号,面积（m²）")


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [("thickness_m", 0.0, "ore thickness 0 m"), ("thickness_m", -2.0, "ore thickness -2 m"),
     ("density_t_m3", 3.4, "dry density 3.4"), ("density_t_m3", 0.8, "dry density 0.8")],
)
def test_bad_block_values_are_refused_naming_the_block(column, value, message):
    blocks, samples = _hand_case()
    blocks.loc[1, column] = value
    with pytest.raises(InputError, match=message) as caught:
        block_resources(blocks, samples=samples)
    assert caught.value.feature == "B2" and caught.value.column == column


def test_grade_above_100_percent_and_block_outside_dem_are_refused(tmp_path):
    blocks, samples = _hand_case()
    samples.loc[3, "Y"] = 800_000.0  # 101.6 % REO: a unit error
    with pytest.raises(InputError, match="outside 0-100 %") as caught:
        block_resources(blocks, samples=samples)
    assert caught.value.feature == "B2"
    blocks, samples = _hand_case()
    with pytest.raises(InputError, match="outside the DEM") as caught:
        block_resources(blocks, samples=samples, dem_bounds=(X0, Y0, X0 + 120, Y0 + 100), dem_crs=CRS)
    assert caught.value.feature == "B2"
    blocks.loc[1, "geometry"] = box(X0 + 300, Y0, X0 + 340, Y0 + 50)
    with pytest.raises(InputError, match="no sample") as caught:
        block_resources(blocks, samples=samples)
    assert caught.value.feature == "B2"


def test_kriged_grade_raster_gives_the_block_mean(tmp_path):
    """A grade raster of 2,000 mg/kg in the west half and 4,000 in the east: B1 (x 0-100)
    reads 2,000 -> 0.2 %; B2 (x 100-140) reads 4,000 -> 0.4 %."""
    blocks, _ = _hand_case()
    grade = np.where(np.arange(200)[None, :] < 100, 2000.0, 4000.0) * np.ones((60, 1))
    _write(tmp_path / "reo.tif", grade, x0=X0, y0=Y0 - 5)
    result = block_resources(blocks, grade_raster=tmp_path / "reo.tif", dem_crs=CRS)
    assert_allclose(result.blocks["grade_pct"], [0.2, 0.4])
    assert set(result.blocks["grade_source"]) == {"kriged raster"}


def test_inj_zone_split_on_a_grid_merges_pieces_without_samples():
    """A 150 m x 100 m INJ zone on 100 m squares: two pieces; the east piece (50 m x 100 m) has no
    sample and joins the west one, so one block of 15,000 m2 remains."""
    zones = gpd.GeoDataFrame({"zone": ["INJ", "COLL"]},
                             geometry=[box(X0, Y0, X0 + 150, Y0 + 100), box(X0 + 150, Y0, X0 + 200, Y0 + 100)],
                             crs=CRS)
    samples = gpd.GeoDataFrame({"La": [1000.0]}, geometry=[Point(X0 + 20, Y0 + 20)], crs=CRS)
    assert len(grid_blocks(zones, size_m=100.0)) == 2
    result = block_resources(zones=zones, samples=samples, params=BlockParams(block_size_m=100.0))
    assert list(result.blocks["block_id"]) == ["B01"]
    assert result.blocks["area_m2"].iloc[0] == pytest.approx(15000.0)


# --------------------------------------------------------------------------- audit of issue 12 (added)
def test_dems_in_different_crss_are_resampled_to_the_finer_grid(tmp_path):
    """Before: flat at 100 m on 2 m cells in CGCS2000 / 3-degree GK (EPSG:4547); after: flat at
    99 m on 0.5 m cells in WGS 84 / UTM 49N (EPSG:32649), over the boundary. The UTM grid is the
    finer: the GK DEM is warped onto it, and the cut is 1 m x the boundary's area measured in the
    UTM CRS (the two projections' scale factors differ by about 0.1 % here)."""
    from pyproj import Transformer

    _write(tmp_path / "b.tif", np.full((200, 200), 100.0), cell=2.0)
    to_utm = Transformer.from_crs(CRS, "EPSG:32649", always_xy=True)
    xs, ys = to_utm.transform([X0, X0 + 400, X0, X0 + 400], [Y0, Y0, Y0 + 400, Y0 + 400])
    left, top = math.floor(min(xs)) + 60, math.ceil(max(ys)) - 60
    _write(tmp_path / "a.tif", np.full((560, 560), 99.0), cell=0.5, x0=left, y0=top - 280, crs="EPSG:32649")
    boundary = gpd.GeoDataFrame(geometry=[box(X0 + 150, Y0 + 150, X0 + 250, Y0 + 200)], crs=CRS)
    result = dem_difference(tmp_path / "b.tif", tmp_path / "a.tif", boundary, work_dir=tmp_path)
    assert result.crs == "EPSG:32649" and result.parameters["cell_size_m"] == 0.5
    assert result.parameters["resampling_applied"] == "bilinear"
    assert any(w.code == "TERRAIN_DEM_RESAMPLED" for w in result.warnings)
    utm_area = float(boundary.to_crs("EPSG:32649").area.iloc[0])
    assert abs(utm_area - 5000.0) > 1.0  # the areas differ between the CRSs ...
    assert result.cut_m3 == pytest.approx(utm_area * 1.0, rel=2e-3)  # ... and the UTM one is counted
    assert result.fill_m3 == 0.0
    result.discard()


def test_dems_refused_with_the_reason(tmp_path):
    z = np.full((40, 40), 10.0)
    _write(tmp_path / "b.tif", z)
    _write(tmp_path / "nocrs.tif", z, crs=None)
    with pytest.raises(InputError, match="no coordinate reference system") as caught:
        dem_difference(tmp_path / "b.tif", tmp_path / "nocrs.tif", work_dir=tmp_path)
    assert caught.value.layer == "dem_after"
    # a rotated fine grid cannot take the other DEM through a warped view: refused, not guessed
    with rasterio.open(tmp_path / "rotated.tif", "w", driver="GTiff", width=80, height=80, count=1,
                       dtype="float32", crs=CRS, transform=Affine(0.5, 0.1, X0, 0.1, -0.5, Y0 + 40)) as dst:
        dst.write(np.full((80, 80), 9.0, "float32"), 1)
    with pytest.raises(InputError) as caught:
        dem_difference(tmp_path / "rotated.tif", tmp_path / "b.tif", work_dir=tmp_path)
    assert caught.value.message.code == "TERRAIN_DEM_ROTATED" and caught.value.layer == "dem_before"
    assert not list(tmp_path.glob(".cut_fill.*"))


def test_cancel_between_strips_leaves_no_file(tmp_path):
    from ree_damage.core.common.errors import Canceled

    z = np.full((300, 300), 10.0)
    _write(tmp_path / "b.tif", z)
    _write(tmp_path / "a.tif", z - 1.0)
    calls = []

    def is_canceled():
        calls.append(1)
        return len(calls) > 2  # the third strip

    with pytest.raises(Canceled):
        dem_difference(tmp_path / "b.tif", tmp_path / "a.tif", work_dir=tmp_path,
                       params=VolumeParams(strip_cells=300 * 50), is_canceled=is_canceled)
    assert len(calls) == 3 and not list(tmp_path.glob(".cut_fill.*"))


def test_a_boundary_off_the_grid_counts_every_cell_whose_centre_is_inside(tmp_path):
    """1 m lowered on 1 m cells; the boundary x 3.7-46.6, y 2.3-31.2 (m from the lower left corner)
    holds the cell centres x 4.5 ... 46.5 (43 columns) and y 2.5 ... 30.5 (29 rows): 1,247 m3.
    Rounding the window's offset down without growing its length (rasterio's round_offsets then
    round_lengths) dropped the last column and row: 42 x 28 = 1,176 m3."""
    z = np.full((50, 50), 10.0)
    _write(tmp_path / "b.tif", z)
    _write(tmp_path / "a.tif", z - 1.0)
    boundary = gpd.GeoDataFrame(geometry=[box(X0 + 3.7, Y0 + 2.3, X0 + 46.6, Y0 + 31.2)], crs=CRS)
    result = dem_difference(tmp_path / "b.tif", tmp_path / "a.tif", boundary, work_dir=tmp_path)
    assert result.cut_m3 == 43 * 29 * 1.0
    result.discard()


@pytest.mark.parametrize("shape", [(40, 150), (64, 64), (9, 300)])
def test_boundary_mask_by_tiles_is_the_rasterised_mask_of_the_whole_strip(shape):
    # a boundary off the grid with a hole: filled tiles (16 cells here) and tiles rasterised one by
    # one give the mask GDAL rasterises for the whole strip, cell for cell
    from rasterio.features import geometry_mask

    from ree_damage.core.terrain import volume

    rows, cols = shape
    transform = Affine(2.0, 0, X0, 0, -2.0, Y0)
    outer = box(X0 + 7.3, Y0 - rows * 2.0 + 3.1, X0 + cols * 2.0 - 11.9, Y0 - 1.7).union(
        Point(X0 + cols * 1.8, Y0 - rows).buffer(rows * 0.9))
    boundary = outer.difference(Point(X0 + cols * 0.6, Y0 - rows * 1.1).buffer(min(rows, cols) * 0.4))
    expected = geometry_mask([boundary], out_shape=shape, transform=transform, invert=True)
    assert 0 < expected.sum() < expected.size
    got = volume._inside(boundary, transform, shape, tile=16)
    np.testing.assert_array_equal(got, expected)
    # a strip wholly inside or wholly outside is answered without a mask
    assert volume._inside(box(X0 - 10, Y0 - rows * 2.0 - 10, X0 + cols * 2.0 + 10, Y0 + 10), transform, shape) is True
    assert volume._inside(box(X0 - 50, Y0 + 10, X0 - 20, Y0 + 40), transform, shape) is False
