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
    return getattr(Qgis, new_home, None) or old_home


SourceType = _pick("ProcessingSourceType", QgsProcessing.SourceType)
NumberType = _pick("ProcessingNumberParameterType", QgsProcessingParameterNumber.Type)
ParameterFlag = _pick("ProcessingParameterFlag", QgsProcessingParameterDefinition.Flag)
FileBehavior = _pick("ProcessingFileParameterBehavior", QgsProcessingParameterFile.Behavior)
FieldDataType = _pick("ProcessingFieldParameterDataType", QgsProcessingParameterField.DataType)
AlgorithmFlag = _pick("ProcessingAlgorithmFlag", QgsProcessingAlgorithm.Flag)
GeometryType = _pick("GeometryType", QgsWkbTypes.GeometryType)
WkbType = _pick("WkbType", QgsWkbTypes.Type)
SinkFlag = QgsFeatureSink.Flag

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
