"""The HL7 v2 interface's tables (migration 0015): the inbox of every message received, the admin's
merge tasks (ADT^A40) and the outbox of reports to send.

Operational tables, not record versions: a row's state changes (a failed message retried, a queued
report sent, then acknowledged), so they are neither append-only nor sealed; every change of state is
audited by the services in the same transaction. No row is ever deleted (triggers refuse DELETE), an
outbound message never changes once built (so a resend carries the same bytes and control id), and an
inbound message's text never changes at all. Through ``store.engine``, on a file and on the server alike;
the server's twins and its column-level UPDATE rights are in ``store/pg/inboxes.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cathlog.store.db import Store
from cathlog.store.errors import translated
from cathlog.store.timestamps import real_timestamp_sql

INBOX_STATES = ("applied", "failed", "rejected", "task")
OUTBOX_STATES = ("queued", "sent", "acknowledged", "failed")
TASK_STATES = ("open", "linked", "dismissed")


def _ts(col: str, nullable: bool = False) -> str:
    check = real_timestamp_sql(col)
    return f"{col} TEXT{'' if nullable else ' NOT NULL'} CHECK ({col} IS NULL OR ({check}))"


def _states(col: str, states: tuple[str, ...]) -> str:
    return f"{col} TEXT NOT NULL CHECK ({col} IN ({', '.join(repr(s) for s in states)}))"


SCHEMA_0015: tuple[str, ...] = (
    f"""
CREATE TABLE hl7_inbox (
  inbox_id INTEGER PRIMARY KEY,
  {_ts('received_at')},
  peer TEXT NOT NULL,
  sending_application TEXT NOT NULL,
  sending_facility TEXT NOT NULL,
  message_type TEXT NOT NULL,
  control_id TEXT NOT NULL,
  message TEXT NOT NULL CHECK (length(message) >= 1),
  {_states('state', INBOX_STATES)},
  ack_code TEXT NOT NULL CHECK (ack_code IN ('AA', 'AE', 'AR')),
  error TEXT,
  patient_id TEXT CHECK (patient_id IS NULL OR length(patient_id) = 32),
  attempts INTEGER NOT NULL CHECK (attempts >= 1),
  {_ts('last_attempt_at')},
  CHECK (state IN ('applied', 'task') OR length(error) >= 1)
) STRICT""",
    "CREATE INDEX hl7_inbox_control ON hl7_inbox (sending_facility, control_id)",
    "CREATE INDEX hl7_inbox_state ON hl7_inbox (state, inbox_id)",
    "CREATE TRIGGER hl7_inbox_no_delete BEFORE DELETE ON hl7_inbox "
    "BEGIN SELECT RAISE(ABORT, 'hl7_inbox rows are never deleted'); END",
    "CREATE TRIGGER hl7_inbox_message_fixed BEFORE UPDATE OF message, control_id, received_at ON hl7_inbox "
    "BEGIN SELECT RAISE(ABORT, 'a received HL7 message is kept as it came'); END",
    f"""
CREATE TABLE hl7_merge_tasks (
  task_id INTEGER PRIMARY KEY,
  inbox_id INTEGER NOT NULL UNIQUE REFERENCES hl7_inbox (inbox_id),
  {_ts('created_at')},
  surviving_mrn TEXT NOT NULL CHECK (length(surviving_mrn) >= 1),
  prior_mrn TEXT NOT NULL CHECK (length(prior_mrn) >= 1),
  {_states('state', TASK_STATES)},
  {_ts('decided_at', nullable=True)},
  decided_by TEXT,
  note TEXT,
  CHECK (state = 'open' OR (decided_at IS NOT NULL AND length(decided_by) >= 1 AND length(note) >= 1))
) STRICT""",
    "CREATE INDEX hl7_merge_tasks_state ON hl7_merge_tasks (state, task_id)",
    "CREATE TRIGGER hl7_merge_tasks_no_delete BEFORE DELETE ON hl7_merge_tasks "
    "BEGIN SELECT RAISE(ABORT, 'hl7_merge_tasks rows are never deleted'); END",
    "CREATE TRIGGER hl7_merge_tasks_decided_once BEFORE UPDATE ON hl7_merge_tasks WHEN OLD.state <> 'open' "
    "BEGIN SELECT RAISE(ABORT, 'a decided merge task stays decided'); END",
    f"""
