"""Every kind of edit is one undoable step: push, undo, redo, and check the document."""

import numpy as np
import pytest

from visualizer.engine.backprop import run
from visualizer.engine.network import InitSpec, Sample, make_network
from visualizer.gui import commands
from visualizer.gui.document import Document, Selection


@pytest.fixture
def doc(qapp):
    net = make_network(
        [2, 3, 2], ["tanh", "sigmoid"], "half_squared_error", sample=Sample([1.0, -0.5], [1.0, 0.0])
    )
    return Document(net)


EDITS = {
    "set_weight": lambda d: commands.SetWeight(d, 1, 2, 1, 0.123),
    "set_bias": lambda d: commands.SetBias(d, 2, 0, -0.75),
    "activation": lambda d: commands.SetActivation(d, 1, "relu"),
    "loss": lambda d: commands.SetLoss(d, "mean_squared_error"),
    "resize_hidden": lambda d: commands.ResizeLayer(d, 1, 5),
    "resize_input": lambda d: commands.ResizeLayer(d, 0, 3),
    "resize_output": lambda d: commands.ResizeLayer(d, 2, 1),
    "insert": lambda d: commands.InsertLayer(d, 2, 4, "relu"),
    "remove": lambda d: commands.RemoveLayer(d, 1),
    "sample": lambda d: commands.SetSample(d, np.array([0.25, 0.5]), np.array([0.0, 1.0])),
    "reinit": lambda d: commands.Reinitialise(d, InitSpec("he_normal", 3)),
    "randomise": lambda d: commands.RandomiseLayer(d, 2, 11),
    "rename": lambda d: commands.RenameNetwork(d, "renamed"),
}


@pytest.mark.parametrize("kind", list(EDITS))
def test_each_edit_is_one_undoable_step(doc, kind):
    before = doc.network
    loss_before = doc.trace.loss
    doc.edit(EDITS[kind](doc))
    after = doc.network
    assert after != before
    assert doc.undo_stack.count() == 1
    assert doc.is_modified
    # the cached trace is the one of the new network, not a stale one
    assert doc.trace.loss == run(after).loss
    doc.undo_stack.undo()
    assert doc.network == before
    assert doc.trace.loss == loss_before
    assert not doc.is_modified
    doc.undo_stack.redo()
    assert doc.network == after


def test_edit_emits_network_changed_and_a_status_message(doc, qtbot):
    messages = []
    doc.status_message.connect(messages.append)
    with qtbot.waitSignal(doc.network_changed, timeout=1000):
        doc.edit(commands.SetWeight(doc, 1, 0, 0, 0.5))
    assert "Ctrl+Z" in messages[-1] and "0.5" in messages[-1]


def test_nudges_in_one_gesture_merge_into_one_step(doc):
    original = doc.network.layer(2).weights[1, 2]
    for k in range(1, 6):
        doc.edit(commands.NudgeWeight(doc, 2, 1, 2, original + 0.1 * k, gesture=7))
    assert doc.undo_stack.count() == 1
    assert doc.network.layer(2).weights[1, 2] == original + 0.5
    doc.edit(commands.NudgeWeight(doc, 2, 1, 2, 3.0, gesture=8))  # a new drag
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.network.layer(2).weights[1, 2] == original


def test_selection_is_dropped_when_an_edit_removes_it(doc):
    doc.set_selection(Selection("neuron", 1, 2))
    doc.edit(commands.ResizeLayer(doc, 1, 2))
    assert doc.selection is None


def test_selection_outside_the_network_is_refused(doc):
    doc.set_selection(Selection("edge", 1, 5, 0))
    assert doc.selection is None
    doc.set_selection(Selection("edge", 1, 2, 1))
    assert doc.selection == Selection("edge", 1, 2, 1)


def test_an_invalid_edit_raises_before_touching_the_document(doc):
    before = doc.network
    with pytest.raises(ValueError):
        commands.RemoveLayer(Document(make_network([2, 1])), 1)
    with pytest.raises(ValueError):
        commands.ResizeLayer(doc, 1, 0)
    assert doc.network == before and doc.undo_stack.count() == 0


