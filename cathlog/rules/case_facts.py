"""What a case means: the one home of every fact derived from the record.

Pure functions and frozen dataclasses over :mod:`cathlog.domain.records`;
no Qt, no I/O, no clock (callers pass ``now`` or ``today``). Screens,
reports, reminders and exports only format these facts:

- doses: per-kg doses (heparin units/kg) and running totals per drug and unit
- ACT: each reading judged against the band in force when it was drawn
- devices: which can be timed (inflation / atherectomy run), implants left
  in the patient, the retrievable-filter window, what a scan adds to a case
- time: late entries; the moment a typed HH:MM means and a stepped-back clock (rules.typed_time)

Voided entries never count; a corrected entry counts as its latest version.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from cathlog.domain.enums import (
    GP_IIB_IIIA_DRUGS,
    ActDevice,
    IMPLANTABLE_DEVICES,
    INFLATABLE_DEVICES,
    DeviceState,
    DeviceType,
    Drug,
    EventKind,
)
from cathlog.domain.implants import PatientImplant, Removal
from cathlog.domain.records import EventHistory, EventVersion, Procedure, ProcedureRecord, parse_utc_iso

if TYPE_CHECKING:  # biip loads on the first scan, not at start-up
    from cathlog.rules.barcode import ScannedUdi

# --- doses ------------------------------------------------------------------------

PER_KG_DRUGS = frozenset({Drug.HEPARIN})  # drugs whose dose is shown per kg of the patient's weight


def per_kg(dose: float, weight_kg: float | None) -> float | None:
    """The arithmetic only: a dose per kg of the patient's weight (None without a weight)."""
    return dose / weight_kg if weight_kg else None


def dose_per_kg(drug: Drug | str, dose: float | None, weight_kg: float | None) -> float | None:
    """The per-kg dose of a drug shown per kg (heparin), else None."""
    if dose is None or Drug(drug) not in PER_KG_DRUGS:
        return None
    return per_kg(dose, weight_kg)


@dataclass(frozen=True)
class Dose:
    """One given dose, with its per-kg value and the total of its drug so far."""

    event: EventVersion
    drug: Drug
    name: str  # the label, or the name typed for "other"
    amount: float
    unit: str
    per_kg: float | None
    running_total: float  # this drug in this unit up to and including this dose


@dataclass(frozen=True)
class DrugTotal:
    drug: Drug
    name: str
    unit: str
    total: float
    count: int
    per_kg: float | None = None  # the total per kg of the patient's weight, for drugs shown per kg (heparin)


def _drug_key(ev: EventVersion) -> tuple[Drug, str, str]:
    drug = Drug(ev.data["drug"])
    name = ev.data.get("drug_name") or drug.label
    return drug, name.strip().casefold() if drug is Drug.OTHER else "", ev.data["dose_unit"]


def _in_time_order(events: Iterable[EventVersion]) -> list[EventVersion]:
    return sorted(events, key=lambda ev: parse_utc_iso(ev.occurred_at))  # stable: ties keep the log's order


def doses(record: ProcedureRecord) -> tuple[Dose, ...]:
    """Every dose given (voided ones excluded), in time order."""
    weight = record.patient.weight_kg
    totals: dict[tuple[Drug, str, str], list[float]] = {}
    out = []
    for ev in _in_time_order(record.current_events(EventKind.MEDICATION)):
        drug = Drug(ev.data["drug"])
        amounts = totals.setdefault(_drug_key(ev), [])
        amounts.append(ev.data["dose"])
        out.append(Dose(ev, drug, ev.data.get("drug_name") or drug.label, ev.data["dose"], ev.data["dose_unit"],
                        dose_per_kg(drug, ev.data["dose"], weight), math.fsum(amounts)))
    return tuple(out)


def drug_totals(record: ProcedureRecord) -> tuple[DrugTotal, ...]:
    """The total of each drug per dose unit (voided doses excluded), in the order first given."""
    last: dict[tuple[Drug, str, str], tuple[Dose, int]] = {}
    for dose in doses(record):
        key = _drug_key(dose.event)
        last[key] = (dose, last[key][1] + 1 if key in last else 1)
    weight = record.patient.weight_kg
    return tuple(DrugTotal(d.drug, d.name, d.unit, d.running_total, n, dose_per_kg(d.drug, d.running_total, weight))
                 for d, n in last.values())


# --- ACT ------------------------------------------------------------------------------

ACT_TARGET_HEPARIN = (250, 300)
ACT_TARGET_GP_IIB_IIIA = (200, 250)
ACT_TARGET_HEMOCHRON = (300, 350)  # without GP IIb/IIIa, on a Hemochron analyser [5]
ACT_TARGET_SOURCE = "2013 ACCF/AHA STEMI guideline, table 3 [5] (HemoTec; Hemochron 300-350 s)"


