"""Forward mode on the canvas: the matrix carried under each column, and the counters.

In forward mode each column aˡ (and zˡ) gets the Jacobian ∂aˡ/∂x (∂zˡ/∂x) that forward
accumulation carries from the input, an nˡ × n⁰ matrix drawn under the network as a small
heatmap on the value map (with its numbers when it is small). The C band gets the final
row dC/dx. `CounterItem` writes the running multiplication counters of both modes.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from visualizer.gui import style
from visualizer.gui.canvas.items import CanvasItem, draw_fitted_text, qrect
from visualizer.gui.canvas.layout import CARRIED_LABEL_H, CarriedSlot, Rect
from visualizer.notation import fmt_full, fmt_short, sub, sup


def carried_label(name: str, layer: int) -> str:
    """ "∂a²/∂x", "∂z²/∂x", "∂x/∂x = I", "dC/dx"."""
    if name == "dC_dx":
        return "dC/dx"
    if name == "da_dx" and layer == 0:
        return "∂x/∂x = I"
    return f"∂{'a' if name == 'da_dx' else 'z'}{sup(layer)}/∂x"


class CarriedMatrixItem(CanvasItem):
    """One carried matrix (nˡ × n⁰) in its slot, or nothing while it is not computed."""

    def __init__(self, key: tuple[str, int], slot: CarriedSlot):
        r = slot.rect
        label_w = max(r.w, 90.0)
        rect = QRectF(r.cx - label_w / 2 - 6, r.y - CARRIED_LABEL_H - 4, label_w + 12, 0)
        rect.setBottom(r.bottom + 6)
        super().__init__(rect, 2.0)
        self.key = key
        self.slot = slot
        self.label = carried_label(*key)
        self.values: np.ndarray | None = None
        self.vmax = 1.0
        self._image: QImage | None = None
        self.setVisible(False)

    def set_values(self, values: np.ndarray | None, vmax: float) -> None:
        """Show `values` coloured on ±`vmax`; None hides the item (not computed yet)."""
        if values is None:
            self.values = None
            self.setVisible(False)
            return
        values = np.atleast_2d(np.asarray(values, dtype=np.float64))
        if (
            self.values is not None
            and vmax == self.vmax
            and np.array_equal(values, self.values)
            and self.isVisible()
        ):
            return
        self.values, self.vmax = values, vmax
        self._image = style.image(values, vmax, max_side=128)
        self.setVisible(True)
        self.update()

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """(row, column) of the cell at scene point (x, y), if it is shown and there."""
        if self.values is None or not self.isVisible() or not self.slot.rect.contains(x, y):
            return None
        rows, cols = self.values.shape
        r = self.slot.rect
        i = min(rows - 1, int((y - r.y) / r.h * rows))
        j = min(cols - 1, int((x - r.x) / r.w * cols))
        return i, j

    def tooltip(self, x: float, y: float) -> str:
        """What the cell under (x, y) holds, in full precision, and what it means."""
        cell = self.cell_at(x, y)
        if cell is None or self.values is None:
            return ""
        i, j = cell
        name, layer = self.key
        value = fmt_full(self.values[i, j])
        if name == "dC_dx":
            return f"∂C/∂x{sub(j + 1)} = {value}\n(forward mode's dC/dx, entry {j + 1})"
        what = "z" if name == "dz_dx" else "a" if layer else "x"
        top = f"{what}{sup(layer)}{sub(i + 1)}" if layer else f"x{sub(i + 1)}"
        return "\n".join(
            [
                f"∂{top}/∂x{sub(j + 1)} = {value}",
                f"row {i + 1}, column {j + 1} of {self.label}: how {top} moves with x{sub(j + 1)}",
            ]
        )

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if self.values is None:
            return
        r = qrect(self.slot.rect)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(style.MUTED)
        painter.setFont(style.font(13, italic=True))
        rows, cols = self.values.shape
        head = QRectF(self.boundingRect().left(), r.top() - CARRIED_LABEL_H, 0, CARRIED_LABEL_H - 3)
        head.setRight(self.boundingRect().right())
        painter.drawText(
            head,
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
            f"{self.label}  {rows}×{cols}",
        )
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        if self._image is not None:
            painter.drawImage(r, self._image)
        if self.slot.numbers:
            light = style.text_is_light(self.values, self.vmax)
            cw, ch = r.width() / cols, r.height() / rows
            for i in range(rows):
                for j in range(cols):
                    c = QRectF(r.left() + j * cw, r.top() + i * ch, cw, ch).center()
                    painter.setPen(QColor("white") if light[i, j] else style.TEXT_ON_FILL)
                    draw_fitted_text(painter, c, fmt_short(self.values[i, j]), cw - 4, 11)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        active = self.emphasis == "active"
        painter.setPen(QPen(self.accent if active else style.NEURON_OUTLINE, 2.5 if active else 1))
        pad = 3.0 if active else 0.0
        painter.drawRect(r.adjusted(-pad, -pad, pad, pad))


def counter_text(counters: tuple[int, int], mode: str, finished: bool) -> str:
    """The counters line: forward mode's so far, reverse mode's in "both", and at the end
    of "both" their ratio."""
    reverse, forward = counters
    text = f"multiplications for dC/dx — forward mode (carries nˡ×n⁰ matrices): {forward}"
    if mode == "both":
        text += f"   ·   reverse mode (carries vectors): {reverse}"
        if finished and reverse > 0:
            text += f"   ·   forward / reverse = {forward / reverse:.2f}×"
    return text


class CounterItem(CanvasItem):
    """The running multiplication counters, in one line under the carried matrices."""

    def __init__(self, rect: Rect):
        super().__init__(qrect(rect), 2.0)
        self.text = ""
        self.setVisible(False)

    def set_text(self, text: str) -> None:
        if text != self.text:
            self.text = text
            self.update()
        self.setVisible(bool(text))

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setPen(style.INK)
        painter.setFont(style.font(14, bold=True))
        painter.drawText(
            self.boundingRect(),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self.text,
        )
