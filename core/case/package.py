"""run_case: the whole chain from one case file into a case package.

The package (one folder) holds:

``case.gpkg``
    Every vector layer of every step (layer ``<file stem>``, described by its step).
``<step>/``
    The step's other files: rasters, tables, the field workbook, GPS files.
``manifest.json``
    The provenance of the package: every file with its SHA-256, every step with its
    status, input digests, parameters, provenance records, headline figures and time;
    the software and library versions. The only file holding the time of the run.
``.state/``
    What later steps read from each step's result, kept so that a rerun reuses the
    steps whose inputs did not change (a cache: not part of the evidence, not listed).

The same inputs give the same files byte for byte (the times live in the manifest).
A rerun compares each step's fingerprint (its input digests, parameters, the
fingerprints of the steps it reads and the software version) with the manifest and
reruns only the steps that changed and those downstream of them. The package is built
in a staging folder beside the output and swapped in when every step succeeded: a
failed or cancelled run leaves the previous package as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import os
import pickle
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Optional

from .. import __version__
from ..common.errors import InputError
from ..common.progress import CancelFn, ProgressFn, Steps, check_canceled
from ..common.provenance import SIDECAR_SUFFIX, library_versions, sha256_file
from .model import Case, load_case
from .registry import HOST_NAMES, Step, StepContext, chain

MANIFEST_NAME = "manifest.json"
GPKG_NAME = "case.gpkg"
STATE_DIR = ".state"
FORMAT = "ree_damage case package 1"

LogFn = Callable[[str], None]


@dataclass
class StepOutcome:
    """What happened to one step in a run.

    Attributes
    ----------
    name : str
    status : str
        ``"ran"``, ``"reused"`` (inputs unchanged since the package was built) or ``"skipped"``.
    reason : str
        Why it was skipped, or why it reran (what changed), or ``""``.
    seconds : float
        Time the step took in this run (s).
    files : list of str
        Package-relative paths of its files (vector layers as ``case.gpkg#<layer>``).
    summary : dict
        Headline figures (zones, points, areas...).
    warnings : list of str
    """

    name: str
    status: str
    reason: str = ""
    seconds: float = 0.0
    files: list = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)


@dataclass
class CaseRun:
    """What :func:`run_case` returns.

    Attributes
    ----------
    package : pathlib.Path
        The package folder.
    manifest : dict
        The manifest written.
    steps : list of StepOutcome
        In the order of the chain.
    seconds : float
        Total time (s).
    """

    package: Path
    manifest: dict
    steps: list
    seconds: float

    def step(self, name: str) -> StepOutcome:
        """The outcome of step ``name``."""
        for outcome in self.steps:
            if outcome.name == name:
                return outcome
        raise KeyError(name)

    def names(self, status: str) -> list:
        """Names of the steps with ``status`` (``"ran"``, ``"reused"``, ``"skipped"``)."""
        return [s.name for s in self.steps if s.status == status]

    @property
    def layers(self) -> list:
        """``(step, layer name)`` of every layer in ``case.gpkg``, in order."""
        return [(s.name, f.split("#", 1)[1]) for s in self.steps for f in s.files if f.startswith(GPKG_NAME + "#")]

    @property
    def rasters(self) -> list:
        """``(step, package-relative path)`` of every GeoTIFF, in order."""
        return [(s.name, f) for s in self.steps for f in s.files if f.endswith(".tif")]


# --------------------------------------------------------------------------- checks before any work
def check_output_folder(output, case: Optional[Case] = None) -> Path:
    """The output folder, resolved: new, empty, or a case package (which a run replaces).

    Raises
    ------
    InputError
        When the folder holds other files (they would be lost), or is the case folder.
    """
    out = Path(output).resolve()
    if out.exists() and not out.is_dir():
        raise InputError(f"output: {out} is a file, not a folder")
    if case is not None and out == case.folder:
        raise InputError("output: the package cannot be the case folder itself; give a sub-folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST_NAME).is_file():
        raise InputError(f"output: {out} holds other files and is not a case package; give a new or empty folder")
    return out


def skip_reason(step: Step, case: Case, available: set) -> Optional[str]:
    """Why ``step`` cannot run on ``case`` (None when it can); ``available``: steps that ran before it."""
    if step.run is None:
        needed = HOST_NAMES.get(step.host, step.host)
        return (f"needs {needed}, not available here (install QGIS, or run the run_case algorithm "
                f"in QGIS)")
    for key in step.inputs:
        if getattr(case.inputs, key) is None:
            return f"the case file names no inputs.{key}"
    for role in step.layers:
        if case.layer(role) is None:
            return f"the case file names no inputs.layers.{role}"
    for name in step.depends:
        if name not in available:
            return f"needs step {name}, which did not run"
    if step.ready is not None:
        return step.ready(case)
    return None


# --------------------------------------------------------------------------- fingerprints
class _Digests:
    """SHA-256 of the input files and of the content of the input layers, each computed once."""

    def __init__(self, case: Case):
        self.case = case
        self._cache: dict = {}

    def input(self, key: str) -> Optional[str]:
        path = getattr(self.case.inputs, key)
        if path is None:
            return None
        if ("file", key) not in self._cache:
            self._cache[("file", key)] = sha256_file(path)
        return self._cache[("file", key)]

    def layer(self, role: str) -> Optional[str]:
        name = self.case.layer(role)
        if name is None or self.case.inputs.vectors is None:
            return None
        if ("layer", name) not in self._cache:
            self._cache[("layer", name)] = _layer_digest(self.case.inputs.vectors, name)
        return self._cache[("layer", name)]


def _layer_digest(path: Path, layer: str) -> str:
    """SHA-256 of a layer's CRS, field names, geometries (WKB) and values: a change to another
    layer of the same GeoPackage leaves it alone."""
    from pyogrio.raw import read

    meta, _, geometry, values = read(str(path), layer=layer)
    digest = hashlib.sha256()
    digest.update(json.dumps([str(meta.get("crs")), list(meta.get("fields", []))]).encode())
    if geometry is not None:
        for wkb in geometry:
            digest.update(wkb or b"\0")
    for column in values:
        if column.dtype == object:
            for value in column:
                digest.update(repr(value).encode())
        else:
            digest.update(str(column.dtype).encode())
            digest.update(column.tobytes())
    return digest.hexdigest()


def _plain(value):
    """A JSON-able copy of a parameter value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return value.as_posix()
    return value


def _step_basis(step: Step, case: Case, digests: _Digests, upstream: dict, host: Optional[dict] = None) -> dict:
    """What a step's outputs depend on: its fingerprint is the SHA-256 of this."""
    inputs = {}
    for key in (*step.inputs, *step.optional_inputs):
        if key == "vectors":
            continue  # the layers are digested one by one
        inputs[f"inputs.{key}"] = digests.input(key)
    for role in (*step.layers, *step.optional_layers):
        inputs[f"inputs.layers.{role}"] = digests.layer(role)
    parameters = {f"parameters.{name}": _plain(getattr(case.parameters, name)) for name in step.parameters}
    for key in step.case_keys:
        parameters[key] = _plain(getattr(case, {"case": "info"}.get(key, key)))
    basis = {
        "software": __version__,
        "inputs": inputs,
        "parameters": parameters,
        "steps": {name: upstream[name] for name in (*step.depends, *step.uses) if name in upstream},
    }
    if step.host != "core":  # what the host draws depends on its version (QGIS renders the maps)
        basis["host"] = {step.host: (host or {}).get(step.host)}
    return basis


def _fingerprint(basis: dict) -> str:
    return hashlib.sha256(json.dumps(basis, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _what_changed(old: dict, new: dict) -> str:
    """The keys of a step's basis that differ from the manifest's, for the stale list."""
    changed = []
    if old.get("software") != new["software"]:
        changed.append("software version")
    if old.get("host") != new.get("host"):
        changed.append("host version")
    for section in ("inputs", "parameters"):
        before, now = old.get(section, {}), new[section]
        changed += [key for key in sorted(set(before) | set(now)) if before.get(key) != now.get(key)]
    before, now = old.get("steps", {}), new["steps"]
    changed += [f"step {name}" for name in sorted(set(before) | set(now)) if before.get(name) != now.get(name)]
    return ", ".join(changed) or "outputs missing"


# --------------------------------------------------------------------------- the run
def read_manifest(package) -> Optional[dict]:
    """The manifest of a package folder, None when it has none (or an unreadable one)."""
    path = Path(package) / MANIFEST_NAME
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def stale_steps(case, package, *, extra_steps: Sequence[Step] = (), host: Optional[dict] = None) -> dict:
    """The steps a run would (re)run on an existing package, with what changed, without running.

    Parameters
    ----------
    case : Case or path-like
        The case, or its case file.
    package : path-like
        A package folder written by :func:`run_case`.
    extra_steps, host
        As for :func:`run_case`.

    Returns
    -------
    dict of str -> str
        Step name -> what changed (``"new"`` for a step the package does not have).
        Steps that would be skipped are not listed.
    """
    case = case if isinstance(case, Case) else load_case(case)
    manifest = read_manifest(package) or {"steps": {}}
    digests = _Digests(case)
    upstream, stale = {}, {}
    for step in chain(extra_steps):
        if skip_reason(step, case, set(upstream)) is not None:
            continue
        basis = _step_basis(step, case, digests, upstream, host)
        upstream[step.name] = _fingerprint(basis)
        old = manifest["steps"].get(step.name)
        if old is None or old.get("status") == "skipped":
            stale[step.name] = "new"
        elif old.get("fingerprint") != upstream[step.name]:
            stale[step.name] = _what_changed(old.get("basis", {}), basis)
    return stale


def run_case(
    case,
    output,
    *,
    extra_steps: Sequence[Step] = (),
    only_steps: Optional[Sequence[str]] = None,
    reuse: bool = True,
    host: Optional[dict] = None,
    log: Optional[LogFn] = None,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> CaseRun:
    """Run the case chain from one case file into a case package.

    Parameters
    ----------
    case : Case or path-like
        The case, or its ``case.toml`` (read and checked first: nothing is written when
        a key, path or input is wrong).
    output : path-like
        The package folder: new, empty, or a package of an earlier run (reused where
        its inputs did not change, then replaced).
    extra_steps : sequence of Step
        Steps a host gives: one named like a chain step of that host (``maps``) takes its
        place in the chain, others run after the chain.
    only_steps : sequence of str, optional
        Run these steps (and what they depend on) only.
    reuse : bool
        False reruns every step.
    host : dict, optional
        Host facts for the provenance (``{"qgis": version}``); a host step reruns when its
        host's version changed.
    log : callable, optional
        Called with one line per step (started, skipped and why, reused, done).
    progress, is_canceled : callable, optional
        Overall progress in [0, 1], and the cancel check.

    Returns
    -------
    CaseRun

    Raises
    ------
    InputError
        A bad case file, input or output folder (before any work), or bad data in a step.
    Canceled
        When ``is_canceled`` said so; the previous package is left as it was.
    """
    started = time.perf_counter()
    say = log or (lambda line: None)
    if not isinstance(case, Case):
        case = load_case(case)
    out = check_output_folder(output, case)
    try:
        steps = list(chain(extra_steps))
    except ValueError as error:
        raise InputError(str(error)) from error
    names = [s.name for s in steps]
    for step in steps:  # values a step cannot take: found before any work, nothing written
        if step.check is not None:
            step.check(case)
    if only_steps is not None:
        unknown = sorted(set(only_steps) - set(names))
        if unknown:
            raise InputError(f"unknown step {unknown[0]!r}; one of {', '.join(names)}")
        steps = _with_dependencies(steps, only_steps)
    previous = read_manifest(out) if reuse else None
    check_canceled(is_canceled)

    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    _remove_tree(staging)
    staging.mkdir(parents=True)
    try:
        outcomes, records, bases = _run_steps(
            steps, case, out, staging, previous, host or {}, say, progress, is_canceled
        )
        check_canceled(is_canceled)
        layer_sources = _gather_layers(staging, out, outcomes, previous)
        manifest = _manifest(case, staging, outcomes, records, bases, layer_sources, host or {},
                             time.perf_counter() - started)
        _write_json(staging / MANIFEST_NAME, manifest)
        _swap_in(staging, out)
    except BaseException:
        _remove_tree(staging)
        raise
    if progress is not None:
        progress(1.0)
    return CaseRun(out, manifest, outcomes, time.perf_counter() - started)


def _with_dependencies(steps: list, wanted) -> list:
    by_name = {s.name: s for s in steps}
    keep, todo = set(), list(wanted)
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        todo += [d for d in (*by_name[name].depends, *by_name[name].uses) if d in by_name]
    return [s for s in steps if s.name in keep]


def _run_steps(steps, case, out, staging, previous, host, say, progress, is_canceled):
    digests = _Digests(case)
    stages = Steps(progress, [s.weight for s in steps])
    results, fingerprints, outcomes, records, bases = {}, {}, [], {}, {}
    old_steps = (previous or {}).get("steps", {})
    for index, step in enumerate(steps):
        check_canceled(is_canceled)
        reason = skip_reason(step, case, set(results))
        if reason is not None:
            say(f"skip {step.name}: {reason}")
            outcomes.append(StepOutcome(step.name, "skipped", reason))
            continue
        basis = _step_basis(step, case, digests, fingerprints, host)
        fingerprint = _fingerprint(basis)
        fingerprints[step.name] = fingerprint
        bases[step.name] = basis
        old = old_steps.get(step.name)
        step_started = time.perf_counter()
        kept = _reusable(step, old, fingerprint, out) if old is not None else None
        if kept is not None:
            results[step.name] = kept
            _copy_step(step, out, staging, old)
            outcome = StepOutcome(step.name, "reused", "inputs unchanged", files=list(old["files"]),
                                  summary=old.get("summary", {}), warnings=old.get("warnings", []))
            records[step.name] = old.get("provenance", [])
            outcome.seconds = time.perf_counter() - step_started
            say(f"reuse {step.name}: inputs unchanged")
        else:
            why = "new" if old is None or old.get("status") == "skipped" else _what_changed(old.get("basis", {}), basis)
            say(f"run {step.name}" + (f" ({why} changed)" if old is not None and why != "new" else ""))
            scratch = staging / ".scratch" / step.name
            scratch.mkdir(parents=True)
            ctx = StepContext(case, staging, results, scratch, stages.stage(index), is_canceled, dict(host),
                              previous=out if (out / GPKG_NAME).is_file() else None)
            result = step.run(ctx)
            check_canceled(is_canceled)
            folder = staging / step.name
            folder.mkdir(parents=True, exist_ok=True)
            step.write(result, folder, ctx)
            _remove_tree(scratch)
            records[step.name] = _collect_sidecars(folder, staging, case)
            summary = step.summary(result, folder) if step.summary is not None else {}
            results[step.name] = result
            _save_state(staging, step, result, fingerprint)
            outcome = StepOutcome(step.name, "ran", "" if why == "new" else f"{why} changed",
                                  files=_step_files(folder, staging), summary=summary,
                                  warnings=[str(w) for w in (getattr(result, "warnings", None) or [])])
            outcome.seconds = time.perf_counter() - step_started
            count = len(outcome.warnings)
            noted = f" ({count} warning{'s' if count > 1 else ''} in the manifest)" if count else ""
            say(f"done {step.name} in {outcome.seconds:.1f} s{noted}")
        outcomes.append(outcome)
        stages.stage(index)(1.0)
    _remove_tree(staging / ".scratch")
    return outcomes, records, bases


def _reusable(step: Step, old: dict, fingerprint: str, out: Path):
    """The kept attributes of a step whose fingerprint and files are unchanged; None otherwise."""
    if old.get("status") not in ("ran", "reused") or old.get("fingerprint") != fingerprint:
        return None
    for relative in old.get("files", []):
        if not (out / relative.split("#", 1)[0]).is_file():
            return None
    state = out / STATE_DIR / f"{step.name}.pickle"
    try:
        with open(state, "rb") as handle:
            saved_fingerprint, attributes = pickle.load(handle)  # noqa: S301 - our own cache in our own package
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError):
        return None
    if saved_fingerprint != fingerprint:
        return None
    return SimpleNamespace(**attributes)


def _save_state(staging: Path, step: Step, result, fingerprint: str) -> None:
    folder = staging / STATE_DIR
    folder.mkdir(exist_ok=True)
    attributes = {name: getattr(result, name) for name in step.keep}
    with open(folder / f"{step.name}.pickle", "wb") as handle:
        pickle.dump((fingerprint, attributes), handle, protocol=4)


def _copy_step(step: Step, out: Path, staging: Path, old: dict) -> None:
    """A reused step's files and kept state, from the previous package into the staging one."""
    for relative in old.get("files", []):
        if relative.startswith(GPKG_NAME + "#"):
            continue  # gathered from the previous case.gpkg
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out / relative, target)  # only the listed files: not what a viewer added (.aux.xml)
    (staging / STATE_DIR).mkdir(exist_ok=True)
    shutil.copy2(out / STATE_DIR / f"{step.name}.pickle", staging / STATE_DIR / f"{step.name}.pickle")


def _step_files(folder: Path, staging: Path) -> list:
    """Package-relative paths of a step's files; GeoPackages as ``case.gpkg#<layer>`` (gathered later)."""
    import pyogrio

    files = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix.lower() == ".gpkg":
            files += [f"{GPKG_NAME}#{name}" for name, _ in pyogrio.list_layers(str(path))]
        else:
            files.append(path.relative_to(staging).as_posix())
    return files


def _collect_sidecars(folder: Path, staging: Path, case: Case) -> list:
    """The provenance sidecars the step wrote, moved into the manifest (paths made relative).

    Each distinct record once, with the files it covers; the sidecars are removed, so that
    the only time in the package is the manifest's.
    """
    distinct: dict = {}
    for sidecar in sorted(folder.rglob("*" + SIDECAR_SUFFIX)):
        output = sidecar.with_name(sidecar.name[: -len(SIDECAR_SUFFIX)])
        text = sidecar.read_text(encoding="utf-8")
        for prefix, replacement in ((str(staging) + os.sep, ""), (str(case.folder) + os.sep, "<case>/")):
            text = text.replace(json.dumps(prefix)[1:-1], replacement).replace(prefix, replacement)
        record = json.loads(text)
        record.pop("outputs", None)
        key = json.dumps({k: v for k, v in record.items() if k != "time_utc"}, sort_keys=True)
        relative = output.relative_to(staging).as_posix()
        covered = [relative]
        if output.suffix.lower() == ".gpkg":
            import pyogrio

            covered = [f"{GPKG_NAME}#{name}" for name, _ in pyogrio.list_layers(str(output))]
        distinct.setdefault(key, {**record, "files": []})["files"].extend(covered)
        sidecar.unlink()
    return list(distinct.values())


def _gather_layers(staging: Path, out: Path, outcomes: list, previous: Optional[dict]) -> dict:
    """Write ``case.gpkg``: every step's layers in chain order, from the step's GeoPackages
    (steps that ran) or the previous ``case.gpkg`` (steps reused); remove the step GeoPackages."""
    import pyogrio

    from ..geo.vector_io import write_gpkg_layers

    layers, descriptions, sources = {}, {}, {}
    for outcome in outcomes:
        if outcome.status == "skipped":
            continue
        step_packages = {
            layer: path
            for path in sorted((staging / outcome.name).rglob("*.gpkg")) if outcome.status == "ran"
            for layer, _ in pyogrio.list_layers(str(path))
        }
        for relative in outcome.files:
            if not relative.startswith(GPKG_NAME + "#"):
                continue
            name = relative.split("#", 1)[1]
            if name in layers:
                raise InputError(f"two steps write a layer {name!r} (the second: {outcome.name})")
            source = step_packages.get(name, out / GPKG_NAME)
            layers[name] = pyogrio.read_dataframe(str(source), layer=name)
            descriptions[name] = f"ree_damage step {outcome.name}"
            sources[name] = outcome.name
    if layers:
        write_gpkg_layers(staging / GPKG_NAME, layers, descriptions)
    for outcome in outcomes:
        for path in (staging / outcome.name).rglob("*.gpkg") if (staging / outcome.name).is_dir() else ():
            path.unlink()
    for outcome in outcomes:  # a step left with only GeoPackages leaves no empty folder
        folder = staging / outcome.name
        if folder.is_dir() and not any(folder.rglob("*")):
            folder.rmdir()
    return sources


def _manifest(case, staging, outcomes, records, bases, layer_sources, host, seconds) -> dict:
    files = []
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        relative = path.relative_to(staging).as_posix()
        if relative.startswith(STATE_DIR + "/") or relative == MANIFEST_NAME:
            continue
        step = relative.split("/", 1)[0] if "/" in relative else ""
        files.append({"path": relative, "bytes": path.stat().st_size, "sha256": sha256_file(path), "step": step})
    steps = {}
    for outcome in outcomes:
        entry = {"status": outcome.status, "reason": outcome.reason, "seconds": round(outcome.seconds, 3)}
        if outcome.status != "skipped":
            entry.update({
                "fingerprint": _fingerprint(bases[outcome.name]),
                "basis": bases[outcome.name],
                "files": outcome.files,
                "summary": _plain(outcome.summary),
                "warnings": outcome.warnings,
                "provenance": records.get(outcome.name, []),
            })
        steps[outcome.name] = entry
    case_file = {"path": "<case>/" + case.file.name, "sha256": sha256_file(case.file)} if case.file else None
    return {
        "format": FORMAT,
        "case": {"id": case.info.id, "name": case.info.name, "synthetic": case.info.synthetic, "file": case_file,
                 "folder": str(case.folder), "crs": _plain(case.crs)},
        "software": {"name": "ree_damage", "version": __version__, **host},
        "libraries": library_versions(),
        "time_utc": _dt.datetime.now(tz=_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "seconds": round(seconds, 3),
        "stale": [o.name for o in outcomes if o.status == "ran" and o.reason],
        "step_order": [o.name for o in outcomes],
        "steps": steps,
        "layers": dict(layer_sources),
        "files": files,
    }


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _swap_in(staging: Path, out: Path) -> None:
    """Replace ``out`` by the staging folder (two renames in one parent folder)."""
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        _remove_tree(old)
        os.replace(out, old)
        os.replace(staging, out)
        _remove_tree(old)
    else:
        os.replace(staging, out)


def _remove_tree(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)


def add_files(package, files: dict, *, step: str, seconds: float = 0.0, note: str = "") -> dict:
    """Record files a host wrote into a package (the QGIS project) in its manifest.

    Parameters
    ----------
    package : path-like
    files : dict of str -> path-like
        Name -> file inside the package.
    step : str
        The step (host) that wrote them.

    Returns
    -------
    dict
        The manifest as rewritten.
    """
    package = Path(package)
    manifest = read_manifest(package)
    if manifest is None:
        raise InputError(f"{package} is not a case package (no {MANIFEST_NAME})")
    entries = [f for f in manifest["files"] if f.get("step") != step]
    for path in files.values():
        path = Path(path)
        entries.append({"path": path.relative_to(package).as_posix(), "bytes": path.stat().st_size,
                        "sha256": sha256_file(path), "step": step})
    manifest["files"] = sorted(entries, key=lambda f: f["path"])
    manifest["step_order"] = [*(name for name in manifest["step_order"] if name != step), step]
    manifest["steps"][step] = {"status": "ran", "reason": note, "seconds": round(seconds, 3),
                               "files": [Path(p).relative_to(package).as_posix() for p in files.values()]}
    tmp = package / f".{MANIFEST_NAME}.part"
    _write_json(tmp, manifest)
    os.replace(tmp, package / MANIFEST_NAME)
    return manifest


__all__ = ["CaseRun", "StepOutcome", "add_files", "check_output_folder", "read_manifest", "run_case",
           "skip_reason", "stale_steps"]
