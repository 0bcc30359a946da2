"""The app's palette, in one place so the canvas, the panels, the player bar and the
exports agree: the phase accents, the light theme (colours and fonts) and the one diverging
colour map every value is drawn with.

Accents are chosen not to clash with the blue–white–red value map: a neutral dark for the
forward phase, violet for the loss, amber for the backward phase (never red against
green), and a lighter amber with a white halo for the selection. During playback what is
active takes the colour of its step's phase (`phase_accent`), the same on the scrubber,
the equation panel and the pulses.

The value map is CET-D1 (blue–white–red, colour-blind safe), stored here as its 256-entry
table (sampled once from pyqtgraph's CET-D1; a test checks the two agree), so the canvas
draws values without importing pyqtgraph. Values map symmetrically: −vmax → blue, 0 → the
light middle, +vmax → red; anything beyond ±vmax is clipped to the ends.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from PySide6.QtGui import QColor, QFont, QImage, QPalette

from visualizer.memo import identity_cache

# -- the phases of playback ----------------------------------------------------------------
# They differ in lightness as well as hue, so they stay apart for colour-blind eyes and in
# greyscale, and none of them is the red or blue end of the diverging value map.
PHASE_COLORS = {"forward": "#455a64", "loss": "#7e57c2", "backward": "#e39b12"}
PHASE_TEXT_COLORS = {"forward": "#ffffff", "loss": "#ffffff", "backward": "#2b1d00"}
NEUTRAL_COLOR = "#b0b7bc"  # before the first step: no phase yet
# A shape cue beside every colour: which way the phase flows.
PHASE_LABELS = {"forward": "forward ▶", "loss": "loss", "backward": "◀ backward"}

# -- the light theme (the default; `set_theme` switches) -----------------------------------
FONT_FAMILIES = ["Inter", "Segoe UI", "Helvetica Neue", "Noto Sans", "DejaVu Sans", "Arial"]

BACKGROUND = QColor("#f8fafc")
INK = QColor("#0f172a")  # titles, dark text
MUTED = QColor("#64748b")  # secondary text, outlines
FAINT = QColor("#cbd5e1")  # box borders, connectors
BOX_FILL = QColor("#ffffff")
BAND_FILL = QColor("#f1f5f9")
SHADOW = QColor(15, 23, 42, 22)
NEURON_OUTLINE = QColor("#475569")
EMPTY_FILL = QColor("#ffffff")
FORWARD_ACCENT = QColor("#1e293b")  # what is active at rest, outside playback
SELECTION = QColor("#f59e0b")  # amber: apart from both ends of the value map and the accents
SELECTION_HALO = QColor(255, 255, 255, 235)
BUTTON_FILL = QColor("#e2e8f0")
BUTTON_HOVER = QColor("#cbd5e1")
BUTTON_DISABLED = QColor("#94a3b8")

CONNECTOR = QColor("#94a3b8")  # the arrows from a column into its band and on to C
BUTTON_OFF_FILL = QColor("#f1f5f9")  # a − / + button that cannot be pressed now

DIM_OPACITY = 0.4
# Text on a value-coloured fill: dark on the light middle of the map in every theme (white
# on its dark ends, see `text_is_light`), whatever colour the theme's own ink is.
TEXT_ON_FILL = QColor("#0f172a")

# -- themes ----------------------------------------------------------------------------------
# The canvas colours of each theme. The value map is the same CET-D1 in both: its ends are
# saturated blue and red (apart for colour-blind eyes, and bright enough on a dark
# background), its middle nearly white, so a value near 0 reads as a pale disc on slate and
# its number stays dark on it. The phase accents are kept: they differ in lightness too.
THEMES: dict[str, dict[str, QColor]] = {
    "light": {
        "BACKGROUND": QColor("#f8fafc"),
        "INK": QColor("#0f172a"),
        "MUTED": QColor("#64748b"),
        "FAINT": QColor("#cbd5e1"),
        "BOX_FILL": QColor("#ffffff"),
        "BAND_FILL": QColor("#f1f5f9"),
        "SHADOW": QColor(15, 23, 42, 22),
        "NEURON_OUTLINE": QColor("#475569"),
        "EMPTY_FILL": QColor("#ffffff"),
        "FORWARD_ACCENT": QColor("#1e293b"),
        "SELECTION_HALO": QColor(255, 255, 255, 235),
        "BUTTON_FILL": QColor("#e2e8f0"),
        "BUTTON_HOVER": QColor("#cbd5e1"),
        "BUTTON_DISABLED": QColor("#94a3b8"),
    },
    "dark": {
        "BACKGROUND": QColor("#0f172a"),
        "INK": QColor("#f1f5f9"),
        "MUTED": QColor("#a3b1c4"),
        "FAINT": QColor("#475569"),
        "BOX_FILL": QColor("#1e293b"),
        "BAND_FILL": QColor("#1a2436"),
        "SHADOW": QColor(0, 0, 0, 60),
        "NEURON_OUTLINE": QColor("#94a3b8"),
        "EMPTY_FILL": QColor("#1e293b"),
        "FORWARD_ACCENT": QColor("#e2e8f0"),
        "SELECTION_HALO": QColor(15, 23, 42, 235),
        "BUTTON_FILL": QColor("#334155"),
        "BUTTON_HOVER": QColor("#475569"),
        "BUTTON_DISABLED": QColor("#64748b"),
    },
}
THEME_CHOICES = ("light", "dark", "system")
theme = "light"  # the theme in use (never "system": that is resolved to one of the two)


def resolve_theme(choice: str, system_dark: bool) -> str:
    """ "light" or "dark" for a View → Theme `choice`; "system" follows `system_dark`."""
    if choice not in THEME_CHOICES:
        raise ValueError(f"unknown theme {choice!r} (known: {', '.join(THEME_CHOICES)})")
    if choice == "system":
        return "dark" if system_dark else "light"
    return choice


def set_theme(name: str) -> None:
    """Make `name` ("light" or "dark") the canvas's colours: every `style.X` read after
    this gets the theme's X (views redraw themselves; see MainWindow.set_theme)."""
    global theme
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}")
    globals().update({key: QColor(c) for key, c in THEMES[name].items()})
    theme = name
    phase_accent.cache_clear()


