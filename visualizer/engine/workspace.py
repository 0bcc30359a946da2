"""Arrays a training run reuses from one step to the next.

Why: a step at batch 256 on [64, 128, 128, 10] makes a dozen (B, nˡ) arrays of 256 kB
(the hidden zˡ, aˡ, ∂C/∂aˡ and the activations' scratch). glibc gives freed blocks that
large back to the system, so every step faulted its memory in again: ~300–480 page
faults, a third of the step's time on this machine (benchmarks/bench_training.py
--step-only prints them). Kept in a Workspace, those arrays are made once and
overwritten each step.

What the arrays hold is scratch: nothing read from a Workspace may leave the pass that
wrote it (the gradients and the output a step returns are new arrays). One Workspace per
training run (`TrainingSession` owns one); it is not for sharing between threads. It keeps
at most `limit` bytes (64 MB unless told): past that, arrays are made per call as without
a Workspace, so that a session kept open on a huge network or batch holds no more memory
between steps than that.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray

DEFAULT_LIMIT = 64 * 2**20


class Workspace:
    """Scratch float64 arrays by (name, layer), kept between calls, up to `limit` bytes."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._arrays: dict[tuple[str, int], Array] = {}
        self._kept = 0  # bytes

    def array(self, name: str, layer: int, shape: tuple[int, ...]) -> Array:
        """An array of `shape` for (name, layer): the same one each call with that shape,
        made anew when the shape changes (e.g. an epoch's last, smaller batch), and a new
        one each call when keeping it would pass the limit. Its contents are whatever its
        last user left there."""
        key = (name, layer)
        arr = self._arrays.get(key)
        if arr is not None and arr.shape == shape:
            return arr
        if arr is not None:  # the old shape's array goes
            del self._arrays[key]
            self._kept -= arr.nbytes
        arr = np.empty(shape)
        if self._kept + arr.nbytes <= self.limit:
            self._arrays[key] = arr
            self._kept += arr.nbytes
        return arr

    @property
    def nbytes(self) -> int:
        """Memory kept, in bytes."""
        return self._kept


def scratch(
    workspace: Workspace | None, name: str, layer: int, shape: tuple[int, ...]
) -> Array | None:
    """`workspace.array(name, layer, shape)`, or None (NumPy's `out=None`: a new array)
    when there is no workspace."""
    return None if workspace is None else workspace.array(name, layer, shape)
