"""The one adapter between QGIS layers and core objects.

QGIS side: feature sources (file layers, memory layers, selections, any CRS), raster
layers, feature sinks. Core side: GeoDataFrames and raster files that rasterio reads.
Every conversion between the two happens here and nowhere else.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureRequest,
    QgsFields,
    QgsGeometry,
    QgsProcessingException,
    QgsProcessingUtils,
    QgsRasterFileWriter,
    QgsRasterPipe,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QVariant

from .base import tr
from .compat import SinkFlag, WkbType, make_field, raster_writer_succeeded


# ------------------------------------------------------------------------------ CRS
def crs_to_core(crs: QgsCoordinateReferenceSystem):
    """A QGIS CRS as pyproj understands it (``"EPSG:xxxx"`` where possible, else WKT)."""
    if not crs.isValid():
        return None
    authid = crs.authid()
    if authid.upper().startswith("EPSG:"):
        return authid
    return crs.toWkt()


def crs_from_core(crs_like) -> QgsCoordinateReferenceSystem:
    """A pyproj CRS (or EPSG code / string) as a QgsCoordinateReferenceSystem."""
    from pyproj import CRS

    crs = CRS.from_user_input(crs_like)
    epsg = crs.to_epsg()
    if epsg is not None:
        return QgsCoordinateReferenceSystem(f"EPSG:{epsg}")
    return QgsCoordinateReferenceSystem.fromWkt(crs.to_wkt())


# --------------------------------------------------------------------- values
def _to_python(value):
    """A QGIS attribute value as a plain Python value (NULL -> None)."""
    if value is None:
        return None
    if isinstance(value, QVariant):
        return None if value.isNull() else value.value()
    if isinstance(value, QDateTime):
        return value.toPyDateTime() if value.isValid() else None
    if isinstance(value, QDate):
        return value.toPyDate() if value.isValid() else None
    return value


def _from_python(value):
    """A plain / numpy value as something QgsFeature.setAttributes accepts."""
    if value is None:
        return None
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        return QDateTime(value.to_pydatetime()) if not pd.isna(value) else None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


# ----------------------------------------------------------------- vector in
def source_to_gdf(source, layer_name: str = "layer", request: QgsFeatureRequest | None = None, feedback=None):
    """Read a QgsFeatureSource (or vector layer) into a GeoDataFrame.

    Selections ("selected features only") are honoured by Processing before the source
    reaches here. The CRS is kept; core reprojects into the CGCS2000 zone. The QGIS
    feature id is kept in the column ``fid`` so errors can name the feature.
    """
    if source is None:
        raise QgsProcessingException(tr("Could not load source layer '{0}'").format(layer_name))
    fields = source.fields()
    names = [f.name() for f in fields]
    wkbs, rows, fids = [], [], []
    features = source.getFeatures(request or QgsFeatureRequest())
    for feature in features:
        if feedback is not None and feedback.isCanceled():
            break
        geometry = feature.geometry()
        wkbs.append(bytes(geometry.asWkb()) if not geometry.isNull() else None)
        rows.append([_to_python(v) for v in feature.attributes()])
        fids.append(feature.id())
    geometries = shapely.from_wkb(np.array(wkbs, dtype=object)) if wkbs else np.array([], dtype=object)
    frame = pd.DataFrame(rows, columns=names)
    if "fid" in frame.columns:
        frame = frame.rename(columns={"fid": "fid_source"})
    frame.insert(0, "fid", np.array(fids, dtype=np.int64))
    crs = crs_to_core(source.sourceCrs())
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometries, crs=crs), crs=crs)


def layer_to_gdf(layer, feedback=None):
    """Read a QgsVectorLayer into a GeoDataFrame (see :func:`source_to_gdf`)."""
    return source_to_gdf(layer, layer.name(), feedback=feedback)


# ----------------------------------------------------------------- vector out
_INFERRED_KINDS = {
    "integer": "int64",
    "floating": "double",
    "mixed-integer-float": "double",
    "decimal": "double",
    "boolean": "bool",
    "datetime64": "datetime",
    "datetime": "datetime",
    "date": "date",
}


def field_kind(series: pd.Series) -> str:
    """The portable field kind of a column; object columns by the values they hold
    (so an integer column with missing values stays numeric, not text)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int64"
    if pd.api.types.is_float_dtype(dtype):
        return "double"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if series.isna().all():
        return "string"
    return _INFERRED_KINDS.get(pd.api.types.infer_dtype(series, skipna=True), "string")


