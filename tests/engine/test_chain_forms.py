"""The chain view's maths: three multiplication orders, one answer, different costs."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visualizer.engine import backprop
from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.chain import (
    axis_value,
    chain_costs,
    chain_forms,
    cost_curve,
    network_costs,
    varied_shape,
)
from visualizer.engine.network import InitSpec, Sample, make_network
from visualizer.formats import load_network

DEFAULT_NETWORK = Path(__file__).parents[2] / "assets" / "networks" / "default.json"

EPS = 1e-6


def network_for(hidden: str, loss: str, seed: int = 0):
    """[3, 4, 4, 2] with `hidden` in both hidden layers and an output that suits the loss;
    softmax+cross_entropy and sigmoid+binary_cross_entropy are the fused cases."""
    output = {"cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}.get(loss, hidden)
    rng = np.random.default_rng(seed)
    y = {
        "cross_entropy": np.array([0.25, 0.75]),
        "binary_cross_entropy": np.array([1.0, 0.0]),
    }.get(loss, rng.normal(size=2))
    sample = Sample(rng.normal(size=3), y)
    init = InitSpec("uniform", seed=seed, low=-1.5, high=1.5)
    return make_network([3, 4, 4, 2], [hidden, hidden, output], loss, init=init, sample=sample)


def assert_same_vector(u: np.ndarray, v: np.ndarray) -> None:
    # Different summation orders: equal up to a few ulps of the largest term.
    scale = 1.0 + float(np.max(np.abs(v)))
    np.testing.assert_allclose(u, v, rtol=0, atol=1e-13 * scale)


CASES = [
    *itertools.product(ACTIVATIONS, ["half_squared_error", "cross_entropy"]),
    ("tanh", "binary_cross_entropy"),
    ("softmax", "mean_squared_error"),
]


@pytest.mark.parametrize(("hidden", "loss"), CASES)
def test_three_forms_agree_with_each_other_and_with_backprop(hidden: str, loss: str) -> None:
    network = network_for(hidden, loss)
    result = chain_forms(network)
    trace = backprop.run(network)
    assert result.derivative_row.shape == result.gradient.shape == (3,)
    assert_same_vector(result.derivative_row, trace.dx)
    assert_same_vector(result.derivative_full, trace.dx)
    assert_same_vector(result.gradient, trace.dx)
    assert result.max_difference < 1e-13 * (1.0 + np.max(np.abs(trace.dx)))
    np.testing.assert_array_equal(result.backprop_dx, trace.dx)


@settings(max_examples=30, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=5),
    activations=st.data(),
    seed=st.integers(0, 2**16),
)
def test_forms_agree_for_any_shape_and_activations(sizes, activations, seed) -> None:
    names = [activations.draw(st.sampled_from(list(ACTIVATIONS))) for _ in sizes[1:]]
    network = make_network(sizes, names, init=InitSpec("uniform", seed=seed))
    x = np.random.default_rng(seed).normal(size=sizes[0])
    y = np.zeros(sizes[-1])
    result = chain_forms(network, x, y)
    dx = backprop.run(network, x, y).dx
    for form in (result.derivative_row, result.derivative_full, result.gradient):
        assert_same_vector(form, dx)
    costs = network_costs(network)
    assert result.mults_derivative_row == result.mults_gradient == costs.loss_end
    assert result.mults_derivative_full == costs.input_end
    assert sum(s.dense_mults for s in result.steps_derivative_row) == costs.loss_end_dense
    assert sum(s.dense_mults for s in result.steps_derivative_full) == costs.input_end_dense
    # An independent count, factor by factor, from the closed form's definition.
    c = [n * n if name == "softmax" else n for n, name in zip(sizes[1:], names, strict=True)]
    w = [a * b for a, b in itertools.pairwise(sizes)]
    assert costs.loss_end == sum(c) + sum(w)
    assert costs.input_end == sizes[0] * (sum(c) + sum(w[1:]) + sizes[-1])


def test_fused_loss_chain_starts_at_the_plain_loss_derivative() -> None:
    """With softmax + cross-entropy backprop forms δᴸ = a − y directly; the chain still
    starts at ∂C/∂aᴸ = −y/a and goes through the full softmax Jacobian — same answer."""
    network = network_for("relu", "cross_entropy", seed=3)
    result = chain_forms(network)
    trace = backprop.run(network)
    np.testing.assert_array_equal(result.dC_da, trace.dC_da)
    np.testing.assert_allclose(result.dC_da, -trace.y / trace.output, rtol=1e-15)
    delta_row = result.steps_derivative_row[0]
    assert delta_row.name == "dC_dz3"
    np.testing.assert_allclose(delta_row.value[0], trace.output - trace.y, atol=1e-15)
    assert_same_vector(result.gradient, trace.dx)


def test_factors_are_named_in_the_order_of_the_derivative_form() -> None:
    result = chain_forms(network_for("tanh", "half_squared_error"))
    assert [f.name for f in result.factors] == [
        "dC_da3", "J_f3", "W3", "J_f2", "W2", "J_f1", "W1",
    ]  # fmt: skip
    assert [f.symbol for f in result.factors][:3] == ["∂C/∂a³", "J_f³", "W³"]
    assert result.factors[0].matrix.shape == (1, 2)  # a row vector
    assert [f.symbol for f in result.gradient_factors][:2] == ["(W¹)ᵀ", "(J_f¹)ᵀ"]
    assert result.gradient_factors[-1].matrix.shape == (2, 1)  # a column vector
    for row_factor, column_factor in zip(
        result.factors, reversed(result.gradient_factors), strict=True
    ):
        np.testing.assert_array_equal(row_factor.matrix.T, column_factor.matrix)


def test_intermediate_products_are_the_traces_deltas_and_gradients() -> None:
    network = network_for("sigmoid", "half_squared_error")
    result = chain_forms(network)
    trace = backprop.run(network)
    row = {step.name: step.value for step in result.steps_derivative_row}
    column = {step.name: step.value for step in result.steps_gradient}
    assert [s.name for s in result.steps_gradient] == [
        "delta3", "grad_a2", "delta2", "grad_a1", "delta1", "grad_x",
    ]  # fmt: skip
    for l in (1, 2, 3):
        np.testing.assert_allclose(column[f"delta{l}"][:, 0], trace.delta[l - 1], atol=1e-15)
        np.testing.assert_allclose(row[f"dC_dz{l}"][0], trace.delta[l - 1], atol=1e-15)
    np.testing.assert_allclose(row["dC_da1"][0], trace.grad_a[1], atol=1e-15)
    assert result.steps_gradient[0].expression == "(J_f³)ᵀ ∇_{a³}C"
    assert result.steps_derivative_row[0].expression == "∂C/∂a³ · J_f³"


def test_full_jacobian_matches_central_differences_of_the_output() -> None:
    network = network_for("tanh", "half_squared_error", seed=5)
    result = chain_forms(network)
    x = network.current_sample().x
    numeric = np.empty((2, 3))
    for j in range(3):
        up, down = x.copy(), x.copy()
        up[j] += EPS
        down[j] -= EPS
        y = network.current_sample().y
        out_up = backprop.run(network, up, y).output
        out_down = backprop.run(network, down, y).output
        numeric[:, j] = (out_up - out_down) / (up[j] - down[j])
    np.testing.assert_allclose(result.jacobian, numeric, rtol=1e-6, atol=1e-9)
    full = {step.name: step for step in result.steps_derivative_full}
    np.testing.assert_array_equal(full["da3_dx"].value, result.jacobian)


def test_multiplication_counts_for_a_small_network_by_hand() -> None:
    # sizes [2, 3, 1]: f¹′ (relu) and f²′ (sigmoid) are elementwise: applied as ⊙.
    # Row form, left to right:      ∂C/∂a² ⊙ f²′ = 1, (1×1)(1×3) = 3, ⊙ f¹′ = 3,
    #                               (1×3)(3×2) = 6                        → 13
    # Gradient form, right to left: the same products transposed          → 13
    # Full Jacobian, right to left: f¹′ ⊙ rows of W¹ (3×2) = 6, W²·(3×2) (1×3)(3×2) = 6,
    #                               f²′ ⊙ (1×2) = 2, ∂C/∂a² · (1×2) = 2    → 16
    # Written as dense matrices (J_f¹ is 3×3): 19 and 28.
    network = make_network([2, 3, 1], ["relu", "sigmoid"], sample=Sample([0.5, -0.5], [1.0]))
    result = chain_forms(network)
    assert [s.mults for s in result.steps_derivative_row] == [1, 3, 3, 6]
    assert [s.mults for s in result.steps_gradient] == [1, 3, 3, 6]
    assert [s.mults for s in result.steps_derivative_full] == [6, 6, 2, 2]
    assert [s.dense_mults for s in result.steps_derivative_row] == [1, 3, 9, 6]
    assert [s.dense_mults for s in result.steps_derivative_full] == [18, 6, 2, 2]
    assert (result.mults_derivative_row, result.mults_gradient) == (13, 13)
    assert result.mults_derivative_full == 16
    costs = chain_costs([2, 3, 1])
    assert (costs.loss_end, costs.input_end) == (13, 16)
    assert (costs.loss_end_dense, costs.input_end_dense) == (19, 28)
    assert result.costs == costs


def test_default_network_counts_backprop_as_the_app_animates_it() -> None:
    # [2, 4, 3, 2]: tanh, sigmoid, softmax. From the loss end: softmax's Jacobian is dense
    # (2·2) then W³ (2·3); f²′ ⊙ 3, W² 3·4; f¹′ ⊙ 4, W¹ 4·2 → 10 + 15 + 12 = 37.
    # From the input end (n⁰ = 2): 2·(4 + 3·4 + 3 + 2·3 + 2² + 2) = 62.
    network = load_network(DEFAULT_NETWORK)
    costs = network_costs(network)
    assert costs.full == (False, False, True)
    assert (costs.loss_end, costs.input_end) == (37, 62)
    assert (costs.loss_end_dense, costs.input_end_dense) == (55, 98)
    assert costs.ratio == pytest.approx(62 / 37)
    assert costs.loss_end_terms() == "(2² + 2·3) + (3 + 3·4) + (4 + 4·2)"
    assert costs.input_end_terms() == "2·(4 + 3·4 + 3 + 2·3 + 2² + 2)"
    assert eval_terms(costs.loss_end_terms()) == 37
    assert eval_terms(costs.input_end_terms()) == 62
    result = chain_forms(network)
    assert result.mults_derivative_row == result.mults_gradient == 37
    assert result.mults_derivative_full == 62
    assert [s.mults for s in result.steps_gradient] == [4, 6, 3, 12, 4, 8]


def eval_terms(text: str) -> int:
    """The value of a printed formula such as "2·(4 + 3²)", parsed by hand (never eval)."""
    tokens = re.findall(r"\d+²?|[()+·]", text.replace(" ", ""))
    position = 0

    def expr() -> int:
        nonlocal position
        total = term()
        while position < len(tokens) and tokens[position] == "+":
            position += 1
            total += term()
        return total

    def term() -> int:
        nonlocal position
        value = atom()
        while position < len(tokens) and tokens[position] == "·":
            position += 1
            value *= atom()
        return value

    def atom() -> int:
        nonlocal position
        token = tokens[position]
        position += 1
        if token == "(":
            value = expr()
            position += 1  # ")"
            return value
        return int(token[:-1]) ** 2 if token.endswith("²") else int(token)

    return expr()


@pytest.mark.parametrize(
    ("sizes", "activations", "loss_end", "input_end"),
    [
        # (cˡ + nˡ·nˡ⁻¹) per layer; n⁰·(Σ cˡ + Σₗ₌₂ nˡnˡ⁻¹ + nᴸ)
        ([4, 5, 5, 3], ["tanh"] * 3, (3 + 15) + (5 + 25) + (5 + 20), 4 * (5 + 25 + 5 + 15 + 3 + 3)),
        ([3, 4, 2], ["softmax", "softmax"], (4 + 8) + (16 + 12), 3 * (16 + 8 + 4 + 2)),
        ([5, 2], ["softmax"], 4 + 10, 5 * (4 + 2)),
        ([5, 2], ["relu"], 2 + 10, 5 * (2 + 2)),
        (
            [1, 6, 6, 6, 1],
            ["sigmoid"] * 4,
            (1 + 6) + (6 + 36) + (6 + 36) + (6 + 6),
            1 * ((6 + 6 + 6 + 1) + (36 + 36 + 6) + 1),
        ),
    ],
)
def test_costs_against_the_closed_forms(sizes, activations, loss_end, input_end) -> None:
    network = make_network(sizes, activations, init=InitSpec("uniform", seed=2))
    costs = network_costs(network)
    assert (costs.loss_end, costs.input_end) == (loss_end, input_end)
    result = chain_forms(network)
    assert result.mults_derivative_row == result.mults_gradient == loss_end
    assert result.mults_derivative_full == input_end
    assert eval_terms(costs.loss_end_terms()) == loss_end
    assert eval_terms(costs.input_end_terms()) == input_end


def test_the_elementwise_products_give_the_dense_products_numbers() -> None:
    network = network_for("tanh", "half_squared_error", seed=4)
    result = chain_forms(network)
    dense = [f.matrix for f in result.factors]
    row = dense[0]
    for factor, step in zip(dense[1:], result.steps_derivative_row, strict=True):
        row = row @ factor
        np.testing.assert_allclose(step.value, row, rtol=0, atol=1e-15)


def test_the_jacobian_of_a_vector_output_is_cheaper_from_the_input_when_outputs_outnumber_inputs():
    # [2, 3, 1] relu, sigmoid: from the output end c²·n¹ + n²·(c¹ + n¹n⁰) = 3 + 9 = 12;
    # from the input end n⁰·(c¹ + c² + n²n¹) = 2·(3 + 1 + 3) = 14: the full steps minus the
    # last one (∂C/∂a² applied).
    costs = chain_costs([2, 3, 1])
    assert (costs.jacobian_loss_end, costs.jacobian_input_end) == (12, 14)
    # With 40 outputs and 2 inputs the input end wins; with one output the loss end does.
    wide_out = chain_costs([2, 10, 40])
    assert wide_out.jacobian_input_end < wide_out.jacobian_loss_end
    assert wide_out.loss_end < wide_out.input_end  # C itself is still one number


@pytest.mark.parametrize("axis", ["input", "hidden", "depth", "output"])
def test_this_network_lies_exactly_on_every_cost_curve(axis: str) -> None:
    network = load_network(DEFAULT_NETWORK)
    costs = network_costs(network)
    here = axis_value(network.sizes, axis)
    xs = sorted({1, 2, 3, here, 7, 16})
    curve = cost_curve(network.sizes, costs.full, axis, xs)
    assert curve[xs.index(here)] == costs
    assert [c.loss_end for c in curve] == sorted(c.loss_end for c in curve)  # grows with x


def test_varied_shapes() -> None:
    sizes, full = [2, 4, 3, 2], [False, False, True]
    assert varied_shape(sizes, full, "hidden", 8) == ([2, 8, 6, 2], full)
    assert varied_shape(sizes, full, "hidden", 1) == ([2, 1, 1, 2], full)
    assert varied_shape(sizes, full, "depth", 1) == ([2, 2], [True])
    assert varied_shape(sizes, full, "depth", 5) == ([2, 4, 3, 3, 3, 2], [False] * 4 + [True])
    assert varied_shape(sizes, full, "output", 9) == ([2, 4, 3, 9], full)
    with pytest.raises(ValueError, match="unknown axis"):
        varied_shape(sizes, full, "sideways", 3)
    with pytest.raises(ValueError, match="no hidden layer"):
        varied_shape([2, 2], [False], "hidden", 3)


def test_vector_first_grows_like_width_squared_matrix_first_like_width_squared_times_inputs():
    small, wide = chain_costs([10, 50, 50, 1]), chain_costs([10, 100, 100, 1])
    assert small.loss_end < small.input_end and wide.loss_end < wide.input_end
    # Doubling the hidden width about quadruples both; the ratio stays ≈ n⁰ = 10.
    assert 3.5 < wide.loss_end / small.loss_end < 4.5
    assert 8 < wide.ratio < 11


def test_chain_costs_rejects_impossible_sizes() -> None:
    with pytest.raises(ValueError):
        chain_costs([3])
    with pytest.raises(ValueError):
        chain_costs([3, 0, 1])


def test_chain_is_for_one_sample() -> None:
    network = network_for("tanh", "half_squared_error")
    with pytest.raises(ValueError, match="one sample"):
        chain_forms(network, np.zeros((2, 3)), np.zeros((2, 2)))


def test_every_array_in_the_result_is_read_only() -> None:
    result = chain_forms(network_for("tanh", "half_squared_error"))
    arrays = [result.dC_da, result.derivative_row, result.derivative_full, result.gradient]
    arrays += [result.jacobian, result.backprop_dx]
    arrays += [f.matrix for f in (*result.factors, *result.gradient_factors)]
    steps = (*result.steps_derivative_row, *result.steps_derivative_full, *result.steps_gradient)
    arrays += [step.value for step in steps]
    assert not any(arr.flags.writeable for arr in arrays)
