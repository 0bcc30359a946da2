"""QApplication set-up and the GUI's entry point."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when the window is built: Qt stays out of this module
    from visualizer.gui.main_window import MainWindow

NO_DISPLAY = "no display found: set DISPLAY, or use the command-line commands"


def has_display() -> bool:
    """Whether a window can be shown: on X11/Wayland systems that needs DISPLAY or
    WAYLAND_DISPLAY, unless a Qt platform was chosen explicitly (offscreen, vnc, …).
    Windows and macOS always have their own."""
    if sys.platform in ("win32", "darwin") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(path: str | None = None) -> int:
    """Open the main window on `path` (default: the built-in example) and run the event
    loop. A file that cannot be read: `error: …` on stderr and exit status 2."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    window = open_window(path)
    if isinstance(window, int):
        return window
    # Asked from inside the event loop, once the window is up: the question then has its
    # window behind it, and whatever the answer leads to (even quitting) works as usual.
    QTimer.singleShot(0, window.offer_recovery)
    return QApplication.instance().exec()


def open_window(path: str | None = None) -> MainWindow | int:
    """Everything `run` does before the event loop: the QApplication, the document on
    `path`, the main window shown (and returned). An exit status instead when the file
    cannot be read or there is no display. `benchmarks/bench_startup.py` times this."""
    from PySide6.QtWidgets import QApplication

    from visualizer import collector
    from visualizer.formats.models import ActivationsNeeded, open_model
    from visualizer.gui.document import Document
    from visualizer.paths import DEFAULT_NETWORK

    target = Path(path) if path else DEFAULT_NETWORK
    ask = False
    try:
        # Any model file opens (network, snapshot, ONNX, safetensors). The document computes
        # (and checks) the trace: a file whose values overflow is refused here like a
        # malformed one, before Qt starts.
        opened = open_model(target)
        document = _document(opened, path, Document)
    except ActivationsNeeded:
        ask = True  # a weights file without activations: asked once the app is up
    except (ValueError, OSError) as exc:
        print(f"error: {target}: {exc}", file=sys.stderr)
        return 2

    if not has_display():
        # Qt would print a warning and run with no window until killed (or abort).
        print(f"error: {NO_DISPLAY}", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_application(app)
    if ask:
        from visualizer.gui.model_files import open_any

        try:
            opened = open_any(None, target)
            if opened is None:
                print(f"error: {target}: no activations chosen; nothing opened", file=sys.stderr)
                return 2
            document = _document(opened, path, Document)
        except (ValueError, OSError) as exc:
            print(f"error: {target}: {exc}", file=sys.stderr)
            return 2

    from visualizer.gui.main_window import MainWindow

    window = MainWindow(document)
    window.show()
    collector.resume()  # paused for the start-up by the console script (launch.py)
    return window


def _document(opened, path: str | None, document_class):
    """The document for the file given at start-up (None: the built-in example). The file
    stays the document's path only when it is the app's own network file: Save must not
    overwrite a snapshot, an ONNX model or the example."""
    document = document_class(opened.network, path if path and opened.native else None)
    for note in opened.notes:
        print(f"note: {note}", file=sys.stderr)
    return document


def configure_application(app) -> None:
    """Names used by QSettings and QStandardPaths (settings, recovery file)."""
    app.setOrganizationName("backprop-visualizer")
    app.setApplicationName("Backprop Visualizer")
    app.setApplicationDisplayName("Backprop Visualizer")
