"""The chain rule as a product of matrices, multiplied three ways, for one sample.

The derivative of the scalar C with respect to x is a row vector:

    dC/dx = dC/daᴸ · J_fᴸ · Wᴸ · J_fᴸ⁻¹ · Wᴸ⁻¹ ⋯ J_f¹ · W¹

with J_fˡ = ∂aˡ/∂zˡ (diag f'(zˡ), or softmax's full matrix) and Wˡ = ∂zˡ/∂aˡ⁻¹. The gradient
∇ₓC is its transpose; transposing a product reverses its order and transposes each factor:

    ∇ₓC = (W¹)ᵀ (J_f¹)ᵀ ⋯ (Wᴸ)ᵀ (J_fᴸ)ᵀ ∇ₐC

Same entries, different bookkeeping. What does differ is the cost of the order of the
multiplications: starting from the loss end keeps a vector at every step (vector × matrix:
reverse mode, i.e. backprop), starting from the input end builds the full Jacobian daᴸ/dx
(matrix × matrix: forward accumulation). Each factor is counted the way it is applied: a
(p×m)·(m×n) product costs p·m·n scalar multiplications, but an elementwise fˡ′ — as a matrix
diag(fˡ′(zˡ)) — is applied as ⊙, one multiplication per entry it scales; only a full
Jacobian (softmax) is a matrix product. The all-dense count is kept as the alternative.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from visualizer.engine import backprop
from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.network import Network
from visualizer.notation import sup

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class Factor:
    """One matrix of a chain: `name` is ASCII ("J_f2", "W2", "dC_da2"), `symbol` is how the
    app writes it ("J_f²", "W²", "∂C/∂a²"). Vectors are 2-D: rows (1, n) in the derivative
    form, columns (n, 1) in the gradient form. `matrix` is read-only."""

    name: str
    symbol: str
    matrix: Array
    diagonal: bool = False  # an elementwise fˡ′: applied as ⊙, never as a matrix product

    def __post_init__(self) -> None:
        object.__setattr__(self, "matrix", _frozen(self.matrix))


@dataclass(frozen=True, eq=False)
class Product:
    """One intermediate product, in the order computed: its value (2-D, like a Factor), the
    expression it was computed from, the scalar multiplications that step cost as computed
    (a diagonal factor as ⊙) and what it would cost with every factor dense."""

    name: str
    symbol: str
    expression: str
    value: Array
    mults: int
    dense_mults: int


@dataclass(frozen=True, eq=False)
class ChainResult:
    """dC/dx of one sample computed three ways, with every step and its cost.

    `factors` is the derivative form left to right (∂C/∂aᴸ, J_fᴸ, Wᴸ, …, J_f¹, W¹) and
    `gradient_factors` the gradient form left to right ((W¹)ᵀ, (J_f¹)ᵀ, …, (Wᴸ)ᵀ, (J_fᴸ)ᵀ, ∇ₐC).
    The three results are 1-D (n₀,): `derivative_row` (row vector × matrix, left to right),
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
    costs: ChainCosts

    @property
    def max_difference(self) -> float:
        """The largest absolute difference between any two of the three results and
        backprop's ∇ₓC (rounding only, if the maths holds)."""
        results = (self.derivative_row, self.derivative_full, self.gradient, self.backprop_dx)
        return max(
            float(np.max(np.abs(u - v), initial=0.0)) for u, v in itertools.combinations(results, 2)
        )


COST_AXES = ("input", "hidden", "depth", "output")
"""What the cost plot can vary, each from this network's own shape (see `varied_shape`)."""


