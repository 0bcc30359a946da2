"""One QUndoCommand per kind of edit. Each computes its new network with a pure function
from `engine.editing` when created, so redo/undo only swap two immutable networks."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QUndoCommand

from visualizer.engine import editing
from visualizer.engine.network import InitSpec, Network
from visualizer.gui.document import Document, checked_trace
from visualizer.notation import bias_name, fmt_short, weight_name

_NUDGE_ID = 1001


class NetworkEdit(QUndoCommand):
    """Swap the document's network between `before` and `after`."""

    def __init__(self, doc: Document, after: Network, text: str):
        super().__init__(text)
        self.doc = doc
        self.before, self.before_trace = doc.network, doc.trace
        # Checked now, so an edit that would overflow is refused before it is pushed.
        self.after, self.after_trace = after, checked_trace(after)

    def redo(self) -> None:
        self.doc.set_network(self.after, self.after_trace)

    def undo(self) -> None:
        self.doc.set_network(self.before, self.before_trace)


class SetWeight(NetworkEdit):
    def __init__(self, doc: Document, l: int, i: int, j: int, value: float):
        old = doc.network.layer(l).weights[i, j]
        super().__init__(
            doc,
            editing.set_weight(doc.network, l, i, j, value),
            f"Changed {weight_name(l, i, j)} from {fmt_short(old)} to {fmt_short(value)}",
        )


class SetBias(NetworkEdit):
    def __init__(self, doc: Document, l: int, i: int, value: float):
        old = doc.network.layer(l).biases[i]
        super().__init__(
            doc,
            editing.set_bias(doc.network, l, i, value),
            f"Changed {bias_name(l, i)} from {fmt_short(old)} to {fmt_short(value)}",
        )


class NudgeWeight(NetworkEdit):
    """A live drag or wheel change of one weight; consecutive nudges of the same weight
    in one gesture merge into a single undo step."""

    def __init__(self, doc: Document, l: int, i: int, j: int, value: float, gesture: int):
        self.key = (l, i, j, gesture)
        self.old_value = float(doc.network.layer(l).weights[i, j])
        super().__init__(doc, editing.set_weight(doc.network, l, i, j, value), "")
        self._label(value)

    def _label(self, value: float) -> None:
        l, i, j, _ = self.key
        self.setText(
            f"Changed {weight_name(l, i, j)} from {fmt_short(self.old_value)} to {fmt_short(value)}"
        )

    def id(self) -> int:
        return _NUDGE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, NudgeWeight) or other.key != self.key:
            return False
        self.after, self.after_trace = other.after, other.after_trace
        l, i, j, _ = self.key
        self._label(float(self.after.layer(l).weights[i, j]))
        return True


class SetActivation(NetworkEdit):
    def __init__(self, doc: Document, l: int, activation: str):
        super().__init__(
            doc,
            editing.set_activation(doc.network, l, activation),
            f"Layer {l} activation → {activation}",
        )


class SetLoss(NetworkEdit):
    def __init__(self, doc: Document, loss: str):
        super().__init__(doc, editing.set_loss(doc.network, loss), f"Loss → {loss}")


class ResizeLayer(NetworkEdit):
    def __init__(self, doc: Document, l: int, size: int):
        what = "Input" if l == 0 else f"Layer {l}"
        old = doc.network.sizes[l]
        super().__init__(
            doc, editing.resize_layer(doc.network, l, size), f"{what} size {old} → {size}"
        )


class InsertLayer(NetworkEdit):
    def __init__(
        self, doc: Document, position: int, size: int | None = None, activation: str = "tanh"
    ):
        super().__init__(
            doc,
            editing.insert_layer(doc.network, position, size, activation),
            f"Inserted layer {position}",
        )


class RemoveLayer(NetworkEdit):
    def __init__(self, doc: Document, l: int):
        super().__init__(doc, editing.remove_layer(doc.network, l), f"Removed layer {l}")


class SetSample(NetworkEdit):
    def __init__(
        self, doc: Document, x: np.ndarray, y: np.ndarray, text: str = "Changed the sample"
    ):
        super().__init__(doc, editing.set_sample(doc.network, x, y), text)


class Reinitialise(NetworkEdit):
    def __init__(self, doc: Document, init: InitSpec):
        super().__init__(
            doc,
            editing.reinitialise(doc.network, init),
            f"Re-initialised weights ({init.scheme}, seed {init.seed})",
        )


class RandomiseLayer(NetworkEdit):
    def __init__(self, doc: Document, l: int, seed: int):
        super().__init__(
            doc,
            editing.randomise_layer(doc.network, l, seed),
            f"Randomised layer {l} (seed {seed})",
        )


class RenameNetwork(NetworkEdit):
    def __init__(self, doc: Document, name: str):
        super().__init__(doc, doc.network.replace(name=name), f"Renamed network to “{name}”")