def palette(name: str) -> QPalette:
    """The widgets' palette for theme `name` (Qt's Fusion colours; dark: slate)."""
    pal = QPalette()
    if name == "light":
        return pal
    colours = THEMES["dark"]
    role = QPalette.ColorRole
    for r, c in (
        (role.Window, QColor("#1e293b")),
        (role.WindowText, colours["INK"]),
        (role.Base, QColor("#0f172a")),
        (role.AlternateBase, QColor("#1a2436")),
        (role.ToolTipBase, QColor("#1e293b")),
        (role.ToolTipText, colours["INK"]),
        (role.Text, colours["INK"]),
        (role.Button, QColor("#334155")),
        (role.ButtonText, colours["INK"]),
        (role.BrightText, QColor("#fca5a5")),
        (role.Highlight, QColor("#7c3aed")),
        (role.HighlightedText, QColor("#ffffff")),
        (role.Link, QColor("#93c5fd")),
        (role.PlaceholderText, colours["MUTED"]),
        (role.Mid, QColor("#475569")),
        (role.Dark, QColor("#0b1220")),
        (role.Light, QColor("#475569")),
    ):
        pal.setColor(r, c)
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(disabled, r, colours["BUTTON_DISABLED"])
    return pal

# -- the panels ------------------------------------------------------------------------------
# Hex strings: they also go into style sheets and rich text.
PANEL_INK = "#263238"  # the chain view's text, the training panel's curves
PANEL_MUTED = "#78909c"  # the chain view's operators and notes
PANEL_NOTE = "#546e7a"  # notes under the training panel's controls
FADED_CURVE = "#90a4ae"  # the thin, noisy mini-batch loss under the whole-data-set one
EMPTY_CELL = "#b0bec5"  # a vector of the chain not computed yet
WARNING_TEXT, MESSAGE_TEXT = "#b26a00", "#37474f"
# The check's verdicts, text on fill; the panel never says it by colour alone (✔ / ✖).
PASS_COLOR, PASS_FILL = "#00695c", "#e0f2f1"  # dark teal on pale teal
FAIL_COLOR, FAIL_FILL = "#b34700", "#fdebd9"  # dark vermilion on pale orange
STALE_COLOR, STALE_FILL = "#475569", "#e2e8f0"
IDLE_COLOR, IDLE_FILL = "#334155", "#f1f5f9"