@dataclass(frozen=True)
class ChainCosts:
    """The scalar multiplications of dC/dx for one network shape, counted the way each
    order computes it: an elementwise fˡ′ is applied as ⊙ (nₗ multiplications per row or
    column it meets), a full Jacobian (softmax) as a dense matrix.

    - `loss_end`: from the loss end, a row vector × each factor (the row form left to right,
      or the gradient form right to left: backprop, the same count):
      Σₗ (cₗ + nₗ·nₗ₋₁), with cₗ = nₗ for ⊙ and nₗ² for a full Jacobian.
    - `input_end`: from the input end (forward accumulation), carrying the nₗ × n₀ Jacobian
      ∂aˡ/∂x from W¹ = ∂z¹/∂x on, then applying ∂C/∂aᴸ:
      n₀ · (Σₗ cₗ + Σₗ₌₂..L nₗ·nₗ₋₁ + n_L).
    - `*_dense`: the same two orders with every fˡ′ written as a dense nₗ × nₗ matrix (the
      labelled alternative: what a generic matrix product would cost).
    - `jacobian_*`: the full Jacobian ∂aᴸ/∂x, i.e. as if C were the vector aᴸ. From the
      output end it carries n_L rows, starting at J_fᴸ: c_L·n_L₋₁ + n_L·Σₗ₌₁..L₋₁ (cₗ + nₗ·nₗ₋₁);
      from the input end it is n₀ · (Σₗ cₗ + Σₗ₌₂..L nₗ·nₗ₋₁). Here the input end wins once
      n_L > n₀ — the one case where forward accumulation is the cheap order.
    """

    sizes: tuple[int, ...]
    full: tuple[bool, ...]  # per layer 1..L: fˡ′ is a full Jacobian (not elementwise)
    loss_end: int
    input_end: int
    loss_end_dense: int
    input_end_dense: int
    jacobian_loss_end: int
    jacobian_input_end: int

    @property
    def ratio(self) -> float:
        """How many times more the input end costs than the loss end."""
        return self.input_end / self.loss_end

    @property
    def dense_ratio(self) -> float:
        return self.input_end_dense / self.loss_end_dense

    def loss_end_terms(self) -> str:
        """The loss-end count with this network's widths, one bracket per layer from the
        loss end: "(2² + 2·3) + (3 + 3·4) + (4 + 4·2)"."""
        return " + ".join(
            f"({self._c(l)} + {self.sizes[l]}·{self.sizes[l - 1]})"
            for l in range(len(self.sizes) - 1, 0, -1)
        )

    def input_end_terms(self) -> str:
        """The input-end count with this network's widths:
        "2·(4 + 3·4 + 3 + 2·3 + 2² + 2)" (layer by layer from the input, then ∂C/∂aᴸ)."""
        n = self.sizes
        parts = [self._c(1)]
        for l in range(2, len(n)):
            parts += [f"{n[l]}·{n[l - 1]}", self._c(l)]
        parts.append(str(n[-1]))
        return f"{n[0]}·({' + '.join(parts)})"

    def _c(self, l: int) -> str:
        n = self.sizes[l]
        return f"{n}²" if self.full[l - 1] else str(n)


# Widths carry their layer as a subscript (n₀ … n_L): a superscript, n⁰, reads as a power.
LOSS_END_FORMULA = "Σₗ (cₗ + nₗ·nₗ₋₁)"
INPUT_END_FORMULA = "n₀ · (Σₗ cₗ + Σₗ₌₂..L nₗ·nₗ₋₁ + n_L)"
C_MEANING = "cₗ = nₗ for an elementwise fˡ′ (⊙), nₗ² for a full Jacobian (softmax)"


def chain_costs(sizes: Sequence[int], full: Sequence[bool] | None = None) -> ChainCosts:
    """The costs of dC/dx for layer widths [n₀, …, n_L]; `full[l-1]` says whether fˡ′ is a
    full Jacobian (softmax) rather than elementwise (default: every layer elementwise)."""
    n = [int(v) for v in sizes]
    if len(n) < 2 or min(n) < 1:
        raise ValueError(f"need sizes [n0, ..., nL] with at least one layer, all ≥ 1: {n}")
    depth = len(n) - 1
    full = tuple(bool(f) for f in (full if full is not None else [False] * depth))
    if len(full) != depth:
        raise ValueError(f"need one full/elementwise flag per layer ({depth}), got {len(full)}")
    c = [0] + [n[l] * n[l] if full[l - 1] else n[l] for l in range(1, depth + 1)]
    w = [0] + [n[l] * n[l - 1] for l in range(1, depth + 1)]  # Wˡ's entries
    sq = [0] + [n[l] * n[l] for l in range(1, depth + 1)]
    loss_end = sum(c[l] + w[l] for l in range(1, depth + 1))
    input_end = n[0] * (sum(c[1:]) + sum(w[2:]) + n[-1])
    loss_end_dense = sum(sq[l] + w[l] for l in range(1, depth + 1))
    input_end_dense = n[0] * (sum(sq[1:]) + sum(w[2:]) + n[-1])
    jacobian_input_end = n[0] * (sum(c[1:]) + sum(w[2:]))
    jacobian_loss_end = c[depth] * n[depth - 1] + n[depth] * sum(
        c[l] + w[l] for l in range(1, depth)
    )
    return ChainCosts(
        tuple(n), full, loss_end, input_end, loss_end_dense, input_end_dense,
        jacobian_loss_end, jacobian_input_end,
    )  # fmt: skip


