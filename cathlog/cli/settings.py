"""``cathlog settings``: the lab's name, phone and FHIR identity (list: anyone signed in; set: an admin)."""

from __future__ import annotations

import argparse

from cathlog.cli.common import EXIT_OK, CliError, open_services, sign_in, table
from cathlog.services.settings import SETTINGS


def cmd_settings(args: argparse.Namespace) -> int:
    services = open_services(args)
    actor = sign_in(args, services)
    if args.action == "list":
        values = services.settings.values(actor)
        print(table([(s.key, values[s.key] or "(not set)", s.label) for s in SETTINGS],
                    ("setting", "value", "what")))
        return EXIT_OK
    if args.key is None or args.value is None:
        raise CliError(f"'settings set' needs KEY and VALUE; KEY one of {', '.join(s.key for s in SETTINGS)}")
    stored = services.settings.set(actor, args.key, args.value, reason=args.reason)
    print(f"{args.key} = {stored}")
    return EXIT_OK
