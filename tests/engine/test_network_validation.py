"""Network validation: every broken rule raises NetworkError with a message that says where.

A Layer on its own does not know its number, so its own errors name the array ("weights",
"biases") or the activation; everything that places layers in a network (Network itself,
make_network) names the layer."""

from __future__ import annotations

import numpy as np
import pytest

from visualizer.engine.limits import MAX_LAYER_SIZE, MAX_LAYERS, MAX_PARAMETERS
from visualizer.engine.network import (
    Dataset,
    InitSpec,
    Layer,
    Network,
    NetworkError,
    Sample,
    adopted_array,
    check_sizes,
    make_network,
    parameter_count,
)


def two_layers(**changes) -> Network:
    return make_network([2, 3, 1], ["tanh", "sigmoid"], **changes)


def test_network_error_is_a_value_error() -> None:
    assert issubclass(NetworkError, ValueError)


def test_weights_that_do_not_chain_name_the_layer() -> None:
    first = Layer(np.zeros((3, 2)), np.zeros(3), "relu")
    second = Layer(np.zeros((1, 4)), np.zeros(1), "identity")
    expected = r"layer 2: weights have shape \(1, 4\), expected \(1, 3\)"
    with pytest.raises(NetworkError, match=expected):
        Network(2, (first, second), "half_squared_error")


def test_first_layer_must_match_the_input_size() -> None:
    with pytest.raises(NetworkError, match=r"layer 1: .*expected \(3, 5\)"):
        Network(5, (Layer(np.zeros((3, 2)), np.zeros(3), "relu"),), "half_squared_error")


def test_biases_of_the_wrong_length_are_refused() -> None:
    with pytest.raises(NetworkError, match="biases: length 2, expected 3"):
        Layer(np.zeros((3, 2)), np.zeros(2), "relu")


def test_weights_must_be_a_matrix() -> None:
    with pytest.raises(NetworkError, match="weights: expected 2-D array"):
        Layer(np.zeros(3), np.zeros(3), "relu")
    with pytest.raises(NetworkError, match="weights: not an array of numbers"):
        Layer([["a", "b"]], [0.0], "relu")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_parameters_are_refused(bad: float) -> None:
    weights = np.ones((2, 2))
    weights[1, 0] = bad
    with pytest.raises(NetworkError, match="weights: contains NaN or infinity"):
        Layer(weights, np.zeros(2), "relu")
    with pytest.raises(NetworkError, match="biases: contains NaN or infinity"):
        Layer(np.ones((2, 2)), [0.0, bad], "relu")


def test_non_finite_sample_or_dataset_is_refused() -> None:
    with pytest.raises(NetworkError, match=r"^x: contains NaN"):
        Sample([0.0, np.nan], [1.0])
    with pytest.raises(NetworkError, match=r"dataset\.y: contains NaN"):
        Dataset([[0.0, 1.0]], [[np.inf]])


def test_unknown_activation_names_the_layer_and_the_known_ones() -> None:
    with pytest.raises(NetworkError, match=r"layer 2: unknown activation 'swish'.*known: identity"):
        make_network([2, 3, 1], ["tanh", "swish"])
    with pytest.raises(NetworkError, match="unknown activation 'swish'"):
        Layer(np.zeros((1, 1)), np.zeros(1), "swish")


def test_unknown_loss_and_init_scheme_are_refused() -> None:
    with pytest.raises(NetworkError, match="unknown loss 'hinge'"):
        two_layers(loss="hinge")
    with pytest.raises(NetworkError, match="unknown init scheme 'orthogonal'"):
        InitSpec(scheme="orthogonal")
    with pytest.raises(NetworkError, match="init range"):
        InitSpec(scheme="uniform", low=1.0, high=-1.0)


def test_layer_size_limit_names_the_layer() -> None:
    with pytest.raises(NetworkError, match=f"layer 2: {MAX_LAYER_SIZE + 1} neurons, at most"):
        check_sizes([2, 3, MAX_LAYER_SIZE + 1])
    with pytest.raises(NetworkError, match="input: "):
        check_sizes([MAX_LAYER_SIZE + 1, 2])


def test_sizes_must_be_whole_and_positive_naming_the_layer() -> None:
    with pytest.raises(NetworkError, match="layer 1: size must be a whole number"):
        make_network([2, 0, 1])
    with pytest.raises(NetworkError, match="layer 2: size must be a whole number"):
        check_sizes([2, 3, 1.5])


def test_layer_count_limit() -> None:
    check_sizes([1] * (MAX_LAYERS + 1))  # exactly MAX_LAYERS layers is fine
    with pytest.raises(NetworkError, match=f"{MAX_LAYERS + 1} layers: at most {MAX_LAYERS}"):
        check_sizes([1] * (MAX_LAYERS + 2))
    with pytest.raises(NetworkError, match="at least one layer"):
        Network(2, (), "half_squared_error")


