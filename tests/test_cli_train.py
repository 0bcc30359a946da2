"""`train` on the command line: optimisers, mini-batches and generated data sets, each
checked against the same training done by the engine directly — and one clean error line
for every bad combination of the new options."""

from __future__ import annotations

from pathlib import Path

import pytest

from visualizer.cli import main
from visualizer.engine import backprop, datasets
from visualizer.engine.network import InitSpec, Sample, make_network
from visualizer.engine.training import SGD, Adam, train
from visualizer.formats.network_file import load_network, save_network


def two_input_network(**fields):
    return make_network(
        [2, 6, 1], ["tanh", "sigmoid"], "binary_cross_entropy", InitSpec(seed=2),
        sample=Sample([0.5, -0.5], [1.0]), **fields,
    )  # fmt: skip


@pytest.fixture
def net_file(tmp_path: Path) -> Path:
    path = tmp_path / "net.json"
    save_network(two_input_network(), path)
    return path


def run(capsys, *argv: object) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_adam_on_minibatches_of_a_generated_dataset_is_the_engines_run(net_file, tmp_path, capsys):
    out = tmp_path / "trained.json"
    status, text, _ = run(
        capsys, "train", net_file, "--optimizer", "adam", "--lr", "0.02", "--steps", "60",
        "--dataset", "xor", "--samples", "40", "--noise", "0.05", "--seed", "3",
        "--batch-size", "8", "-o", out,
    )  # fmt: skip
    assert status == 0
    with_data = two_input_network(dataset=datasets.xor(40, 0.05, 3))
    expected = train(with_data, 60, Adam(0.02), batch_size=8, seed=3)
    trained = load_network(out)
    assert trained == expected.network  # bit for bit, data set included
    data = with_data.dataset
    lines = text.splitlines()
    assert lines[0] == f"loss before: {backprop.run(with_data, data.x, data.y).loss:.10g}"
    assert lines[1] == (
        f"loss after:  {expected.final_loss:.10g}  (60 steps, mini-batches of 8 from 40 "
        "examples, 5 steps per epoch)"
    )


@pytest.mark.parametrize(
    ("options", "optimizer"),
    [([], SGD(0.3)), (["--momentum", "0.5"], SGD(0.3, 0.5)),
     (["--optimizer", "momentum"], SGD(0.3, 0.9)),
     (["--optimizer", "momentum", "--momentum", "0.7"], SGD(0.3, 0.7)),
     (["--optimizer", "sgd"], SGD(0.3)), (["--optimizer", "adam"], Adam(0.3))],
)  # fmt: skip
def test_each_optimizer_option_trains_like_the_engine(net_file, tmp_path, capsys, options,
                                                      optimizer):  # fmt: skip
    out = tmp_path / "trained.json"
    status, _, _ = run(capsys, "train", net_file, "--lr", "0.3", "--steps", "20", *options,
                       "-o", out)  # fmt: skip
    assert status == 0
    assert load_network(out) == train(two_input_network(), 20, optimizer).network


def test_full_batch_over_a_generated_dataset(net_file, tmp_path, capsys):
    out = tmp_path / "trained.json"
    status, text, _ = run(capsys, "train", net_file, "--lr", "0.5", "--steps", "30",
                          "--dataset", "circles", "--batch", "-o", out)  # fmt: skip
    assert status == 0
    with_data = two_input_network(dataset=datasets.circles())  # the defaults: 200, 0.1, 0
    assert load_network(out) == train(with_data, 30, SGD(0.5), batch=True).network
    assert "(30 steps, full batch of 200 examples)" in text


def test_a_batch_size_beyond_the_dataset_is_full_batch(net_file, tmp_path, capsys):
    out = tmp_path / "trained.json"
    status, text, _ = run(capsys, "train", net_file, "--lr", "0.5", "--steps", "5",
                          "--dataset", "blobs", "--samples", "10", "--batch-size", "64",
                          "-o", out)  # fmt: skip
    assert status == 0
    with_data = two_input_network(dataset=datasets.blobs(10))
    assert load_network(out) == train(with_data, 5, SGD(0.5), batch=True).network
    assert "full batch of 10 examples: --batch-size 64 >= 10" in text


