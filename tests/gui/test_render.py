"""Headless pictures: render_network writes real PNG and SVG files, atomically, of the
resting canvas or of a step of the playback; render_animation writes a GIF or a folder of
PNG frames, and a cancelled export leaves nothing behind."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from visualizer.engine.network import make_network
from visualizer.gui.canvas.playback import frame_plan
from visualizer.gui.render import render_animation, render_network
from visualizer.gui.style import PHASE_COLORS
from visualizer.gui.window_render import render_window


@pytest.fixture
def network():
    return make_network([2, 4, 3, 2], "tanh", name="render test")


def _distinct_colours(image: QImage, step: int = 7) -> int:
    return len(
        {
            image.pixel(x, y)
            for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)
        }
    )


def test_png_has_the_requested_size_and_shows_the_network(qapp, tmp_path, network):
    out = tmp_path / "net.png"
    render_network(network, out, size=(1200, 700))
    image = QImage(str(out))
    assert not image.isNull()
    assert (image.width(), image.height()) == (1200, 700)
    assert _distinct_colours(image) > 50  # coloured neurons, edges, text: not a blank
    assert [p.name for p in tmp_path.iterdir()] == ["net.png"]  # no temporary file left


def test_png_of_a_wide_network_with_level_of_detail(qapp, tmp_path):
    out = tmp_path / "wide.png"
    render_network(make_network([256, 512, 10], "relu"), out)
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1600, 900)
    assert _distinct_colours(image) > 100


def test_svg_is_vector_xml_with_the_drawing(qapp, tmp_path, network):
    out = tmp_path / "net.svg"
    render_network(network, out, size=(800, 500))
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    tags = {el.tag.rsplit("}", 1)[-1] for el in root.iter()}
    assert "path" in tags or "polyline" in tags
    assert "text" in tags  # numbers stay text, not pixels
    from PySide6.QtSvg import QSvgRenderer

    assert QSvgRenderer(str(out)).isValid()


def test_render_replaces_an_existing_file(qapp, tmp_path, network):
    out = tmp_path / "net.png"
    out.write_bytes(b"old")
    render_network(network, out, size=(300, 200))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_suffix_is_refused_before_anything_is_written(qapp, tmp_path, network):
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        render_network(network, tmp_path / "net.jpg")
    assert list(tmp_path.iterdir()) == []


def test_window_render_has_the_requested_size(qapp, tmp_path, network):
    out = tmp_path / "window.png"
    render_window(network, out, size=(1280, 800))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)
    assert _distinct_colours(image) > 50


# -- steps of the playback, and animations -------------------------------------------------
SMALL = (480, 270)


@pytest.fixture
def softmax_net():
    return make_network([2, 4, 3, 2], ["tanh", "sigmoid", "softmax"], "cross_entropy")


def _pixels(path) -> np.ndarray:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    words = np.frombuffer(image.constBits(), dtype=np.uint32)
    # Copied while `image` (which owns the buffer) is alive.
    return words.reshape(image.height(), -1)[:, : image.width()].copy()


def test_rendered_steps_differ_from_each_other_and_from_rest(qapp, tmp_path, softmax_net):
    count = 5 * 3 + 2
    shots = {}
    for name, step in (("rest", None), ("first", 0), ("back", 10), ("last", "last")):
        out = tmp_path / f"{name}.png"
        render_network(softmax_net, out, size=(800, 450), step=step)
        shots[name] = _pixels(out)
    render_network(softmax_net, tmp_path / "end.png", size=(800, 450), step=count - 1)
    np.testing.assert_array_equal(_pixels(tmp_path / "end.png"), shots["last"])
    names = sorted(shots)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            changed = np.count_nonzero(shots[a] != shots[b])
            assert changed > 2000, f"{a} and {b} differ in only {changed} pixels"


def test_render_step_amber_shows_only_in_the_backward_phase(qapp, tmp_path, softmax_net):
    amber = QColor(PHASE_COLORS["backward"]).rgb() & 0xFFFFFF

    def amber_pixels(step) -> int:
        out = tmp_path / "x.png"
        render_network(softmax_net, out, size=(800, 450), step=step)
        return int(np.count_nonzero((_pixels(out) & 0xFFFFFF) == amber))

    assert amber_pixels(0) == 0
    assert amber_pixels(10) > 50  # the active operator and column in the backward accent


def test_render_step_is_checked(qapp, tmp_path, network):
    for bad in (-1, 5 * 3 + 2, "first", 1.5, True):
        with pytest.raises(ValueError, match="step must be"):
            render_network(network, tmp_path / "x.png", step=bad)
    assert list(tmp_path.iterdir()) == []


def test_step_renders_to_svg_too(qapp, tmp_path, network):
    out = tmp_path / "step.svg"
    render_network(network, out, size=(800, 500), step="last")
    svg = out.read_text(encoding="utf-8")
    # The last step labels x's column ∇ₓC, as rich text: ∇, then a subscript x, then C.
    assert ">∇<" in svg and ">x<" in svg


def test_animation_as_gif_plays_every_step_and_loops(qapp, tmp_path, softmax_net):
    from PIL import Image

    out = tmp_path / "anim.gif"
    calls = []
    frames = render_animation(
        softmax_net,
        out,
        size=SMALL,
        fps=10,
        step_seconds=0.3,
        progress=lambda d, t: calls.append((d, t)),
    )
    total = len(frame_plan(17, 10, 0.3))
    assert calls == [(d, total) for d in range(1, total + 1)]
    with Image.open(out) as gif:
        assert gif.size == SMALL
        assert gif.n_frames == frames > 17  # every step changes the picture
        assert gif.info["loop"] == 0
        durations = []
        for i in range(gif.n_frames):
            gif.seek(i)
            durations.append(gif.info["duration"])
        assert sum(durations) == total * 100  # identical frames were merged, not dropped
        gif.seek(0)
        first = np.asarray(gif.convert("RGB"))
        gif.seek(gif.n_frames - 1)
        last = np.asarray(gif.convert("RGB"))
    assert np.count_nonzero(np.any(first != last, axis=2)) > 1000
    assert [p.name for p in tmp_path.iterdir()] == ["anim.gif"]


def test_animation_gif_frames_match_the_canvas(qapp, tmp_path, softmax_net):
    """The last GIF frame is the canvas at the last step, up to the 255-colour palette."""
    from PIL import Image

    render_animation(softmax_net, tmp_path / "a.gif", size=SMALL, fps=2, step_seconds=0.5)
    render_network(softmax_net, tmp_path / "last.png", size=SMALL, step="last")
    with Image.open(tmp_path / "a.gif") as gif:
        gif.seek(gif.n_frames - 1)
        frame = np.asarray(gif.convert("RGB")).astype(int)
    with Image.open(tmp_path / "last.png") as png:
        canvas = np.asarray(png.convert("RGB")).astype(int)
    assert np.percentile(np.abs(frame - canvas).max(axis=2), 99) < 24


def test_animation_as_a_folder_of_png_frames(qapp, tmp_path, softmax_net):
    out = tmp_path / "frames"
    frames = render_animation(softmax_net, out, size=SMALL, fps=4, step_seconds=0.5)
    names = sorted(p.name for p in out.iterdir())
    assert frames == len(frame_plan(17, 4, 0.5)) == len(names)
    assert names[0] == "frame_0000.png" and names[-1] == f"frame_{frames - 1:04d}.png"
    assert QImage(str(out / names[-1])).size().width() == SMALL[0]
    assert _pixels(out / names[0]).tobytes() != _pixels(out / names[-1]).tobytes()
    assert [p.name for p in tmp_path.iterdir()] == ["frames"]  # no temporary folder left
    empty = tmp_path / "empty"
    empty.mkdir()
    assert render_animation(softmax_net, empty, size=SMALL, fps=1, step_seconds=1) > 17


def test_animation_refuses_a_full_folder_or_another_suffix(qapp, tmp_path, network):
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="not empty"):
        render_animation(network, full, size=SMALL)
    with pytest.raises(ValueError, match=r"\.gif file or a folder"):
        render_animation(network, tmp_path / "anim.mp4", size=SMALL)
    with pytest.raises(ValueError, match="fps"):
        render_animation(network, tmp_path / "a.gif", size=SMALL, fps=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]
    assert [p.name for p in full.iterdir()] == ["keep.txt"]


@pytest.mark.parametrize("target", ["anim.gif", "frames"])
def test_cancelled_animation_leaves_nothing_behind(qapp, tmp_path, network, target):
    done = []
    frames = render_animation(
        network,
        tmp_path / target,
        size=SMALL,
        fps=5,
        progress=lambda d, t: done.append(d),
        cancelled=lambda: len(done) >= 7,
    )
    assert frames == 0 and len(done) == 7
    assert list(tmp_path.iterdir()) == []


def test_cancelled_gif_keeps_the_old_file(qapp, tmp_path, network):
    out = tmp_path / "anim.gif"
    out.write_bytes(b"old")
    assert render_animation(network, out, size=SMALL, cancelled=lambda: True) == 0
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["anim.gif"]


def test_gif_timing_does_not_drift_at_a_frame_rate_gifs_cannot_store(qapp, tmp_path, network):
    from PIL import Image

    out = tmp_path / "a.gif"
    render_animation(network, out, size=(160, 90), fps=30, step_seconds=0.5)
    seconds = len(frame_plan(17, 30, 0.5)) / 30  # 33⅓ ms a frame: not whole hundredths
    with Image.open(out) as gif:
        total = 0
        for i in range(gif.n_frames):
            gif.seek(i)
            total += gif.info["duration"]
    assert abs(total - 1000 * seconds) <= 10


def test_every_gif_frame_is_its_whole_frame_mapped_onto_the_palette(qapp, tmp_path, softmax_net):
    """The GIF writer maps only the part of a frame that changed; decoded (each partial
    frame drawn over the last), every frame must still be the whole picture of its moment
    mapped onto the palette — the PNG frames of the same animation, quantized."""
    from PIL import Image

    fps, seconds = 10, 0.3
    render_animation(softmax_net, tmp_path / "a.gif", size=SMALL, fps=fps, step_seconds=seconds)
    render_animation(softmax_net, tmp_path / "png", size=SMALL, fps=fps, step_seconds=seconds)
    pngs = sorted((tmp_path / "png").iterdir())
    with Image.open(tmp_path / "a.gif") as gif:
        palette = Image.new("P", (1, 1))
        palette.putpalette(gif.getpalette())
        moment = 0.0  # ms since the start: which PNG frame this GIF frame begins with
        for i in range(gif.n_frames):
            gif.seek(i)
            shown = np.asarray(gif.convert("RGB"))
            with Image.open(pngs[round(moment * fps / 1000)]) as png:
                mapped = png.convert("RGB").quantize(palette=palette, dither=Image.Dither.NONE)
                expected = np.asarray(mapped.convert("RGB"))
            assert np.array_equal(shown, expected), f"frame {i}"
            moment += gif.info["duration"]


def _words_of(image: QImage) -> np.ndarray:
    words = np.frombuffer(image.constBits(), dtype=np.uint32)
    return words.reshape(image.height(), -1)[:, : image.width()].copy()


@pytest.mark.parametrize(
    ("sizes", "options", "buffers", "mode"),
    [
        ([2, 4, 3, 2], None, 3, "reverse"),
        ([3, 16, 24, 8, 4], {"crop": True, "controls": True}, 1, "both"),
        ([6, 12, 4], {"caption": False}, 3, "forward"),
    ],
)
def test_animation_pictures_are_what_a_fresh_canvas_paints(qapp, sizes, options, buffers, mode):
    """While a step plays, an animation repaints only the pulses' area of the picture it
    paints over: every picture must still be, pixel for pixel, the whole picture a fresh
    canvas paints at that moment (caption, crop and the colour bars included)."""
    from visualizer.gui import render
    from visualizer.gui.document import Document

    network = make_network(sizes, "tanh")
    slides = render.SlideOptions(**(options or {}))
    doc = Document(network)
    steps = render._steps(doc, mode)
    plan = frame_plan(len(steps), 10, 0.6)
    repainted = []
    with (
        render._canvas(doc, SMALL, slides) as playing,
        render._canvas(Document(network), SMALL, slides) as fresh,
    ):
        if slides.crop:
            playing.show(steps, len(steps) - 1, 1.0)
            playing.crop_to_content([playing.canvas_image().copy()])
            fresh.crop = playing.crop
        playing.use_buffers(buffers)
        paint = playing._paint_canvas

        def recording(painter, region=None):
            repainted.append(region)
            paint(painter, region)

        playing._paint_canvas = recording
        before, hinted = None, 0
        for k, p in plan:
            playing.show(steps, k, p)
            shown = _words_of(playing.image())
            fresh.use_buffers(1)  # a new picture: painted whole
            fresh.show(steps, k, p)
            expected = _words_of(fresh.image())
            assert np.array_equal(shown, expected), f"step {k} at {p:.2f}"
            # What the GIF writer is told: the picture is the one before outside `changed`.
            if playing.changed is not None:
                hinted += 1
                outside = np.ones(shown.shape, dtype=bool)
                r = playing.changed
                outside[r.top() : r.bottom() + 1, r.left() : r.right() + 1] = False
                assert np.array_equal(shown[outside], before[outside]), f"step {k} at {p:.2f}"
            before = shown
    # Most pictures were repainted in part (so the comparison above tested that).
    parts = [r for r in repainted if r is not None]
    assert len(parts) > 0.2 * len(plan)
    assert hinted > 0.2 * len(plan)
    assert all(r.width() * r.height() < SMALL[0] * SMALL[1] / 2 for r in parts)


def test_a_palette_from_every_other_pixel_maps_frames_as_well(
    qapp, tmp_path, softmax_net, monkeypatch
):
    """Big frames choose the palette from a subsample of their pixels: each GIF frame is
    still its PNG frame mapped onto the GIF's palette, the mapping error as small."""
    from PIL import Image

    from visualizer.gui import render

    monkeypatch.setattr(render, "PALETTE_PIXELS", 100_000)  # every other pixel at SMALL
    test_every_gif_frame_is_its_whole_frame_mapped_onto_the_palette(qapp, tmp_path, softmax_net)
    with Image.open(tmp_path / "a.gif") as gif:
        gif.seek(gif.n_frames - 1)
        frame = np.asarray(gif.convert("RGB")).astype(int)
    with Image.open(sorted((tmp_path / "png").iterdir())[-1]) as png:
        canvas = np.asarray(png.convert("RGB")).astype(int)
    error = np.abs(frame - canvas).max(axis=2)
    assert np.percentile(error, 99) < 24 and error.mean() < 3


def test_a_failing_gif_encoder_leaves_the_old_file(qapp, tmp_path, network, monkeypatch):
    """Frames are encoded on a worker thread: its error reaches the caller, and the
    half-written file is removed."""
    from visualizer.gui import render

    calls = []
    add = render._GifEncoder.add

    def failing(self, words, near=None):
        calls.append(1)
        if len(calls) == 9:
            raise OSError("disk full")
        add(self, words, near)

    monkeypatch.setattr(render._GifEncoder, "add", failing)
    out = tmp_path / "anim.gif"
    out.write_bytes(b"old")
    with pytest.raises(OSError, match="disk full"):
        render_animation(network, out, size=SMALL, fps=5)
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["anim.gif"]
