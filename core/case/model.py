"""The case file: one TOML file that names a case's inputs and every step's parameters.

A case folder holds ``case.toml`` and the inputs it names by paths relative to it. The
file has these tables (every key optional unless said; an unknown key is an error):

``[case]``
    ``id``, ``name``, ``name_en``, ``province``, ``county``, ``site``,
    ``entrusting_unit`` (委托单位), ``institution`` (鉴定机构), ``act_start`` and
    ``act_end`` (the period of the illegal mining, ISO dates), ``survey_date``,
    ``synthetic``, ``note``, ``generator``, ``scale``, ``seed``.
``[crs]``
    ``zone`` (``"auto"``: the CGCS2000 3-degree Gauss-Kruger zone of the case's
    longitude, or an ``"EPSG:45xx"``), ``zone_width_deg`` (3 or 6), ``prefixed``,
    ``geographic`` (EPSG:4490), ``height_datum`` (EPSG:5737), ``datum_note``.
``[inputs]``
    ``vectors`` (GeoPackage of the mapped layers), ``dem_before``, ``dem_after``,
    ``ortho``, ``ortho_before`` (a mosaic from before the act), ``lab_sheet`` (the lab's results, XLSX or CSV), ``lab_csv``; and
    ``[inputs.layers]``: role -> layer name in ``vectors`` (roles in :data:`LAYER_ROLES`).
    Optional causality and restoration inputs: ``evidence_vectors`` (GeoPackage of source
    points, post-restoration points, wells), ``source_lab``, ``post_restoration_lab``,
    ``restoration_targets``, ``image_dates``, ``ortho_after_restoration``, ``ortho_before_act``.
``[parameters.<step>]``
    Per step the fields of its parameter dataclass (:data:`STEP_PARAMETERS`); a key
    left out keeps the default, whose justification is in :func:`param_sources`.
``[sources]``
    Free text: where prices, unit costs and other case-specific values come from.
``[valuation]``
    Prices, unit costs and the choices of the valuation, kept as read (checked by
    :func:`ree_damage.core.valuation.params.read_params`).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..common.errors import InputError
from ..imagery.vegetation import PARAM_SOURCES as VEGETATION_SOURCES
from ..imagery.vegetation import VegetationParams
from ..interp.interpolation import IDWParams, KrigingParams
from ..lab.baseline import DEFAULT_STATISTIC
from ..lab.censored import DEFAULT_RULE
from ..survey.depth import PARAM_SOURCES as DEPTH_SOURCES
from ..survey.depth import DepthParams, WaterParams
from ..survey.sampling import PARAM_SOURCES as SAMPLING_SOURCES
from ..survey.sampling import SamplingParams
from ..survey.zones import PARAM_SOURCES as ZONE_SOURCES
from ..survey.zones import ZoneParams
from ..terrain.blocks import PARAM_SOURCES as BLOCK_SOURCES
from ..terrain.blocks import BlockParams
from ..terrain.volume import PARAM_SOURCES as VOLUME_SOURCES
from ..terrain.volume import VolumeParams

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.9/3.10 (QGIS 3.22 on older systems)
    import tomli as tomllib

CASE_FILE_NAME = "case.toml"

LAYER_ROLES = (
    "case_boundary",
    "prep_pools",
    "injection_holes",
    "collection_ditches",
    "settling_ponds",
    "control_area",
    "stream",
    "access_road",
    "sample_points",
    "control_points",
    "soil_layers",
    "bare_ground_truth",
    "vegetation_check_points",
)
"""What a layer named in ``[inputs.layers]`` stands for."""


# --------------------------------------------------------------------------- the parameters of the steps
@dataclass(frozen=True)
class LabParams:
    """Lab-sheet import (see :func:`ree_damage.core.lab.importer.import_lab_results`).

    ``sheet`` empty takes the first worksheet; ``detection_limits`` (code -> limit in the
    sheet's unit) serve "ND" cells that neither the sheet nor its limits worksheet covers.
    """

    sheet: str = ""
    medium: str = "soil"
    unknown_ids: str = "error"
    detection_limits: dict = field(default_factory=dict)
    missing_markers: str = "error"


@dataclass(frozen=True)
class BaselineParams:
    """Baseline (see :mod:`ree_damage.core.lab.baseline`).

    ``screening`` is ``""`` (none) or a standard id such as ``"GB15618-2018"``;
    ``land_use`` and ``ph`` pick its values. ``ph`` below 0 means not given.
    """

    control_pattern: str = "^CTRL-"
    statistic: str = DEFAULT_STATISTIC
    substitution: str = DEFAULT_RULE
    allow_few: bool = False
    screening: str = ""
    land_use: str = ""
    ph: float = -1.0


@dataclass(frozen=True)
class InterpolationParams:
    """Interpolation of the lab results (see :func:`ree_damage.core.interp.interpolation.interpolate`).

    The samples interpolated are those at ``depth_cm`` (cm, top of the sample; negative:
    every depth, with ``layer_field`` separating the layers) that are not control samples
    (:attr:`BaselineParams.control_pattern`). Lengths in m.
    """

    fields: tuple = ()
    methods: tuple = ("ok",)
    cell_size_m: float = 2.0
    depth_cm: int = -1
    layer_field: str = ""
    censored_rule: str = DEFAULT_RULE
    idw_power: float = IDWParams().power
    idw_neighbours: int = 12
    kriging_model: str = KrigingParams().model
    kriging_neighbours: int = KrigingParams().k
    nugget: bool = KrigingParams().nugget
    log_transform: bool = KrigingParams().log_transform
    trend: str = ""
    anisotropy_ratio: float = KrigingParams().anisotropy_scaling
    anisotropy_angle_deg: float = KrigingParams().anisotropy_angle


@dataclass(frozen=True)
class DamageParams:
    """Damage (see :mod:`ree_damage.core.damage`): confirmation rule, minimum mapping unit, range.

    ``threshold``: K above which damage is confirmed (0.2: C exceeds B by more than 20 %).
    ``min_area_m2``: damaged patches smaller than this (m2) are dropped (0: none).
    ``probabilities``: levels of P(exceed) at which areas and volumes are also given.
    ``surface_top_m``/``surface_bottom_m``: the depth layer (m below ground) of rasters
    and samples interpolated without depth layers (the samples at
    :attr:`InterpolationParams.depth_cm`); its thickness turns areas into volumes.
    """

    threshold: float = 0.2
    min_area_m2: float = 0.0
    probabilities: tuple = (0.5, 0.8, 0.95)
    surface_top_m: float = 0.0
    surface_bottom_m: float = 0.5


@dataclass(frozen=True)
class ValuationParams:
    """Valuation (the step to come)."""

    discount_rate: float = 0.03


@dataclass(frozen=True)
class MapParams:
    """The report maps of run_case (the ``maps`` step, made where QGIS is installed).

    Attributes
    ----------
    dpi : int
        Resolution of the PNG exports (dots per inch); the PDFs are vector.
    themes : tuple of str
        Theme ids to make (``site_overview``, ``functional_zones``, ``sampling_plan``,
        ``contaminant``, ``damage_extent``, ``vegetation_damage``, ``mined_volume``,
        ``water_monitoring``); empty: every theme whose layers the package has.
    author : str
        制图 (who drew the maps); empty prints a blank line to sign.
    date : str
        The maps' date (YYYY-MM-DD); empty prints a blank line (no run date in the files:
        the same inputs give the same maps).
    """

    dpi: int = 300
    themes: tuple = ()
    author: str = ""
    date: str = ""


STEP_PARAMETERS = {
    "zones": ZoneParams,
    "sampling": SamplingParams,
    "depth": DepthParams,
    "water": WaterParams,
    "lab": LabParams,
    "baseline": BaselineParams,
    "interpolation": InterpolationParams,
    "damage": DamageParams,
    "volume": VolumeParams,
    "blocks": BlockParams,
    "vegetation": VegetationParams,
    "valuation": ValuationParams,
    "maps": MapParams,
}
"""``[parameters.<step>]`` -> its parameter dataclass."""

_CASE_PARAM_SOURCES = {
    "lab": {
        "medium": "[default] soil: the catalogue's soil unit (mg/kg dry weight) per indicator",
        "unknown_ids": "[default] a sheet row naming no sample stops the import (a typing error or a missing point)",
    },
    "baseline": {
        "statistic": "[default] mean + 2 SD of control samples (normality test, log fallback; GB/T 39791 control-area baseline)",
        "substitution": "[default] DL/2 for values below the detection limit (recorded)",
        "control_pattern": "[default] control points are named CTRL-nnn by the sampling grid",
    },
    "interpolation": {
        "cell_size_m": "[default] 2 m, the DEM's cell",
        "idw_neighbours": "[default] 12 nearest points per cell",
        "kriging_neighbours": "[default] 16 nearest points per cell of the local kriging system",
        "censored_rule": "[default] DL/2 for values below the detection limit (recorded)",
    },
    "damage": {
        "threshold": "[default] damage confirmed where C exceeds the baseline B by more than 20 % (GB/T 39791 baseline comparison)",
        "min_area_m2": "[default] 0: every damaged cell counts (no minimum mapping unit)",
        "probabilities": "[default] P(exceed) >= 50 %, 80 %, 95 %: the range the report defends",
        "surface_top_m": "[seed] the 0-0.5 m surface sample (appendix table, item 1(2))",
        "surface_bottom_m": "[seed] the 0-0.5 m surface sample (appendix table, item 1(2))",
    },
    "valuation": {"discount_rate": "[default] 3 % (2-5 % sensitivity), habitat equivalency analysis (guideline 10.2)"},
    "maps": {
        "dpi": "[default] 300 dpi: print quality for a report figure",
        "themes": "[default] every theme whose layers the case package has",
        "author": "[default] blank: the drawer signs the printed map",
        "date": "[default] blank: filled in when the maps are issued (no run date, so reruns give the same files)",
    },
}


def param_sources(step: str) -> dict:
    """Where each default of a step's parameters comes from (the modules' ``PARAM_SOURCES``)."""
    if step not in STEP_PARAMETERS:
        raise KeyError(step)
    module_sources = {
        "zones": ZONE_SOURCES,
        "sampling": SAMPLING_SOURCES,
        "depth": DEPTH_SOURCES,
        "water": DEPTH_SOURCES,
        "volume": VOLUME_SOURCES,
        "blocks": BLOCK_SOURCES,
        "vegetation": VEGETATION_SOURCES,
    }
    return dict(module_sources.get(step) or _CASE_PARAM_SOURCES.get(step, {}))


@dataclass(frozen=True)
class Parameters:
    """Every step's parameters; each a frozen dataclass whose defaults are the guideline's."""

    zones: ZoneParams = field(default_factory=ZoneParams)
    sampling: SamplingParams = field(default_factory=SamplingParams)
    depth: DepthParams = field(default_factory=DepthParams)
    water: WaterParams = field(default_factory=WaterParams)
    lab: LabParams = field(default_factory=LabParams)
    baseline: BaselineParams = field(default_factory=BaselineParams)
    interpolation: InterpolationParams = field(default_factory=InterpolationParams)
    damage: DamageParams = field(default_factory=DamageParams)
    volume: VolumeParams = field(default_factory=VolumeParams)
    blocks: BlockParams = field(default_factory=BlockParams)
    vegetation: VegetationParams = field(default_factory=VegetationParams)
    valuation: ValuationParams = field(default_factory=ValuationParams)
    maps: MapParams = field(default_factory=MapParams)


# --------------------------------------------------------------------------- metadata, CRS, inputs
@dataclass(frozen=True)
class CaseInfo:
    """Who, where and when: the case as the appraisal report names it."""

    id: str = ""
    name: str = ""
    name_en: str = ""
    province: str = ""
    county: str = ""
    site: str = ""
    entrusting_unit: str = ""
    institution: str = ""
    act_start: str = ""
    act_end: str = ""
    survey_date: str = ""
    synthetic: bool = False
    note: str = ""
    generator: str = ""
    scale: float = 1.0
    seed: int = 0


@dataclass(frozen=True)
class CrsChoice:
    """The CRS of the metric work: ``zone`` ``"auto"`` or an ``"EPSG:<code>"``."""

    zone: str = "auto"
    zone_width_deg: int = 3
    prefixed: bool = False
    geographic: str = "EPSG:4490"
    height_datum: str = "EPSG:5737"
    datum_note: str = ""


@dataclass(frozen=True)
class Inputs:
    """The case's input files (absolute, resolved against the case folder) and layer names."""

    vectors: Optional[Path] = None
    dem_before: Optional[Path] = None
    dem_after: Optional[Path] = None
    ortho: Optional[Path] = None
    ortho_before: Optional[Path] = None
    lab_sheet: Optional[Path] = None
    lab_csv: Optional[Path] = None
    layers: dict = field(default_factory=dict)
    water_vectors: Optional[Path] = None
    water_lab: Optional[Path] = None
    # causality and restoration-effect inputs (issue 16)
    evidence_vectors: Optional[Path] = None
    source_lab: Optional[Path] = None
    post_restoration_lab: Optional[Path] = None
    restoration_targets: Optional[Path] = None
    image_dates: Optional[Path] = None
    ortho_after_restoration: Optional[Path] = None
    ortho_before_act: Optional[Path] = None


