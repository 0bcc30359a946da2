"""The small shared widgets of `visualizer.gui.widgets`."""

import pytest
from PySide6.QtCore import Qt

from visualizer.gui.widgets import LogSpinBox


def test_log_spin_box_reads_any_float_notation_and_steps_by_decades(qtbot):
    spin = LogSpinBox(1e-6, 1e-12, 1e-1)
    qtbot.addWidget(spin)
    assert spin.text() == "1e-6"
    spin.stepBy(1)
    assert spin.value() == pytest.approx(1e-5)
    spin.lineEdit().setText("2.5e\u22128")
    spin.editingFinished.emit()
    assert spin.value() == 2.5e-8
    spin.lineEdit().setText("__import__('os')")
    spin.editingFinished.emit()
    assert spin.value() == 2.5e-8
    spin.setValue(5.0)
    assert spin.value() == 1e-1  # clamped


def test_log_spin_box_takes_typed_text_and_arrow_keys(qtbot):
    spin = LogSpinBox(1e-6, 1e-12, 1e-1)
    qtbot.addWidget(spin)
    seen = []
    spin.value_changed.connect(seen.append)
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, "3e-9")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert spin.value() == 3e-9
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    assert spin.value() == pytest.approx(3e-8)
    assert seen == [3e-9, pytest.approx(3e-8)]
