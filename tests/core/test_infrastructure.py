"""Atomic outputs, provenance records, errors, progress, reprojection and the deps check."""

import json
import os
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from ree_damage import deps
from ree_damage.core.common.atomic import atomic_directory, atomic_outputs, atomic_path, link_or_copy
from ree_damage.core.common.errors import Canceled, InputError
from ree_damage.core.common.progress import Steps, check_canceled
from ree_damage.core.common.provenance import make_record, sha256_file, sidecar_path, write_sidecar
from ree_damage.core.geo.reproject import LONLAT_FIELDS, reproject_layers
from ree_damage.core.geo.vector_io import write_gpkg_layers


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_outputs_are_all_or_nothing(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    with pytest.raises(FileNotFoundError):
        with atomic_outputs([a, b]) as (ta, _tb):
            ta.write_text("a")  # b never written: the run is incomplete
    assert list(tmp_path.iterdir()) == []
    with atomic_outputs([a, b]) as (ta, tb):
        ta.write_text("a")
        tb.write_text("b")
    assert a.read_text() + b.read_text() == "ab"


def test_link_or_copy_links_on_one_file_system_and_copies_when_it_cannot(tmp_path, monkeypatch):
    source = tmp_path / "work" / "index.tif"
    source.parent.mkdir()
    source.write_bytes(b"index raster")
    linked = tmp_path / "out" / "linked.tif"
    linked.parent.mkdir()
    link_or_copy(source, linked)
    assert linked.read_bytes() == b"index raster" and os.path.samefile(source, linked)

    def no_links(*_args):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_links)
    copied = tmp_path / "out" / "copied.tif"
    link_or_copy(source, copied)
    assert copied.read_bytes() == b"index raster" and not os.path.samefile(source, copied)
    source.unlink()  # the working folder goes: both outputs stay whole
    assert linked.read_bytes() == copied.read_bytes() == b"index raster"


def test_atomic_directory(tmp_path):
    final = tmp_path / "case"
    with pytest.raises(ValueError):
        with atomic_directory(final) as staging:
            (staging / "x.txt").write_text("x")
            raise ValueError
    assert list(final.iterdir()) == []
    with atomic_directory(final) as staging:
        (staging / "sub").mkdir()
        (staging / "sub" / "y.txt").write_text("y")
    assert (final / "sub" / "y.txt").read_text() == "y"
    assert [p.name for p in final.iterdir()] == ["sub"]


