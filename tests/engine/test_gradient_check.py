"""gradient_check: correct gradients read far under 1e-6, wrong ones far over it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from visualizer.engine import backprop, gradcheck
from visualizer.engine.gradcheck import CheckRow, check_passes, gradient_check
from visualizer.engine.losses import output_cost
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


def test_the_stacked_pass_the_check_nudges_gives_runs_loss_bit_for_bit() -> None:
    # The check evaluates C on a stack of nudged copies with backprop.forward and the
    # output stage; un-nudged, that must be run's C exactly, or the differences would
    # measure the two code paths instead of the gradient.
    for network in example_networks().values():
        sample = network.current_sample()
        trace = backprop.run(network, sample.x, sample.y)
        out = network.layers[-1].activation
        for l in range(1, network.depth + 1):
            stack = trace.z[l - 1][np.newaxis, :]  # a stack of one un-nudged copy
            z, a = backprop.forward(network, stack, start=l)
            costs = output_cost(out, network.loss, z[-1], a[-1], sample.y)
            assert costs.tolist() == [trace.loss]


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


# -- fast mode: random directions and sampled entries ------------------------------------------
def wide_network() -> Network:
    """5,886 parameters: big enough that 16 sampled entries are a small part of each array."""
    rng = np.random.default_rng(11)
    sample = Sample(rng.normal(size=30), rng.uniform(size=6))
    return make_network([30, 60, 60, 6], ["tanh", "tanh", "sigmoid"], sample=sample)


def test_fast_mode_passes_correct_gradients_and_says_what_it_checked() -> None:
    rows = gradient_check(wide_network(), mode="fast", seed=4)
    assert [row.name for row in rows] == ["W1", "b1", "W2", "b2", "W3", "b3", "x"]
    assert max_rel(rows) < 1e-7 and check_passes(rows, 1e-6)
    for row in rows:
        assert row.fast and row.seed == 4 and len(row.direction_errors) == 4
        assert row.entries_checked == min(16, row.analytic.size)
        unchecked = ~row.checked
        assert np.all(np.isnan(row.numeric[unchecked])) and not np.any(
            np.isnan(row.numeric[row.checked])
        )
    text = gradcheck.describe_mode(rows)
    assert text.startswith("fast check: 4 random directions per array and 102 of 5,916 entries")
    assert text.endswith("(seed 4)")
    assert gradcheck.describe_mode(gradient_check(example_networks()["sigmoid-2-3-3-2"])) == (
        "full check: every entry (31 in all)"
    )


def test_fast_mode_sampled_entries_equal_the_full_checks() -> None:
    network = wide_network()
    full = {row.name: row for row in gradient_check(network)}
    for row in gradient_check(network, mode="fast", seed=9):
        # The same quotients; only BLAS's summation order differs with the stack's height.
        picked = full[row.name].numeric[row.checked]
        np.testing.assert_allclose(row.numeric[row.checked], picked, rtol=1e-6, atol=1e-12)


def test_fast_mode_repeats_with_its_seed_and_varies_without() -> None:
    network = wide_network()
    a, b = (
        gradient_check(network, mode="fast", seed=1),
        gradient_check(network, mode="fast", seed=1),
    )
    for ra, rb in zip(a, b, strict=True):
        assert ra.direction_errors == rb.direction_errors
        np.testing.assert_array_equal(ra.checked, rb.checked)
    seeds = {gradient_check(network, mode="fast")[0].seed for _ in range(3)}
    assert len(seeds) == 3


def test_auto_mode_goes_fast_only_above_the_stated_size(monkeypatch: pytest.MonkeyPatch) -> None:
    network = wide_network()
    assert gradcheck.choose_mode(network) == "full"  # 5,886 ≤ FAST_ABOVE
    monkeypatch.setattr(gradcheck, "FAST_ABOVE", network.parameter_count - 1)
    assert gradcheck.choose_mode(network) == "fast"
    assert gradient_check(network, mode="auto")[0].fast
    assert not gradient_check(network, mode="full")[0].fast
    with pytest.raises(ValueError, match="mode must be one of"):
        gradient_check(network, mode="quick")


@pytest.mark.parametrize("trial", range(40))
def test_fast_mode_catches_one_entry_off_by_a_millionth(
    trial: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One entry, anywhere, of one array, off by 1e-6 relative to the array's gradient
    (its largest entry, or the noise floor when larger, as the full check reads entries):
    every ±1 direction moves by exactly that error, so the check reads it as 1e-6 whatever
    the seed and whichever entry. A tolerance of 5e-7 must catch it every time, while the
    correct gradient passes at that tolerance."""
    network = wide_network()
    rng = np.random.default_rng(100 + trial)
    names = ["W1", "b1", "W2", "b2", "W3", "b3"]
    target = int(rng.integers(len(names)))
    clean = gradient_check(network, mode="fast", seed=trial)
    assert check_passes(clean, 5e-7)

    def change(net: Network, t: backprop.Trace) -> backprop.Trace:
        arrays = list(t.dW if target % 2 == 0 else t.db)
        layer = target // 2
        wrong = arrays[layer].copy()
        flat = wrong.reshape(-1)
        scale = max(np.max(np.abs(wrong)), gradcheck.noise_floor(net, t, gradcheck.DEFAULT_EPS))
        flat[rng.integers(flat.size)] += 1e-6 * scale * rng.choice([-1, 1])
        arrays[layer] = wrong
        field = "dW" if target % 2 == 0 else "db"
        return dataclasses.replace(t, **{field: tuple(arrays)})

    corrupt(monkeypatch, change)
    rows = gradient_check(network, mode="fast", seed=trial)
    assert [row.name for row in rows if not row.passes(5e-7)] == [names[target]]
    assert 0.9e-6 < rows[target].max_rel < 1.1e-6


