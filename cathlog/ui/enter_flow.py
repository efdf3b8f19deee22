"""Enter and focus in the small sign-in style dialogs (sign-in, first run, lock, change password).

A dialog opens with focus on its first empty field. Enter in a field moves on to the next empty
field and submits only when every field is filled: Enter in an empty field stays there, so a stray
Enter never signs in with half a form or presses Cancel. Enter on a focused push button presses
that button (what the user sees is what happens).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QPushButton, QWidget

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _live(dialog: QWidget, fields: Sequence[QLineEdit]) -> list[QLineEdit]:
    return [f for f in fields if f.isVisibleTo(dialog) and f.isEnabled() and not f.isReadOnly()]


def first_empty(dialog: QWidget, fields: Sequence[QLineEdit]) -> QLineEdit | None:
    """The first shown, editable field with nothing typed in it."""
    return next((f for f in _live(dialog, fields) if not f.text()), None)


def focus_first_empty(dialog: QWidget, fields: Sequence[QLineEdit]) -> None:
    """Focus the first empty field (or the last field when all are filled)."""
    live = _live(dialog, fields)
    target = first_empty(dialog, fields) or (live[-1] if live else None)
    if target is not None:
        target.setFocus(Qt.FocusReason.OtherFocusReason)


def handle_enter(dialog: QWidget, event: QKeyEvent, fields: Sequence[QLineEdit], submit: Callable[[], object]) -> bool:
    """Handle Return/Enter for ``dialog``; True when the key was Enter (and so was dealt with)."""
    if event.key() not in ENTER_KEYS:
        return False
    focus = dialog.focusWidget()
    if isinstance(focus, QPushButton):
        if focus.isEnabled():
            focus.click()
        return True
    live = _live(dialog, fields)
    if isinstance(focus, QLineEdit) and focus in live and not focus.text():
        return True  # an empty field: stay here
    start = live.index(focus) + 1 if focus in live else 0
    after = [f for f in live[start:] + live[:start] if not f.text()]
    if after:
        after[0].setFocus(Qt.FocusReason.TabFocusReason)
        return True
    submit()
    return True
