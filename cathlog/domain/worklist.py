"""The follow-up worklist: what is asked for and what is listed (issue 12 item 10)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class WorkState(StrEnum):
    """A worklist row's state: open (accepted, or an IVC filter window not yet reviewed), done, dismissed."""

    OPEN = "open"
    DONE = "done"
    DISMISSED = "dismissed"


class WorkOrder(StrEnum):
    PRIORITY = "priority"  # IVC filter windows first, then by kind, soonest first within each
    DUE = "due"  # soonest first, whatever the kind


@dataclass(frozen=True)
class WorklistQuery:
    """Filters of the worklist; None: no limit. Dates are YYYY-MM-DD, both ends included."""

    due_from: str | None = None
    due_to: str | None = None
    rule_id: str | None = None
    operator: str | None = None
    states: tuple[WorkState, ...] = (WorkState.OPEN,)
    order: WorkOrder = WorkOrder.PRIORITY

    def described(self) -> dict[str, object]:
        """The filters as plain values (audit rows, the printed list's heading)."""
        return {"due_from": self.due_from, "due_to": self.due_to, "rule": self.rule_id, "operator": self.operator,
                "status": [s.value for s in self.states], "order": self.order.value}


@dataclass(frozen=True)
class WorklistItem:
    """One row: a stored reminder (``reminder_id`` set) or an IVC filter retrieval window of a case
    nobody has reviewed yet (``pending``: the rule's suggestion, not yet accepted or dismissed)."""

    item_key: str
    reminder_id: str | None
    procedure_id: str
    patient_id: str
    patient_name: str
    mrn: str
    rule_id: str
    priority: int
    due_date: str
    suggested_due: str
    state: WorkState
    pending: bool
    operator: str
    title: str
    text: str
    source: str

    def overdue(self, today: str) -> bool:
        """Open and due before ``today`` (YYYY-MM-DD, the lab's local date)."""
        return self.state is WorkState.OPEN and self.due_date < today


@dataclass(frozen=True)
class WorklistPage:
    items: tuple[WorklistItem, ...]
    more: bool  # further rows match: ask again with ``after`` = the last item
