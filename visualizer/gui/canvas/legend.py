"""The colour bars, drawn fixed in the corner of the view (not in the scene), so they stay
readable at any zoom. The view keeps a band of `LEGEND_HEIGHT` free for them when fitting."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter, QPen

from visualizer.gui import style
from visualizer.notation import MINUS, fmt_short

LEGEND_HEIGHT = 44.0  # viewport pixels kept free at the bottom when fitting
_BAR_W = 120.0
_BAR_H = 10.0
_PAD = 10.0
_GAP = 22.0


@dataclass(frozen=True)
class LegendEntry:
    """One colour bar: `label` for what it colours, symmetric range ±`vmax`."""

    label: str
    vmax: float


def _bar_image() -> QImage:
    return style.image(np.linspace(-1.0, 1.0, style.LUT_SIZE)[None, :], 1.0)


def _range_text(vmax: float) -> tuple[str, str]:
    text = fmt_short(vmax)
    return f"{MINUS}{text}", f"+{text}"


def entry_width(entry: LegendEntry, bar_w: float = _BAR_W) -> float:
    metrics = QFontMetricsF(style.font(12))
    small = QFontMetricsF(style.font(11))
    lo, hi = _range_text(entry.vmax)
    return (
        metrics.horizontalAdvance(entry.label)
        + 8
        + small.horizontalAdvance(lo)
        + 5
        + bar_w
        + 5
        + small.horizontalAdvance(hi)
    )


def paint_legend(
    painter: QPainter, viewport: QRectF, entries: list[LegendEntry], note: str = ""
) -> QRectF:
    """Draw `entries` side by side in a panel at the bottom left of `viewport` (in the
    painter's current coordinates); returns the panel's rectangle."""
    if not entries:
        return QRectF()
    bar_w = float(_BAR_W)

    def total(note: str, bar_w: float) -> tuple[float, float]:
        note_w = QFontMetricsF(style.font(11)).horizontalAdvance(note) + _GAP if note else 0.0
        gaps = _GAP * (len(entries) - 1) + 2 * _PAD
        return sum(entry_width(e, bar_w) for e in entries) + gaps + note_w, note_w

    # A narrow view first loses the note, then shortens the bars, so nothing is clipped.
    available = viewport.width() - 16
    width, note_w = total(note, bar_w)
    if width > available and note:
        note = ""
        width, note_w = total(note, bar_w)
    if width > available:
        bar_w = max(36.0, bar_w - (width - available) / len(entries))
        width, note_w = total(note, bar_w)
    height = LEGEND_HEIGHT - 12
    panel = QRectF(viewport.left() + 8, viewport.bottom() - height - 6, width, height)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(QPen(style.FAINT, 1.0))
    bg = QColor(style.BOX_FILL)  # a copy: the theme's colour is shared
    bg.setAlpha(235)
    painter.setBrush(bg)
    painter.drawRoundedRect(panel, 8, 8)
    x = panel.left() + _PAD
    cy = panel.center().y()
    bar = _bar_image()
    for entry in entries:
        painter.setPen(style.INK)
        painter.setFont(style.font(12))
        label_w = QFontMetricsF(style.font(12)).horizontalAdvance(entry.label)
        painter.drawText(
            QRectF(x, cy - 10, label_w + 2, 20), Qt.AlignmentFlag.AlignVCenter, entry.label
        )
        x += label_w + 8
        lo, hi = _range_text(entry.vmax)
        small = style.font(11)
        fm = QFontMetricsF(small)
        painter.setFont(small)
        painter.setPen(style.MUTED)
        painter.drawText(
            QRectF(x, cy - 10, fm.horizontalAdvance(lo) + 2, 20), Qt.AlignmentFlag.AlignVCenter, lo
        )
        x += fm.horizontalAdvance(lo) + 5
        bar_rect = QRectF(x, cy - _BAR_H / 2, bar_w, _BAR_H)
        painter.drawImage(bar_rect, bar)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(style.FAINT, 1.0))
        painter.drawRect(bar_rect)
        painter.setPen(QPen(style.MUTED, 1.0))
        mid = bar_rect.center().x()
        painter.drawLine(QPointF(mid, bar_rect.top() - 2), QPointF(mid, bar_rect.bottom() + 2))
        x += bar_w + 5
        painter.setPen(style.MUTED)
        painter.drawText(
            QRectF(x, cy - 10, fm.horizontalAdvance(hi) + 2, 20), Qt.AlignmentFlag.AlignVCenter, hi
        )
        x += fm.horizontalAdvance(hi) + _GAP
    if note:
        painter.setPen(style.MUTED)
        painter.setFont(style.font(11))
        painter.drawText(QRectF(x, cy - 10, note_w, 20), Qt.AlignmentFlag.AlignVCenter, note)
    painter.restore()
    return panel
