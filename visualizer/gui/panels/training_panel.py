"""The training panel: pick a data set and an optimiser, train / pause / step / reset, and
watch the loss fall and the network's output take shape over the data.

It owns a `Trainer` (gui/trainer.py) and draws what it reports; every change to the
network goes through the document's undo stack (a generated data set and a reset are one
command each, a training run is one command). For a mini-batch it shows that the batch
gradient is the mean of the per-sample gradients, and offers a sample picker whose
`sample_chosen(i)` signal (−1 = the batch mean) the canvas can follow.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QTransform
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

from visualizer.engine import backprop
from visualizer.engine.datasets import (
    DATASETS,
    DEFAULT_NOISE,
    DEFAULT_SAMPLES,
    MAX_SAMPLES,
    with_dataset,
)
from visualizer.engine.network import Network
from visualizer.engine.training import batches_per_epoch, predict
from visualizer.gui.commands import NetworkEdit
from visualizer.gui.document import Document
from visualizer.gui.style import lut
from visualizer.gui.trainer import OPTIMIZERS, Trainer, TrainSettings
from visualizer.notation import MINUS, format_number, sup

import pyqtgraph as pg  # isort: skip  (after the Qt binding, so pyqtgraph picks PySide6)

# Speeds offered, in steps per second; None = as fast as the machine goes.
SPEEDS: tuple[float | None, ...] = (1, 5, 20, 100, 1000, None)
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "adam": 0.01}
DEFAULT_BATCH = 16
GRID = 97  # the output image is GRID × GRID network evaluations
ISO_STEP = 2  # the decision boundary is traced on every ISO_STEP-th of them
MAX_CURVE_POINTS = 4000  # the loss curve is drawn with about this many points at most
LIVE_BATCH_CHECK = 64  # compare per-sample gradients live only for batches this small
PLOT_HEIGHT = 170

_LOSS_COLOR, _DATA_LOSS_COLOR = "#90a4ae", "#263238"
_LOSS_PEN = pg.mkPen(_LOSS_COLOR, width=1)
_DATA_LOSS_PEN = pg.mkPen(_DATA_LOSS_COLOR, width=2)
_CURVE_PEN = pg.mkPen("#263238", width=2)
_BOUNDARY_PEN = pg.mkPen("#263238", width=1.5)


def _class_colors() -> tuple[QColor, QColor]:
    """Darker than the value map's ends, so the dots stand out on the output image:
    class 0 blue, class 1 red (and a different shape each: never colour alone)."""
    table = lut()
    low, high = table[0], table[-1]
    return (
        QColor(*(int(c) for c in low)).darker(130),
        QColor(*(int(c) for c in high)).darker(130),
    )


CLASS_SYMBOLS = ("o", "t1")  # class 0 circles, class 1 upward triangles


def peak_decimate(values: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """(steps, values) to plot `values` (step k + 1 at index k) with at most about
    `max_points` points: short series as they are; long ones as each block's minimum and
    maximum, so spikes survive and a curve of millions of steps still draws in a blink."""
    n = len(values)
    if n <= max_points:
        return np.arange(1, n + 1, dtype=float), np.asarray(values, dtype=float)
    block = -(-n // (max_points // 2))
    full = n - n % block
    blocks = np.asarray(values[:full]).reshape(-1, block)
    lows, highs = blocks.min(axis=1), blocks.max(axis=1)
    starts = np.arange(full // block, dtype=float) * block + 1
    steps = np.stack([starts, starts + block - 1], axis=1).ravel()
    picked = np.stack([lows, highs], axis=1).ravel()
    if full < n:  # the unfinished last block, as it is
        steps = np.concatenate([steps, np.arange(full + 1, n + 1, dtype=float)])
        picked = np.concatenate([picked, values[full:]])
    return steps, picked


def _vector(values: np.ndarray) -> str:
    return "(" + ", ".join(format_number(v, 3) for v in values) + ")"


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
        self._updating = False
        self._output_key: tuple | None = None
        self._batch_key: tuple | None = None

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(6, 6, 6, 6)
        column.addWidget(self._build_data_box())
        column.addWidget(self._build_training_box())
        column.addWidget(self._build_plots())
        column.addWidget(self._build_batch_box())
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
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setToolTip("Seed of the data (and of the mini-batch shuffles)")
        self.generate_button = QPushButton("Generate")
        self.generate_button.setToolTip("Put this data set into the network (undoable)")
        self.generate_button.clicked.connect(self.generate)
        self.data_label = QLabel()
        self.data_label.setWordWrap(True)
        self.data_label.setStyleSheet("color: #546e7a;")

        grid.addWidget(self.dataset_combo, 0, 0, 1, 2)
        grid.addWidget(self.generate_button, 0, 2, 1, 2)
        for col, (label, widget) in enumerate(
            (("n", self.samples_spin), ("noise", self.noise_spin), ("seed", self.seed_spin))
        ):
            pair = QHBoxLayout()
            pair.setSpacing(3)
            pair.addWidget(QLabel(label))
            pair.addWidget(widget, 1)
            grid.addLayout(pair, 1, col if col < 2 else 2, 1, 1 if col < 2 else 2)
        grid.addWidget(self.data_label, 2, 0, 1, 4)
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
        self.batch_label.setStyleSheet("color: #546e7a;")
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

        buttons = QHBoxLayout()
        self.train_button = QPushButton("▶ Train")
        self.train_button.setToolTip("Train until paused (one undo step per run)")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause training: the run so far becomes one undo step")
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("One training step (undoable)")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Restore the parameters from before training (undoable)")
        for button in (self.train_button, self.pause_button, self.step_button, self.reset_button):
            buttons.addWidget(button)
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
        self.loss_plot.setLogMode(y=True)
        column.addWidget(self.loss_plot)

        self.output_title = QLabel()
        column.addWidget(self.output_title)
        self.output_plot = pg.PlotWidget(background="w")
        self.output_plot.setFixedHeight(PLOT_HEIGHT + 60)
        self.output_plot.setMouseEnabled(x=False, y=False)
        self.output_plot.hideButtons()
        self.output_plot.setAspectLocked(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(lut())
        self.image.setZValue(-10)
        self.image.setOpacity(0.75)  # a lighter background lets the data dots stand out
        self.isocurve = pg.IsocurveItem(level=0.5, pen=_BOUNDARY_PEN, axisOrder="row-major")
        self.isocurve.setParentItem(self.image)
        # Traced on every other grid point (a quarter of the work; pyqtgraph's tracer is
        # plain Python): vertex k then sits at image pixel 2k, whose centre is 2k + ½.
        self.isocurve.setTransform(QTransform.fromTranslate(0.5, 0.5).scale(2.0, 2.0))
        self.scatter = pg.ScatterPlotItem(size=7, pen=pg.mkPen("w", width=0.8))
        self.fit_curve = pg.PlotDataItem(pen=_CURVE_PEN)
        for item in (self.image, self.scatter, self.fit_curve):
            self.output_plot.addItem(item)
        self.output_note = QLabel()
        self.output_note.setWordWrap(True)
        self.output_note.setStyleSheet("color: #546e7a;")
        column.addWidget(self.output_plot)
        column.addWidget(self.output_note)
        return holder

    def _build_batch_box(self) -> QGroupBox:
        box = QGroupBox("Batch")
        column = QVBoxLayout(box)
        row = QHBoxLayout()
        self.sample_combo = QComboBox()
        self.sample_combo.setToolTip(
            "What the gradient views show for a mini-batch: the mean over the batch, "
            "or one sample's own δ and ∂C/∂W"
        )
        self.layer_spin = QSpinBox()
        self.layer_spin.setPrefix("layer ")
        self.layer_spin.setMinimum(1)
        row.addWidget(QLabel("Show"))
        row.addWidget(self.sample_combo, 1)
        row.addWidget(self.layer_spin)
        column.addLayout(row)
        self.batch_text = QLabel()
        self.batch_text.setWordWrap(True)
        self.batch_text.setTextFormat(Qt.TextFormat.RichText)
        column.addWidget(self.batch_text)
        self.sample_combo.currentIndexChanged.connect(self._sample_changed)
        self.layer_spin.valueChanged.connect(lambda _v: self._update_batch(force=True))
        return box

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
        if self._updating:
            return
        self._lr[self.optimizer_combo.currentData()] = self.lr_spin.value()
        self.trainer.set_settings(self.settings())
        self._update_batch_label()
        self._update_batch(force=True)

    def _optimizer_changed(self) -> None:
        key = self.optimizer_combo.currentData()
        self.momentum_spin.setEnabled(key == "momentum")
        self._updating = True
        self.lr_spin.setValue(self._lr[key])
        self._updating = False
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
        self._updating = True
        self.batch_spin.setEnabled(has_data)
        self.batch_spin.setValue(self._batch_choice if has_data else 0)
        self.layer_spin.setMaximum(network.depth)
        self._updating = False
        self._update_batch_label()  # the data set may have changed size under the same choice
        if self.settings() != self.trainer.settings:
            self._push_settings()
        if not self.trainer.running:
            self.refresh()  # while running, `progressed` follows every live update

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
        color = "#b26a00" if error else "#37474f"
        self.message_label.setStyleSheet(f"color: {color};")

    def _log_toggled(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        self._update_loss()

    def _sample_changed(self, index: int) -> None:
        if self._updating:
            return
        self.sample_chosen.emit(self.sample_combo.itemData(index))
        self._update_batch(force=True)

    # -- drawing -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw the progress line, the plots and the batch view from the trainer."""
        self._update_buttons()
        self._update_progress()
        self._update_loss()
        self._update_output()
        self._update_batch()

    def _update_progress(self) -> None:
        t = self.trainer
        parts = [f"step {t.steps:,}"]
        if t.epoch:
            parts.append(f"epoch {t.epoch:.1f}")
        if t.steps:
            parts.append(f"loss {format_number(float(t.losses[-1]))}")
            _, data_losses = t.dataset_losses
            if len(data_losses) and self.batch_spin.value() > 0:
                parts[-1] += f" (batch), {format_number(float(data_losses[-1]))} (all data)"
        if t.running and math.isfinite(t.steps_per_second):
            parts.append(f"{t.steps_per_second:,.0f} steps/s")
        self.progress_label.setText(" · ".join(parts).replace("-", MINUS))

    def _update_loss(self) -> None:
        steps, losses = peak_decimate(self.trainer.losses, MAX_CURVE_POINTS)
        data_steps, data_losses = self.trainer.dataset_losses
        if self.log_check.isChecked():
            # log10 of 0 is −∞: floor at the smallest normal float instead.
            losses = np.maximum(losses, np.finfo(float).tiny)
            data_losses = np.maximum(data_losses, np.finfo(float).tiny)
        self.loss_curve.setData(steps, losses)
        self.data_loss_curve.setData(data_steps, data_losses)
        both = len(data_steps) > 0 and self.batch_spin.value() > 0
        self.data_loss_curve.setVisible(both)
        key = (
            f" · <span style='color:{_LOSS_COLOR}'>━</span> mini-batch · "
            f"<span style='color:{_DATA_LOSS_COLOR}'>━</span> whole data set"
        )
        self.loss_title.setText("<b>Loss</b> per step" + (key if both else ""))

    def _update_output(self) -> None:
        network = self.doc.network
        n_in = network.input_size
        self.image.setVisible(n_in == 2)
        self.isocurve.setVisible(n_in == 2)
        self.fit_curve.setVisible(n_in == 1)
        self.scatter.setVisible(n_in in (1, 2) and network.dataset is not None)
        self.output_plot.setVisible(n_in in (1, 2))
        self.output_plot.setAspectLocked(n_in == 2)  # circles should look round
        if n_in == 2:
            self._draw_surface(network)
        elif n_in == 1:
            self._draw_fit(network)
        else:
            self.output_title.setText("<b>Output</b>")
            self.output_note.setText(
                f"The output view needs a network with 1 or 2 inputs (this one has {n_in})."
            )

    def _bounds(self, network: Network) -> tuple[float, float, float, float]:
        """(x0, x1, y0, y1) of the view: the data with a margin, or [−1.5, 1.5]²."""
        data = network.dataset
        if data is None:
            return -1.5, 1.5, -1.5, 1.5
        lo, hi = data.x.min(axis=0), data.x.max(axis=0)
        pad = 0.1 * np.maximum(hi - lo, 1e-9) + 0.05
        lo, hi = lo - pad, hi + pad
        if network.input_size == 1:
            y_lo, y_hi = float(data.y[:, 0].min()), float(data.y[:, 0].max())
            y_pad = 0.15 * max(y_hi - y_lo, 1e-9) + 0.05
            return float(lo[0]), float(hi[0]), y_lo - y_pad, y_hi + y_pad
        return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])

    def _output_column(self, network: Network) -> int:
        """Which output neuron the view shows: class 1's for two outputs, else the first."""
        return 1 if network.output_size == 2 else 0

    def _levels(self, network: Network) -> tuple[float, float]:
        data = network.dataset
        if data is not None:
            column = data.y[:, self._output_column(network)]
            lo, hi = float(column.min()), float(column.max())
            if hi > lo:
                return lo, hi
        if network.layers[-1].activation in ("sigmoid", "softmax"):
            return 0.0, 1.0
        return -1.0, 1.0

    def _draw_surface(self, network: Network) -> None:
        x0, x1, y0, y1 = self._bounds(network)
        column = self._output_column(network)
        gx = np.linspace(x0, x1, GRID)
        gy = np.linspace(y0, y1, GRID)
        xx, yy = np.meshgrid(gx, gy)  # rows follow y: row-major image, y up
        grid = np.stack([xx.ravel(), yy.ravel()], axis=1)
        values = predict(network, grid)[:, column].reshape(GRID, GRID)
        values = np.nan_to_num(values, nan=0.0, posinf=1e300, neginf=-1e300)
        lo, hi = self._levels(network)
        self.image.setImage(values, levels=(lo, hi), autoLevels=False)
        # Pixel centres sit on the grid points: the image reaches half a pixel beyond them.
        dx, dy = (x1 - x0) / (GRID - 1), (y1 - y0) / (GRID - 1)
        self.image.setRect(QRectF(x0 - dx / 2, y0 - dy / 2, x1 - x0 + dx, y1 - y0 + dy))
        self.isocurve.setLevel((lo + hi) / 2)
        self.isocurve.setData(values[::ISO_STEP, ::ISO_STEP])
        data = network.dataset
        key = (id(data), column)
        if data is not None and key != self._output_key:
            colors = _class_colors()
            labels = (data.y[:, column] > (lo + hi) / 2).astype(int)
            self.scatter.setData(
                x=data.x[:, 0],
                y=data.x[:, 1],
                brush=[pg.mkBrush(colors[c]) for c in labels],
                symbol=[CLASS_SYMBOLS[c] for c in labels],
            )
            self._output_key = key
        self.output_plot.setXRange(x0, x1, padding=0)
        self.output_plot.setYRange(y0, y1, padding=0)
        what = "P(class 1)" if network.output_size == 2 else f"a{sup('L')}"
        self.output_title.setText(f"<b>Output</b> {what} over the inputs (x₁, x₂)")
        self.output_note.setText(
            f"Colour: the network's output, {format_number(lo)} blue … "
            f"{format_number(hi)} red; the line is the decision boundary at "
            f"{format_number((lo + hi) / 2)}. Dots: the data."
        )

    def _draw_fit(self, network: Network) -> None:
        x0, x1, y0, y1 = self._bounds(network)
        xs = np.linspace(x0, x1, 200)
        ys = predict(network, xs[:, None])[:, 0]
        self.fit_curve.setData(xs, np.nan_to_num(ys, nan=0.0, posinf=1e300, neginf=-1e300))
        data = network.dataset
        key = (id(data), 0)
        if data is not None and key != self._output_key:
            self.scatter.setData(
                x=data.x[:, 0], y=data.y[:, 0], brush=pg.mkBrush(_class_colors()[0]), symbol="o"
            )
            self._output_key = key
        self.output_plot.setXRange(x0, x1, padding=0)
        self.output_plot.setYRange(y0, y1, padding=0)
        self.output_title.setText(f"<b>Output</b> a{sup('L')} against the input x")
        self.output_note.setText("Line: the network's output. Dots: the data (x, y).")

    def _update_batch(self, force: bool = False) -> None:
        """The sample picker and the "batch gradient = mean of per-sample gradients" line."""
        batch = self.trainer.current_batch()
        network = self.doc.network
        if batch is None:
            self._fill_samples(0)
            self.batch_text.setText(
                "Training on the network's single sample: each step uses its gradient, as "
                "the canvas shows it."
                if network.dataset is None or self.batch_spin.value() == 0
                else ""
            )
            return
        x, y = batch
        size = x.shape[0]
        self._fill_samples(size)
        l = min(self.layer_spin.value(), network.depth)
        chosen = self.sample_combo.currentData()
        key = (id(network), x.shape, float(x.sum()), l, chosen)
        if key == self._batch_key and not force:
            return
        if self.trainer.running and size > LIVE_BATCH_CHECK:
            self.batch_text.setText(
                f"A batch of {size}: the comparison with the per-sample gradients is shown "
                "when training pauses."
            )
            return
        self._batch_key = key
        with np.errstate(all="ignore"):
            batch_grad = backprop.run(network, x, y).dW[l - 1]
            per_sample = np.stack(
                [backprop.run(network, x[i], y[i]).dW[l - 1] for i in range(size)]
            )
        mean = per_sample.mean(axis=0)
        difference = float(np.max(np.abs(mean - batch_grad)))
        name = f"∂C/∂W{sup(l)}"
        lines = [
            f"{name} (batch mean) = mean of {size} per-sample {name} — "
            f"max difference {format_number(difference, 2)}"
        ]
        if chosen is not None and chosen >= 0 and chosen < size:
            own = float(np.max(np.abs(per_sample[chosen] - batch_grad)))
            lines.append(
                f"Sample {chosen + 1}: x = {_vector(x[chosen])}, y = {_vector(y[chosen])}. "
                f"Its own {name} differs from the batch mean by up to "
                f"{format_number(own, 3)}."
            )
        self.batch_text.setText("<br>".join(lines))

    def _fill_samples(self, size: int) -> None:
        """ "mean of batch" and one entry per sample of the current batch."""
        if self.sample_combo.count() == size + 1:
            return
        chosen = self.sample_combo.currentData()
        self._updating = True
        self.sample_combo.clear()
        self.sample_combo.addItem("mean of batch", -1)
        for i in range(size):
            self.sample_combo.addItem(f"sample {i + 1}", i)
        keep = chosen is not None and 0 <= chosen < size
        self.sample_combo.setCurrentIndex(chosen + 1 if keep else 0)
        self.sample_combo.setEnabled(size > 0)
        self._updating = False
        if chosen is not None and chosen >= 0 and not keep:
            self.sample_chosen.emit(-1)
