"""What the canvas shows, as plain data (no Qt): per column which vector of the Trace (or
nothing yet), per operator node whether it reads forward (`Wˡ + bˡ`, `fˡ`) or backward
(`(Wˡ)ᵀ`, `fˡ′ ⊙`), per edge bundle whether its edges carry Wˡ or ∂C/∂Wˡ, whether the
loss C has been computed, and per item whether it is the current step, dimmed or normal.

The resting canvas shows every forward value. Playback builds other Overlays from the
timeline (`playback.overlay_for`) and hands them to the scene; the scene does the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from visualizer.engine.backprop import Trace
from visualizer.notation import t_grad, t_up

EMPHASES = ("normal", "active", "dim")
DIRECTIONS = ("forward", "backward")
PHASES = ("forward", "loss", "backward")  # as in timeline.PHASES
EDGE_QUANTITIES = ("W", "dW")
# Which Trace vectors each kind of column may show (names as in timeline.VectorRef).
QUANTITIES = {"a": ("a", "grad_a"), "z": ("z", "delta"), "y": ("y",)}
GRADIENTS = frozenset({"grad_a", "delta"})  # coloured on their own range


@dataclass(frozen=True)
class ColumnShow:
    """A column shows `quantity` of its layer, or (None) an empty slot: not computed yet."""

    quantity: str | None
    emphasis: str = "normal"


@dataclass(frozen=True)
class OperatorShow:
    direction: str = "forward"
    emphasis: str = "normal"


@dataclass(frozen=True)
class BundleShow:
    """Edge bundle l carries the weights ("W") or their gradient ∂C/∂Wˡ ("dW")."""

    quantity: str = "W"
    emphasis: str = "normal"


@dataclass(frozen=True)
class Overlay:
    a: tuple[ColumnShow, ...]  # columns aˡ, l = 0..L
    z: tuple[ColumnShow, ...]  # columns zˡ, l = 1..L (index l − 1)
    y: ColumnShow
    weights: tuple[OperatorShow, ...]  # box Wˡ (and its edge bundle unless `bundles`), l = 1..L
    activations: tuple[OperatorShow, ...]  # band fˡ, l = 1..L
    loss: OperatorShow
    # Edge bundles l = 1..L; None: each carries Wˡ with the emphasis of its W box.
    bundles: tuple[BundleShow, ...] | None = None
    loss_shown: bool = True  # False: C is not computed yet (an empty slot, not a number)
    phase: str | None = None  # the current step's phase, which colours what is active
    # Forward mode: the timeline's mode, the carried matrices computed so far as
    # ((name, layer), emphasis) with name "da_dx", "dz_dx" or "dC_dx", and the running
    # multiplication counters (reverse, forward); None outside forward mode.
    mode: str = "reverse"
    carried: tuple[tuple[tuple[str, int], str], ...] = ()
    counters: tuple[int, int] | None = None

    def bundle(self, layer: int) -> BundleShow:
        """What bundle `layer` (1..L) shows."""
        if self.bundles is None:
            return BundleShow("W", self.weights[layer - 1].emphasis)
        return self.bundles[layer - 1]

    @classmethod
    def resting(cls, depth: int) -> Overlay:
        """Every forward value shown, nothing highlighted."""
        return cls(
            a=tuple(ColumnShow("a") for _ in range(depth + 1)),
            z=tuple(ColumnShow("z") for _ in range(depth)),
            y=ColumnShow("y"),
            weights=tuple(OperatorShow() for _ in range(depth)),
            activations=tuple(OperatorShow() for _ in range(depth)),
            loss=OperatorShow(),
        )

    @property
    def depth(self) -> int:
        return len(self.z)

    def validate(self, depth: int) -> None:
        """ValueError unless this overlay fits a network of `depth` layers."""
        if not (
            len(self.a) == depth + 1
            and len(self.z) == depth
            and len(self.weights) == depth
            and len(self.activations) == depth
        ):
            raise ValueError(f"overlay for {self.depth} layers, network has {depth}")
        for kind, shows in (("a", self.a), ("z", self.z), ("y", (self.y,))):
            for show in shows:
                if show.quantity is not None and show.quantity not in QUANTITIES[kind]:
                    raise ValueError(f"column {kind} cannot show {show.quantity!r}")
                if show.emphasis not in EMPHASES:
                    raise ValueError(f"unknown emphasis {show.emphasis!r}")
        for op in (*self.weights, *self.activations, self.loss):
            if op.direction not in DIRECTIONS or op.emphasis not in EMPHASES:
                raise ValueError(f"bad operator state {op}")
        if self.bundles is not None:
            if len(self.bundles) != depth:
                raise ValueError(f"{len(self.bundles)} bundles for a network of {depth} layers")
            for b in self.bundles:
                if b.quantity not in EDGE_QUANTITIES or b.emphasis not in EMPHASES:
                    raise ValueError(f"bad bundle state {b}")
        if self.phase is not None and self.phase not in PHASES:
            raise ValueError(f"unknown phase {self.phase!r}")

    def columns(self) -> list[tuple[str, int, ColumnShow]]:
        """(kind, layer, show) for every column."""
        depth = self.depth
        out = [("a", l, show) for l, show in enumerate(self.a)]
        out += [("z", l, show) for l, show in enumerate(self.z, start=1)]
        out.append(("y", depth, self.y))
        return out


def column_values(trace: Trace, kind: str, layer: int, quantity: str | None) -> np.ndarray | None:
    """The vector a column shows (the first sample's, for a batch), or None for an empty
    slot."""
    if quantity is None:
        return None
    if quantity not in QUANTITIES[kind]:
        raise ValueError(f"column {kind} cannot show {quantity!r}")
    v = trace.value(quantity, layer)
    return v[0] if v.ndim == 2 else v


def column_header(kind: str, layer: int, quantity: str | None) -> str:
    """The label above a column, as a `timeline.render` template: what it shows now ("x",
    "a^{2}", "z^{2}", "δ^{2}", "∇_{a^{2}}C", "∇_{x}C", "y"); an empty slot is labelled with
    its column's forward quantity. The gradients are columns: ∇_{aˡ}C, as in the equations."""
    if kind == "y":
        return "y"
    if quantity == "grad_a":
        return t_grad(layer)
    if quantity == "delta":
        return t_up("δ", layer)
    if kind == "a" and layer == 0:
        return "x"
    return t_up(kind, layer)
