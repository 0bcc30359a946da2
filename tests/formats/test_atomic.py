"""Atomic writes: the target holds the old content or the whole new one, never a mix."""

from __future__ import annotations

import os
import stat

import pytest

from visualizer.formats.atomic import atomic_write, atomic_writer


class Boom(Exception):
    pass


def test_atomic_write_writes_bytes_and_text_as_utf8(tmp_path):
    atomic_write(tmp_path / "a.bin", b"\x00\x01\xff")
    atomic_write(tmp_path / "b.txt", "déjà vu — ∂C/∂W\n")
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01\xff"
    assert (tmp_path / "b.txt").read_bytes() == "déjà vu — ∂C/∂W\n".encode()


def test_atomic_write_replaces_the_old_content_entirely(tmp_path):
    target = tmp_path / "net.json"
    target.write_text("a much longer old content that must not survive in part")
    atomic_write(target, "new")
    assert target.read_text() == "new"
    assert os.listdir(tmp_path) == ["net.json"]


def test_failing_writer_leaves_old_file_intact_and_no_temp_file(tmp_path):
    target = tmp_path / "net.json"
    target.write_text("old")
    with pytest.raises(Boom), atomic_writer(target) as handle:
        handle.write(b"half of the new")
        raise Boom
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["net.json"]


def test_failing_writer_on_a_new_path_creates_nothing(tmp_path):
    with pytest.raises(Boom), atomic_writer(tmp_path / "new.npz") as handle:
        handle.write(b"partial")
        raise Boom
    assert os.listdir(tmp_path) == []


def test_keyboard_interrupt_during_write_also_cleans_up(tmp_path):
    with pytest.raises(KeyboardInterrupt), atomic_writer(tmp_path / "x.csv", "w") as handle:
        handle.write("array,i,j,value\n")
        raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []


def test_text_mode_writes_utf8_with_newline_line_ends(tmp_path):
    with atomic_writer(tmp_path / "t.csv", "w") as handle:
        handle.write("é\nline two\n")
    assert (tmp_path / "t.csv").read_bytes() == "é\nline two\n".encode()


def test_unknown_mode_is_refused_before_anything_is_created(tmp_path):
    with pytest.raises(ValueError, match="mode"), atomic_writer(tmp_path / "x", "ab"):
        pass  # pragma: no cover
    assert os.listdir(tmp_path) == []


def test_missing_folder_raises_oserror_and_creates_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "no" / "such" / "folder.json", "x")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX")
def test_replacing_keeps_the_permissions_of_the_existing_file(tmp_path):
    target = tmp_path / "net.json"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX")
def test_new_file_gets_the_usual_permissions_not_owner_only(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    atomic_write(tmp_path / "new.json", "x")
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o666 & ~umask


@pytest.mark.skipif(os.name != "posix", reason="symlinks need privileges on Windows")
def test_writing_through_a_symlink_updates_the_file_it_points_to(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    atomic_write(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_a_text_written_piece_by_piece_is_the_joined_text_and_a_failure_leaves_nothing(tmp_path):
    from visualizer.engine.network import make_network
    from visualizer.formats import jsontext as jt
    from visualizer.formats.atomic import atomic_write_pieces
    from visualizer.formats.network_file import network_to_dict, network_to_json, save_network

    network = make_network([3, 5, 2], name="pièces")
    pieces = jt.pieces(network_to_dict(network))
    assert len(pieces) > 10 and "".join(pieces) == network_to_json(network)
    target = tmp_path / "net.json"
    save_network(network, target)  # written piece by piece: the same bytes as one write
    assert target.read_bytes() == network_to_json(network).encode("utf-8")
    target.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        atomic_write_pieces(target, ["{", '"a": "\ud800"', "}"])  # a lone surrogate
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["net.json"]
