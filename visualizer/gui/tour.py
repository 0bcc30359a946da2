"""Help → Quick tour: the three ideas of the app (forward, backward, why transposed and
reversed), one page each, in a small dismissible dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from visualizer.notation import render, t_fprime, t_fprime_applied, t_fprime_t

TOUR_PAGES = (
    (
        "1 · Forward",
        "Values flow left to right. Each edge bundle is a weight matrix W<sup>l</sup>: every "
        "neuron of layer l sums w·a over the layer before, plus its bias, giving "
        "z<sup>l</sup>; the f<sup>l</sup> band turns z<sup>l</sup> into a<sup>l</sup>. At the "
        "end, C compares a<sup>L</sup> with the target y. Click an edge to edit its weight, "
        "or drag it up and down; every edit is undoable (Ctrl+Z).",
    ),
    (
        "2 · Backward",
        "Press <b>Space</b> (or → to step). After the loss, the boxes flip: "
        "{fprime} multiplies by the derivative, giving δ<sup>l</sup> = ∂C/∂z<sup>l</sup>, "
        "and (W<sup>l</sup>)<sup>T</sup> sends δ back along the <i>same</i> edges, right to "
        "left: neuron j of layer l−1 receives Σ<sub>k</sub> w<sub>kj</sub> δ<sub>k</sub>. "
        "On the way, ∂C/∂W<sup>l</sup> = δ<sup>l</sup> (a<sup>l−1</sup>)<sup>T</sup> lights "
        "up the edges.",
    ),
    (
        "3 · Why transposed, why reversed?",
        "The derivative ∂C/∂x is a row vector: ∂C/∂a<sup>L</sup> · {row_l} · W<sup>L</sup> ⋯ "
        "{row_1} · W<sup>1</sup>. The gradient is its transpose, and transposing a product "
        "reverses it: ∇<sub>x</sub>C = (W<sup>1</sup>)<sup>T</sup> · {col_1} ⋯ "
        "(W<sup>L</sup>)<sup>T</sup> · {col_l} · ∇<sub>a<sup>L</sup></sub>C. Starting at the "
        "loss keeps a vector at every step — cheap; starting at the input builds whole "
        "Jacobians. The <b>Chain</b> tab shows both forms side by side with the numbers.",
    ),
)


def _symbols() -> dict[str, str]:
    """The derivative factors in the current notation (View → Notation)."""
    return {
        "fprime": render(t_fprime_applied("l"))[1],
        "row_l": render(t_fprime("L"))[1],
        "row_1": render(t_fprime(1))[1],
        "col_l": render(t_fprime_t("L"))[1],
        "col_1": render(t_fprime_t(1))[1],
    }


class QuickTour(QDialog):
    """A short, dismissible walkthrough of the three ideas."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Quick tour")
        self.setMinimumWidth(560)
        self.page = 0
        layout = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 17pt; font-weight: 600;")
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setStyleSheet("font-size: 12pt;")
        self.body.setMinimumHeight(150)
        layout.addWidget(self.title)
        layout.addWidget(self.body, 1)
        buttons = QDialogButtonBox()
        self.back = buttons.addButton("Back", QDialogButtonBox.ButtonRole.ActionRole)
        self.next = buttons.addButton("Next", QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.back.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next.clicked.connect(lambda: self.show_page(self.page + 1))
        close.clicked.connect(self.accept)
        layout.addWidget(buttons)
        self.show_page(0)

    def show_page(self, page: int) -> None:
        self.page = max(0, min(page, len(TOUR_PAGES) - 1))
        title, body = TOUR_PAGES[self.page]
        self.title.setText(title)
        self.body.setText(body.format(**_symbols()))
        self.back.setEnabled(self.page > 0)
        self.next.setEnabled(self.page < len(TOUR_PAGES) - 1)
