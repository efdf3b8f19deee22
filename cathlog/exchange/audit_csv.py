"""The one audit-trail CSV, for the GUI's audit viewer and the command line.

Every row with its hash and the hash it links to, so the file can be checked
against the chain. A file is written atomically; every export is audited
(a file whose audit row cannot be written is removed), like record exports.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from cathlog.domain.records import Actor
from cathlog.exchange.csv_out import write_csv
from cathlog.fileio import atomic_write
from cathlog.services import Services

COLUMNS = ("seq", "at", "user", "action", "entity", "entity_id", "procedure_id", "workstation", "old_value",
           "new_value", "reason", "prev_hash", "hash")


def write_rows(fh: IO[str], rows: Iterable[Any]) -> int:
    """Write the header and ``rows`` (audit rows from ``services.admin.audit_rows``); returns the row count."""
    return write_csv(fh, COLUMNS, ((r.seq, r.at, r.username, r.action, r.entity, r.entity_id, r.procedure_id,
                                    r.workstation, r.old_value, r.new_value, r.reason, r.prev_hash, r.hash)
                                   for r in rows))


def _filters(procedure_id: str | None, username: str | None, since: str | None,
             action: str | None, until: str | None = None) -> dict[str, str]:
    given = {"procedure_id": procedure_id, "username": username, "since": since, "action": action, "until": until}
    return {k: v for k, v in given.items() if v is not None}


def export_audit(services: Services, actor: Actor, out: Path, *, procedure_id: str | None = None,
                 username: str | None = None, since: str | None = None, action: str | None = None,
                 until: str | None = None) -> int:
    """Write the audit rows matching the filters to ``out`` (atomically), then audit
    the export; returns how many rows were written. ``until`` (UTC) is not included."""
    filters = _filters(procedure_id, username, since, action, until)
    rows = services.admin.audit_rows(actor, **filters)
    with atomic_write(out) as fh:
        count = write_rows(fh, rows)
    try:  # no unaudited export: if the audit row cannot be written, the file goes
        services.admin.log_audit_export(actor, filters, count, Path(out).name)
    except BaseException:
        Path(out).unlink(missing_ok=True)
        raise
    return count


def print_audit(services: Services, actor: Actor, stream: IO[str], *, procedure_id: str | None = None,
                username: str | None = None, since: str | None = None, action: str | None = None) -> int:
    """The same CSV to a stream (the command line's standard output); audited
    before anything is written, since printed text cannot be taken back."""
    filters = _filters(procedure_id, username, since, action)
    rows = services.admin.audit_rows(actor, **filters)
    services.admin.log_audit_export(actor, filters, len(rows), "standard output")
    return write_rows(stream, rows)
