"""The player bar's icons (first, back, play, pause, forward, last, loop), drawn here.

Why not `QStyle.standardIcon`: naming QStyle makes PySide build the class with its ~20
enums (~5 ms), and the style then reads and scales its PNGs; together about 3 % of the
instructions of the whole start-up, for five small glyphs that are on screen from the
first frame. Drawn shapes also take the palette's colour, so they read on a dark theme.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

NAMES = ("first", "back", "play", "pause", "forward", "last", "loop")
SIZES = (16, 20, 32)  # the bar asks for 20 px; 16 and 32 for other scales and styles


def icon(name: str, color: QColor) -> QIcon:
    """The icon `name` (one of NAMES) in `color`, at each of SIZES (QIcon derives its
    disabled look from these)."""
    if name not in NAMES:
        raise ValueError(f"unknown icon {name!r}")
    result = QIcon()
    for size in SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(QColor(0, 0, 0, 0))
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(size / 16, size / 16)  # every glyph is drawn on a 16 × 16 grid
        _draw(painter, name, color)
        painter.end()
        result.addPixmap(pixmap)
    return result


def _draw(p: QPainter, name: str, color: QColor) -> None:
    if name == "loop":
        _loop(p, color)
        return
    p.setPen(QPen(color, 0))  # a cosmetic hairline keeps the fills' edges crisp
    p.setBrush(color)
    if name == "pause":
        p.drawRect(QRectF(4, 3, 3, 10))
        p.drawRect(QRectF(9, 3, 3, 10))
    elif name == "play":
        p.drawPolygon(_triangle(4, 12.5))
    elif name in ("forward", "back"):
        p.save()
        if name == "back":
            _mirror(p)
        p.drawPolygon(_triangle(2, 8.5))
        p.drawPolygon(_triangle(8, 14.5))
        p.restore()
    else:  # "first" and "last": a bar at the end the triangles run into
        p.save()
        if name == "first":
            _mirror(p)
        p.drawPolygon(_triangle(1.5, 7))
        p.drawPolygon(_triangle(7, 12.5))
        p.drawRect(QRectF(12.5, 3, 2, 10))
        p.restore()


def _triangle(left: float, right: float) -> QPolygonF:
    """A triangle pointing right, from x = left to its tip at x = right, rows 3 to 13."""
    return QPolygonF([QPointF(left, 3), QPointF(right, 8), QPointF(left, 13)])


def _mirror(p: QPainter) -> None:
    p.translate(16, 0)
    p.scale(-1, 1)


def _loop(p: QPainter, color: QColor) -> None:
    """Most of a circle, open at the top right, with an arrow head at its end pointing on
    round the circle (counter-clockwise, the way it was drawn)."""
    p.setPen(QPen(color, 1.8))
    p.setBrush(QColor(0, 0, 0, 0))
    box = QRectF(2.5, 3, 10.5, 10.5)
    arc = QPainterPath()
    arc.arcMoveTo(box, 110)
    arc.arcTo(box, 110, 270)
    p.drawPath(arc)
    end = arc.currentPosition()
    theta = math.radians(110 + 270)
    ahead = QPointF(-math.sin(theta), -math.cos(theta))  # the tangent, y pointing down
    side = QPointF(-ahead.y(), ahead.x())
    p.setPen(QPen(color, 0))
    p.setBrush(color)
    p.drawPolygon(QPolygonF([end + ahead * 3.6, end + side * 3.2, end - side * 3.2]))
