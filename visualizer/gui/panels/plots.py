"""Shared pyqtgraph pieces of the panels: a matrix heatmap, a bar strip for a vector and a
colour bar, all on the canvas's diverging map (CET-D1, symmetric about 0) and light theme.

Indices on screen are 1-based, as on the canvas: cell (i, j) of a matrix (0-based in
NumPy) is drawn centred on (j + 1, i + 1), so the axes read neuron numbers directly.
Row i runs down (matrix convention), column j runs right.
"""

from __future__ import annotations

import functools
import math

import numpy as np

# The Qt binding must be imported before pyqtgraph, so pyqtgraph picks PySide6.
from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QFontMetricsF, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QSizePolicy, QWidget

import pyqtgraph as pg  # isort: skip

from visualizer.gui import style
from visualizer.notation import MINUS, fmt_short

PLACEHOLDER = "not computed yet"
_AXIS_WIDTH = 44  # fixed left-axis width, so stacked strips line up


def lut() -> np.ndarray:
    """The canvas's (256, 3) CET-D1 table, for `ImageItem.setLookupTable`."""
    return style.lut()


@functools.cache
def _brushes() -> tuple[QBrush, ...]:
    return tuple(QBrush(c) for c in style.lut_qcolors())


def value_brushes(values: np.ndarray, vmax: float) -> list[QBrush]:
    """One brush per value on the diverging map stretched over ±vmax (the canvas's bins)."""
    table = _brushes()
    return [table[k] for k in style.lut_index(values, vmax).ravel()]


def max_abs(values: np.ndarray) -> float:
    """Largest |value| of a non-empty array, ignoring nothing (NaN propagates)."""
    return float(np.max(np.abs(values))) if np.size(values) else 0.0


def range_text(vmax: float) -> tuple[str, str]:
    """("−v", "+v") for a symmetric range, short, with a true minus sign."""
    text = fmt_short(vmax)
    return f"{MINUS}{text}", f"+{text}"


class IndexAxis(pg.AxisItem):
    """An axis of neuron numbers: ticks only on whole numbers 1..count."""

    def __init__(self, orientation: str, count: int = 1, **kwargs):
        super().__init__(orientation, **kwargs)
        self.count = max(1, int(count))
        self.setPen(pg.mkPen(style.MUTED))
        self.setTextPen(pg.mkPen(style.INK))

    def tickSpacing(self, minVal: float, maxVal: float, size: float):
        levels = super().tickSpacing(minVal, maxVal, size)
        # Neurons are whole numbers: never a tick between two of them.
        whole = [(float(max(1, round(s))), 0.0) for s, _ in levels if s >= 1]
        unique = list(dict.fromkeys(whole))
        return unique or [(1.0, 0.0)]

    def tickValues(self, minVal: float, maxVal: float, size: float):
        lo, hi = sorted((minVal, maxVal))
        span = hi - lo
        first, last = max(lo, 1.0), min(hi, float(self.count))
        if span <= 0 or last < first:
            return []
        # Space the ticks for the part of the axis the matrix covers, not the whole view
        # (a wide matrix leaves empty room above and below it, or beside it).
        visible = size * max(last - first, 1.0) / span
        levels = super().tickValues(first - 0.5, last + 0.5, visible)
        # Major ticks only: labelled minor ticks crowd a short axis.
        return [
            (spacing, [v for v in values if first <= v <= last and float(v).is_integer()])
            for spacing, values in levels[:1]
        ]

    def tickStrings(self, values, scale, spacing):
        return [str(round(v)) for v in values]


class ValueAxis(pg.AxisItem):
    """A value axis for short strips: about three labelled ticks on a 1-2-5 step. The
    plotted numbers are the values divided by `factor` (see `plot_factor`); the labels
    show the values themselves."""

    factor = 1.0

    def tickValues(self, minVal: float, maxVal: float, size: float):
        lo, hi = sorted((minVal, maxVal))
        span = hi - lo
        wanted = span / 4.0
        if not (wanted > 0 and math.isfinite(span)):  # a denormal span / 4 is 0
            return []
        base = 10.0 ** math.floor(math.log10(wanted))
        step = next(m * base for m in (1.0, 2.0, 5.0, 10.0) if m * base >= wanted)
        first = math.ceil(lo / step)
        values = [k * step for k in range(first, math.floor(hi / step) + 1)]
        return [(step, values)]

    def tickStrings(self, values, scale, spacing):
        return [fmt_short(v * self.factor) for v in values]


