"""QApplication set-up and the GUI's entry point."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def run(path: str | None = None) -> int:
    """Open the main window on `path` (default: the built-in example) and run the event
    loop. A file that cannot be read: `error: …` on stderr and exit status 2."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from visualizer.formats.network_file import load_network
    from visualizer.gui.document import Document
    from visualizer.paths import DEFAULT_NETWORK

    target = Path(path) if path else DEFAULT_NETWORK
    try:
        # The document computes (and checks) the trace: a file whose values overflow is
        # refused here like a malformed one.
        document = Document(load_network(target), path if path else None)
    except (ValueError, OSError) as exc:
        print(f"error: {target}: {exc}", file=sys.stderr)
        return 2

    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_application(app)

    from visualizer.gui.main_window import MainWindow

    window = MainWindow(document)
    window.show()
    # Asked from inside the event loop, once the window is up: the question then has its
    # window behind it, and whatever the answer leads to (even quitting) works as usual.
    QTimer.singleShot(0, window.offer_recovery)
    return app.exec()


def configure_application(app) -> None:
    """Names used by QSettings and QStandardPaths (settings, recovery file)."""
    app.setOrganizationName("backprop-visualizer")
    app.setApplicationName("Backprop Visualizer")
    app.setApplicationDisplayName("Backprop Visualizer")
