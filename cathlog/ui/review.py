"""Review and sign (physician): outcome, discharge plan, follow-up reminders
to accept, edit or dismiss, e-signature, and the PDFs to save or print."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cathlog.domain.enums import ProcedureStatus
from cathlog.domain.errors import CathlogError, ValidationError, Issue
from cathlog.domain.followup import Review, SignatureMeaning
from cathlog.domain.records import Actor
from cathlog.domain.enums import Action
from cathlog.services import Services
from cathlog.ui.plan_editor import PlanTable




def _line(name: str, text: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    edit.setObjectName(name)
    edit.setAccessibleName(name.replace("_", " "))
    return edit


def _columns(table: QTableWidget, stretch: int) -> None:
    """Fixed narrow columns, the text column stretches and wraps."""
    header = table.horizontalHeader()
    for column in range(table.columnCount()):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(column, 110 if column == 0 else 170)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    table.setWordWrap(True)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.verticalHeader().setVisible(False)


class ReviewDialog(QDialog):
    changed = Signal()

    def __init__(self, services: Services, actor: Actor, procedure_id: str, parent: QWidget | None = None,
                 temp_folder: Callable[[], Path] | None = None):
        """``temp_folder``: gives a new private folder for a PDF to print (the main window's session
        folder, removed at exit); without it the dialog keeps its own and removes it when it closes."""
        super().__init__(parent)
        self.services, self.actor, self.procedure_id = services, actor, procedure_id
        self._temp_folder = temp_folder
        self._own_temp: list[Path] = []
        self.setWindowTitle(f"cathlog — review and sign {procedure_id}")
        self.resize(1100, 900)
        layout = QVBoxLayout(self)
        self.title = QLabel("")
        self.title.setObjectName("Title")
        layout.addWidget(self.title)
        self.message = QLabel("")
        self.message.setObjectName("FormMessages")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("messages")
        row = QHBoxLayout()
        row.addWidget(self._outcome_box(), 2)
        row.addWidget(self._reminder_box(), 3)
        layout.addLayout(row, 1)
        layout.addWidget(self._sign_box())
        layout.addWidget(self.message)
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)  # Enter in a field must not press Sign or Add drug
            button.setIcon(QIcon())
        self.load()
        try:  # the access log: opening the review is a view of the record
            self.services.access.record_view(actor, procedure_id, "review")
        except CathlogError as exc:
            self.say(f"This view could not be logged: {exc}", error=True)

    # --- layout ----------------------------------------------------------------

    def _outcome_box(self) -> QGroupBox:
        box = QGroupBox("Outcome and discharge plan")
        form = QFormLayout(box)
        self.success = QComboBox()
        self.success.setObjectName("technical_success")
        self.success.setAccessibleName("technical success")
        for text, value in (("— choose —", None), ("yes", True), ("no", False)):
            self.success.addItem(text, value)
        self.residual = _line("residual_stenosis_pct")
        self.residual.setPlaceholderText("0-100, whole number")
        self.timi = QComboBox()
        self.timi.setObjectName("final_timi")
        self.timi.setAccessibleName("final TIMI flow")
        self.timi.addItem("— (not coronary) —", None)
        for n in range(4):
            self.timi.addItem(str(n), n)
        self.angio = _line("completion_angiography")
        self.hbr = QCheckBox("High bleeding risk (shortens DAPT review dates)")
        self.hbr.setAccessibleName("high bleeding risk")
        self.stockings = _line("compression_stockings")
        self.notes = _line("follow_up_notes")
        form.addRow("Technical success", self.success)
        form.addRow("Residual stenosis (%)", self.residual)
        form.addRow("Final TIMI flow", self.timi)
        form.addRow("Completion angiography", self.angio)
        form.addRow("", self.hbr)
        form.addRow("Compression stockings", self.stockings)
        form.addRow("Follow-up plan", self.notes)
        self.plan = PlanTable()
        form.addRow(QLabel("Discharge antithrombotic plan: drugs, doses and durations are yours to enter"))
        form.addRow(self.plan)
        buttons = QHBoxLayout()
        add = QPushButton("Add drug")
        add.setObjectName("add_plan_drug")
        add.clicked.connect(lambda: self.plan.add_line())
        remove = QPushButton("Remove selected")
        remove.clicked.connect(lambda: self.plan.removeRow(self.plan.currentRow()))
        self.save_button = QPushButton("Save review")
        self.save_button.setObjectName("Primary")
        self.save_button.clicked.connect(self.save_review)
        for b in (add, remove, self.save_button):
            buttons.addWidget(b)
        form.addRow(buttons)
        return box

    def _reminder_box(self) -> QGroupBox:
        box = QGroupBox("Follow-up reminders (review-due prompts, not orders)")
        layout = QVBoxLayout(box)
        self.suggested = QTableWidget(0, 3)
        self.suggested.setObjectName("suggestions")
        self.suggested.setAccessibleName("suggested reminders")
        self.suggested.setHorizontalHeaderLabels(("Due", "What", "Source"))
        _columns(self.suggested, stretch=1)
        self.suggested.setWordWrap(True)
        self.suggested.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        layout.addWidget(QLabel("Suggested by the rules"))
        layout.addWidget(self.suggested, 2)
        buttons = QHBoxLayout()
        for text, slot in (("Accept", self.accept_selected), ("Accept all", self.accept_all),
                           ("Edit…", self.edit_selected), ("Dismiss…", self.dismiss_selected)):
            b = QPushButton(text)
            b.setAccessibleName(f"{text.rstrip('…').lower()} reminder")
            b.clicked.connect(slot)
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.accepted_table = QTableWidget(0, 3)
        self.accepted_table.setObjectName("reminders")
        self.accepted_table.setAccessibleName("decided reminders")
        self.accepted_table.setHorizontalHeaderLabels(("Due", "What", "Status"))
        _columns(self.accepted_table, stretch=1)
        layout.addWidget(QLabel("Accepted or dismissed"))
        layout.addWidget(self.accepted_table, 1)
        return box

    def _sign_box(self) -> QGroupBox:
        box = QGroupBox("Signature")
        row = QHBoxLayout(box)
        self.signatures = QLabel("")
        self.signatures.setWordWrap(True)
        self.signatures.setAccessibleName("signatures")
        self.meaning = QComboBox()
        self.meaning.setAccessibleName("meaning of the signature")
        for m in SignatureMeaning:
            self.meaning.addItem(m.value, m.value)
        self.meaning.setCurrentIndex(self.meaning.findData("approved"))
        self.password = _line("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("your password, to sign")
        self.sign_button = QPushButton("Sign")
        self.sign_button.setObjectName("Primary")
        self.sign_button.clicked.connect(self.sign)
        self.addendum_button = QPushButton("Addendum…")
        self.addendum_button.clicked.connect(self.addendum)
        pdfs = QPushButton("Save PDFs…")
        pdfs.clicked.connect(lambda: self.save_pdfs())
        print_button = QPushButton("Print…")
        print_button.setAccessibleName("open the summary PDF to print it")
        print_button.clicked.connect(self.print_summary)
        for w in (self.signatures, self.meaning, self.password, self.sign_button, self.addendum_button, pdfs,
                  print_button):
            row.addWidget(w, 2 if w is self.signatures else 0)
        return box

    # --- state -------------------------------------------------------------------

    def say(self, text: str, error: bool = False) -> None:
        self.message.setProperty("error", error)
        self.message.setText(("✖ " if error else "") + text)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)

    def load(self) -> None:
        record = self.services.cases.get_record(self.actor, self.procedure_id)
        status = record.procedure.status
        self.title.setText(f"{record.patient.display_name} · MRN {record.patient.mrn} · {self.procedure_id} · "
                           f"{status.value}")
        review = self.services.review.get_review(self.actor, self.procedure_id)
        if review:
            self._fill(review)
        editable = status is ProcedureStatus.CLOSED and self.services.auth.may(self.actor, Action.SIGN_CASE)
        for w in (self.save_button, self.sign_button, self.password, self.meaning, self.suggested):
            w.setEnabled(editable)
        self.addendum_button.setEnabled(status is ProcedureStatus.SIGNED)
        self._suggestions = self.services.review.suggestions(self.actor, self.procedure_id) if editable else []
        self.suggested.setRowCount(len(self._suggestions))
        for i, s in enumerate(self._suggestions):
            for j, text in enumerate((s.due_date, f"{s.rule_id}: {s.text}", s.source)):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{s.rule_id} {s.title}\n{s.text}\nSource: {s.source}")
                self.suggested.setItem(i, j, item)
        self.suggested.resizeRowsToContents()
        decided = self.services.review.reminders(self.actor, self.procedure_id)
        self.accepted_table.setRowCount(len(decided))
        for i, r in enumerate(decided):
            for j, text in enumerate((r.due_date, f"{r.rule_id}: {r.text}", r.status.value)):
                self.accepted_table.setItem(i, j, QTableWidgetItem(text))
        self.accepted_table.resizeRowsToContents()
        sigs = self.services.review.signatures(self.actor, self.procedure_id)
        self.signatures.setText("\n".join(
            f"{s.meaning.value} by {s.display_name} at {s.signed_at} — "
            + ("superseded" if s.superseded else ("valid" if s.valid else "CHANGED AFTER SIGNING")) for s in sigs)
            or ("Not signed." if status is not ProcedureStatus.OPEN else "Close the case before review."))

    def _fill(self, review: Review) -> None:
        self.success.setCurrentIndex(self.success.findData(review.technical_success))
        self.residual.setText("" if review.residual_stenosis_pct is None else str(review.residual_stenosis_pct))
        self.timi.setCurrentIndex(max(0, self.timi.findData(review.final_timi)))
        self.angio.setText(review.completion_angiography or "")
        self.hbr.setChecked(review.high_bleeding_risk)
        self.stockings.setText(review.compression_stockings or "")
        self.notes.setText(review.follow_up_notes or "")
        self.plan.fill(review.plan)

    def collect(self) -> Review:
        plan = self.plan.lines()
        residual = self.residual.text().strip()
        if residual and not residual.isdigit():
            raise ValidationError([Issue("residual_stenosis_pct", residual,
                                         f"residual stenosis {residual!r} must be a whole number 0-100")])
        return Review(technical_success=self.success.currentData(),
                      residual_stenosis_pct=int(residual) if residual else None,
                      final_timi=self.timi.currentData(), completion_angiography=self.angio.text().strip() or None,
                      plan=tuple(plan), high_bleeding_risk=self.hbr.isChecked(),
                      compression_stockings=self.stockings.text().strip() or None,
                      follow_up_notes=self.notes.text().strip() or None)

    # --- actions -----------------------------------------------------------------

    def _do(self, action, success: str) -> bool:
        try:
            action()
        except CathlogError as exc:
            self.say(str(exc), error=True)
            return False
        self.load()
        self.say(success)
        self.changed.emit()
        return True

    def save_review(self) -> bool:
        return self._do(lambda: self.services.review.save_review(self.actor, self.procedure_id, self.collect()),
                        "Review saved; suggestions updated from it.")

    def _selected_suggestion(self):
        row = self.suggested.currentRow()
        if not 0 <= row < len(self._suggestions):
            self.say("Select a suggestion first.", error=True)
            return None
        return self._suggestions[row]

    def accept_selected(self) -> None:
        s = self._selected_suggestion()
        if s:
            self._do(lambda: self.services.review.decide(self.actor, self.procedure_id, s, accept=True),
                     f"Accepted: {s.title}, due {s.due_date}.")

    def accept_all(self) -> None:
        def run():
            for s in self._suggestions:
                self.services.review.decide(self.actor, self.procedure_id, s, accept=True)
        self._do(run, f"Accepted {len(self._suggestions)} reminders.")

    def edit_selected(self) -> None:
        s = self._selected_suggestion()
        if not s:
            return
        due, ok = QInputDialog.getText(self, "Edit reminder", "Due date (YYYY-MM-DD):", text=s.due_date)
        if not ok:
            return
        text, ok = QInputDialog.getText(self, "Edit reminder", "What:", text=s.text)
        if not ok:
            return
        reason, ok = QInputDialog.getText(self, "Edit reminder", "Why the change (kept in the audit trail):")
        if ok:
            self._do(lambda: self.services.review.decide(self.actor, self.procedure_id, s, accept=True,
                                                         due_date=due.strip(), text=text, reason=reason),
                     "Reminder accepted as edited.")

    def dismiss_selected(self) -> None:
        s = self._selected_suggestion()
        if not s:
            return
        reason, ok = QInputDialog.getText(self, "Dismiss reminder", "Why is it not needed? (kept in the audit trail)")
        if ok:
            self._do(lambda: self.services.review.decide(self.actor, self.procedure_id, s, accept=False,
                                                         reason=reason), "Suggestion dismissed.")

    def sign(self) -> None:
        password = self.password.text()
        self.password.clear()
        self._do(lambda: self.services.review.sign(self.actor, self.procedure_id, password,
                                                   SignatureMeaning(self.meaning.currentData())),
                 "Signed. The case changes now only by an addendum.")

    def addendum(self) -> None:
        text, ok = QInputDialog.getText(self, "Addendum", "Addendum text:")
        if not ok:
            return
        reason, ok = QInputDialog.getText(self, "Addendum", "Reason:")
        if ok:
            self._do(lambda: self.services.review.addendum(self.actor, self.procedure_id, text, reason),
                     "Addendum recorded; the signature is superseded and the case needs a new one.")

    def save_pdfs(self, folder: str | None = None) -> list[Path]:
        folder = folder or QFileDialog.getExistingDirectory(self, "Save the PDFs into")
        if not folder:
            return []
        from cathlog.reports.make import write_reports  # ReportLab loads when the first PDF is made

        try:
            paths = write_reports(self.services, self.actor, self.procedure_id, Path(folder))
        except (CathlogError, OSError) as exc:
            self.say(f"PDFs not saved: {exc}", error=True)
            return []
        self.say("Saved " + ", ".join(p.name for p in paths) + f" in {folder}. Open one to print it.")
        return paths

    def print_summary(self) -> Path | None:
        """Write the summary PDF into a private temporary folder (audited as ``print_report``) and open
        it in the system's PDF viewer to print. The folder is removed at the end of the session (or
        when this dialog closes, if it made its own)."""
        from cathlog.reports.make import print_file  # ReportLab loads when the first PDF is made

        try:
            folder = self._print_folder()
            path = print_file(self.services, self.actor, self.procedure_id, folder)
        except (CathlogError, OSError) as exc:
            self.say(f"Not printed: {exc}", error=True)
            return None
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.say("No PDF viewer opened; use Save PDFs… and print the file from there.", error=True)
        else:
            self.say("The summary is open in the PDF viewer; its temporary copy is removed when cathlog closes.")
        return path

    def _print_folder(self) -> Path:
        if self._temp_folder is not None:
            return self._temp_folder()
        folder = Path(tempfile.mkdtemp(prefix="cathlog-print-"))  # 0700
        self._own_temp.append(folder)
        return folder

    def done(self, result: int) -> None:  # noqa: D102 - QDialog's: the dialog's own print folders go
        for folder in self._own_temp:
            shutil.rmtree(folder, ignore_errors=True)
        self._own_temp.clear()
        super().done(result)

    @classmethod
    def show_for(cls, services: Services, actor: Actor, procedure_id: str, parent: QWidget | None = None,
                 temp_folder: Callable[[], Path] | None = None) -> None:
        cls(services, actor, procedure_id, parent, temp_folder=temp_folder).exec()
