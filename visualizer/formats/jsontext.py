"""Strict JSON in and readable JSON out, with every reading error naming its JSON path.

Python's `json` module is lenient in ways our files must not be: it keeps the last of two
duplicate keys, accepts `NaN` and `Infinity`, and `True` passes for the number 1. Here the
parser records duplicates and non-finite constants instead of deciding on the spot (it does
not know where in the document it is), and the checkers below, which walk the document
with its path, turn them into `FormatError("<path>: <problem>")`.

Paths are written as in JavaScript: `layers[0].weights[2][1]`, indices from 0. The document
itself is the empty path, shown as "top level".
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from visualizer.formats.errors import FormatError
from visualizer.formats.files import read_bytes

Array = np.ndarray
PathLike = str | Path


class JsonObject(dict):
    """A parsed JSON object that remembers the keys it saw more than once."""

    duplicates: tuple[str, ...] = ()


class NonFinite:
    """A `NaN`, `Infinity` or `-Infinity` token, kept to be reported (or allowed) later."""

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token

    @property
    def value(self) -> float:
        return float(self.token)  # float() reads all three tokens

    def __repr__(self) -> str:
        return self.token


def _object(pairs: list[tuple[str, Any]]) -> JsonObject:
    obj = JsonObject(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        dups: list[str] = []
        for key, _ in pairs:
            if key in seen and key not in dups:
                dups.append(key)
            seen.add(key)
        obj.duplicates = tuple(dups)
    return obj


# -- reading -----------------------------------------------------------------------------
_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_constant=NonFinite)
_SPACE = re.compile(r"[ \t\n\r]*")  # what json itself skips between tokens
_scan_once = _DECODER.scan_once


def _scan(text: str, idx: int) -> tuple[object, int]:
    """One value at `idx` by json's C scanner (StopIteration if none starts there)."""
    return _scan_once(text, idx)


_loads_row = orjson.loads


class FloatRow(list):
    """A list `_row` read with orjson: every item is known to be a float, so `matrix`,
    `numbers` and `dismantle` need not look at the type of each (3.7 M of them in a big
    network file). Otherwise an ordinary list, equal to the one json gives."""

    __slots__ = ()


def _row(text: str, idx: int) -> tuple[object, int]:
    """The list at `idx` whose first item is a plain value (a matrix row, usually): read by
    orjson, about four times faster than json's scanner, when it is certain to give what
    json gives; by `_scan` otherwise.

    orjson differs from json in a few places: it reads a whole number beyond 64 bits as a
    float (json: an int), refuses NaN, Infinity and numbers that overflow (json: NonFinite,
    inf), and keeps one of two duplicate keys silently. So it is trusted only with a piece
    that has no object and no string, ends at the first "]" (no nested list), and has as
    many "." as items: every item is then a number with a fraction, a float, and orjson's
    float is json's, bit for bit (both round correctly; tests/formats compare them)."""
    end = text.find("]", idx) + 1
    if end:
        piece = text[idx:end]
        if '"' not in piece and "{" not in piece:
            try:
                row = _loads_row(piece)
            except ValueError:  # not valid JSON, or NaN/Infinity/overflow: json decides
                row = None
            if row is not None and len(row) == piece.count("."):
                return FloatRow(row), end
    return _scan(text, idx)


class _Unusual(Exception):
    """Anything the piecewise reader is not sure of: `json.loads` decides instead."""


def _value(text: str, idx: int) -> tuple[object, int]:
    """The value at `idx` (no space before it) and where it ends. Objects and lists of
    containers are walked here, in Python; a list of plain values (a matrix row) or a
    plain value is one C call. Between two such calls the interpreter may switch threads,
    which it never does inside one: one `json.loads` of a 70 MB network held the GIL (and
    froze the window) for more than a second."""
    char = text[idx : idx + 1]
    if char == "{":
        return _object_at(text, idx)
    if char == "[":
        inner = _SPACE.match(text, idx + 1).end()
        if text[inner : inner + 1] in ("[", "{"):
            return _list_at(text, inner)
        return _row(text, idx)
    return _scan(text, idx)


def _object_at(text: str, idx: int) -> tuple[object, int]:
    pairs: list[tuple[str, object]] = []
    idx = _SPACE.match(text, idx + 1).end()
    if text[idx : idx + 1] == "}":
        return _object(pairs), idx + 1
    while True:
        if text[idx : idx + 1] != '"':
            raise _Unusual
        key, idx = json.decoder.scanstring(text, idx + 1, True)
        idx = _SPACE.match(text, idx).end()
        if text[idx : idx + 1] != ":":
            raise _Unusual
        value, idx = _value(text, _SPACE.match(text, idx + 1).end())
        pairs.append((key, value))
        idx = _SPACE.match(text, idx).end()
        char = text[idx : idx + 1]
        if char == "}":
            return _object(pairs), idx + 1
        if char != ",":
            raise _Unusual
        idx = _SPACE.match(text, idx + 1).end()


