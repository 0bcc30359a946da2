"""Where one training step's time goes: the split of `training.train_step`. Prints figures.

    .venv/bin/python benchmarks/bench_step_split.py [--rounds 15]

The step of `bench_training.py --step-only` ([64, 128, 128, 10] sigmoid, half squared error,
batch 256, float64, SGD, with a Workspace as a TrainingSession runs it), on one BLAS thread
(this script sets OPENBLAS/OMP/MKL_NUM_THREADS=1 before NumPy loads). Each part is timed by
doing that part's own work on arrays of the step's shapes, with the engine's functions
where the engine has one for it (the activation, its vjp, the output stage, the optimiser,
Layer and Network) — so the parts follow the engine's code — and NumPy calls written as the
engine writes them otherwise (the eight matrix products, bias adds, 1/B, the bias sums).

- matrix products: the eight products of a step (3 forward, 5 backward; no ∇ₓC), as
  `backprop` lays them out — the floor the rest adds to;
- everything else by part; "glue" is the whole step minus the parts (Python calls,
  workspace look-ups, lists and tuples).

Parts are timed in turns (round after round, every part once per round), medians printed
with wall and CPU time; on a busy machine CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"  # before NumPy loads its BLAS: one thread, as the comparison

import numpy as np  # noqa: E402

from visualizer.engine import backprop  # noqa: E402
from visualizer.engine.activations import ACTIVATIONS  # noqa: E402
from visualizer.engine.losses import output_cost, output_delta, output_gradient  # noqa: E402
from visualizer.engine.network import InitSpec, Layer, adopted_array, make_network  # noqa: E402
from visualizer.engine.training import SGD, gradients, parameters, train_step  # noqa: E402
from visualizer.engine.workspace import Workspace  # noqa: E402

SIZES, BATCH, LR = [64, 128, 128, 10], 256, 0.01  # as bench_training.py's step


def parts() -> dict[str, Callable[[], object]]:
    """Each part of one step as a function doing that part's work once."""
    net = make_network(SIZES, "sigmoid", "half_squared_error", InitSpec(seed=1))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, SIZES[0]))
    y = rng.uniform(size=(BATCH, SIZES[-1]))
    optimizer, workspace = SGD(LR), Workspace()
    carried: dict = {"net": net, "state": None}

    def whole_step() -> None:
        carried["net"], carried["state"], _ = train_step(
            carried["net"], x, y, optimizer, carried["state"], workspace
        )

    trace = backprop.run(net, x, y)  # realistic values for every array below
    W = [layer.weights for layer in net.layers]
    b = [layer.biases for layer in net.layers]
    z = [zl.copy() for zl in trace.z]
    a = list(trace.a)
    delta = list(trace.delta)
    hidden = range(1, len(SIZES) - 1)  # layers 1..L−1 (1-based)
    sigmoid = ACTIVATIONS["sigmoid"]
    outs = {l: np.empty_like(z[l - 1]) for l in hidden}
    spares = {l: np.empty_like(z[l - 1]) for l in hidden}
    grads = {l: np.empty_like(z[l - 1]) for l in hidden}
    slopes = {l: np.empty_like(z[l - 1]) for l in hidden}
    zs = {l: np.empty_like(z[l - 1]) for l in range(1, len(SIZES))}

    def products() -> None:
        for l in range(1, len(SIZES)):  # forward: zˡ = aˡ⁻¹ (Wˡ)ᵀ
            np.matmul(a[l - 1], W[l - 1].T, out=zs[l])
        for l in range(len(SIZES) - 1, 0, -1):  # backward: δᵀa, and δW below layer 1
            if SIZES[l] < SIZES[l - 1]:  # as backprop._parameter_gradients orients it
                np.ascontiguousarray((a[l - 1].T @ delta[l - 1]).T)
            else:
                delta[l - 1].T @ a[l - 1]
            if l > 1:
                np.matmul(delta[l - 1], W[l - 1], out=grads[l - 1])

    def bias_adds() -> None:
        for l in range(1, len(SIZES)):
            zs[l] += b[l - 1]

    def activations() -> None:
        for l in hidden:
            sigmoid.apply(z[l - 1], outs[l], spares[l])
        sigmoid.apply(z[-1])  # the output layer's aᴸ is a new array

    z_out, a_out = trace.z[-1], trace.a[-1]

    def output_stage() -> None:
        dC_da = output_gradient("sigmoid", net.loss, z_out, a_out, y)
        per_sample = output_cost("sigmoid", net.loss, z_out, a_out, y)
        float(per_sample.sum() / per_sample.size)
        output_delta("sigmoid", net.loss, z_out, a_out, y, dC_da)

    def vjps() -> None:
        for l in hidden:
            np.copyto(grads[l], trace.grad_a[l])
            sigmoid.vjp(z[l - 1], a[l], grads[l], grads[l], slopes[l])

    products_dW = [d.T @ a_prev for d, a_prev in zip(delta, a[:-1], strict=True)]

    def reductions() -> None:  # dW·(1/B) and the bias gradients, sums over the batch
        for d, dW in zip(delta, products_dW, strict=True):
            dW *= 1.0 / BATCH
            db = np.add.reduce(d, axis=0)
            np.divide(db, BATCH, out=db)

    params, grads_list = parameters(net), gradients(backprop.gradients(net, x, y))
    state = optimizer.init_state(params)

    def update() -> None:
        optimizer.update(params, grads_list, state)

    new_params = [p - LR * g for p, g in zip(params, grads_list, strict=True)]

    def new_network() -> None:
        # fresh arrays each time, as the optimiser hands them over, frozen as train_step does
        fresh = [p.copy() for p in new_params]
        layers = tuple(
            Layer(
                adopted_array(fresh[2 * i], "weights", 2),
                adopted_array(fresh[2 * i + 1], "biases", 1),
                layer.activation,
            )
            for i, layer in enumerate(net.layers)
        )
        net.replace(layers=layers)

    def copies() -> None:  # the copies inside new_network, to take back out
        [p.copy() for p in new_params]

    return {
        "whole train_step": whole_step,
        "matrix products (8)": products,
        "bias adds (3)": bias_adds,
        "activations: sigmoid (3)": activations,
        "output stage: C, ∂C/∂aᴸ, δᴸ": output_stage,
        "vjp f′ ⊙ g (2)": vjps,
        "dW·1/B and db sums (3)": reductions,
        "SGD update": update,
        "new Layers + Network": new_network,
        "(copies in the row above)": copies,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--loops", type=int, default=100, help="calls per part per round")
    args = parser.parse_args()
    funcs = parts()
    for fn in funcs.values():
        for _ in range(10):
            fn()
    wall: dict[str, list[float]] = {name: [] for name in funcs}
    cpu: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(args.rounds):
        for name, fn in funcs.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(args.loops):
                fn()
            wall[name].append((time.perf_counter() - start) / args.loops)
            cpu[name].append((time.process_time() - start_cpu) / args.loops)
    w = {name: 1e6 * statistics.median(t) for name, t in wall.items()}
    c = {name: 1e6 * statistics.median(t) for name, t in cpu.items()}
    w["new Layers + Network"] -= w.pop("(copies in the row above)")
    c["new Layers + Network"] -= c.pop("(copies in the row above)")
    whole, whole_cpu = w.pop("whole train_step"), c.pop("whole train_step")
    print(
        f"one training step, {SIZES} sigmoid, batch {BATCH}, float64, one thread "
        f"(median of {args.rounds} rounds × {args.loops}; load average "
        f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs):"
    )
    print(f"  {'part':<30} {'wall µs':>8} {'CPU µs':>8} {'share':>6}")
    for name in w:
        print(f"  {name:<30} {w[name]:8.1f} {c[name]:8.1f} {100 * c[name] / whole_cpu:5.1f}%")
    glue, glue_cpu = whole - sum(w.values()), whole_cpu - sum(c.values())
    share = 100 * glue_cpu / whole_cpu
    print(f"  {'glue (the rest)':<30} {glue:8.1f} {glue_cpu:8.1f} {share:5.1f}%")
    print(f"  {'whole train_step':<30} {whole:8.1f} {whole_cpu:8.1f} {100.0:5.1f}%")
    rest = whole_cpu - c["matrix products (8)"]
    print(
        f"  matrix products {c['matrix products (8)']:.0f} µs CPU, everything else "
        f"{rest:.0f} µs ({100 * rest / whole_cpu:.0f}%)"
    )


if __name__ == "__main__":
    main()
