"""Training in the app: how fast, and does the window stay responsive? Prints figures.

    .venv/bin/python benchmarks/bench_training.py [--seconds 3] [--quick] [--case 4]

Trains [2, 16, 16, 1] (tanh, tanh, sigmoid; binary cross-entropy) on 200 XOR points with
Adam (lr 0.01, mini-batches of 16) at full speed ("max"), in four set-ups:

1. the engine alone (`training.train` in a loop: the ceiling);
2. the Qt driver (`gui/trainer.py`) on a Document with no views — its QTimer ticks, each
   running steps for ≤ 12 ms, plus a live update of the document at ≤ 10 Hz;
3. the same with the training panel shown (live loss curve and decision boundary);
4. the same inside the main window with the panel docked (canvas and inspector redraw on
   every live update too) — skipped if the main window cannot be built.

While 2–4 run, a helper thread posts a key press to a line edit every 20 ms (stamped when
posted) and a 20 ms QTimer runs in the GUI thread: the delay until each is handled is the
input latency the user would feel. Target (issue 14, quiet machine): p95 ≤ 16 ms, every
key press within 33 ms. Last,
the time to redraw the panel's loss curve once it holds a million steps.
Offscreen Qt (no display); this script reports and never fails. Each set-up's line also
says what share of one CPU the process got (on a shared machine, the rest of a key's wait
is time the process was not running at all), and `--long-tasks` lists every stretch of
the GUI thread longer than 15 ms while training ran — which event, its wall and CPU time —
and the garbage collector's passes (this costs a little: every event is timed).

First, in a child process with one BLAS/OpenMP thread: one training step (forward, backward,
SGD update) on [64, 128, 128, 10] (sigmoid, half squared error) at batch 256, float64 —
`training.train_step` as a TrainingSession runs it (with a Workspace), the same without a
Workspace, `backprop.run` (the pass with every per-sample row the views show, which
training used before), and PyTorch float64 autograd on one thread doing the same step when
torch is importable (not a dependency: `pip install torch==2.13.0`, a CPU build). Before
timing, one step of each from the same parameters is compared: the largest difference of
the updated parameters is printed. Target: train_step at least as fast as torch.
`--step-only` runs just that part.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QDockWidget, QLineEdit

from visualizer.engine import datasets
from visualizer.engine.network import InitSpec, Network, make_network
from visualizer.engine.training import Adam, train
from visualizer.gui.document import Document
from visualizer.gui.panels.training_panel import TrainingPanel
from visualizer.gui.trainer import Trainer, TrainSettings

LATENCY_TARGET_MS = 33.0  # every key press (issue 14, on a quiet machine)
P95_TARGET_MS = 16.0
PROBE_INTERVAL = 0.020
SETTINGS = TrainSettings(optimizer="adam", lr=0.01, batch_size=16, steps_per_second=None)


STEP_SIZES, STEP_BATCH, STEP_LR = [64, 128, 128, 10], 256, 0.01
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# The rows of the step comparison: worker name → label.
STEP_ROWS = {
    "engine": "engine train_step",
    "bare": "  without a Workspace",
    "run": "engine backprop.run only",
    "torch": "torch autograd step",
}


def step_problem() -> tuple[Network, np.ndarray, np.ndarray]:
    net = make_network(STEP_SIZES, "sigmoid", "half_squared_error", InitSpec(seed=1))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(STEP_BATCH, STEP_SIZES[0]))
    y = rng.uniform(size=(STEP_BATCH, STEP_SIZES[-1]))
    return net, x, y


def torch_step_function(net: Network, x: np.ndarray, y: np.ndarray) -> tuple[Callable, list]:
    """PyTorch float64 autograd doing the engine's step (forward, half squared error
    averaged over the batch, backward, SGD), on one thread; and its parameters."""
    import torch

    from visualizer.engine.training import parameters

    torch.set_num_threads(1)
    params = [torch.tensor(arr, requires_grad=True) for arr in parameters(net)]
    tx, ty = torch.tensor(x), torch.tensor(y)

    def torch_step() -> None:
        a = tx
        for w, b in zip(params[::2], params[1::2], strict=True):
            a = torch.sigmoid(a @ w.T + b)
        loss = 0.5 * ((a - ty) ** 2).sum(dim=1).mean()
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= STEP_LR * p.grad
                p.grad = None

    return torch_step, params


def step_function(name: str) -> Callable[[], None]:
    """One row's step, carrying its network (and optimiser state) from call to call."""
    from visualizer.engine import backprop
    from visualizer.engine.training import SGD, train_step
    from visualizer.engine.workspace import Workspace

    net, x, y = step_problem()
    if name == "torch":
        return torch_step_function(net, x, y)[0]
    if name == "run":
        return lambda: backprop.run(net, x, y)
    optimizer = SGD(STEP_LR)
    workspace = Workspace() if name == "engine" else None  # "engine": as a session runs it
    carried = {"net": net, "state": None}

    def engine_step() -> None:
        carried["net"], carried["state"], _ = train_step(
            carried["net"], x, y, optimizer, carried["state"], workspace
        )

    return engine_step


