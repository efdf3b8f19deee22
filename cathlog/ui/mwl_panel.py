""""From worklist" in the new-case dialog (issue 15 item 4): this room's cases scheduled today on the
hospital's DICOM Modality Worklist, to pick one instead of typing the patient in.

The query goes out on a worker thread (the dialog never waits on the network); its audit row is written
on the GUI thread when the answer is in (``services.mwl.finish``), also when the dialog was closed
meanwhile (:meth:`WorklistPanel.settle`). No provider within 3 s, or a refusal: the panel says so in
words and the form is filled by hand as before. Keyboard: Alt+W goes to the list, arrows choose,
Enter (or "Use selected") fills the form; Ctrl+R asks again.

``ask_identity`` asks which details are right when the worklist's patient differs from the stored one
(keep the stored details, or update the patient as a new version with a reason); tests replace it.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QIcon, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cathlog.domain.errors import CathlogError
from cathlog.domain.mwl import ScheduledCase
from cathlog.domain.records import Actor
from cathlog.rules.mwl_match import IdentityDifference
from cathlog.services import Services
from cathlog.services.mwl import PreparedQuery, QueryOutcome
from cathlog.ui import shortcuts
from cathlog.ui.admin_base import hint_label, named_button, setup_table
from cathlog.ui.theme import set_tone

COLUMNS = ("Time", "Patient", "MRN", "Born, sex", "Procedure", "Accession")
PROCEDURE_COLUMN = 4
_SEX = {"female": "F", "male": "M", "other": "O"}
KEEP, UPDATE = "keep", "update"


def ask_identity(parent: QWidget, differences: list[IdentityDifference], who: str) -> str | None:
    """KEEP (the stored details are right), UPDATE (the worklist's are: a new patient version) or None."""
    lines = "".join(f"<tr><td><b>{escape(d.label)}</b></td><td>{escape(d.stored or '—')}</td>"
                    f"<td>{escape(d.worklist or '—')}</td></tr>" for d in differences)
    box = QMessageBox(QMessageBox.Icon.Question, "cathlog — Worklist and stored patient differ",
                      f"<p>The worklist's details for MRN {escape(who)} differ from the stored patient's. "
                      "Which are right?</p><table cellspacing=6><tr><th></th><th align=left>Stored</th>"
                      f"<th align=left>Worklist</th></tr>{lines}</table>"
                      "<p>Updating makes a new version of the patient, with the worklist as the reason; the "
                      "stored details stay in its history.</p>", parent=parent)
    keep = box.addButton("Keep stored details", QMessageBox.ButtonRole.RejectRole)
    update = box.addButton("Update the patient from the worklist", QMessageBox.ButtonRole.AcceptRole)
    box.setEscapeButton(box.addButton(QMessageBox.StandardButton.Cancel))  # Esc: the entry is not used
    for button in box.buttons():
        button.setIcon(QIcon())
    box.setDefaultButton(keep)
    box.exec()
    clicked = box.clickedButton()
    return KEEP if clicked is keep else UPDATE if clicked is update else None


class _Relay(QObject):
    done = Signal(object)


class _Query(QRunnable):
    """The network part of one query (no database, no widgets): its outcome is kept on the object."""

    def __init__(self, prepared: PreparedQuery, relay: _Relay):
        super().__init__()
        self.setAutoDelete(False)  # the panel keeps it until its audit row is written
        self.prepared, self.relay = prepared, relay
        self.outcome: QueryOutcome | None = None
        self.handled = False

    def run(self) -> None:
        self.outcome = self.prepared.run()
        try:
            self.relay.done.emit(self)
        except RuntimeError:  # the dialog is gone: settle() audits it
            pass


class _Table(QTableWidget):
    activated_row = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            self.activated_row.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class WorklistPanel(QGroupBox):
    chosen = Signal(object)  # the ScheduledCase picked
    answered = Signal()  # a query's answer (list or message) is shown

    def __init__(self, services: Services, actor: Actor, station_ae: str, modality: str,
                 parent: QWidget | None = None):
        super().__init__("From worklist (Alt+W)", parent)
        self.setObjectName("worklist_panel")
        self.services, self.actor = services, actor
        self.station_ae, self.modality = station_ae.strip(), modality.strip()
        self.cases: list[ScheduledCase] = []
        self._pending: list[_Query] = []
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.done.connect(self._answered)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        top = QHBoxLayout()
        self.status = hint_label("")
        self.status.setAccessibleName("worklist status")
        top.addWidget(self.status, 1)
        self.refresh_button = named_button("Ask again", "ask_worklist_again", self.refresh)
        self.refresh_button.setToolTip(f"Ask the worklist again ({shortcuts.REFRESH})")
        self.use_button = named_button("Use selected", "use_worklist_entry", self.use_selected)
        self.use_button.setToolTip("Fill the form from the selected scheduled case (Enter in the list)")
        top.addWidget(self.refresh_button)
        top.addWidget(self.use_button)
        layout.addLayout(top)

        self.table = setup_table(_Table(), "worklist_table", COLUMNS, accessible="scheduled cases",
                                 stretch=PROCEDURE_COLUMN)
        self.table.setTabKeyNavigation(False)  # Tab leaves the list for the form
        self.table.setMinimumHeight(120)
        self.table.setMaximumHeight(215)  # about six rows; the form is reached by scrolling or Tab
        self.table.activated_row.connect(self.use_selected)
        self.table.cellDoubleClicked.connect(lambda *_: self.use_selected())
        layout.addWidget(self.table)

        QShortcut(QKeySequence(shortcuts.WORKLIST_LIST), self, lambda: self.table.setFocus(),
                  context=Qt.ShortcutContext.WindowShortcut)
        QShortcut(QKeySequence(shortcuts.REFRESH), self, self.refresh, context=Qt.ShortcutContext.WindowShortcut)
        self.ready = bool(self.station_ae) and services.mwl.is_set_up(actor)
        self._say("" if self.ready else self._why_not())
        self._enable()

    def _why_not(self) -> str:
        if not self.station_ae:
            return ("No worklist on this computer: an administrator sets this room's station AE title "
                    "(File → Settings…). Enter the patient by hand.")
        return "The hospital worklist is not set up (File → Settings…). Enter the patient by hand."

    def _say(self, text: str, tone: str | None = None) -> None:
        set_tone(self.status, tone)
        self.status.setText(text)

    def _enable(self) -> None:
        busy = bool(self._pending)
        self.refresh_button.setEnabled(self.ready and not busy)
        self.use_button.setEnabled(self.table.rowCount() > 0)
        self.table.setEnabled(self.ready)
        self.table.setVisible(self.ready)  # no worklist here: no empty list taking the form's room

    def refresh(self) -> None:
        """Ask the worklist for this room's cases today (off the GUI thread)."""
        if not self.ready or self._pending:
            return
        try:
            prepared = self.services.mwl.prepare(self.actor, self.station_ae, self.modality)
        except CathlogError as exc:
            self._say(f"✖ {exc}. Enter the patient by hand.", tone="error")
            self.answered.emit()
            return
        self._say(f"Asking the worklist ({prepared.provider.address}) for {self.station_ae} {self.modality} "
                  f"on {prepared.station.day.isoformat()}…")
        job = _Query(prepared, self._relay)
        self._pending.append(job)
        self._enable()
        self._pool.start(job)

    def _answered(self, job: _Query) -> None:
        if job.handled or job.outcome is None:
            return
        job.handled = True
        if job in self._pending:
            self._pending.remove(job)
        try:
            cases = self.services.mwl.finish(self.actor, job.prepared, job.outcome)
        except CathlogError as exc:
            self._fill([])
            self._say(f"✖ {exc}. Enter the patient by hand.", tone="error")
        else:
            self._fill(cases)
            day = job.prepared.station.day.isoformat()
            self._say(f"{len(cases)} case(s) scheduled for {self.station_ae} ({self.modality}) on {day}."
                      + (" ↑↓ to choose, Enter to fill the form." if cases else ""))
        self._enable()
        self.answered.emit()

    def settle(self) -> None:
        """Wait for a query still out and write its audit row (the dialog is closing)."""
        self._pool.waitForDone()
        for job in list(self._pending):
            try:
                self.services.mwl.finish(self.actor, job.prepared, job.outcome) if job.outcome else None
            except CathlogError:
                pass  # audited; nobody is left to show the message to
            job.handled = True
        self._pending.clear()

    def _fill(self, cases: list[ScheduledCase]) -> None:
        self.cases = cases
        self.table.setRowCount(len(cases))
        for row, case in enumerate(cases):
            time = (case.scheduled_start or "")[11:16]
            cells = (time, case.display_name + (" ⚠" if case.problems else ""), case.mrn,
                     f"{case.birth_date or '—'} {_SEX.get(case.sex or '', '—')}",
                     case.requested_procedure or case.step_description or "", case.accession_number or "")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                tip = [text] if col == PROCEDURE_COLUMN and text else []
                if case.problems:
                    tip.append("Missing or unreadable on the worklist: " + "; ".join(case.problems))
                item.setToolTip("\n".join(tip))
                self.table.setItem(row, col, item)
        if cases:
            self.table.selectRow(0)

    def use_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.cases):
            self.chosen.emit(self.cases[row])
