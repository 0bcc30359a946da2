"""backprop.gradients: the training step's pass gives run's loss and gradients bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from visualizer.engine import backprop
from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.network import InitSpec, Sample, make_network
from visualizer.engine.training import SGD, train_step

CASES = [
    ([3, 5, 4, 2], ["tanh", "sigmoid", "identity"], "half_squared_error"),
    ([3, 5, 2], ["relu", "softmax"], "cross_entropy"),  # fused output
    ([3, 5, 2], ["leaky_relu", "sigmoid"], "binary_cross_entropy"),  # fused output
    ([3, 4, 4, 3], ["softmax", "softplus", "softmax"], "mean_squared_error"),  # softmax vjp
    ([2, 3], ["sigmoid"], "cross_entropy"),  # unfused cross-entropy, one layer
]


@pytest.mark.parametrize("sizes, acts, loss", CASES)
@pytest.mark.parametrize("batch", [None, 1, 7])
def test_gradients_equal_runs_bit_for_bit(sizes, acts, loss, batch) -> None:
    network = make_network(sizes, acts, loss, InitSpec("uniform", seed=5))
    rng = np.random.default_rng(3)
    shape = () if batch is None else (batch,)
    x = rng.normal(size=(*shape, sizes[0]))
    y = rng.dirichlet(np.ones(sizes[-1]), size=shape or None)
    trace = backprop.run(network, x, y)
    lean = backprop.gradients(network, x, y)
    assert lean.loss == trace.loss
    for got, want in zip(lean.dW + lean.db, trace.dW + trace.db, strict=True):
        assert got.shape == want.shape and got.tobytes() == want.tobytes()


def test_gradients_default_to_the_current_sample_and_check_shapes() -> None:
    network = make_network([2, 3, 1], "tanh", sample=Sample([0.5, -1.0], [0.25]))
    assert backprop.gradients(network).loss == backprop.run(network).loss
    with pytest.raises(ValueError, match="x: shape"):
        backprop.gradients(network, np.zeros(3), np.zeros(1))


def test_train_step_reports_the_lean_gradients() -> None:
    network = make_network([4, 6, 3], ["tanh", "sigmoid"], init=InitSpec(seed=2))
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 4)), rng.uniform(size=(8, 3))
    new, _, step = train_step(network, x, y, SGD(0.5))
    trace = backprop.run(network, x, y)
    assert step.loss == trace.loss
    expected = network.layer(1).weights - 0.5 * trace.dW[0]
    assert new.layer(1).weights.tobytes() == expected.tobytes()


def test_batch_gradients_are_means_over_the_batch_db_bit_for_bit_as_numpy_s() -> None:
    # B = 7: dividing by it rounds, so a different order of operations would show. Layers
    # 2 and 3 are narrower than their inputs: their ∂C/∂W is computed as (aᵀδ)ᵀ.
    network = make_network([3, 5, 4, 2], ["tanh", "sigmoid", "identity"], init=InitSpec(seed=4))
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    trace = backprop.run(network, x, y)
    lean = backprop.gradients(network, x, y)
    for l in range(3):
        want = trace.delta[l].mean(axis=0)
        assert trace.db[l].tobytes() == want.tobytes() == lean.db[l].tobytes()
        assert trace.dW[l].tobytes() == lean.dW[l].tobytes()
        assert trace.dW[l].flags.c_contiguous and lean.dW[l].flags.c_contiguous
        np.testing.assert_allclose(
            trace.dW[l], trace.delta[l].T @ trace.a[l] / 7, rtol=1e-14, atol=1e-300
        )


def test_the_sigmoid_is_one_over_one_plus_exp_minus_z_bit_for_bit() -> None:
    rng = np.random.default_rng(1)
    z = np.concatenate(
        [rng.normal(scale=s, size=2000) for s in (1e-12, 1.0, 30.0, 800.0)]
        + [np.array([0.0, -0.0, 745.0, -745.0, 1e308, -1e308, np.inf, -np.inf])]
    )
    with np.errstate(over="ignore"):
        reference = 1.0 / (1.0 + np.exp(-z))
    # the caller's errstate may raise on overflow (training's does): e^−z of z < −709.78
    # is ∞ by design, and must not raise
    with np.errstate(over="raise"):
        assert ACTIVATIONS["sigmoid"].f(z).tobytes() == reference.tobytes()
