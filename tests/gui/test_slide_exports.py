"""Exports made for slides: no editing controls, the step's equation as a caption, an
optional tight crop — checked on the scene's items and on the pixels written."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from visualizer.cli import main
from visualizer.engine.network import make_network
from visualizer.gui import render
from visualizer.gui.document import Document
from visualizer.gui.render import SlideOptions, caption_height, caption_lines
from visualizer.paths import DEFAULT_NETWORK
from visualizer.timeline import build

SIZE = (800, 450)


@pytest.fixture
def network():
    return make_network([2, 4, 3, 2], ["tanh", "sigmoid", "softmax"], "cross_entropy")


def _pixels(image: QImage) -> np.ndarray:
    rgb = image.convertToFormat(QImage.Format.Format_RGB32)
    a = np.frombuffer(bytes(rgb.constBits()), dtype=np.uint32)
    return a.reshape(rgb.height(), rgb.bytesPerLine() // 4)[:, : rgb.width()] & 0xFFFFFF


def test_an_export_leaves_out_the_editing_controls_unless_asked(qapp, network):
    doc = Document(network)
    with render._canvas(doc, SIZE) as canvas:
        scene = canvas.view.network_scene
        assert scene.controls() and not any(item.isVisible() for item in scene.controls())
        without = _pixels(canvas.canvas_image()).copy()
    with render._canvas(doc, SIZE, SlideOptions(controls=True)) as canvas:
        scene = canvas.view.network_scene
        assert all(item.isVisible() for item in scene.button_items)
        # Where the + button of layer 1 is, the pixels differ; elsewhere they agree.
        plus = canvas.view.mapFromScene(scene.button_pos(1, +1))
        with_controls = _pixels(canvas.canvas_image())
    y, x = plus.y(), plus.x()
    assert (
        with_controls[y - 3 : y + 4, x - 3 : x + 4] != without[y - 3 : y + 4, x - 3 : x + 4]
    ).any()
    background = without[0, 0]
    assert (without[y - 3 : y + 4, x - 3 : x + 4] == background).all()


def test_the_caption_is_the_steps_equation_and_numbers(network):
    steps = build(network, Document(network).trace, "forward")
    step = steps[4]
    assert caption_lines(step) == (step.title, step.numbers_text, step.phase)
    assert caption_lines(None)[0].startswith("The network at rest")


def test_a_picture_carries_its_caption_in_a_band_under_the_canvas(tmp_path, network):
    with_caption, without = tmp_path / "with.png", tmp_path / "without.png"
    assert render.render_network(network, with_caption, SIZE, step=6) == SIZE
    render.render_network(network, without, SIZE, step=6, options=SlideOptions(caption=False))
    a, b = _pixels(QImage(str(with_caption))), _pixels(QImage(str(without)))
    assert a.shape == b.shape == (SIZE[1], SIZE[0])
    band = a[-caption_height(SIZE[1]) :]
    # Text and the phase bar: several colours in the band, and it is not the canvas's.
    assert len(np.unique(band)) > 10
    assert (band != b[-band.shape[0] :]).any()


def test_a_tight_crop_trims_the_margins_but_keeps_the_network(tmp_path, network):
    full, tight = tmp_path / "full.png", tmp_path / "tight.png"
    render.render_network(network, full, SIZE, options=SlideOptions(caption=False))
    w, h = render.render_network(
        network, tight, SIZE, options=SlideOptions(caption=False, crop=True)
    )
    assert (w, h) == (QImage(str(tight)).width(), QImage(str(tight)).height())
    assert w * h < SIZE[0] * SIZE[1]
    a, b = _pixels(QImage(str(full))), _pixels(QImage(str(tight)))
    background = a[0, 0]
    # Every colour of the full picture is still there: nothing but margin was cut.
    assert set(np.unique(a)) - {background} <= set(np.unique(b))
    assert (b[:, 0] == background).all() and (b[0, :] == background).all()


def test_animation_frames_have_no_controls_and_carry_the_caption(tmp_path):
    plain, controls = tmp_path / "plain", tmp_path / "controls"
    args = ["render", str(DEFAULT_NETWORK), "--size", "400x240", "--fps", "2"]
    assert main([*args, "--gif", str(plain)]) == 0
    assert main([*args, "--gif", str(controls), "--controls", "--no-caption"]) == 0
    first = _pixels(QImage(str(plain / "frame_0000.png")))
    other = _pixels(QImage(str(controls / "frame_0000.png")))
    assert first.shape == other.shape == (240, 400)
    band = caption_height(240)
    assert len(np.unique(first[-band:])) > 5  # the caption's text
    assert (first[:-band] != other[:-band]).any()  # the canvases differ (size and controls)


def test_window_renders_refuse_the_slide_options(tmp_path, capsys):
    out = tmp_path / "w.png"
    assert main(["render", str(DEFAULT_NETWORK), "-o", str(out), "--window", "--crop"]) == 2
    assert "apply to the canvas" in capsys.readouterr().err
