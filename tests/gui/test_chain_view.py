"""The chain view shows engine.chain's numbers (both forms, the results, the costs), keeps
them current after edits, follows the player's backward steps, and never multiplies out the
chain of a network that is too big for it."""

from __future__ import annotations

import html
import itertools

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from visualizer import notation
from visualizer.engine import backprop
from visualizer.engine.chain import axis_value, chain_forms, cost_curve, network_costs
from visualizer.engine.network import make_network
from visualizer.formats.network_file import load_network
from visualizer.gui import commands
from visualizer.gui.document import Document
from visualizer.gui.panels import chain_view
from visualizer.gui.panels.chain_table import Link
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


def cell_centre(rect, shape, i, j) -> QPointF:
    rows, cols = shape
    return QPointF(
        rect.left() + (j + 0.5) * rect.width() / cols, rect.top() + (i + 0.5) * rect.height() / rows
    )


def line_named(view, name):
    return next(line for line in view.table.lines if line.name == name)


def test_each_factor_sits_beside_its_transpose_and_each_row_beside_its_column(view, doc):
    result = chain_forms(doc.network)
    lines = view.table.lines
    depth = doc.network.depth
    count = 2 * depth + 1
    assert [line.name for line in lines] == ["dC_da3", "J_f3", "W3", "J_f2", "W2", "J_f1", "W1"]
    assert [line.order for line in lines] == list(range(count))
    for line in lines:
        # The first factor of one written form is the last of the other.
        assert sum(line.positions) == count + 1
        # The running row and the running column beside it hold the same numbers.
        assert line.row_result.values.shape[0] == 1 and line.col_result.values.shape[1] == 1
        np.testing.assert_array_equal(
            line.row_result.values.ravel(), line.col_result.values.ravel()
        )
        if line.row_factor is not None and not line.row_factor.hadamard:
            np.testing.assert_array_equal(line.row_factor.values.T, line.col_factor.values)
    # Line k is backprop's k-th multiplication: the running columns are δ³, ∇_{a²}C, δ², …
    for line, step in zip(lines[1:], result.steps_gradient, strict=True):
        np.testing.assert_array_equal(line.col_result.values, step.value)
    # Labels name what the canvas shows at the same step: δˡ and ∇_{aˡ}C.
    assert lines[1].col_result.symbol == "δ<sup>3</sup>"
    assert lines[2].col_result.symbol == "∇<sub>a<sup>2</sup></sub>C"
    assert lines[-1].col_result.symbol == "∇<sub>x</sub>C"
    assert "(δ<sup>3</sup>)<sup>T</sup>" in lines[1].row_result.symbol
    # Elementwise f′ in the seed's notation: a vector of derivatives applied with ⊙;
    # softmax keeps its full (symmetric) Jacobian.
    f2 = line_named(view, "J_f2")
    assert f2.row_factor.hadamard and f2.row_factor.values.shape == (1, 3)
    assert f2.col_factor.values.shape == (3, 1) and f2.row_factor.symbol.endswith("⊙")
    f3 = line_named(view, "J_f3")
    assert not f3.row_factor.hadamard and f3.row_factor.values.shape == (2, 2)
    # Numbers to the display's significant digits, true minus sign.
    assert view.table.cell_text(-0.012345) == "\u22120.01235"


def test_the_jacobian_notation_draws_each_elementwise_derivative_as_its_matrix(view, doc):
    notation.set_display("jacobian")
    view.refresh()
    f2 = line_named(view, "J_f2")
    assert not f2.row_factor.hadamard and f2.row_factor.values.shape == (3, 3)
    assert "J<sub>f<sup>2</sup></sub>" in f2.row_factor.symbol
    assert "(J<sub>f<sup>2</sup></sub>)<sup>T</sup>" in f2.col_factor.symbol
    assert "J<sub>f<sup>2</sup></sub>" in view.forms_label.text()
    assert "(J<sub>f<sup>L</sup></sub>)<sup>T</sup>" in view.recursion_label.text()


