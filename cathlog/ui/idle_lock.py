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
from PySide6.QtGui import QGuiApplication, QIcon, QKeyEvent, QShowEvent, QWindow
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLayout, QLineEdit, \
    QVBoxLayout, QWidget

from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor
from cathlog.services import Services
from cathlog.ui.enter_flow import focus_first_empty, handle_enter
from cathlog.ui.lab_settings import DEFAULT_IDLE_S
from cathlog.ui.labels import error_label

_ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
             QEvent.Type.TouchBegin}


class IdleWatch(QObject):
    """Watches the input of the application's windows; emits ``idle`` once after ``limit_s`` without any.

    Keys and the mouse reach a window (QWindow) before its widgets, so a filter on each window that gets
    the focus sees all of them. Not a filter on the whole application: a Python event filter there crashed
    PySide6 while it made the wrapper of an object an event was for (see ui/combo.py)."""

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
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.connect(self._watch)
            self._watch(app.focusWindow())
        self._timer.start()

    def _watch(self, window: QWindow | None) -> None:
        if window is not None:
            window.installEventFilter(self)  # installing it again is harmless: it runs once

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
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.disconnect(self._watch)
            for window in app.topLevelWindows():
                window.removeEventFilter(self)


LOCK_REASONS = {
    "idle": "Locked after inactivity",
    "lock": "Locked",
    "switch": "Switch user",
}


class LockDialog(QDialog):
    """Covers the window; returns the Actor who signed in (the same or another).

    ``reason``: "idle" (the idle lock), "lock" (Lock now) or "switch" (Switch user: the user name
    starts empty for the next user). Opens with focus on the first empty field; Enter moves on and
    unlocks only when both fields are filled (``enter_flow``)."""

    def __init__(self, services: Services, locked_for: Actor, parent: QWidget | None = None, reason: str = "idle"):
        super().__init__(parent)
        self.services = services
        self.actor: Actor | None = None
        self.setWindowTitle("cathlog — Locked")
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)  # no resize handle (a stray line)
        title = QLabel(LOCK_REASONS.get(reason, LOCK_REASONS["lock"]))
        title.setObjectName("Title")
        layout.addWidget(title)
        if reason == "switch":
            words = (f"{locked_for.display_name}'s work stays as it was, hidden. The next user signs in with "
                     f"their own name and password and gets their own view; {locked_for.display_name} can "
                     "come back the same way.")
        else:
            words = (f"{locked_for.display_name} can continue with their password. Another user may sign in: "
                     "they get their own view, and nothing half-typed is shown to them.")
        text = QLabel(words)
        text.setObjectName("Subtitle")
        text.setWordWrap(True)
        text.setMinimumWidth(460)
        layout.addWidget(text)
        form = QFormLayout()
        form.setVerticalSpacing(10)
        self.username = QLineEdit("" if reason == "switch" else locked_for.username)
        self.username.setAccessibleName("user name")
        self.password = QLineEdit()
        self.password.setAccessibleName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("User name", self.username)
        form.addRow("Password", self.password)
        layout.addLayout(form)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.unlock_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.unlock_button.setText("Sign in" if reason == "switch" else "Unlock")
        self.unlock_button.setIcon(QIcon())
        for field in (self.username, self.password):
            field.setMinimumWidth(340)
        buttons.accepted.connect(self.submit)
        layout.addWidget(buttons)

    @property
    def fields(self) -> list[QLineEdit]:
        return [self.username, self.password]

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        focus_first_empty(self, self.fields)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if not handle_enter(self, event, self.fields, self.submit):
            super().keyPressEvent(event)

    def reject(self) -> None:  # Escape must not unlock
        return

    def submit(self) -> None:
        try:
            self.actor = self.services.auth.sign_in(self.username.text().strip(), self.password.text())
        except CathlogError as exc:
            self.error.setText(f"⚠ {exc}")
            self.error.show()
            self.password.setFocus()
            return
        finally:
            self.password.clear()
        self.accept()
