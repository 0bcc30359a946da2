"""Shared engine-test helpers: a one-layer network whose gradients are easy by hand."""

import numpy as np
import pytest

from visualizer.engine.network import Layer, Network, Sample


def _linear_network() -> Network:
    """One identity layer with half squared error: z = Wx + b, C = ½‖z − y‖², so by hand
    ∂C/∂W = (z − y) xᵀ and ∂C/∂b = z − y."""
    layer = Layer([[0.5, -1.0], [2.0, 0.25]], [0.1, -0.2], "identity")
    return Network(2, (layer,), "half_squared_error", sample=Sample([1.0, 2.0], [0.0, 1.0]))


def _hand_gradients(w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.array([1.0, 2.0]), np.array([0.0, 1.0])
    residual = w @ x + b - y
    return np.outer(residual, x), residual


@pytest.fixture
def linear_network():
    """Makes the one-identity-layer network: z = Wx + b, C = ½‖z − y‖²."""
    return _linear_network


@pytest.fixture
def hand_gradients():
    """(∂C/∂W, ∂C/∂b) of linear_network's sample for given W, b, computed by hand."""
    return _hand_gradients
