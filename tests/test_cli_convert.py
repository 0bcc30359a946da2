"""`convert`, and every command on any model file: ONNX, safetensors, snapshots."""

from __future__ import annotations

import numpy as np
import pytest
from safetensors.numpy import save_file

from visualizer.cli import main
from visualizer.formats.models import open_model
from visualizer.formats.network_file import load_network
from visualizer.formats.snapshot import write_snapshot
from visualizer.paths import DEFAULT_NETWORK


@pytest.mark.parametrize("suffix", [".onnx", ".safetensors", ".json"])
def test_convert_round_trips_through_each_format(tmp_path, capsys, suffix) -> None:
    out = tmp_path / f"net{suffix}"
    assert main(["convert", str(DEFAULT_NETWORK), "-o", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    back = tmp_path / "back.json"
    assert main(["convert", str(out), "-o", str(back)]) == 0
    assert load_network(back) == load_network(DEFAULT_NETWORK)


@pytest.mark.parametrize("command", ["info", "check", "chain", "export", "train", "render"])
def test_every_command_accepts_an_onnx_model(tmp_path, capsys, command) -> None:
    model = tmp_path / "net.onnx"
    assert main(["convert", str(DEFAULT_NETWORK), "-o", str(model)]) == 0
    extra = {
        "export": ["-o", str(tmp_path / "s.npz")],
        "train": ["--steps", "2", "--lr", "0.1", "-o", str(tmp_path / "t.json")],
        "render": ["-o", str(tmp_path / "r.svg"), "--size", "400x300"],
    }.get(command, [])
    capsys.readouterr()
    assert main([command, str(model), *extra]) == 0, capsys.readouterr().err


def test_a_snapshot_converts_back_to_its_network(tmp_path) -> None:
    snap = tmp_path / "snap.npz"
    net = load_network(DEFAULT_NETWORK)
    write_snapshot(snap, net, False)
    assert main(["convert", str(snap), "-o", str(tmp_path / "n.json")]) == 0
    assert load_network(tmp_path / "n.json").layers == net.layers


def test_safetensors_from_pytorch_needs_activations_on_the_command_line(tmp_path, capsys):
    rng = np.random.default_rng(0)
    weights = {"0.weight": rng.normal(size=(3, 2)), "0.bias": np.zeros(3)}
    weights |= {"2.weight": rng.normal(size=(2, 3)), "2.bias": np.zeros(2)}
    path = tmp_path / "torch.safetensors"
    save_file(weights, path)
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"error: {path}: the file does not say its activations: give 2")
    out = tmp_path / "net.json"
    args = ["convert", str(path), "-o", str(out), "--activations", "relu,identity"]
    assert main([*args, "--loss", "cross_entropy"]) == 0
    assert "note: the last layer gives logits: softmax added" in capsys.readouterr().err
    assert [layer.activation for layer in open_model(out).network.layers] == ["relu", "softmax"]
    assert main(["info", str(path), "--activations", "relu"]) == 2
    assert "1 activations given for 2 layers" in capsys.readouterr().err


def test_a_script_needs_numpy_or_torch_and_they_need_a_py_file(tmp_path, capsys) -> None:
    assert main(["convert", str(DEFAULT_NETWORK), "-o", str(tmp_path / "n.py")]) == 2
    assert "add --numpy or --torch" in capsys.readouterr().err
    assert main(["convert", str(DEFAULT_NETWORK), "-o", str(tmp_path / "n.onnx"), "--numpy"]) == 2
    assert "must end in .py" in capsys.readouterr().err
    assert main(["convert", str(DEFAULT_NETWORK), "-o", str(tmp_path / "n.py"), "--torch"]) == 0
    assert (tmp_path / "n.py").read_text(encoding="utf-8").count("nn.Linear(") == 3


def test_a_refused_onnx_graph_is_one_error_line(tmp_path, capsys) -> None:
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "K"], ["y"], name="conv1")],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [helper.make_tensor("K", TensorProto.FLOAT, [1, 1, 1, 1], [1.0])],
    )
    path = tmp_path / "conv.onnx"
    path.write_bytes(helper.make_model(graph).SerializeToString())
    assert main(["info", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"error: {path}: node 'conv1' (Conv): only fully connected layers are supported\n"
    )
