"""Where cathlog keeps its files by default (platformdirs: the per-user data
and log folders of each operating system), and keeping them private: the
data, backup and log folders 0700, the files in them 0600 (issue 13 item 8)."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path

from platformdirs import user_cache_path, user_config_path, user_data_path, user_log_path

from cathlog.fileio import (STALE_TEMP_AGE_S, private_file, private_folder, remove_dead_sessions,
                            remove_stale_temp_files, tighten_all)

APP = "cathlog"
log = logging.getLogger(__name__)


SERVER_URL_SCHEMES = ("postgresql://", "postgres://")


def is_server_url(target: object) -> bool:
    """Whether ``--db``/``CATHLOG_DB`` names a PostgreSQL server (``postgresql://...``) rather than a file."""
    return isinstance(target, str) and target.lower().startswith(SERVER_URL_SCHEMES)


def redacted_url(url: str) -> str:
    """A server URL without its password, fit for a window title, a log line or an error message."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def database_target(arg: str | None = None) -> str | Path:
    """The database ``--db`` names (``arg``), else ``CATHLOG_DB``, else the default file: a
    ``postgresql://`` URL stays the text it is (several rooms on one server, docs/multi-room.md);
    anything else is a file path."""
    chosen = arg or os.environ.get("CATHLOG_DB")
    if is_server_url(chosen):
        return str(chosen)
    return Path(chosen) if chosen else user_data_path(APP, appauthor=False) / "cathlog.db"


def default_db_path() -> Path:
    """``CATHLOG_DB`` if set (and a file), else ``cathlog.db`` in the user data folder."""
    env = os.environ.get("CATHLOG_DB")
    return Path(env) if env and not is_server_url(env) else user_data_path(APP, appauthor=False) / "cathlog.db"


def data_dir() -> Path:
    return user_data_path(APP, appauthor=False)


def backup_dir(db_path: Path) -> Path:
    """Automatic backups live beside the database, in ``backups/``."""
    return db_path.parent / "backups"


def log_dir() -> Path:
    return user_log_path(APP, appauthor=False)


def private_log_file(name: str) -> Path:
    """``name`` in the log folder, the folder made 0700 and the file 0600 before anything is written."""
    folder = private_folder(log_dir())
    return private_file(folder / name)


def prepare_data_folder(db_path: Path) -> Path:
    """Create the folder of a new database: 0700 for the folders it creates; cathlog's own data
    folder is tightened too, a folder the user chose is not."""
    folder = Path(db_path).parent
    return private_folder(folder, tighten_existing=_is_own(folder))


def _is_own(folder: Path) -> bool:
    try:
        return folder.resolve() == data_dir().resolve()
    except OSError:
        return False


def secure_existing(db_path: Path) -> list[Path]:
    """At start-up: tighten what an older cathlog left readable by others, with a note in the log.

    The backups folder beside the database and its backups, the log folder and its files, and the
    data folder when it is cathlog's own (a folder the user chose for the database keeps its mode;
    the database's own files are tightened when it is opened, ``store.files``)."""
    db_path = Path(db_path)
    folders, files = [], []
    if _is_own(db_path.parent) and db_path.parent.is_dir():
        folders.append(db_path.parent)
    backups = backup_dir(db_path)
    if backups.is_dir():
        folders.append(backups)
        files += [p for p in backups.iterdir() if p.is_file()]
    logs = log_dir()
    if logs.is_dir():
        folders.append(logs)
        files += [p for p in logs.iterdir() if p.is_file()]
    changed = tighten_all(files=files, folders=folders)
    for item in changed:
        log.warning("tightened the permissions of %s to owner-only: it holds patient data or its traces", item)
    return changed


def config_dir() -> Path:
    """``CATHLOG_CONFIG_DIR`` if set, else the user config folder (platformdirs):
    the audit key and the audit checkpoints live here, outside any database."""
    env = os.environ.get("CATHLOG_CONFIG_DIR")
    return Path(env) if env else user_config_path(APP, appauthor=False)


def temp_root() -> Path:
    """Where each GUI session keeps its private temporary folder (``fileio.SessionTemp``): the
    user's cache folder, not the shared system temp folder."""
    return user_cache_path(APP, appauthor=False) / "temp"


def remove_leftovers(db_path: Path) -> list[Path]:
    """At start-up, after the database is open: what killed or crashed runs left behind.

    Cleaned: cathlog's own hidden temporary files (``.NAME.XXXXXXXX.tmp``, older than
    ``fileio.STALE_TEMP_AGE_S``) in the database's folder and its ``backups/`` folder; the
    session folders of ended sessions under :func:`temp_root`; and the ``cathlog-print-*``
    folders earlier versions left in the system temp folder (this user's own, as old).
    Not cleaned: folders the user chose for exports, reports and backups (cathlog does not
    look there unasked), ``.replaced-*`` copies and backups (kept on purpose)."""
    db_path = Path(db_path)
    removed = remove_stale_temp_files(db_path.parent) + remove_stale_temp_files(backup_dir(db_path))
    removed += remove_dead_sessions(temp_root())
    removed += _old_print_folders()
    for item in removed:
        log.warning("removed %s, a temporary file an interrupted run of cathlog left", item)
    return removed


def _old_print_folders() -> list[Path]:
    removed: list[Path] = []
    try:
        candidates = [p for p in Path(tempfile.gettempdir()).glob("cathlog-print-*")]
    except OSError:
        return removed
    uid = getattr(os, "getuid", lambda: None)()
    for folder in candidates:
        try:
            info = folder.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or (uid is not None and info.st_uid != uid) \
                or time.time() - info.st_mtime < STALE_TEMP_AGE_S:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    return removed
