"""The command line: every command on real network files, and one clean `error:` line for
every kind of bad input.

A few tests run `python -m visualizer` in a subprocess (the real entry point, its exit status
and streams); the many error cases call `main([...])` in-process, which is much faster.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from visualizer import __version__, cli
from visualizer.cli import COMMAND_NAMES, Progress, main
from visualizer.engine import backprop, gradcheck
from visualizer.engine.chain import chain_forms
from visualizer.engine.network import Dataset, InitSpec, Layer, Network, Sample, make_network
from visualizer.engine.training import SGD, train
from visualizer.formats.network_file import load_network, save_network
from visualizer.formats.snapshot import load_snapshot, snapshot_arrays

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "networks"


def tiny_network(**fields):
    """[2, 3, 2] tanh → sigmoid, half squared error, with a sample and a 4-example dataset."""
    defaults = dict(
        name="tiny",
        sample=Sample([1.0, 0.0], [1.0, 0.0]),
        dataset=Dataset(
            [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
            [[0.0, 1.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]],
        ),
    )
    defaults.update(fields)
    return make_network(
        [2, 3, 2], ["tanh", "sigmoid"], "half_squared_error", InitSpec(seed=3), **defaults
    )


@pytest.fixture
def net_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.json"
    save_network(tiny_network(), path)
    return path


def run_cli(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "visualizer", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        cwd=cwd,
        check=False,
    )


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


# -- through the real entry point ------------------------------------------------------------
def test_version_prints_the_package_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"backprop-visualizer {__version__}"


def test_help_lists_every_command_with_a_description_and_an_example():
    result = run_cli("--help")
    assert result.returncode == 0
    for name in COMMAND_NAMES:
        assert re.search(rf"^  {name} +\S", result.stdout, re.MULTILINE), name
        assert f"e.g. backprop-visualizer {name} " in result.stdout, name
    assert "e.g. backprop-visualizer assets/networks/xor.json" in result.stdout  # the GUI


def test_export_npz_holds_exactly_the_engines_values(net_file: Path, tmp_path: Path):
    out = tmp_path / "snap.npz"
    result = run_cli("export", net_file, "-o", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}")
    assert result.stderr == ""

    network = load_network(net_file)
    expected = snapshot_arrays(network, backprop.run(network))
    with np.load(out, allow_pickle=False) as data:
        extra = ("network", "snapshot_version")  # the description and the format version
        stored = {name: data[name] for name in data.files if name not in extra}
    assert stored.keys() == expected.keys()
    for name, arr in expected.items():
        assert same_bits(stored[name], arr), name


def test_check_passes_on_the_engine_with_a_row_per_array(net_file: Path):
    result = run_cli("check", net_file)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("full check: every entry (19 in all)")
    rows = {line.split()[0]: line for line in lines[2:-1]}
    assert list(rows) == ["W1", "b1", "W2", "b2", "x"]
    assert "(3, 2)" in rows["W1"] and "(2,)" in rows["b2"]
    assert all(line.rstrip().endswith("ok") for line in rows.values())
    assert lines[-1].startswith("PASS")


def test_train_lowers_the_loss_and_writes_the_trained_network(net_file: Path, tmp_path: Path):
    out = tmp_path / "trained.json"
    result = run_cli("train", net_file, "--steps", 200, "--lr", 0.5, "-o", out)
    assert result.returncode == 0, result.stderr
    before = float(re.search(r"loss before: (\S+)", result.stdout).group(1))
    after = float(re.search(r"loss after: +(\S+)", result.stdout).group(1))
    assert after < before

    network = load_network(net_file)
    expected = train(network, 200, SGD(0.5)).network
    assert load_network(out) == expected  # bit for bit: the file is the trained network
    assert before == pytest.approx(backprop.run(network).loss, rel=1e-9)  # 10 digits shown


def test_chain_shows_three_equal_forms_and_the_cost_of_each_order(tmp_path: Path):
    path = tmp_path / "deep.json"
    network = make_network(
        [4, 5, 3, 2], ["tanh", "sigmoid", "softmax"], "cross_entropy", InitSpec(seed=1),
        sample=Sample([0.5, -1.0, 2.0, 0.0], [0.0, 1.0]),
    )  # fmt: skip
    save_network(network, path)
    result = run_cli("chain", path)
    assert result.returncode == 0, result.stderr
    expected = chain_forms(network)

    rows = [line.split() for line in result.stdout.splitlines() if re.match(r"^\s*\d+\s", line)]
    assert [int(row[0]) for row in rows] == [1, 2, 3, 4]
    values = np.array([[float(v) for v in row[1:]] for row in rows])
    for column, form in enumerate((expected.derivative_row, expected.derivative_full)):
        np.testing.assert_allclose(values[:, column], form, rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(values[:, 2], expected.gradient, rtol=1e-5, atol=1e-12)

    costs = {
        label: [
            int(v) for v in re.search(rf"^{label} .* (\d+) +(\d+)$", result.stdout, re.M).groups()
        ]
        for label in ("row vector", "full Jacobians", "gradient form")
    }
    # [4, 5, 3, 2] tanh, sigmoid, softmax: from the loss end (5 + 20) + (3 + 15) + (2² + 2·3)
    # = 53; from the input end 4·(5 + 3·5 + 3 + 2·3 + 2² + 2) = 140; all dense 79 and 244.
    assert costs == {
        "row vector": [expected.mults_derivative_row, 79],
        "full Jacobians": [expected.mults_derivative_full, 244],
        "gradient form": [expected.mults_gradient, 79],
    }
    assert (expected.mults_derivative_row, expected.mults_derivative_full) == (53, 140)
    assert "= (2^2 + 2*3) + (3 + 3*5) + (5 + 5*4) = 53" in result.stdout
    assert "= 4*(5 + 3*5 + 3 + 2*3 + 2^2 + 2) = 140" in result.stdout
    assert "ratio input end / loss end: 2.64" in result.stdout
    difference = float(re.search(r"max difference between forms.*: (\S+)", result.stdout)[1])
    assert difference < 1e-12


def test_info_shows_layers_parameter_count_and_loss(net_file: Path):
    result = run_cli("info", net_file)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "name:        tiny" in text
    assert re.search(r"^\s+1\s+tanh\s+3\s+9$", text, re.MULTILINE)
    assert re.search(r"^\s+2\s+sigmoid\s+2\s+8$", text, re.MULTILINE)
    assert "parameters:  17" in text
    loss = float(re.search(r"loss on the sample: (\S+)", text).group(1))
    assert loss == pytest.approx(backprop.run(tiny_network()).loss, rel=1e-9)


def test_malformed_file_exits_2_with_one_error_line_and_no_traceback(tmp_path: Path):
    path = tmp_path / "broken.json"
    path.write_text('{"input_size": 2, "layers": [', encoding="utf-8")
    result = run_cli("info", path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"error: {path}: ")
    assert "Traceback" not in result.stderr


def test_headless_commands_never_import_qt(net_file: Path, tmp_path: Path):
    code = (
        "import sys\n"
        "from visualizer.cli import main\n"
        f"assert main(['info', {str(net_file)!r}]) == 0\n"
        f"assert main(['export', {str(net_file)!r}, '-o', {str(tmp_path / 's.json')!r}]) == 0\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"


# -- export ------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_export_writes_the_format_its_suffix_names(net_file, tmp_path, capsys, suffix):
    out = tmp_path / f"snap{suffix}"
    assert main(["export", str(net_file), "-o", str(out)]) == 0
    network = load_network(net_file)
    expected = snapshot_arrays(network, backprop.run(network))
    arrays = load_snapshot(out).arrays
    assert all(same_bits(arrays[name], arr) for name, arr in expected.items())
    assert capsys.readouterr().out == f"wrote {out} (one sample, loss {expected['loss']:.10g})\n"


def test_export_x_and_y_override_the_sample_even_when_negative(net_file, tmp_path):
    out = tmp_path / "snap.npz"
    assert main(["export", str(net_file), "-o", str(out), "--x", "-1,0.25", "--y", "0, 1"]) == 0
    snapshot = load_snapshot(out)
    x, y = np.array([-1.0, 0.25]), np.array([0.0, 1.0])
    assert same_bits(snapshot.arrays["x"], x) and same_bits(snapshot.arrays["y"], y)
    assert same_bits(snapshot.arrays["dx"], backprop.run(tiny_network(), x, y).dx)
    assert snapshot.network.sample == Sample(x, y)  # the file says which sample it shows


def test_export_batch_runs_the_whole_dataset(net_file, tmp_path, capsys):
    out = tmp_path / "batch.npz"
    assert main(["export", str(net_file), "-o", str(out), "--batch"]) == 0
    dataset = tiny_network().dataset
    expected = backprop.run(tiny_network(), dataset.x, dataset.y)
    arrays = load_snapshot(out).arrays
    assert arrays["x"].shape == (4, 2)
    assert same_bits(arrays["dW1"], expected.dW[0])
    assert same_bits(arrays["delta2"], expected.delta[1])
    assert "a batch of 4" in capsys.readouterr().out


# -- check -------------------------------------------------------------------------------------
def test_check_fails_with_exit_1_when_the_engine_gradient_is_wrong(net_file, capsys, monkeypatch):
    real_run = backprop.run

    def wrong_run(network, x=None, y=None):
        trace = real_run(network, x, y)
        return dataclasses.replace(trace, dW=(trace.dW[0] * 1.001, *trace.dW[1:]))

    monkeypatch.setattr(backprop, "run", wrong_run)
    assert main(["check", str(net_file)]) == 1
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines()[2:-1]}
    assert rows["W1"].endswith("FAIL") and rows["b1"].endswith("ok")
    assert out.splitlines()[-1].startswith("FAIL: 1 of 5") and "W1" in out.splitlines()[-1]


def test_check_rtol_decides_the_verdict(net_file, capsys):
    # Central differences are good to ~1e-9 here, never to 1e-15.
    assert main(["check", str(net_file), "--rtol", "1e-15"]) == 1
    assert capsys.readouterr().out.splitlines()[-1].startswith("FAIL")
    assert main(["check", str(net_file), "--rtol", "1e-6", "--eps", "1e-5"]) == 0


def test_check_goes_fast_above_its_limit_says_so_and_full_forces_every_entry(
    tmp_path, capsys, monkeypatch
):
    path = tmp_path / "wide.json"
    save_network(make_network([20, 30, 4], "tanh", sample=Sample([0.1] * 20, [0.5] * 4)), path)
    monkeypatch.setattr(gradcheck, "FAST_ABOVE", 100)  # the network has 754 parameters
    assert main(["check", str(path), "--seed", "7"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("fast check: 4 random directions per array and ")
    assert "(seed 7); 754 parameters > 100, --full checks every entry" in first
    assert main(["check", str(path), "--full"]) == 0
    assert capsys.readouterr().out.startswith("full check: every entry (774 in all)")
    with pytest.raises(SystemExit) as exit_info:  # argparse: not both
        main(["check", str(path), "--fast", "--full"])
    assert exit_info.value.code == 2
    assert main(["check", str(path), "--seed", "-1"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "error: --seed: must be a whole number ≥ 0, got -1"
    )


def test_fast_check_with_a_seed_repeats_and_catches_a_wrong_gradient(tmp_path, capsys, monkeypatch):
    path = tmp_path / "wide.json"
    save_network(make_network([20, 30, 4], "tanh", sample=Sample([0.1] * 20, [0.5] * 4)), path)
    assert main(["check", str(path), "--fast", "--seed", "3"]) == 0
    first = capsys.readouterr().out
    assert main(["check", str(path), "--fast", "--seed", "3"]) == 0
    assert capsys.readouterr().out == first
    real_run = backprop.run

    def wrong_run(network, x=None, y=None):
        trace = real_run(network, x, y)
        return dataclasses.replace(trace, db=(trace.db[0], trace.db[1] * 1.001))

    monkeypatch.setattr(backprop, "run", wrong_run)
    assert main(["check", str(path), "--fast"]) == 1
    assert capsys.readouterr().out.splitlines()[-1].startswith("FAIL: 1 of 5")


def test_check_multiplies_on_one_blas_thread_and_gives_the_others_back(net_file, monkeypatch):
    """Its many small products wait for a second core on a busy machine (2.6–9 s instead of
    0.5 s for 3.7M parameters): `check` limits BLAS to one thread for the check only."""
    from threadpoolctl import threadpool_info

    def blas_threads() -> list[int]:
        return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

    before = blas_threads()
    during: list[list[int]] = []
    real_check = gradcheck.gradient_check

    def recording_check(*args, **kwargs):
        during.append(blas_threads())
        return real_check(*args, **kwargs)

    monkeypatch.setattr(gradcheck, "gradient_check", recording_check)
    assert main(["check", str(net_file)]) == 0
    assert during and during[0] and set(during[0]) == {1}
    assert blas_threads() == before


# -- train -------------------------------------------------------------------------------------
def test_train_batch_with_momentum_trains_on_the_dataset(net_file, tmp_path, capsys):
    out = tmp_path / "trained.json"
    args = ["train", str(net_file), "--steps", "50", "--lr", "1", "--momentum", "0.9", "--batch"]
    assert main([*args, "-o", str(out)]) == 0
    expected = train(tiny_network(), 50, SGD(1.0, 0.9), batch=True)
    assert load_network(out) == expected.network
    text = capsys.readouterr().out
    assert f"loss after:  {expected.final_loss:.10g}" in text and "full batch of 4" in text


def test_train_that_diverges_is_one_error_line_and_writes_nothing(tmp_path, capsys):
    path, out = tmp_path / "net.json", tmp_path / "out.json"
    network = make_network([2, 4, 1], "identity", "half_squared_error", InitSpec(seed=0),
                           sample=Sample([3.0, -2.0], [1.0]))  # fmt: skip
    save_network(network, path)
    assert main(["train", str(path), "--steps", "500", "--lr", "1e6", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: training diverged") and len(err.splitlines()) == 1
    assert not out.exists()


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class TtyBuffer(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_off_a_terminal_is_a_line_per_tenth_at_most_ten_per_second():
    clock, stream = FakeClock(), io.StringIO()
    progress = Progress(1000, stream, clock=clock)
    for step in range(1, 1001):
        clock.now = step * 0.001  # 1 s in all: throttling allows ~10 updates
        progress.update(step, 1.0 / step)
    progress.finish()
    lines = stream.getvalue().splitlines()
    percents = [int(re.search(r"\((\d+)%\)", line)[1]) for line in lines]
    assert 8 <= len(lines) <= 10
    assert percents == sorted(set(percents)) and percents[-1] == 100
    assert all(line.startswith("train: step ") for line in lines)


def test_progress_is_silent_for_short_runs():
    clock, stream = FakeClock(), io.StringIO()
    progress = Progress(100, stream, clock=clock)
    for step in range(1, 101):
        clock.now = step * 0.0005  # 50 ms in all
        progress.update(step, 0.5)
    progress.finish()
    assert stream.getvalue() == ""


def test_progress_on_a_terminal_rewrites_one_line_then_ends_it():
    clock, stream = FakeClock(), TtyBuffer()
    progress = Progress(100, stream, clock=clock)
    for step in range(1, 101):
        clock.now = step * 0.01
        progress.update(step, 0.5)
    progress.finish()
    text = stream.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")
    assert 8 <= text.count("\r") <= 11  # one second: at most ten updates, then the last step
    assert text.rstrip().endswith("step 100/100 (100%), loss 0.5")


# -- info and chain options ------------------------------------------------------------------
def test_info_on_every_example_network(capsys):
    for path in sorted(ASSETS.glob("*.json")):
        assert main(["info", str(path)]) == 0, path
        network = load_network(path)
        assert f"parameters:  {network.parameter_count}" in capsys.readouterr().out


def test_chain_json_holds_every_figure(tmp_path, capsys):
    path = tmp_path / "net.json"
    network = make_network([2, 4, 3, 2], ["tanh", "sigmoid", "softmax"], "cross_entropy")
    save_network(network, path)
    assert main(["chain", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = chain_forms(network)
    np.testing.assert_array_equal(data["dC_dx"]["gradient_form"], expected.gradient)
    np.testing.assert_array_equal(data["dC_dx"]["backprop"], expected.backprop_dx)
    costs = data["costs"]
    assert (costs["loss_end"], costs["input_end"]) == (37, 62)
    assert (costs["loss_end_dense"], costs["input_end_dense"]) == (55, 98)
    assert costs["ratio"] == pytest.approx(62 / 37)
    assert costs["input_end_terms"] == "2·(4 + 3·4 + 3 + 2·3 + 2² + 2)"
    assert data["full_jacobian"] == [False, False, True]
    assert [s["mults"] for s in data["steps"]["gradient_form"]] == [4, 6, 3, 12, 4, 8]
    assert sum(s["mults"] for s in data["steps"]["input_end"]) == 62


def test_chain_lists_20_inputs_unless_all(tmp_path, capsys):
    path = tmp_path / "wide.json"
    save_network(make_network([25, 3, 1], "tanh", "half_squared_error"), path)
    assert main(["chain", str(path)]) == 0
    assert "... 5 more rows (use --all" in capsys.readouterr().out
    assert main(["chain", str(path), "--all"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^25\s", out, re.MULTILINE) and "more rows" not in out


# -- bad input: exit 2 and exactly one `error:` line -----------------------------------------
def bad_cases(tmp_path: Path, net_file: Path) -> dict[str, list[str]]:
    net, out = str(net_file), str(tmp_path / "out.npz")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    wrong_shape = tmp_path / "wrong_shape.json"
    doc = json.loads(net_file.read_text(encoding="utf-8"))
    doc["layers"][0]["weights"] = doc["layers"][0]["weights"][:2]
    wrong_shape.write_text(json.dumps(doc), encoding="utf-8")
    no_dataset = tmp_path / "no_dataset.json"
    save_network(tiny_network(dataset=None), no_dataset)
    a_file = tmp_path / "plain_file"
    a_file.write_text("x", encoding="utf-8")
    trained = str(tmp_path / "trained.json")
    train_args = ["train", net, "--steps", "10", "--lr", "0.1", "-o", trained]
    return {
        "missing file": ["info", str(tmp_path / "nope.json")],
        "folder as network": ["check", str(tmp_path)],
        "not json": ["chain", str(broken)],
        "wrong weight shape": ["info", str(wrong_shape)],
        "x too long": ["export", net, "-o", out, "--x", "1,2,3"],
        "y too short": ["export", net, "-o", out, "--y", "1"],
        "x not a number": ["export", net, "-o", out, "--x", "1,abc"],
        "x empty entry": ["export", net, "-o", out, "--x", "1,"],
        "x NaN": ["export", net, "-o", out, "--x", "nan,1"],
        "y infinite": ["chain", net, "--y", "inf,0"],
        "unknown suffix": ["export", net, "-o", str(tmp_path / "out.txt")],
        "no suffix": ["export", net, "-o", str(tmp_path / "out")],
        "missing output folder": ["export", net, "-o", str(tmp_path / "missing" / "out.npz")],
        "output folder is a file": ["export", net, "-o", str(a_file / "out.npz")],
        "output is a folder": ["export", net, "-o", str(tmp_path)],
        "batch without dataset": ["export", str(no_dataset), "-o", out, "--batch"],
        "batch with x": ["export", net, "-o", out, "--batch", "--x", "1,0"],
        "zero steps": [*train_args[:3], "0", *train_args[4:]],
        "negative steps": [*train_args[:3], "-5", *train_args[4:]],
        "lr NaN": [*train_args[:5], "nan", *train_args[6:]],
        "lr infinite": [*train_args[:5], "inf", *train_args[6:]],
        "lr zero": [*train_args[:5], "0", *train_args[6:]],
        "momentum 1": [*train_args, "--momentum", "1"],
        "train output not json": [*train_args[:-1], str(tmp_path / "trained.npz")],
        "train batch without dataset": ["train", str(no_dataset), "--steps", "1", "--lr", "1",
                                        "--batch", "-o", trained],
        "eps zero": ["check", net, "--eps", "0"],
        "rtol NaN": ["check", net, "--rtol", "nan"],
        "GUI on a missing file": [str(tmp_path / "nope.json")],
    }  # fmt: skip


def test_every_kind_of_bad_input_is_one_error_line_with_exit_2(net_file, tmp_path, capsys):
    cases = bad_cases(tmp_path, net_file)
    before = sorted(p.name for p in tmp_path.iterdir())
    failures = []
    for name, argv in cases.items():
        status = main(argv)
        captured = capsys.readouterr()
        lines = captured.err.splitlines()
        ok = (
            status == 2
            and len(lines) == 1
            and lines[0].startswith("error: ")
            and "Traceback" not in captured.err
            and captured.out == ""
        )
        if not ok:
            failures.append((name, status, captured.out, captured.err))
    assert failures == []
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["export", "{net}", "-o", "{tmp}/o.npz", "--x", "1,2,3"],
            "--x: 3 numbers given, expected 2",
        ),
        (["export", "{net}", "-o", "{tmp}/o.npz", "--x", "1,abc"], "--x: 'abc' is not a number"),
        (["export", "{net}", "-o", "{tmp}/o.npz", "--x", "nan,1"], "--x: nan is not a finite"),
        (["info", "{tmp}/nope.json"], "{tmp}/nope.json: "),
        (["export", "{net}", "-o", "{tmp}/o.txt"], "{tmp}/o.txt: unknown suffix '.txt'"),
        (["export", "{net}", "-o", "{tmp}/no/o.npz"], "{tmp}/no/o.npz: '{tmp}/no' does not exist"),
        (["train", "{net}", "--steps", "0", "--lr", "1", "-o", "{tmp}/t.json"], "--steps: must"),
        (["train", "{net}", "--steps", "1", "--lr", "nan", "-o", "{tmp}/t.json"], "--lr: must"),
    ],
)
def test_error_messages_name_the_file_or_option_and_the_problem(
    net_file, tmp_path, capsys, argv, expected
):
    def fill(text: str) -> str:
        return text.format(net=net_file, tmp=tmp_path)

    assert main([fill(arg) for arg in argv]) == 2
    assert capsys.readouterr().err.startswith("error: " + fill(expected))


def test_wrong_weight_shape_reports_the_json_path(net_file, tmp_path, capsys):
    doc = json.loads(net_file.read_text(encoding="utf-8"))
    doc["layers"][0]["weights"] = doc["layers"][0]["weights"][:2]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["info", str(path)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {path}: layers[0].weights")


def test_argparse_usage_errors_still_exit_2(net_file, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["export", str(net_file)])  # no -o
    assert exit_info.value.code == 2
    assert "-o" in capsys.readouterr().err


# -- the GUI entry -----------------------------------------------------------------------------
@pytest.fixture
def fake_gui(monkeypatch):
    calls: list[str | None] = []
    module = types.ModuleType("visualizer.gui.app")

    def run(path):
        calls.append(path)
        return 7

    module.run = run
    monkeypatch.setitem(sys.modules, "visualizer.gui.app", module)
    return calls


def test_no_command_opens_the_gui_with_the_given_file(fake_gui, net_file):
    assert main([str(net_file)]) == 7
    assert main([]) == 7
    assert fake_gui == [str(net_file), None]


def test_a_file_named_like_nothing_known_is_not_taken_for_a_command(fake_gui, capsys):
    assert main(["exprot"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: exprot: no such file") and "export" in err
    assert fake_gui == []


def test_without_a_gui_module_the_help_is_printed(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "visualizer.gui.app", None)  # import now fails
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: backprop-visualizer") and "export" in out


def test_module_entry_point_calls_main(monkeypatch):
    seen = []
    monkeypatch.setattr(cli, "main", lambda: seen.append(True) or 0)
    monkeypatch.delitem(sys.modules, "visualizer.__main__", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        __import__("visualizer.__main__")
    assert exit_info.value.code == 0 and seen == [True]


def test_info_says_why_a_cross_entropy_of_an_identity_output_has_no_value(tmp_path, capsys):
    # Output a¹₁ = −0.5 with target 1: log(−0.5) has no value. The 1e-300 clamp used to
    # print a loss of 690.78; now the loss is NaN and the warning names the value.
    layer = Layer([[-0.5]], [0.0], "identity")
    net = Network(1, (layer,), "cross_entropy", sample=Sample([1.0], [1.0]))
    path = tmp_path / "id.json"
    save_network(net, path)
    assert main(["info", str(path)]) == 0
    captured = capsys.readouterr()
    assert "loss on the sample: nan" in captured.out
    assert captured.err == (
        "warning: the loss is not a number: cross entropy needs outputs above 0, but the "
        "identity output gives a¹₁ = −0.5: use a softmax or sigmoid output layer\n"
    )
