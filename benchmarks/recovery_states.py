"""Start-up states of the recovery folder: for each, does the app start, is the user asked
(about how many files), and is anything deleted before the answer?

    .venv/bin/python benchmarks/recovery_states.py [--timeout 60] [--only NAME]

Each state is made for real in a fresh HOME (XDG folders inside it): orphans are the
recovery files of real app processes that edited the network, autosaved and were killed
with SIGKILL; a "running instance" is a real app process left running meanwhile. Then the
real app (`python -m visualizer`, offscreen) starts in that HOME; its recovery questions
are real message boxes, answered "Ask Next Time" (so no answer deletes anything) by a timer
inside that process, which also notes the folder's listing at the first question. Once the
start-up offer is over the window closes cleanly.
Prints per state: started (or the exit status / timeout), how many files were offered,
which recovery files (work) were deleted before the first answer (or by the whole start-up
if nobody was asked) and how many lock/temp files of dead sessions went with them,
the status bar's message, and the recovery files (.json, .lock, .tmp) left afterwards.
Numbers only, never pass/fail (exit 0). An unwritable folder is made with `chattr +i`
when running as root (root writes anywhere a mode forbids), else with mode 0555.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RELATIVE = Path(".local/share/backprop-visualizer/Backprop Visualizer/recovery")

# The app as a user starts it, with a timer answering its questions "Ask Next Time" and a
# wrapper around the start-up offer that reports what happened, then closes the window.
APP = """
import json, sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from visualizer import cli
from visualizer.gui import main_window, recovery

folder = Path(sys.argv[1])
report = {"started": False, "questions": [], "at_first_question": None}

def listing():
    try:
        return sorted(p.name for p in folder.iterdir())
    except OSError as exc:
        return f"unlistable: {exc.strerror}"

app = QApplication(sys.argv[:1])
offer = main_window.MainWindow.offer_recovery

def reporting_offer(self):
    report["started"] = True
    report["folder"] = str(self.recovery.folder)
    try:
        report["restored"] = offer(self)
    finally:
        report["after"] = listing()
        report["status"] = self.statusBar().currentMessage()
        print("REPORT " + json.dumps(report), flush=True)
        self.close()

main_window.MainWindow.offer_recovery = reporting_offer

def answer():
    box = app.activeModalWidget()
    if isinstance(box, QMessageBox):
        if report["at_first_question"] is None:
            report["at_first_question"] = listing()
        report["questions"].append(" ".join(box.text().split()))
        next(b for b in box.buttons() if b.text() == "Ask Next Time").click()
    QTimer.singleShot(20, answer)

QTimer.singleShot(0, answer)
sys.exit(cli.main([]))
"""

# An instance that edits the network and autosaves ("autosaved" once its recovery file is
# complete); with "slow" its autosave stops after the first piece of text ("writing"), so a
# kill then leaves the half-written temp file a real kill during an autosave leaves.
INSTANCE = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from visualizer import cli
from visualizer.gui import commands, main_window, recovery

main_window.AUTOSAVE_MS = 200
slow = sys.argv[1] == "slow"
if slow:
    write = recovery.atomic_write_pieces

    def paced(path, pieces, *args, **kwargs):
        def gen():
            for n, piece in enumerate(pieces):
                yield piece
                if n == 1:
                    print("writing", flush=True)
                    time.sleep(600)
        write(path, gen(), *args, **kwargs)

    recovery.atomic_write_pieces = paced
app = QApplication(sys.argv[:1])

def edit():
    window = next(w for w in app.topLevelWidgets() if isinstance(w, main_window.MainWindow))
    window.ask_recovery = lambda *args: "later"  # never asks about other instances' files
    window.doc.edit(commands.SetWeight(window.doc, 1, 0, 0, 0.25))

    def wait():
        if window.recovery.path.exists():
            print("autosaved", flush=True)
        else:
            QTimer.singleShot(50, wait)

    if not slow:
        wait()

QTimer.singleShot(0, edit)
sys.exit(cli.main([]))
"""