def test_fast_mode_fails_a_missing_derivative_and_an_overflow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    network = wide_network()
    corrupt(
        monkeypatch, lambda net, t: dataclasses.replace(t, dW=(t.dW[0], t.dW[1] * 1.01, t.dW[2]))
    )
    rows = gradient_check(network, mode="fast")
    assert [row.name for row in rows if not row.passes(1e-6)] == ["W2"]
    monkeypatch.undo()
    huge = Layer([[1e200]], [0.0], "identity")
    with np.errstate(over="ignore", invalid="ignore"):
        rows = gradient_check(
            Network(1, (huge, huge), "half_squared_error"), [1.0], [0.0], mode="fast"
        )
    assert not check_passes(rows, 1e-6)


def test_a_sampled_row_holds_what_a_row_over_whole_nan_arrays_holds() -> None:
    """The fast check computes its rows at the sampled entries only; over the whole arrays,
    with NaN at every other entry, `_row` gives the same numbers bit for bit."""
    rng = np.random.default_rng(5)
    for shape in [(7, 9), (13,), (1, 1)]:
        analytic = rng.normal(size=shape) * 10.0 ** rng.integers(-12, 3, size=shape)
        size = analytic.size
        index = np.sort(rng.choice(size, size=min(5, size), replace=False))
        values = analytic.ravel()[index] * (1 + rng.normal(size=index.size) * 1e-6)
        values[0] = 0.0  # an entry whose numeric gradient reads exactly zero
        for floor in (1e-300, 1e-3):
            numeric = np.full(size, np.nan)
            numeric[index] = values
            whole = gradcheck._row("W1", analytic, numeric.reshape(shape), floor)
            sampled = gradcheck._sampled_row("W1", analytic.copy(), index, values, floor)
            for field in ("analytic", "numeric", "abs_error", "rel_error"):
                a, b = getattr(whole, field), getattr(sampled, field)
                assert a.shape == b.shape == shape and not b.flags.writeable
                assert np.array_equal(np.isnan(a), np.isnan(b)), field
                assert a[~np.isnan(a)].tobytes() == b[~np.isnan(b)].tobytes(), field
            assert sampled.max_rel == float(np.max(whole.rel_error.ravel()[index]))
            assert sampled.max_abs == float(np.max(whole.abs_error.ravel()[index]))
            assert np.flatnonzero(sampled.checked).tolist() == index.tolist()
