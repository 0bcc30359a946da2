"""Saves that were killed leave temp files: the next save of the same file removes them.
Errors name the file being saved, never the hidden temp file; a read-only file is not
replaced unless the caller says so (the app asks the user)."""

from __future__ import annotations

import fcntl
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from visualizer.engine.network import make_network
from visualizer.formats.atomic import ReadOnlyTarget, atomic_write
from visualizer.formats.network_file import load_network, save_network

ROOT = Path(__file__).resolve().parents[2]

KILLED_SAVE = """
import sys, time
from visualizer.formats.atomic import atomic_writer
with atomic_writer(sys.argv[1]) as handle:
    handle.write(b"x" * 100_000)
    handle.flush()
    print("writing", flush=True)
    time.sleep(60)
"""


def kill_during_save(target: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(KILLED_SAVE), str(target)],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    try:
        assert child.stdout.readline() == "writing\n"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
        child.stdout.close()


def temps(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp"))


def test_temp_files_of_killed_saves_are_removed_by_the_next_save(tmp_path):
    target = tmp_path / "net.json"
    save_network(make_network([2, 2]), target)
    before = target.read_bytes()
    for _ in range(3):
        kill_during_save(target)
        # each save removes what the one killed before it left: one temp file at most
        assert len(temps(tmp_path)) == 1
    assert target.read_bytes() == before  # a killed save never tears the file
    other = tmp_path / ".other.json.abc.tmp"  # another file's temp: not ours to remove
    other.write_bytes(b"x")
    save_network(make_network([2, 3]), target)
    assert temps(tmp_path) == [other]
    assert load_network(target).sizes == [2, 3]


def test_a_save_in_progress_keeps_its_temp_file(tmp_path):
    target = tmp_path / "net.json"
    busy = tmp_path / ".net.json.busy.tmp"
    with open(busy, "wb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a writer holds it
        save_network(make_network([2, 2]), target)
        assert busy.exists()
    save_network(make_network([2, 2]), target)
    assert not busy.exists()


@pytest.mark.parametrize("where", ["missing folder", "a folder in the way"])
def test_save_errors_name_the_target_not_the_temp_file(tmp_path, where):
    if where == "missing folder":
        target = tmp_path / "missing" / "net.json"
    else:
        target = tmp_path / "net.json"
        target.mkdir()
    with pytest.raises(OSError) as info:
        save_network(make_network([2, 2]), target)
    assert info.value.filename == str(target)
    assert ".tmp" not in str(info.value)
    assert temps(target.parent if target.parent.exists() else tmp_path) == []


def test_a_read_only_file_is_refused_unless_confirmed(tmp_path):
    target = tmp_path / "net.json"
    save_network(make_network([2, 2]), target)
    target.chmod(0o444)
    before = target.read_bytes()
    with pytest.raises(ReadOnlyTarget) as info:
        save_network(make_network([2, 3]), target)
    assert info.value.filename == str(target) and "read-only" in str(info.value)
    assert target.read_bytes() == before and temps(tmp_path) == []
    save_network(make_network([2, 3]), target, overwrite_read_only=True)
    assert load_network(target).sizes == [2, 3]
    assert stat.S_IMODE(target.stat().st_mode) == 0o444  # it stays read-only, as it was


def test_cli_refuses_a_read_only_output_in_one_line(tmp_path, capsys):
    from visualizer import cli

    net = tmp_path / "net.json"
    save_network(make_network([2, 2]), net)
    out = tmp_path / "snap.npz"
    atomic_write(out, b"old")
    out.chmod(0o444)
    assert cli.main(["export", str(net), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "read-only" in err and str(out) in err
    assert out.read_bytes() == b"old"
