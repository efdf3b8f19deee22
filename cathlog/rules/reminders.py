"""Follow-up reminder rules R1-R9 of domain-reference.md section 3.

Rules are data (id, title, source) plus one small pure function each, from
the logged case and the physician's review to dated suggestions. They are
"review due" prompts for the physician, never orders; durations of drugs
come from the physician's plan when given.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from cathlog.domain.enums import (
    AccessSite,
    Category,
    DeviceType,
    EventKind,
    Indication,
    PlannedProcedure,
    Vessel,
)
from cathlog.domain.followup import (
    ANTICOAGULANTS as PLAN_ANTICOAGULANTS,
    P2Y12_INHIBITORS,
    DurationUnit,
    PlanDrug,
    Reminder,
    ReminderSuggestion,
    Review,
)
from cathlog.domain.implants import PatientImplant
from cathlog.domain.records import ProcedureRecord
from cathlog.rules.alerts import RATIO_LIMIT, contrast_status
from cathlog.rules.case_facts import (
    FILTER_WINDOW_ESCALATES_DAY,
    FILTER_WINDOW_OPENS_DAY,
    FilterWindow,
    case_day,
    filter_window,
    implants,
)

ACS = {Indication.STEMI, Indication.NSTEMI, Indication.UA}
AORTOILIAC = {Vessel.AORTA, Vessel.CIA, Vessel.EIA}
FEMPOP = {Vessel.COMMON_FEMORAL, Vessel.SFA, Vessel.POPLITEAL}
TIBIAL = {Vessel.ANTERIOR_TIBIAL, Vessel.POSTERIOR_TIBIAL, Vessel.PERONEAL, Vessel.TIBIOPERONEAL_TRUNK,
          Vessel.DORSALIS_PEDIS, Vessel.PLANTAR}
# R5 default duplex schedule after a venous stent, in days (configurable; no guideline-fixed schedule [31c]).
VENOUS_STENT_SCHEDULE_DAYS = (14, 42, 91, 182, 365)
ACCESS_CHECK_DAYS = 1
ANTICOAGULANTS = {"rivaroxaban", "apixaban", "edoxaban", "dabigatran", "warfarin", "enoxaparin", "dalteparin",
                  "tinzaparin", "fondaparinux", "lmwh", "heparin"}  # R8: per local protocol; design default the day after


def add_months(day: date, months: int) -> date:
    """Calendar months later; the 31st becomes the month's last day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def plan_review_date(day: date, drug: PlanDrug) -> date | None:
    """When a plan line's drug is due for review: its duration after the case day (calendar
    months, the 31st becoming the month's last day); None if it runs indefinitely."""
    after = drug.review_after()
    if after is None:
        return None
    value, unit = after
    if unit is DurationUnit.MONTHS:
        return add_months(day, value)
    return day + timedelta(days=value * (7 if unit is DurationUnit.WEEKS else 1))


def _is_anticoagulant(drug: PlanDrug) -> bool:
    name = drug.drug.strip().casefold()
    return name in ANTICOAGULANTS or name in PLAN_ANTICOAGULANTS


def _planned_ends(f: Facts, which: Callable[[PlanDrug], bool]) -> list[tuple[date, PlanDrug]]:
    """(review date, line) of the plan lines ``which`` selects that end at a time, soonest first."""
    out = [(due, d) for d in f.review.plan if which(d) and (due := plan_review_date(f.day, d)) is not None]
    return sorted(out, key=lambda pair: pair[0])


def _p2y12_planned(f: Facts, defaults: list[tuple[date, str]]) -> list[tuple[date, str]]:
    """R1: the physician's planned end of a P2Y12 inhibitor, when it is not a default date."""
    known = {due for due, _ in defaults}
    return defaults + [(due, f"DAPT review due: planned end of {d.drug} after {d.duration}.")
                       for due, d in _planned_ends(f, lambda d: d.drug.strip().casefold() in P2Y12_INHIBITORS)
                       if due not in known]


@dataclass(frozen=True)
class Facts:
    """What the rules look at, read once from the record and the review."""

    day: date
    category: Category
    indication: str
    planned: frozenset[str]
    implanted: frozenset[DeviceType]
    vessels: frozenset[str]
    arterial_access: bool
    access_risks: tuple[str, ...]
    on_oac: bool
    high_bleeding_risk: bool
    kerma_mgy: float
    renal_reasons: tuple[str, ...]
    review: Review
    filter_window: FilterWindow | None = None


