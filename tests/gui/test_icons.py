"""The player bar's drawn icons: each is a distinct glyph in the colour asked for, the
play button shows pause while playing, and a new palette repaints them in its ink."""

import numpy as np
import pytest
from PySide6.QtGui import QColor, QIcon, QImage, QPalette

from visualizer.gui import icons
from visualizer.gui.panels.player_bar import PlayerBar
from visualizer.gui.player import Player

from .test_player_bar import build_steps


def pixels(icon: QIcon, size: int = 20, mode: QIcon.Mode = QIcon.Mode.Normal) -> np.ndarray:
    """The icon's pixels as (height, width, RGBA)."""
    image = icon.pixmap(size, size, mode).toImage().convertToFormat(QImage.Format.Format_RGBA8888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return rows[:, : image.width() * 4].reshape(image.height(), image.width(), 4).copy()


def test_every_icon_is_its_own_glyph_in_the_colour_asked_for(qapp) -> None:
    drawn = {name: pixels(icons.icon(name, QColor(200, 30, 40))) for name in icons.NAMES}
    for name, rgba in drawn.items():
        ink = rgba[..., 3] > 128
        assert 10 < ink.sum() < 0.8 * ink.size, name  # something, not a filled square
        # Opaque pixels are the colour given (antialiased edges aside).
        assert np.all(np.abs(rgba[ink][:, :3].astype(int) - [200, 30, 40]).max(axis=1) < 60)
    names = list(drawn)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not np.array_equal(drawn[a][..., 3], drawn[b][..., 3]), (a, b)
    # Back and first are forward and last mirrored (to an antialiasing level or two).
    for left, right in (("back", "forward"), ("first", "last")):
        mirrored = drawn[left][:, ::-1, 3].astype(int)
        assert np.abs(mirrored - drawn[right][..., 3]).max() <= 3, (left, right)


def test_a_disabled_icon_looks_different_and_unknown_names_are_refused(qapp) -> None:
    play = icons.icon("play", QColor("black"))
    assert not np.array_equal(pixels(play), pixels(play, mode=QIcon.Mode.Disabled))
    with pytest.raises(ValueError, match="unknown icon"):
        icons.icon("rewind", QColor("black"))


def test_the_play_button_shows_pause_while_playing_and_icons_follow_the_palette(qtbot) -> None:
    player = Player(build_steps())
    bar = PlayerBar(player)
    qtbot.addWidget(bar)
    button = bar.buttons["play"]
    ink = bar.palette().color(QPalette.ColorRole.ButtonText)
    np.testing.assert_array_equal(pixels(button.icon()), pixels(icons.icon("play", ink)))
    player.play()
    np.testing.assert_array_equal(pixels(button.icon()), pixels(icons.icon("pause", ink)))
    player.pause()
    palette = bar.palette()
    palette.setColor(QPalette.ColorRole.ButtonText, QColor(240, 240, 0))
    bar.setPalette(palette)
    yellow = icons.icon("forward", QColor(240, 240, 0))
    np.testing.assert_array_equal(pixels(bar.buttons["forward"].icon()), pixels(yellow))
    loop = icons.icon("loop", QColor(240, 240, 0))
    np.testing.assert_array_equal(pixels(bar.loop.icon()), pixels(loop))
