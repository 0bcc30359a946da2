"""Forward and backward passes: one call gives every value the app shows, as a Trace.

One sample uses 1-D vectors; a batch uses (B, n) arrays with samples as rows. The same
code serves both because `a @ W.T` and `δ @ W` mean the right thing for either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.losses import LOSSES
from visualizer.engine.network import Network, Sample
from visualizer.notation import sup

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class Trace:
    """Everything one forward + backward pass computes.

    Per-layer tuples hold layer l at index l − 1 (`z[0]` is z¹); `a` and `grad_a` also hold
    layer 0 (`a[0]` is x, `grad_a[0]` is ∇ₓC, `grad_a[L]` is ∂C/∂aᴸ). For a batch, `loss`,
    `dW` and `db` are means over the samples, while `z`, `a`, `delta`, `grad_a` hold each
    sample's own values as rows (δ of sample i is ∂Cᵢ/∂zᵢ).
    """

    loss: float
    x: Array
    y: Array
    z: tuple[Array, ...]
    a: tuple[Array, ...]
    delta: tuple[Array, ...]
    dW: tuple[Array, ...]
    db: tuple[Array, ...]
    grad_a: tuple[Array, ...]

    @property
    def depth(self) -> int:
        return len(self.z)

    @property
    def batched(self) -> bool:
        return self.x.ndim == 2

    @property
    def output(self) -> Array:
        """aᴸ."""
        return self.a[-1]

    @property
    def dC_da(self) -> Array:
        """∂C/∂aᴸ (∇ₐC)."""
        return self.grad_a[-1]

    @property
    def dx(self) -> Array:
        """∇ₓC = (W¹)ᵀ δ¹."""
        return self.grad_a[0]

    # The names of `value`: each per-layer tuple, and where layer l sits in it.
    _PER_LAYER: ClassVar[dict[str, tuple[str, int]]] = {
        "z": ("z", 1), "delta": ("delta", 1), "dW": ("dW", 1), "db": ("db", 1),
        "a": ("a", 0), "grad_a": ("grad_a", 0),
    }  # fmt: skip

    def value(self, name: str, layer: int) -> Array:
        """The value called `name` at layer `layer`, as the timeline and the panels name
        them: "a" and "grad_a" for l = 0..L ("a" at 0 is x, "grad_a" at 0 is ∇ₓC), "z",
        "delta", "dW", "db" for l = 1..L, and "y" and "C" (the loss, 0-d) at any layer.
        The Trace's own array, not a copy; KeyError for an unknown name, IndexError for a
        layer out of range."""
        if name == "y":
            return self.y
        if name == "C":
            return np.asarray(self.loss)
        field, first = self._PER_LAYER[name]
        values: tuple[Array, ...] = getattr(self, field)
        index = layer - first
        if not 0 <= index < len(values):
            raise IndexError(f"{name} has no layer {layer} (layers {first}..{self.depth})")
        return values[index]

    def non_finite(self) -> str | None:
        """The first value that overflowed to ±∞ or NaN, named as in the equations
        (e.g. "z²"), or None when every value is finite."""
        named = [(f"z{sup(l)}", z) for l, z in enumerate(self.z, start=1)]
        named += [(f"a{sup(l)}", a) for l, a in enumerate(self.a[1:], start=1)]
        named += [(f"δ{sup(l)}", d) for l, d in enumerate(self.delta, start=1)]
        named += [("∇ₓC", self.dx)]
        for name, values in named:
            if not np.all(np.isfinite(values)):
                return name
        return None if np.isfinite(self.loss) else "C"


def _as_inputs(network: Network, x: Array | None, y: Array | None) -> tuple[Array, Array]:
    if x is None or y is None:
        sample: Sample = network.current_sample()
        x = sample.x if x is None else x
        y = sample.y if y is None else y
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim not in (1, 2) or x.shape[-1] != network.input_size:
        raise ValueError(
            f"x: shape {x.shape}, expected ({network.input_size},) or (B, {network.input_size})"
        )
    if y.shape[:-1] != x.shape[:-1] or y.shape[-1] != network.output_size:
        want = (network.output_size,) if x.ndim == 1 else (x.shape[0], network.output_size)
        raise ValueError(f"y: shape {y.shape}, expected {want}")
    return x, y


def run(network: Network, x: Array | None = None, y: Array | None = None) -> Trace:
    """Forward and backward pass of `network` on input x and target y (default: the
    network's current sample). x is (n⁰,) or a batch (B, n⁰); y likewise."""
    x, y = _as_inputs(network, x, y)
    loss = LOSSES[network.loss]
    layers = network.layers
    acts = [ACTIVATIONS[layer.activation] for layer in layers]

    a_list = [x]
    z_list = []
    a = x
    for layer, act in zip(layers, acts, strict=True):
        z = a @ layer.weights.T + layer.biases
        a = act.f(z)
        z_list.append(z)
        a_list.append(a)

    z_out, a_out = z_list[-1], a_list[-1]
    dC_da = loss.gradient(a_out, y)
    last = acts[-1].name
    # Fused output layers: computing C and δᴸ from the logits is exact and stable, where
    # going through log(a) and 1/a would lose digits (or overflow) at saturated outputs.
    if last == "softmax" and loss.name == "cross_entropy":
        shifted = z_out - np.max(z_out, axis=-1, keepdims=True)
        log_softmax = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
        cost = float(np.mean(-np.sum(y * log_softmax, axis=-1)))
        delta = a_out * np.sum(y, axis=-1, keepdims=True) - y  # = a − y when Σy = 1
    elif last == "sigmoid" and loss.name == "binary_cross_entropy":
        per = y * np.logaddexp(0.0, -z_out) + (1.0 - y) * np.logaddexp(0.0, z_out)
        cost = float(np.mean(np.sum(per, axis=-1)))
        delta = a_out - y
    else:
        cost = loss.value(a_out, y)
        delta = acts[-1].vjp(z_out, a_out, dC_da)

    depth = len(layers)
    deltas: list[Array] = [delta] * depth
    grads_a: list[Array] = [dC_da] * (depth + 1)
    dWs: list[Array] = [delta] * depth
    dbs: list[Array] = [delta] * depth
    batch = x.ndim == 2
    scale = 1.0 / x.shape[0] if batch else 1.0
    grad = dC_da
    for i in range(depth - 1, -1, -1):
        if i < depth - 1:
            delta = acts[i].vjp(z_list[i], a_list[i + 1], grad)
        deltas[i] = delta
        a_prev = a_list[i]
        if batch:
            dWs[i] = (delta.T @ a_prev) * scale
            dbs[i] = delta.mean(axis=0)
        else:
            # The same products as np.outer(delta, a_prev), without its ravel/asarray calls.
            dWs[i] = delta[:, None] * a_prev
            dbs[i] = delta
        grad = grads_a[i] = delta @ layers[i].weights

    return Trace(
        loss=cost,
        x=x,
        y=y,
        z=tuple(z_list),
        a=tuple(a_list),
        delta=tuple(deltas),
        dW=tuple(dWs),
        db=tuple(dbs),
        grad_a=tuple(grads_a),
    )
