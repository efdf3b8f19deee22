"""Validation of patients, procedures and log entries: pure functions.

Each check returns :class:`Issue` objects. A hard issue makes the caller
raise :class:`ValidationError` (nothing is saved); soft issues are returned
as warnings the user must confirm. Messages name the field, the value and
what is allowed, and cite the source of the limit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cathlog.domain import enums as e
from cathlog.domain.drugs import DRUGS, HEPARIN_UNITS_PER_KG_SOFT_MAX, HEPARIN_UNITS_PER_KG_SOURCE
from cathlog.domain.errors import Issue, ValidationError
from cathlog.domain.fields import DICOM_UID_PATTERN, EVENT_FIELDS, PATIENT_FIELDS, PROCEDURE_FIELDS, FieldSpec, FieldType
from cathlog.domain.records import EventVersion, Patient, parse_utc_iso
from cathlog.domain.units import format_number
from cathlog.rules import device_sanity
from cathlog.rules.case_facts import dose_per_kg, timer_kind
from cathlog.rules.case_flow import IODINATED_AGENTS, contrast_allergy, heparin_units, recent_same_drug

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Burr-to-artery ratio band (domain-reference 2.5, Barbato 2015 [18]).
BURR_ARTERY_RATIO = (0.4, 0.6)
BURR_RATIO_SOURCE = "European expert consensus on rotational atherectomy, Barbato 2015 [18]"
IMPLANT_SOURCE = "implantable device kinds (cathlog.domain.vocab_lab, issue 11 item 1; UDI traceability, domain-reference 1)"


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


@dataclass(frozen=True)
class EventContext:
    """What an entry is checked against: the patient and the case so far."""

    procedure_date: date  # the local date of the entry being checked (device expiry is judged against it)
    weight_kg: float | None = None
    events: Mapping[str, EventVersion] = field(default_factory=dict)  # current versions by event_id
    category: str | None = None  # the case's category (device bands, fields by category)
    occurred_at: str | None = None  # the entry's own time (UTC ISO), for checks against nearby entries
    allergies: str | None = None  # the patient's allergy list
    editing_event_id: str | None = None  # the entry being corrected: not counted against itself


def validate_event(kind: e.EventKind, data: Mapping[str, Any], ctx: EventContext) -> list[Issue]:
    """Raise ValidationError on hard issues; return the soft warnings."""
    errors, warnings = check_fields(EVENT_FIELDS[kind], data)
    for spec in EVENT_FIELDS[kind]:  # fields by category (issue 11 item 9); older fields stay accepted
        if spec.since > 1 and spec.categories and ctx.category and ctx.category not in spec.categories \
                and data.get(spec.name) is not None:
            errors.append(Issue(spec.name, data[spec.name], f"{spec.label} is not recorded for a "
                                f"{e.Category(ctx.category).label} case"))
    if not errors:
        check = _KIND_CHECKS.get(kind)
        if check:
            check(data, ctx, errors, warnings)
    return _finish(errors, warnings)


def _ref(data: Mapping[str, Any], key: str, ctx: EventContext, kinds: set[e.EventKind],
         errors: list[Issue], what: str) -> EventVersion | None:
    ref = data.get(key)
    if ref is None:
        return None
    target = ctx.events.get(ref)
    if target is None or target.voided or target.kind not in kinds:
        errors.append(Issue(key, ref, f"{what} {ref!r} is not a {'/'.join(sorted(kinds))} entry of this case"))
        return None
    return target


def _check_access(data: Mapping[str, Any], ctx: EventContext, errors: list[Issue], warnings: list[Issue]) -> None:
    venous = e.AccessSite(data["site"]) in e.VENOUS_ACCESS_SITES
    if venous != (data["vessel_type"] == e.VesselType.VEIN):
        want = "vein" if venous else "artery"
        errors.append(Issue("vessel_type", data["vessel_type"],
                            f"a {e.AccessSite(data['site']).label} access is a {want}"))
    vessel = data.get("access_vessel")
    fits = e.ACCESS_VESSELS_BY_SITE[data["site"]]
    if vessel is not None and vessel not in fits:
        errors.append(Issue("access_vessel", vessel, f"the {e.AccessVessel(vessel).label} is not a "
                            f"{e.AccessSite(data['site']).label} access; choose one of: "
                            f"{', '.join(sorted(v.label for v in fits))}"))


def _check_medication(data: Mapping[str, Any], ctx: EventContext, errors: list[Issue], warnings: list[Issue]) -> None:
    spec = DRUGS[e.Drug(data["drug"])]
    unit = e.DoseUnit(data["dose_unit"])
    dose = data["dose"]
    label = data.get("drug_name") or spec.drug.label
    if spec.drug is e.Drug.OTHER and not data.get("drug_name"):
        errors.append(Issue("drug_name", None, "Drug name is required when the drug is 'other'"))
    if unit not in spec.units:
        errors.append(Issue("dose_unit", data["dose_unit"],
                            f"{label} is dosed in {' or '.join(spec.units)}, not {unit}"))
        return
    if dose > spec.hard_max[unit]:
        errors.append(Issue("dose", dose, f"{label} {format_number(dose)} {unit} is out of range; "
                            f"at most {format_number(spec.hard_max[unit])} {unit} in one dose", spec.source))
        return
    soft = spec.soft_max.get(unit)
    if soft is not None and dose > soft:
        warnings.append(Issue("dose", dose, f"{label} {format_number(dose)} {unit} is above "
                              f"{format_number(soft)} {unit}, which is unusual for one dose", spec.source,
                              "dose:high"))
    per_kg = dose_per_kg(spec.drug, dose, ctx.weight_kg) if spec.drug is e.Drug.HEPARIN else None
    if per_kg is not None and per_kg > HEPARIN_UNITS_PER_KG_SOFT_MAX:
        warnings.append(Issue("dose", dose, f"heparin {format_number(dose)} units is "
                              f"{per_kg:.0f} units/kg at {format_number(ctx.weight_kg or 0)} kg, above "
                              f"{HEPARIN_UNITS_PER_KG_SOFT_MAX:.0f} units/kg",
                              HEPARIN_UNITS_PER_KG_SOURCE, "dose:per_kg"))
    _check_against_case(data, ctx, warnings)


CUMULATIVE_HEPARIN_SOURCE = ("domain-reference.md 2.2: UFH 70-100 units/kg without GP IIb/IIIa, "
                             "2013 ACCF/AHA STEMI guideline [5]")
REPEAT_BOLUS_SOURCE = "design (issue 11): a second bolus of the same drug within 15 min is confirmed"
CONTRAST_ALLERGY_SOURCE = "the patient's allergy list; premedication per local protocol"


def _check_against_case(data: Mapping[str, Any], ctx: EventContext, warnings: list[Issue]) -> None:
    """Soft: a repeat bolus of the same drug within 15 min; heparin over the case above 100 units/kg."""
    others = [ev for ev in ctx.events.values() if ev.event_id != ctx.editing_event_id]
    label = data.get("drug_name") or e.Drug(data["drug"]).label
    if ctx.occurred_at is not None:
        near = recent_same_drug(others, data, parse_utc_iso(ctx.occurred_at), ctx.editing_event_id)
        if near is not None:
            minutes = abs(parse_utc_iso(near.occurred_at) - parse_utc_iso(ctx.occurred_at)).total_seconds() / 60
            warnings.append(Issue("drug", data["drug"], f"{label} was already given {minutes:.0f} min from this "
                                  f"dose ({format_number(near.data['dose'])} {near.data['dose_unit']}); "
                                  "is this a second bolus?", REPEAT_BOLUS_SOURCE, "dose:repeat_bolus"))
    if data["drug"] == e.Drug.HEPARIN and data["dose_unit"] == e.DoseUnit.UNITS and ctx.weight_kg:
        before = heparin_units(others)
        total_per_kg = (before + data["dose"]) / ctx.weight_kg
        if before > 0 and total_per_kg > HEPARIN_UNITS_PER_KG_SOFT_MAX:
            warnings.append(Issue("dose", data["dose"], f"heparin over the case would be "
                                  f"{format_number(before + data['dose'])} units = {total_per_kg:.0f} units/kg at "
                                  f"{format_number(ctx.weight_kg)} kg, above {HEPARIN_UNITS_PER_KG_SOFT_MAX:.0f} "
                                  "units/kg", CUMULATIVE_HEPARIN_SOURCE, "dose:heparin_cumulative"))


def _check_contrast(data: Mapping[str, Any], ctx: EventContext, errors: list[Issue], warnings: list[Issue]) -> None:
    if data["agent"] in IODINATED_AGENTS and contrast_allergy(ctx.allergies):
        warnings.append(Issue("agent", data["agent"], f"the patient's allergies list {ctx.allergies!r}: confirm "
                              "that premedication was given before iodinated contrast", CONTRAST_ALLERGY_SOURCE,
                              "agent:contrast_allergy"))


def _check_device(data: Mapping[str, Any], ctx: EventContext, errors: list[Issue], warnings: list[Issue]) -> None:
    kind = e.DeviceType(data["device_type"])
    diameter = data.get("diameter_mm")
    if kind is e.DeviceType.RA_BURR and diameter is not None and diameter not in e.BURR_SIZES_MM:
        errors.append(Issue("diameter_mm", diameter, f"burr size {format_number(diameter)} mm is not a burr size; "
                            f"sizes are {', '.join(format_number(s) for s in e.BURR_SIZES_MM)} mm",
                            "domain-reference 2.5"))
    nominal, rated = data.get("nominal_atm"), data.get("rated_burst_atm")
    if nominal is not None and rated is not None and rated < nominal:
        errors.append(Issue("rated_burst_atm", rated, f"rated burst pressure {format_number(rated)} atm is below "
                            f"the nominal pressure {format_number(nominal)} atm"))
    conflict = e.state_conflict(kind, data["state"])
    if conflict:
        warnings.append(Issue("state", data["state"], conflict, IMPLANT_SOURCE, "state:kind"))
    if data.get("removes_event_id") and data["state"] not in e.REMOVAL_STATES:
        errors.append(Issue("removes_event_id", data["removes_event_id"], "an entry that removes an implant needs "
                            "the state retrieved, explanted or retrieval attempted, failed"))
    expiry = data.get("expiry_date")
    if expiry and date.fromisoformat(expiry) < ctx.procedure_date and not data.get("expiry_override_reason"):
        errors.append(Issue("expiry_date", expiry, f"this device expired on {expiry}; it is refused unless a "
                            "reason to use it anyway is given", "device label (UDI expiry, AI 17)"))
    lesion = _ref(data, "lesion_event_id", ctx, {e.EventKind.LESION}, errors, "lesion")
    _ref(data, "delivered_with_event_id", ctx, {e.EventKind.DEVICE}, errors, "device")
    if kind is e.DeviceType.RA_BURR and diameter and lesion and lesion.data.get("reference_diameter_mm"):
        ratio = diameter / lesion.data["reference_diameter_mm"]
        low, high = BURR_ARTERY_RATIO
        if not low <= ratio <= high:
            warnings.append(Issue("diameter_mm", diameter, f"burr-to-artery ratio {ratio:.2f} is outside "
                                  f"{low}-{high}", BURR_RATIO_SOURCE, "diameter_mm:burr_ratio"))
    warnings += device_sanity.size_warnings(data, ctx.category, ctx.events)
    warnings += device_sanity.burr_guide_warning(data, ctx.events.values())


def _check_inflation(data: Mapping[str, Any], ctx: EventContext, errors: list[Issue], warnings: list[Issue]) -> None:
    kinds = {e.EventKind.DEVICE}
    device = _ref(data, "device_event_id", ctx, kinds, errors, "device")
    if device is None:
        return
    if e.DeviceType(device.data["device_type"]) not in e.INFLATABLE_DEVICES:
        errors.append(Issue("device_event_id", data["device_event_id"],
                            f"a {e.DeviceType(device.data['device_type']).label} is not inflated"))
        return
    rated = device.data.get("rated_burst_atm")
    if rated is not None and data["pressure_atm"] > rated:
        warnings.append(Issue("pressure_atm", data["pressure_atm"],
                              f"pressure {format_number(data['pressure_atm'])} atm is above the rated burst "
                              f"pressure {format_number(rated)} atm", "device catalog / IFU",
                              "pressure_atm:above_rated_burst"))
    warnings += device_sanity.pressure_warning(data["pressure_atm"], device)


def _check_atherectomy(data: Mapping[str, Any], ctx: EventContext, errors: list[Issue], warnings: list[Issue]) -> None:
    device = _ref(data, "device_event_id", ctx, {e.EventKind.DEVICE}, errors, "device")
    if device is not None and timer_kind(device.data["device_type"]) is not e.EventKind.ATHERECTOMY:
        errors.append(Issue("device_event_id", data["device_event_id"], "an atherectomy run needs a burr or crown"))


def _check_radiation(data: Mapping[str, Any], ctx: EventContext, errors: list[Issue], warnings: list[Issue]) -> None:
    if all(data.get(k) is None for k in ("fluoro_time_s", "air_kerma_mgy", "dap_gy_cm2")):
        errors.append(Issue("fluoro_time_s", None, "give at least one of fluoro time, air kerma or DAP"))


def _check_lesion(data: Mapping[str, Any], ctx: EventContext, errors: list[Issue], warnings: list[Issue]) -> None:
    if data.get("cto_duration_months") is not None and not data.get("is_cto"):
        errors.append(Issue("cto_duration_months", data["cto_duration_months"],
                            "a CTO duration is given but the lesion is not marked as a CTO"))
    pre = data.get("stenosis_pre_pct")
    if data.get("is_cto") and pre is not None and pre < 99:
        warnings.append(Issue("stenosis_pre_pct", pre, f"a CTO is a > 99 % occlusion but stenosis is {pre} %",
                              "CPT 92943 [24]", "stenosis_pre_pct:cto"))


def _check_complication(data: Mapping[str, Any], ctx: EventContext, errors: list[Issue], warnings: list[Issue]) -> None:
    if data["complication"] == e.ComplicationKind.OTHER and not data.get("description"):
        errors.append(Issue("description", None, "describe a complication of kind 'other'"))
    if data.get("dissection_grade") and data["complication"] != e.ComplicationKind.DISSECTION:
        errors.append(Issue("dissection_grade", data["dissection_grade"],
                            "a dissection grade is given but the complication is not a dissection"))
    _ref(data, "treated_with_event_id", ctx, {e.EventKind.DEVICE}, errors, "device")


_KIND_CHECKS = {
    e.EventKind.ACCESS: _check_access,
    e.EventKind.MEDICATION: _check_medication,
    e.EventKind.DEVICE: _check_device,
    e.EventKind.INFLATION: _check_inflation,
    e.EventKind.ATHERECTOMY: _check_atherectomy,
    e.EventKind.RADIATION: _check_radiation,
    e.EventKind.LESION: _check_lesion,
    e.EventKind.COMPLICATION: _check_complication,
    e.EventKind.CONTRAST: _check_contrast,
}


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