def test_save_marks_clean_and_round_trips(doc, tmp_path):
    from visualizer.formats.network_file import load_network

    doc.edit(commands.SetWeight(doc, 1, 0, 1, 1 / 3))
    path = doc.save(tmp_path / "net.json")
    assert not doc.is_modified
    assert load_network(path) == doc.network


def test_an_edit_that_overflows_is_refused_with_a_message(doc):
    messages = []
    doc.status_message.connect(messages.append)
    doc.edit(commands.SetActivation(doc, 1, "identity"))
    doc.edit(commands.SetActivation(doc, 2, "identity"))
    doc.edit(commands.SetWeight(doc, 1, 0, 0, 1e150))
    before = doc.network
    assert not doc.try_edit(lambda: commands.SetWeight(doc, 2, 0, 0, 1e200))
    assert doc.network == before and doc.undo_stack.count() == 3
    assert messages[-1].startswith("Not applied: z²") and "overflow" in messages[-1]


def test_undo_and_redo_reuse_the_traces_they_computed(doc):
    doc.edit(commands.SetActivation(doc, 1, "relu"))
    after = doc.trace
    doc.undo_stack.undo()
    doc.undo_stack.redo()
    assert doc.trace is after


def _same_trace(got, want) -> bool:
    fields = ("z", "a", "delta", "dW", "db", "grad_a")
    return got.loss == want.loss and all(
        np.array_equal(g, w)
        for f in fields
        for g, w in zip(getattr(got, f), getattr(want, f), strict=True)
    )


def test_entry_edits_keep_values_not_networks_and_undo_redo_exactly(doc):
    """One weight or bias edited: the history keeps its two values, not a copy of the
    edited matrix per step; undo and redo rebuild the very numbers."""
    start, start_trace = doc.network, doc.trace
    seen = [(doc.network, doc.trace)]
    edits = [
        lambda: commands.SetWeight(doc, 1, 0, 1, -0.0),
        lambda: commands.SetBias(doc, 2, 0, 1.25),
        lambda: commands.NudgeWeight(doc, 2, 0, 1, 0.5, gesture=1),
        lambda: commands.NudgeWeight(doc, 2, 0, 1, 0.75, gesture=1),  # merged
        lambda: commands.SetWeight(doc, 1, 1, 0, 3.0e-310),  # a denormal
    ]
    for make in edits:
        doc.edit(make())
        seen.append((doc.network, doc.trace))
    del seen[3]  # the merged nudge is one step
    assert doc.undo_stack.count() == 4
    for k in range(doc.undo_stack.count()):
        cmd = doc.undo_stack.command(k)
        assert cmd.before is None and cmd.after is None  # no network kept
    for network, trace in reversed(seen[:-1]):
        doc.undo_stack.undo()
        assert doc.network == network and _same_trace(doc.trace, trace)
    assert doc.network == start and _same_trace(doc.trace, start_trace)
    signs = (doc.network.layer(1).weights[0, 1], start.layer(1).weights[0, 1])
    assert np.signbit(signs[0]) == np.signbit(signs[1])
    for network, trace in seen[1:]:
        doc.undo_stack.redo()
        assert doc.network == network and _same_trace(doc.trace, trace)
    assert np.signbit(doc.network.layer(1).weights[0, 1])  # −0.0 redone as −0.0
    assert doc.network.layer(1).weights[1, 0] == 3.0e-310


def test_a_history_of_weight_edits_keeps_no_copies_of_the_matrix(qapp):
    import gc
    import weakref

    doc = Document(make_network([300, 200, 2], "tanh"))
    start = doc.network
    copies = []
    for k in range(20):
        doc.edit(commands.SetWeight(doc, 1, k, k, 0.01 * k))
        copies.append(weakref.ref(doc.network.layer(1).weights))
    gc.collect()
    alive = [ref for ref in copies if ref() is not None]
    assert len(alive) == 1 and alive[0]() is doc.network.layer(1).weights
    doc.undo_stack.setIndex(0)
    assert doc.network == start
    doc.undo_stack.setIndex(20)
    assert [doc.network.layer(1).weights[k, k] for k in range(20)] == [0.01 * k for k in range(20)]
