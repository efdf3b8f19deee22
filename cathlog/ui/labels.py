"""Small labels every dialog uses, in a module of their own: the sign-in window needs one before
anything else of the GUI is imported (start-up, issue 18 item 5)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


def error_label(accessible_name: str = "error message") -> QLabel:
    """The alert-coloured line under a dialog's fields that says why something was refused (hidden until then)."""
    label = QLabel("")
    label.setObjectName("Error")
    label.setWordWrap(True)
    label.setAccessibleName(accessible_name)
    label.hide()
    return label
