"""ONNX models in and out, for multilayer perceptrons.

Reading walks the graph from its one input to its one output as a chain of fully connected
layers — `Gemm` (any `transB`, `alpha`, `beta`) or `MatMul` + `Add` — each followed by at
most one activation (`Relu`, `Sigmoid`, `Tanh`, `Softmax` on the last axis, `LeakyRelu` with
the engine's slope, `Softplus`, `Gelu`, SiLU as `x * Sigmoid(x)`, `Identity`), with
`Flatten`/`Reshape` allowed at the input. Anything else is refused with one line naming the
first node that does not fit, its op type and why. Weights are read as float64 from float32
or float64 tensors; declared sizes are checked against the app's limits before anything is
allocated, and external data is read only from files inside the model's own folder.

Writing gives the forward model (opset 17) in float64, with
the network's description (loss, sample, …; no weight values) in the model's metadata, so
a file this app wrote opens back bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from google.protobuf.message import DecodeError
from onnx import TensorProto, helper, numpy_helper

from visualizer.engine.activations import ACTIVATIONS, LEAKY_SLOPE
from visualizer.engine.limits import MAX_PARAMETERS
from visualizer.engine.network import Network
from visualizer.formats import jsontext as jt
from visualizer.formats.atomic import atomic_write
from visualizer.formats.errors import FormatError
from visualizer.formats.network_file import network_description
from visualizer.formats.tensors import declared_count

Array = np.ndarray

METADATA_KEY = "backprop-visualizer/network"  # the description this app writes
# 10 million float64 parameters take 80 MB; anything far beyond cannot be an MLP we accept,
# and protobuf would hold the whole file in memory before we could look at it.
MAX_FILE_BYTES = 256 * 2**20
OPSET = 17

_FLOAT_TYPES = {TensorProto.FLOAT: "<f4", TensorProto.DOUBLE: "<f8"}
_ACTIVATION_OPS = {
    "Relu": "relu",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "Softmax": "softmax",
    "LeakyRelu": "leaky_relu",
    "Softplus": "softplus",
    "Gelu": "gelu",
}
_CHAIN_OPS = {"Gemm", "MatMul", "Add", "Flatten", "Reshape", "Identity", "Dropout"}
_CHAIN_OPS.update(_ACTIVATION_OPS)
_NOT_DENSE = {
    "Conv", "ConvTranspose", "ConvInteger", "MaxPool", "AveragePool", "GlobalAveragePool",
    "GlobalMaxPool", "LSTM", "GRU", "RNN", "Attention", "MultiHeadAttention",
    "BatchNormalization", "LayerNormalization", "InstanceNormalization", "Embedding",
    "Gather",
}  # fmt: skip


@dataclass
class OnnxModel:
    """What an ONNX file says about an MLP: the layers' (Wˡ, bˡ) as float64 and their
    activation names, and the app's description when this app wrote the file."""

    input_size: int
    parameters: list[tuple[Array, Array]]
    activations: list[str]
    description: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def _node_label(node: onnx.NodeProto) -> str:
    name = node.name or (node.output[0] if node.output else "?")
    return f"node {name!r} ({node.op_type})"


class _Refused(FormatError):
    def __init__(self, node: onnx.NodeProto, why: str) -> None:
        super().__init__(f"{_node_label(node)}: {why}")


# -- reading the file ----------------------------------------------------------------------
def _parse(path: Path) -> onnx.ModelProto:
    if path.is_dir():
        raise FormatError("is a folder, not a file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FormatError(
                f"{size / 2**20:,.0f} MB; an ONNX model within the app's limits "
                f"(at most {MAX_PARAMETERS:,} parameters) is under {MAX_FILE_BYTES >> 20} MB"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise FormatError("no such file") from None
    except OSError as exc:
        raise FormatError(f"cannot read the file: {exc.strerror or exc}") from None
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError):
        raise FormatError("not an ONNX model (not a readable protobuf; truncated?)") from None
    if model.ir_version <= 0 or not model.graph.node or not model.opset_import:
        raise FormatError("not an ONNX model (no graph with nodes and an opset)")
    return model


