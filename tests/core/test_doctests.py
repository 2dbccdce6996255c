"""Run the examples in the docstrings of every core module."""

import doctest
import importlib
import pkgutil

import pytest

import ree_damage.core as core_package

MODULES = sorted(m.name for m in pkgutil.walk_packages(core_package.__path__, "ree_damage.core."))


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert failed == 0, f"{failed} docstring example(s) failed in {module_name}"
