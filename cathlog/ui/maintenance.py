"""The main window's housekeeping: automatic and manual backups, restore, and
the background integrity check. A mixin of MainWindow (which provides
``services``, ``actor``, ``backup_folder``, ``statusBar()``, ``reload()`` and
``_fail()``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QThread, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox

from cathlog.domain.errors import CathlogError

if TYPE_CHECKING:  # for the type checker, the mixin is the window it is mixed into
    from PySide6.QtWidgets import QMainWindow as _Window

    from cathlog.domain.records import Actor
    from cathlog.services import Services
else:
    _Window = object


class _Worker(QThread):
    """Runs one function off the GUI thread and reports its result."""

    done = Signal(object)

    def __init__(self, fn: Callable[[], object]):
        super().__init__()
        self._fn = fn

    def run(self) -> None:
        self.done.emit(self._fn())


class MaintenanceMixin(_Window):
    if TYPE_CHECKING:  # provided by MainWindow
        services: Services
        actor: Actor
        backup_folder: Path | None

        def reload(self) -> None: ...

        def _fail(self, exc: CathlogError) -> None: ...

    def start_background_check(self, path: Path) -> None:
        """quick_check reads the whole file, so it runs beside the nurse, not before her."""
        from cathlog.store.db import quick_check_file

        self._check = _Worker(lambda: quick_check_file(path))
        self._check.done.connect(self._check_finished)
        self._check.start()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        check = getattr(self, "_check", None)
        if check is not None and check.isRunning():
            check.wait()  # a QThread must not be destroyed while it runs
        super().closeEvent(event)

    def _check_finished(self, problem: object) -> None:
        if problem is None:
            self.statusBar().showMessage("Database check: ok", 8000)
            return
        self.services.store.stop_writing()
        QMessageBox.critical(self, "cathlog: the database is damaged",
                             f"The start-up check found damage ({problem}). Saving is stopped so that nothing more "
                             "is written to the damaged file. Close cathlog and start it again to restore the last "
                             "verified backup; write down anything you enter meanwhile.")

    def backup_as(self) -> None:
        path = QFileDialog.getSaveFileName(self, "Back up to", "cathlog-backup.db")[0]
        if not path:
            return
        try:
            info = self.services.admin.backup(self.actor, Path(path))
        except (CathlogError, OSError) as exc:
            self._fail(exc if isinstance(exc, CathlogError) else CathlogError(str(exc)))
            return
        QMessageBox.information(self, "cathlog", f"Backed up to {info.path} ({info.size_bytes} bytes); "
                                                 "integrity checked.")

    def restore_from(self) -> None:
        path = QFileDialog.getOpenFileName(self, "Restore from a backup", "", "cathlog databases (*.db)")[0]
        if not path:
            return
        answer = QMessageBox.question(self, "Restore", "Replace the database with this backup? Entries made "
                                      "after it was taken are not in it; the current file is kept under a new name.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            kept = self.services.admin.restore(self.actor, Path(path))
        except (CathlogError, OSError) as exc:
            self._fail(exc if isinstance(exc, CathlogError) else CathlogError(str(exc)))
            return
        self.reload()
        QMessageBox.information(self, "cathlog", f"Restored. The replaced file is kept as {kept}.")

    def backup_now(self, why: str) -> None:
        """An automatic, verified backup (kept: the newest 14); a failure is reported, never fatal."""
        if self.backup_folder is None:
            return
        try:
            info = self.services.admin.automatic_backup(self.backup_folder)
        except (CathlogError, OSError) as exc:
            self.statusBar().showMessage(f"⚠ Automatic backup ({why}) failed: {exc}", 30000)
            return
        self.statusBar().showMessage(f"Backup ({why}) written: {info.path.name}", 10000)
