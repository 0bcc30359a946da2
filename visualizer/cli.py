"""The command line: with no command it opens the app; commands work on network files headless.

`main(argv)` returns the exit status: 0 success, 1 a failed gradient check (or a GUI that
cannot start), 2 bad input (one `error:` line on stderr, never a traceback). Only the GUI
path imports Qt, so exports and checks start fast and run without a display.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import numpy as np

from visualizer import __version__, collector
from visualizer.engine import backprop
from visualizer.engine.losses import LOSSES, domain_problem
from visualizer.engine.network import Network, NetworkError, Sample
from visualizer.formats.errors import FormatError
from visualizer.formats.files import check_regular
from visualizer.formats.models import (
    ActivationsNeeded,
    open_model,
    parse_activations,
)
from visualizer.formats.network_file import save_network
from visualizer.notation import ascii_formula, format_number, parse_number
from visualizer.timeline import step_count

if TYPE_CHECKING:
    from visualizer.engine.chain import ChainResult, Product
    from visualizer.engine.training import Optimizer

# Each command imports the engine modules only it needs (chain, gradcheck, training,
# datasets, snapshots) when it runs: the app, which starts here too, needs none of them.

PROG = "backprop-visualizer"
MODEL_HELP = "a model file: .json (network or snapshot), .npz (snapshot), .onnx or .safetensors"
CHAIN_ROWS_SHOWN = 20  # `chain` lists this many input components unless --all

# (name, one-line description, example) — the order of `--help`.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("export", "run the network once, write every value to a snapshot",
     f"{PROG} export net.json -o snap.npz --x 1,0 --y 1"),
    ("check", "compare backprop's gradients with finite differences",
     f"{PROG} check net.json --rtol 1e-6"),
    ("train", "run gradient descent, write the trained network",
     f"{PROG} train net.json --steps 1000 --lr 0.5 -o trained.json"),
    ("chain", "the chain rule three ways: same numbers, different costs",
     f"{PROG} chain net.json"),
    ("info", "layers, parameter counts and the loss on the sample",
     f"{PROG} info net.json"),
    ("convert", "write the model in another format: network, ONNX, safetensors, a script",
     f"{PROG} convert model.onnx -o net.json"),
    ("render", "draw the canvas (or the window) to PNG/SVG, or the animation to a GIF",
     f"{PROG} render net.json -o net.png --step last"),
)  # fmt: skip
COMMAND_NAMES = frozenset(name for name, _, _ in COMMANDS)


class CliError(Exception):
    """Bad input, reported as one line: `error: <file>: <message>` or `error: <message>`."""

    def __init__(self, message: str, file: str | os.PathLike[str] | None = None) -> None:
        super().__init__(message)
        self.file = None if file is None else os.fspath(file)

    def line(self) -> str:
        message = " ".join(str(self).split())  # one line, whatever the source said
        if self.file and not message.startswith(self.file):
            return f"error: {self.file}: {message}"
        return f"error: {message}"


# -- numbers and tables --------------------------------------------------------------------
def _num(value: float) -> str:
    """A number for a table: 6 significant digits, ASCII minus, copy-pasteable."""
    return format_number(value, 6, ascii=True)


def _loss(value: float) -> str:
    return format_number(value, 10, ascii=True)


def _shape(shape: Sequence[int]) -> str:
    return str(tuple(int(n) for n in shape))


def _vector_text(values: np.ndarray, limit: int = 8) -> str:
    """[v1, v2, ...] with at most `limit` entries shown."""
    shown = ", ".join(_num(v) for v in values[:limit])
    more = f", ... ({len(values)} in all)" if len(values) > limit else ""
    return f"[{shown}{more}]"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> list[str]:
    """Aligned columns: the first `left` columns flush left, the rest (numbers) flush right."""
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def fmt(row: Sequence[str]) -> str:
        cells = [
            cell.ljust(w) if i < left else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    return [fmt(headers), *(fmt(row) for row in rows)]


# -- input ---------------------------------------------------------------------------------
def _load(path: str, args: argparse.Namespace | None = None, err: TextIO | None = None) -> Network:
    """The network in the model file at `path`, whatever its format (`open_model`), with
    the command's --activations and --loss; notes (softmax added, …) go to `err`."""
    activations = getattr(args, "activations", None)
    loss = getattr(args, "loss", None)
    try:
        names = None if activations is None else parse_activations(activations)
        opened = open_model(path, activations=names, loss=loss)
    except ActivationsNeeded as exc:
        raise CliError(str(exc), path) from None
    except FileNotFoundError:
        raise CliError("no such file", path) from None
    except IsADirectoryError:
        raise CliError("is a folder, not a network file", path) from None
    except OSError as exc:
        raise CliError(exc.strerror or str(exc), path) from None
    except (FormatError, NetworkError, ValueError, OverflowError) as exc:
        raise CliError(str(exc), path) from None
    for note in opened.notes:
        print(f"note: {note}", file=err or sys.stderr)
    return opened.network