CREATE TABLE hl7_outbox (
  message_id INTEGER PRIMARY KEY,
  control_id TEXT NOT NULL UNIQUE CHECK (length(control_id) BETWEEN 1 AND 20),
  procedure_id TEXT NOT NULL,
  event TEXT NOT NULL CHECK (event IN ('sign', 'addendum')),
  message_type TEXT NOT NULL CHECK (message_type IN ('ORU^R01', 'MDM^T02')),
  {_ts('queued_at')},
  queued_by TEXT NOT NULL CHECK (length(queued_by) >= 1),
  destination TEXT NOT NULL CHECK (length(destination) >= 1),
  message TEXT CHECK (message IS NULL OR length(message) >= 1),
  pdf_sha256 TEXT CHECK (pdf_sha256 IS NULL OR length(pdf_sha256) = 64),
  {_states('state', OUTBOX_STATES)},
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  {_ts('next_attempt_at')},
  {_ts('last_attempt_at', nullable=True)},
  {_ts('acknowledged_at', nullable=True)},
  ack_code TEXT CHECK (ack_code IS NULL OR ack_code IN ('AA', 'AE', 'AR', 'CA', 'CE', 'CR')),
  reason TEXT,
  CHECK (state <> 'acknowledged' OR (acknowledged_at IS NOT NULL AND message IS NOT NULL)),
  CHECK (state <> 'failed' OR length(reason) >= 1)
) STRICT""",
    "CREATE INDEX hl7_outbox_due ON hl7_outbox (state, next_attempt_at)",
    "CREATE INDEX hl7_outbox_procedure ON hl7_outbox (procedure_id, message_id)",
    "CREATE TRIGGER hl7_outbox_no_delete BEFORE DELETE ON hl7_outbox "
    "BEGIN SELECT RAISE(ABORT, 'hl7_outbox rows are never deleted'); END",
    "CREATE TRIGGER hl7_outbox_message_fixed BEFORE UPDATE OF message, control_id, pdf_sha256 ON hl7_outbox "
    "WHEN OLD.message IS NOT NULL OR OLD.control_id IS NOT NEW.control_id "
    "BEGIN SELECT RAISE(ABORT, 'an outbound HL7 message never changes once built'); END",
)


def create(conn: Any) -> None:
    """Migration 0015's body (``store/migration_steps.py`` calls it)."""
    for statement in SCHEMA_0015:
        conn.execute(statement)


def _in_write(store: Store) -> None:
    if not store.engine.in_transaction:
        raise RuntimeError("HL7 table writes run in the services' write transaction that audits them")


