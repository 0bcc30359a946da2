"""The inspector: shows and edits what is selected, the layer it belongs to, the network's
loss and initialisation, and the sample (x, y). Every change goes through a command."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.limits import MAX_LAYER_SIZE
from visualizer.engine.losses import LOSSES
from visualizer.engine.network import INIT_SCHEMES, InitSpec
from visualizer.gui.document import Document
from visualizer.gui.widgets import SeedSpinBox
from visualizer.notation import bias_name, fmt_full, parse_number, sub, sup, weight_name


class ValueEdit(QLineEdit):
    """A full-precision number field; emits `committed(value)` when the user finishes an
    edit that changed the value, and `rejected(message)` for text that is not a number.
    Enter applies; Esc puts the value back. Both then emit `finished`, so the window can
    return the keyboard to where the edit came from."""

    committed = Signal(float)
    rejected = Signal(str)
    finished = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._value = 0.0
        self.editingFinished.connect(self._finish)

    def set_value(self, value: float) -> None:
        self._value = float(value)
        self.setText(fmt_full(value))
        self.setCursorPosition(0)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.set_value(self._value)  # before focus leaves: a focus-out would apply it
            self.finished.emit()
            event.accept()
            return
        super().keyPressEvent(event)  # Enter: editingFinished applies the value
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finished.emit()
            event.accept()

    def _finish(self) -> None:
        try:
            value = parse_number(self.text())
        except ValueError as exc:
            self.rejected.emit(str(exc))
            self.set_value(self._value)
            return
        if value != self._value:
            self.committed.emit(value)


class VectorTable(QTableWidget):
    """One editable row of numbers (x or y); emits `edited(index, value)`."""

    edited = Signal(int, float)
    rejected = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(1, 0, parent)
        self.verticalHeader().hide()
        self.setFixedHeight(56)
        self._values = np.zeros(0)
        self._filling = False
        self.itemChanged.connect(self._changed)

    def set_values(self, values: np.ndarray) -> None:
        values = np.array(values, dtype=float)
        if values.shape == self._values.shape and values.tobytes() == self._values.tobytes():
            # The same numbers, bit for bit (−0.0 is not 0.0): every edit refreshes the
            # inspector, and refilling a 784-entry x costs ~20 ms of each.
            return
        self._fill(values)

    def _fill(self, values: np.ndarray) -> None:
        self._filling = True
        self._values = values
        self.setColumnCount(len(values))
        self.setHorizontalHeaderLabels([str(k + 1) for k in range(len(values))])
        for k, v in enumerate(values):
            self.setItem(0, k, QTableWidgetItem(fmt_full(v)))
        self.resizeColumnsToContents()
        self._filling = False

    def _changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        k = item.column()
        try:
            value = parse_number(item.text())
        except ValueError as exc:
            self.rejected.emit(str(exc))
            self._fill(self._values)  # the numbers shown before the typing
            return
        if value != self._values[k]:
            self.edited.emit(k, value)


class Inspector(QScrollArea):
    """`finished` asks the window to give the keyboard back to the canvas: after Enter or
    Esc in the value field, or Esc anywhere else in the inspector."""

    finished = Signal()

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.doc = document
        self.setWidgetResizable(True)
        # Tab and F6 go straight to the first control, not to the scroll area around it.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        body = QWidget()
        self.setWidget(body)
        outer = QVBoxLayout(body)

        # -- selection -------------------------------------------------------------------
        self.selection_box = QGroupBox("Selection")
        sel = QFormLayout(self.selection_box)
        self.selection_title = QLabel()
        self.selection_title.setWordWrap(True)
        self.selection_title.setTextFormat(Qt.TextFormat.RichText)
        sel.addRow(self.selection_title)
        self.value_label = QLabel("value")
        self.value_edit = ValueEdit()
        self.value_label.setBuddy(self.value_edit)
        self.value_edit.setToolTip("Full precision; Enter applies the change (Ctrl+Z undoes it)")
        sel.addRow(self.value_label, self.value_edit)
        self.readout = QLabel()
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setWordWrap(True)
        sel.addRow(self.readout)
        outer.addWidget(self.selection_box)

        # -- layer ---------------------------------------------------------------------
        self.layer_box = QGroupBox("Layer")
        lay = QFormLayout(self.layer_box)
        self.size_spin = QSpinBox()
        self.size_spin.setRange(1, MAX_LAYER_SIZE)
        self.size_spin.setKeyboardTracking(False)
        lay.addRow("size", self.size_spin)
        self.activation_combo = QComboBox()
        self.activation_combo.addItems(list(ACTIVATIONS))
        lay.addRow("activation", self.activation_combo)
        buttons = QHBoxLayout()
        self.insert_before = QPushButton("Insert before")
        self.insert_after = QPushButton("Insert after")
        self.remove_button = QPushButton("Remove")
        for b in (self.insert_before, self.insert_after, self.remove_button):
            buttons.addWidget(b)
        lay.addRow(buttons)
        self.randomise_button = QPushButton("Randomise this layer")
        lay.addRow(self.randomise_button)
        outer.addWidget(self.layer_box)

        # -- network -------------------------------------------------------------------
        net_box = QGroupBox("Network")
        net = QFormLayout(net_box)
        self.name_edit = QLineEdit()
        net.addRow("name", self.name_edit)
        self.loss_combo = QComboBox()
        self.loss_combo.addItems(list(LOSSES))
        net.addRow("loss", self.loss_combo)
        self.scheme_combo = QComboBox()
        self.scheme_combo.addItems(list(INIT_SCHEMES))
        self.seed_spin = SeedSpinBox()  # any seed a file may hold, not just < 2³¹
        init_row = QHBoxLayout()
        init_row.addWidget(self.scheme_combo, 1)
        seed_label = QLabel("seed")
        seed_label.setBuddy(self.seed_spin)
        init_row.addWidget(seed_label)
        init_row.addWidget(self.seed_spin)
        net.addRow("init", init_row)
        self.reinit_button = QPushButton("Re-initialise all weights")
        net.addRow(self.reinit_button)
        outer.addWidget(net_box)

        # -- sample --------------------------------------------------------------------
        sample_box = QGroupBox("Sample")
        sample = QFormLayout(sample_box)
        self.x_table = VectorTable()
        self.y_table = VectorTable()
        sample.addRow("x", self.x_table)
        sample.addRow("y", self.y_table)
        outer.addWidget(sample_box)
        outer.addStretch(1)

        # -- wiring --------------------------------------------------------------------
        self.value_edit.committed.connect(self._commit_value)
        self.value_edit.finished.connect(self.finished)
        for w in (self.value_edit, self.x_table, self.y_table):
            w.rejected.connect(lambda msg: self.doc.status_message.emit(msg))
        self.size_spin.valueChanged.connect(self._commit_size)
        self.activation_combo.activated.connect(self._commit_activation)
        self.loss_combo.activated.connect(
            lambda _i: self._maybe_edit(
                self.loss_combo.currentText() != self.doc.network.loss,
                lambda: _commands().SetLoss(self.doc, self.loss_combo.currentText()),
            )
        )
        self.name_edit.editingFinished.connect(
            lambda: self._maybe_edit(
                self.name_edit.text() != self.doc.network.name,
                lambda: _commands().RenameNetwork(self.doc, self.name_edit.text()),
            )
        )
        self.reinit_button.clicked.connect(self._reinitialise)
        self.randomise_button.clicked.connect(self._randomise)
        self.insert_before.clicked.connect(lambda: self._insert(0))
        self.insert_after.clicked.connect(lambda: self._insert(1))
        self.remove_button.clicked.connect(self._remove)
        self.x_table.edited.connect(lambda k, v: self._commit_sample(k, v, "x"))
        self.y_table.edited.connect(lambda k, v: self._commit_sample(k, v, "y"))
        document.network_changed.connect(self.refresh)
        # The value field edits the target yᵢ instead of the bias while the canvas's
        # keyboard is on yᵢ (see `show_target`).
        self._target: int | None = None
        document.selection_changed.connect(self.refresh)
        self.refresh()

    # -- what is shown -------------------------------------------------------------------
    def _layer(self) -> int | None:
        sel = self.doc.selection
        return None if sel is None else sel.layer

    def refresh(self) -> None:
        net, trace = self.doc.network, self.doc.trace
        self._show_selection()
        l = self._layer()
        self.layer_box.setVisible(l is not None)
        if l is not None:
            self.layer_box.setTitle("Input layer" if l == 0 else f"Layer {l}")
            with QSignalBlocker(self.size_spin), QSignalBlocker(self.activation_combo):
                self.size_spin.setValue(net.sizes[l])
                if l >= 1:
                    self.activation_combo.setCurrentText(net.layer(l).activation)
            for w in (self.activation_combo, self.randomise_button, self.remove_button):
                w.setEnabled(l >= 1)
            self.remove_button.setEnabled(l >= 1 and net.depth > 1)
            self.insert_before.setEnabled(l >= 1)
        with (
            QSignalBlocker(self.loss_combo),
            QSignalBlocker(self.scheme_combo),
            QSignalBlocker(self.seed_spin),
        ):
            self.loss_combo.setCurrentText(net.loss)
            self.scheme_combo.setCurrentText(net.init.scheme)
            self.seed_spin.setValue(net.init.seed)
        if not self.name_edit.hasFocus():
            self.name_edit.setText(net.name)
        self.x_table.set_values(trace.x)
        self.y_table.set_values(trace.y)

    def _show_selection(self) -> None:
        net, trace, sel = self.doc.network, self.doc.trace, self.doc.selection
        editable = sel is not None and sel.kind in ("edge", "neuron")
        self.value_label.setVisible(editable)
        self.value_edit.setVisible(editable)
        if sel is None:
            self.selection_title.setText(
                "Click a neuron or an edge on the canvas to inspect and edit it."
            )
            self.readout.setText("")
            return
        l = sel.layer
        if sel.kind == "edge":
            w = net.layer(l).weights[sel.i, sel.j]
            self.selection_title.setText(
                f"<b>weight w<sup>{l}</sup><sub>{sel.i + 1},{sel.j + 1}</sub></b> — from neuron "
                f"{sel.j + 1} of {'the input' if l == 1 else f'layer {l - 1}'} "
                f"to neuron {sel.i + 1} of layer {l}"
            )
            self.value_label.setText(f"w{sup(l)}")
            self.value_edit.set_value(w)
            self.readout.setText(f"∂C/∂w = {fmt_full(trace.dW_entry(l, sel.i, sel.j))}")
        elif sel.kind == "neuron":
            what = "input" if l == 0 else f"layer {l}"
            self.selection_title.setText(f"<b>neuron {sel.i + 1}</b> of {what}")
            rows = [f"a = {fmt_full(trace.a[l][sel.i])}"]
            if l >= 1:
                rows.insert(0, f"z = {fmt_full(trace.z[l - 1][sel.i])}")
                rows.append(f"δ = ∂C/∂z = {fmt_full(trace.delta[l - 1][sel.i])}")
                self.value_label.setText(f"bias b{sup(l)}")
                self.value_edit.set_value(net.layer(l).biases[sel.i])
            else:
                rows.append(f"∂C/∂x = {fmt_full(trace.dx[sel.i])}")
                self.value_label.setText(f"x{sub(sel.i + 1)}")
                self.value_edit.set_value(trace.x[sel.i])
            self.readout.setText("<br>".join(rows))
        else:
            self.selection_title.setText(f"<b>{'input' if l == 0 else f'layer {l}'}</b>")
            self.readout.setText("")
        if editable and self._target is not None and sel.kind == "neuron" and l == net.depth:
            k = sub(self._target + 1)
            self.selection_title.setText(
                f"<b>target y<sub>{self._target + 1}</sub></b> — what the output "
                f"a<sup>{l}</sup><sub>{self._target + 1}</sub> is compared with in C"
            )
            self.value_label.setText(f"y{k}")
            self.value_edit.set_value(trace.y[self._target])
            self.value_edit.setAccessibleName(f"target y{sub(self._target + 1)}")
        elif editable:
            # Screen readers name the field after what it edits: "w²₁,₃", "bias b²₂".
            name = self.value_label.text()
            if sel.kind == "edge":
                name = weight_name(l, sel.i, sel.j)
            elif l >= 1:
                name = f"bias {bias_name(l, sel.i)}"
            self.value_edit.setAccessibleName(name)

    # -- the keyboard ----------------------------------------------------------------------
    def focus_for(self, target: str, index: int = 0) -> bool:
        """Put the keyboard on the control that edits `target`: "value" (the value field,
        its text selected), "target" (the same field, editing yᵢ, `index`), "layer" (the
        layer's size) or "loss". False when there is no such control now."""
        if target in ("value", "target"):
            self.show_target(index if target == "target" else None)
            widget: QWidget = self.value_edit
        elif target == "layer":
            widget = self.size_spin
        else:
            widget = self.loss_combo
        if not widget.isVisibleTo(self):
            return False
        self.ensureWidgetVisible(widget)
        widget.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if widget is self.value_edit:
            self.value_edit.selectAll()
        elif widget is self.size_spin:
            self.size_spin.selectAll()
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Esc in any control that does not use it itself goes back to the canvas.
        if event.key() == Qt.Key.Key_Escape:
            self.finished.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    # -- edits ---------------------------------------------------------------------------
    def _maybe_edit(self, changed: bool, make) -> None:
        if changed:
            self._try(make)

    def _try(self, make) -> None:
        if not self.doc.try_edit(make):
            self.refresh()  # put back what the refused edit had typed

    def show_target(self, index: int | None) -> None:
        """Let the value field edit the target y at `index` (the canvas's keyboard is on
        it), or (None) what the selection says."""
        if index != self._target:
            self._target = index
            self._show_selection()

    def _commit_value(self, value: float) -> None:
        sel = self.doc.selection
        if sel is None:
            return
        if self._target is not None:
            self._commit_sample(self._target, value, "y")
            return
        if sel.kind == "neuron" and sel.layer == 0:
            self._commit_sample(sel.i, value, "x")
        elif sel.kind == "edge":
            self._try(lambda: _commands().SetWeight(self.doc, sel.layer, sel.i, sel.j, value))
        elif sel.kind == "neuron":
            self._try(lambda: _commands().SetBias(self.doc, sel.layer, sel.i, value))

    def _commit_size(self, size: int) -> None:
        l = self._layer()
        if l is not None and size != self.doc.network.sizes[l]:
            self._try(lambda: _commands().ResizeLayer(self.doc, l, size))

    def _commit_activation(self, _index: int) -> None:
        l = self._layer()
        name = self.activation_combo.currentText()
        if l and name != self.doc.network.layer(l).activation:
            self._try(lambda: _commands().SetActivation(self.doc, l, name))

    def _commit_sample(self, k: int, value: float, which: str) -> None:
        x = np.array(self.doc.trace.x)
        y = np.array(self.doc.trace.y)
        (x if which == "x" else y)[k] = value
        self._try(
            lambda: _commands().SetSample(
                self.doc, x, y, f"Changed {which}{k + 1} to {fmt_full(value)}"
            )
        )

    def _reinitialise(self) -> None:
        spec = InitSpec(
            self.scheme_combo.currentText(),
            self.seed_spin.value(),
            self.doc.network.init.low,
            self.doc.network.init.high,
        )
        self._try(lambda: _commands().Reinitialise(self.doc, spec))

    def _randomise(self) -> None:
        l = self._layer()
        if l:
            seed = int(np.random.default_rng().integers(0, 2**31 - 1))
            self._try(lambda: _commands().RandomiseLayer(self.doc, l, seed))

    def _insert(self, offset: int) -> None:
        l = self._layer()
        if l is not None:
            self._try(lambda: _commands().InsertLayer(self.doc, l + offset))

    def _remove(self) -> None:
        l = self._layer()
        if l:
            self._try(lambda: _commands().RemoveLayer(self.doc, l))


def _commands():
    """The edit commands, imported with the first edit: the window opens without them."""
    from visualizer.gui import commands

    return commands
