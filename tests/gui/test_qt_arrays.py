"""NumPy points into a QPolygonF without a Python object per point."""

import numpy as np
import pytest

from visualizer.gui.qt_arrays import polygon_from_array


def _points(polygon) -> list[tuple[float, float]]:
    return [(p.x(), p.y()) for p in polygon]


def test_a_polygon_holds_exactly_the_points_given():
    xy = np.random.default_rng(1).normal(size=(257, 2)) * 1e3
    polygon = polygon_from_array(xy)
    assert _points(polygon) == [tuple(p) for p in xy.tolist()]


def test_it_matches_pyqtgraphs_array_to_qpolygonf():
    import pyqtgraph as pg

    xy = np.linspace(-3.0, 7.0, 40).reshape(20, 2)
    reference = pg.functions.arrayToQPolygonF(xy[:, 0].copy(), xy[:, 1].copy())
    assert _points(polygon_from_array(xy)) == _points(reference)


def test_strided_integer_and_empty_input():
    xy = np.arange(24).reshape(4, 6)[:, 1:5:3]  # a strided (4, 2) int view
    assert _points(polygon_from_array(xy)) == [(1, 4), (7, 10), (13, 16), (19, 22)]
    assert polygon_from_array(np.zeros((0, 2))).isEmpty()
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        polygon_from_array(np.zeros(6))
