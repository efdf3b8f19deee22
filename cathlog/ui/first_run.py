"""The first run of a new database: the first admin, then (each may be skipped) the first nurse
and physician. Apart from the sign-in window (``cathlog.ui.sign_in``), which every start shows and
which must not wait for the domain's vocabularies to load."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QCheckBox, QLabel, QWidget

from cathlog.domain.enums import Role
from cathlog.domain.errors import CathlogError
from cathlog.ui.enter_flow import focus_first_empty
from cathlog.ui.sign_in import ServicesLike, _Base, _line

if TYPE_CHECKING:
    from cathlog.domain.records import Actor


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
