"""The physician's follow-up worklist (issue 12 item 10): a non-modal window listing every
reminder across patients, IVC filter retrieval windows first (those of cases nobody has
reviewed yet marked "not yet reviewed"), filtered by due date, rule, operator and status;
mark a row done or dismissed with a reason; open its case; print it or export it as CSV.

The filtering and paging happen in SQL (``services.followup``): the window shows one page
(``PAGE_ROWS``) and "More" fetches the next. Overdue rows carry an icon and the word
OVERDUE, never colour alone. Opening a case is a signal with its id: the main window opens
it. Tests replace ``ask_reason``, ``ask_save_path`` and ``open_file``, the points where a
dialog or the system's viewer would appear.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
import tempfile

from PySide6.QtCore import QEventLoop, Qt, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from cathlog.domain.enums import Action
from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor
from cathlog.domain.worklist import WorklistItem, WorklistQuery, WorkState
from cathlog.services import Services
from cathlog.services.followup import REBUILD_BATCH
from cathlog.ui.admin_base import detail_label, message_label, named_button, show_message
from cathlog.ui.models import ObjectRole
from cathlog.ui.worklist_filters import DUE_PRESETS, ORDER_CHOICES, STATUS_CHOICES, build_query, combo, date_edit
from cathlog.ui.worklist_model import OVERDUE, WorklistModel, status_text
from cathlog.ui.widgets import make_table
from cathlog.ui.screen_fit import fit_window

PAGE_ROWS = 200


class WorklistWindow(QMainWindow):
    open_case_requested = Signal(str)  # the procedure id of the row to open
    loaded = Signal(int)  # rows now shown
    message = Signal(str)

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None,
                 temp_folder: Callable[[], Path] | None = None, today: Callable[[], date] = date.today):
        """``temp_folder``: gives a private folder for a PDF to print (the main window's session folder);
        without it the window keeps its own and removes it when it closes. ``today``: this computer's
        local date (what "overdue" and the presets count from)."""
        super().__init__(parent)  # a window of its own (a QMainWindow is one even with a parent)
        self.services, self.actor, self.today = services, actor, today
        self._temp_folder = temp_folder
        self._own_temp: list[tempfile.TemporaryDirectory] = []
        self.more_available = False
        self.setObjectName("worklist_window")
        self.setWindowTitle("cathlog — Follow-up worklist")
        self._build()
        self.set_actor(actor)
        fit_window(self, "worklist", (1600, 950))  # within the screen, at the size its user left it

    # --- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        central = QWidget()
        self.setCentralWidget(central)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(10, 8, 10, 8)
        self.due_preset = combo("due_preset", DUE_PRESETS, self.reload)
        self.due_from, self.due_to = date_edit("due_from", self.reload), date_edit("due_to", self.reload)
        self.rule_filter = combo("rule_filter", [("All rules", None)] + [
            (f"{rid} · {title}", rid) for rid, title in self.services.followup.rules()], self.reload)
        self.operator_filter = combo("operator_filter", [("All operators", None)], self.reload)
        for box in (self.rule_filter, self.operator_filter):  # long rule titles do not widen the window
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(14)
        self.status_filter = combo("status_filter", STATUS_CHOICES, self.reload)
        self.order = combo("order", ORDER_CHOICES, self.reload)
        self.print_button = named_button("Print…", "print", self.print_list)
        self.pdf_button = named_button("Save PDF…", "save_pdf", self.save_pdf)
        self.csv_button = named_button("Export CSV…", "export_csv", self.export_csv)
        self.refresh_button = named_button("Refresh (Ctrl+R)", "refresh", self.refresh)
        self._range_widgets: list[QWidget] = []  # shown for "Date range…" only
        rows = ((("Due", self.due_preset), ("from", self.due_from), ("to", self.due_to),
                 ("Status", self.status_filter), ("Order", self.order)),
                (("Rule", self.rule_filter), ("Operator", self.operator_filter)))
        for i, pairs in enumerate(rows):
            bar = QHBoxLayout()
            for label, widget in pairs:
                text = QLabel(label)
                text.setBuddy(widget)
                if widget in (self.due_from, self.due_to):
                    self._range_widgets += [text, widget]
                bar.addWidget(text)
                bar.addWidget(widget, 1 if widget in (self.rule_filter, self.operator_filter) else 0)
            bar.addStretch(1 if i == 0 else 0)
            if i == 1:
                for button in (self.print_button, self.pdf_button, self.csv_button, self.refresh_button):
                    bar.addWidget(button)
            layout.addLayout(bar)
        self.model = WorklistModel(self, self.today().isoformat())
        self.view = make_table("worklist")
        self.view.setModel(self.model)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.view.ensurePolished()  # the theme's font, not the default one, sets the widths
        width = self.view.fontMetrics().horizontalAdvance
        for column, sample in enumerate(("2026-12-31", "R1a", "Ivanova-Smith, Fatima", "DEMO000000000",
                                         "P20261231-0000", "Dr. S. Lindqvist", "⚠ OVERDUE · not yet reviewed")):
            header.resizeSection(column, width(sample) + (44 if column == 0 else 20))  # the icon beside the date
        self.view.activated.connect(lambda _i: self.open_selected())
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._show_selected())
        layout.addWidget(self.view, 1)
        self.detail = detail_label("worklist_detail", "selected reminder")
        layout.addWidget(self.detail)
        actions = QHBoxLayout()
        self.count = QLabel("")
        self.count.setObjectName("worklist_count")
        self.more_button = named_button(f"More ({PAGE_ROWS})", "more", self.load_more)
        self.open_button = named_button("Open case (Enter)", "open_case", self.open_selected)
        self.done_button = named_button("Mark done…", "mark_done", lambda: self.mark_selected(WorkState.DONE))
        self.dismiss_button = named_button("Dismiss…", "dismiss", lambda: self.mark_selected(WorkState.DISMISSED))
        close = named_button("Close", "close", self.close)
        actions.addWidget(self.count)
        actions.addWidget(self.more_button)
        actions.addStretch(1)
        for button in (self.open_button, self.done_button, self.dismiss_button, close):
            actions.addWidget(button)
        layout.addLayout(actions)
        self.message_label = message_label(name="LiveMessage")
        layout.addWidget(self.message_label)
        QShortcut(QKeySequence("Ctrl+R"), self, self.refresh, context=Qt.ShortcutContext.WindowShortcut)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self, self.close,
                  context=Qt.ShortcutContext.WindowShortcut)

    # --- state -------------------------------------------------------------------------

    def set_actor(self, actor: Actor) -> None:
        """Who works here: marking is for a role that may sign (a physician); others read only."""
        self.actor = actor
        may_mark = self.services.auth.may(actor, Action.SIGN_CASE)
        why = "" if may_mark else f"Only a physician marks reminders done or dismissed (you: {actor.role.value})."
        for button in (self.done_button, self.dismiss_button):
            button.setEnabled(may_mark)
            button.setToolTip(why or button.toolTip())
        self._may_mark = may_mark
        self._fill_operators()
        self.reload()

    def _fill_operators(self) -> None:
        current = self.operator_filter.currentData()
        self.operator_filter.blockSignals(True)
        self.operator_filter.clear()
        self.operator_filter.addItem("All operators", None)
        try:
            names = self.services.followup.operators(self.actor)
        except CathlogError as exc:
            names = []
            self.say(str(exc), error=True)
        for name in names:
            self.operator_filter.addItem(name, name)
        found = self.operator_filter.findData(current) if current else 0
        self.operator_filter.setCurrentIndex(max(found, 0))
        self.operator_filter.blockSignals(False)

    def say(self, text: str, error: bool = False) -> None:
        show_message(self.message_label, text, error)
        self.message.emit(text)

    def query(self) -> WorklistQuery:
        preset = self.due_preset.currentData()
        for widget in self._range_widgets:
            widget.setVisible(preset == "range")
        return build_query(self.today(), preset, self.due_from.date(), self.due_to.date(),
                           self.rule_filter.currentData(), self.operator_filter.currentData(),
                           self.status_filter.currentData(), self.order.currentData())

    def _progress(self, done: int, total: int) -> None:
        """The first build after an upgrade reads every case: say so while it runs (clicks wait)."""
        if total > REBUILD_BATCH:
            self.message_label.setText(f"Bringing the worklist up to date: {done:,} of {total:,} cases…")
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)

    def reload(self) -> None:
        self.model.today = self.today().isoformat()
        keep = self.selected()
        try:
            self.services.followup.refresh(self._progress)
            page = self.services.followup.page(self.actor, self.query(), limit=PAGE_ROWS)
        except CathlogError as exc:
            self.say(str(exc), error=True)
            return
        self.model.set_rows(page.items)
        self._after_load(page.more)
        if keep is not None:
            self.select_key(keep.item_key)

    def refresh(self) -> None:
        """The operators and the list again (what others changed meanwhile)."""
        self._fill_operators()
        self.reload()

    def load_more(self) -> None:
        rows = [self.model.row_object(r) for r in range(self.model.rowCount())]
        if not rows or not self.more_available:
            return
        try:
            page = self.services.followup.page(self.actor, self.query(), rows[-1], limit=PAGE_ROWS)
        except CathlogError as exc:
            self.say(str(exc), error=True)
            return
        self.model.set_rows(rows + list(page.items))
        self._after_load(page.more)

    def _after_load(self, more: bool) -> None:
        self.more_available = more
        self.more_button.setEnabled(more)
        shown = self.model.rowCount()
        overdue = sum(self.model.row_object(r).overdue(self.model.today) for r in range(shown))
        self.count.setText(f"{shown} reminder(s) shown" + (", more below" if more else "")
                           + (f" · {overdue} {OVERDUE}" if overdue else ""))
        self._show_selected()
        self.loaded.emit(shown)

    def selected(self) -> WorklistItem | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.index(rows[0].row(), 0).data(ObjectRole) if rows else None

    def select_key(self, item_key: str) -> bool:
        for r in range(self.model.rowCount()):
            if self.model.row_object(r).item_key == item_key:
                self.view.selectRow(r)
                return True
        return False

    def _show_selected(self) -> None:
        item = self.selected()
        self.open_button.setEnabled(item is not None)
        for button in (self.done_button, self.dismiss_button):
            button.setEnabled(self._may_mark and item is not None and item.state is WorkState.OPEN)
        if item is None:
            self.detail.setText("Select a reminder to see what it says and its source.")
            return
        self.detail.setText(f"{item.patient_name} · MRN {item.mrn} · {item.procedure_id} · due {item.due_date} · "
                            f"{status_text(item, self.model.today)}\n{item.title}: {item.text}\nSource: {item.source}")

    # --- actions -------------------------------------------------------------------------

    def open_selected(self) -> None:
        item = self.selected()
        if item is not None:
            self.open_case_requested.emit(item.procedure_id)

    def ask_reason(self, title: str, prompt: str) -> str | None:
        """The reason for marking (tests replace this)."""
        text, ok = QInputDialog.getText(self, title, prompt)
        return text if ok else None

    def mark_selected(self, state: WorkState) -> None:
        item = self.selected()
        if item is None or item.state is not WorkState.OPEN:
            return
        verb = "done" if state is WorkState.DONE else "dismissed"
        reason = self.ask_reason(f"Mark {verb}", f"{item.rule_id} for {item.patient_name}, due {item.due_date}.\n"
                                                 f"Why is it {verb}? (kept in the audit trail)")
        if reason is None:
            return
        try:
            self.services.followup.mark(self.actor, item.item_key, state, reason)
        except CathlogError as exc:
            self.say(f"Not marked: {exc}", error=True)
            return
        self.say(f"Marked {verb}: {item.rule_id} for {item.patient_name} ({item.procedure_id}).")
        self.reload()

    def ask_save_path(self, title: str, suggested: str, filter_text: str) -> Path | None:
        """Where to write a file (tests replace this)."""
        start = str(Path.home() / "Documents" / suggested) if (Path.home() / "Documents").is_dir() else suggested
        name, _ = QFileDialog.getSaveFileName(self, title, start, filter_text)
        return Path(name) if name else None

    def open_file(self, path: Path) -> bool:
        """Hand a file to the system's viewer (tests replace this)."""
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def _write_pdf(self, target: Path) -> int | None:
        from cathlog.reports.worklist import write_worklist_pdf  # ReportLab loads when the first PDF is made

        try:
            return write_worklist_pdf(self.services, self.actor, self.query(), target,
                                      printed=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
                                      today=self.today().isoformat())
        except (CathlogError, OSError) as exc:
            self.say(f"The list was not written: {exc}", error=True)
            return None

    def print_list(self) -> Path | None:
        folder = self._temp_folder() if self._temp_folder else self._own_folder()
        target = folder / f"worklist-{self.today().isoformat()}.pdf"
        count = self._write_pdf(target)
        if count is None:
            return None
        if self.open_file(target):
            self.say(f"The list ({count} reminders) is open in the PDF viewer to print.")
        else:
            self.say("No PDF viewer opened; use Save PDF… and print the file from there.", error=True)
        return target

    def _own_folder(self) -> Path:
        folder = tempfile.TemporaryDirectory(prefix="cathlog-print-")  # 0700, removed when the window closes
        self._own_temp.append(folder)
        return Path(folder.name)

    def save_pdf(self) -> Path | None:
        target = self.ask_save_path("Save the worklist as PDF", f"worklist-{self.today().isoformat()}.pdf",
                                    "PDF (*.pdf)")
        if target is None:
            return None
        count = self._write_pdf(target)
        if count is None:
            return None
        self.say(f"Saved {count} reminders to {target}.")
        return target

    def export_csv(self) -> Path | None:
        from cathlog.exchange.worklist_csv import write_worklist_csv

        target = self.ask_save_path("Export the worklist as CSV", f"worklist-{self.today().isoformat()}.csv",
                                    "CSV (*.csv)")
        if target is None:
            return None
        try:
            count = write_worklist_csv(self.services, self.actor, self.query(), target, self.today().isoformat())
        except (CathlogError, OSError) as exc:
            self.say(f"The CSV was not written: {exc}", error=True)
            return None
        self.say(f"Exported {count} reminders to {target}.")
        return target

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        for folder in self._own_temp:
            folder.cleanup()
        self._own_temp.clear()
        super().closeEvent(event)
