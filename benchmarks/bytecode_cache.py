"""What the start-up benchmarks share: their children keep compiled modules between starts.

Python keeps compiled modules (.pyc) after the first start, so every start after it loads
them. Some machines set PYTHONDONTWRITEBYTECODE, where each start would compile the app's
~80 modules from source again (a quarter of a second): so the children write them to a
folder of the benchmark's (for every case alike, NumPy and Qt's Python parts included)
unless `--no-bytecode-cache` asks for the environment as it is.
"""

from __future__ import annotations

import argparse
import os


def add_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="leave the environment as it is (with PYTHONDONTWRITEBYTECODE set, every start "
        "compiles the app's modules from source: the first start after an install, each time)",
    )


def child_env(cache: str | None, **extra: str) -> dict[str, str]:
    """The children's environment (plus `extra`): compiled modules kept in `cache`, or,
    with None, the environment as it is."""
    env = dict(os.environ, **extra)
    if cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache
    return env
