"""Damaged vegetation from a drone orthomosaic: index, threshold, polygons per functional zone, accuracy."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingParameterBand,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
)

from ....core.imagery.vegetation import OTSU_SOURCES, VegetationParams, vegetation_damage
from ...adapter import raster_path
from ...base import ReeAlgorithm
from ...compat import (
    NUMBER_DOUBLE,
    NUMBER_INTEGER,
    SOURCE_VECTOR,
    SOURCE_VECTOR_POINT,
    SOURCE_VECTOR_POLYGON,
    advanced,
    parameter_as_field_names,
)
from ..stages import Stages
from .input_hashes import InputHashes

INDICES = ("exg", "exgr", "gli", "vari", "ndvi")
BAND_ROLES = ("red", "green", "blue", "nir", "alpha")


class VegetationDamage(ReeAlgorithm):
    """Bare (damaged) vegetation in the case area from an orthomosaic, block by block."""

    INPUT = "INPUT"
    INDEX = "INDEX"
    RED, GREEN, BLUE, NIR, ALPHA = "RED_BAND", "GREEN_BAND", "BLUE_BAND", "NIR_BAND", "ALPHA_BAND"
    THRESHOLD_METHOD = "THRESHOLD_METHOD"
    THRESHOLD = "THRESHOLD"
    OTSU_SOURCE = "OTSU_SOURCE"
    CLEANUP = "CLEANUP_PX"
    MIN_AREA = "MIN_AREA"
    BEFORE = "BEFORE"
    BEFORE_KIND = "BEFORE_KIND"
    CASE_AREA = "CASE_AREA"
    ZONES = "ZONES"
    CHECK_POINTS = "CHECK_POINTS"
    LABEL_FIELD = "LABEL_FIELD"
    OUTPUT = "OUTPUT"
    SUMMARY = "SUMMARY"
    ACCURACY = "ACCURACY"
    INDEX_RASTER = "INDEX_RASTER"
    FOREST_AREA_LOST = "FOREST_AREA_LOST_M2"
    THRESHOLD_USED = "THRESHOLD_USED"
    KAPPA = "KAPPA"

    ZH_NAME = "影像植被破坏识别"

    def name(self):
        return "vegetation_damage"

    def displayName(self):  # noqa: N802
        return self.tr("Vegetation damage (imagery)")

    def groupId(self):  # noqa: N802
        return "damage"

    def helpText(self):  # noqa: N802
        return self.tr(
            "Maps the bare (damaged) ground in the case area from a drone orthomosaic: a vegetation index (ExG, "
            "ExGR, GLI/VDVI or VARI from red, green and blue; NDVI with a near-infrared band), thresholded by Otsu's "
            "method on the index histogram of every valid cell inside the case area (summed block by block; or, faster "
            "on a large mosaic, of an overview of about 16 million cells, stated in the outputs) or at a "
            "given value; a 3 x 3 opening and closing removes speckle, GDAL's sieve filter drops patches and holes "
            "below the minimum mapping unit, and GDAL's Polygonize draws the polygons. With a mosaic from before the "
            "act (or an earlier vegetation mask) only cells vegetated before and bare after count. The mosaic is read "
            "block by block, so any size works; nodata and alpha are respected. Outputs: polygons with their area "
            "in m2 per functional zone, the area table per zone and for the case area, the forest area lost, the "
            "index raster, and with labelled check points the confusion matrix, overall accuracy, kappa, "
            "producer's and user's accuracy."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        mosaic = QgsProcessingParameterRasterLayer(self.INPUT, self.tr("Orthomosaic"))
        mosaic.setHelp(self.tr("RGB, RGBA or multispectral GeoTIFF, 8 or 16 bit, any CRS."))
        self.addParameter(mosaic)
        index = QgsProcessingParameterEnum(self.INDEX, self.tr("Vegetation index"),
                                           options=["ExG", "ExGR", "GLI / VDVI", "VARI", "NDVI"], defaultValue=0)
        index.setHelp(self.tr("ExG = 2g - r - b on chromatic coordinates; NDVI needs a near-infrared band."))
        self.addParameter(index)
        labels = {self.RED: self.tr("Red band"), self.GREEN: self.tr("Green band"), self.BLUE: self.tr("Blue band"),
                  self.NIR: self.tr("Near-infrared band"), self.ALPHA: self.tr("Alpha band")}
        for key, label in labels.items():
            band = QgsProcessingParameterBand(key, label, parentLayerParameterName=self.INPUT, optional=True)
            band.setHelp(self.tr("Left empty: taken from the file's colour interpretation or band description."))
            self.addParameter(advanced(band))
        method = QgsProcessingParameterEnum(self.THRESHOLD_METHOD, self.tr("Threshold"),
                                            options=[self.tr("Otsu (from the image)"), self.tr("Given value")],
                                            defaultValue=0)
        method.setHelp(self.tr("Cells whose index is below the threshold are bare."))
        self.addParameter(method)
        source = QgsProcessingParameterEnum(self.OTSU_SOURCE, self.tr("Otsu's histogram from"),
                                            options=[self.tr("Every cell (streamed block by block)"),
                                                     self.tr("An overview (about 16 Mpx; faster on large mosaics)")],
                                            defaultValue=0)
        source.setHelp(self.tr("Every valid cell inside the case area, or a reading of the mosaic reduced to about "
                               "16 million cells (the file's overview where one fits); the output states which."))
        self.addParameter(advanced(source))
        value = QgsProcessingParameterNumber(self.THRESHOLD, self.tr("Threshold value (given)"), NUMBER_DOUBLE,
                                             defaultValue=0.0)
        value.setHelp(self.tr("Used when the threshold is given; dimensionless index units."))
        self.addParameter(value)
        cleanup = QgsProcessingParameterNumber(self.CLEANUP, self.tr("Clean-up radius (cells)"), NUMBER_INTEGER,
                                               defaultValue=VegetationParams().cleanup_px, minValue=0, maxValue=10)
        cleanup.setHelp(self.tr("Morphological opening then closing with a 3 x 3 square, repeated this many times."))
        self.addParameter(advanced(cleanup))
        min_area = QgsProcessingParameterNumber(self.MIN_AREA, self.tr("Minimum mapping unit (m2)"), NUMBER_DOUBLE,
                                                defaultValue=VegetationParams().min_area_m2, minValue=0.0)
        min_area.setHelp(self.tr("Bare patches and vegetated holes smaller than this are merged into their surroundings."))
        self.addParameter(min_area)
        before = QgsProcessingParameterRasterLayer(self.BEFORE, self.tr("Before the act (mosaic or vegetation mask)"),
                                                   optional=True)
        before.setHelp(self.tr("Change mode: only cells vegetated on this image and bare on the orthomosaic count."))
        self.addParameter(before)
        kind = QgsProcessingParameterEnum(self.BEFORE_KIND, self.tr("The before image is"),
                                          options=[self.tr("A mosaic (same index and bands)"),
                                                   self.tr("A vegetation mask (non-zero = vegetated)")],
                                          defaultValue=0)
        kind.setHelp(self.tr("How the before image is read."))
        self.addParameter(kind)
        area = QgsProcessingParameterFeatureSource(self.CASE_AREA, self.tr("Case area"), [SOURCE_VECTOR_POLYGON])
        area.setHelp(self.tr("Only the cells inside are classified; the mosaic must overlap it."))
        self.addParameter(area)
        zones = QgsProcessingParameterFeatureSource(self.ZONES, self.tr("Functional zones"), [SOURCE_VECTOR_POLYGON],
                                                    optional=True)
        zones.setHelp(self.tr("The Functional zones output (field zone): the damaged area is given per zone."))
        self.addParameter(zones)
        points = QgsProcessingParameterFeatureSource(self.CHECK_POINTS, self.tr("Labelled check points"),
                                                     [SOURCE_VECTOR_POINT], optional=True)
        points.setHelp(self.tr("Points a technician labelled damaged or intact: gives the accuracy table."))
        self.addParameter(points)
        label = QgsProcessingParameterField(self.LABEL_FIELD, self.tr("Label field"), defaultValue="label",
                                            parentLayerParameterName=self.CHECK_POINTS, optional=True)
        label.setHelp(self.tr("damaged / intact (also bare / vegetated, 1 / 0, 破坏 / 未破坏)."))
        self.addParameter(label)
        out = QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Damaged vegetation"), SOURCE_VECTOR_POLYGON)
        out.setHelp(self.tr("One polygon per bare patch and functional zone, with its area in m2."))
        self.addParameter(out)
        summary = QgsProcessingParameterFeatureSink(self.SUMMARY, self.tr("Damaged area per zone"), SOURCE_VECTOR,
                                                    optional=True)
        summary.setHelp(self.tr("Zone area, damaged area (m2) and share per zone, outside the zones and in the case area."))
        self.addParameter(summary)
        table = QgsProcessingParameterFeatureSink(self.ACCURACY, self.tr("Accuracy (confusion matrix)"), SOURCE_VECTOR,
                                                  optional=True)
        table.setHelp(self.tr("Confusion matrix, user's and producer's accuracy, overall accuracy and kappa."))
        self.addParameter(table)
        raster = QgsProcessingParameterRasterDestination(self.INDEX_RASTER, self.tr("Vegetation index raster"),
                                                         optional=True)
        raster.setHelp(self.tr("Float32, tiled, compressed, with overviews; nodata outside the case area."))
        self.addParameter(raster)
        self.addOutput(QgsProcessingOutputNumber(self.FOREST_AREA_LOST, self.tr("Forest area lost (m2)")))
        self.addOutput(QgsProcessingOutputNumber(self.THRESHOLD_USED, self.tr("Threshold used")))
        self.addOutput(QgsProcessingOutputNumber(self.KAPPA, self.tr("Kappa")))

    def _bands(self, parameters, context):
        found = {}
        for role, key in zip(BAND_ROLES, (self.RED, self.GREEN, self.BLUE, self.NIR, self.ALPHA)):
            if parameters.get(key) not in (None, "", 0):
                found[role] = self.parameterAsInt(parameters, key, context)
        return found

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        stages = Stages(feedback, [self.tr("Reading the case area, zones and check points"),
                                   self.tr("Classifying the mosaic block by block"),
                                   self.tr("Writing the polygons, tables and index raster")])
        step = stages.next()
        mosaic_layer = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        mosaic = raster_path(mosaic_layer, context, step)
        before_layer = self.parameterAsRasterLayer(parameters, self.BEFORE, context)
        before = raster_path(before_layer, context, step) if before_layer is not None else None
        area = self.read_source(parameters, self.CASE_AREA, context, step, required=True)
        zones = self.read_source(parameters, self.ZONES, context, step)
        points = self.read_source(parameters, self.CHECK_POINTS, context, step)
        label_field = (parameter_as_field_names(self, parameters, self.LABEL_FIELD, context) or ["label"])[0]
        params = VegetationParams(
            index=INDICES[self.parameterAsEnum(parameters, self.INDEX, context)],
            threshold_method=("otsu", "given")[self.parameterAsEnum(parameters, self.THRESHOLD_METHOD, context)],
            threshold=self.parameterAsDouble(parameters, self.THRESHOLD, context),
            otsu_source=OTSU_SOURCES[self.parameterAsEnum(parameters, self.OTSU_SOURCE, context)],
            cleanup_px=self.parameterAsInt(parameters, self.CLEANUP, context),
            min_area_m2=self.parameterAsDouble(parameters, self.MIN_AREA, context),
            bands=self._bands(parameters, context),
            label_field=label_field,
        )
        # the inputs' SHA-256 for the provenance, once (a 20,000 x 20,000 mosaic is 1.2 GB: 1.5 CPU s), on a
        # thread while the mosaic is classified (hashlib leaves the GIL), read when the outputs are written
        input_keys = [self.INPUT, self.BEFORE, self.CASE_AREA, self.ZONES, self.CHECK_POINTS]
        hashing = InputHashes(self.input_paths(parameters, input_keys, context))
        step = stages.next()
        progress, is_canceled = self.callbacks(step)
        try:
            result = self._classify(mosaic, area, zones, before, points, params, mosaic_layer, before_layer,
                                    parameters, context, progress, is_canceled)
        except BaseException:
            hashing.abandon()
            raise
        inputs = hashing.result()
        self.push_warnings(feedback, result.warnings)
        feedback.pushInfo(self.tr("Threshold {0} ({1}); forest area lost {2} m2").format(
            f"{result.threshold:.4f}", params.threshold_method, f"{result.forest_area_lost_m2:.1f}"))
        if result.accuracy is not None:
            feedback.pushInfo(self.tr("Accuracy at {0} check points: overall {1}, kappa {2}").format(
                result.accuracy.n, f"{result.accuracy.overall:.3f}", f"{result.accuracy.kappa:.3f}"))
        step = stages.next()
        try:
            outputs = {
                self.OUTPUT: self.write_sink(parameters, self.OUTPUT, context, result.polygons, step),
                self.SUMMARY: self.write_sink(parameters, self.SUMMARY, context, result.summary, step),
                self.ACCURACY: self.write_sink(parameters, self.ACCURACY, context,
                                               result.accuracy.table() if result.accuracy is not None else None,
                                               step),
            }
            index_path = self.parameterAsOutputLayer(parameters, self.INDEX_RASTER, context)
            if parameters.get(self.INDEX_RASTER) is not None and index_path:
                index_inputs = {key: value for key, value in inputs.items()
                                if key in (self.INPUT.lower(), self.BEFORE.lower())}
                with self.core_errors():
                    written = result.write({"index": index_path}, host=self.host_info(), inputs=index_inputs)
                outputs[self.INDEX_RASTER] = str(written["index"])
            record = result.provenance(inputs=inputs, host=self.host_info())
            self.write_provenance([v for k, v in outputs.items() if k != self.INDEX_RASTER], record)
        finally:
            result.close()
        outputs.update({
            self.FOREST_AREA_LOST: result.forest_area_lost_m2,
            self.THRESHOLD_USED: result.threshold,
            self.KAPPA: result.accuracy.kappa if result.accuracy is not None else None,
        })
        if self.INDEX_RASTER in outputs and Path(outputs[self.INDEX_RASTER]).is_file():
            self.load_on_completion(context, outputs[self.INDEX_RASTER], self.tr("Vegetation index"), self.INDEX_RASTER)
        return outputs

    def _classify(self, mosaic, area, zones, before, points, params, mosaic_layer, before_layer, parameters, context,
                  progress, is_canceled):
        with self.core_errors():
            return vegetation_damage(
                mosaic, area, zones, before=before,
                before_kind=("mosaic", "mask")[self.parameterAsEnum(parameters, self.BEFORE_KIND, context)],
                check_points=points, params=params,
                layer_names={"mosaic": mosaic_layer.name(), "before": before_layer.name() if before_layer else "",
                             "area": self._layer_label(parameters, self.CASE_AREA, context),
                             "check_points": self._layer_label(parameters, self.CHECK_POINTS, context)
                             if points is not None else ""},
                progress=progress, is_canceled=is_canceled,
            )