def _list_at(text: str, idx: int) -> tuple[list, int]:
    """The list whose first item starts at `idx` (a container: the caller looked)."""
    items: list[object] = []
    while True:
        value, idx = _value(text, idx)
        items.append(value)
        idx = _SPACE.match(text, idx).end()
        char = text[idx : idx + 1]
        if char == "]":
            return items, idx + 1
        if char != ",":
            raise _Unusual
        idx = _SPACE.match(text, idx + 1).end()


def _parse_in_pieces(text: str) -> object:
    """`json.loads(text, …)` for a valid document, read as `_value` says; _Unusual (or
    json's own exception) for anything else."""
    if text.startswith("\ufeff"):
        raise _Unusual  # json.loads has its own message for a byte-order mark
    value, idx = _value(text, _SPACE.match(text, 0).end())
    if _SPACE.match(text, idx).end() != len(text):
        raise _Unusual
    return value


def parse(text: str) -> object:
    """The JSON document in `text`; FormatError saying where the syntax breaks (line and
    column), or why the document cannot be read."""
    try:
        return _parse_in_pieces(text)
    except (_Unusual, StopIteration, ValueError, RecursionError):
        # Not valid, or unusual (deeply nested): one json.loads gives the usual value or
        # message, as it did before documents were read in pieces.
        pass
    try:
        return json.loads(text, object_pairs_hook=_object, parse_constant=NonFinite)
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise FormatError("not readable JSON: lists or objects nested too deeply") from None
    except ValueError as exc:  # an integer longer than Python's digit limit
        raise FormatError(f"not readable JSON: {str(exc).split(';')[0]}") from None


def read_text(path: PathLike) -> str:
    """The UTF-8 text of the file at `path` (a byte-order mark is dropped); FormatError if
    there is no such file, it cannot be read, or it is not UTF-8."""
    raw = read_bytes(path)  # a regular file under the size cap, or FormatError
    try:
        return _decode(raw)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problem = f"not UTF-8 text: invalid byte 0x{raw[exc.start]:02x} on line {line}"
        raise FormatError(problem) from None


DECODE_CHUNK = 1 << 20  # bytes decoded per call: the GIL comes back between calls


def _decode(raw: bytes) -> str:
    """raw.decode("utf-8-sig"), a chunk at a time: one call over a 70 MB file held the GIL
    for ~0.1 s (a frozen window while a worker thread opens it). An error is raised by
    decoding the whole again, so its offsets are the file's."""
    if len(raw) <= DECODE_CHUNK:
        return raw.decode("utf-8-sig")
    if raw.isascii():  # ~3 ms for 80 MB; no byte-order mark either (it is not ASCII)
        # One copy, as long as the join below holds the GIL for, but the text is built once
        # instead of twice (chunks, then the joined text): ~0.15 s less for an 80 MB file.
        return raw.decode("ascii")
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    view = memoryview(raw)
    try:
        parts = [
            decoder.decode(view[k : k + DECODE_CHUNK], k + DECODE_CHUNK >= len(raw))
            for k in range(0, len(raw), DECODE_CHUNK)
        ]
    except UnicodeDecodeError:
        return raw.decode("utf-8-sig")  # raises the same error, at the file's offset
    return "".join(parts)


_CONTAINERS = frozenset({list, dict, JsonObject, FloatRow})


def dismantle(document: object) -> None:
    """Empty the lists and objects of a parsed document one small container at a time.
    Dropping a big document at once frees millions of floats in one go (≈0.1 s with the
    GIL held for a 70 MB network file); this way the interpreter can switch threads
    between containers. `document` is unusable afterwards."""
    stack = [document] if isinstance(document, list | dict) else []
    while stack:
        item = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        # A row of plain numbers is not looked through, item by item, in Python; a FloatRow
        # holds floats only, so its items need no look at all.
        if type(item) is not FloatRow and not _CONTAINERS.isdisjoint(map(type, children)):
            stack.extend(c for c in children if isinstance(c, list | dict) and c)
        item.clear()  # a row of plain numbers goes in one short call


def read_json_file(path: PathLike) -> object:
    """The JSON document in the file at `path`, parsed as `parse` does."""
    text = read_text(path)
    if not text or text.isspace():  # what `not text.strip()` says, without copying the text
        raise FormatError("the file is empty")
    return parse(text)


# -- describing and locating -------------------------------------------------------------
def where(path: str) -> str:
    return path or "top level"