_INPUT_FILES = tuple(f.name for f in dataclasses.fields(Inputs) if f.name != "layers")


@dataclass(frozen=True)
class Case:
    """A case file read into dataclasses. Build it with :func:`load_case` or :func:`case_from_dict`.

    Attributes
    ----------
    folder : pathlib.Path
        The folder of the case file; input paths are relative to it.
    info : CaseInfo
    crs : CrsChoice
    inputs : Inputs
    parameters : Parameters
    sources : dict of str -> str
    file : pathlib.Path or None
        The case file read (None for a case built in memory).
    """

    folder: Path
    info: CaseInfo = field(default_factory=CaseInfo)
    crs: CrsChoice = field(default_factory=CrsChoice)
    inputs: Inputs = field(default_factory=Inputs)
    parameters: Parameters = field(default_factory=Parameters)
    sources: dict = field(default_factory=dict)
    file: Optional[Path] = None
    valuation: dict = field(default_factory=dict)

    def input(self, key: str) -> Path:
        """The path of input ``key``; an error naming the key when the case does not give it."""
        if key not in _INPUT_FILES:
            raise _key_error(f"inputs.{key}", f"unknown input {key!r}; one of {', '.join(_INPUT_FILES)}")
        path = getattr(self.inputs, key)
        if path is None:
            raise _key_error(f"inputs.{key}", f"the case file names no {key!r}")
        return path

    def layer(self, role: str) -> Optional[str]:
        """The name of the layer playing ``role`` in ``inputs.vectors``, None when not given."""
        if role not in LAYER_ROLES:
            raise _key_error(f"inputs.layers.{role}", f"unknown layer role {role!r}; one of {', '.join(LAYER_ROLES)}")
        return self.inputs.layers.get(role)

    def param_sources(self, step: str) -> dict:
        """Where each default of a step's parameters comes from, plus the case's own ``[sources]``."""
        return {**param_sources(step), **self.sources}

    def to_dict(self) -> dict:
        """The case as the TOML document it is written as (paths relative, defaults left out)."""
        doc = {"case": _changed(self.info), "crs": _changed(self.crs)}
        inputs = {}
        for key in _INPUT_FILES:
            path = getattr(self.inputs, key)
            if path is not None:
                inputs[key] = Path(path).relative_to(self.folder).as_posix()
        if self.inputs.layers:
            inputs["layers"] = dict(self.inputs.layers)
        doc["inputs"] = inputs
        parameters = {}
        for step in STEP_PARAMETERS:
            changed = _changed(getattr(self.parameters, step))
            if changed:
                parameters[step] = changed
        doc["parameters"] = parameters
        if self.sources:
            doc["sources"] = dict(self.sources)
        if self.valuation:
            doc["valuation"] = dict(self.valuation)
        return {key: value for key, value in doc.items() if value}

    def to_toml(self, header: str = "") -> str:
        """The case file's text (``tomli_w``), after an optional comment ``header``."""
        import tomli_w

        return header + tomli_w.dumps(self.to_dict())

    def save(self, path=None, header: str = "") -> Path:
        """Write the case file atomically (default ``<folder>/case.toml``); return its path."""
        from ..common.atomic import atomic_path

        target = Path(path) if path is not None else self.folder / CASE_FILE_NAME
        with atomic_path(target) as tmp:
            tmp.write_text(self.to_toml(header), encoding="utf-8")
        return target


