"""The case file model and one function per workflow step (the top of core: it may use every other package)."""

from .model import (
    CASE_FILE_NAME,
    LAYER_ROLES,
    STEP_PARAMETERS,
    BaselineParams,
    Case,
    CaseInfo,
    CrsChoice,
    Inputs,
    InterpolationParams,
    LabParams,
    Parameters,
    case_from_dict,
    check_case_inputs,
    load_case,
    param_sources,
)

__all__ = [
    "CASE_FILE_NAME",
    "LAYER_ROLES",
    "STEP_PARAMETERS",
    "BaselineParams",
    "Case",
    "CaseInfo",
    "CrsChoice",
    "InterpolationParams",
    "Inputs",
    "LabParams",
    "Parameters",
    "case_from_dict",
    "check_case_inputs",
    "load_case",
    "param_sources",
]
