"""Atomic file writes: a reader sees the old file or the whole new one, never half of it.

The data goes to a temporary file in the target's own folder (so the final `os.replace` is
a rename within one file system, which is atomic), is flushed and fsynced, and only then
replaces the target. If anything fails on the way, the temporary file is removed and the
old file is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

PathLike = str | os.PathLike[str]


def _current_umask() -> int:
    # os.umask can only be read by setting it; do it once, at import, before any thread
    # of ours could be creating files with the temporarily changed mask.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _target(path: PathLike) -> Path:
    """The file to replace: through a symlink, the file it points to (replacing the link
    itself would silently detach it from what it shared)."""
    target = Path(path)
    if target.is_symlink():
        target = target.resolve()
    return target


def _new_file_mode(target: Path) -> int:
    """Keep an existing file's permission bits; a new file gets what open() would give it
    (NamedTemporaryFile alone would leave it readable by its owner only)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_UMASK


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable on POSIX; folders cannot be opened on Windows.
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: PathLike, mode: str = "wb") -> Iterator[IO[Any]]:
    """A file object to write `path` through; `path` changes only when the block ends
    without an exception. `mode` is "wb" (bytes) or "w" (text, UTF-8, "\\n" line ends).

    On any exception (including KeyboardInterrupt) the temporary file is deleted, `path`
    keeps its old content (or stays absent), and the exception propagates.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_writer: mode must be 'wb' or 'w', got {mode!r}")
    target = _target(path)
    folder = target.parent
    text = {"encoding": "utf-8", "newline": "\n"} if mode == "w" else {}
    tmp = tempfile.NamedTemporaryFile(
        mode=mode, dir=folder, prefix=f".{target.name}.", suffix=".tmp", delete=False, **text
    )
    try:
        with tmp:
            yield tmp
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp.name, _new_file_mode(target))
        os.replace(tmp.name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp.name)
        raise
    _fsync_folder(folder)


def atomic_write(path: PathLike, data: bytes | str) -> None:
    """Write `data` (str is encoded as UTF-8) to `path` atomically; see `atomic_writer`."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_writer(path, "wb") as handle:
        handle.write(payload)
