"""The training panel and its driver: Train / Pause / Step / Reset through real clicks, one
undo step per run, undo and edits in the middle of a run, the speed and time budget of a
tick (a fake clock: nothing here waits), the live plots and the batch view."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from visualizer.engine import backprop, datasets
from visualizer.engine.network import InitSpec, Network, make_network
from visualizer.engine.training import SGD, Adam, batch_indices, predict, train
from visualizer.gui import commands
from visualizer.gui.document import Document
from visualizer.gui.panels.output_view import GRID, boundary_segments
from visualizer.gui.panels.training_panel import TrainingPanel
from visualizer.gui.trainer import Trainer, TrainSettings

LEFT = Qt.MouseButton.LeftButton
STEPS_PER_TICK = 25


class FakeClock:
    """Time that moves only when told to (or by `per_call` on every reading)."""

    def __init__(self, per_call: float = 0.0) -> None:
        self.now = 100.0
        self.per_call = per_call

    def __call__(self) -> float:
        self.now += self.per_call
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def xor_network(**fields) -> Network:
    return make_network(
        [2, 8, 1], ["tanh", "sigmoid"], "binary_cross_entropy", InitSpec(seed=3), **fields
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def doc(qapp) -> Document:
    return Document(xor_network(dataset=datasets.xor(40, noise=0.1, seed=0)))


@pytest.fixture
def panel(qtbot, doc, clock):
    trainer = Trainer(doc, clock=clock, drive_timer=False)
    trainer.max_steps_per_tick = STEPS_PER_TICK
    p = TrainingPanel(doc, trainer=trainer)
    trainer.setParent(p)
    qtbot.addWidget(p)
    p.resize(420, 1100)
    p.show()
    yield p
    p.trainer.pause()
    assert not p.trainer.timer_active  # no timer left running after a test


def click(qtbot, button) -> None:
    assert button.isEnabled(), f"{button.text()} is disabled"
    qtbot.mouseClick(button, LEFT)


def run_ticks(panel: TrainingPanel, clock: FakeClock, ticks: int) -> None:
    """`ticks` timer ticks, 0.1 s apart, so each one also updates the document."""
    for _ in range(ticks):
        clock.advance(0.1)
        panel.trainer.tick()


def expected_after(network: Network, steps: int, settings: TrainSettings) -> Network:
    """The same training done by the engine alone, in one call."""
    return train(
        network,
        steps,
        settings.make_optimizer(),
        batch_size=settings.batch_size or None,
        seed=settings.seed,
    ).network


# -- Train / Pause: one undo step per run --------------------------------------------------
def test_train_and_pause_make_one_undo_step_that_undoes_bit_for_bit(qtbot, panel, doc, clock):
    before = doc.network
    click(qtbot, panel.train_button)
    assert panel.trainer.running
    assert not panel.train_button.isEnabled() and panel.pause_button.isEnabled()
    run_ticks(panel, clock, 4)
    # The document shows training live, yet the stack holds one command for the run.
    assert doc.network is panel.trainer.network and doc.network != before
    assert doc.undo_stack.count() == 1 and doc.is_modified
    click(qtbot, panel.pause_button)
    assert not panel.trainer.running and panel.train_button.isEnabled()
    steps = 4 * STEPS_PER_TICK
    assert panel.trainer.steps == steps
    assert doc.undo_stack.count() == 1
    assert doc.undo_stack.text(0).startswith(f"Trained {steps} steps (Adam, lr 0.01")
    trained = doc.network
    assert trained == expected_after(before, steps, panel.settings())

    doc.undo_stack.undo()
    assert doc.network == before and not doc.is_modified
    doc.undo_stack.redo()
    assert doc.network == trained


def test_two_runs_are_two_undo_steps_and_continue_like_one_engine_run(qtbot, panel, doc, clock):
    before = doc.network
    for _ in range(2):
        click(qtbot, panel.train_button)
        run_ticks(panel, clock, 2)
        click(qtbot, panel.pause_button)
    assert doc.undo_stack.count() == 2
    # The optimiser's memory and the batch schedule carry over from run to run.
    assert doc.network == expected_after(before, 4 * STEPS_PER_TICK, panel.settings())
    doc.undo_stack.undo()
    assert doc.network == expected_after(before, 2 * STEPS_PER_TICK, panel.settings())
    doc.undo_stack.undo()
    assert doc.network == before


def test_a_run_paused_before_any_step_leaves_no_undo_step(qtbot, panel, doc):
    click(qtbot, panel.train_button)
    click(qtbot, panel.pause_button)
    assert doc.undo_stack.count() == 0 and not doc.is_modified


def test_live_updates_are_throttled_to_the_publish_interval(qtbot, panel, doc, clock):
    seen = []
    doc.network_changed.connect(lambda: seen.append(doc.network))
    click(qtbot, panel.train_button)
    for _ in range(9):
        clock.advance(0.02)  # nine ticks in 0.18 s: one update (the next is due at 0.2 s)
        panel.trainer.tick()
    assert len(seen) == 1
    assert panel.trainer.steps == 9 * STEPS_PER_TICK


def test_the_qtimer_runs_only_while_training(qtbot, qapp, doc):
    trainer = Trainer(doc)  # the real clock and timer; nothing waits for it
    trainer.set_settings(TrainSettings(steps_per_second=5))
    assert trainer.start() and trainer.timer_active
    trainer.pause()
    assert not trainer.timer_active and not trainer.running


# -- Step and Reset --------------------------------------------------------------------------
def test_step_does_one_step_on_the_schedules_first_batch_as_one_undo_step(qtbot, panel, doc):
    before = doc.network
    click(qtbot, panel.step_button)
    settings = panel.settings()
    assert panel.trainer.steps == 1 and doc.undo_stack.count() == 1
    assert doc.undo_stack.text(0) == f"Trained 1 step ({settings.describe()})"
    assert doc.network == expected_after(before, 1, settings)
    click(qtbot, panel.step_button)
    assert doc.undo_stack.count() == 2
    assert doc.network == expected_after(before, 2, settings)


def test_reset_restores_the_parameters_from_before_training_and_is_undoable(
    qtbot, panel, doc, clock
):
    before = doc.network
    assert not panel.reset_button.isEnabled()
    click(qtbot, panel.train_button)
    run_ticks(panel, clock, 2)
    click(qtbot, panel.pause_button)
    click(qtbot, panel.step_button)
    trained = doc.network
    assert panel.reset_button.isEnabled()
    click(qtbot, panel.reset_button)
    assert doc.network == before  # every weight and bias, bit for bit
    assert panel.trainer.steps == 0 and len(panel.loss_curve.getData()[0] or []) == 0
    assert doc.undo_stack.text(doc.undo_stack.count() - 1).startswith("Reset the parameters")
    assert not panel.reset_button.isEnabled()
    doc.undo_stack.undo()
    assert doc.network == trained


def test_reset_after_undoing_a_run_still_knows_the_start(qtbot, panel, doc, clock):
    before = doc.network
    for _ in range(2):
        click(qtbot, panel.train_button)
        run_ticks(panel, clock, 1)
        click(qtbot, panel.pause_button)
    doc.undo_stack.undo()  # back to the end of the first run: still the same session
    assert panel.trainer.can_reset
    click(qtbot, panel.reset_button)
    assert doc.network == before


def test_an_edit_of_the_parameters_starts_a_new_session(qtbot, panel, doc, clock):
    click(qtbot, panel.train_button)
    run_ticks(panel, clock, 1)
    click(qtbot, panel.pause_button)
    doc.edit(commands.SetWeight(doc, 1, 0, 0, 0.5))
    edited = doc.network
    assert not panel.trainer.can_reset and panel.trainer.steps == 0
    click(qtbot, panel.step_button)
    click(qtbot, panel.reset_button)
    assert doc.network == edited


# -- changes in the middle of a run ----------------------------------------------------------
def test_undo_mid_run_pauses_and_undoes_the_run_so_far(qtbot, panel, doc, clock):
    before = doc.network
    click(qtbot, panel.train_button)
    run_ticks(panel, clock, 3)
    shown = doc.network
    doc.undo_stack.undo()
    assert not panel.trainer.running and panel.train_button.isEnabled()
    assert doc.network == before and panel.message_label.text().startswith("Training paused")
    doc.undo_stack.redo()
    assert doc.network is shown  # the run as far as the document had shown it
    run_ticks(panel, clock, 2)  # ticks after a pause do nothing
    assert doc.network is shown


def test_an_edit_mid_run_pauses_it_and_comes_after_it_in_the_history(qtbot, panel, doc, clock):
    before = doc.network
    click(qtbot, panel.train_button)
    run_ticks(panel, clock, 2)
    shown = doc.network
    doc.edit(commands.SetBias(doc, 2, 0, 0.25))
    assert not panel.trainer.running
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    assert doc.network is shown
    doc.undo_stack.undo()
    assert doc.network == before


def test_saving_mid_run_keeps_the_modified_flag_true_to_the_file(
    qtbot, panel, doc, clock, tmp_path
):
    click(qtbot, panel.train_button)
    run_ticks(panel, clock, 1)
    doc.save(tmp_path / "net.json")
    assert not doc.is_modified
    run_ticks(panel, clock, 1)
    assert doc.is_modified  # the network moved on from what was saved
    click(qtbot, panel.pause_button)
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    assert not doc.is_modified  # back to exactly what the file holds


def test_opening_another_document_forgets_the_session(qtbot, panel, doc, clock):
    click(qtbot, panel.step_button)
    doc.replace(xor_network(dataset=datasets.circles(30, seed=1)), None)
    assert panel.trainer.steps == 0 and not panel.trainer.can_reset
    assert not panel.reset_button.isEnabled()


def test_divergence_stops_training_and_keeps_the_last_finite_network(qtbot, panel, doc, clock):
    panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData("sgd"))
    panel.lr_spin.setValue(10.0)
    doc.edit(commands.SetActivation(doc, 2, "identity"))
    doc.edit(commands.SetLoss(doc, "half_squared_error"))
    click(qtbot, panel.train_button)
    for _ in range(200):
        clock.advance(0.1)
        panel.trainer.tick()
        if not panel.trainer.running:
            break
    assert not panel.trainer.running
    assert "diverged" in panel.message_label.text() and panel.message_label.isVisible()
    assert all(np.all(np.isfinite(layer.weights)) for layer in doc.network.layers)
    assert panel.train_button.isEnabled()


# -- speed ---------------------------------------------------------------------------------
def test_a_set_speed_runs_that_many_steps_per_second_without_bursting(qtbot, panel, clock):
    panel.speed_combo.setCurrentIndex(panel.speed_combo.findData(20))
    click(qtbot, panel.train_button)
    assert panel.trainer.tick() == 1  # the first step at once
    clock.advance(0.5)
    assert panel.trainer.tick() == 10
    clock.advance(0.02)
    assert panel.trainer.tick() == 0  # 0.4 of a step owed: not yet
    clock.advance(0.04)
    assert panel.trainer.tick() == 1  # 1.2 owed: one step, 0.2 carried over
    clock.advance(60.0)  # the window was stuck for a minute
    assert panel.trainer.tick() == 11  # at most half a second's worth, not 1200


def test_at_full_speed_a_tick_stops_when_its_time_budget_is_spent(qapp, doc):
    clock = FakeClock(per_call=0.001)  # every reading of the clock costs a millisecond
    trainer = Trainer(doc, clock=clock, drive_timer=False)
    assert trainer.start()
    done = trainer.tick()
    assert 1 <= done <= round(trainer.budget / 0.001)
    trainer.pause()


def test_slow_views_get_fewer_document_updates_and_publishing_ticks_train_less(qapp, doc):
    clock = FakeClock()
    trainer = Trainer(doc, clock=clock)  # timer-driven: repaint time is counted too
    trainer.max_steps_per_tick = STEPS_PER_TICK
    # Every gap here is a long repaint; the tick that gives way after one is tested in
    # test_training_latency.py: here each tick trains.
    trainer.yield_after = math.inf
    updates = []

    def slow_view() -> None:  # takes 50 ms to take in each new network of the document
        updates.append(trainer.steps)
        clock.advance(0.05)

    doc.network_changed.connect(slow_view)
    assert trainer.start()
    done = []
    for _ in range(8):
        clock.advance(0.1)
        done.append(trainer.tick())
    trainer.pause()
    # The first update (after tick 1) took 50 ms, and the 100 ms until the next tick count
    # as its repaint: 150 ms in all, so the next update waits 4 × 150 ms, until tick 7,
    # which trains a single step to leave its budget to the views (ticks 2–6 update the
    # quick live views instead). The pause shows the end.
    t = STEPS_PER_TICK
    assert done == [t, t, t, t, t, t, 1, t]
    assert updates == [t, 6 * t + 1, 7 * t + 1]


# -- data sets ---------------------------------------------------------------------------------
def test_generate_puts_the_chosen_data_set_into_the_network_as_one_command(qtbot, panel, doc):
    panel.dataset_combo.setCurrentIndex(panel.dataset_combo.findData("spirals"))
    panel.samples_spin.setValue(60)
    panel.noise_spin.setValue(0.2)
    panel.seed_spin.setValue(4)
    before = doc.network
    click(qtbot, panel.generate_button)
    assert doc.network.dataset == datasets.spirals(60, 0.2, 4)
    assert doc.network.layers is before.layers
    assert doc.undo_stack.count() == 1
    assert "spirals" in doc.undo_stack.text(0)
    doc.undo_stack.undo()
    assert doc.network == before


def test_only_data_sets_that_fit_the_network_can_be_picked(qtbot, qapp, clock):
    doc = Document(make_network([1, 6, 1], ["tanh", "identity"], "mean_squared_error"))
    panel = TrainingPanel(doc, trainer=Trainer(doc, clock=clock, drive_timer=False))
    qtbot.addWidget(panel)
    model = panel.dataset_combo.model()
    enabled = {panel.dataset_combo.itemData(i): model.item(i).isEnabled() for i in range(6)}
    assert enabled == {"xor": False, "circles": False, "spirals": False, "blobs": False,
                       "sine": True, "step": True}  # fmt: skip
    assert panel.dataset_combo.currentData() == "sine"
    # No data yet: batches cannot be chosen, training uses the sample.
    assert not panel.batch_spin.isEnabled() and panel.batch_spin.text() == "the sample"
    assert panel.step()
    assert doc.network.dataset is None and doc.undo_stack.count() == 1
    panel.generate()
    assert panel.batch_spin.isEnabled() and panel.batch_spin.value() == 16


def test_a_network_no_data_set_fits_cannot_generate(qtbot, qapp, clock):
    doc = Document(make_network([3, 4, 3]))
    panel = TrainingPanel(doc, trainer=Trainer(doc, clock=clock, drive_timer=False))
    qtbot.addWidget(panel)
    assert not panel.generate_button.isEnabled()
    assert "3 and 3" in panel.data_label.text()
    assert not panel.output_view.plot.isVisibleTo(panel)


# -- settings ------------------------------------------------------------------------------
def test_each_optimiser_has_its_own_learning_rate_and_momentum_only_for_momentum(panel):
    combo = panel.optimizer_combo
    combo.setCurrentIndex(combo.findData("sgd"))
    assert panel.lr_spin.value() == 0.1 and not panel.momentum_spin.isEnabled()
    panel.lr_spin.setValue(0.3)
    combo.setCurrentIndex(combo.findData("momentum"))
    assert panel.lr_spin.value() == 0.05 and panel.momentum_spin.isEnabled()
    combo.setCurrentIndex(combo.findData("sgd"))
    assert panel.lr_spin.value() == 0.3
    assert panel.trainer.settings == TrainSettings("sgd", 0.3, 0.9, 16, None, 0)
    assert panel.trainer.settings.make_optimizer() == SGD(0.3)


def test_settings_describe_the_optimiser_for_the_history() -> None:
    assert TrainSettings("momentum", 0.05, 0.8, 0).describe() == (
        "SGD with momentum 0.8, lr 0.05, on the sample"
    )
    assert TrainSettings("adam", 0.01).make_optimizer() == Adam(0.01)
    with pytest.raises(ValueError, match="optimiser"):
        TrainSettings("rmsprop").make_optimizer()


def test_training_with_momentum_in_the_panel_equals_the_engine(qtbot, panel, doc, clock):
    panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData("momentum"))
    panel.batch_spin.setValue(5)
    panel.seed_spin.setValue(7)
    before = doc.network
    click(qtbot, panel.train_button)
    run_ticks(panel, clock, 2)
    click(qtbot, panel.pause_button)
    assert doc.network == expected_after(before, 2 * STEPS_PER_TICK, panel.settings())


# -- plots ---------------------------------------------------------------------------------
def test_the_loss_curve_has_a_point_per_step_and_a_log_scale_switch(qtbot, panel, doc, clock):
    before = doc.network
    click(qtbot, panel.train_button)
    run_ticks(panel, clock, 2)
    click(qtbot, panel.pause_button)
    assert panel.loss_plot.getPlotItem().getAxis("left").logMode
    _, ys = panel.loss_curve.getData()
    np.testing.assert_allclose(ys, np.log10(panel.trainer.losses), rtol=1e-12)
    panel.log_check.setChecked(False)
    assert not panel.loss_plot.getPlotItem().getAxis("left").logMode
    xs, ys = panel.loss_curve.getData()
    np.testing.assert_array_equal(xs, np.arange(1, 2 * STEPS_PER_TICK + 1))
    np.testing.assert_array_equal(ys, panel.trainer.losses)
    # The whole-data-set loss: before the first step, after every epoch, at each update.
    steps, losses = panel.trainer.dataset_losses
    data = before.dataset
    assert steps[0] == 0 and losses[0] == backprop.run(before, data.x, data.y).loss
    assert "whole data set" in panel.loss_title.text() and panel.data_loss_curve.isVisible()
    per_epoch = 3  # 40 examples in batches of 16
    assert {3, 6, 48}.issubset(set(steps.tolist())) and per_epoch == -(-40 // 16)


def test_a_long_loss_curve_draws_few_points_and_keeps_its_spikes(qtbot, panel, monkeypatch):
    values = np.random.default_rng(0).random(1_000_003) + 1.0
    values[123_456] = 50.0  # spikes that must survive the thinning
    values[987_654] = 0.01
    monkeypatch.setattr(Trainer, "losses", property(lambda _self: values))
    panel.log_check.setChecked(False)  # redraws the curve
    view = panel.loss_plot.getPlotItem().getViewBox()
    qtbot.waitUntil(lambda: view.viewRange()[0][1] >= len(values))
    xs, ys = panel.loss_curve.getData()
    # pyqtgraph keeps a block's minimum and maximum, 5 blocks per pixel column by default.
    assert len(xs) <= 12 * panel.loss_plot.width()
    assert ys.max() == 50.0 and ys.min() == 0.01
    full_xs, full_ys = panel.loss_curve.getOriginalDataset()
    np.testing.assert_array_equal(full_ys, values)
    assert full_xs[0] == 1 and full_xs[-1] == len(values)


def test_the_output_image_is_the_network_over_a_grid_and_follows_training(qtbot, panel, doc, clock):
    first = panel.output_view.image.image.copy()
    assert first.shape == (GRID, GRID)
    assert len(panel.output_view.scatter.data) == len(doc.network.dataset)
    click(qtbot, panel.train_button)
    run_ticks(panel, clock, 2)
    click(qtbot, panel.pause_button)
    image = panel.output_view.image.image
    assert not np.array_equal(image, first)
    rect = panel.output_view.image.boundingRect()
    assert rect.width() == GRID and rect.height() == GRID
    # Pixel (row r, column c) shows the output at its centre: x₁ from c, x₂ from r.
    area = panel.output_view.image.mapRectToParent(panel.output_view.image.boundingRect())
    for r, c in ((70, 5), (0, 0), (GRID - 1, GRID - 1)):
        x = area.left() + (c + 0.5) * area.width() / GRID
        y = area.top() + (r + 0.5) * area.height() / GRID
        expected = predict(doc.network, np.array([[x, y]]))[0, 0]
        assert image[r, c] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("level", [0.5, 0.13, 0.9])
def test_the_decision_boundary_has_the_segments_of_pyqtgraphs_isocurve(level):
    import pyqtgraph as pg

    u, v = np.meshgrid(np.linspace(-1, 1, 41), np.linspace(-1.5, 1, 37), indexing="ij")
    values = 1 / (1 + np.exp(-4 * (u * v + 0.3 * np.sin(5 * u) - 0.1 * v)))
    values[3, 4] = level  # a corner exactly on the level counts as above it, as there
    mine = boundary_segments(values, level)
    theirs = np.array(
        [[*a, *b] for a, b in pg.functions.isocurve(values, level, extendToEdge=True)]
    )
    assert len(mine) == len(theirs) > 20

    def ordered(segments: np.ndarray) -> np.ndarray:
        return segments[np.lexsort(segments.T[::-1])]

    np.testing.assert_allclose(ordered(mine), ordered(theirs), rtol=0, atol=1e-12)
    assert boundary_segments(np.zeros((5, 5)), 0.5).shape == (0, 4)  # no crossing


def test_the_boundary_is_drawn_where_the_output_crosses_its_middle(qtbot, panel, doc):
    view = panel.output_view
    path = view.boundary.path()
    assert view.boundary.isVisible() and path.elementCount() > 20
    # Traced on every other grid point: each vertex sits between two of them (two pixels
    # apart) whose values lie on either side of the middle level, 0.5.
    image = view.image.image
    for k in range(0, path.elementCount(), 7):
        point = view.boundary.transform().map(path.elementAt(k).x, path.elementAt(k).y)
        col, row = point[0] - 0.5, point[1] - 0.5  # pixel centres are at index + ½
        c0, r0 = (int(np.clip(2 * np.floor(i / 2), 0, GRID - 3)) for i in (col, row))
        patch = image[r0 : r0 + 3 : 2, c0 : c0 + 3 : 2]
        assert patch.min() <= 0.5 <= patch.max()


def test_a_one_input_network_gets_its_fitted_curve(qtbot, qapp, clock):
    network = make_network([1, 6, 1], ["tanh", "identity"], "mean_squared_error",
                           dataset=datasets.sine(30))  # fmt: skip
    doc = Document(network)
    panel = TrainingPanel(doc, trainer=Trainer(doc, clock=clock, drive_timer=False))
    qtbot.addWidget(panel)
    xs, ys = panel.output_view.fit_curve.getData()
    np.testing.assert_allclose(ys, predict(network, xs[:, None])[:, 0])
    assert not panel.output_view.image.isVisible()
    assert not panel.output_view.boundary.isVisible()
    assert "against the input x" in panel.output_view.title.text()


# -- the batch view --------------------------------------------------------------------------
def test_the_batch_view_shows_the_batch_gradient_is_the_mean_of_the_samples(qtbot, panel, doc):
    click(qtbot, panel.step_button)
    assert panel.batch_view.sample_combo.count() == 1 + 16
    rows = batch_indices(40, 16, 0, seed=0)
    x, y = panel.trainer.current_batch()
    np.testing.assert_array_equal(x, doc.network.dataset.x[rows])
    np.testing.assert_array_equal(y, doc.network.dataset.y[rows])
    text = panel.batch_view.text.text()
    assert "mean of 16 per-sample ∂C/∂W¹" in text
    difference = float(text.split("max difference ")[1].split("<")[0].replace("−", "-"))
    assert difference < 1e-15
    panel.batch_view.layer_spin.setValue(2)
    assert "∂C/∂W²" in panel.batch_view.text.text()


def test_the_sample_picker_emits_the_chosen_sample(qtbot, panel):
    click(qtbot, panel.step_button)
    with qtbot.waitSignal(panel.sample_chosen, timeout=0) as blocker:
        panel.batch_view.sample_combo.setCurrentIndex(4)
    assert blocker.args == [3]
    assert "Sample 4: x = (" in panel.batch_view.text.text()
    with qtbot.waitSignal(panel.sample_chosen, timeout=0) as blocker:
        panel.batch_view.sample_combo.setCurrentIndex(0)
    assert blocker.args == [-1]


def test_a_smaller_batch_falls_back_to_the_mean_when_the_chosen_sample_is_gone(qtbot, panel):
    click(qtbot, panel.step_button)
    panel.batch_view.sample_combo.setCurrentIndex(12)  # sample 12
    with qtbot.waitSignal(panel.sample_chosen, timeout=0) as blocker:
        panel.batch_spin.setValue(4)
    assert blocker.args == [-1]
    combo = panel.batch_view.sample_combo
    assert combo.count() == 5 and combo.currentData() == -1


def test_training_on_the_sample_has_no_batch_to_pick_from(qtbot, panel, doc):
    panel.batch_spin.setValue(0)
    assert panel.trainer.current_batch() is None
    assert not panel.batch_view.sample_combo.isEnabled()
    click(qtbot, panel.step_button)
    sample = doc.network.current_sample()
    first = panel.trainer.losses[0]
    assert first == backprop.run(doc.undo_stack.command(0).before, sample.x, sample.y).loss
