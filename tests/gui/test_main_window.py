"""The main window's file handling: bad files, unsaved changes, recovery, settings."""

import json

import numpy as np
from PySide6.QtWidgets import QMessageBox

from visualizer.engine.network import make_network
from visualizer.formats.network_file import load_network, save_network
from visualizer.gui import commands
from visualizer.gui.document import Selection
from visualizer.paths import DEFAULT_NETWORK

Btn = QMessageBox.StandardButton


def test_opens_on_the_default_example(window):
    assert window.doc.network.depth >= 2
    assert "Backprop Visualizer" in window.windowTitle()
    assert "C = " in window.summary.text()


def test_malformed_file_shows_the_readers_message_and_keeps_the_document(window, tmp_path):
    bad = tmp_path / "bad.json"
    data = json.loads(DEFAULT_NETWORK.read_text())
    data["layers"][0]["weights"] = data["layers"][0]["weights"][:-1]
    bad.write_text(json.dumps(data))
    window.doc.edit(commands.SetWeight(window.doc, 1, 0, 0, 0.25))
    before = window.doc.network
    window.answers.append(Btn.Discard)
    assert not window.open_path(bad)
    assert window.doc.network == before and window.doc.is_modified
    assert len(window.errors) == 1 and "layers[0].weights" in window.errors[0]


def test_unsaved_changes_cancel_keeps_everything(window, tmp_path):
    other = tmp_path / "other.json"
    save_network(make_network([3, 2]), other)
    window.doc.edit(commands.SetWeight(window.doc, 1, 0, 0, 0.25))
    edited = window.doc.network
    window.answers.append(Btn.Cancel)
    assert not window.open_path(other)
    assert window.doc.network == edited
    window.answers.append(Btn.Cancel)
    window.file_new()
    assert window.doc.network == edited


def test_unsaved_changes_discard_opens_the_other_file(window, tmp_path):
    other = tmp_path / "other.json"
    save_network(make_network([3, 2]), other)
    window.doc.edit(commands.SetWeight(window.doc, 1, 0, 0, 0.25))
    window.answers.append(Btn.Discard)
    assert window.open_path(other)
    assert window.doc.network.sizes == [3, 2]
    assert not window.doc.is_modified
    assert str(other.resolve()) in window._recent()


def test_unsaved_changes_save_writes_the_file_first(window, tmp_path):
    mine = tmp_path / "mine.json"
    window.doc.save(mine)
    window.doc.edit(commands.SetWeight(window.doc, 1, 0, 0, 0.25))
    edited = window.doc.network
    window.answers.append(Btn.Save)
    window.file_new()
    assert load_network(mine) == edited
    assert window.doc.network != edited


def test_close_with_unsaved_changes_can_be_cancelled(window):
    window.doc.edit(commands.SetWeight(window.doc, 1, 0, 0, 0.25))
    window.answers.append(Btn.Cancel)
    assert not window.close()
    assert window.doc.is_modified


def test_title_shows_the_modified_marker(window):
    assert not window.isWindowModified()
    window.doc.edit(commands.SetLoss(window.doc, "mean_squared_error"))
    assert window.isWindowModified()
    window.doc.undo_stack.undo()
    assert not window.isWindowModified()


def test_add_and_remove_layer_actions(window):
    depth = window.doc.network.depth
    window.doc.set_selection(Selection("layer", 1))
    window.act_add_layer.trigger()
    assert window.doc.network.depth == depth + 1
    window.doc.set_selection(Selection("layer", 2))
    window.act_remove_layer.trigger()
    assert window.doc.network.depth == depth
    assert window.doc.undo_stack.count() == 2


def test_loss_combo_changes_the_loss_undoably(window):
    window.loss_combo.setCurrentText("mean_squared_error")
    window.loss_combo.activated.emit(window.loss_combo.currentIndex())
    assert window.doc.network.loss == "mean_squared_error"
    window.doc.undo_stack.undo()
    assert window.doc.network.loss != "mean_squared_error"


def test_a_cross_entropy_the_output_cannot_take_is_refused_with_the_reason(window):
    # An identity output of −0.5305 has no log: choosing cross-entropy is refused (the
    # status bar says why, the combo goes back), never applied with a capped loss.
    from visualizer.engine.network import Layer, Network, Sample

    layers = (
        Layer([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0], "tanh"),
        Layer([[-1.0, 0.5], [0.3, 1.0]], [0.0, 0.0], "identity"),
    )
    net = Network(2, layers, "half_squared_error", sample=Sample([1.0, 0.5], [1.0, 0.0]))
    window.doc.replace(net, None)
    shown = []
    window.doc.status_message.connect(shown.append)
    window.loss_combo.setCurrentText("cross_entropy")
    window.loss_combo.activated.emit(window.loss_combo.currentIndex())
    assert window.doc.network is net and window.doc.undo_stack.count() == 0
    assert window.loss_combo.currentText() == "half_squared_error"
    assert shown == [
        "Not applied: cross entropy needs outputs above 0, but the identity output gives "
        "a²₁ = −0.5305: use a softmax or sigmoid output layer"
    ]


