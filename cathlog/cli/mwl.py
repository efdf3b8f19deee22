"""``cathlog worklist-query``: this room's scheduled cases on the hospital's Modality Worklist (audited)."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable
from datetime import date

from cathlog.cli.common import EXIT_OK, CliError, open_services, sign_in, table
from cathlog.domain.mwl import DEFAULT_MODALITY

STATION_ENV = "CATHLOG_STATION_AE"


def add_parser(add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("worklist-query", cmd_worklist_query,
            "list a room's cases scheduled on the hospital's DICOM Modality Worklist (the provider is in "
            "'settings'; every query is audited)")
    p.add_argument("--station-ae", metavar="AE", help=f"the room's scheduled station AE title, e.g. CATHLAB1 "
                   f"(default: ${STATION_ENV})")
    p.add_argument("--modality", default=DEFAULT_MODALITY, help=f"modality code (default {DEFAULT_MODALITY})")
    p.add_argument("--date", metavar="DATE", help="YYYY-MM-DD (default: today on this computer's calendar)")


def cmd_worklist_query(args: argparse.Namespace) -> int:
    station = args.station_ae or os.environ.get(STATION_ENV)
    if not station:
        raise CliError(f"which room? give --station-ae AE (the room's station AE title) or set {STATION_ENV}")
    day = None
    if args.date is not None:
        try:
            day = date.fromisoformat(args.date)
        except ValueError:
            raise CliError(f"--date {args.date!r} is not a date written YYYY-MM-DD") from None
    services = open_services(args)
    actor = sign_in(args, services)
    logging.getLogger("pynetdicom").setLevel(logging.CRITICAL)  # its lines would repeat the one-line reason
    cases = services.mwl.query(actor, station, args.modality, day)
    rows = [(c.scheduled_start or "", c.mrn, c.display_name, c.birth_date or "", c.sex or "",
             c.requested_procedure or "", c.accession_number or "", c.study_instance_uid or "",
             "; ".join(c.problems)) for c in cases]
    header = ("scheduled", "mrn", "patient", "born", "sex", "procedure", "accession", "study instance uid",
              "missing or unreadable")
    print(table(rows, header) if rows else f"no cases scheduled for {station.strip()} ({args.modality})")
    return EXIT_OK
