"""Vector output: GeoPackage written atomically and reproducibly.

GeoPackage stores a "last change" timestamp per table; it is fixed (to
``SOURCE_DATE_EPOCH`` when set, else 2000-01-01) so that the same inputs give the same
bytes. The real run time lives in the provenance sidecar.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

from ..common.atomic import atomic_path


def reproducible_timestamp() -> str:
    """The timestamp written into file formats that demand one (ISO 8601, UTC)."""
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "946684800"))
    return _dt.datetime.fromtimestamp(epoch, tz=_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_gpkg_layers(path, layers: dict, descriptions: dict | None = None) -> Path:
    """Write one or more GeoDataFrames into one GeoPackage, atomically.

    Parameters
    ----------
    path : path-like
        Target ``.gpkg`` file; replaced only when every layer was written.
    layers : dict of str -> geopandas.GeoDataFrame
        Layer name to data, written in the given order.
    descriptions : dict of str -> str, optional
        Layer description stored in the GeoPackage metadata (``gpkg_contents``).
    """
    import pyogrio

    target = Path(path)
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": reproducible_timestamp()})
    try:
        with atomic_path(target) as tmp:
            for name, frame in layers.items():
                options = {}
                if descriptions and name in descriptions:
                    options["DESCRIPTION"] = descriptions[name]
                pyogrio.write_dataframe(
                    frame, tmp, layer=name, driver="GPKG", append=tmp.exists(), layer_options=options
                )
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
    return target
