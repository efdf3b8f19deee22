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
import csv
import getpass
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from cathlog import __version__
from cathlog.domain.enums import Role
from cathlog.domain.errors import CathlogError, NotACathlogDatabase
from cathlog.domain.records import Actor
from cathlog.paths import default_db_path, log_dir
from cathlog.services import Services
from cathlog.store.db import Store

EXIT_OK, EXIT_FAIL = 0, 1


class CliError(CathlogError):
    """A problem with how the command was called."""


# --- helpers -------------------------------------------------------------------


def _db_path(args: argparse.Namespace) -> Path:
    return Path(args.db) if args.db else default_db_path()


def _open(args: argparse.Namespace, create: bool = False) -> Services:
    path = _db_path(args)
    if not create and not path.exists():
        raise NotACathlogDatabase(f"there is no database at {path}; create one with 'cathlog init --admin NAME'")
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    return Services(Store.open(path))


def _password(prompt: str, env: str = "CATHLOG_PASSWORD", confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin or not sys.stdin.isatty():
        raise CliError(f"no password: set {env} or run in a terminal to be asked")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Again: ") != first:
        raise CliError("the two passwords differ")
    return first


def _sign_in(args: argparse.Namespace, services: Services) -> Actor:
    username = args.user or os.environ.get("CATHLOG_USER")
    if not username:
        raise CliError("who is this? give --user NAME or set CATHLOG_USER")
    return services.auth.sign_in(username, _password(f"Password for {username}: "))


def _utc_day(text: str | None, flag: str) -> str | None:
    if text is None:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise CliError(f"{flag} {text!r} is not a date written YYYY-MM-DD") from None
    return day.strftime("%Y-%m-%dT%H:%M:%SZ")


def _table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    cells = [list(map(str, header))] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# --- commands ------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    services = _open(args, create=True)
    password = _password(f"New password for {args.admin}: ", confirm=True)
    services.auth.create_first_admin(args.admin, args.display_name or args.admin, password)
    print(f"created {_db_path(args)} with admin {args.admin!r}")
    return EXIT_OK


def cmd_users(args: argparse.Namespace) -> int:
    services = _open(args)
    admin = _sign_in(args, services)
    auth = services.auth
    if args.action == "list":
        users = auth.list_users(admin)
        print(_table([(u.username, u.display_name, u.role.value, "active" if u.active else "disabled")
                      for u in users], ("user", "name", "role", "status")))
        return EXIT_OK
    if not args.name:
        raise CliError(f"'users {args.action}' needs a user name")
    if args.action == "add":
        if not args.role:
            raise CliError("'users add' needs --role nurse|physician|admin")
        password = _password(f"Password for new user {args.name}: ", env="CATHLOG_NEW_PASSWORD", confirm=True)
        auth.add_user(admin, args.name, args.display_name or args.name, Role(args.role), password)
        print(f"added {args.name} ({args.role})")
    elif args.action in ("disable", "enable"):
        auth.set_active(admin, args.name, args.action == "enable", reason=args.reason)
        print(f"{args.action}d {args.name}")
    elif args.action == "set-role":
        if not args.role:
            raise CliError("'users set-role' needs --role")
        auth.set_role(admin, args.name, Role(args.role), reason=args.reason)
        print(f"{args.name} is now {args.role}")
    elif args.action == "reset-password":
        auth.reset_password(admin, args.name,
                            _password(f"New password for {args.name}: ", env="CATHLOG_NEW_PASSWORD", confirm=True))
        print(f"password of {args.name} reset; the account is unlocked")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from cathlog.demo import load_demo

    if not 1 <= args.procedures <= 100000:
        raise CliError("--procedures must be 1 to 100000")
    services = _open(args)
    admin = _sign_in(args, services)
    ids = load_demo(services, admin, args.procedures, seed=args.seed)
    print(f"logged {len(ids)} demo procedures ({ids[0]} ... {ids[-1]})")
    return EXIT_OK


def cmd_cases(args: argparse.Namespace) -> int:
    services = _open(args)
    actor = _sign_in(args, services)
    rows = services.cases.list_cases(actor, search=args.search, status=args.status, limit=args.limit)
    header = ("id", "started (UTC)", "mrn", "patient", "category", "status", "operator")
    data = [(c.procedure_id, c.started_at, c.mrn, c.patient_name, c.category, c.status, c.primary_operator or "")
            for c in rows]
    if args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["procedure_id", "started_at", "mrn", "patient", "category", "status", "primary_operator"])
        writer.writerows(data)
    else:
        print(_table(data, header) if data else "no cases")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from cathlog.exchange.json_records import read_records

    services = _open(args)
    actor = _sign_in(args, services)
    failed = 0
    for name in args.files:
        try:
            records = read_records(name)
            count = services.exchange.import_records(actor, records, Path(name).name)
            print(f"{name}: imported {count} procedure(s)")
        except CathlogError as exc:
            failed += 1
            print(f"cathlog: {exc}", file=sys.stderr)
    return EXIT_FAIL if failed else EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from cathlog.exchange.json_records import write_records
    from cathlog.exchange.fhir import write_bundle
    from cathlog.exchange.spreadsheets import write_csv_zip, write_xlsx

    services = _open(args)
    actor = _sign_in(args, services)
    since, until = _utc_day(args.since, "--since"), _utc_day(args.until, "--until")
    out = Path(args.out)
    if out.is_dir():
        raise CliError(f"--out {out} is a folder; give a file name")
    if not out.parent.is_dir():
        raise CliError(f"the folder {out.parent} does not exist")
    if out.exists() and not args.overwrite:
        raise CliError(f"{out} exists; choose another name or pass --overwrite")
    writer = {"json": write_records, "csv": write_csv_zip, "xlsx": write_xlsx, "fhir": write_bundle}[args.format]
    filters = {"since": args.since, "until": args.until, "category": args.category, "status": args.status,
               "operator": args.operator}
    records = services.exchange.iter_records(actor, since=since, until=until, category=args.category,
                                             status=args.status, operator=args.operator)
    if args.deidentify:
        records = services.exchange.deidentified(actor, records)
        filters["deidentified"] = True
    if args.format == "csv" and not args.deidentify:  # streamed from SQL, at SQLite's pace
        from cathlog.exchange.spreadsheets import write_csv_zip_tables

        count = write_csv_zip_tables(out, lambda table: services.exchange.table_rows(actor, table, {
            "since": since, "until": until, "category": args.category, "status": args.status,
            "operator": args.operator}))
    else:
        count = writer(out, records)
    try:  # no unaudited export: if the audit row cannot be written, the file goes
        services.exchange.log_export(actor, args.format, filters, count, out.name)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    print(f"exported {count} procedure(s) to {out}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from cathlog.reports.make import KINDS, write_reports

    services = _open(args)
    actor = _sign_in(args, services)
    kinds = (args.kind,) if args.kind else KINDS
    for path in write_reports(services, actor, args.procedure_id, Path(args.out), kinds):
        print(path)
    return EXIT_OK


def cmd_reminders(args: argparse.Namespace) -> int:
    services = _open(args)
    actor = _sign_in(args, services)
    try:
        before = datetime.strptime(args.due_before, "%Y-%m-%d").date().isoformat()
    except ValueError:
        raise CliError(f"--due-before {args.due_before!r} is not a date written YYYY-MM-DD") from None
    items = services.review.worklist(actor, before)
    rows = []
    for r in items:
        record = services.cases.get_record(actor, r.procedure_id)
        rows.append((r.due_date, record.patient.mrn, record.patient.display_name, r.procedure_id, r.rule_id,
                     r.status.value, r.text, r.source))
    header = ("due", "mrn", "patient", "procedure_id", "rule", "status", "what", "source")
    if args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    else:
        print(_table([r[:7] for r in rows], header[:7]) if rows else f"no reminders due before {before}")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    services = _open(args)
    admin = _sign_in(args, services)
    info = services.admin.backup(admin, Path(args.out))
    print(f"backed up to {info.path} ({info.size_bytes} bytes, sha256 {info.sha256}); integrity ok")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    services = _open(args)
    admin = _sign_in(args, services)
    kept = services.admin.restore(admin, Path(args.source))
    print(f"restored {_db_path(args)} from {args.source}" + (f"; the replaced file is kept as {kept}" if kept else ""))
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    services = _open(args)
    actor = _sign_in(args, services)
    if args.verify:
        report = services.admin.verify_audit(actor)
        print(f"audit chain: {'ok' if report.ok else 'BROKEN'} ({report.rows_checked} rows checked)"
              + ("" if report.ok else f"; first broken row {report.first_broken_seq}: {report.problem}"))
        return EXIT_OK if report.ok else EXIT_FAIL
    rows = [(r.seq, r.at, r.username, r.action, r.entity, r.entity_id, r.procedure_id or "", r.reason or "")
            for r in services.admin.audit_rows(actor, procedure_id=args.procedure, username=args.by)]
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["seq", "at", "user", "action", "entity", "entity_id", "procedure_id", "reason"])
    writer.writerows(rows)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from cathlog.store.audit import verify_chain

    services = _open(args)
    problems = services.store.integrity_check()
    chain = verify_chain(services.store)
    print(f"database: {'ok' if not problems else 'DAMAGED'}")
    for problem in problems[:20]:
        print(f"  {problem}")
    print(f"audit chain: {'ok' if chain.ok else 'BROKEN'} ({chain.rows_checked} rows checked)")
    if not chain.ok:
        print(f"  {chain.problem}")
    return EXIT_OK if not problems and chain.ok else EXIT_FAIL


