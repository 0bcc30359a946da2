"""Every keyboard shortcut of the app, in one table: Help → Keyboard Shortcuts shows it,
the README's "Keyboard" section lists the same rows, and a test checks that every menu
action's shortcut is in it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

# (where, keys, what they do)
KEYBOARD: tuple[tuple[str, str, str], ...] = (
    ("Canvas", "← → ↑ ↓", "with nothing selected: select the first input x₁"),
    (
        "Canvas",
        "↑ / ↓",
        "previous / next neuron of the column; ↑ at the top: the box above (Wˡ, fˡ, C)",
    ),
    (
        "Canvas",
        "← / →",
        "the same neuron in the previous / next column (x, z¹, a¹, …, aᴸ, y); "
        "in the row of boxes: the previous / next box; on a weight: the neuron it comes from / "
        "goes to",
    ),
    ("Canvas", "] / [", "next / previous incoming weight of the selected neuron (wˡᵢ,₁, wˡᵢ,₂, …)"),
    (
        "Canvas",
        "↑ / ↓ on a weight",
        "change the selected weight (a burst of presses is one undo step)",
    ),
    ("Canvas", "Esc", "from a weight back to its neuron; again: clear the selection"),
    (
        "Canvas",
        "Enter",
        "edit the selected weight, bias or sample value in the inspector; "
        "on a box: its layer's controls (on C: the loss)",
    ),
    ("Canvas", "Ctrl+= / Ctrl+−", "zoom in / out"),
    ("Canvas", "Ctrl+0", "fit the network to the window"),
    (
        "Panels",
        "Ctrl+= / Ctrl+− / Ctrl+0",
        (
            "in the equation panel, Chain, Gradients or Check: larger / smaller / normal text "
            "(remembered per panel)"
        ),
    ),
    ("View", "F11", "presenter mode: full screen, the canvas and the equation in large type"),
    ("View", "Esc in presenter mode", "leave presenter mode (the layout comes back as it was)"),
    ("Inspector", "Enter", "in the value field: apply (one undo step) and return to the canvas"),
    ("Inspector", "Esc", "return to the canvas without applying"),
    ("Window", "Tab / Shift+Tab", "next / previous control"),
    (
        "Window",
        "F6 / Shift+F6",
        "next / previous area: canvas, inspector, each panel (brought to the front), player bar",
    ),
    ("Playback", "Space", "play / pause"),
    ("Playback", "← / →", "previous / next step (when the canvas does not have the focus)"),
    ("Playback", "Home / End", "first / last step"),
    ("File", "Ctrl+N", "new network"),
    ("File", "Ctrl+O", "open a network or a snapshot"),
    ("File", "Ctrl+S / Ctrl+Shift+S", "save / save as"),
    ("File", "Ctrl+E", "export a snapshot"),
    ("File", "Ctrl+Shift+E", "export an image"),
    ("File", "Ctrl+Q", "quit"),
    ("Edit", "Ctrl+Z", "undo"),
    ("Edit", "Ctrl+Shift+Z / Ctrl+Y", "redo"),
    ("Edit", "Ctrl+H", "history"),
    ("Edit", "Ctrl+L / Ctrl+Shift+L", "insert a layer after the selected one / remove it"),
    ("Training", "Ctrl+T", "train / pause"),
    ("Training", "Ctrl+Shift+T", "one training step"),
    ("Help", "F1", "quick tour"),
    ("Help", "Ctrl+/", "this list of shortcuts"),
)


class KeyboardHelp(QDialog):
    """Help → Keyboard Shortcuts: the `KEYBOARD` table."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(760, 640)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(len(KEYBOARD), 3, self)
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Where", "Keys", "Does"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        for row, cells in enumerate(KEYBOARD):
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(row, col, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.table.resizeRowsToContents()  # now the columns have their widths

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.table.resizeRowsToContents()  # rows fit their wrapped text
