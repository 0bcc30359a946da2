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
import time
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

import numpy as np

from visualizer.engine import backprop
from visualizer.engine.losses import domain_problem
from visualizer.engine.network import (
    Dataset,
    Layer,
    Network,
    NetworkError,
    adopted_array,
    read_only,
)
from visualizer.engine.workspace import Workspace

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
    """What `train_step` needs of an optimiser. `update` returns new parameter arrays that
    no one else holds: the step takes them over as the new network's (read-only, no copy)."""

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
        velocities = []
        for v, g in zip(state.velocity, grads, strict=True):
            if self.momentum == 0.0:
                # v = −lr·g: μ·v adds only a zero. p + (−lr·g) is p − lr·g bit for bit
                # (rounding is symmetric in sign), with one array and one pass fewer.
                v = np.multiply(g, -self.lr)
            else:
                v = np.multiply(self.momentum, v)
                v -= np.multiply(g, self.lr)  # in place: the same μ·v − lr·g, fewer arrays
            velocities.append(read_only(v))
        new_params = [p + v for p, v in zip(params, velocities, strict=True)]
        return new_params, OptimizerState(state.step + 1, {"velocity": tuple(velocities)})


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


# The optimisers by the name the command line and the app use, with how they read.
OPTIMIZERS: dict[str, str] = {"sgd": "SGD", "momentum": "SGD with momentum", "adam": "Adam"}


def make_optimizer(kind: str, lr: float, momentum: float | None = None) -> Optimizer:
    """The optimiser called `kind` (see OPTIMIZERS) with learning rate `lr`. `momentum` is
    SGD's μ: 0 for "sgd" and DEFAULT_MOMENTUM for "momentum" unless given; "adam" takes
    none. ValueError for an unknown kind or a number out of range."""
    if kind == "sgd":
        return SGD(lr, 0.0 if momentum is None else momentum)
    if kind == "momentum":
        return SGD(lr, DEFAULT_MOMENTUM if momentum is None else momentum)
    if kind == "adam":
        if momentum is not None:
            raise ValueError("momentum applies to sgd and momentum, not to adam")
        return Adam(lr)
    raise ValueError(f"unknown optimiser {kind!r} (known: {', '.join(OPTIMIZERS)})")


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


# OpenBLAS splits a matrix product over threads once m·n·k passes 4 × 65536; on two cores
# its helper threads then spin on after every product, taking the core the GUI thread
# needs (the output view's 97 × 97 grid took 20–60 ms so on a loaded machine, 3–5 ms in
# blocks, and training steps in between ran 1.5–2× slower). `predict` works in blocks of
# rows that keep every product under that size.
_ONE_THREAD_PRODUCT = 4 * 65536
_MIN_BLOCK_ROWS = 256  # wide layers: blocks no smaller (Python's cost per block)


