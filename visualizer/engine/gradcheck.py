"""The gradient check: central finite differences against the analytic gradient.

Every entry p of every Wˡ, bˡ and of the input x is nudged both ways, and
(C(p + ε) − C(p − ε)) / 2ε is compared with what `backprop.run` computes. The loss is
evaluated by `backprop.forward` and the output stage of engine/losses.py (the formulas
`backprop.run` uses, from the logits where it does), vectorised over many nudges at once;
no network is rebuilt and no read-only array is touched.

That costs two forward passes per parameter, minutes for millions of parameters, so above
`FAST_ABOVE` parameters the check runs in *fast mode* (as PyTorch's
`gradcheck(fast_mode=True)`): for each array it compares the difference quotient along a few
random ±1 directions v, (C(θ + εv) − C(θ − εv)) / 2ε, with ∇C·v, then checks a random sample
of its entries one by one. The seed is recorded, so a run can be repeated.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from visualizer.engine import backprop
from visualizer.engine.losses import output_cost, output_rounding
from visualizer.engine.network import Network, read_only

Array = np.ndarray

DEFAULT_EPS = 1e-6

# The relative error of an entry is |a − n| / max(|a|, |n|, floor). Without a floor, an entry
# that is truly 0 or tiny (a dead ReLU, a saturated sigmoid) would read as an error of order
# 1 from the noise of the difference quotient alone. That noise is predictable:
#   rounding    u·S/ε, where u = 2⁻⁵³ and S = Σ |v·∂C/∂v| over the values v the forward pass
#               rounds (each product Wᵢⱼaⱼ, each bias, activation and input, the loss's own
#               terms): the first-order bound on how far rounding moves C;
#   truncation  ε²·|C‴|/6, counted as ε², i.e. third derivatives of order one, the scale of
#               the networks this app shows. It also keeps the floor positive when C and every
#               gradient are exactly 0.
# The floor is that expected error divided by NOISE_READS_AS, so that pure noise reads as
# about 1e-8, two orders of magnitude under the usual rtol of 1e-6 (at ε = 1e-6 and S = 1 the
# floor is ≈ 0.011). Entries above the floor get the plain relative error. Nothing that matters
# is hidden: a wrong entry still reads |error| / floor, so an error of 1e-5 × the floor reads
# 1e-5 ≫ 1e-6; only errors too small for differences of step ε to resolve go unseen.
NOISE_READS_AS = 1e-8
_U = float(np.finfo(np.float64).eps) / 2

# Nudged copies are evaluated in chunks of about this many float64 values per layer: a large
# network costs a few MB of memory, not a copy of itself per parameter.
_CHUNK_VALUES = 1 << 20

# Above this many parameters (weights and biases) "auto" picks the fast mode: the full check
# of a network this size takes about a second on one core.
FAST_ABOVE = 50_000
# Fast mode, per array: random directions, then entries checked one by one. With ±1
# directions, an entry whose gradient is off by d moves every directional difference by
# exactly d, so a single wrong entry cannot hide behind an unlucky direction; several
# directions catch errors spread over many entries that might cancel in one of them.
FAST_DIRECTIONS = 4
FAST_SAMPLES = 16
MODES = ("auto", "full", "fast")


@dataclass(frozen=True, eq=False)
class CheckRow:
    """The check of one array ("W1", "b1", …, "x"): analytic and numeric gradients of the
    same shape, their elementwise absolute and relative errors, and the largest of each."""

    name: str
    analytic: Array
    numeric: Array
    abs_error: Array
    rel_error: Array
    max_abs: float
    max_rel: float
    # Fast mode only: which entries were checked one by one (the others hold NaN in
    # numeric, abs_error and rel_error), the relative error along each random direction,
    # and the seed that drew both. In full mode: None, (), None.
    checked: Array | None = None
    direction_errors: tuple[float, ...] = ()
    seed: int | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.analytic.shape)

    @property
    def fast(self) -> bool:
        return self.checked is not None

    @property
    def entries_checked(self) -> int:
        """How many entries were compared one by one (all of them in full mode)."""
        return self.analytic.size if self.checked is None else int(np.count_nonzero(self.checked))

    def passes(self, rtol: float) -> bool:
        """True when every relative error is ≤ rtol (NaN never passes)."""
        return bool(self.max_rel <= rtol)


def check_passes(rows: Sequence[CheckRow], rtol: float) -> bool:
    """True when every row's largest relative error is ≤ rtol; a NaN error fails."""
    if not (math.isfinite(rtol) and rtol >= 0):
        raise ValueError(f"rtol must be a finite number ≥ 0, got {rtol}")
    return all(row.passes(rtol) for row in rows)


