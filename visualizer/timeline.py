"""The computation as an ordered list of Steps, for the player, the canvas and the panels.

`build(network, trace)` turns one sample's Trace into 5L + 2 steps, in the order a person
would do them by hand:

    forward   for l = 1..L:  linear      zˡ = Wˡ aˡ⁻¹ + bˡ
                             activation  aˡ = fˡ(zˡ)
    loss                     loss        C = loss(aᴸ, y)
                             loss_grad   ∇_{aᴸ}C = (∂C/∂aᴸ)ᵀ
    backward  for l = L..1:  activation_grad  δˡ = (fˡ)′(zˡ) ⊙ ∇_{aˡ}C  (or (J_fˡ)ᵀ ∇_{aˡ}C)
                             weight_grad      ∂C/∂Wˡ = δˡ (aˡ⁻¹)ᵀ;  ∂C/∂bˡ = δˡ
                             transpose        ∇_{aˡ⁻¹}C = (Wˡ)ᵀ δˡ   (∇ₓC for l = 1)

Each Step names the vectors it reads and writes (with their values, taken from the Trace
as they are, never recomputed), the matrices whose edges it uses, and its equation, both
symbolic and with numbers, as plain Unicode and as Qt rich text, in the notation and with
the digits of `notation.display()` at the time of building. Everything here is plain
data: no Qt, so the timeline can be built and tested without a display.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from visualizer.engine import forward_mode
from visualizer.engine.activations import ACTIVATIONS
from visualizer.engine.backprop import Trace
from visualizer.engine.losses import LOSSES, from_logits, is_fused
from visualizer.engine.network import Network
from visualizer.notation import (
    format_matrix,
    format_number,
    format_shape,
    format_value,
    render,
    t_delta,
)

Array = np.ndarray
Key = tuple[str, int]

KINDS = (
    "linear",
    "activation",
    "loss",
    "loss_grad",
    "activation_grad",
    "weight_grad",
    "transpose",
    "seed",
    "forward_product",
)
# What a timeline shows: reverse mode (backprop: the forward pass, then δ flowing back),
# forward mode (the forward pass carrying ∂aˡ/∂x, then dC/dx at the loss end), or both
# (the forward pass carrying ∂aˡ/∂x, the backward pass, then forward mode's dC/dx).
MODES = ("reverse", "forward", "both")
PHASES = ("forward", "loss", "backward")
_PHASE_OF = {
    "linear": "forward",
    "activation": "forward",
    "loss": "loss",
    "loss_grad": "loss",
    "activation_grad": "backward",
    "weight_grad": "backward",
    "transpose": "backward",
    "seed": "forward",
    "forward_product": "loss",
}


# -- the data ----------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class VectorRef:
    """A named value of the computation: `name` is one of "a", "z", "b", "delta", "grad_a",
    "dW", "db", "C", "y", and in forward mode "dz_dx", "da_dx" (the carried matrices
    ∂zˡ/∂x, ∂aˡ/∂x; "da_dx" at layer 0 is ∂x/∂x = I) and "dC_dx" (the row dC/dx, layer 0);
    `layer` its layer l ("grad_a" at layer 0 is ∇ₓC; "C" and "y" carry layer L). `values`
    is a read-only float64 view: (n,) for vectors, () for C, (nˡ, nˡ⁻¹) for dW, (nˡ, n⁰)
    for the carried matrices. ∂C/∂Wˡ is made the first time its `values` are read: its
    step writes it as its shape, and a timeline is built for every edit (`source` is the
    array, or a `Later` for it)."""

    name: str
    layer: int
    source: Array | Later

    @property
    def values(self) -> Array:
        if isinstance(self.source, Later):
            object.__setattr__(self, "source", self.source.make())
        return self.source  # type: ignore[return-value]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.source.shape)

    @property
    def key(self) -> Key:
        return (self.name, self.layer)


@dataclass(frozen=True)
class Later:
    """An array of a known shape, made when first needed."""

    shape: tuple[int, ...]
    make: Callable[[], Array]


@dataclass(frozen=True, eq=False)
class Step:
    """One step of the animation.

    `matrices` names the matrices whose edges the step uses, as ("W", l) (the edge bundle
    of layer l) or ("J", l) (the softmax Jacobian of layer l); `transposed` is True when
    the step multiplies by (Wˡ)ᵀ. `activation` is fˡ's registry name ("" for loss steps);
    `fused` marks the output δᴸ = aᴸ − y of softmax + cross-entropy or sigmoid + binary
    cross-entropy. `equation_*` is symbolic; `numbers_*` gives each written value, with
    the same left-hand side, to 4 significant digits.

    `mode` is the timeline's mode (see MODES). `mults` counts the scalar multiplications
    the step spends on dC/dx (as the chain view counts: an elementwise f′ as ⊙) and
    `counts_for` names the counter they go to: "reverse", "forward" or "" (none).
    """

    index: int
    kind: str
    phase: str
    layer: int
    reads: tuple[VectorRef, ...]
    writes: tuple[VectorRef, ...]
    matrices: tuple[Key, ...]
    transposed: bool
    equation_text: str
    equation_html: str
    numbers_text: str
    numbers_html: str
    title: str
    title_html: str
    activation: str = ""
    fused: bool = False
    mode: str = "reverse"
    mults: int = 0
    counts_for: str = ""

    @property
    def equation(self) -> str:
        """The symbolic equation in plain Unicode (same as `equation_text`)."""
        return self.equation_text

    def written(self, name: str, layer: int) -> VectorRef:
        """The value this step writes under (name, layer); KeyError if it writes none."""
        for ref in self.writes:
            if ref.key == (name, layer):
                return ref
        raise KeyError((name, layer))


_CARRIED = frozenset({"dz_dx", "da_dx", "dC_dx"})


def _shown(ref: VectorRef) -> str:
    """A written value as the equation panel shows it. Vectors (aˡ, zˡ, δˡ, ∇_{aˡ}C, bˡ) are
    columns: written on one line as a transposed row, "[a, b, c]ᵀ", never as a bare row."""
    if ref.name in _CARRIED:
        return format_matrix(ref.values)
    if len(ref.shape) == 2:  # (∂C/∂Wˡ: not made for this)
        return format_shape(ref.shape)
    text = format_value(ref.values)
    return text + "^{T}" if np.ndim(ref.values) == 1 else text


# -- templates ---------------------------------------------------------------------------
def _up(base: str, layer: int) -> str:
    return f"{base}^{{{layer}}}"


def _grad(layer: int) -> str:
    """∇_{aˡ}C, or ∇ₓC for the input."""
    return "∇_{x}C" if layer == 0 else f"∇_{{{_up('a', layer)}}}C"


def _lhs(name: str, layer: int) -> str:
    return {
        "a": _up("a", layer),
        "z": _up("z", layer),
        "delta": _up("δ", layer),
        "grad_a": _grad(layer),
        "dW": f"∂C/∂{_up('W', layer)}",
        "db": f"∂C/∂{_up('b', layer)}",
        "C": "C",
        "dz_dx": f"∂{_up('z', layer)}/∂x",
        "da_dx": "∂x/∂x" if layer == 0 else f"∂{_up('a', layer)}/∂x",
        "dC_dx": "dC/dx",
    }[name]


# -- building ----------------------------------------------------------------------------
def _ro(values: Array | float) -> Array:
    """A read-only float64 view (no copy when the input already is float64)."""
    view = np.asarray(values, dtype=np.float64).view()
    view.setflags(write=False)
    return view


def _check(network: Network, trace: Trace) -> None:
    if trace.batched:
        raise ValueError("timeline needs one sample (got a batch trace)")
    sizes = [int(a.shape[-1]) for a in trace.a]
    if trace.depth != network.depth or sizes != network.sizes:
        raise ValueError(
            f"trace does not match the network: layer sizes {sizes}, network {network.sizes}"
        )


def step_count(depth: int, mode: str = "reverse") -> int:
    """How many steps `build` makes for a network of `depth` layers in `mode`: 5L + 2 in
    reverse mode, 2L + 4 in forward mode (the seed ∂x/∂x = I, two steps per layer, the
    loss, ∂C/∂aᴸ and dC/dx), 5L + 4 for both."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r} (known: {', '.join(MODES)})")
    return {"reverse": 5 * depth + 2, "forward": 2 * depth + 4, "both": 5 * depth + 4}[mode]