def _rows(store: Store, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    return list(store.engine.rows(sql, params))


# --- inbox ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxEntry:
    received_at: str
    peer: str
    sending_application: str
    sending_facility: str
    message_type: str
    control_id: str
    message: str


def add_inbox(store: Store, entry: InboxEntry, state: str, ack_code: str, error: str | None,
              patient_id: str | None) -> int:
    _in_write(store)
    row = store.engine.insert_returning("hl7_inbox", {
        "received_at": entry.received_at, "peer": entry.peer, "sending_application": entry.sending_application,
        "sending_facility": entry.sending_facility, "message_type": entry.message_type,
        "control_id": entry.control_id, "message": entry.message, "state": state, "ack_code": ack_code,
        "error": error, "patient_id": patient_id, "attempts": 1, "last_attempt_at": entry.received_at})
    return int(row["inbox_id"])


def set_inbox_outcome(store: Store, inbox_id: int, state: str, ack_code: str, error: str | None,
                      patient_id: str | None, at: str, *, new_attempt: bool = True) -> None:
    """What became of a message; ``new_attempt`` False: the outcome of the attempt that stored it."""
    _in_write(store)
    store.engine.execute("UPDATE hl7_inbox SET state = ?, ack_code = ?, error = ?, patient_id = ?, "
                         "attempts = attempts + ?, last_attempt_at = ? WHERE inbox_id = ?",
                         [state, ack_code, error, patient_id, 1 if new_attempt else 0, at, inbox_id])


@translated
def inbox_row(store: Store, inbox_id: int) -> dict[str, Any] | None:
    found = _rows(store, "SELECT * FROM hl7_inbox WHERE inbox_id = ?", [inbox_id])
    return found[0] if found else None


@translated
def applied_before(store: Store, sending_facility: str, control_id: str) -> dict[str, Any] | None:
    """The message with this control id from this facility that was applied (or became a task), if any."""
    found = _rows(store, "SELECT * FROM hl7_inbox WHERE sending_facility = ? AND control_id = ? "
                         "AND state IN ('applied', 'task') ORDER BY inbox_id LIMIT 1", [sending_facility, control_id])
    return found[0] if found else None


@translated
def inbox_page(store: Store, states: tuple[str, ...] = INBOX_STATES, limit: int = 500) -> list[dict[str, Any]]:
    """The newest inbox rows in ``states`` (without the message text), newest first."""
    marks = ", ".join("?" * len(states))
    return _rows(store, "SELECT inbox_id, received_at, peer, sending_application, sending_facility, message_type, "
                        f"control_id, state, ack_code, error, patient_id, attempts, last_attempt_at FROM hl7_inbox "
                        f"WHERE state IN ({marks}) ORDER BY inbox_id DESC LIMIT ?", [*states, limit])


# --- merge tasks ---------------------------------------------------------------------------------


def add_task(store: Store, inbox_id: int, created_at: str, surviving_mrn: str, prior_mrn: str) -> int:
    _in_write(store)
    row = store.engine.insert_returning("hl7_merge_tasks", {
        "inbox_id": inbox_id, "created_at": created_at, "surviving_mrn": surviving_mrn, "prior_mrn": prior_mrn,
        "state": "open"})
    return int(row["task_id"])


def decide_task(store: Store, task_id: int, state: str, at: str, by: str, note: str) -> None:
    _in_write(store)
    store.engine.execute("UPDATE hl7_merge_tasks SET state = ?, decided_at = ?, decided_by = ?, note = ? "
                         "WHERE task_id = ?", [state, at, by, note, task_id])


@translated
def task_row(store: Store, task_id: int) -> dict[str, Any] | None:
    found = _rows(store, "SELECT t.*, i.sending_facility, i.control_id FROM hl7_merge_tasks AS t "
                         "JOIN hl7_inbox AS i USING (inbox_id) WHERE task_id = ?", [task_id])
    return found[0] if found else None


@translated
def tasks(store: Store, open_only: bool = True, limit: int = 500) -> list[dict[str, Any]]:
    where = "WHERE t.state = 'open' " if open_only else ""
    return _rows(store, "SELECT t.*, i.sending_facility, i.control_id FROM hl7_merge_tasks AS t "
                        f"JOIN hl7_inbox AS i USING (inbox_id) {where}ORDER BY t.task_id DESC LIMIT ?", [limit])


# --- outbox --------------------------------------------------------------------------------------


def queue(store: Store, *, control_id: str, procedure_id: str, event: str, message_type: str, queued_at: str,
          queued_by: str, destination: str) -> int:
    _in_write(store)
    row = store.engine.insert_returning("hl7_outbox", {
        "control_id": control_id, "procedure_id": procedure_id, "event": event, "message_type": message_type,
        "queued_at": queued_at, "queued_by": queued_by, "destination": destination, "state": "queued",
        "next_attempt_at": queued_at})
    return int(row["message_id"])


def set_message(store: Store, message_id: int, message: str, pdf_sha256: str) -> None:
    _in_write(store)
    store.engine.execute("UPDATE hl7_outbox SET message = ?, pdf_sha256 = ? WHERE message_id = ? AND message IS NULL",
                         [message, pdf_sha256, message_id])


def set_state(store: Store, message_id: int, **changes: Any) -> None:
    """Change the delivery columns of one outbox row (state, attempts, times, ack, reason, destination)."""
    allowed = {"state", "attempts", "next_attempt_at", "last_attempt_at", "acknowledged_at", "ack_code", "reason",
               "destination"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not delivery columns: {sorted(unknown)}")
    _in_write(store)
    sets = ", ".join(f"{k} = ?" for k in changes)
    store.engine.execute(f"UPDATE hl7_outbox SET {sets} WHERE message_id = ?",  # noqa: S608 - columns allow-listed
                         [*changes.values(), message_id])


@translated
def outbox_row(store: Store, message_id: int) -> dict[str, Any] | None:
    found = _rows(store, "SELECT * FROM hl7_outbox WHERE message_id = ?", [message_id])
    return found[0] if found else None


@translated
def unbuilt(store: Store) -> list[dict[str, Any]]:
    """Queued rows whose message is not built yet (oldest first)."""
    return _rows(store, "SELECT * FROM hl7_outbox WHERE message IS NULL AND state = 'queued' ORDER BY message_id", [])


@translated
def due(store: Store, now: str, limit: int = 20) -> list[dict[str, Any]]:
    """Built messages to send now: queued and due, or sent without an acknowledgement (a sender killed
    between send and ACK, or an ACK that never came) and due again."""
    return _rows(store, "SELECT * FROM hl7_outbox WHERE state IN ('queued', 'sent') AND message IS NOT NULL "
                        "AND next_attempt_at <= ? ORDER BY next_attempt_at, message_id LIMIT ?", [now, limit])


@translated
def earlier_messages(store: Store, procedure_id: str, before_id: int) -> int:
    return int(store.engine.scalar("SELECT count(*) FROM hl7_outbox WHERE procedure_id = ? AND message_id < ?",
                                   [procedure_id, before_id]))


@translated
def outbox_page(store: Store, limit: int = 500) -> list[dict[str, Any]]:
    """The newest outbox rows (without the message text), newest first."""
    return _rows(store, "SELECT message_id, control_id, procedure_id, event, message_type, queued_at, queued_by, "
                        "destination, pdf_sha256, state, attempts, next_attempt_at, last_attempt_at, acknowledged_at, "
                        "ack_code, reason, CASE WHEN message IS NULL THEN 0 ELSE 1 END AS built FROM hl7_outbox "
                        "ORDER BY message_id DESC LIMIT ?", [limit])
