"""The row form and the column form of dC/dx side by side, aligned factor by factor.

One line per multiplication, in the order backprop does them (from the loss end):

    row form (derivative, left to right)      │  column form (gradient, right to left)
    factor k of the row form                  │  the same factor transposed: 2L + 2 − k of its form
    the running row after it                  │  the running column after it (δˡ, ∇_{aˡ}C)

so each factor sits beside its transpose and each running row beside the equal running
column; the first factor of one form is the last of the other. Lines are grouped in blocks,
one per layer (and one for the loss, where both start); a block can be collapsed, and
"one layer at a time" shows a single block large. Entries link to the canvas: a weight cell
is an edge, a vector entry a neuron (`Link`). Everything shown comes from `engine.chain`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTextDocument,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from visualizer.engine.chain import ChainResult, Factor, Product
from visualizer.gui import style
from visualizer.notation import fmt_full, fmt_short, render, t_fprime, t_fprime_t, t_grad, t_row

Array = np.ndarray

NUMERIC_MAX = 8  # matrices up to 8 × 8 show their numbers; bigger ones are heatmaps only
HEATMAP_SIDE = 120.0
HEATMAP_CELL = 12.0
MIN_THICKNESS = 8.0
CELL_HEIGHT = 20.0
MIN_CELL_WIDTH = 38.0
LABEL_WIDTH = 6.0  # the step number sits in the row side's top-left corner
SIDE_GAP = 26.0  # between the row side and the column side
PAIR_GAP = 16.0  # between a column-form factor and its running column
CELL_POINTS = 7.5
LINE_GAP = 14.0
BLOCK_HEADER = 24.0
HEADER = 40.0
MARGIN = 8.0

INK = QColor(style.PANEL_INK)
MUTED = QColor(style.PANEL_MUTED)
EMPTY = QColor(style.EMPTY_CELL)
RULE = QColor("#cfd8dc")


# -- the data -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Link:
    """What an entry is on the canvas: `kind` "edge" (layer, i, j) is the edge aˡ⁻¹ⱼ → zˡᵢ
    (weight Wˡ[i, j]); "a" (layer, i) the neuron aˡᵢ (x for layer 0); "z" (layer, i) zˡᵢ."""

    kind: str
    layer: int
    i: int
    j: int = -1


@dataclass(frozen=True, eq=False)
class Cell:
    """A factor or a running vector as drawn: `values` 2-D, `symbol` rich text, `link`
    how its entries map to the canvas: ("W", l) entry [i, j] is the edge Wˡ[i, j]; ("WT", l)
    entry [i, j] the edge Wˡ[j, i]; ("z", l) / ("a", l) entry k (along the vector, or the
    row of a Jacobian) the neuron zˡₖ / aˡₖ. `hadamard`: an elementwise fˡ′ drawn as its
    vector of derivatives, applied with ⊙."""

    values: Array
    symbol: str
    link: tuple[str, int]
    hadamard: bool = False

    def link_of(self, i: int, j: int) -> Link:
        kind, layer = self.link
        if kind == "W":
            return Link("edge", layer, i, j)
        if kind == "WT":
            return Link("edge", layer, j, i)
        k = i if self.values.shape[0] > 1 else j  # along a row vector: its column index
        return Link(kind, layer, k)

    def entries_of(self, link: Link) -> list[tuple[int, int]]:
        """The entries of this cell that are `link` on the canvas."""
        kind, layer = self.link
        rows, cols = self.values.shape
        if link.kind == "edge":
            if layer != link.layer:
                return []
            if kind == "W":
                return [(link.i, link.j)]
            if kind == "WT":
                return [(link.j, link.i)]
            return []
        if kind != link.kind or layer != link.layer:
            return []
        k = link.i
        if rows == 1:
            return [(0, k)] if k < cols else []
        if cols == 1 or self.hadamard:
            return [(k, 0)] if k < rows else []
        return [(k, j) for j in range(cols)] if k < rows else []  # a Jacobian's row


@dataclass(frozen=True, eq=False)
class ChainLine:
    """One multiplication (or the start): the row-form factor and running row, beside the
    column-form factor and running column. `order` is when backprop computes the result
    (0: the loss gradient both forms start from); `block` is the layer (depth + 1: loss);
    `positions` are the factor's places in the written row and column forms (1-based)."""

    order: int
    block: int
    name: str  # the engine's name of the row-form factor ("J_f3", "W3", "dC_da3")
    row_factor: Cell | None
    row_result: Cell
    col_factor: Cell | None
    col_result: Cell
    positions: tuple[int, int]
    count: int  # factors in each written form, 2L + 1

    def cells(self) -> list[tuple[str, Cell]]:
        out = []
        for part, cell in (
            ("row_factor", self.row_factor),
            ("row_result", self.row_result),
            ("col_factor", self.col_factor),
            ("col_result", self.col_result),
        ):
            if cell is not None:
                out.append((part, cell))
        return out


