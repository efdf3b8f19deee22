"""The PostgreSQL engine (psycopg 3): connect from a ``postgresql://`` URL, write under cathlog's advisory
lock, translate the server's errors. The engine API and the SQLite engine are in ``store/engine.py``.

``write()`` opens the transaction with ``SELECT pg_advisory_xact_lock(...)`` as its **first statement**:
the exact analogue of SQLite's ``BEGIN IMMEDIATE`` (integration notes 1.3: 4 processes x 150 audit
appends, all committed and the chain whole; any other place for the lock let writers read the same
"last" row). ``json`` columns come back as the text stored, as SQLite gives them.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator, Sequence
from typing import Any

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
from cathlog.paths import redacted_url as redacted
from cathlog.store.engine import LOCK_KEY, Cursor, Engine, _insert_sql, to_pyformat

CONNECT_TIMEOUT_S = 5
LOCK_TIMEOUT_MS = 5000  # as SQLite's busy timeout (store.sqlite_file.BUSY_TIMEOUT_MS)
STREAM_ROWS = 2000  # rows per round trip of a streamed read
IDLE_IN_TRANSACTION_MS = 120_000  # cathlog's transactions last milliseconds; two minutes is a hung client
_NOT_SAVED = "The entry was not saved; nothing was changed."


def translate_sqlstate(sqlstate: str | None, text: str) -> CathlogError | None:
    """A PostgreSQL error (by SQLSTATE) as cathlog's named error; None for a bug."""
    if sqlstate is None or sqlstate.startswith("08") or sqlstate in ("57P01", "57P02", "57P03"):
        return DatabaseUnavailable(f"The database server cannot be reached ({text.strip()}). {_NOT_SAVED} "
                                   "What you typed is kept; try again when the server is back.")
    if sqlstate == "23514":
        return ValidationError([Issue("", None, f"the database refused the values ({text}). {_NOT_SAVED}")])
    if sqlstate in ("22P02", "22007", "22008", "22003", "23502", "42804"):  # bad JSON/value, range, NULL, type
        return ValidationError([Issue("", None, f"the database refused the values ({text}). {_NOT_SAVED}")])
    if sqlstate == "23505":
        return Conflict(f"That record already exists ({text}). {_NOT_SAVED}")
    if sqlstate == "P0001" and ("append-only" in text or "never deleted" in text or "cannot be changed" in text):
        return Conflict(f"Stored records are never changed or deleted ({text}).")
    if sqlstate == "42501":
        return Conflict(f"The database server refused: cathlog's role may only read and append the record "
                        f"({text}). {_NOT_SAVED}")
    if sqlstate in ("40001", "40P01", "55P03"):
        return DatabaseLocked("The database is busy with another workstation's change and did not free up in time. "
                              f"{_NOT_SAVED} Try again in a moment.")
    if sqlstate == "25006":
        return ReadOnlyDatabase(f"The database is read-only here. {_NOT_SAVED}")
    if sqlstate in ("53100", "53200"):
        return DiskFull(f"The database server is out of disk space or memory. {_NOT_SAVED}")
    if sqlstate.startswith("XX"):
        return CorruptDatabase(f"The database server reports damage ({text}). Ask the lab's IT to check it.")
    if sqlstate.startswith("53") or sqlstate.startswith("58"):
        return StoreError(f"The database server failed ({text}). {_NOT_SAVED}")
    return None


def translate_psycopg(exc: BaseException) -> CathlogError | None:
    """A psycopg error as cathlog's named error; None for anything else and for a bug (no SQLSTATE)."""
    import psycopg

    if not isinstance(exc, psycopg.Error):
        return None
    if isinstance(exc, psycopg.OperationalError) and exc.sqlstate is None:  # the connection, not the SQL
        return translate_sqlstate(None, str(exc))
    if exc.sqlstate is None:
        return None
    return translate_sqlstate(exc.sqlstate, str(exc).strip())


