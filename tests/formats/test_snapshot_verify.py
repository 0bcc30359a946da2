"""Snapshots written from a network and opened again: the pass they record
(`snapshot_trace`), the bit-for-bit check against a fresh pass of their own network
(`verify_snapshot`, `open_snapshot`), and telling them from network files (`is_snapshot`).
All Qt-free: a script can verify a snapshot without the app."""

from __future__ import annotations

import json

import numpy as np
import pytest

from visualizer.engine import backprop
from visualizer.engine.network import Sample, make_network
from visualizer.formats.errors import FormatError
from visualizer.formats.network_file import load_network
from visualizer.formats.snapshot import (
    is_snapshot,
    load_snapshot,
    open_snapshot,
    snapshot_arrays,
    snapshot_trace,
    verify_snapshot,
    write_snapshot,
)
from visualizer.paths import EXAMPLES


@pytest.fixture
def xor():
    return load_network(EXAMPLES / "xor.json")  # has a sample and a dataset


def _bits(a) -> bytes:
    return np.ascontiguousarray(np.asarray(a, dtype=np.float64)).tobytes()


def _assert_same_bits(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for name in want:
        assert got[name].shape == want[name].shape, name
        assert _bits(got[name]) == _bits(want[name]), name


def _files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_snapshot_trace_is_the_sample_or_the_whole_dataset(xor):
    one = snapshot_trace(xor)
    assert not one.batched and _bits(one.x) == _bits(xor.sample.x)
    batch = snapshot_trace(xor, batch=True)
    assert batch.batched and _bits(batch.x) == _bits(xor.dataset.x)
    assert _bits(batch.dx) == _bits(backprop.run(xor, xor.dataset.x, xor.dataset.y).dx)


def test_verify_snapshot_gives_the_fresh_pass_and_how_far_it_is(tmp_path, xor):
    written = write_snapshot(tmp_path / "s.npz", xor)
    verified = verify_snapshot(tmp_path / "s.npz")
    assert verified.worst == 0.0 and not verified.batch
    _assert_same_bits(
        snapshot_arrays(verified.network, verified.trace), snapshot_arrays(xor, written)
    )
    assert verified.note().endswith("Recomputed here bit for bit.")


# -- round trips -----------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".npz", ".json", ".csv"])
@pytest.mark.parametrize("batch", [False, True], ids=["sample", "batch"])
def test_snapshot_round_trips_bit_for_bit(tmp_path, xor, suffix, batch):
    path = tmp_path / f"snap{suffix}"
    write_snapshot(path, xor, batch)
    if batch:
        fresh = backprop.run(xor, xor.dataset.x, xor.dataset.y)
    else:
        fresh = backprop.run(xor)
    _assert_same_bits(load_snapshot(path).arrays, snapshot_arrays(xor, fresh))
    if suffix == ".csv":
        return
    network, note = open_snapshot(path)
    assert [l.weights.tobytes() for l in network.layers] == [
        l.weights.tobytes() for l in xor.layers
    ]
    if batch:
        assert network == xor  # as it was, dataset and all
        assert "batch" in note.lower() and "4 samples" in note
        again = backprop.run(network, xor.dataset.x, xor.dataset.y)
    else:
        again = backprop.run(network)  # what the app computes on opening it
        assert "bit for bit" in note
    _assert_same_bits(load_snapshot(path).arrays, snapshot_arrays(network, again))


def test_opening_a_sample_snapshot_sets_the_sample_it_was_taken_on(tmp_path, xor):
    # No sample of its own: the snapshot is of the first dataset row; opening it makes
    # that the network's sample, so the app shows exactly the exported pass.
    network = xor.replace(sample=None)
    write_snapshot(tmp_path / "s.npz", network)
    opened, _note = open_snapshot(tmp_path / "s.npz")
    assert opened.sample == Sample(xor.dataset.x[0], xor.dataset.y[0])
    _assert_same_bits(
        load_snapshot(tmp_path / "s.npz").arrays, snapshot_arrays(opened, backprop.run(opened))
    )


def test_snapshot_of_a_big_network_round_trips(tmp_path):
    network = make_network([784, 256, 10], "relu", "half_squared_error")
    write_snapshot(tmp_path / "big.npz", network)
    opened, _ = open_snapshot(tmp_path / "big.npz")
    _assert_same_bits(
        load_snapshot(tmp_path / "big.npz").arrays, snapshot_arrays(opened, backprop.run(opened))
    )


def _edit_json(path, change) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize(
    ("where", "change"),
    [
        ("dx", lambda d: d["arrays"]["dx"].__setitem__(0, d["arrays"]["dx"][0] + 0.01)),
        ("loss", lambda d: d["arrays"].__setitem__("loss", d["arrays"]["loss"] * 1.001)),
        ("W1", lambda d: d["arrays"]["W1"][0].__setitem__(0, 0.123)),
        ("W1", lambda d: d["network"]["layers"][0]["weights"][0].__setitem__(0, 0.123)),
        ("z2", lambda d: d["arrays"]["z2"].__setitem__(0, float("nan"))),
    ],
    ids=["gradient", "loss", "array-weight", "network-weight", "nan"],
)
def test_a_hand_edited_snapshot_is_refused(tmp_path, xor, where, change):
    path = tmp_path / "snap.json"
    write_snapshot(path, xor)
    _edit_json(path, change)
    with pytest.raises(FormatError) as info:
        open_snapshot(path)
    assert info.value.path == where


def test_rounding_of_another_machine_is_accepted_and_said(tmp_path, xor):
    path = tmp_path / "snap.json"
    write_snapshot(path, xor)
    z = json.loads(path.read_text())["arrays"]["z1"][1]
    _edit_json(path, lambda d: d["arrays"]["z1"].__setitem__(1, float(np.nextafter(z, 1.0))))
    network, note = open_snapshot(path)
    assert network.sample == Sample(xor.sample.x, xor.sample.y)
    assert "not bit for bit" in note


def test_csv_snapshot_cannot_be_opened_and_says_why(tmp_path, xor):
    write_snapshot(tmp_path / "s.csv", xor)
    with pytest.raises(FormatError, match="CSV snapshot holds only the arrays"):
        open_snapshot(tmp_path / "s.csv")


def test_batch_export_needs_a_dataset(tmp_path):
    with pytest.raises(ValueError, match="no dataset"):
        write_snapshot(tmp_path / "s.npz", make_network([2, 2]), batch=True)
    assert _files(tmp_path) == []


def test_is_snapshot_tells_snapshots_from_network_files(tmp_path, xor):
    write_snapshot(tmp_path / "s.json", xor)
    assert is_snapshot(tmp_path / "s.json")
    assert not is_snapshot(EXAMPLES / "xor.json")
    assert is_snapshot(tmp_path / "any.npz") and is_snapshot(tmp_path / "t.csv")
