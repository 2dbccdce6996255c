"""Write the embedded synthetic sample case into a folder and load it."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessingOutputMultipleLayers,
    QgsProcessingOutputString,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
)

from ....sample_case import generate_sample_case
from ...base import ReeAlgorithm
from ...compat import NUMBER_DOUBLE, NUMBER_INTEGER, advanced
from ..stages import Stages


class SampleCase(ReeAlgorithm):
    """The synthetic in-situ leaching site used by the demo, the tests and training."""

    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    SCALE = "SCALE"
    SEED = "SEED"
    OUTPUT_LAYERS = "OUTPUT_LAYERS"
    CASE_FILE = "CASE_FILE"

    ZH_NAME = "示例案例（合成数据）"

    def name(self):
        return "sample_case"

    def displayName(self):  # noqa: N802
        return self.tr("Sample case (synthetic)")

    def groupId(self):  # noqa: N802
        return "tools"

    def helpText(self):  # noqa: N802
        return self.tr(
            "Writes a synthetic but realistic illegal in-situ leaching site in southern Jiangxi "
            "(about 115.0 E, 25.0 N; CGCS2000 3-degree zone CM 114E, EPSG:4547): case boundary, "
            "injection holes, collection ditches, settling ponds, preparation pools, control area, "
            "DEMs before and after mining, a drone orthomosaic, sampled points and a lab result sheet "
            "(CSV and XLSX, with values below detection limit), and a case file. Every file is marked "
            "synthetic. The same seed and scale always give the same bytes. Use it to learn the "
            "workflow and to check an installation; never as evidence."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        folder = QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, self.tr("Output folder"))
        folder.setHelp(self.tr("Folder that receives the case files; existing files of the same name are replaced."))
        self.addParameter(folder)

        scale = QgsProcessingParameterNumber(
            self.SCALE, self.tr("Scale factor (area)"), NUMBER_DOUBLE, defaultValue=1.0, minValue=0.5, maxValue=1000.0
        )
        scale.setHelp(self.tr("Multiplies the site area; 1 gives about 7 ha. Large factors are for benchmarks."))
        advanced(scale)
        self.addParameter(scale)

        seed = QgsProcessingParameterNumber(
            self.SEED, self.tr("Random seed"), NUMBER_INTEGER, defaultValue=20260315, minValue=0
        )
        seed.setHelp(self.tr("The same seed and scale give byte-identical files."))
        advanced(seed)
        self.addParameter(seed)

        self.addOutput(QgsProcessingOutputMultipleLayers(self.OUTPUT_LAYERS, self.tr("Sample case layers")))
        self.addOutput(QgsProcessingOutputString(self.CASE_FILE, self.tr("Case file")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        folder = Path(self.parameterAsString(parameters, self.OUTPUT_FOLDER, context))
        scale = self.parameterAsDouble(parameters, self.SCALE, context)
        seed = self.parameterAsInt(parameters, self.SEED, context)
        stages = Stages(feedback, [self.tr("Writing the synthetic sample case"),
                                   self.tr("Adding the layers to the project")])
        progress, is_canceled = self.callbacks(stages.next())
        with self.core_errors():
            paths = generate_sample_case(folder, scale=scale, seed=seed, progress=progress, is_canceled=is_canceled)
        stages.next()
        layers = self._load_on_completion(paths, context)
        for key, path in sorted(paths.items()):
            feedback.pushInfo(f"{key}: {path}")
        return {
            self.OUTPUT_FOLDER: str(folder),
            self.OUTPUT_LAYERS: layers,
            self.CASE_FILE: str(paths.get("case_file", "")),
        }

    def layer_labels(self) -> dict:
        """The names the sample case's layers get in the project, in the user's language."""
        return {
            "case_boundary": self.tr("Case boundary"),
            "prep_pools": self.tr("Leaching agent preparation pools"),
            "injection_holes": self.tr("Injection holes"),
            "collection_ditches": self.tr("Collection ditches"),
            "settling_ponds": self.tr("Settling ponds"),
            "control_area": self.tr("Control area"),
            "stream": self.tr("Stream"),
            "access_road": self.tr("Access road"),
            "sample_points": self.tr("Sampled points"),
            "control_points": self.tr("Control sampling points"),
            "bare_ground_truth": self.tr("Bare ground check polygons"),
            "soil_layers": self.tr("Soil layers"),
            "dem_before": self.tr("DEM before mining"),
            "dem_after": self.tr("DEM after mining"),
            "ortho": self.tr("Drone orthomosaic"),
        }

    def _load_on_completion(self, paths, context):
        import pyogrio

        labels = self.layer_labels()
        uris = []
        vectors = paths.get("vectors")
        if vectors:
            for layer_name, _geometry_type in pyogrio.list_layers(str(vectors)):
                uris.append((f"{vectors}|layername={layer_name}", labels.get(str(layer_name), str(layer_name))))
        for key in ("dem_before", "dem_after", "ortho"):
            if paths.get(key):
                uris.append((str(paths[key]), labels[key]))
        for uri, label in uris:
            self.load_on_completion(context, uri, label, self.OUTPUT_LAYERS)
        return [uri for uri, _ in uris]
