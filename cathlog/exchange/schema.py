"""The JSON Schema of cathlog's procedure record format, built from the data
dictionary so the format and the validator cannot disagree.

``python -m cathlog.exchange.schema`` prints it; the copy in
``docs/procedure-record.schema.json`` is checked against it by a test.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from jsonschema import FormatChecker

from cathlog.domain import enums as e
from cathlog.domain.fields import EVENT_FIELDS, PATIENT_FIELDS, PROCEDURE_FIELDS, FieldSpec, FieldType
from cathlog.domain.records import is_utc_timestamp

FORMAT_NAME = "cathlog-procedure-records"
FORMAT_VERSION = 1
_EVENT_ID = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
_TIMESTAMP = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", "format": "date-time"}


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True  # "format" only constrains strings; "type" reports the rest
    try:
        return date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def format_checker() -> FormatChecker:
    """The formats the record schema uses, checked strictly and without optional
    packages (jsonschema skips "date-time" silently unless rfc3339-validator is
    installed): a date-time must be a real UTC time, a date a real day."""
    checker = FormatChecker(formats=())
    checker.checks("date-time")(lambda value: not isinstance(value, str) or is_utc_timestamp(value))
    checker.checks("date")(_is_date)
    return checker


def field_schema(spec: FieldSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"description": spec.label + (f" ({spec.unit})" if spec.unit else "")}
    t = spec.type
    if t in (FieldType.INT, FieldType.REAL):
        out["type"] = "integer" if t is FieldType.INT else "number"
        if spec.hard:
            out["minimum"], out["maximum"] = spec.hard
    elif t is FieldType.BOOL:
        out["type"] = "boolean"
    elif t is FieldType.ENUM:
        out["enum"] = list(spec.choices)
    elif t is FieldType.ENUM_LIST:
        out.update(type="array", items={"enum": list(spec.choices)}, uniqueItems=True, minItems=1)
    elif t is FieldType.DATE:
        out.update(type="string", pattern=r"^\d{4}-\d{2}-\d{2}$", format="date")
    elif t is FieldType.REF:
        out.update(_EVENT_ID)
    else:
        out.update(type="string", minLength=1)
        if spec.max_len:
            out["maxLength"] = spec.max_len
        if spec.pattern:
            out["pattern"] = f"^(?:{spec.pattern})$"
    return out


def _object(specs: tuple[FieldSpec, ...], extra: dict[str, Any] | None = None,
            extra_required: tuple[str, ...] = ()) -> dict[str, Any]:
    props = {s.name: field_schema(s) for s in specs}
    props.update(extra or {})
    return {"type": "object", "properties": props, "additionalProperties": False,
            "required": list(extra_required) + [s.name for s in specs if s.required]}


def record_schema() -> dict[str, Any]:
    version = {
        "type": "object",
        "additionalProperties": False,
        "required": ["version", "occurred_at", "recorded_at", "recorded_by", "workstation", "voided", "data"],
        "properties": {
            "version": {"type": "integer", "minimum": 1},
            "occurred_at": _TIMESTAMP,
            "recorded_at": _TIMESTAMP,
            "recorded_by": {"type": "string", "minLength": 1},
            "performed_by": {"type": "string", "minLength": 1, "maxLength": 100},
            "workstation": {"type": "string"},
            "voided": {"type": "boolean"},
            "reason": {"type": "string", "minLength": 1, "maxLength": 500},
            "data": {"type": "object"},
        },
    }
    by_kind = [
        {"if": {"properties": {"kind": {"const": kind.value}}},
         "then": {"properties": {"versions": {"items": {"properties": {"data": _object(specs)}}}}}}
        for kind, specs in EVENT_FIELDS.items()
    ]
    event = {
        "type": "object",
        "additionalProperties": False,
        "required": ["event_id", "kind", "versions"],
        "properties": {"event_id": _EVENT_ID, "kind": {"enum": list(e.EventKind.values())},
                       "versions": {"type": "array", "minItems": 1, "items": version}},
        "allOf": by_kind,
    }
    team_member = {"type": "object", "additionalProperties": False, "required": ["name", "role"],
                   "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100},
                                  "role": {"enum": list(e.TeamRole.values())}}}
    procedure = _object(
        PROCEDURE_FIELDS,
        extra={
            "procedure_id": {"type": "string", "minLength": 1, "maxLength": 64},
            "started_at": _TIMESTAMP,
            "status": {"enum": list(e.ProcedureStatus.values())},
            "team": {"type": "array", "items": team_member},
            "patient": _object(PATIENT_FIELDS),
            "events": {"type": "array", "items": event},
        },
        extra_required=("procedure_id", "started_at", "status", "team", "patient", "events"),
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://cathlog.example/schemas/procedure-records-1.json",
        "title": "cathlog procedure records, format version 1",
        "description": "A file of whole procedure records: patient, procedure and every log entry with all its "
                       "versions. Units are in the field names (e.g. volume_ml, air_kerma_mgy). "
                       "Times are real UTC times, YYYY-MM-DDTHH:MM:SSZ, and dates real days (formats are enforced). "
                       "See docs/record-format.md.",
        "type": "object",
        "additionalProperties": False,
        "required": ["format", "format_version", "procedures"],
        "properties": {
            "format": {"const": FORMAT_NAME},
            "format_version": {"const": FORMAT_VERSION},
            "procedures": {"type": "array", "items": procedure},
        },
    }


def schema_text() -> str:
    return json.dumps(record_schema(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(schema_text(), end="")
