"""The canvas keeps caches and redraws only what changed; these tests hold it to the
promise that this never shows: after edits, selections, hover and playback, the rendered
picture is, pixel for pixel, the one a freshly built canvas of the same state renders."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter

from visualizer.engine.network import make_network
from visualizer.gui.canvas.edges import EdgeBundleItem
from visualizer.gui.canvas.view import NetworkView
from visualizer.gui.commands import NudgeWeight, SetWeight
from visualizer.gui.document import Document, Selection
from visualizer.timeline import build

SIZE = (1200, 800)


def canvas(qtbot, doc: Document) -> NetworkView:
    view = NetworkView(doc)
    qtbot.addWidget(view)
    view.resize(*SIZE)
    view.show()
    view.fit()
    return view


def picture(view: NetworkView, refine: bool = True) -> np.ndarray:
    """The view rendered into a fixed-size image, as exports and the benchmark do; the
    bundles' drafts refined first (a fresh canvas refines them too) unless not `refine`
    (what the window shows while edits go on)."""
    if refine:
        view.network_scene.refine_now()
    image = QImage(*SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    view.render(painter, QRectF(image.rect()), view.viewport().rect())
    painter.end()
    bits = np.frombuffer(image.constBits(), np.uint8).reshape(SIZE[1], image.bytesPerLine())
    return bits[:, : 4 * SIZE[0]].reshape(SIZE[1], SIZE[0], 4).copy()


def assert_same_picture(shown: np.ndarray, fresh: np.ndarray) -> None:
    diff = np.abs(shown.astype(int) - fresh.astype(int)).max(axis=2)
    ys, xs = np.nonzero(diff)
    where = f"x {xs.min()}..{xs.max()}, y {ys.min()}..{ys.max()}" if len(xs) else ""
    assert not len(xs), f"{len(xs)} pixels differ (max {diff.max()}) at {where}"


def dense_canvas(qtbot) -> tuple[Document, NetworkView, EdgeBundleItem]:
    """A canvas of [32, 64, 64, 64, 32], drawn once, and its dense bundle of W²."""
    doc = Document(make_network([32, 64, 64, 64, 32], "tanh"))
    view = canvas(qtbot, doc)
    picture(view)
    return doc, view, view.network_scene.bundle_items[1]


def flip_weight(doc: Document, i: int, j: int) -> None:
    """W²ᵢⱼ → −W²ᵢⱼ: the same magnitude, so the colour range stays."""
    doc.edit(SetWeight(doc, 2, i, j, -float(doc.network.layers[1].weights[i, j])))


def count_drawn_lines(bundle: EdgeBundleItem) -> list[int]:
    """Spy on `bundle` rasterising its lines: each time, how many it drew (all of them, or
    those of its mask). `del bundle._draw_lines` ends it."""
    drawn: list[int] = []
    original = bundle._draw_lines

    def counting(painter, only=None):
        drawn.append(bundle.bundle.count if only is None else int(only.sum()))
        original(painter, only)

    bundle._draw_lines = counting
    return drawn


def fresh_picture(qtbot, doc: Document) -> np.ndarray:
    """What a canvas built from nothing shows for `doc`'s network and selection."""
    other = Document(doc.network)
    other.set_selection(doc.selection)
    return picture(canvas(qtbot, other))


def test_edits_that_change_the_colour_range_leave_the_picture_of_a_fresh_canvas(qtbot):
    doc = Document(make_network([32, 64, 64, 64, 32], "tanh"))
    view = canvas(qtbot, doc)
    picture(view)
    vmax = view.network_scene.weight_range
    # A weight beyond the range rescales every colour (every W box repaints), one back
    # inside it rescales them again; the last is a patch of one edge of a dense bundle.
    for value in (2.5 * vmax, 0.5 * vmax, -0.25 * vmax):
        doc.edit(SetWeight(doc, 2, 0, 0, value))
        picture(view)
    doc.edit(SetWeight(doc, 3, 40, 41, -float(doc.network.layers[2].weights[40, 41])))
    assert_same_picture(picture(view), fresh_picture(qtbot, doc))


@pytest.mark.parametrize("edge", [(0, 0), (6, 9), (31, 33), (63, 0)])
def test_an_edit_of_one_edge_of_a_dense_bundle_leaves_the_picture_of_a_fresh_canvas(qtbot, edge):
    # Top, middle and corner-to-corner edges: a patch of a few rows, of many, of all.
    doc = Document(make_network([32, 64, 64, 64, 32], "tanh"))
    view = canvas(qtbot, doc)
    picture(view)
    i, j = edge
    w = float(doc.network.layers[1].weights[i, j])
    doc.edit(SetWeight(doc, 2, i, j, -w))  # the opposite sign: a pen of the other hue
    assert_same_picture(picture(view), fresh_picture(qtbot, doc))


