"""Playback over the timeline: which step is shown and how far into it.

`PlayState` is the whole animation state as plain data with pure methods — no Qt, so it is
tested by setting numbers, never by waiting. `Player` wraps one and lets a Qt animation
clock drive `PlayState.advance` while playing; the canvas and the panels listen to its
signals and draw `current_step` at `state.progress`.

Positions: `step` −1 is "before the first step" (nothing computed yet); `step` k with
`progress` p means steps 0..k−1 are done and step k is p of the way through its
animation (p = 1.0: fully shown). As one number, the position is t = step + progress in
0..count, and moving through time moves t.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, QVariantAnimation, Signal, Slot

from visualizer.timeline import Step

STEP_SECONDS = 0.9  # one step at 1× speed: long enough to follow a pulse along the edges
SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
MIN_SPEED, MAX_SPEED = SPEEDS[0], SPEEDS[-1]


@dataclass
class PlayState:
    """Where the playback is. Mutable on purpose: the Player owns exactly one.

    Invariants kept by every method: 0 ≤ count; −1 ≤ step ≤ count − 1; 0 ≤ progress ≤ 1
    (progress is 1.0 at step −1); speed in 0.25..4; not playing when count is 0.
    """

    count: int = 0
    step: int = -1
    progress: float = 1.0
    speed: float = 1.0
    loop: bool = False
    playing: bool = False

    # -- reading -------------------------------------------------------------------------
    @property
    def position(self) -> float:
        """step + progress: 0 at the start, `count` when the last step is fully shown."""
        return self.step + self.progress

    @property
    def at_start(self) -> bool:
        return self.step == -1

    @property
    def at_end(self) -> bool:
        """True when the last step is fully shown (also when there are no steps)."""
        return self.step == self.count - 1 and self.progress >= 1.0

    # -- moving --------------------------------------------------------------------------
    def step_forward(self) -> None:
        """To the next fully shown step: finishes the current step if it is mid-way,
        else moves on by one; stays put at the end."""
        if self.progress < 1.0:
            self.progress = 1.0
        elif self.step < self.count - 1:
            self.step += 1

    def step_back(self) -> None:
        """To the previous fully shown step (from mid-way through step k that is k − 1);
        stays put at −1."""
        if self.step >= 0:
            self.step -= 1
        self.progress = 1.0

    def first(self) -> None:
        """Before the first step: nothing computed."""
        self.step, self.progress = -1, 1.0

    def last(self) -> None:
        """The last step, fully shown (−1 when there are no steps)."""
        self.step, self.progress = self.count - 1, 1.0

    def seek(self, k: int) -> None:
        """Step k fully shown; k is clamped to −1..count − 1."""
        self.step, self.progress = max(-1, min(int(k), self.count - 1)), 1.0

    def advance(self, seconds: float, step_duration: float) -> None:
        """Move on by `seconds` × speed of animation, each step lasting `step_duration`
        seconds at 1×. Does nothing unless playing. Reaching the end stops playing, or,
        with `loop` on, goes back to −1 and keeps playing (what was left of `seconds` is
        dropped, so the empty start is seen for a moment before the next pass)."""
        if not self.playing or seconds <= 0.0:
            return
        if step_duration <= 0.0:
            raise ValueError(f"step_duration must be positive, got {step_duration}")
        t = self.position + seconds * self.speed / step_duration
        if t >= self.count:
            if self.loop and self.count > 0:
                self.first()
            else:
                self.last()
                self.playing = False
            return
        # On a boundary the step just finished is the current one (step k at 1.0, not
        # step k + 1 at 0.0): the same values are on screen either way, and this is how
        # the stepping methods land.
        self.step = max(-1, math.ceil(t) - 1)
        self.progress = min(1.0, max(0.0, t - self.step))

    def start(self) -> None:
        """Start playing; from the end, start over from −1. Nothing to play: no-op."""
        if self.count == 0:
            return
        if self.at_end:
            self.first()
        self.playing = True

    def set_speed(self, speed: float) -> None:
        """Clamped to 0.25..4; ValueError for NaN."""
        speed = float(speed)
        if math.isnan(speed):
            raise ValueError("speed is NaN")
        self.speed = min(MAX_SPEED, max(MIN_SPEED, speed))

    def set_count(self, n: int) -> None:
        """A new number of steps (the timeline was rebuilt). The current step and its
        progress are kept when it still exists; otherwise the position moves to the new
        last step, fully shown. No steps: back to −1 and stopped."""
        if n < 0:
            raise ValueError(f"count must be ≥ 0, got {n}")
        self.count = int(n)
        if self.step > self.count - 1:
            self.step, self.progress = self.count - 1, 1.0
        if self.count == 0:
            self.playing = False


class Player(QObject):
    """A PlayState driven by a Qt animation clock while playing.

    Every slot changes the state, then emits `position_changed(step, progress)` if the
    position moved and `playing_changed(playing)` if that flipped. Stepping by hand
    (`step_forward`, `step_back`, `last`) pauses; `seek` and `first` keep playing.
    The clock only runs while playing, so a paused player leaves no timer behind.
    """

    position_changed = Signal(int, float)
    playing_changed = Signal(bool)
    steps_changed = Signal()
    speed_changed = Signal(float)
    loop_changed = Signal(bool)

    def __init__(self, steps: Sequence[Step] = (), parent: QObject | None = None):
        super().__init__(parent)
        self._steps: list[Step] = list(steps)
        self._state = PlayState(count=len(self._steps))
        self.step_duration = STEP_SECONDS
        self._clock = _Clock(self._tick, self)
        self._last_ms = 0

    # -- reading -------------------------------------------------------------------------
    @property
    def steps(self) -> list[Step]:
        return list(self._steps)

    @property
    def state(self) -> PlayState:
        """The live state. Read it; change it only through the slots, which signal."""
        return self._state

    @property
    def current_step(self) -> Step | None:
        """The step being shown, None before the first one (or with no steps)."""
        k = self._state.step
        return self._steps[k] if 0 <= k < len(self._steps) else None

    @property
    def animation(self) -> QVariantAnimation:
        """The clock that drives playback. Tests move time with `setCurrentTime(ms)`
        (milliseconds since `play()`), instead of waiting."""
        return self._clock

    # -- slots ---------------------------------------------------------------------------
    def set_steps(self, steps: Sequence[Step]) -> None:
        """A rebuilt timeline (the network or sample changed): the current step is kept
        when it still exists. Emits `steps_changed` always, because the values of the
        current step changed even when its index did not."""
        self._change(lambda: self._set_steps(steps), always_signal_position=True)
        self.steps_changed.emit()

    def _set_steps(self, steps: Sequence[Step]) -> None:
        self._steps = list(steps)
        self._state.set_count(len(self._steps))

    @Slot()
    def play(self) -> None:
        self._change(self._state.start)

    @Slot()
    def pause(self) -> None:
        self._change(self._pause)

    @Slot()
    def toggle(self) -> None:
        if self._state.playing:
            self.pause()
        else:
            self.play()

    @Slot()
    def step_forward(self) -> None:
        self._change(self._pause, self._state.step_forward)

    @Slot()
    def step_back(self) -> None:
        self._change(self._pause, self._state.step_back)

    @Slot()
    def first(self) -> None:
        self._change(self._state.first)

    @Slot()
    def last(self) -> None:
        self._change(self._pause, self._state.last)

    @Slot(int)
    def seek(self, k: int) -> None:
        self._change(lambda: self._state.seek(k))

    @Slot(float)
    def set_speed(self, speed: float) -> None:
        before = self._state.speed
        self._state.set_speed(speed)
        if self._state.speed != before:
            self.speed_changed.emit(self._state.speed)

    @Slot(bool)
    def set_loop(self, loop: bool) -> None:
        if bool(loop) != self._state.loop:
            self._state.loop = bool(loop)
            self.loop_changed.emit(self._state.loop)

    # -- machinery -----------------------------------------------------------------------
    def _pause(self) -> None:
        self._state.playing = False

    def _change(self, *changes, always_signal_position: bool = False) -> None:
        """Apply `changes` to the state, bring the clock in line, and signal what moved."""
        s = self._state
        before = (s.step, s.progress, s.playing)
        for change in changes:
            change()
        self._sync_clock()
        if always_signal_position or (s.step, s.progress) != before[:2]:
            self.position_changed.emit(s.step, s.progress)
        if s.playing != before[2]:
            self.playing_changed.emit(s.playing)

    def _sync_clock(self) -> None:
        running = self._clock.state() == QVariantAnimation.State.Running
        if self._state.playing and not running:
            self._last_ms = 0
            self._clock.start()  # restarts at time 0
        elif not self._state.playing and running:
            self._clock.stop()

    def _tick(self, total_ms: int) -> None:
        """The clock moved to `total_ms` since play(): advance by the time since the last
        tick."""
        elapsed = total_ms - self._last_ms
        self._last_ms = total_ms
        if elapsed > 0 and self._state.playing:
            self._change(lambda: self._state.advance(elapsed / 1000.0, self.step_duration))


class _Clock(QVariantAnimation):
    """An endless animation used as a clock: on every frame it reports the total time
    since it started. The value itself is unused; the state is the PlayState's."""

    def __init__(self, on_time, parent: QObject | None = None):
        super().__init__(parent)
        self._on_time = on_time
        self.setStartValue(0.0)
        self.setEndValue(1.0)
        self.setDuration(1000)
        self.setLoopCount(-1)  # runs until stopped

    def updateCurrentTime(self, msecs: int) -> None:
        super().updateCurrentTime(msecs)
        # currentTime() counts across loops; msecs is only the time inside this loop.
        self._on_time(self.currentTime())