def facts(record: ProcedureRecord, review: Review | None = None, later: Iterable[PatientImplant] = ()) -> Facts:
    review = review or Review()
    events = record.current_events()
    implanted = frozenset(DeviceType(ev.data["device_type"]) for ev in implants(record))
    used_devices = {DeviceType(ev.data["device_type"]) for ev in events if ev.kind is EventKind.DEVICE}
    access = [ev for ev in events if ev.kind is EventKind.ACCESS and ev.data["vessel_type"] == "artery"]
    risks = []
    if any(ev.data["sheath_fr"] > 6 for ev in access):
        risks.append("sheath > 6 Fr")
    if any(ev.data["site"] != AccessSite.FEMORAL for ev in access):
        risks.append("non-femoral access")
    if any(ev.data.get("closure") in (None, "manual", "none_yet") for ev in access) and \
            DeviceType.CLOSURE_DEVICE not in used_devices:
        risks.append("no closure device")
    fluoro = max((ev.data.get("fluoro_time_s") or 0 for ev in events if ev.kind is EventKind.RADIATION), default=0)
    if fluoro > 1800:
        risks.append("fluoroscopy > 30 min")
    if any(ev.kind is EventKind.MEDICATION and ev.data["drug"] == "alteplase" for ev in events):
        risks.append("thrombolytic given")
    kerma = max((ev.data.get("air_kerma_mgy") or 0 for ev in events if ev.kind is EventKind.RADIATION), default=0)
    renal = []
    patient = record.patient
    if patient.egfr_ml_min is not None and patient.egfr_ml_min < 30:
        renal.append(f"eGFR {patient.egfr_ml_min:g} < 30")
    contrast = contrast_status(events, patient)
    if contrast.limit_ml is not None and contrast.total_ml > contrast.limit_ml:
        renal.append(f"contrast {contrast.total_ml:g} mL above the limit of {contrast.limit_ml:.0f} mL")
    if contrast.ratio is not None and contrast.ratio > RATIO_LIMIT:
        renal.append(f"contrast/eGFR {contrast.ratio:.2f} > {RATIO_LIMIT}")
    return Facts(
        day=case_day(record), category=Category(record.procedure.category),
        indication=record.procedure.indication, planned=frozenset(record.procedure.planned), implanted=implanted,
        vessels=frozenset(ev.data["vessel"] for ev in events if ev.kind is EventKind.LESION),
        arterial_access=bool(access), access_risks=tuple(risks),
        on_oac=bool(patient.anticoagulation and patient.anticoagulation != "none"),
        high_bleeding_risk=review.high_bleeding_risk, kerma_mgy=kerma, renal_reasons=tuple(renal), review=review,
        filter_window=filter_window(record, later))


@dataclass(frozen=True)
class Rule:
    rule_id: str
    title: str
    source: str
    suggest: Callable[[Facts], list[tuple[date, str]]]  # (due date, text) pairs


STENTS = {DeviceType.DES, DeviceType.BMS}
PERIPHERAL_EVT = {PlannedProcedure.BALLOON_ANGIOPLASTY, PlannedProcedure.DRUG_COATED_BALLOON,
                  PlannedProcedure.STENTING, PlannedProcedure.ROTATIONAL_ATHERECTOMY,
                  PlannedProcedure.ORBITAL_ATHERECTOMY, PlannedProcedure.DIRECTIONAL_ATHERECTOMY}


def _coronary_stent(f: Facts) -> bool:
    return f.category is Category.CORONARY and bool(f.implanted & STENTS)


def _r1a(f: Facts) -> list[tuple[date, str]]:
    if not _coronary_stent(f) or DeviceType.DES not in f.implanted or f.indication in ACS or f.on_oac:
        return []
    out = [(add_months(f.day, 6), "DAPT review due: P2Y12 inhibitor at least 6 months after DES for SIHD/CCD.")]
    if f.high_bleeding_risk:
        out.insert(0, (add_months(f.day, 3), "DAPT review due (high bleeding risk): stopping the P2Y12 inhibitor "
                                             "after 3 months may be reasonable."))
    return _p2y12_planned(f, out)


def _r1b(f: Facts) -> list[tuple[date, str]]:
    if not _coronary_stent(f) or f.indication not in ACS or f.on_oac:
        return []
    if f.high_bleeding_risk:
        return _p2y12_planned(f, [(add_months(f.day, 6), "DAPT review due after ACS (high bleeding risk): "
                                                         "discontinuation after 6 months may be reasonable.")])
    return _p2y12_planned(f, [(add_months(f.day, 12), "DAPT review due: at least 12 months of DAPT after ACS "
                                                      "with a stent.")])


def _r1c(f: Facts) -> list[tuple[date, str]]:
    if f.category is Category.CORONARY and DeviceType.BMS in f.implanted and DeviceType.DES not in f.implanted \
            and f.indication not in ACS:
        return [(add_months(f.day, 1), "DAPT review due: at least 1 month after a bare-metal stent for SIHD.")]
    return []


