"""The training driver: runs `engine.training` steps on the document's network while the
window stays responsive, and turns each run into one undo step.

Why a timer on the GUI thread and not a worker thread: the networks here are small, so a
step is tens of microseconds of NumPy work on tiny arrays that hardly ever releases the
GIL — a worker thread would compete with the GUI thread for the interpreter rather than
run beside it, and would need parameter snapshots passed across threads. Instead a QTimer
fires whenever the event loop is idle and each tick runs steps until a short time budget
(`TICK_BUDGET`, 5 ms) is spent, so a key press waits at most one slice of training — and
none after a long repaint: the tick that follows one does nothing, so input that queued
behind it comes first (`YIELD_AFTER`). The tests drive `tick()` with a fake clock and
never wait. `benchmarks/bench_training.py`
measures both the latency and the speed.

Two kinds of live update, never in the same tick (each is one stretch of the GUI thread
that input has to wait for, so they are kept apart rather than added up):
- the *live views* — `progressed`: the loss curve and the output view (decision
  boundary), drawn from the trainer's own network — every `LIVE_INTERVAL` (12 per second,
  on a fixed beat, whatever the load): what training is doing stays visible;
- the *document* — `Document.set_network`: the canvas, inspector, equation bar and every
  other panel redraw — at most every `PUBLISH_INTERVAL` (10 per second), less often when
  they are slow (`VIEW_SHARE`), and once per `INPUT_PUBLISH_INTERVAL` (1 s) while the user
  is typing or clicking (a key press, click, drag or wheel turn in the last `INPUT_HOLD`,
  0.5 s) — then just after a key press (`INPUT_GAP`), when the next one is furthest away:
  this is the long stretch, and a key press arriving during it waits for all of it.

Undo: the document's network is updated live through one `TrainingRun` command per run,
pushed when the run first changes the network; later updates move that command's `after`
and call `Document.set_network` directly. So one undo step covers a whole run (Ctrl+Z
mid-run undoes the run so far and pauses it), the file is marked modified from the first
document update, and an edit made while training (a weight, an undo, another file) pauses
the run first: it then becomes a later undo step of its own. A save mid-run starts a fresh
undo step, so the modified flag stays true to the file.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal

from visualizer.engine.network import Layer, Network, NetworkError
from visualizer.engine.training import (
    DEFAULT_MOMENTUM,
    OPTIMIZERS,
    Optimizer,
    TrainingSession,
    make_optimizer,
)
from visualizer.gui.commands import NetworkEdit
from visualizer.gui.document import Document, checked_trace

TICK_BUDGET = 0.005  # seconds of training per timer tick: input waits at most this long
# A gap between two ticks longer than this (beyond the timer's own interval) was other work
# on the GUI thread — a repaint, a slow handler — and input may have queued behind it: the
# next tick then does nothing, so that input is handled before another slice and update.
YIELD_AFTER = 0.004
LIVE_INTERVAL = 1 / 12  # seconds between updates of the loss curve and output view
PUBLISH_INTERVAL = 0.1  # seconds between live updates of the document (≤ 10 Hz)
VIEW_SHARE = 4  # document updates at least this many of their own durations apart (≤ 25 %)
INPUT_PUBLISH_INTERVAL = 1.0  # … and this far apart while the user types or clicks
INPUT_HOLD = 0.5  # seconds after a key press, click or wheel turn that count as "typing"
# While typing, the document update waits (up to one more interval) for the moment just
# after a key press, when the next one is furthest away: the first tick that trains after
# the key, and at most this long after it (a later tick would leave the next key less room).
INPUT_GAP = 0.015
MAX_STEPS_PER_TICK = 100_000
RATE_WINDOW = 0.5  # seconds over which the steps per second shown are measured
# The loss over the data set is logged at every document update: on a larger data set it is
# computed on this many evenly spaced rows (all 100,000 rows cost ≈0.3 s an update).
LOSS_ROWS = 10_000


@dataclass(frozen=True)
class TrainSettings:
    """What the panel chooses. `batch_size` 0 trains on the network's current sample,
    n ≥ 1 on shuffled mini-batches of n from its data set (n ≥ its size: full batch).
    `steps_per_second` None means as fast as the machine goes."""

    optimizer: str = "adam"
    lr: float = 0.01
    momentum: float = DEFAULT_MOMENTUM
    batch_size: int = 16
    steps_per_second: float | None = None
    seed: int = 0

    def make_optimizer(self) -> Optimizer:
        """The optimiser these settings describe; ValueError for bad numbers."""
        momentum = self.momentum if self.optimizer == "momentum" else None
        return make_optimizer(self.optimizer, self.lr, momentum)

    def describe(self) -> str:
        """ "Adam, lr 0.01, batches of 16" and the like, for undo texts and the status."""
        name = OPTIMIZERS.get(self.optimizer, self.optimizer)
        if self.optimizer == "momentum":
            name += f" {self.momentum:g}"
        on = "on the sample" if self.batch_size == 0 else f"batches of {self.batch_size}"
        return f"{name}, lr {self.lr:g}, {on}"


class TrainingRun(NetworkEdit):
    """One undo step for a whole training run, from the network before it to the last one
    the run showed. The trainer moves `after` along while the run goes on."""

    def __init__(self, doc: Document, before: Network, after: Network, text: str):
        before_trace = doc.trace if doc.network is before else checked_trace(before)
        super().__init__(doc, after, text)
        self.before, self.before_trace = before, before_trace


_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
    }
)


class InputWatch(QObject):
    """Notes when the user last pressed a key, clicked, dragged or turned the wheel
    anywhere in the application (an event filter on it, installed only while training).
    Hovering does not count: it costs little to handle and says nothing about typing."""

    def __init__(self, clock: Callable[[], float], parent: QObject | None = None):
        super().__init__(parent)
        self.clock = clock
        self.last = -math.inf
        self._installed = False

    def install(self) -> None:
        app = QCoreApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True

    def remove(self) -> None:
        app = QCoreApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
        self._installed = False

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _INPUT_EVENTS or (
            kind == QEvent.Type.MouseMove
            and event.buttons() != Qt.MouseButton.NoButton  # type: ignore[attr-defined]
        ):
            self.last = self.clock()
        return False


class Trainer(QObject):
    """Trains the document's network with the current `settings`.

    `start()` runs until `pause()`; `step_once()` does one step as a run of its own;
    `reset()` puts back the parameters from before the first run of this session (a
    session ends when the parameters are changed by something other than training).
    Signals: `running_changed(bool)`, `progressed()` when the live views should redraw
    from `network` and `losses` (every `LIVE_INTERVAL` while running) and at the end of a
    run, `failed(message)` when training stopped on an error,
    `notice(message)` for anything else worth telling (paused by an edit)."""

    running_changed = Signal(bool)
    progressed = Signal()
    failed = Signal(str)
    notice = Signal(str)
    history_cleared = Signal()  # the loss curve started over

    def __init__(
        self,
        document: Document,
        parent: QObject | None = None,
        clock: Callable[[], float] = time.perf_counter,
        drive_timer: bool = True,
    ):
        super().__init__(parent)
        self.doc = document
        self.clock = clock
        self.drive_timer = drive_timer
        self.budget = TICK_BUDGET
        self.live_interval = LIVE_INTERVAL
        self.publish_interval = PUBLISH_INTERVAL
        self.input_publish_interval = INPUT_PUBLISH_INTERVAL
        self.max_steps_per_tick = MAX_STEPS_PER_TICK
        # Ticks called by hand (tests, on a fake clock) model the time between them
        # themselves: only the timer's ticks yield after a long stretch, unless a test
        # sets this.
        self.yield_after = YIELD_AFTER if drive_timer else math.inf
        self.input = InputWatch(clock, self)
        self._settings = TrainSettings()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)

        # What training works on (its network may be ahead of the doc): the engine's
        # session holds the network, the optimiser's memory, the step count, the batch
        # schedule and the loss logs; this class adds the time budget, publishing and undo.
        self._training = TrainingSession(
            document.network,
            self._settings.make_optimizer(),
            track_data_loss=True,
            data_loss_limit=LOSS_ROWS,
        )
        self._published = document.network  # the network the trainer last put in the doc
        self._optimizer_kind = ""
        self._running = False
        self._command: TrainingRun | None = None
        self._run_before: Network | None = None
        self._run_steps = 0
        self._run_first_loss = math.nan
        # The session: the parameters before its first step, and every parameter set a
        # run of it ended on (an undo or redo landing on one of these stays in the session).
        self._origin: tuple[Layer, ...] | None = None
        self._session: list[tuple[Layer, ...]] = []
        self._credit = 0.0
        self._last_tick = 0.0
        self._tick_end = -math.inf  # when the last tick returned
        self._worked_until = -math.inf  # … and the last one that did not give way
        self._yielded = False  # the last tick gave way to queued input
        self._last_publish = 0.0  # when the document last got the training network
        self._live_beat = 0.0  # when the live views were last due (a fixed beat)
        self._live_steps = -1  # the step count they last showed
        self._rate_mark: tuple[float, int] = (0.0, 0)
        self._measured_rate = math.nan
        # Per kind of update ("live", "document"): seconds the last one took in its tick,
        # and that plus the repaint that followed it (the time until the next tick).
        self._cost = {"live": 0.0, "document": 0.0}
        self._full_cost = {"live": 0.0, "document": 0.0}
        self._updated: tuple[str, float] | None = None  # (kind, when) of the last update

        document.network_changed.connect(self._network_changed)
        document.undo_stack.cleanChanged.connect(self._clean_changed)

    # -- reading -------------------------------------------------------------------------
    @property
    def settings(self) -> TrainSettings:
        return self._settings

    @property
    def running(self) -> bool:
        return self._running

    @property
    def _net(self) -> Network:
        return self._training.network

    @_net.setter
    def _net(self, network: Network) -> None:
        self._training.network = network

    @property
    def _steps(self) -> int:
        return self._training.steps

    @property
    def steps(self) -> int:
        """Steps done in this session (the loss curve's length)."""
        return self._training.steps

    @property
    def losses(self) -> np.ndarray:
        """The loss each step of the session saw (on its mini-batch), read-only."""
        return self._training.losses

    @property
    def dataset_losses(self) -> tuple[np.ndarray, np.ndarray]:
        """(steps, losses): the loss on the whole data set before the first step, after
        every epoch of mini-batches and at each live update."""
        return self._training.data_losses

    def loss_rows_note(self) -> str:
        """What the data-set loss is computed on: "all data", or "10,000 of 100,000 rows"
        for a data set larger than LOSS_ROWS (short: it ends the dock's progress line)."""
        data = self._net.dataset
        if data is None or len(data) <= LOSS_ROWS:
            return "all data"
        return f"{LOSS_ROWS:,} of {len(data):,} rows"

    @property
    def network(self) -> Network:
        """The network as training has it now (the document shows it ≤ 0.1 s later)."""
        return self._training.network

    @property
    def can_reset(self) -> bool:
        return self._origin is not None and self._origin != self._net.layers

    @property
    def steps_per_second(self) -> float:
        """Measured over the last live updates; NaN before there is anything to measure."""
        return self._measured_rate

    @property
    def epoch(self) -> float:
        """Passes over the data set so far (0 when training on the sample)."""
        self._apply_schedule()
        return self._training.epoch

    def current_batch(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(x, y) of the last step's batch as rows (B, n) — or, before any step, of the
        next one. None when training on the single sample or without a data set."""
        self._apply_schedule()
        rows = self._training.current_rows()
        data = self._net.dataset
        if rows is None or data is None:
            return None
        return data.x[rows], data.y[rows]

    def problem(self) -> str | None:
        """Why training cannot start with these settings on this network, or None."""
        try:
            self._settings.make_optimizer()
        except ValueError as exc:
            return str(exc)
        if self._settings.batch_size > 0 and self._net.dataset is None:
            return "mini-batches need a data set: generate one, or train on the sample"
        return None

    # -- settings ------------------------------------------------------------------------
    def set_settings(self, settings: TrainSettings) -> None:
        """Takes effect from the next step. A different kind of optimiser starts with a
        fresh state; the same kind keeps its memory (momentum, Adam's m and v)."""
        if settings.optimizer != self._settings.optimizer:
            self._training.state = None
        if settings.batch_size != self._settings.batch_size or settings.seed != self._settings.seed:
            self._training.last_rows = None
        rate_changed = settings.steps_per_second != self._settings.steps_per_second
        self._settings = settings
        if rate_changed and self._running:
            self._credit = 1.0
            self._last_tick = self.clock()
            self._start_timer()

    # -- running -------------------------------------------------------------------------
    def start(self) -> bool:
        """Start (or resume) training; False, with `failed` emitted, if it cannot."""
        if self._running:
            return True
        problem = self.problem()
        if problem:
            self.failed.emit(problem)
            return False
        self._begin_run()
        self._running = True
        now = self.clock()
        self._credit, self._last_tick, self._last_publish = 1.0, now, now
        self._live_beat = now
        self._tick_end = self._worked_until = now  # (the time before is not someone else's)
        self._rate_mark = (now, self._steps)
        self._start_timer()
        self.running_changed.emit(True)
        return True

    def pause(self) -> None:
        """Stop after the current step; the document gets the latest network and the run
        becomes (or stays) one undo step."""
        if not self._running:
            return
        self._stop_timer()
        self._running = False
        problem = self._publish()
        self._end_run()
        self.running_changed.emit(False)
        if problem:
            self.failed.emit(problem)
        self.progressed.emit()

    def step_once(self) -> bool:
        """One training step, shown at once and undoable on its own (pauses a run)."""
        if self._running:
            self.pause()
        problem = self.problem()
        if problem:
            self.failed.emit(problem)
            return False
        self._begin_run()
        if not self._train(1):
            return False  # `_fail` has said why
        problem = self._publish()
        self._end_run()
        if problem:
            self.failed.emit(problem)
        self.progressed.emit()
        return problem is None

    def reset(self) -> bool:
        """Put back the parameters from before this session's first step (undoable);
        the loss curve and the optimiser's memory start over. False if there is nothing
        to reset."""
        if self._running:
            self.pause()
        if self._origin is None:
            return False
        origin = self._origin
        if origin != self._net.layers:
            ok = self.doc.try_edit(
                lambda: NetworkEdit(
                    self.doc,
                    self.doc.network.replace(layers=origin),
                    "Reset the parameters to before training",
                )
            )
            if not ok:
                return False
        self._origin = origin
        self._session = [origin]
        self._clear_history()
        self.progressed.emit()
        return True

    def tick(self) -> int:
        """Run the steps due now — as many as the speed setting allows, and never more
        than `budget` seconds of them — then update the live views or the document if one
        is due (at most one of them: each is a stretch that input waits for). Returns the
        number of steps done. A tick that comes after a long stretch of other work
        (`yield_after`) does nothing: see `_give_way`."""
        if not self._running:
            return 0
        try:
            return self._tick()
        finally:
            self._tick_end = self.clock()
            if not self._yielded:
                self._worked_until = self._tick_end

    def _give_way(self, now: float) -> bool:
        """Whether the tick at `now` gives way to input. Qt hands out the events posted
        while it was busy (a key press during a repaint) only after the timers that are
        due, so the tick right after a long stretch would otherwise add a slice of
        training and maybe an update to that key's wait. Never twice in a row: the
        views' beat goes on."""
        idle = self._timer.interval() / 1000 if self.drive_timer else 0.0
        long_gap = now - self._tick_end - idle > self.yield_after
        self._yielded = long_gap and not self._yielded
        return self._yielded

    def _tick(self) -> int:
        now = self.clock()
        rate = self._settings.steps_per_second
        if rate is None:
            due = self.max_steps_per_tick
        else:
            # Credit accrues with time; the cap keeps a stalled window from bursting.
            self._credit = min(self._credit + (now - self._last_tick) * rate, 1.0 + 0.5 * rate)
            due = min(int(self._credit), self.max_steps_per_tick)
        self._last_tick = now
        self._count_repaint(now)
        if self._give_way(now):
            return 0
        update = self._update_due(now)
        # The views take in an update right away, in this same tick: leave them the time
        # they took last time, so training plus updating stays within the budget.
        budget = self.budget - (self._cost[update] if update else 0.0)
        done = self._train(due, deadline=now + max(budget, 0.0))
        if rate is not None:
            self._credit -= done
        if not self._running:  # an error stopped it
            return done
        if update == "live":
            started = self.clock()
            # On a fixed beat, so the views get their 12 updates a second even when each
            # tick comes a little late; a window stalled for longer starts a new beat.
            self._live_beat = max(self._live_beat + self.live_interval, now - self.live_interval)
            if self._steps != self._live_steps:  # (at a slow speed, often nothing new)
                self._live_steps = self._steps
                self._measure_rate(started)
                self.progressed.emit()
                self._updated_now("live", started)
        elif update == "document":
            started = self.clock()
            problem = self._publish()
            if problem:
                self._fail(problem)
            else:
                self._updated_now("document", started)
        return done

    def typing(self, now: float | None = None) -> bool:
        """Whether the user pressed a key, clicked or turned the wheel in the last
        `INPUT_HOLD` seconds (the document then gets fewer live updates)."""
        now = self.clock() if now is None else now
        return now - self.input.last < INPUT_HOLD

    def document_interval(self, now: float | None = None) -> float:
        """Seconds between live updates of the document now: `publish_interval`, longer
        for views slower than a `VIEW_SHARE` of it, and `input_publish_interval` while
        the user is typing or clicking."""
        interval = max(self.publish_interval, VIEW_SHARE * self._full_cost["document"])
        if self.typing(now):
            interval = max(interval, self.input_publish_interval)
        return interval

    def _update_due(self, now: float) -> str | None:
        """ "document", "live" or None: the update this tick makes. The document first
        when both are due: the live views then come a tick later, still on their beat."""
        # (A nanosecond of slack: 100.1 − 100.0 is a little under 0.1 in floating point.)
        interval, waited = self.document_interval(now), now - self._last_publish
        if waited >= interval - 1e-9 and (
            not self.typing(now)
            or self._just_after_input(now)
            or waited >= 2 * interval - 1e-9
        ):
            return "document"
        if now - self._live_beat >= self.live_interval - 1e-9:
            return "live"
        return None

    def _just_after_input(self, now: float) -> bool:
        """Whether this is the first working tick since a key press (or click) that came
        at most `INPUT_GAP` ago."""
        return self.input.last > self._worked_until and now - self.input.last <= INPUT_GAP

    def _updated_now(self, kind: str, started: float) -> None:
        finished = self.clock()
        self._cost[kind] = finished - started
        self._full_cost[kind] = self._cost[kind]
        self._updated = (kind, finished)

    def _count_repaint(self, now: float) -> None:
        """With the timer firing whenever the loop is idle, the time since the last update
        ended went to repainting its views: count it, so slow views get updated less often.
        (Ticks called by hand say nothing about repaints.)"""
        if self._updated is None or not self.drive_timer:
            return
        kind, finished = self._updated
        idle = self._timer.interval() / 1000
        self._full_cost[kind] = self._cost[kind] + max(0.0, now - finished - idle)
        self._updated = None

    def _measure_rate(self, now: float) -> None:
        mark_time, mark_steps = self._rate_mark
        # Over half a second at least once there is a figure: a twelfth of a second holds
        # too few steps, and one late tick would make it jump.
        settled = now - mark_time >= RATE_WINDOW or math.isnan(self._measured_rate)
        if now > mark_time and self._steps > mark_steps and settled:
            self._measured_rate = (self._steps - mark_steps) / (now - mark_time)
            self._rate_mark = (now, self._steps)

    # -- internals -----------------------------------------------------------------------
    def _start_timer(self) -> None:
        rate = self._settings.steps_per_second
        interval = 0 if rate is None else max(0, min(int(1000 / rate), 16))
        self._timer.setInterval(interval)
        if self.drive_timer:
            self._timer.start()
        self.input.install()

    def _stop_timer(self) -> None:
        self._timer.stop()
        self.input.remove()

    @property
    def timer_active(self) -> bool:
        return self._timer.isActive()

    def _begin_run(self) -> None:
        # The document is the truth: train from what it shows.
        if self.doc.network is not self._published:
            self._adopt(self.doc.network)
        if self._origin is None:
            self._origin = self._net.layers
            self._session = [self._net.layers]
        if self._steps == 0:
            self._record_dataset_loss()  # the curve's starting point
        self._run_before = self._net
        self._run_steps = 0
        self._run_first_loss = math.nan
        self._command = None

    def _end_run(self) -> None:
        if self._command is not None:
            self._command.setText(self._run_text())
            if self._run_steps:
                loss = f"loss {self._run_first_loss:.4g} → {self._losses_last():.4g}"
                self.doc.status_message.emit(f"{self._run_text()}: {loss} — Ctrl+Z to undo")
        if self._net.layers not in self._session:
            self._session.append(self._net.layers)
        self._command = None
        self._run_before = None

    def _run_text(self) -> str:
        steps = f"{self._run_steps:,} step{'s' if self._run_steps != 1 else ''}"
        return f"Trained {steps} ({self._settings.describe()})"

    def _losses_last(self) -> float:
        losses = self._training.losses
        return float(losses[-1]) if losses.size else math.nan

    def _train(self, count: int, deadline: float | None = None) -> int:
        """Up to `count` steps (stopping at `deadline`); on an error, stop the run and
        say why. Returns the steps done."""
        settings = self._settings
        try:
            optimizer = settings.make_optimizer()
        except ValueError as exc:
            self._fail(str(exc))
            return 0
        session = self._training
        if settings.optimizer != self._optimizer_kind:
            session.state, self._optimizer_kind = None, settings.optimizer
        session.optimizer = optimizer
        self._apply_schedule()
        if settings.batch_size > 0 and self._net.dataset is None:
            self._fail("mini-batches need a data set")
            return 0
        before = session.steps
        try:
            session.step(count, deadline=deadline, clock=self.clock)
        except (NetworkError, ValueError) as exc:
            self._count_run(session.steps - before)
            self._fail(str(exc))
            return session.steps - before
        return self._count_run(session.steps - before)

    def _apply_schedule(self) -> None:
        """The session trains on what the settings say: batch size 0 is the sample."""
        size = self._settings.batch_size
        self._training.batch_size = size if size > 0 else None
        self._training.seed = self._settings.seed

    def _count_run(self, done: int) -> int:
        if done and self._run_steps == 0:
            self._run_first_loss = float(self._training.losses[-done])
        self._run_steps += done
        return done

    def _publish(self) -> str | None:
        """Show the training network in the document (and so in every view). Returns why
        it could not (its values overflow on the sample: training diverged); training
        then goes back to the last network shown."""
        now = self.clock()
        self._last_publish = now
        self._measure_rate(now)
        net = self._net
        if net is self._published:
            return None
        try:
            if self._command is None:
                assert self._run_before is not None
                command = TrainingRun(self.doc, self._run_before, net, self._run_text())
            else:
                trace = checked_trace(net)
        except ValueError as exc:
            self._net = self._published
            return f"training diverged: {exc}; try a smaller learning rate"
        self._published = net
        self._record_dataset_loss()
        if self._command is None:
            self._command = command
            self.doc.edit(command)  # its redo() shows `net`
        else:
            self._command.after, self._command.after_trace = net, trace
            self._command.setText(self._run_text())
            self.doc.set_network(net, trace)
        return None

    def _record_dataset_loss(self) -> None:
        self._training.record_data_loss()

    def _fail(self, message: str) -> None:
        was_running = self._running
        self._stop_timer()
        self._running = False
        self._publish()  # keep what the run achieved before the failing step
        self._end_run()
        if was_running:
            self.running_changed.emit(False)
        self.failed.emit(message)
        self.progressed.emit()

    def _adopt(self, network: Network) -> None:
        """Train from `network` from now on (someone else changed the document)."""
        changed_parameters = network.layers is not self._net.layers
        changed_data = network.dataset is not self._net.dataset and (
            network.dataset != self._net.dataset
        )
        new_document = self.doc.undo_stack.count() == 0  # only `replace` empties it
        self._net = self._published = network
        self._training.state = None
        self._training.last_rows = None
        if new_document or (changed_parameters and network.layers not in self._session):
            self._origin = None  # a new session: this network is the new "before training"
        if self._origin is None:
            self._session = []
            self._clear_history()
        elif changed_data:
            self._clear_history()

    def _clear_history(self) -> None:
        self._training.clear()
        self._measured_rate = math.nan
        self.history_cleared.emit()

    def _network_changed(self) -> None:
        if self.doc.network is self._published:
            return
        was_running = self._running
        if was_running:
            # An edit (or an undo) arrived mid-run: the run ends where the document last
            # showed it — the edit's own command already starts from that network.
            self._stop_timer()
            self._running = False
            self._command = None
            self._run_before = None
        self._adopt(self.doc.network)
        if was_running:
            self.running_changed.emit(False)
            self.notice.emit("Training paused: the network was changed")
        self.progressed.emit()

    def _clean_changed(self, clean: bool) -> None:
        # Saved mid-run: what follows must mark the file modified again, so it becomes
        # a new undo step starting from the saved network.
        if clean and self._running and self._command is not None:
            self._command = None
            self._run_before = self._published
            self._run_steps = 0
