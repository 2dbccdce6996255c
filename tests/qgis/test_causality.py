"""Causality evidence and restoration effect on the sample case, through QGIS Processing."""

import csv
import json
from pathlib import Path

import pytest
from qgis import processing
from qgis.core import QgsProcessingException, QgsVectorLayer

from ree_damage.sample_case import generate_sample_case


def _layer(path):
    layer = QgsVectorLayer(path, "t", "ogr")
    assert layer.isValid(), path
    return layer


def _rows(path):
    with open(path, encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def case(tmp_path_factory, qgis_app):
    """sample case (with the causality and restoration inputs) -> zones -> lab imports."""
    from ree_damage.processing.algorithms.analysis.import_lab_results import ImportLabResults
    from ree_damage.processing.algorithms.survey_design.functional_zones import FunctionalZones

    out = tmp_path_factory.mktemp("causality")
    paths = generate_sample_case(out / "case", include=("vectors", "dem", "ortho", "lab", "evidence"))
    gpkg = paths["vectors"]
    layer = lambda name: f"{gpkg}|layername={name}"  # noqa: E731
    extra = lambda name: f"{paths['evidence_vectors']}|layername={name}"  # noqa: E731
    zones = processing.run(FunctionalZones(), {
        "BOUNDARY": layer("case_boundary"), "HOLES": layer("injection_holes"), "POOLS": layer("prep_pools"),
        "DITCHES": layer("collection_ditches"), "PONDS": layer("settling_ponds"), "DEM": str(paths["dem_before"]),
        "OUTPUT": str(out / "zones.gpkg"),
    })["OUTPUT"]
    lab = processing.run(ImportLabResults(), {
        "SHEET_FILE": str(paths["lab_csv"]), "POINTS": layer("sample_points"),
        "CONTROL_POINTS": layer("control_points"), "OUTPUT": str(out / "lab.gpkg"),
    })["OUTPUT"]
    surface = processing.run("native:extractbyexpression", {
        "INPUT": lab, "EXPRESSION": "depth_cm = 50", "OUTPUT": str(out / "surface.gpkg"),
    })["OUTPUT"]
    sources = processing.run(ImportLabResults(), {
        "SHEET_FILE": str(paths["source_lab"]), "POINTS": extra("source_points"), "OUTPUT": str(out / "sources.gpkg"),
    })["OUTPUT"]
    return {"paths": paths, "zones": zones, "surface": surface, "sources": sources,
            "post_points": extra("post_restoration_points"), "wells": extra("wells")}


def test_causality_evidence_on_the_sample_case(case, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.causality.causality_evidence import CausalityEvidence

    paths = case["paths"]
    result = processing.run(CausalityEvidence(), {
        "SAMPLES": case["surface"], "SOURCE_SAMPLES": case["sources"], "ZONES": case["zones"],
        "DEM": str(paths["dem_before"]), "IMAGE_DATES": str(paths["image_dates"]), "WELLS": case["wells"],
        "HEAD_FIELD": "head_m", "WELL_ID_FIELD": "well_id", "CASE_FILE": str(paths["case_file"]),
        "OUTPUT_FOLDER": str(tmp_path / "causality"),
    })
    evidence = _layer(result["EVIDENCE"])
    assert evidence.crs().authid() == "EPSG:4547"
    features = list(evidence.getFeatures())
    soil = [f for f in features if f["kind"] == "soil"]
    wells = {f["sample_id"]: f for f in features if f["kind"] == "well"}
    assert soil and all(not str(f["sample_id"]).startswith("CTRL") for f in soil)
    statuses = {f["path_status"] for f in soil}
    assert "on_path" in statuses and statuses <= {"on_path", "below_path", "off_path", "outside_dem"}
    on = [f for f in soil if f["path_status"] == "on_path"]
    assert all(f["source"].split("-")[0] in ("INJ", "SETL") and f["path_distance_m"] >= 0 for f in on)
    assert all(-1.0 <= f["homology_r"] <= 1.0 for f in soil)
    # the case file's dates reach every row; the settling ponds are dug between the two DEMs
    assert {f["act_start"] for f in soil} == {"2024-04-01"} and {f["sampled_on"] for f in soil} == {"2026-03-15"}
    rows = _rows(tmp_path / "causality" / "time_order.csv")
    timing = {r["source"]: r for r in rows if r["basis"].startswith("DEM")}
    assert timing["SETL-1"]["first_seen"] == "2026-03-10" and timing["SETL-1"]["reference_date"] == "2023-11-20"
    # the mosaics: forest in 2023, the INJ and SETL areas stripped on the 2026 drone mosaic
    seen_on_images = {r["source"]: r for r in rows if r["basis"].startswith("vegetation lost")}
    assert set(seen_on_images) == set(timing)
    assert all(r["reference_name"] == "ortho_before_act_1m.tif" for r in seen_on_images.values())
    assert {r["first_seen"] for r in seen_on_images.values()} == {"2026-03-15"}
    # each point keeps the earliest date either shows: the DEM's for the ponds
    assert {f["source_first_seen"] for f in soil if f["source"].startswith("SETL")} <= {"2026-03-10"}
    # the three wells at the foot of the slope lie down-gradient of the sources, the control well does not
    assert wells["GW-CTRL-001"]["down_gradient_of"] == ""
    assert all(wells[w]["down_gradient_of"] for w in ("GW-001", "GW-002", "GW-003"))
    indices = _rows(tmp_path / "causality" / "ree_indices.csv")
    sources = [r for r in indices if r["group"] == "source"]
    assert len(sources) == 7 and all(float(r["ce_anomaly"]) < 0.3 for r in sources)  # Ce-depleted precipitate
    reference = _rows(tmp_path / "causality" / "normalising_values.csv")
    assert {r["element"]: float(r["value_ppm"]) for r in reference}["La"] == 0.237
    facts = (tmp_path / "causality" / "causality_facts.txt").read_text(encoding="utf-8")
    assert "Sun" in facts and "2024-04-01" in facts and "on a D8 downslope path" in facts
    for group in ("source", "damaged", "control"):
        png = tmp_path / "causality" / "plots" / f"rare_earth_pattern_{group}.png"
        assert png.read_bytes()[:4] == b"\x89PNG"
        assert (png.parent / f"{png.name}.provenance.json").is_file()
    assert _layer(result["OUTPUT_LAYERS"][1]).featureCount() > 0  # the migration paths
    # the pattern plots on one page for the report: a vector PDF and the layout as a template
    figure = Path(result["PATTERN_FIGURE"])
    assert figure.name == "rare_earth_patterns.pdf" and figure.read_bytes()[:5] == b"%PDF-"
    assert (figure.parent / "rare_earth_patterns.pdf.provenance.json").is_file()
    assert b"D:20260315" in figure.read_bytes()  # the PDF's date is the sampling date, not the run's
    from qgis.core import QgsPrintLayout, QgsProject, QgsReadWriteContext
    from qgis.PyQt.QtXml import QDomDocument

    document = QDomDocument()
    assert document.setContent((figure.parent / "rare_earth_patterns.qpt").read_text(encoding="utf-8"))
    layout = QgsPrintLayout(QgsProject.instance())
    items, ok = layout.loadFromTemplate(document, QgsReadWriteContext())
    assert ok
    pictures = sorted((item for item in items if item.id().startswith("figure_")), key=lambda item: item.id())
    assert len(pictures) == 3 and all(Path(p.picturePath()).is_file() for p in pictures)
    assert Path(pictures[0].picturePath()).name == "rare_earth_pattern_source.png"


def test_causality_without_source_samples_is_refused(case, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.causality.causality_evidence import CausalityEvidence

    with pytest.raises(QgsProcessingException, match="SOURCE_SAMPLES, SOURCE_SHEET"):
        processing.run(CausalityEvidence(), {"SAMPLES": case["surface"], "OUTPUT_FOLDER": str(tmp_path / "c")})
    assert not (tmp_path / "c").exists() or not any((tmp_path / "c").iterdir())


def test_restoration_effect_on_the_sample_case(case, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.causality.restoration_effect import RestorationEffect

    paths = case["paths"]
    # the sheet and its points, imported inside (the same importer as Import lab results)
    result = processing.run(RestorationEffect(), {
        "SHEET": str(paths["post_restoration_lab"]), "POINTS": case["post_points"], "TARGETS": str(paths["restoration_targets"]), "ZONES": case["zones"],
        "MOSAIC": str(paths["ortho_after_restoration"]), "SAMPLED_ON": "2028-06-20", "RESTORATION_END": "2026-06-30",
        "OUTPUT_FOLDER": str(tmp_path / "restoration"),
    })
    rows = _rows(result["RESULTS"])
    assert {r["indicator"] for r in rows} == {"NH4_N", "pH"}
    inj = {r["indicator"]: r for r in rows if r["zone"] == "INJ"}
    # the generator leaves some INJ/SETL points unrestored: NH4+-N above 100 mg/kg somewhere
    not_met = [r for r in rows if r["met_by_sample"] == "not met"]
    assert not_met and all(float(r["area_not_met_m2"]) > 0 for r in not_met)
    assert inj["NH4_N"]["statistic"].startswith("by sample")
    remaining = _layer(result["OUTPUT_LAYERS"][0])
    kinds = {f["kind"] for f in remaining.getFeatures()}
    assert kinds == {"soil", "vegetation"}
    for feature in remaining.getFeatures():
        assert feature.geometry().area() == pytest.approx(feature["area_m2"], rel=1e-3, abs=0.1)
        if feature["kind"] == "soil":
            assert feature["volume_m3"] == pytest.approx(feature["area_m2"] * 0.5, rel=1e-3)
    vegetation = {r["zone"]: r for r in _rows(tmp_path / "restoration" / "vegetation_recovery.csv")}
    # the ponds are left open: SETL cover below the 85 % target, the hillside zones recovered
    assert vegetation["SETL"]["met"] == "not met" and vegetation["COLL"]["met"] == "met"
    section = (tmp_path / "restoration" / "restoration_section.txt").read_text(encoding="utf-8")
    for heading in ("12.1", "12.2", "12.3", "12.4", "12.5", "12.6"):
        assert heading in section
    assert "2028-06-20" in section and (tmp_path / "restoration" / "restoration_results.csv.provenance.json").is_file()


def test_loaded_layers_are_styled(case, tmp_path, qgis_processing):
    from qgis.core import (
        QgsCategorizedSymbolRenderer,
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProject,
    )

    from ree_damage.processing.algorithms.causality.causality_evidence import CausalityEvidence

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    result = processing.run(CausalityEvidence(), {
        "SAMPLES": case["surface"], "SOURCE_SAMPLES": case["sources"], "ZONES": case["zones"],
        "DEM": str(case["paths"]["dem_before"]), "DATE_FIELD": None, "OUTPUT_FOLDER": str(tmp_path / "c"),
    }, context=context)
    details = context.layersToLoadOnCompletion()[result["EVIDENCE"]]
    layer = _layer(result["EVIDENCE"])
    details.postProcessor().postProcessLayer(layer, context, QgsProcessingFeedback())
    renderer = layer.renderer()
    assert isinstance(renderer, QgsCategorizedSymbolRenderer) and renderer.classAttribute() == "path_status"
    assert {c.value() for c in renderer.categories()} == {"on_path", "below_path", "off_path", "outside_dem"}


def test_restoration_targets_from_the_baseline_table(case, tmp_path, qgis_processing):
    """No target table: the baseline table gives the targets (primary restoration is back to
    baseline); without either the run is refused with a message saying what to give."""
    from ree_damage.processing.algorithms.causality.restoration_effect import RestorationEffect

    paths = case["paths"]
    baseline = tmp_path / "baseline.csv"
    baseline.write_text("indicator,baseline,unit,direction,source,method\n"
                        "NH4_N,27.1,mg/kg,above,control samples,exp(mean + 2 SD) of ln values\n"
                        "pH,4.86,无量纲 (dimensionless),below,control samples,mean - 2 SD\n", encoding="utf-8")
    params = {"SHEET": str(paths["post_restoration_lab"]), "POINTS": case["post_points"], "ZONES": case["zones"],
              "OUTPUT_FOLDER": str(tmp_path / "restoration")}
    result = processing.run(RestorationEffect(), {**params, "BASELINE": str(baseline)})
    rows = _rows(result["RESULTS"])
    assert {r["indicator"] for r in rows} == {"NH4_N", "pH"}
    nh4 = [r for r in rows if r["indicator"] == "NH4_N"]
    assert all(float(r["target"]) == 27.1 and r["direction"] == "max" and "baseline" in r["target_source"]
               for r in nh4)
    provenance = json.loads((tmp_path / "restoration" / "restoration_results.csv.provenance.json").read_text())
    assert any(str(baseline) in json.dumps(value) for value in provenance.values())
    with pytest.raises(QgsProcessingException, match="Give the restoration targets, the baseline table, or both"):
        processing.run(RestorationEffect(), {**params, "OUTPUT_FOLDER": str(tmp_path / "none")})
