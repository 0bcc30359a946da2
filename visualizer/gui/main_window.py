"""The main window: menus, toolbar, docks and file handling — wiring only. The document
holds the state, the canvas and panels draw it, commands change it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from visualizer import __version__, notation
from visualizer.engine.backprop import Trace
from visualizer.engine.losses import LOSSES
from visualizer.engine.network import Network, make_network
from visualizer.formats.atomic import ReadOnlyTarget
from visualizer.formats.models import MODEL_SUFFIXES
from visualizer.formats.network_file import save_network
from visualizer.gui import display, prepared, presenter, style
from visualizer.gui.canvas.view import NetworkView
from visualizer.gui.document import Document, checked_trace
from visualizer.gui.focus import FocusAreas
from visualizer.gui.panels.equation import EquationPanel
from visualizer.gui.panels.inspector import Inspector
from visualizer.gui.panels.player_bar import PlayerBar, position_text
from visualizer.gui.player import Player
from visualizer.notation import fmt_short
from visualizer.paths import EXAMPLES
from visualizer.timeline import MODES

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QMessageBox, QUndoView

    from visualizer.gui.background import Writer

    # The analysis panels import pyqtgraph: loaded when first shown.
    from visualizer.gui.panels.chain_view import ChainView
    from visualizer.gui.panels.check_panel import CheckPanel
    from visualizer.gui.panels.gradients import GradientPanel
    from visualizer.gui.panels.training_panel import TrainingPanel
    from visualizer.gui.recovery import Recovered, RecoverySlot
    from visualizer.gui.render import SlideOptions

# Dialogs, exports and file choosers are imported when first used, not at start-up: each
# Qt class a module names is built (with all its enums) the first time Python sees it, and
# the window that opens needs none of them (see README, "Start-up"). So are the edit
# commands (first edit), the writer thread (first save, autosave or open) and crash
# recovery (first autosave, or the offer the event loop makes once the window is up).

APP_TITLE = "Backprop Visualizer"
AUTOSAVE_MS = 5000
MAX_RECENT = 8
OPENABLE = MODEL_SUFFIXES  # network files, snapshots, ONNX and safetensors models


def key_list(*keys: str) -> list[QKeySequence]:
    """The sequences the README documents, each once, the same on every platform: Qt's
    standard keys differ between desktops (Redo is Ctrl+Y on one, Ctrl+Shift+Z alone on
    another, Quit has none offscreen), and a sequence bound twice is ambiguous to Qt, which
    then does nothing at all."""
    return [QKeySequence(key) for key in dict.fromkeys(keys)]


MODE_CHOICES = (
    ("reverse", "&Reverse Mode (backprop)", "The forward pass, then δ flowing back from the loss"),
    ("forward", "&Forward Mode", "Carry the Jacobian ∂aˡ/∂x (nˡ × n⁰) from the input to the loss"),
    ("both", "&Both", "Forward mode's pass, reverse mode's way back, and both counts compared"),
)
# File → Export Options: (settings key, menu text, default, tip).
SLIDE_CHOICES = (
    ("caption", "&Caption (the step's equation)", True, "Write the step's equation under it"),
    ("crop", "&Tight Crop", False, "Crop the empty margins around the network"),
    ("controls", "&Editing Controls", False, "Keep the − n + buttons and the selection"),
)
MODE_NAMES = (("reverse", "reverse mode"), ("forward", "forward mode"), ("both", "both modes"))


def _system_is_dark() -> bool:
    """Whether the desktop asks for a dark colour scheme (Qt 6.5+; unknown: no)."""
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return scheme is not None and scheme() == Qt.ColorScheme.Dark


def new_network() -> Network:
    """File → New: a small network worth looking at straight away."""
    return make_network([2, 3, 1], ["tanh", "sigmoid"], "half_squared_error", name="Untitled")


class MainWindow(QMainWindow):
    def __init__(
        self,
        document: Document,
        settings: QSettings | None = None,
        recovery_folder: Path | None = None,
    ):
        super().__init__()
        self.doc = document
        self.settings = settings or QSettings()
        # Nothing is written until the first autosave (or offer_recovery at start-up), so
        # a window built for a picture leaves no trace in the recovery folder; the slot
        # itself is made then too (`recovery`).
        self._recovery_folder = recovery_folder
        self._recovery: RecoverySlot | None = None
        display.load(self.settings)  # before any view draws a symbol or a number
        self.setAcceptDrops(True)
        self.resize(1600, 900)

        self.view = NetworkView(document)
        self.setCentralWidget(self.view)
        self.inspector = Inspector(document)
        self.inspector_dock = self._dock(
            "Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea
        )
        # The history is hidden at start: its list is made when it is first shown.
        self.history_dock = self._dock("History", QWidget(), Qt.DockWidgetArea.RightDockWidgetArea)
        self.history_dock.hide()
        self.history_dock.visibilityChanged.connect(lambda visible: visible and self.history())
        self._history: QUndoView | None = None

        # Playback: the equation of the current step above the player bar, across the
        # whole bottom of the window.
        self.player = Player(parent=self)
        choice = str(self.settings.value("theme", "light"))
        self.theme_choice = choice if choice in style.THEME_CHOICES else "light"
        self._saved_layout: presenter.SavedLayout | None = None
        mode = str(self.settings.value("playback_mode", "reverse"))
        self.mode = mode if mode in MODES else "reverse"
        self.player_bar = PlayerBar(self.player)
        self.equation = EquationPanel()
        self.equation.follow(self.player)
        presenter.apply_text_scale(self.equation, self.text_scale("equation"))
        playback = QWidget()
        column = QVBoxLayout(playback)
        column.setContentsMargins(6, 0, 6, 4)
        column.addWidget(self.equation)
        column.addWidget(self.player_bar)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.playback_dock = self._dock(
            "Playback", playback, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        # The analysis panels are built the first time they are shown: most sessions
        # start on the inspector, and this keeps them off the start-up path.
        self._panels: dict[str, QWidget] = {}
        self._factories: dict[str, Callable[[], QWidget]] = {
            "gradients": self._make_gradient_panel,
            "check": self._make_check_panel,
            "chain": self._make_chain_view,
            "training": self._make_training_panel,
        }
        self.gradients_dock = self._lazy_dock("Gradients", "gradients")
        self.check_dock = self._lazy_dock("Check", "check")
        self.chain_dock = self._lazy_dock("Chain", "chain")
        self.chain_dock.visibilityChanged.connect(lambda visible: visible and self._widen_chain())
        self.training_dock = self._lazy_dock("Training", "training")
        self.tabifyDockWidget(self.inspector_dock, self.gradients_dock)
        self.tabifyDockWidget(self.gradients_dock, self.check_dock)
        self.tabifyDockWidget(self.check_dock, self.chain_dock)
        self.tabifyDockWidget(self.chain_dock, self.training_dock)
        self.inspector_dock.raise_()
        self.player.position_changed.connect(self._show_position)
        self.player.playing_changed.connect(lambda _playing: self._show_position())

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self.summary = QLabel()
        self.statusBar().addPermanentWidget(self.summary)

        document.network_changed.connect(self._network_changed)
        document.file_changed.connect(self._file_changed)
        document.replaced.connect(self._rewind)
        document.status_message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        document.undo_stack.indexChanged.connect(self._update_actions)
        document.selection_changed.connect(self._update_actions)

        # Saves and autosaves are written off the GUI thread (the network is immutable), by
        # `writer`, made with the first of them.
        self._writer: Writer | None = None
        self._autosaving = False
        self._saving = False
        self._opening = False
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave_in_background)
        self.autosave_timer.start()

        self._restore_settings()
        if self.theme_choice != "light" or style.theme != "light":
            self.set_theme(self.theme_choice)
        self._network_changed()
        self._file_changed()

        # The keyboard: the canvas has it when the window opens; Enter there edits the
        # selection in the inspector, and Enter or Esc in the inspector gives it back.
        self.focus_areas = FocusAreas(self, self._focus_areas)
        self.view.edit_requested.connect(self.edit_in_inspector)
        self.view.cursor_moved.connect(
            lambda: self.inspector.show_target(
                c.i if (c := self.view.cursor) is not None and c.part == "y" else None
            )
        )
        self.inspector.finished.connect(lambda: self.view.setFocus(Qt.FocusReason.OtherFocusReason))
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- construction --------------------------------------------------------------------
    @property
    def recovery(self) -> RecoverySlot:
        """This window's recovery file (recovery.py), made on first use: the first
        autosave, or the offer of orphaned sessions the event loop makes at start-up."""
        if self._recovery is None:
            from visualizer.gui.recovery import RecoverySlot

            self._recovery = RecoverySlot(self._recovery_folder)
        return self._recovery

    @property
    def writer(self) -> Writer:
        """The worker thread of saves, autosaves and opens (background.py), made on first
        use."""
        if self._writer is None:
            from visualizer.gui.background import Writer

            self._writer = Writer(self)
        return self._writer

    def _lazy_dock(self, title: str, key: str) -> QDockWidget:
        dock = self._dock(title, QWidget(), Qt.DockWidgetArea.RightDockWidgetArea)
        dock.visibilityChanged.connect(lambda visible: self._dock_shown(key, visible))
        return dock

    def history(self) -> QUndoView:
        """The History dock's list of edits, made on first use."""
        if self._history is None:
            from PySide6.QtWidgets import QUndoView

            self._history = QUndoView(self.doc.undo_stack)
            self._history.setAccessibleName("History of edits")
            self.history_dock.setWidget(self._history)
        return self._history

    def _dock_shown(self, key: str, visible: bool) -> None:
        """A panel's tab came on screen (built then, the first time) or went off it: a
        panel off screen redraws when it is shown again, not at every change."""
        if visible:
            self.panel(key)
        gate = getattr(self._panels.get(key), "gate", None)
        if gate is not None:
            gate.set_on_screen(visible)

    def panel(self, key: str) -> QWidget:
        """The panel `key` ("gradients", "check", "chain", "training"), built on first use,
        up to date (a tab off screen catches up when asked for)."""
        if key not in self._panels:
            widget = self._factories[key]()
            self._panels[key] = widget
            getattr(self, f"{key}_dock").setWidget(widget)
            if key in presenter.SCALED_PANELS:
                presenter.apply_text_scale(widget, self.text_scale(key))
        widget = self._panels[key]
        gate = getattr(widget, "gate", None)
        if gate is not None:
            gate.settle()
        return widget

    # -- text scaling and presenter mode -------------------------------------------------
    def text_scale(self, key: str) -> float:
        """The remembered text scale of panel `key` (1.0 by default)."""
        value = self.settings.value(f"text_scale/{key}", 1.0)
        try:
            return presenter.clamp_scale(float(value))
        except (TypeError, ValueError):
            return 1.0

    def focused_panel(self) -> str | None:
        """The text panel ("equation", "chain", "gradients", "check") holding the focus."""
        panels = {"equation": self.equation} | {
            k: w for k, w in self._panels.items() if k in presenter.SCALED_PANELS
        }
        widget = QApplication.focusWidget()
        while widget is not None:
            for key, panel in panels.items():
                if widget is panel:
                    return key
            widget = widget.parentWidget()
        return None

    def set_text_scale(self, key: str, scale: float) -> None:
        """Scale panel `key`'s text and remember it."""
        scale = presenter.clamp_scale(scale)
        self.settings.setValue(f"text_scale/{key}", scale)
        widget = self.equation if key == "equation" else self._panels.get(key)
        if widget is not None:
            extra = presenter.PRESENTER_TEXT_SCALE if key == "equation" and self.presenting else 1
            presenter.apply_text_scale(widget, scale * extra)
        self.statusBar().showMessage(f"Text of the {key} panel at {round(scale * 100)} %", 4000)

    def _zoom(self, steps: int) -> None:
        """Ctrl+= / Ctrl+− / Ctrl+0: scale the focused text panel's text, else zoom (or fit)
        the canvas."""
        key = self.focused_panel()
        if key is not None:
            self.set_text_scale(key, presenter.stepped(self.text_scale(key), steps))
        elif steps > 0:
            self.view.zoom_in()
        elif steps < 0:
            self.view.zoom_out()
        else:
            self.view.fit()

    @property
    def presenting(self) -> bool:
        return self._saved_layout is not None

    def toggle_presenter(self) -> None:
        if self.presenting:
            self.leave_presenter()
        else:
            self.enter_presenter()

    def enter_presenter(self) -> None:
        """Presenter mode: full screen, only the canvas and the playback (equation in
        large type, player bar) shown; the layout is kept to be given back."""
        if self.presenting:
            return
        self._saved_layout = presenter.SavedLayout(
            state=self.saveState(),
            rect=self.geometry(),
            window_state=self.windowState(),
            menu_bar=self.menuBar().isVisible(),
            status_bar=self.statusBar().isVisible(),
        )
        for dock in self.findChildren(QDockWidget):
            if dock is not self.playback_dock:
                dock.hide()
        self.playback_dock.show()
        for bar in self.findChildren(QToolBar):
            bar.hide()
        self.menuBar().hide()
        self.statusBar().hide()
        presenter.apply_text_scale(
            self.equation, self.text_scale("equation") * presenter.PRESENTER_TEXT_SCALE
        )
        self.act_presenter.setChecked(True)
        self.act_leave_presenter.setEnabled(True)
        self.showFullScreen()
        self.view.fit()

    def leave_presenter(self) -> None:
        """Back to the layout from before presenter mode, exactly."""
        saved = self._saved_layout
        if saved is None:
            return
        self._saved_layout = None
        self.act_presenter.setChecked(False)
        self.act_leave_presenter.setEnabled(False)
        # Normal type first: the docks' sizes restored below must not make room for it.
        presenter.apply_text_scale(self.equation, self.text_scale("equation"))
        self.menuBar().setVisible(saved.menu_bar)
        self.statusBar().setVisible(saved.status_bar)
        self.setWindowState(saved.window_state)
        self.restoreState(saved.state)
        # After the platform has left full screen: a geometry set before that is lost.
        QTimer.singleShot(0, lambda: self._restore_geometry(saved))

    def _restore_geometry(self, saved: presenter.SavedLayout) -> None:
        if self.presenting:
            return  # presenter mode again in the meantime
        if not saved.window_state & (
            Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen
        ):
            # setGeometry, not restoreGeometry: that one shrinks a window to the screen.
            self.setGeometry(saved.rect)
        self.restoreState(saved.state)
        self.view.fit()

    @property
    def gradients(self) -> GradientPanel:
        return self.panel("gradients")

    @property
    def check(self) -> CheckPanel:
        return self.panel("check")

    @property
    def chain(self) -> ChainView:
        return self.panel("chain")

    @property
    def training(self) -> TrainingPanel:
        return self.panel("training")

    # The panels' modules are imported here, not at the top: they bring in pyqtgraph
    # (a third of a second), which a window showing only the canvas does not need.
    def _make_gradient_panel(self) -> GradientPanel:
        from visualizer.gui.panels.gradients import GradientPanel

        return GradientPanel(self.doc, self.player)

    def _make_check_panel(self) -> CheckPanel:
        from visualizer.gui.panels.check_panel import CheckPanel

        check = CheckPanel(self.doc)
        check.check_finished.connect(
            lambda ok: self.statusBar().showMessage(
                "Gradient check passed" if ok else "Gradient check: some arrays differ", 6000
            )
        )
        return check

    def _widen_chain(self) -> None:
        """Give the chain its width when its tab is shown: its row and column forms sit side
        by side and are unreadable behind a scroll bar (at most 45 % of the window)."""
        want = min(self.chain.preferred_width(), int(0.45 * self.width()))
        if self.chain_dock.width() < want:
            self.resizeDocks([self.chain_dock], [want], Qt.Orientation.Horizontal)

    def _make_chain_view(self) -> ChainView:
        from visualizer.gui.panels.chain_view import ChainView, hit_to_link, link_to_hit

        chain = ChainView(self.doc, self.player)
        # Linked both ways: an entry of the chain lights its edge or neuron on the canvas,
        # and hovering the canvas marks the entries that item is in the chain.
        scene = self.view.network_scene
        chain.hovered.connect(lambda link: scene.set_hover(link_to_hit(link)))
        scene.hover_changed.connect(lambda hit: chain.show_link(hit_to_link(hit)))
        return chain

    def _make_training_panel(self) -> TrainingPanel:
        from visualizer.gui.panels.training_panel import TrainingPanel

        training = TrainingPanel(self.doc)
        training.sample_chosen.connect(self._show_batch_sample)
        return training

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.lower() + "_dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _action(
        self, text: str, slot, shortcut: str | tuple[str, ...] | None = None, tip: str = ""
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, tuple) else (shortcut,)
            action.setShortcuts(key_list(*keys))
        hint = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(
            f"{tip or text.replace('…', '').replace('&', '')}" + (f" ({hint})" if hint else "")
        )
        action.setStatusTip(tip or text.replace("&", ""))
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        self.act_new = self._action("&New", self.file_new, "Ctrl+N", "Start a new network")
        self.act_open = self._action(
            "&Open…", self.file_open_dialog, "Ctrl+O", "Open a network file"
        )
        self.act_save = self._action("&Save", self.file_save, "Ctrl+S", "Save the network")
        self.act_save_as = self._action("Save &As…", self.file_save_as, "Ctrl+Shift+S")
        self.act_quit = self._action("&Quit", self.close, "Ctrl+Q")
        self.act_export_snapshot = self._action(
            "Export &Snapshot…",
            lambda: self._exported(_export().export_snapshot(self, self.doc, self.settings)),
            "Ctrl+E",
            "Every value of the pass as NPZ, JSON or CSV",
        )
        self.act_export_image = self._action(
            "Export &Image…",
            lambda: self._exported(
                _export().export_image(
                    self,
                    self.doc,
                    self.view,
                    self.settings,
                    step=self.player.state.step,
                    mode=self.mode,
                    options=self.slide_options(),
                )
            ),
            "Ctrl+Shift+E",
            "The canvas at the current step as PNG (1×/2×/3×) or SVG",
        )
        self.act_export_model = self._action(
            "Export &Model…",
            lambda: self._exported(_model_files().export_model(self, self.doc, self.settings)),
            tip="The network as ONNX, safetensors, a NumPy or PyTorch script, or a network file",
        )
        self.act_export_animation = self._action(
            "Export &Animation…",
            lambda: self._exported(
                _export().export_animation(
                    self, self.doc, self.settings, mode=self.mode, options=self.slide_options()
                )
            ),
            tip="The whole forward/backward pass as a GIF or a folder of PNG frames",
        )
        self.act_undo = self.doc.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcuts(key_list("Ctrl+Z"))
        self.act_redo = self.doc.undo_stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts(key_list("Ctrl+Shift+Z", "Ctrl+Y"))
        # The menu says what will be undone; the toolbar keeps a short, steady label.
        self.act_undo.setIconText("Undo")
        self.act_redo.setIconText("Redo")
        self.act_undo.setToolTip("Undo (Ctrl+Z)")
        self.act_redo.setToolTip("Redo (Ctrl+Shift+Z or Ctrl+Y)")
        self.act_history = self.history_dock.toggleViewAction()
        self.act_history.setText("&History")
        self.act_history.setShortcut(QKeySequence("Ctrl+H"))
        self.act_add_layer = self._action(
            "+ Layer", self.add_layer, "Ctrl+L", "Insert a hidden layer after the selected one"
        )
        self.act_remove_layer = self._action(
            "− Layer", self.remove_layer, "Ctrl+Shift+L", "Remove the selected layer"
        )
        # On the canvas these zoom; in a text panel they scale its text (see presenter.py).
        self.act_zoom_in = self._action("Zoom &In", lambda: self._zoom(+1), ("Ctrl+=", "Ctrl++"))
        self.act_zoom_out = self._action("Zoom &Out", lambda: self._zoom(-1), "Ctrl+-")
        self.act_fit = self._action("&Fit to Window", lambda: self._zoom(0), "Ctrl+0")
        self.act_presenter = self._action(
            "&Presenter Mode",
            self.toggle_presenter,
            "F11",
            "Full screen: the canvas and the equation in large type (Esc leaves)",
        )
        self.act_presenter.setCheckable(True)
        self.act_leave_presenter = self._action(
            "Leave Presenter Mode", self.leave_presenter, "Esc", "Back to the normal layout"
        )
        self.act_leave_presenter.setEnabled(False)  # Esc belongs to the canvas otherwise
        self.addAction(self.act_leave_presenter)
        self.act_about = self._action("&About", self.about)
        self.act_train = self._action(
            "&Train / Pause", self._toggle_training, "Ctrl+T", "Start or pause training"
        )
        self.act_train_step = self._action(
            "Training &Step", lambda: self.training.step(), "Ctrl+Shift+T", "One training step"
        )
        self.act_tour = self._action("Quick &Tour", self.quick_tour, "F1")
        self.act_keys = self._action(
            "&Keyboard Shortcuts", self.keyboard_help, "Ctrl+/", "Every shortcut of the app"
        )
        self.act_next_area = self._action(
            "Next Area",
            lambda: self.focus_areas.cycle(1),
            "F6",
            "Move the keyboard to the next area: canvas, inspector, panels, player bar",
        )
        self.act_previous_area = self._action(
            "Previous Area",
            lambda: self.focus_areas.cycle(-1),
            "Shift+F6",
            "Move the keyboard to the previous area",
        )

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        file.addActions([self.act_new, self.act_open])
        self.recent_menu = file.addMenu("Open &Recent")
        self.examples_menu = file.addMenu("&Examples")
        for path in sorted(EXAMPLES.glob("*.json")):
            title = _example_title(path)
            act = self.examples_menu.addAction(title)
            act.setStatusTip(str(path))
            act.triggered.connect(lambda _=False, p=path: self.open_path(p))
        file.addSeparator()
        file.addActions([self.act_save, self.act_save_as])
        file.addSeparator()
        file.addActions(
            [
                self.act_export_snapshot,
                self.act_export_image,
                self.act_export_animation,
                self.act_export_model,
            ]
        )
        slides = file.addMenu("Export Opt&ions")
        self.slide_actions: dict[str, QAction] = {}
        for key, text, default, tip in SLIDE_CHOICES:
            act = slides.addAction(text)
            act.setCheckable(True)
            act.setChecked(self.settings.value(f"export/{key}", default, type=bool))
            act.setStatusTip(tip)
            act.toggled.connect(lambda on, k=key: self.settings.setValue(f"export/{k}", on))
            self.slide_actions[key] = act
        panels = file.addMenu("Export &Panel as PNG")
        for key in ("gradients", "check", "chain", "training"):
            act = panels.addAction(f"{key.title()}…")
            act.triggered.connect(lambda _=False, k=key: self.export_panel(k))
        self.act_export_chain = panels.actions()[2]
        file.addSeparator()
        file.addAction(self.act_quit)
        edit = bar.addMenu("&Edit")
        edit.addActions([self.act_undo, self.act_redo, self.act_history])
        edit.addSeparator()
        edit.addActions([self.act_add_layer, self.act_remove_layer])
        view = bar.addMenu("&View")
        view.addActions([self.act_zoom_in, self.act_zoom_out, self.act_fit])
        view.addSeparator()
        theme_menu = view.addMenu("T&heme")
        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for choice, text in (("light", "&Light"), ("dark", "&Dark (for projectors)"),
                             ("system", "Follow the &System")):  # fmt: skip
            act = theme_menu.addAction(text)
            act.setCheckable(True)
            act.setChecked(choice == self.theme_choice)
            act.triggered.connect(lambda _=False, c=choice: self.set_theme(c))
            self.theme_group.addAction(act)
            self.theme_actions[choice] = act
        view.addAction(self.act_presenter)
        self.addAction(self.act_presenter)  # F11 also while the menu bar is hidden
        view.addSeparator()
        docks = (
            self.inspector_dock,
            self.gradients_dock,
            self.check_dock,
            self.chain_dock,
            self.training_dock,
        )
        for dock in docks:
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        self._build_display_menus(view)
        training = bar.addMenu("&Training")
        training.addActions([self.act_train, self.act_train_step])
        playback = bar.addMenu("&Playback")
        for key in ("play", "back", "forward", "first", "last"):
            action = self.player_bar.actions()[key]
            playback.addAction(action)
            self.addAction(action)  # window-wide shortcuts
        playback.addSeparator()
        self.mode_menu = playback.addMenu("&Mode")
        self.mode_group = QActionGroup(self)
        self.mode_actions: dict[str, QAction] = {}
        for mode, text, tip in MODE_CHOICES:
            act = self.mode_menu.addAction(text)
            act.setCheckable(True)
            act.setStatusTip(tip)
            act.setToolTip(tip)
            act.setChecked(mode == self.mode)
            act.triggered.connect(lambda _=False, m=mode: self.set_mode(m))
            self.mode_group.addAction(act)
            self.mode_actions[mode] = act
        view.addAction(self.playback_dock.toggleViewAction())
        view.addSeparator()
        view.addActions([self.act_next_area, self.act_previous_area])
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.act_tour, self.act_keys, self.act_about])
        self._fill_recent()

    def _build_display_menus(self, view: QMenu) -> None:
        """View → Notation and View → Precision: one choice each, for every view, saved."""
        current = notation.display()
        self.notation_menu = view.addMenu("&Notation")
        group = QActionGroup(self)
        self.notation_actions: dict[str, QAction] = {}
        for name, text in notation.NOTATIONS.items():
            action = QAction(text, self, checkable=True)
            action.setChecked(name == current.notation)
            action.setStatusTip(
                "Write an elementwise derivative as Wikipedia does, (fˡ)′ applied with ⊙"
                if name == "seed"
                else "Write every derivative as its Jacobian matrix J_fˡ = diag(fˡ′(zˡ))"
            )
            action.triggered.connect(lambda _c=False, n=name: self.set_notation(n))
            group.addAction(action)
            self.notation_menu.addAction(action)
            self.notation_actions[name] = action
        self.precision_menu = view.addMenu("&Precision")
        group = QActionGroup(self)
        self.digits_actions: dict[int, QAction] = {}
        for digits in notation.DIGIT_CHOICES:
            action = QAction(f"{digits} significant digits", self, checkable=True)
            action.setChecked(digits == current.digits)
            action.setStatusTip("How many digits every view shows; hover for full precision")
            action.triggered.connect(lambda _c=False, d=digits: self.set_digits(d))
            group.addAction(action)
            self.precision_menu.addAction(action)
            self.digits_actions[digits] = action

    def set_notation(self, name: str) -> None:
        """Write the maths in notation `name` ("seed" or "jacobian") everywhere, saved."""
        self._set_display(notation.set_display(notation=name))

    def set_digits(self, digits: int) -> None:
        """Show `digits` significant digits everywhere, saved."""
        self._set_display(notation.set_display(digits=digits))

    def _set_display(self, current: notation.Display) -> None:
        display.save(self.settings, current)
        self.notation_actions[current.notation].setChecked(True)
        self.digits_actions[current.digits].setChecked(True)
        # Every view redraws: the canvas and the timeline's equations now, the chain view
        # if it was built (it reads the display when it refreshes).
        self.view.network_scene.restyle()
        self.player.set_steps(prepared.timeline(self.doc.network, self.doc.trace, self.mode))
        if "chain" in self._panels:
            self.chain.refresh()
        self._update_summary()
        self.statusBar().showMessage(
            f"Notation: {notation.NOTATIONS[current.notation]} · "
            f"{current.digits} significant digits",
            4000,
        )

    def _build_toolbar(self) -> None:
        tb = self.addToolBar("Main")
        tb.setObjectName("main_toolbar")
        tb.addActions([self.act_new, self.act_open, self.act_save])
        tb.addSeparator()
        tb.addActions([self.act_add_layer, self.act_remove_layer])
        tb.addSeparator()
        loss_label = QLabel(" loss ")
        tb.addWidget(loss_label)
        self.loss_combo = QComboBox()
        loss_label.setBuddy(self.loss_combo)
        self.loss_combo.addItems(list(LOSSES))
        self.loss_combo.setToolTip("The loss C(aᴸ, y)")
        self.loss_combo.activated.connect(self._loss_chosen)
        tb.addWidget(self.loss_combo)
        tb.addSeparator()
        tb.addActions([self.act_undo, self.act_redo])
        tb.addSeparator()
        tb.addAction(self.act_fit)

    # -- reacting to the document --------------------------------------------------------
    def _show_position(self, *_args: object) -> None:
        """Draw the player's position on the canvas. At the start and paused the canvas
        shows the network at rest (every forward value); once playing, only what has been
        computed so far."""
        state = self.player.state
        k, progress = state.step, state.progress
        if k < 0 and state.playing:
            k, progress = 0, 0.0
        self.view.network_scene.set_playback(self.player.steps, k, progress)
        step = self.player.current_step
        self.view.set_playback_words(
            f"{position_text(self.player.steps, state.step)}: {step.equation_text}" if step else ""
        )

    def set_theme(self, choice: str) -> None:
        """View → Theme: "light", "dark" or "system" (follows the desktop's colour
        scheme); persisted. The canvas, the panels and the widgets redraw in it."""
        name = style.resolve_theme(choice, _system_is_dark())
        self.theme_choice = choice
        self.settings.setValue("theme", choice)
        if choice in getattr(self, "theme_actions", {}):
            self.theme_actions[choice].setChecked(True)
        style.set_theme(name)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setPalette(style.palette(name))
        scene = self.view.network_scene
        scene.setBackgroundBrush(style.BACKGROUND)
        scene.restyle()
        self.view.viewport().update()
        for widget in self.findChildren(QWidget):
            widget.update()

    def slide_options(self) -> SlideOptions:
        """What File → Export Options says images and animations include."""
        from visualizer.gui.render import SlideOptions

        on = {key: act.isChecked() for key, act in self.slide_actions.items()}
        return SlideOptions(controls=on["controls"], caption=on["caption"], crop=on["crop"])

    def set_mode(self, mode: str) -> None:
        """Play reverse mode (backprop), forward mode, or both; persisted. The player goes
        back to the start: the steps of another mode are another story."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.mode_actions[mode].setChecked(True)
        if mode == self.mode:
            return
        self.mode = mode
        self.settings.setValue("playback_mode", mode)
        self.player.pause()
        self.player.set_steps(prepared.timeline(self.doc.network, self.doc.trace, mode))
        self.player.first()
        self._show_position()
        self.statusBar().showMessage(f"Playback mode: {dict(MODE_NAMES)[mode]}", 6000)

    def _network_changed(self) -> None:
        # Editing during playback recomputes the timeline and keeps the current step.
        self.player.set_steps(prepared.timeline(self.doc.network, self.doc.trace, self.mode))
        self.loss_combo.setCurrentText(self.doc.network.loss)
        self._update_summary()
        self._update_actions()

    def _rewind(self) -> None:
        # Another network: its pass starts from the beginning, not at the old position.
        self.player.pause()
        self.player.first()

    def _update_summary(self) -> None:
        net, trace = self.doc.network, self.doc.trace
        self.summary.setText(
            f"C = {fmt_short(trace.loss)} · {net.depth} layer{'s' * (net.depth != 1)} · "
            f"{net.parameter_count:,} parameters · "
            + ("modified" if self.doc.is_modified else "saved")
        )

    def _file_changed(self) -> None:
        self.setWindowTitle(f"{self.doc.display_name}[*] — {APP_TITLE}")
        self.setWindowModified(self.doc.is_modified)
        self._update_summary()
        if not self.doc.is_modified:
            self._clear_recovery()

    def _update_actions(self) -> None:
        sel = self.doc.selection
        self.act_remove_layer.setEnabled(
            sel is not None and sel.layer >= 1 and self.doc.network.depth > 1
        )

    def export_panel(self, key: str) -> None:
        """File → Export Panel as PNG: the panel as it is on screen."""
        dock = getattr(self, f"{key}_dock")
        dock.show()
        dock.raise_()  # a hidden tab has not laid out (or computed) its view
        self._exported(_export().export_widget_png(self, self.panel(key), key, self.settings))

    def _toggle_training(self) -> None:
        self.training_dock.show()
        self.training_dock.raise_()
        self.training.toggle()

    def _show_batch_sample(self, index: int) -> None:
        """The training panel's batch view: sample i of the last mini-batch becomes the
        sample the canvas and panels show (one undoable step), so its own δ vectors can be
        followed; −1 (the batch mean) keeps the current sample."""
        batch = self.training.trainer.current_batch()
        if index < 0 or batch is None:
            return
        x, y = batch
        if x.ndim == 1:
            return  # a "batch" of the sample itself
        self.doc.try_edit(
            lambda: _commands().SetSample(
                self.doc, x[index], y[index], f"Showing sample {index + 1} of the batch"
            )
        )

    def _loss_chosen(self, _index: int) -> None:
        name = self.loss_combo.currentText()
        if name != self.doc.network.loss and not self.doc.try_edit(
            lambda: _commands().SetLoss(self.doc, name)
        ):
            # Refused (e.g. a cross-entropy of outputs that are no probabilities): the
            # status bar says why; the combo shows the loss the network still has.
            self.loss_combo.setCurrentText(self.doc.network.loss)

    # -- edits ---------------------------------------------------------------------------
    def add_layer(self) -> None:
        sel = self.doc.selection
        position = (sel.layer + 1) if sel is not None else self.doc.network.depth
        self.doc.try_edit(lambda: _commands().InsertLayer(self.doc, max(1, position)))

    def remove_layer(self) -> None:
        sel = self.doc.selection
        if sel is not None and sel.layer >= 1:
            self.doc.try_edit(lambda: _commands().RemoveLayer(self.doc, sel.layer))

    # -- files ---------------------------------------------------------------------------
    def ask_unsaved(self) -> QMessageBox.StandardButton:
        """Save / Discard / Cancel for unsaved changes (tests replace this)."""
        from PySide6.QtWidgets import QMessageBox

        return QMessageBox.question(
            self,
            APP_TITLE,
            f"“{self.doc.display_name}” has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )

    def show_error(self, title: str, text: str) -> None:
        """An error dialog (tests replace this)."""
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(self, title, text)

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current document."""
        from PySide6.QtWidgets import QMessageBox

        if not self.doc.is_modified:
            return True
        answer = self.ask_unsaved()
        if answer == QMessageBox.StandardButton.Save:
            return self.file_save()
        return answer == QMessageBox.StandardButton.Discard

    def file_new(self) -> None:
        if self.maybe_save():
            self.doc.replace(new_network(), None)

    def file_open_dialog(self) -> None:
        if not self.maybe_save():
            return
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open network",
            self._last_dir(),
            _model_files().OPEN_FILTER,
        )
        if path:
            self.open_path(path, ask=False)

    def open_path(self, path: str | Path, ask: bool = True) -> bool:
        """Open a network file; on a bad file show the reader's message and keep the
        current document as it is."""
        if ask and not self.maybe_save():
            return False
        if self._opening:  # a second Open while a big file is still being read
            self.statusBar().showMessage("Still opening…", 3000)
            return False
        path = Path(path)
        before = self.doc.network
        # Read and check the file on the worker thread: the window keeps painting and
        # answering keys ("Opening …"), and the current network stays until the new one
        # is ready (a bad file leaves it untouched).
        self._opening = True
        self.statusBar().showMessage(f"Opening {path.name}…")
        try:
            opened = _model_files().open_any(self, path, self.writer.run)
            if opened is None:  # the user cancelled the question about activations
                self.statusBar().clearMessage()
                return False
            network, mode = opened.network, self.mode
            trace = self.writer.run(lambda: self._prepare(network, mode))
        except (ValueError, OSError) as exc:
            self.statusBar().clearMessage()
            self.show_error("Cannot open file", f"{path.name}: {exc}")
            return False
        finally:
            self._opening = False
        # The window ran while the file was read: an edit made meanwhile is not dropped
        # without the usual question.
        if self.doc.network is not before and not self.maybe_save():
            self.statusBar().clearMessage()
            return False
        note = "; ".join(opened.notes)
        # A snapshot, a model from elsewhere or an example is opened as a new document:
        # Save asks for a name instead of overwriting that file.
        keep_path = opened.native and path.parent != EXAMPLES
        self.doc.replace(network, path if keep_path else None, trace)
        if path.parent != EXAMPLES:
            self._add_recent(path)
        self.statusBar().showMessage(f"Opened {path.name}" + (f" — {note}" if note else ""), 8000)
        return True

    @staticmethod
    def _prepare(network: Network, mode: str) -> Trace:
        """On the worker thread, for a network about to be shown: its trace (ValueError if
        it overflows), and what the views draw first of it (prepared.py), so the GUI
        thread only swaps the new network in."""
        trace = checked_trace(network)
        prepared.prepare(network, trace, mode)
        return trace

    def _exported(self, path: Path | None) -> None:
        if path is not None:
            self.statusBar().showMessage(f"Exported {path.name}", 6000)

    def file_save(self) -> bool:
        if self.doc.path is None:
            return self.file_save_as()
        return self._save_to(self.doc.path)

    def file_save_as(self) -> bool:
        from PySide6.QtWidgets import QFileDialog

        suggested = str(Path(self._last_dir()) / f"{self.doc.network.name or 'network'}.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save network", suggested, "Networks (*.json)")
        if not path:
            return False
        if not path.endswith(".json"):
            path += ".json"
        return self._save_to(Path(path))

    def ask_overwrite_read_only(self, path: Path) -> bool:
        """Whether to replace a read-only file (tests replace this)."""
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.warning(
            self,
            APP_TITLE,
            f"“{path.name}” is read-only. Replace it anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _save_to(self, path: Path) -> bool:
        if self._saving:  # Ctrl+S again while a big file is still being written
            self.statusBar().showMessage("Still saving…", 3000)
            return False
        network, index = self.doc.network, self.doc.undo_stack.index()

        def write(overwrite: bool) -> None:
            self.writer.run(lambda: save_network(network, path, overwrite))

        self._saving = True
        self.statusBar().showMessage(f"Saving {path.name}…")
        try:
            try:
                write(False)
            except ReadOnlyTarget:
                # As editors do: a read-only file is replaced only when the user says so.
                if not self.ask_overwrite_read_only(path):
                    self.statusBar().clearMessage()
                    return False
                write(True)
            self.doc.mark_saved(path, index)
        except (OSError, ValueError) as exc:
            # The error names the file (never the hidden temp file): say the problem.
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.statusBar().clearMessage()
            self.show_error("Cannot save", f"{path}: {detail}")
            return False
        finally:
            self._saving = False
        self._add_recent(path)
        self._clear_recovery()
        return True

    # -- crash recovery ------------------------------------------------------------------
    def _recovery_warning(self, exc: OSError) -> None:
        # A recovery folder we cannot write must not stop anyone working: say it, once it
        # matters, and carry on without the safety net.
        self.statusBar().showMessage(
            f"Crash recovery is off: cannot write {self.recovery.folder}: {exc.strerror or exc}",
            0,
        )

    def _clear_recovery(self) -> None:
        if self._recovery is None:
            return  # never autosaved: there is no recovery file (nor an autosave running)
        try:
            self.writer.drain()  # an autosave still being written would bring it back
            self._recovery.clear()
        except OSError as exc:
            self._recovery_warning(exc)

    def autosave(self) -> bool:
        """Write this instance's recovery file now while there are unsaved changes (on
        the writer thread; the window keeps running); False (and a status-bar warning)
        when it cannot be written."""
        if not self.doc.is_modified:
            return True
        network, path, slot = self.doc.network, self.doc.path, self.recovery
        try:
            self.writer.run(lambda: slot.write(network, path))
        except OSError as exc:
            self._recovery_warning(exc)
            return False
        return True

    def autosave_in_background(self) -> None:
        """The autosave timer: hand the (immutable) network to the writer thread and
        return at once; one autosave at a time."""
        if not self.doc.is_modified or self._autosaving:
            return
        # The slot is made here, on the GUI thread, not by the worker on first use.
        network, path, slot = self.doc.network, self.doc.path, self.recovery
        self._autosaving = True

        def done(future) -> None:
            self._autosaving = False
            error = future.exception()
            if isinstance(error, OSError):
                self._recovery_warning(error)

        self.writer.submit(lambda: slot.write(network, path), done)

    def ask_recovery(self, found: Recovered, index: int, count: int) -> str:
        """ "restore", "discard" or "later" for one orphaned session (tests replace this)."""
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(self)
        box.setWindowTitle(APP_TITLE)
        box.setIcon(QMessageBox.Icon.Question)
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(found.saved_at))
        name = found.original_path.name if found.original_path else found.network.name
        box.setText(
            (f"({index + 1} of {count}) " if count > 1 else "")
            + f"A session that did not end cleanly left unsaved changes to "
            f"“{name or 'Untitled'}” (autosaved {when}). Restore them?"
        )
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Ask Next Time", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(restore)
        box.exec()
        clicked = box.clickedButton()
        return "restore" if clicked == restore else "discard" if clicked == discard else "later"

    def offer_recovery(self) -> bool:
        """At start-up: offer the unsaved work of every session that did not end cleanly
        (each is asked about before anything is deleted). One can be restored into this
        window; the others stay for the next start. True when one was restored."""
        try:
            self.recovery.open()
        except OSError as exc:
            self._recovery_warning(exc)
        from visualizer.gui.recovery import orphans

        try:
            found = orphans(self.recovery.folder)
        except OSError as exc:
            self._recovery_warning(exc)
            return False
        readable = [o for o in found if o.found is not None]
        for orphan in found:
            if orphan.found is None:
                orphan.keep()  # unreadable: not ours to delete unasked
        restored, left = False, 0
        for index, orphan in enumerate(readable):
            if restored:  # one window holds one network
                orphan.keep()
                left += 1
                continue
            answer = self.ask_recovery(orphan.found, index, len(readable))
            if answer == "restore":
                self.restore(orphan.found)
                restored = True
                # The work now lives in our own recovery file; only then may the old go.
                if self.autosave():
                    orphan.discard()
                else:
                    orphan.keep()
            elif answer == "discard":
                orphan.discard()
            else:
                orphan.keep()
        notes = []
        if left:
            notes.append(
                f"{left} more unsaved session{'s' * (left != 1)} will be offered at the next start"
            )
        unreadable = len(found) - len(readable)
        if unreadable:
            # Kept, not deleted: say where, or the user never learns work may be there.
            notes.append(
                f"{unreadable} recovery file{'s' * (unreadable != 1)} could not be read; "
                f"{'they are' if unreadable != 1 else 'it is'} left in {self.recovery.folder}"
            )
        if notes:
            self.statusBar().showMessage("; ".join(notes), 0)
        return restored

    def restore(self, found: Recovered) -> None:
        self.doc.replace(self.doc.network, found.original_path)
        self.doc.edit(_commands().NetworkEdit(self.doc, found.network, "Restored unsaved changes"))

    # -- recent files and settings -------------------------------------------------------
    def _recent(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [v for v in (value or []) if isinstance(v, str)]

    def _add_recent(self, path: Path) -> None:
        entry = str(path.resolve())
        recent = [entry] + [p for p in self._recent() if p != entry]
        self.settings.setValue("recent_files", recent[:MAX_RECENT])
        self.settings.setValue("last_dir", str(path.resolve().parent))
        self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self._recent()
        for entry in recent:
            act = self.recent_menu.addAction(Path(entry).name)
            act.setStatusTip(entry)
            act.triggered.connect(lambda _=False, p=entry: self.open_path(p))
        self.recent_menu.setEnabled(bool(recent))

    def _last_dir(self) -> str:
        return str(self.settings.value("last_dir", str(Path.home())))

    def _restore_settings(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window_state")
        if state is not None:
            self.restoreState(state)

    # -- events --------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self.leave_presenter()  # the layout saved is the normal one, not the presenter's
        if "training" in self._panels:
            self.training.trainer.pause()  # a running training run becomes its undo step first
        if not self.maybe_save():
            event.ignore()
            return
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        self.autosave_timer.stop()
        if self._writer is not None:
            self._writer.shutdown()  # a save or autosave in progress finishes first
        if self._recovery is not None:
            self._recovery.close()
        event.accept()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(u.toLocalFile().lower().endswith(OPENABLE) for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            if url.toLocalFile().lower().endswith(OPENABLE):
                self.open_path(url.toLocalFile())
                event.acceptProposedAction()
                return

    # -- the keyboard --------------------------------------------------------------------
    def _focus_areas(self) -> list[QWidget]:
        """The areas F6 visits, in order: the canvas, the panels in the order of their
        tabs, the history, the playback. Closed panels are skipped; a panel behind
        another's tab is brought to the front when F6 reaches it."""
        return [
            self.view,
            self.inspector_dock,
            self.gradients_dock,
            self.check_dock,
            self.chain_dock,
            self.training_dock,
            self.history_dock,
            self.playback_dock,
        ]

    def edit_in_inspector(self, target: str) -> None:
        """Enter on the canvas: the inspector's control for the selection gets the keys."""
        self.inspector_dock.show()
        self.inspector_dock.raise_()
        cursor = self.view.cursor
        self.inspector.focus_for(target, cursor.i if cursor is not None else 0)

    def keyboard_help(self) -> None:
        """Help → Keyboard Shortcuts."""
        from visualizer.gui.shortcuts import KeyboardHelp

        KeyboardHelp(self).exec()

    def quick_tour(self) -> None:
        """Help → Quick tour: the three ideas, one page each; Close dismisses it."""
        from visualizer.gui.tour import QuickTour

        QuickTour(self).exec()

    def about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(
            self,
            f"About {APP_TITLE}",
            f"<b>{APP_TITLE}</b> {__version__}<br>Build a small network and watch "
            "backpropagation: the gradient is the transposed chain in reversed order.",
        )


def _export():
    """The export module (images, snapshots, animations), imported on first use."""
    from visualizer.gui import export

    return export


def _commands():
    """The edit commands, imported with the first edit."""
    from visualizer.gui import commands

    return commands


def _model_files():
    """The model-file dialogs (open any model, export a model), imported on first use."""
    from visualizer.gui import model_files

    return model_files


def _example_title(path: Path) -> str:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("name") or path.stem
    except (OSError, ValueError, AttributeError):
        return path.stem
