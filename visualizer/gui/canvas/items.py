"""The graphics items of the canvas. Each draws many things in bulk (a whole column, a
whole band) and holds only what it needs to paint; the scene pushes new values in. The
edge bundles, the one heavy item, are in `edges.py`.

Items take no mouse input themselves: the view hit-tests the pure `Layout` instead, which
is vectorised over every edge and keeps clicks and tooltips in one place.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPaintEngine,
    QPainter,
    QPen,
    QPolygonF,
    QTextDocument,
)
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from visualizer import notation
from visualizer.gui import style
from visualizer.gui.canvas.layout import HEADER_H, ROW_H, Button, Column, Rect
from visualizer.notation import fmt_short, render, sup

_VECTOR_ENGINES = frozenset(
    {QPaintEngine.Type.SVG, QPaintEngine.Type.Pdf, QPaintEngine.Type.Picture}
)


def qrect(r: Rect) -> QRectF:
    return QRectF(r.x, r.y, r.w, r.h)


def is_vector(painter: QPainter) -> bool:
    """Whether `painter` records vectors (SVG, PDF, QPicture): no raster caches there."""
    engine = painter.paintEngine()
    return engine is not None and engine.type() in _VECTOR_ENGINES


def draw_fitted_text(
    painter: QPainter, center: QPointF, text: str, max_width: float, font_px: int
) -> None:
    """`text` centred on `center`, shrunk horizontally and vertically if wider than
    `max_width`, so long numbers (1.23e−5) stay inside their circle."""
    font = style.font(font_px)
    painter.setFont(font)
    width = QFontMetricsF(font).horizontalAdvance(text)
    box = QRectF(-width / 2 - 2, -font_px, width + 4, 2 * font_px)
    if width <= max_width:
        painter.drawText(box.translated(center), Qt.AlignmentFlag.AlignCenter, text)
        return
    painter.save()
    painter.translate(center)
    s = max_width / width
    painter.scale(s, s)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()


_DOCS: dict[tuple[str, str, str], QTextDocument] = {}


def draw_markup(
    painter: QPainter, rect: QRectF, html: str, font: QFont, color: QColor, align: Qt.AlignmentFlag
) -> None:
    """Rich text `html` (<sup>, <sub>: an index on a subscript typeset as one) in `rect`,
    aligned like drawText; the laid-out documents are kept for the next paint."""
    key = (html, font.key(), color.name(QColor.NameFormat.HexArgb))
    doc = _DOCS.get(key)
    if doc is None:
        if len(_DOCS) > 2000:  # a bound, not a policy: labels are few and repeat
            _DOCS.clear()
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(font)
        doc.setDefaultStyleSheet(f"body {{ color: {color.name()}; }}")
        doc.setHtml(f"<body>{html}</body>")
        _DOCS[key] = doc
    size = doc.size()
    if align & Qt.AlignmentFlag.AlignHCenter:
        x = rect.center().x() - size.width() / 2
    elif align & Qt.AlignmentFlag.AlignRight:
        x = rect.right() - size.width()
    else:
        x = rect.left()
    if align & Qt.AlignmentFlag.AlignBottom:
        y = rect.bottom() - size.height()
    elif align & Qt.AlignmentFlag.AlignVCenter:
        y = rect.center().y() - size.height() / 2
    else:
        y = rect.top()
    painter.save()
    painter.translate(x, y)
    doc.drawContents(painter)
    painter.restore()


def arrow_head(tip: QPointF, direction: float, size: float = 6.0) -> QPolygonF:
    """A filled triangle pointing along `direction` (radians, 0 = right) with its tip at
    `tip`."""
    back = direction + math.pi
    left = QPointF(tip.x() + size * math.cos(back - 0.45), tip.y() + size * math.sin(back - 0.45))
    right = QPointF(tip.x() + size * math.cos(back + 0.45), tip.y() + size * math.sin(back + 0.45))
    return QPolygonF([tip, left, right])


def draw_arrow(painter: QPainter, start: QPointF, end: QPointF, color: QColor, width=1.4) -> None:
    painter.setPen(QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    angle = math.atan2(end.y() - start.y(), end.x() - start.x())
    shaft_end = QPointF(end.x() - 4 * math.cos(angle), end.y() - 4 * math.sin(angle))
    painter.drawLine(start, shaft_end)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawPolygon(arrow_head(end, angle))


def draw_box(
    painter: QPainter, rect: QRectF, radius: float, fill: QColor, border: QColor, width=1.0
) -> None:
    """A rounded box with a soft shadow (a second, offset box: cheap, unlike a blur)."""
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(style.SHADOW)
    painter.drawRoundedRect(rect.translated(0, 2), radius, radius)
    painter.setBrush(fill)
    painter.setPen(QPen(border, width))
    painter.drawRoundedRect(rect, radius, radius)


class CanvasItem(QGraphicsItem):
    """An item with a fixed bounding rectangle and an emphasis (normal, active, dim)."""

    def __init__(self, rect: QRectF, z: float):
        super().__init__()
        self._rect = rect
        self.emphasis = "normal"
        self.accent = style.FORWARD_ACCENT
        self.setZValue(z)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:
        return self._rect

    def draw_frame(self, painter: QPainter, radius: float, fill: QColor) -> None:
        """The item's rounded box (`self.rect`), ringed in its accent while it is the
        current step."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        active = self.emphasis == "active"
        border = self.accent if active else style.FAINT
        draw_box(painter, self.rect, radius, fill, border, 2.2 if active else 1.0)

    def set_emphasis(self, emphasis: str, accent: QColor | None = None) -> None:
        accent = accent or style.FORWARD_ACCENT
        if emphasis == self.emphasis and accent == self.accent:
            return
        self.emphasis, self.accent = emphasis, accent
        self.setOpacity(style.DIM_OPACITY if emphasis == "dim" else 1.0)
        self.update()

    def set_caching(self, enabled: bool) -> None:
        mode = QGraphicsItem.CacheMode.DeviceCoordinateCache
        self.setCacheMode(mode if enabled else QGraphicsItem.CacheMode.NoCache)


