"""The analysis panels are built when their tab is first shown, not with the window (see
README, "Start-up"). A panel built late must show what a panel built with the window
shows, edits made before it existed included: compared pixel for pixel."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from visualizer.formats.network_file import load_network
from visualizer.gui import commands
from visualizer.gui.document import Document
from visualizer.gui.main_window import MainWindow
from visualizer.paths import DEFAULT_NETWORK


def edit(window: MainWindow) -> None:
    """Two edits that change what every panel shows: a weight and the sample."""
    doc = window.doc
    doc.edit(commands.SetWeight(doc, 1, 0, 0, 0.75))
    net = doc.network
    doc.edit(commands.SetSample(doc, -net.sample.x, net.sample.y, "Flipped the input"))


def pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return rows[:, : image.width() * 4].copy()


@pytest.fixture
def eager(qtbot, tmp_path):
    """A second window whose panels are all built (and shown once) as it opens."""
    settings = QSettings(str(tmp_path / "eager.ini"), QSettings.Format.IniFormat)
    w = MainWindow(Document(load_network(DEFAULT_NETWORK)), settings, tmp_path / "eager")
    w.show()
    for key in ("gradients", "check", "chain", "training"):
        getattr(w, f"{key}_dock").raise_()
        QApplication.processEvents()
        assert key in w._panels
    w.inspector_dock.raise_()
    yield w
    w.doc.undo_stack.clear()
    w.close()
    w.deleteLater()


@pytest.mark.parametrize("key", ["gradients", "check", "chain", "training"])
def test_a_panel_built_when_first_shown_matches_one_built_with_the_window(
    qtbot, window, eager, key
):
    window.show()
    assert key not in window._panels  # nothing built before its tab is shown
    edit(window)  # before the panel exists
    edit(eager)  # after it was built
    for w in (window, eager):
        dock = getattr(w, f"{key}_dock")
        dock.raise_()
        QApplication.processEvents()
        # The same width in both (the eager window's chain tab widened the docks).
        w.resizeDocks([dock], [560], Qt.Orientation.Horizontal)
    QApplication.processEvents()
    late, early = window._panels[key], eager._panels[key]
    late.resize(early.size())  # the docks around them may differ by a few pixels in height
    assert np.array_equal(pixels(late.grab().toImage()), pixels(early.grab().toImage()))
