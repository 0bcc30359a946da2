"""The network canvas: pure layout and colour maths, then the scene and view driven like a
user would (clicks, drags, wheel, keys) through a real Document and its undo stack."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QHelpEvent, QImage, QWheelEvent
from PySide6.QtWidgets import QApplication, QToolTip

from visualizer.engine.network import make_network
from visualizer.gui import style
from visualizer.gui.canvas.edges import few_changes
from visualizer.gui.canvas.layout import (
    MAX_CIRCLES,
    MAX_LINES,
    Bundle,
    Rect,
    compute_layout,
)
from visualizer.gui.canvas.legend import LEGEND_HEIGHT, LegendEntry
from visualizer.gui.canvas.state import ColumnShow, OperatorShow, Overlay
from visualizer.gui.canvas.view import NetworkView, nudged, quantum_for
from visualizer.gui.commands import ResizeLayer, SetActivation, SetWeight
from visualizer.gui.document import Document, Selection
from visualizer.notation import fmt_full

from .test_canvas_pictures import count_drawn_lines

sizes_st = st.lists(st.integers(1, 40), min_size=2, max_size=6)


# -- layout (pure) -----------------------------------------------------------------------
def _columns_in_order(lay):
    """Left to right: x, then per layer the z column, the f band, the a column; then the
    C band and y."""
    spans = [(lay.a[0].left, lay.a[0].right)]
    for l in range(1, lay.depth + 1):
        spans.append((lay.z[l - 1].left, lay.z[l - 1].right))
        band = lay.f_bands[l - 1]
        spans.append((band.left, band.right))
        spans.append((lay.a[l].left, lay.a[l].right))
    spans.append((lay.loss_band.left, lay.loss_band.right))
    spans.append((lay.y.left, lay.y.right))
    return spans


@settings(max_examples=40, deadline=None)
@given(sizes_st)
def test_layout_columns_bands_and_boxes_never_overlap(sizes):
    lay = compute_layout(sizes)
    spans = _columns_in_order(lay)
    for (_, right), (left, _) in itertools.pairwise(spans):
        assert right < left
    for box, bundle in zip(lay.w_boxes, lay.bundles, strict=True):
        assert bundle.x0 <= box.left and box.right <= bundle.x1
        assert box.bottom < min(c.top for c in (*lay.a, *lay.z))  # the row is above
    for col in (*lay.a, *lay.z, lay.y):
        assert col.size == (sizes[col.layer] if col.kind != "y" else sizes[-1])
        if not col.strip:  # neighbours do not touch
            assert np.all(np.diff(col.ys) >= 2 * col.half_h + 2)
        assert lay.bounds.contains(col.left, col.top) and lay.bounds.contains(col.right, col.bottom)
    for b in lay.buttons:
        col = lay.a[b.layer]
        assert b.cy - b.r > col.bottom
        assert lay.bounds.contains(b.cx, b.cy + b.r)


def test_large_columns_become_strips_and_dense_bundles_images():
    lay = compute_layout([256, 512, 10])
    assert lay.a[0].strip and lay.a[1].strip and lay.z[0].strip
    assert not lay.a[2].strip and MAX_CIRCLES >= 10
    assert lay.bundles[0].image and lay.bundles[0].count > MAX_LINES
    assert not lay.bundles[1].image
    small = compute_layout([MAX_CIRCLES, MAX_CIRCLES])
    assert not small.a[0].strip


def _segment_distance(px, py, x0, y0, x1, y1):
    """Reference: distance from a point to a segment, one segment at a time."""
    dx, dy = x1 - x0, y1 - y0
    t = max(0.0, min(1.0, ((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x0 + t * dx - px, y0 + t * dy - py)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(1, 12),
    st.floats(-20, 320),
    st.floats(-300, 300),
    st.floats(0.5, 12),
)
def test_edge_hit_is_the_nearest_segment_within_tolerance(n_from, n_to, px, py, tol):
    y_from = (np.arange(n_from) - (n_from - 1) / 2) * 50.0
    y_to = (np.arange(n_to) - (n_to - 1) / 2) * 50.0
    bundle = Bundle(1, 0.0, 300.0, y_from, y_to, False, Rect(0, -300, 300, 600))
    dist = np.array(
        [
            [_segment_distance(px, py, 0.0, y_from[j], 300.0, y_to[i]) for j in range(n_from)]
            for i in range(n_to)
        ]
    )
    got = bundle.edge_at(px, py, tol)
    if dist.min() > tol + 1e-9:
        assert got is None
    elif dist.min() < tol - 1e-9:
        assert got is not None
        assert dist[got] == pytest.approx(dist.min(), abs=1e-9)


def test_hit_names_what_is_under_a_point():
    lay = compute_layout([2, 3, 1])
    assert lay.hit(lay.a[1].x, float(lay.a[1].ys[2])).kind == "neuron"
    z = lay.hit(lay.z[0].x, float(lay.z[0].ys[1]))
    assert (z.kind, z.layer, z.i) == ("z", 1, 1)
    b = lay.button(1, +1)
    assert lay.hit(b.cx, b.cy).kind == "button"
    assert lay.hit(lay.w_boxes[0].cx, lay.w_boxes[0].cy).kind == "weights"
    assert lay.hit(lay.bounds.left + 1, lay.bounds.bottom - 1) is None


# -- the canvas widget -------------------------------------------------------------------
@pytest.fixture
def doc():
    return Document(make_network([2, 4, 3, 2], "tanh", name="test"))


def vpos(view, scene_point: QPointF) -> QPoint:
    return view.mapFromScene(scene_point)


def edge_point(view, l, i, j):
    """A viewport point on edge Wˡ[i, j] that no other edge passes within hit range of."""
    scene = view.network_scene
    for t in np.linspace(0.15, 0.85, 15):
        p = vpos(view, scene.edge_pos(l, i, j, float(t)))
        hit = view.hit_at(p)
        if hit is not None and (hit.kind, hit.layer, hit.i, hit.j) == ("edge", l, i, j):
            return p
    raise AssertionError("no clear point on the edge")


def grab(view) -> QImage:
    return view.grab().toImage()


def shown_view(qtbot, doc: Document) -> NetworkView:
    """A canvas of `doc` shown at 1200×800, fitted (pixel comparisons need a fixed size)."""
    view = NetworkView(doc)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    view.fit()
    return view


def test_canvas_shows_the_new_values_after_a_weight_edit(view, doc):
    scene = view.network_scene
    column = scene.a_items[1]
    before_values = column.values.copy()
    before_image = grab(view)
    doc.edit(SetWeight(doc, 1, 0, 0, 2.5))
    np.testing.assert_array_equal(column.values, doc.trace.a[1])
    assert not np.array_equal(column.values, before_values)
    assert scene.z_items[0].values[0] == doc.trace.z[0][0]
    tip = scene.tooltip(view.hit_at(vpos(view, scene.neuron_pos(1, 0))))
    assert fmt_full(doc.trace.a[1][0]) in tip
    assert grab(view) != before_image


def test_value_edits_update_items_in_place_and_shape_edits_rebuild(view, doc):
    scene = view.network_scene
    item = scene.a_items[1]
    count = scene.rebuild_count
    doc.edit(SetWeight(doc, 2, 1, 1, -1.0))
    doc.edit(SetActivation(doc, 2, "relu"))
    assert scene.rebuild_count == count and scene.a_items[1] is item
    doc.edit(ResizeLayer(doc, 1, 5))
    assert scene.rebuild_count == count + 1
    assert scene.a_items[1].column.size == 5


def test_clicking_a_neuron_an_edge_and_empty_space(qtbot, view, doc):
    scene = view.network_scene
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=vpos(view, scene.neuron_pos(2, 1))
    )
    assert doc.selection == Selection("neuron", 2, 1)
    assert not scene.selection_item.empty
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=edge_point(view, 2, 2, 3))
    assert doc.selection == Selection("edge", 2, 2, 3)
    assert scene.bundle_items[1].excluded == (2, 3)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert doc.selection is None
    assert scene.selection_item.empty


def test_clicking_a_pre_activation_selects_its_neuron(qtbot, view, doc):
    pos = vpos(view, view.network_scene.neuron_pos(3, 1, kind="z"))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert doc.selection == Selection("neuron", 3, 1)


def test_dragging_a_selected_edge_is_one_undo_step(qtbot, view, doc):
    start = edge_point(view, 1, 2, 1)
    old = float(doc.network.layer(1).weights[2, 1])
    depth = doc.undo_stack.count()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    assert doc.selection == Selection("edge", 1, 2, 1)
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    for dy in (10, 25, 40, 60):
        qtbot.mouseMove(view.viewport(), start - QPoint(0, dy))
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=start - QPoint(0, 60))
    new = float(doc.network.layer(1).weights[2, 1])
    assert new > old  # dragged up: larger
    assert doc.undo_stack.count() == depth + 1
    doc.undo_stack.undo()
    assert float(doc.network.layer(1).weights[2, 1]) == old
    np.testing.assert_array_equal(view.network_scene.a_items[1].values, doc.trace.a[1])


def test_nudging_the_selected_edge_does_not_regroup_its_bundle(view, doc):
    doc.set_selection(Selection("edge", 2, 0, 0))
    bundle = view.network_scene.bundle_items[1]
    rebuilds = bundle.rebuilds
    for k in range(5):
        doc.edit(SetWeight(doc, 2, 0, 0, 0.1 * k))
    assert bundle.rebuilds == rebuilds
    doc.edit(SetWeight(doc, 2, 1, 1, 0.123))
    assert bundle.rebuilds == rebuilds + 1


def _wheel(view, pos: QPoint, dy: int, mods) -> None:
    event = QWheelEvent(
        QPointF(pos),
        QPointF(view.viewport().mapToGlobal(pos)),
        QPoint(0, 0),
        QPoint(0, dy),
        Qt.MouseButton.NoButton,
        mods,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), event)


def test_alt_wheel_over_the_selected_edge_nudges_it_as_one_step(view, doc):
    doc.set_selection(Selection("edge", 1, 0, 1))
    pos = edge_point(view, 1, 0, 1)
    old = float(doc.network.layer(1).weights[0, 1])
    depth = doc.undo_stack.count()
    for _ in range(3):
        _wheel(view, pos, 120, Qt.KeyboardModifier.AltModifier)
    assert float(doc.network.layer(1).weights[0, 1]) > old
    assert doc.undo_stack.count() == depth + 1
    zoom = view.zoom
    _wheel(view, pos, 120, Qt.KeyboardModifier.NoModifier)  # a plain wheel zooms
    assert view.zoom > zoom


def test_plus_and_minus_buttons_resize_and_undo(qtbot, view, doc):
    scene = view.network_scene
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=vpos(view, scene.button_pos(2, +1))
    )
    assert doc.network.sizes == [2, 4, 4, 2]
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=vpos(view, view.network_scene.button_pos(0, -1)),
    )
    assert doc.network.sizes == [1, 4, 4, 2]
    assert view.network_scene.a_items[0].column.size == 1
    assert not view.network_scene.button_enabled(0, -1)
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=vpos(view, view.network_scene.button_pos(0, -1)),
    )
    assert doc.network.sizes == [1, 4, 4, 2]  # no layer of zero neurons
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.network.sizes == [2, 4, 3, 2]
    assert [c.size for c in view.network_scene.layout.a] == [2, 4, 3, 2]


def test_keys_zoom_and_fit(qtbot, view):
    fitted = view.zoom
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(fitted * 1.25)
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(fitted / 1.25)
    qtbot.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(fitted)


def test_fit_shows_the_whole_network_above_the_colour_bars(view):
    b = view.network_scene.layout.bounds
    top_left = view.mapFromScene(QPointF(b.left, b.top))
    bottom_right = view.mapFromScene(QPointF(b.right, b.bottom))
    vp = view.viewport().rect()
    assert top_left.x() >= 0 and top_left.y() >= 0
    assert bottom_right.x() <= vp.width()
    assert bottom_right.y() <= vp.height() - LEGEND_HEIGHT + 2


def test_tooltips_give_exact_values(view, doc):
    scene = view.network_scene
    w = float(doc.network.layer(2).weights[1, 3])
    tip = scene.tooltip(view.hit_at(edge_point(view, 2, 1, 3)))
    assert fmt_full(w) in tip and "w²₂,₄" in tip
    box = scene.layout.w_boxes[0]
    assert "z¹ = W¹ x + b¹" in scene.tooltip(view.hit_at(vpos(view, QPointF(box.cx, box.cy))))
    band = scene.layout.f_bands[1]
    assert "tanh" in scene.tooltip(view.hit_at(vpos(view, QPointF(band.cx, band.cy))))
    assert fmt_full(doc.trace.loss) in scene.tooltip(
        scene.hit(QPointF(scene.layout.loss_band.cx, scene.layout.loss_band.cy))
    )


def test_level_of_detail_for_a_wide_network_renders(qtbot):
    doc = Document(make_network([256, 512, 10], "relu"))
    view = NetworkView(doc)
    qtbot.addWidget(view)
    view.resize(1600, 900)
    view.show()
    qtbot.waitExposed(view)
    scene = view.network_scene
    assert scene.a_items[1].column.strip and scene.bundle_items[0].bundle.image
    image = grab(view)
    assert image.width() >= 1600
    # The heatmap of W¹ is drawn: many different colours in the middle of its bundle.
    rect = view.mapFromScene(scene.edge_pos(1, 100, 100))
    cols = {
        image.pixel(rect.x() + dx, rect.y() + dy) for dx in range(-20, 20) for dy in range(-20, 20)
    }
    assert len(cols) > 20
    # An edge in the image still selects and tooltips.
    hit = view.hit_at(rect)
    assert hit is not None and hit.kind == "edge" and hit.layer == 1


def test_overlay_shows_empty_slots_and_gradients(view, doc):
    scene = view.network_scene
    rest = Overlay.resting(3)
    overlay = Overlay(
        a=(ColumnShow("a"), ColumnShow("grad_a", "active"), ColumnShow(None), ColumnShow(None)),
        z=(ColumnShow("delta"), ColumnShow(None), ColumnShow(None)),
        y=ColumnShow("y"),
        weights=(OperatorShow("backward", "active"), *rest.weights[1:]),
        activations=rest.activations,
        loss=OperatorShow(emphasis="dim"),
    )
    scene.set_overlay(overlay)
    assert scene.a_items[2].values is None
    np.testing.assert_array_equal(scene.z_items[0].values, doc.trace.delta[0])
    assert [e.label for e in scene.legend()] == ["weights", "values", "gradients"]
    assert scene.w_items[0].title() == "(W¹)ᵀ"
    assert scene.loss_item.opacity() < 1
    scene.set_overlay(None)
    np.testing.assert_array_equal(scene.a_items[2].values, doc.trace.a[2])
    with pytest.raises(ValueError):
        scene.set_overlay(Overlay.resting(2))


def test_nudged_values_are_rounded_to_the_step():
    step = 1.5 / 200
    q = quantum_for(step)
    assert q == 0.001
    assert nudged(0.4321, 10 * step, q) == 0.507


def test_big_bundles_are_drafted_during_edits_then_antialiased(qtbot):
    doc = Document(make_network([8, 64, 64, 4], "tanh"))
    view = NetworkView(doc)
    qtbot.addWidget(view)
    bundle = view.network_scene.bundle_items[1]
    assert bundle.fine  # the first picture is the fine one
    doc.edit(SetWeight(doc, 2, 63, 0, 0.9))  # a new colour range: the whole bundle redraws
    assert not bundle.fine
    assert view.network_scene.bundle_items[0].fine  # 512 edges: always antialiased
    qtbot.waitUntil(lambda: bundle.fine)  # refined once edits pause
    doc.edit(SetWeight(doc, 2, 63, 0, -0.9))
    view.network_scene.refine_now()
    assert bundle.fine


def _bundle_cache_redrawn_whole(view, bundle) -> QImage:
    """The bundle's cache re-rasterised from scratch in its current (fine or draft) state."""
    patched = QImage(bundle._cache)
    bundle._cache = None
    grab(view)
    return patched, QImage(bundle._cache)


