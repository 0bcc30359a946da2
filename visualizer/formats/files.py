"""Reading a file safely: only regular files, never more than a size cap.

A FIFO would block the reader forever (nothing ever writes to it), `/dev/zero` or a
character device never ends, and a huge file would be read whole before any check: each
is refused up front with the usual one-line FormatError.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from visualizer.engine.limits import MAX_FILE_BYTES
from visualizer.formats.errors import FormatError

PathLike = str | os.PathLike[str]
READ_CHUNK = 1 << 20  # bytes per read() of `read_bytes`


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _size_problem(size: int, limit: int) -> str:
    return f"is {size:,} bytes; the largest file the app reads is {limit:,} bytes"


def check_regular(path: PathLike, limit: int = MAX_FILE_BYTES) -> int:
    """The size of the regular file at `path`; FormatError if it is missing, a folder, a
    pipe, a device or a socket, or larger than `limit`. Never opens the file, so it never
    blocks."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FormatError("no such file") from None
    except NotADirectoryError:
        raise FormatError("no such file (a part of the path is a file)") from None
    except OSError as exc:
        raise FormatError(f"cannot read the file: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise FormatError("is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise FormatError(f"is {_kind(info.st_mode)}, not a file the app can read")
    if info.st_size > limit:
        raise FormatError(_size_problem(info.st_size, limit))
    return info.st_size


def read_bytes(path: PathLike, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them (FormatError, as
    in `check_regular`, otherwise — also if the file grows past the limit while read)."""
    check_regular(path, limit)
    # O_NONBLOCK: if the path was swapped for a FIFO since the check, open() must not hang.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(Path(path), flags)
    except OSError as exc:
        raise FormatError(f"cannot read the file: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise FormatError("is not a regular file any more (it was replaced while opened)")
        chunks: list[bytes] = []
        try:
            # The whole file in one read of its size + 1: the only copy is the kernel's,
            # made with the GIL released, so a worker thread reading a big file never holds
            # it for a copy of the whole (joining 1 MB chunks did: ~80 ms for 80 MB, and
            # the chunks and their join touched twice the memory). No read asks for a
            # buffer of the whole cap (under `ulimit -v` a 1 GiB buffer for a 1 KB file
            # fails).
            want = min(info.st_size, limit) + 1
            chunks.append(handle.read(want))
            size = len(chunks[0])
            if size == want:  # more than fstat said (the file grows, or /proc says 0)
                while size <= limit and (chunk := handle.read(min(READ_CHUNK, limit + 1 - size))):
                    chunks.append(chunk)
                    size += len(chunk)
            if size > limit:
                raise FormatError(_size_problem(size, limit))
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        except OSError as exc:
            raise FormatError(f"cannot read the file: {exc.strerror or exc}") from None
        except MemoryError:
            chunks.clear()
            raise FormatError(f"not enough memory to read its {info.st_size:,} bytes") from None
