"""Core's warnings reach the user in the language of the QGIS locale (the processing edge)."""

import pytest
from qgis import processing
from qgis.core import QgsProcessingException, QgsProcessingFeedback, QgsSettings

from ree_damage.core.common.errors import InputError
from ree_damage.core.common.messages import Message
from ree_damage.sample_case import generate_sample_case


class Recorder(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.warnings = []
        self.infos = []

    def pushWarning(self, warning):  # noqa: N802 - QGIS API
        self.warnings.append(warning)

    def pushInfo(self, info):  # noqa: N802 - QGIS API
        self.infos.append(info)


@pytest.fixture()
def locale():
    """Set the QGIS interface locale (as in Settings > Options > General) for one test."""
    settings = QgsSettings()
    saved = {key: settings.value(key) for key in ("locale/overrideFlag", "locale/userLocale")}

    def use(name):
        settings.setValue("locale/overrideFlag", True)
        settings.setValue("locale/userLocale", name)

    yield use
    for key, value in saved.items():
        if value is None:
            settings.remove(key)
        else:
            settings.setValue(key, value)


@pytest.fixture(scope="module")
def vectors(tmp_path_factory):
    gpkg = generate_sample_case(tmp_path_factory.mktemp("case"), include=("vectors",))["vectors"]
    return lambda name: f"{gpkg}|layername={name}"


def _zones_without_dem(vectors, tmp_path):
    from ree_damage.processing.algorithms.survey_design.functional_zones import FunctionalZones

    feedback = Recorder()
    processing.run(FunctionalZones(), {
        "BOUNDARY": vectors("case_boundary"), "HOLES": vectors("injection_holes"),
        "DITCHES": vectors("collection_ditches"), "PONDS": vectors("settling_ponds"),
        "OUTPUT": str(tmp_path / "zones.gpkg"),
    }, feedback=feedback)
    return feedback.warnings


def test_a_chinese_qgis_gets_core_warnings_in_chinese(qgis_app, provider, locale, vectors, tmp_path):
    locale("zh_CN")
    warnings = _zones_without_dem(vectors, tmp_path)
    assert Message("ZONES_NO_DEM").text("zh") in warnings
    assert "无 DEM：浸出液收集区仅含沟渠/管道缓冲带，未划定流经区域" in warnings


def test_an_english_qgis_gets_them_in_english(qgis_app, provider, locale, vectors, tmp_path):
    locale("en_US")
    warnings = _zones_without_dem(vectors, tmp_path)
    assert "no DEM: COLL holds the ditch/pipe bands only; the flow-through area is not mapped" in warnings


def test_a_coded_core_error_is_raised_in_the_user_language(qgis_app, locale):
    from ree_damage.processing.algorithms.survey_design.functional_zones import FunctionalZones

    locale("zh_CN")
    with pytest.raises(QgsProcessingException, match="未提供受纳水体.*图层“stream”"):
        with FunctionalZones().core_errors():
            raise InputError(Message("DEPTH_NO_STREAM"), layer="stream")
