"""Styled outputs: a run loads its layers styled, and a GeoPackage carries its style (layer_styles)."""

import contextlib
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from qgis import processing
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsProject,
    QgsRasterLayer,
    QgsSingleBandPseudoColorRenderer,
    QgsVectorLayer,
)

from ree_damage.processing import styles
from ree_damage.sample_case import generate_sample_case

ZONE_LABELS = {"PREP": "浸矿剂配制区 PREP", "INJ": "注孔区 INJ", "COLL": "浸出液收集区（含流经区） COLL",
               "SETL": "浸出液沉淀区 SETL"}


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    paths = generate_sample_case(tmp_path_factory.mktemp("case"), include=("vectors", "dem"))
    return {name: f"{paths['vectors']}|layername={name}" for name in (
        "case_boundary", "injection_holes", "prep_pools", "collection_ditches", "settling_ponds")}


def test_every_style_file_loads(qgis_app, tmp_path):
    """Each QML of resources/styles loads onto a layer of its kind without a complaint."""
    from osgeo import gdal

    raster_path = tmp_path / "r.tif"
    data = gdal.GetDriverByName("GTiff").Create(str(raster_path), 3, 1, 1, gdal.GDT_Float32)
    data.SetGeoTransform((0, 1, 0, 1, 0, -1))
    data.GetRasterBand(1).WriteArray(__import__("numpy").array([[0.0, 1.0, 2.0]]))
    data = None
    names = sorted(p.stem for p in styles.STYLE_DIR.glob("*.qml"))
    assert len(names) >= 20
    for name in names:
        text = (styles.STYLE_DIR / f"{name}.qml").read_text(encoding="utf-8")
        if "rasterrenderer" in text:
            layer = QgsRasterLayer(str(raster_path), name, "gdal")
        else:  # a layer of the geometry the style was made for (0 point, 1 line, 2 polygon)
            kind = re.search(r"<layerGeometryType>(\d)</layerGeometryType>", text).group(1)
            geometry = {"0": "Point", "1": "LineString", "2": "MultiPolygon"}[kind]
            layer = QgsVectorLayer(f"{geometry}?crs=EPSG:4547&field=zone:string", name, "memory")
        styles.apply_style(layer, name)


def test_style_found_for_the_outputs_of_the_algorithms():
    assert styles.style_for("functional_zones", "OUTPUT", "Functional zones") == "functional_zones"
    assert styles.style_for("sampling_grid", "POINTS") == "sampling_points"
    assert styles.style_for("damage_extent", "OUTPUT_LAYERS", "damaged_areas") == "damaged_areas"
    assert styles.style_for_name("Cd_L0-50_ok_degree") == "damage_degree"
    assert styles.style_for_name("La_ok_prediction") == "interpolated"
    assert styles.style_for_name("sample_points_cgcs2000") == "sampling_points"
    assert styles.style_for_name("baseline") is None


def test_a_run_loads_the_zones_styled(case, tmp_path, provider, qgis_new_project, monkeypatch):
    """functional_zones through runAndLoadResults (QGIS's own loading, as the toolbox does): the
    zones arrive in the project with four categories, each with its Chinese label."""
    # QGIS >= 3.44 hands iface.layerTreeView() to a C++ call: pytest-qgis's stand-in iface has
    # no real one, so the layers go to the project root as in a run without a desktop
    monkeypatch.setattr("processing.gui.Postprocessing.iface", None, raising=False)
    result = processing.runAndLoadResults("ree_damage:functional_zones", {
        "BOUNDARY": case["case_boundary"], "HOLES": case["injection_holes"], "POOLS": case["prep_pools"],
        "DITCHES": case["collection_ditches"], "PONDS": case["settling_ponds"],
        "OUTPUT": str(tmp_path / "zones.gpkg"), "FLOW_CELLS": str(tmp_path / "flow_cells.gpkg"),
    })
    path = result["OUTPUT"].split("|")[0]
    loaded = [layer for layer in QgsProject.instance().mapLayers().values() if layer.source().split("|")[0] == path]
    assert len(loaded) == 1, [layer.source() for layer in QgsProject.instance().mapLayers().values()]
    loaded = loaded[0]
    renderer = loaded.renderer()
    assert isinstance(renderer, QgsCategorizedSymbolRenderer)
    assert renderer.classAttribute() == "zone"
    assert {c.value(): c.label() for c in renderer.categories()} == ZONE_LABELS
    colours = {c.symbol().color().name() for c in renderer.categories()}
    assert len(colours) == 4
    # every zone of the output falls in a category (no feature drawn by a fallback symbol)
    assert {f["zone"] for f in loaded.getFeatures()} == set(ZONE_LABELS)