def network_costs(network: Network) -> ChainCosts:
    """`chain_costs` for `network`'s widths and activations."""
    full = [not ACTIVATIONS[layer.activation].elementwise for layer in network.layers]
    return chain_costs(network.sizes, full)


def varied_shape(
    sizes: Sequence[int], full: Sequence[bool], axis: str, value: int
) -> tuple[list[int], list[bool]]:
    """This network's shape with one thing varied, so that the value it has now gives the
    network back exactly:

    - "input": n₀ = value;  "output": n_L = value;
    - "hidden": the widest hidden layer `value` wide, every other hidden layer scaled in
      proportion (rounded, at least 1);
    - "depth": `value` layers: the first value − 1 hidden layers (the last one repeated when
      there are more), then the output layer.
    """
    n, f = [int(v) for v in sizes], [bool(v) for v in full]
    value = int(value)
    if value < 1:
        raise ValueError(f"{axis}: need a value ≥ 1, got {value}")
    if axis == "input":
        return [value, *n[1:]], f
    if axis == "output":
        return [*n[:-1], value], f
    if axis == "hidden":
        hidden = n[1:-1]
        if not hidden:
            raise ValueError("hidden: this network has no hidden layer")
        widest = max(hidden)
        scaled = [max(1, round(h * value / widest)) for h in hidden]
        return [n[0], *scaled, n[-1]], f
    if axis == "depth":
        hidden, hidden_full = n[1:-1], f[:-1]
        if not hidden and value > 1:
            raise ValueError("depth: this network has no hidden layer to repeat")
        k = value - 1
        extra = max(0, k - len(hidden))
        hidden = hidden[:k] + hidden[-1:] * extra
        hidden_full = hidden_full[:k] + hidden_full[-1:] * extra
        return [n[0], *hidden, n[-1]], [*hidden_full, f[-1]]
    raise ValueError(f"unknown axis {axis!r} (known: {', '.join(COST_AXES)})")


def axis_value(sizes: Sequence[int], axis: str) -> int:
    """Where a network of widths `sizes` sits on `axis` (see `varied_shape`)."""
    if axis == "input":
        return int(sizes[0])
    if axis == "output":
        return int(sizes[-1])
    if axis == "hidden":
        return max(int(v) for v in sizes[1:-1])
    if axis == "depth":
        return len(sizes) - 1
    raise ValueError(f"unknown axis {axis!r} (known: {', '.join(COST_AXES)})")


def cost_curve(
    sizes: Sequence[int], full: Sequence[bool], axis: str, xs: Sequence[int]
) -> list[ChainCosts]:
    """`chain_costs` of `varied_shape(sizes, full, axis, x)` for each x in `xs`."""
    return [chain_costs(*varied_shape(sizes, full, axis, x)) for x in xs]


