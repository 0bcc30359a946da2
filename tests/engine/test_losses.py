"""Losses: values from their formulas, gradients against central differences, and the
whole engine's stability at |z| = 1e4 (RuntimeWarnings are errors under pytest)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from visualizer.engine import backprop
from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.losses import LOSSES, domain_problem, from_logits, get_loss
from visualizer.engine.network import Layer, Network

EPS = 1e-6


def _pairs(draw, low: float, high: float, y_kind: str):
    n = draw(st.integers(1, 5))
    a = draw(hnp.arrays(np.float64, n, elements=st.floats(low, high)))
    if y_kind == "simplex":
        w = draw(hnp.arrays(np.float64, n, elements=st.floats(0.01, 1.0)))
        y = w / w.sum()
    elif y_kind == "unit":
        y = draw(hnp.arrays(np.float64, n, elements=st.floats(0.0, 1.0)))
    else:
        y = draw(hnp.arrays(np.float64, n, elements=st.floats(-3.0, 3.0)))
    return a, y


# (a range, y kind): cross-entropy needs a > 0 and y on the simplex; binary cross-entropy
# a in (0, 1) and y in [0, 1] — kept a little away from 0 and 1, where log's derivatives
# grow so fast that a difference quotient is not a precise reference.
DOMAINS = {
    "half_squared_error": (-3.0, 3.0, "any"),
    "mean_squared_error": (-3.0, 3.0, "any"),
    "cross_entropy": (0.05, 1.0, "simplex"),
    "binary_cross_entropy": (0.05, 0.95, "unit"),
}


@pytest.mark.parametrize("name", list(LOSSES))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_loss_gradient_matches_central_differences(name: str, data) -> None:
    loss = LOSSES[name]
    a, y = _pairs(data.draw, *DOMAINS[name])
    numeric = np.empty_like(a)
    for i in range(a.size):
        up, down = a.copy(), a.copy()
        up[i] += EPS
        down[i] -= EPS
        numeric[i] = (loss.value(up, y) - loss.value(down, y)) / (up[i] - down[i])
    np.testing.assert_allclose(loss.gradient(a, y), numeric, rtol=1e-6, atol=1e-8)


def test_loss_values_follow_their_formulas() -> None:
    a, y = np.array([0.2, 0.7, 0.1]), np.array([0.0, 1.0, 0.0])
    assert LOSSES["half_squared_error"].value(a, y) == pytest.approx(0.5 * (0.04 + 0.09 + 0.01))
    assert LOSSES["mean_squared_error"].value(a, y) == pytest.approx((0.04 + 0.09 + 0.01) / 3)
    assert LOSSES["cross_entropy"].value(a, y) == pytest.approx(-np.log(0.7))
    expected_bce = -(np.log(0.8) + np.log(0.7) + np.log(0.9))
    assert LOSSES["binary_cross_entropy"].value(a, y) == pytest.approx(expected_bce)


def test_batch_value_is_the_mean_and_gradient_is_per_sample() -> None:
    a = np.array([[0.2, 0.8], [0.6, 0.4]])
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    for loss in LOSSES.values():
        per = [loss.value(ai, yi) for ai, yi in zip(a, y, strict=True)]
        assert loss.value(a, y) == pytest.approx(np.mean(per))
        rows = [loss.gradient(ai, yi) for ai, yi in zip(a, y, strict=True)]
        np.testing.assert_allclose(loss.gradient(a, y), rows)


def test_unknown_loss_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'.*cross_entropy"):
        get_loss("hinge")


# -- stability of the whole forward + backward pass ---------------------------------------
def _saturating_network(hidden: str, output: str, loss: str) -> Network:
    """Two layers whose pre-activations are ±1e4: z¹ = (1e4, −1e4), z² = (±1e4 …)."""
    first = Layer(np.array([[1e4, 0.0], [0.0, -1e4]]), np.zeros(2), hidden)
    second = Layer(np.array([[1.0, 0.0], [0.0, 1.0]]) * 1e4, np.array([-1e4, 1e4]), output)
    return Network(2, (first, second), loss)


@pytest.mark.parametrize(("activation", "loss"), list(itertools.product(ACTIVATIONS, LOSSES)))
def test_every_activation_and_loss_at_huge_pre_activations_is_finite_or_says_why(activation, loss):
    net = _saturating_network(activation, activation, loss)
    y = np.array([1.0, 0.0])
    with np.errstate(all="ignore"):  # a NaN loss spreads through the backward pass
        trace = backprop.run(net, np.array([1.0, 1.0]), y)
    assert np.max(np.abs(trace.z[0])) == 1e4
    problem = domain_problem(activation, loss, trace.output, y, 2)
    if problem is not None:
        # A cross-entropy of an output that is not a probability: no number, and a reason
        # naming the value (never a loss capped by a clamp).
        assert not np.isfinite(trace.loss)
        assert problem.startswith(loss.replace("_", " ") + " needs outputs")
        assert "a²" in problem and "softmax or sigmoid" in problem
        return
    assert np.isfinite(trace.loss)
    # ∂C/∂aᴸ = −y/aᴸ really overflows where a probability has rounded to 0; when C and δᴸ
    # come from the logits nothing downstream reads it.
    downstream = trace.grad_a[:-1] if from_logits(activation, loss) else trace.grad_a
    for arrays in (trace.z, trace.a, trace.delta, trace.dW, trace.db, downstream):
        for arr in arrays:
            assert np.all(np.isfinite(arr))


@pytest.mark.parametrize("z", [1e4, -1e4])
@pytest.mark.parametrize("target", [0.0, 1.0])
def test_fused_sigmoid_binary_cross_entropy_is_exact_at_huge_logits(z: float, target: float):
    net = Network(1, (Layer([[1.0]], [z], "sigmoid"),), "binary_cross_entropy")
    trace = backprop.run(net, np.array([0.0]), np.array([target]))
    wrong = (z > 0) != (target == 1.0)
    # C = softplus(±z): 1e4 when the logit points the wrong way, 0 when it is right.
    assert trace.loss == (1e4 if wrong else 0.0)
    np.testing.assert_array_equal(trace.delta[0], trace.output - target)


def test_fused_softmax_cross_entropy_is_exact_at_huge_logits() -> None:
    net = Network(3, (Layer(np.eye(3), np.array([1e4, -1e4, 0.0]), "softmax"),), "cross_entropy")
    right = backprop.run(net, np.zeros(3), np.array([1.0, 0.0, 0.0]))
    wrong = backprop.run(net, np.zeros(3), np.array([0.0, 1.0, 0.0]))
    assert right.loss == 0.0
    assert wrong.loss == 2e4  # −log softmax = logsumexp(z) − z₂ = 1e4 + 1e4
    np.testing.assert_array_equal(wrong.delta[0], [1.0, -1.0, 0.0])
