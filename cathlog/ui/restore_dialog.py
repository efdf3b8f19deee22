"""Restore from a backup: the backups in the backup folder with their date (local),
size, cases and entries (read from each file by the admin services), whether
each passes verification (checked beside the screen, one file after another),
what restoring the selected one takes out of the live database, a confirmation
that defaults to No, and afterwards where the replaced database is kept.
"Choose another file…" adds any backup file to the list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import QFileDialog, QLabel, QWidget

from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor
from cathlog.services import Services
from cathlog.ui.admin_base import NO_SELECTION_TIP, AdminDialog, confirm, fill, make_table, selected_row

CHECKING = "checking…"
READING = "reading…"
VERIFIED = "✔ verified"


def local_time(utc_iso: str) -> str:
    """'2026-11-21T09:00:00Z' on this computer's clock, 'YYYY-MM-DD HH:MM'."""
    try:
        moment = datetime.fromisoformat(utc_iso.replace("Z", "+00:00"))
    except ValueError:
        return utc_iso
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def size_text(size_bytes: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if size_bytes >= scale:
            return f"{size_bytes / scale:.1f} {unit}"
    return f"{size_bytes} bytes"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


class _Reader(QThread):
    """Off the GUI thread, one file after another: reads each backup's counts (quick), then
    verifies each (slow: the integrity check reads the whole file)."""

    summarised = Signal(str, object)  # path, BackupSummary
    checked = Signal(str, object)  # path, None when sound else why not

    def __init__(self, read: Callable[[Path], object], check: Callable[[Path], str | None],
                 to_read: list[Path], to_check: list[Path], parent: QWidget):
        super().__init__(parent)
        self._read, self._check, self._to_read, self._to_check = read, check, to_read, to_check

    def run(self) -> None:
        for path in self._to_read:
            if self.isInterruptionRequested():
                return
            self.summarised.emit(str(path), self._read(path))
        for path in self._to_check:
            if self.isInterruptionRequested():
                return
            self.checked.emit(str(path), self._check(path))


class RestoreDialog(AdminDialog):
    restored = Signal(object)  # the Path where the replaced database is kept
    all_checked = Signal()

    HEADERS = ("Taken (local time)", "Size", "Cases", "Entries", "Verified", "File")

    def __init__(self, services: Services, actor: Actor, folder: Path | None, parent: QWidget | None = None):
        super().__init__(services, actor, "Restore from a backup", parent, preferred=(1100, 650))
        self.folder = folder
        self.backups: list = []
        self.verified: dict[str, str | None] = {}  # path -> None (sound) or the problem; absent: not yet
        self._threads: list[_Reader] = []
        self._working: set[int] = set()  # the workers not finished yet
        where = QLabel(f"Backups in {folder}" if folder else "No backup folder is set: choose a backup file.")
        where.setObjectName("Hint")
        where.setWordWrap(True)
        self.layout_.addWidget(where)
        self.table = make_table("backups", self.HEADERS)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.layout_.addWidget(self.table, 1)
        self.loss = QLabel("")
        self.loss.setAccessibleName("what restoring loses")
        self.loss.setWordWrap(True)
        self.layout_.addWidget(self.loss)
        row, (self.restore_button, self.choose_button, close) = self.buttons(
            ("Restore the selected backup…", self.restore_chosen), ("Choose another file…", self.choose_another),
            ("Close", self.reject))
        self.layout_.addLayout(row)
        self.kept = QLabel("")
        self.kept.setAccessibleName("kept copy of the replaced database")
        self.kept.setWordWrap(True)
        self.kept.setTextInteractionFlags(self.message.textInteractionFlags())
        self.layout_.addWidget(self.kept)
        self.layout_.addWidget(self.message)
        self.reload()

    # --- the list -----------------------------------------------------------------------

    def reload(self, select: Path | None = None) -> None:
        extra = [b for b in self.backups if self.folder is None or b.path.parent != self.folder]
        try:
            found = self.services.admin.list_backups(self.actor, self.folder) if self.folder else []
        except (CathlogError, OSError) as exc:
            self.say(str(exc), error=True)
            found = []
        self.backups = extra + found
        self._show(select)
        self._read([b.path for b in found], [b.path for b in self.backups if str(b.path) not in self.verified])
        if not self.backups:
            self.say("No backup found in the backup folder: use “Choose another file…”.")

    def _show(self, select: Path | None = None) -> None:
        keep = select or (self.selected().path if self.selected() else None)
        self.table.clearSelection()
        fill(self.table, [self._cells(b) for b in self.backups])
        for i, b in enumerate(self.backups):
            cell = self.table.item(i, 5)
            if cell is not None:
                cell.setToolTip(str(b.path))
        paths = [b.path for b in self.backups]
        if keep in paths:
            self.table.selectRow(paths.index(keep))
        self._selection_changed()

    def _cells(self, b) -> tuple:
        counts = (b.cases, b.entries) if b.read else (READING, READING)
        return (local_time(b.taken_at), size_text(b.size_bytes), "—" if counts[0] is None else counts[0],
                "—" if counts[1] is None else counts[1], self._verified_text(b), b.path.name)

    def _verified_text(self, backup) -> str:
        if backup.problem:
            return f"✖ {backup.problem}"
        if str(backup.path) not in self.verified:
            return CHECKING
        problem = self.verified[str(backup.path)]
        return VERIFIED if problem is None else f"✖ {problem}"

    def _read(self, to_read: list[Path], to_check: list[Path]) -> None:
        """Read the counts of ``to_read``, then verify ``to_check``, beside the screen."""
        if not to_read and not to_check:
            return
        try:
            read = self.services.admin.backup_reader(self.actor)
            check = self.services.admin.backup_verifier(self.actor)
        except CathlogError as exc:
            self.say(str(exc), error=True)
            return
        worker = _Reader(read, check, to_read, to_check, self)
        worker.summarised.connect(self._summarised)
        worker.checked.connect(self._checked)
        worker.finished.connect(self._worker_done)
        self._threads.append(worker)
        self._working.add(id(worker))
        worker.start()

    def _summarised(self, path: str, summary: object) -> None:
        for i, b in enumerate(self.backups):
            if str(b.path) == path:
                self.backups[i] = summary
                for column, text in enumerate(self._cells(summary)):
                    cell = self.table.item(i, column)
                    if cell is not None:
                        cell.setText(str(text))
        self._selection_changed()

    def _checked(self, path: str, problem: object) -> None:
        self.verified[path] = None if problem is None else str(problem)
        for i, b in enumerate(self.backups):
            cell = self.table.item(i, 4)
            if str(b.path) == path and cell is not None:
                cell.setText(self._verified_text(b))
        self._selection_changed()

    def _worker_done(self) -> None:
        self._working.discard(id(self.sender()))
        if not self._working:
            self.all_checked.emit()

    def wait_for_checks(self) -> None:
        for worker in self._threads:
            worker.requestInterruption()
            worker.wait()

    def done(self, result: int) -> None:  # closing: the checks' threads must end before the dialog goes
        self.wait_for_checks()
        super().done(result)

    # --- the selection and what it would lose -------------------------------------------------

    def selected(self):
        row = selected_row(self.table)
        return self.backups[row] if row is not None and row < len(self.backups) else None

    def _loss_text(self, backup) -> str:
        loss = self.services.admin.lost_by_restoring(self.actor, backup)
        when = local_time(loss.since)
        if loss.nothing:
            return f"Nothing was recorded in the live database after this backup was taken ({when})."
        parts = [text for n, text in (
            (loss.new_cases, _plural(loss.new_cases, "case") + " opened or imported"),
            (loss.entries, _plural(loss.entries, "log entry", "log entries") + " recorded, corrected or voided"),
            (loss.signing, _plural(loss.signing, "review, signature or addendum", "reviews, signatures and addenda")),
        ) if n]
        if not parts and not loss.cases:
            return (f"No case was changed after this backup was taken ({when}); only "
                    f"{_plural(loss.rows, 'other audited action')} (sign-ins, views, exports, backups) are not in it.")
        what = ", ".join(parts) or "changes"
        return (f"Restoring it takes out of the live database everything recorded after {when}: {what}, in "
                f"{_plural(loss.cases, 'case')} ({_plural(loss.rows, 'audited action')} in all). They stay in the "
                "kept copy of the replaced database, not in the restored one.")

    def _selection_changed(self) -> None:
        backup = self.selected()
        problem = None
        if backup is not None:
            problem = backup.problem or self.verified.get(str(backup.path))
        usable = backup is not None and problem is None and backup.read
        self.restore_button.setEnabled(usable)
        self.restore_button.setToolTip(NO_SELECTION_TIP if backup is None else
                                       f"This file cannot be restored: {problem}" if problem else "")
        if backup is None:
            self.loss.setText("Select a backup to see what restoring it would take out of the live database.")
            return
        if not backup.read:
            self.restore_button.setToolTip("Reading the backup…")
            self.loss.setText("Reading the backup…")
            return
        try:
            self.loss.setText(self._loss_text(backup))
        except CathlogError as exc:
            self.loss.setText(f"✖ {exc}")

    # --- the actions --------------------------------------------------------------------------

    def choose_another(self) -> None:
        self.choose_file()

    def restore_chosen(self) -> None:
        self.restore_selected()

    def choose_file(self, path: str | None = None) -> None:
        start = str(self.folder) if self.folder else ""
        path = path or QFileDialog.getOpenFileName(self, "Restore from a backup", start,
                                                   "cathlog databases (*.db);;All files (*)")[0]
        if not path:
            return
        try:
            summary = self.services.admin.backup_summary(self.actor, Path(path))
        except (CathlogError, OSError) as exc:
            self.say(f"{Path(path).name}: {exc}", error=True)
            return
        self.backups = [summary] + [b for b in self.backups if b.path != summary.path]
        self._show(select=summary.path)
        self._read([], [summary.path])

    def restore_selected(self) -> Path | None:
        backup = self.selected()
        if backup is None or not backup.read:
            self.say("Select a backup first." if backup is None else "The backup is still being read; a moment.",
                     error=True)
            return None
        try:
            loss = self._loss_text(backup)
        except CathlogError as exc:
            self.say(str(exc), error=True)
            return None
        if not confirm(self, "Restore this backup?",
                       f"Replace the database with the backup taken {local_time(backup.taken_at)} "
                       f"({backup.path.name}, {_plural(backup.cases or 0, 'case')})?\n\n{loss}\n\n"
                       "Everyone working in cathlog sees the restored database at once; a half-typed entry stays "
                       "in its form.", yes="Restore"):
            self.say("Not restored.")
            return None
        try:
            kept = self.services.admin.restore(self.actor, backup.path)
        except (CathlogError, OSError, ValueError) as exc:
            self.say(f"Not restored: {exc}", error=True)
            return None
        self.kept.setText(f"The replaced database is kept as: {kept}")
        self.say(f"Restored from {backup.path.name}.")
        self.restored.emit(kept)
        self.reload(select=backup.path)
        return kept