def _layer(name: str) -> int:
    return int("".join(c for c in name if c.isdigit()))


def _row_result_symbol(product: Product) -> str:
    """∂C/∂zˡ = (δˡ)ᵀ, ∂C/∂aˡ = (∇_{aˡ}C)ᵀ: the row is the transpose of the canvas's column."""
    n = product.name
    if n == "dC_dx":
        return render("∂C/∂x = (∇_{x}C)^{T}")[1]
    if n.startswith("dC_dz"):
        l = _layer(n)
        return render(f"∂C/∂z^{{{l}}} = (δ^{{{l}}})^{{T}}")[1]
    l = _layer(n)
    return render(f"{t_row(l)} = ({t_grad(l)})^{{T}}")[1]


def _col_result_symbol(product: Product) -> str:
    """δˡ and ∇_{aˡ}C, as the canvas labels the same numbers."""
    n = product.name
    if n == "grad_x":
        return render(t_grad(0))[1]
    if n.startswith("delta"):
        return render(f"δ^{{{_layer(n)}}}")[1]
    return render(t_grad(_layer(n)))[1]


def _result_link(product: Product) -> tuple[str, int]:
    n = product.name
    if n in ("dC_dx", "grad_x"):
        return ("a", 0)
    if n.startswith(("dC_dz", "delta")):
        return ("z", _layer(n))
    return ("a", _layer(n))


def _factor_cell(factor: Factor, transposed: bool, hadamard: bool, notation: str) -> Cell:
    l = _layer(factor.name)
    if factor.name.startswith("J_f"):
        elementwise = factor.diagonal
        template = (t_fprime_t if transposed else t_fprime)(l, elementwise, notation)
        if hadamard:
            d = np.diagonal(factor.matrix)
            values = d[:, np.newaxis] if transposed else d[np.newaxis, :]
            return Cell(values, render(template)[1] + " ⊙", ("z", l), hadamard=True)
        return Cell(factor.matrix, render(template)[1], ("z", l))
    symbol = render(f"(W^{{{l}}})^{{T}}" if transposed else f"W^{{{l}}}")[1]
    return Cell(factor.matrix, symbol, ("WT" if transposed else "W", l))


def chain_lines(result: ChainResult, notation: str) -> list[ChainLine]:
    """The lines of the table for `result`, in backprop's order, in `notation`: the
    seed's draws an elementwise fˡ′ as its vector of derivatives (applied with ⊙), the
    Jacobian one as the diagonal matrix J_fˡ; softmax keeps its full matrix in both."""
    factors, col_factors = result.factors, result.gradient_factors
    depth = len(result.sizes) - 1
    count = 2 * depth + 1
    start_row, start_col = factors[0], col_factors[-1]
    lines = [
        ChainLine(
            order=0,
            block=depth + 1,
            name=start_row.name,
            row_factor=None,
            row_result=Cell(start_row.matrix, render(t_row(depth))[1], ("a", depth)),
            col_factor=None,
            col_result=Cell(start_col.matrix, render(t_grad(depth))[1], ("a", depth)),
            positions=(1, count),
            count=count,
        )
    ]
    for k in range(1, count):
        row_f, col_f = factors[k], col_factors[count - 1 - k]
        row_p, col_p = result.steps_derivative_row[k - 1], result.steps_gradient[k - 1]
        hadamard = row_f.diagonal and notation == "seed"
        lines.append(
            ChainLine(
                order=k,
                block=_layer(row_f.name),
                name=row_f.name,
                row_factor=_factor_cell(row_f, False, hadamard, notation),
                row_result=Cell(row_p.value, _row_result_symbol(row_p), _result_link(row_p)),
                col_factor=_factor_cell(col_f, True, hadamard, notation),
                col_result=Cell(col_p.value, _col_result_symbol(col_p), _result_link(col_p)),
                positions=(k + 1, count - k),
                count=count,
            )
        )
    return lines


