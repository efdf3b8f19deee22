"""Export records: format, the days (date pickers, each bound optional), category,
status, operator, de-identification; how many cases the choice writes is shown
before anything is written; the file dialog opens in the user's documents folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QCheckBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QWidget

from cathlog.domain.enums import Category, ProcedureStatus
from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor
from cathlog.services import Services
from cathlog.ui.admin_base import AdminDialog, DateBound, day_bounds, documents_folder, named_button
from cathlog.ui.combo import Combo

COUNT_DELAY_MS = 250  # typing an operator's name recounts once the typing pauses
SUFFIX = {"csv": "zip", "xlsx": "xlsx", "json": "json", "fhir": "fhir.json"}


class ExportDialog(AdminDialog):
    counted = Signal(int)  # the number of cases the current choice writes (-1: it cannot be counted)

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        # as tall as its rows need (Qt keeps the layout's minimum): no empty half-window under the buttons
        super().__init__(services, actor, "Export records", parent, preferred=(720, 300))
        self.count: int | None = None
        form = QFormLayout()
        self.format = Combo()
        for text, value in (("CSV (zip, one file per table)", "csv"), ("Excel (sheet per table)", "xlsx"),
                            ("cathlog JSON records", "json"), ("HL7 FHIR R4 Bundle", "fhir")):
            self.format.addItem(text, value)
        self.since = DateBound("from", "from date")
        self.until = DateBound("to (included)", "to date")
        self.category = Combo()
        self.category.addItem("all", None)
        for c in Category:
            self.category.addItem(c.label, c.value)
        self.status = Combo()
        self.status.addItem("all", None)
        for s in ProcedureStatus:
            self.status.addItem(s.value, s.value)
        self.operator = QLineEdit()
        self.operator.setPlaceholderText("part of a team member's name (optional)")
        self.deidentify = QCheckBox("De-identify (HIPAA Safe Harbor)")
        self.deidentify.setToolTip("No names, MRNs, exact dates, serial numbers or free text; patients get "
                                   "pseudonyms keyed with this installation's de-identification key.")
        days = QWidget()
        days_row = QHBoxLayout(days)
        days_row.setContentsMargins(0, 0, 0, 0)
        days_row.addWidget(self.since)
        days_row.addWidget(self.until)
        days_row.addStretch(1)
        for label, widget, name in (("Format", self.format, "format"), ("Cases started", days, ""),
                                    ("Category", self.category, "category"),
                                    ("Status", self.status, "status"), ("Operator", self.operator, "operator"),
                                    ("", self.deidentify, "de-identify")):
            if name:
                widget.setAccessibleName(name)
            form.addRow(label, widget)
        self.layout_.addLayout(form)
        self.count_line = QLabel("")
        self.count_line.setObjectName("FormTitle")
        self.count_line.setAccessibleName("cases to export")
        self.count_line.setWordWrap(True)
        self.layout_.addWidget(self.count_line)
        self.layout_.addWidget(self.message)
        self.layout_.addStretch(1)  # a taller window keeps the buttons at its foot, not the space between rows
        row = QHBoxLayout()
        row.addStretch(1)
        self.export_button = named_button("Export…", "export", self.export_chosen)
        self.export_button.setObjectName("Primary")  # the dialog's one action, as in the other dialogs
        self.close_button = named_button("Close", "close", self.reject)  # Esc closes too (QDialog)
        self.close_button.setToolTip("Close this window (Esc); nothing is written unless you press Export…")
        for button in (self.export_button, self.close_button):
            button.setIcon(QIcon())
            row.addWidget(button)
        self.layout_.addLayout(row)
        self._recount = QTimer(self)
        self._recount.setSingleShot(True)
        self._recount.setInterval(COUNT_DELAY_MS)
        self._recount.timeout.connect(self.update_count)
        for signal in (self.since.changed, self.until.changed, self.category.currentIndexChanged,
                       self.status.currentIndexChanged, self.operator.textChanged):
            signal.connect(self._recount.start)
        self.update_count()

    def filters(self) -> dict[str, str | None]:
        """The export's filters from the form (ValueError for an end date before the start)."""
        since, until = day_bounds(self.since, self.until)
        return {"since": since, "until": until, "category": self.category.currentData(),
                "status": self.status.currentData(), "operator": self.operator.text().strip() or None}

    def update_count(self) -> int | None:
        """Count the cases the current choice writes, show it, and allow Export only when there are some."""
        self._recount.stop()
        try:
            self.count = self.services.exchange.count_cases(self.actor, self.filters())
        except (CathlogError, ValueError) as exc:
            self.count = None
            self.count_line.setText(f"✖ {exc}")
        else:
            self.count_line.setText("No case matches this choice: nothing to export." if not self.count else
                                    f"{self.count} case{'' if self.count == 1 else 's'} will be written.")
        self.export_button.setEnabled(bool(self.count))
        self.export_button.setToolTip("" if self.count else "No case matches: change the choice above.")
        self.counted.emit(-1 if self.count is None else self.count)
        return self.count

    def _days(self) -> str:
        first, last = self.since.value(), self.until.value()
        if first is None and last is None:
            return "all"
        return f"{f'{first:%Y%m%d}' if first else 'start'}-{f'{last:%Y%m%d}' if last else 'now'}"

    def export_chosen(self) -> None:
        """The Export button: ask where, then write."""
        self.export()

    def export(self, path: str | None = None) -> Path | None:
        from cathlog.exchange.export import export

        count = self.update_count()
        if not count:
            self.say(self.count_line.text().lstrip("✖ "), error=True)
            return None
        fmt = self.format.currentData()
        suggested = documents_folder() / f"cathlog-export-{self._days()}.{SUFFIX[fmt]}"
        path = path or QFileDialog.getSaveFileName(self, f"Export {count} case{'' if count == 1 else 's'} to",
                                                   str(suggested))[0]
        if not path:
            return None
        try:
            written = export(self.services, self.actor, fmt, Path(path), self.filters(),
                             deidentify=self.deidentify.isChecked())
        except (CathlogError, OSError, ValueError) as exc:
            self.say(f"Not exported: {exc}", error=True)
            return None
        self.say(f"Exported {written} case(s) to {path}.")
        return Path(path)
