"""The network file: reading validates and names paths; writing round-trips bit for bit."""

from __future__ import annotations

import copy
import itertools
import json
import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.losses import LOSSES
from visualizer.engine.network import (
    INIT_SCHEMES,
    Dataset,
    InitSpec,
    Layer,
    Network,
    Sample,
    init_parameters,
    make_network,
)
from visualizer.formats import network_file
from visualizer.formats.errors import FormatError
from visualizer.formats.network_file import (
    load_network,
    network_from_dict,
    network_to_dict,
    network_to_json,
    save_network,
)

# The example of the format's description, verbatim.
EXAMPLE_TEXT = """{
  "format": "backprop-visualizer/network",
  "version": 1,
  "name": "XOR-ish example",
  "input_size": 2,
  "layers": [
    {"size": 3, "activation": "tanh",
     "weights": [[0.5, -0.4], [0.3, 0.8], [-0.7, 0.2]], "biases": [0.1, 0.0, -0.1]},
    {"size": 1, "activation": "sigmoid", "weights": [[1.2, -0.9, 0.6]], "biases": [0.05]}
  ],
  "loss": "half_squared_error",
  "sample": {"x": [1.0, 0.0], "y": [1.0]},
  "init": {"scheme": "xavier_uniform", "seed": 0},
  "dataset": {"x": [[0, 0], [0, 1], [1, 0], [1, 1]], "y": [[0], [1], [1], [0]]}
}
"""


def example() -> dict:
    return json.loads(EXAMPLE_TEXT)


def bits(arr: np.ndarray) -> bytes:
    return np.asarray(arr, dtype=np.float64).tobytes()


# -- reading -------------------------------------------------------------------------------
def test_example_file_reads_into_the_network_it_describes(tmp_path):
    path = tmp_path / "xor.json"
    path.write_text(EXAMPLE_TEXT)
    net = load_network(path)
    assert net.name == "XOR-ish example"
    assert net.sizes == [2, 3, 1]
    assert [layer.activation for layer in net.layers] == ["tanh", "sigmoid"]
    assert net.loss == "half_squared_error"
    np.testing.assert_array_equal(net.layer(1).weights, [[0.5, -0.4], [0.3, 0.8], [-0.7, 0.2]])
    np.testing.assert_array_equal(net.layer(2).biases, [0.05])
    np.testing.assert_array_equal(net.sample.x, [1.0, 0.0])
    assert net.init == InitSpec("xavier_uniform", 0)
    np.testing.assert_array_equal(net.dataset.y, [[0], [1], [1], [0]])


def test_integers_in_the_file_read_back_as_float64():
    net = network_from_dict(example())
    assert net.dataset.x.dtype == np.float64
    assert net.dataset.x.tolist() == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    doc = example()
    doc["layers"][1]["weights"] = [[1, -2, 3]]
    assert network_from_dict(doc).layer(2).weights.dtype == np.float64


def test_optional_keys_default_to_no_name_no_sample_no_dataset_and_xavier_seed_0():
    doc = example()
    for key in ("name", "sample", "init", "dataset"):
        del doc[key]
    net = network_from_dict(doc)
    assert (net.name, net.sample, net.dataset, net.gui) == ("", None, None, None)
    assert net.init == InitSpec("xavier_uniform", 0)


def test_absent_weights_and_biases_are_drawn_from_the_init_spec():
    doc = {
        "format": "backprop-visualizer/network",
        "version": 1,
        "input_size": 3,
        "layers": [{"size": 4, "activation": "relu"}, {"size": 2, "activation": "identity"}],
        "loss": "mean_squared_error",
        "init": {"scheme": "he_normal", "seed": 11},
    }
    net = network_from_dict(doc)
    init = InitSpec("he_normal", 11)
    expected = make_network([3, 4, 2], ["relu", "identity"], "mean_squared_error", init)
    assert net == expected


def test_only_the_missing_array_is_drawn_when_a_layer_gives_the_other():
    doc = example()
    del doc["layers"][0]["biases"]
    doc["init"] = {"scheme": "uniform", "seed": 3, "range": [-0.5, 0.25]}
    net = network_from_dict(doc)
    drawn = init_parameters([2, 3, 1], InitSpec("uniform", 3, -0.5, 0.25))
    np.testing.assert_array_equal(net.layer(1).weights, example()["layers"][0]["weights"])
    assert bits(net.layer(1).biases) == bits(drawn[0][1])
    assert np.all((net.layer(1).biases >= -0.5) & (net.layer(1).biases < 0.25))


