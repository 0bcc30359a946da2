"""Shared test set-up.

Qt must run with no display: pick the offscreen platform before any test (or pytest-qt's
qapp fixture) creates a QApplication.

Tests must never read or write the user's own files: QSettings, the crash-recovery folder
and anything else Qt or the app keeps per user are sent to a throwaway home for the whole
run (set here, before Qt reads the environment; subprocesses inherit it).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from visualizer import notation  # no Qt: safe before the environment is set

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_HOME = tempfile.mkdtemp(prefix="bpv-test-home-")
os.environ["HOME"] = _HOME
for _name, _sub in (
    ("XDG_CONFIG_HOME", ".config"),
    ("XDG_DATA_HOME", ".local/share"),
    ("XDG_CACHE_HOME", ".cache"),
    ("XDG_STATE_HOME", ".local/state"),
):
    os.environ[_name] = os.path.join(_HOME, _sub)
    os.makedirs(os.environ[_name], exist_ok=True)


def pytest_unconfigure(config) -> None:
    shutil.rmtree(_HOME, ignore_errors=True)


@pytest.fixture(autouse=True)
def _default_display():
    """Every test starts with the default notation and digits (the app may change them)."""
    notation.set_display(notation.Display().notation, notation.Display().digits)
    yield
    notation.set_display(notation.Display().notation, notation.Display().digits)


@pytest.fixture
def child_json(tmp_path) -> Callable[..., object]:
    """Run Python code in a fresh process (offscreen, a home of its own in tmp_path, started
    in `cwd`) and return the JSON it printed last: for what only a new process shows, such
    as what start-up imports."""

    def run(code: str, *args: str, cwd: Path = tmp_path) -> object:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path))
        env["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # no settings of another run
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    return run
