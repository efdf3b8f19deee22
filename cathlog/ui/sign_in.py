"""Start-up dialogs: first-run admin creation and sign-in.

Each has a class method ``ask(...)`` that returns the signed-in Actor or
None, so tests can drive the dialog or replace ``ask`` entirely. Fields are
checked on submit and refused with a message in the dialog; nothing is
truncated (no maxLength) or silently changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Union

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor
if TYPE_CHECKING:
    from cathlog.services import Services


def _line(name: str, password: bool = False) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setAccessibleName(name.replace("_", " "))
    if password:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


ServicesLike = Union["Services", Callable[[], "Services | None"]]


class _Base(QDialog):
    def __init__(self, services: ServicesLike, title: str, intro: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self.actor: Actor | None = None
        self.setWindowTitle(f"cathlog — {title}")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        heading = QLabel(title)
        heading.setObjectName("Title")
        layout.addWidget(heading)
        text = QLabel(intro)
        text.setObjectName("Subtitle")
        text.setWordWrap(True)
        layout.addWidget(text)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.form.setVerticalSpacing(10)
        layout.addLayout(self.form)
        self.error = QLabel("")
        self.error.setObjectName("Error")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("error message")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        for button in self.buttons.buttons():
            button.setIcon(QIcon())
        layout.addWidget(self.buttons)

    @property
    def services(self) -> Services:
        """The services, opened on first use when a provider was given (fast start-up)."""
        services = self._services() if callable(self._services) else self._services
        if services is None:
            raise CathlogError("the database could not be opened")
        return services

    def show_error(self, text: str) -> None:
        self.error.setText(f"⚠ {text}")

    def _submit(self) -> None:
        try:
            self.actor = self.submit()
        except CathlogError as exc:
            self.show_error(str(exc))
            return
        self.accept()

    def submit(self) -> Actor:  # pragma: no cover - overridden
        raise NotImplementedError


class FirstRunDialog(_Base):
    """A new, empty database: create the first admin account."""

    def __init__(self, services: ServicesLike, db_label: str, parent: QWidget | None = None):
        super().__init__(services, "Welcome to cathlog",
                         f"This database is new ({db_label}). Create the first administrator account. "
                         "The administrator adds nurses and physicians; clinical entries are made under their "
                         "own accounts.", parent)
        self.username = _line("user_name")
        self.username.setPlaceholderText("lower-case letters, digits, . _ -")
        self.display_name = _line("full_name")
        self.password = _line("password", password=True)
        self.password_again = _line("password_again", password=True)
        self.demo = QCheckBox("Also load 25 demo cases (synthetic patients) to try cathlog")
        self.demo.setAccessibleName("load demo cases")
        self.form.addRow("User name", self.username)
        self.form.addRow("Full name", self.display_name)
        self.form.addRow("Password (8 or more characters)", self.password)
        self.form.addRow("Password again", self.password_again)
        self.form.addRow("", self.demo)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create administrator")

    def submit(self) -> Actor:
        if self.password.text() != self.password_again.text():
            raise CathlogError("the two passwords differ")
        actor = self.services.auth.create_first_admin(self.username.text().strip(), self.display_name.text(),
                                                      self.password.text())
        if self.demo.isChecked():
            self.services.demo.load(actor, 25)
        return actor

    @classmethod
    def ask(cls, services: ServicesLike, db_label: str, parent: QWidget | None = None) -> Actor | None:
        dialog = cls(services, db_label, parent)
        return dialog.actor if dialog.exec() == QDialog.DialogCode.Accepted else None


class SignInDialog(_Base):
    def __init__(self, services: ServicesLike, db_label: str, parent: QWidget | None = None):
        super().__init__(services, "Sign in", f"Database: {db_label}", parent)
        self.username = _line("user_name")
        self.password = _line("password", password=True)
        self.form.addRow("User name", self.username)
        self.form.addRow("Password", self.password)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")

    def submit(self) -> Actor:
        try:
            return self.services.auth.sign_in(self.username.text().strip(), self.password.text())
        finally:
            self.password.clear()

    @classmethod
    def ask(cls, services: ServicesLike, db_label: str, parent: QWidget | None = None) -> Actor | None:
        dialog = cls(services, db_label, parent)
        return dialog.actor if dialog.exec() == QDialog.DialogCode.Accepted else None
