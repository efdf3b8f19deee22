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
from cathlog.paths import default_db_path
from cathlog.services import Services

EXIT_OK, EXIT_FAIL = 0, 1


class CliError(CathlogError):
    """A problem with how the command was called."""


# --- helpers -------------------------------------------------------------------


def db_path(args: argparse.Namespace) -> Path:
    return Path(args.db) if args.db else default_db_path()


def open_services(args: argparse.Namespace, create: bool = False) -> Services:
    return Services.open(db_path(args), create=create)


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
