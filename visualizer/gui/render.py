"""Headless pictures of a network: the canvas (or the whole main window) as PNG or SVG.

    render_network(network, "net.png")            # the canvas, fitted to 1600×900
    render_network(network, "net.svg", (1200, 800))
    render_network(network, "window.png", window=True)

Works with no display: without DISPLAY or WAYLAND_DISPLAY it selects Qt's offscreen
platform before creating the QApplication (if there is none yet).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QRect,
    QRectF,
    QSettings,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from visualizer.engine.network import Network
from visualizer.formats.atomic import atomic_write

FORMATS = (".png", ".svg")


def ensure_app() -> QApplication:
    """The running QApplication, or a new one (offscreen when there is no display)."""
    app = QApplication.instance()
    if app is not None:
        return app  # type: ignore[return-value]
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return QApplication([])


def _format_of(out_path: str | os.PathLike[str]) -> str:
    suffix = Path(out_path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"cannot render to {Path(out_path).name!r}: use a .png or .svg file name")
    return suffix


def _check_size(size: tuple[int, int]) -> tuple[int, int]:
    w, h = (int(v) for v in size)
    if not (1 <= w <= 16384 and 1 <= h <= 16384):
        raise ValueError(f"image size must be 1..16384 pixels each way, got {w}×{h}")
    return w, h


def _png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError("could not encode the image as PNG")
    buffer.close()
    return bytes(data.data())


def _svg_bytes(paint, size: tuple[int, int], title: str) -> bytes:
    """SVG of what `paint(painter)` draws on a `size` canvas."""
    from PySide6.QtSvg import QSvgGenerator  # only SVG export needs the module

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(buffer)
    gen.setSize(QSize(*size))
    gen.setViewBox(QRect(0, 0, *size))
    gen.setTitle(title)
    gen.setDescription("Rendered by Backprop Visualizer")
    painter = QPainter(gen)
    try:
        paint(painter)
    finally:
        painter.end()
    buffer.close()
    return bytes(data.data())


def _prepare(widget: QWidget, size: tuple[int, int]) -> None:
    """Lay `widget` out at `size` without putting a window on any screen."""
    widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    widget.resize(*size)
    widget.show()
    QApplication.processEvents()


def render_network(
    network: Network,
    out_path: str | os.PathLike[str],
    size: tuple[int, int] = (1600, 900),
    window: bool = False,
) -> None:
    """Write a picture of `network` to `out_path` (.png or .svg, by suffix; ValueError
    otherwise): the canvas fitted to `size` pixels, or with `window` the main window at
    that size. The file is replaced atomically: it is either the old file or the new one."""
    fmt = _format_of(out_path)
    size = _check_size(size)
    ensure_app()
    # Imported here: the document pulls in the undo machinery, which needs QtGui loaded.
    from visualizer.gui.document import Document

    doc = Document(network)
    title = network.name or "network"
    if window:
        data = _render_window(doc, size, fmt, title)
    else:
        data = _render_canvas(doc, size, fmt, title)
    atomic_write(out_path, data)


def _render_canvas(doc, size: tuple[int, int], fmt: str, title: str) -> bytes:
    from visualizer.gui.canvas.view import NetworkView

    view = NetworkView(doc)
    try:
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        _prepare(view, size)
        view.fit()
        view.network_scene.prepare_export(vector=fmt == ".svg")
        target = QRectF(0, 0, *size)
        source = view.viewport().rect()

        def paint(painter: QPainter) -> None:
            painter.setRenderHints(
                QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
            )
            painter.fillRect(target, view.backgroundBrush())
            view.render(painter, target, source, Qt.AspectRatioMode.IgnoreAspectRatio)

        if fmt == ".svg":
            return _svg_bytes(paint, size, title)
        image = QImage(*size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        try:
            paint(painter)
        finally:
            painter.end()
        return _png_bytes(image)
    finally:
        view.close()
        view.deleteLater()


def _render_window(doc, size: tuple[int, int], fmt: str, title: str) -> bytes:
    try:
        from visualizer.gui.main_window import MainWindow
    except ImportError as exc:
        raise NotImplementedError(f"the main window is not available: {exc}") from exc
    # Throwaway settings: a picture should not depend on (or change) the user's saved
    # window layout.
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(os.path.join(folder, "render.ini"), QSettings.Format.IniFormat)
        win = MainWindow(doc, settings)
        try:
            _prepare(win, size)
            if fmt == ".svg":
                return _svg_bytes(lambda painter: win.render(painter), size, title)
            image = win.grab().toImage()
            if image.size() != QSize(*size):  # a high-DPI screen grabs more pixels
                image = image.scaled(
                    *size,
                    Qt.AspectRatioMode.IgnoreAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            return _png_bytes(image)
        finally:
            # hide(), not close(): closing runs the window's quit logic (saving its
            # layout, clearing the crash-recovery file), which is not ours to trigger.
            for timer in win.findChildren(QTimer):
                timer.stop()
            win.hide()
            win.deleteLater()
