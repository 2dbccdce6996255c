"""Error types that tell the technician exactly what is wrong and where."""

from __future__ import annotations


class ReeDamageError(Exception):
    """Base class of every error this plugin raises on purpose."""


class InputError(ReeDamageError, ValueError):
    """Bad input, named down to the layer, feature, row, column or cell.

    Parameters
    ----------
    message : str
        What is wrong, in words a technician understands.
    layer : str, optional
        Name of the layer, table or file concerned.
    feature : object, optional
        Feature id (or sample id) concerned.
    row : int, optional
        Row number as the user sees it (1-based, header excluded unless stated).
    column : str, optional
        Column (field) name.
    cell : tuple of int, optional
        Raster cell as (row, col).

    Examples
    --------
    >>> str(InputError("hole depth is negative", layer="holes", feature=7, column="depth_m"))
    "hole depth is negative [layer 'holes', feature 7, column 'depth_m']"
    """

    def __init__(self, message, *, layer=None, feature=None, row=None, column=None, cell=None):
        self.message = message
        self.layer = layer
        self.feature = feature
        self.row = row
        self.column = column
        self.cell = cell
        super().__init__(str(self))

    def where(self) -> str:
        """The location part of the message, e.g. ``layer 'holes', feature 7``."""
        parts = []
        if self.layer is not None:
            parts.append(f"layer '{self.layer}'")
        if self.feature is not None:
            parts.append(f"feature {self.feature}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        if self.cell is not None:
            parts.append(f"cell (row {self.cell[0]}, col {self.cell[1]})")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{self.message} [{where}]" if where else self.message


class Canceled(ReeDamageError):
    """Raised by :func:`ree_damage.core.common.progress.check_canceled` when the user cancels."""