def _exact_float_dumper() -> type:
    """A Python float sent as text of no declared type, so the server reads it as the column's own type:
    600.5 into an integer column is refused (as SQLite's STRICT tables refuse it) instead of being rounded
    to 600 by the float8-to-bigint assignment cast; 600.0 goes in as 600 (lossless, as in SQLite)."""
    from psycopg.adapt import Dumper

    class ExactFloatDumper(Dumper):
        oid = 0  # unknown: typed by the context (the column, the other side of a comparison)

        def dump(self, obj: float) -> bytes:
            if obj != obj:
                return b"NaN"
            if obj in (float("inf"), float("-inf")):
                return b"Infinity" if obj > 0 else b"-Infinity"
            return str(int(obj)).encode() if obj.is_integer() else repr(obj).encode()

    return ExactFloatDumper


# A link that drops without a word (a pulled cable, a switch gone) is noticed within seconds, not after the
# kernel's 15 minutes of retries: unanswered data for 10 s ends the connection, and an idle one is probed after
# 5 s (twice, 2 s apart). A URL that sets any of these keeps its own; libpq ignores them on a Unix socket.
LINK_DEFAULTS = {"keepalives": "1", "keepalives_idle": "5", "keepalives_interval": "2", "keepalives_count": "2",
                 "tcp_user_timeout": "10000"}


