"""The case outputs a report is made of: found by file name in a folder, or given one by one.

Every file the report reads goes through :class:`CaseOutputs`, which hashes it (SHA-256)
and keeps the list, so the document can end with the files its numbers come from. The
report reads written outputs (CSV, GeoPackage attributes, JSON, provenance sidecars)
rather than calling the steps again: it is a consumer of the case package.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..common.errors import InputError
from ..common.provenance import SIDECAR_SUFFIX, sha256_file

OUTPUT_FILES = {
    "case_file": "case.toml",
    "zones": "zones.gpkg",
    "sampling_points": "sampling_points.gpkg",
    "control_points": "control_points.gpkg",
    "compliance": "grid_compliance.csv",
    "depth_schedule": "depth_schedule.csv",
    "surveyed_points": "sample_points_cgcs2000.gpkg",
    "lab_results": "lab_results.gpkg",
    "lab_indicators": "lab_indicators.csv",
    "baseline": "baseline.csv",
    "damage_summary": "damage_summary.csv",
    "volumes": "volumes.csv",
    "vegetation": "vegetation_damage_by_zone.csv",
    "annex3": "annex3_block_area_grade_thickness.csv",
    "annex4": "annex4_block_resources.csv",
    "annex5": "annex5_resource_summary.csv",
    "valuation": "valuation.json",
}
"""Role of a case output -> the file name the steps write it under (found anywhere in the folder)."""

FIGURE_CAPTIONS = "captions.json"
"""In a figure folder: ``{"file.png": "caption"}``; a figure without one is captioned by its file name."""


@dataclass
class SourceFile:
    """A file the report read: its path as shown (relative to the outputs folder) and SHA-256."""

    label: str
    path: Path
    sha256: str


@dataclass
class CaseOutputs:
    """The outputs of a case: role -> path, and the files read so far with their SHA-256."""

    paths: dict
    root: Optional[Path] = None
    used: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    def has(self, role: str) -> bool:
        return role in self.paths

    def path(self, role: str) -> Optional[Path]:
        return self.paths.get(role)

    def label(self, path: Path) -> str:
        """``path`` relative to the outputs folder (POSIX), else its name."""
        if self.root is not None:
            try:
                return Path(path).resolve().relative_to(self.root).as_posix()
            except ValueError:
                pass
        return Path(path).name

    def note_used(self, path) -> None:
        """Add ``path`` to the list of source files (once), hashing it."""
        path = Path(path).resolve()
        if any(source.path == path for source in self.used):
            return
        self.used.append(SourceFile(self.label(path), path, sha256_file(path)))

    def table(self, role: str):
        """The CSV of ``role`` as a DataFrame (UTF-8, with or without BOM); None when absent."""
        import pandas as pd

        path = self.path(role)
        if path is None:
            return None
        try:
            frame = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=True)
        except (ValueError, OSError, UnicodeDecodeError) as error:
            raise InputError(f"cannot read the table: {error}", layer=str(path)) from error
        self.note_used(path)
        return frame

    def attributes(self, role: str):
        """The attribute table of the GeoPackage of ``role`` (first layer, no geometry); None when absent."""
        import pyogrio

        path = self.path(role)
        if path is None:
            return None
        try:
            frame = pyogrio.read_dataframe(str(path), read_geometry=False)
        except Exception as error:  # pyogrio raises its own DataSourceError and friends
            raise InputError(f"cannot read the layer: {error}", layer=str(path)) from error
        self.note_used(path)
        return frame

    def layer_crs(self, role: str) -> Optional[str]:
        """The CRS of the GeoPackage layer of ``role`` as ``"EPSG:<code>"`` (or its WKT name)."""
        import pyogrio

        path = self.path(role)
        if path is None:
            return None
        info = pyogrio.read_info(str(path))
        crs = info.get("crs")
        return str(crs) if crs else None

    def json(self, role: str):
        """The JSON document of ``role``; None when absent."""
        path = self.path(role)
        if path is None:
            return None
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except (ValueError, OSError) as error:
            raise InputError(f"not a readable JSON file: {error}", layer=str(path)) from error
        self.note_used(path)
        return doc

    def provenance(self, role: str) -> Optional[tuple]:
        """``(sidecar path, record)`` of the output of ``role``, None when it has no sidecar."""
        path = self.path(role)
        if path is None:
            return None
        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        if not sidecar.is_file():
            return None
        try:
            record = json.loads(sidecar.read_text(encoding="utf-8"))
        except ValueError as error:
            raise InputError(f"not a readable provenance record: {error}", layer=str(sidecar)) from error
        self.note_used(sidecar)
        return sidecar, record


def collect_outputs(folder=None, files=None) -> CaseOutputs:
    """The case outputs under ``folder`` (searched by file name) and/or given one by one.

    Parameters
    ----------
    folder : path-like, optional
        A case package or output folder; each role of :data:`OUTPUT_FILES` is the file of
        that name anywhere below it (the one nearest the top when several; a warning says so).
    files : mapping, optional
        Role -> path, taking precedence over the folder.

    Raises
    ------
    InputError
        An unknown role, a file that does not exist, a folder that does not exist, or
        neither a folder nor any file.
    """
    paths: dict = {}
    warnings: list = []
    root = None
    if folder:
        root = Path(folder).resolve()
        if not root.is_dir():
            raise InputError("the case outputs folder does not exist", layer=str(folder))
        for role, name in OUTPUT_FILES.items():
            found = sorted(root.rglob(name), key=lambda p: (len(p.relative_to(root).parts), p.as_posix()))
            found = [p for p in found if p.is_file()]
            if found:
                paths[role] = found[0].resolve()
                if len(found) > 1:
                    warnings.append(f"{len(found)} files named {name} under {root}: "
                                    f"{found[0].relative_to(root).as_posix()} used")
    for role, value in (files or {}).items():
        if not value:
            continue
        if role not in OUTPUT_FILES:
            raise InputError(f"unknown case output {role!r}; one of {', '.join(OUTPUT_FILES)}")
        path = Path(str(value).split("|")[0])
        if not path.is_file():
            raise InputError(f"the {role} file does not exist", layer=str(value))
        paths[role] = path.resolve()
    if not paths:
        raise InputError("no case outputs: give the folder of a case's outputs or the output files")
    if root is None:
        parents = {p.parent for p in paths.values()}
        root = parents.pop() if len(parents) == 1 else None
    return CaseOutputs(paths, root=root, warnings=warnings)


def collect_figures(folder) -> list:
    """``[(path, caption)]`` of the PNG files in ``folder``, sorted by name.

    The caption of ``x.png`` is ``captions.json``'s entry for it, else the text of
    ``x.txt`` beside it, else the file name without its extension.
    """
    if not folder:
        return []
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("the figures folder does not exist", layer=str(folder))
    captions = {}
    listing = folder / FIGURE_CAPTIONS
    if listing.is_file():
        try:
            captions = json.loads(listing.read_text(encoding="utf-8"))
        except ValueError as error:
            raise InputError(f"not a readable JSON file: {error}", layer=str(listing)) from error
        if not isinstance(captions, dict):
            raise InputError('captions are a JSON object {"file.png": "caption"}', layer=str(listing))
    figures = []
    pngs = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".png")
    for path in pngs:
        caption = captions.get(path.name)
        text_file = path.with_suffix(".txt")
        if caption is None and text_file.is_file():
            caption = text_file.read_text(encoding="utf-8").strip()
        figures.append((path.resolve(), str(caption or path.stem)))
    return figures
