"""Hand edits of a case's sampling plan, for the map tools of the panel (thin: the rules are in
:mod:`ree_damage.core.survey.hand_edits`).

The map tools edit the sampling points layer in QGIS; this module says what a move or an added
point writes into it, and after the edit recomputes the grid-rule compliance of the plan on
the same inputs the sampling step used (the zones, works and flow cells its provenance record
names, the case boundary), rewrites ``grid_compliance.csv`` and appends the edit to the
provenance records of the points and of the table (``hand_edits``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import pandas as pd

from ..core.case.run import WORKS, read_layer
from ..core.common.atomic import atomic_path
from ..core.common.provenance import sidecar_path, write_sidecar
from ..core.geo.crs import zone_from_epsg
from ..core.geo.vector_io import read_layer as read_vectors
from ..core.survey import hand_edits
from ..core.survey.hand_edits import OutsideUnitError  # noqa: F401 - what the map tools catch
from ..core.survey.zones import collect_sources


class SamplingPlan:
    """The sampling plan of a case on disk: its units, points and compliance table.

    Parameters
    ----------
    case : ree_damage.core.case.model.Case
        The case (its works and boundary are the inputs of the sampling rules).
    units, points, compliance : path-like
        The sampling step's outputs (``sampling_units.gpkg``, ``sampling_points.gpkg``,
        ``grid_compliance.csv``).
    """

    def __init__(self, case, units, points, compliance):
        self.case = case
        self.units_path = Path(units)
        self.points_path = Path(points)
        self.compliance_path = Path(compliance)
        self.record = json.loads(sidecar_path(self.points_path).read_text(encoding="utf-8"))
        self.epsg = int(str(self.record["crs"]).split(":")[1])
        self._inputs = None

    # ------------------------------------------------------------------ inputs
    def _recorded_path(self, name: str) -> Optional[Path]:
        entry = (self.record.get("inputs") or {}).get(name)
        return Path(entry["path"]) if isinstance(entry, dict) and entry.get("path") else None

    def inputs(self) -> dict:
        """The zones (code -> geometry), sources, case area (m2) and cell size (m) of the plan's rules."""
        if self._inputs is None:
            zones_file = self._recorded_path("zones")
            zone_geoms = hand_edits.zone_geometries(read_vectors(zones_file).to_crs(self.epsg)) if zones_file else None
            boundary = read_layer(self.case, "case_boundary")
            boundary = boundary.to_crs(self.epsg) if boundary is not None else None
            sources, _warnings = collect_sources(
                *(read_layer(self.case, role) for role in WORKS), zone=zone_from_epsg(self.epsg),
                params=self.case.parameters.zones, boundary=boundary,
            )
            flow_file = self._recorded_path("flow_cells")
            if flow_file is not None and flow_file.is_file():
                flow = read_vectors(flow_file).to_crs(self.epsg).assign(source_type="flow")
                sources = pd.concat([sources, flow[[c for c in flow.columns if c in sources.columns]]],
                                    ignore_index=True)
            self._inputs = {
                "zones": zone_geoms,
                "sources": sources,
                "case_area_m2": hand_edits.case_area(boundary, zone_geoms or {}),
                "cell_size_m": float((self.record.get("parameters") or {}).get("cell_size_m", 40.0)),
            }
        return self._inputs

    def frames(self):
        """The units and points as they are on disk now (the points after any committed edit)."""
        return read_vectors(self.units_path), read_vectors(self.points_path)

    # ------------------------------------------------------------------ edits
    def moved(self, point_id: str, x: float, y: float) -> dict:
        """The field values of ``point_id`` moved to (x, y) (zone CRS, m); OutsideUnitError outside its unit."""
        units, points = self.frames()
        return hand_edits.move_point(units, points, point_id, x, y, self.epsg, self.inputs()["sources"])

    def added(self, x: float, y: float) -> dict:
        """The fields of a second-round point at (x, y) (zone CRS, m); OutsideUnitError outside every unit."""
        units, points = self.frames()
        return hand_edits.second_round_point(units, points, x, y, self.epsg, self.inputs()["sources"])

    def written_compliance(self):
        """The compliance table as written (``grid_compliance.csv``)."""
        return pd.read_csv(self.compliance_path, encoding="utf-8", keep_default_na=False)

    def compliance(self):
        """The compliance table of the plan as it is on disk now."""
        units, points = self.frames()
        found = self.inputs()
        return hand_edits.plan_compliance(units, points, found["case_area_m2"], zones=found["zones"],
                                          sources=found["sources"], cell_size_m=found["cell_size_m"])

    def record_edit(self, edit: dict) -> tuple:
        """After an edit was committed to the points layer: the compliance table recomputed and
        rewritten, the edit appended to the provenance of the points and of the table.

        Parameters
        ----------
        edit : dict
            What was done (``action``, ``point_id``, ``unit_id``, ``from``/``to`` in the zone CRS ...).

        Returns
        -------
        (pandas.DataFrame, list)
            The new compliance table and the rules the edit broke
            (:func:`~ree_damage.core.survey.hand_edits.broken_rules`).
        """
        before = self.written_compliance() if self.compliance_path.is_file() else None
        table = self.compliance()
        broken = hand_edits.broken_rules(before, table) if before is not None else []
        edit = {**edit, "time_utc": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
                "broken_rules": [rule_id for rule_id, *_ in broken]}
        with atomic_path(self.compliance_path) as tmp:
            table.to_csv(tmp, index=False, encoding="utf-8")
        for path in (self.points_path, self.compliance_path):
            record_file = sidecar_path(path)
            record = json.loads(record_file.read_text(encoding="utf-8")) if record_file.is_file() else dict(self.record)
            record["hand_edits"] = [*record.get("hand_edits", []), edit]
            write_sidecar(path, record)
        self.record = json.loads(sidecar_path(self.points_path).read_text(encoding="utf-8"))
        return table, broken
