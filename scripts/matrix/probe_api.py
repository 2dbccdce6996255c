"""Probe which enum spellings and APIs a QGIS installation accepts (run with that QGIS's Python).

    python3 scripts/matrix/probe_api.py [--json]

Prints one line per expression: OK/FAIL, the expression, what it evaluated to. Used to decide how
the plugin spells enums (scoped forms that work on QGIS 3.22 .. 3.44) and what processing/compat.py
must hide. Touches no data; starts no QgsApplication.
"""

from __future__ import annotations

import json
import sys

EXPRESSIONS = [
    # Qt enums (PyQt5 sip enums accept the scoped form; PyQt6 only accepts it)
    "Qt.AlignmentFlag.AlignLeft",
    "Qt.AlignLeft",
    "Qt.ItemDataRole.DisplayRole",
    "Qt.CheckState.Checked",
    "QMetaType.Type.Double",
    "QMetaType.Double",
    "QVariant.Type.Double",
    "QVariant.Double",
    # geometry types
    "QgsWkbTypes.GeometryType.PointGeometry",
    "QgsWkbTypes.PointGeometry",
    "Qgis.GeometryType.Point",
    "QgsWkbTypes.Type.Point",
    "QgsWkbTypes.Point",
    "Qgis.WkbType.Point",
    # processing source types
    "QgsProcessing.SourceType.TypeVectorPoint",
    "QgsProcessing.TypeVectorPoint",
    "QgsProcessing.SourceType.TypeRaster",
    "Qgis.ProcessingSourceType.VectorPoint",
    "Qgis.ProcessingSourceType.Raster",
    # parameter types / flags
    "QgsProcessingParameterNumber.Type.Double",
    "QgsProcessingParameterNumber.Double",
    "Qgis.ProcessingNumberParameterType.Double",
    "QgsProcessingParameterNumber.Type.Integer",
    "QgsProcessingParameterDefinition.Flag.FlagAdvanced",
    "QgsProcessingParameterDefinition.FlagAdvanced",
    "QgsProcessingParameterDefinition.Flag.FlagOptional",
    "Qgis.ProcessingParameterFlag.Advanced",
    "Qgis.ProcessingParameterFlag.Optional",
    "QgsProcessingAlgorithm.Flag.FlagNoThreading",
    "QgsProcessingAlgorithm.FlagNoThreading",
    "Qgis.ProcessingAlgorithmFlag.NoThreading",
    "QgsProcessingParameterField.DataType.Numeric",
    "Qgis.ProcessingFieldParameterDataType.Numeric",
    "QgsProcessingParameterFile.Behavior.Folder",
    "QgsProcessingParameterFile.Behavior.File",
    "Qgis.ProcessingFileParameterBehavior.Folder",
    "QgsFeatureSink.Flag.FastInsert",
    "QgsFeatureSink.FastInsert",
    "QgsFeatureRequest.Flag.NoGeometry",
    "Qgis.FeatureRequestFlag.NoGeometry",
    "QgsUnitTypes.DistanceUnit.DistanceMeters",
    "Qgis.DistanceUnit.Meters",
    "QgsMapLayerType.VectorLayer",
    "Qgis.LayerType.Vector",
    "Qgis.DataType.Float32",
    "Qgis.Float32",
    "QgsRasterFileWriter.WriterError.NoError",
    "Qgis.RasterFileWriterResult.Success",
    "QgsVectorFileWriter.WriterError.NoError",
    "Qgis.MessageLevel.Warning",
    "Qgis.Warning",
    # field construction: QMetaType (3.38+) vs QVariant.Type
    "QgsField('a', QVariant.Double).type()",
    "QgsField('a', QVariant.Type.Double).type()",
    "QgsField('a', QMetaType.Type.Double).type()",
    "QgsField('a', QMetaType.Type.Double).typeName()",
    "hasattr(QgsField, 'setMetaType')",
    # misc API
    "Qgis.versionInt()",
    "Qgis.QGIS_VERSION_INT",
    "hasattr(QgsVectorFileWriter, 'writeAsVectorFormatV3')",
    "hasattr(QgsProcessingAlgorithm, 'parameterAsCompatibleSourceLayerPathAndLayerName')",
]


def main() -> int:
    from qgis.core import (  # noqa: F401 - used by eval
        Qgis,
        QgsFeatureRequest,
        QgsFeatureSink,
        QgsField,
        QgsMapLayerType,
        QgsProcessing,
        QgsProcessingAlgorithm,
        QgsProcessingParameterDefinition,
        QgsProcessingParameterField,
        QgsProcessingParameterFile,
        QgsProcessingParameterNumber,
        QgsRasterFileWriter,
        QgsUnitTypes,
        QgsVectorFileWriter,
        QgsWkbTypes,
    )
    from qgis.PyQt.QtCore import QMetaType, Qt, QVariant  # noqa: F401 - used by eval

    ns = dict(locals())
    rows = []
    for expr in EXPRESSIONS:
        try:
            value = eval(expr, ns)  # noqa: S307 - fixed list above
            rows.append({"expr": expr, "ok": True, "value": repr(value)[:60], "type": type(value).__name__})
        except Exception as exc:  # noqa: BLE001
            rows.append({"expr": expr, "ok": False, "value": f"{type(exc).__name__}: {exc}"[:80], "type": ""})
    if "--json" in sys.argv:
        print(json.dumps({"qgis": Qgis.QGIS_VERSION, "python": sys.version.split()[0], "rows": rows}))
    else:
        print(f"# QGIS {Qgis.QGIS_VERSION}, Python {sys.version.split()[0]}")
        for r in rows:
            print(f"{'OK  ' if r['ok'] else 'FAIL'} {r['expr']:<58} {r['value']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
