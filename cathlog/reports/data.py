"""What each report says, as plain data: built from the record, tested in
depth, and handed to a renderer (``reports/pdf.py``) that knows only
geometry. No ReportLab here."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache

from cathlog.domain.describe import describe, device_name, kind_title
from cathlog.domain.enums import (
    Category,
    DeviceState,
    EventKind,
    Indication,
    PlannedProcedure,
    ProcedureStatus,
    Route,
    TeamRole,
    Vessel,
)
from cathlog.domain.followup import Reminder, Review, Signature
from cathlog.domain.implants import PatientImplant
from cathlog.domain.records import EventHistory, EventVersion, ProcedureRecord, parse_utc_iso
from cathlog.domain.units import format_number
from cathlog.reports.implant_card import implant_rows
from cathlog.resources import resource_path
from cathlog.rules import alerts
from cathlog.rules.case_facts import act_series, doses

Rows = Sequence[tuple[str, ...]]


def _time(utc: str) -> str:
    return parse_utc_iso(utc).astimezone().strftime("%H:%M")


def _datetime(utc: str) -> str:
    return parse_utc_iso(utc).astimezone().strftime("%Y-%m-%d %H:%M %Z")


@dataclass(frozen=True)
class Header:
    """On every page: who and which case."""

    patient: str
    procedure: str
    preliminary: bool = False  # not (validly) signed: every page carries a PRELIMINARY mark


@dataclass(frozen=True)
class LogRow:
    """One entry of the summary's event log, with its history: a voided row prints struck through with its
    reason; a corrected one with each correction's reason and the value it replaced."""

    time: str
    entry: str
    details: str
    recorded_by: str
    status: str  # "", "VOIDED" or "corrected (vN)"
    voided: bool = False
    history: tuple[str, ...] = ()  # "v2 (reason): replaced <previous>", "voided (reason)"


@dataclass(frozen=True)
class SignatureLine:
    """A signature as printed, with the addendum that superseded it (printed beside it on page 1)."""

    text: str
    addenda: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabContact:
    """Who the patient calls; from the lab's settings (``lab_name``, ``lab_phone``). Unset: "your cath lab"."""

    name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class SummaryData:
    header: Header
    title: str
    patient: Rows
    procedure: Rows
    access: list[str]
    lesions: list[str]
    devices: Rows  # device, size, lot, state, treats
    drugs: Rows  # time, drug, dose, route, per kg
    acts: Rows  # time, ACT, target, judgement
    contrast: str
    radiation: str
    complications: list[str]
    outcome: Rows
    plan: Rows  # drug, dose, duration
    signatures: list[SignatureLine]
    log: Sequence[LogRow]
    notes: list[str] = field(default_factory=list)
    preliminary: str = ""  # why the summary is preliminary ("" when validly signed)
    implants: Rows = ()  # implant_card.IMPLANT_HEAD


def header(record: ProcedureRecord) -> Header:
    p, proc = record.patient, record.procedure
    return Header(f"{p.display_name} · MRN {p.mrn} · born {p.birth_date}",
                  f"{proc.procedure_id} · {Category(proc.category).label} · {proc.started_at[:10]}")


ADDENDUM_PREFIX = "ADDENDUM: "


def _preliminary(record: ProcedureRecord, signatures: list[Signature]) -> str:
    status = record.procedure.status
    if status is ProcedureStatus.OPEN:
        return "PRELIMINARY — the case is still open"
    if any(s.valid and not s.superseded for s in signatures) and status is ProcedureStatus.SIGNED:
        return ""
    if any(s.superseded for s in signatures):
        return "PRELIMINARY — not signed since the addendum (its signature is superseded)"
    if signatures:
        return "PRELIMINARY — not signed (the record changed after signing)"
    return "PRELIMINARY — not signed"


