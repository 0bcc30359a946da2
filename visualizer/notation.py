"""How numbers and indices read on screen, in one place (no Qt): super- and subscripts,
significant digits with a true minus sign (U+2212), full precision, and parsing what a
person types (never `eval`)."""

from __future__ import annotations

import math

MINUS = "\u2212"
SIGNIFICANT_DIGITS = 4

SUPERSCRIPTS = dict(zip("0123456789-+=()TLlni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁼⁽⁾ᵀᴸˡⁿⁱ", strict=True))
SUBSCRIPTS = dict(zip("0123456789-+=()aeioxn", "₀₁₂₃₄₅₆₇₈₉₋₊₌₍₎ₐₑᵢₒₓₙ", strict=True))


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


def format_number(v: float, digits: int = SIGNIFICANT_DIGITS) -> str:
    """`v` to `digits` (default 4) significant digits with a true minus sign (U+2212):
    "0.0123", "−4.567", "1.235e5", "0"; "∞", "−∞", "NaN" for non-finite values."""
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


def fmt_short(value: float, digits: int = 3) -> str:
    """A value for the canvas: 3 significant digits unless told otherwise."""
    return format_number(value, digits)


def fmt_full(value: float) -> str:
    """Full precision (the shortest repr that reads back exactly), true minus sign."""
    return repr(float(value)).replace("-", MINUS)


def parse_number(text: str) -> float:
    """A finite float from user text, accepting a true minus sign; ValueError with a
    readable message otherwise."""
    cleaned = text.strip().replace(MINUS, "-")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"“{text}” is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"“{text}” is not a finite number")
    return value


def weight_name(l: int, i: int, j: int) -> str:
    """wˡᵢ,ⱼ for the 0-based W^l[i, j], counted from 1 as people do: w²₁,₃."""
    return f"w{sup(l)}{sub(i + 1)},{sub(j + 1)}"


def bias_name(l: int, i: int) -> str:
    """bˡᵢ for the 0-based b^l[i], counted from 1: b²₁."""
    return f"b{sup(l)}{sub(i + 1)}"
