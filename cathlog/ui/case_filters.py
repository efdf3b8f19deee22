"""The case list's filters: start dates (pickers, each switched on by its box),
room, status and "waiting for my signature". Each change emits ``changed``;
:meth:`CaseFilters.values` gives the keyword arguments of
``services.cases.list_cases`` or raises ValueError naming what is wrong."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QLabel, QPushButton, QWidget

from cathlog.domain.enums import Action, ProcedureStatus
from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor, utc_iso
from cathlog.services import Services
from cathlog.ui.combo import Combo


class _WheelOnlyWithFocus(QObject):
    """A scrolling mouse wheel passes over a combo box or date picker that has no focus."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Wheel and isinstance(obj, QWidget) and not obj.hasFocus():
            event.ignore()
            return True
        return False


def _day(edit: QDateEdit) -> date:
    picked = edit.date()
    return date(picked.year(), picked.month(), picked.day())


def local_midnight_utc(day: date) -> str:
    """The start of a local calendar day, as the UTC time the database compares."""
    return utc_iso(datetime(day.year, day.month, day.day).astimezone())


class CaseFilters(QWidget):
    changed = Signal()

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.actor = services, actor
        self._wheel = _WheelOnlyWithFocus(self)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        today = date.today()
        self.use_from, self.from_date = self._date_pair("From", "started on or after", today - timedelta(days=30))
        self.use_to, self.to_date = self._date_pair("to", "started on or before", today)
        self.room = self._combo("room_filter", "room filter", "All rooms")
        self.status = self._combo("status_filter", "status filter", "All statuses")
        for status in ProcedureStatus:
            self.status.addItem(status.value.capitalize(), status.value)
        self.mine = QCheckBox("Waiting for my signature")
        self.mine.setObjectName("waiting_for_me")
        self.mine.setToolTip("Closed cases that do not carry your signature")
        self.mine.toggled.connect(self._changed)
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.setAccessibleName("clear the filters")
        self.clear_button.clicked.connect(self.clear)
        for widget in (self.use_from, self.from_date, self.use_to, self.to_date):
            row.addWidget(widget)
        row.addSpacing(12)
        row.addWidget(QLabel("Room"))
        row.addWidget(self.room)
        row.addWidget(QLabel("Status"))
        row.addWidget(self.status)
        row.addWidget(self.mine)
        row.addWidget(self.clear_button)
        row.addStretch(1)
        self.set_actor(actor)

    def _date_pair(self, label: str, meaning: str, initial: date) -> tuple[QCheckBox, QDateEdit]:
        box = QCheckBox(label)
        box.setObjectName(f"use_{label.lower()}_date")
        box.setToolTip(f"Only cases {meaning} the date beside")
        edit = QDateEdit(QDate(initial.year, initial.month, initial.day))
        edit.setObjectName(f"{label.lower()}_date")
        edit.setAccessibleName(f"cases {meaning}")
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setEnabled(False)
        edit.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        edit.installEventFilter(self._wheel)
        box.toggled.connect(edit.setEnabled)
        box.toggled.connect(self._changed)
        edit.dateChanged.connect(lambda _: self._date_changed(box))
        return box, edit

    def _combo(self, name: str, accessible: str, everything: str) -> QComboBox:
        combo = Combo()
        combo.setObjectName(name)
        combo.setAccessibleName(accessible)
        combo.addItem(everything, None)
        combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        combo.installEventFilter(self._wheel)
        combo.currentIndexChanged.connect(self._changed)
        return combo

    def _changed(self, *_: object) -> None:
        self.changed.emit()

    def _date_changed(self, box: QCheckBox) -> None:
        if box.isChecked():
            self.changed.emit()

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor
        signer = self.services.auth.may(actor, Action.SIGN_CASE)
        self.mine.setVisible(signer)
        if not signer:
            self.mine.setChecked(False)
        self.refresh_rooms()

    def refresh_rooms(self) -> None:
        """The rooms cases were done in; the chosen one stays chosen."""
        try:
            rooms = self.services.cases.case_rooms(self.actor)
        except CathlogError:
            return
        chosen = self.room.currentData()
        self.room.blockSignals(True)
        self.room.clear()
        self.room.addItem("All rooms", None)
        for room in rooms:
            self.room.addItem(room, room)
        if chosen is not None:
            if self.room.findData(chosen) < 0:
                self.room.addItem(chosen, chosen)
            self.room.setCurrentIndex(self.room.findData(chosen))
        self.room.blockSignals(False)

    def active(self) -> bool:
        return bool(self.use_from.isChecked() or self.use_to.isChecked() or self.room.currentData()
                    or self.status.currentData() or self.mine.isChecked())

    def clear(self) -> None:
        for widget in (self.use_from, self.use_to, self.mine, self.room, self.status):
            widget.blockSignals(True)
        self.use_from.setChecked(False)
        self.use_to.setChecked(False)
        self.from_date.setEnabled(False)
        self.to_date.setEnabled(False)
        self.mine.setChecked(False)
        self.room.setCurrentIndex(0)
        self.status.setCurrentIndex(0)
        for widget in (self.use_from, self.use_to, self.mine, self.room, self.status):
            widget.blockSignals(False)
        self.changed.emit()

    def values(self) -> dict[str, Any]:
        """The filters as ``list_cases`` keywords; ValueError when the dates contradict each other."""
        first = _day(self.from_date) if self.use_from.isChecked() else None
        last = _day(self.to_date) if self.use_to.isChecked() else None
        if first and last and first > last:
            raise ValueError(f"the From date ({first}) is after the to date ({last}): no case can match")
        return {"since": local_midnight_utc(first) if first else None,
                "until": local_midnight_utc(last + timedelta(days=1)) if last else None,
                "room": self.room.currentData(), "status": self.status.currentData(),
                "waiting_for_me": self.mine.isChecked()}
