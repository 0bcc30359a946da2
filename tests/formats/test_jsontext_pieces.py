"""Reading JSON in pieces: the same document (or the same error) as one `json.loads`, but
never one C call over a whole matrix, so a big file read on the window's worker thread
gives the GIL back between rows and the window keeps answering key presses."""

from __future__ import annotations

import json
import math
import os
import random
import stat
import struct
from decimal import Decimal, getcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visualizer.engine.network import make_network
from visualizer.formats import jsontext as jt
from visualizer.formats.errors import FormatError
from visualizer.formats.network_file import network_from_dict, network_to_json


def canonical(value: object) -> object:
    """A parsed document in a form `==` can compare: objects with their duplicate keys,
    non-finite tokens by their text."""
    if isinstance(value, jt.JsonObject):
        items = [(k, canonical(v)) for k, v in value.items()]
        return ("object", items, value.duplicates)
    if isinstance(value, dict):
        raise AssertionError("a JSON object that is not a JsonObject")
    if isinstance(value, list):
        return ["list", *(canonical(v) for v in value)]
    if isinstance(value, jt.NonFinite):
        return ("token", value.token)
    return (type(value).__name__, value)


def whole(text: str) -> object:
    """What `parse` gave before it read in pieces: one json.loads, errors as FormatError."""
    try:
        return canonical(
            json.loads(text, object_pairs_hook=jt._object, parse_constant=jt.NonFinite)
        )
    except json.JSONDecodeError as exc:
        return ("error", f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
    except RecursionError:
        return ("error", "nested")
    except ValueError as exc:
        return ("error", str(exc).split(";")[0])


def pieces(text: str) -> object:
    try:
        return canonical(jt.parse(text))
    except FormatError as exc:
        message = str(exc)
        if "nested too deeply" in message:
            return ("error", "nested")
        return ("error", message.removeprefix("not readable JSON: "))


def test_a_network_file_is_scanned_one_row_at_a_time(monkeypatch):
    network = make_network([40, 300, 200, 3], name="rows")
    text = network_to_json(network)
    spans: list[int] = []
    scan, loads_row = jt._scan, jt._loads_row

    def recording(s: str, idx: int) -> tuple[object, int]:
        value, end = scan(s, idx)
        spans.append(end - idx)
        return value, end

    rows_by_orjson: list[int] = []

    def recording_row(piece: str) -> object:
        rows_by_orjson.append(len(piece))
        return loads_row(piece)

    monkeypatch.setattr(jt, "_scan", recording)
    monkeypatch.setattr(jt, "_loads_row", recording_row)
    document = jt.parse(text)
    longest_line = max(len(line) for line in text.splitlines())
    assert rows_by_orjson, "the rows were not read by orjson"
    # No single C call over more than one line (a matrix row): the GIL comes back between.
    assert max(spans + rows_by_orjson) <= longest_line
    assert len(rows_by_orjson) > 500  # every row on its own
    weights = [row for layer in document["layers"] for row in layer["weights"]]
    assert all(type(row) is jt.FloatRow for row in weights)  # their items' types known
    assert canonical(document) == whole(text)
    assert network_from_dict(document) == network


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=5)
    | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.sampled_from([None, 0, 2, "\t"]), st.booleans())
def test_any_json_text_reads_as_json_loads_reads_it(value, indent, compact):
    text = json.dumps(value, indent=indent, separators=(",", ":") if compact else None)
    assert pieces(text) == whole(text)


@settings(max_examples=500, deadline=None)
@given(
    JSON_VALUES,
    st.integers(0, 10_000),
    st.sampled_from(
        ["", ",", "]", "}", "[", "{", ":", '"', " ", "NaN", "-Infinity", "x", "\ufeff"]
    ),
    st.booleans(),
)
def test_broken_json_gives_the_same_error_or_value(value, where, piece, delete):
    text = json.dumps(value, indent=1)
    k = where % (len(text) + 1)
    broken = text[:k] + piece + text[k + delete :]
    assert pieces(broken) == whole(broken)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',
        '[NaN, Infinity, -Infinity]',
        '{"w": [[1, NaN], [2, 3]]}',
        '[[1, 2], [3, 4],]',
        '{"a": [[1], [2]] "b": 1}',
        '{"a": 1,}',
        "[[1]] x",
        " \n[[ ]]\t",
        "[{}, {}, []]",
        "[" * 100_000 + "]" * 100_000,
        "[[" + "1" * 5000 + "]]",
        '{"k": "\\ud800"}',
        '{"k\x01": 1}',
        "",
    ],
)
def test_edge_cases_read_as_json_loads_reads_them(text):
    assert pieces(text) == whole(text)


