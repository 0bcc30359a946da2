"""gradient_check: correct gradients read far under 1e-6, wrong ones far over it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from visualizer.engine import backprop, gradcheck
from visualizer.engine.gradcheck import CheckRow, check_passes, gradient_check
from visualizer.engine.network import Dataset, InitSpec, Layer, Network, Sample, make_network
from visualizer.formats.network_file import load_network

ASSETS = sorted((Path(__file__).parents[2] / "assets" / "networks").glob("*.json"))
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def example_networks() -> dict[str, Network]:
    """Small networks like the app's examples, built here so this file does not depend on
    the asset files (those are checked too, below)."""
    return {
        "sigmoid-2-3-3-2": make_network(
            [2, 3, 3, 2], "sigmoid", init=InitSpec("uniform", seed=1), sample=Sample([1, 0], [1, 0])
        ),
        "xor-tanh-sigmoid-bce": make_network(
            [2, 4, 1], ["tanh", "sigmoid"], "binary_cross_entropy", dataset=Dataset(XOR_X, XOR_Y)
        ),
        "relu-softmax-ce": make_network(
            [4, 8, 3],
            ["relu", "softmax"],
            "cross_entropy",
            init=InitSpec("he_normal", seed=2),
            sample=Sample([0.5, -1.0, 2.0, 0.1], [0, 0, 1]),
        ),
        "softmax-hidden-mse": make_network(
            [3, 4, 2],
            ["softmax", "identity"],
            "mean_squared_error",
            init=InitSpec("uniform", seed=3),
            sample=Sample([0.3, -0.7, 1.1], [0.5, -0.5]),
        ),
    }


def max_rel(rows: list[CheckRow]) -> float:
    return max(row.max_rel for row in rows)


@pytest.mark.parametrize("name", list(example_networks()))
def test_correct_gradients_read_far_under_one_in_a_million(name: str) -> None:
    network = example_networks()[name]
    rows = gradient_check(network)
    assert max_rel(rows) < 1e-7
    assert check_passes(rows, 1e-6)


@pytest.mark.parametrize("path", ASSETS, ids=lambda p: p.stem)
def test_example_network_files_pass_on_their_sample_and_data_set(path: Path) -> None:
    network = load_network(path)
    assert max_rel(gradient_check(network)) < 1e-7
    if network.dataset is not None:
        assert max_rel(gradient_check(network, network.dataset.x, network.dataset.y)) < 1e-7


def test_there_are_example_files_to_check() -> None:
    assert len(ASSETS) >= 2


def test_rows_come_in_layer_order_with_the_arrays_shapes() -> None:
    network = example_networks()["sigmoid-2-3-3-2"]
    rows = gradient_check(network)
    assert [row.name for row in rows] == ["W1", "b1", "W2", "b2", "W3", "b3", "x"]
    assert [row.shape for row in rows] == [(3, 2), (3,), (3, 3), (3,), (2, 3), (2,), (2,)]
    trace = backprop.run(network)
    np.testing.assert_array_equal(rows[2].analytic, trace.dW[1])
    np.testing.assert_array_equal(rows[-1].analytic, trace.dx)
    for row in rows:
        np.testing.assert_array_equal(row.abs_error, np.abs(row.analytic - row.numeric))
        assert row.max_abs == np.max(row.abs_error) and row.max_rel == np.max(row.rel_error)
        assert not row.analytic.flags.writeable and not row.rel_error.flags.writeable


def test_batch_check_compares_the_mean_loss() -> None:
    network = example_networks()["xor-tanh-sigmoid-bce"]
    rows = gradient_check(network, XOR_X, XOR_Y)
    trace = backprop.run(network, XOR_X, XOR_Y)
    by_name = {row.name: row for row in rows}
    np.testing.assert_array_equal(by_name["W1"].analytic, trace.dW[0])
    # ∂(mean C)/∂X: each sample's own ∇ₓCᵢ divided by the batch size.
    np.testing.assert_array_equal(by_name["x"].analytic, trace.dx / 4)
    assert by_name["x"].shape == (4, 2)
    assert max_rel(rows) < 1e-7


def test_numeric_gradient_is_a_real_difference_quotient() -> None:
    """Against an independent hand-rolled difference on one entry."""
    network = example_networks()["relu-softmax-ce"]
    rows = gradient_check(network, eps=1e-5)
    layer = network.layer(2)
    nudged = []
    for sign in (1, -1):
        w = layer.weights.copy()
        w[1, 3] += sign * 1e-5
        net = network.replace(layers=(network.layer(1), Layer(w, layer.biases, "softmax")))
        nudged.append(backprop.run(net).loss)
    expected = (nudged[0] - nudged[1]) / 2e-5
    assert rows[2].numeric[1, 3] == pytest.approx(expected, rel=1e-6)


def test_forward_helper_loss_equals_run_loss_bit_for_bit() -> None:
    for network in example_networks().values():
        for x, y in [(network.current_sample().x, network.current_sample().y)]:
            trace = backprop.run(network, x, y)
            model = gradcheck._Model(network)
            z = trace.z[0][np.newaxis, :]
            assert float(model.losses_from(0, z, y)[0]) == trace.loss


# -- wrong gradients must fail ----------------------------------------------------------------
def corrupt(monkeypatch: pytest.MonkeyPatch, change) -> None:
    """Make the check see a trace altered by `change(network, trace) -> Trace`."""
    real_run = backprop.run

    def run(network, x=None, y=None):
        return change(network, real_run(network, x, y))

    monkeypatch.setattr(gradcheck.backprop, "run", run)


def test_a_sign_flip_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    corrupt(monkeypatch, lambda net, t: dataclasses.replace(t, dW=(t.dW[0], -t.dW[1], t.dW[2])))
    rows = gradient_check(example_networks()["sigmoid-2-3-3-2"])
    by_name = {row.name: row for row in rows}
    assert by_name["W2"].max_rel > 1e-2
    assert by_name["W1"].max_rel < 1e-7
    assert not check_passes(rows, 1e-6)


def test_a_missing_transpose_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """∇ₓC = (W¹)ᵀ δ¹ computed as W¹ δ¹ (square W¹, so the shapes do not give it away)."""
    network = make_network([3, 3, 2], "tanh", init=InitSpec("uniform", seed=8))
    w1 = network.layer(1).weights
    assert not np.allclose(w1, w1.T)

    def forget_transpose(net, trace):
        grad_a = (w1 @ trace.delta[0], *trace.grad_a[1:])
        return dataclasses.replace(trace, grad_a=grad_a)

    corrupt(monkeypatch, forget_transpose)
    rows = gradient_check(network)
    assert rows[-1].name == "x" and rows[-1].max_rel > 1e-2
    assert not check_passes(rows, 1e-6)


def test_a_missing_activation_derivative_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """δ¹ = (W²)ᵀ δ² without the f'(z¹) factor."""
    network = example_networks()["xor-tanh-sigmoid-bce"]

    def forget_derivative(net, trace):
        delta1 = trace.delta[1] @ net.layer(2).weights
        dW = (np.outer(delta1, trace.a[0]), trace.dW[1])
        return dataclasses.replace(trace, dW=dW)

    corrupt(monkeypatch, forget_derivative)
    rows = gradient_check(network, np.array([1.0, 0.5]), np.array([1.0]))  # x ≠ 0: dW¹ ≠ 0
    assert rows[0].max_rel > 1e-2