# --- parser and entry point ----------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cathlog", description="cathlog: cath-lab procedure logger (admin CLI).")
    parser.add_argument("--version", action="version", version=f"cathlog {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", help="database file (default: $CATHLOG_DB or the user data folder)")
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

    p = add("demo", cmd_demo, "fill the database with realistic synthetic cases of every category")
    p.add_argument("--procedures", type=int, default=25, metavar="N", help="how many (default 25)")
    p.add_argument("--seed", type=int, help="random seed, for the same cases every time")

    p = add("cases", cmd_cases, "list procedures with their id, date, MRN, category and status")
    p.add_argument("--format", choices=["table", "csv"], default="table")
    p.add_argument("--search", help="MRN, name, operator or id (matched literally)")
    p.add_argument("--status", choices=["open", "closed", "signed"])
    p.add_argument("--limit", type=int, default=500)

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

    p = add("backup", cmd_backup, "write a verified copy of the database (temporary file, sync, check, rename)")
    p.add_argument("--out", required=True, metavar="PATH")

    p = add("restore", cmd_restore, "replace the database with a verified backup; the replaced file is kept")
    p.add_argument("source", metavar="PATH")

    p = add("audit", cmd_audit, "print the audit trail as CSV, or --verify its hash chain")
    p.add_argument("--verify", action="store_true", help="check the hash chain and name the first broken row")
    p.add_argument("--procedure", metavar="ID", help="only this case")
    p.add_argument("--by", metavar="USER", help="only this user's actions")

    add("check", cmd_check, "check the integrity of the database and of the audit chain", signs_in=False)
    return parser


def _log_bug(exc: BaseException) -> Path | None:
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "cathlog-cli.log"
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.now(timezone.utc).isoformat()} {' '.join(sys.argv)}\n")
            fh.write("".join(traceback.format_exception(exc)))
        return path
    except OSError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
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
