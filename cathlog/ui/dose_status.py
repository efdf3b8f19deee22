"""The dose-report listener while the GUI runs, and its line in the status bar (issue 15 items 2 and 5).

When the lab's setting "dose reports: listen" is yes, the listener starts with the main window, for the
signed-in nurse or physician (a new user signing in takes it over), and stops when the window closes.
The status line says whether it listens (AE title, port), the last report received and what became of
it, and how many reports wait in the inbox; a report arriving (on pynetdicom's thread) reaches the
window through a queued signal, so the open case and the line refresh on the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QWidget

from cathlog.domain.enums import Action
from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor
from cathlog.services import Services
from cathlog.services.dose_listener import RunningListener


class DoseStatus(QObject):
    HOST = "0.0.0.0"  # every interface: the X-ray system is another machine (tests listen on 127.0.0.1)
    received = Signal(str)  # a report arrived (the message of what became of it); emitted from any thread
    changed = Signal()  # the status line was redrawn (tests wait on it)

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.running: RunningListener | None = None
        self.problem: str | None = None
        self.label = QLabel("")
        self.label.setObjectName("dose_status")
        self.label.setAccessibleName("dose report listener")
        self.received.connect(self._on_received)  # queued across threads: handled on the GUI thread

    def start(self) -> None:
        """Listen when the lab's settings say so and the signed-in user may record entries."""
        self.stop()
        self.problem = None
        try:
            config = self.services.dose_listener.settings(self.actor)
            if config.enabled and self.services.auth.may(self.actor, Action.RECORD_EVENT):
                self.running = self.services.dose_listener.start(
                    self.actor, host=self.HOST, on_received=lambda r: self.received.emit(r.message))
        except OSError as exc:
            self.problem = f"cannot listen: {exc.strerror or exc}"
        except CathlogError as exc:
            self.problem = str(exc)
        self.refresh()

    def stop(self) -> None:
        if self.running is not None:
            try:
                self.running.stop()
            except CathlogError as exc:  # the stop's audit row could not be written (disk full...)
                self.problem = str(exc)
            self.running = None

    def set_actor(self, actor: Actor) -> None:
        if actor.username != self.actor.username:
            self.actor = actor
            if self.running is not None or self.services.dose_listener.settings(actor).enabled:
                self.start()
        self.refresh()

    def _on_received(self, message: str) -> None:
        self.refresh()

    def text(self) -> str:
        if self.running is not None:
            line = self.running.status_text()
        elif self.problem:
            line = f"Dose reports: {self.problem}"
        else:
            line = "Dose reports: not listening (File → Settings…)"
        try:
            waiting = self.services.dose.waiting_count(self.actor)
        except CathlogError:
            waiting = 0
        return line + (f" · {waiting} waiting in the dose inbox" if waiting else "")

    def refresh(self) -> None:
        text = self.text()
        self.label.setText(text if len(text) <= 140 else text[:139] + "…")
        self.label.setToolTip(text)
        self.changed.emit()
