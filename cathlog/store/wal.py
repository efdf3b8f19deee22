"""The WAL's checkpoint off the save path (issue 18 item 2).

SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold: about one save in
sixty copied ~1000 pages into the database file and synced it (10-45 ms), which was the p99 of a save.
The writing connection's automatic checkpoint is therefore set far higher (:data:`WAL_BOUND_PAGES`:
only a bound, reached only when the background checkpoint cannot keep up), and :class:`WalCheckpointer`
runs a PASSIVE checkpoint on a thread of its own with a connection of its own: once the database has been
idle for :data:`IDLE_S` after at least :data:`IDLE_MIN_COMMITS` commits, or at once after
:data:`BUSY_COMMITS` commits of steady writing (an import). A PASSIVE checkpoint never takes the write
lock nor waits for readers; the writer restarts the WAL from its start at its next transaction once the
checkpoint has copied everything.

Nothing about durability changes: every commit is in the WAL, fsync'd (``synchronous=FULL``), before
``COMMIT`` returns; a checkpoint only copies committed pages into the database file. A crash with a long
WAL is recovered from it at the next open; a backup (SQLite's backup API on the open connection) and a
restore (the same API into the open database, under SQLite's locks) read and write through the WAL like
any other connection. :meth:`WalCheckpointer.close` (``Store.close``) waits for a checkpoint under way
and closes its connection first, so the store's own connection, closed last, checkpoints the rest and
removes the WAL as before.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

from cathlog.store.sqlite_file import connect

log = logging.getLogger(__name__)

WAL_BOUND_PAGES = 10_000  # the writer's own automatic checkpoint: ~40 MB of 4 KiB pages (SQLite's default: 1000)
# journal_size_limit: a WAL grown past this (one huge transaction, or the bound reached) is cut back when it
# restarts. Above the bound, so steady saving never truncates it: freeing blocks costs (a file system
# mounted with discard trims them at its next journal commit, slowing the next fsync).
WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024
IDLE_S = 0.5  # no commit for this long: a good moment to checkpoint
IDLE_MIN_COMMITS = 50  # ~15 pages a save: no checkpoint for fewer commits than this (~750 pages)
BUSY_COMMITS = 250  # steady writing: checkpoint after this many commits without waiting for a pause


def configure_writer(conn: sqlite3.Connection) -> None:
    """The writing connection's WAL settings: its automatic checkpoint only as the bound."""
    conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_BOUND_PAGES}")
    conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT_BYTES}")


class WalCheckpointer:
    """Checkpoints one database file's WAL from a background thread (see the module docstring).

    :meth:`committed` is called after each commit on the writer's thread and costs a lock and a
    counter; the thread is started only when there is a checkpoint to do, and ends after it when
    there is nothing left, so an open store that is not written to keeps no thread."""

    def __init__(self, path: Path):
        self.path = path
        self._cond = threading.Condition()
        self._pending = 0  # commits since the last checkpoint began
        self._last_commit = 0.0
        self._thread: threading.Thread | None = None
        self._closed = False
        self.checkpoints = 0  # done so far (tests wait on it)
        self.last_result: tuple[int, int, int] | None = None  # (busy, WAL frames, frames checkpointed)

    def committed(self) -> None:
        with self._cond:
            self._pending += 1
            self._last_commit = time.monotonic()
            if self._closed or self._pending < IDLE_MIN_COMMITS:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=f"wal-checkpoint {self.path.name}",
                                                daemon=True)
                self._thread.start()
            elif self._pending >= BUSY_COMMITS:
                self._cond.notify_all()

    def wait_for(self, checkpoints: int, timeout_s: float) -> bool:
        """Wait until at least ``checkpoints`` checkpoints are done (tests); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self.checkpoints >= checkpoints, timeout_s)

    def close(self) -> None:
        """No more checkpoints; wait for one under way (its connection is closed before this returns)."""
        with self._cond:
            self._closed = True
            thread = self._thread
            self._cond.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _due(self) -> bool:
        """Under the lock: whether to checkpoint now (else wait)."""
        return self._pending >= BUSY_COMMITS or time.monotonic() - self._last_commit >= IDLE_S

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while True:
                with self._cond:
                    while not self._closed and not self._due():
                        self._cond.wait(max(0.01, self._last_commit + IDLE_S - time.monotonic()))
                    if self._closed:
                        return
                    self._pending = 0
                if conn is None:
                    conn = _connect(self.path)
                row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                with self._cond:
                    self.last_result = (row[0], row[1], row[2])
                    self.checkpoints += 1
                    self._cond.notify_all()
                    if self._pending < IDLE_MIN_COMMITS:
                        self._thread = None  # the next commit that makes it worth it starts another
                        return
        except (sqlite3.Error, OSError) as exc:  # e.g. the file was removed: the writer's bound still holds
            log.warning("background WAL checkpoint of %s failed: %s", self.path.name, exc)
        finally:
            with self._cond:
                if self._thread is threading.current_thread():
                    self._thread = None
                self._cond.notify_all()
            if conn is not None:
                conn.close()


def _connect(path: Path) -> sqlite3.Connection:
    """A connection of the checkpointer's own, never creating the file (``mode=rw``)."""
    conn = connect(path, existing=True)
    # A checkpoint syncs as its own connection says: the database file is fsync'd before the writer may
    # restart the WAL over the frames it copied (whatever this SQLite's compiled-in default is).
    conn.execute("PRAGMA synchronous = FULL")
    return conn