def test_embedded_style_is_the_default_when_reopened(case, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.survey_design.functional_zones import FunctionalZones

    result = processing.run(FunctionalZones(), {
        "BOUNDARY": case["case_boundary"], "HOLES": case["injection_holes"], "PONDS": case["settling_ponds"],
        "OUTPUT": str(tmp_path / "zones.gpkg"), "FLOW_CELLS": None,
    })
    path = result["OUTPUT"].split("|")[0]
    styled = styles.embed_styles(path)
    assert styled == {"zones": "functional_zones"}
    reopened = QgsVectorLayer(f"{path}|layername=zones", "zones", "ogr")
    assert reopened.isValid()
    renderer = reopened.renderer()  # a layer from an OGR GeoPackage loads its default style on opening
    assert isinstance(renderer, QgsCategorizedSymbolRenderer)
    assert {c.value(): c.label() for c in renderer.categories()} == ZONE_LABELS
    with contextlib.closing(sqlite3.connect(path)) as connection:
        rows = connection.execute("SELECT f_table_name, useAsDefault, update_time FROM layer_styles").fetchall()
    assert rows == [("zones", 1, styles.STYLE_TIME)]
    # embedding again replaces the style (one row per layer) and gives the same bytes
    copy = tmp_path / "copy.gpkg"
    shutil.copy(path, copy)
    styles.embed_styles(path)
    styles.embed_styles(copy)
    assert copy.read_bytes() == Path(path).read_bytes()


def test_embedding_a_missing_layer_is_an_error(case, tmp_path, qgis_app):
    path = tmp_path / "case.gpkg"
    shutil.copy(case["case_boundary"].split("|")[0], path)
    with pytest.raises(ValueError, match="no layer zones"):
        styles.embed_styles(path, {"zones": "functional_zones"})


def test_baseline_break_in_the_concentration_classes(tmp_path, qgis_app):
    """A concentration raster with baseline 150 mg/kg: a class ends exactly at 150 and its
    label names the baseline; the next class is the 20 % margin (150-180)."""
    import numpy as np
    from osgeo import gdal

    path = tmp_path / "La_ok_prediction.tif"
    data = gdal.GetDriverByName("GTiff").Create(str(path), 4, 1, 1, gdal.GDT_Float32)
    data.SetGeoTransform((0, 1, 0, 1, 0, -1))
    data.GetRasterBand(1).WriteArray(np.array([[30.0, 120.0, 200.0, 800.0]]))
    data = None
    layer = QgsRasterLayer(str(path), "La", "gdal")
    styles.apply_style(layer, "interpolated", baseline=150.0)
    renderer = layer.renderer()
    assert isinstance(renderer, QgsSingleBandPseudoColorRenderer)
    items = renderer.shader().rasterShaderFunction().colorRampItemList()
    uppers = [item.value for item in items]
    assert uppers[:5] == [75.0, 150.0, 180.0, 300.0, 600.0]
    assert "基线 150" in items[1].label


def test_symbol_layer_ids_become_name_based(qgis_app):
    """QGIS >= 3.36 writes a random id on every symbol layer: the embedded QML gets ids made
    from the table name and rank instead, so two embeddings give the same text (rule keys,
    which our styles fix themselves, are left alone)."""
    template = ('<rule key="{{5bba22eb-cb79-5368-9263-0ffe19edf428}}"/>'
                '<layer pass="0" class="SimpleFill" id="{{{a}}}" enabled="1"/><layer id="{{{b}}}" class="SimpleLine"/>')
    first = styles._repeatable_qml("zones", template.format(a="d710820b-8898-4126-b082-1623f0f41c66",
                                                            b="1a363c69-0bf1-4b00-b5ad-676d1968f3f8"))
    second = styles._repeatable_qml("zones", template.format(a="71b1ca4c-cd7f-4a1a-987b-463d506e27d4",
                                                             b="cd45228e-6f7a-4dcd-b6e5-128e01f9d5f2"))
    assert first == second
    assert '<rule key="{5bba22eb-cb79-5368-9263-0ffe19edf428}"/>' in first
    ids = re.findall(r'<layer[^>]*id="\{([^}]+)\}"', first)
    assert len(set(ids)) == 2 and "d710820b-8898-4126-b082-1623f0f41c66" not in ids
    assert styles._repeatable_qml("other", template.format(a="d710820b-8898-4126-b082-1623f0f41c66",
                                                           b="1a363c69-0bf1-4b00-b5ad-676d1968f3f8")) != first
