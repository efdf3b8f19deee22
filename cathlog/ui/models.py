"""Table models: one QAbstractTableModel per list, columns defined once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from cathlog.domain.describe import describe
from cathlog.domain.enums import Category, EventKind
from cathlog.domain.records import CaseSummary, EventHistory, EventVersion, parse_utc_iso
from cathlog.rules.case_facts import dose_per_kg, is_late

ObjectRole = Qt.ItemDataRole.UserRole
T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex


def local_time(utc: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """UTC ISO string -> this computer's local time, for display."""
    return parse_utc_iso(utc).astimezone().strftime(fmt)


@dataclass(frozen=True)
class Column(Generic[T]):
    header: str
    text: Callable[[T], str]
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft


class ListTableModel(QAbstractTableModel, Generic[T]):
    """Rows are plain objects; ``ObjectRole`` returns the object itself."""

    def __init__(self, columns: Sequence[Column[T]], parent=None):
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[T] = []
        self._texts: list[tuple[str, ...]] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        # Texts are computed once here, not on each of the thousands of data() calls a view makes.
        self._texts = [tuple(c.text(r) for c in self._columns) for r in self._rows]
        self.endResetModel()

    def row_object(self, row: int) -> T:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[index.row()][index.column()]
        obj = self._rows[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(self._columns[index.column()].align | Qt.AlignmentFlag.AlignVCenter)
        if role == ObjectRole:
            return obj
        return self.extra_data(obj, role)

    def extra_data(self, obj: T, role: int) -> Any:
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self._columns):
            return self._columns[section].header
        return None


class CaseTableModel(ListTableModel[CaseSummary]):
    def __init__(self, parent=None):
        super().__init__([
            Column("Started", lambda c: local_time(c.started_at)),
            Column("Patient", lambda c: c.patient_name),
            Column("MRN", lambda c: c.mrn),
            Column("Category", lambda c: Category(c.category).label),
            Column("Status", lambda c: c.status),
            Column("Operator", lambda c: c.primary_operator or ""),
            Column("Case", lambda c: c.procedure_id),
        ], parent)


class EventTableModel(ListTableModel[EventHistory]):
    """The timeline: voided entries struck through, corrected ones marked."""

    def __init__(self, parent=None):
        self._others: dict[str, EventVersion] = {}
        super().__init__([
            Column("Time", lambda h: local_time(h.current.occurred_at, "%H:%M")),
            Column("Entry", lambda h: EventKind(h.current.kind).label.capitalize() if h.current.kind != EventKind.ACT else "ACT"),
            Column("Details", self._details),
            Column("Recorded by", lambda h: self._recorded(h)),
        ], parent)

    def set_rows(self, rows: Sequence[EventHistory], weight_kg: float | None = None) -> None:
        self._others = {h.current.event_id: h.current for h in rows}
        self._weight_kg = weight_kg
        super().set_rows(rows)
        self._strike = QFont()
        self._strike.setStrikeOut(True)

    def _details(self, history: EventHistory) -> str:
        text = describe(history.current, self._others)
        ev = history.current
        per_kg = dose_per_kg(ev.data["drug"], ev.data["dose"], getattr(self, "_weight_kg", None)) \
            if ev.kind is EventKind.MEDICATION else None
        if per_kg is not None:
            text += f" ({per_kg:.0f} {ev.data['dose_unit']}/kg)"
        if history.current.voided:
            return f"VOID: {text} (reason: {history.current.reason})"
        if history.corrected:
            return f"{text} (corrected, version {history.current.version})"
        return text

    @staticmethod
    def _recorded(history: EventHistory) -> str:
        # Entered more than 5 minutes after it happened: marked, the exact time is in the tooltip.
        return history.current.recorded_by + (" (late)" if is_late(history) else "")

    def extra_data(self, obj: EventHistory, role: int) -> Any:
        if role == Qt.ItemDataRole.FontRole and obj.current.voided:
            return self._strike
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(f"v{v.version} entered {local_time(v.recorded_at)} by {v.recorded_by}: "
                             f"{'VOID' if v.voided else describe(v, self._others)}"
                             + (f" — {v.reason}" if v.reason else "") for v in obj.versions)
        return None