def test_an_edit_of_a_short_edge_redraws_only_around_it_with_the_same_pixels(qtbot):
    doc = Document(make_network([8, 64, 64, 4], "tanh"))
    view = shown_view(qtbot, doc)
    bundle = view.network_scene.bundle_items[1]
    grab(view)
    rebuilds = bundle.rebuilds
    for i, j in [(3, 4), (60, 61), (3, 4)]:
        # The opposite sign (same magnitude, so the colour range stays): a new pen.
        doc.edit(SetWeight(doc, 2, i, j, -float(doc.network.layers[1].weights[i, j])))
        assert bundle.fine  # patched: no draft picture
        assert bundle._dirty  # only the pixels around it wait for the next paint
        image = grab(view)
        assert not bundle._dirty
    assert bundle.rebuilds == rebuilds + 3  # (a regroup of the two pens the edge changes)
    # The bundle, pixel for pixel, is what a freshly built canvas of this network shows...
    fresh = shown_view(qtbot, Document(doc.network))
    grab(fresh)
    assert bundle._cache == fresh.network_scene.bundle_items[1]._cache
    # ... and the window is what it shows after re-rasterising the bundle whole.
    patched, whole = _bundle_cache_redrawn_whole(view, bundle)
    assert patched == whole
    assert grab(view) == image
    # A draft (after an edit that changes the colour range) is patched too, to within a
    # few end pixels (a draft's 1-pixel lines depend on the line drawn before them);
    # refined, it is exact.
    doc.edit(SetWeight(doc, 2, 63, 0, 0.9))
    assert not bundle.fine
    grab(view)
    doc.edit(SetWeight(doc, 2, 3, 4, -float(doc.network.layers[1].weights[3, 4])))
    assert bundle._dirty and not bundle.fine
    grab(view)
    patched, whole = _bundle_cache_redrawn_whole(view, bundle)
    a, b = (np.frombuffer(img.constBits(), np.uint32) for img in (patched, whole))
    assert np.count_nonzero(a != b) <= 8
    view.network_scene.refine_now()
    grab(view)
    fine = QImage(bundle._cache)
    assert fine == _bundle_cache_redrawn_whole(view, bundle)[1]
    assert fine != QImage()  # something was compared


