"""The sampling grid's own messages are codes (issue 10): the control-point warning and the
compliance lines speak Chinese and English from one template each."""

from __future__ import annotations

import geopandas as gpd
import shapely

from ree_damage.core.common.messages import MESSAGES
from ree_damage.core.geo.crs import zone_from_epsg
from ree_damage.core.survey.sampling import SamplingParams, check_sampling, control_points

X0, Y0 = 500_000.0, 2_766_000.0  # EPSG:4547


def _layer(geoms, **columns):
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(list(geoms), crs="EPSG:4547"), crs="EPSG:4547")


def test_few_control_points_warning_is_a_code_in_both_languages():
    area = _layer([shapely.box(X0, Y0, X0 + 100, Y0 + 100)])
    _, points, warnings = control_points(area, zone_from_epsg(4547), SamplingParams(control_count=2))
    assert len(points) == 2
    (warning,) = [w for w in warnings if getattr(w, "code", "") == "SAMPLING_FEW_CONTROL_POINTS"]
    assert str(warning) == (
        "only 2 control point(s): a baseline from fewer than 5 control samples is weak "
        "(control-area baseline, GB/T 39791; 5 is a default)"
    )
    assert warning.text("zh") == "对照点仅 2 个：少于5个对照样品得出的基线代表性不足（对照区基线，GB/T 39791；5为默认值）"


def test_compliance_lines_come_from_their_codes():
    units = _layer([shapely.box(X0, Y0, X0 + 40, Y0 + 40)], unit_id=["PREP-001"], zone=["PREP"])
    points = _layer([shapely.Point(X0 + 20, Y0 + 20)], point_id=["PREP-001"], unit_id=["PREP-001"], zone=["PREP"],
                    source_type=["grid"])
    table = check_sampling(units, points, case_area_m2=1600.0)
    s1, s3, s6 = (table.set_index("rule_id").loc[r] for r in ("S1", "S3", "S6"))
    assert s1.rule_en == "sampling unit at most 1600 m2 (cell 40 m)"
    assert s1.rule_zh == "采样单元面积不大于1600 m²（网格 40 m）"
    assert s3.rule_zh == "案涉面积小于5000 m²的案件（本案 1600 m²），布点不少于3个"
    assert s3.status == "FAIL"  # 1 point in a case of 1600 m2
    assert s6.rule_en == "sampling unit of one contiguous part, extent within two cells (80 m x 40 m)"
    assert list(table["rule_zh"]) == [
        MESSAGES[f"SAMPLING_RULE_{r}"].zh.format(cell_m=40, case_area_m2=1600.0, long_m=80) for r in table["rule_id"]
    ]


def test_a_rule_that_does_not_apply_says_why_in_words():
    """Issue 19: "S3 N/A: case under 5000 m2 (here 75209 m2) has at least 3 points" read as nonsense."""
    units = _layer([shapely.box(X0, Y0, X0 + 40, Y0 + 40)], unit_id=["PREP-001"], zone=["PREP"])
    points = _layer([shapely.Point(X0 + 20, Y0 + 20)], point_id=["PREP-001"], unit_id=["PREP-001"], zone=["PREP"],
                    source_type=["grid"])
    s3 = check_sampling(units, points, case_area_m2=75209.0).set_index("rule_id").loc["S3"]
    assert s3.status == "N/A"
    assert s3.rule_en == "not applicable: the case is 75,209 m2, the rule is for cases under 5,000 m2"
    assert s3.rule_zh == "不适用：本案面积 75,209 m²，该规则适用于面积小于5000 m²的案件"
