"""Training keeps the window responsive: which views a live update redraws, and how often,
while the user types on the main window (real key events) — on a fake clock, so nothing
here is timed and nothing waits. The timings themselves are in benchmarks/bench_training.py.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from visualizer.engine import datasets
from visualizer.engine.network import InitSpec, make_network
from visualizer.engine.training import predict, train
from visualizer.gui.document import Document
from visualizer.gui.panels.training_panel import TrainingPanel
from visualizer.gui.trainer import (
    INPUT_GAP,
    INPUT_HOLD,
    INPUT_PUBLISH_INTERVAL,
    PUBLISH_INTERVAL,
    YIELD_AFTER,
    Trainer,
)

TICK = 0.01  # seconds between ticks (a tick of training and a repaint)
KEY_EVERY = 3  # a key press every 3 ticks (30 ms): a fast typist


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def setup(qtbot, window, clock):
    """The main window on the default example with an XOR data set, and a training panel
    on its document whose trainer runs on the fake clock (ticks called by hand)."""
    doc = window.doc
    doc.set_network(datasets.with_dataset(doc.network, "xor", 40, 0.1, 0))
    window.show()
    qtbot.waitExposed(window)
    trainer = Trainer(doc, clock=clock, drive_timer=False)
    trainer.max_steps_per_tick = 1
    panel = TrainingPanel(doc, trainer=trainer)
    trainer.setParent(panel)
    qtbot.addWidget(panel)
    panel.show()
    # When each kind of update came; for the live ones, the steps then done and the last
    # step on the loss curve (the panel redraws first: it connected first).
    counts: dict[str, list] = {"document": [], "live": [], "curve": []}

    def live() -> None:
        counts["live"].append(clock.now)
        drawn = panel.loss_curve.getData()[0]
        counts["curve"].append((trainer.steps, drawn[-1] if drawn is not None else 0))

    doc.network_changed.connect(lambda: counts["document"].append(clock.now))
    trainer.progressed.connect(live)
    yield window, panel, counts
    trainer.pause()


def run(qtbot, window, panel, clock, seconds: float, typing: bool) -> list[float]:
    """Ticks `TICK` apart for `seconds`, with a key press on the main window every
    `KEY_EVERY` ticks if `typing`; when the keys were pressed."""
    keys = []
    for k in range(round(seconds / TICK)):
        clock.advance(TICK)
        if typing and k % KEY_EVERY == 0:
            qtbot.keyClick(window, Qt.Key.Key_Shift)  # a key that does nothing by itself
            keys.append(clock.now)
        panel.trainer.tick()
    return keys


def rate(times: list[float], start: float, end: float) -> float:
    return sum(start < t <= end for t in times) / (end - start)


def test_while_keys_are_pressed_the_document_waits_but_loss_curve_and_boundary_stay_live(
    qtbot, setup, clock
):
    window, panel, counts = setup
    doc, trainer = window.doc, panel.trainer
    before = doc.network
    assert panel.train()
    start = clock.now
    keys = run(qtbot, window, panel, clock, 3.0, typing=True)
    typed = clock.now
    assert trainer.typing()
    # The canvas, inspector and panels: at most one update per INPUT_PUBLISH_INTERVAL,
    # each in the tick right after a key press (not one or two ticks later, when the next
    # key is nearer: the ticks here come at the key's own time).
    document = [t for t in counts["document"] if t > start]
    assert 2 <= len(document) <= 3.0 / INPUT_PUBLISH_INTERVAL
    assert all(b - a >= INPUT_PUBLISH_INTERVAL - 1e-9 for a, b in pairwise(document))
    assert all(t in keys for t in document)
    assert TICK < INPUT_GAP  # (so the tick after that one would have been near enough)
    # The loss curve and the output view: at least 10 a second all along.
    assert rate(counts["live"], start, typed) >= 10
    assert all(b - a <= 0.1 + 2 * TICK for a, b in pairwise(counts["live"]))
    # Each live update drew the loss curve up to the step just done.
    assert all(steps == last for steps, last in counts["curve"])

    # The user stops typing: after INPUT_HOLD the document is live at 10 a second again.
    run(qtbot, window, panel, clock, 1.5, typing=False)
    assert not trainer.typing()
    assert rate(counts["document"], typed + INPUT_HOLD + PUBLISH_INTERVAL, clock.now) >= 8
    assert rate(counts["live"], typed, clock.now) >= 10

    # However it was shown, training did what the engine alone does, bit for bit.
    panel.trainer.pause()
    settings = trainer.settings
    assert settings.batch_size == 16
    assert (
        doc.network
        == train(
            before, trainer.steps, settings.make_optimizer(), batch_size=16, seed=settings.seed
        ).network
    )
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.network == before


def test_the_output_view_draws_the_trainers_network_between_document_updates(qtbot, setup, clock):
    window, panel, counts = setup
    doc, trainer = window.doc, panel.trainer
    assert panel.train()
    run(qtbot, window, panel, clock, 1.5, typing=True)
    assert counts["live"][-1] > counts["document"][-1]  # a live update came after it
    assert doc.network is not trainer.network
    view = panel.output_view
    area = view.image.mapRectToParent(view.image.boundingRect())
    grid_x = area.left() + (np.arange(view.image.image.shape[1]) + 0.5) * area.width() / 97
    grid_y = area.top() + 40.5 * area.height() / 97
    row = np.column_stack([grid_x, np.full_like(grid_x, grid_y)])
    column = view._output_column(doc.network)
    np.testing.assert_allclose(view.image.image[40], predict(trainer.network, row)[:, column],
                               rtol=1e-9)  # fmt: skip
    assert not np.allclose(view.image.image[40], predict(doc.network, row)[:, column], rtol=1e-9)


def test_the_document_still_updates_when_no_tick_comes_right_after_a_key(qtbot, setup, clock):
    window, panel, counts = setup
    assert panel.train()
    start = clock.now
    for _ in range(150):  # 3 s: each tick comes 20 ms after a key press
        qtbot.keyClick(window, Qt.Key.Key_Shift)
        clock.advance(0.02)
        panel.trainer.tick()
    document = [t for t in counts["document"] if t > start]
    assert len(document) >= 1  # at the latest two intervals after the one before
    assert all(b - a <= 2 * INPUT_PUBLISH_INTERVAL + 0.02 for a, b in pairwise(document))


def test_slow_live_views_still_get_ten_updates_a_second(qtbot, setup, clock):
    window, panel, counts = setup
    panel.trainer.progressed.connect(lambda: clock.advance(0.05))  # 50 ms to redraw
    assert panel.train()
    start = clock.now
    run(qtbot, window, panel, clock, 2.0, typing=False)
    assert rate(counts["live"], start, clock.now) >= 10


def test_ctrl_z_on_the_main_window_mid_run_undoes_the_run_so_far_and_pauses(qtbot, setup, clock):
    window, panel, _counts = setup
    doc, trainer = window.doc, panel.trainer
    before = doc.network
    assert panel.train()
    run(qtbot, window, panel, clock, 1.5, typing=True)
    shown = doc.network  # the document lags behind training while keys are pressed
    assert shown != before and shown is not trainer.network
    assert doc.undo_stack.count() == 1
    window.activateWindow()  # window shortcuts fire in the active window only
    qtbot.waitUntil(window.isActiveWindow)
    ctrl = Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_Z, ctrl)
    assert doc.network == before
    assert not trainer.running and panel.train_button.isEnabled()
    doc.undo_stack.redo()
    assert doc.network is shown  # the run as far as the document showed it


def test_only_keys_clicks_and_drags_count_as_typing_and_only_while_training(qtbot, setup, clock):
    window, panel, _counts = setup
    trainer = panel.trainer
    qtbot.keyClick(window, Qt.Key.Key_Shift)
    assert not trainer.typing()  # not training: nothing is watched
    assert panel.train()
    clock.advance(1.0)
    qtbot.mouseMove(window, QPoint(200, 200))  # hovering is not typing
    qtbot.mouseMove(window, QPoint(220, 210))
    assert not trainer.typing()
    drag = QMouseEvent(QEvent.Type.MouseMove, QPointF(230, 215), QPointF(230, 215),
                       Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(window, drag)  # moving with a button held: a drag
    assert trainer.typing()
    clock.advance(INPUT_HOLD + 0.01)
    assert not trainer.typing()
    qtbot.mouseClick(window.centralWidget(), Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert trainer.typing()
    clock.advance(INPUT_HOLD + 0.01)
    assert not trainer.typing()
    qtbot.keyClick(window, Qt.Key.Key_Shift)
    assert trainer.typing() and trainer.document_interval() == INPUT_PUBLISH_INTERVAL
    panel.trainer.pause()
    clock.advance(INPUT_HOLD + 0.01)
    qtbot.keyClick(window, Qt.Key.Key_Shift)
    assert not trainer.typing()  # paused: the filter is gone


def test_the_steps_per_second_shown_are_measured_over_half_a_second(qtbot, setup, clock):
    _window, panel, _counts = setup
    trainer = panel.trainer
    shown = []
    trainer.progressed.connect(lambda: shown.append(trainer.steps_per_second))
    assert panel.train()
    for k in range(200):  # one step per tick, ticks 5 and 25 ms apart in turn: 66.7 a second
        clock.advance(0.005 if k % 2 else 0.025)
        trainer.tick()
    figures = [rate for rate in shown[6:] if rate == rate]  # from half a second on
    assert len(figures) > 20
    # A twelfth of a second holds 5 or 6 steps (60 or 72 a second); half a second, 33 or 34.
    assert all(abs(rate - 1 / 0.015) <= 0.04 / 0.015 for rate in figures)
    assert "steps/s" in panel.progress_label.text()


def test_after_a_long_stretch_of_other_work_one_tick_gives_way_to_input(qtbot, setup, clock):
    _window, panel, counts = setup
    trainer = panel.trainer
    trainer.yield_after = YIELD_AFTER  # as the timer's ticks have it
    assert panel.train()
    for _ in range(3):
        clock.advance(0.001)
        assert trainer.tick() == 1
    clock.advance(trainer.live_interval)  # a long repaint: the live views are due now
    updates = len(counts["live"])
    assert trainer.tick() == 0  # gives way: no slice, no update
    assert len(counts["live"]) == updates
    clock.advance(0.001)
    assert trainer.tick() == 1 and len(counts["live"]) == updates + 1  # the update, late
    clock.advance(0.05)
    assert trainer.tick() == 0
    clock.advance(0.05)
    assert trainer.tick() == 1  # never twice in a row


def test_views_stay_live_when_every_gap_between_ticks_is_long(qtbot, setup, clock):
    window, panel, counts = setup
    panel.trainer.yield_after = YIELD_AFTER
    assert panel.train()
    start = clock.now
    run(qtbot, window, panel, clock, 2.0, typing=True)  # ticks 10 ms apart: each gap long
    assert rate(counts["live"], start, clock.now) >= 10
    assert len([t for t in counts["document"] if t > start]) >= 1


class _Stretch(QObject):
    """Stands for a long repaint: when its posted event comes, the clock moves on 30 ms,
    and meanwhile the user presses a key (posted, as the window system's input would be)."""

    def __init__(self, clock: FakeClock, target: QLineEdit, trainer: Trainer) -> None:
        super().__init__()
        self.clock, self.target, self.trainer = clock, target, trainer
        self.steps_before = -1

    def event(self, event: QEvent) -> bool:
        if event.type() != QEvent.Type.User:
            return super().event(event)
        self.steps_before = self.trainer.steps
        self.clock.advance(0.03)
        key = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a")
        QCoreApplication.postEvent(self.target, key)
        return True


def test_a_key_pressed_during_a_long_repaint_is_handled_before_more_training(qtbot, clock):
    """Through Qt's own event loop: the events posted during a long one come after the
    timers due, so without giving way the training tick would run first."""
    data = datasets.xor(40, noise=0.1, seed=0)
    network = make_network([2, 4, 1], ["tanh", "sigmoid"], "binary_cross_entropy",
                           InitSpec(seed=1), dataset=data)  # fmt: skip
    doc = Document(network)
    trainer = Trainer(doc, clock=clock)  # driven by its QTimer
    trainer.max_steps_per_tick = 1  # (the fake clock never reaches a deadline)
    line = QLineEdit()
    qtbot.addWidget(line)
    seen: list[int] = []
    line.textEdited.connect(lambda _text: seen.append(trainer.steps))
    stretch = _Stretch(clock, line, trainer)
    assert trainer.start()
    try:
        qtbot.waitUntil(lambda: trainer.steps >= 3)
        QCoreApplication.postEvent(stretch, QEvent(QEvent.Type.User))
        qtbot.waitUntil(lambda: bool(seen))
    finally:
        trainer.pause()
    assert stretch.steps_before >= 3
    assert seen == [stretch.steps_before]  # no step between the stretch and the key
