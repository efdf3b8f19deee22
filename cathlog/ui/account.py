"""The signed-in user's own account: Change my password (every role).

The old password is checked as at sign-in (``AuthService.change_own_password``: a wrong one counts
as a failed sign-in, with the same delays); the new one follows the same rules as any password and
is typed twice. Nothing is kept in the fields after a refusal.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QKeyEvent, QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLayout, QLineEdit, QVBoxLayout, \
    QWidget

from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor
from cathlog.services import Services
from cathlog.ui.enter_flow import focus_first_empty, handle_enter
from cathlog.ui.labels import error_label


def _password(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setAccessibleName(name.replace("_", " "))
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class ChangePasswordDialog(QDialog):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.changed = False
        self.setWindowTitle("cathlog — Change my password")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        title = QLabel("Change my password")
        title.setObjectName("Title")
        layout.addWidget(title)
        text = QLabel(f"For {actor.display_name} ({actor.username}). At least 8 characters, not your user name "
                      "and not a common password.")
        text.setObjectName("Subtitle")
        text.setWordWrap(True)
        text.setMinimumWidth(460)
        layout.addWidget(text)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setVerticalSpacing(10)
        self.old = _password("old_password")
        self.new = _password("new_password")
        self.again = _password("new_password_again")
        form.addRow("Current password", self.old)
        form.addRow("New password", self.new)
        form.addRow("New password again", self.again)
        layout.addLayout(form)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Change password")
        for button in buttons.buttons():
            button.setIcon(QIcon())
        for field in self.fields:
            field.setMinimumWidth(340)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    @property
    def fields(self) -> list[QLineEdit]:
        return [self.old, self.new, self.again]

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        focus_first_empty(self, self.fields)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if not handle_enter(self, event, self.fields, self.submit):
            super().keyPressEvent(event)

    def _refuse(self, text: str, focus: QLineEdit) -> None:
        self.error.setText(f"⚠ {text}")
        self.error.show()
        for field in self.fields:
            field.clear()
        focus.setFocus()

    def submit(self) -> None:
        if self.new.text() != self.again.text():
            self._refuse("the two new passwords differ; type them again", self.old)
            return
        try:
            self.services.auth.change_own_password(self.actor, self.old.text(), self.new.text())
        except CathlogError as exc:
            self._refuse(str(exc), self.old)
            return
        for field in self.fields:
            field.clear()
        self.changed = True
        self.accept()
