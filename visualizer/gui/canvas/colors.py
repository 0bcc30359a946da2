"""The canvas's one diverging colour map (CET-D1, blue–white–red, colour-blind safe) and
the ranges it is stretched over. Values map symmetrically: −vmax → blue, 0 → the light
middle, +vmax → red; anything beyond ±vmax is clipped to the ends."""

from __future__ import annotations

import functools
import math

import numpy as np

# The Qt binding must be imported before pyqtgraph, so pyqtgraph picks PySide6.
from PySide6.QtGui import QColor, QImage

import pyqtgraph as pg  # isort: skip

LUT_SIZE = 256
COLORMAP = "CET-D1"

# Round ranges up to these mantissas: colours then stay put while a value moves inside a
# step, instead of every edit shifting the whole picture a little.
_NICE = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


@functools.cache
def lut() -> np.ndarray:
    """(256, 3) uint8 RGB table of the diverging map; entry 0 is −vmax, 255 is +vmax."""
    table = pg.colormap.get(COLORMAP).getLookupTable(nPts=LUT_SIZE, alpha=False)
    table = np.ascontiguousarray(table, dtype=np.uint8)
    table.setflags(write=False)
    return table


@functools.cache
def lut_argb() -> np.ndarray:
    """The same table as opaque ARGB32 words (QImage.Format_ARGB32 pixel values)."""
    rgb = lut().astype(np.uint32)
    words = np.uint32(0xFF000000) | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
    words.setflags(write=False)
    return words


@functools.cache
def lut_qcolors() -> tuple[QColor, ...]:
    return tuple(QColor(int(r), int(g), int(b)) for r, g, b in lut())


def nice_range(max_abs: float) -> float:
    """The smallest "nice" number (1, 1.5, 2, 3, 4, 5, 6, 8 × 10ᵏ) ≥ `max_abs`; 1 for 0 or
    non-finite input, so an all-zero layer still has a usable scale."""
    m = float(max_abs)
    if not math.isfinite(m) or m <= 0:
        return 1.0
    exponent = math.floor(math.log10(m))
    base = 10.0**exponent
    for mantissa in _NICE:
        # A relative tolerance keeps 0.3 from being rounded up to 0.4 by float noise.
        if mantissa * base >= m * (1 - 1e-12):
            return mantissa * base
    return 10.0 * base  # unreachable: 10 × 10ᵏ > m by construction


def lut_index(values: np.ndarray | float, vmax: float) -> np.ndarray:
    """LUT entries (int, 0..255) for `values` on the symmetric range ±`vmax`."""
    v = np.asarray(values, dtype=np.float64)
    half = LUT_SIZE // 2  # entries half−1 and half straddle 0
    if not vmax > 0:
        return np.full(v.shape, half, dtype=np.intp)
    # Mirror-symmetric bins: v and −v land on entries k and 255 − k (0 itself on `half`),
    # so equal magnitudes of either sign always get equally strong colours.
    k = np.minimum(np.abs(v) * (half / vmax), half - 1).astype(np.intp)  # floor: u ≥ 0
    negative = np.signbit(v) & (v != 0)
    return half + k - negative * (2 * k + 1)


def rgb(values: np.ndarray | float, vmax: float) -> np.ndarray:
    """(…, 3) uint8 colours of `values`."""
    return lut()[lut_index(values, vmax)]


def qcolor(value: float, vmax: float) -> QColor:
    return lut_qcolors()[int(lut_index(value, vmax))]


def text_is_light(values: np.ndarray, vmax: float) -> np.ndarray:
    """Per value: True where its fill is dark enough to need white text."""
    colours = rgb(values, vmax).astype(np.float64) / 255.0
    luminance = colours @ np.array([0.2126, 0.7152, 0.0722])
    return luminance < 0.5


def thinned(values: np.ndarray, max_side: int) -> np.ndarray:
    """`values` (2-D) with at most `max_side` rows and columns, by picking evenly spaced
    ones (nearest neighbour: a heatmap keeps its texture instead of averaging to grey)."""
    rows, cols = values.shape
    if rows > max_side:
        values = values[np.linspace(0, rows - 1, max_side).round().astype(np.intp)]
    if cols > max_side:
        values = values[:, np.linspace(0, cols - 1, max_side).round().astype(np.intp)]
    return values


def image(values: np.ndarray, vmax: float, max_side: int | None = None) -> QImage:
    """A QImage with one pixel per entry of the 2-D `values` (row r = image row r), thinned
    to at most `max_side` pixels each way when given."""
    v = np.atleast_2d(np.asarray(values, dtype=np.float64))
    if max_side is not None:
        v = thinned(v, max_side)
    pixels = np.ascontiguousarray(lut_argb()[lut_index(v, vmax)])
    h, w = pixels.shape
    img = QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_ARGB32)
    return img.copy()  # detach from the numpy buffer, which dies with this frame
