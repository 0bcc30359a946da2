"""The gradient panel draws the document's Trace exactly, links clicks and the selection
with the canvas, and follows the player: no value before the step that computes it."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from visualizer.engine.network import Sample, make_network
from visualizer.formats.network_file import load_network
from visualizer.gui import commands
from visualizer.gui.canvas.playback import REVEAL_AT, overlay_for
from visualizer.gui.document import Document, Selection
from visualizer.gui.panels.gradients import GradientPanel, values_shown
from visualizer.gui.player import Player
from visualizer.paths import EXAMPLES
from visualizer.timeline import build


def default_network():
    return load_network(EXAMPLES / "default.json")  # [2, 4, 3, 2], softmax + CE


@pytest.fixture
def doc():
    return Document(default_network())


def shown_panel(qtbot, doc, player=None, size=(480, 700)):
    panel = GradientPanel(doc, player)
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def settle():
    """Let pending layout happen (a new layer can rearrange the heatmaps), so cell
    positions are where a person would see them."""
    QApplication.processEvents()


def levels(heatmap) -> tuple[float, float]:
    lo, hi = heatmap.image.getLevels()
    return float(lo), float(hi)


def weight_grad_step(steps, l):
    return next(s.index for s in steps if s.kind == "weight_grad" and s.layer == l)


# -- the values are the trace's ------------------------------------------------------------
def test_every_layer_shows_w_dw_z_a_delta_db_of_the_trace_exactly(qtbot, doc):
    panel = shown_panel(qtbot, doc)
    net, trace = doc.network, doc.trace
    for l in range(1, net.depth + 1):
        panel.set_layer(l)
        assert panel.layer == l
        assert np.array_equal(panel.w_map.image.image, net.layer(l).weights)
        assert np.array_equal(panel.dw_map.image.image, trace.dW[l - 1])
        assert panel.dw_map.image.isVisible() and not panel.dw_map.placeholder.isVisible()
        expected = [trace.z[l - 1], trace.a[l], trace.delta[l - 1], trace.db[l - 1]]
        for strip, values in zip(panel.strips, expected, strict=True):
            assert np.array_equal(strip.bars.opts["height"], values)
            assert np.array_equal(strip.bars.opts["x"], np.arange(1, values.size + 1))


def test_input_page_shows_x_and_grad_x(qtbot, doc):
    panel = shown_panel(qtbot, doc)
    panel.set_layer(0)
    trace = doc.trace
    assert not panel.maps.isVisible()
    assert np.array_equal(panel.strips[0].bars.opts["height"], trace.a[0])
    assert np.array_equal(panel.strips[1].bars.opts["height"], trace.grad_a[0])
    assert not panel.strips[2].isVisible() and not panel.strips[3].isVisible()


def test_heatmap_colours_are_symmetric_about_zero_with_a_stated_range(qtbot, doc):
    panel = shown_panel(qtbot, doc)
    panel.set_layer(2)
    lo, hi = levels(panel.dw_map)
    assert lo == -hi and hi >= np.max(np.abs(doc.trace.dW[1]))
    assert panel.dw_bar.high == "+" + panel.dw_bar.low[1:]  # "−v" … "+v"


def test_same_scale_toggle_shares_one_range_between_w_and_dw(qtbot, doc):
    panel = shown_panel(qtbot, doc)
    panel.set_layer(2)
    own_w, own_dw = levels(panel.w_map), levels(panel.dw_map)
    assert own_w != own_dw  # |W| ~ 1, |∂C/∂W| ~ 0.05 on this network
    assert panel.w_bar.isVisible() and not panel.shared_bar.isVisible()
    panel.same_scale.setChecked(True)
    assert levels(panel.w_map) == levels(panel.dw_map)
    assert panel.shared_bar.isVisible() and not panel.w_bar.isVisible()
    assert "W²" in panel.shared_bar.label and "∂C/∂W²" in panel.shared_bar.label


def test_an_edit_updates_the_heatmaps_in_place(qtbot, doc):
    panel = shown_panel(qtbot, doc)
    panel.set_layer(1)
    image_item = panel.w_map.image
    doc.edit(commands.SetWeight(doc, 1, 2, 1, 0.123456789))
    assert panel.w_map.image is image_item
    assert panel.w_map.image.image[2, 1] == 0.123456789
    assert np.array_equal(panel.dw_map.image.image, doc.trace.dW[0])


def test_removing_the_shown_layer_falls_back_to_the_last_layer(qtbot, doc):
    panel = shown_panel(qtbot, doc)
    panel.set_layer(3)
    doc.edit(commands.RemoveLayer(doc, 3))
    assert panel.layer == 2
    assert panel.layer_combo.count() == 3  # input, layer 1, layer 2
    assert np.array_equal(panel.dw_map.image.image, doc.trace.dW[1])


def test_a_big_layer_is_one_image_of_its_full_size(qtbot):
    rng = np.random.default_rng(0)
    net = make_network(
        [784, 256, 10],
        ["relu", "softmax"],
        "cross_entropy",
        sample=Sample(rng.random(784), np.eye(10)[3]),
    )
    doc = Document(net)
    panel = shown_panel(qtbot, doc)
    panel.set_layer(1)
    assert panel.w_map.image.image.shape == (256, 784)
    assert np.array_equal(panel.dw_map.image.image, doc.trace.dW[0])
    panel.set_layer(0)
    assert np.array_equal(panel.strips[1].bars.opts["height"], doc.trace.grad_a[0])


def test_a_tiny_network_shows_one_by_three_and_single_bars(qtbot):
    doc = Document(make_network([2, 3, 1], ["tanh", "sigmoid"], "half_squared_error"))
    panel = shown_panel(qtbot, doc)
    panel.set_layer(2)
    assert panel.w_map.image.image.shape == (1, 3)
    assert np.array_equal(panel.strips[0].bars.opts["height"], doc.trace.z[1])


# -- clicks, hover and the selection -------------------------------------------------------
def test_clicking_a_cell_selects_that_weight(qtbot, doc):
    panel = shown_panel(qtbot, doc)
    panel.set_layer(2)  # W² is 3 × 4
    settle()
    for heatmap in (panel.w_map, panel.dw_map):
        for i, j in [(0, 0), (2, 1), (1, 3)]:
            qtbot.mouseClick(
                heatmap.viewport(), Qt.MouseButton.LeftButton, pos=heatmap.cell_center(i, j)
            )
            assert doc.selection == Selection("edge", 2, i, j)


def test_clicking_a_bar_selects_that_neuron(qtbot, doc):
    panel = shown_panel(qtbot, doc)
    panel.set_layer(1)
    settle()
    strip = panel.strips[1]
    qtbot.mouseClick(strip.viewport(), Qt.MouseButton.LeftButton, pos=strip.bar_center(3))
    assert doc.selection == Selection("neuron", 1, 3)


def test_selecting_an_edge_switches_layer_and_outlines_its_cell(qtbot, doc):
    panel = shown_panel(qtbot, doc)
    panel.set_layer(1)
    doc.set_selection(Selection("edge", 3, 1, 2))
    assert panel.layer == 3
    assert panel.w_map.outlined == (1, 2)
    assert panel.dw_map.outlined == (1, 2)
    assert "w³₂,₃" in panel.readout.text()
    doc.set_selection(None)
    assert panel.w_map.outlined is None


def test_selecting_a_neuron_marks_its_bars(qtbot, doc):
    panel = shown_panel(qtbot, doc)
    doc.set_selection(Selection("neuron", 2, 2))
    assert panel.layer == 2
    assert [strip.marked for strip in panel.strips] == [2, 2, 2, 2]
    assert panel.w_map.outlined is None


def test_hovering_a_cell_shows_its_exact_values(qtbot, doc):
    panel = shown_panel(qtbot, doc)
    panel.set_layer(2)
    settle()
    qtbot.mouseMove(panel.w_map.viewport(), panel.w_map.cell_center(1, 3))
    text = panel.readout.text()
    w = doc.network.layer(2).weights[1, 3]
    dw = doc.trace.dW[1][1, 3]
    assert "w²₂,₄" in text and "W²[1, 3]" in text
    assert repr(float(w)).replace("-", "\u2212") in text
    assert repr(float(dw)).replace("-", "\u2212") in text


def test_hovering_a_bar_shows_its_exact_value(qtbot, doc):
    panel = shown_panel(qtbot, doc)
    panel.set_layer(1)
    settle()
    strip = panel.strips[2]  # δ¹
    qtbot.mouseMove(strip.viewport(), strip.bar_center(0))
    value = doc.trace.delta[0][0]
    assert "δ¹₁" in panel.readout.text()
    assert repr(float(value)).replace("-", "\u2212") in panel.readout.text()


# -- playback ------------------------------------------------------------------------------
@pytest.fixture
def playing(qtbot, doc):
    player = Player(build(doc.network, doc.trace))
    panel = shown_panel(qtbot, doc, player)
    yield panel, player
    player.pause()  # no clock left running


def test_before_its_weight_grad_step_dw_is_a_placeholder_then_the_values(playing, doc):
    panel, player = playing
    steps = player.steps
    for l in range(1, doc.network.depth + 1):
        panel.set_layer(l)
        k = weight_grad_step(steps, l)
        player.seek(k - 1)
        assert not panel.dw_map.image.isVisible()
        assert panel.dw_map.placeholder.isVisible()
        assert panel.dw_map.values is None
        assert not panel.strips[3].bars.isVisible()  # ∂C/∂bˡ comes with ∂C/∂Wˡ
        assert panel.strips[2].bars.isVisible()  # δˡ was computed just before
        assert np.array_equal(panel.w_map.image.image, doc.network.layer(l).weights)
        player.seek(k)
        assert panel.dw_map.image.isVisible() and not panel.dw_map.placeholder.isVisible()
        assert np.array_equal(panel.dw_map.image.image, doc.trace.dW[l - 1])
        assert np.array_equal(panel.strips[3].bars.opts["height"], doc.trace.db[l - 1])


def test_a_step_reveals_its_values_at_the_canvas_reveal_point(playing, doc):
    panel, player = playing
    panel.set_layer(3)
    k = weight_grad_step(player.steps, 3)
    player.seek(k - 1)
    player.play()
    ms = player.step_duration * 1000
    player.animation.setCurrentTime(round(ms * (REVEAL_AT - 0.1)))
    assert (player.state.step, player.state.playing) == (k, True)
    assert not panel.is_shown("dW", 3) and panel.dw_map.values is None
    player.animation.setCurrentTime(round(ms * (REVEAL_AT + 0.1)))
    assert player.state.step == k
    assert panel.is_shown("dW", 3)
    assert np.array_equal(panel.dw_map.values, doc.trace.dW[2])


def test_paused_at_the_start_shows_everything_playing_from_it_shows_only_inputs(playing, doc):
    panel, player = playing
    panel.set_layer(1)
    player.first()
    assert panel.dw_map.image.isVisible()
    assert all(strip.bars.isVisible() for strip in panel.strips)
    player.play()
    assert player.state.step == -1 and player.state.playing
    assert panel.dw_map.values is None
    assert not any(strip.bars.isVisible() for strip in panel.strips)  # z, a, δ, ∂C/∂b
    assert panel.w_map.values is not None  # W is an input: always there


def test_hover_during_playback_says_not_computed_yet(playing, doc):
    panel, player = playing
    panel.set_layer(1)
    player.seek(weight_grad_step(player.steps, 1) - 1)
    assert "not computed yet" in panel.describe_cell(0, 0)
    assert "not computed yet" in panel.describe_bar(3, 0)


def test_input_gradient_appears_with_the_last_step(playing, doc):
    panel, player = playing
    panel.set_layer(0)
    player.seek(len(player.steps) - 2)
    assert panel.strips[1].values is None
    player.seek(len(player.steps) - 1)
    assert np.array_equal(panel.strips[1].values, doc.trace.grad_a[0])


def test_values_shown_rule():
    net = default_network()
    doc = Document(net)
    steps = build(net, doc.trace)
    depth = net.depth
    assert values_shown(steps, -1, 1.0, False, depth) is None
    assert values_shown(steps, 3, 1.0, False, depth + 1) is None  # not this network's
    at_start = values_shown(steps, -1, 1.0, True, depth)
    assert at_start[("W", 1)] and not at_start[("z", 1)]
    first = values_shown(steps, 0, REVEAL_AT - 1e-9, False, depth)
    assert not first[("z", 1)]
    assert values_shown(steps, 0, REVEAL_AT, False, depth)[("z", 1)]


@pytest.mark.parametrize("progress", [0.0, REVEAL_AT - 1e-9, REVEAL_AT, 1.0])
def test_the_panel_reveals_values_exactly_when_the_canvas_does(progress):
    """Cross-check with the canvas's own rule (overlay_for): at every step, the canvas
    shows zˡ, δˡ, aˡ, ∇ₓC, ∂C/∂Wˡ and C exactly when the panel may show them."""
    net = default_network()
    steps = build(net, Document(net).trace)
    depth = net.depth
    for k in range(len(steps)):
        overlay = overlay_for(steps, k, progress, depth)
        shown = values_shown(steps, k, progress, True, depth)
        for l in range(1, depth + 1):
            column = overlay.z[l - 1].quantity
            assert (column == "delta") == shown[("delta", l)]
            assert (column is not None) == shown[("z", l)]
            assert (overlay.a[l].quantity is not None) == shown[("a", l)]
            # The canvas shows Wˡ on the edges while it multiplies by (Wˡ)ᵀ, ∂C/∂Wˡ else.
            if not (steps[k].kind == "transpose" and steps[k].layer == l):
                assert (overlay.bundles[l - 1].quantity == "dW") == shown[("dW", l)]
        assert (overlay.a[0].quantity == "grad_a") == shown[("grad_a", 0)]
        assert overlay.loss_shown == shown[("C", depth)]
