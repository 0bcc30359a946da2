"""Where everything on the canvas goes, for given layer sizes: pure geometry, no Qt.

Scene units are pixels at 100 % zoom; y grows downwards and the columns are centred on
y = 0. From left to right, for each layer l = 1..L:

    column aˡ⁻¹  →  edge bundle (the weights; the `Wˡ + bˡ` box sits above it)
                 →  column zˡ  →  `fˡ` band (each zᵢ passes through it)  →  column aˡ

and after aᴸ the `C` band with the targets y on its right, so every aᴸᵢ meets its yᵢ on
one row. The operator boxes share one row above all columns, which reads
x → W¹ → f¹ → … → Wᴸ → fᴸ → C ← y. Each neuron column has "−  n  +" buttons under it.

Level of detail: a column of more than `MAX_CIRCLES` neurons is drawn as a strip of
cells (`STRIP_HEIGHT` tall), and a bundle of more than `MAX_LINES` edges as the heatmap of
Wˡ stretched over its gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

PITCH = 50.0  # distance between neuron centres in a circle column
R_A = 22.0  # radius of a neuron aˡ (and of x and y)
Z_HALF_W = 24.0  # a pre-activation zˡ is a pill (wide enough for its number, unlike
Z_HALF_H = 13.0  # a small circle), which also tells it apart from the neurons aˡ
MAX_CIRCLES = 24  # more neurons than this: the column becomes a strip of cells
# Strips are shorter than the tallest circle column: a wide network (64-neuron layers)
# then fits a 1600×900 window at ~80 % zoom, where its labels are still readable.
STRIP_HEIGHT = 16 * PITCH
STRIP_HALF_W = 11.0
MAX_LINES = 20_000  # more edges than this: the bundle is drawn as the image of Wˡ

BUNDLE_GAP = 200.0  # from the right of aˡ⁻¹ to the left of zˡ, for small layers
WIDE_BUNDLE_GAP = 250.0  # the same when a side is tall enough for lines to get steep
BAND_W = 64.0  # width of the fˡ band and of the C band
BAND_SIDE = 18.0  # space between a band and the columns beside it
LOSS_BAND_W = 104.0
ROW_H = 74.0  # height of the operator boxes
W_BOX_W = 150.0
HEADER_H = 26.0  # column labels (x, z¹, a¹, y) above each column
ROW_GAP = 16.0  # between the operator row and the tallest column's label
BUTTON_R = 9.0
BUTTON_GAP = 14.0  # between a column's last neuron and its buttons
BUTTON_DX = 24.0  # from a column's centre to the centre of its − or + button
MARGIN = 36.0


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def left(self) -> float:
        return self.x

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def top(self) -> float:
        return self.y

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def contains(self, px: float, py: float, tol: float = 0.0) -> bool:
        return (
            self.x - tol <= px <= self.x + self.w + tol
            and self.y - tol <= py <= self.y + self.h + tol
        )

    def united(self, other: Rect) -> Rect:
        x0, y0 = min(self.left, other.left), min(self.top, other.top)
        x1, y1 = max(self.right, other.right), max(self.bottom, other.bottom)
        return Rect(x0, y0, x1 - x0, y1 - y0)


@dataclass(frozen=True, eq=False)
class Column:
    """One vertical column of values: kind "a" (layer 0..L; a⁰ = x), "z" (1..L) or "y"
    (the targets, layer L). `ys` are the centres; `cell` the height each value owns."""

    kind: str
    layer: int
    x: float
    ys: Array
    cell: float
    shape: str  # "circle", "pill" or "strip"
    half_w: float
    half_h: float  # of one circle or pill (a strip: half a cell)

    @property
    def strip(self) -> bool:
        return self.shape == "strip"

    @property
    def size(self) -> int:
        return int(self.ys.shape[0])

    @property
    def top(self) -> float:
        return float(self.ys[0] - self.cell / 2)

    @property
    def bottom(self) -> float:
        return float(self.ys[-1] + self.cell / 2)

    @property
    def left(self) -> float:
        return self.x - self.half_w

    @property
    def right(self) -> float:
        return self.x + self.half_w

    def index_at(self, px: float, py: float, tol: float = 0.0) -> int | None:
        """The value under (px, py): inside its circle, pill or strip cell, give or take
        `tol`."""
        if abs(px - self.x) > self.half_w + tol:
            return None
        if self.strip:
            if not self.top - tol <= py <= self.bottom + tol:
                return None
            return int(np.clip((py - self.top) // self.cell, 0, self.size - 1))
        i = int(np.clip(np.rint((py - self.ys[0]) / self.cell), 0, self.size - 1))
        dy = abs(py - self.ys[i])
        if self.shape == "pill":
            return i if dy <= self.half_h + tol else None
        if (px - self.x) ** 2 + dy**2 <= (self.half_w + tol) ** 2:
            return i
        return None


@dataclass(frozen=True, eq=False)
class Bundle:
    """The edges of Wˡ: from aˡ⁻¹ᵢ at (x0, y_from[j]) to zˡᵢ at (x1, y_to[i]).
    In image mode the heatmap of Wˡ fills `rect`: row i at zˡᵢ, column j left to right."""

    layer: int
    x0: float
    x1: float
    y_from: Array  # (nˡ⁻¹,)
    y_to: Array  # (nˡ,)
    image: bool
    rect: Rect  # the area the bundle covers

    @property
    def count(self) -> int:
        return int(self.y_from.shape[0] * self.y_to.shape[0])

    def segments(self) -> tuple[Array, Array, Array, Array]:
        """(x0, y0, x1, y1) arrays of shape (nˡ, nˡ⁻¹): segment [i, j] is weight Wˡ[i, j]."""
        n_to, n_from = self.y_to.shape[0], self.y_from.shape[0]
        y0 = np.broadcast_to(self.y_from[None, :], (n_to, n_from))
        y1 = np.broadcast_to(self.y_to[:, None], (n_to, n_from))
        return np.full(y0.shape, self.x0), y0, np.full(y0.shape, self.x1), y1

    def edge_at(self, px: float, py: float, tol: float) -> tuple[int, int] | None:
        """(i, j) of the edge nearest (px, py) within `tol`, or None."""
        if not (self.x0 - tol <= px <= self.x1 + tol):
            return None
        n_to, n_from = self.y_to.shape[0], self.y_from.shape[0]
        if self.image:
            if not self.rect.contains(px, py):
                return None
            row = (py - self.rect.top) / self.rect.h * n_to
            col = (px - self.rect.left) / self.rect.w * n_from
            return int(np.clip(row, 0, n_to - 1)), int(np.clip(col, 0, n_from - 1))
        # Point-to-segment distance for every edge at once.
        dx = self.x1 - self.x0
        dy = self.y_to[:, None] - self.y_from[None, :]  # (n_to, n_from)
        t = ((px - self.x0) * dx + (py - self.y_from[None, :]) * dy) / (dx * dx + dy * dy)
        t = np.clip(t, 0.0, 1.0)
        ex = self.x0 + t * dx - px
        ey = self.y_from[None, :] + t * dy - py
        dist2 = ex * ex + ey * ey
        flat = int(np.argmin(dist2))
        if dist2.flat[flat] > tol * tol:
            return None
        return divmod(flat, n_from)


@dataclass(frozen=True)
class Button:
    """A round "−" or "+" button changing the size of layer `layer` by `delta`."""

    layer: int
    delta: int
    cx: float
    cy: float
    r: float = BUTTON_R

    def contains(self, px: float, py: float, tol: float = 0.0) -> bool:
        return (px - self.cx) ** 2 + (py - self.cy) ** 2 <= (self.r + tol) ** 2


@dataclass(frozen=True)
class Hit:
    """What is under a point: kind "neuron" (a column, `layer` 0..L, `i`), "z" (layer
    1..L, `i`), "y" (`i`), "edge" (Wˡ[i, j]), "weights" (the Wˡ box), "activation" (the
    fˡ band), "loss", or "button" (`i` = +1 or −1)."""

    kind: str
    layer: int
    i: int = -1
    j: int = -1


@dataclass(frozen=True, eq=False)
class Layout:
    sizes: tuple[int, ...]
    a: tuple[Column, ...]  # a[l] for l = 0..L
    z: tuple[Column, ...]  # z[l - 1] for l = 1..L
    y: Column
    bundles: tuple[Bundle, ...]  # bundles[l - 1] for l = 1..L
    w_boxes: tuple[Rect, ...]  # w_boxes[l - 1]
    f_bands: tuple[Rect, ...]  # f_bands[l - 1]
    loss_band: Rect
    buttons: tuple[Button, ...]  # (−, +) for each a column, in layer order
    row: Rect  # the operator row
    bounds: Rect

    @property
    def depth(self) -> int:
        return len(self.sizes) - 1

    def button(self, layer: int, delta: int) -> Button:
        return self.buttons[2 * layer + (1 if delta > 0 else 0)]

    def hit(self, px: float, py: float, tol: float = 0.0) -> Hit | None:
        """The topmost thing at (px, py), allowing `tol` scene units of slack."""
        for b in self.buttons:
            if b.contains(px, py, tol):
                return Hit("button", b.layer, b.delta)
        for col in self.a:
            i = col.index_at(px, py, tol)
            if i is not None:
                return Hit("neuron", col.layer, i)
        for col in self.z:
            i = col.index_at(px, py, tol)
            if i is not None:
                return Hit("z", col.layer, i)
        i = self.y.index_at(px, py, tol)
        if i is not None:
            return Hit("y", self.depth, i)
        for l, box in enumerate(self.w_boxes, start=1):
            if box.contains(px, py):
                return Hit("weights", l)
        for l, band in enumerate(self.f_bands, start=1):
            if band.contains(px, py):
                return Hit("activation", l)
        if self.loss_band.contains(px, py):
            return Hit("loss", self.depth)
        for bundle in self.bundles:
            edge = bundle.edge_at(px, py, tol)
            if edge is not None:
                return Hit("edge", bundle.layer, edge[0], edge[1])
        return None


def column_ys(n: int) -> tuple[Array, float, bool]:
    """(centres, cell height, strip?) of a column of n values centred on y = 0."""
    if n > MAX_CIRCLES:
        cell = STRIP_HEIGHT / n
        return -STRIP_HEIGHT / 2 + (np.arange(n) + 0.5) * cell, cell, True
    return (np.arange(n) - (n - 1) / 2) * PITCH, PITCH, False


def _column(kind: str, layer: int, x: float, n: int) -> Column:
    ys, cell, strip = column_ys(n)
    ys.setflags(write=False)
    if strip:
        return Column(kind, layer, x, ys, cell, "strip", STRIP_HALF_W, cell / 2)
    if kind == "z":
        return Column(kind, layer, x, ys, cell, "pill", Z_HALF_W, Z_HALF_H)
    return Column(kind, layer, x, ys, cell, "circle", R_A, R_A)


def _half_width(kind: str, n: int) -> float:
    if n > MAX_CIRCLES:
        return STRIP_HALF_W
    return Z_HALF_W if kind == "z" else R_A


def compute_layout(sizes: Sequence[int]) -> Layout:
    """The geometry of a network with layer sizes [n⁰, …, nᴸ] (each ≥ 1, L ≥ 1)."""
    sizes = tuple(int(n) for n in sizes)
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"layout: need ≥ 2 sizes, each ≥ 1, got {sizes}")
    depth = len(sizes) - 1
    tallest = max(column_ys(n)[1] * n for n in sizes)

    a_cols = [_column("a", 0, 0.0, sizes[0])]
    z_cols: list[Column] = []
    bundles: list[Bundle] = []
    f_bands: list[Rect] = []
    row_top = -tallest / 2 - HEADER_H - ROW_GAP - ROW_H
    for l in range(1, depth + 1):
        prev = a_cols[-1]
        steep = max(sizes[l - 1], sizes[l]) > 8
        gap = WIDE_BUNDLE_GAP if steep else BUNDLE_GAP
        x_z = prev.right + gap + _half_width("z", sizes[l])
        zc = _column("z", l, x_z, sizes[l])
        band_x = zc.right + BAND_SIDE
        x_a = band_x + BAND_W + BAND_SIDE + _half_width("a", sizes[l])
        ac = _column("a", l, x_a, sizes[l])
        # Edges start and end a little inside the circles and pills, which are drawn on
        # top, so they meet each rim whatever their angle.
        inset0 = 0.0 if prev.strip else prev.half_w * 0.6
        inset1 = 0.0 if zc.strip else zc.half_w * 0.3
        x0, x1 = prev.right - inset0, zc.left + inset1
        n_edges = sizes[l - 1] * sizes[l]
        image = n_edges > MAX_LINES
        if image:
            rect = Rect(prev.right, zc.top, zc.left - prev.right, zc.bottom - zc.top)
        else:
            top = min(prev.top, zc.top)
            rect = Rect(x0, top, x1 - x0, max(prev.bottom, zc.bottom) - top)
        bundles.append(Bundle(l, x0, x1, prev.ys, zc.ys, image, rect))
        band_bottom = max(zc.bottom, ac.bottom) + 10
        f_bands.append(Rect(band_x, row_top, BAND_W, band_bottom - row_top))
        z_cols.append(zc)
        a_cols.append(ac)

    last = a_cols[-1]
    loss_x = last.right + BAND_SIDE + 22
    y_x = loss_x + LOSS_BAND_W + BAND_SIDE + 22 + _half_width("y", sizes[-1])
    y_col = _column("y", depth, y_x, sizes[-1])
    loss_band = Rect(loss_x, row_top, LOSS_BAND_W, max(last.bottom, y_col.bottom) + 10 - row_top)

    w_boxes = []
    for bundle in bundles:
        left, right = bundle.x0, bundle.x1
        w = min(W_BOX_W, right - left - 24)
        w_boxes.append(Rect((left + right) / 2 - w / 2, row_top, w, ROW_H))

    buttons = []
    for col in a_cols:
        cy = col.bottom + BUTTON_GAP + BUTTON_R
        buttons.append(Button(col.layer, -1, col.x - BUTTON_DX, cy))
        buttons.append(Button(col.layer, +1, col.x + BUTTON_DX, cy))

    row = Rect(a_cols[0].left, row_top, y_col.right - a_cols[0].left, ROW_H)
    bottom = max(
        max(b.cy + b.r for b in buttons),
        max(band.bottom for band in f_bands),
        loss_band.bottom,
    )
    left, right = a_cols[0].left - MARGIN, y_col.right + MARGIN
    bounds = Rect(left, row_top - MARGIN, right - left, bottom + MARGIN - (row_top - MARGIN))
    return Layout(
        sizes=sizes,
        a=tuple(a_cols),
        z=tuple(z_cols),
        y=y_col,
        bundles=tuple(bundles),
        w_boxes=tuple(w_boxes),
        f_bands=tuple(f_bands),
        loss_band=loss_band,
        buttons=tuple(buttons),
        row=row,
        bounds=bounds,
    )


# -- forward mode: the matrices ∂zˡ/∂x and ∂aˡ/∂x carried under the columns -----------------
CARRIED_GAP = 34.0  # from the lowest button or band to the carried matrices' labels
CARRIED_LABEL_H = 20.0  # the label ("∂a¹/∂x  4×2") above each carried matrix
NUMBER_CELL_W, NUMBER_CELL_H = 46.0, 20.0  # a cell that shows its number
MAX_NUMBERED_COLUMNS = 3  # n⁰ up to this (and nˡ up to MAX_NUMBERED_ROWS): numbers shown
MAX_NUMBERED_ROWS = 8
HEAT_MAX_W, HEAT_MAX_H = 120.0, 200.0  # a bigger matrix is a heatmap within this box
COUNTER_H = 30.0  # the multiplication counters, under the matrices


@dataclass(frozen=True)
class CarriedSlot:
    """Where a carried matrix (nˡ × n⁰) goes: `rect` holds the cells, the label sits above
    it; `numbers` says whether the cells are big enough for their values."""

    rect: Rect
    numbers: bool


def carried_cell(rows: int, cols: int, max_w: float = HEAT_MAX_W) -> tuple[float, float, bool]:
    """(cell width, cell height, numbers shown) for a rows × cols carried matrix that may
    be at most `max_w` wide (the room between its column and the next)."""
    if cols <= MAX_NUMBERED_COLUMNS and rows <= MAX_NUMBERED_ROWS and NUMBER_CELL_W * cols <= max_w:
        return NUMBER_CELL_W, NUMBER_CELL_H, True
    width = min(16.0, HEAT_MAX_W / cols, max_w / cols)
    height = min(16.0, HEAT_MAX_H / rows)
    if rows == 1:
        height = max(height, 14.0)  # a single row (dC/dx) stays a visible strip
    return width, height, False


def carried_slots(lay: Layout) -> dict[tuple[str, int], CarriedSlot]:
    """Slots for forward mode's matrices, in one row under the network: ("da_dx", l) under
    column aˡ (l = 0..L; ∂x/∂x under x), ("dz_dx", l) under zˡ, and ("dC_dx", 0), the
    final 1 × n⁰ row, under the C band. Each is at most as wide as the room between its
    column and its neighbours, so no two overlap."""
    n0 = lay.sizes[0]
    top = lay.bounds.bottom - MARGIN + CARRIED_GAP + CARRIED_LABEL_H
    places = [(("da_dx", col.layer), col.x, lay.sizes[col.layer]) for col in lay.a]
    places += [(("dz_dx", col.layer), col.x, lay.sizes[col.layer]) for col in lay.z]
    places.append((("dC_dx", 0), lay.loss_band.cx, 1))
    centres = sorted(cx for _, cx, _ in places)
    slots: dict[tuple[str, int], CarriedSlot] = {}
    for key, cx, rows in places:
        i = centres.index(cx)
        gaps = [cx - centres[i - 1]] if i > 0 else []
        gaps += [centres[i + 1] - cx] if i + 1 < len(centres) else []
        room = 2 * (min(gaps) / 2 - 4) if gaps else HEAT_MAX_W
        cw, ch, numbers = carried_cell(rows, n0, max(room, 8.0))
        w, h = cw * n0, ch * rows
        slots[key] = CarriedSlot(Rect(cx - w / 2, top, w, h), numbers)
    return slots


def carried_bounds(lay: Layout) -> Rect:
    """The layout's bounds grown to hold the carried matrices and the counters."""
    slots = carried_slots(lay).values()
    bottom = max(s.rect.bottom for s in slots) + COUNTER_H + MARGIN
    left = min(lay.bounds.left, min(s.rect.left for s in slots) - MARGIN)
    right = max(lay.bounds.right, max(s.rect.right for s in slots) + MARGIN)
    return Rect(left, lay.bounds.top, right - left, bottom - lay.bounds.top)