class Home:
    """A fresh HOME with its XDG folders, and the app processes run in it."""

    def __init__(self, base: Path, timeout: float):
        self.home = base / "home"
        self.home.mkdir()
        self.folder = self.home / RELATIVE
        self.timeout = timeout
        runtime = base / "runtime"
        runtime.mkdir(mode=0o700)
        self.env = dict(
            os.environ,
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            XDG_DATA_HOME=str(self.home / ".local" / "share"),
            XDG_CACHE_HOME=str(self.home / ".cache"),
            XDG_STATE_HOME=str(self.home / ".local" / "state"),
            XDG_RUNTIME_DIR=str(runtime),
            QT_QPA_PLATFORM="offscreen",
            PYTHONPATH=str(ROOT),
            OPENBLAS_NUM_THREADS="1",
        )
        self.running: list[subprocess.Popen] = []
        self.undo: list[Callable[[], None]] = []  # chattr -i and the like, done at the end

    def instance(self, mode: str = "fast") -> subprocess.Popen:
        """A running app that has edited and autosaved (or, "slow", is writing its first
        autosave)."""
        child = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(INSTANCE), mode],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=self.env,
        )
        self.running.append(child)
        want = "writing" if mode == "slow" else "autosaved"
        line = read_line(child, self.timeout)
        if line != want:
            raise RuntimeError(f"an app instance did not get to {want!r}: {line!r}")
        return child

    def orphans(self, count: int = 1, mode: str = "fast") -> None:
        """`count` instances running at once (so none is asked about another's file),
        then all SIGKILLed."""
        children = [self.instance(mode) for _ in range(count)]
        for child in children:
            kill(child)

    def finish(self) -> None:
        for child in self.running:
            kill(child)
        for undo in reversed(self.undo):
            with contextlib.suppress(OSError, subprocess.CalledProcessError):
                undo()


def read_line(child: subprocess.Popen, timeout: float) -> str:
    """The child's next line of stdout, or "" after `timeout` seconds or at its exit."""
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return child.stdout.readline().strip()


def kill(child: subprocess.Popen) -> None:
    if child.poll() is None:
        os.kill(child.pid, signal.SIGKILL)
    child.wait()
    if child.stdout:
        child.stdout.close()


def session_files(home: Home) -> list[Path]:
    try:
        return sorted(home.folder.glob("session-*.json"))
    except OSError:
        return []


# -- the states ----------------------------------------------------------------------------
def no_folder(home: Home) -> None:
    pass


def empty_folder(home: Home) -> None:
    home.folder.mkdir(parents=True)


def one_orphan(home: Home) -> None:
    home.orphans(1)


def two_orphans(home: Home) -> None:
    home.orphans(2)


def locked_by_running(home: Home) -> None:
    home.instance()


def running_and_orphan(home: Home) -> None:
    home.orphans(1)
    home.instance()


def unreadable_file(home: Home) -> None:
    home.orphans(1)
    (orphan,) = session_files(home)
    if os.geteuid() == 0:  # root reads whatever the mode: a folder in its place is unreadable
        orphan.unlink()
        orphan.mkdir()
    else:
        orphan.chmod(0)
        home.undo.append(lambda: orphan.chmod(0o644))


