"""Forward mode in the app: the carried matrices under the columns, the counters, the
Playback → Mode menu and the equation panel."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from visualizer.engine.network import make_network
from visualizer.formats.network_file import load_network
from visualizer.gui.canvas.playback import overlay_for
from visualizer.gui.document import Document
from visualizer.gui.main_window import MainWindow
from visualizer.paths import DEFAULT_NETWORK
from visualizer.timeline import build


@pytest.fixture
def doc():
    return Document(make_network([2, 4, 3, 2], ["tanh", "sigmoid", "softmax"], "cross_entropy"))


def _shown(scene) -> dict:
    return {key: item.values for key, item in scene.carried_items.items() if item.isVisible()}


def test_forward_mode_shows_each_carried_matrix_from_its_step_on(view, doc):
    scene = view.network_scene
    steps = build(doc.network, doc.trace, "forward")
    for k, step in enumerate(steps):
        scene.set_playback(steps, k, 1.0)
        shown = _shown(scene)
        written = {r.key: r.values for s in steps[: k + 1] for r in s.writes}
        expected = {key: v for key, v in written.items() if key in scene.carried_items}
        assert shown.keys() == expected.keys(), step.kind
        for key, values in expected.items():
            np.testing.assert_array_equal(shown[key], np.atleast_2d(values))
    assert ("dC_dx", 0) in _shown(scene)


def test_a_step_shows_what_it_carries_only_once_its_pulses_arrive(view, doc):
    scene = view.network_scene
    steps = build(doc.network, doc.trace, "forward")
    k = next(s.index for s in steps if s.kind == "activation" and s.layer == 2)
    scene.set_playback(steps, k, 0.1)
    assert ("da_dx", 2) not in _shown(scene)
    scene.set_playback(steps, k, 1.0)
    assert ("da_dx", 2) in _shown(scene)
    assert scene.carried_items[("da_dx", 2)].emphasis == "active"


def test_reverse_mode_shows_no_carried_matrices_and_no_counter(view, doc):
    scene = view.network_scene
    steps = build(doc.network, doc.trace)
    scene.set_playback(steps, len(steps) - 1, 1.0)
    assert _shown(scene) == {}
    assert not scene.counter_item.isVisible()


def test_forward_mode_makes_room_under_the_network_and_gives_it_back(view, doc):
    scene = view.network_scene
    rest = scene.sceneRect().height()
    scene.set_playback(build(doc.network, doc.trace, "forward"), 3, 1.0)
    assert scene.sceneRect().height() > rest
    scene.set_playback(build(doc.network, doc.trace), 3, 1.0)
    assert scene.sceneRect().height() == rest


def test_both_ends_with_both_counters_and_their_ratio(view, doc):
    scene = view.network_scene
    steps = build(doc.network, doc.trace, "both")
    scene.set_playback(steps, len(steps) - 1, 1.0)
    text = scene.counter_item.text
    assert "forward mode (carries nˡ×n⁰ matrices): 62" in text
    assert "reverse mode (carries vectors): 37" in text
    assert f"{62 / 37:.2f}×" in text
    scene.set_playback(steps, 5, 1.0)
    assert "forward / reverse" not in scene.counter_item.text


def test_the_forward_modes_operators_never_flip_to_transposes(doc):
    steps = build(doc.network, doc.trace, "forward")
    for k in range(len(steps)):
        overlay = overlay_for(steps, k, 1.0, doc.network.depth)
        assert {op.direction for op in overlay.weights} == {"forward"}


# -- the main window ---------------------------------------------------------------------
def test_playback_mode_menu_switches_the_timeline_and_is_remembered(window, tmp_path):
    assert len(window.player.steps) == 17
    window.mode_actions["forward"].trigger()
    assert window.mode == "forward" and len(window.player.steps) == 10
    assert window.player.state.step == -1
    window.mode_actions["both"].trigger()
    assert len(window.player.steps) == 19
    fresh = MainWindow(
        Document(load_network(DEFAULT_NETWORK)), window.settings, tmp_path / "recovery2"
    )
    try:
        assert fresh.mode == "both" and fresh.mode_actions["both"].isChecked()
        assert len(fresh.player.steps) == 19
    finally:
        fresh.close()  # stops its autosave timer (deleteLater alone waits for the event loop)
        fresh.deleteLater()


def test_equation_panel_shows_the_forward_step_and_the_counters(window):
    window.set_mode("both")
    window.player.last()
    panel = window.equation
    assert "dC/dx = ∂C/∂a³ · ∂a³/∂x" in panel.step.equation_text
    assert "largest difference" in panel.step.numbers_text
    text = panel.counters_label.text()
    assert "forward mode: <b>62</b>" in text and "reverse mode: <b>37</b>" in text
    assert not panel.counters_label.isHidden()
    window.set_mode("reverse")
    assert panel.counters_label.isHidden()


def test_editing_a_weight_in_forward_mode_keeps_the_mode(window):
    window.set_mode("forward")
    window.player.seek(4)
    net = window.doc.network
    w = net.layer(1).weights.copy()
    w[0, 0] += 0.5
    from visualizer.gui.commands import SetWeight

    window.doc.undo_stack.push(SetWeight(window.doc, 1, 0, 0, float(w[0, 0])))
    steps = window.player.steps
    assert len(steps) == 10 and steps[0].mode == "forward"
    np.testing.assert_array_equal(steps[1].written("dz_dx", 1).values, w)


def test_hovering_a_carried_cell_gives_its_value_in_full_precision(view, doc):
    from visualizer.notation import fmt_full

    scene = view.network_scene
    steps = build(doc.network, doc.trace, "forward")
    scene.set_playback(steps, len(steps) - 1, 1.0)
    item = scene.carried_items[("da_dx", 2)]
    r = item.slot.rect
    rows, cols = item.values.shape
    x, y = r.x + (1.5 / cols) * r.w, r.y + (0.5 / rows) * r.h  # row 1, column 2
    text = scene.carried_tooltip(x, y)
    assert text.startswith(f"∂a²₁/∂x₂ = {fmt_full(item.values[0, 1])}")
    assert scene.carried_tooltip(r.x - 50, r.y - 50) == ""
    scene.set_playback(steps, 0, 1.0)  # not computed yet: nothing to say
    assert scene.carried_tooltip(x, y) == ""


@pytest.mark.parametrize(
    "sizes", [[2, 4, 3, 2], [32, 64, 64, 64, 32], [3, 1], [8, 30, 2], [1, 600, 1]]
)
def test_carried_matrices_never_overlap_and_sit_under_the_network(sizes):
    from visualizer.gui.canvas.layout import carried_slots, compute_layout

    lay = compute_layout(sizes)
    rects = sorted((slot.rect for slot in carried_slots(lay).values()), key=lambda r: r.x)
    for left, right in itertools.pairwise(rects):
        assert left.right <= right.left
    assert min(r.top for r in rects) > lay.bounds.bottom - 40
    assert all(r.w > 0 and r.h >= 1 for r in rects)
