"""Playback: the plain PlayState (no Qt, no waiting) and the Player that drives it."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QAbstractAnimation

from visualizer import timeline
from visualizer.engine import backprop
from visualizer.engine.network import make_network
from visualizer.gui.player import STEP_SECONDS, Player, PlayState


def build_steps(sizes=(2, 3, 2), activations=("tanh", "softmax"), loss="cross_entropy"):
    net = make_network(list(sizes), list(activations), loss)
    return timeline.build(net, backprop.run(net))


@pytest.fixture(scope="module")
def steps():
    s = build_steps()
    assert len(s) == 12  # 5L + 2 with L = 2
    return s


# -- PlayState ---------------------------------------------------------------------------
def test_new_state_is_before_the_first_step_and_paused():
    s = PlayState(count=12)
    assert (s.step, s.progress, s.playing) == (-1, 1.0, False)
    assert s.at_start and not s.at_end


def test_step_forward_lands_on_the_next_step_fully_shown_and_stops_at_the_end():
    s = PlayState(count=3)
    seen = []
    for _ in range(5):
        s.step_forward()
        seen.append((s.step, s.progress))
    assert seen == [(0, 1.0), (1, 1.0), (2, 1.0), (2, 1.0), (2, 1.0)]
    assert s.at_end


def test_step_forward_mid_step_finishes_that_step_first():
    s = PlayState(count=5, step=2, progress=0.3)
    s.step_forward()
    assert (s.step, s.progress) == (2, 1.0)
    s.step_forward()
    assert (s.step, s.progress) == (3, 1.0)


def test_step_back_goes_to_the_previous_finished_step_and_stops_at_minus_one():
    s = PlayState(count=5, step=2, progress=0.4)
    s.step_back()
    assert (s.step, s.progress) == (1, 1.0)
    s.step_back()
    s.step_back()
    assert (s.step, s.progress) == (-1, 1.0)
    s.step_back()
    assert (s.step, s.progress) == (-1, 1.0)


def test_first_and_last():
    s = PlayState(count=7, step=3, progress=0.5)
    s.last()
    assert (s.step, s.progress) == (6, 1.0) and s.at_end
    s.first()
    assert (s.step, s.progress) == (-1, 1.0) and s.at_start


def test_last_with_no_steps_is_the_start():
    s = PlayState(count=0)
    s.last()
    assert s.step == -1 and s.at_end and s.at_start


@pytest.mark.parametrize(("k", "expected"), [(-5, -1), (-1, -1), (0, 0), (4, 4), (9, 9), (10, 9)])
def test_seek_clamps_to_the_steps(k, expected):
    s = PlayState(count=10, step=3, progress=0.2)
    s.seek(k)
    assert (s.step, s.progress) == (expected, 1.0)


def test_advance_does_nothing_while_paused():
    s = PlayState(count=10)
    s.advance(5.0, 1.0)
    assert (s.step, s.progress) == (-1, 1.0)


def test_advance_moves_through_several_steps_by_time_times_speed():
    s = PlayState(count=10, playing=True)
    s.advance(2.5, 1.0)  # two steps done, half-way into the third
    assert s.step == 2 and s.progress == pytest.approx(0.5)
    s.speed = 2.0
    s.advance(1.0, 1.0)  # two more steps at 2×
    assert s.step == 4 and s.progress == pytest.approx(0.5)
    s.advance(0.125, 0.5)  # step_duration scales it too: a quarter of a step at 2×
    assert s.step == 4 and s.progress == pytest.approx(1.0)


def test_advance_in_many_small_ticks_adds_up_like_one_big_one():
    small = PlayState(count=10, playing=True)
    for _ in range(90):
        small.advance(1 / 60, STEP_SECONDS)
    big = PlayState(count=10, playing=True)
    big.advance(1.5, STEP_SECONDS)
    assert small.position == pytest.approx(big.position)
    assert small.position == pytest.approx(1.5 / STEP_SECONDS)


def test_advance_on_a_step_boundary_shows_the_finished_step():
    s = PlayState(count=10, playing=True)
    s.advance(2.0, 1.0)
    assert (s.step, s.progress) == (1, 1.0)


def test_advance_past_the_end_stops_on_the_last_step():
    s = PlayState(count=4, step=2, progress=0.5, playing=True)
    s.advance(10.0, 1.0)
    assert (s.step, s.progress, s.playing) == (3, 1.0, False)


def test_advance_past_the_end_with_loop_wraps_to_the_start_and_keeps_playing():
    s = PlayState(count=4, step=3, progress=0.5, playing=True, loop=True)
    s.advance(0.75, 1.0)
    assert (s.step, s.progress, s.playing) == (-1, 1.0, True)
    s.advance(0.5, 1.0)
    assert s.step == 0 and s.progress == pytest.approx(0.5)


def test_start_from_the_end_starts_over():
    s = PlayState(count=4)
    s.last()
    s.start()
    assert s.playing and s.step == -1


def test_start_with_no_steps_does_not_play():
    s = PlayState(count=0)
    s.start()
    assert not s.playing


def test_set_count_keeps_the_current_step_and_progress_when_it_still_exists():
    s = PlayState(count=12, step=5, progress=0.25, playing=True)
    s.set_count(17)
    assert (s.count, s.step, s.progress, s.playing) == (17, 5, 0.25, True)
    s.set_count(6)
    assert (s.step, s.progress) == (5, 0.25)


def test_set_count_clamps_to_the_new_last_step():
    s = PlayState(count=17, step=12, progress=0.25)
    s.set_count(7)
    assert (s.step, s.progress) == (6, 1.0)


def test_set_count_zero_goes_back_to_start_and_stops():
    s = PlayState(count=7, step=3, playing=True)
    s.set_count(0)
    assert (s.step, s.progress, s.playing) == (-1, 1.0, False)
    with pytest.raises(ValueError):
        s.set_count(-1)


@pytest.mark.parametrize(("asked", "got"), [(0.0, 0.25), (0.5, 0.5), (3.0, 3.0), (100.0, 4.0)])
def test_speed_is_clamped_to_a_quarter_to_four(asked, got):
    s = PlayState()
    s.set_speed(asked)
    assert s.speed == got


def test_speed_nan_is_refused():
    with pytest.raises(ValueError):
        PlayState().set_speed(math.nan)


_OPS = st.one_of(
    st.tuples(st.just("step_forward")),
    st.tuples(st.just("step_back")),
    st.tuples(st.just("first")),
    st.tuples(st.just("last")),
    st.tuples(st.just("start")),
    st.tuples(st.just("seek"), st.integers(-30, 30)),
    st.tuples(st.just("set_count"), st.integers(0, 30)),
    st.tuples(st.just("set_speed"), st.floats(0.0, 10.0)),
    st.tuples(st.just("advance"), st.floats(0.0, 20.0)),
)


@settings(max_examples=50, deadline=None)
@given(count=st.integers(0, 25), loop=st.booleans(), ops=st.lists(_OPS, max_size=30))
def test_every_sequence_of_operations_keeps_the_state_valid(count, loop, ops):
    s = PlayState(count=count, loop=loop)
    for name, *args in ops:
        if name == "advance":
            s.advance(args[0], STEP_SECONDS)
        else:
            getattr(s, name)(*args)
        assert 0 <= s.count
        assert -1 <= s.step <= s.count - 1
        assert 0.0 <= s.progress <= 1.0
        assert s.step >= 0 or s.progress == 1.0
        assert 0.25 <= s.speed <= 4.0
        assert s.count > 0 or not s.playing


# -- Player ------------------------------------------------------------------------------
@pytest.fixture
def player(qtbot, steps):
    p = Player(steps)
    p.moves = []
    p.plays = []
    p.position_changed.connect(lambda k, progress: p.moves.append((k, progress)))
    p.playing_changed.connect(p.plays.append)
    yield p
    # A clock left running after a test is how Qt suites start to segfault.
    p.pause()
    assert p.animation.state() == QAbstractAnimation.State.Stopped


def ms(steps_of_time: float) -> int:
    """Milliseconds of clock for that many steps at 1×."""
    return round(steps_of_time * STEP_SECONDS * 1000)


def test_player_starts_before_the_first_step(player, steps):
    assert player.current_step is None
    assert player.state.count == len(steps) and player.steps == steps


def test_stepping_emits_each_new_position_once(player, steps):
    player.step_forward()
    player.step_forward()
    player.step_back()
    player.last()
    player.last()  # no move, no signal
    player.first()
    assert player.moves == [(0, 1.0), (1, 1.0), (0, 1.0), (len(steps) - 1, 1.0), (-1, 1.0)]
    assert player.plays == []


def test_current_step_follows_the_position(player, steps):
    player.seek(4)
    assert player.current_step is steps[4]
    player.step_back()
    assert player.current_step is steps[3]


def test_play_runs_the_clock_and_pause_stops_it(player):
    player.play()
    assert player.state.playing and player.plays == [True]
    assert player.animation.state() == QAbstractAnimation.State.Running
    player.pause()
    assert not player.state.playing and player.plays == [True, False]
    assert player.animation.state() == QAbstractAnimation.State.Stopped


def test_the_clock_advances_the_position_by_elapsed_time(player, steps):
    player.play()
    player.animation.setCurrentTime(ms(2.5))
    assert player.state.step == 2 and player.state.progress == pytest.approx(0.5)
    assert player.moves[-1][0] == 2
    player.set_speed(2.0)
    player.animation.setCurrentTime(ms(3.0))  # half a step of clock at 2× = one step
    assert player.state.step == 3 and player.state.progress == pytest.approx(0.5)
    assert player.current_step is steps[3]


def test_reaching_the_end_stops_playing_and_the_clock(player, steps):
    player.play()
    player.animation.setCurrentTime(ms(len(steps) + 3))
    assert (player.state.step, player.state.progress) == (len(steps) - 1, 1.0)
    assert player.plays == [True, False]
    assert player.animation.state() == QAbstractAnimation.State.Stopped


def test_with_loop_the_end_wraps_to_the_start_and_keeps_playing(player, steps):
    player.set_loop(True)
    player.seek(len(steps) - 1)
    player.state.progress = 0.5  # mid-way into the last step, as during playback
    player.play()
    player.animation.setCurrentTime(ms(1.0))
    assert player.state.step == -1 and player.state.playing
    assert player.animation.state() == QAbstractAnimation.State.Running
    player.animation.setCurrentTime(ms(1.5))
    assert player.state.step == 0


def test_play_at_the_end_starts_over(player):
    player.last()
    player.play()
    assert player.state.step == -1 and player.state.playing


def test_stepping_by_hand_pauses_but_seeking_keeps_playing(player):
    player.play()
    player.seek(3)
    assert player.state.playing
    player.step_forward()
    assert not player.state.playing and player.state.step == 4
    assert player.animation.state() == QAbstractAnimation.State.Stopped


def test_toggle_flips_playing(player):
    player.toggle()
    assert player.state.playing
    player.toggle()
    assert not player.state.playing
    assert player.plays == [True, False]


def test_set_steps_keeps_the_current_step_and_signals(player, qtbot):
    bigger = build_steps(sizes=(2, 4, 3, 2), activations=("tanh", "relu", "softmax"))
    player.seek(5)
    with qtbot.waitSignal(player.steps_changed, timeout=100):
        player.set_steps(bigger)
    assert player.state.step == 5 and player.current_step is bigger[5]
    assert player.state.count == len(bigger)
    assert player.moves[-1] == (5, 1.0)  # same place, new values: views redraw


def test_set_steps_shorter_clamps_to_the_new_last_step(player):
    player.last()
    smaller = build_steps(sizes=(2, 1), activations=("sigmoid",), loss="half_squared_error")
    player.set_steps(smaller)
    assert player.state.step == len(smaller) - 1 == 6
    assert player.current_step is smaller[-1]


def test_set_steps_empty_stops_playing(player):
    player.play()
    player.set_steps([])
    assert not player.state.playing and player.current_step is None
    assert player.animation.state() == QAbstractAnimation.State.Stopped


def test_speed_and_loop_signal_only_on_change(player):
    speeds, loops = [], []
    player.speed_changed.connect(speeds.append)
    player.loop_changed.connect(loops.append)
    player.set_speed(2.0)
    player.set_speed(2.0)
    player.set_speed(9.0)
    player.set_loop(True)
    player.set_loop(True)
    assert speeds == [2.0, 4.0] and loops == [True]
