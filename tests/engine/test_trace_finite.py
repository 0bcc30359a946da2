"""Trace.non_finite names the first value that overflowed, in the order it is computed."""

import numpy as np

from visualizer.engine import editing
from visualizer.engine.backprop import run
from visualizer.engine.network import Sample, make_network


def _net():
    net = make_network(
        [2, 3, 2], ["identity", "identity"], "half_squared_error", sample=Sample([1, 1], [0, 0])
    )
    return net


def test_a_finite_trace_has_nothing_to_name():
    assert run(_net()).non_finite() is None


def test_overflow_in_the_second_layer_is_named_z2():
    net = editing.set_weight(editing.set_weight(_net(), 1, 0, 0, 1e200), 2, 0, 0, 1e200)
    with np.errstate(all="ignore"):
        trace = run(net)
    assert trace.non_finite() == "z²"


def test_overflow_only_on_the_way_back_is_named_by_its_delta_or_gradient():
    net = editing.set_weight(_net(), 1, 0, 0, 1e300)
    with np.errstate(all="ignore"):
        trace = run(net)
    assert np.all(np.isfinite(trace.z[0])) and np.all(np.isfinite(trace.a[2]))
    assert trace.non_finite() in ("δ¹", "∇ₓC")
