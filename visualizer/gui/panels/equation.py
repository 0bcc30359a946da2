"""The equation panel: what the current step computes, symbolically and with its numbers.

A caption (the step's title: phase, layer, equation and any note such as "f¹ = tanh"), the
equation in a large font, and the values it wrote in a monospace font, all selectable rich
text, beside an accent bar in the step's phase colour (the scrubber's colours).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from visualizer.gui.player import Player
from visualizer.gui.style import NEUTRAL_COLOR, PHASE_COLORS
from visualizer.notation import fmt_full, render, t_fprime_applied
from visualizer.timeline import Step, counters

EQUATION_POINT_SIZE = 15.0
NUMBERS_POINT_SIZE = 11.5


def hint_html() -> str:
    """The start hint, naming the backward operators in the current notation."""
    fprime = render(t_fprime_applied("l"))[1]
    return (
        "Press <b>Space</b> to play the forward pass, then watch δ flow back through "
        f"(W<sup>l</sup>)<sup>T</sup> and {fprime}"
    )


START_CAPTION = "start · the network at rest (forward values); playback computes step by step"

_SELECTABLE = Qt.TextInteractionFlag.TextSelectableByMouse | (
    Qt.TextInteractionFlag.TextSelectableByKeyboard
)


def full_precision_html(step: Step, limit: int = 64) -> str:
    """The step's written values in full precision, for the numbers' tooltip (the panel
    shows them to the display's digits)."""
    import html  # here, with the first step shown: the window opens without it (notation.py)

    lines = []
    for part, ref in zip(step.numbers_text.split("; "), step.writes, strict=False):
        name = html.escape(part.split(" = ", 1)[0])
        values = np.atleast_1d(ref.values).ravel()
        shown = ", ".join(fmt_full(v) for v in values[:limit])
        more = f", … ({values.size} in all)" if values.size > limit else ""
        lines.append(f"{name} = {shown}{more}")
    return "<br>".join(lines)


class EquationPanel(QWidget):
    """Shows one Step (or the start hint) with `show_step`; `follow(player)` keeps it on
    the player's current step."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._step: Step | None = None
        self._player: Player | None = None
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        self.accent = QFrame(self)
        self.accent.setFixedWidth(5)
        self.accent.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)

        self.title_label = self._label()
        # The caption is quieter than the equation, but still comfortably readable.
        self._mute_title()

        self.equation_label = self._label()
        big = QFont(self.equation_label.font())
        big.setPointSizeF(EQUATION_POINT_SIZE)
        self.equation_label.setFont(big)

        self.numbers_label = self._label()
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(NUMBERS_POINT_SIZE)
        self.numbers_label.setFont(mono)

        text = QVBoxLayout()
        text.setContentsMargins(0, 0, 0, 0)
        text.setSpacing(3)
        text.addWidget(self.title_label)
        text.addWidget(self.equation_label)
        text.addWidget(self.numbers_label)
        # Forward mode and "both": the running multiplication counters of each mode.
        self.counters_label = self._label()
        text.addWidget(self.counters_label)
        self.counters_label.hide()

        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(10)
        layout.addWidget(self.accent)
        layout.addLayout(text, 1)
        self.show_step(None)

    def _label(self) -> QLabel:
        label = QLabel(self)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setTextInteractionFlags(_SELECTABLE)
        label.setWordWrap(True)
        label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        return label

    def _mute_title(self) -> None:
        """The title in the panel's ink at 68 %: quieter than the equation."""
        muted = QPalette(self.palette())
        ink = muted.color(QPalette.ColorRole.WindowText)
        ink.setAlphaF(0.68)
        muted.setColor(QPalette.ColorRole.WindowText, ink)
        self.title_label.setPalette(muted)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # a new theme: mute its ink instead
            self._mute_title()

    @property
    def step(self) -> Step | None:
        return self._step

    def show_step(self, step: Step | None) -> None:
        """Show `step`'s title, equation and numbers; None shows the start hint."""
        self._step = step
        if step is None:
            self.title_label.setText(START_CAPTION)
            self.equation_label.setText(hint_html())
            self.numbers_label.setText("")
            self.numbers_label.setToolTip("")
            self.numbers_label.hide()
            colour = NEUTRAL_COLOR
        else:
            self.title_label.setText(step.title_html)
            self.equation_label.setText(step.equation_html)
            self.numbers_label.setText(step.numbers_html)
            self.numbers_label.setToolTip(full_precision_html(step))
            self.numbers_label.show()
            colour = PHASE_COLORS.get(step.phase, NEUTRAL_COLOR)
        self.accent.setStyleSheet(f"background-color: {colour}; border-radius: 2px;")
        self.accent.setAccessibleDescription(step.phase if step else "start")

    def follow(self, player: Player) -> None:
        """Show `player`'s current step now and whenever it moves or the timeline is
        rebuilt (new values at the same step)."""
        # Bound methods, not closures: Qt drops the connections when the panel goes.
        self._player = player
        player.position_changed.connect(self._refresh)
        player.steps_changed.connect(self._reshow)
        self._refresh()

    def _reshow(self) -> None:
        # A rebuilt timeline (new values, or a new notation or precision): always redraw.
        if self._player is not None:
            self.show_step(self._player.current_step)
            self._update_counters()

    def show_counters(self, mode: str, counts: dict[str, int] | None, finished: bool) -> None:
        """The multiplications each mode has spent on dC/dx so far (hidden in reverse
        mode, where the chain view has the counts); at the end of "both", their ratio."""
        if mode == "reverse" or counts is None:
            self.counters_label.hide()
            return
        forward, reverse = counts["forward"], counts["reverse"]
        text = f"<b>×</b> multiplications for dC/dx · forward mode: <b>{forward}</b>"
        if mode == "both":
            text += f" · reverse mode: <b>{reverse}</b>"
            if finished and reverse:
                text += f" · forward / reverse = <b>{forward / reverse:.2f}×</b>"
        self.counters_label.setText(text)
        self.counters_label.show()

    def _refresh(self, *_args: object) -> None:
        if self._player is None:
            return
        if self._player.current_step is not self._step:
            self.show_step(self._player.current_step)
        self._update_counters()

    def _update_counters(self) -> None:
        assert self._player is not None
        steps = self._player.steps
        k = self._player.state.step
        mode = steps[0].mode if steps else "reverse"
        self.show_counters(mode, counters(steps, k), k == len(steps) - 1)
