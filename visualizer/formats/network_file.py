"""The network file: a Network as JSON (format "backprop-visualizer/network", version 1).

Reading checks everything and names the JSON path of the first problem; sizes and limits
are checked before any array is built, so a file claiming a billion neurons fails at once.
Writing keeps every float exactly (`repr` round-trips float64), so
`load_network(path) == network` after `save_network(network, path)`, bit for bit.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.limits import MAX_LAYER_SIZE, MAX_LAYERS, MAX_PARAMETERS
from visualizer.engine.losses import LOSSES
from visualizer.engine.network import (
    INIT_SCHEMES,
    Dataset,
    InitSpec,
    Layer,
    Network,
    NetworkError,
    Sample,
    init_parameters,
    parameter_count,
)
from visualizer.formats import jsontext as jt
from visualizer.formats.atomic import atomic_write_pieces
from visualizer.formats.errors import FormatError
from visualizer.formats.files import check_regular

Array = np.ndarray

NETWORK_FORMAT = "backprop-visualizer/network"
SNAPSHOT_FORMAT = "backprop-visualizer/snapshot"
VERSION = 1
SUPPORTED_VERSIONS = (1,)

TOP_KEYS = (
    "format",
    "version",
    "name",
    "input_size",
    "layers",
    "loss",
    "sample",
    "init",
    "dataset",
    "gui",
)
TOP_REQUIRED = ("input_size", "layers", "loss")  # format and version are checked first
LAYER_KEYS = ("size", "activation", "weights", "biases")
LAYER_REQUIRED = ("size", "activation")
XY_KEYS = ("x", "y")
INIT_KEYS = ("scheme", "seed", "range")
DEFAULT_RANGE = (-1.0, 1.0)


# -- reading -----------------------------------------------------------------------------
def load_network(path: str | Path) -> Network:
    """The network in the file at `path`. FormatError (message without the file name) if
    the file is missing, unreadable, not JSON (with line and column), or not a valid
    network file."""
    document = jt.read_json_file(path)
    try:
        return network_from_dict(document)
    finally:
        jt.dismantle(document)  # freed in small pieces, not in one GIL-holding sweep


def network_from_dict(
    data: object, *, path: str = "", parameters: Sequence[tuple[Array, Array]] | None = None
) -> Network:
    """The network described by a parsed network-file document. Every rule of the format
    is checked; the first broken one raises FormatError naming its JSON path. `path` is
    where `data` sits in a larger document (e.g. "network" inside a snapshot).

    `parameters` are the (Wˡ, bˡ) of every layer when the document is a description
    without weight values (`network_description`), as snapshots, ONNX and safetensors files
    keep them: they must fit the sizes the document gives."""
    obj = jt.expect_object(data, path)
    check_format(obj, path, NETWORK_FORMAT)
    jt.check_keys(obj, path, TOP_KEYS, TOP_REQUIRED)

    def at(key: str) -> str:
        return jt.key_path(path, key)

    sizes, activations = _read_shape(obj, path)
    loss = _read_name(obj["loss"], at("loss"), "loss", LOSSES)
    init = _read_init(obj.get("init"), at("init"))
    if parameters is None:
        layers = _read_layers(obj["layers"], at("layers"), sizes, activations, init)
    else:
        layers = _given_layers(obj["layers"], at("layers"), sizes, activations, parameters)
    name = jt.string(obj.get("name", ""), at("name"))
    sample = dataset = gui = None
    if "sample" in obj:
        sample = _read_sample(obj["sample"], at("sample"), sizes[0], sizes[-1])
    if "dataset" in obj:
        dataset = _read_dataset(obj["dataset"], at("dataset"), sizes[0], sizes[-1])
    if "gui" in obj:
        gui = jt.plain(jt.expect_object(obj["gui"], at("gui")), at("gui"))
    try:
        return Network(
            sizes[0], layers, loss, name=name, sample=sample, init=init, dataset=dataset, gui=gui
        )
    except NetworkError as exc:  # every rule is checked above; this is a safety net
        raise FormatError(str(exc), jt.where(path)) from None


def check_format(obj: Mapping[str, Any], path: str, expected: str) -> None:
    """FormatError unless `obj` declares format `expected` and a supported version."""
    fmt_path, version_path = jt.key_path(path, "format"), jt.key_path(path, "version")
    if "format" not in obj:
        what = "network file" if expected == NETWORK_FORMAT else "snapshot"
        raise FormatError(
            f'missing; a {what} starts with "format": {jt.quoted(expected)}', fmt_path
        )
    fmt = obj["format"]
    if fmt != expected:
        hint = ""
        if fmt == SNAPSHOT_FORMAT:
            hint = " (this is a gradient snapshot, not a network file)"
        elif fmt == NETWORK_FORMAT:
            hint = " (this is a network file, not a gradient snapshot)"
        raise FormatError(f"expected {jt.quoted(expected)}, got {jt.describe(fmt)}{hint}", fmt_path)
    supported = ", ".join(map(str, SUPPORTED_VERSIONS))
    if "version" not in obj:
        raise FormatError(f"missing (supported versions: {supported})", version_path)
    version = obj["version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise FormatError(
            f"expected a whole number, got {jt.describe(version)} (supported versions: "
            f"{supported})",
            version_path,
        )
    if version not in SUPPORTED_VERSIONS:
        newer = (
            "; the file comes from a newer version of the app"
            if version > max(SUPPORTED_VERSIONS)
            else ""
        )
        raise FormatError(
            f"{version} is not supported (supported versions: {supported}){newer}",
            version_path,
        )


def _read_name(value: object, path: str, what: str, known: Mapping[str, Any]) -> str:
    name = jt.string(value, path, f"the name of {'an' if what[0] in 'aeiou' else 'a'} {what}")
    if name not in known:
        raise FormatError(f"unknown {what} {jt.quoted(name)} (known: {', '.join(known)})", path)
    return name


def _read_shape(obj: Mapping[str, Any], path: str) -> tuple[list[int], list[str]]:
    """[n⁰, …, nᴸ] and the activation names, with every limit checked; nothing large is
    allocated before this returns."""
    input_path, layers_path = jt.key_path(path, "input_size"), jt.key_path(path, "layers")
    n0 = jt.integer(obj["input_size"], input_path, minimum=1)
    if n0 > MAX_LAYER_SIZE:
        raise FormatError(f"{n0:,} inputs, at most {MAX_LAYER_SIZE:,} are allowed", input_path)
    layers = obj["layers"]
    if not isinstance(layers, list):
        raise FormatError(f"expected a list of layers, got {jt.describe(layers)}", layers_path)
    if not layers:
        raise FormatError("needs at least one layer, got an empty list", layers_path)
    if len(layers) > MAX_LAYERS:
        raise FormatError(f"{len(layers):,} layers, at most {MAX_LAYERS} are allowed", layers_path)
    sizes, activations = [n0], []
    for i, layer in enumerate(layers):
        lp = f"{layers_path}[{i}]"
        layer = jt.expect_object(layer, lp)
        jt.check_keys(layer, lp, LAYER_KEYS, LAYER_REQUIRED)
        size = jt.integer(layer["size"], f"{lp}.size", minimum=1)
        if size > MAX_LAYER_SIZE:
            raise FormatError(
                f"{size:,} neurons, at most {MAX_LAYER_SIZE:,} are allowed", f"{lp}.size"
            )
        sizes.append(size)
        activations.append(
            _read_name(layer["activation"], f"{lp}.activation", "activation", ACTIVATIONS)
        )
    count = parameter_count(sizes)
    if count > MAX_PARAMETERS:
        raise FormatError(
            f"{count:,} parameters (weights and biases), at most {MAX_PARAMETERS:,} are allowed",
            layers_path,
        )
    return sizes, activations


def _read_init(value: object, path: str) -> InitSpec:
    if value is None:
        return InitSpec()
    obj = jt.expect_object(value, path)
    jt.check_keys(obj, path, INIT_KEYS)
    scheme = "xavier_uniform"
    if "scheme" in obj:
        known = dict.fromkeys(INIT_SCHEMES)
        scheme = _read_name(obj["scheme"], f"{path}.scheme", "init scheme", known)
    seed = jt.integer(obj["seed"], f"{path}.seed", minimum=0) if "seed" in obj else 0
    low, high = DEFAULT_RANGE
    if "range" in obj:
        low, high = (float(v) for v in jt.numbers(obj["range"], f"{path}.range", 2))
        if not low < high:
            raise FormatError(f"low must be below high, got [{low!r}, {high!r}]", f"{path}.range")
    return InitSpec(scheme=scheme, seed=seed, low=low, high=high)


def _read_layers(
    value: list, path: str, sizes: list[int], activations: list[str], init: InitSpec
) -> list[Layer]:
    """The layers, with weights/biases absent from the file drawn from `init` (all layers
    are drawn from one generator, so a file gives the same numbers however much of it is
    explicit)."""
    drawn = None
    if any("weights" not in layer or "biases" not in layer for layer in value):
        drawn = init_parameters(sizes, init)
    layers = []
    for i, layer in enumerate(value):
        lp = f"{path}[{i}]"
        n_prev, n = sizes[i], sizes[i + 1]
        if "weights" in layer:
            weights = jt.matrix(layer["weights"], f"{lp}.weights", cols=n_prev, rows=n)
        else:
            weights = drawn[i][0]  # type: ignore[index]
        if "biases" in layer:
            biases = jt.numbers(layer["biases"], f"{lp}.biases", n)
        else:
            biases = drawn[i][1]  # type: ignore[index]
        layers.append(Layer(weights, biases, activations[i]))
    return layers


def _given_layers(
    value: list,
    path: str,
    sizes: list[int],
    activations: list[str],
    parameters: Sequence[tuple[Array, Array]],
) -> list[Layer]:
    """The layers of a description whose weight values are held apart (`parameters`)."""
    if len(parameters) != len(value):
        raise FormatError(
            f"the description has {len(value)} layers but the file holds weights for "
            f"{len(parameters)}",
            path,
        )
    layers = []
    for i, (layer, (weights, biases)) in enumerate(zip(value, parameters, strict=True)):
        lp = f"{path}[{i}]"
        if "weights" in layer or "biases" in layer:
            raise FormatError("a description keeps the weights apart; found them inline", lp)
        expected = (sizes[i + 1], sizes[i])
        if weights.shape != expected or biases.shape != expected[:1]:
            raise FormatError(
                f"size {sizes[i + 1]} with {sizes[i]} inputs, but the weights have shape "
                f"{weights.shape} and the biases {biases.shape}",
                lp,
            )
        try:
            layers.append(Layer(weights, biases, activations[i]))
        except NetworkError as exc:
            raise FormatError(str(exc), lp) from None
    return layers


def _read_sample(value: object, path: str, n_in: int, n_out: int) -> Sample:
    obj = jt.expect_object(value, path)
    jt.check_keys(obj, path, XY_KEYS, XY_KEYS)
    x = jt.numbers(obj["x"], f"{path}.x", n_in)
    y = jt.numbers(obj["y"], f"{path}.y", n_out)
    return Sample(x, y)


def _read_dataset(value: object, path: str, n_in: int, n_out: int) -> Dataset:
    obj = jt.expect_object(value, path)
    jt.check_keys(obj, path, XY_KEYS, XY_KEYS)
    x = jt.matrix(obj["x"], f"{path}.x", cols=n_in)
    if x.shape[0] == 0:
        raise FormatError("needs at least one row (example), got an empty list", f"{path}.x")
    y = jt.matrix(obj["y"], f"{path}.y", cols=n_out, rows=x.shape[0])
    return Dataset(x, y)


# -- writing -----------------------------------------------------------------------------
def network_to_dict(network: Network, *, weights: bool = True) -> dict[str, Any]:
    """The network-file document for `network`: plain dicts, lists and Python floats (no
    NumPy types), in the order a reader expects to see them. Without `weights`, layers hold
    only their size and activation (see `network_description`)."""
    doc: dict[str, Any] = {
        "format": NETWORK_FORMAT,
        "version": VERSION,
        "name": network.name,
        "input_size": network.input_size,
        "layers": [
            _layer_dict(layer, weights) for layer in network.layers
        ],
        "loss": network.loss,
    }
    if network.sample is not None:
        doc["sample"] = {"x": network.sample.x.tolist(), "y": network.sample.y.tolist()}
    init = network.init
    doc["init"] = {"scheme": init.scheme, "seed": int(init.seed)}
    if init.scheme == "uniform" or (init.low, init.high) != DEFAULT_RANGE:
        doc["init"]["range"] = [float(init.low), float(init.high)]
    if network.dataset is not None:
        doc["dataset"] = {"x": _rows(network.dataset.x), "y": _rows(network.dataset.y)}
    if network.gui is not None:
        doc["gui"] = copy.deepcopy(dict(network.gui))
    return doc


def _rows(matrix: np.ndarray) -> list[list[float]]:
    """matrix.tolist(), one row at a time: the same lists, but a save on the writer thread
    gives the GIL back between rows instead of holding it for a whole big matrix."""
    return [row.tolist() for row in matrix]


def _layer_dict(layer: Layer, weights: bool) -> dict[str, Any]:
    doc: dict[str, Any] = {"size": layer.size, "activation": layer.activation}
    if weights:
        doc["weights"] = _rows(layer.weights)
        doc["biases"] = layer.biases.tolist()
    return doc


def network_description(network: Network) -> dict[str, Any]:
    """`network_to_dict` without the weight and bias values: what files that store those
    exactly on their own (snapshots, ONNX, safetensors) keep beside them. Read it back with
    `network_from_dict(description, parameters=[(W¹, b¹), …])`."""
    return network_to_dict(network, weights=False)


def network_to_json(network: Network) -> str:
    """The network file text for `network` (one matrix row per line). FormatError if its
    `gui` settings hold something JSON cannot (NaN, a non-string key, an object)."""
    return jt.dumps(network_to_dict(network))


def save_network(network: Network, path: str | Path, overwrite_read_only: bool = False) -> None:
    """Write `network` to `path` as a network file, atomically (the old file stays intact
    if anything fails). OSError if the file cannot be written; ReadOnlyTarget (an OSError)
    if it is read-only, unless `overwrite_read_only`."""
    data = network_to_dict(network)
    try:
        atomic_write_pieces(path, jt.pieces(data), overwrite_read_only)
    except UnicodeEncodeError:  # a lone surrogate in a name: only \\u escapes can carry it
        atomic_write_pieces(path, jt.pieces(data, ensure_ascii=True), overwrite_read_only)


__all__ = [
    "NETWORK_FORMAT",
    "SUPPORTED_VERSIONS",
    "VERSION",
    "FormatError",
    "check_format",
    "load_network",
    "network_description",
    "network_from_dict",
    "network_to_dict",
    "network_to_json",
    "save_network",
]


def is_snapshot(path: str | os.PathLike[str]) -> bool:
    """True when `path` names a snapshot rather than a network file: any .npz or .csv,
    and a .json whose "format" says snapshot (read from the start of the file only). Here,
    not in snapshot.py: opening a network file asks it, and need not load the snapshot code."""
    suffix = Path(path).suffix.lower()
    if suffix in (".npz", ".csv"):
        return True
    if suffix != ".json":
        return False
    try:
        check_regular(path)  # open() on a FIFO would wait forever
    except FormatError:
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return SNAPSHOT_FORMAT in head