def gp_iib_iiia_given(events: Iterable[EventVersion]) -> bool:
    return any(ev.kind is EventKind.MEDICATION and Drug(ev.data["drug"]) in GP_IIB_IIIA_DRUGS for ev in events)


def default_act_target(events: Iterable[EventVersion]) -> tuple[int, int]:
    """250-300 s with heparin alone, 200-250 s once a GP IIb/IIIa inhibitor is given."""
    return ACT_TARGET_GP_IIB_IIIA if gp_iib_iiia_given(events) else ACT_TARGET_HEPARIN


def device_act_target(gp_iib_iiia: bool, device: str | None) -> tuple[int, int]:
    """The default band for the analyser: with GP IIb/IIIa 200-250 s on any; without, 300-350 s
    on a Hemochron and 250-300 s otherwise (HemoTec, or no analyser recorded) [5]."""
    if gp_iib_iiia:
        return ACT_TARGET_GP_IIB_IIIA
    return ACT_TARGET_HEMOCHRON if device == ActDevice.HEMOCHRON else ACT_TARGET_HEPARIN


class ActVerdict(StrEnum):
    BELOW = "below target"
    IN = "in target"
    ABOVE = "above target"


def act_verdict(act_s: float, band: tuple[int, int]) -> ActVerdict:
    low, high = band
    return ActVerdict.BELOW if act_s < low else ActVerdict.ABOVE if act_s > high else ActVerdict.IN


@dataclass(frozen=True)
class ActBand:
    """The target band in force at a moment, and why it is that band."""

    low_s: int
    high_s: int
    physician_set: bool  # set for this case; otherwise the default for the GP IIb/IIIa state
    gp_iib_iiia: bool  # a GP IIb/IIIa inhibitor had been given by then
    device: str | None = None  # the ACT analyser the default band is for (None: not recorded)

    @property
    def band(self) -> tuple[int, int]:
        return self.low_s, self.high_s


@dataclass(frozen=True)
class BandChange:
    """A version of the procedure that changed the physician-set band."""

    changed_at: str
    band: tuple[int, int] | None
    changed_by: str


def _versions(record: ProcedureRecord) -> tuple[Procedure, ...]:
    return record.procedure_history or (record.procedure,)


def band_changes(record: ProcedureRecord) -> tuple[BandChange, ...]:
    """The physician-set band over time: the first version's band, then every change."""
    out: list[BandChange] = []
    for proc in _versions(record):
        if not out or out[-1].band != proc.act_target:
            out.append(BandChange(proc.changed_at, proc.act_target, proc.changed_by))
    return tuple(out)


def _physician_band_at(changes: tuple[BandChange, ...], moment: datetime) -> tuple[int, int] | None:
    band = changes[0].band  # the band the case was opened with holds from its start
    for change in changes[1:]:
        if change.changed_at and parse_utc_iso(change.changed_at) <= moment:
            band = change.band
    return band


def _first_gp_iib_iiia_at(record: ProcedureRecord) -> datetime | None:
    """When the case's first GP IIb/IIIa inhibitor was given (voided doses excluded), if one was."""
    return min((parse_utc_iso(ev.occurred_at) for ev in record.current_events(EventKind.MEDICATION)
                if Drug(ev.data["drug"]) in GP_IIB_IIIA_DRUGS), default=None)


def _band_at(at: datetime, device: str | None, first_gp: datetime | None,
             changes: tuple[BandChange, ...]) -> ActBand:
    gp = first_gp is not None and first_gp <= at
    band = _physician_band_at(changes, at)
    if band is None:
        return ActBand(*device_act_target(gp, device), physician_set=False, gp_iib_iiia=gp, device=device)
    return ActBand(*band, physician_set=True, gp_iib_iiia=gp, device=device)


def act_band_at(record: ProcedureRecord, moment: str | datetime, device: str | None = None) -> ActBand:
    """The band in force at a moment: the physician's band set by then, else the default
    for the GP IIb/IIIa state then (a GP IIb/IIIa given later does not reach back) and the
    analyser ``device`` the sample ran on (Hemochron 300-350 s without GP IIb/IIIa)."""
    at = parse_utc_iso(moment) if isinstance(moment, str) else moment
    return _band_at(at, device, _first_gp_iib_iiia_at(record), band_changes(record))


def last_act_device(record: ProcedureRecord) -> str | None:
    """The analyser of the case's latest ACT (voided ones excluded), if recorded."""
    acts = _in_time_order(record.current_events(EventKind.ACT))
    return acts[-1].data.get("act_device") if acts else None


