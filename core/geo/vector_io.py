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


def write_frame(path, frame, layer: str | None = None) -> Path:
    """Write one table where the caller decided (no rename here): GeoPackage or CSV by suffix.

    ``.gpkg`` keeps the geometry (layer named ``layer`` or the file stem, reproducible
    timestamp); any other suffix writes CSV in UTF-8 with BOM (Excel reads the Chinese
    text), geometry dropped. Used inside an atomic transaction on its temporary path.

    Parameters
    ----------
    path : path-like
        Target file; its suffix picks the format.
    frame : pandas.DataFrame or geopandas.GeoDataFrame
    layer : str, optional
        GeoPackage layer name.
    """
    target = Path(path)
    if target.suffix.lower() == ".gpkg":
        write_gpkg_layers(target, {layer or target.stem: frame})
    else:
        frame.drop(columns="geometry", errors="ignore").to_csv(
            target, index=False, encoding="utf-8-sig", lineterminator="\n"
        )
    return target
