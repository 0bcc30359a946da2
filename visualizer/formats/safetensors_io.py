"""safetensors weights in and out (never pickle): a PyTorch `nn.Sequential` `state_dict`.

The tensors are named as PyTorch names them: `0.weight`, `0.bias`, `2.weight`, … (any
common prefix, such as `net.`, is allowed); Linear weights are (out, in), as the app's Wˡ.
The activations are not weights, so a file written elsewhere does not hold them: the caller
supplies them (see `formats.models`). A file this app wrote carries the network's
description (activations, loss, sample, …; no weight values) in its metadata and opens
back bit for bit.

The header is read and checked by hand first — names, dtypes, shapes against the app's
limits, offsets against the file size — so nothing is allocated from a declared size.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from visualizer.engine.limits import MAX_LAYERS, MAX_PARAMETERS
from visualizer.engine.network import Network
from visualizer.formats import jsontext as jt
from visualizer.formats.atomic import atomic_write
from visualizer.formats.errors import FormatError
from visualizer.formats.network_file import network_description
from visualizer.formats.tensors import declared_count

Array = np.ndarray

METADATA_KEY = "backprop-visualizer/network"
MAX_HEADER_BYTES = 16 * 2**20
_DTYPES = {"F32": "<f4", "F64": "<f8"}
_NAME = re.compile(r"(?P<prefix>.*?)(?P<index>[0-9]+)\.(?P<kind>weight|bias)")


@dataclass
class StoredWeights:
    """The layers' (Wˡ, bˡ) as float64, and the app's description when it wrote the file."""

    input_size: int
    parameters: list[tuple[Array, Array]]
    description: dict[str, Any] | None
    activations: list[str] | None = None  # the metadata's "activations", when present


def _header(path: Path) -> tuple[dict[str, Any], int]:
    """The parsed JSON header and the size of the file, checked before any tensor is read."""
    if path.is_dir():
        raise FormatError("is a folder, not a file")
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
            if len(head) < 8:
                raise FormatError("not a safetensors file (shorter than its 8-byte header size)")
            (length,) = struct.unpack("<Q", head)
            if length > min(MAX_HEADER_BYTES, size - 8):
                raise FormatError(
                    f"not a safetensors file (declares a {length:,}-byte header in a file of "
                    f"{size:,} bytes)"
                )
            text = handle.read(length)
    except FileNotFoundError:
        raise FormatError("no such file") from None
    except OSError as exc:
        raise FormatError(f"cannot read the file: {exc.strerror or exc}") from None
    try:
        header = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise FormatError("not a safetensors file (its header is not JSON)") from None
    if not isinstance(header, dict):
        raise FormatError("not a safetensors file (its header is not a JSON object)")
    return header, size - 8 - length


def read_safetensors(path: str | Path) -> StoredWeights:
    """The Linear layers of the `state_dict` in the safetensors file at `path`, in index
    order. FormatError (without the file name) naming the tensor at fault."""
    path = Path(path)
    header, data_size = _header(path)
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict):
        raise FormatError("__metadata__: expected an object of strings")
    layers: dict[int, dict[str, tuple[str, list[int], str, int, int]]] = {}
    prefixes = set()
    for name, info in header.items():
        match = _NAME.fullmatch(name)
        if match is None:
            raise FormatError(
                f"tensor {name!r}: not the weight or bias of a Linear layer in an nn.Sequential "
                "(expected names such as 0.weight, 0.bias, 2.weight)"
            )
        if not isinstance(info, dict):
            raise FormatError(f"tensor {name!r}: malformed header entry")
        dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if dtype not in _DTYPES:
            raise FormatError(f"tensor {name!r}: {dtype} values; weights must be F32 or F64")
        if not (isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape)):
            raise FormatError(f"tensor {name!r}: malformed shape {shape!r}")
        count = declared_count(f"tensor {name!r}", shape)
        if not (
            isinstance(offsets, list)
            and len(offsets) == 2
            and all(isinstance(o, int) for o in offsets)
            and 0 <= offsets[0] <= offsets[1] <= data_size
            and offsets[1] - offsets[0] == count * np.dtype(_DTYPES[dtype]).itemsize
        ):
            raise FormatError(f"tensor {name!r}: its data offsets do not fit its shape or the file")
        prefixes.add(match["prefix"])
        index = int(match["index"])
        layers.setdefault(index, {})[match["kind"]] = (name, shape, dtype, *offsets)
    if len(prefixes) > 1:
        raise FormatError(f"tensors of more than one module: prefixes {sorted(prefixes)}")
    if not layers:
        raise FormatError("no tensors: expected the weights of Linear layers (0.weight, …)")
    if len(layers) > MAX_LAYERS:
        raise FormatError(f"{len(layers)} layers, at most {MAX_LAYERS} are allowed")
    parameters = _read_tensors(path, layers)
    activations = None
    if "activations" in metadata:  # a plain list, which other tools may write too
        activations = [name.strip() for name in str(metadata["activations"]).split(",")]
    description = None
    if METADATA_KEY in metadata:
        try:
            description = dict(jt.expect_object(jt.parse(metadata[METADATA_KEY]), "metadata"))
        except FormatError as exc:
            raise FormatError(exc.problem, f"metadata {METADATA_KEY!r}") from None
    return StoredWeights(int(parameters[0][0].shape[1]), parameters, description, activations)


def _read_tensors(
    path: Path, layers: dict[int, dict[str, tuple[str, list[int], str, int, int]]]
) -> list[tuple[Array, Array]]:
    """The tensors, read by safetensors itself once the header has passed our checks."""
    from safetensors import SafetensorError, safe_open

    parameters = []
    n_prev = None
    total = 0
    try:
        handle = safe_open(path, framework="numpy")
    except (SafetensorError, OSError) as exc:
        raise FormatError(f"not a readable safetensors file ({exc})") from None
    with handle:
        for index in sorted(layers):
            entry = layers[index]
            if "weight" not in entry:
                name = entry["bias"][0]
                raise FormatError(f"tensor {name!r}: a bias without a weight")
            name, shape, _, _, _ = entry["weight"]
            if len(shape) != 2:
                raise FormatError(f"tensor {name!r}: shape {shape}; a Linear weight is 2-D")
            n, n_in = shape
            if n_prev is not None and n_in != n_prev:
                raise FormatError(
                    f"tensor {name!r}: takes {n_in} inputs, but the layer before gives {n_prev}"
                )
            if "bias" in entry and entry["bias"][1] != [n]:
                raise FormatError(
                    f"tensor {entry['bias'][0]!r}: shape {entry['bias'][1]}, expected [{n}]"
                )
            total += n * (n_in + 1)
            if total > MAX_PARAMETERS:
                raise FormatError(
                    f"more than {MAX_PARAMETERS:,} parameters (weights and biases): too large"
                )
            weights = _tensor(handle, entry["weight"][0])
            biases = _tensor(handle, entry["bias"][0]) if "bias" in entry else np.zeros(n)
            parameters.append((weights, biases))
            n_prev = n
    return parameters


def _tensor(handle: Any, name: str) -> Array:
    arr = np.array(handle.get_tensor(name), dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise FormatError(f"tensor {name!r}: contains NaN or infinity")
    return arr


def network_tensors(network: Network) -> dict[str, Array]:
    """The weights as PyTorch's `nn.Sequential(Linear, activation, Linear, …)` names them:
    layer l's Linear is module 2(l − 1)."""
    tensors = {}
    for l, layer in enumerate(network.layers):
        tensors[f"{2 * l}.weight"] = np.ascontiguousarray(layer.weights)
        tensors[f"{2 * l}.bias"] = np.ascontiguousarray(layer.biases)
    return tensors


def save_safetensors(network: Network, path: str | Path) -> None:
    """Write `network`'s weights (float64) and its description to `path`, atomically."""
    from safetensors.numpy import save  # imported here: only this writer needs it

    metadata = {
        METADATA_KEY: jt.dumps(network_description(network)),
        "activations": ",".join(layer.activation for layer in network.layers),
        "loss": network.loss,
    }
    atomic_write(path, save(network_tensors(network), metadata=metadata))
