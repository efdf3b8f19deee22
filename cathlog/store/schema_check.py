"""Hardened connections, and the whole-schema check of a file before it is used.

A crafted file can carry a trigger (``AFTER INSERT ON audit``: delete every
medication entry, make a nurse an admin), a replaced view (hide every venous
case) or lack a table, and still pass ``integrity_check``. So before a file
is opened as the live database or restored, every table, index, trigger and
view in its ``sqlite_master`` (type, name, table, SQL with whitespace
normalised) must equal what the migrations produce for its ``user_version``;
any difference is refused by name and nothing is written to the file.

Every connection is also hardened where the libraries allow it:
``trusted_schema=OFF`` (functions with side effects may not run from the
schema) needs SQLite 3.41 or later, because older releases refuse the JSON
functions of cathlog's CHECK constraints under it; SQLite's defensive flag
(no ``writable_schema``, no direct edits of shadow tables) needs
``Connection.setconfig``, new in Python 3.12. With Python 3.11 and SQLite
3.40 (this project's interpreter) neither can be set: :func:`harden` probes
and applies what works, and the schema comparison is the defence
(docs/reliability.md).
"""

from __future__ import annotations

import functools
import re
import sqlite3

from cathlog.domain.errors import CorruptDatabase

# Tables SQLite itself makes when someone runs ANALYZE: statistics only, no code.
_SQLITE_STAT_TABLES = {
    "sqlite_stat1": "CREATE TABLE sqlite_stat1(tbl,idx,stat)",
    "sqlite_stat4": "CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample)",
}


class SchemaMismatch(CorruptDatabase):
    """The file's schema differs from the one the migrations make for its version."""

    def __init__(self, message: str, differences: list[str]):
        super().__init__(message)
        self.differences = differences


@functools.lru_cache(maxsize=None)
def _json_allowed_untrusted() -> bool:
    """Whether this SQLite runs JSON functions from the schema under ``trusted_schema=OFF``.

    SQLite before 3.41.0 did not mark its JSON functions innocuous, so with the
    pragma OFF every insert into a table whose CHECK uses ``json_valid`` fails
    ("unsafe use of json_valid()"); the fix is SQLite check-in of 2023-01-09."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("CREATE TABLE t (x TEXT CHECK (json_valid(x) AND json_type(x) = 'object'))")
        conn.execute("INSERT INTO t VALUES ('{}')")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def harden(conn: sqlite3.Connection) -> tuple[bool, bool]:
    """``trusted_schema=OFF`` and the defensive flag, each where this SQLite and binding allow it.

    Returns (trusted_schema off, defensive on). cathlog registers no SQL
    functions of its own, so what ``trusted_schema=OFF`` guards against (an
    application function with side effects called from a crafted trigger or
    view) cannot happen here even where it must stay ON; the whole-schema
    comparison below is the defence against crafted schema objects."""
    untrusted = _json_allowed_untrusted()
    if untrusted:
        conn.execute("PRAGMA trusted_schema = OFF")
    setconfig = getattr(conn, "setconfig", None)
    flag = getattr(sqlite3, "SQLITE_DBCONFIG_DEFENSIVE", None)
    if setconfig is None or flag is None:
        return untrusted, False  # Python 3.11: no sqlite3_db_config() in the binding
    setconfig(flag, True)
    return untrusted, True


_SPACE = re.compile(r"\s+")
_QUOTED = re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])""")


def normalise_sql(sql: str | None) -> str | None:
    """Runs of whitespace outside quotes become one space; quoted text is kept exactly."""
    if sql is None:
        return None
    parts = _QUOTED.split(sql)  # odd items are the quoted pieces
    out = [part if i % 2 else _SPACE.sub(" ", part) for i, part in enumerate(parts)]
    return "".join(out).strip()


Row = tuple[str, str, str, str | None]  # type, name, tbl_name, sql


def schema_rows(conn: sqlite3.Connection) -> dict[tuple[str, str], Row]:
    """Every table, index, trigger and view, keyed by (type, name)."""
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    return {(r[0], r[1]): (r[0], r[1], r[2], r[3]) for r in rows}


@functools.lru_cache(maxsize=None)
def reference_schema(version: int) -> dict[tuple[str, str], Row]:
    """The schema the first ``version`` migrations produce, built once per version in memory."""
    from sqlite_utils import Database

    from cathlog.store.schema import SCHEMA_VERSION, migrations

    if not 0 <= version <= SCHEMA_VERSION:
        raise ValueError(f"no reference schema for version {version}")
    conn = sqlite3.connect(":memory:")
    try:
        if version:
            db = Database(conn)
            # A migration's number is its name's prefix ("0013_removed_users"): version N is every migration
            # numbered N or lower, so numbers owned by parallel branches may arrive in any order before a merge.
            steps = migrations.pending(db)
            numbers = [migration_number(step.name) for step in steps]
            if numbers != sorted(set(numbers)) or numbers[-1] != SCHEMA_VERSION:  # pragma: no cover - a bump forgotten
                raise RuntimeError(f"migrations numbered {numbers} but SCHEMA_VERSION is {SCHEMA_VERSION}")
            later = [step.name for step, n in zip(steps, numbers) if n > version]
            migrations.apply(db, stop_before=later[0] if later else None)
        return schema_rows(conn)
    finally:
        conn.close()


def migration_number(name: str) -> int:
    """The number of a migration from its name: '0015_hl7_inbox_outbox' -> 15."""
    return int(name.split("_", 1)[0])


def differences(conn: sqlite3.Connection, version: int) -> list[str]:
    """What differs from the reference schema of ``version``, each named ('extra trigger x')."""
    expected = reference_schema(version)
    actual = schema_rows(conn)
    found = []
    for key in sorted(actual.keys() | expected.keys()):
        kind, name = key
        have, want = actual.get(key), expected.get(key)
        if want is None:
            assert have is not None
            if kind == "table" and have[3] is not None and normalise_sql(have[3]) == _SQLITE_STAT_TABLES.get(name):
                continue  # statistics written by ANALYZE
            found.append(f"extra {kind} {name}")
        elif have is None:
            found.append(f"missing {kind} {name}")
        elif have != want and (have[2] != want[2] or normalise_sql(have[3]) != normalise_sql(want[3])):
            found.append(f"changed {kind} {name}")
    return found


def check_schema(conn: sqlite3.Connection, label: str) -> None:
    """Raise :class:`SchemaMismatch` naming every difference; nothing is written."""
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        found = differences(conn, version)
    except ValueError:  # a version this program has no migrations for: NewerSchema is raised elsewhere
        return
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # its schema cannot even be read
        raise CorruptDatabase(f"{label} is damaged ({exc}): its structure cannot be read. It was not opened or "
                              "changed. Restore the last verified backup.") from exc
    if found:
        shown = ", ".join(found[:8]) + (f" and {len(found) - 8} more" if len(found) > 8 else "")
        raise SchemaMismatch(
            f"{label} does not have the structure cathlog gives a version {version} database ({shown}). It was "
            "altered outside cathlog or is not a cathlog file; it was not opened or changed. Restore the last "
            "verified backup.", found)
