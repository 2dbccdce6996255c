"""Valuation through QGIS Processing on the sample case chain, and headless through qgis_process."""

import json
import subprocess
from pathlib import Path

import pytest
from qgis import processing
from qgis.core import QgsProcessingException

from .conftest import qgis_process_command, qgis_process_env


@pytest.fixture(scope="module")
def chain(soil_chain):
    """conftest's soil_chain (zones -> lab -> baseline -> interpolate) -> damage_extent; mined_volume's
    resource tables."""
    from ree_damage.processing.algorithms.damage.damage_extent import DamageExtent
    from ree_damage.processing.algorithms.damage.mined_volume import MinedVolume

    out, paths, layer = soil_chain["out"], soil_chain["paths"], soil_chain["layer"]
    damage = processing.run(DamageExtent(), {
        "SAMPLES": soil_chain["surface"], "BASELINE": soil_chain["baseline"], "ZONES": soil_chain["zones"],
        "RASTER_FOLDER": soil_chain["rasters"], "OUTPUT_FOLDER": str(out / "valuation_damage"),
    })
    mined = processing.run(MinedVolume(), {
        "DEM_BEFORE": str(paths["dem_before"]), "DEM_AFTER": str(paths["dem_after"]),
        "BOUNDARY": layer("case_boundary"), "ZONES": soil_chain["zones"], "SAMPLES": soil_chain["lab"],
        "CUT_FILL": str(out / "valuation_cut_fill.tif"), "OUTPUT_FOLDER": str(out / "valuation_mined"),
    })
    return {"out": out, "case_file": str(paths["case_file"]), "damage": damage["SUMMARY"],
            "resources": str(out / "valuation_mined" / "annex5_resource_summary.csv"),
            "reo_t": mined.get("REO_TONNES")}


def _sum_counted(document):
    from decimal import Decimal, localcontext

    with localcontext(prec=34):  # the valuation's precision (34 significant digits)
        return sum(Decimal(line["result"]) for entry in document["methods"].values() for line in entry["lines"]
                   if line["money"] and line["counted"])


def test_valuation_on_the_sample_case_chain(chain, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.valuation.valuation import Valuation

    result = processing.run(Valuation(), {
        "CASE_FILE": chain["case_file"], "DAMAGE_SUMMARY": chain["damage"], "RESOURCE_TABLE": chain["resources"],
        "WORKBOOK": str(tmp_path / "valuation.xlsx"), "JSON": str(tmp_path / "valuation.json"),
    })
    document = json.loads((tmp_path / "valuation.json").read_text(encoding="utf-8"))
    assert str(_sum_counted(document)) == document["total"]
    assert result["TOTAL"] == pytest.approx(float(document["total_display"]))
    assert result["LOW"] <= result["TOTAL"] <= result["HIGH"]
    # the restoration volume is the kriged ANY rows of the damage summary, named with its SHA-256
    lime = document["methods"]["restoration"]["lines"][0]
    assert "damage_summary.csv (sha256 " in lime["sources"][0] and "method=ok" in lime["sources"][0]
    # the destroyed resource is the mined_volume resource x 0.75 - the 5 t extracted
    destroyed = document["methods"]["mineral"]["lines"][-1]
    assert "annex5_resource_summary.csv (sha256 " in destroyed["sources"][0]
    assert float(destroyed["quantity"]) == pytest.approx(chain["reo_t"] * 0.75 - 5.0, rel=1e-9)
    assert any(s["scenario"].startswith("damage P(exceed)") for s in document["scenarios"])
    for name in ("valuation.xlsx", "valuation.json"):
        assert (tmp_path / f"{name}.provenance.json").is_file()


def test_bad_price_stops_and_writes_nothing(chain, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.valuation.valuation import Valuation

    text = Path(chain["case_file"]).read_text(encoding="utf-8").replace('unit = "元/m3"', 'unit = "元/t"', 1)
    bad = tmp_path / "case.toml"
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(QgsProcessingException, match="unit mismatch"):
        processing.run(Valuation(), {"CASE_FILE": str(bad), "DAMAGE_SUMMARY": chain["damage"],
                                     "WORKBOOK": str(out / "v.xlsx"), "JSON": str(out / "v.json")})
    assert not out.exists() or not any(out.iterdir())


def test_template_is_written_on_request(tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.valuation.valuation import Valuation

    result = processing.run(Valuation(), {"WRITE_TEMPLATE": True, "TEMPLATE": str(tmp_path / "valuation.toml")})
    text = (tmp_path / "valuation.toml").read_text(encoding="utf-8")
    assert result["TEMPLATE"].endswith("valuation.toml") and "discount_rate = 0.03" in text


@pytest.mark.qgis_process
def test_valuation_headless(chain, tmp_path):
    env = qgis_process_env(tmp_path / "home")
    enabled = subprocess.run(qgis_process_command() + ["plugins", "enable", "ree_damage"], env=env,
                             capture_output=True, text=True, timeout=300)
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    run = subprocess.run(qgis_process_command() + [
        "--json", "run", "ree_damage:valuation", "--", f"CASE_FILE={chain['case_file']}",
        f"DAMAGE_SUMMARY={chain['damage']}", f"WORKBOOK={tmp_path / 'v.xlsx'}", f"JSON={tmp_path / 'v.json'}",
    ], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    results = json.loads(run.stdout)["results"]
    document = json.loads((tmp_path / "v.json").read_text(encoding="utf-8"))
    assert results["TOTAL"] == pytest.approx(float(document["total_display"]))


def test_a_canceled_valuation_writes_nothing(chain, tmp_path, qgis_processing):
    from qgis.core import QgsProcessingFeedback

    from ree_damage.processing.algorithms.valuation.valuation import Valuation

    class CancelWhileValuing(QgsProcessingFeedback):
        """Cancels when the valuation stage starts (the user presses Cancel mid-run)."""

        def setProgressText(self, text):  # noqa: N802 - QGIS API
            if text == "Valuing":
                self.cancel()
            super().setProgressText(text)

    out = tmp_path / "out"
    with pytest.raises(QgsProcessingException, match="Canceled"):
        processing.run(Valuation(), {"CASE_FILE": chain["case_file"], "DAMAGE_SUMMARY": chain["damage"],
                                     "WORKBOOK": str(out / "v.xlsx"), "JSON": str(out / "v.json")},
                       feedback=CancelWhileValuing())
    assert not out.exists() or not any(out.iterdir())