def key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def describe(value: object) -> str:
    """How a message names a JSON value: `a list`, `true`, `the string "abc"`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        text = repr(value)
        return f"the number {text if len(text) <= 24 else text[:21] + '…'}"
    if isinstance(value, NonFinite):
        return value.token
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "…"
        return f"the string {json.dumps(shown, ensure_ascii=False)}"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def quoted(name: str) -> str:
    """A key or name as JSON writes it, so messages match what the user sees in the file."""
    return json.dumps(name, ensure_ascii=False)


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


# -- checking objects --------------------------------------------------------------------
def expect_object(value: object, path: str) -> Mapping[str, Any]:
    """`value` if it is a JSON object without duplicate keys."""
    if not isinstance(value, Mapping):
        raise FormatError(f"expected a JSON object, got {describe(value)}", where(path))
    dups = getattr(value, "duplicates", ())
    if dups:
        raise FormatError(f"duplicate key {quoted(dups[0])}", where(path))
    return value


def check_keys(
    obj: Mapping[str, Any], path: str, allowed: Sequence[str], required: Iterable[str] = ()
) -> None:
    """FormatError for the first key of `obj` not in `allowed`, then for a missing one."""
    for key in obj:
        if key not in allowed:
            known = ", ".join(allowed)
            raise FormatError(f"unknown key {quoted(key)} (allowed: {known})", where(path))
    for key in required:
        if key not in obj:
            raise FormatError("missing (required)", key_path(path, key))


def string(value: object, path: str, what: str = "a string") -> str:
    if not isinstance(value, str):
        raise FormatError(f"expected {what}, got {describe(value)}", path)
    return value


def integer(value: object, path: str, minimum: int) -> int:
    """A JSON whole number ≥ `minimum`. `true` is not 1 here, and 3.0 is not 3."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise FormatError(f"expected a whole number, got {describe(value)}", path)
    if value < minimum:
        raise FormatError(f"must be ≥ {minimum}, got {value}", path)
    return value


def number(value: object, path: str, finite: bool = True) -> float:
    """A JSON number as a float; with `finite`, NaN and ±Infinity are errors."""
    if isinstance(value, NonFinite):
        if finite:
            raise FormatError(f"{value.token} is not allowed (numbers must be finite)", path)
        return value.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FormatError(f"expected a number, got {describe(value)}", path)
    try:
        result = float(value)
    except OverflowError:
        raise FormatError("whole number too large for a 64-bit float", path) from None
    if finite and not math.isfinite(result):
        if math.isnan(result):
            raise FormatError("NaN is not allowed (numbers must be finite)", path)
        # json reads a literal like 1e999 as inf without complaint
        raise FormatError("number too large for a 64-bit float (overflows to infinity)", path)
    return result


_NUMBER_TYPES = frozenset({float, int})


def _fast_array(values: list, types: set[type], finite: bool) -> Array | None:
    """`values` as float64 in one NumPy call when every entry is a plain number, else
    None (then the slow path finds and names the bad entry)."""
    if not types <= _NUMBER_TYPES:
        return None
    try:
        arr = np.array(values, dtype=np.float64)
    except (OverflowError, ValueError, TypeError):
        return None
    if finite and not np.isfinite(arr).all():
        return None
    return arr


def _fast_rows(rows: list, types: set[type], cols: int, finite: bool) -> Array | None:
    """`_fast_array` for a list of rows, converted row by row (the same values): a big
    file read on the window's worker thread gives the GIL back between rows instead of
    holding it for one NumPy call over millions of numbers."""
    if not types <= _NUMBER_TYPES:
        return None
    arr = np.empty((len(rows), cols), dtype=np.float64)
    try:
        for i, row in enumerate(rows):
            arr[i] = row
    except (OverflowError, ValueError, TypeError):
        return None
    if finite and not np.isfinite(arr).all():
        return None
    return arr


def numbers(value: object, path: str, length: int | None = None, finite: bool = True) -> Array:
    """A JSON list of numbers (of `length` of them, when given) as a float64 vector."""
    if not isinstance(value, list | tuple):
        want = "numbers" if length is None else plural(length, "number")
        raise FormatError(f"expected a list of {want}, got {describe(value)}", path)
    if length is not None and len(value) != length:
        raise FormatError(f"expected {plural(length, 'number')}, got {len(value):,}", path)
    types = {float} if type(value) is FloatRow else set(map(type, value))
    arr = _fast_array(value, types, finite)
    if arr is None:
        arr = np.array(
            [number(v, f"{path}[{i}]", finite) for i, v in enumerate(value)], dtype=np.float64
        )
    return arr.reshape(len(value))


