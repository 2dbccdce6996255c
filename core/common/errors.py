"""Error types that tell the technician exactly what is wrong and where."""

from __future__ import annotations

from .messages import Message, location_text


class ReeDamageError(Exception):
    """Base class of every error this plugin raises on purpose."""


class InputError(ReeDamageError, ValueError):
    """Bad input, named down to the layer, feature, row, column or cell.

    Parameters
    ----------
    message : str or Message
        What is wrong, in words a technician understands (a
        :class:`~ree_damage.core.common.messages.Message` is translated at the edge).
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

    def location(self) -> dict:
        """Where the error points, as :func:`ree_damage.core.common.messages.location_text` takes it."""
        return {
            "layer": self.layer,
            "feature": self.feature,
            "row": self.row,
            "column": self.column,
            "cell": self.cell,
        }

    def where(self, language: str = "en") -> str:
        """The location part of the message, e.g. ``layer 'holes', feature 7``."""
        return location_text(self.location(), language)

    def text(self, language: str = "en") -> str:
        """The error in ``language`` (``"zh"`` or ``"en"``) when its message is a
        :class:`~ree_damage.core.common.messages.Message`; a plain message stays English."""
        if not isinstance(self.message, Message):
            language = "en"  # an uncoded message stays in one language, its location too
        message = self.message.text(language) if isinstance(self.message, Message) else str(self.message)
        where = self.where(language)
        return f"{message} [{where}]" if where else message

    def __str__(self) -> str:
        return self.text("en")


class Canceled(ReeDamageError):
    """Raised by :func:`ree_damage.core.common.progress.check_canceled` when the user cancels."""
