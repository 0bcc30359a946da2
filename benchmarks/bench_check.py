"""How long does `backprop-visualizer check` take on a big network, the whole command?

    .venv/bin/python benchmarks/bench_check.py [--sizes 64,512x15,10] [--runs 3]

Writes the network (default [64, 512 ×15, 10], 3.7 M parameters, an ≈81 MB file) to a
temporary folder (deleted afterwards), runs the command once to warm the disk cache and
the bytecode cache, then times it `--runs` times in a fresh process each: wall time (what
the issue's target, ≤ 2 s, is about) and the process's CPU time (which moves less when
other programs load the machine). Another child process then times the command's parts
(wall and CPU), in turns with the command: process start and imports, reading and
decoding the file, parsing the JSON, checking the document and building the network (and
freeing the parsed document), and the check itself with its output (the command's own
`main`, the network handed over).

Python keeps compiled modules (.pyc) after a first start, so a user's every later start
loads them; where PYTHONDONTWRITEBYTECODE is set, every start here would compile the app's
modules again. As in bench_startup.py, the children keep them in a temporary folder unless
`--no-bytecode-cache`. Numbers only, never pass/fail.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bytecode_cache  # benchmarks/bytecode_cache.py, beside this script

TARGET_S = 2.0

# Times the command's parts; argv: the file, the parent's time.time() just before spawning.
PARTS = """
import sys, time
t_spawn = float(sys.argv[2])
t0 = time.time()
marks = [(time.perf_counter(), time.process_time())]
import io, json
from visualizer import cli
from visualizer.formats import jsontext as jt
from visualizer.formats.network_file import network_from_dict
marks.append((time.perf_counter(), time.process_time()))
text = jt.read_text(sys.argv[1])
marks.append((time.perf_counter(), time.process_time()))
document = jt.parse(text)
del text
marks.append((time.perf_counter(), time.process_time()))
try:
    network = network_from_dict(document)
finally:
    jt.dismantle(document)
marks.append((time.perf_counter(), time.process_time()))
cli._load = lambda *args, **kwargs: network  # the check as the command runs it, file read
sys.stdout = io.StringIO()
status = cli.main(["check", sys.argv[1], "--seed", "1"])
sys.stdout = sys.__stdout__
marks.append((time.perf_counter(), time.process_time()))
names = ["start + imports", "read + decode", "parse JSON", "validate + build", "check + output"]
parts = {}
for name, (w0, c0), (w1, c1) in zip(names, marks, marks[1:]):
    parts[name] = [w1 - w0, c1 - c0]
# The process's start (before its first line ran) counts too: wall since the parent's
# spawn, CPU (the interpreter's own start) since the process began.
parts["start + imports"][0] += t0 - t_spawn
parts["start + imports"][1] += marks[0][1]
print(json.dumps(parts))
"""


def command(path: Path) -> list[str]:
    """The command as a user types it: the console script beside this Python, or
    `python -m visualizer` when it is not installed."""
    script = Path(sys.executable).with_name("backprop-visualizer")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "visualizer"]
    return [*head, "check", str(path), "--seed", "1"]


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, str, int]:
    """(wall s, CPU s of the child, its stdout, its exit status)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        print(done.stderr, file=sys.stderr)
    return wall, cpu, done.stdout, done.returncode


def parse_sizes(text: str) -> list[int]:
    """"64,512x15,10" → [64, 512, …, 512, 10]."""
    sizes: list[int] = []
    for part in text.split(","):
        size, _, times = part.partition("x")
        sizes += [int(size)] * int(times or 1)
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="64,512x15,10")
    parser.add_argument("--runs", type=int, default=3)
    bytecode_cache.add_option(parser)
    args = parser.parse_args()

    from visualizer.engine.network import make_network
    from visualizer.formats.network_file import save_network

    sizes = parse_sizes(args.sizes)
    folder = tempfile.mkdtemp(prefix="bench-check-")
    try:
        path = Path(folder) / "big.json"
        network = make_network(sizes)
        save_network(network, path)
        print(
            f"network [{sizes[0]}, {sizes[1]} ×{len(sizes) - 2}, {sizes[-1]}]: "
            f"{network.parameter_count:,} parameters, file {path.stat().st_size / 1e6:.1f} MB"
        )
        del network
        cache = None if args.no_bytecode_cache else str(Path(folder) / "pycache")
        env = bytecode_cache.child_env(cache)
        argv = command(path)
        shown = " ".join(["backprop-visualizer", *argv[-4:-3], "big.json", *argv[-2:]])
        timed(argv, env)  # warm-up: the file in the page cache, the modules compiled

        walls, cpus = [], []
        parts: dict[str, list[list[float]]] = {}
        for _ in range(args.runs):
            wall, cpu, out, status = timed(argv, env)
            walls.append(wall)
            cpus.append(cpu)
            # The parts, in another process right after (turns: both see the same load).
            code = [sys.executable, "-c", PARTS, str(path)]
            _, _, split_out, _ = timed([*code, repr(time.time())], env)
            for name, value in json.loads(split_out.splitlines()[-1]).items():
                parts.setdefault(name, []).append(value)  # [wall, CPU]
        verdict = out.strip().splitlines()[-1] if out.strip() else "(no output)"
        print(f"command: {shown}  (exit {status}: {verdict[:60]})")
        print(f"bytecode cache: {'not kept' if cache is None else 'kept'}")
        median = statistics.median(walls)
        print(
            f"whole command, {args.runs} runs: wall median {median:.2f} s "
            f"(min {min(walls):.2f}, max {max(walls):.2f}), CPU median "
            f"{statistics.median(cpus):.2f} s; target ≤ {TARGET_S:.1f} s wall "
            f"({median / TARGET_S:.2f}× the target)"
        )
        print(f"  {'the parts (medians)':<26} {'wall':>8} {'CPU':>8}")
        for name, values in parts.items():
            wall_s = statistics.median(v[0] for v in values)
            cpu_s = statistics.median(v[1] for v in values)
            print(f"  {name:<26} {wall_s:6.3f} s {cpu_s:6.3f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