def test_a_small_error_in_a_small_entry_still_shows() -> None:
    """The floor does not hide an error of 1e-5 relative to the gradient's largest entry."""
    network = example_networks()["relu-softmax-ce"]
    rows = gradient_check(network)
    scale = max(float(np.max(np.abs(row.analytic))) for row in rows)
    floor = gradcheck.noise_floor(network, backprop.run(network), gradcheck.DEFAULT_EPS)
    assert floor < 10 * scale  # the floor is of the gradients' order, not far above
    wrong = rows[0].analytic.copy()
    wrong[0, 0] += 1e-5 * scale
    error = abs(wrong[0, 0] - rows[0].numeric[0, 0])
    assert error / max(abs(wrong[0, 0]), abs(rows[0].numeric[0, 0]), floor) > 1e-6


# -- tiny and zero gradients -------------------------------------------------------------------
def test_dead_relu_units_give_zero_not_nan_relative_error() -> None:
    # Hidden unit 2 has z < 0 whatever x is: its weights get exactly zero gradient.
    w1 = np.array([[1.0, 0.5], [-1.0, -1.0]])
    network = Network(
        2,
        (Layer(w1, [0.1, -5.0], "relu"), Layer([[0.7, 0.3]], [0.0], "identity")),
        "half_squared_error",
    )
    rows = gradient_check(network, np.array([0.5, 0.2]), np.array([1.0]))
    np.testing.assert_array_equal(rows[0].analytic[1], [0.0, 0.0])
    assert all(np.all(np.isfinite(row.rel_error)) for row in rows)
    assert max_rel(rows) < 1e-7


