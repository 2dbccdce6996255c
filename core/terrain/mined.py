"""The mined_volume step: DEM difference (cut/fill by both methods) and, when blocks or
zones and a grade source are given, the block-method resource estimate with its annex tables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..common.progress import CancelFn, ProgressFn, Steps
from ..common.provenance import describe_input
from .blocks import BlockParams, ResourceResult, block_resources
from .volume import VolumeParams, VolumeResult, dem_difference

OUTPUT_FILES = {
    "cut_fill": "cut_fill.tif",
    "contours": "dz_contours.gpkg",
    "volumes": "volumes.csv",
    "workbook": "resource_annex.xlsx",
    "table3": "annex3_block_area_grade_thickness.csv",
    "table4": "annex4_block_resources.csv",
    "table5": "annex5_resource_summary.csv",
    "blocks": "resource_blocks.gpkg",
}
"""Output name -> file name in the output folder."""


@dataclass
class MinedVolume:
    """Volumes (and resources, when estimated) of one run."""

    volume: VolumeResult
    resources: Optional[ResourceResult] = None

    @property
    def warnings(self) -> list:
        return list(self.volume.warnings) + (list(self.resources.warnings) if self.resources else [])

    def write(self, folder=None, *, paths=None, inputs=None, host=None) -> dict:
        """Write every output (:data:`OUTPUT_FILES` in ``folder``, or as ``paths`` names them).

        Returns
        -------
        dict
            Name -> pathlib.Path written.
        """
        chosen = dict(paths) if paths is not None else {k: Path(folder) / v for k, v in OUTPUT_FILES.items()}
        # each input file hashed once, not once per writer (the DEMs are hundreds of MB)
        inputs = {name: describe_input(value) if isinstance(value, (str, os.PathLike)) else value
                  for name, value in (inputs or {}).items()}
        volume_keys = ("cut_fill", "contours", "volumes")
        written = self.volume.write({k: chosen.get(k) for k in volume_keys}, inputs=inputs, host=host)
        if self.resources is not None:
            written.update(self.resources.write({k: v for k, v in chosen.items() if k not in volume_keys},
                                                inputs=inputs, host=host))
        return written


def mined_volume(
    dem_before,
    dem_after,
    boundary=None,
    *,
    blocks=None,
    zones=None,
    samples=None,
    grade_raster=None,
    volume_params: Optional[VolumeParams] = None,
    block_params: Optional[BlockParams] = None,
    work_dir=None,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> MinedVolume:
    """Cut and fill between two DEMs and, given blocks (or zones) and a grade, the resource per block.

    See :func:`ree_damage.core.terrain.volume.dem_difference` and
    :func:`ree_damage.core.terrain.blocks.block_resources` for the parameters; the blocks
    are checked against the DEM's extent. Without samples or a grade raster, or without
    blocks and zones, only the volumes are computed.
    """
    steps = Steps(progress, [9, 1])
    volume = dem_difference(dem_before, dem_after, boundary, params=volume_params, work_dir=work_dir,
                            progress=steps.stage(0), is_canceled=is_canceled)
    resources = None
    try:
        if (blocks is not None or zones is not None) and (samples is not None or grade_raster is not None):
            resources = block_resources(blocks, zones=zones, samples=samples, grade_raster=grade_raster,
                                        dem_bounds=volume.dem_bounds, dem_crs=volume.crs, params=block_params,
                                        progress=steps.stage(1), is_canceled=is_canceled)
    except BaseException:
        volume.discard()
        raise
    return MinedVolume(volume, resources)
