"""The gradient panel: for one layer l, heatmaps of Wˡ and ∂C/∂Wˡ side by side and bar
strips of zˡ, aˡ, δˡ and ∂C/∂bˡ; for the input, strips of x and ∇ₓC.

It draws the document's Trace as it is (never recomputing a gradient) and follows the
player with the canvas's rule: during playback a value appears once the step that computes
it has revealed it; before that its slot says "not computed yet". Paused at the start (or
with no player) every value of the trace is shown. Clicking a cell selects that weight on
the canvas; selecting an edge elsewhere switches to its layer and outlines its cell.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from visualizer.gui import style
from visualizer.gui.canvas.playback import REVEAL_AT, fits
from visualizer.gui.document import Document, Selection
from visualizer.gui.panels.plots import ColorBar, Heatmap, Strip, max_abs
from visualizer.gui.player import Player
from visualizer.gui.widgets import ShownGate
from visualizer.notation import fmt_full, sub, sup
from visualizer.timeline import Key, Step, visible_values

MUTED_CSS = "color:#64748b"
HINT = (
    "Hover a cell or a bar for its exact value; click it to select it on the canvas. "
    "Indices are 1-based, as on the canvas: w²₂,₄ is W²[1, 3] in NumPy."
)

# Strip names per quantity: (plain label maker, hover symbol maker), for layer l.
_STRIPS = {
    "z": "z",
    "a": "a",
    "delta": "δ",
    "db": "∂C/∂b",
}


def values_shown(
    steps: Sequence[Step], k: int, progress: float, playing: bool, depth: int
) -> dict[Key, bool] | None:
    """Which values the panel may show at player position (k, progress): None means all
    of them (paused at the start, k = −1, is the resting view of the whole trace; so is a
    timeline that does not belong to a network of `depth` layers, e.g. one not rebuilt
    yet). Otherwise the canvas's rule: what steps 0..k−1 wrote, plus what step k writes
    once progress ≥ REVEAL_AT; playing from the start shows only the inputs."""
    if not fits(steps, depth):
        return None
    if k < 0:
        return visible_values(steps, -1) if playing else None
    k = min(k, len(steps) - 1)
    return visible_values(steps, k if progress >= REVEAL_AT else k - 1)


def _layer_label(l: int) -> str:
    return "input x" if l == 0 else f"layer {l}"


class GradientPanel(QWidget):
    """Dockable view of one layer's W, ∂C/∂W, z, a, δ, ∂C/∂b (or the input's x, ∇ₓC).

    `document` supplies the network, trace and selection; `player` (optional, see
    `set_player`) decides which values have been computed yet.
    """

    def __init__(
        self, document: Document, player: Player | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.doc = document
        self.player: Player | None = None
        self._shown: dict[Key, bool] | None = None
        self._drawn: tuple | None = None
        self._hover: tuple[str, int, int] | None = None  # ("cell", i, j) or ("bar", row, k)
        self.gate = ShownGate(self._redraw_owed)  # the window says when the tab is hidden

        # -- controls --------------------------------------------------------------------
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("Which layer to show (the input shows x and ∇ₓC)")
        self.same_scale = QCheckBox("Same colour scale")
        self.same_scale.setToolTip(
            "On: W and ∂C/∂W share one symmetric range. Off: each heatmap is stretched over "
            "its own range (∂C/∂W is usually much smaller than W)."
        )
        top = QHBoxLayout()
        show = QLabel("Show")
        show.setBuddy(self.layer_combo)
        top.addWidget(show)
        top.addWidget(self.layer_combo, 1)
        top.addWidget(self.same_scale)

        # -- heatmaps --------------------------------------------------------------------
        self.w_map, self.dw_map = Heatmap(), Heatmap()
        self.w_bar, self.dw_bar, self.shared_bar = ColorBar(), ColorBar(), ColorBar()
        self.maps = QWidget()
        self._maps_layout = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._maps_layout.setContentsMargins(0, 0, 0, 0)
        self._maps_layout.setSpacing(6)
        for heatmap, bar in ((self.w_map, self.w_bar), (self.dw_map, self.dw_bar)):
            column = QVBoxLayout()
            column.setSpacing(2)
            # The colour bar heads its heatmap: name and stated range in one line.
            column.addWidget(bar)
            column.addWidget(heatmap, 1)
            self._maps_layout.addLayout(column, 1)
        heat_column = QVBoxLayout(self.maps)
        heat_column.setContentsMargins(0, 0, 0, 0)
        heat_column.addWidget(self.shared_bar)
        heat_column.addLayout(self._maps_layout, 1)

        # -- strips ----------------------------------------------------------------------
        self.strip_box = QWidget()
        self._strip_grid = grid = QGridLayout(self.strip_box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(6)
        self.strips: list[Strip] = []
        self.strip_names: list[QLabel] = []
        for row in range(4):
            strip = Strip(show_index_axis=row == 3)
            name = QLabel()
            name.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            name.setMinimumWidth(52)
            name.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
            grid.addWidget(name, row, 0)
            grid.addWidget(strip, row, 1)
            grid.setRowStretch(row, 1)
            if self.strips:
                strip.view_box.setXLink(self.strips[0].view_box)
            self.strips.append(strip)
            self.strip_names.append(name)
        self._strip_keys: list[Key | None] = [None] * 4

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.maps)
        self.splitter.addWidget(self.strip_box)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([500, 500])

        self.readout = QLabel(HINT)
        self.readout.setWordWrap(True)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setMinimumHeight(self.readout.fontMetrics().height() * 3)
        self.readout.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.addLayout(top)
        outer.addWidget(self.splitter, 1)
        outer.addWidget(self.readout)

        # -- wiring ----------------------------------------------------------------------
        self.layer_combo.currentIndexChanged.connect(self._layer_chosen)
        self.same_scale.toggled.connect(lambda _on: self.refresh())
        for heatmap in (self.w_map, self.dw_map):
            heatmap.cell_clicked.connect(self._cell_clicked)
            heatmap.cell_hovered.connect(self._cell_hovered)
        for row, strip in enumerate(self.strips):
            strip.bar_clicked.connect(self._bar_clicked)
            strip.bar_hovered.connect(lambda k, row=row: self._bar_hovered(row, k))
        document.network_changed.connect(self._network_changed)
        document.selection_changed.connect(self._selection_changed)

        self._fill_combo()
        self.layer_combo.setCurrentIndex(1 if self.doc.network.depth >= 1 else 0)
        self.set_player(player)
        self.refresh()

    # -- public ------------------------------------------------------------------------
    @property
    def layer(self) -> int:
        """The layer shown: 1..L, or 0 for the input (x and ∇ₓC)."""
        data = self.layer_combo.currentData()
        return int(data) if data is not None else 1

    def set_layer(self, l: int) -> None:
        """Show layer l (0 = the input); out-of-range values are clamped."""
        l = max(0, min(int(l), self.doc.network.depth))
        index = self.layer_combo.findData(l)
        if index >= 0 and index != self.layer_combo.currentIndex():
            self.layer_combo.setCurrentIndex(index)

    def set_player(self, player: Player | None) -> None:
        """Follow `player` (None: always show every value)."""
        if self.player is not None:
            for signal in (
                self.player.position_changed,
                self.player.steps_changed,
                self.player.playing_changed,
            ):
                signal.disconnect(self._player_moved)
        self.player = player
        if player is not None:
            player.position_changed.connect(self._player_moved)
            player.steps_changed.connect(self._player_moved)
            player.playing_changed.connect(self._player_moved)
        self._player_moved()

    def is_shown(self, name: str, layer: int) -> bool:
        """Whether the value (name, layer) is on screen now (not "not computed yet")."""
        return self._shown is None or self._shown.get((name, layer), True)

    # -- reacting ----------------------------------------------------------------------
    def _player_moved(self, *_args: object) -> None:
        p = self.player
        if p is None:
            self._shown = None
        else:
            s = p.state
            self._shown = values_shown(
                p.steps, s.step, s.progress, s.playing, self.doc.network.depth
            )
        self.refresh()

    def _network_changed(self) -> None:
        self._fill_combo()
        if self.player is not None:
            self._player_moved()  # the depth may have changed; refreshes
        else:
            self.refresh()

    def _fill_combo(self) -> None:
        net = self.doc.network
        items = [("Input · x and ∇ₓC", 0)]
        for l in range(1, net.depth + 1):
            n, n_prev = net.sizes[l], net.sizes[l - 1]
            items.append((f"Layer {l} · {n} × {n_prev} · {net.layer(l).activation}", l))
        current = [
            (self.layer_combo.itemText(k), self.layer_combo.itemData(k))
            for k in range(self.layer_combo.count())
        ]
        if current == items:
            return
        keep = min(self.layer, net.depth)
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for text, data in items:
            self.layer_combo.addItem(text, data)
        self.layer_combo.setCurrentIndex(max(0, self.layer_combo.findData(keep)))
        self.layer_combo.blockSignals(False)
        self._drawn = None

    def _layer_chosen(self, _index: int) -> None:
        self._hover = None
        self.refresh()

    def _selection_changed(self) -> None:
        sel = self.doc.selection
        if sel is not None and sel.layer != self.layer:
            self.set_layer(sel.layer)  # refreshes through the combo
        if self.gate.allows():
            self._show_selection()

    def _redraw_owed(self) -> None:
        self.refresh()
        self._show_selection()

    # -- drawing -----------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw what changed since the last call (values, layer, visibility, scale);
        while the tab is not on screen, when it is shown again."""
        if not self.gate.allows():
            return
        trace, l = self.doc.trace, self.layer
        keys = self._page_keys(l)
        signature = (l, self.same_scale.isChecked(), tuple(self.is_shown(*k) for k in keys))
        if self._drawn is not None and self._drawn[0] is trace and self._drawn[1] == signature:
            return
        self._drawn = (trace, signature)
        if l == 0:
            self._draw_input()
        else:
            self._draw_layer(l)
        self._arrange()
        self._show_selection()

    @staticmethod
    def _page_keys(l: int) -> list[Key]:
        if l == 0:
            return [("grad_a", 0)]
        return [("dW", l), ("z", l), ("a", l), ("delta", l), ("db", l)]

    def _draw_layer(self, l: int) -> None:
        net, trace = self.doc.network, self.doc.trace
        weights, grads = net.layer(l).weights, trace.dW[l - 1]
        shape = weights.shape
        s = sup(l)
        if self.same_scale.isChecked():
            v_w = v_dw = style.nice_range(max(max_abs(weights), max_abs(grads)))
        else:
            v_w, v_dw = style.nice_range(max_abs(weights)), style.nice_range(max_abs(grads))
        shown = self.is_shown("dW", l)
        self.w_map.set_matrix(weights, shape, v_w)
        self.dw_map.set_matrix(grads if shown else None, shape, v_dw)
        rows = f"i (layer {l})"
        cols = "j (input x)" if l == 1 else f"j (layer {l - 1})"
        for heatmap in (self.w_map, self.dw_map):
            heatmap.set_labels(rows, cols)
        if self.same_scale.isChecked():
            self.shared_bar.set_symmetric(v_w, f"W{s} and ∂C/∂W{s}")
        else:
            self.w_bar.set_symmetric(v_w, f"W{s}")
            self.dw_bar.set_symmetric(v_dw, f"∂C/∂W{s}")
        self.dw_bar.setEnabled(shown)
        same = self.same_scale.isChecked()
        self.shared_bar.setVisible(same)
        self.w_bar.setVisible(not same)
        self.dw_bar.setVisible(not same)
        self.maps.show()

        values = {"z": trace.z, "a": trace.a[1:], "delta": trace.delta, "db": trace.db}
        for row, name in enumerate(("z", "a", "delta", "db")):
            self._set_strip(row, (name, l), values[name][l - 1], f"{_STRIPS[name]}{s}")

    def _draw_input(self) -> None:
        trace = self.doc.trace
        self.maps.hide()
        self._set_strip(0, ("a", 0), trace.a[0], "x = a⁰")
        self._set_strip(1, ("grad_a", 0), trace.grad_a[0], "∇ₓC")
        for row in (2, 3):
            self._strip_keys[row] = None
            self.strips[row].setVisible(False)
            self.strip_names[row].setVisible(False)
            self._strip_grid.setRowStretch(row, 0)

    def _set_strip(self, row: int, key: Key, values: np.ndarray, title: str) -> None:
        strip, name = self.strips[row], self.strip_names[row]
        strip.setVisible(True)
        name.setVisible(True)
        self._strip_grid.setRowStretch(row, 1)
        shown = self.is_shown(*key)
        name.setText(title if shown else f"<span style='{MUTED_CSS}'>{title}</span>")
        strip.set_values(values if shown else None, values.shape[-1])
        # The last strip of the page carries the neuron numbers.
        strip.plot_item.showAxis("bottom", row == 3 or key == ("grad_a", 0))
        self._strip_keys[row] = key

    def _arrange(self) -> None:
        """Heatmaps side by side, or one above the other when that draws their cells
        bigger (a wide matrix such as 256 × 784 in a narrow dock)."""
        if self.layer == 0:
            return
        rows, cols = self.w_map.shape
        width = max(1, self.maps.width())
        height = max(1, self.maps.height() - 2 * self.shared_bar.sizeHint().height())
        side = min(width / 2 / cols, height / rows)
        stacked = min(width / cols, height / 2 / rows)
        direction = (
            QBoxLayout.Direction.TopToBottom
            if stacked > side * 1.05
            else QBoxLayout.Direction.LeftToRight
        )
        if self._maps_layout.direction() != direction:
            self._maps_layout.setDirection(direction)
            # Two wide heatmaps stacked need more of the height than the strips do.
            total = sum(self.splitter.sizes()) or 1000
            share = 0.68 if direction == QBoxLayout.Direction.TopToBottom else 0.5
            self.splitter.setSizes([round(total * share), round(total * (1 - share))])

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._arrange()

    # -- selection and hover -----------------------------------------------------------
    def _show_selection(self) -> None:
        """Outline the selected weight's cell, or mark the selected neuron's bars, when
        they are on this page; and describe it while nothing is hovered."""
        sel, l = self.doc.selection, self.layer
        cell = (sel.i, sel.j) if sel and sel.kind == "edge" and sel.layer == l else None
        for heatmap in (self.w_map, self.dw_map):
            heatmap.set_outline(cell)
        neuron = sel.i if sel and sel.kind == "neuron" and sel.layer == l else None
        for strip in self.strips:
            strip.set_marker(neuron)
        self._show_readout()

    def _show_readout(self) -> None:
        """The hovered value, else the selection, else the hint."""
        text = ""
        if self._hover is not None:
            kind, a, b = self._hover
            text = self.describe_cell(a, b) if kind == "cell" else self.describe_bar(a, b)
        self.readout.setText(text or self._describe_selection() or HINT)

    def _describe_selection(self) -> str:
        sel = self.doc.selection
        if sel is None or sel.layer != self.layer:
            return ""
        if sel.kind == "edge":
            return "Selected: " + self.describe_cell(sel.i, sel.j)
        if sel.kind == "neuron":
            lines = [self.describe_bar(row, sel.i) for row in range(4) if self._strip_keys[row]]
            return "Selected: " + "<br>".join(lines)
        return ""

    def describe_cell(self, i: int, j: int) -> str:
        """Rich text: wˡᵢ,ⱼ and ∂C/∂wˡᵢ,ⱼ of the current layer at full precision (1-based
        in the symbols, with the 0-based NumPy index for reference)."""
        l = self.layer
        s, ij = sup(l), f"{sub(i + 1)},{sub(j + 1)}"
        w = self.doc.network.layer(l).weights[i, j]
        text = f"<b>w{s}{ij}</b> = {fmt_full(w)} &nbsp;·&nbsp; <b>∂C/∂w{s}{ij}</b> = "
        if self.is_shown("dW", l):
            text += fmt_full(self.doc.trace.dW[l - 1][i, j])
        else:
            text += f"<span style='{MUTED_CSS}'>not computed yet</span>"
        src = f"x{sub(j + 1)}" if l == 1 else f"a{sup(l - 1)}{sub(j + 1)}"
        return text + (
            f"<br><span style='{MUTED_CSS}'>from {src} to z{s}{sub(i + 1)} · "
            f"W{s}[{i}, {j}] in NumPy</span>"
        )

    def describe_bar(self, row: int, k: int) -> str:
        """Rich text: the value of slot k (0-based) of strip `row` at full precision."""
        key = self._strip_keys[row]
        if key is None:
            return ""
        name, l = key
        trace = self.doc.trace
        symbol = {
            ("a", 0): f"x{sub(k + 1)}",
            ("grad_a", 0): f"∂C/∂x{sub(k + 1)}",
        }.get(key, f"{_STRIPS.get(name, name)}{sup(l)}{sub(k + 1)}")
        if not self.is_shown(name, l):
            return f"<b>{symbol}</b> <span style='{MUTED_CSS}'>not computed yet</span>"
        values = trace.value(name, l)
        where = "input" if l == 0 else f"layer {l}"
        return (
            f"<b>{symbol}</b> = {fmt_full(values[k])} "
            f"<span style='{MUTED_CSS}'>(neuron {k + 1} of {where})</span>"
        )

    def _cell_hovered(self, i: int, j: int) -> None:
        self._hover = ("cell", i, j) if i >= 0 and self.layer >= 1 else None
        self._show_readout()

    def _bar_hovered(self, row: int, k: int) -> None:
        self._hover = ("bar", row, k) if k >= 0 else None
        self._show_readout()

    def _cell_clicked(self, i: int, j: int) -> None:
        if self.layer >= 1:
            self.doc.set_selection(Selection("edge", self.layer, i, j))

    def _bar_clicked(self, k: int) -> None:
        self.doc.set_selection(Selection("neuron", self.layer, k))
