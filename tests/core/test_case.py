"""The case file model: read, checked, written back; errors name the key."""

from __future__ import annotations

import dataclasses

import pytest

from ree_damage.core.case import (
    STEP_PARAMETERS,
    Case,
    InterpolationParams,
    case_from_dict,
    load_case,
    param_sources,
)
from ree_damage.core.common.errors import InputError
from ree_damage.core.survey.sampling import PARAM_SOURCES as SAMPLING_SOURCES
from ree_damage.core.survey.sampling import SamplingParams
from ree_damage.core.survey.zones import ZoneParams
from ree_damage.sample_case import generate_sample_case


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("case")
    paths = generate_sample_case(folder, include=("vectors", "dem", "lab"))
    return folder, paths["case_file"]


def test_the_sample_case_file_reads_into_the_model(sample):
    folder, file = sample
    case = load_case(file)
    assert case.file == file.resolve() and case.folder == folder.resolve()
    assert case.info.id == "DEMO-GN-2026-001" and case.info.synthetic is True
    assert case.info.act_start == "2024-04-01" and case.info.province.startswith("江西省")
    assert case.crs.zone == "EPSG:4547" and case.crs.zone_width_deg == 3
    assert case.inputs.vectors == (folder / "sample_case.gpkg").resolve()
    assert case.input("lab_sheet").name == "lab_results.xlsx"
    assert case.layer("injection_holes") == "injection_holes"
    # given values replace defaults; the rest stay the guideline's
    assert case.parameters.zones.hole_depth_field == "hole_depth_m"
    assert case.parameters.zones.hole_buffer_m == ZoneParams().hole_buffer_m == 5.0
    assert case.parameters.sampling == SamplingParams(control_count=6)  # as sampled (issue 19)
    assert case.parameters.interpolation.fields == ("La", "Cd", "NH4_N", "SO4")
    assert case.parameters.interpolation.methods == ("idw", "ok")
    assert isinstance(case.parameters.interpolation.cell_size_m, float)
    assert case.parameters.baseline.ph == 5.0 and case.parameters.baseline.screening == "GB15618-2018"


def test_a_folder_finds_its_case_file(sample):
    folder, file = sample
    assert load_case(folder).file == file.resolve()


def test_written_and_read_back_the_same(sample, tmp_path):
    _, file = sample
    case = load_case(file)
    changed = dataclasses.replace(
        case,
        parameters=dataclasses.replace(
            case.parameters,
            sampling=SamplingParams(cell_size_m=30.0, control_count=6),
            interpolation=InterpolationParams(fields=("Cd",), trend="linear"),
        ),
    )
    text = changed.to_toml("# header\n")
    assert text.startswith("# header\n") and "control_count = 6" in text
    assert "merge_below_fraction" not in text  # defaults are left out
    import tomllib

    again = case_from_dict(tomllib.loads(text), case.folder)
    assert again == dataclasses.replace(changed, file=None)
    saved = changed.save(tmp_path / "copy" / "case.toml")
    assert saved.read_text(encoding="utf-8").startswith("[case]")


def test_param_sources_cover_the_defaults():
    assert param_sources("sampling") == SAMPLING_SOURCES
    assert "hole_buffer_m" in param_sources("zones")
    assert "statistic" in param_sources("baseline")
    assert set(STEP_PARAMETERS) >= {"zones", "sampling", "depth", "lab", "baseline", "interpolation"}
    with pytest.raises(KeyError):
        param_sources("nothing")


def _doc(**changes):
    doc = {"case": {"name": "t"}, "inputs": {}, "parameters": {}}
    for dotted, value in changes.items():
        table = doc
        *path, last = dotted.split("__")
        for part in path:
            table = table.setdefault(part, {})
        table[last] = value
    return doc


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        ({"colour": "red"}, "colour", "unknown key"),
        ({"case__judge": "x"}, "case.judge", "unknown key"),
        ({"parameters__sampling__cell_size": 40.0}, "parameters.sampling.cell_size", "unknown key"),
        ({"parameters__painting": {}}, "parameters.painting", "unknown key"),
        ({"parameters__sampling__cell_size_m": "forty"}, "parameters.sampling.cell_size_m", "expected a number"),
        ({"parameters__sampling__control_count": 2.5}, "parameters.sampling.control_count", "whole number"),
        ({"parameters__baseline__allow_few": 1}, "parameters.baseline.allow_few", "true or false"),
        ({"parameters__interpolation__fields": "Cd"}, "parameters.interpolation.fields", "an array"),
        ({"inputs__vectors": "../elsewhere/case.gpkg"}, "inputs.vectors", "leaves the case folder"),
        ({"inputs__vectors": "/abs/case.gpkg"}, "inputs.vectors", "absolute"),
        ({"inputs__photos": "a.jpg"}, "inputs.photos", "unknown key"),
        ({"inputs__layers__wells": "wells"}, "inputs.layers.wells", "unknown key"),
        ({"crs__zone": "4547"}, "crs.zone", "EPSG"),
        ({"crs__zone_width_deg": 4}, "crs.zone_width_deg", "3 or 6"),
        ({"sources__price": 3}, "sources.price", "text"),
    ],
)
def test_bad_keys_are_named(tmp_path, changes, key, words):
    with pytest.raises(InputError) as caught:
        case_from_dict(_doc(**changes), tmp_path)
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{key}: ") and words in str(caught.value)


def test_missing_inputs_are_found_before_any_work(sample, tmp_path):
    _, file = sample
    text = file.read_text(encoding="utf-8")
    (tmp_path / "case.toml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"^inputs\.vectors: input file not found") as caught:
        load_case(tmp_path / "case.toml")
    assert caught.value.layer == str(tmp_path / "case.toml")
    # the same file checked only for its keys reads fine
    assert load_case(tmp_path / "case.toml", check_inputs=False).inputs.vectors == (tmp_path / "sample_case.gpkg")


def test_a_layer_missing_from_the_geopackage_is_named(sample):
    folder, file = sample
    case = load_case(file)
    from ree_damage.core.case import check_case_inputs

    broken = dataclasses.replace(case, inputs=dataclasses.replace(
        case.inputs, layers={**case.inputs.layers, "stream": "river"}))
    with pytest.raises(InputError, match=r"^inputs\.layers\.stream: layer 'river' is not in sample_case\.gpkg"):
        check_case_inputs(broken)


def test_not_toml_and_no_file(tmp_path):
    (tmp_path / "case.toml").write_text("[case\nname = 1\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a valid TOML case file"):
        load_case(tmp_path)
    with pytest.raises(InputError, match="case file not found"):
        load_case(tmp_path / "nothing.toml")


def test_an_input_the_case_does_not_name(tmp_path):
    case = Case(folder=tmp_path)
    with pytest.raises(InputError, match=r"^inputs\.dem_before: the case file names no"):
        case.input("dem_before")
    with pytest.raises(InputError, match=r"^inputs\.layers\.well: unknown layer role"):
        case.layer("well")
