"""Soil layers given per zone or per point are expanded onto the points."""

import pandas as pd
import pytest

from ree_damage.core.common.errors import InputError
from ree_damage.core.survey.depth import layers_for_points

POINTS = pd.DataFrame({"point_id": ["INJ-001", "INJ-002", "SETL-001"], "zone": ["INJ", "INJ", "SETL"]})


def test_per_zone_table_as_field_teams_write_it():
    table = pd.DataFrame({
        "zone": ["INJ", "INJ", "SETL"],
        "layer_name": ["表土层", "全风化层", "表土层"],
        "top_depth_m": [0.0, 0.4, 0.0],
        "bottom_depth_m": [0.4, 12.0, 3.0],
        "water_table_depth_m": [9.0, 9.0, 2.5],
    })
    layers, water = layers_for_points(POINTS, table)
    assert layers[layers.point_id == "INJ-002"][["layer", "top_m", "bottom_m"]].values.tolist() == [
        ["表土层", 0.0, 0.4], ["全风化层", 0.4, 12.0]]
    assert layers[layers.point_id == "SETL-001"]["bottom_m"].tolist() == [3.0]
    assert dict(zip(water.point_id, water.water_table_m)) == {"INJ-001": 9.0, "INJ-002": 9.0, "SETL-001": 2.5}


def test_per_point_rows_win_over_rows_for_every_point():
    table = pd.DataFrame({
        "point_id": ["", "SETL-001"], "layer": ["A", "B"], "top_m": [0.0, 0.0], "bottom_m": [5.0, 2.0],
    })
    layers, water = layers_for_points(POINTS, table)
    assert water is None
    assert layers.groupby("point_id")["layer"].apply(list).to_dict() == {
        "INJ-001": ["A"], "INJ-002": ["A"], "SETL-001": ["B"]}


def test_bad_rows_are_named():
    table = pd.DataFrame({"zone": ["INJ", "INJ"], "top_m": [0.0, "x"], "bottom_m": [1.0, 2.0]})
    with pytest.raises(InputError, match=r"row 2"):
        layers_for_points(POINTS, table, layer="soil_layers")
    with pytest.raises(InputError, match="bottom_m"):
        layers_for_points(POINTS, pd.DataFrame({"zone": ["INJ"], "top_m": [0.0]}))
