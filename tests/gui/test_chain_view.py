"""The chain view shows engine.chain's numbers (both forms, the results, the costs), keeps
them current after edits, follows the player's backward steps, and never multiplies out the
chain of a network that is too big for it."""

from __future__ import annotations

import html
import itertools

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from visualizer.engine import backprop
from visualizer.engine.chain import axis_value, chain_forms, cost_curve, network_costs
from visualizer.engine.network import make_network
from visualizer.formats.network_file import load_network
from visualizer.gui import commands
from visualizer.gui.document import Document
from visualizer.gui.panels import chain_view
from visualizer.gui.panels.chain_view import ChainView, focus_for
from visualizer.gui.player import Player
from visualizer.gui.style import PHASE_COLORS
from visualizer.notation import fmt_full, fmt_short
from visualizer.paths import EXAMPLES
from visualizer.timeline import build


@pytest.fixture
def doc():
    return Document(load_network(EXAMPLES / "default.json"))


@pytest.fixture
def view(qtbot, doc):
    player = Player(build(doc.network, doc.trace))
    v = ChainView(doc, player)
    qtbot.addWidget(v)
    v.resize(640, 800)
    v.show()
    qtbot.waitExposed(v)
    return v


def _finite_difference_dx(network, h=1e-6):
    x = network.current_sample().x
    grad = np.empty_like(x)
    for i in range(len(x)):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        y = network.current_sample().y
        grad[i] = (backprop.run(network, up, y).loss - backprop.run(network, down, y).loss) / (
            2 * h
        )
    return grad


def test_strips_show_every_factor_and_running_vector_of_both_forms(view, doc):
    result = chain_forms(doc.network)
    depth = doc.network.depth
    row_items = view.derivative_strip.items
    col_items = view.gradient_strip.items
    assert len(row_items) == len(col_items) == 2 * depth + 1
    # Derivative form, left to right: ∂C/∂aᴸ, then J_fᴸ, Wᴸ, …, W¹ with the row after each.
    assert row_items[0].matrix is None
    assert np.array_equal(row_items[0].vector, result.factors[0].matrix)
    for item, factor, step in zip(
        row_items[1:], result.factors[1:], result.steps_derivative_row, strict=True
    ):
        assert item.name == factor.name
        assert np.array_equal(item.matrix, factor.matrix)
        assert np.array_equal(item.vector, step.value)
        assert item.vector.shape == (1, factor.matrix.shape[1])  # a row
    # Gradient form: the same matrices transposed, in reverse order, columns below.
    assert [i.name for i in col_items[:-1]] == [f.name for f in result.gradient_factors[:-1]]
    for item, row_item in zip(col_items[:-1], reversed(row_items[1:]), strict=True):
        assert np.array_equal(item.matrix, row_item.matrix.T)
        assert item.vector.shape[1] == 1  # a column
    # ∇ₓC (under (W¹)ᵀ, leftmost) has the entries of ∂C/∂x (under W¹, rightmost).
    np.testing.assert_allclose(
        col_items[0].vector.ravel(), row_items[-1].vector.ravel(), atol=1e-15
    )
    # Small matrices show their numbers to the display's digits with a true minus sign.
    w = next(i for i in row_items if i.name == "W1")
    assert view.derivative_strip.cell_text(w.matrix[1, 1]) == fmt_short(w.matrix[1, 1], 4)
    assert view.derivative_strip.cell_text(-0.012345) == "\u22120.01235"


