"""Start-up stays light: opening the main window does not import pyqtgraph, nor the
dialogs and exports, nor what waits for its first use (edits, the keyboard cursor, the
writer thread, crash recovery); the first analysis panel shown imports pyqtgraph, and each
of the others works when first used. Run in a fresh interpreter (this one has loaded
everything)."""

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
    "html",  # its entity tables; the rich text escapes its three characters itself
    # What only the command-line commands use.
    "visualizer.engine.chain",
    "visualizer.engine.datasets",
    "visualizer.engine.gradcheck",
    "visualizer.engine.training",
    "visualizer.formats.snapshot",
)

# What the window imports on first use (see main_window.py): the edit commands with the
# first edit, the keyboard model with the first key or click on the canvas, the writer
# thread with the first save, autosave or open, crash recovery with the first autosave or
# the offer the event loop makes once the window is up.
FIRST_USE = (
    "visualizer.gui.commands",
    "visualizer.engine.editing",
    "visualizer.gui.canvas.keyboard",
    "visualizer.gui.background",
    "visualizer.gui.recovery",
)

# Qt classes the opened window must not make PySide build (QStyle alone: ~20 enums); the
# undo commands' base class comes with the first edit.
UNBUILT = ("QStyle", "QUndoCommand")

# Each script starts as the console script does, to the first full paint (canvas included).
STARTED = """
import json, sys
from visualizer import collector
collector.pause()
from visualizer.cli import main
from PySide6.QtWidgets import QApplication
from visualizer.gui.app import open_window
window = open_window(None)
app = QApplication.instance()
window.grab()
"""

SCRIPT = STARTED + """
HEAVY = json.loads(sys.argv[1])
UNBUILT = json.loads(sys.argv[2])
app.processEvents()
seen = {"opened": "pyqtgraph" in sys.modules}
seen["heavy"] = sorted(name for name in HEAVY if name in sys.modules)
# Qt classes PySide builds on first use, with all their enums, that the first window
# does without (the player bar draws its icons instead of asking QStyle).
from PySide6 import QtGui, QtWidgets
built = vars(QtWidgets) | vars(QtGui)
seen["qt classes"] = sorted(name for name in UNBUILT if name in built)
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
    seen = child_json(SCRIPT, json.dumps(HEAVY + FIRST_USE), json.dumps(UNBUILT), cwd=ROOT)
    assert seen == {
        "opened": False,
        "heavy": [],
        "qt classes": [],
        "training shown": True,
        "panel": "TrainingPanel",
    }


FIRST_USE_SCRIPT = STARTED + """
import time
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
FIRST_USE = json.loads(sys.argv[1])
doc, view, player = window.doc, window.view, window.player

def loaded():
    return sorted(name for name in FIRST_USE if name in sys.modules)

seen = {"opened": loaded()}
window.activateWindow()
deadline = time.monotonic() + 10
while QApplication.activeWindow() is not window and time.monotonic() < deadline:
    app.processEvents()

def press(key):
    QTest.keyClick(window.windowHandle(), key)  # through the window's shortcuts
    app.processEvents()

# The first keys: → from nothing is x1, then z1, a1, and ] its first weight.
for key in (Qt.Key.Key_Right, Qt.Key.Key_Right, Qt.Key.Key_Right, Qt.Key.Key_BracketRight):
    press(key)
c = view.cursor
seen["cursor"] = [c.part, c.layer, c.i, c.j]
seen["described"] = view.accessibleDescription().split(" = ")[0]
seen["player still at rest"] = player.state.step
# The first edit: ↑ nudges the selected weight, one undo step.
before = float(doc.network.layer(1).weights[0, 0])
press(Qt.Key.Key_Up)
seen["nudged up"] = float(doc.network.layer(1).weights[0, 0]) > before
seen["undo steps"] = doc.undo_stack.count()
# An edit from the menu and one from the inspector.
window.add_layer()
seen["depth after + Layer"] = doc.network.depth
doc.undo_stack.undo()
window.inspector.name_edit.setText("Renamed")
window.inspector.name_edit.editingFinished.emit()
seen["name"] = doc.network.name
# The first autosave: this window's recovery file, written on the writer thread.
seen["autosaved"] = window.autosave()
seen["recovery file written"] = window.recovery.path.is_file()
# The first playback.
player.play()
player.animation.setCurrentTime(2000)
app.processEvents()
seen["played"] = player.state.playing and player.state.step >= 0
player.pause()
window.grab()
seen["used"] = loaded()
# What the event loop asks first in run(): orphans of crashed sessions (none here).
seen["restored"] = window.offer_recovery()
doc.undo_stack.setClean()
window.close()
seen["recovery file after closing"] = window.recovery.path.exists()
print(json.dumps(seen))
"""

UNTOUCHED_SCRIPT = STARTED + """
FIRST_USE = json.loads(sys.argv[1])
closed = window.close()
print(json.dumps({"closed": closed, "imported": [m for m in FIRST_USE if m in sys.modules]}))
"""


def test_what_start_up_leaves_out_works_when_first_used(child_json) -> None:
    seen = child_json(FIRST_USE_SCRIPT, json.dumps(FIRST_USE), cwd=ROOT)
    assert seen == {
        "opened": [],
        "cursor": ["edge", 1, 0, 0],
        "described": "weight w¹₁,₁",
        "player still at rest": -1,
        "nudged up": True,
        "undo steps": 1,
        "depth after + Layer": 4,
        "name": "Renamed",
        "autosaved": True,
        "recovery file written": True,
        "played": True,
        "used": sorted(FIRST_USE),
        "restored": False,
        "recovery file after closing": False,
    }


def test_a_window_closed_untouched_never_makes_the_writer_or_the_recovery_file(
    child_json,
) -> None:
    seen = child_json(UNTOUCHED_SCRIPT, json.dumps(FIRST_USE), cwd=ROOT)
    assert seen == {"closed": True, "imported": []}
