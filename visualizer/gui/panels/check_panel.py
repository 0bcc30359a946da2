"""The gradient-check panel: compares backprop's gradient with central finite differences.

"Run check" calls `engine.gradcheck.gradient_check` on the document's network and sample
with the chosen ε, then shows one table row per array (W¹, b¹, …, x), a verdict against
the chosen rtol (symbol, words and colour), and the relative error of one array as a
heatmap on a log₁₀ scale centred on rtol (blue passes, red fails).

Above `gradcheck.FAST_ABOVE` parameters the check runs in fast mode (random directions and
a sample of entries per array, see `engine.gradcheck`) unless *Every entry* is ticked; the
verdict says which ran, and entries that were not checked one by one stay blank in the
heatmap. Small networks are checked on the spot under a busy cursor; above `SYNC_LIMIT` parameters
the check runs on a worker thread (the engine is pure NumPy on an immutable network) while
the panel stays responsive, with a Cancel button. Results belong to the network (and ε)
they were computed for: once the document changes they are marked stale, never passed off
as current.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from visualizer.engine.gradcheck import (
    DEFAULT_EPS,
    FAST_ABOVE,
    CheckRow,
    choose_mode,
    describe_mode,
    gradient_check,
)
from visualizer.engine.network import Network
from visualizer.gui import style
from visualizer.gui.document import Document, Selection
from visualizer.gui.panels.plots import ColorBar, Heatmap
from visualizer.gui.widgets import LogSpinBox
from visualizer.notation import fmt_full, fmt_short, sub, sup

SYNC_LIMIT = 50_000  # parameters; bigger networks are checked on a worker thread
DEFAULT_RTOL = 1e-6
DECADES = 4.0  # the error heatmap spans rtol × 10^±DECADES


# Short headers (the full names are their tooltips): the table must fit a narrow dock.
COLUMNS = ("Array", "Shape", "Abs err", "Rel err", "Verdict")
COLUMN_TIPS = ("", "", "Largest absolute error", "Largest relative error", "")


@dataclass(frozen=True, eq=False)
class CheckResult:
    """One run of the check: the rows, and what they were computed for."""

    network: Network
    eps: float
    rows: tuple[CheckRow, ...]


def array_label(name: str) -> str:
    """ "W2" → "W²", "b1" → "b¹", "x" → "x"."""
    if name[0] in "Wb" and name[1:].isdigit():
        return name[0] + sup(name[1:])
    return name


def as_matrix(row: CheckRow, values: np.ndarray) -> np.ndarray:
    """`values` of a row as a 2-D array laid out like the network: W as (nˡ, nˡ⁻¹), a bias
    as a column (one row per neuron of its layer), x as a row (one column per input)."""
    if values.ndim == 2:
        return values
    return values[None, :] if row.name == "x" else values[:, None]


def log_error(rel_error: np.ndarray) -> np.ndarray:
    """log₁₀ of relative errors for the heatmap: an exact 0 becomes −300 (far below any
    range), NaN or ∞ become +300 (a failure)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(rel_error)
    return np.nan_to_num(logs, nan=300.0, posinf=300.0, neginf=-300.0)


def sci(value: float) -> str:
    """A tolerance or error for reading: "1e−6", "3.2e−9"; "0" for zero."""
    return fmt_short(value, 2)


class _Job:
    """One check, run on a daemon thread, its outcome in `future`. A daemon thread, not a
    pool's worker: cancelling only stops listening (the engine has no hook to stop it, and
    it reads nothing that can change), and a check left running must not hold up quitting
    the app, as a pool joining its workers at exit would."""

    def __init__(self, network: Network, eps: float, mode: str = "auto"):
        self.network, self.eps, self.mode = network, eps, mode
        self.future: Future[list[CheckRow]] = Future()

    def run(self) -> None:
        try:
            # Looked up at call time, so tests can stand in for the engine.
            self.future.set_result(gradient_check(self.network, eps=self.eps, mode=self.mode))
        except Exception as exc:  # reported in the panel, never lost in the thread
            self.future.set_exception(exc)

    def start(self, on_done: Callable[[_Job], None]) -> None:
        """Run on a new daemon thread; `on_done(job)` is called from it when finished."""
        self.future.add_done_callback(lambda _future: on_done(self))
        threading.Thread(target=self.run, name="gradient-check", daemon=True).start()


