"""The player bar (buttons, scrubber, label, speed, loop) and the equation panel, driven
through real clicks and keys on a shown widget."""

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QAbstractAnimation, QEvent, QPoint, Qt
from PySide6.QtGui import QColor, QHelpEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QToolButton, QToolTip

from visualizer import timeline
from visualizer.engine import backprop
from visualizer.engine.network import InitSpec, Sample, make_network
from visualizer.gui.panels.equation import EquationPanel, hint_html
from visualizer.gui.panels.player_bar import PlayerBar, Scrubber, position_text
from visualizer.gui.player import Player
from visualizer.gui.style import PHASE_COLORS

LEFT = Qt.MouseButton.LeftButton


def build_steps(seed=0):
    """The 12 steps of a [2, 3, 2] tanh/softmax network on a sample with non-zero δ."""
    sample = Sample(np.array([1.0, -0.5]), np.array([1.0, 0.0]))
    net = make_network(
        [2, 3, 2], ["tanh", "softmax"], "cross_entropy", InitSpec(seed=seed), sample=sample
    )
    return timeline.build(net, backprop.run(net))


@pytest.fixture
def steps():
    return build_steps()


@pytest.fixture
def player(steps):
    p = Player(steps)
    yield p
    p.pause()
    assert p.animation.state() == QAbstractAnimation.State.Stopped


@pytest.fixture
def bar(qtbot, player):
    b = PlayerBar(player)
    qtbot.addWidget(b)
    b.resize(1600, b.sizeHint().height())
    b.show()
    qtbot.waitExposed(b)
    return b


def click(qtbot, button: QToolButton) -> None:
    qtbot.mouseClick(button, LEFT)


