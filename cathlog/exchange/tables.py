"""Records as flat tables (patients, procedures, one table per entry kind),
for CSV and XLSX exports. One row per entry *version*, so corrections and
voids travel with the data; typed columns come from the data dictionary.

Text cells that a spreadsheet would run as a formula (= + - @, tab, CR at
the start) are prefixed with a single quote (OWASP CSV injection; CWE-1236);
numbers stay numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cathlog.domain.enums import EventKind
from cathlog.domain.fields import EVENT_FIELDS, PATIENT_FIELDS
from cathlog.domain.records import ProcedureRecord

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EVENT_COMMON = ("procedure_id", "event_id", "version", "current", "voided", "reason", "occurred_at", "recorded_at",
                "recorded_by", "performed_by", "workstation")

TABLES: dict[str, tuple[str, ...]] = {
    "patients": ("mrn",) + tuple(s.name for s in PATIENT_FIELDS if s.name != "mrn"),
    "procedures": ("procedure_id", "mrn", "started_at", "status", "category", "planned", "indication",
                   "indication_detail", "urgency", "room", "primary_operator", "team", "act_target_low_s",
                   "act_target_high_s"),
    **{f"events_{kind.value}": EVENT_COMMON + tuple(s.name for s in EVENT_FIELDS[kind]) for kind in EventKind},
}


def neutralize(value: Any) -> Any:
    """A text cell a spreadsheet would evaluate gets a leading quote; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unneutralize(value: str) -> str:
    """The inverse, for re-import: strip the quote added by :func:`neutralize`."""
    if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def rows(record: ProcedureRecord) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(table name, row) pairs for one record, in table column order."""
    p, proc = record.patient, record.procedure
    yield "patients", tuple(getattr(p, c) for c in TABLES["patients"])
    yield "procedures", (proc.procedure_id, p.mrn, proc.started_at, proc.status.value, proc.category,
                         ";".join(proc.planned), proc.indication, proc.indication_detail, proc.urgency, proc.room,
                         proc.primary_operator, "; ".join(f"{m.name} ({m.role.value})" for m in proc.team),
                         proc.act_target_low_s, proc.act_target_high_s)
    for history in record.events:
        last = history.current.version
        for v in history.versions:
            table = f"events_{v.kind.value}"
            common = (proc.procedure_id, v.event_id, v.version, v.version == last, v.voided, v.reason,
                      v.occurred_at, v.recorded_at, v.recorded_by, v.performed_by, v.workstation)
            yield table, common + tuple(v.data.get(s.name) for s in EVENT_FIELDS[v.kind])
