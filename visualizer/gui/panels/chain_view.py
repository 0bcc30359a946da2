"""The "why transposed?" panel: the chain rule of dC/dx multiplied out both ways, with the
same numbers, why the two forms are each other's transpose, and what each order costs.

    row form      ∂C/∂x = ∂C/∂aᴸ · (fᴸ)′ · Wᴸ ⋯ (f¹)′ · W¹           left to right (a row)
    column form   ∇ₓC  = (W¹)ᵀ · (f¹)′ ⋯ (Wᴸ)ᵀ · (fᴸ)′ · ∇_{aᴸ}C      right to left (a column)

(in the seed's notation; View → Notation writes J_fˡ instead). Sections, each collapsible:
the δ recursion once; the two forms side by side, factor beside transposed factor, running
row beside running column (`chain_table.ChainTable`, which follows playback and links its
entries to the canvas both ways); (AB)ᵀ = BᵀAᵀ worked on two factors of this network; the
layout conventions; the results in full precision; and the costs of each order with a plot
over one width of this network's shape. Everything comes from `engine.chain`.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFontDatabase, QFontMetricsF
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

import pyqtgraph as pg  # isort: skip  (after the Qt binding, so pyqtgraph picks PySide6)

from visualizer import notation
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
from visualizer.gui.canvas.layout import Hit
from visualizer.gui.document import Document
from visualizer.gui.panels.chain_table import ChainTable, Link, chain_lines, dot_product_html
from visualizer.gui.player import Player
from visualizer.gui.style import PHASE_COLORS
from visualizer.gui.widgets import ShownGate
from visualizer.notation import fmt_full, fmt_short, render, t_fprime, t_fprime_t, t_grad, t_row
from visualizer.timeline import Step

Array = np.ndarray

# Above these costs chain_forms is not called: the matrix-first order alone would take
# seconds, and the dense Jacobians J_fˡ (nₗ × nₗ each) would take more than ~80 MB.
MAX_MATRIX_FIRST_MULTS = 50_000_000
MAX_VECTOR_FIRST_MULTS = 10_000_000

SHOWN_RESULTS = 8  # components of dC/dx listed in the results table
DEMO_MAX = 6  # (AB)ᵀ = BᵀAᵀ is written out for factors up to 6 × 6
PLOT_MAX_WIDTH = 256
PLOT_MAX_DEPTH = 16
PLOT_HEIGHT = 230
WIDE_LAYOUT = 1000  # from this width, results and costs sit side by side
AXIS_CHOICES = (
    ("as the input grows (n₀)", "input"),
    ("as the hidden layers widen", "hidden"),
    ("as the network deepens", "depth"),
    ("as the output widens (n_L)", "output"),
)
AXIS_LABELS = {
    "input": "input width n₀",
    "hidden": "widest hidden layer (the others scaled in proportion)",
    "depth": "layers L (the last hidden layer repeated)",
    "output": "output width n_L (dotted: the Jacobian ∂aᴸ/∂x, as if C were the vector aᴸ)",
}

INK = style.PANEL_INK
MUTED = style.PANEL_MUTED
EMPTY = style.EMPTY_CELL

CONVENTIONS_HTML = (
    "<b>Numerator layout</b> (Wikipedia's derivative, and the row form here): the derivative "
    "of a scalar C by an n-vector is a 1 × n <b>row</b>, and ∂a/∂z has one row per output, "
    "so the chain rule multiplies left to right in the order it is written: ∂C/∂a<sup>L</sup>"
    " · ∂a<sup>L</sup>/∂z<sup>L</sup> · ∂z<sup>L</sup>/∂a<sup>L−1</sup> ⋯ "
    "<b>Denominator layout</b> writes every derivative transposed: ∂C/∂x is an n × 1 "
    "<b>column</b> — the gradient ∇<sub>x</sub>C — and the same chain rule runs right to "
    "left with every factor transposed. The layout is bookkeeping: it decides whether you "
    "see the row or the column, and (ABC)<sup>T</sup> = C<sup>T</sup>B<sup>T</sup>A<sup>T"
    "</sup> turns one into the other. The entries are the same; what costs less is where you "
    "start multiplying — from the loss end a vector meets each factor (backprop), from the "
    "input end whole Jacobians meet each other."
)


# -- the canvas link -------------------------------------------------------------------------
def link_to_hit(link: Link | None) -> Hit | None:
    """The canvas item that a chain entry is: an edge, a neuron aˡᵢ (or xᵢ) or zˡᵢ."""
    if link is None:
        return None
    if link.kind == "edge":
        return Hit("edge", link.layer, link.i, link.j)
    return Hit("neuron" if link.kind == "a" else "z", link.layer, link.i)


def hit_to_link(hit: Hit | None) -> Link | None:
    """The chain entries that a canvas item is (None for boxes, buttons, y)."""
    if hit is None:
        return None
    if hit.kind == "edge":
        return Link("edge", hit.layer, hit.i, hit.j)
    if hit.kind in ("neuron", "z"):
        return Link("a" if hit.kind == "neuron" else "z", hit.layer, hit.i)
    return None


# -- (AB)ᵀ = BᵀAᵀ -----------------------------------------------------------------------------
def _matrix_html(values: Array) -> str:
    rows = "".join(
        "<tr>"
        + "".join(f"<td align='right' style='padding:0 5px'>{fmt_short(v)}</td>" for v in row)
        + "</tr>"
        for row in np.atleast_2d(values)
    )
    return (
        "<table cellspacing='0' style='border-left:1px solid #263238; border-right:1px solid "
        f"#263238'>{rows}</table>"
    )


def transpose_demo_html(result: ChainResult) -> str:
    """(AB)ᵀ = BᵀAᵀ on the first two factors after ∂C/∂aᴸ in the row form, A = J_fᴸ and
    B = Wᴸ, with this network's numbers (or a note when they are too big to write out)."""
    depth = len(result.sizes) - 1
    a = result.factors[1].matrix
    b = result.factors[2].matrix
    if max(*a.shape, *b.shape) > DEMO_MAX:
        return (
            f"(AB)<sup>T</sup> = B<sup>T</sup>A<sup>T</sup> holds for any A and B; this "
            f"network's factors are too big to write out here (over {DEMO_MAX} × {DEMO_MAX})."
        )
    elementwise = result.factors[1].diagonal
    a_sym = render(t_fprime(depth, elementwise, "jacobian"))[1]
    at_sym = render(t_fprime_t(depth, elementwise, "jacobian"))[1]
    w, wt = f"W<sup>{depth}</sup>", f"(W<sup>{depth}</sup>)<sup>T</sup>"
    ab, ab_t, bt_at = a @ b, (a @ b).T, b.T @ a.T
    same = (
        "bit for bit"
        if np.array_equal(ab_t, bt_at)
        else f"to {fmt_full(float(np.max(np.abs(ab_t - bt_at))))}"
    )
    cell = "style='padding:0 6px; vertical-align:middle'"
    row = (
        f"Two adjacent factors of the row form: A = {a_sym}, B = {w}."
        f"<table><tr><td {cell}>A =</td><td {cell}>{_matrix_html(a)}</td>"
        f"<td {cell}>B =</td><td {cell}>{_matrix_html(b)}</td>"
        f"<td {cell}>AB =</td><td {cell}>{_matrix_html(ab)}</td></tr></table>"
        f"<table><tr><td {cell}>(AB)<sup>T</sup> =</td><td {cell}>{_matrix_html(ab_t)}</td>"
        f"<td {cell}>B<sup>T</sup>A<sup>T</sup> = {wt} {at_sym} =</td>"
        f"<td {cell}>{_matrix_html(bt_at)}</td></tr></table>"
    )
    note = (
        f"Equal ({same}). Transposing a product transposes each factor <i>and reverses their "
        "order</i>: row i of AB is row i of A times B, which is column i of B<sup>T</sup>A"
        "<sup>T</sup>. Applied to the whole chain, that turns the row form into the column "
        "form."
    )
    if elementwise:
        note += " Here A is diagonal, so A<sup>T</sup> = A; only the order changes."
    return row + note