def test_saturated_and_perfectly_fitted_networks_still_pass() -> None:
    saturated = make_network([2, 3, 1], "sigmoid", init=InitSpec("uniform", seed=1))
    last = saturated.layer(2)
    saturated = saturated.replace(
        layers=(saturated.layer(1), Layer(last.weights, last.biases - 40.0, "sigmoid"))
    )
    assert max_rel(gradient_check(saturated, np.array([0.5, 0.5]), np.array([1.0]))) < 1e-7

    fitted = make_network([2, 3, 3], ["tanh", "softmax"], "cross_entropy")
    last = fitted.layer(2)
    confident = Layer(last.weights, last.biases + np.array([12.0, 0, 0]), "softmax")
    fitted = fitted.replace(layers=(fitted.layer(1), confident))
    trace = backprop.run(fitted, np.array([0.3, -0.2]), np.array([1.0, 0, 0]))
    assert trace.loss < 1e-4  # gradients of order 1e-5: tiny next to the rounding of log Σ e^z
    assert max_rel(gradient_check(fitted, np.array([0.3, -0.2]), np.array([1.0, 0, 0]))) < 1e-7

    zero = make_network([2, 3, 1], ["tanh", "identity"], init=InitSpec("zeros"))
    rows = gradient_check(zero, np.array([0.5, 0.5]), np.array([0.0]))  # C = 0, every ∂ = 0
    assert max_rel(rows) == 0.0


# -- inputs ------------------------------------------------------------------------------------
def test_the_network_is_left_untouched() -> None:
    network = example_networks()["xor-tanh-sigmoid-bce"]
    copy = network.replace()
    gradient_check(network, XOR_X, XOR_Y)
    assert network == copy
    assert all(not layer.weights.flags.writeable for layer in network.layers)


def test_check_passes_fails_on_nan_and_checks_rtol() -> None:
    rows = gradient_check(example_networks()["sigmoid-2-3-3-2"])
    nan_row = dataclasses.replace(rows[0], max_rel=float("nan"))
    assert not check_passes([nan_row], 1e-6)
    worst = max_rel(rows)
    assert worst > 0.0  # rounding noise, at least
    assert check_passes(rows, worst) and not check_passes(rows, worst / 2)
    with pytest.raises(ValueError, match="rtol"):
        check_passes(rows, float("nan"))


@pytest.mark.parametrize("eps", [0.0, -1e-6, float("nan"), float("inf")])
def test_eps_must_be_positive_and_finite(eps: float) -> None:
    with pytest.raises(ValueError, match="eps"):
        gradient_check(example_networks()["sigmoid-2-3-3-2"], eps=eps)


def test_an_overflowing_network_does_not_pass() -> None:
    """inf/NaN gradients must read as failures, never as a zero error."""
    huge = Layer([[1e200]], [0.0], "identity")
    network = Network(1, (huge, huge), "half_squared_error")
    with np.errstate(over="ignore", invalid="ignore"):
        rows = gradient_check(network, np.array([1.0]), np.array([0.0]))
    assert not check_passes(rows, 1e-6)
