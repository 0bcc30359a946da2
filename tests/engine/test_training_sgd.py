"""Training with SGD: updates computed by hand, momentum, XOR, and no mutation."""

from __future__ import annotations

import numpy as np
import pytest

from visualizer.engine import backprop
from visualizer.engine.network import (
    Dataset,
    InitSpec,
    Layer,
    Network,
    NetworkError,
    Sample,
    make_network,
)
from visualizer.engine.training import SGD, OptimizerState, train, train_step

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def test_one_sgd_step_is_the_hand_computed_update(linear_network) -> None:
    network = linear_network()
    sample = network.current_sample()
    new, state, trace = train_step(network, sample.x, sample.y, SGD(lr=0.1))
    # z = [0.5 − 2 + 0.1, 2 + 0.5 − 0.2] = [−1.4, 2.3]; z − y = [−1.4, 1.3]
    # W ← W − 0.1·(z − y)xᵀ, b ← b − 0.1·(z − y)
    expected_w = np.array([[0.5 + 0.14, -1.0 + 0.28], [2.0 - 0.13, 0.25 - 0.26]])
    expected_b = np.array([0.1 + 0.14, -0.2 - 0.13])
    np.testing.assert_allclose(new.layer(1).weights, expected_w, rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(new.layer(1).biases, expected_b, rtol=1e-15, atol=1e-15)
    assert trace.loss == pytest.approx(0.5 * (1.4**2 + 1.3**2))
    assert state.step == 1


def test_plain_sgd_is_p_minus_lr_g_bit_for_bit_on_any_network() -> None:
    network = make_network([3, 4, 2], ["tanh", "sigmoid"], init=InitSpec("uniform", seed=2))
    sample = Sample([0.2, -0.4, 1.0], [1.0, 0.0])
    new, _, trace = train_step(network, sample.x, sample.y, SGD(lr=0.3))
    for l in (1, 2):
        expected = network.layer(l).weights - 0.3 * trace.dW[l - 1]
        assert new.layer(l).weights.tobytes() == expected.tobytes()
        expected = network.layer(l).biases - 0.3 * trace.db[l - 1]
        assert new.layer(l).biases.tobytes() == expected.tobytes()


def test_momentum_over_two_steps_by_hand(linear_network, hand_gradients) -> None:
    lr, mu = 0.05, 0.9
    network = linear_network()
    w0, b0 = network.layer(1).weights, network.layer(1).biases
    # Step 1: v₁ = −lr·g₀, p₁ = p₀ + v₁. Step 2: v₂ = μ·v₁ − lr·g₁ (g₁ at p₁), p₂ = p₁ + v₂.
    gw0, gb0 = hand_gradients(w0, b0)
    vw1, vb1 = -lr * gw0, -lr * gb0
    w1, b1 = w0 + vw1, b0 + vb1
    gw1, gb1 = hand_gradients(w1, b1)
    vw2, vb2 = mu * vw1 - lr * gw1, mu * vb1 - lr * gb1
    w2, b2 = w1 + vw2, b1 + vb2

    sample = network.current_sample()
    optimizer = SGD(lr=lr, momentum=mu)
    net1, state1, _ = train_step(network, sample.x, sample.y, optimizer)
    net2, state2, _ = train_step(net1, sample.x, sample.y, optimizer, state1)
    np.testing.assert_allclose(net2.layer(1).weights, w2, rtol=1e-14)
    np.testing.assert_allclose(net2.layer(1).biases, b2, rtol=1e-14)
    np.testing.assert_allclose(state2.velocity[0], vw2, rtol=1e-14)
    np.testing.assert_allclose(state2.velocity[1], vb2, rtol=1e-14)
    assert state2.step == 2
    # Momentum makes the second step differ from plain SGD from the same point.
    plain, _, _ = train_step(net1, sample.x, sample.y, SGD(lr=lr))
    assert not np.allclose(plain.layer(1).weights, net2.layer(1).weights)


def test_seeded_xor_training_learns_the_data_set() -> None:
    network = make_network(
        [2, 4, 1],
        ["tanh", "sigmoid"],
        "binary_cross_entropy",
        init=InitSpec("xavier_uniform", seed=0),
        dataset=Dataset(XOR_X, XOR_Y),
    )
    result = train(network, 300, SGD(lr=0.5, momentum=0.9), batch=True)
    assert result.losses[0] > 0.69  # about log 2: the untrained network guesses
    assert result.final_loss < 0.01
    outputs = backprop.run(result.network, XOR_X, XOR_Y).output
    np.testing.assert_array_equal(outputs > 0.5, XOR_Y > 0.5)


def test_training_does_not_mutate_the_input_network() -> None:
    network = make_network([2, 3, 1], "sigmoid", dataset=Dataset(XOR_X, XOR_Y))
    before = network.replace()
    result = train(network, 5, SGD(lr=1.0, momentum=0.5), batch=True)
    assert network == before
    assert result.network != network
    assert result.network.dataset == network.dataset and result.network.init == network.init
    assert all(not layer.weights.flags.writeable for layer in result.network.layers)


def test_losses_are_recorded_before_each_step_and_final_loss_after_the_last(linear_network) -> None:
    network = linear_network()
    result = train(network, 3, SGD(lr=0.05))
    assert len(result.losses) == result.steps == 3
    assert result.losses[0] == backprop.run(network).loss
    assert result.final_loss == backprop.run(result.network).loss
    assert result.losses[0] > result.losses[1] > result.losses[2] > result.final_loss


def test_sample_training_uses_the_current_sample_and_batch_training_the_data_set() -> None:
    network = make_network([2, 3, 1], "sigmoid", dataset=Dataset(XOR_X, XOR_Y))
    single = train(network, 1, SGD(lr=0.1))
    batch = train(network, 1, SGD(lr=0.1), batch=True)
    assert single.losses[0] == backprop.run(network, XOR_X[0], XOR_Y[0]).loss
    assert batch.losses[0] == backprop.run(network, XOR_X, XOR_Y).loss


def test_callback_sees_every_step_and_false_stops_early(linear_network) -> None:
    seen: list[tuple[int, float]] = []

    def callback(step: int, loss: float) -> bool | None:
        seen.append((step, loss))
        return False if step == 3 else None  # None (a falsy value) must not stop

    result = train(linear_network(), 10, SGD(lr=0.01), callback=callback)
    assert [step for step, _ in seen] == [1, 2, 3]
    assert [loss for _, loss in seen] == result.losses
    assert result.stopped_early and result.steps == 3


def test_continuing_with_the_state_equals_one_longer_run(linear_network) -> None:
    optimizer = SGD(lr=0.05, momentum=0.8)
    first = train(linear_network(), 2, optimizer)
    second = train(first.network, 3, optimizer, state=first.state)
    whole = train(linear_network(), 5, optimizer)
    assert second.network == whole.network
    assert first.losses + second.losses == whole.losses


def test_batch_training_without_a_data_set_says_so(linear_network) -> None:
    with pytest.raises(NetworkError, match="data set"):
        train(linear_network(), 1, SGD(lr=0.1), batch=True)


def test_divergence_is_reported_with_the_step_and_layer() -> None:
    network = make_network([2, 2, 1], "identity", init=InitSpec("uniform", seed=0))
    with pytest.raises(NetworkError, match=r"diverged at step \d+: .*smaller learning rate"):
        train(network, 200, SGD(lr=1e3))


def test_parameters_that_stop_being_finite_without_an_overflow_name_the_layer() -> None:
    # An infinite input gives z, C, δ and ∂C/∂W = δ·x all infinite with no floating-point
    # error (∞ arithmetic is exact): only the check of the new parameters can catch it.
    network = Network(1, (Layer([[0.5]], [0.0], "identity"),), "half_squared_error")
    with pytest.raises(NetworkError, match=r"diverged at step 1: layer 1 weights are no longer"):
        train_step(network, np.array([np.inf]), np.array([0.0]), SGD(lr=0.1))


class _Handover:
    """An optimiser whose new parameters are arrays the test keeps hold of."""

    slots = ()

    def __init__(self) -> None:
        self.made: list[np.ndarray] = []

    def init_state(self, params):
        return OptimizerState()

    def update(self, params, grads, state):
        self.made = [p + 1.0 for p in params]
        return self.made, OptimizerState(state.step + 1)


def test_a_step_takes_over_the_optimiser_s_new_arrays_read_only_without_copies() -> None:
    network = make_network([2, 3, 1], "tanh", init=InitSpec(seed=3))
    optimizer = _Handover()
    new, _, _ = train_step(network, np.array([0.1, 0.2]), np.array([0.3]), optimizer)
    kept = [arr for layer in new.layers for arr in (layer.weights, layer.biases)]
    assert all(got is made for got, made in zip(kept, optimizer.made, strict=True))
    assert not any(arr.flags.writeable for arr in kept)


def test_plain_sgd_velocity_is_minus_lr_g_bit_for_bit() -> None:
    network = make_network([3, 4, 2], ["tanh", "sigmoid"], init=InitSpec("uniform", seed=2))
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(7, 3)), rng.uniform(size=(7, 2))
    _, state, trace = train_step(network, x, y, SGD(lr=0.3))
    grads = [arr for pair in zip(trace.dW, trace.db, strict=True) for arr in pair]
    for v, g in zip(state.velocity, grads, strict=True):
        assert v.tobytes() == (-(0.3 * g)).tobytes() and not v.flags.writeable