def test_a_generated_dataset_without_batch_options_trains_on_the_sample_and_says_so(
    net_file, tmp_path, capsys
):
    out = tmp_path / "trained.json"
    status, text, err = run(capsys, "train", net_file, "--lr", "0.5", "--steps", "5",
                            "--dataset", "spirals", "-o", out)  # fmt: skip
    assert status == 0
    assert err.startswith("note: training on the network's sample")
    with_data = two_input_network(dataset=datasets.spirals())
    assert load_network(out) == train(with_data, 5, SGD(0.5)).network
    assert "on the sample" in text


def test_a_regression_network_learns_the_sine_curve(tmp_path, capsys):
    path, out = tmp_path / "fit.json", tmp_path / "fitted.json"
    save_network(make_network([1, 12, 1], ["tanh", "identity"], "mean_squared_error",
                              InitSpec(seed=0)), path)  # fmt: skip
    status, text, _ = run(capsys, "train", path, "--dataset", "sine", "--noise", "0",
                          "--optimizer", "adam", "--lr", "0.02", "--batch-size", "16",
                          "--steps", "1500", "-o", out)  # fmt: skip
    assert status == 0
    fitted = load_network(out)
    data = fitted.dataset
    assert backprop.run(fitted, data.x, data.y).loss < 0.01  # mean squared error vs sin(πx)
    assert "steps per epoch" in text


def test_help_lists_the_new_options(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    for option in ("--optimizer", "--batch-size", "--dataset", "--noise", "--seed", "--samples"):
        assert option in text
    for name in datasets.DATASETS:
        assert name in text


def test_an_unknown_dataset_is_refused_by_the_parser(net_file, tmp_path, capsys):
    status = None
    with pytest.raises(SystemExit) as exit_info:
        status = main(["train", str(net_file), "--lr", "1", "--steps", "1", "--dataset",
                       "moons", "-o", str(tmp_path / "t.json")])  # fmt: skip
    assert status is None and exit_info.value.code == 2
    assert "invalid choice: 'moons'" in capsys.readouterr().err


def bad_cases(net: str, tmp_path: Path) -> dict[str, list[str]]:
    no_data = tmp_path / "plain.json"
    save_network(two_input_network(), no_data)
    one_input = tmp_path / "one_input.json"
    save_network(make_network([1, 3, 1]), one_input)
    out = str(tmp_path / "t.json")
    base = ["train", net, "--lr", "0.1", "--steps", "3", "-o", out]
    return {
        "batch and batch size": [*base, "--dataset", "xor", "--batch", "--batch-size", "4"],
        "batch size 0": [*base, "--dataset", "xor", "--batch-size", "0"],
        "batch size negative": [*base, "--dataset", "xor", "--batch-size", "-3"],
        "batch size without dataset": [*base, "--batch-size", "4"],
        "noise without dataset": [*base, "--noise", "0.2"],
        "samples without dataset": [*base, "--samples", "50"],
        "negative noise": [*base, "--dataset", "xor", "--noise", "-1"],
        "NaN noise": [*base, "--dataset", "xor", "--noise", "nan"],
        "one sample": [*base, "--dataset", "xor", "--samples", "1"],
        "too many samples": [*base, "--dataset", "xor", "--samples", "100001"],
        "negative seed": [*base, "--dataset", "xor", "--seed", "-1"],
        "dataset does not fit": ["train", str(one_input), "--lr", "0.1", "--steps", "3",
                                 "--dataset", "circles", "-o", out],
        "adam with momentum": [*base, "--optimizer", "adam", "--momentum", "0.9"],
        "momentum out of range": [*base, "--optimizer", "momentum", "--momentum", "1.5"],
        "adam lr zero": ["train", net, "--lr", "0", "--steps", "3", "--optimizer", "adam",
                         "-o", out],
    }  # fmt: skip


def test_every_bad_combination_is_one_error_line_with_exit_2_and_no_file(
    net_file, tmp_path, capsys
):
    failures = []
    for name, argv in bad_cases(str(net_file), tmp_path).items():
        before = sorted(p.name for p in tmp_path.iterdir())
        status, out, err = run(capsys, *argv)
        lines = err.splitlines()
        ok = status == 2 and len(lines) == 1 and lines[0].startswith("error: ") and out == ""
        if not ok or sorted(p.name for p in tmp_path.iterdir()) != before:
            failures.append((name, status, out, err))
    assert failures == []
