"""The one audit-trail CSV, for the GUI's audit viewer and the command line.

Every row with its hash and the hash it links to, so the file can be checked
against the chain. A file is written atomically; every export is audited
(a file whose audit row cannot be written is removed), like record exports.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from cathlog.domain.records import Actor
from cathlog.exchange.csv_out import write_csv
from cathlog.fileio import atomic_write
from cathlog.services import Services
from cathlog.services.admin import AuditFilters

COLUMNS = ("seq", "at", "user", "action", "entity", "entity_id", "procedure_id", "workstation", "old_value",
           "new_value", "reason", "prev_hash", "hash")


def write_rows(fh: IO[str], rows: Iterable[Any]) -> int:
    """Write the header and ``rows`` (audit rows from ``services.admin.audit_rows``); returns the row count."""
    return write_csv(fh, COLUMNS, ((r.seq, r.at, r.username, r.action, r.entity, r.entity_id, r.procedure_id,
                                    r.workstation, r.old_value, r.new_value, r.reason, r.prev_hash, r.hash)
                                   for r in rows))


CHUNK_ROWS = 5000  # rows read per page while writing: memory stays flat however long the trail


def _newest_seq(services: Services, actor: Actor) -> int:
    newest = services.admin.audit_rows(actor, newest_first=True, limit=1)
    return newest[0].seq if newest else 0


def _selected(services: Services, actor: Actor, filters: AuditFilters, through_seq: int) -> Iterator[Any]:
    """Every row the filters select up to ``through_seq``, in order, a page at a time (keyset by
    ``seq``, through the same service method as the audit viewer)."""
    after: int | None = None
    while True:
        page = services.admin.audit_rows(actor, **filters, after_seq=after, before_seq=through_seq + 1,
                                         limit=CHUNK_ROWS)
        yield from page
        if len(page) < CHUNK_ROWS:
            return
        after = page[-1].seq


def _filters(procedure_id: str | None, username: str | None, since: str | None,
             action: str | None, until: str | None = None) -> AuditFilters:
    given = AuditFilters(procedure_id=procedure_id, username=username, since=since, action=action, until=until)
    return AuditFilters(**{k: v for k, v in given.items() if v is not None})  # type: ignore[typeddict-item]


def export_audit(services: Services, actor: Actor, out: Path, *, procedure_id: str | None = None,
                 username: str | None = None, since: str | None = None, action: str | None = None,
                 until: str | None = None) -> int:
    """Write the audit rows matching the filters to ``out`` (atomically), then audit
    the export; returns how many rows were written. ``until`` (UTC) is not included."""
    filters = _filters(procedure_id, username, since, action, until)
    through = _newest_seq(services, actor)  # the rows as they stand now: not those written while it runs
    with atomic_write(out) as fh:
        count = write_rows(fh, _selected(services, actor, filters, through))
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
    through = _newest_seq(services, actor)
    count = services.admin.audit_count(actor, **filters, before_seq=through + 1)
    services.admin.log_audit_export(actor, filters, count, "standard output")
    return write_rows(stream, _selected(services, actor, filters, through))
