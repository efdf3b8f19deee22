"""What the admin and side windows share (the admin dialogs, the dose-report inbox, the follow-up
worklist, the worklist panel of the new-case dialog, the HL7 interface): the dialog frame, read-only
tables, named buttons, the message line and its tone, hints and detail lines, the confirmation that
defaults to No, optional date bounds, and the user's documents folder."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from PySide6.QtCore import QDate, QStandardPaths, Qt, Signal
from PySide6.QtGui import QIcon, QWheelEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cathlog.domain.records import Actor
from cathlog.services import Services
from cathlog.ui.local_zone import local_zone
from cathlog.ui.screen_fit import fit_window
from cathlog.ui.theme import set_tone

NO_SELECTION_TIP = "Select a row in the list first: the button acts on the selected row only."


_Table = TypeVar("_Table", bound=QTableWidget)


def make_table(name: str, headers: tuple[str, ...], *, accessible: str | None = None,
               stretch: int | None = None) -> QTableWidget:
    """A read-only table whose selection is one whole row (see :func:`setup_table`)."""
    return setup_table(QTableWidget(), name, headers, accessible=accessible, stretch=stretch)


def setup_table(table: _Table, name: str, headers: tuple[str, ...], *, accessible: str | None = None,
                stretch: int | None = None) -> _Table:
    """``table`` made read-only, its selection one whole row, its columns as wide as their contents and one
    (``stretch``; by default the last) taking the rest of the width. ``accessible``: what a screen reader
    calls it (by default its name in words)."""
    table.setColumnCount(len(headers))
    table.setObjectName(name)
    table.setAccessibleName(accessible or name.replace("_", " "))
    table.setHorizontalHeaderLabels(headers)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is None:
        header.setStretchLastSection(True)
    else:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    return table


def named_button(text: str, name: str, slot: Callable[[], object]) -> QPushButton:
    """A button tests and screen readers find by ``name``; Enter in a field does not press it, and ``slot``
    gets no "checked" argument."""
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(name.replace("_", " "))
    button.setAutoDefault(False)
    button.clicked.connect(lambda _=False: slot())
    return button


def message_label(accessible: str = "messages", name: str = "FormMessages") -> QLabel:
    """The line a window says what happened in (see :func:`show_message`); selectable, to copy an error."""
    return detail_label(name, accessible)


def show_message(label: QLabel, text: str, error: bool = False, done_mark: str = "") -> None:
    """``text`` in the message line, in the error tone marked ✖, or in the ok tone (``done_mark`` before
    it); an empty text clears the line and its tone."""
    label.setText(("✖ " if error else done_mark if text else "") + text)
    set_tone(label, "error" if error else "ok" if text else None)


def detail_label(name: str, accessible: str) -> QLabel:
    """A word-wrapped, selectable line saying more about the selected row."""
    label = QLabel("")
    label.setObjectName(name)
    label.setAccessibleName(accessible)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def hint_label(text: str) -> QLabel:
    """A word-wrapped hint in the muted hint style."""
    label = QLabel(text)
    label.setObjectName("Hint")
    label.setWordWrap(True)
    return label


def _cell(value: object) -> QTableWidgetItem:
    """A cell whose tooltip repeats its text: a long one cut at the column's edge is read in full."""
    text = "" if value is None else str(value)
    item = QTableWidgetItem(text)
    if len(text) > 24:
        item.setToolTip(text)
    return item


def fill(table: QTableWidget, rows: list[tuple]) -> None:
    table.setRowCount(len(rows))
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            table.setItem(i, j, _cell(value))


def append_rows(table: QTableWidget, rows: list[tuple]) -> None:
    """Add ``rows`` below those shown (a next page), leaving the shown ones as they are."""
    start = table.rowCount()
    table.setRowCount(start + len(rows))
    for i, row in enumerate(rows, start):
        for j, value in enumerate(row):
            table.setItem(i, j, _cell(value))


def selected_row(table: QTableWidget) -> int | None:
    """The selected row, or None: the current cell alone (no visible selection) does not count."""
    rows = table.selectionModel().selectedRows()
    return rows[0].row() if rows else None


