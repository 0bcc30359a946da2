"""`backprop-visualizer render`: pictures at a playback step and the animation, headless."""

import re
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from visualizer.cli import main
from visualizer.paths import DEFAULT_NETWORK, EXAMPLES


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "visualizer", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )


def test_render_png_at_a_step_and_last_differ(tmp_path):
    first, last = tmp_path / "first.png", tmp_path / "last.png"
    done = _cli(
        "render", str(DEFAULT_NETWORK), "-o", str(first), "--step", "0", "--size", "800x450"
    )
    assert done.returncode == 0, done.stderr
    assert main(["render", str(DEFAULT_NETWORK), "-o", str(last), "--step", "last",
                 "--size", "800x450"]) == 0  # fmt: skip
    a, b = QImage(str(first)), QImage(str(last))
    assert (a.width(), a.height()) == (800, 450) == (b.width(), b.height())
    assert a != b


def test_render_svg_and_window(tmp_path):
    svg, window = tmp_path / "net.svg", tmp_path / "window.png"
    assert main(["render", str(EXAMPLES / "xor.json"), "-o", str(svg)]) == 0
    assert svg.read_text().lstrip().startswith("<?xml")
    assert main(["render", str(EXAMPLES / "xor.json"), "-o", str(window), "--window",
                 "--size", "1200x800"]) == 0  # fmt: skip
    assert QImage(str(window)).width() == 1200


def test_render_gif_animation(tmp_path):
    from PIL import Image

    gif = tmp_path / "pass.gif"
    assert main(["render", str(EXAMPLES / "xor.json"), "--gif", str(gif), "--size", "400x240",
                 "--fps", "5"]) == 0  # fmt: skip
    with Image.open(gif) as im:
        assert im.n_frames > 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "out.txt"], "unknown suffix"),
        (["-o", "out.png", "--step", "99"], "--step: 99 is outside"),
        (["-o", "out.png", "--step", "two"], "--step: expected"),
        (["-o", "out.png", "--size", "big"], "--size"),
        (["-o", "out.png", "--size", "1x1"], "outside"),
        ([], "give either -o"),
        (["-o", "a.png", "--gif", "b.gif"], "give either -o"),
        (["--gif", "b.gif", "--step", "1"], "apply to a picture"),
        (["-o", "out.png", "--window", "--step", "1"], "not to --window"),
        (["--gif", "b.gif", "--fps", "0"], "--fps"),
    ],
)
def test_render_bad_input_is_one_error_line(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(["render", str(DEFAULT_NETWORK), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and message in err[0]
    assert list(tmp_path.iterdir()) == []


def test_render_into_a_non_empty_folder_is_refused(tmp_path, capsys):
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "keep.txt").write_text("mine")
    assert main(["render", str(DEFAULT_NETWORK), "--gif", str(tmp_path / "frames")]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "frames").iterdir()] == ["keep.txt"]


def test_the_app_refuses_a_malformed_file_with_one_error_line(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "backprop-visualizer/network", "version": 1}')
    assert main([str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {bad}:")


def test_the_app_refuses_a_file_whose_values_overflow(tmp_path, capsys):
    from visualizer.engine import editing
    from visualizer.engine.network import Sample, make_network
    from visualizer.formats.network_file import save_network

    net = make_network([2, 3, 2], "identity", sample=Sample([1, 1], [0, 0]))
    net = editing.set_weight(editing.set_weight(net, 1, 0, 0, 1e200), 2, 0, 0, 1e200)
    path = tmp_path / "huge.json"
    save_network(net, path)
    assert main([str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "overflow" in err[0]


@pytest.mark.parametrize("mode", ["forward", "both"])
def test_render_forward_mode_at_a_step_and_last(tmp_path, mode):
    reverse, forward = tmp_path / "reverse.png", tmp_path / "forward.png"
    assert main(["render", str(DEFAULT_NETWORK), "-o", str(reverse), "--step", "last",
                 "--size", "800x450"]) == 0  # fmt: skip
    assert main(["render", str(DEFAULT_NETWORK), "-o", str(forward), "--step", "last",
                 "--size", "800x450", "--mode", mode]) == 0  # fmt: skip
    assert QImage(str(reverse)) != QImage(str(forward))


def test_render_forward_mode_counts_its_own_steps(tmp_path, capsys):
    # Forward mode has 2L + 4 = 10 steps on the default network, reverse mode 17.
    out = tmp_path / "x.png"
    assert main(["render", str(DEFAULT_NETWORK), "-o", str(out), "--mode", "forward",
                 "--step", "12"]) == 2  # fmt: skip
    assert "--step: 12 is outside 0..9" in capsys.readouterr().err
    assert main(["render", str(DEFAULT_NETWORK), "-o", str(out), "--mode", "forward",
                 "--step", "9", "--size", "400x240"]) == 0  # fmt: skip


def test_render_gif_reports_the_frame_count_it_wrote(tmp_path, capsys):
    """The count printed is the number of frames in the file (a GIF merges identical
    neighbours into one longer frame), and the file lasts as long as all frames rendered."""
    from PIL import Image

    gif = tmp_path / "pass.gif"
    assert main(["render", str(DEFAULT_NETWORK), "--gif", str(gif), "--size", "320x180",
                 "--fps", "10", "--mode", "forward"]) == 0  # fmt: skip
    line = capsys.readouterr().out.strip()
    found = re.search(r"\((\d+) GIF frames from (\d+) rendered", line)
    assert found, line
    written, rendered = int(found[1]), int(found[2])
    with Image.open(gif) as im:
        assert im.n_frames == written
        total_ms = 0
        for i in range(im.n_frames):
            im.seek(i)
            total_ms += im.info["duration"]
    assert written < rendered
    assert total_ms == pytest.approx(rendered * 100, abs=10)
    assert f"{written} GIF frames from {rendered} rendered at 10 fps" in line


def test_render_png_frames_reports_the_files_it_wrote(tmp_path, capsys):
    frames = tmp_path / "frames"
    assert main(["render", str(EXAMPLES / "xor.json"), "--gif", str(frames), "--size",
                 "320x180", "--fps", "2"]) == 0  # fmt: skip
    line = capsys.readouterr().out
    count = len(list(frames.iterdir()))
    assert f"({count} PNG frames at 2 fps" in line
