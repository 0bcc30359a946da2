"""The app's exports: snapshots round-trip bit for bit (and open again as the network that
made them), images come out at the chosen scale, animations go through a cancellable
progress dialog, and failures are reported without leaving anything half-written."""

from __future__ import annotations

import errno
import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QProgressDialog

from visualizer.engine.network import make_network
from visualizer.formats import snapshot as snapshot_module
from visualizer.formats.network_file import load_network
from visualizer.formats.snapshot import load_snapshot
from visualizer.gui import export
from visualizer.gui.document import Document
from visualizer.paths import EXAMPLES


@pytest.fixture
def xor():
    return load_network(EXAMPLES / "xor.json")  # has a sample and a dataset


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def errors(monkeypatch):
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        export, "show_error", lambda _parent, title, text: shown.append((title, text))
    )
    return shown


@pytest.fixture
def unwritable(tmp_path):
    """A folder path nothing can be written into. Permission bits do not stop root, so
    then it is a path whose "folder" is a regular file."""
    if os.geteuid() == 0:
        blocker = tmp_path / "blocker"
        blocker.write_text("not a folder")
        yield blocker
        return
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o500)
    yield folder
    folder.chmod(0o700)


def _files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- snapshots (writing and verifying them: tests/formats/test_snapshot_verify.py) ---------
def test_export_snapshot_asks_and_remembers_folder_and_format(
    qtbot, tmp_path, xor, settings, monkeypatch, errors
):
    asked = []

    def ask(_parent, _caption, suggested, filters, selected):
        asked.append((suggested, selected))
        return str(tmp_path / "out" / "mine"), "JSON (*.json)"

    (tmp_path / "out").mkdir()
    monkeypatch.setattr(export, "ask_save_path", ask)
    monkeypatch.setattr(export, "ask_snapshot_batch", lambda _parent, count: count == 4)
    doc = Document(xor)
    written = export.export_snapshot(None, doc, settings)
    assert written == tmp_path / "out" / "mine.json" and written.exists()
    assert load_snapshot(written).arrays["x"].shape == (4, 2)  # the whole dataset
    assert errors == []
    export.export_snapshot(None, doc, settings)
    suggested, selected = asked[1]
    assert suggested.startswith(str(tmp_path / "out")) and suggested.endswith(".json")
    assert selected == "JSON (*.json)"


def test_export_snapshot_cancelled_writes_nothing(tmp_path, xor, settings, monkeypatch):
    monkeypatch.setattr(export, "ask_save_path", lambda *_a: ("", ""))
    assert export.export_snapshot(None, Document(xor), settings) is None
    monkeypatch.setattr(export, "ask_save_path", lambda *_a: (str(tmp_path / "s.npz"), ""))
    monkeypatch.setattr(export, "ask_snapshot_batch", lambda *_a: None)
    assert export.export_snapshot(None, Document(xor), settings) is None
    assert _files(tmp_path) == ["settings.ini"] or _files(tmp_path) == []


def test_unwritable_folder_gives_a_clear_message_and_no_file(
    tmp_path, xor, settings, monkeypatch, errors, unwritable
):
    target = unwritable / "snap.npz"
    monkeypatch.setattr(export, "ask_save_path", lambda *_a: (str(target), ""))
    monkeypatch.setattr(export, "ask_snapshot_batch", lambda *_a: False)
    assert export.export_snapshot(None, Document(xor), settings) is None
    assert len(errors) == 1
    title, text = errors[0]
    assert title == "Cannot export the snapshot"
    assert str(target) in text and "Nothing was written" in text
    assert not target.exists()
    if unwritable.is_dir():
        assert _files(unwritable) == []


