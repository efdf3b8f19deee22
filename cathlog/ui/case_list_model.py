"""The case list's table model: its columns, their tooltips and the sort a
header click asks for (the page is sorted by the database, not here)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal

from cathlog.domain.enums import Category
from cathlog.domain.records import CaseSummary
from cathlog.ui.models import Column, Index, ListTableModel, local_time


def _category(case: CaseSummary) -> str:
    try:
        return Category(case.category).label
    except ValueError:
        return case.category


# (column, the sort key services.cases.list_cases takes for it)
COLUMNS: list[tuple[Column[CaseSummary], str]] = [
    (Column("Started", lambda c: local_time(c.started_at)), "started_at"),
    (Column("Patient", lambda c: c.patient_name), "patient"),
    (Column("MRN", lambda c: c.mrn), "mrn"),
    (Column("Procedure", _category), "category"),
    (Column("Operator", lambda c: c.primary_operator or ""), "operator"),
    (Column("Room", lambda c: c.room or ""), "room"),
    (Column("Status", lambda c: c.status), "status"),
]  # the case id is in the patient's tooltip and the preview's header (and the search finds it)
PATIENT_COLUMN = 1


class CaseTableModel(ListTableModel[CaseSummary]):
    """One page of cases. A click on a header does not sort the rows shown: it asks
    (``sort_requested``) for the page sorted by that column, which the page reloads."""

    sort_requested = Signal()

    def __init__(self, parent=None):
        super().__init__([c for c, _ in COLUMNS], parent)
        self.sort_key, self.descending = "started_at", True

    def row_key(self, obj: CaseSummary) -> object | None:
        return obj.procedure_id

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid() and 0 <= index.row() < self.rowCount():
            case = self.row_object(index.row())
            text = self._texts[index.row()][index.column()]
            if index.column() == PATIENT_COLUMN:
                return f"{case.patient_name} · MRN {case.mrn} · case {case.procedure_id}"
            return text or None
        return super().data(index, role)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        key, descending = COLUMNS[column][1], order == Qt.SortOrder.DescendingOrder
        if (key, descending) != (self.sort_key, self.descending):
            self.sort_key, self.descending = key, descending
            self.sort_requested.emit()
