"""Gradient snapshots: every value of one forward + backward pass, for other tools.

A snapshot holds, by name: `x` (= a⁰), `y`, `loss` (0-d), `dC_da` (∂C/∂aᴸ), `dx` (∇ₓC), and
for each layer l = 1..L: `W{l}`, `b{l}`, `z{l}`, `a{l}`, `delta{l}`, `dW{l}`, `db{l}`. For one
sample the per-sample values are vectors; for a batch they are (B, n) arrays with one row
per sample, and `loss`, `dW{l}`, `db{l}` are means over the batch (as in the Trace).

Three files, chosen by suffix: `.npz` (NumPy; version 2 adds the network's description
without weight values as UTF-8 bytes in `network`, and `snapshot_version`; version 1 files,
with the whole network file text in `network_json`, still open), `.json` (the network and
the arrays as nested lists) and `.csv` (one long table, arrays only). All three read back
bit for bit.

`snapshot_trace` is the pass a snapshot records (the CLI's `export` and the app's File →
Export both take it from here); `verify_snapshot` / `open_snapshot` check an opened
snapshot against a fresh pass of its own network, bit for bit, so a script can verify a
snapshot without Qt; `is_snapshot` tells a snapshot from a network file by its name and
its first bytes.
"""

from __future__ import annotations

import io
import math
import os
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from visualizer.engine import backprop
from visualizer.engine.backprop import Trace
from visualizer.engine.limits import MAX_FILE_BYTES
from visualizer.engine.network import Network, Sample
from visualizer.formats import jsontext as jt
from visualizer.formats.atomic import atomic_write, atomic_writer
from visualizer.formats.errors import FormatError
from visualizer.formats.files import read_bytes
from visualizer.formats.network_file import (
    SNAPSHOT_FORMAT,
    check_format,
    network_description,
    network_from_dict,
    network_to_dict,
)
from visualizer.formats.network_file import is_snapshot as is_snapshot  # still ours to export
from visualizer.notation import fmt_full, fmt_short

Array = np.ndarray

SUFFIXES = (".npz", ".json", ".csv")
VERSION = 1  # of the .json snapshot
NPZ_VERSION = 2  # of the .npz snapshot: 1 held the whole network file text, weights included
NETWORK_JSON = "network_json"  # version 1: the network file text (a 0-d unicode array)
# Version 2: the network's description without weight values (those are W{l}, b{l}) as
# UTF-8 bytes; 1 stored every weight a second time, as text in UTF-32 (6× the arrays).
NETWORK_DESCRIPTION = "network"
NPZ_VERSION_KEY = "snapshot_version"
CSV_HEADER = "array,i,j,value"
SAMPLE_NAMES = ("x", "y", "loss", "dC_da", "dx")
LAYER_NAMES = ("W", "b", "z", "a", "delta", "dW", "db")
# Recomputing a snapshot on another machine (another BLAS, NumPy or CPU) may round the
# last bits differently; anything further off than this was not computed from the file.
RECOMPUTE_TOLERANCE = 1e-9

_LAYER_NAME = re.compile(r"(W|b|z|a|delta|dW|db)([1-9][0-9]*)")


@dataclass(frozen=True, eq=False)
class Snapshot:
    """A snapshot read back: the arrays by name, and the network when the file holds it
    (npz and json do, csv does not)."""

    network: Network | None
    arrays: dict[str, Array]


def snapshot_arrays(network: Network, trace: Trace) -> dict[str, Array]:
    """Every value of `trace` (a pass of `network`) by snapshot name, as float64 arrays, in
    the order files list them: x, y, loss, dC_da, dx, then W, b, z, a, delta, dW, db of
    each layer 1..L. ValueError if the trace is not a pass of this network."""
    if trace.depth != network.depth or any(
        dw.shape != layer.weights.shape for dw, layer in zip(trace.dW, network.layers, strict=True)
    ):
        raise ValueError("snapshot: the trace does not come from this network (shapes differ)")
    arrays: dict[str, Array] = {
        "x": trace.x,
        "y": trace.y,
        "loss": np.array(trace.loss),
        "dC_da": trace.dC_da,
        "dx": trace.dx,
    }
    for l, layer in enumerate(network.layers, start=1):
        arrays[f"W{l}"] = layer.weights
        arrays[f"b{l}"] = layer.biases
        for name in LAYER_NAMES[2:]:  # z, a, delta, dW, db: named as the Trace names them
            arrays[f"{name}{l}"] = trace.value(name, l)
    return {name: np.asarray(arr, dtype=np.float64) for name, arr in arrays.items()}


