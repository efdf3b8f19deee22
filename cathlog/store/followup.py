"""Queries and inserts for reviews, reminders and signatures."""

from __future__ import annotations

import json
from typing import Any

from cathlog.domain.followup import Reminder, ReminderStatus, Review
from cathlog.store.db import Store
from cathlog.store.errors import translated
from cathlog.store.seals import seal_last

_REMINDER_COLS = ("reminder_id", "procedure_id", "rule_id", "due_date", "suggested_due", "title", "text", "source",
                  "status", "version", "changed_by", "changed_at", "reason")


def insert_review(store: Store, procedure_id: str, version: int, review: Review, *, changed_at: str,
                  changed_by: str, reason: str | None) -> None:
    store.db.table("review_versions").insert({
        "procedure_id": procedure_id, "version": version,
        "data": json.dumps(review.to_json(), ensure_ascii=False, sort_keys=True),
        "changed_at": changed_at, "changed_by": changed_by, "reason": reason})
    seal_last(store, "review_versions")


@translated
def current_review(store: Store, procedure_id: str) -> tuple[int, Review] | None:
    row = store.db.conn.execute("SELECT version, data FROM review_versions WHERE procedure_id = ? "
                                "ORDER BY version DESC LIMIT 1", [procedure_id]).fetchone()
    return (row[0], Review.from_json(json.loads(row[1]))) if row else None


def _reminder(row: dict[str, Any]) -> Reminder:
    return Reminder(**{k: row[k] for k in _REMINDER_COLS if k != "status"}, status=ReminderStatus(row["status"]))


def insert_reminder(store: Store, reminder: Reminder) -> None:
    row = {k: getattr(reminder, k) for k in _REMINDER_COLS}
    row["status"] = reminder.status.value
    store.db.table("reminder_versions").insert(row)
    seal_last(store, "reminder_versions")


@translated
def reminders_of(store: Store, procedure_id: str) -> list[Reminder]:
    return [_reminder(r) for r in store.db.query(
        "SELECT * FROM current_reminders WHERE procedure_id = ? ORDER BY due_date, rule_id", [procedure_id])]


@translated
def reminder(store: Store, reminder_id: str) -> Reminder | None:
    rows = list(store.db.query("SELECT * FROM reminder_versions WHERE reminder_id = ? ORDER BY version DESC LIMIT 1",
                               [reminder_id]))
    return _reminder(rows[0]) if rows else None


@translated
def due_reminders(store: Store, before: str, statuses: tuple[str, ...] = ("accepted",)) -> list[Reminder]:
    """Reminders due before a date (YYYY-MM-DD), across all patients, soonest first."""
    marks = ", ".join("?" * len(statuses))
    return [_reminder(r) for r in store.db.query(
        f"SELECT * FROM current_reminders WHERE due_date < ? AND status IN ({marks}) ORDER BY due_date, procedure_id",
        [before, *statuses])]


@translated
def procedures_with_implant(store: Store, device_type: str) -> list[str]:
    """Cases where a device of this type is implanted (current, not voided entries): the
    candidates; which follow-up windows are open is the rules' decision."""
    return [r[0] for r in store.db.conn.execute(
        "SELECT DISTINCT procedure_id FROM current_events WHERE kind = 'device' AND voided = 0 "
        "AND json_extract(data, '$.device_type') = ? AND json_extract(data, '$.state') = 'implanted'",
        [str(device_type)])]


def insert_signature_event(store: Store, **row: Any) -> None:
    store.db.table("signature_events").insert(row)
    seal_last(store, "signature_events")


@translated
def signature_events(store: Store, procedure_id: str) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM signature_events WHERE procedure_id = ? ORDER BY seq", [procedure_id]))


@translated
def current_signatures(store: Store) -> list[dict[str, Any]]:
    """Every signature not superseded, across all cases (for ``cathlog check``)."""
    return list(store.db.query(
        "SELECT * FROM signature_events AS s WHERE action = 'sign' AND NOT EXISTS (SELECT 1 FROM signature_events "
        "AS n WHERE n.signature_id = s.signature_id AND n.action = 'supersede') ORDER BY procedure_id, seq"))