def test_an_edit_in_the_middle_of_a_dense_bundle_is_patched_roughly_then_exactly(qtbot):
    # Half the bundle's lines cross its middle edge: drawn whole, that is half a
    # re-rasterisation. They are drawn into the edge's box only (a few levels off where
    # the box clips them), and once edits pause the same pixels are redrawn exactly.
    doc = Document(make_network([8, 64, 64, 4], "tanh"))
    view = shown_view(qtbot, doc)
    qtbot.waitExposed(view)
    QApplication.processEvents()  # settled: a later resize would re-rasterise whole
    bundle = view.network_scene.bundle_items[1]
    before = grab(view)
    version, key = bundle._version, bundle._cache_key
    edge = (32, 33)
    doc.edit(SetWeight(doc, 2, *edge, -float(doc.network.layers[1].weights[edge])))
    assert bundle.fine and bundle._dirty_rough  # no draft of the whole bundle
    assert grab(view) != before
    assert bundle._version == version  # the cache was patched, not re-rasterised
    assert bundle._rough == [edge] and bundle.draft
    rough = _words(bundle._cache)
    fresh = shown_view(qtbot, Document(doc.network))
    qtbot.waitExposed(fresh)
    QApplication.processEvents()
    grab(fresh)
    assert fresh.network_scene.bundle_items[1]._cache_key[:2] == key[:2]  # the same zoom
    exact = _words(fresh.network_scene.bundle_items[1]._cache)
    # Only pixels of the edge's strip differ, and only by a few levels.
    left, top, near = bundle._strip(edge, *exact.shape[1::-1])
    strip = np.zeros(exact.shape[:2], dtype=bool)
    strip[top : top + near.shape[0], left : left + near.shape[1]] = near
    differ = (rough != exact).any(axis=2)
    assert not (differ & ~strip).any()
    assert np.abs(rough.astype(int) - exact.astype(int)).max() <= 8
    qtbot.waitUntil(lambda: not bundle.draft)  # refined once edits pause
    grab(view)
    assert (bundle._version, bundle._cache_key) == (version, key)  # an exact patch
    np.testing.assert_array_equal(_words(bundle._cache), exact)