# -- neurons --------------------------------------------------------------------------------
class NeuronColumnItem(CanvasItem):
    """One column of values (x/aˡ, zˡ or y): coloured circles with numbers, or above
    `MAX_CIRCLES` a strip of coloured cells. `values` None draws empty slots."""

    def __init__(self, column: Column, header: str):
        pad = 8.0
        rect = QRectF(
            column.x - max(column.half_w, 30) - pad,
            column.top - HEADER_H - pad,
            2 * max(column.half_w, 30) + 2 * pad,
            column.bottom - column.top + HEADER_H + 2 * pad,
        )
        super().__init__(rect, 2.0)
        self.column = column
        self.header, self.header_html = render(header)
        self.values: np.ndarray | None = None
        self.vmax = 1.0
        self._strip_image: QImage | None = None
        self._picture: tuple | None = None  # what decides the pixels (see `_picture_of`)
        self.set_caching(True)

    def set_header(self, header: str) -> None:
        """The label above the column (it names what the column shows: z², δ², ∇_{a²}C …),
        a `timeline.render` template; `header` is its plain text, `header_html` rich."""
        text, html = render(header)
        if html != self.header_html:
            self.header, self.header_html = text, html
            self.update()

    def set_values(self, values: np.ndarray | None, vmax: float) -> None:
        """Show `values` (length = column size) coloured on ±`vmax`; None for empty slots."""
        if values is not None:
            values = np.asarray(values, dtype=np.float64)
            if values.shape != (self.column.size,):
                raise ValueError(f"{values.shape} values for a column of {self.column.size}")
        same = (values is None and self.values is None) or (
            values is not None
            and self.values is not None
            and np.array_equal(values, self.values)
            and vmax == self.vmax
        )
        if same:
            return
        self.values, self.vmax = values, vmax
        picture = self._picture_of(values, vmax)
        if picture == self._picture:
            return  # new values, the same pixels (a drag moves most only within a colour)
        self._picture = picture
        self._strip_image = None
        self.update()

    def _picture_of(self, values: np.ndarray | None, vmax: float) -> tuple | None:
        """What the column's pixels depend on: the colour entry of every value, and the
        numbers as written in the circles (a strip has none)."""
        if values is None:
            return None
        colours = style.lut_index(values, vmax).tobytes()
        if self.column.strip:
            return (colours,)
        # The display settings too: restyle() repaints without new values.
        return (colours, notation.display(), tuple(fmt_short(v) for v in values))

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        col = self.column
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(style.MUTED)
        head = QRectF(col.x - 40, col.top - HEADER_H, 80, HEADER_H - 6)
        draw_markup(
            painter,
            head,
            self.header_html,
            style.font(14, italic=True),
            style.MUTED,
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
        )
        if col.strip:
            self._paint_strip(painter)
        else:
            self._paint_circles(painter, lod)
        if self.emphasis == "active":
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(self.accent, 2.5))
            ring = QRectF(col.left - 6, col.top - 4, 2 * col.half_w + 12, col.bottom - col.top + 8)
            painter.drawRoundedRect(ring, 10, 10)

    def _paint_strip(self, painter: QPainter) -> None:
        col = self.column
        rect = QRectF(col.left, col.top, 2 * col.half_w, col.bottom - col.top)
        if self.values is not None:
            if self._strip_image is None:
                self._strip_image = style.image(self.values[:, None], self.vmax)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.drawImage(rect, self._strip_image)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(style.NEURON_OUTLINE, 1.0))
        else:
            painter.setBrush(style.EMPTY_FILL)
            painter.setPen(QPen(style.NEURON_OUTLINE, 1.0, Qt.PenStyle.DashLine))
        painter.drawRoundedRect(rect, 3, 3)

    def _shape(self, painter: QPainter, center: QPointF) -> None:
        col = self.column
        if col.shape == "pill":
            rect = QRectF(
                center.x() - col.half_w, center.y() - col.half_h, 2 * col.half_w, 2 * col.half_h
            )
            painter.drawRoundedRect(rect, col.half_h, col.half_h)
        else:
            painter.drawEllipse(center, col.half_w, col.half_h)

    def _paint_circles(self, painter: QPainter, lod: float) -> None:
        col = self.column
        font_px = 11
        if self.values is None:
            painter.setBrush(style.EMPTY_FILL)
            painter.setPen(QPen(style.NEURON_OUTLINE, 1.0, Qt.PenStyle.DashLine))
            for y in col.ys:
                self._shape(painter, QPointF(col.x, float(y)))
            return
        fills = style.rgb(self.values, self.vmax)
        light = style.text_is_light(self.values, self.vmax)
        outline = QPen(style.NEURON_OUTLINE, 1.2)
        show_text = lod * font_px >= 4.5  # below ~4.5 device px text is noise
        for k, y in enumerate(col.ys):
            c = QPointF(col.x, float(y))
            painter.setPen(outline)
            painter.setBrush(QColor(int(fills[k, 0]), int(fills[k, 1]), int(fills[k, 2])))
            self._shape(painter, c)
            if show_text:
                painter.setPen(QColor("white") if light[k] else style.TEXT_ON_FILL)
                draw_fitted_text(painter, c, fmt_short(self.values[k]), 2 * col.half_w - 5, font_px)