def page_faults() -> int:
    """Minor page faults of this process so far (0 where `resource` is missing)."""
    try:
        import resource
    except ImportError:  # not on Windows
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def step_worker(name: str) -> None:
    """Serve timings of `name`'s step: for each line "n" on stdin, run n steps and answer
    "wall_seconds cpu_seconds page_faults" (per step). Each row lives in a process of its
    own, so what one does to the C allocator (how much memory it keeps) does not favour
    another."""
    fn = step_function(name)
    for _ in range(5):
        fn()
    print("ready", flush=True)
    for line in sys.stdin:
        loops = int(line)
        faults = page_faults()
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(loops):
            fn()
        cpu = (time.process_time() - start_cpu) / loops
        wall = (time.perf_counter() - start) / loops
        print(f"{wall} {cpu} {(page_faults() - faults) / loops}", flush=True)


def same_step_check() -> None:
    """One SGD step of the engine and of torch from the same parameters: print how far
    apart the updated parameters are (rounding only, if both do the same work)."""
    import torch

    from visualizer.engine.training import SGD, parameters, train_step
    from visualizer.engine.workspace import Workspace

    net, x, y = step_problem()
    engine = parameters(train_step(net, x, y, SGD(STEP_LR), None, Workspace())[0])
    torch_step, params = torch_step_function(net, x, y)
    torch_step()
    worst = max(
        float(np.max(np.abs(p.detach().numpy() - q))) for p, q in zip(params, engine, strict=True)
    )
    dtypes = ", ".join(sorted({str(p.dtype) for p in params}))
    print(
        f"same step? torch {torch.__version__}, {dtypes}, {torch.get_num_threads()} thread: "
        f"largest |engine − torch| of the updated parameters after one step: {worst:.1e}"
    )


