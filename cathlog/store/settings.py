"""Per-database settings (key, value).

The row ``pseudonym_key`` held the key of de-identified pseudonyms in plain
text in older databases. It is no longer read or written: the key lives
outside the database (``cathlog.store.keys.deidentification_key``). The old
row stays where it is (nothing is ever deleted), so exports made before the
change remain reproducible by whoever holds the old database; new exports use
new pseudonyms that cannot be linked to the old ones.
"""

from __future__ import annotations

from cathlog.store.db import Store
from cathlog.store.errors import translated

#: The legacy settings row (never used since the de-identification key moved out of the database).
LEGACY_PSEUDONYM_KEY = "pseudonym_key"


@translated
def read_values(store: Store, prefix: str) -> dict[str, str]:
    """Every setting whose key starts with ``prefix`` (read only)."""
    rows = store.engine.execute("SELECT key, value FROM settings WHERE substr(key, 1, ?) = ?",
                                [len(prefix), prefix]).fetchall()
    return {str(k): str(v) for k, v in rows}


def write_value(store: Store, key: str, value: str) -> None:
    """Set one setting (a row is updated in place; the caller audits the old and new value).
    Call inside ``store.write()``. The legacy pseudonym key row is never touched."""
    if key == LEGACY_PSEUDONYM_KEY:
        raise ValueError(f"the setting {key!r} is kept as it is and never written")
    conn = store.engine
    if not conn.in_transaction:
        raise RuntimeError("write_value must run in the write transaction that audits it")
    conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])
