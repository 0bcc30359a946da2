"""Keyboard focus between the areas of the main window: the canvas, the inspector, the
other dock panels and the player bar.

`FocusAreas` moves the focus from area to area (F6 / Shift+F6, as in most desktop apps;
Tab / Shift+Tab still walk every control) and draws a frame around the area that holds
the focus, so a keyboard user always sees where the keys go.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QPen, QRegion
from PySide6.QtWidgets import QApplication, QDockWidget, QWidget

FRAME_WIDTH = 3


class FocusFrame(QWidget):
    """A frame drawn over the edge of another widget; clicks go through it."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.target: QWidget | None = None
        self.hide()

    def follow(self, target: QWidget | None) -> None:
        """Frame `target` (None: hide)."""
        if self.target is not None:
            self.target.removeEventFilter(self)
        self.target = target
        if target is None:
            self.hide()
            return
        target.installEventFilter(self)
        if self._place():
            self.show()
            self.raise_()

    def _place(self) -> bool:
        target, parent = self.target, self.parentWidget()
        if target is None or parent is None or not parent.isAncestorOf(target):
            self.hide()  # a floating dock is a window of its own, with its own frame
            return False
        top_left = target.mapTo(parent, target.rect().topLeft())
        rect = QRect(top_left, target.size())
        self.setGeometry(rect)
        # Only the frame itself belongs to this widget: repaints inside the area (the
        # canvas animating) never have to repaint it.
        inner = self.rect().adjusted(FRAME_WIDTH, FRAME_WIDTH, -FRAME_WIDTH, -FRAME_WIDTH)
        self.setMask(QRegion(self.rect()).subtracted(QRegion(inner)))
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.target and event.type() in (QEvent.Type.Resize, QEvent.Type.Move):
            self._place()
        elif watched is self.target and event.type() == QEvent.Type.Hide:
            self.hide()
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), FRAME_WIDTH)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        p.setPen(pen)
        half = FRAME_WIDTH / 2
        p.drawRect(self.rect().toRectF().adjusted(half, half, -half, -half))
        p.end()


def shown(widget: QWidget) -> bool:
    """Visible on screen: shown, and not a dock hidden behind another dock's tab (such a
    dock counts as visible, but none of it is on screen; a dock that is, always shows at
    least its title bar)."""
    if not widget.isVisible():
        return False
    return not isinstance(widget, QDockWidget) or not widget.visibleRegion().isEmpty()


def first_focusable(area: QWidget) -> QWidget | None:
    """The first control in `area` that Tab would reach (or `area` itself)."""
    if _takes_tab(area):
        return area
    w = area.nextInFocusChain()
    seen = set()
    while w is not None and id(w) not in seen:
        seen.add(id(w))
        if area.isAncestorOf(w) and _takes_tab(w):
            return w
        w = w.nextInFocusChain()
    return None


def _takes_tab(w: QWidget) -> bool:
    return bool(w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisible() and w.isEnabled())


class FocusAreas(QObject):
    """The window's areas in F6 order; `areas()` lists the ones to visit now (docks
    hidden behind a tab or closed are skipped). Frames whichever area holds the focus."""

    def __init__(self, window: QWidget, areas: Callable[[], Sequence[QWidget]]):
        super().__init__(window)
        self.window = window
        self.areas = areas
        self.frame = FocusFrame(window)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._focus_changed)

    def current(self) -> QWidget | None:
        """The area holding the keyboard focus, if any."""
        focus = QApplication.focusWidget()
        if focus is None:
            return None
        for area in self.areas():
            if focus is area or area.isAncestorOf(focus):
                return area
        return None

    def cycle(self, step: int = 1) -> QWidget | None:
        """Give the focus to the next (`step` 1) or previous (−1) area that can take it,
        bringing a dock that hides behind another's tab to the front; returns the area."""
        areas = [a for a in self.areas() if a.isVisible()]  # closed docks are not
        if not areas:
            return None
        current = self.current()
        # From outside every area, F6 starts at the first and Shift+F6 at the last.
        k = areas.index(current) if current in areas else (-1 if step > 0 else 0)
        for n in range(1, len(areas) + 1):
            area = areas[(k + n * step) % len(areas)]
            if isinstance(area, QDockWidget) and not shown(area):
                area.raise_()  # its tab comes to the front (a lazy panel is built now)
            target = first_focusable(area)
            if target is not None:
                target.setFocus(Qt.FocusReason.OtherFocusReason)
                return area
        return None

    def _focus_changed(self, _old: QWidget | None, _new: QWidget | None) -> None:
        self.frame.follow(self.current())
