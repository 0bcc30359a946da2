"""The playback timeline: order of the steps, their values (the Trace's own), their
equations and numbers, and what is visible when."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visualizer import notation
from visualizer.engine import backprop
from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.losses import LOSSES
from visualizer.engine.network import InitSpec, Sample, make_network
from visualizer.notation import format_number, format_value
from visualizer.timeline import build, first_written, phase_spans, visible_values

MINUS = "\u2212"


def small_net():
    """The brief's known network: 2 → 3 (tanh) → 2 (softmax), cross-entropy."""
    return make_network(
        [2, 3, 2],
        ["tanh", "softmax"],
        "cross_entropy",
        sample=Sample([0.3, -0.7], [0.0, 1.0]),
    )


def deep_net():
    """Three layers, non-fused output, a uniform init so biases are non-zero."""
    return make_network(
        [3, 4, 5, 2],
        ["sigmoid", "leaky_relu", "identity"],
        "half_squared_error",
        init=InitSpec("uniform", seed=3),
        sample=Sample([0.4, -1.2, 0.9], [0.25, -0.5]),
    )


NETS = {"small": small_net, "deep": deep_net}


@pytest.fixture(params=sorted(NETS))
def net_and_steps(request):
    net = NETS[request.param]()
    trace = backprop.run(net)
    return net, trace, build(net, trace)


def expected_kinds(depth: int) -> list[tuple[str, int]]:
    forward = [(k, l) for l in range(1, depth + 1) for k in ("linear", "activation")]
    loss = [("loss", depth), ("loss_grad", depth)]
    backward = [
        (k, l) for l in range(depth, 0, -1) for k in ("activation_grad", "weight_grad", "transpose")
    ]
    return forward + loss + backward


def trace_value(trace, net, name: str, layer: int):
    """The Trace (or network) array that (name, layer) stands for (`Trace.value` is pinned
    against the Trace's fields in tests/engine/test_trace_value.py)."""
    return net.layer(layer).biases if name == "b" else trace.value(name, layer)


def parse_number(s: str) -> float:
    s = s.replace(MINUS, "-").replace("∞", "inf")
    return float(s)


def parse_numbers(numbers_text: str) -> list[str]:
    """The right-hand sides of "lhs = value; lhs = value" (a column "[…]ᵀ" as "[…]")."""
    return [part.rsplit(" = ", 1)[1].removesuffix("ᵀ") for part in numbers_text.split("; ")]


# -- order and shape ---------------------------------------------------------------------
def test_steps_come_in_forward_loss_backward_order_with_5L_plus_2_steps(net_and_steps):
    net, _, steps = net_and_steps
    assert len(steps) == 5 * net.depth + 2
    assert [(s.kind, s.layer) for s in steps] == expected_kinds(net.depth)
    assert [s.index for s in steps] == list(range(len(steps)))


def test_small_network_kinds_are_exactly_the_briefs_sequence():
    steps = build(small_net(), backprop.run(small_net()))
    assert [s.kind for s in steps] == [
        "linear", "activation", "linear", "activation",
        "loss", "loss_grad",
        "activation_grad", "weight_grad", "transpose",
        "activation_grad", "weight_grad", "transpose",
    ]  # fmt: skip


def test_phases_are_forward_then_loss_then_backward(net_and_steps):
    net, _, steps = net_and_steps
    phases = {"linear": "forward", "activation": "forward", "loss": "loss", "loss_grad": "loss"}
    for s in steps:
        assert s.phase == phases.get(s.kind, "backward")
    depth = net.depth
    assert phase_spans(steps) == [
        ("forward", 0, 2 * depth - 1),
        ("loss", 2 * depth, 2 * depth + 1),
        ("backward", 2 * depth + 2, 5 * depth + 1),
    ]


def test_phase_spans_of_no_steps_is_empty():
    assert phase_spans([]) == []


def test_only_transpose_steps_are_transposed_and_they_use_their_layers_weights(net_and_steps):
    _, _, steps = net_and_steps
    for s in steps:
        assert s.transposed == (s.kind == "transpose")
        if s.kind in ("linear", "weight_grad", "transpose"):
            assert s.matrices == (("W", s.layer),)


# -- values ------------------------------------------------------------------------------
def test_every_written_value_is_exactly_the_traces_array(net_and_steps):
    net, trace, steps = net_and_steps
    for s in steps:
        assert s.writes, s.kind
        for r in s.writes:
            assert np.array_equal(r.values, trace_value(trace, net, r.name, r.layer)), r.key
            assert r.values.dtype == np.float64