# -- operator nodes -------------------------------------------------------------------------
class WeightsBoxItem(CanvasItem):
    """The `Wˡ + bˡ` node (forward) or `(Wˡ)ᵀ` (backward), with a small heatmap of Wˡ and bˡ."""

    def __init__(self, rect: Rect, layer: int):
        super().__init__(qrect(rect).adjusted(-4, -4, 4, 6), 3.0)
        self.rect = qrect(rect)
        self.layer = layer
        self.direction = "forward"
        self._heat: QImage | None = None
        self._bias: QImage | None = None
        self.shape = (0, 0)
        self._content: tuple | None = None
        self.set_caching(True)

    def set_content(
        self, weights: np.ndarray, biases: np.ndarray, vmax: float, direction: str
    ) -> None:
        old = self._content
        if (
            old is not None
            and old[2:] == (vmax, direction)
            # (the same immutable matrix: no need to read its millions of entries)
            and (old[0] is weights or np.array_equal(old[0], weights))
            and (old[1] is biases or np.array_equal(old[1], biases))
        ):
            return
        self._content = (weights, biases, vmax, direction)
        self.shape = weights.shape
        # The box shows a few dozen pixels each way: thin big matrices first. Backward
        # it shows (Wˡ)ᵀ: the heatmap flipped about its diagonal, and no bias.
        backward = direction == "backward"
        self._heat = style.image(weights.T if backward else weights, vmax, max_side=64)
        self._bias = None if backward else style.image(biases[:, None], vmax, max_side=64)
        self.direction = direction
        # The whole box, not just its heatmaps: Qt repaints part of an item's cache under a
        # clip, and a scaled image drawn under a clip differs by an antialiasing level at
        # its edges from the same image drawn whole (what a fresh canvas shows).
        self.update()

    def _heat_rects(self) -> tuple[QRectF, QRectF]:
        """Where the heatmaps of W (rows = neurons of layer l; backward: of Wᵀ, rows =
        neurons of layer l − 1) and b (a column) go."""
        r = self.rect
        n, m = self.shape
        if self.direction == "backward":
            n, m = m, n
        hw = float(np.clip(m * 9, 10, 46))
        hh = float(np.clip(n * 9, 10, r.height() - 22))
        bias_w = 7.0
        hx = r.right() - 12 - bias_w - 4 - hw
        hy = r.center().y() - hh / 2
        return QRectF(hx, hy, hw, hh), QRectF(hx + hw + 4, hy, bias_w, hh)

    def title(self) -> str:
        l = sup(self.layer)
        return f"(W{l})ᵀ" if self.direction == "backward" else f"W{l} + b{l}"

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        r = self.rect
        self.draw_frame(painter, 10, style.BOX_FILL)
        n, m = self.shape
        if self.direction == "backward":
            n, m = m, n  # (Wˡ)ᵀ is nˡ⁻¹ × nˡ
        w_rect, b_rect = self._heat_rects()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for image, rect in ((self._heat, w_rect), (self._bias, b_rect)):
            if image is not None:
                painter.drawImage(rect, image)
                painter.setPen(QPen(style.FAINT, 1.0))
                painter.drawRect(rect)
        text = QRectF(r.left() + 10, r.top() + 8, w_rect.left() - r.left() - 14, r.height() - 16)
        painter.setPen(style.INK)
        painter.setFont(style.font(16, bold=True))
        top = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        painter.drawText(text, top, self.title())
        painter.setPen(style.MUTED)
        painter.setFont(style.font(11))
        bottom = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom
        painter.drawText(text, bottom, f"{n} × {m}")