def _external_bytes(tensor: TensorProto, folder: Path, nbytes: int) -> bytes:
    """The bytes of a tensor stored in an external file, which must lie in `folder`."""
    info = {entry.key: entry.value for entry in tensor.external_data}
    where = f"tensor {tensor.name!r}"
    location = info.get("location", "")
    if not location:
        raise FormatError(f"{where}: external data without a location")
    root = folder.resolve()
    target = (root / location).resolve()
    if Path(location).is_absolute() or not target.is_relative_to(root):
        raise FormatError(
            f"{where}: its data file {location!r} lies outside the model's folder; refused"
        )
    try:
        offset = int(info.get("offset", "0"))
        length = int(info.get("length", str(nbytes)))
    except ValueError:
        raise FormatError(f"{where}: external data offset/length are not whole numbers") from None
    if offset < 0 or length != nbytes:
        raise FormatError(
            f"{where}: external data of {length:,} bytes at offset {offset:,}, "
            f"expected {nbytes:,} bytes"
        )
    if not target.is_file():
        raise FormatError(f"{where}: its data file {location!r} does not exist")
    if target.stat().st_size < offset + nbytes:
        raise FormatError(f"{where}: its data file {location!r} is shorter than declared")
    with target.open("rb") as handle:
        handle.seek(offset)
        return handle.read(nbytes)


def _to_array(tensor: TensorProto, folder: Path) -> Array:
    """`tensor` as float64, after checking its declared size against the app's limits and
    against the data actually present (nothing is allocated from the declaration alone)."""
    where = f"tensor {tensor.name!r}"
    dims = [int(d) for d in tensor.dims]
    if any(d < 0 for d in dims):
        raise FormatError(f"{where}: negative dimension in {dims}")
    count = declared_count(where, dims)
    dtype = _FLOAT_TYPES.get(tensor.data_type)
    if dtype is None:
        name = TensorProto.DataType.Name(tensor.data_type) if tensor.data_type else "untyped"
        raise FormatError(f"{where}: {name} values; weights must be float32 or float64")
    nbytes = count * np.dtype(dtype).itemsize
    if tensor.data_location == TensorProto.EXTERNAL:
        raw = _external_bytes(tensor, Path(folder), nbytes)
    elif tensor.raw_data:
        raw = tensor.raw_data
        if len(raw) != nbytes:
            raise FormatError(f"{where}: {len(raw):,} bytes of data for shape {dims}")
    else:
        values = tensor.double_data if dtype == "<f8" else tensor.float_data
        if len(values) != count:
            raise FormatError(f"{where}: {len(values):,} values for shape {dims}")
        return np.array(values, dtype=dtype).astype(np.float64).reshape(dims)
    return np.frombuffer(raw, dtype=dtype).astype(np.float64).reshape(dims)


class _Graph:
    """The graph with what the walk needs: constants (lazily converted), consumers."""

    def __init__(self, model: onnx.ModelProto, folder: Path) -> None:
        graph = model.graph
        self.folder = folder
        self.output = graph.output[0].name if graph.output else ""
        self.tensors: dict[str, TensorProto] = {t.name: t for t in graph.initializer}
        self.values: dict[str, Array] = {}
        self.opset = next(
            (o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), OPSET
        )
        self.nodes = [n for n in graph.node if n.op_type != "Constant"]
        for node in graph.node:
            if node.op_type == "Constant":
                self._constant_node(node)
        self.consumers: dict[str, list[onnx.NodeProto]] = {}
        for node in self.nodes:
            for name in dict.fromkeys(node.input):
                if name:
                    self.consumers.setdefault(name, []).append(node)

    def _constant_node(self, node: onnx.NodeProto) -> None:
        attrs = _attributes(node)
        if "value" in attrs:
            self.tensors[node.output[0]] = attrs["value"]
        elif "value_float" in attrs or "value_floats" in attrs:
            value = attrs.get("value_float", attrs.get("value_floats"))
            self.values[node.output[0]] = np.array(value, dtype=np.float64)
        elif "value_int" in attrs or "value_ints" in attrs:
            value = attrs.get("value_int", attrs.get("value_ints"))
            self.values[node.output[0]] = np.array(value, dtype=np.float64)
        else:
            self.values[node.output[0]] = np.array(np.nan)  # a kind we never use as a number

    def is_constant(self, name: str) -> bool:
        return name in self.tensors or name in self.values

    def weights(self, name: str) -> Array:
        """A weight or bias constant: float32 or float64 only (constant() also takes ints)."""
        if name in self.tensors:
            return _to_array(self.tensors[name], self.folder)
        return self.constant(name)

    def constant(self, name: str) -> Array:
        if name not in self.values:
            tensor = self.tensors[name]
            if tensor.data_type in (TensorProto.INT64, TensorProto.INT32):
                self.values[name] = numpy_helper.to_array(tensor).astype(np.float64)
            else:
                self.values[name] = _to_array(tensor, self.folder)
        return self.values[name]


