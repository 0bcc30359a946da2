"""For teaching: text scaling per panel, and presenter mode.

Text scaling: Ctrl+= / Ctrl+− / Ctrl+0 make the text of the focused panel (the equation
panel, the chain view, the gradient and check panels) larger, smaller or normal again;
each panel keeps its own scale, remembered in the settings. `apply_text_scale` scales a
widget's font and every font a child set for itself, from the sizes they had at first.

Presenter mode (View → Presenter, F11; Esc leaves): the canvas and the equation panel fill
the screen, the docks, toolbar, menu bar and status bar are hidden, and the equation is in
large type; leaving restores the layout exactly as it was. The player keys keep working,
being window-wide actions.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QRect, Qt
from PySide6.QtWidgets import QWidget

TEXT_SCALE_STEP = 1.15  # one Ctrl+= press: 15 % larger
MIN_TEXT_SCALE, MAX_TEXT_SCALE = 0.6, 3.5
PRESENTER_TEXT_SCALE = 1.6  # the equation panel in presenter mode, on top of its own scale
SCALED_PANELS = ("equation", "chain", "gradients", "check")

_BASE = "_text_scale_base"  # the dynamic property holding a widget's unscaled size


def clamp_scale(scale: float) -> float:
    return min(MAX_TEXT_SCALE, max(MIN_TEXT_SCALE, float(scale)))


def stepped(scale: float, steps: int) -> float:
    """`scale` made `steps` presses larger (negative: smaller), clamped; 0 steps resets."""
    if steps == 0:
        return 1.0
    return clamp_scale(round(scale * TEXT_SCALE_STEP**steps, 4))


def apply_text_scale(widget: QWidget, scale: float) -> None:
    """Scale the font of `widget` and of every descendant that set its own font, to
    `scale` × the size each had the first time it was scaled (so scaling never drifts)."""
    targets = [widget] + [
        w for w in widget.findChildren(QWidget) if w.testAttribute(Qt.WidgetAttribute.WA_SetFont)
    ]
    for w in targets:
        font = w.font()
        base = w.property(_BASE)
        if base is None:
            base = font.pointSizeF() if font.pointSizeF() > 0 else -float(font.pixelSize())
            w.setProperty(_BASE, base)
        base = float(base)
        if base > 0:
            font.setPointSizeF(base * scale)
        else:
            font.setPixelSize(max(1, round(-base * scale)))
        w.setFont(font)


def text_scale_of(widget: QWidget) -> float:
    """The scale `apply_text_scale` last gave `widget` (1.0 if never)."""
    base = widget.property(_BASE)
    if base is None:
        return 1.0
    font = widget.font()
    size = font.pointSizeF() if float(base) > 0 else -float(font.pixelSize())
    return size / float(base)


@dataclass
class SavedLayout:
    """What presenter mode hides and must give back."""

    state: QByteArray
    rect: QRect
    window_state: Qt.WindowState
    menu_bar: bool
    status_bar: bool
