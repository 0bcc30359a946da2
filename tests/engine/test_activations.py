"""Activations: derivatives and Jacobians against central differences, and stability at
|z| = 1e4 (pytest turns RuntimeWarning — overflow, invalid value — into errors)."""

from __future__ import annotations

from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from visualizer.engine.activations import ACTIVATIONS, get_activation

EPS = 1e-6
ELEMENTWISE = [name for name, act in ACTIVATIONS.items() if act.elementwise]

vectors = hnp.arrays(
    np.float64,
    st.integers(1, 6),
    elements=st.floats(-8.0, 8.0, allow_nan=False, allow_infinity=False),
)


def numeric_jacobian(f, z: np.ndarray) -> np.ndarray:
    """J[i, j] = ∂fᵢ/∂zⱼ by central differences."""
    jac = np.empty((z.size, z.size))
    for j in range(z.size):
        up, down = z.copy(), z.copy()
        up[j] += EPS
        down[j] -= EPS
        jac[:, j] = (f(up) - f(down)) / (up[j] - down[j])
    return jac


@pytest.mark.parametrize("name", ELEMENTWISE)
@settings(max_examples=40, deadline=None)
@given(z=vectors)
def test_elementwise_derivative_matches_central_differences(name: str, z: np.ndarray) -> None:
    act = ACTIVATIONS[name]
    if name in ("relu", "leaky_relu"):
        assume(np.all(np.abs(z) > 1e-3))  # the kink at 0 has no derivative
    numeric = np.diag(numeric_jacobian(act.f, z))
    np.testing.assert_allclose(act.derivative(z, act.f(z)), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@settings(max_examples=40, deadline=None)
@given(z=vectors)
def test_jacobian_matches_central_differences(name: str, z: np.ndarray) -> None:
    act = ACTIVATIONS[name]
    if name in ("relu", "leaky_relu"):
        assume(np.all(np.abs(z) > 1e-3))
    np.testing.assert_allclose(act.jacobian(z), numeric_jacobian(act.f, z), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@settings(max_examples=40, deadline=None)
@given(z=vectors, data=st.data())
def test_vjp_is_the_transposed_jacobian_times_the_vector(name: str, z, data) -> None:
    act = ACTIVATIONS[name]
    g = data.draw(hnp.arrays(np.float64, z.shape, elements=st.floats(-3, 3)))
    expected = act.jacobian(z).T @ g
    np.testing.assert_allclose(act.vjp(z, act.f(z), g), expected, rtol=1e-12, atol=1e-14)


def test_vjp_works_row_by_row_on_a_batch() -> None:
    rng = np.random.default_rng(0)
    z, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    for act in ACTIVATIONS.values():
        batch = act.vjp(z, act.f(z), g)
        rows = [act.vjp(zi, act.f(zi), gi) for zi, gi in zip(z, g, strict=True)]
        np.testing.assert_allclose(batch, rows, rtol=1e-14, atol=1e-15)


def test_softmax_jacobian_is_not_diagonal() -> None:
    z = np.array([0.3, -1.2, 2.0])
    jac = ACTIVATIONS["softmax"].jacobian(z)
    np.testing.assert_allclose(jac, numeric_jacobian(ACTIVATIONS["softmax"].f, z), atol=1e-9)
    off_diagonal = jac[~np.eye(3, dtype=bool)]
    assert np.all(np.abs(off_diagonal) > 1e-3)
    # J = diag(a) − a aᵀ: symmetric, rows sum to 0 (the outputs always sum to 1).
    np.testing.assert_allclose(jac, jac.T)
    np.testing.assert_allclose(jac.sum(axis=1), 0.0, atol=1e-15)
    assert ACTIVATIONS["softmax"].derivative is None
    assert not ACTIVATIONS["softmax"].elementwise


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("size", [1e4, -1e4])
def test_every_activation_is_finite_at_huge_inputs(name: str, size: float) -> None:
    act = ACTIVATIONS[name]
    z = np.array([size, -size, 0.0, size / 2])
    a = act.f(z)
    assert np.all(np.isfinite(a))
    assert np.all(np.isfinite(act.vjp(z, a, np.ones_like(z))))
    assert np.all(np.isfinite(act.jacobian(z)))
    if act.derivative is not None:
        assert np.all(np.isfinite(act.derivative(z, a)))


def test_saturated_values_are_the_limits() -> None:
    z = np.array([1e4, -1e4])
    np.testing.assert_array_equal(ACTIVATIONS["sigmoid"].f(z), [1.0, 0.0])
    np.testing.assert_array_equal(ACTIVATIONS["tanh"].f(z), [1.0, -1.0])
    np.testing.assert_array_equal(ACTIVATIONS["softplus"].f(z), [1e4, 0.0])
    np.testing.assert_array_equal(ACTIVATIONS["softmax"].f(np.array([1e4, -1e4, 0])), [1, 0, 0])
    np.testing.assert_array_equal(ACTIVATIONS["leaky_relu"].f(z), [1e4, -100.0])


def test_sigmoid_is_within_two_and_a_half_ulp_of_the_true_value() -> None:
    # σ(z) to 40 digits by the decimal module; the float form 1/(1 + e^−z) rounds four
    # times (e^−z itself is NumPy's, within about 1 ulp). The form it replaced, 1 or e^−|z|
    # over 1 + e^−|z|, measured the same: at most ~2.4 ulp.
    rng = np.random.default_rng(7)
    z = np.concatenate([rng.normal(scale=s, size=600) for s in (0.1, 1.0, 5.0, 30.0, 200.0)])
    z = z[np.abs(z) < 700]  # beyond, σ(−z)'s true value nears the subnormals
    got = ACTIVATIONS["sigmoid"].f(z)
    worst = Decimal(0)
    with localcontext(prec=40):
        for value, approx in zip(z.tolist(), got.tolist(), strict=True):
            true = 1 / (1 + (-Decimal(value)).exp())
            ulp = Decimal(float(np.spacing(float(true))))
            worst = max(worst, abs(Decimal(approx) - true) / ulp)
    assert worst < Decimal("2.5")


def test_unknown_activation_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown activation 'swish'.*sigmoid"):
        get_activation("swish")


def test_gelu_and_silu_match_reference_values() -> None:
    # Φ(1) = 0.8413447460685429 (the normal CDF); PyTorch's gelu(1.0, approximate="tanh")
    # is 0.8411919906082768 in float64; SiLU(1) = σ(1) = 1 / (1 + e⁻¹).
    one = np.array([1.0, -1.0])
    np.testing.assert_allclose(
        ACTIVATIONS["gelu"].f(one), [0.8413447460685429, -0.15865525393145707], rtol=1e-15
    )
    np.testing.assert_allclose(
        ACTIVATIONS["gelu_tanh"].f(one), [0.8411919906082768, -0.15880800939172324], rtol=1e-15
    )
    sig = 1.0 / (1.0 + np.exp(-1.0))
    np.testing.assert_allclose(ACTIVATIONS["silu"].f(one), [sig, -(1.0 - sig)], rtol=1e-15)


def test_gelu_forms_differ_but_stay_close() -> None:
    z = np.linspace(-4.0, 4.0, 81)
    gap = np.abs(ACTIVATIONS["gelu"].f(z) - ACTIVATIONS["gelu_tanh"].f(z))
    assert 1e-5 < gap.max() < 1e-3  # distinct functions, at most ~5e-4 apart
