"""Commands on the clinical records: cases, import, export, report, reminders."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from cathlog.cli.common import EXIT_FAIL, EXIT_OK, CliError, open_services, sign_in, table, utc_day
from cathlog.domain.errors import CathlogError
from cathlog.exchange.csv_out import write_csv


def cmd_cases(args: argparse.Namespace) -> int:
    """The table is what the GUI's case list shows (any clinical role); the CSV is a list of
    patients that leaves cathlog, so it is an export (admin) and audited before it is printed
    (printed text cannot be taken back)."""
    services = open_services(args)
    actor = sign_in(args, services)
    if args.format == "csv":
        services.access.may_export_case_list(actor)  # refused before anything is read
    rows = services.cases.list_cases(actor, search=args.search, status=args.status, limit=args.limit)
    header = ("id", "started (UTC)", "mrn", "patient", "category", "status", "operator")
    data = [(c.procedure_id, c.started_at, c.mrn, c.patient_name, c.category, c.status, c.primary_operator or "")
            for c in rows]
    if args.format == "csv":
        filters = {"search": args.search, "status": args.status, "limit": args.limit}
        services.access.log_case_list(actor, {k: v for k, v in filters.items() if v is not None},
                                      [c.procedure_id for c in rows], "standard output")
        write_csv(sys.stdout, ("procedure_id", "started_at", "mrn", "patient", "category", "status",
                               "primary_operator"), data)
    else:
        print(table(data, header) if data else "no cases")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from cathlog.exchange.json_records import read_records

    services = open_services(args)
    actor = sign_in(args, services)
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
    from cathlog.exchange.export import export

    services = open_services(args)
    actor = sign_in(args, services)
    filters = {"since": utc_day(args.since, "--since"), "until": utc_day(args.until, "--until"),
               "category": args.category, "status": args.status, "operator": args.operator}
    out = Path(args.out)
    if out.is_dir():
        raise CliError(f"--out {out} is a folder; give a file name")
    if not out.parent.is_dir():
        raise CliError(f"the folder {out.parent} does not exist")
    if out.exists() and not args.overwrite:
        raise CliError(f"{out} exists; choose another name or pass --overwrite")
    count = export(services, actor, args.format, out, filters, deidentify=args.deidentify)
    print(f"exported {count} procedure(s) to {out}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from cathlog.reports.make import KINDS, write_reports

    services = open_services(args)
    actor = sign_in(args, services)
    kinds = (args.kind,) if args.kind else KINDS
    paths = write_reports(services, actor, args.procedure_id, Path(args.out), kinds)  # audited: write_report
    services.access.record_view(actor, args.procedure_id, "cli report")
    for path in paths:
        print(path)
    return EXIT_OK


def cmd_reminders(args: argparse.Namespace) -> int:
    services = open_services(args)
    actor = sign_in(args, services)
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
    if args.format == "csv":  # patients' names and MRNs leave as text: audited before it is printed
        services.access.log_reminder_list(actor, before, [r.procedure_id for r in items], "standard output")
        write_csv(sys.stdout, header, rows)
    else:
        print(table([r[:7] for r in rows], header[:7]) if rows else f"no reminders due before {before}")
    return EXIT_OK


def cmd_reopen(args: argparse.Namespace) -> int:
    services = open_services(args)
    actor = sign_in(args, services)
    if args.reason is None:
        raise CliError("give --reason TEXT: why the case is reopened (kept in the audit trail)")
    proc = services.cases.reopen_case(actor, args.procedure_id, args.reason)
    print(f"reopened {proc.procedure_id} (version {proc.version}): its log can be changed again")
    return EXIT_OK