def addenda_of(record: ProcedureRecord) -> list[EventVersion]:
    """The case's addenda (notes written as an addendum to a signed case), oldest first."""
    return sorted((ev for ev in record.current_events(EventKind.NOTE)
                   if str(ev.data.get("text", "")).startswith(ADDENDUM_PREFIX)),
                  key=lambda ev: parse_utc_iso(ev.recorded_at))


def superseding_addendum(signature: Signature, addenda: Sequence[EventVersion]) -> EventVersion | None:
    """The addendum that superseded ``signature``: the first one written at or after it (an addendum
    is only made on a signed case, so each one supersedes the signatures since the one before it)."""
    if not signature.superseded:
        return None
    signed = parse_utc_iso(signature.signed_at)
    return next((ev for ev in addenda if parse_utc_iso(ev.recorded_at) >= signed), None)


def _signature_lines(record: ProcedureRecord, signatures: list[Signature]) -> list[SignatureLine]:
    """Each signature; a superseded one with the addendum that superseded it."""
    addenda = addenda_of(record)
    lines = []
    for s in signatures:
        state = "SUPERSEDED by an addendum" if s.superseded else ("valid" if s.valid else "CONTENT CHANGED AFTER SIGNING")
        ev = superseding_addendum(s, addenda)
        later = () if ev is None else (f"Addendum, {_datetime(ev.recorded_at)}, by {ev.recorded_by}: "
                                       + ev.data["text"][len(ADDENDUM_PREFIX):],)
        lines.append(SignatureLine(f"{s.meaning.value.capitalize()} by {s.display_name} ({s.username}), "
                                   f"{_datetime(s.signed_at)} — {state}", later))
    return lines or [SignatureLine("Not signed.")]


def _log_row(h: EventHistory, others: dict[str, EventVersion]) -> LogRow:
    ev = h.current
    notes = []
    for before, after in zip(h.versions, h.versions[1:], strict=False):
        why = after.reason or "no reason given"
        if after.voided:
            notes.append(f"VOIDED v{after.version}, reason: {why}")
        else:
            notes.append(f"corrected v{after.version}, reason: {why}; replaced: {describe(before, others)}")
    status = "VOIDED" if ev.voided else (f"corrected (v{ev.version})" if h.corrected else "")
    return LogRow(_time(ev.occurred_at), kind_title(ev.kind), describe(ev, others), ev.recorded_by, status,
                  ev.voided, tuple(notes))


def _lesion_names(record: ProcedureRecord) -> dict[str, str]:
    return {ev.event_id: Vessel(ev.data["vessel"]).label + (f" {ev.data['segment']}" if ev.data.get("segment") else "")
            for ev in record.current_events(EventKind.LESION)}


