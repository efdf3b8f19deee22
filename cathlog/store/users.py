"""The users table: accounts, roles, password hashes (Argon2id PHC strings).

Users are never deleted: disabling keeps the name that signed old entries. An
account created by mistake that recorded nothing can be *removed* (migration
0013): its row stays, marked ``removed_at``, hidden from the user list, and its
name is never reused, so every audit row naming it still means one person.
"""

from __future__ import annotations

from typing import Any

from cathlog.domain.enums import Role
from cathlog.domain.records import User
from cathlog.store.db import Store
from cathlog.store.errors import translated


def _user(row: dict[str, Any]) -> User:
    return User(row["username"], row["display_name"], Role(row["role"]), bool(row["active"]), row["created_at"])


def insert_user(store: Store, user: User, password_hash: str) -> None:
    store.engine.insert("users", {
        "username": user.username, "display_name": user.display_name, "role": user.role.value,
        "password_hash": password_hash, "active": int(user.active), "failed_logins": 0,
        "created_at": user.created_at,
    })


@translated
def get_user(store: Store, username: str) -> User | None:
    row = store.engine.one("SELECT * FROM users WHERE username = ?", [username])
    return _user(row) if row else None


@translated
def password_hash(store: Store, username: str) -> str | None:
    row = store.engine.execute("SELECT password_hash FROM users WHERE username = ?", [username]).fetchone()
    return row[0] if row else None


@translated
def failed_logins(store: Store, username: str) -> int:
    row = store.engine.execute("SELECT failed_logins FROM users WHERE username = ?", [username]).fetchone()
    return int(row[0]) if row else 0


def add_failed_sign_in(store: Store, username: str) -> int:
    """Count one more wrong password; returns the new count. Call inside ``store.write()``:
    the increment happens in SQL under the write lock, so parallel attempts never lose a count."""
    conn = store.engine
    if not conn.in_transaction:
        raise RuntimeError("add_failed_sign_in must run inside the write transaction")
    conn.execute("UPDATE users SET failed_logins = failed_logins + 1 WHERE username = ?", [username])
    return failed_logins(store, username)


@translated
def last_audited_at(store: Store, *, action: str, entity_id: str, reason_prefix: str, not_before: str) -> str | None:
    """Time of the newest audit row of ``action`` on user ``entity_id`` whose reason starts with
    ``reason_prefix``, looking back (newest first) no further than ``not_before``.

    The scan walks the audit's primary key backwards and stops at the first row older than
    ``not_before``, so it reads only the last few minutes of the trail."""
    if store.backend != "sqlite":  # a server sends a whole result at once: ask for the window only
        for at, reason in store.engine.execute(
                "SELECT at, reason FROM audit WHERE action = ? AND entity = 'user' AND entity_id = ? AND at >= ? "
                "ORDER BY seq DESC", [action, entity_id, not_before]):
            if (reason or "").startswith(reason_prefix):
                return str(at)
        return None
    cursor = store.engine.execute("SELECT at, action, entity, entity_id, reason FROM audit ORDER BY seq DESC")
    try:
        for at, row_action, entity, row_entity_id, reason in cursor:
            if at < not_before:
                return None
            if (row_action == action and entity == "user" and row_entity_id == entity_id
                    and (reason or "").startswith(reason_prefix)):
                return str(at)
        return None
    finally:
        cursor.close()


@translated
def list_users(store: Store, *, include_removed: bool = False) -> list[User]:
    """The accounts, by name; removed ones only when asked for."""
    where = "" if include_removed else " WHERE removed_at IS NULL"
    return [_user(r) for r in store.engine.rows(f"SELECT * FROM users{where} ORDER BY username")]  # noqa: S608


@translated
def removed_at(store: Store, username: str) -> str | None:
    """When the account was removed (UTC ISO 8601), or None (not removed, or no such account)."""
    row = store.engine.execute("SELECT removed_at FROM users WHERE username = ?", [username]).fetchone()
    return row[0] if row else None


def mark_removed(store: Store, username: str, at: str) -> None:
    """Remove an account: inactive, marked with the time; the row stays (audited by the caller)."""
    store.engine.execute("UPDATE users SET active = 0, removed_at = ? WHERE username = ? AND removed_at IS NULL",
                          [at, username])


# Where a user's name is stored as the author of something: (table, column, what a person calls it).
_AUTHOR_COLUMNS = (
    ("event_versions", "recorded_by", "log entry version"),
    ("patient_versions", "changed_by", "patient record version"),
    ("procedure_versions", "changed_by", "case version"),
    ("review_versions", "changed_by", "review version"),
    ("reminder_versions", "changed_by", "reminder version"),
    ("signature_events", "username", "signature event"),
    ("import_jobs", "username", "import"),
)


@translated
def what_user_recorded(store: Store, username: str, harmless_actions: frozenset[str]) -> dict[str, int]:
    """What ``username`` has put into the database, counted by kind: rows of the record tables
    that name them as author, and audit rows of their own actions other than ``harmless_actions``
    (e.g. signing in, viewing). {} when they recorded nothing. Scans the tables (no index on
    the author columns): for a rare admin action, not for every screen refresh."""
    conn = store.engine
    found: dict[str, int] = {}
    for table, column, noun in _AUTHOR_COLUMNS:
        if not conn.has_table(table):  # PostgreSQL: a table of a part not yet on the server
            continue
        count = conn.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", [username]).fetchone()[0]  # noqa: S608
        if count:
            found[noun] = count
    marks = ",".join("?" * len(harmless_actions)) or "NULL"
    for action, count in conn.execute(
            f"SELECT action, count(*) FROM audit WHERE username = ? AND action NOT IN ({marks}) "  # noqa: S608
            "GROUP BY action ORDER BY action", [username, *sorted(harmless_actions)]):
        found[f"audited action {action!r}"] = count
    return found


@translated
def count_users(store: Store) -> int:
    return int(store.engine.scalar("SELECT count(*) FROM users"))


def update_user(store: Store, username: str, **changes: Any) -> None:
    """Change role, active flag, password hash or failed-login count (audited by the caller)."""
    allowed = {"display_name", "role", "active", "password_hash", "failed_logins"}
    if not changes or set(changes) - allowed:
        raise ValueError(f"cannot change {sorted(set(changes) - allowed)} of a user")
    sets = ", ".join(f"{column} = ?" for column in changes)  # columns from ``allowed`` only
    store.engine.execute(f"UPDATE users SET {sets} WHERE username = ?", [*changes.values(), username])  # noqa: S608
