"""The case log view (live log timeline, case list preview): long details wrap
onto as many lines as they need instead of being cut ("Heparin 6000 units IV
(7…"), so a void's reason and an implant's serial are always readable.

Rows are sized to their contents only when they change: the rows a save
inserts or alters, every row when the model resets or the Details column
changes width (coalesced to one pass per event-loop turn). Sizing every row on
each save would cost a layout of the whole case per entry.

A row's height is remembered by what it shows and the columns' widths: the
entry form opening and closing beside the timeline switches it between two
widths, and every save closes the form, so each switch would otherwise lay out
every row's wrapped text again (37 ms at 200 entries, issue 18 item 2); with the
heights remembered, it measures only rows it has not shown at that width."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHeaderView, QTableView

from cathlog.domain.describe import KIND_TITLES
from cathlog.domain.enums import EventKind

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
        # (what the row shows, the columns' widths) -> the height resizeRowToContents gave it
        self._heights: dict[tuple[object, tuple[int, ...]], int] = {}
        self.follows_newest = False  # the live log: scrolled to the bottom, it stays there as rows grow

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
        model = self.model()
        size_key = getattr(model, "size_key", None)  # what a row's height depends on, given the widths
        if model is None or size_key is None:
            for row in range(first, last + 1):
                self.resizeRowToContents(row)
            return
        widths = tuple(self.columnWidth(c) for c in range(model.columnCount())) + (
            self.horizontalScrollBar().value(),)
        if len(self._heights) > 8 * model.rowCount() + 1000:  # rows and widths long gone
            self._heights.clear()
        header = self.verticalHeader()
        bar = self.verticalScrollBar()
        following = self.follows_newest and bar.value() == bar.maximum()
        tallest = 0
        for row in range(first, last + 1):
            key = (size_key(row), widths)
            height = self._heights.get(key)
            if height is None:
                self.resizeRowToContents(row)
                height = self._heights[key] = self.rowHeight(row)
            elif header.sectionSize(row) != height:
                header.resizeSection(row, height)
            tallest = max(tallest, height)
        self._choose_scrolling(tallest, whole=first == 0 and last == model.rowCount() - 1)
        self._align_top_row(following)

    def _choose_scrolling(self, tallest: int, whole: bool) -> None:
        """By whole rows (the top row never cut), unless a row is taller than the view: then by pixels,
        or its end could never be scrolled into view. ``tallest`` of the rows just sized; ``whole``
        when they are all the rows (a part says nothing of the rows it did not size)."""
        if tallest > self.viewport().height():
            mode = QTableView.ScrollMode.ScrollPerPixel
        elif whole:
            mode = QTableView.ScrollMode.ScrollPerItem
        else:
            return
        if self.verticalScrollMode() is not mode:
            self.setVerticalScrollMode(mode)

    def _align_top_row(self, following: bool) -> None:
        """Scrolled by whole rows, the top row starts at the top edge: rows sized after a scroll would
        leave the view's offset where the old heights put it (the top row cut), and the range short
        of the newest row."""
        if self.verticalScrollMode() is not QTableView.ScrollMode.ScrollPerItem:
            return
        if following:
            self.updateGeometries()  # the scroll range for the new heights now, not at Qt's next timer
            self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())
        self._top_row_at_top()

    def _top_row_at_top(self) -> None:
        """Qt puts the last row against the bottom edge at the end of the range, cutting the top row
        under the header; the whole top row goes first here (any room left is below the last row)."""
        if self.verticalScrollMode() is not QTableView.ScrollMode.ScrollPerItem:
            return
        header = self.verticalHeader()
        offset = header.sectionPosition(header.logicalIndex(self.verticalScrollBar().value()))
        if offset >= 0 and header.offset() != offset:
            header.setOffset(offset)
            self.viewport().update()

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802 - Qt's name
        super().scrollContentsBy(dx, dy)
        self._top_row_at_top()

    def updateGeometries(self) -> None:  # noqa: N802 - Qt's name
        super().updateGeometries()
        self._top_row_at_top()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._heights.clear()  # the same text at the same width takes another height now
            self._all_rows.start()
        super().changeEvent(event)

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
    # Scrolled by whole rows: the top row is never cut in half under the header, also when the live log
    # follows its newest entry at the bottom (per pixel, the bottom row's edge would set where the top is
    # cut); by pixels only while a row is taller than the view (LogView._choose_scrolling).
    view.setVerticalScrollMode(QTableView.ScrollMode.ScrollPerItem)


def narrow_columns(view: LogView) -> None:
    """For a narrow view (the case list's preview, its model not loud about complications): Time as wide
    as "00:00", Entry as its longest word in bold ("⚠ Complication" wraps under its icon), so Details
    keeps room for several words a line instead of one."""
    view.ensurePolished()
    bold = view.font()
    bold.setBold(True)
    plain, strong = view.fontMetrics().horizontalAdvance, QFontMetrics(bold).horizontalAdvance
    loud = {KIND_TITLES[EventKind.COMPLICATION], KIND_TITLES[EventKind.DEVICE]}  # bold rows: complication, implant
    widths = [(strong if title in loud else plain)(word) for title in KIND_TITLES.values() for word in title.split()]
    header = view.horizontalHeader()
    header.resizeSection(0, plain("00:00") + 14)
    header.resizeSection(1, max(widths) + 14)
