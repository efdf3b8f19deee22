"""Opening a cathlog database safely, and the write transaction.

Every connection: WAL, ``synchronous=FULL`` (one fsync per human entry is
cheap; a lost heparin dose is not), ``foreign_keys=ON`` and a busy timeout;
the WAL is checkpointed in the background, off the save (``store/wal.py``).
A file is accepted only if it is empty (new) or carries cathlog's
``application_id`` with a schema no newer than this program's, and passes
``quick_check``, and whose tables, indexes, triggers and views are exactly
those the migrations make for its version (``schema_check``); anything else
is refused before a byte is written to it. Every connection runs with
``trusted_schema=OFF``. A restore a kill interrupted is finished first.

The file itself (its URI, the one way to connect, its header, the SQLite
library's minimum) is ``store/sqlite_file.py``.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlite_utils import Database

from cathlog.domain.errors import CorruptDatabase, DatabaseUnavailable, NewerSchema, NotACathlogDatabase, StoreError
from cathlog.fileio import check_target, private_file
from cathlog.paths import redacted_url as redacted
from cathlog.store.engine import Engine, SqliteEngine, is_url
from cathlog.store.pg.engine import PostgresEngine
from cathlog.store.errors import translated
from cathlog.store.files import secure_database
from cathlog.store.restore_journal import finish_interrupted_restore, journal_path
from cathlog.store.schema import APPLICATION_ID, SCHEMA_VERSION, migrations
from cathlog.store.schema_check import check_schema
from cathlog.store.sqlite_file import BUSY_TIMEOUT_MS, check_sqlite_version, connect, inspect_file
from cathlog.store.wal import WalCheckpointer, configure_writer


class Store:
    """The open database. Only ``cathlog.store`` modules touch it: through ``self.engine``
    (``store/engine.py``: SQLite or PostgreSQL), or ``self.db`` (sqlite-utils, SQLite only) in the
    modules not yet moved to the engine."""

    def __init__(self, db: Database | None, path: Path | None, *, engine: Engine | None = None):
        self._db = db
        if engine is None:
            if db is None:
                raise ValueError("a Store needs a SQLite database or an engine")
            engine = SqliteEngine(db.conn)
        self.engine: Engine = engine
        self.path = path
        self.url: str | None = None  # the server's URL (PostgreSQL), None for a file
        self.read_only = False
        self.after_commit: list[Callable[[Store], None]] = []  # e.g. the audit checkpoint (store.checkpoint)
        self.wal: WalCheckpointer | None = None  # a file open for writing: its WAL checkpointed in the background

    @property
    def db(self) -> Database:
        """The sqlite-utils database (SQLite only)."""
        if self._db is None:
            raise StoreError(f"this part of cathlog does not run on a PostgreSQL server yet ({self.label}); "
                             "use a database file for it (docs/multi-room.md)")
        return self._db

    @db.setter
    def db(self, db: Database) -> None:
        self._db = db
        self.engine = SqliteEngine(db.conn)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect

    @property
    def label(self) -> str:
        """What to call the database in a message: the file's path, or the server's URL without a password."""
        if self.url is not None:
            return redacted(self.url)
        return str(self.path) if self.path is not None else "in memory"

    @classmethod
    def open_server(cls, url: str, *, read_only: bool = False, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Store:
        """Connect to a cathlog database on a PostgreSQL server, as the runtime role the URL names.

        The schema must be there at this program's version (the lab's IT installs it as the owner role:
        ``cathlog.store.pg.schema.install``, docs/multi-room.md); a database never keyed is keyed here, by
        the first workstation, with its installation key (every workstation then needs that key file).
        DatabaseUnavailable when the server cannot be reached; NotACathlogDatabase or NewerSchema for a
        database it must not use."""
        from cathlog.store.pg import schema as pg_schema

        engine = PostgresEngine.connect(url, lock_timeout_ms=busy_timeout_ms)
        try:
            version = pg_schema.schema_version(engine.conn)
            where = redacted(url)
            if version is None:
                raise NotACathlogDatabase(f"{where} has no cathlog schema: the lab's IT installs it with the owner "
                                          "role (docs/multi-room.md); nothing was changed")
            if version > SCHEMA_VERSION:
                raise NewerSchema(f"{where} was made by a newer cathlog (schema {version}, this program knows "
                                  f"{SCHEMA_VERSION}). Update cathlog; nothing was changed.")
            if version < SCHEMA_VERSION:
                raise NewerSchema(f"{where} is at schema {version}; the owner role must update it to "
                                  f"{SCHEMA_VERSION} first (docs/multi-room.md)")
            store = cls(None, None, engine=engine)
            store.url = url
            store.read_only = read_only
            if read_only:
                engine.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            else:
                from cathlog.store.audit import key_new_database

                with store.write():
                    key_new_database(store)
        except BaseException:
            engine.close()
            raise
        return store

    @classmethod
    @translated
    def open(cls, path: str | Path | None, *, create: bool = True, read_only: bool = False,
             busy_timeout_ms: int = BUSY_TIMEOUT_MS, verify: bool = True) -> Store:
        """Open (and, if new, create) a cathlog database; ``None`` is in memory.

        ``read_only`` opens the file without any right to write (a save then
        fails with ReadOnlyDatabase). ``verify=False`` skips ``quick_check``,
        which reads the whole file (18 s at 1.5 GB): the GUI runs it in the
        background instead (see :func:`quick_check_file`) and stops saving if it
        fails. Raises NotACathlogDatabase, NewerSchema or
        CorruptDatabase for a file it must not touch, DatabaseUnavailable if it
        cannot be opened, SQLiteTooOld on a SQLite library older than :data:`MIN_SQLITE`.
        """
        if is_url(path):
            return cls.open_server(str(path), read_only=read_only, busy_timeout_ms=busy_timeout_ms)
        check_sqlite_version()
        if path is None:
            conn = sqlite3.connect(":memory:", check_same_thread=False)
            file_path = None
        else:
            file_path = Path(path)
            if read_only and journal_path(file_path).exists():
                raise DatabaseUnavailable(f"a restore of {file_path.name} was interrupted; open it once for "
                                          "writing to finish it")
            if not read_only:  # before anything else: finish a restore a kill interrupted
                finish_interrupted_restore(file_path)
            if (not create or read_only) and not file_path.exists():
                raise NotACathlogDatabase(f"there is no database at {file_path}")
            # Never a folder, device or pipe; a new file is created 0600 (its -wal/-shm inherit that).
            if file_path.exists() or read_only:
                check_target(file_path)
            else:
                private_file(file_path)
            inspect_file(file_path)
            conn = connect(file_path, read_only=read_only, timeout_s=busy_timeout_ms / 1000, check_same_thread=False)
        try:
            store = cls(Database(conn), file_path)
            store.read_only = read_only
            # Nothing is written to the file until it is known to be ours and sound.
            conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
            store._refuse_foreign()
            if file_path is not None:  # every table, index, trigger and view as the migrations make them
                check_schema(conn, file_path.name)
            if verify:
                store._verify()
            if read_only:
                conn.execute("PRAGMA query_only = ON")
                if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                    raise NewerSchema("this database needs an update that a read-only open cannot make")
                return store
            store._configure()
            store._migrate()
            if file_path is not None:
                secure_database(file_path)
        except BaseException:
            conn.close()
            raise
        return store

    def _configure(self) -> None:
        conn = self.db.conn
        conn.execute("PRAGMA foreign_keys = ON")
        if self.path is not None:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":  # pragma: no cover - e.g. a file system without shared memory
                raise CorruptDatabase(f"cannot switch {self.path.name} to WAL journaling (got {mode})")
        conn.execute("PRAGMA synchronous = FULL")
        if self.path is not None:  # the WAL's checkpoint off the save path (store/wal.py)
            configure_writer(conn)
            self.wal = WalCheckpointer(self.path)

    def _verify(self) -> None:
        try:
            result = self.db.conn.execute("PRAGMA quick_check").fetchall()
        except UnicodeDecodeError:  # the report itself carries damaged bytes
            result = [("damaged text in the file",)]
        except sqlite3.OperationalError as exc:  # e.g. a damaged schema that no longer parses
            result = [(str(exc),)]
        if result != [("ok",)]:
            raise CorruptDatabase(
                f"the database failed its integrity check ({result[0][0]}). Nothing was written to it; "
                "restore the last verified backup."
            )

    def _refuse_foreign(self) -> None:
        conn = self.db.conn
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id != APPLICATION_ID and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            name = self.path.name if self.path else "the database"
            raise NotACathlogDatabase(f"{name} is a SQLite database but not a cathlog one; it was not changed.")

    def _migrate(self) -> None:
        conn = self.db.conn
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > 0 and self.path is not None:
            # A copy of the file as it was, before any migration touches it (reliability F10).
            copy = self.path.with_name(f"{self.path.name}.pre-migration-v{version}.bak")
            if not copy.exists():
                private_file(copy)
                dest = connect(copy)
                try:
                    conn.backup(dest)
                finally:
                    dest.close()
        with self.write():
            migrations.apply(self.db)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        """A write transaction, taking the write lock up front (``Engine.write``: ``BEGIN IMMEDIATE`` on
        SQLite, the advisory lock as the first statement on PostgreSQL), so a second writer waits
        instead of failing halfway. Nested calls become savepoints. Database errors leave translated
        (see ``store.errors``, ``store.engine``)."""
        engine = self.engine
        outer = not engine.in_transaction
        try:
            with engine.write():
                yield
            if outer:
                if self.wal is not None:
                    self.wal.committed()
                for hook in self.after_commit:  # after the commit: a hook's failure is not a lost save
                    hook(self)
        except UnicodeDecodeError as exc:
            raise CorruptDatabase("The database file is damaged (unreadable text). Nothing was saved; restore "
                                  "the last verified backup.") from exc
        except Exception as exc:
            known = engine.translate(exc)
            if known is None:
                raise
            raise known from exc

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        """Several reads that see one snapshot of the database (SQLite: a deferred transaction, in WAL
        mode writers go on meanwhile; PostgreSQL: REPEATABLE READ). Inside a write transaction it is
        that transaction."""
        with self.engine.read():
            yield

    def stop_writing(self) -> None:
        """After a failed background check: no more writes to this file."""
        if self._db is None:
            self.engine.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        else:
            self.db.conn.execute("PRAGMA query_only = ON")
            if self.wal is not None:  # nor any background checkpoint into a file that failed its check
                self.wal.close()
        self.read_only = True

    @translated
    def integrity_check(self) -> list[str]:
        """Full ``integrity_check`` plus ``foreign_key_check``: [] when clean. On PostgreSQL (whose server
        keeps its own pages sound) the walls instead: every append-only trigger in place and enabled, and
        no right of the connected role to change or remove record rows (``pg.schema.wall_problems``); on
        both, a stored time that is not a real one."""
        if self._db is None:
            from cathlog.store.pg.walls import wall_problems

            if not isinstance(self.engine, PostgresEngine):
                return []
            from cathlog.store.timestamps import invalid_timestamps_on_server

            return wall_problems(self.engine.conn) + invalid_timestamps_on_server(self.engine)
        problems = [row[0] for row in self.db.conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
        problems += [f"foreign key: {row}" for row in self.db.conn.execute("PRAGMA foreign_key_check")]
        from cathlog.store.timestamps import invalid_timestamps

        problems += invalid_timestamps(self.db.conn)  # a time no report could read (stored before 0008)
        return problems

    def close(self) -> None:
        if self.wal is not None:  # its connection first: the store's, closed last, checkpoints the rest
            self.wal.close()
        self.engine.close()

    def reopen(self) -> None:
        """Close and open the same file again (after a restore), keeping this object."""
        if self.path is None:
            raise ValueError("an in-memory database cannot be reopened")
        self.close()
        again = Store.open(self.path)
        self.db, self.wal = again.db, again.wal
