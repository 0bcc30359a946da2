"""View → Notation and View → Precision: one choice for every view, saved between runs."""

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from visualizer import notation
from visualizer.formats.network_file import load_network
from visualizer.gui.document import Document
from visualizer.gui.main_window import MainWindow
from visualizer.notation import render
from visualizer.paths import DEFAULT_NETWORK


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def make_window(qtbot, settings) -> MainWindow:
    folder = Path(settings.fileName()).parent / "recovery"
    w = MainWindow(Document(load_network(DEFAULT_NETWORK)), settings, folder)
    qtbot.addWidget(w)
    return w


def step_of(window: MainWindow, kind: str, layer: int) -> int:
    return next(s.index for s in window.player.steps if (s.kind, s.layer) == (kind, layer))


def test_notation_menu_switches_canvas_equation_panel_and_chain_view(qtbot, settings):
    w = make_window(qtbot, settings)
    scene = w.view.network_scene
    assert w.notation_actions["seed"].isChecked()
    w.player.seek(step_of(w, "activation_grad", 2))  # layer 2 is sigmoid: elementwise
    band = scene.f_items[1]
    assert band.title() == "(f²)′ ⊙"
    assert w.equation.equation_label.text() == render("δ^{2} = (f^{2})′(z^{2}) ⊙ ∇_{a^{2}}C")[1]
    chain = w.chain
    assert "(f<sup>2</sup>)′" in chain.forms_label.text()

    w.notation_actions["jacobian"].trigger()
    assert notation.display().notation == "jacobian"
    assert band.title() == "(J_{f²})ᵀ"
    assert w.equation.equation_label.text() == render("δ^{2} = (J_{f^{2}})^{T} ∇_{a^{2}}C")[1]
    assert "J<sub>f<sup>2</sup></sub>" in chain.forms_label.text()
    assert "(f<sup>2</sup>)′" not in chain.forms_label.text()
    # Softmax keeps its matrix in both notations.
    w.player.seek(step_of(w, "activation_grad", 3))
    assert scene.f_items[2].title() == "(J_{f³})ᵀ"

    # Saved: a new window starts in the Jacobian notation.
    notation.set_display("seed")
    w2 = make_window(qtbot, settings)
    assert notation.display().notation == "jacobian"
    assert w2.notation_actions["jacobian"].isChecked()


def test_precision_menu_sets_the_digits_of_every_view_and_is_saved(qtbot, settings):
    w = make_window(qtbot, settings)
    w.player.seek(step_of(w, "activation_grad", 1))
    delta = w.player.current_step.written("delta", 1).values
    w.digits_actions[2].trigger()
    assert notation.display().digits == 2
    numbers = w.equation.numbers_label.text()
    assert notation.format_number(delta[0], 2) in numbers
    assert notation.format_number(delta[0], 4) not in numbers
    loss = w.doc.trace.loss
    assert f"C = {notation.format_number(loss, 2)} ·" in w.summary.text()
    cell = w.chain.table.cell_text(0.123456)
    assert cell == "0.12"
    notation.set_display(digits=4)
    make_window(qtbot, settings)
    assert notation.display().digits == 2


def test_a_bad_saved_value_falls_back_to_the_default(qtbot, settings):
    settings.setValue("display/notation", "hieroglyphs")
    settings.setValue("display/digits", "many")
    make_window(qtbot, settings)
    assert notation.display() == notation.Display()


def test_the_loss_box_is_titled_c_and_the_gradient_column_names_itself(qtbot, settings):
    w = make_window(qtbot, settings)
    scene = w.view.network_scene
    w.player.seek(step_of(w, "loss_grad", 3))
    assert scene.loss_item.direction == "backward"
    assert scene.loss_item.title() == "C"
    assert scene.a_items[3].header == "∇_{a³}C"
    assert scene.a_items[3].header_html == "∇<sub>a<sup>3</sup></sub>C"


def test_the_equation_numbers_show_full_precision_on_hover(qtbot, settings):
    w = make_window(qtbot, settings)
    w.player.seek(step_of(w, "activation_grad", 2))
    delta = w.player.current_step.written("delta", 2).values
    tip = w.equation.numbers_label.toolTip()
    assert all(notation.fmt_full(v) in tip for v in delta)
    assert notation.fmt_full(delta[0]) not in w.equation.numbers_label.text()
