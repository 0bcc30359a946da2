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
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
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
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from visualizer.engine.network import Network
from visualizer.formats.atomic import atomic_write, atomic_writer

FORMATS = (".png", ".svg")
MAX_FPS = 50  # GIF delays count hundredths of a second; most viewers slow down faster ones
GIF_COLOURS = 255  # one shared palette for every frame (so unchanged pixels stay put)
PALETTE_PIXELS = 1_500_000  # about how many pixels of the sample frames choose the palette


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


@dataclass(frozen=True)
class SlideOptions:
    """How an exported picture or animation is made for slides: `controls` keeps the
    editing controls (the − n + buttons, selection and hover marks; off by default),
    `caption` writes the step's equation and numbers in a band under the canvas (on by
    default), `crop` trims the empty margins around the network (PNG and animations)."""

    controls: bool = False
    caption: bool = True
    crop: bool = False


DEFAULT_SLIDES = SlideOptions()  # no editing controls, a caption, no crop
CROP_PAD = 16  # pixels kept around the content when cropping


def caption_height(height: int) -> int:
    """The caption band's height for a picture `height` pixels tall (about 8 %)."""
    return max(30, min(96, round(height * 0.08)))


def caption_lines(step) -> tuple[str, str, str | None]:
    """(first line, second line, phase) of the caption for a timeline step (None: the
    network at rest)."""
    if step is None:
        return "The network at rest: every forward value", "", None
    return step.title, step.numbers_text, step.phase


def paint_caption(painter: QPainter, rect: QRectF, step) -> None:
    """The caption band: an accent bar in the step's phase colour (the scrubber's), the
    step's title with its equation, and the values it computed (elided to fit)."""
    from visualizer.gui import style

    first, second, phase = caption_lines(step)
    painter.save()
    painter.fillRect(rect, style.BACKGROUND)
    painter.setPen(QColor(style.FAINT))
    painter.drawLine(rect.topLeft(), rect.topRight())
    h = rect.height()
    bar = QRectF(rect.left() + 0.25 * h, rect.top() + 0.15 * h, max(4.0, 0.06 * h), 0.7 * h)
    painter.fillRect(bar, QColor(style.PHASE_COLORS.get(phase or "", style.NEUTRAL_COLOR)))
    left = bar.right() + 0.25 * h
    width = rect.right() - left - 0.25 * h
    lines = [(first, round(0.34 * h), style.INK)]
    if second:
        lines.append((second, round(0.26 * h), style.MUTED))
    else:
        lines = [(first, round(0.4 * h), style.INK)]
    total = sum(px for _, px, _ in lines) * 1.25
    y = rect.top() + (h - total) / 2
    for text, px, colour in lines:
        font = style.font(px)
        painter.setFont(font)
        painter.setPen(QColor(colour))
        shown = QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, width)
        line = QRectF(left, y, width, px * 1.25)
        painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shown)
        y += px * 1.25
    painter.restore()


def render_network(
    network: Network,
    out_path: str | os.PathLike[str],
    size: tuple[int, int] = (1600, 900),
    step: int | str | None = None,
    mode: str = "reverse",
    options: SlideOptions = DEFAULT_SLIDES,
) -> tuple[int, int]:
    """Write a picture of `network`'s canvas, fitted to `size` pixels, to `out_path` (.png
    or .svg, by suffix; ValueError otherwise). With `step` (0..count − 1, or "last") the
    canvas shows that step of the pass fully done, as the player would (ValueError for
    another step), in `mode` ("reverse", "forward" or "both": see timeline.build). The
    file is replaced atomically: it is either the old file or the new one. (The whole
    main window: `window_render.render_window`.) `options` (see SlideOptions): by
    default no editing controls, a caption with the step's equation, no crop; an SVG is
    never cropped. Returns the (width, height) written (smaller than `size` when cropped)."""
    fmt = format_of(out_path)
    size = check_size(size)
    ensure_app()
    # Imported here: the document pulls in the undo machinery, which needs QtGui loaded.
    from visualizer.gui.document import Document

    doc = Document(network)
    title = network.name or "network"
    with _canvas(doc, size, options, vector=fmt == ".svg") as canvas:
        if step is not None:
            steps = _steps(doc, mode)
            canvas.show(steps, _step_index(step, len(steps)), 1.0)
        if options.crop and fmt != ".svg":
            canvas.crop_to_content([canvas.canvas_image()])
        if fmt == ".svg":
            data = _svg_bytes(canvas.paint, size, title)
            written = size
        else:
            image = canvas.image()
            data = png_bytes(image)
            written = (image.width(), image.height())
    atomic_write(out_path, data)
    return written