def _words(image: QImage) -> np.ndarray:
    """The bytes of a 32-bit image as a (height, width, 4) array (a copy)."""
    bits = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return bits[:, : 4 * image.width()].reshape(image.height(), image.width(), 4).copy()


def test_a_patch_draws_only_the_lines_near_the_edited_one(qtbot):
    doc = Document(make_network([8, 64, 64, 4], "tanh"))
    view = shown_view(qtbot, doc)
    bundle = view.network_scene.bundle_items[1]
    grab(view)
    drawn = count_drawn_lines(bundle)
    doc.edit(SetWeight(doc, 2, 0, 0, -float(doc.network.layers[1].weights[0, 0])))
    grab(view)
    # The top edge a¹₁ → z²₁: the lines out of a¹₁ and into z²₁, and few others.
    assert len(drawn) == 1 and 64 <= drawn[0] < 0.1 * bundle.bundle.count


def test_editing_one_weight_of_a_heatmap_bundle_patches_it_exactly(qtbot):
    doc = Document(make_network([200, 120, 2], "tanh"))
    view = NetworkView(doc)
    qtbot.addWidget(view)
    bundle = view.network_scene.bundle_items[0]
    assert bundle.bundle.image
    vmax = view.network_scene.weight_range
    doc.edit(SetWeight(doc, 1, 7, 150, -0.6 * vmax))
    assert view.network_scene.weight_range == vmax  # same range: the patch path
    full = style.image(doc.network.layer(1).weights, vmax)
    assert bundle._heat == full  # pixel for pixel what a full rebuild draws
    assert bundle._heat.pixel(150, 7) == style.qcolor(-0.6 * vmax, vmax).rgba()


