"""De-identification after HIPAA Safe Harbor (45 CFR 164.514(b)(2)).

Replaced by keyed pseudonyms (HMAC-SHA256 under the installation's
de-identification key, which lives outside the database:
``cathlog.store.keys.deidentification_key``): every identifier - case
(procedure) id, patient id, MRN, entry (event) id and every reference to an
entry inside entry data (``FieldType.REF``), device lot and serial number, the
recording user. The same identifier gets the same pseudonym in every export of
this installation (a researcher can link two exports), and nobody without the
key can link a pseudonym to an identified export.

Removed: names (patient and staff; staff become their roles), every date
element but the year (every time of a case - start, occurred-at, recorded-at -
moves by the same offset, so the case starts on 1 January of its year and
intervals within the case survive exactly), ages over 89 (birth year moved to
make the age 90), device UDI (it carries the lot, serial and expiry), expiry
date and its override reason, and all free text (notes, descriptions,
reasons, allergies, rooms, workstations), which could hold any identifier.
Cases carry no signature, review or reminder in an export.

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
from cathlog.domain.flat_tables import (
    EVENT_COMMON,
    PATIENTS,
    PROCEDURES,
    FlatTable,
    neutralize,
    unneutralize,
)
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
#: Device fields removed outright (the UDI's human-readable form carries lot, serial and expiry).
DEVICE_REMOVED = ("udi", "expiry_date", "expiry_override_reason")
#: Device fields replaced by a keyed pseudonym (field -> pseudonym prefix).
DEVICE_PSEUDONYMISED = {"lot": "L", "serial": "S"}
#: Every entry field that holds another entry's id, per kind.
REF_FIELDS: dict[EventKind, tuple[str, ...]] = {
    kind: tuple(s.name for s in specs if s.type is FieldType.REF) for kind, specs in EVENT_FIELDS.items()}
_ID_LENGTH = 16  # hex digits: 64 bits, no collision among millions of entries


def pseudonym(key: bytes, kind: str, value: str, length: int = _ID_LENGTH) -> str:
    digest = hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return digest[:length].upper()


def _free_text_fields(kind: EventKind) -> set[str]:
    return {s.name for s in EVENT_FIELDS[kind] if s.type is FieldType.TEXT} - {"manufacturer", "model",
                                                                               "catalog_number", "gtin",
                                                                               "drug_name",
                                                                               *DEVICE_PSEUDONYMISED}


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


def _patient_id(key: bytes, patient_id: str) -> str:
    return f"P{pseudonym(key, 'patient', patient_id)}" if patient_id else ""


def _event(key: bytes, event_id: str) -> str:
    """An entry id keeps the form of one (32 hex digits: record files check it), keyed."""
    return pseudonym(key, "event", event_id, 32).lower()


def _entry_data(key: bytes, kind: EventKind, data: dict[str, Any]) -> dict[str, Any]:
    """An entry's data (plain values) without identifiers: references and device numbers
    pseudonymised, UDI and expiry removed, free text replaced."""
    out = {k: val for k, val in data.items() if k not in DEVICE_REMOVED}
    for name in _free_text_fields(kind) & set(out):
        out[name] = REMOVED
    for name, prefix in DEVICE_PSEUDONYMISED.items():
        if out.get(name):
            out[name] = f"{prefix}{pseudonym(key, name, str(out[name]).strip())}"
    for name in REF_FIELDS[kind]:
        if out.get(name):
            out[name] = _event(key, str(out[name]))
    return out


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
    procedure = replace(proc, procedure_id=case_id, patient_id=_patient_id(key, proc.patient_id),
                        started_at=when(proc.started_at),
                        indication_detail=None, room=None, accession_number=None, study_instance_uid=None,
                        requested_procedure=None, team=team, changed_at="", changed_by="")
    histories = []
    for history in record.events:
        versions = []
        for v in history.versions:
            data = _entry_data(key, v.kind, v.data)
            versions.append(EventVersion(
                event_id=_event(key, v.event_id), procedure_id=case_id, kind=v.kind, data=data,
                occurred_at=when(v.occurred_at), recorded_at=when(v.recorded_at), recorded_by=_user(key, v.recorded_by),
                performed_by=None, workstation="", version=v.version, voided=v.voided,
                reason=REMOVED if v.reason else None))
        histories.append(EventHistory(tuple(versions)))
    return ProcedureRecord(procedure, patient, tuple(histories))


# --- rows of the flat tables ----------------------------------------------------

#: Patient columns that stay; every other patient column is removed (given name, allergies, ...).
PATIENT_KEPT = ("sex", "weight_kg", "height_cm", "creatinine_mg_dl", "egfr_ml_min", "anticoagulation")
#: Procedure columns that are removed.
PROCEDURE_REMOVED = ("indication_detail", "room")


def _plain(cell: Any) -> Any:
    """An export cell's plain value (text without the formula guard); booleans stay cells."""
    return unneutralize(cell) if isinstance(cell, str) else cell


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
    values = dict(zip(names, cells, strict=True))
    data_names = names[len(EVENT_COMMON):]
    data = {name: _plain(values[name]) for name in data_names if values[name] is not None}
    values.update(dict.fromkeys(data_names))
    values.update({name: neutralize(v) for name, v in _entry_data(key, table.kind, data).items()})
    values.update(procedure_id=_case(key, values["procedure_id"]), event_id=_event(key, values["event_id"]),
                  occurred_at=when(values["occurred_at"]),
                  recorded_at=when(values["recorded_at"]), recorded_by=_user(key, unneutralize(values["recorded_by"])),
                  performed_by=None, workstation="", reason=REMOVED if values["reason"] else None)
    return tuple(values[name] for name in names)
