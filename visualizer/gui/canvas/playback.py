"""What the canvas shows at a point of the playback, as plain data (no Qt).

`overlay_for(steps, k, progress, depth)` turns a player position (step k, `progress`
0..1 through it, see gui/player.py) into an `Overlay`:

- k = −1 is the resting view: every forward value, nothing highlighted (the player is at
  the start and not playing; the network as it is).
- For k ≥ 0 a value is shown only once it has been computed: everything steps 0..k−1
  wrote, plus what step k writes once `progress` ≥ `REVEAL_AT` (when its pulses have
  arrived). Values not computed yet are empty slots, never stale numbers.
- A column shows the latest quantity computed for it: zˡ, then δˡ once the backward pass
  has computed it; aˡ, then ∇_{aˡ}C (x's column shows ∇ₓC after the last step).
- Edge bundle l carries ∂C/∂Wˡ once the weight_grad step of layer l has computed it,
  except during the transpose step of layer l, which multiplies by (Wˡ)ᵀ and so shows Wˡ.
- The loss C is an empty slot until the loss step computes it.
- From the loss_grad step on, every operator reads backward: `(Wˡ)ᵀ`, `fˡ′ ⊙`, `∂C/∂aᴸ`.
- Emphasis: what the step writes (its target column, the operator it applies, the bundle
  whose edges it uses) is "active"; the columns it reads are "normal"; everything else is
  "dim", so the eye goes to the one thing happening.

`frame_plan` lists the (step, progress) positions of an exported animation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from visualizer import timeline
from visualizer.gui.canvas.state import BundleShow, ColumnShow, OperatorShow, Overlay
from visualizer.timeline import Key, Step, step_count, visible_values

# Pulses travel over progress 0..REVEAL_AT; the values the step writes appear when they
# arrive and stay for the rest of the step, so a paused step shows its result.
REVEAL_AT = 0.7

_WEIGHT_KINDS = frozenset({"linear", "transpose"})
_BUNDLE_KINDS = frozenset({"linear", "weight_grad", "transpose"})
_ACTIVATION_KINDS = frozenset({"activation", "activation_grad"})
_LOSS_KINDS = frozenset({"loss", "loss_grad"})


def fits(steps: Sequence[Step], depth: int) -> bool:
    """Whether `steps` has the length of a timeline of `depth` layers, in its own mode."""
    mode = steps[0].mode if steps else "reverse"
    return len(steps) == step_count(depth, mode)


def revealed(progress: float) -> bool:
    """Whether a step at `progress` shows what it writes."""
    return progress >= REVEAL_AT


def travel(progress: float) -> float | None:
    """How far (0..1, eased) a step's pulses have travelled at `progress`; None once they
    have arrived (progress ≥ REVEAL_AT) and are no longer drawn."""
    if revealed(progress):
        return None
    t = min(max(progress / REVEAL_AT, 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)  # smoothstep: leave and arrive gently


def reads_backward(step: Step) -> bool:
    """Whether the operators read backward during `step`: from loss_grad on in reverse
    mode; in forward mode (which never goes back) not at all."""
    if step.phase == "backward":
        return True
    return step.kind == "loss_grad" and step.mode == "reverse"


def overlay_for(steps: Sequence[Step], k: int, progress: float, depth: int) -> Overlay:
    """The Overlay at step `k` (−1..len(steps) − 1), `progress` (0..1) into it, for a
    timeline of a network of `depth` layers; see the module docstring for the rules.

    ValueError if `steps` is not a timeline of `depth` layers or k is out of range.
    """
    if not fits(steps, depth):
        raise ValueError(f"{len(steps)} steps do not make the timeline of {depth} layers")
    if not -1 <= k < len(steps):
        raise ValueError(f"step {k} out of range −1..{len(steps) - 1}")
    if k == -1:
        return Overlay.resting(depth)
    step = steps[k]
    visible = visible_values(steps, k if revealed(progress) else k - 1)
    reads = {r.key for r in step.reads}
    writes = {r.key for r in step.writes}

    def column(options: tuple[str, ...], layer: int) -> ColumnShow:
        """The first of `options` (latest quantity first) computed for this column."""
        quantity = next((name for name in options if visible.get((name, layer))), None)
        keys: set[Key] = {(name, layer) for name in options}
        if keys & writes:
            emphasis = "active"
        elif keys & reads:
            emphasis = "normal"
        else:
            emphasis = "dim"
        return ColumnShow(quantity, emphasis)

    def uses(kinds: frozenset[str], layer: int) -> str:
        return "active" if step.kind in kinds and step.layer == layer else "dim"

    direction = "backward" if reads_backward(step) else "forward"
    layers = range(1, depth + 1)
    bundles = []
    for l in layers:
        multiplies = step.kind == "transpose" and step.layer == l
        quantity = "dW" if visible.get(("dW", l)) and not multiplies else "W"
        bundles.append(BundleShow(quantity, uses(_BUNDLE_KINDS, l)))
    return Overlay(
        a=tuple(column(("grad_a", "a"), l) for l in range(depth + 1)),
        z=tuple(column(("delta", "z"), l) for l in layers),
        y=column(("y",), depth),
        weights=tuple(OperatorShow(direction, uses(_WEIGHT_KINDS, l)) for l in layers),
        activations=tuple(OperatorShow(direction, uses(_ACTIVATION_KINDS, l)) for l in layers),
        loss=OperatorShow(direction, "active" if step.kind in _LOSS_KINDS else "dim"),
        bundles=tuple(bundles),
        loss_shown=bool(visible.get(("C", depth))),
        phase=step.phase,
        **_forward_mode(steps, k, progress, visible, reads, writes),
    )


_CARRIED = ("da_dx", "dz_dx", "dC_dx")


def _forward_mode(
    steps: Sequence[Step], k: int, progress: float, visible: dict, reads: set, writes: set
) -> dict:
    """The Overlay fields of forward mode: the carried matrices computed so far (what the
    step writes active, what it reads normal, the rest dim) and the counters."""
    mode = steps[k].mode
    if mode == "reverse":
        return {}
    carried = []
    for key, shown in visible.items():
        if key[0] in _CARRIED and shown:
            emphasis = "active" if key in writes else "normal" if key in reads else "dim"
            carried.append((key, emphasis))
    counts = timeline.counters(steps, k if revealed(progress) else k - 1)
    return {
        "mode": mode,
        "carried": tuple(sorted(carried)),
        "counters": (counts["reverse"], counts["forward"]),
    }


def frame_plan(
    count: int,
    fps: float,
    step_seconds: float,
    rest_seconds: float = 1.0,
    hold_seconds: float = 2.0,
) -> list[tuple[int, float]]:
    """The (step, progress) of every frame of an animation of `count` steps at `fps`:
    `rest_seconds` of the resting network (step −1), then each step over `step_seconds`
    (its last frame fully shown, progress 1.0), then the last step held for
    `hold_seconds`. Every step gets at least one frame.

    ValueError for a non-positive fps or step_seconds, negative rest/hold, or no steps.
    """
    if count < 1:
        raise ValueError("nothing to animate: no steps")
    if not (math.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be positive, got {fps}")
    if not (math.isfinite(step_seconds) and step_seconds > 0):
        raise ValueError(f"step_seconds must be positive, got {step_seconds}")
    if not (rest_seconds >= 0 and hold_seconds >= 0):
        raise ValueError("rest_seconds and hold_seconds must be ≥ 0")
    per_step = max(1, round(step_seconds * fps))
    frames = [(-1, 1.0)] * round(rest_seconds * fps)
    for k in range(count):
        frames += [(k, (i + 1) / per_step) for i in range(per_step)]
    frames += [(count - 1, 1.0)] * round(hold_seconds * fps)
    return frames
