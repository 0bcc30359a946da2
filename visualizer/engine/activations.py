"""Activation functions: each gives f, its derivative, and its Jacobian-vector product.

Arrays are one sample `(n,)` or a batch `(B, n)` with samples as rows; every function works
along the last axis. All are stable for |z| up to 1e4 (no overflow warnings, no NaN).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softmax(z: Array) -> Array:
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


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
    )
}


def get_activation(name: str) -> Activation:
    """The activation called `name`; ValueError naming the known ones otherwise."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        known = ", ".join(ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r} (known: {known})") from None
