"""Hostile files cost no unbounded memory and never hang: a zip bomb, an .npy header that
declares terabytes, a FIFO, /dev/zero and a file over the size cap are refused up front
with the usual one-line error, by the readers, the CLI and the app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from visualizer.engine.limits import MAX_FILE_BYTES
from visualizer.formats.errors import FormatError
from visualizer.formats.models import open_model
from visualizer.formats.network_file import load_network
from visualizer.formats.snapshot import load_snapshot

FOLDER = Path(__file__).parent / "malformed" / "hostile"
EXPECTED: dict[str, str] = json.loads((FOLDER / "expected.json").read_text(encoding="utf-8"))
ROOT = Path(__file__).resolve().parents[2]


def within(seconds: float, call):
    """`call()`'s outcome (value or exception), failing if it takes longer: a FIFO must
    never block a reader."""
    box: dict[str, object] = {}

    def target():
        try:
            box["value"] = call()
        except BaseException as exc:  # handed to the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the reader hung"
    if "error" in box:
        raise box["error"]
    return box.get("value")


def test_the_corpus_lists_every_hostile_file():
    assert sorted(EXPECTED) == sorted(p.name for p in FOLDER.iterdir() if p.suffix != ".json")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_snapshot_is_refused_with_its_message(name, monkeypatch):
    def no_inflating(*_args, **_kwargs):
        raise AssertionError("np.load was reached: the archive was inflated before the check")

    if name.endswith(".npz"):
        monkeypatch.setattr(np, "load", no_inflating)
    with pytest.raises(FormatError) as info:
        load_snapshot(FOLDER / name)
    assert str(info.value) == EXPECTED[name]


def test_a_real_zip_bomb_is_refused_before_inflating(tmp_path, monkeypatch):
    """A truthful archive whose member unpacks past the limit (the limit lowered so the
    bomb stays small to build)."""
    import io
    import zipfile

    from visualizer.formats import snapshot

    monkeypatch.setattr(snapshot, "MAX_FILE_BYTES", 1 << 20)
    buf = io.BytesIO()
    np.save(buf, np.zeros(1 << 18))  # 2 MiB of zeros deflate to a few KiB
    bomb = tmp_path / "bomb.npz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x.npy", buf.getvalue())
    assert bomb.stat().st_size < 20_000
    with pytest.raises(FormatError, match=r"^x: unpacks to 2,097,280 bytes"):
        load_snapshot(bomb)


@pytest.fixture
def fifo(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.fail("this platform has no FIFOs (the test needs POSIX)")
    made = {}

    def make(suffix: str) -> Path:
        path = tmp_path / f"pipe{suffix}"
        os.mkfifo(path)
        made[suffix] = path
        return path

    return make


@pytest.mark.parametrize("suffix", [".json", ".npz", ".csv"])
def test_a_fifo_is_refused_without_blocking(fifo, suffix):
    path = fifo(suffix)
    reader = load_network if suffix == ".json" else load_snapshot
    for call in (reader, open_model):
        with pytest.raises(FormatError, match=r"^is a named pipe \(FIFO\), not a file"):
            within(10, lambda call=call: call(path))


def test_dev_zero_is_refused_not_read(tmp_path):
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    for call in (load_network, open_model):
        with pytest.raises(FormatError, match=r"^is a device, not a file the app can read"):
            within(10, lambda call=call: call(link))


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(FormatError, match=r"^is 1,073,741,825 bytes; the largest file"):
        load_network(big)


@pytest.mark.parametrize("argv", [["info"], ["check"], ["export", "-o", "OUT"], []])
def test_cli_refuses_a_fifo_in_one_line(fifo, tmp_path, argv):
    path = fifo(".json")
    args = [a if a != "OUT" else str(tmp_path / "s.npz") for a in argv]
    args = [*args[:1], str(path), *args[1:]]
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "visualizer", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert "named pipe (FIFO)" in result.stderr


# -- under a memory cap (ulimit -v, as on a shared machine) ---------------------------------
def run_capped(argv: list[str], memory: int) -> subprocess.CompletedProcess:
    """`python -m visualizer ARGV` with its address space capped at `memory` bytes."""
    import resource

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-m", "visualizer", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        preexec_fn=cap,
    )


def test_a_small_file_opens_under_a_memory_cap_below_the_size_cap():
    """The reader asked for a buffer of the whole size cap (1 GiB + 1) for every file, so
    under `ulimit -v 1048576` even a 1 KB network ended in a MemoryError traceback."""
    result = run_capped(["info", str(ROOT / "assets" / "networks" / "xor.json")], 1 << 30)
    assert result.returncode == 0, result.stderr
    assert "parameters:" in result.stdout


@pytest.mark.parametrize("name", ["zip_bomb.npz", "header_8_tib.npz"])
def test_hostile_files_are_refused_in_one_line_under_a_memory_cap(name):
    result = run_capped(["info", str(FOLDER / name)], 1 << 30)
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"error: {FOLDER / name}: {EXPECTED[name]}\n"


def test_a_file_too_big_for_the_memory_left_is_one_line(tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as handle:
        handle.truncate(700 << 20)  # sparse: under the size cap, over what is left
    result = run_capped(["info", str(big)], 512 << 20)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: {big}: not enough memory to read its 734,003,200")
