"""A document freed by Python's garbage collector must not take the process down. Its
undo stack is destroyed with it: the stack deletes its commands and signals its
listeners, and a collector that frees the document in a cycle may already have cleared
the Python half of those commands (which held the document) and listeners (a trainer)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref
from pathlib import Path

from visualizer.engine.network import make_network
from visualizer.gui import commands
from visualizer.gui.document import Document

TESTS = Path(__file__).resolve().parent

# A pytest plugin: a full collection after every test, as Python's own collector may do
# at any moment (a full pass is rare, so a suite run hit this only now and then).
COLLECT_AFTER_EACH = """
import gc
import pytest

@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    gc.collect()
"""


def test_documents_left_by_gui_tests_are_collected_without_a_crash(tmp_path):
    # Two tests whose leftovers segfaulted in that collection before the fix, every time:
    # a canvas with edits in its document's history, and a trainer listening to a
    # document's undo stack.
    (tmp_path / "collect_after_each.py").write_text(COLLECT_AFTER_EACH)
    env = dict(os.environ, PYTHONPATH=str(tmp_path), HOME=str(tmp_path))
    done = subprocess.run(
        [
            sys.executable, "-X", "faulthandler", "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "-p", "collect_after_each",
            f"{TESTS / 'test_canvas.py'}"
            "::test_big_bundles_are_drafted_during_edits_then_antialiased",
            f"{TESTS / 'test_training_latency.py'}"
            "::test_a_key_pressed_during_a_long_repaint_is_handled_before_more_training",
        ],
        cwd=TESTS.parent.parent, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "2 passed" in done.stdout


def test_a_command_does_not_keep_its_document_alive(qapp):
    doc = Document(make_network([2, 3, 1], "tanh"))
    command = commands.SetActivation(doc, 1, "relu")
    doc.edit(command)
    assert command.doc is doc
    gone = weakref.ref(doc)
    del doc
    gc.collect()
    assert gone() is None  # the stack it owns held its commands, and they not it