def dot_product_html(lines: Sequence[ChainLine], order: int, k: int) -> str:
    """Entry k of the running column at line `order`, written out as the dot product that
    computes it, with the numbers: "δ³₁ = (row 1 of (J_f³)ᵀ) · ∇_{a³}C = (0.2)(−1.7) + … =
    −0.43". The running row's entry k is the same sum (column k of the factor)."""
    line = lines[order]
    name = f"{line.col_result.symbol}<sub>{k + 1}</sub>"
    value = float(line.col_result.values[k, 0])
    if line.col_factor is None:
        return (
            f"{name} = {fmt_full(value)}: where both forms start, ∂C/∂a of the loss itself "
            "(no multiplication yet)."
        )
    previous = lines[order - 1].col_result.values[:, 0]
    factor = line.col_factor
    incoming = lines[order - 1].col_result.symbol
    if factor.hadamard:
        d = float(factor.values[k, 0])
        return (
            f"{name} = {factor.symbol.removesuffix(' ⊙')}<sub>{k + 1}</sub> · "
            f"{incoming}<sub>{k + 1}</sub> = ({fmt_short(d)})({fmt_short(previous[k])}) = "
            f"<b>{fmt_short(value)}</b> &nbsp;(⊙: one multiplication; full: {fmt_full(value)})"
        )
    row = factor.values[k]
    terms = " + ".join(
        f"({fmt_short(a)})({fmt_short(b)})" for a, b in zip(row, previous, strict=True)
    )
    return (
        f"{name} = (row {k + 1} of {factor.symbol}) · {incoming} = {terms} = "
        f"<b>{fmt_short(value)}</b> &nbsp;({len(row)} multiplications; full: "
        f"{fmt_full(value)}). The row form's entry {k + 1} is the same sum: column {k + 1} "
        f"of {line.row_factor.symbol if line.row_factor else ''} times the row before it."
    )


# -- the widget ---------------------------------------------------------------------------
@dataclass
class _Placed:
    line: ChainLine
    rect: QRectF  # the whole line, for the highlight
    cells: dict[str, QRectF] = field(default_factory=dict)  # part → where its values are
    labels: dict[str, tuple[QPointF, str, bool]] = field(default_factory=dict)


def _is_numeric(shape: tuple[int, ...]) -> bool:
    return shape[0] <= NUMERIC_MAX and shape[1] <= NUMERIC_MAX


