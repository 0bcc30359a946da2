"""Adam against its published update rule (Kingma & Ba 2015), and mini-batch training:
the shuffling schedule, batch size 1 and full batch, continuing a run, learning XOR."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visualizer.engine import backprop, datasets
from visualizer.engine.network import (
    Dataset,
    InitSpec,
    Layer,
    Network,
    NetworkError,
    Sample,
    make_network,
)
from visualizer.engine.training import (
    SGD,
    Adam,
    OptimizerState,
    batch_indices,
    batches_per_epoch,
    minibatch,
    predict,
    train,
    train_step,
)

# -- Adam ----------------------------------------------------------------------------------


def test_first_adam_step_moves_every_parameter_by_lr_against_the_gradient_sign(
    linear_network, hand_gradients
) -> None:
    # At t = 1 bias correction gives m̂ = g and v̂ = g², so the step is lr·g/(|g| + ε).
    network = linear_network()
    sample = network.current_sample()
    new, state, _ = train_step(network, sample.x, sample.y, Adam(lr=0.01))
    gw, gb = hand_gradients(network.layer(1).weights, network.layer(1).biases)
    step_w = new.layer(1).weights - network.layer(1).weights
    step_b = new.layer(1).biases - network.layer(1).biases
    np.testing.assert_allclose(step_w, -0.01 * np.sign(gw), rtol=1e-6)
    np.testing.assert_allclose(step_b, -0.01 * np.sign(gb), rtol=1e-6)
    assert state.step == 1


def test_two_adam_steps_follow_the_published_rule_with_bias_correction(
    linear_network, hand_gradients
) -> None:
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    network = linear_network()
    w0, b0 = network.layer(1).weights, network.layer(1).biases

    # Algorithm 1 of the paper, written out for both steps, gradients by hand.
    gw, gb = hand_gradients(w0, b0)
    mw, mb = (1 - b1) * gw, (1 - b1) * gb
    vw, vb = (1 - b2) * gw**2, (1 - b2) * gb**2
    w1 = w0 - lr * (mw / (1 - b1)) / (np.sqrt(vw / (1 - b2)) + eps)
    bias1 = b0 - lr * (mb / (1 - b1)) / (np.sqrt(vb / (1 - b2)) + eps)
    gw, gb = hand_gradients(w1, bias1)
    mw, mb = b1 * mw + (1 - b1) * gw, b1 * mb + (1 - b1) * gb
    vw, vb = b2 * vw + (1 - b2) * gw**2, b2 * vb + (1 - b2) * gb**2
    w2 = w1 - lr * (mw / (1 - b1**2)) / (np.sqrt(vw / (1 - b2**2)) + eps)
    bias2 = bias1 - lr * (mb / (1 - b1**2)) / (np.sqrt(vb / (1 - b2**2)) + eps)

    sample = network.current_sample()
    adam = Adam(lr=lr)
    net1, state1, _ = train_step(network, sample.x, sample.y, adam)
    net2, state2, _ = train_step(net1, sample.x, sample.y, adam, state1)
    np.testing.assert_allclose(net2.layer(1).weights, w2, rtol=1e-13)
    np.testing.assert_allclose(net2.layer(1).biases, bias2, rtol=1e-13)
    np.testing.assert_allclose(state2.slot("m")[0], mw, rtol=1e-13)
    np.testing.assert_allclose(state2.slot("v")[1], vb, rtol=1e-13)
    assert state2.step == 2


def test_adam_two_steps_by_hand_on_one_weight_and_one_bias() -> None:
    # z = w·1 + b, C = ½z² (target 0), so g_w = g_b = w + b. Start w = 1, b = 0, lr 0.1.
    # t=1: g = 1, m = 0.1, v = 0.001, m̂ = 1, v̂ = 1: both move by −0.1/(1 + 1e-8),
    #      w₁ ≈ 0.9, b₁ ≈ −0.1.
    # t=2: g = w₁ + b₁ ≈ 0.8, m = 0.9·0.1 + 0.1·g, v = 0.999·0.001 + 0.001·g²,
    #      m̂ = m/(1 − 0.9²) = m/0.19, v̂ = v/(1 − 0.999²) = v/0.001999.
    network = Network(1, (Layer([[1.0]], [0.0], "identity"),), "half_squared_error",
                      sample=Sample([1.0], [0.0]))  # fmt: skip
    w1, b1 = 1.0 - 0.1 / (1.0 + 1e-8), -0.1 / (1.0 + 1e-8)
    g = w1 + b1
    m, v = 0.09 + 0.1 * g, 0.000999 + 0.001 * g**2
    change = 0.1 * (m / 0.19) / (np.sqrt(v / 0.001999) + 1e-8)
    assert change == pytest.approx(0.1 * 0.17 / 0.19 / np.sqrt(0.001639 / 0.001999), rel=1e-6)

    result = train(network, 2, Adam(lr=0.1))
    assert result.network.layer(1).weights[0, 0] == pytest.approx(w1 - change, rel=1e-14)
    assert result.network.layer(1).biases[0] == pytest.approx(b1 - change, rel=1e-14)


def test_adam_does_not_modify_the_parameters_or_state_it_is_given() -> None:
    params = [np.array([[1.0, -2.0]]), np.array([0.5])]
    grads = [np.array([[0.3, 0.1]]), np.array([-0.2])]
    adam = Adam(lr=0.1)
    state = adam.init_state(params)
    copies = [p.copy() for p in params]
    new, new_state = adam.update(params, grads, state)
    for p, c in zip(params, copies, strict=True):
        np.testing.assert_array_equal(p, c)
    assert all(not np.any(m) for m in state.slot("m")) and state.step == 0
    assert new_state.step == 1 and not new_state.slot("v")[0].flags.writeable
    assert not np.array_equal(new[0], params[0])


def test_adam_fresh_state_has_zero_m_and_v_shaped_like_the_parameters() -> None:
    state = Adam().init_state([np.ones((3, 2)), np.ones(3)])
    assert isinstance(state, OptimizerState) and state.step == 0
    assert set(state.slots) == {"m", "v"}
    assert [a.shape for a in state.slot("m")] == [(3, 2), (3,)]
    assert all(not np.any(a) for name in ("m", "v") for a in state.slot(name))


def test_adam_defaults_are_the_papers() -> None:
    adam = Adam()
    assert (adam.lr, adam.beta1, adam.beta2, adam.eps) == (0.001, 0.9, 0.999, 1e-8)


@pytest.mark.parametrize(
    "settings_",
    [{"lr": 0.0}, {"lr": float("nan")}, {"beta1": 1.0}, {"beta1": -0.1}, {"beta2": 1.0},
     {"eps": 0.0}, {"eps": float("inf")}, {"lr": True}],
)  # fmt: skip
def test_adam_refuses_bad_settings(settings_: dict) -> None:
    with pytest.raises(ValueError, match=r"learning rate|beta|eps"):
        Adam(**settings_)


def test_a_sgd_state_is_not_taken_for_an_adam_state(linear_network) -> None:
    network = linear_network()
    sample = network.current_sample()
    _, sgd_state, _ = train_step(network, sample.x, sample.y, SGD(lr=0.1, momentum=0.5))
    with pytest.raises(KeyError):
        train_step(network, sample.x, sample.y, Adam(), sgd_state)


# -- the mini-batch schedule ---------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 60), batch_size=st.integers(1, 70), seed=st.integers(0, 2**32),
       epoch=st.integers(0, 5))  # fmt: skip
def test_every_example_is_used_exactly_once_per_epoch(n, batch_size, seed, epoch) -> None:
    per_epoch = batches_per_epoch(n, batch_size)
    first = epoch * per_epoch
    rows = [batch_indices(n, batch_size, first + k, seed) for k in range(per_epoch)]
    assert sorted(np.concatenate(rows).tolist()) == list(range(n))
    assert all(1 <= len(r) <= batch_size for r in rows)
    assert all(len(r) == batch_size for r in rows[:-1])


def test_the_schedule_is_seeded_and_reshuffled_every_epoch() -> None:
    again = [batch_indices(100, 10, k, seed=3).tolist() for k in range(30)]
    assert again == [batch_indices(100, 10, k, seed=3).tolist() for k in range(30)]
    other_seed = [batch_indices(100, 10, k, seed=4).tolist() for k in range(30)]
    assert again != other_seed
    epoch0 = np.concatenate(again[:10])
    epoch1 = np.concatenate(again[10:20])
    assert not np.array_equal(epoch0, epoch1)
    assert not np.array_equal(epoch0, np.arange(100))  # really shuffled


def test_a_batch_at_least_as_big_as_the_data_set_is_all_of_it_in_order() -> None:
    for step in (0, 1, 7):
        np.testing.assert_array_equal(batch_indices(5, 5, step), np.arange(5))
        np.testing.assert_array_equal(batch_indices(5, 64, step), np.arange(5))
    assert batches_per_epoch(5, 64) == 1 and batches_per_epoch(10, 3) == 4


def test_a_batch_of_one_is_a_single_sample() -> None:
    data = datasets.xor(10, seed=1)
    x, y = minibatch(data, 1, 4, seed=2)
    assert x.shape == (2,) and y.shape == (1,)
    row = batch_indices(10, 1, 4, seed=2)[0]
    np.testing.assert_array_equal(x, data.x[row])


def test_full_batch_size_trains_bit_for_bit_like_batch_true() -> None:
    network = make_network([2, 3, 1], "tanh", dataset=datasets.blobs(12, seed=0))
    whole = train(network, 5, SGD(lr=0.2), batch=True)
    by_size = train(network, 5, SGD(lr=0.2), batch_size=12)
    assert by_size.network == whole.network
    assert by_size.losses == whole.losses and by_size.final_loss == whole.final_loss


def test_batch_size_one_is_plain_sgd_over_single_samples_in_the_schedules_order() -> None:
    network = make_network([2, 3, 1], "tanh", dataset=datasets.circles(6, seed=0))
    result = train(network, 8, SGD(lr=0.1), batch_size=1, seed=5)
    expected = network
    for step in range(8):
        row = batch_indices(6, 1, step, seed=5)[0]
        x, y = network.dataset.x[row], network.dataset.y[row]
        expected, _, _ = train_step(expected, x, y, SGD(lr=0.1))
    assert result.network == expected


def test_minibatch_losses_are_batch_losses_and_final_loss_is_on_the_whole_set() -> None:
    network = make_network([2, 3, 1], "sigmoid", dataset=datasets.xor(20, seed=0))
    result = train(network, 1, SGD(lr=0.1), batch_size=4, seed=1)
    x, y = minibatch(network.dataset, 4, 0, seed=1)
    assert result.losses[0] == backprop.run(network, x, y).loss
    assert result.final_loss == backprop.run(result.network, network.dataset.x,
                                             network.dataset.y).loss  # fmt: skip


def test_a_continued_minibatch_run_equals_one_longer_run() -> None:
    network = make_network([2, 4, 1], "tanh", dataset=datasets.spirals(30, seed=2))
    adam = Adam(lr=0.01)
    first = train(network, 7, adam, batch_size=8, seed=9)
    second = train(first.network, 6, adam, state=first.state, batch_size=8, seed=9, start=7)
    whole = train(network, 13, adam, batch_size=8, seed=9)
    assert second.network == whole.network
    assert first.losses + second.losses == whole.losses


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"batch_size": 0}, ValueError), ({"batch_size": 2.0}, ValueError),
     ({"batch_size": True}, ValueError), ({"batch_size": 4, "batch": True}, ValueError)],
)  # fmt: skip
def test_bad_batch_options_are_refused(kwargs: dict, error: type) -> None:
    network = make_network([2, 3, 1], dataset=datasets.xor(8))
    with pytest.raises(error, match="batch"):
        train(network, 1, SGD(lr=0.1), **kwargs)


def test_minibatches_need_a_data_set(linear_network) -> None:
    with pytest.raises(NetworkError, match="data set"):
        train(linear_network(), 1, SGD(lr=0.1), batch_size=2)


# -- learning ------------------------------------------------------------------------------
XOR_THRESHOLD, XOR_STEPS = 0.02, 1500


def test_seeded_adam_on_minibatches_learns_xor_below_the_threshold() -> None:
    """[2, 16, 16, 1] tanh/tanh/sigmoid with binary cross-entropy on 200 XOR points:
    Adam (lr 0.02, batches of 16, seed 0) gets the mean loss below 0.02 in 1500 steps."""
    network = make_network(
        [2, 16, 16, 1], ["tanh", "tanh", "sigmoid"], "binary_cross_entropy",
        init=InitSpec(seed=1), dataset=datasets.xor(200, noise=0.05, seed=0),
    )  # fmt: skip
    result = train(network, XOR_STEPS, Adam(lr=0.02), batch_size=16, seed=0)
    assert result.losses[0] > 0.5  # untrained: about log 2
    assert result.final_loss < XOR_THRESHOLD
    data = network.dataset
    outputs = backprop.run(result.network, data.x, data.y).output
    assert np.mean((outputs > 0.5) == (data.y > 0.5)) >= 0.99


def test_adam_learns_the_four_point_xor_with_full_batches() -> None:
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    network = make_network([2, 4, 1], ["tanh", "sigmoid"], "binary_cross_entropy",
                           init=InitSpec(seed=0), dataset=Dataset(x, y))  # fmt: skip
    result = train(network, 500, Adam(lr=0.05), batch=True)
    assert result.final_loss < 0.01


# -- predict -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("activations", "loss"),
    [(["tanh", "sigmoid"], "binary_cross_entropy"), (["relu", "softmax"], "cross_entropy"),
     (["sigmoid", "identity"], "mean_squared_error")],
)  # fmt: skip
def test_predict_is_the_forward_pass_of_backprop(activations, loss) -> None:
    network = make_network([2, 5, 2], activations, loss, init=InitSpec(seed=4))
    x = np.random.default_rng(0).uniform(-2, 2, size=(7, 2))
    y = np.tile([1.0, 0.0], (7, 1))
    np.testing.assert_array_equal(predict(network, x), backprop.run(network, x, y).output)
    np.testing.assert_array_equal(predict(network, x[3]), backprop.run(network, x[3], y[3]).output)


def test_predict_on_many_rows_works_in_blocks_small_enough_for_one_blas_thread(
    monkeypatch,
) -> None:
    network = make_network([2, 16, 16, 1], ["tanh", "tanh", "sigmoid"], "binary_cross_entropy",
                           init=InitSpec(seed=1))  # fmt: skip
    x = np.random.default_rng(2).uniform(-2, 2, size=(5000, 2))
    whole = backprop.forward(network, backprop.pre_activation(network, x))[1][-1]
    block_rows = []
    forward = backprop.forward
    monkeypatch.setattr(
        backprop, "forward", lambda net, z: block_rows.append(len(z)) or forward(net, z)
    )
    out = predict(network, x)
    # 4 × 65536 multiply-adds per product at most: 1024 rows through a 16 × 16 layer.
    assert block_rows == [1024, 1024, 1024, 1024, 904]
    assert out.shape == (5000, 1)
    np.testing.assert_allclose(out, whole, rtol=1e-13, atol=0)
