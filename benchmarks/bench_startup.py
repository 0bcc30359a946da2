"""Start-up time: from Python starting to the main window painted on the default network,
against a bare QMainWindow (Qt's own start-up), with and without NumPy imported, run in
turns. Prints medians and the ratio to the NumPy one (target ≤ 1.3×); never pass/fail.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import resource
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    bytecode_cache.add_option(parser)
    args = parser.parse_args()
    runs = args.runs
    cases = (
        ("bare QMainWindow", BARE),
        ("bare QMainWindow + NumPy", BARE_NUMPY),
        ("Backprop Visualizer", APP),
    )
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


if __name__ == "__main__":
    main()
