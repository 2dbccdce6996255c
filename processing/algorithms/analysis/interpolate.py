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
from ....core.interp.interpolation import FALLBACKS
from ....core.interp.variogram import MODELS, PRESETS, WEIGHTS
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
PRESET_NAMES = tuple(PRESETS)  # ("default", "as gstat")


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
    VARIOGRAM_PRESET = "VARIOGRAM_PRESET"
    N_LAGS = "N_LAGS"
    MAX_LAG = "MAX_LAG"
    PAIR_WEIGHTS = "PAIR_WEIGHTS"
    MIN_PAIRS = "MIN_PAIRS"
    FIXED_NUGGET = "FIXED_NUGGET"
    FIXED_PSILL = "FIXED_PSILL"
    FIXED_RANGE = "FIXED_RANGE"
    FALLBACK = "FALLBACK"
    TRUNCATE_NEGATIVE = "TRUNCATE_NEGATIVE"
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
            "case area. IDW uses the 12 nearest points with power 2 by default (0 neighbours: all points, like "
            "QGIS's own IDW); the settings are stated in the method table. Ordinary kriging fits a variogram "
            "automatically (spherical, exponential or Gaussian, weighted least squares, with a nugget; optional "
            "geometric anisotropy) and kriges each cell from its k nearest points (0: all points); an optional "
            "log transform is back-transformed as lognormal kriging, C* = exp(Y* + sigma^2/2 - m), and the "
            "log-scale prediction and variance are written too (the exceedance probability uses them); a linear "
            "or quadratic trend can be removed first.<br><br>"
            "<b>Weak data get an honest answer.</b> The automatic fit also tries a pure nugget (no spatial "
            "correlation, chosen by AIC); a permutation test (499 shuffles of the values among the locations, "
            "seed 0) asks whether pairs at short lags are more alike than random pairs; and kriging must predict "
            "better than the mean of the other samples (leave one out). When a check fails, or the fit stops on "
            "the lower bound of the range or with no partial sill, or the range is shorter than the smallest lag "
            "fitted, the kriging surface is replaced by the declared fallback: the sample mean with its "
            "prediction variance s²(1 + 1/n) (default), IDW, or none (krige anyway). The method table says which "
            "was used and why; every warning (also fewer than 30 samples, a range longer than the samples' "
            "extent) is in the log and, by code, in the cross-validation table.<br><br>"
            "<b>Variogram choices</b> (advanced): the model or automatic; fixed nugget, partial sill and range "
            "(all three with a named model: another tool's variogram reproduced, nothing fitted); the lag preset "
            "\"plugin default\" (12 lags to half the diagonal, Cressie's weights, lags with 30 pairs or more) or "
            "\"as gstat\" (15 lags to a third of the diagonal, N_j/h_j² weights, every non-empty lag: R gstat's "
            "defaults), and each of its settings overridden one by one.<br>"
            "<b>Range convention</b>: the range is PyKrige's. Spherical: the same as gstat's and ArcGIS's. "
            "Exponential: the practical range (95 % of the sill) = 3 × gstat's Exp range = ArcGIS's range. "
            "Gaussian: 7/4 × gstat's Gau range = 1.0104 × ArcGIS's range. Anisotropy: direction counter-clockwise "
            "from east = 90 − gstat's or ArcGIS's azimuth; ratio = 1 / gstat's minor/major ratio.<br><br>"
            "Every run is cross-validated (leave one out: RMSE, mean error, mean standardised squared error) "
            "and, with several methods, a comparison table ranks them so the report can justify its choice. "
            "Outputs, in the CGCS2000 zone CRS, tiled and compressed, nodata outside the case area: prediction, "
            "kriging variance, the probability of exceeding the baseline (Gaussian kriging error on the kriged "
            "scale), and a variogram plot. Values below the detection limit are substituted by the chosen rule "
            "(DL/2 by default), recorded in the provenance. Kriging needs at least 10 points; duplicate "
            "locations are averaged with a warning."
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
            (self.KRIGING_NEIGHBOURS, self.tr("Kriging neighbours (0: all points)"), NUMBER_INTEGER, 16, 0,
             self.tr("k nearest points per cell of the local kriging system; 0 krige each cell from every point.")),
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
        for key, label, help_text in (
            (self.FIXED_NUGGET, self.tr("Fixed nugget (empty: fitted)"),
             self.tr("Nugget held at this value (units squared).")),
            (self.FIXED_PSILL, self.tr("Fixed partial sill (empty: fitted)"),
             self.tr("Partial sill held at this value (units squared); sill = nugget + partial sill.")),
            (self.FIXED_RANGE, self.tr("Fixed range, m (empty: fitted)"),
             self.tr("Range held at this value, in this plugin's convention: exponential practical range = 3 × "
                     "gstat's Exp range = ArcGIS's range; Gaussian = 7/4 × gstat's Gau range = 1.0104 × ArcGIS's "
                     "range; spherical the same everywhere.")),
        ):
            fixed = QgsProcessingParameterNumber(key, label, NUMBER_DOUBLE, optional=True, minValue=0.0)
            fixed.setHelp(help_text)
            self.addParameter(advanced(fixed))
        preset = QgsProcessingParameterEnum(
            self.VARIOGRAM_PRESET, self.tr("Variogram lags and weights"),
            options=[self.tr("Plugin default (12 lags to half the diagonal, Cressie weights, lags with 30 pairs or more)"),
                     self.tr("As gstat (15 lags to a third of the diagonal, N_j/h_j² weights, every non-empty lag)")],
            defaultValue=0)
        preset.setHelp(self.tr("The settings below override the preset one by one when given."))
        self.addParameter(advanced(preset))
        lags = QgsProcessingParameterNumber(self.N_LAGS, self.tr("Number of lags (empty: preset)"), NUMBER_INTEGER,
                                            optional=True, minValue=3)
        lags.setHelp(self.tr("Equal-width lag bins of the experimental variogram."))
        self.addParameter(advanced(lags))
        max_lag = QgsProcessingParameterNumber(self.MAX_LAG, self.tr("Maximum lag, m (empty: preset)"), NUMBER_DOUBLE,
                                               optional=True, minValue=0.0)
        max_lag.setHelp(self.tr("Largest pair distance of the experimental variogram (preset: a fraction of the "
                                "samples' bounding-box diagonal)."))
        self.addParameter(advanced(max_lag))
        weights = QgsProcessingParameterEnum(
            self.PAIR_WEIGHTS, self.tr("Pair weights of the variogram fit"),
            options=[self.tr("From the preset"), self.tr("Cressie: N_j/γ(h_j)²"), self.tr("N_j"),
                     self.tr("N_j/h_j² (gstat's default)"), self.tr("Equal")],
            defaultValue=0)
        weights.setHelp(self.tr("Weights of the lag bins in the least-squares fit (N_j pairs, lag h_j)."))
        self.addParameter(advanced(weights))
        min_pairs = QgsProcessingParameterNumber(self.MIN_PAIRS, self.tr("Minimum pairs per lag (empty: preset)"),
                                                 NUMBER_INTEGER, optional=True, minValue=1)
        min_pairs.setHelp(self.tr("Lag bins with fewer pairs are not fitted (unless fewer than 3 bins would be left)."))
        self.addParameter(advanced(min_pairs))
        fallback = QgsProcessingParameterEnum(
            self.FALLBACK, self.tr("Where the data show no spatial structure"),
            options=[self.tr("Mean with its uncertainty"), self.tr("IDW (the IDW settings above)"),
                     self.tr("Krige anyway (with the warning)")],
            defaultValue=0)
        fallback.setHelp(self.tr("What replaces the kriging surface when the structure checks fail; stated in the "
                                 "method table."))
        self.addParameter(advanced(fallback))
        truncate = QgsProcessingParameterBoolean(self.TRUNCATE_NEGATIVE, self.tr("Set negative kriged values to 0"),
                                                 False)
        truncate.setHelp(self.tr("Ordinary kriging is not bounded by the data and can dip below zero; the share of "
                                 "negative cells is reported either way (the log transform avoids them)."))
        self.addParameter(advanced(truncate))
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
        kriging_options = self.kriging_options(parameters, context)
        folder = Path(self.parameterAsString(parameters, self.OUTPUT_FOLDER, context))
        step = stages.next()
        progress, is_canceled = self.callbacks(step)
        with self.core_errors():
            result = interpolate_samples(
                points, params, case_area=area, baseline=baseline, progress=progress, is_canceled=is_canceled,
                kriging_options=kriging_options,
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
            feedback.pushInfo(self.tr("{0} {1}: surface made by {2}; {3}").format(
                row.field, row.method, row.method_used, row.settings))
        rasters = sorted(str(p) for p in written.values() if str(p).endswith(".tif"))
        for path in rasters:
            self.load_on_completion(context, path, Path(path).stem, self.OUTPUT_RASTERS)
        comparison = next((str(p) for p in written.values() if str(p).endswith("method_comparison.csv")), "")
        return {self.OUTPUT_FOLDER: str(folder), self.OUTPUT_RASTERS: rasters, self.COMPARISON: comparison}

    def kriging_options(self, parameters, context) -> dict:
        """The advanced kriging choices as KrigingParams fields (a preset, then each override)."""

        def given(key):
            return parameters.get(key) not in (None, "")

        preset = PRESET_NAMES[self.parameterAsEnum(parameters, self.VARIOGRAM_PRESET, context)]
        options = {**PRESETS[preset], "preset": preset}
        overridden = False
        if given(self.N_LAGS):
            options["n_lags"] = self.parameterAsInt(parameters, self.N_LAGS, context)
            overridden = True
        if given(self.MAX_LAG) and self.parameterAsDouble(parameters, self.MAX_LAG, context) > 0:
            options["max_lag"] = self.parameterAsDouble(parameters, self.MAX_LAG, context)
            overridden = True
        weights_index = self.parameterAsEnum(parameters, self.PAIR_WEIGHTS, context)
        if weights_index:
            options["weights"] = WEIGHTS[weights_index - 1]
            overridden = overridden or options["weights"] != PRESETS[preset]["weights"]
        if given(self.MIN_PAIRS):
            options["min_pairs"] = self.parameterAsInt(parameters, self.MIN_PAIRS, context)
            overridden = True
        if overridden:
            options["preset"] = f"custom (from {preset!r})"
        for key, name in ((self.FIXED_NUGGET, "fixed_nugget"), (self.FIXED_PSILL, "fixed_psill"),
                          (self.FIXED_RANGE, "fixed_range")):
            if given(key):
                options[name] = self.parameterAsDouble(parameters, key, context)
        if options.get("fixed_range") == 0.0:
            raise QgsProcessingException(self.tr("A fixed range must be above 0 m."))
        if self.parameterAsInt(parameters, self.KRIGING_NEIGHBOURS, context) == 0:
            options["k"] = None
        options["fallback"] = FALLBACKS[self.parameterAsEnum(parameters, self.FALLBACK, context)]
        options["truncate_negative"] = self.parameterAsBoolean(parameters, self.TRUNCATE_NEGATIVE, context)
        return options
