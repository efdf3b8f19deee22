"""The dose-report inbox (issue 15 item 2): the reports the X-ray system sent (or a nurse imported) that
cathlog could not put into a case by itself, each with the reason: no case with its Study Instance UID or
its patient's MRN near its time, two candidate cases, a closed or signed case, another patient's ID, a
value to confirm. The nurse attaches one to a case (choosing among the patient's cases of those days, or
typing a case id) or refuses it with a reason. *Import file…* brings in report files for sites whose X-ray
system cannot send. Nothing here is attached by guess: every attach is the nurse's.

Tests replace ``ask_reason``, ``ask_files``, ``ask_confirm`` and ``tell``: the points where a modal dialog
would appear.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cathlog.domain.enums import Action
from cathlog.domain.errors import CathlogError, ConfirmationRequired
from cathlog.domain.records import Actor
from cathlog.services import Services
from cathlog.services.dose import InboxItem
from cathlog.ui.admin_base import detail_label, hint_label, make_table, message_label, named_button, show_message
from cathlog.ui.combo import Combo
from cathlog.ui.screen_fit import fit_window

COLUMNS = ("Received", "Patient ID", "Name (as sent)", "Study", "X-ray system", "State", "Why it waits")
MAX_FILE_BYTES = 64 * 1024 * 1024
_ENTRY = (("fluoro_time_s", "Fluoro time", "s"), ("air_kerma_mgy", "Ka,r", "mGy"), ("dap_gy_cm2", "DAP", "Gy·cm²"),
          ("air_kerma_plane_a_mgy", "Ka,r plane A", "mGy"), ("air_kerma_plane_b_mgy", "Ka,r plane B", "mGy"),
          ("fluoro_time_plane_a_s", "Fluoro plane A", "s"), ("fluoro_time_plane_b_s", "Fluoro plane B", "s"))


def _local(utc_text: str) -> str:
    from cathlog.domain.records import parse_utc_iso

    return parse_utc_iso(utc_text).astimezone().strftime("%Y-%m-%d %H:%M")


class DoseInboxWindow(QMainWindow):
    changed = Signal()  # a report was attached, refused or imported: the case list and status refresh
    open_case_requested = Signal(str)

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.items: list[InboxItem] = []
        self.setObjectName("dose_inbox_window")
        self.setWindowTitle("cathlog — Dose reports waiting for a case")
        self._build()
        self.reload()
        fit_window(self, "dose_inbox", (1280, 720))

    # --- layout ----------------------------------------------------------------------

    def _build(self) -> None:
        root = QWidget()
        layout = QVBoxLayout(root)
        layout.addWidget(hint_label("Dose reports from the X-ray system that cathlog could not put into a case by "
                                    "itself. Attach each to its case, or refuse it with a reason. Nothing is "
                                    "attached by guess."))
        self.table = make_table("dose_inbox_table", COLUMNS, accessible="dose reports waiting")
        self.table.itemSelectionChanged.connect(self._selected)
        layout.addWidget(self.table, 1)
        self.detail = detail_label("dose_detail", "the selected report's values")
        layout.addWidget(self.detail)
        row = QHBoxLayout()
        row.addWidget(QLabel("Case:"))
        self.case_choice = Combo()
        self.case_choice.setObjectName("dose_case_choice")
        self.case_choice.setAccessibleName("the case to attach the report to")
        self.case_choice.setMinimumWidth(320)
        row.addWidget(self.case_choice, 1)
        self.case_id = QLineEdit()
        self.case_id.setObjectName("dose_case_id")
        self.case_id.setAccessibleName("or type a case id")
        self.case_id.setPlaceholderText("or type a case id")
        row.addWidget(self.case_id, 1)
        self.attach_button = named_button("&Attach to case", "attach_report", self.attach)
        self.refuse_button = named_button("Re&fuse…", "refuse_report", self.refuse)
        row.addWidget(self.attach_button)
        row.addWidget(self.refuse_button)
        layout.addLayout(row)
        bottom = QHBoxLayout()
        self.message = message_label("inbox messages")
        bottom.addWidget(self.message, 1)
        self.import_button = named_button("&Import file…", "import_dose_files", self.import_files)
        bottom.addWidget(self.import_button)
        bottom.addWidget(named_button("Re&load", "reload_inbox", self.reload))
        bottom.addWidget(named_button("&Close", "close_inbox", self.close))
        layout.addLayout(bottom)
        self.setCentralWidget(root)
        may_record = self.services.auth.may(self.actor, Action.RECORD_EVENT)
        for button in (self.attach_button, self.refuse_button, self.import_button):
            button.setEnabled(may_record)
            if not may_record:
                button.setToolTip("Only a nurse or physician records dose reports")

    # --- content -------------------------------------------------------------------------

    def reload(self) -> None:
        try:
            self.items = self.services.dose.inbox(self.actor)
        except CathlogError as exc:
            self._say(str(exc), error=True)
            return
        self.table.setRowCount(len(self.items))
        for r, item in enumerate(self.items):
            values = (_local(item.received_at), item.patient_id or "—", item.patient_name or "—",
                      (item.study_local or "—").replace("T", " "), item.device,
                      "case found, not recorded" if item.state == "matched" else "no case yet", item.reason or "")
            for c, value in enumerate(values):
                cell = QTableWidgetItem(value)
                cell.setToolTip(value)
                self.table.setItem(r, c, cell)
        if self.items:
            self.table.selectRow(0)
        else:
            self.detail.setText("No dose reports are waiting.")
            self.case_choice.clear()
        self.setWindowTitle(f"cathlog — Dose reports waiting for a case ({len(self.items)})")

    def selected(self) -> InboxItem | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.items[rows[0].row()] if rows and rows[0].row() < len(self.items) else None

    def _selected(self) -> None:
        item = self.selected()
        self.case_choice.clear()
        if item is None:
            self.detail.setText("")
            return
        values = [f"{label} {item.entry[name]:g} {unit}" for name, label, unit in _ENTRY if name in item.entry]
        text = (f"Waits because {item.reason or 'no case was found'}. "
                "Reported: " + (", ".join(values) if values else "no totals") + f". From {item.device}, "
                f"received from {item.sender} ({item.channel}). Report {item.sop_instance_uid}.")
        if item.study_instance_uid:
            text += f" Study {item.study_instance_uid}."
        if item.notes:
            text += " Read with notes: " + "; ".join(item.notes[:3]) + ("…" if len(item.notes) > 3 else "")
        self.detail.setText(text)
        try:
            candidates = self.services.dose.candidates(self.actor, item.sop_instance_uid)
        except CathlogError:
            candidates = []
        self.case_choice.addItem("— choose a case —" if candidates else "— no case of this patient near the study: "
                                 "type the case id —", None)
        for proc in candidates:
            self.case_choice.addItem(f"{proc.procedure_id} · started {_local(proc.started_at)} · {proc.status.value}"
                                     f"{' · ' + proc.room if proc.room else ''}", proc.procedure_id)
        if item.procedure_id:
            index = self.case_choice.findData(item.procedure_id)
            if index >= 0:
                self.case_choice.setCurrentIndex(index)

    def _say(self, text: str, error: bool = False) -> None:
        show_message(self.message, text, error, done_mark="✔ ")

    # --- actions ----------------------------------------------------------------------------

    def attach(self) -> None:
        item = self.selected()
        if item is None:
            self._say("choose a report first", error=True)
            return
        procedure_id = self.case_id.text().strip() or self.case_choice.currentData()
        if not procedure_id:
            self._say("choose the case (or type its id) to attach the report to", error=True)
            return
        confirm: bool = False
        while True:
            try:
                result = self.services.dose.attach(self.actor, item.sop_instance_uid, procedure_id, confirm=confirm)
            except ConfirmationRequired as exc:
                if confirm or not self.ask_confirm("Attach this dose report?", "; ".join(
                        w.message for w in exc.warnings) + ".\n\nAttach it to case " + procedure_id + " anyway?"):
                    self._say("not attached", error=True)
                    return
                confirm = True
                continue
            except CathlogError as exc:
                self._say(str(exc), error=True)
                return
            break
        self.case_id.clear()
        self._say(result.message + (" Typed values differ by more than 10 %: " + "; ".join(result.differences)
                                    if result.differences else ""))
        self.reload()
        self.changed.emit()

    def refuse(self) -> None:
        item = self.selected()
        if item is None:
            self._say("choose a report first", error=True)
            return
        reason = self.ask_reason("Refuse the dose report", "Why is this report not for any case (e.g. a test "
                                 "exposure, another hospital's patient)?")
        if reason is None:
            return
        try:
            self.services.dose.refuse(self.actor, item.sop_instance_uid, reason)
        except CathlogError as exc:
            self._say(str(exc), error=True)
            return
        self._say(f"refused: {reason}")
        self.reload()
        self.changed.emit()

    def import_files(self) -> None:
        names = self.ask_files()
        lines, failed = [], False
        for name in names:
            path = Path(name)
            try:
                if path.stat().st_size > MAX_FILE_BYTES:
                    raise OSError(f"{path.stat().st_size:,} bytes is too big for a dose report")
                result = self.services.dose.receive(self.actor, path.read_bytes(), channel="file", sender=path.name)
            except (CathlogError, OSError) as exc:
                failed = True
                lines.append(f"{path.name}: {exc}")
                continue
            failed = failed or result.outcome in ("refused", "unreadable")
            lines.append(f"{path.name}: {result.message}")
        if names:
            self._say(" · ".join(lines), error=failed)
            self.reload()
            self.changed.emit()

    # --- the points where a modal dialog would appear (tests replace them) ----------------------

    def ask_reason(self, title: str, label: str) -> str | None:
        text, ok = QInputDialog.getText(self, title, label)
        return text if ok else None

    def ask_files(self) -> list[str]:
        names, _ = QFileDialog.getOpenFileNames(self, "Import dose report files", "",
                                                "DICOM files (*.dcm *.DCM);;All files (*)")
        return names

    def ask_confirm(self, title: str, text: str) -> bool:
        return QMessageBox.question(self, title, text) == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.changed.emit()
        super().closeEvent(event)
