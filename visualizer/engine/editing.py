"""Edits of a network as pure functions: each takes a Network and returns a new one.

The GUI's undo commands are built on these, so every edit is testable without Qt. Layer
numbers follow the maths: 1..L for layers with weights, 0 for the input. Whenever a shape
changes, the values that still fit are kept and only new entries are drawn, from the
network's InitSpec with a generator seeded by (seed, layer, shape) — so an edit is
deterministic and undo/redo gives the same numbers.
"""

from __future__ import annotations

import numpy as np

from visualizer.engine.network import (
    Dataset,
    InitSpec,
    Layer,
    Network,
    NetworkError,
    Sample,
    edited_copy,
    init_layer,
    init_parameters,
)

Array = np.ndarray


def _rng(init: InitSpec, *key: int) -> np.random.Generator:
    return np.random.default_rng([init.seed, *key])


def _fit(old: Array, new: Array) -> Array:
    """`new` with the overlapping top-left block replaced by `old`."""
    out = np.array(new, dtype=np.float64)
    idx = tuple(slice(0, min(a, b)) for a, b in zip(old.shape, new.shape, strict=True))
    out[idx] = old[idx]
    return out


def _reshaped_layer(
    net: Network, l: int, rows: int, cols: int, activation: str | None = None
) -> Layer:
    """Layer l resized to (rows, cols), keeping what fits."""
    layer = net.layers[l - 1]
    w, b = init_layer(rows, cols, net.init, _rng(net.init, l, rows, cols))
    return Layer(_fit(layer.weights, w), _fit(layer.biases, b), activation or layer.activation)


def _fit_vector(v: Array, n: int, fill: float) -> Array:
    return _fit(v, np.full((*v.shape[:-1], n), fill))


def _with_io_sizes(net: Network, layers: list[Layer], input_size: int) -> Network:
    """`net` with new layers/input size; sample and dataset trimmed or padded to fit."""
    n_out = layers[-1].size
    sample, dataset = net.sample, net.dataset
    if sample is not None:
        sample = Sample(_fit_vector(sample.x, input_size, 0.0), _fit_vector(sample.y, n_out, 0.0))
    if dataset is not None:
        dataset = Dataset(
            _fit_vector(dataset.x, input_size, 0.0), _fit_vector(dataset.y, n_out, 0.0)
        )
    return net.replace(input_size=input_size, layers=tuple(layers), sample=sample, dataset=dataset)


def _check_layer(net: Network, l: int, allow_input: bool = False) -> None:
    low = 0 if allow_input else 1
    if not low <= l <= net.depth:
        raise NetworkError(f"layer {l} does not exist (layers are {low}..{net.depth})")


def set_weight(net: Network, l: int, i: int, j: int, value: float) -> Network:
    """W^l[i, j] = value."""
    _check_layer(net, l)
    layer = net.layers[l - 1]
    w = edited_copy(layer.weights, (i, j), float(value), "weights")
    return _replace_layer(net, l, Layer(w, layer.biases, layer.activation))


def set_bias(net: Network, l: int, i: int, value: float) -> Network:
    """b^l[i] = value."""
    _check_layer(net, l)
    layer = net.layers[l - 1]
    b = edited_copy(layer.biases, (i,), float(value), "biases")
    return _replace_layer(net, l, Layer(layer.weights, b, layer.activation))


def set_activation(net: Network, l: int, activation: str) -> Network:
    _check_layer(net, l)
    layer = net.layers[l - 1]
    return _replace_layer(net, l, Layer(layer.weights, layer.biases, activation))


def set_loss(net: Network, loss: str) -> Network:
    return net.replace(loss=loss)


def set_sample(net: Network, x: Array, y: Array) -> Network:
    return net.replace(sample=Sample(x, y))


def _replace_layer(net: Network, l: int, layer: Layer) -> Network:
    layers = list(net.layers)
    layers[l - 1] = layer
    return net.replace(layers=tuple(layers))


def resize_layer(net: Network, l: int, size: int) -> Network:
    """Layer l (0 = the input) gets `size` neurons; the next layer's weights follow."""
    _check_layer(net, l, allow_input=True)
    if size < 1:
        raise NetworkError(f"layer {l}: size must be ≥ 1, got {size}")
    sizes = net.sizes
    sizes[l] = size
    layers = list(net.layers)
    if l >= 1:
        layers[l - 1] = _reshaped_layer(net, l, size, sizes[l - 1])
    if l < net.depth:
        layers[l] = _reshaped_layer(net, l + 1, sizes[l + 1], size)
    return _with_io_sizes(net, layers, sizes[0])


def insert_layer(
    net: Network, position: int, size: int | None = None, activation: str = "tanh"
) -> Network:
    """A new layer becomes layer `position` (1..L+1). Its size defaults to that of the layer
    feeding it, so the following layer keeps its shape."""
    if not 1 <= position <= net.depth + 1:
        raise NetworkError(f"cannot insert a layer at {position} (1..{net.depth + 1})")
    sizes = net.sizes
    n_in = sizes[position - 1]
    size = n_in if size is None else size
    w, b = init_layer(size, n_in, net.init, _rng(net.init, position, size, n_in, 1))
    layers = list(net.layers)
    layers.insert(position - 1, Layer(w, b, activation))
    if position <= net.depth:  # the layer after it now reads `size` inputs
        nxt = layers[position]
        w2, _b2 = init_layer(nxt.size, size, net.init, _rng(net.init, position + 1, nxt.size, size))
        layers[position] = Layer(_fit(nxt.weights, w2), nxt.biases, nxt.activation)
    return _with_io_sizes(net, layers, net.input_size)


def remove_layer(net: Network, l: int) -> Network:
    """Remove layer l; the layer after it then reads layer l − 1."""
    _check_layer(net, l)
    if net.depth == 1:
        raise NetworkError("cannot remove the only layer")
    layers = list(net.layers)
    del layers[l - 1]
    if l <= len(layers):
        nxt = layers[l - 1]
        n_in = net.sizes[l - 1]
        w, _ = init_layer(nxt.size, n_in, net.init, _rng(net.init, l, nxt.size, n_in))
        layers[l - 1] = Layer(_fit(nxt.weights, w), nxt.biases, nxt.activation)
    return _with_io_sizes(net, layers, net.input_size)


def reinitialise(net: Network, init: InitSpec) -> Network:
    """Every W and b drawn afresh from `init` (which the network then keeps)."""
    params = init_parameters(net.sizes, init)
    layers = tuple(
        Layer(w, b, layer.activation) for (w, b), layer in zip(params, net.layers, strict=True)
    )
    return net.replace(layers=layers, init=init)


def randomise_layer(net: Network, l: int, seed: int) -> Network:
    """Layer l's W and b drawn afresh from the network's scheme with `seed`."""
    _check_layer(net, l)
    layer = net.layers[l - 1]
    w, b = init_layer(layer.size, layer.input_size, net.init, np.random.default_rng(seed))
    return _replace_layer(net, l, Layer(w, b, layer.activation))
