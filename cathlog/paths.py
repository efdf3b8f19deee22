"""Where cathlog keeps its files by default (platformdirs: the per-user data
and log folders of each operating system)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_path, user_data_path, user_log_path

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



def config_dir() -> Path:
    """``CATHLOG_CONFIG_DIR`` if set, else the user config folder (platformdirs):
    the audit key and the audit checkpoints live here, outside any database."""
    env = os.environ.get("CATHLOG_CONFIG_DIR")
    return Path(env) if env else user_config_path(APP, appauthor=False)