def _attributes(node: onnx.NodeProto) -> dict[str, Any]:
    return {attr.name: helper.get_attribute_value(attr) for attr in node.attribute}


def _scalar(graph: _Graph, name: str) -> float | None:
    if not graph.is_constant(name):
        return None
    value = graph.constant(name)
    return float(value.reshape(-1)[0]) if value.size == 1 else None


# -- walking the chain ---------------------------------------------------------------------
@dataclass
class _Layer:
    node: onnx.NodeProto
    weights: Array
    biases: Array | None = None
    activation: str | None = None
    activation_node: onnx.NodeProto | None = None


# Elementwise ops an activation may be written with (SiLU as x·σ(x), GELU as PyTorch
# exports it before opset 20, …), evaluated in float64 on probe values to name the
# activation the region computes.
_ELEMENTWISE: dict[str, Callable[..., Array]] = {
    "Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide,
    "Pow": np.power, "Max": np.maximum, "Min": np.minimum, "Neg": np.negative,
    "Abs": np.abs, "Exp": np.exp, "Log": np.log, "Sqrt": np.sqrt, "Tanh": np.tanh,
    "Reciprocal": np.reciprocal, "Identity": lambda z: z,
    "Sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),
    "Relu": lambda z: np.maximum(z, 0.0),
    "Erf": np.vectorize(math.erf, otypes=[np.float64]),
}  # fmt: skip
_PROBE = np.linspace(-6.0, 6.0, 97)


def _regions(graph: _Graph, cur: str) -> Iterator[tuple[list[onnx.NodeProto], str]]:
    """Runs of elementwise nodes (in graph order) that take `cur` and every one of its uses
    in and give one value out, shortest first: (nodes, that value)."""
    inside, nodes = {cur}, []
    for node in graph.nodes:
        computed = [n for n in node.input if n and not graph.is_constant(n)]
        if not computed or not set(computed) & inside:
            continue
        if node.op_type not in _ELEMENTWISE or not set(computed) <= inside:
            return
        if any(graph.constant(n).size != 1 for n in node.input if n and graph.is_constant(n)):
            return
        nodes.append(node)
        inside.add(node.output[0])
        members = {id(n) for n in nodes}
        last = node.output[0]
        if all(
            name != graph.output
            and graph.consumers.get(name)
            and all(id(user) in members for user in graph.consumers[name])
            for name in inside - {last}
        ):
            yield nodes.copy(), last


def _evaluate(graph: _Graph, nodes: list[onnx.NodeProto], cur: str) -> Array | None:
    values = {cur: _PROBE}
    with np.errstate(all="ignore"):
        for node in nodes:
            args = [
                values[n] if n in values else graph.constant(n).reshape(()) for n in node.input
            ]
            values[node.output[0]] = _ELEMENTWISE[node.op_type](*args)
    return values[nodes[-1].output[0]]


def _match_region(graph: _Graph, cur: str) -> tuple[str, str, onnx.NodeProto] | None:
    """(activation name, output value, first node) when the elementwise nodes after `cur`
    compute one of the engine's activations."""
    for nodes, out in _regions(graph, cur):
        got = _evaluate(graph, nodes, cur)
        for name, act in ACTIVATIONS.items():
            if act.elementwise and np.allclose(got, act.f(_PROBE), rtol=1e-6, atol=1e-9):
                return name, out, nodes[0]
    return None


