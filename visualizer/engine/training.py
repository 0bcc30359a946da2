"""Training: gradient steps on the current sample or on the network's whole data set.

Plain data in, plain data out: an optimiser is a frozen config, its memory between steps is an
`OptimizerState`, and a step returns a new Network (the input one is never changed). The
parameters are handled as one flat sequence in the order W¹, b¹, W², b², …, Wᴸ, bᴸ.

Adding an optimiser means one more frozen dataclass with `slots` (the names of its per-
parameter arrays, e.g. Adam's "m" and "v"), `init_state` (inherited) and `update`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

import numpy as np

from visualizer.engine import backprop
from visualizer.engine.network import Layer, Network, NetworkError

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class OptimizerState:
    """An optimiser's memory: `step` updates done so far, and for each slot name one array
    per parameter, in the order W¹, b¹, W², b², … (SGD keeps "velocity")."""

    step: int = 0
    slots: Mapping[str, tuple[Array, ...]] = field(default_factory=dict)

    def slot(self, name: str) -> tuple[Array, ...]:
        return self.slots[name]

    @property
    def velocity(self) -> tuple[Array, ...]:
        """SGD's velocities vW¹, vb¹, vW², vb², …"""
        return self.slots["velocity"]


class Optimizer(Protocol):
    """What `train_step` needs of an optimiser."""

    slots: ClassVar[tuple[str, ...]]

    def init_state(self, params: Sequence[Array]) -> OptimizerState: ...

    def update(
        self, params: Sequence[Array], grads: Sequence[Array], state: OptimizerState
    ) -> tuple[list[Array], OptimizerState]: ...


class _ZeroSlots:
    """init_state for optimisers whose slots all start at zero."""

    slots: ClassVar[tuple[str, ...]] = ()

    def init_state(self, params: Sequence[Array]) -> OptimizerState:
        """Step 0, every slot array zero, shaped like its parameter."""
        return OptimizerState(
            0, {name: tuple(_frozen(np.zeros_like(p)) for p in params) for name in self.slots}
        )


@dataclass(frozen=True)
class SGD(_ZeroSlots):
    """Stochastic gradient descent with (heavy-ball) momentum μ, per parameter p with gradient g:

        v ← μ·v − lr·g
        p ← p + v

    v starts at 0, so μ = 0 is plain gradient descent, p ← p − lr·g (bit for bit)."""

    lr: float
    momentum: float = 0.0
    slots: ClassVar[tuple[str, ...]] = ("velocity",)

    def __post_init__(self) -> None:
        if not (_is_number(self.lr) and math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"learning rate must be a finite number > 0, got {self.lr!r}")
        if not (_is_number(self.momentum) and 0.0 <= self.momentum < 1.0):
            raise ValueError(f"momentum must be a number in [0, 1), got {self.momentum!r}")

    def update(
        self, params: Sequence[Array], grads: Sequence[Array], state: OptimizerState
    ) -> tuple[list[Array], OptimizerState]:
        """The updated parameters and state; nothing passed in is modified."""
        velocities = [
            self.momentum * v - self.lr * g for v, g in zip(state.velocity, grads, strict=True)
        ]
        new_params = [p + v for p, v in zip(params, velocities, strict=True)]
        frozen = tuple(_frozen(v) for v in velocities)
        return new_params, OptimizerState(state.step + 1, {"velocity": frozen})


@dataclass(frozen=True, eq=False)
class TrainResult:
    """The trained network; `losses[k]` is the loss at the start of step k + 1 (so
    `losses[0]` is the untrained loss) and `final_loss` the loss after the last step done;
    `stopped_early` when the callback asked to stop."""

    network: Network
    losses: list[float]
    state: OptimizerState
    final_loss: float
    stopped_early: bool = False

    @property
    def steps(self) -> int:
        return len(self.losses)


def parameters(network: Network) -> list[Array]:
    """[W¹, b¹, W², b², …] — the order of every OptimizerState slot."""
    return [arr for layer in network.layers for arr in (layer.weights, layer.biases)]


