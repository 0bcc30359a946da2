"""How numbers and indices read on screen, in one place (no Qt): super- and subscripts,
significant digits with a true minus sign (U+2212), full precision, vectors as "[a, b, …]",
the small LaTeX-like markup the equations are written in (`render`: plain Unicode and rich
text), the display's notation and precision, and parsing what a person types (never
`eval`). The command line uses the same formats and parser with `ascii=True`."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

MINUS = "\u2212"
SIGNIFICANT_DIGITS = 4

SUPERSCRIPTS = dict(zip("0123456789-+=()TLlni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁼⁽⁾ᵀᴸˡⁿⁱ", strict=True))
SUBSCRIPTS = dict(zip("0123456789-+=()aeioxn", "₀₁₂₃₄₅₆₇₈₉₋₊₌₍₎ₐₑᵢₒₓₙ", strict=True))
# What rich text must not show raw, character by character: html.escape(c, quote=False),
# without importing `html`, whose entity tables are ~1.5 ms of the app's start-up.
RICH_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def sup(n: int | str) -> str:
    """`n` in Unicode superscript characters (`sup(12)` is "¹²"); ValueError if a
    character has no superscript form."""
    return _translate(str(n), SUPERSCRIPTS, "superscript")


def sub(n: int | str) -> str:
    """`n` in Unicode subscript characters (`sub("x")` is "ₓ"); ValueError if a character
    has no subscript form."""
    return _translate(str(n), SUBSCRIPTS, "subscript")


def _translate(s: str, table: dict[str, str], what: str) -> str:
    missing = [c for c in s if c not in table]
    if missing:
        raise ValueError(f"no Unicode {what} for {''.join(missing)!r}")
    return "".join(table[c] for c in s)


def format_number(v: float, digits: int | None = None, ascii: bool = False) -> str:
    """`v` to `digits` significant digits (default: the display's, see `set_display`) with
    a true minus sign (U+2212): "0.0123", "−4.567", "1.235e5", "0"; "∞", "−∞", "NaN" for
    non-finite values. `ascii` is for a terminal or a file another program reads: Python's
    own `g` format ("-1.23457e+06", "nan", "inf"), copy-pasteable."""
    if ascii:
        return f"{float(v):.{SIGNIFICANT_DIGITS if digits is None else digits}g}"
    if digits is None:
        digits = _display.digits
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "∞" if v > 0 else MINUS + "∞"
    if v == 0.0:
        return "0"  # no "−0": the sign of a zero means nothing to the reader
    s = f"{v:.{digits}g}"
    if "e" in s:
        mantissa, exponent = s.split("e")
        s = f"{mantissa}e{int(exponent)}"
    return s.replace("-", MINUS)


def fmt_short(value: float, digits: int | None = None) -> str:
    """A value for a view: the display's significant digits unless told otherwise."""
    return format_number(value, digits)


def fmt_full(value: float) -> str:
    """Full precision (the shortest repr that reads back exactly), true minus sign."""
    return repr(float(value)).replace("-", MINUS)


_ASCII_FORMULA = str.maketrans({"·": "*", "²": "^2", "Σ": "sum_", "ₗ": "l"})


def ascii_formula(text: str) -> str:
    """A formula in plain ASCII for a terminal (the command line): nₗ as n_l, · as *, ⊙ as
    (.), Σ as sum_."""
    for old, new in (
        ("Σₗ₌₂..L", "sum_l=2..L"), ("nₗ₋₁", "n_(l-1)"), ("nₗ", "n_l"), ("n₀", "n_0"),
        ("cₗ", "c_l"), ("nˡ⁻¹", "n_(l-1)"), ("nˡ", "n_l"), ("n⁰", "n_0"), ("nᴸ", "n_L"),
        ("cˡ", "c_l"), ("fˡ′", "f'(l)"), ("(⊙)", "(.)"), ("..ᴸ", "..L"),
    ):  # fmt: skip
        text = text.replace(old, new)
    return text.translate(_ASCII_FORMULA)


def parse_number(text: str, ascii: bool = False) -> float:
    """A finite float from user text, accepting a true minus sign; ValueError with a
    readable message otherwise (`ascii`: in plain quotes, for a terminal)."""
    cleaned = text.strip().replace(MINUS, "-")
    try:
        value = float(cleaned)
    except ValueError:
        shown = repr(text) if ascii else f"“{text}”"
        raise ValueError(f"{shown} is not a number") from None
    if not math.isfinite(value):
        what = text if ascii else f"“{text}”"
        raise ValueError(f"{what} is not a finite number")
    return value


def weight_name(l: int, i: int, j: int) -> str:
    """wˡᵢ,ⱼ for the 0-based W^l[i, j], counted from 1 as people do: w²₁,₃."""
    return f"w{sup(l)}{sub(i + 1)},{sub(j + 1)}"


def bias_name(l: int, i: int) -> str:
    """bˡᵢ for the 0-based b^l[i], counted from 1: b²₁."""
    return f"b{sup(l)}{sub(i + 1)}"


# -- the markup renderer and vectors, for the equations --------------------------------------
MAX_SHOWN = 8  # vectors longer than this are elided in the middle
ELIDE_HEAD = 3
ELIDE_TAIL = 2


@functools.lru_cache(maxsize=4096)
def render(template: str) -> tuple[str, str]:
    """(plain Unicode, rich text) renderings of a small LaTeX-like `template`.

    `^{…}` is a superscript and `_{…}` a subscript; they nest. In plain text a script is
    written with Unicode super/subscript characters when every character has one, else
    kept as `^(…)` / `_{…}` (so `∇_{a^{2}}C` reads "∇_{a²}C"). The rich text uses
    <sup>/<sub> and escapes everything else, so it is safe in a QLabel. Kept for the
    templates seen last: a timeline is built for every edit, and its equations (all but
    the numbers) are those of the edit before.
    """
    text, rich, end = _render(template, 0)
    if end != len(template):
        raise ValueError(f"unbalanced '}}' at {end} in {template!r}")
    return text, rich


def _render(s: str, i: int) -> tuple[str, str, int]:
    """Render s[i:] up to an unmatched '}' (or the end); return the index it stopped at."""
    text: list[str] = []
    rich: list[str] = []
    while i < len(s):
        c = s[i]
        if c == "}":
            break
        if c in "^_" and s.startswith("{", i + 1):
            start = i + 2
            inner_text, inner_rich, i = _render(s, start)
            if i >= len(s):
                raise ValueError(f"unclosed '{{' at {start - 1} in {s!r}")
            raw = s[start:i]
            i += 1  # past '}'
            table, tag = (SUPERSCRIPTS, "sup") if c == "^" else (SUBSCRIPTS, "sub")
            if raw and all(ch in table for ch in raw):
                text.append("".join(table[ch] for ch in raw))
            elif c == "^":
                text.append(f"^({inner_text})")
            else:
                text.append(f"_{{{inner_text}}}")
            rich.append(f"<{tag}>{inner_rich}</{tag}>")
            continue
        text.append(c)
        rich.append(RICH_ESCAPES.get(c, c))
        i += 1
    return "".join(text), "".join(rich), i


def format_value(values: np.ndarray) -> str:
    """A scalar as a number, a vector as "[a, b, c]" (elided in the middle as
    "[a, b, c, …, y, z]" when longer than 8), anything bigger as its shape, "3×2 matrix"."""
    arr = np.asarray(values)
    if arr.ndim == 0:
        return format_number(arr)
    if arr.ndim == 1:
        n = arr.shape[0]
        if n > MAX_SHOWN:
            parts = [format_number(v) for v in arr[:ELIDE_HEAD]]
            parts.append("…")
            parts += [format_number(v) for v in arr[n - ELIDE_TAIL :]]
        else:
            parts = [format_number(v) for v in arr]
        return "[" + ", ".join(parts) + "]"
    return format_shape(arr.shape)


def format_shape(shape: tuple[int, ...]) -> str:
    """How `format_value` writes anything bigger than a vector: "3×2 matrix"."""
    return "×".join(str(d) for d in shape) + " matrix"


MAX_MATRIX_SHOWN = 4  # a matrix with at most this many rows and columns shows its entries


def format_matrix(values: np.ndarray) -> str:
    """A small matrix (≤ 4 × 4) row by row, "[a, b; c, d]"; anything else as
    `format_value` writes it."""
    arr = np.asarray(values)
    if arr.ndim == 2 and max(arr.shape) <= MAX_MATRIX_SHOWN:
        rows = (", ".join(format_number(v) for v in row) for row in arr)
        return "[" + "; ".join(rows) + "]"
    return format_value(arr)


# -- the display: one notation and one precision for every view ---------------------------
NOTATIONS = {
    "seed": "The seed's (Wikipedia's): (fˡ)′ and ⊙",
    "jacobian": "Jacobians: J_fˡ",
}
DIGIT_CHOICES = (2, 3, 4, 5, 6)


@dataclass(frozen=True)
class Display:
    """How every view writes maths and numbers: `notation` "seed" writes an elementwise
    derivative as Wikipedia does, (fˡ)′, applied with ⊙; "jacobian" writes it as the
    matrix J_fˡ = diag(fˡ′(zˡ)). `digits` is the significant digits of a shown number."""

    notation: str = "seed"
    digits: int = SIGNIFICANT_DIGITS


_display = Display()


def display() -> Display:
    """The current display settings (the app sets them from its saved preferences)."""
    return _display


def set_display(notation: str | None = None, digits: int | None = None) -> Display:
    """Change the notation and/or the digits; ValueError for an unknown notation or digits
    outside 1..17. Views redraw when the app tells them to."""
    global _display
    notation = _display.notation if notation is None else notation
    digits = _display.digits if digits is None else int(digits)
    if notation not in NOTATIONS:
        raise ValueError(f"unknown notation {notation!r} (known: {', '.join(NOTATIONS)})")
    if not 1 <= digits <= 17:
        raise ValueError(f"significant digits must be 1..17, got {digits}")
    _display = Display(notation, digits)
    return _display


# Templates in the small LaTeX-like markup of `render` (`^{…}` superscript,
# `_{…}` subscript): render gives plain Unicode and rich text, so an index on a subscript
# is typeset as one (∇ with the subscript a², never "∇ₐ²").
def t_up(base: str, layer: int | str) -> str:
    return f"{base}^{{{layer}}}"


def t_grad(layer: int | str) -> str:
    """The gradient (a column) of C with respect to aˡ: ∇_{aˡ}C, or ∇ₓC for layer 0."""
    return "∇_{x}C" if layer == 0 else f"∇_{{{t_up('a', layer)}}}C"


def t_row(layer: int | str) -> str:
    """The derivative (a row) of C with respect to aˡ: ∂C/∂aˡ, or ∂C/∂x for layer 0."""
    return "∂C/∂x" if layer == 0 else f"∂C/∂{t_up('a', layer)}"


def _seed(elementwise: bool, notation: str | None) -> bool:
    return elementwise and (notation or _display.notation) == "seed"


def t_fprime(layer: int | str, elementwise: bool = True, notation: str | None = None) -> str:
    """fˡ′ as a factor of the derivative (row) form: (fˡ)′ in the seed's notation, J_fˡ in
    the Jacobian one; softmax's full Jacobian is J_fˡ in both (it keeps its matrix)."""
    if _seed(elementwise, notation):
        return f"({t_up('f', layer)})′"
    return f"J_{{{t_up('f', layer)}}}"


def t_fprime_t(layer: int | str, elementwise: bool = True, notation: str | None = None) -> str:
    """The same factor in the gradient (column) form: (fˡ)′ — its own transpose, as the
    seed writes it — or (J_fˡ)ᵀ."""
    if _seed(elementwise, notation):
        return t_fprime(layer, elementwise, notation)
    return f"({t_fprime(layer, elementwise, notation)})^{{T}}"


def t_fprime_applied(
    layer: int | str, elementwise: bool = True, notation: str | None = None
) -> str:
    """How the backward pass applies the factor to the incoming gradient: "(fˡ)′ ⊙" or
    "(J_fˡ)ᵀ"."""
    if _seed(elementwise, notation):
        return f"{t_fprime(layer, elementwise, notation)} ⊙"
    return t_fprime_t(layer, elementwise, notation)


def t_delta(
    layer: int | str,
    elementwise: bool = True,
    notation: str | None = None,
    incoming: str | None = None,
) -> str:
    """The right-hand side of δˡ: (fˡ)′(zˡ) ⊙ ∇_{aˡ}C, or (J_fˡ)ᵀ ∇_{aˡ}C; `incoming`
    replaces ∇_{aˡ}C (e.g. "(Wˡ⁺¹)ᵀ δˡ⁺¹")."""
    g = incoming or t_grad(layer)
    if _seed(elementwise, notation):
        return f"{t_fprime(layer, elementwise, notation)}({t_up('z', layer)}) ⊙ {g}"
    return f"{t_fprime_t(layer, elementwise, notation)} {g}"


def t_recursion(notation: str | None = None) -> list[str]:
    """The δ recursion, written once: δᴸ, δˡ from δˡ⁺¹, and ∇ₓC."""
    return [
        f"δ^{{L}} = {t_delta('L', True, notation)}",
        f"δ^{{l}} = {t_delta('l', True, notation, incoming='(W^{l+1})^{T} δ^{l+1}')}",
        "∇_{x}C = (W^{1})^{T} δ^{1}",
    ]


MEETING_NOTE = (
    "For an elementwise f, J_{f^{l}} = diag(f^{l}′(z^{l})), so J_{f^{l}} v = "
    "f^{l}′(z^{l}) ⊙ v and (J_{f^{l}})^{T} = J_{f^{l}}: Wikipedia's (f^{l})′ is that "
    "diagonal matrix. Softmax's Jacobian is full (and symmetric), which is why it keeps "
    "its matrix."
)
