"""The window's disk writes (saves, autosaves) on one worker thread, in the order asked.

A Network is immutable, so the worker can serialise the very object the document holds
while the user keeps editing: the GUI thread only hands it over and is told when the
write is done. The writing code is Python (the network file's own JSON writer), which
gives the GIL back every few milliseconds, so the window keeps answering key presses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEventLoop, QObject, QTimer

if TYPE_CHECKING:  # the thread pool is imported with the first write, not at start-up
    from concurrent.futures import Future, ThreadPoolExecutor

POLL_MS = 10  # how often the GUI thread looks for finished writes


class Writer(QObject):
    """Runs callables on one worker thread; `submit` calls `on_done(future)` back on the
    GUI thread, `run` waits for the result with the event loop still running. The thread
    starts with the first write and ends with `shutdown` (a later write starts it again)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool: ThreadPoolExecutor | None = None
        self._futures: list[Future] = []
        self._pending: list[tuple[Future, Callable[[Future], None]]] = []
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

    def _start(self, work: Callable[[], Any]) -> Future:
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="writer")
        future = self._pool.submit(work)
        self._futures = [f for f in self._futures if not f.done()] + [future]
        return future

    def submit(
        self, work: Callable[[], Any], on_done: Callable[[Future], None] | None = None
    ) -> Future:
        future = self._start(work)
        if on_done is not None:
            self._pending.append((future, on_done))
            self._timer.start()
        return future

    def run(self, work: Callable[[], Any]) -> Any:
        """`work()`'s value (or its exception), computed on the worker while this thread's
        event loop keeps painting and answering keys."""
        future = self._start(work)
        if not future.done():
            loop = QEventLoop()
            poll = QTimer()
            poll.setInterval(POLL_MS)
            poll.timeout.connect(lambda: future.done() and loop.quit())
            poll.start()
            loop.exec()
            poll.stop()
        return future.result()

    def drain(self) -> None:
        """Block until every write asked so far is done (before clearing or quitting)."""
        for future in list(self._futures):
            future.exception()  # waits; the outcome goes to its own callback
        self._futures = []
        self._poll()

    @property
    def busy(self) -> bool:
        return any(not f.done() for f in self._futures)

    def shutdown(self) -> None:
        """Finish every write and end the thread (a window closing)."""
        self.drain()
        self._timer.stop()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _poll(self) -> None:
        done = [(f, cb) for f, cb in self._pending if f.done()]
        self._pending = [(f, cb) for f, cb in self._pending if not f.done()]
        if not self._pending:
            self._timer.stop()
        for future, on_done in done:
            on_done(future)
