"""The one resumable training session (engine/training.py) that `train`, `cli train` and
the app's trainer drive; the optimiser registry; the batch view's per-sample gradients."""

from __future__ import annotations

import numpy as np
import pytest

from visualizer.engine import backprop
from visualizer.engine.network import Dataset, Layer, Network, NetworkError, Sample, make_network
from visualizer.engine.training import (
    DEFAULT_MOMENTUM,
    OPTIMIZERS,
    SGD,
    Adam,
    TrainingSession,
    batch_gradients,
    batch_indices,
    make_optimizer,
    train,
)


def _net() -> Network:
    rng = np.random.default_rng(5)
    data = Dataset(rng.normal(size=(10, 2)), rng.uniform(size=(10, 1)))
    return make_network(
        [2, 3, 1], ["tanh", "sigmoid"], "binary_cross_entropy", dataset=data,
        sample=Sample([0.5, -1.0], [1.0]),
    )  # fmt: skip


def _bits(network: Network) -> list[bytes]:
    return [arr.tobytes() for layer in network.layers for arr in (layer.weights, layer.biases)]


@pytest.mark.parametrize(
    "options",
    [{}, {"batch_size": 3, "seed": 4}, {"full_batch": True}],
    ids=["sample", "mini-batches", "full-batch"],
)
def test_steps_in_pieces_end_bit_for_bit_where_one_long_call_does(options):
    whole = TrainingSession(_net(), Adam(0.05), **options)
    whole.step(12)
    pieces = TrainingSession(_net(), Adam(0.05), **options)
    for n in (1, 4, 7):
        pieces.step(n)
    assert pieces.steps == whole.steps == 12
    assert _bits(pieces.network) == _bits(whole.network)
    assert pieces.losses.tobytes() == whole.losses.tobytes()
    assert pieces.state.step == 12


def test_train_is_a_session_run_to_the_end():
    net = _net()
    result = train(net, 9, SGD(0.3, 0.5), batch_size=4, seed=2)
    session = TrainingSession(net, SGD(0.3, 0.5), batch_size=4, seed=2)
    assert session.step(9) == 9
    assert _bits(result.network) == _bits(session.network)
    assert result.losses == session.losses.tolist()
    assert result.final_loss == backprop.run(session.network, net.dataset.x, net.dataset.y).loss


def test_a_mini_batch_step_trains_on_the_scheduled_rows_and_remembers_them():
    session = TrainingSession(_net(), SGD(0.1), batch_size=4, seed=7, start=3)
    rows = batch_indices(10, 4, 3, 7)
    x, _ = session.batch()
    assert np.array_equal(x, session.network.dataset.x[rows])
    assert np.array_equal(session.current_rows(), rows)  # before the step: the next batch
    session.step()
    assert np.array_equal(session.last_rows, rows) and session.steps == 4


def test_epochs_log_the_loss_on_the_whole_data_set_when_asked():
    session = TrainingSession(_net(), SGD(0.1), batch_size=4, track_data_loss=True)
    session.record_data_loss()  # the starting point
    session.step(7)  # 3 batches per epoch: epochs end after steps 3 and 6
    steps, losses = session.data_losses
    assert steps.tolist() == [0.0, 3.0, 6.0]
    assert session.epoch == pytest.approx(7 / 3)
    assert np.all(np.isfinite(losses)) and losses[0] != losses[1]
    session.clear()
    assert session.steps == 0 and session.losses.size == 0 and session.state is None
    assert session.data_losses[0].size == 0


def test_a_callback_returning_false_stops_the_steps():
    session = TrainingSession(_net(), SGD(0.1))
    assert session.step(10, callback=lambda k, loss: k < 3) == 3


def test_a_deadline_stops_after_at_least_one_step():
    ticks = iter(range(100))  # the clock reads 0, 1, 2, 3, … once after each step
    session = TrainingSession(_net(), SGD(0.1))
    assert session.step(50, deadline=2.5, clock=lambda: next(ticks)) == 4
    assert session.step(50, deadline=0.0, clock=lambda: 1.0) == 1


