"""The checks of each kind of log entry beyond its fields' own limits: references to other entries,
heparin per kilogram and repeat boluses, device sanity bands and expiry, implant states, burr-to-artery
ratio, contrast against the allergy list. Pure functions, called by
:func:`cathlog.rules.validation.validate_event` once every field is within its limits; each appends hard
issues to ``errors`` and soft ones to ``warnings``, with the source of its threshold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cathlog.domain import enums as e
from cathlog.domain.drugs import DRUGS, HEPARIN_UNITS_PER_KG_SOFT_MAX, HEPARIN_UNITS_PER_KG_SOURCE
from cathlog.domain.errors import Issue
from cathlog.domain.records import EventVersion, parse_utc_iso
from cathlog.domain.units import format_number
from cathlog.rules import device_sanity
from cathlog.rules.case_facts import dose_per_kg, timer_kind
from cathlog.rules.case_flow import IODINATED_AGENTS, contrast_allergy, heparin_units, recent_same_drug

# Burr-to-artery ratio band (domain-reference 2.5, Barbato 2015 [18]).
BURR_ARTERY_RATIO = (0.4, 0.6)
BURR_RATIO_SOURCE = "European expert consensus on rotational atherectomy, Barbato 2015 [18]"
IMPLANT_SOURCE = "implantable device kinds (cathlog.domain.vocab_lab, issue 11 item 1; UDI traceability, domain-reference 1)"


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


KIND_CHECKS = {  # the checks of each entry kind beyond its fields' own limits
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
