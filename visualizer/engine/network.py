"""The network as plain, immutable data: layers of weights and biases, a loss, a sample.

Conventions (as in the app's equations): layers are numbered 1..L; `layers[l - 1]` is layer
l; Wˡ has shape (nˡ, nˡ⁻¹); a⁰ = x. Every array is float64 and read-only, so a Network can
be shared by the undo stack, the trace cache and the views without copies.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.limits import MAX_LAYER_SIZE, MAX_LAYERS, MAX_PARAMETERS
from visualizer.engine.losses import LOSSES

Array = np.ndarray

INIT_SCHEMES = ("xavier_uniform", "he_normal", "uniform", "zeros")


class NetworkError(ValueError):
    """A network that breaks a rule (shape, limit, name, non-finite value)."""


# The arrays `frozen_array` made (or `edited_copy`), by id: each is float64, read-only,
# finite and held by no one as writable, so a Layer built from one again (every edit keeps
# all but one matrix; undo and training rebuild networks from them) takes it as it is
# instead of copying and re-checking it: a copy and a finiteness pass of an 8 M-entry
# matrix are ~50 ms of an edit. Weak: an array leaves when the last network holding it goes.
_FROZEN: weakref.WeakValueDictionary[int, Array] = weakref.WeakValueDictionary()


def frozen_array(values: Any, where: str, ndim: int) -> Array:
    """`values` as a read-only float64 array of `ndim` dimensions, all finite: a copy, or
    `values` itself when it is an array this function (or `edited_copy`) made."""
    if _FROZEN.get(id(values)) is values:
        if values.ndim != ndim:
            raise NetworkError(f"{where}: expected {ndim}-D array, got shape {values.shape}")
        return values
    try:
        arr = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise NetworkError(f"{where}: not an array of numbers ({exc})") from None
    if arr.ndim != ndim:
        raise NetworkError(f"{where}: expected {ndim}-D array, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise NetworkError(f"{where}: contains NaN or infinity")
    return _register(arr)


def edited_copy(arr: Array, index: tuple[int, ...], value: float, where: str) -> Array:
    """A frozen copy of the frozen array `arr` with `arr[index] = value`: only the new value
    is checked (the rest was checked when `arr` was made)."""
    if not math.isfinite(value):
        raise NetworkError(f"{where}: contains NaN or infinity")
    out = arr.copy()
    out[index] = value
    return _register(out)


def adopted_array(arr: Array, where: str, ndim: int, finite: bool = False) -> Array:
    """`arr` itself, frozen as `frozen_array` freezes its copies (`ndim` dimensions, all
    finite, read-only, and taken as it is by Layer from then on): for a new float64 array
    whose maker hands it over and keeps no writable hold of it — a training step's new
    parameters — where a copy would only cost time. Anything else is copied. `finite`:
    the caller has just checked that every entry is finite."""
    if type(arr) is not np.ndarray or arr.dtype is not _FLOAT64 or not arr.flags.owndata:
        return frozen_array(arr, where, ndim)
    if arr.ndim != ndim:
        raise NetworkError(f"{where}: expected {ndim}-D array, got shape {arr.shape}")
    if not finite and not np.isfinite(arr).all():
        raise NetworkError(f"{where}: contains NaN or infinity")
    return _register(arr)


_FLOAT64 = np.dtype(np.float64)  # native byte order: another order's arrays are copied


def _register(arr: Array) -> Array:
    arr.setflags(write=False)
    _FROZEN[id(arr)] = arr
    return arr


def read_only(arr: Array) -> Array:
    """`arr` itself, made read-only: for a new array no one else holds (no copy)."""
    arr.setflags(write=False)
    return arr


def _arrays_equal(a: Array | None, b: Array | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


@dataclass(frozen=True, eq=False)
class Layer:
    weights: Array  # (n, n_prev)
    biases: Array  # (n,)
    activation: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", frozen_array(self.weights, "weights", 2))
        object.__setattr__(self, "biases", frozen_array(self.biases, "biases", 1))
        if self.activation not in ACTIVATIONS:
            known = ", ".join(ACTIVATIONS)
            raise NetworkError(f"unknown activation {self.activation!r} (known: {known})")
        if self.biases.shape[0] != self.weights.shape[0]:
            raise NetworkError(
                f"biases: length {self.biases.shape[0]}, expected {self.weights.shape[0]} "
                f"(one per row of weights)"
            )

    @property
    def size(self) -> int:
        return int(self.weights.shape[0])

    @property
    def input_size(self) -> int:
        return int(self.weights.shape[1])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Layer):
            return NotImplemented
        return (
            self.activation == other.activation
            and _arrays_equal(self.weights, other.weights)
            and _arrays_equal(self.biases, other.biases)
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, eq=False)
class Sample:
    """One training example: input x (n⁰,) and target y (nᴸ,)."""

    x: Array
    y: Array

    def __post_init__(self) -> None:
        object.__setattr__(self, "x", frozen_array(self.x, "x", 1))
        object.__setattr__(self, "y", frozen_array(self.y, "y", 1))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sample):
            return NotImplemented
        return _arrays_equal(self.x, other.x) and _arrays_equal(self.y, other.y)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, eq=False)
class Dataset:
    """N examples as rows: x (N, n⁰), y (N, nᴸ)."""

    x: Array
    y: Array

    def __post_init__(self) -> None:
        object.__setattr__(self, "x", frozen_array(self.x, "dataset.x", 2))
        object.__setattr__(self, "y", frozen_array(self.y, "dataset.y", 2))
        if self.x.shape[0] != self.y.shape[0]:
            raise NetworkError(f"dataset: {self.x.shape[0]} inputs but {self.y.shape[0]} targets")
        if self.x.shape[0] < 1:
            raise NetworkError("dataset: needs at least one example")

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dataset):
            return NotImplemented
        return _arrays_equal(self.x, other.x) and _arrays_equal(self.y, other.y)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class InitSpec:
    """How absent or re-initialised parameters are drawn. `low`/`high` are the range of
    the `uniform` scheme."""

    scheme: str = "xavier_uniform"
    seed: int = 0
    low: float = -1.0
    high: float = 1.0

    def __post_init__(self) -> None:
        if self.scheme not in INIT_SCHEMES:
            raise NetworkError(
                f"unknown init scheme {self.scheme!r} (known: {', '.join(INIT_SCHEMES)})"
            )
        if not (np.isfinite(self.low) and np.isfinite(self.high) and self.low < self.high):
            raise NetworkError(f"init range: need low < high, got [{self.low}, {self.high}]")


@dataclass(frozen=True, eq=False)
class Network:
    input_size: int
    layers: tuple[Layer, ...]
    loss: str
    name: str = ""
    sample: Sample | None = None
    init: InitSpec = field(default_factory=InitSpec)
    dataset: Dataset | None = None
    gui: Mapping[str, Any] | None = None  # the app's own settings, kept as they are

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        validate(self)

    # -- shape ---------------------------------------------------------------------------
    @property
    def depth(self) -> int:
        """L, the number of layers with weights."""
        return len(self.layers)

    @property
    def sizes(self) -> list[int]:
        """[n⁰, n¹, …, nᴸ]."""
        return [self.input_size] + [layer.size for layer in self.layers]

    @property
    def output_size(self) -> int:
        return self.layers[-1].size

    @property
    def parameter_count(self) -> int:
        return parameter_count(self.sizes)

    def layer(self, l: int) -> Layer:
        """Layer l, numbered 1..L as in Wˡ."""
        if not 1 <= l <= self.depth:
            raise IndexError(f"layer {l} out of range 1..{self.depth}")
        return self.layers[l - 1]

    # -- the sample the app shows --------------------------------------------------------
    def current_sample(self) -> Sample:
        """The network's sample; else the first dataset example; else x = 0.5, y = 0."""
        if self.sample is not None:
            return self.sample
        if self.dataset is not None:
            return Sample(self.dataset.x[0], self.dataset.y[0])
        return Sample(np.full(self.input_size, 0.5), np.zeros(self.output_size))

    def replace(self, **changes: Any) -> Network:
        """A copy with `changes` applied (and validated)."""
        return dataclasses.replace(self, **changes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Network):
            return NotImplemented
        return (
            self.input_size == other.input_size
            and self.loss == other.loss
            and self.name == other.name
            and self.init == other.init
            and self.layers == other.layers
            and self.sample == other.sample
            and self.dataset == other.dataset
            and self.gui == other.gui
        )

    __hash__ = None  # type: ignore[assignment]


