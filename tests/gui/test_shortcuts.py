"""Every documented keyboard shortcut, sent as a real key event to the main window (the
way a user presses it), does what the README says."""

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QUndoView

from visualizer.formats.network_file import load_network, save_network
from visualizer.gui import commands, export
from visualizer.gui.document import Document, Selection
from visualizer.gui.main_window import MainWindow
from visualizer.gui.tour import QuickTour
from visualizer.paths import DEFAULT_NETWORK

Ctrl = Qt.KeyboardModifier.ControlModifier
Shift = Qt.KeyboardModifier.ShiftModifier
K = Qt.Key


@pytest.fixture
def window(qtbot, tmp_path):
    path = tmp_path / "net.json"
    save_network(load_network(DEFAULT_NETWORK), path)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(Document(load_network(path), path), settings, tmp_path / "recovery")
    w.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    show_active(qtbot, w)
    yield w
    if "training" in w._panels:
        w.training.trainer.pause()
    w.doc.undo_stack.clear()
    w.close()
    w.deleteLater()


def show_active(qtbot, w):
    # Window shortcuts only fire in the active window.
    w.show()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)


def press(qtbot, window, key, modifiers=Qt.KeyboardModifier.NoModifier):
    # To whichever widget has the focus, as a real key press would go.
    qtbot.keyClick(window.focusWidget() or window, key, modifiers)


def edit_weight(window, value=0.25):
    window.doc.edit(commands.SetWeight(window.doc, 1, 0, 0, value))


def test_undo_and_both_redo_shortcuts(qtbot, window):
    start = window.doc.network
    edit_weight(window)
    edited = window.doc.network
    press(qtbot, window, K.Key_Z, Ctrl)
    assert window.doc.network == start
    press(qtbot, window, K.Key_Z, Ctrl | Shift)
    assert window.doc.network == edited
    press(qtbot, window, K.Key_Z, Ctrl)
    assert window.doc.network == start
    press(qtbot, window, K.Key_Y, Ctrl)
    assert window.doc.network == edited


def test_no_shortcut_is_bound_twice(window):
    from PySide6.QtGui import QAction

    seen: dict[str, str] = {}
    for action in window.findChildren(QAction):
        for seq in action.shortcuts():
            key = seq.toString()
            assert key not in seen, f"{key} bound to {seen[key]!r} and {action.text()!r}"
            seen[key] = action.text()


def test_history_shortcut_toggles_the_history(qtbot, window):
    edit_weight(window, 0.25)  # made before the list exists: it must still be listed
    assert not window.history_dock.isVisible()
    press(qtbot, window, K.Key_H, Ctrl)
    assert window.history_dock.isVisible()
    # Built when first shown (not at start-up), on the document's undo stack.
    history = window.history_dock.widget()
    assert isinstance(history, QUndoView) and history.stack() is window.doc.undo_stack
    assert history.model().rowCount() == window.doc.undo_stack.count() + 1  # + <empty>
    press(qtbot, window, K.Key_H, Ctrl)
    assert not window.history_dock.isVisible()


def test_layer_shortcuts(qtbot, window):
    depth = window.doc.network.depth
    press(qtbot, window, K.Key_L, Ctrl)
    assert window.doc.network.depth == depth + 1
    window.doc.set_selection(Selection("layer", 1))
    press(qtbot, window, K.Key_L, Ctrl | Shift)
    assert window.doc.network.depth == depth


def test_zoom_and_fit_shortcuts(qtbot, window):
    window.view.setFocus()
    window.view.fit()
    fitted = window.view.zoom
    press(qtbot, window, K.Key_Equal, Ctrl)
    assert window.view.zoom > fitted
    press(qtbot, window, K.Key_Minus, Ctrl)
    press(qtbot, window, K.Key_Minus, Ctrl)
    assert window.view.zoom < fitted
    press(qtbot, window, K.Key_0, Ctrl)
    assert window.view.zoom == pytest.approx(fitted)


def test_arrow_keys_change_the_selected_weight(qtbot, window):
    window.view.setFocus()
    window.doc.set_selection(Selection("edge", 1, 0, 0))
    before = window.doc.network.layer(1).weights[0, 0]
    press(qtbot, window, K.Key_Up)
    assert window.doc.network.layer(1).weights[0, 0] > before


def test_playback_keys(qtbot, window):
    state = window.player.state
    window.player_bar.setFocus()  # on the canvas, the arrows walk the network instead
    press(qtbot, window, K.Key_Right)
    press(qtbot, window, K.Key_Right)
    assert state.step == 1
    press(qtbot, window, K.Key_Left)
    assert state.step == 0
    press(qtbot, window, K.Key_End)
    assert state.at_end
    press(qtbot, window, K.Key_Home)
    assert state.at_start
    press(qtbot, window, K.Key_Space)
    assert state.playing
    press(qtbot, window, K.Key_Space)
    assert not state.playing