# --------------------------------------------------------------------------- reading
def load_case(path, *, check_inputs: bool = True) -> Case:
    """Read and check a case file.

    Parameters
    ----------
    path : path-like
        The ``case.toml`` (or the folder holding it).
    check_inputs : bool
        Also check that every input file exists and every named layer is in ``vectors``.

    Raises
    ------
    InputError
        Naming the key (``column``) and the file (``layer``): a TOML syntax error, an
        unknown key, a value of the wrong type, a path leaving the case folder, a missing
        input file or layer.
    """
    file = Path(path)
    if file.is_dir():
        file = file / CASE_FILE_NAME
    if not file.is_file():
        raise InputError("case file not found", layer=str(file))
    try:
        doc = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"not a valid TOML case file: {error}", layer=str(file)) from error
    except UnicodeDecodeError as error:
        raise InputError(f"a case file is UTF-8 text: {error}", layer=str(file)) from error
    try:
        case = dataclasses.replace(case_from_dict(doc, file.parent.resolve()), file=file.resolve())
        if check_inputs:
            check_case_inputs(case)
    except InputError as error:
        if error.layer is None:
            error.layer = str(file)
            error.args = (str(error),)
        raise
    return case


def case_from_dict(doc: Mapping, folder) -> Case:
    """A :class:`Case` from the parsed TOML document; ``folder`` resolves the input paths."""
    folder = Path(folder).resolve()
    _no_unknown(doc, ("case", "crs", "inputs", "parameters", "sources", "valuation"), "")
    info = _dataclass_from(CaseInfo, doc.get("case", {}), "case")
    crs = _dataclass_from(CrsChoice, doc.get("crs", {}), "crs")
    if crs.zone != "auto" and not crs.zone.upper().startswith("EPSG:"):
        raise _key_error("crs.zone", f"give 'auto' or an EPSG code such as 'EPSG:4547', not {crs.zone!r}")
    if crs.zone_width_deg not in (3, 6):
        raise _key_error("crs.zone_width_deg", "a Gauss-Kruger zone is 3 or 6 degrees wide")
    inputs = _inputs_from(doc.get("inputs", {}), folder)
    raw_parameters = _table(doc.get("parameters", {}), "parameters")
    _no_unknown(raw_parameters, tuple(STEP_PARAMETERS), "parameters")
    parameters = Parameters(
        **{
            step: _dataclass_from(cls, raw_parameters.get(step, {}), f"parameters.{step}")
            for step, cls in STEP_PARAMETERS.items()
        }
    )
    sources = _table(doc.get("sources", {}), "sources")
    for key, value in sources.items():
        if not isinstance(value, str):
            raise _key_error(f"sources.{key}", "a source is text")
    valuation = dict(_table(doc.get("valuation", {}), "valuation"))
    return Case(folder=folder, info=info, crs=crs, inputs=inputs, parameters=parameters, sources=dict(sources),
                valuation=valuation)


