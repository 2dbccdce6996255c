"""Confirmed damage per sample and damaged areas and soil volumes per zone, layer and indicator."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessingException,
    QgsProcessingOutputMultipleLayers,
    QgsProcessingOutputString,
    QgsProcessingParameterDistance,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ....core.case.model import DamageParams
from ....core.case.steps import control_samples, damage_for
from ....core.damage.adaptive import AdaptiveParams
from ...base import ReeAlgorithm
from ...compat import (
    FILE_BEHAVIOR_FOLDER,
    NUMBER_DOUBLE,
    SOURCE_VECTOR,
    SOURCE_VECTOR_POINT,
    SOURCE_VECTOR_POLYGON,
    WkbType,
    advanced,
    parameter_as_field_names,
)
from ..stages import Stages

OUTPUT_FILES = {
    "samples": "damaged_samples.gpkg",
    "summary": "damage_summary.csv",
    "signature": "leaching_signature.csv",
    "areas": "damaged_areas.gpkg",
    "union": "damaged_union.gpkg",
    "comparison": "method_comparison.csv",
    "second_round": "second_round_points.gpkg",
}


class DamageExtent(ReeAlgorithm):
    """Damage per sample against the baseline and damaged areas and volumes from the interpolated rasters."""

    SAMPLES = "SAMPLES"
    CONTROL_PATTERN = "CONTROL_PATTERN"
    LAYER_FIELD = "LAYER_FIELD"
    BASELINE = "BASELINE"
    ZONES = "ZONES"
    RASTER_FOLDER = "RASTER_FOLDER"
    THRESHOLD = "THRESHOLD"
    MIN_AREA = "MIN_AREA"
    PROBABILITIES = "PROBABILITIES"
    SURFACE_TOP = "SURFACE_TOP"
    SURFACE_BOTTOM = "SURFACE_BOTTOM"
    P_LOW = "P_LOW"
    P_HIGH = "P_HIGH"
    SPACING = "SPACING"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    OUTPUT_LAYERS = "OUTPUT_LAYERS"
    SUMMARY = "SUMMARY"
    DAMAGED_SAMPLES = "DAMAGED_SAMPLES"
    DAMAGED_AREAS = "DAMAGED_AREAS"
    DAMAGED_UNION = "DAMAGED_UNION"
    SUMMARY_TABLE = "SUMMARY_TABLE"
    SECOND_ROUND = "SECOND_ROUND"

    #: feature sink -> output of :class:`~ree_damage.core.damage.assess.DamageResult` written to it
    SINKS = {DAMAGED_SAMPLES: "samples", DAMAGED_AREAS: "areas", DAMAGED_UNION: "union", SUMMARY_TABLE: "summary",
             SECOND_ROUND: "second_round"}

    ZH_NAME = "损害范围"

    def name(self):
        return "damage_extent"

    def displayName(self):  # noqa: N802
        return self.tr("Damage extent")

    def groupId(self):  # noqa: N802
        return "damage"

    def helpText(self):  # noqa: N802
        return self.tr(
            "Compares every sample and indicator with its baseline: damage degree K = (C - B) / B (pH on the "
            "hydrogen-ion activity, K = 10^(B - C) - 1), confirmed where K exceeds the threshold (C more than "
            "20 % above B by default; the rule is written into every row). A value below its detection limit "
            "never counts as an exceedance; where the detection limit itself is above the baseline the sample "
            "is undecidable and left out of N. From the rasters of Interpolate it maps the damaged cells "
            "(prediction beyond the baseline) as polygons per indicator and functional zone, holes kept, and "
            "their union over indicators with the indicators exceeding there; areas in m2 per zone, depth "
            "layer and indicator, soil volumes = area x layer thickness in m3, and with kriging the area and "
            "volume where P(exceed) is at least 50, 80 and 95 %. The summary table (zone, layer, indicator, "
            "method, samples, exceedances, ratio, area, volume, at 50/80/95 %) is what valuation reads. Also "
            "written: the damaged-sample points, the leaching signature (NH4+-N, sulfate, REE sum, REO, pH "
            "drop) per sample, damage-degree rasters and the IDW and kriging areas and volumes side by side "
            "(method_comparison.csv), and second-round sampling points where P(exceed) lies between 20 and 80 % "
            "and no sample is within 40 m, ranked by uncertainty, ids <zone>-<nnn> numbered on; each file with "
            "provenance. Rasters in another CRS than the zones are refused."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        samples = QgsProcessingParameterFeatureSource(self.SAMPLES, self.tr("Lab results"), [SOURCE_VECTOR_POINT])
        samples.setHelp(self.tr("Output of Import lab results: sample points with a value and flag column per indicator."))
        self.addParameter(samples)
        pattern = QgsProcessingParameterString(self.CONTROL_PATTERN, self.tr("Control sample ids (regular expression)"),
                                               defaultValue="^CTRL-")
        pattern.setHelp(self.tr("Samples whose id matches are control samples and are not assessed."))
        self.addParameter(pattern)
        layer = QgsProcessingParameterField(self.LAYER_FIELD, self.tr("Depth layer field"),
                                            parentLayerParameterName=self.SAMPLES, optional=True)
        layer.setHelp(self.tr("The field the interpolation separated the layers by, values named '<top cm>-<bottom cm>' "
                              "(e.g. 0-50); empty: every sample is in the surface layer below."))
        self.addParameter(layer)
        baseline = QgsProcessingParameterFeatureSource(self.BASELINE, self.tr("Baseline table"), [SOURCE_VECTOR])
        baseline.setHelp(self.tr("The Baseline output: baseline, unit and source per indicator."))
        self.addParameter(baseline)
        zones = QgsProcessingParameterFeatureSource(self.ZONES, self.tr("Functional zones"), [SOURCE_VECTOR_POLYGON],
                                                    optional=True)
        zones.setHelp(self.tr("The Functional zones output (field zone): areas are given per zone. Needed with rasters."))
        self.addParameter(zones)
        folder = QgsProcessingParameterFile(self.RASTER_FOLDER, self.tr("Interpolated rasters (folder)"),
                                            behavior=FILE_BEHAVIOR_FOLDER, optional=True)
        folder.setHelp(self.tr("The output folder of Interpolate; without it only the samples are assessed."))
        self.addParameter(folder)
        defaults = DamageParams()
        threshold = QgsProcessingParameterNumber(self.THRESHOLD, self.tr("Confirmation threshold (K)"), NUMBER_DOUBLE,
                                                 defaults.threshold, minValue=0.0, maxValue=10.0)
        threshold.setHelp(self.tr("Damage is confirmed where K exceeds it; 0.2 means C more than 20 % above the baseline."))
        self.addParameter(threshold)
        top = QgsProcessingParameterNumber(self.SURFACE_TOP, self.tr("Surface layer top (m)"), NUMBER_DOUBLE,
                                           defaults.surface_top_m, minValue=0.0)
        top.setHelp(self.tr("Depth layer of samples and rasters without a depth layer field, top in m below ground."))
        self.addParameter(top)
        bottom = QgsProcessingParameterNumber(self.SURFACE_BOTTOM, self.tr("Surface layer bottom (m)"), NUMBER_DOUBLE,
                                              defaults.surface_bottom_m, minValue=0.01)
        bottom.setHelp(self.tr("Bottom in m below ground; the thickness turns damaged areas into soil volumes."))
        self.addParameter(bottom)
        area = QgsProcessingParameterDistance(self.MIN_AREA, self.tr("Minimum mapping unit (m2)"), defaults.min_area_m2,
                                              minValue=0.0)
        area.setHelp(self.tr("Damaged patches smaller than this area are dropped; 0 keeps every damaged cell."))
        self.addParameter(advanced(area))
        levels = QgsProcessingParameterString(self.PROBABILITIES, self.tr("Probability levels"),
                                              defaultValue=", ".join(f"{p:g}" for p in defaults.probabilities))
        levels.setHelp(self.tr("Levels of P(exceed) at which areas and volumes are also given, between 0 and 1."))
        self.addParameter(advanced(levels))
        second = AdaptiveParams()
        p_low = QgsProcessingParameterNumber(self.P_LOW, self.tr("Second round: P(exceed) from"), NUMBER_DOUBLE,
                                             second.p_low, minValue=0.0, maxValue=1.0)
        p_low.setHelp(self.tr("Second-round points are proposed where P(exceed) lies between these two levels and "
                              "no sample lies within the spacing, ranked by uncertainty."))
        self.addParameter(advanced(p_low))
        p_high = QgsProcessingParameterNumber(self.P_HIGH, self.tr("Second round: P(exceed) to"), NUMBER_DOUBLE,
                                              second.p_high, minValue=0.0, maxValue=1.0)
        p_high.setHelp(self.tr("Upper end of the uncertain band of P(exceed) (0.8 by default)."))
        self.addParameter(advanced(p_high))
        spacing = QgsProcessingParameterDistance(self.SPACING, self.tr("Second round: spacing (m)"), second.spacing_m,
                                                 minValue=0.1)
        spacing.setHelp(self.tr("No first-round sample within it, and proposals at least this far apart (the 40 m grid)."))
        self.addParameter(advanced(spacing))
        out = QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, self.tr("Output folder"))
        out.setHelp(self.tr("Damaged samples, damaged areas, their union, the summary and signature tables and the "
                            "damage-degree rasters, each with provenance."))
        self.addParameter(out)
        sinks = (
            (self.DAMAGED_AREAS, self.tr("Damaged areas"), SOURCE_VECTOR_POLYGON,
             self.tr("Damaged-area polygons per method, depth layer, indicator and zone (holes kept, dissolved): "
                     "cells, area_m2, thickness_m, volume_m3.")),
            (self.DAMAGED_UNION, self.tr("Damaged areas, union over indicators"), SOURCE_VECTOR_POLYGON,
             self.tr("Per method and depth layer one polygon per combination of exceeding indicators (field "
                     "indicators), area_m2 and volume_m3 counted once.")),
            (self.DAMAGED_SAMPLES, self.tr("Damaged samples"), SOURCE_VECTOR_POINT,
             self.tr("One point per sample and indicator: C, baseline and its source, K, status (confirmed, above, "
                     "not_above, undecidable), the rule.")),
            (self.SUMMARY_TABLE, self.tr("Damage summary"), SOURCE_VECTOR,
             self.tr("The summary table valuation reads (zone, layer, indicator, method, samples, exceedances, ratio, "
                     "area m2, volume m3, at 50/80/95 %), the same as damage_summary.csv in the output folder.")),
            (self.SECOND_ROUND, self.tr("Second-round sampling points"), SOURCE_VECTOR_POINT,
             self.tr("Proposed where P(exceed) lies in the uncertain band and no sample is near, ranked by "
                     "uncertainty; empty without kriging probability rasters.")),
        )
        for key, label, kind, help_text in sinks:
            sink = QgsProcessingParameterFeatureSink(key, label, kind, optional=True, createByDefault=True)
            sink.setHelp(help_text)
            self.addParameter(sink)
        self.addOutput(QgsProcessingOutputMultipleLayers(self.OUTPUT_LAYERS, self.tr("Damage layers")))
        self.addOutput(QgsProcessingOutputString(self.SUMMARY, self.tr("Damage summary table")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        stages = Stages(feedback, [self.tr("Reading the samples, baseline and zones"),
                                   self.tr("Confirming damage and measuring damaged areas"),
                                   self.tr("Writing the layers and tables")])
        step = stages.next()
        samples = self.read_source(parameters, self.SAMPLES, context, step, required=True)
        baseline = self.read_source(parameters, self.BASELINE, context, step, required=True)
        zones = self.read_source(parameters, self.ZONES, context, step)
        raster_folder = self.parameterAsFile(parameters, self.RASTER_FOLDER, context) or None
        if raster_folder and zones is None:
            raise QgsProcessingException(self.tr("Give the functional zones to measure damaged areas per zone."))
        try:
            levels = tuple(float(x) for x in self.parameterAsString(parameters, self.PROBABILITIES, context).split(",")
                           if x.strip())
        except ValueError as error:
            raise QgsProcessingException(self.tr("Probability levels: {0}").format(error)) from error
        params = DamageParams(
            threshold=self.parameterAsDouble(parameters, self.THRESHOLD, context),
            min_area_m2=self.parameterAsDouble(parameters, self.MIN_AREA, context),
            probabilities=levels,
            surface_top_m=self.parameterAsDouble(parameters, self.SURFACE_TOP, context),
            surface_bottom_m=self.parameterAsDouble(parameters, self.SURFACE_BOTTOM, context),
        )
        adaptive = AdaptiveParams(
            p_low=self.parameterAsDouble(parameters, self.P_LOW, context),
            p_high=self.parameterAsDouble(parameters, self.P_HIGH, context),
            spacing_m=self.parameterAsDouble(parameters, self.SPACING, context),
        )
        layer_field = (parameter_as_field_names(self, parameters, self.LAYER_FIELD, context) or [""])[0]
        pattern = self.parameterAsString(parameters, self.CONTROL_PATTERN, context)
        folder = Path(self.parameterAsString(parameters, self.OUTPUT_FOLDER, context))
        step = stages.next()
        progress, is_canceled = self.callbacks(step)
        with self.core_errors():
            assessed = samples.drop(index=control_samples(samples, pattern).index) if pattern else samples
            result = damage_for(
                assessed, baseline, zones, raster_folder, params, layer_field=layer_field,
                degree_dir=folder / "degree", adaptive=adaptive, progress=progress, is_canceled=is_canceled,
            )
        for path in (result.extent.rasters.values() if result.extent is not None else ()):
            self.track_output(path)  # written while computing: removed if the run stops now
        stages.next()
        folder.mkdir(parents=True, exist_ok=True)
        with self.core_errors():
            written = result.write(
                {name: folder / file for name, file in OUTPUT_FILES.items()},
                inputs={**self.input_paths(parameters, [self.SAMPLES, self.BASELINE, self.ZONES], context),
                        **({"rasters": raster_folder} if raster_folder else {})},
                host=self.host_info(),
            )
        for name, path in written.items():
            if not name.startswith("degree:"):
                self.track_output(path)
        self.push_warnings(feedback, result.warnings)
        # the Processing outputs: feature sinks (temporary layers in the dialog, chained in a model)
        frames = result.frames()
        sinks = {key: self._write_sink(parameters, key, context, frames[name], feedback)
                 for key, name in self.SINKS.items()}
        inputs = {**self.input_paths(parameters, [self.SAMPLES, self.BASELINE, self.ZONES], context),
                  **({"rasters": raster_folder} if raster_folder else {})}
        self.write_provenance([v for v in sinks.values() if v], result.provenance(inputs=inputs, host=self.host_info()))
        names = [name for name in ("areas", "union", "samples", "second_round") if name in written]
        layers = [str(written[name]) for name in names]
        given = {self.SINKS[key] for key, value in sinks.items() if value}
        for name, path in zip(names, layers):
            if name not in given:  # a layer written to a sink is loaded by QGIS already
                self.load_on_completion(context, path, Path(path).stem, self.OUTPUT_LAYERS)
        return {self.OUTPUT_FOLDER: str(folder), self.OUTPUT_LAYERS: layers, self.SUMMARY: str(written["summary"]),
                **{key: value for key, value in sinks.items() if value}}

    def _write_sink(self, parameters, key, context, frame, feedback):
        """A frame to its sink; an empty layer keeps its geometry type (a polygon output stays
        a polygon layer for the next algorithm of a model)."""
        from ...adapter import check_output_folder, crs_from_core, qgs_fields_for, remove_destination

        if parameters.get(key) is None:
            return None
        if len(frame):
            return self.write_sink(parameters, key, context, frame, feedback)
        kind = _EMPTY_TYPES[key]
        attributes = frame.drop(columns="geometry", errors="ignore")
        core_crs = getattr(frame, "crs", None) if kind != WkbType.NoGeometry else None
        crs = crs_from_core(core_crs) if core_crs is not None else QgsCoordinateReferenceSystem()
        check_output_folder(self.parameterAsOutputLayer(parameters, key, context), key)
        sink, dest_id = self.parameterAsSink(parameters, key, context, qgs_fields_for(attributes), kind, crs)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, key))
        try:
            del sink  # the empty layer, closed
        except BaseException:
            remove_destination(dest_id)
            raise
        self.track_output(dest_id)
        return dest_id


_EMPTY_TYPES = {
    DamageExtent.DAMAGED_SAMPLES: WkbType.Point,
    DamageExtent.DAMAGED_AREAS: WkbType.MultiPolygon,
    DamageExtent.DAMAGED_UNION: WkbType.MultiPolygon,
    DamageExtent.SUMMARY_TABLE: WkbType.NoGeometry,
    DamageExtent.SECOND_ROUND: WkbType.Point,
}
"""Geometry type of each sink when its layer is empty (all below the baseline, samples only)."""
