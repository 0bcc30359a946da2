"""Headless pictures: render_network writes real PNG and SVG files, atomically."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PySide6.QtGui import QImage

from visualizer.engine.network import make_network
from visualizer.gui.render import render_network


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
    render_network(network, out, size=(1280, 800), window=True)
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)
    assert _distinct_colours(image) > 50
