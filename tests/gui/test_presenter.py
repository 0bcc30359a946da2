"""Presenter mode (F11, Esc leaves) and text scaling per panel (Ctrl+= / Ctrl+− / Ctrl+0),
with real key events on the main window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QMessageBox, QToolBar, QWidget

from visualizer.formats.network_file import load_network
from visualizer.gui.document import Document
from visualizer.gui.main_window import MainWindow
from visualizer.gui.presenter import PRESENTER_TEXT_SCALE, TEXT_SCALE_STEP, text_scale_of
from visualizer.paths import DEFAULT_NETWORK

Ctrl = Qt.KeyboardModifier.ControlModifier
K = Qt.Key


def _window(qtbot, settings, folder):
    w = MainWindow(Document(load_network(DEFAULT_NETWORK)), settings, folder / "recovery")
    w.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    w.show()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)  # window shortcuts fire only in the active window
    return w


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings, tmp_path):
    w = _window(qtbot, settings, tmp_path)
    yield w
    w.doc.undo_stack.clear()
    w.close()
    w.deleteLater()


def press(qtbot, window, key, modifiers=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(window.focusWidget() or window, key, modifiers)


def _shown_docks(window) -> set[str]:
    return {d.windowTitle() for d in window.findChildren(QDockWidget) if d.isVisible()}


def _layout(window) -> tuple:
    """Where every dock is and how big, the toolbars, and the window's own size."""
    docks = tuple(
        sorted(
            (d.windowTitle(), d.isVisible(), window.dockWidgetArea(d), d.isFloating(), d.size())
            for d in window.findChildren(QDockWidget)
        )
    )
    bars = tuple((b.isVisible(), window.toolBarArea(b)) for b in window.findChildren(QToolBar))
    return docks, bars, window.size(), window.isFullScreen()


def test_f11_hides_the_docks_and_esc_restores_the_layout(qtbot, window):
    window.chain_dock.raise_()
    qtbot.wait(50)  # the chain view is built on first show
    docks_before = _shown_docks(window)
    assert "Inspector" in docks_before or "Chain" in docks_before
    layout_before = _layout(window)
    press(qtbot, window, K.Key_F11)
    assert window.presenting and window.act_presenter.isChecked()
    assert _shown_docks(window) == {"Playback"}
    assert not window.menuBar().isVisible() and not window.statusBar().isVisible()
    assert not any(bar.isVisible() for bar in window.findChildren(QToolBar))
    assert window.view.isVisible() and window.equation.isVisible()
    press(qtbot, window, K.Key_Escape)
    assert not window.presenting and not window.act_presenter.isChecked()
    assert _shown_docks(window) == docks_before
    assert window.menuBar().isVisible() and window.statusBar().isVisible()
    assert all(bar.isVisible() for bar in window.findChildren(QToolBar))
    qtbot.waitUntil(lambda: _layout(window) == layout_before, timeout=2000)


def test_presenter_mode_uses_large_type_and_gives_it_back(qtbot, window):
    label = window.equation.equation_label
    normal = label.font().pointSizeF()
    window.enter_presenter()
    assert label.font().pointSizeF() == pytest.approx(normal * PRESENTER_TEXT_SCALE)
    window.leave_presenter()
    assert label.font().pointSizeF() == pytest.approx(normal)


def test_the_player_keys_work_in_presenter_mode(qtbot, window):
    window.enter_presenter()
    window.player_bar.setFocus()
    press(qtbot, window, K.Key_Right)
    press(qtbot, window, K.Key_Right)
    assert window.player.state.step == 1
    press(qtbot, window, K.Key_End)
    assert window.player.state.at_end
    press(qtbot, window, K.Key_Home)
    assert window.player.state.step == -1
    press(qtbot, window, K.Key_Space)
    assert window.player.state.playing
    press(qtbot, window, K.Key_Space)
    assert not window.player.state.playing
    press(qtbot, window, K.Key_F11)  # F11 leaves too
    assert not window.presenting


def test_esc_outside_presenter_mode_still_belongs_to_the_canvas(qtbot, window):
    from visualizer.gui.document import Selection

    window.view.setFocus()
    window.doc.set_selection(Selection("neuron", 1, 0))
    press(qtbot, window, K.Key_Escape)
    assert window.doc.selection is None
    assert not window.presenting


def test_ctrl_plus_scales_the_focused_panels_text_and_it_is_remembered(
    qtbot, window, settings, tmp_path
):
    label = window.equation.equation_label
    normal = label.font().pointSizeF()
    zoom = window.view.zoom
    label.setFocus()
    assert window.focused_panel() == "equation"
    press(qtbot, window, K.Key_Equal, Ctrl)
    press(qtbot, window, K.Key_Equal, Ctrl)
    assert label.font().pointSizeF() == pytest.approx(normal * TEXT_SCALE_STEP**2, rel=1e-3)
    assert window.view.zoom == zoom  # the canvas did not zoom
    press(qtbot, window, K.Key_Minus, Ctrl)
    assert text_scale_of(window.equation) == pytest.approx(TEXT_SCALE_STEP, rel=1e-3)
    settings.sync()
    fresh = _window(qtbot, QSettings(settings.fileName(), QSettings.Format.IniFormat), tmp_path)
    try:
        assert text_scale_of(fresh.equation) == pytest.approx(TEXT_SCALE_STEP, rel=1e-3)
    finally:
        fresh.doc.undo_stack.clear()
        fresh.close()
        fresh.deleteLater()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    label.setFocus()
    press(qtbot, window, K.Key_0, Ctrl)
    assert label.font().pointSizeF() == pytest.approx(normal)


def test_each_panel_keeps_its_own_scale(qtbot, window):
    window.chain_dock.show()
    window.chain_dock.raise_()
    chain = window.chain
    focusable = [
        w for w in chain.findChildren(QWidget) if w.focusPolicy() != Qt.FocusPolicy.NoFocus
    ]
    focusable[0].setFocus()
    qtbot.waitUntil(lambda: window.focused_panel() == "chain")
    press(qtbot, window, K.Key_Equal, Ctrl)
    assert text_scale_of(chain) == pytest.approx(TEXT_SCALE_STEP, rel=1e-3)
    assert window.text_scale("chain") == pytest.approx(TEXT_SCALE_STEP, rel=1e-3)
    assert window.text_scale("equation") == 1.0
    assert text_scale_of(window.equation) == pytest.approx(1.0)
