"""What does the hover highlight cost? Prints timings (medians), never passes or fails.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_hover.py [--runs N]

For each network, at 1600×900 with the view fitted:
  hover      scene.set_hover on a neuron in the middle of the widest hidden layer (its
             incoming and outgoing edges are collected and redrawn, every bundle fades),
             then a full render of the view — what one mouse move onto a new neuron costs
  unhover    set_hover(None) (the bundles come back), then render
  render     a render with nothing hovered, for comparison
  keys       one arrow key on the focused canvas (move the cursor, select, describe in
             words, scroll into view), without rendering
The target is 16 ms (one frame at 60 Hz) for networks of a few hundred neurons.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeyEvent, QPainter
from PySide6.QtWidgets import QApplication

from visualizer.engine.network import make_network
from visualizer.gui.canvas.layout import Hit
from visualizer.gui.canvas.view import NetworkView
from visualizer.gui.document import Document

CASES = [
    [2, 4, 3, 2],
    [32, 64, 64, 64, 32],
    [64, 128, 128, 10],
    [256, 512, 10],
]


def median_ms(fn: Callable[[], None], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def measure(sizes: list[int], runs: int) -> tuple[float, float, float, float]:
    """(hover, unhover, render, keys) medians in ms for a network of `sizes`."""
    acts = ["tanh"] * (len(sizes) - 2) + ["sigmoid"]
    view = NetworkView(Document(make_network(sizes, acts, "half_squared_error")))
    view.resize(1600, 900)
    view.show()
    QApplication.processEvents()
    scene = view.network_scene
    image = QImage(1600, 900, QImage.Format.Format_ARGB32_Premultiplied)

    def render() -> None:
        p = QPainter(image)
        view.render(p)
        p.end()

    widest = max(range(1, len(sizes) - 1), key=lambda l: sizes[l])
    hits = [Hit("neuron", widest, sizes[widest] // 2), Hit("neuron", widest, 0)]
    count = iter(range(10**9))

    def hover() -> None:
        scene.set_hover(hits[next(count) % 2])  # a new neuron every time
        render()

    render()  # warm the caches
    hover_ms = median_ms(hover, runs)
    unhover = []
    for _ in range(runs):
        scene.set_hover(hits[0])
        render()
        t0 = time.perf_counter()
        scene.set_hover(None)
        render()
        unhover.append((time.perf_counter() - t0) * 1000)
    render_ms = median_ms(render, runs)
    none = Qt.KeyboardModifier.NoModifier
    view.keyPressEvent(QKeyEvent(QKeyEvent.Type.KeyPress, Qt.Key.Key_Right, none))
    keys = [Qt.Key.Key_Down, Qt.Key.Key_Up]

    def key() -> None:
        view.keyPressEvent(QKeyEvent(QKeyEvent.Type.KeyPress, keys[next(count) % 2], none))

    keys_ms = median_ms(key, runs)
    view.close()
    return hover_ms, statistics.median(unhover), render_ms, keys_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    QApplication.instance() or QApplication([])
    print(f"{'network':<24}{'hover':>10}{'unhover':>10}{'render':>10}{'keys':>10}  (ms)")
    for sizes in CASES:
        row = "".join(f"{ms:>10.2f}" for ms in measure(sizes, args.runs))
        print(f"{sizes!s:<24}{row}")


if __name__ == "__main__":
    main()
