"""The server's walls (docs/multi-room.md): append-only triggers refusing UPDATE, DELETE and TRUNCATE,
the runtime role's rights (read and append the record; change only an account's state and a setting),
and what ``cathlog check`` reports when a wall is missing, disabled or bypassed by the role connected."""

from __future__ import annotations

from typing import Any

from cathlog.store import schema
from cathlog.store.pg import inboxes
from cathlog.store.pg import search as pg_search
from cathlog.store.pg import worklist as pg_worklist

# The file's append-only tables (store/schema.py, one list): the server has them all.
APPEND_ONLY_TABLES = schema.APPEND_ONLY_TABLES
# What the runtime role may UPDATE (nothing else): a user's account state, a setting's value.
_UPDATABLE = {"users": "display_name, role, active, password_hash, failed_logins, removed_at",
              "settings": "value"}
_READ_ONLY = ("cathlog_meta", "cathlog_migrations", "current_patients", "current_procedures", "current_events",
              "current_reminders")


def walls() -> list[str]:
    """The append-only triggers: UPDATE and DELETE per row, TRUNCATE per statement."""
    out = []
    for table in APPEND_ONLY_TABLES:
        out.append(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION cathlog_append_only()")
        out.append(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION cathlog_append_only()")
    out.append("CREATE TRIGGER users_guard BEFORE UPDATE OR DELETE ON users "
               "FOR EACH ROW EXECUTE FUNCTION cathlog_users_guard()")
    out.append("CREATE TRIGGER users_no_truncate BEFORE TRUNCATE ON users "
               "FOR EACH STATEMENT EXECUTE FUNCTION cathlog_users_guard()")
    return out


def grants(runtime_role: str) -> list[str]:
    """The runtime role's rights: read and append the record; change only an account's state and a setting."""
    role = _ident(runtime_role)
    out = [f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC",
           f"GRANT SELECT, INSERT ON {', '.join(APPEND_ONLY_TABLES)} TO {role}",
           f"GRANT SELECT ON {', '.join(_READ_ONLY)} TO {role}",
           f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"]
    for table, cols in _UPDATABLE.items():
        out.append(f"GRANT SELECT, INSERT ON {table} TO {role}")
        out.append(f"GRANT UPDATE ({cols}) ON {table} TO {role}")
    out += inboxes.grants(role)  # the inboxes' state columns (store/pg/inboxes.py)
    out += pg_search.grants(role) + pg_worklist.grants(role)  # the derived tables
    return out


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name[0].isalpha():
        raise ValueError(f"not a plain role name: {name!r}")
    return name


def wall_problems(conn: Any) -> list[str]:
    """What ``cathlog check`` reports about the server's walls, as seen by the role connected: a missing or
    disabled append-only trigger, a right to change or remove record rows, a table this role owns
    (an owner can disable triggers). [] when every wall stands."""
    found = []
    rows = conn.execute(
        "SELECT c.relname, t.tgname, t.tgenabled FROM pg_trigger AS t JOIN pg_class AS c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace").fetchall()
    triggers = {(table, name): enabled for table, name, enabled in rows}
    expected = [(t, n) for t in APPEND_ONLY_TABLES for n in (f"{t}_append_only", f"{t}_no_truncate")]
    for table, name in (*expected, ("users", "users_guard"), ("users", "users_no_truncate"), *inboxes.TRIGGERS):
        enabled = triggers.get((table, name))
        if enabled is None:
            found.append(f"the trigger {name} on {table} is missing: its rows could be changed or removed")
        elif enabled != "O":
            found.append(f"the trigger {name} on {table} is disabled: its rows could be changed or removed")
    me = conn.execute("SELECT current_user").fetchone()[0]
    for table in APPEND_ONLY_TABLES:
        owner = conn.execute("SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = %s",
                             [table]).fetchone()
        if owner is None:
            found.append(f"the table {table} is missing")
            continue
        if owner[0] == me:
            found.append(f"cathlog is connected as {me}, the owner of {table}: connect as the runtime role "
                         "(docs/multi-room.md)")
            continue
        for right in ("UPDATE", "DELETE", "TRUNCATE"):
            if conn.execute("SELECT has_table_privilege(%s, %s)", [f"public.{table}", right]).fetchone()[0]:
                found.append(f"the role {me} may {right} {table}: revoke it (docs/multi-room.md)")
    return found