def chain_forms(network: Network, x: Array | None = None, y: Array | None = None) -> ChainResult:
    """The three ways of multiplying out dC/dx for one sample x, y (default: the network's
    current sample). The chain starts at ∂C/∂aᴸ as `backprop.run` gives it (`trace.dC_da`),
    also when the loss is fused with the output activation, so all three equal
    `trace.dx` up to rounding (unless the loss clamps a probability at 0).

    An elementwise fˡ′ is applied as ⊙ and counted so; the step counts add up to
    `network_costs(network)` (`loss_end` for the row and gradient forms, `input_end` for
    the matrix-first one, which is about n₀ times more: ask for it first on a wide
    network)."""
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

    dC_da = Factor(f"dC_da{depth}", f"∂C/∂a{sup(depth)}", trace.dC_da[np.newaxis, :])
    J = {
        l: Factor(f"J_f{l}", f"J_f{sup(l)}", jacobians[l - 1], diagonal)
        for l, diagonal in enumerate(
            (ACTIVATIONS[layer.activation].elementwise for layer in network.layers), start=1
        )
    }
    W = {l: Factor(f"W{l}", f"W{sup(l)}", weights[l - 1]) for l in range(1, depth + 1)}
    factors = [dC_da]
    for l in range(depth, 0, -1):
        factors += [J[l], W[l]]
    grad_a = Factor(f"grad_a{depth}", f"∇_{{a{sup(depth)}}}C", trace.dC_da[:, np.newaxis])
    gradient_factors = []
    for l in range(1, depth + 1):
        gradient_factors += [_transposed(W[l]), _transposed(J[l])]  # (W¹)ᵀ (J_f¹)ᵀ … in order
    gradient_factors.append(grad_a)

    # (a) left to right, row vector × matrix: after J_fˡ the row is ∂C/∂zˡ (= δˡᵀ), after
    # Wˡ it is ∂C/∂aˡ⁻¹.
    row_steps: list[Product] = []
    row = dC_da
    for l in range(depth, 0, -1):
        row = _multiply(row_steps, row, J[l], f"dC_dz{l}", f"∂C/∂z{sup(l)}")
        name, symbol = ("dC_dx", "∂C/∂x") if l == 1 else (f"dC_da{l - 1}", f"∂C/∂a{sup(l - 1)}")
        row = _multiply(row_steps, row, W[l], name, symbol)

    # (b) right to left, matrix × matrix from W¹ = ∂z¹/∂x: after J_fˡ the matrix is ∂aˡ/∂x,
    # after Wˡ it is ∂zˡ/∂x; the full Jacobian daᴸ/dx is built before dC/daᴸ is applied.
    full_steps: list[Product] = []
    matrix = W[1]
    for l in range(1, depth + 1):
        if l > 1:
            matrix = _multiply(full_steps, W[l], matrix, f"dz{l}_dx", f"∂z{sup(l)}/∂x")
        matrix = _multiply(full_steps, J[l], matrix, f"da{l}_dx", f"∂a{sup(l)}/∂x")
    jacobian = matrix.matrix
    full = _multiply(full_steps, dC_da, matrix, "dC_dx", "∂C/∂x")

    # (c) right to left, matrix × column vector: after (J_fˡ)ᵀ the column is δˡ, after (Wˡ)ᵀ
    # it is the gradient with respect to aˡ⁻¹ — backprop's own order.
    gradient_steps: list[Product] = []
    column = grad_a
    for l in range(depth, 0, -1):
        JT, WT = _transposed(J[l]), _transposed(W[l])
        column = _multiply(gradient_steps, JT, column, f"delta{l}", f"δ{sup(l)}", " ")
        if l == 1:
            name, symbol = "grad_x", "∇ₓC"
        else:
            name, symbol = f"grad_a{l - 1}", f"∇_{{a{sup(l - 1)}}}C"
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
        costs=network_costs(network),
    )


def _multiply(
    steps: list[Product], left: Factor, right: Factor, name: str, symbol: str, joiner: str = " · "
) -> Factor:
    """left · right, recorded in `steps` with its cost: p·m·n for a dense product, one
    multiplication per entry of the other operand when a side is a diagonal fˡ′ (⊙)."""
    (p, m), n = left.matrix.shape, right.matrix.shape[1]
    if left.diagonal:  # scales the rows of `right`
        value = np.diagonal(left.matrix)[:, np.newaxis] * right.matrix
        mults = m * n
    elif right.diagonal:  # scales the columns of `left`
        value = left.matrix * np.diagonal(right.matrix)[np.newaxis, :]
        mults = p * m
    else:
        value, mults = left.matrix @ right.matrix, p * m * n
    steps.append(
        Product(name, symbol, left.symbol + joiner + right.symbol, _frozen(value), mults, p * m * n)
    )
    return Factor(name, symbol, value)


def _transposed(factor: Factor) -> Factor:
    return Factor(factor.name + "T", f"({factor.symbol})ᵀ", factor.matrix.T, factor.diagonal)


def _frozen(arr: Array) -> Array:
    """A read-only view (no copy: a factor may be a 4096 × 4096 weight matrix)."""
    view = np.asarray(arr, dtype=np.float64).view()
    view.setflags(write=False)
    return view
