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
    """Is the caller (any frame up the stack) in ``phase`` of a run?"""
    while frame is not None:
        code = frame.f_code
        if phase == "read" and code.co_name == "source_to_gdf":
            return True
        if phase == "write" and code.co_name == "gdf_to_sink":
            return True
        if phase == "compute" and "/core/" in code.co_filename.replace("\\", "/"):  # ree_damage/core/...
            return True
        frame = frame.f_back
    return False


class CancelDuring(QgsProcessingFeedback):
    """Cancels at the ``after``-th cancel check made in ``phase`` (read, compute, write)."""

    def __init__(self, phase: str, after: int = 1):
        super().__init__()
        self.phase, self.after, self.checks = phase, after, 0

    def isCanceled(self):  # noqa: N802 - QGIS API
        if not super().isCanceled() and _in_phase(sys._getframe(1), self.phase):
            self.checks += 1
            if self.checks >= self.after:
                self.cancel()
        return super().isCanceled()


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
    from ree_damage.processing.algorithms.functional_zones import FunctionalZones

    out = tmp_path_factory.mktemp("zones")
    return processing.run(FunctionalZones(), {
        "BOUNDARY": case["case_boundary"], "HOLES": case["injection_holes"], "PONDS": case["settling_ponds"],
        "OUTPUT": str(out / "zones.gpkg"), "FLOW_CELLS": None,
    })["OUTPUT"]


# (phase, after): the write cases cancel after the first output is complete (its file
# and the file of the second output must both go) or at the very first check
CASES = [("read", 1), ("read", 3), ("compute", 1), ("compute", 2), ("write", 1), ("write", 4)]


@pytest.mark.parametrize(("phase", "after"), CASES)
def test_sampling_grid_canceled_writes_nothing(case, zones, tmp_path, qgis_processing, phase, after):
    from ree_damage.processing.algorithms.sampling_grid import SamplingGrid

    feedback = CancelDuring(phase, after)
    parameters = {
        "ZONES": zones, "HOLES": case["injection_holes"], "BOUNDARY": case["case_boundary"],
        "CONTROL_AREA": case["control_area"],
        "UNITS": str(tmp_path / "units.gpkg"), "POINTS": str(tmp_path / "points.gpkg"),
        "CONTROL_UNITS": str(tmp_path / "control_units.gpkg"), "CONTROL_POINTS": str(tmp_path / "control_points.gpkg"),
        "COMPLIANCE": str(tmp_path / "compliance.gpkg"),
    }
    _assert_canceled(lambda: processing.run(SamplingGrid(), parameters, feedback=feedback), feedback, tmp_path)


def test_sampling_grid_not_canceled_writes_everything(case, zones, tmp_path, qgis_processing):
    """The same run without a cancel: the outputs and their provenance are there (so the
    tests above can fail)."""
    from ree_damage.processing.algorithms.sampling_grid import SamplingGrid

    feedback = CancelDuring("write", after=10**9)
    processing.run(SamplingGrid(), {
        "ZONES": zones, "HOLES": case["injection_holes"], "UNITS": str(tmp_path / "units.gpkg"),
        "POINTS": str(tmp_path / "points.gpkg"),
    }, feedback=feedback)
    assert feedback.checks > 4
    assert _left_in(tmp_path) == ["points.gpkg", "points.gpkg.provenance.json", "units.gpkg",
                                  "units.gpkg.provenance.json"]


@pytest.mark.parametrize(("phase", "after"), [("read", 1), ("compute", 1), ("write", 1), ("write", 4)])
def test_functional_zones_canceled_writes_nothing(case, tmp_path, qgis_processing, phase, after):
    from ree_damage.processing.algorithms.functional_zones import FunctionalZones

    feedback = CancelDuring(phase, after)
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


def test_cancel_in_the_middle_of_a_sink_leaves_no_half_written_geopackage(qgis_processing, tmp_path):
    """25,000 features through the QGIS sink (the frame has an ``fid`` column, so not the
    direct GeoPackage path): canceled after the first batch of 10,000 was added."""
    layer = _many_points(25_000)
    feedback = CancelDuring("write", after=3)  # before the sink, batch 1, batch 2
    _assert_canceled(
        lambda: processing.run(SinkOnly(), {"INPUT": layer, "OUTPUT": str(tmp_path / "out.gpkg")}, feedback=feedback),
        feedback,
        tmp_path,
    )
    whole = processing.run(SinkOnly(), {"INPUT": layer, "OUTPUT": str(tmp_path / "out.gpkg")})
    assert QgsVectorLayer(whole["OUTPUT"], "out", "ogr").featureCount() == 25_000
