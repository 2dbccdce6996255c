"""Shared helpers for the tests that run real QGIS (pytest-qgis, offscreen)."""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PKG_PARENT = ROOT / ".pkg"


def _add_qgis_python_plugins_to_path() -> None:
    """QGIS's own `processing` package lives in <pkgdata>/python/plugins; make it importable."""
    from qgis.core import QgsApplication

    prefix = Path(QgsApplication.prefixPath() or "/usr")
    for candidate in (Path(QgsApplication.pkgDataPath()) / "python" / "plugins", prefix / "share/qgis/python/plugins"):
        if (candidate / "processing").is_dir() and str(candidate) not in sys.path:
            sys.path.append(str(candidate))
            return


_add_qgis_python_plugins_to_path()


def qgis_process_command() -> list[str]:
    """The qgis_process binary: QGIS_PROCESS, else qgis_process.bin (Debian 12), else qgis_process."""
    explicit = os.environ.get("QGIS_PROCESS")
    if explicit:
        return explicit.split()
    for name in ("qgis_process.bin", "qgis_process"):
        found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
        if found:
            return [found]
    pytest.skip("qgis_process is not installed")


def qgis_process_env(home: Path) -> dict:
    """Environment for qgis_process: isolated profile, the plugin on QGIS_PLUGINPATH, our libraries."""
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        XDG_RUNTIME_DIR=str(home),
        QT_QPA_PLATFORM="offscreen",
        QGIS_PLUGINPATH=str(PKG_PARENT),
        # QGIS's embedded interpreter does not see the venv: hand it our site-packages
        REE_DAMAGE_DEPS=sysconfig.get_paths()["purelib"],
    )
    env.pop("PYTHONPATH", None)
    # pytest-qgis >= 3 points these at its own settings folder; qgis_process gets a clean profile
    env.pop("QGIS_CUSTOM_CONFIG_PATH", None)
    env.pop("QGIS_OPTIONS_PATH", None)
    return env


@pytest.fixture()
def provider(qgis_app, qgis_processing):
    """The ree_damage provider registered in the Processing registry for one test."""
    from qgis.core import QgsApplication

    from ree_damage.processing.provider import ReeDamageProvider

    registry = QgsApplication.processingRegistry()
    existing = registry.providerById("ree_damage")
    added = existing is None
    if added:
        existing = ReeDamageProvider()
        registry.addProvider(existing)
    yield existing
    if added:
        registry.removeProvider("ree_damage")


@pytest.fixture(scope="session")
def soil_chain(tmp_path_factory, qgis_app, qgis_processing):
    """The sample case through Processing, once per session: functional zones -> lab import
    -> baseline -> the 50 cm samples -> interpolate (Cd and NH4_N, IDW + kriging, 4 m cells).

    Shared by the damage and valuation tests, which read it and write only into folders of
    their own; ``paths`` are the sample case's files, ``layer(name)`` its vector layers.
    """
    from qgis import processing

    from ree_damage.processing.algorithms.analysis.baseline import Baseline
    from ree_damage.processing.algorithms.analysis.import_lab_results import ImportLabResults
    from ree_damage.processing.algorithms.analysis.interpolate import Interpolate
    from ree_damage.processing.algorithms.survey_design.functional_zones import FunctionalZones
    from ree_damage.sample_case import generate_sample_case

    out = tmp_path_factory.mktemp("soil_chain")
    paths = generate_sample_case(out / "case", include=("vectors", "dem", "lab"))
    gpkg = paths["vectors"]

    def layer(name):
        return f"{gpkg}|layername={name}"

    zones = processing.run(FunctionalZones(), {
        "BOUNDARY": layer("case_boundary"), "HOLES": layer("injection_holes"), "POOLS": layer("prep_pools"),
        "DITCHES": layer("collection_ditches"), "PONDS": layer("settling_ponds"), "DEM": str(paths["dem_before"]),
        "OUTPUT": str(out / "zones.gpkg"), "FLOW_CELLS": str(out / "flow_cells.gpkg"),
    })["OUTPUT"]
    lab = processing.run(ImportLabResults(), {
        "SHEET_FILE": str(paths["lab_xlsx"]), "POINTS": layer("sample_points"),
        "CONTROL_POINTS": layer("control_points"), "OUTPUT": str(out / "lab.gpkg"),
    })["OUTPUT"]
    baseline = processing.run(Baseline(), {"LAB_RESULTS": lab, "OUTPUT": str(out / "baseline.gpkg")})["OUTPUT"]
    surface = processing.run("native:extractbyexpression", {
        "INPUT": lab, "EXPRESSION": "depth_cm = 50", "OUTPUT": str(out / "surface.gpkg"),
    })["OUTPUT"]
    processing.run(Interpolate(), {
        "INPUT": surface, "FIELDS": ["Cd", "NH4_N"], "CASE_AREA": layer("case_boundary"), "CELL_SIZE": 4.0,
        "METHODS": [0, 1], "BASELINE": baseline, "OUTPUT_FOLDER": str(out / "rasters"),
    })
    return {"out": out, "paths": paths, "layer": layer, "zones": zones, "lab": lab, "surface": surface,
            "baseline": baseline, "rasters": str(out / "rasters")}


def python_executable() -> str:
    return sys.executable
