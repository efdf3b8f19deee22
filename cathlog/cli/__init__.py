"""The admin and automation command line: ``python -m cathlog COMMAND``.

Every command has ``--help``. The database is ``--db PATH`` or
``CATHLOG_DB``, else the default file in the user data folder. Commands that
read or change patient data sign in a user (``--user``/``CATHLOG_USER``,
password from ``CATHLOG_PASSWORD`` or a prompt) and are audited. Exit status
0 on success; on failure 1 with a one-line reason, never a traceback (an
unexpected error's traceback goes to the log file it names).
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from cathlog import __version__
from cathlog.cli.admin import (cmd_audit, cmd_backup, cmd_check, cmd_demo, cmd_init, cmd_recover_admin, cmd_restore,
                               cmd_migrate_db, cmd_server_install, cmd_users)
from cathlog.cli.common import EXIT_FAIL, CliError, close_opened
from cathlog.cli.dose import add_parsers as add_dose_parsers
from cathlog.cli.mwl import add_parser as add_worklist_parser
from cathlog.cli.hl7 import cmd_hl7_listen, cmd_hl7_send
from cathlog.cli.records import cmd_cases, cmd_export, cmd_import, cmd_reminders, cmd_reopen, cmd_report
from cathlog.cli.settings import cmd_settings
from cathlog.domain.enums import Role
from cathlog.domain.errors import CathlogError
from cathlog.paths import private_log_file

__all__ = ["CliError", "build_parser", "main"]


# --- parser and entry point ----------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cathlog", description="cathlog: cath-lab procedure logger (admin CLI).")
    parser.add_argument("--version", action="version", version=f"cathlog {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH|URL", help="database file, or postgresql://ROLE@HOST/DB for a lab's "
                        "server (docs/multi-room.md) (default: $CATHLOG_DB or the user data folder)")
    auth = argparse.ArgumentParser(add_help=False)
    auth.add_argument("--user", metavar="NAME", help="sign in as NAME (default: $CATHLOG_USER); "
                      "password from $CATHLOG_PASSWORD or a prompt")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str, signs_in: bool = True):
        p = sub.add_parser(name, help=help_, description=help_, parents=[common] + ([auth] if signs_in else []))
        p.set_defaults(func=func)
        return p

    p = add("init", cmd_init, "create a database and its first admin", signs_in=False)
    p.add_argument("--admin", required=True, metavar="NAME", help="user name of the first admin")
    p.add_argument("--display-name", help="the admin's full name")

    p = add("users", cmd_users, "add, list, disable, enable users; set role; reset password")
    p.add_argument("action", choices=["add", "list", "disable", "enable", "set-role", "reset-password"])
    p.add_argument("name", nargs="?", help="the user to act on")
    p.add_argument("--role", choices=[r.value for r in Role])
    p.add_argument("--display-name", help="full name of a new user")
    p.add_argument("--reason", help="why (kept in the audit trail)")

    p = add("settings", cmd_settings, "list the lab's settings (name, phone, FHIR identity); an admin sets one")
    p.add_argument("action", choices=["list", "set"])
    p.add_argument("key", nargs="?", metavar="KEY", help="the setting to set (see 'settings list')")
    p.add_argument("value", nargs="?", metavar="VALUE", help="its new value (checked; a bad one is refused)")
    p.add_argument("--reason", help="why (kept in the audit trail)")

    p = add("demo", cmd_demo, "fill the database with realistic synthetic cases of every category")
    p.add_argument("--procedures", type=int, default=25, metavar="N", help="how many (default 25)")
    p.add_argument("--seed", type=int, help="random seed, for the same cases every time")

    p = add("cases", cmd_cases, "list procedures with their id, date, MRN, category and status")
    p.add_argument("--format", choices=["table", "csv"], default="table")
    p.add_argument("--search", help="MRN, name, operator or id (matched literally)")
    p.add_argument("--status", choices=["open", "closed", "signed"])
    p.add_argument("--limit", type=_bounded(1, 1_000_000), default=500)

    add_worklist_parser(add)

    p = add("reopen", cmd_reopen, "reopen a closed case so its log can be changed again (audited, with a reason)")
    p.add_argument("procedure_id", metavar="CASE_ID")
    p.add_argument("--reason", metavar="TEXT", help="why the case is reopened (required; kept in the audit trail)")

    p = add("import", cmd_import, "import procedure records (JSON); all-or-nothing per file")
    p.add_argument("files", nargs="+", metavar="FILE")

    p = add("export", cmd_export, "export procedure records")
    p.add_argument("--format", choices=["json", "csv", "xlsx", "fhir"], required=True,
                   help="json: cathlog's record format (docs/record-format.md); csv: a zip of one CSV per table; "
                        "xlsx: one sheet per table; fhir: an HL7 FHIR R4 Bundle")
    p.add_argument("--overwrite", action="store_true", help="replace an existing file of that name")
    p.add_argument("--deidentify", action="store_true",
                   help="HIPAA Safe Harbor: names, MRNs, exact dates, device serials and free text removed; "
                        "stable pseudonymous ids")
    p.add_argument("--category", choices=["coronary", "peripheral_arterial", "venous"])
    p.add_argument("--status", choices=["open", "closed", "signed"])
    p.add_argument("--operator", metavar="NAME", help="cases with this team member (part of the name)")
    p.add_argument("--out", required=True, metavar="PATH")
    p.add_argument("--since", metavar="DATE", help="procedures started on or after DATE (YYYY-MM-DD, UTC)")
    p.add_argument("--until", metavar="DATE", help="procedures started before DATE (YYYY-MM-DD, UTC)")

    p = add("report", cmd_report, "write a procedure's PDF reports (summary, follow-up plan, patient sheet)")
    p.add_argument("procedure_id", metavar="PROCEDURE_ID")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the PDFs into")
    p.add_argument("--kind", choices=["summary", "followup", "patient"], help="only this report (default: all)")

    p = add("reminders", cmd_reminders, "accepted follow-up reminders due before a date, across all patients")
    p.add_argument("--due-before", required=True, metavar="DATE", help="YYYY-MM-DD")
    p.add_argument("--format", choices=["table", "csv"], default="table")

    add_dose_parsers(add, _bounded)

    p = add("backup", cmd_backup, "write a verified copy of the database (temporary file, sync, check, rename)")
    p.add_argument("--out", required=True, metavar="PATH")

    p = add("restore", cmd_restore, "replace the database with a verified backup; the replaced file is kept")
    p.add_argument("source", metavar="PATH")

    p = add("audit", cmd_audit, "print the audit trail as CSV (or write it to --out), or --verify its hash chain")
    p.add_argument("--out", metavar="PATH", help="write the CSV to this new file (atomically) instead of printing it")
    p.add_argument("--verify", action="store_true", help="check the hash chain and name the first broken row")
    p.add_argument("--procedure", metavar="ID", help="only this case")
    p.add_argument("--by", metavar="USER", help="only this user's actions")

    p = add("server-install", cmd_server_install, "the lab's IT: install or update cathlog's schema on a PostgreSQL "
            "server, as its owner role (--db postgresql://OWNER@HOST/DB); docs/multi-room.md", signs_in=False)
    p.add_argument("--runtime-role", required=True, metavar="ROLE",
                   help="the role the workstations connect as: it may only read and append the record")

    p = add("migrate-db", cmd_migrate_db, "move a lab's record from its database file to an empty PostgreSQL "
            "database (as the owner role), or from the server back into a new file; then verify it there; "
            "docs/multi-room.md")
    p.add_argument("--from", dest="source", required=True, metavar="FILE|URL",
                   help="the database file, or the server's postgresql://ROLE@HOST/DB")
    p.add_argument("--to", required=True, metavar="URL|FILE",
                   help="postgresql://OWNER@HOST/DB (empty, schema installed), or a new database file")

    p = add("check", cmd_check, "check the integrity of the database, the audit chain and the search index",
            signs_in=False)
    p.add_argument("--rebuild-search", action="store_true",
                   help="first rebuild the case search index from the records (derived data)")

    p = add("hl7-listen", cmd_hl7_listen, "run the HL7 ADT listener (and the report sender) until stopped; an admin")
    p.add_argument("--host", metavar="ADDRESS", help="bind this address (default: Settings hl7.listen_host)")
    p.add_argument("--port", type=_bounded(0, 65535), metavar="N",
                   help="listen on this port, 0 for any free one (default: Settings hl7.listen_port)")
    p.add_argument("--no-send", action="store_true", help="do not run the report sender")
    p.add_argument("--stop-after", type=_bounded(1, 10_000_000), metavar="S",
                   help="stop after S seconds (default: run until Ctrl+C or SIGTERM)")

    p = add("hl7-send", cmd_hl7_send, "run the HL7 report sender (the outbox) until stopped; an admin")
    p.add_argument("--once", action="store_true", help="one pass: build and send what is due, print each state")
    p.add_argument("--poll", type=_bounded(1, 3600), default=2, metavar="S", help="seconds between passes (default 2)")
    p.add_argument("--stop-after", type=_bounded(1, 10_000_000), metavar="S",
                   help="stop after S seconds (default: run until Ctrl+C or SIGTERM)")

    p = add("recover-admin", cmd_recover_admin,
            "when no admin can sign in: make NAME an active admin with a new password (needs write access to "
            "the database file; audited)", signs_in=False)
    p.add_argument("name", metavar="NAME", help="an existing account (re-enabled, made admin) or a new admin")
    p.add_argument("--display-name", help="full name, for a new account")
    p.add_argument("--reason", help="why (kept in the audit trail)")
    return parser


_PATH_ARGS = {"db", "out", "source", "files"}  # file names may hold any bytes; other text must be UTF-8


def _refuse_undecodable(args: argparse.Namespace) -> None:
    """A text argument with bytes that are not UTF-8 (lone surrogates after decoding) is refused by name."""
    for dest, value in vars(args).items():
        values = value if isinstance(value, list) else [value]
        if dest in _PATH_ARGS or not all(isinstance(v, str) for v in values):
            continue
        for text in values:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise CliError(f"--{dest.replace('_', '-')} holds bytes that are not valid UTF-8 text") from None


def _bounded(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (a 30-digit number is refused, not a crash)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not between {low} and {high}")
        return value

    return parse


def _log_bug(exc: BaseException) -> Path | None:
    try:
        path = private_log_file("cathlog-cli.log")  # 0600 in a 0700 folder
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.now(timezone.utc).isoformat()} {' '.join(sys.argv)}\n")
            fh.write("".join(traceback.format_exception(exc)))
        return path
    except OSError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a file name with undecodable bytes must not crash a print
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        _refuse_undecodable(args)
        return args.func(args)
    except CathlogError as exc:
        print(f"cathlog: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        print("cathlog: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line here, the traceback in the log
        where = _log_bug(exc)
        print(f"cathlog: internal error ({type(exc).__name__}: {exc})"
              + (f"; details in {where}" if where else ""), file=sys.stderr)
        return EXIT_FAIL
    finally:
        close_opened()
