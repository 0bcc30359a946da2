"""How fast is the engine, next to the least NumPy can do? Prints timings and ratios.

    .venv/bin/python benchmarks/bench_engine.py [--quick]

On a busy machine, multi-threaded BLAS (and torch's OpenMP pool) make the batch rows swing
by 10× from run to run; `OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1` in front of the command
gives steady, single-threaded numbers. Engine and floor always run in turns, so their ratio
is the figure to read.

For sigmoid networks with half squared error (float64) it times `backprop.run` (forward +
backward, every value the app shows) against a minimal hand-written NumPy forward + backward
computing the same arrays (the floor), and PyTorch autograd when torch is installed. Then it
times a snapshot export (`save_snapshot` to .npz, which is atomic and durable) against
`np.savez` of the same arrays made durable the same way (fsync + rename). Targets: engine
≤ 1.3× the floor; export time ≤ 2× and file size ≤ 1.1× the durable savez. This script
never fails on a missed target; it reports.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import timeit
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import numpy as np

from visualizer.engine import backprop
from visualizer.engine.network import InitSpec, Network, make_network

ENGINE_TARGET = 1.3
EXPORT_TARGET = 2.0
SIZE_TARGET = 1.1
CASES = (([2, 3, 3, 2], 1), ([64, 128, 128, 10], 1), ([64, 128, 128, 10], 256))


def median_seconds(
    fns: Sequence[Callable[[], object]], repeat: int, min_time: float
) -> list[float]:
    """Median time of one call of each of `fns`: warm up, pick per function a loop count that
    runs ≥ `min_time`, then time the loops in turns, `repeat` rounds (turns spread a change of
    machine load over every function; medians shrug off scheduler noise)."""
    timers, numbers = [], []
    for fn in fns:
        for _ in range(3):
            fn()
        timer = timeit.Timer(fn)
        number, took = timer.autorange()
        timers.append(timer)
        numbers.append(max(1, int(number * min_time / took)))
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for timer, number, times in zip(timers, numbers, samples, strict=True):
            times.append(timer.timeit(number) / number)
    return [statistics.median(times) for times in samples]


# -- the floor: what a bare NumPy forward + backward of the same network costs ---------------
def floor_pass(weights: list[np.ndarray], biases: list[np.ndarray], x: np.ndarray, y: np.ndarray):
    """Forward + backward with no validation, no dataclasses, no registries: the same stable
    sigmoid as the engine, and the same outputs (z, a, δ, ∂C/∂W, ∂C/∂b, ∂C/∂a for every layer,
    ∇ₓC, the loss)."""
    zs, acts = [], [x]
    a = x
    for w, b in zip(weights, biases, strict=True):
        z = a @ w.T + b
        e = np.exp(-np.abs(z))
        a = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        zs.append(z)
        acts.append(a)
    diff = a - y
    loss = float(np.mean(0.5 * np.sum(diff**2, axis=-1)))
    batch = x.ndim == 2
    g = diff
    grads_a, deltas, dws, dbs = [g], [], [], []
    for i in range(len(weights) - 1, -1, -1):
        out = acts[i + 1]
        delta = out * (1.0 - out) * g
        if batch:
            dws.append((delta.T @ acts[i]) * (1.0 / x.shape[0]))
            dbs.append(delta.mean(axis=0))
        else:
            dws.append(delta[:, None] * acts[i])  # np.outer without its overhead
            dbs.append(delta)
        deltas.append(delta)
        g = delta @ weights[i]
        grads_a.append(g)
    return loss, zs, acts, deltas, dws, dbs, grads_a


def torch_pass_factory(network: Network, x: np.ndarray, y: np.ndarray):
    """A closure running the same forward + backward with PyTorch autograd, or None."""
    try:
        import torch
    except ImportError:
        return None
    ws = [torch.tensor(np.array(layer.weights), requires_grad=True) for layer in network.layers]
    bs = [torch.tensor(np.array(layer.biases), requires_grad=True) for layer in network.layers]
    tx, ty = torch.tensor(x), torch.tensor(y)

    def run() -> None:
        for p in (*ws, *bs):
            p.grad = None
        inp = tx.clone().requires_grad_(True)
        a = inp
        for w, b in zip(ws, bs, strict=True):
            a = torch.sigmoid(a @ w.T + b)
        loss = (0.5 * ((a - ty) ** 2).sum(dim=-1)).mean()
        loss.backward()

    return run


def bench_engine(repeat: int, min_time: float) -> list[float]:
    rng = np.random.default_rng(0)
    print("forward + backward, sigmoid, half squared error, float64 (median per call)")
    header = f"{'network':<20} {'batch':>5} {'engine':>10} {'floor':>10} {'ratio':>6} {'torch':>10}"
    print(header)
    print("-" * len(header))
    ratios = []
    for sizes, batch in CASES:
        network = make_network(sizes, "sigmoid", "half_squared_error", InitSpec(seed=1))
        shape_x = (sizes[0],) if batch == 1 else (batch, sizes[0])
        shape_y = (sizes[-1],) if batch == 1 else (batch, sizes[-1])
        x = rng.uniform(-1.0, 1.0, size=shape_x)
        y = rng.uniform(0.0, 1.0, size=shape_y)
        weights = [layer.weights for layer in network.layers]
        biases = [layer.biases for layer in network.layers]

        # The floor must compute what the engine computes, or the ratio means nothing.
        trace = backprop.run(network, x, y)
        loss, _, _, _, dws, _, grads_a = floor_pass(weights, biases, x, y)
        assert np.isclose(loss, trace.loss) and np.allclose(grads_a[-1], trace.dx)
        assert all(np.allclose(a, b) for a, b in zip(dws[::-1], trace.dW, strict=True))

        fns: list[Callable[[], object]] = [
            partial(backprop.run, network, x, y),
            partial(floor_pass, weights, biases, x, y),
        ]
        torch_run = torch_pass_factory(network, x, y)
        if torch_run is not None:
            fns.append(torch_run)
        t_engine, t_floor, *t_torch_list = median_seconds(fns, repeat, min_time)
        t_torch = t_torch_list[0] if t_torch_list else None
        ratio = t_engine / t_floor
        ratios.append(ratio)
        torch_text = f"{t_torch * 1e6:8.1f}µs" if t_torch is not None else "  (no torch)"
        name = str(sizes).replace(" ", "")
        print(
            f"{name:<20} {batch:>5} {t_engine * 1e6:8.1f}µs {t_floor * 1e6:8.1f}µs "
            f"{ratio:6.2f} {torch_text}"
        )
    return ratios


def _savez_atomic(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """np.savez made durable the way the app saves: temp file, fsync, os.replace."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        np.savez(handle, **arrays)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def bench_export(repeat: int, min_time: float) -> tuple[float, float] | None:
    try:
        from visualizer.formats.network_file import network_description
        from visualizer.formats.snapshot import save_snapshot, snapshot_arrays
    except ImportError as exc:
        print(f"\nsnapshot export: skipped ({exc})")
        return None
    network = make_network([784, 256, 10], "sigmoid", "half_squared_error", InitSpec(seed=2))
    trace = backprop.run(network)
    arrays = snapshot_arrays(network, trace)  # exactly the arrays the snapshot holds
    with tempfile.TemporaryDirectory() as folder:
        snap, plain, durable = (Path(folder, name) for name in ("s.npz", "p.npz", "d.npz"))
        t_snap, t_plain, t_durable, t_json = median_seconds(
            [
                partial(save_snapshot, snap, network, trace),
                partial(np.savez, plain, **arrays),
                partial(_savez_atomic, durable, arrays),
                partial(network_description, network),
            ],
            repeat,
            min_time,
        )
        sizes = snap.stat().st_size, plain.stat().st_size, durable.stat().st_size
    ratio = t_snap / t_durable
    size_ratio = sizes[0] / sizes[2]
    print("\nsnapshot export of [784,256,10] (median per call)")
    rows = (
        ("save_snapshot(.npz)", t_snap, sizes[0]),
        ("np.savez, same arrays", t_plain, sizes[1]),
        ("np.savez + fsync + os.replace", t_durable, sizes[2]),
    )
    for label, seconds, size in rows:
        print(f"  {label:<34} {seconds * 1e3:8.2f} ms  {size / 1e6:6.2f} MB")
    print(f"  (network_description, which save_snapshot embeds: {t_json * 1e3:.3f} ms)")
    print(
        f"  save_snapshot / (np.savez + fsync + rename): time {ratio:.2f} (target ≤ "
        f"{EXPORT_TARGET}), size {size_ratio:.3f} (target ≤ {SIZE_TARGET})"
    )
    return ratio, size_ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, rougher numbers")
    args = parser.parse_args(argv)
    repeat, min_time = (5, 0.05) if args.quick else (15, 0.2)
    print(f"Python {sys.version.split()[0]}, NumPy {np.__version__}, {os.cpu_count()} CPUs\n")
    ratios = bench_engine(repeat, min_time)
    export_ratio = bench_export(repeat, min_time)
    print("\nratios:")
    for (sizes, batch), ratio in zip(CASES, ratios, strict=True):
        verdict = "within" if ratio <= ENGINE_TARGET else "MISSES"
        print(f"  engine/floor {sizes!s:<20} batch {batch:<4} {ratio:5.2f}  "
              f"{verdict} {ENGINE_TARGET}x")  # fmt: skip
    if export_ratio is not None:
        time_ratio, size_ratio = export_ratio
        verdict = "within" if time_ratio <= EXPORT_TARGET else "MISSES"
        print(f"  save_snapshot/durable savez time {time_ratio:5.2f}  {verdict} {EXPORT_TARGET}x")
        verdict = "within" if size_ratio <= SIZE_TARGET else "MISSES"
        print(f"  save_snapshot/durable savez size {size_ratio:5.3f}  {verdict} {SIZE_TARGET}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
