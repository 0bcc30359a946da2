"""How fast is the canvas? Prints timings (medians), never passes or fails.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_canvas.py [--runs N]

For each network it measures, at 1600×900 with the view fitted:
  build      NetworkScene(document): layout, items, first values (the engine's Trace is
             computed beforehand and not counted)
  render     one full render of the view into a QImage, cold (fresh caches) and warm
             (every item's cache valid: what a repaint after a pan costs)
  edit       push a SetWeight on an edge that is not selected (its bundle regroups and
             re-rasterises; every neuron column gets new values), then render
  nudge      push a NudgeWeight on the selected edge, as a drag does on every mouse move
             (its bundle's cache stays valid: the selection overlay draws that edge), then
             render
The target for edits is 16 ms (one frame at 60 Hz) for networks of a few hundred neurons.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import itertools

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication

from visualizer.engine.network import make_network
from visualizer.gui.canvas.scene import NetworkScene
from visualizer.gui.canvas.view import NetworkView
from visualizer.gui.commands import NudgeWeight, SetWeight
from visualizer.gui.document import Document, Selection

SIZE = (1600, 900)
CASES = ([2, 3, 2], [32, 64, 64, 64, 32], [128, 256, 256, 10])
TARGET_MS = 16.0


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def render(view: NetworkView, image: QImage) -> None:
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    view.render(painter, QRectF(image.rect()), view.viewport().rect())
    painter.end()


def bench(sizes: list[int], runs: int) -> dict[str, float]:
    network = make_network(sizes, "tanh")
    out: dict[str, float] = {}

    def build() -> None:
        doc = Document(network)  # not timed below: only the scene is
        t = time.perf_counter()
        scene = NetworkScene(doc)
        build.elapsed.append(time.perf_counter() - t)  # type: ignore[attr-defined]
        scene.deleteLater()

    build.elapsed = []  # type: ignore[attr-defined]
    for _ in range(runs + 1):
        build()
    out["build"] = 1000 * statistics.median(build.elapsed[1:])  # type: ignore[attr-defined]

    doc = Document(network)
    view = NetworkView(doc)
    view.resize(*SIZE)
    view.show()
    QApplication.processEvents()
    view.fit()
    image = QImage(*SIZE, QImage.Format.Format_ARGB32_Premultiplied)

    def cold() -> None:
        for item in view.network_scene.bundle_items:
            item._cache = None  # what a zoom costs: every bundle re-rasterised
        render(view, image)

    out["render cold"] = median_ms(cold, runs)
    out["render warm"] = median_ms(lambda: render(view, image), runs)

    # An edit of an unselected edge in the middle layer.
    l = (len(sizes) - 1 + 1) // 2
    flip = [0.5, -0.5]

    def edit() -> None:
        flip.reverse()
        doc.edit(SetWeight(doc, l, 0, 0, flip[0]))
        render(view, image)

    out["edit → render"] = median_ms(edit, runs)

    doc.set_selection(Selection("edge", l, 0, 0))
    render(view, image)
    value = [0.0]

    def nudge() -> None:
        value[0] += 0.001
        doc.edit(NudgeWeight(doc, l, 0, 0, value[0], gesture=1))
        render(view, image)

    out["nudge → render"] = median_ms(nudge, runs)
    view.close()
    view.deleteLater()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs per figure (median)")
    args = parser.parse_args(argv)
    QApplication.instance() or QApplication(sys.argv[:1])
    print(f"canvas at {SIZE[0]}×{SIZE[1]}, medians of {args.runs} runs, milliseconds")
    keys = ["build", "render cold", "render warm", "edit → render", "nudge → render"]
    header = f"{'network':<22}{'edges':>8}" + "".join(f"{k:>16}" for k in keys)
    print(header)
    for sizes in CASES:
        edges = sum(a * b for a, b in itertools.pairwise(sizes))
        result = bench(sizes, args.runs)
        row = f"{sizes!s:<22}{edges:>8}" + "".join(f"{result[k]:>16.1f}" for k in keys)
        print(row)
    print(f"(edit target: {TARGET_MS:.0f} ms; figures are reported, not judged)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
