"""What the canvas's keyboard cursor points at, in words, for its accessible description
(what a screen reader announces): "weight w²₁,₃ = 0.42, from a¹₃ to z²₁", "neuron a²₂ =
0.533, layer 2, sigmoid". No Qt: plain text from the network and its trace."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from visualizer.notation import fmt_short, sub, sup

if TYPE_CHECKING:  # a description of no cursor (the window opening) needs none of them
    from visualizer.engine.backprop import Trace
    from visualizer.engine.network import Network
    from visualizer.gui.canvas.keyboard import Cursor

NOTHING = "Nothing selected. Press an arrow key to select the first input."


def _first(v: np.ndarray) -> np.ndarray:
    return v[0] if v.ndim == 2 else v


def _layer_words(network: Network, l: int) -> str:
    where = "output layer" if l == network.depth else "layer"
    return f"{where} {l}, {network.layer(l).activation}"


def describe(cursor: Cursor | None, network: Network, trace: Trace) -> str:
    """One sentence naming what `cursor` is on, with its value to 3 significant digits."""
    if cursor is None:
        return NOTHING
    l, i, j = cursor.layer, cursor.i, cursor.j
    if cursor.part == "edge":
        w = network.layer(l).weights[i, j]
        src = f"x{sub(j + 1)}" if l == 1 else f"a{sup(l - 1)}{sub(j + 1)}"
        return (
            f"weight w{sup(l)}{sub(i + 1)},{sub(j + 1)} = {fmt_short(w)}, "
            f"from {src} to z{sup(l)}{sub(i + 1)}"
        )
    if cursor.part == "a" and l == 0:
        x = _first(trace.a[0])[i]
        return f"input x{sub(i + 1)} = {fmt_short(x)}, neuron {i + 1} of {network.sizes[0]}"
    if cursor.part == "a":
        a = _first(trace.a[l])[i]
        return f"neuron a{sup(l)}{sub(i + 1)} = {fmt_short(a)}, {_layer_words(network, l)}"
    if cursor.part == "z":
        z = _first(trace.z[l - 1])[i]
        return f"pre-activation z{sup(l)}{sub(i + 1)} = {fmt_short(z)}, {_layer_words(network, l)}"
    if cursor.part == "y":
        return f"target y{sub(i + 1)} = {fmt_short(_first(trace.y)[i])}"
    if cursor.part == "W":
        n, m = network.layer(l).weights.shape
        return f"operator W{sup(l)} + b{sup(l)}, layer {l}: {n} × {m} weights, {n} biases"
    if cursor.part == "f":
        return f"operator f{sup(l)}, {_layer_words(network, l)}"
    return f"loss C = {fmt_short(trace.loss)}, {network.loss}"
