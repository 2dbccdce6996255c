"""The draft appraisal report (DOCX) from a case's outputs: templates, sources, document."""

from .document import ALGORITHM, ReportResult, build_report
from .sources import OUTPUT_FILES, CaseOutputs, collect_figures, collect_outputs
from .templates import LANGUAGES, load_template

__all__ = ["ALGORITHM", "LANGUAGES", "OUTPUT_FILES", "CaseOutputs", "ReportResult", "build_report",
           "collect_figures", "collect_outputs", "load_template"]
