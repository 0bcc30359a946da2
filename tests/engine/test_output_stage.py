"""The output stage (engine/losses.py): softmax and sigmoid outputs with either
cross-entropy are computed from the logits, so saturated outputs give the exact loss and
gradient instead of a clamped log (k × 690.78) and a zero gradient. The references are
exact: Python's `decimal` at 60 digits for the loss and its derivative (a central
difference of step 1e-25, whose error is far below float64's), and closed forms."""

from __future__ import annotations

from decimal import Decimal, localcontext

import numpy as np
import pytest

from visualizer.engine import backprop, gradcheck
from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.losses import (
    LOSSES,
    domain_problem,
    from_logits,
    is_fused,
    output_cost,
    output_delta,
)
from visualizer.engine.network import Layer, Network, Sample, make_network

DIGITS = 60
STEP = Decimal("1e-25")


def _exact_cost(activation: str, loss: str, z: list[float], y: list[float]) -> Decimal:
    """C in 60-digit decimal arithmetic, from the textbook formulas (no log-sum-exp)."""
    zs = [Decimal(v) for v in z]
    ys = [Decimal(v) for v in y]
    if activation == "softmax":
        top = max(zs)
        e = [(v - top).exp() for v in zs]
        total = sum(e)
        p = [v / total for v in e]
        # 1 − pᵢ as the others' share: at 60 digits, 1 + e⁻⁹⁰⁰⁰ − 1 would still be 0.
        rest = [sum(e[:i] + e[i + 1 :]) / total for i in range(len(e))]
    else:
        p = [1 / (1 + (-v).exp()) for v in zs]
        rest = [1 / (1 + v.exp()) for v in zs]
    cost = Decimal(0)
    for pi, qi, yi in zip(p, rest, ys, strict=True):
        if yi:
            cost -= yi * pi.ln()
        if loss == "binary_cross_entropy" and yi != 1:
            cost -= (1 - yi) * qi.ln()
    return cost


def _exact(activation: str, loss: str, z: list[float], y: list[float]) -> tuple[float, list[float]]:
    """(C, ∂C/∂z) to float64 precision: the gradient as a 60-digit central difference."""
    with localcontext() as ctx:
        ctx.prec = DIGITS
        cost = _exact_cost(activation, loss, z, y)
        grad = []
        for k in range(len(z)):
            up = [Decimal(v) for v in z]
            down = list(up)
            up[k] += STEP
            down[k] -= STEP
            diff = _exact_cost(activation, loss, up, y) - _exact_cost(activation, loss, down, y)
            grad.append(float(diff / (2 * STEP)))
    return float(cost), grad


def _one_layer(activation: str, loss: str, z: list[float], y: list[float]) -> Network:
    """W = I, b = z, x = 0: the output layer's logits are exactly z, and ∂C/∂b = δᴸ."""
    n = len(z)
    layer = Layer(np.eye(n), np.array(z), activation)
    return Network(n, (layer,), loss, sample=Sample(np.zeros(n), np.array(y)))


SATURATED = [
    # The shape: softmax + binary cross-entropy far from the targets. A 1e-300
    # clamp capped each log at −690.78 (this case read 1,381.55 = 2 × 690.78).
    ("softmax", "binary_cross_entropy", [9000.0, -4000.0, 0.0], [0.0, 1.0, 0.0]),
    ("softmax", "binary_cross_entropy", [3.0, 1500.0, -800.0, 2.0], [0.25, 0.0, 1.0, 0.5]),
    ("softmax", "binary_cross_entropy", [40.0, -2.0], [1.0, 0.0]),
    ("sigmoid", "cross_entropy", [-700.0], [1.0]),
    ("sigmoid", "cross_entropy", [-2000.0, 800.0, 3.0], [0.5, 0.25, 0.25]),
    ("sigmoid", "cross_entropy", [40.0, -40.0], [1.0, 1.0]),
    ("softmax", "cross_entropy", [9000.0, -4000.0, 0.0], [0.0, 1.0, 0.0]),
    ("sigmoid", "binary_cross_entropy", [-3000.0, 45.0], [1.0, 0.0]),
]


