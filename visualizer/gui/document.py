"""The open network, its undo stack and its cached Trace.

Views read `network`, `trace` and `selection` and redraw on the signals; they never mutate
the network — every change is a command pushed with `edit()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from visualizer.engine.backprop import Trace, run
from visualizer.engine.losses import domain_problem
from visualizer.engine.network import Network
from visualizer.formats.network_file import save_network

if TYPE_CHECKING:  # built with the first edit (commands.py), not at start-up
    from PySide6.QtGui import QUndoCommand


@dataclass(frozen=True)
class Selection:
    """What the user picked. kind "neuron": `layer` 0..L, neuron `i`; kind "edge": weight
    W^layer[i, j] (from neuron j of layer−1 to neuron i of layer); kind "layer": `layer`."""

    kind: str
    layer: int
    i: int = -1
    j: int = -1

    def fits(self, network: Network) -> bool:
        sizes = network.sizes
        if not 0 <= self.layer < len(sizes):
            return False
        if self.kind == "layer":
            return True
        if self.kind == "neuron":
            return 0 <= self.i < sizes[self.layer]
        if self.kind == "edge":
            return (
                self.layer >= 1
                and 0 <= self.i < sizes[self.layer]
                and 0 <= self.j < sizes[self.layer - 1]
            )
        return False


def checked_trace(network: Network) -> Trace:
    """The trace of `network` on its sample; ValueError naming the first value that
    overflows to ±∞ or NaN (weights too large), or the output a cross-entropy cannot take
    the log of, so such a network never reaches the views."""
    with np.errstate(all="ignore"):
        trace = run(network)
    out = network.layers[-1].activation
    problem = domain_problem(out, network.loss, trace.output, trace.y, network.depth)
    if problem is not None:
        raise ValueError(problem)  # not an overflow: the loss has no value at these outputs
    overflowed = trace.non_finite()
    if overflowed is not None:
        raise ValueError(
            f"{overflowed} would overflow to ±∞ or NaN on the sample: some weights are too large"
        )
    return trace


class Document(QObject):
    network_changed = Signal()  # the network (and so the trace) was replaced
    selection_changed = Signal()
    file_changed = Signal()  # path or modified state
    replaced = Signal()  # another network was opened (New / Open): a fresh start
    status_message = Signal(str)

    def __init__(
        self, network: Network, path: str | Path | None = None, parent: QObject | None = None
    ):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self._network = network
        self._trace = checked_trace(network)
        self._path = Path(path) if path else None
        self._selection: Selection | None = None

    def _clean_changed(self, _clean: bool) -> None:
        self.file_changed.emit()

    def __del__(self) -> None:
        # The undo stack is destroyed with the document, and its destructor emits
        # indexChanged and cleanChanged. When Python's garbage collector frees a document
        # in a cycle with objects listening there (a trainer, a window), it may already
        # have cleared their Python half, and PySide delivers to it all the same: a
        # segfault. This runs before the collector clears anything (PEP 442).
        try:
            self.undo_stack.blockSignals(True)
        except (RuntimeError, AttributeError):  # its C++ half, or the attribute, is gone
            pass

    # -- state ---------------------------------------------------------------------------
    @property
    def network(self) -> Network:
        return self._network

    @property
    def trace(self) -> Trace:
        """The forward + backward pass of the current network on its current sample."""
        return self._trace

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def selection(self) -> Selection | None:
        return self._selection

    @property
    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def display_name(self) -> str:
        return self._path.name if self._path else (self._network.name or "Untitled")

    # -- changes -------------------------------------------------------------------------
    def edit(self, command: QUndoCommand) -> None:
        """Apply an edit as one undoable step."""
        self.undo_stack.push(command)
        # Say what History says: a command merged into the previous one (a drag) is
        # deleted by push(), and the step it joined describes the whole gesture.
        top = self.undo_stack.command(self.undo_stack.index() - 1)
        if top is not None:
            self.status_message.emit(f"{top.text()} — Ctrl+Z to undo")

    def try_edit(self, make: Callable[[], QUndoCommand]) -> bool:
        """Build a command with `make` and apply it. An edit that breaks a rule (a size
        beyond the limits, a wrong shape) becomes a status message, not an exception:
        the document stays as it was."""
        try:
            command = make()
        except (ValueError, OverflowError) as exc:  # OverflowError: NumPy's, near float max
            self.status_message.emit(f"Not applied: {exc}")
            return False
        self.edit(command)
        return True

    def replace(
        self, network: Network, path: str | Path | None, trace: Trace | None = None
    ) -> None:
        """Open another network (New / Open): a fresh history, nothing modified."""
        trace = trace if trace is not None else checked_trace(network)
        self.undo_stack.clear()
        self._path = Path(path) if path else None
        self.set_network(network, trace)
        self.undo_stack.setClean()
        self.file_changed.emit()
        self.replaced.emit()

    def set_network(self, network: Network, trace: Trace | None = None) -> None:
        """Only commands, replace() and the training driver (which moves its run's one
        undo step along) call this; everything else goes through `edit`.
        `trace` is the network's trace when the caller already has it."""
        # Computed first: a failure leaves the document untouched.
        trace = trace if trace is not None else checked_trace(network)
        self._network, self._trace = network, trace
        if self._selection is not None and not self._selection.fits(network):
            self._selection = None
            self.selection_changed.emit()
        self.network_changed.emit()

    def set_selection(self, selection: Selection | None) -> None:
        if selection is not None and not selection.fits(self._network):
            selection = None
        if selection != self._selection:
            self._selection = selection
            self.selection_changed.emit()

    def save(self, path: str | Path | None = None, overwrite_read_only: bool = False) -> Path:
        """Write the network (atomically) to `path` or the current path; marks it clean.
        A read-only file raises ReadOnlyTarget unless `overwrite_read_only`."""
        target = Path(path) if path else self._path
        if target is None:
            raise ValueError("no file name to save to")
        index = self.undo_stack.index()
        save_network(self._network, target, overwrite_read_only)
        self.mark_saved(target, index)
        return target

    def mark_saved(self, path: str | Path, index: int) -> None:
        """The network as it was at undo index `index` is now in `path` (a save that ran
        off the GUI thread): clean only if nothing was edited since."""
        self._path = Path(path)
        if self.undo_stack.index() == index:
            self.undo_stack.setClean()
        self.file_changed.emit()
        self.status_message.emit(f"Saved {self._path.name}")