@pytest.mark.parametrize("zoom", [1.0, 2.7])
def test_edits_of_a_small_network_leave_the_picture_of_a_fresh_canvas(qtbot, zoom):
    # Thick pens (few neurons), and zoomed in: the scratch image is not the view's scale.
    doc = Document(make_network([3, 8, 8, 2], "tanh"))
    view = canvas(qtbot, doc)
    view.set_zoom(view.zoom * zoom)
    picture(view)
    patched = []
    for i, j in [(0, 1), (7, 6), (0, 7), (0, 1)]:
        doc.edit(SetWeight(doc, 2, i, j, -float(doc.network.layers[1].weights[i, j])))
        patched.append(bool(view.network_scene.bundle_items[1]._dirty))
        picture(view)
    assert patched == [True, True, False, True]  # the long edge: the whole bundle
    other = canvas(qtbot, Document(doc.network))
    other.set_zoom(view.zoom)
    assert_same_picture(picture(view), picture(other))


def test_rough_patches_among_exact_ones_selections_and_playback_refine_to_a_fresh_canvas(qtbot):
    # Edges in the middle of a dense bundle are patched roughly (see `_patch_rough`),
    # others exactly, the selection leaves one out, playback switches the bundle to
    # ∂C/∂W and back: nothing refined in between, then refined, it is a fresh picture.
    doc, view, bundle = dense_canvas(qtbot)
    scene = view.network_scene

    def flip(i: int, j: int) -> None:
        flip_weight(doc, i, j)

    flip(31, 33)
    assert bundle._dirty_rough
    picture(view, refine=False)
    flip(0, 0)  # an exact patch while the rough pixels wait
    assert bundle._dirty and not bundle._dirty_rough
    picture(view, refine=False)
    flip(30, 34)
    doc.set_selection(Selection("edge", 2, 31, 33))
    picture(view, refine=False)
    assert bundle._rough and bundle.draft
    steps = build(doc.network, doc.trace)
    for k in range(len(steps)):
        scene.set_playback(steps, k, 1.0)
        picture(view, refine=False)
    scene.set_playback(None, -1, 1.0)
    assert_same_picture(picture(view), fresh_picture(qtbot, doc))


def test_selecting_and_nudging_an_edge_leave_the_picture_of_a_fresh_canvas(qtbot):
    doc = Document(make_network([32, 64, 64, 64, 32], "tanh"))
    view = canvas(qtbot, doc)
    picture(view)
    doc.set_selection(Selection("edge", 2, 20, 30))
    picture(view)
    w = float(doc.network.layers[1].weights[20, 30])
    for k in range(1, 4):
        doc.edit(NudgeWeight(doc, 2, 20, 30, w + 0.01 * k, gesture=1))
        picture(view)
    assert_same_picture(picture(view), fresh_picture(qtbot, doc))
    doc.set_selection(Selection("edge", 2, 5, 7))  # the nudged edge goes back into its bundle
    picture(view)
    assert_same_picture(picture(view), fresh_picture(qtbot, doc))
    doc.set_selection(None)
    assert_same_picture(picture(view), fresh_picture(qtbot, doc))


def test_editing_a_heatmap_bundle_leaves_the_picture_of_a_fresh_canvas(qtbot):
    doc = Document(make_network([200, 120, 2], "tanh"))
    view = canvas(qtbot, doc)
    bundle = view.network_scene.bundle_items[0]
    assert isinstance(bundle, EdgeBundleItem) and bundle.bundle.image
    picture(view)
    vmax = view.network_scene.weight_range
    doc.edit(SetWeight(doc, 1, 7, 150, -0.6 * vmax))
    assert view.network_scene.weight_range == vmax  # the patch, not a rebuild
    assert_same_picture(picture(view), fresh_picture(qtbot, doc))