def check_case_inputs(case: Case) -> None:
    """Every input file exists and every named layer is in ``inputs.vectors``; else an error naming the key."""
    for key in _INPUT_FILES:
        path = getattr(case.inputs, key)
        if path is not None and not path.exists():
            raise _key_error(f"inputs.{key}", f"input file not found: {path}")
    if case.inputs.layers:
        if case.inputs.vectors is None:
            raise _key_error("inputs.vectors", "layers are named but no 'vectors' GeoPackage holds them")
        import pyogrio

        present = {str(name) for name, _ in pyogrio.list_layers(str(case.inputs.vectors))}
        for role, name in case.inputs.layers.items():
            if name not in present:
                raise _key_error(f"inputs.layers.{role}", f"layer {name!r} is not in {case.inputs.vectors.name}")


def _key_error(key: str, message: str) -> InputError:
    """An error about one key of the case file, named first in the message (and as the column)."""
    error = InputError(f"{key}: {message}")
    error.key = key
    return error


def _table(value, where: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise _key_error(where, "expected a table")
    return value


def _no_unknown(table: Mapping, known, where: str) -> None:
    for key in table:
        if key not in known:
            name = f"{where}.{key}" if where else key
            raise _key_error(name, f"unknown key {name!r}; known: {', '.join(known)}")


def _inputs_from(raw, folder: Path) -> Inputs:
    raw = _table(raw, "inputs")
    _no_unknown(raw, (*_INPUT_FILES, "layers"), "inputs")
    paths = {}
    for key in _INPUT_FILES:
        value = raw.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str):
            raise _key_error(f"inputs.{key}", "an input is a path (text) relative to the case file")
        relative = Path(value)
        if relative.is_absolute():
            raise _key_error(f"inputs.{key}", f"{value!r} is absolute: give it relative to the case folder")
        resolved = (folder / relative).resolve()
        if not _inside(resolved, folder):
            raise _key_error(f"inputs.{key}", f"{value!r} leaves the case folder")
        paths[key] = resolved
    layers = dict(_table(raw.get("layers", {}), "inputs.layers"))
    _no_unknown(layers, LAYER_ROLES, "inputs.layers")
    for role, name in layers.items():
        if not isinstance(name, str) or not name:
            raise _key_error(f"inputs.layers.{role}", "a layer is named by text")
    return Inputs(**paths, layers=layers)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def _dataclass_from(cls, raw, where: str):
    """An instance of the frozen dataclass ``cls`` from a TOML table, type-checked against its defaults."""
    raw = _table(raw, where)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    _no_unknown(raw, tuple(fields), where)
    defaults = cls()
    values = {}
    for key, value in raw.items():
        values[key] = _coerce(value, getattr(defaults, key), fields[key], f"{where}.{key}")
    return cls(**values)


