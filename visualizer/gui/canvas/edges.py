"""The edge bundles of the canvas: every edge of one weight matrix Wˡ in one item, drawn
in bulk (one path per pen, rasterised once into a cache) or, for a matrix too big for
lines, as its heatmap stretched over the gap between the columns."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QByteArray, QDataStream, QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPainterPath, QPen, QTransform
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from visualizer.gui import style
from visualizer.gui.canvas.items import CanvasItem, is_vector, qrect
from visualizer.gui.canvas.layout import Bundle
from visualizer.gui.prepared import BUNDLE_SIDE

# QPainterPath's QDataStream layout: an element count, then per element its type (0 moveTo,
# 1 lineTo) and x, y, then the subpath start and fill rule; big-endian, as QDataStream writes.
_PATH_ELEMENT = np.dtype([("type", ">i4"), ("x", ">f8"), ("y", ">f8")])


def pairs_path(xs: np.ndarray, ys: np.ndarray) -> QPainterPath:
    """One path of separate segments (xs[2k], ys[2k]) → (xs[2k+1], ys[2k+1]), built in one go
    by streaming its elements into Qt (12k moveTo/lineTo calls from Python cost ~50× more).
    The same path as pyqtgraph's arrayToQPath(..., connect="pairs"), without importing it."""
    n = len(xs)
    data = QByteArray()
    data.resize(4 + n * _PATH_ELEMENT.itemsize + 8)  # written in place below, not copied
    data.replace(0, 4, n.to_bytes(4, "big"))
    data.replace(4 + n * _PATH_ELEMENT.itemsize, 8, bytes(8))  # subpath start 0, odd-even fill
    elements = np.frombuffer(data, dtype=_PATH_ELEMENT, count=n, offset=4)
    elements["type"][0::2] = 0
    elements["type"][1::2] = 1
    elements["x"] = xs
    elements["y"] = ys
    path = QPainterPath()
    stream = QDataStream(data)
    stream >> path
    return path


# Edges are grouped into this many magnitude steps per sign; each step is one pen.
EDGE_STEPS = 16
# The order the steps are drawn in: weak edges first, so strong ones are drawn on top.
DRAW_ORDER = (0, *(s for m in range(1, EDGE_STEPS + 1) for s in (-m, m)))
# Bundles with more edges than this are first rasterised without antialiasing (2–3× faster,
# so an edit repaints within a frame) and redrawn antialiased by `refine()` once edits pause.
FAST_EDGES = 1000
# An edit of at most this many edges redraws only the pixels around them (see
# `_patch_cache`), if the lines it must redraw for that are at most this share of the
# bundle's total length; a bigger edit re-rasterises the bundle (a draft if it is big),
# or redraws those pixels roughly (see ROUGH_SHARE).
PATCH_EDGES = 8
PATCH_SHARE = 0.5
# Past PATCH_SHARE (an edge in the middle of a dense bundle: half its lines cross it), a
# big bundle's edit redraws the pixels around the edge roughly instead, if their boxes
# are at most this share of the cache: only those boxes are rasterised, which clips the
# lines and shifts their antialiasing by a few levels there, until `refine` redraws
# those pixels exactly (see `_patch_rough`). An edge whose own box is bigger (a steep
# edge, corner to corner: every line crosses it) is stroked over the cache with its new
# pen instead, until `refine` redraws its pixels exactly (see `_stroke_over`).
ROUGH_SHARE = 0.25
# Device pixels around a line that its antialiasing may touch, and some slack: a patch
# copies the pixels within (widest half pen + AA_REACH) of an edited line, and redraws
# every line that comes within (its half pen + AA_REACH) of those pixels.
AA_REACH = 1.5
# How many pictures of other matrices a bundle keeps (Wˡ and ∂C/∂Wˡ during playback).
PICTURES = 2
# Bundles rasterised into a cache bigger than this (device pixels) are drawn directly:
# at deep zoom only a sliver is on screen and clipping makes direct drawing cheap.
MAX_CACHE_PIXELS = 12_000_000