def matrix(
    value: object, path: str, cols: int, rows: int | None = None, finite: bool = True
) -> Array:
    """A JSON list of rows, each a list of `cols` numbers (and `rows` rows, when given), as
    a float64 (rows, cols) array."""
    row = plural(cols, "number")
    if not isinstance(value, list | tuple):
        want = f"rows of {row}" if rows is None else f"{plural(rows, 'row')} of {row}"
        raise FormatError(f"expected a list of {want}, got {describe(value)}", path)
    if rows is not None and len(value) != rows:
        raise FormatError(
            f"expected {plural(rows, 'row')} of {row}, got {plural(len(value), 'row')}", path
        )
    types: set[type] = set()
    for i, item in enumerate(value):
        if not isinstance(item, list | tuple):
            raise FormatError(f"expected a row of {row}, got {describe(item)}", f"{path}[{i}]")
        if len(item) != cols:
            raise FormatError(f"expected {row}, got {len(item):,}", f"{path}[{i}]")
        if type(item) is not FloatRow:  # a FloatRow holds floats only
            types.update(map(type, item))
    arr = _fast_rows(value, types, cols, finite)
    if arr is None:
        arr = np.array(
            [
                [number(v, f"{path}[{i}][{j}]", finite) for j, v in enumerate(entries)]
                for i, entries in enumerate(value)
            ],
            dtype=np.float64,
        )
    return arr.reshape(len(value), cols)


def plain(value: object, path: str) -> Any:
    """A parsed JSON value as plain dicts and lists, with duplicate keys and non-finite
    numbers anywhere inside reported as errors."""
    try:
        return _plain(value, path)
    except RecursionError:
        raise FormatError("nested too deeply", where(path)) from None


def _plain(value: object, path: str) -> Any:
    if isinstance(value, Mapping):
        obj = expect_object(value, path)
        return {k: _plain(v, key_path(path, k)) for k, v in obj.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, NonFinite):
        raise FormatError(f"{value.token} is not allowed (numbers must be finite)", path)
    if isinstance(value, float) and not math.isfinite(value):
        raise FormatError("number too large for a 64-bit float (overflows to infinity)", path)
    return value


# -- writing -----------------------------------------------------------------------------
_SCALAR_TYPES = frozenset({float, int, str, bool, type(None)})
INDENT = "  "


def dumps(value: object, allow_nan: bool = False, ensure_ascii: bool = False) -> str:
    """`value` as JSON text, laid out for reading: objects one key per line, a list of
    plain values on one line (so a matrix is one row per line). Floats are written with
    `repr`, which reads back as the same float64. FormatError (naming the path) for a
    value JSON cannot hold: NaN/infinity unless `allow_nan`, or a non-JSON type."""
    # one join at the end: building nested strings level by level would copy a large
    # matrix once per level of nesting
    return "".join(pieces(value, allow_nan, ensure_ascii))


def pieces(value: object, allow_nan: bool = False, ensure_ascii: bool = False) -> list[str]:
    """The text `dumps` returns, as the list of short strings it joins (a matrix row is
    one): a writer that writes them one by one never holds the GIL for one join and
    encode of a 70 MB text, so the window answers while a worker thread saves."""
    out: list[str] = []
    try:
        _emit(value, "", 0, out, allow_nan, ensure_ascii)
    except RecursionError:
        raise FormatError("nested too deeply to write") from None
    out.append("\n")
    return out


def _emit(
    value: object, path: str, level: int, out: list[str], allow_nan: bool, ensure_ascii: bool
) -> None:
    pad = "\n" + INDENT * (level + 1)
    if isinstance(value, Mapping):
        if not value:
            out.append("{}")
            return
        out.append("{")
        for n, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise FormatError(f"key {key!r} is not a string", where(path))
            out.append(("," if n else "") + pad + json.dumps(key, ensure_ascii=ensure_ascii) + ": ")
            _emit(item, key_path(path, key), level + 1, out, allow_nan, ensure_ascii)
        out.append("\n" + INDENT * level + "}")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
        elif set(map(type, value)) <= _SCALAR_TYPES:
            out.append(_scalar(value, path, allow_nan, ensure_ascii))
        else:
            out.append("[")
            for n, item in enumerate(value):
                out.append(("," if n else "") + pad)
                _emit(item, f"{path}[{n}]", level + 1, out, allow_nan, ensure_ascii)
            out.append("\n" + INDENT * level + "]")
    else:
        out.append(_scalar(value, path, allow_nan, ensure_ascii))


def _scalar(value: object, path: str, allow_nan: bool, ensure_ascii: bool) -> str:
    try:
        return json.dumps(value, allow_nan=allow_nan, ensure_ascii=ensure_ascii)
    except ValueError:
        raise FormatError("NaN or infinity cannot be written to JSON", where(path)) from None
    except TypeError:
        raise FormatError(f"{describe(value)} cannot be written to JSON", where(path)) from None
