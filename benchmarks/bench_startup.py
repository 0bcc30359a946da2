"""Start-up time: from Python starting to the main window painted on the default network,
against a bare QMainWindow (Qt's own start-up), with and without NumPy imported, run in
turns. Prints medians and the ratio to the NumPy one (target ≤ 1.3×); never pass/fail.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_startup.py [--runs 5]

`--instructions` counts instead the instructions each start executes (valgrind's
callgrind, one start per case, ~30 s each): the same count on every run to a fraction of
a percent, where wall time on a busy machine moves by more than a change of a few
milliseconds. The app's own share is its count less the same widgets in plain PySide.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import bytecode_cache  # benchmarks/bytecode_cache.py, beside this script

TARGET = 1.3  # the app's start-up against a bare QMainWindow with NumPy imported

BARE = """
import time; t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow(); w.resize(1600, 900); w.show(); w.grab()
print(time.perf_counter() - t0)
"""

BARE_NUMPY = """
import time; t0 = time.perf_counter()
import numpy
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow(); w.resize(1600, 900); w.show(); w.grab()
print(time.perf_counter() - t0)
"""

# The widgets of the app's first window, made with plain PySide and no app code: what Qt
# alone costs for this window. The counts are the window's (`--count` prints them): 7 docks
# (4 tabbed behind the inspector, one hidden), an inspector form (4 group boxes, 5 combo
# boxes, 2 spin boxes, 2 line edits, 5 buttons, 2 one-row tables, readouts), a rich-text
# equation over a slider, tool buttons and times, a graphics view of 36 items (circles,
# texts, lines),
# 93 actions (with shortcuts) in 6 menus and 9 submenus, a toolbar and a status bar.
SAME_WIDGETS = """
import time; t0 = time.perf_counter()
import numpy
from PySide6.QtCore import Qt, QRectF
from PySide6.QtGui import QAction, QColor, QKeySequence, QPen
from PySide6.QtWidgets import (
    QApplication, QComboBox, QDockWidget, QFormLayout, QGraphicsScene, QGraphicsView,
    QGroupBox, QHBoxLayout, QLabel, QLineEdit, QMainWindow, QPushButton, QScrollArea,
    QSlider, QSpinBox, QTableWidget, QTableWidgetItem, QToolBar, QToolButton, QVBoxLayout,
    QWidget,
)
app = QApplication([])
w = QMainWindow(); w.resize(1600, 900)
scene = QGraphicsScene(); w.setCentralWidget(QGraphicsView(scene))
for i in range(12):
    scene.addEllipse(QRectF(i * 60, 100 + (i % 4) * 40, 24, 24), QPen(QColor("black")))
    scene.addText(f"a{i} = {i * 0.123:.3f}").setPos(i * 60, 50)
    scene.addLine(i * 60, 120, i * 60 + 60, 160, QPen(QColor("red"), 1.5))
right, bottom = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
def dock(title, widget, area):
    d = QDockWidget(title, w); d.setWidget(widget); w.addDockWidget(area, d); return d
body = QWidget(); outer = QVBoxLayout(body)
combos = iter(range(5))
for g in range(4):
    box = QGroupBox(f"Group {g}"); form = QFormLayout(box)
    if g < 2: form.addRow("name", QLineEdit("x"))
    form.addRow(QLabel(f"<b>readout</b> {g}"))
    if g < 2:
        spin = QSpinBox(); spin.setRange(1, 4096); form.addRow("size", spin)
    for _ in range(2 if g == 3 else 1):
        combo = QComboBox(); combo.addItems(["tanh", "sigmoid", "relu"])
        form.addRow(f"choice {next(combos, 0)}", combo)
    row = QHBoxLayout()
    for k in range(2 if g < 1 else 1):
        row.addWidget(QPushButton(f"Button {g}.{k}"))
    form.addRow(row)
    outer.addWidget(box)
for _ in range(2):
    table = QTableWidget(1, 3)
    for k in range(3):
        table.setItem(0, k, QTableWidgetItem(str(k * 0.5)))
    outer.addWidget(table)
area = QScrollArea(); area.setWidgetResizable(True); area.setWidget(body)
first = previous = dock("Inspector", area, right)
dock("History", QWidget(), right).hide()
for title in ("Gradients", "Check", "Chain", "Training"):
    d = dock(title, QWidget(), right); w.tabifyDockWidget(previous, d); previous = d