def bundle_max_width(bundle: Bundle) -> float:
    """The pen width of the strongest edge: thick when neurons are far apart, thin in
    dense bundles so they stay a readable texture."""
    pitch = min(
        float(np.min(np.diff(bundle.y_from), initial=50.0)),
        float(np.min(np.diff(bundle.y_to), initial=50.0)),
    )
    width = float(np.clip(pitch * 0.11, 0.9, 4.5))
    if bundle.count > 600:
        width = min(width, 2.2)
    return width


def edge_steps(weights: np.ndarray, vmax: float) -> np.ndarray:
    """Signed magnitude step (−EDGE_STEPS..EDGE_STEPS) of every weight on ±`vmax`."""
    ratio = np.clip(np.asarray(weights) / vmax, -1.0, 1.0) if vmax > 0 else np.zeros_like(weights)
    return np.rint(ratio * EDGE_STEPS).astype(np.intp)


def pen_width(step: int, max_width: float) -> float:
    """The width of a magnitude step's pen: ∝ |w|, from a hairline to `max_width`."""
    return 0.45 + (max_width - 0.45) * abs(step) / EDGE_STEPS


def edge_pen(step: int, vmax: float, max_width: float) -> QPen:
    """The pen of a magnitude step: colour from the value map, width ∝ |w|."""
    color = style.qcolor(step / EDGE_STEPS * vmax, vmax)
    pen = QPen(color, pen_width(step, max_width))
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


def few_changes(old: np.ndarray, new: np.ndarray, most: int) -> np.ndarray | None:
    """The (row, column) of every entry where the 2-D `old` and `new` differ, or None if
    more than `most` do. Counted before they are found: finding them in all of a 4096 ×
    2048 mask takes ~35 ms, counting them ~3."""
    diff = old != new
    if np.count_nonzero(diff) > most:
        return None
    rows = np.flatnonzero(diff.any(axis=1))
    found = np.argwhere(diff[rows])  # (index into rows, column)
    found[:, 0] = rows[found[:, 0]]
    return found


def point_distances(
    ax: float, ay: float, bx: float, by: float, px: np.ndarray, py: np.ndarray
) -> np.ndarray:
    """Distance from each point (px, py) to the segment (ax, ay)–(bx, by) (arrays of
    segments work too, broadcast against the points)."""
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(length2 > 0, ((px - ax) * dx + (py - ay) * dy) / length2, 0.0)
    t = np.clip(t, 0.0, 1.0)
    return np.hypot(ax + t * dx - px, ay + t * dy - py)


def segment_distances(
    x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray,
    ax: float, ay: float, bx: float, by: float,
) -> np.ndarray:
    """Distance from every segment (x0, y0)–(x1, y1) to the segment (ax, ay)–(bx, by):
    0 where they cross, else the nearest of the four endpoint-to-segment distances."""
    d = np.minimum.reduce([
        point_distances(x0, y0, x1, y1, ax, ay),
        point_distances(x0, y0, x1, y1, bx, by),
        point_distances(ax, ay, bx, by, x0, y0),
        point_distances(ax, ay, bx, by, x1, y1),
    ])

    def side(px, py, qx, qy, rx, ry):
        return np.sign((qx - px) * (ry - py) - (qy - py) * (rx - px))

    crossing = (side(ax, ay, bx, by, x0, y0) * side(ax, ay, bx, by, x1, y1) < 0) & (
        side(x0, y0, x1, y1, ax, ay) * side(x0, y0, x1, y1, bx, by) < 0
    )
    d[crossing] = 0.0
    return d


def _area(box: tuple[int, int, int, int]) -> int:
    left, top, right, bottom = box
    return max(0, right - left) * max(0, bottom - top)


