"""The audit trail: append-only and hash-chained, keyed.

Each row's ``hash`` covers its own fields, the previous row's hash and the
digest of the version rows it records (``cathlog.store.seals``). From the
keying row (action ``key_audit_chain``, written by migration 0006) on, the
hash is HMAC-SHA256 under the installation key (``cathlog.store.keys``), so
nobody without the key can re-make the chain after an edit. Rows before it
(databases from before the key) keep their plain SHA-256 and verify as
legacy; the keying row links to the last of them, so they are anchored too.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cathlog.domain.errors import AuditKeyError
from cathlog.store import audit_pages, checkpoint, keys, seals
from cathlog.store.db import Store
from cathlog.store.engine import Engine, Executor
from cathlog.store.errors import translated

GENESIS_HASH = "0" * 64
KEY_ACTION = "key_audit_chain"
_FIELDS = ("seq", "at", "username", "workstation", "action", "entity", "entity_id", "procedure_id",
           "old_value", "new_value", "reason", "prev_hash")


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: str
    username: str
    workstation: str
    action: str
    entity: str
    entity_id: str
    procedure_id: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None
    prev_hash: str
    hash: str


def _digest(row: dict[str, Any]) -> str:
    """The legacy (unkeyed) hash of rows written before the keying row."""
    canonical = json.dumps([row[f] for f in _FIELDS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _keyed_digest(key: bytes, row: dict[str, Any], seals_digest: str) -> str:
    canonical = json.dumps([row[f] for f in _FIELDS] + [seals_digest], ensure_ascii=False, separators=(",", ":"))
    return keys.mac(key, canonical.encode("utf-8"))


def to_json(value: Any) -> str | None:
    """Old and new values are stored as canonical JSON."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _append(conn: Executor, key: bytes, *, notice: bool = False, **fields: Any) -> dict[str, Any]:
    """Insert the next row of the chain; with ``notice``, on a server, the other rooms hear of it at COMMIT
    (``store/pg/notify.py``)."""
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    row = {"seq": seq, "at": fields["at"], "username": fields["username"], "workstation": fields["workstation"],
           "action": fields["action"], "entity": fields["entity"], "entity_id": fields["entity_id"],
           "procedure_id": fields.get("procedure_id"), "old_value": to_json(fields.get("old")),
           "new_value": to_json(fields.get("new")), "reason": fields.get("reason"), "prev_hash": prev}
    row["hash"] = _keyed_digest(key, row, seals.digest_for_seq(conn, seq))
    sql, params = f"INSERT INTO audit ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values())
    if notice and getattr(conn, "dialect", None) == "postgresql":
        from cathlog.store.pg.notify import with_notice

        sql, params = with_notice(conn, sql, params, seq=seq, procedure_id=row["procedure_id"], entity=row["entity"])
    conn.execute(sql, params)
    return row


def append(store: Store, *, at: str, username: str, workstation: str, action: str, entity: str, entity_id: str,
           procedure_id: str | None = None, old: Any = None, new: Any = None, reason: str | None = None) -> None:
    """Add one audit row, sealing the version rows this transaction inserted.
    Call inside ``store.write()`` with the change it records."""
    conn = store.engine
    if not conn.in_transaction:
        raise RuntimeError("audit.append must run in the write transaction of the change it records")
    if store.path is not None and checkpoint.save not in store.after_commit:
        store.after_commit.append(checkpoint.save)
    _append(conn, seals.write_key(store), notice=True, at=at, username=username, workstation=workstation,
            action=action, entity=entity, entity_id=entity_id, procedure_id=procedure_id, old=old, new=new,
            reason=reason)


def key_new_database(store: Store) -> bool:
    """Key a database that has no audit trail and no key yet (a new PostgreSQL database, whose
    baseline has no keying migration): its keying row is row 1. Call inside ``store.write()``; True when
    it keyed. A database with rows but no key is left alone (``audit --verify`` reports it)."""
    conn = store.engine
    if seals.recorded_key_id(conn) is not None or conn.scalar("SELECT count(*) FROM audit"):
        return False
    key = keys.installation_key(create=True)
    kid = keys.key_id(key)
    conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", [seals.KEY_ID_SETTING, kid])
    at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    _append(conn, key, at=at, username="cathlog", workstation=socket.gethostname() or "unknown",
            action=KEY_ACTION, entity="audit", entity_id=kid,
            new={"key_id": kid, "legacy_until_seq": 0, "rows_sealed": 0},
            reason="audit chain keyed with this installation's key")
    return True


def key_chain(conn: sqlite3.Connection) -> None:
    """Migration 0006: key this database. Seal every existing version row and
    write the keying row, which marks where the keyed chain begins."""
    key = keys.installation_key(create=True)
    kid = keys.key_id(key)
    last = conn.execute("SELECT coalesce(max(seq), 0) FROM audit").fetchone()[0]
    count = seals.seal_all(conn, key, last + 1)
    conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [seals.KEY_ID_SETTING, kid])
    at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    _append(conn, key, at=at, username="cathlog", workstation=socket.gethostname() or "unknown",
            action=KEY_ACTION, entity="audit", entity_id=kid,
            new={"key_id": kid, "legacy_until_seq": last, "rows_sealed": count},
            reason="audit chain keyed with this installation's key; earlier rows verify as legacy (SHA-256)")


