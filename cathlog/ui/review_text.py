"""A small form of text fields for the review dialog: the addendum (several lines
and a reason), a reminder edited before it is accepted, a dismissal's reason.

Long text gets a multi-line editor (Enter makes a new line; Tab moves on;
Ctrl+Enter or OK accepts). A required field left empty is said beside the
buttons and the dialog stays open with everything typed. Tests replace
:func:`run` to fill the real dialog's fields instead of waiting on exec()."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class TextField:
    name: str
    label: str
    text: str = ""
    lines: int = 1  # 1: a single-line field; more: a multi-line editor this many lines high
    required: bool = True
    placeholder: str = ""


class TextForm(QDialog):
    def __init__(self, title: str, intro: str, fields: tuple[TextField, ...], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.specs = fields
        layout = QVBoxLayout(self)
        if intro:
            text = QLabel(intro)
            text.setWordWrap(True)
            layout.addWidget(text)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # labels above: long texts get the width
        layout.addLayout(form)
        self.editors: dict[str, QLineEdit | QPlainTextEdit] = {}
        for spec in fields:
            editor: QLineEdit | QPlainTextEdit
            if spec.lines > 1:
                editor = QPlainTextEdit(spec.text)
                editor.setTabChangesFocus(True)
                line = editor.fontMetrics().lineSpacing()
                editor.setMinimumHeight(line * spec.lines + 16)
            else:
                editor = QLineEdit(spec.text)
            editor.setObjectName(spec.name)
            editor.setAccessibleName(spec.label)
            editor.setPlaceholderText(spec.placeholder)
            self.editors[spec.name] = editor
            form.addRow(spec.label + ("" if spec.required else " (optional)"), editor)
        self.message = QLabel("")
        self.message.setObjectName("FormMessages")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("messages")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.accept)
        self.setMinimumWidth(520)
        if fields:
            first = next((self.editors[s.name] for s in fields if not self.value(s.name)), self.editors[fields[0].name])
            first.setFocus()

    def value(self, name: str) -> str:
        editor = self.editors[name]
        return editor.toPlainText() if isinstance(editor, QPlainTextEdit) else editor.text()

    def values(self) -> dict[str, str]:
        return {spec.name: self.value(spec.name).strip() for spec in self.specs}

    def accept(self) -> None:  # noqa: D102 - QDialog's: a required field must not be empty
        missing = [s for s in self.specs if s.required and not self.value(s.name).strip()]
        if missing:
            self.message.setProperty("error", True)
            self.message.setText("✖ " + "; ".join(f"{s.label} is needed" for s in missing) + ".")
            self.message.style().unpolish(self.message)
            self.message.style().polish(self.message)
            self.editors[missing[0].name].setFocus()
            return
        super().accept()


def run(form: TextForm) -> bool:
    """Show ``form`` modally; True if it was accepted (tests replace this)."""
    return form.exec() == QDialog.DialogCode.Accepted


def ask(parent: QWidget, title: str, intro: str, *fields: TextField) -> dict[str, str] | None:
    """The stripped values of the fields, or None if the user cancelled."""
    form = TextForm(title, intro, fields, parent)
    try:
        return form.values() if run(form) else None
    finally:
        form.deleteLater()
