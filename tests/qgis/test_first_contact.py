"""What a new user meets first: layers opened as their kind, names that fit the toolbox,
help titles that do not repeat, an icon per group."""

import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingUtils,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)

TS_FILE = Path(__file__).resolve().parents[2] / "resources" / "i18n" / "ree_damage_zh_CN.ts"
#: the width the toolbox shows without cutting, in half-width characters (a CJK character is two):
#: "Depth schedule and field exports" (32) was cut at the default width of QGIS 3.22's toolbox
TOOLBOX_WIDTH = 28


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def chinese_translations() -> dict:
    tree = ET.parse(TS_FILE)
    return {m.findtext("source"): m.findtext("translation") for m in tree.iter("message")}


def test_names_fit_the_toolbox_in_both_languages_and_the_chinese_name_is_the_translation():
    from ree_damage.processing.algorithms import ALGORITHMS

    zh = chinese_translations()
    for algorithm_class in ALGORITHMS:
        algorithm = algorithm_class()
        english = algorithm.displayName()
        chinese = zh.get(english)
        assert chinese, f"{algorithm.name()}: no Chinese translation of {english!r}"
        assert display_width(english) <= TOOLBOX_WIDTH, (algorithm.name(), english)
        assert display_width(chinese) <= TOOLBOX_WIDTH, (algorithm.name(), chinese)
        assert algorithm.ZH_NAME == chinese, (algorithm.name(), algorithm.ZH_NAME, chinese)


def test_help_title_names_each_name_once(qgis_app, monkeypatch):
    from ree_damage.processing.algorithms.survey_design.sampling_grid import SamplingGrid

    algorithm = SamplingGrid()
    assert "<h3>土壤采样网格布点 / Sampling grid</h3>" in algorithm.shortHelpString()
    # in a Chinese QGIS the display name is the Chinese name: shown once, not "A / A"
    monkeypatch.setattr(SamplingGrid, "displayName", lambda self: "土壤采样网格布点")
    assert "<h3>土壤采样网格布点</h3>" in algorithm.shortHelpString()


def test_every_group_has_its_own_icon(qgis_app):
    from ree_damage.processing.algorithms import ALGORITHMS

    groups = {}
    for algorithm_class in ALGORITHMS:
        algorithm = algorithm_class()
        assert not algorithm.icon().isNull(), algorithm.name()
        icon_file = Path(__file__).resolve().parents[2] / "resources" / "icons" / f"group_{algorithm.groupId()}.svg"
        assert icon_file.is_file(), icon_file
        groups[algorithm.groupId()] = icon_file.read_bytes()
    assert len(set(groups.values())) == len(groups)  # no two groups share a picture


def test_sample_case_layers_are_opened_as_their_kind_with_no_ogr_noise(tmp_path, provider):
    from qgis import processing

    logged = []

    def keep(message, tag, _level):
        logged.append((tag, message))

    QgsApplication.messageLog().messageReceived.connect(keep)
    try:
        context = QgsProcessingContext()
        context.setProject(QgsProject.instance())
        feedback = QgsProcessingFeedback()
        progress = []
        feedback.progressChanged.connect(progress.append)
        processing.run("ree_damage:sample_case", {"OUTPUT_FOLDER": str(tmp_path / "case")},
                       context=context, feedback=feedback)
        # the progress bar moves while the case is written (it stayed at 0 % once)
        assert len(progress) >= 5 and progress == sorted(progress) and progress[-1] >= 50.0, progress
        to_load = context.layersToLoadOnCompletion()
        store = context.temporaryLayerStore()
        kinds = {}
        for layer_id, details in to_load.items():
            layer = store.mapLayer(layer_id)
            assert layer is not None and layer.isValid(), layer_id
            kinds[details.name] = type(layer)
            # what QGIS does with each entry when the run ends: finds the layer, opens nothing
            assert QgsProcessingUtils.mapLayerFromString(layer_id, context) is layer
        QgsApplication.processEvents()
    finally:
        QgsApplication.messageLog().messageReceived.disconnect(keep)
    assert kinds["DEM after mining"] is QgsRasterLayer and kinds["Drone orthomosaic"] is QgsRasterLayer
    assert kinds["Case boundary"] is QgsVectorLayer and kinds["Sampled points"] is QgsVectorLayer
    assert len(kinds) == 15
    assert not [m for m in logged if "Cannot open" in m[1] or m[0] == "OGR"], logged
