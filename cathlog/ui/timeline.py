"""The case log view (live log timeline, case list preview): long details wrap
onto as many lines as they need instead of being cut ("Heparin 6000 units IV
(7…"), so a void's reason and an implant's serial are always readable.

Rows are sized to their contents only when they change: the rows a save
inserts or alters, every row when the model resets or the Details column
changes width (coalesced to one pass per event-loop turn). Sizing every row on
each save would cost a layout of the whole case per entry."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHeaderView, QTableView

from cathlog.domain.describe import KIND_TITLES

DETAILS = 2

Index = QModelIndex | QPersistentModelIndex


class LogView(QTableView):
    """A table whose rows grow to show their whole text (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._all_rows = QTimer(self)
        self._all_rows.setSingleShot(True)
        self._all_rows.setInterval(0)
        self._all_rows.timeout.connect(self.fit_all_rows)

    def setModel(self, model: QAbstractItemModel | None) -> None:  # noqa: N802 - Qt's name
        super().setModel(model)
        if model is None:
            return
        model.rowsInserted.connect(self._rows_inserted)
        model.dataChanged.connect(self._data_changed)
        model.modelReset.connect(self._all_rows.start)
        model.layoutChanged.connect(self._all_rows.start)
        self.horizontalHeader().sectionResized.connect(self._column_resized)

    def _rows_inserted(self, _parent: Index, first: int, last: int) -> None:
        self._fit_rows(first, last)

    def _data_changed(self, top: Index, bottom: Index) -> None:
        self._fit_rows(top.row(), bottom.row())

    def _column_resized(self, column: int, _old: int, _new: int) -> None:
        self._all_rows.start()

    def _fit_rows(self, first: int, last: int) -> None:
        for row in range(first, last + 1):
            self.resizeRowToContents(row)

    def fit_all_rows(self) -> None:
        model = self.model()
        if model is not None:
            self._fit_rows(0, model.rowCount() - 1)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._all_rows.start()  # the stretched Details column changes width with the view


def setup_log_view(view: LogView) -> None:
    """Columns: time, kind and author at fixed widths (sizing them to contents re-reads every row
    on each save), Details stretches and wraps; rows as tall as their text."""
    header = view.horizontalHeader()
    view.ensurePolished()  # the theme's font, not the default one, sets the widths
    width = view.fontMetrics().horizontalAdvance
    bold = view.font()
    bold.setBold(True)
    kind_width = max(width(max(KIND_TITLES.values(), key=len)), QFontMetrics(bold).horizontalAdvance("⚠ COMPLICATION"))
    for column, needed in ((0, width("00:00  ")), (1, kind_width), (3, width("k.walsh (late)"))):  # longer ones wrap
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(column, needed + 16)
    header.setSectionResizeMode(DETAILS, QHeaderView.ResizeMode.Stretch)
    view.setWordWrap(True)
    view.setTextElideMode(Qt.TextElideMode.ElideNone)
    vertical = view.verticalHeader()
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    vertical.setMinimumSectionSize(view.fontMetrics().lineSpacing() + 10)
    vertical.setDefaultSectionSize(view.fontMetrics().lineSpacing() + 12)
    view.setVerticalScrollMode(QTableView.ScrollMode.ScrollPerPixel)  # a tall row scrolls smoothly
