"""Losses, and the output stage where a loss meets the last activation.

Each `Loss` gives C and ∂C/∂a for one sample `(n,)` or a batch `(B, n)`. For a batch,
`value` is the mean of the per-sample losses, while `gradient` returns each sample's own
∂Cᵢ/∂aᵢ (rows); backprop divides by B where it forms the mean gradients.

`output_cost` and `output_delta` are the one place that turns the output layer's zᴸ, aᴸ
and the target into C (per sample) and δᴸ = ∂C/∂zᴸ; `backprop.run`, the gradient
check and the timeline all take it from here. Where the output activation is softmax or
sigmoid and the loss a cross-entropy, C and δᴸ are computed from the logits zᴸ (log-sum-exp
and log-sigmoid forms), which stay exact where aᴸ has rounded to 0 or 1. Anything else goes
through aᴸ: C = loss(aᴸ, y), δᴸ = J_f(zᴸ)ᵀ ∂C/∂aᴸ, with no clamp — a cross-entropy of an
output that is not a probability (≤ 0, or ≥ 1 for the binary one) is ±∞ or NaN, never a
capped number, and `domain_problem` says which value is out of range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from visualizer.engine.activations import ACTIVATIONS, lookup
from visualizer.notation import format_number, sub, sup

Array = np.ndarray


@dataclass(frozen=True)
class Loss:
    name: str
    per_sample: Callable[[Array, Array], Array]  # (a, y) -> C per sample, summed over units
    gradient: Callable[[Array, Array], Array]  # (a, y) -> ∂Cᵢ/∂aᵢ, same shape as a
    formula: str
    # (aᴸ, aᴸᵢ, n) as markup (see notation.render) -> (C = …, ∂C/∂aᴸ = …), for the timeline.
    equations: Callable[[str, str, int], tuple[str, str]]

    def value(self, a: Array, y: Array) -> float:
        """C for one sample, or the mean over a batch."""
        return float(np.mean(self.per_sample(a, y)))


def _xlogy(y: Array, p: Array) -> Array:
    """y·log p, and 0 where y = 0 whatever p is (a unit with no target weight adds nothing).
    No clamp: log 0 is −∞ and log of a negative number NaN, as they are."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, 0.0, y * np.log(p))


