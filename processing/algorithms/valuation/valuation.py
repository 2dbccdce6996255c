"""Valuation of the damage: line items with quantity, unit, unit price, formula and source; XLSX + JSON."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
)

from ....core.common.provenance import describe_input
from ....core.valuation.params import read_case_file, read_params
from ....core.valuation.template import write_template
from ....core.valuation.valuate import valuate
from ...base import ReeAlgorithm
from ...compat import FILE_BEHAVIOR_FILE, advanced
from ..stages import Stages

METHOD_CHOICES = ("", "ok", "idw")
CREDITING_CHOICES = ("", "mid-year", "end-of-year")


class Valuation(ReeAlgorithm):
    """Mineral value, restoration cost, interim loss (HEA), forest services, residual loss, actual costs."""

    CASE_FILE = "CASE_FILE"
    DAMAGE_SUMMARY = "DAMAGE_SUMMARY"
    VEGETATION_SUMMARY = "VEGETATION_SUMMARY"
    RESOURCE_TABLE = "RESOURCE_TABLE"
    WATER_SUMMARY = "WATER_SUMMARY"
    DAMAGE_METHOD = "DAMAGE_METHOD"
    CREDITING = "CREDITING"
    WRITE_TEMPLATE = "WRITE_TEMPLATE"
    TEMPLATE = "TEMPLATE"
    WORKBOOK = "WORKBOOK"
    JSON = "JSON"
    TOTAL = "TOTAL"
    LOW = "LOW"
    HIGH = "HIGH"

    ZH_NAME = "损害价值量化"

    def name(self):
        return "valuation"

    def displayName(self):  # noqa: N802
        return self.tr("Damage valuation")

    def groupId(self):  # noqa: N802
        return "valuation"

    def helpText(self):  # noqa: N802
        return self.tr(
            "Values the damage from the [valuation] section of the case file (every price and unit cost with its "
            "value, unit, source, date and [default] flag) and the tables of earlier steps: actual costs with "
            "receipts (guideline 10.1); mineral value by 自然资规〔2024〕5号 (sale proceeds, the unsold part at the "
            "average sale price, each period at its own price, or the price-determination institution's price; the "
            "destroyed resource = resource x the higher of the design's and the national minimum recovery rate) "
            "(10.6); restoration cost per measure, quantities from the damage tables (10.2); interim loss by "
            "habitat equivalency, discount rate 3 % with 2 % and 5 % sensitivity, crediting convention stated "
            "(10.2); forest ecosystem services by an editable unit-value table with a price-index adjustment "
            "(10.4); the residual loss (10.5). Writes an XLSX workbook (a summary sheet, one sheet per method, the "
            "parameters; values only, each line's formula as text) and a JSON with the same numbers, each with "
            "provenance. Money in decimal arithmetic, rounded half up to 0.01 yuan only for display. The total's "
            "range comes from the damage at P(exceed) >= 50/80/95 % and the discount sensitivity. A missing "
            "price, a unit mismatch (m3 against t, 元/t against 万元/t), a negative quantity, a price date outside "
            "the act's period or a recovery rate above 1 stops the run naming the line and the parameter; "
            "nothing is written. Tick 'Write the parameter template' to write a [valuation] template instead."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        case = QgsProcessingParameterFile(self.CASE_FILE, self.tr("Case file (TOML) with a [valuation] section"),
                                          behavior=FILE_BEHAVIOR_FILE, extension="toml", optional=True)
        case.setHelp(self.tr("Prices, unit costs and method choices; [case] gives the act's period and survey date."))
        self.addParameter(case)
        for key, label, help_text in (
            (self.DAMAGE_SUMMARY, self.tr("Damage summary table (damage_summary.csv)"),
             self.tr("Output of Damage extent: damaged soil volume (sum over layers) and area, with the range at "
                     "P(exceed) >= 50/80/95 %.")),
            (self.VEGETATION_SUMMARY, self.tr("Vegetation damage summary"),
             self.tr("Output of Vegetation damage (CSV or GeoPackage table): the CASE_AREA row's damaged area.")),
            (self.RESOURCE_TABLE, self.tr("Resource summary (annex5_resource_summary.csv)"),
             self.tr("Output of Mined volume: the total REO resource (t) of the affected range.")),
            (self.WATER_SUMMARY, self.tr("Water damage table"),
             self.tr("CSV with medium (groundwater/surface_water), indicator, area_m2, volume_m3, confidence "
                     "(50/80/95).")),
        ):
            parameter = QgsProcessingParameterFile(key, label, behavior=FILE_BEHAVIOR_FILE, optional=True)
            parameter.setHelp(help_text)
            self.addParameter(parameter)
        method = QgsProcessingParameterEnum(self.DAMAGE_METHOD, self.tr("Interpolation rows of the damage summary"),
                                            options=[self.tr("As the case file says"), self.tr("Kriging (ok)"),
                                                     self.tr("IDW")], defaultValue=0)
        method.setHelp(self.tr("Which interpolation's damaged volumes are valued; by default kriging when present."))
        self.addParameter(advanced(method))
        crediting = QgsProcessingParameterEnum(self.CREDITING, self.tr("Crediting convention of the interim loss"),
                                               options=[self.tr("As the case file says"), self.tr("Mid-year"),
                                                        self.tr("End-of-year")], defaultValue=0)
        crediting.setHelp(self.tr("When a year's service loss is counted in the habitat equivalency: mid-year "
                                  "(default) or end-of-year."))
        self.addParameter(advanced(crediting))
        template = QgsProcessingParameterBoolean(self.WRITE_TEMPLATE, self.tr("Write the parameter template"),
                                                 defaultValue=False)
        template.setHelp(self.tr("Write a [valuation] template with every default to the template file and stop."))
        self.addParameter(template)
        template_file = QgsProcessingParameterFileDestination(self.TEMPLATE, self.tr("Parameter template"),
                                                              self.tr("TOML files (*.toml)"), optional=True,
                                                              createByDefault=False)
        template_file.setHelp(self.tr("Where the template goes (with 'Write the parameter template')."))
        self.addParameter(template_file)
        workbook = QgsProcessingParameterFileDestination(self.WORKBOOK, self.tr("Valuation workbook"),
                                                         self.tr("Excel workbooks (*.xlsx)"), optional=True)
        workbook.setHelp(self.tr("Summary, one sheet per method and the parameters."))
        self.addParameter(workbook)
        document = QgsProcessingParameterFileDestination(self.JSON, self.tr("Valuation JSON"),
                                                         self.tr("JSON files (*.json)"), optional=True)
        document.setHelp(self.tr("The same numbers: exact decimals as text and the displayed values."))
        self.addParameter(document)
        for key, label in ((self.TOTAL, self.tr("Total (yuan)")), (self.LOW, self.tr("Range low (yuan)")),
                           (self.HIGH, self.tr("Range high (yuan)"))):
            self.addOutput(QgsProcessingOutputNumber(key, label))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        if self.parameterAsBoolean(parameters, self.WRITE_TEMPLATE, context):
            target = self.parameterAsFileOutput(parameters, self.TEMPLATE, context)
            if not target:
                raise QgsProcessingException(self.tr("Give the template file to write."))
            path = write_template(target)
            self.track_output(path)
            feedback.pushInfo(self.tr("Template written: {0}").format(path))
            return {self.TEMPLATE: str(path)}
        stages = Stages(feedback, [self.tr("Reading the case file and the tables"), self.tr("Valuing"),
                                   self.tr("Writing the workbook and the JSON")])
        step = stages.next()
        case_file = self.parameterAsFile(parameters, self.CASE_FILE, context)
        if not case_file:
            raise QgsProcessingException(self.missing_inputs_error(parameters, [self.CASE_FILE]))
        tables = {key: self.parameterAsFile(parameters, key, context) or None
                  for key in (self.DAMAGE_SUMMARY, self.VEGETATION_SUMMARY, self.RESOURCE_TABLE, self.WATER_SUMMARY)}
        outputs = {"workbook": self.parameterAsFileOutput(parameters, self.WORKBOOK, context) or None,
                   "json": self.parameterAsFileOutput(parameters, self.JSON, context) or None}
        if not any(outputs.values()):
            raise QgsProcessingException(self.tr("Give the workbook, the JSON or both to write."))
        with self.core_errors():
            section, info = read_case_file(case_file)
            params = read_params(section, case_info=info)
        changes = {}
        method = METHOD_CHOICES[self.parameterAsEnum(parameters, self.DAMAGE_METHOD, context)]
        if method:
            changes["damage_method"] = method
        crediting = CREDITING_CHOICES[self.parameterAsEnum(parameters, self.CREDITING, context)]
        if crediting:
            changes["crediting"] = crediting
        if changes:
            params = dataclasses.replace(params, **changes,
                                         sources={**params.sources, **{k: "algorithm parameter" for k in changes}})
        step = stages.next()
        progress, is_canceled = self.callbacks(step)
        with self.core_errors():
            result = valuate(params, damage=tables[self.DAMAGE_SUMMARY], vegetation=tables[self.VEGETATION_SUMMARY],
                             mined=tables[self.RESOURCE_TABLE], water=tables[self.WATER_SUMMARY],
                             case_id=str(info.get("id", "")), progress=progress, is_canceled=is_canceled)
        result.inputs["case_file"] = describe_input(case_file)
        result.inputs_paths["case_file"] = case_file
        self.push_warnings(feedback, result.warnings)
        feedback.pushInfo(self.tr("Total {0} yuan, range {1} - {2} yuan").format(
            result.as_json()["total_display"], result.as_json()["range"]["low_display"],
            result.as_json()["range"]["high_display"]))
        stages.next()
        wanted = {name: Path(path) for name, path in outputs.items() if path}
        for path in wanted.values():
            path.parent.mkdir(parents=True, exist_ok=True)
        with self.core_errors():
            written = result.write(wanted, host=self.host_info())
        for path in written.values():
            self.track_output(path)
        answer = {self.TOTAL: float(result.as_json()["total_display"]),
                  self.LOW: float(result.as_json()["range"]["low_display"]),
                  self.HIGH: float(result.as_json()["range"]["high_display"])}
        if "workbook" in written:
            answer[self.WORKBOOK] = str(written["workbook"])
        if "json" in written:
            answer[self.JSON] = str(written["json"])
        return answer
