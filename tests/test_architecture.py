"""The house rules of `../shared/guide/architecture.md` that a test can check.

- Everything outside `visualizer.gui` (the engine, the file formats, the timeline, the
  notation, the command line), and the pure rules under the GUI (the canvas's layout,
  overlay state, playback plan and keyboard model), load no Qt and no pyqtgraph. They are
  imported in a fresh interpreter (this process may already hold Qt from the GUI tests);
  the modules are found by walking the package, so a module added later is covered
  without editing this test.
- No two modules import each other, however indirectly (function-level imports count).
- The README's "Development" section names every module, so its map stays the house.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "visualizer"
QT_TOP_LEVEL = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6", "PySide2")
# The GUI's own Qt-free modules: rules the canvas draws, testable without a widget.
QT_FREE_GUI = (
    "visualizer.gui.canvas.layout",
    "visualizer.gui.canvas.state",
    "visualizer.gui.canvas.playback",
    "visualizer.gui.canvas.keyboard",
    "visualizer.gui.canvas.describe",
)


def module_names() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


SCRIPT = f"""
import importlib, json, sys

names = json.loads(sys.argv[1])
for name in names:
    importlib.import_module(name)
qt = sorted(m for m in sys.modules if m.split(".")[0] in {QT_TOP_LEVEL!r})
print(json.dumps(qt))
"""


def test_everything_below_the_gui_loads_no_qt() -> None:
    names = sorted(
        n
        for n in module_names()
        if not n.startswith("visualizer.gui") and n != "visualizer.__main__"
    )
    # The walk really found the modules (an empty walk would pass vacuously).
    for name in (
        "visualizer.engine.backprop",
        "visualizer.engine.training",
        "visualizer.formats.network_file",
        "visualizer.formats.snapshot",
        "visualizer.timeline",
        "visualizer.notation",
        "visualizer.cli",
    ):
        assert name in names
    names += QT_FREE_GUI
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(names)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [], "Qt modules loaded"


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that `path` imports, anywhere in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:  # `from visualizer.gui import style` names a module
                full = f"{node.module}.{alias.name}"
                found.add(full if full in modules else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name in modules}


def import_cycles() -> list[list[str]]:
    """The strongly connected groups of more than one module in the import graph."""
    modules = module_names()
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:  # Tarjan's algorithm
        order[v] = low[v] = len(order)
        stack.append(v)
        for w in graph[v]:
            if w not in order:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], order[w])
        if low[v] == order[v]:
            group = stack[stack.index(v) :]
            del stack[stack.index(v) :]
            if len(group) > 1:
                cycles.append(sorted(group))

    for v in graph:
        if v not in order:
            visit(v)
    return cycles


def test_no_import_cycles() -> None:
    assert len(module_names()) > 40  # the walk found the package
    assert import_cycles() == []


def test_the_cycle_finder_finds_a_cycle(tmp_path, monkeypatch) -> None:
    # Guard against a finder that can never fail: a two-module cycle is reported.
    package = tmp_path / "visualizer"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from visualizer import b\n")
    (package / "b.py").write_text("import visualizer.a\n")
    (package / "c.py").write_text("from visualizer.a import f\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)
    assert import_cycles() == [["visualizer.a", "visualizer.b"]]


def test_the_readme_map_names_every_module() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    development = readme.split("\n## Development", 1)[1]
    files = sorted(path for path in PACKAGE.rglob("*.py") if path.name != "__init__.py")
    assert len(files) > 40
    missing = [str(p.relative_to(ROOT)) for p in files if p.name not in development]
    assert missing == [], "not in the README's Development section"
