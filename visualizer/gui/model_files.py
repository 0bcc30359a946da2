"""Models from and to other frameworks in the app: opening any model file (asking for the
activations a safetensors file does not say) and File → Export Model…. The reading and
writing itself lives in `visualizer.formats` (shared with the command line)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.losses import LOSSES
from visualizer.engine.network import Network
from visualizer.formats.models import ActivationsNeeded, OpenedModel, open_model
from visualizer.formats.network_file import save_network

OPEN_FILTER = "Models (*.json *.npz *.onnx *.safetensors);;All files (*)"
# filter → (suffix, writer kind)
EXPORT_FILTERS = {
    "ONNX model (*.onnx)": (".onnx", "onnx"),
    "safetensors weights (*.safetensors)": (".safetensors", "safetensors"),
    "NumPy script (*.py)": (".py", "numpy"),
    "PyTorch script (*.py)": (".py", "torch"),
    "Network file (*.json)": (".json", "json"),
}
_EXPORT_FILTER = "export/model_filter"
_LAST_DIR = "export/last_dir"


class ActivationsDialog(QDialog):
    """One activation per layer, for a weights file that does not say them."""

    def __init__(self, depth: int, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Activations")
        layout = QVBoxLayout(self)
        text = QLabel(
            f"{name} holds the weights of {depth} layers but not their activations. "
            "Choose one per layer (PyTorch: the modules between the Linear layers)."
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        self.combos: list[QComboBox] = []
        for l in range(1, depth + 1):
            combo = QComboBox()
            combo.addItems(list(ACTIVATIONS))
            combo.setCurrentText("relu" if l < depth else "identity")
            form.addRow(f"Layer {l}:", combo)
            self.combos.append(combo)
        self.loss = QComboBox()
        self.loss.addItems(list(LOSSES))
        form.addRow("Loss:", self.loss)
        layout.addLayout(form)
        note = QLabel(
            "A last layer without activation (identity: logits) with the cross-entropy loss "
            "gets softmax, as PyTorch's CrossEntropyLoss applies it."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.setMinimumWidth(420)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def activations(self) -> list[str]:
        return [combo.currentText() for combo in self.combos]

    def chosen(self) -> tuple[list[str], str]:
        return self.activations(), self.loss.currentText()


def ask_activations(
    parent: QWidget | None, depth: int, name: str
) -> tuple[list[str], str] | None:
    """The activations (one per layer) and the loss the user picks, or None (cancelled)."""
    dialog = ActivationsDialog(depth, name, parent)
    return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else None


def open_any(
    parent: QWidget | None,
    path: str | Path,
    run: Callable[[Callable[[], Any]], Any] | None = None,
) -> OpenedModel | None:
    """`open_model(path)`, asking for the activations when the file does not say them;
    None when the user cancels that question. FormatError/OSError as `open_model`.
    `run(work)` computes `work()` (the window passes its worker thread's `run`, so a
    big file is read while the window keeps answering); the question is asked here,
    on the GUI thread, between two reads."""
    if run is None:
        run = _call
    try:
        return run(lambda: open_model(path))
    except ActivationsNeeded as needed:
        chosen = ask_activations(parent, needed.depth, Path(path).name)
        if chosen is None:
            return None
        activations, loss = chosen
        return run(lambda: open_model(path, activations=activations, loss=loss))


def _call(work: Callable[[], Any]) -> Any:
    return work()


def write_model(network: Network, path: Path, kind: str) -> list[Path]:
    """Write `network` as `kind` (a value of EXPORT_FILTERS); the files written."""
    if kind == "onnx":
        from visualizer.formats.onnx_io import save_onnx

        save_onnx(network, path)
    elif kind == "safetensors":
        from visualizer.formats.safetensors_io import save_safetensors

        save_safetensors(network, path)
    elif kind == "json":
        save_network(network, path)
    else:
        from visualizer.formats.scripts import save_script

        return save_script(network, path, kind)
    return [path]


def export_model(parent: QWidget | None, document, settings: QSettings) -> Path | None:
    """File → Export Model…: asks for a file and a format, writes it; the path written, or
    None (cancelled, or failed: the user was told why)."""
    from visualizer.gui import export

    filters = list(EXPORT_FILTERS)
    selected = str(settings.value(_EXPORT_FILTER, filters[0]))
    if selected not in EXPORT_FILTERS:
        selected = filters[0]
    folder = Path(str(settings.value(_LAST_DIR, "") or Path.home()))
    suggested = folder / f"{export._stem(document)}{EXPORT_FILTERS[selected][0]}"
    chosen, chosen_filter = export.ask_save_path(
        parent, "Export model", str(suggested), filters, selected
    )
    if not chosen:
        return None
    suffix, kind = EXPORT_FILTERS.get(chosen_filter, EXPORT_FILTERS[selected])
    path = Path(chosen)
    if path.suffix.lower() != suffix:
        path = path.with_name(path.name + suffix)
    settings.setValue(_LAST_DIR, str(path.parent))
    if chosen_filter in EXPORT_FILTERS:
        settings.setValue(_EXPORT_FILTER, chosen_filter)
    try:
        write_model(document.network, path, kind)
    except (OSError, ValueError) as exc:
        export._failed(parent, "the model", path, exc)
        return None
    return path
