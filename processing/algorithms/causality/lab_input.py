"""A lab-results input given either as a layer (Import lab results' output) or as a lab sheet
with its sample points, imported here by the same importer."""

from __future__ import annotations

from qgis.core import QgsProcessingParameterFeatureSource, QgsProcessingParameterFile

from ....core.case.steps import import_lab
from ...compat import FILE_BEHAVIOR_FILE, SOURCE_VECTOR, SOURCE_VECTOR_POINT


def add_sheet_parameters(algorithm, sheet_key: str, points_key: str, what: str) -> None:
    """Add the optional sheet and points parameters that stand in for a lab-results layer."""
    sheet = QgsProcessingParameterFile(sheet_key, algorithm.tr("{0}: lab sheet (CSV or XLSX)").format(what),
                                       FILE_BEHAVIOR_FILE, optional=True)
    sheet.setHelp(algorithm.tr("Instead of the layer: the lab's sheet, imported here as Import lab results does "
                               "(ids <point>-<depth cm>)."))
    algorithm.addParameter(sheet)
    points = QgsProcessingParameterFeatureSource(points_key, algorithm.tr("{0}: sample points").format(what),
                                                 [SOURCE_VECTOR_POINT, SOURCE_VECTOR], optional=True)
    points.setHelp(algorithm.tr("The points (point_id) the sheet's samples are placed at; needed with the sheet."))
    algorithm.addParameter(points)


def lab_table(algorithm, parameters, context, feedback, layer_key: str, sheet_key: str, points_key: str):
    """The lab results: the layer when given, else the sheet imported onto its points."""
    frame = algorithm.read_source(parameters, layer_key, context, feedback)
    if frame is not None:
        return frame
    algorithm.require_one_of(parameters, [layer_key, sheet_key])
    sheet = algorithm.parameterAsFile(parameters, sheet_key, context)
    points = algorithm.read_source(parameters, points_key, context, feedback, required=True)
    with algorithm.core_errors():
        result = import_lab(sheet, points, layer=algorithm.parameterDefinition(points_key).description())
    algorithm.push_warnings(feedback, result.warnings)
    return result.table
