"""The "why transposed?" panel: the chain rule of dC/dx multiplied out both ways, with the
same numbers, and what each order of multiplication costs.

    derivative form   ∂C/∂x = ∂C/∂aᴸ · J_fᴸ · Wᴸ ⋯ J_f¹ · W¹          row vector, left to right
    gradient form     ∇ₓC  = (W¹)ᵀ (J_f¹)ᵀ ⋯ (Wᴸ)ᵀ (J_fᴸ)ᵀ ∇ₐC       column vector, right to left

Each form is a `ChainStrip`: the factors in written order, and under each factor the
running vector after multiplying by it (a row under the derivative form's factors, a column
under the gradient form's). Below: the results side by side in full precision with their
largest difference, then the cost of each order in scalar multiplications and a plot of
both costs as the hidden layers widen. Everything comes from `engine.chain`; the panel
computes nothing itself. During playback the factor that the current backward step applies
is highlighted, and running vectors that backprop has not reached yet are empty slots.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QHelpEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

import pyqtgraph as pg  # isort: skip  (after the Qt binding, so pyqtgraph picks PySide6)

from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.chain import (
    C_MEANING,
    INPUT_END_FORMULA,
    LOSS_END_FORMULA,
    ChainCosts,
    ChainResult,
    axis_value,
    chain_forms,
    cost_curve,
    network_costs,
)
from visualizer.engine.network import Network
from visualizer.gui import style
from visualizer.gui.document import Document
from visualizer.gui.player import Player
from visualizer.gui.style import PHASE_COLORS
from visualizer.notation import (
    fmt_full,
    fmt_short,
    render,
    sup,
    t_fprime,
    t_fprime_t,
    t_grad,
    t_row,
)
from visualizer.timeline import Step

Array = np.ndarray

# Above these costs chain_forms is not called: the matrix-first order alone would take
# seconds, and the dense Jacobians J_fˡ (nˡ × nˡ each) would take more than ~80 MB.
MAX_MATRIX_FIRST_MULTS = 50_000_000
MAX_VECTOR_FIRST_MULTS = 10_000_000

NUMERIC_MAX = 8  # matrices up to 8 × 8 show their numbers; bigger ones are heatmaps only
HEATMAP_SIDE = 120.0  # the longer side of a heatmap, in pixels
HEATMAP_CELL = 12.0  # largest cell of a heatmap
MIN_THICKNESS = 8.0  # a 1 × 784 row still gets a visible bar
CELL_HEIGHT = 20.0
MIN_CELL_WIDTH = 38.0
ITEM_GAP = 18.0  # room for the "·" and arrow between items
CONTINUE_GAP = 20.0  # the margin arrow of a continued line
LINE_GAP = 18.0
LABEL_GAP = 4.0
MARGIN = 8.0
SHOWN_RESULTS = 8  # components of dC/dx listed in the results table
PLOT_MAX_WIDTH = 256
PLOT_MAX_DEPTH = 16
AXIS_CHOICES = (
    ("as the input grows (n⁰)", "input"),
    ("as the hidden layers widen", "hidden"),
    ("as the network deepens", "depth"),
    ("as the output widens (nᴸ)", "output"),
)
AXIS_LABELS = {
    "input": "input width n⁰",
    "hidden": "widest hidden layer (the others scaled in proportion)",
    "depth": "layers L (the last hidden layer repeated)",
    "output": "output width nᴸ (dotted: the Jacobian ∂aᴸ/∂x, as if C were the vector aᴸ)",
}
PLOT_HEIGHT = 230
WIDE_LAYOUT = 1000  # from this width, results and costs sit side by side

INK = QColor("#263238")
MUTED = QColor("#78909c")
GRID = QColor("#ffffff")
EMPTY = QColor("#b0bec5")


_FACTOR_NAME = re.compile(r"(J_f|W|dC_da|grad_a)([0-9]+)(T?)")


# -- symbols -----------------------------------------------------------------------------
def factor_html(name: str, elementwise: bool = True) -> str:
    """Rich text for a chain factor called `name` by engine.chain, in the current notation:
    "W2" → W², "J_f2" → (f²)′ or J_f², "W2T" → (W²)ᵀ, "J_f2T" → (f²)′ or (J_f²)ᵀ,
    "dC_da3" → ∂C/∂a³, "grad_a3" → ∇_{a³}C."""
    match = _FACTOR_NAME.fullmatch(name)
    if match is None:
        return html.escape(name)
    base, layer, transposed = match.groups()
    l = int(layer)
    if base == "J_f":
        template = (t_fprime_t if transposed else t_fprime)(l, elementwise)
        return render(template)[1]
    text = {"W": f"W{sup(l)}", "dC_da": render(t_row(l))[1], "grad_a": render(t_grad(l))[1]}[base]
    return f"({text})ᵀ" if transposed else text


def vector_html(name: str) -> str:
    """Rich text for a running vector called `name` by engine.chain ("dC_dz2" → ∂C/∂z²,
    "delta2" → δ², "grad_a1" → ∇_{a¹}C, "grad_x" → ∇ₓC, "dC_dx" → ∂C/∂x)."""
    if name == "dC_dx":
        return "∂C/∂x"
    if name == "grad_x":
        return "∇<sub>x</sub>C"
    for prefix, template in (
        ("dC_dz", "∂C/∂z{}"),
        ("dC_da", "∂C/∂a{}"),
        ("delta", "δ{}"),
        ("grad_a", "∇<sub>a{}</sub>C"),
    ):
        if name.startswith(prefix):
            return template.format(sup(name[len(prefix) :]))
    return html.escape(name)


# -- the strips ----------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class StripItem:
    """One column of a strip: a factor of the chain (None for the starting vector) and the
    running vector after multiplying by it. `order` is when that vector is computed in
    backprop's order (0 = the loss gradient, where both forms start)."""

    name: str
    symbol: str
    matrix: Array | None
    vector: Array
    vector_name: str
    vector_symbol: str
    order: int
    group: int


