"""Start-up time: from Python starting to the main window painted on the default network,
against a bare QMainWindow (Qt's own start-up). Prints medians; never pass/fail.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

BARE = """
import time; t0 = time.perf_counter()
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
    for name, code in (("bare QMainWindow", BARE), ("Backprop Visualizer", APP)):
        samples = [wall(code) for _ in range(runs)]
        results[name] = (
            statistics.median(s[0] for s in samples),
            statistics.median(s[1] for s in samples),
        )
    print(f"{'window shown and painted':26s} {'process wall':>13s} {'in script':>10s}")
    for name, (total, inside) in results.items():
        print(f"{name:26s} {total * 1e3:10.0f} ms {inside * 1e3:7.0f} ms")
    extra = results["Backprop Visualizer"][0] - results["bare QMainWindow"][0]
    print(f"beyond Qt's own start-up: {extra * 1e3:.0f} ms (median of {runs})")


if __name__ == "__main__":
    main()
