"""A canceled run writes nothing (no output, no provenance, no half-written GeoPackage)
and says it was canceled, wherever the cancel comes: reading, computing or writing."""

import sys
from pathlib import Path

import pytest
from qgis import processing
from qgis.core import (
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsVectorLayer,
)

from ree_damage.processing.base import ReeAlgorithm
from ree_damage.sample_case import generate_sample_case


def _in_phase(frame, phase: str) -> bool:
    """Is the caller (any frame up the stack) reading a layer or writing one?"""
    name = {"read": "source_to_gdf", "write": "gdf_to_sink"}[phase]
    while frame is not None:
        if frame.f_code.co_name == name:
            return True
        frame = frame.f_back
    return False


@pytest.fixture()
def cancel_during(monkeypatch):
    """``cancel_during(phase, after)``: a feedback the user cancels at the ``after``-th
    cancel check made while reading a layer, computing (core's ``is_canceled``) or writing
    a layer. The algorithms hand stage feedbacks (QgsProcessingMultiStepFeedback) down;
    canceling this parent cancels them, as the Cancel button does."""
    from ree_damage.processing import adapter

    def make(phase: str, after: int = 1):
        feedback = QgsProcessingFeedback()
        feedback.phase, feedback.checks = phase, 0

        def hit():
            feedback.checks += 1
            if feedback.checks >= after:
                feedback.cancel()

        check = adapter.raise_if_canceled

        def checked_in_adapter(inner):
            if phase in ("read", "write") and _in_phase(sys._getframe(1), phase):
                hit()
            check(inner)

        callbacks = ReeAlgorithm.callbacks

        def callbacks_checked_in_core(inner):
            progress, is_canceled = callbacks(inner)

            def checked():
                if phase == "compute":
                    hit()
                return is_canceled()

            return progress, checked

        monkeypatch.setattr(adapter, "raise_if_canceled", checked_in_adapter)
        monkeypatch.setattr(ReeAlgorithm, "callbacks", staticmethod(callbacks_checked_in_core))
        return feedback

    return make


def _left_in(folder: Path) -> list:
    return sorted(p.name for p in folder.rglob("*"))


def _assert_canceled(run, feedback, out: Path):
    with pytest.raises(QgsProcessingException) as raised:
        run()
    assert feedback.isCanceled(), f"the run never checked for a cancel during {feedback.phase}"
    assert "Canceled: nothing was written." in str(raised.value)
    assert _left_in(out) == []


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    paths = generate_sample_case(tmp_path_factory.mktemp("case"), include=("vectors",))
    gpkg = paths["vectors"]
    return {name: f"{gpkg}|layername={name}" for name in (
        "case_boundary", "injection_holes", "prep_pools", "collection_ditches", "settling_ponds", "control_area",
    )}


@pytest.fixture(scope="module")
def zones(case, tmp_path_factory, qgis_app):
    from ree_damage.processing.algorithms.survey_design.functional_zones import FunctionalZones

    out = tmp_path_factory.mktemp("zones")
    return processing.run(FunctionalZones(), {
        "BOUNDARY": case["case_boundary"], "HOLES": case["injection_holes"], "PONDS": case["settling_ponds"],
        "OUTPUT": str(out / "zones.gpkg"), "FLOW_CELLS": None,
    })["OUTPUT"]


# (phase, after): the write cases cancel after the first output is complete (its file
# and the file of the second output must both go) or at the very first check
CASES = [("read", 1), ("read", 3), ("compute", 1), ("compute", 2), ("write", 1), ("write", 4)]


