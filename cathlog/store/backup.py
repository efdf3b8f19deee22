"""Backups that can be trusted, and restores that can neither be abused nor lose entries.

A backup is written with SQLite's online backup API into a temporary file
beside the target, synced, checked with ``integrity_check``, and only then
renamed into place: a crash or a full disk never leaves a half backup under
the final name (reliability A3).

A file is restored only if it is a cathlog database of a schema this program
knows, passes ``integrity_check`` and has exactly the tables, indexes,
triggers and views the migrations give its version (``schema_check``): a
crafted trigger or view is refused by name before anything is touched.

:func:`restore_into` writes the restored content *into* the open live
database through the backup API, under SQLite's write lock, so every other
open connection (another cathlog window) sees it at its next read and no
window keeps writing into a file set aside. While that lock is held, and
before any restored page is committed, the content being replaced is copied
to a verified ``.replaced-<time>`` file: every entry acknowledged before the
restore is in that copy, every one after it is in the live database. A kill
mid-copy is rolled back by SQLite's journal. A restore also writes a new
``restore_id`` into the settings table (with its audit row, in the same
commit), so a window can notice that the database changed under it
(:func:`database_token`).

:func:`restore` is for the one case where the live file cannot be opened at
all (a damaged header at start-up); it replaces the file on disk through
``restore_journal`` so that a kill never leaves no database at the live path.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cathlog.domain.errors import (
    CathlogError,
    CorruptDatabase,
    DiskFull,
    NewerSchema,
    NotACathlogDatabase,
    ReadOnlyDatabase,
    StoreError,
)
from cathlog.fileio import OutOfSpace, check_target, private_folder, write_error
from cathlog.store import checkpoint
from cathlog.store.db import Store
from cathlog.store.sqlite_file import connect, inspect_file
from cathlog.store.errors import translated
from cathlog.store.restore_journal import fsync_dir, journal_path, replace_live
from cathlog.store.schema import APPLICATION_ID, SCHEMA_VERSION
from cathlog.store.schema_check import check_schema

BACKUP_SUFFIX = ".cathlog-backup.db"
RESTORE_ID_KEY = "restore_id"
_SQLITE_OK = 0


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size_bytes: int
    sha256: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _connect_ro(path: Path) -> sqlite3.Connection:
    """A hardened read-only connection (the path percent-quoted: '#', '?' and '%' are file name characters)."""
    return connect(Path(path), read_only=True)


def _connect_new(path: Path) -> sqlite3.Connection:
    return connect(Path(path))


def _temp_beside(path: Path, suffix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    return Path(name)


def _remove(path: Path) -> None:
    """A temporary database and whatever SQLite or a migration left beside it."""
    for extra in [p for p in path.parent.iterdir() if p.name.startswith(path.name)]:
        with contextlib.suppress(FileNotFoundError):
            extra.unlink()


def verify_file(path: Path) -> None:
    """Raise unless ``path`` is a sound cathlog database, with the schema of its version, this program can open."""
    if not path.is_file():
        raise NotACathlogDatabase(f"{path} is not a file")
    inspect_file(path)
    try:
        conn = _connect_ro(path)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if app_id != APPLICATION_ID:
                raise NotACathlogDatabase(f"{path.name} is not a cathlog database")
            if version > SCHEMA_VERSION:
                raise NewerSchema(f"{path.name} comes from a newer cathlog (schema {version}); update cathlog first")
            check_schema(conn, path.name)
            result = conn.execute("PRAGMA integrity_check").fetchall()
            if result != [("ok",)]:
                raise CorruptDatabase(f"{path.name} failed its integrity check ({result[0][0]})")
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise CorruptDatabase(f"{path.name} cannot be read as a database ({exc})") from None
    except UnicodeDecodeError:
        raise CorruptDatabase(f"{path.name} holds damaged text") from None


def _copy_database(source: sqlite3.Connection, target: Path,
                   after: Callable[[sqlite3.Connection], None] | None = None) -> None:
    """Backup API copy of ``source`` into the new file ``target``, one self-contained file, synced.
    ``after`` may add to the copy before it is closed (a backup's audit checkpoint)."""
    dest = _connect_new(target)
    try:
        source.backup(dest)
        if after is not None:
            after(dest)
        dest.execute("PRAGMA journal_mode = DELETE")  # a copy is one self-contained file
    finally:
        dest.close()
    _fsync(target)


@translated
def backup_to(store: Store, target: Path) -> BackupInfo:
    """Copy the open database to ``target`` (temp file, sync, check, rename).

    ``target`` must be a new name or a regular file (never a device, pipe or folder); the
    copy is 0600. A full disk says so and leaves nothing under the target's name."""
    target = Path(target)
    private_folder(target.parent, tighten_existing=False)  # new folders 0700; a chosen one keeps its mode
    check_target(target)
    try:
        tmp = _temp_beside(target, ".tmp")  # mkstemp: 0600
    except OSError as exc:
        raise write_error(exc, target) from exc
    try:
        _copy_database(store.db.conn, tmp, after=lambda dest: checkpoint.stamp_backup(dest, store))
        verify_file(tmp)
        check_target(target)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if _is_disk_full(exc):
            raise OutOfSpace(f"The disk is full: the backup {target} was not written and the database is "
                             "unchanged. Free some space and try again.") from exc
        if isinstance(exc, OSError) and not isinstance(exc, CathlogError):
            raise write_error(exc, target) from exc
        raise
    fsync_dir(target.parent)
    return BackupInfo(target, target.stat().st_size, _sha256(target))


def _is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, DiskFull):
        return True
    if isinstance(exc, sqlite3.Error):
        return getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL" or "disk is full" in str(exc)
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


