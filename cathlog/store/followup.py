"""Queries and inserts for reviews, reminders and signatures."""

from __future__ import annotations

import json
from typing import Any

from cathlog.domain.followup import Reminder, ReminderStatus, Review
from cathlog.store.db import Store
from cathlog.store.errors import translated
from cathlog.store.seals import insert_sealed

_REMINDER_COLS = ("reminder_id", "procedure_id", "rule_id", "due_date", "suggested_due", "title", "text", "source",
                  "status", "version", "changed_by", "changed_at", "reason")


def insert_review(store: Store, procedure_id: str, version: int, review: Review, *, changed_at: str,
                  changed_by: str, reason: str | None) -> None:
    insert_sealed(store, "review_versions", {
        "procedure_id": procedure_id, "version": version,
        "data": json.dumps(review.to_json(), ensure_ascii=False, sort_keys=True),
        "changed_at": changed_at, "changed_by": changed_by, "reason": reason})


@translated
def current_review(store: Store, procedure_id: str) -> tuple[int, Review] | None:
    row = store.engine.execute("SELECT version, data FROM review_versions WHERE procedure_id = ? "
                               "ORDER BY version DESC LIMIT 1", [procedure_id]).fetchone()
    return (row[0], Review.from_json(json.loads(row[1]))) if row else None


def _reminder(row: dict[str, Any]) -> Reminder:
    return Reminder(**{k: row[k] for k in _REMINDER_COLS if k != "status"}, status=ReminderStatus(row["status"]))


def insert_reminder(store: Store, reminder: Reminder) -> None:
    row = {k: getattr(reminder, k) for k in _REMINDER_COLS}
    row["status"] = reminder.status.value
    insert_sealed(store, "reminder_versions", row)


@translated
def reminders_of(store: Store, procedure_id: str) -> list[Reminder]:
    return [_reminder(r) for r in store.engine.rows(
        "SELECT * FROM current_reminders WHERE procedure_id = ? ORDER BY due_date, rule_id", [procedure_id])]


@translated
def reminder(store: Store, reminder_id: str) -> Reminder | None:
    row = store.engine.one("SELECT * FROM reminder_versions WHERE reminder_id = ? ORDER BY version DESC LIMIT 1",
                           [reminder_id])
    return _reminder(row) if row else None


@translated
def due_reminders(store: Store, before: str, statuses: tuple[str, ...] = ("accepted",)) -> list[Reminder]:
    """Reminders due before a date (YYYY-MM-DD), across all patients, soonest first."""
    marks = ", ".join("?" * len(statuses))
    return [_reminder(r) for r in store.engine.rows(
        f"SELECT * FROM current_reminders WHERE due_date < ? AND status IN ({marks}) ORDER BY due_date, procedure_id",
        [before, *statuses])]


@translated
def procedures_with_implant(store: Store, device_type: str) -> list[str]:
    """Cases where a device of this type is implanted (current, not voided entries): the
    candidates; which follow-up windows are open is the rules' decision."""
    engine = store.engine
    return [r[0] for r in engine.execute(
        "SELECT DISTINCT procedure_id FROM current_events WHERE kind = 'device' AND voided = 0 "
        f"AND {engine.json_text('data', 'device_type')} = ? AND {engine.json_text('data', 'state')} = 'implanted'",
        [str(device_type)])]


def insert_signature_event(store: Store, **row: Any) -> None:
    insert_sealed(store, "signature_events", row)


@translated
def signature_events(store: Store, procedure_id: str) -> list[dict[str, Any]]:
    return list(store.engine.rows("SELECT * FROM signature_events WHERE procedure_id = ? ORDER BY seq", [procedure_id]))


@translated
def current_signatures(store: Store) -> list[dict[str, Any]]:
    """Every signature not superseded, across all cases (for ``cathlog check``)."""
    return list(store.engine.rows(
        "SELECT * FROM signature_events AS s WHERE action = 'sign' AND NOT EXISTS (SELECT 1 FROM signature_events "
        "AS n WHERE n.signature_id = s.signature_id AND n.action = 'supersede') ORDER BY procedure_id, seq"))
