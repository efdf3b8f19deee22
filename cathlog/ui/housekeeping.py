"""Housekeeping beside the main window: automatic backups (daily while the
program stays open, and on close), the background integrity check, the
admin's "back up as" dialog and the restore screen (ui/restore_dialog.py), noticing a restore made by
another window or the command line, and the session's private temporary
folder (the PDFs handed to the system viewer to print), removed at exit.

A collaborator the window owns, not a mixin: it talks to the window only
through its signals (``message`` for the status line, ``restored`` to reload
what is shown, ``checked`` when the background check is done) and to the
database only through the admin services.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor
from cathlog.fileio import SessionTemp
from cathlog.services import Services
from cathlog.ui.restore_dialog import RestoreDialog

DAILY_MS = 24 * 3600 * 1000
SERVER_KEPT_BY_IT = ("On a database server, backups, restores and the integrity check are the lab's IT's: "
                     "the server is backed up with pg_dump (docs/multi-room.md)")
RESTORE_POLL_MS = 3000  # how often a window asks whether the database was restored under it (one small read)


class _Worker(QThread):
    """Runs one function off the GUI thread and reports its result."""

    done = Signal(object)

    def __init__(self, fn: Callable[[], Any]):
        super().__init__()
        self._fn = fn

    def run(self) -> None:
        self.done.emit(self._fn())


class Housekeeping(QObject):
    message = Signal(str, int)  # text for the status line, and for how many ms
    restored = Signal()  # the database was replaced from a backup: reload what is shown
    checked = Signal(object)  # the background check is done: None when sound, else what is wrong

    def __init__(self, services: Services, window: QWidget, backup_folder: Path | None = None,
                 temp_root: Path | None = None):
        """``temp_root``: where the session's private temporary folder is made (default
        ``cathlog.paths.temp_root()``), on first use."""
        super().__init__(window)
        self.services = services
        self.parent_widget = window  # the parent of the dialogs
        self.backup_folder = backup_folder
        self._temp_root = temp_root
        self._session: SessionTemp | None = None
        self._check: _Worker | None = None
        self._daily = QTimer(self)  # a backup each day the program stays open
        self._daily.setInterval(DAILY_MS)
        self._daily.timeout.connect(lambda: self.backup_now("daily"))
        if backup_folder is not None:
            self._daily.start()
        # On a server, backups, restores and the file check are the lab's IT's (pg_dump: docs/multi-room.md).
        self.on_server = services.connection.on_server
        self._token = None if self.on_server else self._current_token()
        self.restore_watch = QTimer(self)  # a restore from another window or the command line
        self.restore_watch.setInterval(RESTORE_POLL_MS)
        self.restore_watch.timeout.connect(self.check_restored)
        if not self.on_server:
            self.restore_watch.start()

    # --- a restore made elsewhere ---------------------------------------------------------

    def _current_token(self) -> str | None:
        try:
            return self.services.admin.database_replaced_since(None)[1]
        except CathlogError:
            return None

    def check_restored(self) -> bool:
        """One tick of the watch: if the database was restored under this window since the last
        tick, say so and emit ``restored`` (the window reloads what it shows; a half-typed entry
        stays in its form). True when it was."""
        try:
            replaced, token = self.services.admin.database_replaced_since(self._token)
        except CathlogError:  # e.g. the file is busy or damaged: the next tick asks again
            return False
        self._token = token
        if not replaced:
            return False
        self.restored.emit()  # first: the reload's own status text must not hide this one
        self.message.emit(f"⚠ The database was restored from a backup at {datetime.now():%H:%M:%S} (noticed "
                          "by this window); what you see was reloaded. Entries made after that backup are not "
                          "in it; a half-typed entry is still in its form.", 0)
        return True

    # --- the session's temporary folder -------------------------------------------------

    def temp_folder(self, prefix: str = "print-") -> Path:
        """A new private (0700) folder inside this session's temporary folder, removed at exit."""
        if self._session is None:
            from cathlog.paths import temp_root

            self._session = SessionTemp(self._temp_root or temp_root())
        return self._session.new_folder(prefix)

    def end_session(self) -> None:
        """At exit: remove the session's temporary folder and everything in it (printed PDFs)."""
        self.restore_watch.stop()
        if self._session is not None:
            self._session.close()
            self._session = None

    # --- the background check ---------------------------------------------------------

    def start_background_check(self) -> None:
        """quick_check reads the whole file, so it runs beside the nurse, not before her. A server has no
        file here to check: the status line says who looks after it."""
        if self.on_server:
            self.message.emit(SERVER_KEPT_BY_IT, 15000)
            return
        if self._check is not None and self._check.isRunning():
            return
        self._check = _Worker(self.services.admin.background_check)
        self._check.done.connect(self._check_finished)
        self._check.start()

    def wait(self) -> None:
        """Block until the background check has ended (a QThread must not be destroyed while it runs)."""
        if self._check is not None:
            self._check.wait()

    def _check_finished(self, problem: object) -> None:
        if problem is None:
            self.message.emit("Database check: ok", 8000)
        else:
            self.services.admin.stop_writing()
            QMessageBox.critical(self.parent_widget, "cathlog: the database is damaged",
                                 f"The start-up check found damage ({problem}). Saving is stopped so that nothing "
                                 "more is written to the damaged file. Close cathlog and start it again to restore "
                                 "the last verified backup; write down anything you enter meanwhile.")
        self.checked.emit(problem)

    # --- backups ------------------------------------------------------------------------

    def backup_now(self, why: str) -> None:
        """An automatic, verified backup (kept: the newest 14); a failure is reported, never fatal."""
        if self.backup_folder is None:
            return
        try:
            info = self.services.admin.automatic_backup(self.backup_folder)
        except (CathlogError, OSError) as exc:
            self.message.emit(f"⚠ Automatic backup ({why}) failed: {exc}", 30000)
            return
        self.message.emit(f"Backup ({why}) written: {info.path.name}", 10000)

    def backup_as(self, actor: Actor) -> None:
        from cathlog.ui.admin_base import documents_folder

        suggested = documents_folder() / f"cathlog-backup-{datetime.now():%Y%m%d-%H%M}.db"
        path = QFileDialog.getSaveFileName(self.parent_widget, "Back up to", str(suggested))[0]
        if not path:
            return
        try:
            info = self.services.admin.backup(actor, Path(path))
        except (CathlogError, OSError) as exc:
            QMessageBox.warning(self.parent_widget, "cathlog", str(exc))
            return
        QMessageBox.information(self.parent_widget, "cathlog", f"Backed up to {info.path} ({info.size_bytes} bytes); "
                                                        "integrity checked.")

    def restore_dialog(self, actor: Actor) -> RestoreDialog:
        """The restore screen over the backup folder; a restore made there reloads this window."""
        dialog = RestoreDialog(self.services, actor, self.backup_folder, self.parent_widget)
        dialog.restored.connect(self._restored_here)
        return dialog

    def restore_from(self, actor: Actor) -> None:
        self.restore_dialog(actor).exec()

    def _restored_here(self, kept: Path) -> None:
        self._token = self._current_token()  # this window's own restore: reloaded here, not again by the watch
        self.restored.emit()
        self.message.emit(f"Restored from a backup; the replaced database is kept as {kept}", 0)
