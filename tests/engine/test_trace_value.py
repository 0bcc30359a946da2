"""Trace.value: the one lookup of a value by (name, layer) that the timeline and the
canvas use."""

import pytest

from visualizer.engine.backprop import run
from visualizer.engine.network import make_network
from visualizer.timeline import step_count


@pytest.fixture
def trace():
    net = make_network([3, 4, 2], ["tanh", "sigmoid"], "binary_cross_entropy")
    return run(net, [0.5, -1.0, 2.0], [1.0, 0.0])


def test_value_names_layers_as_the_equations_do(trace):
    # Layer l of z, δ, ∂C/∂W, ∂C/∂b sits at index l − 1; a and ∇ₐC also hold layer 0.
    for l in (1, 2):
        assert trace.value("z", l) is trace.z[l - 1]
        assert trace.value("delta", l) is trace.delta[l - 1]
        assert trace.value("dW", l) is trace.dW[l - 1]
        assert trace.value("db", l) is trace.db[l - 1]
    for l in (0, 1, 2):
        assert trace.value("a", l) is trace.a[l]
        assert trace.value("grad_a", l) is trace.grad_a[l]
    assert trace.value("a", 0) is trace.x
    assert trace.value("y", 2) is trace.y
    assert trace.value("C", 2).shape == () and float(trace.value("C", 2)) == trace.loss


def test_value_refuses_unknown_names_and_layers_out_of_range(trace):
    with pytest.raises(KeyError):
        trace.value("W", 1)  # a parameter: the network holds it, not the pass
    with pytest.raises(IndexError, match="z has no layer 0"):
        trace.value("z", 0)
    with pytest.raises(IndexError, match="a has no layer 3"):
        trace.value("a", 3)
    with pytest.raises(IndexError):
        trace.value("delta", -1)


def test_timeline_length_is_five_per_layer_plus_the_two_loss_steps():
    assert [step_count(depth) for depth in (1, 2, 3)] == [7, 12, 17]
