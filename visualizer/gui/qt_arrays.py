"""NumPy arrays into Qt geometry in one copy, without a Python object per point.

pyqtgraph has the same trick (`functions.arrayToQPolygonF`), but importing pyqtgraph costs
a noticeable part of the app's start-up, and the canvas (drawn at start-up) must not pay
for it; the plotting panels, loaded later, use pyqtgraph itself.
"""

from __future__ import annotations

import numpy as np
import shiboken6
from PySide6.QtGui import QPolygonF


def polygon_from_array(xy: np.ndarray) -> QPolygonF:
    """A QPolygonF of the (N, 2) points `xy`, written straight into its storage (QPointF
    is two doubles, so the polygon's memory is an (N, 2) float64 array)."""
    points = np.asarray(xy, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"expected (N, 2) points, got shape {points.shape}")
    polygon = QPolygonF()
    polygon.resize(len(points))
    if len(points):
        memory = shiboken6.VoidPtr(polygon.data(), points.nbytes, True)
        np.frombuffer(memory, dtype=np.float64).reshape(-1, 2)[:] = points
    return polygon
