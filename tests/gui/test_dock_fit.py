"""The Training, Check and History panels fit a dock of the inspector's width: no label or
button cut short, no horizontal scroll bar."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QLabel

from visualizer.gui import commands

DOCK_WIDTH = 340  # the inspector's width in a 1600-pixel window, a little less


@pytest.fixture
def window(window, qtbot):
    """conftest's main window, shown at 1600×900."""
    window.resize(1600, 900)
    window.show()
    qtbot.waitExposed(window)
    return window


def clipped(widget) -> list[str]:
    """What inside `widget` is drawn narrower than it needs, or scrolls sideways."""
    problems = []
    for child in widget.findChildren(QAbstractScrollArea):
        if child.isVisibleTo(widget) and child.horizontalScrollBar().isVisible():
            problems.append(f"horizontal scroll bar on {type(child).__name__}")
    for child in widget.findChildren(QLabel) + widget.findChildren(QAbstractButton):
        if not child.isVisibleTo(widget) or (isinstance(child, QLabel) and child.wordWrap()):
            continue
        text = child.text()
        if text and child.width() < child.minimumSizeHint().width():
            problems.append(f"{type(child).__name__} {text!r}: {child.width()} px of "
                            f"{child.minimumSizeHint().width()}")
    return problems


@pytest.mark.parametrize("key", ["check", "training", "history"])
def test_panel_fits_a_normal_width_dock(qtbot, window, key):
    for k in range(6):  # long History entries
        window.doc.edit(commands.SetWeight(window.doc, 1, 0, 0, -0.123456789 * (k + 1)))
    dock = window.history_dock if key == "history" else getattr(window, f"{key}_dock")
    dock.show()
    dock.raise_()
    widget = dock.widget() if key == "history" else window.panel(key)
    if key == "check":  # with its table filled
        window.check.run_check()
        assert window.check.wait(60)
        qtbot.waitUntil(lambda: window.check.table.rowCount() > 0)
    window.resizeDocks([dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)
    qtbot.wait(50)
    assert dock.width() <= DOCK_WIDTH + 20, "the panel forces the dock wider"
    assert clipped(widget) == []
