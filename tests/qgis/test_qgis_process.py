"""qgis_process sees the provider and runs its algorithms (the headless path users take)."""

import json
import subprocess

import pytest

from .conftest import qgis_process_command, qgis_process_env

pytestmark = pytest.mark.qgis_process


def _run(args, env, timeout=300):
    result = subprocess.run(qgis_process_command() + args, env=env, capture_output=True, text=True, timeout=timeout)
    return result


@pytest.fixture(scope="module")
def process_env(tmp_path_factory):
    env = qgis_process_env(tmp_path_factory.mktemp("qgis_home"))
    enabled = _run(["plugins", "enable", "ree_damage"], env)
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    return env


def test_list_shows_the_provider(process_env):
    listed = _run(["list"], process_env)
    assert listed.returncode == 0, listed.stderr
    for algorithm in ("ree_damage:sample_case", "ree_damage:to_cgcs2000"):
        assert algorithm in listed.stdout


def test_sample_case_then_reprojection_headless(process_env, tmp_path):
    case = tmp_path / "case"
    made = _run(["--json", "run", "ree_damage:sample_case", "--", f"OUTPUT_FOLDER={case}"], process_env)
    assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]
    results = json.loads(made.stdout)["results"]
    assert results["CASE_FILE"].endswith(".toml")
    vectors = sorted(case.glob("*.gpkg"))
    assert vectors, "the sample case wrote no GeoPackage"
    out = tmp_path / "reprojected"
    layer = f"{vectors[0]}|layername=injection_holes"
    moved = _run(["--json", "run", "ree_damage:to_cgcs2000", "--", f"LAYERS={layer}", f"OUTPUT_FOLDER={out}"], process_env)
    assert moved.returncode == 0, moved.stdout[-2000:] + moved.stderr[-2000:]
    assert json.loads(moved.stdout)["results"]["ZONE_CRS"] == "EPSG:4547"
    assert list(out.glob("*_cgcs2000.gpkg"))