@functools.cache
def phase_accent(phase: str | None) -> QColor:
    """The accent of a playback phase ("forward", "loss", "backward"); at rest (None)
    the forward accent."""
    if phase is None or phase not in PHASE_COLORS:
        return FORWARD_ACCENT
    return QColor(PHASE_COLORS[phase])


@functools.cache
def font(pixel_size: int, bold: bool = False, italic: bool = False) -> QFont:
    """A sans font at `pixel_size` scene pixels (pixels, not points, so the canvas looks
    the same on every screen and in every export)."""
    f = QFont()
    f.setFamilies(FONT_FAMILIES)
    f.setPixelSize(pixel_size)
    f.setBold(bold)
    f.setItalic(italic)
    f.setStyleHint(QFont.StyleHint.SansSerif)
    return f


# -- the diverging value map (CET-D1) ------------------------------------------------------
COLORMAP = "CET-D1"
LUT_SIZE = 256
# pyqtgraph's CET-D1 sampled at 256 points, as RGB bytes: 32 colours a line.
_CET_D1_HEX = (
    "2151db2552db2a53db2e54dc3155dc3556dc3857dc3b58dc3e5add415bdd435cdd465ddd485ede4b5fde4d60de5061de"
    "5262de5464df5665df5866df5a67df5c68df5e6ae0606be0626ce0646de0666ee0686fe16970e16b72e16d73e16f74e1"
    "7075e27276e27478e27579e2777ae2797be37a7ce37c7de37d7fe37f80e38181e38282e48484e48585e48786e48887e4"
    "8a88e58b8ae58d8be58e8ce5908ee6918fe69290e69491e69592e69794e69895e79a96e79b97e79c98e79e9ae79f9be7"
    "a09ce8a29ee8a39fe8a4a0e8a6a1e8a7a3e8a8a4e9aaa5e9aba7e9aca8e9aea9e9afaae9b0aceab2adeab3aeeab4afea"
    "b6b1eab7b2eab8b3ebb9b5ebbbb6ebbcb7ebbdb8ebbebaebc0bbebc1bcecc2bdecc3bfecc5c0ecc6c2ecc7c3ecc8c4ec"
    "cac5edcbc7edccc8edcdc9edcfcbedd0ccedd1cdedd2cfeed3d0eed5d1eed6d3eed7d4eed8d5eedad6eedbd8eedcd9ee"
    "dddbefdedcefe0ddefe1deefe2dfefe3e1efe4e2efe5e3efe6e4eee8e5eee9e6eeeae6edeae7edebe7ecece7ebede7ea"
    "eee7e9eee7e8efe7e7efe6e6f0e5e4f0e4e2f1e3e1f1e2dff1e1def1e0dcf1dedaf1ddd8f2dcd6f2dad4f2d8d2f2d7d0"
    "f2d5cff2d4cdf2d2caf2d1c9f2cfc7f1cec5f1ccc3f1cac1f1c9bff1c7bdf1c6bbf1c4b9f1c3b7f1c1b6f1c0b4f0beb2"
    "f0bdb0f0bbaef0b9acf0b8aaf0b6a8efb5a7efb3a4efb2a3efb0a1eeaf9feead9deeac9beeaa99eda897eda796eda594"
    "eda492eca290eca18eec9f8deb9e8beb9c89eb9a87ea9985ea9783ea9682e99480e9937ee9917ce88f7ae88e79e78c77"
    "e78b75e78973e68771e68670e5846ee5836ce4816ae48069e37e67e37c65e27b63e27962e17860e1765ee0745ce0735b"
    "df7159df6f57de6e55de6c54dd6b52dd6950dc674fdb654ddb644bda6249da6048d95f46d85d44d85b43d75a41d7583f"
    "d6563dd5543cd5523ad45139d34f37d34d35d24b34d14932d14730d0452ecf442dcf422bce3f29cd3d28cd3b26cc3924"
    "cb3722ca3521ca321fc9301dc82e1cc82b1ac72918c62616c52314c52012c41c10c3180ec2140cc2100ac10908c00206"
)


