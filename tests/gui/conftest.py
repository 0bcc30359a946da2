"""Shared GUI-test fixtures, and a guard every GUI test runs under: it fails a test that
leaves a QTimer, an animation or a thread running (napari's conftest does the same).
Leftovers fire into the next test, or into objects half torn down — the classic cause of
flaky failures and crashes at exit in Qt test suites."""

import threading

import pytest
from PySide6.QtCore import QAbstractAnimation, QSettings, QThread, QTimer
from PySide6.QtWidgets import QMessageBox

from visualizer.formats.network_file import load_network
from visualizer.gui.canvas.view import NetworkView
from visualizer.gui.document import Document
from visualizer.gui.main_window import MainWindow
from visualizer.paths import DEFAULT_NETWORK

Btn = QMessageBox.StandardButton


def _alive(obj, running) -> bool:
    try:
        return running(obj)
    except RuntimeError:  # its C++ object is deleted: it stopped with it
        return False


def _describe(kind: str, obj) -> str:
    """What is left running, and whose: "QTimer QTimer of a NetworkScene"."""
    parent = obj.parent()
    owner = f" of a {type(parent).__name__}" if parent is not None else ""
    return f"{kind} {obj.objectName() or type(obj).__name__}{owner}"


@pytest.fixture(autouse=True)
def no_dangling_timers_animations_or_threads(monkeypatch):
    """Fail the test if a QTimer, animation, QThread or Python thread it started still
    runs when it ends (after its other fixtures are torn down)."""
    started: dict[str, list] = {"QTimer": [], "animation": [], "QThread": []}
    for cls, kind in ((QTimer, "QTimer"), (QAbstractAnimation, "animation"), (QThread, "QThread")):

        def tracked(self, *args, _original=cls.start, _kind=kind):
            started[_kind].append(self)
            return _original(self, *args)

        monkeypatch.setattr(cls, "start", tracked)
    threads_before = set(threading.enumerate())
    yield
    running = {
        "QTimer": lambda t: t.isActive(),
        "animation": lambda a: a.state() == QAbstractAnimation.State.Running,
        "QThread": lambda t: t.isRunning(),
    }
    left = [
        _describe(kind, obj)
        for kind, objs in started.items()
        for obj in dict.fromkeys(objs)
        if _alive(obj, running[kind])
    ]
    left += [f"thread {t.name}" for t in threading.enumerate() if t not in threads_before]
    if left:
        pytest.fail("left running after the test: " + ", ".join(left), pytrace=False)


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
