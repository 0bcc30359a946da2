"""The front door of `backprop-visualizer` and `python -m visualizer`: the command line,
started with Python's cyclic garbage collector paused until the app is up (collector.py
says why)."""

from __future__ import annotations

from visualizer import collector


def main() -> int:
    """The console script: the command line on sys.argv, the collector paused meanwhile."""
    collector.pause()
    try:
        from visualizer.cli import main as command_line

        return command_line()
    finally:
        collector.resume()