def corrupt_file(home: Home) -> None:
    home.orphans(1)
    (orphan,) = session_files(home)
    data = orphan.read_bytes()
    orphan.write_bytes(data[: len(data) // 2])  # what a torn write would leave


def other_format(home: Home) -> None:
    home.orphans(1)
    (orphan,) = session_files(home)
    orphan.write_text(json.dumps({"format": "someone-else/recovery", "network": {}}))


def fifo_file(home: Home) -> None:
    home.folder.mkdir(parents=True)
    os.mkfifo(home.folder / "session-1-0000beef.json")


def folder_is_a_file(home: Home) -> None:
    home.folder.parent.mkdir(parents=True)
    home.folder.write_text("in the way")


def folder_unwritable(home: Home) -> None:
    home.orphans(1)
    if os.geteuid() == 0:  # the immutable flag binds root too, where the file system has it
        try:
            made = subprocess.run(["chattr", "+i", str(home.folder)], capture_output=True)
        except OSError:  # no chattr at all
            made = None
        if made is not None and made.returncode == 0:
            home.undo.append(lambda: subprocess.run(["chattr", "-i", str(home.folder)], check=True))
            return
        print("note: chattr +i failed: the unwritable folder is writable for root")
    home.folder.chmod(0o555)
    home.undo.append(lambda: home.folder.chmod(0o755))


def under_a_file(home: Home) -> None:
    share = home.home / ".local" / "share"
    share.parent.mkdir(parents=True)
    share.write_text("a file where the data folder should be")


def stale_lock(home: Home) -> None:
    home.orphans(1)
    (orphan,) = session_files(home)
    orphan.unlink()  # the lock of a session that never autosaved, or whose file went


def killed_mid_autosave(home: Home) -> None:
    home.orphans(1, mode="slow")


STATES: list[tuple[str, Callable[[Home], None]]] = [
    ("no recovery folder", no_folder),
    ("empty folder", empty_folder),
    ("one orphan (kill -9)", one_orphan),
    ("two orphans (two kill -9)", two_orphans),
    ("a file locked by a running instance", locked_by_running),
    ("a running instance and an orphan", running_and_orphan),
    ("an unreadable recovery file", unreadable_file),
    ("a corrupt (half) recovery file", corrupt_file),
    ("a recovery file of another format", other_format),
    ("a FIFO named like a recovery file", fifo_file),
    ("the folder is a file", folder_is_a_file),
    ("the folder unwritable, an orphan in it", folder_unwritable),
    ("the folder under a file", under_a_file),
    ("a stale lock (no recovery file)", stale_lock),
    ("an orphan killed mid-autosave", killed_mid_autosave),
]


def listing(folder: Path) -> list[str] | str:
    try:
        return sorted(p.name for p in folder.iterdir())
    except OSError as exc:
        return f"unlistable: {exc.strerror}"


def leftovers(names: list[str] | str) -> str:
    if isinstance(names, str):
        return "-"
    kinds = {
        suffix: sum(n.endswith(suffix) for n in names) for suffix in (".json", ".lock", ".tmp")
    }
    return " ".join(f"{count}{suffix}" for suffix, count in kinds.items())


def run_state(name: str, make: Callable[[Home], None], timeout: float) -> dict[str, str]:
    with tempfile.TemporaryDirectory(prefix="recovery-states-") as base:
        home = Home(Path(base), timeout)
        try:
            make(home)
            before = listing(home.folder)
            start = time.perf_counter()
            app = subprocess.Popen(
                [sys.executable, "-c", textwrap.dedent(APP), str(home.folder)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=home.env,
            )
            report: dict | None = None
            while True:
                line = read_line(app, timeout)
                if not line or line.startswith("REPORT "):
                    report = json.loads(line[7:]) if line else None
                    break
            try:
                app.wait(timeout)
                outcome = f"exit {app.returncode}"
            except subprocess.TimeoutExpired:
                outcome = "hung"
            kill(app)
            stderr = [
                s
                for s in app.stderr.read().splitlines()
                if s.strip() and "propagateSizeHints" not in s
            ]
            app.stderr.close()
            seconds = time.perf_counter() - start
            after = listing(home.folder)
        finally:
            home.finish()
    if report is None:
        started = f"no ({outcome}, {seconds:.0f} s)"
        if stderr:
            started += f": {stderr[-1][:80]}"
        return {
            "state": name,
            "started": started,
            "asked": "-",
            "deleted": "-",
            "status": "-",
            "left": leftovers(after),
        }
    seen = report["at_first_question"] if report["questions"] else report["after"]
    if isinstance(before, str) or isinstance(seen, str):
        deleted = "-"
    else:
        # Work is a recovery file (.json); a lock or temp file of a dead session is not.
        gone = sorted(set(before) - set(seen))
        work = [n for n in gone if n.endswith(".json")]
        deleted = ", ".join(work) if work else "nothing"
        if len(gone) > len(work):
            deleted += f" (and {len(gone) - len(work)} lock/temp file(s) of dead sessions)"
    if report["folder"] != str(home.folder):
        deleted += f" (the app's folder was {report['folder']})"
    return {
        "state": name,
        "started": f"yes ({outcome}, {seconds:.1f} s)",
        "asked": str(len(report["questions"])),
        "deleted": deleted,
        "status": report["status"] or "(none)",
        "left": leftovers(after),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per app start")
    parser.add_argument("--only", default=None, help="run the states whose name has this")
    args = parser.parse_args()
    rows = [
        run_state(name, make, args.timeout)
        for name, make in STATES
        if args.only is None or args.only in name
    ]
    for row in rows:
        print(f"\n{row['state']}")
        print(f"  started:                  {row['started']}")
        print(f"  files offered (asked):    {row['asked']}")
        print(f"  deleted before an answer: {row['deleted']}")
        print(f"  status bar:               {row['status']}")
        print(f"  left afterwards:          {row['left']}")
    started = sum(r["started"].startswith("yes") for r in rows)
    asked = sum(int(r["asked"]) for r in rows if r["asked"].isdigit())
    deleted = sum(not r["deleted"].startswith(("nothing", "-")) for r in rows)
    print(
        f"\n{len(rows)} states: started in {started}, files offered in all {asked}, "
        f"a recovery file deleted before an answer in {deleted}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
