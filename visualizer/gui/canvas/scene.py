"""The network as a QGraphicsScene: builds the items for the document's network and keeps
them in step with it.

A change of layer sizes rebuilds the scene (and emits `layout_changed`, so the view can
refit); any other change only pushes new values into the existing items, whose caches
then redraw just what changed. What each column and operator shows comes from an
`Overlay` (see state.py): the resting one shows every forward value. Playback calls
`set_playback(steps, k, progress)` on every frame: the overlay (playback.py) changes only
a few times per step, and in between only the pulses (pulses.py) move and repaint.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, QTimer, Signal
from PySide6.QtWidgets import QGraphicsScene

from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.limits import MAX_LAYER_SIZE
from visualizer.engine.losses import LOSSES
from visualizer.gui import prepared, style
from visualizer.gui.canvas.carried import CarriedMatrixItem, CounterItem, counter_text
from visualizer.gui.canvas.edges import EdgeBundleItem, edge_pen, edge_steps
from visualizer.gui.canvas.hover import FADED_OPACITY, HoverItem, hover_shapes, line_pens
from visualizer.gui.canvas.items import (
    ActivationBandItem,
    ButtonsItem,
    CanvasItem,
    FlowItem,
    LossBandItem,
    NeuronColumnItem,
    SelectionItem,
    WeightsBoxItem,
    qrect,
)
from visualizer.gui.canvas.layout import (
    COUNTER_H,
    MARGIN,
    Hit,
    Layout,
    Rect,
    carried_bounds,
    carried_slots,
    compute_layout,
)
from visualizer.gui.canvas.legend import LegendEntry
from visualizer.gui.canvas.playback import fits, overlay_for, travel
from visualizer.gui.canvas.pulses import PulseItem, Pulses, pulses_for
from visualizer.gui.canvas.state import (
    GRADIENTS,
    ColumnShow,
    Overlay,
    column_header,
    column_values,
)
from visualizer.gui.document import Document
from visualizer.notation import fmt_full, render, sub, sup, t_delta
from visualizer.timeline import Step

REFINE_DELAY_MS = 150


def _fits(steps: Sequence[Step], sizes: list[int]) -> bool:
    """Whether `steps` is a timeline of a network with layer sizes `sizes`."""
    depth = len(sizes) - 1
    if not fits(steps, depth):
        return False
    return all(
        ref.values.shape == (sizes[ref.layer],)
        for step in steps
        if step.kind == "linear"
        for ref in step.writes
        if ref.name == "z"
    )


class NetworkScene(QGraphicsScene):
    """Draws `document`'s network and trace. Geometry lives in `self.layout` (pure, see
    layout.py); `hit()` and `tooltip()` answer what is at a scene point."""

    layout_changed = Signal()  # the network's shape changed and the scene was rebuilt
    legend_changed = Signal()  # a colour range changed: the view redraws its colour bars
    hover_changed = Signal(object)  # the hovered Hit (or None): other views mark the same

    def __init__(self, document: Document, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        # Items never move; a BSP index would only cost time on every update.
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setBackgroundBrush(style.BACKGROUND)
        self.layout: Layout | None = None
        # The operator node the keyboard is on ("W"/"f" of a layer, or "C"): drawn as the
        # selection instead of the layer's W box; or ("y", L): the target yᵢ is ringed
        # too (see the view's keyboard model).
        self.cursor_node: tuple[str, int] | None = None
        self.overlay: Overlay | None = None  # None: the resting overlay
        self.weight_range = 1.0
        self.value_range = 1.0
        self.gradient_range = 1.0  # of δ and ∂C/∂a
        self.weight_gradient_range = 1.0  # of ∂C/∂W, when edges show it
        self._shows_gradients = False
        self._shows_weight_gradients = False
        # Playback: the pulses of the step shown, cached per (timeline, step).
        self._pulse_step: Step | None = None
        self._pulses: Pulses | None = None
        self._legend: list[LegendEntry] = []
        self.rebuild_count = 0
        # Forward mode: the timeline's mode, and the carried matrices its steps wrote.
        self.mode = "reverse"
        self._carried_values: dict[tuple[str, int], np.ndarray] = {}
        self.carried_range = 1.0
        # Big bundles are drawn as quick drafts while edits come in (and stretched while
        # zooming); this timer redraws them properly once that pauses.
        self._refine_timer = QTimer(self)
        self._refine_timer.setSingleShot(True)
        self._refine_timer.setInterval(REFINE_DELAY_MS)
        self._refine_timer.timeout.connect(self.refine_now)
        document.network_changed.connect(self.sync)
        document.selection_changed.connect(self.sync_selection)
        self.sync()

    # -- building ------------------------------------------------------------------------
    def _rebuild(self, sizes: list[int]) -> None:
        self.clear()
        self.rebuild_count += 1
        lay = compute_layout(sizes)
        self.layout = lay
        self.a_items = [NeuronColumnItem(c, column_header("a", c.layer, "a")) for c in lay.a]
        self.z_items = [NeuronColumnItem(c, column_header("z", c.layer, "z")) for c in lay.z]
        self.y_item = NeuronColumnItem(lay.y, "y")
        self.bundle_items = [EdgeBundleItem(b) for b in lay.bundles]
        for item in self.bundle_items:
            item.on_stale = self._refine_timer.start
        self.w_items = [WeightsBoxItem(r, l) for l, r in enumerate(lay.w_boxes, start=1)]
        self.f_items = [
            ActivationBandItem(r, l, lay.z[l - 1], lay.a[l])
            for l, r in enumerate(lay.f_bands, start=1)
        ]
        self.loss_item = LossBandItem(lay.loss_band, lay.a[-1], lay.y)
        boxes = [box for pair in zip(lay.w_boxes, lay.f_bands, strict=True) for box in pair]
        self.flow_item = FlowItem(lay.row, lay.a[0], lay.y, boxes, lay.loss_band)
        self.button_items = [
            ButtonsItem(lay.button(c.layer, -1), lay.button(c.layer, +1), MAX_LAYER_SIZE)
            for c in lay.a
        ]
        self.carried_items = {
            key: CarriedMatrixItem(key, slot) for key, slot in carried_slots(lay).items()
        }
        bottom = max(item.slot.rect.bottom for item in self.carried_items.values())
        self.counter_item = CounterItem(
            Rect(lay.bounds.left + MARGIN, bottom + 8, lay.bounds.w - 2 * MARGIN, COUNTER_H - 8)
        )
        self.selection_item = SelectionItem()
        self.hover_item = HoverItem("marks")
        self.hover_lines_item = HoverItem("lines")
        self.hover: Hit | None = None
        self.pulse_item = PulseItem()
        self._pulse_step, self._pulses = None, None
        for item in self.all_items():
            self.addItem(item)
        b = self.content_bounds()
        self.setSceneRect(QRectF(b.x, b.y, b.w, b.h))

    def all_items(self) -> list[CanvasItem | PulseItem]:
        return [
            *self.a_items,
            *self.z_items,
            self.y_item,
            *self.bundle_items,
            *self.w_items,
            *self.f_items,
            self.loss_item,
            self.flow_item,
            *self.button_items,
            *self.carried_items.values(),
            self.counter_item,
            self.selection_item,
            self.hover_item,
            self.hover_lines_item,
            self.pulse_item,
        ]

    def set_caching(self, enabled: bool) -> None:
        """Turn Qt's item caches on or off (off for vector output such as SVG)."""
        for item in self.all_items():
            if isinstance(item, SelectionItem | HoverItem | ButtonsItem | PulseItem | CounterItem):
                continue
            if isinstance(item, EdgeBundleItem) and not item.bundle.image:
                item.caching = enabled  # lines keep their own cache
                continue
            item.set_caching(enabled)

    # -- keeping up with the document ----------------------------------------------------
    def set_overlay(self, overlay: Overlay | None) -> None:
        """Show `overlay` (None: the resting view, every forward value)."""
        if overlay is not None:
            overlay.validate(self.document.network.depth)
        self.overlay = overlay
        self.sync()

    def set_playback(self, steps: Sequence[Step] | None, k: int, progress: float) -> None:
        """Show the playback at step `k`, `progress` (0..1) into it, of the timeline
        `steps` (see playback.py for what is shown when). `steps` None or k = −1: the
        resting view. Cheap on every frame: the overlay changes only when a value appears
        or a step begins, and otherwise only the pulses move.

        A timeline of another shape of network (one that is being rebuilt) shows the
        resting view until the matching steps arrive. ValueError for k out of range.
        """
        net = self.document.network
        if steps is not None and not -1 <= k < len(steps):
            raise ValueError(f"step {k} out of range −1..{len(steps) - 1}")
        self._set_mode(steps)
        if steps is None or k == -1 or not _fits(steps, net.sizes):
            overlay, pulses, t = None, None, None
        else:
            overlay = overlay_for(steps, k, progress, net.depth)
            if steps[k] is not self._pulse_step:
                assert self.layout is not None
                weights = [layer.weights for layer in net.layers]
                self._pulse_step = steps[k]  # held, so a rebuilt timeline never matches it
                self._pulses = pulses_for(self.layout, steps[k], weights)
            pulses, t = self._pulses, travel(progress)
        if overlay != self.overlay:
            self.set_overlay(overlay)
        self.pulse_item.show(pulses, t)

    def _set_mode(self, steps: Sequence[Step] | None) -> None:
        """Follow the timeline's mode: forward mode makes room for the carried matrices
        under the network (the view refits) and keeps its steps' matrices at hand."""
        mode = steps[0].mode if steps else "reverse"
        if mode != "reverse" and steps is not None:
            self._carried_values = {
                ref.key: ref.values
                for step in steps
                for ref in step.writes
                if ref.name in ("da_dx", "dz_dx", "dC_dx")
            }
        else:
            self._carried_values = {}
        if mode != self.mode:
            self.mode = mode
            b = self.content_bounds()
            self.setSceneRect(QRectF(b.x, b.y, b.w, b.h))
            self.layout_changed.emit()

    def content_bounds(self) -> Rect:
        """What the view fits: the network, and in forward mode the carried matrices."""
        assert self.layout is not None
        return carried_bounds(self.layout) if self.mode != "reverse" else self.layout.bounds

    def current_overlay(self) -> Overlay:
        depth = self.document.network.depth
        if self.overlay is not None and self.overlay.depth == depth:
            return self.overlay
        return Overlay.resting(depth)

    def sync(self) -> None:
        """Bring every item up to date with the document (rebuild only on a new shape)."""
        net, trace = self.document.network, self.document.trace
        shape_changed = self.layout is None or tuple(net.sizes) != self.layout.sizes
        if shape_changed:
            self._rebuild(net.sizes)
        overlay = self.current_overlay()
        accent = style.phase_accent(overlay.phase)

        # Computed ahead when the network was opened (see prepared.py).
        ranges = prepared.canvas_ranges(net, trace)
        self.weight_range = ranges.weight
        self.value_range = ranges.value
        self.gradient_range = ranges.gradient
        self.weight_gradient_range = ranges.weight_gradient
        shown: list[tuple[NeuronColumnItem, str, int, ColumnShow]] = []
        items = {"a": self.a_items, "z": self.z_items}
        for kind, layer, show in overlay.columns():
            item = self.y_item if kind == "y" else items[kind][layer if kind == "a" else layer - 1]
            shown.append((item, kind, layer, show))
        self._shows_gradients = any(show.quantity in GRADIENTS for *_, show in shown)
        for item, kind, layer, show in shown:
            gradient = show.quantity in GRADIENTS
            values = column_values(trace, kind, layer, show.quantity)
            item.set_values(values, self.gradient_range if gradient else self.value_range)
            item.set_header(column_header(kind, layer, show.quantity))
            item.set_emphasis(show.emphasis, accent)

        for l, layer in enumerate(net.layers, start=1):
            op = overlay.weights[l - 1]
            w_item = self.w_items[l - 1]
            w_item.set_content(layer.weights, layer.biases, self.weight_range, op.direction)
            w_item.set_emphasis(op.emphasis, accent)
            self.bundle_items[l - 1].set_emphasis(overlay.bundle(l).emphasis, accent)
            act = ACTIVATIONS[layer.activation]
            op = overlay.activations[l - 1]
            f_item = self.f_items[l - 1]
            f_item.set_content(act.name, act.symbol, act.elementwise, op.direction)
            f_item.set_emphasis(op.emphasis, accent)
        self._shows_weight_gradients = any(
            overlay.bundle(l).quantity == "dW" for l in range(1, net.depth + 1)
        )
        op = overlay.loss
        loss = trace.loss if overlay.loss_shown else None
        self.loss_item.set_content(loss, net.loss, op.direction)
        self.loss_item.set_emphasis(op.emphasis, accent)
        self.flow_item.set_direction(op.direction)
        for item, n in zip(self.button_items, net.sizes, strict=True):
            item.set_size(n)
        self._sync_carried(overlay, accent)
        self.sync_selection()
        if shape_changed:
            self.layout_changed.emit()
        legend = self.legend()
        if legend != self._legend:
            self._legend = legend
            self.legend_changed.emit()

    def restyle(self) -> None:
        """Redraw every item after the display changed (notation or digits): the labels
        and numbers are the same data written differently, so no item notices by itself."""
        for item in self.items():
            item.update()
        self.sync()

    def carried_tooltip(self, x: float, y: float) -> str:
        """The tooltip of a carried matrix's cell at scene point (x, y), or ""."""
        for item in self.carried_items.values():
            text = item.tooltip(x, y)
            if text:
                return text
        return ""

    def _sync_carried(self, overlay: Overlay, accent) -> None:
        """Forward mode: the carried matrices computed so far, and the counters."""
        shown = dict(overlay.carried)
        values = self._carried_values
        self.carried_range = style.nice_range(prepared.max_abs(list(values.values())))
        for key, item in self.carried_items.items():
            matrix = values.get(key) if key in shown else None
            if matrix is not None:
                item.set_values(matrix, self.carried_range)
                item.set_emphasis(shown[key], accent)
            else:
                item.set_values(None, self.carried_range)
        if overlay.counters is None:
            self.counter_item.set_text("")
        else:
            finished = ("dC_dx", 0) in shown
            self.counter_item.set_text(counter_text(overlay.counters, overlay.mode, finished))

    def edge_values(self, layer: int) -> tuple[np.ndarray, float]:
        """(values, ±range) that bundle `layer` draws: Wˡ, or ∂C/∂Wˡ during playback's
        backward pass."""
        if self.current_overlay().bundle(layer).quantity == "dW":
            return self.document.trace.dW[layer - 1], self.weight_gradient_range
        return self.document.network.layer(layer).weights, self.weight_range

    def _sync_bundles(self) -> None:
        sel = self.document.selection
        for l in range(1, self.document.network.depth + 1):
            excluded = (sel.i, sel.j) if sel and sel.kind == "edge" and sel.layer == l else None
            values, vmax = self.edge_values(l)
            self.bundle_items[l - 1].set_weights(values, vmax, excluded)
        if any(item.draft for item in self.bundle_items):
            self._refine_timer.start()  # (re)started: refine after the last edit

    def prepare_export(self, vector: bool = False) -> None:
        """Draw everything at full quality from now on: no drafts, no stretched pictures,
        and with `vector` no raster caches at all (for SVG)."""
        for item in self.bundle_items:
            item.on_stale = None
        self.refine_now()
        if vector:
            self.set_caching(False)

    def set_controls_visible(self, visible: bool) -> None:
        """Show or hide the editing controls: the − n + buttons under the columns, the
        selection rings and the hover marks (a slide has no use for them)."""
        self.controls_visible = visible
        for item in (*self.button_items, self.selection_item, self.hover_item):
            item.setVisible(visible)
        self.hover_lines_item.setVisible(visible)

    def controls(self) -> list:
        """The editing controls' items (see `set_controls_visible`)."""
        return [*self.button_items, self.selection_item, self.hover_item, self.hover_lines_item]

    def refine_now(self) -> None:
        """Redraw draft or stretched bundles properly now (exports call this first)."""
        self._refine_timer.stop()
        for item in self.bundle_items:
            item.refine()

    def sync_selection(self) -> None:
        """Redraw the selection highlight (and leave the selected edge out of its bundle)."""
        sel, lay = self.document.selection, self.layout
        assert lay is not None
        if tuple(self.document.network.sizes) != lay.sizes:
            # The document clears a selection that no longer fits *before* it announces
            # the new network; the rebuild that follows draws the selection.
            return
        self._sync_bundles()
        item = self.selection_item
        node = self.cursor_node
        if node is not None and node[0] == "C" and sel is None:
            item.show_rings([], [qrect(lay.loss_band).adjusted(-3, -3, 3, 3)])
            return
        if sel is None or not sel.fits(self.document.network):
            item.clear()
            return
        if sel.kind == "neuron":
            cols = [lay.a[sel.layer]] + ([lay.z[sel.layer - 1]] if sel.layer >= 1 else [])
            if node == ("y", sel.layer):
                cols.append(lay.y)  # the keyboard is on the target yᵢ
            rings, boxes = [], []
            for col in cols:
                y = float(col.ys[sel.i])
                if col.shape == "circle":
                    rings.append((QPointF(col.x, y), col.half_w))
                else:
                    h = col.half_h + (2 if col.strip else 3.5)
                    boxes.append(QRectF(col.left - 3.5, y - h, 2 * col.half_w + 7, 2 * h))
            item.show_rings(rings, boxes)
        elif sel.kind == "edge":
            bundle = lay.bundles[sel.layer - 1]
            values, vmax = self.edge_values(sel.layer)
            w = float(values[sel.i, sel.j])
            if bundle.image:
                r = bundle.rect
                n_to, n_from = bundle.y_to.shape[0], bundle.y_from.shape[0]
                cw, ch = r.w / n_from, r.h / n_to
                cell = QRectF(r.x + sel.j * cw, r.y + sel.i * ch, cw, ch)
                item.show_rings([], [cell.adjusted(-2, -2, 2, 2)])
            else:
                step = int(edge_steps(np.array([w]), vmax)[0])
                pen = edge_pen(step, vmax, self.bundle_items[sel.layer - 1].max_width)
                start = QPointF(bundle.x0, float(bundle.y_from[sel.j]))
                end = QPointF(bundle.x1, float(bundle.y_to[sel.i]))
                item.show_edge(start, end, pen)
        else:  # a whole layer
            col = lay.a[sel.layer]
            boxes = [
                QRectF(col.left - 5, col.top - 5, 2 * col.half_w + 10, col.bottom - col.top + 10)
            ]
            if sel.layer >= 1:
                on_f = node == ("f", sel.layer)
                box = (lay.f_bands if on_f else lay.w_boxes)[sel.layer - 1]
                boxes.append(qrect(box).adjusted(-3, -3, 3, 3))
            item.show_rings([], boxes)

    # -- questions about points ----------------------------------------------------------
    def hit(self, pos: QPointF, tolerance: float = 0.0) -> Hit | None:
        """What is at scene point `pos`, with `tolerance` scene units of slack."""
        assert self.layout is not None
        return self.layout.hit(pos.x(), pos.y(), tolerance)

    def legend(self) -> list[LegendEntry]:
        entries = [
            LegendEntry("weights", self.weight_range),
            LegendEntry("values", self.value_range),
        ]
        if self._shows_gradients:
            entries.append(LegendEntry("gradients", self.gradient_range))
        if self._shows_weight_gradients:
            entries.append(LegendEntry("∂C/∂W", self.weight_gradient_range))
        if self.current_overlay().carried:
            entries.append(LegendEntry("∂/∂x (forward mode)", self.carried_range))
        return entries

    def legend_note(self) -> str:
        """The note after the colour bars: what an edge's width means."""
        if self._shows_weight_gradients:
            return "edge width ∝ |w| or |∂C/∂w|"
        return "edge width ∝ |w|"

    def neuron_pos(self, layer: int, i: int, kind: str = "a") -> QPointF:
        """Scene centre of value i of column `kind` ("a", "z", "y") of `layer`."""
        assert self.layout is not None
        col = {
            "a": lambda: self.layout.a[layer],
            "z": lambda: self.layout.z[layer - 1],
            "y": lambda: self.layout.y,
        }[kind]()
        return QPointF(col.x, float(col.ys[i]))

    def edge_pos(self, layer: int, i: int, j: int, t: float = 0.5) -> QPointF:
        """The scene point a fraction `t` along edge Wˡ[i, j] (or its heatmap cell)."""
        assert self.layout is not None
        b = self.layout.bundles[layer - 1]
        if b.image:
            r = b.rect
            return QPointF(
                r.x + (j + 0.5) * r.w / b.y_from.shape[0], r.y + (i + 0.5) * r.h / b.y_to.shape[0]
            )
        y0, y1 = float(b.y_from[j]), float(b.y_to[i])
        return QPointF(b.x0 + t * (b.x1 - b.x0), y0 + t * (y1 - y0))

    def button_pos(self, layer: int, delta: int) -> QPointF:
        assert self.layout is not None
        b = self.layout.button(layer, delta)
        return QPointF(b.cx, b.cy)

    def button_enabled(self, layer: int, delta: int) -> bool:
        return self.button_items[layer].enabled(delta)

    def set_cursor_node(self, node: tuple[str, int] | None) -> None:
        """Draw the selection on operator node `node` ("W", l), ("f", l) or ("C", L), or
        also on the target yᵢ of a selected output neuron (("y", L))."""
        if node != self.cursor_node:
            self.cursor_node = node
            self.sync_selection()

    def set_hover(self, hit: Hit | None) -> None:
        """Highlight what is under the mouse (see hover.py): a +/− button, a neuron's
        edges (fading the others), an edge's two neurons; None clears the highlight."""
        for item in self.button_items:
            on = hit is not None and hit.kind == "button" and hit.layer == item.minus.layer
            item.set_hover(hit.i if on and hit is not None else 0)
        if hit == self.hover:
            return
        self.hover = hit
        self.hover_changed.emit(hit)
        assert self.layout is not None
        shapes = hover_shapes(self.layout, hit)
        values = {}
        for l in {line[2] for line in shapes.lines}:
            vals, vmax = self.edge_values(l)
            values[l] = (vals, vmax, self.bundle_items[l - 1].max_width)
        pens = line_pens(shapes, values)
        self.hover_item.show_shapes(shapes, pens)
        self.hover_lines_item.show_shapes(shapes, pens)
        for item in self.bundle_items:
            base = style.DIM_OPACITY if item.emphasis == "dim" else 1.0
            # A heatmap keeps its colours: its hovered row or column is outlined instead.
            faded = shapes.fade and not item.bundle.image
            item.setOpacity(base * (FADED_OPACITY if faded else 1.0))

    def tooltip(self, hit: Hit | None) -> str:
        """What a tooltip over `hit` says: exact values, in full precision."""
        if hit is None:
            return ""
        net, trace = self.document.network, self.document.trace

        def vec(v: np.ndarray) -> np.ndarray:
            return v[0] if v.ndim == 2 else v

        l, i, j = hit.layer, hit.i, hit.j
        L = net.depth
        if hit.kind in ("neuron", "z"):
            n = i + 1
            if l == 0:
                lines = [
                    f"Input x{sub(n)} (neuron {n} of {net.sizes[0]})",
                    f"x{sub(n)} = a⁰{sub(n)} = {fmt_full(vec(trace.a[0])[i])}",
                    f"∂C/∂x{sub(n)} = {fmt_full(vec(trace.grad_a[0])[i])}",
                ]
                return "\n".join(lines)
            act = net.layer(l).activation
            where = "output layer" if l == L else f"layer {l}"
            s, k = sup(l), sub(n)
            lines = [
                f"Neuron {n} of {net.sizes[l]} in {where} ({act})",
                f"z{s}{k} = {fmt_full(vec(trace.z[l - 1])[i])}",
                f"a{s}{k} = {fmt_full(vec(trace.a[l])[i])}",
                f"b{s}{k} = {fmt_full(net.layer(l).biases[i])}",
                f"δ{s}{k} = ∂C/∂z{s}{k} = {fmt_full(vec(trace.delta[l - 1])[i])}",
            ]
            if l == L:
                lines.append(f"target y{k} = {fmt_full(vec(trace.y)[i])}")
            return "\n".join(lines)
        if hit.kind == "y":
            return f"Target y{sub(i + 1)} = {fmt_full(vec(trace.y)[i])}"
        if hit.kind == "edge":
            s = sup(l)
            w = net.layer(l).weights[i, j]
            src = f"x{sub(j + 1)}" if l == 1 else f"a{sup(l - 1)}{sub(j + 1)}"
            return "\n".join(
                [
                    f"w{s}{sub(i + 1)},{sub(j + 1)} = {fmt_full(w)}",
                    f"from {src} to z{s}{sub(i + 1)}",
                    f"∂C/∂w{s}{sub(i + 1)},{sub(j + 1)} = {fmt_full(trace.dW[l - 1][i, j])}",
                    "Drag up/down (or Alt+wheel) on the selected edge to change it",
                ]
            )
        if hit.kind == "weights":
            s, p = sup(l), sup(l - 1)
            prev = "x" if l == 1 else f"a{p}"
            n, m = net.layer(l).weights.shape
            return "\n".join(
                [
                    f"W{s} + b{s}: z{s} = W{s} {prev} + b{s}",
                    f"{n} × {m} weights, {n} biases",
                    f"backward: ∇{prev}C = (W{s})ᵀ δ{s},  ∂C/∂W{s} = δ{s} ({prev})ᵀ",
                ]
            )
        if hit.kind == "activation":
            act = ACTIVATIONS[net.layer(l).activation]
            s = sup(l)
            # Rich text, in the chosen notation, so ∇ carries its subscript a^l.
            back = render(f"δ^{{{l}}} = {t_delta(l, act.elementwise)}")[1]
            if not act.elementwise:
                back += " (softmax: not elementwise)"
            how = "elementwise" if act.elementwise else "over the whole vector"
            return "<br>".join(
                [f"f{s} = {act.name}, {how}: a{s} = {act.symbol}(z{s})", f"backward: {back}"]
            )
        if hit.kind == "loss":
            loss = LOSSES[net.loss]
            return "\n".join(
                [
                    f"{net.loss}: {loss.formula}",
                    f"C = {fmt_full(trace.loss)}",
                    f"backward: ∇_{{a{sup(L)}}}C = (∂C/∂a{sup(L)})ᵀ starts the backward pass",
                ]
            )
        if hit.kind == "button":
            n = net.sizes[l]
            what = "the input" if l == 0 else f"layer {l}"
            if hit.i > 0:
                return f"Add a neuron to {what} ({n} → {n + 1})"
            if n <= 1:
                return f"{what.capitalize()} has one neuron: it cannot shrink"
            return f"Remove the last neuron of {what} ({n} → {n - 1})"
        return ""
