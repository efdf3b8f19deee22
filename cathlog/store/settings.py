"""Per-database settings (key, value)."""

from __future__ import annotations

import secrets

from cathlog.store.db import Store
from cathlog.store.errors import translated

PSEUDONYM_KEY = "pseudonym_key"


@translated
def pseudonym_key(store: Store) -> bytes:
    """The secret that makes de-identified ids stable for this database; created on first use."""
    row = store.db.conn.execute("SELECT value FROM settings WHERE key = ?", [PSEUDONYM_KEY]).fetchone()
    if row:
        return bytes.fromhex(row[0])
    with store.write():
        row = store.db.conn.execute("SELECT value FROM settings WHERE key = ?", [PSEUDONYM_KEY]).fetchone()
        if row:
            return bytes.fromhex(row[0])
        key = secrets.token_bytes(32)
        store.db.table("settings").insert({"key": PSEUDONYM_KEY, "value": key.hex()})
    return key


@translated
def read_values(store: Store, prefix: str) -> dict[str, str]:
    """Every setting whose key starts with ``prefix`` (read only)."""
    rows = store.db.conn.execute("SELECT key, value FROM settings WHERE substr(key, 1, ?) = ?",
                                 [len(prefix), prefix]).fetchall()
    return {str(k): str(v) for k, v in rows}
