"""The one error every reader and writer in `visualizer.formats` raises for a bad file."""

from __future__ import annotations


class FormatError(ValueError):
    """A file that cannot be read (or data that cannot be written) as one of our formats.

    The message is `"<json path>: <problem>"`, e.g. `layers[1].weights: expected 3 rows of
    2 numbers, got 2 rows`, or just the problem when it concerns the whole file (not JSON,
    missing). It never names the file: whoever knows the file name (the CLI, the GUI) adds it.
    `path` and `problem` keep the two parts apart.
    """

    def __init__(self, problem: str, path: str = "") -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.path = path
        self.problem = problem
