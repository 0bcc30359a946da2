"""Crash recovery: while there are unsaved changes the network is written (atomically)
to this instance's own recovery file every few seconds; a clean exit or a save removes it.

Each running instance owns one file, `session-<pid>-<random>.json`, in the recovery folder
and holds an exclusive lock on its companion `.lock` file for as long as it lives. The
operating system drops the lock when the process dies, however it dies (kill -9 included),
so at start-up a recovery file whose lock can be taken is an orphan: the work of a session
that did not end cleanly. Files of instances still running stay locked and are never
offered, overwritten or deleted by another instance.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from PySide6.QtCore import QStandardPaths

from visualizer.engine.network import Network
from visualizer.formats import jsontext as jt
from visualizer.formats.atomic import atomic_write_pieces, remove_stale_temps
from visualizer.formats.files import read_bytes
from visualizer.formats.network_file import network_from_dict, network_to_dict

FORMAT = "backprop-visualizer/recovery"
PREFIX = "session-"


def recovery_dir() -> Path:
    """Where the recovery files live (per user, from QStandardPaths)."""
    folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    return folder / "recovery"


# -- locks ---------------------------------------------------------------------------------
def _try_lock(path: Path) -> IO[bytes] | None:
    """Open `path` (created if missing) and lock it exclusively without waiting; the open
    file while it is ours, None when another open file (any process) holds the lock.
    OSError when the file cannot be created at all."""
    handle = open(path, "a+b")  # held open for the life of the lock
    try:
        if os.name == "posix":
            import fcntl

            # flock, not lockf: two opens of one file conflict even inside one process, so
            # two windows in a test behave like two instances.
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover — Windows
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    except OSError:
        handle.close()
        return None
    return handle


def _lock_path(json_path: Path) -> Path:
    return json_path.with_suffix(".lock")


# -- reading -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Recovered:
    network: Network
    original_path: Path | None
    saved_at: float  # seconds since the epoch


def read_recovery(path: Path) -> Recovered | None:
    """The recovered network, or None if the file cannot be read (a broken recovery file
    is not worth an error dialog at start-up)."""
    try:
        # Regular files only: a FIFO named like a recovery file would block start-up.
        data = json.loads(read_bytes(path).decode("utf-8"))
        if data.get("format") != FORMAT:
            return None
        original = data.get("original_path")
        return Recovered(
            network_from_dict(data["network"]),
            Path(original) if original else None,
            float(data.get("saved_at", 0.0)),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, OverflowError):
        return None


@dataclass
class Orphan:
    """The recovery file of a session that ended without a clean exit, locked by us while
    we decide what to do with it (so a second instance starting now does not offer it too)."""

    path: Path
    found: Recovered | None  # None: the file is unreadable
    _lock: IO[bytes] | None = field(default=None, repr=False)

    def discard(self) -> None:
        """Delete the file (the user said so, or it is unreadable) and let go of it."""
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)
        self._release(remove_lock=True)

    def keep(self) -> None:
        """Leave the file for the next start."""
        self._release(remove_lock=False)

    def _release(self, remove_lock: bool) -> None:
        if self._lock is not None:
            if remove_lock:
                with contextlib.suppress(OSError):
                    _lock_path(self.path).unlink(missing_ok=True)
            self._lock.close()
            self._lock = None


def orphans(folder: Path | None = None) -> list[Orphan]:
    """Every recovery file in `folder` whose instance is gone, oldest first, each locked by
    us until `discard()` or `keep()`. Lock files left without a recovery file, and the temp
    files of autosaves cut short, of sessions that are gone are removed.
    OSError when the folder exists but cannot be listed."""
    folder = recovery_dir() if folder is None else folder
    if not folder.is_dir():
        return []
    found: list[Orphan] = []
    for path in sorted(folder.glob(f"{PREFIX}*.json"), key=_mtime):
        try:
            lock = _try_lock(_lock_path(path))
        except OSError:
            continue  # a lock we cannot even open: not ours to judge
        if lock is None:
            continue  # a running instance
        # Its instance is gone: a temp file it was writing when killed (an autosave cut
        # short) is never finished and no later save has its name. The file it was
        # replacing is still whole.
        remove_stale_temps(path)
        if not path.exists():  # its instance ended cleanly just now
            Orphan(path, None, lock).discard()
            continue
        found.append(Orphan(path, read_recovery(path), lock))
    for stale in folder.glob(f"{PREFIX}*.lock"):
        if not stale.with_suffix(".json").exists():
            with contextlib.suppress(OSError):
                lock = _try_lock(stale)
                if lock is not None:  # killed before its first autosave was complete
                    remove_stale_temps(stale.with_suffix(".json"))
                    Orphan(stale.with_suffix(".json"), None, lock).discard()
    return found


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


# -- this instance's file ------------------------------------------------------------------
class RecoverySlot:
    """This instance's recovery file. `open()` creates the folder and takes the lock; a
    folder that cannot be written raises OSError there (the window shows it as a warning)."""

    def __init__(self, folder: Path | None = None):
        self.folder = recovery_dir() if folder is None else folder
        # Random bytes straight from the OS (what `secrets` returns, without importing
        # hashlib and hmac at start-up).
        self.path = self.folder / f"{PREFIX}{os.getpid()}-{os.urandom(4).hex()}.json"
        self._lock: IO[bytes] | None = None

    @property
    def is_open(self) -> bool:
        return self._lock is not None

    def open(self) -> None:
        if self._lock is not None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        lock = _try_lock(_lock_path(self.path))
        if lock is None:  # only if someone else guessed our random name
            raise OSError(f"{_lock_path(self.path)} is locked by another process")
        self._lock = lock

    def write(self, network: Network, original: Path | None) -> None:
        self.open()
        data = {
            "format": FORMAT,
            "saved_at": time.time(),
            "original_path": str(original) if original else None,
            "network": network_to_dict(network),
        }
        # The network file's own writer (Python, not json's C encoder): it runs on the
        # writer thread and must let the GUI thread run between rows.
        # Written piece by piece: no 70 MB join and encode holding the GIL at the end.
        atomic_write_pieces(self.path, jt.pieces(data))

    def clear(self) -> None:
        """Remove the recovery file (the work is saved or deliberately dropped)."""
        if self._lock is not None:
            self.path.unlink(missing_ok=True)

    def close(self) -> None:
        """A clean exit: the file and the lock go."""
        if self._lock is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            _lock_path(self.path).unlink(missing_ok=True)
        self._lock.close()
        self._lock = None