def _linear(graph: _Graph, node: onnx.NodeProto, cur: str) -> _Layer:
    """The (n, n_prev) weights (and biases) of a Gemm or MatMul applied to `cur`."""
    if list(node.input[:1]) != [cur] or len(node.input) < 2 or not graph.is_constant(node.input[1]):
        raise _Refused(node, "the input must come first and the weights must be a constant")
    weights = graph.weights(node.input[1])
    if weights.ndim != 2:
        raise _Refused(node, f"weights of shape {weights.shape}; a dense layer's are 2-D")
    if node.op_type == "MatMul":
        return _Layer(node, weights.T)  # x @ W with W stored (n_prev, n)
    attrs = _attributes(node)
    if attrs.get("transA", 0):
        raise _Refused(node, "transA=1 (the batch transposed) is not supported")
    alpha, beta = float(attrs.get("alpha", 1.0)), float(attrs.get("beta", 1.0))
    w = weights if attrs.get("transB", 0) else weights.T
    w = w if alpha == 1.0 else alpha * w
    layer = _Layer(node, w)
    if len(node.input) > 2 and node.input[2]:
        if not graph.is_constant(node.input[2]):
            raise _Refused(node, "the bias C must be a constant")
        layer.biases = _bias(node, graph.weights(node.input[2]) * beta, w.shape[0])
    return layer


def _bias(node: onnx.NodeProto, value: Array, n: int) -> Array:
    if value.size not in (1, n) or (value.ndim == 2 and value.shape[0] != 1) or value.ndim > 2:
        raise _Refused(node, f"a bias of shape {value.shape} does not fit {n} outputs")
    return np.broadcast_to(value.reshape(-1), (n,)).astype(np.float64)


def _activation(graph: _Graph, node: onnx.NodeProto, rank: int) -> str:
    op = node.op_type
    attrs = _attributes(node)
    if op == "Softmax":
        axis = int(attrs.get("axis", -1 if graph.opset >= 13 else 1))
        if axis not in (-1, rank - 1):
            raise _Refused(node, f"softmax over axis {axis}; only the last axis is supported")
    elif op == "LeakyRelu":
        alpha = float(attrs.get("alpha", 0.01))
        # the attribute is float32: 0.01 arrives as 0.009999999776…
        if abs(alpha - LEAKY_SLOPE) > 1e-8:
            raise _Refused(
                node, f"slope alpha={alpha:.6g}; the app's leaky ReLU has slope {LEAKY_SLOPE:g}"
            )
    elif op == "Gelu":
        approximate = attrs.get("approximate", b"none")
        approximate = approximate.decode() if isinstance(approximate, bytes) else approximate
        if approximate == "tanh":
            return "gelu_tanh"
        if approximate != "none":
            raise _Refused(node, f"approximate={approximate!r} is not a GELU the app has")
    return _ACTIVATION_OPS[op]


