"""A reference implementation of the flat export tables, from whole records.

The production path streams the tables from SQL (``store.export_rows``); this
derives the same rows from ``ProcedureRecord`` objects in plain Python, so a
test can hold the two paths equal (identified, and de-identified through the
record-level ``rules.deidentify.deidentify``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from cathlog.domain.fields import EVENT_FIELDS
from cathlog.domain.flat_tables import PATIENTS, TABLE_BY_NAME, TABLES, FlatTable, neutralize
from cathlog.domain.records import Patient, ProcedureRecord


def record_rows(record: ProcedureRecord) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(table name, row) pairs for one record, in table column order, as plain values."""
    p, proc = record.patient, record.procedure
    yield "patients", tuple(getattr(p, c) for c in PATIENTS.column_names)
    yield "procedures", (proc.procedure_id, p.mrn, proc.started_at, proc.status.value, proc.category,
                         ";".join(proc.planned), proc.indication, proc.indication_detail, proc.urgency, proc.room,
                         proc.primary_operator, "; ".join(f"{m.name} ({m.role.value})" for m in proc.team),
                         proc.act_target_low_s, proc.act_target_high_s)
    for history in record.events:
        last = history.current.version
        for v in history.versions:
            common = (proc.procedure_id, v.event_id, v.version, v.version == last, v.voided, v.reason,
                      v.occurred_at, v.recorded_at, v.recorded_by, v.performed_by, v.workstation)
            yield f"events_{v.kind.value}", common + tuple(v.data.get(s.name) for s in EVENT_FIELDS[v.kind])


def cell(value: Any) -> Any:
    """A plain value as an export cell."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralize(value)


def reference_tables(records: Iterable[ProcedureRecord], patients_now: Iterable[Patient] | None = None
                     ) -> list[tuple[FlatTable, list[tuple[Any, ...]]]]:
    """Every table in order with its rows as export cells; a patient's row only once.

    The patients table lists each patient as now known, the other tables each case with the patient as
    recorded for it: ``patients_now`` gives, record by record, the patient's current version (default:
    the record's own, right when nobody changed a patient after a case)."""
    rows: dict[str, list[tuple[Any, ...]]] = {t.name: [] for t in TABLES}
    seen: set[str] = set()
    records = list(records)
    now = list(patients_now) if patients_now is not None else [r.patient for r in records]
    for record, patient in zip(records, now, strict=True):
        for table, row in record_rows(record):
            if table == PATIENTS.name:
                if record.patient.mrn in seen:
                    continue
                seen.add(record.patient.mrn)
                row = tuple(getattr(patient, c) for c in PATIENTS.column_names)
            rows[table].append(tuple(cell(v) for v in row))
    return [(TABLE_BY_NAME[name], table_rows) for name, table_rows in rows.items()]
