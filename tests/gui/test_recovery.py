"""Crash recovery: one recovery file per running instance, every orphan offered at the
next start before anything is deleted, and a recovery folder that cannot be written is a
warning, never a failure to start."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QStandardPaths

from visualizer.formats.network_file import load_network, save_network
from visualizer.gui import app as gui_app
from visualizer.gui import commands, recovery
from visualizer.gui.document import Document
from visualizer.gui.main_window import MainWindow
from visualizer.paths import DEFAULT_NETWORK

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def make_window(qtbot, tmp_path):
    """Windows sharing one recovery folder (several instances of the app), each with its
    own answers to the recovery question."""
    made = []

    def make(folder: Path | None = None) -> MainWindow:
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        w = MainWindow(
            Document(load_network(DEFAULT_NETWORK)), settings, folder or tmp_path / "recovery"
        )
        w.asked = []
        w.answers = []

        def ask(found, index, count):
            w.asked.append((found, index, count))
            return w.answers.pop(0) if w.answers else "later"

        w.ask_recovery = ask
        made.append(w)
        return w

    yield make
    for w in made:
        w.doc.undo_stack.clear()
        w.close()
        w.deleteLater()


def edited(window: MainWindow, value: float) -> None:
    window.doc.edit(commands.SetWeight(window.doc, 1, 0, 0, value))


def die(window: MainWindow) -> None:
    """What a crash leaves behind: the recovery file, its lock released by the system."""
    window.autosave_timer.stop()
    window.recovery._lock.close()
    window.recovery._lock = None


def session_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("session-*.json"))


def test_start_up_asks_before_it_clears_the_recovery_file(make_window, tmp_path):
    crashed = make_window()
    edited(crashed, -0.75)
    assert crashed.autosave()
    work = crashed.doc.network
    die(crashed)
    # A new start: building the window (whose document is clean) must not touch it ...
    fresh = make_window()
    assert len(session_files(tmp_path / "recovery")) == 1
    # ... and the offer restores it as one undoable, unsaved step.
    fresh.answers.append("restore")
    assert fresh.offer_recovery()
    assert len(fresh.asked) == 1
    assert fresh.doc.network == work and fresh.doc.is_modified
    # The work now lives in the new instance's own file; the orphan is gone.
    assert session_files(tmp_path / "recovery") == [fresh.recovery.path]
    assert recovery.read_recovery(fresh.recovery.path).network == work


def test_two_instances_keep_their_own_files(make_window, tmp_path):
    first, second = make_window(), make_window()
    edited(first, 0.1)
    edited(second, 0.2)
    assert first.autosave() and second.autosave()
    assert first.recovery.path != second.recovery.path
    assert recovery.read_recovery(first.recovery.path).network == first.doc.network
    assert recovery.read_recovery(second.recovery.path).network == second.doc.network
    # A third start sees two running instances: nothing to offer, nothing deleted.
    third = make_window()
    assert not third.offer_recovery() and third.asked == []
    assert len(session_files(tmp_path / "recovery")) == 2
    # Saving or quitting one removes its file only.
    first.doc.save(tmp_path / "first.json")
    assert not first.recovery.path.exists() and second.recovery.path.exists()


def test_every_orphan_is_offered_and_the_rest_wait_for_the_next_start(make_window, tmp_path):
    works = []
    for value in (0.1, 0.2, 0.3):
        w = make_window()
        edited(w, value)
        assert w.autosave()
        works.append(w.doc.network)
        die(w)
    nxt = make_window()
    nxt.answers += ["later", "restore"]
    assert nxt.offer_recovery()
    # asked about the first (kept for later), restored the second; the third waits
    assert [(found.network, i, n) for found, i, n in nxt.asked] == [
        (works[0], 0, 3),
        (works[1], 1, 3),
    ]
    assert nxt.doc.network == works[1]
    assert "1 more unsaved session" in nxt.statusBar().currentMessage()
    nxt.doc.undo_stack.clear()
    nxt.close()
    after = make_window()
    after.answers += ["discard", "discard"]
    assert not after.offer_recovery()
    assert sorted(f.network.layers[0].weights[0, 0] for f, _, _ in after.asked) == [0.1, 0.3]
    assert session_files(tmp_path / "recovery") == []
    # only the running instance's own lock is left
    own_lock = after.recovery.path.with_suffix(".lock")
    assert list((tmp_path / "recovery").glob("*.lock")) == [own_lock]


def test_an_unreadable_recovery_file_is_neither_offered_nor_deleted(make_window, tmp_path):
    folder = tmp_path / "recovery"
    folder.mkdir()
    broken = folder / "session-1-00000000.json"
    broken.write_text("{not json")
    w = make_window()
    assert not w.offer_recovery() and w.asked == []
    assert broken.exists()


def test_an_unreadable_recovery_file_is_named_in_the_status_bar(make_window, tmp_path):
    """Kept unasked at every start, it was never mentioned: the user could not know that
    work might be waiting there (benchmarks/recovery_states.py: asked 0, nothing said)."""
    folder = tmp_path / "recovery"
    folder.mkdir()
    (folder / "session-1-00000000.json").write_text("{not json")
    (folder / "session-2-00000000.json").mkdir()
    w = make_window()
    assert not w.offer_recovery() and w.asked == []
    message = w.statusBar().currentMessage()
    assert message.startswith("2 recovery files could not be read; they are left in ")
    assert str(folder) in message


def test_temp_files_of_killed_autosaves_go_once_their_session_is_gone(make_window, tmp_path):
    """A kill during an autosave leaves the half-written temp file of the session's
    recovery file; no later save has that name, so they piled up in the recovery folder
    (benchmarks/recovery_states.py: one left by every such kill)."""
    folder = tmp_path / "recovery"
    crashed, unsaved, running = make_window(), make_window(), make_window()
    for w in (crashed, running):
        edited(w, 0.5)
        assert w.autosave()
    unsaved.recovery.open()  # killed during its first autosave: a lock and no file yet
    halves = []
    for w in (crashed, unsaved, running):
        half = folder / f".{w.recovery.path.name}.k1ll3d.tmp"
        half.write_text('{"format": "backprop-visualizer/recov')
        halves.append(half)
    die(crashed)
    die(unsaved)
    nxt = make_window()
    assert not nxt.offer_recovery() and len(nxt.asked) == 1  # the crashed one, kept
    assert [h.exists() for h in halves] == [False, False, True]  # a live one is not touched
    assert crashed.recovery.path.exists() and running.recovery.path.exists()
    assert not unsaved.recovery.path.with_suffix(".lock").exists()


def test_a_fifo_named_like_a_recovery_file_does_not_hang_the_start(make_window, tmp_path):
    """Reading it blocked until someone wrote to it: the app never got past start-up
    (benchmarks/recovery_states.py)."""
    folder = tmp_path / "recovery"
    folder.mkdir()
    fifo = folder / "session-1-0000beef.json"
    os.mkfifo(fifo)
    box: dict[str, list] = {}
    reader = threading.Thread(target=lambda: box.update(found=recovery.orphans(folder)))
    reader.start()
    reader.join(10)
    if reader.is_alive():  # let the blocked reader go: it sees a writer, then the end
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(10)
        pytest.fail("reading the recovery folder hung on a FIFO")
    assert [o.found for o in box["found"]] == [None]  # unreadable: neither offered ...
    for orphan in box["found"]:
        orphan.keep()
    w = make_window()
    assert not w.offer_recovery() and w.asked == []
    assert fifo.exists()  # ... nor deleted


@pytest.mark.parametrize("kind", ["a file", "under a file", "unwritable"])
def test_a_recovery_folder_that_cannot_be_written_is_a_warning(
    make_window, tmp_path, monkeypatch, kind
):
    folder = tmp_path / "recovery"
    if kind == "a file":
        folder.write_text("in the way")
    elif kind == "under a file":
        (tmp_path / "file").write_text("in the way")
        folder = tmp_path / "file" / "recovery"
    else:
        # The tests may run as root, who can write anywhere: refuse the way the system
        # would for a read-only folder.
        folder.mkdir()

        def refuse(*_args, **_kwargs):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(recovery, "_try_lock", refuse)
        monkeypatch.setattr(recovery, "atomic_write_pieces", refuse)
    w = make_window(folder)
    w.show()
    assert not w.offer_recovery()
    assert "Crash recovery is off" in w.statusBar().currentMessage()
    w.statusBar().clearMessage()
    edited(w, 0.5)
    assert not w.autosave()
    assert "Crash recovery is off" in w.statusBar().currentMessage()
    w.doc.save(tmp_path / "saved.json")  # saving still works, and clears nothing it cannot


def test_no_autosave_without_changes(make_window, tmp_path):
    w = make_window()
    assert w.autosave()
    assert session_files(tmp_path / "recovery") == []


def test_tests_never_touch_the_users_own_files(qapp):
    gui_app.configure_application(qapp)
    home = os.environ["HOME"]
    assert "bpv-test-home-" in home
    assert QSettings().fileName().startswith(home)
    assert str(recovery.recovery_dir()).startswith(home)
    assert QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation
    ).startswith(home)


# -- a real process, killed ----------------------------------------------------------------
FIRST_SESSION = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from visualizer import cli
from visualizer.formats.network_file import save_network
from visualizer.gui import commands, main_window

main_window.AUTOSAVE_MS = 200  # the real autosave timer, sooner
network_path, expected = sys.argv[1], Path(sys.argv[2])
app = QApplication(sys.argv[:1])

def edit():
    window = next(w for w in app.topLevelWidgets() if isinstance(w, main_window.MainWindow))
    window.doc.edit(commands.SetWeight(window.doc, 1, 0, 0, -0.123456789012345678))
    window.doc.edit(commands.SetBias(window.doc, 1, 0, 1.7976931348623157e308 / 1e300))
    save_network(window.doc.network, expected)
    def wait():
        if any(window.recovery.folder.glob("session-*.json")):
            print("autosaved", window.recovery.folder, flush=True)
        else:
            QTimer.singleShot(50, wait)
    wait()

QTimer.singleShot(0, edit)
sys.exit(cli.main([network_path]))
"""