def _y_over(y: Array, p: Array) -> Array:
    """y/p, and 0 where y = 0: the derivative of _xlogy in p."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, 0.0, y / p)


def _bce(a: Array, y: Array) -> Array:
    return -np.sum(_xlogy(y, a) + _xlogy(1.0 - y, 1.0 - a), axis=-1)


def _bce_grad(a: Array, y: Array) -> Array:
    return -_y_over(y, a) + _y_over(1.0 - y, 1.0 - a)


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            "half_squared_error",
            lambda a, y: 0.5 * np.sum((a - y) ** 2, axis=-1),
            lambda a, y: a - y,
            "C = ½ Σᵢ (aᵢ − yᵢ)²",
            lambda a, ai, n: (f"C = ½ Σ_{{i}} ({ai} − y_{{i}})²", f"{a} − y"),
        ),
        Loss(
            "mean_squared_error",
            lambda a, y: np.mean((a - y) ** 2, axis=-1),
            lambda a, y: (2.0 / a.shape[-1]) * (a - y),
            "C = (1/n) Σᵢ (aᵢ − yᵢ)²",
            lambda a, ai, n: (f"C = (1/{n}) Σ_{{i}} ({ai} − y_{{i}})²", f"(2/{n}) ({a} − y)"),
        ),
        Loss(
            "cross_entropy",
            lambda a, y: -np.sum(_xlogy(y, a), axis=-1),
            lambda a, y: -_y_over(y, a),
            "C = −Σᵢ yᵢ log aᵢ",
            lambda a, ai, n: (f"C = −Σ_{{i}} y_{{i}} log {ai}", f"−y ⊘ {a}"),
        ),
        Loss(
            "binary_cross_entropy",
            _bce,
            _bce_grad,
            "C = −Σᵢ [yᵢ log aᵢ + (1 − yᵢ) log(1 − aᵢ)]",
            lambda a, ai, n: (
                f"C = −Σ_{{i}} [y_{{i}} log {ai} + (1 − y_{{i}}) log(1 − {ai})]",
                f"({a} − y) ⊘ ({a} ⊙ (1 − {a}))",
            ),
        ),
    )
}


def get_loss(name: str) -> Loss:
    """The loss called `name`; ValueError naming the known ones otherwise."""
    return lookup(LOSSES, name, "loss")


# -- the output stage ------------------------------------------------------------------------
# (output activation, loss) pairs computed from the logits.
PROBABILITY_OUTPUTS = ("softmax", "sigmoid")
FROM_LOGITS = frozenset(
    (act, loss) for act in PROBABILITY_OUTPUTS for loss in ("cross_entropy", "binary_cross_entropy")
)
# The pairs whose δᴸ is simply aᴸ − y (for y summing to 1 with softmax): the timeline
# shows them as one step instead of f′ ⊙ ∂C/∂aᴸ.
FUSED = frozenset({("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy")})


def from_logits(activation: str, loss: str) -> bool:
    """Whether C and δᴸ of this output layer are computed from zᴸ rather than aᴸ."""
    return (activation, loss) in FROM_LOGITS


def is_fused(activation: str, loss: str) -> bool:
    """Whether δᴸ = aᴸ − y for this output layer (softmax + cross-entropy, sigmoid + binary
    cross-entropy)."""
    return (activation, loss) in FUSED


def _softplus(z: Array) -> Array:
    return np.logaddexp(0.0, z)


def _log_softmax(z: Array) -> Array:
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _log_rest(z: Array) -> tuple[Array, Array]:
    """(log(1 − softmax(z)ᵢ) for each i, r) where r[…, i, k] = softmax(z)ₖ / (1 − softmax(z)ᵢ)
    for k ≠ i and 0 for k = i. Both come from the log-sum-exp of the other logits, so they
    stay exact when softmaxᵢ has rounded to 1 (1 − sᵢ would be 0)."""
    n = z.shape[-1]
    others = np.broadcast_to(z[..., None, :], (*z.shape, n)).copy()
    diagonal = np.arange(n)
    others[..., diagonal, diagonal] = -np.inf
    top = np.max(others, axis=-1, keepdims=True)  # −∞ only for a single output
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        lse_rest = top + np.log(np.sum(np.exp(others - top), axis=-1, keepdims=True))
    full = z - _log_softmax(z)  # log-sum-exp of all the logits, in every entry
    log_rest = lse_rest[..., 0] - full
    with np.errstate(invalid="ignore"):
        ratios = np.exp(others - lse_rest)  # exp(z_k − log Σ_{j≠i} e^{z_j}), 0 on the diagonal
    return log_rest, np.where(np.isfinite(lse_rest), ratios, 0.0)


def output_cost(activation: str, loss: str, z: Array, a: Array, y: Array) -> Array:
    """C per sample of an output layer with pre-activation z, activation a = f(z) and target
    y (one sample (n,) → a 0-d array, or rows (B, n) → (B,); leading axes are kept)."""
    if activation == "softmax" and loss == "cross_entropy":
        return -np.sum(y * _log_softmax(z), axis=-1)
    if activation == "sigmoid" and loss == "binary_cross_entropy":
        return np.sum(y * _softplus(-z) + (1.0 - y) * _softplus(z), axis=-1)
    if activation == "sigmoid" and loss == "cross_entropy":
        return np.sum(y * _softplus(-z), axis=-1)  # −y log σ(z) = y·softplus(−z)
    if activation == "softmax" and loss == "binary_cross_entropy":
        log_rest, _ = _log_rest(z)
        return -np.sum(y * _log_softmax(z) + _times(1.0 - y, log_rest), axis=-1)
    return LOSSES[loss].per_sample(a, y)


def output_delta(activation: str, loss: str, z: Array, a: Array, y: Array, dC_da: Array) -> Array:
    """δᴸ = ∂C/∂zᴸ of the same output layer; dC_da is `output_gradient(…)`."""
    if activation == "softmax" and loss == "cross_entropy":
        return a * np.sum(y, axis=-1, keepdims=True) - y  # = a − y when Σy = 1
    if activation == "sigmoid" and loss == "binary_cross_entropy":
        return a - y
    if activation == "sigmoid" and loss == "cross_entropy":
        # −y·σ(−z), not −y·(1 − a): 1 − a is 0 wherever σ(z) has rounded to 1.
        return -y * ACTIVATIONS["sigmoid"].f(-z)
    if activation == "softmax" and loss == "binary_cross_entropy":
        # ∂C/∂z_k = n·s_k − y_k − Σ_{i≠k} (1 − y_i)·s_k/(1 − s_i)
        _, ratios = _log_rest(z)
        miss = 1.0 - y
        return z.shape[-1] * a - y - np.sum(_times(miss[..., :, None], ratios), axis=-2)
    return ACTIVATIONS[activation].vjp(z, a, dC_da)


def output_gradient(activation: str, loss: str, z: Array, a: Array, y: Array) -> Array:
    """∂C/∂aᴸ, the gradient the timeline and the chain view start from. For outputs computed
    from the logits, 1/aᵢ and 1/(1 − aᵢ) are taken from zᴸ too (for a sigmoid 1 + e^∓z,
    for a softmax e^(−log sᵢ) and e^(−log(1 − sᵢ))): finite wherever the true value is,
    where 1/(1 − a) of a sigmoid output rounded to 1 (z > 37) would be ∞."""
    if activation == "sigmoid" and loss in ("cross_entropy", "binary_cross_entropy"):
        with np.errstate(over="ignore"):
            inv_a, inv_rest = 1.0 + np.exp(-z), 1.0 + np.exp(z)
    elif activation == "softmax" and loss in ("cross_entropy", "binary_cross_entropy"):
        with np.errstate(over="ignore"):
            inv_a = np.exp(-_log_softmax(z))
            inv_rest = np.exp(-_log_rest(z)[0]) if loss == "binary_cross_entropy" else None
    else:
        return LOSSES[loss].gradient(a, y)
    grad = -_times(y, inv_a)
    if loss == "binary_cross_entropy":
        grad = grad + _times(1.0 - y, inv_rest)
    return grad


def output_rounding(
    activation: str, loss: str, z: Array, a: Array, y: Array, dC_da: Array
) -> Array:
    """The output stage's share, per sample, of how far rounding moves C to first order
    (Σ |v·∂C/∂v| over the values it rounds): what the gradient check's noise floor adds
    for the last step from zᴸ to C."""
    if activation == "softmax" and loss == "cross_entropy":
        # log Σ exp(z − max z) ≥ 0 rounds by u in absolute terms however small C is; each
        # y·log-softmax term rounds too.
        return np.sum(np.abs(y) * (1.0 + np.abs(_log_softmax(z))), axis=-1)
    if activation == "sigmoid" and loss == "binary_cross_entropy":
        return np.sum(np.abs(y) * _softplus(-z) + np.abs(1.0 - y) * _softplus(z), axis=-1)
    if activation == "sigmoid" and loss == "cross_entropy":
        return np.sum(np.abs(y) * _softplus(-z), axis=-1)
    if activation == "softmax" and loss == "binary_cross_entropy":
        log_rest, _ = _log_rest(z)
        terms = np.abs(y) * (1.0 + np.abs(_log_softmax(z))) + _times(
            np.abs(1.0 - y), 1.0 + np.abs(log_rest)
        )
        return np.sum(terms, axis=-1)
    # Through aᴸ: each aᵢᴸ weighs |∂C/∂aᵢᴸ|, plus the loss's own sum.
    return np.sum(np.abs(a * dC_da), axis=-1) + np.abs(LOSSES[loss].per_sample(a, y))


def _times(w: Array, v: Array) -> Array:
    """w·v, and 0 where w = 0 even if v is infinite (a term with no weight adds nothing)."""
    with np.errstate(invalid="ignore"):
        return np.where(w == 0, 0.0, w * v)


def domain_problem(activation: str, loss: str, a: Array, y: Array, layer: int) -> str | None:
    """Why the loss of outputs `a` (one sample, or the first offending row of a batch) is
    not a number — a cross-entropy of an output that is not a probability — or None. Layer
    `layer` is the output layer's number, to name the value as in the equations."""
    if loss not in ("cross_entropy", "binary_cross_entropy") or from_logits(activation, loss):
        return None
    rows_a, rows_y = np.atleast_2d(a), np.atleast_2d(y)
    if loss == "cross_entropy":
        bad = (rows_y != 0) & ~(rows_a > 0)
        need = "above 0"
    else:
        bad = ((rows_y != 0) & ~(rows_a > 0)) | ((rows_y != 1) & ~(rows_a < 1))
        need = "between 0 and 1"
    if not np.any(bad):
        return None
    row, i = (int(k) for k in np.argwhere(bad)[0])
    name = f"a{sup(layer)}{sub(i + 1)}"
    where = f" (sample {row + 1})" if np.ndim(a) == 2 else ""
    return (
        f"{loss.replace('_', ' ')} needs outputs {need}, but the {activation} output gives "
        f"{name} = {format_number(rows_a[row, i])}{where}: use a softmax or sigmoid output layer"
    )
