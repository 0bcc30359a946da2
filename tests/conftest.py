"""Shared test set-up.

Qt must run with no display: pick the offscreen platform before any test (or pytest-qt's
qapp fixture) creates a QApplication.

Tests must never read or write the user's own files: QSettings, the crash-recovery folder
and anything else Qt or the app keeps per user are sent to a throwaway home for the whole
run (set here, before Qt reads the environment; subprocesses inherit it).
"""

import os
import shutil
import tempfile

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