NEXT_SESSION = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from visualizer import cli
from visualizer.formats.network_file import save_network
from visualizer.gui.main_window import MainWindow

network_path, out = sys.argv[1], Path(sys.argv[2])
app = QApplication(sys.argv[:1])
tries = [0]

def answer():
    box = app.activeModalWidget()
    if isinstance(box, QMessageBox):
        print("asked:", " ".join(box.text().split()), flush=True)
        next(b for b in box.buttons() if b.text() == "Restore").click()
        QTimer.singleShot(0, finish)
        return
    tries[0] += 1
    if tries[0] > 400:
        print("never asked", flush=True)
        app.exit(3)
        return
    QTimer.singleShot(50, answer)

def finish():
    window = next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))
    window.doc.save(out)
    print("restored", flush=True)
    window.close()  # a clean exit

QTimer.singleShot(0, answer)
sys.exit(cli.main([network_path]))
"""


def test_killed_app_is_offered_and_restored_byte_for_byte(tmp_path):
    net = tmp_path / "net.json"
    save_network(load_network(DEFAULT_NETWORK), net)
    expected, restored = tmp_path / "expected.json", tmp_path / "restored.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(FIRST_SESSION), str(net), str(expected)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = child.stdout.readline()
        assert line.startswith("autosaved"), (line, child.stderr.read() if not line else "")
        folder = Path(line.split(maxsplit=1)[1].strip())
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert len(session_files(folder)) == 1

    nxt = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(NEXT_SESSION), str(net), str(restored)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert nxt.returncode == 0, nxt.stderr
    lines = nxt.stdout.splitlines()
    assert lines[0].startswith("asked:") and "net.json" in lines[0], lines
    assert lines[1] == "restored"
    assert restored.read_bytes() == expected.read_bytes()
    assert expected.read_bytes() != net.read_bytes()
    # restored, saved and quit cleanly: no recovery file and no lock is left
    assert session_files(folder) == [] and list(folder.glob("*.lock")) == []