def _vector(text: str, flag: str, expected: int) -> np.ndarray:
    """Comma-separated finite numbers, exactly `expected` of them."""
    parts = [part.strip() for part in text.split(",")]
    values = []
    for i, part in enumerate(parts, start=1):
        if not part:
            raise CliError(f"{flag}: number {i} of {len(parts)} is missing")
        try:
            values.append(parse_number(part, ascii=True))
        except ValueError as exc:
            raise CliError(f"{flag}: {exc}") from None
    if len(values) != expected:
        given = f"{len(values)} number{'s' if len(values) != 1 else ''} given"
        raise CliError(f"{flag}: {given}, expected {expected}")
    return np.array(values, dtype=np.float64)


def _with_sample(network: Network, x_text: str | None, y_text: str | None) -> Network:
    """`network` whose sample has x and/or y replaced by the command-line values."""
    if x_text is None and y_text is None:
        return network
    current = network.current_sample()
    x = current.x if x_text is None else _vector(x_text, "--x", network.input_size)
    y = current.y if y_text is None else _vector(y_text, "--y", network.output_size)
    return network.replace(sample=Sample(x, y))


def _check_output(path: str, suffixes: Sequence[str]) -> None:
    """Fail before any work if `path` cannot be written: a folder, a wrong suffix, no folder
    to put it in, or one we may not write to."""
    out = Path(path)
    if out.is_dir():
        raise CliError("is a folder; give a file name", path)
    known = " or ".join([", ".join(suffixes[:-1]), suffixes[-1]] if len(suffixes) > 1 else suffixes)
    if not out.suffix:
        raise CliError(f"no suffix; the file name must end in {known}", path)
    if out.suffix.lower() not in suffixes:
        raise CliError(f"unknown suffix {out.suffix!r}; use {known}", path)
    folder = out.parent
    if not folder.is_dir():
        problem = "is a file, not a folder" if folder.exists() else "does not exist"
        raise CliError(f"{os.fspath(folder)!r} {problem}", path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CliError(f"folder {os.fspath(folder)!r} is not writable", path)


def _positive_finite(value: float, flag: str) -> None:
    if not (math.isfinite(value) and value > 0):
        raise CliError(f"{flag}: must be a finite number > 0, got {value}")


def _warn_if_not_finite(network: Network, trace: backprop.Trace, err: TextIO) -> None:
    if math.isfinite(trace.loss):
        # The loss can be finite while a gradient (δ (a)ᵀ, a batch's sum of δ) overflows.
        overflowed = trace.non_finite()
        if overflowed is not None:
            print(
                f"warning: {overflowed} overflowed to ±∞ or NaN (weights too large?)", file=err
            )
        return
    out = network.layers[-1].activation
    problem = domain_problem(out, network.loss, trace.output, trace.y, network.depth)
    if problem is not None:
        print(f"warning: the loss is not a number: {problem}", file=err)
    else:
        print("warning: the loss is not finite (the pass overflowed: weights too large?)", file=err)


# -- commands ------------------------------------------------------------------------------
def cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from visualizer.formats.snapshot import SUFFIXES as SNAPSHOT_SUFFIXES
    from visualizer.formats.snapshot import write_snapshot

    network = _load(args.network, args, err)
    if args.batch and (args.x is not None or args.y is not None):
        raise CliError("--batch uses the network's dataset; it cannot be combined with --x/--y")
    _check_output(args.output, SNAPSHOT_SUFFIXES)
    network = _with_sample(network, args.x, args.y)
    if args.batch and network.dataset is None:
        raise CliError("--batch needs a dataset, and this network has none", args.network)
    try:
        trace = write_snapshot(args.output, network, args.batch)
    except (FormatError, ValueError, OSError) as exc:
        raise CliError(getattr(exc, "strerror", None) or str(exc), args.output) from None
    what = f"a batch of {trace.x.shape[0]}" if args.batch else "one sample"
    print(f"wrote {args.output} ({what}, loss {_loss(trace.loss)})", file=out)
    _warn_if_not_finite(network, trace, err)
    return 0


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from visualizer.engine.gradcheck import (
        FAST_ABOVE,
        check_passes,
        choose_mode,
        describe_mode,
        gradient_check,
    )

    _positive_finite(args.eps, "--eps")
    _positive_finite(args.rtol, "--rtol")
    network = _with_sample(_load(args.network, args, err), args.x, args.y)
    if args.seed is not None and not 0 <= args.seed < 2**63:
        raise CliError(f"--seed: must be a whole number ≥ 0, got {args.seed}")
    mode = choose_mode(network, "full" if args.full else "fast" if args.fast else "auto")
    # One BLAS thread: the check multiplies many small stacks (8 to a few hundred rows), where
    # a second OpenBLAS thread gains little on a quiet machine and, on a busy one, waits for
    # its core: the fast check of a 3.7M-parameter network took 2.6–9 s instead of 0.5 s.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        rows = gradient_check(network, eps=args.eps, mode=mode, seed=args.seed)
    why = ""
    if mode == "fast" and not args.fast:
        count = network.parameter_count
        why = f"; {count:,} parameters > {FAST_ABOVE:,}, --full checks every entry"
    print(describe_mode(rows) + why, file=out)
    table = [
        [
            row.name,
            _shape(row.shape),
            _num(row.max_abs),
            _num(row.max_rel),
            "ok" if row.passes(args.rtol) else "FAIL",
        ]
        for row in rows
    ]
    headers = ["array", "shape", "max abs error", "max rel error", "result"]
    for line in _table(headers, table, left=2):
        print(line, file=out)
    failed = [row.name for row in rows if not row.passes(args.rtol)]
    if check_passes(rows, args.rtol):
        print(
            f"PASS: all {len(rows)} gradients match central differences "
            f"(eps {args.eps:g}, rtol {args.rtol:g})",
            file=out,
        )
        return 0
    print(
        f"FAIL: {len(failed)} of {len(rows)} gradients differ from central differences by "
        f"more than rtol {args.rtol:g}: {', '.join(failed)}",
        file=out,
    )
    return 1


class Progress:
    """Training progress on `stream`: one line rewritten in place on a terminal, else a line
    per tenth of the run. At most one update per `interval` seconds and none in the first
    `interval`, so short runs stay silent; once anything was shown, `finish` shows the end."""

    def __init__(
        self,
        total: int,
        stream: TextIO,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        label: str = "train: step",
    ) -> None:
        self.total = total
        self.label = label
        self.stream = stream
        self.interval = interval
        self.clock = clock
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.last = clock()
        self.last_decile = 0
        self.done, self.loss = 0, math.nan
        self.shown: int | None = None  # the step last written, None before any

    def update(self, done: int, loss: float) -> None:
        self.done, self.loss = done, loss
        now = self.clock()
        if now - self.last < self.interval:
            return
        if not self.tty:
            decile = 10 * done // self.total
            if decile <= self.last_decile:
                return
            self.last_decile = decile
        self._write()
        self.last = now

    def _write(self) -> None:
        percent = 100 * self.done // self.total
        text = f"{self.label} {self.done}/{self.total} ({percent}%)"
        if not math.isnan(self.loss):
            text += f", loss {_loss(self.loss)}"
        self.stream.write("\r\x1b[K" + text if self.tty else text + "\n")
        self.stream.flush()
        self.shown = self.done

    def finish(self) -> None:
        """Show the last step if progress was shown at all, and end a rewritten line."""
        if self.shown is None:
            return
        if self.shown != self.done:
            self._write()
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _optimizer(args: argparse.Namespace) -> Optimizer:
    """The optimiser `--optimizer`, `--lr` and `--momentum` describe (engine's registry)."""
    from visualizer.engine.training import make_optimizer

    _positive_finite(args.lr, "--lr")
    momentum = args.momentum
    if momentum is not None and not (math.isfinite(momentum) and 0.0 <= momentum < 1.0):
        raise CliError(f"--momentum: must be in [0, 1), got {momentum}")
    if args.optimizer == "adam" and momentum is not None:
        raise CliError("--momentum applies to sgd and momentum, not to adam")
    return make_optimizer(args.optimizer, args.lr, momentum)


def cmd_train(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from visualizer.engine.datasets import DEFAULT_NOISE, DEFAULT_SAMPLES, with_dataset
    from visualizer.engine.training import batches_per_epoch, train

    if args.steps <= 0:
        raise CliError(f"--steps: must be at least 1, got {args.steps}")
    optimizer = _optimizer(args)
    if args.batch_size is not None:
        if args.batch:
            raise CliError("give --batch (the whole dataset) or --batch-size N, not both")
        if args.batch_size < 1:
            raise CliError(f"--batch-size: must be at least 1, got {args.batch_size}")
    if args.dataset is None and (args.noise is not None or args.samples is not None):
        raise CliError("--noise and --samples describe a generated dataset: add --dataset NAME")
    if args.seed < 0:
        raise CliError(f"--seed: must be at least 0, got {args.seed}")
    network = _load(args.network, args, err)
    if args.dataset is not None:
        noise = DEFAULT_NOISE if args.noise is None else args.noise
        samples = DEFAULT_SAMPLES if args.samples is None else args.samples
        try:
            network = with_dataset(network, args.dataset, samples, noise, args.seed)
        except NetworkError as exc:
            raise CliError(f"--dataset: {exc}", args.network) from None
    _check_output(args.output, (".json",))
    on_data = args.batch or args.batch_size is not None
    if on_data and network.dataset is None:
        flag = "--batch" if args.batch else "--batch-size"
        raise CliError(f"{flag} needs a dataset, and this network has none", args.network)
    if args.dataset is not None and not on_data:
        print(
            "note: training on the network's sample; add --batch or --batch-size N to train "
            "on the generated dataset",
            file=err,
        )
    progress = Progress(args.steps, err)

    def callback(step: int, loss: float) -> bool:
        progress.update(step, loss)
        return True

    try:
        result = train(
            network,
            args.steps,
            optimizer,
            args.batch,
            callback,
            batch_size=args.batch_size,
            seed=args.seed,
        )
    finally:
        progress.finish()
    before = result.losses[0]
    if args.batch_size is not None:
        # A mini-batch's loss says little: compare the whole dataset before and after.
        assert network.dataset is not None
        before = backprop.run(network, network.dataset.x, network.dataset.y).loss
    after = result.final_loss
    try:
        save_network(result.network, args.output)
    except (FormatError, ValueError, OSError) as exc:
        raise CliError(getattr(exc, "strerror", None) or str(exc), args.output) from None
    if args.batch_size is not None:
        assert network.dataset is not None
        n = len(network.dataset)
        if args.batch_size >= n:
            on = f"full batch of {n} examples: --batch-size {args.batch_size} >= {n}"
        else:
            per_epoch = batches_per_epoch(n, args.batch_size)
            on = f"mini-batches of {args.batch_size} from {n} examples, {per_epoch} steps per epoch"
    elif args.batch:
        assert network.dataset is not None
        on = f"full batch of {len(network.dataset)} examples"
    else:
        on = "on the sample"
    print(f"loss before: {_loss(before)}", file=out)
    print(f"loss after:  {_loss(after)}  ({args.steps} steps, {on})", file=out)
    print(f"wrote {args.output}", file=out)
    return 0


def cmd_chain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from visualizer.engine.chain import (
        C_MEANING,
        INPUT_END_FORMULA,
        LOSS_END_FORMULA,
        chain_forms,
    )

    network = _with_sample(_load(args.network, args, err), args.x, args.y)
    result = chain_forms(network)
    costs = result.costs
    if args.json:
        json.dump(_chain_json(network, result), out, indent=1, ensure_ascii=False)
        print(file=out)
        return 0
    forms = (result.derivative_row, result.derivative_full, result.gradient)
    n = network.input_size
    shown = range(n) if args.all or n <= CHAIN_ROWS_SHOWN else range(CHAIN_ROWS_SHOWN)
    print(f"dC/dx of {network.name or args.network}, one row per input x_i:", file=out)
    headers = ["i", "row vector", "full Jacobians", "gradient form"]
    rows = [[str(i + 1)] + [_num(form[i]) for form in forms] for i in shown]
    for line in _table(headers, rows, left=0):
        print(line, file=out)
    if len(shown) < n:
        print(f"... {n - len(shown)} more rows (use --all to list them)", file=out)
    print(file=out)
    print(
        f"Scalar multiplications for widths n = {list(costs.sizes)}, each factor counted as it "
        "is applied: an elementwise f' as (.) (n_l each), softmax's Jacobian as a dense matrix:",
        file=out,
    )
    table = [
        ["row vector", "dC/da^L J_f^L W^L ... J_f^1 W^1, left to right (vector x matrix)",
         str(result.mults_derivative_row), str(costs.loss_end_dense)],
        ["full Jacobians", "the same product right to left, building da^L/dx (matrix x matrix)",
         str(result.mults_derivative_full), str(costs.input_end_dense)],
        ["gradient form", "(W^1)^T (J_f^1)^T ... (J_f^L)^T grad_a C, right to left (matrix x vec)",
         str(result.mults_gradient), str(costs.loss_end_dense)],
    ]  # fmt: skip
    headers = ["form", "order of the multiplications", "multiplications", "all dense"]
    for line in _table(headers, table, 2):
        print(line, file=out)
    print(file=out)
    print(f"from the loss end (backprop):  {ascii_formula(LOSS_END_FORMULA)}", file=out)
    print(f"  = {ascii_formula(costs.loss_end_terms())} = {costs.loss_end}", file=out)
    print(f"from the input end (forward):  {ascii_formula(INPUT_END_FORMULA)}", file=out)
    print(f"  = {ascii_formula(costs.input_end_terms())} = {costs.input_end}", file=out)
    print(f"  where {ascii_formula(C_MEANING)}", file=out)
    print(
        f"ratio input end / loss end: {costs.ratio:.3g} (all f' dense: "
        f"{costs.loss_end_dense} vs {costs.input_end_dense}, ratio {costs.dense_ratio:.3g})",
        file=out,
    )
    print(
        f"if C were the vector a^L (the Jacobian da^L/dx): from the output end "
        f"{costs.jacobian_loss_end}, from the input end {costs.jacobian_input_end}",
        file=out,
    )
    print(
        f"max difference between forms (and backprop's dx): {_num(result.max_difference)}",
        file=out,
    )
    return 0


def _chain_json(network: Network, result: ChainResult) -> dict:
    """Everything `chain` prints, for scripts: the four ∇ₓC, every step and every count."""
    from visualizer.engine.chain import C_MEANING, INPUT_END_FORMULA, LOSS_END_FORMULA

    costs = result.costs

    def steps(products: Sequence[Product]) -> list[dict]:
        return [
            {"name": p.name, "expression": p.expression, "shape": list(p.value.shape),
             "mults": p.mults, "dense_mults": p.dense_mults}
            for p in products
        ]  # fmt: skip

    return {
        "network": network.name,
        "sizes": list(costs.sizes),
        "activations": [layer.activation for layer in network.layers],
        "full_jacobian": list(costs.full),
        "dC_dx": {
            "row_form": result.derivative_row.tolist(),
            "input_end": result.derivative_full.tolist(),
            "gradient_form": result.gradient.tolist(),
            "backprop": result.backprop_dx.tolist(),
        },
        "max_difference": result.max_difference,
        "costs": {
            "loss_end": costs.loss_end,
            "input_end": costs.input_end,
            "ratio": costs.ratio,
            "loss_end_dense": costs.loss_end_dense,
            "input_end_dense": costs.input_end_dense,
            "dense_ratio": costs.dense_ratio,
            "jacobian_loss_end": costs.jacobian_loss_end,
            "jacobian_input_end": costs.jacobian_input_end,
            "loss_end_formula": LOSS_END_FORMULA,
            "input_end_formula": INPUT_END_FORMULA,
            "c_meaning": C_MEANING,
            "loss_end_terms": costs.loss_end_terms(),
            "input_end_terms": costs.input_end_terms(),
        },
        "steps": {
            "row_form": steps(result.steps_derivative_row),
            "input_end": steps(result.steps_derivative_full),
            "gradient_form": steps(result.steps_gradient),
        },
    }


def cmd_info(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    network = _with_sample(_load(args.network, args, err), args.x, args.y)
    print(f"name:        {network.name or '(unnamed)'}", file=out)
    print(f"input size:  {network.input_size}", file=out)
    rows = []
    prev = network.input_size
    for l, layer in enumerate(network.layers, start=1):
        rows.append([str(l), layer.activation, str(layer.size), str(layer.size * (prev + 1))])
        prev = layer.size
    for line in _table(["layer", "activation", "size", "parameters"], rows, left=2):
        print("  " + line, file=out)
    print(f"parameters:  {network.parameter_count}", file=out)
    if network.dataset is not None:
        print(f"dataset:     {len(network.dataset)} examples", file=out)
    sample = network.current_sample()
    trace = backprop.run(network, sample.x, sample.y)
    print(f"loss:        {network.loss}", file=out)
    print(f"sample x:    {_vector_text(sample.x)}", file=out)
    print(f"sample y:    {_vector_text(sample.y)}", file=out)
    print(f"loss on the sample: {_loss(trace.loss)}", file=out)
    _warn_if_not_finite(network, trace, err)
    return 0


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise CliError(f"--size: expected WIDTHxHEIGHT such as 1600x900, got {text!r}") from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise CliError(f"--size: {w}x{h} is outside 16x16 .. 8192x8192")
    return w, h


def _step(text: str | None, count: int) -> int | str | None:
    if text is None or text == "last":
        return text
    try:
        k = int(text)
    except ValueError:
        raise CliError(f"--step: expected a step number or 'last', got {text!r}") from None
    if not 0 <= k < count:
        raise CliError(f"--step: {k} is outside 0..{count - 1} (this network has {count} steps)")
    return k


def cmd_render(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    network = _with_sample(_load(args.network, args, err), args.x, args.y)
    size = _size(args.size)
    if (args.output is None) == (args.gif is None):
        raise CliError("give either -o OUT.png|OUT.svg (a picture) or --gif OUT (the animation)")
    steps = step_count(network.depth, args.mode)
    if not 1 <= args.fps <= 60:
        raise CliError(f"--fps: must be 1..60, got {args.fps}")
    step = _step(args.step, steps)
    if args.output is not None:
        _check_output(args.output, (".png", ".svg"))
    elif args.step is not None or args.window:
        raise CliError("--step and --window apply to a picture (-o), not to --gif")
    elif not args.gif.lower().endswith(".gif"):
        target = Path(args.gif)
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise CliError("exists and is not an empty folder", args.gif)
    else:
        _check_output(args.gif, (".gif",))
    if args.window and step is not None:
        raise CliError("--step applies to the canvas, not to --window")
    if args.window and (args.controls or args.no_caption or args.crop):
        raise CliError("--controls, --no-caption and --crop apply to the canvas, not to --window")
    # Qt is loaded only now: the other commands never pay for it.
    from visualizer.gui.render import SlideOptions, render_animation, render_network

    options = SlideOptions(controls=args.controls, caption=not args.no_caption, crop=args.crop)

    try:
        if args.output is not None:
            if args.window:
                if args.mode != "reverse":
                    raise CliError("--mode applies to the canvas, not to --window")
                from visualizer.gui.window_render import render_window

                render_window(network, args.output, size)
            else:
                size = render_network(
                    network, args.output, size, step=step, mode=args.mode, options=options
                )
            print(f"wrote {args.output} ({size[0]}x{size[1]})", file=out)
        else:
            progress = Progress(1, err, label="render: rendering frame")

            def report(done: int, total: int) -> None:
                progress.total = total
                progress.update(done, math.nan)

            try:
                frames = render_animation(
                    network,
                    args.gif,
                    size,
                    fps=args.fps,
                    progress=report,
                    mode=args.mode,
                    options=options,
                )
            finally:
                progress.finish()
            rendered = progress.total
            if args.gif.lower().endswith(".gif"):
                # A GIF stores a run of identical frames once, with a longer delay: say so,
                # so the count printed is the count in the file.
                what = f"{frames} GIF frames from {rendered} rendered at {args.fps} fps"
                seconds = f", {rendered / args.fps:.1f} s"
            else:
                what, seconds = f"{frames} PNG frames at {args.fps} fps", ""
            shape = "" if args.crop else f", {size[0]}x{size[1]}"  # a crop decides the size
            print(f"wrote {args.gif} ({what}{seconds}{shape})", file=out)
    except OSError as exc:
        raise CliError(exc.strerror or str(exc), args.output or args.gif) from None
    return 0


CONVERT_SUFFIXES = (".json", ".onnx", ".safetensors", ".py")


def cmd_convert(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    script = "torch" if args.torch else "numpy" if args.numpy else None
    _check_output(args.output, CONVERT_SUFFIXES)
    suffix = Path(args.output).suffix.lower()
    if suffix == ".py" and script is None:
        raise CliError("a .py output is a script: add --numpy or --torch", args.output)
    if script is not None and suffix != ".py":
        raise CliError(f"--{script} writes a Python script: the output must end in .py")
    network = _with_sample(_load(args.network, args, err), args.x, args.y)
    try:
        if suffix == ".json":
            save_network(network, args.output)
            written = [Path(args.output)]
        elif suffix == ".onnx":
            from visualizer.formats.onnx_io import save_onnx

            save_onnx(network, args.output)
            written = [Path(args.output)]
        elif suffix == ".safetensors":
            from visualizer.formats.safetensors_io import save_safetensors

            save_safetensors(network, args.output)
            written = [Path(args.output)]
        else:
            from visualizer.formats.scripts import save_script

            assert script is not None
            written = save_script(network, args.output, script)
    except (FormatError, ValueError, OSError) as exc:
        raise CliError(getattr(exc, "strerror", None) or str(exc), args.output) from None
    print(f"wrote {', '.join(map(str, written))}", file=out)
    return 0


# -- the GUI -------------------------------------------------------------------------------
def launch_gui(path: str | None, help_text: str, out: TextIO, err: TextIO) -> int:
    """Open the app (with `path`, if given). Qt is imported here and nowhere else."""
    if path is not None:
        try:
            check_regular(path)  # a FIFO or /dev/zero: say what it is, never hang on it
        except FormatError as exc:
            what = exc.problem
            if what in ("no such file", "is a folder, not a file"):
                what = f"{what.split(',')[0]} (commands are: {', '.join(sorted(COMMAND_NAMES))})"
            raise CliError(what, path) from None
    try:
        from visualizer.gui.app import run
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("visualizer.gui"):
            print(f"error: the app cannot start: {exc}", file=err)
            return 1
        # The GUI is not part of this build: say what the command line can do instead.
        print(help_text, file=out, end="")
        return 0
    except ImportError as exc:  # e.g. a Qt library missing from the system
        print(f"error: the app cannot start: {' '.join(str(exc).split())}", file=err)
        return 1
    return int(run(path) or 0)


# -- parsing -------------------------------------------------------------------------------
def _commands_text() -> str:
    width = max(len(name) for name, _, _ in COMMANDS)
    lines = ["commands:"]
    lines.append(f"  {'(none)':<{width}}  open the app, with MODEL if given")
    lines.append(f"  {'':<{width}}    e.g. {PROG} assets/networks/xor.json")
    for name, description, example in COMMANDS:
        lines.append(f"  {name:<{width}}  {description}")
        lines.append(f"  {'':<{width}}    e.g. {example}")
    lines.append("")
    lines.append(f"Run '{PROG} COMMAND --help' for the options of a command.")
    lines.append("Exit status: 0 ok, 1 gradient check failed, 2 bad input.")
    return "\n".join(lines) + "\n"


def _gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        usage=f"{PROG} [MODEL]  |  {PROG} COMMAND ...",
        description="Build a small neural network and watch backpropagation happen.",
        epilog=_commands_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "network", nargs="?", metavar="MODEL", help=MODEL_HELP + ", to open in the app"
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser


def _add_sample_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--x", metavar="X1,X2,...", help="input sample, e.g. 1,0 or -0.5,2")
    parser.add_argument("--y", metavar="Y1,...", help="target, e.g. 1")


def _command_parser() -> argparse.ArgumentParser:
    from visualizer.engine.datasets import DATASETS, DEFAULT_NOISE, DEFAULT_SAMPLES
    from visualizer.engine.gradcheck import FAST_ABOVE
    from visualizer.engine.training import DEFAULT_MOMENTUM, OPTIMIZERS

    parser = argparse.ArgumentParser(prog=PROG)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    examples = {name: (description, example) for name, description, example in COMMANDS}

    def add(name: str, handler: Callable[..., int]) -> argparse.ArgumentParser:
        description, example = examples[name]
        p = sub.add_parser(
            name,
            help=description,
            description=description[0].upper() + description[1:] + ".",
            epilog=f"example: {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,  # keep the example on one line
        )
        p.add_argument("network", metavar="MODEL", help=MODEL_HELP)
        p.add_argument(
            "--activations",
            metavar="F1,F2,...",
            help="one activation per layer, for a .safetensors file that does not say them "
            "(e.g. relu,relu,softmax)",
        )
        p.add_argument(
            "--loss",
            choices=tuple(LOSSES),
            help="the loss to use (default: the file's; for ONNX and safetensors from "
            "elsewhere, cross_entropy after a softmax, else half_squared_error)",
        )
        p.set_defaults(handler=handler)
        return p

    def output(p: argparse.ArgumentParser, help: str) -> None:
        p.add_argument("-o", "--output", required=True, metavar="OUT", help=help)

    p = add("export", cmd_export)
    output(p, "snapshot file; the format follows the suffix: .npz, .json or .csv")
    _add_sample_options(p)
    p.add_argument(
        "--batch", action="store_true", help="run the network's whole dataset as one batch"
    )

    p = add("check", cmd_check)
    p.add_argument("--eps", type=float, default=1e-6, help="finite-difference step (1e-6)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--full",
        action="store_true",
        help=f"check every entry (the default up to {FAST_ABOVE:,} parameters)",
    )
    mode.add_argument(
        "--fast",
        action="store_true",
        help="random directions and sampled entries per array (the default above "
        f"{FAST_ABOVE:,} parameters)",
    )
    p.add_argument(
        "--seed", type=int, help="seed of the fast check's random draws (printed when not given)"
    )
    p.add_argument(
        "--rtol", type=float, default=1e-6, help="largest relative error that passes (1e-6)"
    )
    _add_sample_options(p)

    p = add("train", cmd_train)
    p.add_argument("--steps", type=int, required=True, help="number of optimisation steps")
    p.add_argument("--lr", type=float, required=True, help="learning rate")
    p.add_argument(
        "--optimizer",
        choices=tuple(OPTIMIZERS),
        default="sgd",
        help="sgd (plain, or with --momentum), momentum (SGD with momentum, "
        f"{DEFAULT_MOMENTUM:g} unless --momentum), adam (beta1 0.9, beta2 0.999) (sgd)",
    )
    p.add_argument(
        "--momentum", type=float, default=None, help="SGD momentum in [0, 1) (0; 0.9 for momentum)"
    )
    p.add_argument(
        "--batch",
        action="store_true",
        help="full-batch steps on the network's dataset (else: on its sample)",
    )
    p.add_argument(
        "--batch-size",
        type=int,
        metavar="N",
        help="steps on mini-batches of N from the dataset, reshuffled every epoch",
    )
    p.add_argument(
        "--dataset",
        choices=tuple(DATASETS),
        help="generate this dataset into the network before training (saved with it)",
    )
    p.add_argument(
        "--samples", type=int, metavar="N", help=f"examples in --dataset ({DEFAULT_SAMPLES})"
    )
    p.add_argument(
        "--noise",
        type=float,
        help=f"standard deviation of the noise in --dataset ({DEFAULT_NOISE:g})",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of --dataset and of the mini-batch shuffles (0)",
    )
    p.add_argument(
        "-o", "--output", required=True, metavar="OUT.json", help="where the trained network goes"
    )

    p = add("chain", cmd_chain)
    _add_sample_options(p)
    p.add_argument("--all", action="store_true", help="list every input component")
    p.add_argument(
        "--json", action="store_true", help="print every figure as JSON (for scripts) instead"
    )

    p = add("info", cmd_info)
    _add_sample_options(p)

    p = add("convert", cmd_convert)
    output(p, "by suffix: .json (network file), .onnx, .safetensors, or .py with --numpy/--torch")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument(
        "--numpy", action="store_true", help="OUT.py: forward and backward pass in NumPy"
    )
    kind.add_argument(
        "--torch", action="store_true", help="OUT.py: the same nn.Sequential in PyTorch"
    )
    _add_sample_options(p)

    p = add("render", cmd_render)
    p.add_argument("-o", "--output", metavar="OUT", help="a picture: .png or .svg")
    p.add_argument(
        "--gif",
        metavar="OUT",
        help="the whole forward/backward animation: OUT.gif, or a folder of PNG frames",
    )
    p.add_argument("--size", default="1600x900", help="WIDTHxHEIGHT in pixels (1600x900)")
    p.add_argument("--step", metavar="K", help="the canvas at playback step K (0-based) or 'last'")
    p.add_argument("--window", action="store_true", help="the whole main window, not the canvas")
    p.add_argument("--fps", type=int, default=20, help="frames per second of --gif (20)")
    p.add_argument(
        "--mode",
        choices=("reverse", "forward", "both"),
        default="reverse",
        help="reverse mode (backprop, the default), forward mode (carrying ∂aˡ/∂x), or both",
    )
    p.add_argument(
        "--controls", action="store_true", help="keep the editing controls (− n + buttons)"
    )
    p.add_argument(
        "--no-caption", action="store_true", help="leave out the caption (the step's equation)"
    )
    p.add_argument("--crop", action="store_true", help="crop the empty margins (PNG, --gif)")
    _add_sample_options(p)
    return parser


def _join_vector_options(argv: Sequence[str]) -> list[str]:
    """`--x -1,0` as `--x=-1,0`: argparse would take "-1,0" for an option and fail."""
    joined: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] in ("--x", "--y") and i + 1 < len(argv):
            joined.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            joined.append(argv[i])
            i += 1
    return joined


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # not a real file (e.g. captured in a test): nothing will flush it at exit


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on `argv` (default: sys.argv[1:]); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    out, err = sys.stdout, sys.stderr
    for stream in (out, err):
        # A network's name may hold any character; a console that cannot show it should get
        # an escape, not a UnicodeEncodeError halfway through a table.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        if argv and argv[0] in COMMAND_NAMES:
            args = _command_parser().parse_args(_join_vector_options(argv))
            collector.resume()  # paused for the start-up by the console script (launch.py)
            # Overflow in a pass (huge weights, a diverging run) yields inf/NaN that the
            # commands report themselves, in one line, instead of NumPy's multi-line warnings.
            with np.errstate(all="ignore"):
                return args.handler(args, out, err)
        parser = _gui_parser()
        args = parser.parse_args(argv)
        return launch_gui(args.network, parser.format_help(), out, err)
    except CliError as exc:
        print(exc.line(), file=err)
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python's exit-time flush
        # of stdout from failing again.
        _silence_stdout()
        return 1
    except (FormatError, NetworkError, ValueError, OverflowError) as exc:
        # OverflowError: NumPy's own, for arithmetic beyond the largest float.
        print(CliError(str(exc)).line(), file=err)
    except OSError as exc:
        print(CliError(exc.strerror or str(exc), exc.filename).line(), file=err)
    except KeyboardInterrupt:
        print("error: interrupted", file=err)
        return 130
    return 2
