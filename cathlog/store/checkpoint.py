"""The audit checkpoint: the last audit row (seq and hash) kept outside the
database, so a trail cut short (its last rows deleted) is noticed.

After every write transaction commits, :func:`save` writes the checkpoint to
a small file beside the user's settings (``<config>/checkpoints/<id>.json``,
one per database file, named by a hash of its resolved path). It never
overwrites a checkpoint that the database no longer contains (the evidence is
kept) - except after a restore, which resets it on purpose (``force``). Each
verified backup carries one too (:func:`stamp_backup`). :func:`problems`
compares the database with both.

The file holds two slots, two lines of the same width (JSON padded with
spaces), each with a digest of its own fields (``check``). A save rewrites the
older slot in place (no temporary file, no rename: the rename after each
commit was most of the checkpoint's cost on a save, issue 18 item 2), so the
newer slot is intact whatever happens to the write: a torn slot fails its
digest and the reader takes the other. The checkpoint is the valid slot with
the higher seq. A new file, a file of another shape (one JSON object, as
older cathlogs wrote, or a slot too narrow for the next line) and a reset
are written whole, atomically (temp file, rename).
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
from cathlog.store.sqlite_file import connect

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


SLOT_WIDTH_STEP = 256  # a slot's width (bytes, with its newline) is a multiple of this


@functools.lru_cache(maxsize=64)
def _resolved(db_path: str, _cwd: str) -> str:
    return str(Path(db_path).resolve())


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _last(conn: sqlite3.Connection) -> tuple[int, str] | None:
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else None


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _check(fields: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical(fields)).hexdigest()[:32]


def _from_json(data: Any, where: str) -> Checkpoint:
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if "check" in data:  # a slot: its own digest must match (a torn write does not)
        fields = {k: v for k, v in data.items() if k != "check"}
        if data["check"] != _check(fields):
            raise ValueError("its check digest does not match (a torn or edited write)")
    seq, digest, at = data["seq"], data["hash"], data["at"]
    if not (isinstance(seq, int) and isinstance(digest, str) and isinstance(at, str)):
        raise ValueError("wrong types")
    return Checkpoint(seq, digest, at, where.format(at=at))


def _parse(text: str, where: str) -> Checkpoint:
    return _from_json(json.loads(text), where)


@dataclass(frozen=True)
class _File:
    """A checkpoint file as found: its checkpoint, and where a save may write in place."""

    checkpoint: Checkpoint
    width: int | None  # the width of each of its two slots; None: not two slots of one width (written whole)
    newest_slot: int  # the slot that holds ``checkpoint``
    raw: bytes  # the whole file


# What this process last wrote to each checkpoint file, as a whole: while the file's bytes are these, a save
# need not parse it again nor compare it with the trail; any other content is read and compared (issue 18).
_written: dict[Path, _File] = {}


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ValueError(str(exc)) from None


def _load(path: Path) -> _File | None:
    """The file's checkpoint and layout; None if there is no file. ValueError if no slot is readable."""
    raw = _read_bytes(path)
    return None if raw is None else _decode(raw)


def _decode(raw: bytes) -> _File:
    where = "the checkpoint of {at}"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")  # a slot may still be readable
    try:
        whole = json.loads(text)  # one object: an older cathlog's file, or a slot file with one slot used
    except ValueError:
        whole = None
    if isinstance(whole, dict) and "check" not in whole:
        return _File(_from_json(whole, where), None, 0, raw)
    lines = raw.split(b"\n")
    slots = lines[:-1] if lines and lines[-1] == b"" else lines
    width = len(slots[0]) + 1 if len(slots) == 2 and len(slots[0]) == len(slots[1]) else None
    found: list[tuple[int, Checkpoint]] = []
    errors: list[str] = []
    for i, line in enumerate(slots):
        if not line.strip():
            continue  # a slot not used yet
        try:
            found.append((i, _parse(line.decode("utf-8"), where)))
        except (ValueError, KeyError, TypeError) as exc:
            errors.append(str(exc))
    if not found:
        raise ValueError(errors[0] if errors else "empty")
    newest, cp = max(found, key=lambda f: f[1].seq)
    return _File(cp, width, newest, raw)


