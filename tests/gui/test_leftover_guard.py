"""The guard of tests/gui/conftest.py fails a test that leaves a timer, an animation or a
thread running, and passes one that stops what it started."""

from pathlib import Path

pytest_plugins = ["pytester"]

CASES = '''
import threading

from PySide6.QtCore import QTimer, QVariantAnimation


def test_stops_its_timer(qapp):
    timer = QTimer()
    timer.start(10_000)
    timer.stop()


def test_leaves_a_timer(qapp):
    test_leaves_a_timer.timer = QTimer()
    test_leaves_a_timer.timer.start(10_000)


def test_leaves_an_animation(qapp):
    animation = QVariantAnimation()
    animation.setDuration(10_000)
    animation.setStartValue(0.0)
    animation.setEndValue(1.0)
    animation.start()
    test_leaves_an_animation.animation = animation


def test_leaves_a_thread():
    stop = threading.Event()
    threading.Thread(target=stop.wait, args=(5,), name="leftover", daemon=True).start()
'''


def test_the_guard_fails_tests_that_leave_things_running(pytester):
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text(encoding="utf-8"))
    pytester.makepyfile(test_cases=CASES)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, errors=3)
    result.stdout.fnmatch_lines(
        [
            "*left running after the test: QTimer QTimer",
            "*left running after the test: animation QVariantAnimation",
            "*left running after the test: thread leftover",
        ]
    )
