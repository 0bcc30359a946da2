"""Small widgets the panels share, that Qt does not have."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QAbstractSpinBox, QWidget

from visualizer.notation import parse_number


class LogSpinBox(QAbstractSpinBox):
    """A positive number typed in any float notation ("1e-6", "0.000001", "1e−6"); the
    arrows multiply or divide it by 10. Emits `value_changed(value)`."""

    value_changed = Signal(float)

    def __init__(self, value: float, minimum: float, maximum: float, parent: QWidget | None = None):
        super().__init__(parent)
        self._min, self._max = minimum, maximum
        self._value = float(value)
        self.setKeyboardTracking(False)
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)
        self.lineEdit().setText(self.text_for(self._value))
        self.editingFinished.connect(self._commit_text)
        # Room for "1e-12" plus the arrows; the base class sizes itself for an empty text.
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("8.88e-888") + 34)

    def value(self) -> float:
        return self._value

    def setValue(self, value: float) -> None:  # Qt's spelling, like QDoubleSpinBox
        value = min(self._max, max(self._min, float(value)))
        self.lineEdit().setText(self.text_for(value))
        if value != self._value:
            self._value = value
            self.value_changed.emit(value)

    @staticmethod
    def text_for(value: float) -> str:
        text = f"{value:.6g}"
        if "e" in text:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}e{int(exponent)}"
        return text

    def _parse(self, text: str) -> float | None:
        try:
            value = parse_number(text)
        except ValueError:
            return None
        return value if self._min <= value <= self._max else None

    def validate(self, text: str, pos: int):
        state = (
            QValidator.State.Acceptable
            if self._parse(text) is not None
            else QValidator.State.Intermediate
        )
        return state, text, pos

    def fixup(self, text: str) -> str:
        return self.text_for(self._value)

    def _commit_text(self) -> None:
        value = self._parse(self.lineEdit().text())
        self.setValue(self._value if value is None else value)

    def stepBy(self, steps: int) -> None:
        self.setValue(self._value * 10.0**steps)

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if self._value * 10 <= self._max:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if self._value / 10 >= self._min:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return flags


class SeedSpinBox(QAbstractSpinBox):
    """A seed: a non-negative integer of any size. QSpinBox stops at 2³¹ − 1 (and raises
    OverflowError beyond), but a network file may hold any seed NumPy accepts. Emits
    `valueChanged(int)` like QSpinBox (as an object: Qt's int is 32 bits)."""

    valueChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._value = 0
        self.setKeyboardTracking(False)
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)
        self.lineEdit().setText("0")
        self.editingFinished.connect(self._commit_text)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("8888888888") + 34)

    def value(self) -> int:
        return self._value

    def setValue(self, value: int) -> None:
        value = max(0, int(value))
        self.lineEdit().setText(str(value))
        if value != self._value:
            self._value = value
            self.valueChanged.emit(value)

    def validate(self, text: str, pos: int):
        if text == "":
            return QValidator.State.Intermediate, text, pos
        ok = text.isascii() and text.isdigit()
        return (QValidator.State.Acceptable if ok else QValidator.State.Invalid), text, pos

    def fixup(self, text: str) -> str:
        return str(self._value)

    def _commit_text(self) -> None:
        text = self.lineEdit().text()
        self.setValue(int(text) if text.isascii() and text.isdigit() else self._value)

    def stepBy(self, steps: int) -> None:
        self.setValue(self._value + steps)

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        flags = QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if self._value > 0:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return flags


class ShownGate:
    """Whether a panel's tab is on screen, and the redraw it owes from while it was not.

    A dock tabbed behind another is moved off screen, not hidden (`isVisible()` stays
    True): the window tells the panel from its dock's `visibilityChanged`. Redrawing the
    panels of a big network costs the GUI thread tens of milliseconds each, so a tab that
    is not on screen redraws once when it is shown again, not at every change. A panel on
    its own (nobody tells it otherwise) is on screen."""

    def __init__(self, redraw: Callable[[], None]) -> None:
        self.on_screen = True
        self.owed = False
        self._redraw = redraw

    def allows(self) -> bool:
        """True when the panel may redraw now; otherwise the redraw is owed."""
        if not self.on_screen:
            self.owed = True
        return self.on_screen

    def set_on_screen(self, shown: bool) -> None:
        self.on_screen = shown
        if shown:
            self.settle()

    def settle(self) -> None:
        """Redraw now if a redraw is owed (the tab is shown again, or someone reads it)."""
        if self.owed:
            self.owed = False
            self._redraw()