# -- the rest of reading a file, also in pieces ----------------------------------------
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.integers(1, 9), st.booleans())
def test_decoding_in_chunks_gives_the_text_of_one_decode(text, chunk, bom):
    raw = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogatepass")
    try:
        expected = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        expected = ("error", exc.start)
    old = jt.DECODE_CHUNK
    jt.DECODE_CHUNK = chunk  # multi-byte characters straddle the chunk borders
    try:
        got = jt._decode(raw)
    except UnicodeDecodeError as exc:
        got = ("error", exc.start)
    finally:
        jt.DECODE_CHUNK = old
    assert got == expected


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_ascii_and_other_text_over_a_chunk_decode_as_one_decode_does(bom, monkeypatch):
    monkeypatch.setattr(jt, "DECODE_CHUNK", 16)
    for text in ['{"a": [1.5, 2.5]}' * 5, '{"é": [1.5, "ü"]}' * 5]:
        raw = bom + text.encode()
        assert jt._decode(raw) == raw.decode("utf-8-sig") == text


def test_a_bad_byte_far_into_a_file_is_named_by_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr(jt, "DECODE_CHUNK", 16)
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"name":\n"' + b"a" * 100 + b'\n\xff"}')
    with pytest.raises(FormatError, match=r"not UTF-8 text: invalid byte 0xff on line 3"):
        jt.read_text(path)


def test_files_are_read_in_chunks_up_to_the_cap(tmp_path, monkeypatch):
    from visualizer.formats import files

    calls: list[int] = []
    real_open = files.os.fdopen

    def counting_fdopen(*args, **kwargs):
        handle = real_open(*args, **kwargs)
        read = handle.read

        class Handle:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                handle.close()

            def fileno(self):
                return handle.fileno()

            def read(self, n=-1):
                calls.append(n)
                return read(n)

        return Handle()

    monkeypatch.setattr(files.os, "fdopen", counting_fdopen)
    monkeypatch.setattr(files, "READ_CHUNK", 10)
    path = tmp_path / "f.json"
    data = bytes(range(256)) * 3
    path.write_bytes(data)
    assert files.read_bytes(path) == data
    # One read of the file's size + 1 (the + 1 finds the end): never a buffer of the cap.
    assert calls == [len(data) + 1]
    with pytest.raises(FormatError, match="largest file the app reads is 700 bytes"):
        files.read_bytes(path, limit=700)
    assert files.read_bytes(path, limit=768) == data

    # A file longer than fstat says (it grows while read; /proc files say 0 bytes): the
    # rest in chunks of READ_CHUNK, still up to the cap.
    real_fstat = files.os.fstat

    def fstat_saying_100(fd: int) -> os.stat_result:
        info = list(real_fstat(fd))
        info[stat.ST_SIZE] = 100
        return os.stat_result(info)

    monkeypatch.setattr(files.os, "fstat", fstat_saying_100)
    calls.clear()
    assert files.read_bytes(path) == data
    assert calls[0] == 101 and max(calls[1:]) == 10
    with pytest.raises(FormatError, match="largest file the app reads is 700 bytes"):
        files.read_bytes(path, limit=700)
    assert files.read_bytes(path, limit=768) == data


def test_dismantle_empties_every_container_and_load_network_uses_it(tmp_path, monkeypatch):
    document = jt.parse('{"a": [[1, 2], [3, {"b": [4]}]], "c": 5}')
    inner = document["a"]
    jt.dismantle(document)
    assert document == {} and inner == []
    jt.dismantle(3.0)  # a scalar document: nothing to do

    from visualizer.formats import network_file

    emptied: list[object] = []
    monkeypatch.setattr(jt, "dismantle", emptied.append)
    path = tmp_path / "n.json"
    network = make_network([2, 3, 1], name="n")
    path.write_text(network_to_json(network))
    assert network_file.load_network(path) == network
    assert len(emptied) == 1 and emptied[0]["name"] == "n"


# -- matrix rows read by orjson: json's floats, bit for bit -------------------------------
def bits(value: object) -> object:
    """A parsed value with every float as its 64 bits (so -0.0 ≠ 0.0 and no rounding hides)."""
    if isinstance(value, list):
        return [bits(v) for v in value]
    if isinstance(value, float):
        return ("float", struct.pack("<d", value))
    return canonical(value)


def counting_rows(monkeypatch) -> list[str]:
    """The pieces `_row` hands to orjson, recorded (so a test knows that path was taken)."""
    seen: list[str] = []
    loads_row = jt._loads_row

    def recording(piece: str) -> object:
        seen.append(piece)
        return loads_row(piece)

    monkeypatch.setattr(jt, "_loads_row", recording)
    return seen


