"""The server's line in the status bar, and the other rooms' changes (issue 17 items 3 and 5).

On a PostgreSQL server the main window shows, on the right of its status bar, whether the server is
reached ("Server: cathlog_app@db.lab/cathlog — connected") or not ("Server unreachable since 16:42 —
saves are refused, your input is kept"). It changes at once when a save or a read finds the connection
lost (``services.connection.on_state``) and back to connected when the workstation's connection works
again (the engine connects again by itself at the next save; this line checks it, bounded, when the
listener hears the server again and every :data:`CHECK_MS` while it is unreachable).

The other workstations' changes come from a listener on a connection of its own
(``services.connection.watch``), run on a thread of its own (``_WatchThread``) so a wait never blocks
the window: each change another workstation commits reaches the window as ``changed`` (the case's id, or
None for "anything may have changed": the listener was away). While the listener's connection is lost
the window checks the newest audit row's number every :data:`POLL_MS` instead, and says so.

On a database file none of this runs and the status bar shows nothing new.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QObject, QThread, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from cathlog.domain.errors import CathlogError
from cathlog.services import Services
from cathlog.services.connection import ChangeWatch, WatchReport
from cathlog.ui.theme import set_tone

POLL_MS = 5000  # while the listener is away: the audit head read this often (one indexed read)
CHECK_MS = 5000  # while the server is unreachable: how often the workstation's connection is tried
WAIT_S = 0.5  # the listener thread's longest wait (how long stopping it may take, plus a connect timeout)


class _WatchThread(QThread):
    """Runs the listener's steps until stopped; every report goes to the window as a queued signal."""

    report = Signal(object)

    def __init__(self, watch: ChangeWatch):
        super().__init__()
        self.watch = watch

    def run(self) -> None:
        try:
            while not self.watch.stopped:
                found = self.watch.step(WAIT_S)
                if found is not None:
                    self.report.emit(found)
        finally:
            self.watch.listener.close()


class ServerStatus(QObject):
    changed = Signal(object)  # a case's id another workstation changed, or None: anything may have changed
    state_changed = Signal(str)  # the line's new text (tests wait on it)
    _found = Signal(bool, str)  # the engine found the connection lost or usable (from any thread)

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.label = QLabel("")
        self.label.setObjectName("server_status")
        self.label.setAccessibleName("database server connection")
        self.where = services.connection.where()
        self.unreachable_since: datetime | None = None
        self.problem = ""
        self.listening: bool | None = None  # None: not known yet
        self._head: int | None = None
        self._thread: _WatchThread | None = None
        self._found.connect(self._on_found)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.tick)

    def start(self) -> None:
        """Watch the server (nothing on a file)."""
        if not self.services.connection.on_server or self._thread is not None:
            return
        self.services.connection.on_state(self._found.emit)
        watch = self.services.connection.watch()
        if watch is None:
            return
        self._thread = _WatchThread(watch)
        self._thread.report.connect(self._on_report)
        self._thread.start()
        self._poll.start()
        self._show()

    def stop(self) -> None:
        """Stop the listener and wait for its thread (at most its wait plus a connect timeout)."""
        self._poll.stop()
        self.services.connection.forget_state(self._found.emit)
        if self._thread is not None:
            self._thread.watch.stop()
            self._thread.wait()
            self._thread = None

    # --- what was found ---------------------------------------------------------------

    def _on_found(self, reachable: bool, why: str) -> None:
        if reachable:
            self.unreachable_since, self.problem = None, ""
        elif self.unreachable_since is None:
            self.unreachable_since, self.problem = datetime.now(), why
        self._show()

    def _on_report(self, report: WatchReport) -> None:
        was = self.listening
        self.listening = report.listening
        if not report.listening:
            self.problem = report.problem
            self._show()
            return
        if self.unreachable_since is not None or self.services.connection.lost:
            self.check()  # the server answers the listener again: is the workstation's connection back?
        if report.missed or (was is False):
            self.changed.emit(None)
        for change in report.changes:
            self.changed.emit(change.procedure_id)
        if was is not True:
            self._show()

    def check(self) -> bool:
        """The workstation's own connection tried once (bounded by its connect timeout); True when the
        server is reached. Its result arrives through ``on_state`` too."""
        try:
            self.services.connection.check()
        except CathlogError as exc:
            self._on_found(False, str(exc))
            return False
        self._on_found(True, "")
        return True

    def tick(self) -> None:
        """Every few seconds: while unreachable, try again (only when the listener hears the server, so
        a dropped link never stalls the window); while the listener is away, read the audit head."""
        if self.unreachable_since is not None:
            if self.listening:
                self.check()
            return
        if self.listening is not False:
            return
        try:
            head = self.services.connection.head()
        except CathlogError as exc:
            self._on_found(False, str(exc))
            return
        if self._head is not None and head != self._head:
            self.changed.emit(None)
        self._head = head

    # --- the line ---------------------------------------------------------------------

    def text(self) -> str:
        if self.unreachable_since is not None:
            return (f"Server unreachable since {self.unreachable_since:%H:%M} — saves are refused, "
                    "your input is kept")
        if self.listening is False:
            return (f"Server: {self.where} — connected; live updates lost, checking for changes every "
                    f"{POLL_MS // 1000} s")
        return f"Server: {self.where} — connected"

    def _show(self) -> None:
        text = self.text()
        self.label.setText(text)
        tip = text
        if self.problem:
            tip += f"\n{self.problem}"
        if self.unreachable_since is not None:
            tip += "\nThe workstation connects again by itself; a refused entry stays in its form: save it again."
        self.label.setToolTip(tip)
        set_tone(self.label, "error" if self.unreachable_since is not None else None)
        self.state_changed.emit(text)
