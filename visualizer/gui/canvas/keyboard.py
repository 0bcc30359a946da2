"""The keyboard model of the canvas, as plain data (no Qt): where the keyboard cursor is
and where each key takes it.

The cursor is finer than the document's selection: a neuron's selection (layer l, i) is
shown in three columns — zˡᵢ, aˡᵢ and, for the output layer, yᵢ — and the arrows walk
those columns one by one (x, z¹, a¹, …, aᴸ, y); the operator row above (W¹, f¹, …, fᴸ,
C) is reached with ↑ from the top of a column. `selection()` says what the document
selects for a cursor; `cursor_for()` goes the other way, for a selection made with the
mouse or by another panel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

COLUMN_PARTS = ("a", "z", "y")  # a neuron column; a⁰ is x
OPERATOR_PARTS = ("W", "f", "C")
PARTS = (*COLUMN_PARTS, "edge", *OPERATOR_PARTS)
ARROWS = ("up", "down", "left", "right")


@dataclass(frozen=True)
class Cursor:
    """Where the keyboard is: `part` is a column ("a" layer 0..L, "z" 1..L, "y" L) with
    neuron `i`; an "edge" Wˡ[i, j]; or an operator node ("W" or "f" of layer l, "C")."""

    part: str
    layer: int
    i: int = -1
    j: int = -1

    @property
    def is_column(self) -> bool:
        return self.part in COLUMN_PARTS

    @property
    def is_operator(self) -> bool:
        return self.part in OPERATOR_PARTS

    def selection(self) -> tuple[str, int, int, int] | None:
        """(kind, layer, i, j) of the document selection this cursor stands for; None for
        the C node (the loss belongs to no layer)."""
        if self.is_column:
            return ("neuron", self.layer, self.i, -1)
        if self.part == "edge":
            return ("edge", self.layer, self.i, self.j)
        if self.part in ("W", "f"):
            return ("layer", self.layer, -1, -1)
        return None


def columns(depth: int) -> list[tuple[str, int]]:
    """The neuron columns left to right: x (a⁰), z¹, a¹, …, zᴸ, aᴸ, y."""
    out = [("a", 0)]
    for l in range(1, depth + 1):
        out += [("z", l), ("a", l)]
    out.append(("y", depth))
    return out


def operators(depth: int) -> list[tuple[str, int]]:
    """The operator row left to right: W¹, f¹, …, Wᴸ, fᴸ, C."""
    out = []
    for l in range(1, depth + 1):
        out += [("W", l), ("f", l)]
    out.append(("C", depth))
    return out


def fits(cursor: Cursor, sizes: Sequence[int]) -> bool:
    """Whether `cursor` points at something in a network of layer sizes `sizes`."""
    depth = len(sizes) - 1
    p, l = cursor.part, cursor.layer
    if p in COLUMN_PARTS:
        return (p, l) in columns(depth) and 0 <= cursor.i < sizes[l]
    if p == "edge":
        return 1 <= l <= depth and 0 <= cursor.i < sizes[l] and 0 <= cursor.j < sizes[l - 1]
    return (p, l) in operators(depth)


def cursor_for(kind: str, layer: int, i: int, j: int, part: str | None = None) -> Cursor:
    """The cursor for a document selection (kind "neuron", "edge" or "layer"); `part`
    names the column or operator it was picked in, when known."""
    if kind == "edge":
        return Cursor("edge", layer, i, j)
    if kind == "neuron":
        if part not in COLUMN_PARTS or (part == "z" and layer == 0):
            part = "a"
        return Cursor(part, layer, i)
    if layer == 0:  # the input "layer" has no operator node: its first neuron
        return Cursor("a", 0, 0)
    return Cursor(part if part in ("W", "f") else "W", layer)


def _clamp(k: int, n: int) -> int:
    return max(0, min(k, n - 1))


def move(cursor: Cursor | None, key: str, sizes: Sequence[int]) -> Cursor | None:
    """Where `key` takes the cursor. Keys: the arrows "up", "down", "left", "right";
    "next" / "previous" (`]` / `[`: a neuron's incoming weights); "back" (Esc). An edge's
    ↑/↓ change its weight instead, so they leave the cursor where it is."""
    depth = len(sizes) - 1
    if cursor is None:
        return Cursor("a", 0, 0) if key in ARROWS else None
    if key == "back":
        return Cursor("z", cursor.layer, cursor.i) if cursor.part == "edge" else None
    if key in ("next", "previous"):
        return _cycle(cursor, 1 if key == "next" else -1, sizes)
    if cursor.part == "edge":
        if key == "left":  # to the neuron at either end of the edge
            return Cursor("a", cursor.layer - 1, cursor.j)
        if key == "right":
            return Cursor("z", cursor.layer, cursor.i)
        return cursor
    if cursor.is_operator:
        return _move_operator(cursor, key, depth, sizes)
    cols = columns(depth)
    k = cols.index((cursor.part, cursor.layer))
    n = sizes[cursor.layer]
    if key in ("up", "down"):
        if key == "up" and cursor.i == 0:
            return _operator_above(cursor) or cursor
        return Cursor(cursor.part, cursor.layer, _clamp(cursor.i + (1 if key == "down" else -1), n))
    k = _clamp(k + (1 if key == "right" else -1), len(cols))
    part, layer = cols[k]
    return Cursor(part, layer, _clamp(cursor.i, sizes[layer]))


def _operator_above(cursor: Cursor) -> Cursor | None:
    """The operator node at the top of a column: zˡ sits under Wˡ, aˡ under fˡ, y under C."""
    if cursor.part == "z":
        return Cursor("W", cursor.layer)
    if cursor.part == "y":
        return Cursor("C", cursor.layer)
    if cursor.layer >= 1:
        return Cursor("f", cursor.layer)
    return None


def _move_operator(cursor: Cursor, key: str, depth: int, sizes: Sequence[int]) -> Cursor:
    if key == "down":
        part = {"W": "z", "f": "a", "C": "y"}[cursor.part]
        return Cursor(part, cursor.layer, 0)
    if key == "up":
        return cursor
    ops = operators(depth)
    k = _clamp(ops.index((cursor.part, cursor.layer)) + (1 if key == "right" else -1), len(ops))
    part, layer = ops[k]
    return Cursor(part, layer)


def _cycle(cursor: Cursor, step: int, sizes: Sequence[int]) -> Cursor:
    """`]` / `[`: from a neuron zˡᵢ or aˡᵢ (l ≥ 1) to its first / last incoming weight
    wˡᵢ,ⱼ; from a weight to the next / previous one into the same neuron (wrapping)."""
    if cursor.part == "edge":
        n_from = sizes[cursor.layer - 1]
        return Cursor("edge", cursor.layer, cursor.i, (cursor.j + step) % n_from)
    if cursor.part in ("a", "z") and cursor.layer >= 1:
        n_from = sizes[cursor.layer - 1]
        return Cursor("edge", cursor.layer, cursor.i, 0 if step > 0 else n_from - 1)
    return cursor
