"""Commands of the database and its users: init, users, demo, backup, restore, audit, check."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cathlog.cli.common import (EXIT_FAIL, EXIT_OK, CliError, ask_password, backup_folder, db_label, db_path,
                                db_target, open_services, sign_in, table)
from cathlog.domain.enums import Role


def cmd_init(args: argparse.Namespace) -> int:
    services = open_services(args, create=True)
    password = ask_password(f"New password for {args.admin}: ", confirm=True)
    services.auth.create_first_admin(args.admin, args.display_name or args.admin, password)
    print(f"created {db_label(args)} with admin {args.admin!r}")
    return EXIT_OK


def cmd_users(args: argparse.Namespace) -> int:
    services = open_services(args)
    admin = sign_in(args, services)
    auth = services.auth
    if args.action == "list":
        users = auth.list_users(admin)
        print(table([(u.username, u.display_name, u.role.value, "active" if u.active else "disabled")
                      for u in users], ("user", "name", "role", "status")))
        return EXIT_OK
    if not args.name:
        raise CliError(f"'users {args.action}' needs a user name")
    if args.action == "add":
        if not args.role:
            raise CliError("'users add' needs --role nurse|physician|admin")
        password = ask_password(f"Password for new user {args.name}: ", env="CATHLOG_NEW_PASSWORD", confirm=True)
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
                             ask_password(f"New password for {args.name}: ", env="CATHLOG_NEW_PASSWORD", confirm=True))
        print(f"password of {args.name} reset; its failed sign-ins are cleared")
    return EXIT_OK


def cmd_recover_admin(args: argparse.Namespace) -> int:
    """Local recovery when no admin can sign in (see README, "Locked out")."""
    import getpass

    services = open_services(args)
    try:
        operator = getpass.getuser()
    except (KeyError, OSError):  # no login name known to the system
        operator = "unknown"
    password = ask_password(f"New password for admin {args.name}: ", env="CATHLOG_NEW_PASSWORD", confirm=True)
    user = services.auth.recover_admin(args.name, password, display_name=args.display_name, operator=operator,
                                       reason=args.reason)
    print(f"{user.username} is an active admin with the new password (recorded in the audit trail)")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    if not 1 <= args.procedures <= 100000:
        raise CliError("--procedures must be 1 to 100000")
    services = open_services(args)
    admin = sign_in(args, services)
    ids = services.demo.load(admin, args.procedures, seed=args.seed)
    print(f"logged {len(ids)} demo procedures ({ids[0]} ... {ids[-1]})")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    db_path(args)  # a file: a server is backed up with pg_dump (refused by name)
    services = open_services(args)
    admin = sign_in(args, services)
    info = services.admin.backup(admin, Path(args.out))
    print(f"backed up to {info.path} ({info.size_bytes} bytes, sha256 {info.sha256}); integrity ok")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    db_path(args)  # a file: a server is restored with pg_restore (refused by name)
    services = open_services(args)
    admin = sign_in(args, services)
    kept = services.admin.restore(admin, Path(args.source))
    print(f"restored {db_path(args)} from {args.source}" + (f"; the replaced file is kept as {kept}" if kept else ""))
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    from cathlog.exchange.audit_csv import export_audit, print_audit

    services = open_services(args)
    actor = sign_in(args, services)
    if args.verify:
        report = services.admin.verify_audit(actor, backup_folder(args))
        print(f"audit chain: {'ok' if report.ok else 'BROKEN'} ({report.rows_checked} rows checked)")
        for problem in report.problems:
            print(f"  {problem}")
        return EXIT_OK if report.ok else EXIT_FAIL
    filters = {"procedure_id": args.procedure, "username": args.by}
    if args.out is None:
        print_audit(services, actor, sys.stdout, **filters)
        return EXIT_OK
    out = Path(args.out)
    if out.exists():
        raise CliError(f"{out} exists; choose another name")
    if not out.parent.is_dir():
        raise CliError(f"the folder {out.parent} does not exist")
    count = export_audit(services, actor, out, **filters)
    print(f"exported {count} audit row(s) to {out}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    services = open_services(args)
    if args.rebuild_search:
        print(f"search index: rebuilt from the records ({services.admin.rebuild_search_index()} cases)")
    report = services.admin.check(backup_folder=backup_folder(args))
    print(f"database: {'ok' if not report.problems else 'DAMAGED'}")
    for problem in report.problems[:20]:
        print(f"  {problem}")
    print(f"audit chain and records: {'ok' if not report.tamper else 'PROBLEMS'} "
          f"({report.chain.rows_checked} audit rows; audit key {report.key_file})")
    for problem in report.tamper:
        print(f"  {problem}")
    print(f"signatures: {'ok' if not report.signatures else 'INVALID'}")
    for problem in report.signatures:
        print(f"  {problem}")
    print(f"search index: {'ok' if not report.search_index else 'OUT OF STEP'}")
    for problem in report.search_index[:20]:
        print(f"  {problem}")
    if report.search_index:
        print("  (derived data, not the record: 'cathlog check --rebuild-search' rebuilds it from the records)")
    return EXIT_OK if report.ok else EXIT_FAIL


def cmd_server_install(args: argparse.Namespace) -> int:
    from cathlog.services.server_setup import install_schema

    target = db_target(args)
    if not isinstance(target, str):
        raise CliError("server-install sets up a PostgreSQL server: give --db postgresql://OWNER@HOST/DATABASE")
    try:
        version = install_schema(target, args.runtime_role)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    print(f"{db_label(args)}: cathlog schema {version}; {args.runtime_role} may read and append the record")
    return EXIT_OK


def cmd_migrate_db(args: argparse.Namespace) -> int:
    from cathlog.paths import is_server_url

    args.db = args.source
    back = is_server_url(args.source)
    services = open_services(args)
    admin = sign_in(args, services)
    try:
        if back:
            moved = services.server.migrate_to_file(admin, args.to)
        else:
            moved = services.server.migrate_to_server(admin, args.to)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    total = sum(moved.rows.values())
    where = "in the file" if back else "on the server"
    print(f"copied {total} rows ({', '.join(f'{t} {n}' for t, n in moved.rows.items() if n)}); {where} the "
          f"audit chain ({moved.audit_rows_checked} rows), every seal, the users and settings verify")
    return EXIT_OK
