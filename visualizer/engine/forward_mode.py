"""Forward-mode accumulation of dC/dx: carry the Jacobian ∂aˡ/∂x from the input end.

Reverse mode (backprop) starts at the loss with the vector ∂C/∂aᴸ and multiplies it by one
matrix per factor. Forward mode starts at the input with ∂x/∂x = I (n⁰ × n⁰) and carries a
whole matrix through every layer, left to right, next to the forward values:

    ∂z¹/∂x = W¹                          (W¹ · I: nothing to multiply)
    ∂zˡ/∂x = Wˡ ∂aˡ⁻¹/∂x                 nˡ × nˡ⁻¹ times nˡ⁻¹ × n⁰: nˡ·nˡ⁻¹·n⁰ multiplications
    ∂aˡ/∂x = fˡ′(zˡ) ⊙ ∂zˡ/∂x            each row i scaled by fˡ′(zˡᵢ): nˡ·n⁰ (⊙, elementwise f)
           = J_fˡ(zˡ) ∂zˡ/∂x             softmax's full Jacobian: nˡ·nˡ·n⁰
    dC/dx  = ∂C/∂aᴸ · ∂aᴸ/∂x             a row: nᴸ·n⁰

The result is the row dC/dx, whose transpose is reverse mode's ∇ₓC. Multiplications are
counted the way the chain view counts them: an elementwise f′ as ⊙, softmax's Jacobian as
a dense matrix, and the first W¹ · I as free. Pure NumPy, one sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.backprop import Trace
from visualizer.engine.network import Network

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class Tangents:
    """The matrices forward mode carries, for one sample.

    `dz_dx[l - 1]` is ∂zˡ/∂x and `da_dx[l]` is ∂aˡ/∂x (nˡ × n⁰; `da_dx[0]` is the identity
    ∂x/∂x); `dC_dx` the final row (n⁰,). `mults_dz[l - 1]`, `mults_da[l - 1]` and
    `mults_out` are the scalar multiplications each product took."""

    dz_dx: tuple[Array, ...]
    da_dx: tuple[Array, ...]
    dC_dx: Array
    mults_dz: tuple[int, ...]
    mults_da: tuple[int, ...]
    mults_out: int

    @property
    def mults(self) -> int:
        """All multiplications of forward mode, from ∂x/∂x to dC/dx."""
        return sum(self.mults_dz) + sum(self.mults_da) + self.mults_out


def activation_mults(activation: str, n: int, columns: int) -> int:
    """Multiplications of applying fˡ′ (n outputs) to a matrix of `columns` columns: ⊙ for
    an elementwise f (n·columns), the dense Jacobian for softmax (n·n·columns)."""
    return n * columns if ACTIVATIONS[activation].elementwise else n * n * columns


def reverse_mults(network: Network) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Per layer l = 1..L, the multiplications reverse mode spends on dC/dx: applying
    fˡ′ to the vector ∂C/∂aˡ (⊙: nˡ; softmax: nˡ·nˡ) and (Wˡ)ᵀ to δˡ (nˡ·nˡ⁻¹).
    ∂C/∂Wˡ is not part of dC/dx and is not counted."""
    sizes = network.sizes
    act = tuple(
        activation_mults(network.layer(l).activation, sizes[l], 1)
        for l in range(1, network.depth + 1)
    )
    transpose = tuple(sizes[l] * sizes[l - 1] for l in range(1, network.depth + 1))
    return act, transpose


def tangents(network: Network, trace: Trace) -> Tangents:
    """Forward mode on `trace`'s sample (its zˡ and ∂C/∂aᴸ; the trace of one sample).
    ValueError for a batch trace."""
    if trace.batched:
        raise ValueError("forward mode is shown for one sample (got a batch trace)")
    n0 = network.sizes[0]
    da: list[Array] = [np.eye(n0)]
    dz: list[Array] = []
    mults_dz: list[int] = []
    mults_da: list[int] = []
    for l, layer in enumerate(network.layers, start=1):
        n, n_prev = layer.weights.shape
        if l == 1:
            dz.append(np.array(layer.weights, dtype=np.float64))  # W¹ · I = W¹
            mults_dz.append(0)
        else:
            dz.append(layer.weights @ da[-1])
            mults_dz.append(n * n_prev * n0)
        act = ACTIVATIONS[layer.activation]
        z = trace.z[l - 1]
        if act.derivative is not None:
            da.append(act.derivative(z, trace.a[l])[:, np.newaxis] * dz[-1])
        else:
            da.append(act.jacobian(z) @ dz[-1])
        mults_da.append(activation_mults(layer.activation, n, n0))
    dC_dx = trace.dC_da @ da[-1]
    return Tangents(
        dz_dx=tuple(_frozen(m) for m in dz),
        da_dx=tuple(_frozen(m) for m in da),
        dC_dx=_frozen(dC_dx),
        mults_dz=tuple(mults_dz),
        mults_da=tuple(mults_da),
        mults_out=network.sizes[-1] * n0,
    )


def _frozen(arr: Array) -> Array:
    view = np.asarray(arr, dtype=np.float64).view()
    view.setflags(write=False)
    return view