class ActivationBandItem(CanvasItem):
    """The `fˡ` node: a band between columns zˡ and aˡ that every zᵢ passes through
    (all-to-all for softmax, whose every output depends on every input)."""

    def __init__(self, rect: Rect, layer: int, z_col: Column, a_col: Column):
        super().__init__(qrect(rect).adjusted(-z_col.half_w - 20, -4, a_col.half_w + 20, 6), 0.0)
        self.rect = qrect(rect)
        self.layer = layer
        self.z_col, self.a_col = z_col, a_col
        self.activation = ""
        self.symbol = ""
        self.elementwise = True
        self.direction = "forward"
        self.notation = notation.display().notation
        self.set_caching(True)

    def set_content(self, activation: str, symbol: str, elementwise: bool, direction: str) -> None:
        shown = (activation, direction, notation.display().notation)
        if shown == (self.activation, self.direction, self.notation):
            return
        self.activation, self.symbol, self.elementwise = activation, symbol, elementwise
        self.direction, self.notation = direction, shown[2]
        self.update()

    def _title(self) -> str:
        if self.direction == "backward":  # as the backward pass applies it, in the notation
            return notation.t_fprime_applied(self.layer, self.elementwise, self.notation)
        return notation.t_up("f", self.layer)

    def title(self) -> str:
        """The band's name as plain text: "f²" forward; "(f²)′ ⊙" or "(J_{f²})ᵀ" backward."""
        return render(self._title())[0]

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        r = self.rect
        self.draw_frame(painter, 12, style.BAND_FILL)
        head = QRectF(r.left(), r.top() + 8, r.width(), ROW_H - 16)
        draw_markup(
            painter,
            head,
            render(self._title())[1],
            style.font(16, bold=True),
            style.INK,
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
        )
        painter.setPen(style.MUTED)
        painter.setFont(style.font(11))
        painter.drawText(
            head, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, self.symbol
        )
        z, a = self.z_col, self.a_col
        if z.strip or a.strip:
            return
        color = style.CONNECTOR
        if self.elementwise:
            for y in z.ys:
                left, right = QPointF(z.right + 2, float(y)), QPointF(a.left - 2, float(y))
                if self.direction == "backward":  # δˡ = fˡ′(zˡ) ⊙ ∇_{aˡ}C flows from aˡ to zˡ
                    left, right = right, left
                draw_arrow(painter, left, right, color, 1.3)
            return
        painter.setPen(QPen(color, 0.8))
        for yz in z.ys:
            for ya in a.ys:
                painter.drawLine(QPointF(z.right + 2, float(yz)), QPointF(a.left - 2, float(ya)))