def test_gui_settings_are_kept_as_they_are():
    doc = example()
    doc["gui"] = {"theme": "dark", "view": {"zoom": 1.5, "pan": [0, -3]}, "flags": [True, None]}
    net = network_from_dict(doc)
    assert net.gui == doc["gui"]
    assert network_to_dict(net)["gui"] == doc["gui"]


def test_byte_order_mark_at_the_start_of_the_file_is_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + EXAMPLE_TEXT.encode())
    assert load_network(path) == network_from_dict(example())


def test_missing_file_and_folder_give_format_errors_without_the_file_name(tmp_path):
    with pytest.raises(FormatError, match=r"^no such file$"):
        load_network(tmp_path / "absent.json")
    with pytest.raises(FormatError, match=r"^is a folder, not a file$"):
        load_network(tmp_path)


def test_invalid_json_reports_line_and_column(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "format": "backprop-visualizer/network",\n  "version" 1\n}\n')
    with pytest.raises(FormatError) as info:
        load_network(path)
    assert str(info.value) == "not valid JSON: Expecting ':' delimiter at line 3, column 13"


def test_error_keeps_path_and_problem_apart():
    doc = example()
    doc["layers"][1]["weights"] = [[1.2, -0.9]]
    with pytest.raises(FormatError) as info:
        network_from_dict(doc)
    assert info.value.path == "layers[1].weights[0]"
    assert info.value.problem == "expected 3 numbers, got 2"
    assert str(info.value) == "layers[1].weights[0]: expected 3 numbers, got 2"
    assert isinstance(info.value, ValueError)


def test_python_true_is_not_accepted_as_the_number_one():
    doc = example()
    doc["sample"]["y"] = [True]
    with pytest.raises(FormatError, match=r"^sample\.y\[0\]: expected a number, got true$"):
        network_from_dict(doc)


def test_python_tuples_are_read_like_json_lists():
    doc = example()
    doc["layers"][0]["weights"] = tuple(tuple(row) for row in doc["layers"][0]["weights"])
    doc["sample"]["x"] = (1.0, 0.0)
    assert network_from_dict(doc) == network_from_dict(example())


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_in_a_python_dict_are_rejected_with_their_path(bad):
    doc = example()
    doc["layers"][0]["biases"][2] = bad
    with pytest.raises(FormatError, match=r"^layers\[0\]\.biases\[2\]: "):
        network_from_dict(doc)


def test_limits_are_checked_before_anything_is_allocated(monkeypatch):
    def no_allocation(*args, **kwargs):
        raise AssertionError("parameters were drawn before the limits were checked")

    monkeypatch.setattr(network_file, "init_parameters", no_allocation)
    doc = example()
    doc.update(input_size=4096, layers=[{"size": 4096, "activation": "tanh"}] * 16)
    del doc["sample"], doc["dataset"]
    with pytest.raises(FormatError, match=r"^layers: 268,500,992 parameters"):
        network_from_dict(doc)


def test_a_snapshot_given_as_a_network_says_what_it_is():
    with pytest.raises(FormatError, match="this is a gradient snapshot, not a network file"):
        network_from_dict({"format": "backprop-visualizer/snapshot", "version": 1})


def test_errors_inside_a_larger_document_carry_its_path_prefix():
    doc = example()
    doc["layers"][0]["activation"] = "swish"
    with pytest.raises(FormatError, match=r"^network\.layers\[0\]\.activation: unknown"):
        network_from_dict(doc, path="network")
    with pytest.raises(FormatError, match=r"^network: expected a JSON object, got a list$"):
        network_from_dict([], path="network")


# -- writing -------------------------------------------------------------------------------
def test_written_file_reads_back_equal_and_is_laid_out_one_matrix_row_per_line(tmp_path):
    net = network_from_dict(example())
    path = tmp_path / "out.json"
    save_network(net, path)
    assert load_network(path) == net
    lines = path.read_text(encoding="utf-8").splitlines()
    assert "        [0.3, 0.8]," in lines
    assert '      "biases": [0.1, 0.0, -0.1]' in lines
    assert lines[1] == '  "format": "backprop-visualizer/network",'


def test_network_to_dict_gives_plain_python_values_only():
    net = network_from_dict(example())
    doc = network_to_dict(net)

    def walk(value):
        if isinstance(value, dict):
            for k, v in value.items():
                assert type(k) is str
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        else:
            assert type(value) in (str, int, float, bool, type(None)), type(value)

    walk(doc)
    assert network_from_dict(json.loads(json.dumps(doc, allow_nan=False))) == net


def test_uniform_range_is_written_and_read_back():
    net = make_network([2, 2], "tanh", init=InitSpec("uniform", 5, -0.3, 0.7))
    doc = network_to_dict(net)
    assert doc["init"] == {"scheme": "uniform", "seed": 5, "range": [-0.3, 0.7]}
    assert network_from_dict(doc) == net


