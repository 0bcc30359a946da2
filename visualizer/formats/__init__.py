"""Reading and writing files, without Qt: the network file (JSON) and gradient snapshots
(.npz / .json / .csv). Every reader raises `FormatError` naming the JSON path (or line) of
the problem; every writer is atomic."""

from typing import Any

from visualizer.formats.atomic import atomic_write, atomic_writer
from visualizer.formats.errors import FormatError
from visualizer.formats.network_file import (
    load_network,
    network_from_dict,
    network_to_dict,
    network_to_json,
    save_network,
)

__all__ = [
    "FormatError",
    "Snapshot",
    "atomic_write",
    "atomic_writer",
    "load_network",
    "load_snapshot",
    "network_from_dict",
    "network_to_dict",
    "network_to_json",
    "save_network",
    "save_snapshot",
    "snapshot_arrays",
]

# The snapshot module (zip files, CSV) loads with its first use, not with the package: the
# app and most commands never write a snapshot.
_SNAPSHOT_NAMES = frozenset({"Snapshot", "load_snapshot", "save_snapshot", "snapshot_arrays"})


def __getattr__(name: str) -> Any:
    if name in _SNAPSHOT_NAMES:
        from visualizer.formats import snapshot

        return getattr(snapshot, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