# Round ranges up to these mantissas: colours then stay put while a value moves inside a
# step, instead of every edit shifting the whole picture a little.
_NICE = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


@functools.cache
def lut() -> np.ndarray:
    """(256, 3) uint8 RGB table of the diverging map; entry 0 is −vmax, 255 is +vmax."""
    table = np.frombuffer(bytes.fromhex(_CET_D1_HEX), dtype=np.uint8).reshape(LUT_SIZE, 3)
    table.setflags(write=False)
    return table


@functools.cache
def lut_argb() -> np.ndarray:
    """The same table as opaque ARGB32 words (QImage.Format_ARGB32 pixel values)."""
    rgb = lut().astype(np.uint32)
    words = np.uint32(0xFF000000) | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
    words.setflags(write=False)
    return words


@functools.cache
def lut_qcolors() -> tuple[QColor, ...]:
    return tuple(_lut_qcolor(k) for k in range(LUT_SIZE))


@functools.cache
def _lut_qcolor(index: int) -> QColor:
    """One entry of the map as a QColor, made when first asked for: the canvas's first
    paint needs a few dozen, not all 256."""
    r, g, b = lut()[index]
    return QColor(int(r), int(g), int(b))


def nice_range(max_abs: float) -> float:
    """The smallest "nice" number (1, 1.5, 2, 3, 4, 5, 6, 8 × 10ᵏ) ≥ `max_abs`; 1 for 0 or
    non-finite input, so an all-zero layer still has a usable scale."""
    m = float(max_abs)
    if not math.isfinite(m) or m <= 0:
        return 1.0
    exponent = math.floor(math.log10(m))
    base = 10.0**exponent
    for mantissa in _NICE:
        # A relative tolerance keeps 0.3 from being rounded up to 0.4 by float noise.
        if mantissa * base >= m * (1 - 1e-12):
            nice = mantissa * base
            # Near the float limit the nice number overflows: the value itself is the scale.
            return nice if math.isfinite(nice) else m
    return m  # unreachable: 10 × 10ᵏ > m by construction


def lut_index(values: np.ndarray | float, vmax: float) -> np.ndarray:
    """LUT entries (int, 0..255) for `values` on the symmetric range ±`vmax`."""
    v = np.asarray(values, dtype=np.float64)
    half = LUT_SIZE // 2  # entries half−1 and half straddle 0
    if not vmax > 0:  # also NaN
        return np.full(v.shape, half, dtype=np.intp)
    # Mirror-symmetric bins: v and −v land on entries k and 255 − k (0 itself on `half`),
    # so equal magnitudes of either sign always get equally strong colours.
    # |v| / vmax, not |v| · (half / vmax): half / vmax overflows for a denormal vmax. The
    # ratio is clipped before it is scaled, so any float (±max, denormals) gives 0..half−1.
    with np.errstate(all="ignore"):
        u = np.nan_to_num(np.abs(v) / vmax, nan=0.0, posinf=1.0)
    k = np.minimum(np.floor(np.minimum(u, 1.0) * half), half - 1).astype(np.intp)
    negative = np.signbit(v) & (v != 0)
    return half + k - negative * (2 * k + 1)


