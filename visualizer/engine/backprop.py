"""Forward and backward passes: one call gives every value the app shows, as a Trace.

One sample uses 1-D vectors; a batch uses (B, n) arrays with samples as rows. The same
code serves both because `a @ W.T` and `δ @ W` mean the right thing for either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, overload

import numpy as np

from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.losses import output_cost, output_delta, output_gradient
from visualizer.engine.network import Network, Sample
from visualizer.engine.workspace import Workspace, scratch
from visualizer.notation import sup

Array = np.ndarray


class OuterProducts(Sequence[np.ndarray]):
    """∂C/∂Wˡ = δˡ (aˡ⁻¹)ᵀ of one sample, layer by layer (index l − 1), each made the first
    time it is read. An edit recomputes the whole trace, and these matrices are as big as
    the weights (64 MB for a 4096 × 2048 layer) while the canvas shows Wˡ: most traces never
    need them. Each is the same array, bit for bit, that the product made at once gives;
    `largest` and `overflowed` answer from δˡ and aˡ⁻¹ alone, exactly."""

    __slots__ = ("_deltas", "_inputs", "_made")

    def __init__(self, deltas: Sequence[Array], inputs: Sequence[Array]):
        self._deltas, self._inputs = tuple(deltas), tuple(inputs)
        self._made: list[Array | None] = [None] * len(self._deltas)

    def __len__(self) -> int:
        return len(self._deltas)

    @overload
    def __getitem__(self, index: int) -> Array: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Array, ...]: ...
    def __getitem__(self, index: int | slice) -> Array | tuple[Array, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        made = self._made[index]  # IndexError as a tuple's, negative indices alike
        if made is None:
            i = index % len(self)
            # Read long after `run`, under any caller's error state: an overflow makes
            # ±∞ (∞ · 0, NaN) quietly, as under the app's own `run`; `Trace.non_finite`
            # names it.
            with np.errstate(over="ignore", invalid="ignore"):
                made = _parameter_gradients(self._deltas[i], self._inputs[i])[0]
            self._made[i] = made
        return made

    # Read as the tuple it stands for: `trace.dW + trace.db` and the like.
    def __add__(self, other: Sequence[Array]) -> tuple[Array, ...]:
        return (*self, *other)

    def __radd__(self, other: Sequence[Array]) -> tuple[Array, ...]:
        return (*other, *self)

    def _peaks(self) -> list[float]:
        # max |δᵢ aⱼ| = max|δ| · max|a|: rounding is monotonic, so the largest rounded
        # product is the rounded product of the largest factors (inf if any overflows).
        with np.errstate(over="ignore", invalid="ignore"):
            return [
                float(np.float64(largest_abs(d)) * np.float64(largest_abs(a)))
                for d, a in zip(self._deltas, self._inputs, strict=True)
            ]

    def largest(self) -> float:
        """The largest |entry| over every layer, without making the matrices."""
        return max(self._peaks(), default=0.0)

    def overflowed(self) -> int | None:
        """The first index whose matrix holds ±∞ (δ and a finite: a product overflowed)."""
        return next((i for i, p in enumerate(self._peaks()) if not np.isfinite(p)), None)


def largest_abs(values: Array) -> float:
    """max |entry| of a non-empty finite array, from its max and min: no |values| array is
    made (for an 8 M-entry matrix, 64 MB to allocate and fault in)."""
    return max(float(values.max()), -float(values.min()))


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
    dW: Sequence[Array]  # a tuple, or for one sample the OuterProducts, made when read
    db: tuple[Array, ...]
    grad_a: tuple[Array, ...]

    @property
    def depth(self) -> int:
        return len(self.z)

    def largest_dW(self) -> float:
        """The largest |∂C/∂w| over every layer (finite values), without making the ∂C/∂Wˡ
        of one sample."""
        if isinstance(self.dW, OuterProducts):
            return self.dW.largest()
        return max((largest_abs(g) for g in self.dW if g.size), default=0.0)

    def dW_entry(self, l: int, i: int, j: int) -> float:
        """∂C/∂w^l_ij (one sample, or a batch's mean), the same number as `dW[l − 1][i, j]`
        without making the matrix."""
        if isinstance(self.dW, OuterProducts):
            return float(self.delta[l - 1][i] * self.a[l - 1][j])
        return float(self.dW[l - 1][i, j])

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
        values: Sequence[Array] = getattr(self, field)
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
        named += [(f"∂C/∂a{sup(l)}", g) for l, g in enumerate(self.grad_a[1:], start=1)]
        named += [("∇ₓC", self.dx)]
        # δ and a can be finite while their product δˡ (aˡ⁻¹)ᵀ overflows, and a batch's
        # ∂C/∂b sums δ over the samples: both are checked too.
        lazy = isinstance(self.dW, OuterProducts)
        if not lazy:
            named += [(f"∂C/∂W{sup(l)}", g) for l, g in enumerate(self.dW, start=1)]
        named += [(f"∂C/∂b{sup(l)}", g) for l, g in enumerate(self.db, start=1)]
        for name, values in named:
            if not np.all(np.isfinite(values)):
                return name
        if lazy and (index := self.dW.overflowed()) is not None:
            # (δ and a are finite by now: an infinite product is the overflow.)
            return f"∂C/∂W{sup(index + 1)}"
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


def forward(
    network: Network, z: Array, start: int = 1, workspace: Workspace | None = None
) -> tuple[list[Array], list[Array]]:
    """The forward pass from layer `start` (1-based) on, given that layer's pre-activation
    z: ([zˢᵗᵃʳᵗ, …, zᴸ], [aˢᵗᵃʳᵗ, …, aᴸ]). Any leading axes of z ride along (a sample
    (n,), a batch (B, n), or a stack of nudged copies (K, …) for the gradient check);
    `backprop.run`, `training.predict` and the gradient check all use this one pass.
    With a `workspace` the hidden layers' zˡ, aˡ are its arrays (scratch: valid until
    its next use); zᴸ and aᴸ are new arrays either way."""
    layers = network.layers
    depth = len(layers)
    z_list = [z]
    a = _activate(layers[start - 1].activation, z, workspace, start, depth)
    a_list = [a]
    for l, layer in enumerate(layers[start:], start=start + 1):
        shape = (*a.shape[:-1], layer.weights.shape[0])
        z = np.matmul(a, layer.weights.T, out=_hidden(workspace, "z", l, depth, shape))
        z += layer.biases  # in place: the same sums as a @ Wᵀ + b, one array fewer
        a = _activate(layer.activation, z, workspace, l, depth)
        z_list.append(z)
        a_list.append(a)
    return z_list, a_list


def pre_activation(network: Network, x: Array, workspace: Workspace | None = None) -> Array:
    """z¹ = W¹x + b¹ (x a sample or rows), where `forward` starts (with a `workspace`,
    in its array when layer 1 is hidden)."""
    first = network.layers[0]
    shape = (*x.shape[:-1], first.weights.shape[0])
    z = np.matmul(x, first.weights.T, out=_hidden(workspace, "z", 1, network.depth, shape))
    z += first.biases
    return z


def _activate(
    activation: str, z: Array, workspace: Workspace | None, layer: int, depth: int
) -> Array:
    """aˡ = f(zˡ), in the workspace's arrays for a hidden layer. Its scratch is the array
    that later holds ∂C/∂aˡ (`gradients`), unused until the backward pass."""
    out = _hidden(workspace, "a", layer, depth, z.shape)
    spare = _hidden(workspace, "grad_a", layer, depth, z.shape)
    return ACTIVATIONS[activation].apply(z, out, spare)


def _hidden(
    workspace: Workspace | None, name: str, layer: int, depth: int, shape: tuple[int, ...]
) -> Array | None:
    """The workspace's array for a hidden layer; None (a new array) for the output layer,
    whose values leave the pass, or without a workspace."""
    return None if layer == depth else scratch(workspace, name, layer, shape)


def _forward_to_output(
    network: Network, x: Array, y: Array, workspace: Workspace | None = None
) -> tuple[list[Array], list[Array], float, Array, Array]:
    """The forward pass and the output stage that `run` and `gradients` share: zˡ, aˡ (a⁰ = x
    first), C, ∂C/∂aᴸ and δᴸ. The output stage (engine/losses.py) computes C and δᴸ from the
    logits where it can."""
    z_list, a_list = forward(network, pre_activation(network, x, workspace), 1, workspace)
    a_list.insert(0, x)
    z_out, a_out = z_list[-1], a_list[-1]
    last, loss = network.layers[-1].activation, network.loss
    dC_da = output_gradient(last, loss, z_out, a_out, y)
    per_sample = output_cost(last, loss, z_out, a_out, y)
    cost = float(per_sample.sum() / per_sample.size)  # np.mean's sum and division, bit for bit
    delta = output_delta(last, loss, z_out, a_out, y, dC_da)
    return z_list, a_list, cost, dC_da, delta


def _parameter_gradients(delta: Array, a_prev: Array) -> tuple[Array, Array]:
    """∂C/∂Wˡ = δˡ (aˡ⁻¹)ᵀ and ∂C/∂bˡ = δˡ for one sample, or their means over a batch (rows)."""
    if delta.ndim == 2:
        if delta.shape[1] < a_prev.shape[1]:
            # A layer narrower than its input (an output layer of 10 after 128): OpenBLAS's
            # AVX2 kernels are slow on a product with few rows, and δᵀa with 10 rows took
            # 36 µs at batch 256 where (aᵀδ)ᵀ took 23 µs, a C-order copy included. Each
            # entry is the same sum over the batch (the same bits, measured; `run` and
            # `gradients` share this function, so they agree bit for bit either way).
            dW = np.ascontiguousarray((a_prev.T @ delta).T)
        else:
            dW = delta.T @ a_prev
        dW *= 1.0 / delta.shape[0]  # in place: the same products as (δᵀa) · (1/B)
        # The sum over the rows divided by B, as δ.mean(axis=0) computes it (bit for bit),
        # without its Python-level bookkeeping.
        db = np.add.reduce(delta, axis=0)
        return dW, np.divide(db, delta.shape[0], out=db)
    # The same products as np.outer(delta, a_prev), without its ravel/asarray calls.
    return delta[:, None] * a_prev, delta


def run(network: Network, x: Array | None = None, y: Array | None = None) -> Trace:
    """Forward and backward pass of `network` on input x and target y (default: the
    network's current sample). x is (n⁰,) or a batch (B, n⁰); y likewise."""
    x, y = _as_inputs(network, x, y)
    layers = network.layers
    acts = [ACTIVATIONS[layer.activation] for layer in layers]
    z_list, a_list, cost, dC_da, delta = _forward_to_output(network, x, y)

    depth = len(layers)
    deltas: list[Array] = [delta] * depth
    grads_a: list[Array] = [dC_da] * (depth + 1)
    dWs: list[Array] = [delta] * depth
    dbs: list[Array] = [delta] * depth
    grad = dC_da
    batched = x.ndim == 2
    for i in range(depth - 1, -1, -1):
        if i < depth - 1:
            delta = acts[i].vjp(z_list[i], a_list[i + 1], grad)
        deltas[i] = delta
        if batched:
            dWs[i], dbs[i] = _parameter_gradients(delta, a_list[i])
        else:
            dbs[i] = delta  # ∂C/∂bˡ = δˡ; ∂C/∂Wˡ is made when read (OuterProducts)
        grad = grads_a[i] = delta @ layers[i].weights

    return Trace(
        loss=cost,
        x=x,
        y=y,
        z=tuple(z_list),
        a=tuple(a_list),
        delta=tuple(deltas),
        dW=tuple(dWs) if batched else OuterProducts(deltas, a_list[:-1]),
        db=tuple(dbs),
        grad_a=tuple(grads_a),
    )


@dataclass(frozen=True, eq=False)
class Gradients:
    """What a training step needs: C, the mean ∂C/∂Wˡ, ∂C/∂bˡ (index l − 1), and the
    output aᴸ and target y (to tell a loss out of its range from a diverging run)."""

    loss: float
    dW: tuple[Array, ...]
    db: tuple[Array, ...]
    output: Array
    y: Array


def gradients(
    network: Network,
    x: Array | None = None,
    y: Array | None = None,
    workspace: Workspace | None = None,
) -> Gradients:
    """C, ∂C/∂Wˡ and ∂C/∂bˡ — bit for bit those of `run` — without what only the views
    need: no per-sample δ or ∇ₐC rows are kept, and ∇ₓC (a whole extra product with W¹) is
    not computed. Training calls this once per step, with its `workspace` for the hidden
    layers' arrays (what is returned never lies in it)."""
    x, y = _as_inputs(network, x, y)
    layers = network.layers
    acts = [ACTIVATIONS[layer.activation] for layer in layers]
    z_list, a_list, cost, _, delta = _forward_to_output(network, x, y, workspace)

    depth = len(layers)
    dWs: list[Array] = [delta] * depth
    dbs: list[Array] = [delta] * depth
    for i in range(depth - 1, -1, -1):
        dWs[i], dbs[i] = _parameter_gradients(delta, a_list[i])
        if i > 0:  # ∇ₓC = δ¹W¹ is not a training gradient
            shape = (*delta.shape[:-1], layers[i].weights.shape[1])
            grad = np.matmul(delta, layers[i].weights, out=scratch(workspace, "grad_a", i, shape))
            # δⁱ over ∂C/∂aⁱ, and with a workspace f'(zⁱ) over zⁱ: once δⁱ is known
            # neither has any use (zⁱ is the pass's own array, never the caller's)
            slope = None if workspace is None else z_list[i - 1]
            delta = acts[i - 1].vjp(z_list[i - 1], a_list[i], grad, grad, slope)
    return Gradients(loss=cost, dW=tuple(dWs), db=tuple(dbs), output=a_list[-1], y=y)
