"""The chain view's maths: three multiplication orders, one answer, different costs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visualizer.engine import backprop
from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.chain import chain_costs, chain_forms
from visualizer.engine.network import InitSpec, Sample, make_network

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
    reverse, forward = chain_costs(sizes)
    assert result.mults_derivative_row == result.mults_gradient == reverse
    assert result.mults_derivative_full == forward


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
    # sizes [2, 3, 1]: J_f¹ is 3×3, W¹ 3×2, J_f² 1×1, W² 1×3, ∂C/∂a² is 1×1.
    # Row form, left to right:      (1×1)(1×1) = 1, (1×1)(1×3) = 3, (1×3)(3×3) = 9,
    #                               (1×3)(3×2) = 6                        → 19
    # Gradient form, right to left: (1×1)(1×1) = 1, (3×1)(1×1) = 3, (3×3)(3×1) = 9,
    #                               (2×3)(3×1) = 6                        → 19
    # Full Jacobian, right to left: J_f¹W¹ (3×3)(3×2) = 18, W²·(3×2) (1×3)(3×2) = 6,
    #                               J_f²·(1×2) (1×1)(1×2) = 2, ∂C/∂a² · (1×2) = 2 → 28
    network = make_network([2, 3, 1], ["relu", "sigmoid"], sample=Sample([0.5, -0.5], [1.0]))
    result = chain_forms(network)
    assert [s.mults for s in result.steps_derivative_row] == [1, 3, 9, 6]
    assert [s.mults for s in result.steps_gradient] == [1, 3, 9, 6]
    assert [s.mults for s in result.steps_derivative_full] == [18, 6, 2, 2]
    assert (result.mults_derivative_row, result.mults_gradient) == (19, 19)
    assert result.mults_derivative_full == 28
    assert chain_costs([2, 3, 1]) == (19, 28)


def test_costs_of_a_wider_network_by_hand() -> None:
    # [4, 5, 5, 3]. Vector first: Σ (nˡ² + nˡ·nˡ⁻¹) = (25 + 20) + (25 + 25) + (9 + 15) = 119.
    # Matrix first (n⁰ = 4): J_f¹W¹ 5·5·4 = 100; W²· 5·5·4 = 100; J_f²· 5·5·4 = 100;
    # W³· 3·5·4 = 60; J_f³· 3·3·4 = 36; ∂C/∂a³ · 1·3·4 = 12            → 408.
    assert chain_costs([4, 5, 5, 3]) == (119, 408)
    network = make_network([4, 5, 5, 3], "tanh")
    result = chain_forms(network)
    assert [s.mults for s in result.steps_derivative_full] == [100, 100, 100, 60, 36, 12]


def test_vector_first_grows_like_width_squared_matrix_first_like_width_squared_times_inputs():
    small, wide = chain_costs([10, 50, 50, 1]), chain_costs([10, 100, 100, 1])
    assert small[0] < small[1] and wide[0] < wide[1]
    # Doubling the hidden width about quadruples both; the ratio stays ≈ n⁰ = 10.
    assert 3.5 < wide[0] / small[0] < 4.5
    assert 8 < wide[1] / wide[0] < 11


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
