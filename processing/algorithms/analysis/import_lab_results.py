"""Join a lab result sheet to the sample points, keeping censored values censored."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
)

from ....core.case.model import LabParams
from ....core.case.steps import import_lab
from ....core.lab.importer import LabSheetError, detection_limits_from_workbook, parse_limits
from ...base import ReeAlgorithm
from ...compat import FILE_BEHAVIOR_FILE, SOURCE_VECTOR, SOURCE_VECTOR_POINT, advanced
from ...messages import message_text
from ..stages import Stages

MEDIA = ("soil", "sediment", "groundwater", "surface_water")


class ImportLabResults(ReeAlgorithm):
    """Lab sheet (CSV/XLSX) -> sample points with a value and a flag column per indicator."""

    SHEET_FILE = "SHEET_FILE"
    SHEET = "SHEET"
    POINTS = "POINTS"
    CONTROL_POINTS = "CONTROL_POINTS"
    SAMPLES = "SAMPLES"
    MEDIUM = "MEDIUM"
    UNKNOWN_IDS = "UNKNOWN_IDS"
    MISSING_MARKERS = "MISSING_MARKERS"
    DETECTION_LIMITS = "DETECTION_LIMITS"
    OUTPUT = "OUTPUT"
    INDICATORS = "INDICATORS"

    ZH_NAME = "导入检测结果"

    def name(self):
        return "import_lab_results"

    def displayName(self):  # noqa: N802
        return self.tr("Import lab results")

    def groupId(self):  # noqa: N802
        return "analysis"

    def helpText(self):  # noqa: N802
        return self.tr(
            "Reads a lab result sheet as labs deliver it (CSV or XLSX; one row per sample, one column per "
            "indicator; units in the header or in a units row; Chinese or English headers) and joins it to the "
            "sample points by sample id (<point>-<depth in cm>). Values below the detection limit ('<0.05', "
            "'ND', '未检出', '<DL') stay censored: the value column holds the detection limit and the flag column "
            "holds '<'; no number is substituted here (a later step applies DL/2, DL or 0 when it needs one, and "
            "records the choice). Units are converted to the catalogue unit (mg/kg for soil). Unknown or "
            "duplicate sample ids, text in number columns (a 'n/a' or a dash too, unless asked to read them as "
            "missing values), negative values and missing or mixed units stop the "
            "run with every problem listed by sheet row and column; nothing is written then."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        sheet = QgsProcessingParameterFile(self.SHEET_FILE, self.tr("Lab sheet (CSV or XLSX)"), FILE_BEHAVIOR_FILE,
                                           fileFilter="Lab sheets (*.csv *.xlsx);;CSV (*.csv);;Excel (*.xlsx)")
        sheet.setHelp(self.tr("The lab's result sheet, as delivered."))
        self.addParameter(sheet)
        name = QgsProcessingParameterString(self.SHEET, self.tr("Worksheet (XLSX)"), optional=True)
        name.setHelp(self.tr("Name of the worksheet holding the results; the first one by default."))
        self.addParameter(advanced(name))
        for key, label, help_text, optional in (
            (self.POINTS, self.tr("Sampling points"), self.tr("Points with point_id: each sample is placed at its point."), False),
            (self.CONTROL_POINTS, self.tr("Control points"), self.tr("Control points with point_id (CTRL-nnn)."), True),
        ):
            parameter = QgsProcessingParameterFeatureSource(key, label, [SOURCE_VECTOR_POINT], optional=optional)
            parameter.setHelp(help_text)
            self.addParameter(parameter)
        samples = QgsProcessingParameterFeatureSource(self.SAMPLES, self.tr("Planned samples"), [SOURCE_VECTOR], optional=True)
        samples.setHelp(self.tr("The depth schedule (sample_id): sheet ids not in it are reported, and planned "
                                "samples without results are listed."))
        self.addParameter(samples)
        medium = QgsProcessingParameterEnum(self.MEDIUM, self.tr("Medium"),
                                            options=[self.tr("Soil"), self.tr("Sediment"), self.tr("Groundwater"),
                                                     self.tr("Surface water")], defaultValue=0)
        medium.setHelp(self.tr("Decides the target unit of each indicator (mg/kg for soil and sediment, mg/L for water)."))
        self.addParameter(medium)
        unknown = QgsProcessingParameterEnum(self.UNKNOWN_IDS, self.tr("Sheet rows with an unknown sample id"),
                                             options=[self.tr("Stop with an error"), self.tr("Warn and leave them out")],
                                             defaultValue=0)
        unknown.setHelp(self.tr("Unknown ids usually mean a typing error in the sheet or a missing point."))
        self.addParameter(advanced(unknown))
        markers = QgsProcessingParameterEnum(self.MISSING_MARKERS, self.tr("Cells holding 'n/a', '-' or '—'"),
                                             options=[self.tr("Stop with an error"),
                                                      self.tr("Read as missing values, each reported")],
                                             defaultValue=0)
        markers.setHelp(self.tr("A lab's 'n/a' or dash may hide a result it forgot to enter: by default it stops "
                                "the run naming the sheet row and column. A blank cell is always a missing value."))
        self.addParameter(advanced(markers))
        limits = QgsProcessingParameterString(self.DETECTION_LIMITS, self.tr("Detection limits for ND cells"), optional=True)
        limits.setHelp(self.tr("E.g. 'Cd=0.05; Hg=0.002', in the sheet's units, for 'ND'/'未检出' cells when neither a row "
                               "of the sheet nor a limits worksheet of the workbook gives them."))
        self.addParameter(advanced(limits))
        out = QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Lab results at sample points"), SOURCE_VECTOR_POINT)
        out.setHelp(self.tr("One point per sample: sample_id, point_id, depth_cm, and per indicator a value and a flag."))
        self.addParameter(out)
        table = QgsProcessingParameterFeatureSink(self.INDICATORS, self.tr("Indicators found"), SOURCE_VECTOR,
                                                  optional=True, createByDefault=True)
        table.setHelp(self.tr("Each indicator column: code, names, unit in the sheet, conversion, censored count."))
        self.addParameter(table)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        stages = Stages(feedback, [self.tr("Reading the sample points"),
                                   self.tr("Reading the lab sheet and placing the samples"),
                                   self.tr("Writing the lab results")])
        step = stages.next()
        sheet_path = self.parameterAsFile(parameters, self.SHEET_FILE, context)
        points = self.read_source(parameters, self.POINTS, context, step, required=True)
        control = self.read_source(parameters, self.CONTROL_POINTS, context, step)
        planned = self.read_source(parameters, self.SAMPLES, context, step)
        stages.next()
        with self.core_errors():
            limits = detection_limits_from_workbook(sheet_path)
            if limits:
                feedback.pushInfo(self.tr("Detection limits of {0} indicators read from the workbook's limits sheet")
                                  .format(len(limits)))
            limits.update(parse_limits(self.parameterAsString(parameters, self.DETECTION_LIMITS, context)))
            params = LabParams(
                sheet=self.parameterAsString(parameters, self.SHEET, context) or "",
                medium=MEDIA[self.parameterAsEnum(parameters, self.MEDIUM, context)],
                unknown_ids=("error", "warn")[self.parameterAsEnum(parameters, self.UNKNOWN_IDS, context)],
                detection_limits=limits,
                missing_markers=("error", "missing")[self.parameterAsEnum(parameters, self.MISSING_MARKERS, context)],
            )
            try:
                result = import_lab(
                    sheet_path, points, control_points=control, planned=planned, params=params,
                    layer=self._layer_label(parameters, self.POINTS, context), workbook_limits=False,
                )
            except LabSheetError as error:
                for problem in getattr(error, "problems", []):
                    feedback.reportError(message_text(problem), False)
                raise
        self.push_warnings(feedback, result.warnings)
        if result.missing_samples:
            feedback.pushWarning(self.tr("Planned samples without lab results: {0}").format(
                ", ".join(result.missing_samples[:20])))
        step = stages.next()
        outputs = {
            self.OUTPUT: self.write_sink(parameters, self.OUTPUT, context, result.table, step),
            self.INDICATORS: self.write_sink(parameters, self.INDICATORS, context, result.indicators, step),
        }
        record = result.provenance(
            inputs={"sheet": sheet_path, **self.input_paths(parameters, [self.POINTS, self.CONTROL_POINTS, self.SAMPLES],
                                                            context)},
            host=self.host_info(),
        )
        self.write_provenance(outputs.values(), record)
        feedback.pushInfo(self.tr("{0} samples, {1} indicators from {2}").format(
            len(result.table), len(result.indicators), Path(sheet_path).name))
        return {key: value for key, value in outputs.items() if value is not None}
