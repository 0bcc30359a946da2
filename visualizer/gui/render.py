"""Headless pictures of a network: the canvas as PNG or SVG, and the forward and backward
pass as an animation (GIF, or a folder of PNG frames). The whole main window is drawn by
`window_render`, which sits above the main window (this module sits below it: the
window's export menu uses it).

    render_network(network, "net.png")            # the canvas, fitted to 1600×900
    render_network(network, "net.svg", (1200, 800))
    render_network(network, "step9.png", step=9)  # the canvas at step 9, fully shown
    render_network(network, "end.png", step="last")
    render_animation(network, "backprop.gif")     # every step, 20 frames per second
    render_animation(network, "frames/")          # frame_0000.png, frame_0001.png, …

Works with no display: without DISPLAY or WAYLAND_DISPLAY it selects Qt's offscreen
platform before creating the QApplication (if there is none yet).
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from visualizer.engine.network import Network
from visualizer.formats.atomic import atomic_write, atomic_writer

FORMATS = (".png", ".svg")
MAX_FPS = 50  # GIF delays count hundredths of a second; most viewers slow down faster ones
GIF_COLOURS = 255  # one shared palette for every frame (so unchanged pixels stay put)


def ensure_app() -> QApplication:
    """The running QApplication, or a new one (offscreen when there is no display)."""
    app = QApplication.instance()
    if app is not None:
        return app  # type: ignore[return-value]
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return QApplication([])


def format_of(out_path: str | os.PathLike[str]) -> str:
    suffix = Path(out_path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"cannot render to {Path(out_path).name!r}: use a .png or .svg file name")
    return suffix


def check_size(size: tuple[int, int]) -> tuple[int, int]:
    w, h = (int(v) for v in size)
    if not (1 <= w <= 16384 and 1 <= h <= 16384):
        raise ValueError(f"image size must be 1..16384 pixels each way, got {w}×{h}")
    return w, h


def png_bytes(image: QImage) -> bytes:
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


def widget_picture(widget: QWidget, size: tuple[int, int], fmt: str, title: str) -> bytes:
    """The bytes of a `fmt` (".png" or ".svg") picture of `widget`, laid out off screen at
    `size` pixels. It is left shown off screen: hiding it is the caller's business."""
    _prepare(widget, size)
    if fmt == ".svg":
        return _svg_bytes(lambda painter: widget.render(painter), size, title)
    image = widget.grab().toImage()
    if image.size() != QSize(*size):  # a high-DPI screen grabs more pixels
        image = image.scaled(
            *size,
            Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return png_bytes(image)


def _steps(doc, mode: str = "reverse") -> list:
    """The timeline of `doc`'s network on its sample, in `mode`."""
    from visualizer.timeline import build

    return build(doc.network, doc.trace, mode)


def _step_index(step: int | str, count: int) -> int:
    if step == "last":
        return count - 1
    if isinstance(step, bool) or not isinstance(step, int | np.integer) or not 0 <= step < count:
        raise ValueError(f"step must be 0..{count - 1} or 'last', got {step!r}")
    return int(step)


def render_network(
    network: Network,
    out_path: str | os.PathLike[str],
    size: tuple[int, int] = (1600, 900),
    step: int | str | None = None,
    mode: str = "reverse",
) -> None:
    """Write a picture of `network`'s canvas, fitted to `size` pixels, to `out_path` (.png
    or .svg, by suffix; ValueError otherwise). With `step` (0..count − 1, or "last") the
    canvas shows that step of the pass fully done, as the player would (ValueError for
    another step), in `mode` ("reverse", "forward" or "both": see timeline.build). The
    file is replaced atomically: it is either the old file or the new one. (The whole
    main window: `window_render.render_window`.)"""
    fmt = format_of(out_path)
    size = check_size(size)
    ensure_app()
    # Imported here: the document pulls in the undo machinery, which needs QtGui loaded.
    from visualizer.gui.document import Document

    doc = Document(network)
    title = network.name or "network"
    with _canvas(doc, size, vector=fmt == ".svg") as canvas:
        if step is not None:
            steps = _steps(doc, mode)
            canvas.show(steps, _step_index(step, len(steps)), 1.0)
        if fmt == ".svg":
            data = _svg_bytes(canvas.paint, size, title)
        else:
            data = png_bytes(canvas.image())
    atomic_write(out_path, data)


class _Canvas:
    """A NetworkView laid out off screen at a fixed size, painted on demand."""

    def __init__(self, view, size: tuple[int, int]):
        self.view = view
        self.size = size
        self.target = QRectF(0, 0, *size)
        self._image: QImage | None = None

    def show(self, steps, k: int, progress: float) -> None:
        """Move the canvas to step k at `progress` of the timeline `steps`."""
        scene = self.view.network_scene
        scene.set_playback(steps, k, progress)
        scene.refine_now()  # no quick drafts in an export

    def paint(self, painter: QPainter) -> None:
        painter.setRenderHints(
            QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
        )
        painter.fillRect(self.target, self.view.backgroundBrush())
        source = self.view.viewport().rect()
        self.view.render(painter, self.target, source, Qt.AspectRatioMode.IgnoreAspectRatio)

    def image(self) -> QImage:
        """The canvas as it is now (the same QImage object, repainted, on every call)."""
        if self._image is None:
            self._image = QImage(*self.size, QImage.Format.Format_ARGB32_Premultiplied)
        self._image.fill(Qt.GlobalColor.white)
        painter = QPainter(self._image)
        try:
            self.paint(painter)
        finally:
            painter.end()
        return self._image


@contextlib.contextmanager
def _canvas(doc, size: tuple[int, int], vector: bool = False) -> Iterator[_Canvas]:
    from visualizer.gui.canvas.view import NetworkView

    view = NetworkView(doc)
    try:
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        _prepare(view, size)
        view.fit()
        view.network_scene.prepare_export(vector=vector)
        yield _Canvas(view, size)
    finally:
        view.close()
        view.deleteLater()


# -- animations ----------------------------------------------------------------------------
def render_animation(
    network: Network,
    out: str | os.PathLike[str],
    size: tuple[int, int] = (1600, 900),
    fps: float = 20,
    step_seconds: float = 0.6,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    mode: str = "reverse",
) -> int:
    """Animate one forward and backward pass of `network` on its sample, as the canvas
    plays it: a moment of the resting network, then every step of the timeline over
    `step_seconds` (pulses travel, then the step's values appear), then the last step
    held. `out` ending in ".gif" writes an animated GIF (looping); a folder path (an
    existing empty folder, or a path without a suffix) gets numbered PNG frames
    `frame_0000.png`, … at `fps`.

    `progress(done, total)` is called after every frame rendered; when `cancelled()`
    returns True the export stops and leaves nothing behind (the GIF and the folder are
    written under temporary names and renamed only when complete). Returns the number of
    frames written (a GIF merges identical consecutive frames into one longer frame); 0
    when cancelled. ValueError for another suffix, a folder that is not empty, fps
    outside 1..50, or a non-positive step_seconds; nothing is written then.
    """
    from visualizer.gui.canvas.playback import frame_plan

    path = Path(out)
    gif = path.suffix.lower() == ".gif" and not path.is_dir()
    if not gif:
        if path.exists() and not path.is_dir():
            raise ValueError(f"cannot animate to {path.name!r}: use a .gif file or a folder")
        if not path.exists() and path.suffix:
            raise ValueError(f"cannot animate to {path.name!r}: use a .gif file or a folder")
        if path.is_dir() and any(path.iterdir()):
            raise ValueError(f"folder {str(path)!r} is not empty")
    size = check_size(size)
    if not (math.isfinite(fps) and 1 <= fps <= MAX_FPS):
        raise ValueError(f"fps must be 1..{MAX_FPS}, got {fps}")
    if not (math.isfinite(step_seconds) and step_seconds > 0):
        raise ValueError(f"step_seconds must be positive, got {step_seconds}")
    ensure_app()
    from visualizer.gui.document import Document

    doc = Document(network)
    steps = _steps(doc, mode)
    plan = frame_plan(len(steps), fps, step_seconds)
    frame_ms = 1000.0 / fps

    def frames(canvas: _Canvas) -> Iterator[QImage]:
        for done, (k, p) in enumerate(plan):
            if cancelled is not None and cancelled():
                raise _Cancelled
            canvas.show(steps, k, p)
            yield canvas.image()
            if progress is not None:
                progress(done + 1, len(plan))

    try:
        with _canvas(doc, size) as canvas:
            if not gif:
                return _write_png_folder(path, frames(canvas))
            # One palette for all frames, from a few that hold every kind of colour: the
            # resting network, a backward step mid-pulse, and the end.
            samples = []
            # (Forward mode has no backward step: its middle step stands in.)
            busy = next((s.index for s in steps if s.kind == "weight_grad"), len(steps) // 2)
            for k, p in ((-1, 1.0), (busy, 0.35), (len(steps) - 1, 1.0)):
                canvas.show(steps, k, p)
                samples.append(_rgb(canvas.image()))
            return _write_gif(path, frames(canvas), frame_ms, _palette(samples))
    except _Cancelled:
        return 0


class _Cancelled(Exception):
    """Raised inside the frame loop to unwind (and clean up) a cancelled export."""


def _write_png_folder(folder: Path, frames: Iterator[QImage]) -> int:
    """Write `frames` as frame_0000.png, … into a temporary folder beside `folder`, then
    rename it to `folder` (which must be absent or empty)."""
    parent = folder.parent if str(folder.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{folder.name}.", suffix=".tmp"))
    try:
        count = 0
        previous: tuple[QImage, bytes] | None = None
        for count, image in enumerate(frames, start=1):
            # Rests, holds and the still end of every step repeat a frame: encode it once.
            if previous is None or image != previous[0]:
                previous = (image.copy(), png_bytes(image))
            # No per-frame atomic writes: the whole folder appears at once, by rename.
            (tmp / f"frame_{count - 1:04d}.png").write_bytes(previous[1])
        if folder.is_dir():
            folder.rmdir()  # empty (checked before): rename() cannot replace a folder
        os.chmod(tmp, 0o777 & ~_umask())
        os.rename(tmp, folder)
        return count
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _rgb(image: QImage):
    """A PIL RGB image of `image` (copied: the QImage is repainted for the next frame)."""
    from PIL import Image

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    return Image.frombytes(
        "RGB",
        (rgb.width(), rgb.height()),
        bytes(rgb.constBits()),
        "raw",
        "RGB",
        rgb.bytesPerLine(),
        1,
    )


def _write_gif(path: Path, frames: Iterator[QImage], frame_ms: float, palette) -> int:
    """Stream `frames` into an animated GIF at `path` (atomically), holding at most three
    frames in memory: every frame is mapped onto `palette` (a PIL "P" image), identical
    frames are merged into one longer one, and only the rectangle that changed since the
    previous frame is stored. (Pillow's save(save_all=True) would keep every frame in
    memory until the end: hundreds of megabytes for a 1600×900 animation.)"""
    from PIL import GifImagePlugin, Image

    written = 0
    with atomic_writer(path) as handle:
        header_written = False
        previous = None  # palette indices of the last frame written
        pending = None  # (P image, bbox, duration ms): waits to learn its full duration
        ideal_ms = 0.0  # when the frames written so far should end
        written_cs = 0  # when they do end: GIF delays are whole hundredths of a second

        def flush() -> None:
            nonlocal written, ideal_ms, written_cs
            image, bbox, duration = pending
            if bbox is not None:
                image = image.crop(bbox)
            offset = bbox[:2] if bbox is not None else (0, 0)
            # Rounded against the running total, so 30 fps does not drift to 33.
            ideal_ms += duration
            delay_cs = max(1, round(ideal_ms / 10) - written_cs)
            written_cs += delay_cs
            for chunk in GifImagePlugin.getdata(image, offset, duration=10 * delay_cs):
                handle.write(chunk)
            written += 1

        for qimage in frames:
            frame = _rgb(qimage).quantize(palette=palette, dither=Image.Dither.NONE)
            if not header_written:
                # Pillow's documented (legacy) GIF helpers: the global header with the
                # shared palette and a loop-forever extension, then one frame at a time.
                header, _ = GifImagePlugin.getheader(frame, info={"loop": 0, "duration": 1})
                for chunk in header:
                    handle.write(chunk)
                header_written = True
                pending, previous = (frame, None, frame_ms), np.asarray(frame)
                continue
            indices = np.asarray(frame)
            changed = indices != previous
            if not changed.any():
                pending = (pending[0], pending[1], pending[2] + frame_ms)
                continue
            flush()
            rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
            bbox = (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)
            pending, previous = (frame, bbox, frame_ms), indices
        if pending is None:
            raise ValueError("no frames to write")
        flush()
        handle.write(b";")  # the GIF trailer
    return written


def _palette(samples: list):
    """A palette ("P" image) of `GIF_COLOURS` colours for frames like the PIL RGB
    `samples`, which always holds the player's phase colours (pulses, active rings)."""
    from PIL import Image

    from visualizer.gui.style import PHASE_COLORS

    w = max(s.width for s in samples)
    band = 48  # a band of each accent gives it a palette entry of its own
    sheet = Image.new("RGB", (w, sum(s.height for s in samples) + band), (255, 255, 255))
    y = 0
    for s in samples:
        sheet.paste(s, (0, y))
        y += s.height
    accents = [QColor(c) for c in PHASE_COLORS.values()]
    for i, c in enumerate(accents):
        x0, x1 = i * w // len(accents), (i + 1) * w // len(accents)
        sheet.paste((c.red(), c.green(), c.blue()), (x0, y, x1, y + band))
    return sheet.quantize(colors=GIF_COLOURS, method=Image.Quantize.MEDIANCUT)
