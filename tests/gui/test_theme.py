"""View → Theme: light, dark (for projectors) or the system's; the value map stays readable
on both."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication

from visualizer.gui import style
from visualizer.gui.render import SlideOptions, render_network


def _luminance(rgb) -> float:
    c = np.asarray(rgb[:3], dtype=np.float64) / 255.0
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2])


def _contrast(a, b) -> float:
    lo, hi = sorted((_luminance(a), _luminance(b)))
    return (hi + 0.05) / (lo + 0.05)


def _rgb(c: QColor) -> tuple[int, int, int]:
    return c.red(), c.green(), c.blue()


@pytest.fixture
def light_again():
    yield
    style.set_theme("light")
    app = QApplication.instance()
    if app is not None:
        app.setPalette(style.palette("light"))


@pytest.mark.parametrize("name", ["light", "dark"])
def test_every_value_colour_is_outlined_and_its_number_readable(name, light_again):
    style.set_theme(name)
    background = _rgb(style.BACKGROUND)
    # Shapes are outlined: the outline stands out from the background (WCAG 3:1 for
    # graphics), whatever the fill, so a value near 0 is never lost on either theme.
    assert _contrast(_rgb(style.NEURON_OUTLINE), background) >= 4.5
    lut = style.lut()
    light_text = style.text_is_light(np.linspace(-1, 1, 257), 1.0)
    fills = style.rgb(np.linspace(-1, 1, 257), 1.0)
    dark = _rgb(style.TEXT_ON_FILL)
    for fill, light in zip(fills, light_text, strict=True):
        white = _contrast((255, 255, 255), fill)
        ink = white if light else _contrast(dark, fill)
        assert ink == max(white, _contrast(dark, fill))  # the better of the two inks
        assert ink >= 4.2  # the best any ink can do on the map's mid-tones
    # The two ends of the map stay apart from each other and from the background.
    assert _contrast(lut[0], background) > 2.5 and _contrast(lut[-1], background) > 2.5


def test_resolve_theme_follows_the_system_only_when_asked():
    assert style.resolve_theme("system", system_dark=True) == "dark"
    assert style.resolve_theme("system", system_dark=False) == "light"
    assert style.resolve_theme("dark", system_dark=False) == "dark"
    with pytest.raises(ValueError, match="unknown theme 'blue'"):
        style.resolve_theme("blue", False)


def test_the_dark_theme_menu_redraws_the_window_and_is_remembered(
    qtbot, window, light_again, tmp_path
):
    assert style.theme == "light"
    window.theme_actions["dark"].trigger()
    assert style.theme == "dark" and window.settings.value("theme") == "dark"
    assert window.view.network_scene.backgroundBrush().color() == style.THEMES["dark"]["BACKGROUND"]
    window_colour = QApplication.instance().palette().color(QPalette.ColorRole.Window)
    assert window_colour.lightness() < 80
    image = window.view.grab().toImage()
    corner = QColor(image.pixel(5, 5))
    assert corner.lightness() < 60
    window.theme_actions["light"].trigger()
    assert style.theme == "light"
    assert window.view.network_scene.backgroundBrush().color() == QColor("#f8fafc")


def test_a_dark_export_has_a_dark_canvas_and_its_caption(tmp_path, light_again):
    from visualizer.engine.network import make_network

    style.set_theme("dark")
    net = make_network([2, 3, 1], ["tanh", "sigmoid"])
    out = tmp_path / "dark.png"
    render_network(net, out, (480, 270), step=3, options=SlideOptions())
    image = QImage(str(out))
    assert QColor(image.pixel(3, 3)).lightness() < 60
    assert QColor(image.pixel(3, image.height() - 3)).lightness() < 60  # the caption band


def test_the_equation_title_follows_the_theme(qtbot, window, light_again):
    from PySide6.QtGui import QPalette

    role = QPalette.ColorRole.WindowText
    title = window.equation.title_label
    assert title.palette().color(role).lightness() < 128
    window.set_theme("dark")
    qtbot.waitUntil(lambda: title.palette().color(role).lightness() > 128)
    window.set_theme("light")
    qtbot.waitUntil(lambda: title.palette().color(role).lightness() < 128)
