"""The follow-up worklist's table model: one row per reminder; the status in words, with
"not yet reviewed" for a filter window nobody has reviewed and an icon plus the word
OVERDUE for an open reminder past its due date (never colour alone); the reminder's text
and its source in the tooltip."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

from cathlog.domain.worklist import WorklistItem
from cathlog.ui.models import Column, ListTableModel

OVERDUE = "⚠ OVERDUE"
NOT_REVIEWED = "not yet reviewed"


def status_text(item: WorklistItem, today: str) -> str:
    """'⚠ OVERDUE · not yet reviewed', '⚠ OVERDUE', 'not yet reviewed', 'open', 'done', 'dismissed':
    what matters first, so a narrow column still shows it."""
    parts = ([OVERDUE] if item.overdue(today) else []) + ([NOT_REVIEWED] if item.pending else [])
    return " · ".join(parts or [item.state.value])


class WorklistModel(ListTableModel[WorklistItem]):
    def __init__(self, parent=None, today: str = ""):
        self.today = today
        super().__init__([
            Column("Due", lambda i: i.due_date),
            Column("Rule", lambda i: i.rule_id),
            Column("Patient", lambda i: i.patient_name),
            Column("MRN", lambda i: i.mrn),
            Column("Case", lambda i: i.procedure_id),
            Column("Operator", lambda i: i.operator),
            Column("Status", lambda i: status_text(i, self.today)),
            Column("What", lambda i: i.text),
        ], parent)
        self._warning: QIcon | None = None

    def row_key(self, obj: WorklistItem) -> object:
        return obj.item_key

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if index.isValid() and 0 <= index.row() < self.rowCount():
            item = self.row_object(index.row())
            if role == Qt.ItemDataRole.ToolTipRole:
                return (f"{item.title} ({item.rule_id})\n{item.text}\nSource: {item.source}"
                        + (f"\nSuggested by the rule for {item.suggested_due}; not yet reviewed by a physician."
                           if item.pending else ""))
            if role == Qt.ItemDataRole.DecorationRole and index.column() == 0 and item.overdue(self.today):
                if self._warning is None:
                    self._warning = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
                return self._warning
            if role == Qt.ItemDataRole.AccessibleDescriptionRole and item.overdue(self.today):
                return "overdue"
        return super().data(index, role)
