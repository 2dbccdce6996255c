"""Every algorithm reports its stages (progress text) and stops between stages when canceled."""

import inspect

import pytest
from qgis import processing
from qgis.core import QgsProcessingException, QgsProcessingFeedback


class Recorder(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.texts = []

    def setProgressText(self, text):  # noqa: N802 - QGIS API
        self.texts.append(text)
        super().setProgressText(text)


def test_every_algorithm_runs_through_named_stages():
    from ree_damage.processing.algorithms import ALGORITHMS

    for algorithm in ALGORITHMS:
        source = inspect.getsource(algorithm.processAlgorithm)
        assert "Stages(feedback, [self.tr(" in source, algorithm.__name__
        assert "stages.next()" in source, algorithm.__name__


def test_baseline_reports_each_stage_in_order(tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.analysis.baseline import Baseline

    feedback = Recorder()
    processing.run(Baseline(), {"SCREENING": 1, "LAND_USE": 3, "PH": 5.0, "OUTPUT": str(tmp_path / "b.csv")},
                   feedback=feedback)
    assert feedback.texts == ["Reading the lab results", "Computing the baseline", "Writing the baseline table"]
    assert (tmp_path / "b.csv").is_file() and (tmp_path / "b.csv.provenance.json").is_file()


def test_a_canceled_run_stops_at_the_next_stage_and_writes_nothing(tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.analysis.baseline import Baseline

    feedback = Recorder()
    feedback.cancel()
    with pytest.raises(QgsProcessingException, match="Canceled"):
        processing.run(Baseline(), {"SCREENING": 1, "LAND_USE": 3, "PH": 5.0, "OUTPUT": str(tmp_path / "b.csv")},
                       feedback=feedback)
    assert list(tmp_path.iterdir()) == []