def test_results_table_shows_the_three_results_in_full_precision(view, doc):
    result = chain_forms(doc.network)
    text = view.results_label.text()
    for values in (result.derivative_row, result.gradient, result.backprop_dx):
        for v in values:
            assert fmt_full(v) in text
    # And they are right: central finite differences of the loss in x.
    fd = _finite_difference_dx(doc.network)
    np.testing.assert_allclose(view.result.gradient, fd, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(view.result.derivative_row, fd, rtol=1e-6, atol=1e-9)
    assert result.max_difference < 1e-15
    note = view.results_note.text()
    assert ("bit for bit" in note) or (fmt_full(result.max_difference) in note)


def test_multiplication_counts_are_the_engines(view, doc):
    costs = network_costs(doc.network)
    assert view.costs == costs
    result = view.result
    assert result.mults_derivative_row == result.mults_gradient == costs.loss_end
    assert result.mults_derivative_full == costs.input_end
    text = view.costs_label.text()
    assert f"{costs.loss_end:,}" in text and f"{costs.input_end:,}" in text
    assert html.escape(costs.loss_end_terms()) in text
    assert f"{costs.ratio:,.2f}×" in text
    assert f"{costs.loss_end_dense:,}" in text  # the dense count, as the alternative
    # The plot's marker points are the current network's costs.
    _xs, ys = view.here.getOriginalDataset()  # getData() is in log10 units
    assert sorted(ys.tolist()) == sorted([float(costs.loss_end), float(costs.input_end)])


@pytest.mark.parametrize("axis", ["input", "hidden", "depth", "output"])
def test_this_network_lies_on_the_plotted_curves_for_every_axis(view, doc, axis):
    view.vary_combo.setCurrentIndex(view.vary_combo.findData(axis))
    costs = network_costs(doc.network)
    here = axis_value(doc.network.sizes, axis)
    xs, ys = view.curve_vector.getOriginalDataset()
    k = list(xs).index(here)
    assert ys[k] == costs.loss_end
    xs, ys = view.curve_matrix.getOriginalDataset()
    assert ys[list(xs).index(here)] == costs.input_end
    assert view.curve_jacobian_loss.isVisible() == (axis == "output")
    xs, _ = view.here.getOriginalDataset()
    assert xs.tolist() == [here, here]


def test_the_ratio_grows_with_the_input_width(view):
    xs = [1, 4, 16, 64]
    curve = cost_curve([3, 5, 5, 2], [False, False, True], "input", xs)
    ratios = [c.ratio for c in curve]
    assert all(b > a for a, b in itertools.pairwise(ratios))


def test_an_edit_updates_factors_and_results(view, doc):
    before = view.results_label.text()
    doc.edit(commands.SetWeight(doc, 1, 0, 1, 2.5))
    w1 = next(i for i in view.derivative_strip.items if i.name == "W1")
    assert w1.matrix[0, 1] == 2.5
    w1t = next(i for i in view.gradient_strip.items if i.name == "W1T")
    assert w1t.matrix[1, 0] == 2.5
    fresh = chain_forms(doc.network)
    assert np.array_equal(view.result.gradient, fresh.gradient)
    assert view.results_label.text() != before
    assert fmt_full(fresh.gradient[0]) in view.results_label.text()
    doc.undo_stack.undo()
    assert next(i for i in view.derivative_strip.items if i.name == "W1").matrix[0, 1] != 2.5


def test_a_hidden_view_recomputes_only_when_shown(qtbot, doc, monkeypatch):
    v = ChainView(doc)
    qtbot.addWidget(v)
    calls = []
    real = chain_view.chain_forms
    monkeypatch.setattr(chain_view, "chain_forms", lambda net: calls.append(1) or real(net))
    doc.edit(commands.SetWeight(doc, 2, 0, 0, -1.25))
    assert calls == []  # not visible: nothing computed yet
    v.show()
    qtbot.waitExposed(v)
    assert calls == [1]
    assert next(i for i in v.derivative_strip.items if i.name == "W2").matrix[0, 0] == -1.25


def test_highlight_follows_the_players_backward_steps(view, doc):
    player = view.player
    depth = doc.network.depth
    steps = player.steps
    for step in steps:
        player.seek(step.index)
        d, g = view.highlighted
        l = step.layer
        if step.kind == "loss_grad":
            assert (d, g) == (f"dC_da{depth}", f"grad_a{depth}")
        elif step.kind == "activation_grad":
            assert (d, g) == (f"J_f{l}", f"J_f{l}T")
        elif step.kind == "transpose":
            assert (d, g) == (f"W{l}", f"W{l}T")
        else:
            assert (d, g) == ("", "")
        strip = view.gradient_strip
        if step.phase == "forward":
            assert not any(strip.is_computed(i) for i in strip.items)
        if step.kind in ("activation_grad", "transpose"):
            # The running column under the highlighted factor is the vector this step
            # writes — δˡ or ∇_{aˡ⁻¹}C — and is drawn; the next one is not yet.
            item = next(i for i in strip.items if i.name == g)
            written = step.writes[0].values
            assert strip.is_computed(item)
            np.testing.assert_allclose(item.vector.ravel(), written, rtol=1e-12, atol=1e-15)
            later = [i for i in strip.items if i.order == item.order + 1]
            assert all(not strip.is_computed(i) for i in later)
            assert strip._accent.name() == PHASE_COLORS["backward"]
    player.first()  # before the first step: everything shown, nothing highlighted
    assert view.highlighted == ("", "")
    assert all(view.gradient_strip.is_computed(i) for i in view.gradient_strip.items)


def test_focus_of_each_step_kind():
    class S:
        def __init__(self, kind, phase, layer):
            self.kind, self.phase, self.layer = kind, phase, layer

    assert focus_for(None, 3).computed is None
    assert focus_for(S("linear", "forward", 1), 3).computed == 0
    assert focus_for(S("loss_grad", "loss", 3), 3).derivative == "dC_da3"
    assert focus_for(S("loss_grad", "loss", 3), 3).accent == PHASE_COLORS["loss"]
    act = focus_for(S("activation_grad", "backward", 3), 3)
    assert (act.derivative, act.gradient, act.computed) == ("J_f3", "J_f3T", 2)
    tr = focus_for(S("transpose", "backward", 1), 3)
    assert (tr.derivative, tr.gradient, tr.computed) == ("W1", "W1T", 7)  # all 2L + 1
    wg = focus_for(S("weight_grad", "backward", 2), 3)
    assert (wg.derivative, wg.computed) == ("", 4)


def test_tooltips_give_full_precision_entries(view):
    strip = view.derivative_strip
    placed = next(p for p in strip._placed if p.item.name == "W2")
    rect, values = placed.matrix, placed.item.matrix
    rows, cols = values.shape
    for i, j in ((0, 0), (rows - 1, cols - 1), (1, 2)):
        centre = QPointF(
            rect.left() + (j + 0.5) * rect.width() / cols,
            rect.top() + (i + 0.5) * rect.height() / rows,
        )
        _name, ri, rj, value = strip.value_at(centre)
        assert (ri, rj) == (i, j) and value == values[i, j]
    assert strip.value_at(QPointF(-5, -5)) is None


def test_big_network_shows_costs_and_a_note_without_calling_chain_forms(qtbot, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("chain_forms must not run for a big network")

    monkeypatch.setattr(chain_view, "chain_forms", refuse)
    network = make_network([784, 256, 10], "relu")
    doc = Document(network)
    v = ChainView(doc)
    qtbot.addWidget(v)
    v.resize(600, 800)
    v.show()
    qtbot.waitExposed(v)
    costs = network_costs(network)
    assert costs.input_end_dense > chain_view.MAX_MATRIX_FIRST_MULTS
    assert v.too_big and v.result is None
    assert v.big_note.isVisible() and f"{costs.input_end:,}" in v.big_note.text()
    assert not v.derivative_strip.isVisible() and not v.gradient_strip.isVisible()
    assert f"{costs.loss_end:,}" in v.costs_label.text()
    assert fmt_full(doc.trace.dx[0]) in v.results_label.text()  # backprop's ∇ₓC still


def test_wide_layers_hit_the_jacobian_limit_too(qtbot, monkeypatch):
    monkeypatch.setattr(chain_view, "chain_forms", lambda *_a: pytest.fail("called"))
    network = make_network([2, 4096, 2], "tanh")  # matrix first is small; J_f¹ is not
    v = ChainView(Document(network))
    qtbot.addWidget(v)
    assert v.too_big and "MB" in v.big_note.text()


def test_single_layer_network_plots_against_the_input_size(qtbot):
    v = ChainView(Document(make_network([3, 2], "sigmoid")))
    qtbot.addWidget(v)
    assert v.vary_combo.currentData() == "input"
    xs, _ = v.curve_vector.getOriginalDataset()
    assert len(xs) > 10


def test_layout_wraps_between_layers_and_fits_the_width(view):
    for strip in (view.derivative_strip, view.gradient_strip):
        for width in (420, 640, 2400):
            placed, height = strip._place(float(width))
            assert height > 0 and len(placed) == len(strip.items)
            lines: dict[int, list] = {}
            for p in placed:
                lines.setdefault(p.line, []).append(p)
                assert p.column.right() <= width + 6  # the highlight margin may touch it
            if width >= 640:  # every layer fits a line: no layer is split between lines
                groups = [p.item.group for line in lines.values() for p in line]
                line_of = {}
                for p in placed:
                    assert line_of.setdefault(p.item.group, p.line) == p.line
                assert len(set(groups)) == view.document.network.depth
        # Both forms list the loss end first: layer L is on the first line of each.
        first = [p for p in strip._place(640.0)[0] if p.line == 0]
        assert view.document.network.depth in {p.item.group for p in first}
    _, narrow = view.derivative_strip._place(420.0)
    _, wide = view.derivative_strip._place(2400.0)
    assert narrow > wide


def test_renders_both_example_networks_at_dock_and_large_sizes(qtbot):
    for name in ("default", "xor"):
        v = ChainView(Document(load_network(EXAMPLES / f"{name}.json")))
        qtbot.addWidget(v)
        for size in ((600, 800), (1200, 800)):
            v.resize(*size)
            v.show()
            image = v.grab().toImage()
            assert (image.width(), image.height()) == size
            colours = {image.pixel(x, y) for x in range(0, size[0], 9) for y in range(0, 600, 9)}
            assert len(colours) > 40  # heat-mapped cells, text: not a blank panel


def test_results_wrap_into_blocks_on_a_narrow_panel_and_keep_every_number(qtbot):
    network = make_network([8, 3, 2], "tanh")
    v = ChainView(Document(network))
    qtbot.addWidget(v)
    v.resize(1400, 800)
    v.show()
    qtbot.waitExposed(v)
    wide_blocks = v._results_block
    v.resize(500, 800)
    qtbot.waitUntil(lambda: v._results_block < wide_blocks)
    text = v.results_label.text()
    for values in (v.result.derivative_row, v.result.gradient, v.result.backprop_dx):
        assert all(fmt_full(x) in text for x in values)
    # Nothing needs scrolling sideways once the layout has settled.
    qtbot.waitUntil(lambda: v.scroll.widget().width() <= v.scroll.viewport().width())