def act_band_now(record: ProcedureRecord, device: str | None = None) -> ActBand:
    """The band in force now: the case's current band, else the default for every drug given so
    far and the analyser (``device``, or the one of the latest ACT)."""
    gp = gp_iib_iiia_given(record.current_events())
    device = device or last_act_device(record)
    band = record.procedure.act_target
    if band is None:
        return ActBand(*device_act_target(gp, device), physician_set=False, gp_iib_iiia=gp, device=device)
    return ActBand(*band, physician_set=True, gp_iib_iiia=gp, device=device)


@dataclass(frozen=True)
class ActReading:
    event: EventVersion
    act_s: int
    band: ActBand  # in force when the sample was drawn
    verdict: ActVerdict


def act_series(record: ProcedureRecord) -> tuple[ActReading, ...]:
    """Every ACT (voided ones excluded) in time order, judged against the band of its time."""
    out = []
    first_gp, changes = _first_gp_iib_iiia_at(record), band_changes(record)  # once: linear in the case's size
    for ev in _in_time_order(record.current_events(EventKind.ACT)):
        band = _band_at(parse_utc_iso(ev.occurred_at), ev.data.get("act_device"), first_gp, changes)
        out.append(ActReading(ev, ev.data["act_s"], band, act_verdict(ev.data["act_s"], band.band)))
    return tuple(out)


# --- devices ----------------------------------------------------------------------------

ATHERECTOMY_DEVICES = frozenset({DeviceType.RA_BURR, DeviceType.ORBITAL_CROWN})


def timer_kind(device_type: DeviceType | str) -> EventKind | None:
    """The entry the inflation/atherectomy timer records for a device kind, or None if it is not timed."""
    kind = DeviceType(device_type)
    if kind in INFLATABLE_DEVICES:
        return EventKind.INFLATION
    if kind in ATHERECTOMY_DEVICES:
        return EventKind.ATHERECTOMY
    return None


@dataclass(frozen=True)
class TimedDevice:
    event: EventVersion
    kind: EventKind  # inflation or atherectomy


def timed_devices(record: ProcedureRecord, kind: EventKind | None = None) -> tuple[TimedDevice, ...]:
    """Devices of the case the timer can time (optionally only for one entry kind), newest first."""
    out = []
    for ev in reversed(record.current_events(EventKind.DEVICE)):
        timed = timer_kind(ev.data["device_type"])
        if timed is not None and kind in (None, timed):
            out.append(TimedDevice(ev, timed))
    return tuple(out)


def implants(record: ProcedureRecord) -> tuple[EventVersion, ...]:
    """Devices left in the patient: the latest version of each device entry whose state is
    implanted, voided entries and entries corrected away from implanted excluded."""
    return tuple(ev for ev in record.current_events(EventKind.DEVICE)
                 if ev.data["state"] == DeviceState.IMPLANTED
                 and DeviceType(ev.data["device_type"]) in IMPLANTABLE_DEVICES)


def case_day(record: ProcedureRecord) -> date:
    """The day follow-up is counted from (the case's start date, as stored)."""
    return date.fromisoformat(record.procedure.started_at[:10])


RETRIEVABLE_FILTER = DeviceType.IVC_FILTER_RETRIEVABLE
FILTER_WINDOW_OPENS_DAY = 29  # FDA Safety Communication, 6 May 2014 [26]: removal favoured from day 29
FILTER_WINDOW_ESCALATES_DAY = 54  # ... to day 54


@dataclass(frozen=True)
class FilterWindow:
    """The retrieval window of the retrievable IVC filters left in a case."""

    placed_on: date
    opens_on: date
    escalates_on: date
    filter_event_ids: tuple[str, ...]
    failed_attempts: tuple[Removal, ...] = ()  # retrievals tried and failed: the window stays open

    @property
    def note(self) -> str:
        return "".join(f" Retrieval attempted on {a.on.isoformat()} (case {a.procedure_id}) failed; the filter "
                       "is still in place." for a in self.failed_attempts)


def filter_window(record: ProcedureRecord, later: Iterable[PatientImplant] = ()) -> FilterWindow | None:
    """The case's filter retrieval window, if a retrievable filter is implanted and no entry
    (in ``later``: the patient's implants across cases) has retrieved it (calendar days)."""
    status = {imp.event.event_id: imp for imp in later}
    filters = [ev.event_id for ev in implants(record) if ev.data["device_type"] == RETRIEVABLE_FILTER]
    filters = [f for f in filters if f not in status or status[f].in_place]
    if not filters:
        return None
    day = case_day(record)
    failed = tuple(a for f in filters if f in status for a in status[f].failed_attempts)
    return FilterWindow(day, day + timedelta(days=FILTER_WINDOW_OPENS_DAY),
                        day + timedelta(days=FILTER_WINDOW_ESCALATES_DAY), tuple(filters), failed)