def step_comparison(repeat: int = 15, loops: int = 40) -> None:
    """Time one training step of each row in turns — each row in its own process with one
    BLAS/OpenMP thread, asked for `loops` steps at a time — so a change of machine load
    hits every row alike; print medians (wall and CPU time) and the ratio to torch."""
    have_torch = importlib.util.find_spec("torch") is not None
    if have_torch:
        same_step_check()
    names = [name for name in STEP_ROWS if name != "torch" or have_torch]
    env = dict(os.environ, **ONE_THREAD)
    workers = {
        name: subprocess.Popen(
            [sys.executable, __file__, "--step-worker", name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in names
    }
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    faults: dict[str, list[float]] = {name: [] for name in names}
    try:
        for worker in workers.values():
            assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
        for _ in range(repeat):
            for name, worker in workers.items():
                assert worker.stdin is not None and worker.stdout is not None
                worker.stdin.write(f"{loops}\n")
                worker.stdin.flush()
                w, c, f = map(float, worker.stdout.readline().split())
                wall[name].append(w)
                cpu[name].append(c)
                faults[name].append(f)
    finally:
        for worker in workers.values():
            if worker.stdin is not None:
                worker.stdin.close()
            worker.wait()
    medians = {name: statistics.median(t) for name, t in wall.items()}
    cpu_medians = {name: statistics.median(t) for name, t in cpu.items()}
    print(
        f"training step, {STEP_SIZES} sigmoid, batch {STEP_BATCH}, float64, one thread, "
        f"SGD lr {STEP_LR} (median of {repeat} × {loops}, in turns):"
    )
    print(f"  {'':<26} {'wall':>8}     {'':>14}  {'CPU':>8}     {'page faults/step':>16}")
    for name in names:
        t = medians[name]
        print(
            f"  {STEP_ROWS[name]:<26} {1e6 * t:8.0f} µs  {1 / t:7,.0f} steps/s  "
            f"{1e6 * cpu_medians[name]:8.0f} µs  {statistics.median(faults[name]):16.1f}"
        )
    if not have_torch:
        print(f"  {STEP_ROWS['torch']:<26} skipped (torch not installed)")
        return
    ratio = medians["torch"] / medians["engine"]
    cpu_ratio = cpu_medians["torch"] / cpu_medians["engine"]
    verdict = "met" if ratio >= 1.0 else "MISSED"
    print(
        f"  engine steps/s ÷ torch steps/s = {ratio:.2f} wall, {cpu_ratio:.2f} CPU "
        f"(target ≥ 1: {verdict})"
    )


def network() -> Network:
    return make_network(
        [2, 16, 16, 1],
        ["tanh", "tanh", "sigmoid"],
        "binary_cross_entropy",
        InitSpec(seed=1),
        dataset=datasets.xor(200, noise=0.1, seed=0),
    )


def engine_steps_per_second(seconds: float) -> float:
    net, state, done = network(), None, 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        result = train(net, 200, Adam(0.01), state=state, batch_size=16, start=done)
        net, state, done = result.network, result.state, done + 200
    return done / (time.perf_counter() - start)


class KeyProbe(QObject):
    """Counts when each posted key press reaches the line edit."""

    def __init__(self, target: QLineEdit) -> None:
        super().__init__()
        self.sent: dict[int, float] = {}
        self.delays: list[float] = []
        target.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            sent = self.sent.pop(int(event.nativeScanCode()), None)
            if sent is not None:
                self.delays.append(time.perf_counter() - sent)
        return False


def key_events(count: int) -> list[QKeyEvent]:
    """Key presses made in the GUI thread (making one elsewhere upsets Qt's input devices),
    each numbered by its scan code."""
    return [
        QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, k, 0, 0, "a")
        for k in range(1, count + 1)
    ]


def post_keys(
    target: QLineEdit, probe: KeyProbe, events: list[QKeyEvent], stop: threading.Event
) -> None:
    """From another thread: a key press every 20 ms, like a person typing fast."""
    for k, event in enumerate(events, start=1):
        if stop.is_set():
            break
        probe.sent[k] = time.perf_counter()
        QCoreApplication.postEvent(target, event)  # thread-safe; Qt takes ownership
        time.sleep(PROBE_INTERVAL)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


LONG_TASK = 0.015  # seconds: a stretch of the GUI thread `--long-tasks` lists


class TimedApplication(QApplication):
    """A QApplication that times each event it delivers from the event loop (not those
    sent from inside another: they are part of it), when `recording`; also the garbage
    collector's passes. For `--long-tasks` only: timing every event costs a little."""

    def __init__(self, argv: list[str]) -> None:
        super().__init__(argv)
        self.recording = False
        self.depth = 0
        self.tasks: list[tuple[float, float, float, str]] = []  # start, end, CPU, what
        self.ticks: list[tuple[float, float, str]] = []  # start, end, what it updated
        self.collections: list[tuple[int, float, float]] = []  # generation, wall, CPU
        self._gc_start = (0.0, 0.0)
        gc.callbacks.append(self._gc)

    def notify(self, receiver: QObject, event: QEvent) -> bool:
        if not self.recording or self.depth:
            self.depth += 1
            try:
                return super().notify(receiver, event)
            finally:
                self.depth -= 1
        what = f"{event.type().name} → {type(receiver).__name__}"  # before it is handled
        self.depth += 1
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            return super().notify(receiver, event)
        finally:
            self.depth -= 1
            end = time.perf_counter()
            if end - start > LONG_TASK:
                self.tasks.append((start, end, time.thread_time() - cpu, what))

    def _gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_start = (time.perf_counter(), time.thread_time())
        elif self.recording:
            wall, cpu = self._gc_start
            wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
            self.collections.append((info["generation"], wall, cpu))

    def report(self) -> None:
        """Each long stretch (a timer event that ran a training tick named by what the
        tick updated), then the collector's passes by generation."""
        print(f"  GUI-thread stretches > {1000 * LONG_TASK:.0f} ms: {len(self.tasks)}")
        for start, end, cpu, what in self.tasks:
            inside = [w for s, e, w in self.ticks if start <= s and e <= end]
            name = f"training tick ({inside[0]})" if inside else what
            print(f"    {1000 * (end - start):6.1f} ms wall {1000 * cpu:6.1f} ms CPU  {name}")
        for generation in sorted({g for g, _, _ in self.collections}):
            times = [(w, c) for g, w, c in self.collections if g == generation]
            print(
                f"  gc generation {generation}: {len(times)} passes, longest "
                f"{1000 * max(w for w, _ in times):.1f} ms wall, "
                f"{1000 * max(c for _, c in times):.1f} ms CPU"
            )
        if not self.collections:
            print("  gc: no passes")


def measure(app: QApplication, doc: Document, trainer: Trainer, seconds: float) -> dict:
    """Run `trainer` at full speed for `seconds` with the probes going; the figures."""
    timed = app if isinstance(app, TimedApplication) else None
    line = QLineEdit()
    probe = KeyProbe(line)
    timer_delays: list[float] = []
    last = [time.perf_counter()]

    def on_timer() -> None:
        now = time.perf_counter()
        timer_delays.append(max(0.0, now - last[0] - PROBE_INTERVAL))
        last[0] = now

    tick_times: list[float] = []
    original_tick = trainer.tick

    def timed_tick() -> int:
        t0 = time.perf_counter()
        before = live_updates[0], doc_updates[0]
        done = original_tick()
        t1 = time.perf_counter()
        tick_times.append(t1 - t0)
        if timed is not None:
            live, document = live_updates[0] > before[0], doc_updates[0] > before[1]
            what = "document update" if document else "live update" if live else "slice only"
            timed.ticks.append((t0, t1, what))
        return done

    # How often the live views (loss curve, output view) and the document's views redraw.
    live_updates, doc_updates = [0], [0]
    trainer.progressed.connect(lambda: live_updates.__setitem__(0, live_updates[0] + 1))
    doc.network_changed.connect(lambda: doc_updates.__setitem__(0, doc_updates[0] + 1))
    trainer._timer.timeout.disconnect(trainer.tick)  # time every tick (benchmark only)
    trainer._timer.timeout.connect(timed_tick)
    trainer.set_settings(SETTINGS)
    probe_timer = QTimer()
    probe_timer.setTimerType(Qt.TimerType.PreciseTimer)
    probe_timer.setInterval(round(PROBE_INTERVAL * 1000))
    probe_timer.timeout.connect(on_timer)
    stop = threading.Event()
    events = key_events(int(seconds / PROBE_INTERVAL) + 10)
    poster = threading.Thread(target=post_keys, args=(line, probe, events, stop), daemon=True)

    if timed is not None:
        timed.recording = True
    start, cpu = time.perf_counter(), time.process_time()
    trainer.start()
    probe_timer.start()
    last[0] = time.perf_counter()
    poster.start()
    while time.perf_counter() - start < seconds:
        app.processEvents()  # the event loop, as exec() would run it
    stop.set()
    poster.join()
    elapsed = time.perf_counter() - start
    live, documents = live_updates[0], doc_updates[0]  # before the pause's own update
    # Keys posted just before the end are handled while training still runs, not after
    # the pause (whose own document update they would otherwise wait for and count).
    drain_until = time.perf_counter() + 0.5
    while probe.sent and time.perf_counter() < drain_until:
        app.processEvents()
    cpu_share = (time.process_time() - cpu) / (time.perf_counter() - start)
    if timed is not None:
        timed.recording = False
    trainer.pause()
    probe_timer.stop()
    for _ in range(5):
        app.processEvents()
    keys = probe.delays
    return {
        "steps/s": trainer.steps / elapsed,
        "loss": float(trainer.losses[-1]) if trainer.steps else float("nan"),
        "key median ms": 1000 * statistics.median(keys) if keys else float("nan"),
        "key p95 ms": 1000 * percentile(keys, 0.95) if keys else float("nan"),
        "key max ms": 1000 * max(keys) if keys else float("nan"),
        "keys": len(keys),
        "timer late p95 ms": 1000 * percentile(timer_delays, 0.95) if timer_delays else 0.0,
        "tick max ms": 1000 * max(tick_times) if tick_times else float("nan"),
        "ticks": len(tick_times),
        "live/s": live / elapsed,
        "document/s": documents / elapsed,
        "cpu share": cpu_share,
    }


def setup_trainer_only(app: QApplication) -> tuple[Document, Trainer, list]:
    doc = Document(network())
    return doc, Trainer(doc), []


def setup_panel(app: QApplication) -> tuple[Document, Trainer, list]:
    doc = Document(network())
    panel = TrainingPanel(doc)
    panel.resize(420, 1100)
    panel.show()
    app.processEvents()
    return doc, panel.trainer, [panel]


def setup_window(app: QApplication) -> tuple[Document, Trainer, list]:
    from visualizer.gui.main_window import MainWindow  # here: it may fail to build

    doc = Document(network())
    window = MainWindow(doc)
    panel = TrainingPanel(doc)
    dock = QDockWidget("Training", window)
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.show()
    app.processEvents()
    return doc, panel.trainer, [window, panel]


def loss_curve_redraw_ms(app: QApplication, steps: int = 1_000_000, runs: int = 9) -> float:
    """Median time to redraw the training panel's loss curve holding `steps` losses (a
    switch of its log scale, then painting the plot): pyqtgraph thins it to the pixels."""
    values = np.random.default_rng(0).random(steps) + 0.5

    class LongHistory(Trainer):
        @property
        def losses(self) -> np.ndarray:
            return values

    doc = Document(network())
    panel = TrainingPanel(doc, trainer=LongHistory(doc))
    panel.resize(420, 1100)
    panel.show()
    app.processEvents()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        panel.log_check.toggle()
        panel.loss_plot.grab()
        times.append(time.perf_counter() - start)
    doc.undo_stack.setClean()
    panel.close()
    return 1000 * statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per set-up (3)")
    parser.add_argument("--quick", action="store_true", help="1 second per set-up")
    parser.add_argument("--step-only", action="store_true", help="only the training step")
    parser.add_argument("--step-worker", choices=tuple(STEP_ROWS), help=argparse.SUPPRESS)
    parser.add_argument(
        "--long-tasks",
        action="store_true",
        help=f"list each GUI-thread stretch > {1000 * LONG_TASK:.0f} ms and the gc passes",
    )
    parser.add_argument(
        "--case",
        type=int,
        action="append",
        choices=(1, 2, 3, 4),
        help="run only these set-ups (repeatable; e.g. --case 4: the main window); "
        "skips the training-step comparison and the loss-curve redraw",
    )
    args = parser.parse_args(argv)
    if args.step_worker:
        step_worker(args.step_worker)
        return 0
    if args.step_only:
        step_comparison()
        return 0
    cases = set(args.case or (1, 2, 3, 4))
    if not args.case:
        step_comparison()
        print()
    seconds = 1.0 if args.quick else args.seconds
    app = QApplication.instance() or (
        TimedApplication(sys.argv[:1]) if args.long_tasks else QApplication(sys.argv[:1])
    )
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs at the start")

    print(f"[2, 16, 16, 1] on 200 XOR points, Adam lr 0.01, batches of 16, {seconds:g} s each")
    if 1 in cases:
        steps = engine_steps_per_second(seconds)
        print(f"engine alone (training.train):      {steps:8,.0f} steps/s")
    rows = []
    for case, name, setup in (
        (2, "trainer, no views", setup_trainer_only),
        (3, "trainer + training panel", setup_panel),
        (4, "main window + training panel", setup_window),
    ):
        if case not in cases:
            continue
        try:
            doc, trainer, keep = setup(app)
        except Exception as exc:  # the window is someone else's work in progress
            print(f"{name}: skipped ({type(exc).__name__}: {exc})")
            continue
        figures = measure(app, doc, trainer, seconds)
        rows.append((name, figures))
        if isinstance(app, TimedApplication):
            print(f"{name}:")
            app.report()
            app.tasks.clear(), app.ticks.clear(), app.collections.clear()
        doc.undo_stack.setClean()  # closing the window must not ask to save
        for widget in keep:
            widget.close()
        del keep
    if not args.case:
        redraw = loss_curve_redraw_ms(app)
        print(f"loss curve of 1,000,000 steps, redrawn: {redraw:.1f} ms (median)")
    print()
    header = (
        f"{'set-up':<30} {'steps/s':>9} {'key med':>8} {'key p95':>8} {'key max':>8} "
        f"{'timer p95':>9} {'tick max':>8} {'live/s':>6} {'doc/s':>5} {'CPU':>4} {'final loss':>10}"
    )
    print(header)
    print("-" * len(header))
    for name, f in rows:
        print(
            f"{name:<30} {f['steps/s']:9,.0f} {f['key median ms']:6.1f}ms {f['key p95 ms']:6.1f}ms "
            f"{f['key max ms']:6.1f}ms {f['timer late p95 ms']:7.1f}ms {f['tick max ms']:6.1f}ms "
            f"{f['live/s']:6.1f} {f['document/s']:5.1f} {100 * f['cpu share']:3.0f}% "
            f"{f['loss']:10.4g}"
        )
    worst = max((f["key max ms"] for _, f in rows), default=float("nan"))
    p95 = max((f["key p95 ms"] for _, f in rows), default=float("nan"))
    verdict = "met" if worst <= LATENCY_TARGET_MS and p95 <= P95_TARGET_MS else "MISSED"
    print(
        f"\nkey presses: worst {worst:.1f} ms, p95 {p95:.1f} ms against the targets "
        f"{LATENCY_TARGET_MS:.0f} ms and {P95_TARGET_MS:.0f} ms ({verdict}; they are for a "
        "quiet machine: see CPU); key = a key press posted from another thread every 20 ms "
        "until the line edit sees it; timer = lateness of a 20 ms QTimer; tick = one training tick "
        "including its live update; live/s = updates of the loss curve and output view "
        "(`progressed`) per second; doc/s = updates of the document (canvas, inspector, "
        "panels) per second; CPU = the process's CPU time over the wall time (100% = one "
        "core: training never waits; less = the machine ran something else)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