def test_a_diverging_step_leaves_the_session_at_the_last_good_step():
    huge = Network(1, (Layer([[1.0]], [0.0], "identity"),), "half_squared_error",
                   sample=Sample([1e154], [0.0]))  # fmt: skip
    session = TrainingSession(huge, SGD(1.0))
    session.step()  # its gradient, 1e154 · 1e154 = 1e308, is still finite
    good = session.network
    with pytest.raises(NetworkError, match="training diverged at step 2"):
        session.step(5)
    assert session.steps == 1 and session.network is good and session.losses.size == 1


def test_mini_batches_need_a_data_set():
    with pytest.raises(NetworkError, match="needs a data set"):
        TrainingSession(_net().replace(dataset=None), SGD(0.1), batch_size=2)
    with pytest.raises(ValueError, match="not both"):
        TrainingSession(_net(), SGD(0.1), batch_size=2, full_batch=True)


# -- the optimiser registry ---------------------------------------------------------------
def test_make_optimizer_knows_each_optimizer_and_its_defaults():
    assert list(OPTIMIZERS) == ["sgd", "momentum", "adam"]
    assert make_optimizer("sgd", 0.5) == SGD(0.5, 0.0)
    assert make_optimizer("sgd", 0.5, 0.3) == SGD(0.5, 0.3)
    assert make_optimizer("momentum", 0.5) == SGD(0.5, DEFAULT_MOMENTUM)
    assert make_optimizer("momentum", 0.5, 0.7) == SGD(0.5, 0.7)
    assert make_optimizer("adam", 0.01) == Adam(0.01)


def test_make_optimizer_refuses_what_does_not_fit():
    with pytest.raises(ValueError, match="momentum applies to sgd and momentum, not to adam"):
        make_optimizer("adam", 0.01, 0.9)
    with pytest.raises(ValueError, match=r"unknown optimiser 'rmsprop' \(known: sgd, momentum"):
        make_optimizer("rmsprop", 0.01)
    with pytest.raises(ValueError, match="learning rate"):
        make_optimizer("sgd", -1.0)


# -- the batch view's arithmetic ----------------------------------------------------------
def test_batch_gradient_is_the_mean_of_each_samples_own():
    net = _net()
    x, y = net.dataset.x[:5], net.dataset.y[:5]
    grads = batch_gradients(net, x, y, 2)
    assert grads.per_sample.shape == (5, 1, 3)
    for i in range(5):
        own = backprop.run(net, x[i], y[i]).dW[1]
        assert grads.per_sample[i].tobytes() == own.tobytes()
    assert grads.batch.tobytes() == backprop.run(net, x, y).dW[1].tobytes()
    assert grads.difference < 1e-15
    assert grads.sample_difference(0) == float(np.max(np.abs(grads.per_sample[0] - grads.batch)))
    assert grads.sample_difference(0) > 1e-6  # a sample's own gradient is not the mean


def test_training_stops_with_the_reason_when_a_cross_entropy_output_leaves_its_range():
    # An identity output of −0.5 with target 1 has no cross-entropy: the step says so
    # instead of training on NaN (or, as the 1e-300 clamp did, on a zero gradient).
    layer = Layer([[-0.5], [1.0]], [0.0, 0.0], "identity")
    net = Network(1, (layer,), "cross_entropy", sample=Sample([1.0], [1.0, 0.0]))
    session = TrainingSession(net, SGD(0.1))
    with pytest.raises(NetworkError) as info:
        session.step(3)
    assert str(info.value) == (
        "training stopped at step 1: cross entropy needs outputs above 0, but the identity "
        "output gives a¹₁ = −0.5: use a softmax or sigmoid output layer"
    )
    assert session.steps == 0 and session.network is net
