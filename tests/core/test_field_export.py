"""Field exports: the bilingual workbook and the GPX/KML waypoints."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
import shapely

from ree_damage.core.common.errors import InputError
from ree_damage.core.survey.depth import WaterParams, depth_schedule, water_positions
from ree_damage.core.survey.field_export import (
    SHEETS,
    field_workbook_sheets,
    write_field_workbook,
    write_gpx,
    write_kml,
)
from ree_damage.core.survey.sampling import sampling_grid
from ree_damage.core.survey.zones import functional_zones

X0, Y0 = 500000.0, 2800000.0
CRS = 4547
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture(scope="module")
def plan():
    def gdf(geoms, **cols):
        return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=CRS)

    rng = np.random.default_rng(5)
    zr = functional_zones(
        gdf([shapely.box(X0, Y0, X0 + 300, Y0 + 250)]),
        gdf(
            shapely.points(X0 + 80 + rng.uniform(0, 120, 40), Y0 + 150 + rng.uniform(0, 60, 40)),
            depth_m=rng.uniform(5, 15, 40),
        ),
        gdf([shapely.Point(X0 + 150, Y0 + 235)]),
        gdf([shapely.LineString([(X0 + 40, Y0 + 90), (X0 + 260, Y0 + 90)])]),
        gdf([shapely.box(X0 + 220, Y0 + 30, X0 + 245, Y0 + 55)]),
    )
    sr = sampling_grid(
        zr.zones,
        zr.sources,
        boundary=zr.boundary,
        control_area=gdf([shapely.box(X0 + 600, Y0, X0 + 700, Y0 + 100)]),
    )
    dr = depth_schedule(sr.points, water_table=6.0)
    stream = gdf([shapely.LineString([(X0 - 600, Y0 + 10), (X0 + 2500, Y0 + 10)])])
    water, _ = water_positions(zr.zones, stream=stream, params=WaterParams(gw_azimuth_deg=180))
    return sr, dr, water


def kwargs(plan):
    sr, dr, water = plan
    return dict(
        lab_order=dr.lab_order,
        compliance=[sr.compliance, dr.compliance],
        water=water,
        control_points=sr.control_points,
        about={"CRS": sr.zone_crs.authid, "datum": sr.zone_crs.datum_note("zh")},
    )


def test_workbook_sheets_with_bilingual_headers(plan, tmp_path):
    sr, dr, _ = plan
    path = write_field_workbook(tmp_path / "field.xlsx", sr.points, dr.samples, **kwargs(plan))
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames == [
        SHEETS[k] for k in ("points", "depths", "indicators", "compliance", "water", "about")
    ]
    for name in wb.sheetnames:
        header = next(wb[name].iter_rows(min_row=1, max_row=1, values_only=True))
        for cell in header:
            assert CJK.search(cell) and LATIN.search(cell), (name, cell)
    rows = list(wb[SHEETS["points"]].iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(sr.points) + len(sr.control_points)
    assert rows[0][0] == sr.points["point_id"].iloc[0]
    depths = list(wb[SHEETS["depths"]].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in depths] == dr.samples["sample_id"].tolist()
    compliance = list(wb[SHEETS["compliance"]].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in compliance] == sr.compliance["rule_id"].tolist() + dr.compliance["rule_id"].tolist()
    assert {r[7] for r in compliance} <= {"PASS", "N/A"}
    indicators = list(wb[SHEETS["indicators"]].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in indicators] == dr.lab_order["code"].tolist()
    wb.close()


def test_workbook_is_byte_stable(plan, tmp_path):
    sr, dr, _ = plan
    a = write_field_workbook(tmp_path / "a.xlsx", sr.points, dr.samples, **kwargs(plan))
    b = write_field_workbook(tmp_path / "b.xlsx", sr.points, dr.samples, **kwargs(plan))
    assert a.read_bytes() == b.read_bytes()
    assert not list(tmp_path.glob(".*part*"))  # no temporary file left behind


def test_sheets_without_optional_parts(plan):
    sr, dr, _ = plan
    sheets = field_workbook_sheets(sr.points, dr.samples)
    assert list(sheets) == [SHEETS[k] for k in ("points", "depths", "indicators", "compliance")]
    assert len(sheets[SHEETS["indicators"]]) == dr.samples["n_indicators"].iloc[0]


def test_gpx_waypoints(plan, tmp_path):
    sr, _, _ = plan
    path = write_gpx(tmp_path / "points.gpx", sr.points)
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    root = ET.parse(path).getroot()
    wpts = root.findall("g:wpt", ns)
    assert len(wpts) == len(sr.points)
    first = wpts[0]
    assert first.find("g:name", ns).text == sr.points["point_id"].iloc[0]
    assert float(first.get("lat")) == pytest.approx(sr.points["lat"].iloc[0], abs=1e-8)
    assert float(first.get("lon")) == pytest.approx(sr.points["lon"].iloc[0], abs=1e-8)
    assert path.read_bytes() == write_gpx(tmp_path / "again.gpx", sr.points).read_bytes()


def test_kml_folders_per_zone(plan, tmp_path):
    sr, _, _ = plan
    path = write_kml(tmp_path / "points.kml", sr.points)
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    root = ET.parse(path).getroot()
    folders = root.findall("k:Document/k:Folder", ns)
    assert [f.find("k:name", ns).text.split()[0] for f in folders] == list(dict.fromkeys(sr.points["zone"]))
    placemarks = root.findall(".//k:Placemark", ns)
    assert len(placemarks) == len(sr.points)
    lon, lat, _ = placemarks[0].find("k:Point/k:coordinates", ns).text.split(",")
    assert float(lon) == pytest.approx(sr.points["lon"].iloc[0], abs=1e-8)


def test_points_without_coordinates_are_refused(plan, tmp_path):
    sr, dr, _ = plan
    with pytest.raises(InputError):
        write_gpx(tmp_path / "x.gpx", sr.points.drop(columns=["lon"]))
    bad = sr.points.copy()
    bad.loc[bad.index[2], "lat"] = np.nan
    with pytest.raises(InputError) as err:
        write_kml(tmp_path / "x.kml", bad)
    assert err.value.feature == bad["point_id"].iloc[2]
    assert not (tmp_path / "x.kml").exists()