def parameter_count(sizes: Sequence[int]) -> int:
    """Weights and biases of a network whose layer sizes are [n⁰, …, nᴸ]."""
    return sum(n_out * (n_in + 1) for n_in, n_out in itertools.pairwise(sizes))


def check_sizes(sizes: Sequence[int]) -> None:
    """NetworkError if layer sizes break the limits of `limits.py`."""
    if len(sizes) < 2:
        raise NetworkError("a network needs at least one layer")
    if len(sizes) - 1 > MAX_LAYERS:
        raise NetworkError(f"{len(sizes) - 1} layers: at most {MAX_LAYERS} are allowed")
    for l, n in enumerate(sizes):
        what = "input" if l == 0 else f"layer {l}"
        if int(n) != n or n < 1:
            raise NetworkError(f"{what}: size must be a whole number ≥ 1, got {n}")
        if n > MAX_LAYER_SIZE:
            raise NetworkError(f"{what}: {n} neurons, at most {MAX_LAYER_SIZE} are allowed")
    count = parameter_count(sizes)
    if count > MAX_PARAMETERS:
        raise NetworkError(f"{count:,} parameters: at most {MAX_PARAMETERS:,} are allowed")


def validate(net: Network) -> None:
    """NetworkError naming the first rule `net` breaks."""
    if net.loss not in LOSSES:
        raise NetworkError(f"unknown loss {net.loss!r} (known: {', '.join(LOSSES)})")
    if not net.layers:
        raise NetworkError("a network needs at least one layer")
    check_sizes([net.input_size] + [layer.size for layer in net.layers])
    prev = net.input_size
    for l, layer in enumerate(net.layers, start=1):
        if layer.input_size != prev:
            raise NetworkError(
                f"layer {l}: weights have shape {layer.weights.shape}, "
                f"expected ({layer.size}, {prev})"
            )
        prev = layer.size
    n_in, n_out = net.input_size, net.output_size
    if net.sample is not None:
        if net.sample.x.shape[0] != n_in:
            raise NetworkError(f"sample.x: length {net.sample.x.shape[0]}, expected {n_in}")
        if net.sample.y.shape[0] != n_out:
            raise NetworkError(f"sample.y: length {net.sample.y.shape[0]}, expected {n_out}")
    if net.dataset is not None:
        if net.dataset.x.shape[1] != n_in:
            raise NetworkError(f"dataset.x: rows of {net.dataset.x.shape[1]}, expected {n_in}")
        if net.dataset.y.shape[1] != n_out:
            raise NetworkError(f"dataset.y: rows of {net.dataset.y.shape[1]}, expected {n_out}")


