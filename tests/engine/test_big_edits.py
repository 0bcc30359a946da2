"""An edit of one weight of a big network: only the edited matrix is copied, only the new
value is checked, and ∂C/∂Wˡ of one sample is made when read — each the same numbers as
before, bit for bit."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from visualizer.engine import backprop, editing
from visualizer.engine.network import (
    InitSpec,
    Layer,
    NetworkError,
    Sample,
    frozen_array,
    make_network,
)
from visualizer.memo import while_alive


def test_a_layer_built_from_a_networks_own_arrays_shares_them():
    net = make_network([3, 4, 2], "tanh")
    layer = net.layers[0]
    again = Layer(layer.weights, layer.biases, "relu")
    assert again.weights is layer.weights and again.biases is layer.biases


def test_arrays_from_outside_are_still_copied_and_checked():
    outside = np.ones((2, 3))
    outside.setflags(write=False)  # read-only is not enough: someone else may hold it
    layer = Layer(outside, np.zeros(2), "tanh")
    assert layer.weights is not outside and not layer.weights.flags.writeable
    with pytest.raises(NetworkError, match="weights: contains NaN"):
        Layer(np.array([[1.0, np.nan]]), np.zeros(1), "tanh")
    with pytest.raises(NetworkError, match="expected 1-D"):
        frozen_array(layer.weights, "biases", 1)  # a frozen array of the wrong shape


def test_set_weight_copies_only_the_edited_matrix():
    net = make_network([5, 6, 4, 3], "tanh")
    edited = editing.set_weight(net, 2, 1, 3, 0.25)
    old, new = net.layer(2).weights, edited.layer(2).weights
    assert new is not old and not new.flags.writeable and new[1, 3] == 0.25
    changed = np.argwhere(old != new)
    assert changed.tolist() == ([[1, 3]] if old[1, 3] != 0.25 else [])
    assert edited.layer(1).weights is net.layer(1).weights
    assert edited.layer(3).weights is net.layer(3).weights
    assert edited.layer(2).biases is net.layer(2).biases
    bias = editing.set_bias(net, 3, 2, -1.5)
    assert bias.layer(3).biases[2] == -1.5 and bias.layer(3).weights is net.layer(3).weights


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_a_non_finite_weight_or_bias_is_refused(value):
    net = make_network([2, 2, 1], "tanh")
    with pytest.raises(NetworkError, match="weights: contains NaN or infinity"):
        editing.set_weight(net, 1, 0, 0, value)
    with pytest.raises(NetworkError, match="biases: contains NaN or infinity"):
        editing.set_bias(net, 1, 0, value)


def _trace(sizes, scale: float, seed: int):
    rng = np.random.default_rng(seed)
    acts = ["tanh", "identity", "relu"][: len(sizes) - 1]
    net = make_network(sizes, acts, init=InitSpec(seed=seed))
    x = rng.normal(size=sizes[0]) * scale
    sample = Sample(x, rng.uniform(0, 1, sizes[-1]))
    with np.errstate(all="ignore"):
        return backprop.run(net.replace(sample=sample))


@pytest.mark.parametrize("scale", [1.0, 1e-300, 1e150, 1e200])
@pytest.mark.parametrize("seed", range(4))
def test_dW_of_one_sample_is_the_outer_product_made_when_read(scale, seed):
    trace = _trace([7, 5, 4, 3], scale, seed)
    assert isinstance(trace.dW, backprop.OuterProducts) and len(trace.dW) == 3
    with np.errstate(all="ignore"):
        want = [np.outer(d, a) for d, a in zip(trace.delta, trace.a[:-1], strict=True)]
    for l, w in enumerate(want, start=1):
        assert np.array_equal(trace.dW[l - 1], w, equal_nan=True)  # bit for bit
        assert trace.dW[l - 1] is trace.dW[l - 1]  # made once
        assert trace.dW_entry(l, 2, 1) == w[2, 1] or np.isnan(w[2, 1])
    assert trace.dW[-1] is trace.dW[2] and len(trace.dW[1:]) == 2
    finite = [w for w in want if np.all(np.isfinite(w))]
    if len(finite) == len(want):
        assert trace.largest_dW() == max(float(np.abs(w).max()) for w in want)
        assert trace.dW.overflowed() is None
    else:
        first = next(i for i, w in enumerate(want) if not np.all(np.isfinite(w)))
        assert trace.dW.overflowed() == first


def test_an_overflowing_dW_is_named_without_being_made():
    # a¹ = 1e200, a² = δ² = 1e150 (a squared error): ∂C/∂W² = δ² a¹ = 1e350 overflows,
    # while δ¹ = 1e100 and ∇ₓC = 1e300 stay finite.
    net = make_network([1, 1, 1], ["identity", "identity"], "half_squared_error")
    net = editing.set_weight(editing.set_weight(net, 1, 0, 0, 1e200), 2, 0, 0, 1e-50)
    net = editing.set_bias(editing.set_bias(net, 1, 0, 0.0), 2, 0, 0.0)
    with np.errstate(all="ignore"):
        trace = backprop.run(net.replace(sample=Sample(np.array([1.0]), np.array([0.0]))))
    assert trace.non_finite() == "∂C/∂W²"
    assert trace.dW._made == [None, None]  # named from δ² and a¹ alone


def test_a_batch_keeps_its_mean_dW_as_arrays():
    rng = np.random.default_rng(0)
    net = make_network([3, 4, 2], "tanh")
    trace = backprop.run(net, rng.normal(size=(5, 3)), rng.uniform(size=(5, 2)))
    assert isinstance(trace.dW, tuple)
    assert trace.largest_dW() == max(float(np.abs(g).max()) for g in trace.dW)
    assert trace.dW_entry(2, 1, 3) == trace.dW[1][1, 3]


def test_while_alive_remembers_a_value_only_as_long_as_its_object_lives():
    calls = []

    @while_alive
    def total(a: np.ndarray) -> float:
        calls.append(1)
        return float(a.sum())

    a = np.arange(4.0)
    assert total(a) == 6.0 and total(a) == 6.0 and len(calls) == 1
    gone = weakref.ref(a)
    del a
    gc.collect()
    assert gone() is None  # the cache did not keep it alive
    b = np.arange(5.0)
    assert total(b) == 10.0 and len(calls) == 2