def test_editing_a_thinned_heatmap_recolours_only_the_pixel_it_shows(qtbot):
    # W¹ is 30 × 1100: its heatmap shows 1024 of the 1100 columns.
    doc = Document(make_network([1100, 30, 2], "tanh"))
    view = NetworkView(doc)
    qtbot.addWidget(view)
    bundle = view.network_scene.bundle_items[0]
    heat = bundle._heat
    assert bundle.bundle.image and heat.width() == 1024
    shown = style.thinned_indices(1100, 1024)
    hidden = sorted(set(range(1100)) - set(shown.tolist()))[5]
    vmax = view.network_scene.weight_range
    for column in (int(shown[700]), hidden):
        doc.edit(SetWeight(doc, 1, 4, column, -0.6 * vmax))
        assert view.network_scene.weight_range == vmax  # same range: the patch path
        assert bundle._heat is heat  # recoloured in place, not rebuilt
        full = style.image(doc.network.layer(1).weights, vmax, max_side=1024)
        assert bundle._heat == full  # pixel for pixel what a full rebuild draws
    assert heat.pixel(700, 4) == style.qcolor(-0.6 * vmax, vmax).rgba()


def test_few_changes_finds_what_argwhere_finds_or_says_there_are_too_many():
    rng = np.random.default_rng(1)
    old = rng.normal(size=(40, 70))
    for count in (0, 1, 5, 64, 65, 300):
        new = old.copy()
        cells = rng.choice(old.size, count, replace=False)
        new.ravel()[cells] += 1.0
        found = few_changes(old, new, 64)
        if count > 64:
            assert found is None
        else:
            assert found.tolist() == np.argwhere(old != new).tolist()


