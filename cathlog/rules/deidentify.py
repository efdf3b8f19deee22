"""De-identification after HIPAA Safe Harbor (45 CFR 164.514(b)(2)).

Removed or replaced: names (patient and staff), MRNs and case ids (stable
keyed pseudonyms: the same patient gets the same id in every export of this
database, and nobody without the database's key can reverse it), every date
element but the year (times are shifted so each case starts on 1 January of
its year: intervals within a case survive), ages over 89 (birth year moved
to make the age 90), device lot, serial and UDI (identifiers of a person's
device), and all free text (notes, descriptions, reasons, allergies,
rooms, workstations), which could hold any identifier.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import datetime, timezone

from cathlog.domain.enums import EventKind
from cathlog.domain.fields import EVENT_FIELDS, FieldType
from cathlog.domain.records import (
    EventHistory,
    EventVersion,
    Patient,
    ProcedureRecord,
    TeamMember,
    normalize_mrn,
    parse_utc_iso,
    utc_iso,
)

REMOVED = "[removed]"
DEVICE_IDENTIFIERS = ("lot", "serial", "udi", "expiry_date", "expiry_override_reason")


def pseudonym(key: bytes, kind: str, value: str, length: int = 12) -> str:
    digest = hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return digest[:length].upper()


def _free_text_fields(kind: EventKind) -> set[str]:
    return {s.name for s in EVENT_FIELDS[kind] if s.type is FieldType.TEXT} - {"manufacturer", "model",
                                                                               "catalog_number", "gtin",
                                                                               "drug_name"}


def deidentify(record: ProcedureRecord, key: bytes) -> ProcedureRecord:
    proc, p = record.procedure, record.patient
    start = parse_utc_iso(proc.started_at)
    year_start = datetime(start.year, 1, 1, tzinfo=timezone.utc)
    shift = start - year_start

    def when(text: str) -> str:
        return utc_iso(parse_utc_iso(text) - shift)

    born = int(p.birth_date[:4])
    birth_year = min(born, start.year - 90) if start.year - born > 89 else born
    mrn_id = pseudonym(key, "mrn", normalize_mrn(p.mrn))
    patient = Patient(mrn=f"PX{mrn_id}", family_name=f"Patient {mrn_id[:6]}", birth_date=f"{birth_year}-01-01",
                      sex=p.sex, weight_kg=p.weight_kg, height_cm=p.height_cm, creatinine_mg_dl=p.creatinine_mg_dl,
                      egfr_ml_min=p.egfr_ml_min, anticoagulation=p.anticoagulation)
    case_id = f"C{pseudonym(key, 'case', proc.procedure_id)}"
    team = tuple(TeamMember(f"{m.role.label} {i + 1}", m.role) for i, m in enumerate(proc.team))
    procedure = replace(proc, procedure_id=case_id, patient_id="", started_at=when(proc.started_at),
                        indication_detail=None, room=None, team=team, changed_at="", changed_by="")
    histories = []
    for history in record.events:
        versions = []
        for v in history.versions:
            data = {k: val for k, val in v.data.items() if k not in DEVICE_IDENTIFIERS}
            for name in _free_text_fields(v.kind) & set(data):
                data[name] = REMOVED
            versions.append(EventVersion(
                event_id=v.event_id, procedure_id=case_id, kind=v.kind, data=data, occurred_at=when(v.occurred_at),
                recorded_at=when(v.recorded_at), recorded_by=f"user-{pseudonym(key, 'user', v.recorded_by, 8)}",
                performed_by=None, workstation="", version=v.version, voided=v.voided,
                reason=REMOVED if v.reason else None))
        histories.append(EventHistory(tuple(versions)))
    return ProcedureRecord(procedure, patient, tuple(histories))

