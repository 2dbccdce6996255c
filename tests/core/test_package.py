"""The plugin zip is what the QGIS plugin repository accepts and nothing more."""

import configparser
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Keys the official repository's upload validator requires (plus the ones we promise).
REQUIRED_KEYS = ["name", "qgisMinimumVersion", "description", "about", "version", "author", "email", "tracker", "repository"]
PROMISED_KEYS = ["qgisMaximumVersion", "homepage", "tags", "category", "icon", "hasProcessingProvider", "changelog"]


def _committed() -> bool:
    result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True)
    return result.returncode == 0


@pytest.fixture(scope="module")
def plugin_zip(tmp_path_factory):
    if not _committed():
        pytest.skip("no commit to package")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "package.py"), "--output", str(out)], check=True, cwd=ROOT)
    (zip_path,) = out.glob("*.zip")
    return zip_path


def test_zip_holds_one_plugin_folder_and_no_tooling(plugin_zip):
    with zipfile.ZipFile(plugin_zip) as zf:
        names = zf.namelist()
    assert {n.split("/")[0] for n in names} == {"ree_damage"}
    for required in ("ree_damage/metadata.txt", "ree_damage/LICENSE", "ree_damage/__init__.py", "ree_damage/plugin.py"):
        assert required in names
    forbidden = re.compile(r"(^|/)(tests|benchmarks|scripts|\.venv|\.pkg|\.ci|__pycache__|\.git|dist|build)(/|$)|\.pyc$|Makefile$")
    assert [n for n in names if forbidden.search(n)] == []


def test_metadata_passes_the_repository_rules(plugin_zip):
    with zipfile.ZipFile(plugin_zip) as zf:
        text = zf.read("ree_damage/metadata.txt").decode("utf-8")
        names = set(zf.namelist())
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    general = parser["general"]
    for key in REQUIRED_KEYS + PROMISED_KEYS:
        assert general.get(key, "").strip(), f"metadata.txt lacks {key}"
    assert re.fullmatch(r"\d+\.\d+\.\d+", general["version"])
    assert re.fullmatch(r"\d+\.\d+", general["qgisMinimumVersion"])
    assert general["qgisMaximumVersion"] == "4.99"
    assert general["hasProcessingProvider"] == "yes"
    assert f"ree_damage/{general['icon']}" in names
    assert "@" in general["email"]
    assert "-" not in "ree_damage"  # the folder name QGIS imports


def test_zip_is_reproducible(plugin_zip, tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "package.py"), "--output", str(tmp_path)], check=True, cwd=ROOT)
    (again,) = tmp_path.glob("*.zip")
    assert again.read_bytes() == plugin_zip.read_bytes()
