"""Restoration effect: targets by sample and by area, remaining damage, the report section."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from ree_damage.core.common.errors import InputError
from ree_damage.core.restoration import RestorationParams, read_targets, restoration_effect
from ree_damage.core.restoration.effect import nearest_sample_cells

EPSG = 4547
X0, Y0 = 500000.0, 2800000.0


def _zones():
    return gpd.GeoDataFrame(
        {"zone": ["INJ", "SETL"]},
        geometry=[shapely.box(X0, Y0, X0 + 100, Y0 + 100), shapely.box(X0 + 100, Y0, X0 + 200, Y0 + 100)],
        crs=EPSG,
    )


def _samples():
    # INJ: 4 samples on a 2 x 2 pattern, each standing for a 50 m x 50 m quarter (2500 m2)
    xy = [(25, 25), (75, 25), (25, 75), (75, 75), (150, 50), (160, 60)]
    return gpd.GeoDataFrame(
        {
            "sample_id": ["INJ-1-50", "INJ-2-50", "INJ-3-50", "INJ-4-50", "SETL-1-50", "SETL-2-50"],
            "zone": ["INJ"] * 4 + ["SETL"] * 2,
            # NH4_N target 100 mg/kg: INJ-2 is beyond it; SETL-2 below detection (DL 150 > target)
            "NH4_N": [40.0, 180.0, 99.0, 100.0, 60.0, 150.0],
            "NH4_N_flag": ["", "", "", "", "", "<"],
            "pH": [5.2, 5.6, 5.5, 5.0, 5.4, 5.1],
            "pH_flag": [""] * 6,
        },
        geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in xy],
        crs=EPSG,
    )


TARGETS = pd.DataFrame(
    {
        "zone": ["ALL", "INJ"],
        "indicator": ["NH4_N", "pH"],
        "target": ["100", "5.1"],
        "unit": ["mg/kg", ""],
        "source": ["restoration plan table 3 (synthetic)", "restoration plan table 3 (synthetic)"],
    }
)


def test_targets_by_sample_and_by_area():
    result = restoration_effect(_samples(), TARGETS, _zones(), sampled_on="2027-05-10", restoration_end="2027-03-31")
    res = result.results.set_index(["zone", "indicator"])
    inj = res.loc[("INJ", "NH4_N")]
    # 40, 99 and 100 are not beyond 100 (met); 180 is
    assert (inj["n"], inj["n_met"], inj["n_not_met"]) == (4, 3, 1)
    assert inj["met_by_sample"] == "not met" and inj["value_max"] == 180.0
    # INJ-2 stands for the lower-right quarter: 2500 m2 of 10000 m2
    assert inj["area_not_met_m2"] == pytest.approx(2500.0)
    assert inj["area_share_met"] == pytest.approx(0.75) and inj["met_by_area"] == "not met"
    setl = res.loc[("SETL", "NH4_N")]
    # "<150" with a target of 100: undecidable, not met, not counted in n
    assert (setl["n"], setl["n_met"], setl["n_undecidable"]) == (1, 1, 1)
    assert setl["met_by_sample"] == "undecided"
    # pH must reach 5.1 (direction 'min' by default for pH): 5.0 fails
    ph = res.loc[("INJ", "pH")]
    assert (ph["n_met"], ph["n_not_met"], ph["direction"]) == (3, 1, "min")
    assert ("SETL", "pH") not in res.index  # no target there
    remaining = result.remaining.set_index(["zone", "indicator"])
    # remaining soil volume = 2500 m2 x 0.5 m
    assert remaining.loc[("INJ", "NH4_N"), "volume_m3"] == pytest.approx(1250.0)
    assert remaining.loc[("INJ", "NH4_N"), "samples"] == "INJ-2-50"
    assert "12.5 Supplementary restoration" in result.section and "2027-05-10" in result.section
    statuses = result.samples.set_index(["sample_id", "indicator"])["status"]
    assert statuses[("SETL-2-50", "NH4_N")] == "undecidable" and statuses[("INJ-4-50", "NH4_N")] == "met"


def test_everything_met_and_the_volume_follows_the_thickness(tmp_path):
    samples = _samples()
    samples["NH4_N"] = 10.0
    samples["NH4_N_flag"] = ""
    samples["pH"] = 6.0
    result = restoration_effect(samples, TARGETS, _zones(), params=RestorationParams(thickness_m=1.0))
    assert set(result.results["met_by_sample"]) == {"met"} and set(result.results["met_by_area"]) == {"met"}
    assert len(result.remaining) == 0
    written = result.write({"results": tmp_path / "r.csv", "remaining": tmp_path / "rem.gpkg",
                            "section": tmp_path / "s.txt"})
    assert set(written) == {"results", "section"}  # nothing remains, no empty layer
    assert (tmp_path / "r.csv.provenance.json").is_file()


def test_nearest_sample_cells_tile_the_zone():
    zone = shapely.box(0, 0, 100, 100)
    cells = nearest_sample_cells(np.array([shapely.Point(25, 50), shapely.Point(75, 50)]), zone)
    np.testing.assert_allclose(shapely.area(cells), [5000.0, 5000.0])


def test_bad_targets_are_named():
    with pytest.raises(InputError, match="not a number") as info:
        read_targets(TARGETS.assign(target=["100", "abc"]))
    assert info.value.row == 3
    with pytest.raises(InputError, match="column 'source' missing"):
        read_targets(TARGETS.drop(columns="source"))
    with pytest.raises(InputError, match="given twice"):
        read_targets(pd.concat([TARGETS, TARGETS.iloc[:1]]))
    with pytest.raises(InputError, match="direction"):
        read_targets(TARGETS.assign(direction=["up", ""]))


BASELINE_TABLE = pd.DataFrame({
    "indicator": ["pH", "NH4_N", "SO4"],
    "baseline": ["4.86", "27.1", "225.5"],
    "unit": ["无量纲 (dimensionless)", "mg/kg", "mg/kg"],
    "direction": ["below", "above", "above"],
    "source": ["control samples"] * 3,
    "method": ["mean - 2 SD", "exp(mean + 2 SD) of ln values", "mean + 2 SD"],
})


def test_targets_from_the_baseline_table_are_the_baselines():
    """Primary restoration is back to baseline: each indicator's baseline is its target in every
    zone, not to exceed (above) or, for pH (below), not to fall under; the source names the row."""
    from ree_damage.core.restoration.effect import targets_from_baseline

    targets = targets_from_baseline(BASELINE_TABLE).set_index("indicator")
    assert list(targets.index) == ["pH", "NH4_N", "SO4"]
    assert (targets["zone"] == "ALL").all()
    assert targets.loc["pH", "target"] == 4.86 and targets.loc["pH", "direction"] == "min"
    assert targets.loc["NH4_N", "target"] == 27.1 and targets.loc["NH4_N", "direction"] == "max"
    assert "control samples" in targets.loc["SO4", "source"] and "mean + 2 SD" in targets.loc["SO4", "source"]
    assert "10.2" in targets.loc["SO4", "source"]


def test_a_given_target_wins_over_the_baseline_for_its_indicator():
    from ree_damage.core.restoration.effect import targets_from_baseline

    targets = targets_from_baseline(BASELINE_TABLE, given=TARGETS)
    by_key = {(r["zone"], r["indicator"]): r for r in targets.to_dict("records")}
    # NH4_N and pH come from the target table (NH4_N 100 in ALL, pH 5.1 in INJ); SO4 from the baseline
    assert set(by_key) == {("ALL", "NH4_N"), ("INJ", "pH"), ("ALL", "SO4")}
    assert by_key[("ALL", "NH4_N")]["target"] == 100.0
    assert by_key[("ALL", "SO4")]["target"] == 225.5


def test_a_bad_baseline_table_is_named(tmp_path):
    from ree_damage.core.restoration.effect import targets_from_baseline

    with pytest.raises(InputError, match="column 'baseline' missing"):
        targets_from_baseline(BASELINE_TABLE.drop(columns="baseline"))
    bad = BASELINE_TABLE.copy()
    bad.loc[1, "baseline"] = "n.d."
    path = tmp_path / "baseline.csv"
    bad.to_csv(path, index=False, encoding="utf-8-sig")
    with pytest.raises(InputError, match="NH4_N is not a number") as error:
        targets_from_baseline(path)
    assert error.value.row == 3 and "baseline.csv" in str(error.value)


def test_restoration_against_the_baseline_targets():
    """The synthetic samples against NH4_N 27.1 (max) and pH 4.86 (min): NH4_N is above its
    baseline in both zones (INJ 40-180, SETL 60), pH reaches 4.86 everywhere."""
    from ree_damage.core.restoration.effect import targets_from_baseline

    result = restoration_effect(_samples(), targets_from_baseline(BASELINE_TABLE.iloc[:2]), _zones())
    rows = {(r["zone"], r["indicator"]): r for r in result.results.to_dict("records")}
    assert rows[("INJ", "NH4_N")]["met_by_sample"] == "not met"
    assert rows[("INJ", "pH")]["met_by_sample"] == "met"
    assert rows[("INJ", "NH4_N")]["n_not_met"] == 4
