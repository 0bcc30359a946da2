"""How fast is the canvas? Prints timings (medians), never passes or fails.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_canvas.py [--runs N]

For each network it measures, at 1600×900 with the view fitted:
  build      NetworkScene(document): layout, items, first values (the engine's Trace is
             computed beforehand and not counted)
  render     one full render of the view into a QImage, cold (fresh caches) and warm
             (every item's cache valid: what a repaint after a pan costs)
  edit       push a SetWeight on an edge that is not selected, the first of the middle
             matrix (its bundle redraws the pixels around it; the neuron columns after
             it get new values), then render
  edit mid   the same for an edge in the middle of that matrix (W[n/2, n/2 + 1]), which
             half the bundle's lines cross: past half the bundle's length they are redrawn
             only within the edge's box (a rough patch, refined when edits pause)
  edit steep the same for the corner-to-corner edge W[n − 1, 0], whose box is the whole
             bundle: the edge is stroked over the bundle's cache with its new pen (refined
             when edits pause); the script also prints how many of these edits
             re-rasterised the bundle (a draft of it, before)
  nudge      push a NudgeWeight on the selected edge, as a drag does on every mouse move
             (its bundle's cache stays valid: the selection overlay draws that edge), then
             render
The target for edits is 16 ms (one frame at 60 Hz) for networks of a few hundred neurons.
`--big` adds networks of up to 8.4 M parameters (BIG_CASES), whose bundles are heatmaps.

Playback (the networks in PLAYBACK_CASES, same view):
  frame      set_playback at a step mid-pulse (progress varying over 0.05..0.65 from frame
             to frame, so the pulses move every time), then a full render of the view:
             a linear step in the middle of the network, and its transpose step
  step       set_playback moving on to the next step (the overlay changes: columns get
             values, operators flip), then render
  gif        render_animation of assets/networks/default.json to a GIF (whole export):
             wall clock and processor time (the export runs on two threads)
The target for a playback frame is 16 ms at [32, 64, 64, 64, 32].
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
import tempfile
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication

from visualizer.engine.network import make_network
from visualizer.gui.canvas.scene import NetworkScene
from visualizer.gui.canvas.view import NetworkView
from visualizer.gui.commands import NudgeWeight, SetWeight
from visualizer.gui.document import Document, Selection
from visualizer.timeline import build

SIZE = (1600, 900)
CASES = ([2, 3, 2], [32, 64, 64, 64, 32], [128, 256, 256, 10])
PLAYBACK_CASES = ([2, 3, 2], [32, 64, 64, 64, 32])
# With --big, for edits and playback: networks up to the parameter limit, drawn as heatmaps.
BIG_CASES = ([784, 1024, 1024, 10], [64] + [512] * 15 + [10], [4096, 2048, 10])
TARGET_MS = 16.0
ROOT = Path(__file__).resolve().parent.parent


def median_ms(fn: Callable[[], object], runs: int) -> float:
    return timed_ms(fn, runs)[0]


def timed_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median milliseconds of `fn`: wall clock, and processor time of this thread (on a
    busy machine the wall clock says more about the neighbours)."""
    fn()  # warm up
    times, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.thread_time()
        fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c)
    return 1000 * statistics.median(times), 1000 * statistics.median(cpu)


def render(view: NetworkView, image: QImage) -> None:
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    view.render(painter, QRectF(image.rect()), view.viewport().rect())
    painter.end()


def bench(sizes: list[int], runs: int) -> tuple[dict[str, float], dict[str, float], str]:
    """Median milliseconds of each figure: wall clock, and processor time of the edits;
    and how many steep edits re-rasterised their bundle."""
    network = make_network(sizes, "tanh")
    out: dict[str, float] = {}
    cpu: dict[str, float] = {}

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

    out["edit → render"], cpu["edit → render"] = timed_ms(edit, runs)
    i = sizes[l] // 2
    j = min(i + 1, sizes[l - 1] - 1)
    w = [float(doc.network.layer(l).weights[i, j])]

    def edit_mid() -> None:
        w[0] = -w[0]  # the same magnitude: the colour range stays
        doc.edit(SetWeight(doc, l, i, j, w[0]))
        render(view, image)

    out["edit mid → render"], cpu["edit mid → render"] = timed_ms(edit_mid, runs)
    i_steep, j_steep = sizes[l] - 1, 0
    w_steep = [float(doc.network.layer(l).weights[i_steep, j_steep])]
    bundle = view.network_scene.bundle_items[l - 1]
    redrawn = [0, 0]  # edits that re-rasterised the bundle (a new version), edits

    def edit_steep() -> None:
        version = bundle._version
        w_steep[0] = -w_steep[0]
        doc.edit(SetWeight(doc, l, i_steep, j_steep, w_steep[0]))
        render(view, image)
        redrawn[0] += bundle._version != version
        redrawn[1] += 1

    out["edit steep → render"], cpu["edit steep → render"] = timed_ms(edit_steep, runs)
    doc.set_selection(None)  # (edit_steep may leave a draft: refined before the nudge)
    view.network_scene.refine_now()

    doc.set_selection(Selection("edge", l, 0, 0))
    render(view, image)
    value = [0.0]

    def nudge() -> None:
        value[0] += 0.001
        doc.edit(NudgeWeight(doc, l, 0, 0, value[0], gesture=1))
        render(view, image)

    out["nudge → render"], cpu["nudge → render"] = timed_ms(nudge, runs)
    view.close()
    view.deleteLater()
    return out, cpu, f"{redrawn[0]} of {redrawn[1]}"