def predict(network: Network, x: Array) -> Array:
    """The network's outputs aᴸ for inputs x (one sample (n⁰,) or rows (B, n⁰)): the
    forward pass alone, for drawing what a network has learnt over many points (a grid,
    a curve) without paying for a backward pass. Overflow gives ±∞/NaN, not a warning."""
    x = np.asarray(x, dtype=np.float64)
    widest = max(layer.weights.size for layer in network.layers)
    rows = max(_MIN_BLOCK_ROWS, _ONE_THREAD_PRODUCT // max(widest, 1))

    def outputs(inputs: Array) -> Array:
        return backprop.forward(network, backprop.pre_activation(network, inputs))[1][-1]

    with np.errstate(all="ignore"):
        if x.ndim < 2 or len(x) <= rows:
            return outputs(x)
        return np.concatenate([outputs(x[k : k + rows]) for k in range(0, len(x), rows)])


def parameters(network: Network) -> list[Array]:
    """[W¹, b¹, W², b², …] — the order of every OptimizerState slot."""
    return [arr for layer in network.layers for arr in (layer.weights, layer.biases)]


def gradients(trace: backprop.Trace | backprop.Gradients) -> list[Array]:
    """[∂C/∂W¹, ∂C/∂b¹, …] from a trace, in the order of `parameters`."""
    return [arr for pair in zip(trace.dW, trace.db, strict=True) for arr in pair]


def train_step(
    network: Network,
    x: Array,
    y: Array,
    optimizer: Optimizer,
    state: OptimizerState | None = None,
    workspace: Workspace | None = None,
) -> tuple[Network, OptimizerState, backprop.Gradients]:
    """One update of every Wˡ and bˡ, all from gradients at the current parameters (one
    `backprop.gradients` on x, y: a sample or a batch, whose gradient is the mean). A run
    of steps passes the same `workspace` to each, so that they reuse their scratch arrays
    (the results are the same with or without one).

    Returns the new network, the new optimiser state (state None = a fresh one) and the
    gradients at the parameters before the update (their `loss` is the loss this step
    saw; `dW`, `db` are `backprop.run`'s, bit for bit).
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
            trace = backprop.gradients(network, x, y, workspace)
            out = network.layers[-1].activation
            problem = domain_problem(out, network.loss, trace.output, trace.y, network.depth)
            if problem is not None:  # no loss to descend: say why, not "diverged"
                raise NetworkError(f"training stopped at step {step}: {problem}")
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
            if not np.isfinite(arr).all():
                raise NetworkError(
                    f"training diverged at step {step}: layer {l} {what} are no longer "
                    f"finite (loss was {trace.loss:.6g}); try a smaller learning rate"
                )
        # The optimiser's new arrays, frozen in place (no copy, and that check was their
        # one finiteness check): Layer then takes them as they are.
        weights = adopted_array(weights, "weights", 2, finite=True)
        biases = adopted_array(biases, "biases", 1, finite=True)
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


def even_rows(n: int, limit: int) -> Array:
    """The rows of an n-row data set a view evaluates or draws: all of them, or `limit`
    evenly spaced ones, first and last included (the same every time, so nothing
    flickers between refreshes)."""
    if n <= limit:
        return np.arange(n)
    return np.linspace(0, n - 1, limit).round().astype(np.intp)


class TrainingSession:
    """One resumable training run: the network as trained so far, the optimiser and its
    state, the position in the seeded mini-batch schedule (`steps`), and the log of the
    loss each step saw. `engine.train` (and so `cli train`) and the app's trainer both
    drive one; `step(n)` continues where the last call stopped, bit for bit as one long
    call would.

    What a step trains on: `batch_size` None is the network's current sample; n ≥ 1 is
    shuffled mini-batches of n from its data set (`minibatch`; n ≥ its size is every row,
    in order); `full_batch` is the whole data set as one batch. The three settings, the
    optimiser and `seed` may change between calls; the position and the logs carry on.
    With `track_data_loss` the loss on the whole data set is logged after every epoch of
    mini-batches (and by `record_data_loss`), for a curve of the true objective; with
    `data_loss_limit` a data set larger than that is evaluated on that many evenly spaced
    rows (`data_loss_rows`), so a live view of 100,000 rows stays quick."""

    def __init__(
        self,
        network: Network,
        optimizer: Optimizer,
        *,
        batch_size: int | None = None,
        full_batch: bool = False,
        seed: int = 0,
        state: OptimizerState | None = None,
        start: int = 0,
        track_data_loss: bool = False,
        data_loss_limit: int | None = None,
    ) -> None:
        if batch_size is not None:
            if full_batch:
                raise ValueError("give batch=True (the whole data set) or batch_size, not both")
            whole = not isinstance(batch_size, bool) and isinstance(batch_size, int | np.integer)
            if not whole or batch_size < 1:
                raise ValueError(f"batch_size must be a whole number ≥ 1, got {batch_size!r}")
        self.network = network
        self.optimizer = optimizer
        self.state = state
        self.batch_size = batch_size
        self.full_batch = full_batch
        self.seed = seed
        self.steps = int(start)  # the position in the schedule: steps done so far
        self.track_data_loss = track_data_loss
        self.data_loss_limit = data_loss_limit
        self.last_rows: Array | None = None  # the data-set rows of the last step's batch
        self._workspace = Workspace()  # the steps' scratch arrays, reused step to step
        self._losses = np.empty(1024)
        self._logged = 0
        self._data_steps = array("d")  # compact: a long run records many of these
        self._data_losses = array("d")
        if self.on_data and network.dataset is None:
            raise NetworkError(
                "batch training needs a data set, and this network has none "
                "(add one, or train on the current sample)"
            )

    @property
    def on_data(self) -> bool:
        """Whether the steps train on the data set (else on the current sample)."""
        return self.full_batch or self.batch_size is not None

    @property
    def losses(self) -> Array:
        """The loss each step of this session saw (on its batch), read-only."""
        view = self._losses[: self._logged]
        view.setflags(write=False)
        return view

    @property
    def data_losses(self) -> tuple[Array, Array]:
        """(steps, losses) on the whole data set, as `record_data_loss` logged them."""
        return np.array(self._data_steps), np.array(self._data_losses)

    @property
    def epoch(self) -> float:
        """Passes over the data set so far (0 when training on the sample)."""
        data = self.network.dataset
        if data is None or not self.on_data:
            return 0.0
        if self.full_batch:
            return float(self.steps)
        assert self.batch_size is not None
        return self.steps / batches_per_epoch(len(data), self.batch_size)

    def batch(self, step: int | None = None) -> tuple[Array, Array]:
        """(x, y) that step `step` (0-based; default the next one) trains on."""
        step = self.steps if step is None else step
        data = self.network.dataset
        if not self.on_data:
            sample = self.network.current_sample()
            return sample.x, sample.y
        if data is None:
            raise NetworkError("mini-batches need a data set")
        if self.full_batch:
            return data.x, data.y
        assert self.batch_size is not None
        return minibatch(data, self.batch_size, step, self.seed)

    def current_rows(self) -> Array | None:
        """The data-set rows of the last step's batch — or, before any step (or after the
        batch settings changed), of the next one; None when training on the sample."""
        data = self.network.dataset
        if data is None or not self.on_data:
            return None
        rows = self.last_rows
        if rows is None or rows.max(initial=-1) >= len(data):
            if self.full_batch:
                return np.arange(len(data))
            assert self.batch_size is not None
            rows = batch_indices(len(data), self.batch_size, self.steps, self.seed)
        return rows

    def step(
        self,
        n: int = 1,
        *,
        deadline: float | None = None,
        clock: Callable[[], float] = time.perf_counter,
        callback: Callable[[int, float], bool | None] | None = None,
    ) -> int:
        """Up to n training steps; returns how many were done. Stops early at `deadline`
        (by `clock`) after at least one step, or when `callback(k, loss)` — called after
        the k-th step of this call with the loss it saw — returns False. NetworkError if
        a step diverges: the session then stays at the last good step."""
        done = 0
        while done < n:
            x, y = self.batch()
            network, state, trace = train_step(
                self.network, x, y, self.optimizer, self.state, self._workspace
            )
            self.network, self.state = network, state
            if self.on_data and not self.full_batch:
                assert self.network.dataset is not None and self.batch_size is not None
                self.last_rows = batch_indices(
                    len(self.network.dataset), self.batch_size, self.steps, self.seed
                )
            self._log(trace.loss)
            self.steps += 1
            done += 1
            if self.track_data_loss and self._epoch_ended():
                self.record_data_loss()  # the true objective, once per epoch
            if callback is not None and callback(done, trace.loss) is False:
                break
            if deadline is not None and clock() >= deadline:
                break
        return done

    def data_loss(self) -> float:
        """The loss on what the steps train on: the sample, or the whole data set."""
        if self.on_data:
            assert self.network.dataset is not None
            x, y = self.network.dataset.x, self.network.dataset.y
        else:
            sample = self.network.current_sample()
            x, y = sample.x, sample.y
        return backprop.run(self.network, x, y).loss

    def data_loss_rows(self) -> Array | None:
        """The data-set rows `record_data_loss` evaluates: None for every row, else the
        `data_loss_limit` evenly spaced ones (the same each time: the curve is one
        objective, not a new random sample per point)."""
        data = self.network.dataset
        if data is None or self.data_loss_limit is None or len(data) <= self.data_loss_limit:
            return None
        return even_rows(len(data), self.data_loss_limit)

    def record_data_loss(self) -> None:
        """Log the loss on the whole data set (or `data_loss_rows` of it) at the current
        step (once per step)."""
        data = self.network.dataset
        if data is None or (self._data_steps and self._data_steps[-1] == self.steps):
            return
        rows = self.data_loss_rows()
        x, y = (data.x, data.y) if rows is None else (data.x[rows], data.y[rows])
        with np.errstate(all="ignore"):
            loss = backprop.run(self.network, x, y).loss
        self._data_steps.append(self.steps)
        self._data_losses.append(loss)

    def clear(self) -> None:
        """Start over: position 0, no optimiser memory, empty logs."""
        self.steps = 0
        self._logged = 0
        del self._data_steps[:], self._data_losses[:]
        self.last_rows = None
        self.state = None

    def _log(self, loss: float) -> None:
        if self._logged == len(self._losses):
            self._losses = np.concatenate([self._losses, np.empty(self._logged)])
        self._losses[self._logged] = loss
        self._logged += 1

    def _epoch_ended(self) -> bool:
        data = self.network.dataset
        if data is None or self.batch_size is None or self.batch_size >= len(data):
            return False
        return self.steps % batches_per_epoch(len(data), self.batch_size) == 0


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
    on shuffled mini-batches of it (see `minibatch`; `seed` picks the shuffles, `start`
    is the number of steps an earlier run already did, so a continued run picks up the
    schedule where that one stopped). One `TrainingSession` does the work.

    After step k (1-based) `callback(k, loss)` is called with the loss that step saw (on
    its mini-batch); returning False (not just a falsy value) stops early. `state`
    continues an earlier run. `final_loss` is measured on what the steps trained on — the
    sample, or with `batch` or `batch_size` the whole data set. The input network is not
    modified. NetworkError if there is no data set to batch from, or if training diverges;
    ValueError if steps is not a whole number ≥ 1 or the batch options do not make sense."""
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise ValueError(f"steps must be a whole number ≥ 1, got {steps!r}")
    session = TrainingSession(
        network,
        optimizer,
        batch_size=batch_size,
        full_batch=batch,
        seed=seed,
        state=state,
        start=start,
    )
    done = session.step(int(steps), callback=callback)
    assert session.state is not None
    return TrainResult(
        session.network,
        session.losses.tolist(),
        session.state,
        session.data_loss(),
        stopped_early=done < steps,
    )


