"""Mined volume from DEMs before and after, and the block-method resource estimate."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterVectorDestination,
)

from ....core.terrain.blocks import BlockParams
from ....core.terrain.mined import OUTPUT_FILES, mined_volume
from ....core.terrain.volume import RESAMPLING_METHODS, VolumeParams
from ...adapter import RasterFileParameter, raster_parameter_path
from ...base import ReeAlgorithm
from ...compat import NUMBER_DOUBLE, SOURCE_VECTOR_POINT, SOURCE_VECTOR_POLYGON, advanced
from ..stages import Stages
from .input_hashes import InputHashes


class MinedVolume(ReeAlgorithm):
    """Cut and fill by the cell and the grid (方格网) method; resource per block."""

    DEM_BEFORE = "DEM_BEFORE"
    DEM_AFTER = "DEM_AFTER"
    BOUNDARY = "BOUNDARY"
    GRID_SPACING = "GRID_SPACING"
    RESAMPLING = "RESAMPLING"
    CONTOUR_INTERVAL = "CONTOUR_INTERVAL"
    BLOCKS = "BLOCKS"
    ZONES = "ZONES"
    SAMPLES = "SAMPLES"
    GRADE_RASTER = "GRADE_RASTER"
    BLOCK_SIZE = "BLOCK_SIZE"
    THICKNESS = "THICKNESS"
    DENSITY = "DENSITY"
    CUT_FILL = "CUT_FILL"
    CONTOURS = "CONTOURS"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    CUT = "CUT"
    FILL = "FILL"
    GRID_CUT = "GRID_CUT"
    GRID_FILL = "GRID_FILL"
    REO_TONNES = "REO_TONNES"

    ZH_NAME = "开采方量与资源量估算"

    def name(self):
        return "mined_volume"

    def displayName(self):  # noqa: N802
        return self.tr("Mined volume and resources")

    def groupId(self):  # noqa: N802
        return "damage"

    def helpText(self):  # noqa: N802
        return self.tr(
            "Differences the DEMs after and before mining inside the boundary, block by block with bounded memory: "
            "cut and fill by the cell method (sum of the height change x cell area) and by the grid method with "
            "corner, edge and interior weights 1, 2 and 4 at the chosen spacing, both figures with their difference. "
            "DEMs on different grids or CRSs are resampled to the finer grid (the method is stated); a DEM in "
            "feet is converted and a height change above 200 m warns. Writes the cut/fill raster (negative = cut), "
            "its contours and a volume table. With blocks (or functional zones, whose INJ zone is split on a grid) "
            "and lab results or a kriged REO raster, estimates the resource by the block method: area x mean ore "
            "thickness x dry density x mean grade (REO from the element results with the oxide factors), and "
            "writes the annex tables 3-5 of the report (area, grade and thickness per block; resource per block; "
            "summary) as XLSX and CSV. A zero or negative thickness, a grade above 100 %, a density outside "
            "1-3 t/m3 or a block outside the DEM is refused, naming the block."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        for key, label, help_text in (
            (self.DEM_BEFORE, self.tr("DEM before mining"), self.tr("Heights in m (1985 height datum), projected CRS.")),
            (self.DEM_AFTER, self.tr("DEM after mining"), self.tr("Heights in m; resampled to the finer grid if the grids differ.")),
        ):
            dem = RasterFileParameter(key, label)
            dem.setHelp(help_text)
            self.addParameter(dem)
        self.add_source(self.BOUNDARY, self.tr("Boundary"), [SOURCE_VECTOR_POLYGON],
                        self.tr("Volumes are counted inside these polygons (the case area or the mined area)."),
                        optional=False)
        volume = VolumeParams()
        spacing = QgsProcessingParameterNumber(self.GRID_SPACING, self.tr("Grid method spacing (m)"), NUMBER_DOUBLE,
                                               volume.grid_spacing_m, minValue=0.1)
        spacing.setHelp(self.tr("Side of a square of the grid (方格网) method; 10 m by default."))
        self.addParameter(spacing)
        resampling = QgsProcessingParameterEnum(self.RESAMPLING, self.tr("Resampling of a DEM on another grid"),
                                                options=[self.tr("Bilinear"), self.tr("Nearest neighbour"),
                                                         self.tr("Cubic")], defaultValue=0)
        resampling.setHelp(self.tr("How the coarser DEM is resampled onto the finer grid; recorded."))
        self.addParameter(advanced(resampling))
        contours = QgsProcessingParameterNumber(self.CONTOUR_INTERVAL, self.tr("Contour interval (m)"), NUMBER_DOUBLE,
                                                volume.contour_interval_m, minValue=0.0)
        contours.setHelp(self.tr("Interval of the contours of the height change; 0 writes none."))
        self.addParameter(contours)
        self.add_source(self.BLOCKS, self.tr("Resource blocks"), [SOURCE_VECTOR_POLYGON],
                        self.tr("Block polygons with block_id and optional thickness_m, density_t_m3 and category."))
        self.add_source(self.ZONES, self.tr("Functional zones"), [SOURCE_VECTOR_POLYGON],
                        self.tr("Without blocks, the INJ zone is split on a grid into blocks."))
        self.add_source(self.SAMPLES, self.tr("Lab results"), [SOURCE_VECTOR_POINT],
                        self.tr("Element columns La ... Y in mg/kg; a block's grade is the mean REO of its samples."))
        grade = RasterFileParameter(self.GRADE_RASTER, self.tr("Kriged REO raster (mg/kg)"), optional=True)
        grade.setHelp(self.tr("Used instead of the samples: a block's grade is the raster's mean over it."))
        self.addParameter(grade)
        blocks = BlockParams()
        for key, label, default, low, help_text in (
            (self.BLOCK_SIZE, self.tr("Block size (m)"), blocks.block_size_m, 1.0,
             self.tr("Side of the grid squares the INJ zone is split into.")),
            (self.THICKNESS, self.tr("Ore thickness (m)"), blocks.thickness_m, None,
             self.tr("For blocks without a thickness_m value; replace the default by the drilling logs.")),
            (self.DENSITY, self.tr("Dry density (t/m3)"), blocks.density_t_m3, None,
             self.tr("For blocks without a density_t_m3 value; 1.6 t/m3 by default.")),
        ):
            number = QgsProcessingParameterNumber(key, label, NUMBER_DOUBLE, default)
            if low is not None:
                number.setMinimum(low)
            number.setHelp(help_text)
            self.addParameter(number)
        cut_fill = QgsProcessingParameterRasterDestination(self.CUT_FILL, self.tr("Cut/fill raster"))
        cut_fill.setHelp(self.tr("Height change after - before (m): negative = cut, positive = fill."))
        self.addParameter(cut_fill)
        lines = QgsProcessingParameterVectorDestination(self.CONTOURS, self.tr("Contours of the height change"),
                                                        optional=True, createByDefault=True)
        lines.setHelp(self.tr("GeoPackage of contour lines, level in dz_m; level 0 separates cut from fill."))
        self.addParameter(lines)
        folder = QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, self.tr("Output folder for the tables"))
        folder.setHelp(self.tr("volumes.csv, resource_annex.xlsx, the annex tables as CSV and the blocks."))
        self.addParameter(folder)
        for key, label in ((self.CUT, self.tr("Cut, cell method (m3)")), (self.FILL, self.tr("Fill, cell method (m3)")),
                           (self.GRID_CUT, self.tr("Cut, grid method (m3)")),
                           (self.GRID_FILL, self.tr("Fill, grid method (m3)")),
                           (self.REO_TONNES, self.tr("REO resource (t)"))):
            self.addOutput(QgsProcessingOutputNumber(key, label))

    def add_source(self, key, label, types, help_text, optional=True):
        from qgis.core import QgsProcessingParameterFeatureSource

        parameter = QgsProcessingParameterFeatureSource(key, label, types, optional=optional)
        parameter.setHelp(help_text)
        self.addParameter(parameter)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        stages = Stages(feedback, [self.tr("Reading the inputs"), self.tr("Differencing the DEMs and estimating the resource"),
                                   self.tr("Writing the outputs")])
        step = stages.next()
        before = raster_parameter_path(self, parameters, self.DEM_BEFORE, context, required=True)
        after = raster_parameter_path(self, parameters, self.DEM_AFTER, context, required=True)
        boundary = self.read_source(parameters, self.BOUNDARY, context, step, required=True)
        blocks = self.read_source(parameters, self.BLOCKS, context, step)
        zones = self.read_source(parameters, self.ZONES, context, step)
        samples = self.read_source(parameters, self.SAMPLES, context, step)
        grade = raster_parameter_path(self, parameters, self.GRADE_RASTER, context)
        cut_fill = Path(self.parameterAsOutputLayer(parameters, self.CUT_FILL, context))
        contours = self.parameterAsOutputLayer(parameters, self.CONTOURS, context) if parameters.get(self.CONTOURS) else None
        folder = Path(self.parameterAsString(parameters, self.OUTPUT_FOLDER, context))
        volume_params = VolumeParams(
            grid_spacing_m=self.parameterAsDouble(parameters, self.GRID_SPACING, context),
            resampling=RESAMPLING_METHODS[self.parameterAsEnum(parameters, self.RESAMPLING, context)],
            contour_interval_m=self.parameterAsDouble(parameters, self.CONTOUR_INTERVAL, context),
        )
        block_params = BlockParams(
            block_size_m=self.parameterAsDouble(parameters, self.BLOCK_SIZE, context),
            thickness_m=self.parameterAsDouble(parameters, self.THICKNESS, context),
            density_t_m3=self.parameterAsDouble(parameters, self.DENSITY, context),
        )
        # the inputs' SHA-256 for the provenance on a thread while the DEMs are differenced
        inputs = {"dem_before": before, "dem_after": after,
                  **self.input_paths(parameters, [self.BOUNDARY, self.BLOCKS, self.ZONES, self.SAMPLES], context)}
        if grade is not None:
            inputs["grade_raster"] = grade
        hashing = InputHashes(inputs)
        step = stages.next()
        progress, is_canceled = self.callbacks(step)
        cut_fill.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self.core_errors():
                result = mined_volume(before, after, boundary, blocks=blocks, zones=zones, samples=samples,
                                      grade_raster=grade, volume_params=volume_params, block_params=block_params,
                                      work_dir=cut_fill.parent, progress=progress, is_canceled=is_canceled)
        except BaseException:
            hashing.abandon()
            raise
        inputs = hashing.result()
        self.push_warnings(feedback, result.warnings)
        volume = result.volume
        feedback.pushInfo(self.tr("Cut {0:.1f} m3, fill {1:.1f} m3 (cell method); cut {2:.1f} m3, fill {3:.1f} m3 "
                                  "(grid method)").format(volume.cut_m3, volume.fill_m3, volume.grid_cut_m3,
                                                          volume.grid_fill_m3))
        stages.next()
        paths = {name: folder / file for name, file in OUTPUT_FILES.items()}
        paths["cut_fill"] = cut_fill
        paths["contours"] = Path(contours.split("|")[0]) if contours else None
        with self.core_errors():
            written = result.write(paths=paths, inputs=inputs, host=self.host_info())
        outputs = {self.CUT_FILL: str(written["cut_fill"]), self.OUTPUT_FOLDER: str(folder),
                   self.CUT: volume.cut_m3, self.FILL: volume.fill_m3, self.GRID_CUT: volume.grid_cut_m3,
                   self.GRID_FILL: volume.grid_fill_m3,
                   self.REO_TONNES: result.resources.totals["reo_t"] if result.resources is not None else None}
        if "contours" in written:
            outputs[self.CONTOURS] = str(written["contours"])
        return {key: value for key, value in outputs.items() if value is not None}
