"""Commands of the database and its users: init, users, demo, backup, restore, audit, check."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from cathlog.cli.common import EXIT_FAIL, EXIT_OK, CliError, ask_password, db_path, open_services, sign_in, table
from cathlog.domain.enums import Role


def cmd_init(args: argparse.Namespace) -> int:
    services = open_services(args, create=True)
    password = ask_password(f"New password for {args.admin}: ", confirm=True)
    services.auth.create_first_admin(args.admin, args.display_name or args.admin, password)
    print(f"created {db_path(args)} with admin {args.admin!r}")
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
    from cathlog.demo import load_demo

    if not 1 <= args.procedures <= 100000:
        raise CliError("--procedures must be 1 to 100000")
    services = open_services(args)
    admin = sign_in(args, services)
    ids = load_demo(services, admin, args.procedures, seed=args.seed)
    print(f"logged {len(ids)} demo procedures ({ids[0]} ... {ids[-1]})")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    services = open_services(args)
    admin = sign_in(args, services)
    info = services.admin.backup(admin, Path(args.out))
    print(f"backed up to {info.path} ({info.size_bytes} bytes, sha256 {info.sha256}); integrity ok")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    services = open_services(args)
    admin = sign_in(args, services)
    kept = services.admin.restore(admin, Path(args.source))
    print(f"restored {db_path(args)} from {args.source}" + (f"; the replaced file is kept as {kept}" if kept else ""))
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    services = open_services(args)
    actor = sign_in(args, services)
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

    services = open_services(args)
    problems = services.store.integrity_check()
    chain = verify_chain(services.store)
    print(f"database: {'ok' if not problems else 'DAMAGED'}")
    for problem in problems[:20]:
        print(f"  {problem}")
    print(f"audit chain: {'ok' if chain.ok else 'BROKEN'} ({chain.rows_checked} rows checked)")
    if not chain.ok:
        print(f"  {chain.problem}")
    return EXIT_OK if not problems and chain.ok else EXIT_FAIL
