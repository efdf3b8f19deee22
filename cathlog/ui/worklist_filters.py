"""The follow-up worklist's filter controls: the due-date presets, status and order choices, and
the query they make. A combo or date field changes under the mouse wheel only when it has focus."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QComboBox, QDateEdit

from cathlog.domain.worklist import WorklistQuery, WorkOrder, WorkState
from cathlog.rules.worklist import NEXT_DAYS
from cathlog.ui.combo import Combo

# (label, key) of the due-date presets; "range" shows the two date fields.
DUE_PRESETS = (("Overdue and next 30 days", "soon"), ("Overdue", "overdue"), ("Next 30 days", "next"),
               ("Any due date", "any"), ("Date range…", "range"))
STATUS_CHOICES = (("Open", "open"), ("Done", "done"), ("Dismissed", "dismissed"), ("All statuses", "all"))
ORDER_CHOICES = (("IVC filters first", WorkOrder.PRIORITY.value), ("Soonest first", WorkOrder.DUE.value))


def combo(name: str, items: Sequence[tuple[str, object]], changed: Callable[[], object]) -> QComboBox:
    box = Combo()
    box.setObjectName(name)
    box.setAccessibleName(name.replace("_", " "))
    box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a wheel over it does not change it unless focused
    for label, value in items:
        box.addItem(label, value)
    box.currentIndexChanged.connect(lambda _i: changed())
    return box


def date_edit(name: str, changed: Callable[[], object]) -> QDateEdit:
    edit = QDateEdit()
    edit.setObjectName(name)
    edit.setAccessibleName(name.replace("_", " "))
    edit.setDisplayFormat("yyyy-MM-dd")  # not the C locale's "1 01 2000"
    edit.setCalendarPopup(True)
    edit.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    edit.setDate(QDate.currentDate())
    edit.dateChanged.connect(lambda _d: changed())
    return edit


def build_query(today: date, preset: str, range_from: QDate, range_to: QDate, rule_id: str | None,
                operator: str | None, status: str, order: str) -> WorklistQuery:
    """The query the controls say. A range that ends before it starts is passed on as it is, for the
    service to refuse with a message (never swapped or widened)."""
    soon = (today + timedelta(days=NEXT_DAYS)).isoformat()
    due_from, due_to = {
        "soon": (None, soon), "overdue": (None, (today - timedelta(days=1)).isoformat()),
        "next": (today.isoformat(), soon), "any": (None, None),
        "range": (range_from.toString("yyyy-MM-dd"), range_to.toString("yyyy-MM-dd")),
    }[preset]
    states = tuple(WorkState) if status == "all" else (WorkState(status),)
    return WorklistQuery(due_from, due_to, rule_id, operator, states, WorkOrder(order))
