"""The example networks in assets/networks: they load, run, and are worth looking at."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from visualizer.engine.backprop import run
from visualizer.engine.network import InitSpec, make_network
from visualizer.formats.network_file import load_network, network_to_json, save_network

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "networks"
EXAMPLES = sorted(path.name for path in ASSETS.glob("*.json"))
# Values where these activations are nearly flat (f' < ~0.02): an example living there would
# show vanishing gradients instead of backpropagation.
SATURATION = {"tanh": 2.5, "sigmoid": 4.0}


def load(name: str):
    return load_network(ASSETS / name)


def test_the_five_documented_examples_are_present():
    assert {"default.json", "xor.json", "regression.json", "binary.json", "wide.json"} <= set(
        EXAMPLES
    )


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_loads_and_runs_with_a_finite_loss(name):
    net = load(name)
    trace = run(net)
    assert math.isfinite(trace.loss) and trace.loss > 0
    if net.dataset is not None:
        assert math.isfinite(run(net, net.dataset.x, net.dataset.y).loss)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_survives_a_save_and_load_unchanged(tmp_path, name):
    net = load(name)
    save_network(net, tmp_path / name)
    assert load_network(tmp_path / name) == net


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_is_not_saturated_and_every_layer_gets_a_gradient(name):
    net = load(name)
    trace = run(net)
    for l, layer in enumerate(net.layers, start=1):
        limit = SATURATION.get(layer.activation)
        if limit is not None:
            assert np.abs(trace.z[l - 1]).max() < limit, f"layer {l} saturates"
        assert np.abs(trace.dW[l - 1]).max() > 1e-3, f"layer {l} gets almost no gradient"


@pytest.mark.parametrize("name", [n for n in EXAMPLES if n != "wide.json"])
def test_explicit_weights_are_rounded_to_read_well_on_screen(name):
    for layer in load(name).layers:
        for arr in (layer.weights, layer.biases):
            np.testing.assert_array_equal(np.round(arr, 3), arr)


def test_default_is_the_two_hidden_layer_softmax_classifier():
    net = load("default.json")
    assert net.name == "Two hidden layers — softmax classifier"
    assert net.sizes == [2, 4, 3, 2]
    assert [layer.activation for layer in net.layers] == ["tanh", "sigmoid", "softmax"]
    assert net.loss == "cross_entropy"
    np.testing.assert_array_equal(net.sample.x, [0.8, -0.4])
    np.testing.assert_array_equal(net.sample.y, [1.0, 0.0])
    y = net.dataset.y
    assert 6 <= len(net.dataset) <= 10
    assert set(map(tuple, y.tolist())) == {(1.0, 0.0), (0.0, 1.0)}  # one-hot, two classes


def test_default_is_partly_trained_so_training_has_something_to_show():
    net = load("default.json")
    batch = run(net, net.dataset.x, net.dataset.y)
    assert 0.2 < batch.loss < math.log(2)  # better than chance, far from done


def test_xor_is_exactly_the_example_of_the_format_description():
    text = """{"format": "backprop-visualizer/network", "version": 1, "name": "XOR-ish example",
      "input_size": 2, "layers": [
        {"size": 3, "activation": "tanh", "weights": [[0.5, -0.4], [0.3, 0.8], [-0.7, 0.2]],
         "biases": [0.1, 0.0, -0.1]},
        {"size": 1, "activation": "sigmoid", "weights": [[1.2, -0.9, 0.6]], "biases": [0.05]}],
      "loss": "half_squared_error", "sample": {"x": [1.0, 0.0], "y": [1.0]},
      "init": {"scheme": "xavier_uniform", "seed": 0},
      "dataset": {"x": [[0, 0], [0, 1], [1, 0], [1, 1]], "y": [[0], [1], [1], [0]]}}"""
    assert json.loads((ASSETS / "xor.json").read_text(encoding="utf-8")) == json.loads(text)


def test_regression_fits_points_of_sin_pi_x():
    net = load("regression.json")
    assert net.sizes == [1, 6, 1]
    assert [layer.activation for layer in net.layers] == ["tanh", "identity"]
    assert net.loss == "mean_squared_error"
    x, y = net.dataset.x[:, 0], net.dataset.y[:, 0]
    assert 10 <= len(x) <= 14
    np.testing.assert_allclose(y, np.sin(np.pi * x), atol=1e-3)


def test_binary_has_relu_units_both_on_and_off_for_its_sample():
    net = load("binary.json")
    assert net.sizes == [3, 4, 1]
    assert [layer.activation for layer in net.layers] == ["relu", "sigmoid"]
    assert net.loss == "binary_cross_entropy"
    z1 = run(net).z[0]
    assert (z1 > 0).any() and (z1 < 0).any()  # shows where ReLU blocks the gradient


def test_wide_draws_its_weights_from_he_normal_seed_7():
    doc = json.loads((ASSETS / "wide.json").read_text(encoding="utf-8"))
    assert all("weights" not in layer and "biases" not in layer for layer in doc["layers"])
    net = load("wide.json")
    init = InitSpec("he_normal", 7)
    acts = ["leaky_relu"] * 3 + ["identity"]
    expected = make_network([32, 64, 64, 64, 32], acts, net.loss, init)
    assert net.sizes == [32, 64, 64, 64, 32]
    assert net.init == init
    assert net.layers == expected.layers


def test_example_files_are_written_the_way_the_writer_writes_them():
    # so that opening and saving an example in the app makes no spurious diff
    for name in EXAMPLES:
        if name in ("xor.json", "wide.json"):  # the spec's own layout; weights drawn at load
            continue
        assert (ASSETS / name).read_text(encoding="utf-8") == network_to_json(load(name))