class _Canvas:
    """A NetworkView laid out off screen, painted on demand: the canvas over the top of a
    `size` picture and, with a caption, the caption band under it (see SlideOptions)."""

    def __init__(self, view, size: tuple[int, int], options: SlideOptions):
        self.view = view
        self.size = size
        self.options = options
        self.caption_h = caption_height(size[1]) if options.caption else 0
        self.canvas_size = (size[0], size[1] - self.caption_h)
        self.crop: QRect | None = None
        self.step = None  # the step shown (None: at rest), for the caption
        self._canvas_image: QImage | None = None
        # image() paints these in turn; each with what it shows (see image()).
        self._buffers: list[tuple[QImage | None, tuple | None]] = [(None, None)]
        self._turn = 0
        # Where the last picture may differ from the one before it (None: anywhere).
        self.changed: QRect | None = None

    def use_buffers(self, count: int) -> None:
        """Let image() paint `count` pictures in turn (see there)."""
        self._buffers = [(None, None)] * count
        self._turn = 0

    def show(self, steps, k: int, progress: float) -> None:
        """Move the canvas to step k at `progress` of the timeline `steps`."""
        scene = self.view.network_scene
        scene.set_playback(steps, k, progress)
        scene.refine_now()  # no quick drafts in an export
        self.step = steps[k] if k >= 0 else None

    def _paint_canvas(self, painter: QPainter, region: QRect | None = None) -> None:
        """The canvas, or only its `region` (canvas pixels: the view's render() clips
        to its target, replacing any clip of the painter's)."""
        painter.setRenderHints(
            QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
        )
        if region is None:
            target = QRectF(0, 0, *self.canvas_size)
            source = self.view.viewport().rect()
        else:  # the viewport is as big as the canvas (see _pulse_region)
            target, source = QRectF(region), region
        painter.fillRect(target, self.view.backgroundBrush())
        self.view.render(painter, target, source, Qt.AspectRatioMode.IgnoreAspectRatio)

    def paint(self, painter: QPainter) -> None:
        """The whole picture (uncropped) on any painter, SVG included."""
        self._paint_canvas(painter)
        if self.caption_h:
            band = QRectF(0, self.canvas_size[1], self.size[0], self.caption_h)
            paint_caption(painter, band, self.step)

    def canvas_image(self) -> QImage:
        """The canvas alone as it is now, uncropped (the same QImage, repainted)."""
        if self._canvas_image is None:
            self._canvas_image = QImage(
                *self.canvas_size, QImage.Format.Format_ARGB32_Premultiplied
            )
        self._canvas_image.fill(Qt.GlobalColor.white)
        painter = QPainter(self._canvas_image)
        try:
            self._paint_canvas(painter)
        finally:
            painter.end()
        return self._canvas_image

    def crop_to_content(self, images: list[QImage]) -> None:
        """Crop every later image to what differs from the background in any of the
        canvas `images` (e.g. the first and last frames), plus CROP_PAD pixels."""
        box: QRect | None = None
        for image in images:
            rgb = image.convertToFormat(QImage.Format.Format_RGB32)
            pixels = np.frombuffer(bytes(rgb.constBits()), dtype=np.uint32)
            pixels = pixels.reshape(rgb.height(), rgb.bytesPerLine() // 4)[:, : rgb.width()]
            # The top-left corner is always empty canvas (the colour bars sit bottom-left).
            content = (pixels & 0xFFFFFF) != (pixels[0, 0] & 0xFFFFFF)
            rows, cols = np.flatnonzero(content.any(axis=1)), np.flatnonzero(content.any(axis=0))
            if rows.size == 0:
                continue
            found = QRect(int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1),
                          int(rows[-1] - rows[0] + 1))  # fmt: skip
            box = found if box is None else box.united(found)
        if box is not None:
            pad = CROP_PAD
            whole = QRect(0, 0, *self.canvas_size)
            self.crop = box.adjusted(-pad, -pad, pad, pad).intersected(whole)

    def image(self) -> QImage:
        """The picture as it is now: the canvas (cropped, if asked), then the caption.
        Painted straight into one of the images set by `use_buffers`, in turn (no
        intermediate canvas image, no allocation per frame): the image returned stays as
        it is until that many more calls, so another thread may read it meanwhile.

        While a step plays only its pulses move: when the image taken showed the same
        step with the same values (only the pulses elsewhere), just the pulses' area is
        painted again, from the background up — the same pixels a whole repaint gives."""
        w = self.crop.width() if self.crop is not None else self.canvas_size[0]
        h = self.crop.height() if self.crop is not None else self.canvas_size[1]
        last, last_shown = self._buffers[self._turn]  # the picture painted last
        self._turn = (self._turn + 1) % len(self._buffers)
        out, shown = self._buffers[self._turn]
        scene = self.view.network_scene
        # Identities, not equality: the scene keeps its overlay object while it is equal.
        now = (self.step, scene.overlay, scene.pulse_item.pulses, self.crop)

        def same(what: tuple | None) -> bool:
            return what is not None and all(a is b for a, b in zip(what, now, strict=True))

        region = None  # None: paint everything
        self.changed = None
        if out is None or (out.width(), out.height()) != (w, h + self.caption_h):
            out = QImage(w, h + self.caption_h, QImage.Format.Format_ARGB32_Premultiplied)
        elif same(shown):
            region = self._pulse_region(w, h)
        elif last is not None and last is not out and same(last_shown):
            # The last picture is of this moment but for the pulses: start from a copy.
            np.frombuffer(out.bits(), np.uint8)[:] = np.frombuffer(last.constBits(), np.uint8)
            region = self._pulse_region(w, h)
        self._buffers[self._turn] = (out, now)
        if region is not None and same(last_shown):
            self.changed = region  # both pictures are of this moment but for the pulses
        if region is not None and region.isEmpty():
            return out  # no pulses: the very same picture
        if region is None:
            out.fill(Qt.GlobalColor.white)
        painter = QPainter(out)
        try:
            # Clipped to the canvas's own rows, as a picture of the canvas alone would be;
            # a crop is a whole-pixel shift, which rasterises the same pixels.
            painter.setClipRect(QRect(0, 0, w, h) if region is None else region)
            if region is not None:
                painter.fillRect(region, Qt.GlobalColor.white)
            if self.crop is not None:
                painter.translate(-self.crop.x(), -self.crop.y())
            source = region  # in canvas pixels: the picture's, shifted back by the crop
            if region is not None and self.crop is not None:
                source = region.translated(self.crop.topLeft())
            self._paint_canvas(painter, source)
            # The caption's rule at its top edge is anti-aliased into the canvas's last
            # row: a region reaching that row gets it again (clipped to the region).
            if self.caption_h and (region is None or region.bottom() >= h - 1):
                painter.resetTransform()
                painter.setClipping(region is not None)
                painter.setRenderHints(
                    QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                )
                paint_caption(painter, QRectF(0, h, w, self.caption_h), self.step)
        finally:
            painter.end()
        return out

    def _pulse_region(self, w: int, h: int) -> QRect:
        """The pixels of a `w`×`h` picture the pulses may cover on their way through
        the step (their item's bounds, a little wider for anti-aliasing)."""
        item = self.view.network_scene.pulse_item
        if item.pulses is None or item.t is None or item.boundingRect().isEmpty():
            return QRect()
        if self.view.viewport().size() != QSize(*self.canvas_size):
            return QRect(0, 0, w, h)  # (never so: the view is laid out at the canvas size)
        rect = self.view.viewportTransform().mapRect(item.mapRectToScene(item.boundingRect()))
        if self.crop is not None:
            rect.translate(-self.crop.x(), -self.crop.y())
        return rect.toAlignedRect().adjusted(-2, -2, 2, 2).intersected(QRect(0, 0, w, h))


