"""The canvas widget: zoom, pan, fit, tooltips, hover, clicks, the keyboard model, and
weight nudging by drag, wheel or keys.

Mouse: wheel zooms (under the cursor); drag on empty space pans; click a neuron or an edge
to select it, empty space to clear; drag a selected edge up/down to change its weight
(Shift: finer), or Alt+wheel / Shift+wheel over it. Hovering highlights (hover.py).

Keys (keyboard.py has the model): arrows walk the neurons and columns and, from the top
of a column, the operator row; `]` / `[` cycle a neuron's incoming weights; ↑/↓ nudge a
selected edge; Esc goes from an edge back to its neuron, then clears; Enter asks the
window to edit the selection in the inspector (`edit_requested`). Ctrl+= / Ctrl++ zoom in,
Ctrl+− zoom out, Ctrl+0 fit. The accessible description says what is selected, in words.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QFocusEvent,
    QHelpEvent,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
    QShowEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QFrame, QGraphicsView, QToolTip, QWidget

from visualizer.engine.limits import MAX_LAYER_SIZE
from visualizer.gui.canvas.describe import describe
from visualizer.gui.canvas.layout import Hit
from visualizer.gui.canvas.legend import LEGEND_HEIGHT, paint_legend
from visualizer.gui.canvas.scene import NetworkScene
from visualizer.gui.document import Document, Selection

if TYPE_CHECKING:
    from visualizer.gui.canvas.keyboard import Cursor

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.05, 8.0
MAX_FIT_ZOOM = 1.5  # a small network is not blown up beyond this when fitted
FIT_MARGIN = 12.0  # viewport pixels around the fitted network
HIT_SLOP = 4.0  # viewport pixels of slack when picking thin things (edges)
DRAG_PIXELS = 200.0  # dragging this far changes a weight by the whole colour range
WHEEL_STEPS = 50.0  # wheel notches (or key presses) to change a weight by the range
GESTURE_PAUSE = 1.0  # seconds without a wheel/key nudge that end one undo step

_gesture_ids = itertools.count(1)

# Keys of the keyboard model (see keyboard.move), without Ctrl, Alt or Meta.
NAV_KEYS = {
    Qt.Key.Key_Up: "up",
    Qt.Key.Key_Down: "down",
    Qt.Key.Key_Left: "left",
    Qt.Key.Key_Right: "right",
    Qt.Key.Key_BracketRight: "next",
    Qt.Key.Key_BracketLeft: "previous",
    Qt.Key.Key_Escape: "back",
}
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)
# What a click on each kind of hit puts the keyboard cursor on.
_HIT_PARTS = {"neuron": "a", "z": "z", "y": "y", "weights": "W", "activation": "f", "loss": "C"}


def nudged(start: float, delta: float, quantum: float) -> float:
    """`start + delta` rounded to a multiple of `quantum` (a power of ten), so dragged
    weights read 0.43, not 0.4300000000000137."""
    value = start + delta
    if quantum > 0:
        value = round(value / quantum) * quantum
        digits = max(0, -math.floor(math.log10(quantum)))
        value = round(value, digits)
    return float(value)


def quantum_for(step: float) -> float:
    """The power of ten just below `step` (the finest digit a nudge should change)."""
    return 10.0 ** math.floor(math.log10(step)) if step > 0 else 0.0


@dataclass
class _Drag:
    layer: int
    i: int
    j: int
    start_y: float
    start_value: float
    per_pixel: float
    gesture: int
    moving: bool = False


def _node(cursor: Cursor | None) -> tuple[str, int] | None:
    """What the scene draws the selection on besides the document's selection: an
    operator node, or the target yᵢ (the neuron's selection rings a and z)."""
    if cursor is None or not (cursor.is_operator or cursor.part == "y"):
        return None
    return cursor.part, cursor.layer


class NetworkView(QGraphicsView):
    """Shows a `NetworkScene` of `document`. The main window binds its menu actions to
    `zoom_in`, `zoom_out` and `fit`; the view also handles those keys when focused.

    `edit_requested(target)` asks for the selection to be edited in the inspector: target
    "value" (a weight, a bias or an input xᵢ), "target" (yᵢ), "layer" or "loss"."""

    edit_requested = Signal(str)
    cursor_moved = Signal()  # `cursor` changed (also within one selection: a¹ᵢ → z²ᵢ)

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        # The viewport QGraphicsView would make itself (a plain QWidget), made here: Python
        # then knows the object, and the first `viewport()` does not send PySide through
        # every QWidget subclass to find its type (building ~70 classes, ~30 ms at start-up).
        self.setViewport(QWidget())
        self.document = document
        self.network_scene = NetworkScene(document, self)
        self.setScene(self.network_scene)
        # (what the colour bars showed, their panel in viewport pixels), as last painted
        self._legend_panel: tuple[tuple, QRectF] | None = None
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("")  # tooltips come from viewportEvent, per thing under the cursor
        self._fitted = True  # refit on resize until the user zooms or pans
        self._shown_once = False
        self._drag: _Drag | None = None
        self._pan_from: QPoint | None = None
        self._nudge_gesture: tuple[tuple[int, int, int], int, float] | None = None
        self.cursor: Cursor | None = None  # the keyboard's place, finer than the selection
        self._playback_words = ""
        self._on_screen = False  # painting the widget, not rendering an export
        self.setAccessibleName("Network canvas")
        self.network_scene.layout_changed.connect(self._on_layout_changed)
        self.network_scene.legend_changed.connect(self._update_legend)
        document.selection_changed.connect(self._end_nudge_gesture)
        document.selection_changed.connect(self._follow_selection)
        document.network_changed.connect(self._follow_network)
        self._describe()

    # -- zoom and fit --------------------------------------------------------------------
    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Scale to `zoom` (clamped), keeping scene point `anchor` under the same pixel."""
        zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        if anchor is None:
            anchor = self.mapToScene(self.viewport().rect().center())
        before = self.mapFromScene(anchor)
        self.setTransform(QTransform.fromScale(zoom, zoom))
        self._update_scene_rect()
        after = self.mapFromScene(anchor)
        delta = after - before
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() + delta.x())
        v.setValue(v.value() + delta.y())
        self.viewport().update()

    def zoom_in(self) -> None:
        self._fitted = False
        self.set_zoom(self.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self._fitted = False
        self.set_zoom(self.zoom / ZOOM_STEP)

    def fit(self) -> None:
        """Scale so the whole network fits the window above the colour bars (at most
        `MAX_FIT_ZOOM`), and centre it."""
        lay = self.network_scene.layout
        if lay is None:
            return
        b = self.network_scene.content_bounds()
        vw = self.viewport().width() - 2 * FIT_MARGIN
        vh = self.viewport().height() - 2 * FIT_MARGIN - LEGEND_HEIGHT
        zoom = min(max(vw, 1) / b.w, max(vh, 1) / b.h, MAX_FIT_ZOOM)
        zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        self.setTransform(QTransform.fromScale(zoom, zoom))
        self._update_scene_rect()
        self.centerOn(QPointF(b.cx, b.cy + LEGEND_HEIGHT / 2 / zoom))
        self._fitted = True

    def _update_scene_rect(self) -> None:
        """The scrollable area: the network plus room for the colour bars below it."""
        lay = self.network_scene.layout
        if lay is None:
            return
        b = self.network_scene.content_bounds()
        self.setSceneRect(QRectF(b.x, b.y, b.w, b.h + LEGEND_HEIGHT / max(self.zoom, 1e-9)))

    def _on_layout_changed(self) -> None:
        self._drag = None
        self.fit()

    def _update_legend(self) -> None:
        vp = self.viewport().rect()
        band = int(LEGEND_HEIGHT) + 8
        self.viewport().update(vp.adjusted(0, vp.height() - band, 0, 0))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self.fit()

    def hideEvent(self, event: QHideEvent) -> None:
        # A hidden canvas shows no draft: redraw sharp now instead of leaving the refine
        # timer pending on a window that may be closing.
        self.network_scene.refine_now()
        super().hideEvent(event)

    # -- what is where -------------------------------------------------------------------
    def hit_at(self, pos: QPoint | QPointF) -> Hit | None:
        """What is under viewport point `pos`."""
        point = QPointF(pos)
        scene_pos = self.mapToScene(point.toPoint())
        return self.network_scene.hit(scene_pos, HIT_SLOP / max(self.zoom, 1e-9))

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            scene_pos = self.mapToScene(event.pos())
            text = self.network_scene.carried_tooltip(scene_pos.x(), scene_pos.y())
            text = text or self.network_scene.tooltip(self.hit_at(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        # Scrolling shifts the pixels already drawn, colour bars included; they are fixed
        # to the viewport, so repaint it all instead.
        self.viewport().update()

    # -- mouse -----------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self._end_nudge_gesture()
        hit = self.hit_at(event.position())
        doc = self.document
        if hit is None:
            self.set_cursor(None)
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        elif hit.kind == "button":
            self._resize(hit.layer, hit.i)
        elif hit.kind in _HIT_PARTS:
            self.set_cursor(_keyboard().Cursor(_HIT_PARTS[hit.kind], hit.layer, hit.i))
        elif hit.kind == "edge":
            self.set_cursor(_keyboard().Cursor("edge", hit.layer, hit.i, hit.j))
            value = float(doc.network.layer(hit.layer).weights[hit.i, hit.j])
            per_pixel = self.network_scene.weight_range / DRAG_PIXELS
            self._drag = _Drag(
                hit.layer, hit.i, hit.j, event.position().y(), value, per_pixel, next(_gesture_ids)
            )
        else:
            self.set_cursor(None)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._drag is not None:
            d = self._drag
            dy = pos.y() - d.start_y
            if not d.moving and abs(dy) < QApplication.startDragDistance():
                return
            d.moving = True
            fine = 0.1 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1.0
            step = d.per_pixel * fine
            # Up is more: the screen's y axis points down.
            value = nudged(d.start_value, -dy * step, quantum_for(step))
            self._nudge(d.layer, d.i, d.j, value, d.gesture)
            return
        if self._pan_from is not None:
            delta = pos.toPoint() - self._pan_from
            self._pan_from = pos.toPoint()
            self._fitted = False
            h, v = self.horizontalScrollBar(), self.verticalScrollBar()
            h.setValue(h.value() - delta.x())
            v.setValue(v.value() - delta.y())
            return
        hit = self.hit_at(pos)
        self.network_scene.set_hover(hit)
        clickable = hit is not None and (
            hit.kind != "button" or self.network_scene.button_enabled(hit.layer, hit.i)
        )
        if hit is not None and hit.kind == "edge" and self._is_selected_edge(hit):
            self.viewport().setCursor(Qt.CursorShape.SizeVerCursor)
        elif clickable:
            self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = None
            if self._pan_from is not None:
                self._pan_from = None
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self.network_scene.set_hover(None)
        super().leaveEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        mods = event.modifiers()
        delta = event.angleDelta()
        # Alt turns the wheel sideways on some platforms: take whichever axis moved.
        notches = (delta.y() or delta.x()) / 120.0
        if mods & (Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier):
            hit = self.hit_at(event.position())
            if hit is not None and hit.kind == "edge" and self._is_selected_edge(hit):
                self._nudge_selected(notches)
                self._cancel_menu_alt(event.position())
                event.accept()
                return
            super().wheelEvent(event)
            return
        if notches:
            self._fitted = False
            anchor = self.mapToScene(event.position().toPoint())
            self.set_zoom(self.zoom * ZOOM_STEP**notches, anchor)
        event.accept()

    def _cancel_menu_alt(self, pos: QPointF) -> None:
        # A menu bar takes the keyboard when Alt is pressed and released with nothing in
        # between; it forgets the press on a mouse move but not on a wheel turn, so after
        # Alt+wheel it would grab the arrow keys and wipe the status line. A move where the
        # mouse already is tells it Alt was used for something else.
        QApplication.sendEvent(
            self.viewport(),
            QMouseEvent(
                QEvent.Type.MouseMove,
                pos,
                QPointF(self.viewport().mapToGlobal(pos.toPoint())),
                Qt.MouseButton.NoButton,
                Qt.MouseButton.NoButton,
                QApplication.keyboardModifiers(),
            ),
        )

    # -- keys ------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if event.matches(QKeySequence.StandardKey.ZoomIn) or (
            ctrl and key in (Qt.Key.Key_Equal, Qt.Key.Key_Plus)
        ):
            self.zoom_in()
        elif event.matches(QKeySequence.StandardKey.ZoomOut) or (
            ctrl and key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore)
        ):
            self.zoom_out()
        elif ctrl and key == Qt.Key.Key_0:
            self.fit()
        elif not self._claims(event):
            super().keyPressEvent(event)
            return
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self._selected_edge() is not None:
            self._nudge_selected(1.0 if key == Qt.Key.Key_Up else -1.0)
        elif key in ENTER_KEYS:
            self._request_edit()
        else:
            new = _keyboard().move(self.cursor, NAV_KEYS[key], self.document.network.sizes)
            self.set_cursor(new, scroll=True)
        event.accept()

    def _claims(self, event: QKeyEvent) -> bool:
        """Whether a key belongs to the keyboard model here (rather than to a window
        shortcut such as the player's ←/→): plain arrows, brackets and Enter, and Esc
        while something is selected."""
        if event.modifiers() & _COMMAND_MODIFIERS:
            return False
        key = event.key()
        if key == Qt.Key.Key_Escape:
            return self.cursor is not None or self.document.selection is not None
        if key in ENTER_KEYS:
            return self.cursor is not None
        return key in NAV_KEYS

    def event(self, event: QEvent) -> bool:
        # A focused canvas keeps its keys: ←/→ walk the columns instead of stepping the
        # player (whose window-wide shortcuts still work from every other widget).
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self._claims(event)
        ):
            event.accept()
            return True
        return super().event(event)

    # -- the keyboard cursor ---------------------------------------------------------------
    def set_cursor(self, cursor: Cursor | None, scroll: bool = False) -> None:
        """Put the keyboard cursor on `cursor` and select what it stands for; `scroll`
        brings it into view."""
        self.cursor = cursor
        self.network_scene.set_cursor_node(_node(cursor))
        picked = cursor.selection() if cursor is not None else None
        self.document.set_selection(Selection(*picked) if picked is not None else None)
        self._describe()
        if scroll and cursor is not None:
            rect = self.cursor_rect(cursor)
            if rect is not None:
                self._fitted = False
                self.ensureVisible(rect, 24, 24)
        self.viewport().update()
        self.cursor_moved.emit()

    def _follow_selection(self) -> None:
        """A selection made elsewhere (another panel, undo) moves the cursor onto it."""
        sel = self.document.selection
        wanted = None if sel is None else (sel.kind, sel.layer, sel.i, sel.j)
        have = self.cursor.selection() if self.cursor is not None else None
        if wanted != have:
            self.cursor = None if sel is None else _keyboard().cursor_for(*wanted)
            node = self.cursor
            self.network_scene.set_cursor_node(_node(node))
            rect = self.cursor_rect(node) if node is not None else None
            if rect is not None:
                self.ensureVisible(rect, 24, 24)  # picked in a panel: show it here too
            self.viewport().update()
            self.cursor_moved.emit()
        self._describe()

    def _follow_network(self) -> None:
        sizes = self.document.network.sizes
        if self.cursor is not None and not _keyboard().fits(self.cursor, sizes):
            self.cursor = None
            self.network_scene.set_cursor_node(None)
            self._follow_selection()
            self.cursor_moved.emit()
        self._describe()

    def set_playback_words(self, text: str) -> None:
        """The playback step, in words, for the accessible description ("" at rest)."""
        if text != self._playback_words:
            self._playback_words = text
            self._describe()

    def _describe(self) -> None:
        text = describe(self.cursor, self.document.network, self.document.trace)
        if self._playback_words:
            text += f". {self._playback_words}"
        if text != self.accessibleDescription():
            self.setAccessibleDescription(text)  # a screen reader announces the change

    def _request_edit(self) -> None:
        c = self.cursor
        if c is None:
            return
        if c.part == "y":
            target = "target"
        elif c.is_column or c.part == "edge":
            target = "value"
        else:
            target = "loss" if c.part == "C" else "layer"
        self.edit_requested.emit(target)

    def focus_frame(self, cursor: Cursor) -> QPainterPath | None:
        """The dashed frame around what `cursor` is on: a rounded box, or for an edge a
        capsule along it, stopping short of the neurons at its ends (their numbers stay
        clear)."""
        rect = self.cursor_rect(cursor)
        lay = self.network_scene.layout
        if rect is None or lay is None:
            return None
        path = QPainterPath()
        bundle = lay.bundles[cursor.layer - 1] if cursor.part == "edge" else None
        if bundle is None or bundle.image:
            path.addRoundedRect(rect, 6, 6)
            return path
        start = QPointF(bundle.x0, float(bundle.y_from[cursor.j]))
        end = QPointF(bundle.x1, float(bundle.y_to[cursor.i]))
        length = math.hypot(end.x() - start.x(), end.y() - start.y())
        t0, t1 = min(0.3, 30 / length), max(0.7, 1 - 34 / length)
        line = QPainterPath(start + (end - start) * t0)
        line.lineTo(start + (end - start) * t1)
        stroker = QPainterPathStroker()
        stroker.setWidth(24)
        stroker.setCapStyle(Qt.PenCapStyle.RoundCap)
        return stroker.createStroke(line)

    def cursor_rect(self, cursor: Cursor) -> QRectF | None:
        """The scene rectangle of what `cursor` is on (its focus frame)."""
        lay = self.network_scene.layout
        if lay is None or not _keyboard().fits(cursor, lay.sizes):
            return None
        p, l = cursor.part, cursor.layer
        if cursor.is_column:
            col = {"a": lambda: lay.a[l], "z": lambda: lay.z[l - 1], "y": lambda: lay.y}[p]()
            y, h = float(col.ys[cursor.i]), col.half_h
            return QRectF(col.left - 7, y - h - 7, 2 * col.half_w + 14, 2 * h + 14)
        if p == "edge":
            b = lay.bundles[l - 1]
            if b.image:
                c = self.network_scene.edge_pos(l, cursor.i, cursor.j)
                return QRectF(c.x() - 6, c.y() - 6, 12, 12)
            start = QPointF(b.x0, float(b.y_from[cursor.j]))
            end = QPointF(b.x1, float(b.y_to[cursor.i]))
            return QRectF(start, end).normalized().adjusted(-7, -7, 7, 7)
        box = {"W": lambda: lay.w_boxes[l - 1], "f": lambda: lay.f_bands[l - 1]}.get(
            p, lambda: lay.loss_band
        )()
        return QRectF(box.x, box.y, box.w, box.h).adjusted(-7, -7, 7, 7)

    # -- edits -----------------------------------------------------------------------------
    def _resize(self, layer: int, delta: int) -> None:
        size = self.document.network.sizes[layer] + delta
        if 1 <= size <= MAX_LAYER_SIZE:
            from visualizer.gui.commands import ResizeLayer  # with the first edit

            self.document.try_edit(lambda: ResizeLayer(self.document, layer, size))

    def _selected_edge(self) -> tuple[int, int, int] | None:
        sel = self.document.selection
        if sel is None or sel.kind != "edge":
            return None
        return sel.layer, sel.i, sel.j

    def _is_selected_edge(self, hit: Hit) -> bool:
        return self._selected_edge() == (hit.layer, hit.i, hit.j)

    def _nudge(self, layer: int, i: int, j: int, value: float, gesture: int) -> None:
        current = float(self.document.network.layer(layer).weights[i, j])
        if value != current:
            from visualizer.gui.commands import NudgeWeight  # with the first edit

            self.document.try_edit(lambda: NudgeWeight(self.document, layer, i, j, value, gesture))

    def _nudge_selected(self, notches: float) -> None:
        """Wheel or key nudge of the selected edge: consecutive ones (same edge, no pause
        longer than GESTURE_PAUSE) are one gesture, so one undo step."""
        edge = self._selected_edge()
        if edge is None or not notches:
            return
        now = time.monotonic()
        g = self._nudge_gesture
        if g is None or g[0] != edge or now - g[2] > GESTURE_PAUSE:
            gesture = next(_gesture_ids)
        else:
            gesture = g[1]
        self._nudge_gesture = (edge, gesture, now)
        step = self.network_scene.weight_range / WHEEL_STEPS
        current = float(self.document.network.layer(edge[0]).weights[edge[1], edge[2]])
        self._nudge(*edge, nudged(current, notches * step, quantum_for(step)), gesture)

    def _end_nudge_gesture(self) -> None:
        self._nudge_gesture = None

    # -- the colour bars -----------------------------------------------------------------
    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.viewport().update()  # the cursor's focus frame shows only while focused

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        self._on_screen = True
        try:
            super().paintEvent(event)
        finally:
            self._on_screen = False

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawForeground(painter, rect)
        if self._on_screen and self.hasFocus() and self.cursor is not None:
            # The keyboard's focus frame, on screen only (never in an export).
            frame = self.focus_frame(self.cursor)
            if frame is not None:
                pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 2.0)
                pen.setCosmetic(True)
                pen.setStyle(Qt.PenStyle.DashLine)
                painter.save()
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawPath(frame)
                painter.restore()
        entries = self.network_scene.legend()
        if not entries:
            return
        view_rect = QRectF(self.viewport().rect())
        legend = (entries, self.network_scene.legend_note(), view_rect)
        if self._legend_panel is not None and self._legend_panel[0] == legend:
            # The same colour bars in the same place: when the area painted misses their
            # panel (a pulse moving elsewhere), clipping would drop all of it anyway.
            exposed = self.viewportTransform().mapRect(rect)
            if not exposed.intersects(self._legend_panel[1].adjusted(-2, -2, 2, 2)):
                return
        painter.save()
        # Viewport coordinates, whatever device we draw on (the screen, or an image in
        # render()): device ← viewport is device ← scene ∘ scene ← viewport.
        to_viewport, ok = self.viewportTransform().inverted()
        if ok:
            painter.setWorldTransform(to_viewport * painter.worldTransform())
        panel = paint_legend(painter, view_rect, entries, legend[1])
        self._legend_panel = (legend, panel)
        painter.restore()


def _keyboard():
    """The keyboard model (keyboard.py), imported with the first click or key that places
    the cursor: the window opens without one."""
    from visualizer.gui.canvas import keyboard

    return keyboard
