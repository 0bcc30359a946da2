"""The corpus of broken and hostile ONNX / safetensors files (malformed_models/, rebuilt
by its make_corpus.py): each is refused with one line, without reading outside the
model's folder or allocating what a file merely declares."""

from __future__ import annotations

import shutil
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

# Imported up front, so that importing onnx does not count in the memory peaks measured below.
from visualizer.formats import onnx_io, safetensors_io  # noqa: F401
from visualizer.formats.errors import FormatError
from visualizer.formats.models import open_model

FOLDER = Path(__file__).parent / "malformed_models"
EXPECTED = {
    "empty.onnx": "not an ONNX model (no graph with nodes and an opset)",
    "truncated.onnx": "not an ONNX model (not a readable protobuf; truncated?)",
    "not_onnx.onnx": "not an ONNX model",
    "text.onnx": "not an ONNX model",
    "huge_declared_tensor.onnx": "tensor 'W': declares shape [100000, 100000]",
    "short_tensor_data.onnx": "tensor 'W': 8 bytes of data for shape [2, 3]",
    "external_outside_folder.onnx": "'../outside.bin' lies outside the model's folder",
    "external_absolute_path.onnx": "'/etc/passwd' lies outside the model's folder",
    "external_missing_file.onnx": "its data file 'weights.bin' does not exist",
    "external_wrong_length.onnx": "external data of 1,000,000,000,000 bytes",
    "int_weights.onnx": "tensor 'W': INT64 values; weights must be float32 or float64",
    "two_inputs.onnx": "the graph has 2 inputs; an MLP has one",
    "truncated.safetensors": "tensor '0.weight': its data offsets do not fit",
    "huge_header.safetensors": "not a safetensors file (declares a",
    "huge_declared_tensor.safetensors": "tensor '0.weight': declares shape [100000, 100000]",
    "pickle.safetensors": "not a safetensors file",
}
CORPUS = sorted(p.name for p in FOLDER.iterdir() if p.suffix in (".onnx", ".safetensors"))


def test_every_file_of_the_corpus_has_its_expected_message() -> None:
    assert sorted(EXPECTED) == CORPUS


@pytest.mark.parametrize("name", CORPUS)
def test_malformed_model_is_refused_in_one_line(name: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(FormatError) as info:
            open_model(FOLDER / name, activations=["relu"] if "safetensors" in name else None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert EXPECTED[name] in message
    assert "\n" not in message and name not in message  # the caller names the file
    assert peak < 5_000_000  # nothing the size of a declared 10⁵ × 10⁵ tensor (80 GB)


def test_external_data_outside_the_folder_is_never_read(tmp_path, monkeypatch) -> None:
    inner = tmp_path / "models"
    inner.mkdir()
    shutil.copy(FOLDER / "external_outside_folder.onnx", inner / "m.onnx")
    (tmp_path / "outside.bin").write_bytes(np.ones((2, 3)).tobytes())  # would fit exactly
    opened: list[str] = []
    real_open = Path.open

    def spy(self, *args, **kwargs):
        opened.append(self.name)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", spy)
    with pytest.raises(FormatError, match="lies outside the model's folder; refused"):
        open_model(inner / "m.onnx")
    assert "outside.bin" not in opened


def test_external_data_inside_the_folder_is_read(tmp_path) -> None:
    from onnx import TensorProto, helper

    weights = np.arange(6.0).reshape(2, 3)
    (tmp_path / "weights.bin").write_bytes(b"\0" * 8 + weights.tobytes())
    tensor = TensorProto(name="W", data_type=TensorProto.DOUBLE, dims=[2, 3])
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "weights.bin"), ("offset", "8"), ("length", "48")):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "W"], ["y"], transB=1)],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", 3])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, None)],
        [tensor],
    )
    (tmp_path / "m.onnx").write_bytes(helper.make_model(graph).SerializeToString())
    network = open_model(tmp_path / "m.onnx").network
    np.testing.assert_array_equal(network.layers[0].weights, weights)
