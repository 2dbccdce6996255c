"""IDW and ordinary kriging of lab results, with cross-validation and exceedance probability."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputMultipleLayers,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDistance,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
)

from ....core.case.model import InterpolationParams
from ....core.case.steps import interpolate_samples
from ....core.interp.variogram import MODELS
from ....core.lab.censored import DEFAULT_RULE, RULES
from ...base import ReeAlgorithm
from ...compat import (
    FIELD_NUMERIC,
    NUMBER_DOUBLE,
    NUMBER_INTEGER,
    SOURCE_VECTOR,
    SOURCE_VECTOR_POINT,
    SOURCE_VECTOR_POLYGON,
    advanced,
    parameter_as_field_names,
)
from ..stages import Stages

TRENDS = (None, "linear", "quadratic")


class Interpolate(ReeAlgorithm):
    """Contaminant rasters from sample points: prediction, kriging variance, P(exceeding baseline)."""

    INPUT = "INPUT"
    FIELDS = "FIELDS"
    LAYER_FIELD = "LAYER_FIELD"
    CASE_AREA = "CASE_AREA"
    CELL_SIZE = "CELL_SIZE"
    METHODS = "METHODS"
    IDW_POWER = "IDW_POWER"
    IDW_NEIGHBOURS = "IDW_NEIGHBOURS"
    KRIGING_NEIGHBOURS = "KRIGING_NEIGHBOURS"
    MODEL = "MODEL"
    NUGGET = "NUGGET"
    LOG_TRANSFORM = "LOG_TRANSFORM"
    TREND = "TREND"
    ANISOTROPY_RATIO = "ANISOTROPY_RATIO"
    ANISOTROPY_ANGLE = "ANISOTROPY_ANGLE"
    BASELINE = "BASELINE"
    CENSORED_RULE = "CENSORED_RULE"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    OUTPUT_RASTERS = "OUTPUT_RASTERS"
    COMPARISON = "COMPARISON"

    ZH_NAME = "空间插值"

    def name(self):
        return "interpolate"

    def displayName(self):  # noqa: N802
        return self.tr("Interpolate (IDW, kriging)")

    def groupId(self):  # noqa: N802
        return "analysis"

    def helpText(self):  # noqa: N802
        return self.tr(
            "Interpolates one or more indicators (and each depth layer separately) onto a raster masked to the "
            "case area. IDW uses the k nearest points (or all points when k is 0, like QGIS's own IDW). Ordinary "
            "kriging fits a variogram automatically (spherical, exponential or Gaussian, weighted least squares, "
            "with a nugget; optional geometric anisotropy) and kriges each cell from its k nearest points; an "
            "optional log transform is back-transformed as lognormal kriging, and a linear or quadratic trend "
            "can be removed first. Every run is cross-validated (leave one out: RMSE, mean error, mean "
            "standardised squared error) and, with several methods, a comparison table ranks them so the report "
            "can justify its choice. Outputs, in the CGCS2000 zone CRS, tiled and compressed, nodata outside the "
            "case area: prediction, kriging variance, the probability of exceeding the baseline (Gaussian "
            "kriging error on the kriged scale), and a variogram plot. Values below the detection limit are "
            "substituted by the chosen rule (DL/2 by default), recorded in the provenance. Kriging needs at "
            "least 10 points; duplicate locations are averaged with a warning."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        points = QgsProcessingParameterFeatureSource(self.INPUT, self.tr("Sample points with lab results"),
                                                     [SOURCE_VECTOR_POINT])
        points.setHelp(self.tr("E.g. the output of Import lab results, filtered to one medium and the case area."))
        self.addParameter(points)
        fields = QgsProcessingParameterField(self.FIELDS, self.tr("Indicators"), parentLayerParameterName=self.INPUT,
                                             type=FIELD_NUMERIC, allowMultiple=True)
        fields.setHelp(self.tr("Indicator value columns to interpolate (their <code>_flag columns mark censored values)."))
        self.addParameter(fields)
        layer = QgsProcessingParameterField(self.LAYER_FIELD, self.tr("Depth layer field"), parentLayerParameterName=self.INPUT,
                                            optional=True)
        layer.setHelp(self.tr("Each value of this field (e.g. depth_cm) is interpolated separately."))
        self.addParameter(layer)
        area = QgsProcessingParameterFeatureSource(self.CASE_AREA, self.tr("Case area (mask)"), [SOURCE_VECTOR_POLYGON],
                                                   optional=True)
        area.setHelp(self.tr("Cells outside are nodata; without it the raster covers the points' extent."))
        self.addParameter(area)
        cell = QgsProcessingParameterDistance(self.CELL_SIZE, self.tr("Cell size"), 2.0, self.INPUT, minValue=0.01)
        cell.setHelp(self.tr("Raster cell size in m (the DEM's 2 m by default)."))
        self.addParameter(cell)
        methods = QgsProcessingParameterEnum(self.METHODS, self.tr("Methods"),
                                             options=[self.tr("IDW"), self.tr("Ordinary kriging")], allowMultiple=True,
                                             defaultValue=[1])
        methods.setHelp(self.tr("With both, the comparison table ranks them by cross-validated RMSE."))
        self.addParameter(methods)
        for key, label, kind, default, minimum, help_text in (
            (self.IDW_POWER, self.tr("IDW power"), NUMBER_DOUBLE, 2.0, 0.1, self.tr("Distance exponent of IDW.")),
            (self.IDW_NEIGHBOURS, self.tr("IDW neighbours (0: all points)"), NUMBER_INTEGER, 12, 0,
             self.tr("k nearest points per cell; 0 is global IDW.")),
            (self.KRIGING_NEIGHBOURS, self.tr("Kriging neighbours"), NUMBER_INTEGER, 16, 3,
             self.tr("k nearest points per cell of the local kriging system.")),
        ):
            parameter = QgsProcessingParameterNumber(key, label, kind, default, minValue=minimum)
            parameter.setHelp(help_text)
            self.addParameter(advanced(parameter))
        model = QgsProcessingParameterEnum(self.MODEL, self.tr("Variogram model"),
                                           options=[self.tr("Automatic (best fit)")] + [m.capitalize() for m in MODELS],
                                           defaultValue=0)
        model.setHelp(self.tr("Automatic fits spherical, exponential and Gaussian and keeps the lowest weighted residual."))
        self.addParameter(advanced(model))
        nugget = QgsProcessingParameterBoolean(self.NUGGET, self.tr("Fit a nugget"), True)
        nugget.setHelp(self.tr("Micro-scale variation and measurement error; keep it unless the data are exact."))
        self.addParameter(advanced(nugget))
        log = QgsProcessingParameterBoolean(self.LOG_TRANSFORM, self.tr("Log transform (lognormal kriging)"), False)
        log.setHelp(self.tr("For skewed concentrations; back-transformed with the lognormal correction."))
        self.addParameter(log)
        trend = QgsProcessingParameterEnum(self.TREND, self.tr("Trend removal"),
                                           options=[self.tr("None"), self.tr("Linear"), self.tr("Quadratic")], defaultValue=0)
        trend.setHelp(self.tr("A trend fitted by least squares is removed before kriging and added back."))
        self.addParameter(advanced(trend))
        ratio = QgsProcessingParameterNumber(self.ANISOTROPY_RATIO, self.tr("Anisotropy ratio (major/minor range)"),
                                             NUMBER_DOUBLE, 1.0, minValue=1.0)
        ratio.setHelp(self.tr("1 is isotropic; e.g. 2 where leachate spread twice as far downslope."))
        self.addParameter(advanced(ratio))
        angle = QgsProcessingParameterNumber(self.ANISOTROPY_ANGLE, self.tr("Anisotropy direction (degrees from east)"),
                                             NUMBER_DOUBLE, 0.0, minValue=-360.0, maxValue=360.0)
        angle.setHelp(self.tr("Direction of the major range, counter-clockwise from east."))
        self.addParameter(advanced(angle))
        baseline = QgsProcessingParameterFeatureSource(self.BASELINE, self.tr("Baseline table"), [SOURCE_VECTOR],
                                                       optional=True)
        baseline.setHelp(self.tr("The Baseline output: gives the threshold of the probability-of-exceedance raster."))
        self.addParameter(baseline)
        rules = list(RULES)
        censored = QgsProcessingParameterEnum(self.CENSORED_RULE, self.tr("Values below detection limit"), options=rules,
                                              defaultValue=rules.index(DEFAULT_RULE))
        censored.setHelp(self.tr("Number used for a censored value (DL/2 by default); recorded."))
        self.addParameter(advanced(censored))
        folder = QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, self.tr("Output folder"))
        folder.setHelp(self.tr("Rasters, variogram plots and the cross-validation tables, each with provenance."))
        self.addParameter(folder)
        self.addOutput(QgsProcessingOutputMultipleLayers(self.OUTPUT_RASTERS, self.tr("Interpolated rasters")))
        self.addOutput(QgsProcessingOutputString(self.COMPARISON, self.tr("Method comparison table")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        stages = Stages(feedback, [self.tr("Reading the samples, case area and baseline"),
                                   self.tr("Fitting variograms, cross-validating and interpolating"),
                                   self.tr("Writing the rasters, plots and tables")])
        step = stages.next()
        points = self.read_source(parameters, self.INPUT, context, step, required=True)
        fields = parameter_as_field_names(self, parameters, self.FIELDS, context)
        if not fields:
            raise QgsProcessingException(self.tr("Choose at least one indicator."))
        layer_field = (parameter_as_field_names(self, parameters, self.LAYER_FIELD, context) or [None])[0]
        area = self.read_source(parameters, self.CASE_AREA, context, step)
        baseline = self.read_source(parameters, self.BASELINE, context, step)
        model_index = self.parameterAsEnum(parameters, self.MODEL, context)
        params = InterpolationParams(
            fields=tuple(fields),
            methods=tuple(("idw", "ok")[i] for i in self.parameterAsEnums(parameters, self.METHODS, context)) or ("ok",),
            cell_size_m=self.parameterAsDouble(parameters, self.CELL_SIZE, context),
            layer_field=layer_field or "",
            censored_rule=list(RULES)[self.parameterAsEnum(parameters, self.CENSORED_RULE, context)],
            idw_power=self.parameterAsDouble(parameters, self.IDW_POWER, context),
            idw_neighbours=self.parameterAsInt(parameters, self.IDW_NEIGHBOURS, context),
            kriging_model="auto" if model_index == 0 else MODELS[model_index - 1],
            kriging_neighbours=self.parameterAsInt(parameters, self.KRIGING_NEIGHBOURS, context),
            nugget=self.parameterAsBoolean(parameters, self.NUGGET, context),
            log_transform=self.parameterAsBoolean(parameters, self.LOG_TRANSFORM, context),
            trend=TRENDS[self.parameterAsEnum(parameters, self.TREND, context)] or "",
            anisotropy_ratio=self.parameterAsDouble(parameters, self.ANISOTROPY_RATIO, context),
            anisotropy_angle_deg=self.parameterAsDouble(parameters, self.ANISOTROPY_ANGLE, context),
        )
        folder = Path(self.parameterAsString(parameters, self.OUTPUT_FOLDER, context))
        step = stages.next()
        progress, is_canceled = self.callbacks(step)
        with self.core_errors():
            result = interpolate_samples(
                points, params, case_area=area, baseline=baseline, progress=progress, is_canceled=is_canceled
            )
        stages.next()
        with self.core_errors():
            written = result.write(
                folder,
                inputs=self.input_paths(parameters, [self.INPUT, self.CASE_AREA, self.BASELINE], context),
                host=self.host_info(),
            )
        self.push_warnings(feedback, result.warnings)
        for row in result.comparison.itertuples():
            feedback.pushInfo(self.tr("{0} {1}: RMSE {2}, ME {3}, MSSE {4}").format(
                row.field, row.method, f"{row.rmse:.4g}", f"{row.me:.4g}", f"{row.msse:.3g}"))
        rasters = sorted(str(p) for p in written.values() if str(p).endswith(".tif"))
        for path in rasters:
            context.addLayerToLoadOnCompletion(
                path, context.LayerDetails(Path(path).stem, context.project(), self.OUTPUT_RASTERS)
            )
        comparison = next((str(p) for p in written.values() if str(p).endswith("method_comparison.csv")), "")
        return {self.OUTPUT_FOLDER: str(folder), self.OUTPUT_RASTERS: rasters, self.COMPARISON: comparison}