def kept_path(live: Path, now: datetime | None = None) -> Path:
    """Where the content a restore replaces is kept: ``<live>.replaced-<UTC time>``, never an existing name."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    candidate, n = live.with_name(f"{live.name}.replaced-{stamp}"), 1
    while candidate.exists():
        n += 1
        candidate = live.with_name(f"{live.name}.replaced-{stamp}-{n}")
    return candidate


@translated
def database_token(store: Store) -> str:
    """Changes with every restore: a window compares it to notice that the database was replaced under it."""
    row = store.db.conn.execute("SELECT value FROM settings WHERE key = ?", [RESTORE_ID_KEY]).fetchone()
    return row[0] if row else ""


def _stage(source: Path, live_conn: sqlite3.Connection, beside: Path) -> Path:
    """A copy of ``source`` beside the live file, with the live file's page size (the backup API needs it)."""
    staged = _temp_beside(beside, ".restore-staging")
    try:
        src = _connect_ro(source)
        try:
            _copy_database(src, staged)
        finally:
            src.close()
        page_size = live_conn.execute("PRAGMA page_size").fetchone()[0]
        conn = _connect_new(staged)
        try:
            if conn.execute("PRAGMA page_size").fetchone()[0] != page_size:
                conn.execute(f"PRAGMA page_size = {int(page_size)}")
                conn.execute("VACUUM")
        finally:
            conn.close()
    except BaseException:
        _remove(staged)
        raise
    return staged


def _verified_copy(source: Path, target: Path) -> None:
    """Copy the committed content of the file ``source`` into the new file ``target`` and verify it."""
    src = _connect_ro(source)
    try:
        _copy_database(src, target)
    finally:
        src.close()
    verify_file(target)


def _keep_copy(live: Path, kept: Path) -> None:
    """A verified copy of the live file's last committed content at ``kept`` (temp, sync, check, rename)."""
    tmp = _temp_beside(kept, ".tmp")
    try:
        _verified_copy(live, tmp)
        os.replace(tmp, kept)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(kept.parent)


