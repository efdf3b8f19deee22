"""A cathlog database file as SQLite sees it: the library's minimum, the file's URI, the one way to
connect to it, its header read before SQLite opens it, and ``quick_check`` from another thread.

The SQLite library must be at least :data:`MIN_SQLITE`, the one of the oldest
platform the README names (Ubuntu 22.04): the SQL avoids anything newer (no
``->``/``->>`` operators, which came with 3.38: ``json_extract`` instead), and
an older library is refused at the first connection with :class:`SQLiteTooOld`.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import urllib.parse
from pathlib import Path

from cathlog.domain.errors import CorruptDatabase, NewerSchema, NotACathlogDatabase, StoreError
from cathlog.store.schema import APPLICATION_ID, SCHEMA_VERSION
from cathlog.store.schema_check import harden

BUSY_TIMEOUT_MS = 5000
_SQLITE_HEADER = b"SQLite format 3\x00"
# Ubuntu 22.04's SQLite (STRICT tables need 3.37.0; the JSON functions are built into Debian's and
# Ubuntu's builds and into python.org's). Raising this is a README change: its platform line names it.
MIN_SQLITE: tuple[int, int, int] = (3, 37, 2)


class SQLiteTooOld(StoreError):
    """The SQLite library Python uses is older than :data:`MIN_SQLITE`."""


def check_sqlite_version() -> None:
    """Refuse to run on a SQLite library older than :data:`MIN_SQLITE`, in one line that says what to do."""
    found = tuple(sqlite3.sqlite_version_info)
    if found < MIN_SQLITE:
        need = ".".join(map(str, MIN_SQLITE))
        have = ".".join(map(str, found))
        raise SQLiteTooOld(f"this Python uses SQLite {have}; cathlog needs SQLite {need} or newer "
                           "(Ubuntu 22.04, Debian 12 or newer). Nothing was opened or changed.")
    if not _has_fts5():
        raise SQLiteTooOld(f"this Python's SQLite {'.'.join(map(str, found))} was built without FTS5, which the "
                           "case search needs (Debian's, Ubuntu's and python.org's builds have it). Nothing was "
                           "opened or changed.")


@functools.lru_cache(maxsize=1)
def _has_fts5() -> bool:
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def sqlite_uri(path: str | Path, *, read_only: bool = False, existing: bool = False) -> str:
    """The ``file:`` URI of ``path`` for ``sqlite3.connect(uri, uri=True)``: the one place URIs are built.

    Every byte of the path is percent-quoted (``#``, ``?``, ``%``, spaces, non-ASCII, and the
    undecodable bytes a command line may carry), so SQLite never reads part of a folder name
    as a query or fragment ("Lab #2" once made a check open a stray empty file)."""
    absolute = os.path.abspath(os.fspath(path))
    raw, safe = os.fsencode(absolute), "/"
    if os.sep == "\\":  # Windows: separators and the drive's colon; on POSIX both are ordinary bytes
        raw, safe = raw.replace(b"\\", b"/"), "/:"
    quoted = urllib.parse.quote(raw, safe=safe)
    if not quoted.startswith("/"):  # a Windows drive letter: file:/C:/...
        quoted = "/" + quoted
    return f"file:{quoted}" + ("?mode=ro" if read_only else "?mode=rw" if existing else "")


def connect(path: str | Path, *, read_only: bool = False, existing: bool = False,
            timeout_s: float = BUSY_TIMEOUT_MS / 1000, check_same_thread: bool = True) -> sqlite3.Connection:
    """``sqlite3.connect`` on a file through :func:`sqlite_uri` (a read-only open, or one for an
    ``existing`` file, never creates it), hardened (:func:`cathlog.store.schema_check.harden`): the one
    way cathlog connects to a file."""
    check_sqlite_version()
    conn = sqlite3.connect(sqlite_uri(path, read_only=read_only, existing=existing), uri=True, timeout=timeout_s,
                           check_same_thread=check_same_thread)
    harden(conn)
    return conn


def inspect_file(path: Path) -> None:
    """Refuse a foreign or damaged file by its header, before SQLite opens it."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as fh:
        header = fh.read(100)
    if header[:16] != _SQLITE_HEADER:
        raise CorruptDatabase(
            f"{path.name} is not a readable SQLite database (its header is damaged or it is another kind of file). "
            "It was not changed. Restore the last verified backup."
        )
    app_id = int.from_bytes(header[68:72], "big")
    user_version = int.from_bytes(header[60:64], "big")
    if app_id not in (0, APPLICATION_ID) or (app_id == 0 and user_version != 0):
        raise NotACathlogDatabase(f"{path.name} is a SQLite database but not a cathlog one; it was not changed.")
    if user_version > SCHEMA_VERSION:
        raise NewerSchema(
            f"{path.name} was written by a newer cathlog (schema {user_version}, this program knows "
            f"{SCHEMA_VERSION}). Update cathlog; the file was not changed."
        )


def quick_check_file(path: Path) -> str | None:
    """``quick_check`` on a separate read-only connection (safe from another thread).

    Returns None when the file is sound, else what is wrong."""
    try:
        conn = connect(path, read_only=True)
        try:
            result = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        return str(exc)
    return None if result == [("ok",)] else str(result[0][0])
