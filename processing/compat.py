"""The one place where QGIS API differences between versions are hidden.

QGIS 3.22 keeps processing enums on their classes (``QgsProcessing.SourceType``);
QGIS 3.36+ moved them to ``Qgis`` (``Qgis.ProcessingSourceType``) and QGIS 4 drops the old
homes. QgsField takes ``QVariant.Type`` up to 3.36 and ``QMetaType.Type`` from 3.38
(Qt 6 has no ``QVariant.Type``). Every other module imports these names from here.
"""

from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsFeatureSink,
    QgsField,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsWkbTypes,
)


def _pick(new_home: str, old_home):
    """Qgis.<new_home> where this QGIS has it, else the old class-scoped enum."""
    found = getattr(Qgis, new_home, None)
    return old_home if found is None else found


_MISSING = object()


def _member(enum, new_name: str, old_name: str):
    """A member by its new name (QGIS >= 3.36 renamed many) or, failing that, its old one."""
    found = getattr(enum, new_name, _MISSING)
    return getattr(enum, old_name) if found is _MISSING else found


SourceType = _pick("ProcessingSourceType", QgsProcessing.SourceType)
NumberType = _pick("ProcessingNumberParameterType", QgsProcessingParameterNumber.Type)
ParameterFlag = _pick("ProcessingParameterFlag", QgsProcessingParameterDefinition.Flag)
FileBehavior = _pick("ProcessingFileParameterBehavior", QgsProcessingParameterFile.Behavior)
FieldDataType = _pick("ProcessingFieldParameterDataType", QgsProcessingParameterField.DataType)
AlgorithmFlag = _pick("ProcessingAlgorithmFlag", QgsProcessingAlgorithm.Flag)
GeometryType = _pick("GeometryType", QgsWkbTypes.GeometryType)
WkbType = _pick("WkbType", QgsWkbTypes.Type)
SinkFlag = QgsFeatureSink.Flag

# Members whose names changed with the move to Qgis (3.36+); the old names are aliases
# there today but may not survive QGIS 4, and the new names do not exist on 3.22.
SOURCE_VECTOR_ANY = _member(SourceType, "VectorAnyGeometry", "TypeVectorAnyGeometry")
SOURCE_VECTOR_POINT = _member(SourceType, "VectorPoint", "TypeVectorPoint")
SOURCE_VECTOR_LINE = _member(SourceType, "VectorLine", "TypeVectorLine")
SOURCE_VECTOR_POLYGON = _member(SourceType, "VectorPolygon", "TypeVectorPolygon")
SOURCE_VECTOR = _member(SourceType, "Vector", "TypeVector")
SOURCE_RASTER = _member(SourceType, "Raster", "TypeRaster")
FLAG_ADVANCED = _member(ParameterFlag, "Advanced", "FlagAdvanced")
FLAG_OPTIONAL = _member(ParameterFlag, "Optional", "FlagOptional")
ALGORITHM_NO_THREADING = _member(AlgorithmFlag, "NoThreading", "FlagNoThreading")
FILE_BEHAVIOR_FILE = FileBehavior.File
FILE_BEHAVIOR_FOLDER = FileBehavior.Folder
FIELD_NUMERIC = FieldDataType.Numeric
NUMBER_DOUBLE = NumberType.Double
NUMBER_INTEGER = NumberType.Integer


def raster_writer_succeeded(result) -> bool:
    """True if QgsRasterFileWriter.writeRaster returned success (NoError / Success)."""
    from qgis.core import QgsRasterFileWriter

    enum = _pick("RasterFileWriterResult", QgsRasterFileWriter.WriterError)
    return result == _member(enum, "Success", "NoError")


def advanced(parameter):
    """Mark a parameter as an expert knob (hidden under "Advanced parameters")."""
    parameter.setFlags(parameter.flags() | FLAG_ADVANCED)
    return parameter

try:  # QGIS >= 3.38 (and Qt 6): fields are typed with QMetaType
    from qgis.PyQt.QtCore import QMetaType

    QgsField("probe", QMetaType.Type.Double)
    _FIELD_TYPES = {
        "double": QMetaType.Type.Double,
        "int": QMetaType.Type.Int,
        "int64": QMetaType.Type.LongLong,
        "string": QMetaType.Type.QString,
        "bool": QMetaType.Type.Bool,
        "date": QMetaType.Type.QDate,
        "datetime": QMetaType.Type.QDateTime,
    }
except TypeError:  # QGIS < 3.38 takes QVariant.Type
    from qgis.PyQt.QtCore import QVariant

    _FIELD_TYPES = {
        "double": QVariant.Type.Double,
        "int": QVariant.Type.Int,
        "int64": QVariant.Type.LongLong,
        "string": QVariant.Type.String,
        "bool": QVariant.Type.Bool,
        "date": QVariant.Type.Date,
        "datetime": QVariant.Type.DateTime,
    }


def make_field(name: str, kind: str, length: int = 0, precision: int = 0) -> QgsField:
    """A QgsField of a portable ``kind``: double, int, int64, string, bool, date, datetime."""
    return QgsField(name, _FIELD_TYPES[kind], len=length, prec=precision)


def flags_with(flags, *extra):
    """``flags | extra...`` that works for Qt 5 ints and Qt 6 flag objects alike."""
    for flag in extra:
        flags = flags | flag
    return flags


def parameter_as_field_names(algorithm: QgsProcessingAlgorithm, parameters, name: str, context) -> list:
    """The field names chosen in a field parameter: ``parameterAsStrings`` where this QGIS
    has it (3.32+; ``parameterAsFields`` is deprecated from 3.40), else ``parameterAsFields``."""
    as_strings = getattr(algorithm, "parameterAsStrings", None)
    if as_strings is not None:
        return list(as_strings(parameters, name, context))
    return list(algorithm.parameterAsFields(parameters, name, context))
