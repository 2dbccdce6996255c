"""The DOCX draft of the appraisal report from a case's outputs."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
)

from ....core.report import LANGUAGES, OUTPUT_FILES, build_report, collect_figures, collect_outputs
from ...base import ReeAlgorithm
from ...compat import FILE_BEHAVIOR_FILE, FILE_BEHAVIOR_FOLDER, advanced
from ..stages import Stages


class ReportDocument(ReeAlgorithm):
    """The report draft: case, methods, survey, results, valuation, annex tables 1-5, figures, sources."""

    OUTPUTS_FOLDER = "OUTPUTS_FOLDER"
    FIGURES_FOLDER = "FIGURES_FOLDER"
    LANGUAGE = "LANGUAGE"
    OUTPUT = "OUTPUT"
    TABLES = "TABLES"
    SOURCES = "SOURCES"

    ZH_NAME = "鉴定评估报告草稿（DOCX）"

    def name(self):
        return "report_document"

    def displayName(self):  # noqa: N802
        return self.tr("Report document (DOCX draft)")

    def groupId(self):  # noqa: N802
        return "report"

    def helpText(self):  # noqa: N802
        return self.tr(
            "Writes a DOCX draft of the appraisal report from the outputs of a case: the case (from case.toml), "
            "the methods with every parameter and its source (read from the provenance records beside the "
            "outputs), the survey (functional areas, points, samples, sampling-rule compliance), the results "
            "(baselines, exceedances, damaged area and volume with their range, cut and fill, vegetation lost), "
            "the valuation summary (valuation.json; 'not assessed' without it), the annex tables of "
            "自然资规〔2024〕5号 (control point survey results, sampling and analysis results, area/grade/thickness "
            "per block, resource per block, resource summary), the figures (PNG files of a folder, captions from "
            "captions.json) and the list of the source files with their SHA-256. Outputs are found by file name in "
            "the folder; a file given one by one takes precedence. Every sentence comes from the template "
            "resources/report/report_<language>.toml; the same outputs give the same DOCX bytes."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        folder = QgsProcessingParameterFile(self.OUTPUTS_FOLDER, self.tr("Case outputs (folder)"),
                                            behavior=FILE_BEHAVIOR_FOLDER, optional=True)
        folder.setHelp(self.tr("A case package or output folder; each output is found by its file name below it."))
        self.addParameter(folder)
        for role, name in OUTPUT_FILES.items():
            extension = name.rsplit(".", 1)[-1]
            single = QgsProcessingParameterFile(role.upper(), self.tr("Output file: {0}").format(name),
                                                behavior=FILE_BEHAVIOR_FILE, extension=extension, optional=True)
            single.setHelp(self.tr("Takes precedence over the file of this name in the outputs folder."))
            self.addParameter(advanced(single))
        figures = QgsProcessingParameterFile(self.FIGURES_FOLDER, self.tr("Figures (folder of PNG files)"),
                                             behavior=FILE_BEHAVIOR_FOLDER, optional=True)
        figures.setHelp(self.tr("The report maps as PNG, sorted by name; captions from captions.json "
                                "({\"file.png\": \"caption\"}) or a .txt beside each, else the file name."))
        self.addParameter(figures)
        language = QgsProcessingParameterEnum(self.LANGUAGE, self.tr("Language"),
                                              options=[self.tr("Chinese"), self.tr("English")], defaultValue=0)
        language.setHelp(self.tr("The language of the sentences; table headers stay Chinese first."))
        self.addParameter(language)
        output = QgsProcessingParameterFileDestination(self.OUTPUT, self.tr("Report (DOCX)"),
                                                       self.tr("Word document (*.docx)"))
        output.setHelp(self.tr("Written atomically, with its provenance record beside it."))
        self.addParameter(output)
        self.addOutput(QgsProcessingOutputNumber(self.TABLES, self.tr("Tables in the report")))
        self.addOutput(QgsProcessingOutputNumber(self.SOURCES, self.tr("Source files listed")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        stages = Stages(feedback, [self.tr("Finding the case outputs"), self.tr("Building the report"),
                                   self.tr("Writing the report")])
        stages.next()
        folder = self.parameterAsFile(parameters, self.OUTPUTS_FOLDER, context) or None
        files = {role: self.parameterAsFile(parameters, role.upper(), context) for role in OUTPUT_FILES}
        files = {role: path for role, path in files.items() if path}
        self.require_one_of(parameters, [self.OUTPUTS_FOLDER, *(role.upper() for role in OUTPUT_FILES)])
        language = LANGUAGES[self.parameterAsEnum(parameters, self.LANGUAGE, context)]
        target = Path(self.parameterAsFileOutput(parameters, self.OUTPUT, context))
        with self.core_errors():
            outputs = collect_outputs(folder, files)
            figures = collect_figures(self.parameterAsFile(parameters, self.FIGURES_FOLDER, context) or None)
        step = stages.next()
        progress, is_canceled = self.callbacks(step)
        with self.core_errors():
            result = build_report(outputs, language=language, figures=figures, progress=progress,
                                  is_canceled=is_canceled)
        self.push_warnings(feedback, result.warnings)
        stages.next()
        self.check_canceled(feedback)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.track_output(str(target))
        with self.core_errors():
            written = result.write(target, host=self.host_info())
        feedback.pushInfo(self.tr("{0} tables, {1} source files listed").format(len(result.tables),
                                                                                len(result.sources)))
        return {self.OUTPUT: str(written), self.TABLES: len(result.tables), self.SOURCES: len(result.sources)}