def test_the_recursion_and_where_the_notations_meet_are_written_once(view):
    text = view.recursion_label.text()
    assert "δ<sup>L</sup> = (f<sup>L</sup>)′(z<sup>L</sup>) ⊙ ∇<sub>a<sup>L</sup></sub>C" in text
    assert "(W<sup>l+1</sup>)<sup>T</sup> δ<sup>l+1</sup>" in text
    assert "∇<sub>x</sub>C = (W<sup>1</sup>)<sup>T</sup> δ<sup>1</sup>" in text
    assert "diag" in text and "Softmax" in text


def test_the_transpose_rule_is_worked_with_this_networks_numbers(view, doc):
    result = chain_forms(doc.network)
    a, b = result.factors[1].matrix, result.factors[2].matrix  # J_f³ (softmax) and W³
    text = view.demo_label.text()
    for v in (a @ b).T.ravel():
        assert fmt_short(v) in text
    assert "bit for bit" in text or "Equal (to" in text
    assert "reverses" in text
    assert "Numerator layout" in view.conventions_label.text()
    assert "Denominator layout" in view.conventions_label.text()


def test_clicking_a_running_entry_writes_out_its_dot_product(qtbot, view, doc):
    table = view.table
    line = line_named(view, "W2")  # ∇_{a¹}C = (W²)ᵀ δ²
    rect = table.cell_rect(line.order, "col_result")
    qtbot.mouseClick(
        table, Qt.MouseButton.LeftButton, pos=cell_centre(rect, (4, 1), 2, 0).toPoint()
    )
    text = view.dot_label.text()
    trace = doc.trace
    w2, delta2 = doc.network.layer(2).weights, trace.delta[1]
    assert "row 3 of (W<sup>2</sup>)<sup>T</sup>" in text
    for a, b in zip(w2[:, 2], delta2, strict=True):
        assert f"({fmt_short(a)})({fmt_short(b)})" in text
    assert fmt_full(trace.grad_a[1][2]) in text
    # An elementwise step is one multiplication: δ² = (f²)′ ⊙ ∇_{a²}C.
    line = line_named(view, "J_f2")
    rect = table.cell_rect(line.order, "row_result")
    qtbot.mouseClick(
        table, Qt.MouseButton.LeftButton, pos=cell_centre(rect, (1, 3), 0, 1).toPoint()
    )
    assert "one multiplication" in view.dot_label.text()
    assert fmt_full(trace.delta[1][1]) in view.dot_label.text()


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
    w1 = line_named(view, "W1")
    assert w1.row_factor.values[0, 1] == 2.5 and w1.col_factor.values[1, 0] == 2.5
    fresh = chain_forms(doc.network)
    assert np.array_equal(view.result.gradient, fresh.gradient)
    assert view.results_label.text() != before
    assert fmt_full(fresh.gradient[0]) in view.results_label.text()
    doc.undo_stack.undo()
    assert line_named(view, "W1").row_factor.values[0, 1] != 2.5


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
    assert line_named(v, "W2").row_factor.values[0, 0] == -1.25


