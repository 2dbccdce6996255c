"""mined_volume through QGIS Processing (processing.run) and headless (qgis_process) on the sample case."""

import json
import subprocess

import geopandas as gpd
import pytest
import rasterio
from qgis import processing
from qgis.core import QgsProcessingException, QgsVectorLayer
from shapely.geometry import box

from ree_damage.sample_case import generate_sample_case

from .conftest import qgis_process_command, qgis_process_env


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    paths = generate_sample_case(tmp_path_factory.mktemp("case"), include=("vectors", "dem", "lab"))
    gpkg = paths["vectors"]
    return {"boundary": f"{gpkg}|layername=case_boundary", "points": f"{gpkg}|layername=sample_points",
            "controls": f"{gpkg}|layername=control_points",
            "before": str(paths["dem_before"]), "after": str(paths["dem_after"]), "xlsx": str(paths["lab_xlsx"]),
            "gpkg": gpkg}


@pytest.fixture(scope="module")
def lab(case, tmp_path_factory, qgis_app):
    from ree_damage.processing.algorithms.analysis.import_lab_results import ImportLabResults

    out = tmp_path_factory.mktemp("lab")
    return processing.run(ImportLabResults(), {
        "SHEET_FILE": case["xlsx"], "POINTS": case["points"], "CONTROL_POINTS": case["controls"], "OUTPUT": str(out / "lab.gpkg"),
        "INDICATORS": str(out / "indicators.csv"),
    })["OUTPUT"]


def _blocks(path, thickness=8.0):
    """Two blocks over the INJ hole field of the sample case, each holding sample points."""
    frame = gpd.GeoDataFrame({"block_id": ["K1", "K2"], "thickness_m": [thickness, 6.0]},
                             geometry=[box(600830, 2766340, 600940, 2766460), box(600940, 2766340, 601050, 2766460)],
                             crs="EPSG:4547")
    frame.to_file(path, layer="blocks")
    return f"{path}|layername=blocks"


def test_volumes_and_annex_tables_through_processing(case, lab, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.damage.mined_volume import MinedVolume

    result = processing.run(MinedVolume(), {
        "DEM_BEFORE": case["before"], "DEM_AFTER": case["after"], "BOUNDARY": case["boundary"],
        "BLOCKS": _blocks(tmp_path / "blocks.gpkg"), "SAMPLES": lab,
        "CUT_FILL": str(tmp_path / "out" / "cut_fill.tif"), "CONTOURS": str(tmp_path / "out" / "contours.gpkg"),
        "OUTPUT_FOLDER": str(tmp_path / "tables"),
    })
    assert result["CUT"] > 1000.0 and result["FILL"] >= 0.0  # the sample case digs pits and platforms
    assert result["GRID_CUT"] == pytest.approx(result["CUT"], rel=0.25)
    with rasterio.open(result["CUT_FILL"]) as src:
        dz = src.read(1, masked=True)
        cell = abs(src.transform.a * src.transform.e)
    assert float(-dz[dz < 0].sum()) * cell == pytest.approx(result["CUT"], rel=1e-4)
    contours = QgsVectorLayer(result["CONTOURS"], "c", "ogr")
    assert contours.isValid() and contours.featureCount() > 0
    tables = tmp_path / "tables"
    assert (tables / "resource_annex.xlsx").exists() and (tables / "resource_annex.xlsx.provenance.json").exists()
    annex4 = (tables / "annex4_block_resources.csv").read_text(encoding="utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in annex4] == ["块段编号", "K1", "K2", "合计"]
    assert result["REO_TONNES"] > 0
    record = json.loads((tmp_path / "out" / "cut_fill.tif.provenance.json").read_text(encoding="utf-8"))
    assert record["algorithm"] == "ree_damage:mined_volume" and "dem_before" in record["inputs"]
    from ree_damage.core.common.provenance import sha256_file

    # the DEMs hashed once (on a thread during the run) and recorded alike by the volume and resource outputs
    annex = json.loads((tables / "resource_annex.xlsx.provenance.json").read_text(encoding="utf-8"))
    for name in ("dem_before", "dem_after"):
        assert record["inputs"][name]["sha256"] == annex["inputs"][name]["sha256"] == sha256_file(
            record["inputs"][name]["path"])


def test_a_bad_block_is_refused_by_name_and_nothing_is_written(case, lab, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.damage.mined_volume import MinedVolume

    with pytest.raises(QgsProcessingException, match="K1"):
        processing.run(MinedVolume(), {
            "DEM_BEFORE": case["before"], "DEM_AFTER": case["after"], "BOUNDARY": case["boundary"],
            "BLOCKS": _blocks(tmp_path / "blocks.gpkg", thickness=-1.0), "SAMPLES": lab,
            "CUT_FILL": str(tmp_path / "out" / "cut_fill.tif"), "OUTPUT_FOLDER": str(tmp_path / "tables"),
        })
    assert not (tmp_path / "out" / "cut_fill.tif").exists()
    assert not [p for p in (tmp_path / "out").glob("*") if p.suffix == ".tif"]


@pytest.mark.qgis_process
def test_mined_volume_headless_through_qgis_process(case, tmp_path):
    env = qgis_process_env(tmp_path / "home")
    enabled = subprocess.run(qgis_process_command() + ["plugins", "enable", "ree_damage"], env=env,
                             capture_output=True, text=True, timeout=300)
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    run = subprocess.run(qgis_process_command() + [
        "--json", "run", "ree_damage:mined_volume", "--", f"DEM_BEFORE={case['before']}",
        f"DEM_AFTER={case['after']}", f"BOUNDARY={case['boundary']}", "GRID_SPACING=5",
        f"CUT_FILL={tmp_path / 'cut_fill.tif'}", f"CONTOURS={tmp_path / 'contours.gpkg'}",
        f"OUTPUT_FOLDER={tmp_path / 'tables'}",
    ], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    results = json.loads(run.stdout)["results"]
    assert results["CUT"] > 1000.0
    assert results["GRID_CUT"] == pytest.approx(results["CUT"], rel=0.25)
    assert (tmp_path / "tables" / "volumes.csv").exists()
    assert not (tmp_path / "tables" / "resource_annex.xlsx").exists()  # no blocks, no samples: volumes only
