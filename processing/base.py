"""The base of every ree_damage algorithm: translation, groups, help, feedback glue.

Subclasses follow QGIS's ScriptTemplate skeleton: constant parameter ids, lower-case
untranslated ``name()``/``groupId()``, ``tr()`` on literals only, ``createInstance()``.
This base turns QgsProcessingFeedback into core's ``progress``/``is_canceled``
callables and core's errors into QgsProcessingException.

How a run finishes: every subclass's ``processAlgorithm`` is wrapped (``__init_subclass__``)
so that a run that raises, or that was canceled, removes every file it wrote through
:meth:`ReeAlgorithm.write_sink`, :meth:`ReeAlgorithm.track_output` and
:meth:`ReeAlgorithm.write_provenance`, and a canceled run raises the cancellation
(QgsProcessingException "Canceled: nothing was written.") instead of returning a partial
result. QGIS's own 3.22 algorithms mostly stop early and return what they have; ours say
they were canceled and leave nothing.
"""

from __future__ import annotations

import contextlib
import functools
from html import escape
from pathlib import Path

from qgis.core import Qgis, QgsProcessingAlgorithm, QgsProcessingException, QgsRasterLayer, QgsVectorLayer
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ..core.common.errors import Canceled, ReeDamageError
from .messages import message_text, push_warnings

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"
TRANSLATION_CONTEXT = "ree_damage"
RASTER_SUFFIXES = {".tif", ".tiff", ".vrt", ".img", ".asc"}


def tr(text: str) -> str:
    """Translate a literal in the plugin's translation context (call at run time only)."""
    return QCoreApplication.translate(TRANSLATION_CONTEXT, text)


def plugin_icon(name: str = "ree_damage.svg") -> QIcon:
    """An icon of the plugin, loaded by path (no compiled resources)."""
    return QIcon(str(ICON_DIR / name))


def _finishing(process_algorithm):
    """``processAlgorithm`` that leaves no file behind when it fails or is canceled."""

    @functools.wraps(process_algorithm)
    def run(self, parameters, context, feedback):
        from ..core.geo.vector_io import ogr_curves_kept
        from .threads import keep_thread_context, project_detached

        self._run_outputs = []
        self._run_feedback = feedback
        self._run_project = context.project() if context is not None else None
        keep_thread_context()  # a QgsTask thread: pyproj 3.7 would free its PROJ context after the run
        try:
            # a QgsTask thread: QGIS would free the project's expression scope under the canvas (threads.py)
            with ogr_curves_kept(), project_detached(context, getattr(self, "_detach_project", False)):
                results = process_algorithm(self, parameters, context, feedback)
            self.check_canceled(feedback)
            if context is not None:  # the layers QGIS loads at the end get the plugin's styles
                from .styles import attach_styles

                attach_styles(self.name(), context)
            return results
        except BaseException:
            self.discard_outputs()
            raise

    run.finishing = True
    return run


