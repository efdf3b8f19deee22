"""Writing files so that a crash or a full disk never leaves half a file
under the final name: write a temporary file beside it, flush and fsync,
then rename it into place (and fsync the folder, so the rename is durable).

Only regular files are ever replaced (:func:`check_target`): a device node,
a pipe, a socket, a folder or a symbolic link at the target is refused
before anything is written (``backup --out /dev/null`` once turned
``/dev/null`` into a regular file holding the whole database). Files are
created 0600 and cathlog's own folders 0700 (they hold patient data).

A leaf module: it imports only ``cathlog.domain.errors``, so every layer may use it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
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
