"""backprop.run's gradients against central finite differences of its own loss, for every
activation × loss, plus the batch and fused-output contracts.

The numeric side rebuilds the network with one entry nudged (Layer / network.replace) and
reads `run(...).loss`, so it shares no code with the backward pass.

Domain restrictions (where a loss is not differentiable or not defined):
- relu / leaky_relu have a kink at z = 0: examples with any |z| < 1e-3 are discarded, so a
  nudge of 1e-6 never crosses it.
- cross_entropy needs aᴸ > 0 and y on the simplex; binary_cross_entropy needs aᴸ in (0, 1)
  and y in [0, 1]. The output layer's biases are chosen so that zᴸ lands in an interval
  where the output activation gives such values (`OUTPUT_Z` below); softmax and sigmoid
  outputs qualify everywhere.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from visualizer.engine import backprop
from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.losses import LOSSES
from visualizer.engine.network import Layer, Network, Sample, make_network

EPS = 1e-6
KINKED = {"relu", "leaky_relu"}

# zᴸ interval that keeps aᴸ in the loss's domain, per (output activation, loss); None = any.
OUTPUT_Z: dict[tuple[str, str], tuple[float, float] | None] = {
    **{(act, "cross_entropy"): (0.1, 2.0) for act in ("identity", "tanh", "relu", "leaky_relu")},
    # a in [0.2, 0.8]: nearer 0 or 1, log(1 − a) and log(a) have third derivatives so large
    # (≈ 2/a³) that a difference quotient at ε = 1e-6 stops being a precise reference.
    **{(act, "binary_cross_entropy"): (0.2, 0.8) for act in ("identity", "relu", "leaky_relu")},
    ("tanh", "binary_cross_entropy"): (0.2, 1.1),  # tanh: 0.197 … 0.800
    ("softplus", "binary_cross_entropy"): (-1.5, 0.2),  # softplus: 0.201 … 0.798
    ("softmax", "binary_cross_entropy"): (-1.0, 1.0),  # softmax outputs kept off 0 and 1
    **{(act, "cross_entropy"): (0.1, 2.0) for act in ("gelu", "gelu_tanh", "silu")},
    ("gelu", "binary_cross_entropy"): (0.35, 0.95),  # GELU: 0.223 … 0.790
    ("gelu_tanh", "binary_cross_entropy"): (0.35, 0.95),
    ("silu", "binary_cross_entropy"): (0.35, 1.05),  # SiLU: 0.205 … 0.778
}

values = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)


@st.composite
def cases(draw, activation: str, loss: str):
    """(network, x, y) with `activation` in every layer and `loss`, inside the domain above."""
    depth = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 4)) for _ in range(depth + 1)]
    layers = []
    for n_in, n_out in itertools.pairwise(sizes):
        w = np.array(draw(st.lists(values, min_size=n_in * n_out, max_size=n_in * n_out)))
        b = np.array(draw(st.lists(values, min_size=n_out, max_size=n_out)))
        layers.append(Layer(w.reshape(n_out, n_in), b, activation))
    x = np.array(draw(st.lists(values, min_size=sizes[0], max_size=sizes[0])))
    n_out = sizes[-1]

    z_range = OUTPUT_Z.get((activation, loss))
    if z_range is not None:
        # Pick zᴸ in range, then solve for the biases that produce it.
        a_prev = x
        for layer in layers[:-1]:
            a_prev = ACTIVATIONS[activation].f(layer.weights @ a_prev + layer.biases)
        z_target = np.array(draw(st.lists(st.floats(*z_range), min_size=n_out, max_size=n_out)))
        last = layers[-1]
        layers[-1] = Layer(last.weights, z_target - last.weights @ a_prev, activation)

    if loss == "cross_entropy":
        weights = draw(st.lists(st.floats(0.01, 1.0), min_size=n_out, max_size=n_out))
        y = np.array(weights) / np.sum(weights)
    elif loss == "binary_cross_entropy":
        y = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n_out, max_size=n_out)))
        if activation == "softmax" and n_out == 1:
            y = np.ones(1)  # a lone softmax output is 1: any other target costs log 0 = −∞
    else:
        y = np.array(draw(st.lists(values, min_size=n_out, max_size=n_out)))
    return Network(sizes[0], tuple(layers), loss), x, y


def with_entry(network: Network, which: str, l: int, index: tuple[int, ...], value: float):
    """A copy of `network` whose Wˡ or bˡ (l 1-based) has `index` set to `value`."""
    layer = network.layer(l)
    weights, biases = layer.weights.copy(), layer.biases.copy()
    (weights if which == "W" else biases)[index] = value
    layers = list(network.layers)
    layers[l - 1] = Layer(weights, biases, layer.activation)
    return network.replace(layers=tuple(layers))


def numeric_gradients(network: Network, x: np.ndarray, y: np.ndarray):
    """Central differences of run(...).loss for every W, b (lists by layer) and x."""

    def loss_at(net: Network, xx: np.ndarray) -> float:
        return backprop.run(net, xx, y).loss

    dW, db = [], []
    for l in range(1, network.depth + 1):
        layer = network.layer(l)
        for which, arr, out in (("W", layer.weights, dW), ("b", layer.biases, db)):
            grad = np.empty(arr.shape)
            for index in np.ndindex(arr.shape):
                p = arr[index]
                up = loss_at(with_entry(network, which, l, index, p + EPS), x)
                down = loss_at(with_entry(network, which, l, index, p - EPS), x)
                grad[index] = (up - down) / ((p + EPS) - (p - EPS))
            out.append(grad)
    dx = np.empty(x.shape)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += EPS
        down[index] -= EPS
        dx[index] = (loss_at(network, up) - loss_at(network, down)) / (up[index] - down[index])
    return dW, db, dx


def assert_close_to_numeric(analytic: np.ndarray, numeric: np.ndarray, scale: float, what: str):
    # A central difference at ε = 1e-6 is good to about 1e-9 × the gradients' scale here
    # (rounding ≈ u·|C|/ε, truncation ≈ ε²·|C‴|/6; measured worst over 8,400 examples:
    # 9e-10); 1e-7 × scale leaves a wide margin and still fails any real error in a formula.
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-7 * scale, err_msg=what)


@pytest.mark.parametrize(("activation", "loss"), list(itertools.product(ACTIVATIONS, LOSSES)))
def test_gradients_match_central_differences(activation: str, loss: str) -> None:
    @settings(max_examples=25, deadline=None)
    @given(case=cases(activation, loss))
    def check(case) -> None:
        network, x, y = case
        trace = backprop.run(network, x, y)
        if activation in KINKED:
            assume(all(np.min(np.abs(z)) > 1e-3 for z in trace.z))
        assert np.isfinite(trace.loss)
        dW, db, dx = numeric_gradients(network, x, y)
        scale = 1.0 + max(float(np.max(np.abs(g))) for g in [*dW, *db, dx])
        for l in range(network.depth):
            assert_close_to_numeric(trace.dW[l], dW[l], scale, f"dW{l + 1}")
            assert_close_to_numeric(trace.db[l], db[l], scale, f"db{l + 1}")
        assert_close_to_numeric(trace.dx, dx, scale, "dx")

    check()


def test_domain_restriction_keeps_outputs_valid_for_cross_entropy_losses() -> None:
    """The strategy really produces what the docstring promises (else the check above could
    pass on clamped, flat losses)."""

    @settings(max_examples=30, deadline=None)
    @given(data=st.data())
    def check(data) -> None:
        activation = data.draw(st.sampled_from(list(ACTIVATIONS)))
        loss = data.draw(st.sampled_from(["cross_entropy", "binary_cross_entropy"]))
        network, x, y = data.draw(cases(activation, loss))
        a = backprop.run(network, x, y).output
        assert np.all(a > 0)
        if loss == "binary_cross_entropy" and not (activation == "softmax" and a.size == 1):
            assert np.all(a < 1)

    check()


# -- batches ------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("loss", ["half_squared_error", "cross_entropy"])
def test_batch_gradient_is_the_mean_of_per_sample_gradients(activation: str, loss: str) -> None:
    rng = np.random.default_rng(7)
    output = "softmax" if loss == "cross_entropy" else activation
    net = make_network([3, 4, 4, 2], [activation, activation, output], loss)
    xs = rng.normal(size=(5, 3))
    ys = rng.dirichlet(np.ones(2), size=5) if loss == "cross_entropy" else rng.normal(size=(5, 2))

    batch = backprop.run(net, xs, ys)
    singles = [backprop.run(net, x, y) for x, y in zip(xs, ys, strict=True)]

    assert batch.batched and batch.loss == pytest.approx(np.mean([s.loss for s in singles]))
    for l in range(net.depth):
        np.testing.assert_allclose(batch.dW[l], np.mean([s.dW[l] for s in singles], axis=0))
        np.testing.assert_allclose(batch.db[l], np.mean([s.db[l] for s in singles], axis=0))
        for i, single in enumerate(singles):
            np.testing.assert_allclose(batch.delta[l][i], single.delta[l], rtol=1e-12)
            np.testing.assert_allclose(batch.z[l][i], single.z[l], rtol=1e-12)
    for i, single in enumerate(singles):
        np.testing.assert_allclose(batch.dx[i], single.dx, rtol=1e-12, atol=1e-15)


# -- fused output layers ------------------------------------------------------------------
@given(
    z=st.lists(st.floats(-30, 30), min_size=2, max_size=6),
    data=st.data(),
)
@settings(max_examples=50, deadline=None)
def test_softmax_cross_entropy_delta_is_exactly_a_minus_one_hot_y(z, data) -> None:
    n = len(z)
    hot = data.draw(st.integers(0, n - 1))
    y = np.eye(n)[hot]
    # One layer with W = I, b = z, x = 0 makes zᴸ = z exactly.
    net = Network(n, (Layer(np.eye(n), np.array(z), "softmax"),), "cross_entropy")
    trace = backprop.run(net, np.zeros(n), y)
    expected = trace.output - y
    assert trace.delta[0].tobytes() == expected.tobytes()


def test_fused_outputs_give_the_same_loss_as_the_plain_formula_away_from_saturation() -> None:
    rng = np.random.default_rng(3)
    for last, loss in (("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy")):
        net = make_network([3, 3], last, loss)
        x = rng.normal(size=3)
        y = np.eye(3)[1] if last == "softmax" else np.array([0.0, 1.0, 0.3])
        trace = backprop.run(net, x, y)
        assert trace.loss == pytest.approx(LOSSES[loss].value(trace.output, y), rel=1e-12)
        np.testing.assert_allclose(
            trace.delta[0], ACTIVATIONS[last].vjp(trace.z[0], trace.output, trace.dC_da)
        )


def test_default_sample_is_used_when_x_and_y_are_omitted() -> None:
    net = make_network([2, 2], "sigmoid", sample=Sample(np.array([1.0, -1.0]), np.array([0, 1])))
    assert backprop.run(net).loss == backprop.run(net, [1.0, -1.0], [0.0, 1.0]).loss
