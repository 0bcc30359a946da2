"""What the views draw of a network that only depends on the (immutable) network and its
trace, computed once by whichever thread asks first.

File → Open asks on its worker thread, right after reading the file (`prepare`), so when
the GUI thread swaps the new network in, the timeline, the canvas's colour ranges and the
heatmaps of big weight matrices are ready: for a 3 M-parameter network they cost the GUI
thread half a second, in one stretch, when it computed them itself. Nothing here touches a
Qt object; a view that finds nothing prepared computes the same values itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from visualizer import notation
from visualizer.engine.backprop import Trace, largest_abs
from visualizer.engine.network import Network
from visualizer.gui import style
from visualizer.gui.canvas.layout import MAX_LINES
from visualizer.memo import identity_cache, while_alive
from visualizer.timeline import Step
from visualizer.timeline import build as build_timeline

# The canvas draws a bundle of more than MAX_LINES edges as the heatmap of Wˡ, thinned to
# this many pixels a side (edges.py).
BUNDLE_SIDE = 1024


def timeline(network: Network, trace: Trace, mode: str) -> list[Step]:
    """`timeline.build(network, trace, mode)`: its equations are written in the current
    notation and digits, which are part of the key."""
    shown = notation.display()
    return _timeline(network, trace, mode, shown.notation, shown.digits)


@identity_cache(4)
def _timeline(network: Network, trace: Trace, mode: str, *_display: object) -> list[Step]:
    return build_timeline(network, trace, mode)


def max_abs(arrays: list[np.ndarray]) -> float:
    """The largest |entry| of `arrays` (finite)."""
    return max((_largest(a) for a in arrays if a.size), default=0.0)


def _largest(a: np.ndarray) -> float:
    # A network's (read-only) matrices are read once each: an edit makes one new matrix
    # and keeps the others.
    return largest_abs(a) if a.flags.writeable else _kept_largest_abs(a)


_kept_largest_abs = while_alive(largest_abs)


@dataclass(frozen=True)
class CanvasRanges:
    """The ± ranges the canvas colours with. Over the whole trace, not just what is shown:
    colours then stay put while playback reveals one column after another."""

    weight: float  # of the weights and biases
    value: float  # of x, z, a and y
    gradient: float  # of δ and ∂C/∂a
    weight_gradient: float  # of ∂C/∂W, when edges show it


@identity_cache(4)
def canvas_ranges(network: Network, trace: Trace) -> CanvasRanges:
    return CanvasRanges(
        weight=style.nice_range(
            max_abs([x for layer in network.layers for x in (layer.weights, layer.biases)])
        ),
        value=style.nice_range(max_abs([*trace.a, *trace.z, trace.y])),
        gradient=style.nice_range(max_abs([*trace.delta, *trace.grad_a])),
        weight_gradient=style.nice_range(trace.largest_dW()),
    )


def prepare(network: Network, trace: Trace, mode: str) -> None:
    """Compute ahead, on the calling (worker) thread, what the window will draw first of
    `network`: its timeline in `mode`, the canvas's colour ranges and the heatmap pixels
    of the bundles too big for lines."""
    timeline(network, trace, mode)
    ranges = canvas_ranges(network, trace)
    for layer in network.layers:
        if layer.weights.size > MAX_LINES:
            style.image_words(layer.weights, ranges.weight, BUNDLE_SIDE)