@dataclass
class _Placed:
    """Where an item sits in the strip, for painting and tooltips."""

    item: StripItem
    column: QRectF  # the whole column (symbol to vector symbol), for the highlight
    symbol_pos: QPointF
    matrix: QRectF | None
    vector: QRectF
    vector_symbol_pos: QPointF
    line: int


@dataclass
class _Box:
    """An item's measured parts, before it is placed."""

    item: StripItem
    matrix_size: QSize
    vector_size: QSize
    symbol_doc: QTextDocument | None
    vector_doc: QTextDocument
    width: float


def _is_numeric(shape: tuple[int, ...]) -> bool:
    return shape[0] <= NUMERIC_MAX and shape[1] <= NUMERIC_MAX


class ChainStrip(QWidget):
    """One form of the chain, painted: factors in a band on top, the running vectors in a
    band below, wrapped onto as many lines as the width needs. `kind` "row" reads left to
    right (vectors are rows), "column" right to left (vectors are columns)."""

    def __init__(self, kind: str, parent: QWidget | None = None):
        super().__init__(parent)
        if kind not in ("row", "column"):
            raise ValueError(f"kind must be 'row' or 'column', got {kind!r}")
        self.kind = kind
        self._items: list[StripItem] = []
        self._highlight: str = ""
        self._accent = QColor(PHASE_COLORS["backward"])
        self._computed: int | None = None  # None: every vector shown
        self._placed: list[_Placed] = []
        self._layout_width = -1.0
        self.number_font = QFont(self.font())
        self.number_font.setPointSizeF(8.0)
        self.symbol_font = QFont(self.font())
        self.symbol_font.setPointSizeF(10.5)
        self._cell_width = MIN_CELL_WIDTH
        self._docs: dict[str, QTextDocument] = {}
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMouseTracking(True)

    # -- content -------------------------------------------------------------------------
    @property
    def items(self) -> list[StripItem]:
        return list(self._items)

    def set_items(self, items: Sequence[StripItem]) -> None:
        self._items = list(items)
        self._docs = {}
        texts = [
            fmt_short(v)
            for item in self._items
            for arr in (item.matrix, item.vector)
            if arr is not None and _is_numeric(arr.shape)
            for v in arr.ravel()
        ]
        metrics = QFontMetricsF(self.number_font)
        widest = max((metrics.horizontalAdvance(t) for t in texts), default=0.0)
        self._cell_width = max(MIN_CELL_WIDTH, math.ceil(widest + 7))
        self._relayout()

    def set_state(self, highlight: str, computed: int | None, accent: str) -> None:
        """Highlight the item whose factor is called `highlight` ("" for none) in the
        colour `accent`; show the running vectors of order < `computed` (None: all)."""
        if (highlight, computed, accent) != (self._highlight, self._computed, self._accent.name()):
            self._highlight, self._computed, self._accent = highlight, computed, QColor(accent)
            self.update()

    @property
    def highlighted(self) -> str:
        return self._highlight

    def is_computed(self, item: StripItem) -> bool:
        return self._computed is None or item.order < self._computed

    def cell_text(self, value: float) -> str:
        """How a cell shows `value`: the display's significant digits, a true minus sign."""
        return fmt_short(value)

    # -- geometry ------------------------------------------------------------------------
    def _doc(self, text: str) -> QTextDocument:
        doc = self._docs.get(text)
        if doc is None:
            doc = QTextDocument()
            doc.setDocumentMargin(0)
            doc.setDefaultFont(self.symbol_font)
            doc.setHtml(f'<span style="color:{INK.name()}">{text}</span>')
            self._docs[text] = doc
        return doc

    def _matrix_size(self, shape: tuple[int, int]) -> QSize:
        rows, cols = shape
        if _is_numeric(shape):
            return QSize(int(cols * self._cell_width), int(rows * CELL_HEIGHT))
        cell = max(1.0, min(HEATMAP_CELL, HEATMAP_SIDE / max(rows, cols)))
        w = max(MIN_THICKNESS, min(HEATMAP_SIDE, cols * cell))
        h = max(MIN_THICKNESS, min(HEATMAP_SIDE, rows * cell))
        return QSize(round(w), round(h))

    def _box(self, item: StripItem) -> _Box:
        msize = self._matrix_size(item.matrix.shape) if item.matrix is not None else QSize()
        vsize = self._matrix_size(item.vector.shape)
        sdoc = self._doc(item.symbol) if item.symbol else None
        vdoc = self._doc(item.vector_symbol)
        width = max(
            msize.width(),
            vsize.width(),
            sdoc.size().width() if sdoc else 0.0,
            vdoc.size().width(),
        )
        return _Box(item, msize, vsize, sdoc, vdoc, width)

    def _lines(self, boxes: list[_Box], width: float) -> list[list[_Box]]:
        """Split `boxes` into lines that fit `width` pixels, breaking between layers when
        a whole layer fits on a line (within a layer only when it does not). The row form
        fills lines from the loss end, which is its start; the column form starts at its
        end, so it fills lines from the end and lists them loss end first — each line of
        either form then holds the same layers."""
        groups: list[list[_Box]] = []
        for box in boxes:
            if groups and groups[-1][0].item.group == box.item.group:
                groups[-1].append(box)
            else:
                groups.append([box])
        if self.kind == "column":
            groups.reverse()

        def span(line: list[_Box]) -> float:
            return sum(b.width for b in line) + ITEM_GAP * (len(line) - 1)

        lines: list[list[_Box]] = []
        current: list[_Box] = []

        def room() -> float:  # continued lines leave space for their margin arrow
            return max(width - 2 * MARGIN - (CONTINUE_GAP if lines else 0.0), 1.0)

        for group in groups:
            joined = current + group if self.kind == "row" else group + current
            if not current or span(joined) <= room():
                current = joined
            else:
                lines.append(current)
                current = group
            # A layer wider than the line on its own: split it between items.
            while span(current) > room() and len(current) > 1:
                if self.kind == "row":
                    k = next(
                        k
                        for k in range(len(current), 0, -1)
                        if span(current[:k]) <= room() or k == 1
                    )
                    lines.append(current[:k])
                    current = current[k:]
                else:
                    k = next(
                        k
                        for k in range(len(current))
                        if span(current[k:]) <= room() or k == len(current) - 1
                    )
                    lines.append(current[k:])
                    current = current[:k]
        if current:
            lines.append(current)
        return lines

    def _place(self, width: float) -> tuple[list[_Placed], float]:
        """Lay the items out in lines no wider than `width`; return them and the height.
        Row-form lines are left-aligned (read left to right), column-form lines
        right-aligned (read right to left); a continued line gets an arrow in the margin."""
        placed: list[_Placed] = []
        if not self._items:
            return placed, 0.0
        boxes = [self._box(item) for item in self._items]
        y = MARGIN
        for number, line in enumerate(self._lines(boxes, width)):
            sym_h = max((b.symbol_doc.size().height() for b in line if b.symbol_doc), default=0.0)
            mat_h = max(
                (b.matrix_size.height() for b in line if b.item.matrix is not None), default=0.0
            )
            vec_h = max(b.vector_size.height() for b in line)
            vsym_h = max(b.vector_doc.size().height() for b in line)
            vec_top = y + (sym_h + LABEL_GAP + mat_h + 3 * LABEL_GAP if mat_h else 0.0)
            line_width = sum(b.width for b in line) + ITEM_GAP * (len(line) - 1)
            if self.kind == "row":
                x = MARGIN + (CONTINUE_GAP if number else 0.0)
            else:
                x = width - MARGIN - line_width - (CONTINUE_GAP if number else 0.0)
            for b in line:
                w = b.width
                matrix = None
                symbol_pos = QPointF(x, y)
                if b.item.matrix is not None:
                    # Matrices sit on the bottom of their band, right above their result.
                    mx = x + (w - b.matrix_size.width()) / 2
                    my = y + sym_h + LABEL_GAP + (mat_h - b.matrix_size.height())
                    matrix = QRectF(mx, my, b.matrix_size.width(), b.matrix_size.height())
                    symbol_pos = QPointF(x + (w - b.symbol_doc.size().width()) / 2, my - LABEL_GAP)
                vx = x + (w - b.vector_size.width()) / 2
                vector = QRectF(vx, vec_top, b.vector_size.width(), b.vector_size.height())
                vsym = QPointF(
                    x + (w - b.vector_doc.size().width()) / 2, vector.bottom() + LABEL_GAP
                )
                bottom = vec_top + vec_h + LABEL_GAP + vsym_h
                column = QRectF(x - 6, y - 4, w + 12, bottom - y + 8)
                placed.append(_Placed(b.item, column, symbol_pos, matrix, vector, vsym, number))
                x += w + ITEM_GAP
            y = vec_top + vec_h + LABEL_GAP + vsym_h + LINE_GAP
        return placed, y - LINE_GAP + MARGIN

    def _relayout(self) -> None:
        self._placed, _height = self._place(float(max(self.width(), 1)))
        self._layout_width = float(self.width())
        self.updateGeometry()
        self.update()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return math.ceil(self._place(float(width))[1]) if self._items else 0

    def sizeHint(self) -> QSize:
        # Everything on one line if there is room for it.
        widths = [
            max(
                self._matrix_size(i.matrix.shape).width() if i.matrix is not None else 0,
                self._matrix_size(i.vector.shape).width(),
                self._doc(i.vector_symbol).size().width(),
                self._doc(i.symbol).size().width() if i.symbol else 0,
            )
            for i in self._items
        ]
        w = int(sum(widths) + ITEM_GAP * max(len(widths) - 1, 0) + 2 * MARGIN)
        return QSize(max(w, 200), self.heightForWidth(max(w, 200)))

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 40)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if float(self.width()) != self._layout_width:
            self._relayout()

    # -- painting ------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        if float(self.width()) != self._layout_width:
            self._placed, _height = self._place(float(max(self.width(), 1)))
            self._layout_width = float(self.width())
        p = QPainter(self)
        p.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.paint_on(p)
        p.end()

    def paint_on(self, p: QPainter) -> None:
        """Paint the strip with `p` (also used to render it into an image)."""
        for placed in self._placed:
            if placed.item.name and placed.item.name == self._highlight:
                fill = QColor(self._accent)
                fill.setAlpha(46)
                p.setPen(QPen(self._accent, 2.0))
                p.setBrush(fill)
                p.drawRoundedRect(placed.column, 7, 7)
        p.setBrush(Qt.BrushStyle.NoBrush)
        previous: _Placed | None = None
        for placed in self._placed:
            if previous is not None and previous.line == placed.line:
                self._paint_operators(p, previous, placed)
            elif previous is not None:
                self._paint_continued(p, placed)
            previous = placed
        for placed in self._placed:
            self._paint_item(p, placed)

    def _paint_operators(self, p: QPainter, left: _Placed, right: _Placed) -> None:
        p.setPen(QPen(MUTED, 1.4))
        p.setFont(self.symbol_font)
        gap = QRectF(left.column.right() - 6, 0, right.column.left() - left.column.right() + 12, 0)
        if left.matrix is not None and right.matrix is not None:
            y = max(left.matrix.center().y(), right.matrix.center().y())
            if self.kind == "row":
                y = right.matrix.bottom() - min(right.matrix.height(), left.matrix.height()) / 2
            rect = QRectF(gap.left(), y - 10, gap.width(), 20)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "·")
        y = left.vector.top() + min(CELL_HEIGHT, left.vector.height(), right.vector.height()) / 2
        x0, x1 = left.vector.right() + 5, right.vector.left() - 5
        if x1 - x0 < 6:
            return
        # The running vector moves left to right in the derivative form, right to left in
        # the gradient form: the arrow says which, not only the layout.
        tip, tail = (x1, x0) if self.kind == "row" else (x0, x1)
        self._arrow(p, tail, tip, y)

    def _paint_continued(self, p: QPainter, first: _Placed) -> None:
        """The margin arrow of a continued line: the running vector comes in from the line
        above (row form, at the left) or goes on to it (column form, at the right)."""
        line = [q for q in self._placed if q.line == first.line]
        y = first.vector.top() + min(CELL_HEIGHT, first.vector.height()) / 2
        if self.kind == "row":
            x0, x1 = MARGIN, line[0].vector.left() - 5
        else:
            x0, x1 = line[-1].vector.right() + 5, self.width() - MARGIN
        if x1 - x0 >= 8:
            p.setPen(QPen(MUTED, 1.4))
            tip, tail = (x1, x0) if self.kind == "row" else (x0, x1)
            self._arrow(p, tail, tip, y)

    @staticmethod
    def _arrow(p: QPainter, tail: float, tip: float, y: float) -> None:
        p.drawLine(QPointF(tail, y), QPointF(tip, y))
        head = 4.0 if tip > tail else -4.0
        p.drawLine(QPointF(tip, y), QPointF(tip - head, y - 3.5))
        p.drawLine(QPointF(tip, y), QPointF(tip - head, y + 3.5))

    def _paint_item(self, p: QPainter, placed: _Placed) -> None:
        item = placed.item
        if item.matrix is not None and placed.matrix is not None:
            self._paint_label(p, item.symbol, placed.symbol_pos, above=True)
            self._paint_matrix(p, placed.matrix, item.matrix)
        if self.is_computed(item):
            self._paint_matrix(p, placed.vector, item.vector)
        else:
            pen = QPen(EMPTY, 1.2, Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(placed.vector.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        self._paint_label(p, item.vector_symbol, placed.vector_symbol_pos, above=False)

    def _paint_label(self, p: QPainter, text: str, pos: QPointF, above: bool) -> None:
        doc = self._doc(text)
        p.save()
        y = pos.y() - doc.size().height() if above else pos.y()
        p.translate(pos.x(), y)
        doc.drawContents(p)
        p.restore()

    def _paint_matrix(self, p: QPainter, rect: QRectF, values: Array) -> None:
        vmax = style.nice_range(float(np.max(np.abs(values), initial=0.0)))
        rows, cols = values.shape
        if _is_numeric(values.shape):
            fills = style.rgb(values, vmax)
            light = style.text_is_light(values, vmax)
            cw, ch = rect.width() / cols, rect.height() / rows
            p.setFont(self.number_font)
            p.setPen(Qt.PenStyle.NoPen)
            for i in range(rows):
                for j in range(cols):
                    r, g, b = (int(c) for c in fills[i, j])
                    cell = QRectF(rect.left() + j * cw, rect.top() + i * ch, cw, ch)
                    p.fillRect(cell.adjusted(0.5, 0.5, -0.5, -0.5), QColor(r, g, b))
            for i in range(rows):
                for j in range(cols):
                    v = float(values[i, j])
                    cell = QRectF(rect.left() + j * cw, rect.top() + i * ch, cw, ch)
                    ink = QColor("#ffffff") if light[i, j] else INK
                    if v == 0.0:
                        ink = MUTED
                    p.setPen(ink)
                    p.drawText(cell, Qt.AlignmentFlag.AlignCenter, self.cell_text(v))
        else:
            side = int(max(rect.width(), rect.height()))
            image = style.image(values, vmax, max_side=max(side, 1))
            p.save()
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            p.drawImage(rect, image)
            p.restore()
        # Matrix brackets: the factors read as maths, and a row reads as a row.
        p.setPen(QPen(INK, 1.2))
        tick = 3.0
        left, right = rect.left() - 2.5, rect.right() + 2.5
        top, bottom = rect.top() - 1.5, rect.bottom() + 1.5
        p.drawLine(QPointF(left, top), QPointF(left, bottom))
        p.drawLine(QPointF(left, top), QPointF(left + tick, top))
        p.drawLine(QPointF(left, bottom), QPointF(left + tick, bottom))
        p.drawLine(QPointF(right, top), QPointF(right, bottom))
        p.drawLine(QPointF(right, top), QPointF(right - tick, top))
        p.drawLine(QPointF(right, bottom), QPointF(right - tick, bottom))

    # -- tooltips ------------------------------------------------------------------------
    def value_at(self, pos: QPointF) -> tuple[str, int, int, float] | None:
        """(name, row, column, value) of the matrix or vector entry under `pos` (0-based
        indices into the full array, also for a thinned heatmap), or None."""
        for placed in self._placed:
            item = placed.item
            targets = [(placed.vector, item.vector, item.vector_symbol)]
            if placed.matrix is not None and item.matrix is not None:
                targets.append((placed.matrix, item.matrix, item.symbol))
            for rect, values, name in targets:
                if values is item.vector and not self.is_computed(item):
                    continue
                if rect.contains(pos):
                    rows, cols = values.shape
                    i = min(rows - 1, int((pos.y() - rect.top()) / rect.height() * rows))
                    j = min(cols - 1, int((pos.x() - rect.left()) / rect.width() * cols))
                    return name, i, j, float(values[i, j])
        return None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            help_event: QHelpEvent = event  # type: ignore[assignment]
            hit = self.value_at(QPointF(help_event.pos()))
            if hit is None:
                QToolTip.hideText()
                event.ignore()
                return True
            name, i, j, value = hit
            QToolTip.showText(
                help_event.globalPos(),
                f"{name}<sub>{i + 1},{j + 1}</sub> = {fmt_full(value)}",
                self,
            )
            return True
        return super().event(event)


def _layer_of(name: str) -> int:
    match = _FACTOR_NAME.fullmatch(name)
    if match is None:
        raise ValueError(f"not a chain factor name: {name!r}")
    return int(match.group(2))


def _start_item(name: str, vector: Array) -> StripItem:
    """Where a form starts: the loss gradient, a vector with no factor above it."""
    return StripItem(name, "", None, vector, name, factor_html(name), 0, _layer_of(name))


def _factor_item(factor, step, order: int) -> StripItem:
    """One factor of a form, with the running vector after multiplying by it."""
    return StripItem(
        factor.name,
        factor_html(factor.name, factor.diagonal),
        factor.matrix,
        step.value,
        step.name,
        vector_html(step.name),
        order,
        _layer_of(factor.name),
    )


def derivative_items(result: ChainResult) -> list[StripItem]:
    """The derivative form as strip items: ∂C/∂aᴸ (a row, where the product starts), then
    each factor J_fᴸ, Wᴸ, …, W¹ with the running row after it."""
    start = result.factors[0]
    items = [_start_item(start.name, start.matrix)]
    for k, (factor, step) in enumerate(
        zip(result.factors[1:], result.steps_derivative_row, strict=True), start=1
    ):
        items.append(_factor_item(factor, step, k))
    return items


def gradient_items(result: ChainResult) -> list[StripItem]:
    """The gradient form as strip items in written order, (W¹)ᵀ, (J_f¹)ᵀ, …, (J_fᴸ)ᵀ, then
    ∇ₐC (a column, where the product starts); each factor with the running column after
    multiplying by it, which is computed right to left."""
    factors = result.gradient_factors
    steps = result.steps_gradient
    count = len(steps)  # 2L
    items = []
    for k, factor in enumerate(factors[:-1]):
        step = steps[count - 1 - k]
        items.append(_factor_item(factor, step, count - k))
    start = factors[-1]
    items.append(_start_item(start.name, start.matrix))
    return items


@dataclass(frozen=True)
class ChainFocus:
    """What the chain view marks for a playback step: the factor applied in each form
    ("" for none), how many running vectors are computed (None: all, at rest), and the
    accent colour of the step's phase."""

    derivative: str
    gradient: str
    computed: int | None
    accent: str


def focus_for(step: Step | None, depth: int) -> ChainFocus:
    """The chain factor that `step` applies, in both forms, and how far backprop has got:
    loss_grad → ∇ₐC; activation_grad of layer l → J_fˡ (and (J_fˡ)ᵀ); transpose of layer l →
    Wˡ (and (Wˡ)ᵀ); weight_grad leaves the chain where it was; forward steps come before
    any of it. None (before the first step) shows everything."""
    rest = PHASE_COLORS["backward"]
    if step is None:
        return ChainFocus("", "", None, rest)
    accent = PHASE_COLORS.get(step.phase, rest)
    l = step.layer
    if step.kind == "loss_grad":
        return ChainFocus(f"dC_da{depth}", f"grad_a{depth}", 1, accent)
    if step.kind in ("activation_grad", "weight_grad"):
        done = 2 + 2 * (depth - l)
        if step.kind == "weight_grad":
            return ChainFocus("", "", done, accent)
        return ChainFocus(f"J_f{l}", f"J_f{l}T", done, accent)
    if step.kind == "transpose":
        return ChainFocus(f"W{l}", f"W{l}T", 3 + 2 * (depth - l), accent)
    return ChainFocus("", "", 0, accent)


class ChainView(QWidget):
    """The chain of dC/dx for the document's network and sample: both forms with their
    numbers, the results side by side, and the cost of each order. Follows
    `document.network_changed` (recomputing only while visible, else when next shown) and,
    given a player, highlights the factor the current backward step applies."""

    def __init__(self, document: Document, player: Player | None = None, parent=None):
        super().__init__(parent)
        self.document = document
        self.player = player
        self.result: ChainResult | None = None
        self.costs: ChainCosts | None = None
        self.too_big = False
        self._stale = True
        self._plotted: tuple | None = None
        self._focus = focus_for(None, document.network.depth)
        self._results_block = -1

        self.intro = self._label(
            "The derivative of the scalar C is a <b>row</b> vector; the gradient is the "
            "<b>column</b> of the same numbers. Transposing a product reverses its order and "
            "transposes every factor — that is why backprop multiplies by (W<sup>l</sup>)ᵀ, "
            "from the loss back to the input."
        )
        self.derivative_title = self._label("")
        self.derivative_strip = ChainStrip("row")
        self.gradient_title = self._label("")
        self.gradient_strip = ChainStrip("column")
        self.big_note = self._label("")
        self.big_note.setStyleSheet(
            "QLabel { background: #fff8e1; border: 1px solid #e39b12; border-radius: 4px;"
            " padding: 6px; }"
        )
        self.results_label = self._label("")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(9.0)
        self.results_label.setFont(mono)
        self.results_title = self._label("<b>③ The same numbers</b>")
        self.results_note = self._label("")

        self.costs_title = self._label("<b>④ What each order costs</b>")
        self.costs_label = self._label("")
        self.vary_combo = QComboBox()
        for text, axis in AXIS_CHOICES:
            self.vary_combo.addItem(text, axis)
        self.vary_combo.setToolTip(
            "What the cost plot varies; the rest of this network's shape stays as it is, so "
            "this network lies on the curves"
        )
        self.vary_combo.currentIndexChanged.connect(lambda _i: self._update_plot(force=True))
        self.plot = self._make_plot()

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(10, 8, 10, 10)
        column.setSpacing(6)
        column.addWidget(self.intro)
        column.addWidget(self.big_note)
        column.addSpacing(4)
        column.addWidget(self.derivative_title)
        column.addWidget(self.derivative_strip)
        column.addWidget(_rule())
        column.addWidget(self.gradient_title)
        column.addWidget(self.gradient_strip)
        column.addWidget(_rule())

        results = QWidget()
        results_box = QVBoxLayout(results)
        results_box.setContentsMargins(0, 0, 0, 0)
        results_box.addWidget(self.results_title)
        results_box.addWidget(self.results_label)
        results_box.addWidget(self.results_note)
        results_box.addStretch(1)
        costs = QWidget()
        costs_box = QVBoxLayout(costs)
        costs_box.setContentsMargins(0, 0, 0, 0)
        costs_box.addWidget(self.costs_title)
        costs_box.addWidget(self.costs_label)
        vary_row = QHBoxLayout()
        vary_label = QLabel("Plot the cost")
        vary_label.setBuddy(self.vary_combo)
        vary_row.addWidget(vary_label)
        vary_row.addWidget(self.vary_combo)
        vary_row.addStretch(1)
        costs_box.addLayout(vary_row)
        costs_box.addWidget(self.plot)
        self.bottom = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.bottom.setSpacing(14)
        self.bottom.addWidget(results, 1)
        self.bottom.addWidget(costs, 1)
        column.addLayout(self.bottom)
        column.addStretch(1)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)

        document.network_changed.connect(self._network_changed)
        if player is not None:
            player.position_changed.connect(self._position_changed)
            player.steps_changed.connect(self._position_changed)
        self.refresh()

    # -- construction --------------------------------------------------------------------
    @staticmethod
    def _label(text: str) -> QLabel:
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _make_plot(self) -> pg.PlotWidget:
        plot = pg.PlotWidget(background="w")
        plot.setMinimumHeight(PLOT_HEIGHT)
        plot.setMaximumHeight(PLOT_HEIGHT + 80)
        item = plot.getPlotItem()
        item.setLogMode(x=True, y=True)  # both span orders of magnitude
        item.showGrid(x=True, y=True, alpha=0.2)
        item.setMenuEnabled(False)
        item.getViewBox().setMouseEnabled(x=False, y=False)
        item.hideButtons()
        for axis in ("left", "bottom"):
            item.getAxis(axis).setPen(pg.mkPen(MUTED))
            item.getAxis(axis).setTextPen(pg.mkPen(INK))
        item.setLabel("left", "multiplications", color=INK.name())
        legend = item.addLegend(offset=(6, 4), labelTextColor=INK.name())
        legend.setBrush(pg.mkBrush(255, 255, 255, 220))
        backward, forward = PHASE_COLORS["backward"], PHASE_COLORS["forward"]
        self.curve_vector = item.plot(
            pen=pg.mkPen(backward, width=2.5), name="vector first: from the loss (backprop)"
        )
        self.curve_matrix = item.plot(
            pen=pg.mkPen(forward, width=2.5, style=Qt.PenStyle.DashLine),
            name="matrix first: from the input",
        )
        self.here = item.plot(
            pen=None,
            symbol="o",
            symbolSize=9,
            symbolBrush=[pg.mkBrush(backward), pg.mkBrush(forward)],
            symbolPen=pg.mkPen("w", width=1.5),
        )
        # Only on the output axis: the Jacobian ∂aᴸ/∂x, as if C were the vector aᴸ.
        self.curve_jacobian_loss = item.plot(
            pen=pg.mkPen(backward, width=1.2, style=Qt.PenStyle.DotLine),
            name="∂aᴸ/∂x from the output end",
        )
        self.curve_jacobian_input = item.plot(
            pen=pg.mkPen(forward, width=1.2, style=Qt.PenStyle.DashDotLine),
            name="∂aᴸ/∂x from the input end",
        )
        self.marker = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen(MUTED, width=1, style=Qt.PenStyle.DotLine),
            label="this network",
            labelOpts={"position": 0.1, "color": INK.name()},
        )
        item.addItem(self.marker, ignoreBounds=True)
        return plot

    # -- state ---------------------------------------------------------------------------
    @property
    def highlighted(self) -> tuple[str, str]:
        """The factor highlighted in the derivative form and in the gradient form."""
        return self.derivative_strip.highlighted, self.gradient_strip.highlighted

    def sizeHint(self) -> QSize:
        # Modest: a dock asks for this much, and the canvas keeps the rest of the window.
        return QSize(560, 640)

    def minimumSizeHint(self) -> QSize:
        return QSize(280, 200)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        wide = self.width() >= WIDE_LAYOUT
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.bottom.direction() != direction:
            self.bottom.setDirection(direction)
        if self._results_block != self._per_block(self._result_rows()):
            self._show_results()

    def _network_changed(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True  # a hidden tab recomputes when it is shown

    def _position_changed(self, *_args: object) -> None:
        step = self.player.current_step if self.player is not None else None
        self._focus = focus_for(step, self.document.network.depth)
        self._apply_focus()

    def _apply_focus(self) -> None:
        f = self._focus
        self.derivative_strip.set_state(f.derivative, f.computed, f.accent)
        self.gradient_strip.set_state(f.gradient, f.computed, f.accent)

    # -- content -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute everything for the document's network and sample now."""
        self._stale = False
        network = self.document.network
        self.costs = network_costs(network)
        # chain_forms writes every fˡ′ out as a dense matrix: the dense counts bound its work.
        vector_first, matrix_first = self.costs.loss_end_dense, self.costs.input_end_dense
        self.too_big = (
            matrix_first > MAX_MATRIX_FIRST_MULTS or vector_first > MAX_VECTOR_FIRST_MULTS
        )
        self.result = None if self.too_big else chain_forms(network)
        self._show_titles(network)
        if self.result is None:
            self.derivative_strip.set_items([])
            self.gradient_strip.set_items([])
            self.derivative_strip.hide()
            self.gradient_strip.hide()
            self.big_note.setText(self._big_note_html(self.costs))
            self.big_note.show()
        else:
            self.derivative_strip.set_items(derivative_items(self.result))
            self.gradient_strip.set_items(gradient_items(self.result))
            self.derivative_strip.show()
            self.gradient_strip.show()
            self.big_note.hide()
        self._show_results()
        self._show_costs(network)
        self._update_plot()
        self._position_changed()

    def _show_titles(self, network: Network) -> None:
        L = network.depth
        ew = {
            l: ACTIVATIONS[layer.activation].elementwise
            for l, layer in enumerate(network.layers, start=1)
        }
        row = " · ".join(
            [factor_html(f"dC_da{L}")]
            + [f"{factor_html(f'J_f{l}', ew[l])} · {factor_html(f'W{l}')}" for l in range(L, 0, -1)]
        )
        col = " · ".join(
            [f"{factor_html(f'W{l}T')} · {factor_html(f'J_f{l}T', ew[l])}" for l in range(1, L + 1)]
            + [factor_html(f"grad_a{L}")]
        )
        self.derivative_title.setText(
            "<b>① Derivative form</b> — a row vector times matrices, <b>left to right</b>:"
            f"<br><span style='font-size:12pt'>∂C/∂x = {row}</span>"
            f"<br><span style='color:{MUTED.name()}'>Top: each factor. Below it: the running "
            "row after multiplying by it.</span>"
        )
        self.gradient_title.setText(
            "<b>② Gradient form</b> — the same factors transposed, in <b>reverse order</b>, "
            "times a column vector, <b>right to left</b>:"
            f"<br><span style='font-size:12pt'>∇<sub>x</sub>C = {col}</span>"
            f"<br><span style='color:{MUTED.name()}'>Below each factor: the running column "
            "after multiplying by it — δ<sup>l</sup> after (J<sub>f</sub><sup>l</sup>)ᵀ, "
            "exactly backprop's steps.</span>"
        )

    def _big_note_html(self, costs: ChainCosts) -> str:
        if costs.input_end_dense > MAX_MATRIX_FIRST_MULTS:
            why = (
                f"Multiplying it out from the input end (matrix × matrix) would take "
                f"{costs.input_end:,} scalar multiplications ({costs.input_end_dense:,} with "
                f"dense Jacobians); this panel stops at {MAX_MATRIX_FIRST_MULTS:,}."
            )
        else:
            entries = sum(n * n for n in self.document.network.sizes[1:])
            why = (
                f"Its Jacobians J<sub>f</sub><sup>l</sup>, written out as dense matrices, "
                f"would hold {entries:,} numbers ({entries * 8 / 1e6:,.0f} MB)."
            )
        return (
            f"<b>This network is too big to show its chain factor by factor.</b> {why} From "
            f"the loss end it takes {costs.loss_end:,}: that is what backprop does, and its "
            "∇<sub>x</sub>C is below. Open a smaller network to see every factor and the "
            "running vectors."
        )

    def _results_room(self) -> float:
        """The width the results table may take: the whole panel, or its half when the
        results sit beside the costs."""
        # The panel's own width: in resizeEvent the scroll area's has not caught up yet.
        width = float(self.width()) - self.scroll.verticalScrollBar().sizeHint().width()
        return (width - 40) / 2 if self.width() >= WIDE_LAYOUT else width - 30

    def _result_rows(self) -> list[tuple[str, Array]]:
        r = self.result
        if r is None:
            return [("∇<sub>x</sub>C backprop", np.asarray(self.document.trace.dx))]
        return [
            ("∂C/∂x, row form →", r.derivative_row),
            ("∇<sub>x</sub>C, gradient form ←", r.gradient),
            ("∇<sub>x</sub>C, backprop", r.backprop_dx),
        ]

    def _per_block(self, rows: list[tuple[str, Array]]) -> int:
        """How many components of dC/dx fit side by side in the results table."""
        shown = min(len(rows[0][1]), SHOWN_RESULTS)
        metrics = QFontMetricsF(self.results_label.font())
        number = max(metrics.horizontalAdvance(fmt_full(v)) for _, vs in rows for v in vs[:shown])
        title = metrics.horizontalAdvance("∇xC, gradient form ← ")
        return max(1, int((self._results_room() - title) // (number + 12)))

    def _show_results(self) -> None:
        """The results as rows (one per way of computing), the components of dC/dx as
        columns, wrapped into as many blocks of columns as the width needs."""
        r = self.result
        rows = self._result_rows()
        n = len(rows[0][1])
        shown = min(n, SHOWN_RESULTS)
        per_block = self._per_block(rows)
        blocks = []
        cell = "padding:1px 6px"
        for start in range(0, shown, per_block):
            part = range(start, min(shown, start + per_block))
            head = "".join(
                f"<td align='right' style='{cell}; color:{MUTED.name()}'>x<sub>{i + 1}</sub></td>"
                for i in part
            )
            body = "".join(
                f"<tr><td style='{cell}; color:{MUTED.name()}'>{label}</td>"
                + "".join(f"<td align='right' style='{cell}'>{fmt_full(vs[i])}</td>" for i in part)
                + "</tr>"
                for label, vs in rows
            )
            blocks.append(f"<tr><td></td>{head}</tr>{body}")
        spacer = f"<tr><td colspan='{per_block + 1}' style='font-size:4pt'>&nbsp;</td></tr>"
        more = (
            f"<tr><td colspan='{per_block + 1}' style='color:{MUTED.name()}'>… and "
            f"{n - SHOWN_RESULTS:,} more components</td></tr>"
            if n > SHOWN_RESULTS
            else ""
        )
        self.results_label.setText(f"<table cellspacing='0'>{spacer.join(blocks)}{more}</table>")
        self._results_block = per_block
        if r is None:
            self.results_note.setText("")
            return
        diff = r.max_difference
        verdict = (
            "0 — identical, bit for bit"
            if diff == 0.0
            else f"{fmt_full(diff)} — rounding only"
            if diff <= 1e-12 * max(1.0, float(np.max(np.abs(r.gradient), initial=0.0)))
            else f"{fmt_full(diff)}"
        )
        self.results_note.setText(
            "Largest difference between any two results (the matrix-first product "
            f"included): <b>{verdict}</b>. The row form gives a 1 × {n} row, the gradient "
            f"form a {n} × 1 column: the same numbers, transposed."
        )

    def _show_costs(self, network: Network) -> None:
        costs = self.costs
        assert costs is not None
        muted = MUTED.name()
        cell = "padding:1px 8px 1px 0"
        text = (
            f"<table cellspacing='0'>"
            f"<tr><td style='{cell}'><span style='color:{PHASE_COLORS['backward']}'>━━</span> "
            f"from the loss end, vector × matrix (backprop):</td>"
            f"<td align='right'><b>{costs.loss_end:,}</b></td></tr>"
            f"<tr><td style='{cell}; color:{muted}'>&nbsp;&nbsp;&nbsp;&nbsp;"
            f"{html.escape(LOSS_END_FORMULA)} = {html.escape(costs.loss_end_terms())}</td></tr>"
            f"<tr><td style='{cell}'><span style='color:{PHASE_COLORS['forward']}'>╍╍</span> "
            f"from the input end, matrix × matrix:</td>"
            f"<td align='right'><b>{costs.input_end:,}</b></td></tr>"
            f"<tr><td style='{cell}; color:{muted}'>&nbsp;&nbsp;&nbsp;&nbsp;"
            f"{html.escape(INPUT_END_FORMULA)} = {html.escape(costs.input_end_terms())}</td></tr>"
            f"<tr><td style='{cell}'>ratio, input end ÷ loss end:</td>"
            f"<td align='right'><b>{costs.ratio:,.2f}×</b></td></tr></table>"
            f"<span style='color:{muted}'>{html.escape(C_MEANING)}. Written out as dense "
            f"matrices every fˡ′ would cost {costs.loss_end_dense:,} and "
            f"{costs.input_end_dense:,}.</span><br>"
            f"Starting from the input carries a full Jacobian (n<sup>l</sup> × n⁰, here "
            f"n⁰ = {network.input_size}) through every layer; starting from the loss carries "
            "one row, because C is one number. That is why backprop starts at the loss."
        )
        self.costs_label.setText(text)

    def _update_plot(self, force: bool = False) -> None:
        costs = self.costs
        assert costs is not None
        sizes = costs.sizes
        axis = self.vary_combo.currentData()
        hidden_ok = len(sizes) > 2
        model = self.vary_combo.model()
        model.item(self.vary_combo.findData("hidden")).setEnabled(hidden_ok)
        if axis == "hidden" and not hidden_ok:
            self.vary_combo.setCurrentIndex(self.vary_combo.findData("input"))
            return  # re-entered through currentIndexChanged
        key = (sizes, costs.full, axis)
        if key == self._plotted and not force:
            return
        self._plotted = key
        here = axis_value(sizes, axis)
        top = max(PLOT_MAX_DEPTH if axis == "depth" else PLOT_MAX_WIDTH, 2 * here)
        if axis == "depth":
            xs = np.arange(1, top + 1)
        else:
            xs = np.unique(np.round(np.geomspace(1, top, 120)).astype(int))
        curve = cost_curve(sizes, costs.full, axis, xs.tolist())
        self.curve_vector.setData(xs, [c.loss_end for c in curve])
        self.curve_matrix.setData(xs, [c.input_end for c in curve])
        vector_output = axis == "output"
        for item, values in (
            (self.curve_jacobian_loss, [c.jacobian_loss_end for c in curve]),
            (self.curve_jacobian_input, [c.jacobian_input_end for c in curve]),
        ):
            item.setData(xs, values) if vector_output else item.setData([], [])
            item.setVisible(vector_output)
        self.here.setData([here, here], [costs.loss_end, costs.input_end])
        self.marker.setValue(math.log10(here))  # the view is in log10 units
        # The label goes on the side of the line with room for it.
        right_half = math.log10(here) > math.log10(top) / 2
        self.marker.label.setAnchor((1.05, 0.5) if right_half else (-0.05, 0.5))
        item = self.plot.getPlotItem()
        item.setLabel("bottom", AXIS_LABELS[axis], color=INK.name())
        item.setXRange(0.0, math.log10(top), padding=0.02)
        # Powers of two: the widths people give layers, and labels that never collide.
        ticks = [2**k for k in range(int(math.log2(top)) + 1)]
        item.getAxis("bottom").setTicks([[(math.log10(t), f"{t:,}") for t in ticks], []])


def _rule() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setStyleSheet(f"color: {EMPTY.name()};")
    return line
