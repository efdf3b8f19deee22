"""The thin engine under the store: one small API over SQLite (the embedded default) and PostgreSQL.

Shaped like Matrix Synapse's ``BaseDatabaseEngine`` (integration notes 1.2): the store's SQL is written
once, in the subset both dialects agree on, with ``?`` placeholders; the engine converts the parameter
style, opens the write transaction, and turns the server's errors into cathlog's named ones. Nothing
above ``cathlog.store`` sees it.

- :class:`SqliteEngine` wraps today's connection: ``write()`` is ``BEGIN IMMEDIATE`` (one writer at a
  time, readers untouched), nested calls are savepoints.
- :class:`cathlog.store.pg.engine.PostgresEngine` (psycopg 3, its own module) connects from a
  ``postgresql://`` URL; its ``write()`` takes cathlog's advisory lock (:data:`LOCK_KEY`) as its first
  statement, the exact analogue of ``BEGIN IMMEDIATE``.

:func:`is_url` tells a server URL from a file path (``--db`` and ``CATHLOG_DB`` take either).
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from cathlog.domain.errors import CathlogError
from cathlog.paths import is_server_url
from cathlog.store.schema import APPLICATION_ID

LOCK_KEY = APPLICATION_ID  # "CATH": the advisory lock every cathlog write takes first


def is_url(target: object) -> bool:
    """Whether ``--db``/``CATHLOG_DB`` names a PostgreSQL server (a URL) rather than a SQLite file."""
    return is_server_url(target)


class Cursor(Protocol):
    @property
    def description(self) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchmany(self, size: int = ...) -> list[Any]: ...

    def close(self) -> None: ...

    def __iter__(self) -> Iterator[Any]: ...


class Executor(Protocol):
    """Anything with ``execute(sql, params)``: an :class:`Engine` or a ``sqlite3.Connection`` (a migration's)."""

    def execute(self, sql: str, params: Any = ..., /) -> Any: ...


@functools.lru_cache(maxsize=4096)
def to_pyformat(sql: str) -> str:
    """``?`` placeholders to psycopg's ``%s``, outside quoted strings and names; every literal ``%`` doubled
    (psycopg reads ``%`` everywhere in a query with parameters, quoted or not)."""
    out: list[str] = []
    quote: str | None = None
    for ch in sql:
        if ch == "%":
            out.append("%%")
            continue
        if quote is not None:
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
        elif ch == "?":
            out.append("%s")
            continue
        out.append(ch)
    return "".join(out)


class Engine:
    """What the store needs of a database connection."""

    dialect = ""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    @property
    def in_transaction(self) -> bool:
        raise NotImplementedError

    def write(self) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError

    def read(self) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError

    def translate(self, exc: BaseException) -> CathlogError | None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def has_table(self, name: str) -> bool:
        raise NotImplementedError

    def json_text(self, column: str, key: str) -> str:
        """SQL for the value of ``key`` in the JSON ``column`` (a cathlog field name, never input)."""
        raise NotImplementedError

    # --- the neutral helpers the store modules use ---
    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """Each row as a dict of column name to value (streams)."""
        cur = self.execute(sql, params)
        names = [d[0] for d in cur.description]
        for values in cur:
            yield dict(zip(names, values))

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        return next(self.rows(sql, params), None)

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def insert(self, table: str, row: dict[str, Any]) -> None:
        """One row; ``table`` and the keys are cathlog's own names, never input."""
        self.execute(_insert_sql(table, row), list(row.values()))

    def insert_returning(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        """Insert one row and return it as stored (with its row id and every default)."""
        raise NotImplementedError


def _insert_sql(table: str, row: dict[str, Any]) -> str:
    return f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})"  # noqa: S608


class SqliteEngine(Engine):
    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._savepoints = 0

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` (a second process waits for the busy timeout instead of failing on a
        read-to-write upgrade); inside a transaction, a savepoint."""
        conn = self.conn
        if conn.in_transaction:
            self._savepoints += 1
            name = f"cathlog_{self._savepoints}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                conn.execute(f"RELEASE SAVEPOINT {name}")
                raise
            else:
                conn.execute(f"RELEASE SAVEPOINT {name}")
            finally:
                self._savepoints -= 1
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            # Also after a failed COMMIT (disk full, I/O error): a transaction left open
            # would turn every later write into a savepoint that is never committed.
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        conn = self.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")

    def translate(self, exc: BaseException) -> CathlogError | None:
        from cathlog.store.errors import translate

        return translate(exc) if isinstance(exc, sqlite3.Error) else None

    def close(self) -> None:
        self.conn.close()

    def insert_returning(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        # Read back, not ``INSERT ... RETURNING *``: SQLite's RETURNING gives a STRICT INTEGER column's value
        # as a REAL (3.40: 5 -> 5.0) when the table has a REAL column, and a seal is of the row as stored.
        self.insert(table, row)
        stored = self.one(f"SELECT * FROM {table} WHERE rowid = last_insert_rowid()")  # noqa: S608
        assert stored is not None
        return stored

    def json_text(self, column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}')"

    def has_table(self, name: str) -> bool:
        return self.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]) is not None
