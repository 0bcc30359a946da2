"""Without a mouse: the canvas's keyboard model (pure), then the main window driven by real
key events only — focus on open, F6/Tab between areas, a whole edit (select a weight from
nothing, change it, undo), the accessible description after each step, and the hover
highlight on and off."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAccessible, QAccessibleInterface, qGray
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QTabBar,
)

from visualizer.engine.network import make_network
from visualizer.formats.network_file import load_network
from visualizer.gui.canvas.describe import NOTHING, describe
from visualizer.gui.canvas.hover import FADED_OPACITY
from visualizer.gui.canvas.keyboard import Cursor, columns, move, operators
from visualizer.gui.canvas.view import NetworkView
from visualizer.gui.document import Document, Selection
from visualizer.gui.shortcuts import KEYBOARD
from visualizer.notation import fmt_short
from visualizer.paths import ASSETS, DEFAULT_NETWORK

SIZES = [2, 4, 3, 2]  # the default example: x, tanh, sigmoid, softmax


# -- the model (pure) ----------------------------------------------------------------------
def test_columns_and_operators_read_left_to_right():
    assert columns(2) == [("a", 0), ("z", 1), ("a", 1), ("z", 2), ("a", 2), ("y", 2)]
    assert operators(2) == [("W", 1), ("f", 1), ("W", 2), ("f", 2), ("C", 2)]


@pytest.mark.parametrize("key", ["up", "down", "left", "right"])
def test_any_arrow_from_nothing_selects_the_first_input(key):
    assert move(None, key, SIZES) == Cursor("a", 0, 0)


def test_right_right_bracket_from_x1_is_the_first_weight_into_a1_1():
    c = Cursor("a", 0, 0)
    c = move(c, "right", SIZES)
    assert c == Cursor("z", 1, 0)
    c = move(c, "right", SIZES)
    assert c == Cursor("a", 1, 0)
    assert move(c, "next", SIZES) == Cursor("edge", 1, 0, 0)


def test_up_down_walk_a_column_and_left_right_clamp_the_index():
    c = Cursor("a", 1, 3)  # a¹₄, the last of 4
    assert move(c, "down", SIZES) == c  # clamped at the bottom
    assert move(c, "up", SIZES) == Cursor("a", 1, 2)
    assert move(c, "right", SIZES) == Cursor("z", 2, 2)  # z² has 3 neurons: clamped
    assert move(c, "left", SIZES) == Cursor("z", 1, 3)
    last = Cursor("a", 3, 1)
    assert move(last, "right", SIZES) == Cursor("y", 3, 1)
    assert move(Cursor("y", 3, 1), "right", SIZES) == Cursor("y", 3, 1)
    assert move(Cursor("a", 0, 1), "left", SIZES) == Cursor("a", 0, 1)


def test_up_from_the_top_of_a_column_reaches_the_operator_row_and_down_comes_back():
    assert move(Cursor("z", 2, 0), "up", SIZES) == Cursor("W", 2)
    assert move(Cursor("a", 2, 0), "up", SIZES) == Cursor("f", 2)
    assert move(Cursor("y", 3, 0), "up", SIZES) == Cursor("C", 3)
    assert move(Cursor("a", 0, 0), "up", SIZES) == Cursor("a", 0, 0)  # nothing above x
    assert move(Cursor("W", 2), "right", SIZES) == Cursor("f", 2)
    assert move(Cursor("f", 3), "right", SIZES) == Cursor("C", 3)
    assert move(Cursor("W", 1), "left", SIZES) == Cursor("W", 1)
    assert move(Cursor("f", 2), "down", SIZES) == Cursor("a", 2, 0)
    assert move(Cursor("W", 2), "down", SIZES) == Cursor("z", 2, 0)


def test_brackets_cycle_incoming_weights_and_escape_goes_back_then_clears():
    assert move(Cursor("z", 2, 1), "previous", SIZES) == Cursor("edge", 2, 1, 3)
    w = Cursor("edge", 2, 1, 3)
    assert move(w, "next", SIZES) == Cursor("edge", 2, 1, 0)  # wraps
    assert move(w, "previous", SIZES) == Cursor("edge", 2, 1, 2)
    assert move(w, "up", SIZES) == w  # ↑/↓ change the weight instead
    assert move(w, "left", SIZES) == Cursor("a", 1, 3)  # where it comes from: a¹₄
    assert move(w, "right", SIZES) == Cursor("z", 2, 1)  # where it goes: z²₂
    assert move(w, "back", SIZES) == Cursor("z", 2, 1)
    assert move(Cursor("z", 2, 1), "back", SIZES) is None
    assert move(Cursor("a", 0, 0), "next", SIZES) == Cursor("a", 0, 0)  # x has no inputs


def test_descriptions_name_the_thing_its_value_and_where_it_is():
    net = load_network(DEFAULT_NETWORK)
    doc = Document(net)
    trace = doc.trace
    text = describe(Cursor("edge", 2, 0, 2), net, trace)
    assert text == "weight w²₁,₃ = 0.67, from a¹₃ to z²₁"
    assert describe(Cursor("edge", 1, 1, 0), net, trace).endswith("from x₁ to z¹₂")
    a = trace.a[2][1]
    assert describe(Cursor("a", 2, 1), net, trace) == (
        f"neuron a²₂ = {fmt_short(a)}, layer 2, sigmoid"  # the display's digits
    )
    assert describe(Cursor("a", 3, 0), net, trace).endswith("output layer 3, softmax")
    assert describe(Cursor("C", 3), net, trace).startswith("loss C = ")
    assert describe(None, net, trace) == NOTHING


# -- the main window, keys only ---------------------------------------------------------------
@pytest.fixture
def window(window, qtbot):
    """conftest's main window, shown at 1600×1000 and active (window shortcuts fire only there)."""
    window.resize(1600, 1000)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