first.raise_()
playback = QWidget(); column = QVBoxLayout(playback)
column.addWidget(QLabel("<b>δ<sup>3</sup> = f′(z<sup>3</sup>) ⊙ ∇<sub>a</sub>C</b>"))
bar = QHBoxLayout()
for _ in range(6):
    bar.addWidget(QToolButton())
for _ in range(2):
    bar.addWidget(QLabel("0:00"))
bar.addWidget(QSlider(Qt.Orientation.Horizontal)); column.addLayout(bar)
dock("Playback", playback, bottom)
count = 0
for m in range(6):
    menu = w.menuBar().addMenu(f"&Menu {m}")
    for s in range(2 if m < 3 else 1):
        sub = menu.addMenu(f"Submenu {m}.{s}")
        for k in range(4):
            action = QAction(f"Choice {m}.{s}.{k}", w); sub.addAction(action); count += 1
    while count < 62 * (m + 1) // 6:  # with the toolbar's, docks' and menus' own: 93
        action = QAction(f"Action {count}", w)
        action.setShortcut(QKeySequence(f"Ctrl+Shift+{chr(65 + count % 26)}"))
        menu.addAction(action); count += 1
toolbar = QToolBar(); w.addToolBar(toolbar)
for k in range(8):
    toolbar.addAction(f"Tool {k}")
