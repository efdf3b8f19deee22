"""Idle lock (HIPAA 164.312 automatic logoff, OWASP idle limits): after a
configurable idle time the window locks rather than logging out. The same
user unlocks with the password and finds everything as it was; another user
who signs in gets their own view, and a half-typed entry stays hidden and
kept for its author. Idle time comes from a monotonic clock, so changing the
wall clock cannot delay the lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor
from cathlog.services import Services
from cathlog.ui.lab_settings import DEFAULT_IDLE_S

_ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
             QEvent.Type.TouchBegin}


class IdleWatch(QObject):
    """Watches the application's input; emits ``idle`` once after ``limit_s`` without any."""

    idle = Signal()

    def __init__(self, limit_s: float = DEFAULT_IDLE_S, clock: Callable[[], float] = time.monotonic,
                 check_ms: int = 5000, parent: QObject | None = None):
        super().__init__(parent)
        self.limit_s, self.clock = limit_s, clock
        self.last_activity = clock()
        self.locked = False
        self._timer = QTimer(self)
        self._timer.setInterval(check_ms)
        self._timer.timeout.connect(self.check)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in _ACTIVITY:
            self.last_activity = self.clock()
        return False

    def check(self) -> None:
        if not self.locked and self.clock() - self.last_activity >= self.limit_s:
            self.locked = True
            self.idle.emit()

    def unlocked(self) -> None:
        self.locked = False
        self.last_activity = self.clock()

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class LockDialog(QDialog):
    """Covers the window; returns the Actor who signed in (the same or another)."""

    def __init__(self, services: Services, locked_for: Actor, parent=None):
        super().__init__(parent)
        self.services = services
        self.actor: Actor | None = None
        self.setWindowTitle("cathlog — locked")
        self.setModal(True)
        layout = QVBoxLayout(self)
        title = QLabel("🔒 Locked after inactivity")
        title.setObjectName("Title")
        layout.addWidget(title)
        text = QLabel(f"{locked_for.display_name} can continue with their password. Another user may sign in: "
                      "they get their own view, and nothing half-typed is shown to them.")
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        self.username = QLineEdit(locked_for.username)
        self.username.setAccessibleName("user name")
        self.password = QLineEdit()
        self.password.setAccessibleName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("User name", self.username)
        form.addRow("Password", self.password)
        layout.addLayout(form)
        self.error = QLabel("")
        self.error.setObjectName("Error")
        self.error.setAccessibleName("error message")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Unlock")
        buttons.accepted.connect(self.submit)
        layout.addWidget(buttons)
        self.password.setFocus()

    def reject(self) -> None:  # Escape must not unlock
        return

    def submit(self) -> None:
        try:
            self.actor = self.services.auth.sign_in(self.username.text().strip(), self.password.text())
        except CathlogError as exc:
            self.error.setText(f"⚠ {exc}")
            return
        finally:
            self.password.clear()
        self.accept()
