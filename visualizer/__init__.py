"""Backprop Visualizer: build a small neural network and watch backpropagation happen."""

__version__ = "0.1.0"
