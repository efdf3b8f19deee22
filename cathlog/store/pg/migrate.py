"""Moving a lab's record between a SQLite file and a PostgreSQL server (issue 17 item 4), both ways.

Every row of the record tables is copied as it is (the same ids, row numbers, payload text, audit rows
and seals), in one transaction under the write lock, into an empty server database at the same schema
version, connected as the owner role (it sets the row-number sequences after the copy). Then
:func:`compare` checks it: the same count in every table, the users and settings row for row; the
caller verifies the audit chain and every seal on the server with cathlog's own verification (the seals
bind every version row's content, the chain binds the seals).

The inboxes are copied too (``store/pg/inboxes.py``: import staging, so an unfinished import is finished
where the lab goes on; dose reports with their files and states; HL7 messages and merge tasks), ids kept.
Derived tables (the case index, the follow-up worklist) are not copied: they are made from the records.

Back from the server (:func:`copy_to_file`): into a new file, made by the same migrations as any file, in
one transaction with the copy; if anything fails the new file is removed and the server is untouched.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from cathlog.domain.errors import Conflict, NewerSchema, NotACathlogDatabase
from cathlog.fileio import private_file
from cathlog.store import sqlite_file
from cathlog.store import search as case_search
from cathlog.store import seals
from cathlog.store.engine import Engine, SqliteEngine
from cathlog.store.pg.engine import PostgresEngine
from cathlog.store.pg import inboxes
from cathlog.store.pg import schema as pg_schema
from cathlog.store.schema import APPLICATION_ID, SCHEMA_VERSION, migrations

# In this order (users and settings first; the audit trail and its seals last). Each with its sort key.
COPIED = {"users": "username", "settings": "key", "patient_versions": "row_id", "patient_mrns": "mrn_norm",
          "procedure_versions": "row_id", "event_versions": "row_id", "review_versions": "row_id",
          "reminder_versions": "row_id", "signature_events": "seq", "audit": "seq",
          "seals": "tbl, rid, version", **inboxes.COPIED}
_IDENTITY = {"patient_versions": "row_id", "procedure_versions": "row_id", "event_versions": "row_id",
             "review_versions": "row_id", "reminder_versions": "row_id", "signature_events": "seq",
             **inboxes.IDENTITY}
_BATCH = 1000


def _columns(engine: Engine, table: str) -> list[str]:
    cur = engine.execute(f"SELECT * FROM {table} LIMIT 0")  # noqa: S608 - a name from COPIED
    return [d[0] for d in cur.description]


def copy(source: Engine, target: PostgresEngine) -> dict[str, int]:
    """Copy the record of ``source`` (a SQLite file's engine) into the empty server database ``target``
    (connected as the owner role); the rows copied per table."""
    version = pg_schema.schema_version(target.conn)
    if version is None:
        raise NotACathlogDatabase("the server database has no cathlog schema: run 'cathlog server-install' first")
    if version != SCHEMA_VERSION:
        raise NewerSchema(f"the server database is at schema {version}, this cathlog at {SCHEMA_VERSION}; "
                          "nothing was copied")
    with target.write():
        for table in COPIED:
            if target.scalar(f"SELECT count(*) FROM {table}"):  # noqa: S608
                raise Conflict(f"the server database is not empty ({table} has rows): a lab moves into a new, "
                               "empty database. Nothing was copied.")
        counts = _copy_rows(source, target)
        for table, column in _IDENTITY.items():  # the next row number after the copied ones
            target.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                           f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)")  # noqa: S608
        case_search.rebuild(target)
    return counts


def _copy_rows(source: Engine, target: Engine) -> dict[str, int]:
    """Every row of every copied table, as it is, in batches (inside the target's write transaction)."""
    counts: dict[str, int] = {}
    for table, order in COPIED.items():
        names = _columns(source, table)
        if sorted(names) != sorted(_columns(target, table)):
            raise NewerSchema(f"the columns of {table} differ between the file and the server; nothing was "
                              "copied")
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"  # noqa: S608
        # streamed (a server-side cursor on PostgreSQL): a lab's trail is never held in memory whole
        rows = source.rows(f"SELECT {', '.join(names)} FROM {table} ORDER BY {order}")  # noqa: S608
        counts[table] = 0
        while batch := [tuple(row.values()) for row in itertools.islice(rows, _BATCH)]:
            target.executemany(sql, batch)
            counts[table] += len(batch)
    return counts


def _without_own_keying_row(conn: Any) -> None:
    """The keying row (and key id setting) the migrations wrote into the new file, in this transaction
    and never committed: the lab's chain, copied next, begins with its own keying row. The wall against
    deleting audit rows is lifted for that one statement and put back as it was (the schema check of
    every later open compares it with what the migrations make)."""
    wall = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_no_delete'"
                        ).fetchone()[0]
    if conn.execute("SELECT count(*) FROM audit").fetchone()[0] != 1:  # pragma: no cover - a new file
        raise Conflict("the new file's audit trail is not its keying row alone; nothing was copied")
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("DELETE FROM audit")
    conn.execute("DELETE FROM settings WHERE key = ?", [seals.KEY_ID_SETTING])
    conn.execute(wall)


def copy_to_file(source: PostgresEngine, path: Path) -> dict[str, int]:
    """Copy the record of the server database ``source`` into a new SQLite file ``path``; the rows copied
    per table. Call inside ``source``'s read snapshot. The file must not exist; it is made, filled and
    committed in one transaction, and removed again if anything fails."""
    path = Path(path)
    if path.exists():
        raise Conflict(f"{path} exists: a lab moves back into a new file. Nothing was copied.")
    if not path.parent.is_dir():
        raise ValueError(f"the folder {path.parent} does not exist")
    version = pg_schema.schema_version(source.conn)
    if version != SCHEMA_VERSION:
        raise NewerSchema(f"the server database is at schema {version}, this cathlog at {SCHEMA_VERSION}; "
                          "nothing was copied")
    private_file(path)
    conn = sqlite_file.connect(path)
    try:
        target = SqliteEngine(conn)
        with target.write():
            migrations.apply(Database(conn))
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            _without_own_keying_row(conn)
            counts = _copy_rows(source, target)
    except BaseException:
        conn.close()
        for made in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            made.unlink(missing_ok=True)
        raise
    conn.close()
    return counts


def compare(source: Engine, target: Engine) -> list[str]:
    """Where the server differs from the file: counts of every copied table, users and settings row for
    row ([] when they agree). Version and audit rows are checked by their seals and the chain."""
    found = []
    for table in COPIED:
        here = source.scalar(f"SELECT count(*) FROM {table}")  # noqa: S608
        there = target.scalar(f"SELECT count(*) FROM {table}")  # noqa: S608
        if here != there:
            found.append(f"{table}: {here} rows in the file, {there} on the server")
    for table, key in (("users", "username"), ("settings", "key")):  # sorted here: collations differ
        rows: list[Any] = [sorted(engine.rows(f"SELECT * FROM {table}"), key=lambda r: r[key])  # noqa: S608
                           for engine in (source, target)]
        if rows[0] != rows[1]:
            found.append(f"{table}: the rows differ between the file and the server")
    return found
