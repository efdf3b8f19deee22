"""Seals: every version row bound into the audit chain by a keyed hash of its content.

When a version row is inserted, :func:`seal_last` reads it back as stored
(Python values: str, int, float), hashes the canonical JSON of it (sorted
keys, NULL columns left out so a later nullable column does not change old
hashes) with HMAC-SHA256 under the installation key, and records the hash in
``seals`` under the audit row that the same transaction writes next. That
audit row's chain hash covers a digest of its seals, so a row edited,
deleted or added outside cathlog no longer matches, and the chain cannot be
re-made without the key. :func:`verify_rows` recomputes every row's hash.
"""

from __future__ import annotations

import sqlite3

import hashlib
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from cathlog.domain.errors import AuditKeyError
from cathlog.store import keys

if TYPE_CHECKING:  # pragma: no cover
    from cathlog.store.db import Store
    from cathlog.store.engine import Executor

KEY_ID_SETTING = "audit_key_id"

# table -> (id column, version column or None, what a person calls it)
TABLES: dict[str, tuple[str, str | None, str]] = {
    "patient_versions": ("patient_id", "version", "patient"),
    "patient_mrns": ("mrn_norm", None, "MRN claim"),
    "procedure_versions": ("procedure_id", "version", "procedure"),
    "event_versions": ("event_id", "version", "entry"),
    "review_versions": ("procedure_id", "version", "review of procedure"),
    "reminder_versions": ("reminder_id", "version", "reminder"),
    "signature_events": ("seq", None, "signature event"),
    "dose_reports": ("sop_instance_uid", None, "dose report"),
    "dose_report_states": ("sop_instance_uid", "version", "state of dose report"),
}
MAX_PROBLEMS = 200  # named one by one; beyond this only counted

_key_cache: dict[str, bytes] = {}


def canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def row_hash(key: bytes, table: str, row: dict[str, Any]) -> str:
    """HMAC of a version row as stored (Python values, not SQL text)."""
    return keys.mac(key, canonical({"table": table, "row": {k: v for k, v in row.items() if v is not None}}))


def _ident(table: str, row: dict[str, Any]) -> tuple[str, int]:
    id_col, version_col, _ = TABLES[table]
    return str(row[id_col]), (row[version_col] if version_col else 0)


def describe(table: str, rid: str, version: int) -> str:
    _, version_col, noun = TABLES.get(table, ("", None, table))
    return f"{noun} {rid}" + (f" version {version}" if version_col else "") + f" ({table})"


def recorded_key_id(conn: Executor) -> str | None:
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", [KEY_ID_SETTING]).fetchone()
    except Exception:  # noqa: BLE001 - a database from before the settings table
        return None
    return row[0] if row else None


def write_key(store: Store) -> bytes:
    """The key new rows are written with: the one this database was keyed with."""
    expected = recorded_key_id(store.engine)
    if expected is None:
        raise AuditKeyError("this database records no audit key id (its settings were edited outside cathlog); "
                            "run 'cathlog check'. Nothing was saved")
    key = _key_cache.get(expected)
    if key is None:
        key = keys.key_for(expected)
        _key_cache[expected] = key
    return key


def _insert(conn: Executor, key: bytes, table: str, row: dict[str, Any], seq: int) -> None:
    rid, version = _ident(table, row)
    conn.execute("INSERT INTO seals (tbl, rid, version, seq, row_hash) VALUES (?, ?, ?, ?, ?)",
                 [table, rid, version, seq, row_hash(key, table, row)])


def seal_last(store: Store, table: str) -> None:
    """Seal the row just inserted into ``table``; call right after the insert, in its transaction."""
    conn = store.db.conn
    if not conn.in_transaction:
        raise RuntimeError("seal_last must run in the write transaction of the insert")
    key = write_key(store)
    rowid = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
    cur = conn.execute(f"SELECT * FROM {table} WHERE rowid = ?", [rowid])  # noqa: S608 - table from TABLES
    row = dict(zip([d[0] for d in cur.description], cur.fetchone()))
    seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM audit").fetchone()[0]
    _insert(conn, key, table, row, seq)


def insert_sealed(store: Store, table: str, row: dict[str, Any]) -> dict[str, Any]:
    """Insert a version row and seal it as stored (both back ends: ``Engine.insert_returning`` gives the
    row as the database keeps it), in the write transaction; returns the stored row."""
    engine = store.engine
    if not engine.in_transaction:
        raise RuntimeError("insert_sealed must run in the write transaction of the insert")
    key = write_key(store)
    stored = engine.insert_returning(table, row)
    seq = engine.scalar("SELECT coalesce(max(seq), 0) + 1 FROM audit")
    _insert(engine, key, table, stored, seq)
    return stored


def seal_all(conn: sqlite3.Connection, key: bytes, seq: int) -> int:
    """Seal every existing version row under audit row ``seq`` (the keying migration)."""
    count = 0
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in TABLES:
        if table not in present:  # a table of a later migration than the keying one
            continue
        cur = conn.execute(f"SELECT * FROM {table} ORDER BY rowid")  # noqa: S608
        names = [d[0] for d in cur.description]
        batch = []
        for values in cur:
            row = dict(zip(names, values))
            rid, version = _ident(table, row)
            batch.append((table, rid, version, seq, row_hash(key, table, row)))
        conn.executemany("INSERT INTO seals (tbl, rid, version, seq, row_hash) VALUES (?, ?, ?, ?, ?)", batch)
        count += len(batch)
    return count