def test_hovering_shows_a_tooltip_for_what_is_under_the_cursor(qtbot, view, doc):
    pos = vpos(view, view.network_scene.neuron_pos(1, 2))
    event = QHelpEvent(QHelpEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(view.viewport(), event)
    qtbot.waitUntil(QToolTip.isVisible)
    assert fmt_full(doc.trace.a[1][2]) in QToolTip.text()
    assert "Neuron 3 of 4 in layer 1 (tanh)" in QToolTip.text()
    QToolTip.hideText()


def test_shrinking_away_the_selection_rebuilds_cleanly(view, doc):
    doc.set_selection(Selection("edge", 2, 2, 3))
    doc.edit(ResizeLayer(doc, 2, 2))  # edge (2, 2, 3) is gone: the selection is cleared
    assert doc.selection is None
    assert view.network_scene.selection_item.empty
    assert [c.size for c in view.network_scene.layout.a] == [2, 4, 2, 2]
    doc.set_selection(Selection("neuron", 3, 1))
    doc.edit(ResizeLayer(doc, 3, 1))
    assert [c.size for c in view.network_scene.layout.a] == [2, 4, 2, 1]


def test_arrow_keys_nudge_the_selected_edge_and_escape_goes_back_then_clears(qtbot, view, doc):
    doc.set_selection(Selection("edge", 3, 1, 2))
    old = float(doc.network.layer(3).weights[1, 2])
    depth = doc.undo_stack.count()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Down)
    step = view.network_scene.weight_range / 50
    # Up, Up, Down is one step up, rounded to the step's last digit (0.43, not 0.4300…1).
    new = float(doc.network.layer(3).weights[1, 2])
    assert abs(new - (old + step)) <= quantum_for(step) / 2 + 1e-12
    assert new == round(new, 6)
    assert doc.undo_stack.count() == depth + 1
    qtbot.keyClick(view, Qt.Key.Key_Escape)  # from the weight back to its neuron z³₂
    assert doc.selection == Selection("neuron", 3, 1)
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert doc.selection is None


