"""The one place SQLite errors become exceptions a person can act on.

Known conditions of the disk or the file (full, locked, read-only, corrupt)
become :class:`~cathlog.domain.errors.StoreError` subclasses with a message
that says what happened and what to do; anything unrecognised is re-raised
unchanged, as a bug.
"""

from __future__ import annotations

import functools
import inspect
import sqlite3
import sys
from collections.abc import Callable, Generator
from typing import Any, ParamSpec, TypeVar

from cathlog.domain.errors import (
    CathlogError,
    Conflict,
    CorruptDatabase,
    DatabaseLocked,
    DatabaseUnavailable,
    DiskFull,
    Issue,
    ReadOnlyDatabase,
    StoreError,
    ValidationError,
)

_NOT_SAVED = "The entry was not saved; nothing was changed."


def translate(exc: sqlite3.Error) -> CathlogError | None:
    """Map a sqlite3 exception to a named cathlog error, or None for a bug."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if name == "SQLITE_FULL" or "database or disk is full" in text:
        return DiskFull(f"The disk is full. {_NOT_SAVED} Free some space and try again.")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in text:
        return DatabaseLocked(
            "The database is in use by another cathlog window or computer and did not free up in time. "
            f"{_NOT_SAVED} Try again in a moment."
        )
    if name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return ReadOnlyDatabase(f"The database is read-only here. {_NOT_SAVED}")
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text or "not a database" in text \
            or "Could not decode to UTF-8" in text:  # a damaged byte inside a stored text
        return CorruptDatabase(
            "The database file is damaged. Nothing more will be written to it; restore the last verified backup."
        )
    if name.startswith("SQLITE_CANTOPEN"):
        return DatabaseUnavailable("The database file cannot be opened: check that its folder exists and is writable.")
    if name.startswith("SQLITE_IOERR"):
        return StoreError(f"The disk reported a write error ({name}). {_NOT_SAVED} Check the disk and try again.")
    if name == "SQLITE_CONSTRAINT_TRIGGER" or "append-only" in text:
        return Conflict(f"Stored records are never changed or deleted ({text}).")
    if name in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"):
        return Conflict(f"That record already exists ({text}). {_NOT_SAVED}")
    if name.startswith("SQLITE_CONSTRAINT"):
        return ValidationError([Issue("", None, f"the database refused the values ({text}). {_NOT_SAVED}")])
    return None


P = ParamSpec("P")
R = TypeVar("R")


def _database_errors() -> tuple[type[BaseException], ...]:
    """What a store function translates: SQLite's errors, a bad stored value, and the PostgreSQL driver's
    errors once it is loaded (a server connection made it so; SQLite-only runs never import it)."""
    psycopg = sys.modules.get("psycopg")
    return (sqlite3.Error, ValueError) + ((psycopg.Error,) if psycopg is not None else ())


def _named(exc: BaseException) -> CathlogError | None:
    """The named error a store function raises instead of ``exc`` (None: re-raise ``exc`` as a bug)."""
    if isinstance(exc, sqlite3.Error):
        return translate(exc)
    if type(exc).__module__.startswith("psycopg"):
        from cathlog.store.pg.engine import translate_psycopg

        return translate_psycopg(exc)
    if isinstance(exc, UnicodeDecodeError):  # a damaged byte in stored text, read back
        return CorruptDatabase("The database file is damaged (unreadable text). Restore the last verified backup.")
    # a stored value that the schema's CHECKs would never have let in
    return CorruptDatabase(f"The database holds a value it cannot have ({exc}); the file is damaged or was "
                           "edited outside cathlog. Run 'cathlog check'; restore the last verified backup.")


def translated(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a store function so SQLite errors leave it translated.

    A generator function is translated while it is iterated too: its body runs
    only then, so that is where its errors arise."""
    if inspect.isgeneratorfunction(func):
        @functools.wraps(func)
        def generator(*args: P.args, **kwargs: P.kwargs) -> Generator[Any, Any, Any]:
            try:
                return (yield from func(*args, **kwargs))
            except _database_errors() as exc:
                known = _named(exc)
                if known is None:
                    raise
                raise known from exc

        return generator  # type: ignore[return-value]

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except _database_errors() as exc:
            known = _named(exc)
            if known is None:
                raise
            raise known from exc

    return wrapper