class ReeAlgorithm(QgsProcessingAlgorithm):
    """Common behaviour of the plugin's Processing algorithms."""

    #: Chinese name, shown beside the (translated) display name in the help.
    ZH_NAME = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("processAlgorithm")
        if own is not None and not getattr(own, "finishing", False):
            cls.processAlgorithm = _finishing(own)

    def tr(self, text: str) -> str:
        return tr(text)

    def prepareAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        # on the main thread, before a task thread runs it: whether it may run without the project
        # in its context (no input names a project layer), which spares QGIS's race on the
        # project's expression scope (processing/threads.py)
        from .threads import names_project_layers

        self._detach_project = not names_project_layers(self, parameters, context)
        return True

    def createInstance(self):  # noqa: N802 - QGIS API
        return type(self)()

    def group(self) -> str:
        names = {
            "tools": self.tr("Tools"),
            "survey_design": self.tr("Survey design"),
            "analysis": self.tr("Analysis"),
            "damage": self.tr("Damage"),
            "valuation": self.tr("Valuation"),
            "report": self.tr("Report"),
            "case": self.tr("Case"),
        }
        return names[self.groupId()]

    def icon(self) -> QIcon:
        # one icon per group, so the toolbox and the menu show what kind of step it is
        return plugin_icon(f"group_{self.groupId()}.svg")

    def helpText(self) -> str:  # noqa: N802 - overridden by subclasses
        return ""

    def shortHelpString(self) -> str:  # noqa: N802 - QGIS API
        # shown as HTML: the plain help text is escaped, or "<zone>-<nnn>" would vanish as a tag
        # both names in an English QGIS; once in a Chinese one, where the display name is the Chinese name
        names = dict.fromkeys(name for name in (self.ZH_NAME, self.displayName()) if name)
        title = f"<h3>{' / '.join(escape(name) for name in names)}</h3>" if names else ""
        return title + escape(self.helpText(), quote=False).replace("\n", "<br>")

    # ------------------------------------------------------------------ glue to core
    @staticmethod
    def callbacks(feedback):
        """``(progress, is_canceled)`` for core functions, from a QgsProcessingFeedback."""
        if feedback is None:
            return None, None

        def progress(fraction: float) -> None:
            feedback.setProgress(100.0 * fraction)

        return progress, feedback.isCanceled

    @staticmethod
    def check_canceled(feedback) -> None:
        """Raise the cancellation (QgsProcessingException) if the user canceled."""
        from .adapter import canceled_error

        if feedback is not None and feedback.isCanceled():
            raise canceled_error()

    def load_on_completion(self, context, uri: str, name: str, output_name: str) -> str:
        """Have QGIS add a written layer to the project when the run ends, opened as its kind.

        Given a bare path, QGIS tries the file as a vector layer first, and OGR logs "Cannot
        open" for every raster; a layer opened here as what it is and kept in the context's
        temporary store is what QGIS loads instead. Returns the layer id.
        """
        path = uri.split("|", 1)[0]
        if Path(path).suffix.lower() in RASTER_SUFFIXES:
            layer = QgsRasterLayer(path, name, "gdal")
        else:
            layer = QgsVectorLayer(uri, name, "ogr")
        if not layer.isValid():
            raise QgsProcessingException(self.tr("The output {0} was written but QGIS cannot open it.").format(uri))
        context.temporaryLayerStore().addMapLayer(layer)
        context.addLayerToLoadOnCompletion(layer.id(), context.LayerDetails(name, self.output_project(context), output_name))
        return layer.id()

    def output_project(self, context):
        """The project the layers loaded at the end of the run go into (the context's, also while
        a task thread runs with it detached)."""
        from .threads import output_project

        return output_project(self, context)

    def track_output(self, destination) -> None:
        """Note a file this run wrote (outside :meth:`write_sink`), to remove it if the run
        fails or is canceled."""
        if destination:
            self._run_outputs = [*getattr(self, "_run_outputs", []), str(destination)]

    def discard_outputs(self) -> None:
        """Remove every file this run wrote, with its provenance (a failed or canceled run)."""
        from .adapter import remove_destination

        outputs, self._run_outputs = getattr(self, "_run_outputs", []), []
        for destination in reversed(outputs):
            remove_destination(destination)

    @staticmethod
    def host_info() -> dict:
        """Facts about the host application for provenance records."""
        return {"qgis": Qgis.QGIS_VERSION}

    # ------------------------------------------------------------------ layers in and out
    def read_source(self, parameters, key, context, feedback=None, required=False):
        """A feature-source parameter as a GeoDataFrame (None when optional and not given)."""
        from .adapter import source_to_gdf

        source = self.parameterAsSource(parameters, key, context)
        if source is None:
            if required:
                if parameters.get(key) is None:  # not given at all: a misspelt name looks just like this
                    raise QgsProcessingException(self.missing_inputs_error(parameters, [key]))
                raise QgsProcessingException(self.invalidSourceError(parameters, key))
            return None
        self.check_canceled(feedback)
        return source_to_gdf(source, self._layer_label(parameters, key, context), feedback=feedback)

    def missing_inputs_error(self, parameters, keys, reason: str = "") -> str:
        """The error for required inputs that were not given: which were expected, which
        parameters were given, and the given names this algorithm does not know (a
        misspelt name through qgis_process or processing.run is otherwise just missing)."""
        known = [definition.name() for definition in self.parameterDefinitions()]
        given = sorted(str(name) for name, value in parameters.items() if value is not None)
        unknown = [name for name in given if name not in known]
        if len(keys) == 1:
            text = self.tr("The input {0} is required but was not given.").format(keys[0])
        else:
            text = self.tr("At least one of {0} is required but none was given.").format(", ".join(keys))
        if reason:
            text += " " + reason
        text += " " + self.tr("Parameters given: {0}.").format(", ".join(given) or self.tr("none"))
        if unknown:
            text += " " + self.tr("Not parameters of this algorithm (misspelt?): {0}.").format(", ".join(unknown))
        text += " " + self.tr("Parameters expected: {0}.").format(", ".join(known))
        return text

    def unknown_parameters(self, parameters) -> list:
        """The given parameter names this algorithm does not have (misspelt?)."""
        known = {definition.name() for definition in self.parameterDefinitions()}
        return sorted(str(name) for name in parameters if name not in known)

    def require_one_of(self, parameters, keys, reason: str = "") -> None:
        """Raise :meth:`missing_inputs_error` unless one of the parameters ``keys`` has a value."""
        if all(parameters.get(key) in (None, "") for key in keys):
            raise QgsProcessingException(self.missing_inputs_error(parameters, list(keys), reason))

    def _layer_label(self, parameters, key, context) -> str:
        layer = self.parameterAsVectorLayer(parameters, key, context)
        return layer.name() if layer is not None else self.parameterDefinition(key).description()

    def input_paths(self, parameters, keys, context) -> dict:
        """The files behind layer parameters, for provenance (memory layers by name)."""
        from .adapter import layer_source_path, raster_file_value

        found = {}
        for key in keys:
            raster_file = raster_file_value(self, parameters, key)
            if raster_file is not None:  # not loaded as a layer (see raster_file_value)
                found[key.lower()] = raster_file
                continue
            layer = self.parameterAsLayer(parameters, key, context)
            if layer is None:
                continue
            if layer.providerType() in ("ogr", "gdal", "delimitedtext"):
                found[key.lower()] = layer_source_path(layer)
            else:  # memory, database or web layers: no file to hash
                found[key.lower()] = {"layer": layer.name(), "provider": layer.providerType(),
                                      "features": getattr(layer, "featureCount", lambda: None)()}
        return found

    def write_sink(self, parameters, key, context, frame, feedback=None):
        """Write a (Geo)DataFrame to a sink parameter; None when the output is not wanted."""
        from .adapter import gdf_to_sink

        if frame is None or parameters.get(key) is None:
            return None
        self.check_canceled(feedback)
        destination = gdf_to_sink(self, parameters, key, context, frame, feedback)
        self.track_output(destination)
        return destination

    def write_provenance(self, destinations, record) -> None:
        """Write ``record`` beside every output that is a file (memory outputs have none).

        Nothing is written for a canceled run (its outputs are removed instead).
        """
        from ..core.common.provenance import write_sidecar

        destinations = list(destinations)
        self.check_canceled(getattr(self, "_run_feedback", None))
        for destination in destinations:
            path = Path(str(destination).split("|")[0]) if destination else None
            if path is not None and path.is_file():
                write_sidecar(path, record)

    @contextlib.contextmanager
    def core_errors(self):
        """Turn core's errors into QgsProcessingException with the same message."""
        try:
            yield
        except Canceled as exc:
            from .adapter import canceled_error

            raise canceled_error() from exc
        except ReeDamageError as exc:
            raise QgsProcessingException(message_text(exc)) from exc

    @staticmethod
    def push_warnings(feedback, warnings) -> None:
        """Core's warnings to the log, each in the user's language."""
        push_warnings(feedback, warnings)
