"""Putting a restored file at the live path so that a kill at any moment is
recoverable, and finishing a restore a kill interrupted.

Used only when the live file cannot be opened (a damaged header: the
restore offered at start-up). The normal restore writes into the open
database through SQLite's backup API and needs none of this (see
``cathlog.store.backup.restore_into``): SQLite's own journal rolls an
interrupted copy back.

The order here: the verified replacement is staged beside the live file and
the live file (and its WAL) are *copied* to the kept name first; then a small
journal naming the staged file is written; then the live WAL is removed and
the staged file renamed over the live one in one step; then the journal is
removed. The live path always holds a database. A kill before the journal
exists leaves the live file untouched; a kill after it is finished by
:func:`finish_interrupted_restore`, which ``Store.open`` runs before anything
else touches the file.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path


def journal_path(live: Path) -> Path:
    return live.with_name(f".{live.name}.restore-journal")


def fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can fsync a directory
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def replace_live(live: Path, staged: Path) -> None:
    """Put the verified, synced ``staged`` file at ``live``; the caller kept copies of the old one."""
    if staged.parent != live.parent:
        raise ValueError("the staged file must sit beside the live one")
    journal = journal_path(live)
    tmp = journal.with_name(journal.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:  # complete or absent: written aside, synced, renamed
        json.dump({"staged": staged.name}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, journal)
    fsync_dir(live.parent)
    _complete(live, staged)


def _complete(live: Path, staged: Path) -> None:
    # The old WAL belongs to the old file: replayed onto the new one it would corrupt it.
    for side in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{live}{side}").unlink()
    os.replace(staged, live)
    fsync_dir(live.parent)
    with contextlib.suppress(FileNotFoundError):
        journal_path(live).unlink()
    fsync_dir(live.parent)


def finish_interrupted_restore(live: Path) -> str | None:
    """Complete a restore a kill interrupted; returns what was done, or None if there was none."""
    journal = journal_path(live)
    if not journal.exists():
        return None
    try:
        name = json.loads(journal.read_text(encoding="utf-8"))["staged"]
    except (ValueError, KeyError, TypeError, OSError):
        name = None
    staged = live.with_name(name) if isinstance(name, str) and name.startswith(".") and "/" not in name \
        and "\\" not in name else None
    if staged is not None and staged.is_file():
        _complete(live, staged)
        return f"an interrupted restore of {live.name} was completed"
    journal.unlink()  # the rename had happened; only the journal was left
    fsync_dir(live.parent)
    return None if staged is not None else f"an unreadable restore journal beside {live.name} was removed"
