"""Provenance records: what made an output, so a court can retrace it.

A record names the inputs with their SHA-256, every parameter, the software and library
versions, the CRS and the time. It is written beside the output as
``<output>.provenance.json`` (and may be embedded in formats that hold metadata).
Set ``SOURCE_DATE_EPOCH`` to fix the recorded time for reproducible builds.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import platform
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .. import __version__
from .atomic import atomic_outputs, atomic_path

SIDECAR_SUFFIX = ".provenance.json"
_CHUNK = 1 << 20


def sha256_file(path) -> str:
    """SHA-256 of a file's bytes, hex encoded, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_input(path) -> dict:
    """Name, size and SHA-256 of an input file, or of every file in an input folder."""
    p = Path(path)
    try:
        kind = "dir" if p.is_dir() else "file" if p.is_file() else None
    except OSError:  # not a path at all (a data source URI)
        kind = None
    if kind == "dir":
        files = sorted(f for f in p.rglob("*") if f.is_file())
        return {
            "path": str(p),
            "files": [{"path": str(f.relative_to(p)), "bytes": f.stat().st_size, "sha256": sha256_file(f)} for f in files],
        }
    if kind == "file":
        return {"path": str(p), "bytes": p.stat().st_size, "sha256": sha256_file(p)}
    return {"path": str(path), "note": "not a file (memory layer or database source)"}


def library_versions() -> dict:
    """Versions of the libraries the science depends on."""
    versions = {"python": platform.python_version()}
    for name in ("numpy", "scipy", "pandas", "shapely", "geopandas", "pyproj", "rasterio", "openpyxl"):
        try:
            module = __import__(name)
            versions[name] = getattr(module, "__version__", "unknown")
        except ImportError:
            versions[name] = None
    # the compiled kernels (IDW, kriging, nearest hole) run only with numba and when
    # not switched off: say which, so that a result can be recomputed the same way
    from importlib import metadata

    from . import kernels

    try:
        versions["numba"] = metadata.version("numba") if kernels.AVAILABLE else None
    except metadata.PackageNotFoundError:
        versions["numba"] = None
    versions["compiled_kernels"] = "off" if not kernels.enabled() else ("always" if kernels.forced() else "auto")
    return versions


def _now() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc)
        if epoch
        else _dt.datetime.now(tz=_dt.timezone.utc)
    )
    return moment.replace(microsecond=0).isoformat()


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def make_record(
    algorithm: str,
    *,
    inputs: Mapping[str, Any] | None = None,
    parameters: Mapping[str, Any] | None = None,
    crs: str | None = None,
    outputs: Mapping[str, Any] | None = None,
    sources: Mapping[str, str] | None = None,
    notes: list[str] | None = None,
    host: Mapping[str, Any] | None = None,
) -> dict:
    """Build a provenance record.

    Parameters
    ----------
    algorithm : str
        Algorithm id, e.g. ``"ree_damage:sampling_grid"``.
    inputs : mapping
        Input name to file path (hashed here) or to a description dict.
    parameters : mapping
        Every parameter value used, defaults included.
    crs : str
        CRS of the outputs, e.g. ``"EPSG:4547"``.
    outputs : mapping
        Output name to path or value.
    sources : mapping
        Where each default value, price or unit cost comes from.
    notes : list of str
        Warnings and decisions taken during the run.
    host : mapping
        Host application facts (QGIS version) added by the caller.
    """
    described = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, (str, os.PathLike)):
            described[name] = describe_input(value)
        else:
            described[name] = _jsonable(value)
    return {
        "algorithm": algorithm,
        "software": {"name": "ree_damage", "version": __version__, **(dict(host) if host else {})},
        "libraries": library_versions(),
        "time_utc": _now(),
        "crs": crs,
        "height_datum": "EPSG:5737 (1985 national height datum)",
        "inputs": described,
        "parameters": _jsonable(dict(parameters or {})),
        "sources": _jsonable(dict(sources or {})),
        "outputs": _jsonable(dict(outputs or {})),
        "notes": list(notes or []),
    }


def sidecar_path(output_path) -> Path:
    """Where the provenance of ``output_path`` is written."""
    p = Path(output_path)
    return p.with_name(p.name + SIDECAR_SUFFIX)


def write_sidecar(output_path, record: Mapping[str, Any]) -> Path:
    """Write ``record`` as JSON beside ``output_path`` (atomically); return its path."""
    target = sidecar_path(output_path)
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return target


def result_record(
    algorithm: str,
    result,
    *,
    crs: str | None = None,
    sources: Mapping[str, str] | None = None,
    inputs: Mapping[str, Any] | None = None,
    host: Mapping[str, Any] | None = None,
    outputs: Mapping[str, Any] | None = None,
) -> dict:
    """The provenance record of a core result: its ``parameters`` and ``warnings`` as recorded.

    The one way a step's record is built, whether the result writes its own files
    (``result.write``) or a host such as QGIS writes them (``result.provenance``).

    Parameters
    ----------
    algorithm : str
        Algorithm id, e.g. ``"ree_damage:sampling_grid"``.
    result : object
        A core result with ``parameters`` (dict) and ``warnings`` (list of str).
    crs : str, optional
        The CRS the core computation used for the outputs, e.g. ``"EPSG:4547"``.
    sources : mapping, optional
        Where each default comes from (a module's ``PARAM_SOURCES``).
    inputs, host, outputs : mapping, optional
        As for :func:`make_record`.
    """
    return make_record(
        algorithm,
        inputs=inputs,
        parameters=getattr(result, "parameters", None),
        crs=crs,
        outputs=outputs,
        sources=sources,
        notes=list(getattr(result, "warnings", None) or []),
        host=host,
    )


def chosen_outputs(paths: Mapping[str, Any], known, what: str) -> dict:
    """The outputs a caller asked for: output name -> Path, in the order of ``known``.

    Names mapped to an empty value are left out; a name not in ``known`` is an
    :class:`~ree_damage.core.common.errors.InputError` naming it and the known ones.
    """
    from .errors import InputError

    unknown = sorted(set(paths) - set(known))
    if unknown:
        raise InputError(f"unknown {what} output {unknown[0]!r}; one of {', '.join(known)}")
    return {name: Path(paths[name]) for name in known if paths.get(name)}


@contextlib.contextmanager
def recorded_outputs(final_paths, record: Mapping[str, Any]) -> Iterator[list[Path]]:
    """Write several outputs as one transaction, then the provenance sidecar of each.

    Yields temporary paths (as :func:`~ree_damage.core.common.atomic.atomic_outputs`);
    when the block succeeds every output is renamed into place and gets
    ``<output>.provenance.json`` holding ``record``; when it fails nothing is left.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "table.csv"
    >>> with recorded_outputs([out], make_record("ree_damage:example")) as (tmp,):
    ...     _ = tmp.write_text("a\\n1\\n")
    >>> sorted(p.name for p in out.parent.iterdir())
    ['table.csv', 'table.csv.provenance.json']
    """
    finals = [Path(p) for p in final_paths]
    with atomic_outputs(finals) as temps:
        yield temps
    for final in finals:
        write_sidecar(final, record)