@dataclass(frozen=True, eq=False)
class BatchGradients:
    """∂C/∂Wˡ of one batch, as the mean the batch step uses and as each sample's own."""

    batch: Array  # (nˡ, nˡ⁻¹): the batch's gradient, the mean over its samples
    per_sample: Array  # (B, nˡ, nˡ⁻¹): each sample's own ∂Cᵢ/∂Wˡ

    @property
    def mean(self) -> Array:
        return self.per_sample.mean(axis=0)

    @property
    def difference(self) -> float:
        """max |mean of the per-sample gradients − the batch gradient|: rounding only."""
        return float(np.max(np.abs(self.mean - self.batch)))

    def sample_difference(self, i: int) -> float:
        """How far sample i's own gradient is from the batch's (largest entry)."""
        return float(np.max(np.abs(self.per_sample[i] - self.batch)))


def batch_gradients(network: Network, x: Array, y: Array, layer: int) -> BatchGradients:
    """∂C/∂Wˡ (l = `layer`, 1-based) of the batch x, y (rows), and of each of its samples on
    its own — to show that the batch gradient is the mean of the per-sample ones. Each
    sample's is δᵢˡ (aᵢˡ⁻¹)ᵀ from its own pass; overflow gives ±∞/NaN, not a warning."""
    with np.errstate(all="ignore"):
        batch = backprop.run(network, x, y).dW[layer - 1]
        per_sample = np.stack(
            [backprop.run(network, x[i], y[i]).dW[layer - 1] for i in range(x.shape[0])]
        )
    return BatchGradients(batch, per_sample)


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
