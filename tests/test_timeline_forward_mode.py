"""Forward mode in the timeline: the matrices ∂zˡ/∂x and ∂aˡ/∂x carried left to right, the
final row dC/dx, and the multiplication counters of both modes."""

from __future__ import annotations

import numpy as np
import pytest

from visualizer import timeline
from visualizer.engine import backprop
from visualizer.engine.network import Sample, make_network
from visualizer.formats.network_file import load_network
from visualizer.notation import format_number
from visualizer.paths import ASSETS

NETWORKS = [
    ([2, 3, 2], ["tanh", "softmax"], "cross_entropy"),
    ([3, 4, 3, 2], ["sigmoid", "softplus", "identity"], "half_squared_error"),
    ([4, 5, 3], ["leaky_relu", "softmax"], "mean_squared_error"),
    ([2, 3, 1], ["tanh", "sigmoid"], "binary_cross_entropy"),
]


def _net(sizes, acts, loss):
    rng = np.random.default_rng(sum(sizes))
    x = rng.uniform(-1, 1, sizes[0])
    y = np.zeros(sizes[-1])
    y[0] = 1.0
    return make_network(sizes, acts, loss, sample=Sample(x, y))


def _forward(net, x):
    """z¹..zᴸ and a⁰..aᴸ at input x, by the engine's own forward pass."""
    trace = backprop.run(net, x, net.current_sample().y)
    return trace.z, trace.a


def _fd_jacobians(net, x, eps=1e-6):
    """∂zˡ/∂x and ∂aˡ/∂x by central differences of the forward pass, in float64."""
    n0 = x.shape[0]
    dz = [np.zeros((n, n0)) for n in net.sizes[1:]]
    da = [np.zeros((n, n0)) for n in net.sizes]
    for j in range(n0):
        e = np.zeros(n0)
        e[j] = eps
        zp, ap = _forward(net, x + e)
        zm, am = _forward(net, x - e)
        for l in range(net.depth):
            dz[l][:, j] = (zp[l] - zm[l]) / (2 * eps)
        for l in range(net.depth + 1):
            da[l][:, j] = (ap[l] - am[l]) / (2 * eps)
    return dz, da


@pytest.mark.parametrize("spec", NETWORKS)
@pytest.mark.parametrize("mode", ["forward", "both"])
def test_carried_matrix_at_every_step_matches_finite_differences_of_the_forward_pass(spec, mode):
    net = _net(*spec)
    steps = timeline.build(net, backprop.run(net), mode)
    dz, da = _fd_jacobians(net, np.asarray(net.current_sample().x, dtype=np.float64))
    checked = 0
    for step in steps:
        for ref in step.writes:
            if ref.name == "dz_dx":
                expected = dz[ref.layer - 1]
            elif ref.name == "da_dx":
                expected = da[ref.layer]
            else:
                continue
            assert ref.values.shape == expected.shape
            np.testing.assert_allclose(ref.values, expected, rtol=1e-6, atol=1e-8)
            checked += 1
    assert checked == 2 * net.depth + 1  # ∂x/∂x, then ∂zˡ/∂x and ∂aˡ/∂x per layer


@pytest.mark.parametrize("spec", NETWORKS)
def test_forward_modes_final_product_equals_reverse_modes_gradient_to_1e_12(spec):
    net = _net(*spec)
    trace = backprop.run(net)
    last = timeline.build(net, trace, "forward")[-1]
    assert last.kind == "forward_product"
    row = last.written("dC_dx", 0).values
    rel = np.max(np.abs(row - trace.dx)) / np.max(np.abs(trace.dx))
    assert rel < 1e-12
    assert "largest difference" in last.numbers_text


def test_seed_is_the_identity_and_layer_1_is_w1_for_free():
    net = _net(*NETWORKS[1])
    steps = timeline.build(net, backprop.run(net), "forward")
    seed = steps[0]
    assert seed.kind == "seed"
    np.testing.assert_array_equal(seed.written("da_dx", 0).values, np.eye(3))
    first = steps[1]
    np.testing.assert_array_equal(first.written("dz_dx", 1).values, net.layer(1).weights)
    assert first.mults == 0