def _suffix(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        supported = ", ".join(SUFFIXES)
        if not suffix:
            raise FormatError(f"no file suffix to choose the snapshot format by ({supported})")
        raise FormatError(f"unknown snapshot format {suffix!r} (supported: {supported})")
    return suffix


# -- writing -----------------------------------------------------------------------------
def snapshot_trace(network: Network, batch: bool = False) -> Trace:
    """The pass a snapshot of `network` records: its current sample, or with `batch` its
    whole dataset as one batch (ValueError if it has none)."""
    if not batch:
        return backprop.run(network)
    if network.dataset is None:
        raise ValueError("the network has no dataset to export as a batch")
    return backprop.run(network, network.dataset.x, network.dataset.y)


def write_snapshot(path: str | os.PathLike[str], network: Network, batch: bool = False) -> Trace:
    """Write the snapshot of one forward and backward pass of `network` (its current
    sample, or with `batch` its whole dataset) to `path`, atomically, as .npz, .json or
    .csv by suffix. Returns the trace written. FormatError for another suffix, ValueError
    for a batch without a dataset, OSError if the file cannot be written."""
    trace = snapshot_trace(network, batch)
    save_snapshot(path, network, trace)
    return trace


def save_snapshot(path: str | Path, network: Network, trace: Trace) -> None:
    """Write the snapshot of `trace` (a pass of `network`) to `path`, atomically, in the
    format its suffix names: .npz, .json or .csv (FormatError for any other). OSError if
    the file cannot be written; nothing half-written is ever left behind."""
    suffix = _suffix(path)
    arrays = snapshot_arrays(network, trace)
    if suffix == ".npz":
        _save_npz(path, network, arrays)
    elif suffix == ".json":
        atomic_write(path, snapshot_to_json(network, arrays))
    else:
        atomic_write(path, arrays_to_csv(arrays))


def _save_npz(path: str | Path, network: Network, arrays: Mapping[str, Array]) -> None:
    # Uncompressed: random float64 barely compresses, and zlib would cost ~30× the time.
    text = jt.dumps(network_description(network))
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in a name: only \u escapes carry it
        data = jt.dumps(network_description(network), ensure_ascii=True).encode("ascii")
    extra = {
        NETWORK_DESCRIPTION: np.frombuffer(data, dtype=np.uint8),
        NPZ_VERSION_KEY: np.array(NPZ_VERSION, dtype=np.int64),
    }
    with atomic_writer(path, "wb") as handle:
        np.savez(handle, **arrays, **extra)


def snapshot_to_json(network: Network, arrays: Mapping[str, Array]) -> str:
    """The .json snapshot text. Non-finite values (a diverged pass) are written as NaN /
    Infinity / -Infinity, which Python's and NumPy's readers accept."""
    doc = {
        "format": SNAPSHOT_FORMAT,
        "version": VERSION,
        "network": network_to_dict(network),
        # tolist() gives Python floats, which json writes with repr: exact round trip
        "arrays": {name: arr.tolist() for name, arr in arrays.items()},
    }
    return jt.dumps(doc, allow_nan=True)


def arrays_to_csv(arrays: Mapping[str, Array]) -> str:
    """The .csv snapshot text: header `array,i,j,value`, one row per entry, in row-major
    order; `j` is empty for vectors, `i` and `j` for the 0-d loss. Values are written with
    `repr`, so `float()` reads back the same float64."""
    lines = [CSV_HEADER]
    for name, arr in arrays.items():
        values = map(repr, arr.ravel().tolist())
        if arr.ndim == 0:
            lines.append(f"{name},,,{next(values)}")
        elif arr.ndim == 1:
            keys = [f"{name},{i},," for i in range(arr.shape[0])]
            lines.extend(map(str.__add__, keys, values))
        else:
            rows, cols = arr.shape
            # the "i,j," prefixes are built once per row and per column, then paired up
            js = [f"{j}," for j in range(cols)]
            keys = [f"{name},{i},{j}" for i in range(rows) for j in js]
            lines.extend(map(str.__add__, keys, values))
    lines.append("")
    return "\n".join(lines)


# -- reading -----------------------------------------------------------------------------
def load_snapshot(path: str | Path) -> Snapshot:
    """The snapshot in the file at `path` (format by suffix). FormatError if the file is
    missing, unreadable, or not a well-formed snapshot: unknown or missing arrays, shapes
    that do not fit together, a network that does not match its arrays."""
    suffix = _suffix(path)
    if suffix == ".npz":
        network, arrays = _load_npz(path)
        prefix = ""
    elif suffix == ".json":
        network, arrays = _load_json(path)
        prefix = "arrays."
    else:
        network, arrays = None, csv_to_arrays(jt.read_text(path))
        prefix = ""
    check_arrays(arrays, network, prefix)
    return Snapshot(network, arrays)


def _load_npz(path: str | Path) -> tuple[Network, dict[str, Array]]:
    data = read_bytes(path)  # a regular file under the size cap, or FormatError
    if data[:4] != b"PK\x03\x04":
        raise FormatError("not an .npz archive (it is not a ZIP file)")
    arrays: dict[str, Array] = {}
    try:
        _check_npz_members(io.BytesIO(data))
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            for name in npz.files:
                try:
                    arrays[name] = npz[name]
                except ValueError as exc:
                    raise FormatError(f"cannot be read without pickle ({exc})", name) from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        if isinstance(exc, FormatError):
            raise
        raise FormatError(f"not a readable .npz archive: {exc}") from None
    if NPZ_VERSION_KEY in arrays:
        return _npz_version_2(arrays)
    if NETWORK_JSON not in arrays:
        raise FormatError("missing (the network file text)", NETWORK_JSON)
    text = arrays.pop(NETWORK_JSON)
    if text.shape != () or text.dtype.kind != "U":
        raise FormatError(
            f"expected a 0-d unicode string, got {text.dtype} of shape {text.shape}", NETWORK_JSON
        )
    try:
        document = jt.parse(str(text[()]))
    except FormatError as exc:
        raise FormatError(exc.problem, NETWORK_JSON) from None
    return network_from_dict(document, path=NETWORK_JSON), arrays


def _check_npz_members(archive_bytes: io.BytesIO) -> None:
    """Before anything is inflated: every member's declared size, and the size its .npy
    header declares, must fit the app's limit — a zip bomb (a small file that unpacks to
    gigabytes) or a header declaring terabytes is refused without allocating them."""
    with zipfile.ZipFile(archive_bytes) as archive:
        total = 0
        for info in archive.infolist():
            name = info.filename.removesuffix(".npy")
            total += info.file_size
            if info.file_size > MAX_FILE_BYTES:
                raise FormatError(
                    f"unpacks to {info.file_size:,} bytes; the app reads at most "
                    f"{MAX_FILE_BYTES:,}",
                    name,
                )
            if total > MAX_FILE_BYTES:
                raise FormatError(
                    f"the archive unpacks to more than the {MAX_FILE_BYTES:,} bytes the app "
                    "reads"
                )
            with archive.open(info) as member:
                try:
                    version = np.lib.format.read_magic(member)
                    if version == (1, 0):
                        shape, _, dtype = np.lib.format.read_array_header_1_0(member)
                    elif version == (2, 0):
                        shape, _, dtype = np.lib.format.read_array_header_2_0(member)
                    else:
                        raise FormatError(f"unsupported .npy version {version}", name)
                except FormatError:
                    raise
                except ValueError as exc:
                    raise FormatError(f"not a .npy array: {exc}", name) from None
            declared = math.prod(shape) * dtype.itemsize
            if declared > info.file_size:
                raise FormatError(
                    f"its header declares shape {shape} ({declared:,} bytes) but the member "
                    f"holds {info.file_size:,}",
                    name,
                )


def _npz_version_2(arrays: dict[str, Array]) -> tuple[Network, dict[str, Array]]:
    version = arrays.pop(NPZ_VERSION_KEY)
    if version.shape != () or version.dtype.kind not in "iu" or int(version) != NPZ_VERSION:
        raise FormatError(
            f"{version.tolist()!r} is not supported (supported: 1, {NPZ_VERSION})", NPZ_VERSION_KEY
        )
    if NETWORK_DESCRIPTION not in arrays:
        raise FormatError("missing (the network's description)", NETWORK_DESCRIPTION)
    raw = arrays.pop(NETWORK_DESCRIPTION)
    if raw.ndim != 1 or raw.dtype != np.uint8:
        raise FormatError(
            f"expected UTF-8 bytes (uint8), got {raw.dtype} of shape {raw.shape}",
            NETWORK_DESCRIPTION,
        )
    try:
        document = jt.parse(raw.tobytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise FormatError("not UTF-8 text", NETWORK_DESCRIPTION) from None
    except FormatError as exc:
        raise FormatError(exc.problem, NETWORK_DESCRIPTION) from None
    layers = jt.expect_object(document, NETWORK_DESCRIPTION).get("layers")
    depth = len(layers) if isinstance(layers, list) else 0
    parameters = []
    for l in range(1, depth + 1):
        for name in (f"W{l}", f"b{l}"):
            if name not in arrays:
                raise FormatError("missing", name)
            if arrays[name].dtype != np.float64:
                raise FormatError(f"expected float64 numbers, got {arrays[name].dtype}", name)
        parameters.append((arrays[f"W{l}"], arrays[f"b{l}"]))
    network = network_from_dict(document, path=NETWORK_DESCRIPTION, parameters=parameters)
    return network, arrays


def _load_json(path: str | Path) -> tuple[Network, dict[str, Array]]:
    doc = jt.expect_object(jt.read_json_file(path), "")
    check_format(doc, "", SNAPSHOT_FORMAT)
    jt.check_keys(doc, "", ("format", "version", "network", "arrays"), ("network", "arrays"))
    network = network_from_dict(doc["network"], path="network")
    listed = jt.expect_object(doc["arrays"], "arrays")
    return network, {name: _json_array(value, f"arrays.{name}") for name, value in listed.items()}


def _json_array(value: object, path: str) -> Array:
    """A number (0-d), list of numbers (1-D) or list of equal rows (2-D) as float64;
    NaN/Infinity allowed, since a diverged pass is worth exporting too."""
    if not isinstance(value, list):
        return np.array(jt.number(value, path, finite=False))
    if value and isinstance(value[0], list):
        return jt.matrix(value, path, cols=len(value[0]), finite=False)
    return jt.numbers(value, path, finite=False)


def csv_to_arrays(text: str) -> dict[str, Array]:
    """The arrays of a .csv snapshot, shapes rebuilt from the indices (every entry of each
    array must appear exactly once); FormatError naming the line or array at fault."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != CSV_HEADER:
        got = jt.quoted(lines[0][:40]) if lines else "an empty file"
        raise FormatError(f"expected the header {jt.quoted(CSV_HEADER)}, got {got}", "line 1")
    columns: dict[str, tuple[list[str], list[str], list[str], int]] = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        fields = line.split(",")
        if len(fields) != 4:
            raise FormatError(
                f"expected 4 fields (array,i,j,value), got {len(fields)}", f"line {number}"
            )
        name, i, j, value = fields
        if name not in columns:
            columns[name] = ([], [], [], number)
        entry = columns[name]
        entry[0].append(i)
        entry[1].append(j)
        entry[2].append(value)
    return {name: _csv_array(name, *entry) for name, entry in columns.items()}


def _csv_array(
    name: str, i_col: list[str], j_col: list[str], values: list[str], line: int
) -> Array:
    try:
        flat = np.array(list(map(float, values)), dtype=np.float64)
    except ValueError:
        bad = next(v for v in values if not _is_float(v))
        raise FormatError(f"value {jt.quoted(bad)} is not a number", name) from None
    has_i = [bool(i) for i in i_col]
    has_j = [bool(j) for j in j_col]
    if not any(has_i) and not any(has_j):
        if len(flat) != 1:
            raise FormatError(f"a single value (no i, j) appears {len(flat)} times", name)
        return flat.reshape(())
    if not all(has_i) or any(has_j) != all(has_j):
        raise FormatError(
            f"rows mix different index columns (the first is on line {line}); each array "
            "uses i and j throughout, i only (vectors) or neither (the loss)",
            name,
        )
    rows = _indices(i_col, name, "i")
    if not all(has_j):
        return _place(flat, rows, len(flat), name, lambda k: f"entry {k}")
    cols = _indices(j_col, name, "j")
    n_rows, n_cols = int(rows.max()) + 1, int(cols.max()) + 1
    if n_rows * n_cols != len(flat):
        raise FormatError(
            f"{len(flat):,} entries do not fill a {n_rows} × {n_cols} matrix (an entry is missing)",
            name,
        )

    def label(k: int) -> str:
        return f"entry ({k // n_cols}, {k % n_cols})"

    placed = _place(flat, rows * n_cols + cols, n_rows * n_cols, name, label)
    return placed.reshape(n_rows, n_cols)


MAX_CSV_INDEX = MAX_FILE_BYTES  # no array of a readable file has more entries


def _indices(column: list[str], name: str, which: str) -> Array:
    # Plain digits only: int() would also take "0_0", "+1" and " 1", and an index of
    # 10²⁰ would overflow int64 (OverflowError, not a format error).
    for text in column:
        if not _is_int(text):
            shown = text if text[:1] == "-" and _is_int(text[1:]) else jt.quoted(text)
            raise FormatError(f"{which} = {shown} is not an index ≥ 0", name)
        if len(text) > 10 or int(text) > MAX_CSV_INDEX:
            raise FormatError(f"{which} = {text} is beyond any array the app reads", name)
    return np.array(list(map(int, column)), dtype=np.int64)


def _place(flat: Array, where: Array, size: int, name: str, label: Callable[[int], str]) -> Array:
    """`flat` put at positions `where` of a vector of `size`; every position exactly once."""
    if int(where.max()) >= size:
        raise FormatError(f"{label(int(where.max()))} lies outside the array", name)
    counts = np.bincount(where, minlength=size)
    if (counts != 1).any():
        k = int(np.flatnonzero(counts != 1)[0])
        problem = "appears twice" if counts[k] > 1 else "is missing"
        raise FormatError(f"{label(k)} {problem}", name)
    out = np.empty(size, dtype=np.float64)
    out[where] = flat
    return out


def _is_int(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# -- checking ----------------------------------------------------------------------------
def check_arrays(arrays: Mapping[str, Array], network: Network | None, prefix: str = "") -> None:
    """FormatError unless `arrays` is a complete, consistent snapshot (of `network`, when
    given): known names only, float64, layers 1..L all present, shapes that fit together.
    `prefix` is put before array names in messages ("arrays." in a .json snapshot)."""
    depth = 0
    for name, arr in arrays.items():
        match = _LAYER_NAME.fullmatch(name)
        if name not in SAMPLE_NAMES and not match:
            known = ", ".join([*SAMPLE_NAMES, *(f"{n}<l>" for n in LAYER_NAMES)])
            raise FormatError(f"unknown array (known: {known})", prefix + name)
        if arr.dtype != np.float64:
            raise FormatError(f"expected float64 numbers, got {arr.dtype}", prefix + name)
        if match:
            depth = max(depth, int(match.group(2)))
    for name in [*SAMPLE_NAMES, *(f"{n}{l}" for l in range(1, depth + 1) for n in LAYER_NAMES)]:
        if name not in arrays:
            raise FormatError("missing", prefix + name)
    if depth == 0:
        raise FormatError("no layer arrays: a snapshot has W1, b1, … for every layer")
    if network is not None and network.depth != depth:
        raise FormatError(f"the network has {network.depth} layers but the arrays have {depth}")
    _check_shapes(arrays, depth, network, prefix)


def _check_shapes(
    arrays: Mapping[str, Array], depth: int, network: Network | None, prefix: str
) -> None:
    x = arrays["x"]
    if x.ndim not in (1, 2):
        raise FormatError(f"expected a vector or (B, n) rows, got shape {x.shape}", prefix + "x")
    lead = x.shape[:-1]  # () for one sample, (B,) for a batch

    def expect(name: str, shape: tuple[int, ...]) -> None:
        if arrays[name].shape != shape:
            raise FormatError(f"expected shape {shape}, got {arrays[name].shape}", prefix + name)

    expect("loss", ())
    expect("dx", x.shape)
    n_prev = x.shape[-1]
    for l in range(1, depth + 1):
        w = arrays[f"W{l}"]
        if network is not None:
            expect(f"W{l}", network.layer(l).weights.shape)
        elif w.ndim != 2 or w.shape[1] != n_prev:
            raise FormatError(f"expected shape (n, {n_prev}), got {w.shape}", f"{prefix}W{l}")
        n = w.shape[0]
        expect(f"b{l}", (n,))
        expect(f"db{l}", (n,))
        expect(f"dW{l}", w.shape)
        for name in ("z", "a", "delta"):
            expect(f"{name}{l}", (*lead, n))
        n_prev = n
    expect("y", (*lead, n_prev))
    expect("dC_da", (*lead, n_prev))


# -- verifying ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class VerifiedSnapshot:
    """A snapshot whose values its own network reproduces. `network` is set up to show the
    exported pass (a one-sample snapshot's x and y become its sample; a batch snapshot's
    network is as it was, dataset and all); `trace` is the fresh pass over the snapshot's
    x and y; `worst` the largest difference from the stored values (0.0: bit for bit)."""

    network: Network
    trace: Trace
    worst: float

    @property
    def batch(self) -> bool:
        return self.trace.batched

    def note(self) -> str:
        """What opening the snapshot shows, and how exactly it was recomputed, for a person."""
        if self.batch:
            note = (
                f"Batch snapshot of {self.trace.x.shape[0]:,} samples (mean loss C = "
                f"{fmt_short(self.trace.loss, 4)}): the network is shown on its current "
                "sample; the batch values stay in the file."
            )
        else:
            note = "Snapshot of one sample: the values shown are the exported ones."
        if self.worst == 0.0:
            return note + " Recomputed here bit for bit."
        return note + (
            f" Recomputed here to within {fmt_full(self.worst)} (not bit for bit: the file "
            "was written by another machine or NumPy version)."
        )


def verify_snapshot(path: str | os.PathLike[str]) -> VerifiedSnapshot:
    """Read the snapshot at `path` and check it: the weights and biases in the arrays must
    be the network's, bit for bit, and a fresh pass must reproduce every stored value (bit
    for bit on the machine that wrote it; within rounding, RECOMPUTE_TOLERANCE of each
    array's scale, on another). FormatError, naming the array, for a CSV snapshot (it holds
    no network), a snapshot that does not match its network, or a malformed file."""
    if Path(path).suffix.lower() == ".csv":
        raise FormatError(
            "a CSV snapshot holds only the arrays, not the network: open the .npz or .json "
            "snapshot, or the network file"
        )
    snapshot = load_snapshot(path)
    network, arrays = snapshot.network, snapshot.arrays
    if network is None:  # load_snapshot gives one for .npz and .json
        raise FormatError("the snapshot holds no network")
    for l, layer in enumerate(network.layers, start=1):
        for name, own in ((f"W{l}", layer.weights), (f"b{l}", layer.biases)):
            if not _same_bits(arrays[name], own):
                raise FormatError(
                    "differs from the network stored in the same file; the snapshot was "
                    "edited by hand or put together from two passes",
                    name,
                )
    x, y = arrays["x"], arrays["y"]
    try:
        if x.ndim == 2:
            trace = backprop.run(network, x, y)
        else:
            network = network.replace(sample=Sample(x, y))
            trace = backprop.run(network)
    except ValueError as exc:
        raise FormatError(f"cannot recompute the pass: {exc}") from None
    worst = _compare(arrays, snapshot_arrays(network, trace))
    return VerifiedSnapshot(network, trace, worst)


def open_snapshot(path: str | os.PathLike[str]) -> tuple[Network, str]:
    """The network in the snapshot at `path`, checked by `verify_snapshot`, and a note for
    the user (`VerifiedSnapshot.note`)."""
    verified = verify_snapshot(path)
    return verified.network, verified.note()


def _same_bits(a: Array, b: Array) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.ascontiguousarray(a).tobytes() == (
        np.ascontiguousarray(b).tobytes()
    )


def _compare(stored: Mapping[str, Array], fresh: Mapping[str, Array]) -> float:
    """The largest difference between the stored and recomputed arrays (0.0: identical
    bit for bit); FormatError naming the first array that is off by more than rounding."""
    worst = 0.0
    for name, want in fresh.items():
        got = stored[name]
        if _same_bits(got, want):
            continue
        if got.shape != want.shape:
            raise FormatError(f"expected shape {want.shape}, got {got.shape}", name)
        # NaN and ±∞ (a diverged pass) must sit in the same places with the same values.
        odd = ~np.isfinite(got) | ~np.isfinite(want)
        same_odd = np.array_equal(got[odd], want[odd], equal_nan=True)
        finite = ~odd
        diff = float(np.max(np.abs(got[finite] - want[finite]), initial=0.0))
        scale = float(np.max(np.abs(want[finite]), initial=0.0))
        if not same_odd or diff > RECOMPUTE_TOLERANCE * max(scale, 1e-300):
            raise FormatError(
                "is not what the network in the file computes (largest difference "
                f"{fmt_full(diff)}); the snapshot was edited by hand or does not belong to "
                "its network",
                name,
            )
        worst = max(worst, diff)
    return worst
