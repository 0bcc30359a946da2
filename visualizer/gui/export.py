"""The app's exports and snapshot opening, for the File menu.

Each export is a core function that writes a file and asks nothing (`write_snapshot`,
`write_image`, `save_widget_png`, `write_animation`), and a menu function that asks where
(and what) with a dialog, remembers the answer in QSettings, calls the core, and reports a
failure in a message box (`export_snapshot`, `export_image`, `export_widget_png`,
`export_animation`). The dialogs are module-level functions (`ask_save_path`,
`ask_snapshot_batch`, `show_error`, `make_progress_dialog`) so tests can replace them.

Every file is written atomically by the back ends (a temporary file in the same folder,
then a rename), so a failed or cancelled export leaves nothing half-written behind.

`open_snapshot(path)` is the other direction, for File → Open: the network of a `.npz` or
`.json` snapshot, set up so that the app shows the values exactly as exported.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMessageBox,
    QProgressDialog,
    QWidget,
)

from visualizer.engine import backprop
from visualizer.engine.backprop import Trace
from visualizer.engine.network import Network, Sample
from visualizer.formats.atomic import atomic_write
from visualizer.formats.errors import FormatError
from visualizer.formats.snapshot import load_snapshot, save_snapshot, snapshot_arrays
from visualizer.gui.render import png_bytes, render_animation, render_network
from visualizer.notation import fmt_full, fmt_short

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

# Recomputing a snapshot on another machine (another BLAS, NumPy or CPU) may round the
# last bits differently; anything further off than this was not computed from the file.
RECOMPUTE_TOLERANCE = 1e-9

_LAST_DIR = "export/last_dir"
_SNAPSHOT_FILTER = "export/snapshot_filter"
_IMAGE_FILTER = "export/image_filter"
_PANEL_FILTER = "export/panel_filter"
_ANIMATION_FILTER = "export/animation_filter"


# -- the core: files, no dialogs -----------------------------------------------------------
def snapshot_trace(network: Network, batch: bool = False) -> Trace:
    """The pass a snapshot of `network` records: its current sample, or with `batch` its
    whole dataset as one batch (ValueError if it has none)."""
    if not batch:
        return backprop.run(network)
    if network.dataset is None:
        raise ValueError("the network has no dataset to export as a batch")
    return backprop.run(network, network.dataset.x, network.dataset.y)


def write_snapshot(path: PathLike, network: Network, batch: bool = False) -> Trace:
    """Write the snapshot of one forward and backward pass of `network` (its current
    sample, or with `batch` its whole dataset) to `path`, atomically, as .npz, .json or
    .csv by suffix. Returns the trace written. FormatError for another suffix, ValueError
    for a batch without a dataset, OSError if the file cannot be written."""
    trace = snapshot_trace(network, batch)
    save_snapshot(path, network, trace)
    return trace


def open_snapshot(path: PathLike) -> tuple[Network, str]:
    """The network in the snapshot at `path` and a note for the user.

    A snapshot of one sample gives the network with that sample as its current sample,
    so the app recomputes exactly the exported values; a batch snapshot gives the network
    as it was (with its dataset), and the note says the batch values stay in the file.
    Either way the file is checked: the weights and biases in the arrays must be the
    network's, bit for bit, and a fresh pass must reproduce every exported value (bit for
    bit on the machine that wrote it; within rounding, 1e-9 of each array's scale, on
    another — the note says so). FormatError for a CSV snapshot (it holds no network),
    a snapshot that does not match its network, or a malformed file.
    """
    if Path(path).suffix.lower() == ".csv":
        raise FormatError(
            "a CSV snapshot holds only the arrays, not the network: open the .npz or .json "
            "snapshot, or the network file"
        )
    snapshot = load_snapshot(path)
    network, arrays = snapshot.network, snapshot.arrays
    if network is None:  # load_snapshot gives one for .npz and .json
        raise FormatError("the snapshot holds no network")
    for l, layer in enumerate(network.layers, start=1):
        for name, own in ((f"W{l}", layer.weights), (f"b{l}", layer.biases)):
            if not _same_bits(arrays[name], own):
                raise FormatError(
                    "differs from the network stored in the same file; the snapshot was "
                    "edited by hand or put together from two passes",
                    name,
                )
    x, y = arrays["x"], arrays["y"]
    batch = x.ndim == 2
    try:
        if batch:
            trace = backprop.run(network, x, y)
        else:
            network = network.replace(sample=Sample(x, y))
            trace = backprop.run(network)
    except ValueError as exc:
        raise FormatError(f"cannot recompute the pass: {exc}") from None
    worst = _compare(arrays, snapshot_arrays(network, trace))
    if batch:
        note = (
            f"Batch snapshot of {x.shape[0]:,} samples (mean loss C = "
            f"{fmt_short(trace.loss, 4)}): the network is shown on its current sample; the "
            "batch values stay in the file."
        )
    else:
        note = "Snapshot of one sample: the values shown are the exported ones."
    if worst == 0.0:
        note += " Recomputed here bit for bit."
    else:
        note += (
            f" Recomputed here to within {fmt_full(worst)} (not bit for bit: the file was "
            "written by another machine or NumPy version)."
        )
    return network, note


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.ascontiguousarray(a).tobytes() == (
        np.ascontiguousarray(b).tobytes()
    )


def _compare(stored: dict[str, np.ndarray], fresh: dict[str, np.ndarray]) -> float:
    """The largest difference between the stored and recomputed arrays (0.0: identical
    bit for bit); FormatError naming the first array that is off by more than rounding."""
    worst = 0.0
    for name, want in fresh.items():
        got = stored[name]
        if _same_bits(got, want):
            continue
        if got.shape != want.shape:
            raise FormatError(f"expected shape {want.shape}, got {got.shape}", name)
        # NaN and ±∞ (a diverged pass) must sit in the same places with the same values.
        odd = ~np.isfinite(got) | ~np.isfinite(want)
        same_odd = np.array_equal(got[odd], want[odd], equal_nan=True)
        finite = ~odd
        diff = float(np.max(np.abs(got[finite] - want[finite]), initial=0.0))
        scale = float(np.max(np.abs(want[finite]), initial=0.0))
        if not same_odd or diff > RECOMPUTE_TOLERANCE * max(scale, 1e-300):
            raise FormatError(
                "is not what the network in the file computes (largest difference "
                f"{fmt_full(diff)}); the snapshot was edited by hand or does not belong to "
                "its network",
                name,
            )
        worst = max(worst, diff)
    return worst


def is_snapshot(path: PathLike) -> bool:
    """True when `path` names a snapshot rather than a network file: any .npz or .csv,
    and a .json whose "format" says snapshot (read from the start of the file only)."""
    suffix = Path(path).suffix.lower()
    if suffix in (".npz", ".csv"):
        return True
    if suffix != ".json":
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return "backprop-visualizer/snapshot" in head


def write_image(
    path: PathLike,
    network: Network,
    size: tuple[int, int] = CANVAS_SIZE,
    scale: int = 1,
    step: int | str | None = None,
) -> None:
    """Write the canvas of `network` (optionally at a playback `step`, as
    `render_network` takes it) to `path`: .svg as vector graphics at `size`, .png at
    `size` × `scale` pixels (1..4). A scaled PNG is the same picture as the 1× one, only
    sharper: it is drawn from the vector rendering, not laid out again at the bigger
    size. ValueError for another suffix or scale; OSError if it cannot be written."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"cannot export an image as {Path(path).name!r}: use .png or .svg")
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be a whole number 1..{MAX_SCALE}, got {scale!r}")
    if suffix == ".svg" or scale == 1:
        render_network(network, path, size, step=step)
        return
    from PySide6.QtSvg import QSvgRenderer  # only scaled PNGs need it

    with tempfile.TemporaryDirectory() as folder:
        svg = Path(folder) / "canvas.svg"
        render_network(network, svg, size, step=step)
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
) -> int:
    """The forward and backward pass of `network` as a GIF (`path` ending in .gif) or a
    new folder of PNG frames, as `render_animation` writes them; returns the frames
    written, 0 if `cancelled()` became true (and then nothing is left on disk). `size`
    defaults to ANIMATION_SIZE."""
    size = size or ANIMATION_SIZE
    return render_animation(network, path, size, progress=progress, cancelled=cancelled)


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
        write_image(path, document.network, size, scale if path.suffix == ".png" else 1, step)
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


def export_animation(parent: QWidget | None, document, settings: QSettings | None = None):
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
        written = write_animation(path, document.network, progress, dialog.wasCanceled)
    except (OSError, ValueError) as exc:
        _failed(parent, "the animation", path, exc)
        return None
    finally:
        dialog.close()
        dialog.deleteLater()
    return path if written else None
