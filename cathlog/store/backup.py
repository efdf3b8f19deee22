"""Backups that can be trusted, and restores that never make things worse.

A backup is written with SQLite's online backup API into a temporary file
beside the target, synced, checked with ``integrity_check``, and only then
renamed into place: a crash or a full disk never leaves a half backup under
the final name (reliability A3). A restore checks the candidate first (a
cathlog file, a schema this program knows, integrity ok) and keeps the file
it replaces.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cathlog.domain.errors import CathlogError, CorruptDatabase, DiskFull, NewerSchema, NotACathlogDatabase, StoreError
from cathlog.fileio import OutOfSpace, check_target, private_folder, write_error
from cathlog.store.db import Store, _inspect_file, connect
from cathlog.store.errors import translated
from cathlog.store.schema import APPLICATION_ID, SCHEMA_VERSION

BACKUP_SUFFIX = ".cathlog-backup.db"


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


def verify_file(path: Path) -> None:
    """Raise unless ``path`` is a sound cathlog database this program can open."""
    if not path.is_file():
        raise NotACathlogDatabase(f"{path} is not a file")
    _inspect_file(path)
    try:
        conn = connect(path, read_only=True)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if app_id != APPLICATION_ID:
                raise NotACathlogDatabase(f"{path.name} is not a cathlog database")
            if version > SCHEMA_VERSION:
                raise NewerSchema(f"{path.name} comes from a newer cathlog (schema {version}); update cathlog first")
            result = conn.execute("PRAGMA integrity_check").fetchall()
            if result != [("ok",)]:
                raise CorruptDatabase(f"{path.name} failed its integrity check ({result[0][0]})")
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise CorruptDatabase(f"{path.name} cannot be read as a database ({exc})") from None


@translated
def backup_to(store: Store, target: Path) -> BackupInfo:
    """Copy the open database to ``target`` (temp file, sync, check, rename).

    ``target`` must be a new name or a regular file (never a device, pipe or folder); the
    copy is 0600. A full disk says so and leaves nothing under the target's name."""
    target = Path(target)
    private_folder(target.parent, tighten_existing=False)  # new folders 0700; a chosen one keeps its mode
    check_target(target)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)  # 0600
    except OSError as exc:
        raise write_error(exc, target) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        dest = connect(tmp)
        try:
            store.db.conn.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
        finally:
            dest.close()
        _fsync(tmp)
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
    with contextlib.suppress(OSError):
        _fsync(target.parent)
    return BackupInfo(target, target.stat().st_size, _sha256(target))


def _is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, DiskFull):
        return True
    if isinstance(exc, sqlite3.Error):
        return getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL" or "disk is full" in str(exc)
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


DAILY_FOR_DAYS = 14
WEEKLY_FOR_WEEKS = 8


def _stamp(path: Path) -> datetime | None:
    try:
        return datetime.strptime(path.name[len("cathlog-"):len("cathlog-") + 16], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=timezone.utc)
    except ValueError:
        return None


def backups_to_keep(stamps: dict[Path, datetime], now: datetime) -> set[Path]:
    """Retention by age: the newest backup of each day for 14 days, of each ISO week for 8 weeks,
    and always the newest of all (even when the clock was wrong)."""
    kept: set[Path] = set()
    newest_of: dict[tuple, Path] = {}
    for path, moment in sorted(stamps.items(), key=lambda item: item[1]):
        age = now - moment
        if age < timedelta(days=DAILY_FOR_DAYS):
            newest_of[("day", moment.date())] = path
        if age < timedelta(weeks=WEEKLY_FOR_WEEKS):
            newest_of[("week", *moment.isocalendar()[:2])] = path
    kept.update(newest_of.values())
    if stamps:
        kept.add(max(stamps, key=lambda p: stamps[p]))
    return kept


def automatic_backup(store: Store, folder: Path, keep: int | None = None, now: datetime | None = None) -> BackupInfo:
    """A dated backup in ``folder`` (0700); older ones are kept by age (:func:`backups_to_keep`),
    or, when ``keep`` is given, only the newest ``keep``."""
    moment = now or datetime.now(timezone.utc)
    private_folder(folder)  # cathlog's own folder: 0700, tightened if an older version made it 0755
    info = backup_to(store, folder / f"cathlog-{moment.strftime('%Y%m%dT%H%M%SZ')}{BACKUP_SUFFIX}")
    backups = sorted(folder.glob(f"cathlog-*{BACKUP_SUFFIX}"))
    if keep is not None:
        doomed = backups[:-keep] if keep > 0 else []
    else:
        stamps = {p: t for p in backups if (t := _stamp(p)) is not None}
        kept = backups_to_keep(stamps, moment) | {info.path}
        doomed = [p for p in stamps if p not in kept]
    for old in doomed:
        with contextlib.suppress(OSError):
            old.unlink()
    return info


def latest_backup(folder: Path) -> Path | None:
    """The newest backup in ``folder`` that passes verification, if any."""
    for candidate in sorted(folder.glob(f"cathlog-*{BACKUP_SUFFIX}"), reverse=True):
        try:
            verify_file(candidate)
        except StoreError:
            continue
        return candidate
    return None


def restore(source: Path, live: Path, now: datetime | None = None) -> Path | None:
    """Replace the database at ``live`` with ``source``; returns where the old file was kept.

    The live database must be closed by the caller. Nothing is touched unless
    ``source`` verifies; the replaced file (and its WAL) is renamed, never deleted.
    """
    source, live = Path(source), Path(live)
    verify_file(source)
    live.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{live.name}.", suffix=".restore", dir=live.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        shutil.copyfile(source, tmp)
        _fsync(tmp)
        verify_file(tmp)
        kept = None
        if live.exists():
            with contextlib.suppress(sqlite3.DatabaseError):  # fold the WAL into the file being set aside
                conn = connect(live)
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.close()
            stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
            kept = live.with_name(f"{live.name}.replaced-{stamp}")
            os.replace(live, kept)
            for side in ("-wal", "-shm"):
                extra = Path(f"{live}{side}")
                if extra.exists():
                    os.replace(extra, Path(f"{kept}{side}"))
        os.replace(tmp, live)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):
        _fsync(live.parent)
    return kept
