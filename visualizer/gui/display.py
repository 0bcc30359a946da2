"""The app's display preferences — which notation the maths is written in and how many
significant digits a number shows — kept in QSettings and applied to `notation.set_display`,
which every view reads when it draws."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from visualizer import notation
from visualizer.notation import DIGIT_CHOICES, NOTATIONS, Display

NOTATION_KEY = "display/notation"
DIGITS_KEY = "display/digits"


def load(settings: QSettings) -> Display:
    """Apply the saved notation and digits (the defaults for a missing or unreadable value:
    a settings file edited by hand must not stop the app)."""
    default = Display()
    name = str(settings.value(NOTATION_KEY, default.notation))
    if name not in NOTATIONS:
        name = default.notation
    try:
        digits = int(settings.value(DIGITS_KEY, default.digits))
    except (TypeError, ValueError):
        digits = default.digits
    if digits not in DIGIT_CHOICES:
        digits = default.digits
    return notation.set_display(name, digits)


def save(settings: QSettings, display: Display) -> None:
    settings.setValue(NOTATION_KEY, display.notation)
    settings.setValue(DIGITS_KEY, display.digits)
