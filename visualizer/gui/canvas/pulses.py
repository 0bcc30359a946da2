"""Pulses: dots that carry values along the canvas while a step plays.

`pulses_for(layout, step, weights)` says where the dots of a timeline step go (plain
NumPy over the layout's geometry):

    linear          along the edges of bundle l, from aˡ⁻¹ to zˡ (left to right)
    transpose       along the SAME edges, from zˡ (showing δˡ) back to aˡ⁻¹ (right to left)
    weight_grad     from both ends of every edge to its middle: ∂C/∂wᵢⱼ = δᵢ aⱼ meets there
    activation      across the fˡ band, from zˡ to aˡ (all pairs for softmax)
    activation_grad across the fˡ band, from aˡ back to zˡ
    loss            from every aᴸᵢ and yᵢ into the C node
    loss_grad       out of the C node back to aᴸ

A dot's size follows the magnitude of what it carries (e.g. wᵢⱼ aⱼ along edge ij, on a
square-root scale so small contributions stay visible); its colour is the step's phase.
Big bundles pulse on at most `MAX_DOTS` edges (big columns on as many rows): a fixed,
seeded subsample, so the same edges pulse forward and backward.

`PulseItem` paints all dots of a step in one item, in a few bulk `drawPoints` calls; only
it repaints while a step plays, everything under it comes from caches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from visualizer.gui.canvas.layout import Column, Layout
from visualizer.gui.qt_arrays import polygon_from_array
from visualizer.gui.style import PHASE_COLORS
from visualizer.timeline import Step

MAX_DOTS = 300
RADIUS_MIN, RADIUS_MAX = 2.2, 5.0  # scene units (pixels at 100 %)
SIZE_BUCKETS = 4  # one pen per bucket: a handful of drawPoints calls per frame
Z_PULSES = 4.0  # above the columns and boxes, under the selection rings
_RIM_GAP = 1.5  # dots start and stop just outside a column's circles


@dataclass(frozen=True, eq=False)
class Pulses:
    """Dots moving in straight lines: dot i goes from `start[i]` to `end[i]` (scene
    coordinates, (N, 2) arrays) and has relative size `size[i]` in 0..1."""

    start: np.ndarray
    end: np.ndarray
    size: np.ndarray
    phase: str

    @property
    def count(self) -> int:
        return int(self.start.shape[0])

    def at(self, t: float) -> np.ndarray:
        """(N, 2) positions a fraction `t` (0..1) of the way."""
        return self.start + float(t) * (self.end - self.start)

    def bounds(self, pad: float = RADIUS_MAX + 3.0) -> tuple[float, float, float, float]:
        """(x, y, w, h) of everything the dots cover on their way, plus `pad`."""
        both = np.concatenate([self.start, self.end])
        (x0, y0), (x1, y1) = both.min(axis=0), both.max(axis=0)
        return (x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad)


# What a subsample is of, for its seed: the edges of bundle l, the rows of column l, …
_EDGES, _ROWS, _LOSS_A, _LOSS_Y = range(4)


def subsample(n: int, what: int, layer: int, limit: int = MAX_DOTS) -> np.ndarray:
    """Indices of at most `limit` of n items: all of them, or a fixed random choice
    seeded by (`what`, `layer`), so the same edges of a bundle pulse forward and
    backward, in every frame and every export."""
    if n <= limit:
        return np.arange(n)
    rng = np.random.default_rng([what, layer])
    return np.sort(rng.choice(n, size=limit, replace=False))


def _relative(magnitudes: np.ndarray) -> np.ndarray:
    m = np.abs(np.nan_to_num(np.asarray(magnitudes, dtype=np.float64), posinf=0, neginf=0))
    top = float(m.max(initial=0.0))
    return np.sqrt(m / top) if top > 0 else np.zeros_like(m)


def _sizes(w: np.ndarray, v: np.ndarray) -> np.ndarray:
    """|w · v| per edge, for sizing dots: a single product of two finite values can pass
    the float limit even when their sum over the layer does not; it is then the largest
    float, not ∞ (which would draw as no dot at all)."""
    with np.errstate(over="ignore"):
        product = np.abs(w) * np.abs(v)
    return np.minimum(product, np.finfo(np.float64).max)


def _on_segment(x0, y0, x1, y1, x) -> np.ndarray:
    """y on the segment (x0, y0)–(x1, y1) at abscissa x (arrays broadcast)."""
    return y0 + (x - x0) / (x1 - x0) * (y1 - y0)


def _edges(layout: Layout, layer: int, magnitudes: np.ndarray) -> Pulses:
    """Dots on edges (i, j) of bundle `layer`, from the rim of aˡ⁻¹ to the rim of zˡ,
    on the subsample of edges; `magnitudes` (nˡ, nˡ⁻¹) sizes them."""
    b = layout.bundles[layer - 1]
    src, dst = layout.a[layer - 1], layout.z[layer - 1]
    n_to, n_from = b.y_to.shape[0], b.y_from.shape[0]
    flat = subsample(n_to * n_from, _EDGES, layer)
    i, j = np.divmod(flat, n_from)
    y_from, y_to = b.y_from[j], b.y_to[i]
    xs = src.right + (0.0 if src.strip else _RIM_GAP)
    xe = dst.left - (0.0 if dst.strip else _RIM_GAP)
    start = np.column_stack([np.full(flat.shape, xs), _on_segment(b.x0, y_from, b.x1, y_to, xs)])
    end = np.column_stack([np.full(flat.shape, xe), _on_segment(b.x0, y_from, b.x1, y_to, xe)])
    return Pulses(start, end, _relative(magnitudes[i, j]), "forward")


def _rows(left: Column, right: Column, magnitudes: np.ndarray, pairs: bool) -> Pulses:
    """Dots from column `left` to column `right` (same size): row to row, or with `pairs`
    every j to every i (softmax: each output depends on every input); sized by the
    magnitude of the value each dot arrives at (`magnitudes` per row of `right`)."""
    n = right.size
    if pairs:
        flat = subsample(n * n, _ROWS, right.layer)
        i, j = np.divmod(flat, n)
    else:
        i = j = subsample(n, _ROWS, right.layer)
    xs = left.right + (0.0 if left.strip else _RIM_GAP)
    xe = right.left - (0.0 if right.strip else _RIM_GAP)
    start = np.column_stack([np.full(i.shape, xs), left.ys[j]])
    end = np.column_stack([np.full(i.shape, xe), right.ys[i]])
    return Pulses(start, end, _relative(magnitudes[i]), "forward")


def _reversed(p: Pulses, phase: str) -> Pulses:
    return Pulses(p.end, p.start, p.size, phase)


def _with_phase(p: Pulses, phase: str) -> Pulses:
    return Pulses(p.start, p.end, p.size, phase)


def pulses_for(layout: Layout, step: Step, weights: Sequence[np.ndarray]) -> Pulses | None:
    """The dots of `step` on `layout`, or None if there is nothing to draw.
    `weights[l − 1]` is Wˡ (the steps carry the vectors, not the matrices)."""
    l, kind = step.layer, step.kind
    reads = {r.key: r.values for r in step.reads}
    writes = {r.key: r.values for r in step.writes}
    if kind == "linear":
        a_prev = reads[("a", l - 1)]
        return _with_phase(_edges(layout, l, _sizes(weights[l - 1], a_prev[None, :])), step.phase)
    if kind == "transpose":
        delta = reads[("delta", l)]
        return _reversed(_edges(layout, l, _sizes(weights[l - 1], delta[:, None])), step.phase)
    if kind == "weight_grad":
        e = _edges(layout, l, writes[("dW", l)])
        mid = (e.start + e.end) / 2
        return Pulses(
            np.concatenate([e.start, e.end]),
            np.concatenate([mid, mid]),
            np.concatenate([e.size, e.size]),
            step.phase,
        )
    a_col = layout.a[l]
    if kind == "activation":
        pairs = step.activation == "softmax"
        return _with_phase(_rows(layout.z[l - 1], a_col, writes[("a", l)], pairs), step.phase)
    if kind == "activation_grad":
        pairs = step.activation == "softmax" and not step.fused
        forward = _rows(layout.z[l - 1], a_col, writes[("delta", l)], pairs)
        return _reversed(forward, step.phase)
    band, y_col = layout.loss_band, layout.y
    if kind == "loss":
        a_rows = subsample(a_col.size, _LOSS_A, l)
        y_rows = subsample(y_col.size, _LOSS_Y, l)
        xa = a_col.right + (0.0 if a_col.strip else _RIM_GAP)
        xy = y_col.left - (0.0 if y_col.strip else _RIM_GAP)
        start = np.concatenate(
            [
                np.column_stack([np.full(a_rows.shape, xa), a_col.ys[a_rows]]),
                np.column_stack([np.full(y_rows.shape, xy), y_col.ys[y_rows]]),
            ]
        )
        end = np.concatenate(
            [
                np.column_stack([np.full(a_rows.shape, band.left), a_col.ys[a_rows]]),
                np.column_stack([np.full(y_rows.shape, band.right), y_col.ys[y_rows]]),
            ]
        )
        size = np.full(start.shape[0], 0.6)
        return Pulses(start, end, size, step.phase)
    if kind == "loss_grad":
        rows = subsample(a_col.size, _LOSS_A, l)
        xa = a_col.right + (0.0 if a_col.strip else _RIM_GAP)
        start = np.column_stack([np.full(rows.shape, band.left), a_col.ys[rows]])
        end = np.column_stack([np.full(rows.shape, xa), a_col.ys[rows]])
        return Pulses(start, end, _relative(writes[("grad_a", l)][rows]), step.phase)
    return None


class PulseItem(QGraphicsItem):
    """Paints the dots of one step at one moment. `show(pulses, t)` sets them; only this
    item's area is repainted when t moves, and its bounding box changes only with the
    step."""

    def __init__(self):
        super().__init__()
        self.setZValue(Z_PULSES)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.pulses: Pulses | None = None
        self.t: float | None = None  # None: nothing drawn
        self._rect = QRectF()
        self._buckets: list[np.ndarray] = []

    def boundingRect(self) -> QRectF:
        return self._rect

    def show(self, pulses: Pulses | None, t: float | None) -> None:
        """Draw `pulses` a fraction `t` of the way (None for either: draw nothing)."""
        if pulses is not self.pulses:
            self.prepareGeometryChange()
            self.pulses = pulses
            if pulses is None or pulses.count == 0:
                self._rect, self._buckets = QRectF(), []
            else:
                self._rect = QRectF(*pulses.bounds())
                level = np.minimum((pulses.size * SIZE_BUCKETS).astype(np.intp), SIZE_BUCKETS - 1)
                self._buckets = [np.flatnonzero(level == b) for b in range(SIZE_BUCKETS)]
            self.t = t
            self.update()
            return
        if t != self.t:
            self.t = t
            self.update()

    def positions(self) -> np.ndarray:
        """(N, 2) scene positions of the dots as drawn now; (0, 2) when none are."""
        if self.pulses is None or self.t is None:
            return np.zeros((0, 2))
        return self.pulses.at(self.t)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if self.pulses is None or self.t is None:
            return
        xy = self.pulses.at(self.t)
        color = QColor(PHASE_COLORS.get(self.pulses.phase, PHASE_COLORS["forward"]))
        halo = QColor(255, 255, 255, 210)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        polygons = [
            (b, polygon_from_array(xy[idx])) for b, idx in enumerate(self._buckets) if idx.size
        ]
        # All halos first, then all dots: a halo never covers a neighbouring dot.
        for fill, extra in ((halo, 2.4), (color, 0.0)):
            for b, polygon in polygons:
                radius = RADIUS_MIN + (RADIUS_MAX - RADIUS_MIN) * (b + 0.5) / SIZE_BUCKETS
                pen = QPen(fill, 2 * radius + extra)
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                painter.setPen(pen)
                painter.drawPoints(polygon)
