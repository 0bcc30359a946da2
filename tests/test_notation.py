"""notation.py: super- and subscripts, number and vector formats, the markup renderer of
the equations, and parsing what a person (or the command line) types."""

from __future__ import annotations

import numpy as np
import pytest

from visualizer.notation import (
    ascii_formula,
    format_number,
    format_value,
    parse_number,
    render,
    sub,
    sup,
)

MINUS = "\u2212"


def test_eight_entries_are_shown_in_full():
    assert format_value(np.ones(8)) == "[" + ", ".join(["1"] * 8) + "]"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.012345678, "0.01235"),
        (-0.0456, f"{MINUS}0.0456"),
        (1234.5678, "1235"),
        (123456.0, "1.235e5"),
        (-1.5e-7, f"{MINUS}1.5e{MINUS}7"),
        (0.0, "0"),
        (-0.0, "0"),
        (np.inf, "∞"),
        (-np.inf, f"{MINUS}∞"),
        (np.nan, "NaN"),
    ],
)
def test_format_number_gives_4_significant_digits_and_a_true_minus(value, text):
    assert format_number(value) == text


def test_format_value_summarises_matrices_by_shape_and_shows_scalars_plainly():
    assert format_value(np.zeros((3, 2))) == "3×2 matrix"
    assert format_value(np.float64(0.69314718)) == "0.6931"


# -- super/subscripts and rendering ------------------------------------------------------
def test_sup_maps_digits_to_superscripts():
    assert sup(0) == "⁰"
    assert sup(1234567890) == "¹²³⁴⁵⁶⁷⁸⁹⁰"
    assert sup(16) == "¹⁶"
    assert sup(-1) == "⁻¹"
    assert sup("T") == "ᵀ"


def test_sub_maps_nabla_subscripts():
    assert sub("x") == "ₓ"
    assert sub("a") == "ₐ"
    assert sub(12) == "₁₂"


def test_scripts_without_a_unicode_form_raise():
    with pytest.raises(ValueError):
        sup("q")
    with pytest.raises(ValueError):
        sub("W")


def test_render_nests_scripts_and_escapes_html():
    text, rich = render("∇_{a^{12}}C < x^{T}")
    assert text == "∇_{a¹²}C < xᵀ"
    assert rich == "∇<sub>a<sup>12</sup></sub>C &lt; x<sup>T</sup>"


def test_render_escapes_every_character_as_html_escape_does():
    # notation.py escapes by itself (no `html` at start-up); the standard library is the
    # reference, for every printable ASCII character and a few others.
    import html

    plain = "".join(chr(k) for k in range(32, 127) if chr(k) not in "^_{}") + "δ∇−ᵀ\"'"
    assert render(plain) == (plain, html.escape(plain, quote=False))


@pytest.mark.parametrize("template", ["a^{2", "a}", "x_{a^{1}"])
def test_render_rejects_unbalanced_braces(template):
    with pytest.raises(ValueError):
        render(template)


def test_parse_number_reads_a_true_minus_and_refuses_what_is_not_a_finite_number():
    assert parse_number(f"{MINUS}2.5") == -2.5
    assert parse_number(" 1e-3 ") == 0.001
    with pytest.raises(ValueError, match="“abc” is not a number"):
        parse_number("abc")
    with pytest.raises(ValueError, match="“inf” is not a finite number"):
        parse_number("inf")


def test_ascii_parse_messages_are_for_a_terminal():
    with pytest.raises(ValueError, match=r"^'abc' is not a number$"):
        parse_number("abc", ascii=True)
    with pytest.raises(ValueError, match=r"^nan is not a finite number$"):
        parse_number("nan", ascii=True)


def test_ascii_numbers_are_plain_python_formatting():
    assert format_number(-1234567.0, 6, ascii=True) == "-1.23457e+06"
    assert format_number(0.1208042088, 10, ascii=True) == "0.1208042088"
    assert format_number(float("nan"), 6, ascii=True) == "nan"


def test_ascii_formula_writes_scripts_and_operators_for_a_terminal():
    assert ascii_formula("Σₗ nˡ · nˡ⁻¹ (⊙)") == "sum_l n_l * n_(l-1) (.)"
    assert ascii_formula("n⁰² · fˡ′") == "n_0^2 * f'(l)"
    assert ascii_formula("Σ…").isascii() is False  # only the symbols it knows are replaced


def test_ascii_formula_reads_widths_written_with_subscripts():
    assert ascii_formula("Σₗ (cₗ + nₗ·nₗ₋₁)") == "sum_l (c_l + n_l*n_(l-1))"
    assert ascii_formula("n₀ · (Σₗ cₗ + Σₗ₌₂..L nₗ·nₗ₋₁ + n_L)") == (
        "n_0 * (sum_l c_l + sum_l=2..L n_l*n_(l-1) + n_L)"
    )
