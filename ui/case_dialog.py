"""The case-setup dialog: who, where and when, the CRS zone, the case folder and inputs.

It writes the case file (``<folder>/case.toml``) that ``run_case`` and the case panel read;
editing an existing case keeps its parameters and sources.
"""

from __future__ import annotations

import re
from pathlib import Path

from qgis.gui import QgsFileWidget
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from . import case_state
from .case_panel import tr

FIRST_ZONE_EPSG = 4534  # CGCS2000 3-degree Gauss-Kruger zones 25-45 without prefix: EPSG 4534-4554
ZONE_COUNT = 21
DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})?$")


def zone_choices() -> list:
    """(EPSG authid, text) of the CGCS2000 3-degree zones, central meridians 75-135 E."""
    return [(f"EPSG:{FIRST_ZONE_EPSG + i}", tr("EPSG:{0} — CGCS2000 3° zone {1}, central meridian {2}°E").format(
        FIRST_ZONE_EPSG + i, 25 + i, 3 * (25 + i))) for i in range(ZONE_COUNT)]


class CaseSetupDialog(QDialog):
    """Set up a new case (``case`` None) or edit one; :attr:`written_file` after OK."""

    INFO_FIELDS = ("name", "province", "county", "site", "entrusting_unit", "institution", "act_start", "act_end")
    INPUT_FIELDS = ("vectors", "dem_before", "dem_after", "ortho", "lab_sheet")

    def __init__(self, case=None, parent=None):
        super().__init__(parent)
        self.case = case
        self.written_file = None
        self.setObjectName("ree_damage_case_setup")
        self.setWindowTitle(tr("Case setup") if case is None else tr("Edit the case"))
        layout = QVBoxLayout(self)

        labels = {
            "name": tr("Case name"), "province": tr("Province"), "county": tr("County"), "site": tr("Site"),
            "entrusting_unit": tr("Entrusting unit"), "institution": tr("Appraisal institution"),
            "act_start": tr("Act period, start (YYYY-MM-DD)"), "act_end": tr("Act period, end (YYYY-MM-DD)"),
        }
        metadata = QGroupBox(tr("Case"), self)
        form = QFormLayout(metadata)
        self.info_edits = {}
        for key in self.INFO_FIELDS:
            edit = QLineEdit(metadata)
            edit.setObjectName(f"case_{key}")
            if case is not None:
                edit.setText(str(getattr(case.info, key)))
            self.info_edits[key] = edit
            form.addRow(labels[key], edit)
        layout.addWidget(metadata)

        crs_box = QGroupBox(tr("Coordinate reference system"), self)
        crs_form = QFormLayout(crs_box)
        self.longitude = QDoubleSpinBox(crs_box)
        self.longitude.setObjectName("site_longitude")
        self.longitude.setRange(73.5, 135.0)
        self.longitude.setDecimals(3)
        self.longitude.setSuffix(" °E")
        longitude = case_state.site_longitude(case) if case is not None else None
        self.longitude.setValue(longitude if longitude is not None else 115.0)
        crs_form.addRow(tr("Site longitude"), self.longitude)
        self.zone = QComboBox(crs_box)
        self.zone.setObjectName("crs_zone")
        self.zone.addItem(tr("Automatic (from the case boundary)"), "auto")
        for authid, text in zone_choices():
            self.zone.addItem(text, authid)
        crs_form.addRow(tr("Gauss-Kruger zone"), self.zone)
        self.proposal = QLabel(crs_box)
        crs_form.addRow("", self.proposal)
        layout.addWidget(crs_box)

        files = QGroupBox(tr("Case folder and inputs"), self)
        files_form = QFormLayout(files)
        self.folder = QgsFileWidget(files)
        self.folder.setObjectName("case_folder")
        self.folder.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        if case is not None:
            self.folder.setFilePath(str(case.folder))
            self.folder.setEnabled(False)  # the inputs are relative to it: the folder stays
        files_form.addRow(tr("Case folder"), self.folder)
        input_labels = {
            "vectors": tr("Mapped layers (GeoPackage)"), "dem_before": tr("DEM before mining"),
            "dem_after": tr("DEM after mining"), "ortho": tr("Orthomosaic"), "lab_sheet": tr("Lab result sheet"),
        }
        self.input_widgets = {}
        for key in self.INPUT_FIELDS:
            widget = QgsFileWidget(files)
            widget.setObjectName(f"input_{key}")
            if case is not None and getattr(case.inputs, key) is not None:
                widget.setFilePath(str(getattr(case.inputs, key)))
            self.input_widgets[key] = widget
            files_form.addRow(input_labels[key], widget)
        files_form.addRow("", QLabel(tr("Inputs are files inside the case folder."), files))
        layout.addWidget(files)

        self.error = QLabel(self)
        self.error.setObjectName("case_setup_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00000")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.longitude.valueChanged.connect(self.propose_zone)
        current = case.crs.zone if case is not None else None
        self.propose_zone(select=current is None)
        if current is not None:
            index = self.zone.findData(current)
            self.zone.setCurrentIndex(index if index >= 0 else 0)

    def propose_zone(self, _value=None, select: bool = True):
        """Show the zone of the site's longitude and pick it (it can be changed)."""
        proposed = case_state.proposed_zone(self.longitude.value())
        self.proposal.setText(tr("Proposed from the site longitude: {0}").format(proposed))
        if select:
            self.zone.setCurrentIndex(self.zone.findData(proposed))

    def values(self) -> dict:
        return {key: edit.text().strip() for key, edit in self.info_edits.items()}

    def write(self):
        """Write the case file; the path, or None with the problem shown in the dialog."""
        info = self.values()
        folder = self.folder.filePath().strip()
        problem = None
        if not info["name"]:
            problem = tr("Give the case a name.")
        elif not folder:
            problem = tr("Choose the case folder.")
        elif not all(DATE.match(info[key]) for key in ("act_start", "act_end")):
            problem = tr("Write the dates of the act period as YYYY-MM-DD.")
        if problem is None:
            inputs = {key: widget.filePath().strip() for key, widget in self.input_widgets.items()}
            outside = [key for key, value in inputs.items() if value and not _inside(Path(value), Path(folder))]
            if outside:
                problem = tr("These inputs are not inside the case folder: {0}").format(", ".join(outside))
        if problem is not None:
            self.error.setText(problem)
            return None
        try:
            return case_state.write_case(folder, info, zone=self.zone.currentData(), inputs=inputs, base=self.case)
        except Exception as error:  # noqa: BLE001 - an unwritable folder, a bad GeoPackage: shown, not raised
            self.error.setText(tr("The case file was not written: {0}").format(error))
            return None

    def accept(self):
        self.written_file = self.write()
        if self.written_file is not None:
            super().accept()


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True