def test_file_shortcuts(qtbot, window, monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(
        QFileDialog,
        "getOpenFileName",
        lambda *a, **k: calls.append("open") or ("", ""),
    )
    target = tmp_path / "as.json"
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda *a, **k: calls.append("save as") or (str(target), ""),
    )
    monkeypatch.setattr(export, "export_snapshot", lambda *a, **k: calls.append("snapshot") or None)
    monkeypatch.setattr(export, "export_image", lambda *a, **k: calls.append("image") or None)
    press(qtbot, window, K.Key_O, Ctrl)
    press(qtbot, window, K.Key_E, Ctrl)
    press(qtbot, window, K.Key_E, Ctrl | Shift)
    assert calls == ["open", "snapshot", "image"]
    edit_weight(window, 0.5)
    press(qtbot, window, K.Key_S, Ctrl)
    assert load_network(window.doc.path) == window.doc.network and not window.doc.is_modified
    press(qtbot, window, K.Key_S, Ctrl | Shift)
    assert calls[-1] == "save as" and window.doc.path == target and target.exists()
    press(qtbot, window, K.Key_N, Ctrl)
    assert window.doc.path is None and window.doc.network.name == "Untitled"


def test_quick_tour_shortcut(qtbot, window, monkeypatch):
    shown = []
    monkeypatch.setattr(QuickTour, "exec", lambda self: shown.append(self) or 0)
    press(qtbot, window, K.Key_F1)
    assert len(shown) == 1


def test_training_shortcuts(qtbot, window):
    press(qtbot, window, K.Key_T, Ctrl | Shift)
    assert window.training.trainer.steps == 1
    press(qtbot, window, K.Key_T, Ctrl)
    assert window.training.trainer.running
    press(qtbot, window, K.Key_T, Ctrl)
    assert not window.training.trainer.running


def test_quit_shortcut_closes_the_window(qtbot, window):
    press(qtbot, window, K.Key_Q, Ctrl)
    assert not window.isVisible()


def test_readme_lists_the_shortcuts_tested_here():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for key in (
        "Ctrl+Z",
        "Ctrl+Shift+Z",
        "Ctrl+Y",
        "Ctrl+H",
        "Ctrl+L",
        "Ctrl+Shift+L",
        "Ctrl+0",
        "Ctrl+E",
        "Ctrl+Shift+E",
        "Ctrl+T",
        "Ctrl+Shift+T",
        "F1",
        "Ctrl+O",
    ):
        assert key in readme, key


def test_shortcuts_do_not_depend_on_the_platform(window):
    """Qt's standard Redo is Ctrl+Shift+Z alone on X11 without a desktop (binding it again
    made it ambiguous, and Ctrl+Y was never bound); offscreen it is Ctrl+Y first."""
    assert [s.toString() for s in window.act_redo.shortcuts()] == ["Ctrl+Shift+Z", "Ctrl+Y"]
    assert [s.toString() for s in window.act_quit.shortcuts()] == ["Ctrl+Q"]


# -- what a gesture says -------------------------------------------------------------------
def edge_point(view, l, i, j):
    """A viewport point on edge Wˡ[i, j] that hits that edge."""
    import numpy as np

    scene = view.network_scene
    for t in np.linspace(0.15, 0.85, 15):
        p = view.mapFromScene(scene.edge_pos(l, i, j, float(t)))
        hit = view.hit_at(p)
        if hit is not None and (hit.kind, hit.layer, hit.i, hit.j) == ("edge", l, i, j):
            return p
    raise AssertionError("no clear point on the edge")


def history_top(window) -> str:
    stack = window.doc.undo_stack
    return stack.command(stack.index() - 1).text()


def test_a_drag_says_what_history_says(qtbot, window):
    from PySide6.QtCore import QPoint

    window.doc.edit(commands.SetWeight(window.doc, 1, 0, 1, -0.75))
    window.view.fit()
    start = edge_point(window.view, 1, 0, 1)
    vp = window.view.viewport()
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=start)
    for dy in (10, 25, 40, 60):
        qtbot.mouseMove(vp, start - QPoint(0, dy))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=start - QPoint(0, 60))
    top = history_top(window)
    assert "from −0.75 to" in top
    assert window.statusBar().currentMessage() == f"{top} — Ctrl+Z to undo"


def test_alt_wheel_says_what_it_did_and_leaves_the_menu_alone(qtbot, window):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    window.view.fit()
    window.view.setFocus()
    window.doc.set_selection(Selection("edge", 1, 0, 1))
    old = window.doc.network.layer(1).weights[0, 1]
    pos = edge_point(window.view, 1, 0, 1)
    alt = Qt.KeyboardModifier.AltModifier
    qtbot.keyPress(window.view, K.Key_Alt, alt)
    for _ in range(3):
        QApplication.sendEvent(
            window.view.viewport(),
            QWheelEvent(
                QPointF(pos),
                QPointF(window.view.viewport().mapToGlobal(pos)),
                QPoint(0, 0),
                QPoint(0, 120),
                Qt.MouseButton.NoButton,
                alt,
                Qt.ScrollPhase.NoScrollPhase,
                False,
            ),
        )
    qtbot.keyRelease(window.view, K.Key_Alt)
    assert window.doc.network.layer(1).weights[0, 1] > old
    top = history_top(window)
    assert window.statusBar().currentMessage() == f"{top} — Ctrl+Z to undo"
    # releasing Alt after the wheel must not hand the keyboard to the menu bar
    assert QApplication.focusWidget() is window.view


# -- opening a file ------------------------------------------------------------------------
def test_opening_a_file_starts_playback_from_the_beginning(qtbot, window, tmp_path):
    from visualizer.engine.network import make_network

    window.player.last()
    assert window.player.state.at_end
    other = tmp_path / "other.json"
    save_network(make_network([3, 4, 2]), other)
    assert window.open_path(other)
    assert window.player.state.at_start and not window.player.state.playing
    window.player.seek(3)
    window.file_new()
    assert window.player.state.at_start
