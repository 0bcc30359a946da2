"""The long run of the random edit/undo state machine (the test suite runs a few examples
of it): random edits with values from the whole float64 range, undos and redos on a
document with every view built, then undo everything and compare bit for bit. Prints how
many sequences ran, the wall time and the first failure (hypothesis stops there, after
shrinking it); numbers only, never pass/fail: exit status 0 unless the script itself
breaks. Runs offscreen unless QT_QPA_PLATFORM says otherwise.

    .venv/bin/python benchmarks/fuzz_document.py [--examples N] [--steps N]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="random sequences")
    parser.add_argument("--steps", type=int, default=30, help="steps per sequence")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    warnings.simplefilter("error", RuntimeWarning)  # as in the test suite

    from hypothesis import HealthCheck, settings
    from hypothesis.stateful import run_state_machine_as_test
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    spec = importlib.util.spec_from_file_location(
        "test_extreme_values", ROOT / "tests" / "gui" / "test_extreme_values.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    machine = module.DocumentMachine
    counts = {"sequences": 0, "steps": 0}
    original_init = machine.__init__

    def counting_init(self) -> None:
        original_init(self)
        counts["sequences"] += 1

    machine.__init__ = counting_init
    with tempfile.TemporaryDirectory() as folder:
        machine.folder = Path(folder)
        machine.redraw_every = 1
        start = time.perf_counter()
        failure = None
        try:
            run_state_machine_as_test(
                machine,
                settings=settings(
                    max_examples=args.examples,
                    stateful_step_count=args.steps,
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                ),
            )
        except Exception as exc:  # the report is the point: print it
            failure = exc
        seconds = time.perf_counter() - start
    del app
    print(f"random sequences run:   {counts['sequences']}")
    print(f"steps (max per seq.):   {args.steps}")
    print(f"wall time:              {seconds:.1f} s")
    print(f"failures:               {0 if failure is None else 1}")
    if failure is not None:
        print(f"first failure: {type(failure).__name__}: {failure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
