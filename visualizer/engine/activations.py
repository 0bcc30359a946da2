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
class Activation:
    """One activation. `derivative` is the elementwise f'(z) (None for softmax, whose
    Jacobian is not diagonal); `vjp(z, a, g)` returns J_f(z)ᵀ g, which backprop uses."""

    name: str
    f: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array] | None  # (z, a) -> f'(z)
    symbol: str  # how the equations show it

    @property
    def elementwise(self) -> bool:
        return self.derivative is not None

    def vjp(self, z: Array, a: Array, g: Array) -> Array:
        """J_f(z)ᵀ g for a = f(z); for elementwise f this is f'(z) ⊙ g."""
        if self.derivative is not None:
            return self.derivative(z, a) * g
        # softmax: J = diag(a) − a aᵀ is symmetric, so Jᵀg = a ⊙ (g − a·g)
        return a * (g - np.sum(a * g, axis=-1, keepdims=True))

    def jacobian(self, z: Array) -> Array:
        """The full (n, n) Jacobian ∂a/∂z at one sample z of shape (n,)."""
        z = np.asarray(z, dtype=np.float64)
        a = self.f(z)
        if self.derivative is not None:
            return np.diag(self.derivative(z, a))
        return np.diag(a) - np.outer(a, a)


def _sigmoid(z: Array) -> Array:
    # exp(−|z|) never overflows; pick the algebraically equal form for each sign.
    # One division, in place: the same quotients (1 or e over 1 + e) as two.
    e = np.exp(-np.abs(z))
    out = np.where(z >= 0, 1.0, e)
    e += 1.0
    return np.divide(out, e, out=out)


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
        Activation("identity", lambda z: z.copy(), lambda z, a: np.ones_like(z), "id"),
        Activation("sigmoid", _sigmoid, lambda z, a: a * (1.0 - a), "σ"),
        Activation("tanh", np.tanh, lambda z, a: 1.0 - a * a, "tanh"),
        Activation(
            "relu", lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(np.float64), "ReLU"
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
