"""One QUndoCommand per kind of edit. Each computes its new network with a pure function
from `engine.editing` when created, so redo/undo swap two immutable networks (an edit of
one entry rebuilds the one it no longer keeps: see `EntryEdit`)."""

from __future__ import annotations

import weakref

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
        # Weakly: the document owns its undo stack, which owns the commands. A command
        # holding the document would make a cycle that only Python's garbage collector
        # frees, and freeing it there segfaults (the stack, destroyed with the document,
        # deletes commands whose Python half the collector has already cleared).
        self._doc = weakref.ref(doc)
        self.before, self.before_trace = doc.network, doc.trace
        # Checked now, so an edit that would overflow is refused before it is pushed.
        self.after, self.after_trace = after, checked_trace(after)

    @property
    def doc(self) -> Document:
        doc = self._doc()
        if doc is None:  # (only the document's own stack holds its commands)
            raise RuntimeError("the document of this edit is gone")
        return doc

    def redo(self) -> None:
        self.doc.set_network(self.after, self.after_trace)

    def undo(self) -> None:
        self.doc.set_network(self.before, self.before_trace)


class EntryEdit(NetworkEdit):
    """An edit of one entry, a weight or a bias. It holds on to the entry's two values, not
    the two networks: keeping those would keep a copy of the edited matrix for every step
    of the history (64 MB for one weight of a 4096 × 2048 layer; 19 GB after 300). Undo
    and redo give back the very network object while anything else still holds it (the
    trainer, a neighbouring command), and otherwise rebuild it from the network shown,
    which differs from it in that entry alone (the stack keeps the order of the steps)."""

    def __init__(self, doc: Document, l: int, index: tuple[int, ...], value: float):
        self.layer, self.index = l, index
        self.old_value = float(self._array(doc.network)[index])
        self.new_value = float(value)
        super().__init__(doc, self._with(doc.network, self.new_value), "")
        self._label()
        self._before = weakref.ref(self.before), weakref.ref(self.before_trace)
        self._after: tuple[weakref.ref, weakref.ref] | None = None
        # The document shows `before` until the push; after it, the stack never needs it.
        self.before = self.before_trace = None

    def _label(self) -> None:
        old, new = fmt_short(self.old_value), fmt_short(self.new_value)
        self.setText(f"Changed {self._name()} from {old} to {new}")

    def _name(self) -> str:
        raise NotImplementedError

    def _array(self, network: Network) -> np.ndarray:
        raise NotImplementedError

    def _with(self, network: Network, value: float) -> Network:
        raise NotImplementedError

    def _show(self, kept: tuple[weakref.ref, weakref.ref] | None, value: float) -> None:
        network, trace = (kept[0](), kept[1]()) if kept is not None else (None, None)
        if network is None:
            network, trace = self._with(self.doc.network, value), None
        self.doc.set_network(network, trace)

    def redo(self) -> None:
        if self.after is not None:  # the push: the network checked when the edit was made
            self.doc.set_network(self.after, self.after_trace)
            self._after = weakref.ref(self.after), weakref.ref(self.after_trace)
            self.after = self.after_trace = None
        else:
            self._show(self._after, self.new_value)

    def undo(self) -> None:
        self._show(self._before, self.old_value)


class SetWeight(EntryEdit):
    def __init__(self, doc: Document, l: int, i: int, j: int, value: float):
        super().__init__(doc, l, (i, j), value)

    def _array(self, network: Network) -> np.ndarray:
        return network.layer(self.layer).weights

    def _with(self, network: Network, value: float) -> Network:
        return editing.set_weight(network, self.layer, *self.index, value)

    def _name(self) -> str:
        return weight_name(self.layer, *self.index)


class SetBias(EntryEdit):
    def __init__(self, doc: Document, l: int, i: int, value: float):
        super().__init__(doc, l, (i,), value)

    def _array(self, network: Network) -> np.ndarray:
        return network.layer(self.layer).biases

    def _with(self, network: Network, value: float) -> Network:
        return editing.set_bias(network, self.layer, self.index[0], value)

    def _name(self) -> str:
        return bias_name(self.layer, self.index[0])


class NudgeWeight(SetWeight):
    """A live drag or wheel change of one weight; consecutive nudges of the same weight
    in one gesture merge into a single undo step."""

    def __init__(self, doc: Document, l: int, i: int, j: int, value: float, gesture: int):
        self.key = (l, i, j, gesture)
        super().__init__(doc, l, i, j, value)

    def id(self) -> int:
        return _NUDGE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, NudgeWeight) or other.key != self.key:
            return False
        # (QUndoStack.push has done `other` already: the document shows its value.)
        self.new_value, self._after = other.new_value, other._after
        self._label()
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
