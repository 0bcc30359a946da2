"""The chain rule as a product of matrices, multiplied three ways, for one sample.

The derivative of the scalar C with respect to x is a row vector:

    dC/dx = dC/daᴸ · J_fᴸ · Wᴸ · J_fᴸ⁻¹ · Wᴸ⁻¹ ⋯ J_f¹ · W¹

with J_fˡ = ∂aˡ/∂zˡ (diag f'(zˡ), or softmax's full matrix) and Wˡ = ∂zˡ/∂aˡ⁻¹. The gradient
∇ₓC is its transpose; transposing a product reverses its order and transposes each factor:

    ∇ₓC = (W¹)ᵀ (J_f¹)ᵀ ⋯ (Wᴸ)ᵀ (J_fᴸ)ᵀ ∇ₐC

Same entries, different bookkeeping. What does differ is the cost of the order of the
multiplications: starting from the loss end keeps a vector at every step (vector × matrix:
reverse mode, i.e. backprop), starting from the input end builds the full Jacobian daᴸ/dx
(matrix × matrix: forward accumulation). Every factor is counted as the dense matrix it is
written as, and a (p×m)·(m×n) product costs p·m·n scalar multiplications.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from visualizer.engine import backprop
from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.network import Network

Array = np.ndarray

_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


@dataclass(frozen=True, eq=False)
class Factor:
    """One matrix of a chain: `name` is ASCII ("J_f2", "W2", "dC_da2"), `symbol` is how the
    app writes it ("J_f²", "W²", "∂C/∂a²"). Vectors are 2-D: rows (1, n) in the derivative
    form, columns (n, 1) in the gradient form. `matrix` is read-only."""

    name: str
    symbol: str
    matrix: Array

    def __post_init__(self) -> None:
        object.__setattr__(self, "matrix", _frozen(self.matrix))


@dataclass(frozen=True, eq=False)
class Product:
    """One intermediate product, in the order computed: its value (2-D, like a Factor), the
    expression it was computed from, and the scalar multiplications that step cost."""

    name: str
    symbol: str
    expression: str
    value: Array
    mults: int


@dataclass(frozen=True, eq=False)
class ChainResult:
    """dC/dx of one sample computed three ways, with every step and its cost.

    `factors` is the derivative form left to right (∂C/∂aᴸ, J_fᴸ, Wᴸ, …, J_f¹, W¹) and
    `gradient_factors` the gradient form left to right ((W¹)ᵀ, (J_f¹)ᵀ, …, (Wᴸ)ᵀ, (J_fᴸ)ᵀ, ∇ₐC).
    The three results are 1-D (n⁰,): `derivative_row` (row vector × matrix, left to right),
    `derivative_full` (matrix × matrix, right to left, through `jacobian` = daᴸ/dx, then
    dC/daᴸ applied) and `gradient` (matrix × column vector, right to left). `backprop_dx`
    is `backprop.run`'s ∇ₓC for the same sample, for comparison.
    """

    sizes: tuple[int, ...]
    factors: tuple[Factor, ...]
    gradient_factors: tuple[Factor, ...]
    dC_da: Array
    derivative_row: Array
    derivative_full: Array
    gradient: Array
    jacobian: Array
    backprop_dx: Array
    steps_derivative_row: tuple[Product, ...]
    steps_derivative_full: tuple[Product, ...]
    steps_gradient: tuple[Product, ...]
    mults_derivative_row: int
    mults_derivative_full: int
    mults_gradient: int

    @property
    def max_difference(self) -> float:
        """The largest absolute difference between any two of the three results and
        backprop's ∇ₓC (rounding only, if the maths holds)."""
        results = (self.derivative_row, self.derivative_full, self.gradient, self.backprop_dx)
        return max(
            float(np.max(np.abs(u - v), initial=0.0)) for u, v in itertools.combinations(results, 2)
        )


def chain_costs(sizes: Sequence[int]) -> tuple[int, int]:
    """(vector-first cost, matrix-first cost): the scalar multiplications of dC/dx for layer
    sizes [n⁰, …, nᴸ], every factor dense.

    Vector first (the row form left to right, or the gradient form right to left — the
    same count) is Σₗ (nˡ·nˡ + nˡ·nˡ⁻¹): a vector meets each J_fˡ and each Wˡ once.
    Matrix first builds daᴸ/dx from W¹ outwards, a (nˡ × n⁰) matrix at each stage, then
    applies dC/daᴸ: Σₗ nˡ·nˡ·n⁰ + Σₗ₌₂..ᴸ nˡ·nˡ⁻¹·n⁰ + nᴸ·n⁰.
    """
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"need sizes [n0, ..., nL] with at least one layer, all ≥ 1: {sizes}")
    n0 = sizes[0]
    vector_first = sum(n * n + n * n_prev for n_prev, n in itertools.pairwise(sizes))
    matrix_first = sum(n * n * n0 for n in sizes[1:])
    matrix_first += sum(n * n_prev * n0 for n_prev, n in itertools.pairwise(sizes[1:]))
    matrix_first += sizes[-1] * n0
    return vector_first, matrix_first


