"""What the restore screen shows of each backup, read from the backup files read-only,
and what the live database holds that a backup does not.

A backup's moment is the time in an automatic backup's name, else the
checkpoint stamped into it when it was written (``checkpoint.stamp_backup``),
else the newest audit row inside it, else the file's modification time.

What a restore loses is what the live trail holds after the backup's newest
audit row: found by its sequence number and hash when the live trail holds
that very row (the backup is of this database), else by its time. Only
base tables are read (never a view, which a crafted file could redefine), and
nothing is written to the file; a file that cannot be read is listed with the
reason instead of its counts.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cathlog.store import checkpoint
from cathlog.store.backup import BACKUP_SUFFIX
from cathlog.store.backup_rotation import backup_stamp
from cathlog.store.db import Store
from cathlog.store.sqlite_file import connect
from cathlog.store.errors import translated
from cathlog.store.schema import APPLICATION_ID


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    size_bytes: int
    taken_at: str  # UTC ISO 8601: when the content was copied
    taken_from: str  # how taken_at is known: "checkpoint", "file name", "audit trail", "file time"
    cases: int | None  # None when the file could not be read
    entries: int | None  # log entries (first versions) in it
    problem: str | None = None  # why the counts are missing
    last_seq: int | None = None  # the newest audit row inside the backup: where the live trail goes on
    last_hash: str | None = None
    last_at: str | None = None
    read: bool = False  # False: only the file's name, size and time were looked at (first_look)


@dataclass(frozen=True)
class SinceBackup:
    """The audited actions of the live database after ``since`` (what a restore to that moment loses)."""

    since: str  # the moment compared against (UTC ISO 8601)
    exact: bool  # True: the live trail holds the backup's newest row, so the rows after it are exactly what is lost
    actions: dict[str, int]  # audit action -> how many rows after ``since``
    cases: int  # distinct cases those rows touch
    rows: int  # audit rows after ``since``


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def backup_files(folder: Path) -> list[Path]:
    """The automatic backups in ``folder`` and any other ``*.db`` beside them, newest name first."""
    if not folder.is_dir():
        return []
    found = {p for p in folder.glob(f"*{BACKUP_SUFFIX}")} | {p for p in folder.glob("*.db") if p.is_file()}
    return sorted((p for p in found if p.is_file()), key=lambda p: p.name, reverse=True)


def _moment(path: Path) -> tuple[str, str]:
    stamp = backup_stamp(path)
    if stamp is not None:
        return _utc(stamp), "file name"
    return _utc(datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)), "file time"


def first_look(path: Path) -> BackupSummary:
    """Size and moment from the file system and the name only (instant; no counts): what a list
    shows while :func:`summarise` reads each file."""
    path = Path(path)
    taken, source = _moment(path)
    return BackupSummary(path, path.stat().st_size, taken, source, None, None)


def summarise(path: Path) -> BackupSummary:
    """Size, moment, cases and entries of one backup file, read-only (see the module doc)."""
    path = Path(path)
    size = path.stat().st_size
    taken: str | None = None
    source = ""
    if (stamp := backup_stamp(path)) is not None:
        taken, source = _utc(stamp), "file name"
    elif (mark := checkpoint.from_backup(path)) is not None:
        taken, source = mark.at, "checkpoint"
    cases = entries = None
    last: tuple[int, str, str] | None = None
    problem = None
    try:
        conn = connect(path, read_only=True)
        try:
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                raise sqlite3.DatabaseError("not a cathlog database")
            cases = conn.execute("SELECT count(*) FROM procedure_versions WHERE version = 1").fetchone()[0]
            entries = conn.execute("SELECT count(*) FROM event_versions WHERE version = 1").fetchone()[0]
            last = conn.execute("SELECT seq, hash, at FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
            if taken is None and last is not None:
                taken, source = str(last[2]), "audit trail"
        finally:
            conn.close()
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        problem = f"cannot be read ({exc})"
    if taken is None:
        taken, source = _moment(path)
    seq, digest, at = last if last is not None else (None, None, None)
    return BackupSummary(path, size, taken, source, cases, entries, problem, seq, digest, at, read=True)


@translated
def recorded_since(store: Store, backup: BackupSummary) -> SinceBackup:
    """The live database's audit rows after ``backup``'s newest one, counted by action, and the
    cases they touch. Every change is audited, so this is what was recorded since.

    After the very row when the live trail holds it (same sequence number and hash), else
    after its time (or the backup's moment). Walks the trail backwards from its newest row
    and stops at the first row not after that point, so a recent backup costs a few rows."""
    conn = store.db.conn
    exact = backup.last_seq is not None and conn.execute(
        "SELECT 1 FROM audit WHERE seq = ? AND hash = ?", [backup.last_seq, backup.last_hash]).fetchone() is not None
    since = backup.last_at or backup.taken_at
    actions: dict[str, int] = {}
    cases: set[str] = set()
    rows = 0
    cursor = conn.execute("SELECT seq, at, action, procedure_id FROM audit ORDER BY seq DESC")
    try:
        for seq, at, action, procedure_id in cursor:
            if (seq <= (backup.last_seq or 0)) if exact else (at <= since):
                break
            rows += 1
            actions[action] = actions.get(action, 0) + 1
            if procedure_id:
                cases.add(procedure_id)
    finally:
        cursor.close()
    return SinceBackup(since, exact, actions, len(cases), rows)
