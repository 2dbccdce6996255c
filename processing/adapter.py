"""The one adapter between QGIS layers and core objects.

QGIS side: feature sources (file layers, memory layers, selections, any CRS), raster
layers, feature sinks. Core side: GeoDataFrames and raster files that rasterio reads.
Every conversion between the two happens here and nowhere else.
"""

from __future__ import annotations

import contextlib
import math
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from qgis.core import (
    QgsAbstractGeometry,
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureRequest,
    QgsFields,
    QgsGeometry,
    QgsProcessingException,
    QgsProcessingParameterRasterLayer,
    QgsProcessingUtils,
    QgsRasterFileWriter,
    QgsRasterPipe,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QVariant

from .base import tr
from .compat import SinkFlag, WkbType, make_field, raster_writer_succeeded


# ----------------------------------------------------------------------- cancel
class ProcessingCanceled(QgsProcessingException):
    """The user canceled the run: raised instead of returning a partial result, so that
    Processing reports the run as failed and nothing half-done reaches a file."""


def canceled_error() -> ProcessingCanceled:
    """The cancellation error, its message in the user's language."""
    return ProcessingCanceled(tr("Canceled: nothing was written."))


def raise_if_canceled(feedback) -> None:
    """Raise :func:`canceled_error` if ``feedback`` (any QgsFeedback, or None) was canceled."""
    if feedback is not None and feedback.isCanceled():
        raise canceled_error()


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
    feature id is kept in the column ``fid`` so errors can name the feature. A cancel
    during the read raises :class:`ProcessingCanceled` (never a truncated frame).
    """
    if source is None:
        raise QgsProcessingException(tr("Could not load source layer '{0}'").format(layer_name))
    from osgeo import ogr

    from ..core.geo.vector_io import CURVE_MAX_DEVIATION_M, ogr_curves_kept

    fields = source.fields()
    names = [f.name() for f in fields]
    wkbs, rows, fids, curved = [], [], [], []
    # GEOS (shapely) holds no arcs: curves become straight segments at most 1 cm from them
    # (the same share of a degree, 0.01 / 111 320, in a geographic CRS), noted by prepare_layer
    tolerance = CURVE_MAX_DEVIATION_M / (111_320.0 if source.sourceCrs().isGeographic() else 1.0)
    max_difference = QgsAbstractGeometry.SegmentationToleranceType.MaximumDifference
    with ogr_curves_kept():
        # arcs as the file holds them (a pyogrio call before may have turned OGR's flag off:
        # GDAL would then cut them at 4 degrees, unnoted)
        ogr.SetNonLinearGeometriesEnabledFlag(True)
        features = source.getFeatures(request or QgsFeatureRequest())
        for count, feature in enumerate(features):
            if count % 1000 == 0:
                raise_if_canceled(feedback)
            geometry = feature.geometry()
            if geometry.isNull():
                wkbs.append(None)
            else:
                if QgsWkbTypes.isCurvedType(geometry.wkbType()):
                    geometry = QgsGeometry(geometry.constGet().segmentize(tolerance, max_difference))
                    curved.append(feature.id())
                wkbs.append(bytes(geometry.asWkb()))
            rows.append([_to_python(v) for v in feature.attributes()])
            fids.append(feature.id())
    raise_if_canceled(feedback)
    geometries = shapely.from_wkb(np.array(wkbs, dtype=object)) if wkbs else np.array([], dtype=object)
    frame = pd.DataFrame(rows, columns=names)
    if "fid" in frame.columns:
        frame = frame.rename(columns={"fid": "fid_source"})
    frame.insert(0, "fid", np.array(fids, dtype=np.int64))
    crs = crs_to_core(source.sourceCrs())
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometries, crs=crs), crs=crs)
    if curved:
        gdf.attrs["curves_segmentized"] = {"layer": layer_name, "ids": curved, "max_deviation_m": CURVE_MAX_DEVIATION_M}
    if len(gdf) and crs is not None:
        # before any geometry work: latitudes beyond 90 degrees (swapped lat/lon) named as such;
        # an empty layer, no CRS and the CRS's area of use are checked by core, where needed
        from ..core.common.errors import InputError
        from ..core.geo.layers import check_crs_and_coordinates
        from .messages import message_text

        try:
            check_crs_and_coordinates(gdf, layer_name, require_crs=False, check_area=False)
        except InputError as error:
            raise QgsProcessingException(message_text(error)) from error
    return gdf


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

    Returns the destination id to put in the algorithm's results. QGIS makes the sink
    (so it decides the file, layer name, CRS, field types and whether the layer is loaded
    when the run completes); when that is a new single-layer GeoPackage, the features are
    then written into it by GDAL in one call (see :func:`direct_gpkg_layer`), else they go
    through the sink in batches. A cancel or an error while writing removes what this
    call wrote and raises (:class:`ProcessingCanceled` for a cancel).
    """
    is_spatial = isinstance(gdf, gpd.GeoDataFrame)
    attributes = gdf.drop(columns=gdf.geometry.name) if is_spatial else gdf
    fields = qgs_fields_for(attributes)
    wkb_type = wkb_type_for(gdf) if is_spatial else WkbType.NoGeometry
    crs = crs_from_core(gdf.crs) if is_spatial and gdf.crs is not None else QgsCoordinateReferenceSystem()
    raise_if_canceled(feedback)
    check_output_folder(algorithm.parameterAsOutputLayer(parameters, key, context), key)
    sink, dest_id = algorithm.parameterAsSink(parameters, key, context, fields, wkb_type, crs)
    if sink is None:
        raise QgsProcessingException(algorithm.invalidSinkError(parameters, key))
    try:
        direct = gpkg_ready_frame(gdf, wkb_type) if is_spatial else None
        if direct is not None:
            del sink  # close the empty layer QGIS made, so GDAL can take the file
            sink = None
            target = direct_gpkg_layer(dest_id)
            if target is None:  # not a file of its own: the sink after all
                sink, dest_id = algorithm.parameterAsSink(parameters, key, context, fields, wkb_type, crs)
                if sink is None:
                    raise QgsProcessingException(algorithm.invalidSinkError(parameters, key))
            else:
                raise_if_canceled(feedback)
                write_gpkg_direct(direct, *target)
                raise_if_canceled(feedback)
                return dest_id
        _add_features(algorithm, parameters, key, sink, fields, gdf, attributes, wkb_type, feedback)
        del sink  # flush and close here, inside the try: a failed close is a failed write
        sink = None
        raise_if_canceled(feedback)
    except BaseException:
        sink = None  # noqa: F841 - closes the sink before its file is removed
        remove_destination(dest_id)
        raise
    return dest_id


_SINK_BATCH = 10_000


def _add_features(algorithm, parameters, key, sink, fields, gdf, attributes, wkb_type, feedback) -> None:
    """Features into a QGIS sink, column values converted once per column, in batches."""
    is_spatial = isinstance(gdf, gpd.GeoDataFrame)
    wkbs = shapely.to_wkb(gdf.geometry.values, include_srid=False) if is_spatial else None
    promote = is_spatial and QgsWkbTypes.isMultiType(wkb_type)
    columns = [sink_values(attributes[name]) for name in attributes.columns]
    rows = list(zip(*columns)) if columns else [()] * len(attributes)
    for start in range(0, len(rows), _SINK_BATCH):
        raise_if_canceled(feedback)
        batch = []
        for index in range(start, min(start + _SINK_BATCH, len(rows))):
            feature = QgsFeature(fields)
            feature.setAttributes(list(rows[index]))
            if is_spatial and wkbs[index] is not None:
                geometry = QgsGeometry()
                geometry.fromWkb(wkbs[index])
                if promote:
                    geometry.convertToMultiType()
                feature.setGeometry(geometry)
            batch.append(feature)
        if not sink.addFeatures(batch, SinkFlag.FastInsert):
            raise QgsProcessingException(algorithm.writeFeatureError(sink, parameters, key))


def sink_values(series: pd.Series) -> list:
    """The values of a column as QgsFeature.setAttributes takes them (NULL as None).

    The same conversion as value by value (``_from_python``), made once per column for
    the numeric types: 0.25 M values per second become 10 M.
    """
    values = series.to_numpy()
    if values.dtype.kind in "iub":
        return values.tolist()  # Python int / bool
    if values.dtype.kind == "f":
        out = values.tolist()
        for index in np.flatnonzero(np.isnan(values)).tolist():
            out[index] = None
        return out
    out = values.tolist() if values.dtype == object else list(values)
    for index, value in enumerate(out):
        if value.__class__ is not str:
            out[index] = _from_python(value)
    return out


# ------------------------------------------------------------- direct GeoPackage
_GPKG_KIND_DTYPES = {"int64": "Int64", "double": "float64", "bool": "boolean"}


def gpkg_ready_frame(gdf, wkb_type):
    """``gdf`` as GDAL must get it to write what the QGIS sink would, or None when
    some column could come out different (then the sink is used).

    Every column gets the type :func:`field_kind` gives the sink (an integer column
    with gaps is a nullable Int64, not text); geometries are promoted to multi when the
    layer type is. Not taken: no features, a column named ``fid`` (the GeoPackage key),
    dates and times, text columns holding other values, Z or M coordinates, empty
    geometries (the sink writes them as NULL).
    """
    if len(gdf) == 0 or gdf.crs is None:
        return None
    geometry_name = gdf.geometry.name
    columns = {}
    for name in gdf.columns:
        if name == geometry_name:
            continue
        if str(name).lower() == "fid":
            return None
        series = gdf[name]
        kind = field_kind(series)
        if kind == "string":
            if pd.api.types.infer_dtype(series, skipna=True) not in ("string", "empty"):
                return None
            columns[str(name)] = series.astype(object).where(series.notna(), None)
        elif kind in _GPKG_KIND_DTYPES:
            wanted = _GPKG_KIND_DTYPES[kind]
            if kind == "int64" and pd.api.types.is_integer_dtype(series.dtype) and not series.hasnans:
                columns[str(name)] = series.astype("int64")
            elif kind == "bool" and series.dtype == bool:
                columns[str(name)] = series
            else:
                columns[str(name)] = series.astype(wanted) if kind != "double" else pd.to_numeric(series)
        else:
            return None
    geometries = gdf.geometry.values
    present = ~shapely.is_missing(np.asarray(geometries))
    if shapely.has_z(np.asarray(geometries)[present]).any() or shapely.is_empty(np.asarray(geometries)).any():
        return None
    if QgsWkbTypes.isMultiType(wkb_type):
        geometries = _promoted_to_multi(np.asarray(geometries))
    # by position: the frame's own index (a filtered subset, e.g. the flow cells) must not
    # be aligned against the new 0..n-1 index, which would turn every value into NULL
    columns = {name: series.reset_index(drop=True) for name, series in columns.items()}
    frame = gpd.GeoDataFrame(
        columns, geometry=gpd.GeoSeries(np.asarray(geometries), crs=gdf.crs), index=range(len(gdf))
    )
    return frame


def _promoted_to_multi(geometries: np.ndarray) -> np.ndarray:
    """Single-part geometries as one-part multi geometries (what convertToMultiType does)."""
    out = geometries.copy()
    for single, make in (
        (shapely.GeometryType.POINT, shapely.multipoints),
        (shapely.GeometryType.LINESTRING, shapely.multilinestrings),
        (shapely.GeometryType.POLYGON, shapely.multipolygons),
    ):
        index = np.flatnonzero(shapely.get_type_id(geometries) == single)
        if len(index):
            out[index] = make(geometries[index], indices=np.arange(len(index)))
    return out


def direct_gpkg_layer(dest_id: str):
    """``(path, layer, info)`` when the sink destination is a GeoPackage file that holds
    only the (still empty) layer QGIS just made, else None.

    A layer added to an existing multi-layer GeoPackage keeps going through the sink:
    the direct write replaces the whole file.
    """
    import pyogrio

    text = str(dest_id)
    path_text, _, options = text.partition("|")
    if not path_text.lower().endswith(".gpkg") or ":" in path_text[2:] or (options and not options.startswith("layername=")):
        return None
    path = Path(path_text)
    if not path.is_file():
        return None
    layers = pyogrio.list_layers(path)
    if len(layers) != 1:
        return None
    layer = str(layers[0][0])
    if options and options[len("layername="):] != layer:
        return None
    info = pyogrio.read_info(path, layer=layer)
    if info["features"] != 0:
        return None
    return path, layer, info


def write_gpkg_direct(frame, path: Path, layer: str, info: dict) -> None:
    """Replace the GeoPackage ``path`` by one holding ``frame`` as ``layer``, atomically,
    with the geometry column, key and geometry type of the layer QGIS made there."""
    import pyogrio

    from ..core.common.atomic import atomic_path

    options = {"GEOMETRY_NAME": info.get("geometry_name") or "geom", "FID": info.get("fid_column") or "fid"}
    with atomic_path(path) as tmp:
        pyogrio.write_dataframe(
            frame, tmp, layer=layer, driver="GPKG", geometry_type=info["geometry_type"],
            promote_to_multi=False, layer_options=options,
        )


def check_output_folder(destination, key: str) -> None:
    """Refuse an output file in a folder that does not exist, naming the folder (GDAL's own
    words are "sqlite3_open(...) failed: unable to open database file")."""
    path = destination_file(destination)
    if path is None or not path.is_absolute() or path.parent.is_dir():
        return
    raise QgsProcessingException(
        tr("The folder of output {0} does not exist: {1}. Create it, or choose another place for {2}.").format(
            key, str(path.parent), path.name
        )
    )


# ------------------------------------------------------------------ cleanup
def destination_file(dest_id) -> Path | None:
    """The file behind a sink destination id, None for memory or database outputs."""
    if not dest_id:
        return None
    text = str(dest_id).split("|")[0]
    if text.startswith(("memory:", "ogr:", "postgres:", "spatialite:")) or "://" in text:
        return None
    return Path(text)


def remove_destination(dest_id) -> None:
    """Remove the file a sink destination wrote, with SQLite's and our sidecars.

    A layer of a multi-layer GeoPackage is not removed (the file holds other layers).
    """
    path = destination_file(dest_id)
    if path is None or not path.is_file():
        return
    if "|layername=" in str(dest_id) and path.suffix.lower() == ".gpkg":
        import pyogrio

        with contextlib.suppress(Exception):
            if len(pyogrio.list_layers(path)) > 1:
                return
    from ..core.common.provenance import sidecar_path

    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal"), sidecar_path(path)):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


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


class RasterFileParameter(QgsProcessingParameterRasterLayer):
    """A raster-layer parameter that takes a file path without loading it as a QGIS layer.

    QGIS checks a raster parameter given as a path (qgis_process, processing.run, batch
    runs) by loading it as a layer; loading renders it, and the renderer's min/max
    (QgsRasterLayer's default contrast enhancement) makes GDAL compute statistics, which
    on a raster without a valid cell prints "Failed to compute statistics, no valid
    pixels found in sampling" to the user. Here an existing file is accepted as it is:
    the step that reads it (rasterio) names what is wrong with it. Anything else (a
    layer of the project, a layer id) is checked as QGIS does.
    """

    def checkValueIsAcceptable(self, value, context=None):  # noqa: N802 - QGIS API
        if isinstance(value, str) and value and Path(value).is_file():
            return True
        return super().checkValueIsAcceptable(value, context)

    def clone(self):
        copy = RasterFileParameter(self.name(), self.description(), self.defaultValue())
        copy.setFlags(self.flags())
        copy.setHelp(self.help())
        copy.setMetadata(self.metadata())
        return copy


def raster_file_value(algorithm, parameters, key):
    """The file a raster-layer parameter names directly (a path given through qgis_process,
    processing.run or a batch run), else None (a layer: of the project, or none given).

    Such a file is read by rasterio and never loaded as a QGIS layer: loading one renders
    it, and the renderer's min/max (QgsRasterLayer's default contrast enhancement) makes
    GDAL compute statistics, which on a raster without a valid cell prints "Failed to
    compute statistics, no valid pixels found in sampling" to the user.
    """
    definition = algorithm.parameterDefinition(key)
    if definition is None or definition.type() != "raster":
        return None
    value = parameters.get(key)
    if not isinstance(value, str) or not value:
        return None
    path = Path(value)
    return str(path) if path.is_file() else None


def raster_parameter_path(algorithm, parameters, key, context, required: bool = False):
    """A file rasterio can read for a raster-layer parameter, or None when not given
    (``required``: an error instead): a file path as given (see :func:`raster_file_value`),
    else the layer's file (:func:`raster_path`)."""
    path = raster_file_value(algorithm, parameters, key)
    if path is not None:
        return path
    layer = algorithm.parameterAsRasterLayer(parameters, key, context)
    return raster_path(layer, context) if layer is not None or required else None


def layer_source_path(layer) -> str:
    """The file behind a layer (without ``|layername=`` and such), for provenance."""
    if layer is None:
        return ""
    return layer.source().split("|")[0]