def test_full_disk_midway_leaves_nothing_behind(tmp_path, xor, settings, monkeypatch, errors):
    def savez_then_fail(handle, **arrays):
        handle.write(b"PK\x03\x04 partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(snapshot_module.np, "savez", savez_then_fail)
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(export, "ask_save_path", lambda *_a: (str(out / "s.npz"), ""))
    monkeypatch.setattr(export, "ask_snapshot_batch", lambda *_a: False)
    assert export.export_snapshot(None, Document(xor), settings) is None
    assert "No space left on device" in errors[0][1]
    assert _files(out) == []


# -- images --------------------------------------------------------------------------------
def _distinct(image: QImage) -> int:
    return len(
        {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    )


@pytest.mark.parametrize("scale", [1, 2, 3])
def test_png_export_has_the_chosen_scale(qapp, tmp_path, xor, scale):
    out = tmp_path / "c.png"
    export.write_image(out, xor, (320, 180), scale)
    image = QImage(str(out))
    assert (image.width(), image.height()) == (320 * scale, 180 * scale)
    assert _distinct(image) > 20
    assert _files(tmp_path) == ["c.png"]


def test_scaled_png_is_the_same_picture_sharper(qapp, tmp_path, xor):
    export.write_image(tmp_path / "one.png", xor, (320, 180), 1)
    export.write_image(tmp_path / "two.png", xor, (320, 180), 2)
    one = np.asarray(Image.open(tmp_path / "one.png").convert("L"), dtype=float)
    two = np.asarray(Image.open(tmp_path / "two.png").convert("L").resize((320, 180)), float)
    # The same layout (not a bigger canvas laid out again): the two agree closely.
    assert np.mean(np.abs(one - two)) < 12


def test_svg_export_is_vector(qapp, tmp_path, xor):
    out = tmp_path / "c.svg"
    export.write_image(out, xor, (400, 300))
    tags = {el.tag.rsplit("}", 1)[-1] for el in ET.parse(out).getroot().iter()}
    assert "text" in tags and ("path" in tags or "polyline" in tags)


def test_export_image_uses_the_view_size_and_chosen_filter(
    qtbot, tmp_path, xor, settings, monkeypatch
):
    view = QLabel("stand-in for the canvas")
    qtbot.addWidget(view)
    view.resize(300, 200)
    monkeypatch.setattr(
        export, "ask_save_path", lambda *_a: (str(tmp_path / "canvas"), "PNG image, 2× (*.png)")
    )
    written = export.export_image(None, Document(xor), view, settings, step=5)
    assert written == tmp_path / "canvas.png"
    image = QImage(str(written))
    assert (image.width(), image.height()) == (600, 400)
    assert settings.value("export/image_filter") == "PNG image, 2× (*.png)"


def test_bad_image_names_and_scales_are_refused(qapp, tmp_path, xor):
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        export.write_image(tmp_path / "c.jpg", xor)
    with pytest.raises(ValueError, match="scale"):
        export.write_image(tmp_path / "c.png", xor, scale=9)
    assert _files(tmp_path) == []


def test_any_panel_saves_as_png(qtbot, tmp_path):
    panel = QLabel("<b>a panel</b> with some text")
    qtbot.addWidget(panel)
    panel.resize(240, 80)
    export.save_widget_png(panel, tmp_path / "panel.png")
    image = QImage(str(tmp_path / "panel.png"))
    assert (image.width(), image.height()) == (240, 80)
    assert _files(tmp_path) == ["panel.png"]


# -- animations ----------------------------------------------------------------------------
class _Recording(QProgressDialog):
    """A real progress dialog that records its values and can press Cancel by itself."""

    cancel_at: int | None = None

    def __init__(self, *args):
        super().__init__(*args)
        self.values: list[int] = []

    def setValue(self, value: int) -> None:
        super().setValue(value)
        self.values.append(value)
        if self.cancel_at is not None and value >= self.cancel_at:
            self.cancel()


@pytest.fixture
def small_animation(monkeypatch):
    monkeypatch.setattr(export, "ANIMATION_SIZE", (240, 135))
    return make_network([2, 2, 1], "tanh", name="tiny")


def _use_dialog(monkeypatch, cancel_at=None) -> list[_Recording]:
    made: list[_Recording] = []

    def make(parent, text):
        recording = export.setup_progress_dialog(_Recording(text, "Cancel", 0, 1, parent))
        recording.cancel_at = cancel_at
        made.append(recording)
        return recording

    monkeypatch.setattr(export, "make_progress_dialog", make)
    return made


def test_animation_export_through_the_progress_dialog_writes_a_gif(
    qtbot, tmp_path, settings, monkeypatch, errors, small_animation
):
    made = _use_dialog(monkeypatch)
    monkeypatch.setattr(
        export, "ask_save_path", lambda *_a: (str(tmp_path / "a"), export.GIF_FILTER)
    )
    written = export.export_animation(None, Document(small_animation), settings)
    assert written == tmp_path / "a.gif"
    with Image.open(written) as gif:
        assert gif.format == "GIF" and gif.n_frames > 5
        assert gif.size == (240, 135)
    dialog = made[0]
    assert dialog.values[-1] == dialog.maximum() > 1  # every frame reported
    assert dialog.values == sorted(dialog.values)
    assert errors == [] and _files(tmp_path) == ["a.gif", "settings.ini"]


@pytest.mark.parametrize("chosen", ["gif", "frames"])
def test_cancelled_animation_export_leaves_no_partial_file(
    qtbot, tmp_path, settings, monkeypatch, errors, small_animation, chosen
):
    made = _use_dialog(monkeypatch, cancel_at=3)
    out = tmp_path / "out"
    out.mkdir()
    if chosen == "gif":
        answer = (str(out / "a.gif"), export.GIF_FILTER)
    else:
        answer = (str(out / "frames"), export.FRAMES_FILTER)
    monkeypatch.setattr(export, "ask_save_path", lambda *_a: answer)
    assert export.export_animation(None, Document(small_animation), settings) is None
    assert made[0].wasCanceled() and 3 <= made[0].values[-1] < made[0].maximum()
    assert _files(out) == []  # no GIF, no folder, no temporary file
    assert errors == []


def test_animation_frames_go_to_a_new_folder(
    qtbot, tmp_path, settings, monkeypatch, small_animation
):
    _use_dialog(monkeypatch)
    monkeypatch.setattr(
        export, "ask_save_path", lambda *_a: (str(tmp_path / "frames.png"), export.FRAMES_FILTER)
    )
    written = export.export_animation(None, Document(small_animation), settings)
    assert written == tmp_path / "frames" and written.is_dir()
    names = _files(written)
    assert names[0] == "frame_0000.png" and len(names) > 5


def test_animation_into_a_folder_that_is_not_empty_is_reported(
    qtbot, tmp_path, settings, monkeypatch, errors, small_animation
):
    _use_dialog(monkeypatch)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    monkeypatch.setattr(export, "ask_save_path", lambda *_a: (str(busy), export.FRAMES_FILTER))
    assert export.export_animation(None, Document(small_animation), settings) is None
    assert "not empty" in errors[0][1]
    assert _files(busy) == ["keep.txt"]
