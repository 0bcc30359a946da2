"""The chain view and the canvas, linked both ways in the main window: an entry of the chain
lights its edge or neuron on the canvas, and hovering the canvas marks the chain's entries."""

import pytest
from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from visualizer.formats.network_file import load_network
from visualizer.gui.canvas.layout import Hit
from visualizer.gui.document import Document
from visualizer.gui.main_window import MainWindow
from visualizer.paths import DEFAULT_NETWORK


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(Document(load_network(DEFAULT_NETWORK)), settings, tmp_path / "recovery")
    qtbot.addWidget(w)
    w.show()
    w.chain_dock.raise_()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.chain.isVisible())
    return w


def centre(rect, shape, i, j) -> QPointF:
    rows, cols = shape
    return QPointF(
        rect.left() + (j + 0.5) * rect.width() / cols, rect.top() + (i + 0.5) * rect.height() / rows
    )


def move_to(widget, pos: QPointF) -> None:
    """A real mouse-move event, delivered to `widget` (QTest's mouseMove does not reach an
    offscreen widget without a button pressed)."""
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        pos,
        QPointF(widget.mapToGlobal(pos.toPoint())),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)


def order_of(window, name: str) -> int:
    return next(line.order for line in window.chain.table.lines if line.name == name)


def test_hovering_a_weight_in_the_chain_lights_its_edge_on_the_canvas(qtbot, window):
    table, scene = window.chain.table, window.view.network_scene
    rect = table.cell_rect(order_of(window, "W2"), "row_factor")
    move_to(table, centre(rect, (3, 4), 0, 2))
    qtbot.waitUntil(lambda: scene.hover == Hit("edge", 2, 0, 2))  # W²[1,3]: a¹₃ → z²₁
    # Its transpose is the same edge: (W²)ᵀ[2, 0].
    rect = table.cell_rect(order_of(window, "W2"), "col_factor")
    move_to(table, centre(rect, (4, 3), 1, 0))
    qtbot.waitUntil(lambda: scene.hover == Hit("edge", 2, 0, 1))
    # A running column's entry is a neuron: δ² entry 2 is z²₂.
    rect = table.cell_rect(order_of(window, "J_f2"), "col_result")
    move_to(table, centre(rect, (3, 1), 1, 0))
    qtbot.waitUntil(lambda: scene.hover == Hit("z", 2, 1))


def test_hovering_the_canvas_marks_the_entries_in_the_chain(window):
    table, scene = window.chain.table, window.view.network_scene
    scene.set_hover(Hit("edge", 2, 0, 2))  # what the canvas does under the mouse
    w2 = order_of(window, "W2")
    assert set(table.linked_entries()) == {(w2, "row_factor", 0, 2), (w2, "col_factor", 2, 0)}
    scene.set_hover(Hit("z", 2, 1))  # z²₂: δ² entry 2, and f²′ at z²₂
    f2 = order_of(window, "J_f2")
    assert set(table.linked_entries()) == {
        (f2, "row_factor", 0, 1),
        (f2, "col_factor", 1, 0),
        (f2, "row_result", 0, 1),
        (f2, "col_result", 1, 0),
    }
    scene.set_hover(Hit("neuron", 0, 1))  # x₂: the last running row and column, ∇ₓC
    w1 = order_of(window, "W1")
    assert set(table.linked_entries()) == {(w1, "row_result", 0, 1), (w1, "col_result", 1, 0)}
    scene.set_hover(None)
    assert table.linked_entries() == []


def test_the_chain_tab_gets_room_for_both_forms(window):
    assert (
        window.chain_dock.width() >= min(window.chain.preferred_width(), 0.45 * window.width()) - 2
    )
