"""Gradient snapshots: every array round-trips bit for bit in .npz, .json and .csv."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest

from visualizer.engine.backprop import run
from visualizer.engine.network import Dataset, InitSpec, Sample, make_network
from visualizer.formats.errors import FormatError
from visualizer.formats.network_file import network_description, network_to_json
from visualizer.formats.snapshot import (
    Snapshot,
    arrays_to_csv,
    csv_to_arrays,
    load_snapshot,
    save_snapshot,
    snapshot_arrays,
    snapshot_to_json,
)

FORMATS = [".npz", ".json", ".csv"]


def network():
    x = np.array([[0.1, -0.7, 1 / 3], [1e-300, 0.5, -0.0], [2.0, -1.5, 0.25]])
    y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    return make_network(
        [3, 4, 3, 2],
        ["tanh", "relu", "softmax"],
        "cross_entropy",
        InitSpec("uniform", 4, -1.0, 1.0),
        name="snapshot test — ∂C/∂W",
        sample=Sample(x[0], y[0]),
        dataset=Dataset(x, y),
        gui={"zoom": 1.25},
    )


def traces():
    net = network()
    return {"sample": (net, run(net)), "batch": (net, run(net, net.dataset.x, net.dataset.y))}


def assert_same_bits(got: dict, want: dict) -> None:
    assert list(got) == list(want)
    for name, arr in want.items():
        assert got[name].dtype == np.float64, name
        assert got[name].shape == arr.shape, name
        assert got[name].tobytes() == arr.tobytes(), name


# -- the arrays ------------------------------------------------------------------------------
def test_snapshot_arrays_name_every_value_of_the_trace_in_order():
    net, trace = traces()["sample"]
    arrays = snapshot_arrays(net, trace)
    per_layer = [f"{n}{l}" for l in (1, 2, 3) for n in ("W", "b", "z", "a", "delta", "dW", "db")]
    assert list(arrays) == ["x", "y", "loss", "dC_da", "dx", *per_layer]
    assert arrays["loss"].shape == () and float(arrays["loss"]) == trace.loss
    assert arrays["x"].tobytes() == trace.a[0].tobytes()
    assert arrays["dx"].tobytes() == trace.grad_a[0].tobytes()
    assert arrays["dC_da"].tobytes() == trace.grad_a[3].tobytes()
    assert arrays["a2"].tobytes() == trace.a[2].tobytes()
    assert arrays["delta3"].tobytes() == trace.delta[2].tobytes()
    assert arrays["W2"].tobytes() == net.layer(2).weights.tobytes()


def test_one_sample_gives_vectors_and_a_batch_gives_rows_with_mean_gradients():
    net, one = traces()["sample"]
    _, batch = traces()["batch"]
    a1, ab = snapshot_arrays(net, one), snapshot_arrays(net, batch)
    assert a1["z2"].shape == (3,) and ab["z2"].shape == (3, 3)
    assert a1["x"].shape == (3,) and ab["x"].shape == (3, 3)
    assert a1["dW1"].shape == ab["dW1"].shape == (4, 3)
    assert ab["db1"].shape == (4,)
    np.testing.assert_allclose(ab["db1"], ab["delta1"].mean(axis=0), rtol=1e-12, atol=1e-15)


def test_a_trace_of_another_network_is_refused():
    _, trace = traces()["sample"]
    other = make_network([3, 2], "sigmoid")
    with pytest.raises(ValueError, match="does not come from this network"):
        snapshot_arrays(other, trace)


# -- round trips -----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["sample", "batch"])
@pytest.mark.parametrize("suffix", FORMATS)
def test_every_array_round_trips_bit_for_bit(tmp_path, suffix, kind):
    net, trace = traces()[kind]
    path = tmp_path / f"snap{suffix}"
    save_snapshot(path, net, trace)
    loaded = load_snapshot(path)
    assert isinstance(loaded, Snapshot)
    assert_same_bits(loaded.arrays, snapshot_arrays(net, trace))
    if suffix == ".csv":
        assert loaded.network is None
    else:
        assert loaded.network == net
    assert os.listdir(tmp_path) == [path.name]


def test_npz_opens_with_numpy_alone_without_pickle(tmp_path):
    net, trace = traces()["batch"]
    save_snapshot(tmp_path / "s.npz", net, trace)
    with np.load(tmp_path / "s.npz", allow_pickle=False) as data:
        assert set(data.files) == {*snapshot_arrays(net, trace), "network", "snapshot_version"}
        assert data["snapshot_version"] == 2
        raw = data["network"]
        assert raw.dtype == np.uint8 and raw.ndim == 1
        description = json.loads(raw.tobytes().decode("utf-8"))
        assert description == network_description(net)  # no weight values in it
        assert "weights" not in description["layers"][0]
        assert data["dW2"].tobytes() == trace.dW[1].tobytes()


def test_version_1_npz_snapshots_still_open(tmp_path):
    net, trace = traces()["sample"]
    arrays = snapshot_arrays(net, trace)
    np.savez(tmp_path / "v1.npz", **arrays, network_json=np.array(network_to_json(net)))
    loaded = load_snapshot(tmp_path / "v1.npz")
    assert loaded.network == net
    assert all(loaded.arrays[k].tobytes() == v.tobytes() for k, v in arrays.items())


def test_npz_snapshot_is_barely_larger_than_its_arrays(tmp_path):
    net = make_network([784, 256, 10], "sigmoid", init=InitSpec(seed=2))
    trace = run(net)
    save_snapshot(tmp_path / "s.npz", net, trace)
    np.savez(tmp_path / "plain.npz", **snapshot_arrays(net, trace))
    size, plain = (tmp_path / "s.npz").stat().st_size, (tmp_path / "plain.npz").stat().st_size
    assert size <= 1.1 * plain  # version 1 was 6.4×: every weight again, as UTF-32 text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"snapshot_version": np.array(3)}, r"^snapshot_version: 3 is not supported"),
        (
            {"snapshot_version": np.array(2), "network": np.array([1.0, 2.0])},
            r"^network: expected UTF-8 bytes \(uint8\), got float64",
        ),
        (
            {"snapshot_version": np.array(2), "network": np.frombuffer(b"\xff{", np.uint8)},
            r"^network: not UTF-8 text",
        ),
        ({"snapshot_version": np.array(2)}, r"^network: missing"),
    ],
)
def test_malformed_version_2_members_are_named(tmp_path, extra, message):
    _, arrays = _good_arrays()
    _write_npz(tmp_path / "s.npz", **arrays, **extra)
    with pytest.raises(FormatError, match=message):
        load_snapshot(tmp_path / "s.npz")


def test_npz_is_uncompressed(tmp_path):
    net, trace = traces()["sample"]
    save_snapshot(tmp_path / "s.npz", net, trace)
    with zipfile.ZipFile(tmp_path / "s.npz") as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}


def test_json_snapshot_has_the_documented_layout(tmp_path):
    net, trace = traces()["sample"]
    save_snapshot(tmp_path / "s.json", net, trace)
    doc = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert list(doc) == ["format", "version", "network", "arrays"]
    assert (doc["format"], doc["version"]) == ("backprop-visualizer/snapshot", 1)
    assert doc["network"]["format"] == "backprop-visualizer/network"
    assert doc["arrays"]["loss"] == trace.loss
    assert doc["arrays"]["W1"] == net.layer(1).weights.tolist()


def test_csv_snapshot_has_one_row_per_entry_with_empty_indices_where_none_apply(tmp_path):
    net, trace = traces()["sample"]
    save_snapshot(tmp_path / "s.csv", net, trace)
    lines = (tmp_path / "s.csv").read_text().splitlines()
    assert lines[0] == "array,i,j,value"
    assert lines[1] == f"x,0,,{float(trace.x[0])!r}"
    assert f"loss,,,{trace.loss!r}" in lines
    assert f"W1,3,2,{float(net.layer(1).weights[3, 2])!r}" in lines
    total = sum(arr.size for arr in snapshot_arrays(net, trace).values())
    assert len(lines) == 1 + total


def test_non_finite_values_of_a_diverged_pass_round_trip_in_json_and_csv():
    values = {"loss": np.array(np.inf), "x": np.array([np.nan, -np.inf, -0.0, 5e-324])}
    assert_same_bits(csv_to_arrays(arrays_to_csv(values)), values)
    doc = json.loads(snapshot_to_json(network(), values), parse_constant=lambda token: float(token))
    assert np.isnan(doc["arrays"]["x"][0]) and doc["arrays"]["loss"] == np.inf


def test_csv_rows_may_come_in_any_order():
    values = {"W1": np.arange(6.0).reshape(2, 3) / 7, "b1": np.array([0.5, -0.25])}
    lines = arrays_to_csv(values).splitlines()
    shuffled = "\n".join([lines[0], *reversed(lines[1:])])
    assert_same_bits(csv_to_arrays(shuffled), {"b1": values["b1"], "W1": values["W1"]})


# -- suffixes and failures --------------------------------------------------------------------
@pytest.mark.parametrize("name", ["snap.txt", "snap.npy", "snap"])
def test_unknown_suffix_is_refused_naming_the_supported_ones(tmp_path, name):
    net, trace = traces()["sample"]
    with pytest.raises(FormatError, match=r"\.npz, \.json, \.csv") as info:
        save_snapshot(tmp_path / name, net, trace)
    suffix = os.path.splitext(name)[1]
    if suffix:
        assert repr(suffix) in str(info.value)
    with pytest.raises(FormatError, match=r"\.npz, \.json, \.csv"):
        load_snapshot(tmp_path / name)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("suffix", FORMATS)
def test_failed_write_leaves_no_file_and_the_old_one_intact(tmp_path, monkeypatch, suffix):
    net, trace = traces()["sample"]
    old = tmp_path / f"old{suffix}"
    old.write_bytes(b"previous export")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    # fsync comes after every byte is written: the latest point a real write can fail
    monkeypatch.setattr(os, "fsync", disk_full)
    for path in (tmp_path / f"new{suffix}", old):
        with pytest.raises(OSError, match="No space left"):
            save_snapshot(path, net, trace)
    assert os.listdir(tmp_path) == [old.name]
    assert old.read_bytes() == b"previous export"


def test_trace_shapes_are_checked_against_the_network_in_npz(tmp_path):
    net, trace = traces()["sample"]
    arrays = snapshot_arrays(net, trace)
    arrays["W2"] = arrays["W2"][:, :2]
    np.savez(tmp_path / "s.npz", **arrays, network_json=np.array(network_to_json(net)))
    with pytest.raises(FormatError, match=r"^W2: expected shape \(3, 4\), got \(3, 2\)$"):
        load_snapshot(tmp_path / "s.npz")


# -- malformed snapshots ----------------------------------------------------------------------
def _write_npz(path, **arrays):
    np.savez(path, **arrays)


def _good_arrays():
    net, trace = traces()["sample"]
    return net, snapshot_arrays(net, trace)


def test_npz_without_the_network_text_is_refused(tmp_path):
    _, arrays = _good_arrays()
    _write_npz(tmp_path / "s.npz", **arrays)
    with pytest.raises(FormatError, match=r"^network_json: missing"):
        load_snapshot(tmp_path / "s.npz")


def test_npz_member_that_needs_pickle_is_refused_not_unpickled(tmp_path):
    _, arrays = _good_arrays()
    objects = np.array([{"evil": 1}], dtype=object)
    _write_npz(tmp_path / "s.npz", **arrays, junk=objects, network_json=np.array("{}"))
    with pytest.raises(FormatError, match=r"^junk: cannot be read without pickle"):
        load_snapshot(tmp_path / "s.npz")


def test_file_that_is_not_a_zip_is_not_an_npz(tmp_path):
    (tmp_path / "s.npz").write_text("array,i,j,value\n")
    with pytest.raises(FormatError, match=r"^not an \.npz archive"):
        load_snapshot(tmp_path / "s.npz")


def test_npz_with_a_broken_embedded_network_names_the_member(tmp_path):
    _, arrays = _good_arrays()
    _write_npz(tmp_path / "s.npz", **arrays, network_json=np.array('{"format": 1'))
    with pytest.raises(FormatError, match=r"^network_json: not valid JSON"):
        load_snapshot(tmp_path / "s.npz")


def test_network_file_opened_as_a_json_snapshot_says_what_it_is(tmp_path):
    (tmp_path / "n.json").write_text(network_to_json(network()))
    with pytest.raises(FormatError, match="this is a network file, not a gradient snapshot"):
        load_snapshot(tmp_path / "n.json")


def _json_snapshot(tmp_path, mutate):
    net, trace = traces()["sample"]
    save_snapshot(tmp_path / "s.json", net, trace)
    doc = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    mutate(doc)
    (tmp_path / "s.json").write_text(json.dumps(doc))
    return tmp_path / "s.json"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["arrays"].update(W9=[[1.0]]), r"^arrays\.W4: missing$"),
        (lambda d: d["arrays"].update(grad=[1.0]), r"^arrays\.grad: unknown array"),
        (lambda d: d["arrays"].pop("dW2"), r"^arrays\.dW2: missing$"),
        (lambda d: d["arrays"].update(z1=[1.0, 2.0]), r"^arrays\.z1: expected shape \(4,\)"),
        (lambda d: d["arrays"].update(x=["0.1", 1.0, 2.0]), r"^arrays\.x\[0\]: expected a number"),
        (lambda d: d["network"]["layers"][0].update(size=5), r"^network\.layers\[0\]\.weights:"),
        (lambda d: d.update(version=7), r"^version: 7 is not supported"),
        (lambda d: d.update(extra=1), r'^top level: unknown key "extra"'),
    ],
)
def test_malformed_json_snapshot_names_the_path(tmp_path, mutate, expected):
    path = _json_snapshot(tmp_path, mutate)
    with pytest.raises(FormatError, match=expected):
        load_snapshot(path)


def _csv(text: str) -> str:
    return "array,i,j,value\n" + text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x,0,value\n", r"^line 2: expected 4 fields"),
        ("x,0,,zero\n", r'^x: value "zero" is not a number$'),
        ("x,0,,1.0\nx,0,,2.0\n", r"^x: entry 0 appears twice$"),
        ("x,0,,1.0\nx,2,,2.0\n", r"^x: entry 2 lies outside the array$"),
        ("W1,0,0,1.0\nW1,1,1,2.0\nW1,0,1,3.0\n", r"^W1: 3 entries do not fill a 2 × 2 matrix"),
        ("W1,0,0,1.0\nW1,1,,2.0\n", r"^W1: rows mix different index columns"),
        ("x,-1,,1.0\n", r"^x: i = -1 is not an index ≥ 0$"),
        ("x,one,,1.0\n", r'^x: i = "one" is not an index ≥ 0$'),
        ("loss,,,1.0\nloss,,,2.0\n", r"^loss: a single value \(no i, j\) appears 2 times$"),
    ],
)
def test_malformed_csv_names_the_line_or_the_array(text, expected):
    with pytest.raises(FormatError, match=expected):
        csv_to_arrays(_csv(text))


def test_csv_with_the_wrong_header_is_refused(tmp_path):
    (tmp_path / "s.csv").write_text("name,row,col,value\nx,0,,1.0\n")
    with pytest.raises(FormatError, match=r'^line 1: expected the header "array,i,j,value"'):
        load_snapshot(tmp_path / "s.csv")


def test_csv_missing_a_whole_array_is_refused(tmp_path):
    _, arrays = _good_arrays()
    del arrays["db3"]
    (tmp_path / "s.csv").write_text(arrays_to_csv(arrays))
    with pytest.raises(FormatError, match=r"^db3: missing$"):
        load_snapshot(tmp_path / "s.csv")


def test_missing_snapshot_file_is_a_format_error(tmp_path):
    for suffix in FORMATS:
        with pytest.raises(FormatError, match=r"^no such file$"):
            load_snapshot(tmp_path / f"absent{suffix}")
