"""The files that hold a database's patient data, and keeping them private (issue 13 item 8).

A database ``cathlog.db`` comes with ``cathlog.db-wal`` and ``-shm`` (SQLite gives
them the database's mode), ``cathlog.db.pre-migration-vN.bak`` copies and
``cathlog.db.replaced-STAMP`` files kept by a restore. All are made 0600; an
existing looser one is tightened when the database is opened, with a note in the log.
"""

from __future__ import annotations

import logging
from pathlib import Path

from cathlog.fileio import tighten_all

log = logging.getLogger(__name__)


def database_files(path: Path) -> list[Path]:
    """Every file beside ``path`` that holds a copy of its data."""
    path = Path(path)
    found = [path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")]
    for pattern in (f"{path.name}.pre-migration-v*.bak", f"{path.name}.replaced-*"):
        found += sorted(path.parent.glob(pattern.replace("[", "[[]")))
    return [p for p in found if p.exists()]


def secure_database(path: Path) -> list[Path]:
    """Tighten the database's files to 0600; returns (and logs) those that were looser."""
    changed = tighten_all(files=database_files(path))
    for item in changed:
        log.warning("tightened the permissions of %s to owner-only (0600): it holds patient data", item)
    return changed
