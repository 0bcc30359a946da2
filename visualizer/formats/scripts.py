"""The network as a runnable Python script: NumPy (the app's notation, line by line) or
PyTorch (the same `nn.Sequential`, autograd's gradients).

Both scripts run one forward and backward pass on the network's current sample and print
the loss and every gradient as `name = [...]` lines (Python literals, full precision), so
their numbers can be compared with the app's. Weights are written inline when the network
is small; otherwise they are read from a sibling file written beside the script (`.npz`
for NumPy, `.safetensors` for PyTorch), named like the script.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visualizer.engine.activations import LEAKY_SLOPE
from visualizer.engine.network import Network
from visualizer.formats.atomic import atomic_write, atomic_writer

Array = np.ndarray

INLINE_PARAMETERS = 20_000  # above this, weights go to a sibling file

# f(z) and f'(z) (or the vector-Jacobian product, for softmax) of each activation, as the
# engine computes them (visualizer/engine/activations.py).
_NUMPY_ACTIVATIONS = {
    "identity": ("z", "np.ones_like(z)"),
    "sigmoid": (
        "np.where(z >= 0, 1 / (1 + e), e / (1 + e))",
        "sigmoid(z) * (1 - sigmoid(z))",
    ),
    "tanh": ("np.tanh(z)", "1 - np.tanh(z) ** 2"),
    "relu": ("np.maximum(z, 0.0)", "(z > 0).astype(np.float64)"),
    "leaky_relu": (
        f"np.where(z > 0, z, {LEAKY_SLOPE!r} * z)",
        f"np.where(z > 0, 1.0, {LEAKY_SLOPE!r})",
    ),
    "softplus": ("np.logaddexp(0.0, z)", "sigmoid(z)"),
    "gelu": (
        "0.5 * z * (1 + erf(z * np.sqrt(0.5)))",
        "0.5 * (1 + erf(z * np.sqrt(0.5))) + z * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)",
    ),
    "gelu_tanh": (
        "0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)))",
        "0.5 * (1 + t) + 0.5 * z * (1 - t * t) * np.sqrt(2 / np.pi) * (1 + 3 * 0.044715 * z * z)",
    ),
    "silu": ("z * sigmoid(z)", "sigmoid(z) * (1 + z * (1 - sigmoid(z)))"),
}
_LOSS_CODE = {
    "half_squared_error": ("0.5 * np.sum((a - y) ** 2)", "a - y"),
    "mean_squared_error": ("np.mean((a - y) ** 2)", "(2 / a.size) * (a - y)"),
    # No clamp (as in the engine): an output a cross-entropy cannot take gives inf/NaN.
    "cross_entropy": ("-np.sum(y * np.log(a))", "-y / a"),
    "binary_cross_entropy": (
        "-np.sum(y * np.log(a) + (1 - y) * np.log(1 - a))",
        "-y / a + (1 - y) / (1 - a)",
    ),
}


def _literal(arr: Array) -> str:
    """An exact Python literal of `arr` (repr of every float64), one matrix row a line."""
    if arr.ndim == 1:
        return "np.array([" + ", ".join(map(repr, arr.tolist())) + "])"
    rows = ",\n    ".join("[" + ", ".join(map(repr, row)) + "]" for row in arr.tolist())
    return "np.array([\n    " + rows + ",\n])"


def _inline(network: Network) -> bool:
    return network.parameter_count <= INLINE_PARAMETERS


def numpy_script(network: Network, weights_file: str | None = None) -> str:
    """The NumPy script's text. With `weights_file` (a name beside the script), W1, b1, …
    are loaded from that .npz instead of written inline."""
    sample = network.current_sample()
    depth = network.depth
    used = {layer.activation for layer in network.layers}
    lines = [
        f'"""Forward and backward pass of {network.name or "a network"!r}, written out by',
        "Backprop Visualizer in its notation (layers l = 1..L, a0 = x):",
        "",
        "    z_l = W_l a_(l-1) + b_l        a_l = f_l(z_l)",
        "    delta_L = f_L'(z_L) * dC/da_L  delta_l = f_l'(z_l) * (W_(l+1)^T delta_(l+1))",
        "    dC/dW_l = delta_l a_(l-1)^T    dC/db_l = delta_l       dC/dx = W_1^T delta_1",
        "",
        f"Layers {network.sizes}, loss {network.loss}. Run it: python {{this file}}",
        '"""',
        "",
    ]
    if "gelu" in used:
        lines.append("from math import erf as _erf")
        lines.append("")
    lines += ["import numpy as np", ""]
    if "gelu" in used:
        lines += ["erf = np.vectorize(_erf, otypes=[np.float64])", ""]
    lines += ["# the sample", f"x = {_literal(sample.x)}", f"y = {_literal(sample.y)}", ""]
    lines.append("# the weights and biases")
    if weights_file is None:
        for l, layer in enumerate(network.layers, start=1):
            lines.append(f"W{l} = {_literal(layer.weights)}")
            lines.append(f"b{l} = {_literal(layer.biases)}")
    else:
        lines.append("from pathlib import Path")
        lines.append("")
        lines.append(
            f"_weights = np.load(Path(__file__).with_name({weights_file!r}), allow_pickle=False)"
        )
        for l in range(1, depth + 1):
            lines.append(f'W{l}, b{l} = _weights["W{l}"], _weights["b{l}"]')
    lines.append("")

    # the activations this network uses, and sigmoid when another needs it
    needs_sigmoid = used & {"sigmoid", "softplus", "silu"}
    lines.append("# activations f and their derivatives f' (softmax's Jacobian is not diagonal)")
    if needs_sigmoid:
        f, _ = _NUMPY_ACTIVATIONS["sigmoid"]
        lines += ["def sigmoid(z):", "    e = np.exp(-np.abs(z))  # never overflows"]
        lines += [f"    return {f}", ""]
    for name in sorted(used):
        if name == "softmax":
            lines += [
                "def softmax(z):",
                "    e = np.exp(z - np.max(z))",
                "    return e / np.sum(e)",
                "",
                "def softmax_vjp(a, g):",
                "    # J = diag(a) - a a^T is symmetric: J^T g = a * (g - a . g)",
                "    return a * (g - np.sum(a * g))",
                "",
            ]
            continue
        f, fp = _NUMPY_ACTIVATIONS[name]
        if name != "sigmoid":
            lines += [f"def {name}(z):", f"    return {f}", ""]
        lines.append(f"def {name}_prime(z):")
        if name == "gelu_tanh":
            lines.append("    t = np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3))")
        lines += [f"    return {fp}", ""]

    lines.append("# forward")
    lines.append("a0 = x")
    for l, layer in enumerate(network.layers, start=1):
        lines.append(f"z{l} = W{l} @ a{l - 1} + b{l}")
        lines.append(f"a{l} = {layer.activation}(z{l})")
    last = network.layers[-1].activation
    loss_value, loss_grad = _LOSS_CODE[network.loss]
    big = f"a{depth}"
    lines += ["", "# the loss and its gradient at the output"]
    lines.append(f"a = {big}")
    lines.append(f"dC_da{depth} = {loss_grad}")
    if last == "softmax" and network.loss == "cross_entropy":
        lines += [
            "# softmax + cross-entropy from the logits: exact and stable",
            f"shifted = z{depth} - np.max(z{depth})",
            "C = -np.sum(y * (shifted - np.log(np.sum(np.exp(shifted)))))",
            f"delta{depth} = a * np.sum(y) - y",
        ]
    elif last == "sigmoid" and network.loss == "binary_cross_entropy":
        lines += [
            "# sigmoid + binary cross-entropy from the logits: exact and stable",
            f"C = np.sum(y * np.logaddexp(0, -z{depth}) + (1 - y) * np.logaddexp(0, z{depth}))",
            f"delta{depth} = a - y",
        ]
    elif last == "sigmoid" and network.loss == "cross_entropy":
        lines += [
            "# sigmoid + cross-entropy from the logits: -y log sigmoid(z) = y softplus(-z)",
            f"C = np.sum(y * np.logaddexp(0, -z{depth}))",
            f"delta{depth} = -y * sigmoid(-z{depth})",
        ]
    elif last == "softmax" and network.loss == "binary_cross_entropy":
        z = f"z{depth}"
        lines += [
            "# softmax + binary cross-entropy from the logits: log(1 - s_i) is the log-sum-exp",
            "# of the other logits minus that of all of them (exact where s_i rounds to 1)",
            f"others = np.where(np.eye({z}.size, dtype=bool), -np.inf, {z})  # row i: j != i",
            "top = np.max(others, axis=1, keepdims=True)",
            "lse_rest = top[:, 0] + np.log(np.sum(np.exp(others - top), axis=1))",
            f"log_s = {z} - np.max({z}) - np.log(np.sum(np.exp({z} - np.max({z}))))",
            f"log_rest = lse_rest - ({z} - log_s)",
            "C = -np.sum(y * log_s + (1 - y) * log_rest)",
            "ratios = np.exp(others - lse_rest[:, None])  # s_k / (1 - s_i), 0 for k = i",
            f"delta{depth} = {z}.size * a - y - np.sum((1 - y)[:, None] * ratios, axis=0)",
        ]
    else:
        lines.append(f"C = {loss_value}")
        lines.append(_delta_line(last, depth, f"dC_da{depth}"))
    lines += ["", "# backward: delta flows through (W^l)^T and f'"]
    for l in range(depth, 0, -1):
        lines.append(f"dW{l} = np.outer(delta{l}, a{l - 1})")
        lines.append(f"db{l} = delta{l}")
        if l > 1:
            lines.append(f"dC_da{l - 1} = W{l}.T @ delta{l}")
            lines.append(_delta_line(network.layers[l - 2].activation, l - 1, f"dC_da{l - 1}"))
    lines.append("dx = W1.T @ delta1")
    lines += ["", 'print(f"C = {float(C)!r}")']
    for l in range(1, depth + 1):
        lines.append(f'print(f"dW{l} = {{dW{l}.tolist()}}")')
        lines.append(f'print(f"db{l} = {{db{l}.tolist()}}")')
    lines.append('print(f"dx = {dx.tolist()}")')
    return "\n".join(lines) + "\n"