# Beyond these magnitudes a plot's range arithmetic (hi − lo, 1 / span) overflows or
# underflows, and long before that Qt's rasteriser gets coordinates it cannot handle (a
# segfault in a paint, seen with values near 1e299): such values are plotted divided by
# their largest magnitude, and the axis labels multiply back.
PLOT_LARGEST = 1e15
PLOT_SMALLEST = 1e-15


def plot_factor(largest: float) -> float:
    """What to divide values by before plotting, so any finite float64 draws: 1 for the
    usual magnitudes, the largest magnitude itself near the float limits or for
    denormals."""
    if PLOT_SMALLEST <= largest <= PLOT_LARGEST or not math.isfinite(largest) or largest <= 0:
        return 1.0
    return largest


def image_input(
    values: np.ndarray, lo: float, hi: float
) -> tuple[np.ndarray, tuple[float, float]]:
    """What to hand a pyqtgraph ImageItem to show `values` coloured over [lo, hi]: the
    values clipped to that range (and, near the float limits or among denormals, divided
    by its largest magnitude), and the range to match.

    Why: ImageItem maps values to colours lazily, inside its `paint`, as
    (v − lo) · 256 / (hi − lo). For a value near the float limit that product overflows,
    and under the tests' warnings-as-errors the warning is raised inside the paint. An
    exception escaping a Python override called from C++ is not harmless with PySide6
    6.11: shiboken then drops a reference it does not own to the Python override of every
    item painted next for the first time, until the class's method is freed and a later
    paint segfaults (README, "Extreme values"). Clipping first gives the same colours —
    the map saturates at its ends — with nothing to overflow."""
    factor = plot_factor(max(abs(lo), abs(hi)))
    if factor == 1.0:
        return np.clip(values, lo, hi), (lo, hi)
    with np.errstate(all="ignore"):  # a value divided by a denormal range is ±inf: clipped
        shown = np.clip(values / factor, lo / factor, hi / factor)
    return shown, (lo / factor, hi / factor)


def _style_plot(plot: pg.PlotItem) -> None:
    plot.setMenuEnabled(False)
    plot.hideButtons()
    # Room above and below, so the end tick labels are not cut off by a neighbour.
    plot.layout.setContentsMargins(2, 8, 8, 4)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(style.MUTED))
        axis.setTextPen(pg.mkPen(style.INK))


def _outline_items(view: pg.ViewBox) -> tuple[QGraphicsRectItem, QGraphicsRectItem]:
    """An amber outline over a white halo (the canvas's selection colours), hidden."""
    items = []
    for colour, width in ((style.SELECTION_HALO, 5.0), (style.SELECTION, 2.5)):
        item = QGraphicsRectItem()
        pen = QPen(colour, width)
        pen.setCosmetic(True)  # the same thickness at any zoom
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        item.setPen(pen)
        item.setBrush(Qt.BrushStyle.NoBrush)
        item.setZValue(20 + len(items))
        item.hide()
        view.addItem(item, ignoreBounds=True)
        items.append(item)
    return items[0], items[1]


class _Plot(pg.PlotWidget):
    """A light-themed PlotWidget that reports the mouse in view coordinates."""

    left_view = Signal()

    def __init__(self, axes: dict[str, pg.AxisItem], parent: QWidget | None = None):
        super().__init__(parent, background=style.BACKGROUND, axisItems=axes)
        self.plot_item: pg.PlotItem = self.getPlotItem()
        self.view_box: pg.ViewBox = self.plot_item.getViewBox()
        _style_plot(self.plot_item)
        self.scene().sigMouseMoved.connect(self._scene_moved)
        self.scene().sigMouseClicked.connect(self._scene_clicked)
        self.placeholder = pg.TextItem(
            PLACEHOLDER, color=style.MUTED, anchor=(0.5, 0.5), fill=style.BACKGROUND
        )
        self.placeholder.setZValue(30)
        self.placeholder.hide()
        self.view_box.addItem(self.placeholder, ignoreBounds=True)

    def sizeHint(self) -> QSize:
        # pyqtgraph asks for 600 × 480, which would make every dock holding a few plots
        # push the canvas aside; a panel's plots share the dock instead.
        return QSize(240, 160)

    def view_point(self, scene_pos: QPointF) -> QPointF | None:
        """The view coordinates of a scene point inside the plot area, else None."""
        if not self.view_box.sceneBoundingRect().contains(scene_pos):
            return None
        return self.view_box.mapSceneToView(scene_pos)

    def widget_point(self, x: float, y: float) -> QPoint:
        """Where the view point (x, y) is in this widget's viewport (for clicks in tests
        and tooltips)."""
        scene = self.view_box.mapViewToScene(QPointF(x, y))
        return self.mapFromScene(scene)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.reset_view()
        event.accept()

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        self.left_view.emit()

    def reset_view(self) -> None:  # overridden
        self.view_box.autoRange(padding=0.02)

    def _scene_moved(self, pos: QPointF) -> None:  # overridden
        pass

    def _scene_clicked(self, event) -> None:  # overridden
        pass


