"""Playback on the canvas: which values each step shows (pure overlay rules, checked for
every step), the pulses, and the scene driven through `set_playback` like the main window
does on every frame of the player."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6.QtGui import QImage

from visualizer.engine.backprop import run
from visualizer.engine.network import make_network
from visualizer.gui.canvas.layout import compute_layout
from visualizer.gui.canvas.playback import (
    REVEAL_AT,
    frame_plan,
    overlay_for,
    reads_backward,
    travel,
)
from visualizer.gui.canvas.pulses import MAX_DOTS, pulses_for
from visualizer.gui.canvas.state import Overlay
from visualizer.gui.commands import SetWeight
from visualizer.gui.document import Document, Selection
from visualizer.timeline import build, step_count, visible_values

JUST_BEFORE = REVEAL_AT - 1e-9
PROGRESSES = (0.0, 0.3, JUST_BEFORE, REVEAL_AT, 1.0)

# Output layers whose δᴸ is fused with the loss (computed from the logits) and not.
NETWORKS = {
    "softmax + cross entropy": ([2, 4, 3, 2], ["tanh", "sigmoid", "softmax"], "cross_entropy"),
    "tanh + half squared": ([3, 4, 2, 2], ["relu", "tanh", "tanh"], "half_squared_error"),
    "sigmoid + binary CE": ([2, 3, 3, 1], ["tanh", "tanh", "sigmoid"], "binary_cross_entropy"),
}


def _network(name: str):
    sizes, acts, loss = NETWORKS[name]
    return make_network(sizes, acts, loss)


def _timeline(network):
    return build(network, run(network))


@pytest.fixture(params=sorted(NETWORKS))
def three_layers(request):
    network = _network(request.param)
    return network, _timeline(network)


# -- overlay rules (pure) ----------------------------------------------------------------
def _shown(overlay: Overlay, depth: int) -> list[tuple[str, int]]:
    """Every (quantity, layer) the overlay puts on screen, C included."""
    keys = [(show.quantity, layer) for _, layer, show in overlay.columns() if show.quantity]
    keys += [("dW", l) for l in range(1, depth + 1) if overlay.bundle(l).quantity == "dW"]
    if overlay.loss_shown:
        keys.append(("C", depth))
    return keys


def test_every_value_shown_at_any_step_is_computed_by_then(three_layers):
    network, steps = three_layers
    depth = network.depth
    assert depth == 3 and len(steps) == step_count(depth) == 17
    for k in range(len(steps)):
        for progress in PROGRESSES:
            overlay = overlay_for(steps, k, progress, depth)
            # What the step is computing only shows once its pulses have arrived.
            done = visible_values(steps, k if progress >= REVEAL_AT else k - 1)
            for key in _shown(overlay, depth):
                assert done[key], f"step {k} ({steps[k].kind}) at {progress} shows {key}"


def test_every_computed_value_has_its_place_and_the_latest_one_wins(three_layers):
    network, steps = three_layers
    depth = network.depth
    for k in range(len(steps)):
        for progress in (JUST_BEFORE, 1.0):
            overlay = overlay_for(steps, k, progress, depth)
            done = visible_values(steps, k if progress >= REVEAL_AT else k - 1)
            for l, show in enumerate(overlay.a):
                expected = "grad_a" if done.get(("grad_a", l)) else "a" if done[("a", l)] else None
                assert show.quantity == expected
            for l, show in enumerate(overlay.z, start=1):
                expected = "delta" if done[("delta", l)] else "z" if done[("z", l)] else None
                assert show.quantity == expected
            assert overlay.y.quantity == "y"
            assert overlay.loss_shown == done[("C", depth)]


def test_a_step_reveals_exactly_what_it_writes_when_its_pulses_arrive(three_layers):
    network, steps = three_layers
    depth = network.depth
    for k, step in enumerate(steps):
        before = set(_shown(overlay_for(steps, k, JUST_BEFORE, depth), depth))
        after = set(_shown(overlay_for(steps, k, REVEAL_AT, depth), depth))
        on_canvas = {r.key for r in step.writes} - {("db", step.layer)}  # b is in the box
        if step.kind == "transpose":
            # Its bundle carries Wˡ while it multiplies by (Wˡ)ᵀ, ∂C/∂Wˡ before and after.
            before.discard(("dW", step.layer))
        assert on_canvas <= after and not on_canvas & before, step.title


def test_the_resting_view_is_step_minus_one():
    network = _network("tanh + half squared")
    steps = _timeline(network)
    assert overlay_for(steps, -1, 1.0, 3) == Overlay.resting(3)
    first = overlay_for(steps, 0, 0.0, 3)
    assert [s.quantity for s in first.a] == ["a", None, None, None]  # nothing computed yet
    assert [s.quantity for s in first.z] == [None, None, None]
    assert not first.loss_shown


def test_operators_read_backward_from_the_loss_gradient_on(three_layers):
    network, steps = three_layers
    kinds = [s.kind for s in steps]
    turn = kinds.index("loss_grad")
    for k, step in enumerate(steps):
        overlay = overlay_for(steps, k, 0.5, network.depth)
        ops = [*overlay.weights, *overlay.activations, overlay.loss]
        expected = "backward" if k >= turn else "forward"
        assert {op.direction for op in ops} == {expected}, step.title
        assert reads_backward(step) == (k >= turn)


def test_the_current_step_is_active_and_the_rest_dimmed(three_layers):
    network, steps = three_layers
    depth = network.depth
    for k, step in enumerate(steps):
        o = overlay_for(steps, k, 0.5, depth)
        l = step.layer
        active = {f"W{i}" for i, op in enumerate(o.weights, 1) if op.emphasis == "active"}
        active |= {f"edges{i}" for i in range(1, depth + 1) if o.bundle(i).emphasis == "active"}
        active |= {f"f{i}" for i, op in enumerate(o.activations, 1) if op.emphasis == "active"}
        active |= {"C"} if o.loss.emphasis == "active" else set()
        expected = {
            "linear": {f"W{l}", f"edges{l}"},
            "transpose": {f"W{l}", f"edges{l}"},
            "weight_grad": {f"edges{l}"},  # the edges carry ∂C/∂Wˡ; the box is not used
            "activation": {f"f{l}"},
            "activation_grad": {f"f{l}"},
            "loss": {"C"},
            "loss_grad": {"C"},
        }[step.kind]
        assert active == expected, step.title
        # The column the step writes into is highlighted; nothing unrelated stays bright.
        writes = {r.key for r in step.writes}
        for kind, layer, show in o.columns():
            options = {"a": ("a", "grad_a"), "z": ("z", "delta"), "y": ("y",)}[kind]
            if any((name, layer) in writes for name in options):
                assert show.emphasis == "active"
            elif not any((name, layer) in {r.key for r in step.reads} for name in options):
                assert show.emphasis == "dim"
        assert o.phase == step.phase


def test_bundles_carry_the_weight_gradient_once_computed_except_while_transposing():
    network = _network("tanh + half squared")
    steps = _timeline(network)
    for k, step in enumerate(steps):
        o = overlay_for(steps, k, 1.0, 3)
        for l in (1, 2, 3):
            computed = visible_values(steps, k)[("dW", l)]
            transposing = step.kind == "transpose" and step.layer == l
            assert (o.bundle(l).quantity == "dW") == (computed and not transposing)


def test_overlay_for_refuses_another_network_or_a_step_out_of_range():
    steps = _timeline(_network("tanh + half squared"))
    with pytest.raises(ValueError, match="timeline of 2 layers"):
        overlay_for(steps, 0, 1.0, 2)
    with pytest.raises(ValueError, match="out of range"):
        overlay_for(steps, 17, 1.0, 3)
    with pytest.raises(ValueError, match="out of range"):
        overlay_for(steps, -2, 1.0, 3)


def test_pulses_travel_eased_and_stop_when_the_values_appear():
    assert travel(0.0) == 0.0
    ts = [travel(p) for p in np.linspace(0, JUST_BEFORE, 50)]
    assert all(b > a for a, b in itertools.pairwise(ts))
    assert ts[-1] == pytest.approx(1.0)
    assert travel(REVEAL_AT) is None and travel(1.0) is None


def test_frame_plan_rests_then_plays_every_step_to_the_end_then_holds():
    plan = frame_plan(17, fps=20, step_seconds=0.6, rest_seconds=1.0, hold_seconds=2.0)
    assert plan[:20] == [(-1, 1.0)] * 20
    assert plan[-40:] == [(16, 1.0)] * 40
    steps = plan[20:-40]
    assert len(steps) == 17 * 12
    for k in range(17):
        frames = steps[12 * k : 12 * (k + 1)]
        assert {f[0] for f in frames} == {k}
        assert [f[1] for f in frames] == sorted(f[1] for f in frames)
        assert frames[-1][1] == 1.0
    assert frame_plan(3, fps=1, step_seconds=0.1, rest_seconds=0, hold_seconds=0) == [
        (0, 1.0),
        (1, 1.0),
        (2, 1.0),
    ]
    with pytest.raises(ValueError):
        frame_plan(3, fps=0, step_seconds=1)
    with pytest.raises(ValueError):
        frame_plan(0, fps=10, step_seconds=1)


# -- pulses (geometry) ---------------------------------------------------------------------
def _pulse_steps(network, kind: str, layer: int):
    steps = _timeline(network)
    return next(s for s in steps if s.kind == kind and s.layer == layer)


def test_forward_and_transpose_pulses_run_the_same_edges_in_opposite_directions():
    network = _network("tanh + half squared")
    lay = compute_layout(network.sizes)
    weights = [layer.weights for layer in network.layers]
    fwd = pulses_for(lay, _pulse_steps(network, "linear", 2), weights)
    back = pulses_for(lay, _pulse_steps(network, "transpose", 2), weights)
    assert fwd.count == back.count == 4 * 2
    a1, z2 = lay.a[1], lay.z[1]
    # Forward: from the rim of a¹ to the rim of z²; backward: the reverse.
    assert np.all(fwd.start[:, 0] >= a1.right) and np.all(fwd.end[:, 0] <= z2.left)
    np.testing.assert_array_equal(back.start, fwd.end)
    np.testing.assert_array_equal(back.end, fwd.start)
    for t0, t1 in ((0.1, 0.4), (0.4, 0.9)):
        assert np.all(fwd.at(t1)[:, 0] > fwd.at(t0)[:, 0])  # left to right
        assert np.all(back.at(t1)[:, 0] < back.at(t0)[:, 0])  # right to left
    # Each dot stays on its edge: the line from a¹ⱼ to z²ᵢ of the layout.
    b = lay.bundles[1]
    for p in (fwd.at(0.3), back.at(0.6)):
        x, y = p[:, 0], p[:, 1]
        on_some_edge = [
            np.any(
                np.isclose(
                    y[n], b.y_from + (x[n] - b.x0) / (b.x1 - b.x0) * (b.y_to[:, None] - b.y_from)
                )
            )
            for n in range(len(x))
        ]
        assert all(on_some_edge)
    assert fwd.phase == "forward" and back.phase == "backward"


def test_pulse_sizes_follow_what_each_edge_carries():
    network = _network("tanh + half squared")
    lay = compute_layout(network.sizes)
    weights = [layer.weights for layer in network.layers]
    step = _pulse_steps(network, "linear", 1)
    p = pulses_for(lay, step, weights)
    carried = np.abs(weights[0] * step.reads[0].values[None, :]).ravel()
    assert np.argmax(p.size) == np.argmax(carried)
    assert p.size.max() == pytest.approx(1.0) and np.all(p.size >= 0)


def test_big_bundles_pulse_on_a_fixed_subsample_of_edges():
    network = make_network([32, 64, 64, 64, 32], "tanh")
    lay = compute_layout(network.sizes)
    weights = [layer.weights for layer in network.layers]
    steps = _timeline(network)
    linear = next(s for s in steps if s.kind == "linear" and s.layer == 2)
    transpose = next(s for s in steps if s.kind == "transpose" and s.layer == 2)
    a = pulses_for(lay, linear, weights)
    b = pulses_for(lay, linear, weights)
    back = pulses_for(lay, transpose, weights)
    assert a.count == MAX_DOTS
    np.testing.assert_array_equal(a.start, b.start)  # deterministic
    np.testing.assert_array_equal(back.end, a.start)  # the same edges, backward


@pytest.mark.parametrize(
    ("sizes", "acts", "loss"),
    [
        ([30, 40, 25], ["tanh", "softmax"], "cross_entropy"),  # softmax: 625 pairs
        ([600, 500, 400], ["relu", "tanh"], "half_squared_error"),  # strips, heatmaps
    ],
)
def test_big_layers_pulse_on_at_most_a_few_hundred_dots(sizes, acts, loss):
    network = make_network(sizes, acts, loss)
    lay = compute_layout(network.sizes)
    weights = [layer.weights for layer in network.layers]
    for step in _timeline(network):
        p = pulses_for(lay, step, weights)
        assert p is not None and 0 < p.count <= 2 * MAX_DOTS, step.title
        assert np.all(np.isfinite(p.start)) and np.all(np.isfinite(p.end))


def test_every_kind_of_step_has_pulses_where_its_values_flow():
    network = _network("softmax + cross entropy")
    lay = compute_layout(network.sizes)
    weights = [layer.weights for layer in network.layers]
    for step in _timeline(network):
        p = pulses_for(lay, step, weights)
        assert p is not None and p.count > 0, step.title
        dx = p.end[:, 0] - p.start[:, 0]
        if step.kind in ("linear", "activation", "loss"):
            assert np.all(dx > 0) or step.kind == "loss", step.title
        if step.kind in ("transpose", "activation_grad", "loss_grad"):
            assert np.all(dx < 0), step.title
    softmax = _pulse_steps(network, "activation", 3)
    assert pulses_for(lay, softmax, weights).count == 2 * 2  # every zⱼ reaches every aᵢ


# -- the scene -------------------------------------------------------------------------------
@pytest.fixture
def doc():
    return Document(_network("softmax + cross entropy"))


@pytest.fixture
def steps(doc):
    return build(doc.network, doc.trace)


def _index(steps, kind, layer):
    return next(s.index for s in steps if s.kind == kind and s.layer == layer)


def test_values_appear_step_by_step_and_equal_the_trace(view, doc, steps):
    scene = view.network_scene
    trace = doc.trace
    scene.set_playback(steps, 0, 0.2)
    assert scene.z_items[0].values is None and scene.a_items[1].values is None
    np.testing.assert_array_equal(scene.a_items[0].values, trace.a[0])
    assert scene.loss_item.loss is None  # C not computed yet: an empty slot
    scene.set_playback(steps, 0, 1.0)
    np.testing.assert_array_equal(scene.z_items[0].values, trace.z[0])
    assert scene.a_items[1].values is None
    loss = _index(steps, "loss", 3)
    scene.set_playback(steps, loss, 1.0)
    assert scene.loss_item.loss == trace.loss
    scene.set_playback(steps, len(steps) - 1, 1.0)
    for l in range(1, 4):
        np.testing.assert_array_equal(scene.z_items[l - 1].values, trace.delta[l - 1])
        assert scene.z_items[l - 1].header == f"δ{'¹²³'[l - 1]}"
    for l in range(4):
        np.testing.assert_array_equal(scene.a_items[l].values, trace.grad_a[l])
    assert scene.a_items[0].header == "∇ₓC"
    assert [e.label for e in scene.legend()] == ["weights", "values", "gradients", "∂C/∂W"]


def test_weight_gradient_step_puts_dW_on_the_edges_and_transposes_the_box(view, doc, steps):
    scene = view.network_scene
    box = scene.w_items[1]
    forward_heat = QImage(box._heat)
    k = _index(steps, "weight_grad", 2)
    scene.set_playback(steps, k, 0.2)
    bundle = scene.bundle_items[1]
    np.testing.assert_array_equal(bundle.weights, doc.network.layer(2).weights)
    scene.set_playback(steps, k, 1.0)
    dW = doc.trace.dW[1]
    np.testing.assert_array_equal(bundle.weights, dW)
    assert bundle.vmax == scene.weight_gradient_range >= np.max(np.abs(dW))
    assert ("∂C/∂W", scene.weight_gradient_range) in [(e.label, e.vmax) for e in scene.legend()]
    assert "∂C/∂w" in scene.legend_note()
    # The W box reads (W²)ᵀ, its heatmap flipped about the diagonal.
    assert box.title() == "(W²)ᵀ"
    heat = box._heat
    assert (heat.width(), heat.height()) == (forward_heat.height(), forward_heat.width())
    for i in range(heat.width()):
        for j in range(heat.height()):
            assert heat.pixel(i, j) == forward_heat.pixel(j, i)
    # While the transpose step multiplies by (W²)ᵀ its edges carry W² again.
    scene.set_playback(steps, _index(steps, "transpose", 2), 0.5)
    np.testing.assert_array_equal(bundle.weights, doc.network.layer(2).weights)
    assert scene.bundle_items[2].weights is doc.trace.dW[2]


def test_pulses_move_with_progress_on_the_scene(view, doc, steps):
    scene = view.network_scene
    k = _index(steps, "linear", 2)
    scene.set_playback(steps, k, 0.1)
    early = scene.pulse_item.positions()
    scene.set_playback(steps, k, 0.5)
    late = scene.pulse_item.positions()
    assert early.shape == late.shape == (4 * 3, 2)
    assert np.all(late[:, 0] > early[:, 0])
    scene.set_playback(steps, _index(steps, "transpose", 2), 0.5)
    back = scene.pulse_item.positions()
    assert np.all(back[:, 0] < late[:, 0].max())
    scene.set_playback(steps, k, 0.9)  # arrived: the value shows, the dots are gone
    assert scene.pulse_item.positions().shape == (0, 2)


def test_each_pulse_is_painted_in_its_phase_colour_where_it_is(view, doc, steps):
    from PySide6.QtGui import QColor

    from visualizer.gui.style import PHASE_COLORS

    scene = view.network_scene
    for kind, phase in (("linear", "forward"), ("transpose", "backward")):
        scene.set_playback(steps, _index(steps, kind, 2), 0.4)
        image = view.grab().toImage()
        dots = scene.pulse_item.positions()
        assert len(dots) > 0
        accent = QColor(PHASE_COLORS[phase])
        for x, y in dots:
            p = view.mapFromScene(float(x), float(y))
            dpr = image.devicePixelRatio()
            assert image.pixelColor(round(p.x() * dpr), round(p.y() * dpr)) == accent


def test_frames_within_a_step_move_only_the_pulses(view, doc, steps):
    scene = view.network_scene
    k = _index(steps, "transpose", 3)
    scene.set_playback(steps, k, 0.05)
    view.grab()
    overlay = scene.overlay
    bundles = [(b.rebuilds, b._cache_key) for b in scene.bundle_items]
    images = []
    for p in (0.15, 0.3, 0.45, 0.6):
        scene.set_playback(steps, k, p)
        images.append(view.grab().toImage())
        assert scene.overlay is overlay  # not even re-set: nothing but the pulses changed
    assert [(b.rebuilds, b._cache_key) for b in scene.bundle_items] == bundles
    assert len({img.cacheKey() for img in images}) == len(images)
    assert images[0] != images[1]


def test_set_playback_none_returns_to_the_resting_view(view, doc, steps):
    scene = view.network_scene
    rest = view.grab().toImage()
    scene.set_playback(steps, _index(steps, "weight_grad", 1), 1.0)
    assert view.grab().toImage() != rest
    scene.set_playback(None, -1, 1.0)
    assert scene.current_overlay() == Overlay.resting(3)
    for l in range(4):
        np.testing.assert_array_equal(scene.a_items[l].values, doc.trace.a[l])
    np.testing.assert_array_equal(scene.bundle_items[0].weights, doc.network.layer(1).weights)
    assert scene.w_items[0].title() == "W¹ + b¹"
    assert scene.a_items[0].header == "x"
    assert scene.pulse_item.positions().shape == (0, 2)
    assert [e.label for e in scene.legend()] == ["weights", "values"]
    assert view.grab().toImage() == rest
    scene.set_playback(steps, -1, 1.0)  # step −1 is the resting view too
    assert scene.overlay is None


def test_a_timeline_of_another_shape_shows_the_resting_view(view, doc):
    scene = view.network_scene
    other = make_network([2, 5, 2], "tanh")
    scene.set_playback(build(other, run(other)), 3, 0.5)
    assert scene.overlay is None
    assert scene.pulse_item.positions().shape == (0, 2)
    with pytest.raises(ValueError, match="out of range"):
        scene.set_playback(build(other, run(other)), 12, 0.5)


def test_a_selected_edge_is_drawn_with_what_its_bundle_shows(view, doc, steps):
    scene = view.network_scene
    doc.set_selection(Selection("edge", 3, 1, 2))
    scene.set_playback(steps, _index(steps, "weight_grad", 3), 1.0)
    values, vmax = scene.edge_values(3)
    np.testing.assert_array_equal(values, doc.trace.dW[2])
    assert vmax == scene.weight_gradient_range
    assert scene.bundle_items[2].excluded == (1, 2)
    assert not scene.selection_item.empty


def test_an_edit_during_playback_keeps_the_step_and_shows_new_values(view, doc, steps):
    scene = view.network_scene
    k = _index(steps, "activation_grad", 2)
    scene.set_playback(steps, k, 1.0)
    doc.edit(SetWeight(doc, 1, 0, 0, 1.25))
    # The document changed; until the player sends the rebuilt timeline the scene keeps
    # the overlay, with the new trace's values.
    np.testing.assert_array_equal(scene.z_items[1].values, doc.trace.delta[1])
    new_steps = build(doc.network, doc.trace)
    scene.set_playback(new_steps, k, 1.0)
    np.testing.assert_array_equal(scene.z_items[1].values, doc.trace.delta[1])


def test_playback_switching_a_bundle_back_reuses_its_picture_pixel_for_pixel(qtbot):
    from tests.gui.test_canvas import shown_view

    view = shown_view(qtbot, doc := Document(make_network([8, 64, 64, 4], "tanh")))
    scene = view.network_scene
    steps = build(doc.network, doc.trace)

    def show(k: int) -> QImage:
        scene.set_playback(steps, k, 1.0)
        scene.refine_now()
        return view.grab().toImage()

    first = [show(k) for k in range(len(steps))]
    rebuilds = [b.rebuilds for b in scene.bundle_items]
    second = [show(k) for k in range(len(steps))]
    # Wˡ and ∂C/∂Wˡ were each drawn once: the second loop re-rasterises nothing...
    assert [b.rebuilds for b in scene.bundle_items] == rebuilds
    assert any(b.rebuilds > 1 for b in scene.bundle_items)  # there were switches to keep
    # ... and shows the same pixels, which are those of pictures drawn afresh.
    assert second == first
    for b in scene.bundle_items:
        b._cache = None
    assert view.grab().toImage() == first[-1]
