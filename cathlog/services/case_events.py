"""The current entries of the cases being logged, kept up to date row by row.

Checking a new entry needs the case's current entries (repeat boluses, heparin per kg, duplicate scans,
what an entry removes). Reading and decoding the whole case on every save made a save slower as the case grew
(p99 11 ms at 300 entries against 1.6 ms at 40). The versions table is append-only, so a case read once is
brought up to date by reading only the rows stored after the last one seen: a save costs the same at entry 300
as at entry 3.

Always read inside the caller's transaction. What was seen is checked against the file on every read (the
count of the case's rows up to the last one seen, and that row's entry): if the file was replaced under us
(a restore), or a transaction we read from was rolled back and its row number reused, the case is read again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from types import MappingProxyType
from dataclasses import dataclass, field

from cathlog.domain.records import EventVersion
from cathlog.store import records as rec
from cathlog.store.db import Store

KEPT_CASES = 8  # the cases a workstation logs at once are few; older ones are read again when needed


@dataclass
class _Known:
    last_row_id: int = 0
    count: int = 0
    last_event_id: str | None = None
    current: dict[str, EventVersion] = field(default_factory=dict)  # by event_id, in first-stored order


class CurrentEvents:
    """The current version of every entry of a case, by event id, read incrementally."""

    def __init__(self, store: Store):
        self.store = store
        self._known: OrderedDict[str, _Known] = OrderedDict()

    def of(self, procedure_id: str) -> Mapping[str, EventVersion]:
        """The case's entries now (a read-only view, valid until the next call)."""
        known = self._known.pop(procedure_id, None)
        if known is not None and rec.event_rows_seen(self.store, procedure_id, known.last_row_id) != (
                known.count, known.last_event_id):
            known = None  # the file changed under us: read the case again
        known = known or _Known()
        for row_id, version in rec.event_versions_after(self.store, procedure_id, known.last_row_id):
            old = known.current.get(version.event_id)
            if old is None or version.version > old.version:
                known.current[version.event_id] = version
            known.last_row_id, known.count, known.last_event_id = row_id, known.count + 1, version.event_id
        self._known[procedure_id] = known
        while len(self._known) > KEPT_CASES:
            self._known.popitem(last=False)
        return MappingProxyType(known.current)
