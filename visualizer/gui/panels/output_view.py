"""The training panel's output view: what the network computes over its inputs.

Two inputs: the output (class 1's probability for two outputs) as an image over the input
plane, the decision boundary as its mid-level line, and the data as dots whose shape and
colour give the class. One input: the output as a curve against x, over the data's dots.
Other networks have no such picture; the view says so.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainterPath, QTransform
from PySide6.QtWidgets import QGraphicsPathItem, QLabel, QVBoxLayout, QWidget

from visualizer.engine.network import Network
from visualizer.engine.training import even_rows, predict
from visualizer.gui import style
from visualizer.gui.document import Document
from visualizer.gui.panels.plots import image_input
from visualizer.gui.style import lut
from visualizer.notation import format_number, sup

import pyqtgraph as pg  # isort: skip  (after the Qt binding, so pyqtgraph picks PySide6)

GRID = 97  # the output image is GRID × GRID network evaluations
ISO_STEP = 2  # the decision boundary is traced on every ISO_STEP-th of them
PLOT_HEIGHT = 230

_CURVE_PEN = pg.mkPen(style.PANEL_INK, width=2)
_BOUNDARY_PEN = pg.mkPen(style.PANEL_INK, width=1.5)


def _class_colors() -> tuple[QColor, QColor]:
    """Darker than the value map's ends, so the dots stand out on the output image:
    class 0 blue, class 1 red (and a different shape each: never colour alone)."""
    table = lut()
    low, high = table[0], table[-1]
    return (
        QColor(*(int(c) for c in low)).darker(130),
        QColor(*(int(c) for c in high)).darker(130),
    )


CLASS_SYMBOLS = ("o", "t1")  # class 0 circles, class 1 upward triangles
# A large data set is drawn from an even sample of its examples: 100,000 dots would take
# seconds to build and draw, and show no more than a few thousand do.
MAX_DOTS = 2000


# Marching squares. A cell's corners are numbered 0 (0, 0), 1 (1, 0), 2 (0, 1), 3 (1, 1)
# (axis 0, axis 1); its pattern has bit k set when corner k is below the level. Each pattern
# crosses these sides in pairs, one segment per pair; side s runs between the two corners
# of _SIDE_ENDS[s]. (pyqtgraph's `isocurve` tables, whose Python loop over every cell took
# ≈7 ms a redraw on the 49 × 49 grid — the output view redraws 12 times a second while
# training; done for all cells of a pattern at once, ≈1 ms.)
_SIDE_ENDS = (((0, 1), (0, 0)), ((0, 0), (1, 0)), ((1, 0), (1, 1)), ((1, 1), (0, 1)))
_CELL_SIDES: tuple[tuple[tuple[int, int], ...], ...] = (
    (), ((0, 1),), ((1, 2),), ((0, 2),), ((0, 3),), ((1, 3),), ((0, 1), (2, 3)), ((2, 3),),
    ((2, 3),), ((0, 1), (2, 3)), ((1, 3),), ((0, 3),), ((0, 2),), ((1, 2),), ((0, 1),), (),
)  # fmt: skip


def boundary_segments(values: np.ndarray, level: float) -> np.ndarray:
    """Where the 2-D grid `values` crosses `level`: segments as rows (u₀, v₀, u₁, v₁) in
    index coordinates (u along axis 0, v along axis 1), reaching the grid's edges — the
    segments of pyqtgraph's `isocurve(values, level, extendToEdge=True)`."""
    # Edge values repeated one cell outwards, so the line runs on to the grid's border.
    grid = np.pad(np.asarray(values, dtype=float), 1, mode="edge")
    below = grid < level
    pattern = below[:-1, :-1] + 2 * below[1:, :-1] + 4 * below[:-1, 1:] + 8 * below[1:, 1:]
    top = (grid.shape[0] - 2, grid.shape[1] - 2)
    found = []
    for kind, pairs in enumerate(_CELL_SIDES):
        if not pairs:
            continue
        u, v = np.nonzero(pattern == kind)
        if not len(u):
            continue
        for pair in pairs:
            ends = []
            for side in pair:
                (u1, v1), (u2, v2) = _SIDE_ENDS[side]
                a, b = grid[u + u1, v + v1], grid[u + u2, v + v2]
                t = (level - a) / (b - a)  # where along the side the level is crossed
                # + ½: the cell's centre; − 1: back from the padded grid to the given one.
                ends.append(np.clip(u1 * (1 - t) + u2 * t + u - 0.5, 0, top[0]))
                ends.append(np.clip(v1 * (1 - t) + v2 * t + v - 0.5, 0, top[1]))
            found.append(np.stack(ends, axis=1))
    return np.concatenate(found) if found else np.zeros((0, 4))