def test_every_read_value_is_exactly_the_traces_or_networks_array(net_and_steps):
    net, trace, steps = net_and_steps
    for s in steps:
        for r in s.reads:
            assert np.array_equal(r.values, trace_value(trace, net, r.name, r.layer)), r.key


def test_written_keys_match_the_kind_of_step(net_and_steps):
    net, _, steps = net_and_steps
    written = {
        "linear": lambda l: [("z", l)],
        "activation": lambda l: [("a", l)],
        "loss": lambda l: [("C", l)],
        "loss_grad": lambda l: [("grad_a", l)],
        "activation_grad": lambda l: [("delta", l)],
        "weight_grad": lambda l: [("dW", l), ("db", l)],
        "transpose": lambda l: [("grad_a", l - 1)],
    }
    for s in steps:
        assert [r.key for r in s.writes] == written[s.kind](s.layer)
    assert steps[2 * net.depth].layer == net.depth  # the loss steps carry layer L


def test_each_value_is_written_by_exactly_one_step(net_and_steps):
    _, _, steps = net_and_steps
    keys = [r.key for s in steps for r in s.writes]
    assert len(keys) == len(set(keys))


def test_transpose_of_layer_1_writes_grad_x_equal_to_trace_dx(net_and_steps):
    _, trace, steps = net_and_steps
    last = steps[-1]
    assert (last.kind, last.layer) == ("transpose", 1)
    assert np.array_equal(last.written("grad_a", 0).values, trace.dx)
    assert last.equation_text == "∇ₓC = (W¹)ᵀ δ¹"


def test_step_values_are_read_only(net_and_steps):
    _, _, steps = net_and_steps
    for s in steps:
        for r in (*s.reads, *s.writes):
            with pytest.raises(ValueError):
                r.values[...] = 0.0


def test_written_lookup_raises_for_a_value_the_step_does_not_write():
    steps = build(small_net(), backprop.run(small_net()))
    with pytest.raises(KeyError):
        steps[0].written("a", 1)


# -- errors ------------------------------------------------------------------------------
def test_batch_trace_raises():
    net = small_net()
    trace = backprop.run(net, np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([[1, 0], [0, 1.0]]))
    with pytest.raises(ValueError, match="timeline needs one sample"):
        build(net, trace)


def test_trace_of_another_network_raises():
    with pytest.raises(ValueError, match="does not match"):
        build(deep_net(), backprop.run(small_net()))


# -- equations ---------------------------------------------------------------------------
def test_small_network_equations_read_as_in_the_maths():
    steps = build(small_net(), backprop.run(small_net()))
    assert [s.equation_text for s in steps] == [
        "z¹ = W¹ a⁰ + b¹",
        "a¹ = f¹(z¹)",
        "z² = W² a¹ + b²",
        "a² = f²(z²)",
        "C = −Σᵢ yᵢ log a²ᵢ",
        "∇_{a²}C = (∂C/∂a²)ᵀ = −y ⊘ a²",
        "δ² = a² − y",
        "∂C/∂W² = δ² (a¹)ᵀ; ∂C/∂b² = δ²",
        "∇_{a¹}C = (W²)ᵀ δ²",
        "δ¹ = (f¹)′(z¹) ⊙ ∇_{a¹}C",
        "∂C/∂W¹ = δ¹ (a⁰)ᵀ; ∂C/∂b¹ = δ¹",
        "∇ₓC = (W¹)ᵀ δ¹",
    ]
    assert steps[9].title == "backward · layer 1 · δ¹ = (f¹)′(z¹) ⊙ ∇_{a¹}C (f¹ = tanh)"
    assert steps[4].title.startswith("loss · C = ")


def test_html_uses_sup_and_sub_and_plain_text_has_no_tags(net_and_steps):
    _, _, steps = net_and_steps
    for s in steps:
        assert "<sup>" in s.equation_html, s.kind
        assert "<" not in s.equation_text and "<" not in s.numbers_text
        assert s.title_html.count("<sup>") >= 1
    assert "∇<sub>a<sup>1</sup></sub>C" in steps[-3].equation_html
    assert steps[-1].equation_html == "∇<sub>x</sub>C = (W<sup>1</sup>)<sup>T</sup> δ<sup>1</sup>"


def test_equation_is_the_plain_text_rendering(net_and_steps):
    _, _, steps = net_and_steps
    for s in steps:
        assert s.equation == s.equation_text


