"""The check panel runs the engine's gradient check, shows its rows and an honest verdict,
marks results stale when the network changes, and keeps the window alive for big networks
(worker thread, Cancel)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from visualizer.engine import gradcheck
from visualizer.engine.gradcheck import CheckRow, gradient_check
from visualizer.formats.network_file import load_network
from visualizer.gui import commands
from visualizer.gui.document import Document, Selection
from visualizer.gui.panels import check_panel
from visualizer.gui.panels.check_panel import (
    CheckPanel,
    array_label,
    as_matrix,
    log_error,
)
from visualizer.paths import EXAMPLES


@pytest.fixture
def doc():
    return Document(load_network(EXAMPLES / "default.json"))  # [2, 4, 3, 2]: 7 arrays


@pytest.fixture
def panel(qtbot, doc):
    widget = CheckPanel(doc)
    qtbot.addWidget(widget)
    widget.resize(480, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def click_run(qtbot, panel):
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    settle()


def settle():
    """Let pending layout happen (the error heatmap appears with the first result), so
    cell positions are where a person would see them."""
    QApplication.processEvents()


def table_column(panel, c):
    return [panel.table.item(r, c).text() for r in range(panel.table.rowCount())]


def rows_equal(a: CheckRow, b: CheckRow) -> bool:
    return (
        a.name == b.name
        and a.max_abs == b.max_abs
        and a.max_rel == b.max_rel
        and all(
            np.array_equal(getattr(a, f), getattr(b, f))
            for f in ("analytic", "numeric", "abs_error", "rel_error")
        )
    )


def test_a_correct_network_passes_and_the_rows_are_the_engines(qtbot, panel, doc):
    results = []
    panel.check_finished.connect(results.append)
    click_run(qtbot, panel)
    expected = gradient_check(doc.network, eps=1e-6)
    assert len(panel.rows) == len(expected) == 7
    assert all(rows_equal(a, b) for a, b in zip(panel.rows, expected, strict=True))
    assert table_column(panel, 0) == ["W¹", "b¹", "W²", "b²", "W³", "b³", "x"]
    assert table_column(panel, 1) == ["4 × 2", "4", "3 × 4", "3", "2 × 3", "2", "2"]
    assert all(text.startswith("✔") for text in table_column(panel, 4))
    verdict = panel.verdict.text()
    assert "✔" in verdict and "All 7 arrays match" in verdict and "rtol 1e−6" in verdict
    assert results == [True]
    assert panel.stale == ""


def test_a_wrong_gradient_fails_with_symbol_words_and_names(qtbot, panel, monkeypatch):
    def broken(network, x=None, y=None, eps=1e-6, mode="full"):
        rows = gradient_check(network, x, y, eps, mode)
        bad = rows[2]  # W²: pretend backprop got one entry wrong
        analytic = np.array(bad.analytic)
        analytic[1, 3] += 1e-3
        abs_error = np.abs(analytic - bad.numeric)
        rel_error = abs_error / np.maximum(np.abs(analytic), np.abs(bad.numeric))
        rows[2] = CheckRow(
            "W2",
            analytic,
            bad.numeric,
            abs_error,
            rel_error,
            float(abs_error.max()),
            float(rel_error.max()),
        )
        return rows

    monkeypatch.setattr(check_panel, "gradient_check", broken)
    results = []
    panel.check_finished.connect(results.append)
    click_run(qtbot, panel)
    verdict = panel.verdict.text()
    assert "✖" in verdict and "1 of 7 array differs" in verdict and "W²" in verdict
    assert table_column(panel, 4)[2].startswith("✖")
    assert results == [False]
    # The worst array is the one shown, and its worst cell is the wrong entry.
    assert panel.table.currentRow() == 2
    logs = panel.error_map.values
    assert np.unravel_index(np.argmax(logs), logs.shape) == (1, 3)


def test_rtol_changes_the_verdict_without_running_again(qtbot, panel):
    click_run(qtbot, panel)
    rows = panel.rows
    assert "✔" in panel.verdict.text()
    tight = min(r.max_rel for r in rows if r.max_rel > 0) / 2
    panel.rtol_spin.setValue(tight)
    assert panel.rows is rows
    assert "✖" in panel.verdict.text()
    assert any(text.startswith("✖") for text in table_column(panel, 4))


def test_an_edit_marks_the_results_stale_and_a_new_run_clears_it(qtbot, panel, doc):
    click_run(qtbot, panel)
    doc.edit(commands.SetWeight(doc, 1, 0, 0, 0.5))
    assert panel.stale
    assert "Stale" in panel.verdict.text() and "run again" in panel.verdict.text()
    assert "✔" not in panel.verdict.text()
    assert all("stale" in text for text in table_column(panel, 4))
    click_run(qtbot, panel)
    assert panel.stale == ""
    assert "All 7 arrays match" in panel.verdict.text()
    assert rows_equal(panel.rows[0], gradient_check(doc.network)[0])


def test_a_sample_edit_and_an_eps_change_also_make_results_stale(qtbot, panel, doc):
    click_run(qtbot, panel)
    panel.eps_spin.setValue(1e-5)
    assert "ε" in panel.stale
    panel.eps_spin.setValue(1e-6)
    assert panel.stale == ""
    doc.edit(commands.SetSample(doc, np.array([0.1, 0.2]), np.array([0.0, 1.0]), "x"))
    assert panel.stale


def test_error_heatmap_is_log10_of_the_chosen_rows_relative_error(qtbot, panel):
    click_run(qtbot, panel)
    for r, row in enumerate(panel.rows):
        panel.table.setCurrentCell(r, 0)
        expected = as_matrix(row, log_error(row.rel_error))
        assert np.array_equal(panel.error_map.values, expected)
        rtol_log = np.log10(panel.rtol_spin.value())
        lo, hi = panel.error_map.image.getLevels()
        assert float(lo) + float(hi) == pytest.approx(2 * rtol_log)  # centred on rtol
    assert panel.error_map.values.shape == (1, 2)  # x is a row: one column per input


def test_clicking_an_error_cell_selects_the_weight_on_the_canvas(qtbot, panel, doc):
    click_run(qtbot, panel)
    panel.table.setCurrentCell(2, 0)  # W²
    settle()
    qtbot.mouseClick(
        panel.error_map.viewport(), Qt.MouseButton.LeftButton, pos=panel.error_map.cell_center(2, 1)
    )
    assert doc.selection == Selection("edge", 2, 2, 1)


def test_hover_reads_analytic_and_numeric_at_full_precision(qtbot, panel):
    click_run(qtbot, panel)
    panel.table.setCurrentCell(0, 0)  # W¹
    settle()
    qtbot.mouseMove(panel.error_map.viewport(), panel.error_map.cell_center(3, 1))
    row = panel.rows[0]
    text = panel.readout.text()
    assert "w¹₄,₂" in text
    assert repr(float(row.analytic[3, 1])).replace("-", "\u2212") in text
    assert repr(float(row.numeric[3, 1])).replace("-", "\u2212") in text


# -- the worker thread ---------------------------------------------------------------------
def test_a_big_network_is_checked_on_a_worker_thread(qtbot, panel, doc):
    panel.sync_limit = 0  # this network counts as big
    results = []
    panel.check_finished.connect(results.append)
    click_run(qtbot, panel)
    assert panel.running or results  # the thread may already be done, never the poll
    qtbot.waitUntil(lambda: not panel.running, timeout=20_000)
    assert results == [True]
    assert all(
        rows_equal(a, b) for a, b in zip(panel.rows, gradient_check(doc.network), strict=True)
    )
    assert panel.run_button.isEnabled() and not panel.cancel_button.isVisible()


def test_cancel_returns_at_once_and_a_late_result_is_ignored(qtbot, panel, monkeypatch):
    release = threading.Event()
    started = threading.Event()
    returned = threading.Event()

    def slow(network, x=None, y=None, eps=1e-6, mode="full"):
        started.set()
        release.wait(10)
        try:
            return gradient_check(network, x, y, eps, mode)
        finally:
            returned.set()

    monkeypatch.setattr(check_panel, "gradient_check", slow)
    panel.sync_limit = 0
    click_run(qtbot, panel)
    assert started.wait(10)
    assert panel.running and panel.cancel_button.isVisible()
    assert not panel.run_button.isEnabled()
    assert "Checking" in panel.verdict.text()
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert not panel.running and panel.run_button.isEnabled()
    assert panel.result is None
    release.set()
    assert returned.wait(10)
    qtbot.wait(100)  # the event loop delivers the worker's late "done" signal
    assert panel.result is None and "Run the check" in panel.verdict.text()


def test_a_cancelled_run_finishing_late_does_not_replace_the_next_ones_result(
    qtbot, panel, monkeypatch
):
    release = threading.Event()
    first_returned = threading.Event()
    calls = []

    def first_slow(network, x=None, y=None, eps=1e-6, mode="full"):
        calls.append(eps)
        if len(calls) == 1:
            release.wait(10)
            first_returned.set()
        return gradient_check(network, x, y, eps, mode)

    monkeypatch.setattr(check_panel, "gradient_check", first_slow)
    panel.sync_limit = 0
    click_run(qtbot, panel)
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    panel.eps_spin.setValue(1e-5)
    click_run(qtbot, panel)
    qtbot.waitUntil(lambda: not panel.running, timeout=20_000)
    assert panel.result is not None and panel.result.eps == 1e-5
    release.set()
    assert first_returned.wait(10)
    qtbot.wait(100)  # the first run's late "done" signal arrives, and is dropped
    assert panel.result.eps == 1e-5 and not panel.stale


def test_an_edit_during_a_threaded_run_makes_its_result_stale(qtbot, panel, doc, monkeypatch):
    release = threading.Event()

    def slow(network, x=None, y=None, eps=1e-6, mode="full"):
        release.wait(10)
        return gradient_check(network, x, y, eps, mode)

    monkeypatch.setattr(check_panel, "gradient_check", slow)
    panel.sync_limit = 0
    click_run(qtbot, panel)
    doc.edit(commands.SetWeight(doc, 2, 0, 0, 0.25))
    release.set()
    qtbot.waitUntil(lambda: not panel.running, timeout=20_000)
    assert panel.result is not None and panel.stale
    assert "Stale" in panel.verdict.text()


def test_an_engine_error_is_reported_not_swallowed(qtbot, panel, monkeypatch):
    def failing(network, x=None, y=None, eps=1e-6, mode="full"):
        raise ValueError("eps must be a finite number > 0")

    monkeypatch.setattr(check_panel, "gradient_check", failing)
    click_run(qtbot, panel)
    assert "could not run" in panel.verdict.text() and "eps must be" in panel.verdict.text()
    assert panel.result is None


def test_above_the_limit_the_fast_check_runs_and_says_so(qtbot, panel, doc, monkeypatch):
    monkeypatch.setattr(gradcheck, "FAST_ABOVE", 10)  # the default network has 35 parameters
    monkeypatch.setattr(gradcheck, "FAST_SAMPLES", 8)
    click_run(qtbot, panel)
    verdict = panel.verdict.text()
    assert "All 7 arrays match" in verdict
    assert "fast check: 4 random directions per array and" in verdict and "(seed " in verdict
    assert all(row.fast for row in panel.rows)
    # W¹ (4 × 2 = 8 entries) is checked whole; W² (12) has 4 entries left blank, not "pass".
    panel.table.setCurrentCell(2, 0)
    logs = panel.error_map.values
    assert np.count_nonzero(np.isnan(logs)) == 12 - 8
    assert "only the 8 sampled entries are coloured" in panel.error_title.text()
    i, j = map(int, np.argwhere(np.isnan(logs))[0])
    assert "not checked on its own" in panel.describe_entry(panel.rows[2], i, j)
    qtbot.mouseClick(panel.full_box, Qt.MouseButton.LeftButton)
    assert panel.full_box.isChecked()
    click_run(qtbot, panel)
    assert "full check: every entry" in panel.verdict.text()
    assert not any(row.fast for row in panel.rows)


# -- small pieces --------------------------------------------------------------------------
def test_log_error_maps_zero_and_nan_outside_any_range():
    logs = log_error(np.array([0.0, 1e-8, np.nan, np.inf]))
    assert logs[0] == -300 and logs[1] == pytest.approx(-8) and logs[2] == logs[3] == 300


def test_array_labels():
    assert [array_label(n) for n in ("W1", "b12", "x")] == ["W¹", "b¹²", "x"]
