"""What the readers of tensor files (ONNX, safetensors) check alike, before reading data."""

from __future__ import annotations

import math
from collections.abc import Sequence

from visualizer.engine.limits import MAX_PARAMETERS
from visualizer.formats.errors import FormatError


def declared_count(what: str, shape: Sequence[int]) -> int:
    """The number of values a tensor declares, checked against the app's limit before
    anything of that size could be allocated; FormatError naming `what` otherwise."""
    count = math.prod(shape)
    if count > MAX_PARAMETERS:
        raise FormatError(
            f"{what}: declares shape {list(shape)} ({count:,} values); the app holds at most "
            f"{MAX_PARAMETERS:,} parameters"
        )
    return count
