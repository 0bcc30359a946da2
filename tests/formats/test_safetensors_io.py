"""safetensors in and out: the app's own files bit for bit, PyTorch state_dicts with the
activations given, and files that are not what they claim."""

from __future__ import annotations

import itertools
import json
import struct

import numpy as np
import pytest
from safetensors.numpy import save_file

from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.network import InitSpec, Sample, make_network
from visualizer.formats.errors import FormatError
from visualizer.formats.models import LOGITS_NOTE, ActivationsNeeded, open_model
from visualizer.formats.safetensors_io import read_safetensors, save_safetensors

RNG = np.random.default_rng(3)


def _state_dict(sizes=(3, 5, 2), dtype=np.float32, prefix: str = "") -> dict[str, np.ndarray]:
    """What `safetensors.torch.save_file(model.state_dict(), …)` writes for
    Sequential(Linear, ReLU, Linear)."""
    tensors = {}
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        tensors[f"{prefix}{2 * i}.weight"] = RNG.normal(size=(n_out, n_in)).astype(dtype)
        tensors[f"{prefix}{2 * i}.bias"] = RNG.normal(size=n_out).astype(dtype)
    return tensors


@pytest.mark.parametrize("act", list(ACTIVATIONS))
def test_every_activation_survives_the_round_trip(tmp_path, act: str) -> None:
    net = make_network([3, 4, 2], ["silu", act], "mean_squared_error", InitSpec(seed=5))
    save_safetensors(net, tmp_path / "n.safetensors")
    assert open_model(tmp_path / "n.safetensors").network == net


def test_app_to_safetensors_to_app_is_bit_for_bit(tmp_path) -> None:
    net = make_network([4, 6, 3], ["gelu", "softmax"], "cross_entropy", name="mine")
    net = net.replace(sample=Sample(RNG.normal(size=4), np.array([0.0, 1.0, 0.0])))
    path = tmp_path / "net.safetensors"
    save_safetensors(net, path)
    opened = open_model(path)
    assert opened.network == net
    assert opened.notes == ()
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_pytorch_state_dict_opens_with_the_activations_given(tmp_path) -> None:
    tensors = _state_dict(prefix="net.")
    save_file(tensors, tmp_path / "torch.safetensors")
    net = open_model(tmp_path / "torch.safetensors", activations=["relu", "sigmoid"]).network
    np.testing.assert_array_equal(net.layers[0].weights, tensors["net.0.weight"].astype(float))
    np.testing.assert_array_equal(net.layers[1].biases, tensors["net.2.bias"].astype(float))
    assert [layer.activation for layer in net.layers] == ["relu", "sigmoid"]
    assert net.sizes == [3, 5, 2]


def test_missing_or_mismatched_activations_are_clear_errors(tmp_path) -> None:
    save_file(_state_dict(), tmp_path / "torch.safetensors")
    with pytest.raises(ActivationsNeeded, match=r"give 2, one per layer") as info:
        open_model(tmp_path / "torch.safetensors")
    assert info.value.depth == 2
    with pytest.raises(FormatError, match=r"^3 activations given for 2 layers"):
        open_model(tmp_path / "torch.safetensors", activations=["relu", "relu", "relu"])
    with pytest.raises(FormatError, match=r"unknown activation 'swish'"):
        open_model(tmp_path / "torch.safetensors", activations=["swish", "relu"])


def test_logits_with_cross_entropy_get_softmax(tmp_path) -> None:
    save_file(_state_dict(), tmp_path / "t.safetensors")
    opened = open_model(
        tmp_path / "t.safetensors", activations=["relu", "identity"], loss="cross_entropy"
    )
    assert opened.network.layers[-1].activation == "softmax"
    assert opened.network.loss == "cross_entropy"
    assert opened.notes == (LOGITS_NOTE,)


def test_tensors_that_are_not_a_sequential_of_linears_are_refused(tmp_path) -> None:
    tensors = _state_dict()
    tensors["1.running_mean"] = np.zeros(5, dtype=np.float32)
    save_file(tensors, tmp_path / "bn.safetensors")
    with pytest.raises(FormatError, match=r"^tensor '1.running_mean': not the weight or bias"):
        read_safetensors(tmp_path / "bn.safetensors")
    chained = _state_dict((3, 5, 2))
    chained["2.weight"] = np.zeros((2, 4), dtype=np.float32)
    save_file(chained, tmp_path / "chain.safetensors")
    with pytest.raises(FormatError, match=r"'2.weight': takes 4 inputs, but the layer before"):
        read_safetensors(tmp_path / "chain.safetensors")


def _raw(header: dict, data: bytes = b"") -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "shorter than its 8-byte header size"),
        (b"PK\x03\x04 not safetensors at all", "declares a"),
        (struct.pack("<Q", 4) + b"{{{{", "header is not JSON"),
        (
            _raw({"0.weight": {"dtype": "F64", "shape": [100000, 100000], "data_offsets": [0, 8]}}),
            "declares shape [100000, 100000] (10,000,000,000 values)",
        ),
        (
            _raw({"0.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}, b"x"),
            "data offsets do not fit",
        ),
        (
            _raw({"0.weight": {"dtype": "I64", "shape": [1, 1], "data_offsets": [0, 8]}}, b"x" * 8),
            "I64 values",
        ),
    ],
)
def test_hostile_and_truncated_files_are_refused_in_one_line(tmp_path, content, expected):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(FormatError) as info:
        read_safetensors(path)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)
