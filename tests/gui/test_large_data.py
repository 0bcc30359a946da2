"""Large data sets: the training views draw a sample of the examples, and saves and
autosaves are written off the GUI thread while the window keeps running. Opening a big
network: what only depends on the new network (its trace, timeline, colour ranges, the
heatmaps of big matrices) is computed on the worker thread with the read, so the GUI
thread only swaps the results in."""

import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from visualizer.engine.datasets import with_dataset
from visualizer.engine.network import make_network
from visualizer.formats.network_file import load_network, save_network
from visualizer.gui import commands, document, prepared, recovery, style
from visualizer.gui.canvas.layout import MAX_LINES
from visualizer.gui.document import Document
from visualizer.gui.main_window import MainWindow
from visualizer.gui.panels.output_view import MAX_DOTS, OutputView, dot_rows
from visualizer.paths import DEFAULT_NETWORK
from visualizer.timeline import build


def window_on(qtbot, tmp_path: Path, network) -> MainWindow:
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(Document(network), settings, tmp_path / "recovery")
    qtbot.addWidget(w)
    w.autosave_timer.stop()
    w.show()
    return w


def test_dot_rows_are_all_rows_or_an_even_sample():
    assert list(dot_rows(5)) == [0, 1, 2, 3, 4]
    rows = dot_rows(100_000)
    assert len(rows) == MAX_DOTS and rows[0] == 0 and rows[-1] == 99_999
    assert np.all(np.diff(rows) > 0)


def training_tab_on_100_000_rows(qtbot, tmp_path: Path) -> MainWindow:
    net = with_dataset(
        make_network([2, 4, 2], ["tanh", "softmax"], "cross_entropy"), "circles", 100_000
    )
    w = window_on(qtbot, tmp_path, net)
    w.training_dock.show()
    w.training_dock.raise_()
    return w


def test_the_training_tab_draws_a_sample_of_a_large_data_set(qtbot, tmp_path):
    w = training_tab_on_100_000_rows(qtbot, tmp_path)
    (view,) = w.training.findChildren(OutputView)
    assert len(view.scatter.data) == MAX_DOTS
    assert "Dots: 2,000 of the 100,000 examples." in view.note.text()
    w.doc.undo_stack.clear()


def test_save_and_autosave_run_on_the_writer_thread(qtbot, tmp_path, monkeypatch):
    import threading

    w = window_on(qtbot, tmp_path, make_network([2, 3, 1]))
    w.doc.edit(commands.SetWeight(w.doc, 1, 0, 0, 0.25))
    threads = []
    real_write = recovery.RecoverySlot.write

    def spy(self, network, original):
        threads.append(threading.current_thread())
        real_write(self, network, original)

    monkeypatch.setattr(recovery.RecoverySlot, "write", spy)
    w.autosave_in_background()
    qtbot.waitUntil(lambda: not w._autosaving)
    assert threads and threads[-1] is not threading.main_thread()
    assert recovery.read_recovery(w.recovery.path).network == w.doc.network
    target = tmp_path / "net.json"
    assert w._save_to(target)
    assert load_network(target) == w.doc.network and not w.doc.is_modified
    assert not w.recovery.path.exists()


def test_an_edit_during_a_save_stays_unsaved(qtbot, tmp_path):
    w = window_on(qtbot, tmp_path, make_network([2, 3, 1]))
    w.doc.edit(commands.SetWeight(w.doc, 1, 0, 0, 0.25))
    saved = w.doc.network
    real_run = w.writer.run

    def run_and_edit(work):
        result = real_run(work)
        w.doc.edit(commands.SetWeight(w.doc, 1, 0, 0, 0.5))  # typed while it was writing
        return result

    w.writer.run = run_and_edit
    target = tmp_path / "net.json"
    assert w._save_to(target)
    assert load_network(target) == saved
    assert w.doc.is_modified and w.doc.path == target
    w.doc.undo_stack.clear()