def build_summary(record: ProcedureRecord, review: Review | None, signatures: list[Signature],
                  today: date, patient_implants: Sequence[PatientImplant] = ()) -> SummaryData:
    p, proc = record.patient, record.procedure
    events = record.current_events()
    others = {h.current.event_id: h.current for h in record.events}
    lesions = _lesion_names(record)
    patient = [("Name", p.display_name), ("MRN", p.mrn), ("Born", f"{p.birth_date} ({p.age_years(today)} y)"),
               ("Sex", p.sex), ("Weight", f"{format_number(p.weight_kg, 1)} kg" if p.weight_kg else "not recorded"),
               ("Creatinine / eGFR", " / ".join(x for x in (
                   f"{format_number(p.creatinine_mg_dl, 2)} mg/dL" if p.creatinine_mg_dl else "",
                   f"{format_number(p.egfr_ml_min, 1)} mL/min/1.73 m²" if p.egfr_ml_min else "") if x) or "—"),
               ("Allergies", p.allergies or "none known")]
    operator = ", ".join(m.name for m in proc.team if m.role is TeamRole.PRIMARY_OPERATOR) or "—"
    team = ", ".join(f"{m.name} ({m.role.label})" for m in proc.team if m.role is not TeamRole.PRIMARY_OPERATOR)
    procedure = [("Case", proc.procedure_id), ("Date", _datetime(proc.started_at)),
                 ("Category", Category(proc.category).label),
                 ("Planned", ", ".join(PlannedProcedure(x).label for x in proc.planned)),
                 ("Indication", Indication(proc.indication).label + (f" — {proc.indication_detail}"
                                                                     if proc.indication_detail else "")),
                 ("Urgency", proc.urgency), ("Operator", operator), ("Team", team or "—"),
                 ("Room", proc.room or "—")]
    devices = []
    for ev in record.current_events(EventKind.DEVICE):
        d = ev.data
        size = ""
        if d.get("diameter_mm") is not None:
            size = format_number(d["diameter_mm"], 2) + (f" × {format_number(d['length_mm'], 1)}"
                                                         if d.get("length_mm") is not None else "") + " mm"
        devices.append((device_name({k: v for k, v in d.items() if k not in ("diameter_mm", "length_mm")}),
                        size, d.get("lot", "—"), DeviceState(d["state"]).label,
                        lesions.get(d.get("lesion_event_id", ""), "")))
    drugs = [(_time(d.event.occurred_at), d.name[:1].upper() + d.name[1:], f"{format_number(d.amount)} {d.unit}",
              Route(d.event.data["route"]).label, f"{d.per_kg:.0f} {d.unit}/kg" if d.per_kg is not None else "")
             for d in doses(record)]
    # Each ACT against the band in force when it was drawn (a later GP IIb/IIIa or band change does not reach back).
    acts = [(_time(a.event.occurred_at), f"{a.act_s} s", f"{a.band.low_s}-{a.band.high_s} s", a.verdict.value)
            for a in act_series(record)]
    c = alerts.contrast_status(events, p)
    contrast = f"{format_number(c.total_ml, 1)} mL"
    if c.limit_ml:
        contrast += f" of a {format_number(c.limit_ml, 0)} mL limit (Cigarroa: 5 mL × kg / creatinine, ≤ 300 mL)"
    if c.ratio is not None:
        contrast += f"; contrast/eGFR {c.ratio:.2f}" + (" (> 3.7)" if c.ratio > alerts.RATIO_LIMIT else "")
    r = alerts.radiation_status(events)
    radiation = ", ".join(x for x in (
        f"fluoroscopy {format_number(r.fluoro_time_s / 60, 1)} min" if r.fluoro_time_s is not None else "",
        f"Ka,r {format_number(r.air_kerma_mgy, 0)} mGy" if r.air_kerma_mgy is not None else "",
        f"DAP {format_number(r.dap_gy_cm2, 1)} Gy·cm²" if r.dap_gy_cm2 is not None else "") if x) or "not recorded"
    if r.messages:
        radiation += " — " + "; ".join(r.messages)
    outcome: list[tuple[str, ...]] = []
    plan: Rows = []
    if review:
        if review.technical_success is not None:
            outcome.append(("Technical success", "yes" if review.technical_success else "no"))
        if review.residual_stenosis_pct is not None:
            outcome.append(("Residual stenosis", f"{review.residual_stenosis_pct}%"))
        if review.final_timi is not None:
            outcome.append(("Final TIMI flow", str(review.final_timi)))
        if review.completion_angiography:
            outcome.append(("Completion angiography", review.completion_angiography))
        if review.compression_stockings:
            outcome.append(("Compression stockings", review.compression_stockings))
        if review.follow_up_notes:
            outcome.append(("Follow-up", review.follow_up_notes))
        plan = [(d.drug, d.dose, d.duration) for d in review.plan]
    preliminary = _preliminary(record, signatures)
    return SummaryData(
        header=replace(header(record), preliminary=bool(preliminary)), title="Procedure summary", patient=patient, procedure=procedure,
        access=[describe(ev) for ev in record.current_events(EventKind.ACCESS)],
        lesions=[describe(ev) for ev in record.current_events(EventKind.LESION)],
        devices=devices, drugs=drugs, acts=acts, contrast=contrast, radiation=radiation,
        complications=[describe(ev) for ev in record.current_events(EventKind.COMPLICATION)] or ["None recorded."],
        outcome=outcome or [("Outcome", "not yet reviewed")], plan=plan,
        signatures=_signature_lines(record, signatures), log=[_log_row(h, others) for h in record.events],
        notes=[ev.data["text"] for ev in record.current_events(EventKind.NOTE)], preliminary=preliminary,
        implants=implant_rows(record, patient_implants))