w.statusBar().addPermanentWidget(QLabel("4 layers · 47 parameters"))
w.show(); w.grab()
print(time.perf_counter() - t0)
"""

# The way `backprop-visualizer` starts: the console script (visualizer/launch.py) pauses the
# cyclic garbage collector (visualizer/collector.py) and imports the command line (NumPy,
# the engine, the file formats: everything that is not Qt), which opens the window (and
# turns the collector back on).
APP = """
import time; t0 = time.perf_counter()
from visualizer import collector
collector.pause()
from visualizer.cli import main
from visualizer.gui.app import open_window
w = open_window(None)
w.grab()  # grab() forces the first full paint
print(time.perf_counter() - t0)
"""


def wall(code: str, env: dict[str, str]) -> tuple[float, float, float]:
    """(whole process wall time, time inside the script, the process's CPU time) in
    seconds. CPU time (user + system) moves less than wall time when other programs load
    the machine, so it is printed too."""
    t0 = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    out, err = child.communicate()
    total = time.perf_counter() - t0
    # communicate() has reaped the child; its CPU time is in the children's counters.
    if child.returncode != 0:
        raise SystemExit(f"error: a start-up run failed:\n{err}")
    return total, float(out.strip().splitlines()[-1]), _cpu_of_last_child()


_children_cpu = 0.0


def _cpu_of_last_child() -> float:
    """CPU time of the child reaped since the last call (children's counters only grow)."""
    global _children_cpu
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    now = usage.ru_utime + usage.ru_stime
    used, _children_cpu = now - _children_cpu, now
    return used


# Appended to a case's code: what its window is made of (`--count`).
COUNT = """
from collections import Counter
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QGraphicsView, QMenu, QWidget
kinds = Counter(type(x).__name__ for x in w.findChildren(QWidget))
view = w.findChild(QGraphicsView)
print(
    f"{len(w.findChildren(QAction))} actions, {len(w.findChildren(QMenu))} menus, "
    f"{len(w.findChildren(QDockWidget))} docks, {len(view.scene().items())} scene items; "
    + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()) if k != "QWidget")
)
"""


def count(env: dict[str, str]) -> None:
    """Print what the app's first window and the plain-PySide one are made of."""
    for name, code in (("Backprop Visualizer", APP), ("same widgets, plain PySide", SAME_WIDGETS)):
        child = [sys.executable, "-c", code + COUNT]
        out = subprocess.run(child, capture_output=True, text=True, env=env, check=True).stdout
        out = out.splitlines()[-1]
        print(f"{name}: {out}")


def instructions(code: str, env: dict[str, str]) -> int:
    """Instructions one start of `code` executes, counted by callgrind. String hashing is
    seeded so that dicts and sets are built the same way on every run."""
    with tempfile.TemporaryDirectory(prefix="bench-startup-cg-") as folder:
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={os.path.join(folder, 'out')}",
                sys.executable,
                "-c",
                code,
            ],
            capture_output=True,
            text=True,
            env=dict(env, PYTHONHASHSEED="0"),
        )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"error: a counted start failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def count_instructions(cases: tuple[tuple[str, str], ...], env: dict[str, str]) -> None:
    """Print each case's instruction count, and the app's beyond the plain-PySide window."""
    if shutil.which("valgrind") is None:
        raise SystemExit("error: --instructions needs valgrind")
    counted = {name: instructions(code, env) for name, code in cases}
    print(f"{'window shown and painted':26s} {'instructions':>14s}")
    for name, n in counted.items():
        print(f"{name:26s} {n / 1e6:11,.0f} M")
    base = counted["bare QMainWindow + NumPy"]
    app, same = counted["Backprop Visualizer"], counted["same widgets, plain PySide"]
    print(f"app ÷ bare QMainWindow with NumPy: {app / base:.2f}× (target ≤ {TARGET}×)")
    own = (app - same) / 1e6
    print(f"the app's own share (beyond the same widgets in plain PySide): {own:,.0f} M")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--count", action="store_true", help="print what each window is made of, and stop"
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count each start's instructions with valgrind (steady on a busy machine)",
    )
    bytecode_cache.add_option(parser)
    args = parser.parse_args()
    runs = args.runs
    if args.count:
        count(bytecode_cache.child_env(None, QT_QPA_PLATFORM="offscreen"))
        return
    cases = (
        ("bare QMainWindow", BARE),
        ("bare QMainWindow + NumPy", BARE_NUMPY),
        ("same widgets, plain PySide", SAME_WIDGETS),
        ("Backprop Visualizer", APP),
    )
    if args.instructions:
        with tempfile.TemporaryDirectory(prefix="bench-startup-pyc-") as cache:
            kept = None if args.no_bytecode_cache else cache
            env = bytecode_cache.child_env(kept, QT_QPA_PLATFORM="offscreen")
            for _, code in cases[1:]:
                wall(code, env)  # compiles the modules first, unless asked not to keep them
            count_instructions(cases[1:], env)
        return
    with tempfile.TemporaryDirectory(prefix="bench-startup-pyc-") as cache:
        kept = None if args.no_bytecode_cache else cache
        env = bytecode_cache.child_env(kept, QT_QPA_PLATFORM="offscreen")
        for _, code in cases:  # one start each to fill the cache (and the OS's file cache)
            wall(code, env)
        samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name, _ in cases}
        for _ in range(runs):  # in turns, so a change of machine load hits every case
            for name, code in cases:
                samples[name].append(wall(code, env))
    results = {
        name: tuple(statistics.median(s[i] for s in got) for i in range(3))
        for name, got in samples.items()
    }
    cached = "not kept (--no-bytecode-cache)" if args.no_bytecode_cache else "kept"
    print(f"compiled modules between starts: {cached}")
    print(f"{'window shown and painted':26s} {'process wall':>13s} {'in script':>10s} {'CPU':>9s}")
    for name, (total, inside, cpu) in results.items():
        print(f"{name:26s} {total * 1e3:10.0f} ms {inside * 1e3:7.0f} ms {cpu * 1e3:6.0f} ms")
    extra = results["Backprop Visualizer"][0] - results["bare QMainWindow"][0]
    print(f"beyond Qt's own start-up: {extra * 1e3:.0f} ms (median of {runs})")
    ratio = results["Backprop Visualizer"][0] / results["bare QMainWindow + NumPy"][0]
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"app ÷ bare QMainWindow with NumPy: {ratio:.2f}× (target ≤ {TARGET}×: {verdict})")
    cpu_ratio = results["Backprop Visualizer"][2] / results["bare QMainWindow + NumPy"][2]
    print(f"the same in CPU time: {cpu_ratio:.2f}× (steadier on a busy machine)")
    floor = results["same widgets, plain PySide"][0] / results["bare QMainWindow + NumPy"][0]
    print(
        f"the same widgets in plain PySide (Qt's cost for this window, no app code): {floor:.2f}×;"
        f" the app's own code adds {ratio - floor:.2f}×"
    )


if __name__ == "__main__":
    main()