def rgb(values: np.ndarray | float, vmax: float) -> np.ndarray:
    """(…, 3) uint8 colours of `values`."""
    return lut()[lut_index(values, vmax)]


def qcolor(value: float, vmax: float) -> QColor:
    return _lut_qcolor(int(lut_index(value, vmax)))


def relative_luminance(colours: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of (…, 3) uint8 sRGB colours."""
    c = np.asarray(colours, dtype=np.float64)[..., :3] / 255.0
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return c @ np.array([0.2126, 0.7152, 0.0722])


def text_is_light(values: np.ndarray, vmax: float) -> np.ndarray:
    """Per value: True where white text on its fill has more contrast than the dark
    TEXT_ON_FILL (WCAG contrast ratios; at worst about 4.2 : 1, in the map's mid-tones)."""
    fill = relative_luminance(rgb(values, vmax))
    dark = float(relative_luminance(np.array([TEXT_ON_FILL.getRgb()[:3]])[0]))
    return 1.05 / (fill + 0.05) > (fill + 0.05) / (dark + 0.05)


def thinned(values: np.ndarray, max_side: int) -> np.ndarray:
    """`values` (2-D) with at most `max_side` rows and columns, by picking evenly spaced
    ones (nearest neighbour: a heatmap keeps its texture instead of averaging to grey)."""
    rows, cols = values.shape
    if rows > max_side:
        values = values[thinned_indices(rows, max_side)]
    if cols > max_side:
        values = values[:, thinned_indices(cols, max_side)]
    return values


def thinned_indices(n: int, max_side: int) -> np.ndarray:
    """The rows (or columns) of n that `thinned` keeps, in order: all of them, or
    `max_side` evenly spaced ones."""
    if n <= max_side:
        return np.arange(n)
    return np.linspace(0, n - 1, max_side).round().astype(np.intp)


def _words(values: np.ndarray, vmax: float, max_side: int | None) -> np.ndarray:
    v = np.atleast_2d(np.asarray(values, dtype=np.float64))
    if max_side is not None:
        v = thinned(v, max_side)
    pixels = np.ascontiguousarray(lut_argb()[lut_index(v, vmax)])
    pixels.setflags(write=False)
    return pixels


# Above this many entries the pixels of a matrix are kept (see `image_words`).
KEEP_PIXELS = 65_536


@identity_cache(8)
def _kept_words(values: np.ndarray, vmax: float, max_side: int | None) -> np.ndarray:
    return _words(values, vmax, max_side)


def image_words(values: np.ndarray, vmax: float, max_side: int | None = None) -> np.ndarray:
    """The ARGB32 pixels `image` shows (read-only, 2-D). Plain NumPy, no Qt: a worker
    thread may compute them ahead. Those of a big read-only matrix (a network's weights:
    networks are immutable) are kept by the matrix's identity: the GUI thread then finds
    them instead of spending ~0.1 s per million entries."""
    if (
        isinstance(values, np.ndarray)
        and not values.flags.writeable
        and values.size > KEEP_PIXELS
    ):
        return _kept_words(values, float(vmax), max_side)
    return _words(values, vmax, max_side)


def image(values: np.ndarray, vmax: float, max_side: int | None = None) -> QImage:
    """A QImage with one pixel per entry of the 2-D `values` (row r = image row r), thinned
    to at most `max_side` pixels each way when given."""
    pixels = image_words(values, vmax, max_side)
    h, w = pixels.shape
    img = QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_ARGB32)
    return img.copy()  # detach from the numpy buffer, which dies with this frame
