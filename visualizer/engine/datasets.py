"""Built-in toy data sets, generated from a seed: four 2-D classification problems (xor,
circles, spirals, blobs) and two 1-D regression curves (sine, step).

Every generator is a pure function of (n, noise, seed, outputs): the same arguments give the
same numbers, bit for bit, on any machine NumPy's PCG64 runs on. Inputs lie roughly in
[−1, 1] (a tanh or sigmoid network needs no rescaling). `noise` is the standard deviation
of Gaussian noise added to the inputs (classification) or to the targets (regression); the
clean points and the noise come from separate streams of the seed, so changing `noise`
moves every point along the same random direction and never reshuffles the data.

Targets fit the network's output layer: one output → labels 0/1 as a column, two outputs →
one-hot rows [1, 0] (class 0) / [0, 1] (class 1). Classes are balanced: ⌈n/2⌉ examples of
class 0 and ⌊n/2⌋ of class 1, interleaved (class 0, 1, 0, 1, …).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from visualizer.engine.network import Dataset, Network, NetworkError

Array = np.ndarray

MAX_SAMPLES = 100_000  # a toy set; more would only slow the app's live plots down
DEFAULT_SAMPLES = 200
DEFAULT_NOISE = 0.1


@dataclass(frozen=True)
class DatasetInfo:
    """What the app needs to offer a data set: its name, a one-line description, the input
    size it produces and whether its targets are class labels."""

    name: str
    description: str
    input_size: int
    classification: bool
    generate: Callable[[int, float, int, int], Dataset]

    def output_sizes(self) -> tuple[int, ...]:
        """The output layer sizes it can produce targets for."""
        return (1, 2) if self.classification else (1,)

    def fits(self, network: Network) -> bool:
        return network.input_size == self.input_size and network.output_size in self.output_sizes()


# -- helpers -------------------------------------------------------------------------------
def _check(n: int, noise: float, seed: int, outputs: int, allowed: tuple[int, ...]) -> None:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 2 <= n <= MAX_SAMPLES:
        raise NetworkError(f"samples: need a whole number in 2..{MAX_SAMPLES}, got {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, int | float | np.integer | np.floating):
        raise NetworkError(f"noise: need a number, got {noise!r}")
    if not (math.isfinite(noise) and noise >= 0):
        raise NetworkError(f"noise: need a finite number ≥ 0, got {noise!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise NetworkError(f"seed: need a whole number ≥ 0, got {seed!r}")
    if outputs not in allowed:
        sizes = " or ".join(str(k) for k in allowed)
        raise NetworkError(f"this data set has targets for {sizes} output(s), not {outputs}")


def _streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Two independent generators from one seed: the clean geometry, then the noise."""
    geometry, noise = np.random.SeedSequence(int(seed)).spawn(2)
    return np.random.default_rng(geometry), np.random.default_rng(noise)


def _labels(n: int) -> Array:
    """0, 1, 0, 1, …: balanced, and any prefix of a shuffled mini-batch stays mixed."""
    return np.arange(n) % 2


def _targets(labels: Array, outputs: int) -> Array:
    labels = labels.astype(np.float64)
    if outputs == 1:
        return labels[:, None]
    return np.stack([1.0 - labels, labels], axis=1)


def _classes(x: Array, labels: Array, noise: float, rng: np.random.Generator, outputs: int):
    x = x + noise * rng.standard_normal(x.shape)
    return Dataset(x, _targets(labels, outputs))


# -- 2-D classification --------------------------------------------------------------------
def xor(
    n: int = DEFAULT_SAMPLES, noise: float = DEFAULT_NOISE, seed: int = 0, outputs: int = 1
) -> Dataset:
    """Points uniform in the four quadrants of [−1, 1]², kept 0.05 away from the axes;
    class 1 where x₁ and x₂ have opposite signs (the 2nd and 4th quadrants)."""
    _check(n, noise, seed, outputs, (1, 2))
    rng, noise_rng = _streams(seed)
    labels = _labels(n)
    magnitude = rng.uniform(0.05, 1.0, size=(n, 2))
    first = rng.integers(0, 2, size=n) * 2 - 1  # sign of x₁: ±1
    # Same signs for class 0, opposite signs for class 1.
    second = np.where(labels == 1, -first, first)
    x = magnitude * np.stack([first, second], axis=1)
    return _classes(x, labels, noise, noise_rng, outputs)


def circles(
    n: int = DEFAULT_SAMPLES, noise: float = DEFAULT_NOISE, seed: int = 0, outputs: int = 1
) -> Dataset:
    """Two concentric circles: class 1 on the inner one (radius 0.4), class 0 on the outer
    one (radius 1), angles uniform."""
    _check(n, noise, seed, outputs, (1, 2))
    rng, noise_rng = _streams(seed)
    labels = _labels(n)
    angle = rng.uniform(0.0, 2.0 * np.pi, size=n)
    radius = np.where(labels == 1, 0.4, 1.0)
    x = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return _classes(x, labels, noise, noise_rng, outputs)


