"""Activation functions: each gives f, its derivative, and its Jacobian-vector product.

Arrays are one sample `(n,)` or a batch `(B, n)` with samples as rows; every function works
along the last axis. All are stable for |z| up to 1e4 (no overflow warnings, no NaN).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class InPlace:
    """An activation's f and f' written into arrays the caller owns — the same numbers as
    `Activation.f` and `Activation.derivative` — so that the training pass can reuse its
    arrays from step to step instead of making new ones (see engine/workspace.py)."""

    f: Callable[[Array, Array, Array], Array]  # (z, out, scratch) -> f(z) in out
    # (z, a, out) -> f'(z) in out, which may be z itself (each entry read before written)
    derivative: Callable[[Array, Array, Array], Array]


@dataclass(frozen=True)
class Activation:
    """One activation. `derivative` is the elementwise f'(z) (None for softmax, whose
    Jacobian is not diagonal); `vjp(z, a, g)` returns J_f(z)ᵀ g, which backprop uses."""

    name: str
    f: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array] | None  # (z, a) -> f'(z)
    symbol: str  # how the equations show it
    in_place: InPlace | None = None  # None: the training pass makes new arrays

    @property
    def elementwise(self) -> bool:
        return self.derivative is not None

    def apply(self, z: Array, out: Array | None = None, scratch: Array | None = None) -> Array:
        """f(z). Given `out` and `scratch` (arrays of z's shape the caller owns; scratch's
        contents are lost) it is written into out when this activation has an in-place
        form, else it is a new array: use the array returned."""
        if out is None or scratch is None or self.in_place is None:
            return self.f(z)
        return self.in_place.f(z, out, scratch)

    def vjp(
        self, z: Array, a: Array, g: Array, out: Array | None = None, scratch: Array | None = None
    ) -> Array:
        """J_f(z)ᵀ g for a = f(z); for elementwise f this is f'(z) ⊙ g. With `out` (which
        may be g itself, when the caller has no more use for it) the result goes there;
        with `scratch` (z's shape, contents lost; may be z itself) f'(z) is computed in it
        where this activation can."""
        if self.derivative is not None:
            if scratch is None or self.in_place is None:
                slope = self.derivative(z, a)
            else:
                slope = self.in_place.derivative(z, a, scratch)
            return np.multiply(slope, g, out=out)
        # softmax: J = diag(a) − a aᵀ is symmetric, so Jᵀg = a ⊙ (g − a·g)
        return np.multiply(a, g - np.sum(a * g, axis=-1, keepdims=True), out=out)

    def jacobian(self, z: Array) -> Array:
        """The full (n, n) Jacobian ∂a/∂z at one sample z of shape (n,)."""
        z = np.asarray(z, dtype=np.float64)
        a = self.f(z)
        if self.derivative is not None:
            return np.diag(self.derivative(z, a))
        return np.diag(a) - np.outer(a, a)


def _sigmoid(z: Array) -> Array:
    return _sigmoid_into(z, np.empty(np.shape(z)), np.empty(np.shape(z)))


def _sigmoid_into(z: Array, out: Array, scratch: Array) -> Array:
    # 1 / (1 + e^−z), as PyTorch computes it: four passes over the array (−z, exp, +1,
    # 1/·). The two-sided form this replaced — e = exp(−|z|), then 1 or e over 1 + e —
    # took seven, one of them a max with a boolean array, and the sigmoid was a tenth of a
    # training step; the two are equally accurate (within 2.5 ulp of σ(z) computed to 40
    # digits, tests/engine/test_activations.py). e^−z overflows to ∞ below z ≈ −709.78 and
    # gives 1/∞ = 0 there, where the true value is under 1e−308 (subnormal) — hence no
    # overflow error or warning from this one exp, whatever the caller's np.errstate.
    e = np.negative(z, out=scratch)
    with np.errstate(over="ignore"):
        np.exp(e, out=e)
    e += 1.0
    return np.divide(1.0, e, out=out)


def _sigmoid_derivative(z: Array, a: Array, out: Array | None = None) -> Array:
    # a(1 − a) from a, with one array instead of two (a·b is b·a bit for bit).
    d = np.subtract(1.0, a, out=out)
    d *= a
    return d


def _tanh_derivative_into(z: Array, a: Array, out: Array) -> Array:
    np.multiply(a, a, out=out)
    return np.subtract(1.0, out, out=out)  # 1 − a², as 1.0 - a * a


def _identity_into(z: Array, out: Array, scratch: Array) -> Array:
    np.copyto(out, z)
    return out


def _ones_into(z: Array, a: Array, out: Array) -> Array:
    out.fill(1.0)
    return out


def _softmax(z: Array) -> Array:
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def _silu(z: Array) -> Array:
    return z * _sigmoid(z)


def _silu_derivative(z: Array, a: Array) -> Array:
    # d/dz z·σ(z) = σ(z) + z·σ(z)(1 − σ(z)) = σ(z)(1 + z(1 − σ(z)))
    s = _sigmoid(z)
    return s * (1.0 + z * (1.0 - s))


# NumPy has no erf; math.erf is the C library's, correct to the last bit or so. One Python
# call per entry costs ~0.1 µs, negligible next to the matrix products of a layer.
_erf = np.vectorize(math.erf, otypes=[np.float64])
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _gelu(z: Array) -> Array:
    """The exact GELU, z·Φ(z) with Φ the standard normal CDF (PyTorch's default)."""
    return 0.5 * z * (1.0 + _erf(z * _SQRT_HALF))


def _gelu_derivative(z: Array, a: Array) -> Array:
    # Φ(z) + z·φ(z); exp(−z²/2) underflows quietly to 0 for large |z|.
    return 0.5 * (1.0 + _erf(z * _SQRT_HALF)) + z * _INV_SQRT_2PI * np.exp(-0.5 * z * z)


_TANH_C = math.sqrt(2.0 / math.pi)
_TANH_K = 0.044715


def _gelu_tanh(z: Array) -> Array:
    """PyTorch's GELU(approximate="tanh"): ½z(1 + tanh(√(2/π)(z + 0.044715z³)))."""
    return 0.5 * z * (1.0 + np.tanh(_TANH_C * (z + _TANH_K * z**3)))


def _gelu_tanh_derivative(z: Array, a: Array) -> Array:
    t = np.tanh(_TANH_C * (z + _TANH_K * z**3))
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * _TANH_C * (1.0 + 3.0 * _TANH_K * z * z)


LEAKY_SLOPE = 0.01

ACTIVATIONS: dict[str, Activation] = {
    act.name: act
    for act in (
        Activation(
            "identity",
            lambda z: z.copy(),
            lambda z, a: np.ones_like(z),
            "id",
            InPlace(_identity_into, _ones_into),
        ),
        Activation(
            "sigmoid",
            _sigmoid,
            _sigmoid_derivative,
            "σ",
            InPlace(_sigmoid_into, _sigmoid_derivative),
        ),
        Activation(
            "tanh",
            np.tanh,
            lambda z, a: 1.0 - a * a,
            "tanh",
            InPlace(lambda z, out, scratch: np.tanh(z, out=out), _tanh_derivative_into),
        ),
        Activation(
            "relu",
            lambda z: np.maximum(z, 0.0),
            lambda z, a: (z > 0).astype(np.float64),
            "ReLU",
            InPlace(
                lambda z, out, scratch: np.maximum(z, 0.0, out=out),
                lambda z, a, out: np.greater(z, 0.0, out=out),  # 1.0 / 0.0, as astype
            ),
        ),
        Activation(
            "leaky_relu",
            lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
            lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE),
            "LReLU",
        ),
        Activation(
            "softplus", lambda z: np.logaddexp(0.0, z), lambda z, a: _sigmoid(z), "softplus"
        ),
        Activation("softmax", _softmax, None, "softmax"),
        Activation("gelu", _gelu, _gelu_derivative, "GELU"),
        Activation("gelu_tanh", _gelu_tanh, _gelu_tanh_derivative, "GELU≈"),
        Activation("silu", _silu, _silu_derivative, "SiLU"),
    )
}


T = TypeVar("T")


def lookup(registry: Mapping[str, T], name: str, what: str) -> T:
    """registry[name]; ValueError naming the known ones otherwise (every registry of the
    engine — activations, losses — refuses an unknown name in the same words)."""
    try:
        return registry[name]
    except KeyError:
        known = ", ".join(registry)
        raise ValueError(f"unknown {what} {name!r} (known: {known})") from None


def get_activation(name: str) -> Activation:
    """The activation called `name`; ValueError naming the known ones otherwise."""
    return lookup(ACTIVATIONS, name, "activation")