FLOAT_TEXT = st.sampled_from(
    [repr, "{:.17e}".format, "{:.25E}".format, "{:.3e}".format, "{:.16g}".format]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=9),
             min_size=1, max_size=4),
    FLOAT_TEXT,
    st.sampled_from([", ", ",", " ,\t", "\n , \r\n"]),
)
def test_float_rows_read_as_json_loads_reads_them_bit_for_bit(rows, fmt, sep):
    text = "[" + sep.join("[" + sep.join(map(fmt, row)) + "]" for row in rows) + "]"
    assert bits(jt.parse(text)) == bits(json.loads(text))


def test_orjson_rounds_every_kind_of_decimal_as_float_does(monkeypatch):
    """Random doubles written every way, the decimal exactly halfway between two neighbours
    (and one unit either side, hundreds of digits long), denormals, the extremes."""
    rng = random.Random(14)
    getcontext().prec = 1200
    tokens = ["5e-324", "-5e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
              "1.7976931348623157e308", "-1.7976931348623157e308", "1e-400", "-0.0", "0.0",
              "9007199254740993.0", "1.00000000000000011102230246251565404236316680908203125",
              "123456789012345678901234567890.0"]
    for _ in range(4000):
        x = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if not math.isfinite(x):
            continue
        tokens += [repr(x), f"{x:.17e}", f"{x:.30e}", f"{x:.16e}"]
        y = math.nextafter(x, math.inf)
        if math.isfinite(y):
            half = (Decimal(x) + Decimal(y)) / 2
            style = "f" if 1e-20 < abs(x) < 1e20 else "e"  # all digits, point or exponent
            tokens += [f"{d:{style}}" for d in (half, half.next_plus(), half.next_minus())]
    # A token without a point goes to json's scanner (see _row): give each one.
    tokens = [t if "." in t else t.replace("e", ".0e", 1) for t in tokens]
    seen = counting_rows(monkeypatch)
    for start in range(0, len(tokens), 500):
        text = "[" + ", ".join(tokens[start : start + 500]) + "]"
        got = jt.parse(text)
        assert [struct.pack("<d", v) for v in got] == [
            struct.pack("<d", float(t)) for t in tokens[start : start + 500]
        ]
    assert len(seen) == math.ceil(len(tokens) / 500)  # every row went through orjson


@pytest.mark.parametrize(
    "text",
    [
        "[1.5, 123456789012345678901234, 2.5]",  # json: an int; orjson: a float
        "[123456789012345678901234.5, -9223372036854775809.0]",
        "[1.5, 18446744073709551616]",
        "[1.5, 1e400]", "[-1e400, 1.5]", "[1.0e400, 2.5]",  # json: inf; orjson refuses
        "[1.5, NaN]", "[Infinity]", "[1.5, -Infinity]",
        "[1.5, 1e-5]", "[1e5]", "[1.5, 2]", "[1.5, -0]", "[1.5, true, 2.5]", "[1.5, null]",
        '[1.5, "a.b"]', '["1.5"]', '[1.5, "]", 2.5]', '[1.5, {"a": 1.5, "a": 2.5}]',
        "[1.5, [2.5]]", "[1.5, [2.5], 3.5]", "[1.5,]", "[1.5 2.5]", "[01.5]", "[1.]",
        "[.5]", "[+1.5]", "[-.5]", "[1.5e]", "[1.5\f]", "[1.5\u00a0]", "[1.5,\v2.5]",
        "[[1.5, 2.5], [3.5, 4.5]]", "[[1.5, 2.5], [3.5, 4.5]", "[[1.5], 2.5]", "[]", "[ ]",
        "[[], [1.5]]", '{"w": [[1.5, 2.5], [1.5, 1e999]]}',
    ],
)
def test_rows_orjson_would_read_otherwise_read_as_json_loads_reads_them(text):
    assert pieces(text) == whole(text)
    if "{" in text:
        return  # objects: compared by `pieces` and `whole` above
    try:
        expected = bits(json.loads(text, parse_constant=jt.NonFinite))
    except ValueError:
        return
    assert bits(jt.parse(text)) == expected


def test_float_rows_build_the_same_arrays_as_plain_lists_and_are_dismantled():
    text = network_to_json(make_network([5, 4, 3], name="f"))
    document = jt.parse(text)
    plain_document = json.loads(text, object_pairs_hook=jt._object)
    layer, plain_layer = document["layers"][0], plain_document["layers"][0]
    assert type(layer["biases"]) is jt.FloatRow and type(plain_layer["biases"]) is list
    assert bits(jt.matrix(layer["weights"], "w", 5, 4).tolist()) == bits(
        jt.matrix(plain_layer["weights"], "w", 5, 4).tolist()
    )
    assert bits(jt.numbers(layer["biases"], "b", 4).tolist()) == bits(plain_layer["biases"])
    assert network_from_dict(document) == network_from_dict(plain_document)
    rows = list(layer["weights"])
    jt.dismantle(document)
    assert document == {} and all(row == [] for row in rows)  # each row emptied on its own