def _delta_line(activation: str, l: int, grad: str) -> str:
    if activation == "softmax":
        return f"delta{l} = softmax_vjp(a{l}, {grad})"
    return f"delta{l} = {activation}_prime(z{l}) * {grad}"


_TORCH_MODULES = {
    "identity": "nn.Identity()",
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "relu": "nn.ReLU()",
    "leaky_relu": f"nn.LeakyReLU({LEAKY_SLOPE!r})",
    # PyTorch returns z itself above `threshold` (20 by default), 2e-9 off log(1 + eᶻ)
    "softplus": "nn.Softplus(threshold=40.0)",
    "gelu": "nn.GELU()",
    "gelu_tanh": 'nn.GELU(approximate="tanh")',
    "silu": "nn.SiLU()",
    "softmax": "nn.Softmax(dim=-1)",
}


def _tensor_literal(arr: Array) -> str:
    return "torch.tensor(" + _literal(arr).removeprefix("np.array(").removesuffix(")") + ")"


def torch_script(network: Network, weights_file: str | None = None) -> str:
    """The PyTorch script's text: the same nn.Sequential in float64, its weights (inline,
    or from the `weights_file` .safetensors beside the script), forward and backward on
    the network's sample with autograd, and every gradient printed."""
    from visualizer.formats.safetensors_io import network_tensors

    sample = network.current_sample()
    depth = network.depth
    modules = []
    for layer in network.layers:
        modules.append(f"    nn.Linear({layer.input_size}, {layer.size}),")
        modules.append(f"    {_TORCH_MODULES[layer.activation]},")
    lines = [
        f'"""{network.name or "A network"!r} from Backprop Visualizer as a PyTorch nn.Sequential:',
        "one forward and backward pass on its sample, with autograd, printing the loss and",
        f"every gradient. Layers {network.sizes}, loss {network.loss}.",
        '"""',
        "",
        "import torch",
        "from torch import nn",
        "",
        "torch.set_default_dtype(torch.float64)  # the app computes in float64",
        "",
        "model = nn.Sequential(",
        *modules,
        ")",
    ]
    if weights_file is None:
        lines.append("state = {")
        for name, arr in network_tensors(network).items():
            lines.append(f"    {name!r}: {_tensor_literal(arr)},")
        lines.append("}")
    else:
        lines += [
            "from pathlib import Path",
            "",
            "from safetensors.torch import load_file",
            "",
            f"state = load_file(Path(__file__).with_name({weights_file!r}))",
        ]
    lines += [
        "model.load_state_dict(state)",
        "",
        f"x = {_tensor_literal(sample.x)}.requires_grad_()",
        f"y = {_tensor_literal(sample.y)}",
        "",
    ]
    last = network.layers[-1].activation
    if last == "softmax" and network.loss == "cross_entropy":
        lines += [
            "logits = model[:-1](x)  # softmax + cross-entropy from the logits, as the app does",
            "loss = -(y * torch.log_softmax(logits, dim=-1)).sum()",
        ]
    elif last == "sigmoid" and network.loss == "binary_cross_entropy":
        lines += [
            "logits = model[:-1](x)  # sigmoid + binary cross-entropy from the logits",
            "loss = nn.functional.binary_cross_entropy_with_logits(logits, y, reduction='sum')",
        ]
    elif last == "sigmoid" and network.loss == "cross_entropy":
        lines += [
            "logits = model[:-1](x)  # sigmoid + cross-entropy from the logits",
            "loss = -(y * nn.functional.logsigmoid(logits)).sum()",
        ]
    elif last == "softmax" and network.loss == "binary_cross_entropy":
        lines += [
            "logits = model[:-1](x)  # softmax + binary cross-entropy from the logits",
            "eye = torch.eye(logits.numel(), dtype=torch.bool)",
            "others = logits.expand(logits.numel(), -1).masked_fill(eye, float('-inf'))",
            "log_rest = torch.logsumexp(others, dim=-1) - torch.logsumexp(logits, dim=-1)",
            "loss = -(y * torch.log_softmax(logits, dim=-1) + (1 - y) * log_rest).sum()",
        ]
    else:
        lines.append("a = model(x)")
        lines.append({
            "half_squared_error": "loss = 0.5 * ((a - y) ** 2).sum()",
            "mean_squared_error": "loss = ((a - y) ** 2).mean()",
            # No clamp, as in the app (torch's binary_cross_entropy caps log at −100).
            "cross_entropy": "loss = -(y * torch.log(a)).sum()",
            "binary_cross_entropy": "loss = -(y * torch.log(a) + (1 - y) * torch.log(1 - a)).sum()",
        }[network.loss])  # fmt: skip
    lines += ["loss.backward()", "", 'print(f"C = {loss.item()!r}")']
    for l in range(1, depth + 1):
        lines.append(f'print(f"dW{l} = {{model[{2 * (l - 1)}].weight.grad.tolist()}}")')
        lines.append(f'print(f"db{l} = {{model[{2 * (l - 1)}].bias.grad.tolist()}}")')
    lines.append('print(f"dx = {x.grad.tolist()}")')
    return "\n".join(lines) + "\n"


def save_script(network: Network, path: str | Path, kind: str) -> list[Path]:
    """Write the `kind` ("numpy" or "torch") script to `path`, and its weights beside it
    when the network is too large to write them inline; the files written."""
    path = Path(path)
    written = [path]
    weights_file = None
    if not _inline(network):
        sibling = path.with_suffix(".npz" if kind == "numpy" else ".safetensors")
        weights_file = sibling.name
        if kind == "numpy":
            arrays = {}
            for l, layer in enumerate(network.layers, start=1):
                arrays[f"W{l}"], arrays[f"b{l}"] = layer.weights, layer.biases
            with atomic_writer(sibling, "wb") as handle:
                np.savez(handle, **arrays)
        else:
            from visualizer.formats.safetensors_io import save_safetensors

            save_safetensors(network, sibling)
        written.append(sibling)
    make = numpy_script if kind == "numpy" else torch_script
    atomic_write(path, make(network, weights_file))
    return written
