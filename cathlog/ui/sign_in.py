"""Start-up dialogs: first run (the first admin, then the first nurse and physician) and sign-in.

Each has a class method ``ask(...)`` that returns the signed-in Actor or None, so tests can drive
the dialog or replace ``ask`` entirely. Fields are checked on submit and refused with a message in
the dialog; nothing is truncated (no maxLength) or silently changed. The dialogs open with focus on
the first empty field; Enter moves on to the next empty field and submits only a complete form
(``enter_flow``); cancelling asks before cathlog quits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Union

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QIcon, QKeyEvent, QPaintEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from cathlog.domain.errors import CathlogError
from cathlog.ui.enter_flow import focus_first_empty, handle_enter
from cathlog.ui.labels import error_label

if TYPE_CHECKING:  # not imported at start-up: the window shows before the rest of cathlog loads
    from cathlog.domain.records import Actor
    from cathlog.services import Services


def _line(name: str, password: bool = False) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setAccessibleName(name.replace("_", " "))
    if password:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


ServicesLike = Union["Services", Callable[[], "Services | None"]]
QUIT_QUESTION = "Quit cathlog?"


def ask_quit(parent: QWidget, detail: str = "Nobody is signed in.") -> bool:
    """True when the user confirms quitting cathlog (No is the default)."""
    answer = QMessageBox.question(parent, "cathlog", f"{QUIT_QUESTION}\n\n{detail}",
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class _Base(QDialog):
    # Once, after the window is first drawn: cathlog opens the database then (cathlog.app), not
    # before, so the user sees the window while the rest of cathlog loads.
    first_painted = Signal()

    def __init__(self, services: ServicesLike, title: str, intro: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self._painted = False
        self.actor: Actor | None = None
        self.fields: list[QLineEdit] = []  # in the order Enter and Tab go through them
        self.setWindowTitle(f"cathlog — {title}")
        self.setMinimumWidth(520)
        layout = self.outer = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        # Fixed to its contents: the window manager then draws no resize handle, the stray line
        # that showed under the buttons (the dialog still grows when an error message appears).
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        self.heading = QLabel(title)
        self.heading.setObjectName("Title")
        layout.addWidget(self.heading)
        self.intro = QLabel(intro)
        self.intro.setObjectName("Subtitle")
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.form.setVerticalSpacing(10)
        layout.addLayout(self.form)
        self.error = error_label()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self._cancel)
        for button in self.buttons.buttons():
            button.setIcon(QIcon())
        layout.addWidget(self.buttons)

    def add_field(self, label: str, edit: QLineEdit) -> QLineEdit:
        edit.setMinimumWidth(340)  # the dialog is fixed to its contents: its width comes from here
        self.form.addRow(label, edit)
        self.fields.append(edit)
        return edit

    @property
    def services(self) -> Services:
        """The services, opened on first use when a provider was given (fast start-up)."""
        services = self._services() if callable(self._services) else self._services
        if services is None:
            raise CathlogError("the database could not be opened")
        return services

    def show_error(self, text: str) -> None:
        self.error.setText(f"⚠ {text}" if text else "")
        self.error.setVisible(bool(text))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        focus_first_empty(self, self.fields)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Escape:
            self._cancel()
        elif not handle_enter(self, event, self.fields, self._submit):
            super().keyPressEvent(event)

    def ask_quit(self) -> bool:
        """Asked when the user cancels with nobody signed in."""
        return ask_quit(self)

    def _cancel(self) -> None:
        """Cancel or Escape: cathlog quits only when the user says so."""
        if self.ask_quit():
            self.reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """The window's close button asks too; a close made by the program (``close()``) does not."""
        if event.spontaneous() and not self.ask_quit():
            event.ignore()
            return
        super().closeEvent(event)

    def _submit(self) -> None:
        try:
            self.actor = self.submit()
        except CathlogError as exc:
            self.show_error(str(exc))
            return
        self.accept()

    def submit(self) -> Actor:  # pragma: no cover - overridden
        raise NotImplementedError


class SignInDialog(_Base):
    def __init__(self, services: ServicesLike, db_label: str, parent: QWidget | None = None,
                 username: str = ""):
        super().__init__(services, "Sign in", f"Database: {db_label}", parent)
        self.username = self.add_field("User name", _line("user_name"))
        self.username.setText(username)
        self.password = self.add_field("Password", _line("password", password=True))
        self.ok_button.setText("Sign in")

    def submit(self) -> Actor:
        try:
            return self.services.auth.sign_in(self.username.text().strip(), self.password.text())
        finally:
            self.password.clear()
            self.password.setFocus()

    @classmethod
    def ask(cls, services: ServicesLike, db_label: str, parent: QWidget | None = None) -> Actor | None:
        dialog = cls(services, db_label, parent)
        return dialog.actor if dialog.exec() == QDialog.DialogCode.Accepted else None


def __getattr__(name: str) -> object:
    """``FirstRunDialog`` lives in ``cathlog.ui.first_run`` (a new database only): loaded when named."""
    if name == "FirstRunDialog":
        from cathlog.ui.first_run import FirstRunDialog

        return FirstRunDialog
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
