"""``cathlog hl7-listen`` and ``cathlog hl7-send``: the HL7 v2 interface without the GUI.

Both sign in an admin (the interface changes patients and sends reports: starting it is audited).
``hl7-listen`` runs the ADT listener on the lab's address and port (Settings ``hl7.listen_host``,
``hl7.listen_port``) and, unless ``--no-send``, the report sender, until stopped (Ctrl+C or SIGTERM).
``hl7-send`` runs the report sender alone; ``--once`` makes one pass and prints each message's state.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time

from cathlog.cli.common import EXIT_FAIL, EXIT_OK, CliError, db_target, open_services, sign_in
from cathlog.domain.followup import CaseFile
from cathlog.exchange.hl7_runner import Hl7Interface, send_once
from cathlog.reports.make import render


def _render(case: CaseFile) -> bytes:
    return render(case, "summary")


def _wait_for_stop(stop_after_s: int | None) -> None:
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    deadline = time.monotonic() + stop_after_s if stop_after_s else None
    try:
        while not stop.wait(1.0 if deadline is None else max(0.0, min(1.0, deadline - time.monotonic()))):
            if deadline is not None and time.monotonic() >= deadline:
                return
    except KeyboardInterrupt:
        pass


def cmd_hl7_listen(args: argparse.Namespace) -> int:
    services = open_services(args)
    try:
        actor = sign_in(args, services)
        settings = services.hl7_in.start_interface(actor, "listener" + ("" if args.no_send else " and sender"))
    finally:
        services.close()
    interface = Hl7Interface(db_target(args), _render, listen=True, send=not args.no_send,
                             listen_host=args.host, listen_port=args.port)
    try:
        interface.start()
    except OSError as exc:
        raise CliError(str(exc)) from None
    print(f"HL7 listener on {args.host or settings['hl7.listen_host']}:{interface.port}"
          + ("" if args.no_send else f"; reports to {settings['hl7.out_host'] or '(no receiver set)'}"), flush=True)
    try:
        _wait_for_stop(args.stop_after)
    finally:
        interface.stop()
    return EXIT_OK


def cmd_hl7_send(args: argparse.Namespace) -> int:
    services = open_services(args)
    actor = sign_in(args, services)
    services.hl7_in.start_interface(actor, "sender")
    if args.once:
        try:
            built, results = send_once(services, _render)
        finally:
            services.close()
        for control_id, state, reason in results:
            print(f"{control_id} {state}" + (f" ({reason})" if reason else ""))
        return EXIT_OK if all(state == "acknowledged" for _, state, _ in results) else EXIT_FAIL
    services.close()
    interface = Hl7Interface(db_target(args), _render, listen=False, send=True, poll_s=args.poll)
    interface.start()
    print("HL7 report sender running", flush=True)
    try:
        _wait_for_stop(args.stop_after)
    finally:
        interface.stop()
    return EXIT_OK