def read_onnx(path: str | Path) -> OnnxModel:
    """The MLP in the ONNX file at `path`. FormatError (without the file name) naming the
    first node that is not part of one, or what is wrong with the file."""
    path = Path(path)
    model = _parse(path)
    graph = _Graph(model, path.parent)
    inputs = [i for i in model.graph.input if i.name not in graph.tensors]
    if len(inputs) != 1:
        raise FormatError(f"the graph has {len(inputs)} inputs; an MLP has one")
    if len(model.graph.output) != 1:
        raise FormatError(f"the graph has {len(model.graph.output)} outputs; an MLP has one")
    output = model.graph.output[0].name
    shape = inputs[0].type.tensor_type.shape
    rank = len(shape.dim) if inputs[0].type.tensor_type.HasField("shape") else 2
    declared = shape.dim[-1].dim_value if rank and shape.dim[-1].HasField("dim_value") else 0

    cur, layers = inputs[0].name, []
    seen: set[int] = set()
    while cur != output:
        users = graph.consumers.get(cur, [])
        if not users:
            raise FormatError(
                f"the value {cur!r} is not used: the output {output!r} does not follow from "
                "the input through a chain of layers"
            )
        if any(id(n) in seen for n in users):
            raise _Refused(next(n for n in users if id(n) in seen), "a cycle in the graph")
        pending = layers[-1] if layers else None
        single = len(users) == 1 and users[0].op_type in _CHAIN_OPS
        matched = None if single else _match_region(graph, cur)
        if matched is not None:
            if pending is None or pending.activation is not None:
                raise _Refused(matched[2], "an activation that does not follow a dense layer")
            pending.activation, pending.activation_node = matched[0], matched[2]
            cur = matched[1]
            continue
        if len(users) > 1:
            _refuse_branch(graph, cur, users)
        node = users[0]
        seen.add(id(node))
        op = node.op_type
        others = [name for name in node.input if name and name != cur]
        if op in ("Gemm", "MatMul"):
            layer = _linear(graph, node, cur)
            n_prev = layers[-1].weights.shape[0] if layers else declared
            if n_prev and layer.weights.shape[1] != n_prev:
                raise _Refused(
                    node,
                    f"weights for {layer.weights.shape[1]} inputs, but the value it gets has "
                    f"{n_prev}",
                )
            layers.append(layer)
        elif op == "Add":
            if len(others) != 1 or not graph.is_constant(others[0]):
                raise _Refused(
                    node,
                    "adds two values computed from the input (a residual or skip connection); "
                    "only a chain of layers is supported",
                )
            if pending is None or pending.activation is not None:
                raise _Refused(node, "only a bias added right after MatMul or Gemm is supported")
            bias = _bias(node, graph.weights(others[0]), pending.weights.shape[0])
            pending.biases = bias if pending.biases is None else pending.biases + bias
        elif op in ("Flatten", "Reshape"):
            if layers:
                raise _Refused(node, "reshaping is only supported at the input")
            declared, rank = 0, 2
        elif op in ("Identity", "Dropout"):
            if op == "Dropout" and (len(node.output) > 1 and node.output[1]):
                raise _Refused(node, "dropout with a mask output (a training graph)")
        elif op in _ACTIVATION_OPS:
            if any(not graph.is_constant(name) for name in others):
                raise _Refused(node, "takes a second value computed from the input (a branch)")
            if pending is None:
                raise _Refused(node, "an activation before the first dense layer")
            if pending.activation is not None:
                first = _node_label(pending.activation_node) if pending.activation_node else ""
                raise _Refused(node, f"a second activation in a row (after {first})")
            pending.activation, pending.activation_node = _activation(graph, node, rank), node
        elif op in _NOT_DENSE:
            raise _Refused(node, "only fully connected layers are supported")
        else:
            raise _Refused(node, "not a dense layer or an activation the app has")
        if len(node.output) < 1:
            raise _Refused(node, "has no output")
        cur = node.output[0]
    if not layers:
        raise FormatError("no dense layer (Gemm or MatMul) between the input and the output")

    parameters = []
    for layer in layers:
        n = layer.weights.shape[0]
        biases = np.zeros(n) if layer.biases is None else layer.biases
        parameters.append((np.ascontiguousarray(layer.weights), np.ascontiguousarray(biases)))
    activations = [layer.activation or "identity" for layer in layers]
    description = _description(model)
    return OnnxModel(int(layers[0].weights.shape[1]), parameters, activations, description)


def _refuse_branch(graph: _Graph, cur: str, users: list[onnx.NodeProto]) -> None:
    for node in users:
        computed = [n for n in node.input if n and not graph.is_constant(n)]
        if node.op_type in ("Add", "Sum", "Concat", "Mul") and len(set(computed)) > 1:
            raise _Refused(
                node,
                "combines the value with another one computed from the input (a residual or "
                "skip connection); only a chain of layers is supported",
            )
    raise _Refused(
        users[1],
        f"the value {cur!r} feeds {len(users)} nodes (a branch); only a chain of layers is "
        "supported",
    )


def _description(model: onnx.ModelProto) -> dict[str, Any] | None:
    for prop in model.metadata_props:
        if prop.key == METADATA_KEY:
            try:
                value = jt.parse(prop.value)
            except FormatError as exc:
                raise FormatError(exc.problem, f"metadata {METADATA_KEY!r}") from None
            return dict(jt.expect_object(value, f"metadata {METADATA_KEY!r}"))
    return None