@pytest.mark.parametrize(("activation", "loss", "z", "y"), SATURATED)
def test_saturated_cross_entropies_match_an_exact_reference(activation, loss, z, y):
    assert from_logits(activation, loss)
    trace = backprop.run(_one_layer(activation, loss, z, y))
    cost, grad = _exact(activation, loss, z, y)
    assert trace.loss == pytest.approx(cost, rel=1e-13)
    np.testing.assert_allclose(trace.db[0], grad, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(trace.delta[0], trace.db[0])


def test_softmax_binary_cross_entropy_is_no_longer_capped():
    trace = backprop.run(_one_layer(*SATURATED[0]))
    # Exact: −log s₂ − log(1 − s₁) = 13,000 + 9,000 = 22,000 (each log was capped at 690.78).
    assert trace.loss == pytest.approx(22_000.0, rel=1e-15)
    assert trace.loss > 1_400


def test_sigmoid_cross_entropy_at_minus_700_has_gradient_minus_one():
    # C = −log σ(b) = softplus(−b) = 700 + log1p(e⁻⁷⁰⁰); ∂C/∂b = −σ(−b) = −1 (was 0).
    trace = backprop.run(_one_layer("sigmoid", "cross_entropy", [-700.0], [1.0]))
    assert trace.loss == 700.0
    assert trace.db[0].tolist() == [-1.0]


@pytest.mark.parametrize(
    ("activation", "loss", "z", "y"),
    [
        ("softmax", "binary_cross_entropy", [0.3, -1.2, 2.0], [0.2, 0.7, 0.1]),
        ("softmax", "binary_cross_entropy", [0.0, 0.0], [1.0, 0.0]),
        ("sigmoid", "cross_entropy", [0.4, -0.9, 1.7], [0.5, 0.5, 0.0]),
    ],
)
def test_from_logits_agrees_with_the_formula_through_the_outputs_away_from_saturation(
    activation, loss, z, y
):
    z, y = np.array(z), np.array(y)
    a = ACTIVATIONS[activation].f(z)
    plain = LOSSES[loss]
    assert output_cost(activation, loss, z, a, y) == pytest.approx(plain.per_sample(a, y))
    through_a = ACTIVATIONS[activation].vjp(z, a, plain.gradient(a, y))
    np.testing.assert_allclose(
        output_delta(activation, loss, z, a, y, plain.gradient(a, y)), through_a, rtol=1e-12
    )


def test_batches_of_the_from_logits_outputs_are_rows_of_single_samples():
    rng = np.random.default_rng(4)
    for activation, loss in (("softmax", "binary_cross_entropy"), ("sigmoid", "cross_entropy")):
        z = rng.normal(scale=300.0, size=(5, 3))
        y = rng.uniform(size=(5, 3))
        a = np.stack([np.asarray(_act(activation, row)) for row in z])
        batch = output_delta(activation, loss, z, a, y, np.zeros_like(z))
        for i in range(5):
            single = output_delta(activation, loss, z[i], a[i], y[i], np.zeros(3))
            np.testing.assert_array_equal(batch[i], single)
        costs = output_cost(activation, loss, z, a, y)
        assert costs.shape == (5,)
        assert costs[2] == output_cost(activation, loss, z[2], a[2], y[2])


def _act(name: str, z: np.ndarray) -> np.ndarray:
    return ACTIVATIONS[name].f(z)


@pytest.mark.parametrize(
    ("activation", "loss"),
    [("softmax", "binary_cross_entropy"), ("sigmoid", "cross_entropy")],
)
def test_gradient_check_passes_for_the_new_from_logits_outputs(activation, loss):
    rng = np.random.default_rng(1)
    net = make_network([3, 4, 3], ["tanh", activation], loss)
    net = net.replace(sample=Sample(rng.normal(size=3), rng.uniform(size=3)))
    rows = gradcheck.gradient_check(net)
    assert gradcheck.check_passes(rows, 1e-6), [(r.name, r.max_rel) for r in rows]


def test_only_softmax_with_cross_entropy_and_sigmoid_with_binary_are_fused():
    assert is_fused("softmax", "cross_entropy") and is_fused("sigmoid", "binary_cross_entropy")
    assert not is_fused("softmax", "binary_cross_entropy")
    assert not is_fused("sigmoid", "cross_entropy")
    assert from_logits("softmax", "binary_cross_entropy") and not from_logits(
        "identity", "cross_entropy"
    )


def test_identity_output_with_cross_entropy_is_not_a_number_and_says_why():
    # An identity output of −0.3 is no probability: log(−0.3) has no value. The clamp made
    # it C = 690.78 and ∂C/∂b = 0; now C is NaN, and domain_problem names the value.
    net = _one_layer("identity", "cross_entropy", [-0.3, 1.2], [1.0, 0.0])
    with np.errstate(all="ignore"):
        trace = backprop.run(net)
    assert np.isnan(trace.loss)
    problem = domain_problem("identity", "cross_entropy", trace.output, trace.y, 1)
    assert problem == (
        "cross entropy needs outputs above 0, but the identity output gives a¹₁ = −0.3: "
        "use a softmax or sigmoid output layer"
    )
    # A zero target weight needs no value: y₁ = 0 with a₁ = −0.3 is fine.
    assert (
        domain_problem("identity", "cross_entropy", np.array([-0.3, 1.0]), np.array([0.0, 1.0]), 1)
        is None
    )


def test_binary_cross_entropy_needs_outputs_between_0_and_1_and_names_the_sample():
    a = np.array([[0.5, 0.5], [0.2, 1.5]])
    y = np.array([[1.0, 0.0], [0.0, 0.5]])
    problem = domain_problem("relu", "binary_cross_entropy", a, y, 2)
    assert problem is not None and "a²₂ = 1.5 (sample 2)" in problem
    assert domain_problem("sigmoid", "binary_cross_entropy", a, y, 2) is None  # from logits


def _exact_output_gradient(activation: str, loss: str, z: list[float], y: list[float]):
    """∂C/∂aᵢ = −yᵢ/aᵢ (+ (1 − yᵢ)/(1 − aᵢ)) with a and 1 − a in 60 digits."""
    with localcontext() as ctx:
        ctx.prec = DIGITS
        zs = [Decimal(v) for v in z]
        if activation == "sigmoid":
            p = [1 / (1 + (-v).exp()) for v in zs]
            rest = [1 / (1 + v.exp()) for v in zs]
        else:
            e = [(v - max(zs)).exp() for v in zs]
            p = [v / sum(e) for v in e]
            rest = [sum(e[:i] + e[i + 1 :]) / sum(e) for i in range(len(e))]
        grad = []
        for pi, qi, yi in zip(p, rest, (Decimal(v) for v in y), strict=True):
            g = -yi / pi
            if loss == "binary_cross_entropy":
                g += (1 - yi) / qi
            grad.append(float(g))
    return grad


@pytest.mark.parametrize(
    ("activation", "loss", "z", "y"),
    [
        ("sigmoid", "binary_cross_entropy", [40.0, -45.0], [0.0, 1.0]),
        ("sigmoid", "cross_entropy", [-60.0], [1.0]),
        ("softmax", "binary_cross_entropy", [45.0, 0.0, -3.0], [0.0, 1.0, 0.0]),
        ("softmax", "cross_entropy", [50.0, 0.0], [0.0, 1.0]),
    ],
)
def test_the_output_gradient_is_finite_where_the_true_value_is(activation, loss, z, y):
    # σ(40) rounds to 1, so 1/(1 − a) read from aᴸ is ∞; from the logit it is 1 + e⁴⁰.
    trace = backprop.run(_one_layer(activation, loss, z, y))
    np.testing.assert_allclose(
        trace.dC_da, _exact_output_gradient(activation, loss, z, y), rtol=1e-13
    )
    assert trace.non_finite() is None  # so the app shows it instead of refusing it
