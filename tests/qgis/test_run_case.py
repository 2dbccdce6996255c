"""ree_damage:run_case through QGIS Processing: the package and its project (case.qgz)."""

from __future__ import annotations

import json
import re
import shutil
import zipfile

import pytest
from qgis import processing
from qgis.core import QgsLayerTreeGroup, QgsProcessingException, QgsProject

from ree_damage.processing.algorithms.tools.run_case import PROJECT_NAME, STEP_LABELS, RunCase
from ree_damage.processing.maps.case_maps import GROUP_NAME
from ree_damage.sample_case import generate_sample_case


@pytest.fixture(scope="module")
def sample_case(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run_case") / "case"
    generate_sample_case(folder)
    return folder


def test_the_project_opens_with_every_layer_valid_and_grouped_by_step(qgis_processing, sample_case, tmp_path):
    result = processing.run(RunCase(), {"CASE_FILE": str(sample_case / "case.toml"),
                                        "OUTPUT_FOLDER": str(tmp_path / "package")})
    package = tmp_path / "package"
    assert result["PROJECT"] == str(package / PROJECT_NAME)
    manifest = json.loads((package / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["path"] for f in manifest["files"]}
    assert PROJECT_NAME in listed and manifest["steps"]["project"]["status"] == "ran"
    # what QGIS computed while loading the rasters (.aux.xml) does not stay in the package
    on_disk = {p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()}
    assert {p for p in on_disk if not p.startswith(".state/")} == listed | {"manifest.json"}

    # moved elsewhere, the project still finds its layers: the paths are relative
    moved = tmp_path / "moved"
    shutil.copytree(package, moved)
    shutil.rmtree(package)
    with zipfile.ZipFile(moved / PROJECT_NAME) as archive:
        qgs = archive.read(next(n for n in archive.namelist() if n.endswith(".qgs"))).decode()
    sources = re.findall(r"<datasource>(.*?)</datasource>", qgs)
    assert "./case.gpkg|layername=zones" in sources and not [s for s in sources if str(tmp_path) in s]

    project = QgsProject()
    assert project.read(str(moved / PROJECT_NAME))
    # the report maps' layouts are in it, with their layers in a group of their own
    assert len(project.layoutManager().printLayouts()) == len(manifest["steps"]["maps"]["summary"]["maps"]) == 8
    map_group = project.layerTreeRoot().findGroup(GROUP_NAME)
    map_layers = {node.layer().id() for node in map_group.findLayers()}
    assert all(project.mapLayer(i).isValid() for i in map_layers)
    for layout in project.layoutManager().printLayouts():  # found by their ids, not by the old paths
        assert {layer.id() for layer in layout.itemById("map").layers()} <= map_layers
    layers = [layer for layer in project.mapLayers().values() if layer.id() not in map_layers]
    expected_vectors = [f for step in manifest["steps"].values() for f in step.get("files", [])
                        if f.startswith("case.gpkg#")]
    expected_rasters = [f for step in manifest["steps"].values() for f in step.get("files", []) if f.endswith(".tif")]
    assert len(layers) == len(expected_vectors) + len(expected_rasters) > 30
    assert all(layer.isValid() for layer in layers), [layer.name() for layer in layers if not layer.isValid()]
    assert project.crs().authid() == "EPSG:4547"
    groups = [child.name() for child in project.layerTreeRoot().children()
              if isinstance(child, QgsLayerTreeGroup) and child.name() != GROUP_NAME]
    with_layers = [name for name in manifest["step_order"]
                   if any(f.startswith("case.gpkg#") or f.endswith(".tif") for f in manifest["steps"][name].get("files", []))]
    assert groups == [STEP_LABELS[name] for name in with_layers]
    assert "baseline" not in with_layers and {"zones", "damage", "mined_volume"} <= set(with_layers)
    zones_group = project.layerTreeRoot().findGroup(STEP_LABELS["zones"])
    assert sorted(node.layer().name() for node in zones_group.findLayers()) == ["flow_cells", "zones"]
    # styled from the shared QML styles: the four functional zones by category
    zones_layer = next(node.layer() for node in zones_group.findLayers() if node.layer().name() == "zones")
    assert zones_layer.renderer().type() == "categorizedSymbol"
    assert len(zones_layer.renderer().categories()) == 4

def test_a_bad_case_file_is_a_processing_error_naming_the_key(qgis_processing, sample_case, tmp_path):
    shutil.copytree(sample_case, tmp_path / "case")
    case_file = tmp_path / "case" / "case.toml"
    case_file.write_text(case_file.read_text(encoding="utf-8").replace("threshold = 0.2", "treshold = 0.2"),
                         encoding="utf-8")
    with pytest.raises(QgsProcessingException, match="parameters.damage.treshold"):
        processing.run(RunCase(), {"CASE_FILE": str(case_file), "OUTPUT_FOLDER": str(tmp_path / "package")})
    assert not (tmp_path / "package").exists()
