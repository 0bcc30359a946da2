"""Atomic file writes: a reader sees the old file or the whole new one, never half of it.

The data goes to a temporary file in the target's own folder (so the final `os.replace` is
a rename within one file system, which is atomic), is flushed and fsynced, and only then
replaces the target. If anything fails on the way, the temporary file is removed and the
old file is left as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterable, Iterator
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


class ReadOnlyTarget(PermissionError):
    """The file to replace is read-only (no write permission bit): like an editor, we do
    not silently replace it; the caller may ask and retry with `overwrite_read_only`."""


def is_read_only(path: PathLike) -> bool:
    """True when `path` exists and no one may write it (by its permission bits: the
    owner's — even root's — choice, which os.access ignores for root)."""
    try:
        mode = _target(path).stat().st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) and not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def _lock_temp(handle: IO[Any]) -> None:
    # Held while the temp file is being written, so a cleaner can tell ours from a stale
    # one left by a save that was killed.
    if os.name == "posix":
        import fcntl

        with contextlib.suppress(OSError):
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def remove_stale_temps(target: Path) -> int:
    """Delete the temp files earlier saves of `target` left behind when they were killed
    (`.<name>.*.tmp` beside it, not locked by a save in progress); how many went."""
    removed = 0
    for temp in target.parent.glob(f".{glob_escape(target.name)}.*.tmp"):
        try:
            with open(temp, "rb") as handle:
                if os.name == "posix":
                    import fcntl

                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.unlink(temp)
                removed += 1
        except OSError:
            continue  # in use by a save in progress, or not ours to remove
    return removed


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


@contextlib.contextmanager
def atomic_writer(
    path: PathLike, mode: str = "wb", overwrite_read_only: bool = False
) -> Iterator[IO[Any]]:
    """A file object to write `path` through; `path` changes only when the block ends
    without an exception. `mode` is "wb" (bytes) or "w" (text, UTF-8, "\\n" line ends).

    On any exception (including KeyboardInterrupt) the temporary file is deleted, `path`
    keeps its old content (or stays absent), and the exception propagates. Errors name
    `path`, never the hidden temporary file. A read-only `path` raises ReadOnlyTarget
    unless `overwrite_read_only`. Temp files of `path` left by killed saves are removed.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_writer: mode must be 'wb' or 'w', got {mode!r}")
    target = _target(path)
    folder = target.parent
    if not overwrite_read_only and is_read_only(target):
        raise ReadOnlyTarget(errno.EACCES, "the file is read-only", str(target))
    remove_stale_temps(target)
    text = {"encoding": "utf-8", "newline": "\n"} if mode == "w" else {}
    import tempfile  # with the first save, not with every program that may save

    try:
        tmp = tempfile.NamedTemporaryFile(
            mode=mode, dir=folder, prefix=f".{target.name}.", suffix=".tmp", delete=False, **text
        )
    except OSError as exc:
        raise _naming(exc, target) from None
    _lock_temp(tmp)
    try:
        try:
            with tmp:
                yield tmp
                tmp.flush()
                os.fsync(tmp.fileno())
            os.chmod(tmp.name, _new_file_mode(target))
            os.replace(tmp.name, target)
        except OSError as exc:
            raise _naming(exc, target) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp.name)
        raise
    _fsync_folder(folder)


def _naming(exc: OSError, target: Path) -> OSError:
    """The same error about `target`: the user knows the file they saved, not our temp."""
    if exc.errno is None:
        return exc
    return type(exc)(exc.errno, exc.strerror, str(target))


def atomic_write_pieces(
    path: PathLike, pieces: Iterable[str], overwrite_read_only: bool = False
) -> None:
    """`atomic_write` of the text `"".join(pieces)`, encoding and writing one piece at a
    time (no whole-file string or bytes copy: a big save on a worker thread gives the GIL
    back between pieces). UnicodeEncodeError (a lone surrogate) leaves `path` as it was."""
    with atomic_writer(path, "wb", overwrite_read_only) as handle:
        for piece in pieces:
            handle.write(piece.encode("utf-8"))


def atomic_write(path: PathLike, data: bytes | str, overwrite_read_only: bool = False) -> None:
    """Write `data` (str is encoded as UTF-8) to `path` atomically; see `atomic_writer`."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_writer(path, "wb", overwrite_read_only) as handle:
        handle.write(payload)