class LossBandItem(CanvasItem):
    """The `C` node: every aᴸᵢ comes in from the left and meets its target yᵢ coming in
    from the right; shows the loss value and the loss's name."""

    def __init__(self, rect: Rect, a_col: Column, y_col: Column):
        super().__init__(qrect(rect).adjusted(-a_col.half_w - 30, -4, y_col.half_w + 30, 6), 3.0)
        self.rect = qrect(rect)
        self.a_col, self.y_col = a_col, y_col
        self.loss: float | None = float("nan")
        self.name = ""
        self.direction = "forward"
        self.set_caching(True)

    def set_content(self, loss: float | None, name: str, direction: str) -> None:
        """Show `loss` (None: not computed yet, an empty slot) of the loss `name`."""
        if (loss, name, direction) == (self.loss, self.name, self.direction):
            return
        self.loss, self.name, self.direction = loss, name, direction
        # The whole band: a part repainted under a clip differs from a fresh picture.
        self.update()

    def title(self) -> str:
        """ "C" in both directions: the box shows C; ∇_{aᴸ}C is the aᴸ column's label."""
        return "C"

    def _head(self) -> QRectF:
        r = self.rect
        return QRectF(r.left() + 4, r.top() + 8, r.width() - 8, ROW_H - 12)

    def _value_rect(self) -> QRectF:
        head = self._head()
        return QRectF(head.left(), head.top() + 20, head.width(), 20)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        r = self.rect
        self.draw_frame(painter, 12, style.BAND_FILL)
        head = self._head()
        painter.setPen(style.INK)
        painter.setFont(style.font(16, bold=True))
        # Titled by what it shows, C, in both directions; on the way back the aᴸ column
        # beside it is labelled ∇_{aᴸ}C.
        painter.drawText(
            head, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, self.title()
        )
        if self.loss is None:
            slot = self._value_rect().adjusted(18, 2, -18, -2)
            painter.setBrush(style.EMPTY_FILL)
            painter.setPen(QPen(style.NEURON_OUTLINE, 1.0, Qt.PenStyle.DashLine))
            painter.drawRoundedRect(slot, slot.height() / 2, slot.height() / 2)
        else:
            painter.setFont(style.font(13))
            painter.drawText(self._value_rect(), Qt.AlignmentFlag.AlignCenter, fmt_short(self.loss))
        painter.setPen(style.MUTED)
        painter.setFont(style.font(10))
        low = QRectF(head.left(), head.top() + 40, head.width(), 30)
        painter.drawText(
            low,
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
            self.name.replace("_", " "),
        )
        a, y = self.a_col, self.y_col
        if a.strip or y.strip:
            return
        color = style.CONNECTOR
        for ya, yy in zip(a.ys, y.ys, strict=True):
            start, end = QPointF(a.right + 2, float(ya)), QPointF(r.left() - 1, float(ya))
            if self.direction == "backward":  # ∂C/∂aᴸ goes back into the network
                start, end = end, start
            draw_arrow(painter, start, end, color)
            draw_arrow(
                painter, QPointF(y.left - 2, float(yy)), QPointF(r.right() + 1, float(yy)), color
            )