class Heatmap(_Plot):
    """A matrix as an image: one cell per entry, coloured on ±vmax, row i down, column j
    right, locked aspect. `set_matrix(None, shape)` shows an empty frame saying
    "not computed yet" instead of numbers. Emits `cell_hovered(i, j)` (−1, −1 off the
    matrix) and `cell_clicked(i, j)` with 0-based indices."""

    cell_hovered = Signal(int, int)
    cell_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None):
        self.row_axis = IndexAxis("left")
        self.col_axis = IndexAxis("bottom")
        super().__init__({"left": self.row_axis, "bottom": self.col_axis}, parent)
        self.view_box.setAspectLocked(True)
        self.view_box.invertY(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(lut())
        self.view_box.addItem(self.image)
        frame_pen = QPen(style.MUTED, 1.0)
        frame_pen.setCosmetic(True)
        self.frame = QGraphicsRectItem()
        self.frame.setPen(frame_pen)
        self.frame.setZValue(10)
        self.view_box.addItem(self.frame)  # in the bounds: autoRange frames the matrix
        self._halo, self._outline = _outline_items(self.view_box)
        self.shape: tuple[int, int] = (0, 0)
        self.values: np.ndarray | None = None
        self.vmax = 1.0
        self._hovered = (-1, -1)
        self.setMinimumSize(QSize(100, 80))

    # -- content -------------------------------------------------------------------------
    def set_matrix(
        self,
        values: np.ndarray | None,
        shape: tuple[int, int],
        vmax: float = 1.0,
        levels: tuple[float, float] | None = None,
        placeholder: str = PLACEHOLDER,
    ) -> None:
        """Show `values` (2-D, float64, exactly as given) on the symmetric range ±`vmax`
        (or on explicit `levels`), or, for None, an empty frame of `shape` saying
        `placeholder`. The view is reframed only when the shape changes, so a zoom
        survives playback and edits."""
        rows, cols = int(shape[0]), int(shape[1])
        reframe = (rows, cols) != self.shape
        self.shape = (rows, cols)
        self.values = values
        self.vmax = vmax
        self.row_axis.count, self.col_axis.count = rows, cols
        rect = QRectF(0.5, 0.5, cols, rows)
        self.frame.setRect(rect)
        if values is None:
            self.image.hide()
            self.placeholder.setText(placeholder)
            self.placeholder.setPos(rect.center())
            self.placeholder.show()
        else:
            self.placeholder.hide()
            lo, hi = levels if levels is not None else (-vmax, vmax)
            shown, shown_levels = image_input(values, lo, hi)
            self.image.setImage(shown, levels=shown_levels, autoLevels=False)
            self.image.setRect(rect)
            self.image.show()
        if reframe:
            self.reset_view()

    def set_aspect_locked(self, locked: bool) -> None:
        """Square cells (the default), or cells stretched to fill the view: a long
        vector drawn as a 1 × n row would otherwise be a hairline."""
        current = self.view_box.state["aspectLocked"] is not False  # False or a ratio
        if locked != current:
            self.view_box.setAspectLocked(locked)
            self.reset_view()

    def set_labels(self, rows: str, cols: str) -> None:
        self.plot_item.setLabel("left", rows)
        self.plot_item.setLabel("bottom", cols)

    def set_title(self, html: str) -> None:
        self.plot_item.setTitle(html, color=style.INK.name(), size="10pt")

    def set_outline(self, cell: tuple[int, int] | None) -> None:
        """Outline cell (i, j) (0-based) in amber, or nothing for None."""
        for item in (self._halo, self._outline):
            if cell is None:
                item.hide()
            else:
                i, j = cell
                item.setRect(QRectF(j + 0.5, i + 0.5, 1.0, 1.0))
                item.show()

    @property
    def outlined(self) -> tuple[int, int] | None:
        """The outlined cell, or None."""
        if not self._outline.isVisible():
            return None
        r = self._outline.rect()
        return round(r.top() - 0.5), round(r.left() - 0.5)

    # -- geometry ------------------------------------------------------------------------
    def reset_view(self) -> None:
        rows, cols = self.shape
        self.view_box.setRange(QRectF(0.5, 0.5, max(cols, 1), max(rows, 1)), padding=0.02)

    def cell_at(self, scene_pos: QPointF) -> tuple[int, int] | None:
        """The (i, j) under a scene point, or None off the matrix."""
        p = self.view_point(scene_pos)
        if p is None:
            return None
        i, j = math.floor(p.y() - 0.5), math.floor(p.x() - 0.5)
        rows, cols = self.shape
        return (i, j) if 0 <= i < rows and 0 <= j < cols else None

    def cell_center(self, i: int, j: int) -> QPoint:
        """Where the centre of cell (i, j) is in this widget's viewport."""
        return self.widget_point(j + 1.0, i + 1.0)

    def _scene_moved(self, pos: QPointF) -> None:
        cell = self.cell_at(pos) or (-1, -1)
        if cell != self._hovered:
            self._hovered = cell
            self.cell_hovered.emit(*cell)

    def _scene_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        cell = self.cell_at(event.scenePos())
        if cell is not None:
            event.accept()
            self.cell_clicked.emit(*cell)

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        if self._hovered != (-1, -1):
            self._hovered = (-1, -1)
            self.cell_hovered.emit(-1, -1)


class Strip(_Plot):
    """A vector as bars at 1..n, coloured on the diverging map by their own symmetric
    range; `set_values(None, n)` shows "not computed yet" instead. Emits `bar_hovered(k)`
    (−1 off the bars) and `bar_clicked(k)` with 0-based indices."""

    bar_hovered = Signal(int)
    bar_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None, show_index_axis: bool = True):
        self.index_axis = IndexAxis("bottom")
        super().__init__({"bottom": self.index_axis, "left": ValueAxis("left")}, parent)
        self.view_box.setMouseEnabled(x=True, y=False)
        self.values_axis = self.plot_item.getAxis("left")
        self.values_axis.setWidth(_AXIS_WIDTH)
        self.plot_item.showAxis("bottom", show_index_axis)
        self.zero = pg.InfiniteLine(pos=0.0, angle=0, pen=pg.mkPen(style.MUTED, width=1))
        self.view_box.addItem(self.zero, ignoreBounds=True)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8, pen=None)
        self.view_box.addItem(self.bars)
        self._halo, self._outline = _outline_items(self.view_box)
        self.values: np.ndarray | None = None
        self.count = 0
        self._hovered = -1
        self.setMinimumHeight(48)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_values(self, values: np.ndarray | None, count: int, placeholder: str = PLACEHOLDER):
        """Show `values` (1-D, exactly as given) or, for None, an empty strip of `count`
        slots saying `placeholder`."""
        reframe = count != self.count or (values is None) != (self.values is None)
        self.count = int(count)
        self.index_axis.count = self.count
        self.values = values
        x = np.arange(1, self.count + 1, dtype=np.float64)
        if values is None:
            self.bars.hide()
            self.placeholder.setText(placeholder)
            self.placeholder.setPos(QPointF((self.count + 1) / 2, 0.0))
            self.placeholder.show()
            self.view_box.setYRange(-1.0, 1.0, padding=0.0)
            self.values_axis.setStyle(showValues=False)  # no scale for absent numbers
        else:
            vmax = style.nice_range(max_abs(values))
            factor = plot_factor(max_abs(values))
            shown = values / factor
            self.values_axis.factor = factor
            self.bars.setOpts(x=x, height=shown, brushes=value_brushes(values, vmax))
            self.bars.show()
            self.placeholder.hide()
            self.values_axis.setStyle(showValues=True)
            lo, hi = min(0.0, float(np.min(shown))), max(0.0, float(np.max(shown)))
            if hi - lo <= 0.0:
                lo, hi = -1.0, 1.0
            self.view_box.setYRange(lo, hi, padding=0.08)
        if reframe:
            self.view_box.setXRange(0.4, self.count + 0.6, padding=0.0)

    def sizeHint(self) -> QSize:
        return QSize(360, 72)

    def set_marker(self, k: int | None) -> None:
        """Outline slot k (0-based), or nothing for None."""
        for item in (self._halo, self._outline):
            if k is None or not 0 <= k < self.count:
                item.hide()
            else:
                lo, hi = self.view_box.viewRange()[1]
                item.setRect(QRectF(k + 0.5, lo, 1.0, hi - lo))
                item.show()

    @property
    def marked(self) -> int | None:
        if not self._outline.isVisible():
            return None
        return round(self._outline.rect().left() - 0.5)

    def reset_view(self) -> None:
        self.view_box.setXRange(0.4, self.count + 0.6, padding=0.0)

    def bar_at(self, scene_pos: QPointF) -> int | None:
        p = self.view_point(scene_pos)
        if p is None:
            return None
        k = math.floor(p.x() - 0.5)
        return k if 0 <= k < self.count else None

    def bar_center(self, k: int) -> QPoint:
        """Where slot k's centre (on the zero line) is in this widget's viewport."""
        return self.widget_point(k + 1.0, 0.0)

    def _scene_moved(self, pos: QPointF) -> None:
        k = self.bar_at(pos)
        k = -1 if k is None else k
        if k != self._hovered:
            self._hovered = k
            self.bar_hovered.emit(k)

    def _scene_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        k = self.bar_at(event.scenePos())
        if k is not None:
            event.accept()
            self.bar_clicked.emit(k)

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        if self._hovered != -1:
            self._hovered = -1
            self.bar_hovered.emit(-1)