def qgs_fields_for(frame: pd.DataFrame) -> QgsFields:
    """QgsFields matching the non-geometry columns of a DataFrame."""
    fields = QgsFields()
    for name in frame.columns:
        if name == getattr(frame, "_geometry_column_name", "geometry"):
            continue
        fields.append(make_field(str(name), field_kind(frame[name])))
    return fields


_WKB_BY_NAME = {
    "Point": WkbType.Point,
    "MultiPoint": WkbType.MultiPoint,
    "LineString": WkbType.LineString,
    "MultiLineString": WkbType.MultiLineString,
    "Polygon": WkbType.Polygon,
    "MultiPolygon": WkbType.MultiPolygon,
}


def wkb_type_for(gdf) -> object:
    """The layer geometry type for a GeoDataFrame (promoted to multi if any part is)."""
    kinds = set(gdf.geom_type.dropna().unique())
    if not kinds:
        return WkbType.NoGeometry
    bases = {k.replace("Multi", "") for k in kinds}
    if len(bases) > 1:
        raise QgsProcessingException(tr("Cannot write mixed geometry types {0} to one layer").format(sorted(kinds)))
    base = bases.pop()
    multi = any(k.startswith("Multi") for k in kinds)
    return _WKB_BY_NAME[("Multi" if multi else "") + base]


def gdf_to_sink(algorithm, parameters, key, context, gdf, feedback=None):
    """Write a GeoDataFrame (or plain DataFrame) to the feature sink parameter ``key``.

    Returns the destination id to put in the algorithm's results.
    """
    is_spatial = isinstance(gdf, gpd.GeoDataFrame)
    attributes = gdf.drop(columns=gdf.geometry.name) if is_spatial else gdf
    fields = qgs_fields_for(attributes)
    wkb_type = wkb_type_for(gdf) if is_spatial else WkbType.NoGeometry
    crs = crs_from_core(gdf.crs) if is_spatial and gdf.crs is not None else QgsCoordinateReferenceSystem()
    sink, dest_id = algorithm.parameterAsSink(parameters, key, context, fields, wkb_type, crs)
    if sink is None:
        raise QgsProcessingException(algorithm.invalidSinkError(parameters, key))
    wkbs = shapely.to_wkb(gdf.geometry.values, include_srid=False) if is_spatial else None
    promote = is_spatial and QgsWkbTypes.isMultiType(wkb_type)
    values = attributes.to_numpy(dtype=object)
    for index, row in enumerate(values):
        feature = QgsFeature(fields)
        feature.setAttributes([_from_python(v) for v in row])
        if is_spatial and wkbs[index] is not None:
            geometry = QgsGeometry()
            geometry.fromWkb(wkbs[index])
            if promote:
                geometry.convertToMultiType()
            feature.setGeometry(geometry)
        if not sink.addFeature(feature, SinkFlag.FastInsert):
            raise QgsProcessingException(algorithm.writeFeatureError(sink, parameters, key))
        if feedback is not None and index % 5000 == 0 and feedback.isCanceled():
            break
    return dest_id


# ----------------------------------------------------------------- rasters
def raster_path(layer, context=None, feedback=None) -> str:
    """A file path rasterio can read for a QgsRasterLayer.

    GDAL-backed layers give their own file; anything else (WMS, memory, virtual) is
    written to a temporary GeoTIFF first.
    """
    if layer is None:
        raise QgsProcessingException(tr("No raster layer given"))
    if layer.providerType() == "gdal":
        source = layer.source().split("|")[0]
        if Path(source).exists():
            return source
    folder = QgsProcessingUtils.tempFolder() if context is not None else tempfile.mkdtemp()
    target = str(Path(folder) / f"{layer.id()}.tif")
    writer = QgsRasterFileWriter(target)
    writer.setOutputFormat("GTiff")
    pipe = QgsRasterPipe()
    provider = layer.dataProvider()
    if not pipe.set(provider.clone()):
        raise QgsProcessingException(tr("Cannot read raster layer '{0}'").format(layer.name()))
    error = writer.writeRaster(pipe, provider.xSize(), provider.ySize(), provider.extent(), provider.crs())
    if not raster_writer_succeeded(error):
        raise QgsProcessingException(tr("Cannot export raster layer '{0}' ({1})").format(layer.name(), error))
    return target


def layer_source_path(layer) -> str:
    """The file behind a layer (without ``|layername=`` and such), for provenance."""
    if layer is None:
        return ""
    return layer.source().split("|")[0]
