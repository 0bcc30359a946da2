"""Reading and writing files, without Qt: the network file (JSON) and gradient snapshots
(.npz / .json / .csv). Every reader raises `FormatError` naming the JSON path (or line) of
the problem; every writer is atomic."""

from visualizer.formats.atomic import atomic_write, atomic_writer
from visualizer.formats.errors import FormatError
from visualizer.formats.network_file import (
    load_network,
    network_from_dict,
    network_to_dict,
    network_to_json,
    save_network,
)
from visualizer.formats.snapshot import Snapshot, load_snapshot, save_snapshot, snapshot_arrays

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