def test_a_big_file_is_read_on_the_writer_thread_keeping_the_old_network_until_ready(
    qtbot, tmp_path, monkeypatch
):
    import threading

    from visualizer.formats.network_file import save_network
    from visualizer.gui import model_files

    w = window_on(qtbot, tmp_path, make_network([2, 3, 1]))
    old = w.doc.network
    big = make_network([200, 300, 10], name="big")
    path = tmp_path / "big.json"
    save_network(big, path)
    seen = []  # (thread, network shown, status line) while the file was read
    real_open = model_files.open_model

    def spy(*args, **kwargs):
        seen.append((threading.current_thread(), w.doc.network, w.statusBar().currentMessage()))
        return real_open(*args, **kwargs)

    monkeypatch.setattr(model_files, "open_model", spy)
    assert w.open_path(path)
    qtbot.waitUntil(lambda: w.doc.network.sizes == [200, 300, 10])
    assert w.doc.network == big and w.doc.path == path
    thread, shown, status = seen[-1]
    assert thread is not threading.main_thread()
    assert shown is old and status == "Opening big.json…"
    # A bad file: the one-line message, and the network open stays.
    bad = tmp_path / "bad.json"
    bad.write_text(path.read_text()[:-200])
    errors = []
    w.show_error = lambda title, text: errors.append(text)
    assert not w.open_path(bad)
    assert w.doc.network == big and len(errors) == 1 and errors[0].startswith("bad.json: ")
    assert "\n" not in errors[0]
    assert not w.writer.busy


def test_the_data_set_loss_and_the_batch_view_use_a_sample_of_a_large_data_set(qtbot, tmp_path):
    from visualizer.engine import backprop
    from visualizer.engine.training import even_rows
    from visualizer.gui.panels.batch_view import MAX_BATCH_CHECK
    from visualizer.gui.trainer import LOSS_ROWS

    w = training_tab_on_100_000_rows(qtbot, tmp_path)
    panel = w.training
    panel.batch_spin.setValue(100_000)  # the whole data set as one batch
    assert panel.trainer.step_once()
    # The loss over the data set: LOSS_ROWS evenly spaced rows, and the UI says so.
    rows = even_rows(100_000, LOSS_ROWS)
    assert len(rows) == LOSS_ROWS and rows[0] == 0 and rows[-1] == 99_999
    data = w.doc.network.dataset
    _, losses = panel.trainer.dataset_losses
    expected = backprop.run(w.doc.network, data.x[rows], data.y[rows]).loss
    assert losses[-1] == expected
    assert "(10,000 of 100,000 rows)" in panel.progress_label.text()
    assert "data set, 10,000 rows" in panel.loss_title.text()
    # The batch view: a list of evenly spaced samples, no per-sample pass over the batch.
    view = panel.batch_view
    assert view.sample_combo.count() == 1 + MAX_BATCH_CHECK
    assert view.sample_combo.itemData(MAX_BATCH_CHECK) == 99_999
    assert "A batch of 100,000" in view.text.text()
    view.sample_combo.setCurrentIndex(MAX_BATCH_CHECK)  # the batch's last sample
    assert "Sample 100000: x = " in view.text.text()
    w.doc.undo_stack.clear()


# -- opening a big network: computed on the worker, swapped in on the GUI thread --------
def heat_pixels(item) -> np.ndarray:
    image = item._heat
    return np.array(image.constBits(), dtype=np.uint8)[: image.sizeInBytes()].copy()


def test_the_trace_timeline_and_big_heatmaps_are_computed_off_the_gui_thread(
    qtbot, tmp_path, monkeypatch
):
    w = window_on(qtbot, tmp_path, make_network([2, 3, 1]))
    big = make_network([300, 250, 3], name="big")  # 75,000 edges: drawn as a heatmap
    assert big.layers[0].weights.size > max(MAX_LINES, style.KEEP_PIXELS)
    path = tmp_path / "big.json"
    save_network(big, path)

    gui = threading.main_thread()
    runs, timelines, pictures = [], [], []
    real_run, real_build, real_words = document.run, prepared.build_timeline, style._words

    def run_spy(network, *args, **kwargs):
        runs.append((network.sizes, threading.current_thread()))
        return real_run(network, *args, **kwargs)

    def build_spy(network, *args, **kwargs):
        timelines.append((network.sizes, threading.current_thread()))
        return real_build(network, *args, **kwargs)

    def words_spy(values, vmax, max_side):
        if max_side == prepared.BUNDLE_SIDE:  # a bundle's heatmap (W boxes thin to 64 first)
            pictures.append((np.shape(values), threading.current_thread()))
        return real_words(values, vmax, max_side)

    monkeypatch.setattr(document, "run", run_spy)
    monkeypatch.setattr(prepared, "build_timeline", build_spy)
    monkeypatch.setattr(style, "_words", words_spy)
    assert w.open_path(path)
    qtbot.waitUntil(lambda: w.doc.network.sizes == [300, 250, 3])
    w.view.viewport().grab()  # painted with the new network

    sizes = [300, 250, 3]
    assert [t for s, t in runs if s == sizes] and all(t is not gui for s, t in runs if s == sizes)
    assert [t for s, t in timelines if s == sizes]
    assert all(t is not gui for s, t in timelines if s == sizes)
    assert pictures and all(t is not gui for _, t in pictures)
    # What the GUI thread swapped in is what it would have computed itself.
    scene = w.view.network_scene
    fresh_steps = build(w.doc.network, w.doc.trace, w.mode)
    assert [(s.kind, s.layer, s.numbers_text) for s in w.player.steps] == [
        (s.kind, s.layer, s.numbers_text) for s in fresh_steps
    ]
    bundle = scene.bundle_items[0]
    assert bundle.bundle.image
    fresh = style.image(np.array(big.layers[0].weights), scene.weight_range, max_side=1024)
    assert np.array_equal(
        heat_pixels(bundle), np.array(fresh.constBits(), dtype=np.uint8)[: fresh.sizeInBytes()]
    )
    assert not w.writer.busy