class CheckPanel(QWidget):
    """Runs the gradient check on the document's network and shows its verdict.

    Signals: `check_finished(passed)` after a run completes (not after a cancel).
    `sync_limit`: networks with more parameters run on a worker thread.
    """

    check_finished = Signal(bool)
    _job_done = Signal(object)  # emitted from the worker thread: delivered queued, here

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.doc = document
        self.sync_limit = SYNC_LIMIT
        self.result: CheckResult | None = None
        self.error: str = ""
        self._job: _Job | None = None
        self._shown_row = -1
        self._hover: tuple[int, int] | None = None

        # -- controls --------------------------------------------------------------------
        self.run_button = QPushButton("▶ Run check")
        self.run_button.setToolTip(
            "Compare backprop's ∂C/∂W, ∂C/∂b and ∇ₓC with central finite differences "
            "(C(p + ε) − C(p − ε)) / 2ε for every parameter and input"
        )
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop waiting for the running check")
        self.cancel_button.hide()
        self.eps_spin = LogSpinBox(DEFAULT_EPS, 1e-12, 1e-1)
        self.eps_spin.setToolTip("ε: the step of the central differences (arrows: ×10, ÷10)")
        self.rtol_spin = LogSpinBox(DEFAULT_RTOL, 1e-15, 1.0)
        self.rtol_spin.setToolTip(
            "rtol: an array passes when every entry's relative error is at most this"
        )
        self.full_box = QCheckBox("Every entry")
        self.full_box.setToolTip(
            f"Check every entry one by one. Unticked, networks above {FAST_ABOVE:,} parameters "
            "get the fast check: random directions and a random sample of entries per array"
        )
        # Two rows: in one, the controls would not fit a dock as narrow as the inspector's.
        controls = QVBoxLayout()
        buttons, tolerances = QHBoxLayout(), QHBoxLayout()
        controls.addLayout(buttons)
        controls.addLayout(tolerances)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.full_box)
        buttons.addStretch(1)
        for text, spin, name in (
            ("ε", self.eps_spin, "Finite-difference step ε"),
            ("rtol", self.rtol_spin, "Relative tolerance rtol"),
        ):
            label = QLabel(text)
            label.setBuddy(spin)
            spin.setAccessibleName(name)
            tolerances.addWidget(label)
            tolerances.addWidget(spin, 1)

        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.RichText)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.verdict.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.verdict.setFont(font)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate: the engine reports no progress
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(8)
        self.busy.hide()

        # -- table -----------------------------------------------------------------------
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName("Errors of each array")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        for c, tip in enumerate(COLUMN_TIPS):
            if tip:
                self.table.horizontalHeaderItem(c).setToolTip(tip)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        # -- error heatmap ---------------------------------------------------------------
        self.error_title = QLabel()
        self.error_title.setTextFormat(Qt.TextFormat.RichText)
        self.error_title.setWordWrap(True)  # a long title must not widen a narrow dock
        self.error_bar = ColorBar()
        self.error_map = Heatmap()
        self.readout = QLabel()
        self.readout.setWordWrap(True)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setMinimumHeight(self.readout.fontMetrics().height() * 2 + 4)
        self.readout.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        errors = QWidget()
        column = QVBoxLayout(errors)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.error_title)
        column.addWidget(self.error_bar)
        column.addWidget(self.error_map, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(errors)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([300, 500])
        self.errors = errors

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.addLayout(controls)
        outer.addWidget(self.verdict)
        outer.addWidget(self.busy)
        outer.addWidget(self.splitter, 1)
        outer.addWidget(self.readout)

        # -- wiring ----------------------------------------------------------------------
        self._job_done.connect(self._take)
        self.run_button.clicked.connect(self.run_check)
        self.cancel_button.clicked.connect(self.cancel)
        self.eps_spin.value_changed.connect(lambda _v: self._show())
        self.rtol_spin.value_changed.connect(lambda _v: self._show())
        self.table.currentCellChanged.connect(lambda row, *_: self._choose_row(row))
        self.error_map.cell_hovered.connect(self._cell_hovered)
        self.error_map.cell_clicked.connect(self._cell_clicked)
        document.network_changed.connect(self._show)
        self._show()

    # -- state ---------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._job is not None

    @property
    def rows(self) -> tuple[CheckRow, ...]:
        """The rows of the last completed run (possibly stale), else ()."""
        return self.result.rows if self.result else ()

    @property
    def stale(self) -> str:
        """Why the shown result is out of date ("" when it is current or absent)."""
        if self.result is None:
            return ""
        if self.result.network is not self.doc.network:
            return "the network or its sample changed since this check"
        if self.result.eps != self.eps_spin.value():
            return f"ε is now {sci(self.eps_spin.value())}, the check used {sci(self.result.eps)}"
        return ""

    def passed(self) -> bool | None:
        """Whether every array passes at the current rtol; None without a result."""
        if self.result is None:
            return None
        rtol = self.rtol_spin.value()
        return all(row.passes(rtol) for row in self.result.rows)

    # -- running -------------------------------------------------------------------------
    def run_check(self) -> None:
        """Check the current network and sample: synchronously (busy cursor) up to
        `sync_limit` parameters, else on a worker thread that signals when it is done."""
        if self.running:
            return
        network, eps = self.doc.network, self.eps_spin.value()
        mode = choose_mode(network, "full" if self.full_box.isChecked() else "auto")
        self.error = ""
        if network.parameter_count <= self.sync_limit:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                job = _Job(network, eps, mode)
                job.run()  # on this thread: quicker than a repaint for small networks
            finally:
                QApplication.restoreOverrideCursor()
            self._finish(job)
            return
        self._job = _Job(network, eps, mode)
        self._job.start(self._signal_done)
        self._show()

    def cancel(self) -> None:
        """Stop waiting for a running check; the panel goes back to what it showed."""
        if self._job is None:
            return
        self._job = None
        self.doc.status_message.emit("Gradient check cancelled")
        self._show()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a running check's thread is done (for scripts and tests); True if
        nothing is left running. The result is taken in once the event loop runs."""
        job = self._job
        return job is None or bool(futures.wait([job.future], timeout).done)

    def _signal_done(self, job: _Job) -> None:
        """On the worker thread: hand `job` to the panel's thread."""
        try:
            self._job_done.emit(job)
        except RuntimeError:  # the panel is gone: nobody is waiting any more
            pass

    def _take(self, job: _Job) -> None:
        if job is self._job:  # else cancelled, or superseded: not ours to show
            self._job = None
            self._finish(job)

    def _finish(self, job: _Job) -> None:
        error = job.future.exception()
        if error is not None:
            self.error = f"The check could not run: {error}"
            self._show()
            return
        previous = self.table.currentRow()
        name = self.rows[previous].name if 0 <= previous < len(self.rows) else None
        self.result = CheckResult(job.network, job.eps, tuple(job.future.result()))
        self._fill_table()
        self._select(name)
        self._show()
        self.check_finished.emit(bool(self.passed()))

    # -- drawing -------------------------------------------------------------------------
    def _show(self) -> None:
        running = self.running
        self.run_button.setEnabled(not running)
        self.cancel_button.setVisible(running)
        self.busy.setVisible(running)
        self.eps_spin.setEnabled(not running)
        self._show_verdict()
        self._paint_table()
        self._show_errors()

    def _show_verdict(self) -> None:
        rtol = self.rtol_spin.value()
        if self.running:
            count = self._job.network.parameter_count if self._job else 0
            text = (
                f"⋯ Checking {count:,} parameters with ε = {sci(self._job.eps)}… "
                "(on a worker thread; Cancel stops waiting)"
            )
            self._set_verdict(text, style.IDLE_COLOR, style.IDLE_FILL)
        elif self.error:
            self._set_verdict(f"✖ {self.error}", style.FAIL_COLOR, style.FAIL_FILL)
        elif self.result is None:
            self._set_verdict(
                "Run the check to compare backprop's gradient with finite differences.",
                style.IDLE_COLOR,
                style.IDLE_FILL,
            )
        elif self.stale:
            self._set_verdict(
                f"⟳ <b>Stale — run again:</b> {self.stale}. The table shows the old results.",
                style.STALE_COLOR,
                style.STALE_FILL,
            )
        else:
            rows = self.result.rows
            failing = [array_label(r.name) for r in rows if not r.passes(rtol)]
            where = f"(rtol {sci(rtol)}, ε {sci(self.result.eps)}; {describe_mode(rows)})"
            if not failing:
                text = f"✔ <b>All {len(rows)} arrays match</b> {where}"
                self._set_verdict(text, style.PASS_COLOR, style.PASS_FILL)
            else:
                noun = "array differs" if len(failing) == 1 else "arrays differ"
                text = f"✖ <b>{len(failing)} of {len(rows)} {noun}</b> {where}: " + ", ".join(
                    failing
                )
                self._set_verdict(text, style.FAIL_COLOR, style.FAIL_FILL)

    def _set_verdict(self, html: str, color: str, fill: str) -> None:
        self.verdict.setText(html)
        self.verdict.setStyleSheet(
            f"QLabel {{ color: {color}; background: {fill}; border: 1px solid {color};"
            " border-radius: 4px; padding: 5px 8px; }"
        )

    def _fill_table(self) -> None:
        rows = self.rows
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            shape = " × ".join(str(d) for d in row.shape)
            texts = (array_label(row.name), shape, sci(row.max_abs), sci(row.max_rel), "")
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(
                    f"max abs error {fmt_full(row.max_abs)}; max rel error {fmt_full(row.max_rel)}"
                )
                if c in (2, 3):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        # Show every row when there is room: up to 12 without scrolling.
        shown = min(len(rows), 12)
        wanted = self.table.horizontalHeader().height() + shown * (
            self.table.verticalHeader().defaultSectionSize()
        )
        total = sum(self.splitter.sizes())
        if total > 0:
            top = min(wanted + 2 * self.table.frameWidth() + 4, total // 2)
            self.splitter.setSizes([top, total - top])

    def _paint_table(self) -> None:
        """Verdict cells for the current rtol; everything muted while stale."""
        rtol, stale = self.rtol_spin.value(), bool(self.stale)
        for r, row in enumerate(self.rows):
            ok = row.passes(rtol)
            verdict = self.table.item(r, 4)
            if verdict is None:
                continue
            verdict.setText(("✔ pass" if ok else "✖ fail") + (" (stale)" if stale else ""))
            for c in range(len(COLUMNS)):
                item = self.table.item(r, c)
                if stale:
                    color = style.MUTED
                elif c == 4:
                    color = QColor(style.PASS_COLOR if ok else style.FAIL_COLOR)
                else:
                    color = style.INK
                item.setForeground(QBrush(color))
                font = item.font()
                font.setItalic(stale)
                font.setBold(c == 4 and not ok and not stale)
                item.setFont(font)

    def _select(self, name: str | None) -> None:
        """Select the row called `name`, else the worst row (largest relative error)."""
        rows = self.rows
        if not rows:
            return
        names = [r.name for r in rows]
        if name in names:
            index = names.index(name)
        else:
            index = max(range(len(rows)), key=lambda k: _sort_key(rows[k].max_rel))
        self.table.setCurrentCell(index, 0)
        self._choose_row(index)

    def _choose_row(self, index: int) -> None:
        self._shown_row = index
        self._hover = None
        self._show_errors()

    def _show_errors(self) -> None:
        rows = self.rows
        k = self._shown_row
        self.errors.setVisible(bool(rows))
        if not 0 <= k < len(rows):
            self.readout.setText("")
            return
        row = rows[k]
        rtol = self.rtol_spin.value()
        centre = math.log10(rtol)
        logs = log_error(row.rel_error)
        if row.checked is not None:
            logs[~row.checked] = np.nan  # not checked one by one: drawn blank, not as a pass
        logs = as_matrix(row, logs)
        self.error_map.set_aspect_locked(row.rel_error.ndim == 2)  # vectors fill the view
        self.error_map.set_matrix(logs, logs.shape, levels=(centre - DECADES, centre + DECADES))
        rows_label, cols_label = self._axis_labels(row)
        self.error_map.set_labels(rows_label, cols_label)
        self.error_bar.set_ends(
            sci(rtol * 10**-DECADES), f"rtol {sci(rtol)}", sci(rtol * 10**DECADES), "rel. error"
        )
        stale = " <i>(stale)</i>" if self.stale else ""
        self.error_title.setText(
            f"Relative error of <b>{array_label(row.name)}</b>{stale}, log₁₀ scale centred on "
            "rtol: <span style='color:#2c5fb8'>blue passes</span>, "
            "<span style='color:#b0302a'>red fails</span>"
            + (
                f"; fast check: only the {row.entries_checked} sampled entries are coloured, "
                f"its {len(row.direction_errors)} random directions read at most "
                f"{sci(max(row.direction_errors))}"
                if row.fast
                else ""
            )
        )
        self._show_readout()

    @staticmethod
    def _axis_labels(row: CheckRow) -> tuple[str, str]:
        name = row.name
        if name == "x":
            return "", "j (input x)"
        l = int(name[1:])
        if name[0] == "b":
            return f"i (layer {l})", ""
        return f"i (layer {l})", "j (input x)" if l == 1 else f"j (layer {l - 1})"

    def _cell_hovered(self, i: int, j: int) -> None:
        self._hover = (i, j) if i >= 0 else None
        self._show_readout()

    def _show_readout(self) -> None:
        rows, k = self.rows, self._shown_row
        if self._hover is None or not 0 <= k < len(rows):
            self.readout.setText(
                "Hover a cell for the analytic and numeric values; click it to select the "
                "weight or neuron on the canvas."
            )
            return
        self.readout.setText(self.describe_entry(rows[k], *self._hover))

    def describe_entry(self, row: CheckRow, i: int, j: int) -> str:
        """Rich text: entry (i, j) of the row's matrix layout, at full precision, named
        1-based like the canvas."""
        index: tuple[int, ...]
        if row.name == "x":
            symbol, index = f"x{sub(j + 1)}", (j,)
        elif row.name[0] == "b":
            symbol, index = f"b{sup(row.name[1:])}{sub(i + 1)}", (i,)
        else:
            symbol = f"w{sup(row.name[1:])}{sub(i + 1)},{sub(j + 1)}"
            index = (i, j)
        if row.checked is not None and not row.checked[index]:
            return (
                f"<b>∂C/∂{symbol}</b>: analytic {fmt_full(row.analytic[index])}; not checked "
                f"on its own (fast check: {row.entries_checked} sampled entries of "
                f"{row.analytic.size:,}, and {len(row.direction_errors)} random directions "
                f"reading at most {fmt_full(max(row.direction_errors))})"
            )
        return (
            f"<b>∂C/∂{symbol}</b>: analytic {fmt_full(row.analytic[index])}, "
            f"numeric {fmt_full(row.numeric[index])}<br>"
            f"abs error {fmt_full(row.abs_error[index])}, "
            f"rel error {fmt_full(row.rel_error[index])}"
        )

    def _cell_clicked(self, i: int, j: int) -> None:
        rows, k = self.rows, self._shown_row
        if self.stale or not 0 <= k < len(rows):
            return  # the old network's indices may not exist any more
        name = rows[k].name
        if name == "x":
            self.doc.set_selection(Selection("neuron", 0, j))
        elif name[0] == "b":
            self.doc.set_selection(Selection("neuron", int(name[1:]), i))
        else:
            self.doc.set_selection(Selection("edge", int(name[1:]), i, j))


def _sort_key(value: float) -> float:
    return math.inf if math.isnan(value) else value
