"""Colours and fonts of the canvas, in one place so the items, the legend and the view agree.

Accents are chosen not to clash with the blue–white–red value map: a neutral dark for the
forward phase, violet for the backward phase (never red against green), and amber with a
white halo for the selection. During playback what is active takes the colour of its
step's phase (`phase_accent`), the same as the player's scrubber and the pulses.
"""

from __future__ import annotations

import functools

from PySide6.QtGui import QColor, QFont

from visualizer.gui.player import PHASE_COLORS

FONT_FAMILIES = ["Inter", "Segoe UI", "Helvetica Neue", "Noto Sans", "DejaVu Sans", "Arial"]

BACKGROUND = QColor("#f8fafc")
INK = QColor("#0f172a")  # titles, dark text
MUTED = QColor("#64748b")  # secondary text, outlines
FAINT = QColor("#cbd5e1")  # box borders, connectors
BOX_FILL = QColor("#ffffff")
BAND_FILL = QColor("#f1f5f9")
SHADOW = QColor(15, 23, 42, 22)
NEURON_OUTLINE = QColor("#475569")
EMPTY_FILL = QColor("#ffffff")
FORWARD_ACCENT = QColor("#1e293b")
BACKWARD_ACCENT = QColor("#7c3aed")
SELECTION = QColor("#f59e0b")  # amber: apart from both ends of the value map and the accents
SELECTION_HALO = QColor(255, 255, 255, 235)
BUTTON_FILL = QColor("#e2e8f0")
BUTTON_HOVER = QColor("#cbd5e1")
BUTTON_DISABLED = QColor("#94a3b8")

DIM_OPACITY = 0.4


@functools.cache
def phase_accent(phase: str | None) -> QColor:
    """The accent of a playback phase ("forward", "loss", "backward"); at rest (None)
    the forward accent."""
    if phase is None or phase not in PHASE_COLORS:
        return FORWARD_ACCENT
    return QColor(PHASE_COLORS[phase])


@functools.cache
def font(pixel_size: int, bold: bool = False, italic: bool = False) -> QFont:
    """A sans font at `pixel_size` scene pixels (pixels, not points, so the canvas looks
    the same on every screen and in every export)."""
    f = QFont()
    f.setFamilies(FONT_FAMILIES)
    f.setPixelSize(pixel_size)
    f.setBold(bold)
    f.setItalic(italic)
    f.setStyleHint(QFont.StyleHint.SansSerif)
    return f
