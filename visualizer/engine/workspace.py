"""Arrays a training run reuses from one step to the next.

Why: a step at batch 256 on [64, 128, 128, 10] makes a dozen (B, nˡ) arrays of 256 kB
(the hidden zˡ, aˡ and ∂C/∂aˡ). glibc gives freed blocks that large back to the system, so
every step faulted its memory in again: ~300–480 page faults, 40 % of the step's time on
this machine (benchmarks/bench_training.py). Kept in a Workspace, those arrays are made
once and overwritten each step.

What the arrays hold is scratch: nothing read from a Workspace may leave the pass that
wrote it (the gradients and the output a step returns are new arrays). One Workspace per
training run (`TrainingSession` owns one); it is not for sharing between threads.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


class Workspace:
    """Scratch float64 arrays by (name, layer), kept between calls."""

    def __init__(self) -> None:
        self._arrays: dict[tuple[str, int], Array] = {}

    def array(self, name: str, layer: int, shape: tuple[int, ...]) -> Array:
        """The array kept for (name, layer), of `shape`: the same one each call with that
        shape, made anew when the shape changes (e.g. an epoch's last, smaller batch).
        Its contents are whatever its last user left there."""
        key = (name, layer)
        arr = self._arrays.get(key)
        if arr is None or arr.shape != shape:
            arr = self._arrays[key] = np.empty(shape)
        return arr

    @property
    def nbytes(self) -> int:
        """Memory held, in bytes."""
        return sum(arr.nbytes for arr in self._arrays.values())


def scratch(
    workspace: Workspace | None, name: str, layer: int, shape: tuple[int, ...]
) -> Array | None:
    """`workspace.array(name, layer, shape)`, or None (NumPy's `out=None`: a new array)
    when there is no workspace."""
    return None if workspace is None else workspace.array(name, layer, shape)