def scrubber_point(scrubber: Scrubber, k: int) -> QPoint:
    return QPoint(round(scrubber.x_of(k)), scrubber.BAND_TOP + scrubber.BAND_HEIGHT // 2)


# -- buttons -----------------------------------------------------------------------------
def test_buttons_move_the_player(qtbot, bar, player, steps):
    click(qtbot, bar.buttons["forward"])
    click(qtbot, bar.buttons["forward"])
    assert player.state.step == 1
    click(qtbot, bar.buttons["back"])
    assert player.state.step == 0
    click(qtbot, bar.buttons["last"])
    assert player.state.step == len(steps) - 1
    click(qtbot, bar.buttons["first"])
    assert player.state.step == -1


def test_play_button_plays_and_pauses_and_leaves_no_clock_running(qtbot, bar, player):
    click(qtbot, bar.buttons["play"])
    assert player.state.playing
    assert player.animation.state() == QAbstractAnimation.State.Running
    assert bar.actions()["play"].text() == "Pause"
    assert "Space" in bar.buttons["play"].toolTip()
    click(qtbot, bar.buttons["play"])
    assert not player.state.playing
    assert player.animation.state() == QAbstractAnimation.State.Stopped
    assert bar.actions()["play"].text() == "Play"


def test_buttons_that_cannot_move_are_disabled_at_the_ends(bar, player):
    assert not bar.buttons["first"].isEnabled() and not bar.buttons["back"].isEnabled()
    assert bar.buttons["forward"].isEnabled() and bar.buttons["last"].isEnabled()
    player.last()
    assert bar.buttons["first"].isEnabled() and bar.buttons["back"].isEnabled()
    assert not bar.buttons["forward"].isEnabled() and not bar.buttons["last"].isEnabled()


def test_tooltips_show_the_shortcuts(bar):
    expected = {"first": "Home", "back": "Left", "play": "Space", "forward": "Right", "last": "End"}
    for key, shortcut in expected.items():
        assert f"({shortcut})" in bar.buttons[key].toolTip()


# -- actions -----------------------------------------------------------------------------
def test_actions_carry_their_shortcuts_and_drive_the_player(bar, player):
    actions = bar.actions()
    shortcuts = {key: action.shortcut() for key, action in actions.items()}
    assert shortcuts == {
        "play": QKeySequence("Space"),
        "back": QKeySequence("Left"),
        "forward": QKeySequence("Right"),
        "first": QKeySequence("Home"),
        "last": QKeySequence("End"),
    }
    actions["forward"].trigger()
    actions["forward"].trigger()
    actions["back"].trigger()
    assert player.state.step == 0
    actions["last"].trigger()
    assert player.state.at_end
    actions["first"].trigger()
    assert player.state.at_start
    actions["play"].trigger()
    assert player.state.playing
    actions["play"].trigger()
    assert not player.state.playing


def test_the_bar_installs_no_shortcuts_itself(bar):
    # An action's shortcut is live only on the widgets it was added to; the window adds them.
    for action in bar.actions().values():
        assert action.associatedObjects() == []
    for button in bar.findChildren(QToolButton):
        assert button.actions() == []


# -- scrubber ----------------------------------------------------------------------------
@pytest.mark.parametrize("k", [-1, 0, 3, 6, 11])
def test_clicking_the_scrubber_at_a_steps_tick_seeks_there(qtbot, bar, player, k):
    qtbot.mouseClick(bar.scrubber, LEFT, pos=scrubber_point(bar.scrubber, k))
    assert (player.state.step, player.state.progress) == (k, 1.0)


def test_clicking_between_ticks_seeks_to_the_nearest(qtbot, bar, player):
    s = bar.scrubber
    x = round(s.x_of(4) * 0.7 + s.x_of(5) * 0.3)
    qtbot.mouseClick(s, LEFT, pos=QPoint(x, 12))
    assert player.state.step == 4


def test_dragging_the_scrubber_seeks_as_it_goes(qtbot, bar, player):
    s = bar.scrubber
    seen = []
    player.position_changed.connect(lambda k, _p: seen.append(k))
    qtbot.mousePress(s, LEFT, pos=scrubber_point(s, 1))
    for k in (2, 3, 3, 7):
        qtbot.mouseMove(s, scrubber_point(s, k))
    qtbot.mouseRelease(s, LEFT, pos=scrubber_point(s, 7))
    assert player.state.step == 7
    assert seen == [1, 2, 3, 7]


def test_scrubbing_while_playing_pauses_then_resumes(qtbot, bar, player):
    player.play()
    s = bar.scrubber
    qtbot.mousePress(s, LEFT, pos=scrubber_point(s, 2))
    assert not player.state.playing
    assert player.animation.state() == QAbstractAnimation.State.Stopped
    qtbot.mouseRelease(s, LEFT, pos=scrubber_point(s, 2))
    assert player.state.playing and player.state.step == 2


def test_scrubber_keys_move_the_player(qtbot, bar, player, steps):
    s = bar.scrubber
    s.setFocus()
    qtbot.keyClick(s, Qt.Key.Key_Right)
    qtbot.keyClick(s, Qt.Key.Key_Right)
    assert player.state.step == 1
    qtbot.keyClick(s, Qt.Key.Key_Left)
    assert player.state.step == 0
    qtbot.keyClick(s, Qt.Key.Key_End)
    assert player.state.step == len(steps) - 1
    qtbot.keyClick(s, Qt.Key.Key_Home)
    assert player.state.step == -1


def test_scrubber_step_at_inverts_x_of(bar, steps):
    s = bar.scrubber
    assert [s.step_at(s.x_of(k)) for k in range(-1, len(steps))] == list(range(-1, len(steps)))
    assert s.step_at(-50) == -1 and s.step_at(s.width() + 50) == len(steps) - 1


def test_hovering_the_scrubber_names_the_step_under_the_mouse(bar, steps, monkeypatch):
    s = bar.scrubber
    shown = []
    monkeypatch.setattr(QToolTip, "showText", lambda _pos, text, *_a: shown.append(text))
    for k in (-1, 3, 9):
        QApplication.sendEvent(
            s, QHelpEvent(QEvent.Type.ToolTip, scrubber_point(s, k), s.mapToGlobal(QPoint()))
        )
    assert shown == ["start: the network at rest", steps[3].title, steps[9].title]


def pixel(widget, x: float, y: int) -> QColor:
    return widget.grab().toImage().pixelColor(round(x), y)


def test_scrubber_paints_done_steps_in_the_phase_colour_and_the_rest_pale(bar, player, steps):
    s = bar.scrubber
    spans = {phase: (lo, hi) for phase, lo, hi in timeline.phase_spans(steps)}
    lo, hi = spans["backward"]
    x = (s.x_of(lo - 1) + s.x_of(hi)) / 2
    y = s.BAND_TOP + 2  # above the label text
    amber = QColor(PHASE_COLORS["backward"])
    pale = pixel(s, x, y)
    assert pale != amber and pale.lightness() > amber.lightness()
    player.last()
    assert pixel(s, x, y) == amber
    forward_x = (s.x_of(-1) + s.x_of(spans["forward"][1])) / 2
    assert pixel(s, forward_x, y) == QColor(PHASE_COLORS["forward"])


# -- label, speed, loop ------------------------------------------------------------------
def test_label_says_step_phase_and_layer(bar, player, steps):
    assert bar.label.text() == "step 0 / 12 · start"
    player.seek(2)
    assert bar.label.text() == "step 3 / 12 · forward · layer 2"
    player.seek(4)
    assert bar.label.text() == "step 5 / 12 · loss"
    player.seek(8)
    assert bar.label.text() == "step 9 / 12 · backward · layer 2"
    player.seek(9)
    assert bar.label.text() == "step 10 / 12 · backward · layer 1"
    assert position_text([], -1) == "no steps"


def test_speed_selector_sets_the_players_speed_and_follows_it(bar, player):
    bar.speed.setCurrentIndex(bar.speed.findText("4×"))
    assert player.state.speed == 4.0
    bar.speed.setCurrentIndex(bar.speed.findText("0.25×"))
    assert player.state.speed == 0.25
    player.set_speed(2.0)
    assert bar.speed.currentText() == "2×"
    assert [bar.speed.itemText(i) for i in range(bar.speed.count())] == [
        "0.25×",
        "0.5×",
        "1×",
        "2×",
        "4×",
    ]


def test_loop_toggle_sets_loop(qtbot, bar, player):
    click(qtbot, bar.loop)
    assert player.state.loop
    player.set_loop(False)
    assert not bar.loop.isChecked()


def test_bar_follows_a_rebuilt_timeline(bar, player):
    longer = timeline.build(
        net := make_network([2, 3, 3, 2], ["tanh", "tanh", "softmax"], "cross_entropy"),
        backprop.run(net),
    )
    player.seek(3)
    player.set_steps(longer)
    assert bar.label.text() == "step 4 / 17 · forward · layer 2"
    assert bar.scrubber.count == 17


def test_bar_fits_in_800_pixels_and_keeps_a_usable_scrubber(qtbot, bar):
    assert bar.minimumSizeHint().width() <= 800
    bar.resize(800, bar.sizeHint().height())
    qtbot.waitUntil(lambda: bar.loop.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly)
    assert bar.scrubber.width() >= 250
    assert bar.label.width() >= bar.label.minimumWidth()


# -- equation panel ----------------------------------------------------------------------
@pytest.fixture
def panel(qtbot):
    p = EquationPanel()
    qtbot.addWidget(p)
    p.resize(1600, p.sizeHint().height())
    p.show()
    qtbot.waitExposed(p)
    return p


def test_panel_before_the_first_step_shows_the_hint(panel):
    assert panel.equation_label.text() == hint_html()
    assert "Space" in panel.equation_label.text()
    assert panel.numbers_label.isHidden()


@pytest.mark.parametrize("k", [0, 1, 4, 5, 9, 11])
def test_panel_shows_the_steps_title_equation_and_numbers(panel, steps, k):
    step = steps[k]
    panel.show_step(step)
    assert step.numbers_html in panel.numbers_label.text()
    assert step.equation_html in panel.equation_label.text()
    assert step.title_html in panel.title_label.text()
    assert PHASE_COLORS[step.phase] in panel.accent.styleSheet()
    assert panel.numbers_label.isVisible()
    assert panel.equation_label.textFormat() == Qt.TextFormat.RichText
    assert panel.numbers_label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse


def test_panel_following_a_player_shows_its_current_step_and_new_values(panel, player, steps):
    panel.follow(player)
    player.seek(9)
    assert steps[9].numbers_html in panel.numbers_label.text()
    rebuilt = build_steps(seed=1)
    assert rebuilt[9].numbers_html != steps[9].numbers_html
    player.set_steps(rebuilt)  # same step, new values
    assert rebuilt[9].numbers_html in panel.numbers_label.text()
    player.first()
    assert panel.equation_label.text() == hint_html()


def test_panel_can_be_deleted_while_the_player_lives_on(player):
    p = EquationPanel()
    p.follow(player)
    shiboken6.delete(p)
    assert not shiboken6.isValid(p)
    # Would raise "Internal C++ object already deleted" if the panel were still connected.
    player.seek(3)
    player.set_steps(build_steps(seed=2))
