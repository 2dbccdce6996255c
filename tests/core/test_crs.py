"""CGCS2000 zone selection against pyproj's own CRS definitions."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyproj import CRS

from ree_damage.core.common.errors import InputError
from ree_damage.core.geo.crs import (
    gauss_kruger_zone,
    lonlat_arrays,
    to_dms,
    zone_for_extent,
    zone_from_epsg,
)


def _pyproj_zone_facts(epsg):
    crs = CRS.from_epsg(epsg)
    params = {p.name: p.value for p in crs.coordinate_operation.params}
    false_easting = params["False easting"]
    return params["Longitude of natural origin"], false_easting, crs


# Every longitude from 75.0 E to 135.0 E in steps of 0.25 degree, plus each zone edge
# (lon = 3k + 1.5 belongs to the eastern zone) and a hair either side of it.
EDGES = [3 * k + 1.5 for k in range(25, 45)]
LONGITUDES = sorted(set(np.round(np.arange(75.0, 135.01, 0.25), 6).tolist() + EDGES + [e - 1e-9 for e in EDGES]))


@pytest.mark.parametrize("lon", LONGITUDES)
def test_three_degree_zone_matches_pyproj(lon):
    zone = gauss_kruger_zone(lon)
    central, false_easting, crs = _pyproj_zone_facts(zone.epsg)
    assert "CGCS2000" in crs.name and "3-degree" in crs.name
    assert central == zone.central_meridian
    assert false_easting == 500000  # no zone prefix
    assert abs(lon - central) <= 1.5 + 1e-9  # the longitude lies inside its zone
    prefixed = gauss_kruger_zone(lon, prefixed=True)
    central_p, false_easting_p, _ = _pyproj_zone_facts(prefixed.epsg)
    assert central_p == zone.central_meridian
    assert false_easting_p == zone.number * 1_000_000 + 500000


@pytest.mark.parametrize("lon", LONGITUDES)
def test_six_degree_zone_matches_pyproj(lon):
    zone = gauss_kruger_zone(lon, width=6)
    central, false_easting, crs = _pyproj_zone_facts(zone.epsg)
    assert crs.name.startswith("CGCS2000 / Gauss-Kruger") and "3-degree" not in crs.name
    assert central == zone.central_meridian
    assert false_easting == 500000
    assert abs(lon - central) <= 3 + 1e-9
    _, false_easting_p, _ = _pyproj_zone_facts(gauss_kruger_zone(lon, width=6, prefixed=True).epsg)
    assert false_easting_p == zone.number * 1_000_000 + 500000


def test_zone_edges_belong_to_the_eastern_zone():
    assert gauss_kruger_zone(115.5).central_meridian == 117
    assert gauss_kruger_zone(115.5 - 1e-9).central_meridian == 114
    assert gauss_kruger_zone(114.0, width=6).central_meridian == 117  # 114 E starts zone 20
    assert gauss_kruger_zone(114.0 - 1e-9, width=6).central_meridian == 111


def test_western_china_is_clamped_to_the_first_defined_zone():
    # 73.5 E (Pamir) would be zone 24 (CM 72 E), which EPSG does not define for CGCS2000.
    zone = gauss_kruger_zone(73.5)
    assert zone.epsg == 4534 and zone.central_meridian == 75
    assert gauss_kruger_zone(73.5, width=6).epsg == 4502


def test_sample_site_zone():
    zone = gauss_kruger_zone(115.0)
    assert (zone.epsg, zone.central_meridian, zone.authid) == (4547, 114, "EPSG:4547")
    assert "中央经线114°" in zone.datum_note("zh")
    assert "1985" in zone.datum_note("en")


@given(st.integers(min_value=4491, max_value=4554))
def test_zone_from_epsg_inverts_zone_selection(epsg):
    zone = zone_from_epsg(epsg)
    again = gauss_kruger_zone(zone.central_meridian, width=zone.width, prefixed=zone.prefixed)
    assert again == zone


def test_zone_from_epsg_refuses_other_codes():
    with pytest.raises(InputError, match="EPSG:4326"):
        zone_from_epsg(4326)


def test_zone_for_extent_uses_the_centre_in_any_crs():
    # a box around 115.0 E, 25.0 N given in Web Mercator
    from pyproj import Transformer

    t = Transformer.from_crs(4490, 3857, always_xy=True)
    x0, y0 = t.transform(114.99, 24.99)
    x1, y1 = t.transform(115.01, 25.01)
    assert zone_for_extent((x0, y0, x1, y1), "EPSG:3857").epsg == 4547


def test_bad_longitudes_are_refused():
    with pytest.raises(InputError):
        gauss_kruger_zone(float("nan"))
    with pytest.raises(InputError, match="3 or 6"):
        gauss_kruger_zone(115.0, width=4)


def test_lonlat_round_trip_through_the_zone():
    lon = np.array([114.2, 115.0, 115.4])
    lat = np.array([24.5, 25.0, 25.6])
    from pyproj import Transformer

    x, y = Transformer.from_crs(4490, 4547, always_xy=True).transform(lon, lat)
    back_lon, back_lat = lonlat_arrays(x, y, "EPSG:4547")
    np.testing.assert_allclose(back_lon, lon, atol=1e-9)
    np.testing.assert_allclose(back_lat, lat, atol=1e-9)


@given(st.floats(min_value=-180, max_value=180, allow_nan=False))
def test_dms_round_trips_to_the_rounding_of_seconds(value):
    text = to_dms(value)
    degrees, rest = text.split("°")
    minutes, rest = rest.split("'")
    seconds = float(rest[:-2])
    sign = -1 if rest.endswith("W") else 1
    back = sign * (int(degrees) + int(minutes) / 60 + seconds / 3600)
    assert math.isclose(back, value, abs_tol=0.005 / 3600 + 1e-12)
    assert 0 <= int(minutes) < 60 and 0 <= seconds < 60


def test_dms_carries_rounded_seconds():
    assert to_dms(114.99999999) == "115°00'00.00\"E"
    assert to_dms(25.5, "N", "S") == "25°30'00.00\"N"


@pytest.mark.parametrize("lon", [-3.7, 10.0, 73.4, 135.2, 150.0])
def test_a_site_outside_the_zones_is_refused_with_the_reason(lon):
    # issue 20: a site abroad went into EPSG:4534 (CM 75 E) with eastings of -2,130,000 m
    with pytest.raises(InputError) as err:
        gauss_kruger_zone(lon)
    assert "outside the CGCS2000 Gauss-Kruger zones" in str(err.value) and "73.5-135" in str(err.value)
    with pytest.raises(InputError):
        gauss_kruger_zone(lon, width=6)


@given(st.floats(73.5, 135.0))
def test_every_longitude_of_the_zones_gets_a_defined_zone(lon):
    zone = gauss_kruger_zone(lon)
    assert 25 <= zone.number <= 45 and abs(zone.central_meridian - lon) <= 1.5 + 1.5  # 73.5 E: CM 75 E


def test_a_site_abroad_is_refused_with_the_reason():
    import geopandas as gpd
    import shapely

    from ree_damage.core.survey.sampling import sampling_grid

    madrid = gpd.GeoDataFrame({"zone": ["INJ"]}, geometry=[shapely.box(-3.71, 40.41, -3.70, 40.42)], crs=4490)
    with pytest.raises(InputError, match="outside the CGCS2000"):
        sampling_grid(madrid)
    # forced into a zone CRS it does not belong to (eastings of -5,660,000 m), the layer is
    # refused by the coordinate check: no silently distorted area either way
    with pytest.raises(InputError, match="outside where the declared CRS EPSG:4534 is used"):
        sampling_grid(madrid.to_crs(4534))