def test_a_network_too_large_for_its_sample_keeps_the_old_one(qtbot, tmp_path):
    w = window_on(qtbot, tmp_path, make_network([2, 3, 1], name="small"))
    old = w.doc.network
    huge = make_network([2, 3, 1], name="huge")
    layers = list(huge.layers)
    layers[0] = type(layers[0])(np.full((3, 2), 1.7e308), np.full(3, 1.7e308), "identity")
    path = tmp_path / "huge.json"
    save_network(type(huge)(**{**huge.__dict__, "layers": tuple(layers)}), path)
    errors: list[str] = []
    w.show_error = lambda title, text: errors.append(text)
    assert not w.open_path(path, ask=False)
    assert w.doc.network is old
    assert len(errors) == 1 and "overflow" in errors[0] and "\n" not in errors[0]
    assert w.statusBar().currentMessage() == ""


def test_a_panel_behind_another_tab_redraws_when_shown_not_at_every_change(
    qtbot, tmp_path, monkeypatch
):
    from visualizer.gui.panels.chain_view import ChainView
    from visualizer.gui.panels.gradients import GradientPanel

    w = window_on(qtbot, tmp_path, load_network(DEFAULT_NETWORK))
    monkeypatch.setattr(w, "ask_unsaved", lambda: QMessageBox.StandardButton.Discard)
    for dock in (w.gradients_dock, w.chain_dock):
        dock.raise_()  # built when first shown
        qtbot.waitUntil(lambda dock=dock: hasattr(dock.widget(), "gate"))
    gradients, chain = w._panels["gradients"], w._panels["chain"]
    w.inspector_dock.raise_()  # both now behind the inspector's tab
    qtbot.waitUntil(lambda: not gradients.gate.on_screen and not chain.gate.on_screen)
    assert gradients.isVisible() and chain.isVisible()  # Qt moves such tabs off screen

    drawn: list[str] = []
    real_draw, real_refresh = GradientPanel._draw_layer, ChainView.refresh
    monkeypatch.setattr(
        GradientPanel, "_draw_layer", lambda s, l: (drawn.append("gradients"), real_draw(s, l))
    )
    monkeypatch.setattr(ChainView, "refresh", lambda s: (drawn.append("chain"), real_refresh(s)))
    other = make_network([3, 5, 4, 2], ["tanh", "relu", "sigmoid"], name="other")
    path = tmp_path / "other.json"
    save_network(other, path)
    assert w.open_path(path, ask=False)
    qtbot.waitUntil(lambda: w.doc.network.sizes == [3, 5, 4, 2])
    w.doc.edit(commands.SetWeight(w.doc, 2, 1, 1, 0.25))  # and an edit after it
    assert drawn == []  # neither tab is on screen: nothing redrawn yet

    w.gradients_dock.raise_()
    qtbot.waitUntil(lambda: gradients.gate.on_screen)
    assert drawn == ["gradients"]  # once, for everything that changed meanwhile
    fresh = GradientPanel(w.doc, w.player)
    qtbot.addWidget(fresh)
    fresh.set_layer(gradients.layer)
    assert gradients.layer_combo.count() == fresh.layer_combo.count() == 4
    assert np.array_equal(gradients.w_map.image.image, fresh.w_map.image.image)
    assert np.array_equal(gradients.dw_map.image.image, fresh.dw_map.image.image)
    for strip, twin in zip(gradients.strips, fresh.strips, strict=True):
        assert np.array_equal(strip.bars.opts["height"], twin.bars.opts["height"])

    w.chain_dock.raise_()
    qtbot.waitUntil(lambda: chain.gate.on_screen)
    assert drawn.count("chain") == 1
    twin = ChainView(w.doc, w.player)
    qtbot.addWidget(twin)
    assert chain.costs == twin.costs
    assert [line.name for line in chain.table.lines] == [line.name for line in twin.table.lines]