def gradients(trace: backprop.Trace) -> list[Array]:
    """[∂C/∂W¹, ∂C/∂b¹, …] from a trace, in the order of `parameters`."""
    return [arr for pair in zip(trace.dW, trace.db, strict=True) for arr in pair]


def train_step(
    network: Network,
    x: Array,
    y: Array,
    optimizer: Optimizer,
    state: OptimizerState | None = None,
) -> tuple[Network, OptimizerState, backprop.Trace]:
    """One update of every Wˡ and bˡ, all from gradients at the current parameters (one
    `backprop.run` on x, y: a sample or a batch, whose gradient is the mean).

    Returns the new network, the new optimiser state (state None = a fresh one) and the
    trace at the parameters before the update (its `loss` is the loss this step saw).
    NetworkError if an update leaves a parameter NaN or infinite (training diverged)."""
    params = parameters(network)
    if state is None:
        state = optimizer.init_state(params)
    _check_state(state, params)
    step = state.step + 1
    # Overflow here means the parameters have run away; say so rather than let inf/NaN
    # spread (and rather than a RuntimeWarning per array).
    with np.errstate(over="raise", invalid="raise"):
        try:
            trace = backprop.run(network, x, y)
            new_params, new_state = optimizer.update(params, gradients(trace), state)
        except FloatingPointError as exc:
            raise NetworkError(
                f"training diverged at step {step}: values overflowed ({exc}); "
                "try a smaller learning rate"
            ) from None
    layers = []
    for l, layer in enumerate(network.layers, start=1):
        weights, biases = new_params[2 * l - 2], new_params[2 * l - 1]
        for what, arr in (("weights", weights), ("biases", biases)):
            if not np.all(np.isfinite(arr)):
                raise NetworkError(
                    f"training diverged at step {step}: layer {l} {what} are no longer "
                    f"finite (loss was {trace.loss:.6g}); try a smaller learning rate"
                )
        layers.append(Layer(weights, biases, layer.activation))
    return network.replace(layers=tuple(layers)), new_state, trace


def train(
    network: Network,
    steps: int,
    optimizer: Optimizer,
    batch: bool = False,
    callback: Callable[[int, float], bool | None] | None = None,
    state: OptimizerState | None = None,
) -> TrainResult:
    """Up to `steps` training steps on the network's current sample, or with `batch=True`
    on its whole data set (full-batch gradient descent on the mean loss).

    After step k (1-based) `callback(k, loss)` is called with the loss that step saw;
    returning False (not just a falsy value) stops early. `state` continues an earlier run.
    The input network is not modified. NetworkError if `batch` and the network has no data
    set, or if training diverges; ValueError if steps is not a whole number ≥ 1."""
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise ValueError(f"steps must be a whole number ≥ 1, got {steps!r}")
    if batch:
        if network.dataset is None:
            raise NetworkError(
                "batch training needs a data set, and this network has none "
                "(add one, or train on the current sample)"
            )
        x, y = network.dataset.x, network.dataset.y
    else:
        sample = network.current_sample()
        x, y = sample.x, sample.y

    losses: list[float] = []
    stopped_early = False
    for step in range(1, int(steps) + 1):
        network, state, trace = train_step(network, x, y, optimizer, state)
        losses.append(trace.loss)
        if callback is not None and callback(step, trace.loss) is False:
            stopped_early = step < steps
            break
    assert state is not None
    final_loss = backprop.run(network, x, y).loss
    return TrainResult(network, losses, state, final_loss, stopped_early)


def _check_state(state: OptimizerState, params: Sequence[Array]) -> None:
    for name, arrays in state.slots.items():
        shapes = [a.shape for a in arrays]
        if shapes != [p.shape for p in params]:
            raise ValueError(
                f"optimizer state {name!r} does not fit this network "
                f"(its shapes {shapes}, the parameters' {[p.shape for p in params]})"
            )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _frozen(arr: Array) -> Array:
    arr = np.array(arr, dtype=np.float64)
    arr.setflags(write=False)
    return arr
