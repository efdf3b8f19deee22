"""The schema: named migrations of STRICT tables whose CHECK constraints
mirror the hard limits of the data dictionary.

Record tables (patients, procedures, events) hold *versions*: a change adds a
row, and triggers refuse UPDATE and DELETE on them and on the audit trail.
The CHECK clauses are generated from ``cathlog.domain.fields`` so the
database and the validator enforce the same hard limits; a change to those
limits needs a new migration (a test compares a fresh schema with the specs).

This module holds what the rest of the store imports: the file's identity
(``APPLICATION_ID``, ``SCHEMA_VERSION``), the ``migrations`` list and the DDL
generators. The migration bodies, 0001 onwards, are in ``store/migration_steps.py``,
which registers them on ``migrations`` when this module is imported.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from cathlog.domain import enums as e
from cathlog.domain.fields import EVENT_FIELDS, FieldSpec, fields_since
from cathlog.store import check_sql

APPLICATION_ID = 0x43415448  # "CATH" in the SQLite header: this file is a cathlog database.
SCHEMA_VERSION = 17  # PRAGMA user_version after the last migration below (the number of migrations).
APPEND_ONLY_TABLES = ("patient_versions", "patient_mrns", "procedure_versions", "event_versions", "audit",
                      "review_versions", "reminder_versions", "signature_events", "seals",
                      "dose_reports", "dose_report_states", "dose_report_files")

# One generator of the CHECK text, two back ends (``store/check_sql.py``); these names are the SQLite
# spelling the migrations wrote, byte for byte (tests/store/test_pg_checks.py holds it).
_TIMESTAMP_GLOB = check_sql.TIMESTAMP_GLOB
_DATE_GLOB = check_sql.DATE_GLOB
_quote = check_sql.quote
uid_syntax_sql = check_sql.SQLITE.uid_syntax


def column_check(spec: FieldSpec, col: str) -> str:
    """The CHECK condition for a non-NULL value of one typed column (SQLite)."""
    return check_sql.column_check(spec, col)


def _column(spec: FieldSpec) -> str:
    return check_sql.column_def(spec)


def _json_field_check(spec: FieldSpec, data: str = "data") -> str:
    return check_sql.json_field_check(spec, data)


def event_data_check() -> str:
    """One CHECK over the JSON payload: each kind's fields of the first schema, typed
    and in range. Fields added later (``FieldSpec.since`` > 1) are checked by the
    triggers of their own migration (:func:`event_fields_trigger`), because SQLite
    cannot alter a CHECK and the first migration must keep making the same table."""
    first = {kind.value: tuple(s for s in specs if s.since == 1) for kind, specs in EVENT_FIELDS.items()}
    return check_sql.event_payload_check(first, check_sql.SQLITE)


def event_fields_condition(version: int) -> str:
    """The condition NEW.data must meet for the fields the migration ``version`` added."""
    parts = []
    for kind in EVENT_FIELDS:
        specs = fields_since(kind, version)
        if specs:
            conds = " AND ".join(_json_field_check(s, "NEW.data") for s in specs)
            parts.append(f"(NEW.kind <> '{kind.value}' OR ({conds}))")
    return "\n    AND ".join(parts)


def event_fields_trigger(version: int) -> str:
    """A BEFORE INSERT trigger refusing event data that breaks the fields of ``version``."""
    return (f"CREATE TRIGGER event_versions_fields_{version} BEFORE INSERT ON event_versions\n"
            f"WHEN NOT (\n    {event_fields_condition(version)})\n"
            f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: event data (fields of schema {version})'); END")


def _append_only(db: Database, table: str) -> None:
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END"
        )


def _event_versions_ddl(name: str, payload_check: str) -> str:
    """The log-entry table with a payload CHECK (frozen per migration: ``store/event_checks.py``)."""
    return f"""
CREATE TABLE {name} (
  row_id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL CHECK (length(event_id) = 32),
  version INTEGER NOT NULL CHECK (version >= 1),
  procedure_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ({', '.join(_quote(v) for v in e.EventKind.values())})),
  data TEXT NOT NULL CHECK (json_valid(data) AND json_type(data) = 'object'),
  occurred_at TEXT NOT NULL CHECK (occurred_at GLOB '{_TIMESTAMP_GLOB}'),
  recorded_at TEXT NOT NULL CHECK (recorded_at GLOB '{_TIMESTAMP_GLOB}'),
  recorded_by TEXT NOT NULL CHECK (length(recorded_by) >= 1),
  performed_by TEXT CHECK (performed_by IS NULL OR length(performed_by) BETWEEN 1 AND 100),
  workstation TEXT NOT NULL,
  voided INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0, 1)),
  reason TEXT,
  UNIQUE (event_id, version),
  CHECK (version = 1 OR coalesce(length(reason), 0) >= 1),
  CHECK {payload_check}
) STRICT"""



def rebuild_event_versions(db: Database, payload_check: str) -> None:
    """Move the log-entry table to a new payload CHECK (SQLite cannot alter a CHECK):
    copy every row, unchanged, into a new table and put its indexes, append-only
    triggers and view back. Row ids, data and seals are kept; a row the new CHECK
    refuses makes the migration fail (and roll back) rather than be dropped."""
    db.execute("DROP VIEW current_events")
    for verb in ("update", "delete"):
        db.execute(f"DROP TRIGGER event_versions_no_{verb}")
    db.execute("DROP INDEX event_versions_id")
    db.execute("DROP INDEX event_versions_procedure")
    db.execute(_event_versions_ddl("event_versions_next", payload_check))
    db.execute("INSERT INTO event_versions_next SELECT * FROM event_versions")
    db.execute("DROP TABLE event_versions")
    db.execute("ALTER TABLE event_versions_next RENAME TO event_versions")
    _append_only(db, "event_versions")
    db.execute("CREATE INDEX event_versions_id ON event_versions (event_id, version)")
    db.execute("CREATE INDEX event_versions_procedure ON event_versions (procedure_id, occurred_at)")
    db.execute("""
CREATE VIEW current_events AS
SELECT * FROM event_versions AS v
WHERE NOT EXISTS (SELECT 1 FROM event_versions AS n WHERE n.event_id = v.event_id AND n.version > v.version)""")


migrations = Migrations("cathlog")

# Registers the migration bodies on ``migrations``, in order. Last, because they use the helpers above.
from cathlog.store import migration_steps as _migration_steps  # noqa: E402, F401
