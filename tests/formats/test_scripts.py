"""The exported scripts: the NumPy one runs in a subprocess and prints the engine's numbers;
the PyTorch one too, where torch is installed (it is not a dependency of the app)."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from visualizer.engine import backprop
from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.losses import LOSSES
from visualizer.engine.network import Sample, make_network
from visualizer.formats import scripts

RNG = np.random.default_rng(11)
HAS_TORCH = importlib.util.find_spec("torch") is not None


def _network(acts, loss, sizes=(3, 4, 2)):
    net = make_network(list(sizes), acts, loss, name="demo")
    y = np.full(sizes[-1], 1.0 / sizes[-1]) if "entropy" in loss else RNG.normal(size=sizes[-1])
    return net.replace(sample=Sample(RNG.normal(size=sizes[0]), y))


def _run(path) -> dict[str, np.ndarray]:
    done = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    values = {}
    for line in done.stdout.splitlines():
        name, _, literal = line.partition(" = ")
        values[name] = np.array(ast.literal_eval(literal))  # literals only, never eval
    return values


def _expected(net) -> dict[str, np.ndarray]:
    trace = backprop.run(net)
    values = {"C": np.array(trace.loss), "dx": trace.dx}
    for l in range(1, net.depth + 1):
        values[f"dW{l}"], values[f"db{l}"] = trace.dW[l - 1], trace.db[l - 1]
    return values


def _assert_matches(got, net) -> None:
    expected = _expected(net)
    assert sorted(got) == sorted(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(got[name], value, rtol=0, atol=1e-12, err_msg=name)


CASES = [
    *[(["tanh", act], "half_squared_error") for act in ACTIVATIONS if act != "softmax"],
    *[(["silu", "softmax"], loss) for loss in LOSSES if loss != "binary_cross_entropy"],
    (["gelu", "sigmoid"], "binary_cross_entropy"),
    (["tanh", "sigmoid"], "cross_entropy"),
    (["tanh", "softmax"], "binary_cross_entropy"),
    (["leaky_relu", "identity"], "mean_squared_error"),
]


@pytest.mark.parametrize(("acts", "loss"), CASES)
def test_numpy_script_run_in_a_subprocess_matches_the_engine(tmp_path, acts, loss) -> None:
    net = _network(acts, loss)
    path = tmp_path / "net.py"
    assert scripts.save_script(net, path, "numpy") == [path]
    text = path.read_text(encoding="utf-8")
    assert "z1 = W1 @ a0 + b1" in text and "delta1 = " in text  # the app's notation
    _assert_matches(_run(path), net)


def test_large_networks_keep_their_weights_in_a_sibling_file(tmp_path) -> None:
    net = _network(["relu", "softmax"], "cross_entropy", sizes=(200, 120, 10))
    assert net.parameter_count > scripts.INLINE_PARAMETERS
    path = tmp_path / "big.py"
    written = scripts.save_script(net, path, "numpy")
    assert written == [path, tmp_path / "big.npz"]
    assert path.stat().st_size < 20_000
    _assert_matches(_run(path), net)


@pytest.mark.parametrize(("acts", "loss"), CASES[:4] + CASES[-4:])
def test_torch_script_is_python_and_matches_the_engine_when_torch_is_there(
    tmp_path, acts, loss
) -> None:
    net = _network(acts, loss)
    path = tmp_path / "net_torch.py"
    scripts.save_script(net, path, "torch")
    text = path.read_text(encoding="utf-8")
    compile(text, str(path), "exec")  # always: the script is valid Python
    assert "nn.Sequential(" in text and "loss.backward()" in text
    if HAS_TORCH:  # torch is not a dependency; where it is installed, run the script
        _assert_matches(_run(path), net)


@pytest.mark.parametrize(
    ("output", "loss", "bias"),
    [
        ("sigmoid", "cross_entropy", [-700.0, 3.0]),
        ("softmax", "binary_cross_entropy", [900.0, -400.0]),
    ],
)
def test_numpy_script_computes_saturated_outputs_from_the_logits_as_the_engine(
    tmp_path, output, loss, bias
) -> None:
    net = _network(["tanh", output], loss)
    last = net.layers[-1]
    net = net.replace(layers=(net.layers[0], type(last)(last.weights, bias, output)))
    path = tmp_path / "saturated.py"
    scripts.save_script(net, path, "numpy")
    got = _run(path)
    assert float(got["C"]) > 300  # exact, not capped at 690.78 per unit nor zero-gradient
    _assert_matches(got, net)
