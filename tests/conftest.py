"""Shared test set-up. Qt must run with no display: pick the offscreen platform before any
test (or pytest-qt's qapp fixture) creates a QApplication."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