class FlowItem(CanvasItem):
    """Arrows along the operator row: x → W¹ → f¹ → … → fᴸ → C ← y."""

    def __init__(self, row: Rect, x_col: Column, y_col: Column, boxes: list[Rect], loss: Rect):
        super().__init__(qrect(row).adjusted(-40, -4, 40, 4), 3.0)
        self.row = qrect(row)
        self.x_col, self.y_col = x_col, y_col
        self.boxes = [qrect(b) for b in boxes]  # W¹, f¹, W², f², …
        self.loss = qrect(loss)
        self.direction = "forward"
        self.set_caching(True)

    def set_direction(self, direction: str) -> None:
        """Point the arrows forward (x → … → C) or backward (C → … → x)."""
        if direction != self.direction:
            self.direction = direction
            self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        cy = self.row.center().y()
        color = style.MUTED
        painter.setPen(style.INK)
        painter.setFont(style.font(18, italic=True))
        for col, text in ((self.x_col, "x"), (self.y_col, "y")):
            painter.drawText(
                QRectF(col.x - 20, cy - 14, 40, 28), Qt.AlignmentFlag.AlignCenter, text
            )
        x = self.x_col.x + 12
        backward = self.direction == "backward"
        for box in [*self.boxes, self.loss]:
            start, end = QPointF(x + 2, cy), QPointF(box.left() - 3, cy)
            if backward:
                start, end = QPointF(box.left() - 2, cy), QPointF(x + 3, cy)
            draw_arrow(painter, start, end, color)
            x = box.right()
        draw_arrow(
            painter, QPointF(self.y_col.x - 12, cy), QPointF(self.loss.right() + 3, cy), color
        )


class ButtonsItem(CanvasItem):
    """ "−  n  +" under a column: remove or add a neuron."""

    def __init__(self, minus: Button, plus: Button, max_size: int):
        cx = (minus.cx + plus.cx) / 2
        r = minus.r
        super().__init__(
            QRectF(minus.cx - r - 2, minus.cy - r - 2, plus.cx - minus.cx + 2 * r + 4, 2 * r + 6),
            3.0,
        )
        self.minus, self.plus = minus, plus
        self.cx = cx
        self.size = 0
        self.max_size = max_size
        self.hover = 0  # −1, +1 or 0

    def set_size(self, size: int) -> None:
        if size != self.size:
            self.size = size
            self.update()

    def set_hover(self, delta: int) -> None:
        if delta != self.hover:
            self.hover = delta
            self.update()

    def enabled(self, delta: int) -> bool:
        return 1 <= self.size + delta <= self.max_size

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for button, glyph in ((self.minus, "−"), (self.plus, "+")):
            on = self.enabled(button.delta)
            fill = style.BUTTON_HOVER if on and self.hover == button.delta else style.BUTTON_FILL
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill if on else style.BUTTON_OFF_FILL)
            c = QPointF(button.cx, button.cy)
            painter.drawEllipse(c, button.r, button.r)
            painter.setPen(QPen(style.INK if on else style.BUTTON_DISABLED, 1.6))
            d = button.r * 0.45
            painter.drawLine(QPointF(c.x() - d, c.y()), QPointF(c.x() + d, c.y()))
            if glyph == "+":
                painter.drawLine(QPointF(c.x(), c.y() - d), QPointF(c.x(), c.y() + d))
        painter.setPen(style.MUTED)
        painter.setFont(style.font(11))
        box = QRectF(self.cx - 14, self.minus.cy - 9, 28, 18)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, str(self.size))