@dataclass(frozen=True)
class ScanCheck:
    """What a scanned UDI means for this case."""

    already_scanned: bool
    expired: bool
    expiry_date: str | None
    in_catalog: bool

    @property
    def notes(self) -> tuple[str, ...]:
        out = []
        if self.already_scanned:
            out.append("⚠ this device was already scanned in this case")
        if self.expired:
            out.append(f"⚠ EXPIRED on {self.expiry_date}: refused unless you give a reason")
        if not self.in_catalog:
            out.append("not in the catalog: choose type and size")
        return tuple(out)


def scan_check(record: ProcedureRecord, udi: ScannedUdi, today: date, in_catalog: bool) -> ScanCheck:
    """A scan is a repeat when a device of the case (not voided) has the same UDI, or the same
    GTIN and serial number; expired when its expiry date lies before ``today``."""
    repeat = any(ev.data.get("udi") == udi.udi or (udi.serial and ev.data.get("serial") == udi.serial
                                                   and ev.data.get("gtin") == udi.gtin)
                 for ev in record.current_events(EventKind.DEVICE))
    return ScanCheck(bool(repeat), udi.is_expired(today), udi.expiry_date, in_catalog)


# --- time ---------------------------------------------------------------------------------

LATE_AFTER = timedelta(minutes=5)


def entry_delay(history: EventHistory) -> timedelta:
    """How long after the time it gave the entry was first entered: the first version's
    recording against its own time. A correction (or a void) is judged by nothing but that:
    correcting an entry later is not lateness, and a time moved by a correction does not make
    an entry that was typed at once "late" after the fact (nor a late one timely)."""
    first = history.versions[0]
    return parse_utc_iso(first.recorded_at) - parse_utc_iso(first.occurred_at)


def is_late(history: EventHistory) -> bool:
    """First entered more than 5 minutes after the time it was entered for."""
    return entry_delay(history) > LATE_AFTER


def late_entries(record: ProcedureRecord) -> tuple[EventHistory, ...]:
    return tuple(h for h in record.events if is_late(h))


# Typed times (HH:MM in the lab's zone, across clock changes) and the stepped-back clock live in
# cathlog.rules.typed_time; they are facts of a case too, so they are reachable from here.
from cathlog.rules.typed_time import TYPED_TIME_AHEAD as TYPED_TIME_AHEAD  # noqa: E402
from cathlog.rules.typed_time import AmbiguousTimeError as AmbiguousTimeError  # noqa: E402
from cathlog.rules.typed_time import ClockBehind as ClockBehind  # noqa: E402
from cathlog.rules.typed_time import NonexistentTimeError as NonexistentTimeError  # noqa: E402
from cathlog.rules.typed_time import TimeChoice as TimeChoice  # noqa: E402
from cathlog.rules.typed_time import TypedTimeError as TypedTimeError  # noqa: E402
from cathlog.rules.typed_time import clock_behind as clock_behind  # noqa: E402
from cathlog.rules.typed_time import typed_moment as typed_moment  # noqa: E402


# --- access (issue 11 item 10) ------------------------------------------------------

def largest_sheath_fr(events: Iterable[EventVersion]) -> float | None:
    """The largest sheath of the case's access entries (voided ones excluded), in Fr:
    the largest guide catheter the case admits, as far as the record tells."""
    sizes = [ev.data["sheath_fr"] for ev in events
             if ev.kind is EventKind.ACCESS and not ev.voided and ev.data.get("sheath_fr") is not None]
    return max(sizes) if sizes else None


# Closing checklist, medication checks, "last used" and allergies live in their own module to keep
# this one short; re-exported here so this stays the one place to import case facts from.
from cathlog.rules.case_flow import (  # noqa: E402
    CONTRAST_ALLERGY_WORDS as CONTRAST_ALLERGY_WORDS,
    REPEAT_BOLUS_WINDOW as REPEAT_BOLUS_WINDOW,
    ChecklistItem as ChecklistItem,
    closing_checklist as closing_checklist,
    contrast_allergy as contrast_allergy,
    heparin_units_per_kg_total as heparin_units_per_kg_total,
    last_used as last_used,
    missing_at_close as missing_at_close,
    recent_same_drug as recent_same_drug,
    sheath_out_at as sheath_out_at,
)