@pytest.mark.parametrize(
    ("activation", "loss"), [("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy")]
)
def test_fused_output_layer_says_delta_is_a_minus_y(activation, loss):
    net = make_network([2, 3], [activation], loss, sample=Sample([0.5, -0.5], [0, 1.0, 0]))
    trace = backprop.run(net)
    step = build(net, trace)[4]
    assert (step.kind, step.fused) == ("activation_grad", True)
    assert step.equation_text == "δ¹ = a¹ − y"
    assert [r.key for r in step.reads] == [("a", 1), ("y", 1)]
    assert np.allclose(step.written("delta", 1).values, trace.output - trace.y, rtol=0, atol=1e-15)


def test_softmax_without_cross_entropy_applies_the_transposed_jacobian():
    net = make_network([2, 3], ["softmax"], "half_squared_error")
    step = build(net, backprop.run(net))[4]
    assert step.kind == "activation_grad" and not step.fused
    assert step.equation_text == "δ¹ = (J_{f¹})ᵀ ∇_{a¹}C"
    assert step.matrices == (("J", 1),)


def test_elementwise_activation_grad_reads_z_and_the_incoming_gradient(net_and_steps):
    _, _, steps = net_and_steps
    for s in steps:
        if s.kind == "activation_grad" and not s.fused:
            assert [r.key for r in s.reads] == [("z", s.layer), ("grad_a", s.layer)]


# -- numbers -----------------------------------------------------------------------------
def test_numbers_text_matches_the_written_values_to_4_significant_digits(net_and_steps):
    _, _, steps = net_and_steps
    for s in steps:
        shown = parse_numbers(s.numbers_text)
        assert len(shown) == len(s.writes)
        for text, r in zip(shown, s.writes, strict=True):
            if r.values.ndim == 2:
                assert text == f"{r.values.shape[0]}×{r.values.shape[1]} matrix"
                continue
            numbers = [parse_number(t) for t in text.strip("[]").split(", ")]
            want = np.atleast_1d(r.values)
            assert len(numbers) == want.size  # these networks are narrow: nothing elided
            np.testing.assert_allclose(numbers, want, rtol=5e-4, atol=0)


def test_numbers_use_a_true_minus_sign(net_and_steps):
    _, _, steps = net_and_steps
    # matrices are shown by shape only, so only vectors and C can show a sign
    negatives = [
        s for s in steps if any(r.values.ndim < 2 and np.any(r.values < 0) for r in s.writes)
    ]
    assert negatives
    for s in negatives:
        assert MINUS in s.numbers_text
        assert "-" not in s.numbers_text


def test_numbers_start_with_the_left_hand_side_of_the_equation(net_and_steps):
    _, _, steps = net_and_steps
    for s in steps:
        lhs = s.equation_text.split(" = ", 1)[0]
        assert s.numbers_text.startswith(lhs + " = ")
        assert s.numbers_html.startswith(s.equation_html.split(" = ", 1)[0] + " = ")


def test_long_vectors_are_elided_in_the_middle():
    values = np.arange(12.0) - 5.5
    assert format_value(values) == f"[{MINUS}5.5, {MINUS}4.5, {MINUS}3.5, …, 4.5, 5.5]"
    net = make_network([2, 12, 1], ["tanh", "identity"], "half_squared_error")
    trace = backprop.run(net)
    step = build(net, trace)[0]
    shown = parse_numbers(step.numbers_text)[0].strip("[]").split(", ")
    assert len(shown) == 6 and shown[3] == "…"
    z = trace.z[0]
    np.testing.assert_allclose(
        [parse_number(t) for t in shown[:3] + shown[4:]],
        [*z[:3], *z[-2:]],
        rtol=5e-4,
    )


# -- what is visible ---------------------------------------------------------------------
def test_before_the_first_step_only_inputs_and_parameters_are_visible(net_and_steps):
    net, _, steps = net_and_steps
    visible = visible_values(steps, -1)
    shown = {key for key, on in visible.items() if on}
    params = {(p, l) for l in range(1, net.depth + 1) for p in ("W", "b")}
    assert shown == {("a", 0), ("y", net.depth)} | params


def test_a_value_is_hidden_before_its_step_and_shown_from_it_on(net_and_steps):
    _, _, steps = net_and_steps
    for s in steps:
        before = visible_values(steps, s.index - 1)
        at = visible_values(steps, s.index)
        for r in s.writes:
            assert before[r.key] is False, (s.index, r.key)
            assert at[r.key] is True
        for k in range(s.index, len(steps)):
            assert all(visible_values(steps, k)[r.key] for r in s.writes)


