"""Review and sign (physician): the summary as it will print (``ui/review_preview.py``)
beside the outcome, discharge plan, follow-up reminders to accept, edit or dismiss,
the signatures and addenda, and the sign box (``ui/review_sign.py``), always in view
at the bottom; the PDFs to save or print.

Fits a 1366x768 screen: a splitter, the preview on the left, the form on the right in
a scroll area above the sign box."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cathlog.domain.enums import Action, ProcedureStatus
from cathlog.domain.errors import CathlogError
from cathlog.domain.followup import Review, SignatureMeaning
from cathlog.domain.records import Actor
from cathlog.services import Services
from cathlog.ui import review_text
from cathlog.ui.review_outcome import OutcomeBox
from cathlog.ui.review_preview import RENDER_LOCK, SummaryPreview
from cathlog.ui.review_sign import SignBox, SignaturesBox, signatures_text
from cathlog.ui.review_text import TextField
from cathlog.ui.theme import set_tone
from cathlog.ui.screen_fit import fit_window


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
        self.setWindowTitle(f"cathlog — Review and sign {procedure_id}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.title = QLabel("")
        self.title.setObjectName("Title")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.message = QLabel("")
        self.message.setObjectName("FormMessages")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("messages")
        self.preview = SummaryPreview()
        self._pdf_buttons()
        self.signatures = SignaturesBox()
        form = QWidget()
        column = QVBoxLayout(form)
        column.setContentsMargins(0, 0, 4, 0)
        for box in (self._outcome_box(), self._reminder_box(), self.signatures):
            column.addWidget(box)
        column.addStretch(1)
        self.form_scroll = QScrollArea()
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setWidget(form)
        self.form_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.form_scroll.setMinimumWidth(form.minimumSizeHint().width()
                                         + self.form_scroll.verticalScrollBar().sizeHint().width() + 4)
        self.sign_box = self._sign_box()
        right = QWidget()
        side = QVBoxLayout(right)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.form_scroll, 1)
        side.addWidget(self.sign_box)
        side.addWidget(self.message)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.preview)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 6)
        layout.addWidget(self.splitter, 1)
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)  # Enter in a field must not press Sign or Add drug
            button.setIcon(QIcon())
        self._size_to_screen()
        self.load()
        # the physician starts on the first outcome field; a reader on the pages
        (self.success if self.save_button.isEnabled() else self.preview.view).setFocus()
        try:  # the access log: opening the review is a view of the record
            self.services.access.record_view(actor, procedure_id, "review")
        except CathlogError as exc:
            self.say(f"This view could not be logged: {exc}", error=True)

    def _size_to_screen(self) -> None:
        """Open as large as is useful (at most 1600x1000, or the user's last size) within the screen."""
        fit_window(self, "review", (1600, 1000))
        self.splitter.setSizes([self.width() * 5 // 11, self.width() * 6 // 11])

    # --- layout ----------------------------------------------------------------

    def _outcome_box(self) -> OutcomeBox:
        box = self.outcome = OutcomeBox()
        # the form's fields under their names (tests, screenshots)
        self.success, self.residual, self.timi, self.angio = box.success, box.residual, box.timi, box.angio
        self.hbr, self.stockings, self.notes, self.plan = box.hbr, box.stockings, box.notes, box.plan
        self.save_button = box.save_button
        self.save_button.clicked.connect(self.save_review)
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
        self.suggested.setMinimumHeight(150)
        self.accepted_table.setMinimumHeight(150)
        layout.addWidget(QLabel("Accepted or dismissed"))
        layout.addWidget(self.accepted_table, 1)
        return box

    def _sign_box(self) -> SignBox:
        box = SignBox(self.actor.display_name)
        self.meaning, self.password, self.sign_button = box.meaning, box.password, box.sign_button
        self.addendum_button = box.addendum_button
        self.sign_button.clicked.connect(self.sign)
        self.password.returnPressed.connect(self.sign)  # Enter signs, exactly as the Sign button does
        self.addendum_button.clicked.connect(self.addendum)
        return box

    def _pdf_buttons(self) -> None:
        """Save PDFs… and Print… beside the page buttons of the preview: they give out what it shows."""
        pdfs = QPushButton("Save PDFs…")
        pdfs.setToolTip("Save the summary, the follow-up list and the patient sheet as PDF files")
        pdfs.clicked.connect(lambda: self.save_pdfs())
        print_button = QPushButton("Print…")
        print_button.setAccessibleName("open the summary PDF to print it")
        print_button.clicked.connect(self.print_summary)
        self.preview.bar.addWidget(pdfs)
        self.preview.bar.addWidget(print_button)

    # --- state -------------------------------------------------------------------

    def say(self, text: str, error: bool = False) -> None:
        self.message.setText(("✖ " if error else "") + text)
        set_tone(self.message, "error" if error else "ok" if text else None)

    def load(self, refill: bool = True) -> None:
        """Read the case again and show it; ``refill`` puts the saved review into the form (at opening
        and after saving it; other actions keep what is typed there). The preview is made again."""
        case = self.services.review.case_file(self.actor, self.procedure_id)
        record = case.record
        status = record.procedure.status
        self.title.setText(f"{record.patient.display_name} · MRN {record.patient.mrn} · {self.procedure_id} · "
                           f"{status.value}")
        if refill:
            if case.review:
                self.outcome.fill(case.review)
            self._baseline = self.outcome.snapshot()
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
        self.accepted_table.setRowCount(len(case.reminders))
        for i, r in enumerate(case.reminders):
            for j, text in enumerate((r.due_date, f"{r.rule_id}: {r.text}", r.status.value)):
                self.accepted_table.setItem(i, j, QTableWidgetItem(text))
        self.accepted_table.resizeRowsToContents()
        self.signatures.text.setText(signatures_text(case.signatures, record)
                                     or ("Not signed." if status is not ProcedureStatus.OPEN
                                         else "Close the case before review."))
        self.preview.show_case(case)

    def collect(self) -> Review:
        return self.outcome.collect()

    def unsaved(self) -> bool:
        return self.outcome.snapshot() != self._baseline

    # --- actions -----------------------------------------------------------------

    def _do(self, action, success: str, refill: bool = False) -> bool:
        try:
            action()
        except CathlogError as exc:
            self.say(str(exc), error=True)
            return False
        self.load(refill)
        self.say(success)
        self.changed.emit()
        return True

    def save_review(self) -> bool:
        return self._do(lambda: self.services.review.save_review(self.actor, self.procedure_id, self.collect()),
                        "Review saved; suggestions and the summary updated from it.", refill=True)

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
        answer = review_text.ask(
            self, "Edit reminder", f"{s.rule_id} {s.title}. The reminder is accepted as you edit it.",
            TextField("due_date", "Due date (YYYY-MM-DD)", s.due_date),
            TextField("text", "What", s.text, lines=4),
            TextField("reason", "Why the change (kept in the audit trail)", lines=3))
        if answer:
            self._do(lambda: self.services.review.decide(self.actor, self.procedure_id, s, accept=True,
                                                         due_date=answer["due_date"], text=answer["text"],
                                                         reason=answer["reason"]),
                     "Reminder accepted as edited.")

    def dismiss_selected(self) -> None:
        s = self._selected_suggestion()
        if not s:
            return
        answer = review_text.ask(self, "Dismiss reminder", f"{s.rule_id} {s.title}: {s.text}",
                                 TextField("reason", "Why is it not needed? (kept in the audit trail)", lines=3))
        if answer:
            self._do(lambda: self.services.review.decide(self.actor, self.procedure_id, s, accept=False,
                                                         reason=answer["reason"]), "Suggestion dismissed.")

    def sign(self) -> bool:
        """Sign what is saved (the summary on the left) with the password typed; Enter in the password
        box comes here too. Unsaved changes in the form are not signed: say so and sign nothing. A
        wrong password is said and the text kept (selected, so typing replaces it)."""
        if not self.sign_button.isEnabled():
            return False
        if self.unsaved():
            self.say("The outcome and plan have changes that are not saved: Save review first (the signature "
                     "covers what is saved, as the summary on the left shows).", error=True)
            return False
        password = self.password.text()
        signed = self._do(lambda: self.services.review.sign(self.actor, self.procedure_id, password,
                                                            SignatureMeaning(self.meaning.currentData())),
                          "Signed. The case changes now only by an addendum.")
        if signed:
            self.password.clear()
        else:
            self.password.selectAll()
            self.password.setFocus()
        return signed

    def addendum(self) -> None:
        answer = review_text.ask(
            self, "Addendum", "An addendum is added to the signed case and printed on the summary's first page "
            "beside the signature it supersedes; the case then needs a new signature.",
            TextField("text", "Addendum text", lines=8), TextField("reason", "Reason", lines=2))
        if answer:
            self._do(lambda: self.services.review.addendum(self.actor, self.procedure_id, answer["text"],
                                                           answer["reason"]),
                     "Addendum recorded; the signature is superseded and the case needs a new one.")

    def save_pdfs(self, folder: str | None = None) -> list[Path]:
        folder = folder or QFileDialog.getExistingDirectory(self, "Save the PDFs into")
        if not folder:
            return []
        from cathlog.reports.make import write_reports  # ReportLab loads when the first PDF is made

        try:
            with RENDER_LOCK:  # not while the preview is being drawn (one PDF renderer at a time)
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
            with RENDER_LOCK:  # not while the preview is being drawn (one PDF renderer at a time)
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
        self.preview.stop()
        for folder in self._own_temp:
            shutil.rmtree(folder, ignore_errors=True)
        self._own_temp.clear()
        super().done(result)

    @classmethod
    def show_for(cls, services: Services, actor: Actor, procedure_id: str, parent: QWidget | None = None,
                 temp_folder: Callable[[], Path] | None = None) -> None:
        cls(services, actor, procedure_id, parent, temp_folder=temp_folder).exec()
