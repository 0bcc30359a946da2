"""The front door of `backprop-visualizer` and `python -m visualizer`: the command line,
started with Python's cyclic garbage collector paused until the app is up.

Why: starting the app makes ~60,000 objects that live as long as it does (modules,
classes, functions, Qt wrappers, enums). The collector would walk them again and again
while they pile up, and all of them once more at exit: ~5 % of a start-up's instructions
(callgrind, default network). Once the window is shown (or a command is about to run),
`resume_collector` freezes what exists (`gc.freeze`: the collector leaves it alone from
then on, which also keeps later collections short) and turns the collector back on. What
is frozen that was garbage stays: a full collection right after start-up finds ~400
objects. This module imports nothing else, so the pause covers NumPy, Qt and the app.
"""

from __future__ import annotations

import gc


def main() -> int:
    """The console script: the command line on sys.argv, the collector paused meanwhile."""
    pause_collector()
    try:
        from visualizer.cli import main as command_line

        return command_line()
    finally:
        resume_collector()


def pause_collector() -> None:
    """Start-up begins: no cyclic collection until `resume_collector`."""
    gc.disable()


def resume_collector() -> None:
    """Start-up is over: freeze what it made and collect again. Nothing when the collector
    was not paused here (tests, a window opened by a script, a second window)."""
    if gc.isenabled():
        return
    gc.freeze()
    gc.enable()
