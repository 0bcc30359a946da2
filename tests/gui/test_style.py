"""The app's palette: the diverging value map (its table, symmetry and ranges) and the
phase accents, with no widget."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from visualizer.gui import style


@settings(max_examples=50, deadline=None)
@given(st.floats(1e-8, 1e8))
def test_nice_range_covers_the_value_within_a_small_step(m):
    r = style.nice_range(m)
    assert m <= r * (1 + 1e-12) and r <= 1.5 * m * (1 + 1e-12)


def test_colour_map_is_symmetric_about_zero_and_clips():
    v = np.linspace(-2.0, 2.0, 41)
    v = np.concatenate([v[v != 0], [1e-300, -1e-300, 0.999999, 0.5]])
    idx = style.lut_index(v, 1.0)
    np.testing.assert_array_equal(idx, style.LUT_SIZE - 1 - style.lut_index(-v, 1.0))
    assert idx.min() == 0 and idx.max() == style.LUT_SIZE - 1
    assert style.lut_index(0.0, 1.0) in (style.LUT_SIZE // 2 - 1, style.LUT_SIZE // 2)
    assert np.all(np.diff(style.lut_index(np.linspace(-3, 3, 1001), 2.0)) >= 0)  # monotone
    assert style.nice_range(0.0) == 1.0
    blue, red = style.lut()[0], style.lut()[-1]
    assert blue[2] > blue[0] and red[0] > red[2]  # −: blue, +: red


def test_the_stored_value_map_is_pyqtgraphs_cet_d1():
    import pyqtgraph as pg

    reference = pg.colormap.get(style.COLORMAP).getLookupTable(nPts=style.LUT_SIZE, alpha=False)
    np.testing.assert_array_equal(style.lut(), np.asarray(reference, dtype=np.uint8))


def test_the_palette_loads_without_pyqtgraph():
    # The canvas draws every value through this module: it must not drag pyqtgraph (slow
    # to import) into start-up.
    code = (
        "import sys, visualizer.gui.style as s; s.lut(); s.image(s.lut()[:, :1] * 1.0, 1.0); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pyqtgraph'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_every_phase_has_an_accent_a_text_colour_and_a_label():
    from visualizer.timeline import PHASES

    phases = set(PHASES)
    assert phases == set(style.PHASE_COLORS) == set(style.PHASE_TEXT_COLORS)
    assert phases == set(style.PHASE_LABELS)
    accents = {style.phase_accent(p).name() for p in phases}
    assert len(accents) == len(phases)  # tellable apart
    assert style.phase_accent(None) == style.FORWARD_ACCENT
