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

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QIcon, QKeyEvent, QShowEvent
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

from cathlog.domain.enums import Role
from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor
from cathlog.ui.enter_flow import focus_first_empty, handle_enter
from cathlog.ui.widgets import error_label
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
QUIT_QUESTION = "Quit cathlog?"


def ask_quit(parent: QWidget, detail: str = "Nobody is signed in.") -> bool:
    """True when the user confirms quitting cathlog (No is the default)."""
    answer = QMessageBox.question(parent, "cathlog", f"{QUIT_QUESTION}\n\n{detail}",
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class _Base(QDialog):
    def __init__(self, services: ServicesLike, title: str, intro: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
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


_STEPS = {
    Role.ADMIN: ("Step 1 of 3: the administrator",
                 "Create the first administrator account. The administrator adds nurses and physicians and "
                 "looks after the lab's settings and backups; clinical entries are made under the nurses' and "
                 "physicians' own accounts."),
    Role.NURSE: ("Step 2 of 3: the first nurse",
                 "Create the first nurse's account: nurses open cases and log the procedure."),
    Role.PHYSICIAN: ("Step 3 of 3: the first physician",
                     "Create the first physician's account: physicians log, review and sign cases."),
}
ADD_LATER = ("You may skip this: the administrator adds nurses and physicians at any time under "
             "Admin → Users and roles.")


class FirstRunDialog(_Base):
    """A new, empty database: the first admin, then (each may be skipped) the first nurse and the
    first physician, so the new lab can start logging at once."""

    def __init__(self, services: ServicesLike, db_label: str, parent: QWidget | None = None):
        super().__init__(services, "Welcome to cathlog", "", parent)
        self.db_label = db_label
        self.step = Role.ADMIN
        self.created: list[tuple[Role, str]] = []  # (role, username) of each account made here
        self.step_label = QLabel("")
        self.step_label.setObjectName("FormTitle")
        self.form.addRow(self.step_label)
        self.outer.removeWidget(self.intro)  # below the step's title, not above it
        self.form.addRow(self.intro)
        self.done_label = QLabel("")
        self.done_label.setObjectName("Hint")
        self.done_label.setWordWrap(True)
        self.done_label.setAccessibleName("accounts created so far")
        self.form.addRow(self.done_label)
        self.username = self.add_field("User name", _line("user_name"))
        self.username.setPlaceholderText("lower-case letters, digits, . _ -")
        self.display_name = self.add_field("Full name", _line("full_name"))
        self.display_name.setPlaceholderText("as it appears on reports, e.g. RN Kate Walsh")
        self.password = self.add_field("Password (8 or more characters)", _line("password", password=True))
        self.password_again = self.add_field("Password again", _line("password_again", password=True))
        for field in self.fields:  # the same width at every step
            field.setMinimumWidth(380)
        self.demo = QCheckBox("Also load 25 demo cases (synthetic patients)")
        self.demo.setAccessibleName("load demo cases")
        self.form.addRow("", self.demo)
        self._show_step()

    def _show_step(self) -> None:
        title, text = _STEPS[self.step]
        self.step_label.setText(title)
        if self.step is Role.ADMIN:
            self.intro.setText(f"This database is new ({self.db_label}). {text}")
            self.ok_button.setText("Create administrator")
            self.cancel_button.setText("Cancel")
            self.cancel_button.setToolTip("Quit cathlog without creating any account")
        else:
            self.intro.setText(f"{text} {ADD_LATER}")
            self.ok_button.setText(f"Create {self.step.value}")
            self.cancel_button.setText(f"Skip the {self.step.value}")
            self.cancel_button.setToolTip(f"Go on without a {self.step.value} account (add one later under "
                                          "Admin → Users and roles)")
        self.done_label.setText(self._done_text())
        self.done_label.setVisible(bool(self.created))
        self.demo.setVisible(self.step is Role.ADMIN)
        for field in self.fields:
            field.clear()
        self.show_error("")
        if self.isVisible():
            focus_first_empty(self, self.fields)

    def _done_text(self) -> str:
        made = [f"the {role.value} {name!r}" for role, name in self.created]
        demo = ("; 25 demo cases loaded (they are recorded under demo accounts nobody can sign in with: "
                "create real accounts here)") if self.demo.isChecked() and self.created else ""
        return f"✓ Created {', '.join(made)}{demo}." if made else ""

    def submit(self) -> Actor:
        if self.password.text() != self.password_again.text():
            raise CathlogError("the two passwords differ")
        username = self.username.text().strip()
        if self.step is Role.ADMIN:
            actor = self.services.auth.create_first_admin(username, self.display_name.text(), self.password.text())
            self.actor = actor
            if self.demo.isChecked():
                self.services.demo.load(actor, 25)
        else:
            assert self.actor is not None
            self.services.auth.add_user(self.actor, username, self.display_name.text(), self.step,
                                        self.password.text())
        self.created.append((self.step, username))
        return self.actor

    def _submit(self) -> None:
        try:
            self.submit()
        except CathlogError as exc:
            self.password.clear()
            self.password_again.clear()
            self.show_error(str(exc))
            return
        self._next_step()

    def _next_step(self) -> None:
        if self.step is Role.PHYSICIAN:
            self.accept()
            return
        self.step = Role.NURSE if self.step is Role.ADMIN else Role.PHYSICIAN
        self._show_step()

    def _cancel(self) -> None:
        """Before the admin exists: Cancel asks whether to quit. After: Skip goes to the next step."""
        if self.actor is None:
            super()._cancel()
        else:
            self._next_step()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.actor is not None:  # the admin exists: closing the window finishes, signed in as the admin
            event.accept()
            self.accept()
            return
        super().closeEvent(event)

    @classmethod
    def ask(cls, services: ServicesLike, db_label: str, parent: QWidget | None = None) -> Actor | None:
        dialog = cls(services, db_label, parent)
        dialog.exec()
        return dialog.actor  # the admin, once created (even when the nurse and physician are skipped)


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