def press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier):
    """A real key press on the main window: delivered to whatever has the focus, through
    the window's shortcuts, as the platform would."""
    qtbot.keyClick(window.windowHandle(), key, modifier)


def test_the_canvas_has_the_keyboard_when_the_window_opens(window):
    assert QApplication.focusWidget() is window.view
    assert window.focus_areas.frame.isVisible()
    assert window.focus_areas.frame.geometry() == window.view.geometry()


def test_a_whole_edit_without_the_mouse_select_change_undo(qtbot, window):
    doc, view = window.doc, window.view
    description = view.accessibleDescription
    assert doc.selection is None and description() == NOTHING
    press(qtbot, window, Qt.Key.Key_Right)  # nothing selected: x₁
    assert doc.selection == Selection("neuron", 0, 0)
    assert description().startswith("input x₁ = ")
    press(qtbot, window, Qt.Key.Key_Right)
    assert view.cursor == Cursor("z", 1, 0) and description().startswith("pre-activation z¹₁")
    press(qtbot, window, Qt.Key.Key_Right)
    assert view.cursor == Cursor("a", 1, 0) and description().startswith("neuron a¹₁ = ")
    assert window.player.state.step == -1  # ←/→ on the canvas never stepped the player
    press(qtbot, window, Qt.Key.Key_BracketRight)
    assert doc.selection == Selection("edge", 1, 0, 0)
    assert description() == "weight w¹₁,₁ = 0.31, from x₁ to z¹₁"
    press(qtbot, window, Qt.Key.Key_BracketRight)
    assert description() == "weight w¹₁,₂ = −0.48, from x₂ to z¹₁"

    depth = doc.undo_stack.count()
    press(qtbot, window, Qt.Key.Key_Return)  # into the inspector, text selected
    field = window.inspector.value_edit
    assert QApplication.focusWidget() is field
    assert field.selectedText() == field.text() == "−0.48"
    for key in (Qt.Key.Key_0, Qt.Key.Key_Period, Qt.Key.Key_4, Qt.Key.Key_2):
        press(qtbot, window, key)
    assert field.text() == "0.42"
    press(qtbot, window, Qt.Key.Key_Return)  # applies, and the canvas has the keys again
    assert doc.network.layer(1).weights[0, 1] == 0.42
    assert doc.undo_stack.count() == depth + 1
    assert QApplication.focusWidget() is view
    assert description() == "weight w¹₁,₂ = 0.42, from x₂ to z¹₁"

    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.network.layer(1).weights[0, 1] == -0.48
    assert description() == "weight w¹₁,₂ = −0.48, from x₂ to z¹₁"
    press(qtbot, window, Qt.Key.Key_Escape)
    assert doc.selection == Selection("neuron", 1, 0) and view.cursor == Cursor("z", 1, 0)
    press(qtbot, window, Qt.Key.Key_Escape)
    assert doc.selection is None and description() == NOTHING