def _coerce(value, default, spec, where: str):
    """``value`` read from TOML as the type its field holds (ints as floats, arrays as tuples)."""
    kind = _field_kind(default, spec)
    ok = {
        "bool": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "str": isinstance(value, str),
        "tuple": isinstance(value, list),
        "dict": isinstance(value, Mapping),
        "any": True,
    }[kind]
    if not ok:
        raise _key_error(where, f"expected {_KIND_NAMES[kind]}, got {value!r}")
    if kind == "float":
        return float(value)
    if kind == "tuple":
        return tuple(tuple(v) if isinstance(v, list) else v for v in value)
    if kind == "dict":
        return dict(value)
    return value


_KIND_NAMES = {"bool": "true or false", "int": "a whole number", "float": "a number", "str": "text",
               "tuple": "an array", "dict": "a table", "any": "a value"}


def _field_kind(default, spec) -> str:
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "float"
    if isinstance(default, str):
        return "str"
    if isinstance(default, (tuple, list)):
        return "tuple"
    if isinstance(default, dict):
        return "dict"
    # a default of None: the annotation says what the value is
    annotation = str(spec.type)
    for name, kind in (("bool", "bool"), ("int", "int"), ("float", "float"), ("str", "str"), ("tuple", "tuple")):
        if name in annotation:
            return kind
    return "any"


def _changed(instance) -> dict:
    """The fields of a dataclass that differ from its defaults, as TOML values (None left out)."""
    defaults = type(instance)()
    out = {}
    for f in dataclasses.fields(instance):
        value = getattr(instance, f.name)
        if value is None or value == getattr(defaults, f.name):
            continue
        out[f.name] = _toml_value(value)
    return out


def _toml_value(value: Any):
    if isinstance(value, tuple):
        return [_toml_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _toml_value(v) for k, v in value.items()}
    if isinstance(value, Path):
        return value.as_posix()
    return value