def test_everything_is_visible_after_the_last_step(net_and_steps):
    _, _, steps = net_and_steps
    assert all(visible_values(steps, len(steps) - 1).values())


def test_visible_values_rejects_steps_out_of_range(net_and_steps):
    _, _, steps = net_and_steps
    with pytest.raises(ValueError):
        visible_values(steps, -2)
    with pytest.raises(ValueError):
        visible_values(steps, len(steps))


def test_first_written_gives_the_writing_step_or_minus_one_for_inputs():
    steps = build(small_net(), backprop.run(small_net()))
    at = first_written(steps)
    assert at[("z", 1)] == 0
    assert at[("C", 2)] == 4
    assert at[("grad_a", 0)] == 11
    assert at[("a", 0)] == at[("W", 2)] == at[("b", 1)] == at[("y", 2)] == -1


@settings(max_examples=30, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    data=st.data(),
)
def test_no_step_reads_a_value_before_it_is_computed(sizes, data):
    depth = len(sizes) - 1
    acts = data.draw(st.lists(st.sampled_from(sorted(ACTIVATIONS)), min_size=depth, max_size=depth))
    loss = data.draw(st.sampled_from(sorted(LOSSES)))
    seed = data.draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    sample = Sample(rng.uniform(-2, 2, sizes[0]), rng.uniform(0, 1, sizes[-1]))
    net = make_network(sizes, acts, loss, init=InitSpec(seed=seed), sample=sample)
    with np.errstate(all="ignore"):  # a cross-entropy of a relu output of 0 is +∞
        trace = backprop.run(net)
    steps = build(net, trace)
    assert len(steps) == 5 * depth + 2
    assert [(s.kind, s.layer) for s in steps] == expected_kinds(depth)
    for s in steps:
        visible = visible_values(steps, s.index - 1)
        for r in s.reads:
            assert visible[r.key], (s.index, s.kind, r.key)
        for r in s.writes:
            # (A cross-entropy of an output outside (0, 1) is NaN: the same NaN.)
            want = trace_value(trace, net, r.name, r.layer)
            assert np.array_equal(r.values, want, equal_nan=True)
    assert all(visible_values(steps, len(steps) - 1).values())


def test_the_jacobian_notation_writes_each_elementwise_derivative_as_its_matrix():
    net = small_net()
    notation.set_display("jacobian")
    steps = build(net, backprop.run(net))
    assert steps[9].equation_text == "δ¹ = (J_{f¹})ᵀ ∇_{a¹}C"
    assert "(J<sub>f<sup>1</sup></sub>)<sup>T</sup>" in steps[9].equation_html
    notation.set_display("seed", digits=2)
    steps = build(net, backprop.run(net))
    assert steps[9].equation_text == "δ¹ = (f¹)′(z¹) ⊙ ∇_{a¹}C"
    delta = steps[9].written("delta", 1).values
    assert steps[9].numbers_text == "δ¹ = [" + ", ".join(format_number(v, 2) for v in delta) + "]ᵀ"


def test_column_vectors_are_written_as_transposed_rows(net_and_steps):
    _, _, steps = net_and_steps
    for s in steps:
        for part, ref in zip(s.numbers_text.split("; "), s.writes, strict=True):
            if ref.values.ndim == 1:  # aˡ, zˡ, δˡ, ∇_{aˡ}C, bˡ: columns
                assert part.endswith("]ᵀ"), part
            else:
                assert not part.endswith("ᵀ"), part
        if any(r.values.ndim == 1 for r in s.writes):
            assert "]<sup>T</sup>" in s.numbers_html


def test_a_timeline_makes_no_dW_until_its_values_are_read():
    # A timeline is built for every edit; ∂C/∂Wˡ is as big as Wˡ and its step shows only
    # its shape, so it is made when playback (or a panel) reads it.
    net = small_net()
    trace = backprop.run(net)
    steps = build(net, trace)
    assert trace.dW._made == [None] * net.depth
    refs = [r for s in steps for r in s.writes if r.name == "dW"]
    assert [r.layer for r in refs] == list(range(net.depth, 0, -1))
    for r in refs:
        assert r.shape == net.layer(r.layer).weights.shape
        assert format_value(np.zeros(r.shape)) in " ".join(s.numbers_text for s in steps)
    assert trace.dW._made == [None] * net.depth
    first, l = refs[0], refs[0].layer
    assert np.array_equal(first.values, np.outer(trace.delta[l - 1], trace.a[l - 1]))
    assert not first.values.flags.writeable and first.values is first.values
