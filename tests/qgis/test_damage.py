"""The chain from the sample case to damage_extent through QGIS Processing and qgis_process."""

import csv
import json
import subprocess

import pytest
from qgis import processing
from qgis.core import QgsProcessing, QgsProcessingException, QgsRasterLayer, QgsVectorLayer

from .conftest import qgis_process_command, qgis_process_env


def _layer(path):
    layer = QgsVectorLayer(path, "t", "ogr")
    assert layer.isValid(), path
    return layer


@pytest.fixture(scope="module")
def chain(soil_chain):
    """sample case -> functional zones -> lab import -> baseline -> interpolate (conftest's soil_chain)."""
    return soil_chain


def test_damage_extent_on_the_sample_case(chain, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.damage.damage_extent import DamageExtent

    result = processing.run(DamageExtent(), {
        "SAMPLES": chain["surface"], "BASELINE": chain["baseline"], "ZONES": chain["zones"],
        "RASTER_FOLDER": chain["rasters"], "MIN_AREA": 16.0, "OUTPUT_FOLDER": str(tmp_path / "damage"),
    })
    areas = _layer(result["OUTPUT_LAYERS"][0])
    assert areas.crs().authid() == "EPSG:4547" and areas.featureCount() > 0
    # areas agree with QGIS's own planar measurement of the same polygons (0.01 %)
    for feature in areas.getFeatures():
        assert feature.geometry().area() == pytest.approx(feature["area_m2"], rel=1e-4)
        assert feature["volume_m3"] == pytest.approx(feature["area_m2"] * 0.5)
    union = _layer(result["OUTPUT_LAYERS"][1])
    assert {f["indicators"] for f in union.getFeatures()} & {"Cd", "NH4_N", "Cd;NH4_N"}
    points = _layer(result["OUTPUT_LAYERS"][2])
    assert points.featureCount() > 0 and "status" in points.fields().names()
    with open(result["SUMMARY"], encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    header = list(rows[0])
    assert header[:9] == ["zone", "depth_layer", "indicator", "method", "unit", "baseline", "samples", "exceedances",
                          "ratio"]
    kriged = [r for r in rows if r["indicator"] == "Cd" and r["method"] == "ok" and r["zone"] == "ALL"]
    assert kriged and float(kriged[0]["area_p95_m2"]) <= float(kriged[0]["area_p80_m2"]) <= float(kriged[0]["area_p50_m2"])
    degree = QgsRasterLayer(str(tmp_path / "damage" / "degree" / "Cd_L0-50_ok_degree.tif"), "k")
    assert degree.isValid()
    for name in ("damaged_areas.gpkg", "damage_summary.csv", "damaged_samples.gpkg", "method_comparison.csv"):
        assert (tmp_path / "damage" / f"{name}.provenance.json").is_file()
    # IDW and kriging side by side: the same figures as the summary's rows of each method
    with open(tmp_path / "damage" / "method_comparison.csv", encoding="utf-8-sig") as handle:
        compared = {(r["zone"], r["indicator"]): r for r in csv.DictReader(handle)}
    idw = [r for r in rows if r["indicator"] == "Cd" and r["method"] == "idw" and r["zone"] == "ALL"][0]
    assert float(compared[("ALL", "Cd")]["area_idw_m2"]) == pytest.approx(float(idw["area_m2"]))
    assert float(compared[("ALL", "Cd")]["area_ok_m2"]) == pytest.approx(float(kriged[0]["area_m2"]))
    # the second round (where P(exceed) is 20-80 % and no sample within 40 m): a point layer when any
    second = tmp_path / "damage" / "second_round_points.gpkg"
    if second.exists():
        proposals = _layer(str(second))
        assert {"point_id", "zone", "uncertainty", "p_exceed"} <= set(proposals.fields().names())


def test_zones_are_needed_with_rasters_and_nothing_is_written(chain, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.damage.damage_extent import DamageExtent

    with pytest.raises(QgsProcessingException, match="zones"):
        processing.run(DamageExtent(), {
            "SAMPLES": chain["surface"], "BASELINE": chain["baseline"], "RASTER_FOLDER": chain["rasters"],
            "OUTPUT_FOLDER": str(tmp_path / "damage"),
        })
    assert not (tmp_path / "damage").exists() or not any((tmp_path / "damage").rglob("*"))


@pytest.mark.qgis_process
def test_damage_extent_headless(chain, tmp_path):
    env = qgis_process_env(tmp_path / "home")
    enabled = subprocess.run(qgis_process_command() + ["plugins", "enable", "ree_damage"], env=env,
                             capture_output=True, text=True, timeout=300)
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    out = tmp_path / "damage"
    run = subprocess.run(qgis_process_command() + [
        "--json", "run", "ree_damage:damage_extent", "--", f"SAMPLES={chain['surface']}",
        f"BASELINE={chain['baseline']}", f"ZONES={chain['zones']}", f"RASTER_FOLDER={chain['rasters']}",
        f"OUTPUT_FOLDER={out}", f"DAMAGED_AREAS={tmp_path / 'areas.gpkg'}", f"SUMMARY_TABLE={tmp_path / 'summary.csv'}",
    ], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    results = json.loads(run.stdout)["results"]
    for path in results["OUTPUT_LAYERS"]:
        assert _layer(path).featureCount() >= 0
    assert results["SUMMARY"].endswith("damage_summary.csv")
    # the sinks given a file are written there; sinks not asked for are not written
    areas = _layer(results["DAMAGED_AREAS"])
    assert areas.featureCount() == _layer(str(out / "damaged_areas.gpkg")).featureCount() > 0
    with open(tmp_path / "summary.csv", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header[:3] == ["zone", "depth_layer", "indicator"]
    assert "DAMAGED_UNION" not in results or not results["DAMAGED_UNION"]


def _kind(layer):
    """The layer's geometry type by name (Point, MultiPolygon, NoGeometry ...)."""
    from qgis.core import QgsWkbTypes

    return QgsWkbTypes.displayString(layer.wkbType())


def _output_layer(value, context):
    """A sink's result: a layer object (temporary output) or a destination string."""
    from qgis.core import QgsProcessingUtils

    if isinstance(value, str):
        layer = QgsProcessingUtils.mapLayerFromString(value, context)
        return layer if layer is not None else _layer(value)
    return value


def test_sinks_give_temporary_layers_as_the_dialog_does(chain, tmp_path, qgis_processing):
    # the dialog leaves an optional sink at "temporary layer" (createByDefault): memory layers
    # with the same features as the GeoPackages of the output folder
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    from ree_damage.processing.algorithms.damage.damage_extent import DamageExtent
    from ree_damage.processing.compat import FLAG_OPTIONAL

    algorithm = DamageExtent()
    sinks = [algorithm.DAMAGED_AREAS, algorithm.DAMAGED_UNION, algorithm.DAMAGED_SAMPLES, algorithm.SUMMARY_TABLE,
             algorithm.SECOND_ROUND]
    algorithm.initAlgorithm()
    for key in sinks:
        definition = algorithm.parameterDefinition(key)
        assert definition.createByDefault() and definition.flags() & FLAG_OPTIONAL
    context = QgsProcessingContext()
    result = processing.run(algorithm, {
        "SAMPLES": chain["surface"], "BASELINE": chain["baseline"], "ZONES": chain["zones"],
        "RASTER_FOLDER": chain["rasters"], "MIN_AREA": 16.0, "OUTPUT_FOLDER": str(tmp_path / "damage"),
        **{key: QgsProcessing.TEMPORARY_OUTPUT for key in sinks},
    }, context=context, feedback=QgsProcessingFeedback())
    areas = _output_layer(result["DAMAGED_AREAS"], context)
    assert areas.isValid() and areas.providerType() == "memory"
    assert _kind(areas) == "MultiPolygon"
    assert areas.crs().authid() == "EPSG:4547"
    on_disk = _layer(str(tmp_path / "damage" / "damaged_areas.gpkg"))
    assert areas.featureCount() == on_disk.featureCount() > 0
    assert sum(f["area_m2"] for f in areas.getFeatures()) == pytest.approx(
        sum(f["area_m2"] for f in on_disk.getFeatures()))
    for feature in areas.getFeatures():  # QGIS's planar measurement of the same polygons (0.01 %)
        assert feature.geometry().area() == pytest.approx(feature["area_m2"], rel=1e-4)
    union = _output_layer(result["DAMAGED_UNION"], context)
    assert {f["indicators"] for f in union.getFeatures()} & {"Cd", "NH4_N", "Cd;NH4_N"}
    samples = _output_layer(result["DAMAGED_SAMPLES"], context)
    assert _kind(samples) == "Point"
    assert {"k", "status", "rule", "baseline_source"} <= set(samples.fields().names())
    summary = _output_layer(result["SUMMARY_TABLE"], context)
    assert _kind(summary) == "NoGeometry"
    assert summary.fields().names()[:4] == ["zone", "depth_layer", "indicator", "method"]
    with open(result["SUMMARY"], encoding="utf-8-sig") as handle:
        assert summary.featureCount() == len(list(csv.DictReader(handle)))
    assert _output_layer(result["SECOND_ROUND"], context).isValid()


def test_all_below_baseline_gives_empty_typed_sinks_and_a_message(chain, tmp_path, qgis_processing):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    from ree_damage.processing.algorithms.damage.damage_extent import DamageExtent

    high = tmp_path / "high_baseline.csv"
    high.write_text("indicator,baseline,unit,source\nCd,1000,mg/kg,test\nNH4_N,100000,mg/kg,test\n"
                    "pH,0,,test\n", encoding="utf-8")

    class Feedback(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.text = []

        def reportError(self, error, fatalError=False):  # noqa: N802, N803 - QGIS API
            self.text.append(error)

        def pushWarning(self, warning):  # noqa: N802 - QGIS API
            self.text.append(warning)

        def pushInfo(self, info):  # noqa: N802 - QGIS API
            self.text.append(info)

    feedback = Feedback()
    context = QgsProcessingContext()
    result = processing.run(DamageExtent(), {
        "SAMPLES": chain["surface"], "BASELINE": f"delimitedtext://file://{high}?delimiter=,&geomType=none",
        "ZONES": chain["zones"], "RASTER_FOLDER": chain["rasters"], "OUTPUT_FOLDER": str(tmp_path / "damage"),
        "DAMAGED_AREAS": str(tmp_path / "areas.gpkg"), "DAMAGED_UNION": QgsProcessing.TEMPORARY_OUTPUT,
        "SECOND_ROUND": str(tmp_path / "second.gpkg"),
    }, context=context, feedback=feedback)
    areas = _layer(result["DAMAGED_AREAS"])
    assert areas.featureCount() == 0 and _kind(areas) == "MultiPolygon"
    assert "area_m2" in areas.fields().names()
    assert (tmp_path / "areas.gpkg.provenance.json").is_file()
    union = _output_layer(result["DAMAGED_UNION"], context)
    assert union.featureCount() == 0 and "indicators" in union.fields().names()
    second = _layer(result["SECOND_ROUND"])
    assert _kind(second) == "Point"
    log = " ".join(feedback.text)
    assert "no damaged area" in log and "no confirmed damage" in log


def test_a_model_chains_the_damaged_areas_into_the_next_algorithm(chain, tmp_path, provider):
    # the Modeler: damage_extent's DAMAGED_AREAS feeds native:dissolve as a vector layer
    from qgis.core import (
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource,
        QgsProcessingModelOutput,
    )

    model = QgsProcessingModelAlgorithm("damage then dissolve", "test")
    damage = QgsProcessingModelChildAlgorithm("ree_damage:damage_extent")
    damage.setChildId("damage")
    fixed = {"SAMPLES": chain["surface"], "BASELINE": chain["baseline"], "ZONES": chain["zones"],
             "RASTER_FOLDER": chain["rasters"], "MIN_AREA": 16.0, "OUTPUT_FOLDER": str(tmp_path / "damage")}
    for key, value in fixed.items():
        damage.addParameterSources(key, [QgsProcessingModelChildParameterSource.fromStaticValue(value)])
    model.addChildAlgorithm(damage)
    dissolve = QgsProcessingModelChildAlgorithm("native:dissolve")
    dissolve.setChildId("dissolve")
    dissolve.addParameterSources("INPUT", [QgsProcessingModelChildParameterSource.fromChildOutput(
        "damage", "DAMAGED_AREAS")])
    dissolve.addParameterSources("FIELD", [QgsProcessingModelChildParameterSource.fromStaticValue(["indicator"])])
    output = QgsProcessingModelOutput("dissolved")
    output.setChildOutputName("OUTPUT")
    output.setChildId("dissolve")
    dissolve.setModelOutputs({"dissolved": output})
    model.addChildAlgorithm(dissolve)
    model.initAlgorithm()
    context = QgsProcessingContext()
    key = next(d.name() for d in model.destinationParameterDefinitions())
    results, ok = model.run({key: str(tmp_path / "dissolved.gpkg")}, context, QgsProcessingFeedback())
    assert ok
    dissolved = _layer(results[key])
    on_disk = _layer(str(tmp_path / "damage" / "damaged_areas.gpkg"))
    assert dissolved.featureCount() == len({f["indicator"] for f in on_disk.getFeatures()}) > 0


def test_the_damaged_samples_sink_is_loaded_styled(chain, tmp_path, qgis_processing):
    # a sink QGIS loads on completion (the dialog's case) gets the shared style of its output
    from qgis.core import (
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProcessingOutputLayerDefinition,
        QgsProject,
    )

    from ree_damage.processing import styles
    from ree_damage.processing.algorithms.damage.damage_extent import DamageExtent

    assert styles.style_for("damage_extent", "DAMAGED_SAMPLES", "Damaged samples") == "damaged_samples"
    assert styles.style_for("damage_extent", "DAMAGED_AREAS", "Damaged areas") == "damaged_areas"
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    loaded = {key: QgsProcessingOutputLayerDefinition(QgsProcessing.TEMPORARY_OUTPUT, QgsProject.instance())
              for key in ("DAMAGED_SAMPLES", "DAMAGED_AREAS")}
    processing.run(DamageExtent(), {
        "SAMPLES": chain["surface"], "BASELINE": chain["baseline"], "ZONES": chain["zones"],
        "RASTER_FOLDER": chain["rasters"], "OUTPUT_FOLDER": str(tmp_path / "damage"), **loaded,
    }, context=context, feedback=QgsProcessingFeedback())
    details = context.layersToLoadOnCompletion()
    by_output = {d.outputName: d for d in details.values()}
    assert {"DAMAGED_SAMPLES", "DAMAGED_AREAS"} <= set(by_output)
    assert all(by_output[key].postProcessor() is not None for key in ("DAMAGED_SAMPLES", "DAMAGED_AREAS"))
    # the folder's GeoPackages of the same layers are not loaded a second time
    names = {d.name for d in details.values()}
    assert "damaged_union" in names and not names & {"damaged_samples", "damaged_areas"}
