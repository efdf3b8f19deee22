"""Writing files so that a crash or a full disk never leaves half a file
under the final name: write a temporary file beside it, flush and fsync,
then rename it into place (and fsync the folder, so the rename is durable).

Only regular files are ever replaced (:func:`check_target`): a device node,
a pipe, a socket, a folder or a symbolic link at the target is refused
before anything is written (``backup --out /dev/null`` once turned
``/dev/null`` into a regular file holding the whole database). Files are
created 0600 and cathlog's own folders 0700 (they hold patient data).

Temporary files: a killed write can leave its hidden ``.NAME.XXXXXXXX.tmp``
beside the target; :func:`remove_stale_temp_files` removes those (that exact
pattern only) in cathlog's own folders at the next start. A session's own
temporary folder (:class:`SessionTemp`) is removed at exit, and those of
sessions that died at the next start (:func:`remove_dead_sessions`).

A leaf module: it imports only ``cathlog.domain.errors``, so every layer may use it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from cathlog.domain.errors import CathlogError, DiskFull

PRIVATE_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700
_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}


class UnsafeTarget(CathlogError, OSError):
    """The target of a write is not a regular file or a new name (a device, pipe, folder, link)."""


class WriteFailed(CathlogError, OSError):
    """A file could not be written; the message names it and why. Nothing was left under its name."""


class OutOfSpace(DiskFull, OSError):
    """The disk filled up while writing a file (not the database)."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
                       (stat.S_ISFIFO, "a pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return name
    return "not a regular file"


def check_target(path: str | Path, *, overwrite: bool = True) -> Path:
    """The one check before cathlog writes a file: ``path`` must be a new name in an existing
    folder, or (with ``overwrite``) an existing regular file. Raises UnsafeTarget otherwise."""
    target = Path(path)
    try:
        info = target.lstat()
    except FileNotFoundError:
        folder = target.parent if str(target.parent) else Path(".")
        if not folder.is_dir():
            raise UnsafeTarget(f"cannot write {target}: the folder {folder} does not exist") from None
        return target
    except OSError as exc:  # e.g. a name too long, or a component that is a file
        raise UnsafeTarget(f"cannot write {target}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeTarget(f"{target} is {_kind(info.st_mode)}, not a regular file; cathlog writes only "
                           "regular files: choose a file name")
    if not overwrite:
        raise UnsafeTarget(f"{target} exists; choose another name")
    return target


def write_error(exc: OSError, target: str | Path) -> CathlogError:
    """An OSError met while writing ``target``, as an error a person can act on."""
    if isinstance(exc, CathlogError):
        return exc
    if exc.errno in _NO_SPACE:
        return OutOfSpace(f"The disk is full: {target} was not written and nothing else was changed. "
                          "Free some space and try again.")
    return WriteFailed(f"{target} could not be written ({exc.strerror or exc}); nothing was left under its name.")


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """``with atomic_write(p) as fh: fh.write(...)``; on error the target is untouched.

    Refuses a target that is not a regular file or a new name; the file is created 0600.
    A full disk or another write error leaves as OutOfSpace / WriteFailed naming the file."""
    target = check_target(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)  # mode 0600
    except OSError as exc:
        raise write_error(exc, target) from exc
    binary = "b" in mode
    try:
        with os.fdopen(fd, mode, encoding=None if binary else encoding, newline=None if binary else "") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        check_target(target)  # again: something may have been put there meanwhile
        os.replace(tmp_name, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError) and not isinstance(exc, CathlogError):
            raise write_error(exc, target) from exc
        raise
    with contextlib.suppress(OSError):  # not every platform can fsync a directory
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# --- permissions: patient data is for this user only ----------------------------------------------


def tighten(path: str | Path, mode: int) -> bool:
    """Remove every permission bit of ``path`` beyond ``mode`` (never adds any); True if changed.

    Only regular files and folders, and never through a symbolic link."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        return False
    current = stat.S_IMODE(info.st_mode)
    wanted = current & mode
    if wanted == current:
        return False
    try:
        os.chmod(path, wanted)
    except OSError:
        return False
    return True


def tighten_all(files: Iterable[str | Path] = (), folders: Iterable[str | Path] = ()) -> list[Path]:
    """Files to 0600 and folders to 0700 at most; returns those that were looser."""
    changed = [Path(p) for p in files if tighten(p, PRIVATE_FILE_MODE)]
    return changed + [Path(p) for p in folders if tighten(p, PRIVATE_FOLDER_MODE)]


def private_folder(path: str | Path, *, tighten_existing: bool = True) -> Path:
    """Create ``path`` (and missing parents) 0700; an existing folder is tightened to 0700 when
    ``tighten_existing`` (cathlog's own folders) and left alone otherwise (a folder the user chose).
    Raises UnsafeTarget if something that is not a folder is in the way."""
    folder = Path(path)
    missing = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise UnsafeTarget(f"{probe} is not a folder")
    try:
        for new in reversed(missing):
            with contextlib.suppress(FileExistsError):
                os.mkdir(new, PRIVATE_FOLDER_MODE)
            tighten(new, PRIVATE_FOLDER_MODE)  # mkdir's mode is filtered by the umask only downwards
    except OSError as exc:
        raise WriteFailed(f"cannot create the folder {folder} ({exc.strerror or exc})") from exc
    if not folder.is_dir():
        raise UnsafeTarget(f"{folder} is not a folder")
    if tighten_existing and not missing:
        tighten(folder, PRIVATE_FOLDER_MODE)
    return folder


def private_file(path: str | Path) -> Path:
    """Create ``path`` empty and 0600 if it does not exist (so SQLite, which gives its -wal and -shm
    files the database's mode, and appending loggers inherit it); an existing file is tightened."""
    target = check_target(path)  # never a device, pipe or folder
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(target, flags, PRIVATE_FILE_MODE)
    except FileExistsError:  # pragma: no cover - O_CREAT without O_EXCL does not raise it
        pass
    except OSError as exc:
        raise write_error(exc, target) from exc
    else:
        os.close(fd)
    tighten(target, PRIVATE_FILE_MODE)
    return target


# --- temporary files: removed after use, and what a killed process left, at the next start ------------

# The names this module's atomic_write and the backups' temporary copies use: ``.NAME.XXXXXXXX.tmp``
# (tempfile.mkstemp: eight of a-z, 0-9, _), and what SQLite may leave beside such a copy.
_OWN_TEMP = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp(-wal|-shm|-journal)?$")
STALE_TEMP_AGE_S = 15 * 60  # younger ones may belong to a backup or export running in another window
SESSION_PREFIX = "session-"
_LOCK_NAME = ".lock"


def is_own_temp_name(name: str) -> bool:
    """True for a temporary name that cathlog itself makes (``.NAME.XXXXXXXX.tmp``), nothing else."""
    return bool(_OWN_TEMP.match(name))


def remove_stale_temp_files(folder: str | Path, *, older_than_s: float = STALE_TEMP_AGE_S,
                            now: float | None = None) -> list[Path]:
    """Remove cathlog's own hidden temporary files (``.NAME.XXXXXXXX.tmp``) in ``folder`` that a
    killed export, backup or report left, once they are older than ``older_than_s`` (a younger
    one may be another window's write in progress). Only regular files with exactly that name
    pattern, never through a link, never in sub-folders; returns what was removed."""
    removed: list[Path] = []
    now = time.time() if now is None else now
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not is_own_temp_name(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or now - info.st_mtime < older_than_s:
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


class SessionTemp:
    """A private (0700) temporary folder for this session, e.g. the PDFs handed to the system's
    viewer to print: created under ``root`` (0700), held by a lock while the session lives, and
    removed with everything in it by :meth:`close` (at exit). Folders of earlier sessions that
    ended without ``close`` (a crash, a kill) are removed by :func:`remove_dead_sessions`."""

    def __init__(self, root: str | Path):
        self.root = private_folder(root)
        self.path = Path(tempfile.mkdtemp(prefix=SESSION_PREFIX, dir=self.root))  # 0700
        self._lock: IO[str] | None = open(self.path / _LOCK_NAME, "w", encoding="utf-8")
        _try_lock(self._lock)

    def new_folder(self, prefix: str) -> Path:
        """A fresh 0700 sub-folder (one per print, so names never collide)."""
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self.path))

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        shutil.rmtree(self.path, ignore_errors=True)


def _try_lock(fh: IO[str]) -> bool:
    """An exclusive lock on an open file, without waiting; False if another process holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: an open file cannot be removed instead
        return True
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _session_ended(folder: Path, now: float) -> bool:
    lock = folder / _LOCK_NAME
    if os.name == "nt":  # pragma: no cover - a live session holds its lock file open: it cannot be removed
        try:
            os.unlink(lock)
        except FileNotFoundError:
            return now - folder.stat().st_mtime > 60
        except OSError:
            return False
        return True
    try:
        with open(lock, "r+", encoding="utf-8") as fh:
            return _try_lock(fh)  # the lock is released when fh closes: nobody else reuses the folder
    except FileNotFoundError:  # killed before its lock file existed, or being created right now
        return now - folder.stat().st_mtime > 60


def remove_dead_sessions(root: str | Path, *, keep: Path | None = None) -> list[Path]:
    """Remove the session folders under ``root`` whose session has ended (its lock is free), except
    ``keep``; a live session (another cathlog window) holds its lock and is left alone."""
    removed: list[Path] = []
    now = time.time()
    try:
        entries = [Path(e.path) for e in os.scandir(root)
                   if e.name.startswith(SESSION_PREFIX) and e.is_dir(follow_symlinks=False)]
    except OSError:
        return removed
    for folder in entries:
        if keep is not None and folder == keep:
            continue
        try:
            if not _session_ended(folder, now):
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    return removed