@pytest.mark.parametrize(("phase", "after"), CASES)
def test_sampling_grid_canceled_writes_nothing(case, zones, tmp_path, qgis_processing, cancel_during, phase, after):
    from ree_damage.processing.algorithms.survey_design.sampling_grid import SamplingGrid

    feedback = cancel_during(phase, after)
    parameters = {
        "ZONES": zones, "HOLES": case["injection_holes"], "BOUNDARY": case["case_boundary"],
        "CONTROL_AREA": case["control_area"],
        "UNITS": str(tmp_path / "units.gpkg"), "POINTS": str(tmp_path / "points.gpkg"),
        "CONTROL_UNITS": str(tmp_path / "control_units.gpkg"), "CONTROL_POINTS": str(tmp_path / "control_points.gpkg"),
        "COMPLIANCE": str(tmp_path / "compliance.gpkg"),
    }
    _assert_canceled(lambda: processing.run(SamplingGrid(), parameters, feedback=feedback), feedback, tmp_path)


def test_sampling_grid_not_canceled_writes_everything(case, zones, tmp_path, qgis_processing, cancel_during):
    """The same run without a cancel: the outputs and their provenance are there (so the
    tests above can fail)."""
    from ree_damage.processing.algorithms.survey_design.sampling_grid import SamplingGrid

    feedback = cancel_during("write", after=10**9)
    processing.run(SamplingGrid(), {
        "ZONES": zones, "HOLES": case["injection_holes"], "UNITS": str(tmp_path / "units.gpkg"),
        "POINTS": str(tmp_path / "points.gpkg"),
    }, feedback=feedback)
    assert feedback.checks > 4
    assert _left_in(tmp_path) == ["points.gpkg", "points.gpkg.provenance.json", "units.gpkg",
                                  "units.gpkg.provenance.json"]


@pytest.mark.parametrize(("phase", "after"), [("read", 1), ("compute", 1), ("write", 1), ("write", 4)])
def test_functional_zones_canceled_writes_nothing(case, tmp_path, qgis_processing, cancel_during, phase, after):
    from ree_damage.processing.algorithms.survey_design.functional_zones import FunctionalZones

    feedback = cancel_during(phase, after)
    parameters = {
        "BOUNDARY": case["case_boundary"], "HOLES": case["injection_holes"], "POOLS": case["prep_pools"],
        "DITCHES": case["collection_ditches"], "PONDS": case["settling_ponds"],
        "OUTPUT": str(tmp_path / "zones.gpkg"), "FLOW_CELLS": str(tmp_path / "flow.gpkg"),
    }
    _assert_canceled(lambda: processing.run(FunctionalZones(), parameters, feedback=feedback), feedback, tmp_path)


class SinkOnly(ReeAlgorithm):
    """Source -> GeoDataFrame -> sink through the base's read_source and write_sink."""

    def name(self):
        return "sink_only"

    def displayName(self):  # noqa: N802
        return "sink only"

    def groupId(self):  # noqa: N802
        return "tools"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource("INPUT", "input"))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", "output"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        frame = self.read_source(parameters, "INPUT", context, feedback, required=True)
        return {"OUTPUT": self.write_sink(parameters, "OUTPUT", context, frame, feedback)}


def _many_points(count: int) -> QgsVectorLayer:
    layer = QgsVectorLayer("Point?crs=EPSG:4547&field=name:string&field=depth:double", "many", "memory")
    features = []
    for index in range(count):
        feature = QgsFeature(layer.fields())
        feature.setAttributes([f"P{index}", index * 0.5])
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(500000.0 + index, 2800000.0)))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def test_cancel_in_the_middle_of_a_sink_leaves_no_half_written_geopackage(qgis_processing, tmp_path, cancel_during):
    """25,000 features through the QGIS sink (the frame has an ``fid`` column, so not the
    direct GeoPackage path): canceled after the first batch of 10,000 was added."""
    layer = _many_points(25_000)
    feedback = cancel_during("write", after=3)  # before the sink, batch 1, batch 2
    _assert_canceled(
        lambda: processing.run(SinkOnly(), {"INPUT": layer, "OUTPUT": str(tmp_path / "out.gpkg")}, feedback=feedback),
        feedback,
        tmp_path,
    )
    whole = processing.run(SinkOnly(), {"INPUT": layer, "OUTPUT": str(tmp_path / "out.gpkg")})
    assert QgsVectorLayer(whole["OUTPUT"], "out", "ogr").featureCount() == 25_000