# -- writing -------------------------------------------------------------------------------
def _activation_nodes(act: str, z: str, a: str, l: int) -> tuple[list, list]:
    """The nodes computing aˡ = f(zˡ), and the float64 scalar constants they use.

    Single operators where runtimes compute them in float64 exactly; elsewhere the formula
    spelled out with float64 constants (a LeakyRelu's alpha is a float32 attribute, and
    onnxruntime has Softplus, Erf and Gelu in float32 only). Readers, this one included,
    recognise the spelled-out forms."""
    nodes, consts = [], []
    count = 0

    def const(value: float) -> str:
        name = f"f{l}_c{len(consts)}"
        consts.append(numpy_helper.from_array(np.array(value, dtype=np.float64), name))
        return name

    def op(kind: str, *inputs: str, out: str | None = None, **attrs: Any) -> str:
        nonlocal count
        count += 1
        out = out or f"f{l}_t{count}"
        nodes.append(helper.make_node(kind, list(inputs), [out], name=f"f{l}_{count}", **attrs))
        return out

    if act in ("identity", "relu", "sigmoid", "tanh"):
        op({"identity": "Identity", "relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh"}[act],
           z, out=a)  # fmt: skip
    elif act == "softmax":
        op("Softmax", z, out=a, axis=-1)
    elif act == "silu":
        op("Mul", z, op("Sigmoid", z), out=a)
    elif act == "leaky_relu":  # max(z, 0.01 z) = z for z > 0, 0.01 z otherwise
        op("Max", z, op("Mul", z, const(LEAKY_SLOPE)), out=a)
    elif act == "softplus":  # max(z, 0) + log(1 + exp(−|z|)): no overflow
        tail = op("Log", op("Add", op("Exp", op("Neg", op("Abs", z))), const(1.0)))
        op("Add", op("Relu", z), tail, out=a)
    elif act == "gelu":  # ½ z (1 + erf(z / √2)), as PyTorch exports it before opset 20
        erf = op("Erf", op("Div", z, const(math.sqrt(2.0))))
        op("Mul", op("Mul", z, op("Add", erf, const(1.0))), const(0.5), out=a)
    elif act == "gelu_tanh":  # ½ z (1 + tanh(√(2/π) (z + 0.044715 z³)))
        inner = op("Add", z, op("Mul", op("Pow", z, const(3.0)), const(0.044715)))
        t = op("Tanh", op("Mul", inner, const(math.sqrt(2.0 / math.pi))))
        op("Mul", op("Mul", z, op("Add", t, const(1.0))), const(0.5), out=a)
    else:
        raise FormatError(f"layer {l}: no ONNX form for the activation {act!r}")
    return nodes, consts


def network_to_onnx(network: Network) -> onnx.ModelProto:
    """The forward model of `network` in float64: input `x` (batch, n⁰), output `a{L}`;
    layer l is `Gemm(a{l-1}, W{l}, b{l}, transB=1)` → `z{l}`, then its activation."""
    nodes, initializers = [], []
    prev = "x"
    for l, layer in enumerate(network.layers, start=1):
        initializers.append(numpy_helper.from_array(np.asarray(layer.weights), f"W{l}"))
        initializers.append(numpy_helper.from_array(np.asarray(layer.biases), f"b{l}"))
        nodes.append(
            helper.make_node(
                "Gemm", [prev, f"W{l}", f"b{l}"], [f"z{l}"], name=f"layer{l}", transB=1
            )
        )
        act_nodes, consts = _activation_nodes(layer.activation, f"z{l}", f"a{l}", l)
        nodes.extend(act_nodes)
        initializers.extend(consts)
        prev = f"a{l}"
    graph = helper.make_graph(
        nodes,
        network.name or "mlp",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["batch", network.input_size])],
        [helper.make_tensor_value_info(prev, TensorProto.DOUBLE, ["batch", network.output_size])],
        initializers,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="backprop-visualizer"
    )
    model.ir_version = 8  # what onnxruntime ≥ 1.15 reads
    helper.set_model_props(
        model, {METADATA_KEY: jt.dumps(network_description(network))}
    )
    return model


def save_onnx(network: Network, path: str | Path) -> None:
    """Write `network`'s forward model to `path` as ONNX, atomically; the model passes
    `onnx.checker`. OSError if the file cannot be written."""
    model = network_to_onnx(network)
    onnx.checker.check_model(model)
    atomic_write(path, model.SerializeToString())
