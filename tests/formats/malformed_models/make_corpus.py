"""Writes this folder's hostile and broken model files (run it to rebuild them):

    .venv/bin/python tests/formats/malformed_models/make_corpus.py
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).parent


def _model(initializers, nodes=None, inputs=None) -> bytes:
    nodes = nodes or [helper.make_node("Gemm", ["x", "W"], ["y"], name="fc", transB=1)]
    inputs = inputs or [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", 3])]
    graph = helper.make_graph(
        nodes,
        "g",
        inputs,
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, None)],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return model.SerializeToString()


def _tensor(dims: list[int], raw: bytes) -> TensorProto:
    """A float64 tensor declaring `dims` whatever `raw` holds."""
    return TensorProto(name="W", data_type=TensorProto.DOUBLE, dims=dims, raw_data=raw)


def _external(name: str, location: str, length: int = 48) -> TensorProto:
    tensor = TensorProto(name=name, data_type=TensorProto.DOUBLE, dims=[2, 3])
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", str(length))):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return tensor


def _safetensors(header: dict, data: bytes = b"") -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def main() -> None:
    good = _model([numpy_helper.from_array(np.ones((2, 3)), "W")])
    files = {
        "truncated.onnx": good[: len(good) // 2],
        "empty.onnx": b"",
        "not_onnx.onnx": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        "text.onnx": b"this is a network: 3 inputs, 2 outputs\n",
        "huge_declared_tensor.onnx": _model([_tensor([100000, 100000], b"\0" * 48)]),
        "short_tensor_data.onnx": _model([_tensor([2, 3], b"\0" * 8)]),
        "external_outside_folder.onnx": _model([_external("W", "../outside.bin")]),
        "external_absolute_path.onnx": _model([_external("W", "/etc/passwd")]),
        "external_missing_file.onnx": _model([_external("W", "weights.bin")]),
        "external_wrong_length.onnx": _model([_external("W", "weights.bin", length=10**12)]),
        "int_weights.onnx": _model([numpy_helper.from_array(np.ones((2, 3), np.int64), "W")]),
        "two_inputs.onnx": _model(
            [numpy_helper.from_array(np.ones((2, 3)), "W")],
            inputs=[
                helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", 3]),
                helper.make_tensor_value_info("x2", TensorProto.DOUBLE, ["N", 3]),
            ],
        ),
        "truncated.safetensors": _safetensors(
            {"0.weight": {"dtype": "F64", "shape": [2, 3], "data_offsets": [0, 48]}}, b"\0" * 20
        ),
        "huge_header.safetensors": struct.pack("<Q", 2**62) + b"{}",
        "huge_declared_tensor.safetensors": _safetensors(
            {"0.weight": {"dtype": "F64", "shape": [100000, 100000], "data_offsets": [0, 8]}},
            b"\0" * 8,
        ),
        "pickle.safetensors": b"\x80\x04\x95" + b"cos\nsystem\n" + b"\0" * 16,
    }
    for name, data in files.items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