def confirm(parent: QWidget | None, title: str, text: str, yes: str = "Yes") -> bool:
    """A question whose default (Enter, Escape) is No: True only for a deliberate Yes."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("confirm")
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.YesRole)
    no_button = box.addButton("No", QMessageBox.ButtonRole.NoRole)
    box.setDefaultButton(no_button)
    box.setEscapeButton(no_button)
    box.exec()
    return box.clickedButton() is yes_button


def documents_folder() -> Path:
    """The user's documents folder (where exports go unless the user chooses otherwise)."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found else Path.home()


def local_day_start_utc(day: date) -> str:
    """The first moment of ``day`` on this computer's clock, as a UTC ISO 8601 time."""
    zone = local_zone()
    if zone is None:
        moment = datetime.combine(day, time()).astimezone()
    else:
        moment = datetime.combine(day, time(), tzinfo=zone)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class _DateEdit(QDateEdit):
    """A date picker the mouse wheel changes only once it has focus (scrolling the form past it
    must not change a date nobody chose)."""

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class DateBound(QWidget):
    """An optional date: a check box says whether the bound applies, a date picker (calendar
    popup, written YYYY-MM-DD) says which day. Unchecked means open-ended."""

    changed = Signal()

    def __init__(self, label: str, accessible: str, parent: QWidget | None = None):
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.check = QCheckBox(label)
        self.check.setAccessibleName(f"{accessible} applies")
        self.edit = _DateEdit(QDate.currentDate())
        self.edit.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd")
        self.edit.setAccessibleName(accessible)
        self.edit.setEnabled(False)
        self.check.toggled.connect(self.edit.setEnabled)
        self.check.toggled.connect(lambda _: self.changed.emit())
        self.edit.dateChanged.connect(lambda _: self.changed.emit())
        row.addWidget(self.check)
        row.addWidget(self.edit)
        row.addStretch(1)

    def value(self) -> date | None:
        if not self.check.isChecked():
            return None
        day = self.edit.date()
        return date(day.year(), day.month(), day.day())

    def set_value(self, day: date | None) -> None:
        if day is not None:
            self.edit.setDate(QDate(day.year, day.month, day.day))
        self.check.setChecked(day is not None)


def day_bounds(start: DateBound, end: DateBound) -> tuple[str | None, str | None]:
    """(since, until) in UTC for the local days from ``start`` to ``end``, both included;
    None where a bound is open. Raises ValueError when the end comes before the start."""
    first, last = start.value(), end.value()
    if first is not None and last is not None and last < first:
        raise ValueError(f"the end date {last:%Y-%m-%d} is before the start date {first:%Y-%m-%d}")
    return (local_day_start_utc(first) if first else None,
            local_day_start_utc(last + timedelta(days=1)) if last else None)


class AdminDialog(QDialog):
    def __init__(self, services: Services, actor: Actor, title: str, parent: QWidget | None = None,
                 preferred: tuple[int, int] = (1000, 650)):
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.setWindowTitle(f"cathlog — {title}")
        fit_window(self, type(self).__name__, preferred)  # within the screen, at the size its user left it
        self.layout_ = QVBoxLayout(self)
        heading = QLabel(title)
        heading.setObjectName("Title")
        self.layout_.addWidget(heading)
        self.message = message_label()

    def say(self, text: str, error: bool = False) -> None:
        show_message(self.message, text, error)

    def buttons(self, *items: tuple[str, Callable[[], object]]) -> tuple[QHBoxLayout, list[QPushButton]]:
        """A row of buttons; each slot takes no argument (the "checked" flag is not passed on)."""
        row = QHBoxLayout()
        made = []
        for text, slot in items:
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.setIcon(QIcon())
            # A bound method, not a lambda around it: PySide keeps no strong reference to the dialog
            # then, so a closed dialog is freed at once rather than by the garbage collector at exit.
            button.clicked.connect(slot)
            row.addWidget(button)
            made.append(button)
        row.addStretch(1)
        return row, made
