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
from cathlog.domain.fields import DICOM_UID_PATTERN, EVENT_FIELDS, FieldSpec, FieldType, fields_since

APPLICATION_ID = 0x43415448  # "CATH" in the SQLite header: this file is a cathlog database.
SCHEMA_VERSION = 16  # PRAGMA user_version after the last migration below (the number of migrations).
APPEND_ONLY_TABLES = ("patient_versions", "patient_mrns", "procedure_versions", "event_versions", "audit",
                      "review_versions", "reminder_versions", "signature_events", "seals",
                      "dose_reports", "dose_report_states", "dose_report_files")

_SQL_TYPE = {
    FieldType.INT: "INTEGER",
    FieldType.REAL: "REAL",
    FieldType.BOOL: "INTEGER",
}
_TIMESTAMP_GLOB = "[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z"
_DATE_GLOB = "[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _num(x: float) -> str:
    return repr(float(x)) if isinstance(x, float) and not x.is_integer() else str(int(x))


def column_check(spec: FieldSpec, col: str) -> str:
    """The CHECK condition for a non-NULL value of one typed column."""
    t = spec.type
    if t in (FieldType.INT, FieldType.REAL):
        return f"{col} BETWEEN {_num(spec.hard[0])} AND {_num(spec.hard[1])}" if spec.hard else "1"
    if t is FieldType.BOOL:
        return f"{col} IN (0, 1)"
    if t is FieldType.ENUM:
        return f"{col} IN ({', '.join(_quote(c) for c in spec.choices)})"
    if t is FieldType.DATE:
        # date(x, '+0 days') normalises 02-30 to 03-02, so only real dates equal themselves.
        return f"{col} GLOB '{_DATE_GLOB}' AND date({col}, '+0 days') IS {col}"
    if t is FieldType.ENUM_LIST:
        return f"json_valid({col}) AND json_type({col}) = 'array'"
    length = f"length({col}) BETWEEN 1 AND {spec.max_len}" if spec.max_len else f"length({col}) >= 1"
    if spec.pattern == DICOM_UID_PATTERN:
        return f"{length} AND {uid_syntax_sql(col)}"
    if spec.pattern is not None:  # pragma: no cover - every pattern needs its SQL here
        raise ValueError(f"no SQL check for the pattern of {spec.name}")
    return length


def uid_syntax_sql(col: str) -> str:
    """DICOM UID syntax in SQL (PS3.5 9.1): digits and dots, no empty component, no leading zero."""
    return (f"{col} NOT GLOB '*[^0-9.]*' AND {col} NOT GLOB '.*' AND {col} NOT GLOB '*.' "
            f"AND {col} NOT GLOB '*..*' AND {col} NOT GLOB '*.0[0-9]*' AND {col} NOT GLOB '0[0-9]*'")


def _column(spec: FieldSpec) -> str:
    sql_type = _SQL_TYPE.get(spec.type, "TEXT")
    null = " NOT NULL" if spec.required else ""
    return f"{spec.name} {sql_type}{null} CHECK ({spec.name} IS NULL OR coalesce({column_check(spec, spec.name)}, 0))"


def _json_field_check(spec: FieldSpec, data: str = "data") -> str:
    path = f"'$.{spec.name}'"
    jtype = f"json_type({data}, {path})"
    value = f"json_extract({data}, {path})"
    if spec.type is FieldType.INT:
        typed = f"{jtype} = 'integer'"
    elif spec.type is FieldType.REAL:
        typed = f"{jtype} IN ('integer', 'real')"
    elif spec.type is FieldType.BOOL:
        return f"coalesce({jtype} IN ('true', 'false'), {0 if spec.required else 1})"
    elif spec.type is FieldType.ENUM_LIST:
        typed = f"{jtype} = 'array'"
    else:
        typed = f"{jtype} = 'text'"
    cond = typed if spec.type is FieldType.ENUM_LIST else f"{typed} AND {column_check(spec, value)}"
    # coalesce: a NULL (missing key) must fail the CHECK, not pass it as SQL's "unknown" would.
    return f"coalesce({cond}, 0)" if spec.required else f"({jtype} IS NULL OR coalesce({cond}, 0))"


def event_data_check() -> str:
    """One CHECK over the JSON payload: each kind's fields of the first schema, typed
    and in range. Fields added later (``FieldSpec.since`` > 1) are checked by the
    triggers of their own migration (:func:`event_fields_trigger`), because SQLite
    cannot alter a CHECK and the first migration must keep making the same table."""
    parts = []
    for kind, all_specs in EVENT_FIELDS.items():
        specs = [s for s in all_specs if s.since == 1]
        conds = " AND ".join(_json_field_check(s) for s in specs)
        parts.append(f"(kind = '{kind.value}' AND {conds})")
    return "(" + "\n    OR ".join(parts) + ")"


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
