"""The combo box every screen uses."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QComboBox, QWidget


class Combo(QComboBox):
    """The one combo box of cathlog: it changes under the mouse wheel only while it has the keyboard focus
    (scrolling a form once turned Anticoagulation from none to edoxaban). A wheel over an unfocused combo
    goes on to the scroll area around it, as if the combo were not there; it takes focus by Tab or click
    only (StrongFocus), never by the wheel. (A Python event filter on the whole application, or a style
    that polished each combo, crashed PySide6 6.10-6.12 while it made an object's wrapper.)"""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        if self.hasFocus():
            super().wheelEvent(event)
            return
        area = _scroll_area_around(self)
        if area is not None:  # the form scrolls; the value stays
            QApplication.sendEvent(area.viewport(), event)
        event.accept()


def _scroll_area_around(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return parent
        parent = parent.parentWidget()
    return None
