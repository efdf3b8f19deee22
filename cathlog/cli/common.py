"""What every command shares: opening the database, signing in, dates, tables."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor
from cathlog.paths import backup_dir, database_target, redacted_url
from cathlog.services import Services

EXIT_OK, EXIT_FAIL = 0, 1


class CliError(CathlogError):
    """A problem with how the command was called."""


# --- helpers -------------------------------------------------------------------


def db_target(args: argparse.Namespace) -> str | Path:
    """The database ``--db``/``CATHLOG_DB`` names: a file path, or a ``postgresql://`` URL."""
    return database_target(args.db)


def db_label(args: argparse.Namespace) -> str:
    """The database as a message names it (a server's URL without its password)."""
    target = db_target(args)
    return redacted_url(target) if isinstance(target, str) else str(target)


def db_path(args: argparse.Namespace) -> Path:
    """The database file, for the commands that work on the file itself (backup, restore, the HL7 listener)."""
    target = db_target(args)
    if isinstance(target, str):
        raise CliError("this command works on a database file; on a PostgreSQL server the lab's IT uses "
                       "pg_dump and the server's own tools (docs/multi-room.md)")
    return target


def backup_folder(args: argparse.Namespace) -> Path | None:
    """Where the automatic backups of the database file are (None on a server: pg_dump's, not cathlog's)."""
    target = db_target(args)
    return None if isinstance(target, str) else backup_dir(target)


_opened: list[Services] = []


def open_services(args: argparse.Namespace, create: bool = False) -> Services:
    services = Services.open(db_target(args), create=create)
    _opened.append(services)
    return services


def close_opened() -> None:
    """Close what the command opened (a server connection is ended cleanly, not dropped at exit)."""
    while _opened:
        _opened.pop().close()


def ask_password(prompt: str, env: str = "CATHLOG_PASSWORD", confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin or not sys.stdin.isatty():
        raise CliError(f"no password: set {env} or run in a terminal to be asked")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Again: ") != first:
        raise CliError("the two passwords differ")
    return first


def sign_in(args: argparse.Namespace, services: Services) -> Actor:
    username = args.user or os.environ.get("CATHLOG_USER")
    if not username:
        raise CliError("who is this? give --user NAME or set CATHLOG_USER")
    return services.auth.sign_in(username, ask_password(f"Password for {username}: "))


def utc_day(text: str | None, flag: str) -> str | None:
    if text is None:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise CliError(f"{flag} {text!r} is not a date written YYYY-MM-DD") from None
    return day.strftime("%Y-%m-%dT%H:%M:%SZ")


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    cells = [list(map(str, header))] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
