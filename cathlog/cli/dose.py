"""Radiation dose reports from the command line (issue 15): listen for the X-ray system, import report
files, and work the inbox of reports waiting for a case."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from cathlog.cli.common import EXIT_FAIL, EXIT_OK, CliError, open_services, sign_in, table
from cathlog.domain.errors import CathlogError

MAX_FILE_BYTES = 64 * 1024 * 1024


def cmd_dicom_listen(args: argparse.Namespace) -> int:
    """Run the DICOM listener until interrupted (Ctrl+C or SIGTERM); one line per report received."""
    services = open_services(args)
    actor = sign_in(args, services)
    stop = threading.Event()

    def report(received: object) -> None:
        print(f"{getattr(received, 'calling_ae', '?')}: {getattr(received, 'message', '')}", flush=True)

    try:
        running = services.dose_listener.start(actor, port=args.port, host=args.host, on_received=report)
    except OSError as exc:
        raise CliError(f"cannot listen on port {args.port if args.port is not None else 'from the settings'}: "
                       f"{exc.strerror or exc}") from None

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    config = services.dose_listener.settings(actor)
    allowed = ", ".join(config.allowed_calling) or "any"
    print(f"listening as {config.ae_title} on {args.host}:{running.port} (calling AE titles allowed: {allowed}); "
          "Ctrl+C stops", flush=True)
    try:
        wait_until_stopped(stop)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        running.stop()
        print("stopped", flush=True)
    return EXIT_OK


def wait_until_stopped(stop: threading.Event) -> None:
    """Block until SIGTERM sets ``stop`` (Ctrl+C raises KeyboardInterrupt in here)."""
    while not stop.wait(0.5):
        pass


def cmd_import_dose(args: argparse.Namespace) -> int:
    """Import dose-report files (a USB stick, a folder the X-ray system writes to): each is kept, audited
    and matched like a report received over the network."""
    services = open_services(args)
    actor = sign_in(args, services)
    failed = 0
    for name in args.files:
        path = Path(name)
        try:
            if not path.is_file():
                raise CliError(f"{name}: not a file")
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CliError(f"{name}: {path.stat().st_size:,} bytes is too big for a dose report")
            result = services.dose.receive(actor, path.read_bytes(), channel="file", sender=path.name)
        except (CathlogError, OSError) as exc:
            failed += 1
            print(f"cathlog: {exc}", file=sys.stderr)
            continue
        if result.outcome in ("refused", "unreadable"):
            failed += 1
            print(f"cathlog: {name}: {result.message}", file=sys.stderr)
            continue
        print(f"{name}: {result.message}")
        for line in result.differences:
            print(f"  typed value differs by more than 10 %: {line}")
    return EXIT_FAIL if failed else EXIT_OK


def cmd_dose_inbox(args: argparse.Namespace) -> int:
    """List the reports waiting for a case; attach one to a case, or refuse it with a reason."""
    services = open_services(args)
    actor = sign_in(args, services)
    if args.action == "list":
        items = services.dose.inbox(actor)
        rows = [(i.sop_instance_uid, i.received_at, i.patient_id or "", i.patient_name or "", i.study_local or "",
                 i.state, i.reason or "") for i in items]
        print(table(rows, ("report (SOP Instance UID)", "received (UTC)", "patient ID", "name", "study",
                           "state", "why it waits")) if rows else "no dose reports waiting")
        return EXIT_OK
    if not args.report:
        raise CliError(f"dose-inbox {args.action} needs the report's SOP Instance UID")
    if args.action == "attach":
        if not args.case:
            raise CliError("dose-inbox attach needs --case CASE_ID")
        result = services.dose.attach(actor, args.report, args.case, confirm=bool(args.confirm))
        print(result.message)
        return EXIT_OK
    if not args.reason:
        raise CliError("dose-inbox refuse needs --reason TEXT")
    services.dose.refuse(actor, args.report, args.reason)
    print(f"refused {args.report}")
    return EXIT_OK


def add_parsers(add: Callable[..., argparse.ArgumentParser],
                bounded: Callable[[int, int], Callable[[str], int]]) -> None:
    """The dose commands, added to ``cathlog``'s parser by ``cathlog.cli.build_parser``."""
    p = add("dicom-listen", cmd_dicom_listen,
            "receive radiation dose reports from the X-ray system (DICOM; AE title, port and allowed senders "
            "from the settings)")
    p.add_argument("--port", type=bounded(0, 65535), metavar="N",
                   help="listen on this port instead of the setting (0: any free port, printed)")
    p.add_argument("--host", default="0.0.0.0", metavar="ADDRESS",
                   help="the address to listen on (default 0.0.0.0: every interface; 127.0.0.1: this computer only)")
    p = add("import-dose", cmd_import_dose,
            "import radiation dose report files (DICOM RDSR); each is kept, audited and matched to its case")
    p.add_argument("files", nargs="+", metavar="FILE")
    p = add("dose-inbox", cmd_dose_inbox,
            "dose reports waiting for a case: list them, attach one to a case, or refuse one with a reason")
    p.add_argument("action", choices=["list", "attach", "refuse"])
    p.add_argument("report", nargs="?", metavar="SOP_INSTANCE_UID")
    p.add_argument("--case", metavar="CASE_ID", help="the case to attach the report to")
    p.add_argument("--confirm", action="store_true",
                   help="confirm what the report disagrees on (another patient ID, a value beyond a soft limit)")
    p.add_argument("--reason", metavar="TEXT", help="why the report is refused (kept in the audit trail)")
