"""The audit checkpoint: the last audit row (seq and hash) kept outside the
database, so a trail cut short (its last rows deleted) is noticed.

After every write transaction commits, :func:`save` writes the checkpoint to
a small file beside the user's settings (``<config>/checkpoints/<id>.json``,
one per database file, named by a hash of its resolved path), atomically
(temp file, rename). It never overwrites a checkpoint that the database no
longer contains (the evidence is kept) - except after a restore, which
resets it on purpose (``force``). Each verified backup carries one too
(:func:`stamp_backup`). :func:`problems` compares the database with both.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cathlog.paths import config_dir
from cathlog.store.db import connect

if TYPE_CHECKING:  # pragma: no cover
    from cathlog.store.db import Store

log = logging.getLogger(__name__)
BACKUP_SETTING = "audit_checkpoint"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    where: str  # "the checkpoint of <time>" / "backup <name> of <time>", for messages


def checkpoint_path(db_path: Path) -> Path:
    return _checkpoint_path(str(db_path), os.getcwd(), os.environ.get("CATHLOG_CONFIG_DIR"),
                            os.environ.get("XDG_CONFIG_HOME"), os.environ.get("HOME"))


@functools.lru_cache(maxsize=64)
def _checkpoint_path(db_path: str, _cwd: str, _config: str | None, _xdg: str | None, _home: str | None) -> Path:
    """Remembered by what it depends on (resolving the path and finding the config folder cost 0.3 ms a
    save, issue 18 item 2); a database file moved under the same name is caught by ``save``'s checks."""
    ident = hashlib.sha256(os.fsencode(Path(db_path).resolve())).hexdigest()[:24]
    return config_dir() / "checkpoints" / f"{ident}.json"


# What this process last wrote to each checkpoint file: (seq, hash, the file's stat signature). While the
# file's signature is unchanged it still holds that, so a save need not read it back (issue 18 item 2).
_written: dict[Path, tuple[Checkpoint, tuple[int, int, int]]] = {}


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


@functools.lru_cache(maxsize=64)
def _resolved(db_path: str, _cwd: str) -> str:
    return str(Path(db_path).resolve())


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _last(conn: sqlite3.Connection) -> tuple[int, str] | None:
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else None


def _parse(text: str, where: str) -> Checkpoint:
    data = json.loads(text)
    seq, digest, at = data["seq"], data["hash"], data["at"]
    if not (isinstance(seq, int) and isinstance(digest, str) and isinstance(at, str)):
        raise ValueError("wrong types")
    return Checkpoint(seq, digest, at, where.format(at=at))


def read(db_path: Path) -> Checkpoint | None:
    """The file checkpoint of this database; None if there is none. Raises ValueError if unreadable."""
    try:
        text = checkpoint_path(db_path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ValueError(str(exc)) from None
    try:
        return _parse(text, "the checkpoint of {at}")
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"damaged ({exc})") from None


def compare(conn: sqlite3.Connection, cp: Checkpoint) -> str | None:
    """What is wrong with the trail in the light of ``cp``; None if it contains it."""
    row = conn.execute("SELECT hash FROM audit WHERE seq = ?", [cp.seq]).fetchone()
    if row is not None and row[0] == cp.hash:
        return None
    last = _last(conn)
    last_seq = last[0] if last else 0
    if row is None and last_seq < cp.seq:
        return (f"audit trail is shorter than {cp.where}: rows seq {last_seq + 1}..{cp.seq} are missing "
                f"(the trail ends at seq {last_seq})")
    return f"audit row {cp.seq} differs from {cp.where}: the trail was re-made or replaced outside cathlog"


def _write(path: Path, data: dict[str, Any]) -> tuple[int, int, int]:
    """Write atomically; the written file's signature (taken from the file itself before the rename,
    which keeps its inode, size and mtime, so a writer racing in between is not mistaken for us)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
            fh.flush()
            st = os.fstat(fh.fileno())
        os.replace(tmp, path)
        return st.st_ino, st.st_size, st.st_mtime_ns
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def save(store: Store, *, force: bool = False) -> None:
    """Record the trail's last row outside the database (after a commit).

    Keeps an existing checkpoint the trail no longer contains (unless
    ``force``: a restore replaces the trail on purpose). Never raises for a
    file it cannot write: the entry is already saved; the failure is logged."""
    if store.path is None:
        return
    conn = store.db.conn
    try:
        last = _last(conn)
        if last is None:
            return
        path = checkpoint_path(store.path)
        if not force:
            mine = _written.get(path)
            if mine is not None and _signature(path) == mine[1]:
                cp: Checkpoint | None = mine[0]
            else:
                try:
                    cp = read(store.path)
                except ValueError:
                    cp = None  # a damaged checkpoint is replaced
            if cp is not None:
                if (cp.seq, cp.hash) == last:
                    return
                problem = compare(conn, cp)
                if problem:
                    log.warning("audit checkpoint kept, not overwritten: %s", problem)
                    return
        at = _now()
        signature = _write(path, {"seq": last[0], "hash": last[1], "at": at,
                                  "database": _resolved(str(store.path), os.getcwd())})
        _written[path] = (Checkpoint(last[0], last[1], at, f"the checkpoint of {at}"), signature)
    except (OSError, sqlite3.Error) as exc:
        log.warning("could not write the audit checkpoint: %s", exc)


def stamp_backup(dest: sqlite3.Connection, store: Store) -> None:
    """Put the checkpoint (the trail's last row at backup time) into a backup copy."""
    last = _last(store.db.conn)
    if last is None:
        return
    value = json.dumps({"seq": last[0], "hash": last[1], "at": _now()})
    dest.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [BACKUP_SETTING, value])
    dest.commit()


def from_backup(path: Path) -> Checkpoint | None:
    """The checkpoint a backup carries, or None (older backups, unreadable files)."""
    try:
        conn = connect(path, read_only=True)
        try:
            row = conn.execute("SELECT value FROM settings WHERE key = ?", [BACKUP_SETTING]).fetchone()
        finally:
            conn.close()
        return _parse(row[0], f"backup {path.name} of {{at}}") if row else None
    except (sqlite3.Error, ValueError, KeyError, TypeError):
        return None


def _last_restore_at(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT max(at) FROM audit WHERE action = 'restore'").fetchone()
    return row[0] or ""


def problems(store: Store, backup_folder: Path | None = None) -> list[str]:
    """Compare the trail with the file checkpoint and with the newest stamped backup
    in ``backup_folder`` made since the last restore (a restore rolls the trail back on purpose)."""
    if store.path is None:
        return []
    conn = store.db.conn
    found: list[str] = []
    try:
        cp = read(store.path)
    except ValueError as exc:
        found.append(f"the audit checkpoint file {checkpoint_path(store.path)} cannot be read: {exc}")
        cp = None
    if cp is not None:
        problem = compare(conn, cp)
        if problem:
            found.append(problem)
    if backup_folder is not None and Path(backup_folder).is_dir():
        since = _last_restore_at(conn)
        for candidate in sorted(Path(backup_folder).glob("*.db"), reverse=True):
            bcp = from_backup(candidate)
            if bcp is None:
                continue
            if bcp.at > since:  # a backup from before the last restore may hold rows the restore rolled back
                problem = compare(conn, bcp)
                if problem:
                    found.append(problem)
            break
    return found


def startup_problems(store: Store) -> list[str]:
    """:func:`problems` against the file checkpoint only, for start-up: never raises
    (a damaged file is the background integrity check's to report)."""
    try:
        return problems(store)
    except (sqlite3.Error, UnicodeDecodeError, OSError):
        return []
