"""Where cathlog keeps its files by default (platformdirs: the per-user data
and log folders of each operating system)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path, user_log_path

from cathlog.store.keys import config_dir  # noqa: F401 - the store needs it too, and may not import this module

APP = "cathlog"


def default_db_path() -> Path:
    """``CATHLOG_DB`` if set, else ``cathlog.db`` in the user data folder."""
    env = os.environ.get("CATHLOG_DB")
    return Path(env) if env else user_data_path(APP, appauthor=False) / "cathlog.db"


def backup_dir(db_path: Path) -> Path:
    """Automatic backups live beside the database, in ``backups/``."""
    return db_path.parent / "backups"


def log_dir() -> Path:
    return user_log_path(APP, appauthor=False)

