"""De-identification after HIPAA Safe Harbor (45 CFR 164.514(b)(2)).

Removed or replaced: names (patient and staff), MRNs and case ids (stable
keyed pseudonyms: the same patient gets the same id in every export of this
database, and nobody without the database's key can reverse it), every date
element but the year (times are shifted so each case starts on 1 January of
its year: intervals within a case survive), ages over 89 (birth year moved
to make the age 90), device lot, serial and UDI (identifiers of a person's
device), and all free text (notes, descriptions, reasons, allergies,
rooms, workstations), which could hold any identifier.

Two forms, kept equal by a test: :func:`deidentify` for whole records (JSON,
FHIR) and :func:`deidentify_row` for the streamed rows of the flat tables
(CSV, XLSX; ``cathlog.domain.flat_tables``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from cathlog.domain.enums import EventKind, TeamRole
from cathlog.domain.fields import EVENT_FIELDS, FieldType
from cathlog.domain.flat_tables import PATIENTS, PROCEDURES, FlatTable, neutralize, unneutralize
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


def _shift(started_at: str) -> timedelta:
    """How far a case's times move: its start becomes 1 January of its year, 00:00 UTC."""
    start = parse_utc_iso(started_at)
    return start - datetime(start.year, 1, 1, tzinfo=timezone.utc)


def _shifter(started_at: str) -> Callable[[str], str]:
    shift = _shift(started_at)
    return lambda text: utc_iso(parse_utc_iso(text) - shift)


def _birth_year(birth_date: str, started_at: str) -> int:
    """The birth year, moved to make the age 90 when the patient is older than 89 at the case
    (Safe Harbor: ages over 89 are one group, "90 or older")."""
    born, year = int(birth_date[:4]), int(started_at[:4])
    return year - 90 if year - born > 89 else born


def _mrn(key: bytes, mrn: str) -> str:
    return f"PX{pseudonym(key, 'mrn', normalize_mrn(mrn))}"


def _case(key: bytes, procedure_id: str) -> str:
    return f"C{pseudonym(key, 'case', procedure_id)}"


def _user(key: bytes, username: str) -> str:
    return f"user-{pseudonym(key, 'user', username, 8)}"


def _team(roles: list[TeamRole]) -> tuple[TeamMember, ...]:
    return tuple(TeamMember(f"{role.label} {i + 1}", role) for i, role in enumerate(roles))


def deidentify(record: ProcedureRecord, key: bytes) -> ProcedureRecord:
    proc, p = record.procedure, record.patient
    when = _shifter(proc.started_at)
    mrn = _mrn(key, p.mrn)
    patient = Patient(mrn=mrn, family_name=f"Patient {mrn[2:8]}",
                      birth_date=f"{_birth_year(p.birth_date, proc.started_at)}-01-01",
                      sex=p.sex, weight_kg=p.weight_kg, height_cm=p.height_cm, creatinine_mg_dl=p.creatinine_mg_dl,
                      egfr_ml_min=p.egfr_ml_min, anticoagulation=p.anticoagulation)
    case_id = _case(key, proc.procedure_id)
    team = _team([m.role for m in proc.team])
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
                recorded_at=when(v.recorded_at), recorded_by=_user(key, v.recorded_by),
                performed_by=None, workstation="", version=v.version, voided=v.voided,
                reason=REMOVED if v.reason else None))
        histories.append(EventHistory(tuple(versions)))
    return ProcedureRecord(procedure, patient, tuple(histories))


# --- rows of the flat tables ----------------------------------------------------

#: Patient columns that stay; every other patient column is removed (given name, allergies, ...).
PATIENT_KEPT = ("sex", "weight_kg", "height_cm", "creatinine_mg_dl", "egfr_ml_min", "anticoagulation")
#: Procedure columns that are removed.
PROCEDURE_REMOVED = ("indication_detail", "room")


def deidentify_row(table: FlatTable, row: tuple[Any, ...], key: bytes) -> tuple[Any, ...]:
    """One streamed row (export cells, then the table's context value) with Safe Harbor identifiers
    removed, exactly as :func:`deidentify` removes them from the record it came from. Returns the
    row without its context value."""
    *cells, context = row
    names = table.column_names
    if table is PATIENTS:
        values = dict(zip(names, cells, strict=True))
        mrn = _mrn(key, unneutralize(values["mrn"]))
        out = {name: (values[name] if name in PATIENT_KEPT else None) for name in names}
        out.update(mrn=mrn, family_name=f"Patient {mrn[2:8]}",
                   birth_date=f"{_birth_year(values['birth_date'], context)}-01-01")
        return tuple(out[name] for name in names)
    if table is PROCEDURES:
        values = dict(zip(names, cells, strict=True))
        team = _team([TeamRole(r) for r in json.loads(context)])
        values.update(procedure_id=_case(key, values["procedure_id"]), mrn=_mrn(key, unneutralize(values["mrn"])),
                      started_at=_shifter(values["started_at"])(values["started_at"]),
                      primary_operator=next((m.name for m in team if m.role is TeamRole.PRIMARY_OPERATOR), None),
                      team="; ".join(f"{m.name} ({m.role.value})" for m in team))
        values.update(dict.fromkeys(PROCEDURE_REMOVED))
        return tuple(neutralize(values[name]) for name in names)
    if table.kind is None:  # pragma: no cover - every table is patients, procedures or events
        raise ValueError(f"no de-identification for table {table.name}")
    when = _shifter(context)
    free_text = _free_text_fields(table.kind)
    values = dict(zip(names, cells, strict=True))
    for name in names:
        if name in DEVICE_IDENTIFIERS:
            values[name] = None
        elif name in free_text and values[name] is not None:
            values[name] = REMOVED
    values.update(procedure_id=_case(key, values["procedure_id"]), occurred_at=when(values["occurred_at"]),
                  recorded_at=when(values["recorded_at"]), recorded_by=_user(key, unneutralize(values["recorded_by"])),
                  performed_by=None, workstation="", reason=REMOVED if values["reason"] else None)
    return tuple(values[name] for name in names)