def _r1e(f: Facts) -> list[tuple[date, str]]:
    if not _coronary_stent(f) or not f.on_oac:
        return []
    return [(add_months(f.day, 1), "Antithrombotic review due (on oral anticoagulant): DAPT 1-4 weeks, then "
                                   "clopidogrel alone to 6 months with the DOAC."),
            (add_months(f.day, 6), "Antithrombotic review due: end of clopidogrel with the DOAC at 6 months.")]


def _r2(f: Facts) -> list[tuple[date, str]]:
    if f.category is not Category.PERIPHERAL_ARTERIAL or not f.planned & PERIPHERAL_EVT:
        return []
    one_month = add_months(f.day, 1)
    out = [(one_month, "Antiplatelet review due after peripheral intervention (DAPT reasonable "
                       "for at least 1 to 6 months).")]
    ends = {due: d for due, d in _planned_ends(f, lambda d: not _is_anticoagulant(d)) if due > one_month}
    for due, d in sorted(ends.items()):
        out.append((due, f"Antiplatelet review due at {d.duration}: planned end of DAPT or switch "
                         "to single antiplatelet therapy."))
    if not ends:
        out.append((add_months(f.day, 6), "Antiplatelet review due at 6 months: planned end of DAPT or switch "
                                          "to single antiplatelet therapy."))
    return out


FILTER_RULE = "R3"


def _r3(f: Facts) -> list[tuple[date, str]]:
    window = f.filter_window
    if window is None:
        return []
    return [(window.opens_on, "IVC filter retrieval window opens: if the transient PE risk has passed, "
                              "review for removal." + window.note),
            (window.escalates_on, "ESCALATE: IVC filter retrieval review overdue by the FDA window "
                                  f"({FILTER_WINDOW_OPENS_DAY}-{FILTER_WINDOW_ESCALATES_DAY} days)." + window.note)]


def _r3b(f: Facts) -> list[tuple[date, str]]:
    if DeviceType.IVC_FILTER_PERMANENT not in f.implanted:
        return []
    return [(add_months(f.day, 12), "Annual review of the permanent IVC filter.")]


def _r4(f: Facts) -> list[tuple[date, str]]:
    if f.category is not Category.VENOUS or f.indication != Indication.DVT:
        return []
    if not f.planned & {PlannedProcedure.THROMBECTOMY, PlannedProcedure.VENOUS_STENTING}:
        return []
    planned = _planned_ends(f, _is_anticoagulant)
    due, course = (planned[0][0], planned[0][1].duration) if planned else (add_months(f.day, 3), "3 months")
    return [(due, f"Anticoagulation review due at the end of the planned course "
                  f"({course}): at least as long as without intervention; "
                                        "extend if unprovoked, weighing bleeding risk.")]


def _r4b(f: Facts) -> list[tuple[date, str]]:
    if DeviceType.VENOUS_STENT not in f.implanted or f.indication != Indication.NIVL_MAY_THURNER:
        return []
    return [(add_months(f.day, m), f"Anticoagulation review due at {m} months after stenting a compressive iliac "
                                   "vein lesion (experts prefer 6-12 months).") for m in (6, 12)]


def _r5(f: Facts) -> list[tuple[date, str]]:
    if DeviceType.VENOUS_STENT not in f.implanted:
        return []
    return [(f.day + timedelta(days=d), f"Venous stent duplex surveillance due (day {d}).")
            for d in VENOUS_STENT_SCHEDULE_DAYS]


def _r6(f: Facts) -> list[tuple[date, str]]:
    out = []
    if f.kerma_mgy > 10000:
        out.append((f.day, f"Physicist skin-dose estimate due now: Ka,r {f.kerma_mgy:.0f} mGy > 10 Gy."))
    if f.kerma_mgy > 5000:
        out.append((f.day + timedelta(days=21), f"Skin check due (Ka,r {f.kerma_mgy:.0f} mGy > 5 Gy): inform the "
                                                "patient, document, examine the skin at 2-4 weeks."))
    return out


def _r7(f: Facts) -> list[tuple[date, str]]:
    if not f.renal_reasons:
        return []
    return [(f.day + timedelta(days=2), "Creatinine check due 48-72 h after the procedure ("
             + "; ".join(f.renal_reasons) + "). CA-AKI: rise >= 0.3 mg/dL in 48 h or >= 1.5x baseline in 7 days.")]


def _r8(f: Facts) -> list[tuple[date, str]]:
    if not f.arterial_access:
        return []
    risks = f" Risk flags: {', '.join(f.access_risks)}." if f.access_risks else ""
    return [(f.day + timedelta(days=ACCESS_CHECK_DAYS), "Access-site check due." + risks)]


def _peripheral(f: Facts, vessels: set[Vessel]) -> bool:
    return f.category is Category.PERIPHERAL_ARTERIAL and bool(f.vessels & vessels)