def bench_playback(sizes: list[int], frames: int) -> dict[str, float]:
    """Median milliseconds of playback frames (see the module docstring)."""
    doc = Document(make_network(sizes, "tanh"))
    view = NetworkView(doc)
    view.resize(*SIZE)
    view.show()
    QApplication.processEvents()
    view.fit()
    scene = view.network_scene
    steps = build(doc.network, doc.trace)
    depth = doc.network.depth
    mid = (depth + 1) // 2
    linear = next(s.index for s in steps if s.kind == "linear" and s.layer == mid)
    transpose = next(s.index for s in steps if s.kind == "transpose" and s.layer == mid)
    image = QImage(*SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    progresses = itertools.cycle(np.linspace(0.05, 0.65, 23))
    out: dict[str, float] = {}
    for name, k in (("frame (linear)", linear), ("frame (transpose)", transpose)):
        scene.set_playback(steps, k, 0.05)
        scene.refine_now()
        render(view, image)

        def frame(k: int = k) -> None:
            scene.set_playback(steps, k, float(next(progresses)))
            render(view, image)

        out[name] = median_ms(frame, frames)
    position = itertools.cycle(range(len(steps)))

    def next_step() -> None:
        scene.set_playback(steps, next(position), 1.0)
        render(view, image)

    out["step → render"] = median_ms(next_step, frames)
    scene.set_playback(None, -1, 1.0)
    view.close()
    view.deleteLater()
    return out


def bench_gif(runs: int) -> tuple[float, float]:
    """Median seconds of exporting the default network's animation to a GIF: wall clock,
    and processor time of the whole process (both threads: on a busy machine the wall
    clock says more about the neighbours)."""
    from visualizer.formats.network_file import load_network
    from visualizer.gui.render import render_animation

    network = load_network(ROOT / "assets" / "networks" / "default.json")
    times, cpu = [], []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(runs):
            t, c = time.perf_counter(), time.process_time()
            frames = render_animation(network, Path(folder) / "default.gif")
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        size = (Path(folder) / "default.gif").stat().st_size
    print(f"gif of default.json at {SIZE[0]}×{SIZE[1]}: {frames} frames, {size / 1e6:.2f} MB")
    return statistics.median(times), statistics.median(cpu)


def label(sizes: list[int]) -> str:
    """[64, 512×15, 10] for [64, 512, …, 512, 10]."""
    runs = [(size, len(list(group))) for size, group in itertools.groupby(sizes)]
    return "[" + ", ".join(f"{n}×{k}" if k > 2 else ", ".join([str(n)] * k) for n, k in runs) + "]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs per figure (median)")
    parser.add_argument("--frames", type=int, default=60, help="playback frames per figure")
    parser.add_argument("--gif-runs", type=int, default=3, help="GIF exports timed (median)")
    parser.add_argument(
        "--big", action="store_true",
        help=f"also networks up to the parameter limit: {', '.join(map(label, BIG_CASES))}",
    )
    args = parser.parse_args(argv)
    big = BIG_CASES if args.big else ()
    QApplication.instance() or QApplication(sys.argv[:1])
    print(f"canvas at {SIZE[0]}×{SIZE[1]}, medians of {args.runs} runs, milliseconds")
    keys = [
        "build", "render cold", "render warm", "edit → render", "edit mid → render",
        "edit steep → render", "nudge → render",
    ]
    header = f"{'network':<22}{'edges':>8}" + "".join(f"{k:>20}" for k in keys)
    print(header)
    processor, redrawn = {}, {}
    for sizes in (*CASES, *big):
        edges = sum(a * b for a, b in itertools.pairwise(sizes))
        result, processor[label(sizes)], redrawn[label(sizes)] = bench(sizes, args.runs)
        row = f"{label(sizes):<22}{edges:>8}" + "".join(f"{result[k]:>20.1f}" for k in keys)
        print(row)
    print(f"(edit target: {TARGET_MS:.0f} ms; figures are reported, not judged)")
    print("the same edits, processor time of the GUI thread (medians, milliseconds):")
    for name, cpu in processor.items():
        cells = (f"{cpu[k]:>20.1f}" if k in cpu else f"{'':>20}" for k in keys)
        print(f"{name:<22}{'':>8}" + "".join(cells))
    print("edits steep that re-rasterised their bundle: " + ", ".join(
        f"{name} {count}" for name, count in redrawn.items()
    ))
    print()
    print(f"playback at {SIZE[0]}×{SIZE[1]}, medians of {args.frames} frames, milliseconds")
    keys = ["frame (linear)", "frame (transpose)", "step → render"]
    print(f"{'network':<22}{'edges':>8}" + "".join(f"{k:>20}" for k in keys))
    for sizes in (*PLAYBACK_CASES, *big):
        edges = sum(a * b for a, b in itertools.pairwise(sizes))
        result = bench_playback(sizes, args.frames)
        print(f"{label(sizes):<22}{edges:>8}" + "".join(f"{result[k]:>20.1f}" for k in keys))
    print(f"(frame target: {TARGET_MS:.0f} ms)")
    print()
    seconds, cpu = bench_gif(args.gif_runs)
    print(f"gif export: {seconds:.2f} s (median of {args.gif_runs}; processor time {cpu:.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