def test_highlight_follows_the_players_backward_steps(qtbot, view, doc):
    player = view.player
    depth = doc.network.depth
    table = view.table
    for step in player.steps:
        player.seek(step.index)
        d, g = view.highlighted
        l = step.layer
        if step.kind == "loss_grad":
            assert (d, g) == (f"dC_da{depth}", f"grad_a{depth}")
        elif step.kind in ("activation_grad", "weight_grad"):
            assert (d, g) == (f"J_f{l}", f"J_f{l}T")
        elif step.kind == "transpose":
            assert (d, g) == (f"W{l}", f"W{l}T")
        else:
            assert (d, g) == ("", "")
        if step.phase == "forward":
            assert view.current_line == -1
            assert not any(table.is_computed(line) for line in table.lines)
        if step.kind in ("loss_grad", "activation_grad", "transpose"):
            # The highlighted line's running column is the vector this step writes — δˡ or
            # ∇_{aˡ⁻¹}C — and is drawn; the next one is not yet.
            line = line_named(view, d)
            assert view.current_line == line.order
            np.testing.assert_allclose(
                line.col_result.values.ravel(), step.writes[0].values, rtol=1e-12, atol=1e-15
            )
            assert table.is_computed(line)
            later = [x for x in table.lines if x.order == line.order + 1]
            assert all(not table.is_computed(x) for x in later)
            # ... and it is scrolled into view.
            rect = table.line_rect(line.order)
            top = table.mapTo(view.scroll.widget(), rect.topLeft().toPoint()).y()
            bar = view.scroll.verticalScrollBar().value()
            assert bar <= top + rect.height() / 2 <= bar + view.scroll.viewport().height()
    player.first()  # before the first step: everything shown, nothing highlighted
    assert view.highlighted == ("", "") and view.current_line == -1
    assert all(table.is_computed(line) for line in table.lines)


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
    wg = focus_for(S("weight_grad", "backward", 2), 3)  # uses δ²: stays on J_f²
    assert (wg.derivative, wg.computed) == ("J_f2", 4)


def test_entries_are_found_under_the_mouse_with_their_canvas_link(view, doc):
    table = view.table
    line = line_named(view, "W2")
    for part in ("row_factor", "col_factor"):
        rect = table.cell_rect(line.order, part)
        cell = dict(line.cells())[part]
        rows, cols = cell.values.shape
        for i, j in ((0, 0), (rows - 1, cols - 1), (1, 2)):
            hit_line, hit_part, ri, rj = table.entry_at(cell_centre(rect, (rows, cols), i, j))
            assert (hit_line.order, hit_part, ri, rj) == (line.order, part, i, j)
    # W²[0, 2] is the edge a¹₃ → z²₁; (W²)ᵀ[2, 0] is the same edge.
    rect = table.cell_rect(line.order, "row_factor")
    assert table.link_at(cell_centre(rect, (3, 4), 0, 2)) == Link("edge", 2, 0, 2)
    rect = table.cell_rect(line.order, "col_factor")
    assert table.link_at(cell_centre(rect, (4, 3), 2, 0)) == Link("edge", 2, 0, 2)
    rect = table.cell_rect(line.order, "col_result")  # ∇_{a¹}C entry 2 is the neuron a¹₂
    assert table.link_at(cell_centre(rect, (4, 1), 1, 0)) == Link("a", 1, 1)
    assert table.entry_at(QPointF(-5, -5)) is None


def test_sections_fold_blocks_collapse_and_one_layer_at_a_time(qtbot, view, doc):
    section = view.sections["transpose"]
    section.button.click()
    assert not section.is_open and not section.body.isVisible()
    section.button.click()
    assert section.body.isVisible()
    table = view.table
    height = table.height()
    table.toggle_block(2)
    assert table.is_collapsed(2) and table.line_rect(line_named(view, "W2").order) is None
    assert table.height() < height
    table.toggle_block(2)
    view.player.seek(next(s.index for s in view.player.steps if s.kind == "transpose"))
    view.single_box.setChecked(True)
    assert table.single == doc.network.depth
    shown = {line.block for line in table.lines if table.line_rect(line.order) is not None}
    assert shown == {doc.network.depth}
    big = table.cell_rect(line_named(view, "W3").order, "row_factor")
    view.single_box.setChecked(False)
    small = table.cell_rect(line_named(view, "W3").order, "row_factor")
    assert big.width() > 1.4 * small.width()


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
    assert not v.table.isVisible() and not v.table.lines
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


def test_the_table_is_no_wider_than_the_chain_asks_for(view):
    assert view.preferred_width() >= view.table.sizeHint().width()
    for line in view.table.lines:
        rect = view.table.line_rect(line.order)
        assert rect.right() <= view.table.sizeHint().width()


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
    # Only the table (its two forms side by side) may need scrolling sideways.
    room = max(v.scroll.viewport().width(), v.table.minimumWidth() + 20)
    qtbot.waitUntil(lambda: v.scroll.widget().width() <= room)
