"""The dose-report inbox (issue 15): every DICOM radiation dose report cathlog received, the
file it came in, and what became of it, as versions.

``dose_reports`` holds one row per report (its SOP Instance UID is unique: a report sent twice is
recognised), with what the X-ray system said about the patient and study and the totals cathlog
read from it; ``dose_report_files`` the bytes as received, by SHA-256; ``dose_report_states`` the
report's state as versions (received -> matched / attached / refused, each with who, when and why).
All three are append-only; reports and states are sealed like the record (``store/seals.py``). The
queries run through ``store.engine``, on a file and on the server alike (``store/pg/inboxes.py``: the
server's twins, the file's bytes as ``bytea``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from cathlog.store.db import Store
from cathlog.store.errors import translated
from cathlog.store.seals import insert_sealed
from cathlog.store.timestamps import real_timestamp_sql

STATES = ("received", "matched", "refused", "attached")
CHANNELS = ("network", "file")
_LOCAL_GLOB = "[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]"


def migrate_0014(db: Database) -> None:
    """The body of migration 0014_dicom_identifiers_and_dose_inbox (wrapper in ``store/migration_steps.py``)."""
    from cathlog.domain.fields import DICOM_SCHEMA, PROCEDURE_FIELDS
    from cathlog.store.schema import _append_only, _column, event_fields_trigger, uid_syntax_sql

    for spec in PROCEDURE_FIELDS:
        if spec.since == DICOM_SCHEMA:
            db.execute(f"ALTER TABLE procedure_versions ADD COLUMN {_column(spec)}")
    db.execute("CREATE INDEX procedure_versions_study_uid ON procedure_versions (study_instance_uid) "
               "WHERE study_instance_uid IS NOT NULL")
    db.execute(event_fields_trigger(DICOM_SCHEMA))  # the radiation entry's report provenance

    def uid(col: str, null: bool = False) -> str:
        check = f"length({col}) BETWEEN 1 AND 64 AND {uid_syntax_sql(col)}"
        return f"{col} TEXT CHECK ({col} IS NULL OR ({check}))" if null else f"{col} TEXT NOT NULL CHECK ({check})"

    def text(col: str, max_len: int) -> str:
        return f"{col} TEXT CHECK ({col} IS NULL OR length({col}) BETWEEN 1 AND {max_len})"

    def moment(col: str) -> str:
        return f"{col} TEXT NOT NULL CHECK ({real_timestamp_sql(col)})"

    db.execute("""
CREATE TABLE dose_report_files (
  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
  size INTEGER NOT NULL CHECK (size >= 1),
  content BLOB NOT NULL CHECK (length(content) = size)
) STRICT""")
    db.execute(f"""
CREATE TABLE dose_reports (
  {uid('sop_instance_uid')} PRIMARY KEY,
  {uid('sop_class_uid')},
  {moment('received_at')},
  received_by TEXT NOT NULL CHECK (length(received_by) BETWEEN 1 AND 100),
  workstation TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ({', '.join(repr(c) for c in CHANNELS)})),
  sender TEXT NOT NULL CHECK (length(sender) BETWEEN 1 AND 255),
  file_sha256 TEXT NOT NULL REFERENCES dose_report_files (sha256),
  {uid('study_instance_uid', null=True)},
  {text('accession_number', 16)},
  {text('patient_id', 64)},
  {text('patient_name', 324)},
  {text('patient_birth_date', 8)},
  {text('patient_sex', 16)},
  {text('manufacturer', 64)},
  {text('model', 64)},
  {text('device_observer', 64)},
  study_at TEXT CHECK (study_at IS NULL OR (study_at GLOB '{_LOCAL_GLOB}'
    AND strftime('%Y-%m-%dT%H:%M:%S', study_at, '+0 seconds') IS study_at)),
  totals TEXT NOT NULL CHECK (json_valid(totals) AND json_type(totals) = 'object'),
  problem TEXT CHECK (problem IS NULL OR length(problem) BETWEEN 1 AND 1000)
) STRICT""")
    db.execute(f"""
CREATE TABLE dose_report_states (
  row_id INTEGER PRIMARY KEY,
  sop_instance_uid TEXT NOT NULL REFERENCES dose_reports (sop_instance_uid),
  version INTEGER NOT NULL CHECK (version >= 1),
  state TEXT NOT NULL CHECK (state IN ({', '.join(repr(s) for s in STATES)})),
  procedure_id TEXT CHECK (procedure_id IS NULL OR length(procedure_id) BETWEEN 1 AND 64),
  event_id TEXT CHECK (event_id IS NULL OR length(event_id) = 32),
  reason TEXT CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 1000),
  {moment('changed_at')},
  changed_by TEXT NOT NULL CHECK (length(changed_by) BETWEEN 1 AND 100),
  workstation TEXT NOT NULL,
  UNIQUE (sop_instance_uid, version),
  CHECK (state NOT IN ('matched', 'attached') OR procedure_id IS NOT NULL),
  CHECK ((state = 'attached') = (event_id IS NOT NULL)),
  CHECK (state <> 'refused' OR reason IS NOT NULL),
  CHECK (version = 1 OR reason IS NOT NULL)
) STRICT""")
    for table in ("dose_report_files", "dose_reports", "dose_report_states"):
        _append_only(db, table)
    db.execute("CREATE INDEX dose_reports_study ON dose_reports (study_instance_uid) "
               "WHERE study_instance_uid IS NOT NULL")
    db.execute("CREATE INDEX dose_reports_received ON dose_reports (received_at)")
    db.execute("CREATE INDEX dose_report_states_state ON dose_report_states (state, sop_instance_uid)")
    db.execute("""
