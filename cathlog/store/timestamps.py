"""Every timestamp column of the database, and the one test a stored
timestamp must pass: it round-trips unchanged through SQLite's own date
functions, so ``2025-02-30T08:00:00Z`` (normalised to March 2) or
``...:61Z`` (not a time at all) is refused on insert (migration
0008_strict_timestamps) and reported by ``check`` if one is already stored.
"""

from __future__ import annotations

import sqlite3

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
