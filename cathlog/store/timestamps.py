"""Every timestamp column of the database, and the one test a stored
timestamp must pass: it round-trips unchanged through SQLite's own date
functions, so ``2025-02-30T08:00:00Z`` (normalised to March 2) or
``...:61Z`` (not a time at all) is refused on insert (migration
0008_strict_timestamps) and reported by ``check`` if one is already stored.
On a server the same test is the CHECK ``cathlog_real_timestamp`` (store/pg/schema.py),
and :func:`invalid_timestamps_on_server` is ``check``'s.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cathlog.store.engine import Engine

# (table, column) for every column holding a UTC ISO 8601 timestamp.
TIMESTAMP_COLUMNS: tuple[tuple[str, str], ...] = (
    ("users", "created_at"),
    ("patient_versions", "changed_at"),
    ("procedure_versions", "started_at"),
    ("procedure_versions", "changed_at"),
    ("event_versions", "occurred_at"),
    ("event_versions", "recorded_at"),
    ("audit", "at"),
    ("review_versions", "changed_at"),
    ("reminder_versions", "changed_at"),
    ("signature_events", "at"),
    ("import_jobs", "created_at"),
)


def real_timestamp_sql(col: str) -> str:
    """SQL true when ``col`` is a real UTC time written as cathlog writes it
    (the '+0 seconds' modifier makes SQLite normalise Feb 30 and 24:00, so only a
    real time equals itself)."""
    return f"strftime('%Y-%m-%dT%H:%M:%SZ', {col}, '+0 seconds') IS {col}"


def trigger_sql(table: str, col: str) -> str:
    return (f"CREATE TRIGGER {table}_{col}_real_time BEFORE INSERT ON {table}\n"
            f"WHEN NOT ({real_timestamp_sql('NEW.' + col)})\n"
            f"BEGIN SELECT RAISE(ABORT, '{table}.{col} is not a real UTC time (YYYY-MM-DDTHH:MM:SSZ)'); END")


def invalid_timestamps(conn: sqlite3.Connection) -> list[str]:
    """Each stored timestamp that is not a real time, naming table, row and column."""
    found = []
    for table, col in TIMESTAMP_COLUMNS:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() is None:
            continue
        rows = conn.execute(f"SELECT rowid, {col} FROM {table} WHERE NOT ({real_timestamp_sql(col)})")
        found += [f"{table} row {rowid}: {col} {value!r} is not a real UTC time" for rowid, value in rows]
    return found


def invalid_timestamps_on_server(engine: Engine) -> list[str]:
    """The server's :func:`invalid_timestamps`: a time its CHECK would refuse that is stored all the same (the
    superuser set the CHECK aside, or made it NOT VALID), naming table, row (its primary key) and column."""
    found = []
    for table, col in TIMESTAMP_COLUMNS:
        if not engine.has_table(table):
            continue
        key = engine.scalar("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = CAST(? AS regclass) AND i.indisprimary",
                            [table])
        rows = engine.rows(f"SELECT {key} AS k, {col} AS v FROM {table} WHERE NOT cathlog_real_timestamp({col})")
        found += [f"{table} row {r['k']}: {col} {r['v']!r} is not a real UTC time" for r in rows]
    return found