def test_playback_keys_step_the_canvas_and_equation(window):
    from visualizer.gui.canvas.state import Overlay

    scene = window.view.network_scene
    depth = window.doc.network.depth
    assert window.player.state.step == -1
    assert scene.current_overlay() == Overlay.resting(depth)
    forward = window.player_bar.actions()["forward"]
    assert forward.shortcut().toString() == "Right"
    for _ in range(3):
        forward.trigger()
    assert window.player.state.step == 2
    assert scene.current_overlay() != Overlay.resting(depth)
    assert window.player.current_step.numbers_html in window.equation.numbers_label.text()
    window.player_bar.actions()["first"].trigger()
    assert scene.current_overlay() == Overlay.resting(depth)


def test_editing_during_playback_keeps_the_step_and_shows_new_values(window):
    for _ in range(5):
        window.player_bar.actions()["forward"].trigger()
    k = window.player.state.step
    window.doc.edit(commands.SetWeight(window.doc, 1, 0, 0, 0.777))
    assert window.player.state.step == k
    steps = window.player.steps
    assert steps[0].writes[0].values[0] == window.doc.trace.z[0][0]


def test_a_file_whose_values_overflow_is_refused(window, tmp_path):
    from visualizer.engine import editing

    net = load_network(DEFAULT_NETWORK)
    net = editing.set_activation(editing.set_activation(net, 1, "identity"), 2, "identity")
    net = editing.set_weight(editing.set_weight(net, 1, 0, 0, 1e308), 2, 0, 0, 1e308)
    path = tmp_path / "huge.json"
    save_network(net, path)
    before = window.doc.network
    assert not window.open_path(path)
    assert window.doc.network == before
    assert "overflow" in window.errors[-1]


def test_an_exported_snapshot_opens_as_its_network_with_the_same_values(window, tmp_path):
    from visualizer.gui import export

    window.doc.edit(commands.SetWeight(window.doc, 2, 1, 0, 0.3125))
    exported = window.doc.network
    trace = window.doc.trace
    path = tmp_path / "snap.npz"
    export.write_snapshot(path, exported, batch=False)
    window.answers.append(Btn.Discard)
    assert window.open_path(path)
    assert window.doc.network.layers == exported.layers
    assert window.doc.path is None  # Save asks for a .json name instead of overwriting
    for mine, theirs in zip(window.doc.trace.delta, trace.delta, strict=True):
        assert mine.tobytes() == theirs.tobytes()


def test_export_menu_entries_exist_with_shortcuts(window):
    assert window.act_export_snapshot.shortcut().toString() == "Ctrl+E"
    assert window.act_export_image.shortcut().toString() == "Ctrl+Shift+E"
    assert window.chain_dock.windowTitle() == "Chain"


def test_picking_a_batch_sample_shows_its_delta_on_the_canvas(window):
    from visualizer.engine.datasets import with_dataset

    doc = window.doc
    doc.edit(commands.NetworkEdit(doc, with_dataset(doc.network, "xor", 40, 0.1, 0), "data"))
    window.training.batch_spin.setValue(8)
    window.act_train_step.trigger()
    x, y = window.training.trainer.current_batch()
    assert x.shape[0] == 8
    window.training.batch_view.sample_combo.setCurrentIndex(3)  # sample 3 (index 2)
    assert np.array_equal(doc.trace.x, x[2]) and np.array_equal(doc.trace.y, y[2])
    assert "sample 3 of the batch" in doc.undo_stack.text(doc.undo_stack.count() - 1)


def test_the_batch_label_follows_a_new_data_set(window):
    from visualizer.engine.datasets import with_dataset

    doc = window.doc
    window.training.batch_spin.setValue(16)
    doc.edit(commands.NetworkEdit(doc, with_dataset(doc.network, "xor", 40, 0.1, 0), "data"))
    assert window.training.batch_label.text() == "3 steps per epoch"


def test_analysis_panels_are_built_on_first_use(window, qtbot):
    from visualizer.gui.panels.chain_view import ChainView
    from visualizer.gui.panels.check_panel import CheckPanel
    from visualizer.gui.panels.gradients import GradientPanel
    from visualizer.gui.panels.training_panel import TrainingPanel

    kinds = (GradientPanel, CheckPanel, ChainView, TrainingPanel)
    window.show()
    qtbot.waitExposed(window)
    assert [window.findChildren(kind) for kind in kinds] == [[], [], [], []]
    window.chain_dock.raise_()  # as a click on its tab does
    assert isinstance(window.chain_dock.widget(), ChainView)
    assert window.panel("chain") is window.chain_dock.widget() is window.chain
    assert [len(window.findChildren(kind)) for kind in kinds] == [0, 0, 1, 0]


def test_any_panel_exports_as_png(window, tmp_path, monkeypatch):
    from PySide6.QtGui import QImage

    from visualizer.gui import export

    monkeypatch.setattr(export, "ask_save_path", lambda *a: (str(tmp_path / "panel.png"), a[3][0]))
    window.show()
    window.export_panel("gradients")
    image = QImage(str(tmp_path / "panel.png"))
    assert not image.isNull() and image.width() > 100
