"""Crash recovery: while there are unsaved changes the network is written (atomically)
to a recovery file every few seconds; a clean exit or a save removes it, so a file found
at start-up means the last session did not end cleanly."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStandardPaths

from visualizer.engine.network import Network
from visualizer.formats.atomic import atomic_write
from visualizer.formats.network_file import network_from_dict, network_to_dict

FORMAT = "backprop-visualizer/recovery"


@dataclass(frozen=True)
class Recovered:
    network: Network
    original_path: Path | None
    saved_at: float  # seconds since the epoch


def recovery_path() -> Path:
    folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    return folder / "recovery.json"


def write_recovery(network: Network, original: Path | None, path: Path | None = None) -> None:
    path = path or recovery_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "format": FORMAT,
        "saved_at": time.time(),
        "original_path": str(original) if original else None,
        "network": network_to_dict(network),
    }
    atomic_write(path, json.dumps(data))


def read_recovery(path: Path | None = None) -> Recovered | None:
    """The recovered network, or None if there is none or it cannot be read (a broken
    recovery file is not worth an error dialog at start-up)."""
    path = path or recovery_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return None
        original = data.get("original_path")
        return Recovered(
            network_from_dict(data["network"]),
            Path(original) if original else None,
            float(data.get("saved_at", 0.0)),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def clear_recovery(path: Path | None = None) -> None:
    (path or recovery_path()).unlink(missing_ok=True)