def spirals(
    n: int = DEFAULT_SAMPLES, noise: float = DEFAULT_NOISE, seed: int = 0, outputs: int = 1
) -> Dataset:
    """Two interleaved spirals, each one and a half turns from the centre out to radius 1;
    class 1's spiral is class 0's turned by half a turn."""
    _check(n, noise, seed, outputs, (1, 2))
    rng, noise_rng = _streams(seed)
    labels = _labels(n)
    t = rng.uniform(0.0, 1.0, size=n)  # how far along the spiral
    angle = 3.0 * np.pi * t + np.pi * labels
    radius = 0.05 + 0.95 * t
    x = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return _classes(x, labels, noise, noise_rng, outputs)


BLOB_CENTRES = np.array([[-0.5, -0.5], [0.5, 0.5]])
BLOB_SPREAD = 0.2  # the clean blobs' standard deviation; `noise` adds to it


def blobs(
    n: int = DEFAULT_SAMPLES, noise: float = DEFAULT_NOISE, seed: int = 0, outputs: int = 1
) -> Dataset:
    """Two Gaussian blobs of standard deviation 0.2: class 0 around (−0.5, −0.5), class 1
    around (0.5, 0.5). With `noise` the spread is √(0.2² + noise²)."""
    _check(n, noise, seed, outputs, (1, 2))
    rng, noise_rng = _streams(seed)
    labels = _labels(n)
    x = BLOB_CENTRES[labels] + BLOB_SPREAD * rng.standard_normal((n, 2))
    return _classes(x, labels, noise, noise_rng, outputs)


# -- 1-D regression ------------------------------------------------------------------------
def _curve(f: Callable[[Array], Array], n: int, noise: float, seed: int, outputs: int) -> Dataset:
    _check(n, noise, seed, outputs, (1,))
    rng, noise_rng = _streams(seed)
    x = np.sort(rng.uniform(-1.0, 1.0, size=n))
    y = f(x) + noise * noise_rng.standard_normal(n)
    return Dataset(x[:, None], y[:, None])


def sine(
    n: int = DEFAULT_SAMPLES, noise: float = DEFAULT_NOISE, seed: int = 0, outputs: int = 1
) -> Dataset:
    """y = sin(πx) for x uniform in [−1, 1] (sorted), plus noise on y."""
    return _curve(lambda x: np.sin(np.pi * x), n, noise, seed, outputs)


def step(
    n: int = DEFAULT_SAMPLES, noise: float = DEFAULT_NOISE, seed: int = 0, outputs: int = 1
) -> Dataset:
    """y = 1 for x > 0, else 0, for x uniform in [−1, 1] (sorted), plus noise on y."""
    return _curve(lambda x: (x > 0).astype(np.float64), n, noise, seed, outputs)


DATASETS: dict[str, DatasetInfo] = {
    info.name: info
    for info in (
        DatasetInfo("xor", "XOR: opposite quadrants share a class", 2, True, xor),
        DatasetInfo("circles", "a small circle inside a big one", 2, True, circles),
        DatasetInfo("spirals", "two interleaved spirals", 2, True, spirals),
        DatasetInfo("blobs", "two Gaussian blobs", 2, True, blobs),
        DatasetInfo("sine", "y = sin(πx), regression", 1, False, sine),
        DatasetInfo("step", "y = 1 for x > 0 else 0, regression", 1, False, step),
    )
}


def get_dataset(name: str) -> DatasetInfo:
    """The data set called `name`; NetworkError listing the known names otherwise."""
    try:
        return DATASETS[name]
    except KeyError:
        raise NetworkError(f"unknown data set {name!r} (known: {', '.join(DATASETS)})") from None


def generate(
    name: str,
    n: int = DEFAULT_SAMPLES,
    noise: float = DEFAULT_NOISE,
    seed: int = 0,
    outputs: int = 1,
) -> Dataset:
    """Data set `name` with n examples, targets for `outputs` output neurons."""
    return get_dataset(name).generate(n, noise, seed, outputs)


def with_dataset(
    network: Network,
    name: str,
    n: int = DEFAULT_SAMPLES,
    noise: float = DEFAULT_NOISE,
    seed: int = 0,
) -> Network:
    """A copy of `network` holding data set `name` (targets shaped for its output layer);
    everything else is unchanged. NetworkError, saying what would fit, if the network's
    input or output size does not suit the data set."""
    info = get_dataset(name)
    if network.input_size != info.input_size:
        raise NetworkError(
            f"data set {name!r} has {info.input_size} input(s), the network {network.input_size}"
        )
    if network.output_size not in info.output_sizes():
        sizes = " or ".join(str(k) for k in info.output_sizes())
        raise NetworkError(
            f"data set {name!r} needs {sizes} output neuron(s), the network has "
            f"{network.output_size}"
        )
    return network.replace(dataset=info.generate(n, noise, seed, network.output_size))
