"""Models from other frameworks in the app: File → Open and the command-line argument take
.onnx, .safetensors and snapshots; File → Export Model… writes every format."""

from __future__ import annotations

import ast
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication
from safetensors.numpy import save_file

from visualizer.engine import backprop
from visualizer.formats.models import open_model
from visualizer.formats.onnx_io import save_onnx
from visualizer.formats.snapshot import write_snapshot
from visualizer.gui import app as gui_app
from visualizer.gui import model_files
from visualizer.gui.main_window import OPENABLE


def test_open_accepts_onnx_safetensors_and_snapshots(window, tmp_path) -> None:
    assert {".onnx", ".safetensors", ".npz", ".json"} <= set(OPENABLE)
    net = window.doc.network
    save_onnx(net, tmp_path / "net.onnx")
    assert window.open_path(tmp_path / "net.onnx")
    assert window.doc.network == net
    assert window.doc.path is None  # Save must not overwrite the ONNX file


def test_dropping_an_onnx_file_opens_it(window, tmp_path) -> None:
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    net = window.doc.network.replace(name="dropped")
    save_onnx(net, tmp_path / "NET.ONNX")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "NET.ONNX"))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    assert window.doc.network == net


def test_safetensors_without_activations_asks_for_them(window, tmp_path, monkeypatch) -> None:
    rng = np.random.default_rng(0)
    tensors = {
        "0.weight": rng.normal(size=(4, 2)),
        "0.bias": rng.normal(size=4),
        "2.weight": rng.normal(size=(3, 4)),
        "2.bias": rng.normal(size=3),
    }
    save_file(tensors, tmp_path / "torch.safetensors")
    asked = []

    def answer(parent, depth, name):
        asked.append((depth, name))
        return ["relu", "identity"], "cross_entropy"

    monkeypatch.setattr(model_files, "ask_activations", answer)
    assert window.open_path(tmp_path / "torch.safetensors")
    assert asked == [(2, "torch.safetensors")]
    # logits with cross-entropy: softmax added, and the status bar says so
    assert [layer.activation for layer in window.doc.network.layers] == ["relu", "softmax"]
    assert window.doc.network.loss == "cross_entropy"
    assert "softmax added" in window.statusBar().currentMessage()
    np.testing.assert_array_equal(window.doc.network.layers[1].weights, tensors["2.weight"])
    before = window.doc.network
    monkeypatch.setattr(model_files, "ask_activations", lambda *args: None)  # cancelled
    assert not window.open_path(tmp_path / "torch.safetensors")
    assert window.doc.network is before and window.errors == []


def test_the_dialog_offers_every_activation_per_layer(qtbot) -> None:
    dialog = model_files.ActivationsDialog(3, "m.safetensors")
    qtbot.addWidget(dialog)
    assert len(dialog.combos) == 3
    assert dialog.chosen() == (["relu", "relu", "identity"], "half_squared_error")
    assert dialog.combos[0].findText("gelu") >= 0 and dialog.combos[0].findText("silu") >= 0


@pytest.mark.parametrize("kind", list(model_files.EXPORT_FILTERS))
def test_export_model_writes_each_format(window, tmp_path, monkeypatch, kind) -> None:
    target = tmp_path / "out"
    monkeypatch.setattr(
        "visualizer.gui.export.ask_save_path", lambda *args: (str(target), kind)
    )
    window.act_export_model.trigger()
    suffix, writer = model_files.EXPORT_FILTERS[kind]
    path = target.with_name("out" + suffix)
    assert path.is_file()
    net = window.doc.network
    if writer in ("onnx", "safetensors", "json"):
        assert open_model(path).network == net
    elif writer == "numpy":
        done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True)
        first = done.stdout.splitlines()[0]
        assert ast.literal_eval(first.partition(" = ")[2]) == pytest.approx(
            backprop.run(net).loss, abs=1e-12
        )
    else:
        compile(path.read_text(encoding="utf-8"), str(path), "exec")


OPENED: list = []  # the documents the fake window was given


class _FakeWindow:

    def __init__(self, document) -> None:
        OPENED.append(document)

    def show(self) -> None:
        pass

    def offer_recovery(self) -> None:
        pass


@pytest.mark.parametrize("suffix", [".npz", ".onnx"])
def test_the_command_line_argument_opens_a_snapshot_or_an_onnx_model(
    qapp, tmp_path, monkeypatch, suffix
) -> None:
    from visualizer.formats.network_file import load_network
    from visualizer.paths import DEFAULT_NETWORK

    net = load_network(DEFAULT_NETWORK)
    path = tmp_path / f"m{suffix}"
    if suffix == ".npz":
        write_snapshot(path, net, False)
    else:
        save_onnx(net, path)
    monkeypatch.setattr("visualizer.gui.main_window.MainWindow", _FakeWindow)
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    OPENED.clear()
    assert gui_app.run(str(path)) == 0
    (document,) = OPENED
    assert document.network.layers == net.layers
    assert document.path is None
