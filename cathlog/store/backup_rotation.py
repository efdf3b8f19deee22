"""Automatic backups and how long they are kept: a dated backup into cathlog's backup folder, the
newest of each day for 14 days and of each ISO week for 8 weeks, and the newest verified one found
at start-up (what restore offers first). Writing and verifying a backup is cathlog.store.backup's."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cathlog.domain.errors import StoreError
from cathlog.store.backup import BACKUP_SUFFIX, BackupInfo, backup_to, verify_file
from cathlog.store.db import Store
from cathlog.fileio import private_folder

DAILY_FOR_DAYS = 14
WEEKLY_FOR_WEEKS = 8


def backup_stamp(path: Path) -> datetime | None:
    """The UTC moment in an automatic backup's name; None for any other name."""
    try:
        return datetime.strptime(path.name[len("cathlog-"):len("cathlog-") + 16], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=timezone.utc)
    except ValueError:
        return None


def backups_to_keep(stamps: dict[Path, datetime], now: datetime) -> set[Path]:
    """Retention by age: the newest backup of each day for 14 days, of each ISO week for 8 weeks,
    and always the newest of all (even when the clock was wrong)."""
    kept: set[Path] = set()
    newest_of: dict[tuple[object, ...], Path] = {}
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
        stamps = {p: t for p in backups if (t := backup_stamp(p)) is not None}
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
