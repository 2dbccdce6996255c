"""Message codes: every code speaks both languages with the same placeholders, str() is
English, and core's warnings and errors carry their code to the edge."""

import pickle
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine

from ree_damage.core.common.errors import InputError
from ree_damage.core.common.messages import (
    LANGUAGES,
    LOCATION,
    MESSAGES,
    Message,
    language_of,
    localize,
    location_text,
    placeholders,
)
from ree_damage.core.geo.dem import Dem
from ree_damage.core.lab.importer import Problem
from ree_damage.core.survey.zones import ZoneParams, functional_zones

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_has_both_templates_with_the_same_placeholders(code):
    template = MESSAGES[code]
    assert template.en.strip() and template.zh.strip()
    assert placeholders(template.en) == placeholders(template.zh), code
    assert CJK.search(template.zh), f"{code}: the Chinese template has no Chinese"
    assert re.fullmatch(r"[A-Z][A-Z0-9_]+", code)


def test_locations_are_written_in_both_languages():
    for template in LOCATION.values():
        assert template.en.count("{}") == template.zh.count("{}") >= 1
    assert set(LANGUAGES) == {"en", "zh"}


def test_str_is_english_text_is_chinese_and_the_code_travels():
    m = Message("ZONES_DEPTH_DEFAULTED", layer="holes", n=2, default=12.0, ids="3, 9")
    assert m == "holes: depth missing for 2 feature(s), default 12 m used: 3, 9"
    assert m.text("zh") == "holes：2 个要素缺少深度，采用默认值 12 m：3, 9"
    assert m.text("fr") == str(m)
    assert m.code == "ZONES_DEPTH_DEFAULTED" and m.params["n"] == 2
    assert m.bilingual() == f"{m.text('zh')} / {m}"
    again = pickle.loads(pickle.dumps(m))
    assert isinstance(again, Message) and again.text("zh") == m.text("zh")
    assert repr(m) == repr(str(m))  # logs and golden digests see the English text


def test_an_unknown_code_is_refused():
    with pytest.raises(KeyError, match="NO_SUCH_CODE"):
        Message("NO_SUCH_CODE")


def test_language_of_locale_names():
    assert [language_of(n) for n in ("zh_CN", "zh_TW", "zh", "en_US", "de_DE", "", None)] == [
        "zh", "zh", "zh", "en", "en", "en", "en",
    ]


def test_errors_and_sheet_problems_name_their_place_in_the_language():
    error = InputError("the layer has no features", layer="holes", feature=7, row=3, column="depth_m")
    assert str(error) == "the layer has no features [layer 'holes', feature 7, row 3, column 'depth_m']"
    assert error.text("zh") == str(error)  # an uncoded message stays English, location too
    assert location_text(error.location(), "zh") == "图层“holes”，要素 7，第 3 行，列“depth_m”"
    coded = InputError(Message("DEPTH_NO_STREAM"), layer="stream")
    assert localize(coded, "zh") == "未提供受纳水体：未布设地表水和底泥断面 [图层“stream”]"
    problem = Problem("warning", Message("LAB_CENSORED_WITHOUT_DL", cell="'ND'"), 4, "Cd")
    assert str(problem).endswith("[sheet row 4, column 'Cd']")
    assert problem.text("zh").endswith("[表格第 4 行，列“Cd”]")
    assert problem.as_message() == str(problem) and problem.as_message().code == "LAB_CENSORED_WITHOUT_DL"
    assert location_text({"cell": (1, 2)}) == "cell (row 1, col 2)"


def _hillside(with_dem: bool):
    """A 200 m square case, two holes (one without a depth) and a ditch below them; with
    a DEM falling to the south at 0.3 m/m."""
    x0, y0, crs = 500_000.0, 2_800_000.0, 4547
    boundary = gpd.GeoDataFrame(geometry=[shapely.box(x0, y0, x0 + 200, y0 + 200)], crs=crs)
    holes = gpd.GeoDataFrame(
        {"depth_m": [10.0, None]}, geometry=shapely.points([(x0 + 90, y0 + 150), (x0 + 110, y0 + 150)]), crs=crs
    )
    ditches = gpd.GeoDataFrame(geometry=[shapely.LineString([(x0 + 20, y0 + 40), (x0 + 180, y0 + 40)])], crs=crs)
    dem = None
    if with_dem:
        rows, cols, res = 120, 120, 2.0
        yy = y0 + 220 - (np.arange(rows) + 0.5) * res
        z = np.repeat(((yy - y0) * 0.3)[:, None], cols, axis=1)
        dem = Dem(z, Affine(res, 0, x0 - 20, 0, -res, y0 + 220), crs)
    return boundary, holes, ditches, dem


def test_zone_warnings_are_codes_with_chinese_text():
    boundary, holes, ditches, _ = _hillside(with_dem=False)
    result = functional_zones(boundary, holes, None, ditches, params=ZoneParams(default_hole_depth_m=8.0))
    assert [w.code for w in result.warnings] == ["ZONES_DEPTH_DEFAULTED", "ZONES_NO_DEM"]
    assert result.warnings[0].text("zh") == "holes：1 个要素缺少深度，采用默认值 8 m：1"
    assert str(result.warnings[1]).startswith("no DEM: COLL holds the ditch/pipe bands only")


def test_the_d8_note_is_a_code_and_stays_english_in_the_zone_table():
    boundary, holes, ditches, dem = _hillside(with_dem=True)
    result = functional_zones(boundary, holes, None, ditches, None, dem, params=ZoneParams(default_hole_depth_m=8.0))
    method = result.flow.method
    assert method.code == "ZONES_FLOW_METHOD" and method.startswith("D8 (O'Callaghan & Mark 1984)")
    assert method.text("zh").startswith("D8 流向法")
    coll = result.zones.set_index("zone").loc["COLL", "method"]
    assert "flow-through: D8 (O'Callaghan" in coll and not CJK.search(coll)


def test_layer_errors_are_coded_with_their_terms_translated():
    from ree_damage.core.geo.crs import zone_from_epsg
    from ree_damage.core.geo.layers import POLY_TYPES, prepare_layer

    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(500_000, 2_800_000), (500_010, 2_800_000)])], crs=4547)
    with pytest.raises(InputError) as caught:
        prepare_layer(lines, "ponds", (POLY_TYPES,), zone_from_epsg(4547))
    assert str(caught.value) == "wrong geometry type (line); expected polygons: feature(s) 0 [layer 'ponds', feature 0]"
    assert caught.value.text("zh") == "几何类型错误（线）；应为面：要素 0 [图层“ponds”，要素 0]"
