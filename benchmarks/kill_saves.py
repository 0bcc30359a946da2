"""Kills during save: does a save that is SIGKILLed at a random moment ever tear the file,
and do the temp files of killed saves pile up?

    .venv/bin/python benchmarks/kill_saves.py [--kills 300] [--aim both] [--sizes 256,512,512,10]

Saves two networks of the given layer sizes (default ≈400,000 parameters, an ≈8.7 MB
file), A and B, once each to know their exact bytes; the target starts as A. Then, --kills
times, a real child process (`save_network`, the app's own atomic writer) saves A or B
(alternately) over the target and is SIGKILLed at a random moment: with --aim save between
0 and 1.25× the time a whole save takes, with --aim write between 0 and 1.25× the time the
writing of the temp file takes once it appears (most of a save is building the text, so
uniform kills seldom land mid-write), with --aim both (default) alternately; both times are
measured first (medians of 3 saves). After each kill the target must be, byte for
byte, A or B (both load); anything else is a torn file. Temp files (`.net.json.*.tmp`)
are counted after each kill, after all the kills, and after one more save that is not
killed. Prints the counts and bytes; numbers only, never pass/fail (exit 0).
The issue's original figure, before the clean-up of stale temp files: "300 kills left 204
hidden temp files (1.1 GB)".
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The child builds its network from a seed (the same bytes as the parent's copy), says
# "ready", then saves; the parent kills it some time after "ready".
CHILD = """
import sys, time
from visualizer.engine.network import InitSpec, make_network
from visualizer.formats.network_file import save_network
sizes = [int(s) for s in sys.argv[2].split(",")]
network = make_network(sizes, init=InitSpec(seed=int(sys.argv[3])))
print("ready", flush=True)
start = time.perf_counter()
save_network(network, sys.argv[1])
print(f"saved {time.perf_counter() - start:.6f}", flush=True)
"""


def temps(folder: Path, target: Path) -> list[Path]:
    return sorted(folder.glob(f".{target.name}.*.tmp"))


def size_of(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total


def start_child(target: Path, sizes: str, seed: int) -> subprocess.Popen:
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(CHILD), str(target), sizes, str(seed)],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    line = child.stdout.readline()
    if line != "ready\n":
        child.kill()
        child.wait()
        raise SystemExit(f"error: the saving child did not start: {line!r}")
    return child


def wait_for_new_temp(
    folder: Path, target: Path, before: set[Path], child: subprocess.Popen
) -> float:
    """Poll (every 0.2 ms) until the child's temp file appears or the child exits; when."""
    while not set(temps(folder, target)) - before and child.poll() is None:
        time.sleep(0.0002)
    return time.perf_counter()


def calibrate(folder: Path, target: Path, sizes: str, runs: int = 3) -> tuple[float, float]:
    """Median seconds of a whole save in a child, and of its writing (temp file → rename)."""
    saves, writes = [], []
    for _ in range(runs):
        child = start_child(target, sizes, 2)
        before = set(temps(folder, target))
        created = wait_for_new_temp(folder, target, before, child)
        while set(temps(folder, target)) - before and child.poll() is None:
            time.sleep(0.0002)
        writes.append(time.perf_counter() - created)
        saves.append(float(child.stdout.readline().split()[1]))
        child.wait()
        child.stdout.close()
    return statistics.median(saves), statistics.median(writes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=300, help="saves to kill (default 300)")
    parser.add_argument("--sizes", default="256,512,512,10", help="layer sizes of the network")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill moments")
    parser.add_argument(
        "--aim",
        choices=("save", "write", "both"),
        default="both",
        help="kill at a random moment of the whole save, of the writing of the temp file "
        "(most of a save is building the text), or alternately (default)",
    )
    parser.add_argument("--dir", default=None, help="folder for the target (default: a temp)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from visualizer.engine.network import InitSpec, make_network
    from visualizer.formats.network_file import load_network, save_network

    sizes = [int(s) for s in args.sizes.split(",")]
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="kill-saves-") as name:
        folder = Path(name)
        target = folder / "net.json"
        versions = {}
        for seed in (1, 2):  # A and B: their exact bytes, and that they load
            save_network(make_network(sizes, init=InitSpec(seed=seed)), target)
            versions[seed] = target.read_bytes()
            load_network(target)
        if versions[1] == versions[2]:
            raise SystemExit("error: A and B are the same bytes; pick other sizes")
        save_network(make_network(sizes, init=InitSpec(seed=1)), target)  # the target is A

        # How long one whole save takes in a child, and how long of it is spent writing
        # the temp file (from its creation to the rename): the windows the kills aim at.
        save_seconds, write_seconds = calibrate(folder, target, args.sizes)
        save_network(make_network(sizes, init=InitSpec(seed=1)), target)

        torn = mid_write = completed = most_temps = 0
        start = time.perf_counter()
        for i in range(args.kills):
            seed = 2 if i % 2 == 0 else 1
            before = set(temps(folder, target))
            child = start_child(target, args.sizes, seed)
            if args.aim == "write" or (args.aim == "both" and i % 2):
                # Wait for this save's temp file, then kill within the write window.
                wait_for_new_temp(folder, target, before, child)
                time.sleep(rng.uniform(0.0, 1.25 * write_seconds))
            else:
                time.sleep(rng.uniform(0.0, 1.25 * save_seconds))
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
            finished = "saved" in child.stdout.read()  # the save returned before the kill
            child.stdout.close()
            data = target.read_bytes()
            completed += finished
            # Torn: neither A nor B, or a save that returned but did not leave its bytes.
            if data not in (versions[1], versions[2]) or (finished and data != versions[seed]):
                torn += 1
            now = temps(folder, target)
            mid_write += bool(set(now) - before)
            most_temps = max(most_temps, len(now))
        kill_seconds = time.perf_counter() - start
        left = temps(folder, target)
        left_bytes = size_of(left)
        load_network(target)  # whatever it is now, it loads
        save_network(make_network(sizes, init=InitSpec(seed=1)), target)
        after = temps(folder, target)

    print(f"network:                          {args.sizes} ({len(versions[1]):,} bytes)")
    print(
        f"one whole save (child, median):   {save_seconds:.3f} s, "
        f"of which writing the temp file {write_seconds:.3f} s"
    )
    print(f"kills:                            {args.kills} ({kill_seconds:.0f} s, aim: {args.aim})")
    print(f"  landed while writing:           {mid_write}")
    print(f"  after the save had completed:   {completed}")
    print(f"torn files:                       {torn}")
    print(f"temp files, most after one kill:  {most_temps}")
    print(f"temp files left after the kills:  {len(left)} ({left_bytes:,} bytes)")
    print(f"temp files after the next save:   {len(after)} ({size_of(after):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
