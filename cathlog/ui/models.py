"""Table models: one QAbstractTableModel per list, columns defined once."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from cathlog.domain.describe import describe, kind_title
from cathlog.domain.enums import EventKind
from cathlog.domain.records import EventHistory, EventVersion, parse_utc_iso
from cathlog.rules.case_facts import dose_per_kg, is_late
from cathlog.rules.implant_facts import implant_tag
from cathlog.ui.theme import colour

ObjectRole = Qt.ItemDataRole.UserRole
# Roles as plain ints, compared in data(), which a view calls for every role of every visible cell at
# each repaint (some 700 calls when the live log's timeline is drawn again, issue 18 item 2).
_DISPLAY, _ALIGNMENT, _OBJECT = (int(r) for r in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.TextAlignmentRole,
                                                  ObjectRole))
_FONT, _BACKGROUND, _FOREGROUND, _TOOLTIP = (int(r) for r in (
    Qt.ItemDataRole.FontRole, Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.ToolTipRole))
T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex


def local_time(utc: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """UTC ISO string -> this computer's local time, for display."""
    return _local_time(utc, fmt, (time.tzname, time.timezone, time.altzone))


@functools.lru_cache(maxsize=16384)
def _local_time(utc: str, fmt: str, _zone: object) -> str:
    """Remembered per zone (its names and offsets: they change when the zone does): every save
    shows the case's times again, in the timeline and the ACT panel (issue 18 item 2)."""
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
        self._alignments = [int(c.align | Qt.AlignmentFlag.AlignVCenter) for c in self._columns]
        self._rows: list[T] = []
        self._texts: list[tuple[str, ...]] = []
        self._text_cache: dict[object, tuple[T, tuple[str, ...]]] = {}  # by row_key: the row and its texts

    def _texts_of(self, row: T) -> tuple[str, ...]:
        """The row's cell texts, made again only when the row differs from the one they were made for."""
        key = self.row_key(row)
        hit = self._text_cache.get(key) if key is not None else None
        if hit is not None and hit[0] == row:
            return hit[1]
        texts = tuple(c.text(row) for c in self._columns)
        if key is not None:
            self._text_cache[key] = (row, texts)
        return texts

    def forget_texts(self) -> None:
        """Make every row's texts again at the next update (what they depend on beyond the row changed)."""
        self._text_cache.clear()

    def set_rows(self, rows: Sequence[T]) -> None:
        """Show ``rows``. When ``row_key`` identifies rows and the rows shown so far are all still
        there, in the same order, the new ones are inserted (rowsInserted) and changed ones updated
        (dataChanged), so a view keeps its selection and scroll position; otherwise the model resets."""
        new_rows = list(rows)
        # Texts are computed once here, not on each of the thousands of data() calls a view makes, and
        # only for rows that changed: a case of 300 entries does not format 300 rows for each new one.
        new_texts = [self._texts_of(r) for r in new_rows]
        if len(self._text_cache) > 2 * len(new_rows) + 100:  # rows that went away: let their texts go
            keys = {self.row_key(r) for r in new_rows}
            self._text_cache = {k: v for k, v in self._text_cache.items() if k in keys}
        if not self._update_in_place(new_rows, new_texts):
            self.beginResetModel()
            self._rows, self._texts = new_rows, new_texts
            self.endResetModel()

    def insert_row(self, at: int, row: T) -> None:
        """Show one more row at ``at``, the rest unchanged: what ``set_rows`` does for that list, without
        going over every row (a save in the live log adds one entry, issue 18 item 2)."""
        texts = self._texts_of(row)
        self.beginInsertRows(QModelIndex(), at, at)
        self._rows.insert(at, row)
        self._texts.insert(at, texts)
        self.endInsertRows()

    def row_key(self, obj: T) -> object | None:
        """What identifies a row across updates (None: rows are not identified; every update resets)."""
        return None

    def _update_in_place(self, new_rows: list[T], new_texts: list[tuple[str, ...]]) -> bool:
        probe = self._rows[:1] or new_rows[:1]
        if not probe or self.row_key(probe[0]) is None:
            return not probe  # nothing shown before or after: nothing to tell a view
        old_keys = [self.row_key(r) for r in self._rows]
        new_keys = [self.row_key(r) for r in new_rows]
        old_set = set(old_keys)
        if len(old_set) != len(old_keys) or len(set(new_keys)) != len(new_keys) \
                or [k for k in new_keys if k in old_set] != old_keys:
            return False  # a row went away or moved
        old_at = {k: i for i, k in enumerate(old_keys)}
        old_rows, old_texts = self._rows, self._texts
        self._rows, self._texts = list(old_rows), list(old_texts)
        i = 0
        while i < len(new_keys):  # runs of new rows, in ascending order of their final position
            if new_keys[i] in old_set:
                i += 1
                continue
            end = i
            while end + 1 < len(new_keys) and new_keys[end + 1] not in old_set:
                end += 1
            self.beginInsertRows(QModelIndex(), i, end)
            self._rows[i:i] = new_rows[i:end + 1]
            self._texts[i:i] = new_texts[i:end + 1]
            self.endInsertRows()
            i = end + 1
        last = len(self._columns) - 1
        for row, key in enumerate(new_keys):
            self._rows[row], self._texts[row] = new_rows[row], new_texts[row]
            j = old_at.get(key)
            if j is not None and (old_texts[j] != new_texts[row] or old_rows[j] != new_rows[row]):
                self.dataChanged.emit(self.index(row, 0), self.index(row, last))
        return True

    def size_key(self, row: int) -> object:
        """What the row's height depends on besides the columns' widths: its texts and its font
        (``LogView`` remembers heights by it)."""
        font = self.extra_data(self._rows[row], Qt.ItemDataRole.FontRole)
        return self._texts[row], None if font is None else font.key()

    def row_of(self, key: object) -> int | None:
        """The row shown for ``key`` (a ``row_key``), if any."""
        rows, row_key = self._rows, self.row_key
        # from the end: the live log asks for the entry it has just added, most often the last row
        return next((i for i in range(len(rows) - 1, -1, -1) if row_key(rows[i]) == key), None)

    def row_object(self, row: int) -> T:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = index.row()
        if not 0 <= row < len(self._rows) or not index.isValid():
            return None
        if role == _DISPLAY:
            return self._texts[row][index.column()]
        if role == _ALIGNMENT:
            return self._alignments[index.column()]
        if role == _OBJECT:
            return self._rows[row]
        return self.extra_data(self._rows[row], role)

    def extra_data(self, obj: T, role: int) -> Any:
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self._columns):
            return self._columns[section].header
        return None


