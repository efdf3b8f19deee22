"""Valid rows for the record tables, and valid entry payloads generated from the data dictionary, written
with raw SQL on either back end (the CHECK and wall tests: tests/store/test_pg_*.py)."""

from __future__ import annotations

import json
import secrets

from cathlog.domain.fields import EVENT_FIELDS, FieldSpec, FieldType

AT = "2026-11-21T09:00:00Z"


def valid_value(spec: FieldSpec):
    """A value the data dictionary's hard limits accept."""
    if spec.type is FieldType.INT:
        return int(spec.hard[0]) if spec.hard else 1
    if spec.type is FieldType.REAL:
        return float(spec.hard[0]) if spec.hard else 1.5
    if spec.type is FieldType.BOOL:
        return True
    if spec.type is FieldType.ENUM:
        return spec.choices[0]
    if spec.type is FieldType.ENUM_LIST:
        return list(spec.choices[:1])
    if spec.type is FieldType.DATE:
        return "2025-01-31"
    if spec.pattern is not None:
        return "1.2.840.10008.1"
    return "x"


def valid_payload(kind) -> dict:
    return {s.name: valid_value(s) for s in EVENT_FIELDS[kind] if s.required}


def new_id() -> str:
    return secrets.token_hex(16)


def event_row(kind: str, data: dict | str, **over) -> dict:
    row = {"event_id": new_id(), "version": 1, "procedure_id": "P1", "kind": kind,
           "data": data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, sort_keys=True),
           "occurred_at": AT, "recorded_at": AT, "recorded_by": "nurse", "performed_by": None,
           "workstation": "lab-1", "voided": 0, "reason": None}
    row.update(over)
    return row


def patient_row(**over) -> dict:
    row = {"patient_id": new_id(), "version": 1, "mrn_norm": "MRN1", "mrn": "MRN1", "family_name": "Doe",
           "given_name": "Jane", "birth_date": "1950-03-04", "sex": "female", "weight_kg": 70.0,
           "height_cm": None, "creatinine_mg_dl": None, "egfr_ml_min": None, "allergies": None,
           "anticoagulation": None, "changed_at": AT, "changed_by": "nurse", "reason": None}
    row.update(over)
    return row


def record_rows() -> dict[str, dict]:
    """One valid row for each append-only table (seq numbers chosen for a fresh database)."""
    pid = new_id()
    return {
        "patient_versions": patient_row(patient_id=pid),
        "patient_mrns": {"mrn_norm": "MRN1", "patient_id": pid},
        "procedure_versions": {"procedure_id": "P1", "version": 1, "patient_id": pid, "category": "coronary",
                               "planned": '["diagnostic_angiography"]', "indication": "sihd",
                               "urgency": "elective", "started_at": AT, "status": "open", "team": "[]",
                               "changed_at": AT, "changed_by": "nurse"},
        "event_versions": event_row("note", {"text": "hello"}),
        "audit": {"seq": 1, "at": AT, "username": "nurse", "workstation": "lab-1", "action": "test",
                  "entity": "e", "entity_id": "1", "prev_hash": "0" * 64, "hash": "a" * 64},
        "review_versions": {"procedure_id": "P1", "version": 1, "data": "{}", "changed_at": AT,
                            "changed_by": "doc"},
        "reminder_versions": {"reminder_id": new_id(), "version": 1, "procedure_id": "P1", "rule_id": "R1",
                              "due_date": "2027-01-01", "suggested_due": "2027-01-01", "title": "t", "text": "t",
                              "source": "s", "status": "suggested", "changed_at": AT, "changed_by": "doc"},
        "signature_events": {"signature_id": new_id(), "procedure_id": "P1", "action": "sign", "username": "doc",
                             "display_name": "Dr Doc", "meaning": "authored", "at": AT, "content_hash": "b" * 64},
        "seals": {"tbl": "event_versions", "rid": new_id(), "version": 1, "seq": 1, "row_hash": "c" * 64},
        "dose_report_files": {"sha256": "d" * 64, "size": 3, "content": b"DCM"},
        "dose_reports": {"sop_instance_uid": "1.2.3.4", "sop_class_uid": "1.2.840.10008.5.1.4.1.1.88.67",
                         "received_at": AT, "received_by": "nurse", "workstation": "lab-1", "channel": "network",
                         "sender": "XRAY", "file_sha256": "d" * 64, "totals": "{}"},
        "dose_report_states": {"sop_instance_uid": "1.2.3.4", "version": 1, "state": "received",
                               "changed_at": AT, "changed_by": "nurse", "workstation": "lab-1"},
    }


def insert_sql(table: str, row: dict, placeholder: str = "?") -> tuple[str, list]:
    return (f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join([placeholder] * len(row))})",
            list(row.values()))
