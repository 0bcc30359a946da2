"""Training: gradient steps on the current sample, on the network's whole data set, or on
shuffled mini-batches of it.

Plain data in, plain data out: an optimiser is a frozen config, its memory between steps is an
`OptimizerState`, and a step returns a new Network (the input one is never changed). The
parameters are handled as one flat sequence in the order W¹, b¹, W², b², …, Wᴸ, bᴸ.

Adding an optimiser means one more frozen dataclass with `slots` (the names of its per-
parameter arrays, e.g. Adam's "m" and "v"), `init_state` (inherited) and `update`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

import numpy as np

from visualizer.engine import backprop
from visualizer.engine.network import Dataset, Layer, Network, NetworkError

Array = np.ndarray

DEFAULT_MOMENTUM = 0.9  # "SGD with momentum" when no momentum is given


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


@dataclass(frozen=True)
class Adam(_ZeroSlots):
    """Adam (Kingma & Ba 2015, Algorithm 1), per parameter p with gradient g at step t
    (t = 1, 2, …):

        m ← β₁·m + (1 − β₁)·g          v ← β₂·v + (1 − β₂)·g²
        m̂ = m / (1 − β₁ᵗ)              v̂ = v / (1 − β₂ᵗ)       (bias correction)
        p ← p − lr · m̂ / (√v̂ + ε)

    m and v start at 0; the defaults are the paper's (lr 0.001, β₁ 0.9, β₂ 0.999, ε 1e-8)."""

    lr: float = 0.001
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    slots: ClassVar[tuple[str, ...]] = ("m", "v")

    def __post_init__(self) -> None:
        if not (_is_number(self.lr) and math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"learning rate must be a finite number > 0, got {self.lr!r}")
        for name in ("beta1", "beta2"):
            beta = getattr(self, name)
            if not (_is_number(beta) and 0.0 <= beta < 1.0):
                raise ValueError(f"{name} must be a number in [0, 1), got {beta!r}")
        if not (_is_number(self.eps) and math.isfinite(self.eps) and self.eps > 0):
            raise ValueError(f"eps must be a finite number > 0, got {self.eps!r}")

    def update(
        self, params: Sequence[Array], grads: Sequence[Array], state: OptimizerState
    ) -> tuple[list[Array], OptimizerState]:
        """The updated parameters and state; nothing passed in is modified."""
        t = state.step + 1
        b1, b2 = self.beta1, self.beta2
        correction1, correction2 = 1.0 - b1**t, 1.0 - b2**t
        ms, vs, new_params = [], [], []
        for p, g, m, v in zip(params, grads, state.slot("m"), state.slot("v"), strict=True):
            m = b1 * m + (1.0 - b1) * g
            v = b2 * v + (1.0 - b2) * (g * g)
            m_hat, v_hat = m / correction1, v / correction2
            new_params.append(p - self.lr * m_hat / (np.sqrt(v_hat) + self.eps))
            ms.append(_frozen(m))
            vs.append(_frozen(v))
        return new_params, OptimizerState(t, {"m": tuple(ms), "v": tuple(vs)})


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


def predict(network: Network, x: Array) -> Array:
    """The network's outputs aᴸ for inputs x (one sample (n⁰,) or rows (B, n⁰)): the
    forward pass alone, for drawing what a network has learnt over many points (a grid,
    a curve) without paying for a backward pass. Overflow gives ±∞/NaN, not a warning."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        return backprop.forward(network, backprop.pre_activation(network, x))[1][-1]


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


def batch_indices(n: int, batch_size: int, step: int, seed: int = 0) -> Array:
    """The rows of an n-example data set that step `step` (0-based, counted from the start
    of training) uses with mini-batches of `batch_size`.

    Each epoch is one pass over a fresh shuffle of the data, drawn from a generator seeded
    by (seed, epoch) and cut into ⌈n / batch_size⌉ consecutive batches (the last may be
    smaller), so every example is used once per epoch and any step's batch can be found
    again without replaying the run. batch_size ≥ n is full-batch: every row, in order."""
    if n < 1 or batch_size < 1 or step < 0:
        raise ValueError(f"need n ≥ 1, batch_size ≥ 1, step ≥ 0; got {n}, {batch_size}, {step}")
    if batch_size >= n:
        return np.arange(n)
    per_epoch = -(-n // batch_size)
    epoch, k = divmod(int(step), per_epoch)
    order = _epoch_order(int(n), int(seed), epoch)
    return order[k * batch_size : (k + 1) * batch_size]


@functools.lru_cache(maxsize=8)
def _epoch_order(n: int, seed: int, epoch: int) -> Array:
    # Cached: making a generator costs more than a small step, and every step of an
    # epoch needs the same shuffle. Read-only, so the cache cannot be corrupted.
    order = np.random.default_rng((seed, epoch)).permutation(n)
    order.setflags(write=False)
    return order


def batches_per_epoch(n: int, batch_size: int) -> int:
    """Steps that make one pass over an n-example data set."""
    return 1 if batch_size >= n else -(-n // batch_size)


def minibatch(dataset: Dataset, batch_size: int, step: int, seed: int = 0) -> tuple[Array, Array]:
    """(x, y) for step `step` (see `batch_indices`). A batch of one example is returned as a
    single sample — 1-D x and y, exactly what training on that sample alone would use."""
    rows = batch_indices(len(dataset), batch_size, step, seed)
    if rows.shape[0] == 1:
        return dataset.x[rows[0]], dataset.y[rows[0]]
    if rows.shape[0] == len(dataset) and batch_size >= len(dataset):
        return dataset.x, dataset.y  # the arrays themselves: same numbers, no copy
    return dataset.x[rows], dataset.y[rows]


def train(
    network: Network,
    steps: int,
    optimizer: Optimizer,
    batch: bool = False,
    callback: Callable[[int, float], bool | None] | None = None,
    state: OptimizerState | None = None,
    *,
    batch_size: int | None = None,
    seed: int = 0,
    start: int = 0,
) -> TrainResult:
    """Up to `steps` training steps on the network's current sample; with `batch=True` on
    its whole data set (full-batch gradient descent on the mean loss); with `batch_size`
    on shuffled mini-batches of its data set (see `minibatch`; `seed` picks the shuffles,
    `start` is the number of steps an earlier run already did, so a continued run picks up
    the schedule where that one stopped).

    After step k (1-based) `callback(k, loss)` is called with the loss that step saw (on
    its mini-batch); returning False (not just a falsy value) stops early. `state`
    continues an earlier run. `final_loss` is measured on what the steps trained on — the
    sample, or with `batch` or `batch_size` the whole data set. The input network is not
    modified. NetworkError if there is no data set to batch from, or if training diverges;
    ValueError if steps is not a whole number ≥ 1 or the batch options do not make sense."""
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise ValueError(f"steps must be a whole number ≥ 1, got {steps!r}")
    if batch_size is not None:
        if batch:
            raise ValueError("give batch=True (the whole data set) or batch_size, not both")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
            raise ValueError(f"batch_size must be a whole number ≥ 1, got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be a whole number ≥ 1, got {batch_size!r}")
    if batch or batch_size is not None:
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
        if batch_size is not None:
            assert network.dataset is not None
            bx, by = minibatch(network.dataset, int(batch_size), start + step - 1, seed)
        else:
            bx, by = x, y
        network, state, trace = train_step(network, bx, by, optimizer, state)
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