@dataclass(frozen=True)
class FollowupData:
    header: Header
    title: str
    rows: Rows  # due, what, why (rule), source (citing [n]), status
    disclaimer: str
    references: tuple[tuple[str, str], ...] = ()  # (n, citation) of each [n] the sources cite, in order of citation


@cache
def reference_list() -> dict[str, str]:
    """The literature the reminder rules cite by number (``resources/references.json``)."""
    with resource_path("references.json").open(encoding="utf-8") as fh:
        return {k: v for k, v in json.load(fh).items() if not k.startswith("_")}


def cited(sources: Sequence[str]) -> list[str]:
    """The reference numbers ("26", "31c") cited in ``sources``, first citation first, each once."""
    out: list[str] = []
    for source in sources:
        for tag in re.findall(r"\[(\w+)\]", source):
            if tag not in out:
                out.append(tag)
    return out


def build_followup(record: ProcedureRecord, reminders: list[Reminder]) -> FollowupData:
    ordered = sorted(reminders, key=lambda r: (r.due_date, r.rule_id))
    rows = [(r.due_date, r.text, f"{r.rule_id}: {r.title}", r.source, r.status.value) for r in ordered]
    known = reference_list()
    references = tuple((tag, known.get(tag, "not in cathlog's reference list"))
                       for tag in cited([r.source for r in ordered]))
    return FollowupData(header(record), "Follow-up plan and reminders", rows,
                        "Reminders are prompts for the physician to review; they are not orders. "
                        "Each cites the rule and the source it comes from; numbers in brackets refer to the "
                        "references below.", references)


WARNING_SIGNS = (
    "Bleeding from the puncture site that does not stop after 10 minutes of firm pressure: press and call 911.",
    "Swelling, a growing lump or pain at the puncture site that gets worse.",
    "Numbness, coldness, weakness, pale or blue colour of the arm or leg used.",
    "Chest pain or pressure, or shortness of breath: call 911.",
    "Sudden swelling or pain of a leg, or coughing blood.",
    "Fever, redness or discharge at the puncture site.",
    "Black stools, blood in urine, or unusual bruising while on blood thinners.",
)


@dataclass(frozen=True)
class PatientSheetData:
    header: Header
    title: str
    implants: Rows  # implant_card.IMPLANT_HEAD
    plan: Rows
    warning_signs: tuple[str, ...]
    contact: str
    reminders: Rows  # due, what


def contact_text(lab: LabContact | None) -> str:
    """Whom to call: the lab by name and number from the settings, "your cath lab" when unset; 911 always."""
    lab = lab or LabContact()
    who = lab.name.strip() or "your cath lab"
    phone = f" at {lab.phone.strip()}" if lab.phone.strip() else ""
    return (f"With any question call {who}{phone}, or your doctor. In an emergency call 911. "
            "Carry this card and show it to every doctor and dentist.")


def build_patient_sheet(record: ProcedureRecord, review: Review | None, reminders: list[Reminder],
                        lab: LabContact | None = None,
                        patient_implants: Sequence[PatientImplant] = ()) -> PatientSheetData:
    rows = implant_rows(record, patient_implants)
    plan = [(p.drug, p.dose, p.duration) for p in review.plan] if review else []
    due = [(r.due_date, r.title) for r in reminders if r.status.value == "accepted"]
    return PatientSheetData(header(record), "Your procedure: implant card and what to watch for", rows, plan,
                            WARNING_SIGNS, contact_text(lab), due)
