"""Baseline per indicator from control samples, given values or screening standards."""

from __future__ import annotations

import re

from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ....core.case.model import BaselineParams
from ....core.case.steps import baseline_for, control_samples
from ....core.lab.baseline import STATISTICS
from ....core.lab.censored import DEFAULT_RULE, RULES
from ...base import ReeAlgorithm
from ...compat import NUMBER_DOUBLE, SOURCE_VECTOR, advanced
from ..stages import Stages

SCREENING = (None, "GB15618-2018", "GB36600-2018", "GB/T14848-2017")
LAND_USES = (None, "paddy", "orchard", "other", "class1", "class2")


class Baseline(ReeAlgorithm):
    """The baseline table that damage extent compares against."""

    LAB_RESULTS = "LAB_RESULTS"
    CONTROL_PATTERN = "CONTROL_PATTERN"
    STATISTIC = "STATISTIC"
    SUBSTITUTION = "SUBSTITUTION"
    ALLOW_FEW = "ALLOW_FEW"
    SCREENING = "SCREENING"
    LAND_USE = "LAND_USE"
    PH = "PH"
    OUTPUT = "OUTPUT"

    ZH_NAME = "基线确定"

    def name(self):
        return "baseline"

    def displayName(self):  # noqa: N802
        return self.tr("Baseline")

    def groupId(self):  # noqa: N802
        return "analysis"

    def helpText(self):  # noqa: N802
        return self.tr(
            "Determines the baseline of each indicator from the control (reference) samples with a chosen "
            "statistic: mean + 2 SD after a Shapiro-Wilk normality test, on logarithms when the values are not "
            "normal; the 90th or 95th percentile; the upper tolerance limit UTL95-95; or the maximum. Each row "
            "records the statistic, the number of samples, the test result and how many values were below the "
            "detection limit and how they were substituted. Below 5 control samples it warns; below 3 it refuses "
            "unless allowed. A screening standard (GB 15618-2018 by pH band and land use, GB 36600-2018, "
            "GB/T 14848-2017) can be added as a second comparison or used alone. pH is a decreasing indicator: "
            "its baseline is a lower limit."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        lab = QgsProcessingParameterFeatureSource(self.LAB_RESULTS, self.tr("Lab results"), [SOURCE_VECTOR], optional=True)
        lab.setHelp(self.tr("Output of Import lab results (value and flag column per indicator)."))
        self.addParameter(lab)
        pattern = QgsProcessingParameterString(self.CONTROL_PATTERN, self.tr("Control sample ids (regular expression)"),
                                               defaultValue="^CTRL-")
        pattern.setHelp(self.tr("Samples whose id matches are the control samples; the default takes CTRL-nnn points."))
        self.addParameter(pattern)
        statistic = QgsProcessingParameterEnum(
            self.STATISTIC, self.tr("Statistic"),
            options=[self.tr("Mean + 2 SD (normality test, log fallback)"), self.tr("90th percentile"),
                     self.tr("95th percentile"), self.tr("Upper tolerance limit UTL95-95"), self.tr("Maximum")],
            defaultValue=0,
        )
        statistic.setHelp(self.tr("How the control samples give the baseline; recorded in every row."))
        self.addParameter(statistic)
        rules = list(RULES)
        substitution = QgsProcessingParameterEnum(self.SUBSTITUTION, self.tr("Values below detection limit"),
                                                  options=rules, defaultValue=rules.index(DEFAULT_RULE))
        substitution.setHelp(self.tr("Number used for a censored value in the statistic (DL/2 by default); recorded."))
        self.addParameter(substitution)
        allow = QgsProcessingParameterBoolean(self.ALLOW_FEW, self.tr("Allow fewer than 3 control samples"), False)
        allow.setHelp(self.tr("Computes anyway and says so in the note; a court may not accept it."))
        self.addParameter(advanced(allow))
        screening = QgsProcessingParameterEnum(
            self.SCREENING, self.tr("Screening standard"),
            options=[self.tr("None"), "GB 15618-2018", "GB 36600-2018", "GB/T 14848-2017"], defaultValue=0,
        )
        screening.setHelp(self.tr("Adds the screening values of a standard (used alone when no lab results are given)."))
        self.addParameter(screening)
        land_use = QgsProcessingParameterEnum(
            self.LAND_USE, self.tr("Land use (screening standard)"),
            options=[self.tr("Not applicable"), self.tr("Paddy field"), self.tr("Orchard"), self.tr("Other agricultural"),
                     self.tr("Construction land class 1"), self.tr("Construction land class 2")],
            defaultValue=0,
        )
        land_use.setHelp(self.tr("GB 15618 values depend on land use and pH; GB 36600 on the land class."))
        self.addParameter(land_use)
        ph = QgsProcessingParameterNumber(self.PH, self.tr("Soil pH (screening standard)"), NUMBER_DOUBLE, optional=True,
                                          minValue=0.0, maxValue=14.0)
        ph.setHelp(self.tr("Picks the pH band of GB 15618-2018."))
        self.addParameter(ph)
        out = QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Baseline table"), SOURCE_VECTOR)
        out.setHelp(self.tr("One row per indicator: baseline, unit, statistic, n, test, censored count, source."))
        self.addParameter(out)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        stages = Stages(feedback, [self.tr("Reading the lab results"), self.tr("Computing the baseline"),
                                   self.tr("Writing the baseline table")])
        step = stages.next()
        lab = self.read_source(parameters, self.LAB_RESULTS, context, step)
        standard = SCREENING[self.parameterAsEnum(parameters, self.SCREENING, context)]
        if lab is None and standard is None:
            raise QgsProcessingException(self.tr("Give lab results with control samples, a screening standard, or both."))
        pattern = self.parameterAsString(parameters, self.CONTROL_PATTERN, context)
        try:
            re.compile(pattern)
        except re.error as error:
            raise QgsProcessingException(self.tr("Bad control pattern: {0}").format(error)) from error
        ph = self.parameterAsDouble(parameters, self.PH, context) if parameters.get(self.PH) not in (None, "") else None
        params = BaselineParams(
            control_pattern=pattern,
            statistic=STATISTICS[self.parameterAsEnum(parameters, self.STATISTIC, context)],
            substitution=list(RULES)[self.parameterAsEnum(parameters, self.SUBSTITUTION, context)],
            allow_few=self.parameterAsBoolean(parameters, self.ALLOW_FEW, context),
            screening=standard or "",
            land_use=LAND_USES[self.parameterAsEnum(parameters, self.LAND_USE, context)] or "",
            ph=ph if ph is not None else -1.0,
        )
        stages.next()
        with self.core_errors():
            if lab is not None:
                feedback.pushInfo(self.tr("{0} control samples match {1}").format(
                    len(control_samples(lab, pattern)), pattern))
            result = baseline_for(lab, params)
        self.push_warnings(feedback, result.warnings)
        step = stages.next()
        destination = self.write_sink(parameters, self.OUTPUT, context, result.table, step)
        record = result.provenance(inputs=self.input_paths(parameters, [self.LAB_RESULTS], context), host=self.host_info())
        self.write_provenance([destination], record)
        return {self.OUTPUT: destination}