def digest_of(items: Iterator[tuple[str, str, int, str]]) -> str:
    """One hash over an audit row's seals (sorted by table, id, version); '' when it has none."""
    h = hashlib.sha256()
    n = 0
    for table, rid, version, digest in items:
        h.update(canonical([table, rid, version, digest]) + b"\n")
        n += 1
    return h.hexdigest() if n else ""


def digest_for_seq(conn: Executor, seq: int) -> str:
    return digest_of(conn.execute("SELECT tbl, rid, version, row_hash FROM seals WHERE seq = ? "
                                  "ORDER BY tbl, rid, version", [seq]))


def grouped_digests(conn: Executor) -> Iterator[tuple[int, str]]:
    """(seq, digest) for every audit row that has seals, in seq order (streams)."""
    sql = "SELECT seq, tbl, rid, version, row_hash FROM seals ORDER BY seq, tbl, rid, version"
    stream = getattr(conn, "stream", None)  # a server streams; a SQLite cursor reads as it goes anyway
    cur = (values for _, values in stream(sql)) if stream is not None else conn.execute(sql)
    current, h, n = None, hashlib.sha256(), 0
    for seq, table, rid, version, digest in cur:
        if seq != current:
            if current is not None:
                yield current, h.hexdigest()
            current, h = seq, hashlib.sha256()
        h.update(canonical([table, rid, version, digest]) + b"\n")
        n += 1
    if current is not None:
        yield current, h.hexdigest()


def _join_on(table: str) -> tuple[str, str]:
    """SQL conditions joining seals ``s`` to ``table`` ``t``, usable by the indexes both ways."""
    id_col, version_col, _ = TABLES[table]
    version = f"t.{version_col}" if version_col else "0"
    to_seal = f"s.tbl = '{table}' AND s.rid = " + (f"CAST(t.{id_col} AS TEXT)" if id_col == "seq" else f"t.{id_col}")
    to_row = (f"t.{id_col} = CAST(s.rid AS INTEGER)" if id_col == "seq" else f"t.{id_col} = s.rid")
    return f"{to_seal} AND s.version = {version}", f"{to_row} AND {version} = s.version"


def verify_rows(store: Store, key: bytes) -> list[str]:
    """Recompute every version row's hash; name each row altered, unrecorded or deleted."""
    conn = store.engine
    problems: list[str] = []
    extra = 0

    def add(text: str) -> None:
        nonlocal extra
        if len(problems) < MAX_PROBLEMS:
            problems.append(text)
        else:
            extra += 1

    for table in TABLES:
        if not conn.has_table(table):  # PostgreSQL: a table of a part not yet on the server (docs/multi-room.md)
            continue
        to_seal, to_row = _join_on(table)
        for row in conn.rows(f"SELECT t.*, s.row_hash AS _seal_hash, s.seq AS _seal_seq FROM {table} AS t "  # noqa: S608
                             f"LEFT JOIN seals AS s ON {to_seal}"):
            sealed, seq = row.pop("_seal_hash"), row.pop("_seal_seq")
            rid, version = _ident(table, row)
            if sealed is None:
                add(f"{describe(table, rid, version)} has no audit row: it was added outside cathlog")
            elif row_hash(key, table, row) != sealed:
                add(f"{describe(table, rid, version)} was changed after it was written: its content no longer "
                    f"matches the hash recorded with audit row {seq}")
        for rid, version, seq in conn.execute(f"SELECT s.rid, s.version, s.seq FROM seals AS s WHERE s.tbl = ? "  # noqa: S608
                                              f"AND NOT EXISTS (SELECT 1 FROM {table} AS t WHERE {to_row})", [table]):
            add(f"{describe(table, rid, version)} is missing: audit row {seq} recorded it, it is no longer in the "
                "database")
    for table, count in conn.execute("SELECT tbl, count(*) FROM seals WHERE tbl NOT IN (%s) GROUP BY tbl"
                                     % ", ".join("?" * len(TABLES)), list(TABLES)):
        add(f"{count} seals name an unknown table {table!r}")
    if extra:
        problems.append(f"... and {extra} more rows")
    return problems


def keyed_hash(store: Store, data: bytes) -> str:
    """HMAC-SHA256 of ``data`` under this database's key (signature content hashes)."""
    return keys.mac(write_key(store), data)


def sealed_at_keying(store: Store, table: str, rid: str, version: int = 0) -> bool:
    """Whether the row existed before the database was keyed (sealed by the keying row):
    its hashes, e.g. a signature's content hash, are legacy SHA-256."""
    row = store.engine.execute(
        "SELECT 1 FROM seals AS s JOIN audit AS a ON a.seq = s.seq WHERE s.tbl = ? AND s.rid = ? AND s.version = ? "
        "AND a.action = 'key_audit_chain'", [table, rid, version]).fetchone()
    return row is not None
