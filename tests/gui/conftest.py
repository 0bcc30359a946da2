"""Shared GUI-test fixtures."""

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from visualizer.formats.network_file import load_network
from visualizer.gui.canvas.view import NetworkView
from visualizer.gui.document import Document
from visualizer.gui.main_window import MainWindow
from visualizer.paths import DEFAULT_NETWORK

Btn = QMessageBox.StandardButton


@pytest.fixture
def view(qtbot, doc):
    """The canvas of the test module's `doc`, shown at 1600×900 and exposed."""
    v = NetworkView(doc)
    qtbot.addWidget(v)
    v.resize(1600, 900)
    v.show()
    qtbot.waitExposed(v)
    return v


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """The main window on the default example; `errors` collects what it would show,
    `answers` are the replies to "save changes?" (Discard when empty)."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(Document(load_network(DEFAULT_NETWORK)), settings, tmp_path / "recovery")
    w.errors = []
    w.answers = []
    monkeypatch.setattr(w, "show_error", lambda title, text: w.errors.append(text))
    monkeypatch.setattr(w, "ask_unsaved", lambda: w.answers.pop(0) if w.answers else Btn.Discard)
    yield w
    w.doc.undo_stack.clear()  # nothing unsaved: closing must not prompt
    w.close()
    w.deleteLater()
