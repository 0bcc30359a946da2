"""The player bar: transport buttons, a scrubber over the steps with the phases marked, a
"step 9 / 17 · backward · layer 2" label, a speed selector and a loop toggle.

The bar only reflects and drives a `Player`; it owns no playback state. Its actions carry
the usual shortcuts (Space, ←, →, Home, End) but are not added to any widget here: the
main window adds them (`actions()`) so the keys work wherever the focus is, once.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QToolTip,
    QWidget,
)

from visualizer.gui import icons
from visualizer.gui.player import SPEEDS, Player
from visualizer.gui.style import PHASE_COLORS, PHASE_LABELS, PHASE_TEXT_COLORS
from visualizer.timeline import Step, phase_spans

NARROW_WIDTH = 1000  # below this the bar drops words it can spare

# (key, text, shortcut); the play action swaps its text and icon while playing. The
# icons are drawn (gui/icons.py), named by key.
_ACTIONS = (
    ("first", "First step", "Home"),
    ("back", "Step back", "Left"),
    ("play", "Play", "Space"),
    ("forward", "Step forward", "Right"),
    ("last", "Last step", "End"),
)


def position_text(steps: Sequence[Step], step: int) -> str:
    """What the bar's label says at `step`: "step 9 / 17 · backward · layer 2" (steps are
    counted from 1 for people), "step 0 / 17 · start" before the first one."""
    count = len(steps)
    if count == 0:
        return "no steps"
    if not 0 <= step < count:
        return f"step 0 / {count} · start"
    s = steps[step]
    if s.phase == "loss":
        where = "loss"
    else:
        where = f"{s.phase} · " + ("input" if s.layer == 0 else f"layer {s.layer}")
    return f"step {step + 1} / {count} · {where}"


def speed_text(speed: float) -> str:
    return f"{speed:g}×"


class Scrubber(QWidget):
    """All steps on one line: a band per phase (coloured, labelled with its name and the
    direction it flows), a tick per step, and a playhead. Done steps are drawn in full
    colour, steps still to come pale.

    Step k's tick is at `x_of(k)`, with step −1 ("start") at the left end; step k's
    animation runs from x_of(k − 1) to x_of(k). Clicking or dragging asks to seek to the
    nearest tick; ←/→/Home/End do the same from the keyboard.
    """

    seek_requested = Signal(int)
    scrub_started = Signal()
    scrub_finished = Signal()

    MARGIN = 9  # room for the playhead's knob at both ends
    KNOB = 6
    BAND_TOP, BAND_HEIGHT = 7, 20
    TICK_TOP, TICK_HEIGHT = 30, 5
    HEIGHT = 38

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._steps: list[Step] = []
        self._spans: list[tuple[str, int, int]] = []
        self._step = -1
        self._progress = 1.0
        self._last_requested: int | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Step scrubber")
        self.setAccessibleDescription(
            "Drag or use Left, Right, Home and End to move through the steps"
        )
        font = QFont(self.font())
        font.setPointSizeF(max(7.5, font.pointSizeF() - 1.0))
        font.setBold(True)
        self._band_font = font

    # -- data ----------------------------------------------------------------------------
    def set_steps(self, steps: Sequence[Step]) -> None:
        self._steps = list(steps)
        self._spans = phase_spans(self._steps)
        self.update()

    def set_position(self, step: int, progress: float) -> None:
        if (step, progress) != (self._step, self._progress):
            self._step, self._progress = step, progress
            self.update()

    @property
    def count(self) -> int:
        return len(self._steps)

    # -- geometry ------------------------------------------------------------------------
    def x_of(self, k: float) -> float:
        """The x of step k's tick (k may be fractional: step + progress − 1)."""
        width = self.width() - 2 * self.MARGIN
        if self.count == 0:
            return float(self.MARGIN)
        return self.MARGIN + (k + 1) * width / self.count

    def step_at(self, x: float) -> int:
        """The step whose tick is nearest to x, −1..count − 1."""
        width = self.width() - 2 * self.MARGIN
        if self.count == 0 or width <= 0:
            return -1
        k = round((x - self.MARGIN) * self.count / width) - 1
        return max(-1, min(k, self.count - 1))

    def sizeHint(self) -> QSize:
        return QSize(480, self.HEIGHT)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self.HEIGHT)

    # -- input ---------------------------------------------------------------------------
    def _request(self, k: int) -> None:
        if k != self._last_requested:
            self._last_requested = k
            self.seek_requested.emit(k)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.count == 0:
            super().mousePressEvent(event)
            return
        self._last_requested = None
        self.scrub_started.emit()
        self._request(self.step_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton and self.count:
            self._request(self.step_at(event.position().x()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.count:
            self._last_requested = None
            self.scrub_finished.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        targets = {
            Qt.Key.Key_Left: self._step - 1,
            Qt.Key.Key_Right: self._step + 1 if self._progress >= 1.0 else self._step,
            Qt.Key.Key_Home: -1,
            Qt.Key.Key_End: self.count - 1,
        }
        if key in targets and self.count:
            self._last_requested = None
            self._request(max(-1, min(targets[key], self.count - 1)))
            event.accept()
        else:
            super().keyPressEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            k = self.step_at(event.pos().x())
            if self.count and k >= 0:
                QToolTip.showText(event.globalPos(), self._steps[k].title, self)
            elif self.count:
                QToolTip.showText(event.globalPos(), "start: the network at rest", self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    # -- drawing -------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Window)
        ink = pal.color(QPalette.ColorRole.WindowText)
        head_x = self.x_of(self._step + self._progress - 1)

        band = QRectF(0, self.BAND_TOP, 0, self.BAND_HEIGHT)
        if not self._spans:
            band.setLeft(self.MARGIN)
            band.setRight(self.width() - self.MARGIN)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(_mix(ink, base, 0.12))
            p.drawRoundedRect(band, 4, 4)
        for phase, lo, hi in self._spans:
            # A hair of gap between phases so the boundary reads even in greyscale.
            band.setLeft(self.x_of(lo - 1) + (1.0 if lo > 0 else 0.0))
            band.setRight(self.x_of(hi) - (1.0 if hi < self.count - 1 else 0.0))
            self._paint_band(p, band, phase, head_x, base)

        # Ticks: one per step; the start tick and phase boundaries a little longer.
        boundaries = {lo - 1 for _, lo, _ in self._spans} | {self.count - 1}
        for k in range(-1, self.count):
            x = self.x_of(k)
            done = k <= self._step
            colour = ink if done else _mix(ink, base, 0.45)
            length = self.TICK_HEIGHT + (2 if k in boundaries else 0)
            p.setPen(QPen(colour, 2.0 if k == self._step else 1.0))
            p.drawLine(QPointF(x, self.TICK_TOP), QPointF(x, self.TICK_TOP + length))

        # The playhead: a line through band and ticks, with a knob on top.
        p.setPen(QPen(ink, 2.0))
        p.drawLine(QPointF(head_x, self.BAND_TOP - 2), QPointF(head_x, self.HEIGHT - 1))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(ink)
        knob = QPolygonF(
            [
                QPointF(head_x - self.KNOB, 0),
                QPointF(head_x + self.KNOB, 0),
                QPointF(head_x, self.BAND_TOP + 1),
            ]
        )
        p.drawPolygon(knob)

        if self.hasFocus():
            p.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 1.5))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 5, 5)
        p.end()

    def _paint_band(
        self, p: QPainter, band: QRectF, phase: str, head_x: float, base: QColor
    ) -> None:
        full = QColor(PHASE_COLORS.get(phase, "#888888"))
        pale = _mix(full, base, 0.28)
        label = PHASE_LABELS.get(phase, phase)
        p.setFont(self._band_font)
        text = self._fit(label, band.width() - 8)

        # Steps to come: a pale band with dark text ...
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(pale)
        p.drawRoundedRect(band, 4, 4)
        # (On a dark theme the pale band is dark: its text is lighter instead.)
        p.setPen(full.lighter(190) if base.lightness() < 128 else full.darker(170))
        p.drawText(band, Qt.AlignmentFlag.AlignCenter, text)
        # ... and the steps done, left of the playhead, in full colour with light text.
        done = QRectF(band)
        done.setRight(min(band.right(), head_x))
        if done.width() <= 0:
            return
        p.save()
        p.setClipRect(done)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(full)
        p.drawRoundedRect(band, 4, 4)
        p.setPen(QColor(PHASE_TEXT_COLORS.get(phase, "#ffffff")))
        p.drawText(band, Qt.AlignmentFlag.AlignCenter, text)
        p.restore()

    def _fit(self, label: str, width: float) -> str:
        """The phase label, or a shorter form of it, or nothing, whichever fits."""
        metrics = QFontMetrics(self._band_font)
        short = {"forward ▶": "▶", "◀ backward": "◀", "loss": "C"}.get(label, "")
        for candidate in (label, short):
            if candidate and metrics.horizontalAdvance(candidate) <= width:
                return candidate
        return ""


def _mix(colour: QColor, base: QColor, amount: float) -> QColor:
    """`amount` of `colour` over `base` (opaque, so text drawn on it has a known contrast)."""

    def channel(a: int, b: int) -> int:
        return round(a * amount + b * (1.0 - amount))

    return QColor(
        channel(colour.red(), base.red()),
        channel(colour.green(), base.green()),
        channel(colour.blue(), base.blue()),
    )


class PlayerBar(QWidget):
    """Transport buttons, scrubber, position label, speed and loop, all tied to `player`."""

    def __init__(self, player: Player, parent: QWidget | None = None):
        super().__init__(parent)
        self.player = player
        self._resume_after_scrub = False
        self._actions: dict[str, QAction] = {}
        self.buttons: dict[str, QToolButton] = {}

        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(2)
        for key, text, shortcut in _ACTIONS:
            action = QAction(text, self)
            action.setShortcut(QKeySequence(shortcut))
            action.setToolTip(f"{text} ({shortcut})")
            self._actions[key] = action
            layout.addWidget(self._button_for(key, action))
        self._actions["play"].triggered.connect(player.toggle)
        self._actions["back"].triggered.connect(player.step_back)
        self._actions["forward"].triggered.connect(player.step_forward)
        self._actions["first"].triggered.connect(player.first)
        self._actions["last"].triggered.connect(player.last)

        layout.addSpacing(10)
        self.scrubber = Scrubber(self)
        self.scrubber.seek_requested.connect(player.seek)
        self.scrubber.scrub_started.connect(self._scrub_started)
        self.scrubber.scrub_finished.connect(self._scrub_finished)
        layout.addWidget(self.scrubber, 1)
        layout.addSpacing(10)

        self.label = QLabel(self)
        self.label.setAccessibleName("Current step")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout.addWidget(self.label)
        layout.addSpacing(8)

        self.speed = QComboBox(self)
        for speed in SPEEDS:
            self.speed.addItem(speed_text(speed), speed)
        self.speed.setToolTip("Playback speed")
        self.speed.setAccessibleName("Playback speed")
        self.speed.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.speed.currentIndexChanged.connect(
            lambda i: player.set_speed(float(self.speed.itemData(i)))
        )
        layout.addWidget(self.speed)
        layout.addSpacing(4)

        self.loop = QToolButton(self)
        self.loop.setCheckable(True)
        self.loop.setText("Loop")
        self.loop.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.loop.setAutoRaise(True)
        self.loop.setToolTip("Loop: start over after the last step")
        self.loop.setAccessibleName("Loop")
        self.loop.toggled.connect(player.set_loop)
        layout.addWidget(self.loop)

        player.position_changed.connect(self._position_changed)
        player.playing_changed.connect(self._playing_changed)
        player.steps_changed.connect(self._steps_changed)
        player.speed_changed.connect(self._speed_changed)
        player.loop_changed.connect(self.loop.setChecked)
        self._steps_changed()
        self._speed_changed(player.state.speed)
        self.loop.setChecked(player.state.loop)
        self._paint_icons()
        self._playing_changed(player.state.playing)

    def _ink(self) -> QColor:
        """The icons' colour: the palette's for text on buttons."""
        return self.palette().color(QPalette.ColorRole.ButtonText)

    def _paint_icons(self) -> None:
        """The transport and loop icons, in `_ink`."""
        for key, action in self._actions.items():
            if key != "play":  # play/pause follows the player: `_paint_play_icon`
                action.setIcon(icons.icon(key, self._ink()))
        self.loop.setIcon(icons.icon("loop", self._ink()))
        self._paint_play_icon(self.player.state.playing)

    def _paint_play_icon(self, playing: bool) -> None:
        self._actions["play"].setIcon(icons.icon("pause" if playing else "play", self._ink()))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # another theme: icons in its ink
            self._paint_icons()

    def resizeEvent(self, event: QResizeEvent) -> None:
        # Narrow windows: the loop toggle gives its words to the scrubber.
        narrow = event.size().width() < NARROW_WIDTH
        self.loop.setToolButtonStyle(
            Qt.ToolButtonStyle.ToolButtonIconOnly
            if narrow
            else Qt.ToolButtonStyle.ToolButtonTextBesideIcon
        )
        super().resizeEvent(event)

    def actions(self) -> dict[str, QAction]:  # type: ignore[override]
        """The transport actions by key — play, back, forward, first, last — each with
        its shortcut (Space, Left, Right, Home, End), for the window to add to itself
        and to its Playback menu. (Shadows QWidget.actions(): the bar adds none.)"""
        return dict(self._actions)

    def _button_for(self, key: str, action: QAction) -> QToolButton:
        # Not setDefaultAction: that would add the action, and so its shortcut, to the
        # button; the window owns the shortcuts.
        button = QToolButton(self)
        button.setAutoRaise(True)
        button.setIconSize(QSize(20, 20))
        button.clicked.connect(action.trigger)

        def mirror() -> None:
            button.setIcon(action.icon())
            button.setToolTip(action.toolTip())
            button.setAccessibleName(action.text())
            button.setEnabled(action.isEnabled())

        action.changed.connect(mirror)
        mirror()
        self.buttons[key] = button
        return button

    # -- following the player ------------------------------------------------------------
    def _steps_changed(self) -> None:
        steps = self.player.steps
        self.scrubber.set_steps(steps)
        # Wide enough for the longest text this timeline can produce, so the scrubber does
        # not jump as the label changes.
        metrics = self.label.fontMetrics()
        widest = max(
            (metrics.horizontalAdvance(position_text(steps, k)) for k in range(-1, len(steps))),
            default=0,
        )
        self.label.setMinimumWidth(widest + 4)
        self._position_changed(self.player.state.step, self.player.state.progress)

    def _position_changed(self, step: int, progress: float) -> None:
        state = self.player.state
        self.scrubber.set_position(step, progress)
        self.label.setText(position_text(self.player.steps, step))
        current = self.player.current_step
        self.label.setToolTip(current.title if current else "Nothing computed yet")
        self._actions["first"].setEnabled(not state.at_start)
        self._actions["back"].setEnabled(not state.at_start)
        self._actions["forward"].setEnabled(not state.at_end)
        self._actions["last"].setEnabled(not state.at_end)
        self._actions["play"].setEnabled(state.count > 0)

    def _playing_changed(self, playing: bool) -> None:
        action = self._actions["play"]
        text = "Pause" if playing else "Play"
        action.setText(text)
        action.setToolTip(f"{text} (Space)")
        self._paint_play_icon(playing)

    def _speed_changed(self, speed: float) -> None:
        i = self.speed.findData(speed)
        if i < 0:  # a speed between the presets: show the nearest
            i = min(range(len(SPEEDS)), key=lambda j: abs(SPEEDS[j] - speed))
        self.speed.blockSignals(True)
        self.speed.setCurrentIndex(i)
        self.speed.blockSignals(False)

    def _scrub_started(self) -> None:
        # Dragging takes over from the clock; playing resumes where the drag let go.
        self._resume_after_scrub = self.player.state.playing
        self.player.pause()

    def _scrub_finished(self) -> None:
        resume, self._resume_after_scrub = self._resume_after_scrub, False
        if resume and not self.player.state.at_end:  # at the end, play would start over
            self.player.play()