def chain_forms(network: Network, x: Array | None = None, y: Array | None = None) -> ChainResult:
    """The three ways of multiplying out dC/dx for one sample x, y (default: the network's
    current sample). The chain starts at ∂C/∂aᴸ as `backprop.run` gives it (`trace.dC_da`),
    also when the loss is fused with the output activation, so all three equal
    `trace.dx` up to rounding (unless the loss clamps a probability at 0).

    The matrix-first order costs `chain_costs(network.sizes)[1]` multiplications, about
    n⁰ times the others: ask for that number first on a wide network."""
    trace = backprop.run(network, x, y)
    if trace.batched:
        raise ValueError(
            f"the chain is shown for one sample; got a batch x of shape {trace.x.shape}"
        )
    depth = network.depth
    jacobians = [
        ACTIVATIONS[layer.activation].jacobian(z)
        for layer, z in zip(network.layers, trace.z, strict=True)
    ]
    weights = [layer.weights for layer in network.layers]

    dC_da = Factor(f"dC_da{depth}", f"∂C/∂a{_sup(depth)}", trace.dC_da[np.newaxis, :])
    J = {l: Factor(f"J_f{l}", f"J_f{_sup(l)}", jacobians[l - 1]) for l in range(1, depth + 1)}
    W = {l: Factor(f"W{l}", f"W{_sup(l)}", weights[l - 1]) for l in range(1, depth + 1)}
    factors = [dC_da]
    for l in range(depth, 0, -1):
        factors += [J[l], W[l]]
    grad_a = Factor(f"grad_a{depth}", f"∇_{{a{_sup(depth)}}}C", trace.dC_da[:, np.newaxis])
    gradient_factors = []
    for l in range(1, depth + 1):
        gradient_factors += [_transposed(W[l]), _transposed(J[l])]  # (W¹)ᵀ (J_f¹)ᵀ … in order
    gradient_factors.append(grad_a)

    # (a) left to right, row vector × matrix: after J_fˡ the row is ∂C/∂zˡ (= δˡᵀ), after
    # Wˡ it is ∂C/∂aˡ⁻¹.
    row_steps: list[Product] = []
    row = dC_da
    for l in range(depth, 0, -1):
        row = _multiply(row_steps, row, J[l], f"dC_dz{l}", f"∂C/∂z{_sup(l)}")
        name, symbol = ("dC_dx", "∂C/∂x") if l == 1 else (f"dC_da{l - 1}", f"∂C/∂a{_sup(l - 1)}")
        row = _multiply(row_steps, row, W[l], name, symbol)

    # (b) right to left, matrix × matrix from W¹ = ∂z¹/∂x: after J_fˡ the matrix is ∂aˡ/∂x,
    # after Wˡ it is ∂zˡ/∂x; the full Jacobian daᴸ/dx is built before dC/daᴸ is applied.
    full_steps: list[Product] = []
    matrix = W[1]
    for l in range(1, depth + 1):
        if l > 1:
            matrix = _multiply(full_steps, W[l], matrix, f"dz{l}_dx", f"∂z{_sup(l)}/∂x")
        matrix = _multiply(full_steps, J[l], matrix, f"da{l}_dx", f"∂a{_sup(l)}/∂x")
    jacobian = matrix.matrix
    full = _multiply(full_steps, dC_da, matrix, "dC_dx", "∂C/∂x")

    # (c) right to left, matrix × column vector: after (J_fˡ)ᵀ the column is δˡ, after (Wˡ)ᵀ
    # it is the gradient with respect to aˡ⁻¹ — backprop's own order.
    gradient_steps: list[Product] = []
    column = grad_a
    for l in range(depth, 0, -1):
        JT, WT = _transposed(J[l]), _transposed(W[l])
        column = _multiply(gradient_steps, JT, column, f"delta{l}", f"δ{_sup(l)}", " ")
        if l == 1:
            name, symbol = "grad_x", "∇ₓC"
        else:
            name, symbol = f"grad_a{l - 1}", f"∇_{{a{_sup(l - 1)}}}C"
        column = _multiply(gradient_steps, WT, column, name, symbol, " ")

    return ChainResult(
        sizes=tuple(network.sizes),
        factors=tuple(factors),
        gradient_factors=tuple(gradient_factors),
        dC_da=_frozen(trace.dC_da),
        derivative_row=_frozen(row.matrix[0]),
        derivative_full=_frozen(full.matrix[0]),
        gradient=_frozen(column.matrix[:, 0]),
        jacobian=_frozen(jacobian),
        backprop_dx=_frozen(trace.dx),
        steps_derivative_row=tuple(row_steps),
        steps_derivative_full=tuple(full_steps),
        steps_gradient=tuple(gradient_steps),
        mults_derivative_row=sum(step.mults for step in row_steps),
        mults_derivative_full=sum(step.mults for step in full_steps),
        mults_gradient=sum(step.mults for step in gradient_steps),
    )


def _multiply(
    steps: list[Product], left: Factor, right: Factor, name: str, symbol: str, joiner: str = " · "
) -> Factor:
    """left · right as a dense product, recorded in `steps` with its cost p·m·n."""
    (p, m), n = left.matrix.shape, right.matrix.shape[1]
    value = _frozen(left.matrix @ right.matrix)
    steps.append(Product(name, symbol, left.symbol + joiner + right.symbol, value, p * m * n))
    return Factor(name, symbol, value)


def _transposed(factor: Factor) -> Factor:
    return Factor(factor.name + "T", f"({factor.symbol})ᵀ", factor.matrix.T)


def _sup(n: int) -> str:
    return str(n).translate(_SUPERSCRIPTS)


def _frozen(arr: Array) -> Array:
    """A read-only view (no copy: a factor may be a 4096 × 4096 weight matrix)."""
    view = np.asarray(arr, dtype=np.float64).view()
    view.setflags(write=False)
    return view
