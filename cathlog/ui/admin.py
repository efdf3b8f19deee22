"""Admin screens: the audit trail here; users and roles (ui/users_dialog.py),
record exports (ui/export_dialog.py) and restore (ui/restore_dialog.py) beside it.

Every action goes through the services (role checks, audit); nothing here
runs SQL. Users are never deleted.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QHeaderView, QLineEdit, QPlainTextEdit, QWidget

from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor
from cathlog.services import Services
from cathlog.services.admin import AuditFilters
from cathlog.ui.admin_base import (AdminDialog, DateBound, append_rows, day_bounds, documents_folder, fill,
                                   make_table, selected_row)
from cathlog.ui.export_dialog import ExportDialog
from cathlog.ui.users_dialog import UsersDialog
from cathlog.ui.combo import Combo

__all__ = ["AuditDialog", "ExportDialog", "UsersDialog"]


PAGE_ROWS = 200  # rows the audit viewer shows at first and adds with each "More"
WHAT, OLD, NEW, REASON = 5, 7, 8, 9  # the audit table's columns of long text
LONG_COLUMN_PX = {WHAT: 260, OLD: 220, NEW: 220}  # first widths; the user may drag them, Reason takes the rest
TIP_CHARS = 600  # a cell's tooltip shows this much of a long value; the detail box below the table has it all
DETAIL_PX = 110  # the detail box: about four lines, then it scrolls


class AuditDialog(AdminDialog):
    """The trail newest first, a page at a time (keyset by ``seq``: "More" asks for the rows
    before the last one shown), so it opens at once however long the trail is."""

    HEADERS = ("#", "When (UTC)", "User", "Workstation", "Action", "What", "Case", "Old value", "New value",
               "Reason")
    PRESETS = (("Every action", None), ("Who viewed which record", "view_record"),
               ("Case PDFs written", "write_report"), ("Case PDFs printed", "print_report"),
               ("Case lists as CSV", "export_case_list"), ("Worklists as CSV", "export_reminders"),
               ("Record exports", "export"))

    def _preset(self) -> None:
        """A choice of "show only" fills the action filter (so the CSV export follows it too)."""
        self.action.setText(self.show_only.currentData() or "")
        self.reload()

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        # every column in view on a 1920x1080 screen; a laptop's is the limit
        super().__init__(services, actor, "Audit trail", parent, preferred=(1760, 940))
        self.rows: list = []
        self.more_available = False
        self.shown_filters = AuditFilters()
        form = QHBoxLayout()
        self.case = QLineEdit()
        self.case.setAccessibleName("filter by case id")
        self.case.setPlaceholderText("case id")
        self.user = QLineEdit()
        self.user.setAccessibleName("filter by user")
        self.user.setPlaceholderText("user")
        self.action = QLineEdit()
        self.action.setAccessibleName("filter by action")
        self.action.setPlaceholderText("action, e.g. correct_event")
        self.show_only = Combo()  # the HIPAA access log: who viewed which record, what left
        self.show_only.setAccessibleName("show only")
        for text, action in self.PRESETS:
            self.show_only.addItem(text, action)
        self.show_only.currentIndexChanged.connect(self._preset)
        form.addWidget(self.show_only)
        for w in (self.case, self.user, self.action):
            w.returnPressed.connect(self.reload)
            form.addWidget(w, 1)
        self.layout_.addLayout(form)
        days = QHBoxLayout()
        self.since = DateBound("from", "from date")
        self.until = DateBound("to (included)", "to date")
        days.addWidget(self.since)
        days.addWidget(self.until)
        days.addStretch(1)
        self.layout_.addLayout(days)
        self.table = make_table("audit", self.HEADERS, stretch=REASON)
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(40)  # widths from the newest 40 rows, not all
        header.setStretchLastSection(False)
        for column, width in LONG_COLUMN_PX.items():  # long texts elided in the middle: both ends stay readable
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(column, width)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setWordWrap(False)
        self.table.itemSelectionChanged.connect(self._show_detail)
        self.layout_.addWidget(self.table, 1)
        # the selected row in full: a JSON value has no spaces to wrap at, so a text box wraps it anywhere and
        # scrolls, where a label would widen the window past the screen
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("audit_detail")
        self.detail.setAccessibleName("the selected audit row in full")
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Select a row to read it in full here.")
        self.detail.setMaximumHeight(DETAIL_PX)
        self.layout_.addWidget(self.detail)
        row, made = self.buttons(("Filter", self.reload), (f"More ({PAGE_ROWS})", self.load_more),
                                 ("Verify the hash chain", self.verify), ("Export CSV…", self.export_chosen))
        self.more_button = made[1]
        self.more_button.setAccessibleName("more audit rows")
        self.more_button.setToolTip(f"Show the next {PAGE_ROWS} older rows")
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.message)
        self.reload()

    def _filters(self) -> AuditFilters:
        since, until = day_bounds(self.since, self.until)  # local days, both included
        return AuditFilters(procedure_id=self.case.text().strip() or None, username=self.user.text().strip() or None,
                            since=since, until=until, action=self.action.text().strip() or None)

    def _page(self, filters: AuditFilters, before_seq: int | None = None) -> list:
        """Up to PAGE_ROWS rows older than ``before_seq`` (newest first), and one more to know
        whether "More" has anything left."""
        return self.services.admin.audit_rows(self.actor, **filters, before_seq=before_seq, newest_first=True,
                                              limit=PAGE_ROWS + 1)

    @staticmethod
    def _cells(r) -> tuple:
        return (r.seq, r.at, r.username, r.workstation, r.action, f"{r.entity} {r.entity_id}",
                r.procedure_id, r.old_value, r.new_value, r.reason)

    def _tooltips(self, first: int) -> None:
        """Every long-text cell from row ``first`` on has its full text as its tooltip, however short."""
        for row in range(first, self.table.rowCount()):
            for column in (WHAT, OLD, NEW, REASON):
                item = self.table.item(row, column)
                text = item.text() if item is not None else ""
                if item is not None and text:
                    item.setToolTip(text if len(text) <= TIP_CHARS else
                                    f"{text[:TIP_CHARS]}… ({len(text)} characters: select the row to read it all)")

    def _show_detail(self) -> None:
        """The selected row in full under the table (selectable, to copy a value)."""
        row = selected_row(self.table)
        if row is None or row >= len(self.rows):
            self.detail.setPlainText("")
            return
        r = self.rows[row]
        parts = [f"#{r.seq} {r.at}: {r.username} at {r.workstation}, {r.action} on {r.entity} {r.entity_id}"
                 + (f" (case {r.procedure_id})" if r.procedure_id else "") + "."]
        parts += [f"{label}: {value}" for label, value in (("Old value", r.old_value), ("New value", r.new_value),
                                                           ("Reason", r.reason)) if value]
        self.detail.setPlainText("\n".join(parts))

    def reload(self) -> None:
        """The newest page for the filters as they stand."""
        try:
            filters = self._filters()
            page = self._page(filters)
        except (CathlogError, ValueError) as exc:
            self.say(str(exc), error=True)
            return
        self.shown_filters = filters  # "More" goes on with these, even if the fields were edited since
        self.rows = page[:PAGE_ROWS]
        fill(self.table, [self._cells(r) for r in self.rows])
        self._tooltips(0)
        self._show_detail()
        self._after_load(len(page) > PAGE_ROWS)

    def load_more(self) -> None:
        """The next page: the rows before the last one shown."""
        if not self.rows or not self.more_available:
            return
        try:
            page = self._page(self.shown_filters, self.rows[-1].seq)
        except (CathlogError, ValueError) as exc:
            self.say(str(exc), error=True)
            return
        shown = page[:PAGE_ROWS]
        self.rows += shown
        start = self.table.rowCount()
        append_rows(self.table, [self._cells(r) for r in shown])
        self._tooltips(start)
        self._after_load(len(page) > PAGE_ROWS)

    def _after_load(self, more: bool) -> None:
        self.more_available = more
        self.more_button.setEnabled(more)
        shown = len(self.rows)
        if more:
            self.say(f"The newest {shown} matching row(s) shown; More shows older ones. "
                     "Export CSV… writes every matching row.")
        else:
            self.say(f"{shown} row(s) match; Export CSV… writes these rows.")

    def verify(self) -> None:
        try:
            report = self.services.admin.verify_audit(self.actor)
        except CathlogError as exc:
            self.say(str(exc), error=True)
            return
        if report.ok:
            self.say(f"✔ Hash chain intact: {report.rows_checked} rows checked.")
        else:  # the key, the chain, every record against its seal, the checkpoints
            self.say("Audit check FAILED: " + "; ".join(report.problems[:3]), error=True)

    def export_chosen(self) -> None:
        """The Export CSV button: ask where, then write."""
        self.export()

    def export(self, path: str | None = None) -> Path | None:
        """Write the rows the filters select now (counted and named in the file dialog's title first)."""
        from cathlog.exchange.audit_csv import export_audit

        try:
            filters = self._filters()
            count = self.services.admin.audit_count(self.actor, **filters)
        except (CathlogError, ValueError) as exc:
            self.say(f"Not exported: {exc}", error=True)
            return None
        if not count:
            self.say("No audit row matches these filters: nothing to export.", error=True)
            return None
        path = path or QFileDialog.getSaveFileName(self, f"Export {count} audit row(s) to",
                                                   str(documents_folder() / "cathlog-audit.csv"), "CSV (*.csv)")[0]
        if not path:
            return None
        try:  # the rows the filters select now, with their hashes; the export is audited
            written = export_audit(self.services, self.actor, Path(path), **filters)
        except (CathlogError, OSError) as exc:
            self.say(f"Not exported: {exc}", error=True)
            return None
        self.say(f"Exported {written} rows to {path}.")
        return Path(path)
