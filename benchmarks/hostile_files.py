"""Hostile files: what each one costs the command line, the app's start-up and File → Open
in exit status, message, peak memory and time.

    .venv/bin/python benchmarks/hostile_files.py [--memory-mib 1024] [--timeout 30]

The files: every file of tests/formats/malformed/hostile/ (a zip bomb, an .npy header
declaring 8 TiB, CSV indices of 10²⁰, "0_0" and "+0"), and, made on the fly in a temp
folder: a FIFO, /dev/zero (through a symlink named like a snapshot, and as itself), a
folder, and a sparse file past the 1 GiB size cap. Each is given, in a child process with
its address space capped (RLIMIT_AS, default 1 GiB) and a timeout, to
  info   `python -m visualizer info FILE` (every command reads its file the same way),
  app    `python -m visualizer FILE` with no display: the app's start-up reads and checks
         the file before Qt starts, and a bad file ends there,
  open   `visualizer.formats.models.open_model(FILE)`, the Qt-free reader File → Open
         runs on the app's writer thread,
  load   `visualizer.formats.snapshot.load_snapshot(FILE)`, the snapshot reader of
         scripts (the only reader of CSV snapshots, whose indices the corpus attacks).
Prints per file and path: exit status (or "killed: timeout"), the first line of stderr,
the child's peak RSS (os.wait4) and wall time. A valid network comes first, as the control
(it opens; the app, with no display, says so). Numbers only, never pass/fail (exit 0).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "formats" / "malformed" / "hostile"

# A reader called in a child: a refusal is the one-line message File -> Open (or a script)
# shows; anything else escaping (MemoryError, …) is a traceback, as the status shows.
READ = """
import sys
from visualizer.formats.models import open_model
from visualizer.formats.snapshot import load_snapshot
reader = {"open": open_model, "load": load_snapshot}[sys.argv[1]]
try:
    reader(sys.argv[2])
except (ValueError, OSError) as exc:
    print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(2)
print("read", file=sys.stderr)
"""


def cases(folder: Path) -> list[tuple[str, Path]]:
    """(what it is, path) for every hostile file: the corpus and the ones made here."""
    found = [
        (f"corpus {p.name}", p)
        for p in sorted(CORPUS.iterdir())
        if p.is_file() and p.name != "expected.json"
    ]
    fifo = folder / "fifo.json"
    os.mkfifo(fifo)
    zero = folder / "zero.npz"
    zero.symlink_to("/dev/zero")
    directory = folder / "folder.json"
    directory.mkdir()
    big = folder / "big.json"
    with open(big, "wb") as handle:  # sparse: no disk space, but stat says 1 GiB + 1
        handle.truncate((1 << 30) + 1)
    return [
        ("control: a valid network (xor.json)", ROOT / "assets" / "networks" / "xor.json"),
        *found,
        ("a FIFO (fifo.json)", fifo),
        ("/dev/zero via zero.npz", zero),
        ("/dev/zero", Path("/dev/zero")),
        ("a folder (folder.json)", directory),
        ("sparse 1 GiB + 1 (big.json)", big),
    ]


def run_capped(
    argv: list[str], env: dict[str, str], memory: int, timeout: float
) -> tuple[str, str, float, float]:
    """Run `argv` with its address space capped; (status, first stderr line, peak RSS in
    MiB, seconds)."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
            preexec_fn=cap,
            cwd=ROOT,
        )
        status = None
        while True:
            pid, code, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                os.kill(child.pid, signal.SIGKILL)
                pid, code, usage = os.wait4(child.pid, 0)
                status = f"killed: timeout {timeout:g} s"
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - start
        child.returncode = 0  # reaped by wait4: keep Popen from waiting again
        if status is None:
            status = (
                f"exit {os.waitstatus_to_exitcode(code)}"
                if os.WIFEXITED(code)
                else f"signal {os.WTERMSIG(code)}"
            )
        err.seek(0)
        lines = [
            line
            for line in err.read().decode("utf-8", "replace").splitlines()
            if line.strip() and "propagateSizeHints" not in line
        ]
    first = lines[0] if lines else "(nothing on stderr)"
    if len(lines) > 1:
        first += f"  [+{len(lines) - 1} more lines]"
    return status, first, usage.ru_maxrss / 1024, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory-mib", type=int, default=1024, help="RLIMIT_AS of each child")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per child")
    args = parser.parse_args()

    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)  # "app": no display, so nothing but the reading runs
    python = sys.executable
    paths = {
        "info": lambda f: [python, "-m", "visualizer", "info", str(f)],
        "app": lambda f: [python, "-m", "visualizer", str(f)],
        "open": lambda f: [python, "-c", textwrap.dedent(READ), "open", str(f)],
        "load": lambda f: [python, "-c", textwrap.dedent(READ), "load", str(f)],
    }
    memory = args.memory_mib << 20
    print(f"each child: address space ≤ {args.memory_mib} MiB, timeout {args.timeout:g} s")
    print(f"{'path':5} {'status':>8} {'peak RSS':>9} {'wall':>7}  first line of stderr")
    worst_rss = worst_time = 0.0
    refused = total = 0
    with tempfile.TemporaryDirectory(prefix="hostile-") as name:
        for what, path in cases(Path(name)):
            print(f"\n{what}")
            for label, make in paths.items():
                status, line, rss, seconds = run_capped(make(path), env, memory, args.timeout)
                if what.startswith("control"):
                    print(f"{label:5} {status:>8} {rss:>6.0f} MiB {seconds:>5.2f} s  {line}")
                    continue
                total += 1
                refused += (
                    status == "exit 2" and line.startswith("error:") and "more lines]" not in line
                )
                worst_rss, worst_time = max(worst_rss, rss), max(worst_time, seconds)
                print(f"{label:5} {status:>8} {rss:>6.0f} MiB {seconds:>5.2f} s  {line}")
        with contextlib.suppress(OSError):
            (Path(name) / "big.json").unlink()
    print(
        f"\n{refused} of {total} runs on hostile files refused with exit 2 and one `error:` line; "
        f"largest peak RSS {worst_rss:.0f} MiB, longest {worst_time:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