@translated
def restore_into(store: Store, source: Path, kept: Path, *, prepare: Callable[[Store], None] | None = None,
                 on_step: Callable[[int, int], None] | None = None) -> Path:
    """Write the verified backup ``source`` into the open live database; returns ``kept``.

    ``prepare(staged)`` runs inside a write transaction of the restored
    content before it is copied in (the service writes its audit row there, so
    the restore and its audit row are one commit). ``on_step(remaining,
    total)`` is called after each copy step (tests kill the process there).
    Nothing is changed if any check fails; the live file is changed only by
    the final commit of the copy.
    """
    live = store.path
    if live is None:
        raise ValueError("an in-memory database cannot be restored into")
    if store.read_only:
        raise ReadOnlyDatabase("This database is open read-only; it cannot be restored into.")
    source = Path(source)
    verify_file(source)  # refuse a crafted or damaged file before anything is made
    staged = _stage(source, store.db.conn, live)
    try:
        staging = Store.open(staged)  # migrates an older backup to this program's schema; checks it again
        try:
            with staging.write():
                staging.db.conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                                        [RESTORE_ID_KEY, secrets.token_hex(16)])
                if prepare is not None:
                    prepare(staging)
            problems = staging.integrity_check()
            if problems:
                raise CorruptDatabase(f"{source.name} failed its integrity check after loading ({problems[0]})")
            _copy_in(staging.db.conn, store, kept, on_step)
        finally:
            staging.close()
    finally:
        _remove(staged)
    with contextlib.suppress(sqlite3.Error):
        store.db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    problems = store.integrity_check()
    if problems:
        raise CorruptDatabase(f"the restored database failed its integrity check ({problems[0]}); the replaced "
                              f"content is kept as {kept.name}")
    return kept


def _copy_in(staged: sqlite3.Connection, store: Store, kept: Path, on_step: Callable[[int, int], None] | None) -> None:
    pages = staged.execute("PRAGMA page_count").fetchone()[0]
    if pages < 2:  # pragma: no cover - a cathlog schema alone is dozens of pages
        raise CorruptDatabase("the backup is too small to be a cathlog database")
    step = max(1, min(1024, pages // 2))  # the first step must not finish the copy: the copy of the old is taken after it
    kept_done: list[bool] = []
    live = store.path
    assert live is not None

    def progress(status: int, remaining: int, total: int) -> None:
        # After the first successful step the backup holds the live file's write lock and
        # nothing it wrote is committed: a reader sees exactly the content being replaced.
        if status == _SQLITE_OK and not kept_done:
            _keep_copy(live, kept)
            kept_done.append(True)
        if on_step is not None:
            on_step(remaining, total)

    if store.db.conn.in_transaction:
        raise RuntimeError("restore_into called inside a write transaction")
    staged.backup(store.db.conn, pages=step, progress=progress)
    if not kept_done:  # pragma: no cover - guarded by the step size above
        raise RuntimeError("the replaced content was not kept")


def restore(source: Path, live: Path, now: datetime | None = None) -> Path | None:
    """Replace the database file at ``live`` with ``source`` when ``live`` cannot be opened (damaged header).

    Returns where a copy of the old file was kept. No cathlog window may have
    ``live`` open (use :func:`restore_into` for an open database). The old file
    and its WAL are copied to the kept name before anything changes; the live
    path always holds a database, and a kill is finished at the next open.
    """
    source, live = Path(source), Path(live)
    verify_file(source)
    live.parent.mkdir(parents=True, exist_ok=True)
    staged = _temp_beside(live, ".restore")
    try:
        _verified_copy(source, staged)
        kept = None
        if live.exists():
            kept = kept_path(live, now)
            for side in ("", "-wal"):  # copies, never moves: the live path keeps its file
                old = Path(f"{live}{side}")
                if old.exists():
                    _copy_bytes(old, Path(f"{kept}{side}"))
            fsync_dir(live.parent)
        replace_live(live, staged)
    except BaseException:
        if not journal_path(live).exists():  # else the next open finishes what was started
            with contextlib.suppress(FileNotFoundError):
                staged.unlink()
        raise
    return kept


def _copy_bytes(source: Path, target: Path) -> None:
    tmp = _temp_beside(target, ".tmp")
    try:
        with source.open("rb") as fin, tmp.open("wb") as fout:
            for block in iter(lambda: fin.read(1 << 20), b""):
                fout.write(block)
            fout.flush()
            os.fsync(fout.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
