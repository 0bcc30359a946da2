"""The training panel: pick a data set and an optimiser, train / pause / step / reset, and
watch the loss fall and the network's output take shape over the data.

It owns a `Trainer` (gui/trainer.py) and draws what it reports; every change to the
network goes through the document's undo stack (a generated data set and a reset are one
command each, a training run is one command). Below the loss curve sit the output view
(`output_view.py`) and the batch view (`batch_view.py`), whose `sample_chosen(i)` signal
(−1 = the batch mean) the panel passes on for the canvas to follow.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from visualizer.engine.datasets import (
    DATASETS,
    DEFAULT_NOISE,
    DEFAULT_SAMPLES,
    MAX_SAMPLES,
    with_dataset,
)
from visualizer.engine.network import Network
from visualizer.engine.training import batches_per_epoch
from visualizer.gui import style
from visualizer.gui.commands import NetworkEdit
from visualizer.gui.document import Document
from visualizer.gui.panels.batch_view import BatchView
from visualizer.gui.panels.output_view import OutputView
from visualizer.gui.trainer import LOSS_ROWS, OPTIMIZERS, Trainer, TrainSettings
from visualizer.gui.widgets import SeedSpinBox
from visualizer.notation import MINUS, format_number

import pyqtgraph as pg  # isort: skip  (after the Qt binding, so pyqtgraph picks PySide6)

# Speeds offered, in steps per second; None = as fast as the machine goes.
SPEEDS: tuple[float | None, ...] = (1, 5, 20, 100, 1000, None)
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "adam": 0.01}
DEFAULT_BATCH = 16
PLOT_HEIGHT = 170

_LOSS_COLOR, _DATA_LOSS_COLOR = style.FADED_CURVE, style.PANEL_INK
_LOSS_PEN = pg.mkPen(_LOSS_COLOR, width=1)
_DATA_LOSS_PEN = pg.mkPen(_DATA_LOSS_COLOR, width=2)


class TrainingPanel(QWidget):
    """Dockable: data set, optimiser, Train / Pause / Step / Reset, loss curve, output
    view, batch view. `trainer` is its Trainer (made here unless given)."""

    sample_chosen = Signal(int)  # −1: the batch mean; i ≥ 0: sample i of the last batch

    def __init__(
        self, document: Document, parent: QWidget | None = None, trainer: Trainer | None = None
    ):
        super().__init__(parent)
        self.doc = document
        self.trainer = trainer if trainer is not None else Trainer(document, self)
        self._lr = dict(DEFAULT_LR)
        self._batch_choice = DEFAULT_BATCH
        self._step_axis = np.zeros(0)  # 1, 2, 3, …: the loss curve's x, reused

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(6, 6, 6, 6)
        column.addWidget(self._build_data_box())
        column.addWidget(self._build_training_box())
        column.addWidget(self._build_plots())
        self.output_view = OutputView(document)
        column.addWidget(self.output_view)
        self.batch_view = BatchView(document, self.trainer)
        self.batch_view.sample_chosen.connect(self.sample_chosen)
        column.addWidget(self.batch_view)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.setMinimumWidth(340)

        self.trainer.running_changed.connect(self._running_changed)
        self.trainer.progressed.connect(self.refresh)
        self.trainer.failed.connect(lambda text: self._say(text, error=True))
        self.trainer.notice.connect(self._say)
        self.trainer.history_cleared.connect(self._history_cleared)
        document.network_changed.connect(self._network_changed)
        self._push_settings()
        self._network_changed()

    # -- construction --------------------------------------------------------------------
    def _build_data_box(self) -> QGroupBox:
        box = QGroupBox("Data set")
        grid = QGridLayout(box)
        self.dataset_combo = QComboBox()
        for name, info in DATASETS.items():
            self.dataset_combo.addItem(name, name)
            index = self.dataset_combo.count() - 1
            inputs = f"{info.input_size} input{'s' if info.input_size > 1 else ''}"
            outputs = " or ".join(str(k) for k in info.output_sizes())
            self.dataset_combo.setItemData(
                index,
                f"{info.description} — for networks with {inputs} and {outputs} output(s)",
                Qt.ItemDataRole.ToolTipRole,
            )
        self.samples_spin = QSpinBox()
        self.samples_spin.setRange(2, MAX_SAMPLES)
        self.samples_spin.setValue(DEFAULT_SAMPLES)
        self.samples_spin.setToolTip("Number of examples")
        self.noise_spin = QDoubleSpinBox()
        self.noise_spin.setRange(0.0, 2.0)
        self.noise_spin.setSingleStep(0.05)
        self.noise_spin.setDecimals(2)
        self.noise_spin.setValue(DEFAULT_NOISE)
        self.noise_spin.setToolTip(
            "Standard deviation of the Gaussian noise on the inputs (on y for the curves)"
        )
        self.seed_spin = SeedSpinBox()  # any seed a file may hold, not just < 2³¹
        self.seed_spin.setToolTip("Seed of the data (and of the mini-batch shuffles)")
        self.generate_button = QPushButton("Generate")
        self.generate_button.setToolTip("Put this data set into the network (undoable)")
        self.generate_button.clicked.connect(self.generate)
        self.data_label = QLabel()
        self.data_label.setWordWrap(True)
        self.data_label.setStyleSheet(f"color: {style.PANEL_NOTE};")

        # Two columns: the panel must fit a dock as narrow as the inspector's.
        grid.addWidget(self.dataset_combo, 0, 0)
        grid.addWidget(self.generate_button, 0, 1)
        for k, (label, widget) in enumerate(
            (("n", self.samples_spin), ("noise", self.noise_spin), ("seed", self.seed_spin))
        ):
            pair = QHBoxLayout()
            pair.setSpacing(3)
            name = QLabel(label)
            name.setBuddy(widget)
            pair.addWidget(name)
            pair.addWidget(widget, 1)
            grid.addLayout(pair, 1 + k // 2, k % 2)
        grid.addWidget(self.data_label, 3, 0, 1, 2)
        self.seed_spin.valueChanged.connect(self._push_settings)
        return box

    def _build_training_box(self) -> QGroupBox:
        box = QGroupBox("Training")
        column = QVBoxLayout(box)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.optimizer_combo = QComboBox()
        for key, name in OPTIMIZERS.items():
            self.optimizer_combo.addItem(name, key)
        self.optimizer_combo.setCurrentIndex(list(OPTIMIZERS).index("adam"))
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(5)
        self.lr_spin.setRange(0.00001, 10.0)
        self.lr_spin.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        self.lr_spin.setValue(self._lr["adam"])
        self.momentum_spin = QDoubleSpinBox()
        self.momentum_spin.setRange(0.0, 0.999)
        self.momentum_spin.setDecimals(3)
        self.momentum_spin.setSingleStep(0.05)
        self.momentum_spin.setValue(0.9)
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(0, MAX_SAMPLES)
        self.batch_spin.setSpecialValueText("the sample")
        self.batch_spin.setValue(DEFAULT_BATCH)
        self.batch_spin.setToolTip(
            "Examples per step, drawn from the data set and reshuffled every epoch;\n"
            "“the sample” (0) trains on the network's current sample alone"
        )
        self.batch_label = QLabel()
        self.batch_label.setStyleSheet(f"color: {style.PANEL_NOTE};")
        self.batch_label.setWordWrap(True)
        batch_row = QHBoxLayout()
        batch_row.addWidget(self.batch_spin, 1)
        batch_row.addWidget(self.batch_label, 1)
        self.speed_combo = QComboBox()
        for speed in SPEEDS:
            self.speed_combo.addItem("max" if speed is None else f"{speed:g} / s", speed)
        self.speed_combo.setCurrentIndex(len(SPEEDS) - 1)
        self.speed_combo.setToolTip("Training steps per second")
        form.addRow("Optimiser", self.optimizer_combo)
        form.addRow("Learning rate", self.lr_spin)
        form.addRow("Momentum", self.momentum_spin)
        form.addRow("Batch size", batch_row)
        form.addRow("Steps per second", self.speed_combo)
        column.addLayout(form)

        buttons = QGridLayout()  # 2 × 2: four buttons in a row do not fit a narrow dock
        self.train_button = QPushButton("▶ Train")
        self.train_button.setToolTip("Train until paused (one undo step per run)")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause training: the run so far becomes one undo step")
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("One training step (undoable)")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Restore the parameters from before training (undoable)")
        for k, button in enumerate(
            (self.train_button, self.pause_button, self.step_button, self.reset_button)
        ):
            buttons.addWidget(button, k // 2, k % 2)
        column.addLayout(buttons)
        self.progress_label = QLabel()
        self.progress_label.setWordWrap(True)
        self.progress_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.hide()
        column.addWidget(self.progress_label)
        column.addWidget(self.message_label)

        self.train_button.clicked.connect(self.train)
        self.pause_button.clicked.connect(self.trainer.pause)
        self.step_button.clicked.connect(self.step)
        self.reset_button.clicked.connect(self.reset)
        self.optimizer_combo.currentIndexChanged.connect(self._optimizer_changed)
        for spin in (self.lr_spin, self.momentum_spin):
            spin.valueChanged.connect(self._push_settings)
        self.batch_spin.valueChanged.connect(self._batch_changed)
        self.speed_combo.currentIndexChanged.connect(self._push_settings)
        return box

    def _build_plots(self) -> QWidget:
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)

        header = QHBoxLayout()
        # The key sits in the header: a legend inside the plot would cover the curve.
        self.loss_title = QLabel()
        title = self.loss_title
        self.log_check = QCheckBox("log scale")
        self.log_check.setChecked(True)
        self.log_check.toggled.connect(self._log_toggled)
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.log_check)
        column.addLayout(header)

        self.loss_plot = pg.PlotWidget(background="w")
        self.loss_plot.setMinimumHeight(PLOT_HEIGHT)
        self.loss_plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.loss_plot.setFixedHeight(PLOT_HEIGHT)
        self.loss_plot.setLabel("bottom", "step")
        self.loss_plot.setMouseEnabled(x=False, y=False)
        self.loss_plot.hideButtons()
        self.loss_curve = self.loss_plot.plot(pen=_LOSS_PEN)
        self.data_loss_curve = self.loss_plot.plot(pen=_DATA_LOSS_PEN)
        for curve in (self.loss_curve, self.data_loss_curve):
            # Millions of steps draw in a blink: pyqtgraph keeps each pixel column's
            # minimum and maximum (spikes survive) of the part in view.
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
        self.loss_plot.setLogMode(y=True)
        column.addWidget(self.loss_plot)
        return holder

    # -- actions -------------------------------------------------------------------------
    def generate(self) -> bool:
        """Put the chosen data set into the network: one undoable command."""
        name = self.dataset_combo.currentData()
        n, noise, seed = self.samples_spin.value(), self.noise_spin.value(), self.seed_spin.value()
        if self.trainer.running:
            self.trainer.pause()
        ok = self.doc.try_edit(
            lambda: NetworkEdit(
                self.doc,
                with_dataset(self.doc.network, name, n, noise, seed),
                f"Generated data set “{name}” ({n} examples, noise {noise:g}, seed {seed})",
            )
        )
        if not ok:
            self._say("This data set does not fit the network.", error=True)
        else:
            self._say("")
        return ok

    def train(self) -> bool:
        self._say("")
        return self.trainer.start()

    def toggle(self) -> bool:
        """Train if paused, pause if training (for a menu action or a shortcut); returns
        whether training now runs."""
        if self.trainer.running:
            self.trainer.pause()
            return False
        return self.train()

    def step(self) -> bool:
        self._say("")
        return self.trainer.step_once()

    def reset(self) -> bool:
        self._say("")
        return self.trainer.reset()

    # -- settings ------------------------------------------------------------------------
    def settings(self) -> TrainSettings:
        """The settings the widgets show."""
        return TrainSettings(
            optimizer=self.optimizer_combo.currentData(),
            lr=self.lr_spin.value(),
            momentum=self.momentum_spin.value(),
            batch_size=self.batch_spin.value(),
            steps_per_second=self.speed_combo.currentData(),
            seed=self.seed_spin.value(),
        )

    def _push_settings(self) -> None:
        self._lr[self.optimizer_combo.currentData()] = self.lr_spin.value()
        self.trainer.set_settings(self.settings())
        self._update_batch_label()
        self.batch_view.refresh(force=True)

    def _optimizer_changed(self) -> None:
        key = self.optimizer_combo.currentData()
        self.momentum_spin.setEnabled(key == "momentum")
        with QSignalBlocker(self.lr_spin):  # one push below, with the new optimiser
            self.lr_spin.setValue(self._lr[key])
        self._push_settings()

    def _batch_changed(self, value: int) -> None:
        if self.batch_spin.isEnabled():
            self._batch_choice = value
        self._push_settings()

    # -- reacting ------------------------------------------------------------------------
    def _running_changed(self, _running: bool) -> None:
        self._update_buttons()

    def _history_cleared(self) -> None:
        self.loss_curve.setData([], [])
        self.data_loss_curve.setData([], [])

    def _network_changed(self) -> None:
        network = self.doc.network
        self._update_dataset_choices(network)
        has_data = network.dataset is not None
        with QSignalBlocker(self.batch_spin):  # the network's change, not the user's choice
            self.batch_spin.setEnabled(has_data)
            self.batch_spin.setValue(self._batch_choice if has_data else 0)
        self.batch_view.set_depth(network.depth)
        self._update_batch_label()  # the data set may have changed size under the same choice
        if self.settings() != self.trainer.settings:
            self._push_settings()
        if not self.trainer.running:
            self.refresh()  # while running, `progressed` redraws the rest 12 times a second
        else:
            self.batch_view.refresh()  # it compares gradients of the document's network

    def _update_dataset_choices(self, network: Network) -> None:
        model = self.dataset_combo.model()
        first_fitting = -1
        for index, info in enumerate(DATASETS.values()):
            fits = info.fits(network)
            model.item(index).setEnabled(fits)
            if fits and first_fitting < 0:
                first_fitting = index
        current = self.dataset_combo.currentIndex()
        if not model.item(current).isEnabled() and first_fitting >= 0:
            self.dataset_combo.setCurrentIndex(first_fitting)
        self.generate_button.setEnabled(first_fitting >= 0)
        data = network.dataset
        if data is not None:
            self.data_label.setText(f"The network holds {len(data)} examples.")
        elif first_fitting >= 0:
            self.data_label.setText("No data set yet: generate one to train on mini-batches.")
        else:
            self.data_label.setText(
                f"The built-in data sets need 1 or 2 inputs and 1 or 2 outputs; this "
                f"network has {network.input_size} and {network.output_size}."
            )

    def _update_buttons(self) -> None:
        running = self.trainer.running
        self.train_button.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.step_button.setEnabled(not running)
        self.reset_button.setEnabled(self.trainer.can_reset or running)

    def _update_batch_label(self) -> None:
        data = self.doc.network.dataset
        size = self.batch_spin.value()
        if data is None or size == 0:
            self.batch_label.setText("")
        elif size >= len(data):
            self.batch_label.setText(f"full batch of {len(data)}")
        else:
            per = batches_per_epoch(len(data), size)
            self.batch_label.setText(f"{per} steps per epoch")

    def _say(self, text: str, error: bool = False) -> None:
        self.message_label.setVisible(bool(text))
        self.message_label.setText(text)
        color = style.WARNING_TEXT if error else style.MESSAGE_TEXT
        self.message_label.setStyleSheet(f"color: {color};")

    def _log_toggled(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        self._update_loss()

    # -- drawing -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw the progress line and the plots from the trainer (its network may be a
        little ahead of the document's while it runs), and the batch view."""
        self._update_buttons()
        self._update_progress()
        self._update_loss()
        self.output_view.refresh(self.trainer.network)
        if not self.trainer.running:  # while running: when the document changes
            self.batch_view.refresh()

    def _update_progress(self) -> None:
        t = self.trainer
        parts = [f"step {t.steps:,}"]
        if t.epoch:
            parts.append(f"epoch {t.epoch:.1f}")
        if t.steps:
            parts.append(f"loss {format_number(float(t.losses[-1]))}")
            _, data_losses = t.dataset_losses
            if len(data_losses) and self.batch_spin.value() > 0:
                note = t.loss_rows_note()
                parts[-1] += f" (batch), {format_number(float(data_losses[-1]))} ({note})"
        if t.running and math.isfinite(t.steps_per_second):
            parts.append(f"{t.steps_per_second:,.0f} steps/s")
        self.progress_label.setText(" · ".join(parts).replace("-", MINUS))

    def _update_loss(self) -> None:
        losses = self.trainer.losses
        n = len(losses)
        if len(self._step_axis) < n:  # grown by doubling: not a new 1..n on every refresh
            self._step_axis = np.arange(1, max(n, 2 * len(self._step_axis)) + 1, dtype=float)
        steps = self._step_axis[:n]
        data_steps, data_losses = self.trainer.dataset_losses
        if self.log_check.isChecked():
            # log10 of 0 is −∞: floor at the smallest normal float instead (the check
            # first, as a copy of millions of losses on every refresh is what costs).
            tiny = np.finfo(float).tiny
            if n and losses.min() < tiny:
                losses = np.maximum(losses, tiny)
            data_losses = np.maximum(data_losses, tiny)
        self.loss_curve.setData(steps, losses)
        self.data_loss_curve.setData(data_steps, data_losses)
        both = len(data_steps) > 0 and self.batch_spin.value() > 0
        self.data_loss_curve.setVisible(both)
        note = self.trainer.loss_rows_note()  # the full "of how many" is on the progress line
        key = (
            f" · <span style='color:{_LOSS_COLOR}'>━</span> mini-batch · "
            f"<span style='color:{_DATA_LOSS_COLOR}'>━</span> "
            + ("whole data set" if note == "all data" else f"data set, {LOSS_ROWS:,} rows")
        )
        self.loss_title.setText("<b>Loss</b> per step" + (key if both else ""))
