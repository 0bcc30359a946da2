"""The app's exports and snapshot opening, for the File menu.

Each export is a core function that writes a file and asks nothing (`write_snapshot`,
`write_image`, `save_widget_png`, `write_animation`), and a menu function that asks where
(and what) with a dialog, remembers the answer in QSettings, calls the core, and reports a
failure in a message box (`export_snapshot`, `export_image`, `export_widget_png`,
`export_animation`). The dialogs are module-level functions (`ask_save_path`,
`ask_snapshot_batch`, `show_error`, `make_progress_dialog`) so tests can replace them.

Every file is written atomically by the back ends (a temporary file in the same folder,
then a rename), so a failed or cancelled export leaves nothing half-written behind.

Writing and opening a snapshot (`write_snapshot`, `open_snapshot`) is Qt-free and lives in
`formats/snapshot.py`; this module only adds the dialog around the writing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMessageBox,
    QProgressDialog,
    QWidget,
)

from visualizer.engine.network import Network
from visualizer.formats.atomic import atomic_write
from visualizer.formats.snapshot import write_snapshot
from visualizer.gui.render import (
    DEFAULT_SLIDES,
    SlideOptions,
    png_bytes,
    render_animation,
    render_network,
)

PathLike = str | os.PathLike[str]

# File dialog filters. The suffix decides the format; the filter only suggests one.
SNAPSHOT_FILTERS = {
    "NumPy archive (*.npz)": ".npz",
    "JSON (*.json)": ".json",
    "CSV table, arrays only (*.csv)": ".csv",
}
IMAGE_FILTERS = {
    "PNG image, 1× (*.png)": (".png", 1),
    "PNG image, 2× (*.png)": (".png", 2),
    "PNG image, 3× (*.png)": (".png", 3),
    "SVG vector image (*.svg)": (".svg", 1),
}
PANEL_FILTERS = {"PNG image (*.png)": ".png"}
GIF_FILTER = "GIF animation (*.gif)"
FRAMES_FILTER = "PNG frames, in a new folder (*)"
ANIMATION_FILTERS = (GIF_FILTER, FRAMES_FILTER)

CANVAS_SIZE = (1600, 900)  # when there is no live view to take the size from
ANIMATION_SIZE = (1280, 720)
MAX_SCALE = 4

_LAST_DIR = "export/last_dir"
_SNAPSHOT_FILTER = "export/snapshot_filter"
_IMAGE_FILTER = "export/image_filter"
_PANEL_FILTER = "export/panel_filter"
_ANIMATION_FILTER = "export/animation_filter"


# -- the core: files, no dialogs -----------------------------------------------------------
def write_image(
    path: PathLike,
    network: Network,
    size: tuple[int, int] = CANVAS_SIZE,
    scale: int = 1,
    step: int | str | None = None,
    mode: str = "reverse",
    options: SlideOptions = DEFAULT_SLIDES,
) -> None:
    """Write the canvas of `network` (optionally at a playback `step`, as
    `render_network` takes it) to `path`: .svg as vector graphics at `size`, .png at
    `size` × `scale` pixels (1..4). A scaled PNG is the same picture as the 1× one, only
    sharper: it is drawn from the vector rendering, not laid out again at the bigger
    size. `mode` and `options` as `render_network` takes them (a scaled PNG is never
    cropped). ValueError for another suffix or scale; OSError if it cannot be written."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"cannot export an image as {Path(path).name!r}: use .png or .svg")
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be a whole number 1..{MAX_SCALE}, got {scale!r}")
    if suffix == ".svg" or scale == 1:
        render_network(network, path, size, step=step, mode=mode, options=options)
        return
    from PySide6.QtSvg import QSvgRenderer  # only scaled PNGs need it

    with tempfile.TemporaryDirectory() as folder:
        svg = Path(folder) / "canvas.svg"
        render_network(network, svg, size, step=step, mode=mode, options=options)
        renderer = QSvgRenderer(str(svg))
        if not renderer.isValid():
            raise OSError("could not read back the vector rendering of the canvas")
        image = QImage(size[0] * scale, size[1] * scale, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        try:
            painter.setRenderHints(
                QPainter.RenderHint.Antialiasing
                | QPainter.RenderHint.TextAntialiasing
                | QPainter.RenderHint.SmoothPixmapTransform
            )
            renderer.render(painter)
        finally:
            painter.end()
    atomic_write(path, png_bytes(image))


def save_widget_png(widget: QWidget, path: PathLike) -> None:
    """Write what `widget` shows (all of it, as `QWidget.grab` sees it) to `path` as a
    PNG, atomically. ValueError unless `path` ends in .png; OSError if it cannot be
    written."""
    if Path(path).suffix.lower() != ".png":
        raise ValueError(f"cannot save a panel as {Path(path).name!r}: use a .png file name")
    atomic_write(path, png_bytes(widget.grab().toImage()))


def write_animation(
    path: PathLike,
    network: Network,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    size: tuple[int, int] | None = None,
    mode: str = "reverse",
    options: SlideOptions = DEFAULT_SLIDES,
) -> int:
    """The forward and backward pass of `network` as a GIF (`path` ending in .gif) or a
    new folder of PNG frames, as `render_animation` writes them; returns the frames
    written, 0 if `cancelled()` became true (and then nothing is left on disk). `size`
    defaults to ANIMATION_SIZE."""
    size = size or ANIMATION_SIZE
    return render_animation(
        network, path, size, progress=progress, cancelled=cancelled, mode=mode, options=options
    )


# -- the dialogs (tests replace these) -------------------------------------------------------
def show_error(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.critical(parent, title, text)


def ask_save_path(
    parent: QWidget | None, caption: str, suggested: str, filters: list[str], selected: str
) -> tuple[str, str]:
    """(path, chosen filter) from a save dialog; ("", "") when cancelled."""
    return QFileDialog.getSaveFileName(parent, caption, suggested, ";;".join(filters), selected)


def ask_snapshot_batch(parent: QWidget | None, count: int) -> bool | None:
    """True for the whole dataset, False for the current sample, None to cancel."""
    box = QMessageBox(parent)
    box.setWindowTitle("Export snapshot")
    box.setIcon(QMessageBox.Icon.Question)
    box.setText("Export the pass on the current sample, or on the whole dataset?")
    box.setInformativeText(
        f"The dataset has {count:,} samples: its snapshot holds one row per sample, and "
        "∂C/∂W, ∂C/∂b and the loss as means over them."
    )
    sample = box.addButton("Current sample", QMessageBox.ButtonRole.AcceptRole)
    whole = box.addButton(f"Whole dataset ({count:,})", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(sample)
    box.exec()
    clicked = box.clickedButton()
    if clicked is whole:
        return True
    if clicked is sample:
        return False
    return None


def make_progress_dialog(parent: QWidget | None, text: str) -> QProgressDialog:
    return setup_progress_dialog(QProgressDialog(text, "Cancel", 0, 1, parent))


def setup_progress_dialog(dialog: QProgressDialog) -> QProgressDialog:
    """Window-modal, shown after 300 ms, and kept open at 100 % until the export is done
    (the caller closes it), so a finished frame count never reads as "cancelled"."""
    dialog.setWindowTitle("Export animation")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    dialog.setAutoReset(False)
    dialog.setAutoClose(False)
    return dialog


# -- the menu functions ------------------------------------------------------------------------
def _settings(settings: QSettings | None) -> QSettings:
    return settings if settings is not None else QSettings()


def _last_dir(settings: QSettings) -> Path:
    value = settings.value(_LAST_DIR, "")
    folder = Path(str(value)) if value else Path.home()
    return folder if folder.is_dir() else Path.home()


def _stem(document) -> str:
    if document.path is not None:
        return Path(document.path).stem
    name = document.network.name or "network"
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in name).strip("-")
    return cleaned or "network"


def _with_suffix(path: str, suffix: str, allowed: tuple[str, ...]) -> Path:
    """`path` as typed, or with `suffix` added when it has none of the `allowed` ones."""
    p = Path(path)
    return p if p.suffix.lower() in allowed else p.with_name(p.name + suffix)


def _failed(parent: QWidget | None, what: str, path: Path, exc: Exception) -> None:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    show_error(parent, f"Cannot export {what}", f"{path}:\n{reason}\n\nNothing was written there.")


def export_snapshot(parent: QWidget | None, document, settings: QSettings | None = None):
    """File → Export Snapshot…: asks for the file (NPZ, JSON or CSV) and, when the network
    has a dataset, whether to export the current sample or the whole dataset; writes it.
    Returns the path written, or None (cancelled, or failed: the user was told why)."""
    settings = _settings(settings)
    network = document.network
    filters = list(SNAPSHOT_FILTERS)
    selected = str(settings.value(_SNAPSHOT_FILTER, filters[0]))
    if selected not in SNAPSHOT_FILTERS:
        selected = filters[0]
    suggested = _last_dir(settings) / f"{_stem(document)}-snapshot{SNAPSHOT_FILTERS[selected]}"
    chosen, chosen_filter = ask_save_path(
        parent, "Export snapshot", str(suggested), filters, selected
    )
    if not chosen:
        return None
    suffix = SNAPSHOT_FILTERS.get(chosen_filter, SNAPSHOT_FILTERS[selected])
    path = _with_suffix(chosen, suffix, tuple(SNAPSHOT_FILTERS.values()))
    batch = False
    if network.dataset is not None:
        answer = ask_snapshot_batch(parent, len(network.dataset))
        if answer is None:
            return None
        batch = answer
    settings.setValue(_LAST_DIR, str(path.parent))
    if chosen_filter in SNAPSHOT_FILTERS:
        settings.setValue(_SNAPSHOT_FILTER, chosen_filter)
    try:
        write_snapshot(path, network, batch)
    except (OSError, ValueError) as exc:
        _failed(parent, "the snapshot", path, exc)
        return None
    return path


def export_image(
    parent: QWidget | None,
    document,
    view: QWidget | None = None,
    settings: QSettings | None = None,
    step: int | str | None = None,
    mode: str = "reverse",
    options: SlideOptions = DEFAULT_SLIDES,
):
    """File → Export Image…: the canvas as PNG at 1×, 2× or 3× the size of `view` (the
    live canvas; 1600×900 without one), or as SVG; at playback `step` when given (a step
    index, as the player's `state.step`; None or −1: the network at rest). Returns the
    path written, or None."""
    settings = _settings(settings)
    filters = list(IMAGE_FILTERS)
    selected = str(settings.value(_IMAGE_FILTER, filters[0]))
    if selected not in IMAGE_FILTERS:
        selected = filters[0]
    suffix, scale = IMAGE_FILTERS[selected]
    suggested = _last_dir(settings) / f"{_stem(document)}{suffix}"
    chosen, chosen_filter = ask_save_path(parent, "Export image", str(suggested), filters, selected)
    if not chosen:
        return None
    suffix, scale = IMAGE_FILTERS.get(chosen_filter, (suffix, scale))
    path = _with_suffix(chosen, suffix, (".png", ".svg"))
    settings.setValue(_LAST_DIR, str(path.parent))
    if chosen_filter in IMAGE_FILTERS:
        settings.setValue(_IMAGE_FILTER, chosen_filter)
    size = CANVAS_SIZE
    if view is not None:
        viewport = getattr(view, "viewport", lambda: view)()
        if viewport.width() > 0 and viewport.height() > 0:
            size = (viewport.width(), viewport.height())
    if step is not None and step != "last" and int(step) < 0:
        step = None
    try:
        scale = scale if path.suffix == ".png" else 1
        write_image(path, document.network, size, scale, step, mode, options)
    except (OSError, ValueError) as exc:
        _failed(parent, "the image", path, exc)
        return None
    return path


def export_widget_png(
    parent: QWidget | None, widget: QWidget, name: str, settings: QSettings | None = None
):
    """View → Export Panel…: `widget` (any panel) as a PNG of what it shows. `name` is
    the suggested file name without suffix. Returns the path written, or None."""
    settings = _settings(settings)
    filters = list(PANEL_FILTERS)
    suggested = _last_dir(settings) / f"{name}.png"
    chosen, _filter = ask_save_path(parent, "Export panel", str(suggested), filters, filters[0])
    if not chosen:
        return None
    path = _with_suffix(chosen, ".png", (".png",))
    settings.setValue(_LAST_DIR, str(path.parent))
    try:
        save_widget_png(widget, path)
    except (OSError, ValueError) as exc:
        _failed(parent, "the panel", path, exc)
        return None
    return path


def export_animation(
    parent: QWidget | None,
    document,
    settings: QSettings | None = None,
    mode: str = "reverse",
    options: SlideOptions = DEFAULT_SLIDES,
):
    """File → Export Animation…: the forward and backward pass as a GIF, or as PNG frames
    in a new folder, with a progress dialog whose Cancel stops the export and leaves
    nothing behind. Returns the path written, or None (cancelled or failed)."""
    settings = _settings(settings)
    filters = list(ANIMATION_FILTERS)
    selected = str(settings.value(_ANIMATION_FILTER, GIF_FILTER))
    if selected not in ANIMATION_FILTERS:
        selected = GIF_FILTER
    name = _stem(document) + ("-backprop.gif" if selected == GIF_FILTER else "-frames")
    chosen, chosen_filter = ask_save_path(
        parent, "Export animation", str(_last_dir(settings) / name), filters, selected
    )
    if not chosen:
        return None
    frames = chosen_filter == FRAMES_FILTER or (
        chosen_filter not in ANIMATION_FILTERS and selected == FRAMES_FILTER
    )
    if frames:
        path = Path(chosen)
        if path.suffix.lower() in (".gif", ".png"):
            path = path.with_suffix("")
    else:
        path = _with_suffix(chosen, ".gif", (".gif",))
    settings.setValue(_LAST_DIR, str(path.parent))
    if chosen_filter in ANIMATION_FILTERS:
        settings.setValue(_ANIMATION_FILTER, chosen_filter)

    dialog = make_progress_dialog(parent, f"Rendering {path.name}…")

    def progress(done: int, total: int) -> None:
        if dialog.maximum() != total:
            dialog.setMaximum(total)
        dialog.setValue(done)
        QApplication.processEvents()  # keeps the Cancel button alive

    try:
        written = write_animation(
            path, document.network, progress, dialog.wasCanceled, mode=mode, options=options
        )
    except (OSError, ValueError) as exc:
        _failed(parent, "the animation", path, exc)
        return None
    finally:
        dialog.close()
        dialog.deleteLater()
    return path if written else None