def test_playback_steps_and_hover_leave_the_picture_of_a_fresh_canvas(qtbot):
    doc = Document(make_network([3, 8, 8, 2], "tanh"))
    view = canvas(qtbot, doc)
    scene = view.network_scene
    steps = build(doc.network, doc.trace)
    # Every step played through (values appear, operators flip, bundles switch to ∂C/∂W
    # and back), compared at a few stops with a canvas sent straight there.
    stops = {3, len(steps) // 2, len(steps) - 2}
    for k in range(len(steps)):
        for progress in (0.2, 0.7, 1.0):
            scene.set_playback(steps, k, progress)
            picture(view)
        if k in stops:
            other = canvas(qtbot, Document(doc.network))
            other.network_scene.set_playback(steps, k, 1.0)
            assert_same_picture(picture(view), picture(other))
    scene.set_playback(None, -1, 1.0)
    scene.set_hover(scene.hit(scene.neuron_pos(1, 3)))
    hovered = picture(view)
    scene.set_hover(None)
    assert_same_picture(picture(view), fresh_picture(qtbot, doc))
    other = canvas(qtbot, Document(doc.network))
    other.network_scene.set_hover(other.network_scene.hit(other.network_scene.neuron_pos(1, 3)))
    assert_same_picture(hovered, picture(other))


def test_a_bundle_is_the_single_pass_picture_of_its_lines(qtbot):
    # Its cache is what painting every line at once straight into an image gives: no
    # bands or clips (Qt's line rasteriser clips each line geometrically, which shifts
    # the antialiasing of every line crossing a clip edge by up to ~15 levels).
    doc = Document(make_network([8, 64, 64, 4], "tanh"))
    view = canvas(qtbot, doc)
    doc.edit(SetWeight(doc, 2, 2, 3, -float(doc.network.layers[1].weights[2, 3])))
    picture(view)
    bundle = view.network_scene.bundle_items[1]
    assert bundle.fine and bundle._cache is not None
    single = QImage(bundle._cache.size(), QImage.Format.Format_ARGB32_Premultiplied)
    single.fill(Qt.GlobalColor.transparent)
    painter = QPainter(single)
    sx, sy = bundle._cache_scale
    painter.scale(sx, sy)
    painter.translate(-bundle.boundingRect().x(), -bundle.boundingRect().y())
    bundle._draw_lines(painter)
    painter.end()
    assert bundle._cache == single


@pytest.mark.parametrize("sizes", [[32, 64, 64, 64, 32], [3, 8, 8, 2]])
def test_a_column_repaints_only_when_its_colours_or_numbers_change(qtbot, sizes):
    # A drag nudges values by a hair: strips (colours only) and circles (colours and
    # 3–4 digit numbers) whose pixels stay the same are not repainted.
    doc = Document(make_network(sizes, "tanh"))
    view = canvas(qtbot, doc)
    picture(view)
    column = view.network_scene.a_items[2]
    updates = []
    repaint = column.update

    def counted(*args):
        updates.append(args)
        repaint(*args)

    column.update = counted
    w = float(doc.network.layers[1].weights[0, 0])
    doc.edit(SetWeight(doc, 2, 0, 0, w + 1e-12))
    np.testing.assert_array_equal(column.values, doc.trace.a[2])  # the new values, kept
    assert updates == []
    assert_same_picture(picture(view), fresh_picture(qtbot, doc))
    doc.edit(SetWeight(doc, 2, 0, 0, w + 0.5))
    assert len(updates) == 1
    assert_same_picture(picture(view), fresh_picture(qtbot, doc))


def _words(image: QImage) -> np.ndarray:
    """The bytes of a 32-bit image as a (height, width, 4) array (a copy)."""
    bits = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return bits[:, : 4 * image.width()].reshape(image.height(), image.width(), 4).copy()


def _strip_mask(bundle: EdgeBundleItem, edge: tuple[int, int], shape) -> np.ndarray:
    """The pixels of `bundle`'s cache (of `shape`) that a patch of `edge` redraws."""
    left, top, near = bundle._strip(edge, shape[1], shape[0])
    mask = np.zeros(shape[:2], dtype=bool)
    mask[top : top + near.shape[0], left : left + near.shape[1]] = near
    return mask


def _line_pixels(bundle: EdgeBundleItem, edge: tuple[int, int], shape) -> np.ndarray:
    """The pixels of the cache that `edge`'s line runs through the middle of (within a
    quarter pixel of its centre line), away from its ends (where other lines meet)."""
    ax, ay, bx, by = bundle._device_segment(edge)
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]] + 0.5
    t = ((xs - ax) * (bx - ax) + (ys - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)
    from visualizer.gui.canvas.edges import point_distances

    return (point_distances(ax, ay, bx, by, xs, ys) <= 0.25) & (t > 0.1) & (t < 0.9)


def test_a_steep_edit_strokes_the_edge_over_the_cache_then_refines_it_exactly(qtbot):
    # A corner-to-corner edge of a dense bundle: every line crosses it, so redrawing its
    # pixels exactly costs a whole re-rasterisation. The edit strokes it over the cache
    # with its new pen instead (the picture differs from a fresh one only in the edge's
    # strip, where it shows the new colour); once edits pause it is patched exactly.
    doc = Document(make_network([32, 64, 64, 64, 32], "tanh"))
    view = canvas(qtbot, doc)
    scene = view.network_scene
    bundle = scene.bundle_items[1]
    edge = (63, 0)
    vmax = scene.weight_range
    doc.edit(SetWeight(doc, 2, *edge, 0.9 * vmax))  # strong and red (positive)
    before = picture(view)
    assert scene.weight_range == vmax
    cache, version = bundle._cache, bundle._version
    shape = (cache.height(), cache.width())
    line = _line_pixels(bundle, edge, shape)
    assert line.sum() > 100
    old = _words(cache)[line].astype(int)  # B, G, R, A bytes
    assert (old[:, 2] > old[:, 0]).mean() > 0.9  # red along the line
    drawn = count_drawn_lines(bundle)
    doc.edit(SetWeight(doc, 2, *edge, -0.9 * vmax))  # strong and blue
    shown = picture(view, refine=False)
    assert not np.array_equal(shown, before)
    # The same cache, no line rasterised: not re-rasterised, not a draft, and rough.
    assert drawn == []
    assert bundle._cache is cache and bundle._version == version and bundle.fine
    assert bundle._rough == [edge] and bundle.draft
    rough = _words(bundle._cache)
    del bundle._draw_lines  # (the spy)
    fresh_view = canvas(qtbot, Document(doc.network))
    fresh_pic = picture(fresh_view)
    fresh_bundle = fresh_view.network_scene.bundle_items[1]
    assert fresh_bundle._cache_key[:2] == bundle._cache_key[:2]  # the same zoom
    exact = _words(fresh_bundle._cache)
    differ = (rough != exact).any(axis=2)
    assert differ.any()
    assert not (differ & ~_strip_mask(bundle, edge, shape)).any()
    new = rough[line].astype(int)
    assert (new[:, 0] > new[:, 2]).mean() > 0.9  # blue along the line at once
    assert_same_picture(picture(view), fresh_pic)  # refined: exact
    assert bundle._version == version and not bundle.draft  # by a patch


def test_steep_edits_with_undo_selection_and_playback_refine_to_a_fresh_canvas(qtbot):
    # Strokes over the cache accumulate (both diagonals, an exact patch and a rough one
    # among them), survive undo/redo, a selection of a stroked edge and playback's
    # switches to ∂C/∂W and back; nothing refined in between, then refined, it is a
    # fresh picture. A zoom re-rasterises whole.
    doc, view, bundle = dense_canvas(qtbot)
    scene = view.network_scene
    version = bundle._version

    def flip(i: int, j: int) -> None:
        flip_weight(doc, i, j)
        picture(view, refine=False)

    flip(63, 0)
    flip(0, 63)
    flip(63, 0)  # stroked again over its own stroke
    flip(0, 0)  # an exact patch
    flip(31, 33)  # a rough patch
    assert bundle._rough[:2] == [(63, 0), (0, 63)] and bundle._version == version
    doc.undo_stack.undo()
    picture(view, refine=False)
    doc.undo_stack.undo()
    picture(view, refine=False)
    doc.undo_stack.redo()
    picture(view, refine=False)
    assert bundle._version == version and bundle.fine  # no re-rasterisation so far
    doc.set_selection(Selection("edge", 2, 0, 63))  # a stroked edge left out
    picture(view, refine=False)
    doc.edit(NudgeWeight(doc, 2, 0, 63, 0.3, gesture=1))
    picture(view, refine=False)
    steps = build(doc.network, doc.trace)
    for k in range(len(steps)):
        scene.set_playback(steps, k, 1.0)
        if k == 2:  # a bundle showing Wˡ during playback: edited, stroked
            flip(63, 1)
        picture(view, refine=False)
    scene.set_playback(None, -1, 1.0)
    assert bundle._version == version and bundle._rough  # its picture of Wˡ, kept
    assert_same_picture(picture(view), fresh_picture(qtbot, doc))
    doc.set_selection(None)  # the nudged edge goes back in, stroked
    flip(0, 63)
    assert_same_picture(picture(view), fresh_picture(qtbot, doc))
    # Stroked, then zoomed (the picture stretched), refined: the zoom's own picture.
    flip(63, 0)
    view.set_zoom(view.zoom * 1.5)
    picture(view, refine=False)
    other = canvas(qtbot, Document(doc.network))
    other.set_zoom(view.zoom)
    assert_same_picture(picture(view), picture(other))