CREATE VIEW current_dose_report_states AS
SELECT * FROM dose_report_states AS v
WHERE NOT EXISTS (SELECT 1 FROM dose_report_states AS n
                  WHERE n.sop_instance_uid = v.sop_instance_uid AND n.version > v.version)""")


# --- queries and inserts ----------------------------------------------------------

REPORT_COLUMNS = ("sop_instance_uid", "sop_class_uid", "received_at", "received_by", "workstation", "channel",
                  "sender", "file_sha256", "study_instance_uid", "accession_number", "patient_id", "patient_name",
                  "patient_birth_date", "patient_sex", "manufacturer", "model", "device_observer", "study_at",
                  "totals", "problem")


@dataclass(frozen=True)
class StoredReport:
    """A received dose report as stored, with its current state."""

    report: dict[str, Any]  # the dose_reports row, ``totals`` decoded
    version: int
    state: str
    procedure_id: str | None
    event_id: str | None
    reason: str | None
    changed_at: str
    changed_by: str


def insert_file(store: Store, sha256: str, content: bytes) -> None:
    """Keep a received file's bytes once (a file received twice is kept once)."""
    if store.engine.scalar("SELECT 1 FROM dose_report_files WHERE sha256 = ?", [sha256]) is None:
        store.engine.execute("INSERT INTO dose_report_files (sha256, size, content) VALUES (?, ?, ?)",
                             [sha256, len(content), bytes(content)])


def insert_report(store: Store, row: dict[str, Any]) -> None:
    values = {k: row.get(k) for k in REPORT_COLUMNS}
    values["totals"] = json.dumps(row["totals"], ensure_ascii=False, sort_keys=True)
    insert_sealed(store, "dose_reports", values)


def insert_state(store: Store, sop_instance_uid: str, version: int, state: str, *, changed_at: str,
                 changed_by: str, workstation: str, procedure_id: str | None = None, event_id: str | None = None,
                 reason: str | None = None) -> None:
    insert_sealed(store, "dose_report_states", {
        "sop_instance_uid": sop_instance_uid, "version": version, "state": state, "procedure_id": procedure_id,
        "event_id": event_id, "reason": reason, "changed_at": changed_at, "changed_by": changed_by,
        "workstation": workstation})


def _stored(row: dict[str, Any]) -> StoredReport:
    report = {k: row[k] for k in REPORT_COLUMNS}
    report["totals"] = json.loads(report["totals"])
    return StoredReport(report, row["s_version"], row["s_state"], row["s_procedure_id"], row["s_event_id"],
                        row["s_reason"], row["s_changed_at"], row["s_changed_by"])


_SELECT = ("SELECT r.*, s.version AS s_version, s.state AS s_state, s.procedure_id AS s_procedure_id, "
           "s.event_id AS s_event_id, s.reason AS s_reason, s.changed_at AS s_changed_at, "
           "s.changed_by AS s_changed_by FROM dose_reports AS r "
           "JOIN current_dose_report_states AS s ON s.sop_instance_uid = r.sop_instance_uid")


@translated
def get(store: Store, sop_instance_uid: str) -> StoredReport | None:
    row = store.engine.one(_SELECT + " WHERE r.sop_instance_uid = ?", [sop_instance_uid])
    return _stored(row) if row else None


@translated
def listing(store: Store, states: tuple[str, ...] = STATES, limit: int = 500) -> list[StoredReport]:
    """Reports in the given states, newest first."""
    marks = ", ".join("?" * len(states))
    return [_stored(r) for r in store.engine.rows(
        _SELECT + f" WHERE s.state IN ({marks}) ORDER BY r.received_at DESC, r.sop_instance_uid LIMIT ?",  # noqa: S608
        [*states, limit])]


@translated
def of_procedure(store: Store, procedure_id: str) -> list[StoredReport]:
    return [_stored(r) for r in store.engine.rows(
        _SELECT + " WHERE s.procedure_id = ? ORDER BY r.received_at", [procedure_id])]


@translated
def file_content(store: Store, sha256: str) -> bytes | None:
    content = store.engine.scalar("SELECT content FROM dose_report_files WHERE sha256 = ?", [sha256])
    return bytes(content) if content is not None else None


@translated
def procedures_with_study(store: Store, study_instance_uid: str) -> list[str]:
    """The cases (current versions) carrying this Study Instance UID."""
    return [r[0] for r in store.engine.execute(
        "SELECT DISTINCT procedure_id FROM current_procedures WHERE study_instance_uid = ? ORDER BY procedure_id",
        [study_instance_uid])]


@translated
def procedures_of_patient_between(store: Store, patient_id: str, since: str, until: str) -> list[str]:
    """The patient's cases started in [since, until] (UTC timestamps)."""
    return [r[0] for r in store.engine.execute(
        "SELECT procedure_id FROM current_procedures WHERE patient_id = ? AND started_at BETWEEN ? AND ? "
        "ORDER BY started_at, procedure_id", [patient_id, since, until])]

