"""Reproject layers into the CGCS2000 Gauss-Kruger zone picked from their extent."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputMultipleLayers,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMultipleLayers,
)

from ....core.case.steps import reproject_to_zone
from ....core.geo.crs import zone_from_epsg
from ...adapter import crs_to_core, layer_source_path, source_to_gdf
from ...base import ReeAlgorithm
from ...compat import SOURCE_VECTOR_ANY, advanced
from ..stages import Stages


class ToCgcs2000(ReeAlgorithm):
    """Reproject vector layers into one CGCS2000 3-degree (or 6-degree) zone."""

    LAYERS = "LAYERS"
    ZONE_WIDTH = "ZONE_WIDTH"
    PREFIXED = "PREFIXED"
    TARGET_CRS = "TARGET_CRS"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    OUTPUT_LAYERS = "OUTPUT_LAYERS"
    ZONE_CRS = "ZONE_CRS"

    ZH_NAME = "转换到2000国家大地坐标系分带"

    def name(self):
        return "to_cgcs2000"

    def displayName(self):  # noqa: N802
        return self.tr("Reproject to CGCS2000 zone")

    def groupId(self):  # noqa: N802
        return "tools"

    def helpText(self):  # noqa: N802
        return self.tr(
            "Reprojects one or more vector layers into the CGCS2000 Gauss-Kruger zone picked "
            "from the centre of their combined extent (3-degree zones EPSG:4534-4554 by default), "
            "so every layer lands in the same zone and areas and distances are measured in metres. "
            "Point layers get CGCS2000 longitude and latitude fields in decimal degrees and in "
            "degrees-minutes-seconds for the field team. Each layer is written to a GeoPackage in "
            "the output folder with a provenance record beside it."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        layers = QgsProcessingParameterMultipleLayers(
            self.LAYERS, self.tr("Layers to reproject"), SOURCE_VECTOR_ANY
        )
        layers.setHelp(self.tr("Vector layers in any CRS; a layer without a CRS is refused."))
        self.addParameter(layers)

        width = QgsProcessingParameterEnum(
            self.ZONE_WIDTH, self.tr("Zone width"), options=[self.tr("3 degrees"), self.tr("6 degrees")], defaultValue=0
        )
        width.setHelp(self.tr("3-degree zones are the norm for large-scale survey maps (1:500 to 1:10 000)."))
        self.addParameter(width)

        prefixed = QgsProcessingParameterBoolean(
            self.PREFIXED, self.tr("Zone number as easting prefix"), defaultValue=False
        )
        prefixed.setHelp(self.tr("Use the CRS whose eastings carry the zone number (e.g. 38 500 000 m)."))
        advanced(prefixed)
        self.addParameter(prefixed)

        target = QgsProcessingParameterCrs(self.TARGET_CRS, self.tr("Zone CRS (overrides the automatic choice)"), optional=True)
        target.setHelp(self.tr("A CGCS2000 Gauss-Kruger CRS (EPSG:4491-4554); leave empty to pick from the extent."))
        advanced(target)
        self.addParameter(target)

        folder = QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, self.tr("Output folder"))
        folder.setHelp(self.tr("One GeoPackage per layer, named <layer>_cgcs2000.gpkg, plus provenance."))
        self.addParameter(folder)

        self.addOutput(QgsProcessingOutputMultipleLayers(self.OUTPUT_LAYERS, self.tr("Reprojected layers")))
        self.addOutput(QgsProcessingOutputString(self.ZONE_CRS, self.tr("Zone CRS")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        layers = self.parameterAsLayerList(parameters, self.LAYERS, context)
        if not layers:
            raise QgsProcessingException(self.tr("No layer given."))
        width = (3, 6)[self.parameterAsEnum(parameters, self.ZONE_WIDTH, context)]
        prefixed = self.parameterAsBoolean(parameters, self.PREFIXED, context)
        target = self.parameterAsCrs(parameters, self.TARGET_CRS, context)
        folder = Path(self.parameterAsString(parameters, self.OUTPUT_FOLDER, context))

        stages = Stages(feedback, [self.tr("Reading the layers"), self.tr("Reprojecting and writing the layers")])
        step = stages.next()
        frames, sources, names = {}, {}, []
        for layer in layers:
            name = _unique_name(layer.name(), names)
            names.append(name)
            frames[name] = source_to_gdf(layer, name, feedback=step)
            sources[name] = layer_source_path(layer) or layer.name()
            stages.check_canceled()
        stages.next()
        with self.core_errors():
            zone = None
            if target.isValid():
                authid = crs_to_core(target)
                if not authid.upper().startswith("EPSG:"):
                    raise QgsProcessingException(self.tr("Choose a CGCS2000 Gauss-Kruger CRS (EPSG:4491-4554)."))
                zone = zone_from_epsg(int(authid.split(":")[1]))
            result = reproject_to_zone(frames, sources=sources, zone=zone, width=width, prefixed=prefixed)
            written = result.write(folder, host=self.host_info())
        outputs = []
        for name, path in written.items():
            outputs.append(str(path))
            feedback.pushInfo(self.tr("Wrote {0} ({1} features) in {2}").format(
                path, len(result.layers[name]), result.zone.authid))
        for path in outputs:
            self.load_on_completion(context, path, Path(path).stem, self.OUTPUT_LAYERS)
        return {self.OUTPUT_FOLDER: str(folder), self.OUTPUT_LAYERS: outputs, self.ZONE_CRS: result.zone.authid}


def _unique_name(name: str, taken: list) -> str:
    candidate, counter = name, 2
    while candidate in taken:
        candidate, counter = f"{name}_{counter}", counter + 1
    return candidate