def dot_rows(n: int, limit: int = MAX_DOTS) -> np.ndarray:
    """The rows of an n-example data set to draw: all of them, or `limit` evenly spaced
    ones (the same every time, so the picture does not flicker between refreshes)."""
    return even_rows(n, limit)


def dots_note(n: int) -> str:
    shown = len(dot_rows(n))
    return "Dots: the data." if shown == n else f"Dots: {shown:,} of the {n:,} examples."


class OutputView(QWidget):
    """The output of the document's network over its inputs; `refresh()` redraws it."""

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.doc = document
        self._output_key: tuple | None = None
        self._range: tuple[float, float, float, float] | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()
        column.addWidget(self.title)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setFixedHeight(PLOT_HEIGHT)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setAspectLocked(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(lut())
        self.image.setZValue(-10)
        self.image.setOpacity(0.75)  # a lighter background lets the data dots stand out
        self.boundary = QGraphicsPathItem(self.image)  # the decision boundary
        self.boundary.setPen(_BOUNDARY_PEN)
        # Traced on every other grid point (a quarter of the work): vertex k then sits at
        # image pixel 2k, whose centre is 2k + ½.
        self.boundary.setTransform(QTransform.fromTranslate(0.5, 0.5).scale(2.0, 2.0))
        self.scatter = pg.ScatterPlotItem(size=7, pen=pg.mkPen("w", width=0.8))
        self.fit_curve = pg.PlotDataItem(pen=_CURVE_PEN)
        for item in (self.image, self.scatter, self.fit_curve):
            self.plot.addItem(item)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {style.PANEL_NOTE};")
        column.addWidget(self.plot)
        column.addWidget(self.note)

    def refresh(self, network: Network | None = None) -> None:
        """Redraw from `network` (the trainer's, while it runs ahead of the document) or
        else the document's."""
        network = self.doc.network if network is None else network
        n_in = network.input_size
        self.image.setVisible(n_in == 2)
        self.boundary.setVisible(n_in == 2)
        self.fit_curve.setVisible(n_in == 1)
        self.scatter.setVisible(n_in in (1, 2) and network.dataset is not None)
        self.plot.setVisible(n_in in (1, 2))
        self.plot.setAspectLocked(n_in == 2)  # circles should look round
        if n_in == 2:
            self._draw_surface(network)
        elif n_in == 1:
            self._draw_fit(network)
        else:
            self.title.setText("<b>Output</b>")
            self.note.setText(
                f"The output view needs a network with 1 or 2 inputs (this one has {n_in})."
            )

    def _bounds(self, network: Network) -> tuple[float, float, float, float]:
        """(x0, x1, y0, y1) of the view: the data with a margin, or [−1.5, 1.5]²."""
        data = network.dataset
        if data is None:
            return -1.5, 1.5, -1.5, 1.5
        lo, hi = data.x.min(axis=0), data.x.max(axis=0)
        pad = 0.1 * np.maximum(hi - lo, 1e-9) + 0.05
        lo, hi = lo - pad, hi + pad
        if network.input_size == 1:
            y_lo, y_hi = float(data.y[:, 0].min()), float(data.y[:, 0].max())
            y_pad = 0.15 * max(y_hi - y_lo, 1e-9) + 0.05
            return float(lo[0]), float(hi[0]), y_lo - y_pad, y_hi + y_pad
        return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])

    def _output_column(self, network: Network) -> int:
        """Which output neuron the view shows: class 1's for two outputs, else the first."""
        return 1 if network.output_size == 2 else 0

    def _levels(self, network: Network) -> tuple[float, float]:
        data = network.dataset
        if data is not None:
            column = data.y[:, self._output_column(network)]
            lo, hi = float(column.min()), float(column.max())
            if hi > lo:
                return lo, hi
        if network.layers[-1].activation in ("sigmoid", "softmax"):
            return 0.0, 1.0
        return -1.0, 1.0

    def _draw_surface(self, network: Network) -> None:
        x0, x1, y0, y1 = self._bounds(network)
        column = self._output_column(network)
        gx = np.linspace(x0, x1, GRID)
        gy = np.linspace(y0, y1, GRID)
        xx, yy = np.meshgrid(gx, gy)  # rows follow y: row-major image, y up
        grid = np.stack([xx.ravel(), yy.ravel()], axis=1)
        values = predict(network, grid)[:, column].reshape(GRID, GRID)
        values = np.nan_to_num(values, nan=0.0, posinf=1e300, neginf=-1e300)
        lo, hi = self._levels(network)
        # Clipped to the colour range: outputs near the float limit would otherwise
        # overflow inside the image's paint (see image_input).
        shown, levels = image_input(values, lo, hi)
        self.image.setImage(shown, levels=levels, autoLevels=False)
        # Pixel centres sit on the grid points: the image reaches half a pixel beyond them.
        dx, dy = (x1 - x0) / (GRID - 1), (y1 - y0) / (GRID - 1)
        self.image.setRect(QRectF(x0 - dx / 2, y0 - dy / 2, x1 - x0 + dx, y1 - y0 + dy))
        # Row-major image: x (u) runs along the columns, so the transposed grid.
        segments = boundary_segments(values[::ISO_STEP, ::ISO_STEP].T, (lo + hi) / 2)
        if len(segments):
            path = pg.arrayToQPath(
                segments[:, 0::2].ravel(), segments[:, 1::2].ravel(), connect="pairs"
            )
        else:
            path = QPainterPath()
        self.boundary.setPath(path)
        data = network.dataset
        key = (id(data), column)
        if data is not None and key != self._output_key:
            rows = dot_rows(len(data.x))
            brushes = [pg.mkBrush(c) for c in _class_colors()]  # two, shared by every dot
            labels = (data.y[rows, column] > (lo + hi) / 2).astype(int)
            self.scatter.setData(
                x=data.x[rows, 0],
                y=data.x[rows, 1],
                brush=[brushes[c] for c in labels],
                symbol=[CLASS_SYMBOLS[c] for c in labels],
            )
            self._output_key = key
        self._set_range(x0, x1, y0, y1)
        what = "P(class 1)" if network.output_size == 2 else f"a{sup('L')}"
        self.title.setText(f"<b>Output</b> {what} over the inputs (x₁, x₂)")
        self.note.setText(
            f"Colour: the network's output, {format_number(lo)} blue … "
            f"{format_number(hi)} red; the line is the decision boundary at "
            f"{format_number((lo + hi) / 2)}. "
            + (dots_note(len(data.x)) if data is not None else "Dots: the data.")
        )

    def _set_range(self, x0: float, x1: float, y0: float, y1: float) -> None:
        # Only when it changes (a new data set): setting it again re-lays out both axes
        # (≈2 ms), and the view redraws 12 times a second while training.
        if (x0, x1, y0, y1) != self._range:
            self.plot.setXRange(x0, x1, padding=0)
            self.plot.setYRange(y0, y1, padding=0)
            self._range = (x0, x1, y0, y1)

    def _draw_fit(self, network: Network) -> None:
        x0, x1, y0, y1 = self._bounds(network)
        xs = np.linspace(x0, x1, 200)
        ys = predict(network, xs[:, None])[:, 0]
        self.fit_curve.setData(xs, np.nan_to_num(ys, nan=0.0, posinf=1e300, neginf=-1e300))
        data = network.dataset
        key = (id(data), 0)
        if data is not None and key != self._output_key:
            rows = dot_rows(len(data.x))
            self.scatter.setData(
                x=data.x[rows, 0],
                y=data.y[rows, 0],
                brush=pg.mkBrush(_class_colors()[0]),
                symbol="o",
            )
            self._output_key = key
        self._set_range(x0, x1, y0, y1)
        self.title.setText(f"<b>Output</b> a{sup('L')} against the input x")
        self.note.setText(
            "Line: the network's output. "
            + (dots_note(len(data.x)) if data is not None else "Dots: the data (x, y).")
        )
