"""Losses: each gives C and ∂C/∂a for one sample `(n,)` or a batch `(B, n)`.

For a batch, `value` is the mean of the per-sample losses, while `gradient` returns each
sample's own ∂Cᵢ/∂aᵢ (rows); backprop divides by B where it forms the mean gradients.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

# Probabilities are clamped to this before a log: log stays finite, and the gradient is
# that of the clamped function (0 where the clamp is active), so both stay consistent.
TINY = 1e-300


@dataclass(frozen=True)
class Loss:
    name: str
    per_sample: Callable[[Array, Array], Array]  # (a, y) -> C per sample, summed over units
    gradient: Callable[[Array, Array], Array]  # (a, y) -> ∂Cᵢ/∂aᵢ, same shape as a
    formula: str

    def value(self, a: Array, y: Array) -> float:
        """C for one sample, or the mean over a batch."""
        return float(np.mean(self.per_sample(a, y)))


def _log_clamped(p: Array) -> Array:
    return np.log(np.maximum(p, TINY))


def _inv_clamped(p: Array) -> Array:
    """1/p where p > TINY, else 0: the derivative of log(max(p, TINY))."""
    safe = p > TINY
    return np.where(safe, 1.0 / np.where(safe, p, 1.0), 0.0)


def _bce(a: Array, y: Array) -> Array:
    return -np.sum(y * _log_clamped(a) + (1.0 - y) * _log_clamped(1.0 - a), axis=-1)


def _bce_grad(a: Array, y: Array) -> Array:
    return -y * _inv_clamped(a) + (1.0 - y) * _inv_clamped(1.0 - a)


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            "half_squared_error",
            lambda a, y: 0.5 * np.sum((a - y) ** 2, axis=-1),
            lambda a, y: a - y,
            "C = ½ Σᵢ (aᵢ − yᵢ)²",
        ),
        Loss(
            "mean_squared_error",
            lambda a, y: np.mean((a - y) ** 2, axis=-1),
            lambda a, y: (2.0 / a.shape[-1]) * (a - y),
            "C = (1/n) Σᵢ (aᵢ − yᵢ)²",
        ),
        Loss(
            "cross_entropy",
            lambda a, y: -np.sum(y * _log_clamped(a), axis=-1),
            lambda a, y: -y * _inv_clamped(a),
            "C = −Σᵢ yᵢ log aᵢ",
        ),
        Loss(
            "binary_cross_entropy",
            _bce,
            _bce_grad,
            "C = −Σᵢ [yᵢ log aᵢ + (1 − yᵢ) log(1 − aᵢ)]",
        ),
    )
}


def get_loss(name: str) -> Loss:
    """The loss called `name`; ValueError naming the known ones otherwise."""
    try:
        return LOSSES[name]
    except KeyError:
        known = ", ".join(LOSSES)
        raise ValueError(f"unknown loss {name!r} (known: {known})") from None