class EventTableModel(ListTableModel[EventHistory]):
    """The timeline: voided entries struck through, corrected ones marked; complications and
    implants stand out by an icon and a word in the Entry column, bold text and a tinted row
    (colour is never the only sign)."""

    def __init__(self, parent=None, loud_complications: bool = True):
        self._others: dict[str, EventVersion] = {}
        # the live log's "⚠ COMPLICATION"; a narrow preview's "⚠ Complication" (still icon, bold, tint)
        self._loud = loud_complications
        super().__init__([
            Column("Time", lambda h: local_time(h.current.occurred_at, "%H:%M")),
            Column("Entry", self._entry),
            Column("Details", self._details),
            Column("Recorded by", lambda h: self._recorded(h)),
        ], parent)
        self._strike = QFont()
        self._strike.setStrikeOut(True)
        self._bold = QFont()
        self._bold.setBold(True)

    def set_rows(self, rows: Sequence[EventHistory], weight_kg: float | None = None) -> None:
        others = {h.current.event_id: h.current for h in rows}
        # A row's text also reads the weight (units/kg) and the entries it names (an inflation's balloon):
        # when the weight or an entry already shown changed, every text is made again.
        if weight_kg != getattr(self, "_weight_kg", None) or any(
                others.get(event_id, ev) != ev for event_id, ev in self._others.items()):
            self.forget_texts()
        self._others = others
        self._weight_kg = weight_kg
        super().set_rows(rows)

    def add_entry(self, history: EventHistory, at: int) -> None:
        """A new entry's row at ``at``. No row shown can name an entry stored after it, so no other row's
        text changes: the same as ``set_rows`` with the list that holds it, for one row's work."""
        self._others[history.current.event_id] = history.current
        self.insert_row(at, history)

    def _entry(self, history: EventHistory) -> str:
        ev = history.current
        if ev.voided:
            return kind_title(ev.kind)
        if ev.kind is EventKind.COMPLICATION:
            return "⚠ " + (kind_title(ev.kind).upper() if self._loud else kind_title(ev.kind))
        if implant_tag(ev):
            return "▣ " + kind_title(ev.kind)
        return kind_title(ev.kind)

    def _details(self, history: EventHistory) -> str:
        text = describe(history.current, self._others)
        ev = history.current
        per_kg = dose_per_kg(ev.data["drug"], ev.data["dose"], getattr(self, "_weight_kg", None)) \
            if ev.kind is EventKind.MEDICATION else None
        if per_kg is not None:
            text += f" ({per_kg:.0f} {ev.data['dose_unit']}/kg)"
        tag = implant_tag(ev)
        if tag:
            serial = f", serial {ev.data['serial']}" if ev.data.get("serial") else ""
            text = f"▣ {tag}: {text}{serial}"  # the serial names the implant on the patient's card
        if history.current.voided:
            return f"VOID: {text} (reason: {history.current.reason})"
        if history.corrected:
            return f"{text} (corrected, version {history.current.version})"
        return text

    def row_key(self, obj: EventHistory) -> object | None:
        return obj.current.event_id

    def size_key(self, row: int) -> object:
        ev = self._rows[row].current  # the font is struck through (void) or bold (stands out), as extra_data says
        return self._texts[row], ev.voided, ev.voided or self._stands_out(ev) is not None

    @staticmethod
    def _recorded(history: EventHistory) -> str:
        """Who first entered it, marked "(late)" when that was more than 5 minutes after the time
        it gave (the exact times are in the tooltip); a later corrector or voider is named apart,
        so "late" never reads as said of the correction."""
        first, current = history.versions[0], history.current
        text = first.recorded_by + (" (late)" if is_late(history) else "")
        if len(history.versions) > 1 and current.recorded_by != first.recorded_by:
            text += f"; {'voided' if current.voided else 'corrected'} by {current.recorded_by}"
        return text

    @staticmethod
    def _stands_out(ev: EventVersion) -> str | None:
        if ev.voided:
            return None
        if ev.kind is EventKind.COMPLICATION:
            return "alert"
        return "implant" if implant_tag(ev) else None

    def extra_data(self, obj: EventHistory, role: int) -> Any:
        if role == _FONT:
            if obj.current.voided:
                return self._strike
            return self._bold if self._stands_out(obj.current) else None
        if role == _BACKGROUND or role == _FOREGROUND:
            tone = self._stands_out(obj.current)
            if tone is None:
                return None
            return colour(f"{tone}_bg" if role == _BACKGROUND else tone)
        if role == _TOOLTIP:
            return "\n".join(f"v{v.version} entered {local_time(v.recorded_at)} by {v.recorded_by}"
                             f" for {local_time(v.occurred_at, '%H:%M')}: "
                             f"{'VOID' if v.voided else describe(v, self._others)}"
                             + (f" — {v.reason}" if v.reason else "") for v in obj.versions)
        return None
