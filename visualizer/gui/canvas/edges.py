"""The edge bundles of the canvas: every edge of one weight matrix Wˡ in one item, drawn
in bulk (one path per pen, rasterised once into a cache) or, for a matrix too big for
lines, as its heatmap stretched over the gap between the columns."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QByteArray, QDataStream, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPainterPath, QPen, QTransform
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from visualizer.gui import style
from visualizer.gui.canvas.items import CanvasItem, is_vector, qrect
from visualizer.gui.canvas.layout import Bundle

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
# Bundles with more edges than this are first rasterised without antialiasing (2–3× faster,
# so an edit repaints within a frame) and redrawn antialiased by `refine()` once edits pause.
FAST_EDGES = 1000
# An edit of a few edges whose boxes cover at most this share of the bundle redraws only
# those boxes of the cache (clipped, same pixels) instead of re-rasterising every edge.
PATCH_EDGES = 8
PATCH_AREA = 0.25
# How many pictures of other matrices a bundle keeps (Wˡ and ∂C/∂Wˡ during playback).
PICTURES = 2
# The cache is rasterised in bands of this many device rows (64 made a whole redraw 3× slower:
# each band strokes every line again); an edit redraws only the bands its edges touch.
BAND_ROWS = 256
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


def edge_pen(step: int, vmax: float, max_width: float) -> QPen:
    """The pen of a magnitude step: colour from the value map, width ∝ |w|."""
    frac = abs(step) / EDGE_STEPS
    color = style.qcolor(step / EDGE_STEPS * vmax, vmax)
    pen = QPen(color, 0.45 + (max_width - 0.45) * frac)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


class EdgeBundleItem(CanvasItem):
    """Every edge of Wˡ in one item: lines grouped into one path per pen, rasterised once
    into a cache image and redrawn only when the weights, the colour range or the zoom
    change. Above `MAX_LINES` edges, the heatmap of Wˡ stretched over the gap instead.

    The selected edge is left out of the cache (the selection overlay draws it on top),
    so dragging its weight repaints one line instead of the whole bundle."""

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
        self._paths: list[tuple[QPen, QPainterPath]] = []
        self._heat: QImage | None = None
        self._cache: QImage | None = None
        self._cache_key: tuple | None = None
        # Item rectangles of the cache still to redraw (an edit of a few edges), or [].
        self._dirty: list[QRectF] = []
        self._version = 0
        self._versions = 0  # the last version given out: versions are never reused
        # The pictures of the last other matrices shown (playback switches a bundle between
        # Wˡ and ∂C/∂Wˡ every few steps): switching back costs no re-rasterising.
        self._pictures: list[dict] = []
        self.rebuilds = 0  # how often the lines were regrouped (for tests and benchmarks)

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
        if old is not None and vmax == self.vmax and excluded == self.excluded:
            if old is weights:
                return
            diff = old != weights
            if excluded is not None:
                diff[excluded] = False
            if not diff.any():
                self.weights = weights
                return
            if not b.image and self._patch_lines(weights, np.argwhere(diff)):
                return
        if not b.image and self._swap_picture(weights, vmax, excluded):
            return
        self.weights, self.vmax, self.excluded = weights, vmax, excluded
        self._dirty = []
        self._versions += 1
        self._version = self._versions
        self._cache = None
        # The first picture of a big bundle is a quick draft; `refine` makes it fine.
        self.fine = b.image or b.count <= FAST_EDGES or old is None
        if b.image:
            # More cells than pixels is no use: thin to what a zoomed-in screen shows.
            self._heat = style.image(weights, vmax, max_side=1024)
        else:
            self._regroup()
        self.update()

    _PICTURE = ("weights", "vmax", "excluded", "fine", "_stale", "_paths", "_cache",
                "_cache_key", "_version")

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
        """For a few changed cells of an unthinned heatmap: recolour just those pixels and
        repaint just their rectangles. False when a full rebuild is needed."""
        old, heat = self.weights, self._heat
        if old is None or heat is None or vmax != self.vmax or max(weights.shape) > 1024:
            return False
        changed = np.argwhere(old != weights)
        if len(changed) > 64:
            return False
        self.weights = weights
        if not len(changed):
            return True
        r = self.bundle.rect
        cw, ch = r.w / weights.shape[1], r.h / weights.shape[0]
        words = style.lut_argb()[style.lut_index(weights[changed[:, 0], changed[:, 1]], vmax)]
        for (i, j), word in zip(changed, words, strict=True):
            heat.setPixel(int(j), int(i), int(word))
            self.update(QRectF(r.x + j * cw, r.y + i * ch, cw, ch).adjusted(-1, -1, 1, 1))
        return True

    def _patch_lines(self, weights: np.ndarray, changed: np.ndarray) -> bool:
        """For a few changed edges whose boxes are small: regroup the lines and mark just
        those boxes of the cache for redrawing (the picture stays fine or draft as it was).
        False when the whole bundle should be re-rasterised instead."""
        if self._cache is None or len(changed) > PATCH_EDGES:
            return False
        b, pad = self.bundle, self.max_width + 2
        boxes = []
        for i, j in changed:
            top, bottom = sorted((float(b.y_from[j]), float(b.y_to[i])))
            box = QRectF(b.x0, top, b.x1 - b.x0, bottom - top)
            boxes.append(box.adjusted(-pad, -pad, pad, pad))
        area = sum(r.width() * r.height() for r in [*self._dirty, *boxes])
        if area > PATCH_AREA * self._rect.width() * self._rect.height():
            return False
        self.weights = weights
        self._regroup()
        self._dirty.extend(boxes)
        for box in boxes:
            self.update(box)
        return True

    def refine(self) -> None:
        """Redraw a draft (non-antialiased) or stretched (after a zoom) picture properly."""
        if not self.fine:
            self.fine = True
            self._versions += 1
            self._version = self._versions
            self.update()
        if self._stale:
            self._stale = False
            self._cache_key = None
            self.update()

    def _regroup(self) -> None:
        assert self.weights is not None
        self.rebuilds += 1
        steps = edge_steps(self.weights, self.vmax)
        x0, y0, x1, y1 = self.bundle.segments()
        keep = np.ones(steps.shape, dtype=bool)
        if self.excluded is not None:
            keep[self.excluded] = False
        mags = np.abs(steps)
        self._paths = []
        # Weak edges first, so strong ones are drawn on top of them.
        for mag in range(EDGE_STEPS + 1):
            for sign in (-1, 1) if mag else (1,):
                mask = keep & (steps == sign * mag) if mag else keep & (mags == 0)
                m = int(mask.sum())
                if not m:
                    continue
                xs = np.empty(2 * m)
                ys = np.empty(2 * m)
                xs[0::2], xs[1::2] = x0[mask], x1[mask]
                ys[0::2], ys[1::2] = y0[mask], y1[mask]
                path = pairs_path(xs, ys)
                self._paths.append((edge_pen(sign * mag, self.vmax, self.max_width), path))

    def _draw_lines(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, self.fine)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for pen, path in self._paths:
            if not self.fine:
                pen = QPen(pen)
                pen.setWidthF(0)  # a draft: 1-pixel lines take the rasteriser's fast path
            painter.setPen(pen)
            painter.drawPath(path)

    def _rasterise(self, img: QImage, sx: float, sy: float, bands: range | set[int]) -> None:
        """Draw every line into `bands` of the cache (BAND_ROWS device rows each), each band
        cleared and drawn under its own clip. A whole redraw and a patch run this same code
        per band, so a patched band has exactly the pixels of a whole redraw: antialiasing
        under a clip differs slightly from unclipped drawing, so clipping only the patch
        would not."""
        dpr = img.devicePixelRatio()
        img.setDevicePixelRatio(1.0)  # paint in device pixels
        rect = self._rect
        to_device = QTransform().scale(sx, sy).translate(-rect.x(), -rect.y())
        p = QPainter(img)
        for k in sorted(bands):
            p.resetTransform()
            band = QRect(0, k * BAND_ROWS, img.width(), BAND_ROWS)
            p.setClipRect(band)
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
            p.fillRect(band, Qt.GlobalColor.transparent)
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
            p.setTransform(to_device)
            self._draw_lines(p)
        p.end()
        img.setDevicePixelRatio(dpr)

    def _redraw_dirty(self, sx: float, sy: float) -> None:
        """Re-rasterise the bands of the cache that the dirty boxes touch."""
        assert self._cache is not None
        to_device = QTransform().scale(sx, sy).translate(-self._rect.x(), -self._rect.y())
        bands: set[int] = set()
        for box in self._dirty:
            r = to_device.mapRect(box).toAlignedRect().intersected(self._cache.rect())
            if not r.isEmpty():
                bands.update(range(r.top() // BAND_ROWS, r.bottom() // BAND_ROWS + 1))
        self._rasterise(self._cache, sx, sy, bands)
        self._dirty = []

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
            self._rasterise(img, sx * dpr, sy * dpr, range(-(-h // BAND_ROWS)))
            img.setDevicePixelRatio(dpr)
            self._cache, self._cache_key = img, key
            self._dirty = []
        elif self._dirty:
            self._redraw_dirty(sx * dpr, sy * dpr)
        # Draw the cache 1:1 in device pixels, at the device position of its corner.
        corner = t.map(rect.topLeft())
        painter.save()
        painter.setWorldTransform(QTransform())
        painter.drawImage(QPointF(round(corner.x()), round(corner.y())), self._cache)
        painter.restore()