@pytest.mark.parametrize("steps", [0, -1, 1.5, True])
def test_steps_must_be_a_whole_number_at_least_one(steps, linear_network) -> None:
    with pytest.raises(ValueError, match="steps"):
        train(linear_network(), steps, SGD(lr=0.1))


@pytest.mark.parametrize(
    ("lr", "momentum"), [(0.0, 0.0), (-0.1, 0.0), (float("nan"), 0.0), (float("inf"), 0.0),
                         (0.1, -0.1), (0.1, 1.0), (0.1, float("nan"))]
)  # fmt: skip
def test_sgd_refuses_bad_settings(lr: float, momentum: float) -> None:
    with pytest.raises(ValueError, match=r"learning rate|momentum"):
        SGD(lr=lr, momentum=momentum)


def test_a_state_from_another_network_is_refused(linear_network) -> None:
    other = SGD(lr=0.1).init_state([np.zeros((5, 5)), np.zeros(5)])
    sample = linear_network().current_sample()
    with pytest.raises(ValueError, match="does not fit"):
        train_step(linear_network(), sample.x, sample.y, SGD(lr=0.1), other)


def test_fresh_state_has_zero_velocities_shaped_like_the_parameters() -> None:
    state = SGD(lr=0.1).init_state([np.ones((2, 3)), np.ones(2)])
    assert isinstance(state, OptimizerState) and state.step == 0
    assert [v.shape for v in state.velocity] == [(2, 3), (2,)]
    assert all(not np.any(v) for v in state.velocity)