def _r9a(f: Facts) -> list[tuple[date, str]]:
    if not _peripheral(f, AORTOILIAC):
        return []
    return [(add_months(f.day, m), f"Aortoiliac surveillance due ({m} months): clinical exam and ABI"
             + (", duplex baseline." if m == 1 else " ± duplex.")) for m in (1, 6, 12)]


def _r9b(f: Facts) -> list[tuple[date, str]]:
    if not _peripheral(f, FEMPOP):
        return []
    out = [(add_months(f.day, 1), "Femoropopliteal surveillance due (1 month): clinical exam, ABI, duplex.")]
    stented = bool(f.implanted & {DeviceType.NITINOL_STENT, DeviceType.COVERED_STENT, DeviceType.BMS})
    if stented or f.indication == Indication.CLTI:
        out += [(add_months(f.day, m), f"Femoropopliteal surveillance due ({m} months; stent or CLTI).")
                for m in (3, 9)]
    return out


def _r9c(f: Facts) -> list[tuple[date, str]]:
    if not _peripheral(f, TIBIAL):
        return []
    return [(add_months(f.day, 1), "Tibial/infrapopliteal surveillance due (1 month baseline): clinical exam, "
                                   "ABI, duplex.")]


RULES: tuple[Rule, ...] = (
    Rule("R1a", "DAPT review after DES (SIHD/CCD)", "2016 ACC/AHA DAPT focused update [9]", _r1a),
    Rule("R1b", "DAPT review after ACS with stent", "2016 ACC/AHA DAPT focused update [9]", _r1b),
    Rule("R1c", "DAPT review after BMS (SIHD)", "2016 ACC/AHA DAPT focused update [9]", _r1c),
    Rule("R1e", "Antithrombotic review on oral anticoagulant", "2023 AHA/ACC chronic coronary disease [11]", _r1e),
    Rule("R2", "Antiplatelet review after peripheral intervention",
         "2024 ACC/AHA PAD guideline [27]; Global Vascular Guidelines 2019 [27b]", _r2),
    Rule(FILTER_RULE, "IVC filter retrieval window", "FDA Safety Communication, 6 May 2014 [26]", _r3),
    Rule("R3b", "Permanent IVC filter review", "design (no source)", _r3b),
    Rule("R4", "Anticoagulation review after DVT intervention", "ESVS 2021 venous thrombosis guideline [31]", _r4),
    Rule("R4b", "Anticoagulation review after iliac vein stent", "Delphi consensus, EJVES 2018 [31b]", _r4b),
    Rule("R5", "Venous stent duplex surveillance", "single-centre series [31c]; schedule configurable", _r5),
    Rule("R6", "Skin follow-up after high radiation dose", "Interv Cardiol Rev 2014, Table 2 [13]", _r6),
    Rule("R7", "Creatinine check after contrast", "ACR-NKF 2020 [8]; Cigarroa 1989 [3]; Mager 2011 [4]; "
                                                  "KDIGO 2012 [8b]", _r7),
    Rule("R8", "Access-site check", "VQI, Ortiz 2014 [20] (risk predictors); interval per local protocol", _r8),
    Rule("R9a", "Aortoiliac surveillance", "SVS follow-up guideline 2018 [21]", _r9a),
    Rule("R9b", "Femoropopliteal surveillance", "SVS follow-up guideline 2018 [21]", _r9b),
    Rule("R9c", "Tibial surveillance", "SVS follow-up guideline 2018 [21]", _r9c),
)


def suggest(record: ProcedureRecord, review: Review | None = None) -> list[ReminderSuggestion]:
    """Every reminder the rules suggest for a case, soonest first."""
    f = facts(record, review)
    out = []
    for rule in RULES:
        for due, text in rule.suggest(f):
            out.append(ReminderSuggestion(rule.rule_id, due.isoformat(), rule.title, text, rule.source))
    out.sort(key=lambda s: (s.due_date, s.rule_id))
    return out


def open_filter_windows(record: ProcedureRecord, decided: Iterable[Reminder] = (),
                        due_before: str | None = None,
                        later: Iterable[PatientImplant] = ()) -> list[ReminderSuggestion]:
    """The IVC filter retrieval reminders of a case no physician has decided on yet (accepted,
    edited, dismissed or done), optionally only those due before a date (YYYY-MM-DD): a
    retrievable filter must not be lost because its case was never reviewed. ``later``: the
    patient's implants across cases; a filter retrieved since has no open window, a failed
    retrieval attempt keeps it open and is named in the text."""
    f = facts(record, later=later)
    if f.filter_window is None:
        return []
    done = {(r.rule_id, r.suggested_due) for r in decided}
    rule = next(r for r in RULES if r.rule_id == FILTER_RULE)
    return [ReminderSuggestion(rule.rule_id, due.isoformat(), rule.title, text, rule.source)
            for due, text in rule.suggest(f)
            if (rule.rule_id, due.isoformat()) not in done and (due_before is None or due.isoformat() < due_before)]
