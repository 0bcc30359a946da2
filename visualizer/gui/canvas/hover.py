"""The hover highlight of the canvas: what lights up under the mouse.

- A neuron (xᵢ, zˡᵢ, aˡᵢ, yᵢ): its incoming and outgoing edges are redrawn on top at full
  strength while every bundle fades, so its connections stand out.
- An edge wˡᵢ,ⱼ: its two neurons, aˡ⁻¹ⱼ and zˡᵢ, are ringed, and the edge is redrawn.
- Level of detail: in a strip the hovered cell is outlined; in a heatmap bundle the
  hovered row and/or column is outlined instead of thousands of lines.

Geometry comes from the pure `Layout`; `hover_shapes()` computes it, `HoverItem` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from visualizer.gui.canvas.edges import edge_pen, edge_steps
from visualizer.gui.canvas.items import CanvasItem
from visualizer.gui.canvas.layout import Bundle, Column, Hit, Layout

FADED_OPACITY = 0.22  # of the bundles while a neuron's own edges are highlighted
HOVER_INK = QColor("#0f172a")  # dark: apart from the amber selection and the value map
HOVER_HALO = QColor(255, 255, 255, 220)
# Lines just above the bundles (under the neurons, so their numbers stay readable); the
# rings and boxes on top of the columns.
HOVER_Z = {"lines": 1.6, "marks": 4.5}


@dataclass
class HoverShapes:
    """What to draw for one hover: edge lines (start, end, bundle layer, i, j), rings
    (centre, radius) around circles, and outlined rectangles (pills, strip cells, heatmap
    rows and columns). `fade` asks the bundles to fade behind the lines."""

    lines: list[tuple[QPointF, QPointF, int, int, int]] = field(default_factory=list)
    rings: list[tuple[QPointF, float]] = field(default_factory=list)
    boxes: list[QRectF] = field(default_factory=list)
    fade: bool = False

    @property
    def empty(self) -> bool:
        return not (self.lines or self.rings or self.boxes)


def _value_shape(col: Column, i: int, shapes: HoverShapes) -> None:
    """Ring the value i of `col` (a circle), or outline its pill or strip cell."""
    y = float(col.ys[i])
    if col.shape == "circle":
        shapes.rings.append((QPointF(col.x, y), col.half_w + 3))
    elif col.strip:
        shapes.boxes.append(QRectF(col.left - 3, y - col.cell / 2, 2 * col.half_w + 6, col.cell))
    else:
        h = col.half_h + 3
        shapes.boxes.append(QRectF(col.left - 3, y - h, 2 * col.half_w + 6, 2 * h))


def _edges(bundle: Bundle, rows: np.ndarray, cols: np.ndarray, shapes: HoverShapes) -> None:
    """The edges [i, j] for i in `rows`, j in `cols` as lines; in a heatmap, the band of
    those rows or columns as a rectangle."""
    n_to, n_from = bundle.y_to.shape[0], bundle.y_from.shape[0]
    if bundle.image:
        r = bundle.rect
        cw, ch = r.w / n_from, r.h / n_to
        if len(rows) == 1 and len(cols) == n_from:  # one row: the weights into a neuron
            shapes.boxes.append(QRectF(r.x, r.y + int(rows[0]) * ch, r.w, ch))
        elif len(cols) == 1 and len(rows) == n_to:  # one column: the weights out of one
            shapes.boxes.append(QRectF(r.x + int(cols[0]) * cw, r.y, cw, r.h))
        else:
            for i in rows:
                for j in cols:
                    shapes.boxes.append(QRectF(r.x + j * cw, r.y + i * ch, cw, ch))
        return
    for i in rows:
        for j in cols:
            start = QPointF(bundle.x0, float(bundle.y_from[j]))
            end = QPointF(bundle.x1, float(bundle.y_to[i]))
            shapes.lines.append((start, end, bundle.layer, int(i), int(j)))


def hover_shapes(layout: Layout, hit: Hit | None) -> HoverShapes:
    """What lights up while the mouse is over `hit` (nothing for boxes and buttons)."""
    shapes = HoverShapes()
    if hit is None:
        return shapes
    depth, l, i = layout.depth, hit.layer, hit.i
    if hit.kind in ("neuron", "z", "y"):
        col = {"neuron": lambda: layout.a[l], "z": lambda: layout.z[l - 1], "y": lambda: layout.y}[
            hit.kind
        ]()
        _value_shape(col, i, shapes)
        if hit.kind == "y":
            _value_shape(layout.a[depth], i, shapes)  # the output it is compared with
            return shapes
        if l >= 1:  # incoming: row i of Wˡ
            b = layout.bundles[l - 1]
            _edges(b, np.array([i]), np.arange(b.y_from.shape[0]), shapes)
        if hit.kind == "neuron" and l < depth:  # outgoing: column i of Wˡ⁺¹
            b = layout.bundles[l]
            _edges(b, np.arange(b.y_to.shape[0]), np.array([i]), shapes)
        shapes.fade = bool(shapes.lines) or any(b.image for b in layout.bundles)
        return shapes
    if hit.kind == "edge":
        b = layout.bundles[l - 1]
        _value_shape(layout.a[l - 1], hit.j, shapes)
        _value_shape(layout.z[l - 1], i, shapes)
        if b.image:  # the cell's row and column in the heatmap
            n_to, n_from = b.y_to.shape[0], b.y_from.shape[0]
            _edges(b, np.array([i]), np.arange(n_from), shapes)
            _edges(b, np.arange(n_to), np.array([hit.j]), shapes)
        else:
            _edges(b, np.array([i]), np.array([hit.j]), shapes)
    return shapes


class HoverItem(CanvasItem):
    """Draws a `HoverShapes`, in two items: `part` "lines" draws the edges (their own
    colour and width over a dark rim) just above the bundles and under the neurons, so
    numbers stay readable; `part` "marks" draws dark rings and boxes over a white halo on
    top of the columns."""

    def __init__(self, part: str):
        super().__init__(QRectF(), HOVER_Z[part])
        self.part = part
        self.shapes = HoverShapes()
        self._groups: list[tuple[QPen, QPen, QPainterPath]] = []  # (rim, pen, lines)

    def show_shapes(self, shapes: HoverShapes, pens: list[QPen]) -> None:
        """Show `shapes`; `pens[k]` draws `shapes.lines[k]`."""
        self.prepareGeometryChange()
        self.shapes = shapes
        rect = QRectF()
        self._groups = []
        if self.part == "lines":
            groups: dict[tuple[int, float], tuple[QPen, QPen, QPainterPath]] = {}
            for (s, e, *_), pen in zip(shapes.lines, pens, strict=True):
                key = (pen.color().rgba(), pen.widthF())
                if key not in groups:
                    rim = QPen(HOVER_INK, pen.widthF() + 1.6)
                    rim.setCapStyle(Qt.PenCapStyle.FlatCap)
                    groups[key] = (rim, pen, QPainterPath())
                path = groups[key][2]
                path.moveTo(s)
                path.lineTo(e)
                rect = rect.united(QRectF(s, e).normalized())
            self._groups = list(groups.values())
        else:
            for c, r in shapes.rings:
                rect = rect.united(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r))
            for b in shapes.boxes:
                rect = rect.united(b)
        self._rect = rect.adjusted(-8, -8, 8, 8) if not rect.isNull() else QRectF()
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        sh = self.shapes
        if sh.empty:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self.part == "lines":
            # One path per pen (a few dozen at most, like the bundles): every rim first,
            # then every line, so a rim never cuts across another highlighted line.
            for pens in (1, 0):
                for rim, pen, path in self._groups:
                    painter.setPen(rim if pens else pen)
                    painter.drawPath(path)
            return
        for color, width in ((HOVER_HALO, 4.0), (HOVER_INK, 1.6)):
            painter.setPen(QPen(color, width))
            for c, r in sh.rings:
                painter.drawEllipse(c, r, r)
            for b in sh.boxes:
                painter.drawRoundedRect(b, 2.5, 2.5)


def line_pens(
    shapes: HoverShapes, values: dict[int, tuple[np.ndarray, float, float]]
) -> list[QPen]:
    """The pen of each hovered line, as its bundle draws it (colour and width from its
    value); `values[l]` is (values, ±range, max width) of bundle l."""
    if not shapes.lines:
        return []
    index = np.array([line[2:] for line in shapes.lines], dtype=np.intp)  # (l, i, j) rows
    steps = np.empty(len(index), dtype=np.intp)
    for l in sorted(set(index[:, 0].tolist())):  # not np.unique: it imports numpy.ma (~15 ms)
        rows = index[:, 0] == l
        vals, vmax, _ = values[int(l)]
        steps[rows] = edge_steps(vals[index[rows, 1], index[rows, 2]], vmax)
    pens: dict[tuple[int, int], QPen] = {}  # one pen per (bundle, step), as the bundles
    out = []
    for (l, _i, _j), step in zip(index.tolist(), steps.tolist(), strict=True):
        if (l, step) not in pens:
            _vals, vmax, max_width = values[l]
            pen = edge_pen(step, vmax, max_width)
            pen.setWidthF(max(pen.widthF(), 1.4))  # even a zero weight shows as a line
            pens[(l, step)] = pen
        out.append(pens[(l, step)])
    return out
