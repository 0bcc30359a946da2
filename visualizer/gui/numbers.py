"""How numbers and layer indices read on screen: 3–4 significant digits and a true minus
sign on the canvas; full precision (repr) in the inspector and tooltips."""

from __future__ import annotations

_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
MINUS = "\u2212"


def sup(n: int | str) -> str:
    """Superscript digits: sup(2) == '²'."""
    return str(n).translate(_SUP)


def sub(n: int | str) -> str:
    return str(n).translate(_SUB)


def fmt_short(value: float, digits: int = 3) -> str:
    """A value for the canvas: `digits` significant digits, true minus sign."""
    v = float(value)
    if v == 0:
        return "0"
    text = f"{v:.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant}e{int(exp)}"
    return text.replace("-", MINUS)


def fmt_full(value: float) -> str:
    """Full precision (shortest repr that reads back exactly), true minus sign."""
    return repr(float(value)).replace("-", MINUS)