# -- initialisation ----------------------------------------------------------------------
def init_layer(
    n_out: int, n_in: int, init: InitSpec, rng: np.random.Generator
) -> tuple[Array, Array]:
    """(W, b) for one layer drawn from `init`'s scheme with `rng`. Biases start at zero,
    except under `uniform`, where they are drawn from the same range."""
    scheme = init.scheme
    b = np.zeros(n_out)
    if scheme == "xavier_uniform":
        r = np.sqrt(6.0 / (n_in + n_out))
        w = rng.uniform(-r, r, size=(n_out, n_in))
    elif scheme == "he_normal":
        w = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))
    elif scheme == "uniform":
        w = _uniform(rng, init.low, init.high, (n_out, n_in))
        b = _uniform(rng, init.low, init.high, (n_out,))
    elif scheme == "zeros":
        w = np.zeros((n_out, n_in))
    else:
        raise NetworkError(f"unknown init scheme {scheme!r}")
    return w, b


def _uniform(rng: np.random.Generator, low: float, high: float, shape: tuple[int, ...]) -> Array:
    """rng.uniform(low, high), also for a range wider than the largest float (NumPy raises
    OverflowError when high − low overflows, e.g. [−1e308, 1e308])."""
    if np.isfinite(high - low):
        return rng.uniform(low, high, size=shape)
    u = rng.random(size=shape)
    return low * (1.0 - u) + high * u  # each term is within the range: no overflow


def init_parameters(sizes: Sequence[int], init: InitSpec) -> list[tuple[Array, Array]]:
    """(W, b) for every layer, drawn in layer order from one generator seeded by
    `init.seed`, so the same sizes and spec always give the same numbers."""
    check_sizes(sizes)
    rng = np.random.default_rng(init.seed)
    return [init_layer(n_out, n_in, init, rng) for n_in, n_out in itertools.pairwise(sizes)]


def make_network(
    sizes: Sequence[int],
    activations: str | Sequence[str] = "sigmoid",
    loss: str = "half_squared_error",
    init: InitSpec | None = None,
    **fields: Any,
) -> Network:
    """A freshly initialised network with layer sizes [n⁰, …, nᴸ]; `activations` is one
    name for every layer or one per layer. Extra `fields` (name, sample, dataset, gui)
    pass through to Network."""
    init = init or InitSpec()
    depth = len(sizes) - 1
    acts = [activations] * depth if isinstance(activations, str) else list(activations)
    if len(acts) != depth:
        raise NetworkError(f"{len(acts)} activations for {depth} layers")
    params = init_parameters(sizes, init)
    layers = []
    for l, ((w, b), act) in enumerate(zip(params, acts, strict=True), start=1):
        try:
            layers.append(Layer(w, b, act))
        except NetworkError as exc:  # a Layer does not know its number; name it here
            raise NetworkError(f"layer {l}: {exc}") from None
    return Network(int(sizes[0]), tuple(layers), loss, init=init, **fields)
