"""Start-up stays light: opening the main window does not import pyqtgraph, nor the
dialogs and exports; the first analysis panel shown imports pyqtgraph. Run in a fresh
interpreter (this one has loaded everything)."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Modules the window that opens does not need: dialogs, exports, the thread pool of the
# first save, hashing. Each would be imported (and each Qt class it
# names built) for nothing.
HEAVY = (
    "visualizer.gui.export",
    "visualizer.gui.render",
    "visualizer.gui.model_files",
    "visualizer.gui.shortcuts",
    "visualizer.gui.tour",
    "concurrent.futures",
    "hashlib",
    "numpy.ma",  # np.unique imports it on first use
    # What only the command-line commands use.
    "visualizer.engine.chain",
    "visualizer.engine.datasets",
    "visualizer.engine.gradcheck",
    "visualizer.engine.training",
    "visualizer.formats.snapshot",
)

# Qt classes the opened window must not make PySide build (QStyle alone: ~20 enums).
UNBUILT = ("QStyle",)

SCRIPT = """
import json, sys
HEAVY = json.loads(sys.argv[1])
UNBUILT = json.loads(sys.argv[2])
from visualizer import collector
collector.pause()  # as the console script starts
from visualizer.cli import main
from PySide6.QtWidgets import QApplication
from visualizer.gui.app import open_window
window = open_window(None)
app = QApplication.instance()
window.grab()  # the first full paint, canvas included
app.processEvents()
seen = {"opened": "pyqtgraph" in sys.modules}
seen["heavy"] = sorted(name for name in HEAVY if name in sys.modules)
# Qt classes PySide builds on first use, with all their enums, that the first window
# does without (the player bar draws its icons instead of asking QStyle).
from PySide6 import QtWidgets
seen["qt classes"] = sorted(name for name in UNBUILT if name in vars(QtWidgets))
window.training_dock.raise_()
app.processEvents()
seen["training shown"] = "pyqtgraph" in sys.modules
seen["panel"] = type(window.training).__name__
window.doc.undo_stack.setClean()
print(json.dumps(seen))
"""


def test_the_main_window_opens_without_pyqtgraph_or_dialogs_and_a_plot_panel_brings_it(
    child_json,
) -> None:
    seen = child_json(SCRIPT, json.dumps(HEAVY), json.dumps(UNBUILT), cwd=ROOT)
    assert seen == {
        "opened": False,
        "heavy": [],
        "qt classes": [],
        "training shown": True,
        "panel": "TrainingPanel",
    }
