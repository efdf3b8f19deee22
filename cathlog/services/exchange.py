"""Use cases of record exchange: reading records out and bringing them in.

Import is all-or-nothing: every record of a file is checked against the hard
limits and written in one transaction, or nothing is. Imported entries keep
their ids, times and authors, so export -> import -> export gives back the
same records. Soft warnings are not asked again: they were confirmed where
the records were logged. Every import and export is audited.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from cathlog.domain.enums import ProcedureStatus
from cathlog.domain.errors import Conflict, Issue, RecordFormatError, ValidationError
from cathlog.domain.fields import EVENT_FIELDS
from cathlog.domain.flat_tables import ExportFilters, FlatTable
from cathlog.domain.records import Actor, ProcedureRecord
from cathlog.rules import validation
from cathlog.rules.deidentify import deidentify, deidentify_row
from cathlog.rules.permissions import Action
from cathlog.services.base import ServiceBase, new_id
from cathlog.store import export_rows
from cathlog.store import records as rec
from cathlog.store import settings

_IDENTITY = ("family_name", "given_name", "birth_date", "sex")


class ExchangeService(ServiceBase):
    def iter_records(self, actor: Actor, *, since: str | None = None, until: str | None = None,
                     category: str | None = None, status: str | None = None,
                     operator: str | None = None) -> Iterator[ProcedureRecord]:
        """Whole records, oldest first, one at a time (constant memory): the record path of JSON and FHIR.

        Filters (``cathlog.domain.flat_tables.FILTERS``, the same as the flat tables'): start time range
        (UTC), category, status, and an operator's name (case-insensitive, any team member)."""
        self.require(actor, Action.EXPORT)
        filters = ExportFilters(since=since, until=until, category=category, status=status, operator=operator)
        return self._records(list(export_rows.selected_procedure_ids(self.store, filters)))

    def _records(self, procedure_ids: list[str]) -> Iterator[ProcedureRecord]:
        for procedure_id in procedure_ids:
            proc = rec.get_procedure(self.store, procedure_id)
            patient = rec.get_patient(self.store, proc.patient_id) if proc else None
            if proc is None or patient is None:  # pragma: no cover - guarded by the schema
                continue
            yield ProcedureRecord(proc, patient, rec.procedure_events(self.store, procedure_id))

    def flat_tables(self, actor: Actor, filters: ExportFilters | Mapping[str, Any] | None = None, *,
                    deidentified: bool = False) -> Iterator[tuple[FlatTable, Iterator[tuple[Any, ...]]]]:
        """Every flat export table (``cathlog.domain.flat_tables.TABLES``, in order) with its rows as
        export cells, streamed from the database: what the CSV and XLSX writers write.

        ``deidentified``: each row goes through the Safe Harbor row transform. Read each table's rows
        before asking for the next table."""
        self.require(actor, Action.EXPORT)
        wanted = ExportFilters.of(filters)
        if not deidentified:
            return export_rows.stream_tables(self.store, wanted)
        return self._deidentified_tables(wanted, settings.pseudonym_key(self.store))

    def _deidentified_tables(self, filters: ExportFilters,
                             key: bytes) -> Iterator[tuple[FlatTable, Iterator[tuple[Any, ...]]]]:
        for table, rows in export_rows.stream_tables(self.store, filters, with_context=True):
            yield table, (deidentify_row(table, row, key) for row in rows)

    def deidentified(self, actor: Actor, records: Iterator[ProcedureRecord]) -> Iterator[ProcedureRecord]:
        """The records with Safe Harbor identifiers removed (see cathlog.exchange.deidentify)."""
        self.require(actor, Action.EXPORT)
        key = settings.pseudonym_key(self.store)
        for record in records:
            yield deidentify(record, key)

    def log_export(self, actor: Actor, fmt: str, filters: Mapping[str, Any], count: int, target: str) -> None:
        self.require(actor, Action.EXPORT)
        with self.store.write():
            self.audit(actor, "export", "export", target, new={"format": fmt, "filters": dict(filters),
                                                                  "records": count})

    def import_records(self, actor: Actor, records: Sequence[ProcedureRecord], source: str) -> int:
        """Write every record or none; errors name the source and the record."""
        self.require(actor, Action.IMPORT)
        with self.store.write():
            for number, record in enumerate(records, 1):
                try:
                    self._import_one(actor, record, source)
                except (ValidationError, Conflict) as exc:
                    raise RecordFormatError(
                        f"{source}: record {number} (procedure {record.procedure.procedure_id}): {exc}"
                    ) from exc
        return len(records)

    def _import_one(self, actor: Actor, record: ProcedureRecord, source: str) -> None:
        proc, patient = record.procedure, record.patient
        if rec.get_procedure(self.store, proc.procedure_id) is not None:
            raise Conflict("a case with this id is already in the database")
        validation.validate_patient(patient, self.clock().date())
        validation.validate_procedure({"category": proc.category, "planned": list(proc.planned),
                                       "indication": proc.indication, "urgency": proc.urgency,
                                       "indication_detail": proc.indication_detail, "room": proc.room,
                                       "act_target_low_s": proc.act_target_low_s,
                                       "act_target_high_s": proc.act_target_high_s})
        now = self.now()
        patient_id = rec.patient_id_for_mrn(self.store, patient.mrn)
        if patient_id:
            existing = rec.get_patient(self.store, patient_id)
            assert existing is not None
            clash = [k for k in _IDENTITY if getattr(existing, k) != getattr(patient, k)]
            if clash:
                raise Conflict(f"MRN {patient.mrn!r} belongs to a patient whose {', '.join(clash)} differ")
            patient_version = existing.version
            if existing.clinical_fields() != patient.clinical_fields():  # this case's weight, labs...
                patient_version = existing.version + 1
                rec.insert_patient_version(self.store, replace(patient, patient_id=patient_id,
                                                               version=patient_version),
                                           changed_at=now, changed_by=actor.username, reason=f"imported from {source}")
        else:
            patient_id, patient_version = new_id(), 1
            rec.reserve_mrn(self.store, patient.mrn, patient_id)
            rec.insert_patient_version(self.store, replace(patient, patient_id=patient_id, version=1),
                                       changed_at=now, changed_by=actor.username, reason=None)
        # A signed case arrives closed: its signature does not travel with it and must be given again here.
        status = ProcedureStatus.CLOSED if proc.status is ProcedureStatus.SIGNED else proc.status
        rec.insert_procedure_version(self.store, replace(proc, patient_id=patient_id, patient_version=patient_version,
                                                         status=status, version=1, changed_at=now,
                                                         changed_by=actor.username))
        # References may point at entries voided later; they were valid when made.
        latest_valid = {}
        for history in record.events:
            live = [v for v in history.versions if not v.voided]
            if live:
                latest_valid[history.current.event_id] = live[-1]
        ctx = validation.EventContext(procedure_date=date.fromisoformat(proc.started_at[:10]),
                                      weight_kg=patient.weight_kg, events=latest_valid)
        for history in record.events:
            for version in history.versions:
                if version.procedure_id != proc.procedure_id:
                    raise ValidationError([Issue("procedure_id", version.procedure_id,
                                                 f"entry {version.event_id} belongs to another case")])
                errors, _ = validation.check_fields(EVENT_FIELDS[version.kind], version.data)
                if errors:
                    raise ValidationError(errors)
                if version is latest_valid.get(version.event_id):
                    validation.validate_event(version.kind, version.data, ctx)
                rec.insert_event_version(self.store, version)
        self.audit(actor, "import_procedure", "procedure", proc.procedure_id, procedure_id=proc.procedure_id,
                   new={"source": source, "entries": len(record.events)}, at=now)