def test_colour_bar_range_follows_the_weights(qtbot, view, doc):
    with qtbot.waitSignal(view.network_scene.legend_changed):
        doc.edit(SetWeight(doc, 1, 0, 0, 7.0))
    assert view.network_scene.legend()[0] == LegendEntry("weights", 8.0)
    with qtbot.assertNotEmitted(view.network_scene.legend_changed):
        doc.edit(SetWeight(doc, 1, 0, 0, 7.5))  # still within ±8: the colours stay put


def test_zooming_stretches_big_bundles_then_redraws_them_sharp(qtbot):
    doc = Document(make_network([8, 64, 64, 4], "tanh"))
    view = NetworkView(doc)
    qtbot.addWidget(view)
    view.resize(1600, 900)
    view.show()
    qtbot.waitExposed(view)
    bundle = view.network_scene.bundle_items[1]
    view.grab()
    sharp_key = bundle._cache_key
    view.zoom_in()
    view.grab()
    assert bundle._stale and bundle._cache_key == sharp_key  # the old picture, stretched
    qtbot.waitUntil(lambda: not bundle._stale)
    view.grab()
    assert bundle._cache_key is not None and bundle._cache_key[0] == pytest.approx(view.zoom)


def test_pairs_path_is_pyqtgraphs_pairs_path() -> None:
    """The canvas builds its edge paths without pyqtgraph; the path must be the same."""
    import pyqtgraph as pg

    from visualizer.gui.canvas.edges import pairs_path

    rng = np.random.default_rng(0)
    xs, ys = rng.normal(size=400) * 100, rng.normal(size=400) * 100
    ours = pairs_path(xs, ys)
    theirs = pg.functions.arrayToQPath(xs, ys, connect="pairs", finiteCheck=False)
    assert ours.elementCount() == theirs.elementCount() == 400
    for i in range(400):
        a, b = ours.elementAt(i), theirs.elementAt(i)
        assert (a.type, a.x, a.y) == (b.type, b.x, b.y)
    assert ours.elementAt(0).isMoveTo() and ours.elementAt(1).isLineTo()