def link_settings(url: str) -> dict[str, Any]:
    """:data:`LINK_DEFAULTS` that the URL does not set itself (keyword arguments for ``psycopg.connect``)."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        given = conninfo_to_dict(url)
    except Exception:  # noqa: BLE001 - a URL libpq cannot read is refused by connect itself, by name
        return {}
    return {key: value for key, value in LINK_DEFAULTS.items() if key not in given}


def _open(url: str, connect_timeout_s: int, lock_timeout_ms: int) -> Any:
    """A psycopg connection to ``url``, set up as cathlog needs it (see :meth:`PostgresEngine.connect`)."""
    import psycopg
    from psycopg.types.string import TextLoader

    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout_s, application_name="cathlog",
                               **link_settings(url))
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(f"cannot connect to the database server {redacted(url)}: {reason}. What you "
                                  "typed is kept; try again when the server is back.") from exc
    for json_type in ("json", "jsonb"):  # the text as stored, as SQLite gives it (the seals hash it)
        conn.adapters.register_loader(json_type, TextLoader)
    conn.adapters.register_dumper(float, _exact_float_dumper())
    conn.execute("SELECT set_config('lock_timeout', %s, false), set_config('idle_in_transaction_session_timeout', "
                 "%s, false)", [f"{int(lock_timeout_ms)}ms", f"{IDLE_IN_TRANSACTION_MS}ms"])
    return conn


class PostgresEngine(Engine):
    dialect = "postgresql"

    def __init__(self, conn: Any, url: str, *, connect_timeout_s: int = CONNECT_TIMEOUT_S,
                 lock_timeout_ms: int = LOCK_TIMEOUT_MS):
        self.conn = conn
        self.url = url
        self._settings = (connect_timeout_s, lock_timeout_ms)
        self._cursors = 0
        self.origin = secrets.token_hex(8)  # names this connection's changes in their notices (store/pg/notify.py)
        self.lost = False  # the last use of the connection found it lost (the server ended it, or is unreachable)
        self.state_listeners: list[Callable[[bool, str], None]] = []  # (reachable, why not) at each change

    @classmethod
    def connect(cls, url: str, *, connect_timeout_s: int = CONNECT_TIMEOUT_S,
                lock_timeout_ms: int = LOCK_TIMEOUT_MS) -> PostgresEngine:
        """Connect to the server the URL names; DatabaseUnavailable (naming the server, never the password)
        when it cannot be reached or refuses the login.

        A write waits at most ``lock_timeout_ms`` for the write lock (then DatabaseLocked, as SQLite's busy
        timeout), and the server ends a session that sits inside a transaction, holding the lock, for
        longer than :data:`IDLE_IN_TRANSACTION_MS`, so one hung workstation cannot stop every room."""
        return cls(_open(url, connect_timeout_s, lock_timeout_ms), url, connect_timeout_s=connect_timeout_s,
                   lock_timeout_ms=lock_timeout_ms)

    def _usable(self) -> None:
        """After the connection was lost (the server restarted, the network dropped): connect again, so
        the next save after the server is back goes through. Inside a transaction nothing is retried: the
        save that lost its connection failed as a whole (DatabaseUnavailable) and said so."""
        if self.conn.closed or self.conn.broken:
            with contextlib.suppress(Exception):
                self.conn.close()
            try:
                self.conn = _open(self.url, *self._settings)
            except DatabaseUnavailable as exc:
                self._state(False, str(exc))
                raise
        self._state(True, "")

    def _state(self, reachable: bool, why: str) -> None:
        """Tell the listeners when the connection is found lost, or usable again (at once, on the thread
        that found it: a save refused for a lost server says so in the status bar before the next check)."""
        if self.lost == (not reachable):
            return
        self.lost = not reachable
        for listener in list(self.state_listeners):
            listener(reachable, why)

    @contextlib.contextmanager
    def _watched(self) -> Iterator[None]:
        """Note a connection found lost by the statement or commit run inside."""
        import psycopg

        try:
            yield
        except psycopg.OperationalError as exc:
            if self.conn.broken or self.conn.closed:
                self._state(False, str(translate_psycopg(exc) or exc))
            raise

    def ping(self) -> None:
        """One round trip on this connection (connecting again first if it was lost); DatabaseUnavailable
        when the server cannot be reached, at most the connect timeout later."""
        try:
            self.execute("SELECT 1")
        except Exception as exc:
            known = translate_psycopg(exc)
            if known is None:
                raise
            raise known from exc

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        self._usable()
        with self._watched():
            cur: Cursor = self.conn.execute(to_pyformat(sql), list(params))
        return cur

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._usable()
        with self._watched(), self.conn.cursor() as cur:
            cur.executemany(to_pyformat(sql), [list(r) for r in rows])

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """Each row as a dict, streamed from a server-side cursor :data:`STREAM_ROWS` at a time (a client
        cursor would hold a whole 4-million-row audit trail in memory while ``audit --verify`` walks it)."""
        for names, values in self.stream(sql, params):
            yield dict(zip(names, values))

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        """The first row (one round trip: no server-side cursor for a single row)."""
        cur = self.execute(sql, params)
        values = cur.fetchone()
        return None if values is None else dict(zip([d[0] for d in cur.description], values))

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[list[str], Any]]:
        """(column names, row) for each row, from a server-side cursor (``WITH HOLD`` outside a transaction,
        so it outlives the statement's implicit one)."""
        self._usable()
        self._cursors += 1
        cur = self.conn.cursor(name=f"cathlog_stream_{self._cursors}", withhold=not self.in_transaction)
        cur.itersize = STREAM_ROWS
        try:
            with self._watched():
                cur.execute(to_pyformat(sql), list(params))
                names = [d[0] for d in cur.description]
                for values in cur:
                    yield names, values
        finally:
            with contextlib.suppress(Exception):  # a lost connection: the cursor went with it
                cur.close()

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return bool(self.conn.info.transaction_status != TransactionStatus.IDLE)

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        """A transaction whose first statement takes cathlog's write lock (held to COMMIT or ROLLBACK);
        inside a transaction, a savepoint."""
        outer = self.conn.closed or self.conn.broken or not self.in_transaction
        if outer:
            self._usable()
        with self._watched(), self.conn.transaction():
            if outer:
                self.conn.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            yield

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        """Several reads that see one snapshot (REPEATABLE READ, read only); inside a transaction, that one."""
        if not (self.conn.closed or self.conn.broken) and self.in_transaction:
            yield
            return
        self._usable()
        with self._watched(), self.conn.transaction():
            self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield

    def translate(self, exc: BaseException) -> CathlogError | None:
        return translate_psycopg(exc)

    def close(self) -> None:
        self.conn.close()

    def insert_returning(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        stored = self.one(_insert_sql(table, row) + " RETURNING *", list(row.values()))
        assert stored is not None
        return stored

    def json_text(self, column: str, key: str) -> str:
        from cathlog.store.pg.dialect import POSTGRES

        return POSTGRES.json_text(column, key)

    def has_table(self, name: str) -> bool:
        return bool(self.scalar("SELECT to_regclass(?) IS NOT NULL", [f"public.{name}"]))
