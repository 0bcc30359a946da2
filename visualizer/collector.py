"""Python's cyclic garbage collector, paused while the app starts (by the console
script, visualizer/launch.py) and resumed once it has.

Why: starting the app makes ~60,000 objects that live as long as it does (modules,
classes, functions, Qt wrappers, enums). The collector would walk them again and again
while they pile up, and all of them once more at exit: ~5 % of a start-up's instructions
(callgrind, default network). Once the window is shown (or a command is about to run),
`resume` freezes what exists (`gc.freeze`: the collector leaves it alone from then on,
which also keeps later collections short) and turns the collector back on. What is
frozen that was garbage stays: a full collection right after start-up finds ~400
objects. No imports here but `gc`, so that the pause covers NumPy, Qt and the app.
"""

from __future__ import annotations

import gc


def pause() -> None:
    """Start-up begins: no cyclic collection until `resume`."""
    gc.disable()


def resume() -> None:
    """Start-up is over: freeze what it made and collect again. Nothing when the collector
    was not paused (tests, a window opened by a script, a second window)."""
    if gc.isenabled():
        return
    gc.freeze()
    gc.enable()
