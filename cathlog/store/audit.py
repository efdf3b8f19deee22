"""The audit trail: append-only and hash-chained.

Each row's ``hash`` is SHA-256 over its own fields and the previous row's
hash, so an edit made outside cathlog (triggers stop UPDATE and DELETE from
SQL, not from a hex editor) breaks the chain at that row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cathlog.store.db import Store
from cathlog.store.errors import translated

GENESIS_HASH = "0" * 64
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
    canonical = json.dumps([row[f] for f in _FIELDS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def to_json(value: Any) -> str | None:
    """Old and new values are stored as canonical JSON."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def append(store: Store, *, at: str, username: str, workstation: str, action: str, entity: str, entity_id: str,
           procedure_id: str | None = None, old: Any = None, new: Any = None, reason: str | None = None) -> None:
    """Add one audit row. Call inside ``store.write()`` with the change it records."""
    conn = store.db.conn
    if not conn.in_transaction:
        raise RuntimeError("audit.append must run in the write transaction of the change it records")
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    row = {"seq": seq, "at": at, "username": username, "workstation": workstation, "action": action,
           "entity": entity, "entity_id": entity_id, "procedure_id": procedure_id, "old_value": to_json(old),
           "new_value": to_json(new), "reason": reason, "prev_hash": prev}
    row["hash"] = _digest(row)
    store.db.table("audit").insert(row)


@translated
def rows(store: Store, *, procedure_id: str | None = None, username: str | None = None,
         since: str | None = None, until: str | None = None) -> Iterator[AuditRow]:
    where, params = [], []
    for clause, value in (("procedure_id = ?", procedure_id), ("username = ?", username),
                          ("at >= ?", since), ("at < ?", until)):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY seq"
    for row in store.db.query(sql, params):
        yield AuditRow(**row)


@dataclass(frozen=True)
class ChainReport:
    rows_checked: int
    first_broken_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


@translated
def verify_chain(store: Store) -> ChainReport:
    """Walk the whole chain; name the first row whose hash or link is wrong."""
    prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    for row in store.db.query("SELECT * FROM audit ORDER BY seq"):
        count += 1
        if row["seq"] != expected_seq:
            return ChainReport(count, expected_seq, f"audit row {expected_seq} is missing")
        if row["prev_hash"] != prev:
            return ChainReport(count, row["seq"], f"audit row {row['seq']} does not link to the row before it")
        if _digest(row) != row["hash"]:
            return ChainReport(count, row["seq"], f"audit row {row['seq']} was altered after it was written")
        prev = row["hash"]
        expected_seq += 1
    return ChainReport(count)
