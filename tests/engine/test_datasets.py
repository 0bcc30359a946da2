"""The built-in data sets: shapes, determinism per seed, label balance, the clean geometry,
what noise does, and fitting them into a network (and its file)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visualizer.engine import datasets
from visualizer.engine.datasets import DATASETS, generate, with_dataset
from visualizer.engine.network import NetworkError, make_network
from visualizer.formats.network_file import load_network, save_network

CLASSIFICATION = [name for name, info in DATASETS.items() if info.classification]
REGRESSION = [name for name, info in DATASETS.items() if not info.classification]


def test_the_catalogue_has_the_four_2d_problems_and_the_two_curves() -> None:
    assert CLASSIFICATION == ["xor", "circles", "spirals", "blobs"]
    assert REGRESSION == ["sine", "step"]
    assert all(DATASETS[name].input_size == 2 for name in CLASSIFICATION)
    assert all(DATASETS[name].input_size == 1 for name in REGRESSION)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(list(DATASETS)),
    n=st.integers(2, 300),
    noise=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**40),
    two_outputs=st.booleans(),
)
def test_shapes_dtype_and_read_only_arrays(name, n, noise, seed, two_outputs) -> None:
    info = DATASETS[name]
    outputs = 2 if two_outputs and info.classification else 1
    data = generate(name, n, noise, seed, outputs)
    assert data.x.shape == (n, info.input_size) and data.y.shape == (n, outputs)
    assert data.x.dtype == data.y.dtype == np.float64
    assert not data.x.flags.writeable and not data.y.flags.writeable
    assert np.all(np.isfinite(data.x)) and np.all(np.isfinite(data.y))


@pytest.mark.parametrize("name", list(DATASETS))
def test_the_same_seed_gives_the_same_numbers_and_another_seed_others(name: str) -> None:
    a = generate(name, 50, 0.1, seed=7)
    assert a == generate(name, 50, 0.1, seed=7)  # bit for bit
    b = generate(name, 50, 0.1, seed=8)
    assert not np.array_equal(a.x, b.x)


@pytest.mark.parametrize("name", CLASSIFICATION)
@pytest.mark.parametrize("n", [2, 7, 200, 201])
def test_classes_are_balanced_and_labels_are_zero_or_one(name: str, n: int) -> None:
    y = generate(name, n, 0.3, seed=1).y[:, 0]
    assert set(np.unique(y).tolist()) <= {0.0, 1.0}
    assert int(np.sum(y == 0)) == math.ceil(n / 2)
    assert int(np.sum(y == 1)) == n // 2


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_two_outputs_get_one_hot_rows_of_the_same_labels(name: str) -> None:
    one = generate(name, 40, 0.2, seed=3, outputs=1)
    two = generate(name, 40, 0.2, seed=3, outputs=2)
    np.testing.assert_array_equal(two.x, one.x)
    np.testing.assert_array_equal(two.y.sum(axis=1), np.ones(40))
    np.testing.assert_array_equal(np.argmax(two.y, axis=1), one.y[:, 0])


# -- the clean geometry (noise 0) ----------------------------------------------------------
def test_clean_xor_points_sit_in_their_classes_quadrants_away_from_the_axes() -> None:
    data = datasets.xor(400, noise=0.0, seed=2)
    x, label = data.x, data.y[:, 0]
    assert np.all(np.abs(x) >= 0.05) and np.all(np.abs(x) <= 1.0)
    opposite_signs = np.sign(x[:, 0]) != np.sign(x[:, 1])
    np.testing.assert_array_equal(opposite_signs, label == 1)
    # All four quadrants are used.
    assert len({(a, b) for a, b in np.sign(x).tolist()}) == 4


def test_clean_circles_lie_exactly_on_radius_04_and_1() -> None:
    data = datasets.circles(300, noise=0.0, seed=0)
    radius = np.hypot(data.x[:, 0], data.x[:, 1])
    expected = np.where(data.y[:, 0] == 1, 0.4, 1.0)
    np.testing.assert_allclose(radius, expected, rtol=1e-14)


def test_clean_spirals_are_half_a_turn_apart() -> None:
    # A point of class 0 at (r, θ) has its class-1 twin at (r, θ + π): rotating class 1
    # by π gives points on class 0's curve r = 0.05 + 0.95·(θ mod 3π)/(3π).
    data = datasets.spirals(400, noise=0.0, seed=0)
    label = data.y[:, 0]
    x = np.where(label[:, None] == 1, -data.x, data.x)  # rotate class 1 by π
    radius = np.hypot(x[:, 0], x[:, 1])
    t = (radius - 0.05) / 0.95
    angle = 3 * np.pi * t
    np.testing.assert_allclose(x[:, 0], radius * np.cos(angle), atol=1e-12)
    np.testing.assert_allclose(x[:, 1], radius * np.sin(angle), atol=1e-12)
    assert radius.min() >= 0.05 - 1e-15 and radius.max() <= 1.0 + 1e-15


def test_clean_blobs_are_centred_on_their_class_centres() -> None:
    data = datasets.blobs(4000, noise=0.0, seed=0)
    for label, centre in ((0, [-0.5, -0.5]), (1, [0.5, 0.5])):
        points = data.x[data.y[:, 0] == label]
        np.testing.assert_allclose(points.mean(axis=0), centre, atol=0.02)
        np.testing.assert_allclose(points.std(axis=0), [0.2, 0.2], rtol=0.06)


def test_clean_curves_are_the_functions_on_sorted_inputs_in_minus_one_to_one() -> None:
    sine = datasets.sine(100, noise=0.0, seed=0)
    step = datasets.step(100, noise=0.0, seed=0)
    for data in (sine, step):
        x = data.x[:, 0]
        assert np.all(np.diff(x) >= 0) and x.min() >= -1.0 and x.max() <= 1.0
    np.testing.assert_array_equal(sine.y[:, 0], np.sin(np.pi * sine.x[:, 0]))
    np.testing.assert_array_equal(step.y[:, 0], (step.x[:, 0] > 0).astype(float))


# -- noise ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", CLASSIFICATION)
def test_noise_jitters_the_inputs_with_the_given_standard_deviation(name: str) -> None:
    clean = generate(name, 4000, 0.0, seed=4)
    noisy = generate(name, 4000, 0.25, seed=4)
    jitter = noisy.x - clean.x
    assert jitter.std() == pytest.approx(0.25, rel=0.05)
    assert abs(jitter.mean()) < 0.02
    np.testing.assert_array_equal(noisy.y, clean.y)  # labels never change


@pytest.mark.parametrize("name", REGRESSION)
def test_noise_jitters_the_targets_of_the_curves(name: str) -> None:
    clean = generate(name, 4000, 0.0, seed=4)
    noisy = generate(name, 4000, 0.3, seed=4)
    np.testing.assert_array_equal(noisy.x, clean.x)
    assert (noisy.y - clean.y).std() == pytest.approx(0.3, rel=0.05)


@pytest.mark.parametrize("name", list(DATASETS))
def test_more_noise_moves_each_point_further_along_the_same_direction(name: str) -> None:
    clean, small, big = (generate(name, 60, noise, seed=9) for noise in (0.0, 0.1, 0.3))
    small_jitter = np.concatenate([small.x - clean.x, small.y - clean.y], axis=1)
    big_jitter = np.concatenate([big.x - clean.x, big.y - clean.y], axis=1)
    np.testing.assert_allclose(big_jitter, 3.0 * small_jitter, atol=1e-12)
    assert np.any(small_jitter != 0)


def test_noise_mixes_the_circles_classes_only_when_it_is_large() -> None:
    def overlap(noise: float) -> float:
        data = datasets.circles(2000, noise=noise, seed=0)
        radius = np.hypot(data.x[:, 0], data.x[:, 1])
        return float(np.mean((radius < 0.7) != (data.y[:, 0] == 1)))

    assert overlap(0.0) == 0.0
    assert overlap(0.05) < 0.01
    assert overlap(0.3) > 0.1


# -- fitting a network ---------------------------------------------------------------------
def test_with_dataset_shapes_targets_for_the_networks_output_and_changes_nothing_else() -> None:
    network = make_network([2, 5, 2], ["tanh", "softmax"], "cross_entropy", name="two")
    fitted = with_dataset(network, "circles", n=30, noise=0.05, seed=2)
    assert fitted.dataset == datasets.circles(30, 0.05, 2, outputs=2)
    assert fitted.replace(dataset=None) == network


def test_a_generated_dataset_survives_the_network_file_bit_for_bit(tmp_path) -> None:
    network = with_dataset(make_network([2, 3, 1]), "spirals", n=25, noise=0.13, seed=5)
    path = tmp_path / "net.json"
    save_network(network, path)
    assert load_network(path) == network


@pytest.mark.parametrize(
    ("sizes", "name", "message"),
    [([2, 3, 1], "sine", "1 input"), ([1, 3, 1], "xor", "2 input"),
     ([2, 3, 3], "blobs", "1 or 2 output"), ([1, 3, 2], "step", "1 output")],
)  # fmt: skip
def test_with_dataset_says_why_a_network_does_not_fit(sizes, name, message) -> None:
    network = make_network(sizes)
    assert not DATASETS[name].fits(network)
    with pytest.raises(NetworkError, match=message):
        with_dataset(network, name)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"n": 1}, "samples"), ({"n": datasets.MAX_SAMPLES + 1}, "samples"), ({"n": 3.0}, "samples"),
     ({"noise": -0.1}, "noise"), ({"noise": float("nan")}, "noise"), ({"noise": "0.1"}, "noise"),
     ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"), ({"outputs": 3}, "output")],
)  # fmt: skip
def test_bad_arguments_are_refused_with_their_name(kwargs: dict, message: str) -> None:
    with pytest.raises(NetworkError, match=message):
        generate("xor", **kwargs)


def test_curves_only_have_targets_for_one_output() -> None:
    with pytest.raises(NetworkError, match="output"):
        generate("sine", outputs=2)


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(NetworkError, match="xor, circles, spirals, blobs, sine, step"):
        generate("moons")