def test_gui_that_json_cannot_hold_fails_to_save_and_leaves_the_old_file(tmp_path):
    path = tmp_path / "net.json"
    path.write_text("old")
    net = network_from_dict(example()).replace(gui={"zoom": math.nan})
    with pytest.raises(FormatError, match=r"^gui\.zoom: NaN or infinity cannot be written"):
        save_network(net, path)
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["net.json"]


def test_a_name_with_a_lone_surrogate_still_round_trips(tmp_path):
    net = network_from_dict(example()).replace(name="odd \ud800 name — ok")
    save_network(net, tmp_path / "n.json")
    assert load_network(tmp_path / "n.json") == net


def test_unicode_names_are_written_readably_not_escaped(tmp_path):
    net = network_from_dict(example()).replace(name="Two hidden layers — softmax")
    save_network(net, tmp_path / "n.json")
    assert "Two hidden layers — softmax" in (tmp_path / "n.json").read_text(encoding="utf-8")


def test_tricky_floats_survive_to_the_bit(tmp_path):
    tricky = [0.1, 1e-300, -0.0, 1 / 3, 5e-324, 1.7976931348623157e308, -2.5e-308, 2.0**53 + 2]
    net = Network(
        len(tricky),
        (Layer([tricky, tricky[::-1]], [-0.0, 1e-300], "identity"),),
        "half_squared_error",
        sample=Sample(tricky, [0.1, -0.0]),
    )
    save_network(net, tmp_path / "t.json")
    back = load_network(tmp_path / "t.json")
    assert back == net
    assert bits(back.layer(1).biases) == bits([-0.0, 1e-300])
    assert math.copysign(1.0, back.sample.y[1]) == -1.0


# -- round trip over random networks ---------------------------------------------------------
SPECIAL = [0.1, 1e-300, -0.0, 0.0, 1 / 3, 5e-324, -1.7976931348623157e308, 2.2250738585072014e-308]
VALUES = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64), st.sampled_from(SPECIAL)
)
JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)


def json_containers(inner: st.SearchStrategy) -> st.SearchStrategy:
    return st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)


JSON_VALUES = st.recursive(JSON_LEAVES, json_containers, max_leaves=8)


@st.composite
def networks(draw) -> Network:
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    layers = [
        Layer(
            draw(arrays(np.float64, (n_out, n_in), elements=VALUES)),
            draw(arrays(np.float64, (n_out,), elements=VALUES)),
            draw(st.sampled_from(sorted(ACTIVATIONS))),
        )
        for n_in, n_out in itertools.pairwise(sizes)
    ]
    n_in, n_out = sizes[0], sizes[-1]
    fields = {"name": draw(st.text(max_size=12))}
    if draw(st.booleans()):
        fields["sample"] = Sample(
            draw(arrays(np.float64, (n_in,), elements=VALUES)),
            draw(arrays(np.float64, (n_out,), elements=VALUES)),
        )
    if draw(st.booleans()):
        rows = draw(st.integers(1, 3))
        fields["dataset"] = Dataset(
            draw(arrays(np.float64, (rows, n_in), elements=VALUES)),
            draw(arrays(np.float64, (rows, n_out), elements=VALUES)),
        )
    low, high = sorted(draw(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=2, unique=True)))
    fields["init"] = InitSpec(
        draw(st.sampled_from(INIT_SCHEMES)), draw(st.integers(0, 2**64)), low, high
    )
    if draw(st.booleans()):
        fields["gui"] = draw(st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=4))
    return Network(n_in, tuple(layers), draw(st.sampled_from(sorted(LOSSES))), **fields)


@settings(max_examples=40, deadline=None)
@given(net=networks())
def test_save_then_load_gives_the_same_network_to_the_bit(tmp_path_factory, net):
    path = tmp_path_factory.mktemp("rt") / "net.json"
    # fsync is about surviving a power cut, not about the bytes, and on a real disk two
    # per save (file and folder) made this the slowest test; atomic saves have their own
    # tests (test_atomic.py).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "fsync", lambda _fd: None)
        save_network(net, path)
    back = load_network(path)
    assert back == net  # Network.__eq__ compares arrays byte for byte (so -0.0 ≠ 0.0)
    assert network_to_json(back) == network_to_json(net)


@settings(max_examples=25, deadline=None)
@given(net=networks())
def test_dict_round_trip_does_not_share_state_with_the_network(net):
    doc = network_to_dict(net)
    before = copy.deepcopy(doc)
    if "gui" in doc:
        doc["gui"]["__mutated__"] = 1
    assert network_to_dict(net) == before