def image_words(img: QImage) -> np.ndarray:
    """The pixels of a 32-bit `img` as a writable (height, width) array over its memory."""
    words = np.frombuffer(img.bits(), dtype=np.uint32)
    return words.reshape(img.height(), img.bytesPerLine() // 4)[:, : img.width()]


class EdgeBundleItem(CanvasItem):
    """Every edge of Wˡ in one item: lines grouped into one path per pen, rasterised once
    into a cache image and redrawn only when the weights, the colour range or the zoom
    change. Above `MAX_LINES` edges, the heatmap of Wˡ stretched over the gap instead.

    The selected edge is left out of the cache (the selection overlay draws it on top),
    so dragging its weight repaints one line instead of the whole bundle. An edit of a
    few edges redraws only the pixels around them, to exactly the pixels a whole
    rasterisation gives (see `_patch_cache`), or roughly until edits pause when that
    would cost as much as the whole (see `_patch_rough`, `_stroke_over`)."""

    def __init__(self, bundle: Bundle):
        self.bundle = bundle
        self.max_width = bundle_max_width(bundle)
        pad = self.max_width + 2
        r = qrect(bundle.rect).adjusted(-pad, -pad, pad, pad)
        super().__init__(r, 1.0)
        if bundle.image:
            self.set_caching(True)  # a scaled image: Qt's cache is right for it
        self.weights: np.ndarray | None = None
        self.vmax = 1.0
        self.excluded: tuple[int, int] | None = None
        self.caching = True  # rasterise the lines once into `_cache`
        self.fine = True  # antialiased (False: a quick draft, see FAST_EDGES)
        self._stale = False  # the cache was drawn stretched, for another zoom
        # Called when a stretched picture is shown; the scene then schedules `refine`.
        # Without it (None) a zoom re-rasterises at once.
        self.on_stale: Callable[[], None] | None = None
        # Per drawing step (see DRAW_ORDER): its pen and the path of its edges, and the
        # step of every edge (the excluded one too: it is simply not in any path).
        self._groups: dict[int, tuple[QPen, QPainterPath]] = {}
        self._steps: np.ndarray | None = None
        self._pens: dict[int, QPen] = {}
        self._pens_vmax = 0.0
        self._heat: QImage | None = None
        self._cache: QImage | None = None
        self._cache_key: tuple | None = None
        self._cache_scale = (1.0, 1.0)  # the exact device scale the cache was drawn at
        # Edges (i, j) drawn differently now than in the cache (an edit of a few edges),
        # or []: the next paint redraws the pixels around them.
        self._dirty: list[tuple[int, int]] = []
        self._dirty_rough = False  # the next paint redraws them roughly (see ROUGH_SHARE)
        # Edges whose surrounding pixels in the cache are rough: `refine` redraws them.
        self._rough: list[tuple[int, int]] = []
        # Of the rough edges stroked over the cache (see `_stroke_over`): the widest pen
        # (item units) their line has in the cache, which the next stroke must cover.
        self._covers: dict[tuple[int, int], float] = {}
        self._version = 0
        self._versions = 0  # the last version given out: versions are never reused
        # The pictures of the last other matrices shown (playback switches a bundle between
        # Wˡ and ∂C/∂Wˡ every few steps): switching back costs no re-rasterising.
        self._pictures: list[dict] = []
        self.rebuilds = 0  # how often the lines were regrouped (for tests and benchmarks)
        x0, y0, x1, y1 = bundle.segments()
        # Every edge's segment in scene coordinates, flattened in Wˡ's row-major order.
        self._segments = tuple(np.ascontiguousarray(a, dtype=np.float64).ravel()
                               for a in (x0, y0, x1, y1))

    def set_weights(
        self, weights: np.ndarray, vmax: float, excluded: tuple[int, int] | None = None
    ) -> None:
        """Show `weights` (nˡ × nˡ⁻¹) on ±`vmax`, leaving edge `excluded` out. A change of
        the excluded edge's weight alone costs nothing here."""
        b = self.bundle
        if weights.shape != (b.y_to.shape[0], b.y_from.shape[0]):
            raise ValueError(
                f"weights {weights.shape} for a bundle of {b.y_to.shape[0]}×{b.y_from.shape[0]}"
            )
        if b.image:
            excluded = None
            if self._patch_heat(weights, vmax):
                return
        old = self.weights
        if old is not None and vmax == self.vmax:
            if old is weights and excluded == self.excluded:
                return
            diff = old != weights
            if excluded == self.excluded and excluded is not None:
                diff[excluded] = False
            changed = {(int(i), int(j)) for i, j in np.argwhere(diff)}
            if excluded != self.excluded:
                # The edge left out before goes back in, the new one leaves.
                changed.update(e for e in (excluded, self.excluded) if e is not None)
            if not changed:
                self.weights = weights
                return
            if not b.image and self._patch_lines(weights, excluded, sorted(changed)):
                return
        if not b.image and self._swap_picture(weights, vmax, excluded):
            return
        self.weights, self.vmax, self.excluded = weights, vmax, excluded
        self._dirty, self._dirty_rough, self._rough, self._covers = [], False, [], {}
        self._versions += 1
        self._version = self._versions
        self._cache = None
        # The first picture of a big bundle is a quick draft; `refine` makes it fine.
        self.fine = b.image or b.count <= FAST_EDGES or old is None
        if b.image:
            # More cells than pixels is no use: thin to what a zoomed-in screen shows.
            self._heat = style.image(weights, vmax, max_side=BUNDLE_SIDE)
        else:
            self._regroup()
        self.update()

    _PICTURE = ("weights", "vmax", "excluded", "fine", "_rough", "_covers", "_stale", "_groups",
                "_steps", "_pens", "_pens_vmax", "_cache", "_cache_key", "_cache_scale", "_version")

    def _swap_picture(
        self, weights: np.ndarray, vmax: float, excluded: tuple[int, int] | None
    ) -> bool:
        """Keep the picture shown now, and show the kept picture of `weights` (the same
        array object, immutable) on ±`vmax` if there is one. False when there is none."""
        if self.weights is not None and self._cache is not None and not self._dirty:
            self._pictures.insert(0, {name: getattr(self, name) for name in self._PICTURE})
        # (The picture shown now is never the one asked for: set_weights returned then.)
        found = next(
            (
                k
                for k, pic in enumerate(self._pictures)
                if pic["weights"] is weights and pic["vmax"] == vmax
                and pic["excluded"] == excluded
            ),
            None,
        )
        if found is None:
            del self._pictures[PICTURES:]
            return False
        for name, value in self._pictures.pop(found).items():
            setattr(self, name, value)
        del self._pictures[PICTURES:]
        self.update()
        return True

    def _patch_heat(self, weights: np.ndarray, vmax: float) -> bool:
        """For a few changed cells of a heatmap: recolour just their pixels (those a thinned
        heatmap shows) and repaint just their rectangles. False when a full rebuild is
        needed."""
        old, heat = self.weights, self._heat
        if old is None or heat is None or vmax != self.vmax:
            return False
        if old is weights:  # (networks are immutable: the same matrix, the same picture)
            return True
        if old.shape != weights.shape:
            return False
        changed = few_changes(old, weights, 64)
        if changed is None:
            return False
        self.weights = weights
        if not len(changed):
            return True
        # The rows and columns the heatmap shows (style.thinned's picks), and where.
        rows = style.thinned_indices(weights.shape[0], BUNDLE_SIDE)
        cols = style.thinned_indices(weights.shape[1], BUNDLE_SIDE)
        r = np.minimum(np.searchsorted(rows, changed[:, 0]), len(rows) - 1)
        c = np.minimum(np.searchsorted(cols, changed[:, 1]), len(cols) - 1)
        shown = (rows[r] == changed[:, 0]) & (cols[c] == changed[:, 1])
        changed, r, c = changed[shown], r[shown], c[shown]
        bounds = self.bundle.rect
        cw, ch = bounds.w / len(cols), bounds.h / len(rows)
        words = style.lut_argb()[style.lut_index(weights[changed[:, 0], changed[:, 1]], vmax)]
        for y, x, word in zip(r, c, words, strict=True):
            heat.setPixel(int(x), int(y), int(word))
            self.update(QRectF(bounds.x + x * cw, bounds.y + y * ch, cw, ch).adjusted(-1, -1, 1, 1))
        return True

    def _touching(self, edges: list[tuple[int, int]], sx: float, sy: float) -> np.ndarray:
        """Which edges (flat mask) come close enough to `edges` at device scale (sx, sy)
        that their pixels may overlap: within the widest half pen + AA_REACH of them, plus
        their own half pen + AA_REACH (see `_patch_cache`)."""
        assert self._steps is not None
        x0, y0, x1, y1 = self._segments
        s = max(sx, sy)
        x0, x1, y0, y1 = x0 * sx, x1 * sx, y0 * sy, y1 * sy
        half = (0.45 + (self.max_width - 0.45) * np.abs(self._steps.ravel()) / EDGE_STEPS) * s / 2
        reach = self._strip_radius(s) + half + AA_REACH
        n_from = self.bundle.y_from.shape[0]
        touch = np.zeros(x0.shape, dtype=bool)
        for i, j in edges:
            k = i * n_from + j
            d = segment_distances(x0, y0, x1, y1, x0[k], y0[k], x1[k], y1[k])
            touch |= d <= reach
        return touch

    def _strip_radius(self, s: float) -> float:
        """Device pixels around an edited line that a patch redraws (any pen's half width
        and its antialiasing)."""
        return self.max_width * s / 2 + AA_REACH

    def _patch_lines(
        self, weights: np.ndarray, excluded: tuple[int, int] | None, changed: list
    ) -> bool:
        """For a few changed edges, when redrawing the pixels around them is cheaper than
        re-rasterising the bundle: regroup the lines and mark the edges for the next paint
        to redraw (see `_patch_cache`, `_patch_rough`), or stroke steep ones over the cache
        now (see `_stroke_over`). False when the whole bundle should be redrawn."""
        if self._cache is None:
            return False
        w, h = self._cache.width(), self._cache.height()
        # Steep edges (see ROUGH_SHARE) are stroked over the cache; the others patched.
        steep = []
        if self.bundle.count > FAST_EDGES:
            steep = [e for e in changed if _area(self._strip_box(e, w, h)) > ROUGH_SHARE * w * h]
        dirty = list(dict.fromkeys(e for e in (*self._dirty, *changed) if e not in steep))
        if len(dirty) + len(steep) > PATCH_EDGES:
            return False
        rough = False
        if dirty:
            # The cost: the length of the lines to redraw (at the steps before the edit:
            # the widths hardly differ), against re-rasterising every line.
            sx, sy = self._cache_scale
            touch = self._touching(dirty, sx, sy)
            x0, y0, x1, y1 = self._segments
            lengths = np.hypot((x1 - x0) * sx, (y1 - y0) * sy)
            rough = lengths[touch].sum() > PATCH_SHARE * lengths.sum()
        if rough:
            # Exactly, this costs half a re-rasterisation or more. A small bundle redraws
            # whole (antialiased, exact); a big one roughly if the boxes are small.
            if self.bundle.count <= FAST_EDGES:
                return False
            area = sum(_area(self._strip_box(e, w, h)) for e in dirty)
            if area > ROUGH_SHARE * w * h:
                return False
        assert self._steps is not None
        # What the cache shows of each steep edge now: its line at the step before the
        # edit, unless it was left out.
        shown = {e: None if e == self.excluded else int(self._steps[e]) for e in steep}
        self.weights, self.excluded = weights, excluded
        self._regroup(changed)
        self._dirty, self._dirty_rough = dirty, rough
        for e in steep:
            self._stroke_over(e, shown[e])
        b, pad = self.bundle, self.max_width + 2
        for i, j in changed:
            top, bottom = sorted((float(b.y_from[j]), float(b.y_to[i])))
            box = QRectF(b.x0, top, b.x1 - b.x0, bottom - top)
            self.update(box.adjusted(-pad, -pad, pad, pad))
        return True

    def _stroke_over(self, edge: tuple[int, int], shown: int | None) -> None:
        """Draw steep `edge` over the cache with its new pen, at least as wide as the line
        the cache has for it (`shown`: its step there, None when it was left out), and
        mark its pixels rough: `refine` patches them exactly (`_patch_cache`). Redrawing
        the lines that cross it would be a whole re-rasterisation; this is one stroke. The
        edge lies on top of them until then, and where its old line was wider, the new
        pen is drawn as wide: a weaker edge looks changed at once, not outlined in its
        old colour (wider still, to hide the old line's antialiasing too, was measured
        further from the exact picture: at a fitted zoom lines are a pixel wide)."""
        assert self._cache is not None and self._steps is not None
        covered = self._covers.get(edge, 0.0)
        if shown is not None:
            covered = max(covered, pen_width(shown, self.max_width))
        if edge not in self._rough:
            self._rough.append(edge)
        if edge == self.excluded:
            # Left out: the selection's halo (wider than any pen) is drawn over its line.
            self._covers[edge] = covered
            return
        pen = QPen(self._pen(int(self._steps[edge])))
        if self.fine:
            pen.setWidthF(max(pen.widthF(), covered))
        else:
            pen.setWidthF(0)  # as a draft draws it: the very pixels of its old line
        self._covers[edge] = max(covered, pen.widthF())
        x0, y0, x1, y1 = self._segments
        k = edge[0] * self.bundle.y_from.shape[0] + edge[1]
        cache = self._cache
        dpr = cache.devicePixelRatio()
        cache.setDevicePixelRatio(1.0)  # paint in device pixels
        p = QPainter(cache)
        p.setTransform(self._device(*self._cache_scale))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, self.fine)
        p.setPen(pen)
        p.drawLine(QLineF(x0[k], y0[k], x1[k], y1[k]))
        p.end()
        cache.setDevicePixelRatio(dpr)

    @property
    def draft(self) -> bool:
        """Whether `refine` has something to redraw: a draft, rough pixels, or a picture
        stretched for another zoom."""
        return not self.fine or self._stale or bool(self._rough) or self._dirty_rough

    def refine(self) -> None:
        """Redraw a draft (non-antialiased), rough (see `_patch_rough`, `_stroke_over`) or
        stretched (after a zoom) picture properly."""
        if self._rough or self._dirty_rough:
            # The rough pixels are those an exact patch of the same edges redraws.
            dirty = [*self._rough, *(e for e in self._dirty if e not in self._rough)]
            self._rough, self._dirty_rough = [], False
            if self._cache is not None and len(dirty) <= PATCH_EDGES:
                self._dirty = dirty
            else:
                self._versions += 1
                self._version = self._versions
            self.update()
        if not self.fine:
            self.fine = True
            self._versions += 1
            self._version = self._versions
            self.update()
        if self._stale:
            self._stale = False
            self._cache_key = None
            self.update()

    def _pen(self, step: int) -> QPen:
        if self._pens_vmax != self.vmax:
            self._pens, self._pens_vmax = {}, self.vmax
        pen = self._pens.get(step)
        if pen is None:
            pen = self._pens[step] = edge_pen(step, self.vmax, self.max_width)
        return pen

    def _group_mask(self, step: int) -> np.ndarray:
        """The edges drawn with `step`'s pen: not the excluded one."""
        assert self._steps is not None
        mask = self._steps == step
        if self.excluded is not None:
            mask[self.excluded] = False
        return mask.ravel()

    def _path(self, mask: np.ndarray) -> QPainterPath:
        """The path of the edges in flat `mask`, in Wˡ's row-major order."""
        x0, y0, x1, y1 = self._segments
        m = int(np.count_nonzero(mask))
        xs, ys = np.empty(2 * m), np.empty(2 * m)
        xs[0::2], xs[1::2] = x0[mask], x1[mask]
        ys[0::2], ys[1::2] = y0[mask], y1[mask]
        return pairs_path(xs, ys)

    def _regroup(self, changed: list[tuple[int, int]] | None = None) -> None:
        """Group the edges by step into one path per pen: all of them, or only the groups
        that the `changed` edges leave or join (the same paths a full regroup builds)."""
        assert self.weights is not None
        self.rebuilds += 1
        steps = edge_steps(self.weights, self.vmax)
        if changed is None or self._steps is None:
            # The steps that occur (edge_steps keeps them within ±EDGE_STEPS). Counted, not
            # np.unique: that imports numpy.ma on its first call, ~15 ms of the app's start.
            counts = np.bincount(steps.ravel() + EDGE_STEPS, minlength=2 * EDGE_STEPS + 1)
            todo = set((np.flatnonzero(counts) - EDGE_STEPS).tolist())
            self._groups = {}
        else:
            todo = {int(self._steps[e]) for e in changed} | {int(steps[e]) for e in changed}
        self._steps = steps
        for step in todo:
            mask = self._group_mask(step)
            if mask.any():
                self._groups[step] = (self._pen(step), self._path(mask))
            else:
                self._groups.pop(step, None)

    def _draw_lines(self, painter: QPainter, only: np.ndarray | None = None) -> None:
        """Every line (or those in the flat mask `only`), weak steps first."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, self.fine)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for step in DRAW_ORDER:
            group = self._groups.get(step)
            if group is None:
                continue
            pen, path = group
            if only is not None:
                mask = self._group_mask(step) & only
                if not mask.any():
                    continue
                path = self._path(mask)
            if not self.fine:
                pen = QPen(pen)
                pen.setWidthF(0)  # a draft: 1-pixel lines take the rasteriser's fast path
            painter.setPen(pen)
            painter.drawPath(path)

    def _device(self, sx: float, sy: float) -> QTransform:
        """Item coordinates → the cache's device pixels at scale (sx, sy)."""
        return QTransform().scale(sx, sy).translate(-self._rect.x(), -self._rect.y())

    def _rasterise(
        self, img: QImage, sx: float, sy: float, only: np.ndarray | None = None,
        origin: tuple[int, int] = (0, 0),
    ) -> None:
        """Draw the lines (or those in `only`) into `img`, whose pixel (0, 0) is the
        cache's pixel `origin` (a whole number of pixels: the same antialiasing)."""
        dpr = img.devicePixelRatio()
        img.setDevicePixelRatio(1.0)  # paint in device pixels
        p = QPainter(img)
        p.setTransform(self._device(sx, sy) * QTransform.fromTranslate(-origin[0], -origin[1]))
        self._draw_lines(p, only)
        p.end()
        img.setDevicePixelRatio(dpr)

    def _strip_box(self, edge: tuple[int, int], w: int, h: int) -> tuple[int, int, int, int]:
        """The box (left, top, right, bottom) of the pixels a patch of `edge` redraws in a
        w × h cache (empty when none of them is in the cache)."""
        sx, sy = self._cache_scale
        radius = self._strip_radius(max(sx, sy))
        ax, ay, bx, by = self._device_segment(edge)
        return (
            max(0, math.floor(min(ax, bx) - radius)),
            max(0, math.floor(min(ay, by) - radius)),
            min(w, math.ceil(max(ax, bx) + radius) + 1),
            min(h, math.ceil(max(ay, by) + radius) + 1),
        )

    def _device_segment(self, edge: tuple[int, int]) -> tuple[float, float, float, float]:
        """The ends (ax, ay, bx, by) of `edge` in the cache's device pixels."""
        sx, sy = self._cache_scale
        x0, y0, x1, y1 = self._segments
        k = edge[0] * self.bundle.y_from.shape[0] + edge[1]
        ox, oy = self._rect.x(), self._rect.y()
        return (x0[k] - ox) * sx, (y0[k] - oy) * sy, (x1[k] - ox) * sx, (y1[k] - oy) * sy

    def _strip(
        self, edge: tuple[int, int], w: int, h: int
    ) -> tuple[int, int, np.ndarray] | None:
        """The pixels a patch of `edge` redraws in a w × h cache: (left, top, near), with
        `near` the mask of its box whose pixels are within the strip radius of the line;
        None when none of them is in the cache."""
        left, top, right, bottom = self._strip_box(edge, w, h)
        if top >= bottom or left >= right:
            return None
        sx, sy = self._cache_scale
        ax, ay, bx, by = self._device_segment(edge)
        cx = np.arange(left, right, dtype=np.float64)[None, :] + 0.5
        cy = np.arange(top, bottom, dtype=np.float64)[:, None] + 0.5
        near = point_distances(ax, ay, bx, by, cx, cy) <= self._strip_radius(max(sx, sy))
        return left, top, near

    def _patch_cache(self) -> None:
        """Redraw the pixels around the dirty edges to exactly what a whole rasterisation
        gives them. Qt clips the geometry of a stroke to the clip rectangle before it
        rasterises it (new end points, another first row), which changes the antialiasing
        of every line that crosses the clip's edge along its whole length (by up to ~15
        levels, measured); so nothing is clipped here. Instead, every line that comes near
        the edited ones is drawn whole, with the same transform and pens and in the same
        order, into a scratch image the size of the cache (the rasteriser then clips
        nothing, as in a whole rasterisation), and only the pixels near the edited lines —
        to which no other line contributes — are copied into the cache.

        A draft's 1-pixel lines are the exception: where lines share an end pixel, which of
        them draws it depends on the line drawn before, so a patched draft may differ from
        a whole one in a few end pixels until `refine` redraws it fine and whole."""
        assert self._cache is not None
        cache = self._cache
        sx, sy = self._cache_scale
        dirty, self._dirty = self._dirty, []
        for edge in dirty:
            self._covers.pop(edge, None)  # its line is redrawn as it is now
        if self._dirty_rough:
            self._dirty_rough = False
            self._patch_rough(dirty)
            return
        only = self._touching(dirty, sx, sy)
        w, h = cache.width(), cache.height()
        mask = np.zeros((h, w), dtype=bool)
        for edge in dirty:
            strip = self._strip(edge, w, h)
            if strip is not None:
                left, top, near = strip
                mask[top : top + near.shape[0], left : left + near.shape[1]] |= near
        rows = np.flatnonzero(mask.any(axis=1))
        if not len(rows):
            return
        scratch = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        # Only the rows that get copied need a clean start; the rest is never read.
        image_words(scratch)[rows[0] : rows[-1] + 1] = 0
        self._rasterise(scratch, sx, sy, only)
        target = image_words(cache)
        band = slice(rows[0], rows[-1] + 1)
        near = mask[band]
        target[band][near] = image_words(scratch)[band][near]

    def _patch_rough(self, dirty: list[tuple[int, int]]) -> None:
        """Redraw the pixels around the dirty edges roughly: as `_patch_cache` does, but
        into a scratch image of each edge's box only. Drawing into a smaller image clips the
        lines crossing its border, which shifts their antialiasing by a few levels (at most
        4 measured on a dense bundle), so these pixels stay rough (`_rough`) until `refine`
        patches them exactly; an edge in the middle of a dense bundle is crossed by half
        its lines, which the box cuts to a few pixels each."""
        assert self._cache is not None
        sx, sy = self._cache_scale
        w, h = self._cache.width(), self._cache.height()
        target = image_words(self._cache)
        for edge in dirty:
            strip = self._strip(edge, w, h)
            if strip is None:
                continue
            left, top, near = strip
            bh, bw = near.shape
            scratch = QImage(bw, bh, QImage.Format.Format_ARGB32_Premultiplied)
            scratch.fill(0)
            self._rasterise(scratch, sx, sy, self._touching([edge], sx, sy), (left, top))
            target[top : top + bh, left : left + bw][near] = image_words(scratch)[near]
            if edge not in self._rough:
                self._rough.append(edge)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if self.weights is None:
            return
        if self.bundle.image:
            assert self._heat is not None
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.drawImage(qrect(self.bundle.rect), self._heat)
            painter.setPen(QPen(style.FAINT, 1.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(qrect(self.bundle.rect))
            return
        t = painter.worldTransform()
        if not self.caching or is_vector(painter) or t.isRotating():
            self._draw_lines(painter)
            return
        sx, sy = abs(t.m11()), abs(t.m22())
        dpr = painter.device().devicePixelRatioF() if painter.device() else 1.0
        rect = self._rect
        w, h = math.ceil(rect.width() * sx * dpr), math.ceil(rect.height() * sy * dpr)
        if w * h > MAX_CACHE_PIXELS or w < 1 or h < 1:
            self._draw_lines(painter)
            return
        key = (round(sx, 6), round(sy, 6), dpr, self._version)
        if self._dirty and self._cache_key != key:
            self._cache = None  # patches are for the cache's own zoom: redraw it whole
        if (
            self._cache is not None
            and self._cache_key is not None
            and self._cache_key[2:] == key[2:]
            and self._cache_key[:2] != key[:2]
            and self.on_stale is not None
        ):
            # Only the zoom changed: stretch the picture we have (a wheel notch must not
            # re-rasterise thousands of lines) and redraw it sharp once zooming pauses.
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(rect, self._cache)
            painter.restore()
            self._stale = True
            self.on_stale()
            return
        if self._cache is None or self._cache_key != key:
            img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
            img.fill(Qt.GlobalColor.transparent)
            self._rasterise(img, sx * dpr, sy * dpr)
            img.setDevicePixelRatio(dpr)
            self._cache, self._cache_key = img, key
            self._cache_scale = (sx * dpr, sy * dpr)
            self._dirty, self._dirty_rough, self._rough, self._covers = [], False, [], {}
        elif self._dirty:
            self._patch_cache()
        # Draw the cache 1:1 in device pixels, at the device position of its corner.
        corner = t.map(rect.topLeft())
        painter.save()
        painter.setWorldTransform(QTransform())
        painter.drawImage(QPointF(round(corner.x()), round(corner.y())), self._cache)
        painter.restore()