def test_escape_in_the_value_field_returns_without_applying(qtbot, window):
    doc = window.doc
    doc.set_selection(Selection("neuron", 2, 1))  # b²₂
    window.view.setFocus()
    before = doc.network
    press(qtbot, window, Qt.Key.Key_Enter)
    assert QApplication.focusWidget() is window.inspector.value_edit
    press(qtbot, window, Qt.Key.Key_7)
    press(qtbot, window, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is window.view
    assert doc.network is before and not doc.is_modified
    assert window.inspector.value_edit.text() == "−0.05"


def test_enter_on_an_operator_box_focuses_its_controls(qtbot, window):
    doc, view = window.doc, window.view
    doc.set_selection(Selection("neuron", 2, 0))  # a²₁ — ↑ leads to the f² band
    press(qtbot, window, Qt.Key.Key_Up)
    assert view.cursor == Cursor("f", 2) and doc.selection == Selection("layer", 2)
    assert view.accessibleDescription() == "operator f², layer 2, sigmoid"
    press(qtbot, window, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is window.inspector.size_spin
    press(qtbot, window, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is view
    for _ in range(3):  # f² → W³ → f³ → C
        press(qtbot, window, Qt.Key.Key_Right)
    assert view.cursor == Cursor("C", 3) and doc.selection is None
    assert view.accessibleDescription().startswith("loss C = ")
    assert not view.network_scene.selection_item.empty  # the C box is outlined
    press(qtbot, window, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is window.inspector.loss_combo


def test_f6_cycles_the_areas_and_tab_leaves_the_canvas(qtbot, window):
    areas = window.focus_areas
    assert areas.current() is window.view
    press(qtbot, window, Qt.Key.Key_F6)
    assert areas.current() is window.inspector_dock
    assert window.focus_areas.frame.geometry().topLeft() == window.inspector_dock.pos()
    # The panels behind the inspector's tab come to the front in turn.
    for dock in (window.gradients_dock, window.check_dock, window.chain_dock):
        press(qtbot, window, Qt.Key.Key_F6)
        assert areas.current() is dock and not dock.visibleRegion().isEmpty()
    press(qtbot, window, Qt.Key.Key_F6)
    assert areas.current() is window.training_dock
    press(qtbot, window, Qt.Key.Key_F6)  # the history is closed: skipped
    assert areas.current() is window.playback_dock
    press(qtbot, window, Qt.Key.Key_F6)
    assert areas.current() is window.view
    press(qtbot, window, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)
    assert areas.current() is window.playback_dock
    press(qtbot, window, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)
    assert areas.current() is window.training_dock
    window.inspector_dock.raise_()
    window.view.setFocus()
    press(qtbot, window, Qt.Key.Key_Tab)
    assert areas.current() is window.inspector_dock
    assert areas.frame.isVisible() and areas.frame.target is window.inspector_dock
    press(qtbot, window, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is window.view
    assert areas.frame.target is window.view


def test_the_player_keeps_left_and_right_when_the_canvas_is_not_focused(qtbot, window):
    window.player_bar.buttons["play"].setFocus()
    press(qtbot, window, Qt.Key.Key_Right)
    assert window.player.state.step == 0
    step = window.player.current_step
    assert window.view.accessibleDescription() == (  # the step, in words
        f"{NOTHING}. step 1 / 17 · forward · layer 1: {step.equation_text}"
    )


def test_every_control_has_an_accessible_name_and_labels_are_buddies(window):
    for key in ("gradients", "check", "chain", "training"):
        window.panel(key)
    controls = (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QTabBar, QAbstractItemView)
    unnamed = []
    found = [w for kind in controls for w in window.findChildren(kind)]
    for w in found:
        if w.objectName().startswith("qt_") or isinstance(w, QHeaderView):
            continue  # Qt's own parts of a control (a spin box's line edit, …)
        if w.window() is not window:
            continue  # a combo box's pop-up list: the combo box is the control
        iface: QAccessibleInterface | None = QAccessible.queryAccessibleInterface(w)
        name = iface.text(QAccessible.Text.Name) if iface is not None else ""
        if not name.strip():
            parent = type(w.parentWidget()).__name__
            unnamed.append(f"{type(w).__name__} in {parent} {w.toolTip()!r}")
        if isinstance(w, QTabBar):
            for k in range(w.count()):
                assert w.tabText(k).strip()
    assert not unnamed, unnamed
    inspector = window.inspector
    for field in (inspector.value_edit, inspector.size_spin, inspector.seed_spin):
        labels = [lab for lab in inspector.findChildren(QLabel) if lab.buddy() is field]
        assert labels, field
    # Anywhere: a short label placed right before a field in a layout is its buddy (a
    # screen reader then reads the label as the field's name).
    fields = (QAbstractSpinBox, QComboBox, QLineEdit)
    pairs = 0
    for layout in window.findChildren(QLayout):
        widgets = [layout.itemAt(k).widget() for k in range(layout.count())]
        for label, field in itertools.pairwise(widgets):
            if isinstance(label, QLabel) and isinstance(field, fields) and label.text():
                pairs += 1
                assert label.buddy() is field, (label.text(), type(field).__name__)
    assert pairs >= 10


# -- hover ------------------------------------------------------------------------------------
@pytest.fixture
def doc():
    return Document(make_network([2, 4, 3, 2], "tanh", name="test"))


def test_hovering_a_neuron_highlights_its_edges_and_fades_the_others(qtbot, view, doc):
    scene = view.network_scene
    qtbot.mouseMove(view.viewport(), view.mapFromScene(scene.neuron_pos(1, 2)))
    qtbot.waitUntil(lambda: scene.hover is not None)
    lines = scene.hover_item.shapes.lines
    # a¹₃: 2 edges in (row 2 of W¹), 3 edges out (column 2 of W²).
    assert sorted((l, i, j) for *_, l, i, j in lines) == [
        (1, 2, 0), (1, 2, 1), (2, 0, 2), (2, 1, 2), (2, 2, 2),
    ]  # fmt: skip
    assert all(b.opacity() == pytest.approx(FADED_OPACITY) for b in scene.bundle_items)
    qtbot.mouseMove(view.viewport(), view.mapFromScene(QPointF(scene.layout.bounds.x + 5, 0)))
    qtbot.waitUntil(lambda: scene.hover is None)
    assert scene.hover_item.shapes.empty
    assert all(b.opacity() == 1.0 for b in scene.bundle_items)


def test_hovering_an_edge_rings_its_two_neurons(qtbot, view, doc):
    scene = view.network_scene
    from tests.gui.test_canvas import edge_point

    qtbot.mouseMove(view.viewport(), edge_point(view, 2, 1, 3))
    qtbot.waitUntil(lambda: scene.hover is not None)
    shapes = scene.hover_item.shapes
    assert [(l, i, j) for *_, l, i, j in shapes.lines] == [(2, 1, 3)]
    centres = {(round(c.x()), round(c.y())) for c, _r in shapes.rings}
    a = scene.neuron_pos(1, 3)
    assert (round(a.x()), round(a.y())) in centres  # a¹₄, and z²₂ (a pill) is boxed
    assert len(shapes.boxes) == 1 and shapes.boxes[0].contains(scene.neuron_pos(2, 1, "z"))
    view.leaveEvent(None)
    assert scene.hover_item.shapes.empty


def test_hover_on_strips_and_heatmaps_outlines_rows_and_columns(qtbot):
    doc = Document(make_network([256, 512, 10], "relu"))
    view = NetworkView(doc)
    qtbot.addWidget(view)
    view.resize(1600, 900)
    view.show()
    qtbot.waitExposed(view)
    scene = view.network_scene
    scene.set_hover(scene.hit(scene.neuron_pos(1, 100)))
    shapes = scene.hover_item.shapes
    bundle = scene.layout.bundles[0]
    assert bundle.image and not scene.layout.bundles[1].image
    # The strip cell, the row of W¹ (a heatmap) into it, and 10 lines out of it.
    assert len(shapes.boxes) == 2 and len(shapes.lines) == 10
    row = shapes.boxes[1]
    assert row.width() == pytest.approx(bundle.rect.w)
    lines, heatmap = scene.bundle_items[1], scene.bundle_items[0]
    assert lines.opacity() == pytest.approx(FADED_OPACITY) and heatmap.opacity() == 1.0
    scene.set_hover(None)
    assert scene.hover_item.shapes.empty


def test_readme_keyboard_table_lists_every_shortcut_and_every_action_is_listed(window):
    readme = (ASSETS.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Keyboard", 1)[1].split("\n## ", 1)[0]
    for _where, keys, _does in KEYBOARD:
        assert f"| {keys} |" in section, keys
    listed = " ".join(keys for _w, keys, _d in KEYBOARD)
    for action in window.findChildren(type(window.act_fit)):
        for seq in action.shortcuts():
            text = seq.toString().replace("Left", "←").replace("Right", "→")
            if text in ("Ctrl++", "Ctrl+-"):  # zoom: listed as Ctrl+= / Ctrl+−
                continue
            assert text in listed, (action.text(), text)


def test_the_view_scrolls_to_keep_the_keyboard_selection_visible(qtbot, view, doc):
    view.set_zoom(4.0)
    view.setFocus()
    visible = lambda: view.mapToScene(view.viewport().rect()).boundingRect()  # noqa: E731
    for _ in range(8):  # x₁ … across every column to y₁
        qtbot.keyClick(view, Qt.Key.Key_Right)
        assert visible().contains(view.cursor_rect(view.cursor).center())
    assert view.cursor == Cursor("y", 3, 0)
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert visible().contains(view.cursor_rect(view.cursor).center())
    doc.set_selection(Selection("edge", 1, 3, 0))  # picked in another panel
    assert visible().contains(view.cursor_rect(view.cursor).center())


def test_the_selection_shows_in_greyscale_as_a_wide_dark_rimmed_ring(qtbot, view, doc):
    """Left of x₁ there is only background: the selection ring must change the grey
    level there by a lot (a shape cue, not just a hue)."""
    scene = view.network_scene
    centre = scene.neuron_pos(0, 0)
    r = scene.layout.a[0].half_w

    def greys() -> list[int]:
        image = view.grab().toImage()
        out = []
        for d in range(int(r) + 2, int(r) + 12):
            p = view.mapFromScene(QPointF(centre.x() - d, centre.y()))
            out.append(qGray(image.pixel(p.x(), p.y())))
        return out

    plain = greys()
    assert min(plain) > 200  # background
    doc.set_selection(Selection("neuron", 0, 0))
    ring = greys()
    assert min(ring) < 110, ring  # the dark rim
    assert max(ring) > 200  # the white halo between rim and amber: two edges, not a tint


def test_enter_on_a_sample_value_edits_it_in_the_inspector(qtbot, window):
    doc, view = window.doc, window.view
    press(qtbot, window, Qt.Key.Key_Down)  # x₁
    press(qtbot, window, Qt.Key.Key_Down)  # x₂
    assert view.accessibleDescription() == "input x₂ = −0.4, neuron 2 of 2"
    press(qtbot, window, Qt.Key.Key_Return)
    field = window.inspector.value_edit
    assert QApplication.focusWidget() is field and field.selectedText() == "−0.4"
    assert window.inspector.value_label.text() == "x₂"
    for key in (Qt.Key.Key_1, Qt.Key.Key_Period, Qt.Key.Key_5):
        press(qtbot, window, key)
    press(qtbot, window, Qt.Key.Key_Return)
    assert list(doc.trace.x) == [0.8, 1.5]
    assert QApplication.focusWidget() is view
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert list(doc.trace.x) == [0.8, -0.4]
    # The targets: y is the last column; Enter puts the keys on yᵢ's cell.
    for _ in range(7):
        press(qtbot, window, Qt.Key.Key_Right)
    assert view.cursor == Cursor("y", 3, 1)
    assert view.accessibleDescription() == "target y₂ = 0"
    rings = view.network_scene.selection_item._rings
    y2 = view.network_scene.neuron_pos(3, 1, "y")
    assert any(c == y2 for c, _r in rings)  # y₂ is ringed with its output a³₂
    press(qtbot, window, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is field and field.selectedText() == "0.0"
    assert window.inspector.value_label.text() == "y₂"
    press(qtbot, window, Qt.Key.Key_1)
    press(qtbot, window, Qt.Key.Key_Return)
    assert list(doc.trace.y) == [1.0, 1.0] and QApplication.focusWidget() is view
    assert view.accessibleDescription() == "target y₂ = 1"
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert list(doc.trace.y) == [1.0, 0.0]
    press(qtbot, window, Qt.Key.Key_Left)  # a³₂: the field edits its bias again
    assert window.inspector.value_label.text() == "bias b³"
