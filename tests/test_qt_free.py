"""The engine, the file formats, the timeline and the command line never load Qt.

They are imported in a fresh interpreter (this test process may already hold Qt from the
GUI tests), every module of `visualizer.engine` and `visualizer.formats` found by
pkgutil.walk_packages, so a module added later is covered without editing this test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QT_TOP_LEVEL = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6", "PySide2")

SCRIPT = f"""
import importlib, importlib.util, json, pkgutil, sys

names = []
for package in ("visualizer.engine", "visualizer.formats"):
    module = importlib.import_module(package)
    names.append(package)
    names += [info.name for info in pkgutil.walk_packages(module.__path__, package + ".")]
names += [n for n in ("visualizer.timeline", "visualizer.cli") if importlib.util.find_spec(n)]
for name in names:
    importlib.import_module(name)
qt = sorted(m for m in sys.modules if m.split(".")[0] in {QT_TOP_LEVEL!r})
print(json.dumps({{"imported": names, "qt": qt}}))
"""


def test_headless_modules_load_no_qt() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    imported = set(report["imported"])
    # The walk really found the modules (an empty walk would pass vacuously).
    for name in (
        "visualizer.engine.backprop",
        "visualizer.engine.gradcheck",
        "visualizer.engine.chain",
        "visualizer.engine.training",
        "visualizer.formats.network_file",
        "visualizer.timeline",
        "visualizer.cli",
    ):
        assert name in imported
    assert report["qt"] == [], f"Qt modules loaded: {report['qt']}"
