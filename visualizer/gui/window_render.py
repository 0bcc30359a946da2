"""A headless picture of the whole main window (PNG or SVG), for `render --window`.

Kept apart from `render.py` on purpose: the main window imports the export code, which
imports `render.py`; drawing the window from there would close an import cycle.
"""

from __future__ import annotations

import os
import tempfile

from PySide6.QtCore import QSettings, QTimer

from visualizer.engine.network import Network
from visualizer.formats.atomic import atomic_write
from visualizer.gui.document import Document
from visualizer.gui.main_window import MainWindow
from visualizer.gui.render import check_size, ensure_app, format_of, widget_picture


def render_window(
    network: Network,
    out_path: str | os.PathLike[str],
    size: tuple[int, int] = (1600, 900),
) -> None:
    """Write a picture of the main window showing `network`, at `size` pixels, to
    `out_path` (.png or .svg, by suffix; ValueError otherwise), replaced atomically."""
    fmt = format_of(out_path)
    size = check_size(size)
    ensure_app()
    # Throwaway settings: a picture should not depend on (or change) the user's saved
    # window layout.
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(os.path.join(folder, "render.ini"), QSettings.Format.IniFormat)
        win = MainWindow(Document(network), settings)
        try:
            data = widget_picture(win, size, fmt, network.name or "network")
        finally:
            # hide(), not close(): closing runs the window's quit logic (saving its
            # layout, clearing the crash-recovery file), which is not ours to trigger.
            for timer in win.findChildren(QTimer):
                timer.stop()
            win.hide()
            win.deleteLater()
    atomic_write(out_path, data)
