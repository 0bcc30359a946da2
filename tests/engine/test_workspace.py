"""The training pass with a Workspace (engine/workspace.py): the hidden layers' arrays are
reused from step to step, and nothing changes — gradients bit for bit those of
`backprop.run`, right by finite differences, and nothing returned lies in the workspace.
Also the in-place forms it relies on: `Activation.apply(z, out)` and `vjp(…, out=g)`."""

from __future__ import annotations

import numpy as np
import pytest

from visualizer.engine import backprop
from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.network import Dataset, InitSpec, Layer, make_network
from visualizer.engine.training import SGD, Adam, TrainingSession, train_step
from visualizer.engine.workspace import Workspace

SPECIAL = np.array([0.0, -0.0, 1e-300, -1e-300, 40.0, -40.0, 745.0, -745.0, np.inf, np.nan])


def _bits(arrays) -> list[bytes]:
    return [np.asarray(a).tobytes() for a in arrays]


def _same(got: np.ndarray, want: np.ndarray) -> bool:
    """Equal bit for bit, except that any NaN equals any NaN (its sign bit is not kept
    alike by every vectorised loop)."""
    nan = np.isnan(want)
    return (
        got.shape == want.shape
        and np.array_equal(np.isnan(got), nan)
        and got[~nan].tobytes() == want[~nan].tobytes()
    )