def build(network: Network, trace: Trace, mode: str = "reverse") -> list[Step]:
    """The steps of one pass in playing order (see the module docstring), in `mode`:

    - "reverse" (5L + 2 steps): the forward pass, the loss, then δ flowing back.
    - "forward" (2L + 4): the seed ∂x/∂x = I, then each linear and activation step also
      carries the matrix ∂zˡ/∂x or ∂aˡ/∂x (nˡ × n⁰) left to right, then the loss, ∂C/∂aᴸ,
      and the row dC/dx = ∂C/∂aᴸ · ∂aᴸ/∂x (kind "forward_product").
    - "both" (5L + 4): forward mode's steps up to ∂C/∂aᴸ, reverse mode's backward pass,
      then forward mode's dC/dx, which the last step compares with ∇ₓC.

    Every value a step writes is the Trace's own array (or the engine's forward-mode
    matrix) as a read-only view, so the timeline shows exactly what the engine computed.

    ValueError if `trace` is of a batch ("timeline needs one sample"), does not have
    `network`'s layer sizes, or for an unknown mode.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r} (known: {', '.join(MODES)})")
    _check(network, trace)
    big_l = network.depth
    loss = network.loss
    out_act = network.layer(big_l).activation
    fused = is_fused(out_act, loss)
    carries = mode != "reverse"  # the forward pass carries ∂aˡ/∂x
    tangents = forward_mode.tangents(network, trace) if carries else None
    act_mults, transpose_mults = forward_mode.reverse_mults(network)
    n0 = network.sizes[0]

    def ref(name: str, layer: int) -> VectorRef:
        if tangents is not None:
            if name == "dz_dx":
                return VectorRef(name, layer, tangents.dz_dx[layer - 1])
            if name == "da_dx":
                return VectorRef(name, layer, tangents.da_dx[layer])
            if name == "dC_dx":
                return VectorRef(name, layer, tangents.dC_dx)
        # bˡ is a parameter, not part of the pass; every other value is the Trace's own.
        if name == "b":
            return VectorRef(name, layer, _ro(network.layer(layer).biases))
        if name == "dW":
            shape = network.layer(layer).weights.shape
            return VectorRef(name, layer, Later(shape, lambda: _ro(trace.value(name, layer))))
        return VectorRef(name, layer, _ro(trace.value(name, layer)))

    steps: list[Step] = []

    def add(
        kind: str,
        layer: int,
        reads: Sequence[Key],
        writes: Sequence[Key],
        equation: str,
        *,
        matrices: Sequence[Key] = (),
        transposed: bool = False,
        activation: str = "",
        is_fused: bool = False,
        note: str = "",
        mults: int = 0,
        counts_for: str = "",
        extra_numbers: str = "",
    ) -> None:
        phase = _PHASE_OF[kind]
        eq_text, eq_html = render(equation)
        written = tuple(ref(n, l) for n, l in writes)
        numbers = "; ".join(f"{_lhs(r.name, r.layer)} = {_shown(r)}" for r in written)
        numbers += extra_numbers
        num_text, num_html = render(numbers)
        if phase == "loss":
            where = f"{phase} · "
        else:
            where = f"{phase} · " + ("input · " if layer == 0 else f"layer {layer} · ")
        title_text, title_html = render(where + equation + note)
        steps.append(
            Step(
                index=len(steps),
                kind=kind,
                phase=phase,
                layer=layer,
                reads=tuple(ref(n, l) for n, l in reads),
                writes=written,
                matrices=tuple(matrices),
                transposed=transposed,
                equation_text=eq_text,
                equation_html=eq_html,
                numbers_text=num_text,
                numbers_html=num_html,
                title=title_text,
                title_html=title_html,
                activation=activation,
                fused=is_fused,
                mode=mode,
                mults=mults,
                counts_for=counts_for,
            )
        )

    def act_note(l: int, backward: bool = False) -> str:
        act = ACTIVATIONS[network.layer(l).activation]
        if backward and l == big_l and from_logits(act.name, loss):
            # δᴸ is what this equation means, but computed from zᴸ (engine/losses.py), so it
            # stays exact where aᴸ has rounded to 0 or 1 and ∇ₐC has overflowed.
            return f" ({_up('f', l)} = {act.symbol}, computed from the logits)"
        return f" ({_up('f', l)} = {act.symbol})"

    if carries:
        add(
            "seed",
            0,
            reads=[("a", 0)],
            writes=[("da_dx", 0)],
            equation=f"∂x/∂x = I  ({n0}×{n0}: forward mode starts at the input)",
        )
    for l in range(1, big_l + 1):
        act = network.layer(l).activation
        z_eq = f"{_up('z', l)} = {_up('W', l)} {_up('a', l - 1)} + {_up('b', l)}"
        a_eq = f"{_up('a', l)} = {_up('f', l)}({_up('z', l)})"
        if not carries:
            add("linear", l, [("a", l - 1), ("b", l)], [("z", l)], z_eq, matrices=[("W", l)])
            add("activation", l, [("z", l)], [("a", l)], a_eq, activation=act, note=act_note(l))
            continue
        assert tangents is not None
        prev = "∂x/∂x" if l == 1 else f"∂{_up('a', l - 1)}/∂x"
        add(
            "linear",
            l,
            reads=[("a", l - 1), ("b", l), ("da_dx", l - 1)],
            writes=[("z", l), ("dz_dx", l)],
            equation=f"{z_eq};  ∂{_up('z', l)}/∂x = {_up('W', l)} {prev}",
            matrices=[("W", l)],
            mults=tangents.mults_dz[l - 1],
            counts_for="forward",
            note=" (W¹ · I = W¹: nothing to multiply)" if l == 1 else "",
        )
        if ACTIVATIONS[act].elementwise:
            carry = f"{_up('f', l)}′({_up('z', l)}) ⊙ ∂{_up('z', l)}/∂x"
        else:
            carry = f"J_{{{_up('f', l)}}}({_up('z', l)}) ∂{_up('z', l)}/∂x"
        add(
            "activation",
            l,
            reads=[("z", l), ("dz_dx", l)],
            writes=[("a", l), ("da_dx", l)],
            equation=f"{a_eq};  ∂{_up('a', l)}/∂x = {carry}",
            activation=act,
            note=act_note(l),
            mults=tangents.mults_da[l - 1],
            counts_for="forward",
        )

    a_out = _up("a", big_l)
    c_template, grad_template = LOSSES[loss].equations(a_out, f"{a_out}_{{i}}", network.output_size)
    add(
        "loss",
        big_l,
        reads=[("a", big_l), ("y", big_l)],
        writes=[("C", big_l)],
        equation=c_template,
    )
    add(
        "loss_grad",
        big_l,
        reads=[("a", big_l), ("y", big_l)],
        writes=[("grad_a", big_l)],
        # The gradient is a column: the transpose of the row ∂C/∂aᴸ, whose entries it lists.
        equation=f"{_grad(big_l)} = (∂C/∂{_up('a', big_l)})^{{T}} = {grad_template}",
    )

    for l in range(big_l, 0, -1) if mode != "forward" else ():
        act = network.layer(l).activation
        delta = _up("δ", l)
        if l == big_l and fused:
            add(
                "activation_grad",
                l,
                reads=[("a", l), ("y", l)],
                writes=[("delta", l)],
                equation=f"{delta} = {_up('a', l)} − y",
                activation=act,
                is_fused=True,
                note=f" ({ACTIVATIONS[act].symbol} + {loss.replace('_', ' ')}, from the logits)",
                mults=act_mults[l - 1],  # counted as the chain applies J_fᴸ, like the chain view
                counts_for="reverse",
            )
        elif ACTIVATIONS[act].elementwise:
            add(
                "activation_grad",
                l,
                reads=[("z", l), ("grad_a", l)],
                writes=[("delta", l)],
                equation=f"{delta} = {t_delta(l, True)}",
                activation=act,
                note=act_note(l, backward=True),
                mults=act_mults[l - 1],
                counts_for="reverse",
            )
        else:  # softmax: a full Jacobian, applied transposed to the incoming gradient
            add(
                "activation_grad",
                l,
                reads=[("z", l), ("grad_a", l)],
                writes=[("delta", l)],
                equation=f"{delta} = {t_delta(l, False)}",
                matrices=[("J", l)],
                activation=act,
                note=act_note(l, backward=True),
                mults=act_mults[l - 1],
                counts_for="reverse",
            )
        add(
            "weight_grad",
            l,
            reads=[("delta", l), ("a", l - 1)],
            writes=[("dW", l), ("db", l)],
            equation=(
                f"∂C/∂{_up('W', l)} = {delta} ({_up('a', l - 1)})^{{T}}; "
                f"∂C/∂{_up('b', l)} = {delta}"
            ),
            matrices=[("W", l)],
        )
        add(
            "transpose",
            l,
            reads=[("delta", l)],
            writes=[("grad_a", l - 1)],
            equation=f"{_grad(l - 1)} = ({_up('W', l)})^{{T}} {delta}",
            matrices=[("W", l)],
            transposed=True,
            mults=transpose_mults[l - 1],
            counts_for="reverse",
        )
    if carries:
        assert tangents is not None
        diff = float(np.max(np.abs(tangents.dC_dx - trace.dx), initial=0.0))
        extra = f";  (∇_{{x}}C)^{{T}} from reverse mode = {format_value(trace.dx)}"
        extra += f", largest difference {format_number(diff, 2)}"
        add(
            "forward_product",
            0,
            # In "both", reverse mode's ∇ₓC is on screen to be compared with.
            reads=[("grad_a", big_l), ("da_dx", big_l)]
            + ([("grad_a", 0)] if mode == "both" else []),
            writes=[("dC_dx", 0)],
            equation=f"dC/dx = ∂C/∂{_up('a', big_l)} · ∂{_up('a', big_l)}/∂x",
            note=" (forward mode's result: the transpose of ∇ₓC)",
            mults=tangents.mults_out,
            counts_for="forward",
            extra_numbers=extra,
        )
    return steps


def counters(steps: Sequence[Step], k: int) -> dict[str, int]:
    """The running multiplication counters after steps 0..k (k = −1: none done), per
    mode: {"reverse": …, "forward": …}, counting only the steps that count for each."""
    totals = {"reverse": 0, "forward": 0}
    for step in steps[: k + 1]:
        if step.counts_for:
            totals[step.counts_for] += step.mults
    return totals


# -- what is on screen -------------------------------------------------------------------
def first_written(steps: Sequence[Step]) -> dict[Key, int]:
    """For every value the steps read or write, the index of the step that writes it;
    −1 for inputs that no step writes (x = a⁰, y, and the parameters ("W", l), ("b", l))."""
    result: dict[Key, int] = {}
    for step in steps:
        for r in step.writes:
            result.setdefault(r.key, step.index)
    for step in steps:
        for r in step.reads:
            result.setdefault(r.key, -1)
        for m in step.matrices:
            if m[0] == "W":
                result.setdefault(m, -1)
    return result


def visible_values(steps: Sequence[Step], k: int) -> dict[Key, bool]:
    """Which values have been computed by the end of step k: True from the step that
    writes a value onward, False before it, so no panel shows a stale number. k = −1 is
    the start, where only the inputs (x = a⁰, y, ("W", l), ("b", l)) are visible.

    ValueError unless −1 ≤ k < len(steps).
    """
    if not -1 <= k < len(steps):
        raise ValueError(f"step {k} out of range −1..{len(steps) - 1}")
    return {key: at <= k for key, at in first_written(steps).items()}


def phase_spans(steps: Sequence[Step]) -> list[tuple[str, int, int]]:
    """Runs of consecutive steps of one phase as (phase, first index, last index), in
    order: for a built timeline, forward, loss, backward. Empty for no steps."""
    spans: list[tuple[str, int, int]] = []
    for i, step in enumerate(steps):
        if spans and spans[-1][0] == step.phase:
            spans[-1] = (step.phase, spans[-1][1], i)
        else:
            spans.append((step.phase, i, i))
    return spans