def test_provenance_record_hashes_inputs(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    source = tmp_path / "in.txt"
    source.write_bytes(b"abc")
    record = make_record("ree_damage:test", inputs={"in": source}, parameters={"cell_m": 40}, crs="EPSG:4547")
    # sha256("abc"), written out
    assert record["inputs"]["in"]["sha256"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert record["time_utc"] == "2026-01-01T00:00:00+00:00"
    assert record["parameters"] == {"cell_m": 40}
    out = tmp_path / "result.gpkg"
    out.write_bytes(b"x")
    side = write_sidecar(out, record)
    assert side == sidecar_path(out) and side.name == "result.gpkg.provenance.json"
    assert json.loads(side.read_text(encoding="utf-8"))["crs"] == "EPSG:4547"
    assert sha256_file(source) == record["inputs"]["in"]["sha256"]


def test_input_error_names_the_place():
    err = InputError("hole depth is negative", layer="holes", feature=7, column="hole_depth_m")
    assert str(err) == "hole depth is negative [layer 'holes', feature 7, column 'hole_depth_m']"
    assert str(InputError("bad cell", cell=(3, 4))) == "bad cell [cell (row 3, col 4)]"
    assert isinstance(err, ValueError)


def test_progress_steps_and_cancel():
    seen = []
    steps = Steps(seen.append, [1, 1])
    steps.stage(0)(0.5)
    steps.stage(1)(1.0)
    assert seen == [0.25, 1.0]
    with pytest.raises(Canceled):
        check_canceled(lambda: True)
    check_canceled(lambda: False)
    check_canceled(None)


def test_reproject_layers_pick_one_zone_and_add_lonlat():
    points = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[Point(115.0, 25.0), Point(115.001, 25.001)], crs=4326)
    area = gpd.GeoDataFrame({"id": [1]}, geometry=[box(114.99, 24.99, 115.01, 25.01)], crs=4490)
    out, zone = reproject_layers({"points": points, "area": area})
    assert zone.epsg == 4547
    assert out["points"].crs.to_epsg() == 4547 and out["area"].crs.to_epsg() == 4547
    assert set(LONLAT_FIELDS) <= set(out["points"].columns)
    assert not set(LONLAT_FIELDS) & set(out["area"].columns)
    assert out["points"].loc[0, "lon_dms"] == "115°00'00.00\"E"
    assert out["points"].loc[0, "lat_cgcs2000"] == pytest.approx(25.0, abs=1e-8)
    # metres, not degrees: the 0.02 x 0.02 degree box is about 2 km x 2.2 km
    assert 4.0e6 < out["area"].area.iloc[0] < 5.0e6


def test_reproject_refuses_a_layer_without_crs():
    with pytest.raises(InputError, match="no coordinate reference system.*'raw'"):
        reproject_layers({"raw": gpd.GeoDataFrame(geometry=[Point(0, 0)])})


def test_gpkg_is_reproducible(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    frame = gpd.GeoDataFrame({"v": [1.5]}, geometry=[Point(500000, 2765000)], crs=4547)
    a = write_gpkg_layers(tmp_path / "a.gpkg", {"pts": frame}, {"pts": "synthetic"})
    b = write_gpkg_layers(tmp_path / "b.gpkg", {"pts": frame}, {"pts": "synthetic"})
    assert sha256_file(a) == sha256_file(b)
    back = gpd.read_file(a, layer="pts")
    assert back.crs.to_epsg() == 4547 and back.loc[0, "v"] == 1.5


def test_deps_check_reports_missing_and_old(monkeypatch, tmp_path):
    monkeypatch.setattr(deps, "REQUIRED", {"no-such-dist-xyz": "1.0", "pytest": "999.0"})
    found = deps.problems()
    assert found[0] == "no-such-dist-xyz is missing (>= 1.0 needed)"
    assert found[1].startswith("pytest ") and "too old" in found[1]
    monkeypatch.setenv("REE_DAMAGE_DEPS", str(tmp_path))
    assert deps.private_deps_dir("/whatever") == Path(tmp_path)
    assert str(tmp_path) in deps.install_command(deps.private_deps_dir())
    assert os.fspath(tmp_path) in deps.install_command(tmp_path)


def _words_as_bash_reads_them(line: str) -> list:
    """The words bash makes of a pasted line (syntax errors fail the run)."""
    import subprocess

    script = "set -- " + line + "\nprintf '%s\\0' \"$@\""
    done = subprocess.run(["bash", "-c", script], capture_output=True, check=True)
    return done.stdout.decode().split("\0")[:-1]


def test_install_commands_paste_into_bash_one_command_per_line(monkeypatch, tmp_path):
    folder = tmp_path / "profile with space" / "python" / "ree_damage_deps"
    commands = deps.install_commands(folder)
    assert all("\n" not in command for command in commands)
    pip_words = _words_as_bash_reads_them(commands[-1])
    assert pip_words[1:] == ["-m", "pip", "install", "--no-deps", "--target", str(folder),
                             "-r", str(Path(deps.__file__).resolve().parent / "requirements.txt")]
    # the interpreter QGIS runs: here the test's own, which exists and is this Python
    assert Path(pip_words[0]).exists()
    for command in commands[:-1]:  # an apt-get line when something pip needs is missing
        assert _words_as_bash_reads_them(command)[:3] == ["sudo", "apt-get", "install"]


def test_install_command_names_the_python_qgis_runs_not_the_qgis_program(monkeypatch, tmp_path):
    import sys

    prefix = tmp_path / "usr"
    (prefix / "bin").mkdir(parents=True)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    (prefix / "bin" / f"python{version}").write_text("")
    monkeypatch.setattr(sys, "executable", str(prefix / "bin" / "qgis"))
    monkeypatch.setattr(sys, "base_prefix", str(prefix))
    assert deps.qgis_python() == prefix / "bin" / f"python{version}"
    assert _words_as_bash_reads_them(deps.install_command(tmp_path))[0] == str(prefix / "bin" / f"python{version}")


def test_install_command_ignores_the_first_python3_on_the_path(monkeypatch, tmp_path):
    """Seen in QGIS desktop under make screenshots: sys.executable was a pyenv shim."""
    import sys

    prefix = tmp_path / "usr"
    (prefix / "bin").mkdir(parents=True)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    (prefix / "bin" / f"python{version}").write_text("")
    shim = tmp_path / ".pyenv" / "shims" / "python3"
    shim.parent.mkdir(parents=True)
    shim.write_text("")
    monkeypatch.setattr(sys, "executable", str(shim))
    monkeypatch.setattr(sys, "base_prefix", str(prefix))
    assert deps.qgis_python() == prefix / "bin" / f"python{version}"


def test_apt_line_lists_what_pip_needs_and_only_that(monkeypatch):
    import importlib.util
    import shutil

    have = {"apt-get": "/usr/bin/apt-get", "gdal-config": None, "geos-config": "/usr/bin/geos-config",
            "g++": "/usr/bin/g++"}
    monkeypatch.setattr(shutil, "which", lambda name: have.get(name))
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "pip" else object())
    assert deps.system_packages_command() in ("sudo apt-get install python3-pip libgdal-dev",
                                              "sudo apt-get install python3-pip libgdal-dev python3-dev")
    have["apt-get"] = None
    assert deps.system_packages_command() is None


def test_deps_sentences_go_through_the_translation():
    found = []
    original = dict(deps.REQUIRED)
    try:
        deps.REQUIRED.clear()
        deps.REQUIRED["no-such-dist-xyz"] = "1.0"
        found = deps.problems(lambda text: text.replace("is missing", "缺失"))
    finally:
        deps.REQUIRED.clear()
        deps.REQUIRED.update(original)
    assert found == ["no-such-dist-xyz 缺失 (>= 1.0 needed)"]


def test_the_version_reads_without_the_geo_libraries():
    """The About box reads core's version exactly when libraries are missing (issue 19)."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['shapely'] = None; sys.modules['geopandas'] = None; "
            f"sys.path.insert(0, {str(Path(deps.__file__).parent.parent)!r}); "
            "from ree_damage.core import __version__; print(__version__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0.1.0"


def test_deps_all_present_in_this_environment():
    assert deps.problems() == []


def test_provenance_says_whether_compiled_kernels_ran(monkeypatch):
    from ree_damage.core.common import kernels
    from ree_damage.core.common.provenance import library_versions

    monkeypatch.setenv("REE_DAMAGE_NUMBA", "0")
    versions = library_versions()
    assert versions["compiled_kernels"] == "off"
    assert (versions["numba"] is not None) == kernels.AVAILABLE
    monkeypatch.setenv("REE_DAMAGE_NUMBA", "always")
    assert library_versions()["compiled_kernels"] == ("always" if kernels.AVAILABLE else "off")