def _inputs(sizes: list[int], batch: int | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    shape = () if batch is None else (batch,)
    return rng.normal(size=(*shape, sizes[0])), rng.uniform(size=(*shape, sizes[-1]))


@pytest.mark.parametrize("hidden", sorted(ACTIVATIONS))
def test_gradients_with_a_workspace_are_runs_bit_for_bit_step_after_step(hidden) -> None:
    sizes = [3, 5, 4, 2]
    network = make_network(sizes, [hidden, hidden, "sigmoid"], init=InitSpec("uniform", seed=4))
    workspace = Workspace()
    # Batches of 6, one sample, then 6 again and 2 (a smaller last batch): the arrays are
    # made, reused, remade for the new shape — every call equals run.
    for k, batch in enumerate([6, None, 6, 6, 2]):
        x, y = _inputs(sizes, batch, seed=k)
        trace = backprop.run(network, x, y)
        lean = backprop.gradients(network, x, y, workspace)
        assert lean.loss == trace.loss
        assert _bits(lean.dW + lean.db) == _bits(trace.dW + trace.db)
        assert lean.output.tobytes() == trace.output.tobytes()
    assert workspace.nbytes > 0  # it was used


def test_nothing_returned_lies_in_the_workspace() -> None:
    sizes = [4, 8, 8, 3]
    network = make_network(sizes, ["tanh", "relu", "identity"], init=InitSpec(seed=1))
    workspace = Workspace()
    x, y = _inputs(sizes, 16, seed=0)
    first = backprop.gradients(network, x, y, workspace)
    kept = _bits(first.dW + first.db + (first.output,))
    x2, y2 = _inputs(sizes, 16, seed=1)  # same shapes: the same workspace arrays
    backprop.gradients(network, x2, y2, workspace)
    assert _bits(first.dW + first.db + (first.output,)) == kept


def test_workspace_gradients_match_central_differences() -> None:
    sizes = [3, 6, 5, 2]
    network = make_network(sizes, ["sigmoid", "tanh", "sigmoid"], init=InitSpec(seed=7))
    x, y = _inputs(sizes, 9, seed=2)
    workspace = Workspace()
    backprop.gradients(network, x + 1.0, y, workspace)  # the arrays hold stale values
    grads = backprop.gradients(network, x, y, workspace)
    eps = 1e-6
    for l, layer in enumerate(network.layers):
        for which, analytic in (("weights", grads.dW[l]), ("biases", grads.db[l])):
            base = getattr(layer, which)
            numeric = np.empty_like(base)
            for index in np.ndindex(base.shape):
                losses = []
                for step in (eps, -eps):
                    nudged = base.copy()
                    nudged[index] += step
                    layers = list(network.layers)
                    layers[l] = Layer(
                        nudged if which == "weights" else layer.weights,
                        nudged if which == "biases" else layer.biases,
                        layer.activation,
                    )
                    losses.append(backprop.run(network.replace(layers=tuple(layers)), x, y).loss)
                numeric[index] = (losses[0] - losses[1]) / (2 * eps)
            np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_a_session_steps_as_train_step_without_a_workspace_bit_for_bit() -> None:
    rng = np.random.default_rng(3)
    data = Dataset(rng.normal(size=(10, 2)), rng.uniform(size=(10, 1)))
    network = make_network([2, 6, 6, 1], ["sigmoid", "tanh", "sigmoid"], dataset=data)
    # Batches of 4, 4, 2 per epoch: the workspace's arrays change shape within an epoch.
    session = TrainingSession(network, Adam(0.05), batch_size=4, seed=1)
    session.step(7)
    expected, state = network, None
    for k in range(7):
        x, y = session.batch(k)
        expected, state, _ = train_step(expected, x, y, Adam(0.05), state)
    got = [a for layer in session.network.layers for a in (layer.weights, layer.biases)]
    want = [a for layer in expected.layers for a in (layer.weights, layer.biases)]
    assert _bits(got) == _bits(want)


def test_sgd_velocities_are_read_only_and_the_update_is_exact() -> None:
    network = make_network([3, 4, 2], ["tanh", "sigmoid"], init=InitSpec(seed=9))
    x, y = _inputs([3, 4, 2], 5, seed=4)
    optimizer = SGD(0.2, momentum=0.7)
    net1, state1, g0 = train_step(network, x, y, optimizer, None, Workspace())
    _, state2, g1 = train_step(net1, x, y, optimizer, state1, Workspace())
    v1 = -(0.2 * g0.dW[0])  # from v = 0: 0.7·0 − 0.2·g
    assert state1.velocity[0].tobytes() == (0.7 * np.zeros((4, 3)) - 0.2 * g0.dW[0]).tobytes()
    assert state2.velocity[0].tobytes() == (0.7 * v1 - 0.2 * g1.dW[0]).tobytes()
    assert not any(v.flags.writeable for v in state2.velocity)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_apply_into_an_array_is_f_bit_for_bit(name) -> None:
    act = ACTIVATIONS[name]
    z = np.concatenate([SPECIAL, np.random.default_rng(0).normal(scale=3.0, size=40)])
    z = z.reshape(5, 10)
    out = np.full_like(z, 7.0)  # stale contents must not matter
    with np.errstate(all="ignore"):
        got, want = act.apply(z, out, np.full_like(z, 3.0)), act.f(z)
    assert _same(got, want)
    if act.in_place is not None:
        assert got is out
    with np.errstate(all="ignore"):
        assert _same(act.apply(z), want)


def test_sigmoid_keeps_nan_and_saturates_at_the_ends() -> None:
    sigmoid = ACTIVATIONS["sigmoid"]
    got = sigmoid.f(np.array([np.nan, -np.inf, np.inf, 0.0, -0.0]))
    assert np.isnan(got[0]) and got[1:].tolist() == [0.0, 1.0, 0.5, 0.5]
    assert sigmoid.f(np.array(-800.0)) == 0.0 and sigmoid.f(np.array(-800.0)).shape == ()


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_vjp_written_over_g_is_vjp_bit_for_bit(name) -> None:
    act = ACTIVATIONS[name]
    rng = np.random.default_rng(1)
    z, g = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    a = act.f(z)
    want = act.vjp(z, a, g)
    over_g = g.copy()
    got = act.vjp(z, a, over_g, out=over_g)
    assert got is over_g and got.tobytes() == want.tobytes()
    over_g = g.copy()
    got = act.vjp(z, a, over_g, over_g, scratch=np.full_like(z, 3.0))
    assert got is over_g and got.tobytes() == want.tobytes()
    if act.in_place is not None:  # f' written into an array, even over z, is f' bit for bit
        slope = act.in_place.derivative(z, a, np.full_like(z, 3.0))
        assert slope.tobytes() == act.derivative(z, a).tobytes()
        own_z = z.copy()
        assert act.in_place.derivative(own_z, a, own_z).tobytes() == slope.tobytes()


def test_workspace_arrays_are_kept_per_name_layer_and_shape() -> None:
    workspace = Workspace()
    first = workspace.array("z", 1, (4, 3))
    assert workspace.array("z", 1, (4, 3)) is first
    assert workspace.array("a", 1, (4, 3)) is not first
    smaller = workspace.array("z", 1, (2, 3))
    assert smaller.shape == (2, 3) and smaller is not first
    assert workspace.array("z", 1, (2, 3)) is smaller
    assert workspace.nbytes == (2 * 3 + 4 * 3) * 8  # the (4, 3) "z" went


def test_workspace_keeps_no_more_than_its_limit() -> None:
    workspace = Workspace(limit=100 * 8)
    kept = workspace.array("z", 1, (10, 8))  # 80 entries: kept
    assert workspace.array("z", 1, (10, 8)) is kept
    over = workspace.array("a", 1, (10, 3))  # 80 + 30 > 100: made each call
    assert over.shape == (10, 3) and workspace.array("a", 1, (10, 3)) is not over
    assert workspace.nbytes == 80 * 8


def test_gradients_are_the_same_when_the_workspace_is_full() -> None:
    sizes = [3, 7, 5, 2]
    network = make_network(sizes, ["sigmoid", "tanh", "identity"], init=InitSpec(seed=3))
    x, y = _inputs(sizes, 6, seed=5)
    trace = backprop.run(network, x, y)
    for limit in (0, 6 * 7 * 8 * 2, 10**6):  # nothing, some, all of the arrays kept
        workspace = Workspace(limit)
        for _ in range(2):
            lean = backprop.gradients(network, x, y, workspace)
            assert _bits(lean.dW + lean.db) == _bits(trace.dW + trace.db)
        assert workspace.nbytes <= limit
