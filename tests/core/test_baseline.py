"""baseline: statistics of control samples, given values, screening standards."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from ree_damage.core.common.errors import InputError
from ree_damage.core.lab.baseline import (
    COLUMNS,
    baseline_from_controls,
    baseline_from_screening,
    baseline_from_values,
    combine,
    compare,
    control_statistic,
    tolerance_factor,
)
from ree_damage.core.standards.screening import PH_BANDS, ph_band, screening_values


def _controls(**columns):
    data = {}
    for code, values in columns.items():
        vals, flags = [], []
        for v in values:
            if isinstance(v, str) and v.startswith("<"):
                vals.append(float(v[1:]))
                flags.append("<")
            else:
                vals.append(float(v))
                flags.append("")
        data[code] = vals
        data[f"{code}_flag"] = flags
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"sample_id": [f"CTRL-{i:03d}" for i in range(n)], **data})


def _normal(mean, sd, n):
    from scipy.stats import norm

    return mean + sd * norm.ppf((np.arange(n) + 0.5) / n)


NORMAL = _normal(50.0, 5.0, 30)
LOGNORMAL = np.exp(np.random.default_rng(1).normal(0.0, 1.0, 40))
BIMODAL = np.r_[np.full(15, 1.0), np.full(15, 10.0)] + np.random.default_rng(2).normal(0, 0.01, 30)


# ----------------------------------------------------------------------------- statistics
def test_mean_plus_two_sd_for_normal_data():
    r = control_statistic(NORMAL, "mean_2sd")
    assert r["distribution"] == "normal" and r["normality_p"] >= 0.05
    assert r["baseline"] == pytest.approx(NORMAL.mean() + 2 * NORMAL.std(ddof=1))


def test_log_transform_fallback_for_lognormal_data():
    r = control_statistic(LOGNORMAL, "mean_2sd")
    assert r["normality_p"] < 0.05 and r["normality_p_log"] >= 0.05
    ln = np.log(LOGNORMAL)
    assert r["distribution"] == "lognormal"
    assert r["baseline"] == pytest.approx(math.exp(ln.mean() + 2 * ln.std(ddof=1)))


def test_neither_normal_nor_lognormal_falls_back_to_p95_and_says_so():
    r = control_statistic(BIMODAL, "mean_2sd")
    assert r["distribution"] == "neither normal nor lognormal"
    assert r["baseline"] == pytest.approx(np.percentile(BIMODAL, 95))
    assert "P95" in r["method"] and "rejects" in r["note"]


@pytest.mark.parametrize("stat, q", [("p90", 90), ("p95", 95)])
def test_percentiles(stat, q):
    assert control_statistic(NORMAL, stat)["baseline"] == pytest.approx(np.percentile(NORMAL, q))
    assert control_statistic(NORMAL, stat, direction="below")["baseline"] == pytest.approx(
        np.percentile(NORMAL, 100 - q)
    )


@pytest.mark.parametrize("n, k", [(10, 2.911), (20, 2.396), (30, 2.220), (100, 1.927)])
def test_tolerance_factor_matches_published_tables(n, k):
    assert tolerance_factor(n) == pytest.approx(k, abs=1e-3)


def test_upper_tolerance_limit():
    r = control_statistic(NORMAL, "utl95_95")
    k = tolerance_factor(30)
    assert r["baseline"] == pytest.approx(NORMAL.mean() + k * NORMAL.std(ddof=1))
    assert r["tolerance_factor"] == pytest.approx(k) and r["coverage"] == 0.95
    r = control_statistic(BIMODAL, "utl95_95")  # nonparametric: n < 59 -> the maximum
    assert r["baseline"] == pytest.approx(BIMODAL.max())
    assert r["confidence"] == pytest.approx(1 - 0.95**30) and "only" in r["note"]
    big = np.r_[BIMODAL, BIMODAL, BIMODAL]  # n = 90: an order statistic below the max
    r = control_statistic(big, "utl95_95")
    assert r["confidence"] >= 0.95 and r["baseline"] <= big.max()


def test_max_and_below_direction():
    assert control_statistic(NORMAL, "max")["baseline"] == NORMAL.max()
    ph = _normal(5.5, 0.2, 20)
    r = control_statistic(ph, "mean_2sd", direction="below")
    assert r["distribution"] == "normal"
    assert r["baseline"] == pytest.approx(ph.mean() - 2 * ph.std(ddof=1))


# ----------------------------------------------------------------------------- controls
def test_baseline_table_from_control_samples(tmp_path):
    ctrl = _controls(
        Cd=list(np.round(NORMAL / 100, 4)),
        pH=list(np.round(_normal(5.6, 0.15, 30), 2)),
        La=["<0.5"] * 5 + list(np.round(LOGNORMAL[:25] * 30, 2)),
    )
    res = baseline_from_controls(
        ctrl,
        statistic={"Cd": "mean_2sd", "pH": "mean_2sd", "La": "p95"},
        units={"Cd": "mg/kg", "La": "mg/kg"},
    )
    t = res.table.set_index("indicator")
    assert list(res.table.columns) == list(COLUMNS)
    assert t.loc["pH", "direction"] == "below" and t.loc["Cd", "direction"] == "above"
    assert t.loc["La", "n_censored"] == 5 and t.loc["La", "substitution"] == "dl/2"
    la = np.r_[np.full(5, 0.25), np.round(LOGNORMAL[:25] * 30, 2)]
    assert t.loc["La", "baseline"] == pytest.approx(np.percentile(la, 95))
    assert t.loc["Cd", "n"] == 30 and t.loc["Cd", "normality_test"].startswith("Shapiro-Wilk")
    assert t.loc["Cd", "unit"] == "mg/kg"
    path = res.write(tmp_path / "baseline.csv", inputs={"controls": {"rows": 30}})["baseline"]
    back = pd.read_csv(path)
    assert list(back["indicator"]) == ["Cd", "pH", "La"]
    rec = json.loads((tmp_path / "baseline.csv.provenance.json").read_text())
    assert rec["parameters"]["substitution"] == "dl/2" and rec["algorithm"] == "ree_damage:baseline"


def test_substitution_rule_changes_the_statistic():
    ctrl = _controls(Cd=["<0.1", "<0.1", 0.3, 0.4, 0.5, 0.6])
    a = baseline_from_controls(ctrl, statistic="max", substitution="dl").value("Cd")
    b = baseline_from_controls(ctrl, statistic="p90", substitution="zero").table
    assert a == pytest.approx(0.6)
    assert b["substitution"].iloc[0] == "zero"
    assert b["baseline"].iloc[0] == pytest.approx(np.percentile([0, 0, 0.3, 0.4, 0.5, 0.6], 90))


def test_few_controls_warn_and_refuse():
    res = baseline_from_controls(_controls(Cd=[0.1, 0.2, 0.3, 0.25]))
    assert any("fewer than 5" in w for w in res.warnings)
    with pytest.raises(InputError, match="at least 3"):
        baseline_from_controls(_controls(Cd=[0.1, 0.2]))
    res = baseline_from_controls(_controls(Cd=[0.1, 0.2]), allow_few=True)
    assert "computed on request" in res.table["note"].iloc[0]
    assert np.isfinite(res.value("Cd"))


def test_mostly_and_all_censored():
    res = baseline_from_controls(_controls(Cd=["<0.1", "<0.1", "<0.1", 0.2, 0.3]))
    assert any("depends on the substitution rule" in w for w in res.warnings)
    res = baseline_from_controls(_controls(Cd=["<0.1", "<0.2", "<0.1", "<0.1", "<0.1"]))
    assert res.value("Cd") == pytest.approx(0.2)
    assert "all censored" in res.table["method"].iloc[0]


def test_long_table_and_text_in_numbers():
    long = pd.DataFrame({"indicator": ["Cd"] * 5, "value": [0.1, 0.2, 0.3, 0.2, 0.1], "flag": [""] * 5})
    assert baseline_from_controls(long, statistic="max").value("Cd") == pytest.approx(0.3)
    bad = _controls(Cd=[0.1, 0.2, 0.3])
    bad["Cd"] = bad["Cd"].astype(object)
    bad.loc[1, "Cd"] = "n.a.x"
    with pytest.raises(InputError) as exc:
        baseline_from_controls(bad)
    assert exc.value.row == 2 and exc.value.column == "Cd"


# ----------------------------------------------------------------------------- values and screening
def test_given_values_and_combine_and_compare():
    given = baseline_from_values({"Cd": 0.25, "pH": 5.2}, units={"Cd": "mg/kg"})
    t = given.table.set_index("indicator")
    assert t.loc["pH", "direction"] == "below" and t.loc["Cd", "source"] == "given values"
    with pytest.raises(InputError):
        baseline_from_values({"Cd": -1})
    scr = baseline_from_screening("GB 15618", land_use="paddy", ph=5.0)
    both = combine(given, scr)
    assert both.value("Cd") == pytest.approx(0.25) and both.value("Pb") == pytest.approx(80.0)
    side = compare({"given": given, "GB15618": scr}).set_index("indicator")
    assert (
        side.loc["Cd", "given"] == 0.25
        and side.loc["Cd", "GB15618"] == 0.3
        and side.loc["Cd", "unit"] == "mg/kg"
    )


@pytest.mark.parametrize("ph, band", [(4.0, 0), (5.5, 0), (5.51, 1), (6.5, 1), (7.5, 2), (7.6, 3)])
def test_ph_bands(ph, band):
    assert ph_band(ph) == PH_BANDS[band]


def test_gb15618_values_by_land_use_and_ph():
    paddy = screening_values("GB15618-2018", land_use="水田", ph=7.0).set_index("indicator")["value"]
    other = screening_values("GB15618-2018", land_use="other", ph=7.0).set_index("indicator")["value"]
    orchard = screening_values("GB15618-2018", land_use="orchard", ph=7.0).set_index("indicator")["value"]
    assert paddy["Cd"] == 0.6 and other["Cd"] == 0.3 and orchard["Cd"] == 0.3
    assert orchard["Cu"] == 200.0 and other["Cu"] == 100.0 and paddy["Cu"] == 100.0
    assert paddy["Ni"] == 100.0 and paddy["Zn"] == 250.0
    inter = screening_values("GB15618-2018", ph=4.5, level="intervention").set_index("indicator")["value"]
    assert inter["Cd"] == 1.5 and inter["As"] == 200.0 and "Zn" not in inter
    with pytest.raises(InputError, match="pH"):
        screening_values("GB15618-2018")


def test_gb36600_and_gb14848():
    c1 = screening_values("GB36600-2018").set_index("indicator")["value"]
    c2 = screening_values("gb36600", land_use="第二类用地", level="intervention").set_index("indicator")[
        "value"
    ]
    assert c1["Cd"] == 20.0 and c1["Pb"] == 400.0 and c2["Pb"] == 2500.0 and c2["Cr6"] == 78.0
    gw = screening_values("GB/T 14848").set_index("indicator")
    assert gw.loc["NH4_N", "value"] == 0.5 and gw.loc["NH4_N", "unit"] == "mg/L"
    # metals in water are reported in ug/L by the lab import: the table follows
    assert gw.loc["Cd", "value"] == pytest.approx(5.0) and gw.loc["Cd", "unit"] == "μg/L"
    assert gw.loc["Cd", "value_in_standard"] == 0.005 and gw.loc["Cd", "unit_in_standard"] == "mg/L"
    assert gw.loc["pH", "direction"] == "below" and gw.loc["pH", "value"] == 6.5
    assert screening_values("GB/T14848-2017", level="IV").set_index("indicator").loc["pH", "value"] == 5.5
    with pytest.raises(InputError):
        screening_values("GB 99999")


def test_screening_baseline_rows_carry_their_source():
    res = baseline_from_screening("GB36600-2018", land_use="class2", indicators=["Cd", "As"])
    t = res.table.set_index("indicator")
    assert list(t.index) == ["As", "Cd"]
    assert t.loc["Cd", "source"] == "GB36600-2018 table 1" and t.loc["Cd", "land_use"] == "class2"
    assert_allclose(t["baseline"].to_numpy(float), [60.0, 65.0])


def test_screening_values_carry_the_verification_warning():
    from ree_damage.core.lab.baseline import baseline_from_screening
    from ree_damage.core.standards.screening import VERIFICATION_NOTE

    result = baseline_from_screening("GB15618-2018", land_use="paddy", ph=5.0)
    assert any(VERIFICATION_NOTE in w for w in result.warnings)
