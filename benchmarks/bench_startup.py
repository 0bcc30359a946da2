"""Start-up time: from Python starting to the main window painted on the default network,
against a bare QMainWindow (Qt's own start-up), with and without NumPy imported, run in
turns. Prints medians and the ratio to the NumPy one (target ≤ 1.3×); never pass/fail.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

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

APP = """
import time; t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication
app = QApplication([])
from visualizer.gui.app import configure_application
configure_application(app)
from visualizer.formats.network_file import load_network
from visualizer.gui.document import Document
from visualizer.gui.main_window import MainWindow
from visualizer.paths import DEFAULT_NETWORK
w = MainWindow(Document(load_network(DEFAULT_NETWORK)))
w.show(); w.grab()  # grab() forces the first full paint
print(time.perf_counter() - t0)
"""


def wall(code: str) -> tuple[float, float]:
    """(whole process wall time, time inside the script) in seconds."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    total = time.perf_counter() - t0
    return total, float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    results = {}
    cases = (
        ("bare QMainWindow", BARE),
        ("bare QMainWindow + NumPy", BARE_NUMPY),
        ("Backprop Visualizer", APP),
    )
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in cases}
    for _ in range(runs):  # in turns, so a change of machine load hits every case
        for name, code in cases:
            samples[name].append(wall(code))
    for name, got in samples.items():
        results[name] = (
            statistics.median(s[0] for s in got),
            statistics.median(s[1] for s in got),
        )
    print(f"{'window shown and painted':26s} {'process wall':>13s} {'in script':>10s}")
    for name, (total, inside) in results.items():
        print(f"{name:26s} {total * 1e3:10.0f} ms {inside * 1e3:7.0f} ms")
    extra = results["Backprop Visualizer"][0] - results["bare QMainWindow"][0]
    print(f"beyond Qt's own start-up: {extra * 1e3:.0f} ms (median of {runs})")
    ratio = results["Backprop Visualizer"][0] / results["bare QMainWindow + NumPy"][0]
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"app ÷ bare QMainWindow with NumPy: {ratio:.2f}× (target ≤ {TARGET}×: {verdict})")


if __name__ == "__main__":
    main()
