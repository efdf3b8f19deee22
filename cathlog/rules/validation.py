"""Validation of patients, procedures and log entries: pure functions (the checks
of each entry kind beyond its fields' limits are in cathlog.rules.entry_checks).

Each check returns :class:`Issue` objects. A hard issue makes the caller
raise :class:`ValidationError` (nothing is saved); soft issues are returned
as warnings the user must confirm. Messages name the field, the value and
what is allowed, and cite the source of the limit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from cathlog.domain import enums as e
from cathlog.domain.errors import Issue, ValidationError
from cathlog.domain.fields import DICOM_UID_PATTERN, EVENT_FIELDS, PATIENT_FIELDS, PROCEDURE_FIELDS, FieldSpec, FieldType
from cathlog.domain.records import Patient
from cathlog.domain.units import format_number
from cathlog.rules.entry_checks import KIND_CHECKS
from cathlog.rules.entry_checks import EventContext as EventContext  # callers build it with validate_event

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _show(value: object) -> str:
    if isinstance(value, float) and math.isfinite(value):
        return format_number(value, 6)
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _allowed(spec: FieldSpec) -> str:
    unit = f" {spec.unit}" if spec.unit else ""
    if spec.hard:
        low, high = (format_number(x, spec.decimals or 3) for x in spec.hard)
        return f"{low} to {high}{unit}"
    return ""


def check_value(spec: FieldSpec, value: Any) -> tuple[list[Issue], list[Issue]]:
    """Check one value against its spec: (hard issues, soft warnings)."""
    name, label = spec.name, spec.label
    if isinstance(value, str) and value and not value.strip():
        return [Issue(name, value, f"{label} is blank (only spaces or line breaks)")], []
    if value is None or value == "" or value == []:
        if spec.required:
            return [Issue(name, value, f"{label} is required")], []
        return [], []
    if spec.is_number:
        return _check_number(spec, value)
    if spec.type is FieldType.BOOL:
        if not isinstance(value, bool):
            return [Issue(name, value, f"{label} must be yes or no, not {_show(value)}")], []
        return [], []
    if spec.type is FieldType.ENUM:
        if value not in spec.choices:
            return [Issue(name, value, f"{label} {_show(value)} is not one of: {', '.join(spec.choices)}")], []
        return [], []
    if spec.type is FieldType.ENUM_LIST:
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            return [Issue(name, value, f"{label} must be a list")], []
        bad = [v for v in value if v not in spec.choices]
        if bad:
            return [Issue(name, value, f"{label}: {', '.join(map(repr, bad))} not one of: {', '.join(spec.choices)}")], []
        if len(set(value)) != len(value):
            return [Issue(name, value, f"{label} lists a value twice")], []
        return [], []
    if spec.type is FieldType.DATE:
        return _check_date(spec, value), []
    # TEXT and REF
    if not isinstance(value, str):
        return [Issue(name, value, f"{label} must be text, not {_show(value)}")], []
    if value != value.strip():
        return [Issue(name, value, f"{label} has leading or trailing spaces")], []
    pattern = _CONTROL if spec.multiline else _CONTROL_SINGLE_LINE
    if pattern.search(value):
        return [Issue(name, value, f"{label} contains a control character (a line break or an invisible code)")], []
    if spec.max_len is not None and len(value) > spec.max_len:
        return [Issue(name, value, f"{label} is {len(value)} characters long; at most {spec.max_len} allowed")], []
    if spec.pattern is not None and not re.fullmatch(spec.pattern, value):
        what = "a DICOM UID (digits in groups separated by dots, no leading zeros)" \
            if spec.pattern == DICOM_UID_PATTERN else f"text matching {spec.pattern}"
        return [Issue(name, value, f"{label} {_show(value)} is not {what}", spec.source)], []
    return [], []


def _check_number(spec: FieldSpec, value: Any) -> tuple[list[Issue], list[Issue]]:
    name, label = spec.name, spec.label
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return [Issue(name, value, f"{label} must be a number, not {_show(value)}")], []
    if isinstance(value, float) and not math.isfinite(value):
        return [Issue(name, value, f"{label} must be a finite number")], []
    if spec.type is FieldType.INT and not isinstance(value, int):
        if float(value).is_integer():
            value = int(value)
        else:
            return [Issue(name, value, f"{label} must be a whole number, not {_show(value)}")], []
    if spec.type is FieldType.REAL and abs(round(value, spec.decimals) - value) > 1e-9:
        places = "no decimals" if spec.decimals == 0 else f"at most {spec.decimals} decimal(s)"
        return [Issue(name, value, f"{label} {_show(value)} has too many decimals; {places} allowed")], []
    if spec.hard and not spec.hard[0] <= value <= spec.hard[1]:
        unit = f" {spec.unit}" if spec.unit else ""
        return [Issue(name, value, f"{label} {_show(value)}{unit} is out of range; allowed {_allowed(spec)}",
                      spec.source)], []
    warnings = []
    if spec.soft:
        low, high = spec.soft
        unit = f" {spec.unit}" if spec.unit else ""
        if low is not None and value < low:
            warnings.append(Issue(name, value, f"{label} {_show(value)}{unit} is below {format_number(low)}{unit}, "
                                  f"which is unusual", spec.source, f"{name}:low"))
        if high is not None and value > high:
            warnings.append(Issue(name, value, f"{label} {_show(value)}{unit} is above {format_number(high)}{unit}, "
                                  f"which is unusual", spec.source, f"{name}:high"))
    return [], warnings


def _check_date(spec: FieldSpec, value: Any) -> list[Issue]:
    if not isinstance(value, str) or not _DATE.match(value):
        return [Issue(spec.name, value, f"{spec.label} {_show(value)} must be a date written YYYY-MM-DD")]
    try:
        date.fromisoformat(value)
    except ValueError:
        return [Issue(spec.name, value, f"{spec.label} {_show(value)} is not a real date")]
    return []


def check_fields(specs: Iterable[FieldSpec], data: Mapping[str, Any]) -> tuple[list[Issue], list[Issue]]:
    """Check a mapping against specs; unknown keys are refused."""
    specs = tuple(specs)
    known = {s.name for s in specs}
    errors = [Issue(k, data[k], f"unknown field {k!r}") for k in data if k not in known]
    warnings: list[Issue] = []
    for spec in specs:
        errs, warns = check_value(spec, data.get(spec.name))
        errors += errs
        warnings += warns
    return errors, warnings


def _finish(errors: list[Issue], warnings: list[Issue]) -> list[Issue]:
    if errors:
        raise ValidationError(errors)
    return warnings


# --- patients and procedures -------------------------------------------------


def validate_patient(patient: Patient, today: date) -> list[Issue]:
    """Raise ValidationError on hard issues; return the soft warnings."""
    errors, warnings = check_fields(PATIENT_FIELDS, patient.clinical_fields())
    if not any(i.field == "birth_date" for i in errors):
        born = date.fromisoformat(patient.birth_date)
        if born > today:
            errors.append(Issue("birth_date", patient.birth_date, "Birth date is in the future"))
        elif born.year < 1900:
            errors.append(Issue("birth_date", patient.birth_date, "Birth date is before 1900"))
    if patient.weight_kg is not None and patient.height_cm is not None and not errors:
        bmi = patient.weight_kg / (patient.height_cm / 100) ** 2
        if not 12 <= bmi <= 80:
            warnings.append(Issue("weight_kg", patient.weight_kg,
                                  f"weight and height give a BMI of {bmi:.0f}; please check both", "design",
                                  "bmi"))
    return _finish(errors, warnings)


def validate_procedure(data: Mapping[str, Any]) -> list[Issue]:
    errors, warnings = check_fields(PROCEDURE_FIELDS, data)
    low, high = data.get("act_target_low_s"), data.get("act_target_high_s")
    if (low is None) != (high is None):
        errors.append(Issue("act_target_high_s", high, "give both ends of the ACT target band, or neither"))
    elif low is not None and not errors and low >= high:
        errors.append(Issue("act_target_high_s", high, f"ACT target {low}-{high} s: the high end must be above the low"))
    if not errors:
        allowed = e.INDICATIONS_BY_CATEGORY[e.Category(data["category"])]
        if data["indication"] not in allowed:
            errors.append(Issue("indication", data["indication"],
                                f"Indication {data['indication']!r} does not fit a {data['category']} procedure; "
                                f"choose one of: {', '.join(allowed)}"))
    return _finish(errors, warnings)


# --- events --------------------------------------------------------------------


def validate_event(kind: e.EventKind, data: Mapping[str, Any], ctx: EventContext) -> list[Issue]:
    """Raise ValidationError on hard issues; return the soft warnings."""
    errors, warnings = check_fields(EVENT_FIELDS[kind], data)
    for spec in EVENT_FIELDS[kind]:  # fields by category (issue 11 item 9); older fields stay accepted
        if spec.since > 1 and spec.categories and ctx.category and ctx.category not in spec.categories \
                and data.get(spec.name) is not None:
            errors.append(Issue(spec.name, data[spec.name], f"{spec.label} is not recorded for a "
                                f"{e.Category(ctx.category).label} case"))
    if not errors:
        check = KIND_CHECKS.get(kind)
        if check:
            check(data, ctx, errors, warnings)
    return _finish(errors, warnings)


def normalize(specs: Iterable[FieldSpec], data: Mapping[str, Any]) -> dict[str, Any]:
    """The stored form of entered data: empty values dropped, whole-number
    floats in integer fields made ints and ints in decimal fields made floats,
    so one value has one stored (and exported) spelling."""
    by_name = {s.name: s for s in specs}
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None or value == "" or value == []:
            continue
        spec = by_name.get(key)
        if spec is not None and not isinstance(value, bool):
            if spec.type is FieldType.INT and isinstance(value, float) and value.is_integer():
                value = int(value)
            elif spec.type is FieldType.REAL and isinstance(value, int):
                value = float(value)
            elif spec.type is FieldType.ENUM_LIST and isinstance(value, tuple):
                value = list(value)
        out[key] = value
    return out
