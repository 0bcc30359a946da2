"""The console script's front door (visualizer/launch.py, collector.py): the cyclic
garbage collector is paused while the app starts and back on, with the start-up's objects
frozen, once the window is shown or a command runs. Each case runs in a fresh
interpreter: this one's collector must not be touched."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMMAND = """
import gc, json, sys
from visualizer import cli, launch
seen = {}
def fake_info(args, out, err):
    seen["collecting during the command"] = gc.isenabled()
    return 0
cli.cmd_info = fake_info
sys.argv = ["backprop-visualizer", "info", "net.json"]
status = launch.main()
seen["status"] = status
seen["collecting after"] = gc.isenabled()
print(json.dumps(seen))
"""

WINDOW = """
import gc, json
FROZEN = 10_000  # the start-up makes ~60,000 objects the collector tracks
from visualizer import collector
collector.pause()
from visualizer.cli import main
from visualizer.gui.app import open_window
seen = {"paused while importing": not gc.isenabled()}
window = open_window(None)
seen["collecting once shown"] = gc.isenabled()
seen["start-up frozen"] = gc.get_freeze_count() > FROZEN
window.grab()
print(json.dumps(seen))
"""


def test_a_command_runs_with_the_collector_on(child_json) -> None:
    seen = child_json(COMMAND)
    assert seen == {"collecting during the command": True, "status": 0, "collecting after": True}


def test_the_window_opens_with_the_collector_paused_and_turns_it_back_on(child_json) -> None:
    assert child_json(WINDOW) == {
        "paused while importing": True,
        "collecting once shown": True,
        "start-up frozen": True,
    }


def test_a_window_opened_by_a_script_leaves_the_collector_alone(child_json) -> None:
    code = WINDOW.replace("collector.pause()", "").replace("FROZEN = 10_000", "FROZEN = 0")
    assert child_json(code) == {
        "paused while importing": False,
        "collecting once shown": True,
        "start-up frozen": False,
    }