@contextlib.contextmanager
def _canvas(
    doc, size: tuple[int, int], options: SlideOptions = DEFAULT_SLIDES, vector: bool = False
) -> Iterator[_Canvas]:
    from visualizer.gui.canvas.view import NetworkView

    view = NetworkView(doc)
    try:
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        canvas = _Canvas(view, size, options)
        _prepare(view, canvas.canvas_size)
        view.fit()
        view.network_scene.prepare_export(vector=vector)
        view.network_scene.set_controls_visible(options.controls)
        yield canvas
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
    options: SlideOptions = DEFAULT_SLIDES,
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
    outside 1..50, or a non-positive step_seconds; nothing is written then. `options`
    as for `render_network` (a crop is the same for every frame: it holds the resting
    network, the busiest step and the end).
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

    def frames(canvas: _Canvas) -> Iterator[tuple[QImage, QRect | None] | None]:
        shown = None
        for done, (k, p) in enumerate(plan):
            if cancelled is not None and cancelled():
                raise _Cancelled
            if (k, p) == shown:
                yield None  # the same moment again (the rest, the hold): the same picture
            else:
                canvas.show(steps, k, p)
                shown = (k, p)
                yield canvas.image(), canvas.changed
            if progress is not None:
                progress(done + 1, len(plan))

    try:
        with _canvas(doc, size, options) as canvas:
            # Positions that hold every kind of colour and the widest content: the resting
            # network, a busy step mid-pulse (a backward one; forward mode has none, so its
            # middle step stands in) and the end.
            busy = next((s.index for s in steps if s.kind == "weight_grad"), len(steps) // 2)
            telling = ((-1, 1.0), (busy, 0.35), (len(steps) - 1, 1.0))
            if options.crop:
                shots = []
                for k, p in telling:
                    canvas.show(steps, k, p)
                    shots.append(canvas.canvas_image().copy())
                canvas.crop_to_content(shots)
            if not gif:
                return _write_png_folder(path, frames(canvas))
            # One palette for all frames, from the telling positions.
            samples = []
            for k, p in telling:
                canvas.show(steps, k, p)
                samples.append(_rgb(canvas.image()))
            canvas.use_buffers(GIF_BUFFERS)
            return _write_gif(path, frames(canvas), frame_ms, samples)
    except _Cancelled:
        return 0


class _Cancelled(Exception):
    """Raised inside the frame loop to unwind (and clean up) a cancelled export."""


def _write_png_folder(folder: Path, frames: Iterator[tuple[QImage, QRect | None] | None]) -> int:
    """Write `frames` as frame_0000.png, … into a temporary folder beside `folder`, then
    rename it to `folder` (which must be absent or empty)."""
    parent = folder.parent if str(folder.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{folder.name}.", suffix=".tmp"))
    try:
        count = 0
        # PNG encoding is most of the work: worker threads encode (Qt lets go of the GIL
        # meanwhile) copies of the pictures while this thread paints the next ones, and
        # files are written here in order.
        with ThreadPoolExecutor(PNG_WORKERS, thread_name_prefix="png") as workers:
            waiting: deque[tuple[Future, Path]] = deque()
            try:
                previous: tuple[QImage, Future] | None = None
                for count, frame in enumerate(frames, start=1):
                    # Rests, holds and the still end of every step repeat a frame: encode
                    # it once.
                    if frame is not None and not (
                        previous is not None
                        and (
                            (frame[1] is not None and frame[1].isEmpty()) or frame[0] == previous[0]
                        )
                    ):
                        image = frame[0].copy()
                        previous = (image, workers.submit(png_bytes, image))
                    assert previous is not None  # the first frame is never a repeat
                    waiting.append((previous[1], tmp / f"frame_{count - 1:04d}.png"))
                    while waiting and (waiting[0][0].done() or len(waiting) > 2 * PNG_WORKERS):
                        encoded, path = waiting.popleft()
                        # No per-frame atomic writes: the whole folder appears at once.
                        path.write_bytes(encoded.result())
                for encoded, path in waiting:
                    path.write_bytes(encoded.result())
            except BaseException:
                for encoded, _ in waiting:
                    encoded.cancel()
                raise
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


def _write_gif(
    path: Path,
    frames: Iterator[tuple[QImage, QRect | None] | None],
    frame_ms: float,
    samples: list,
) -> int:
    """Stream `frames` into an animated GIF at `path` (atomically) on a palette made from
    the PIL RGB `samples` (see _palette). A frame is (picture, where it may differ from
    the previous one: None for anywhere), or None for the previous picture again.

    The frames are rendered on this thread while one worker thread compares, maps and
    encodes them (NumPy and Pillow let go of the GIL for that work, Qt's rasteriser for
    its own): the two cores work at once. The worker reads each frame straight from its
    QImage, so at most GIF_BUFFERS pictures are alive and the canvas paints them in turn;
    this thread waits for the worker before it paints a picture the worker still needs.
    """
    with atomic_writer(path) as handle:
        encoder = _GifEncoder(handle, frame_ms)
        with ThreadPoolExecutor(1, thread_name_prefix="gif") as worker:
            in_flight: deque[Future] = deque([worker.submit(encoder.start, samples)])
            try:
                for frame in frames:
                    if frame is None:
                        words, box = None, None
                    else:
                        words, box = _words(frame[0]), _box(frame[1])
                    in_flight.append(worker.submit(encoder.add, words, box))
                    # The next picture painted reuses the buffer of the frame before this
                    # one (GIF_BUFFERS = 3), which the worker compares with this one.
                    while len(in_flight) > GIF_BUFFERS - 2:
                        in_flight.popleft().result()
            except BaseException:
                for future in in_flight:
                    future.cancel()  # cancelled or failed: the rest is not needed
                raise
            for future in in_flight:
                future.result()
        return encoder.finish()


PNG_WORKERS = max(1, min(4, os.cpu_count() or 1))  # threads encoding PNG frames
GIF_BUFFERS = 3  # pictures in flight: the one painted, the one encoded, the one before it


class _GifEncoder:
    """Writes an animated GIF frame by frame (used from one thread at a time), holding
    only the palette indices of the picture as last seen: every frame is mapped onto one
    shared palette, identical frames are merged into one longer one, and only the
    rectangle that changed since the previous frame is stored. (Pillow's
    save(save_all=True) would keep every frame in memory until the end: hundreds of
    megabytes for a 1600×900 animation.)"""

    def __init__(self, handle, frame_ms: float):
        self.handle = handle
        self.frame_ms = frame_ms
        self.palette = None
        self.written = 0
        self.indices: np.ndarray | None = None  # palette indices of the whole picture
        self.words: np.ndarray | None = None  # the last frame's ARGB words (a view)
        self.pending = None  # (P image, offset, duration ms): waits for its full duration
        self.ideal_ms = 0.0  # when the frames written so far should end
        self.written_cs = 0  # when they do end: GIF delays are whole hundredths of a second

    def start(self, samples: list) -> None:
        self.palette = _palette(samples)

    def _map(self, words: np.ndarray):
        """The P image of 32-bit opaque ARGB `words` mapped onto the palette."""
        from PIL import Image

        h, w = words.shape
        rgb = Image.frombuffer("RGB", (w, h), np.ascontiguousarray(words), "raw", "BGRX", 0, 1)
        return rgb.quantize(palette=self.palette, dither=Image.Dither.NONE)

    def add(self, words: np.ndarray | None, near: tuple[int, int, int, int] | None = None) -> None:
        """One more frame: its ARGB words (None: the same picture as the last frame), and
        `near`, the (left, top, right, bottom) box outside which it is known to be the
        last frame (None: not known)."""
        from PIL import GifImagePlugin

        if words is None:
            self._extend()
            return
        if self.words is None:
            frame = self._map(words)
            # Pillow's documented (legacy) GIF helpers: the global header with the shared
            # palette and a loop-forever extension, then one frame at a time.
            header, _ = GifImagePlugin.getheader(frame, info={"loop": 0, "duration": 1})
            for chunk in header:
                self.handle.write(chunk)
            self.pending = (frame, (0, 0), self.frame_ms)
            self.indices, self.words = np.array(frame), words
            return
        # Only pixels whose colour changed can change their palette index: convert and map
        # just their bounding box (a pulse moving is a small part of the picture), then
        # compare indices there, exactly as comparing whole mapped frames would.
        if near is None:
            box = _changed_box(words != self.words)
        else:  # compare only where it may differ
            x0, y0, x1, y1 = near
            box = _changed_box(words[y0:y1, x0:x1] != self.words[y0:y1, x0:x1])
            if box is not None:
                box = (box[0] + x0, box[1] + y0, box[2] + x0, box[3] + y0)
        self.words = words
        if box is None:
            self._extend()
            return
        x0, y0, x1, y1 = box
        part = self._map(words[y0:y1, x0:x1])
        indices = np.asarray(part)
        inner = _changed_box(indices != self.indices[y0:y1, x0:x1])
        self.indices[y0:y1, x0:x1] = indices
        if inner is None:
            self._extend()
            return
        self._flush()
        self.pending = (part.crop(inner), (x0 + inner[0], y0 + inner[1]), self.frame_ms)

    def _extend(self) -> None:
        image, offset, duration = self.pending
        self.pending = (image, offset, duration + self.frame_ms)

    def _flush(self) -> None:
        from PIL import GifImagePlugin

        image, offset, duration = self.pending
        # Rounded against the running total, so 30 fps does not drift to 33.
        self.ideal_ms += duration
        delay_cs = max(1, round(self.ideal_ms / 10) - self.written_cs)
        self.written_cs += delay_cs
        for chunk in GifImagePlugin.getdata(image, offset, duration=10 * delay_cs):
            self.handle.write(chunk)
        self.written += 1

    def finish(self) -> int:
        """Write the last frame and the trailer; the number of frames written."""
        if self.pending is None:
            raise ValueError("no frames to write")
        self._flush()
        self.handle.write(b";")  # the GIF trailer
        return self.written


def _words(image: QImage) -> np.ndarray:
    """The pixels of a 32-bit QImage as a (height, width) uint32 array (a view)."""
    bits = np.frombuffer(image.constBits(), dtype=np.uint32)
    return bits.reshape(image.height(), image.bytesPerLine() // 4)[:, : image.width()]


def _box(rect: QRect | None) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of `rect`; None for None."""
    if rect is None:
        return None
    if rect.isEmpty():
        return (0, 0, 0, 0)
    return rect.left(), rect.top(), rect.right() + 1, rect.bottom() + 1


def _changed_box(changed: np.ndarray) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) around the True cells of a 2-D mask; None when none."""
    rows = np.flatnonzero(changed.any(axis=1))
    if not len(rows):
        return None
    cols = np.flatnonzero(changed.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


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
    # Median cut needs the proportions of the colours, not every pixel: every stride-th
    # pixel each way keeps them (anti-aliased edges run every way) at a quarter of the
    # cost for 1600×900 frames, the mapping error as small (benchmarks/bench_canvas.py).
    stride = max(1, round(math.sqrt(sheet.width * sheet.height / PALETTE_PIXELS)))
    if stride > 1:
        sheet = Image.fromarray(np.asarray(sheet)[::stride, ::stride])
    return sheet.quantize(colors=GIF_COLOURS, method=Image.Quantize.MEDIANCUT)
