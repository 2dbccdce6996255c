"""Hand edits of a sampling plan (core, no QGIS): a move stays in its unit, an added point
takes the next id of its zone and the depth-rule fields of its unit, the grid rules bind the
first round only, and the rules an edit broke are named."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from ree_damage.core.survey import hand_edits
from ree_damage.core.survey.hand_edits import OutsideUnitError

EPSG = 4547  # CGCS2000 3-degree Gauss-Kruger, CM 114E


def _plan():
    """Two 40 m units side by side in INJ; INJ-001 on a hole, INJ-002 beside a pond (1 m off its edge)."""
    x0, y0 = 500000.0, 2766000.0
    units = gpd.GeoDataFrame(
        {"unit_id": ["INJ-001", "INJ-002"], "zone": ["INJ", "INJ"]},
        geometry=[shapely.box(x0, y0, x0 + 40, y0 + 40), shapely.box(x0 + 40, y0, x0 + 80, y0 + 40)],
        crs=f"EPSG:{EPSG}",
    )
    points = gpd.GeoDataFrame(
        {
            "point_id": ["INJ-001", "INJ-002"],
            "unit_id": ["INJ-001", "INJ-002"],
            "zone": ["INJ", "INJ"],
            "source_type": ["hole", "pond"],
            "source_layer": ["holes", "ponds"],
            "source_id": ["7", "3"],
            "bottom_m": [6.5, 2.0],
            "dist_source_m": [0.0, 1.0],
            "x": [x0 + 10, x0 + 75],
            "y": [y0 + 10, y0 + 20],
        },
        geometry=[shapely.Point(x0 + 10, y0 + 10), shapely.Point(x0 + 75, y0 + 20)],
        crs=f"EPSG:{EPSG}",
    )
    # the pond: a 10 m square east of unit INJ-002, its west edge at x0 + 76
    sources = gpd.GeoDataFrame(
        {"source_type": ["hole", "pond"], "source_layer": ["holes", "ponds"], "source_id": ["7", "3"]},
        geometry=[shapely.Point(x0 + 10, y0 + 10), shapely.box(x0 + 76, y0 + 15, x0 + 86, y0 + 25)],
        crs=f"EPSG:{EPSG}",
    )
    zones = {"INJ": shapely.box(x0, y0, x0 + 80, y0 + 40)}
    return units, points, sources, zones, (x0, y0)


def test_next_point_id_numbers_on_in_the_zone():
    assert hand_edits.next_point_id(["INJ-001", "INJ-009", "PREP-012"], "INJ") == "INJ-010"
    assert hand_edits.next_point_id(["INJ-0999"], "INJ") == "INJ-1000"  # a wider scheme keeps its width
    assert hand_edits.next_point_id(["PREP-001"], "SETL") == "SETL-001"


def test_a_move_within_the_unit_gives_the_new_position_fields():
    units, points, sources, _zones, (x0, y0) = _plan()
    values = hand_edits.move_point(units, points, "INJ-002", x0 + 74.5, y0 + 30, EPSG, sources)
    assert values["hand_edit"] == "moved_by_hand"
    assert (values["x"], values["y"]) == (x0 + 74.5, y0 + 30)
    # to the pond's corner (x0 + 76, y0 + 25): dx 1.5, dy 5 -> sqrt(2.25 + 25) = 5.220 m
    assert values["dist_source_m"] == pytest.approx(5.220, abs=1e-3)
    # 114E is the central meridian: 500 km east of the false origin lies 114E, a little east of it here
    assert 114.0 < values["lon"] < 114.001 and values["lon_dms"].endswith("E") and values["lat_dms"].endswith("N")


def test_a_move_out_of_the_unit_is_refused_naming_point_and_unit():
    units, points, sources, _zones, (x0, y0) = _plan()
    with pytest.raises(OutsideUnitError) as raised:
        hand_edits.move_point(units, points, "INJ-001", x0 + 50, y0 + 10, EPSG, sources)  # into INJ-002
    assert (raised.value.point_id, raised.value.unit_id) == ("INJ-001", "INJ-001")
    assert "INJ-001 must stay in its sampling unit INJ-001" in str(raised.value)
    # the shared edge counts as inside (S2's tolerance)
    assert hand_edits.move_point(units, points, "INJ-001", x0 + 40, y0 + 10, EPSG)["x"] == x0 + 40


def test_an_added_point_takes_the_next_id_and_its_units_depth_fields():
    units, points, sources, zones, (x0, y0) = _plan()
    values = hand_edits.second_round_point(units, points, x0 + 30, y0 + 30, EPSG, sources)
    assert (values["point_id"], values["unit_id"], values["zone"], values["round"]) == ("INJ-003", "INJ-001", "INJ", 2)
    assert (values["source_type"], values["source_id"], values["bottom_m"]) == ("hole", "7", 6.5)
    assert type(values["bottom_m"]) is float  # plain Python, whatever writes it
    # from the hole at (10, 10) to (30, 30): 20 * sqrt(2) = 28.284 m
    assert values["dist_source_m"] == pytest.approx(28.284, abs=1e-3)
    with pytest.raises(OutsideUnitError):
        hand_edits.second_round_point(units, points, x0 - 5, y0 + 5, EPSG)

    # the grid rules bind the first round: an extra point in INJ-001 is not a second grid point
    row = {k: v for k, v in values.items() if k in points.columns}
    both = pd.concat([points.assign(round=1), gpd.GeoDataFrame([row], geometry=[shapely.Point(x0 + 30, y0 + 30)],
                                                                crs=points.crs).assign(round=2)], ignore_index=True)
    table = hand_edits.plan_compliance(units, both, 3200.0, zones=zones, sources=sources).set_index("rule_id")
    assert table.loc["S2", "status"] == "PASS" and table.loc["S2", "applies_to"] == 2
    assert table.loc["S5", "status"] == "PASS"
    # the same points all counted as the grid's: INJ-001 has two points, S2 fails
    plain = hand_edits.plan_compliance(units, both.drop(columns="round"), 3200.0, zones=zones, sources=sources)
    assert plain.set_index("rule_id").loc["S2", "status"] == "FAIL"


def test_the_rule_a_move_broke_is_named():
    units, points, sources, zones, (x0, y0) = _plan()
    # 6000 m2: not a small case (S3 does not apply; two points would fail it under 5000 m2)
    before = hand_edits.plan_compliance(units, points, 6000.0, zones=zones, sources=sources)
    assert set(before["status"]) == {"PASS", "N/A"}
    moved = points.copy()
    values = hand_edits.move_point(units, points, "INJ-002", x0 + 50, y0 + 5, EPSG, sources)
    moved.loc[1, "geometry"] = shapely.Point(values["x"], values["y"])
    moved.loc[1, "dist_source_m"] = values["dist_source_m"]
    after = hand_edits.plan_compliance(units, moved, 6000.0, zones=zones, sources=sources)
    broken = hand_edits.broken_rules(before, after)
    assert [(rule_id, failed) for rule_id, _zh, _en, failed in broken] == [("S4", ["INJ-002"])]
    assert "2 m" in broken[0][2]
    # a rule already failing for that point is not broken again
    assert hand_edits.broken_rules(after, after) == []


def test_zone_geometries_and_case_area():
    units, _points, _sources, zones, _origin = _plan()
    frame = gpd.GeoDataFrame({"zone": ["inj", "INJ"]}, geometry=list(units.geometry), crs=units.crs)
    geoms = hand_edits.zone_geometries(frame)
    assert list(geoms) == ["INJ"] and shapely.area(geoms["INJ"]) == pytest.approx(3200.0)
    assert hand_edits.case_area(None, geoms) == pytest.approx(3200.0)
    assert hand_edits.case_area(units.iloc[:1], geoms) == pytest.approx(1600.0)
    assert np.isfinite(hand_edits.case_area(units, zones))