class SelectionItem(CanvasItem):
    """The highlight of the selection: amber rings around neurons (on top of everything),
    or the selected edge redrawn with an amber outline (its bundle leaves it out; drawn
    under the neurons, so their numbers stay readable)."""

    Z_RINGS, Z_EDGE = 5.0, 1.5

    def __init__(self):
        super().__init__(QRectF(), self.Z_RINGS)
        self._rings: list[tuple[QPointF, float]] = []
        self._boxes: list[QRectF] = []
        self._edge: tuple[QPointF, QPointF, QPen] | None = None

    def clear(self) -> None:
        self._set([], [], None)

    def show_rings(self, rings: list[tuple[QPointF, float]], boxes: list[QRectF]) -> None:
        self._set(rings, boxes, None)

    def show_edge(self, start: QPointF, end: QPointF, pen: QPen) -> None:
        self._set([], [], (start, end, pen))

    def _set(self, rings, boxes, edge) -> None:
        self.prepareGeometryChange()
        self._rings, self._boxes, self._edge = rings, boxes, edge
        self.setZValue(self.Z_EDGE if edge is not None else self.Z_RINGS)
        rect = QRectF()
        for c, r in rings:
            rect = rect.united(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r))
        for b in boxes:
            rect = rect.united(b)
        if edge is not None:
            s, e, _pen = edge
            rect = rect.united(QRectF(s, e).normalized())
        self._rect = rect.adjusted(-10, -10, 10, 10) if not rect.isNull() else QRectF()
        self.update()

    @property
    def empty(self) -> bool:
        return not (self._rings or self._boxes or self._edge)

    @staticmethod
    def _outlined(painter: QPainter, draw) -> None:
        """Draw a shape three times: a dark rim, a white halo, amber on top — readable on
        any background and any value colour, and told apart by its shape (a ring three
        times as wide as a neuron's outline) in greyscale or without colour vision."""
        for color, width in (
            (style.INK, 10.4),
            (style.SELECTION_HALO, 6.6),
            (style.SELECTION, 3.2),
        ):
            painter.setPen(QPen(color, width))
            draw()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for c, r in self._rings:
            self._outlined(painter, lambda c=c, r=r: painter.drawEllipse(c, r + 4, r + 4))
        for b in self._boxes:
            r = b.height() / 2 if b.height() < 40 else 7.0  # pills stay pill-shaped
            self._outlined(painter, lambda b=b, r=r: painter.drawRoundedRect(b, r, r))
        if self._edge is not None:
            s, e, pen = self._edge
            width = max(pen.widthF(), 1.6)
            for color, w in (
                (style.INK, width + 8.0),
                (style.SELECTION, width + 6.0),
                (style.SELECTION_HALO, width + 2.0),
            ):
                outline = QPen(color, w)
                outline.setCapStyle(Qt.PenCapStyle.RoundCap)
                painter.setPen(outline)
                painter.drawLine(s, e)
            inner = QPen(pen)
            inner.setWidthF(width)
            painter.setPen(inner)
            painter.drawLine(s, e)
