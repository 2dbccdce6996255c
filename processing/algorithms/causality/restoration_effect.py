"""Restoration-effect assessment: targets met by sample and by area, vegetation recovery, remaining damage."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputMultipleLayers,
    QgsProcessingOutputString,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)

from ....core.restoration.effect import RestorationParams, restoration_effect, targets_from_baseline
from ...adapter import raster_path
from ...base import ReeAlgorithm
from ...compat import (
    FILE_BEHAVIOR_FOLDER,
    NUMBER_DOUBLE,
    SOURCE_VECTOR_POINT,
    SOURCE_VECTOR_POLYGON,
    advanced,
)
from ..stages import Stages
from .lab_input import add_sheet_parameters, lab_table
from .styles import REMAINING_COLOURS, SAMPLE_STATUS_COLOURS, styled

OUTPUT_FILES = {
    "results": "restoration_results.csv",
    "samples": "restoration_samples.gpkg",
    "remaining": "remaining_damage.gpkg",
    "vegetation": "vegetation_recovery.csv",
    "section": "restoration_section.txt",
}


class RestorationEffect(ReeAlgorithm):
    """Post-restoration samples and imagery against the restoration targets (section 12 of the guideline)."""

    SAMPLES = "SAMPLES"
    SHEET = "SHEET"
    POINTS = "POINTS"
    TARGETS = "TARGETS"
    BASELINE = "BASELINE"
    ZONES = "ZONES"
    RASTER_FOLDER = "RASTER_FOLDER"
    MOSAIC = "MOSAIC"
    SAMPLED_ON = "SAMPLED_ON"
    RESTORATION_END = "RESTORATION_END"
    THICKNESS = "THICKNESS"
    BASELINE_COVER = "BASELINE_COVER"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    OUTPUT_LAYERS = "OUTPUT_LAYERS"
    RESULTS = "RESULTS"
    SECTION = "SECTION"

    ZH_NAME = "恢复效果评估"

    def name(self):
        return "restoration_effect"

    def displayName(self):  # noqa: N802
        return self.tr("Restoration effect")

    def groupId(self):  # noqa: N802
        return "valuation"

    def helpText(self):  # noqa: N802
        return self.tr(
            "Whether the restored site reached its targets (section 12 of the guideline). The target table "
            "(zone or ALL, indicator, target, unit, source, optional direction: max = not to exceed, min = to "
            "reach; pH and vegetation_cover default to min), or the baseline table of Baseline (primary "
            "restoration is back to baseline, guideline 10.2: each indicator's baseline becomes its target), "
            "is compared with the post-restoration samples, "
            "imported with Import lab results, by the damage rule with the target as baseline: below detection "
            "never exceeds, a detection limit beyond the target is undecidable. By sample: met where every "
            "decidable sample is on the target's side and none is undecidable. By area: with the rasters of "
            "Interpolate run on the post-restoration samples, the cells beyond the target (as Damage extent "
            "maps them); without them, each sample's nearest-sample polygon in its zone; met where that area is "
            "0 m2. With a post-restoration mosaic, the vegetation cover per zone and its ratio to the baseline "
            "cover. What remains damaged is written as polygons with area (m2) and soil volume (area x layer "
            "thickness, m3) for a supplementary restoration plan (12.5), with the result tables and a report "
            "section following 12.1-12.6; each file with provenance."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        samples = QgsProcessingParameterFeatureSource(self.SAMPLES, self.tr("Post-restoration lab results"),
                                                      [SOURCE_VECTOR_POINT], optional=True)
        samples.setHelp(self.tr("Output of Import lab results for the samples taken after restoration (or give their "
                                "sheet and points below); the zone comes from a zone field, the zones layer or the id."))
        self.addParameter(samples)
        add_sheet_parameters(self, self.SHEET, self.POINTS, self.tr("Post-restoration samples"))
        targets = QgsProcessingParameterFile(self.TARGETS, self.tr("Restoration targets (CSV or XLSX)"),
                                             optional=True)
        targets.setHelp(self.tr("Columns zone, indicator, target, unit, source and optionally direction (max/min). "
                                "Give this table, the baseline table below, or both."))
        self.addParameter(targets)
        baseline = QgsProcessingParameterFile(self.BASELINE, self.tr("Targets from the baseline table"),
                                              extension="csv", optional=True)
        baseline.setHelp(self.tr("The table of Baseline (baseline.csv): primary restoration returns the site to its "
                                 "baseline (guideline 10.2), so each of its indicators gets its baseline as the "
                                 "target in every zone (not above it; for pH, not below it). An indicator also in "
                                 "the target table keeps the target given there."))
        self.addParameter(baseline)
        zones = QgsProcessingParameterFeatureSource(self.ZONES, self.tr("Functional zones"), [SOURCE_VECTOR_POLYGON])
        zones.setHelp(self.tr("Output of Functional zones (field zone): the areas the targets apply to."))
        self.addParameter(zones)
        folder = QgsProcessingParameterFile(self.RASTER_FOLDER, self.tr("Interpolated rasters (folder)"),
                                            behavior=FILE_BEHAVIOR_FOLDER, optional=True)
        folder.setHelp(self.tr("Output folder of Interpolate on the post-restoration samples; without it the area "
                               "comes from nearest-sample polygons."))
        self.addParameter(folder)
        mosaic = QgsProcessingParameterRasterLayer(self.MOSAIC, self.tr("Post-restoration mosaic"), optional=True)
        mosaic.setHelp(self.tr("RGB or multispectral orthomosaic after restoration: vegetation cover per zone."))
        self.addParameter(mosaic)
        for key, label, text in (
            (self.SAMPLED_ON, self.tr("Sampling date"), self.tr("Day the post-restoration samples were taken.")),
            (self.RESTORATION_END, self.tr("Restoration completed"), self.tr("Day the restoration works ended.")),
        ):
            parameter = QgsProcessingParameterString(key, label, defaultValue="", optional=True)
            parameter.setHelp(text)
            self.addParameter(parameter)
        defaults = RestorationParams()
        thickness = QgsProcessingParameterNumber(self.THICKNESS, self.tr("Sampled layer thickness (m)"), NUMBER_DOUBLE,
                                                 defaults.thickness_m, minValue=0.01)
        thickness.setHelp(self.tr("Remaining damaged area x thickness = soil volume still to restore."))
        self.addParameter(thickness)
        cover = QgsProcessingParameterNumber(self.BASELINE_COVER, self.tr("Baseline vegetation cover (0-1)"),
                                             NUMBER_DOUBLE, defaults.baseline_cover, minValue=0.01, maxValue=1.0)
        cover.setHelp(self.tr("Vegetated share before the act: the reference of the recovery ratio."))
        self.addParameter(advanced(cover))
        out = QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, self.tr("Output folder"))
        out.setHelp(self.tr("Result tables, sample statuses, remaining damage and the report section."))
        self.addParameter(out)
        self.addOutput(QgsProcessingOutputMultipleLayers(self.OUTPUT_LAYERS, self.tr("Restoration layers")))
        self.addOutput(QgsProcessingOutputString(self.RESULTS, self.tr("Result table")))
        self.addOutput(QgsProcessingOutputString(self.SECTION, self.tr("Report section")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        stages = Stages(feedback, [self.tr("Reading the samples, targets and zones"),
                                   self.tr("Comparing with the targets"),
                                   self.tr("Writing the tables and layers")])
        step = stages.next()
        samples = lab_table(self, parameters, context, step, self.SAMPLES, self.SHEET, self.POINTS)
        zones = self.read_source(parameters, self.ZONES, context, step, required=True)
        targets = self.parameterAsFile(parameters, self.TARGETS, context) or None
        baseline = self.parameterAsFile(parameters, self.BASELINE, context) or None
        if targets is None and baseline is None:
            raise QgsProcessingException(self.tr("Give the restoration targets, the baseline table, or both."))
        raster_folder = self.parameterAsFile(parameters, self.RASTER_FOLDER, context) or None
        mosaic_layer = self.parameterAsRasterLayer(parameters, self.MOSAIC, context)
        mosaic = raster_path(mosaic_layer, context) if mosaic_layer is not None else None
        params = RestorationParams(
            thickness_m=self.parameterAsDouble(parameters, self.THICKNESS, context),
            baseline_cover=self.parameterAsDouble(parameters, self.BASELINE_COVER, context),
        )
        folder = Path(self.parameterAsString(parameters, self.OUTPUT_FOLDER, context))
        step = stages.next()
        progress, is_canceled = self.callbacks(step)
        with self.core_errors():
            target_table = targets_from_baseline(baseline, given=targets) if baseline else targets
            result = restoration_effect(
                samples, target_table, zones, raster_folder=raster_folder, mosaic=mosaic,
                sampled_on=self.parameterAsString(parameters, self.SAMPLED_ON, context).strip(),
                restoration_end=self.parameterAsString(parameters, self.RESTORATION_END, context).strip(),
                params=params, progress=progress, is_canceled=is_canceled,
            )
        stages.next()
        folder.mkdir(parents=True, exist_ok=True)
        inputs = self.input_paths(parameters, [self.SAMPLES, self.POINTS, self.ZONES], context)
        sheet = self.parameterAsFile(parameters, self.SHEET, context) or None
        inputs.update({key: value for key, value in (("targets", targets), ("baseline", baseline),
                                                     ("rasters", raster_folder), ("sheet", sheet),
                                                     ("mosaic", mosaic)) if value})
        with self.core_errors():
            written = result.write({name: folder / file for name, file in OUTPUT_FILES.items()}, inputs=inputs,
                                   host=self.host_info())
        for path in written.values():
            self.track_output(path)
        self.push_warnings(feedback, result.warnings)
        layers = [str(written[name]) for name in ("remaining", "samples") if name in written]
        for path in layers:
            details = context.LayerDetails(Path(path).stem, self.output_project(context), self.OUTPUT_LAYERS)
            if path == str(written.get("remaining")):
                styled(details, "kind", REMAINING_COLOURS)
            else:
                styled(details, "status", SAMPLE_STATUS_COLOURS)
            context.addLayerToLoadOnCompletion(path, details)
        return {self.OUTPUT_FOLDER: str(folder), self.OUTPUT_LAYERS: layers, self.RESULTS: str(written["results"]),
                self.SECTION: str(written["section"])}