class ColorBar(QWidget):
    """A horizontal colour bar of the diverging map with its range written at both ends
    (and the middle), after an optional label: "W²  −0.5 ▬▬▬ +0.5"."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = ""
        self.low, self.mid, self.high = f"{MINUS}1", "0", "+1"
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._bar = style.image(np.linspace(-1.0, 1.0, style.LUT_SIZE)[None, :], 1.0)

    def set_symmetric(self, vmax: float, label: str = "") -> None:
        """The range ±vmax, stated at the ends."""
        low, high = range_text(vmax)
        self.set_ends(low, "0", high, label)

    def set_ends(self, low: str, mid: str, high: str, label: str = "") -> None:
        self.low, self.mid, self.high, self.label = low, mid, high, label
        self.setToolTip(f"{label}: colour from {low} (blue) through {mid} to {high} (red)")
        self.update()

    def sizeHint(self) -> QSize:
        metrics = QFontMetricsF(self.font())
        return QSize(240, math.ceil(metrics.height() * 2 + 6))

    def minimumSizeHint(self) -> QSize:
        metrics = QFontMetricsF(self.font())
        return QSize(120, math.ceil(metrics.height() * 2 + 6))

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        if not self.isEnabled():
            painter.setOpacity(0.4)  # the scale of values not computed yet: faded
        metrics = QFontMetricsF(self.font())
        h = metrics.height()
        x = 2.0
        painter.setPen(style.INK)
        if self.label:
            lw = metrics.horizontalAdvance(self.label)
            painter.drawText(QRectF(x, 0, lw + 2, h), Qt.AlignmentFlag.AlignLeft, self.label)
            x += lw + 10
        bar = QRectF(x, 2, max(40.0, self.width() - x - 4), h * 0.8)
        painter.drawImage(bar, self._bar)
        painter.setPen(QPen(style.MUTED, 1.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(bar)
        ticks_y = bar.bottom() + 1
        painter.setPen(style.INK)
        for text, frac, align in (
            (self.low, 0.0, Qt.AlignmentFlag.AlignLeft),
            (self.mid, 0.5, Qt.AlignmentFlag.AlignHCenter),
            (self.high, 1.0, Qt.AlignmentFlag.AlignRight),
        ):
            w = metrics.horizontalAdvance(text) + 2
            cx = bar.left() + frac * bar.width()
            left = {0.0: bar.left(), 0.5: cx - w / 2, 1.0: bar.right() - w}[frac]
            painter.drawLine(QPointF(cx, bar.bottom()), QPointF(cx, bar.bottom() + 2))
            painter.drawText(QRectF(left, ticks_y + 3, w, h), align, text)
        painter.end()