def test_parameter_limit() -> None:
    sizes = [MAX_LAYER_SIZE, MAX_LAYER_SIZE, 2]
    assert parameter_count(sizes) > MAX_PARAMETERS
    with pytest.raises(NetworkError, match=f"at most {MAX_PARAMETERS:,} are allowed"):
        check_sizes(sizes)


def test_parameter_count_counts_weights_and_biases() -> None:
    # [2, 3, 1]: W¹ 3×2 + b¹ 3 + W² 1×3 + b² 1 = 6 + 3 + 3 + 1
    assert parameter_count([2, 3, 1]) == 13
    assert two_layers().parameter_count == 13


def test_sample_and_dataset_must_fit_the_network() -> None:
    with pytest.raises(NetworkError, match=r"sample\.x: length 3, expected 2"):
        two_layers(sample=Sample([1.0, 2.0, 3.0], [0.0]))
    with pytest.raises(NetworkError, match=r"sample\.y: length 2, expected 1"):
        two_layers(sample=Sample([1.0, 2.0], [0.0, 1.0]))
    with pytest.raises(NetworkError, match=r"dataset\.x: rows of 3, expected 2"):
        two_layers(dataset=Dataset(np.zeros((4, 3)), np.zeros((4, 1))))
    with pytest.raises(NetworkError, match="dataset: 4 inputs but 3 targets"):
        Dataset(np.zeros((4, 2)), np.zeros((3, 1)))


def test_replace_validates_the_copy() -> None:
    net = two_layers()
    with pytest.raises(NetworkError, match="layer 1"):
        net.replace(input_size=5)


def test_arrays_are_read_only_float64_copies() -> None:
    weights = np.array([[1, 2]])  # ints on purpose
    layer = Layer(weights, [0], "relu")
    assert layer.weights.dtype == np.float64 and not layer.weights.flags.writeable
    weights[0, 0] = 99  # the caller's array is not shared
    assert layer.weights[0, 0] == 1.0
    with pytest.raises(ValueError):
        layer.weights[0, 0] = 5.0


def test_an_adopted_array_is_kept_not_copied() -> None:
    weights, biases = np.array([[1.0, 2.0]]), np.array([0.5])
    kept = adopted_array(weights, "weights", 2)
    assert kept is weights and not weights.flags.writeable
    layer = Layer(kept, adopted_array(biases, "biases", 1), "relu")
    assert layer.weights is weights and layer.biases is biases
    # a layer made from another's arrays (an edit of one bias, say) shares the rest
    assert Layer(layer.weights, [0.0], "tanh").weights is weights


def test_read_only_arrays_views_and_other_dtypes_are_copied_even_when_adopted() -> None:
    mine = np.array([[1.0, 2.0]])
    mine.setflags(write=False)  # read-only, but not made by the network module
    assert Layer(mine, [0.0], "relu").weights is not mine
    base = np.array([[1.0, 2.0], [3.0, 4.0]])
    view = adopted_array(base[:1], "weights", 2)  # a view: its base stays the caller's
    assert view is not base[:1] and view.base is None
    base[0, 0] = 99.0
    assert view[0, 0] == 1.0
    swapped = adopted_array(np.array([[1.0, 2.0]], dtype=">f8"), "weights", 2)
    assert swapped.dtype == np.float64 and swapped.dtype.isnative
    assert swapped.tolist() == [[1.0, 2.0]] and not swapped.flags.writeable


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_an_adopted_array_is_checked_like_a_copy(bad: float) -> None:
    with pytest.raises(NetworkError, match="weights: contains NaN or infinity"):
        adopted_array(np.array([[1.0, bad]]), "weights", 2)
    with pytest.raises(NetworkError, match="biases: expected 1-D array"):
        adopted_array(np.array([[1.0]]), "biases", 1)


def test_equality_is_bit_for_bit() -> None:
    assert two_layers() == two_layers()
    layer = two_layers().layers[0]
    nudged = Layer(np.nextafter(layer.weights, np.inf), layer.biases, layer.activation)
    assert two_layers().replace(layers=(nudged, two_layers().layers[1])) != two_layers()


def test_make_network_is_reproducible_from_its_seed() -> None:
    spec = InitSpec("he_normal", seed=4)
    assert make_network([3, 5, 2], "relu", init=spec) == make_network([3, 5, 2], "relu", init=spec)
    other = make_network([3, 5, 2], "relu", init=InitSpec("he_normal", seed=5))
    assert other != make_network([3, 5, 2], "relu", init=spec)
