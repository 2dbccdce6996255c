"""Core's messages in the user's language: the edge where codes become Chinese or English.

Core returns :class:`~ree_damage.core.common.messages.Message` objects (English as
``str``); here they are rendered in the language of the QGIS locale, the one QGIS's own
interface uses: ``locale/userLocale`` when the user overrode the locale in QGIS's
options (``locale/overrideFlag``), else the system locale (``QLocale``).
"""

from __future__ import annotations

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QLocale

from ..core.common.messages import language_of, localize


def user_locale() -> str:
    """The locale name QGIS's interface uses, e.g. ``zh_CN`` or ``en_US``."""
    settings = QgsSettings()
    if settings.value("locale/overrideFlag", False, type=bool):
        name = settings.value("locale/userLocale", "", type=str)
        if name:
            return name
    return QLocale().name()


def user_language() -> str:
    """``"zh"`` under a Chinese QGIS locale, else ``"en"``."""
    return language_of(user_locale())


def message_text(message) -> str:
    """A core warning, note or error in the user's language (plain strings unchanged)."""
    return localize(message, user_language())


def push_warnings(feedback, warnings) -> None:
    """Show core's warnings in the Processing log, each in the user's language."""
    if feedback is None:
        return
    for warning in warnings:
        feedback.pushWarning(message_text(warning))