def choose_mode(network: Network, mode: str = "auto") -> str:
    """ "full" or "fast": `mode` itself, or for "auto" fast above FAST_ABOVE parameters."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "auto":
        return "fast" if network.parameter_count > FAST_ABOVE else "full"
    return mode


def describe_mode(rows: Sequence[CheckRow]) -> str:
    """One line saying which check ran: "every entry (full check)" or, for fast mode, how
    many directions and entries per array and the seed to repeat it with."""
    if not rows or not rows[0].fast:
        total = sum(row.analytic.size for row in rows)
        return f"full check: every entry ({total:,} in all)"
    entries = sum(row.entries_checked for row in rows)
    total = sum(row.analytic.size for row in rows)
    return (
        f"fast check: {len(rows[0].direction_errors)} random directions per array and "
        f"{entries:,} of {total:,} entries one by one (seed {rows[0].seed})"
    )


def gradient_check(
    network: Network,
    x: Array | None = None,
    y: Array | None = None,
    eps: float = DEFAULT_EPS,
    mode: str = "full",
    seed: int | None = None,
    directions: int | None = None,
    samples: int | None = None,
) -> list[CheckRow]:
    """Rows W1, b1, W2, b2, …, x comparing `backprop.run`'s gradient with central finite
    differences of step `eps`.

    `mode` "full" checks every entry; "fast" checks `directions` random ±1 directions and
    `samples` random entries per array (FAST_DIRECTIONS and FAST_SAMPLES unless given),
    drawn from `seed` (a fresh one when None, recorded on the rows); "auto" picks with
    `choose_mode`. In fast mode a direction's relative error
    is |(C(θ+εv) − C(θ−εv))/2ε − ∇C·v| over the array's largest gradient entry (or the noise
    floor, when larger): an entry off by d reads d / that scale, never more than it would
    read on its own, and errors spread over many entries add up.

    x and y default to the network's current sample; x may be one sample (n⁰,) or a batch
    (B, n⁰), in which case C is the mean loss, so the x row is ∂C/∂X = (per-sample ∇ₓCᵢ)/B.
    The numeric derivative divides by the step actually taken, (p + ε) − (p − ε) in
    float64, rather than 2ε. See NOISE_READS_AS for the relative error's definition.
    """
    if not (math.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a finite number > 0, got {eps}")
    mode = choose_mode(network, mode)
    trace = backprop.run(network, x, y)
    x, y = trace.x, trace.y
    batch_size = x.shape[0] if trace.batched else 1
    model = _Model(network)
    if mode == "fast":
        directions = FAST_DIRECTIONS if directions is None else directions
        samples = FAST_SAMPLES if samples is None else samples
        return _fast_check(network, model, trace, eps, seed, directions, samples)

    pairs: list[tuple[str, Array, Array]] = []
    for l in range(network.depth):
        pairs.append((f"W{l + 1}", trace.dW[l], model.numeric_weights(l, trace.a[l], y, eps)))
        pairs.append((f"b{l + 1}", trace.db[l], model.numeric_biases(l, trace.a[l], y, eps)))
    pairs.append(("x", trace.dx / batch_size, model.numeric_input(x, y, eps) / batch_size))

    floor = noise_floor(network, trace, eps)
    return [_row(name, analytic, numeric, floor) for name, analytic, numeric in pairs]


def noise_floor(network: Network, trace: backprop.Trace, eps: float) -> float:
    """The floor of the relative error's denominator (see NOISE_READS_AS): the expected error
    of a central difference of step eps, u·S/ε + ε², divided by NOISE_READS_AS."""
    floor = (_U * rounding_sensitivity(network, trace) / eps + eps * eps) / NOISE_READS_AS
    # A forward pass that overflowed makes S infinite; an infinite floor would turn every
    # error into 0 and pass, so fall back to plain relative errors (inf/NaN then fail).
    return floor if math.isfinite(floor) else float(np.finfo(np.float64).tiny)


def rounding_sensitivity(network: Network, trace: backprop.Trace) -> float:
    """S = Σ |v·∂C/∂v| over the values v the forward pass rounds: how far C moves, to first
    order, when each of them is off by one relative rounding error (mean over a batch)."""
    per_sample = np.sum(np.abs(trace.a[0] * trace.grad_a[0]), axis=-1)
    for l, layer in enumerate(network.layers):
        # zˡ = Wˡaˡ⁻¹ + bˡ rounds every product and the bias: weigh each by |δˡ|.
        magnitude = np.abs(trace.a[l]) @ np.abs(layer.weights).T + np.abs(layer.biases)
        per_sample = per_sample + np.sum(np.abs(trace.delta[l]) * magnitude, axis=-1)
        if l < network.depth - 1:
            per_sample = per_sample + np.sum(np.abs(trace.a[l + 1] * trace.grad_a[l + 1]), axis=-1)
    z, a = trace.z[-1], trace.a[-1]
    last = network.layers[-1].activation
    per_sample = per_sample + output_rounding(last, network.loss, z, a, trace.y, trace.dC_da)
    return float(np.mean(per_sample))


def _row(name: str, analytic: Array, numeric: Array, floor: float) -> CheckRow:
    analytic = _frozen(analytic)
    numeric = _frozen(numeric)
    abs_error, rel_error = _errors(analytic, numeric, floor)
    # Both new arrays, no one else's: made read-only in place, not copied first.
    abs_error, rel_error = read_only(abs_error), read_only(rel_error)
    return CheckRow(
        name=name,
        analytic=analytic,
        numeric=numeric,
        abs_error=abs_error,
        rel_error=rel_error,
        max_abs=float(np.max(abs_error, initial=0.0)),
        max_rel=float(np.max(rel_error, initial=0.0)),
    )


def _errors(analytic: Array, numeric: Array, floor: float) -> tuple[Array, Array]:
    """The absolute and relative errors of numeric against analytic values, entry by entry:
    |a − n| and |a − n| / max(|a|, |n|, floor)."""
    abs_error = np.abs(analytic - numeric)
    denominator = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
    return abs_error, abs_error / denominator


def _fast_check(
    network: Network,
    model: _Model,
    trace: backprop.Trace,
    eps: float,
    seed: int | None,
    directions: int,
    samples: int,
) -> list[CheckRow]:
    if directions < 1 or samples < 0:
        raise ValueError(f"need ≥ 1 direction and ≥ 0 samples, got {directions}, {samples}")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (1 << 31))  # printed, so repeatable
    rng = np.random.default_rng(seed)
    x, y = trace.x, trace.y
    batch_size = x.shape[0] if trace.batched else 1
    floor = noise_floor(network, trace, eps)

    # (name, analytic, the layer index the loss is taken from, the pre-activation there of
    # one nudged copy of the array, per-entry numeric)
    arrays: list[tuple[str, Array, int, Callable[[Array], Array], Callable[[Array], Array]]] = []
    for l, layer in enumerate(network.layers):
        a_prev, w, b = trace.a[l], layer.weights, layer.biases

        def w_z(nudged: Array, a_prev: Array = a_prev, b: Array = b) -> Array:
            return a_prev @ nudged.T + b

        def b_z(nudged: Array, wa: Array = a_prev @ w.T) -> Array:
            return wa + nudged

        def w_entries(index: Array, l: int = l, a_prev: Array = a_prev) -> Array:
            return model.numeric_weights(l, a_prev, y, eps, index)

        def b_entries(index: Array, l: int = l, a_prev: Array = a_prev) -> Array:
            return model.numeric_biases(l, a_prev, y, eps, index)

        arrays.append((f"W{l + 1}", trace.dW[l], l, w_z, w_entries))
        arrays.append((f"b{l + 1}", trace.db[l], l, b_z, b_entries))
    w1, b1 = network.layers[0].weights, network.layers[0].biases

    def x_z(nudged: Array) -> Array:
        return nudged @ w1.T + b1

    def x_entries(index: Array) -> Array:
        # Entry k of a batch is sample k // n⁰'s input k % n⁰; only that sample's loss moves.
        flat_x = x.reshape(-1, x.shape[-1])
        flat_y = y.reshape(-1, y.shape[-1])
        out = np.empty(index.size)
        # sorted(set()), not np.unique: its first call imports numpy.ma (~70 ms of `check`)
        for s_index in sorted(set((index // x.shape[-1]).tolist())):
            mine = index // x.shape[-1] == s_index
            cols = index[mine] % x.shape[-1]
            out[mine] = model.numeric_input(flat_x[s_index], flat_y[s_index], eps, cols)
        return out / batch_size

    arrays.append(("x", trace.dx / batch_size, 0, x_z, x_entries))
    values = {f"W{l + 1}": layer.weights for l, layer in enumerate(network.layers)}
    values.update({f"b{l + 1}": layer.biases for l, layer in enumerate(network.layers)})
    values["x"] = x
    signs = np.array([eps, -eps])
    # Three buffers per shape (W², …, W¹⁵ share one), reused by every array of that shape:
    # fresh arrays for each nudged copy were handed back to the system and faulted in
    # anew (~36,000 page faults for a 3.7M-parameter network, a third of its check).
    buffers: dict[tuple[int, ...], tuple[Array, Array, Array]] = {}

    rows = []
    for name, analytic, start, z_of, entries in arrays:
        theta = values[name]
        scale = max(float(np.max(np.abs(analytic), initial=0.0)), floor)
        # ±ε per entry from one random bit each (a float draw per entry, compared and
        # turned into ±ε by np.where, cost more than the nudged losses for big arrays).
        bits = np.unpackbits(
            np.frombuffer(rng.bytes(-(-directions * theta.size // 8)), dtype=np.uint8),
            count=directions * theta.size,
        ).reshape(directions, *theta.shape)
        # One direction at a time: only the nudged pre-activations are kept.
        if theta.shape not in buffers:
            buffers[theta.shape] = (np.empty(theta.shape), np.empty(theta.shape),
                                    np.empty(theta.shape))  # fmt: skip
        nudge, plus, minus = buffers[theta.shape]
        gradient = analytic.ravel()
        z_plus, z_minus, analytic_dir = [], [], []
        for d in range(directions):
            np.take(signs, bits[d], out=nudge, mode="clip")  # "raise" copies via a buffer
            np.add(theta, nudge, out=plus)
            np.subtract(theta, nudge, out=minus)
            z_plus.append(z_of(plus))
            z_minus.append(z_of(minus))
            # ∇C is projected on the step really taken per entry, as the full check divides
            # by it: the rounding of θ ± εv then does not read as an error.
            np.subtract(plus, minus, out=nudge)
            analytic_dir.append(np.dot(nudge.ravel(), gradient))
        losses = model.losses_from(start, np.stack(z_plus + z_minus), y)
        numeric_dir = (losses[:directions] - losses[directions:]) / (2 * eps)
        dir_abs = np.abs(numeric_dir - np.array(analytic_dir) / (2 * eps))
        dir_rel = dir_abs / scale

        count = min(samples, analytic.size)
        index = np.sort(rng.choice(analytic.size, size=count, replace=False))
        row = _sampled_row(name, analytic, index, entries(index), floor)
        picked_abs, picked_rel = row.abs_error.ravel()[index], row.rel_error.ravel()[index]
        rows.append(
            dataclasses.replace(
                row,
                max_abs=float(np.max(np.concatenate([picked_abs, dir_abs]))),
                max_rel=float(np.max(np.concatenate([picked_rel, dir_rel]))),
                direction_errors=tuple(float(e) for e in dir_rel),
                seed=seed,
            )
        )
    return rows


def _sampled_row(name: str, analytic: Array, index: Array, values: Array, floor: float) -> CheckRow:
    """`_row` for numeric values at the flat `index` only (NaN elsewhere), computed at
    those entries alone: the same numbers as `_row` over the whole arrays, where NaN
    propagates through every step, without a pass over millions of NaNs per array."""
    shape = analytic.shape
    # Not copied (8 bytes × 3.7 M for a big network): the fast check's analytic arrays
    # come from its own trace, which no one else holds.
    analytic = read_only(np.asarray(analytic, dtype=np.float64))
    picked = analytic.ravel()[index]
    numeric = np.full(analytic.size, np.nan)
    numeric[index] = values
    abs_error = np.full(analytic.size, np.nan)
    rel_error = np.full(analytic.size, np.nan)
    abs_error[index], rel_error[index] = _errors(picked, values, floor)
    checked = np.zeros(analytic.size, dtype=bool)
    checked[index] = True
    return CheckRow(
        name=name,
        analytic=analytic,
        numeric=read_only(numeric.reshape(shape)),
        abs_error=read_only(abs_error.reshape(shape)),
        rel_error=read_only(rel_error.reshape(shape)),
        max_abs=float(np.max(abs_error[index], initial=0.0)),
        max_rel=float(np.max(rel_error[index], initial=0.0)),
        checked=read_only(checked.reshape(shape)),
    )



def _frozen(arr: Array) -> Array:
    arr = np.array(arr, dtype=np.float64)
    arr.setflags(write=False)
    return arr


class _Model:
    """The network's loss as a function of one layer's pre-activation, evaluated for a stack
    of nudged copies at once: the rows of a (K, …) array are K independent evaluations."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.weights = [layer.weights for layer in network.layers]
        self.biases = [layer.biases for layer in network.layers]
        self.width = max(network.sizes)

    def losses_from(self, l: int, z: Array, y: Array) -> Array:
        """C for each leading row of z, where z holds the pre-activation of layer index l
        (0-based) for one sample (K, n) or a batch (K, B, n); batch losses are means over B."""
        # The forward pass and output stage of backprop.run, so this C is the one whose
        # gradient run computes; at the unperturbed point the two agree bit for bit.
        z_list, a_list = backprop.forward(self.network, z, start=l + 1)
        net = self.network
        per_sample = output_cost(net.layers[-1].activation, net.loss, z_list[-1], a_list[-1], y)
        return per_sample.mean(axis=-1) if per_sample.ndim == 2 else per_sample

    def numeric_weights(
        self, l: int, a_prev: Array, y: Array, eps: float, index: Array | None = None
    ) -> Array:
        """∂C/∂W of layer index l; a_prev is that layer's unperturbed input (1-D or (B, n)).
        With `index` (flat indices), only those entries, as a 1-D array."""
        w, b = self.weights[l], self.biases[l]
        z_base = a_prev @ w.T + b

        def losses_at(flat: Array, values: Array) -> Array:
            rows, cols = np.divmod(flat, w.shape[1])
            w_rows = w[rows]  # a copy: fancy indexing never returns a view
            w_rows[np.arange(len(flat)), cols] = values
            z = np.broadcast_to(z_base, (len(flat), *z_base.shape)).copy()
            # Only entry r of z depends on W[r, c]: recompute it, keep the others.
            z[np.arange(len(flat)), ..., rows] = _plus_per_row(w_rows @ a_prev.T, b[rows])
            return self.losses_from(l, z, y)

        per_item = 2 * _samples(a_prev) * self.width
        numeric = _central_differences(w.ravel(), eps, per_item, losses_at, index)
        return numeric if index is not None else numeric.reshape(w.shape)

    def numeric_biases(
        self, l: int, a_prev: Array, y: Array, eps: float, index: Array | None = None
    ) -> Array:
        """∂C/∂b of layer index l; a_prev is that layer's unperturbed input. With `index`,
        only those entries."""
        w, b = self.weights[l], self.biases[l]
        wa = a_prev @ w.T
        z_base = wa + b

        def losses_at(rows: Array, values: Array) -> Array:
            z = np.broadcast_to(z_base, (len(rows), *z_base.shape)).copy()
            z[np.arange(len(rows)), ..., rows] = _plus_per_row(wa[..., rows].T, values)
            return self.losses_from(l, z, y)

        return _central_differences(b, eps, 2 * _samples(a_prev) * self.width, losses_at, index)

    def numeric_input(self, x: Array, y: Array, eps: float, index: Array | None = None) -> Array:
        """∇ₓCᵢ of each sample (rows, for a batch) from differences of that sample's own
        loss: the other samples' losses do not depend on xᵢ. With `index` (one sample
        only), only those entries."""
        if x.ndim == 2:
            rows = [self.numeric_input(xi, yi, eps) for xi, yi in zip(x, y, strict=True)]
            return np.stack(rows)

        def losses_at(cols: Array, values: Array) -> Array:
            xs = np.broadcast_to(x, (len(cols), x.size)).copy()
            xs[np.arange(len(cols)), cols] = values
            return self.losses_from(0, xs @ self.weights[0].T + self.biases[0], y)

        return _central_differences(x, eps, 2 * self.width, losses_at, index)


def _central_differences(
    params: Array,
    eps: float,
    per_item: int,
    losses_at: Callable[[Array, Array], Array],
    which: Array | None = None,
) -> Array:
    """(C(p + ε) − C(p − ε)) / ((p + ε) − (p − ε)) for every entry p of the 1-D `params`
    (or only the entries at the flat indices `which`, in that order), where
    losses_at(indices, values) gives C with each indexed entry set to its value.
    Dividing by the step really taken removes the rounding of p ± ε from the quotient."""
    which = np.arange(params.size) if which is None else np.asarray(which, dtype=np.intp)
    out = np.empty(which.size)
    step = max(1, _CHUNK_VALUES // max(1, per_item))
    for start in range(0, which.size, step):
        part = slice(start, min(which.size, start + step))
        index = which[part]
        plus, minus = params[index] + eps, params[index] - eps
        out[part] = (losses_at(index, plus) - losses_at(index, minus)) / (plus - minus)
    return out


def _plus_per_row(products: Array, addend: Array) -> Array:
    """products (K,) or (K, B) plus addend (K,): one addend per row k."""
    return products + (addend[:, None] if products.ndim == 2 else addend)


def _samples(a: Array) -> int:
    return a.shape[0] if a.ndim == 2 else 1