class _Section(QWidget):
    """A titled, collapsible part of the panel: the title is a button that folds it."""

    def __init__(self, title: str, body: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.button = QToolButton()
        self.button.setText(title)
        self.button.setCheckable(True)
        self.button.setChecked(True)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setArrowType(Qt.ArrowType.DownArrow)
        self.button.setAutoRaise(True)
        self.button.setStyleSheet("QToolButton { font-weight: bold; border: none; }")
        self.button.toggled.connect(self.set_open)
        self.body = body
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(self.button)
        box.addWidget(body)

    def set_open(self, open_: bool) -> None:
        self.button.setChecked(open_)
        self.button.setArrowType(Qt.ArrowType.DownArrow if open_ else Qt.ArrowType.RightArrow)
        self.body.setVisible(open_)

    @property
    def is_open(self) -> bool:
        return self.button.isChecked()


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
    Wˡ (and (Wˡ)ᵀ); weight_grad stays on J_fˡ, whose δˡ it uses; forward steps come before
    any of it. None (before the first step) shows everything."""
    rest = PHASE_COLORS["backward"]
    if step is None:
        return ChainFocus("", "", None, rest)
    accent = PHASE_COLORS.get(step.phase, rest)
    l = step.layer
    if step.kind == "loss_grad":
        return ChainFocus(f"dC_da{depth}", f"grad_a{depth}", 1, accent)
    if step.kind in ("activation_grad", "weight_grad"):
        # ∂C/∂Wˡ = δˡ (aˡ⁻¹)ᵀ uses the δˡ just computed: the chain stays on its line.
        return ChainFocus(f"J_f{l}", f"J_f{l}T", 2 + 2 * (depth - l), accent)
    if step.kind == "transpose":
        return ChainFocus(f"W{l}", f"W{l}T", 3 + 2 * (depth - l), accent)
    return ChainFocus("", "", 0, accent)


class ChainView(QWidget):
    """The chain of dC/dx for the document's network and sample. Follows
    `document.network_changed` (recomputing only while on screen, else when next shown) and,
    given a player, highlights and scrolls to the line of the current backward step.

    Linked with the canvas by the main window: `hovered(Link | None)` when the mouse is on
    an entry, `show_link(link)` to mark the entries that a canvas item is."""

    hovered = Signal(object)

    def __init__(self, document: Document, player: Player | None = None, parent=None):
        super().__init__(parent)
        self.document = document
        self.player = player
        self.result: ChainResult | None = None
        self.costs: ChainCosts | None = None
        self.too_big = False
        self._stale = True
        self.gate = ShownGate(self._redraw_owed)  # the window says when the tab is hidden
        self._plotted: tuple | None = None
        self._focus = focus_for(None, document.network.depth)
        self._results_block = -1

        self.intro = self._label(
            "The derivative of the scalar C is a <b>row</b> vector; the gradient is the "
            "<b>column</b> of the same numbers. Transposing a product reverses its order and "
            "transposes every factor — that is why backprop multiplies by (W<sup>l</sup>)"
            "<sup>T</sup>, from the loss back to the input."
        )
        self.forms_label = self._label("")
        self.recursion_label = self._label("")
        self.big_note = self._label("")
        self.big_note.setStyleSheet(
            "QLabel { background: #fff8e1; border: 1px solid #e39b12; border-radius: 4px;"
            " padding: 6px; }"
        )
        self.table = ChainTable()
        self.table.hovered.connect(self.hovered)
        self.table.entry_clicked.connect(self.show_dot_product)
        self.single_box = QCheckBox("One layer at a time (large)")
        self.single_box.setToolTip("Show only the current step's layer, drawn large")
        self.single_box.toggled.connect(self._single_toggled)
        self.dot_label = self._label(
            f"<span style='color:{MUTED}'>Click an entry of a running row or column to see "
            "the dot product that computes it.</span>"
        )
        self.demo_label = self._label("")
        self.conventions_label = self._label(CONVENTIONS_HTML)
        self.results_label = self._label("")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(9.0)
        self.results_label.setFont(mono)
        self.results_note = self._label("")
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

        recursion = self._stack(self.recursion_label)
        table = QWidget()
        table_box = QVBoxLayout(table)
        table_box.setContentsMargins(0, 0, 0, 0)
        table_box.addWidget(self.forms_label)
        table_box.addWidget(self.single_box)
        table_box.addWidget(self.table)
        table_box.addWidget(self.dot_label)
        results = self._stack(self.results_label, self.results_note)
        costs = QWidget()
        costs_box = QVBoxLayout(costs)
        costs_box.setContentsMargins(0, 0, 0, 0)
        costs_box.addWidget(self.costs_label)
        vary_row = QHBoxLayout()
        vary_label = QLabel("Plot the cost")
        vary_label.setBuddy(self.vary_combo)
        vary_row.addWidget(vary_label)
        vary_row.addWidget(self.vary_combo)
        vary_row.addStretch(1)
        costs_box.addLayout(vary_row)
        costs_box.addWidget(self.plot)
        self.sections = {
            "recursion": _Section("The δ recursion, written once", recursion),
            "forms": _Section("① Row form ↔ column form, factor by factor", table),
            "transpose": _Section("② (AB)ᵀ = BᵀAᵀ with this network's numbers",
                                  self._stack(self.demo_label)),
            "conventions": _Section("③ Row or column? The layout conventions",
                                    self._stack(self.conventions_label)),
            "results": _Section("④ The same numbers", results),
            "costs": _Section("⑤ What each order costs", costs),
        }  # fmt: skip

        self.content = QWidget()
        column = QVBoxLayout(self.content)
        column.setContentsMargins(10, 8, 10, 10)
        column.setSpacing(6)
        column.addWidget(self.intro)
        column.addWidget(self.big_note)
        for key in ("recursion", "forms", "transpose", "conventions"):
            column.addWidget(self.sections[key])
            column.addWidget(_rule())
        self.bottom = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.bottom.setSpacing(14)
        self.bottom.addWidget(self.sections["results"], 1)
        self.bottom.addWidget(self.sections["costs"], 1)
        column.addLayout(self.bottom)
        column.addStretch(1)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.scroll.setWidget(self.content)
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

    @staticmethod
    def _stack(*widgets: QWidget) -> QWidget:
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        for w in widgets:
            box.addWidget(w)
        return holder

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
        item.setLabel("left", "multiplications", color=INK)
        self.legend = legend = item.addLegend(offset=(6, 4), labelTextColor=INK)
        legend.setBrush(pg.mkBrush(255, 255, 255, 220))
        backward, forward = PHASE_COLORS["backward"], PHASE_COLORS["forward"]
        self.curve_vector = item.plot(
            pen=pg.mkPen(backward, width=2.5), name="from the loss end (backprop)"
        )
        self.curve_matrix = item.plot(
            pen=pg.mkPen(forward, width=2.5, style=Qt.PenStyle.DashLine),
            name="from the input end",
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
        self.here = item.plot(
            pen=None,
            symbol="o",
            symbolSize=9,
            symbolBrush=[pg.mkBrush(backward), pg.mkBrush(forward)],
            symbolPen=pg.mkPen("w", width=1.5),
        )
        self.marker = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen(MUTED, width=1, style=Qt.PenStyle.DotLine),
            label="this network",
            labelOpts={"position": 0.1, "color": INK},
        )
        item.addItem(self.marker, ignoreBounds=True)
        return plot

    # -- state ---------------------------------------------------------------------------
    @property
    def highlighted(self) -> tuple[str, str]:
        """The factor highlighted in the row form and in the column form."""
        return self._focus.derivative, self._focus.gradient

    @property
    def current_line(self) -> int:
        """The order of the highlighted line of the table (−1: none)."""
        return self.table.current

    def sizeHint(self) -> QSize:
        # Modest: a dock asks for this much, and the canvas keeps the rest of the window.
        return QSize(560, 640)

    def preferred_width(self) -> int:
        """The width that shows the two forms side by side without a scroll bar."""
        bar = self.scroll.verticalScrollBar().sizeHint().width()
        return max(self.table.sizeHint().width(), 360) + 20 + bar + 4

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
        # A hidden tab, or one behind another tab, recomputes when it is shown.
        if self.isVisible() and self.gate.allows():
            self.refresh()
        else:
            self._stale = True

    def _redraw_owed(self) -> None:
        if self._stale:
            self.refresh()

    def _position_changed(self, *_args: object) -> None:
        step = self.player.current_step if self.player is not None else None
        self._focus = focus_for(step, self.document.network.depth)
        self._apply_focus()

    def _apply_focus(self) -> None:
        f = self._focus
        order = next((line.order for line in self.table.lines if line.name == f.derivative), -1)
        self.table.set_state(order, f.computed, f.accent)
        if order >= 0:
            self._scroll_to(order)

    def _scroll_to(self, order: int) -> None:
        """Bring line `order` of the table into view (the current playback step)."""
        rect = self.table.line_rect(order)
        if rect is None or not self.sections["forms"].is_open:
            return
        top = self.table.mapTo(self.content, rect.topLeft().toPoint())
        half = int(rect.height() / 2)
        self.scroll.ensureVisible(
            self.scroll.horizontalScrollBar().value(), top.y() + half, 0, half + 8
        )

    def _single_toggled(self, on: bool) -> None:
        self.table.set_single(on)
        self._apply_focus()

    def show_link(self, link: Link | None) -> None:
        """Mark the entries that are `link` on the canvas (a hovered edge or neuron)."""
        self.table.set_linked(link)

    def show_dot_product(self, order: int, k: int) -> None:
        """Write out entry k of the running vector of line `order` as its dot product."""
        self.dot_label.setText(dot_product_html(self.table.lines, order, k))

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
        if self.too_big:
            self.result = None
        else:
            # Weights near the float limit overflow the input-end products to ±inf: shown
            # as they come out (as `backprop-visualizer chain` prints them), not an error.
            with np.errstate(over="ignore", invalid="ignore"):
                self.result = chain_forms(network)
        self._show_titles(network)
        if self.result is None:
            self.table.set_lines([], {})
            self.table.hide()
            self.single_box.hide()
            self.big_note.setText(self._big_note_html(self.costs))
            self.big_note.show()
            self.demo_label.setText("")
        else:
            names = {network.depth + 1: f"the loss: {network.loss.replace('_', ' ')}"}
            for l, layer in enumerate(network.layers, start=1):
                names[l] = f"layer {l}: {layer.activation}, {layer.size} neurons"
            self.table.set_lines(chain_lines(self.result, notation.display().notation), names)
            self.table.show()
            self.single_box.show()
            self.big_note.hide()
            self.demo_label.setText(transpose_demo_html(self.result))
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
            [render(t_row(L))[1]]
            + [f"{render(t_fprime(l, ew[l]))[1]} · W<sup>{l}</sup>" for l in range(L, 0, -1)]
        )
        col = " · ".join(
            [f"(W<sup>{l}</sup>)<sup>T</sup> · {render(t_fprime_t(l, ew[l]))[1]}"
             for l in range(1, L + 1)]
            + [render(t_grad(L))[1]]
        )  # fmt: skip
        self.forms_label.setText(
            f"<span style='font-size:11pt'>∂C/∂x = {row}</span><br>"
            f"<span style='font-size:11pt'>∇<sub>x</sub>C = {col}</span><br>"
            f"<span style='color:{MUTED}'>One line per multiplication, in backprop's order "
            "(from the loss end): each factor beside its transpose (#k is its place in its "
            "written form: the first of one is the last of the other), each running row "
            "beside the equal running column — the δ<sup>l</sup> and ∇<sub>a<sup>l</sup></sub>"
            "C the canvas shows at the same playback step. Hover an entry to find it on the "
            "canvas; click a running entry for its dot product.</span>"
        )
        recursion = "<br>".join(render(t)[1] for t in notation.t_recursion())
        self.recursion_label.setText(
            f"<span style='font-size:11.5pt'>{recursion}</span><br>"
            f"<span style='color:{MUTED}'>{render(notation.MEETING_NOTE)[1]}</span>"
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
                f"<td align='right' style='{cell}; color:{MUTED}'>x<sub>{i + 1}</sub></td>"
                for i in part
            )
            body = "".join(
                f"<tr><td style='{cell}; color:{MUTED}'>{label}</td>"
                + "".join(f"<td align='right' style='{cell}'>{fmt_full(vs[i])}</td>" for i in part)
                + "</tr>"
                for label, vs in rows
            )
            blocks.append(f"<tr><td></td>{head}</tr>{body}")
        spacer = f"<tr><td colspan='{per_block + 1}' style='font-size:4pt'>&nbsp;</td></tr>"
        more = (
            f"<tr><td colspan='{per_block + 1}' style='color:{MUTED}'>… and "
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
        muted = MUTED
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
            f"Starting from the input carries a full Jacobian (n<sub>l</sub> × n<sub>0</sub>, "
            f"here n<sub>0</sub> = {network.input_size}) through every layer; starting from "
            "the loss carries "
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
        for item, values, name in (
            (self.curve_jacobian_loss, [c.jacobian_loss_end for c in curve], "output"),
            (self.curve_jacobian_input, [c.jacobian_input_end for c in curve], "input"),
        ):
            item.setData(xs, values) if vector_output else item.setData([], [])
            item.setVisible(vector_output)
            # The legend names these curves only while they are drawn.
            self.legend.removeItem(item)
            if vector_output:
                self.legend.addItem(item, f"if C were aᴸ: ∂aᴸ/∂x from the {name} end")
        self.here.setData([here, here], [costs.loss_end, costs.input_end])
        self.marker.setValue(math.log10(here))  # the view is in log10 units
        # The label goes on the side of the line with room for it.
        right_half = math.log10(here) > math.log10(top) / 2
        self.marker.label.setAnchor((1.05, 0.5) if right_half else (-0.05, 0.5))
        item = self.plot.getPlotItem()
        item.setLabel("bottom", AXIS_LABELS[axis], color=INK)
        item.setXRange(0.0, math.log10(top), padding=0.02)
        # Powers of two: the widths people give layers, and labels that never collide.
        ticks = [2**k for k in range(int(math.log2(top)) + 1)]
        item.getAxis("bottom").setTicks([[(math.log10(t), f"{t:,}") for t in ticks], []])


def _rule() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setStyleSheet(f"color: {EMPTY};")
    return line
