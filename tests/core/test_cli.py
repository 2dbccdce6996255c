"""The command line (python -m ree_damage): run and validate, errors naming the key, exit codes.

The child Pythons run with QGIS made unimportable (as on a machine without it), through
``runpy`` exactly as ``-m`` runs the package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ree_damage.sample_case import generate_sample_case

PKG_PARENT = Path(__file__).resolve().parents[2] / ".pkg"
WITHOUT_QGIS = (
    "import sys, runpy\n"
    "for name in ('qgis', 'PyQt5', 'PyQt6', 'sip'): sys.modules[name] = None\n"
    "runpy.run_module('ree_damage', run_name='__main__', alter_sys=True)\n"
)


def cli(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(PKG_PARENT), "PYTHONWARNINGS": "default"}
    env.pop("REE_HIDE_QGIS", None)
    return subprocess.run([sys.executable, "-c", WITHOUT_QGIS, *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def vector_case(tmp_path_factory):
    """The sample case with its vectors only (zones, grid, depth schedule run; the rest is skipped)."""
    folder = tmp_path_factory.mktemp("cli") / "case"
    generate_sample_case(folder, include=("vectors",))
    return folder


def _edited(vector_case, tmp_path, old: str, new: str) -> Path:
    shutil.copytree(vector_case, tmp_path / "case")
    case_file = tmp_path / "case" / "case.toml"
    text = case_file.read_text(encoding="utf-8")
    assert old in text
    case_file.write_text(text.replace(old, new), encoding="utf-8")
    return case_file


def test_run_writes_the_package_and_prints_the_summary(vector_case, tmp_path):
    done = cli("run", vector_case / "case.toml", "--output", tmp_path / "package")
    assert done.returncode == 0, done.stderr
    assert "case package: " + str(tmp_path / "package") in done.stdout
    assert "functional zones: 4 (PREP, INJ, COLL, SETL)" in done.stdout
    assert "sampling points: 33 + 6 control" in done.stdout  # no DEM here: no flow-through points
    assert "skip lab: the case file names no inputs.lab_sheet" in done.stderr
    assert "skip project: QGIS (qgis.core) is not installed" in done.stderr
    assert "skip maps: needs QGIS (qgis.core), not available here" in done.stderr
    assert "Warning" not in done.stderr  # no Python warning (PYTHONWARNINGS=default shows them)
    assert (tmp_path / "package" / "manifest.json").is_file() and (tmp_path / "package" / "case.gpkg").is_file()
    again = cli("run", vector_case / "case.toml", "--output", tmp_path / "package", "--quiet")
    assert again.returncode == 0 and again.stderr == ""
    assert "reused: cgcs2000, zones, sampling, depth" in again.stdout
    checked = cli("validate", vector_case / "case.toml", "--output", tmp_path / "package")
    assert checked.returncode == 0 and f"package {tmp_path / 'package'}: every step up to date" in checked.stdout


def test_validate_lists_the_steps_and_writes_nothing(vector_case, tmp_path):
    before = sorted(p.name for p in vector_case.iterdir())
    done = cli("validate", vector_case / "case.toml")
    assert done.returncode == 0, done.stderr
    assert "  zones: runs" in done.stdout
    assert "  lab: skipped: the case file names no inputs.lab_sheet" in done.stdout
    assert "the case file is valid" in done.stdout
    assert sorted(p.name for p in vector_case.iterdir()) == before


@pytest.mark.parametrize(
    "old, new, key",
    [
        ("[parameters.sampling]\ncell_size_m = 40.0", "[parameters.sampling]\ncell_sise_m = 40.0",
         "parameters.sampling.cell_sise_m"),
        ('vectors = "sample_case.gpkg"', 'vectors = "../outside/sample_case.gpkg"', "inputs.vectors"),
        ('vectors = "sample_case.gpkg"', 'vectors = "sample_case.gpkg"\ndem_after = "dem_after_2m.tif"',
         "inputs.dem_after"),
        ('case_boundary = "case_boundary"', 'case_boundary = "no_such_layer"', "inputs.layers.case_boundary"),
        ("[parameters.sampling]\ncell_size_m = 40.0", '[parameters.sampling]\ncell_size_m = "forty"',
         "parameters.sampling.cell_size_m"),
    ],
    ids=["wrong key", "path leaving the folder", "missing input", "missing layer", "wrong type"],
)
def test_a_bad_case_file_exits_2_naming_the_key_and_writes_nothing(vector_case, tmp_path, old, new, key):
    case_file = _edited(vector_case, tmp_path, old, new)
    for command in ("validate", "run"):
        done = cli(command, case_file, "--output", tmp_path / "package")
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith(f"error: {key}: "), done.stderr
        assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case"]
    assert not (case_file.parent / "package").exists()


def test_an_output_folder_that_is_not_a_package_exits_2(vector_case, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine", encoding="utf-8")
    done = cli("run", vector_case / "case.toml", "--output", tmp_path / "out")
    assert done.returncode == 2 and "error: output: " in done.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["keep.txt"]


def test_a_missing_case_file_exits_2(tmp_path):
    done = cli("validate", tmp_path / "nothing.toml")
    assert done.returncode == 2 and "case file not found" in done.stderr


def test_usage_errors_exit_2_and_help_names_the_exit_codes():
    assert cli("frobnicate").returncode == 2
    helped = cli("--help")
    assert helped.returncode == 0 and "130" in helped.stdout and "2 bad case file" in " ".join(helped.stdout.split())


def test_an_interrupt_exits_130_and_a_failure_1(vector_case, tmp_path, monkeypatch, capsys):
    from ree_damage import __main__ as command_line
    from ree_damage.core.case import package

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(package, "run_case", interrupted)
    assert command_line.main(["run", str(vector_case / "case.toml"), "--output", str(tmp_path / "p")]) == 130
    assert "cancelled" in capsys.readouterr().err

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(package, "run_case", broken)
    assert command_line.main(["run", str(vector_case / "case.toml"), "--output", str(tmp_path / "p")]) == 1
    assert "error: RuntimeError: disk full" in capsys.readouterr().err
