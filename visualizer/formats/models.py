"""Open any model file the app knows — one function the command line and the GUI share.

By suffix: `.json` (a network file, or a gradient snapshot), `.npz` (a snapshot), `.onnx`
and `.safetensors`. Models from other frameworks need what their files may not say: the
loss (`loss`; default cross-entropy after a softmax, else ½‖a − y‖²) and, for safetensors
written elsewhere, the activations (`activations`). A model whose last layer gives logits
(no activation), opened with the cross-entropy loss, gets softmax as its output activation,
as PyTorch's `CrossEntropyLoss` applies it; the notes say so.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.losses import LOSSES
from visualizer.engine.network import Layer, Network, NetworkError, check_sizes
from visualizer.formats.errors import FormatError
from visualizer.formats.files import check_regular
from visualizer.formats.network_file import is_snapshot, load_network, network_from_dict

Array = np.ndarray
PathLike = str | os.PathLike[str]

MODEL_SUFFIXES = (".json", ".npz", ".onnx", ".safetensors")
LOGITS_NOTE = (
    "the last layer gives logits: softmax added as its output activation for the "
    "cross-entropy loss, as PyTorch's CrossEntropyLoss applies it"
)


class ActivationsNeeded(FormatError):
    """A model file that does not say its activations: ask for `depth` of them."""

    def __init__(self, depth: int) -> None:
        super().__init__(
            f"the file does not say its activations: give {depth}, one per layer "
            f"(e.g. --activations {','.join(['relu'] * (depth - 1) + ['softmax'])})"
        )
        self.depth = depth


@dataclass(frozen=True, eq=False)
class OpenedModel:
    """A network opened from a file, what the user should be told about it, and whether
    the file is the app's own network file (Save may write back to it)."""

    network: Network
    notes: tuple[str, ...] = ()
    native: bool = False


def parse_activations(text: str) -> list[str]:
    """`relu,relu,softmax` as names; FormatError naming an unknown one."""
    names = [part.strip() for part in text.split(",")]
    for i, name in enumerate(names, start=1):
        if name not in ACTIVATIONS:
            raise FormatError(
                f"activation {i} {name!r} is not one the app has (known: {', '.join(ACTIVATIONS)})"
            )
    return names


def with_loss(network: Network, loss: str | None) -> tuple[Network, list[str]]:
    """`network` with `loss` (None keeps its own). With cross-entropy, an output layer
    without activation (logits) gets softmax, as PyTorch's CrossEntropyLoss applies it;
    the notes say so."""
    if loss is None or loss == network.loss:
        return network, []
    if loss not in LOSSES:
        raise FormatError(f"unknown loss {loss!r} (known: {', '.join(LOSSES)})")
    notes = []
    layers = network.layers
    if loss == "cross_entropy" and layers[-1].activation == "identity":
        last = layers[-1]
        layers = (*layers[:-1], Layer(last.weights, last.biases, "softmax"))
        notes.append(LOGITS_NOTE)
    return network.replace(layers=layers, loss=loss), notes


def assemble(
    input_size: int,
    parameters: Sequence[tuple[Array, Array]],
    activations: Sequence[str] | None,
    description: dict[str, Any] | None,
    *,
    loss: str | None = None,
    name: str = "",
) -> tuple[Network, list[str]]:
    """A Network from weights held apart and what the file or the user says about them:
    the app's `description` when it wrote the file (then `activations`, if given, must
    agree with it), else `activations`, one per layer (`ActivationsNeeded` if None). The
    loss is `loss`, else the description's, else cross-entropy after a softmax and
    ½‖a − y‖² otherwise. FormatError for anything that does not fit."""
    try:
        check_sizes([input_size] + [w.shape[0] for w, _ in parameters])
    except NetworkError as exc:
        raise FormatError(str(exc)) from None
    if description is not None:
        network = network_from_dict(description, path="metadata", parameters=parameters)
        own = [layer.activation for layer in network.layers]
        for l, (said, found) in enumerate(zip(own, activations or own, strict=True), start=1):
            if said != found:
                raise FormatError(
                    f"layer {l}: the metadata says {said!r} but the model applies {found!r}"
                )
        return with_loss(network, loss)
    if activations is None:
        raise ActivationsNeeded(len(parameters))
    if len(activations) != len(parameters):
        raise FormatError(
            f"{len(activations)} activations given for {len(parameters)} layers; "
            "give one per layer"
        )
    own_loss = "cross_entropy" if activations[-1] == "softmax" else "half_squared_error"
    try:
        layers = tuple(
            Layer(w, b, act) for (w, b), act in zip(parameters, activations, strict=True)
        )
        network = Network(input_size, layers, own_loss, name=name)
    except NetworkError as exc:
        raise FormatError(str(exc)) from None
    return with_loss(network, loss)


def open_model(
    path: PathLike, *, activations: Sequence[str] | None = None, loss: str | None = None
) -> OpenedModel:
    """The network in the file at `path`, whatever its format (by suffix: see
    `MODEL_SUFFIXES`). FormatError (the message does not name the file) for a file that is
    missing, malformed or not a model the app can show; `ActivationsNeeded` when a
    safetensors file does not say its activations and none were given."""
    file = Path(path)
    suffix = file.suffix.lower()
    # Regular files only, under the size cap: a FIFO or /dev/zero would hang every reader.
    check_regular(file)
    if suffix == ".onnx":
        from visualizer.formats import onnx_io  # onnx is imported only when needed

        model = onnx_io.read_onnx(file)
        if activations is not None:
            raise FormatError("--activations applies to .safetensors files; a graph has its own")
        network, notes = assemble(
            model.input_size,
            model.parameters,
            model.activations,
            model.description,
            loss=loss,
            name=file.stem,
        )
        return OpenedModel(network, tuple(notes))
    if suffix == ".safetensors":
        from visualizer.formats import safetensors_io

        stored = safetensors_io.read_safetensors(file)
        network, notes = assemble(
            stored.input_size,
            stored.parameters,
            stored.activations if activations is None else activations,
            stored.description,
            loss=loss,
            name=file.stem,
        )
        return OpenedModel(network, tuple(notes))
    if is_snapshot(file):
        from visualizer.formats import snapshot

        if activations is not None:
            raise FormatError("--activations applies to .safetensors files; this file has its own")
        network, note = snapshot.open_snapshot(file)
        return _opened(network, [note] if note else [], loss)
    if suffix != ".json":
        known = ", ".join(MODEL_SUFFIXES)
        what = f"unknown suffix {file.suffix!r}" if file.suffix else "no suffix"
        raise FormatError(f"{what}: the app opens {known}")
    if activations is not None:
        raise FormatError("--activations applies to .safetensors files; this file has its own")
    return _opened(load_network(file), [], loss, native=True)


def _opened(
    network: Network, notes: Sequence[str], loss: str | None, native: bool = False
) -> OpenedModel:
    network, more = with_loss(network, loss)
    return OpenedModel(network, (*notes, *more), native)
