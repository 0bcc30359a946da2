"""Shared GUI-test fixtures."""

import pytest

from visualizer.gui.canvas.view import NetworkView


@pytest.fixture
def view(qtbot, doc):
    """The canvas of the test module's `doc`, shown at 1600×900 and exposed."""
    v = NetworkView(doc)
    qtbot.addWidget(v)
    v.resize(1600, 900)
    v.show()
    qtbot.waitExposed(v)
    return v
