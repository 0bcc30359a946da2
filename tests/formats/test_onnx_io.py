"""ONNX in and out: round trips bit for bit, graphs in the layouts other tools write, the
forward pass under onnxruntime, and refusals that name the node at fault."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from visualizer.engine import backprop
from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.network import Network, Sample, make_network
from visualizer.formats.errors import FormatError
from visualizer.formats.models import LOGITS_NOTE, open_model
from visualizer.formats.onnx_io import network_to_onnx, read_onnx, save_onnx

RNG = np.random.default_rng(7)
# onnxruntime 1.32 has no float64 Erf, which the exact GELU needs: that one is checked with
# ONNX's reference evaluator instead.
ORT_FLOAT64 = [name for name in ACTIVATIONS if name != "gelu"]


def _network(acts: list[str], loss: str = "half_squared_error", sizes=None) -> Network:
    sizes = sizes or [3, 5, 4, 2][: len(acts) + 1]
    net = make_network(sizes, acts, loss)
    x = RNG.normal(size=sizes[0])
    return net.replace(name="demo", sample=Sample(x, np.full(sizes[-1], 1.0 / sizes[-1])))


def _model(nodes, inits, n_in: int, out: str = "y", opset: int = 17) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", n_in])],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _save(model: onnx.ModelProto, tmp_path, name: str = "m.onnx"):
    path = tmp_path / name
    path.write_bytes(model.SerializeToString())
    return path


# -- round trips -------------------------------------------------------------------------
@pytest.mark.parametrize("act", list(ACTIVATIONS))
def test_app_to_onnx_to_app_is_bit_for_bit(tmp_path, act: str) -> None:
    loss = "cross_entropy" if act == "softmax" else "half_squared_error"
    net = _network(["tanh", act], loss)
    path = tmp_path / "net.onnx"
    save_onnx(net, path)
    opened = open_model(path)
    assert opened.network == net
    assert opened.notes == ()
    onnx.checker.check_model(onnx.load(path), full_check=True)
    assert not list(tmp_path.glob(".*.tmp"))


def test_written_model_is_float64_with_an_opset_of_17_or_more() -> None:
    model = network_to_onnx(_network(["relu", "sigmoid"]))
    assert model.opset_import[0].version >= 17
    assert {t.data_type for t in model.graph.initializer} == {TensorProto.DOUBLE}
    assert model.graph.input[0].type.tensor_type.elem_type == TensorProto.DOUBLE


@pytest.mark.parametrize("act", ORT_FLOAT64)
def test_onnxruntime_matches_the_engine_within_1e_12(act: str) -> None:
    ort = pytest.importorskip("onnxruntime")  # a test dependency: always installed
    net = _network(["tanh", "silu", act], sizes=[4, 6, 5, 3])
    session = ort.InferenceSession(
        network_to_onnx(net).SerializeToString(), providers=["CPUExecutionProvider"]
    )
    x = RNG.normal(size=(8, 4)) * 2
    (got,) = session.run(None, {"x": x})
    expected = backprop.run(net, x, np.zeros((8, 3))).output
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("act", ["gelu", "gelu_tanh", "softplus"])
def test_reference_evaluator_matches_the_engine_where_onnxruntime_has_no_float64(act) -> None:
    import math

    from onnx.reference import ReferenceEvaluator
    from onnx.reference.ops._op import OpRunUnaryNum

    class Erf(OpRunUnaryNum):
        # The evaluator's own Erf rounds to float32; this one keeps math.erf's float64.
        def _run(self, x):
            return (np.vectorize(math.erf, otypes=[np.float64])(x),)

    net = _network(["relu", act], sizes=[3, 4, 2])
    x = RNG.normal(size=(5, 3))
    (got,) = ReferenceEvaluator(network_to_onnx(net), new_ops=[Erf]).run(None, {"x": x})
    expected = backprop.run(net, x, np.zeros((5, 2))).output
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


# -- graphs written by other tools ---------------------------------------------------------
def test_gemm_with_transB_opens_with_the_right_weights(tmp_path) -> None:
    w1, b1 = RNG.normal(size=(4, 3)).astype(np.float32), RNG.normal(size=4).astype(np.float32)
    w2, b2 = RNG.normal(size=(2, 4)).astype(np.float32), RNG.normal(size=2).astype(np.float32)
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["h"], name="fc1", transB=1),
        helper.make_node("Relu", ["h"], ["r"], name="relu"),
        helper.make_node("Gemm", ["r", "W2", "b2"], ["y"], name="fc2", transB=1),
    ]
    path = _save(_model(nodes, {"W1": w1, "b1": b1, "W2": w2, "b2": b2}, 3), tmp_path)
    net = open_model(path).network
    assert [layer.activation for layer in net.layers] == ["relu", "identity"]
    np.testing.assert_array_equal(net.layers[0].weights, w1.astype(np.float64))
    np.testing.assert_array_equal(net.layers[1].biases, b2.astype(np.float64))
    assert net.loss == "half_squared_error" and net.name == "m"


def test_matmul_add_with_weights_stored_transposed_opens_with_the_right_weights(tmp_path):
    w1 = RNG.normal(size=(3, 4))  # (in, out), as x @ W
    b1 = RNG.normal(size=4)
    w2 = RNG.normal(size=(4, 2))
    b2 = RNG.normal(size=2)
    nodes = [
        helper.make_node("MatMul", ["x", "W1"], ["m1"], name="mm1"),
        helper.make_node("Add", ["m1", "b1"], ["z1"], name="add1"),
        helper.make_node("Sigmoid", ["z1"], ["a1"], name="sig"),
        helper.make_node("MatMul", ["a1", "W2"], ["m2"], name="mm2"),
        helper.make_node("Add", ["b2", "m2"], ["z2"], name="add2"),  # bias first: allowed
        helper.make_node("Softmax", ["z2"], ["y"], name="sm", axis=1),
    ]
    path = _save(_model(nodes, {"W1": w1, "b1": b1, "W2": w2, "b2": b2}, 3), tmp_path)
    net = open_model(path).network
    np.testing.assert_array_equal(net.layers[0].weights, w1.T)
    np.testing.assert_array_equal(net.layers[1].weights, w2.T)
    np.testing.assert_array_equal(net.layers[1].biases, b2)
    assert [layer.activation for layer in net.layers] == ["sigmoid", "softmax"]
    assert net.loss == "cross_entropy"


def test_gemm_alpha_beta_and_untransposed_weights_are_folded_in(tmp_path) -> None:
    w = RNG.normal(size=(3, 2))  # transB = 0: (in, out)
    c = RNG.normal(size=(1, 2))
    nodes = [helper.make_node("Gemm", ["x", "W", "C"], ["y"], alpha=0.5, beta=2.0)]
    net = open_model(_save(_model(nodes, {"W": w, "C": c}, 3), tmp_path)).network
    np.testing.assert_array_equal(net.layers[0].weights, 0.5 * w.T)
    np.testing.assert_array_equal(net.layers[0].biases, 2.0 * c[0])


def test_flatten_at_the_input_silu_gelu_and_identity_are_understood(tmp_path) -> None:
    w1, w2 = RNG.normal(size=(4, 6)), RNG.normal(size=(2, 4))
    nodes = [
        helper.make_node("Flatten", ["x"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "W1"], ["z1"], name="fc1", transB=1),
        helper.make_node("Sigmoid", ["z1"], ["s1"], name="silu_sigmoid"),
        helper.make_node("Mul", ["s1", "z1"], ["a1"], name="silu_mul"),
        helper.make_node("Identity", ["a1"], ["i1"], name="id"),
        helper.make_node("Gemm", ["i1", "W2"], ["z2"], name="fc2", transB=1),
        helper.make_node("Gelu", ["z2"], ["y"], name="gelu", approximate="tanh"),
    ]
    graph = _model(nodes, {"W1": w1, "W2": w2}, 6, opset=20)
    graph.graph.input[0].CopyFrom(
        helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2, 3])
    )
    net = open_model(_save(graph, tmp_path)).network
    assert net.input_size == 6
    assert [layer.activation for layer in net.layers] == ["silu", "gelu_tanh"]
    np.testing.assert_array_equal(net.layers[0].biases, np.zeros(4))


def test_pytorch_style_exact_gelu_pattern_is_understood(tmp_path) -> None:
    w = RNG.normal(size=(2, 3))
    nodes = [
        helper.make_node("Gemm", ["x", "W"], ["z"], transB=1),
        helper.make_node("Div", ["z", "sqrt2"], ["d"]),
        helper.make_node("Erf", ["d"], ["e"]),
        helper.make_node("Add", ["e", "one"], ["p"]),
        helper.make_node("Mul", ["z", "p"], ["m"]),
        helper.make_node("Mul", ["m", "half"], ["y"]),
    ]
    consts = {"W": w, "sqrt2": np.float32(1.4142135), "one": np.float32(1), "half": np.float32(0.5)}
    net = open_model(_save(_model(nodes, consts, 3), tmp_path)).network
    assert net.layers[0].activation == "gelu"


def test_logits_opened_with_cross_entropy_get_softmax_and_say_so(tmp_path) -> None:
    nodes = [helper.make_node("Gemm", ["x", "W", "b"], ["y"], transB=1)]
    path = _save(_model(nodes, {"W": RNG.normal(size=(3, 2)), "b": np.zeros(3)}, 2), tmp_path)
    opened = open_model(path, loss="cross_entropy")
    assert opened.network.layers[-1].activation == "softmax"
    assert opened.notes == (LOGITS_NOTE,)
    assert open_model(path).network.layers[-1].activation == "identity"


def test_leaky_relu_opens_only_with_the_engines_slope(tmp_path) -> None:
    def with_alpha(alpha: float):
        nodes = [
            helper.make_node("Gemm", ["x", "W"], ["z"], transB=1),
            helper.make_node("LeakyRelu", ["z"], ["y"], name="lrelu", alpha=alpha),
        ]
        return _save(_model(nodes, {"W": RNG.normal(size=(2, 2))}, 2), tmp_path)

    assert open_model(with_alpha(0.01)).network.layers[0].activation == "leaky_relu"
    with pytest.raises(FormatError, match=r"node 'lrelu' \(LeakyRelu\): slope alpha=0.2"):
        open_model(with_alpha(0.2))


# -- refusals ----------------------------------------------------------------------------
def _refused(tmp_path, nodes, inits, n_in=3, **kw) -> str:
    path = _save(_model(nodes, inits, n_in, **kw), tmp_path)
    with pytest.raises(FormatError) as info:
        read_onnx(path)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_a_convolution_is_refused_by_name(tmp_path) -> None:
    nodes = [helper.make_node("Conv", ["x", "K"], ["y"], name="conv1")]
    message = _refused(tmp_path, nodes, {"K": np.ones((1, 1, 1), dtype=np.float32)})
    assert message == "node 'conv1' (Conv): only fully connected layers are supported"


def test_a_branch_is_refused(tmp_path) -> None:
    nodes = [
        helper.make_node("Gemm", ["x", "W"], ["z"], name="fc", transB=1),
        helper.make_node("Relu", ["z"], ["y"], name="relu"),
        helper.make_node("Tanh", ["z"], ["t"], name="tanh"),
    ]
    message = _refused(tmp_path, nodes, {"W": RNG.normal(size=(2, 3))})
    assert message.startswith("node 'tanh' (Tanh): the value 'z' feeds 2 nodes (a branch)")


def test_a_residual_add_is_refused(tmp_path) -> None:
    nodes = [
        helper.make_node("Gemm", ["x", "W"], ["z"], name="fc", transB=1),
        helper.make_node("Relu", ["z"], ["r"], name="relu"),
        helper.make_node("Add", ["r", "x"], ["y"], name="skip"),
    ]
    message = _refused(tmp_path, nodes, {"W": RNG.normal(size=(3, 3))})
    assert message.startswith("node 'skip' (Add): ")
    assert "residual" in message


def test_an_unknown_op_is_refused(tmp_path) -> None:
    nodes = [
        helper.make_node("Gemm", ["x", "W"], ["z"], name="fc", transB=1),
        helper.make_node("HardSigmoid", ["z"], ["y"], name="hs"),
    ]
    message = _refused(tmp_path, nodes, {"W": RNG.normal(size=(2, 3))})
    assert message == "node 'hs' (HardSigmoid): not a dense layer or an activation the app has"


def test_softmax_over_another_axis_and_two_activations_in_a_row_are_refused(tmp_path):
    w = {"W": RNG.normal(size=(2, 3))}
    gemm = helper.make_node("Gemm", ["x", "W"], ["z"], name="fc", transB=1)
    message = _refused(tmp_path, [gemm, helper.make_node("Softmax", ["z"], ["y"], axis=0)], w)
    assert "only the last axis" in message
    nodes = [
        gemm,
        helper.make_node("Relu", ["z"], ["r"], name="relu"),
        helper.make_node("Sigmoid", ["r"], ["y"], name="sig"),
    ]
    message = _refused(tmp_path, nodes, w)
    assert message == (
        "node 'sig' (Sigmoid): a second activation in a row (after node 'relu' (Relu))"
    )


def test_layers_that_do_not_fit_together_are_refused(tmp_path) -> None:
    nodes = [
        helper.make_node("Gemm", ["x", "W1"], ["z"], name="fc1", transB=1),
        helper.make_node("Gemm", ["z", "W2"], ["y"], name="fc2", transB=1),
    ]
    message = _refused(tmp_path, nodes, {"W1": np.ones((4, 3)), "W2": np.ones((2, 5))})
    assert message == "node 'fc2' (Gemm): weights for 5 inputs, but the value it gets has 4"


def test_sizes_beyond_the_apps_limits_are_refused_in_one_line(tmp_path) -> None:
    nodes = [helper.make_node("Gemm", ["x", "W"], ["y"], name="fc", transB=1)]
    wide = _save(_model(nodes, {"W": np.zeros((5000, 2), dtype=np.float32)}, 2), tmp_path)
    with pytest.raises(FormatError, match=r"^layer 1: 5000 neurons, at most 4096 are allowed$"):
        open_model(wide)
    deep_nodes = [
        helper.make_node("Gemm", [f"h{i}" if i else "x", "W"], [f"h{i + 1}" if i < 16 else "y"],
                         transB=1)
        for i in range(17)
    ]  # fmt: skip
    deep = _save(_model(deep_nodes, {"W": np.eye(2)}, 2), tmp_path, "deep.onnx")
    with pytest.raises(FormatError, match=r"^17 layers: at most 16 are allowed$"):
        open_model(deep)
