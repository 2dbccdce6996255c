"""Fixtures shared by the core tests: each runs a test on the numpy path and on the
compiled (numba) one, and checks that the compiled kernel really ran."""

from __future__ import annotations

import pytest


def _both_paths(request, monkeypatch, kernel: str):
    from ree_damage.core.common import kernels

    if request.param == "numpy":
        monkeypatch.setenv("REE_DAMAGE_NUMBA", "0")
        yield request.param
        return
    if not kernels.AVAILABLE:
        pytest.skip("numba is not installed: only the numpy path exists here")
    monkeypatch.setenv("REE_DAMAGE_NUMBA", "always")
    calls = []
    real = getattr(kernels, kernel)
    monkeypatch.setattr(kernels, kernel, lambda *a: calls.append(1) or real(*a))
    yield request.param
    assert calls, f"the compiled kernel {kernel} did not run"


@pytest.fixture(params=["numpy", "compiled"])
def idw_path(request, monkeypatch):
    """k-nearest IDW on the numpy path and on the compiled one."""
    yield from _both_paths(request, monkeypatch, "idw_lattice")


@pytest.fixture(params=["numpy", "compiled"])
def ok_path(request, monkeypatch):
    """Gridded kriging on the numpy path and on the compiled one."""
    yield from _both_paths(request, monkeypatch, "ok_lattice")


@pytest.fixture(params=["numpy", "compiled"])
def text_path(request, monkeypatch):
    """dms_array on the numpy path and on the compiled one."""
    yield from _both_paths(request, monkeypatch, "dms_lines")