@translated
def rows(store: Store, *, procedure_id: str | None = None, username: str | None = None, action: str | None = None,
         since: str | None = None, until: str | None = None, after_seq: int | None = None,
         before_seq: int | None = None, newest_first: bool = False, limit: int | None = None) -> Iterator[AuditRow]:
    """The rows matching every filter given (``since`` included, ``until`` not), in ``seq``
    order (newest first if asked), keyset-paged: only rows with ``after_seq < seq < before_seq``,
    at most ``limit``; each filter served by an index (``cathlog.store.audit_pages``)."""
    filters = {"procedure_id": procedure_id, "username": username, "action": action, "since": since,
               "until": until, "after_seq": after_seq, "before_seq": before_seq}
    sql, params = audit_pages.page_sql(store.engine, filters, newest_first, limit)
    for row in store.engine.rows(sql, params):
        yield AuditRow(**row)


@translated
def count(store: Store, *, procedure_id: str | None = None, username: str | None = None, action: str | None = None,
          since: str | None = None, until: str | None = None, after_seq: int | None = None,
          before_seq: int | None = None) -> int:
    """How many rows :func:`rows` would give for these filters (without ``limit``)."""
    sql, params = audit_pages.count_sql({"procedure_id": procedure_id, "username": username, "action": action,
                                         "since": since, "until": until, "after_seq": after_seq,
                                         "before_seq": before_seq})
    return int(store.engine.scalar(sql, params))


@translated
def last_seq(store: Store) -> int:
    """The newest row's ``seq`` (0 for an empty trail)."""
    return int(store.engine.scalar("SELECT coalesce(max(seq), 0) FROM audit"))


@dataclass(frozen=True)
class ChainReport:
    rows_checked: int
    first_broken_seq: int | None = None
    problem: str = ""
    key_problem: str = ""  # "key missing" / "wrong key": rows could not be checked, which is not tampering
    keyed_from_seq: int | None = None  # the keying row; rows before it are legacy SHA-256
    problems: tuple[str, ...] = ()  # everything verify_rows found (set by callers that ran it)

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None and not self.key_problem and not self.problems


def _has_seals(conn: Engine) -> bool:
    return conn.has_table("seals")


@translated
def verify_chain(store: Store) -> ChainReport:
    """Walk the whole chain; name the first row whose hash or link is wrong.

    Legacy rows are checked with SHA-256, rows from the keying row on with
    HMAC under the installation key, including the digest of their seals. A
    missing or different key is reported as ``key_problem``, not as tampering."""
    conn = store.engine
    keyed_db = _has_seals(conn)
    recorded = seals.recorded_key_id(conn)
    groups = seals.grouped_digests(conn) if keyed_db else iter(())
    pending = next(groups, None)
    prev, expected_seq, count = GENESIS_HASH, 1, 0
    key: bytes | None = None
    key_problem = ""
    keyed_from = None

    def report(seq: int, problem: str) -> ChainReport:
        return ChainReport(count, seq, problem, key_problem, keyed_from)

    for row in conn.rows("SELECT * FROM audit ORDER BY seq"):
        count += 1
        seq = row["seq"]
        if seq != expected_seq:
            return report(expected_seq, f"audit row {expected_seq} is missing")
        if row["prev_hash"] != prev:
            return report(seq, f"audit row {seq} does not link to the row before it")
        if keyed_from is None and row["action"] == KEY_ACTION and row["entity"] == "audit":
            keyed_from = seq
            kid = row["entity_id"]
            if recorded is not None and recorded != kid:
                return report(seq, f"audit row {seq} names key {kid} but the database records key {recorded}: "
                                   "the trail or the settings were edited outside cathlog")
            try:
                key = keys.key_for(kid)
            except AuditKeyError as exc:
                key_problem = str(exc)
        seal_digest = ""
        while pending is not None and pending[0] <= seq:
            if pending[0] < seq or keyed_from is None:
                return report(pending[0], f"audit row {pending[0]} records version rows but is not a keyed row")
            seal_digest = pending[1]
            pending = next(groups, None)
        if keyed_from is None:
            if _digest(row) != row["hash"]:
                return report(seq, f"audit row {seq} was altered after it was written")
        elif key is not None and _keyed_digest(key, row, seal_digest) != row["hash"]:
            return report(seq, f"audit row {seq} (or a version row it records) was altered after it was written, "
                               "or the chain was re-made without the key")
        prev = row["hash"]
        expected_seq += 1
    if pending is not None:
        return report(pending[0], f"audit rows {pending[0]} and later are missing: version rows recorded by "
                                  f"audit row {pending[0]} exist but the trail ends at row {expected_seq - 1}")
    if keyed_db and keyed_from is None:
        return report(1, "the audit trail has no keying row although the database was keyed: "
                         "it was re-made outside cathlog")
    return ChainReport(count, None, "", key_problem, keyed_from)


@translated
def verify_rows(store: Store, backup_folder: Path | None = None, chain: ChainReport | None = None) -> list[str]:
    """Everything tamper evidence can check without the services: the key, the
    chain, every version row against its seal, and the trail against its
    checkpoints (the file beside the settings and the newest backup in
    ``backup_folder``). [] when all is well; else one line per problem, a
    missing or wrong key told apart ("key missing" / "wrong key")."""
    found: list[str] = []
    chain = chain or verify_chain(store)
    if chain.key_problem:
        found.append(chain.key_problem)
    if chain.first_broken_seq is not None:
        found.append(f"audit chain broken at row {chain.first_broken_seq}: {chain.problem}")
    conn = store.engine
    if _has_seals(conn) and not chain.key_problem:
        recorded = seals.recorded_key_id(conn)
        try:
            key = keys.key_for(recorded) if recorded else None
        except AuditKeyError as exc:
            found.append(str(exc))
            key = None
        if recorded is None:
            found.append("the database records no audit key id: its settings were edited outside cathlog")
        if key is not None:
            found += seals.verify_rows(store, key)
    found += checkpoint.problems(store, backup_folder)
    return found
