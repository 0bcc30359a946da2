"""File → Open on a FIFO or /dev/zero: one error message, the document kept, no hang."""

import os

import pytest
from PySide6.QtCore import QSettings

from visualizer.formats.network_file import load_network
from visualizer.gui.document import Document
from visualizer.gui.main_window import MainWindow
from visualizer.paths import DEFAULT_NETWORK


@pytest.mark.parametrize("kind", ["fifo.json", "fifo.npz", "zero.json"])
def test_opening_a_pipe_or_a_device_is_an_error_not_a_hang(qtbot, tmp_path, kind):
    path = tmp_path / kind
    if kind.startswith("fifo"):
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(Document(load_network(DEFAULT_NETWORK)), settings, tmp_path / "recovery")
    qtbot.addWidget(w)
    errors = []
    w.show_error = lambda title, text: errors.append(text)
    before = w.doc.network
    assert not w.open_path(path, ask=False)
    assert w.doc.network is before
    assert len(errors) == 1
    assert errors[0].startswith(f"{kind}: is a ") and "not a file" in errors[0]


@pytest.mark.parametrize("confirm", [False, True])
def test_saving_over_a_read_only_file_asks_first(qtbot, tmp_path, confirm):
    from visualizer.formats.network_file import save_network
    from visualizer.gui import commands

    target = tmp_path / "net.json"
    save_network(load_network(DEFAULT_NETWORK), target)
    target.chmod(0o444)
    before = target.read_bytes()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(Document(load_network(target), target), settings, tmp_path / "recovery")
    qtbot.addWidget(w)
    asked, errors = [], []
    w.ask_overwrite_read_only = lambda path: asked.append(path) or confirm
    w.show_error = lambda title, text: errors.append(text)
    w.doc.edit(commands.SetWeight(w.doc, 1, 0, 0, 0.123))
    assert w.file_save() is confirm
    assert asked == [target] and errors == []
    assert (target.read_bytes() != before) is confirm
    assert w.doc.is_modified is not confirm
    w.doc.undo_stack.clear()