class ChainTable(QWidget):
    """The lines, painted: a header naming the two forms, then per block a header (click
    to collapse) and its lines. `hovered(Link | None)` when the mouse moves over an entry;
    `entry_clicked(order, k)` when a running vector's entry is clicked."""

    hovered = Signal(object)
    entry_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._lines: list[ChainLine] = []
        self._collapsed: set[int] = set()
        self._single: int | None = None  # the one block shown, "one layer at a time"
        self._scale = 1.0
        self._current = -1  # order of the highlighted line
        self._computed: int | None = None
        self._accent = QColor(style.PHASE_COLORS["backward"])
        self._linked: Link | None = None
        self._placed: list[_Placed] = []
        self._block_headers: list[tuple[QRectF, int]] = []
        self._docs: dict[tuple[str, float], QTextDocument] = {}
        self._size = QSize(200, 60)
        self._block_names: dict[int, str] = {}
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)

    # -- content -------------------------------------------------------------------------
    @property
    def lines(self) -> list[ChainLine]:
        return list(self._lines)

    def set_lines(self, lines: Sequence[ChainLine], block_names: dict[int, str]) -> None:
        self._lines = list(lines)
        self._block_names = dict(block_names)
        self._docs = {}
        self._relayout()

    def set_state(self, current: int, computed: int | None, accent: str) -> None:
        """Highlight line `current` (−1: none) in `accent`; show the running vectors of
        order < `computed` (None: all)."""
        if (current, computed, accent) != (self._current, self._computed, self._accent.name()):
            self._current, self._computed, self._accent = current, computed, QColor(accent)
            if self._single is not None:
                self._single = self.block_of(current)
                self._relayout()
            self.update()

    @property
    def current(self) -> int:
        return self._current

    def block_of(self, order: int) -> int:
        for line in self._lines:
            if line.order == order:
                return line.block
        return self._lines[0].block if self._lines else 0

    def set_single(self, on: bool) -> None:
        """One layer at a time: only the current line's block, drawn large."""
        self._single = self.block_of(self._current) if on else None
        self._scale = 1.6 if on else 1.0
        self._docs = {}
        self._relayout()

    @property
    def single(self) -> int | None:
        return self._single

    def toggle_block(self, block: int) -> None:
        self._collapsed ^= {block}
        self._relayout()

    def is_collapsed(self, block: int) -> bool:
        return block in self._collapsed

    def set_linked(self, link: Link | None) -> None:
        """Mark the entries that are `link` on the canvas (None: none)."""
        if link != self._linked:
            self._linked = link
            self.update()

    def linked_entries(self) -> list[tuple[int, str, int, int]]:
        """(order, part, i, j) of every entry marked as linked now."""
        if self._linked is None:
            return []
        return [
            (line.order, part, i, j)
            for line in self._lines
            for part, cell in line.cells()
            for i, j in cell.entries_of(self._linked)
        ]

    def is_computed(self, line: ChainLine) -> bool:
        return self._computed is None or line.order < self._computed

    def line_rect(self, order: int) -> QRectF | None:
        for placed in self._placed:
            if placed.line.order == order:
                return QRectF(placed.rect)
        return None

    def cell_rect(self, order: int, part: str) -> QRectF | None:
        for placed in self._placed:
            if placed.line.order == order:
                return placed.cells.get(part)
        return None

    def cell_text(self, value: float) -> str:
        return fmt_short(value)

    # -- geometry ------------------------------------------------------------------------
    def _font(self, size: float) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(size * self._scale)
        return font

    def _doc(self, text: str, size: float = 10.5) -> QTextDocument:
        key = (text, size)
        doc = self._docs.get(key)
        if doc is None:
            doc = QTextDocument()
            doc.setDocumentMargin(0)
            doc.setDefaultFont(self._font(size))
            doc.setHtml(f'<span style="color:{INK.name()}">{text}</span>')
            self._docs[key] = doc
        return doc

    def _cell_width(self) -> float:
        metrics = QFontMetricsF(self._font(CELL_POINTS))
        texts = [
            self.cell_text(v)
            for line in self._lines
            for _part, cell in line.cells()
            if _is_numeric(cell.values.shape)
            for v in cell.values.ravel()
        ]
        widest = max((metrics.horizontalAdvance(t) for t in texts), default=0.0)
        return max(MIN_CELL_WIDTH * self._scale, math.ceil(widest + 6))

    def _cell_size(self, values: Array, cell_w: float) -> tuple[float, float]:
        rows, cols = values.shape
        if _is_numeric(values.shape):
            return cols * cell_w, rows * CELL_HEIGHT * self._scale
        side, most = HEATMAP_SIDE * self._scale, HEATMAP_CELL * self._scale
        cell = max(1.0, min(most, side / max(rows, cols)))
        return (
            max(MIN_THICKNESS, min(side, cols * cell)),
            max(MIN_THICKNESS, min(side, rows * cell)),
        )

    def _shown_lines(self) -> list[ChainLine]:
        if self._single is not None:
            return [line for line in self._lines if line.block == self._single]
        return self._lines

    def _relayout(self) -> None:
        self._placed, self._block_headers = [], []
        if not self._lines:
            self._size = QSize(200, 40)
            self.setFixedHeight(40)
            self.updateGeometry()
            self.update()
            return
        cw = self._cell_width()
        s = self._scale
        sym_h = self._doc("W<sup>1</sup>").size().height()
        lab_h = self._doc("δ<sup>1</sup>", 9.5).size().height()
        sizes = {
            (line.order, part): self._cell_size(cell.values, cw)
            for line in self._lines
            for part, cell in line.cells()
        }

        def w(line: ChainLine, part: str) -> float:
            return sizes.get((line.order, part), (0.0, 0.0))[0]

        def h(line: ChainLine, part: str) -> float:
            return sizes.get((line.order, part), (0.0, 0.0))[1]

        def label_w(text: str, size: float) -> float:
            return self._doc(text, size).size().width()

        row_w = max(
            max(
                w(line, "row_factor"),
                w(line, "row_result"),
                label_w(line.row_result.symbol, 9.5),
                label_w(self._factor_label(line, "row"), 10.5) if line.row_factor else 0.0,
            )
            for line in self._lines
        )
        col_w = max(
            max(
                w(line, "col_factor") + PAIR_GAP * s + w(line, "col_result"),
                label_w(self._factor_label(line, "col"), 10.5) + PAIR_GAP * s,
                label_w(line.col_result.symbol, 9.5) + w(line, "col_factor") + PAIR_GAP * s,
            )
            for line in self._lines
        )
        label_x = MARGIN
        row_x = label_x + LABEL_WIDTH * s
        col_x = row_x + row_w + SIDE_GAP * s
        width = col_x + col_w + MARGIN
        self._columns = (row_x, row_w, col_x, col_w)
        y = MARGIN + HEADER * s
        block = None
        for line in self._shown_lines():
            if line.block != block:
                block = line.block
                rect = QRectF(label_x, y, width - 2 * MARGIN, BLOCK_HEADER * s)
                self._block_headers.append((rect, block))
                y += BLOCK_HEADER * s + 4
            if line.block in self._collapsed:
                continue
            placed = _Placed(line, QRectF())
            top = y
            # Row side: the factor over the running row it makes.
            fy = y + (sym_h if line.row_factor else 0.0)
            if line.row_factor is not None:
                fw, fh = w(line, "row_factor"), h(line, "row_factor")
                rect = QRectF(row_x + (row_w - fw) / 2, fy, fw, fh)
                placed.cells["row_factor"] = rect
                placed.labels["row_factor"] = (
                    QPointF(row_x + row_w / 2, fy - 2),
                    self._factor_label(line, "row"),
                    True,
                )
                fy += fh + 10 * s
            rw_, rh = w(line, "row_result"), h(line, "row_result")
            rect = QRectF(row_x + (row_w - rw_) / 2, fy, rw_, rh)
            placed.cells["row_result"] = rect
            placed.labels["row_result"] = (
                QPointF(row_x + row_w / 2, fy + rh + 2),
                line.row_result.symbol,
                False,
            )
            row_bottom = fy + rh + 2 + lab_h
            # Column side: the transposed factor, then the running column it makes.
            cy = y + sym_h
            x = col_x
            col_bottom = cy
            if line.col_factor is not None:
                fw, fh = w(line, "col_factor"), h(line, "col_factor")
                rect = QRectF(x, cy, fw, fh)
                placed.cells["col_factor"] = rect
                placed.labels["col_factor"] = (
                    QPointF(x + fw / 2, cy - 2),
                    self._factor_label(line, "col"),
                    True,
                )
                x += fw + PAIR_GAP * s
                col_bottom = cy + fh
            cw_, ch = w(line, "col_result"), h(line, "col_result")
            rect = QRectF(x, cy, cw_, ch)
            placed.cells["col_result"] = rect
            placed.labels["col_result"] = (
                QPointF(x + cw_ / 2, cy + ch + 2),
                line.col_result.symbol,
                False,
            )
            col_bottom = max(col_bottom, cy + ch + 2 + lab_h)
            bottom = max(row_bottom, col_bottom)
            placed.rect = QRectF(label_x, top - 4, width - 2 * MARGIN, bottom - top + 8)
            self._placed.append(placed)
            y = bottom + LINE_GAP * s
        height = y + MARGIN
        self._size = QSize(math.ceil(width), math.ceil(height))
        self.setMinimumWidth(self._size.width())
        self.setFixedHeight(self._size.height())
        self.updateGeometry()
        self.update()

    def _factor_label(self, line: ChainLine, side: str) -> str:
        """The factor's symbol and its place in its written form: "W³ #3 of 7"."""
        cell = line.row_factor if side == "row" else line.col_factor
        if cell is None:
            return ""
        pos = line.positions[0 if side == "row" else 1]
        return (
            f"{cell.symbol} <span style='color:{MUTED.name()}; font-size:small'>"
            f"#{pos} of {line.count}</span>"
        )

    def sizeHint(self) -> QSize:
        return self._size

    def minimumSizeHint(self) -> QSize:
        return self._size

    # -- painting ------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.paint_on(p)
        p.end()

    def paint_on(self, p: QPainter) -> None:
        """Paint the table with `p` (also used to render it into an image)."""
        if not self._lines:
            return
        s = self._scale
        row_x, row_w, col_x, col_w = self._columns
        head = QRectF(row_x, MARGIN, row_w, HEADER * s - 8)
        p.setFont(self._font(9.5))
        p.setPen(INK)
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
        p.drawText(head, flags, "Row form: ∂C/∂x, left to right\n(vector × matrix)")
        p.drawText(
            QRectF(col_x, MARGIN, col_w, HEADER * s - 8),
            flags,
            "Column form: ∇ₓC, right to left\n(matrix × vector) — backprop",
        )
        p.setPen(QPen(RULE, 1.0))
        x = col_x - SIDE_GAP * s / 2
        p.drawLine(QPointF(x, MARGIN), QPointF(x, self.height() - MARGIN))
        for rect, block in self._block_headers:
            p.setPen(QPen(RULE, 1.0))
            p.drawLine(rect.topLeft(), rect.topRight())
            p.setPen(MUTED)
            p.setFont(self._font(9.0))
            mark = "▸" if block in self._collapsed else "▾"
            p.drawText(
                rect.adjusted(2, 2, 0, 0),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"{mark} {self._block_names.get(block, '')}",
            )
        for placed in self._placed:
            if placed.line.order == self._current:
                fill = QColor(self._accent)
                fill.setAlpha(40)
                p.setPen(QPen(self._accent, 2.0))
                p.setBrush(fill)
                p.drawRoundedRect(placed.rect, 7, 7)
                p.setBrush(Qt.BrushStyle.NoBrush)
            self._paint_line(p, placed)

    def _paint_line(self, p: QPainter, placed: _Placed) -> None:
        line = placed.line
        p.setPen(MUTED)
        p.setFont(self._font(8.5))
        step = "start" if line.order == 0 else f"step {line.order}"
        p.drawText(
            QRectF(placed.rect.left() + 4, placed.rect.top() + 4, 60 * self._scale, 18),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
            step,
        )
        computed = self.is_computed(line)
        linked = self.linked_entries()
        for part, cell in line.cells():
            rect = placed.cells[part]
            if part.endswith("result") and not computed:
                p.setPen(QPen(EMPTY, 1.2, Qt.PenStyle.DashLine))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
            else:
                self._paint_matrix(p, rect, cell.values)
                marks = [(i, j) for o, q, i, j in linked if o == line.order and q == part]
                self._paint_marks(p, rect, cell.values.shape, marks)
        for pos, text, above in placed.labels.values():
            size = 10.5 if above else 9.5
            doc = self._doc(text, size)
            p.save()
            x = pos.x() - doc.size().width() / 2
            y = pos.y() - doc.size().height() if above else pos.y()
            p.translate(x, y)
            doc.drawContents(p)
            p.restore()
        # The arrows: the row runs down into its running row, the column runs leftwards
        # from the running column before it (backprop reads right to left).
        p.setPen(QPen(MUTED, 1.2))
        if "col_factor" in placed.cells:
            f, r = placed.cells["col_factor"], placed.cells["col_result"]
            y = r.top() + min(CELL_HEIGHT * self._scale, r.height()) / 2
            x0, x1 = f.right() + 5, r.left() - 5
            if x1 - x0 > 6:
                p.drawText(QRectF(x0, y - 10, x1 - x0, 20), Qt.AlignmentFlag.AlignCenter, "→")

    def _paint_marks(
        self, p: QPainter, rect: QRectF, shape: tuple[int, int], marks: list[tuple[int, int]]
    ) -> None:
        if not marks:
            return
        rows, cols = shape
        cw, ch = rect.width() / cols, rect.height() / rows
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor("#111111"), 2.2))
        for i, j in marks:
            p.drawRect(
                QRectF(rect.left() + j * cw, rect.top() + i * ch, cw, ch).adjusted(1, 1, -1, -1)
            )

    def _paint_matrix(self, p: QPainter, rect: QRectF, values: Array) -> None:
        vmax = style.nice_range(float(np.max(np.abs(values), initial=0.0)))
        rows, cols = values.shape
        if _is_numeric(values.shape):
            fills = style.rgb(values, vmax)
            light = style.text_is_light(values, vmax)
            cw, ch = rect.width() / cols, rect.height() / rows
            p.setFont(self._font(CELL_POINTS))
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
                    p.setPen(MUTED if v == 0.0 else ink)
                    p.drawText(cell, Qt.AlignmentFlag.AlignCenter, self.cell_text(v))
        else:
            side = int(max(rect.width(), rect.height()))
            image = style.image(values, vmax, max_side=max(side, 1))
            p.save()
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            p.drawImage(rect, image)
            p.restore()
        # Brackets: the factors read as maths, and a row reads as a row.
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

    # -- the mouse -----------------------------------------------------------------------
    def entry_at(self, pos: QPointF) -> tuple[ChainLine, str, int, int] | None:
        """(line, part, i, j) of the entry under `pos`, or None (empty slots too)."""
        for placed in self._placed:
            if not placed.rect.contains(pos):
                continue
            for part, rect in placed.cells.items():
                if part.endswith("result") and not self.is_computed(placed.line):
                    continue
                if rect.contains(pos):
                    cell = dict(placed.line.cells())[part]
                    rows, cols = cell.values.shape
                    i = min(rows - 1, int((pos.y() - rect.top()) / rect.height() * rows))
                    j = min(cols - 1, int((pos.x() - rect.left()) / rect.width() * cols))
                    return placed.line, part, i, j
        return None

    def link_at(self, pos: QPointF) -> Link | None:
        hit = self.entry_at(pos)
        if hit is None:
            return None
        line, part, i, j = hit
        return dict(line.cells())[part].link_of(i, j)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        link = self.link_at(event.position())
        self.set_linked(link)
        self.hovered.emit(link)
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self.set_linked(None)
        self.hovered.emit(None)
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        for rect, block in self._block_headers:
            if rect.contains(pos):
                self.toggle_block(block)
                return
        hit = self.entry_at(pos)
        if hit is not None and hit[1] in ("row_result", "col_result"):
            line, part, i, j = hit
            self.entry_clicked.emit(line.order, j if part == "row_result" else i)
            return
        super().mousePressEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            help_event: QHelpEvent = event  # type: ignore[assignment]
            hit = self.entry_at(QPointF(help_event.pos()))
            if hit is None:
                QToolTip.hideText()
                event.ignore()
                return True
            line, part, i, j = hit
            cell = dict(line.cells())[part]
            QToolTip.showText(
                help_event.globalPos(),
                f"{cell.symbol.removesuffix(' ⊙')}<sub>{i + 1},{j + 1}</sub> = "
                f"{fmt_full(float(cell.values[i, j]))}"
                + ("<br>click: the dot product that gives it" if part.endswith("result") else ""),
                self,
            )
            return True
        return super().event(event)
