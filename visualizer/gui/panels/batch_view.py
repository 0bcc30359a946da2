"""The training panel's batch view: for a mini-batch, that the batch gradient is the mean
of the per-sample gradients (the largest difference, live for small batches), and a sample
picker whose `sample_chosen(i)` signal (−1 = the batch mean) the canvas can follow.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout

from visualizer.engine import backprop
from visualizer.engine.training import batch_gradients, even_rows
from visualizer.gui.document import Document
from visualizer.gui.trainer import Trainer
from visualizer.notation import format_number, sup

LIVE_BATCH_CHECK = 64  # compare per-sample gradients live only for batches this small
# Larger batches (a full batch of 100,000 rows took 22 s): the per-sample comparison is
# skipped (one backprop pass per sample), and the picker lists this many evenly spaced
# samples of the batch; the chosen sample's own gradient is still compared.
MAX_BATCH_CHECK = 2000


def _vector(values: np.ndarray) -> str:
    return "(" + ", ".join(format_number(v, 3) for v in values) + ")"


class BatchView(QGroupBox):
    """The trainer's current batch; `refresh()` redraws it."""

    sample_chosen = Signal(int)  # −1: the batch mean; i ≥ 0: sample i of the last batch

    def __init__(self, document: Document, trainer: Trainer, parent=None):
        super().__init__("Batch", parent)
        self.doc = document
        self.trainer = trainer
        self._batch_key: tuple | None = None
        self._listed = -1  # the batch size the sample list was filled for
        column = QVBoxLayout(self)
        row = QHBoxLayout()
        self.sample_combo = QComboBox()
        self.sample_combo.setToolTip(
            "What the gradient views show for a mini-batch: the mean over the batch, "
            "or one sample's own δ and ∂C/∂W"
        )
        self.layer_spin = QSpinBox()
        self.layer_spin.setPrefix("layer ")
        self.layer_spin.setMinimum(1)
        show = QLabel("Show")
        show.setBuddy(self.sample_combo)  # screen readers name the combo "Show"
        row.addWidget(show)
        row.addWidget(self.sample_combo, 1)
        row.addWidget(self.layer_spin)
        column.addLayout(row)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        column.addWidget(self.text)
        self.sample_combo.currentIndexChanged.connect(self._sample_changed)
        self.layer_spin.valueChanged.connect(lambda _v: self.refresh(force=True))

    def set_depth(self, depth: int) -> None:
        """The network now has layers 1..`depth` to pick from."""
        self.layer_spin.setMaximum(depth)

    def _sample_changed(self, index: int) -> None:
        self.sample_chosen.emit(self.sample_combo.itemData(index))
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> None:
        """Redraw from the trainer's current batch (`force`: even if it looks unchanged)."""
        batch = self.trainer.current_batch()
        network = self.doc.network
        if batch is None:
            self._fill_samples(0)
            self.text.setText(
                "Training on the network's single sample: each step uses its gradient, as "
                "the canvas shows it."
                if network.dataset is None or self.trainer.settings.batch_size == 0
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
            self.text.setText(
                f"A batch of {size}: the comparison with the per-sample gradients is shown "
                "when training pauses."
            )
            return
        self._batch_key = key
        name = f"∂C/∂W{sup(l)}"
        picked = chosen is not None and 0 <= chosen < size
        if size > MAX_BATCH_CHECK:
            lines = [
                f"A batch of {size:,}: {name} (batch mean) is compared with the per-sample "
                f"{name} for batches of up to {MAX_BATCH_CHECK:,}; the list shows "
                f"{MAX_BATCH_CHECK:,} evenly spaced samples of it."
            ]
            if picked:
                with np.errstate(all="ignore"):
                    batch = backprop.run(network, x, y).dW[l - 1]
                    mine = backprop.run(network, x[chosen], y[chosen]).dW[l - 1]
                own = float(np.max(np.abs(mine - batch)))
        else:
            grads = batch_gradients(network, x, y, l)
            lines = [
                f"{name} (batch mean) = mean of {size} per-sample {name} — "
                f"max difference {format_number(grads.difference, 2)}"
            ]
            if picked:
                own = grads.sample_difference(chosen)
        if picked:
            lines.append(
                f"Sample {chosen + 1}: x = {_vector(x[chosen])}, y = {_vector(y[chosen])}. "
                f"Its own {name} differs from the batch mean by up to "
                f"{format_number(own, 3)}."
            )
        self.text.setText("<br>".join(lines))

    def _fill_samples(self, size: int) -> None:
        """ "mean of batch" and one entry per sample of the current batch."""
        if self._listed == size:
            return
        self._listed = size
        chosen = self.sample_combo.currentData()
        blocker = QSignalBlocker(self.sample_combo)  # refilling is not the user's choice
        self.sample_combo.clear()
        self.sample_combo.addItem("mean of batch", -1)
        for i in even_rows(size, MAX_BATCH_CHECK):
            self.sample_combo.addItem(f"sample {i + 1:,}", int(i))
        at = self.sample_combo.findData(chosen) if chosen is not None and chosen >= 0 else -1
        keep = at > 0
        self.sample_combo.setCurrentIndex(at if keep else 0)
        self.sample_combo.setEnabled(size > 0)
        blocker.unblock()
        if chosen is not None and chosen >= 0 and not keep:
            self.sample_chosen.emit(-1)
