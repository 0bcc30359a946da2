"""The inspector edits through commands and shows full precision."""

import numpy as np
import pytest

from visualizer.engine.network import Sample, make_network
from visualizer.gui.document import Document, Selection
from visualizer.gui.panels.inspector import Inspector
from visualizer.notation import parse_number


@pytest.fixture
def inspector(qtbot):
    net = make_network([2, 3, 1], ["tanh", "sigmoid"], sample=Sample([1.0, 0.0], [1.0]))
    panel = Inspector(Document(net))
    qtbot.addWidget(panel)
    return panel


def test_edge_value_is_shown_in_full_precision_and_edited(inspector, qtbot):
    doc = inspector.doc
    doc.set_selection(Selection("edge", 1, 2, 1))
    w = doc.network.layer(1).weights[2, 1]
    assert float(inspector.value_edit.text().replace("\u2212", "-")) == w
    inspector.value_edit.setText("0.123456789012345")
    inspector.value_edit.editingFinished.emit()
    assert doc.network.layer(1).weights[2, 1] == 0.123456789012345
    assert doc.undo_stack.count() == 1


def test_not_a_number_is_rejected_with_a_message(inspector):
    doc = inspector.doc
    messages = []
    doc.status_message.connect(messages.append)
    doc.set_selection(Selection("neuron", 1, 0))
    inspector.value_edit.setText("nan")
    inspector.value_edit.editingFinished.emit()
    inspector.value_edit.setText("1+1")
    inspector.value_edit.editingFinished.emit()
    assert doc.undo_stack.count() == 0
    assert len(messages) == 2 and "not" in messages[0]


def test_parse_number_accepts_a_true_minus_sign():
    assert parse_number("\u22120.5") == -0.5
    with pytest.raises(ValueError):
        parse_number("__import__('os')")


def test_layer_size_and_activation_edits(inspector):
    doc = inspector.doc
    doc.set_selection(Selection("layer", 1))
    inspector.size_spin.setValue(5)
    assert doc.network.sizes == [2, 5, 1]
    inspector.activation_combo.setCurrentText("relu")
    inspector.activation_combo.activated.emit(inspector.activation_combo.currentIndex())
    assert doc.network.layer(1).activation == "relu"
    assert doc.undo_stack.count() == 2


def test_sample_table_edits_x(inspector):
    doc = inspector.doc
    inspector.x_table.item(0, 1).setText("0.75")
    assert np.array_equal(doc.network.sample.x, [1.0, 0.75])
    assert doc.trace.x[1] == 0.75


def test_sample_tables_are_refilled_only_when_their_numbers_change(inspector):
    from visualizer.gui.commands import SetSample, SetWeight

    doc = inspector.doc
    shown = inspector.x_table.item(0, 0)
    doc.edit(SetWeight(doc, 1, 0, 0, 0.5))  # refreshes the inspector; x is the same
    assert inspector.x_table.item(0, 0) is shown
    doc.edit(SetSample(doc, np.array([-0.0, 0.0]), doc.network.sample.y))  # −0.0 is news
    assert inspector.x_table.item(0, 0).text() == "\u22120.0"
    inspector.x_table.item(0, 1).setText("not a number")  # refused: the number comes back
    assert inspector.x_table.item(0, 1).text() == "0.0"
    assert np.array_equal(doc.network.sample.x, [-0.0, 0.0])