def read(db_path: Path) -> Checkpoint | None:
    """The file checkpoint of this database; None if there is none. Raises ValueError if unreadable."""
    try:
        found = _load(checkpoint_path(db_path))
    except ValueError as exc:
        raise ValueError(f"damaged ({exc})") from None
    return found.checkpoint if found is not None else None


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


def _line(fields: dict[str, Any]) -> bytes:
    """The fields and their check digest, as one line of JSON (without the newline)."""
    return _canonical({**fields, "check": _check(fields)})


def _slot(line: bytes, width: int) -> bytes:
    """``line`` padded with spaces to ``width`` bytes, the newline included."""
    return line + b" " * (width - 1 - len(line)) + b"\n"


def _written_file(fields: dict[str, Any], width: int, slot: int, raw: bytes) -> _File:
    at = fields["at"]
    return _File(Checkpoint(fields["seq"], fields["hash"], at, f"the checkpoint of {at}"), width, slot, raw)


def _write_whole(path: Path, fields: dict[str, Any]) -> _File:
    """A new file of two slots, the first holding ``fields``: atomically (temp file, rename)."""
    line = _line(fields)
    width = -(-(len(line) + 1 + 64) // SLOT_WIDTH_STEP) * SLOT_WIDTH_STEP  # room for a longer seq and time
    raw = _slot(line, width) + _slot(b"", width)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return _written_file(fields, width, 0, raw)


def _write(path: Path, fields: dict[str, Any], found: _File | None) -> _File:
    """Write ``fields`` over the older slot of ``found`` in place, or the whole file when it has no room;
    the file as it now is."""
    line = _line(fields)
    if found is None or found.width is None or len(line) > found.width - 1:
        return _write_whole(path, fields)
    width, slot = found.width, 1 - found.newest_slot
    line = _slot(line, width)
    fd = os.open(path, os.O_WRONLY | getattr(os, "O_BINARY", 0))  # never created here: it was just read
    try:
        os.lseek(fd, slot * width, os.SEEK_SET)
        if os.write(fd, line) != len(line):  # pragma: no cover - a short write to a local file: disk full
            raise OSError("short write")
    finally:
        os.close(fd)
    return _written_file(fields, width, slot, found.raw[:slot * width] + line + found.raw[(slot + 1) * width:])


def save(store: Store, *, force: bool = False) -> None:
    """Record the trail's last row outside the database (after a commit).

    Keeps an existing checkpoint the trail no longer contains (unless
    ``force``: a restore replaces the trail on purpose, and the file is written
    whole). Never raises for a file it cannot write: the entry is already
    saved; the failure is logged."""
    if store.path is None:
        return
    conn = store.db.conn
    try:
        last = _last(conn)
        if last is None:
            return
        path = checkpoint_path(store.path)
        found: _File | None
        try:
            raw = _read_bytes(path)
            mine = _written.get(path)
            ours = mine is not None and raw == mine.raw  # as this process left it: nothing to parse or compare
            found = mine if ours else (None if raw is None else _decode(raw))
        except ValueError:
            found, ours = None, False  # a damaged checkpoint is replaced
        if force:
            found = None
        elif found is not None:
            cp = found.checkpoint
            if (cp.seq, cp.hash) == last:
                return
            if not ours:  # another program wrote it: is it in the trail?
                problem = compare(conn, cp)
                if problem:
                    log.warning("audit checkpoint kept, not overwritten: %s", problem)
                    return
        _written[path] = _write(path, {"seq": last[0], "hash": last[1], "at": _now(),
                                       "database": _resolved(str(store.path), os.getcwd())}, found)
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