@pytest.mark.parametrize("mode", timeline.MODES)
@pytest.mark.parametrize("spec", NETWORKS)
def test_step_count_matches_the_built_timeline(spec, mode):
    net = _net(*spec)
    steps = timeline.build(net, backprop.run(net), mode)
    assert len(steps) == timeline.step_count(net.depth, mode)
    assert [s.index for s in steps] == list(range(len(steps)))
    assert all(s.mode == mode for s in steps)


def test_forward_mode_has_no_backward_steps_and_both_has_reverse_and_forward():
    net = _net(*NETWORKS[0])
    trace = backprop.run(net)
    fwd = timeline.build(net, trace, "forward")
    assert [s.phase for s in fwd].count("backward") == 0
    both = timeline.build(net, trace, "both")
    kinds = [s.kind for s in both]
    assert kinds[0] == "seed" and kinds[-1] == "forward_product"
    reverse_kinds = [s.kind for s in timeline.build(net, trace, "reverse")]
    assert [k for k in kinds if k not in ("seed", "forward_product")] == reverse_kinds


def test_default_network_counts_37_reverse_and_62_forward():
    """[2, 4, 3, 2], tanh, sigmoid, softmax. Reverse, with ⊙: softmax J 2·2 + (W³)ᵀ 2·3 +
    σ′ 3 + (W²)ᵀ 3·4 + tanh′ 4 + (W¹)ᵀ 4·2 = 37. Forward: W¹·I free, tanh′ ⊙ 4·2, W² 3·4·2,
    σ′ ⊙ 3·2, W³ 2·3·2, softmax J 2·2·2, dC/daᴸ row 2·2 = 62."""
    net = load_network(ASSETS / "networks" / "default.json")
    steps = timeline.build(net, backprop.run(net), "both")
    assert timeline.counters(steps, len(steps) - 1) == {"reverse": 37, "forward": 62}
    assert timeline.counters(steps, -1) == {"reverse": 0, "forward": 0}


@pytest.mark.parametrize("spec", NETWORKS)
def test_counters_agree_with_the_closed_forms(spec):
    net = _net(*spec)
    sizes = net.sizes
    n0 = sizes[0]

    def f_cost(l, cols):
        n = sizes[l]
        return n * cols if net.layer(l).activation != "softmax" else n * n * cols

    reverse = sum(f_cost(l, 1) + sizes[l] * sizes[l - 1] for l in range(1, net.depth + 1))
    forward = sum(f_cost(l, n0) for l in range(1, net.depth + 1))
    forward += sum(sizes[l] * sizes[l - 1] * n0 for l in range(2, net.depth + 1))
    forward += sizes[-1] * n0
    steps = timeline.build(net, backprop.run(net), "both")
    assert timeline.counters(steps, len(steps) - 1) == {"reverse": reverse, "forward": forward}


def test_counters_run_step_by_step():
    net = _net(*NETWORKS[1])
    steps = timeline.build(net, backprop.run(net), "forward")
    totals = [timeline.counters(steps, k)["forward"] for k in range(-1, len(steps))]
    assert totals == sorted(totals)
    assert totals[0] == 0 and totals[-1] > totals[1]


def test_small_carried_matrices_show_their_entries():
    net = _net(*NETWORKS[0])
    steps = timeline.build(net, backprop.run(net), "forward")
    act1 = steps[2]
    m = act1.written("da_dx", 1).values
    assert act1.numbers_text.endswith(
        "∂a¹/∂x = [" + "; ".join(", ".join(format_number(v) for v in r) for r in m) + "]"
    )
    assert "⊙" in act1.equation_text


def test_unknown_mode_is_refused():
    net = _net(*NETWORKS[0])
    with pytest.raises(ValueError, match="unknown mode 'sideways'"):
        timeline.build(net, backprop.run(net), "sideways")


@pytest.mark.parametrize("spec", NETWORKS)
def test_counters_at_the_end_equal_the_chain_views_costs(spec):
    """The step-by-step counters add up to the chain view's totals (engine/chain.py)."""
    from visualizer.engine.chain import network_costs

    net = _net(*spec)
    steps = timeline.build(net, backprop.run(net), "both")
    costs = network_costs(net)
    assert timeline.counters(steps, len(steps) - 1) == {
        "reverse": costs.loss_end,
        "forward": costs.input_end,
    }
